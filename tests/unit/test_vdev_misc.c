/*
 * test_vdev_misc.c - host tests of the smaller device models: the i8042
 * keyboard controller and port 0x92 (libos/vmm/dev/i8042.c), fw_cfg
 * (fwcfg.c), isa-debug-exit (debugexit.c) and the CGA text mirror (cga.c),
 * all through one port bus as the VMM wires them.
 */
#include <stdint.h>
#include <string.h>

#include "dev/cga.h"
#include "dev/debugexit.h"
#include "dev/fwcfg.h"
#include "dev/i8042.h"
#include "unit.h"

static struct vdev_bus bus;
static struct i8042 kbc;
static struct fwcfg fw;
static struct debugexit dx;
static struct cga cga;
static unsigned resets, exits, irq1_rises, lines_seen;
static uint32_t exit_status;
static bool irq1, irq12;
static char last_line[81];
static unsigned last_row;

static void set_irq(void *ctx, unsigned irq, bool l)
{
	(void)ctx;
	CU_ASSERT(irq == 1 || irq == 12);
	if (irq == 1) {
		if (l && !irq1)
			irq1_rises++;
		irq1 = l;
	} else {
		irq12 = l;
	}
}

static void on_reset(void *ctx)
{
	(void)ctx;
	resets++;
}

static void on_exit(void *ctx, uint32_t status)
{
	(void)ctx;
	exits++;
	exit_status = status;
}

static void on_line(void *ctx, unsigned row, const char *text, size_t len)
{
	(void)ctx;
	CU_ASSERT_FATAL(len <= 80);
	memcpy(last_line, text, len);
	last_line[len] = 0;
	last_row = row;
	lines_seen++;
}

static void setup(void)
{
	struct i8042_config kc = { .irq_sink = { set_irq, NULL }, .reset = on_reset };
	vdev_bus_init(&bus);
	i8042_init(&kbc, &kc);
	fwcfg_init(&fw, 256ULL << 20, 2, 4);
	debugexit_init(&dx, 0xF4, on_exit, NULL);
	cga_init(&cga, on_line, NULL);
	CU_ASSERT_EQUAL_FATAL(i8042_attach(&kbc, &bus), 0);
	CU_ASSERT_EQUAL_FATAL(fwcfg_attach(&fw, &bus), 0);
	CU_ASSERT_EQUAL_FATAL(debugexit_attach(&dx, &bus), 0);
	CU_ASSERT_EQUAL_FATAL(cga_attach(&cga, &bus), 0);
	resets = exits = irq1_rises = lines_seen = 0;
	irq1 = irq12 = false;
}

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

/* Wait for OBF and read a byte, as i8042_wait_read + inb(0x60). */
static int kbd_read(void)
{
	if (!(in(0x64) & 0x01))
		return -1;
	return in(0x60);
}

