/*
 * test_ioapic.c - host tests of the 82093AA I/O APIC model
 * (libos/vmm/dev/ioapic.c), through its MMIO registers.
 *
 * Covers the ID, version and arbitration registers, redirection entries
 * with their read-only bits, edge delivery (once per rising edge, lost
 * while masked), level delivery with Remote IRR and re-sending after an
 * EOI while the pin is still asserted, unmasking an asserted level pin,
 * the EOI register, out-of-range pins, registers and offsets, and random
 * hammering with the model's invariants checked throughout.
 */
#include <stdint.h>
#include <string.h>

#include "dev/ioapic.h"
#include "unit.h"

#define NMSG 64

static struct ioapic io;
static struct apic_msg msgs[NMSG];
static unsigned nmsg;

static void rec_send(void *ctx, const struct apic_msg *m)
{
	CU_ASSERT_PTR_EQUAL(ctx, &io);
	if (nmsg < NMSG)
		msgs[nmsg] = *m;
	nmsg++;
}

static void setup(void)
{
	struct ioapic_config cfg = { .id = 2, .send = rec_send, .ctx = &io };
	ioapic_init(&io, &cfg);
	nmsg = 0;
}

static uint32_t reg(unsigned idx)
{
	uint64_t v = 0xDEAD;
	ioapic_mmio_write(&io, IOAPIC_REGSEL, 4, idx, 0);
	ioapic_mmio_read(&io, IOAPIC_WIN, 4, &v, 0);
	return (uint32_t)v;
}

static void set_reg(unsigned idx, uint32_t v)
{
	ioapic_mmio_write(&io, IOAPIC_REGSEL, 4, idx, 0);
	ioapic_mmio_write(&io, IOAPIC_WIN, 4, v, 0);
}

static void set_rte(unsigned pin, uint64_t v)
{
	set_reg(0x11 + 2 * pin, (uint32_t)(v >> 32));
	set_reg(0x10 + 2 * pin, (uint32_t)v);
}

static uint64_t rte(unsigned pin)
{
	return reg(0x10 + 2 * pin) | (uint64_t)reg(0x11 + 2 * pin) << 32;
}

static void test_registers(void)
{
	uint64_t v;
	setup();
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_ID), 0x02000000u);
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_VER), 0x00170020u);
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_ARB), 0x02000000u);
	set_reg(IOAPIC_REG_ID, 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_ID), 0x0F000000u);
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_ARB), 0x0F000000u);
	set_reg(IOAPIC_REG_VER, 0);
	set_reg(IOAPIC_REG_ARB, 0);
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_VER), 0x00170020u);
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_ARB), 0x0F000000u);
	/* IOREGSEL reads back (8 bits); unknown indices read 0. */
	ioapic_mmio_write(&io, IOAPIC_REGSEL, 4, 0x1234, 0);
	ioapic_mmio_read(&io, IOAPIC_REGSEL, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0x34);
	ioapic_mmio_write(&io, IOAPIC_REGSEL, 1, 0x01, 0);
	ioapic_mmio_read(&io, IOAPIC_REGSEL, 1, &v, 0);
	CU_ASSERT_EQUAL(v, 0x01);
	ioapic_mmio_read(&io, IOAPIC_WIN, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0x00170020u);
	ioapic_mmio_read(&io, IOAPIC_WIN, 2, &v, 0); /* not 32-bit: nothing */
	CU_ASSERT_EQUAL(v, 0);
	for (unsigned idx = 0x03; idx < 0x100; idx++) {
		if (idx >= 0x10 && idx < 0x10 + 2 * IOAPIC_PINS)
			continue;
		set_reg(idx, 0xFFFFFFFFu);
		CU_ASSERT_EQUAL(reg(idx), 0);
	}
	/* Other offsets read 0; writes there change nothing. */
	static const uint64_t offs[] = { 0x04, 0x08, 0x14, 0x20, 0x3C, 0x44, 0x100, 0xFFC };
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		ioapic_mmio_write(&io, offs[i], 4, 0xFFFFFFFFu, 0);
		v = 0x55;
		ioapic_mmio_read(&io, offs[i], 4, &v, 0);
		CU_ASSERT_EQUAL(v, 0);
	}
	ioapic_mmio_read(&io, IOAPIC_EOI, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(reg(IOAPIC_REG_ID), 0x0F000000u);
	for (unsigned p = 0; p < IOAPIC_PINS; p++)
		CU_ASSERT_EQUAL(rte(p), 0x10000u);
	CU_ASSERT_EQUAL(nmsg, 0);
}

