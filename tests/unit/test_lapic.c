/*
 * test_lapic.c - host tests of the local APIC model (libos/vmm/dev/lapic.c).
 *
 * Covers the power-on and INIT register values, the timer in one-shot,
 * periodic and TSC-deadline modes (counts and expiry times checked against
 * 128-bit arithmetic done here, drift over many periods, every divider),
 * masked LVTs, IRR/ISR/TMR/TPR/PPR priority and EOI order, level EOIs to
 * the IOAPIC, software disable, the ICR's messages, destination matching,
 * the ESR, IA32_APIC_BASE checks, the PIC's virtual-wire path, MMIO access
 * sizes, and random register hammering with invariants.
 */
#include <stdint.h>
#include <string.h>

#include "dev/lapic.h"
#include "unit.h"

#define NMSG 16

static struct lapic a;
static struct apic_msg msgs[NMSG];
static struct lapic *msg_from;
static unsigned nmsg;
static unsigned eois[NMSG];
static unsigned neoi;

static void rec_send(void *ctx, struct lapic *from, const struct apic_msg *m)
{
	CU_ASSERT_PTR_EQUAL(ctx, &a);
	msg_from = from;
	if (nmsg < NMSG)
		msgs[nmsg] = *m;
	nmsg++;
}

static void rec_eoi(void *ctx, unsigned vector)
{
	CU_ASSERT_PTR_EQUAL(ctx, &a);
	if (neoi < NMSG)
		eois[neoi] = vector;
	neoi++;
}

static void setup_cfg(unsigned id, bool bsp, bool tscd, uint64_t hz)
{
	struct lapic_config cfg = {
		.id = id,
		.bsp = bsp,
		.tsc_deadline = tscd,
		.timer_hz = hz,
		.send = rec_send,
		.eoi = rec_eoi,
		.ctx = &a,
	};
	lapic_init(&a, &cfg, 0);
	nmsg = 0;
	neoi = 0;
	msg_from = NULL;
}

/* An AP with a 1 GHz timer clock, software-enabled. */
static void setup(void)
{
	setup_cfg(1, false, true, VDEV_NS_PER_S);
	lapic_write(&a, LAPIC_SVR, 0x1FF, 0);
}

static uint32_t rd(unsigned off, uint64_t t)
{
	return lapic_read(&a, off, t);
}

static void wr(unsigned off, uint32_t v, uint64_t t)
{
	lapic_write(&a, off, v, t);
}

static bool irr(unsigned v)
{
	return rd(LAPIC_IRR + 16 * (v / 32), 0) >> (v % 32) & 1;
}

static bool isr(unsigned v)
{
	return rd(LAPIC_ISR + 16 * (v / 32), 0) >> (v % 32) & 1;
}

static bool tmr(unsigned v)
{
	return rd(LAPIC_TMR + 16 * (v / 32), 0) >> (v % 32) & 1;
}

static void fixed(unsigned v, bool level)
{
	struct apic_msg m = { .vector = (uint8_t)v, .mode = APIC_DM_FIXED, .level = level };
	m.assert = true;
	lapic_deliver(&a, &m, 0);
}

/* First ns at which `ticks` ticks of an hz clock have elapsed. */
static uint64_t at(uint64_t ticks, uint64_t hz)
{
	return (uint64_t)(((unsigned __int128)ticks * VDEV_NS_PER_S + hz - 1) / hz);
}

/* Ticks of an hz clock in t ns. */
static uint64_t ticks(uint64_t t, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)t * hz / VDEV_NS_PER_S);
}

static const unsigned lvt_offs[] = { LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL, LAPIC_LVT_PERF,
				     LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,	 LAPIC_LVT_ERROR,
				     LAPIC_LVT_CMCI };

