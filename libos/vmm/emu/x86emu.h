/*
 * x86emu.h - the VMM's x86 instruction decoder and emulator.
 *
 * QEMU TCG's SVM saves no next RIP and gives no decode assists, so the VMM
 * decodes the instruction behind every intercept to find its length, and
 * emulates the instructions that touch MMIO, write-protected guest page
 * tables (shadow paging) and I/O ports. This library does both without any
 * hardware: it sees the guest only through the callbacks the VMM passes, so
 * the host unit tests run it too (docs/vmm-emulator.md).
 *
 * Encoding rules: AMD APM vol. 3 ch. 1 (instruction encoding), appendix A
 * (opcode maps); Intel SDM vol. 2 ch. 2 (instruction format) and
 * appendix A. Semantics and flags: AMD APM vol. 3 ch. 3, Intel SDM vol. 2
 * ch. 3-4 (instruction reference).
 *
 * The library uses no heap, no stdio and no global state: every call works
 * on the structures its caller hands in, so vCPUs can run it concurrently.
 */
#ifndef X86EMU_H
#define X86EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Architectural limit on an instruction's length in bytes; a longer one
 * raises #GP(0) (AMD APM vol. 3 §1.1, Intel SDM vol. 2 §2.3.11). */
#define X86EMU_MAX_LEN 15

/* A REP string instruction runs at most this many iterations per
 * x86emu_step call, so one #VMEXIT cannot keep the VMM busy for ever. */
#define X86EMU_REP_BOUND 4096

/* A LOCKed read-modify-write retries its compare-exchange at most this
 * many times when another writer changes the operand meanwhile. */
#define X86EMU_LOCK_TRIES 64

/*
 * Execution modes as far as decoding is concerned: the default operand and
 * address size come from CS.D (16 or 32) or from 64-bit mode (CS.L with
 * EFER.LMA). Compatibility mode decodes as PROT16/PROT32. REAL differs from
 * PROT16 only in emulation (no privilege checks on I/O). Virtual-8086 mode
 * is not supported.
 */
enum x86emu_mode {
	X86EMU_MODE_REAL = 0, /* real mode: 16-bit, CPL 0, no I/O checks */
	X86EMU_MODE_PROT16,   /* protected or compatibility mode, CS.D = 0 */
	X86EMU_MODE_PROT32,   /* protected or compatibility mode, CS.D = 1 */
	X86EMU_MODE_LONG64,   /* 64-bit mode (EFER.LMA = 1, CS.L = 1) */
};

/*
 * Result codes, one closed enum for every function here.
 */
enum x86emu_status {
	/* Decoded; or emulated: state updated and RIP advanced. */
	X86EMU_OK = 0,
	/* decode only: the bytes end before the instruction does; give more
	 * (x86emu_insn.len holds a lower bound on the length). */
	X86EMU_TRUNCATED,
	/* A fault to inject into the guest; described in x86emu_fault.
	 * RIP unchanged. Decode reports #UD and #GP(0) (longer than 15
	 * bytes) this way too. */
	X86EMU_FAULT,
	/* Valid instruction we do not emulate (or, from decode, one whose
	 * length we cannot work out). RIP and state unchanged; the result
	 * carries the bytes and RIP for a clear message. */
	X86EMU_UNSUPPORTED,
	/* step only: the instruction has not finished and RIP is unchanged,
	 * but the state is consistent: a REP string instruction stopped
	 * after X86EMU_REP_BOUND iterations (RCX/RSI/RDI show the progress),
	 * or a LOCKed update lost X86EMU_LOCK_TRIES races. Call again, or
	 * resume the guest and let it execute the instruction again. */
	X86EMU_RETRY,
};

/* Exception vectors the library raises itself. */
#define X86EMU_VEC_UD 6
#define X86EMU_VEC_SS 12
#define X86EMU_VEC_GP 13
#define X86EMU_VEC_PF 14

/* A fault for the VMM to inject (EVENTINJ), filled by the library or by a
 * callback that fails. */
struct x86emu_fault {
	uint8_t vector;	     /* exception vector, e.g. 14 for #PF */
	bool has_error_code; /* push error_code (true for #GP, #SS, #PF, ...) */
	uint32_t error_code;
	uint64_t cr2; /* faulting linear address, meaningful for #PF only */
};

