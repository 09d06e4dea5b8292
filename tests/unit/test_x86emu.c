/*
 * test_x86emu.c - host tests of the x86 emulator's semantics
 * (libos/vmm/emu/exec.c, strio.c) on the mock guest of
 * test_x86emu_mock.h: data movement, atomics, bit tests, string and port
 * I/O with REP and DF, faults from callbacks (precise: RIP and registers
 * unchanged, partial REP progress kept), real-mode addressing, RIP-
 * relative and segment overrides, LOCK misuse, and a seeded fuzz of
 * x86emu_step in every mode. Arithmetic flags are checked against the host
 * CPU in test_x86emu_flags.c.
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

static struct mock M;
static struct x86emu_cpu C;
static struct x86emu_result R;
static struct x86emu_ops ops = { mock_read, mock_write, mock_cmpxchg, mock_in, mock_out };

#define CODE 0x1000u
#define DATA 0x8000u

static void setup(enum x86emu_mode mode)
{
	if (!M.ram)
		M.ram = malloc(MOCK_RAM);
	CU_ASSERT_FATAL(M.ram != NULL);
	uint8_t *ram = M.ram;
	memset(&M, 0, sizeof(M));
	M.ram = ram;
	memset(M.ram, 0, MOCK_RAM);
	memset(&C, 0, sizeof(C));
	C.mode = mode;
	C.rip = CODE;
	C.rflags = 0x2;
	ops = (struct x86emu_ops){ mock_read, mock_write, mock_cmpxchg, mock_in, mock_out };
}

static uint64_t rip0; /* RIP before the last run() */

/* Place code at CS:RIP and emulate it. */
static enum x86emu_status run(const char *code, size_t n)
{
	rip0 = C.rip;
	memcpy(M.ram + C.seg_base[X86EMU_CS] + C.rip, code, n);
	return x86emu_step(&C, &ops, &M, &R);
}

static uint64_t rd(uint64_t la, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, M.ram + la, n);
	return v;
}

static void wr(uint64_t la, uint64_t v, unsigned n)
{
	memcpy(M.ram + la, &v, n);
}

static void test_mov(void)
{
	setup(X86EMU_MODE_LONG64);
	C.gpr[X86EMU_RBX] = DATA;
	C.gpr[X86EMU_RAX] = 0x1122334455667788ull;
	CU_ASSERT_EQUAL(run("\x48\x89\x03", 3), X86EMU_OK); /* mov %rax,(%rbx) */
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x1122334455667788ull);
	CU_ASSERT_EQUAL(C.rip, rip0 + 3);
	CU_ASSERT_EQUAL(run("\x89\x43\x08", 3), X86EMU_OK); /* mov %eax,8(%rbx) */
	CU_ASSERT_EQUAL(rd(DATA + 8, 8), 0x55667788ull);
	CU_ASSERT_EQUAL(run("\x66\x89\x43\x10", 4), X86EMU_OK); /* mov %ax,16(%rbx) */
	CU_ASSERT_EQUAL(rd(DATA + 16, 4), 0x7788);
	CU_ASSERT_EQUAL(run("\x88\x63\x18", 3), X86EMU_OK); /* mov %ah,24(%rbx) */
	CU_ASSERT_EQUAL(rd(DATA + 24, 2), 0x77);
	C.gpr[X86EMU_RSI] = 0x99;
	CU_ASSERT_EQUAL(run("\x40\x88\x73\x19", 4), X86EMU_OK); /* mov %sil,25(%rbx) */
	CU_ASSERT_EQUAL(rd(DATA + 25, 1), 0x99);

	/* loads: 32-bit zero-extends, 8/16-bit keep the rest */
	wr(DATA, 0xf0e0d0c0b0a09080ull, 8);
	C.gpr[X86EMU_RCX] = ~0ull;
	CU_ASSERT_EQUAL(run("\x8b\x0b", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xb0a09080ull);
	C.gpr[X86EMU_RCX] = ~0ull;
	CU_ASSERT_EQUAL(run("\x66\x8b\x0b", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xffffffffffff9080ull);
	CU_ASSERT_EQUAL(run("\x8a\x2b", 2), X86EMU_OK); /* mov (%rbx),%ch */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xffffffffffff8080ull);
	CU_ASSERT_EQUAL(run("\x4c\x8b\x03", 3), X86EMU_OK); /* mov (%rbx),%r8 */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_R8], 0xf0e0d0c0b0a09080ull);

	/* immediates: C6, C7 (imm32 sign-extended with REX.W) */
	CU_ASSERT_EQUAL(run("\xc6\x03\x5a", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0xf0e0d0c0b0a0905aull);
	CU_ASSERT_EQUAL(run("\x48\xc7\x03\xfe\xff\xff\xff", 7), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0xfffffffffffffffeull);
	CU_ASSERT_EQUAL(run("\x66\xc7\x03\x34\x12", 5), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0xffffffffffff1234ull);

	/* MOVZX/MOVSX/MOVSXD */
	wr(DATA, 0x80f0, 2);
	CU_ASSERT_EQUAL(run("\x0f\xb6\x0b", 3), X86EMU_OK); /* movzbl */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xf0);
	CU_ASSERT_EQUAL(run("\x48\x0f\xbe\x0b", 4), X86EMU_OK); /* movsbq */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xfffffffffffffff0ull);
	CU_ASSERT_EQUAL(run("\x0f\xb7\x0b", 3), X86EMU_OK); /* movzwl */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0x80f0);
	CU_ASSERT_EQUAL(run("\x0f\xbf\x0b", 3), X86EMU_OK); /* movswl */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xffff80f0ull);
	C.gpr[X86EMU_RCX] = ~0ull;
	CU_ASSERT_EQUAL(run("\x66\x0f\xb6\x0b", 4), X86EMU_OK); /* movzbw */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xffffffffffff00f0ull);
	wr(DATA, 0x80000000, 4);
	CU_ASSERT_EQUAL(run("\x48\x63\x0b", 3), X86EMU_OK); /* movslq */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xffffffff80000000ull);
	CU_ASSERT_EQUAL(run("\x63\x0b", 2), X86EMU_OK); /* movsxd without W: plain 32 */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0x80000000ull);

	/* moffs, 64-bit address */
	wr(0x9000, 0x12345678, 4);
	CU_ASSERT_EQUAL(run("\xa1\x00\x90\x00\x00\x00\x00\x00\x00", 9), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x12345678);
	CU_ASSERT_EQUAL(C.rip, rip0 + 9);
	C.gpr[X86EMU_RAX] = 0xab;
	CU_ASSERT_EQUAL(run("\xa2\x10\x90\x00\x00\x00\x00\x00\x00", 9), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(0x9010, 1), 0xab);
	/* MOV r, imm (B8+r) */
	CU_ASSERT_EQUAL(run("\x49\xb9\x88\x77\x66\x55\x44\x33\x22\x11", 10), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_R9], 0x1122334455667788ull);
}

