/*
 * pic.c - the 8259A pair and the 8254's channel 0, programmed by the guest
 * itself (no firmware state assumed): ICW1-ICW4 remap the master to
 * base_master and the slave to base_slave, every line masked.
 */
#include "guest.h"

#define PIC1 0x20
#define PIC2 0xA0

static void io_wait(void)
{
	outb(0x80, 0);
}

void pic_init(uint8_t base_master, uint8_t base_slave)
{
	outb(PIC1, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	io_wait();
	outb(PIC2, 0x11);
	io_wait();
	outb(PIC1 + 1, base_master); /* ICW2: vector base */
	io_wait();
	outb(PIC2 + 1, base_slave);
	io_wait();
	outb(PIC1 + 1, 0x04); /* ICW3: slave on IRQ 2 */
	io_wait();
	outb(PIC2 + 1, 0x02); /* ICW3: slave identity 2 */
	io_wait();
	outb(PIC1 + 1, 0x01); /* ICW4: 8086 mode, normal EOI */
	io_wait();
	outb(PIC2 + 1, 0x01);
	io_wait();
	outb(PIC1 + 1, 0xFB); /* everything masked but the cascade */
	outb(PIC2 + 1, 0xFF);
}

void pic_mask(int irq, int masked)
{
	uint16_t port = irq < 8 ? PIC1 + 1 : PIC2 + 1;
	uint8_t bit = (uint8_t)(1u << (irq & 7));
	uint8_t m = inb(port);
	outb(port, masked ? (m | bit) : (m & ~bit));
}

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2, 0x20);
	outb(PIC1, 0x20);
}

uint8_t pic_read_irr(int slave)
{
	uint16_t port = slave ? PIC2 : PIC1;
	outb(port, 0x0A); /* OCW3: read IRR */
	return inb(port);
}

uint8_t pic_read_isr(int slave)
{
	uint16_t port = slave ? PIC2 : PIC1;
	outb(port, 0x0B); /* OCW3: read ISR */
	return inb(port);
}

void pit_init_hz(uint32_t hz)
{
	uint32_t div = 1193182u / hz;
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 (rate generator) */
	outb(0x40, (uint8_t)div);
	outb(0x40, (uint8_t)(div >> 8));
}

uint16_t pit_read_count(void)
{
	outb(0x43, 0x00); /* counter latch, channel 0 */
	uint16_t c = inb(0x40);
	return (uint16_t)(c | (uint16_t)inb(0x40) << 8);
}

/*
 * A polled time base with no interrupt: with channel 0 a rate generator
 * (pit_init_hz), every reload of the count is one period. A reload shows as
 * a count above the previous sample; periods between two samples are
 * missed, so the result runs slow, never fast (waits only get longer).
 */
static uint16_t pit_last;
static unsigned pit_periods;

unsigned pit_poll(void)
{
	uint16_t c = pit_read_count();
	if (c > pit_last)
		pit_periods++;
	pit_last = c;
	return pit_periods;
}
