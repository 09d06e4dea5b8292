/*
 * pit8254.c - 8254 PIT model (see pit8254.h for the sources).
 *
 * A channel's state is the time its count was loaded (start_ns) plus the
 * ticks counted before that (base_ticks, non-zero only after a gate pause
 * in modes 0 and 4). k = ticks elapsed since the load is then exact:
 *     k = base_ticks + floor((now_ns - start_ns) * 1193182 / 10^9)
 * and the count and OUT of each mode are closed formulas of k. D is the
 * initial count, 0 meaning 65536 (binary) or 10000 (BCD).
 *
 * Simplifications, all invisible to Linux and the usual guests: a count is
 * loaded at the write, not one CLK later; a new count written in modes 2
 * and 3 restarts the period at once rather than at the end of the current
 * one; mode 3 with an odd count spends (D+1)/2 ticks high and the rest low
 * with the count stepping by two in both halves.
 */
#include <string.h>

#include "dev/pit8254.h"

#define REFRESH_NS 15085 /* port 0x61 bit 4 toggles every 15.085 us */

/* Whole input-clock ticks in [start, now). Exact: no 64-bit overflow for
 * any uint64_t interval. */
static uint64_t ticks_between(uint64_t start, uint64_t now)
{
	if (now <= start)
		return 0;
	uint64_t d = now - start;
	return d / VDEV_NS_PER_S * PIT8254_HZ + d % VDEV_NS_PER_S * PIT8254_HZ / VDEV_NS_PER_S;
}

/* Smallest interval (ns) holding t whole ticks: inverse of ticks_between. */
static uint64_t ns_for_ticks(uint64_t t)
{
	uint64_t a = t / PIT8254_HZ, b = t % PIT8254_HZ;
	return a * VDEV_NS_PER_S + (b * VDEV_NS_PER_S + PIT8254_HZ - 1) / PIT8254_HZ;
}

