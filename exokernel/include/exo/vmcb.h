/*
 * exo/vmcb.h - the AMD SVM virtual machine control block, as the hardware
 * reads it (AMD APM vol. 2, Appendix B "Layout of VMCB"), and the
 * constants of its fields (§15.5-15.21).
 *
 * A VMM environment fills one of these in its own memory and hands it to
 * exo_vcpu_run (exo/vcpu.h); the kernel copies it into the vCPU's own VMCB
 * page, forces what protection needs and checks the rest before VMRUN
 * (secure-bindings/vmcb.c), and copies the result back after #VMEXIT.
 * Offsets are _Static_asserted below: this layout crosses the ABI.
 */
#ifndef EXO_VMCB_H
#define EXO_VMCB_H

#include <stdint.h>

/* A segment register in the state save area (APM vol. 2 §15.5.1). */
struct vmcb_seg {
	uint16_t sel;
	uint16_t attr; /* VMCB_ATTR_*: descriptor bits 40-47 and 52-55 packed */
	uint32_t limit;
	uint64_t base;
};

/* Segment attribute bits (the packed form of descriptor bits 8-15, 20-23). */
#define VMCB_ATTR_TYPE(t) ((t)&0xf)
#define VMCB_ATTR_S	  (1u << 4) /* code/data (not system) */
#define VMCB_ATTR_DPL(d)  (((d)&3) << 5)
#define VMCB_ATTR_P	  (1u << 7)
#define VMCB_ATTR_AVL	  (1u << 8)
#define VMCB_ATTR_L	  (1u << 9)  /* 64-bit code segment */
#define VMCB_ATTR_DB	  (1u << 10) /* default operand size 32 */
#define VMCB_ATTR_G	  (1u << 11)

/* The control area: offsets 0x000-0x3ff. */
struct vmcb_control {
	uint32_t intercept_cr;	  /* 0x000: bits 0-15 CRn reads, 16-31 CRn writes */
	uint32_t intercept_dr;	  /* 0x004: bits 0-15 DRn reads, 16-31 DRn writes */
	uint32_t intercept_exc;	  /* 0x008: bit n = exception vector n */
	uint32_t intercept_misc1; /* 0x00c: VMCB_I1_* */
	uint32_t intercept_misc2; /* 0x010: VMCB_I2_* */
	uint32_t intercept_misc3; /* 0x014 */
	uint8_t rsvd1[0x03c - 0x018];
	uint16_t pause_filter_thresh; /* 0x03c */
	uint16_t pause_filter_count;  /* 0x03e */
	uint64_t iopm_base_pa;	      /* 0x040: physical, 4 KiB aligned, 12 KiB */
	uint64_t msrpm_base_pa;	      /* 0x048: physical, 4 KiB aligned, 8 KiB */
	uint64_t tsc_offset;	      /* 0x050 */
	uint32_t asid;		      /* 0x058 */
	uint8_t tlb_control;	      /* 0x05c: VMCB_TLB_* */
	uint8_t rsvd2[3];
	uint64_t vintr;		   /* 0x060: VMCB_VINTR_* */
	uint64_t interrupt_shadow; /* 0x068: bit 0 shadow, bit 1 guest IF (read only) */
	uint64_t exit_code;	   /* 0x070: VMEXIT_* */
	uint64_t exit_info1;	   /* 0x078 */
	uint64_t exit_info2;	   /* 0x080 */
	uint64_t exit_int_info;	   /* 0x088: an event the exit interrupted (VMCB_EVT_*) */
	uint64_t np_enable;	   /* 0x090: bit 0 nested paging */
	uint64_t avic_apic_bar;	   /* 0x098 */
	uint64_t ghcb_pa;	   /* 0x0a0 */
	uint64_t event_inj;	   /* 0x0a8: VMCB_EVT_* */
	uint64_t ncr3;		   /* 0x0b0: nested page table root (physical) */
	uint64_t virt_ext;	   /* 0x0b8: LBR and VMLOAD/VMSAVE virtualization */
	uint32_t clean;		   /* 0x0c0: VMCB clean bits */
	uint32_t rsvd3;		   /* 0x0c4 */
	uint64_t next_rip;	   /* 0x0c8: only with NRIPS (QEMU TCG has none) */
	uint8_t insn_len;	   /* 0x0d0: only with decode assists */
	uint8_t insn_bytes[15];	   /* 0x0d1 */
	uint8_t rsvd4[0x400 - 0x0e0];
};

