/*
 * virtio_blk - a virtio-mmio version 2 (modern) block device, driven by
 * polling (virtio 1.1 §4.2 MMIO transport, §2.6 split virtqueues, §5.2
 * block device).
 *
 * The device sits in one of the 0x200-byte windows at 0xFEB00000 +
 * 0x200 * i, i = 0..23; the guest scans them for magic "virt", version 2
 * and DeviceID 2 (QEMU's microvm puts the first device in the last slot).
 * The disk (made by the harness) has 2048 sectors (1 MiB); sector k is 32
 * records of 16 bytes, record i the text "V sec KKKKKK II\n". The guest
 * writes sectors 100-103 with tag 'v' (two data descriptors) and the
 * harness checks the image file afterwards.
 *
 * Checks: the initialisation sequence (reset, ACKNOWLEDGE, DRIVER,
 * feature negotiation with VERSION_1 (bit 32) offered and accepted,
 * FLUSH (bit 9) accepted if offered, nothing else, FEATURES_OK read
 * back, queue 0 set up (QueueReady 0 before, QueueNumMax >= 16, QueueNum
 * 16, descriptor/driver/device areas in guest RAM), DRIVER_OK); capacity
 * in config space; IN requests (one and three data descriptors), an OUT
 * request and its read-back, FLUSH, GET_ID, an unknown type (UNSUPP),
 * requests at and across the end (IOERR); each completion by polling the
 * used ring (id = head, len = bytes written for IN), then InterruptStatus
 * bit 0 set and cleared by InterruptACK; a reset at the end clears the
 * status and QueueReady. No interrupt is taken: the IRQ numbering is the
 * platform's business.
 */
#include "guest.h"
#include "virtio_mmio.h"

const char guest_name[] = "virtio_blk";

#define MMIO_BASE  0xFEB00000u
#define MMIO_SLOTS 24
#define SECTORS	   2048
#define QSIZE	   16

#define F_FLUSH	   (1u << 9) /* VIRTIO_BLK_F_FLUSH */
#define F_VERSION1 (1u << 0) /* bit 32: in the second feature word */

#define T_IN	  0
#define T_OUT	  1
#define T_FLUSH	  4
#define T_GET_ID  8
#define ST_OK	  0
#define ST_IOERR  1
#define ST_UNSUPP 2

#define D_NEXT	1
#define D_WRITE 2

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct req_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct desc) == 16, "virtq_desc");
_Static_assert(sizeof(struct req_hdr) == 16, "virtio_blk_req header");

/* The three areas, each in its own page (alignment 16, 2 and 4 needed). */
static struct desc dtab[QSIZE] __attribute__((aligned(4096)));
static struct {
	uint16_t flags, idx, ring[QSIZE], used_event;
} avail __attribute__((aligned(4096)));
static struct {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QSIZE];
	uint16_t avail_event;
} used __attribute__((aligned(4096)));
static struct req_hdr hdr;
static volatile uint8_t status_byte;
static uint8_t *const buf = (uint8_t *)0x800000; /* scratch RAM */
static uint8_t *const want = (uint8_t *)0x810000;

static uint32_t base;
static uint16_t used_seen;
static unsigned req_head; /* rotates, so heads other than 0 get used */

static uint32_t rd(uint32_t reg)
{
	return mmio_read32(base + reg);
}

static void wr(uint32_t reg, uint32_t v)
{
	mmio_write32(base + reg, v);
}

static void expect(const char *what, const uint8_t *b, char t, uint32_t lba, uint32_t n)
{
	for (uint32_t s = 0; s < n; s++, b += 512) {
		disk_sector(want, t, lba + s);
		for (int i = 0; i < 512; i++) {
			if (b[i] != want[i])
				fail("%s: sector %u byte %u is %x, expected %x", what, lba + s, i,
				     b[i], want[i]);
		}
	}
	checks++;
}

/*
 * One request: the header, nbufs data buffers (device-writable for IN and
 * GET_ID), the status byte. Returns the status; checks the used element
 * (id = head; for IN and GET_ID len = data + 1 status byte) and the
 * interrupt status/acknowledge.
 */
