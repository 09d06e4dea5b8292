/*
 * exec.c - the emulator's core: fetch and decode through the VMM's
 * callbacks, operand addressing (segments, address-size wrap, canonical
 * checks), register access, the dispatch, and the data-movement
 * instructions. Read-modify-write instructions are in rmw.c, string and
 * port I/O in strio.c, the flag arithmetic in flags.c.
 *
 * Commit order is what keeps faults precise: an instruction computes
 * everything first, performs its one memory write (or compare-exchange)
 * next, and updates registers and RFLAGS only after that succeeded, so a
 * fault leaves the guest state as it was before the instruction.
 *
 * Source: AMD APM vol. 3 ch. 3 (general-purpose instruction reference);
 * Intel SDM vol. 2 ch. 3-4; address computation: AMD APM vol. 2 §2.2.
 */
#include <string.h>

#include "x86emu_impl.h"

void x86emu_fault_set(struct emu *e, uint8_t vec, bool has_ec, uint32_t ec)
{
	e->res->fault.vector = vec;
	e->res->fault.has_error_code = has_ec;
	e->res->fault.error_code = ec;
	e->res->fault.cr2 = 0;
}

static bool canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

int x86emu_linear(struct emu *e, unsigned seg, uint64_t off, unsigned size, uint64_t *la)
{
	struct x86emu_cpu *cpu = e->cpu;

	if (cpu->mode == X86EMU_MODE_LONG64) {
		uint64_t base = (seg == X86EMU_FS || seg == X86EMU_GS) ? cpu->seg_base[seg] : 0;
		*la = base + off;
		if (!canonical(*la) || !canonical(*la + size - 1)) {
			x86emu_fault_set(e, seg == X86EMU_SS ? X86EMU_VEC_SS : X86EMU_VEC_GP, true,
					 0);
			return -1;
		}
		return 0;
	}
	*la = (cpu->seg_base[seg] + off) & 0xffffffffu;
	return 0;
}

int x86emu_mem_read(struct emu *e, uint64_t la, void *buf, unsigned size)
{
	memset(&e->res->fault, 0, sizeof(e->res->fault));
	return e->ops->read(e->ctx, la, buf, size, 0, &e->res->fault) ? -1 : 0;
}

int x86emu_mem_write(struct emu *e, uint64_t la, const void *buf, unsigned size)
{
	memset(&e->res->fault, 0, sizeof(e->res->fault));
	return e->ops->write(e->ctx, la, buf, size, &e->res->fault) ? -1 : 0;
}

/* 8-bit registers 4-7 are AH, CH, DH, BH unless any REX is present. */
static bool high8(struct emu *e, unsigned reg, unsigned size)
{
	return size == 1 && reg >= 4 && reg < 8 && !(e->in->prefixes & X86EMU_P_REX);
}

uint64_t x86emu_reg_get(struct emu *e, unsigned reg, unsigned size)
{
	if (high8(e, reg, size))
		return (e->cpu->gpr[reg - 4] >> 8) & 0xff;
	return e->cpu->gpr[reg & 15] & x86emu_mask(size);
}

/* 32-bit writes zero the upper half; 8/16-bit writes keep the rest. */
void x86emu_reg_set(struct emu *e, unsigned reg, unsigned size, uint64_t v)
{
	uint64_t *r;

	if (high8(e, reg, size)) {
		r = &e->cpu->gpr[reg - 4];
		*r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
		return;
	}
	r = &e->cpu->gpr[reg & 15];
	if (size >= 4)
		*r = v & x86emu_mask(size);
	else
		*r = (*r & ~x86emu_mask(size)) | (v & x86emu_mask(size));
}

void x86emu_advance(struct emu *e)
{
	uint64_t rip = e->cpu->rip + e->in->len;

	if (e->cpu->mode == X86EMU_MODE_REAL || e->cpu->mode == X86EMU_MODE_PROT16)
		rip &= 0xffff;
	else if (e->cpu->mode == X86EMU_MODE_PROT32)
		rip &= 0xffffffffu;
	e->cpu->rip = rip;
}

static uint64_t ea_offset(struct emu *e, int64_t extra)
{
	const struct x86emu_insn *in = e->in;
	uint64_t off = (uint64_t)in->disp + (uint64_t)extra;

	if (in->base == X86EMU_RIP)
		off += e->cpu->rip + in->len;
	else if (in->base != X86EMU_NOREG)
		off += e->cpu->gpr[in->base];
	if (in->index != X86EMU_NOREG)
		off += e->cpu->gpr[in->index] * in->scale;
	return off & x86emu_mask(in->adsize);
}