static void test_i8042_controller(void)
{
	setup();
	CU_ASSERT_EQUAL(in(0x64) & 0x01, 0); /* empty at power-on */
	/* Linux i8042_controller_check/init: flush, read CTR, self test. */
	out(0x64, 0x20);
	CU_ASSERT_EQUAL(kbd_read(), 0x45);
	CU_ASSERT_EQUAL(kbd_read(), -1);
	out(0x64, 0x60);
	out(0x60, 0x44); /* keyboard interrupt off */
	irq1_rises = 0;
	out(0x64, 0x20);
	CU_ASSERT_EQUAL(kbd_read(), 0x44);
	out(0x64, 0xAA);
	CU_ASSERT_EQUAL(kbd_read(), 0x55);
	CU_ASSERT_TRUE(in(0x64) & 0x04); /* system flag */
	out(0x64, 0xAB);
	CU_ASSERT_EQUAL(kbd_read(), 0x00);
	CU_ASSERT_EQUAL(irq1_rises, 0); /* interrupts were off */
	out(0x64, 0xAD);
	out(0x64, 0x20);
	CU_ASSERT_EQUAL(kbd_read() & 0x10, 0x10);
	out(0x64, 0xAE);
	out(0x64, 0x20);
	CU_ASSERT_EQUAL(kbd_read() & 0x10, 0x00);
	/* A20 through the output port (0xD1) and port 0x92. */
	out(0x92, 0x00);
	out(0x64, 0xD1);
	out(0x60, 0xDD); /* bit 1 off, bit 0 (reset) high */
	CU_ASSERT_FALSE(i8042_a20(&kbc));
	CU_ASSERT_EQUAL(resets, 0);
	out(0x64, 0xD0);
	CU_ASSERT_EQUAL(kbd_read(), 0xDD);
	out(0x92, 0x02);
	CU_ASSERT_TRUE(i8042_a20(&kbc));
	CU_ASSERT_EQUAL(in(0x92), 0x02);
	out(0x92, 0x00);
	out(0x64, 0xDF);
	CU_ASSERT_TRUE(i8042_a20(&kbc));
	/* The three reset paths. */
	out(0x64, 0xFE);
	CU_ASSERT_EQUAL(resets, 1);
	out(0x64, 0xFF); /* pulse nothing */
	CU_ASSERT_EQUAL(resets, 1);
	out(0x92, 0x03);
	CU_ASSERT_EQUAL(resets, 2);
	CU_ASSERT_EQUAL(in(0x92) & 1, 0);
	out(0x64, 0xD1);
	out(0x60, 0x02);
	CU_ASSERT_EQUAL(resets, 3);
}

static void test_i8042_keyboard(void)
{
	setup();
	/* IRQ 1 per byte with the keyboard interrupt on (CTR 0x45). */
	out(0x60, 0xFF);
	CU_ASSERT_TRUE(irq1);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	CU_ASSERT_TRUE(irq1); /* the next byte came in */
	CU_ASSERT_EQUAL(kbd_read(), 0xAA);
	CU_ASSERT_FALSE(irq1);
	CU_ASSERT_EQUAL(irq1_rises, 2);
	out(0x60, 0xF2);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	CU_ASSERT_EQUAL(kbd_read(), 0xAB);
	CU_ASSERT_EQUAL(kbd_read(), 0x41); /* translated MF2 id */
	out(0x64, 0x60);
	out(0x60, 0x05); /* no translation, IRQ on */
	out(0x60, 0xF2);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	CU_ASSERT_EQUAL(kbd_read(), 0xAB);
	CU_ASSERT_EQUAL(kbd_read(), 0x83);
	out(0x60, 0xED);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	out(0x60, 0x07);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	CU_ASSERT_EQUAL(kbc.leds, 7);
	out(0x60, 0xF0);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	out(0x60, 0x00);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	CU_ASSERT_EQUAL(kbd_read(), 0x02);
	out(0x60, 0xEE);
	CU_ASSERT_EQUAL(kbd_read(), 0xEE);
	out(0x60, 0xF5);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	const uint8_t key[] = { 0x1E, 0x9E };
	CU_ASSERT_EQUAL(i8042_key(&kbc, key, 2), 0); /* scanning off */
	out(0x60, 0xF4);
	CU_ASSERT_EQUAL(kbd_read(), 0xFA);
	CU_ASSERT_EQUAL(i8042_key(&kbc, key, 2), 2);
	CU_ASSERT_EQUAL(kbd_read(), 0x1E);
	CU_ASSERT_EQUAL(kbd_read(), 0x9E);
	out(0x60, 0x12);
	CU_ASSERT_EQUAL(kbd_read(), 0xFE); /* unknown: resend */
	/* An empty buffer keeps reading the last byte. */
	CU_ASSERT_EQUAL(in(0x60), 0xFE);
	/* Aux loop (0xD3) comes back as aux data, IRQ 12 if enabled. */
	out(0x64, 0x60);
	out(0x60, 0x47);
	out(0x64, 0xD3);
	out(0x60, 0x5A);
	CU_ASSERT_EQUAL(in(0x64) & 0x21, 0x21);
	CU_ASSERT_TRUE(irq12);
	CU_ASSERT_EQUAL(in(0x60), 0x5A);
	CU_ASSERT_FALSE(irq12);
	/* The queue is bounded. */
	uint8_t many[40];
	memset(many, 0x1C, sizeof(many));
	CU_ASSERT_EQUAL(i8042_key(&kbc, many, sizeof(many)), I8042_OUTQ);
}

