/*
 * udf.c - verifier and interpreter of untrusted deterministic functions
 * (udf.h), the owned-block set helpers, and the UDF of the example
 * extent-directory format.
 *
 * The verifier and the interpreter share the instruction semantics (alu,
 * taken) and repeat each other's local checks on purpose: the verifier
 * proves a program safe once, when a libOS registers it (XN, Kaashoek et
 * al., SOSP'97); the interpreter runs it on every metadata write and
 * stays memory-safe and bounded even on a program nobody verified, so a
 * kernel bug that skips verification cannot become a memory-safety bug.
 *
 * Termination is structural: branches only go forward, and the only way
 * back is the end of a LOOP body, whose pass count has a static bound.
 * With loops properly nested, an instruction runs at most the product of
 * the bounds of the loops around it, which the verifier sums into
 * info->max_steps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "udf.h"

_Static_assert(SB_UDF_MUL - SB_UDF_ADD == 7 && SB_UDF_MULI == (SB_UDF_MUL | SB_UDF_IMM),
	       "ALU opcodes are contiguous, immediate forms at | SB_UDF_IMM");
_Static_assert(SB_UDF_LD64 - SB_UDF_LD8 == 3, "load size is 1 << (op - LD8)");
_Static_assert(SB_UDF_MAX_LOOP <= 0xffff, "a LOOP bound fits its 16-bit field");
_Static_assert(SB_UDF_MAX_INSNS < 0xffff, "a LOOP body length fits its 16-bit field");

/* Which fields an opcode uses; F_DEF marks a defined opcode. */
enum { F_DEF = 1, F_DST = 2, F_SRC = 4, F_IMM = 8 };

static unsigned op_fields(uint8_t op)
{
	switch (op) {
	case SB_UDF_HALT:
		return F_DEF;
	case SB_UDF_LDI:
	case SB_UDF_ADDI ... SB_UDF_MULI:
		return F_DEF | F_DST | F_IMM;
	case SB_UDF_MOV:
	case SB_UDF_ADD ... SB_UDF_MUL:
	case SB_UDF_EMIT_RANGE:
		return F_DEF | F_DST | F_SRC;
	case SB_UDF_LD8 ... SB_UDF_LD64:
	case SB_UDF_JEQ ... SB_UDF_JGE:
	case SB_UDF_LOOP:
		return F_DEF | F_DST | F_SRC | F_IMM;
	case SB_UDF_JA:
		return F_DEF | F_IMM;
	case SB_UDF_EMIT:
		return F_DEF | F_DST;
	default:
		return 0;
	}
}

static bool is_branch(uint8_t op)
{
	return op >= SB_UDF_JA && op <= SB_UDF_JGE;
}

static bool is_load(uint8_t op)
{
	return op >= SB_UDF_LD8 && op <= SB_UDF_LD64;
}

/* dst OP b for the ALU opcodes, register or immediate form. Wraps modulo
 * 2^64; shift counts modulo 64, so no operand is undefined behaviour. */
static uint64_t alu(uint8_t op, uint64_t a, uint64_t b)
{
	switch (op & ~SB_UDF_IMM) {
	case SB_UDF_ADD:
		return a + b;
	case SB_UDF_SUB:
		return a - b;
	case SB_UDF_AND:
		return a & b;
	case SB_UDF_OR:
		return a | b;
	case SB_UDF_XOR:
		return a ^ b;
	case SB_UDF_SHL:
		return a << (b & 63);
	case SB_UDF_SHR:
		return a >> (b & 63);
	default: /* SB_UDF_MUL */
		return a * b;
	}
}

/* Is the branch op taken for operands a (dst) and b (src)? Unsigned. */
static bool taken(uint8_t op, uint64_t a, uint64_t b)
{
	switch (op) {
	case SB_UDF_JEQ:
		return a == b;
	case SB_UDF_JNE:
		return a != b;
	case SB_UDF_JLT:
		return a < b;
	case SB_UDF_JLE:
		return a <= b;
	case SB_UDF_JGT:
		return a > b;
	case SB_UDF_JGE:
		return a >= b;
	default: /* SB_UDF_JA */
		return true;
	}
}

static uint64_t sext(int32_t imm)
{
	return (uint64_t)(int64_t)imm;
}

/* ---------------------------------------------------------------- verifier */