/* General-purpose register numbers, in encoding order. */
enum x86emu_reg {
	X86EMU_RAX = 0,
	X86EMU_RCX,
	X86EMU_RDX,
	X86EMU_RBX,
	X86EMU_RSP,
	X86EMU_RBP,
	X86EMU_RSI,
	X86EMU_RDI,
	X86EMU_R8,
	X86EMU_R9,
	X86EMU_R10,
	X86EMU_R11,
	X86EMU_R12,
	X86EMU_R13,
	X86EMU_R14,
	X86EMU_R15,
	X86EMU_RIP = 16, /* only as x86emu_insn.base: RIP-relative */
	X86EMU_NOREG = 0xff,
};

/* Segment register numbers, in encoding order (Sreg field of 8C/8E). */
enum x86emu_seg {
	X86EMU_ES = 0,
	X86EMU_CS,
	X86EMU_SS,
	X86EMU_DS,
	X86EMU_FS,
	X86EMU_GS,
	X86EMU_NOSEG = 0xff,
};

/* x86emu_insn.prefixes bits. */
#define X86EMU_P_LOCK	0x01 /* F0 */
#define X86EMU_P_REP	0x02 /* F3 (REP/REPE), the last of F2/F3 */
#define X86EMU_P_REPNE	0x04 /* F2 (REPNE), the last of F2/F3 */
#define X86EMU_P_OPSIZE 0x08 /* 66 */
#define X86EMU_P_ADSIZE 0x10 /* 67 */
#define X86EMU_P_SEG	0x20 /* a segment override; see seg_override */
#define X86EMU_P_REX	0x40 /* a REX prefix took effect; see rex */
#define X86EMU_P_VEX	0x80 /* VEX (C4/C5), XOP (8F) or EVEX (62) */

/* x86emu_insn.map values. */
enum x86emu_map {
	X86EMU_MAP_1B = 0,    /* one-byte opcode map */
	X86EMU_MAP_0F = 1,    /* 0F xx */
	X86EMU_MAP_0F38 = 2,  /* 0F 38 xx */
	X86EMU_MAP_0F3A = 3,  /* 0F 3A xx */
	X86EMU_MAP_3DNOW = 4, /* 0F 0F modrm ... ib: opcode is the ib */
	X86EMU_MAP_XOP8 = 8,  /* XOP maps 8, 9, 10 */
	X86EMU_MAP_XOP9 = 9,
	X86EMU_MAP_XOPA = 10,
};

/*
 * One decoded instruction. Register numbers include the REX/VEX extension
 * bits. Fields that do not apply are zero or X86EMU_NOREG.
 */
struct x86emu_insn {
	uint8_t len; /* bytes, 1..15 */
	uint8_t bytes[X86EMU_MAX_LEN];
	enum x86emu_mode mode;
	uint8_t opsize;	      /* operand size in bytes: 2, 4 or 8 */
	uint8_t adsize;	      /* address size in bytes: 2, 4 or 8 */
	uint8_t prefixes;     /* X86EMU_P_* */
	uint8_t seg_override; /* enum x86emu_seg, X86EMU_NOSEG if none (or
				 ignored: ES/CS/SS/DS in 64-bit mode) */
	uint8_t rex;	      /* the REX byte (0x40-0x4f) or 0 */
	uint8_t map;	      /* enum x86emu_map */
	uint8_t opcode;	      /* the byte after the escapes/VEX payload */
	uint8_t vex_l;	      /* VEX.L / EVEX.L'L */
	uint8_t vex_pp;	      /* VEX.pp: 0 none, 1 66, 2 F3, 3 F2 */
	bool vex_w;

	bool has_modrm;
	uint8_t modrm;
	uint8_t mod; /* ModRM.mod */
	uint8_t reg; /* ModRM.reg with REX.R: 0..15 */
	uint8_t rm;  /* ModRM.rm with REX.B (register operand if mod = 3) */
	bool has_sib;
	uint8_t sib;

