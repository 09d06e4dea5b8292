/*
 * udf.h - untrusted deterministic functions (UDFs): the bytecode, its
 * verifier and its interpreter.
 *
 * XN (Kaashoek et al., "Application Performance and Flexibility on
 * Exokernel Systems", SOSP'97) lets library operating systems share
 * on-disk metadata without trusting each other: each metadata type comes
 * with a UDF that maps the bytes of one metadata block to the set of disk
 * blocks that block owns. The kernel runs the UDF on the old and the new
 * contents of a block a libOS writes and allows the write only if every
 * block that appears is one the libOS may hand over and every block that
 * disappears is freed or returned (sb_udf_diff; the kernel side is planned,
 * see docs/udf.md).
 *
 * A UDF is a program for a small register machine: 8 registers of 64 bits,
 * fixed 8-byte instructions, one read-only input of SB_UDF_BLOCK_SIZE
 * bytes, and an output list of block numbers. There is nothing else to
 * read: no time, no randomness, no memory but the block, so the output is
 * a function of the program and the block alone. sb_udf_verify proves
 * termination within SB_UDF_MAX_STEPS steps (branches go forward only,
 * loops have static bounds and nest properly); sb_udf_run checks every
 * load and every output at run time. docs/udf.md describes the ISA.
 */
#ifndef SB_UDF_H
#define SB_UDF_H

#include <stdint.h>

#define SB_UDF_BLOCK_SIZE 4096u	 /* bytes of the input block (one disk block) */
#define SB_UDF_NREGS	  8u	 /* registers r0..r7, 64 bits each, all 0 at start */
#define SB_UDF_MAX_INSNS  512u	 /* instructions per program: 4 KiB of code */
#define SB_UDF_MAX_STEPS  65536u /* instructions one run may execute */
#define SB_UDF_MAX_LOOP	  4096u	 /* largest static bound of one LOOP */
#define SB_UDF_MAX_DEPTH  4u	 /* deepest LOOP nesting */
#define SB_UDF_MAX_OUT	  1024u	 /* block numbers one run may emit */

/*
 * One instruction. Crosses the ABI (a libOS hands programs to the kernel),
 * so its layout is fixed. dst is the first register operand (the one
 * written, if the instruction writes one), src the second. Fields an
 * opcode does not use must be 0 (sb_udf_verify refuses anything else, so
 * they stay free for later extensions).
 */
struct sb_udf_insn {
	uint8_t op;   /* enum sb_udf_op */
	uint8_t dst;  /* register 0..SB_UDF_NREGS-1 */
	uint8_t src;  /* register 0..SB_UDF_NREGS-1 */
	uint8_t rsvd; /* must be 0 */
	int32_t imm;  /* immediate, byte offset, branch offset or LOOP shape */
};
_Static_assert(sizeof(struct sb_udf_insn) == 8, "ABI: UDF instruction");

/*
 * Opcodes. "imm" is sign-extended to 64 bits wherever it meets a register.
 * Arithmetic wraps modulo 2^64; shift counts are taken modulo 64. Branch
 * targets are pc + imm with imm >= 1. docs/udf.md has the full table.
 */
enum sb_udf_op {
	SB_UDF_HALT = 0x00, /* stop; the outputs so far are the result */
	SB_UDF_LDI = 0x01,  /* dst = imm */
	SB_UDF_MOV = 0x02,  /* dst = src */

	SB_UDF_ADD = 0x10, /* dst = dst + src */
	SB_UDF_SUB = 0x11, /* dst = dst - src */
	SB_UDF_AND = 0x12, /* dst = dst & src */
	SB_UDF_OR = 0x13,  /* dst = dst | src */
	SB_UDF_XOR = 0x14, /* dst = dst ^ src */
	SB_UDF_SHL = 0x15, /* dst = dst << (src % 64) */
	SB_UDF_SHR = 0x16, /* dst = dst >> (src % 64), logical */
	SB_UDF_MUL = 0x17, /* dst = dst * src, low 64 bits */
	/* The same eight with imm in place of src: opcode | SB_UDF_IMM. */
	SB_UDF_ADDI = 0x18,
	SB_UDF_SUBI = 0x19,
	SB_UDF_ANDI = 0x1a,
	SB_UDF_ORI = 0x1b,
	SB_UDF_XORI = 0x1c,
	SB_UDF_SHLI = 0x1d,
	SB_UDF_SHRI = 0x1e,
	SB_UDF_MULI = 0x1f,

