/*
 * decode.c - x86 instruction decoder: prefixes, REX, VEX/XOP/EVEX, the
 * opcode maps, ModRM/SIB/displacement and immediates.
 *
 * The decoder's first job is the length of any instruction the CPU would
 * accept (the VMM needs it after every intercept, since QEMU's SVM saves
 * no next RIP); its second is the operand description the emulator uses
 * (exec.c). It reads at most 15 bytes and never more than it was given.
 *
 * Source: AMD APM vol. 3 ch. 1 (legacy prefixes §1.2, REX §1.2.7, ModRM
 * and SIB §1.4, 16-bit addressing table 1-12), ch. 1.8/appendix A (VEX
 * and XOP); Intel SDM vol. 2 ch. 2 (tables 2-1 to 2-3, VEX §2.3, EVEX
 * §2.7).
 */
#include <string.h>

#include "x86emu_impl.h"

struct dec {
	const uint8_t *b;
	size_t avail;
	unsigned pos;
	struct x86emu_insn *in;
	struct x86emu_fault *fault;
	enum x86emu_status st;
};

/* Make sure n more bytes exist; the 15-byte limit comes first, so an
 * over-long instruction is #GP(0) however many bytes the caller has. */
static bool need(struct dec *d, unsigned n)
{
	if (d->pos + n > X86EMU_MAX_LEN) {
		d->st = X86EMU_FAULT;
		if (d->fault) {
			d->fault->vector = X86EMU_VEC_GP;
			d->fault->has_error_code = true;
			d->fault->error_code = 0;
			d->fault->cr2 = 0;
		}
		return false;
	}
	if (d->pos + n > d->avail) {
		d->st = X86EMU_TRUNCATED;
		return false;
	}
	return true;
}

static uint64_t take(struct dec *d, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)d->b[d->pos + i] << (8 * i);
	d->pos += n;
	return v;
}

static enum x86emu_status ud(struct dec *d)
{
	d->st = X86EMU_FAULT;
	if (d->fault) {
		d->fault->vector = X86EMU_VEC_UD;
		d->fault->has_error_code = false;
		d->fault->error_code = 0;
		d->fault->cr2 = 0;
	}
	return d->st;
}

/* The 16-bit addressing forms, AMD APM vol. 3 table 1-12. */
static const uint8_t base16[8] = { X86EMU_RBX, X86EMU_RBX, X86EMU_RBP, X86EMU_RBP,
				   X86EMU_RSI, X86EMU_RDI, X86EMU_RBP, X86EMU_RBX };
static const uint8_t index16[8] = { X86EMU_RSI,	  X86EMU_RDI,	X86EMU_RSI,   X86EMU_RDI,
				    X86EMU_NOREG, X86EMU_NOREG, X86EMU_NOREG, X86EMU_NOREG };

/* ModRM, SIB and displacement. regonly: MOV CRn/DRn, which treat any mod
 * as 11b. */