static uint64_t rng = 0xABCDEF0123456789ULL;
static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

static void test_hostile_random(void)
{
	static const uint16_t ports[] = { 0x60, 0x64,  0x92,  0x510, 0x511, 0xF4,  0xF5, 0xF6,
					  0xF7, 0x3D4, 0x3D5, 0x3D6, 0x3D8, 0x3D9, 0x3DA };
	uint8_t vram[CGA_VRAM_BYTES];
	setup();
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		uint16_t port = ports[(r >> 8) % (sizeof(ports) / sizeof(ports[0]))];
		unsigned size = 1u << ((r >> 4) % 3);
		uint32_t v;
		if (r & 1)
			vdev_pio_out(&bus, port, size, (uint32_t)(r >> 32), 0);
		else
			vdev_pio_in(&bus, port, size, &v, 0);
		if ((r & 0xFF0000) == 0) {
			for (unsigned j = 0; j < sizeof(vram); j++)
				vram[j] = (uint8_t)rnd();
			cga_render(&cga, vram);
		}
		CU_ASSERT_FATAL(kbc.outq_n <= I8042_OUTQ);
	}
	CU_ASSERT(exits > 0);
	CU_ASSERT(resets > 0);
}

static void test_fwcfg(void)
{
	uint32_t v;
	setup();
	/* Signature: select 0 with a 16-bit write, read 4 bytes. */
	vdev_pio_out(&bus, 0x510, 2, 0x0000, 0);
	char sig[5] = { 0 };
	for (int i = 0; i < 4; i++)
		sig[i] = (char)in(0x511);
	CU_ASSERT_STRING_EQUAL(sig, "QEMU");
	CU_ASSERT_EQUAL(in(0x511), 0); /* past the end */
	vdev_pio_out(&bus, 0x510, 2, 0x0001, 0);
	CU_ASSERT_EQUAL(in(0x511), 1); /* traditional, no DMA */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(in(0x511), 0);
	vdev_pio_out(&bus, 0x510, 2, 0x0003, 0);
	uint64_t ram = 0;
	for (int i = 0; i < 8; i++)
		ram |= (uint64_t)in(0x511) << (8 * i);
	CU_ASSERT_EQUAL(ram, 256ULL << 20);
	vdev_pio_out(&bus, 0x510, 2, 0x0005, 0);
	uint8_t lo = in(0x511), hi = in(0x511);
	CU_ASSERT_EQUAL(lo | hi << 8, 2);
	vdev_pio_out(&bus, 0x510, 2, 0x000F, 0);
	lo = in(0x511);
	hi = in(0x511);
	CU_ASSERT_EQUAL(lo | hi << 8, 4);
	vdev_pio_out(&bus, 0x510, 2, 0x0019, 0);
	vdev_pio_in(&bus, 0x511, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0); /* count 0 */
	vdev_pio_out(&bus, 0x510, 2, 0x1234, 0);
	vdev_pio_in(&bus, 0x511, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0); /* unknown key */
	/* Reselecting rewinds; a wide read takes consecutive bytes. */
	vdev_pio_out(&bus, 0x510, 2, 0x0000, 0);
	vdev_pio_in(&bus, 0x511, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0x554D4551); /* "QEMU" little-endian */
	/* Read of the selector port and data writes are harmless. */
	vdev_pio_out(&bus, 0x511, 1, 0xFF, 0);
	vdev_pio_in(&bus, 0x510, 2, &v, 0);
	CU_ASSERT_EQUAL(v, 0);
	/* The cursor saturates instead of wrapping. */
	fw.offset = UINT32_MAX - 1;
	for (int i = 0; i < 4; i++)
		in(0x511);
	CU_ASSERT_EQUAL(fw.offset, UINT32_MAX);
}

