/*
 * test_vdev_rtc.c - host tests of the MC146818 RTC/CMOS model
 * (libos/vmm/dev/mc146818.c), through the port bus.
 *
 * Time in BCD and binary and 12-hour form across a leap day and a century,
 * the UIP window, setting the clock under SET, update-ended, periodic and
 * alarm interrupts on IRQ 8 with register C, the memory-size bytes QEMU
 * writes, NMI mask, and random hammering of ports 0x70/0x71.
 */
#include <stdint.h>

#include "dev/mc146818.h"
#include "unit.h"

#define S	   1000000000ULL
#define EPOCH_LEAP 1709251198 /* 2024-02-29 23:59:58 UTC, a Thursday */

static struct vdev_bus bus;
static struct mc146818 rtc;
static unsigned rises;
static int level = -1;

static void set_irq(void *ctx, unsigned irq, bool l)
{
	(void)ctx;
	CU_ASSERT_EQUAL(irq, 8);
	if (l && level != 1)
		rises++;
	level = l;
}

static int64_t fixed_clock(void *ctx)
{
	return *(int64_t *)ctx;
}

static void setup_at(int64_t epoch)
{
	static int64_t e;
	e = epoch;
	struct mc146818_config cfg = {
		.irq = 8,
		.irq_sink = { set_irq, NULL },
		.clock = fixed_clock,
		.clock_ctx = &e,
		.ram_below_4g = 512ULL << 20,
		.ram_above_4g = 0,
	};
	vdev_bus_init(&bus);
	mc146818_init(&rtc, &cfg, 0);
	CU_ASSERT_EQUAL_FATAL(mc146818_attach(&rtc, &bus), 0);
	rises = 0;
	level = -1;
}

static uint8_t rd(uint8_t idx, uint64_t t)
{
	uint32_t v;
	CU_ASSERT_TRUE(vdev_pio_out(&bus, 0x70, 1, idx, t));
	CU_ASSERT_TRUE(vdev_pio_in(&bus, 0x71, 1, &v, t));
	return (uint8_t)v;
}

static void wr(uint8_t idx, uint8_t v, uint64_t t)
{
	CU_ASSERT_TRUE(vdev_pio_out(&bus, 0x70, 1, idx, t));
	CU_ASSERT_TRUE(vdev_pio_out(&bus, 0x71, 1, v, t));
}

static void test_bcd_time(void)
{
	setup_at(EPOCH_LEAP);
	CU_ASSERT_EQUAL(rd(0x0B, 0), 0x02); /* 24h, BCD */
	CU_ASSERT_EQUAL(rd(0x00, S / 2), 0x58);
	CU_ASSERT_EQUAL(rd(0x02, S / 2), 0x59);
	CU_ASSERT_EQUAL(rd(0x04, S / 2), 0x23);
	CU_ASSERT_EQUAL(rd(0x06, S / 2), 0x05); /* Thursday: Sunday is 1 */
	CU_ASSERT_EQUAL(rd(0x07, S / 2), 0x29);
	CU_ASSERT_EQUAL(rd(0x08, S / 2), 0x02);
	CU_ASSERT_EQUAL(rd(0x09, S / 2), 0x24);
	CU_ASSERT_EQUAL(rd(0x32, S / 2), 0x20);
	/* Two seconds later: March 1st, midnight. */
	CU_ASSERT_EQUAL(rd(0x00, 2 * S), 0x00);
	CU_ASSERT_EQUAL(rd(0x04, 2 * S), 0x00);
	CU_ASSERT_EQUAL(rd(0x07, 2 * S), 0x01);
	CU_ASSERT_EQUAL(rd(0x08, 2 * S), 0x03);
	CU_ASSERT_EQUAL(rd(0x06, 2 * S), 0x06);
	/* The new second shows exactly at the boundary. */
	CU_ASSERT_EQUAL(rd(0x00, S - 1), 0x58);
	CU_ASSERT_EQUAL(rd(0x00, S), 0x59);
	CU_ASSERT_EQUAL(rd(0x0D, 0), 0x80); /* VRT */
}