static void test_mmio(void)
{
	setup(X86EMU_MODE_PROT32);
	C.gpr[X86EMU_RBX] = MOCK_MMIO + 0x300;
	C.gpr[X86EMU_RAX] = 0xdeadbeef;
	CU_ASSERT_EQUAL(run("\x89\x43\x04", 3), X86EMU_OK); /* mov %eax,4(%ebx) */
	CU_ASSERT_EQUAL(M.last_mmio_addr, MOCK_MMIO + 0x304);
	CU_ASSERT_EQUAL(M.last_mmio_len, 4);
	CU_ASSERT_EQUAL(M.last_mmio_val, 0xdeadbeef);
	CU_ASSERT_EQUAL(run("\x0f\xb7\x4b\x02", 4), X86EMU_OK); /* movzwl 2(%ebx),%ecx */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0xa5a5);
	CU_ASSERT_EQUAL(M.last_mmio_len, 2);
	/* moffs32 */
	CU_ASSERT_EQUAL(run("\xa3\x10\x00\xe0\xfe", 5), X86EMU_OK);
	CU_ASSERT_EQUAL(M.last_mmio_addr, MOCK_MMIO + 0x10);
	CU_ASSERT_EQUAL(C.rip, rip0 + 5);
}

static void test_addressing(void)
{
	/* RIP-relative: relative to the next instruction */
	setup(X86EMU_MODE_LONG64);
	wr(CODE + 6 + 0x100, 0xbeef, 4);
	CU_ASSERT_EQUAL(run("\x8b\x05\x00\x01\x00\x00", 6), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0xbeef);
	/* RIP-relative with an immediate after the displacement */
	C.rip = CODE;
	CU_ASSERT_EQUAL(run("\xc7\x05\x00\x02\x00\x00\x44\x33\x22\x11", 10), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(CODE + 10 + 0x200, 4), 0x11223344);

	/* FS/GS bases count in 64-bit mode, ES/DS ones do not */
	C.seg_base[X86EMU_FS] = 0x10000;
	C.seg_base[X86EMU_ES] = 0x20000;
	C.gpr[X86EMU_RBX] = 0x10;
	wr(0x10010, 0x77, 1);
	wr(0x00010, 0x66, 1);
	CU_ASSERT_EQUAL(run("\x64\x8a\x03", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX] & 0xff, 0x77);
	CU_ASSERT_EQUAL(run("\x26\x8a\x03", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX] & 0xff, 0x66);

	/* 32-bit: DS default, SS for EBP, overrides, 32-bit wrap */
	setup(X86EMU_MODE_PROT32);
	C.seg_base[X86EMU_DS] = 0x10000;
	C.seg_base[X86EMU_SS] = 0x20000;
	C.seg_base[X86EMU_ES] = 0x30000;
	C.gpr[X86EMU_RBX] = 0x100;
	C.gpr[X86EMU_RBP] = 0x100;
	wr(0x10100, 1, 1);
	wr(0x20100, 2, 1);
	wr(0x30100, 3, 1);
	CU_ASSERT_EQUAL(run("\x8a\x03", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 1);
	CU_ASSERT_EQUAL(run("\x8a\x45\x00", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 2);
	CU_ASSERT_EQUAL(run("\x26\x8a\x45\x00", 4), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 3);
	CU_ASSERT_EQUAL(run("\x8a\x04\x24", 3), X86EMU_OK); /* (%esp): SS */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0);
	C.gpr[X86EMU_RSP] = 0x100;
	CU_ASSERT_EQUAL(run("\x8a\x04\x24", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 2);
	/* base + index*scale wraps at 4 GiB */
	C.gpr[X86EMU_RBX] = 0xffffff00u;
	C.gpr[X86EMU_RSI] = 0x80;
	CU_ASSERT_EQUAL(run("\x8a\x04\x73", 3), X86EMU_OK); /* (%ebx,%esi,2) = 0 + ds */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0);
	wr(0x10000, 9, 1);
	CU_ASSERT_EQUAL(run("\x8a\x04\x73", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 9);
}

static void test_real_mode(void)
{
	setup(X86EMU_MODE_REAL);
	C.seg_base[X86EMU_CS] = 0x7c00 - CODE; /* CS:IP = linear 0x7c00 */
	C.seg_base[X86EMU_DS] = 0x10000;
	C.seg_base[X86EMU_SS] = 0x20000;
	C.gpr[X86EMU_RBX] = 0x1000;
	C.gpr[X86EMU_RSI] = 0x20;
	C.gpr[X86EMU_RDI] = 0x40;
	C.gpr[X86EMU_RBP] = 0x3000;
	wr(0x11025, 0x1234, 2);
	CU_ASSERT_EQUAL(run("\x8b\x40\x05", 3), X86EMU_OK); /* mov 5(%bx,%si),%ax */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x1234);
	CU_ASSERT_EQUAL(C.rip, rip0 + 3);
	wr(0x23040 - 2, 0x5678, 2);
	CU_ASSERT_EQUAL(run("\x8b\x43\xfe", 3), X86EMU_OK); /* mov -2(%bp,%di),%ax */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x5678);
	/* 16-bit offsets wrap at 64 KiB: bx+si = 0xffff+2 -> 1 */
	C.gpr[X86EMU_RBX] = 0xffff;
	C.gpr[X86EMU_RSI] = 2;
	wr(0x10001, 0xab, 1);
	CU_ASSERT_EQUAL(run("\x8a\x00", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX] & 0xff, 0xab);
	/* direct address and a 66-prefixed 32-bit store */
	C.gpr[X86EMU_RAX] = 0xcafebabe;
	CU_ASSERT_EQUAL(run("\x66\xa3\x00\x20", 4), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(0x12000, 4), 0xcafebabe);
	CU_ASSERT_EQUAL(run("\x89\x06\x10\x20", 4), X86EMU_OK); /* mov %ax,0x2010 */
	CU_ASSERT_EQUAL(rd(0x12010, 4), 0xbabe);
	/* 67: 32-bit addressing in real mode */
	C.gpr[X86EMU_RAX] = 0x5a;
	C.gpr[X86EMU_RCX] = 0x3000;
	CU_ASSERT_EQUAL(run("\x67\x88\x04\x49", 4), X86EMU_OK); /* (%ecx,%ecx,2) */
	CU_ASSERT_EQUAL(rd(0x19000, 1), 0x5a);
	/* IP wraps at 64 KiB */
	C.seg_base[X86EMU_CS] = 0;
	C.rip = 0xfffe;
	CU_ASSERT_EQUAL(run("\x8a\x00", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.rip, 0);
	/* I/O needs no privilege in real mode */
	C.rip = CODE;
	C.cpl = 3; /* ignored in real mode */
	CU_ASSERT_EQUAL(run("\xe6\x80", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(M.ports[0], 0x80);
}

static void test_xchg_cmpxchg(void)
{
	setup(X86EMU_MODE_LONG64);
	C.gpr[X86EMU_RBX] = DATA;
	wr(DATA, 0x1111, 4);
	C.gpr[X86EMU_RAX] = 0x2222;
	CU_ASSERT_EQUAL(run("\x87\x03", 2), X86EMU_OK); /* xchg %eax,(%rbx): implicit lock */
	CU_ASSERT_EQUAL(rd(DATA, 4), 0x2222);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x1111);
	CU_ASSERT_EQUAL(M.ncmpxchg, 1);
	/* a racing writer: the emulator retries */
	M.races = 2;
	CU_ASSERT_EQUAL(run("\x86\x03", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(M.ncmpxchg, 4);
	/* too many races: RETRY, nothing changed */
	M.races = 1000;
	uint64_t rip = C.rip, rax = C.gpr[X86EMU_RAX];
	CU_ASSERT_EQUAL(run("\x87\x03", 2), X86EMU_RETRY);
	CU_ASSERT_EQUAL(C.rip, rip);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], rax);
	M.races = 0;
	/* without a cmpxchg callback: read then write */
	ops.cmpxchg = NULL;
	wr(DATA, 5, 8);
	C.gpr[X86EMU_RCX] = 6;
	CU_ASSERT_EQUAL(run("\x48\x87\x0b", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 6);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 5);
	/* register forms: 87 /r and 90+r */
	C.gpr[X86EMU_RAX] = 1;
	C.gpr[X86EMU_RDX] = 2;
	CU_ASSERT_EQUAL(run("\x92", 1), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 2);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDX], 1);
	CU_ASSERT_EQUAL(run("\x49\x90", 2), X86EMU_OK); /* xchg %rax,%r8 */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_R8], 2);
	ops.cmpxchg = mock_cmpxchg;

	/* CMPXCHG: success stores the source */
	wr(DATA, 100, 4);
	C.gpr[X86EMU_RAX] = 100;
	C.gpr[X86EMU_RCX] = 200;
	CU_ASSERT_EQUAL(run("\xf0\x0f\xb1\x0b", 4), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 4), 200);
	CU_ASSERT_TRUE(C.rflags & X86EMU_ZF);
	/* failure loads the accumulator; the memory keeps its value */
	unsigned writes = M.nwrite;
	CU_ASSERT_EQUAL(run("\x0f\xb1\x0b", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 4), 200);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 200);
	CU_ASSERT_FALSE(C.rflags & X86EMU_ZF);
	CU_ASSERT_EQUAL(M.nwrite, writes + 1); /* the processor writes back */
	/* flags are those of CMP acc, dest: 100 - 200 sets CF and SF */
	C.gpr[X86EMU_RAX] = 100;
	CU_ASSERT_EQUAL(run("\x0f\xb1\x0b", 3), X86EMU_OK);
	CU_ASSERT_TRUE(C.rflags & X86EMU_CF);
	CU_ASSERT_TRUE(C.rflags & X86EMU_SF);
	/* byte form */
	wr(DATA, 0x7f, 1);
	C.gpr[X86EMU_RAX] = 0x7f;
	C.gpr[X86EMU_RCX] = 0x80;
	CU_ASSERT_EQUAL(run("\x0f\xb0\x0b", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 1), 0x80);

	/* CMPXCHG8B */
	wr(DATA, 0x1111111122222222ull, 8);
	C.gpr[X86EMU_RDX] = 0x11111111;
	C.gpr[X86EMU_RAX] = 0x22222222;
	C.gpr[X86EMU_RCX] = 0x33333333;
	C.gpr[X86EMU_RBX] = DATA; /* EBX is also the low new half */
	CU_ASSERT_EQUAL(run("\x0f\xc7\x0b", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x3333333300008000ull);
	CU_ASSERT_TRUE(C.rflags & X86EMU_ZF);
	CU_ASSERT_EQUAL(run("\xf0\x0f\xc7\x0b", 4), X86EMU_OK); /* now it differs */
	CU_ASSERT_FALSE(C.rflags & X86EMU_ZF);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x8000);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDX], 0x33333333);
	/* CMPXCHG16B: 16-byte aligned or #GP(0) */
	C.gpr[X86EMU_RSI] = DATA + 0x100;
	wr(DATA + 0x100, 1, 8);
	wr(DATA + 0x108, 2, 8);
	C.gpr[X86EMU_RAX] = 1;
	C.gpr[X86EMU_RDX] = 2;
	C.gpr[X86EMU_RBX] = 0xaaaaaaaaaaaaaaaaull;
	C.gpr[X86EMU_RCX] = 0xbbbbbbbbbbbbbbbbull;
	CU_ASSERT_EQUAL(run("\xf0\x48\x0f\xc7\x0e", 5), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA + 0x100, 8), 0xaaaaaaaaaaaaaaaaull);
	CU_ASSERT_EQUAL(rd(DATA + 0x108, 8), 0xbbbbbbbbbbbbbbbbull);
	CU_ASSERT_TRUE(C.rflags & X86EMU_ZF);
	C.gpr[X86EMU_RSI] = DATA + 0x108;
	rip = C.rip;
	CU_ASSERT_EQUAL(run("\x48\x0f\xc7\x0e", 4), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_GP);
	CU_ASSERT_EQUAL(C.rip, rip);
	/* register operand: #UD */
	CU_ASSERT_EQUAL(run("\x0f\xc7\xc8", 3), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_UD);

	/* XADD */
	C.gpr[X86EMU_RBX] = DATA;
	wr(DATA, 5, 8);
	C.gpr[X86EMU_RDX] = 7;
	CU_ASSERT_EQUAL(run("\xf0\x48\x0f\xc1\x13", 5), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 12);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDX], 5);
	/* xadd %eax,%eax: the destination is written last */
	C.gpr[X86EMU_RAX] = 3;
	CU_ASSERT_EQUAL(run("\x0f\xc1\xc0", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 6);
}

