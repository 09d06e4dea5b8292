/*
 * strio.c - string instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS)
 * with their REP/REPE/REPNE forms, and port I/O (IN, OUT).
 *
 * A REP instruction runs up to X86EMU_REP_BOUND iterations per call. Each
 * iteration commits RSI/RDI/RCX before the next one starts, so a fault in
 * iteration k leaves the first k-1 done and RIP on the instruction, which
 * is how the processor reports it too; the guest handles the fault and
 * re-executes the instruction for the rest. When the bound is reached the
 * call returns X86EMU_RETRY, RIP unchanged. The counter and index
 * registers are used and updated at the address size (CX/ECX/RCX); F2 on
 * MOVS/STOS/LODS/INS/OUTS acts as REP.
 *
 * Port I/O outside real mode requires CPL <= IOPL, else #GP(0); the TSS
 * I/O permission bitmap is not consulted (the VMM's intercept bitmap
 * already decided the port reaches it).
 *
 * Source: AMD APM vol. 3 §3 (MOVS, CMPS, ..., IN, OUT, REP), vol. 2 §13.3
 * (I/O privilege); Intel SDM vol. 2 ch. 4, vol. 1 §19.5.
 */
#include "x86emu_impl.h"

bool x86emu_is_string(const struct x86emu_insn *in)
{
	uint8_t op = in->opcode;

	return in->map == X86EMU_MAP_1B &&
	       ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
		(op >= 0x6c && op <= 0x6f));
}

bool x86emu_is_io(const struct x86emu_insn *in)
{
	uint8_t op = in->opcode;

	return in->map == X86EMU_MAP_1B &&
	       ((op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef));
}

static int io_allowed(struct emu *e)
{
	unsigned iopl = (unsigned)(e->cpu->rflags & X86EMU_IOPL) >> 12;

	if (e->cpu->mode != X86EMU_MODE_REAL && e->cpu->cpl > iopl) {
		x86emu_fault_set(e, X86EMU_VEC_GP, true, 0);
		return -1;
	}
	return 0;
}

/* Read or write size bytes at seg:reg (reg = RSI or RDI at address size). */
static int str_read(struct emu *e, unsigned seg, unsigned reg, unsigned size, uint64_t *v)
{
	uint8_t b[8];
	uint64_t la;

	if (x86emu_linear(e, seg, x86emu_reg_get(e, reg, e->in->adsize), size, &la) ||
	    x86emu_mem_read(e, la, b, size))
		return -1;
	*v = x86emu_get_le(b, size);
	return 0;
}

static int str_write(struct emu *e, unsigned reg, unsigned size, uint64_t v)
{
	uint8_t b[8];
	uint64_t la;

	x86emu_put_le(b, v, size);
	if (x86emu_linear(e, X86EMU_ES, x86emu_reg_get(e, reg, e->in->adsize), size, &la) ||
	    x86emu_mem_write(e, la, b, size))
		return -1;
	return 0;
}

static void bump(struct emu *e, unsigned reg, int64_t delta)
{
	unsigned as = e->in->adsize;

	x86emu_reg_set(e, reg, as, x86emu_reg_get(e, reg, as) + (uint64_t)delta);
}