static void test_binary_and_12h(void)
{
	setup_at(946684799); /* 1999-12-31 23:59:59 */
	wr(0x0B, 0x06, 0);   /* binary, 24h */
	CU_ASSERT_EQUAL(rd(0x00, 0), 59);
	CU_ASSERT_EQUAL(rd(0x04, 0), 23);
	CU_ASSERT_EQUAL(rd(0x09, 0), 99);
	CU_ASSERT_EQUAL(rd(0x32, 0), 19);
	CU_ASSERT_EQUAL(rd(0x09, S), 0);
	CU_ASSERT_EQUAL(rd(0x32, S), 20);
	CU_ASSERT_EQUAL(rd(0x07, S), 1);
	wr(0x0B, 0x04, 0); /* binary, 12h */
	CU_ASSERT_EQUAL(rd(0x04, 0), 0x80 | 11);
	CU_ASSERT_EQUAL(rd(0x04, S), 12); /* midnight is 12 AM */
	wr(0x0B, 0x00, 0);		  /* BCD, 12h */
	CU_ASSERT_EQUAL(rd(0x04, 0), 0x91);
	CU_ASSERT_EQUAL(rd(0x04, S + 12 * 3600 * S), 0x92); /* noon: 12 PM */
	CU_ASSERT_EQUAL(rd(0x04, S + 13 * 3600 * S), 0x81);
}

static void test_uip_window(void)
{
	setup_at(EPOCH_LEAP);
	CU_ASSERT_EQUAL(rd(0x0A, 0), 0x26);
	CU_ASSERT_EQUAL(rd(0x0A, S / 2), 0x26);
	CU_ASSERT_EQUAL(rd(0x0A, S - 2300000), 0x26);
	CU_ASSERT_EQUAL(rd(0x0A, S - 2228000), 0xA6);
	CU_ASSERT_EQUAL(rd(0x0A, S - 1000), 0xA6);
	CU_ASSERT_EQUAL(rd(0x0A, S), 0x26);
	/* Linux mc146818_get_time: wait for !UIP, then read. */
	uint64_t t = 5 * S - 1500000;
	while (rd(0x0A, t) & 0x80)
		t += 100000;
	CU_ASSERT_EQUAL(t, 5 * S);
	CU_ASSERT_EQUAL(rd(0x00, t), 0x03);
	/* SET stops the clock, and UIP. */
	wr(0x0B, 0x82, 0);
	CU_ASSERT_EQUAL(rd(0x0A, S - 1000), 0x26);
	CU_ASSERT_EQUAL(rd(0x00, 10 * S), 0x58);
}

static void test_set_time(void)
{
	setup_at(EPOCH_LEAP);
	uint64_t t = 3 * S + 1234;
	wr(0x0B, 0x82, t); /* SET */
	wr(0x00, 0x00, t);
	wr(0x02, 0x05, t);
	wr(0x04, 0x13, t);
	wr(0x07, 0x04, t);
	wr(0x08, 0x07, t);
	wr(0x09, 0x31, t);
	wr(0x0B, 0x02, t + 10 * S); /* release: counts from here */
	CU_ASSERT_EQUAL(mc146818_time(&rtc, t + 10 * S), 1940936700); /* 2031-07-04 13:05 */
	CU_ASSERT_EQUAL(rd(0x00, t + 10 * S + S - 1), 0x00);
	CU_ASSERT_EQUAL(rd(0x00, t + 11 * S), 0x01);
	CU_ASSERT_EQUAL(rd(0x06, t + 11 * S), 0x06); /* a Friday */
	/* Bad values are clamped: month 0x13, day 0x45 on 31-day July... */
	wr(0x08, 0x13, t + 11 * S);
	CU_ASSERT_EQUAL(rd(0x08, t + 11 * S), 0x12);
	wr(0x07, 0x45, t + 11 * S);
	CU_ASSERT_EQUAL(rd(0x07, t + 11 * S), 0x31);
	wr(0x08, 0x02, t + 11 * S); /* Feb 31 -> Feb 28 (2031) */
	CU_ASSERT_EQUAL(rd(0x07, t + 11 * S), 0x28);
	/* ...and in 12-hour binary mode, hour 12 PM is noon. */
	wr(0x0B, 0x04, t + 11 * S);
	wr(0x04, 0x80 | 12, t + 11 * S);
	CU_ASSERT_EQUAL(rd(0x04, t + 11 * S), 0x80 | 12);
	wr(0x0B, 0x06, t + 11 * S);
	CU_ASSERT_EQUAL(rd(0x04, t + 11 * S), 12);
}