static void test_locked_alu(void)
{
	setup(X86EMU_MODE_LONG64);
	C.gpr[X86EMU_RBX] = DATA;
	wr(DATA, 0xff, 8);
	CU_ASSERT_EQUAL(run("\xf0\x48\x83\x03\x01", 5), X86EMU_OK); /* lock addq $1,(%rbx) */
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x100);
	CU_ASSERT_EQUAL(M.ncmpxchg, 1);
	M.races = 1; /* one lost race, then success: the result is computed afresh */
	CU_ASSERT_EQUAL(run("\xf0\x48\x83\x03\x01", 5), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x181);
	CU_ASSERT_EQUAL(M.ncmpxchg, 3);
	/* unlocked: plain read and write */
	CU_ASSERT_EQUAL(run("\x48\x83\x2b\x01", 4), X86EMU_OK); /* subq $1 */
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x180);
	CU_ASSERT_EQUAL(M.ncmpxchg, 3);
	/* CMP writes nothing */
	unsigned w = M.nwrite;
	CU_ASSERT_EQUAL(run("\x48\x83\x3b\x01", 4), X86EMU_OK);
	CU_ASSERT_EQUAL(M.nwrite, w);
	/* LOCK on something not lockable: #UD, nothing done */
	uint64_t rip = C.rip;
	CU_ASSERT_EQUAL(run("\xf0\x89\x03", 3), X86EMU_FAULT); /* lock mov */
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_UD);
	CU_ASSERT_FALSE(R.fault.has_error_code);
	CU_ASSERT_EQUAL(C.rip, rip);
	CU_ASSERT_EQUAL(run("\xf0\x01\xc3", 3), X86EMU_FAULT); /* lock add reg,reg */
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_UD);
	CU_ASSERT_EQUAL(run("\xf0\x3b\x03", 3), X86EMU_FAULT);	   /* lock cmp */
	CU_ASSERT_EQUAL(run("\xf0\x0f\xa3\x03", 4), X86EMU_FAULT); /* lock bt */
	CU_ASSERT_EQUAL(run("\xf0\xa4", 2), X86EMU_FAULT);	   /* lock movsb */
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_UD);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x180);
	CU_ASSERT_EQUAL(C.rip, rip);
	/* UD2 */
	CU_ASSERT_EQUAL(run("\x0f\x0b", 2), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_UD);
}

