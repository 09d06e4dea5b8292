/*
 * test_vdev_ide.c - host tests of the legacy ATA controller model
 * (libos/vmm/dev/ide.c), driven through the port bus with the register
 * sequences of ATA/ATAPI-6's PIO protocols.
 *
 * The disks are in-memory arrays with an I/O-error switch, a flush counter
 * and a record of the last backend request. A disk may claim more sectors
 * than it stores: sector s lives at s % stored, so commands far out on a
 * large disk can be checked by the address the backend was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/ide.h"
#include "unit.h"

#define BASE 0x1F0
#define CTL  0x3F6

enum { DATA, ERROR, NSECT, LBAL, LBAM, LBAH, DEVICE, STATUS };

struct memdisk {
	uint8_t *data;
	uint64_t stored; /* sectors backed by data */
	bool fail;	 /* every read/write/flush returns -1 */
	unsigned flushes, reads, writes;
	uint64_t last_sector;
	uint32_t last_count;
	uint64_t sectors_read, sectors_written;
};

static int md_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	struct memdisk *m = ctx;
	m->last_sector = sector;
	m->last_count = count;
	if (m->fail)
		return -1;
	m->reads++;
	m->sectors_read += count;
	for (uint32_t i = 0; i < count; i++)
		memcpy((uint8_t *)buf + i * VDEV_SECTOR,
		       m->data + ((sector + i) % m->stored) * VDEV_SECTOR, VDEV_SECTOR);
	return 0;
}

static int md_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	struct memdisk *m = ctx;
	m->last_sector = sector;
	m->last_count = count;
	if (m->fail)
		return -1;
	m->writes++;
	m->sectors_written += count;
	for (uint32_t i = 0; i < count; i++)
		memcpy(m->data + ((sector + i) % m->stored) * VDEV_SECTOR,
		       (const uint8_t *)buf + i * VDEV_SECTOR, VDEV_SECTOR);
	return 0;
}

static int md_flush(void *ctx)
{
	struct memdisk *m = ctx;
	if (m->fail)
		return -1;
	m->flushes++;
	return 0;
}

static struct vdev_bus bus;
static struct ide ide;
static struct memdisk md[2];
static int irq_level = -1;
static unsigned irq_rises, irq_calls;

static void set_irq(void *ctx, unsigned irq, bool level)
{
	(void)ctx;
	CU_ASSERT_EQUAL(irq, 14);
	irq_calls++;
	if (level && irq_level != 1)
		irq_rises++;
	irq_level = level;
}

static void md_free(void)
{
	for (int i = 0; i < 2; i++) {
		free(md[i].data);
		memset(&md[i], 0, sizeof(md[i]));
	}
}

/* A disk of `sectors` sectors of which `stored` are backed (patterned:
 * byte j of sector s is s * 7 + j * 13 + i). sectors 0 = absent. */
