/*
 * fpu.c - the x87/SSE/AVX register state of environments.
 *
 * The kernel itself never touches these registers (it is compiled with
 * -mgeneral-regs-only), so an environment's state stays in the registers
 * while the kernel runs and is saved with XSAVE (or FXSAVE on CPUs without
 * it) only when another environment takes the CPU (AMD APM vol. 2 §11.5).
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

#define CR0_MP	       (1u << 1)
#define CR0_EM	       (1u << 2)
#define CR0_TS	       (1u << 3)
#define CR0_NE	       (1u << 5)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE    (1u << 18)
#define XCR0_X87       1u
#define XCR0_SSE       2u
#define XCR0_AVX       4u

uint32_t fpu_state_size = 512;
static bool have_xsave;
static uint64_t xcr0;
static uint8_t clean_state[4096] __attribute__((aligned(64)));

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* Enable the FPU and SSE for ring 3, choose the XSAVE feature set, and
 * record the clean state every new environment starts from. */
void fpu_init(void)
{
	uint32_t a, b, c, d;
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(uint64_t)(CR0_EM | CR0_TS));
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	cpuid(1, 0, &a, &b, &c, &d);
	have_xsave = c & (1u << 26);
	if (have_xsave) {
		write_cr4(cr4 | CR4_OSXSAVE);
		xcr0 = XCR0_X87 | XCR0_SSE | ((c & (1u << 28)) ? XCR0_AVX : 0);
		xsetbv(0, xcr0);
		cpuid(0xd, 0, &a, &b, &c, &d);
		fpu_state_size = b;
		assert(fpu_state_size <= sizeof(clean_state));
	} else {
		write_cr4(cr4);
	}
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit\n ldmxcsr %0" ::"m"(mxcsr));
	fpu_save(clean_state);
}

/* Save this CPU's x87/SSE/AVX registers to area (fpu_state_size bytes,
 * 64-byte aligned). */
void fpu_save(void *area)
{
	if (have_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

/* Load this CPU's x87/SSE/AVX registers from area. */
void fpu_restore(const void *area)
{
	if (have_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

/* Fill area with the clean initial state. */
void fpu_init_area(void *area)
{
	memcpy(area, clean_state, fpu_state_size);
}

/* The XCR0 the kernel runs environments with (0 without XSAVE). */
uint64_t fpu_xcr0(void)
{
	return xcr0;
}

/* This CPU's XCR0 now (a guest may have set its own: QEMU's SVM does not
 * intercept XSETBV); 0 without XSAVE. */
uint64_t fpu_read_xcr0(void)
{
	if (!have_xsave)
		return 0;
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* Load XCR0 with v (a guest's around VMRUN; the kernel's after). Only on
 * CPUs with XSAVE; v has been checked (sb_vmcb_check_xcr0). */
void fpu_set_xcr0(uint64_t v)
{
	if (have_xsave)
		xsetbv(0, v);
}

/* Make area loadable under XCR0 = v: XRSTOR faults on a component the
 * header says is present (XSTATE_BV, byte 512) that XCR0 does not enable,
 * and XSAVE leaves the bits of components outside XCR0 as they were
 * (Intel SDM vol. 1 §13.8). Those components go back to their initial
 * state. */
void fpu_fit_xcr0(void *area, uint64_t v)
{
	if (have_xsave)
		*(uint64_t *)((uint8_t *)area + 512) &= v;
}