	/* Memory operand (has_modrm && mod != 3, or moffs): offset =
	 * base + index * scale + disp, wrapped to adsize; base may be
	 * X86EMU_RIP (relative to the next instruction). */
	bool has_mem;
	uint8_t base;	   /* enum x86emu_reg or X86EMU_NOREG */
	uint8_t index;	   /* enum x86emu_reg or X86EMU_NOREG */
	uint8_t scale;	   /* 1, 2, 4, 8 */
	uint8_t disp_size; /* bytes of displacement: 0, 1, 2, 4 (8: moffs) */
	int64_t disp;	   /* sign-extended displacement */
	uint8_t def_seg;   /* default segment of the memory operand */

	uint8_t imm_size;  /* bytes of the first immediate: 0, 1, 2, 4, 8 */
	uint8_t imm2_size; /* bytes of a second immediate (ENTER, far ptr) */
	uint64_t imm;	   /* first immediate, zero-extended */
	uint64_t imm2;	   /* second immediate (ENTER's ib, far ptr selector) */
};

/* The guest CPU state the emulator reads and updates. */
struct x86emu_cpu {
	uint64_t gpr[16]; /* enum x86emu_reg order */
	uint64_t rip;
	uint64_t rflags;
	enum x86emu_mode mode;
	uint8_t cpl;		 /* current privilege level, 0..3 */
	uint64_t seg_base[6];	 /* enum x86emu_seg order; in 64-bit mode
				    only FS and GS are used */
	uint64_t cr0, cr4, efer; /* kept for the callbacks; unused today */
};

/* RFLAGS bits the emulator reads or writes. */
#define X86EMU_CF    0x0001
#define X86EMU_PF    0x0004
#define X86EMU_AF    0x0010
#define X86EMU_ZF    0x0040
#define X86EMU_SF    0x0080
#define X86EMU_DF    0x0400
#define X86EMU_OF    0x0800
#define X86EMU_IOPL  0x3000
#define X86EMU_ARITH 0x08d5 /* CF PF AF ZF SF OF */

/* Access flags to the read callback. */
#define X86EMU_ACC_FETCH 0x1 /* instruction fetch: check execute rights */

/*
 * The VMM's side. Every callback returns 0 on success or -1 after filling
 * *fault with the exception to inject (e.g. #PF with error code and CR2
 * from the guest page walk). A callback must do all of an access or none
 * of it (an access may straddle a page boundary). Addresses are linear:
 * the library has added the segment base and checked canonical form.
 */
struct x86emu_ops {
	/* Read len (1..16) bytes at linear address la into buf. flags holds
	 * X86EMU_ACC_FETCH for instruction fetches. Required. */
	int (*read)(void *ctx, uint64_t la, void *buf, size_t len, unsigned flags,
		    struct x86emu_fault *fault);
	/* Write len (1..16) bytes from buf at linear address la. Required. */
	int (*write)(void *ctx, uint64_t la, const void *buf, size_t len,
		     struct x86emu_fault *fault);
	/* Optional: atomically compare the len (1..16) bytes at la with *old
	 * and, if equal, store *new; in both cases copy the bytes found at la
	 * to *old. Used by LOCK-prefixed and implicitly locked instructions
	 * (XCHG with memory); without it they use read then write. */
	int (*cmpxchg)(void *ctx, uint64_t la, void *old, const void *new, size_t len,
		       struct x86emu_fault *fault);
	/* Port input and output of size 1, 2 or 4 bytes. Required for
	 * IN/OUT/INS/OUTS; a NULL pointer makes them UNSUPPORTED. */
	int (*io_in)(void *ctx, uint16_t port, unsigned size, uint32_t *val,
		     struct x86emu_fault *fault);
	int (*io_out)(void *ctx, uint16_t port, unsigned size, uint32_t val,
		      struct x86emu_fault *fault);
};

/* What x86emu_step did. */
struct x86emu_result {
	enum x86emu_status status;
	struct x86emu_fault fault; /* for X86EMU_FAULT */
	uint64_t rip;		   /* RIP of the instruction */
	uint8_t nbytes;		   /* bytes fetched (the whole instruction
				      once decoded), for messages */
	uint8_t bytes[X86EMU_MAX_LEN];
	struct x86emu_insn insn; /* valid when decoding succeeded */
};