static struct vdev_disk mkdisk(int i, uint64_t sectors, uint64_t stored, bool ro)
{
	struct vdev_disk d = { 0 };
	if (sectors == 0)
		return d;
	md[i].stored = stored;
	md[i].data = malloc(stored * VDEV_SECTOR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(md[i].data);
	for (uint64_t s = 0; s < stored; s++)
		for (unsigned j = 0; j < VDEV_SECTOR; j++)
			md[i].data[s * VDEV_SECTOR + j] = (uint8_t)(s * 7 + j * 13 + (unsigned)i);
	d.ctx = &md[i];
	d.sectors = sectors;
	d.readonly = ro;
	d.read = md_read;
	d.write = md_write;
	d.flush = md_flush;
	return d;
}

static void setup_ro(uint64_t s0, uint64_t s1, bool ro0)
{
	md_free();
	struct ide_config cfg = {
		.base = BASE,
		.ctl = CTL,
		.irq = 14,
		.irq_sink = { set_irq, NULL },
		.model = "UNIT TEST DISK",
	};
	cfg.disk[0] = mkdisk(0, s0, s0 < 4096 ? s0 : 4096, ro0);
	cfg.disk[1] = mkdisk(1, s1, s1 < 4096 ? s1 : 4096, false);
	vdev_bus_init(&bus);
	ide_init(&ide, &cfg);
	CU_ASSERT_EQUAL_FATAL(ide_attach(&ide, &bus), 0);
	irq_level = -1;
	irq_rises = irq_calls = 0;
}

static void setup(uint64_t s0, uint64_t s1)
{
	setup_ro(s0, s1, false);
}

static uint8_t in(unsigned reg)
{
	uint32_t v;
	CU_ASSERT_TRUE(vdev_pio_in(&bus, (uint16_t)(BASE + reg), 1, &v, 0));
	return (uint8_t)v;
}

static void out(unsigned reg, uint8_t v)
{
	CU_ASSERT_TRUE(vdev_pio_out(&bus, (uint16_t)(BASE + reg), 1, v, 0));
}

static uint16_t inw(void)
{
	uint32_t v;
	vdev_pio_in(&bus, BASE, 2, &v, 0);
	return (uint16_t)v;
}

static void outw(uint16_t v)
{
	vdev_pio_out(&bus, BASE, 2, v, 0);
}

static uint8_t alt(void)
{
	uint32_t v;
	CU_ASSERT_TRUE(vdev_pio_in(&bus, CTL, 1, &v, 0));
	return (uint8_t)v;
}

static void ctl(uint8_t v)
{
	vdev_pio_out(&bus, CTL, 1, v, 0);
}

/* LBA28 task file for device dev (0 or 1). */
static void lba28(unsigned dev, uint32_t lba, uint8_t count)
{
	out(DEVICE, (uint8_t)(0xE0 | dev << 4 | ((lba >> 24) & 0x0F)));
	out(NSECT, count);
	out(LBAL, (uint8_t)lba);
	out(LBAM, (uint8_t)(lba >> 8));
	out(LBAH, (uint8_t)(lba >> 16));
}

/* LBA48 task file: high bytes first, through the register FIFO. */
static void lba48(unsigned dev, uint64_t lba, uint16_t count)
{
	out(DEVICE, (uint8_t)(0x40 | dev << 4));
	out(NSECT, (uint8_t)(count >> 8));
	out(LBAL, (uint8_t)(lba >> 24));
	out(LBAM, (uint8_t)(lba >> 32));
	out(LBAH, (uint8_t)(lba >> 40));
	out(NSECT, (uint8_t)count);
	out(LBAL, (uint8_t)lba);
	out(LBAM, (uint8_t)(lba >> 8));
	out(LBAH, (uint8_t)(lba >> 16));
}

static uint8_t expect_byte(int disk, uint64_t sector, unsigned j)
{
	return (uint8_t)(sector * 7 + j * 13 + (unsigned)disk);
}

/* Read one DRQ block of nsec sectors and compare with the pattern that
 * disk holds at sector. */
static void read_block_check(int disk, uint64_t sector, unsigned nsec)
{
	CU_ASSERT_EQUAL_FATAL(alt() & 0x89, 0x08);
	for (unsigned s = 0; s < nsec; s++)
		for (unsigned j = 0; j < VDEV_SECTOR; j += 2) {
			uint16_t w = inw();
			uint16_t e = (uint16_t)(expect_byte(disk, sector + s, j) |
						expect_byte(disk, sector + s, j + 1) << 8);
			CU_ASSERT_EQUAL_FATAL(w, e);
		}
}

static void test_identify(void)
{
	uint16_t id[256];
	setup(10000, 0);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	out(DEVICE, 0xA0);
	out(STATUS, 0xEC);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
	CU_ASSERT_EQUAL(irq_level, 0);
	for (int i = 0; i < 256; i++)
		id[i] = inw();
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(irq_rises, 1); /* none at the end of a data-in */
	CU_ASSERT_EQUAL(id[0], 0x0040);
	CU_ASSERT_EQUAL(id[1], 10000 / (16 * 63));
	CU_ASSERT_EQUAL(id[3], 16);
	CU_ASSERT_EQUAL(id[6], 63);
	/* ATA strings: first character in the high byte. */
	CU_ASSERT_EQUAL(id[27], ('U' << 8) | 'N');
	CU_ASSERT_EQUAL(id[28], ('I' << 8) | 'T');
	CU_ASSERT_EQUAL(id[33], ('S' << 8) | 'K');
	CU_ASSERT_EQUAL(id[34], 0x2020);
	CU_ASSERT_EQUAL(id[46], 0x2020);
	CU_ASSERT_EQUAL(id[10], ('V' << 8) | 'M');
	CU_ASSERT_EQUAL(id[14], ('0' << 8) | ' ');
	CU_ASSERT_EQUAL(id[23], ('1' << 8) | '.');
	CU_ASSERT_EQUAL(id[47], 0x8000 | IDE_MAX_MULTIPLE);
	CU_ASSERT_TRUE(id[49] & (1 << 9));
	CU_ASSERT_EQUAL(id[59] & 0x1FF, 0);
	CU_ASSERT_EQUAL(id[60] | id[61] << 16, 10000);
	CU_ASSERT_TRUE(id[83] & (1 << 10));
	CU_ASSERT_TRUE(id[86] & (1 << 10));
	CU_ASSERT_TRUE(id[83] & (1 << 12));
	CU_ASSERT_TRUE(id[83] & (1 << 13));
	CU_ASSERT_EQUAL(id[83] >> 14, 1);
	CU_ASSERT_EQUAL(id[100], 10000);
	CU_ASSERT_EQUAL(id[101] | id[102] | id[103], 0);
	CU_ASSERT_EQUAL(id[54], 10000 / (16 * 63));
	CU_ASSERT_EQUAL(id[55], 16);
	CU_ASSERT_EQUAL(id[56], 63);
	uint8_t sum = 0;
	for (int i = 0; i < 256; i++)
		sum = (uint8_t)(sum + (id[i] & 0xFF) + (id[i] >> 8));
	CU_ASSERT_EQUAL(id[255] & 0xFF, 0xA5);
	CU_ASSERT_EQUAL(sum, 0);
	/* Data port outside a transfer reads 0. */
	CU_ASSERT_EQUAL(inw(), 0);

	/* A disk beyond LBA28: words 60-61 saturate, 100-103 hold it all;
	 * cylinders cap at 16383. */
	setup(0, 0x123456789AULL);
	out(DEVICE, 0xB0);
	out(STATUS, 0xEC);
	for (int i = 0; i < 256; i++)
		id[i] = inw();
	CU_ASSERT_EQUAL(id[60] | id[61] << 16, 0x0FFFFFFF);
	CU_ASSERT_EQUAL(id[100], 0x789A);
	CU_ASSERT_EQUAL(id[101], 0x3456);
	CU_ASSERT_EQUAL(id[102], 0x0012);
	CU_ASSERT_EQUAL(id[1], 16383);
	CU_ASSERT_EQUAL(id[14], ('1' << 8) | ' '); /* the slave's serial */
}

static void test_lba28_round_trip(void)
{
	setup(1u << 28, 0);
	const uint32_t lba = 0x0ABCDE12; /* bits 24-27 through the Device register */
	uint8_t pat[3 * VDEV_SECTOR];
	for (unsigned i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 31 + 5);

	lba28(0, lba, 3);
	out(STATUS, 0x30);
	CU_ASSERT_EQUAL(irq_rises, 0); /* no interrupt before the first block */
	CU_ASSERT_EQUAL(alt(), 0x58);
	for (unsigned s = 0; s < 3; s++) {
		for (unsigned j = 0; j < VDEV_SECTOR; j += 2)
			outw((uint16_t)(pat[s * VDEV_SECTOR + j] | pat[s * VDEV_SECTOR + j + 1]
									   << 8));
		CU_ASSERT_EQUAL(md[0].last_sector, lba + s);
		CU_ASSERT_EQUAL(md[0].last_count, 1);
		CU_ASSERT_EQUAL(irq_level, 1); /* next block wanted, or done */
		CU_ASSERT_EQUAL(in(STATUS), s < 2 ? 0x58 : 0x50);
	}
	CU_ASSERT_EQUAL(irq_rises, 3);
	CU_ASSERT_EQUAL(md[0].writes, 3);
	CU_ASSERT_EQUAL(memcmp(md[0].data + (lba % md[0].stored) * VDEV_SECTOR, pat, sizeof(pat)),
			0);
	/* The LBA registers hold the last sector written. */
	CU_ASSERT_EQUAL(in(LBAL), (uint8_t)(lba + 2));
	CU_ASSERT_EQUAL(in(DEVICE)&0x0F, (lba >> 24) & 0x0F);

	/* Read them back, 16-bit words. */
	lba28(0, lba, 3);
	out(STATUS, 0x20);
	for (unsigned s = 0; s < 3; s++) {
		CU_ASSERT_EQUAL(irq_level, 1);
		CU_ASSERT_EQUAL(in(STATUS), 0x58);
		for (unsigned j = 0; j < VDEV_SECTOR; j += 2) {
			uint16_t w = inw();
			CU_ASSERT_EQUAL_FATAL(w, pat[s * VDEV_SECTOR + j] |
							 pat[s * VDEV_SECTOR + j + 1] << 8);
		}
	}
	CU_ASSERT_EQUAL(alt(), 0x50);
	CU_ASSERT_EQUAL(md[0].last_sector, lba + 2);

	/* And with 32-bit accesses, two words each, low word first. */
	lba28(0, lba, 1);
	out(STATUS, 0x21);
	for (unsigned j = 0; j < VDEV_SECTOR; j += 4) {
		uint32_t v;
		vdev_pio_in(&bus, BASE, 4, &v, 0);
		uint32_t e;
		memcpy(&e, pat + j, 4);
		CU_ASSERT_EQUAL_FATAL(v, e);
	}
	CU_ASSERT_EQUAL(alt(), 0x50);
	/* 32-bit writes too. */
	lba28(0, 7, 1);
	out(STATUS, 0x30);
	for (unsigned j = 0; j < VDEV_SECTOR; j += 4)
		vdev_pio_out(&bus, BASE, 4, 0x11223344u + j, 0);
	CU_ASSERT_EQUAL(alt(), 0x50);
	uint32_t w0;
	memcpy(&w0, md[0].data + 7 * VDEV_SECTOR + 8, 4);
	CU_ASSERT_EQUAL(w0, 0x11223344u + 8);
}

static void test_lba48_round_trip(void)
{
	setup(1ULL << 40, 0);
	const uint64_t lba = 0x0012345678F0ULL;
	lba48(0, lba, 0x0102);
	/* HOB reads back the previous register contents. */
	ctl(0x80);
	CU_ASSERT_EQUAL(in(NSECT), 0x01);
	CU_ASSERT_EQUAL(in(LBAL), 0x34);
	CU_ASSERT_EQUAL(in(LBAM), 0x12);
	CU_ASSERT_EQUAL(in(LBAH), 0x00);
	ctl(0x00);
	CU_ASSERT_EQUAL(in(NSECT), 0x02);
	CU_ASSERT_EQUAL(in(LBAL), 0xF0);
	CU_ASSERT_EQUAL(in(LBAM), 0x78);
	CU_ASSERT_EQUAL(in(LBAH), 0x56);
	/* A register write clears HOB. */
	ctl(0x80);
	out(ERROR, 0);
	CU_ASSERT_EQUAL(ide.devctl & 0x80, 0);

	out(STATUS, 0x34); /* WRITE SECTORS EXT, 258 sectors */
	uint64_t before = md[0].sectors_written;
	for (unsigned s = 0; s < 0x102; s++) {
		CU_ASSERT_EQUAL_FATAL(alt() & 0x08, 0x08);
		for (unsigned j = 0; j < VDEV_SECTOR / 2; j++)
			outw((uint16_t)(s ^ j));
		in(STATUS);
	}
	CU_ASSERT_EQUAL(alt(), 0x50);
	CU_ASSERT_EQUAL(md[0].sectors_written - before, 0x102);
	CU_ASSERT_EQUAL(md[0].last_sector, lba + 0x101);
	/* Registers: the last sector, all 48 bits. */
	CU_ASSERT_EQUAL(in(LBAL), (uint8_t)(lba + 0x101));
	ctl(0x80);
	CU_ASSERT_EQUAL(in(LBAM), 0x12);
	ctl(0);

	lba48(0, lba, 0x0102);
	out(STATUS, 0x24); /* READ SECTORS EXT */
	for (unsigned s = 0; s < 0x102; s++) {
		CU_ASSERT_EQUAL_FATAL(in(STATUS), 0x58);
		CU_ASSERT_EQUAL_FATAL(md[0].last_sector, lba + s);
		for (unsigned j = 0; j < VDEV_SECTOR / 2; j++)
			CU_ASSERT_EQUAL_FATAL(inw(), (uint16_t)(s ^ j));
	}
	CU_ASSERT_EQUAL(alt(), 0x50);
	CU_ASSERT_EQUAL(irq_level, 0);
}

static void test_multiple(void)
{
	uint16_t id[256];
	setup(5000, 0);
	out(DEVICE, 0xE0);
	out(STATUS, 0xC4); /* multiple mode off: READ MULTIPLE aborts */
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x04);
	static const uint8_t bad[] = { 3, 5, 12, 32, 255 };
	for (unsigned i = 0; i < sizeof(bad); i++) {
		out(NSECT, bad[i]);
		out(STATUS, 0xC6);
		CU_ASSERT_EQUAL(in(STATUS), 0x41);
		CU_ASSERT_EQUAL(in(ERROR), 0x04);
	}
	out(NSECT, 8);
	out(STATUS, 0xC6);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	out(STATUS, 0xEC);
	for (int i = 0; i < 256; i++)
		id[i] = inw();
	CU_ASSERT_EQUAL(id[59], 0x108);

