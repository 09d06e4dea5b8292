/*
 * mc146818.h - the PC's MC146818 real-time clock and 128 bytes of CMOS RAM
 * (port 0x70: index, bit 7 masks NMI; port 0x71: data), on ISA IRQ 8.
 *
 * Source: Motorola MC146818A datasheet (rev. 1984/1990): "Address Map"
 * (fig. 4), "Time, Calendar and Alarm Locations" (table 3, BCD/binary and
 * 12/24-hour formats), "Update Cycle" (UIP timing, fig. 14: UIP rises
 * 244 us before the 1984 us update cycle), "Register A-D" (divider and
 * rate-select bits, table 5 periodic rates, SET/PIE/AIE/UIE/DM/24-12, IRQF
 * and the flags, VRT), "Interrupts". CMOS memory-size bytes as PC firmware
 * and QEMU lay them out: 0x15-0x16 base memory (KiB), 0x17-0x18 and
 * 0x30-0x31 memory above 1 MiB (KiB, capped at 65535), 0x34-0x35 memory
 * above 16 MiB below 4 GiB (64 KiB units), 0x5B-0x5D memory above 4 GiB
 * (64 KiB units), 0x32 the century.
 *
 * The clock counts guest time: its reading is the start epoch plus whole
 * seconds of now_ns, the seconds rolling over at now_ns = k * 10^9 (shifted
 * when the guest sets the time). The VMM calls mc146818_update at the time
 * mc146818_next_event names to raise the due interrupts.
 */
#ifndef VMM_DEV_MC146818_H
#define VMM_DEV_MC146818_H

#include "dev/vdev.h"

/* Host wall-clock time, seconds since 1970-01-01 00:00:00 UTC. */
typedef int64_t (*mc146818_clock_fn)(void *ctx);

struct mc146818_config {
	unsigned irq; /* 8 on a PC */
	struct vdev_irq irq_sink;
	/* The clock's reading at now_ns = 0: clock(clock_ctx) if clock is
	 * set (called once, by mc146818_init), else epoch_s. */
	mc146818_clock_fn clock;
	void *clock_ctx;
	int64_t epoch_s;
	uint64_t ram_below_4g; /* guest RAM below 4 GiB, bytes */
	uint64_t ram_above_4g; /* guest RAM from 4 GiB up, bytes */
};

struct mc146818 {
	struct mc146818_config cfg;
	uint8_t index;	 /* selected CMOS location, 0-127 */
	bool nmi_masked; /* bit 7 of the last index write */
	uint8_t ram[128];
	uint8_t a, b, c;
	int64_t base_s;	      /* clock reading at base_ns (or frozen reading) */
	uint64_t base_ns;     /* guest time of the last clock (re)start */
	bool frozen;	      /* SET or divider reset: the clock does not tick */
	uint64_t upd_seen;    /* update cycles since base_ns already flagged */
	uint64_t per_base_ns; /* periodic interrupt phase origin */
	uint64_t per_seen;    /* periodic ticks since per_base_ns flagged */
	bool irq_level;
};

/* Initialise: register A 0x26 (32.768 kHz time base, 1024 Hz rate), B 0x02
 * (24-hour, BCD, no interrupts), C 0, D 0x80; the clock at the configured
 * epoch; the memory-size bytes from the RAM sizes; other RAM zero. */
void mc146818_init(struct mc146818 *rtc, const struct mc146818_config *cfg, uint64_t now_ns);

/* Register ports 0x70-0x71. Returns 0, or -1 (bus full/overlap). */
int mc146818_attach(struct mc146818 *rtc, struct vdev_bus *bus);

/* Port handlers (vdev_pio_in_fn/vdev_pio_out_fn); byte-wide. Port 0x70
 * reads 0xFF (it is write-only). */
void mc146818_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void mc146818_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

/* Set the update-ended, alarm and periodic flags due by now_ns and drive
 * IRQ 8 from IRQF. Port accesses do this too. */
void mc146818_update(struct mc146818 *rtc, uint64_t now_ns);

/* Guest time (ns) of the next periodic tick or update cycle whose interrupt
 * is enabled (PIE, UIE or AIE), after now_ns; VDEV_NO_EVENT if none. */
uint64_t mc146818_next_event(const struct mc146818 *rtc, uint64_t now_ns);

/* The clock's reading at now_ns, seconds since the Unix epoch. */
int64_t mc146818_time(const struct mc146818 *rtc, uint64_t now_ns);

/* True if the guest last wrote port 0x70 with bit 7 set (NMI masked). */
bool mc146818_nmi_masked(const struct mc146818 *rtc);

#endif