/* The verifier's scratch: for each position, the number of loop bodies it
 * lies in (a LOOP instruction counts as outside its own body), and the
 * positions where constant tracking must forget what it knows (branch
 * targets, loop body starts and ends: the joins). Index ninsn is the
 * implicit HALT. 578 bytes of kernel stack. */
struct vstate {
	uint8_t depth[SB_UDF_MAX_INSNS + 1];
	uint8_t join[(SB_UDF_MAX_INSNS + 1 + 7) / 8];
};

static void mark_join(struct vstate *v, uint32_t pc)
{
	v->join[pc / 8] |= (uint8_t)(1u << (pc % 8));
}

static bool is_join(const struct vstate *v, uint32_t pc)
{
	return v->join[pc / 8] & (1u << (pc % 8));
}

static int check_fields(const struct sb_udf_insn *in)
{
	unsigned f = op_fields(in->op);

	if (!(f & F_DEF))
		return -SB_UDF_EOPCODE;
	if (in->dst >= SB_UDF_NREGS || in->src >= SB_UDF_NREGS)
		return -SB_UDF_EREG;
	if (in->rsvd || (!(f & F_DST) && in->dst) || (!(f & F_SRC) && in->src) ||
	    (!(f & F_IMM) && in->imm))
		return -SB_UDF_EFIELD;
	return 0;
}

/* A LOOP at pc whose enclosing body (or the program) ends at limit, with
 * depth loops already open. Same checks, same order, as run_loop. */
static int check_loop(const struct sb_udf_insn *in, uint32_t pc, uint32_t limit, uint32_t depth)
{
	uint32_t bound = SB_UDF_LOOP_BOUND(in->imm);
	uint32_t len = SB_UDF_LOOP_LEN(in->imm);

	if (bound == 0 || bound > SB_UDF_MAX_LOOP)
		return -SB_UDF_ELOOPBOUND;
	if (len == 0 || len > limit - pc - 1)
		return -SB_UDF_ELOOPBODY;
	if (depth == SB_UDF_MAX_DEPTH)
		return -SB_UDF_ELOOPDEPTH;
	return 0;
}

/* Pass 1: fields, loop structure, worst-case steps. Fills v->depth and
 * the loop joins of v->join. */
static int pass1(const struct sb_udf_insn *prog, uint32_t ninsn, struct vstate *v,
		 struct sb_udf_info *info, uint32_t *pc_out)
{
	uint32_t end[SB_UDF_MAX_DEPTH];
	uint64_t mult[SB_UDF_MAX_DEPTH + 1]; /* mult[n]: passes of a depth-n insn */
	uint32_t n = 0;
	uint64_t steps = 0;
	int err;

	mult[0] = 1;
	for (uint32_t pc = 0; pc < ninsn; pc++) {
		const struct sb_udf_insn *in = &prog[pc];

		*pc_out = pc;
		while (n > 0 && pc == end[n - 1])
			n--;
		v->depth[pc] = (uint8_t)n;
		err = check_fields(in);
		if (!err && in->op == SB_UDF_LOOP)
			err = check_loop(in, pc, n ? end[n - 1] : ninsn, n);
		if (err)
			return err;
		/* mult <= SB_UDF_MAX_LOOP^SB_UDF_MAX_DEPTH = 2^48: no overflow. */
		steps += mult[n];
		if (steps > SB_UDF_MAX_STEPS)
			return -SB_UDF_ESTEPS;
		if (in->op != SB_UDF_LOOP)
			continue;
		end[n] = pc + 1 + SB_UDF_LOOP_LEN(in->imm);
		mult[n + 1] = mult[n] * SB_UDF_LOOP_BOUND(in->imm);
		mark_join(v, pc + 1);
		mark_join(v, end[n]);
		n++;
		if (n > info->max_depth)
			info->max_depth = n;
	}
	v->depth[ninsn] = 0;
	info->max_steps = (uint32_t)steps;
	return 0;
}

/* A branch at pc inside a body ending at limit (ninsn at top level): the
 * target must lie ahead, in the same body, or be its end ("continue"). A
 * target at the same depth before limit is in the same body, because no
 * position between pc and limit is outside it. */
static int check_branch(const struct sb_udf_insn *in, uint32_t pc, uint32_t ninsn, uint32_t limit,
			struct vstate *v)
{
	uint64_t t;

