/*
 * pic_pit - the 8259A pair and the 8254 as the guest programs them itself:
 * ICW1-4 remap (IRQ 0-7 at 0x20, 8-15 at 0x28), IMR read-back, PIT
 * channel 0 in mode 2 at 1 kHz and its read-back status, ticks counted
 * with STI/HLT, masking (a masked IRQ stays pending in IRR and is not
 * delivered; unmasked, it arrives), EOI (with IRQ 0 in service and not
 * acknowledged, a new edge is held back until the EOI) and the spurious
 * IRQ 7/15 path (a handler that checks ISR and sends no EOI for a
 * spurious one). No wall-clock assertion beyond "ticks arrive".
 */
#include "guest.h"

const char guest_name[] = "pic_pit";

static volatile unsigned ticks, not_in_service, spurious;
static volatile int send_eoi = 1;

static void irq0(uint32_t v)
{
	(void)v;
	if (!(pic_read_isr(0) & 1))
		not_in_service++;
	ticks++;
	if (send_eoi)
		pic_eoi(0);
}

/* IRQ 7 and 15 may be spurious: ISR then has no bit for them, and no EOI
 * may go to that PIC (the master still needs one for a spurious 15, as
 * the cascade line is in service). */
static void irq_spurious(uint32_t v)
{
	int slave = v == 0x2F;
	if (!(pic_read_isr(slave) & 0x80)) {
		spurious++;
		if (slave)
			pic_eoi(0);
		return;
	}
	pic_eoi(slave ? 15 : 7);
}

/* Wait with interrupts on (HLT) until cond() holds; fail after max HLTs. */
static void wait_ticks(unsigned target, const char *what)
{
	for (unsigned i = 0; ticks < target; i++) {
		if (i > 100000)
			fail("%s: ticks stuck at %u (waiting for %u)", what, ticks, target);
		sti_hlt();
	}
}

/* Spin with interrupts on until IRR bit 0 is set: a PIT edge came. */
static int wait_irr0(void)
{
	for (unsigned i = 0; i < 20000000; i++) {
		if (pic_read_irr(0) & 1)
			return 1;
	}
	return 0;
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	pic_init(0x20, 0x28);
	CHECK(inb(0x21) == 0xFB && inb(0xA1) == 0xFF, "IMR read-back %x/%x, expected fb/ff",
	      inb(0x21), inb(0xA1));
	outb(0x21, 0xA5);
	outb(0xA1, 0x5A);
	CHECK(inb(0x21) == 0xA5 && inb(0xA1) == 0x5A, "IMR read-back %x/%x after a5/5a", inb(0x21),
	      inb(0xA1));
	outb(0x21, 0xFB);
	outb(0xA1, 0xFF);
	CHECK(pic_read_isr(0) == 0 && pic_read_isr(1) == 0, "ISR not clear after init");

	set_irq_handler(0x20, irq0);
	set_irq_handler(0x27, irq_spurious);
	set_irq_handler(0x2F, irq_spurious);
	pit_init_hz(1000);
	outb(0x43, 0xE2); /* read-back: status of channel 0, no count latch */
	uint8_t st = inb(0x40);
	CHECK(((st >> 1) & 7) == 2 && ((st >> 4) & 3) == 3,
	      "PIT status %x: expected mode 2, lobyte/hibyte", st);
	outb(0x43, 0x00); /* counter latch, channel 0 */
	uint32_t c = inb(0x40);
	c |= (uint32_t)inb(0x40) << 8;
	CHECK(c <= 1193, "PIT channel 0 count %u above the reload value 1193", c);

	/* Ticks arrive. */
	pic_mask(0, 0);
	wait_ticks(20, "PIT ticks");
	cli();
	CHECK(ticks >= 20, "ticks");
	say("%u PIT ticks through IRQ 0", ticks);

	/* Masking: the edge is latched in IRR but not delivered. */
	pic_mask(0, 1);
	unsigned t0 = ticks;
	sti();
	CHECK(wait_irr0(), "masked IRQ 0: IRR bit 0 never set");
	for (volatile int i = 0; i < 10000; i++)
		;
	cli();
	CHECK(ticks == t0, "masked IRQ 0 was delivered (%u ticks)", ticks - t0);
	pic_mask(0, 0);
	sti();
	for (volatile int i = 0; i < 1000 && ticks == t0; i++)
		;
	cli();
	CHECK(ticks > t0, "pending IRQ 0 not delivered after unmasking");
	say("masking: held while masked, delivered when unmasked");

	/* EOI: while IRQ 0 is in service, the next edge waits in IRR. */
	send_eoi = 0;
	t0 = ticks;
	wait_ticks(t0 + 1, "tick without EOI");
	CHECK(pic_read_isr(0) & 1, "ISR bit 0 clear before the EOI");
	sti();
	CHECK(wait_irr0(), "no new IRQ 0 edge while in service");
	for (volatile int i = 0; i < 10000; i++)
		;
	cli();
	CHECK(ticks == t0 + 1, "IRQ 0 delivered again without EOI (%u)", ticks - t0);
	send_eoi = 1;
	pic_eoi(0);
	sti();
	for (volatile int i = 0; i < 1000 && ticks == t0 + 1; i++)
		;
	cli();
	CHECK(ticks >= t0 + 2, "held IRQ 0 not delivered after the EOI");
	CHECK(!(pic_read_isr(0) & 1) || ticks > t0 + 2, "ISR bit 0 still set after EOI");
	say("EOI: no second IRQ 0 before the EOI, delivered after it");

	/* More ticks with the rest; spurious interrupts are counted. */
	t0 = ticks;
	wait_ticks(t0 + 10, "ticks after EOI test");
	cli();
	pic_mask(0, 1);
	CHECK(not_in_service == 0, "%u IRQ 0 deliveries without ISR bit 0", not_in_service);
	say("spurious IRQ 7/15 seen: %u (not provoked; handler checks ISR)", spurious);
}
