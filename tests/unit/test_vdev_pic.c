/*
 * test_vdev_pic.c - host tests of the dual 8259A PIC model
 * (libos/vmm/dev/pic8259.c), driven through the port bus.
 *
 * Covers Linux's init_8259A and its PIC probe, fully nested priorities
 * across both chips, non-specific and specific EOI, rotation, AEOI, poll
 * mode, special mask mode, ELCR level triggering, the spurious IRQ 7 and
 * IRQ 15 cases, and hostile sequences (ICWs cut short, random writes).
 */
#include <stdint.h>

#include "dev/pic8259.h"
#include "unit.h"

static struct vdev_bus bus;
static struct pic8259 pic;

static void out(uint16_t port, uint8_t v)
{
	CU_ASSERT_TRUE(vdev_pio_out(&bus, port, 1, v, 0));
}

static uint8_t in(uint16_t port)
{
	uint32_t v;
	CU_ASSERT_TRUE(vdev_pio_in(&bus, port, 1, &v, 0));
	return (uint8_t)v;
}

/* Linux arch/x86/kernel/i8259.c init_8259A(auto_eoi). */
static void linux_init(bool auto_eoi)
{
	out(0x21, 0xFF);
	out(0xA1, 0xFF);
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 1u << 2);
	out(0x21, auto_eoi ? 0x03 : 0x01);
	out(0xA0, 0x11);
	out(0xA1, 0x38);
	out(0xA1, 2);
	out(0xA1, 0x01);
	out(0x21, 0xFB); /* cached masks: all but the cascade */
	out(0xA1, 0xFF);
}

static void setup(void)
{
	vdev_bus_init(&bus);
	pic8259_init(&pic);
	CU_ASSERT_EQUAL_FATAL(pic8259_attach(&pic, &bus), 0);
}

static void unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? 0x21 : 0xA1;
	out(port, in(port) & ~(1u << (irq & 7)));
}

static void pulse(unsigned irq)
{
	pic8259_set_irq(&pic, irq, true);
	pic8259_set_irq(&pic, irq, false);
}

static uint8_t isr(uint16_t cmd)
{
	out(cmd, 0x0B);
	uint8_t v = in(cmd);
	out(cmd, 0x0A);
	return v;
}

static void test_power_on_state(void)
{
	setup();
	/* Reads before any guest initialisation: defined, masked. */
	CU_ASSERT_EQUAL(in(0x21), 0xFB);
	CU_ASSERT_EQUAL(in(0xA1), 0xFF);
	CU_ASSERT_EQUAL(in(0x20), 0);
	CU_ASSERT_EQUAL(in(0xA0), 0);
	CU_ASSERT_EQUAL(in(0x4D0), 0);
	CU_ASSERT_EQUAL(in(0x4D1), 0);
	pulse(0);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(in(0x20), 0x01); /* IRR shows it though */
}

static void test_linux_probe_and_init(void)
{
	setup();
	/* probe_8259A: write a mask pattern, read it back. */
	out(0xA1, 0xFF);
	out(0x21, 0x25);
	CU_ASSERT_EQUAL(in(0x21), 0x25);
	linux_init(false);
	CU_ASSERT_EQUAL(in(0x21), 0xFB);
	CU_ASSERT_EQUAL(in(0xA1), 0xFF);
	unmask(0);
	pic8259_set_irq(&pic, 0, true);
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x30);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(isr(0x20), 0x01);
	/* Edge: the line still high does not request again. */
	out(0x20, 0x20);
	CU_ASSERT_EQUAL(isr(0x20), 0);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	pic8259_set_irq(&pic, 0, false);
	pic8259_set_irq(&pic, 0, true);
	CU_ASSERT_TRUE(pic8259_pending(&pic));
}