static bool modrm(struct dec *d, bool regonly)
{
	struct x86emu_insn *in = d->in;
	unsigned rexr = (in->rex >> 2) & 1, rexx = (in->rex >> 1) & 1, rexb = in->rex & 1;

	if (!need(d, 1))
		return false;
	in->has_modrm = true;
	in->modrm = (uint8_t)take(d, 1);
	in->mod = in->modrm >> 6;
	in->reg = (uint8_t)(((in->modrm >> 3) & 7) | (rexr << 3));
	in->rm = (uint8_t)((in->modrm & 7) | (rexb << 3));
	if (regonly)
		in->mod = 3;
	if (in->mod == 3)
		return true;

	unsigned rm = in->modrm & 7, dsize = 0;
	in->has_mem = true;
	in->scale = 1;
	in->base = X86EMU_NOREG;
	in->index = X86EMU_NOREG;
	in->def_seg = X86EMU_DS;
	if (in->adsize == 2) {
		if (in->mod == 0 && rm == 6) {
			dsize = 2;
		} else {
			in->base = base16[rm];
			in->index = index16[rm];
			dsize = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
		}
		if (in->base == X86EMU_RBP)
			in->def_seg = X86EMU_SS;
	} else {
		if (rm == 4) {
			if (!need(d, 1))
				return false;
			in->has_sib = true;
			in->sib = (uint8_t)take(d, 1);
			unsigned idx = ((in->sib >> 3) & 7) | (rexx << 3);
			unsigned base = in->sib & 7;
			in->scale = (uint8_t)(1u << (in->sib >> 6));
			if (idx != 4)
				in->index = (uint8_t)idx;
			if (base == 5 && in->mod == 0)
				dsize = 4;
			else
				in->base = (uint8_t)(base | (rexb << 3));
		} else if (rm == 5 && in->mod == 0) {
			dsize = 4;
			if (in->mode == X86EMU_MODE_LONG64)
				in->base = X86EMU_RIP;
		} else {
			in->base = in->rm;
		}
		if (in->mod == 1)
			dsize = 1;
		else if (in->mod == 2)
			dsize = 4;
		if (in->base == X86EMU_RSP || in->base == X86EMU_RBP)
			in->def_seg = X86EMU_SS;
	}
	if (dsize) {
		if (!need(d, dsize))
			return false;
		in->disp_size = (uint8_t)dsize;
		in->disp = (int64_t)x86emu_sext(take(d, dsize), dsize);
	}
	return true;
}

static bool imm(struct dec *d, unsigned size, unsigned size2)
{
	struct x86emu_insn *in = d->in;

	if (!need(d, size + size2))
		return false;
	in->imm_size = (uint8_t)size;
	in->imm = take(d, size);
	in->imm2_size = (uint8_t)size2;
	in->imm2 = take(d, size2);
	return true;
}

/* Operand size for opcodes that default to 64 bits in 64-bit mode (stack
 * operations, near branches); AMD honours 66 on them, so do we. */
static bool default64(const struct x86emu_insn *in)
{
	uint8_t op = in->opcode;

	if (in->map == X86EMU_MAP_1B)
		return (op >= 0x50 && op <= 0x5f) || op == 0x68 || op == 0x6a ||
		       (op >= 0x70 && op <= 0x7f) || op == 0x8f || op == 0x9c || op == 0x9d ||
		       op == 0xc2 || op == 0xc3 || op == 0xc8 || op == 0xc9 ||
		       (op >= 0xe0 && op <= 0xe3) || op == 0xe8 || op == 0xe9 || op == 0xeb ||
		       (op == 0xff && (in->reg & 7) != 0 && (in->reg & 7) != 1 &&
			(in->reg & 7) != 3 && (in->reg & 7) != 5);
	if (in->map == X86EMU_MAP_0F)
		return (op >= 0x80 && op <= 0x8f) || op == 0xa0 || op == 0xa1 || op == 0xa8 ||
		       op == 0xa9;
	return false;
}

/* VEX (C4/C5), XOP (8F) and EVEX (62): payload, opcode, ModRM, immediate. */
static enum x86emu_status vexlike(struct dec *d, uint8_t esc)
{
	struct x86emu_insn *in = d->in;
	unsigned map, immsz = 0;
	uint8_t p0, p1 = 0, p2;