static unsigned mem_seg(const struct x86emu_insn *in)
{
	return in->seg_override != X86EMU_NOSEG ? in->seg_override : in->def_seg;
}

/* The ModRM r/m operand; extra: a byte offset added to the effective
 * address (BT's bit-string addressing). */
int x86emu_rm_opnd(struct emu *e, unsigned size, int64_t extra, struct opnd *o)
{
	o->size = size;
	o->mem = e->in->mod != 3 || !e->in->has_modrm;
	if (!o->mem) {
		o->reg = e->in->rm;
		return 0;
	}
	return x86emu_linear(e, mem_seg(e->in), ea_offset(e, extra), size, &o->la);
}

int x86emu_opnd_read(struct emu *e, const struct opnd *o, uint64_t *v)
{
	uint8_t b[8];

	if (!o->mem) {
		*v = x86emu_reg_get(e, o->reg, o->size);
		return 0;
	}
	if (x86emu_mem_read(e, o->la, b, o->size))
		return -1;
	*v = x86emu_get_le(b, o->size);
	return 0;
}

int x86emu_opnd_write(struct emu *e, const struct opnd *o, uint64_t v)
{
	uint8_t b[8];

	if (!o->mem) {
		x86emu_reg_set(e, o->reg, o->size, v);
		return 0;
	}
	x86emu_put_le(b, v, o->size);
	return x86emu_mem_write(e, o->la, b, o->size);
}

enum x86emu_status x86emu_done(struct emu *e, enum x86emu_status st)
{
	if (st == X86EMU_OK)
		x86emu_advance(e);
	return st;
}

unsigned x86emu_bsize(const struct x86emu_insn *in)
{
	return (in->opcode & 1) ? in->opsize : 1;
}

static enum x86emu_status mov_to_rm(struct emu *e, unsigned size, uint64_t v)
{
	struct opnd d;

	if (x86emu_rm_opnd(e, size, 0, &d) || x86emu_opnd_write(e, &d, v))
		return X86EMU_FAULT;
	return x86emu_done(e, X86EMU_OK);
}

/* MOV/MOVZX/MOVSX/MOVSXD into ModRM.reg from an r/m of srcsize. */
static enum x86emu_status mov_to_reg(struct emu *e, unsigned dstsize, unsigned srcsize, bool sign)
{
	struct opnd s;
	uint64_t v;

	if (x86emu_rm_opnd(e, srcsize, 0, &s) || x86emu_opnd_read(e, &s, &v))
		return X86EMU_FAULT;
	if (sign)
		v = x86emu_sext(v, srcsize);
	x86emu_reg_set(e, e->in->reg, dstsize, v);
	return x86emu_done(e, X86EMU_OK);
}

static enum x86emu_status moffs(struct emu *e)
{
	const struct x86emu_insn *in = e->in;
	unsigned size = x86emu_bsize(in);
	struct opnd m = { .mem = true, .size = size };

	if (x86emu_linear(e, mem_seg(in), (uint64_t)in->disp & x86emu_mask(in->adsize), size,
			  &m.la))
		return X86EMU_FAULT;
	if (in->opcode <= 0xa1) {
		uint64_t v;
		if (x86emu_opnd_read(e, &m, &v))
			return X86EMU_FAULT;
		x86emu_reg_set(e, X86EMU_RAX, size, v);
		return x86emu_done(e, X86EMU_OK);
	}
	if (x86emu_opnd_write(e, &m, x86emu_reg_get(e, X86EMU_RAX, size)))
		return X86EMU_FAULT;
	return x86emu_done(e, X86EMU_OK);
}

static enum x86emu_status unsupported(struct emu *e)
{
	(void)e;
	return X86EMU_UNSUPPORTED;
}

static enum x86emu_status ud(struct emu *e)
{
	x86emu_fault_set(e, X86EMU_VEC_UD, false, 0);
	return X86EMU_FAULT;
}

static enum x86emu_status exec_0f(struct emu *e)
{
	const struct x86emu_insn *in = e->in;
	static const enum alu_op btop[4] = { ALU_CMP, ALU_OR, ALU_AND, ALU_XOR };
	uint8_t op = in->opcode;

