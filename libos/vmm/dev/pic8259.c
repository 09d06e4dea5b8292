/*
 * pic8259.c - dual 8259A PIC model (see pic8259.h for the sources).
 *
 * Priorities are handled as in the datasheet's rotation model: chip->prio is
 * the IR with the highest priority, the next IR (mod 8) the next, and so on.
 * Plain fully nested mode is prio == 0 (IR0 highest, IR7 lowest).
 *
 * Edge-triggered requests stay latched in IRR when the line falls before
 * INTA (as the PC chipsets and other VMMs treat them) so that a timer tick
 * whose output the VMM samples late is not lost; a level-triggered request
 * follows its line, and a request masked or withdrawn before INTA yields the
 * spurious IR7 vector.
 */
#include <string.h>

#include "dev/pic8259.h"

#define CASCADE_IR 2

/* Priority rank (0 = highest) of the highest-priority IR set in bits, or 8. */
static unsigned rank_of(const struct pic8259_chip *c, uint8_t bits)
{
	for (unsigned r = 0; r < 8; r++)
		if (bits & (1u << ((r + c->prio) & 7)))
			return r;
	return 8;
}

/* The IR this chip would present to INTA now, or -1 if its INT is low. */
static int chip_output(const struct pic8259_chip *c, bool master)
{
	unsigned req = rank_of(c, c->irr & ~c->imr);
	if (req == 8)
		return -1;
	uint8_t blocking = c->isr;
	if (c->smm)
		blocking &= ~c->imr; /* masked in-service levels do not block */
	if (master && c->sfnm)
		blocking &= ~(1u << CASCADE_IR); /* slave may nest */
	if (req < rank_of(c, blocking))
		return (int)((req + c->prio) & 7);
	return -1;
}

static void chip_line(struct pic8259_chip *c, unsigned ir, bool level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

/* Propagate the slave's INT output to the master's IR2. */
static void cascade(struct pic8259 *pic)
{
	chip_line(&pic->chip[0], CASCADE_IR, chip_output(&pic->chip[1], false) >= 0);
}

static void chip_reset(struct pic8259_chip *c)
{
	/* ICW1 semantics: IMR cleared, IR7 lowest priority, special mask mode
	 * off, IRR reads selected, and the edge-sense latches reset so an
	 * edge input must go low-to-high again (levels still request). */
	c->isr = 0;
	c->imr = 0;
	c->irr = c->lines & c->elcr;
	c->lines &= c->elcr;
	c->prio = 0;
	c->vbase = 0;
	c->icw3 = 0;
	c->aeoi = false;
	c->rotate_aeoi = false;
	c->read_isr = false;
	c->poll = false;
	c->smm = false;
	c->sfnm = false;
	c->single = false;
	c->need_icw4 = false;
	c->init_step = 0;
}

void pic8259_init(struct pic8259 *pic)
{
	memset(pic, 0, sizeof(*pic));
	pic->chip[0].elcr_mask = 0xF8; /* IRQ 0, 1, 2 are always edge */
	pic->chip[1].elcr_mask = 0xDE; /* IRQ 8 and 13 are always edge */
	for (int i = 0; i < 2; i++) {
		struct pic8259_chip *c = &pic->chip[i];
		chip_reset(c);
		c->vbase = i ? 0x70 : 0x08;
		c->icw3 = i ? 2 : 1u << CASCADE_IR;
		c->imr = 0xFF;
	}
	pic->chip[0].imr = (uint8_t) ~(1u << CASCADE_IR);
}

/* Clear the ISR bit of IR ir; with rotate, make ir the lowest priority. */
static void eoi(struct pic8259_chip *c, unsigned ir, bool rotate)
{
	c->isr &= ~(1u << ir);
	if (rotate)
		c->prio = (uint8_t)((ir + 1) & 7);
}

static void ocw2(struct pic8259_chip *c, uint8_t v)
{
	unsigned level = v & 7;
	unsigned r = rank_of(c, c->isr);
	unsigned top = (r + c->prio) & 7; /* highest in-service IR if r < 8 */

	switch (v >> 5) {
	case 0: /* clear rotate in AEOI mode */
		c->rotate_aeoi = false;
		break;
	case 4: /* set rotate in AEOI mode */
		c->rotate_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		if (r < 8)
			eoi(c, top, (v >> 5) == 5);
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		eoi(c, level, (v >> 5) == 7);
		break;
	case 6: /* set priority: level becomes the lowest */
		c->prio = (uint8_t)((level + 1) & 7);
		break;
	default: /* 2: no operation */
		break;
	}
}

/* Acknowledge ir on chip c (INTA or poll). */
static void ack(struct pic8259_chip *c, unsigned ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (c->aeoi) {
		if (c->rotate_aeoi)
			c->prio = (uint8_t)((ir + 1) & 7);
	} else {
		c->isr |= bit;
	}
	if (!(c->elcr & bit))
		c->irr &= ~bit;
}

static void chip_write(struct pic8259 *pic, struct pic8259_chip *c, bool a0, uint8_t v)
{
	if (!a0) {
		if (v & 0x10) { /* ICW1 */
			chip_reset(c);
			c->need_icw4 = v & 0x01;
			c->single = v & 0x02;
			/* LTIM (bit 3) is overridden by the ELCR on a PC. */
			c->init_step = 2;
		} else if (v & 0x08) { /* OCW3 */
			if (v & 0x02)
				c->read_isr = v & 0x01;
			if (v & 0x04)
				c->poll = true;
			if (v & 0x40)
				c->smm = v & 0x20;
		} else {
			ocw2(c, v);
		}
	} else {
		switch (c->init_step) {
		case 2:
			c->vbase = v & 0xF8;
			c->init_step = c->single ? (c->need_icw4 ? 4 : 0) : 3;
			break;
		case 3:
			c->icw3 = v;
			c->init_step = c->need_icw4 ? 4 : 0;
			break;
		case 4:
			/* uPM (bit 0) 8080 mode is not modelled: 8086 vectors. */
			c->aeoi = v & 0x02;
			c->sfnm = v & 0x10;
			c->init_step = 0;
			break;
		default:
			c->imr = v;
			break;
		}
	}
	(void)pic;
}

static uint8_t chip_read(struct pic8259 *pic, int i, bool a0)
{
	struct pic8259_chip *c = &pic->chip[i];

	if (a0)
		return c->imr;
	if (c->poll) {
		/* Poll word (datasheet "Poll Command"): I bit 7, W2-W0 the
		 * highest request; the read acts as INTA for this chip. */
		c->poll = false;
		int ir = chip_output(c, i == 0);
		if (ir < 0)
			return 0;
		ack(c, (unsigned)ir);
		return (uint8_t)(0x80 | ir);
	}
	return c->read_isr ? c->isr : c->irr;
}

void pic8259_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct pic8259 *pic = dev;
	(void)size;
	(void)now_ns;

	switch (port) {
	case 0x20:
	case 0x21:
		*val = chip_read(pic, 0, port & 1);
		break;
	case 0xA0:
	case 0xA1:
		*val = chip_read(pic, 1, port & 1);
		break;
	case 0x4D0:
	case 0x4D1:
		*val = pic->chip[port & 1].elcr;
		break;
	default:
		*val = 0xFF;
		return;
	}
	cascade(pic);
}

