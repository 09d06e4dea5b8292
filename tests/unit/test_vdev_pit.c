/*
 * test_vdev_pit.c - host tests of the 8254 PIT model and port 0x61
 * (libos/vmm/dev/pit8254.c), through the port bus.
 *
 * Counts are checked at chosen guest times against the tick formula
 * computed independently here (128-bit arithmetic): Linux's mode 2 periodic
 * tick, mode 3, the mode 0 channel-2 countdown its TSC calibration polls
 * through port 0x61, the mode 4 one-shot of its clockevent, latch and
 * read-back commands, BCD, count 0 = 65536, and random hammering.
 */
#include <stdint.h>

#include "dev/pit8254.h"
#include "unit.h"

static struct vdev_bus bus;
static struct pit8254 pit;
static unsigned rises;
static int level = -1;

static void set_irq(void *ctx, unsigned irq, bool l)
{
	(void)ctx;
	CU_ASSERT_EQUAL(irq, 0);
	if (l && level != 1)
		rises++;
	level = l;
}

static void setup(void)
{
	struct vdev_irq sink = { set_irq, NULL };
	vdev_bus_init(&bus);
	pit8254_init(&pit, &sink);
	CU_ASSERT_EQUAL_FATAL(pit8254_attach(&pit, &bus), 0);
	rises = 0;
	level = -1;
}

static void out(uint16_t port, uint8_t v, uint64_t t)
{
	CU_ASSERT_TRUE(vdev_pio_out(&bus, port, 1, v, t));
}

static uint8_t in(uint16_t port, uint64_t t)
{
	uint32_t v;
	CU_ASSERT_TRUE(vdev_pio_in(&bus, port, 1, &v, t));
	return (uint8_t)v;
}

static uint16_t read16(uint16_t port, uint64_t t)
{
	uint8_t lo = in(port, t);
	return (uint16_t)(lo | in(port, t) << 8);
}

/* Ticks of the 1.193182 MHz clock in t ns, computed independently. */
static uint64_t ticks(uint64_t t)
{
	return (uint64_t)((unsigned __int128)t * PIT8254_HZ / 1000000000u);
}

/* First ns at which tick k has happened. */
static uint64_t at_tick(uint64_t k)
{
	return (uint64_t)(((unsigned __int128)k * 1000000000u + PIT8254_HZ - 1) / PIT8254_HZ);
}

static void test_mode2_periodic(void)
{
	const uint16_t latch = 11932; /* Linux: (1193182 + HZ/2) / HZ, HZ=100 */
	const uint64_t t0 = 5000;
	setup();
	out(0x43, 0x34, t0);
	out(0x40, latch & 0xFF, t0);
	out(0x40, latch >> 8, t0);
	CU_ASSERT_EQUAL(pit8254_count(&pit, 0, t0), latch);
	uint64_t samples[] = { 1, 999, 123456, 9999999, 10000000, 25000123, 1000000007 };
	for (unsigned i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		uint64_t t = t0 + samples[i];
		uint64_t k = ticks(samples[i]);
		out(0x43, 0x00, t); /* latch */
		CU_ASSERT_EQUAL(read16(0x40, t + 777777), latch - k % latch);
	}
	/* Interrupts: one edge per period, at exactly the period's end. */
	setup();
	out(0x43, 0x34, t0);
	out(0x40, latch & 0xFF, t0);
	out(0x40, latch >> 8, t0);
	/* Programming mode 2 takes OUT0 from its power-on low to high: that
	 * first edge is real (an 8254 gives it too). Count from there. */
	CU_ASSERT_EQUAL(level, 1);
	rises = 0;
	uint64_t now = t0;
	for (unsigned p = 1; p <= 5; p++) {
		uint64_t ev = pit8254_next_event(&pit, now);
		CU_ASSERT_EQUAL(ev, t0 + at_tick((uint64_t)p * latch));
		pit8254_update(&pit, ev - 1);
		CU_ASSERT_EQUAL(rises, p - 1);
		pit8254_update(&pit, ev);
		CU_ASSERT_EQUAL(rises, p);
		CU_ASSERT_EQUAL(level, 1);
		now = ev;
	}
	/* A late VMM: three periods missed coalesce into one edge. */
	pit8254_update(&pit, now + at_tick(3 * latch));
	CU_ASSERT_EQUAL(rises, 6);
}

