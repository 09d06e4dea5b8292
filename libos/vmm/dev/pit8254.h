/*
 * pit8254.h - the 8254 programmable interval timer (ports 0x40-0x43) and the
 * PC's system control port B (port 0x61: channel 2 gate, speaker enable,
 * channel 2 output, refresh toggle).
 *
 * Source: Intel 8254 Programmable Interval Timer datasheet (order
 * 231164-005): "Control Word Format", "Write Operations", "Read Operations"
 * (counter latch, read-back command, status byte), "Mode Definitions"
 * (modes 0-5, gate behaviour table); port 0x61 from the IBM PC/AT Technical
 * Reference (system board I/O, port B).
 *
 * The counters are clocked at 1.193182 MHz of guest time; every count and
 * output is a function of now_ns, so a read at a given now_ns is exact and
 * repeatable. Channel 0 drives ISA IRQ 0: the VMM calls pit8254_update at
 * (or after) the time pit8254_next_event names, and the model lowers and
 * raises the line for each rising edge of OUT0 since the last update
 * (several missed periods coalesce into one edge, like lost ticks).
 */
#ifndef VMM_DEV_PIT8254_H
#define VMM_DEV_PIT8254_H

#include "dev/vdev.h"

#define PIT8254_HZ 1193182u /* input clock, Hz */

struct pit8254_channel {
	uint16_t reload; /* count register as written (0 = 65536 / 10000) */
	uint8_t mode;	 /* 0-5 */
	uint8_t rw;	 /* access: 1 lobyte, 2 hibyte, 3 lo then hi */
	bool bcd;
	bool gate;	    /* GATE input level */
	bool armed;	    /* a count has been loaded: the counter runs */
	bool triggered;	    /* modes 1/5: a gate edge started the count */
	bool null_count;    /* status bit 6 */
	bool write_hi_next; /* rw 3: the next write is the high byte */
	bool read_hi_next;  /* rw 3: the next read is the high byte */
	uint8_t write_lo;   /* rw 3: low byte waiting for its high byte */
	bool count_latched;
	bool latch_hi_next; /* rw 3: next latched byte is the high one */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
	uint64_t start_ns;   /* when counting (re)started */
	uint64_t base_ticks; /* ticks counted before start_ns (gate pauses) */
	bool paused;	     /* gate low stops counting (modes 0, 2, 3, 4) */
};

struct pit8254 {
	struct pit8254_channel ch[3];
	uint8_t port61; /* bits 0-3 as written */
	struct vdev_irq irq_sink;
	bool irq_level;	     /* what we last drove on IRQ 0 */
	uint64_t edges_seen; /* OUT0 rising edges already signalled */
};

/* Power-on state: no channel programmed (outputs low, counters idle), gates
 * of channels 0 and 1 tied high, channel 2's from port 0x61 (0). IRQ 0 goes
 * to irq_sink. */
void pit8254_init(struct pit8254 *pit, const struct vdev_irq *irq_sink);

/* Register ports 0x40-0x43 and 0x61. Returns 0, or -1 (bus full/overlap). */
int pit8254_attach(struct pit8254 *pit, struct vdev_bus *bus);

/* Port handlers (vdev_pio_in_fn/vdev_pio_out_fn); byte-wide. */
void pit8254_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void pit8254_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

/*
 * Bring IRQ 0 up to date at now_ns: for each rising edge of OUT0 since the
 * last update, give the PIC an edge (one, however many were missed), and
 * leave the line at OUT0's level. Port accesses do this too.
 */
void pit8254_update(struct pit8254 *pit, uint64_t now_ns);

/* Guest time (ns) of the next rising edge of OUT0 after now_ns, i.e. when
 * the VMM should call pit8254_update; VDEV_NO_EVENT if none is coming. */
uint64_t pit8254_next_event(const struct pit8254 *pit, uint64_t now_ns);

/* The counting element of channel ch (0-2) at now_ns, in binary (what a
 * latch would capture), and its OUT level. For tests and diagnostics. */
uint16_t pit8254_count(const struct pit8254 *pit, unsigned ch, uint64_t now_ns);
bool pit8254_out(const struct pit8254 *pit, unsigned ch, uint64_t now_ns);

#endif