	/* WRITE MULTIPLE of 20: blocks of 8, 8, 4, an interrupt after each. */
	lba28(0, 100, 20);
	out(STATUS, 0xC5);
	unsigned rises = irq_rises;
	static const unsigned blocks[] = { 8, 8, 4 };
	uint64_t at = 100;
	for (int b = 0; b < 3; b++) {
		for (unsigned w = 0; w < blocks[b] * 256; w++) {
			CU_ASSERT_EQUAL_FATAL(alt(), 0x58);
			outw((uint16_t)(w * 3 + (unsigned)b));
		}
		CU_ASSERT_EQUAL(md[0].last_sector, at);
		CU_ASSERT_EQUAL(md[0].last_count, blocks[b]);
		at += blocks[b];
		CU_ASSERT_EQUAL(in(STATUS), b < 2 ? 0x58 : 0x50);
	}
	CU_ASSERT_EQUAL(irq_rises - rises, 3);
	CU_ASSERT_EQUAL(md[0].writes, 3);

	/* READ MULTIPLE of 20: one interrupt per block. */
	lba28(0, 100, 20);
	rises = irq_rises;
	out(STATUS, 0xC4);
	for (int b = 0; b < 3; b++) {
		CU_ASSERT_EQUAL(irq_level, 1);
		CU_ASSERT_EQUAL(in(STATUS), 0x58);
		CU_ASSERT_EQUAL(md[0].last_count, blocks[b]);
		for (unsigned w = 0; w < blocks[b] * 256; w++)
			CU_ASSERT_EQUAL_FATAL(inw(), (uint16_t)(w * 3 + (unsigned)b));
	}
	CU_ASSERT_EQUAL(alt(), 0x50);
	CU_ASSERT_EQUAL(irq_rises - rises, 3);

