/*
 * pic8259.h - the PC's two cascaded 8259A programmable interrupt controllers
 * (master at ports 0x20/0x21, slave at 0xA0/0xA1 on the master's IR2) and
 * the PIIX/ICH edge/level control registers (ELCR, ports 0x4D0/0x4D1).
 *
 * Source: Intel 8259A Programmable Interrupt Controller datasheet (order
 * 231468-003): §"Interrupt Sequence", §"Initialization Command Words",
 * §"Operation Command Words", §"The Special Fully Nested Mode", §"Poll
 * Command"; ELCR from the Intel 82371AB (PIIX4) datasheet §4.1.11.
 *
 * Devices drive lines 0-15 with pic8259_set_irq (or the vdev_set_irq_fn
 * adapter pic8259_irq_cb). Before each VMRUN the VMM asks
 * pic8259_pending; when it delivers the interrupt to the vCPU it calls
 * pic8259_intack, which performs the INTA cycle and returns the vector.
 */
#ifndef VMM_DEV_PIC8259_H
#define VMM_DEV_PIC8259_H

#include "dev/vdev.h"

struct pic8259_chip {
	uint8_t irr;	   /* interrupt request register */
	uint8_t isr;	   /* in-service register */
	uint8_t imr;	   /* interrupt mask register (OCW1) */
	uint8_t lines;	   /* current level of the IR inputs */
	uint8_t elcr;	   /* 1 = level-triggered (ELCR) */
	uint8_t elcr_mask; /* ELCR bits that may be set */
	uint8_t vbase;	   /* ICW2 & 0xF8 */
	uint8_t icw3;
	uint8_t prio;	   /* IR of the highest priority (rotation) */
	uint8_t init_step; /* 0 = operational; 2, 3, 4 = expecting that ICW */
	bool need_icw4;
	bool single;
	bool aeoi;
	bool rotate_aeoi;
	bool read_isr; /* OCW3 RR/RIS: reads at A0=0 give ISR, else IRR */
	bool poll;     /* OCW3 P: next read at A0=0 is a poll */
	bool smm;      /* special mask mode */
	bool sfnm;     /* special fully nested mode (ICW4) */
};

struct pic8259 {
	struct pic8259_chip chip[2]; /* [0] master, [1] slave */
};

/*
 * Initialise both chips as the PC BIOS leaves them: initialised (ICW1 0x11,
 * vector bases 0x08 and 0x70, cascade on IR2, ICW4 8086 mode), every line
 * masked except the cascade input IR2, all lines edge-triggered. A guest
 * reinitialises them anyway; this state only keeps an unprepared guest
 * from taking interrupts on exception vectors.
 */
void pic8259_init(struct pic8259 *pic);

/*
 * Register ports 0x20-0x21, 0xA0-0xA1 and 0x4D0-0x4D1 on bus.
 * Returns 0, or -1 if a port is already claimed or the bus is full.
 */
int pic8259_attach(struct pic8259 *pic, struct vdev_bus *bus);

/* Port handlers (vdev_pio_in_fn/vdev_pio_out_fn); byte-wide. */
void pic8259_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void pic8259_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

/*
 * Drive ISA line irq (0-15; others are ignored) to level. An edge-triggered
 * line latches a request in IRR on a low-to-high transition; a
 * level-triggered one (ELCR) requests while high, and its request vanishes
 * when it goes low (8259A datasheet, "Edge and Level Triggered Modes").
 */
void pic8259_set_irq(struct pic8259 *pic, unsigned irq, bool level);

/* pic8259_set_irq as a vdev_set_irq_fn: ctx is the struct pic8259. */
void pic8259_irq_cb(void *ctx, unsigned irq, bool level);

/* True if the master's INT output is asserted: an unmasked request of
 * higher priority than any in service. */
bool pic8259_pending(const struct pic8259 *pic);

/*
 * The INTA cycle: acknowledge the highest-priority request and return its
 * vector (ICW2 base + IR, the slave's for IR2). Sets ISR (unless AEOI),
 * clears an edge request in IRR. If no request is left (it went away after
 * pic8259_pending said yes, or it was masked since), the chip answers with
 * its IR7 vector and sets no ISR bit: the spurious IRQ 7, or IRQ 15 when
 * the master acknowledged the cascade but the slave has nothing.
 */
uint8_t pic8259_intack(struct pic8259 *pic);

#endif
