/*
 * vmcb.h - the checks the kernel runs on a VMCB before every VMRUN (AMD SVM).
 *
 * A VMM environment hands the kernel a VMCB (exo/vmcb.h) inside a struct
 * exo_vcpu_state (exo/vcpu.h). sb_vmcb_prepare builds the VMCB the kernel
 * actually runs: the guest state and the VMM's intercept choices from the
 * VMM's copy, the kernel's forced intercepts ORed in, every control field
 * the VMM does not own set by the kernel (struct sb_vmcb_bind) or zeroed,
 * and then checks the result: the VMRUN consistency checks hardware makes
 * (QEMU's TCG skips several, so we make them all), the host's limits, and
 * our own policy. A VMCB that passes can be run; one that fails must not.
 * The checks, in order, are tabled at the top of vmcb.c.
 *
 * Also here: the permission maps every vCPU shares (all ports intercepted;
 * all MSRs but EXO_VCPU_SAFE_MSRS intercepted) and the guest XCR0 check.
 */
#ifndef SB_VMCB_H
#define SB_VMCB_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/vmcb.h>

/* What the host supports and allows (filled once by the kernel at boot). */
struct sb_vmcb_host {
	uint64_t cr4_allowed;  /* CR4 bits a guest may set (host-supported bits, never LA57) */
	uint64_t efer_allowed; /* EFER bits that may be set (SCE, LME, LMA, NXE, SVME, ...) */
	uint64_t xcr0_allowed; /* the kernel's XCR0: a guest's must be a subset */
	bool nested;	       /* the CPU has nested paging (CPUID 0x8000000a EDX bit 0) */
	bool flush_by_asid;    /* CPUID 0x8000000a EDX bit 6: TLB_CONTROL 3 and 7 are valid */
	uint8_t pa_bits;       /* physical address bits (CPUID 0x80000008 EAX[7:0]); 0 = 52 */
	uint32_t nasid;	       /* ASIDs (CPUID 0x8000000a EBX): asid < nasid; 0 = no limit */
};

/* What the kernel decided for this VMRUN. */
struct sb_vmcb_bind {
	uint32_t asid;		    /* kernel-assigned, non-zero */
	uint64_t iopm_pa, msrpm_pa; /* the kernel's permission maps (physical, 4 KiB aligned) */
	uint64_t root_pa;	    /* physical address of the guest address space's root table */
	int format;		    /* EXO_GAS_LONG4 or EXO_GAS_PAE: the format of that table */
	bool nested;	     /* nested paging: root_pa becomes nCR3; else it becomes CR3 (shadow) */
	uint8_t tlb_control; /* VMCB_TLB_* (or 3 / 7 with flush-by-ASID) */
};

/* Why a VMCB (or an XCR0) was refused, in the order the checks run. The
 * functions return the negated value; sb_vmcb_strerror names each. */
