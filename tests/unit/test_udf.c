/*
 * test_udf.c - host tests of the UDF verifier and interpreter
 * (secure-bindings/udf.c).
 *
 * Programs and blocks are handed over in malloc blocks of exactly their
 * size, and output buffers of exactly max_out entries, so AddressSanitizer
 * (run-tests-san) catches any access past an end. The tests cover the
 * extent-directory UDF on real and lying blocks, one hostile program per
 * verifier error, hostile programs at run time, the instruction semantics,
 * 100,000 seeded random programs, and the set helpers the kernel's
 * old-vs-new check will use (XN, Kaashoek et al., SOSP'97).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udf.h"
#include "unit.h"

#define N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define BS   SB_UDF_BLOCK_SIZE

/* Shorthands for writing programs. */
#define HALT()		 SB_UDF_I_HALT()
#define LDI(d, i)	 SB_UDF_I_LDI(d, i)
#define MOV(d, s)	 SB_UDF_I_MOV(d, s)
#define ALU(o, d, s)	 SB_UDF_I_ALU(SB_UDF_##o, d, s)
#define ALUI(o, d, i)	 SB_UDF_I_ALUI(SB_UDF_##o, d, i)
#define LD(o, d, s, off) SB_UDF_I_LD(SB_UDF_##o, d, s, off)
#define JA(off)		 SB_UDF_I_JA(off)
#define J(o, a, b, off)	 SB_UDF_I_JCC(SB_UDF_##o, a, b, off)
#define LOOP(i, n, b, l) SB_UDF_I_LOOP(i, n, b, l)
#define EMIT(d)		 SB_UDF_I_EMIT(d)
#define EMITR(d, s)	 SB_UDF_I_EMIT_RANGE(d, s)
#define RAW(o, d, s, r, i)                                                 \
	{                                                                  \
		.op = (o), .dst = (d), .src = (s), .rsvd = (r), .imm = (i) \
	}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: seeded, so every failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint8_t *new_block(void)
{
	uint8_t *b = calloc(1, BS);
	CU_ASSERT_FATAL(b != NULL);
	return b;
}