static void test_bt(void)
{
	setup(X86EMU_MODE_LONG64);
	C.gpr[X86EMU_RBX] = DATA;
	wr(DATA - 8, 0, 8);
	wr(DATA, 0x8000000000000001ull, 8);
	wr(DATA + 8, 0, 8);
	C.gpr[X86EMU_RCX] = 63;
	CU_ASSERT_EQUAL(run("\x48\x0f\xa3\x0b", 4), X86EMU_OK); /* bt %rcx,(%rbx) */
	CU_ASSERT_TRUE(C.rflags & X86EMU_CF);
	C.gpr[X86EMU_RCX] = 62;
	CU_ASSERT_EQUAL(run("\x48\x0f\xa3\x0b", 4), X86EMU_OK);
	CU_ASSERT_FALSE(C.rflags & X86EMU_CF);
	/* bit strings: offset 64+5 reaches the next qword */
	C.gpr[X86EMU_RCX] = 69;
	CU_ASSERT_EQUAL(run("\x48\x0f\xab\x0b", 4), X86EMU_OK); /* bts */
	CU_ASSERT_FALSE(C.rflags & X86EMU_CF);
	CU_ASSERT_EQUAL(rd(DATA + 8, 8), 0x20);
	/* negative offsets reach below: -1 is bit 31 of the dword before */
	C.gpr[X86EMU_RCX] = (uint64_t)-1;
	CU_ASSERT_EQUAL(run("\x0f\xab\x0b", 3), X86EMU_OK); /* btsl %ecx */
	CU_ASSERT_EQUAL(rd(DATA - 8, 8), 0x8000000000000000ull);
	/* 16-bit: offset is a signed 16-bit value; -16 = the word before */
	C.gpr[X86EMU_RCX] = 0xfff0;
	CU_ASSERT_EQUAL(run("\x66\x0f\xab\x0b", 4), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA - 2, 2), 0x8001);
	/* btr, btc, immediate forms (offset taken modulo the width) */
	C.gpr[X86EMU_RCX] = 0;
	CU_ASSERT_EQUAL(run("\x0f\xb3\x0b", 3), X86EMU_OK); /* btr */
	CU_ASSERT_TRUE(C.rflags & X86EMU_CF);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x8000000000000000ull);
	CU_ASSERT_EQUAL(run("\x0f\xbb\x0b", 3), X86EMU_OK); /* btc */
	CU_ASSERT_FALSE(C.rflags & X86EMU_CF);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x8000000000000001ull);
	CU_ASSERT_EQUAL(run("\x0f\xba\x2b\x21", 4), X86EMU_OK); /* btsl $33 -> bit 1 */
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x8000000000000003ull);
	CU_ASSERT_EQUAL(run("\xf0\x48\x0f\xba\x33\x3f", 6), X86EMU_OK); /* lock btrq $63 */
	CU_ASSERT_TRUE(C.rflags & X86EMU_CF);
	CU_ASSERT_EQUAL(rd(DATA, 8), 3);
	CU_ASSERT_EQUAL(run("\x48\x0f\xba\x3b\x01", 5), X86EMU_OK); /* btcq $1 */
	CU_ASSERT_EQUAL(rd(DATA, 8), 1);
	CU_ASSERT_EQUAL(run("\x0f\xba\x23\x00", 4), X86EMU_OK); /* btl $0 */
	CU_ASSERT_TRUE(C.rflags & X86EMU_CF);
	/* register destination: offset modulo the width */
	C.gpr[X86EMU_RDX] = 0;
	C.gpr[X86EMU_RCX] = 35;
	CU_ASSERT_EQUAL(run("\x0f\xab\xca", 3), X86EMU_OK); /* bts %ecx,%edx */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDX], 8);
	/* ZF is left alone */
	C.rflags |= X86EMU_ZF;
	CU_ASSERT_EQUAL(run("\x0f\xa3\xca", 3), X86EMU_OK);
	CU_ASSERT_TRUE(C.rflags & X86EMU_ZF);
}

