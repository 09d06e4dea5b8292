/*
 * flags.c - integer arithmetic with the exact RFLAGS results of the ALU
 * instructions the emulator supports.
 *
 * Each operation works on 1, 2, 4 or 8 byte operands and sets the status
 * flags the instruction defines: CF PF AF ZF SF OF for ADD/ADC/SUB/SBB/
 * CMP/NEG, the same but CF kept for INC/DEC, CF = OF = 0 for the logical
 * operations (AF, which they leave undefined, is cleared), none for NOT.
 * The host tests compare every one of them with the host CPU.
 *
 * Source: AMD APM vol. 3 §3 (instruction reference) and appendix C
 * (flags affected); Intel SDM vol. 1 §3.4.3, vol. 2 ch. 3-4.
 */
#include "x86emu_impl.h"

uint64_t x86emu_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t x86emu_sext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	if (size >= 8)
		return v;
	return (uint64_t)((int64_t)(v << sh) >> sh);
}

static bool parity_even(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* ZF, SF, PF from a result; AF from the operands. */
static uint64_t szp(uint64_t res, unsigned size)
{
	uint64_t f = 0;

	if (res == 0)
		f |= X86EMU_ZF;
	if ((res >> (8 * size - 1)) & 1)
		f |= X86EMU_SF;
	if (parity_even(res))
		f |= X86EMU_PF;
	return f;
}

uint64_t x86emu_alu(enum alu_op op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags)
{
	uint64_t m = x86emu_mask(size), sign = 1ull << (8 * size - 1);
	uint64_t res, f = 0, keep = X86EMU_ARITH;
	uint64_t cin = *rflags & X86EMU_CF ? 1 : 0;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_INC:
	case ALU_DEC:
	case ALU_ADD:
	case ALU_ADC:
		if (op == ALU_INC || op == ALU_DEC) {
			keep &= ~(uint64_t)X86EMU_CF;
			f |= *rflags & X86EMU_CF;
			b = op == ALU_INC ? 1 : m; /* DEC adds all-ones: a - 1 */
			cin = 0;
		}
		if (op == ALU_ADD)
			cin = 0;
		if (op == ALU_DEC) {
			res = (a - 1) & m;
			if (((a ^ 1) & (a ^ res)) & sign)
				f |= X86EMU_OF;
			if ((a ^ 1 ^ res) & 0x10)
				f |= X86EMU_AF;
			break;
		}
		res = (a + b + cin) & m;
		if (op != ALU_INC && (res < a || (cin && res == a)))
			f |= X86EMU_CF;
		if ((~(a ^ b) & (a ^ res)) & sign)
			f |= X86EMU_OF;
		if ((a ^ b ^ res) & 0x10)
			f |= X86EMU_AF;
		break;
	case ALU_NEG:
		b = a;
		a = 0;
		cin = 0;
		/* fall through */
	case ALU_SUB:
	case ALU_CMP:
	case ALU_SBB:
		if (op != ALU_SBB)
			cin = 0;
		res = (a - b - cin) & m;
		if (a < b || (cin && a == b))
			f |= X86EMU_CF;
		if (((a ^ b) & (a ^ res)) & sign)
			f |= X86EMU_OF;
		if ((a ^ b ^ res) & 0x10)
			f |= X86EMU_AF;
		break;
	case ALU_OR:
		res = a | b;
		break;
	case ALU_AND:
	case ALU_TEST:
		res = a & b;
		break;
	case ALU_XOR:
		res = a ^ b;
		break;
	case ALU_NOT:
		return ~a & m;
	default:
		return a;
	}
	f |= szp(res, size);
	*rflags = (*rflags & ~keep) | f;
	return res;
}