	if (in->imm <= 0)
		return -SB_UDF_EBACKWARD;
	t = (uint64_t)pc + (uint64_t)in->imm;
	if (t > ninsn)
		return -SB_UDF_EJUMPOUT;
	if (t > limit || (t < limit && v->depth[t] != v->depth[pc]))
		return -SB_UDF_EJUMPNEST;
	mark_join(v, (uint32_t)t);
	if (in->op == SB_UDF_JA)
		mark_join(v, pc + 1);
	return 0;
}

/* Registers whose value is the same on every path to the current pc.
 * Deliberately simple: everything is forgotten at joins. */
struct consts {
	bool known[SB_UDF_NREGS];
	uint64_t val[SB_UDF_NREGS];
};

static int track(struct consts *c, const struct sb_udf_insn *in)
{
	uint8_t d = in->dst, s = in->src;

	if (in->op == SB_UDF_LDI) {
		c->known[d] = true;
		c->val[d] = sext(in->imm);
	} else if (in->op == SB_UDF_MOV) {
		c->known[d] = c->known[s];
		c->val[d] = c->val[s];
	} else if (in->op >= SB_UDF_ADD && in->op <= SB_UDF_MUL) {
		c->known[d] = c->known[d] && c->known[s];
		c->val[d] = alu(in->op, c->val[d], c->val[s]);
	} else if (in->op >= SB_UDF_ADDI && in->op <= SB_UDF_MULI) {
		c->val[d] = alu(in->op, c->val[d], sext(in->imm));
	} else if (is_load(in->op)) {
		uint64_t size = 1u << (in->op - SB_UDF_LD8);
		uint64_t addr = c->val[s] + sext(in->imm);
		if (c->known[s] && addr > SB_UDF_BLOCK_SIZE - size)
			return -SB_UDF_ESTATICLOAD;
		c->known[d] = false;
	} else if (in->op == SB_UDF_LOOP) {
		c->known[d] = false;
	} else if (in->op == SB_UDF_HALT) {
		memset(c->known, 0, sizeof(c->known));
	}
	return 0;
}

/* Pass 2: branches and static loads, in order, so that every branch to a
 * position has been seen (and marked it a join) before it is reached. */
static int pass2(const struct sb_udf_insn *prog, uint32_t ninsn, struct vstate *v, uint32_t *pc_out)
{
	uint32_t end[SB_UDF_MAX_DEPTH] = { 0 }; /* read only below n; zeroed for cppcheck */
	uint32_t n = 0;
	struct consts c;
	int err;

	/* Every register starts at 0. */
	memset(&c, 0, sizeof(c));
	for (unsigned r = 0; r < SB_UDF_NREGS; r++)
		c.known[r] = true;
	for (uint32_t pc = 0; pc < ninsn; pc++) {
		const struct sb_udf_insn *in = &prog[pc];

		*pc_out = pc;
		while (n > 0 && pc == end[n - 1])
			n--;
		if (is_join(v, pc))
			memset(c.known, 0, sizeof(c.known));
		if (is_branch(in->op)) {
			err = check_branch(in, pc, ninsn, n ? end[n - 1] : ninsn, v);
			if (err)
				return err;
		} else if (in->op == SB_UDF_LOOP) {
			end[n++] = pc + 1 + SB_UDF_LOOP_LEN(in->imm);
		}
		err = track(&c, in);
		if (err)
			return err;
	}
	return 0;
}

int sb_udf_verify(const struct sb_udf_insn *prog, uint32_t ninsn, struct sb_udf_info *info)
{
	struct sb_udf_info scratch;
	struct vstate v;
	uint32_t pc = 0;
	int err;

	if (!info)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	if (ninsn > SB_UDF_MAX_INSNS) {
		info->err_pc = SB_UDF_MAX_INSNS;
		return -SB_UDF_ETOOLONG;
	}
	memset(&v, 0, sizeof(v));
	err = pass1(prog, ninsn, &v, info, &pc);
	if (!err)
		err = pass2(prog, ninsn, &v, &pc);
	if (err) {
		memset(info, 0, sizeof(*info));
		info->err_pc = pc;
	}
	return err;
}

/* ------------------------------------------------------------- interpreter */

/* One open LOOP. */
struct frame {
	uint32_t body;	/* first instruction of the body */
	uint32_t end;	/* first instruction after it */
	uint32_t count; /* passes to make, 1..SB_UDF_MAX_LOOP */
	uint32_t index; /* current pass, 0..count-1 */
	uint8_t reg;	/* index register */
};