static uint8_t request(uint32_t type, uint64_t sector, int nbufs, uint8_t *const *bufs,
		       const uint32_t *lens, const char *what)
{
	unsigned head = req_head, d = head;
	uint32_t data = 0;
	int dev_writes = type == T_IN || type == T_GET_ID;
	req_head = (req_head + nbufs + 2) % QSIZE;
	hdr.type = type;
	hdr.reserved = 0;
	hdr.sector = sector;
	status_byte = 0xFF;
	dtab[d] = (struct desc){ (uint32_t)&hdr, sizeof(hdr), D_NEXT, (uint16_t)((d + 1) % QSIZE) };
	for (int i = 0; i < nbufs; i++) {
		d = (d + 1) % QSIZE;
		dtab[d] = (struct desc){ (uint32_t)bufs[i], lens[i],
					 (uint16_t)(D_NEXT | (dev_writes ? D_WRITE : 0)),
					 (uint16_t)((d + 1) % QSIZE) };
		data += lens[i];
	}
	d = (d + 1) % QSIZE;
	dtab[d] = (struct desc){ (uint32_t)&status_byte, 1, D_WRITE, 0 };
	avail.ring[avail.idx % QSIZE] = (uint16_t)head;
	barrier();
	avail.idx++;
	barrier();
	wr(R_QNOTIFY, 0);

	uint64_t t0 = rdtsc();
	while (*(volatile uint16_t *)&used.idx == used_seen) {
		if (rdtsc() - t0 > 20000000000ull)
			fail("%s: no used-ring entry (used idx %u)", what, used_seen);
		cpu_relax();
	}
	barrier();
	CHECK(*(volatile uint16_t *)&used.idx == (uint16_t)(used_seen + 1),
	      "%s: used idx %u, expected %u", what, used.idx, (uint16_t)(used_seen + 1));
	uint32_t id = used.ring[used_seen % QSIZE].id, len = used.ring[used_seen % QSIZE].len;
	used_seen++;
	CHECK(id == head, "%s: used id %u, expected head %u", what, id, head);
	uint8_t st = status_byte;
	/* GET_ID writes the serial up to its NUL only (QEMU: len = 21). */
	if (st == ST_OK && type == T_GET_ID)
		CHECK(len >= 1 && len <= data + 1, "%s: used len %u", what, len);
	else if (st == ST_OK)
		CHECK(len == (dev_writes ? data : 0) + 1, "%s: used len %u, expected %u", what, len,
		      (dev_writes ? data : 0) + 1);
	uint32_t isr = rd(R_ISR);
	CHECK(isr & 1, "%s: InterruptStatus %x, used-buffer bit clear", what, isr);
	wr(R_IACK, isr);
	CHECK(!(rd(R_ISR) & 1), "%s: InterruptStatus %x after InterruptACK", what, rd(R_ISR));
	return st;
}

static uint8_t rw1(uint32_t type, uint64_t sector, uint8_t *p, uint32_t len, const char *what)
{
	return request(type, sector, 1, &p, &len, what);
}

static void find_device(void)
{
	for (int i = 0; i < MMIO_SLOTS; i++) {
		uint32_t b = MMIO_BASE + 0x200u * (uint32_t)i;
		uint32_t magic = mmio_read32(b + R_MAGIC), ver = mmio_read32(b + R_VERSION);
		uint32_t id = mmio_read32(b + R_DEVID);
		if (magic != 0x74726976 || !id)
			continue;
		say("slot %u: version %u device %u vendor %x", i, ver, id,
		    mmio_read32(b + R_VENDOR));
		if (ver == 2 && id == 2 && !base)
			base = b;
	}
	CHECK(base, "no virtio-mmio version 2 block device in slots 0-%u", MMIO_SLOTS - 1);
}