	if (in->prefixes & (X86EMU_P_LOCK | X86EMU_P_OPSIZE | X86EMU_P_REP | X86EMU_P_REPNE) ||
	    in->rex)
		return ud(d);
	in->prefixes |= X86EMU_P_VEX;
	if (esc == 0xc5) {
		if (!need(d, 2))
			return d->st;
		p0 = (uint8_t)take(d, 1);
		in->rex = (uint8_t)(0x40 | (((p0 >> 7) ^ 1) << 2));
		map = 1;
		in->vex_l = (p0 >> 2) & 1;
		in->vex_pp = p0 & 3;
	} else if (esc == 0x62) {
		if (!need(d, 4))
			return d->st;
		p0 = (uint8_t)take(d, 1);
		p1 = (uint8_t)take(d, 1);
		p2 = (uint8_t)take(d, 1);
		map = p0 & 7;
		if (map == 0 || map == 7)
			return ud(d);
		if (map == 4 || (p1 & 4) == 0) { /* APX map 4 / legacy-extension forms */
			d->st = X86EMU_UNSUPPORTED;
			return d->st;
		}
		in->rex = (uint8_t)(0x40 | (((p0 >> 5) ^ 7) & 7) | ((p1 >> 7) << 3));
		in->vex_w = p1 >> 7;
		in->vex_l = (p2 >> 5) & 3;
		in->vex_pp = p1 & 3;
	} else {
		if (!need(d, 3))
			return d->st;
		p0 = (uint8_t)take(d, 1);
		p1 = (uint8_t)take(d, 1);
		map = p0 & 0x1f;
		if (esc == 0xc4 ? (map < 1 || map > 3) : (map < 8 || map > 10))
			return ud(d);
		in->rex = (uint8_t)(0x40 | (((p0 >> 5) ^ 7) & 7) | ((p1 >> 7) << 3));
		in->vex_w = p1 >> 7;
		in->vex_l = (p1 >> 2) & 1;
		in->vex_pp = p1 & 3;
	}
	if (in->mode != X86EMU_MODE_LONG64)
		in->rex &= 0x48; /* R, X, B ignored outside 64-bit mode */
	in->opcode = (uint8_t)take(d, 1);
	/* EVEX maps 5 and 6 (FP16) have ModRM and no immediate, like 0F 38. */
	in->map = (uint8_t)(map >= 5 && map <= 6 ? X86EMU_MAP_0F38 : map);
	if (in->vex_w && in->mode == X86EMU_MODE_LONG64)
		in->opsize = 8;
	if (in->map == X86EMU_MAP_0F3A || in->map == X86EMU_MAP_XOP8)
		immsz = 1;
	else if (in->map == X86EMU_MAP_XOPA)
		immsz = 4;
	else if (in->map == X86EMU_MAP_0F &&
		 ((in->opcode >= 0x70 && in->opcode <= 0x73) || in->opcode == 0xc2 ||
		  (in->opcode >= 0xc4 && in->opcode <= 0xc6)))
		immsz = 1;
	if (esc != 0x62 && in->map == X86EMU_MAP_0F && in->opcode == 0x77)
		return X86EMU_OK; /* VZEROUPPER/VZEROALL: no ModRM */
	if (!modrm(d, false) || !imm(d, immsz, 0))
		return d->st;
	return X86EMU_OK;
}

static enum x86emu_status body(struct dec *d)
{
	struct x86emu_insn *in = d->in;
	bool m64 = in->mode == X86EMU_MODE_LONG64;
	uint8_t attr, op;

	/* Prefixes; a REX counts only right before the opcode. */
	for (;;) {
		if (!need(d, 1))
			return d->st;
		uint8_t b = d->b[d->pos];
		if (m64 && (b & 0xf0) == 0x40) {
			in->rex = b;
			d->pos++;
			continue;
		}
		switch (b) {
		case 0xf0:
			in->prefixes |= X86EMU_P_LOCK;
			break;
		case 0xf2:
			in->prefixes = (uint8_t)((in->prefixes & ~X86EMU_P_REP) | X86EMU_P_REPNE);
			break;
		case 0xf3:
			in->prefixes = (uint8_t)((in->prefixes & ~X86EMU_P_REPNE) | X86EMU_P_REP);
			break;
		case 0x66:
			in->prefixes |= X86EMU_P_OPSIZE;
			break;
		case 0x67:
			in->prefixes |= X86EMU_P_ADSIZE;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			in->prefixes |= X86EMU_P_SEG;
			in->seg_override = m64 ? X86EMU_NOSEG : (uint8_t)((b >> 3) & 3);
			break;
		case 0x64:
		case 0x65:
			in->prefixes |= X86EMU_P_SEG;
			in->seg_override = (uint8_t)(b - 0x64 + X86EMU_FS);
			break;
		default:
			goto opcode;
		}
		in->rex = 0;
		d->pos++;
	}
opcode:
	if (in->rex)
		in->prefixes |= X86EMU_P_REX;
	if (m64) {
		in->opsize = (in->rex & 8) ? 8 : (in->prefixes & X86EMU_P_OPSIZE) ? 2 : 4;
		in->adsize = (in->prefixes & X86EMU_P_ADSIZE) ? 4 : 8;
	} else {
		bool big = in->mode == X86EMU_MODE_PROT32;
		in->opsize = (big ^ !!(in->prefixes & X86EMU_P_OPSIZE)) ? 4 : 2;
		in->adsize = (big ^ !!(in->prefixes & X86EMU_P_ADSIZE)) ? 4 : 2;
	}