static void test_reset_values(void)
{
	uint64_t v;
	setup_cfg(3, false, false, VDEV_NS_PER_S);
	CU_ASSERT_EQUAL(rd(LAPIC_ID, 0), 0x03000000u);
	CU_ASSERT_EQUAL(rd(LAPIC_VERSION, 0), 0x00050014u);
	CU_ASSERT_EQUAL(rd(LAPIC_TPR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LDR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_DFR, 0), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd(LAPIC_SVR, 0), 0xFF);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ICR_LO, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ICR_HI, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_ICR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_DCR, 0), 0);
	for (unsigned i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(rd(lvt_offs[i], 0), 0x10000u);
	for (unsigned w = 0; w < 8; w++) {
		CU_ASSERT_EQUAL(rd(LAPIC_ISR + 16 * w, 0), 0);
		CU_ASSERT_EQUAL(rd(LAPIC_TMR + 16 * w, 0), 0);
		CU_ASSERT_EQUAL(rd(LAPIC_IRR + 16 * w, 0), 0);
	}
	CU_ASSERT_EQUAL(lapic_base_msr(&a), 0xFEE00800u);
	CU_ASSERT_TRUE(lapic_hw_enabled(&a));
	CU_ASSERT_FALSE(lapic_sw_enabled(&a));
	CU_ASSERT_FALSE(lapic_accepts_pic(&a));
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 0), VDEV_NO_EVENT);
	CU_ASSERT_EQUAL(lapic_take_events(&a, NULL), 0);
	/* Through MMIO: the same, at any size. */
	lapic_mmio_read(&a, LAPIC_ID, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0x03000000u);
	lapic_mmio_read(&a, LAPIC_ID + 3, 1, &v, 0);
	CU_ASSERT_EQUAL(v, 3);
	lapic_mmio_read(&a, LAPIC_VERSION + 2, 2, &v, 0);
	CU_ASSERT_EQUAL(v, 5);
	lapic_mmio_read(&a, LAPIC_DFR, 8, &v, 0);
	CU_ASSERT_EQUAL(v, 0xFFFFFFFFu); /* bytes 4-7 of the slot are reserved */
	lapic_mmio_read(&a, LAPIC_DFR + 4, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0);

	/* The BSP: base MSR bit 8, LINT0 in virtual-wire mode. */
	setup_cfg(0, true, false, VDEV_NS_PER_S);
	CU_ASSERT_EQUAL(lapic_base_msr(&a), 0xFEE00900u);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_LINT0, 0), 0x700u);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_LINT1, 0), 0x10000u);
	CU_ASSERT_TRUE(lapic_accepts_pic(&a));

	/* INIT: everything back but the ID and the base MSR; LINT0 masked. */
	wr(LAPIC_SVR, 0x1FF, 0);
	wr(LAPIC_ID, 0x07000000u, 0);
	wr(LAPIC_TPR, 0x20, 0);
	wr(LAPIC_LDR, 0x01000000u, 0);
	wr(LAPIC_DFR, 0x0FFFFFFFu, 0);
	wr(LAPIC_LVT_TIMER, 0x20040, 0);
	wr(LAPIC_TIMER_DCR, 0xB, 0);
	wr(LAPIC_TIMER_ICR, 1000, 0);
	wr(LAPIC_ICR_HI, 0x01000000u, 0);
	fixed(0x80, true);
	lapic_ack(&a, 0x80);
	fixed(0x90, false);
	lapic_reset(&a, 10);
	CU_ASSERT_EQUAL(rd(LAPIC_ID, 10), 0x07000000u);
	CU_ASSERT_EQUAL(lapic_base_msr(&a), 0xFEE00900u);
	CU_ASSERT_EQUAL(rd(LAPIC_TPR, 10), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LDR, 10), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_DFR, 10), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd(LAPIC_SVR, 10), 0xFF);
	CU_ASSERT_EQUAL(rd(LAPIC_ICR_HI, 10), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_ICR, 10), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 10), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_DCR, 10), 0);
	for (unsigned i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(rd(lvt_offs[i], 10), 0x10000u);
	CU_ASSERT_FALSE(isr(0x80) || tmr(0x80) || irr(0x90));
	CU_ASSERT_EQUAL(lapic_next_event(&a, 10), VDEV_NO_EVENT);
	CU_ASSERT_FALSE(lapic_accepts_pic(&a));
}

static void test_timer_one_shot(void)
{
	const uint64_t t0 = 5000;
	setup();
	wr(LAPIC_LVT_TIMER, 0x40, t0); /* one-shot, vector 0x40 */
	wr(LAPIC_TIMER_DCR, 0x1, t0);  /* divide by 4 */
	wr(LAPIC_TIMER_ICR, 1000, t0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, t0), 1000);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, t0 + 3), 1000);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, t0 + 4), 999);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, t0 + 401), 900);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, t0 + 3999), 1);
	CU_ASSERT_EQUAL(lapic_next_event(&a, t0), t0 + 4000);
	lapic_update(&a, t0 + 3999);
	CU_ASSERT_FALSE(irr(0x40));
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	lapic_update(&a, t0 + 4000);
	CU_ASSERT_TRUE(irr(0x40));
	CU_ASSERT_FALSE(tmr(0x40));
	CU_ASSERT_EQUAL(lapic_pending(&a), 0x40);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, t0 + 4000), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_ICR, t0 + 4000), 1000);
	CU_ASSERT_EQUAL(lapic_next_event(&a, t0 + 4000), VDEV_NO_EVENT);
	lapic_ack(&a, 0x40);
	wr(LAPIC_EOI, 0, t0 + 5000);
	lapic_update(&a, t0 + 1000000);
	CU_ASSERT_FALSE(irr(0x40)); /* fired once */
	CU_ASSERT_EQUAL(neoi, 0);

	/* A late update: lapic_next_event names the missed expiry. */
	wr(LAPIC_TIMER_ICR, 10, 100000);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 200000), 100040);
	/* A new initial count restarts; 0 stops. */
	wr(LAPIC_TIMER_ICR, 20, 100020);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 100020), 100100);
	wr(LAPIC_TIMER_ICR, 0, 100050);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 100050), VDEV_NO_EVENT);
	lapic_update(&a, 200000);
	CU_ASSERT_FALSE(irr(0x40));

	/* Every divider of SDM figure 10-10. */
	static const struct {
		uint32_t dcr;
		unsigned div;
	} divs[] = { { 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		     { 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 } };
	for (unsigned i = 0; i < 8; i++) {
		uint64_t t = 1000000 * (i + 1);
		wr(LAPIC_TIMER_DCR, divs[i].dcr | 0xFFFFFFF4u, t);
		CU_ASSERT_EQUAL(rd(LAPIC_TIMER_DCR, t), divs[i].dcr);
		wr(LAPIC_TIMER_ICR, 10, t);
		CU_ASSERT_EQUAL(lapic_next_event(&a, t), t + 10 * divs[i].div);
		CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, t + 3 * divs[i].div), 7);
	}

	/* A clock that does not divide a second: 2.4 GHz, expiry rounded up
	 * to the first ns holding every tick. */
	const uint64_t hz = 2400000000u;
	setup_cfg(1, false, false, hz);
	wr(LAPIC_SVR, 0x1FF, 0);
	wr(LAPIC_LVT_TIMER, 0x41, 0);
	wr(LAPIC_TIMER_DCR, 0xB, 0);
	wr(LAPIC_TIMER_ICR, 1001, 7);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 7), 7 + at(1001, hz));
	lapic_update(&a, 7 + at(1001, hz) - 1);
	CU_ASSERT_FALSE(irr(0x41));
	lapic_update(&a, 7 + at(1001, hz));
	CU_ASSERT_TRUE(irr(0x41));
}