static uint64_t modulus(const struct pit8254_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint64_t initial(const struct pit8254_channel *c)
{
	return c->reload ? c->reload : modulus(c);
}

static bool hw_triggered(const struct pit8254_channel *c)
{
	return c->mode == 1 || c->mode == 5;
}

static bool counting(const struct pit8254_channel *c)
{
	return c->armed && (!hw_triggered(c) || c->triggered);
}

static uint64_t elapsed(const struct pit8254_channel *c, uint64_t now)
{
	if (!counting(c))
		return 0;
	if (c->paused)
		return c->base_ticks;
	return c->base_ticks + ticks_between(c->start_ns, now);
}

static uint16_t count_at(const struct pit8254_channel *c, uint64_t k)
{
	uint64_t d = initial(c), m = modulus(c);

	if (!c->armed)
		return c->reload;
	switch (c->mode) {
	case 2:
		return (uint16_t)(d - k % d);
	case 3: {
		uint64_t h = (d + 1) / 2, p = k % d;
		return (uint16_t)(d - 2 * (p < h ? p : p - h));
	}
	default: /* 0, 1, 4, 5: down-count, wrapping after terminal count */
		return (uint16_t)((d + m - k % m) % m);
	}
}

static bool out_at(const struct pit8254_channel *c, uint64_t k)
{
	uint64_t d = initial(c);

	switch (c->mode) {
	case 0:
		return c->armed && k >= d;
	case 1:
		return !counting(c) || k >= d;
	case 2:
		return !counting(c) || c->paused || k % d != d - 1;
	case 3:
		return !counting(c) || c->paused || k % d < (d + 1) / 2;
	default: /* 4, 5: one-tick low strobe at terminal count */
		return !counting(c) || k != d;
	}
}

/* Rising edges of OUT after the count was loaded, up to tick k. */
static uint64_t edges_at(const struct pit8254_channel *c, uint64_t k)
{
	uint64_t d = initial(c);

	if (!counting(c))
		return 0;
	switch (c->mode) {
	case 0:
	case 1:
		return k >= d;
	case 2:
	case 3:
		return k / d;
	default:
		return k > d;
	}
}

void pit8254_init(struct pit8254 *pit, const struct vdev_irq *irq_sink)
{
	memset(pit, 0, sizeof(*pit));
	for (int i = 0; i < 3; i++) {
		pit->ch[i].rw = 3;
		pit->ch[i].gate = i < 2;
	}
	if (irq_sink)
		pit->irq_sink = *irq_sink;
}

int pit8254_attach(struct pit8254 *pit, struct vdev_bus *bus)
{
	if (vdev_bus_register(bus, 0x40, 4, VDEV_PIO_BYTES, pit, pit8254_pio_in, pit8254_pio_out,
			      "pit8254") ||
	    vdev_bus_register(bus, 0x61, 1, VDEV_PIO_BYTES, pit, pit8254_pio_in, pit8254_pio_out,
			      "port61"))
		return -1;
	return 0;
}

uint16_t pit8254_count(const struct pit8254 *pit, unsigned ch, uint64_t now_ns)
{
	if (ch > 2)
		return 0;
	return count_at(&pit->ch[ch], elapsed(&pit->ch[ch], now_ns));
}

bool pit8254_out(const struct pit8254 *pit, unsigned ch, uint64_t now_ns)
{
	if (ch > 2)
		return false;
	return out_at(&pit->ch[ch], elapsed(&pit->ch[ch], now_ns));
}

void pit8254_update(struct pit8254 *pit, uint64_t now_ns)
{
	const struct pit8254_channel *c = &pit->ch[0];
	uint64_t k = elapsed(c, now_ns);
	uint64_t e = edges_at(c, k);

	if (e > pit->edges_seen) {
		if (pit->irq_level)
			vdev_irq_set(&pit->irq_sink, 0, false);
		vdev_irq_set(&pit->irq_sink, 0, true);
		pit->irq_level = true;
	}
	pit->edges_seen = e;
	bool level = out_at(c, k);
	if (level != pit->irq_level) {
		pit->irq_level = level;
		vdev_irq_set(&pit->irq_sink, 0, level);
	}
}

uint64_t pit8254_next_event(const struct pit8254 *pit, uint64_t now_ns)
{
	const struct pit8254_channel *c = &pit->ch[0];
	uint64_t d = initial(c), k, t;

	if (!counting(c) || c->paused)
		return VDEV_NO_EVENT;
	k = elapsed(c, now_ns);
	switch (c->mode) {
	case 0:
	case 1:
		if (k >= d)
			return VDEV_NO_EVENT;
		t = d;
		break;
	case 2:
	case 3:
		t = (k / d + 1) * d;
		break;
	default:
		if (k > d)
			return VDEV_NO_EVENT;
		t = d + 1;
		break;
	}
	return c->start_ns + ns_for_ticks(t - c->base_ticks);
}

/* A complete count was written: load it and start (or arm) the counter. */
static void load(struct pit8254 *pit, int i, uint16_t value, uint64_t now)
{
	struct pit8254_channel *c = &pit->ch[i];

	if (c->bcd)
		value = (uint16_t)((vdev_from_bcd((uint8_t)(value >> 8)) * 100 +
				    vdev_from_bcd((uint8_t)value)) %
				   10000);
	c->reload = value;
	c->armed = true;
	c->null_count = false;
	c->triggered = false;
	c->base_ticks = 0;
	c->start_ns = now;
	c->paused = !c->gate && !hw_triggered(c);
	if (i == 0)
		pit->edges_seen = 0;
}

static void set_gate(struct pit8254_channel *c, bool gate, uint64_t now)
{
	if (gate == c->gate)
		return;
	if (!gate) {
		if (!hw_triggered(c)) {
			c->base_ticks = elapsed(c, now);
			c->paused = true;
		}
	} else if (c->mode == 0 || c->mode == 4) {
		c->start_ns = now; /* resume where it stopped */
		c->paused = false;
	} else {
		/* Modes 1, 5: trigger; modes 2, 3: reload and restart. */
		c->triggered = true;
		c->base_ticks = 0;
		c->start_ns = now;
		c->paused = false;
	}
	c->gate = gate;
}

static uint8_t status_of(const struct pit8254_channel *c, uint64_t now)
{
	return (uint8_t)((out_at(c, elapsed(c, now)) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
			 c->rw << 4 | c->mode << 1 | (c->bcd ? 1 : 0));
}

static uint16_t visible(const struct pit8254_channel *c, uint16_t v)
{
	if (!c->bcd)
		return v;
	v %= 10000;
	return (uint16_t)(vdev_to_bcd(v / 100) << 8 | vdev_to_bcd(v % 100));
}

static void latch_count(struct pit8254_channel *c, uint64_t now)
{
	if (c->count_latched)
		return; /* the first latch holds until read */
	c->latch = visible(c, count_at(c, elapsed(c, now)));
	c->count_latched = true;
	c->latch_hi_next = false;
}

static void control(struct pit8254 *pit, uint8_t v, uint64_t now)
{
	unsigned sc = v >> 6, rw = (v >> 4) & 3;

	if (sc == 3) { /* read-back command */
		for (int i = 0; i < 3; i++) {
			struct pit8254_channel *c = &pit->ch[i];
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				latch_count(c, now);
			if (!(v & 0x10) && !c->status_latched) {
				c->status = status_of(c, now);
				c->status_latched = true;
			}
		}
		return;
	}
	struct pit8254_channel *c = &pit->ch[sc];
	if (rw == 0) {
		latch_count(c, now);
		return;
	}
	unsigned mode = (v >> 1) & 7;
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);
	c->rw = (uint8_t)rw;
	c->bcd = v & 1;
	c->armed = false;
	c->triggered = false;
	c->paused = false;
	c->null_count = true;
	c->write_hi_next = false;
	c->read_hi_next = false;
	c->count_latched = false;
	c->status_latched = false;
	if (sc == 0)
		pit->edges_seen = 0;
}

static void write_count(struct pit8254 *pit, int i, uint8_t v, uint64_t now)
{
	struct pit8254_channel *c = &pit->ch[i];

	switch (c->rw) {
	case 1:
		load(pit, i, v, now);
		break;
	case 2:
		load(pit, i, (uint16_t)(v << 8), now);
		break;
	default:
		if (!c->write_hi_next) {
			c->write_lo = v;
			c->write_hi_next = true;
			if (c->mode == 0)
				c->armed = false; /* first byte stops the count */
		} else {
			c->write_hi_next = false;
			load(pit, i, (uint16_t)(c->write_lo | v << 8), now);
		}
		break;
	}
}

static uint8_t read_count(struct pit8254_channel *c, uint64_t now)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		bool hi = c->rw == 2 || (c->rw == 3 && c->latch_hi_next);
		if (c->rw == 3 && !c->latch_hi_next)
			c->latch_hi_next = true;
		else
			c->count_latched = false;
		return (uint8_t)(hi ? c->latch >> 8 : c->latch);
	}
	uint16_t v = visible(c, count_at(c, elapsed(c, now)));
	bool hi = c->rw == 2;
	if (c->rw == 3) {
		hi = c->read_hi_next;
		c->read_hi_next = !c->read_hi_next;
	}
	return (uint8_t)(hi ? v >> 8 : v);
}

void pit8254_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct pit8254 *pit = dev;
	(void)size;

	pit8254_update(pit, now_ns);
	if (port >= 0x40 && port <= 0x42) {
		*val = read_count(&pit->ch[port - 0x40], now_ns);
	} else if (port == 0x61) {
		*val = (uint32_t)(pit->port61 & 0x0F) | ((now_ns / REFRESH_NS) & 1) << 4 |
		       (uint32_t)pit8254_out(pit, 2, now_ns) << 5;
	} else {
		*val = 0xFF; /* 0x43: the control register cannot be read */
	}
}

void pit8254_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct pit8254 *pit = dev;
	uint8_t v = (uint8_t)val;
	(void)size;

	pit8254_update(pit, now_ns);
	if (port >= 0x40 && port <= 0x42) {
		write_count(pit, port - 0x40, v, now_ns);
	} else if (port == 0x43) {
		control(pit, v, now_ns);
	} else if (port == 0x61) {
		pit->port61 = v & 0x0F;
		set_gate(&pit->ch[2], v & 1, now_ns);
	}
	pit8254_update(pit, now_ns);
}