/*
 * x86emu_decode - decode one instruction from memory already fetched.
 *
 * bytes: the instruction's first bytes; avail: how many there are (may be
 * more than the instruction needs; at most 15 are looked at). mode: the
 * code's execution mode. out: filled on X86EMU_OK (and partly otherwise).
 *
 * Returns X86EMU_OK with out->len the length in bytes; X86EMU_TRUNCATED if
 * avail ends inside the instruction (and avail < 15); X86EMU_FAULT with
 * *fault #UD for an opcode the CPU rejects at decode time (an undefined
 * opcode, a 64-bit-invalid one, VEX after 66/F2/F3/REX/LOCK, a group
 * extension with no instruction) or #GP(0) when the instruction is longer
 * than 15 bytes; X86EMU_UNSUPPORTED for encodings whose length we do not
 * work out (EVEX with unusual map numbers). fault may be NULL. LOCK misuse
 * is not checked here (see x86emu_lock_ok).
 *
 * Source: AMD APM vol. 3 ch. 1-2 and appendix A; Intel SDM vol. 2 ch. 2
 * and appendix A (opcode maps, ModRM/SIB tables 2-1 to 2-3).
 */
enum x86emu_status x86emu_decode(const uint8_t *bytes, size_t avail, enum x86emu_mode mode,
				 struct x86emu_insn *out, struct x86emu_fault *fault);

/*
 * x86emu_lock_ok - may this decoded instruction carry a LOCK prefix?
 *
 * True when there is no LOCK prefix, or the instruction is one of the
 * lockable read-modify-write forms with a memory destination (ADD, ADC,
 * AND, BTC, BTR, BTS, CMPXCHG, CMPXCHG8B/16B, DEC, INC, NEG, NOT, OR, SBB,
 * SUB, XADD, XCHG, XOR), or AMD's F0 0F 20/22 alias for MOV CR8. Otherwise
 * the CPU raises #UD. Source: AMD APM vol. 3 §1.2.5, Intel SDM vol. 2
 * "LOCK".
 */
bool x86emu_lock_ok(const struct x86emu_insn *insn);

/*
 * x86emu_fetch_decode - fetch the instruction at CS:RIP through ops->read
 * (with X86EMU_ACC_FETCH) and decode it, for intercepts that only need the
 * length (CPUID, RDMSR, HLT, ...).
 *
 * Fetches up to the end of the page first and only then the rest, so a
 * short instruction at the end of a page does not fault on the next page.
 * Returns X86EMU_OK, X86EMU_FAULT (a fetch fault from the callback, #GP(0)
 * for a non-canonical RIP or an over-long instruction, #UD) or
 * X86EMU_UNSUPPORTED; res->bytes/nbytes/rip are filled in any case.
 */
enum x86emu_status x86emu_fetch_decode(const struct x86emu_cpu *cpu, const struct x86emu_ops *ops,
				       void *ctx, struct x86emu_result *res);

/*
 * x86emu_step - emulate the one instruction at CS:RIP.
 *
 * cpu: the guest state, updated in place. ops/ctx: the VMM's callbacks
 * and their argument. res: the outcome (also returned as res->status).
 *
 * X86EMU_OK: done, RIP advanced past it (IP/EIP wrap in 16/32-bit code).
 * X86EMU_FAULT: inject res->fault; RIP unchanged; registers unchanged,
 *   except a REP string instruction keeps the iterations it finished
 *   (RCX/RSI/RDI updated), exactly as hardware does.
 * X86EMU_UNSUPPORTED: not an instruction we emulate; nothing changed.
 * X86EMU_RETRY: see enum x86emu_status; RIP unchanged.
 *
 * Emulated: see docs/vmm-emulator.md. Privilege: IN/OUT/INS/OUTS raise
 * #GP(0) when CPL > IOPL outside real mode (the TSS I/O permission bitmap
 * is not consulted). Segment limits and access rights are not checked (the
 * CPU checked them before the intercept); canonical form is checked in
 * 64-bit mode (#GP(0), #SS(0) for SS). Alignment checking is not done
 * except CMPXCHG16B's 16-byte rule.
 */
enum x86emu_status x86emu_step(struct x86emu_cpu *cpu, const struct x86emu_ops *ops, void *ctx,
			       struct x86emu_result *res);

#endif
