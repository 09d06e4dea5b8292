/*
 * pic.c - the legacy 8259A interrupt controllers: remapped to vectors
 * 32-47 and masked except for the lines a driver unmasks.
 *
 * They are only remapped (so a stray interrupt cannot land on an exception
 * vector) and masked: the local APICs and the I/O APIC deliver interrupts.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/pic.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

static uint16_t mask = 0xffff & ~(1u << 2); /* cascade line always open */

static void pic_write_mask(void)
{
	outb(PIC1_DATA, mask & 0xff);
	outb(PIC2_DATA, mask >> 8);
}

/* ICW1-ICW4 (Intel 8259A data sheet): edge-triggered, cascaded, 8086 mode. */
void pic_init(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, T_IRQ0);
	outb(PIC2_DATA, T_IRQ0 + 8);
	outb(PIC1_DATA, 4);
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);
	outb(PIC2_DATA, 1);
	pic_write_mask();
}

/* Mask every line: the I/O APIC delivers device interrupts instead. */
void pic_disable(void)
{
	mask = 0xffff;
	pic_write_mask();
}

/* Let IRQ line irq (0-15) through. */
void pic_unmask(unsigned irq)
{
	mask &= ~(1u << irq);
	pic_write_mask();
}

/* Acknowledge IRQ line irq. */
void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, 0x20);
	outb(PIC1_CMD, 0x20);
}

/* True if IRQ line irq (7 or 15) is spurious: not in service. */
bool pic_spurious(unsigned irq)
{
	uint16_t cmd = irq >= 8 ? PIC2_CMD : PIC1_CMD;
	outb(cmd, 0x0b); /* read ISR */
	bool in_service = inb(cmd) & (1u << (irq & 7));
	if (!in_service && irq >= 8)
		outb(PIC1_CMD, 0x20); /* the master saw the cascade line */
	return !in_service;
}