static void test_rte_bits(void)
{
	setup();
	for (unsigned p = 0; p < IOAPIC_PINS; p++)
		CU_ASSERT_EQUAL(rte(p), 0x10000u);
	/* Writable: vector, mode, dest mode, polarity, trigger, mask, dest;
	 * delivery status (12) and Remote IRR (14) are read-only. */
	set_reg(0x10 + 2 * 5, 0xFFFFFFFFu);
	set_reg(0x11 + 2 * 5, 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(reg(0x10 + 2 * 5), 0x1AFFFu);
	CU_ASSERT_EQUAL(reg(0x11 + 2 * 5), 0xFF000000u);
	CU_ASSERT_EQUAL(rte(4), 0x10000u);
	CU_ASSERT_EQUAL(rte(6), 0x10000u);
	/* Halves are independent. */
	set_reg(0x10 + 2 * 23, 0x0000A030);
	set_reg(0x11 + 2 * 23, 0x05000000);
	CU_ASSERT_EQUAL(rte(23), 0x050000000000A030ULL);
	CU_ASSERT_EQUAL(nmsg, 0);
}

static void test_edge(void)
{
	setup();
	set_rte(1, 0x03000000000000ULL << 8 | 0x0931); /* lowest, logical, 0x31 */
	set_rte(2, 0x01ULL << 56 | 0x30);	       /* fixed, physical, dest 1 */
	ioapic_set_irq(&io, 2, true);
	CU_ASSERT_EQUAL_FATAL(nmsg, 1);
	CU_ASSERT_EQUAL(msgs[0].vector, 0x30);
	CU_ASSERT_EQUAL(msgs[0].mode, APIC_DM_FIXED);
	CU_ASSERT_FALSE(msgs[0].logical);
	CU_ASSERT_EQUAL(msgs[0].dest, 1);
	CU_ASSERT_FALSE(msgs[0].level);
	CU_ASSERT_TRUE(msgs[0].assert);
	CU_ASSERT_EQUAL(msgs[0].shorthand, 0);
	CU_ASSERT_EQUAL(rte(2) & IOAPIC_RTE_REMOTE_IRR, 0);
	ioapic_set_irq(&io, 2, true); /* no new edge */
	CU_ASSERT_EQUAL(nmsg, 1);
	ioapic_set_irq(&io, 2, false);
	CU_ASSERT_EQUAL(nmsg, 1);
	ioapic_irq_cb(&io, 2, true); /* the vdev_set_irq_fn adapter */
	CU_ASSERT_EQUAL(nmsg, 2);
	/* An edge while masked is lost; unmasking does not bring it back. */
	ioapic_set_irq(&io, 2, false);
	set_rte(2, 0x01ULL << 56 | IOAPIC_RTE_MASKED | 0x30);
	ioapic_set_irq(&io, 2, true);
	set_rte(2, 0x01ULL << 56 | 0x30);
	CU_ASSERT_EQUAL(nmsg, 2);
	/* The logical lowest-priority entry. */
	ioapic_set_irq(&io, 1, true);
	CU_ASSERT_EQUAL_FATAL(nmsg, 3);
	CU_ASSERT_EQUAL(msgs[2].vector, 0x31);
	CU_ASSERT_EQUAL(msgs[2].mode, APIC_DM_LOWEST);
	CU_ASSERT_TRUE(msgs[2].logical);
	CU_ASSERT_EQUAL(msgs[2].dest, 0x03);
	/* The EOI of an edge vector does nothing. */
	ioapic_eoi(&io, 0x30);
	CU_ASSERT_EQUAL(nmsg, 3);
	/* Out-of-range pins are ignored. */
	for (unsigned p = IOAPIC_PINS; p < 100; p++)
		ioapic_set_irq(&io, p, true);
	ioapic_set_irq(&io, UINT32_MAX, true);
	CU_ASSERT_EQUAL(nmsg, 3);
	/* No send callback: harmless. */
	io.cfg.send = NULL;
	ioapic_set_irq(&io, 1, false);
	ioapic_set_irq(&io, 1, true);
}

static void test_level(void)
{
	setup();
	set_rte(9, 0x00ULL << 56 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY | 0x49);
	CU_ASSERT_EQUAL(nmsg, 0);
	ioapic_set_irq(&io, 9, true);
	CU_ASSERT_EQUAL_FATAL(nmsg, 1);
	CU_ASSERT_EQUAL(msgs[0].vector, 0x49);
	CU_ASSERT_TRUE(msgs[0].level);
	CU_ASSERT_TRUE(msgs[0].assert);
	CU_ASSERT_TRUE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	CU_ASSERT_TRUE(rte(9) & IOAPIC_RTE_POLARITY); /* stored, not used */
	/* Still asserted, Remote IRR set: nothing more. */
	ioapic_set_irq(&io, 9, true);
	ioapic_set_irq(&io, 9, false);
	ioapic_set_irq(&io, 9, true);
	CU_ASSERT_EQUAL(nmsg, 1);
	/* The EOI of another vector: nothing. */
	ioapic_eoi(&io, 0x48);
	CU_ASSERT_EQUAL(nmsg, 1);
	CU_ASSERT_TRUE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	/* EOI with the pin still asserted: sent again. */
	ioapic_eoi(&io, 0x49);
	CU_ASSERT_EQUAL(nmsg, 2);
	CU_ASSERT_TRUE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	/* Deasserted, then EOI: Remote IRR clears, nothing sent. */
	ioapic_set_irq(&io, 9, false);
	ioapic_eoi(&io, 0x49);
	CU_ASSERT_EQUAL(nmsg, 2);
	CU_ASSERT_FALSE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 9, true);
	CU_ASSERT_EQUAL(nmsg, 3);
	/* The EOI register (0x40) does the same; its write ignores bits
	 * above the vector, a narrow write is ignored. */
	ioapic_mmio_write(&io, IOAPIC_EOI, 1, 0x49, 0);
	CU_ASSERT_EQUAL(nmsg, 3);
	ioapic_mmio_write(&io, IOAPIC_EOI, 4, 0xFFFFFF49u, 0);
	CU_ASSERT_EQUAL(nmsg, 4);
	ioapic_set_irq(&io, 9, false);
	ioapic_mmio_write(&io, IOAPIC_EOI, 4, 0x49, 0);
	CU_ASSERT_FALSE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	CU_ASSERT_EQUAL(nmsg, 4);
	/* Writes cannot set or clear Remote IRR. */
	set_rte(9, IOAPIC_RTE_LEVEL | IOAPIC_RTE_REMOTE_IRR | 0x49);
	CU_ASSERT_FALSE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 9, true);
	CU_ASSERT_EQUAL(nmsg, 5);
	set_reg(0x10 + 2 * 9, IOAPIC_RTE_LEVEL | 0x49);
	CU_ASSERT_TRUE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	CU_ASSERT_EQUAL(nmsg, 5);
	/* Switching to edge clears Remote IRR (Linux's pre-0x20 EOI). */
	set_reg(0x10 + 2 * 9, IOAPIC_RTE_MASKED | 0x49);
	CU_ASSERT_FALSE(rte(9) & IOAPIC_RTE_REMOTE_IRR);
	CU_ASSERT_EQUAL(nmsg, 5);
	/* Back to level, unmasked, pin asserted: sent. */
	set_reg(0x10 + 2 * 9, IOAPIC_RTE_LEVEL | 0x49);
	CU_ASSERT_EQUAL(nmsg, 6);
	CU_ASSERT_TRUE(rte(9) & IOAPIC_RTE_REMOTE_IRR);

	/* Two entries sharing a vector: one EOI serves both. */
	setup();
	set_rte(3, IOAPIC_RTE_LEVEL | 0x60);
	set_rte(4, IOAPIC_RTE_LEVEL | 0x60);
	ioapic_set_irq(&io, 3, true);
	ioapic_set_irq(&io, 4, true);
	CU_ASSERT_EQUAL(nmsg, 2);
	ioapic_set_irq(&io, 3, false);
	ioapic_eoi(&io, 0x60);
	CU_ASSERT_EQUAL(nmsg, 3); /* pin 4 again */
	CU_ASSERT_FALSE(rte(3) & IOAPIC_RTE_REMOTE_IRR);
	CU_ASSERT_TRUE(rte(4) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_unmask_asserted(void)
{
	setup();
	set_rte(11, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x5B);
	ioapic_set_irq(&io, 11, true);
	CU_ASSERT_EQUAL(nmsg, 0);
	CU_ASSERT_FALSE(rte(11) & IOAPIC_RTE_REMOTE_IRR);
	set_reg(0x10 + 2 * 11, IOAPIC_RTE_LEVEL | 0x5B); /* unmask */
	CU_ASSERT_EQUAL_FATAL(nmsg, 1);
	CU_ASSERT_EQUAL(msgs[0].vector, 0x5B);
	CU_ASSERT_TRUE(msgs[0].level);
	/* Masking with Remote IRR set, EOI while masked: held until unmask. */
	set_reg(0x10 + 2 * 11, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x5B);
	ioapic_eoi(&io, 0x5B);
	CU_ASSERT_EQUAL(nmsg, 1);
	CU_ASSERT_FALSE(rte(11) & IOAPIC_RTE_REMOTE_IRR);
	set_reg(0x10 + 2 * 11, IOAPIC_RTE_LEVEL | 0x5B);
	CU_ASSERT_EQUAL(nmsg, 2);
	/* NMI mode with the level bit behaves as edge (datasheet). */
	set_rte(12, IOAPIC_RTE_LEVEL | APIC_DM_NMI << 8);
	ioapic_set_irq(&io, 12, true);
	CU_ASSERT_EQUAL_FATAL(nmsg, 3);
	CU_ASSERT_EQUAL(msgs[2].mode, APIC_DM_NMI);
	CU_ASSERT_FALSE(msgs[2].level);
	CU_ASSERT_FALSE(rte(12) & IOAPIC_RTE_REMOTE_IRR);
	CU_ASSERT_TRUE(rte(12) & IOAPIC_RTE_LEVEL);
	ioapic_set_irq(&io, 12, false);
	ioapic_set_irq(&io, 12, true);
	CU_ASSERT_EQUAL(nmsg, 4);
	/* ExtINT (virtual wire through the IOAPIC, pin 0). */
	set_rte(0, APIC_DM_EXTINT << 8);
	ioapic_set_irq(&io, 0, true);
	CU_ASSERT_EQUAL_FATAL(nmsg, 5);
	CU_ASSERT_EQUAL(msgs[4].mode, APIC_DM_EXTINT);
}

/* The invariants of struct ioapic, read through the registers. */
static void check_invariants(void)
{
	for (unsigned p = 0; p < IOAPIC_PINS; p++) {
		uint64_t r = io.rte[p];
		unsigned dm = (r >> 8) & 7;
		bool lvl = (r & IOAPIC_RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
		bool high = io.pins >> p & 1;
		CU_ASSERT_FATAL(!(r & IOAPIC_RTE_PENDING));
		CU_ASSERT_FATAL((r & 0x00FFFFFF00000000ULL) == 0);
		if (!lvl)
			CU_ASSERT_FATAL(!(r & IOAPIC_RTE_REMOTE_IRR));
		if (lvl && high && !(r & IOAPIC_RTE_MASKED))
			CU_ASSERT_FATAL(r & IOAPIC_RTE_REMOTE_IRR);
	}
	CU_ASSERT_FATAL((io.id & ~0x0F000000u) == 0);
	CU_ASSERT_FATAL(io.regsel <= 0xFF);
	CU_ASSERT_FATAL(ioapic_read_reg(&io, IOAPIC_REG_VER) == IOAPIC_VERSION_VALUE);
}

static uint64_t rng = 0x0123456789ABCDEFULL;

static void test_hostile_random(void)
{
	setup();
	for (int i = 0; i < 300000; i++) {
		uint64_t r = unit_rand(&rng), r2 = unit_rand(&rng);
		unsigned before = nmsg;
		switch (r % 8) {
		case 0:
		case 1: /* a redirection entry, usually a plausible one */
			if (r & 0x100)
				r2 &= 0xFF0000000001FFFFULL;
			set_reg(0x10 + (unsigned)(r >> 16) % 52, (uint32_t)(r2 >> ((r >> 9) & 32)));
			break;
		case 2:
			ioapic_set_irq(&io, (unsigned)(r >> 8) % 30, (r >> 16) & 1);
			break;
		case 3:
			ioapic_eoi(&io, (unsigned)(r >> 8) & 0x1FF);
			break;
		case 4: { /* anything at any offset */
			uint64_t off = (r >> 8) % 0x50, v = r2;
			unsigned size = 1u << ((r >> 16) % 4);
			if (r & 0x1000000)
				ioapic_mmio_write(&io, off, size, v, 0);
			else
				ioapic_mmio_read(&io, off, size, &v, 0);
			break;
		}
		case 5: {
			/* An EOI for every vector sent so far: a level entry
			 * whose pin is high is re-sent, at most once each. */
			for (unsigned v = 0; v < 256; v++)
				ioapic_eoi(&io, v);
			CU_ASSERT_FATAL(nmsg - before <= IOAPIC_PINS);
			break;
		}
		default:
			ioapic_set_irq(&io, (unsigned)(r >> 8) % IOAPIC_PINS, (r >> 16) & 1);
			break;
		}
		check_invariants();
	}
	/* After all that, a fresh entry works as specified. */
	ioapic_set_irq(&io, 7, false);
	set_rte(7, 0x40);
	nmsg = 0;
	ioapic_set_irq(&io, 7, true);
	CU_ASSERT_EQUAL(nmsg, 1);
}

static CU_TestInfo ioapic_tests[] = {
	{ "ID, version, arbitration, IOREGSEL, offsets", test_registers },
	{ "redirection entry bits", test_rte_bits },
	{ "edge delivery", test_edge },
	{ "level delivery, Remote IRR, EOI", test_level },
	{ "unmasking an asserted level pin, NMI, ExtINT", test_unmask_asserted },
	{ "random register and pin hammering", test_hostile_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(ioapic, ioapic_tests);