static void test_update_interrupt(void)
{
	setup_at(EPOCH_LEAP);
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, 0), VDEV_NO_EVENT);
	/* The periodic flag runs at 1024 Hz whatever PIE says: */
	CU_ASSERT_EQUAL(rd(0x0C, S / 2), 0x40);
	wr(0x0A, 0x20, 0); /* rate 0: periodic off, to see UF alone */
	rd(0x0C, 0);
	wr(0x0B, 0x12, 0); /* UIE */
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, 0), S);
	mc146818_update(&rtc, S - 1);
	CU_ASSERT_EQUAL(rises, 0);
	mc146818_update(&rtc, S);
	CU_ASSERT_EQUAL(rises, 1);
	CU_ASSERT_EQUAL(level, 1);
	CU_ASSERT_EQUAL(rd(0x0C, S + 10), 0x90); /* IRQF | UF */
	CU_ASSERT_EQUAL(level, 0);
	CU_ASSERT_EQUAL(rd(0x0C, S + 20), 0x00);
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, S + 20), 2 * S);
	/* Flags are set with interrupts off, without IRQF. */
	wr(0x0B, 0x02, S + 30);
	CU_ASSERT_EQUAL(rd(0x0C, 3 * S), 0x30); /* and AF: 00:00:00 matched */
	CU_ASSERT_EQUAL(rises, 1);
	/* SET clears UIE (datasheet). */
	wr(0x0B, 0x92, 3 * S);
	CU_ASSERT_EQUAL(rd(0x0B, 3 * S), 0x82);
}

static void test_periodic_interrupt(void)
{
	setup_at(EPOCH_LEAP);
	rd(0x0C, 0);
	wr(0x0B, 0x42, 0); /* PIE, rate 6 = 1024 Hz */
	uint64_t ev = mc146818_next_event(&rtc, 0);
	CU_ASSERT_EQUAL(ev, 976563); /* ceil(10^9 / 1024) */
	mc146818_update(&rtc, ev);
	CU_ASSERT_EQUAL(rises, 1);
	CU_ASSERT_EQUAL(rd(0x0C, ev), 0xC0);
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, ev), 1953125);
	/* Rate 15 = 2 Hz; rate 0 = off. */
	wr(0x0A, 0x2F, S);
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, S), S + S / 2);
	wr(0x0A, 0x20, S);
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, S), VDEV_NO_EVENT);
	/* Rates 1 and 2 are 256 and 128 Hz on the 32.768 kHz base. */
	wr(0x0A, 0x21, S);
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, S), S + 3906250);
	wr(0x0A, 0x22, S);
	CU_ASSERT_EQUAL(mc146818_next_event(&rtc, S), S + 7812500);
}

static void test_alarm(void)
{
	setup_at(EPOCH_LEAP);
	wr(0x0A, 0x20, 0);
	rd(0x0C, 0);
	wr(0x01, 0x01, 0); /* 00:00:01 */
	wr(0x03, 0x00, 0);
	wr(0x05, 0x00, 0);
	wr(0x0B, 0x22, 0); /* AIE */
	mc146818_update(&rtc, 2 * S);
	CU_ASSERT_EQUAL(rises, 0);
	CU_ASSERT_EQUAL(rd(0x0C, 2 * S) & 0x20, 0);
	mc146818_update(&rtc, 3 * S);
	CU_ASSERT_EQUAL(rises, 1);
	CU_ASSERT_EQUAL(rd(0x0C, 3 * S), 0xB0);
	/* Don't-care seconds: every minute at :30, even after a long gap. */
	wr(0x01, 0xC0, 3 * S);
	wr(0x03, 0x17, 3 * S);
	wr(0x05, 0xFF, 3 * S);
	mc146818_update(&rtc, 3 * S + 3 * 24 * 3600 * S);
	CU_ASSERT_EQUAL(rd(0x0C, 3 * S + 3 * 24 * 3600 * S) & 0x20, 0x20);
}

