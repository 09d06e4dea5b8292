/*
 * test_vdev_virtio_blk.c - host tests of the virtio-mmio block device
 * (libos/vmm/dev/virtio_blk.c).
 *
 * Guest memory is a malloc'ed array of exactly GMEM bytes served through
 * the vdev_dma callbacks, so AddressSanitizer (run-tests-san) catches any
 * access past it. A small driver in this file does the virtio 1.1 §3.1
 * handshake over the MMIO registers and builds descriptor tables and
 * available rings by hand. Then: requests of each type reaching the
 * backend, the used ring, the interrupt line, and every malformed queue,
 * chain and request the guest can make, ending in a seeded random fuzz
 * that checks the device writes nowhere but device-writable buffers and
 * the used ring.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/virtio_blk.h"
#include "unit.h"

#define VBASE 0xFEB00000ULL
#define GSI   16

/* Guest-physical layout. */
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define HDRS  0x4000 /* request headers, 16 bytes per request slot */
#define STATS 0x5000 /* status bytes, one per request slot */
#define DATA  0x8000
#define GMEM  (512 * 1024)

/* MMIO registers. */
#define R_MAGIC	     0x000
#define R_VERSION    0x004
#define R_DEVID	     0x008
#define R_VENDOR     0x00C
#define R_DEVFEAT    0x010
#define R_DEVFEATSEL 0x014
#define R_DRVFEAT    0x020
#define R_DRVFEATSEL 0x024
#define R_QSEL	     0x030
#define R_QNUMMAX    0x034
#define R_QNUM	     0x038
#define R_QREADY     0x044
#define R_NOTIFY     0x050
#define R_ISR	     0x060
#define R_ACK	     0x064
#define R_STATUS     0x070
#define R_QDESC	     0x080
#define R_QDRIVER    0x090
#define R_QDEVICE    0x0A0
#define R_GEN	     0x0FC
#define R_CONFIG     0x100

#define F_RO	    (1ull << 5)
#define F_FLUSH	    (1ull << 9)
#define F_VERSION_1 (1ull << 32)
#define F_INDIRECT  (1ull << 28)

#define NEXT  1
#define WRITE 2
#define INDIR 4

#define NEEDS_RESET 0x40

struct memdisk {
	uint8_t *data;
	uint64_t sectors;
	bool fail;
	unsigned flushes, reads, writes;
};

static int md_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	struct memdisk *m = ctx;
	CU_ASSERT_FATAL(count > 0 && sector < m->sectors && count <= m->sectors - sector);
	CU_ASSERT_FATAL(count <= VIRTIO_BLK_BOUNCE / VDEV_SECTOR);
	if (m->fail)
		return -1;
	m->reads++;
	memcpy(buf, m->data + sector * VDEV_SECTOR, (size_t)count * VDEV_SECTOR);
	return 0;
}

static int md_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	struct memdisk *m = ctx;
	CU_ASSERT_FATAL(count > 0 && sector < m->sectors && count <= m->sectors - sector);
	if (m->fail)
		return -1;
	m->writes++;
	memcpy(m->data + sector * VDEV_SECTOR, buf, (size_t)count * VDEV_SECTOR);
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

static uint8_t *gmem;
static size_t gmem_size;

static int dma_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa > gmem_size || len > gmem_size - gpa)
		return -1;
	memcpy(buf, gmem + gpa, len);
	return 0;
}

static int dma_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	if (gpa > gmem_size || len > gmem_size - gpa)
		return -1;
	memcpy(gmem + gpa, buf, len);
	return 0;
}

static struct virtio_blk vb;
static struct vdev_mmio_bus mbus;
static struct memdisk md;
static int irq_level = -1;
static unsigned irq_rises;
static uint16_t qnum, avail_idx;

static void set_irq(void *ctx, unsigned irq, bool level)
{
	(void)ctx;
	CU_ASSERT_EQUAL(irq, GSI);
	if (level && irq_level != 1)
		irq_rises++;
	irq_level = level;
}

static void teardown(void)
{
	free(gmem);
	free(md.data);
	gmem = NULL;
	md.data = NULL;
}

/* A fresh device on a disk of `sectors` sectors (byte j of sector s is
 * s + 3j), guest memory of `mem` bytes, zeroed. */
static void setup_dev(uint64_t sectors, bool ro, size_t mem, const char *serial)
{
	teardown();
	gmem_size = mem;
	gmem = calloc(1, mem);
	memset(&md, 0, sizeof(md));
	md.sectors = sectors;
	md.data = malloc(sectors * VDEV_SECTOR);
	CU_ASSERT_FATAL(gmem && md.data);
	for (uint64_t s = 0; s < sectors; s++)
		for (unsigned j = 0; j < VDEV_SECTOR; j++)
			md.data[s * VDEV_SECTOR + j] = (uint8_t)(s + 3 * j);
	struct virtio_blk_config cfg = {
		.base = VBASE,
		.irq = GSI,
		.irq_sink = { set_irq, NULL },
		.dma = { NULL, dma_read, dma_write },
		.disk = { &md, sectors, ro, md_read, md_write, md_flush },
		.serial = serial,
	};
	vdev_mmio_init(&mbus);
	virtio_blk_init(&vb, &cfg);
	CU_ASSERT_EQUAL_FATAL(virtio_blk_attach(&vb, &mbus), 0);
	irq_level = -1;
	irq_rises = 0;
}

static uint32_t rd(uint64_t off)
{
	uint64_t v;
	CU_ASSERT_TRUE(vdev_mmio_read(&mbus, VBASE + off, 4, &v, 0));
	return (uint32_t)v;
}

