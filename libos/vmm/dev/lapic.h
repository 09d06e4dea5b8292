/*
 * lapic.h - the local APIC of one vCPU, in xAPIC mode: a 4 KiB register page
 * at guest-physical 0xFEE00000 and the IA32_APIC_BASE MSR (0x1B).
 *
 * Sources: Intel SDM vol. 3A ch. 11 (ch. 10 in editions before 2023),
 * "Advanced Programmable Interrupt Controller (APIC)": 10.4.3 (enabling and
 * disabling, IA32_APIC_BASE), 10.4.7 (state after power-up, INIT and
 * software disable), 10.5.1 (the LVT), 10.5.3 (ESR), 10.5.4 (the timer,
 * divide configuration, TSC-deadline mode), 10.6.1 (ICR), 10.6.2
 * (destinations: physical, logical flat and cluster), 10.8 (IRR, ISR, TMR,
 * TPR, PPR, EOI); AMD APM vol. 2 ch. 16 "Advanced Programmable Interrupt
 * Controller (APIC)". Power-on LINT0 of the BSP in virtual-wire mode
 * (ExtINT, unmasked) follows QEMU's apic_reset_common, as a PC BIOS leaves it.
 *
 * The model owns no interrupt routing: an ICR write hands the message to
 * cfg->send, and whoever owns the APIC bus (the VMM's router) calls
 * lapic_match and lapic_deliver on the destinations. EOIs of level-triggered
 * vectors go out through cfg->eoi for the IOAPICs.
 *
 * The vCPU loop's side, before each VMRUN: lapic_update(now) (timer
 * expiries), lapic_take_events (NMI/INIT/SIPI/ExtINT), lapic_pending, and
 * lapic_ack when it injects the vector. lapic_next_event says when to come
 * back for the timer.
 */
#ifndef VMM_DEV_LAPIC_H
#define VMM_DEV_LAPIC_H

#include "dev/vdev.h"

#define LAPIC_BASE	       0xFEE00000ULL /* the xAPIC page, guest-physical */
#define LAPIC_SIZE	       0x1000u	     /* bytes */
#define LAPIC_MSR_BASE	       0x1Bu	     /* IA32_APIC_BASE */
#define LAPIC_MSR_TSC_DEADLINE 0x6E0u

/* IA32_APIC_BASE bits (SDM 10.4.4). */
#define LAPIC_BASE_BSP	  (1ULL << 8)
#define LAPIC_BASE_X2APIC (1ULL << 10)
#define LAPIC_BASE_ENABLE (1ULL << 11)

/* Register offsets in the page (SDM table 10-1). */
#define LAPIC_ID	  0x20
#define LAPIC_VERSION	  0x30
#define LAPIC_TPR	  0x80
#define LAPIC_APR	  0x90
#define LAPIC_PPR	  0xA0
#define LAPIC_EOI	  0xB0
#define LAPIC_RRD	  0xC0
#define LAPIC_LDR	  0xD0
#define LAPIC_DFR	  0xE0
#define LAPIC_SVR	  0xF0
#define LAPIC_ISR	  0x100 /* eight words, 0x100-0x170 */
#define LAPIC_TMR	  0x180 /* 0x180-0x1F0 */
#define LAPIC_IRR	  0x200 /* 0x200-0x270 */
#define LAPIC_ESR	  0x280
#define LAPIC_LVT_CMCI	  0x2F0
#define LAPIC_ICR_LO	  0x300
#define LAPIC_ICR_HI	  0x310
#define LAPIC_LVT_TIMER	  0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF	  0x340
#define LAPIC_LVT_LINT0	  0x350
#define LAPIC_LVT_LINT1	  0x360
#define LAPIC_LVT_ERROR	  0x370
#define LAPIC_TIMER_ICR	  0x380 /* initial count */
#define LAPIC_TIMER_CCR	  0x390 /* current count */
#define LAPIC_TIMER_DCR	  0x3E0 /* divide configuration */

/* Highest timer clock (Hz) the tick arithmetic handles exactly in 64 bits. */
#define LAPIC_MAX_HZ 10000000000ULL

/* Version register: version 0x14 (integrated APIC), max LVT entry 5 (timer,
 * thermal, perf, LINT0, LINT1, error), as QEMU reports. */
