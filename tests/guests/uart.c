/*
 * uart - the 16550 in both directions. Registers: scratch and LCR
 * read-back, loopback (MCR bit 4: a byte sent comes back in RBR, MCR's
 * outputs show in MSR), the THR-empty interrupt (IER bit 1, IIR id 001).
 * Then the receive path interrupt-driven through the PIC on IRQ 4: the
 * guest prints "ready", the harness feeds a line (e.g. "ping\n") on the
 * serial input, and the guest prints "got: LINE". IIR must name the
 * received-data (100) or character-timeout (110) source. A PIT tick
 * bounds the wait (about 5 s of guest time).
 */
#include "guest.h"

const char guest_name[] = "uart";

#define COM1 0x3F8
static char line[64];
static volatile unsigned len, rx_irqs, thre_irqs, bad_iir, done, ticks;

static void irq4(uint32_t v)
{
	(void)v;
	uint8_t iir = inb(COM1 + 2);
	if ((iir & 0x0F) == 0x02) {
		thre_irqs++;
	} else if ((iir & 0x0F) == 0x04 || (iir & 0x0F) == 0x0C) {
		rx_irqs++;
		while (inb(COM1 + 5) & 1) {
			char c = (char)inb(COM1);
			if (c == '\r' || c == '\n') {
				if (len)
					done = 1;
			} else if (len < sizeof(line) - 1 && !done) {
				line[len++] = c;
			}
		}
	} else if (!(iir & 1)) {
		bad_iir++;
	}
	pic_eoi(4);
}

static void irq0(uint32_t v)
{
	(void)v;
	ticks++;
	pic_eoi(0);
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	outb(COM1 + 7, 0x5A);
	CHECK(inb(COM1 + 7) == 0x5A, "scratch register");
	outb(COM1 + 7, 0xA5);
	CHECK(inb(COM1 + 7) == 0xA5, "scratch register");
	CHECK(inb(COM1 + 3) == 0x03, "LCR read-back %x", inb(COM1 + 3));
	CHECK(inb(COM1 + 5) & 0x20, "LSR: THR not empty when idle");

	/* Loopback. */
	while (!(inb(COM1 + 5) & 0x40))
		;
	outb(COM1 + 4, 0x1F);
	CHECK((inb(COM1 + 6) & 0xF0) == 0xF0, "loopback: MSR %x, expected CTS/DSR/RI/DCD",
	      inb(COM1 + 6));
	outb(COM1, 'L');
	unsigned i;
	for (i = 0; i < 100000 && !(inb(COM1 + 5) & 1); i++)
		;
	CHECK(inb(COM1 + 5) & 1, "loopback: no byte received");
	CHECK(inb(COM1) == 'L', "loopback: wrong byte");
	outb(COM1 + 4, 0x0B); /* DTR, RTS, OUT2 (routes the interrupt) */
	say("registers and loopback: ok");

	pic_init(0x20, 0x28);
	set_irq_handler(0x24, irq4);
	set_irq_handler(0x20, irq0);
	pic_mask(4, 0);

	/* THR empty: enabling the interrupt raises it at once. */
	outb(COM1 + 1, 0x02);
	sti();
	for (i = 0; i < 100000 && !thre_irqs; i++)
		;
	cli();
	outb(COM1 + 1, 0x00);
	CHECK(thre_irqs >= 1, "no THR-empty interrupt");

	/* Receive, interrupt-driven. */
	pit_init_hz(100);
	pic_mask(0, 0);
	outb(COM1 + 1, 0x01);
	say("ready");
	while (!done && ticks < 500)
		sti_hlt();
	outb(COM1 + 1, 0x00);
	pic_mask(0, 1);
	pic_mask(4, 1);
	CHECK(done, "no line received (%u bytes, %u receive interrupts)", len, rx_irqs);
	line[len] = 0;
	CHECK(rx_irqs >= 1, "line read without a receive interrupt");
	CHECK(bad_iir == 0, "%u interrupts with an unexpected IIR", bad_iir);
	say("got: %s", line);
	printf("got: %s\n", line);
}