static uint64_t rdn(uint64_t off, unsigned size)
{
	uint64_t v;
	CU_ASSERT_TRUE(vdev_mmio_read(&mbus, VBASE + off, size, &v, 0));
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	CU_ASSERT_TRUE(vdev_mmio_write(&mbus, VBASE + off, 4, v, 0));
}

static void put(uint64_t gpa, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gmem[gpa + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(uint64_t gpa, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | gmem[gpa + i];
	return v;
}

/* §3.1.1 steps 1-6: returns the status read back after FEATURES_OK. */
static uint32_t negotiate(uint64_t features)
{
	wr(R_STATUS, 0);
	wr(R_STATUS, 1);
	wr(R_STATUS, 1 | 2);
	wr(R_DRVFEATSEL, 0);
	wr(R_DRVFEAT, (uint32_t)features);
	wr(R_DRVFEATSEL, 1);
	wr(R_DRVFEAT, (uint32_t)(features >> 32));
	wr(R_STATUS, 1 | 2 | 8);
	return rd(R_STATUS);
}

static void queue_at(uint16_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(R_QSEL, 0);
	wr(R_QNUM, num);
	wr(R_QDESC, (uint32_t)desc);
	wr(R_QDESC + 4, (uint32_t)(desc >> 32));
	wr(R_QDRIVER, (uint32_t)avail);
	wr(R_QDRIVER + 4, (uint32_t)(avail >> 32));
	wr(R_QDEVICE, (uint32_t)used);
	wr(R_QDEVICE + 4, (uint32_t)(used >> 32));
	wr(R_QREADY, 1);
	qnum = num;
	avail_idx = 0;
}

/* The whole of §3.1.1 with a queue of num entries at the usual place. */
static void start(uint16_t num)
{
	memset(gmem + DESC, 0, STATS + 0x1000 - DESC);
	CU_ASSERT_EQUAL_FATAL(negotiate(F_VERSION_1 | F_FLUSH), 0xB);
	queue_at(num, DESC, AVAIL, USED);
	wr(R_STATUS, 0xF);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put(DESC + 16 * i, addr, 8);
	put(DESC + 16 * i + 8, len, 4);
	put(DESC + 16 * i + 12, flags, 2);
	put(DESC + 16 * i + 14, next, 2);
}

static void push(uint16_t head)
{
	put(AVAIL + 4 + 2 * (avail_idx % qnum), head, 2);
	avail_idx++;
	put(AVAIL + 2, avail_idx, 2);
}

static void notify(void)
{
	wr(R_NOTIFY, 0);
}

static uint16_t used_idx(void)
{
	return (uint16_t)get(USED + 2, 2);
}

static uint32_t used_id(unsigned i)
{
	return (uint32_t)get(USED + 4 + 8 * (i % qnum), 4);
}

static uint32_t used_len(unsigned i)
{
	return (uint32_t)get(USED + 8 + 8 * (i % qnum), 4);
}

static void header(unsigned slot, uint32_t type, uint64_t sector)
{
	put(HDRS + 16 * slot, type, 4);
	put(HDRS + 16 * slot + 4, 0, 4);
	put(HDRS + 16 * slot + 8, sector, 8);
}

/*
 * The usual request at descriptors d, d+1, d+2: header (slot d), data at
 * gpa data of len bytes (device-writable for IN and GET_ID; omitted if
 * len is 0), status byte at STATS + d. Pushes it; returns the head.
 */
static uint16_t req(unsigned d, uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
	bool in = type == 0 || type == 8;
	header(d, type, sector);
	gmem[STATS + d] = 0xEE;
	if (len) {
		desc(d, HDRS + 16 * d, 16, NEXT, (uint16_t)(d + 1));
		desc(d + 1, data, len, (uint16_t)(NEXT | (in ? WRITE : 0)), (uint16_t)(d + 2));
		desc(d + 2, STATS + d, 1, WRITE, 0);
	} else {
		desc(d, HDRS + 16 * d, 16, NEXT, (uint16_t)(d + 1));
		desc(d + 1, STATS + d, 1, WRITE, 0);
	}
	push((uint16_t)d);
	return (uint16_t)d;
}

static uint8_t status_of(unsigned d)
{
	return gmem[STATS + d];
}

static bool disk_is(uint64_t sector, const uint8_t *p, size_t len)
{
	return memcmp(md.data + sector * VDEV_SECTOR, p, len) == 0;
}

static void test_registers(void)
{
	setup_dev(2048, false, GMEM, "serial");
	CU_ASSERT_EQUAL(rd(R_MAGIC), 0x74726976);
	CU_ASSERT_EQUAL(rd(R_VERSION), 2);
	CU_ASSERT_EQUAL(rd(R_DEVID), 2);
	CU_ASSERT_EQUAL(rd(R_VENDOR), 0x554D4551);
	wr(R_DEVFEATSEL, 0);
	CU_ASSERT_EQUAL(rd(R_DEVFEAT), (1u << 2) | (1u << 6) | (1u << 9));
	wr(R_DEVFEATSEL, 1);
	CU_ASSERT_EQUAL(rd(R_DEVFEAT), 1); /* VERSION_1 */
	wr(R_DEVFEATSEL, 2);
	CU_ASSERT_EQUAL(rd(R_DEVFEAT), 0);
	CU_ASSERT_EQUAL(rd(R_QNUMMAX), 256);
	CU_ASSERT_EQUAL(rd(R_QREADY), 0);
	CU_ASSERT_EQUAL(rd(R_STATUS), 0);
	CU_ASSERT_EQUAL(rd(R_ISR), 0);
	CU_ASSERT_EQUAL(rd(R_GEN), 0);
	/* Only queue 0 exists. */
	wr(R_QSEL, 1);
	CU_ASSERT_EQUAL(rd(R_QNUMMAX), 0);
	wr(R_QNUM, 8);
	wr(R_QREADY, 1);
	CU_ASSERT_EQUAL(rd(R_QREADY), 0);
	CU_ASSERT_EQUAL(vb.q_num, 0);
	wr(R_QSEL, 0);

	/* Configuration space: capacity (8-, 4-byte), seg_max, blk_size. */
	CU_ASSERT_EQUAL(rdn(R_CONFIG, 8), 2048);
	CU_ASSERT_EQUAL(rdn(R_CONFIG, 4), 2048);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 4, 4), 0);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0x0C, 4), 254);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0x14, 4), 512);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0x14, 2), 512);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0x15, 1), 2);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0x01, 1), 8);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0x02, 4), 0); /* misaligned */
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0x01, 2), 0);
	CU_ASSERT_EQUAL(rdn(R_CONFIG + 0xF8, 8), 0); /* past the fields */
	vdev_mmio_write(&mbus, VBASE + R_CONFIG, 4, 7, 0);
	CU_ASSERT_EQUAL(rdn(R_CONFIG, 8), 2048); /* read-only */

	/* Registers take aligned 32-bit accesses only. */
	CU_ASSERT_EQUAL(rdn(R_MAGIC, 2), 0);
	CU_ASSERT_EQUAL(rdn(R_MAGIC, 1), 0);
	CU_ASSERT_EQUAL(rdn(R_MAGIC, 8), 0);
	CU_ASSERT_EQUAL(rdn(R_MAGIC + 1, 4), 0);
	vdev_mmio_write(&mbus, VBASE + R_STATUS, 1, 1, 0);
	vdev_mmio_write(&mbus, VBASE + R_STATUS, 2, 1, 0);
	vdev_mmio_write(&mbus, VBASE + R_STATUS, 8, 1, 0);
	vdev_mmio_write(&mbus, VBASE + R_STATUS + 2, 4, 1, 0);
	CU_ASSERT_EQUAL(rd(R_STATUS), 0);
	/* Write-only registers read 0. */
	wr(R_QNUM, 16);
	CU_ASSERT_EQUAL(rd(R_QNUM), 0);
	CU_ASSERT_EQUAL(rd(R_NOTIFY), 0);

	/* The window cannot be claimed twice. */
	CU_ASSERT_EQUAL(virtio_blk_attach(&vb, &mbus), -1);

	/* A read-only disk offers VIRTIO_BLK_F_RO. */
	setup_dev(16, true, GMEM, NULL);
	CU_ASSERT_EQUAL(rd(R_DEVFEAT), (1u << 2) | (1u << 5) | (1u << 6) | (1u << 9));
	teardown();
}