#define LAPIC_VERSION_VALUE 0x00050014u

/* LVT fields (SDM figure 10-8). */
#define LAPIC_LVT_MASKED	 (1u << 16)
#define LAPIC_LVT_LEVEL		 (1u << 15)
#define LAPIC_LVT_REMOTE_IRR	 (1u << 14)
#define LAPIC_LVT_POLARITY	 (1u << 13)
#define LAPIC_LVT_PENDING	 (1u << 12) /* delivery status: always reads 0 here */
#define LAPIC_TIMER_ONESHOT	 0u
#define LAPIC_TIMER_PERIODIC	 1u
#define LAPIC_TIMER_TSC_DEADLINE 2u

/* SVR bit 8: APIC software enable. */
#define LAPIC_SVR_ENABLE (1u << 8)

/* ESR bits (SDM figure 10-9). */
#define LAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define LAPIC_ESR_RECV_ILLEGAL (1u << 6)

struct lapic;

/* An interrupt message on the APIC bus: what an IOAPIC redirection entry or a
 * LAPIC's ICR sends. */
enum apic_dm {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_SIPI = 6,
	APIC_DM_EXTINT = 7
};
enum apic_shorthand { APIC_SH_NONE = 0, APIC_SH_SELF = 1, APIC_SH_ALL = 2, APIC_SH_OTHERS = 3 };
struct apic_msg {
	uint8_t vector;
	uint8_t mode;	   /* enum apic_dm */
	bool logical;	   /* destination mode: logical (true) or physical */
	uint8_t dest;	   /* APIC ID (physical) or MDA (logical) */
	bool level;	   /* trigger mode: level (true) or edge */
	bool assert;	   /* level: assert (INIT level de-assert has assert = false) */
	uint8_t shorthand; /* enum apic_shorthand (ICR only; 0 from an IOAPIC) */
};

struct lapic_config {
	unsigned id;	   /* APIC ID, 0..254 */
	bool bsp;	   /* the bootstrap processor: IA32_APIC_BASE.BSP, and LINT0
			    * starts as ExtINT (virtual-wire mode, as a PC BIOS
			    * leaves it and as QEMU does) */
	bool tsc_deadline; /* the CPU model offers TSC-deadline mode (CPUID.1:ECX[24]) */
	uint64_t timer_hz; /* Hz of the clock the timer's divider divides (e.g. 1 GHz);
			    * 0 means 1 GHz, above LAPIC_MAX_HZ is clamped */
	/* An ICR write: send m (the router resolves the destination and
	 * shorthand; `from` is the sender). Called from inside lapic_write. */
	void (*send)(void *ctx, struct lapic *from, const struct apic_msg *m);
	/* EOI of a level-triggered vector (TMR bit set): the router forwards
	 * it to the IOAPICs. May be NULL. */
	void (*eoi)(void *ctx, unsigned vector);
	void *ctx;
};

/* LVT slots (lvt[] below). */
enum {
	LAPIC_LVT_I_TIMER,
	LAPIC_LVT_I_THERMAL,
	LAPIC_LVT_I_PERF,
	LAPIC_LVT_I_LINT0,
	LAPIC_LVT_I_LINT1,
	LAPIC_LVT_I_ERROR,
	LAPIC_LVT_I_CMCI,
	LAPIC_NLVT
};

/*
 * One local APIC. The timer counts from timer_start_ns: the count has gone
 * down by timer_base + (timer_hz ticks since timer_start_ns) / divide,
 * i.e. d decrements; expiry n (n >= 1) happens when d reaches n *
 * timer_icr, so a periodic timer never drifts from its programmed period.
 * Invariants: timer_fired <= the expiries due by the last update;
 * timer_running implies timer_icr != 0 and the LVT timer not in
 * TSC-deadline mode; tsc_deadline != 0 only in TSC-deadline mode.
 */