	/* The EXT forms, with 16-sector blocks. */
	out(NSECT, 16);
	out(STATUS, 0xC6);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	lba48(0, 4000, 40);
	out(STATUS, 0x39);
	for (unsigned w = 0; w < 40 * 256; w++)
		outw((uint16_t)~w);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(md[0].last_count, 8);
	lba48(0, 4000, 40);
	out(STATUS, 0x29);
	CU_ASSERT_EQUAL(md[0].last_count, 16);
	for (unsigned w = 0; w < 40 * 256; w++)
		CU_ASSERT_EQUAL_FATAL(inw(), (uint16_t)~w);
	CU_ASSERT_EQUAL(alt(), 0x50);

	/* 0 disables again. */
	out(NSECT, 0);
	out(STATUS, 0xC6);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	out(STATUS, 0x39);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x04);
}

static void test_interrupts(void)
{
	setup(100, 0);
	out(DEVICE, 0xA0);
	out(STATUS, 0x10); /* RECALIBRATE */
	CU_ASSERT_EQUAL(irq_level, 1);
	/* Alternate status does not clear INTRQ; status does. */
	CU_ASSERT_EQUAL(alt(), 0x50);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(irq_level, 0);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(irq_rises, 1);

	/* A new command clears the pending interrupt first: a fresh edge. */
	out(STATUS, 0x10);
	CU_ASSERT_EQUAL(irq_level, 1);
	out(STATUS, 0x10);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(irq_rises, 3);
	/* nIEN drops the line; the device still has INTRQ pending, and
	 * clearing nIEN shows it again (§5.2.4). */
	ctl(0x02);
	CU_ASSERT_EQUAL(irq_level, 0);
	ctl(0x00);
	CU_ASSERT_EQUAL(irq_level, 1);
	in(STATUS);
	CU_ASSERT_EQUAL(irq_level, 0);

	/* With nIEN set, completions never reach the line. */
	ctl(0x02);
	unsigned calls = irq_calls;
	out(STATUS, 0x10);
	lba28(0, 0, 2);
	out(STATUS, 0x20);
	for (int i = 0; i < 512; i++)
		inw();
	out(STATUS, 0x99); /* unknown: error completion */
	CU_ASSERT_EQUAL(irq_calls, calls);
	CU_ASSERT_EQUAL(irq_level, 0);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	ctl(0x00);
	CU_ASSERT_EQUAL(irq_level, 0); /* the status read consumed it */

	/* Selecting the other (absent) device releases INTRQ. */
	out(STATUS, 0x10);
	CU_ASSERT_EQUAL(irq_level, 1);
	out(DEVICE, 0xB0);
	CU_ASSERT_EQUAL(irq_level, 0);
	out(DEVICE, 0xA0);
	CU_ASSERT_EQUAL(irq_level, 1);
}