static void init_device(uint32_t *feat_lo)
{
	wr(R_STATUS, 0);
	CHECK(rd(R_STATUS) == 0, "status %x after reset", rd(R_STATUS));
	wr(R_STATUS, S_ACK);
	wr(R_STATUS, S_ACK | S_DRIVER);
	CHECK(rd(R_STATUS) == (S_ACK | S_DRIVER), "status %x, expected 3", rd(R_STATUS));
	wr(R_DFEATSEL, 1);
	uint32_t hi = rd(R_DFEAT);
	wr(R_DFEATSEL, 0);
	uint32_t lo = rd(R_DFEAT);
	say("device features %x %08x", hi, lo);
	CHECK(hi & F_VERSION1, "VERSION_1 (feature bit 32) not offered");
	*feat_lo = lo & F_FLUSH;
	wr(R_GFEATSEL, 0);
	wr(R_GFEAT, *feat_lo);
	wr(R_GFEATSEL, 1);
	wr(R_GFEAT, F_VERSION1);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	CHECK(rd(R_STATUS) & S_FEATURES_OK, "FEATURES_OK not accepted (status %x)", rd(R_STATUS));

	wr(R_QSEL, 0);
	CHECK(rd(R_QREADY) == 0, "queue 0 ready before setup");
	uint32_t max = rd(R_QNUMMAX);
	CHECK(max >= QSIZE, "QueueNumMax %u < %u", max, QSIZE);
	wr(R_QNUM, QSIZE);
	wr(R_QDESCLO, (uint32_t)dtab);
	wr(R_QDESCHI, 0);
	wr(R_QDRVLO, (uint32_t)&avail);
	wr(R_QDRVHI, 0);
	wr(R_QDEVLO, (uint32_t)&used);
	wr(R_QDEVHI, 0);
	wr(R_QREADY, 1);
	CHECK(rd(R_QREADY) == 1, "QueueReady reads %u after 1", rd(R_QREADY));
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	CHECK(rd(R_STATUS) == (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK), "status %x",
	      rd(R_STATUS));
	say("queue 0: %u entries (max %u), driver features %x %08x", QSIZE, max, F_VERSION1,
	    *feat_lo);
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	uint32_t feat;
	find_device();
	init_device(&feat);

	uint32_t gen, lo, hi;
	do {
		gen = rd(R_CFGGEN);
		lo = rd(R_CONFIG);
		hi = rd(R_CONFIG + 4);
	} while (rd(R_CFGGEN) != gen);
	CHECK(hi == 0 && lo == SECTORS, "capacity %x%08x sectors, image has %u", hi, lo, SECTORS);

	uint8_t st = rw1(T_IN, 0, buf, 4 * 512, "IN 0-3");
	CHECK(st == ST_OK, "IN 0-3: status %u", st);
	expect("IN 0-3", buf, 'V', 0, 4);
	st = rw1(T_IN, SECTORS - 1, buf, 512, "IN 2047");
	CHECK(st == ST_OK, "IN 2047: status %u", st);
	expect("IN 2047", buf, 'V', SECTORS - 1, 1);

	{
		uint8_t *bufs[3] = { buf + 0x1000, buf + 0x3000, buf + 0x2000 };
		uint32_t lens[3] = { 512, 1024, 512 };
		memset(buf, 0, 0x4000);
		st = request(T_IN, 10, 3, bufs, lens, "IN 10-13, three buffers");
		CHECK(st == ST_OK, "IN 10-13: status %u", st);
		expect("IN 10 (buffer 1)", bufs[0], 'V', 10, 1);
		expect("IN 11-12 (buffer 2)", bufs[1], 'V', 11, 2);
		expect("IN 13 (buffer 3)", bufs[2], 'V', 13, 1);
	}
	say("IN: sectors 0-3, 2047, 10-13 in three descriptors");

	{
		uint8_t *bufs[2] = { buf + 0x4000, buf + 0x6000 };
		uint32_t lens[2] = { 3 * 512, 512 };
		for (uint32_t s = 0; s < 3; s++)
			disk_sector(bufs[0] + 512 * s, 'v', 100 + s);
		disk_sector(bufs[1], 'v', 103);
		st = request(T_OUT, 100, 2, bufs, lens, "OUT 100-103");
		CHECK(st == ST_OK, "OUT 100-103: status %u", st);
	}
	memset(buf, 0, 6 * 512);
	st = rw1(T_IN, 99, buf, 6 * 512, "IN 99-104");
	CHECK(st == ST_OK, "IN 99-104: status %u", st);
	expect("read-back 99", buf, 'V', 99, 1);
	expect("read-back 100-103", buf + 512, 'v', 100, 4);
	expect("read-back 104", buf + 5 * 512, 'V', 104, 1);
	say("OUT 100-103 (two descriptors), read back");

	if (feat & F_FLUSH) {
		st = request(T_FLUSH, 0, 0, NULL, NULL, "FLUSH");
		CHECK(st == ST_OK, "FLUSH: status %u", st);
		say("FLUSH: ok");
	} else {
		say("FLUSH: not offered, skipped");
	}

	memset(buf, 0xAA, 20);
	st = rw1(T_GET_ID, 0, buf, 20, "GET_ID");
	CHECK(st == ST_OK, "GET_ID: status %u", st);
	/* The serial, NUL-terminated only if shorter than 20 bytes. */
	char id[21];
	int n = 0;
	for (; n < 20 && buf[n]; n++) {
		if (buf[n] < ' ' || buf[n] >= 0x7F)
			fail("GET_ID byte %u is %x, not printable", n, buf[n]);
		id[n] = (char)buf[n];
	}
	id[n] = 0;
	checks++;
	say("GET_ID: \"%s\"", id);

	st = rw1(0x99, 0, buf, 512, "type 0x99");
	CHECK(st == ST_UNSUPP, "unknown request type: status %u, expected UNSUPP (2)", st);
	st = rw1(T_IN, SECTORS, buf, 512, "IN at the capacity");
	CHECK(st == ST_IOERR, "IN at the capacity: status %u, expected IOERR (1)", st);
	st = rw1(T_IN, SECTORS - 1, buf, 1024, "IN across the end");
	CHECK(st == ST_IOERR, "IN across the end: status %u, expected IOERR (1)", st);
	st = rw1(T_OUT, SECTORS, buf, 512, "OUT at the capacity");
	CHECK(st == ST_IOERR, "OUT at the capacity: status %u, expected IOERR (1)", st);
	st = rw1(T_IN, 5, buf, 512, "IN 5 after the errors");
	CHECK(st == ST_OK, "IN 5: status %u", st);
	expect("IN 5", buf, 'V', 5, 1);
	say("errors: unknown type UNSUPP, past the end IOERR; the queue still works");

	wr(R_STATUS, 0);
	CHECK(rd(R_STATUS) == 0, "status %x after the final reset", rd(R_STATUS));
	CHECK(rd(R_QREADY) == 0, "QueueReady %u after reset", rd(R_QREADY));
}