	/* dst = the 1, 2, 4 or 8 bytes at block[src + imm], little-endian,
	 * zero-extended; the run fails if they are not all inside the block. */
	SB_UDF_LD8 = 0x20,
	SB_UDF_LD16 = 0x21,
	SB_UDF_LD32 = 0x22,
	SB_UDF_LD64 = 0x23,

	/* Forward branches to pc + imm (imm >= 1). Compares are unsigned. */
	SB_UDF_JA = 0x30,  /* always */
	SB_UDF_JEQ = 0x31, /* if dst == src */
	SB_UDF_JNE = 0x32, /* if dst != src */
	SB_UDF_JLT = 0x33, /* if dst < src */
	SB_UDF_JLE = 0x34, /* if dst <= src */
	SB_UDF_JGT = 0x35, /* if dst > src */
	SB_UDF_JGE = 0x36, /* if dst >= src */

	/* Run the next LEN instructions (the body) n = min(src, BOUND) times,
	 * with dst = 0, 1, ..., n-1 at the start of each pass; n == 0 skips
	 * the body. imm = SB_UDF_LOOP_IMM(BOUND, LEN), 1 <= BOUND <=
	 * SB_UDF_MAX_LOOP, LEN >= 1. Reaching the end of the body (by falling
	 * through or by a branch to it) ends the pass. */
	SB_UDF_LOOP = 0x40,

	SB_UDF_EMIT = 0x50,	  /* output block dst */
	SB_UDF_EMIT_RANGE = 0x51, /* output blocks dst, dst+1, ..., dst+src-1 */
};

#define SB_UDF_IMM 0x08 /* the immediate form of an ALU opcode */

/* imm of a LOOP: bound in bits 0-15, body length in bits 16-31. */
#define SB_UDF_LOOP_IMM(bound, len) ((int32_t)(((uint32_t)(len) << 16) | (uint32_t)(bound)))
#define SB_UDF_LOOP_BOUND(imm)	    ((uint32_t)(imm) % 0x10000u)
#define SB_UDF_LOOP_LEN(imm)	    ((uint32_t)(imm) >> 16)

/* Initializers for writing programs as C arrays (an assembler of sorts). */
#define SB_UDF_INSN(o, d, s, i)                                                   \
	{                                                                         \
		.op = (o), .dst = (d), .src = (s), .rsvd = 0, .imm = (int32_t)(i) \
	}
#define SB_UDF_I_HALT()		      SB_UDF_INSN(SB_UDF_HALT, 0, 0, 0)
#define SB_UDF_I_LDI(d, i)	      SB_UDF_INSN(SB_UDF_LDI, d, 0, i)
#define SB_UDF_I_MOV(d, s)	      SB_UDF_INSN(SB_UDF_MOV, d, s, 0)
#define SB_UDF_I_ALU(o, d, s)	      SB_UDF_INSN(o, d, s, 0) /* o: SB_UDF_ADD .. MUL */
#define SB_UDF_I_ALUI(o, d, i)	      SB_UDF_INSN((o) | SB_UDF_IMM, d, 0, i) /* o: ADD .. MUL */
#define SB_UDF_I_LD(o, d, s, off)     SB_UDF_INSN(o, d, s, off) /* o: SB_UDF_LD8 .. LD64 */
#define SB_UDF_I_JA(off)	      SB_UDF_INSN(SB_UDF_JA, 0, 0, off)
#define SB_UDF_I_JCC(o, a, b, off)    SB_UDF_INSN(o, a, b, off) /* o: SB_UDF_JEQ .. JGE */
#define SB_UDF_I_LOOP(i, n, bnd, len) SB_UDF_INSN(SB_UDF_LOOP, i, n, SB_UDF_LOOP_IMM(bnd, len))
#define SB_UDF_I_EMIT(d)	      SB_UDF_INSN(SB_UDF_EMIT, d, 0, 0)
#define SB_UDF_I_EMIT_RANGE(d, s)     SB_UDF_INSN(SB_UDF_EMIT_RANGE, d, s, 0)

/* Why a program was refused or a run failed. Functions return the negated
 * value (-SB_UDF_E...); sb_udf_strerror gives the message. */