static void test_handshake(void)
{
	setup_dev(2048, false, GMEM, "s");
	/* No VERSION_1: FEATURES_OK does not stick. */
	CU_ASSERT_EQUAL(negotiate(F_FLUSH), 0x3);
	/* A feature not offered (indirect descriptors; RO on a writable
	 * disk): refused too. */
	CU_ASSERT_EQUAL(negotiate(F_VERSION_1 | F_INDIRECT), 0x3);
	CU_ASSERT_EQUAL(negotiate(F_VERSION_1 | F_RO), 0x3);
	CU_ASSERT_EQUAL(negotiate(F_VERSION_1 | (1ull << 40)), 0x3);
	/* Requests are not taken while FEATURES_OK is missing, even with
	 * DRIVER_OK (a legacy-style driver). */
	queue_at(8, DESC, AVAIL, USED);
	wr(R_STATUS, 0x7);
	req(0, 0, 0, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 0);
	CU_ASSERT_EQUAL(md.reads, 0);
	/* VERSION_1 alone is enough. */
	CU_ASSERT_EQUAL(negotiate(F_VERSION_1), 0xB);
	/* Once FEATURES_OK is set, DriverFeatures is frozen. */
	wr(R_DRVFEATSEL, 0);
	wr(R_DRVFEAT, 0xFFFFFFFF);
	CU_ASSERT_EQUAL(vb.drv_features, F_VERSION_1);
	/* Notifications before DRIVER_OK are ignored (§3.1.1) and the
	 * requests are taken at the first one after it. */
	queue_at(8, DESC, AVAIL, USED);
	req(0, 0, 5, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 0);
	CU_ASSERT_EQUAL(rd(R_ISR), 0);
	wr(R_STATUS, 0xF);
	CU_ASSERT_EQUAL(rd(R_STATUS), 0xF);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 1);
	CU_ASSERT_EQUAL(status_of(0), 0);
	CU_ASSERT_TRUE(disk_is(5, gmem + DATA, 512));
	/* Queue registers are frozen while the queue is ready. */
	wr(R_QNUM, 4);
	wr(R_QDESC, 0x9000);
	CU_ASSERT_EQUAL(vb.q_num, 8);
	CU_ASSERT_EQUAL(vb.q_desc, DESC);
	CU_ASSERT_EQUAL(rd(R_QREADY), 1);
	teardown();
}