/* The state save area: offsets 0x400-0xfff. */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x460 */
	uint8_t rsvd1[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t rsvd2;
	uint64_t efer; /* 0x4d0 */
	uint8_t rsvd3[0x548 - 0x4d8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t rsvd4[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint64_t s_cet, ssp, isst_addr;
	uint64_t rax;			     /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask; /* 0x600 */
	uint64_t kernel_gs_base;	     /* 0x620 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2; /* 0x640 */
	uint8_t rsvd5[0x668 - 0x648];
	uint64_t g_pat; /* 0x668: guest PAT, used with nested paging */
	uint64_t dbgctl;
	uint64_t br_from, br_to, last_excp_from, last_excp_to; /* 0x678 */
	uint8_t rsvd6[0x1000 - 0x698];
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

_Static_assert(sizeof(struct vmcb_control) == 0x400, "ABI: VMCB control area");
_Static_assert(sizeof(struct vmcb) == 4096, "ABI: VMCB");
_Static_assert(__builtin_offsetof(struct vmcb_control, iopm_base_pa) == 0x40, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb_control, asid) == 0x58, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb_control, exit_code) == 0x70, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb_control, event_inj) == 0xa8, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb_control, ncr3) == 0xb0, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb_control, next_rip) == 0xc8, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.cpl) == 0x4cb, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.efer) == 0x4d0, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr4) == 0x548, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.rip) == 0x578, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.rsp) == 0x5d8, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.star) == 0x600, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr2) == 0x640, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "ABI");
_Static_assert(__builtin_offsetof(struct vmcb, save.last_excp_to) == 0x690, "ABI");

/* intercept_misc1 (APM vol. 2 Table B-1, offset 0x00c). */
#define VMCB_I1_INTR	    (1u << 0)
#define VMCB_I1_NMI	    (1u << 1)
#define VMCB_I1_SMI	    (1u << 2)
#define VMCB_I1_INIT	    (1u << 3)
#define VMCB_I1_VINTR	    (1u << 4)
#define VMCB_I1_CR0_SEL	    (1u << 5)
#define VMCB_I1_RDTSC	    (1u << 14)
#define VMCB_I1_PUSHF	    (1u << 16)
#define VMCB_I1_POPF	    (1u << 17)
#define VMCB_I1_CPUID	    (1u << 18)
#define VMCB_I1_IRET	    (1u << 20)
#define VMCB_I1_INTN	    (1u << 21)
#define VMCB_I1_INVD	    (1u << 22)
#define VMCB_I1_PAUSE	    (1u << 23)
#define VMCB_I1_HLT	    (1u << 24)
#define VMCB_I1_INVLPG	    (1u << 25)
#define VMCB_I1_INVLPGA	    (1u << 26)
#define VMCB_I1_IOIO	    (1u << 27)
#define VMCB_I1_MSR	    (1u << 28)
#define VMCB_I1_TASKSWITCH  (1u << 29)
#define VMCB_I1_FERR_FREEZE (1u << 30)
#define VMCB_I1_SHUTDOWN    (1u << 31)

/* intercept_misc2 (offset 0x010). */
#define VMCB_I2_VMRUN	(1u << 0)
#define VMCB_I2_VMMCALL (1u << 1)
#define VMCB_I2_VMLOAD	(1u << 2)
#define VMCB_I2_VMSAVE	(1u << 3)
#define VMCB_I2_STGI	(1u << 4)
#define VMCB_I2_CLGI	(1u << 5)
#define VMCB_I2_SKINIT	(1u << 6)
#define VMCB_I2_RDTSCP	(1u << 7)
#define VMCB_I2_ICEBP	(1u << 8)
#define VMCB_I2_WBINVD	(1u << 9)
#define VMCB_I2_MONITOR (1u << 10)
#define VMCB_I2_MWAIT	(1u << 11)
#define VMCB_I2_XSETBV	(1u << 13)

/* tlb_control (§15.16.1). */
#define VMCB_TLB_NOTHING   0
#define VMCB_TLB_FLUSH_ALL 1

/* vintr (offset 0x060, §15.21.4). */
#define VMCB_VINTR_TPR(t)      ((uint64_t)(t)&0xff)
#define VMCB_VINTR_IRQ	       (1ull << 8)
#define VMCB_VINTR_GIF	       (1ull << 9)  /* the virtual GIF's value */
#define VMCB_VINTR_VGIF_ENABLE (1ull << 25) /* turn virtual GIF on */
#define VMCB_VINTR_PRIO(p)     (((uint64_t)(p)&0xf) << 16)
#define VMCB_VINTR_IGN_TPR     (1ull << 20)
#define VMCB_VINTR_MASKING     (1ull << 24)
#define VMCB_VINTR_VECTOR(v)   (((uint64_t)(v)&0xff) << 32)
#define VMCB_VINTR_AVIC	       (1ull << 31)

/* event_inj and exit_int_info (§15.20). */
#define VMCB_EVT_VECTOR(e)	 ((e)&0xff)
#define VMCB_EVT_TYPE(e)	 (((e) >> 8) & 7)
#define VMCB_EVT_TYPE_INTR	 0
#define VMCB_EVT_TYPE_NMI	 2
#define VMCB_EVT_TYPE_EXC	 3
#define VMCB_EVT_TYPE_SOFT	 4
#define VMCB_EVT_EV		 (1ull << 11) /* error code valid */
#define VMCB_EVT_V		 (1ull << 31) /* valid */
#define VMCB_EVT_ERR(e)		 ((uint32_t)((e) >> 32))
#define VMCB_EVT_MAKE(type, vec) (VMCB_EVT_V | ((uint64_t)(type) << 8) | (vec))

/* np_enable (offset 0x090). */
#define VMCB_NP_ENABLE (1ull << 0)