enum sb_vmcb_error {
	SB_VMCB_OK = 0,
	/* The kernel's binding (a failure is a kernel bug, not the VMM's). */
	SB_VMCB_EFORMAT,	/* b->format is neither EXO_GAS_LONG4 nor EXO_GAS_PAE */
	SB_VMCB_ENONESTED,	/* nested paging asked for, the host has none */
	SB_VMCB_ENESTED_FORMAT, /* nested paging on a table that is not EXO_GAS_LONG4 */
	SB_VMCB_EASID,		/* ASID zero, or >= host nasid */
	SB_VMCB_ETLB,		/* TLB_CONTROL not a valid encoding on this host */
	SB_VMCB_EMAPS,		/* IOPM/MSRPM misaligned or reaching past the physical limit */
	SB_VMCB_EROOT,		/* root table misaligned or beyond what CR3/nCR3 can hold */
	/* The hardware's VMRUN consistency checks (APM vol. 2 §15.5.1). */
	SB_VMCB_ESVME,	   /* EFER.SVME clear */
	SB_VMCB_ECR0_NW,   /* CR0.NW set with CR0.CD clear */
	SB_VMCB_ECR0_HIGH, /* CR0[63:32] non-zero */
	SB_VMCB_ECR3,	   /* a must-be-zero bit of CR3 set */
	SB_VMCB_ELA57,	   /* CR4.LA57 set (policy: never, checked before the other CR4 bits) */
	SB_VMCB_ECR4,	   /* a CR4 bit outside cr4_allowed, or PCIDE outside long mode */
	SB_VMCB_ECET,	   /* CR4.CET with CR0.WP clear, or reserved S_CET bits */
	SB_VMCB_EDR,	   /* DR6[63:32] or DR7[63:32] non-zero */
	SB_VMCB_EEFER,	   /* an EFER bit outside efer_allowed */
	SB_VMCB_ELME_PAE,  /* EFER.LME and CR0.PG with CR4.PAE clear */
	SB_VMCB_ELME_PE,   /* EFER.LME and CR0.PG with CR0.PE clear */
	SB_VMCB_ECS_LD,	   /* EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set */
	SB_VMCB_EVMRUN,	   /* the VMRUN intercept clear */
	SB_VMCB_ECONTROL,  /* another forced control field missing (see sb_vmcb_check) */
	SB_VMCB_EEVENT,	   /* an illegal EVENTINJ (APM vol. 2 §15.20) */
	/* Our policy. */
	SB_VMCB_ESHADOW_PG,   /* shadow paging with CR0.PG clear (use paged real mode) */
	SB_VMCB_EMODE_FORMAT, /* the guest's paging mode does not match the shadow table */
	SB_VMCB_ELMA,	      /* EFER.LMA differs from EFER.LME && CR0.PG */
	SB_VMCB_EPAT,	      /* nested paging with a reserved memory type in G_PAT */
	/* sb_vmcb_check_xcr0 (Intel SDM vol. 2 XSETBV, APM vol. 2 §11.5.2). */
	SB_VMCB_EXCR0_X87,    /* XCR0 bit 0 (x87) clear */
	SB_VMCB_EXCR0_HOST,   /* XCR0 not a subset of the kernel's */
	SB_VMCB_EXCR0_AVX,    /* XCR0.AVX (bit 2) without XCR0.SSE (bit 1) */
	SB_VMCB_EXCR0_MPX,    /* XCR0 bits 3 and 4 (BNDREGS, BNDCSR) differ */
	SB_VMCB_EXCR0_AVX512, /* XCR0[7:5] neither 000b nor 111b, or 111b without AVX */
	SB_VMCB_EXCR0_AMX,    /* XCR0 bits 17 and 18 (XTILECFG, XTILEDATA) differ */
	SB_VMCB_NERRORS
};

/* Intercepts the kernel forces on every VMRUN, whatever the VMM asked. */
#define SB_VMCB_FORCED_MISC1                                                          \
	(VMCB_I1_INTR | VMCB_I1_NMI | VMCB_I1_SMI | VMCB_I1_INIT | VMCB_I1_SHUTDOWN | \
	 VMCB_I1_IOIO | VMCB_I1_MSR | VMCB_I1_INVLPGA)
#define SB_VMCB_FORCED_MISC2                                                                \
	(VMCB_I2_VMRUN | VMCB_I2_VMMCALL | VMCB_I2_VMLOAD | VMCB_I2_VMSAVE | VMCB_I2_STGI | \
	 VMCB_I2_CLGI | VMCB_I2_SKINIT | VMCB_I2_XSETBV)
/* Reads (bits 0-3) and writes (bits 16-19) of DR0-DR3: the kernel does
 * not switch them, so a guest must neither see nor set the host's. */
#define SB_VMCB_FORCED_DR 0x000f000fu
/* #DB (1) and #AC (17): a guest can make their delivery recur forever
 * inside the CPU, where no interrupt intercept can end it (the
 * "benign exception loop"), so the kernel always takes them. */
#define SB_VMCB_FORCED_EXC ((1u << 1) | (1u << 17))
/* Shadow mode only: writes of CR0 (bit 16), CR3 (bit 19), CR4 (bit 20) and
 * reads of CR3 (bit 3), and task switches (which load CR3 from a TSS):
 * the guest must never load or see a host-physical root, turn paging off,
 * or change the paging format the shadow table is in. */
#define SB_VMCB_FORCED_CR_SHADOW    ((1u << 16) | (1u << 19) | (1u << 20) | (1u << 3))
#define SB_VMCB_FORCED_MISC1_SHADOW VMCB_I1_TASKSWITCH

/* The vintr bits a VMM may set (TPR, V_IRQ, priority, IGN_TPR, vector);
 * V_INTR_MASKING is forced on, everything else (VGIF, vNMI, AVIC) off. */
#define SB_VMCB_VINTR_VMM                                                                    \
	(VMCB_VINTR_TPR(0xff) | VMCB_VINTR_IRQ | VMCB_VINTR_PRIO(0xf) | VMCB_VINTR_IGN_TPR | \
	 VMCB_VINTR_VECTOR(0xff))

/* Sizes of the permission maps, bytes (APM vol. 2 §15.10.1, §15.11). */
#define SB_VMCB_IOPM_SIZE  12288
#define SB_VMCB_MSRPM_SIZE 8192

