/*
 * test_x86emu_flags.c - the emulator's arithmetic against the host CPU.
 *
 * Each ALU instruction the emulator supports is run twice on the same
 * operands and incoming flags: once by x86emu_step on a memory operand of
 * the mock guest, once by the host processor through inline assembly.
 * Results and the flags the instruction defines must match (AF is not
 * compared after AND/OR/XOR/TEST, where it is undefined; BT* compares CF
 * only). Operands are edge values plus seeded random ones.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/x86emu.h"
#include "test_x86emu_mock.h"
#include "unit.h"

#if defined(__x86_64__)

/* The red zone below %rsp may hold the compiler's locals: step over it
 * before pushing. */
#define PRE  "add $-128, %%rsp\n\tpush %[fin]\n\tpopf\n\t"
#define POST "\n\tpushf\n\tpop %[f]\n\tsub $-128, %%rsp"

#define BIN(name, insn, T)                                                         \
	static uint64_t name(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout) \
	{                                                                          \
		T x = (T)a, y = (T)b;                                              \
		uint64_t f;                                                        \
		__asm__ volatile(PRE insn " %[y], %[x]" POST                       \
				 : [x] "+r"(x), [f] "=&r"(f)                       \
				 : [y] "r"(y), [fin] "r"(fin)                      \
				 : "cc", "memory");                                \
		*fout = f;                                                         \
		return (uint64_t)x;                                                \
	}
#define UN(name, insn, T)                                                          \
	static uint64_t name(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout) \
	{                                                                          \
		T x = (T)a;                                                        \
		uint64_t f;                                                        \
		(void)b;                                                           \
		__asm__ volatile(PRE insn " %[x]" POST                             \
				 : [x] "+r"(x), [f] "=&r"(f)                       \
				 : [fin] "r"(fin)                                  \
				 : "cc", "memory");                                \
		*fout = f;                                                         \
		return (uint64_t)x;                                                \
	}