enum sb_udf_error {
	SB_UDF_OK = 0,
	/* Found by sb_udf_verify. All but EFIELD, ESTEPS and ESTATICLOAD
	 * are also found by sb_udf_run in a program nobody verified. */
	SB_UDF_ETOOLONG,    /* more than SB_UDF_MAX_INSNS instructions */
	SB_UDF_EOPCODE,	    /* undefined opcode */
	SB_UDF_EREG,	    /* register number >= SB_UDF_NREGS */
	SB_UDF_EFIELD,	    /* a field the opcode does not use is not 0 */
	SB_UDF_EBACKWARD,   /* branch offset <= 0 (backward or to itself) */
	SB_UDF_EJUMPOUT,    /* branch target past the end of the program */
	SB_UDF_EJUMPNEST,   /* branch leaves its loop body or enters another */
	SB_UDF_ELOOPBOUND,  /* LOOP bound 0 or > SB_UDF_MAX_LOOP */
	SB_UDF_ELOOPBODY,   /* LOOP body empty, or ends past its enclosing body */
	SB_UDF_ELOOPDEPTH,  /* loops nested deeper than SB_UDF_MAX_DEPTH */
	SB_UDF_ESTEPS,	    /* worst case exceeds SB_UDF_MAX_STEPS steps */
	SB_UDF_ESTATICLOAD, /* a load with a known address reads outside the block */
	/* Found by sb_udf_run. */
	SB_UDF_ELOAD,	   /* a load reads outside the block */
	SB_UDF_ETOOMANY,   /* more outputs than max_out or SB_UDF_MAX_OUT */
	SB_UDF_EWRAP,	   /* EMIT_RANGE extent wraps past block 2^64 - 1 */
	SB_UDF_ESTEPLIMIT, /* executed SB_UDF_MAX_STEPS steps without halting */
	/* Found by sb_udf_diff. */
	SB_UDF_EUNSORTED, /* an input set is not sorted and duplicate-free */
	SB_UDF_NERRORS
};

/* What sb_udf_verify learned about a program. */
struct sb_udf_info {
	uint32_t max_steps; /* worst-case instructions one run executes, <= SB_UDF_MAX_STEPS */
	uint32_t max_depth; /* deepest LOOP nesting, 0..SB_UDF_MAX_DEPTH */
	uint32_t err_pc;    /* on failure: index of the refused instruction; else 0 */
};

/*
 * Decide whether prog[0..ninsn) is a UDF the kernel may run. Pure: reads
 * only prog[0..ninsn) (nothing at all when ninsn > SB_UDF_MAX_INSNS) and
 * writes only *info (which may be NULL).
 *
 * Follows the XN design of untrusted deterministic functions (Kaashoek et
 * al., SOSP'97), with termination made structural. Checks, in two passes,
 * stopping at the first failure (info->err_pc names the instruction):
 *   ninsn <= SB_UDF_MAX_INSNS                            else -SB_UDF_ETOOLONG
 * pass 1, each instruction in order:
 *   a defined opcode                                     else -SB_UDF_EOPCODE
 *   dst, src < SB_UDF_NREGS                              else -SB_UDF_EREG
 *   rsvd and every field the opcode does not use are 0  else -SB_UDF_EFIELD
 *   LOOP: 1 <= bound <= SB_UDF_MAX_LOOP                 else -SB_UDF_ELOOPBOUND
 *   LOOP: body length >= 1, body ends inside the
 *         enclosing body (or the program)                else -SB_UDF_ELOOPBODY
 *   LOOP: nesting depth <= SB_UDF_MAX_DEPTH              else -SB_UDF_ELOOPDEPTH
 *   sum over instructions of the product of the bounds
 *   of the loops around it <= SB_UDF_MAX_STEPS           else -SB_UDF_ESTEPS
 * pass 2, each instruction in order:
 *   branch: imm >= 1                                     else -SB_UDF_EBACKWARD
 *   branch: target <= ninsn                              else -SB_UDF_EJUMPOUT
 *   branch: target in the same loop body as the branch,
 *           or the end of that body                      else -SB_UDF_EJUMPNEST
 *   load whose address register has a value known on
 *   every path: the bytes lie inside the block          else -SB_UDF_ESTATICLOAD
 * Reaching the end of the program (pc == ninsn) is an implicit HALT, so
 * ninsn == 0 is a valid program that owns nothing.
 *
 * Returns 0 and fills *info (max_steps, max_depth), or a negative
 * -SB_UDF_E... from the list above; then info->err_pc is set and
 * max_steps/max_depth are 0.
 */
int sb_udf_verify(const struct sb_udf_insn *prog, uint32_t ninsn, struct sb_udf_info *info);