/* One iteration; on success the index registers have moved. */
static int iterate(struct emu *e, unsigned size, int64_t delta)
{
	const struct x86emu_insn *in = e->in;
	unsigned src = in->seg_override != X86EMU_NOSEG ? in->seg_override : X86EMU_DS;
	uint16_t port = (uint16_t)e->cpu->gpr[X86EMU_RDX];
	uint64_t a, b, fl;
	uint32_t v32;

	switch (in->opcode & ~1) {
	case 0xa4: /* MOVS */
		if (str_read(e, src, X86EMU_RSI, size, &a) || str_write(e, X86EMU_RDI, size, a))
			return -1;
		bump(e, X86EMU_RSI, delta);
		bump(e, X86EMU_RDI, delta);
		return 0;
	case 0xa6: /* CMPS: flags of [rSI] - [rDI] */
		if (str_read(e, src, X86EMU_RSI, size, &a) ||
		    str_read(e, X86EMU_ES, X86EMU_RDI, size, &b))
			return -1;
		fl = e->cpu->rflags;
		x86emu_alu(ALU_CMP, a, b, size, &fl);
		e->cpu->rflags = fl;
		bump(e, X86EMU_RSI, delta);
		bump(e, X86EMU_RDI, delta);
		return 0;
	case 0xaa: /* STOS */
		if (str_write(e, X86EMU_RDI, size, x86emu_reg_get(e, X86EMU_RAX, size)))
			return -1;
		bump(e, X86EMU_RDI, delta);
		return 0;
	case 0xac: /* LODS */
		if (str_read(e, src, X86EMU_RSI, size, &a))
			return -1;
		x86emu_reg_set(e, X86EMU_RAX, size, a);
		bump(e, X86EMU_RSI, delta);
		return 0;
	case 0xae: /* SCAS: flags of rAX - [rDI] */
		if (str_read(e, X86EMU_ES, X86EMU_RDI, size, &b))
			return -1;
		fl = e->cpu->rflags;
		x86emu_alu(ALU_CMP, x86emu_reg_get(e, X86EMU_RAX, size), b, size, &fl);
		e->cpu->rflags = fl;
		bump(e, X86EMU_RDI, delta);
		return 0;
	case 0x6c: { /* INS: check the destination's address first */
		uint64_t la;
		if (x86emu_linear(e, X86EMU_ES, x86emu_reg_get(e, X86EMU_RDI, in->adsize), size,
				  &la))
			return -1;
		v32 = 0;
		if (e->ops->io_in(e->ctx, port, size, &v32, &e->res->fault) ||
		    str_write(e, X86EMU_RDI, size, v32))
			return -1;
		bump(e, X86EMU_RDI, delta);
		return 0;
	}
	default: /* 0x6e OUTS */
		if (str_read(e, src, X86EMU_RSI, size, &a) ||
		    e->ops->io_out(e->ctx, port, size, (uint32_t)a, &e->res->fault))
			return -1;
		bump(e, X86EMU_RSI, delta);
		return 0;
	}
}

enum x86emu_status x86emu_exec_string(struct emu *e)
{
	const struct x86emu_insn *in = e->in;
	uint8_t op = in->opcode;
	bool io = op <= 0x6f, cmp = (op & ~1) == 0xa6 || (op & ~1) == 0xae;
	unsigned size = (op & 1) ? (io && in->opsize == 8 ? 4 : in->opsize) : 1;
	bool rep = (in->prefixes & (X86EMU_P_REP | X86EMU_P_REPNE)) != 0;
	int64_t delta = (e->cpu->rflags & X86EMU_DF) ? -(int64_t)size : (int64_t)size;
	unsigned as = in->adsize;

	if (io && (!e->ops->io_in || !e->ops->io_out))
		return X86EMU_UNSUPPORTED;
	if (io && io_allowed(e))
		return X86EMU_FAULT;
	for (unsigned n = 0;; n++) {
		uint64_t cnt = x86emu_reg_get(e, X86EMU_RCX, as);
		if (rep && cnt == 0)
			break;
		if (rep && n == X86EMU_REP_BOUND)
			return X86EMU_RETRY;
		if (iterate(e, size, delta))
			return X86EMU_FAULT;
		if (!rep)
			break;
		x86emu_reg_set(e, X86EMU_RCX, as, cnt - 1);
		if (cmp) {
			bool zf = (e->cpu->rflags & X86EMU_ZF) != 0;
			if ((in->prefixes & X86EMU_P_REP) ? !zf : zf)
				break;
		}
	}
	x86emu_advance(e);
	return X86EMU_OK;
}

enum x86emu_status x86emu_exec_io(struct emu *e)
{
	const struct x86emu_insn *in = e->in;
	uint8_t op = in->opcode;
	unsigned size = (op & 1) ? (in->opsize == 2 ? 2 : 4) : 1;
	uint16_t port = op >= 0xec ? (uint16_t)e->cpu->gpr[X86EMU_RDX] : (uint16_t)in->imm;
	bool out = (op & 2) != 0;
	uint32_t v = 0;

	if (!e->ops->io_in || !e->ops->io_out)
		return X86EMU_UNSUPPORTED;
	if (io_allowed(e))
		return X86EMU_FAULT;
	if (out) {
		if (e->ops->io_out(e->ctx, port, size,
				   (uint32_t)x86emu_reg_get(e, X86EMU_RAX, size), &e->res->fault))
			return X86EMU_FAULT;
	} else {
		if (e->ops->io_in(e->ctx, port, size, &v, &e->res->fault))
			return X86EMU_FAULT;
		x86emu_reg_set(e, X86EMU_RAX, size, v);
	}
	x86emu_advance(e);
	return X86EMU_OK;
}