static void test_unary_and_test(void)
{
	setup(X86EMU_MODE_PROT32);
	C.gpr[X86EMU_RBX] = DATA;
	wr(DATA, 0xffffffff, 4);
	CU_ASSERT_EQUAL(run("\xff\x03", 2), X86EMU_OK); /* incl */
	CU_ASSERT_EQUAL(rd(DATA, 4), 0);
	CU_ASSERT_TRUE(C.rflags & X86EMU_ZF);
	CU_ASSERT_EQUAL(run("\xfe\x0b", 2), X86EMU_OK); /* decb */
	CU_ASSERT_EQUAL(rd(DATA, 4), 0xff);
	CU_ASSERT_EQUAL(run("\xf7\x13", 2), X86EMU_OK); /* notl */
	CU_ASSERT_EQUAL(rd(DATA, 4), 0xffffff00u);
	CU_ASSERT_EQUAL(run("\xf7\x1b", 2), X86EMU_OK); /* negl */
	CU_ASSERT_EQUAL(rd(DATA, 4), 0x100);
	CU_ASSERT_TRUE(C.rflags & X86EMU_CF);
	CU_ASSERT_EQUAL(run("\xf7\x03\x00\x01\x00\x00", 6), X86EMU_OK); /* testl $0x100 */
	CU_ASSERT_FALSE(C.rflags & X86EMU_ZF);
	CU_ASSERT_FALSE(C.rflags & X86EMU_CF);
	CU_ASSERT_EQUAL(run("\xf6\x03\x01", 3), X86EMU_OK); /* testb $1 */
	CU_ASSERT_TRUE(C.rflags & X86EMU_ZF);
	C.gpr[X86EMU_RAX] = 0x100;
	CU_ASSERT_EQUAL(run("\x85\x03", 2), X86EMU_OK); /* test %eax,(%ebx) */
	CU_ASSERT_FALSE(C.rflags & X86EMU_ZF);
	CU_ASSERT_EQUAL(rd(DATA, 4), 0x100);
	/* INC/DEC r32 (40+r) exist outside 64-bit mode */
	C.gpr[X86EMU_RCX] = 0x7fffffff;
	CU_ASSERT_EQUAL(run("\x41", 1), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0x80000000u);
	CU_ASSERT_TRUE(C.rflags & X86EMU_OF);
	/* not emulated: MUL */
	CU_ASSERT_EQUAL(run("\xf7\x23", 2), X86EMU_UNSUPPORTED);
}