void pic8259_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct pic8259 *pic = dev;
	uint8_t v = (uint8_t)val;
	(void)size;
	(void)now_ns;

	switch (port) {
	case 0x20:
	case 0x21:
		chip_write(pic, &pic->chip[0], port & 1, v);
		break;
	case 0xA0:
	case 0xA1:
		chip_write(pic, &pic->chip[1], port & 1, v);
		break;
	case 0x4D0:
	case 0x4D1: {
		struct pic8259_chip *c = &pic->chip[port & 1];
		c->elcr = v & c->elcr_mask;
		/* A line now level-triggered requests exactly while high. */
		c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->lines & c->elcr));
		break;
	}
	default:
		return;
	}
	cascade(pic);
}

int pic8259_attach(struct pic8259 *pic, struct vdev_bus *bus)
{
	if (vdev_bus_register(bus, 0x20, 2, VDEV_PIO_BYTES, pic, pic8259_pio_in, pic8259_pio_out,
			      "pic-master") ||
	    vdev_bus_register(bus, 0xA0, 2, VDEV_PIO_BYTES, pic, pic8259_pio_in, pic8259_pio_out,
			      "pic-slave") ||
	    vdev_bus_register(bus, 0x4D0, 2, VDEV_PIO_BYTES, pic, pic8259_pio_in, pic8259_pio_out,
			      "elcr"))
		return -1;
	return 0;
}

void pic8259_set_irq(struct pic8259 *pic, unsigned irq, bool level)
{
	if (irq > 15)
		return;
	if (irq == CASCADE_IR)
		return; /* IR2 carries the slave on a PC; ISA IRQ 2 is IRQ 9 */
	chip_line(&pic->chip[irq >> 3], irq & 7, level);
	cascade(pic);
}

void pic8259_irq_cb(void *ctx, unsigned irq, bool level)
{
	pic8259_set_irq(ctx, irq, level);
}

bool pic8259_pending(const struct pic8259 *pic)
{
	return chip_output(&pic->chip[0], true) >= 0;
}

uint8_t pic8259_intack(struct pic8259 *pic)
{
	struct pic8259_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int ir = chip_output(m, true);
	uint8_t vec;

	if (ir < 0) {
		vec = m->vbase + 7; /* spurious IRQ 7 */
	} else {
		ack(m, (unsigned)ir);
		if (ir == CASCADE_IR && !m->single) {
			int sir = chip_output(s, false);
			if (sir < 0) {
				vec = s->vbase + 7; /* spurious IRQ 15 */
			} else {
				ack(s, (unsigned)sir);
				vec = (uint8_t)(s->vbase + sir);
			}
			/* The INTA consumed the master's IR2 edge: a request
			 * the slave still presents (AEOI, or a second one)
			 * must be seen as a fresh edge. */
			m->lines &= ~(1u << CASCADE_IR);
		} else {
			vec = (uint8_t)(m->vbase + ir);
		}
	}
	cascade(pic);
	return vec;
}
