/*
 * ioapic.h - the 82093AA I/O APIC: 24 interrupt input pins, each routed by
 * a redirection entry to an interrupt message for the local APICs. MMIO at
 * guest-physical 0xFEC00000: IOREGSEL (0x00), IOWIN (0x10) and the EOI
 * register (0x40) of the version-0x20 parts (ICH and later, as QEMU's).
 *
 * Source: Intel 82093AA I/O Advanced Programmable Interrupt Controller
 * datasheet (order 290566-001): 3.0 "Register Description" (IOREGSEL,
 * IOWIN, IOAPICID, IOAPICVER, IOAPICARB, IOREDTBL), 2.4 "Interrupt
 * delivery" (edge and level, Remote IRR); the EOI register from the Intel
 * ICH/PCH datasheets ("I/O APIC EOI Register", offset 0x40) and Linux's use
 * of it for IOAPICs of version 0x20 and up.
 *
 * Devices drive pins with ioapic_set_irq (or the vdev_set_irq_fn adapter
 * ioapic_irq_cb); a pin that fires becomes a struct apic_msg handed to
 * cfg->send. The router gives the IOAPIC the LAPICs' EOIs of
 * level-triggered vectors through ioapic_eoi.
 *
 * Polarity: the polarity bit (13) is stored and read back, but a pin is
 * asserted exactly when its driver says level == true ("interrupt
 * requested"): the device models speak in requests, not in voltages, so an
 * active-low entry behaves like an active-high one. The guest programs
 * polarity from the MADT/MP table to match the wiring; nothing is lost by
 * not inverting.
 */
#ifndef VMM_DEV_IOAPIC_H
#define VMM_DEV_IOAPIC_H

#include "dev/lapic.h"

#define IOAPIC_BASE	     0xFEC00000ULL /* guest-physical */
#define IOAPIC_SIZE	     0x1000u	   /* bytes decoded (registers at 0x00-0x43) */
#define IOAPIC_PINS	     24
#define IOAPIC_VERSION_VALUE 0x00170020u /* max redirection entry 23, version 0x20 */

/* MMIO offsets. */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN    0x10
#define IOAPIC_EOI    0x40

/* Register indices (IOREGSEL values). */
#define IOAPIC_REG_ID	  0x00
#define IOAPIC_REG_VER	  0x01
#define IOAPIC_REG_ARB	  0x02
#define IOAPIC_REG_REDTBL 0x10 /* entry n: low 0x10 + 2n, high 0x11 + 2n */

/* Redirection entry bits. */
#define IOAPIC_RTE_DEST_LOGICAL (1u << 11)
#define IOAPIC_RTE_PENDING	(1u << 12) /* delivery status: read-only, 0 here */
#define IOAPIC_RTE_POLARITY	(1u << 13)
#define IOAPIC_RTE_REMOTE_IRR	(1u << 14) /* read-only */
#define IOAPIC_RTE_LEVEL	(1u << 15)
#define IOAPIC_RTE_MASKED	(1u << 16)

struct ioapic_config {
	unsigned id; /* IOAPIC ID (bits 27:24 of register 0), 0..15 */
	/* Deliver an interrupt message to the LAPICs. */
	void (*send)(void *ctx, const struct apic_msg *m);
	void *ctx;
};

/*
 * One IOAPIC. Invariant, for every pin: an entry that behaves as level
 * triggered (lvl_entry in ioapic.c), unmasked, with its pin asserted, has
 * Remote IRR set (it has been sent and waits for the EOI); an entry that
 * behaves as edge triggered has Remote IRR clear.
 */
struct ioapic {
	struct ioapic_config cfg;
	uint32_t id;	 /* register 0 as read: bits 27:24 */
	uint32_t arb;	 /* register 2: loaded from the ID when the ID is written */
	uint32_t regsel; /* IOREGSEL, bits 7:0 */
	uint64_t rte[IOAPIC_PINS];
	uint32_t pins; /* bit n: pin n asserted */
};

/* Power-on state: every redirection entry masked (0x10000), every pin
 * deasserted, IOREGSEL 0, ID and arbitration ID cfg->id. cfg is copied. */
void ioapic_init(struct ioapic *io, const struct ioapic_config *cfg);

/*
 * Drive input pin to level (true = interrupt requested). An edge entry
 * sends on each rising edge while unmasked (an edge while masked is lost,
 * as on the chip); a level entry sends while the pin is asserted, the entry
 * unmasked and Remote IRR clear, then sets Remote IRR until the EOI. Pins
 * >= 24 are ignored. cfg->send may be called before this returns.
 */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);

/* ioapic_set_irq as a vdev_set_irq_fn: ctx is the struct ioapic, irq the pin. */
void ioapic_irq_cb(void *ctx, unsigned irq, bool level);

/*
 * A LAPIC's EOI of level-triggered vector: clear Remote IRR of every level
 * entry with that vector; an entry whose pin is still asserted and which is
 * unmasked is sent again. The EOI register (0x40) does the same.
 */
void ioapic_eoi(struct ioapic *io, unsigned vector);

/*
 * MMIO handlers (vdev_mmio_read_fn/vdev_mmio_write_fn); dev is the struct
 * ioapic, off the byte offset in the IOAPIC's range. IOREGSEL (0x00) takes
 * any size (its low byte counts); IOWIN (0x10) and EOI (0x40) only 32-bit
 * accesses. Every other access reads 0 and is ignored. Through IOWIN, an
 * unknown register index reads 0 and ignores writes. The EOI register
 * reads 0.
 */
void ioapic_mmio_read(void *dev, uint64_t off, unsigned size, uint64_t *val, uint64_t now_ns);
void ioapic_mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns);

/* Register idx as the guest reads/writes it through IOWIN (32-bit). */
uint32_t ioapic_read_reg(const struct ioapic *io, unsigned idx);
void ioapic_write_reg(struct ioapic *io, unsigned idx, uint32_t val);

#endif