static void test_strings(void)
{
	setup(X86EMU_MODE_LONG64);
	for (int i = 0; i < 64; i++)
		M.ram[DATA + i] = (uint8_t)i;
	/* rep movsb forward */
	C.gpr[X86EMU_RSI] = DATA;
	C.gpr[X86EMU_RDI] = DATA + 0x100;
	C.gpr[X86EMU_RCX] = 10;
	CU_ASSERT_EQUAL(run("\xf3\xa4", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(memcmp(M.ram + DATA, M.ram + DATA + 0x100, 10), 0);
	CU_ASSERT_EQUAL(M.ram[DATA + 0x10a], 0);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RSI], DATA + 10);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], DATA + 0x10a);
	CU_ASSERT_EQUAL(C.rip, CODE + 2);
	/* rep movsl backwards (DF=1) */
	C.rflags |= X86EMU_DF;
	C.gpr[X86EMU_RSI] = DATA + 12;
	C.gpr[X86EMU_RDI] = DATA + 0x20c;
	C.gpr[X86EMU_RCX] = 4;
	CU_ASSERT_EQUAL(run("\xf3\xa5", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(memcmp(M.ram + DATA, M.ram + DATA + 0x200, 16), 0);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RSI], DATA - 4);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], DATA + 0x1fc);
	C.rflags &= ~(uint64_t)X86EMU_DF;
	/* rep stosq, count zero does nothing */
	C.gpr[X86EMU_RAX] = 0x0101010101010101ull;
	C.gpr[X86EMU_RDI] = DATA + 0x300;
	C.gpr[X86EMU_RCX] = 0;
	CU_ASSERT_EQUAL(run("\xf3\x48\xab", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], DATA + 0x300);
	CU_ASSERT_EQUAL(C.rip, rip0 + 3);
	C.gpr[X86EMU_RCX] = 3;
	CU_ASSERT_EQUAL(run("\xf3\x48\xab", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA + 0x310, 8), 0x0101010101010101ull);
	CU_ASSERT_EQUAL(rd(DATA + 0x318, 8), 0);
	/* lodsw, no REP */
	C.gpr[X86EMU_RSI] = DATA + 2;
	C.gpr[X86EMU_RAX] = ~0ull;
	C.gpr[X86EMU_RCX] = 77;
	CU_ASSERT_EQUAL(run("\x66\xad", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0xffffffffffff0302ull);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 77);
	/* repe cmpsb stops after the first difference */
	memcpy(M.ram + DATA + 0x400, M.ram + DATA, 16);
	M.ram[DATA + 0x405] = 0xee;
	C.gpr[X86EMU_RSI] = DATA;
	C.gpr[X86EMU_RDI] = DATA + 0x400;
	C.gpr[X86EMU_RCX] = 16;
	CU_ASSERT_EQUAL(run("\xf3\xa6", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 10);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RSI], DATA + 6);
	CU_ASSERT_FALSE(C.rflags & X86EMU_ZF);
	CU_ASSERT_TRUE(C.rflags & X86EMU_CF); /* 5 - 0xee borrows */
	/* repne scasb finds a byte */
	C.gpr[X86EMU_RAX] = 0x21;
	C.gpr[X86EMU_RDI] = DATA;
	C.gpr[X86EMU_RCX] = 100;
	CU_ASSERT_EQUAL(run("\xf2\xae", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], DATA + 0x22);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 100 - 0x22);
	CU_ASSERT_TRUE(C.rflags & X86EMU_ZF);
	/* 67: ECX/ESI/EDI, the upper halves are cleared by the 32-bit writes */
	C.gpr[X86EMU_RSI] = 0xffffffff00000000ull | DATA;
	C.gpr[X86EMU_RDI] = DATA + 0x500;
	C.gpr[X86EMU_RCX] = 0xffffffff00000002ull;
	CU_ASSERT_EQUAL(run("\x67\xf3\xa4", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RSI], DATA + 2);
	CU_ASSERT_EQUAL(rd(DATA + 0x500, 2), 0x0100);
	/* segment override on the source only */
	C.seg_base[X86EMU_GS] = 0x10000;
	wr(0x10000 + DATA, 0x4d, 1);
	C.gpr[X86EMU_RSI] = DATA;
	C.gpr[X86EMU_RDI] = DATA + 0x600;
	CU_ASSERT_EQUAL(run("\x65\xa4", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(M.ram[DATA + 0x600], 0x4d);
	/* F2 on MOVS is REP */
	C.gpr[X86EMU_RSI] = DATA;
	C.gpr[X86EMU_RDI] = DATA + 0x700;
	C.gpr[X86EMU_RCX] = 3;
	CU_ASSERT_EQUAL(run("\xf2\xa4", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0);
}

static void test_strings_16(void)
{
	setup(X86EMU_MODE_REAL);
	C.seg_base[X86EMU_DS] = 0x10000;
	C.seg_base[X86EMU_ES] = 0x20000;
	for (int i = 0; i < 8; i++)
		M.ram[0x10000 + 0xfffe + (i < 2 ? 0 : -0x10000) + i] = (uint8_t)(0x10 + i);
	/* SI wraps at 64 KiB; the counter is CX; upper halves untouched */
	C.gpr[X86EMU_RSI] = 0xabcd0000fffeull;
	C.gpr[X86EMU_RDI] = 0x100;
	C.gpr[X86EMU_RCX] = 0x55550004ull;
	CU_ASSERT_EQUAL(run("\xf3\xa4", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0x55550000ull);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RSI], 0xabcd00000002ull);
	CU_ASSERT_EQUAL(rd(0x20100, 4), 0x13121110);
	/* 66 rep stosd with DF=1 */
	C.rflags |= X86EMU_DF;
	C.gpr[X86EMU_RAX] = 0xa1b2c3d4;
	C.gpr[X86EMU_RDI] = 0x204;
	C.gpr[X86EMU_RCX] = 2;
	CU_ASSERT_EQUAL(run("\x66\xf3\xab", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(0x20200, 8), 0xa1b2c3d4a1b2c3d4ull);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], 0x1fc);
}

