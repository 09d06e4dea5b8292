/*
 * calls.h - user-side stubs for every exokernel call.
 *
 * One `static inline long exo_NAME(...)` per entry of the EXO_CALLS table in
 * exo/abi.h, generated from that table so the two can never disagree. Each
 * stub returns the kernel's result unchanged: >= 0 on success, -EXO_E* on
 * failure (exo/error.h). docs/abi.md documents each call: arguments with
 * units, what the kernel checks, and every error it returns.
 *
 * Example: long n = exo_cons_write("hi\n", 3);
 */
#ifndef EXO_CALLS_H
#define EXO_CALLS_H

#include <stdint.h>

#include <exo/abi.h>
#include <exo/error.h>
#include <exo/layout.h>

/*
 * Enter the kernel with call number num and six argument words (AMD APM
 * vol. 2 §6.1.1, convention in exo/abi.h). Calls with fewer arguments pass
 * zeros in the unused registers. SYSCALL overwrites rcx and r11; "memory"
 * because the kernel may read or write any buffer the arguments name.
 */
static inline long exo_syscall6(uint64_t num, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
				uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(num), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * The generator: typed parameters from EXO_PARAMS_n, register words from
 * EXO_WORDS_n; the words fill the front of a six-word array whose missing
 * initialisers are zero, so one syscall helper serves every argument count.
 */
#define EXO_STUB(num, name, nargs, ...)                                         \
	static inline long exo_##name(EXO_PARAMS_##nargs(__VA_ARGS__))          \
	{                                                                       \
		const uint64_t w[6] = { EXO_WORDS_##nargs(__VA_ARGS__) };       \
		return exo_syscall6((num), w[0], w[1], w[2], w[3], w[4], w[5]); \
	}
EXO_CALLS(EXO_STUB)
#undef EXO_STUB

/* Every call number must lie below EXO_NCALLS, or the kernel's table misses it. */
#define EXO_CHECK_NUMBER(num, name, ...) \
	_Static_assert((num) >= 0 && (num) < EXO_NCALLS, "EXO_NCALLS too small for exo_" #name);
EXO_CALLS(EXO_CHECK_NUMBER)
#undef EXO_CHECK_NUMBER

#endif
