/*
 * rmw.c - the read-modify-write instructions: the ALU group with a memory
 * destination, XCHG, XADD, CMPXCHG, CMPXCHG8B/16B and BT/BTS/BTR/BTC.
 *
 * All of them go through rmw(): read the destination, compute the new
 * value and flags, then store it. A LOCK-prefixed (or, for XCHG,
 * implicitly locked) update of memory uses the VMM's cmpxchg callback when
 * there is one, so the store happens only if memory still holds what was
 * read; otherwise the computation is redone, at most X86EMU_LOCK_TRIES
 * times. Registers and RFLAGS change only after the store succeeded.
 *
 * Source: AMD APM vol. 3 ch. 3 (ADD ... XOR, BT*, CMPXCHG*, XADD, XCHG),
 * §1.2.5 (LOCK); Intel SDM vol. 2 ch. 3-4.
 */
#include <string.h>

#include "x86emu_impl.h"

/* Read-modify-write of a destination. fn computes the new value and the
 * flags from the old value; store = false for CMP/TEST/BT. A LOCKed (or
 * implicitly locked) memory update goes through ops->cmpxchg when the VMM
 * has one, retrying when another writer got in between. */
struct rmw_arg {
	enum alu_op op;
	uint64_t src;
	uint64_t acc; /* CMPXCHG: the accumulator */
	uint64_t bit; /* BT*: the bit's mask */
	uint64_t out; /* the value stored */
	bool eq;      /* CMPXCHG: compare succeeded */
};
typedef uint64_t (*rmw_fn)(uint64_t old, uint64_t *fl, struct rmw_arg *a, unsigned size);

static enum x86emu_status rmw(struct emu *e, const struct opnd *d, rmw_fn fn, struct rmw_arg *a,
			      bool store, bool implicit_lock, uint64_t *oldp)
{
	bool atomic = d->mem && store && e->ops->cmpxchg &&
		      (implicit_lock || (e->in->prefixes & X86EMU_P_LOCK));

	for (unsigned tries = 0;; tries++) {
		uint64_t old, fl = e->cpu->rflags, nv;
		uint8_t ob[8], nb[8];

		if (x86emu_opnd_read(e, d, &old))
			return X86EMU_FAULT;
		nv = fn(old, &fl, a, d->size);
		a->out = nv;
		if (store && atomic) {
			x86emu_put_le(ob, old, d->size);
			x86emu_put_le(nb, nv, d->size);
			memset(&e->res->fault, 0, sizeof(e->res->fault));
			if (e->ops->cmpxchg(e->ctx, d->la, ob, nb, d->size, &e->res->fault))
				return X86EMU_FAULT;
			if (x86emu_get_le(ob, d->size) != old) {
				if (tries + 1 >= X86EMU_LOCK_TRIES)
					return X86EMU_RETRY;
				continue;
			}
		} else if (store && x86emu_opnd_write(e, d, nv)) {
			return X86EMU_FAULT;
		}
		e->cpu->rflags = fl;
		if (oldp)
			*oldp = old;
		return X86EMU_OK;
	}
}

static uint64_t fn_alu(uint64_t old, uint64_t *fl, struct rmw_arg *a, unsigned size)
{
	return x86emu_alu(a->op, old, a->src, size, fl);
}

static uint64_t fn_xchg(uint64_t old, uint64_t *fl, struct rmw_arg *a, unsigned size)
{
	(void)old, (void)fl, (void)size;
	return a->src;
}

static uint64_t fn_xadd(uint64_t old, uint64_t *fl, struct rmw_arg *a, unsigned size)
{
	return x86emu_alu(ALU_ADD, old, a->src, size, fl);
}

static uint64_t fn_cmpxchg(uint64_t old, uint64_t *fl, struct rmw_arg *a, unsigned size)
{
	x86emu_alu(ALU_CMP, a->acc, old, size, fl);
	a->eq = (*fl & X86EMU_ZF) != 0;
	return a->eq ? a->src : old;
}

static uint64_t fn_bt(uint64_t old, uint64_t *fl, struct rmw_arg *a, unsigned size)
{
	(void)size;
	*fl = (*fl & ~(uint64_t)X86EMU_CF) | ((old & a->bit) ? X86EMU_CF : 0);
	switch (a->op) {
	case ALU_OR: /* BTS */
		return old | a->bit;
	case ALU_AND: /* BTR */
		return old & ~a->bit;
	case ALU_XOR: /* BTC */
		return old ^ a->bit;
	default: /* BT */
		return old;
	}
}

/* ALU op with r/m destination (or register destination when to_reg). */
enum x86emu_status x86emu_alu_rm(struct emu *e, enum alu_op op, unsigned size, uint64_t src,
				 bool to_reg)
{
	struct rmw_arg a = { .op = op, .src = src };
	struct opnd d;
	bool store = op != ALU_CMP && op != ALU_TEST;

	if (to_reg) {
		/* reg = reg op r/m: read r/m first (it may fault). */
		struct opnd s;
		uint64_t v, fl = e->cpu->rflags, r;
		if (x86emu_rm_opnd(e, size, 0, &s) || x86emu_opnd_read(e, &s, &v))
			return X86EMU_FAULT;
		r = x86emu_alu(op, x86emu_reg_get(e, e->in->reg, size), v, size, &fl);
		if (store)
			x86emu_reg_set(e, e->in->reg, size, r);
		e->cpu->rflags = fl;
		return x86emu_done(e, X86EMU_OK);
	}
	if (x86emu_rm_opnd(e, size, 0, &d))
		return X86EMU_FAULT;
	return x86emu_done(e, rmw(e, &d, fn_alu, &a, store, false, NULL));
}