	op = (uint8_t)take(d, 1);
	attr = x86emu_map1[op];
	in->opcode = op;
	if (op == 0x0f) {
		if (!need(d, 1))
			return d->st;
		op = (uint8_t)take(d, 1);
		in->map = X86EMU_MAP_0F;
		in->opcode = op;
		attr = x86emu_map0f[op];
		if (op == 0x38 || op == 0x3a) {
			if (!need(d, 1))
				return d->st;
			in->map = op == 0x38 ? X86EMU_MAP_0F38 : X86EMU_MAP_0F3A;
			in->opcode = (uint8_t)take(d, 1);
			attr = op == 0x38 ? OA_M : (OA_M | OA_B);
		} else if (op == 0x0f) {
			/* 3DNow!: ModRM, then the real opcode as an ib. */
			if (!modrm(d, false) || !imm(d, 1, 0))
				return d->st;
			in->map = X86EMU_MAP_3DNOW;
			in->opcode = (uint8_t)in->imm;
			return X86EMU_OK;
		} else if (op >= 0x20 && op <= 0x23) {
			return modrm(d, true) ? X86EMU_OK : d->st;
		} else if (op == 0x78) {
			/* SSE4a EXTRQ/INSERTQ (66/F2) carry ib ib; VMREAD none. */
			attr = OA_M;
			if (in->prefixes & (X86EMU_P_OPSIZE | X86EMU_P_REPNE))
				attr |= OA_BB;
		}
	} else if (attr & OA_SPECIAL) {
		if (op == 0xc4 || op == 0xc5 || op == 0x62) {
			/* In 16/32-bit code these are LES/LDS/BOUND unless the
			 * next byte's top bits are 11 (no valid memory ModRM). */
			if (m64)
				return vexlike(d, op);
			if (!need(d, 1))
				return d->st;
			if ((d->b[d->pos] & 0xc0) == 0xc0)
				return vexlike(d, op);
			attr = OA_M;
		} else if (op == 0x8f) {
			if (!need(d, 1))
				return d->st;
			if ((d->b[d->pos] & 0x1f) >= 8)
				return vexlike(d, op);
			attr = OA_M;
		}
	}
	if (m64 && (attr & OA_I64))
		return ud(d);
	if (attr & OA_UD)
		return ud(d);
	if (m64 && default64(in) && !(in->prefixes & X86EMU_P_OPSIZE))
		in->opsize = 8;
	if ((attr & OA_M) && !modrm(d, false))
		return d->st;
	if (m64 && default64(in) && !(in->prefixes & X86EMU_P_OPSIZE))
		in->opsize = 8; /* FF /2 /4 /6 need the ModRM first */

	/* Group extensions with holes, and register-only/memory-only forms
	 * that hardware rejects while decoding. */
	unsigned r = in->reg & 7;
	if (in->map == X86EMU_MAP_1B) {
		if ((op == 0xfe && r >= 2) || (op == 0xff && r == 7) ||
		    (op == 0xff && (r == 3 || r == 5) && in->mod == 3) || (op == 0x8f && r != 0) ||
		    ((op == 0xc6 || op == 0xc7) && r != 0 && in->modrm != 0xf8) ||
		    ((op == 0x8d || op == 0xc4 || op == 0xc5 || op == 0x62) && in->mod == 3) ||
		    ((op == 0x8c || op == 0x8e) && r > 5) || (op == 0x8e && r == X86EMU_CS))
			return ud(d);
	} else if (in->map == X86EMU_MAP_0F) {
		if ((op == 0xba && r < 4) || (op == 0x00 && r >= 6))
			return ud(d);
	}