/* Exit codes (APM vol. 2 Appendix C). */
#define VMEXIT_CR_READ(n)  (0x00 + (n))
#define VMEXIT_CR_WRITE(n) (0x10 + (n))
#define VMEXIT_DR_READ(n)  (0x20 + (n))
#define VMEXIT_DR_WRITE(n) (0x30 + (n))
#define VMEXIT_EXC(v)	   (0x40 + (v))
#define VMEXIT_INTR	   0x60
#define VMEXIT_NMI	   0x61
#define VMEXIT_SMI	   0x62
#define VMEXIT_INIT	   0x63
#define VMEXIT_VINTR	   0x64
#define VMEXIT_CR0_SEL	   0x65
#define VMEXIT_RDTSC	   0x6e
#define VMEXIT_PUSHF	   0x70
#define VMEXIT_POPF	   0x71
#define VMEXIT_CPUID	   0x72
#define VMEXIT_IRET	   0x74
#define VMEXIT_INTN	   0x75
#define VMEXIT_INVD	   0x76
#define VMEXIT_PAUSE	   0x77
#define VMEXIT_HLT	   0x78
#define VMEXIT_INVLPG	   0x79
#define VMEXIT_INVLPGA	   0x7a
#define VMEXIT_IOIO	   0x7b
#define VMEXIT_MSR	   0x7c
#define VMEXIT_TASKSWITCH  0x7d
#define VMEXIT_SHUTDOWN	   0x7f
#define VMEXIT_VMRUN	   0x80
#define VMEXIT_VMMCALL	   0x81
#define VMEXIT_VMLOAD	   0x82
#define VMEXIT_VMSAVE	   0x83
#define VMEXIT_STGI	   0x84
#define VMEXIT_CLGI	   0x85
#define VMEXIT_SKINIT	   0x86
#define VMEXIT_RDTSCP	   0x87
#define VMEXIT_ICEBP	   0x88
#define VMEXIT_WBINVD	   0x89
#define VMEXIT_MONITOR	   0x8a
#define VMEXIT_MWAIT	   0x8b
#define VMEXIT_XSETBV	   0x8d
#define VMEXIT_NPF	   0x400
#define VMEXIT_INVALID	   0xffffffffull /* QEMU gives 32-bit -1; compare the low half */

/* exit_info1 of VMEXIT_IOIO (§15.10.2). */
#define VMEXIT_IO_IN	  (1u << 0) /* 1 = IN/INS */
#define VMEXIT_IO_STR	  (1u << 2)
#define VMEXIT_IO_REP	  (1u << 3)
#define VMEXIT_IO_SZ8	  (1u << 4)
#define VMEXIT_IO_SZ16	  (1u << 5)
#define VMEXIT_IO_SZ32	  (1u << 6)
#define VMEXIT_IO_PORT(i) ((uint16_t)((i) >> 16))

/* Architectural register bits the VMCB checks use (APM vol. 2 ch. 3). */
#define X86_CR0_PE	   (1ull << 0)
#define X86_CR0_MP	   (1ull << 1)
#define X86_CR0_EM	   (1ull << 2)
#define X86_CR0_TS	   (1ull << 3)
#define X86_CR0_ET	   (1ull << 4)
#define X86_CR0_NE	   (1ull << 5)
#define X86_CR0_WP	   (1ull << 16)
#define X86_CR0_AM	   (1ull << 18)
#define X86_CR0_NW	   (1ull << 29)
#define X86_CR0_CD	   (1ull << 30)
#define X86_CR0_PG	   (1ull << 31)
#define X86_CR4_VME	   (1ull << 0)
#define X86_CR4_PVI	   (1ull << 1)
#define X86_CR4_TSD	   (1ull << 2)
#define X86_CR4_DE	   (1ull << 3)
#define X86_CR4_PSE	   (1ull << 4)
#define X86_CR4_PAE	   (1ull << 5)
#define X86_CR4_MCE	   (1ull << 6)
#define X86_CR4_PGE	   (1ull << 7)
#define X86_CR4_PCE	   (1ull << 8)
#define X86_CR4_OSFXSR	   (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define X86_CR4_UMIP	   (1ull << 11)
#define X86_CR4_LA57	   (1ull << 12)
#define X86_CR4_FSGSBASE   (1ull << 16)
#define X86_CR4_PCIDE	   (1ull << 17)
#define X86_CR4_OSXSAVE	   (1ull << 18)
#define X86_CR4_SMEP	   (1ull << 20)
#define X86_CR4_SMAP	   (1ull << 21)
#define X86_CR4_PKE	   (1ull << 22)
#define X86_CR4_CET	   (1ull << 23)
#define X86_EFER_SCE	   (1ull << 0)
#define X86_EFER_LME	   (1ull << 8)
#define X86_EFER_LMA	   (1ull << 10)
#define X86_EFER_NXE	   (1ull << 11)
#define X86_EFER_SVME	   (1ull << 12)
#define X86_EFER_LMSLE	   (1ull << 13)
#define X86_EFER_FFXSR	   (1ull << 14)
#define X86_EFER_TCE	   (1ull << 15)

#endif