/*
 * Run prog[0..ninsn) on the SB_UDF_BLOCK_SIZE bytes of block and store the
 * block numbers it emits in out[0..*nout), in emission order (duplicates
 * possible: see sb_udf_set_normalize). At most min(max_out,
 * SB_UDF_MAX_OUT) numbers are emitted, so the result does not depend on
 * the caller's buffer as long as max_out >= SB_UDF_MAX_OUT; out may be
 * NULL when max_out is 0.
 *
 * The program should have passed sb_udf_verify, but whatever it holds,
 * sb_udf_run reads only prog[0..ninsn) and block[0..SB_UDF_BLOCK_SIZE),
 * writes only out[0..max_out) and *nout, and stops after SB_UDF_MAX_STEPS
 * instructions. Errors:
 *   -SB_UDF_ELOAD       a load reads outside the block
 *   -SB_UDF_ETOOMANY    one more output would exceed the limit above
 *   -SB_UDF_EWRAP       an EMIT_RANGE extent runs past block 2^64 - 1
 * and only for programs sb_udf_verify refuses:
 *   -SB_UDF_ESTEPLIMIT  SB_UDF_MAX_STEPS instructions without halting
 *   -SB_UDF_ETOOLONG, EOPCODE, EREG, EBACKWARD, EJUMPOUT, EJUMPNEST,
 *   ELOOPBOUND, ELOOPBODY, ELOOPDEPTH when the instruction about to run is
 *   malformed in that way.
 * On error *nout is 0 (out[] may have been written). Deterministic: the
 * same program and block bytes always give the same result.
 */
int sb_udf_run(const struct sb_udf_insn *prog, uint32_t ninsn, const uint8_t *block, uint64_t *out,
	       uint32_t max_out, uint32_t *nout);

/* sb_udf_run that also reports the instructions executed in *steps (also
 * on error): for a verified program, *steps <= info.max_steps. */
int sb_udf_run_steps(const struct sb_udf_insn *prog, uint32_t ninsn, const uint8_t *block,
		     uint64_t *out, uint32_t max_out, uint32_t *nout, uint32_t *steps);

/* Sort set[0..*n) ascending and drop duplicates in place; *n becomes the
 * number of distinct block numbers. O(n log n) time (heapsort), O(1)
 * space. */
void sb_udf_set_normalize(uint64_t *set, uint32_t *n);

/*
 * The kernel's old-vs-new comparison (XN, SOSP'97): given the normalized
 * sets a UDF produced for the old and the new contents of a metadata
 * block, store new \ old in appeared[0..*na) and old \ new in
 * gone[0..*ng), both sorted. appeared must have room for nnew numbers and
 * gone for nold. Returns 0, or -SB_UDF_EUNSORTED (and *na = *ng = 0,
 * nothing written) if either input is not strictly increasing.
 */
int sb_udf_diff(const uint64_t *oldset, uint32_t nold, const uint64_t *newset, uint32_t nnew,
		uint64_t *appeared, uint32_t *na, uint64_t *gone, uint32_t *ng);

/* A fixed one-line English message for a result of the functions above
 * (either sign); "unknown UDF error" for anything else. */
const char *sb_udf_strerror(int err);

/*
 * The example metadata format, a directory of extents: one 4 KiB block
 * holding a header and up to SB_EXTDIR_MAX entries, each naming a run of
 * nblocks disk blocks from start_block. Little-endian on disk. The first
 * count entries are live (count is untrusted: the UDF never looks past
 * the block, however large it claims to be); flags belong to the libOS.
 */
#define SB_EXTDIR_MAGIC 0x52494458u /* "XDIR" */
#define SB_EXTDIR_MAX	102u	    /* (4096 - 8) / 40 */

struct sb_extdir_entry {
	char name[24];	      /* NUL-padded, not interpreted by the UDF */
	uint64_t start_block; /* first block of the extent */
	uint32_t nblocks;     /* blocks in the extent; 0 owns nothing */
	uint32_t flags;	      /* libOS-defined; ignored by the UDF */
};
_Static_assert(sizeof(struct sb_extdir_entry) == 40, "on-disk extent entry");

struct sb_extdir {
	uint32_t magic; /* SB_EXTDIR_MAGIC, or the block is not a directory: owns nothing */
	uint32_t count; /* live entries; values above SB_EXTDIR_MAX mean SB_EXTDIR_MAX */
	struct sb_extdir_entry entry[SB_EXTDIR_MAX];
};
_Static_assert(sizeof(struct sb_extdir) <= SB_UDF_BLOCK_SIZE, "fits one block");

/* The owns-UDF of an extent directory: emits every block of each of the
 * first min(count, SB_EXTDIR_MAX) extents (EMIT_RANGE), nothing when the
 * magic is wrong. Passes sb_udf_verify; docs/udf.md lists it. */
extern const struct sb_udf_insn sb_udf_extent_dir[];
extern const uint32_t sb_udf_extent_dir_len;

#endif