static void test_timer_periodic(void)
{
	const uint64_t hz = 2400000000u, t0 = 12345;
	const uint32_t count = 1000; /* with divide 2: 833.33 ns a period */
	setup_cfg(1, false, false, hz);
	wr(LAPIC_SVR, 0x1FF, 0);
	wr(LAPIC_LVT_TIMER, 0x20000 | 0xEC, t0);
	wr(LAPIC_TIMER_DCR, 0x0, t0);
	wr(LAPIC_TIMER_ICR, count, t0);
	uint64_t now = t0;
	for (uint64_t p = 1; p <= 1000; p++) {
		uint64_t ev = lapic_next_event(&a, now);
		/* Period p ends at exactly p periods of ticks: no drift. */
		CU_ASSERT_EQUAL_FATAL(ev, t0 + at(p * count * 2, hz));
		uint64_t mid = (now + ev) / 2;
		CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, mid), count - ticks(mid - t0, hz) / 2 % count);
		lapic_update(&a, ev - 1);
		CU_ASSERT_EQUAL_FATAL(lapic_pending(&a), -1);
		lapic_update(&a, ev);
		CU_ASSERT_EQUAL_FATAL(lapic_pending(&a), 0xEC);
		lapic_ack(&a, 0xEC);
		wr(LAPIC_EOI, 0, ev);
		CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, ev), count); /* reloaded */
		now = ev;
	}
	/* A late VMM: missed periods coalesce into one IRR bit, and the next
	 * expiry is the next period boundary after now. */
	uint64_t late = t0 + at(1005ULL * count * 2, hz) + 100;
	lapic_update(&a, late);
	CU_ASSERT_EQUAL(lapic_pending(&a), 0xEC);
	lapic_ack(&a, 0xEC);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	CU_ASSERT_EQUAL(lapic_next_event(&a, late), t0 + at(1006ULL * count * 2, hz));

	/* Periodic -> one-shot mid-period: the count runs on, stops at 0. */
	setup();
	wr(LAPIC_LVT_TIMER, 0x20050, 0);
	wr(LAPIC_TIMER_DCR, 0xB, 0);
	wr(LAPIC_TIMER_ICR, 100, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 250), 50);
	wr(LAPIC_LVT_TIMER, 0x50, 250);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 260), 40);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 260), 300);
	lapic_update(&a, 10000);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 10000), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 10000), VDEV_NO_EVENT);
	/* Changing the divider keeps the current count. */
	wr(LAPIC_TIMER_ICR, 1000, 20000);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 20300), 700);
	wr(LAPIC_TIMER_DCR, 0x0, 20300); /* divide by 2 */
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 20300), 700);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 20500), 600);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 20500), 20300 + 1400);
}

static void test_timer_masked(void)
{
	setup();
	wr(LAPIC_LVT_TIMER, 0x10040, 0); /* masked one-shot */
	wr(LAPIC_TIMER_DCR, 0xB, 0);
	wr(LAPIC_TIMER_ICR, 100, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 30), 70);
	lapic_update(&a, 100);
	CU_ASSERT_FALSE(irr(0x40));
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 100), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 100), VDEV_NO_EVENT);
	/* Unmasking later does not bring the lost expiry back. */
	wr(LAPIC_LVT_TIMER, 0x40, 200);
	lapic_update(&a, 300);
	CU_ASSERT_FALSE(irr(0x40));
	/* Masked periodic: counts and reloads, no IRR. */
	wr(LAPIC_LVT_TIMER, 0x30040, 1000);
	wr(LAPIC_TIMER_ICR, 100, 1000);
	lapic_update(&a, 1550);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 1550), 50);
	CU_ASSERT_FALSE(irr(0x40));
	CU_ASSERT_EQUAL(lapic_next_event(&a, 1550), 1600);
	wr(LAPIC_LVT_TIMER, 0x20040, 1550); /* unmask */
	lapic_update(&a, 1600);
	CU_ASSERT_TRUE(irr(0x40));
}

static void test_timer_tsc_deadline(void)
{
	setup();
	/* One-shot mode: the MSR reads 0 and ignores writes. */
	wr(LAPIC_LVT_TIMER, 0x40, 0);
	lapic_set_tsc_deadline(&a, 12345, 10000, 0);
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 0), VDEV_NO_EVENT);
	/* TSC-deadline mode. */
	wr(LAPIC_LVT_TIMER, 0x40040, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_TIMER, 0), 0x40040u);
	wr(LAPIC_TIMER_ICR, 500, 0); /* ignored in this mode */
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_ICR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 10), 0);
	lapic_set_tsc_deadline(&a, 12345, 10000, 1000);
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 12345);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 1000), 10000);
	lapic_update(&a, 9999);
	CU_ASSERT_FALSE(irr(0x40));
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 12345);
	lapic_update(&a, 10000);
	CU_ASSERT_TRUE(irr(0x40));
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 10000), VDEV_NO_EVENT);
	lapic_ack(&a, 0x40);
	wr(LAPIC_EOI, 0, 10001);
	lapic_update(&a, 50000);
	CU_ASSERT_FALSE(irr(0x40)); /* once */
	/* 0 disarms. */
	lapic_set_tsc_deadline(&a, 555, 60000, 50000);
	lapic_set_tsc_deadline(&a, 0, 0, 50001);
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 50001), VDEV_NO_EVENT);
	lapic_update(&a, 70000);
	CU_ASSERT_FALSE(irr(0x40));
	/* A deadline already past fires at once. */
	lapic_set_tsc_deadline(&a, 1, 100, 70000);
	CU_ASSERT_TRUE(irr(0x40));
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 0);
	lapic_ack(&a, 0x40);
	wr(LAPIC_EOI, 0, 70000);
	/* Leaving TSC-deadline mode disarms. */
	lapic_set_tsc_deadline(&a, 777, 80000, 70000);
	wr(LAPIC_LVT_TIMER, 0x40, 70001);
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 70001), VDEV_NO_EVENT);
	wr(LAPIC_LVT_TIMER, 0x40040, 70002);
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 0);
	lapic_update(&a, 90000);
	CU_ASSERT_FALSE(irr(0x40));
	/* Entering it stops a running one-shot count. */
	wr(LAPIC_LVT_TIMER, 0x40, 90000);
	wr(LAPIC_TIMER_ICR, 100, 90000);
	wr(LAPIC_LVT_TIMER, 0x40040, 90010);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_ICR, 90010), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 90010), VDEV_NO_EVENT);
	/* A CPU model without TSC-deadline: bit 18 is reserved. */
	setup_cfg(1, false, false, VDEV_NS_PER_S);
	wr(LAPIC_SVR, 0x1FF, 0);
	wr(LAPIC_LVT_TIMER, 0x40040, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_TIMER, 0), 0x40u);
	lapic_set_tsc_deadline(&a, 5, 10, 0);
	CU_ASSERT_EQUAL(lapic_tsc_deadline(&a), 0);
	CU_ASSERT_EQUAL(lapic_next_event(&a, 0), VDEV_NO_EVENT);
}