	switch (op) {
	case 0x0b: /* UD2 */
	case 0xb9: /* UD1 */
	case 0xff: /* UD0 */
		return ud(e);
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb:
		return x86emu_bittest(e, btop[(op >> 3) & 3], false);
	case 0xba:
		return x86emu_bittest(e, btop[in->reg & 3], true);
	case 0xb0:
	case 0xb1:
		return x86emu_cmpxchg(e);
	case 0xc0:
	case 0xc1:
		return x86emu_xadd(e);
	case 0xb6:
	case 0xbe:
		return mov_to_reg(e, in->opsize, 1, op == 0xbe);
	case 0xb7:
	case 0xbf:
		return mov_to_reg(e, in->opsize, 2, op == 0xbf);
	case 0xc7:
		if ((in->reg & 7) == 1)
			return x86emu_cmpxchg8b(e);
		return unsupported(e);
	default:
		return unsupported(e);
	}
}

static enum x86emu_status exec_1b(struct emu *e)
{
	const struct x86emu_insn *in = e->in;
	uint8_t op = in->opcode;
	unsigned size = x86emu_bsize(in), r = in->reg & 7;
	bool m64 = in->mode == X86EMU_MODE_LONG64;

	if (op < 0x40 && (op & 7) < 6) {
		enum alu_op aop = (enum alu_op)(op >> 3);
		switch (op & 7) {
		case 0:
		case 1:
			return x86emu_alu_rm(e, aop, size, x86emu_reg_get(e, in->reg, size), false);
		case 2:
		case 3:
			return x86emu_alu_rm(e, aop, size, 0, true);
		default: {
			uint64_t fl = e->cpu->rflags;
			uint64_t v = x86emu_alu(aop, x86emu_reg_get(e, X86EMU_RAX, size),
						x86emu_sext(in->imm, in->imm_size), size, &fl);
			if (aop != ALU_CMP)
				x86emu_reg_set(e, X86EMU_RAX, size, v);
			e->cpu->rflags = fl;
			return x86emu_done(e, X86EMU_OK);
		}
		}
	}
	if (op >= 0x40 && op <= 0x4f) { /* INC/DEC r (not 64-bit: REX) */
		uint64_t fl = e->cpu->rflags;
		unsigned reg = op & 7;
		uint64_t v = x86emu_alu(op < 0x48 ? ALU_INC : ALU_DEC,
					x86emu_reg_get(e, reg, in->opsize), 0, in->opsize, &fl);
		x86emu_reg_set(e, reg, in->opsize, v);
		e->cpu->rflags = fl;
		return x86emu_done(e, X86EMU_OK);
	}
	if (op >= 0xb0 && op <= 0xbf) {
		unsigned reg = (op & 7) | ((in->rex & 1) << 3), sz = op < 0xb8 ? 1 : in->opsize;
		x86emu_reg_set(e, reg, sz, in->imm);
		return x86emu_done(e, X86EMU_OK);
	}
	if (op >= 0x90 && op <= 0x97) {
		unsigned reg = (op & 7) | ((in->rex & 1) << 3);
		if (reg == 0) /* NOP, PAUSE */
			return x86emu_done(e, X86EMU_OK);
		struct x86emu_insn tmp = *in; /* reuse the r/m path: r/m = rAX */
		const struct x86emu_insn *saved = e->in;
		enum x86emu_status st;
		tmp.mod = 3;
		tmp.rm = X86EMU_RAX;
		tmp.has_modrm = true;
		e->in = &tmp;
		st = x86emu_xchg(e, in->opsize, reg);
		e->in = saved;
		return st;
	}
	switch (op) {
	case 0x63:
		if (!m64)
			return unsupported(e); /* ARPL */
		return mov_to_reg(e, in->opsize, in->opsize == 2 ? 2 : 4, in->opsize == 8);
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83:
		return x86emu_alu_rm(e, (enum alu_op)r, size, x86emu_sext(in->imm, in->imm_size),
				     false);
	case 0x84:
	case 0x85:
		return x86emu_alu_rm(e, ALU_TEST, size, x86emu_reg_get(e, in->reg, size), false);
	case 0x86:
	case 0x87:
		return x86emu_xchg(e, size, in->reg);
	case 0x88:
	case 0x89:
		return mov_to_rm(e, size, x86emu_reg_get(e, in->reg, size));
	case 0x8a:
	case 0x8b:
		return mov_to_reg(e, size, size, false);
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		return moffs(e);
	case 0xa8:
	case 0xa9: {
		uint64_t fl = e->cpu->rflags;
		x86emu_alu(ALU_TEST, x86emu_reg_get(e, X86EMU_RAX, size),
			   x86emu_sext(in->imm, in->imm_size), size, &fl);
		e->cpu->rflags = fl;
		return x86emu_done(e, X86EMU_OK);
	}
	case 0xc6:
	case 0xc7:
		if (r != 0)
			return unsupported(e); /* XABORT, XBEGIN */
		return mov_to_rm(e, size, x86emu_sext(in->imm, in->imm_size));
	case 0xf6:
	case 0xf7:
		if (r <= 1)
			return x86emu_alu_rm(e, ALU_TEST, size, x86emu_sext(in->imm, in->imm_size),
					     false);
		if (r == 2 || r == 3)
			return x86emu_alu_rm(e, r == 2 ? ALU_NOT : ALU_NEG, size, 0, false);
		return unsupported(e);
	case 0xfe:
	case 0xff:
		if (r <= 1)
			return x86emu_alu_rm(e, r == 0 ? ALU_INC : ALU_DEC, size, 0, false);
		return unsupported(e);
	default:
		return unsupported(e);
	}
}