#define BIN4(op)                          \
	BIN(h_##op##b, #op "b", uint8_t)  \
	BIN(h_##op##w, #op "w", uint16_t) \
	BIN(h_##op##l, #op "l", uint32_t) \
	BIN(h_##op##q, #op "q", uint64_t)
#define UN4(op)                          \
	UN(h_##op##b, #op "b", uint8_t)  \
	UN(h_##op##w, #op "w", uint16_t) \
	UN(h_##op##l, #op "l", uint32_t) \
	UN(h_##op##q, #op "q", uint64_t)

BIN4(add)
BIN4(or)
BIN4(adc)
BIN4(sbb)
BIN4(and)
BIN4(sub)
BIN4(xor)
BIN4(cmp)
BIN4(test)
BIN4(xadd)
UN4(inc)
UN4(dec)
UN4(neg)
UN4(not )

typedef uint64_t (*host_fn)(uint64_t, uint64_t, uint64_t, uint64_t *);

/* How to encode "op (%rbx), %rax-sized operand" for the emulator. */
struct alu_case {
	const char *name;
	host_fn host[4]; /* b w l q */
	uint8_t op8, op; /* opcode for the byte form and the others (0F for 2-byte) */
	bool twobyte;
	uint8_t ext; /* ModRM.reg for group forms (0xff: register form) */
	bool logic;  /* AF undefined */
	bool unary;
	bool cmp; /* no result written */
};

#define H(op)                                              \
	{                                                  \
		h_##op##b, h_##op##w, h_##op##l, h_##op##q \
	}

static const struct alu_case cases[] = {
	{ "add", H(add), 0x00, 0x01, false, 0xff, false, false, false },
	{ "or", H(or), 0x08, 0x09, false, 0xff, true, false, false },
	{ "adc", H(adc), 0x10, 0x11, false, 0xff, false, false, false },
	{ "sbb", H(sbb), 0x18, 0x19, false, 0xff, false, false, false },
	{ "and", H(and), 0x20, 0x21, false, 0xff, true, false, false },
	{ "sub", H(sub), 0x28, 0x29, false, 0xff, false, false, false },
	{ "xor", H(xor), 0x30, 0x31, false, 0xff, true, false, false },
	{ "cmp", H(cmp), 0x38, 0x39, false, 0xff, false, false, true },
	{ "test", H(test), 0x84, 0x85, false, 0xff, true, false, true },
	{ "xadd", H(xadd), 0xc0, 0xc1, true, 0xff, false, false, false },
	{ "inc", H(inc), 0xfe, 0xff, false, 0, false, true, false },
	{ "dec", H(dec), 0xfe, 0xff, false, 1, false, true, false },
	{ "not", H(not ), 0xf6, 0xf7, false, 2, false, true, false },
	{ "neg", H(neg), 0xf6, 0xf7, false, 3, false, true, false },
};

static const uint64_t edges[] = {
	0,
	1,
	2,
	0x7f,
	0x80,
	0xff,
	0x7fff,
	0x8000,
	0xffff,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x7fffffffffffffffull,
	0x8000000000000000ull,
	0xffffffffffffffffull,
	0x0f,
	0x10,
};

static uint64_t rng;

static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

static const struct x86emu_ops ops = { mock_read, mock_write, mock_cmpxchg, mock_in, mock_out };

/* Emulate one case; returns false (and prints) on a mismatch. */
static bool one(struct mock *m, const struct alu_case *c, unsigned szi, uint64_t a, uint64_t b,
		uint64_t fin, bool lock)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned size = sizes[szi], n = 0;
	struct x86emu_cpu cpu;
	struct x86emu_result res;
	uint64_t want, wf, got = 0, mask = X86EMU_ARITH;
	uint8_t *code = m->ram + 0x1000;

	memset(&cpu, 0, sizeof(cpu));
	cpu.mode = X86EMU_MODE_LONG64;
	cpu.rip = 0x1000;
	cpu.rflags = fin;
	cpu.gpr[X86EMU_RBX] = 0x8000;
	cpu.gpr[X86EMU_RAX] = b;
	if (lock)
		code[n++] = 0xf0;
	if (size == 2)
		code[n++] = 0x66;
	if (size == 8)
		code[n++] = 0x48;
	if (c->twobyte)
		code[n++] = 0x0f;
	code[n++] = size == 1 ? c->op8 : c->op;
	code[n++] = (uint8_t)(0x03 | ((c->ext == 0xff ? 0 : c->ext) << 3)); /* (%rbx) */
	memset(m->ram + 0x8000, 0, 8);
	for (unsigned i = 0; i < size; i++)
		m->ram[0x8000 + i] = (uint8_t)(a >> (8 * i));

	want = c->host[szi](a, b, fin, &wf);
	if (x86emu_step(&cpu, &ops, m, &res) != X86EMU_OK || cpu.rip != 0x1000 + n) {
		printf("\n  %s size %u: status %d", c->name, size, res.status);
		return false;
	}
	for (unsigned i = 0; i < size; i++)
		got |= (uint64_t)m->ram[0x8000 + i] << (8 * i);
	if (c->cmp)
		want = a;
	if (c->logic)
		mask &= ~(uint64_t)X86EMU_AF;
	if (c->op == 0xf7 && c->ext == 2)
		mask = 0; /* NOT changes no flags: compare all of them below */
	want &= size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	if (got != want || (cpu.rflags & mask) != (wf & mask) ||
	    (mask == 0 && (cpu.rflags & X86EMU_ARITH) != (fin & X86EMU_ARITH))) {
		printf("\n  %s size %u a %#llx b %#llx fin %#llx: got %#llx fl %#llx, want %#llx "
		       "fl %#llx",
		       c->name, size, (unsigned long long)a, (unsigned long long)b,
		       (unsigned long long)fin, (unsigned long long)got,
		       (unsigned long long)cpu.rflags, (unsigned long long)want,
		       (unsigned long long)wf);
		return false;
	}
	/* XADD also hands the old destination back in the source register */
	if (c->twobyte && (cpu.gpr[X86EMU_RAX] & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1)) !=
				  (a & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1))) {
		printf("\n  xadd size %u: source register not the old value", size);
		return false;
	}
	return true;
}

static void test_alu_vs_host(void)
{
	struct mock m = { .ram = calloc(1, MOCK_RAM) };
	unsigned bad = 0, n = 0;

	CU_ASSERT_FATAL(m.ram != NULL);
	rng = 0x1234567887654321ull;
	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		for (unsigned szi = 0; szi < 4; szi++) {
			for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
				for (size_t j = 0; j < sizeof(edges) / sizeof(edges[0]); j++) {
					for (uint64_t cf = 0; cf < 2; cf++) {
						n++;
						if (!one(&m, &cases[ci], szi, edges[i], edges[j],
							 0x202 | cf, false) &&
						    ++bad > 10)
							goto out;
					}
				}
			}
			for (int k = 0; k < 2000; k++) {
				uint64_t a = rnd(), b = rnd();
				uint64_t fin = 0x202 | (rnd() & X86EMU_ARITH);
				if (k & 1) { /* small values hit carries from bit 3 and signs */
					a &= 0x1ff;
					b &= 0x1ff;
				}
				n++;
				if (!one(&m, &cases[ci], szi, a, b, fin,
					 (k & 3) == 3 && !cases[ci].cmp) &&
				    ++bad > 10)
					goto out;
			}
		}
	}
out:
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(n > 50000);
	free(m.ram);
}

/* The other operand shapes go through the same code as above; check they
 * agree with the host too: reg = reg op mem (03), imm32 (81), imm8 sign-
 * extended (83), accumulator-immediate (05). */
static void test_alu_forms(void)
{
	struct mock m = { .ram = calloc(1, MOCK_RAM) };
	struct x86emu_cpu cpu;
	struct x86emu_result res;
	uint64_t wf, want;
	unsigned bad = 0;

	CU_ASSERT_FATAL(m.ram != NULL);
	rng = 42;
	for (int k = 0; k < 3000; k++) {
		uint64_t a = rnd(), b = rnd(), fin = 0x202 | (rnd() & X86EMU_ARITH);
		unsigned aop = (unsigned)(rnd() % 8), form = (unsigned)(rnd() % 4);
		host_fn h = cases[aop].host[3];
		uint8_t *code = m.ram + 0x1000;
		uint64_t got;

		memset(&cpu, 0, sizeof(cpu));
		cpu.mode = X86EMU_MODE_LONG64;
		cpu.rip = 0x1000;
		cpu.rflags = fin;
		cpu.gpr[X86EMU_RBX] = 0x8000;
		memcpy(m.ram + 0x8000, &b, 8);
		code[0] = 0x48;
		switch (form) {
		case 0: /* add (%rbx),%rcx */
			cpu.gpr[X86EMU_RCX] = a;
			code[1] = (uint8_t)(aop * 8 + 3);
			code[2] = 0x0b;
			break;
		case 1: /* addq $imm32,(%rbx) */
			memcpy(m.ram + 0x8000, &a, 8);
			code[1] = 0x81;
			code[2] = (uint8_t)(0x03 | aop << 3);
			memcpy(code + 3, &b, 4);
			b = (uint64_t)(int64_t)(int32_t)b;
			break;
		case 2: /* addq $imm8,(%rbx) */
			memcpy(m.ram + 0x8000, &a, 8);
			code[1] = 0x83;
			code[2] = (uint8_t)(0x03 | aop << 3);
			code[3] = (uint8_t)b;
			b = (uint64_t)(int64_t)(int8_t)b;
			break;
		default: /* add $imm32,%rax */
			cpu.gpr[X86EMU_RAX] = a;
			code[1] = (uint8_t)(aop * 8 + 5);
			memcpy(code + 2, &b, 4);
			b = (uint64_t)(int64_t)(int32_t)b;
			break;
		}
		want = h(a, b, fin, &wf);
		if (x86emu_step(&cpu, &ops, &m, &res) != X86EMU_OK) {
			bad++;
			continue;
		}
		got = form == 0 ? cpu.gpr[X86EMU_RCX] : form == 3 ? cpu.gpr[X86EMU_RAX] : 0;
		if (form == 1 || form == 2)
			memcpy(&got, m.ram + 0x8000, 8);
		if (aop == 7)
			want = a;
		uint64_t mask = cases[aop].logic ? X86EMU_ARITH & ~X86EMU_AF : X86EMU_ARITH;
		if (got != want || (cpu.rflags & mask) != (wf & mask))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(m.ram);
}

static CU_TestInfo x86emu_flags_tests[] = {
	{ "ALU/INC/DEC/NEG/NOT/XADD vs host CPU", test_alu_vs_host },
	{ "reg, imm32, imm8, accumulator forms vs host", test_alu_forms },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(x86emu_flags, x86emu_flags_tests);

#endif