/*
 * Interpreter state. Invariant: pc <= limit() <= ninsn, where limit() is
 * the end of the innermost open body (ninsn when none): every transfer
 * below is checked against it, so prog[pc] is read only when pc < ninsn.
 */
struct vm {
	const struct sb_udf_insn *prog;
	uint32_t ninsn;
	const uint8_t *block;
	uint64_t *out;
	uint32_t cap; /* min(max_out, SB_UDF_MAX_OUT) */
	uint32_t nout;
	uint32_t pc;
	uint32_t steps;
	uint32_t depth;
	struct frame fr[SB_UDF_MAX_DEPTH];
	uint64_t r[SB_UDF_NREGS];
};

static uint32_t limit(const struct vm *vm)
{
	return vm->depth ? vm->fr[vm->depth - 1].end : vm->ninsn;
}

/* pc reached the end of one or more bodies: start their next pass or
 * close them. */
static void end_of_bodies(struct vm *vm)
{
	while (vm->depth > 0) {
		struct frame *f = &vm->fr[vm->depth - 1];

		if (vm->pc != f->end)
			return;
		if (++f->index == f->count) {
			vm->depth--;
			continue;
		}
		vm->r[f->reg] = f->index;
		vm->pc = f->body;
		return;
	}
}

static int run_load(struct vm *vm, const struct sb_udf_insn *in)
{
	uint64_t size = 1u << (in->op - SB_UDF_LD8);
	uint64_t addr = vm->r[in->src] + sext(in->imm);
	uint64_t v = 0;

	/* addr is unsigned: a "negative" address is huge and fails too. */
	if (addr > SB_UDF_BLOCK_SIZE - size)
		return -SB_UDF_ELOAD;
	for (uint64_t i = size; i-- > 0;)
		v = v << 8 | vm->block[addr + i];
	vm->r[in->dst] = v;
	vm->pc++;
	return 0;
}

static int run_branch(struct vm *vm, const struct sb_udf_insn *in)
{
	uint64_t t;

	if (in->imm <= 0)
		return -SB_UDF_EBACKWARD;
	t = (uint64_t)vm->pc + (uint64_t)in->imm;
	if (t > vm->ninsn)
		return -SB_UDF_EJUMPOUT;
	if (t > limit(vm))
		return -SB_UDF_EJUMPNEST;
	if (taken(in->op, vm->r[in->dst], vm->r[in->src]))
		vm->pc = (uint32_t)t;
	else
		vm->pc++;
	return 0;
}

static int run_loop(struct vm *vm, const struct sb_udf_insn *in)
{
	uint32_t bound = SB_UDF_LOOP_BOUND(in->imm);
	uint32_t len = SB_UDF_LOOP_LEN(in->imm);
	uint64_t n = vm->r[in->src];
	struct frame *f;

	if (bound == 0 || bound > SB_UDF_MAX_LOOP)
		return -SB_UDF_ELOOPBOUND;
	if (len == 0 || len > limit(vm) - vm->pc - 1)
		return -SB_UDF_ELOOPBODY;
	if (vm->depth == SB_UDF_MAX_DEPTH)
		return -SB_UDF_ELOOPDEPTH;
	if (n == 0) {
		vm->pc += 1 + len;
		return 0;
	}
	f = &vm->fr[vm->depth++];
	f->body = vm->pc + 1;
	f->end = vm->pc + 1 + len;
	f->count = n < bound ? (uint32_t)n : bound;
	f->index = 0;
	f->reg = in->dst;
	vm->r[in->dst] = 0;
	vm->pc++;
	return 0;
}

/* Output blocks start .. start+len-1. Nothing is written unless all fit. */
static int run_emit(struct vm *vm, uint64_t start, uint64_t len)
{
	if (len > 0 && start + (len - 1) < start)
		return -SB_UDF_EWRAP;
	if (len > vm->cap - vm->nout)
		return -SB_UDF_ETOOMANY;
	for (uint64_t i = 0; i < len; i++)
		vm->out[vm->nout++] = start + i;
	vm->pc++;
	return 0;
}

/* Execute prog[pc] (pc < ninsn). Returns 0 to go on, 1 on HALT, or an
 * error. */
