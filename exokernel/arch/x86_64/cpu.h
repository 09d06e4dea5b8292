/*
 * cpu.h - x86-64 processor structures and registers: segment selectors,
 * the trap frame, MSRs, control registers, and per-CPU kernel state.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stdint.h>
#endif

/* GDT selectors. The order is fixed by SYSCALL/SYSRET (AMD APM vol. 2
 * §6.1.1): STAR[47:32] = KERNEL_CS (SS = +8); STAR[63:48] = 0x18, so SYSRET
 * loads SS = 0x20 | 3 and CS = 0x28 | 3. */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER32_CS 0x18
#define GDT_USER_DS   0x20
#define GDT_USER_CS   0x28
#define GDT_TSS	      0x30
#define USER_CS	      (GDT_USER_CS | 3)
#define USER_DS	      (GDT_USER_DS | 3)

#define MSR_EFER	   0xc0000080
#define MSR_STAR	   0xc0000081
#define MSR_LSTAR	   0xc0000082
#define MSR_SFMASK	   0xc0000084
#define MSR_FS_BASE	   0xc0000100
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE	   (1u << 0)
#define EFER_NXE	   (1u << 11)

#define RFLAGS_IF	 (1ull << 9)
#define RFLAGS_RESERVED1 (1ull << 1)

/* Offsets into struct cpu used by syscall.S. */
#define CPU_OFF_KSTACK	 8
#define CPU_OFF_USER_RSP 16

/* trapframe.vector of a frame built by the SYSCALL entry. */
#define T_SYSCALL_FRAME 0x80

#ifndef __ASSEMBLY__

/* Exception vectors (AMD APM vol. 2 §8.2). */
enum {
	T_DE = 0,
	T_DB = 1,
	T_NMI = 2,
	T_BP = 3,
	T_OF = 4,
	T_BR = 5,
	T_UD = 6,
	T_NM = 7,
	T_DF = 8,
	T_TS = 10,
	T_NP = 11,
	T_SS = 12,
	T_GP = 13,
	T_PF = 14,
	T_MF = 16,
	T_AC = 17,
	T_MC = 18,
	T_XM = 19,
	T_IRQ0 = 32,	      /* ISA IRQs 0-15 arrive on vectors 32-47 */
	T_TIMER = 0x40,	      /* local APIC timer: the slice tick */
	T_IPI_RESCHED = 0x41, /* another CPU made work, or wants our env gone */
	T_IPI_TLB = 0x42,     /* TLB shootdown */
	T_IPI_HALT = 0x43,    /* panic elsewhere: stop */
	T_DISK = 0x44,	      /* virtio-blk queue completion (MSI-X) */
	T_LAPIC_ERROR = 0xfe,
	T_SPURIOUS = 0xff,
};

/*
 * The saved user or kernel register state, in the order vectors.S and
 * syscall.S push it. An environment's user state lives in one of these.
 */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU (or by syscall.S in the same shape) */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trapframe) == 22 * 8, "trapframe layout is shared with asm");

/* The general registers by name, for copying between a trap frame and the
 * ABI's register structs (exo_regs, exo_upcall_frame), which use the same
 * names: X(name) for each. rsp, rip and rflags are copied by hand. */
/* clang-format off */
#define TRAPFRAME_GPRS(X) \
	X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rbp) X(r8) X(r9) X(r10) X(r11) \
	X(r12) X(r13) X(r14) X(r15)
/* clang-format on */

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v));
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v));
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_rbp(void)
{
	uint64_t v;
	__asm__ volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

struct env;

/*
 * Per-CPU kernel state, reached through GS while in the kernel. The first
 * fields are used by syscall.S at fixed offsets.
 */
#define MAX_CPUS 8

/*
 * Per-CPU kernel state, reached through GS while in the kernel. The first
 * fields are used by syscall.S at fixed offsets. Fields marked [K] are
 * protected by the kernel lock (spinlock.h); [C] are touched only by
 * their own CPU; [A] are atomic.
 */
struct cpu {
	struct cpu *self;    /* %gs:0 */
	uint64_t kstack_top; /* %gs:8: kernel stack for SYSCALL entry */
	uint64_t user_rsp;   /* %gs:16: user rsp saved by SYSCALL entry */
	unsigned id;	     /* index, 0 = bootstrap processor */
	uint8_t apic_id;     /* local APIC id */
	bool started;	     /* [A] the CPU is up and scheduling */
	struct env *env;     /* [K] environment running (or last run) here, or NULL */
	uint64_t cr3;	     /* [K] the address space loaded here */
	uint32_t tlb_flush;  /* [A] a shootdown asks this CPU to flush its TLB */
	uint64_t ticks;	     /* [K] timer ticks since this CPU started */
	bool idle;	     /* [A] halted, waiting for an interrupt */
	bool ticking;	     /* [C] its slice timer is running */
	uint64_t guest_gas; /* [A] handle of the guest address space a guest runs on here, 0 none */
	uint64_t svm_host;  /* [C] physical page for VMSAVE/VMLOAD of the host state (svm.c) */
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned ncpus;
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* arch/x86_64/gdt.c: GDT, TSS and GS for CPU c. */
void gdt_init(struct cpu *c);
/* arch/x86_64/idt.c: build the IDT once; load it on each CPU. */
void idt_init(void);
void idt_load(void);
/* arch/x86_64/fpu.c: x87/SSE/AVX state (XSAVE, AMD APM vol. 2 §11.5). */
void fpu_init(void);
extern uint32_t fpu_state_size; /* bytes; an XSAVE area is at most 4096 */
void fpu_save(void *area);	/* area: 64-byte aligned */
void fpu_restore(const void *area);
void fpu_init_area(void *area);
uint64_t fpu_xcr0(void);
void fpu_set_xcr0(uint64_t v);
uint64_t fpu_read_xcr0(void);
void fpu_fit_xcr0(void *area, uint64_t v);
/* arch/x86_64/vectors.S, syscall.S */
void syscall_entry(void);
void trap_return(const struct trapframe *tf) __attribute__((noreturn));

#endif /* __ASSEMBLY__ */
#endif