static void test_string_bound_and_faults(void)
{
	setup(X86EMU_MODE_LONG64);
	/* more than the bound: RETRY with progress, RIP unchanged */
	C.gpr[X86EMU_RDI] = DATA;
	C.gpr[X86EMU_RCX] = X86EMU_REP_BOUND + 5;
	C.gpr[X86EMU_RAX] = 0x77;
	CU_ASSERT_EQUAL(run("\xf3\xaa", 2), X86EMU_RETRY);
	CU_ASSERT_EQUAL(C.rip, CODE);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 5);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], DATA + X86EMU_REP_BOUND);
	CU_ASSERT_EQUAL(run("\xf3\xaa", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0);
	CU_ASSERT_EQUAL(M.ram[DATA + X86EMU_REP_BOUND + 4], 0x77);
	CU_ASSERT_EQUAL(M.ram[DATA + X86EMU_REP_BOUND + 5], 0);
	CU_ASSERT_EQUAL(C.rip, CODE + 2);

	/* a #PF in iteration 4: three done, RIP unchanged, CR2 and W bit right */
	C.rip = CODE;
	M.fault_lo = 0x10000;
	M.fault_hi = 0x11000;
	C.gpr[X86EMU_RSI] = DATA;
	C.gpr[X86EMU_RDI] = 0x10000 - 6;
	C.gpr[X86EMU_RCX] = 10;
	CU_ASSERT_EQUAL(run("\xf3\x66\xa5", 3), X86EMU_FAULT); /* rep movsw */
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_PF);
	CU_ASSERT_EQUAL(R.fault.cr2, 0x10000);
	CU_ASSERT_TRUE(R.fault.error_code & 2);
	CU_ASSERT_EQUAL(C.rip, CODE);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 7);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RSI], DATA + 6);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], 0x10000);
	/* after the guest maps the page, it resumes from there */
	M.fault_lo = M.fault_hi = 0;
	CU_ASSERT_EQUAL(run("\xf3\x66\xa5", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RCX], 0);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], 0x10000 + 14);

	/* a load fault leaves registers alone */
	C.rip = CODE;
	M.fault_lo = 0x10000;
	M.fault_hi = 0x11000;
	C.gpr[X86EMU_RBX] = 0x10ffe;
	C.gpr[X86EMU_RAX] = 0x1234;
	uint64_t fl = C.rflags;
	CU_ASSERT_EQUAL(run("\x48\x03\x03", 3), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_PF);
	CU_ASSERT_EQUAL(R.fault.cr2, 0x10ffe);
	CU_ASSERT_FALSE(R.fault.error_code & 2);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x1234);
	CU_ASSERT_EQUAL(C.rflags, fl);
	CU_ASSERT_EQUAL(C.rip, CODE);
	/* a read-modify-write whose write faults: flags unchanged too */
	CU_ASSERT_EQUAL(run("\x48\x01\x03", 3), X86EMU_FAULT);
	CU_ASSERT_EQUAL(C.rflags, fl);
	/* non-canonical: #GP(0), and #SS(0) through RSP */
	M.fault_lo = M.fault_hi = 0;
	C.gpr[X86EMU_RBX] = 0x0000800000000000ull;
	CU_ASSERT_EQUAL(run("\x8b\x03", 2), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_GP);
	CU_ASSERT_EQUAL(R.fault.error_code, 0);
	C.gpr[X86EMU_RSP] = 0x00007ffffffffffeull; /* straddles the hole */
	CU_ASSERT_EQUAL(run("\x8b\x04\x24", 3), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_SS);
	CU_ASSERT_EQUAL(C.rip, CODE);
	/* fetch: RIP in a faulting page, then an instruction crossing into one */
	M.fault_lo = 0x10000;
	M.fault_hi = 0x11000;
	C.rip = 0x10000;
	CU_ASSERT_EQUAL(x86emu_step(&C, &ops, &M, &R), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.error_code & 0x10, 0x10);
	C.rip = 0xfffe;
	memcpy(M.ram + 0xfffe, "\x8b\x05", 2); /* needs 4 more bytes */
	CU_ASSERT_EQUAL(x86emu_step(&C, &ops, &M, &R), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.cr2, 0x10000);
	/* ... but a short one at the page end runs */
	C.rip = 0xfffe;
	C.gpr[X86EMU_RBX] = DATA;
	memcpy(M.ram + 0xfffe, "\x8b\x03", 2);
	CU_ASSERT_EQUAL(x86emu_step(&C, &ops, &M, &R), X86EMU_OK);
	CU_ASSERT_EQUAL(C.rip, 0x10000);
	/* no execute permission */
	M.fault_lo = M.fault_hi = 0;
	M.nofetch_lo = 0x3000;
	M.nofetch_hi = 0x4000;
	C.rip = 0x3000;
	CU_ASSERT_EQUAL(x86emu_step(&C, &ops, &M, &R), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.error_code, 0x11);
	/* non-canonical RIP */
	C.rip = 0x8000000000000000ull;
	CU_ASSERT_EQUAL(x86emu_step(&C, &ops, &M, &R), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_GP);
}

static void test_io(void)
{
	setup(X86EMU_MODE_PROT32);
	C.gpr[X86EMU_RAX] = 0x11223344;
	C.gpr[X86EMU_RDX] = 0x3f8;
	CU_ASSERT_EQUAL(run("\xee", 1), X86EMU_OK); /* out %al,(%dx) */
	CU_ASSERT_EQUAL(M.ports[0], 0x3f8);
	CU_ASSERT_EQUAL(M.port_vals[0], 0x44);
	CU_ASSERT_EQUAL(run("\x66\xef", 2), X86EMU_OK); /* out %ax,(%dx) */
	CU_ASSERT_EQUAL(M.port_vals[1], 0x3344);
	CU_ASSERT_EQUAL(run("\xe7\x70", 2), X86EMU_OK); /* out %eax,$0x70 */
	CU_ASSERT_EQUAL(M.ports[2], 0x70);
	CU_ASSERT_EQUAL(M.port_vals[2], 0x11223344);
	M.in_val = 0xa1b2c3d4;
	CU_ASSERT_EQUAL(run("\xec", 1), X86EMU_OK); /* in (%dx),%al */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x112233d4);
	CU_ASSERT_EQUAL(run("\x66\xe5\x60", 3), X86EMU_OK); /* in $0x60,%ax */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0x1122c3d5);
	CU_ASSERT_EQUAL(M.ports[4], 0x60);
	CU_ASSERT_EQUAL(run("\xed", 1), X86EMU_OK);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RAX], 0xa1b2c3d6);
	CU_ASSERT_EQUAL(C.rip, rip0 + 1);

	/* IOPL: CPL 3 with IOPL 0 -> #GP(0), with IOPL 3 fine */
	C.rip = CODE;
	C.cpl = 3;
	unsigned n = M.nports;
	CU_ASSERT_EQUAL(run("\xee", 1), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_GP);
	CU_ASSERT_TRUE(R.fault.has_error_code);
	CU_ASSERT_EQUAL(R.fault.error_code, 0);
	CU_ASSERT_EQUAL(M.nports, n);
	CU_ASSERT_EQUAL(C.rip, CODE);
	CU_ASSERT_EQUAL(run("\xf3\x6e", 2), X86EMU_FAULT); /* rep outsb too */
	C.rflags |= X86EMU_IOPL;
	CU_ASSERT_EQUAL(run("\xee", 1), X86EMU_OK);
	C.cpl = 0;
	/* a failing port callback propagates */
	M.port_fault = true;
	C.rip = CODE;
	CU_ASSERT_EQUAL(run("\xec", 1), X86EMU_FAULT);
	CU_ASSERT_EQUAL(C.rip, CODE);
	M.port_fault = false;

	/* rep insw / rep outsb */
	M.nports = 0;
	M.in_val = 0x100;
	C.gpr[X86EMU_RDI] = DATA;
	C.gpr[X86EMU_RCX] = 3;
	CU_ASSERT_EQUAL(run("\x66\xf3\x6d", 3), X86EMU_OK);
	CU_ASSERT_EQUAL(rd(DATA, 8), 0x0000010201010100ull);
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RDI], DATA + 6);
	C.gpr[X86EMU_RSI] = DATA + 4;
	C.gpr[X86EMU_RCX] = 2;
	C.rflags |= X86EMU_DF;
	CU_ASSERT_EQUAL(run("\xf3\x6e", 2), X86EMU_OK);
	CU_ASSERT_EQUAL(M.port_vals[3], 0x02);
	CU_ASSERT_EQUAL(M.port_vals[4], 0x01); /* DF=1: the byte before */
	CU_ASSERT_EQUAL(C.gpr[X86EMU_RSI], DATA + 2);
	/* without port callbacks: UNSUPPORTED */
	ops.io_in = NULL;
	C.rip = CODE;
	CU_ASSERT_EQUAL(run("\xec", 1), X86EMU_UNSUPPORTED);
	CU_ASSERT_EQUAL(C.rip, CODE);
}