static void test_cmos_memory_bytes(void)
{
	struct mc146818_config cfg = {
		.epoch_s = 0,
		.ram_below_4g = 3ULL << 30,
		.ram_above_4g = 5ULL << 30,
	};
	vdev_bus_init(&bus);
	mc146818_init(&rtc, &cfg, 0);
	mc146818_attach(&rtc, &bus);
	CU_ASSERT_EQUAL(rd(0x15, 0) | rd(0x16, 0) << 8, 640);
	CU_ASSERT_EQUAL(rd(0x17, 0) | rd(0x18, 0) << 8, 0xFFFF); /* capped */
	CU_ASSERT_EQUAL(rd(0x30, 0) | rd(0x31, 0) << 8, 0xFFFF);
	CU_ASSERT_EQUAL(rd(0x34, 0) | rd(0x35, 0) << 8, ((3u << 30) - (16u << 20)) / 65536);
	CU_ASSERT_EQUAL(rd(0x5B, 0) | rd(0x5C, 0) << 8 | rd(0x5D, 0) << 16, (5ULL << 30) / 65536);
	/* 32 MiB guest: 31 MiB extended, 16 MiB above 16 MiB. */
	cfg.ram_below_4g = 32ULL << 20;
	cfg.ram_above_4g = 0;
	mc146818_init(&rtc, &cfg, 0);
	CU_ASSERT_EQUAL(rd(0x17, 0) | rd(0x18, 0) << 8, 31 * 1024);
	CU_ASSERT_EQUAL(rd(0x34, 0) | rd(0x35, 0) << 8, 256);
	CU_ASSERT_EQUAL(rd(0x5B, 0), 0);
	/* epoch_s used without a clock callback. */
	CU_ASSERT_EQUAL(mc146818_time(&rtc, 5 * S), 5);
	/* Plain RAM bytes round-trip; 0x0C/0x0D are read-only. */
	wr(0x40, 0xAB, 0);
	CU_ASSERT_EQUAL(rd(0x40, 0), 0xAB);
	wr(0x7F, 0x12, 0);
	CU_ASSERT_EQUAL(rd(0x7F, 0), 0x12);
	wr(0x0D, 0x00, 0);
	CU_ASSERT_EQUAL(rd(0x0D, 0), 0x80);
	/* NMI mask bit: index bit 7, not part of the index. */
	vdev_pio_out(&bus, 0x70, 1, 0x80 | 0x40, 0);
	CU_ASSERT_TRUE(mc146818_nmi_masked(&rtc));
	uint32_t v;
	vdev_pio_in(&bus, 0x71, 1, &v, 0);
	CU_ASSERT_EQUAL(v, 0xAB);
	vdev_pio_in(&bus, 0x70, 1, &v, 0);
	CU_ASSERT_EQUAL(v, 0xFF);
	rd(0x40, 0);
	CU_ASSERT_FALSE(mc146818_nmi_masked(&rtc));
}

static uint64_t rng = 0x0123456789ABCDEFULL;
static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

static void test_hostile_random(void)
{
	uint64_t now = 0;
	setup_at(EPOCH_LEAP);
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		uint32_t v;
		now += (r >> 44) % 3000000;
		if ((r & 0x3FFF) == 5)
			now += (r >> 20) * S; /* long jumps */
		if (r & 1)
			vdev_pio_out(&bus, 0x70 + ((r >> 1) & 1), 1, (uint32_t)(r >> 8), now);
		else
			vdev_pio_in(&bus, 0x70 + ((r >> 1) & 1), 1u << ((r >> 2) % 3), &v, now);
		uint64_t ev = mc146818_next_event(&rtc, now);
		CU_ASSERT_FATAL(ev > now);
		if ((r & 0x300) == 0)
			mc146818_update(&rtc, ev == VDEV_NO_EVENT ? now + 1 : ev);
		if (now > UINT64_MAX / 4)
			now = 0;
	}
}

static CU_TestInfo rtc_tests[] = {
	{ "BCD time across a leap day", test_bcd_time },
	{ "binary and 12-hour formats, century", test_binary_and_12h },
	{ "UIP window", test_uip_window },
	{ "setting the time under SET", test_set_time },
	{ "update-ended interrupt, register C", test_update_interrupt },
	{ "periodic interrupt rates", test_periodic_interrupt },
	{ "alarm interrupt, don't-care bytes", test_alarm },
	{ "memory-size bytes, RAM, NMI mask", test_cmos_memory_bytes },
	{ "random port hammering and time jumps", test_hostile_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_rtc, rtc_tests);