static void test_mode3_square_wave(void)
{
	setup();
	out(0x61, 0x01, 0); /* gate 2 on */
	out(0x43, 0xB6, 0); /* channel 2, lo/hi, mode 3 */
	out(0x42, 1000 & 0xFF, 0);
	out(0x42, 1000 >> 8, 0);
	for (uint64_t k = 0; k < 3000; k += 37) {
		uint64_t t = at_tick(k);
		uint64_t p = k % 1000;
		bool hi = p < 500;
		CU_ASSERT_EQUAL(!!(in(0x61, t) & 0x20), hi);
		out(0x43, 0x80, t);
		CU_ASSERT_EQUAL(read16(0x42, t), 1000 - 2 * (hi ? p : p - 500));
	}
	/* Gate low stops the count and forces OUT high; gate high reloads. */
	uint64_t t = at_tick(700);
	out(0x61, 0x00, t);
	CU_ASSERT_TRUE(in(0x61, t + 1000000) & 0x20);
	out(0x43, 0x80, t + 1000000);
	CU_ASSERT_EQUAL(read16(0x42, t + 1000000), 1000 - 2 * 200);
	out(0x61, 0x01, t + 2000000);
	out(0x43, 0x80, t + 2000000);
	CU_ASSERT_EQUAL(read16(0x42, t + 2000000), 1000);
	/* Mode 3 on channel 0 drives IRQ 0 at each period start. */
	out(0x43, 0x36, 0);
	out(0x40, 100, 0);
	out(0x40, 0, 0);
	rises = 0;
	pit8254_update(&pit, at_tick(50));
	CU_ASSERT_EQUAL(level, 0); /* second half of the period */
	pit8254_update(&pit, at_tick(100));
	CU_ASSERT_EQUAL(rises, 1);
	pit8254_update(&pit, at_tick(450));
	CU_ASSERT_EQUAL(rises, 2); /* three missed periods: one edge */
}

static void test_mode0_tsc_calibration(void)
{
	/* pit_calibrate_tsc: gate on, speaker off, ch2 mode 0, latch count. */
	const uint16_t latch = 1193182 / 20; /* 50 ms */
	const uint64_t t0 = 123456789;
	setup();
	out(0x61, (in(0x61, t0) & ~0x02) | 0x01, t0);
	out(0x43, 0xB0, t0);
	out(0x42, latch & 0xFF, t0);
	CU_ASSERT_FALSE(in(0x61, t0) & 0x20); /* half-written: OUT low */
	out(0x42, latch >> 8, t0);
	uint64_t done = t0 + at_tick(latch);
	CU_ASSERT_FALSE(in(0x61, done - 1) & 0x20);
	CU_ASSERT_TRUE(in(0x61, done) & 0x20);
	CU_ASSERT_TRUE(in(0x61, done + 5000000000ULL) & 0x20); /* stays high */
	/* quick_pit_calibrate reads the MSB with lo/hi reads, live. */
	setup();
	out(0x61, 0x01, 0);
	out(0x43, 0xB0, 0);
	out(0x42, 0xFF, 0);
	out(0x42, 0xFF, 0);
	for (unsigned i = 1; i < 200; i++) {
		uint64_t t = (uint64_t)i * 213 * 1000; /* ~ every 254 ticks */
		in(0x42, t);
		CU_ASSERT_EQUAL(in(0x42, t), (0xFFFF - ticks(t)) >> 8);
	}
	/* Refresh toggle (bit 4) flips over time. */
	CU_ASSERT_NOT_EQUAL(in(0x61, 0) & 0x10, in(0x61, 15085) & 0x10);
	/* Gate low suspends mode 0 counting. */
	setup();
	out(0x61, 0x01, 0);
	out(0x43, 0xB0, 0);
	out(0x42, 0x00, 0);
	out(0x42, 0x10, 0);
	out(0x61, 0x00, at_tick(100));
	CU_ASSERT_EQUAL(pit8254_count(&pit, 2, at_tick(5000)), 0x1000 - 100);
	out(0x61, 0x01, at_tick(5000));
	CU_ASSERT_EQUAL(pit8254_count(&pit, 2, at_tick(5000) + at_tick(10)), 0x1000 - 110);
}