static void test_priority(void)
{
	setup();
	fixed(0x51, false);
	fixed(0x62, false);
	fixed(0x31, false);
	CU_ASSERT_EQUAL(lapic_pending(&a), 0x62);
	lapic_ack(&a, 0x62);
	CU_ASSERT_TRUE(isr(0x62));
	CU_ASSERT_FALSE(irr(0x62));
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x60);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1); /* 0x51: class 5 <= 6 */
	/* TPR above the ISR class: PPR = TPR, bits 3:0 included. */
	wr(LAPIC_TPR, 0x75, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x75);
	CU_ASSERT_EQUAL(lapic_get_tpr(&a), 7);
	wr(LAPIC_TPR, 0x65, 0); /* same class: PPR = TPR (SDM 10.8.3.1) */
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x65);
	wr(LAPIC_TPR, 0x40, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x60);
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_FALSE(isr(0x62));
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x40);
	CU_ASSERT_EQUAL(lapic_pending(&a), 0x51);
	/* CR8 masks whole classes: 5 blocks 0x51. */
	lapic_set_tpr(&a, 5);
	CU_ASSERT_EQUAL(rd(LAPIC_TPR, 0), 0x50);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	lapic_set_tpr(&a, 0);
	lapic_ack(&a, 0x51);
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x50);
	fixed(0x55, false);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1); /* same class does not nest */
	fixed(0x65, false);
	CU_ASSERT_EQUAL(lapic_pending(&a), 0x65);
	lapic_ack(&a, 0x65); /* nested */
	CU_ASSERT_TRUE(isr(0x51) && isr(0x65));
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x60);
	/* EOI retires the highest in-service vector first. */
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_FALSE(isr(0x65));
	CU_ASSERT_TRUE(isr(0x51));
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_FALSE(isr(0x51));
	CU_ASSERT_EQUAL(lapic_pending(&a), 0x55);
	lapic_ack(&a, 0x55);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1); /* 0x31 is below class 5 */
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_EQUAL(lapic_pending(&a), 0x31);
	/* Acking a vector not requested changes nothing; EOI on an empty
	 * ISR neither. */
	lapic_ack(&a, 0x99);
	lapic_ack(&a, 1000);
	CU_ASSERT_FALSE(isr(0x99));
	lapic_ack(&a, 0x31);
	wr(LAPIC_EOI, 0, 0);
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	CU_ASSERT_EQUAL(neoi, 0);
	/* Vector 0xFF, the top of the last word. */
	fixed(0xFF, false);
	CU_ASSERT_EQUAL(lapic_pending(&a), 0xFF);
	CU_ASSERT_EQUAL(rd(LAPIC_IRR + 0x70, 0), 0x80000000u);
}

static void test_level_eoi(void)
{
	setup();
	fixed(0x70, true);
	CU_ASSERT_TRUE(tmr(0x70));
	fixed(0x71, false);
	CU_ASSERT_FALSE(tmr(0x71));
	lapic_ack(&a, 0x71);
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_EQUAL(neoi, 0); /* edge: no EOI message */
	lapic_ack(&a, 0x70);
	CU_ASSERT_TRUE(tmr(0x70));
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_EQUAL(neoi, 1);
	CU_ASSERT_EQUAL(eois[0], 0x70);
	/* The same vector accepted as edge clears its TMR bit. */
	fixed(0x70, false);
	CU_ASSERT_FALSE(tmr(0x70));
	lapic_ack(&a, 0x70);
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_EQUAL(neoi, 1);
	/* No eoi callback configured: harmless. */
	a.cfg.eoi = NULL;
	fixed(0x72, true);
	lapic_ack(&a, 0x72);
	wr(LAPIC_EOI, 0, 0);
	CU_ASSERT_FALSE(isr(0x72));
}

static void test_software_disable(void)
{
	setup();
	wr(LAPIC_LVT_TIMER, 0x20040, 0);
	wr(LAPIC_LVT_LINT0, 0x700, 0);
	wr(LAPIC_LVT_LINT1, 0x400, 0);
	wr(LAPIC_LVT_ERROR, 0xFE, 0);
	CU_ASSERT_TRUE(lapic_accepts_pic(&a));
	wr(LAPIC_SVR, 0xFF, 0);
	CU_ASSERT_FALSE(lapic_sw_enabled(&a));
	for (unsigned i = 0; i < 7; i++)
		CU_ASSERT_TRUE(rd(lvt_offs[i], 0) & LAPIC_LVT_MASKED);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_TIMER, 0), 0x30040u);
	CU_ASSERT_FALSE(lapic_accepts_pic(&a));
	/* The mask cannot be cleared while disabled. */
	wr(LAPIC_LVT_LINT0, 0x700, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_LINT0, 0), 0x10700u);
	/* Fixed interrupts are refused, NMI and INIT are not. */
	fixed(0x80, false);
	CU_ASSERT_FALSE(irr(0x80));
	struct apic_msg nmi = { .mode = APIC_DM_NMI, .assert = true };
	lapic_deliver(&a, &nmi, 0);
	CU_ASSERT_EQUAL(lapic_take_events(&a, NULL), LAPIC_EV_NMI);
	/* Re-enabling leaves the LVTs masked until written. */
	wr(LAPIC_SVR, 0x1FF, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_LINT0, 0), 0x10700u);
	wr(LAPIC_LVT_LINT0, 0x700, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LVT_LINT0, 0), 0x700u);
	/* The spurious vector: all 8 bits, plus enable; 12 not offered. */
	wr(LAPIC_SVR, 0xFFFFFFFFu, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_SVR, 0), 0x1FFu);
}