static void test_priorities_and_eoi(void)
{
	setup();
	linux_init(false);
	for (unsigned i = 0; i < 16; i++)
		if (i != 2)
			unmask(i);
	pulse(5);
	pulse(3);
	pulse(12);
	CU_ASSERT_EQUAL(in(0x20), (1u << 5) | (1u << 3) | (1u << 2));
	/* IR2 (the slave, IRQ 12) outranks IR3 and IR5. */
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x38 + 4);
	CU_ASSERT_EQUAL(isr(0x20), 0x04);
	CU_ASSERT_EQUAL(isr(0xA0), 0x10);
	/* Lower priorities wait while IR2 is in service... */
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	/* ...higher ones nest. */
	pulse(1);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x31);
	CU_ASSERT_EQUAL(isr(0x20), 0x06);
	out(0x20, 0x20); /* non-specific EOI: clears IR1, the highest */
	CU_ASSERT_EQUAL(isr(0x20), 0x04);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	/* Slave EOI then master EOI, as Linux does for IRQ 8-15. */
	out(0xA0, 0x20);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	out(0x20, 0x62); /* specific EOI for IR2 */
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x33);
	out(0x20, 0x63);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x35);
	out(0x20, 0x20);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(isr(0x20), 0);
	CU_ASSERT_EQUAL(isr(0xA0), 0);
	/* Two slave requests: both delivered, in slave priority order. */
	pulse(14);
	pulse(9);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x39);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x3E);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
}

static void test_masking(void)
{
	setup();
	linux_init(false);
	unmask(4);
	pulse(4);
	pulse(6); /* masked: latched in IRR, not delivered */
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x34);
	out(0x20, 0x20);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	unmask(6);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x36);
	out(0x20, 0x20);
	/* Slave unmasked but cascade masked on the master: nothing. */
	out(0x21, 0xFF);
	unmask(10);
	pulse(10);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	unmask(2);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x3A);
}

static void test_spurious(void)
{
	setup();
	linux_init(false);
	unmask(3);
	pulse(3);
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	out(0x21, 0xFF); /* masked between "pending" and INTA */
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x37);
	CU_ASSERT_EQUAL(isr(0x20), 0); /* a spurious IRQ 7 sets no ISR bit */
	/* Level-triggered IRQ 10 withdrawn before INTA: spurious IRQ 15. */
	setup();
	linux_init(false);
	out(0x4D1, 0x04);
	CU_ASSERT_EQUAL(in(0x4D1), 0x04);
	unmask(2);
	unmask(10);
	pic8259_set_irq(&pic, 10, true);
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	pic8259_set_irq(&pic, 10, false);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x3F);
	CU_ASSERT_EQUAL(isr(0xA0), 0);
	CU_ASSERT_EQUAL(isr(0x20), 0x04); /* the master did acknowledge IR2 */
	out(0x20, 0x20);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
}

static void test_level_triggered(void)
{
	setup();
	linux_init(false);
	out(0x4D0, 0xFF);
	CU_ASSERT_EQUAL(in(0x4D0), 0xF8); /* IRQ 0-2 cannot be level */
	out(0x4D1, 0xFF);
	CU_ASSERT_EQUAL(in(0x4D1), 0xDE); /* nor IRQ 8 and 13 */
	unmask(5);
	pic8259_set_irq(&pic, 5, true);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x35);
	out(0x20, 0x20);
	/* Still high after EOI: requests again. */
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x35);
	pic8259_set_irq(&pic, 5, false);
	out(0x20, 0x20);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
}

static void test_aeoi_rotate_poll_smm(void)
{
	setup();
	linux_init(true);
	unmask(1);
	unmask(6);
	pulse(6);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x36);
	CU_ASSERT_EQUAL(isr(0x20), 0); /* AEOI: nothing in service */
	pulse(6);
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	pic8259_intack(&pic);

	/* Set priority: IR3 lowest, so IR4..7 outrank IR0..3. */
	setup();
	linux_init(false);
	unmask(1);
	unmask(6);
	out(0x20, 0xC3);
	pulse(1);
	pulse(6);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x36);
	/* Rotate on non-specific EOI: IR6 becomes lowest, IR7 highest. */
	out(0x20, 0xA0);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x31);
	out(0x20, 0x20);
	pulse(6);
	pulse(1);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x31);
	out(0x20, 0x20);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x36);
	out(0x20, 0x20);
	out(0x20, 0xC7); /* back to IR0 highest */

	/* Poll mode: the read is the acknowledge. */
	pulse(6);
	out(0x20, 0x0C);
	CU_ASSERT_EQUAL(in(0x20), 0x86);
	CU_ASSERT_EQUAL(isr(0x20), 0x40);
	out(0x20, 0x0C);
	CU_ASSERT_EQUAL(in(0x20), 0x00); /* nothing more */
	out(0x20, 0x66);

	/* Special mask mode: masking the in-service IR1 lets IR6 through. */
	pulse(1);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x31);
	pulse(6);
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	out(0x20, 0x68); /* set SMM */
	out(0x21, in(0x21) | 0x02);
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x36);
	out(0x20, 0x48); /* reset SMM */
	out(0x20, 0x66);
	out(0x20, 0x61);
	CU_ASSERT_EQUAL(isr(0x20), 0);
}