struct lapic {
	struct lapic_config cfg;
	bool hw_enabled; /* IA32_APIC_BASE[11] */
	uint32_t id;	 /* ID register as read (bits 31:24) */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t irr[8], isr[8], tmr[8]; /* bit v%32 of word v/32 */
	uint32_t esr;			 /* ESR as read: latched by the last write */
	uint32_t esr_pending;		 /* errors seen since the last ESR write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LAPIC_NLVT];
	uint32_t timer_icr;	  /* initial count */
	uint32_t timer_dcr;	  /* divide configuration, bits 0, 1, 3 */
	bool timer_running;	  /* one-shot or periodic count in progress */
	uint64_t timer_start_ns;  /* guest ns the count (re)started */
	uint64_t timer_base;	  /* decrements done before timer_start_ns */
	uint64_t timer_fired;	  /* expiries already signalled since the load */
	uint64_t tsc_deadline;	  /* as the guest wrote it; 0 = disarmed */
	uint64_t tsc_deadline_ns; /* the guest time it means */
	unsigned events;	  /* LAPIC_EV_* pending */
	uint8_t sipi_vector;	  /* the last SIPI's vector */
};

/*
 * Power-on state (SDM 10.4.7.1): enabled in IA32_APIC_BASE, software
 * disabled (SVR 0xFF), every LVT masked except, on the BSP, LINT0 = 0x700
 * (ExtINT, unmasked); ID cfg->id; no events pending. cfg is copied.
 */
void lapic_init(struct lapic *a, const struct lapic_config *cfg, uint64_t now_ns);

/*
 * INIT (SDM 10.4.7.3): every register to its power-on value except the ID
 * and IA32_APIC_BASE, which are kept; LINT0 is masked even on the BSP. The
 * timer stops, the TSC deadline is disarmed. Pending LAPIC_EV_* events are
 * kept (the vCPU loop takes them).
 */
void lapic_reset(struct lapic *a, uint64_t now_ns);

/* IA32_APIC_BASE (MSR 0x1B): 0xFEE00000 | enable bit 11 | BSP bit 8. */
uint64_t lapic_base_msr(const struct lapic *a);

/*
 * A guest WRMSR to IA32_APIC_BASE. Returns 0, or -1 with nothing changed
 * when reserved bits (0-7, 9, 12-31 other than the base, 32-63) are set,
 * the base is not 0xFEE00000 (relocation is not offered), or bit 10
 * (x2APIC) is set: the VMM then injects #GP. Bit 8 (BSP) is accepted and
 * ignored: it follows cfg->bsp. Clearing bit 11 disables the APIC: the
 * registers go to their INIT state (lapic_reset) and it neither decodes
 * MMIO nor accepts messages until bit 11 is set again (SDM 10.4.3).
 */
int lapic_set_base_msr(struct lapic *a, uint64_t v, uint64_t now_ns);

bool lapic_hw_enabled(const struct lapic *a); /* IA32_APIC_BASE[11] */
bool lapic_sw_enabled(const struct lapic *a); /* SVR bit 8 */

/*
 * MMIO handlers (vdev_mmio_read_fn/vdev_mmio_write_fn) for the 4 KiB page;
 * dev is the struct lapic, off the byte offset (0..0xFFF). Registers are 32
 * bits at 16-byte strides. A read of any size returns the bytes at off..
 * off+size-1, the register bytes 4..15 of each slot reading 0. A write
 * counts only with size 4 or 8 at a register's first byte (an 8-byte write
 * writes its low half there; its high half falls on reserved bytes); other
 * writes are ignored. While the APIC is hardware-disabled it does not decode
 * the page: reads leave *val as the bus filled it, writes are dropped.
 */
void lapic_mmio_read(void *dev, uint64_t off, unsigned size, uint64_t *val, uint64_t now_ns);
void lapic_mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns);

/*
 * One 32-bit register at off (a multiple of 16 below 0x1000) at guest time
 * now_ns. Reserved and unknown offsets read 0 and ignore writes; read-only
 * registers ignore writes. Both bring the timer up to date first
 * (lapic_update). A write to ICR low sends (cfg->send) before returning.
 */
uint32_t lapic_read(struct lapic *a, unsigned off, uint64_t now_ns);
void lapic_write(struct lapic *a, unsigned off, uint32_t val, uint64_t now_ns);