/*
 * Build in *out (the kernel's private VMCB page) the VMCB to run from *in
 * (the VMM's, already copied into kernel memory; out != in), then check it
 * with sb_vmcb_check.
 *
 * From *in: the whole state save area (its reserved gaps zeroed); in the
 * control area the six intercept words, the pause filter fields,
 * tsc_offset, vintr (SB_VMCB_VINTR_VMM bits only, plus V_INTR_MASKING),
 * interrupt_shadow bit 0 and event_inj. Then the forced intercepts are
 * ORed in (SB_VMCB_FORCED_*; the _SHADOW ones when !b->nested). From *b:
 * asid, tlb_control, iopm_base_pa, msrpm_base_pa, np_enable (bit 0 iff
 * b->nested) and ncr3 = root_pa (nested) or save.cr3 = root_pa (shadow: the
 * VMM's CR3 is replaced; in nested mode the guest's own CR3, a gpa, is
 * kept). Everything else in the control area (exit fields, clean bits,
 * virt_ext, AVIC, GHCB, next_rip, ...) is zero.
 *
 * Returns 0 if *out may be run, or -SB_VMCB_E* from the first failing check
 * (table in vmcb.c); then *out is built but must not be run. Reads *in,
 * *b and *h only. Source: AMD APM vol. 2 §15.5-15.21, Appendix B.
 */
int sb_vmcb_prepare(struct vmcb *out, const struct vmcb *in, const struct sb_vmcb_bind *b,
		    const struct sb_vmcb_host *h);

/*
 * Check a built VMCB *v as the kernel is about to run it, for the binding
 * *b (only b->format and b->nested are read: the other values are taken
 * from *v itself) and host *h. Every check of the table in vmcb.c runs in
 * that order; the first failure decides. Besides the guest state this
 * re-checks what sb_vmcb_prepare forces (SB_VMCB_EVMRUN for the VMRUN
 * intercept, SB_VMCB_ECONTROL for the other forced intercepts, vintr,
 * interrupt_shadow, np_enable, virt_ext, clean), so a VMCB changed after
 * prepare is caught too. Changes nothing. Returns 0 or -SB_VMCB_E*.
 */
int sb_vmcb_check(const struct vmcb *v, const struct sb_vmcb_bind *b, const struct sb_vmcb_host *h);

/*
 * Check a guest XCR0 the kernel is to load with XSETBV on VMRUN (a #GP
 * there would be the kernel's). In order: bit 0 (x87) set
 * (SB_VMCB_EXCR0_X87); a subset of h->xcr0_allowed (_HOST); bit 2 (AVX)
 * only with bit 1 (SSE) (_AVX); bits 3 and 4 equal (_MPX); bits 7:5 all
 * clear, or all set with bits 2:1 set (_AVX512); bits 17 and 18 equal
 * (_AMX). Returns 0 or the negated error. Source: Intel SDM vol. 2
 * "XSETBV", AMD APM vol. 2 §11.5.2.
 */
int sb_vmcb_check_xcr0(uint64_t xcr0, const struct sb_vmcb_host *h);

/* Fill the I/O permission map (12 KiB, APM vol. 2 §15.10.1): every port,
 * every size, intercepted (all bits set). */
void sb_vmcb_fill_iopm(uint8_t iopm[SB_VMCB_IOPM_SIZE]);

/*
 * Fill the MSR permission map (8 KiB, APM vol. 2 §15.11): two bits per MSR
 * (2n read, 2n+1 write) for MSRs 0-0x1fff (bytes 0x000-0x7ff),
 * 0xc0000000-0xc0001fff (0x800-0xfff) and 0xc0010000-0xc0011fff
 * (0x1000-0x17ff); bytes 0x1800-0x1fff are reserved. Every bit is set
 * (intercepted) except the read and write bits of EXO_VCPU_SAFE_MSRS. MSRs
 * outside the three ranges need no bit: the hardware always intercepts them.
 */
void sb_vmcb_fill_msrpm(uint8_t msrpm[SB_VMCB_MSRPM_SIZE]);

/* Whether a guest's RDMSR (write false) or WRMSR (write true) of msr exits
 * under msrpm: its bit, or true for an MSR outside the three ranges. */
bool sb_vmcb_msr_intercepted(const uint8_t msrpm[SB_VMCB_MSRPM_SIZE], uint32_t msr, bool write);

/* A fixed one-line English message for 0 or a (negated or not) enum
 * sb_vmcb_error; "unknown VMCB error" for anything else. */
const char *sb_vmcb_strerror(int err);

#endif