static void test_count_zero(void)
{
	/* LBA28 count 0 = 256 sectors. */
	setup(70000, 0);
	lba28(0, 1000, 0);
	out(STATUS, 0x20);
	for (unsigned s = 0; s < 256; s++) {
		CU_ASSERT_EQUAL_FATAL(in(STATUS), 0x58);
		read_block_check(0, 1000 + s, 1);
	}
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(md[0].sectors_read, 256);
	/* 255 sectors before the end is one too few for 256. */
	lba28(0, 70000 - 255, 0);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x10);
	lba28(0, 70000 - 256, 0);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
	ctl(0x04); /* abandon it */
	ctl(0x00);

	/* LBA48 count 0 = 65536 sectors: read them all, in 16-sector
	 * blocks, 32 bits at a time. */
	lba48(0, 70000 - 65535, 0);
	out(STATUS, 0x24);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x10);
	out(NSECT, 16);
	out(STATUS, 0xC6);
	in(STATUS);
	md[0].sectors_read = 0;
	lba48(0, 70000 - 65536, 0);
	out(STATUS, 0x29);
	unsigned blocks = 0;
	while (in(STATUS) == 0x58 && blocks < 5000) {
		uint32_t v = 0;
		for (unsigned i = 0; i < 16 * VDEV_SECTOR / 4; i++)
			vdev_pio_in(&bus, BASE, 4, &v, 0);
		/* The last dword of block b: sector 70000 - 65536 + 16b + 15. */
		uint64_t s = 70000 - 65536 + 16 * blocks + 15;
		CU_ASSERT_EQUAL_FATAL(v >> 24, expect_byte(0, s % 4096, 511));
		blocks++;
	}
	CU_ASSERT_EQUAL(blocks, 4096);
	CU_ASSERT_EQUAL(md[0].sectors_read, 65536);
	CU_ASSERT_EQUAL(alt(), 0x50);
}