static int step(struct vm *vm)
{
	const struct sb_udf_insn *in = &vm->prog[vm->pc];
	uint64_t *d, s;

	if (in->dst >= SB_UDF_NREGS || in->src >= SB_UDF_NREGS)
		return op_fields(in->op) ? -SB_UDF_EREG : -SB_UDF_EOPCODE;
	d = &vm->r[in->dst];
	s = vm->r[in->src];
	switch (in->op) {
	case SB_UDF_HALT:
		return 1;
	case SB_UDF_LDI:
		*d = sext(in->imm);
		break;
	case SB_UDF_MOV:
		*d = s;
		break;
	case SB_UDF_ADD ... SB_UDF_MUL:
		*d = alu(in->op, *d, s);
		break;
	case SB_UDF_ADDI ... SB_UDF_MULI:
		*d = alu(in->op, *d, sext(in->imm));
		break;
	case SB_UDF_LD8 ... SB_UDF_LD64:
		return run_load(vm, in);
	case SB_UDF_JA ... SB_UDF_JGE:
		return run_branch(vm, in);
	case SB_UDF_LOOP:
		return run_loop(vm, in);
	case SB_UDF_EMIT:
		return run_emit(vm, *d, 1);
	case SB_UDF_EMIT_RANGE:
		return run_emit(vm, *d, s);
	default:
		return -SB_UDF_EOPCODE;
	}
	vm->pc++;
	return 0;
}

static int run(struct vm *vm)
{
	if (vm->ninsn > SB_UDF_MAX_INSNS)
		return -SB_UDF_ETOOLONG;
	for (;;) {
		int err;

		end_of_bodies(vm);
		if (vm->pc >= vm->ninsn) /* implicit HALT; no body is open here */
			return 0;
		if (vm->steps == SB_UDF_MAX_STEPS)
			return -SB_UDF_ESTEPLIMIT;
		vm->steps++;
		err = step(vm);
		if (err)
			return err > 0 ? 0 : err;
	}
}

int sb_udf_run_steps(const struct sb_udf_insn *prog, uint32_t ninsn, const uint8_t *block,
		     uint64_t *out, uint32_t max_out, uint32_t *nout, uint32_t *steps)
{
	struct vm vm;
	int err;

	memset(&vm, 0, sizeof(vm));
	vm.prog = prog;
	vm.ninsn = ninsn;
	vm.block = block;
	vm.out = out;
	vm.cap = max_out < SB_UDF_MAX_OUT ? max_out : SB_UDF_MAX_OUT;
	err = run(&vm);
	*nout = err ? 0 : vm.nout;
	if (steps)
		*steps = vm.steps;
	return err;
}

int sb_udf_run(const struct sb_udf_insn *prog, uint32_t ninsn, const uint8_t *block, uint64_t *out,
	       uint32_t max_out, uint32_t *nout)
{
	return sb_udf_run_steps(prog, ninsn, block, out, max_out, nout, NULL);
}

/* ------------------------------------------------------------------- sets */

static void sift_down(uint64_t *a, uint64_t root, uint64_t n)
{
	for (;;) {
		uint64_t child = 2 * root + 1;
		uint64_t tmp;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
		root = child;
	}
}

void sb_udf_set_normalize(uint64_t *set, uint32_t *n)
{
	uint64_t len = *n;
	uint32_t k = 0;

	/* Heapsort: no recursion, no memory, O(n log n) whatever the input. */
	for (uint64_t i = len / 2; i-- > 0;)
		sift_down(set, i, len);
	for (uint64_t end = len; end > 1; end--) {
		uint64_t tmp = set[0];
		set[0] = set[end - 1];
		set[end - 1] = tmp;
		sift_down(set, 0, end - 1);
	}
	for (uint64_t i = 0; i < len; i++)
		if (k == 0 || set[i] != set[k - 1])
			set[k++] = set[i];
	*n = k;
}

static bool strictly_increasing(const uint64_t *set, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (set[i] <= set[i - 1])
			return false;
	return true;
}

int sb_udf_diff(const uint64_t *oldset, uint32_t nold, const uint64_t *newset, uint32_t nnew,
		uint64_t *appeared, uint32_t *na, uint64_t *gone, uint32_t *ng)
{
	uint32_t i = 0, j = 0;

	*na = *ng = 0;
	if (!strictly_increasing(oldset, nold) || !strictly_increasing(newset, nnew))
		return -SB_UDF_EUNSORTED;
	while (i < nold || j < nnew) {
		if (j == nnew || (i < nold && oldset[i] < newset[j]))
			gone[(*ng)++] = oldset[i++];
		else if (i == nold || newset[j] < oldset[i])
			appeared[(*na)++] = newset[j++];
		else
			i++, j++;
	}
	return 0;
}