static void test_icr(void)
{
	uint8_t sv = 0;
	setup();
	wr(LAPIC_ICR_HI, 0x03FFFFFFu, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ICR_HI, 0), 0x03000000u);
	CU_ASSERT_EQUAL(nmsg, 0);
	wr(LAPIC_ICR_LO, 0x4031 | 1u << 12, 0); /* fixed, assert, vector 0x31 */
	CU_ASSERT_EQUAL_FATAL(nmsg, 1);
	CU_ASSERT_PTR_EQUAL(msg_from, &a);
	CU_ASSERT_EQUAL(msgs[0].vector, 0x31);
	CU_ASSERT_EQUAL(msgs[0].mode, APIC_DM_FIXED);
	CU_ASSERT_FALSE(msgs[0].logical);
	CU_ASSERT_EQUAL(msgs[0].dest, 3);
	CU_ASSERT_FALSE(msgs[0].level);
	CU_ASSERT_TRUE(msgs[0].assert);
	CU_ASSERT_EQUAL(msgs[0].shorthand, APIC_SH_NONE);
	CU_ASSERT_EQUAL(rd(LAPIC_ICR_LO, 0), 0x4031u); /* delivery status idle */
	/* Linux's wakeup_secondary_cpu_via_init: INIT assert, INIT de-assert,
	 * then SIPI. */
	wr(LAPIC_ICR_LO, 0xC500, 0);
	wr(LAPIC_ICR_LO, 0x8500, 0);
	wr(LAPIC_ICR_LO, 0x0609, 0);
	CU_ASSERT_EQUAL_FATAL(nmsg, 4);
	CU_ASSERT_EQUAL(msgs[1].mode, APIC_DM_INIT);
	CU_ASSERT_TRUE(msgs[1].level && msgs[1].assert);
	CU_ASSERT_EQUAL(msgs[2].mode, APIC_DM_INIT);
	CU_ASSERT_TRUE(msgs[2].level);
	CU_ASSERT_FALSE(msgs[2].assert);
	CU_ASSERT_EQUAL(msgs[3].mode, APIC_DM_SIPI);
	CU_ASSERT_EQUAL(msgs[3].vector, 9);
	CU_ASSERT_EQUAL(msgs[3].dest, 3);
	/* Shorthands, logical destination, NMI. */
	wr(LAPIC_ICR_LO, 0xC4041, 0); /* all excluding self */
	wr(LAPIC_ICR_LO, 0x44042, 0); /* self */
	wr(LAPIC_ICR_LO, 0x84043, 0); /* all including self */
	wr(LAPIC_ICR_HI, 0x0F000000u, 0);
	wr(LAPIC_ICR_LO, 0x4844, 0); /* logical, MDA 0x0F */
	wr(LAPIC_ICR_LO, 0x4400, 0); /* NMI */
	CU_ASSERT_EQUAL_FATAL(nmsg, 9);
	CU_ASSERT_EQUAL(msgs[4].shorthand, APIC_SH_OTHERS);
	CU_ASSERT_EQUAL(msgs[4].vector, 0x41);
	CU_ASSERT_EQUAL(msgs[5].shorthand, APIC_SH_SELF);
	CU_ASSERT_EQUAL(msgs[6].shorthand, APIC_SH_ALL);
	CU_ASSERT_TRUE(msgs[7].logical);
	CU_ASSERT_EQUAL(msgs[7].dest, 0x0F);
	CU_ASSERT_EQUAL(msgs[7].shorthand, APIC_SH_NONE);
	CU_ASSERT_EQUAL(msgs[8].mode, APIC_DM_NMI);
	/* A level-triggered fixed IPI goes out edge (Pentium 4 and later). */
	wr(LAPIC_ICR_LO, 0xC045, 0);
	CU_ASSERT_EQUAL_FATAL(nmsg, 10);
	CU_ASSERT_FALSE(msgs[9].level);
	/* Fixed vectors 0-15 are not sent: ESR "send illegal vector". */
	wr(LAPIC_ICR_LO, 0x4005, 0);
	CU_ASSERT_EQUAL(nmsg, 10);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 0), 0);
	wr(LAPIC_ESR, 0, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 0), LAPIC_ESR_SEND_ILLEGAL);
	/* No send callback: harmless. */
	a.cfg.send = NULL;
	wr(LAPIC_ICR_LO, 0x4031, 0);

	/* The receiving side. */
	setup();
	struct apic_msg m = { .mode = APIC_DM_INIT, .level = true, .assert = false };
	lapic_deliver(&a, &m, 0);
	CU_ASSERT_EQUAL(lapic_take_events(&a, &sv), 0); /* de-assert: nothing */
	m.assert = true;
	lapic_deliver(&a, &m, 0);
	m = (struct apic_msg){ .mode = APIC_DM_SIPI, .vector = 0x9A, .assert = true };
	lapic_deliver(&a, &m, 0);
	CU_ASSERT_EQUAL(lapic_take_events(&a, &sv), LAPIC_EV_INIT | LAPIC_EV_SIPI);
	CU_ASSERT_EQUAL(sv, 0x9A);
	CU_ASSERT_EQUAL(lapic_take_events(&a, &sv), 0);
	m.mode = APIC_DM_EXTINT;
	lapic_deliver(&a, &m, 0);
	m.mode = APIC_DM_SMI;
	lapic_deliver(&a, &m, 0);
	CU_ASSERT_EQUAL(lapic_take_events(&a, NULL), LAPIC_EV_EXTINT);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	m = (struct apic_msg){ .mode = APIC_DM_LOWEST, .vector = 0x44, .assert = true };
	lapic_deliver(&a, &m, 0);
	CU_ASSERT_EQUAL(lapic_pending(&a), 0x44);
}

