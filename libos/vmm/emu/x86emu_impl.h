/*
 * x86emu_impl.h - internals shared by the files of the x86 decoder and
 * emulator (libos/vmm/emu/). Not for users of the library: they include
 * x86emu.h only.
 */
#ifndef X86EMU_IMPL_H
#define X86EMU_IMPL_H

#include "x86emu.h"

/* Opcode attributes (opmap.c): the low nibble is the immediate kind. */
enum {
	OA_NONE = 0,  /* no immediate */
	OA_B = 1,     /* ib */
	OA_W = 2,     /* iw */
	OA_Z = 3,     /* iw or id by operand size (id for 64-bit too) */
	OA_V = 4,     /* iw, id or iq by operand size (B8-BF) */
	OA_MOFFS = 5, /* offset of address size (A0-A3) */
	OA_WB = 6,    /* iw then ib (ENTER) */
	OA_PTR = 7,   /* far pointer: iw/id offset then iw selector */
	OA_G3 = 8,    /* F6/F7: ib/iz only for /0 and /1 */
	OA_BB = 9,    /* ib ib (SSE4a EXTRQ/INSERTQ) */
	OA_D = 10,    /* id whatever the operand size (XOP map A) */
	OA_IMM_MASK = 0x0f,

	OA_M = 0x10,	  /* ModRM follows */
	OA_I64 = 0x20,	  /* invalid (#UD) in 64-bit mode */
	OA_UD = 0x40,	  /* undefined opcode: #UD */
	OA_SPECIAL = 0x80 /* prefix, escape or VEX-like byte: decode.c */
};

extern const uint8_t x86emu_map1[256];
extern const uint8_t x86emu_map0f[256];

/* Arithmetic with exact RFLAGS (flags.c). ops: enum alu_op. size: 1, 2,
 * 4, 8 bytes. Returns the result (masked to size); *rflags updated in the
 * bits the instruction defines (CF PF AF ZF SF OF as applicable). */
enum alu_op {
	ALU_ADD = 0,
	ALU_OR,
	ALU_ADC,
	ALU_SBB,
	ALU_AND,
	ALU_SUB,
	ALU_XOR,
	ALU_CMP,
	ALU_TEST,
	ALU_INC,
	ALU_DEC,
	ALU_NEG,
	ALU_NOT,
};
uint64_t x86emu_alu(enum alu_op op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags);
uint64_t x86emu_mask(unsigned size);
uint64_t x86emu_sext(uint64_t v, unsigned size);

/* The per-step context (exec.c, strio.c). */
struct emu {
	struct x86emu_cpu *cpu;
	const struct x86emu_ops *ops;
	void *ctx;
	struct x86emu_result *res;
	const struct x86emu_insn *in;
};

/* Helpers exported by exec.c to strio.c. Each returns 0 or -1 with
 * e->res->fault set. */
int x86emu_linear(struct emu *e, unsigned seg, uint64_t off, unsigned size, uint64_t *la);
int x86emu_mem_read(struct emu *e, uint64_t la, void *buf, unsigned size);
int x86emu_mem_write(struct emu *e, uint64_t la, const void *buf, unsigned size);
uint64_t x86emu_reg_get(struct emu *e, unsigned reg, unsigned size);
void x86emu_reg_set(struct emu *e, unsigned reg, unsigned size, uint64_t v);
void x86emu_fault_set(struct emu *e, uint8_t vec, bool has_ec, uint32_t ec);
void x86emu_advance(struct emu *e);

static inline uint64_t x86emu_get_le(const uint8_t *b, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static inline void x86emu_put_le(uint8_t *b, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size && i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/* An operand: a register or a memory location (linear address). */
struct opnd {
	bool mem;
	uint8_t reg;
	unsigned size;
	uint64_t la;
};

int x86emu_rm_opnd(struct emu *e, unsigned size, int64_t extra, struct opnd *o);
int x86emu_opnd_read(struct emu *e, const struct opnd *o, uint64_t *v);
int x86emu_opnd_write(struct emu *e, const struct opnd *o, uint64_t v);
/* Advance RIP when st is X86EMU_OK; returns st. */
enum x86emu_status x86emu_done(struct emu *e, enum x86emu_status st);
/* Operand size of a byte/word opcode pair: 1 for even opcodes. */
unsigned x86emu_bsize(const struct x86emu_insn *in);

/* Read-modify-write instructions (rmw.c). */
enum x86emu_status x86emu_alu_rm(struct emu *e, enum alu_op op, unsigned size, uint64_t src,
				 bool to_reg);
enum x86emu_status x86emu_xchg(struct emu *e, unsigned size, unsigned reg);
enum x86emu_status x86emu_xadd(struct emu *e);
enum x86emu_status x86emu_cmpxchg(struct emu *e);
enum x86emu_status x86emu_cmpxchg8b(struct emu *e);
enum x86emu_status x86emu_bittest(struct emu *e, enum alu_op op, bool imm);

/* String and port I/O instructions (strio.c). Returns a status. */
enum x86emu_status x86emu_exec_string(struct emu *e);
enum x86emu_status x86emu_exec_io(struct emu *e);
bool x86emu_is_string(const struct x86emu_insn *in);
bool x86emu_is_io(const struct x86emu_insn *in);

#endif