/*
 * IA32_TSC_DEADLINE (MSR 0x6E0, SDM 10.5.4.1). The VMM converts between TSC
 * and guest time: tsc is the value the guest wrote, deadline_ns the guest
 * time (ns) it means. Outside TSC-deadline mode reads return 0 and writes
 * are ignored. In it, a write arms the timer (tsc 0 disarms); the read
 * returns tsc until the timer fires, then 0. A deadline at or before now_ns
 * fires at once.
 */
uint64_t lapic_tsc_deadline(const struct lapic *a);
void lapic_set_tsc_deadline(struct lapic *a, uint64_t tsc, uint64_t deadline_ns, uint64_t now_ns);

/*
 * Does this APIC accept a message for dest (SDM 10.6.2)? Physical: dest ==
 * ID, or 0xFF (broadcast). Logical flat model (DFR[31:28] = 0xF): dest &
 * LDR[31:24] != 0. Logical cluster model (0x0): dest[7:4] == LDR[31:28] or
 * 0xF (all clusters), and dest[3:0] & LDR[27:24] != 0. A hardware-disabled
 * APIC matches nothing. Shorthands are the router's business.
 */
bool lapic_match(const struct lapic *a, uint8_t dest, bool logical);

/*
 * Accept a message addressed to this APIC (SDM 10.6.1, 10.8.4).
 * FIXED/LOWEST: the vector goes into IRR, its TMR bit set if m->level, else
 * cleared; vectors 0-15 are refused with ESR "receive illegal vector" (and
 * the LVT error interrupt). NMI, INIT, SIPI and EXTINT set LAPIC_EV_*; an
 * INIT with level && !assert (level de-assert) does nothing; SMI is
 * dropped (no SMM). A hardware-disabled APIC drops everything, a
 * software-disabled one drops FIXED/LOWEST.
 */
void lapic_deliver(struct lapic *a, const struct apic_msg *m, uint64_t now_ns);

/*
 * Bring the timer up to now_ns: if an expiry is due and not yet signalled,
 * set the LVT timer vector in IRR (unless the LVT is masked; several missed
 * periods coalesce into one IRR bit). Periodic counts reload; a one-shot
 * count stops at 0; a TSC deadline fires once and reads 0 afterwards. Call
 * it before lapic_pending and when lapic_next_event's time has come; calling
 * it more often is harmless.
 */
void lapic_update(struct lapic *a, uint64_t now_ns);

/*
 * Guest time (ns) of the first timer expiry not yet signalled, or
 * VDEV_NO_EVENT. It may be <= now_ns when one is due and lapic_update has
 * not run since: call lapic_update at (or after) the time returned.
 */
uint64_t lapic_next_event(const struct lapic *a, uint64_t now_ns);

/* The highest IRR vector whose priority class (vector >> 4) is above the
 * PPR's (SDM 10.8.3.1), or -1 (also while hardware-disabled). */
int lapic_pending(const struct lapic *a);

/* The CPU took vector (the INTA cycle): IRR -> ISR, so the PPR rises.
 * A vector not in IRR is ignored. */
void lapic_ack(struct lapic *a, unsigned vector);

/* May the 8259A's INTR reach this CPU: the APIC hardware-disabled, or LINT0
 * unmasked with delivery mode ExtINT (virtual-wire mode, MP spec 3.6.2.2). */
bool lapic_accepts_pic(const struct lapic *a);

/* Pending non-vectored events, for the vCPU loop. */
#define LAPIC_EV_NMI	1u
#define LAPIC_EV_INIT	2u
#define LAPIC_EV_SIPI	4u
#define LAPIC_EV_EXTINT 8u /* an ExtINT message: the CPU does an INTA to the 8259A */

/* Returns and clears the pending LAPIC_EV_* bits; *sipi_vector (may be NULL)
 * gets the last SIPI's vector. */
unsigned lapic_take_events(struct lapic *a, uint8_t *sipi_vector);

/* CR8 (SDM 10.8.6.1): a MOV to CR8 sets TPR = (cr8 & 0xF) << 4; a MOV from
 * CR8 reads TPR[7:4]. */
void lapic_set_tpr(struct lapic *a, uint8_t cr8);
uint8_t lapic_get_tpr(const struct lapic *a);

/* The processor priority (PPR, SDM 10.8.3.1), for tests and diagnostics. */
uint8_t lapic_ppr(const struct lapic *a);

#endif
