/*
 * testlib.h - helpers for integration test programs (run as the first
 * environment under QEMU).
 *
 * A test checks with CHECK/CHECK_EQ, which print the failing expression and
 * end the test; test_pass() prints the end marker "TEST-END pass" and
 * leaves QEMU with status 1 through isa-debug-exit. The harness
 * (tools/run-tests.sh) requires both the marker and the status.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>

static inline void __attribute__((noreturn)) test_end(int pass)
{
	printf("TEST-END %s\n", pass ? "pass" : "fail");
	fflush(stdout);
	exo_debug_exit(pass ? 0 : 1);
	exit(pass ? 0 : 1);
}

#define test_pass() test_end(1)

/* Sleep in the kernel (not spinning) until (*(uint64_t *)va & mask) OP
 * value holds, or timeout_us passes. Returns an EXO_WAKE_* code. */
static inline long test_wait_word(const volatile void *va, uint64_t mask, uint64_t value,
				  uint32_t op, uint64_t timeout_us)
{
	struct exo_pred_term t = { (uint64_t)va, mask, value, op, 0 };
	return exo_wait(&t, 1, EXO_PRED_ALL, timeout_us);
}

/* The id of the environment (not an extra context) named name in the
 * read-only env table, or 0. Boot modules are named by their argv[0]. */
static inline uint32_t test_find_env(const char *name)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	for (unsigned i = 1; i < EXO_NENV; i++)
		if (t[i].id && strcmp(t[i].name, name) == 0 &&
		    !(t[i].parent && strcmp(t[t[i].parent & (EXO_NENV - 1)].name, name) == 0))
			return t[i].id;
	return 0;
}

/* Does the slice trace tr[0..n) show env a and env b on different CPUs
 * within one slice of each other (truly in parallel)? */
static inline int test_slices_overlap(const struct exo_trace_rec *tr, long n, uint32_t a,
				      uint32_t b)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t slice = si->tsc_hz / 1000000 * EXO_SLICE_US;
	for (long i = 0; i < n; i++)
		for (long j = 0; j < n; j++)
			if (tr[i].type == EXO_TRACE_SLICE && tr[j].type == EXO_TRACE_SLICE &&
			    tr[i].env == a && tr[j].env == b && tr[i].cpu != tr[j].cpu &&
			    tr[i].tsc < tr[j].tsc + slice && tr[j].tsc < tr[i].tsc + slice)
				return 1;
	return 0;
}

/* Sleep for us microseconds. */
static inline void test_sleep_us(uint64_t us)
{
	exo_wait(0, 0, EXO_PRED_ALL, us);
}

/* Wait until no environment but this one is left (others died or
 * finished), sleeping between looks; fails the test after timeout_ms. */
static inline void test_wait_alone(unsigned timeout_ms)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	for (unsigned ms = 0;; ms++) {
		unsigned others = 0;
		for (unsigned i = 1; i < EXO_NENV; i++)
			others += t[i].id && t[i].id != (uint32_t)exo_env_id();
		if (!others)
			return;
		if (ms == timeout_ms) {
			printf("test_wait_alone: %u environments still there\n", others);
			test_end(0);
		}
		test_sleep_us(1000);
	}
}

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			printf("CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			test_end(0);                                                     \
		}                                                                        \
	} while (0)

#define CHECK_EQ(a, b)                                                                           \
	do {                                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);                              \
		if (a_ != b_) {                                                                  \
			printf("CHECK_EQ failed: %s == %lld, expected %s == %lld (%s:%d)\n", #a, \
			       a_, #b, b_, __FILE__, __LINE__);                                  \
			test_end(0);                                                             \
		}                                                                                \
	} while (0)

#endif