static void test_errors(void)
{
	setup(1000, 0);
	/* Out of range: IDNF, nothing moved, an interrupt. */
	lba28(0, 999, 2);
	out(STATUS, 0x30);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x10);
	lba28(0, 1000, 1);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x10);
	lba48(0, 0xFFFFFFFFFFFFULL, 1);
	out(STATUS, 0x24);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(md[0].reads + md[0].writes, 0);
	CU_ASSERT_EQUAL(inw(), 0);
	/* A good command clears ERR. */
	lba28(0, 999, 1);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
	read_block_check(0, 999, 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);

	/* I/O error on a read: UNC, LBA registers at the failing sector. */
	md[0].fail = true;
	lba28(0, 123, 4);
	unsigned rises = irq_rises;
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(irq_rises, rises + 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x40);
	CU_ASSERT_EQUAL(in(LBAL), 123);
	/* On a write: the block is taken, then UNC. */
	lba28(0, 200, 2);
	out(STATUS, 0x30);
	for (int i = 0; i < 256; i++)
		outw(0xBEEF);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x40);
	CU_ASSERT_EQUAL(in(LBAL), 200);
	outw(0xBEEF); /* no transfer any more: dropped */
	/* Mid-command: the first block comes, the second cannot be read. */
	md[0].fail = false;
	lba28(0, 300, 2);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
	for (int i = 0; i < 255; i++)
		inw();
	md[0].fail = true;
	inw();
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x40);
	CU_ASSERT_EQUAL(in(LBAL), (uint8_t)301);
	CU_ASSERT_EQUAL(inw(), 0);
	md[0].fail = false;

	/* Flushes reach the backend; a failing flush reports UNC. */
	out(STATUS, 0xE7);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	out(STATUS, 0xEA);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(md[0].flushes, 2);
	md[0].fail = true;
	out(STATUS, 0xE7);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x40);
	md[0].fail = false;

	/* Unknown and unsupported commands: ABRT. */
	static const uint8_t cmds[] = { 0x00, 0xA1, 0xA0, 0xC8, 0xCA, 0x40, 0xE5, 0x90 };
	for (unsigned i = 0; i < sizeof(cmds); i++) {
		out(STATUS, cmds[i]);
		CU_ASSERT_EQUAL(irq_level, 1);
		CU_ASSERT_EQUAL(in(STATUS), 0x41);
		CU_ASSERT_EQUAL(in(ERROR), 0x04);
	}
	/* SET FEATURES: the common ones accepted, DMA modes and unknown
	 * subcommands refused; write cache reported in word 85. */
	static const struct {
		uint8_t feature, count, status;
	} sf[] = {
		{ 0x03, 0x0C, 0x50 }, { 0x03, 0x08, 0x50 }, { 0x03, 0x00, 0x50 },
		{ 0x03, 0x01, 0x50 }, { 0x03, 0x45, 0x41 }, { 0x03, 0x22, 0x41 },
		{ 0x03, 0x0D, 0x41 }, { 0xAA, 0x00, 0x50 }, { 0x66, 0x00, 0x50 },
		{ 0x42, 0x00, 0x41 }, { 0x82, 0x00, 0x50 },
	};
	for (unsigned i = 0; i < sizeof(sf) / sizeof(sf[0]); i++) {
		out(ERROR, sf[i].feature);
		out(NSECT, sf[i].count);
		out(STATUS, 0xEF);
		CU_ASSERT_EQUAL(in(STATUS), sf[i].status);
	}
	out(STATUS, 0xEC);
	uint16_t id[256];
	for (int i = 0; i < 256; i++)
		id[i] = inw();
	CU_ASSERT_EQUAL(id[85] & (1 << 5), 0);
	CU_ASSERT_TRUE(id[82] & (1 << 5));

	/* Read-only disk: writes abort, reads work. */
	setup_ro(1000, 0, true);
	lba28(0, 5, 1);
	out(STATUS, 0x30);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x04);
	lba48(0, 5, 1);
	out(STATUS, 0x34);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(md[0].writes, 0);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
}