enum x86emu_status x86emu_xchg(struct emu *e, unsigned size, unsigned reg)
{
	struct rmw_arg a = { .src = x86emu_reg_get(e, reg, size) };
	struct opnd d;
	uint64_t old;
	enum x86emu_status st;

	if (x86emu_rm_opnd(e, size, 0, &d))
		return X86EMU_FAULT;
	st = rmw(e, &d, fn_xchg, &a, true, true, &old);
	if (st == X86EMU_OK)
		x86emu_reg_set(e, reg, size, old);
	return x86emu_done(e, st);
}

enum x86emu_status x86emu_xadd(struct emu *e)
{
	unsigned size = x86emu_bsize(e->in);
	struct rmw_arg a = { .src = x86emu_reg_get(e, e->in->reg, size) };
	struct opnd d;
	uint64_t old;
	enum x86emu_status st;

	if (x86emu_rm_opnd(e, size, 0, &d))
		return X86EMU_FAULT;
	st = rmw(e, &d, fn_xadd, &a, true, false, &old);
	if (st == X86EMU_OK) {
		x86emu_reg_set(e, e->in->reg, size, old);
		if (!d.mem) /* DEST is written last: XADD r, r keeps the sum */
			x86emu_reg_set(e, d.reg, size, a.out);
	}
	return x86emu_done(e, st);
}

enum x86emu_status x86emu_cmpxchg(struct emu *e)
{
	unsigned size = x86emu_bsize(e->in);
	struct rmw_arg a = { .src = x86emu_reg_get(e, e->in->reg, size),
			     .acc = x86emu_reg_get(e, X86EMU_RAX, size) };
	struct opnd d;
	uint64_t old;
	enum x86emu_status st;

	if (x86emu_rm_opnd(e, size, 0, &d))
		return X86EMU_FAULT;
	/* The destination is always written (with its own value on a
	 * mismatch), as the processor does. */
	st = rmw(e, &d, fn_cmpxchg, &a, true, false, &old);
	if (st == X86EMU_OK && !a.eq)
		x86emu_reg_set(e, X86EMU_RAX, size, old);
	return x86emu_done(e, st);
}

/* CMPXCHG8B / CMPXCHG16B m64/m128 (0F C7 /1). */
enum x86emu_status x86emu_cmpxchg8b(struct emu *e)
{
	unsigned half = e->in->opsize == 8 ? 8 : 4, size = 2 * half;
	struct x86emu_cpu *cpu = e->cpu;
	uint8_t cur[16], exp[16], nv[16];
	struct opnd d;
	bool eq;

	if (e->in->mod == 3) {
		x86emu_fault_set(e, X86EMU_VEC_UD, false, 0);
		return X86EMU_FAULT;
	}
	if (x86emu_rm_opnd(e, size, 0, &d))
		return X86EMU_FAULT;
	if (size == 16 && (d.la & 15)) {
		x86emu_fault_set(e, X86EMU_VEC_GP, true, 0);
		return X86EMU_FAULT;
	}
	x86emu_put_le(exp, cpu->gpr[X86EMU_RAX], half);
	x86emu_put_le(exp + half, cpu->gpr[X86EMU_RDX], half);
	x86emu_put_le(nv, cpu->gpr[X86EMU_RBX], half);
	x86emu_put_le(nv + half, cpu->gpr[X86EMU_RCX], half);
	memcpy(cur, exp, size);
	if (e->ops->cmpxchg && (e->in->prefixes & X86EMU_P_LOCK)) {
		memset(&e->res->fault, 0, sizeof(e->res->fault));
		if (e->ops->cmpxchg(e->ctx, d.la, cur, nv, size, &e->res->fault))
			return X86EMU_FAULT;
		eq = memcmp(cur, exp, size) == 0;
	} else {
		if (x86emu_mem_read(e, d.la, cur, size))
			return X86EMU_FAULT;
		eq = memcmp(cur, exp, size) == 0;
		if (x86emu_mem_write(e, d.la, eq ? nv : cur, size))
			return X86EMU_FAULT;
	}
	if (eq) {
		cpu->rflags |= X86EMU_ZF;
	} else {
		cpu->rflags &= ~(uint64_t)X86EMU_ZF;
		x86emu_reg_set(e, X86EMU_RAX, half, x86emu_get_le(cur, half));
		x86emu_reg_set(e, X86EMU_RDX, half, x86emu_get_le(cur + half, half));
	}
	return x86emu_done(e, X86EMU_OK);
}

/* BT/BTS/BTR/BTC. imm: the 0F BA form (offset taken modulo the operand
 * width); otherwise a register offset, which for a memory operand selects
 * any bit of a bit string starting at the effective address. */
enum x86emu_status x86emu_bittest(struct emu *e, enum alu_op op, bool imm)
{
	const struct x86emu_insn *in = e->in;
	unsigned size = in->opsize, bits = 8 * size;
	struct rmw_arg a = { .op = op };
	int64_t off, extra = 0;
	struct opnd d;

	if (imm)
		off = (int64_t)(in->imm & (bits - 1));
	else
		off = (int64_t)x86emu_sext(x86emu_reg_get(e, in->reg, size), size);
	if (in->mod != 3 && !imm) {
		/* floor division: negative offsets reach below the address */
		int64_t word = off >= 0 ? off / bits : -((-off + bits - 1) / (int64_t)bits);
		extra = word * (int64_t)size;
		off -= word * (int64_t)bits;
	}
	a.bit = 1ull << ((uint64_t)off & (bits - 1));
	if (x86emu_rm_opnd(e, size, extra, &d))
		return X86EMU_FAULT;
	return x86emu_done(e, rmw(e, &d, fn_bt, &a, op != ALU_CMP, false, NULL));
}