static void test_debug_exit(void)
{
	uint32_t v;
	setup();
	out(0xF4, 0x10);
	CU_ASSERT_EQUAL(exits, 1);
	CU_ASSERT_EQUAL(exit_status, 0x21);
	vdev_pio_out(&bus, 0xF4, 4, 0x31, 0);
	CU_ASSERT_EQUAL(exit_status, 0x63);
	vdev_pio_out(&bus, 0xF4, 1, 0x1FF, 0); /* only the byte counts */
	CU_ASSERT_EQUAL(exit_status, 0x1FF);
	vdev_pio_out(&bus, 0xF4, 4, 0xFFFFFFFF, 0); /* wraps, defined */
	CU_ASSERT_EQUAL(exit_status, 0xFFFFFFFF);
	out(0xF5, 1); /* not the base port */
	CU_ASSERT_EQUAL(exits, 4);
	vdev_pio_in(&bus, 0xF4, 1, &v, 0);
	CU_ASSERT_EQUAL(v, 0);
}

static void test_cga(void)
{
	static uint8_t vram[CGA_VRAM_BYTES];
	uint32_t v;
	setup();
	memset(vram, 0, sizeof(vram));
	CU_ASSERT_EQUAL(cga_render(&cga, vram), 0); /* blank stays silent */
	const char *msg = "Linux version 6.1 (gcc)";
	for (unsigned i = 0; msg[i]; i++) {
		vram[(3 * 80 + i) * 2] = (uint8_t)msg[i];
		vram[(3 * 80 + i) * 2 + 1] = 0x07;
	}
	CU_ASSERT_EQUAL(cga_render(&cga, vram), 1);
	CU_ASSERT_EQUAL(last_row, 3);
	CU_ASSERT_STRING_EQUAL(last_line, msg);
	/* An attribute change alone is not a text change. */
	vram[3 * 160 + 1] = 0x1F;
	CU_ASSERT_EQUAL(cga_render(&cga, vram), 0);
	/* Non-ASCII shows as '.', the last column counts. */
	vram[24 * 160] = 0xDB;
	vram[24 * 160 + 158] = 'Z';
	CU_ASSERT_EQUAL(cga_render(&cga, vram), 1);
	CU_ASSERT_EQUAL(last_row, 24);
	CU_ASSERT_EQUAL(strlen(last_line), 80);
	CU_ASSERT_EQUAL(last_line[0], '.');
	CU_ASSERT_EQUAL(last_line[79], 'Z');
	cga_redraw(&cga);
	CU_ASSERT_EQUAL(cga_render(&cga, vram), 25);
	/* Cursor registers, byte and word writes. */
	out(0x3D4, 0x0E);
	out(0x3D5, 0x01);
	out(0x3D4, 0x0F);
	out(0x3D5, 0x40);
	CU_ASSERT_EQUAL(cga_cursor(&cga), 0x140);
	CU_ASSERT_EQUAL(in(0x3D5), 0x40);
	vdev_pio_out(&bus, 0x3D4, 2, 0x020E, 0);
	CU_ASSERT_EQUAL(cga_cursor(&cga), 0x240);
	CU_ASSERT_EQUAL(in(0x3D4), 0x0E);
	/* Status: retrace bit 3 goes on and off as a guest polls. */
	bool seen_on = false, seen_off_after = false;
	for (int i = 0; i < 8; i++) {
		vdev_pio_in(&bus, 0x3DA, 1, &v, 0);
		if (v & 0x08)
			seen_on = true;
		else if (seen_on)
			seen_off_after = true;
	}
	CU_ASSERT_TRUE(seen_on && seen_off_after);
}

static CU_TestInfo misc_tests[] = {
	{ "i8042 controller commands, A20, reset", test_i8042_controller },
	{ "i8042 keyboard commands and IRQ 1", test_i8042_keyboard },
	{ "fw_cfg items", test_fwcfg },
	{ "isa-debug-exit status", test_debug_exit },
	{ "CGA mirror, CRTC, status", test_cga },
	{ "random port hammering", test_hostile_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_misc, misc_tests);
