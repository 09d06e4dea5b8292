/*
 * opmap.c - the opcode attribute tables behind the decoder's lengths.
 *
 * One entry per opcode of the one-byte map and of the 0F two-byte map:
 * whether a ModRM byte follows, what immediate follows, and whether the
 * opcode is undefined everywhere or in 64-bit mode. Group extensions
 * (ModRM.reg selecting the instruction) and the bytes marked OA_SPECIAL
 * (prefixes, escapes, VEX/XOP/EVEX, F6/F7) are refined in decode.c.
 * The 0F 38 map is "ModRM, no immediate" and the 0F 3A map "ModRM + ib"
 * throughout, so they need no table.
 *
 * Source: AMD APM vol. 3 appendix A (tables ), Intel SDM vol. 2
 * appendix A (tables ).
 */
#include "x86emu_impl.h"

#define M    OA_M
#define B    OA_B
#define W    OA_W
#define Z    OA_Z
#define V    OA_V
#define MB   (OA_M | OA_B)
#define MZ   (OA_M | OA_Z)
#define I64  OA_I64
#define UD   OA_UD
#define SP   OA_SPECIAL
#define MOFF OA_MOFFS

/* clang-format off */
const uint8_t x86emu_map1[256] = {
	/* 00 */ M, M, M, M, B, Z, I64, I64, M, M, M, M, B, Z, I64, SP,
	/* 10 */ M, M, M, M, B, Z, I64, I64, M, M, M, M, B, Z, I64, I64,
	/* 20 */ M, M, M, M, B, Z, SP, I64, M, M, M, M, B, Z, SP, I64,
	/* 30 */ M, M, M, M, B, Z, SP, I64, M, M, M, M, B, Z, SP, I64,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ I64, I64, SP, M, SP, SP, SP, SP, Z, MZ, B, MB, 0, 0, 0, 0,
	/* 70 */ B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	/* 80 */ MB, MZ, MB | I64, MB, M, M, M, M, M, M, M, M, M, M, M, SP,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, OA_PTR | I64, 0, 0, 0, 0, 0,
	/* A0 */ MOFF, MOFF, MOFF, MOFF, 0, 0, 0, 0, B, Z, 0, 0, 0, 0, 0, 0,
	/* B0 */ B, B, B, B, B, B, B, B, V, V, V, V, V, V, V, V,
	/* C0 */ MB, MB, W, 0, SP, SP, MB, MZ, OA_WB, 0, W, 0, 0, B, I64, 0,
	/* D0 */ M, M, M, M, B | I64, B | I64, I64, 0, M, M, M, M, M, M, M, M,
	/* E0 */ B, B, B, B, B, B, B, B, Z, Z, OA_PTR | I64, B, 0, 0, 0, 0,
	/* F0 */ SP, 0, SP, SP, 0, 0, M | OA_G3, M | OA_G3, 0, 0, 0, 0, 0, 0, M, M,
};
/* clang-format on */
/* clang-format off */
const uint8_t x86emu_map0f[256] = {
	/* 00 */ M, M, M, M, UD, 0, 0, 0, 0, 0, UD, 0, UD, M, 0, SP,
	/* 10 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 20 */ SP, SP, SP, SP, UD, UD, UD, UD, M, M, M, M, M, M, M, M,
	/* 30 */ 0, 0, 0, 0, 0, 0, UD, 0, SP, UD, SP, UD, UD, UD, UD, UD,
	/* 40 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 70 */ MB, MB, MB, MB, M, M, M, 0, SP, M, UD, UD, M, M, M, M,
	/* 80 */ Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z,
	/* 90 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* A0 */ 0, 0, 0, M, MB, M, UD, UD, 0, 0, 0, M, MB, M, M, M,
	/* B0 */ M, M, M, M, M, M, M, M, M, M, MB, M, M, M, M, M,
	/* C0 */ M, M, MB, M, MB, MB, MB, M, 0, 0, 0, 0, 0, 0, 0, 0,
	/* D0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
};
/* clang-format on */