static void test_mode0_and_mode4_one_shot_irq(void)
{
	setup();
	out(0x43, 0x30, 0); /* mode 0 */
	out(0x40, 0x00, 0);
	out(0x40, 0x01, 0); /* 256 ticks */
	CU_ASSERT_NOT_EQUAL(level, 1);
	CU_ASSERT_EQUAL(pit8254_next_event(&pit, 0), at_tick(256));
	pit8254_update(&pit, at_tick(256));
	CU_ASSERT_EQUAL(rises, 1);
	CU_ASSERT_EQUAL(level, 1);
	CU_ASSERT_EQUAL(pit8254_next_event(&pit, at_tick(256)), VDEV_NO_EVENT);
	pit8254_update(&pit, at_tick(70000));
	CU_ASSERT_EQUAL(rises, 1);
	/* The count wraps on after terminal count. */
	CU_ASSERT_EQUAL(pit8254_count(&pit, 0, at_tick(300)), (uint16_t)(256 - 300));
	/* Linux clockevent one-shot: mode 4 (0x38), strobe after N+1. */
	out(0x43, 0x38, at_tick(1000));
	out(0x40, 50, at_tick(1000));
	out(0x40, 0, at_tick(1000));
	uint64_t ev = pit8254_next_event(&pit, at_tick(1000));
	CU_ASSERT_EQUAL(ev, at_tick(1000) + at_tick(51));
	pit8254_update(&pit, ev);
	CU_ASSERT_EQUAL(rises, 2);
	CU_ASSERT_EQUAL(pit8254_next_event(&pit, ev), VDEV_NO_EVENT);
}

static void test_latch_and_readback(void)
{
	setup();
	out(0x43, 0x34, 0);
	out(0x40, 0x00, 0);
	out(0x40, 0x80, 0); /* 0x8000 */
	uint64_t t = at_tick(1234);
	out(0x43, 0x00, t);
	out(0x43, 0x00, at_tick(2000)); /* second latch ignored until read */
	CU_ASSERT_EQUAL(read16(0x40, at_tick(9000)), 0x8000 - 1234);
	/* Read-back: status and count of channel 0. */
	out(0x43, 0xC2, t);
	uint8_t st = in(0x40, at_tick(5000));
	CU_ASSERT_EQUAL(st, 0x80 | 0x34); /* OUT high, lo/hi, mode 2 */
	CU_ASSERT_EQUAL(read16(0x40, at_tick(5000)), 0x8000 - 1234);
	/* Status only (count bit 5 set = don't latch count). */
	out(0x43, 0xE2, t);
	CU_ASSERT_EQUAL(in(0x40, t), 0xB4);
	CU_ASSERT_EQUAL(read16(0x40, at_tick(1300)), 0x8000 - 1300); /* live */
	/* Null count after a control word, cleared by the count. */
	out(0x43, 0x74, t); /* channel 1, lo/hi, mode 2 */
	out(0x43, 0xE4, t);
	CU_ASSERT_EQUAL(in(0x41, t) & 0x40, 0x40);
	out(0x41, 10, t);
	out(0x41, 0, t);
	out(0x43, 0xE4, t);
	CU_ASSERT_EQUAL(in(0x41, t) & 0x40, 0);
	/* lobyte-only and hibyte-only access modes. */
	out(0x43, 0x54, 0); /* channel 1, lobyte, mode 2 */
	out(0x41, 200, 0);
	CU_ASSERT_EQUAL(in(0x41, at_tick(50)), 150);
	out(0x43, 0x64, 0); /* channel 1, hibyte, mode 2 */
	out(0x41, 2, 0);    /* 0x200 */
	CU_ASSERT_EQUAL(pit8254_count(&pit, 1, 0), 0x200);
	CU_ASSERT_EQUAL(in(0x41, at_tick(0x100)), 0x01);
}