static void test_match(void)
{
	setup_cfg(3, false, false, VDEV_NS_PER_S);
	CU_ASSERT_TRUE(lapic_match(&a, 3, false));
	CU_ASSERT_FALSE(lapic_match(&a, 4, false));
	CU_ASSERT_TRUE(lapic_match(&a, 0xFF, false));
	/* LDR 0 matches no logical destination. */
	CU_ASSERT_FALSE(lapic_match(&a, 0x01, true));
	/* The ID register moves the physical address. */
	wr(LAPIC_ID, 0x05000000u, 0);
	CU_ASSERT_FALSE(lapic_match(&a, 3, false));
	CU_ASSERT_TRUE(lapic_match(&a, 5, false));
	/* Flat model. */
	wr(LAPIC_LDR, 0x02FFFFFFu, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_LDR, 0), 0x02000000u);
	CU_ASSERT_TRUE(lapic_match(&a, 0x02, true));
	CU_ASSERT_TRUE(lapic_match(&a, 0x03, true));
	CU_ASSERT_TRUE(lapic_match(&a, 0xFF, true));
	CU_ASSERT_FALSE(lapic_match(&a, 0x01, true));
	CU_ASSERT_FALSE(lapic_match(&a, 0x02, false));
	/* Cluster model: cluster 2, member bit 0. */
	wr(LAPIC_DFR, 0, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_DFR, 0), 0x0FFFFFFFu);
	wr(LAPIC_LDR, 0x21000000u, 0);
	CU_ASSERT_TRUE(lapic_match(&a, 0x21, true));
	CU_ASSERT_TRUE(lapic_match(&a, 0x23, true));
	CU_ASSERT_FALSE(lapic_match(&a, 0x22, true));
	CU_ASSERT_FALSE(lapic_match(&a, 0x31, true));
	CU_ASSERT_FALSE(lapic_match(&a, 0x01, true));
	CU_ASSERT_TRUE(lapic_match(&a, 0xF1, true));
	CU_ASSERT_TRUE(lapic_match(&a, 0xFF, true));
	CU_ASSERT_FALSE(lapic_match(&a, 0xF2, true));
	/* Hardware-disabled: nothing. */
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00000u, 0), 0);
	CU_ASSERT_FALSE(lapic_match(&a, 0xFF, false));
	CU_ASSERT_FALSE(lapic_match(&a, 5, false));
}

static void test_esr(void)
{
	setup();
	fixed(5, false);
	CU_ASSERT_FALSE(irr(5));
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 0), 0); /* not latched yet */
	wr(LAPIC_ESR, 0xFFFFFFFFu, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 0), LAPIC_ESR_RECV_ILLEGAL);
	wr(LAPIC_ESR, 0, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 0), 0);
	/* An unmasked LVT error entry raises its vector. */
	wr(LAPIC_LVT_ERROR, 0xFE, 0);
	fixed(15, true);
	CU_ASSERT_TRUE(irr(0xFE));
	CU_ASSERT_FALSE(tmr(0xFE));
	/* An LVT entry with an illegal vector is refused the same way. */
	wr(LAPIC_LVT_ERROR, 0x10000, 0);
	wr(LAPIC_ESR, 0, 0);
	wr(LAPIC_LVT_TIMER, 0x03, 0);
	wr(LAPIC_TIMER_ICR, 1, 0);
	lapic_update(&a, 1000);
	CU_ASSERT_FALSE(irr(3));
	wr(LAPIC_ESR, 0, 1000);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 1000), LAPIC_ESR_RECV_ILLEGAL);
	/* The error entry's own illegal vector only logs. */
	wr(LAPIC_LVT_ERROR, 0x02, 1000);
	fixed(1, false);
	wr(LAPIC_ESR, 0, 1000);
	CU_ASSERT_EQUAL(rd(LAPIC_ESR, 1000), LAPIC_ESR_RECV_ILLEGAL);
	CU_ASSERT_FALSE(irr(2));
}