enum x86emu_status x86emu_fetch_decode(const struct x86emu_cpu *cpu, const struct x86emu_ops *ops,
				       void *ctx, struct x86emu_result *res)
{
	uint64_t la, ip = cpu->rip;
	size_t n;
	enum x86emu_status st;

	memset(res, 0, sizeof(*res));
	res->rip = cpu->rip;
	if (cpu->mode == X86EMU_MODE_LONG64) {
		la = ip;
		if (!canonical(la))
			goto gp;
	} else {
		ip &= cpu->mode == X86EMU_MODE_PROT32 ? 0xffffffffu : 0xffffu;
		la = (cpu->seg_base[X86EMU_CS] + ip) & 0xffffffffu;
	}
	/* This page first: a short instruction at a page's end must not
	 * fault on the next page. */
	n = 4096 - (la & 4095);
	if (n > X86EMU_MAX_LEN)
		n = X86EMU_MAX_LEN;
	if (ops->read(ctx, la, res->bytes, n, X86EMU_ACC_FETCH, &res->fault))
		goto fault;
	res->nbytes = (uint8_t)n;
	st = x86emu_decode(res->bytes, n, cpu->mode, &res->insn, &res->fault);
	if (st == X86EMU_TRUNCATED) {
		uint64_t la2 = la + n;
		if (cpu->mode == X86EMU_MODE_LONG64 && !canonical(la2))
			goto gp;
		if (cpu->mode != X86EMU_MODE_LONG64)
			la2 &= 0xffffffffu;
		if (ops->read(ctx, la2, res->bytes + n, X86EMU_MAX_LEN - n, X86EMU_ACC_FETCH,
			      &res->fault))
			goto fault;
		res->nbytes = X86EMU_MAX_LEN;
		st = x86emu_decode(res->bytes, X86EMU_MAX_LEN, cpu->mode, &res->insn, &res->fault);
	}
	if (st == X86EMU_OK || st == X86EMU_FAULT || st == X86EMU_UNSUPPORTED) {
		if (st == X86EMU_OK)
			res->nbytes = res->insn.len;
		res->status = st;
		return st;
	}
	res->status = X86EMU_UNSUPPORTED; /* cannot happen with 15 bytes */
	return res->status;
gp:
	res->fault.vector = X86EMU_VEC_GP;
	res->fault.has_error_code = true;
	res->fault.error_code = 0;
fault:
	res->status = X86EMU_FAULT;
	return X86EMU_FAULT;
}

enum x86emu_status x86emu_step(struct x86emu_cpu *cpu, const struct x86emu_ops *ops, void *ctx,
			       struct x86emu_result *res)
{
	struct emu e = { .cpu = cpu, .ops = ops, .ctx = ctx, .res = res, .in = &res->insn };
	enum x86emu_status st;

	st = x86emu_fetch_decode(cpu, ops, ctx, res);
	if (st != X86EMU_OK)
		return st;
	if (!x86emu_lock_ok(&res->insn)) {
		st = ud(&e);
	} else if (res->insn.prefixes & X86EMU_P_VEX) {
		st = X86EMU_UNSUPPORTED;
	} else if (x86emu_is_string(&res->insn)) {
		st = x86emu_exec_string(&e);
	} else if (x86emu_is_io(&res->insn)) {
		st = x86emu_exec_io(&e);
	} else if (res->insn.map == X86EMU_MAP_1B) {
		st = exec_1b(&e);
	} else if (res->insn.map == X86EMU_MAP_0F) {
		st = exec_0f(&e);
	} else {
		st = X86EMU_UNSUPPORTED;
	}
	res->status = st;
	return st;
}