static void test_chs(void)
{
	setup(100000, 0);
	/* C/H/S 1/2/3 with 16 heads, 63 sectors: (1 * 16 + 2) * 63 + 2. */
	out(DEVICE, 0xA2);
	out(NSECT, 1);
	out(LBAL, 3);
	out(LBAM, 1);
	out(LBAH, 0);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
	CU_ASSERT_EQUAL(md[0].last_sector, 1136);
	read_block_check(0, 1136 % 4096, 1);
	/* Registers after: the same sector in CHS form. */
	CU_ASSERT_EQUAL(in(LBAL), 3);
	CU_ASSERT_EQUAL(in(LBAM), 1);
	CU_ASSERT_EQUAL(in(DEVICE), 0xA2);
	/* Sector 0 and sector/head past the geometry: IDNF. */
	out(LBAL, 0);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x10);
	out(LBAL, 64);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(ERROR), 0x10);
	/* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors. */
	out(DEVICE, 0xA3);
	out(NSECT, 17);
	out(STATUS, 0x91);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	out(DEVICE, 0xA1);
	out(NSECT, 1);
	out(LBAL, 1);
	out(LBAM, 2);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
	CU_ASSERT_EQUAL(md[0].last_sector, (2 * 4 + 1) * 17);
	read_block_check(0, (2 * 4 + 1) * 17, 1);
	out(DEVICE, 0xA4); /* head 4 of 4 */
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(ERROR), 0x10);
	out(NSECT, 0); /* 0 sectors per track: refused */
	out(STATUS, 0x91);
	CU_ASSERT_EQUAL(in(STATUS), 0x41);
	CU_ASSERT_EQUAL(in(ERROR), 0x04);
	uint16_t id[256];
	out(STATUS, 0xEC);
	for (int i = 0; i < 256; i++)
		id[i] = inw();
	CU_ASSERT_EQUAL(id[55], 4);
	CU_ASSERT_EQUAL(id[56], 17);
	CU_ASSERT_EQUAL(id[54], 100000 / (4 * 17));
}

static void check_signature(void)
{
	CU_ASSERT_EQUAL(in(NSECT), 1);
	CU_ASSERT_EQUAL(in(LBAL), 1);
	CU_ASSERT_EQUAL(in(LBAM), 0);
	CU_ASSERT_EQUAL(in(LBAH), 0);
}

static void test_srst(void)
{
	setup(1000, 500);
	/* Mid-transfer: a read is abandoned by SRST. */
	lba28(1, 10, 4);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(irq_level, 1);
	inw();
	ctl(0x04);
	CU_ASSERT_EQUAL(irq_level, 0);
	CU_ASSERT_EQUAL(alt(), 0x80); /* BSY while SRST is held */
	out(DEVICE, 0xA0);	      /* ignored while busy */
	CU_ASSERT_EQUAL(alt(), 0x80);
	out(STATUS, 0xEC); /* ignored */
	ctl(0x00);
	CU_ASSERT_EQUAL(irq_level, 0); /* reset completion: no interrupt */
	/* Master selected, both devices show the ATA signature. */
	CU_ASSERT_EQUAL(in(DEVICE), 0);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(in(ERROR), 0x01);
	check_signature();
	CU_ASSERT_EQUAL(inw(), 0);
	out(DEVICE, 0xB0);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(in(ERROR), 0x01);
	check_signature();
	/* The slave works afterwards. */
	lba28(1, 10, 1);
	out(STATUS, 0x20);
	read_block_check(1, 10, 1);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
}

static void test_slave_absent(void)
{
	setup(1000, 0);
	/* Linux's ata_devchk: the register file echoes on both devices. */
	out(DEVICE, 0xB0);
	out(NSECT, 0x55);
	out(LBAL, 0xAA);
	CU_ASSERT_EQUAL(in(NSECT), 0x55);
	CU_ASSERT_EQUAL(in(LBAL), 0xAA);
	/* But status and error read 0: no device 1 (QEMU's answer). */
	CU_ASSERT_EQUAL(in(STATUS), 0);
	CU_ASSERT_EQUAL(alt(), 0);
	CU_ASSERT_EQUAL(in(ERROR), 0);
	/* Commands to it are ignored: no interrupt, no data, master idle. */
	out(STATUS, 0xEC);
	CU_ASSERT_EQUAL(irq_rises, 0);
	CU_ASSERT_EQUAL(inw(), 0);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(md[0].reads, 0);
	ctl(0x04);
	ctl(0x00);
	out(DEVICE, 0xB0);
	CU_ASSERT_EQUAL(in(STATUS), 0);
	CU_ASSERT_EQUAL(in(ERROR), 0); /* not 0x01: Linux classifies it as none */
	check_signature();	       /* so Linux's post-reset wait ends */
	out(DEVICE, 0xA0);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	CU_ASSERT_EQUAL(in(ERROR), 0x01);

	/* A channel with no devices reads 0 everywhere. */
	setup(0, 0);
	for (unsigned r = 1; r < 8; r++)
		CU_ASSERT_EQUAL(in(r), 0);
	CU_ASSERT_EQUAL(alt(), 0);
	out(STATUS, 0xEC);
	CU_ASSERT_EQUAL(irq_rises, 0);
}