static void put(uint8_t *b, size_t off, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

/* Run a copy of prog[0..n) held in a malloc block of exactly n entries,
 * with an output buffer of exactly max_out entries; copy the outputs to
 * res (room for SB_UDF_MAX_OUT). */
static int run_exact(const struct sb_udf_insn *prog, uint32_t n, const uint8_t *block,
		     uint32_t max_out, uint64_t *res, uint32_t *nout, uint32_t *steps)
{
	struct sb_udf_insn *p = malloc(n ? n * sizeof(*p) : 1);
	uint64_t *out = malloc(max_out ? max_out * sizeof(*out) : 1);
	int err;

	CU_ASSERT_FATAL(p != NULL && out != NULL);
	memcpy(p, prog, n * sizeof(*p));
	err = sb_udf_run_steps(p, n, block, max_out ? out : NULL, max_out, nout, steps);
	CU_ASSERT_TRUE(*nout <= max_out);
	if (res)
		memcpy(res, out, *nout * sizeof(*out));
	free(out);
	free(p);
	return err;
}

static int verify_exact(const struct sb_udf_insn *prog, uint32_t n, struct sb_udf_info *info)
{
	struct sb_udf_insn *p = malloc(n ? n * sizeof(*p) : 1);
	int err;

	CU_ASSERT_FATAL(p != NULL);
	memcpy(p, prog, n * sizeof(*p));
	err = sb_udf_verify(p, n, info);
	free(p);
	return err;
}

/* ------------------------------------------------ extent-directory UDF */

static uint8_t *extdir(uint32_t magic, uint32_t count)
{
	uint8_t *b = new_block();
	put(b, 0, magic, 4);
	put(b, 4, count, 4);
	return b;
}

static void set_entry(uint8_t *b, unsigned i, const char *name, uint64_t start, uint32_t len)
{
	struct sb_extdir_entry e;

	memset(&e, 0, sizeof(e));
	strncpy(e.name, name, sizeof(e.name));
	e.start_block = start;
	e.nblocks = len;
	e.flags = 0xdeadbeef; /* ignored */
	memcpy(b + 8 + i * sizeof(e), &e, sizeof(e));
}

static int run_extdir(const uint8_t *block, uint64_t *res, uint32_t *nout)
{
	return run_exact(sb_udf_extent_dir, sb_udf_extent_dir_len, block, SB_UDF_MAX_OUT, res, nout,
			 NULL);
}

static void test_extdir_verifies(void)
{
	struct sb_udf_info info;

	CU_ASSERT_EQUAL(sb_udf_verify(sb_udf_extent_dir, sb_udf_extent_dir_len, &info), 0);
	/* 4 header steps, the LOOP, and 102 passes of a 5-instruction body. */
	CU_ASSERT_EQUAL(info.max_steps, 4 + 1 + SB_EXTDIR_MAX * 5);
	CU_ASSERT_EQUAL(info.max_depth, 1);
	CU_ASSERT_EQUAL(offsetof(struct sb_extdir, entry), 8);
	CU_ASSERT_EQUAL(offsetof(struct sb_extdir, entry[SB_EXTDIR_MAX]), 8 + 40 * SB_EXTDIR_MAX);
}

static void test_extdir_empty(void)
{
	uint64_t res[SB_UDF_MAX_OUT];
	uint32_t n = 99;
	uint8_t *b;

	b = new_block(); /* all zero: not a directory */
	CU_ASSERT_EQUAL(run_extdir(b, res, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(b);

	b = extdir(SB_EXTDIR_MAGIC, 0);
	set_entry(b, 0, "ignored", 500, 5); /* beyond count */
	CU_ASSERT_EQUAL(run_extdir(b, res, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(b);

	b = extdir(SB_EXTDIR_MAGIC ^ 1, 3); /* wrong magic: owns nothing */
	set_entry(b, 0, "a", 500, 5);
	CU_ASSERT_EQUAL(run_extdir(b, res, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(b);
}

static void test_extdir_one(void)
{
	uint64_t res[SB_UDF_MAX_OUT];
	uint32_t n, steps;
	uint8_t *b = extdir(SB_EXTDIR_MAGIC, 1);

	set_entry(b, 0, "kernel.img", 0x123456789aULL, 3);
	set_entry(b, 1, "not live", 7, 7);
	CU_ASSERT_EQUAL_FATAL(run_exact(sb_udf_extent_dir, sb_udf_extent_dir_len, b, SB_UDF_MAX_OUT,
					res, &n, &steps),
			      0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(res[0], 0x123456789aULL);
	CU_ASSERT_EQUAL(res[1], 0x123456789bULL);
	CU_ASSERT_EQUAL(res[2], 0x123456789cULL);
	CU_ASSERT_EQUAL(steps, 4 + 1 + 5);
	free(b);
}

static void test_extdir_full(void)
{
	uint64_t res[SB_UDF_MAX_OUT];
	uint32_t n, steps;
	uint8_t *b = extdir(SB_EXTDIR_MAGIC, SB_EXTDIR_MAX);

	/* 102 extents of 10 blocks: 1020 outputs, in directory order; the
	 * last entry ends 8 bytes before the end of the block. */
	for (unsigned i = 0; i < SB_EXTDIR_MAX; i++)
		set_entry(b, i, "f", 1000000 + 100 * (uint64_t)i, i == 5 ? 0 : 10);
	CU_ASSERT_EQUAL_FATAL(run_exact(sb_udf_extent_dir, sb_udf_extent_dir_len, b, SB_UDF_MAX_OUT,
					res, &n, &steps),
			      0);
	CU_ASSERT_EQUAL_FATAL(n, 10 * (SB_EXTDIR_MAX - 1));
	for (unsigned i = 0, k = 0; i < SB_EXTDIR_MAX; i++)
		for (unsigned j = 0; j < (i == 5 ? 0 : 10); j++, k++)
			CU_ASSERT_EQUAL(res[k], 1000000 + 100 * (uint64_t)i + j);
	CU_ASSERT_EQUAL(steps, 4 + 1 + SB_EXTDIR_MAX * 5);
	free(b);
}

/* count says more entries than fit: the UDF stops at the block's end
 * (the LOOP bound), never loading past it (ELOAD would say it tried). */
static void test_extdir_count_lies(void)
{
	static const uint32_t counts[] = { SB_EXTDIR_MAX + 1, 1000, 0x7fffffff, 0xffffffff };
	uint64_t res[SB_UDF_MAX_OUT];
	uint32_t n;

	for (unsigned c = 0; c < N(counts); c++) {
		uint8_t *b = extdir(SB_EXTDIR_MAGIC, counts[c]);

		/* The 8 bytes after the last entry look like a 103rd one. */
		for (unsigned i = 0; i < SB_EXTDIR_MAX; i++)
			set_entry(b, i, "x", 50 + 2 * i, 1);
		memset(b + 8 + 40 * SB_EXTDIR_MAX, 0xff, BS - 8 - 40 * SB_EXTDIR_MAX);
		CU_ASSERT_EQUAL(run_extdir(b, res, &n), 0);
		CU_ASSERT_EQUAL_FATAL(n, SB_EXTDIR_MAX);
		for (unsigned i = 0; i < SB_EXTDIR_MAX; i++)
			CU_ASSERT_EQUAL(res[i], 50 + 2 * i);

		/* Lying extents too: more blocks than a run may emit. */
		set_entry(b, 7, "huge", 1, 0xffffffff);
		CU_ASSERT_EQUAL(run_extdir(b, res, &n), -SB_UDF_ETOOMANY);
		CU_ASSERT_EQUAL(n, 0);
		set_entry(b, 7, "wraps", UINT64_MAX - 1, 3);
		CU_ASSERT_EQUAL(run_extdir(b, res, &n), -SB_UDF_EWRAP);
		free(b);
	}
}

/* Random directories: whatever the bytes, the UDF only ever succeeds or
 * hits an output limit; it never tries to read outside the block. */
static void test_extdir_random(void)
{
	uint64_t res[SB_UDF_MAX_OUT];
	uint32_t n;
	unsigned ok = 0;

	rng_state = 0x1234567887654321ULL;
	for (unsigned iter = 0; iter < 2000; iter++) {
		uint8_t *b = new_block();
		int err;

		for (unsigned i = 0; i < BS; i++)
			b[i] = (uint8_t)rnd();
		put(b, 0, SB_EXTDIR_MAGIC, 4);
		if (iter % 2)
			for (unsigned i = 0; i < SB_EXTDIR_MAX; i++)
				put(b, 8 + 40 * i + 32, rnd() % 12, 4);
		err = run_extdir(b, res, &n);
		CU_ASSERT_TRUE(err == 0 || err == -SB_UDF_ETOOMANY || err == -SB_UDF_EWRAP);
		ok += err == 0;
		free(b);
	}
	CU_ASSERT_TRUE(ok > 0);
}

/* ------------------------------------------------- hostile: verifier */

/* Small programs, one instruction per entry; a table reads best unwrapped. */
/* clang-format off */
static const struct sb_udf_insn p_ok_min[] = { HALT() };
static const struct sb_udf_insn p_back[] = { LDI(1, 1), J(JEQ, 1, 1, -1) };
static const struct sb_udf_insn p_self[] = { JA(0) };
static const struct sb_udf_insn p_back_in_loop[] = { LOOP(1, 2, 4, 2), EMIT(1), JA(-1) };
static const struct sb_udf_insn p_past_end[] = { JA(4), HALT(), HALT() };
static const struct sb_udf_insn p_to_end[] = { JA(2), HALT() };
static const struct sb_udf_insn p_far[] = { JA(0x7fffffff) };
static const struct sb_udf_insn p_op_03[] = { RAW(0x03, 0, 0, 0, 0) };
static const struct sb_udf_insn p_op_24[] = { HALT(), RAW(0x24, 0, 0, 0, 0) };
static const struct sb_udf_insn p_op_37[] = { RAW(0x37, 0, 0, 0, 1) };
static const struct sb_udf_insn p_op_ff[] = { RAW(0xff, 0, 0, 0, 0) };
static const struct sb_udf_insn p_reg_dst[] = { LDI(8, 1) };
static const struct sb_udf_insn p_reg_src[] = { MOV(0, 255) };
static const struct sb_udf_insn p_reg_loop[] = { LOOP(9, 0, 1, 1), HALT() };
static const struct sb_udf_insn p_rsvd[] = { RAW(SB_UDF_MOV, 1, 2, 1, 0) };
static const struct sb_udf_insn p_halt_imm[] = { RAW(SB_UDF_HALT, 0, 0, 0, 1) };
static const struct sb_udf_insn p_emit_src[] = { RAW(SB_UDF_EMIT, 1, 1, 0, 0) };
static const struct sb_udf_insn p_ja_dst[] = { RAW(SB_UDF_JA, 1, 0, 0, 1) };
static const struct sb_udf_insn p_addi_src[] = { RAW(SB_UDF_ADDI, 1, 2, 0, 5) };
static const struct sb_udf_insn p_out_of_loop[] = { LOOP(1, 2, 4, 2), JA(3), EMIT(1), HALT() };
static const struct sb_udf_insn p_into_loop[] = { JA(2), LOOP(1, 2, 4, 2), EMIT(1), EMIT(1) };
static const struct sb_udf_insn p_into_inner[] = {
	LOOP(1, 2, 4, 4), JA(2), LOOP(3, 2, 4, 2), EMIT(3), EMIT(3),
};
static const struct sb_udf_insn p_continue[] = {
	LOOP(1, 2, 4, 3), J(JEQ, 1, 0, 3), EMIT(1), EMIT(1), HALT(),
};
static const struct sb_udf_insn p_to_inner_head[] = {
	LOOP(1, 2, 4, 4), JA(1), LOOP(3, 2, 4, 2), EMIT(3), EMIT(3),
};
static const struct sb_udf_insn p_bound_big[] = { LOOP(1, 2, SB_UDF_MAX_LOOP + 1, 1), EMIT(1) };
static const struct sb_udf_insn p_bound_max[] = { LOOP(1, 2, SB_UDF_MAX_LOOP, 1), EMIT(1) };
static const struct sb_udf_insn p_bound_0[] = { LOOP(1, 2, 0, 1), EMIT(1) };
static const struct sb_udf_insn p_bound_hi[] = { LOOP(1, 2, 0xffff, 1), EMIT(1) };
static const struct sb_udf_insn p_body_0[] = { LOOP(1, 2, 3, 0), EMIT(1) };
static const struct sb_udf_insn p_body_past[] = { LOOP(1, 2, 3, 2), EMIT(1) };
static const struct sb_udf_insn p_body_crosses[] = {
	LOOP(1, 2, 3, 2), LOOP(3, 2, 3, 2), EMIT(1), EMIT(3),
};
static const struct sb_udf_insn p_depth4[] = {
	LOOP(1, 2, 2, 4), LOOP(1, 2, 2, 3), LOOP(1, 2, 2, 2), LOOP(1, 2, 2, 1), EMIT(1),
};
static const struct sb_udf_insn p_depth5[] = {
	LOOP(1, 2, 1, 5), LOOP(1, 2, 1, 4), LOOP(1, 2, 1, 3), LOOP(1, 2, 1, 2), LOOP(1, 2, 1, 1),
	EMIT(1),
};
static const struct sb_udf_insn p_product[] = {
	LOOP(1, 2, 4096, 2), LOOP(3, 2, 4096, 1), EMIT(3),
};
static const struct sb_udf_insn p_product_ok[] = {
	LOOP(1, 2, 4096, 2), LOOP(3, 2, 14, 1), EMIT(3),
};
static const struct sb_udf_insn p_load_edge[] = { LD(LD64, 1, 0, BS - 8), LD(LD8, 2, 0, BS - 1) };
static const struct sb_udf_insn p_load_4095_8[] = { LD(LD64, 1, 0, BS - 1) };
static const struct sb_udf_insn p_load_neg[] = { LD(LD8, 1, 0, -1) };
static const struct sb_udf_insn p_load_computed[] = {
	LDI(1, 4000), ALUI(ADD, 1, 90), LD(LD64, 2, 1, 0),
};
static const struct sb_udf_insn p_load_mov[] = { LDI(1, 4096), MOV(2, 1), LD(LD8, 3, 2, 0) };
static const struct sb_udf_insn p_load_shift[] = {
	LDI(1, 1), ALUI(SHL, 1, 12), LD(LD8, 3, 1, 0), /* 1 << 12 = 4096 */
};
static const struct sb_udf_insn p_load_join[] = {
	/* r1 is 4095 on one path, 0 on the other: unknown after the join. */
	LDI(1, 4095), J(JEQ, 2, 3, 2), LDI(1, 0), LD(LD64, 4, 1, 0),
};
static const struct sb_udf_insn p_load_join_ok[] = {
	/* The fall-through sets 5000, but the branch is always taken: a
	 * verifier that ignored the join would refuse this safe program. */
	LDI(1, 0), J(JEQ, 2, 3, 2), LDI(1, 5000), LD(LD8, 4, 1, 0),
};
static const struct sb_udf_insn p_load_after_loop[] = {
	/* The body would set 5000, but count r3 is 0: r1 is still 0. */
	LDI(1, 0), LOOP(2, 3, 4, 1), LDI(1, 5000), LD(LD8, 4, 1, 0),
};
/* Code after JA or HALT is reached only by branches (or never): nothing
 * is known there, so dead code is not judged by the values before it. */
static const struct sb_udf_insn p_dead_after_ja[] = { LDI(1, 5000), JA(2), LD(LD8, 4, 1, 0), HALT() };
static const struct sb_udf_insn p_dead_after_halt[] = { LDI(1, 5000), HALT(), LD(LD8, 4, 1, 0) };
static const struct sb_udf_insn p_load_block[] = { LD(LD16, 1, 0, 0), LD(LD64, 2, 1, 0) };
/* clang-format on */

/* One top-level instruction, then 4095 passes of a 16-instruction body. */
static struct sb_udf_insn p_steps[1 + 15 + 1 + 16];

static const struct {
	const char *name;
	const struct sb_udf_insn *prog;
	uint32_t n;
	int err;
	uint32_t err_pc;
} hostile[] = {
#define P(a) a, N(a)
	{ "HALT", P(p_ok_min), 0, 0 },
	{ "backward jump (infinite loop)", P(p_back), -SB_UDF_EBACKWARD, 1 },
	{ "jump to itself", P(p_self), -SB_UDF_EBACKWARD, 0 },
	{ "backward jump inside a loop", P(p_back_in_loop), -SB_UDF_EBACKWARD, 2 },
	{ "jump past the end", P(p_past_end), -SB_UDF_EJUMPOUT, 0 },
	{ "jump to the end", P(p_to_end), 0, 0 },
	{ "jump 2^31 - 1 ahead", P(p_far), -SB_UDF_EJUMPOUT, 0 },
	{ "opcode 0x03", P(p_op_03), -SB_UDF_EOPCODE, 0 },
	{ "opcode 0x24 (after LD64)", P(p_op_24), -SB_UDF_EOPCODE, 1 },
	{ "opcode 0x37 (after JGE)", P(p_op_37), -SB_UDF_EOPCODE, 0 },
	{ "opcode 0xff", P(p_op_ff), -SB_UDF_EOPCODE, 0 },
	{ "dst r8", P(p_reg_dst), -SB_UDF_EREG, 0 },
	{ "src r255", P(p_reg_src), -SB_UDF_EREG, 0 },
	{ "LOOP index r9", P(p_reg_loop), -SB_UDF_EREG, 0 },
	{ "rsvd set", P(p_rsvd), -SB_UDF_EFIELD, 0 },
	{ "HALT with imm", P(p_halt_imm), -SB_UDF_EFIELD, 0 },
	{ "EMIT with src", P(p_emit_src), -SB_UDF_EFIELD, 0 },
	{ "JA with dst", P(p_ja_dst), -SB_UDF_EFIELD, 0 },
	{ "ADDI with src", P(p_addi_src), -SB_UDF_EFIELD, 0 },
	{ "jump out of a loop body", P(p_out_of_loop), -SB_UDF_EJUMPNEST, 1 },
	{ "jump into a loop body", P(p_into_loop), -SB_UDF_EJUMPNEST, 0 },
	{ "jump into an inner body", P(p_into_inner), -SB_UDF_EJUMPNEST, 1 },
	{ "continue (jump to body end)", P(p_continue), 0, 0 },
	{ "jump to an inner LOOP", P(p_to_inner_head), 0, 0 },
	{ "loop bound 4097", P(p_bound_big), -SB_UDF_ELOOPBOUND, 0 },
	{ "loop bound 4096", P(p_bound_max), 0, 0 },
	{ "loop bound 0", P(p_bound_0), -SB_UDF_ELOOPBOUND, 0 },
	{ "loop bound 65535", P(p_bound_hi), -SB_UDF_ELOOPBOUND, 0 },
	{ "empty loop body", P(p_body_0), -SB_UDF_ELOOPBODY, 0 },
	{ "loop body past the end", P(p_body_past), -SB_UDF_ELOOPBODY, 0 },
	{ "inner body past outer", P(p_body_crosses), -SB_UDF_ELOOPBODY, 1 },
	{ "loops 4 deep", P(p_depth4), 0, 0 },
	{ "loops 5 deep", P(p_depth5), -SB_UDF_ELOOPDEPTH, 4 },
	{ "4096 x 4096 nested", P(p_product), -SB_UDF_ESTEPS, 2 },
	{ "4096 x 14 nested", P(p_product_ok), 0, 0 },
	{ "65537 steps", P(p_steps), -SB_UDF_ESTEPS, N(p_steps) - 1 },
	{ "loads ending at the block end", P(p_load_edge), 0, 0 },
	{ "load 8 bytes at 4095", P(p_load_4095_8), -SB_UDF_ESTATICLOAD, 0 },
	{ "load at -1", P(p_load_neg), -SB_UDF_ESTATICLOAD, 0 },
	{ "load at 4000 + 90", P(p_load_computed), -SB_UDF_ESTATICLOAD, 2 },
	{ "load at a moved 4096", P(p_load_mov), -SB_UDF_ESTATICLOAD, 2 },
	{ "load at 1 << 12", P(p_load_shift), -SB_UDF_ESTATICLOAD, 2 },
	{ "load after a join", P(p_load_join), 0, 0 },
	{ "safe load after a join", P(p_load_join_ok), 0, 0 },
	{ "safe load after a loop", P(p_load_after_loop), 0, 0 },
	{ "dead load after JA", P(p_dead_after_ja), 0, 0 },
	{ "dead load after HALT", P(p_dead_after_halt), 0, 0 },
	{ "load at a block value", P(p_load_block), 0, 0 },
#undef P
};

static void build_p_steps(unsigned top)
{
	unsigned k = 0;

	memset(p_steps, 0, sizeof(p_steps));
	for (unsigned i = 0; i < top; i++)
		p_steps[k++] = (struct sb_udf_insn)MOV(1, 1);
	p_steps[k++] = (struct sb_udf_insn)LOOP(1, 2, 4095, 16);
	for (unsigned i = 0; i < 16; i++)
		p_steps[k++] = (struct sb_udf_insn)MOV(3, 3);
}

static void test_verify_hostile(void)
{
	bool seen[SB_UDF_NERRORS] = { false };

	build_p_steps(16);
	for (size_t i = 0; i < N(hostile); i++) {
		struct sb_udf_info info;
		int err = verify_exact(hostile[i].prog, hostile[i].n, &info);

		if (err != hostile[i].err || info.err_pc != hostile[i].err_pc) {
			fprintf(stderr, "\nudf \"%s\": want %d at %u, got %d (%s) at %u\n",
				hostile[i].name, hostile[i].err, hostile[i].err_pc, err,
				sb_udf_strerror(err), info.err_pc);
			CU_FAIL("verifier gave the wrong answer");
			continue;
		}
		CU_ASSERT_TRUE(err <= 0 && err > -SB_UDF_NERRORS);
		seen[-err] = true;
		if (err) {
			CU_ASSERT_EQUAL(info.max_steps, 0);
			CU_ASSERT_EQUAL(info.max_depth, 0);
		} else {
			CU_ASSERT_TRUE(info.max_steps <= SB_UDF_MAX_STEPS);
		}
	}
	/* The table reaches every verifier error (ETOOLONG: test_too_long). */
	for (int e = SB_UDF_EOPCODE; e <= SB_UDF_ESTATICLOAD; e++)
		CU_ASSERT_TRUE(seen[e]);
}

/* The step bound is exact: 65536 passes, 65537 does not. */
static void test_verify_step_edge(void)
{
	struct sb_udf_info info;

	build_p_steps(15);
	CU_ASSERT_EQUAL(sb_udf_verify(p_steps, N(p_steps) - 1, &info), 0);
	CU_ASSERT_EQUAL(info.max_steps, SB_UDF_MAX_STEPS);
	CU_ASSERT_EQUAL(info.max_depth, 1);
	build_p_steps(16);
	CU_ASSERT_EQUAL(sb_udf_verify(p_steps, N(p_steps), &info), -SB_UDF_ESTEPS);

	CU_ASSERT_EQUAL(sb_udf_verify(p_depth4, N(p_depth4), &info), 0);
	CU_ASSERT_EQUAL(info.max_depth, 4);
	CU_ASSERT_EQUAL(info.max_steps, 1 + 2 + 4 + 8 + 16);
	CU_ASSERT_EQUAL(sb_udf_verify(p_product_ok, N(p_product_ok), &info), 0);
	CU_ASSERT_EQUAL(info.max_steps, 1 + 4096 + 4096 * 14);
}

static void test_too_long(void)
{
	struct sb_udf_insn *p = calloc(SB_UDF_MAX_INSNS + 1, sizeof(*p)); /* all HALT */
	struct sb_udf_info info;

	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(verify_exact(p, SB_UDF_MAX_INSNS, &info), 0);
	CU_ASSERT_EQUAL(info.max_steps, SB_UDF_MAX_INSNS);
	CU_ASSERT_EQUAL(verify_exact(p, SB_UDF_MAX_INSNS + 1, &info), -SB_UDF_ETOOLONG);
	CU_ASSERT_EQUAL(info.err_pc, SB_UDF_MAX_INSNS);
	/* Too long is refused before a single instruction is read. */
	CU_ASSERT_EQUAL(sb_udf_verify(NULL, UINT32_MAX, &info), -SB_UDF_ETOOLONG);
	CU_ASSERT_EQUAL(sb_udf_verify(NULL, 0, &info), 0);
	CU_ASSERT_EQUAL(info.max_steps, 0);
	CU_ASSERT_EQUAL(sb_udf_verify(p_back, N(p_back), NULL), -SB_UDF_EBACKWARD);
	free(p);
}

/* --------------------------------------------------- hostile: run time */

static void test_run_load_bounds(void)
{
	uint8_t *b = new_block();
	uint64_t res[4];
	uint32_t n;

	/* The verifier cannot see the address (it comes from the block). */
	CU_ASSERT_EQUAL(sb_udf_verify(p_load_block, N(p_load_block), NULL), 0);
	put(b, 0, BS - 1, 2);
	CU_ASSERT_EQUAL(run_exact(p_load_block, N(p_load_block), b, 4, res, &n, NULL),
			-SB_UDF_ELOAD);
	CU_ASSERT_EQUAL(n, 0);
	put(b, 0, BS - 8, 2);
	put(b, BS - 8, 0x0807060504030201ULL, 8);
	CU_ASSERT_EQUAL(run_exact(p_load_block, N(p_load_block), b, 4, res, &n, NULL), 0);

	/* The programs the verifier must not refuse really are safe, and the
	 * join it must not trust really fails. */
	CU_ASSERT_EQUAL(run_exact(p_load_join_ok, N(p_load_join_ok), b, 4, res, &n, NULL), 0);
	CU_ASSERT_EQUAL(run_exact(p_load_after_loop, N(p_load_after_loop), b, 4, res, &n, NULL), 0);
	CU_ASSERT_EQUAL(run_exact(p_load_join, N(p_load_join), b, 4, res, &n, NULL), -SB_UDF_ELOAD);

	/* A computed address far beyond the block, then one just below 0. */
	static const struct sb_udf_insn far[] = {
		LD(LD32, 1, 0, 0),
		ALUI(MUL, 1, 1000),
		LD(LD8, 2, 1, 0),
		EMIT(2),
	};
	static const struct sb_udf_insn below[] = { LD(LD8, 1, 0, 0), LD(LD8, 2, 1, -1), EMIT(2) };
	memset(b, 0, BS);
	put(b, 0, 5, 4);
	CU_ASSERT_EQUAL(sb_udf_verify(far, N(far), NULL), 0);
	CU_ASSERT_EQUAL(run_exact(far, N(far), b, 4, res, &n, NULL), -SB_UDF_ELOAD);
	put(b, 0, 4, 4);
	put(b, 4000, 0x77, 1);
	CU_ASSERT_EQUAL(run_exact(far, N(far), b, 4, res, &n, NULL), 0);
	CU_ASSERT_TRUE(n == 1 && res[0] == 0x77);
	put(b, 0, 0, 4);
	CU_ASSERT_EQUAL(sb_udf_verify(below, N(below), NULL), 0);
	CU_ASSERT_EQUAL(run_exact(below, N(below), b, 4, res, &n, NULL), -SB_UDF_ELOAD);

	/* Every size at every address near the end. */
	for (unsigned size = 1; size <= 8; size *= 2) {
		uint8_t op = SB_UDF_LD8 + (size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : 0);
		const struct sb_udf_insn p[] = { LD(LD16, 1, 0, 0), SB_UDF_INSN(op, 2, 1, 0) };

		for (unsigned addr = BS - 16; addr < BS + 16; addr++) {
			put(b, 0, addr, 2);
			int err = run_exact(p, N(p), b, 0, NULL, &n, NULL);
			CU_ASSERT_EQUAL(err, addr + size <= BS ? 0 : -SB_UDF_ELOAD);
		}
	}
	free(b);
}

static void test_run_too_many(void)
{
	static const struct sb_udf_insn many[] = {
		LDI(2, 2000),
		LOOP(1, 2, 2000, 1),
		EMIT(1),
	};
	static const struct sb_udf_insn range[] = {
		LDI(1, 100),
		LD(LD16, 2, 0, 0),
		EMITR(1, 2),
	};
	uint64_t res[SB_UDF_MAX_OUT];
	uint8_t *b = new_block();
	uint32_t n;

	CU_ASSERT_EQUAL(sb_udf_verify(many, N(many), NULL), 0);
	CU_ASSERT_EQUAL(run_exact(many, N(many), b, SB_UDF_MAX_OUT, res, &n, NULL),
			-SB_UDF_ETOOMANY);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(run_exact(many, N(many), b, 10, res, &n, NULL), -SB_UDF_ETOOMANY);
	CU_ASSERT_EQUAL(run_exact(many, N(many), b, 0, NULL, &n, NULL), -SB_UDF_ETOOMANY);

	/* A bigger buffer does not lift SB_UDF_MAX_OUT. */
	uint64_t *big = malloc(5000 * sizeof(*big));
	CU_ASSERT_FATAL(big != NULL);
	CU_ASSERT_EQUAL(sb_udf_run(many, N(many), b, big, 5000, &n), -SB_UDF_ETOOMANY);
	free(big);

	/* Exactly max_out fits; one more does not, and writes nothing. */
	uint64_t out[12];
	for (unsigned i = 0; i < 12; i++)
		out[i] = 0xaa;
	put(b, 0, 10, 2);
	CU_ASSERT_EQUAL(sb_udf_run(range, N(range), b, out, 10, &n), 0);
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_EQUAL(out[9], 109);
	CU_ASSERT_EQUAL(out[10], 0xaa);
	put(b, 0, 11, 2);
	for (unsigned i = 0; i < 12; i++)
		out[i] = 0xaa;
	CU_ASSERT_EQUAL(sb_udf_run(range, N(range), b, out, 10, &n), -SB_UDF_ETOOMANY);
	for (unsigned i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(out[i], 0xaa);
	put(b, 0, SB_UDF_MAX_OUT, 2);
	CU_ASSERT_EQUAL(run_exact(range, N(range), b, SB_UDF_MAX_OUT, res, &n, NULL), 0);
	CU_ASSERT_EQUAL(n, SB_UDF_MAX_OUT);
	put(b, 0, 0, 2);
	CU_ASSERT_EQUAL(run_exact(range, N(range), b, 0, NULL, &n, NULL), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(b);
}

static void test_run_wrap(void)
{
	static const struct sb_udf_insn p[] = {
		LDI(1, -2),
		LD(LD8, 2, 0, 0),
		EMITR(1, 2),
	};
	uint64_t res[4];
	uint8_t *b = new_block();
	uint32_t n;

	put(b, 0, 2, 1);
	CU_ASSERT_EQUAL(run_exact(p, N(p), b, 4, res, &n, NULL), 0);
	CU_ASSERT_TRUE(n == 2 && res[0] == UINT64_MAX - 1 && res[1] == UINT64_MAX);
	put(b, 0, 3, 1);
	CU_ASSERT_EQUAL(run_exact(p, N(p), b, 4, res, &n, NULL), -SB_UDF_EWRAP);
	free(b);
}

/* Programs the verifier refuses, run anyway: the interpreter repeats the
 * local checks and counts steps, so nothing loops or strays. */
static void test_run_unverified(void)
{
	static const struct sb_udf_insn ja_back[] = { EMIT(0), JA(-1) };
	static const struct sb_udf_insn loop_back[] = { LOOP(1, 2, 3, 2), EMIT(1), JA(-5) };
	uint8_t *b = new_block();
	uint32_t n, steps;

	build_p_steps(16);
	struct {
		const struct sb_udf_insn *p;
		uint32_t n;
		int err;
	} cases[] = {
		{ p_back, N(p_back), -SB_UDF_EBACKWARD },
		{ p_self, N(p_self), -SB_UDF_EBACKWARD },
		{ ja_back, N(ja_back), -SB_UDF_EBACKWARD },
		{ loop_back, N(loop_back), 0 }, /* count r2 = 0: the body never runs */
		{ p_past_end, N(p_past_end), -SB_UDF_EJUMPOUT },
		{ p_far, N(p_far), -SB_UDF_EJUMPOUT },
		{ p_op_03, N(p_op_03), -SB_UDF_EOPCODE },
		{ p_op_ff, N(p_op_ff), -SB_UDF_EOPCODE },
		{ p_reg_dst, N(p_reg_dst), -SB_UDF_EREG },
		{ p_reg_src, N(p_reg_src), -SB_UDF_EREG },
		{ p_out_of_loop, N(p_out_of_loop), 0 }, /* count 0 */
		{ p_bound_big, N(p_bound_big), -SB_UDF_ELOOPBOUND },
		{ p_bound_0, N(p_bound_0), -SB_UDF_ELOOPBOUND },
		{ p_body_0, N(p_body_0), -SB_UDF_ELOOPBODY },
		{ p_body_past, N(p_body_past), -SB_UDF_ELOOPBODY },
		{ p_load_4095_8, N(p_load_4095_8), -SB_UDF_ELOAD },
	};
	for (unsigned i = 0; i < N(cases); i++)
		CU_ASSERT_EQUAL(run_exact(cases[i].p, cases[i].n, b, 8, NULL, &n, NULL),
				cases[i].err);

	/* With a count, the bodies run and the bad branches are met. */
	static const struct sb_udf_insn out_of_loop[] = {
		LDI(2, 3), LOOP(1, 2, 4, 2), JA(3), EMIT(1), HALT(),
	};
	static const struct sb_udf_insn crosses[] = {
		LDI(2, 3), LOOP(1, 2, 3, 2), LOOP(3, 2, 3, 2), EMIT(1), EMIT(3),
	};
	static const struct sb_udf_insn deep[] = {
		LDI(2, 1),	  LOOP(1, 2, 1, 5), LOOP(1, 2, 1, 4), LOOP(1, 2, 1, 3),
		LOOP(1, 2, 1, 2), LOOP(1, 2, 1, 1), EMIT(1),
	};
	CU_ASSERT_EQUAL(run_exact(out_of_loop, N(out_of_loop), b, 8, NULL, &n, NULL),
			-SB_UDF_EJUMPNEST);
	CU_ASSERT_EQUAL(run_exact(crosses, N(crosses), b, 8, NULL, &n, NULL), -SB_UDF_ELOOPBODY);
	CU_ASSERT_EQUAL(run_exact(deep, N(deep), b, 8, NULL, &n, NULL), -SB_UDF_ELOOPDEPTH);

	/* Too many steps: stopped at exactly SB_UDF_MAX_STEPS. */
	static const struct sb_udf_insn forever[] = {
		LDI(2, 4096),
		LOOP(1, 2, 4096, 2),
		LOOP(3, 2, 4096, 1),
		MOV(4, 4),
	};
	CU_ASSERT_EQUAL(run_exact(forever, N(forever), b, 8, NULL, &n, &steps), -SB_UDF_ESTEPLIMIT);
	CU_ASSERT_EQUAL(steps, SB_UDF_MAX_STEPS);
	CU_ASSERT_EQUAL(run_exact(p_steps, N(p_steps), b, 8, NULL, &n, &steps), 0); /* r2 = 0 */

	/* Too long: refused before reading anything. */
	CU_ASSERT_EQUAL(sb_udf_run(NULL, SB_UDF_MAX_INSNS + 1, b, NULL, 0, &n), -SB_UDF_ETOOLONG);
	free(b);
}

/* ------------------------------------------------------ semantics */

static void test_semantics_alu(void)
{
	/* clang-format off */
	static const struct sb_udf_insn p[] = {
		LDI(1, -1), EMIT(1),					 /* sign-extended */
		LDI(1, 5), LDI(2, 7), ALU(SUB, 1, 2), EMIT(1),		 /* wraps */
		LDI(1, 0x1234), LDI(2, 68), ALU(SHL, 1, 2), EMIT(1),	 /* 68 % 64 = 4 */
		LDI(1, -16), ALUI(SHR, 1, 60), EMIT(1),			 /* logical */
		LDI(1, 0x0ff0), ALUI(AND, 1, 0x3c3c), EMIT(1),
		LDI(1, 0x0ff0), ALUI(OR, 1, 0x3c3c), EMIT(1),
		LDI(1, 0x0ff0), ALUI(XOR, 1, 0x3c3c), EMIT(1),
		LDI(1, 0x40000000), ALUI(MUL, 1, 0x40000000), ALUI(MUL, 1, 16), EMIT(1),
		LDI(1, 3), ALUI(ADD, 1, -4), EMIT(1),
		LDI(1, 1), ALUI(SHL, 1, 63), MOV(3, 1), EMIT(3),
		LDI(1, 10), ALUI(SUB, 1, 3), EMIT(1),
	};
	/* clang-format on */
	static const uint64_t want[] = {
		UINT64_MAX, UINT64_MAX - 1, 0x12340, 0xf,
		0x0c30,	    0x3ffc,	    0x33cc,  0, /* 2^60 * 16 wraps */
		UINT64_MAX, 1ULL << 63,	    7,
	};
	uint64_t res[16];
	uint8_t *b = new_block();
	uint32_t n;

	CU_ASSERT_EQUAL(sb_udf_verify(p, N(p), NULL), 0);
	CU_ASSERT_EQUAL_FATAL(run_exact(p, N(p), b, 16, res, &n, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(n, N(want));
	for (unsigned i = 0; i < N(want); i++)
		CU_ASSERT_EQUAL(res[i], want[i]);
	free(b);
}

static void test_semantics_loads(void)
{
	/* clang-format off */
	static const struct sb_udf_insn p[] = {
		LD(LD8, 1, 0, 10), EMIT(1), LD(LD16, 1, 0, 10), EMIT(1),
		LD(LD32, 1, 0, 10), EMIT(1), LD(LD64, 1, 0, 10), EMIT(1),
		LD(LD64, 1, 0, 0), LD(LD8, 2, 1, 16), EMIT(2), /* 2^64-6 + 16 wraps to 10 */
	};
	/* clang-format on */
	uint64_t res[8];
	uint8_t *b = new_block();
	uint32_t n;

	put(b, 0, (uint64_t)-6, 8);
	put(b, 10, 0xf1e2d3c4b5a69788ULL, 8);
	CU_ASSERT_EQUAL(sb_udf_verify(p, N(p), NULL), 0);
	CU_ASSERT_EQUAL_FATAL(run_exact(p, N(p), b, 8, res, &n, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_EQUAL(res[0], 0x88);
	CU_ASSERT_EQUAL(res[1], 0x9788);
	CU_ASSERT_EQUAL(res[2], 0xb5a69788);
	CU_ASSERT_EQUAL(res[3], 0xf1e2d3c4b5a69788ULL);
	CU_ASSERT_EQUAL(res[4], 0x88);
	free(b);
}

static void test_semantics_branches(void)
{
	static const uint8_t ops[] = { SB_UDF_JEQ, SB_UDF_JNE, SB_UDF_JLT,
				       SB_UDF_JLE, SB_UDF_JGT, SB_UDF_JGE };
	static const int64_t vals[] = { 0, 1, 2, -1 };
	uint8_t *b = new_block();
	uint32_t n;

	for (unsigned o = 0; o < N(ops); o++)
		for (unsigned i = 0; i < N(vals); i++)
			for (unsigned j = 0; j < N(vals); j++) {
				const struct sb_udf_insn p[] = {
					LDI(1, vals[i]), LDI(2, vals[j]),
					SB_UDF_INSN(ops[o], 1, 2, 2),
					EMIT(1), /* skipped if taken */
				};
				uint64_t a = (uint64_t)vals[i], c = (uint64_t)vals[j];
				bool want = ops[o] == SB_UDF_JEQ   ? a == c
					    : ops[o] == SB_UDF_JNE ? a != c
					    : ops[o] == SB_UDF_JLT ? a < c
					    : ops[o] == SB_UDF_JLE ? a <= c
					    : ops[o] == SB_UDF_JGT ? a > c
								   : a >= c;

				CU_ASSERT_EQUAL(sb_udf_verify(p, N(p), NULL), 0);
				CU_ASSERT_EQUAL(run_exact(p, N(p), b, 1, NULL, &n, NULL), 0);
				CU_ASSERT_EQUAL(n, want ? 0 : 1);
			}
	free(b);
}

static void test_semantics_loops(void)
{
	/* Nested loops sharing their end, a continue, a count from the block
	 * clamped at the bound, and a HALT after the loops. */
	/* clang-format off */
	static const struct sb_udf_insn p[] = {
		/* 0 */ LD(LD8, 2, 0, 0),	/* outer count from the block */
		/* 1 */ LDI(6, 2),
		/* 2 */ LOOP(1, 2, 3, 6),	/* i = 0 .. min(count, 3)-1 */
		/* 3 */ LOOP(3, 6, 2, 5),	/*   j = 0, 1 */
		/* 4 */ J(JEQ, 3, 0, 5),	/*     j == 0: continue (to 9) */
		/* 5 */ MOV(4, 1),		/*     emit 10 i + j */
		/* 6 */ ALUI(MUL, 4, 10),
		/* 7 */ ALU(ADD, 4, 3),
		/* 8 */ EMIT(4),
		/* 9 */ LD(LD8, 5, 0, 1),	/* block[1] != 0: stop here */
		/* 10 */ J(JEQ, 5, 0, 2),
		/* 11 */ HALT(),
		/* 12 */ LDI(4, 99),
		/* 13 */ EMIT(4),
	};
	/* clang-format on */
	static const struct {
		uint8_t count, stop;
		uint32_t n;
		uint64_t want[5];
	} cases[] = {
		{ 0, 0, 1, { 99 } },
		{ 1, 0, 2, { 1, 99 } },
		{ 2, 0, 3, { 1, 11, 99 } },
		{ 3, 0, 4, { 1, 11, 21, 99 } },
		{ 200, 0, 4, { 1, 11, 21, 99 } },
		{ 200, 1, 3, { 1, 11, 21 } },
	};
	struct sb_udf_info info;
	uint64_t res[8];
	uint8_t *b = new_block();
	uint32_t n, steps;

	CU_ASSERT_EQUAL_FATAL(sb_udf_verify(p, N(p), &info), 0);
	CU_ASSERT_EQUAL(info.max_depth, 2);
	for (unsigned c = 0; c < N(cases); c++) {
		b[0] = cases[c].count;
		b[1] = cases[c].stop;
		CU_ASSERT_EQUAL(run_exact(p, N(p), b, 8, res, &n, &steps), 0);
		CU_ASSERT_TRUE(steps <= info.max_steps);
		CU_ASSERT_EQUAL_FATAL(n, cases[c].n);
		for (unsigned i = 0; i < n; i++)
			CU_ASSERT_EQUAL(res[i], cases[c].want[i]);
	}

	/* HALT inside a body stops the whole run. */
	static const struct sb_udf_insn halt[] = {
		LDI(2, 10),	 LDI(3, 4), LOOP(1, 2, 10, 3), EMIT(1),
		J(JNE, 1, 3, 2), HALT(),    LDI(4, 99),	       EMIT(4),
	};
	CU_ASSERT_EQUAL(sb_udf_verify(halt, N(halt), NULL), 0);
	CU_ASSERT_EQUAL(run_exact(halt, N(halt), b, 8, res, &n, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_EQUAL(res[i], i);

	/* The empty program is an implicit HALT. */
	CU_ASSERT_EQUAL(sb_udf_run(NULL, 0, b, NULL, 0, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(b);
}

/* Same bytes, same answer: twice on one block, and on a copy elsewhere. */
static void test_determinism(void)
{
	uint64_t res1[SB_UDF_MAX_OUT], res2[SB_UDF_MAX_OUT];
	uint8_t *b = extdir(SB_EXTDIR_MAGIC, 40);
	uint8_t *c = new_block();
	uint32_t n1, n2;

	rng_state = 42;
	for (unsigned i = 0; i < 40; i++)
		set_entry(b, i, "d", rnd() % 100000, (uint32_t)(rnd() % 20));
	CU_ASSERT_EQUAL(run_extdir(b, res1, &n1), 0);
	CU_ASSERT_EQUAL(run_extdir(b, res2, &n2), 0);
	CU_ASSERT_EQUAL_FATAL(n1, n2);
	CU_ASSERT_TRUE(n1 > 0 && memcmp(res1, res2, n1 * sizeof(res1[0])) == 0);
	memcpy(c, b, BS);
	CU_ASSERT_EQUAL(run_extdir(c, res2, &n2), 0);
	CU_ASSERT_EQUAL_FATAL(n1, n2);
	CU_ASSERT_TRUE(memcmp(res1, res2, n1 * sizeof(res1[0])) == 0);
	free(c);
	free(b);
}

/* ------------------------------------------------------------ fuzzing */

static const uint8_t valid_ops[] = {
	SB_UDF_HALT, SB_UDF_LDI,  SB_UDF_MOV,  SB_UDF_ADD,  SB_UDF_SUB,	       SB_UDF_AND,
	SB_UDF_OR,   SB_UDF_XOR,  SB_UDF_SHL,  SB_UDF_SHR,  SB_UDF_MUL,	       SB_UDF_ADDI,
	SB_UDF_SUBI, SB_UDF_ANDI, SB_UDF_ORI,  SB_UDF_XORI, SB_UDF_SHLI,       SB_UDF_SHRI,
	SB_UDF_MULI, SB_UDF_LD8,  SB_UDF_LD16, SB_UDF_LD32, SB_UDF_LD64,       SB_UDF_JA,
	SB_UDF_JEQ,  SB_UDF_JNE,  SB_UDF_JLT,  SB_UDF_JLE,  SB_UDF_JGT,	       SB_UDF_JGE,
	SB_UDF_LOOP, SB_UDF_LOOP, SB_UDF_EMIT, SB_UDF_EMIT, SB_UDF_EMIT_RANGE,
};

static int32_t pick_imm(uint8_t op, uint32_t i, uint32_t n)
{
	uint64_t r = rnd();
	unsigned k = r % 16;

	r >>= 8;
	switch (op) {
	case SB_UDF_LDI:
	case SB_UDF_ADDI ... SB_UDF_MULI:
		return k < 8	? (int32_t)(r % 80) - 4
		       : k < 12 ? (int32_t)(BS - 16 + r % 32)
				: (int32_t)r;
	case SB_UDF_LD8 ... SB_UDF_LD64:
		return k < 10	? (int32_t)(r % 48)
		       : k < 14 ? (int32_t)(BS - 16 + r % 32)
				: (int32_t)r;
	case SB_UDF_JA ... SB_UDF_JGE:
		return k < 10	? (int32_t)(1 + r % 4)
		       : k < 14 ? (int32_t)(n - i)
				: (int32_t)(r % 8) - 2;
	case SB_UDF_LOOP:
		return SB_UDF_LOOP_IMM(k < 13 ? 1 + r % 8 : (r >> 16) % 5000,
				       k % 2 ? 1 + (r >> 32) % 4 : n - i - 1 - (k == 4));
	default: /* HALT, MOV, register ALU, EMIT, EMIT_RANGE */
		return 0;
	}
}

/* Random programs of three kinds, so that a fair share passes the
 * verifier and every check is exercised: uniform random bytes (1/8),
 * well-formed instructions with random operands (1/2), and the same with
 * random corruption of opcodes, registers and unused fields (3/8). */
static void random_prog(struct sb_udf_insn *p, uint32_t n)
{
	unsigned kind = rnd() % 8;

	for (uint32_t i = 0; i < n; i++) {
		struct sb_udf_insn *in = &p[i];
		uint64_t r = rnd();
		bool two_regs;

		if (kind == 0) {
			memcpy(in, &r, sizeof(*in));
			continue;
		}
		in->op = valid_ops[r % N(valid_ops)];
		two_regs = in->op != SB_UDF_HALT && in->op != SB_UDF_LDI && in->op != SB_UDF_JA &&
			   in->op != SB_UDF_EMIT &&
			   !(in->op >= SB_UDF_ADDI && in->op <= SB_UDF_MULI);
		in->dst = in->op == SB_UDF_HALT || in->op == SB_UDF_JA ? 0 : (r >> 8) % 8;
		in->src = two_regs ? (r >> 12) % 8 : 0;
		in->rsvd = 0;
		in->imm = pick_imm(in->op, i, n);
		if (kind < 4 && r % 64 == 0) {
			r = rnd();
			switch (r % 5) {
			case 0:
				in->op = (uint8_t)(r >> 8);
				break;
			case 1:
				in->dst = (uint8_t)(r >> 8);
				break;
			case 2:
				in->src = (uint8_t)(r >> 8);
				break;
			case 3:
				in->rsvd = (uint8_t)(r >> 8);
				break;
			default:
				in->imm = (int32_t)(r >> 8);
			}
		}
	}
}

static void random_block(uint8_t *b)
{
	unsigned kind = rnd() % 3;

	for (unsigned i = 0; i < BS; i += 8) {
		uint64_t r = rnd();
		if (kind == 1) /* small values: in-range computed addresses */
			r &= 0x000f000f000f000fULL;
		else if (kind == 2)
			r &= 0x0fff;
		memcpy(b + i, &r, 8);
	}
}

static bool run_error(int err)
{
	return err == 0 || err == -SB_UDF_ELOAD || err == -SB_UDF_ETOOMANY || err == -SB_UDF_EWRAP;
}

/* 100,000 seeded random programs: every accepted one runs (under ASan in
 * run-tests-san) on random blocks without a structural error, within its
 * static step bound, and twice with the same result; refused ones run too
 * and must merely stay in bounds. */
static void test_fuzz(void)
{
	uint64_t *res1 = malloc(SB_UDF_MAX_OUT * sizeof(*res1));
	uint64_t *res2 = malloc(SB_UDF_MAX_OUT * sizeof(*res2));
	uint8_t *b = malloc(BS);
	unsigned accepted = 0, outcome[SB_UDF_NERRORS] = { 0 }, refused[SB_UDF_NERRORS] = { 0 };
	unsigned deep = 0, max_steps = 0;
	bool bad_seen = false;

	CU_ASSERT_FATAL(res1 && res2 && b);
	rng_state = 0xdecafbad5eedULL;
	for (unsigned iter = 0; iter < 100000; iter++) {
		uint32_t n = 1 + rnd() % (iter % 10 ? 24 : SB_UDF_MAX_INSNS);
		struct sb_udf_insn *p = malloc(n * sizeof(*p));
		struct sb_udf_info info;
		uint32_t n1, n2, s1, s2;
		int err, e1, e2;

		CU_ASSERT_FATAL(p != NULL);
		random_prog(p, n);
		err = sb_udf_verify(p, n, &info);
		CU_ASSERT_TRUE(err <= 0 && err > -SB_UDF_NERRORS && err != -SB_UDF_EUNSORTED);
		random_block(b);
		if (err) {
			refused[-err]++;
			CU_ASSERT_TRUE(info.err_pc < n);
			e1 = sb_udf_run_steps(p, n, b, res1, SB_UDF_MAX_OUT, &n1, &s1);
			CU_ASSERT_TRUE(s1 <= SB_UDF_MAX_STEPS && n1 <= SB_UDF_MAX_OUT);
			free(p);
			continue;
		}
		accepted++;
		deep += info.max_depth >= 2;
		CU_ASSERT_TRUE(info.max_steps <= SB_UDF_MAX_STEPS && info.max_depth <= 4);
		for (unsigned k = 0; k < 2; k++) {
			uint32_t max_out = k ? SB_UDF_MAX_OUT : (uint32_t)(rnd() % 8);
			e1 = sb_udf_run_steps(p, n, b, res1, max_out, &n1, &s1);
			e2 = sb_udf_run_steps(p, n, b, res2, max_out, &n2, &s2);
			if (!run_error(e1) || s1 > info.max_steps) {
				if (!bad_seen)
					fprintf(stderr,
						"\nudf fuzz %u: run %d (%s), %u > %u steps\n", iter,
						e1, sb_udf_strerror(e1), s1, info.max_steps);
				bad_seen = true;
				CU_FAIL("verified program misbehaved");
			}
			CU_ASSERT_TRUE(e1 == e2 && n1 == n2 && s1 == s2);
			CU_ASSERT_TRUE(n1 <= max_out);
			CU_ASSERT_TRUE(n1 == n2 && memcmp(res1, res2, n1 * sizeof(*res1)) == 0);
			outcome[-e1]++;
			max_steps = s1 > max_steps ? s1 : max_steps;
			random_block(b);
		}
		free(p);
	}
	/* The generator reaches every outcome, or the test proves little. */
	CU_ASSERT_TRUE(accepted > 10000);
	CU_ASSERT_TRUE(outcome[0] > 1000 && outcome[SB_UDF_ELOAD] > 100 &&
		       outcome[SB_UDF_ETOOMANY] > 100 && outcome[SB_UDF_EWRAP] > 0);
	for (int e = SB_UDF_EOPCODE; e <= SB_UDF_ESTATICLOAD; e++)
		CU_ASSERT_TRUE(refused[e] > 0);
	if (getenv("UDF_FUZZ_STATS")) {
		fprintf(stderr, "\nudf fuzz: %u accepted, %u nested, longest run %u steps;",
			accepted, deep, max_steps);
		for (int e = 0; e < SB_UDF_NERRORS; e++)
			if (outcome[e] || refused[e])
				fprintf(stderr, " [%s] run %u refused %u;", sb_udf_strerror(e),
					outcome[e], refused[e]);
		fprintf(stderr, "\n");
	}
	free(b);
	free(res2);
	free(res1);
}

/* --------------------------------------------------------------- sets */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Reference: qsort, then drop duplicates. */
static uint32_t ref_normalize(uint64_t *s, uint32_t n)
{
	uint32_t k = 0;

	qsort(s, n, sizeof(*s), cmp_u64);
	for (uint32_t i = 0; i < n; i++)
		if (k == 0 || s[i] != s[k - 1])
			s[k++] = s[i];
	return k;
}

static void test_normalize(void)
{
	static const uint32_t sizes[] = { 0, 1, 2, 3, 7, 100, 1024, 5000 };
	uint64_t *a = malloc(5000 * sizeof(*a)), *ref = malloc(5000 * sizeof(*ref));

	CU_ASSERT_FATAL(a && ref);
	rng_state = 7;
	for (unsigned s = 0; s < N(sizes); s++)
		for (unsigned kind = 0; kind < 5; kind++) {
			uint32_t n = sizes[s], want;

			for (uint32_t i = 0; i < n; i++)
				a[i] = kind == 0   ? rnd()
				       : kind == 1 ? rnd() % 10 /* many duplicates */
				       : kind == 2 ? i		/* sorted */
				       : kind == 3 ? n - i	/* reversed */
						   : UINT64_MAX - rnd() % 3;
			memcpy(ref, a, n * sizeof(*a));
			want = ref_normalize(ref, n);
			sb_udf_set_normalize(a, &n);
			CU_ASSERT_EQUAL(n, want);
			CU_ASSERT_TRUE(memcmp(a, ref, n * sizeof(*a)) == 0);
		}
	free(ref);
	free(a);
}

static void test_diff(void)
{
	static const uint64_t oldset[] = { 1, 5, 9, 10, UINT64_MAX };
	static const uint64_t newset[] = { 0, 5, 10, 11, 12 };
	static const uint64_t unsorted[] = { 3, 2 };
	static const uint64_t dup[] = { 2, 2 };
	uint64_t app[8], gone[8];
	uint32_t na, ng;

	CU_ASSERT_EQUAL(sb_udf_diff(oldset, 5, newset, 5, app, &na, gone, &ng), 0);
	CU_ASSERT_TRUE(na == 3 && app[0] == 0 && app[1] == 11 && app[2] == 12);
	CU_ASSERT_TRUE(ng == 3 && gone[0] == 1 && gone[1] == 9 && gone[2] == UINT64_MAX);
	CU_ASSERT_EQUAL(sb_udf_diff(oldset, 5, oldset, 5, app, &na, gone, &ng), 0);
	CU_ASSERT_TRUE(na == 0 && ng == 0);
	CU_ASSERT_EQUAL(sb_udf_diff(NULL, 0, newset, 5, app, &na, gone, &ng), 0);
	CU_ASSERT_TRUE(na == 5 && ng == 0 && memcmp(app, newset, sizeof(newset)) == 0);
	CU_ASSERT_EQUAL(sb_udf_diff(oldset, 5, NULL, 0, app, &na, gone, &ng), 0);
	CU_ASSERT_TRUE(na == 0 && ng == 5 && memcmp(gone, oldset, sizeof(oldset)) == 0);
	CU_ASSERT_EQUAL(sb_udf_diff(unsorted, 2, newset, 5, app, &na, gone, &ng),
			-SB_UDF_EUNSORTED);
	CU_ASSERT_TRUE(na == 0 && ng == 0);
	CU_ASSERT_EQUAL(sb_udf_diff(oldset, 5, dup, 2, app, &na, gone, &ng), -SB_UDF_EUNSORTED);

	/* Random sets against a reference: appeared = new \ old, gone =
	 * old \ new, in exactly-sized buffers. */
	rng_state = 99;
	for (unsigned iter = 0; iter < 2000; iter++) {
		uint32_t no = rnd() % 40, nn = rnd() % 40;
		uint64_t *o = malloc((no + 1) * sizeof(*o)), *nw = malloc((nn + 1) * sizeof(*nw));
		uint64_t *a = malloc((nn + 1) * sizeof(*a)), *g = malloc((no + 1) * sizeof(*g));

		CU_ASSERT_FATAL(o && nw && a && g);
		for (uint32_t i = 0; i < no; i++)
			o[i] = rnd() % 50;
		for (uint32_t i = 0; i < nn; i++)
			nw[i] = rnd() % 50;
		sb_udf_set_normalize(o, &no);
		sb_udf_set_normalize(nw, &nn);
		CU_ASSERT_EQUAL(sb_udf_diff(o, no, nw, nn, a, &na, g, &ng), 0);
		for (uint64_t v = 0; v < 50; v++) {
			bool in_o = bsearch(&v, o, no, sizeof(v), cmp_u64) != NULL;
			bool in_n = bsearch(&v, nw, nn, sizeof(v), cmp_u64) != NULL;
			bool in_a = bsearch(&v, a, na, sizeof(v), cmp_u64) != NULL;
			bool in_g = bsearch(&v, g, ng, sizeof(v), cmp_u64) != NULL;
			CU_ASSERT_EQUAL(in_a, in_n && !in_o);
			CU_ASSERT_EQUAL(in_g, in_o && !in_n);
		}
		free(g);
		free(a);
		free(nw);
		free(o);
	}
}

static void test_strerror(void)
{
	for (int e = 0; e < SB_UDF_NERRORS; e++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(sb_udf_strerror(e));
		CU_ASSERT_STRING_EQUAL(sb_udf_strerror(-e), sb_udf_strerror(e));
		CU_ASSERT_STRING_NOT_EQUAL(sb_udf_strerror(e), "unknown UDF error");
		for (int f = 0; f < e; f++)
			CU_ASSERT_STRING_NOT_EQUAL(sb_udf_strerror(e), sb_udf_strerror(f));
	}
	CU_ASSERT_STRING_EQUAL(sb_udf_strerror(0), "ok");
	CU_ASSERT_STRING_EQUAL(sb_udf_strerror(-SB_UDF_ELOAD), "load outside the block");
	CU_ASSERT_STRING_EQUAL(sb_udf_strerror(SB_UDF_NERRORS), "unknown UDF error");
	CU_ASSERT_STRING_EQUAL(sb_udf_strerror(-SB_UDF_NERRORS), "unknown UDF error");
	CU_ASSERT_STRING_EQUAL(sb_udf_strerror(-2147483647 - 1), "unknown UDF error");
}

static CU_TestInfo udf_tests[] = {
	{ "extent directory UDF verifies", test_extdir_verifies },
	{ "extent directory: empty, not a directory", test_extdir_empty },
	{ "extent directory: one extent", test_extdir_one },
	{ "extent directory: full block", test_extdir_full },
	{ "extent directory: count lies", test_extdir_count_lies },
	{ "extent directory: random blocks", test_extdir_random },
	{ "verifier: one hostile program per error", test_verify_hostile },
	{ "verifier: step bound edges", test_verify_step_edge },
	{ "verifier: program too long", test_too_long },
	{ "run: out-of-bounds loads", test_run_load_bounds },
	{ "run: too many outputs", test_run_too_many },
	{ "run: extent wraps", test_run_wrap },
	{ "run: unverified programs", test_run_unverified },
	{ "semantics: ALU", test_semantics_alu },
	{ "semantics: loads", test_semantics_loads },
	{ "semantics: branches", test_semantics_branches },
	{ "semantics: loops", test_semantics_loops },
	{ "determinism", test_determinism },
	{ "100k random programs", test_fuzz },
	{ "set normalize", test_normalize },
	{ "set diff", test_diff },
	{ "messages", test_strerror },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(udf, udf_tests);