static void test_base_msr(void)
{
	uint64_t v;
	setup_cfg(0, true, false, VDEV_NS_PER_S);
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00900u, 0), 0);
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00800u, 0), 0); /* BSP bit ignored */
	CU_ASSERT_EQUAL(lapic_base_msr(&a), 0xFEE00900u);
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00C00u, 0), -1); /* x2APIC */
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFED00800u, 0), -1); /* relocation */
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00801u, 0), -1);
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00A00u, 0), -1);
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0x1FEE00800ULL, 0), -1);
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00800ULL | 1ULL << 63, 0), -1);
	CU_ASSERT_TRUE(lapic_hw_enabled(&a));
	/* Disable: registers reset, the page is gone, nothing is accepted,
	 * the PIC reaches the CPU directly. */
	wr(LAPIC_SVR, 0x1FF, 0);
	wr(LAPIC_TPR, 0x30, 0);
	wr(LAPIC_LVT_TIMER, 0x40, 0);
	wr(LAPIC_TIMER_ICR, 100, 0);
	fixed(0x50, false);
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00100u, 10), 0);
	CU_ASSERT_FALSE(lapic_hw_enabled(&a));
	CU_ASSERT_EQUAL(lapic_base_msr(&a), 0xFEE00100u);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	CU_ASSERT_TRUE(lapic_accepts_pic(&a));
	CU_ASSERT_EQUAL(lapic_next_event(&a, 10), VDEV_NO_EVENT);
	v = 0xFFFFFFFFu;
	lapic_mmio_read(&a, LAPIC_VERSION, 4, &v, 10);
	CU_ASSERT_EQUAL(v, 0xFFFFFFFFu);
	lapic_mmio_write(&a, LAPIC_SVR, 4, 0x1FF, 10);
	fixed(0x60, false);
	struct apic_msg m = { .mode = APIC_DM_INIT, .assert = true };
	lapic_deliver(&a, &m, 10);
	CU_ASSERT_EQUAL(lapic_take_events(&a, NULL), 0);
	/* Re-enable: INIT state. */
	CU_ASSERT_EQUAL(lapic_set_base_msr(&a, 0xFEE00800u, 20), 0);
	CU_ASSERT_TRUE(lapic_hw_enabled(&a));
	lapic_mmio_read(&a, LAPIC_SVR, 4, &v, 20);
	CU_ASSERT_EQUAL(v, 0xFF);
	CU_ASSERT_EQUAL(rd(LAPIC_TPR, 20), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ID, 20), 0);
	CU_ASSERT_FALSE(irr(0x50) || irr(0x60));
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
	CU_ASSERT_FALSE(lapic_accepts_pic(&a)); /* LINT0 masked now */
}

static void test_accepts_pic(void)
{
	setup_cfg(0, true, false, VDEV_NS_PER_S);
	CU_ASSERT_TRUE(lapic_accepts_pic(&a));
	wr(LAPIC_SVR, 0x1FF, 0);
	CU_ASSERT_TRUE(lapic_accepts_pic(&a));
	wr(LAPIC_LVT_LINT0, 0x10700, 0); /* masked */
	CU_ASSERT_FALSE(lapic_accepts_pic(&a));
	wr(LAPIC_LVT_LINT0, 0x00030, 0); /* fixed */
	CU_ASSERT_FALSE(lapic_accepts_pic(&a));
	wr(LAPIC_LVT_LINT0, 0x00700, 0);
	CU_ASSERT_TRUE(lapic_accepts_pic(&a));
	lapic_reset(&a, 0); /* INIT: masked, also on the BSP */
	CU_ASSERT_FALSE(lapic_accepts_pic(&a));
	setup_cfg(1, false, false, VDEV_NS_PER_S);
	CU_ASSERT_FALSE(lapic_accepts_pic(&a));
}

static void test_mmio_sizes(void)
{
	uint64_t v;
	setup();
	lapic_mmio_write(&a, LAPIC_TPR, 2, 0x30, 0); /* narrow writes ignored */
	lapic_mmio_write(&a, LAPIC_TPR, 1, 0x30, 0);
	lapic_mmio_write(&a, LAPIC_TPR + 4, 4, 0x30, 0);
	lapic_mmio_write(&a, LAPIC_TPR + 1, 4, 0x30, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TPR, 0), 0);
	lapic_mmio_write(&a, LAPIC_TPR, 8, 0xFFFFFFFF00000030ULL, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_TPR, 0), 0x30);
	lapic_mmio_write(&a, LAPIC_TPR, 4, 0x40, 0);
	lapic_mmio_read(&a, LAPIC_TPR, 1, &v, 0);
	CU_ASSERT_EQUAL(v, 0x40);
	lapic_mmio_read(&a, LAPIC_TPR, 8, &v, 0);
	CU_ASSERT_EQUAL(v, 0x40);
	lapic_mmio_read(&a, LAPIC_TPR - 2, 4, &v, 0); /* straddles two slots */
	CU_ASSERT_EQUAL(v, 0x400000u);
	lapic_mmio_read(&a, 0xFFE, 8, &v, 0); /* past the page: stops */
	CU_ASSERT_EQUAL(v, 0);
	lapic_mmio_write(&a, 0x1000, 4, 1, 0);
	lapic_mmio_read(&a, 0x3F0, 4, &v, 0); /* reserved */
	CU_ASSERT_EQUAL(v, 0);
	/* Read-only registers ignore writes. */
	wr(LAPIC_VERSION, 0, 0);
	wr(LAPIC_PPR, 0xFF, 0);
	wr(LAPIC_TIMER_CCR, 5, 0);
	wr(LAPIC_ISR, 0xFFFFFFFF, 0);
	wr(LAPIC_IRR + 0x10, 0xFFFFFFFF, 0);
	CU_ASSERT_EQUAL(rd(LAPIC_VERSION, 0), LAPIC_VERSION_VALUE);
	CU_ASSERT_EQUAL(rd(LAPIC_PPR, 0), 0x40);
	CU_ASSERT_EQUAL(rd(LAPIC_TIMER_CCR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_ISR, 0), 0);
	CU_ASSERT_EQUAL(rd(LAPIC_IRR + 0x10, 0), 0);
	CU_ASSERT_EQUAL(lapic_pending(&a), -1);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static void check_invariants(uint64_t now)
{
	bool sw = lapic_sw_enabled(&a);
	for (unsigned i = 0; i < 7; i++) {
		uint32_t l = rd(lvt_offs[i], now);
		CU_ASSERT_FATAL(!(l & LAPIC_LVT_PENDING));
		CU_ASSERT_FATAL(sw || (l & LAPIC_LVT_MASKED) || !lapic_hw_enabled(&a));
	}
	CU_ASSERT_FATAL(rd(LAPIC_VERSION, now) == LAPIC_VERSION_VALUE);
	CU_ASSERT_FATAL(!(rd(LAPIC_ICR_LO, now) & LAPIC_LVT_PENDING));
	CU_ASSERT_FATAL((rd(LAPIC_DFR, now) & 0x0FFFFFFFu) == 0x0FFFFFFFu);
	CU_ASSERT_FATAL(rd(LAPIC_TIMER_CCR, now) <= rd(LAPIC_TIMER_ICR, now));
	/* Vectors 0-15 never get in. */
	CU_ASSERT_FATAL((rd(LAPIC_IRR, now) & 0xFFFF) == 0);
	CU_ASSERT_FATAL((rd(LAPIC_ISR, now) & 0xFFFF) == 0);
	int p = lapic_pending(&a);
	CU_ASSERT_FATAL(p == -1 || (p >= 16 && p <= 255 && (p >> 4) > (lapic_ppr(&a) >> 4)));
	/* After an update, the next event is in the future. */
	lapic_update(&a, now);
	CU_ASSERT_FATAL(lapic_next_event(&a, now) > now);
}

