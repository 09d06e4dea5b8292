/*
 * cpuid.c - the CPU model a guest sees: CPUID as a whitelist over the host
 * CPU's answers, and the model-specific registers the VMM emulates.
 *
 * A feature is shown only if the VMM virtualizes it and the kernel
 * switches its state: no SVM (a guest does not nest), no LA57 (shadow
 * tables are 4-level), no PCID/INVPCID (the shadow MMU has no tagged
 * roots), no PKU, no x2APIC (the local APIC is an xAPIC; TSC-deadline
 * mode is offered), no MTRR/MCE/MCA (their MSRs are not emulated), AVX only if
 * the kernel switches the AVX state (its XCR0). Every MSR outside the
 * emulated set raises #GP(0) in the guest, as hardware does for an MSR it
 * does not have. Sources: AMD APM vol. 3 appendix E (CPUID), AMD APM
 * vol. 2 appendix A (MSRs).
 */
#include "vm_int.h"

#define MSR_TSC		 0x10
#define MSR_PAT		 0x277
#define MSR_APIC_BASE	 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_INT_PENDING	 0xc0010055 /* AMD's interrupt pending message register */
#define MSR_EFER	 0xc0000080
#define GUEST_PHYS_BITS	 40
#define GUEST_VIRT_BITS	 48

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* The XCR0 the kernel runs us with: the state it switches for guests too. */
uint64_t cpuid_host_xcr0(void)
{
	uint32_t a[4];
	host_cpuid(1, 0, a);
	if (!(a[2] & (1u << 27)))
		return 1;
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* Leaf 1 EDX bits shown: FPU VME DE PSE TSC MSR PAE CX8 APIC SEP PGE CMOV
 * PAT PSE36 CLFSH MMX FXSR SSE SSE2. */
#define L1_EDX	    0x078bab7fu
#define L1_ECX_TSCD (1u << 24) /* TSC-deadline mode of the APIC timer */
/* Leaf 1 ECX: SSE3 PCLMUL SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES XSAVE
 * RDRAND; with AVX also FMA, AVX, F16C; OSXSAVE mirrors CR4. */
#define L1_ECX	   0x46d82203u
#define L1_ECX_AVX 0x30001000u
/* Leaf 7 EBX: FSGSBASE BMI1 SMEP BMI2 ERMS ADX SMAP CLFLUSHOPT SHA; with
 * AVX also AVX2. */
#define L7_EBX 0x20980389u
/* 0x80000001 ECX: LAHF/SAHF ABM SSE4A MisAlignSSE 3DNowPrefetch. */
#define E1_ECX 0x000001e1u
/* 0x80000001 EDX: SYSCALL NX MMXEXT FFXSR Page1GB LM, plus the leaf 1
 * bits AMD mirrors there. */
#define E1_EDX 0x26500800u

void cpuid_guest(const struct vcpu *c, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t h[4];
	if ((leaf & 0xf0000000u) == PVCLOCK_CPUID_BASE) {
		pvclock_cpuid(leaf, r);
		return;
	}
	host_cpuid(leaf & 0x80000000u, 0, h);
	uint32_t max = h[0];
	r[0] = r[1] = r[2] = r[3] = 0;
	if (leaf > max)
		return;
	host_cpuid(leaf, sub, h);
	bool avx = cpuid_host_xcr0() & 4;
	switch (leaf) {
	case 0:
		r[0] = h[0] < 0xd ? h[0] : 0xd;
		r[1] = h[1], r[2] = h[2], r[3] = h[3];
		break;
	case 1:
		r[0] = h[0];
		r[1] = (h[1] & 0xffff) | (uint32_t)c->id << 24 | 1u << 16;
		r[2] = (h[2] & L1_ECX) | L1_ECX_TSCD | (1u << 31); /* a hypervisor is present */
		if (avx)
			r[2] |= h[2] & L1_ECX_AVX;
		if (c->cr4 & X86_CR4_OSXSAVE)
			r[2] |= 1u << 27;
		r[3] = h[3] & (L1_EDX);
		if (!lapic_hw_enabled(&c->vm->pf.lapic[c->id]))
			r[3] &= ~(1u << 9); /* APIC mirrors IA32_APIC_BASE.EN */
		break;
	case 7:
		if (sub == 0) {
			r[1] = h[1] & (L7_EBX);
			if (avx)
				r[1] |= h[1] & (1u << 5);
			r[2] = h[2] & (1u << 2); /* UMIP */
		}
		break;
	case 0xd: {
		uint64_t mask = 3 | (avx ? 4 : 0);
		if (sub == 0) {
			r[0] = (uint32_t)mask;
			r[1] = (c->st->xcr0 & 4) ? 832 : 576;
			r[2] = avx ? 832 : 576;
		} else if (sub == 2 && avx) {
			r[0] = h[0], r[1] = h[1];
		}
		break;
	}
	case 0x80000000:
		r[0] = h[0] < 0x80000008 ? h[0] : 0x80000008;
		r[1] = h[1], r[2] = h[2], r[3] = h[3];
		break;
	case 0x80000001: {
		uint32_t l1[4];
		cpuid_guest(c, 1, 0, l1);
		r[0] = h[0];
		r[2] = h[2] & E1_ECX;
		r[3] = (h[3] & E1_EDX) | (l1[3] & 0x0183f3ffu);
		break;
	}
	case 0x80000002:
	case 0x80000003:
	case 0x80000004:
	case 0x80000005:
	case 0x80000006:
		r[0] = h[0], r[1] = h[1], r[2] = h[2], r[3] = h[3];
		break;
	case 0x80000008:
		r[0] = GUEST_PHYS_BITS | GUEST_VIRT_BITS << 8;
		break;
	default:
		break;
	}
}

int msr_read(struct vcpu *c, uint32_t msr, uint64_t *v)
{
	struct vmcb *vmcb = &c->st->vmcb;
	switch (msr) {
	case MSR_EFER:
		*v = c->efer;
		return 0;
	case MSR_TSC: {
		uint32_t lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		*v = ((uint64_t)hi << 32 | lo) + vmcb->control.tsc_offset;
		return 0;
	}
	case MSR_PAT:
		*v = vmcb->save.g_pat;
		return 0;
	case MSR_APIC_BASE:
	case MSR_TSC_DEADLINE:
		return platform_apic_msr(c, msr, v, false);
	case PVCLOCK_MSR_WALL_CLOCK:
	case PVCLOCK_MSR_SYSTEM_TIME:
		return pvclock_msr(c, msr, v, false);
	case MSR_INT_PENDING:
		*v = 0; /* no C1E: no interrupt-pending message (Linux's AMD E400 check) */
		return 0;
	default:
		return -1;
	}
}

int msr_write(struct vcpu *c, uint32_t msr, uint64_t v)
{
	struct vmcb *vmcb = &c->st->vmcb;
	switch (msr) {
	case MSR_EFER: {
		uint64_t ok = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
		if (v & ~ok)
			return -1;
		/* LME may not change while paging is on (APM vol. 2 §14.6.1). */
		if ((c->cr0 & X86_CR0_PG) && ((v ^ c->efer) & X86_EFER_LME))
			return -1;
		/* LMA is the processor's: keep it. */
		cpu_set_efer(c, (v & ~X86_EFER_LMA) | (c->efer & X86_EFER_LMA));
		return 0;
	}
	case MSR_TSC: {
		uint32_t lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		vmcb->control.tsc_offset = v - ((uint64_t)hi << 32 | lo);
		pvclock_publish(c);
		return 0;
	}
	case MSR_PAT:
		/* Each byte a valid memory type: 0, 1, 4, 5, 6, 7. */
		for (int i = 0; i < 8; i++) {
			unsigned t = (v >> (8 * i)) & 0xff;
			if (t == 2 || t == 3 || t > 7)
				return -1;
		}
		vmcb->save.g_pat = v;
		return 0;
	case MSR_APIC_BASE:
	case MSR_TSC_DEADLINE:
		return platform_apic_msr(c, msr, &v, true);
	case PVCLOCK_MSR_WALL_CLOCK:
	case PVCLOCK_MSR_SYSTEM_TIME:
		return pvclock_msr(c, msr, &v, true);
	case MSR_INT_PENDING:
		return 0;
	default:
		return -1;
	}
}

void cpuid_init_vcpu(struct vcpu *c)
{
	c->st->vmcb.save.g_pat = PAT_DEFAULT;
}