static void test_count_zero_and_bcd(void)
{
	setup();
	out(0x43, 0x34, 0);
	out(0x40, 0, 0);
	out(0x40, 0, 0); /* 0 = 65536 */
	CU_ASSERT_EQUAL(pit8254_count(&pit, 0, 0), 0);
	CU_ASSERT_EQUAL(pit8254_count(&pit, 0, at_tick(1)), 65535);
	CU_ASSERT_EQUAL(pit8254_next_event(&pit, 0), at_tick(65536));
	/* BCD mode 2, count 1000 (BCD 0x1000). */
	out(0x43, 0x35, 0);
	out(0x40, 0x00, 0);
	out(0x40, 0x10, 0);
	CU_ASSERT_EQUAL(read16(0x40, at_tick(1)), 0x0999);
	CU_ASSERT_EQUAL(read16(0x40, at_tick(1000 + 12)), 0x0988);
	CU_ASSERT_EQUAL(pit8254_next_event(&pit, 0), at_tick(1000));
	/* BCD count 0 = 10000. */
	out(0x43, 0x31, 0); /* mode 0 BCD */
	out(0x40, 0, 0);
	out(0x40, 0, 0);
	CU_ASSERT_EQUAL(read16(0x40, at_tick(1)), 0x9999);
	CU_ASSERT_EQUAL(pit8254_next_event(&pit, 0), at_tick(10000));
	/* Bad BCD digits: accepted, defined. */
	out(0x43, 0x35, 0);
	out(0x40, 0xFF, 0);
	out(0x40, 0xFF, 0);
	uint16_t v = read16(0x40, at_tick(3));
	CU_ASSERT((v & 0x000F) <= 9 && (v & 0x00F0) <= 0x90);
	/* Modes 6 and 7 are 2 and 3. */
	out(0x43, 0x3C, 0);
	out(0x43, 0xE2, 0);
	CU_ASSERT_EQUAL(in(0x40, 0) & 0x0E, 2 << 1);
}

static uint64_t rng = 0xDEADBEEFCAFEF00DULL;
static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

static void test_hostile_random(void)
{
	static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
	uint64_t now = 0;
	setup();
	/* Reads before any programming are defined. */
	for (int i = 0; i < 5; i++)
		in(ports[i], 0);
	CU_ASSERT_EQUAL(pit8254_next_event(&pit, 0), VDEV_NO_EVENT);
	for (int i = 0; i < 300000; i++) {
		uint64_t r = rnd();
		uint16_t port = ports[(r >> 8) % 5];
		uint32_t v;
		now += (r >> 40) % 5000;
		if ((r & 0xFFFF) == 7)
			now = UINT64_MAX - (r >> 48); /* far future */
		if (r & 1)
			vdev_pio_out(&bus, port, 1u << ((r >> 4) % 3), (uint32_t)(r >> 16), now);
		else
			vdev_pio_in(&bus, port, 1u << ((r >> 4) % 3), &v, now);
		uint64_t ev = pit8254_next_event(&pit, now);
		CU_ASSERT_FATAL(ev > now);
		if ((r & 0xF0000) == 0 && ev != VDEV_NO_EVENT) {
			unsigned before = rises;
			pit8254_update(&pit, ev);
			CU_ASSERT_FATAL(rises == before + 1);
			now = ev;
		}
		if (now > UINT64_MAX / 2)
			now = 0;
	}
}

static CU_TestInfo pit_tests[] = {
	{ "mode 2 periodic: counts and IRQ 0", test_mode2_periodic },
	{ "mode 3 square wave, gate, port 0x61", test_mode3_square_wave },
	{ "mode 0 TSC calibration on channel 2", test_mode0_tsc_calibration },
	{ "mode 0 and mode 4 one-shot IRQ", test_mode0_and_mode4_one_shot_irq },
	{ "counter latch and read-back", test_latch_and_readback },
	{ "count 0, BCD, modes 6/7", test_count_zero_and_bcd },
	{ "random programming and time", test_hostile_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_pit, pit_tests);