static void test_read_write(void)
{
	uint8_t pat[3 * VDEV_SECTOR];
	setup_dev(2048, false, GMEM, "s");
	start(256);
	for (unsigned i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 13 + 1);
	memcpy(gmem + DATA, pat, sizeof(pat));

	uint16_t h = req(0, 1, 10, DATA, sizeof(pat));
	notify();
	CU_ASSERT_EQUAL(used_idx(), 1);
	CU_ASSERT_EQUAL(used_id(0), h);
	CU_ASSERT_EQUAL(used_len(0), 1); /* only the status byte written */
	CU_ASSERT_EQUAL(status_of(0), 0);
	CU_ASSERT_TRUE(disk_is(10, pat, sizeof(pat)));
	CU_ASSERT_EQUAL(md.writes, 1);
	/* Used buffer interrupt: level, until acknowledged. */
	CU_ASSERT_EQUAL(rd(R_ISR), 1);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(rd(R_ISR), 1); /* reading does not clear */
	wr(R_ACK, 1);
	CU_ASSERT_EQUAL(rd(R_ISR), 0);
	CU_ASSERT_EQUAL(irq_level, 0);

	/* Read it back elsewhere. */
	memset(gmem + DATA + 0x10000, 0, sizeof(pat));
	h = req(3, 0, 10, DATA + 0x10000, sizeof(pat));
	notify();
	CU_ASSERT_EQUAL(used_idx(), 2);
	CU_ASSERT_EQUAL(used_id(1), h);
	CU_ASSERT_EQUAL(used_len(1), sizeof(pat) + 1);
	CU_ASSERT_EQUAL(status_of(3), 0);
	CU_ASSERT_EQUAL(memcmp(gmem + DATA + 0x10000, pat, sizeof(pat)), 0);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(irq_rises, 2);
	/* A second completion while unacknowledged keeps the line up. */
	req(6, 0, 0, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(irq_rises, 2);
	CU_ASSERT_EQUAL(irq_level, 1);
	wr(R_ACK, 0); /* acknowledging nothing changes nothing */
	CU_ASSERT_EQUAL(irq_level, 1);
	wr(R_ACK, 1);
	CU_ASSERT_EQUAL(irq_level, 0);
	/* The last sector and a zero-length read are fine. */
	req(9, 0, 2047, DATA, 512);
	req(12, 0, 2048, 0, 0);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 5);
	CU_ASSERT_EQUAL(status_of(9), 0);
	CU_ASSERT_EQUAL(status_of(12), 0);
	CU_ASSERT_EQUAL(used_len(4), 1);
	teardown();
}