static void test_icw_cut_short(void)
{
	setup();
	/* ICW1 then ICW1 again: the second restarts the sequence. */
	out(0x20, 0x11);
	out(0x21, 0x50);
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, 0x01);
	out(0x21, 0xFE);
	pulse(0);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x30);
	/* ICW1 without ICW4 and single mode: ICW2 ends it; then OCW1. */
	setup();
	out(0x20, 0x12);
	out(0x21, 0x48);
	out(0x21, 0xFD); /* this is OCW1 now */
	CU_ASSERT_EQUAL(in(0x21), 0xFD);
	pulse(1);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x49);
	/* Abandoned after ICW1: IMR was cleared by ICW1, vector base 0. */
	setup();
	out(0x20, 0x11);
	CU_ASSERT_EQUAL(in(0x21), 0x00);
	CU_ASSERT_EQUAL(in(0x20), 0x00);
	pulse(3);
	CU_ASSERT_TRUE(pic8259_pending(&pic));
	CU_ASSERT_EQUAL(pic8259_intack(&pic) & 0xF8, 0x00);
	/* Out-of-range lines are ignored. */
	pic8259_set_irq(&pic, 16, true);
	pic8259_set_irq(&pic, 1000, true);
}

static uint64_t rng = 0x1234567887654321ULL;
static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

static void test_hostile_random(void)
{
	static const uint16_t ports[] = { 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1 };
	setup();
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		uint16_t port = ports[(r >> 8) % 6];
		uint32_t v;
		switch (r & 3) {
		case 0:
			vdev_pio_out(&bus, port, 1u << ((r >> 4) % 3), (uint32_t)(r >> 32), 0);
			break;
		case 1:
			vdev_pio_in(&bus, port, 1u << ((r >> 4) % 3), &v, 0);
			break;
		case 2:
			pic8259_set_irq(&pic, (r >> 16) % 16, (r >> 20) & 1);
			break;
		default:
			if (pic8259_pending(&pic)) {
				uint8_t vec = pic8259_intack(&pic);
				uint8_t mb = pic.chip[0].vbase, sb = pic.chip[1].vbase;
				CU_ASSERT_FATAL((vec & 0xF8) == mb || (vec & 0xF8) == sb);
			}
			break;
		}
		CU_ASSERT_FATAL(pic.chip[0].init_step <= 4 && pic.chip[1].init_step <= 4);
		CU_ASSERT_FATAL(pic.chip[0].prio < 8 && pic.chip[1].prio < 8);
	}
	/* A full Linux init recovers it. */
	linux_init(false);
	out(0x20, 0x20);
	out(0x20, 0x20);
	for (int i = 0; i < 8; i++) {
		out(0xA0, 0x20);
		out(0x20, 0x20);
	}
	out(0x4D0, 0);
	out(0x4D1, 0);
	CU_ASSERT_EQUAL(isr(0x20), 0);
	unmask(7);
	pic8259_set_irq(&pic, 7, false);
	/* Requests latched during the chaos (a cascade edge seen while the
	 * slave was briefly unmasked by its ICW1) drain as spurious IRQ 15. */
	for (int i = 0; i < 8 && pic8259_pending(&pic); i++) {
		uint8_t vec = pic8259_intack(&pic);
		CU_ASSERT(vec == 0x3F || (vec & 0xF8) == 0x30);
		out(0x20, 0x20);
	}
	CU_ASSERT_FALSE(pic8259_pending(&pic));
	pic8259_set_irq(&pic, 7, true);
	CU_ASSERT_EQUAL(pic8259_intack(&pic), 0x37);
	CU_ASSERT_EQUAL(isr(0x20), 0x80);
}

static CU_TestInfo pic_tests[] = {
	{ "power-on state, reads before init", test_power_on_state },
	{ "Linux probe and init_8259A", test_linux_probe_and_init },
	{ "priorities and EOI across both chips", test_priorities_and_eoi },
	{ "masking", test_masking },
	{ "spurious IRQ 7 and 15", test_spurious },
	{ "ELCR level triggering", test_level_triggered },
	{ "AEOI, rotation, poll, special mask", test_aeoi_rotate_poll_smm },
	{ "ICW sequences cut short", test_icw_cut_short },
	{ "random port and line hammering", test_hostile_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_pic, pic_tests);