static void test_registers_locked_during_drq(void)
{
	setup(1000, 1000);
	lba28(0, 20, 2);
	out(STATUS, 0x20);
	for (int i = 0; i < 100; i++)
		inw();
	/* Selection, task file and commands are ignored during DRQ. */
	out(DEVICE, 0xB0);
	out(LBAL, 0x77);
	out(STATUS, 0xEC);
	CU_ASSERT_EQUAL(ide.sel, 0);
	CU_ASSERT_EQUAL(alt(), 0x58);
	for (int i = 100; i < 256; i++) {
		uint16_t w = inw();
		CU_ASSERT_EQUAL_FATAL(w, expect_byte(0, 20, 2 * (unsigned)i) |
						 expect_byte(0, 20, 2 * (unsigned)i + 1) << 8);
	}
	read_block_check(0, 21, 1);
	CU_ASSERT_EQUAL(alt(), 0x50);
	/* A wide access to the 8-bit registers splits into bytes. */
	uint32_t v;
	vdev_pio_out(&bus, BASE + 2, 2, 0x1203, 0);
	CU_ASSERT_EQUAL(in(NSECT), 0x03);
	CU_ASSERT_EQUAL(in(LBAL), 0x12);
	vdev_pio_in(&bus, BASE + 2, 4, &v, 0);
	CU_ASSERT_EQUAL(v & 0xFFFF, 0x1203);
	/* attach refuses taken ports without claiming any. */
	unsigned n = bus.n;
	struct ide other;
	struct ide_config cfg = ide.cfg;
	cfg.base = 0x170;
	ide_init(&other, &cfg);
	CU_ASSERT_EQUAL(ide_attach(&other, &bus), -1); /* ctl 0x3F6 taken */
	CU_ASSERT_EQUAL(bus.n, n);
	cfg.ctl = 0x376;
	ide_init(&other, &cfg);
	CU_ASSERT_EQUAL(ide_attach(&other, &bus), 0);
}

static uint64_t rng = 0x1DE1DE1DE5EEDULL;
static const uint8_t rand_cmds[] = { 0x20, 0x30, 0xC4, 0xC5, 0x24, 0x34, 0x29,
				     0x39, 0xC6, 0xEC, 0xE7, 0xEF, 0x91, 0x10 };

static void test_hostile_random(void)
{
	setup(3000, 2000);
	for (int i = 0; i < 300000; i++) {
		uint64_t r = unit_rand(&rng);
		unsigned size = 1u << ((r >> 8) % 3);
		uint16_t port = (r & 0xF) < 9 ? (uint16_t)(BASE + (r & 0xF) % 8) : CTL;
		uint32_t val = (uint32_t)(r >> 32), v;
		/* Mostly sane values for the command and control registers,
		 * so commands actually run and resets happen now and then. */
		if (port == BASE + 7 && (r & 0x30000))
			val = rand_cmds[(r >> 40) % sizeof(rand_cmds)];
		if (port == CTL && (r & 0x300000))
			val &= 0x82;
		if ((r & 0x7FF) == 0) {
			md[0].fail = !md[0].fail;
			md[1].fail = r & 0x800;
		}
		if ((r >> 20) & 1)
			vdev_pio_out(&bus, port, size, val, 0);
		else
			vdev_pio_in(&bus, port, size, &v, 0);
		CU_ASSERT_FATAL(ide.buf_pos <= ide.buf_len);
		CU_ASSERT_FATAL(ide.buf_len <= sizeof(ide.buf));
		CU_ASSERT_FATAL(ide.sel < 2);
		CU_ASSERT_FATAL((ide.xfer != IDE_XFER_NONE) ==
				((ide.drive[ide.sel].status & 0x08) != 0));
		CU_ASSERT_FATAL(irq_level == -1 || irq_level == ide.irq_level);
	}
	/* It still works. */
	md[0].fail = md[1].fail = false;
	ctl(0x04);
	ctl(0x00);
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	lba28(0, 42, 1);
	out(STATUS, 0x20);
	CU_ASSERT_EQUAL(in(STATUS), 0x58);
	for (int i = 0; i < 256; i++)
		inw();
	CU_ASSERT_EQUAL(in(STATUS), 0x50);
	md_free();
}

static CU_TestInfo ide_tests[] = {
	{ "IDENTIFY DEVICE contents", test_identify },
	{ "LBA28 write/read round trip, 16 and 32 bit", test_lba28_round_trip },
	{ "LBA48 round trip, HOB register FIFO", test_lba48_round_trip },
	{ "SET MULTIPLE, READ/WRITE MULTIPLE (EXT)", test_multiple },
	{ "INTRQ, status vs alternate status, nIEN", test_interrupts },
	{ "sector count 0 = 256 / 65536", test_count_zero },
	{ "range, I/O, read-only and command errors", test_errors },
	{ "CHS translation, INITIALIZE DEVICE PARAMETERS", test_chs },
	{ "SRST: BSY, signature, abandoned transfer", test_srst },
	{ "absent slave, empty channel", test_slave_absent },
	{ "registers locked during DRQ; attach", test_registers_locked_during_drq },
	{ "random port hammering", test_hostile_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_ide, ide_tests);