static void test_unsupported(void)
{
	setup(X86EMU_MODE_LONG64);
	C.rip = 0x1234;
	CU_ASSERT_EQUAL(run("\x0f\xa2", 2), X86EMU_UNSUPPORTED); /* cpuid */
	CU_ASSERT_EQUAL(R.status, X86EMU_UNSUPPORTED);
	CU_ASSERT_EQUAL(R.rip, 0x1234);
	CU_ASSERT_EQUAL(R.nbytes, 2);
	CU_ASSERT_EQUAL(R.bytes[0], 0x0f);
	CU_ASSERT_EQUAL(R.bytes[1], 0xa2);
	CU_ASSERT_EQUAL(R.insn.len, 2);
	CU_ASSERT_EQUAL(C.rip, 0x1234);
	/* x86emu_fetch_decode gives the length the VMM needs to skip it */
	memcpy(M.ram + 0x1234, "\x0f\x01\xd9", 3); /* vmmcall */
	CU_ASSERT_EQUAL(x86emu_fetch_decode(&C, &ops, &M, &R), X86EMU_OK);
	CU_ASSERT_EQUAL(R.insn.len, 3);
	/* an undefined opcode is #UD */
	CU_ASSERT_EQUAL(run("\x06", 1), X86EMU_FAULT);
	CU_ASSERT_EQUAL(R.fault.vector, X86EMU_VEC_UD);
	/* VEX: unsupported */
	CU_ASSERT_EQUAL(run("\xc5\xf8\x77", 3), X86EMU_UNSUPPORTED);
}

static uint64_t rng;

static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

/* 100,000 random instructions per mode through x86emu_step: a defined
 * status, RIP advanced only on OK and then by the decoded length, and no
 * crash or sanitizer report. Registers are small half the time so memory
 * operands land in the mock's RAM. */
static void test_fuzz(void)
{
	static const uint8_t likely[] = { 0xf0, 0xf3, 0x66, 0x67, 0x48, 0x0f, 0x89, 0x8b,
					  0xa4, 0xab, 0x87, 0xc7, 0x81, 0xf7, 0xba, 0xb1 };
	unsigned bad = 0, ok = 0;

	setup(X86EMU_MODE_REAL);
	rng = 0xfeedfacecafebeefull;
	for (int mode = X86EMU_MODE_REAL; mode <= X86EMU_MODE_LONG64; mode++) {
		for (int i = 0; i < 100000; i++) {
			uint8_t *code = M.ram + CODE;
			uint64_t rip0;
			enum x86emu_status st;

			memset(&C, 0, sizeof(C));
			C.mode = (enum x86emu_mode)mode;
			C.rip = CODE;
			C.rflags = 0x2 | (rnd() & (X86EMU_ARITH | X86EMU_DF | X86EMU_IOPL));
			C.cpl = (uint8_t)(rnd() & 3);
			for (int r = 0; r < 16; r++)
				C.gpr[r] = (rnd() & 1) ? rnd() & 0xffff : rnd();
			C.gpr[X86EMU_RCX] &= 0x3ff; /* keep REP runs short */
			C.seg_base[rnd() % 6] = rnd() & 0xf0000;
			C.seg_base[X86EMU_CS] = 0;
			for (int k = 0; k < 16; k++) {
				uint64_t r = rnd();
				code[k] = (r & 0x300) == 0 ? likely[(r >> 12) & 15] : (uint8_t)r;
			}
			rip0 = C.rip;
			st = x86emu_step(&C, &ops, &M, &R);
			switch (st) {
			case X86EMU_OK:
				ok++;
				if (R.insn.len < 1 || R.insn.len > 15)
					bad++;
				break;
			case X86EMU_FAULT:
			case X86EMU_UNSUPPORTED:
			case X86EMU_RETRY:
				if (C.rip != rip0)
					bad++;
				break;
			default:
				bad++;
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(ok > 10000); /* the fuzz reaches the emulation code */
}

static CU_TestInfo x86emu_tests[] = {
	{ "MOV, MOVZX/MOVSX/MOVSXD, moffs", test_mov },
	{ "MMIO accesses", test_mmio },
	{ "RIP-relative, segments, wrap", test_addressing },
	{ "real mode 16-bit addressing", test_real_mode },
	{ "XCHG, CMPXCHG, CMPXCHG8B/16B, XADD", test_xchg_cmpxchg },
	{ "LOCKed ALU, races, LOCK #UD", test_locked_alu },
	{ "BT/BTS/BTR/BTC bit strings", test_bt },
	{ "INC/DEC/NOT/NEG/TEST", test_unary_and_test },
	{ "string ops, REP, DF", test_strings },
	{ "16-bit string ops", test_strings_16 },
	{ "REP bound, faults, canonical", test_string_bound_and_faults },
	{ "IN/OUT/INS/OUTS, IOPL", test_io },
	{ "unsupported and length-only", test_unsupported },
	{ "fuzz step 4 x 100000", test_fuzz },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(x86emu, x86emu_tests);