const char *sb_udf_strerror(int err)
{
	static const char *const msgs[SB_UDF_NERRORS] = {
		[SB_UDF_OK] = "ok",
		[SB_UDF_ETOOLONG] = "program too long",
		[SB_UDF_EOPCODE] = "undefined opcode",
		[SB_UDF_EREG] = "bad register number",
		[SB_UDF_EFIELD] = "unused instruction field not zero",
		[SB_UDF_EBACKWARD] = "branch not forward",
		[SB_UDF_EJUMPOUT] = "branch past the end of the program",
		[SB_UDF_EJUMPNEST] = "branch leaves its loop body or enters another",
		[SB_UDF_ELOOPBOUND] = "loop bound 0 or too large",
		[SB_UDF_ELOOPBODY] = "loop body empty or not properly nested",
		[SB_UDF_ELOOPDEPTH] = "loops nested too deep",
		[SB_UDF_ESTEPS] = "worst-case step count too large",
		[SB_UDF_ESTATICLOAD] = "load outside the block (known address)",
		[SB_UDF_ELOAD] = "load outside the block",
		[SB_UDF_ETOOMANY] = "too many output blocks",
		[SB_UDF_EWRAP] = "extent wraps past the last block number",
		[SB_UDF_ESTEPLIMIT] = "step limit reached",
		[SB_UDF_EUNSORTED] = "set not sorted and duplicate-free",
	};

	/* Compare before negating: -INT_MIN does not exist. */
	if (err <= -SB_UDF_NERRORS || err >= SB_UDF_NERRORS)
		return "unknown UDF error";
	return msgs[err < 0 ? -err : err];
}

/* --------------------------------------------------- extent-directory UDF */

/*
 * The owns-UDF of an extent directory (udf.h). r0 is never written, so it
 * is 0 and the header loads have known addresses the verifier checks.
 *
 *   0  LD32  r1, [r0 + 0]       magic
 *   1  LDI   r2, SB_EXTDIR_MAGIC
 *   2  JNE   r1, r2, +8         not a directory: to the end (10), owns nothing
 *   3  LD32  r3, [r0 + 4]       count (untrusted)
 *   4  LOOP  r4, r3, 102, 5     r4 = i = 0 .. min(count, 102) - 1
 *   5  MOV   r5, r4
 *   6  MULI  r5, 40             r5 = 40 i: entry i is at 8 + 40 i
 *   7  LD64  r6, [r5 + 32]      start_block (8 + 24)
 *   8  LD32  r7, [r5 + 40]      nblocks (8 + 32)
 *   9  EMIT_RANGE r6, r7
 *
 * Worst case 4 + 1 + 102 * 5 = 515 steps; the last entry's nblocks ends at
 * byte 4084, inside the block whatever count says.
 */
/* clang-format off */
const struct sb_udf_insn sb_udf_extent_dir[] = {
	SB_UDF_I_LD(SB_UDF_LD32, 1, 0, offsetof(struct sb_extdir, magic)),
	SB_UDF_I_LDI(2, SB_EXTDIR_MAGIC),
	SB_UDF_I_JCC(SB_UDF_JNE, 1, 2, 8),
	SB_UDF_I_LD(SB_UDF_LD32, 3, 0, offsetof(struct sb_extdir, count)),
	SB_UDF_I_LOOP(4, 3, SB_EXTDIR_MAX, 5),
	SB_UDF_I_MOV(5, 4),
	SB_UDF_I_ALUI(SB_UDF_MUL, 5, sizeof(struct sb_extdir_entry)),
	SB_UDF_I_LD(SB_UDF_LD64, 6, 5, offsetof(struct sb_extdir, entry[0].start_block)),
	SB_UDF_I_LD(SB_UDF_LD32, 7, 5, offsetof(struct sb_extdir, entry[0].nblocks)),
	SB_UDF_I_EMIT_RANGE(6, 7),
};
/* clang-format on */
const uint32_t sb_udf_extent_dir_len = sizeof(sb_udf_extent_dir) / sizeof(sb_udf_extent_dir[0]);