static void test_hostile_random(void)
{
	static const unsigned offs[] = {
		LAPIC_ID,	 LAPIC_TPR,	    LAPIC_EOI,	     LAPIC_LDR,
		LAPIC_DFR,	 LAPIC_SVR,	    LAPIC_ESR,	     LAPIC_ICR_LO,
		LAPIC_ICR_HI,	 LAPIC_LVT_TIMER,   LAPIC_LVT_LINT0, LAPIC_LVT_ERROR,
		LAPIC_TIMER_ICR, LAPIC_TIMER_DCR,   LAPIC_LVT_CMCI,  LAPIC_PPR,
		LAPIC_TIMER_CCR, LAPIC_LVT_THERMAL, LAPIC_IRR,	     LAPIC_ISR,
	};
	const unsigned noffs = sizeof(offs) / sizeof(offs[0]);
	uint64_t now = 0;
	setup_cfg(2, false, true, 3000000000u);
	for (int i = 0; i < 200000; i++) {
		uint64_t r = unit_rand(&rng), r2 = unit_rand(&rng);
		now += r2 % 3000;
		if ((r >> 32) % 20000 == 0)
			now = UINT64_MAX - (r2 >> 40); /* far future: saturation */
		else if (now > UINT64_MAX / 2 && (r >> 32) % 64 == 0)
			now = 0; /* and back: time never runs backwards in a VMM,
				  * but the model must stay defined */
		switch (r % 16) {
		case 0:
		case 1:
		case 2:
		case 3: { /* register writes, biased to real registers */
			unsigned off = offs[(r >> 8) % noffs];
			uint32_t v = (uint32_t)(r2 >> 16);
			if ((r >> 20) % 4 == 0)
				v &= 0x000FFFFF; /* often unmasked, small counts */
			if ((r >> 24) % 8 == 0)
				v = (v & ~0xFFFu) | 0x1FF; /* SVR enable */
			wr(off, v, now);
			break;
		}
		case 4: { /* any MMIO access */
			uint64_t v = r2;
			unsigned size = 1u << ((r >> 8) % 4);
			uint64_t off = (r >> 16) % 0x1010;
			if (r & 0x100000)
				lapic_mmio_write(&a, off, size, v, now);
			else
				lapic_mmio_read(&a, off, size, &v, now);
			break;
		}
		case 5:
		case 6: {
			struct apic_msg m = {
				.vector = (uint8_t)(r >> 8),
				.mode = (uint8_t)((r >> 16) % 8),
				.logical = r & (1u << 20),
				.dest = (uint8_t)(r >> 24),
				.level = r & (1u << 21),
				.assert = r & (1u << 22),
			};
			lapic_deliver(&a, &m, now);
			break;
		}
		case 7: {
			int p = lapic_pending(&a);
			if (p >= 0)
				lapic_ack(&a, (unsigned)p);
			else
				lapic_ack(&a, (unsigned)(r >> 8) % 300);
			break;
		}
		case 8:
			if ((r >> 8) % 64 == 0)
				lapic_set_base_msr(&a, r2 & ((r >> 16) & 1 ? ~0ULL : 0xFFFFF900ULL),
						   now);
			else if ((r >> 8) % 64 == 1)
				lapic_set_base_msr(&a, 0xFEE00800u, now);
			else
				lapic_set_tsc_deadline(&a, r2 >> ((r >> 16) % 64),
						       now + (r2 % 100000) - 50000, now);
			break;
		case 9:
			if ((r >> 8) % 256 == 0)
				lapic_reset(&a, now);
			else
				lapic_set_tpr(&a, (uint8_t)(r >> 8));
			break;
		case 10: {
			uint64_t ev = lapic_next_event(&a, now);
			if (ev != VDEV_NO_EVENT && ev - now < 10000000) {
				now = ev;
				lapic_update(&a, now);
			}
			break;
		}
		case 11:
			lapic_take_events(&a, NULL);
			break;
		default:
			lapic_update(&a, now);
			break;
		}
		if (i % 16 == 0)
			check_invariants(now);
	}
}

static CU_TestInfo lapic_tests[] = {
	{ "power-on and INIT register values", test_reset_values },
	{ "timer one-shot, dividers", test_timer_one_shot },
	{ "timer periodic without drift", test_timer_periodic },
	{ "masked timer counts without IRR", test_timer_masked },
	{ "TSC-deadline mode", test_timer_tsc_deadline },
	{ "IRR/ISR/TPR/PPR priority and EOI order", test_priority },
	{ "level-triggered EOI reaches the IOAPIC", test_level_eoi },
	{ "SVR software disable masks LVTs", test_software_disable },
	{ "ICR messages and received IPIs", test_icr },
	{ "physical, flat and cluster destinations", test_match },
	{ "ESR and illegal vectors", test_esr },
	{ "IA32_APIC_BASE checks and disable", test_base_msr },
	{ "PIC virtual-wire path", test_accepts_pic },
	{ "MMIO access sizes, read-only registers", test_mmio_sizes },
	{ "random register hammering", test_hostile_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(lapic, lapic_tests);