	unsigned z = in->opsize == 2 ? 2 : 4;
	switch (attr & OA_IMM_MASK) {
	case OA_B:
		return imm(d, 1, 0) ? X86EMU_OK : d->st;
	case OA_W:
		return imm(d, 2, 0) ? X86EMU_OK : d->st;
	case OA_Z:
		return imm(d, z, 0) ? X86EMU_OK : d->st;
	case OA_V:
		return imm(d, in->opsize, 0) ? X86EMU_OK : d->st;
	case OA_MOFFS:
		in->has_mem = true;
		in->base = X86EMU_NOREG;
		in->index = X86EMU_NOREG;
		in->scale = 1;
		in->def_seg = X86EMU_DS;
		if (!need(d, in->adsize))
			return d->st;
		in->disp_size = in->adsize;
		in->disp = (int64_t)take(d, in->adsize);
		return X86EMU_OK;
	case OA_WB:
		return imm(d, 2, 1) ? X86EMU_OK : d->st;
	case OA_PTR:
		return imm(d, z, 2) ? X86EMU_OK : d->st;
	case OA_G3:
		if (r >= 2)
			return X86EMU_OK;
		return imm(d, (op & 1) ? z : 1, 0) ? X86EMU_OK : d->st;
	case OA_BB:
		return imm(d, 1, 1) ? X86EMU_OK : d->st;
	default:
		return X86EMU_OK;
	}
}

enum x86emu_status x86emu_decode(const uint8_t *bytes, size_t avail, enum x86emu_mode mode,
				 struct x86emu_insn *out, struct x86emu_fault *fault)
{
	struct dec d = { .b = bytes, .avail = avail, .in = out, .fault = fault, .st = X86EMU_OK };
	enum x86emu_status st;

	memset(out, 0, sizeof(*out));
	out->mode = mode;
	out->seg_override = X86EMU_NOSEG;
	out->base = X86EMU_NOREG;
	out->index = X86EMU_NOREG;
	if ((unsigned)mode > X86EMU_MODE_LONG64) {
		d.st = X86EMU_UNSUPPORTED;
		return d.st;
	}
	st = body(&d);
	out->len = (uint8_t)d.pos;
	memcpy(out->bytes, bytes, d.pos < avail ? d.pos : avail);
	return st;
}

bool x86emu_lock_ok(const struct x86emu_insn *in)
{
	uint8_t op = in->opcode;
	unsigned r = in->reg & 7;

	if (!(in->prefixes & X86EMU_P_LOCK))
		return true;
	if (in->prefixes & X86EMU_P_VEX)
		return false;
	if (in->map == X86EMU_MAP_0F && (op == 0x20 || op == 0x22))
		return true; /* AMD: LOCK MOV CR0 means CR8 */
	if (!in->has_modrm || in->mod == 3)
		return false;
	if (in->map == X86EMU_MAP_1B) {
		if (op < 0x38 && (op & 7) < 2)
			return true; /* ADD OR ADC SBB AND SUB XOR r/m, r */
		if (op >= 0x80 && op <= 0x83)
			return r != 7;
		if (op == 0x86 || op == 0x87)
			return true;
		if (op == 0xf6 || op == 0xf7)
			return r == 2 || r == 3;
		if (op == 0xfe || op == 0xff)
			return r <= 1;
		return false;
	}
	if (in->map == X86EMU_MAP_0F) {
		if (op == 0xab || op == 0xb3 || op == 0xbb || op == 0xb0 || op == 0xb1 ||
		    op == 0xc0 || op == 0xc1)
			return true;
		if (op == 0xba)
			return r >= 5;
		if (op == 0xc7)
			return r == 1;
	}
	return false;
}