static void test_flush_get_id(void)
{
	setup_dev(64, false, GMEM, "0123456789abcdefghijKLMN");
	start(16);
	req(0, 4, 12345, 0, 0); /* FLUSH: the sector is ignored */
	notify();
	CU_ASSERT_EQUAL(status_of(0), 0);
	CU_ASSERT_EQUAL(md.flushes, 1);
	md.fail = true;
	req(3, 4, 0, 0, 0);
	notify();
	CU_ASSERT_EQUAL(status_of(3), 1);
	md.fail = false;

	/* GET_ID: 20 bytes, truncated serial. */
	memset(gmem + DATA, 0xAA, 64);
	req(6, 8, 0, DATA, 20);
	notify();
	CU_ASSERT_EQUAL(status_of(6), 0);
	CU_ASSERT_EQUAL(used_len(2), 21);
	CU_ASSERT_EQUAL(memcmp(gmem + DATA, "0123456789abcdefghij", 20), 0);
	CU_ASSERT_EQUAL(gmem[DATA + 20], 0xAA);
	/* A smaller buffer gets a prefix; nothing past it is touched. */
	memset(gmem + DATA, 0xAA, 64);
	req(9, 8, 0, DATA, 7);
	notify();
	CU_ASSERT_EQUAL(status_of(9), 0);
	CU_ASSERT_EQUAL(used_len(3), 8);
	CU_ASSERT_EQUAL(memcmp(gmem + DATA, "0123456", 7), 0);
	CU_ASSERT_EQUAL(gmem[DATA + 7], 0xAA);
	/* Unknown types: UNSUPP. */
	req(12, 2, 0, 0, 0);
	req(0, 11, 0, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(status_of(12), 2);
	CU_ASSERT_EQUAL(status_of(0), 2);
	CU_ASSERT_EQUAL(md.reads + md.writes, 0);

	/* A short serial is NUL-padded. */
	setup_dev(64, false, GMEM, "short");
	start(16);
	memset(gmem + DATA, 0xAA, 64);
	req(0, 8, 0, DATA, 20);
	notify();
	CU_ASSERT_EQUAL(memcmp(gmem + DATA, "short\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20), 0);
	teardown();
}

static void test_no_interrupt_and_reset(void)
{
	setup_dev(256, false, GMEM, "s");
	start(8);
	put(AVAIL, 1, 2); /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	req(0, 0, 1, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 1);
	CU_ASSERT_EQUAL(rd(R_ISR), 0);
	CU_ASSERT_NOT_EQUAL(irq_level, 1);
	put(AVAIL, 0, 2);
	req(3, 0, 1, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(irq_level, 1);

	/* Status 0 resets: everything back, line down. */
	wr(R_STATUS, 0);
	CU_ASSERT_EQUAL(rd(R_STATUS), 0);
	CU_ASSERT_EQUAL(rd(R_ISR), 0);
	CU_ASSERT_EQUAL(irq_level, 0);
	CU_ASSERT_EQUAL(rd(R_QREADY), 0);
	CU_ASSERT_EQUAL(vb.drv_features, 0);
	CU_ASSERT_EQUAL(vb.q_num, 0);
	notify(); /* nothing happens */
	/* A new driver starts over with fresh rings. */
	start(8);
	req(0, 0, 2, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 1);
	CU_ASSERT_EQUAL(used_id(0), 0);
	CU_ASSERT_TRUE(disk_is(2, gmem + DATA, 512));
	teardown();
}

/* Several requests in one notification, in unusual framings. */
static void test_framing_and_batches(void)
{
	setup_dev(2048, false, GMEM, "s");
	start(256);
	/* 1: header split 7 + 9 bytes, a zero-length descriptor, data split
	 * 100 + 924 bytes (device-writable), status alone. */
	header(40, 0, 100);
	desc(40, HDRS + 16 * 40, 7, NEXT, 41);
	desc(41, HDRS + 16 * 40 + 7, 9, NEXT, 42);
	desc(42, DATA, 0, NEXT, 43);
	desc(43, DATA, 100, NEXT | WRITE, 44);
	desc(44, DATA + 0x1000, 924, NEXT | WRITE, 45);
	desc(45, STATS + 40, 1, WRITE, 0);
	push(40);
	/* 2: a read whose data and status share one descriptor (513 bytes). */
	header(50, 0, 7);
	desc(50, HDRS + 16 * 50, 16, NEXT, 51);
	desc(51, DATA + 0x2000, 513, WRITE, 0);
	push(50);
	/* 3: a write whose header and data share one descriptor (header
	 * slots 100-133). */
	header(100, 1, 300);
	for (unsigned i = 0; i < 512; i++)
		gmem[HDRS + 16 * 100 + 16 + i] = (uint8_t)(i ^ 0x5A);
	desc(60, HDRS + 16 * 100, 16 + 512, NEXT, 61);
	desc(61, STATS + 60, 1, WRITE, 0);
	push(60);
	/* 4: a 200 KiB write over descriptors whose boundaries do not fall
	 * on the 64 KiB bounce boundaries; then read it back the same way. */
	const uint32_t big = 400 * VDEV_SECTOR;
	for (uint32_t i = 0; i < big; i++)
		gmem[DATA + 0x4000 + i] = (uint8_t)(i * 7 + i / 512);
	header(70, 1, 1000);
	desc(70, HDRS + 16 * 70, 16, NEXT, 71);
	desc(71, DATA + 0x4000, 70001, NEXT, 72);
	desc(72, DATA + 0x4000 + 70001, 3, NEXT, 73);
	desc(73, DATA + 0x4000 + 70004, big - 70004, NEXT, 74);
	desc(74, STATS + 70, 1, WRITE, 0);
	push(70);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 4);
	CU_ASSERT_EQUAL(used_id(0), 40);
	CU_ASSERT_EQUAL(used_id(1), 50);
	CU_ASSERT_EQUAL(used_id(2), 60);
	CU_ASSERT_EQUAL(used_id(3), 70);
	CU_ASSERT_EQUAL(used_len(0), 1025);
	CU_ASSERT_EQUAL(used_len(1), 513);
	CU_ASSERT_EQUAL(used_len(2), 1);
	CU_ASSERT_EQUAL(used_len(3), 1);
	CU_ASSERT_EQUAL(status_of(40), 0);
	CU_ASSERT_EQUAL(gmem[DATA + 0x2000 + 512], 0);
	CU_ASSERT_EQUAL(status_of(60), 0);
	CU_ASSERT_EQUAL(status_of(70), 0);
	CU_ASSERT_TRUE(disk_is(100, gmem + DATA, 100));
	CU_ASSERT_TRUE(disk_is(100, gmem + DATA, 100));
	CU_ASSERT_EQUAL(memcmp(md.data + 100 * VDEV_SECTOR + 100, gmem + DATA + 0x1000, 924), 0);
	CU_ASSERT_TRUE(disk_is(7, gmem + DATA + 0x2000, 512));
	CU_ASSERT_TRUE(disk_is(300, gmem + HDRS + 16 * 100 + 16, 512));
	CU_ASSERT_TRUE(disk_is(1000, gmem + DATA + 0x4000, big));
	CU_ASSERT_EQUAL(irq_rises, 1); /* one interrupt for the batch */

	/* Read the 200 KiB back through three other descriptors. */
	memset(gmem + DATA + 0x4000, 0, big);
	header(80, 0, 1000);
	desc(80, HDRS + 16 * 80, 16, NEXT, 81);
	desc(81, DATA + 0x4000, 65535, NEXT | WRITE, 82);
	desc(82, DATA + 0x4000 + 65535, big - 65535, NEXT | WRITE, 83);
	desc(83, STATS + 80, 1, WRITE, 0);
	push(80);
	notify();
	CU_ASSERT_EQUAL(status_of(80), 0);
	CU_ASSERT_EQUAL(used_len(4), big + 1);
	CU_ASSERT_TRUE(disk_is(1000, gmem + DATA + 0x4000, big));
	teardown();
}

/* Bad requests in well-formed chains: IOERR, nothing moved. */
static void test_bad_requests(void)
{
	setup_dev(2048, false, GMEM, "s");
	start(64);
	unsigned n = 0;
	/* Header of 12 bytes. */
	req(0, 0, 0, DATA, 512);
	desc(0, HDRS, 12, NEXT, 1);
	/* Data not a multiple of 512. */
	req(3, 0, 0, DATA, 511);
	req(6, 1, 0, DATA, 1000);
	/* Past the end; the sector arithmetic overflowing. */
	req(9, 0, 2047, DATA, 1024);
	req(12, 1, 2048, DATA, 512);
	req(15, 0, UINT64_MAX, DATA, 512);
	req(18, 1, UINT64_MAX - 1, DATA, 1024);
	/* Data outside guest RAM (IN and OUT), and straddling its end. */
	req(21, 0, 0, GMEM, 512);
	req(24, 1, 0, GMEM + 0x100000, 512);
	req(27, 0, 0, GMEM - 256, 512);
	req(30, 1, 0, UINT64_MAX - 255, 512);
	/* A readable descriptor after a writable one. */
	req(33, 0, 0, DATA, 512);
	desc(34, DATA, 512, NEXT | WRITE, 35);
	desc(35, DATA + 512, 16, NEXT, 36);
	desc(36, STATS + 33, 1, WRITE, 0);
	n = 12;
	notify();
	CU_ASSERT_EQUAL(used_idx(), n);
	static const unsigned slots[] = { 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33 };
	for (unsigned i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(status_of(slots[i]), 1);
		CU_ASSERT_EQUAL(used_id(i), slots[i]);
	}
	CU_ASSERT_EQUAL(md.writes, 0);
	CU_ASSERT_EQUAL(md.reads, 2); /* the two INs whose buffers failed */
	CU_ASSERT_EQUAL(rd(R_STATUS) & NEEDS_RESET, 0);

	/* Backend errors. */
	md.fail = true;
	req(40, 0, 0, DATA, 512);
	req(43, 1, 0, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(status_of(40), 1);
	CU_ASSERT_EQUAL(status_of(43), 1);
	md.fail = false;

	/* An OUT with no data and a 513-byte writable buffer: a write of
	 * nothing, the status in the buffer's last byte, the rest intact. */
	memset(gmem + DATA, 0x33, 513);
	header(50, 1, 0);
	desc(50, HDRS + 16 * 50, 16, NEXT, 51);
	desc(51, DATA, 513, WRITE, 0);
	push(50);
	notify();
	CU_ASSERT_EQUAL(gmem[DATA + 512], 0);
	CU_ASSERT_EQUAL(gmem[DATA + 511], 0x33);
	CU_ASSERT_EQUAL(used_len(14), 1);
	CU_ASSERT_EQUAL(md.writes, 0);
	teardown();

	/* A read-only disk: writes IOERR, disk untouched; reads fine. */
	setup_dev(64, true, GMEM, "s");
	CU_ASSERT_EQUAL(negotiate(F_VERSION_1 | F_RO), 0xB);
	queue_at(16, DESC, AVAIL, USED);
	wr(R_STATUS, 0xF);
	memset(gmem + DATA, 0x77, 512);
	req(0, 1, 3, DATA, 512);
	req(3, 0, 3, DATA + 512, 512);
	notify();
	CU_ASSERT_EQUAL(status_of(0), 1);
	CU_ASSERT_EQUAL(status_of(3), 0);
	CU_ASSERT_EQUAL(md.writes, 0);
	CU_ASSERT_NOT_EQUAL(md.data[3 * VDEV_SECTOR], 0x77);
	teardown();
}

/* Queue-level faults: DEVICE_NEEDS_RESET, a config interrupt, nothing
 * more taken until reset. Each case sets the fault up after start(). */
static void expect_needs_reset(const char *what)
{
	uint16_t before = used_idx();
	notify();
	CU_ASSERT_EQUAL(rd(R_STATUS) & NEEDS_RESET, NEEDS_RESET);
	CU_ASSERT_EQUAL(rd(R_ISR) & 2, 2);
	CU_ASSERT_EQUAL(irq_level, 1);
	if ((rd(R_STATUS) & NEEDS_RESET) == 0) /* name the case that failed */
		CU_assertImplementation(CU_FALSE, __LINE__, what, __FILE__, "", CU_FALSE);
	CU_ASSERT_EQUAL(used_idx(), before);
	/* Stays stopped: a good request now is not taken. */
	req(8, 0, 0, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(used_idx(), before);
	/* Writing status back does not clear it; reset does. */
	wr(R_STATUS, rd(R_STATUS) & ~NEEDS_RESET);
	CU_ASSERT_EQUAL(rd(R_STATUS) & NEEDS_RESET, NEEDS_RESET);
	wr(R_ACK, 2);
	CU_ASSERT_EQUAL(irq_level, 0);
	wr(R_STATUS, 0);
	CU_ASSERT_EQUAL(rd(R_STATUS), 0);
	start(16);
	req(0, 0, 0, DATA, 512);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 1);
	CU_ASSERT_EQUAL(status_of(0), 0);
}

static void test_bad_queues(void)
{
	setup_dev(64, false, GMEM, "s");

	start(16); /* head index >= queue size */
	req(0, 0, 0, DATA, 512);
	put(AVAIL + 4, 16, 2);
	expect_needs_reset("head >= num");

	start(16); /* next index >= queue size */
	req(0, 0, 0, DATA, 512);
	desc(1, DATA, 512, NEXT | WRITE, 300);
	expect_needs_reset("next >= num");

	start(16); /* a loop */
	req(0, 0, 0, DATA, 512);
	desc(2, STATS, 1, NEXT | WRITE, 0);
	expect_needs_reset("loop");

	start(16); /* a self loop on one descriptor */
	desc(5, DATA, 512, NEXT | WRITE, 5);
	push(5);
	expect_needs_reset("self loop");

	start(16); /* an indirect descriptor (not offered) */
	req(0, 0, 0, DATA, 512);
	desc(1, DATA, 32, NEXT | INDIR, 2);
	expect_needs_reset("indirect");

	start(16); /* no device-writable byte: no status buffer */
	header(0, 1, 0);
	desc(0, HDRS, 16, NEXT, 1);
	desc(1, DATA, 512, 0, 0);
	push(0);
	expect_needs_reset("no status");

	start(16); /* status descriptor not writable */
	req(0, 4, 0, 0, 0);
	desc(1, STATS, 1, 0, 0);
	expect_needs_reset("status read-only");

	start(16); /* status only in zero-length writable descriptors */
	req(0, 4, 0, 0, 0);
	desc(1, STATS, 0, WRITE, 0);
	expect_needs_reset("status zero-length");

	start(16); /* status byte outside guest RAM */
	req(0, 0, 0, DATA, 512);
	desc(2, GMEM, 1, WRITE, 0);
	expect_needs_reset("status outside RAM");

	start(16); /* descriptor table outside RAM */
	req(0, 0, 0, DATA, 512);
	wr(R_QREADY, 0);
	wr(R_QDESC, GMEM - 16 * 8);
	wr(R_QREADY, 1);
	avail_idx = 0;
	push(0); /* head 8: past the end of RAM */
	put(AVAIL + 4, 8, 2);
	expect_needs_reset("desc outside RAM");

	/* Bad queue sizes, misaligned and out-of-RAM or wrapping rings. */
	static const struct {
		uint32_t num;
		uint64_t desc, avail, used;
		const char *what;
	} q[] = {
		{ 3, DESC, AVAIL, USED, "num 3" },
		{ 0, DESC, AVAIL, USED, "num 0" },
		{ 512, DESC, AVAIL, USED, "num 512" },
		{ 0x10000, DESC, AVAIL, USED, "num 65536" },
		{ 16, DESC + 8, AVAIL, USED, "desc misaligned" },
		{ 16, DESC, AVAIL + 1, USED, "avail misaligned" },
		{ 16, DESC, AVAIL, USED + 2, "used misaligned" },
		{ 16, DESC, GMEM, USED, "avail outside RAM" },
		{ 16, DESC, AVAIL, GMEM - 64, "used outside RAM" },
		{ 16, DESC, AVAIL, 1ull << 40, "used far outside RAM" },
		{ 16, 0xFFFFFFFFFFFFFF00ull, AVAIL, USED, "desc wraps" },
		{ 16, DESC, 0xFFFFFFFFFFFFFFF0ull, USED, "avail wraps" },
	};
	for (unsigned i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		wr(R_STATUS, 0);
		memset(gmem + DESC, 0, STATS + 0x1000 - DESC);
		CU_ASSERT_EQUAL(negotiate(F_VERSION_1), 0xB);
		queue_at(16, 0, 0, 0);
		wr(R_QREADY, 0);
		wr(R_QNUM, q[i].num);
		wr(R_QDESC, (uint32_t)q[i].desc);
		wr(R_QDESC + 4, (uint32_t)(q[i].desc >> 32));
		wr(R_QDRIVER, (uint32_t)q[i].avail);
		wr(R_QDRIVER + 4, (uint32_t)(q[i].avail >> 32));
		wr(R_QDEVICE, (uint32_t)q[i].used);
		wr(R_QDEVICE + 4, (uint32_t)(q[i].used >> 32));
		wr(R_QREADY, 1);
		wr(R_STATUS, 0xF);
		qnum = 16;
		avail_idx = 0;
		/* A request that would be valid in a sane queue. */
		req(0, 0, 0, DATA, 512);
		expect_needs_reset(q[i].what);
	}

	/* The available index running ahead by more than the queue size. */
	start(16);
	req(0, 0, 0, DATA, 512);
	put(AVAIL + 2, 17, 2);
	expect_needs_reset("avail idx + 17");
	start(16);
	put(AVAIL + 2, 0x8000, 2);
	expect_needs_reset("avail idx + 0x8000");
	/* By exactly the queue size is legal: 16 requests. */
	start(16);
	for (unsigned i = 0; i < 16; i++)
		req(i % 5 * 3, 4, 0, 0, 0);
	notify();
	CU_ASSERT_EQUAL(used_idx(), 16);
	CU_ASSERT_EQUAL(rd(R_STATUS), 0xF);
	/* Wrap of the 16-bit indices. */
	for (unsigned round = 0; round < 5000; round++) {
		req(0, 4, 0, 0, 0);
		req(3, 4, 0, 0, 0);
		notify();
	}
	CU_ASSERT_EQUAL(used_idx(), (uint16_t)(16 + 10000));
	CU_ASSERT_EQUAL(rd(R_STATUS), 0xF);
	CU_ASSERT_EQUAL(md.flushes, 16 + 10000);
	teardown();
}

/* ---------------------------------------------------------------- fuzz */

#define FUZZ_MEM (128 * 1024)

static uint64_t rng = 0x7B1C0DE5EEDF00DULL;

static uint64_t rnd(uint64_t n)
{
	return unit_rand(&rng) % n;
}

static uint64_t fuzz_addr(void)
{
	switch (rnd(10)) {
	case 0:
		return HDRS + 16 * rnd(256);
	case 1:
		return FUZZ_MEM - rnd(1024);
	case 2:
		return unit_rand(&rng);
	case 3:
		return STATS + rnd(256);
	default:
		return DATA + rnd(FUZZ_MEM - DATA);
	}
}

static uint32_t fuzz_len(void)
{
	switch (rnd(10)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return (uint32_t)unit_rand(&rng);
	case 3:
	case 4:
		return 16;
	case 5:
		return (uint32_t)rnd(70000);
	default:
		return (uint32_t)(512 * (1 + rnd(8)));
	}
}

/* A well-formed request of the given type on distinct descriptors (as
 * far as the queue has room), its header in a random slot: returns the
 * head. */
static uint16_t fuzz_chain(uint32_t type)
{
	bool in = type == 0 || type == 8;
	unsigned slot = (unsigned)rnd(256), ndata = (unsigned)rnd(4);
	unsigned at = (unsigned)rnd(qnum), stride = (unsigned)(2 * rnd(qnum) + 1);
	uint16_t head = (uint16_t)at;

	header(slot, type, rnd(8) ? rnd(1024) : unit_rand(&rng));
	for (unsigned j = 0; j < ndata + 2; j++) {
		unsigned next = (at + stride) % qnum;
		if (j == 0)
			desc(at, HDRS + 16 * slot, 16, NEXT, (uint16_t)next);
		else if (j <= ndata)
			desc(at, DATA + rnd(FUZZ_MEM - DATA - 4096),
			     (uint32_t)(VDEV_SECTOR * (rnd(8) ? 1 + rnd(8) : 0)),
			     (uint16_t)(NEXT | (in ? WRITE : 0)), (uint16_t)next);
		else
			desc(at, STATS + slot, 1, WRITE, 0);
		at = next;
	}
	return head;
}

static int allowed[FUZZ_MEM + 1];

static void test_fuzz(void)
{
	static uint8_t snap[FUZZ_MEM];
	static const uint32_t types[] = { 0, 1, 4, 8, 0, 1, 2, 0xFFFFFFFF };
	static const uint32_t pokes[] = { R_DEVFEATSEL, R_DRVFEAT, R_DRVFEATSEL, R_QSEL,
					  R_QNUM,	R_QREADY,  R_ACK,	 R_STATUS };
	setup_dev(1024, false, FUZZ_MEM, "fuzz");
	unsigned processed = 0, resets = 0;

	for (int iter = 0; iter < 3000; iter++) {
		if ((vb.status & NEEDS_RESET) || rnd(40) == 0 || iter == 0) {
			if (vb.status & NEEDS_RESET)
				resets++;
			start((uint16_t)(1u << rnd(9)));
		}
		/* Random headers, mostly plausible. */
		for (unsigned s = 0; s < 256; s++)
			header(s, types[rnd(8)], rnd(4) ? rnd(1100) : unit_rand(&rng));
		/* A random descriptor table. */
		for (unsigned i = 0; i < qnum; i++) {
			uint16_t flags = (uint16_t)((rnd(10) < 6 ? NEXT : 0) |
						    (rnd(2) ? WRITE : 0) | (rnd(50) ? 0 : INDIR));
			uint16_t next = (uint16_t)(rnd(20) ? rnd(qnum) : rnd(0x10000));
			desc(i, fuzz_addr(), fuzz_len(), flags, next);
		}
		/* Some requests: mostly well-formed chains, a quarter of them
		 * with one field spoilt; sometimes a wild head. */
		unsigned k = (unsigned)rnd(5);
		for (unsigned j = 0; j < k; j++) {
			if (rnd(4) == 0) {
				push((uint16_t)(rnd(20) ? rnd(qnum) : rnd(0x10000)));
				continue;
			}
			push(fuzz_chain(types[rnd(8)]));
			if (rnd(4) == 0) {
				uint64_t at = DESC + 16 * rnd(qnum);
				switch (rnd(4)) {
				case 0:
					put(at, fuzz_addr(), 8);
					break;
				case 1:
					put(at + 8, fuzz_len(), 4);
					break;
				case 2:
					put(at + 12, rnd(8), 2);
					break;
				default:
					put(at + 14, rnd(qnum + 1), 2);
					break;
				}
			}
		}
		if (rnd(30) == 0)
			put(AVAIL + 2, rnd(0x10000), 2);
		put(AVAIL, rnd(4) == 0, 2);
		/* Now and then a random write to a register that does not
		 * move the rings away from where this test checks them. */
		if (rnd(50) == 0)
			wr(pokes[rnd(sizeof(pokes) / sizeof(pokes[0]))], (uint32_t)unit_rand(&rng));

		/* What the device may write: device-writable buffers and the
		 * used ring. */
		memset(allowed, 0, sizeof(allowed));
		for (unsigned i = 0; i < VIRTIO_BLK_QUEUE_MAX; i++) {
			uint64_t a = get(DESC + 16 * i, 8), l = get(DESC + 16 * i + 8, 4);
			if (!(get(DESC + 16 * i + 12, 2) & WRITE) || a >= FUZZ_MEM)
				continue;
			uint64_t e = l > FUZZ_MEM - a ? FUZZ_MEM : a + l;
			allowed[a]++;
			allowed[e]--;
		}
		allowed[USED]++;
		allowed[USED + 6 + 8 * VIRTIO_BLK_QUEUE_MAX]--;
		memcpy(snap, gmem, FUZZ_MEM);
		uint16_t before = used_idx();
		notify();
		processed += (uint16_t)(used_idx() - before);
		int cover = 0;
		for (unsigned b = 0; b < FUZZ_MEM; b++) {
			cover += allowed[b];
			if (gmem[b] != snap[b] && cover <= 0)
				CU_FAIL_FATAL("device wrote outside the request's buffers");
		}
		CU_ASSERT_FATAL(vb.chain_len <= VIRTIO_BLK_QUEUE_MAX);
		CU_ASSERT_FATAL(irq_level == -1 || irq_level == (vb.isr != 0));
		wr(R_ACK, rd(R_ISR));
	}
	/* The fuzz reached both outcomes. */
	CU_ASSERT_TRUE(processed > 100);
	CU_ASSERT_TRUE(resets > 100);
	CU_ASSERT_TRUE(md.reads > 100 && md.writes > 100 && md.flushes > 100);
	/* And the device still works. */
	wr(R_STATUS, 0);
	start(16);
	req(0, 1, 5, DATA, 512);
	req(3, 0, 5, DATA + 512, 512);
	notify();
	CU_ASSERT_EQUAL(status_of(0), 0);
	CU_ASSERT_EQUAL(status_of(3), 0);
	CU_ASSERT_EQUAL(memcmp(gmem + DATA, gmem + DATA + 512, 512), 0);
	teardown();
}

static CU_TestInfo virtio_blk_tests[] = {
	{ "MMIO registers and configuration space", test_registers },
	{ "feature/status handshake", test_handshake },
	{ "write, read, used ring, interrupt and ack", test_read_write },
	{ "flush, GET_ID, unsupported types", test_flush_get_id },
	{ "NO_INTERRUPT, reset by Status = 0", test_no_interrupt_and_reset },
	{ "descriptor framings, batches, > bounce buffer", test_framing_and_batches },
	{ "bad requests: IOERR, nothing moved", test_bad_requests },
	{ "bad queues and chains: DEVICE_NEEDS_RESET", test_bad_queues },
	{ "random descriptor fuzz", test_fuzz },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_virtio_blk, virtio_blk_tests);
