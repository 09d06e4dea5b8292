/*
 * devfuzz - a hostile guest for the VMM's device models: it attacks the
 * virtio-mmio block device, the IDE channel, the local APIC and IOAPIC and
 * the ACPI PM ports with malformed and random input, and after each attack
 * checks only that the machine is still sane: a good virtio request still
 * completes with the right data, IDENTIFY and a known read still work on
 * IDE, the APIC timer still interrupts, the PM timer still runs.
 *
 * Command line: seed=N (default 1) seeds every random choice (xorshift64*
 * through splitmix64), so a run is reproducible; `vmm` holds the device
 * models to the VMM's documented answers (virtio_blk.c, lapic.c) where
 * bare QEMU 7.2 answers otherwise, and adds two attacks bare QEMU cannot
 * take: 32-bit writes to the local APIC's slot 0x000 (QEMU takes them as
 * MSIs with the value as data: an SMI or INIT to APIC 0 resets the
 * machine) and a periodic APIC timer with count 1 at divide 1.
 *
 * A phase whose device is absent is skipped with a line (bare QEMU: `pc`
 * has IDE and the PM ports, `microvm` the virtio-mmio disk). Time is the
 * PIT channel 0 count polled (pit_poll(), 1 kHz), never host speed; every
 * wait is bounded. Interrupts are off except in explicit windows.
 *
 * Disks (tests/guests/disk.sh): IDE master tag 'M', virtio tag 'V', 2048
 * sectors each. What the guest writes goes only to sectors 1000-1023 (any
 * content: hostile OUT/WRITE requests, abandoned transfers); the harness
 * compares the rest of each image with the original. Every descriptor the
 * guest builds keeps that rule and points device-writable buffers only at
 * scratch RAM (8-16 MiB) or outside RAM (the virtio window included), so
 * a device that replays an old chain (after a hostile QueueReady) does no
 * harm either; an IDE write command is issued only after its registers
 * read back (ide_write_cmd).
 *
 * Phases: 1. virtio-mmio (vattacks[]: buffers and rings outside RAM and in
 * the window, zero and 4 GiB lengths, loops, bad indices, indirect, short
 * header, missing or read-only status, lengths not a multiple of 512, past
 * the end, sector 2^63, avail.idx far ahead, bad queue sizes; then
 * notifications before DRIVER_OK, random register accesses, Status
 * garbage), each followed by a reset and a good IN. 2. IDE (random register
 * sequences, out-of-range LBAs, count 0 with LBA48, abandoned writes, the
 * data port without a transfer and at 8/32 bits, unknown commands, SET
 * MULTIPLE with bad values), each followed by SRST, IDENTIFY and a read.
 * 3. Local APIC (random writes to every register slot, every ICR delivery
 * mode and shorthand, timer extremes, an illegal timer vector) and IOAPIC
 * (random IOREGSEL/IOWIN/EOI with pins 2 and 8 active); interrupts on
 * vectors 32-255 are counted, nothing may reach vectors 0-31 or 0x80 (the
 * guest's exceptions and ring-3 gate) but the one illegal-vector test;
 * then a one-shot timer, a self IPI and the PIT through IOAPIC pin 2 must
 * work. 4. ACPI PM ports 0x600-0x610 (never SLP_EN), then the PM timer
 * must run.
 *
 * Judging a hostile virtio request: it may complete (used entry), make the
 * device set DEVICE_NEEDS_RESET (0x40 in Status), or be ignored. Where the
 * spec leaves no choice (a bad length, a range past the end, a header too
 * short) an error must be reported: status IOERR/UNSUPP or NEEDS_RESET.
 * A completed IN with status OK must have the right data; a device-readable
 * status byte must not be written. With `vmm`, the VMM's exact answer is
 * required.
 */
#include "guest.h"
#include "virtio_mmio.h"

const char guest_name[] = "devfuzz";

static int vmm; /* the `vmm` flag: hold the VMM to its documented answers */

static uint32_t rnd32(void)
{
	return (uint32_t)(rng_next() >> 32);
}

/* A number below n (32-bit arithmetic only, no libgcc). */
static uint32_t rnd(uint32_t n)
{
	return rnd32() % n;
}

/* ---- time: PIT periods (1 ms), polled */
static void delay_ms(unsigned ms)
{
	unsigned t0 = pit_poll();
	while (pit_poll() - t0 < ms)
		;
}

/* ---- the disks' format: sector k, record i = "T sec KKKKKK II\n" */
static uint8_t *const want = (uint8_t *)0x9F0000;

/* 1 if the n sectors at b are sectors lba.. of a disk with tag t. */
static int same(const uint8_t *b, char t, uint32_t lba, uint32_t n)
{
	for (uint32_t s = 0; s < n; s++, b += 512) {
		disk_sector(want, t, lba + s);
		for (int i = 0; i < 512; i++)
			if (b[i] != want[i])
				return 0;
	}
	return 1;
}

/* A random sector whose contents the guest never changes. */
static uint32_t known_sector(uint32_t cap, uint32_t n)
{
	uint32_t k = rnd(cap - 24 - n);
	return k + n <= 1000 ? k : k + 24;
}

static uint32_t ram_top; /* end of RAM below 4 GiB (multiboot mem_upper) */

/* ===================================================================
 * Phase 1: virtio-mmio block device (virtio 1.1 §2.1, §2.6, §4.2, §5.2)
 * =================================================================== */

#define VIO_BASE  0xFEB00000u
#define VIO_SLOTS 24
#define VQ	  16 /* queue size of the good requests */

#define T_IN	 0
#define T_OUT	 1
#define ST_OK	 0
#define ST_IOERR 1

#define D_NEXT	   1
#define D_WRITE	   2
#define D_INDIRECT 4

#define VSECTORS 2048u

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

/*
 * Scratch RAM of phase 1. The rings and request headers live in RING
 * (64 KiB); ZERO is kept all-zero and is where random register writes may
 * point the rings (an all-zero available ring offers nothing).
 */
#define RING   0x900000u
#define DTAB   (RING + 0x0000)
#define AVAIL  (RING + 0x1000)
#define USED   (RING + 0x2000)
#define HDR    (RING + 0x3000)
#define STAT   (RING + 0x3100)
#define INDIR  (RING + 0x3200)
#define DATA   0x910000u /* 64 KiB of request data */
#define ZERO   0x980000u /* 64 KiB, zero while random registers are written */
#define Z_SIZE 0x10000u

static struct desc *const dtab = (struct desc *)DTAB;
static volatile uint16_t *const avail = (volatile uint16_t *)AVAIL; /* flags, idx, ring[] */
static volatile uint16_t *const usedw = (volatile uint16_t *)USED;  /* flags, idx */
static volatile uint32_t *const usedr = (volatile uint32_t *)(USED + 4);
static struct req_hdr *const hdr = (struct req_hdr *)HDR;
static volatile uint8_t *const status_byte = (volatile uint8_t *)STAT;
static uint8_t *const data = (uint8_t *)DATA;

static uint32_t vbase;
static uint32_t vq_num;	   /* queue size as programmed */
static uint16_t used_seen; /* used entries consumed */
static uint16_t avail_idx; /* our available index */

static uint32_t vrd(uint32_t reg)
{
	return mmio_read32(vbase + reg);
}

static void vwr(uint32_t reg, uint32_t v)
{
	mmio_write32(vbase + reg, v);
}

static int vio_find(void)
{
	for (int i = 0; i < VIO_SLOTS; i++) {
		uint32_t b = VIO_BASE + 0x200u * (uint32_t)i;
		if (mmio_read32(b + R_MAGIC) == 0x74726976 && mmio_read32(b + R_VERSION) == 2 &&
		    mmio_read32(b + R_DEVID) == 2) {
			vbase = b;
			say("virtio: block device in slot %u (%x)", i, b);
			return 1;
		}
	}
	return 0;
}

/*
 * Reset and initialise the device (§3.1.1) with queue 0 of qnum entries at
 * desc/drv/dev; DRIVER_OK only if driver_ok. The rings at RING are zeroed.
 * Returns 0, or -1 (with a line) if the device refuses a step.
 */
static int vio_setup(uint32_t qnum, uint64_t desc, uint64_t drv, uint64_t dev, int driver_ok)
{
	/* Reset first: a request still in flight completes (bare QEMU
	 * drains them in the reset) into the old rings before they are
	 * cleared. */
	vwr(R_STATUS, 0);
	if (vrd(R_STATUS) != 0) {
		say("virtio: status %x after reset", vrd(R_STATUS));
		return -1;
	}
	memset((void *)RING, 0, 0x4000);
	used_seen = avail_idx = 0;
	vq_num = qnum;
	vwr(R_STATUS, S_ACK);
	vwr(R_STATUS, S_ACK | S_DRIVER);
	vwr(R_DFEATSEL, 1);
	if (!(vrd(R_DFEAT) & 1)) {
		say("virtio: VERSION_1 not offered");
		return -1;
	}
	vwr(R_GFEATSEL, 0);
	vwr(R_GFEAT, 0);
	vwr(R_GFEATSEL, 1);
	vwr(R_GFEAT, 1);
	vwr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(vrd(R_STATUS) & S_FEATURES_OK)) {
		say("virtio: FEATURES_OK refused (status %x)", vrd(R_STATUS));
		return -1;
	}
	vwr(R_QSEL, 0);
	if (vrd(R_QREADY) != 0 || vrd(R_QNUMMAX) < VQ) {
		say("virtio: queue 0 ready %u max %u after reset", vrd(R_QREADY), vrd(R_QNUMMAX));
		return -1;
	}
	vwr(R_QNUM, qnum);
	vwr(R_QDESCLO, (uint32_t)desc);
	vwr(R_QDESCHI, (uint32_t)(desc >> 32));
	vwr(R_QDRVLO, (uint32_t)drv);
	vwr(R_QDRVHI, (uint32_t)(drv >> 32));
	vwr(R_QDEVLO, (uint32_t)dev);
	vwr(R_QDEVHI, (uint32_t)(dev >> 32));
	vwr(R_QREADY, 1);
	if (driver_ok)
		vwr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return 0;
}

static int vio_setup_std(void)
{
	return vio_setup(VQ, DTAB, AVAIL, USED, 1);
}

/* Offer head in the available ring (slot mod vq_num, or 16 if vq_num is
 * not usable) and notify queue 0. */
static void vio_submit(uint16_t head)
{
	uint32_t n = vq_num && vq_num <= 256 ? vq_num : VQ;
	avail[2 + avail_idx % n] = head;
	barrier();
	avail_idx++;
	avail[1] = avail_idx;
	barrier();
	vwr(R_QNOTIFY, 0);
}

enum { O_DONE, O_RESET, O_NONE };
static const char *const oname[] = { "completed", "DEVICE_NEEDS_RESET", "no answer" };

/* Wait up to ms PIT periods for a used entry or NEEDS_RESET. */
static int vio_wait(unsigned ms, uint32_t *id, uint32_t *len)
{
	unsigned t0 = pit_poll();
	for (;;) {
		if (usedw[1] != used_seen) {
			barrier();
			uint32_t n = vq_num && vq_num <= 256 ? vq_num : VQ;
			*id = usedr[2 * (used_seen % n)];
			*len = usedr[2 * (used_seen % n) + 1];
			used_seen++;
			return O_DONE;
		}
		if (vrd(R_STATUS) & S_NEEDS_RESET)
			return O_RESET;
		if (pit_poll() - t0 >= ms)
			return O_NONE;
	}
}

/* Build a standard request at head h: header, one data buffer, status. */
static uint16_t vio_chain(uint16_t h, uint32_t type, uint64_t sector, uint64_t buf, uint32_t len)
{
	uint16_t d1 = (uint16_t)((h + 1) % VQ), d2 = (uint16_t)((h + 2) % VQ);
	hdr->type = type;
	hdr->reserved = 0;
	hdr->sector = sector;
	*status_byte = 0xFF;
	int w = type == T_IN ? D_WRITE : 0;
	dtab[h] = (struct desc){ HDR, 16, D_NEXT, d1 };
	dtab[d1] = (struct desc){ buf, len, (uint16_t)(D_NEXT | w), d2 };
	dtab[d2] = (struct desc){ STAT, 1, D_WRITE, 0 };
	return h;
}

static unsigned vio_rot; /* rotates the heads of good requests */

/*
 * The sanity check after each attack: reset, initialise, IN n sectors from
 * a known sector; it must complete with status OK, used id = head, len =
 * data + 1 and the disk's bytes.
 */
static void vio_good(const char *after)
{
	CHECK(vio_setup_std() == 0, "virtio after %s: the device refuses initialisation", after);
	uint32_t n = 1 + rnd(8), k = known_sector(VSECTORS, n);
	uint16_t head = (uint16_t)(vio_rot++ % VQ);
	memset(data, 0xEE, n * 512);
	vio_submit(vio_chain(head, T_IN, k, DATA, n * 512));
	uint32_t id = 0, len = 0;
	int o = vio_wait(2000, &id, &len);
	CHECK(o == O_DONE, "virtio after %s: good IN %u+%u: %s (status %x)", after, k, n, oname[o],
	      vrd(R_STATUS));
	CHECK(*status_byte == ST_OK, "virtio after %s: good IN %u+%u: status byte %u", after, k, n,
	      *status_byte);
	CHECK(id == head && len == n * 512 + 1,
	      "virtio after %s: used id %u len %u, expected %u %u", after, id, len, head,
	      n * 512 + 1);
	CHECK(same(data, 'V', k, n), "virtio after %s: good IN %u+%u: wrong data", after, k, n);
	vwr(R_IACK, vrd(R_ISR));
}

/* What an attack must give. */
enum { X_ANY, X_NOTOK, X_ERR };			/* on every machine */
enum { V_ANY, V_OK, V_IOERR, V_RESET, V_DONE }; /* with `vmm` */

struct vattack {
	const char *name;
	void (*fn)(void);
	int x, v;
};

/* Set by an attack: an IN whose data, if status OK, must be checked. */
static int chk_in;
static uint32_t chk_sector, chk_n;
static uint8_t *chk_buf;
/* Set by an attack: the status byte is device-readable, must stay 0xFF. */
static int ro_status;

static void in_check(uint32_t k, uint32_t n, uint8_t *b)
{
	chk_in = 1;
	chk_sector = k;
	chk_n = n;
	chk_buf = b;
}

static void std_setup(void)
{
	CHECK(vio_setup_std() == 0, "virtio: initialisation refused before an attack");
}

/* An IN of sector 0 whose data buffer is at addr. */
static void in_at(uint64_t addr, uint32_t len)
{
	std_setup();
	vio_submit(vio_chain(0, T_IN, 0, addr, len));
}

static void a_above_ram(void)
{
	in_at(ram_top + 0x100000ull, 512);
}
static void a_4g(void)
{
	in_at(0xFFFFF000ull, 512);
}
static void a_2_52(void)
{
	in_at(1ull << 52, 512);
}
static void a_ram_end(void)
{
	in_at(ram_top - 256, 512);
}
static void a_status_above_ram(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	dtab[2].addr = ram_top + 0x102000ull;
	vio_submit(0);
}
static void a_out_mmio(void)
{
	std_setup();
	vio_submit(vio_chain(0, T_OUT, 1000, vbase, 512));
}
static void a_in_mmio(void)
{
	in_at(vbase, 512);
}
static void a_zero_len(void)
{
	std_setup();
	hdr->type = T_IN;
	hdr->sector = 3;
	*status_byte = 0xFF;
	memset(data, 0xEE, 512);
	dtab[0] = (struct desc){ HDR, 16, D_NEXT, 1 };
	dtab[1] = (struct desc){ DATA + 0x8000, 0, D_NEXT | D_WRITE, 2 };
	dtab[2] = (struct desc){ DATA, 512, D_NEXT | D_WRITE, 3 };
	dtab[3] = (struct desc){ 0, 0, D_NEXT | D_WRITE, 4 };
	dtab[4] = (struct desc){ STAT, 1, D_WRITE, 0 };
	in_check(3, 1, data);
	vio_submit(0);
}
static void a_4g_len(void)
{
	in_at(DATA, 0xFFFFFE00u);
}
static void a_4g_hdr(void)
{
	std_setup();
	vio_chain(0, T_IN, 7, DATA, 512);
	dtab[0].len = 0xFFFFFFFFu;
	memset(data, 0xEE, 512);
	in_check(7, 1, data);
	vio_submit(0);
}
static void a_loop(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	dtab[2].flags = D_WRITE | D_NEXT;
	dtab[2].next = 0;
	vio_submit(0);
}
static void a_self_loop(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	dtab[0].next = 0;
	vio_submit(0);
}
static void a_next_oob(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	dtab[1].next = 40;
	vio_submit(0);
}
static void a_head_oob(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	vio_submit(200);
}
static void a_indirect(void)
{
	std_setup();
	struct desc *t = (struct desc *)INDIR;
	hdr->type = T_IN;
	hdr->sector = 9;
	*status_byte = 0xFF;
	memset(data, 0xEE, 512);
	t[0] = (struct desc){ HDR, 16, D_NEXT, 1 };
	t[1] = (struct desc){ DATA, 512, D_NEXT | D_WRITE, 2 };
	t[2] = (struct desc){ STAT, 1, D_WRITE, 0 };
	dtab[0] = (struct desc){ INDIR, 48, D_INDIRECT, 0 };
	in_check(9, 1, data);
	vio_submit(0);
}
static void a_short_hdr(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	dtab[0].len = 8;
	vio_submit(0);
}
static void a_no_status(void)
{
	std_setup();
	vio_chain(0, T_OUT, 1001, DATA, 512);
	dtab[1].flags = 0; /* the chain ends with the data, all device-readable */
	vio_submit(0);
}
static void a_ro_status(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	dtab[2].flags = 0; /* readable after writable, and not writable */
	ro_status = 1;
	vio_submit(0);
}
static void a_len700_in(void)
{
	in_at(DATA, 700);
}
static void a_len700_out(void)
{
	std_setup();
	vio_submit(vio_chain(0, T_OUT, 1002, DATA, 700));
}
static void a_end_in(void)
{
	std_setup();
	vio_submit(vio_chain(0, T_IN, VSECTORS - 1, DATA, 1024));
}
static void a_end_out(void)
{
	std_setup();
	disk_sector(data, 'Z', VSECTORS - 1);
	disk_sector(data + 512, 'Z', VSECTORS);
	vio_submit(vio_chain(0, T_OUT, VSECTORS - 1, DATA, 1024));
}
static void a_big_in(void)
{
	std_setup();
	vio_submit(vio_chain(0, T_IN, 1ull << 63, DATA, 512));
}
static void a_big_out(void)
{
	std_setup();
	vio_submit(vio_chain(0, T_OUT, 1ull << 63, DATA, 512));
}
static void a_wrap_in(void)
{
	std_setup();
	vio_submit(vio_chain(0, T_IN, ~0ull, DATA, 1024));
}
static void a_avail_far(void)
{
	std_setup();
	vio_chain(0, T_IN, 0, DATA, 512);
	avail[2] = 0;
	avail_idx = 1000;
	avail[1] = avail_idx;
	barrier();
	vwr(R_QNOTIFY, 0);
}
static void a_avail_17(void)
{
	std_setup();
	for (int i = 0; i < VQ; i++)
		avail[2 + i] = 0;
	vio_chain(0, T_IN, 0, DATA, 512);
	avail_idx = VQ + 1;
	avail[1] = avail_idx;
	barrier();
	vwr(R_QNOTIFY, 0);
}
/* A good IN of sector 11 on a queue of qnum entries. */
static void qsize_in(uint32_t qnum)
{
	CHECK(vio_setup(qnum, DTAB, AVAIL, USED, 1) == 0, "virtio: setup refused");
	memset(data, 0xEE, 512);
	vio_chain(0, T_IN, 11, DATA, 512);
	in_check(11, 1, data);
	vio_submit(0);
}
static void a_qsize12(void)
{
	qsize_in(12);
}
static void a_qsize0(void)
{
	qsize_in(0);
}
static void a_qsize_big(void)
{
	qsize_in(4096);
}
/* A good IN of sector 12 with one ring moved (the others standard). */
static void rings_in(uint64_t desc, uint64_t drv, uint64_t dev)
{
	CHECK(vio_setup(VQ, desc, drv, dev, 1) == 0, "virtio: setup refused");
	memset(data, 0xEE, 512);
	vio_chain(0, T_IN, 12, DATA, 512);
	in_check(12, 1, data);
	vio_submit(0);
}
static void a_desc_above(void)
{
	rings_in(ram_top + 0x110000ull, AVAIL, USED);
}
static void a_avail_above(void)
{
	rings_in(DTAB, ram_top + 0x110000ull, USED);
}
static void a_used_above(void)
{
	rings_in(DTAB, AVAIL, ram_top + 0x110000ull);
}
static void a_desc_2_52(void)
{
	rings_in(1ull << 52, AVAIL, USED);
}
static void a_desc_mmio(void)
{
	rings_in(vbase, AVAIL, USED);
}
static void a_used_mmio(void)
{
	rings_in(DTAB, AVAIL, vbase);
}
static void a_desc_misaligned(void)
{
	rings_in(DTAB + 8, AVAIL, USED);
}
static void a_in_over_dtab(void)
{
	in_at(DTAB, 512);
}
static void a_in_over_used(void)
{
	in_at(USED, 512);
}

static const struct vattack vattacks[] = {
	{ "data above RAM", a_above_ram, X_ANY, V_IOERR },
	{ "data at 4 GiB - 4 KiB", a_4g, X_ANY, V_IOERR },
	{ "data at 2^52", a_2_52, X_ANY, V_IOERR },
	{ "data across the end of RAM", a_ram_end, X_ANY, V_IOERR },
	{ "status byte above RAM", a_status_above_ram, X_ANY, V_RESET },
	{ "OUT 1000 from the virtio window", a_out_mmio, X_ANY, V_IOERR },
	{ "IN into the virtio window", a_in_mmio, X_ANY, V_IOERR },
	{ "zero-length descriptors", a_zero_len, X_ANY, V_OK },
	{ "data length 4 GiB - 512", a_4g_len, X_NOTOK, V_IOERR },
	{ "header length 4 GiB - 1", a_4g_hdr, X_ANY, V_OK },
	{ "chain looping to its head", a_loop, X_NOTOK, V_RESET },
	{ "head pointing at itself", a_self_loop, X_NOTOK, V_RESET },
	{ "next index 40 >= queue size", a_next_oob, X_NOTOK, V_RESET },
	{ "head index 200 >= queue size", a_head_oob, X_NOTOK, V_RESET },
	{ "indirect descriptor not negotiated", a_indirect, X_ANY, V_RESET },
	{ "header of 8 bytes", a_short_hdr, X_ERR, V_IOERR },
	{ "no status buffer (OUT 1001)", a_no_status, X_ANY, V_RESET },
	{ "read-only status buffer", a_ro_status, X_ANY, V_DONE },
	{ "IN of 700 bytes", a_len700_in, X_ERR, V_IOERR },
	{ "OUT 1002 of 700 bytes", a_len700_out, X_ERR, V_IOERR },
	{ "IN across the end", a_end_in, X_ERR, V_IOERR },
	{ "OUT across the end", a_end_out, X_ERR, V_IOERR },
	{ "IN at sector 2^63", a_big_in, X_ERR, V_IOERR },
	{ "OUT at sector 2^63", a_big_out, X_ERR, V_IOERR },
	{ "IN at sector 2^64 - 1, 2 sectors", a_wrap_in, X_ERR, V_IOERR },
	{ "avail.idx 1000 ahead", a_avail_far, X_ANY, V_RESET },
	{ "avail.idx queue size + 1 ahead", a_avail_17, X_ANY, V_RESET },
	{ "queue size 12", a_qsize12, X_ANY, V_RESET },
	{ "queue size 0", a_qsize0, X_ANY, V_RESET },
	{ "queue size 4096", a_qsize_big, X_ANY, V_RESET },
	{ "descriptor table above RAM", a_desc_above, X_ANY, V_RESET },
	{ "available ring above RAM", a_avail_above, X_ANY, V_RESET },
	{ "used ring above RAM", a_used_above, X_ANY, V_RESET },
	{ "descriptor table at 2^52", a_desc_2_52, X_ANY, V_RESET },
	{ "descriptor table in the virtio window", a_desc_mmio, X_ANY, V_RESET },
	{ "used ring in the virtio window", a_used_mmio, X_ANY, V_RESET },
	{ "descriptor table misaligned", a_desc_misaligned, X_ANY, V_RESET },
	{ "IN over the descriptor table", a_in_over_dtab, X_ANY, V_OK },
	{ "IN over the used ring", a_in_over_used, X_ANY, V_ANY },
};

static unsigned vio_differ; /* attacks where the answer is not the VMM's */

static void vio_attack(const struct vattack *a)
{
	chk_in = 0;
	ro_status = 0;
	a->fn();
	uint32_t id = 0, len = 0;
	int o = vio_wait(500, &id, &len);
	uint8_t st = *status_byte;
	if (o == O_DONE)
		say("virtio: %s: completed, status %u, id %u len %u", a->name, st, id, len);
	else
		say("virtio: %s: %s (Status %x)", a->name, oname[o], vrd(R_STATUS));
	if (o == O_DONE && st == ST_OK && chk_in && !ro_status)
		CHECK(same(chk_buf, 'V', chk_sector, chk_n), "virtio: %s: status OK, wrong data",
		      a->name);
	if (ro_status)
		CHECK(st == 0xFF, "virtio: %s: the device wrote a device-readable byte (%x)",
		      a->name, st);
	if (a->x == X_NOTOK)
		CHECK(!(o == O_DONE && st == ST_OK), "virtio: %s: completed with status OK",
		      a->name);
	if (a->x == X_ERR)
		CHECK(o == O_RESET || (o == O_DONE && (st == ST_IOERR || st == 2)),
		      "virtio: %s: no error reported (%s, status byte %u)", a->name, oname[o], st);
	int vok = 1;
	switch (a->v) {
	case V_OK:
		vok = o == O_DONE && st == ST_OK;
		break;
	case V_IOERR:
		vok = o == O_DONE && st == ST_IOERR;
		break;
	case V_RESET:
		vok = o == O_RESET;
		break;
	case V_DONE:
		vok = o == O_DONE;
		break;
	}
	if (!vok) {
		vio_differ++;
		if (vmm)
			fail("virtio: %s: %s, status byte %u: not the VMM's documented answer",
			     a->name, oname[o], st);
		say("virtio: %s: (differs from the VMM's answer)", a->name);
	}
	checks++;
	vio_good(a->name);
}

/*
 * Notifications before DRIVER_OK: the device must not use buffers before
 * DRIVER_OK (§2.1.2, required with `vmm`; bare QEMU may); after DRIVER_OK
 * and a notification the request completes exactly once, with its data.
 * A notification of a queue that does not exist does nothing.
 */
static void vio_early_notify(void)
{
	CHECK(vio_setup(VQ, DTAB, AVAIL, USED, 0) == 0, "virtio: setup refused");
	memset(data, 0xEE, 1024);
	vio_submit(vio_chain(0, T_IN, 20, DATA, 1024));
	uint32_t id = 0, len = 0;
	int o = vio_wait(50, &id, &len);
	say("virtio: notification before DRIVER_OK: %s", oname[o]);
	if (vmm)
		CHECK(o == O_NONE, "virtio: a request was used before DRIVER_OK (%s)", oname[o]);
	if (o != O_DONE) {
		vwr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
		vwr(R_QNOTIFY, 0);
		o = vio_wait(2000, &id, &len);
		CHECK(o == O_DONE, "virtio: request offered before DRIVER_OK: %s after it",
		      oname[o]);
	}
	CHECK(*status_byte == ST_OK && id == 0 && len == 1025 && same(data, 'V', 20, 2),
	      "virtio: request offered before DRIVER_OK: status %u id %u len %u or data wrong",
	      *status_byte, id, len);
	delay_ms(20);
	CHECK(usedw[1] == 1, "virtio: used idx %u after one request", usedw[1]);

	/* QueueNotify of queues 1 and 0xFFFF: nothing; then 0 serves it. */
	memset(data, 0xEE, 512);
	vio_chain(3, T_IN, 21, DATA, 512);
	avail[2 + avail_idx % VQ] = 3;
	avail_idx++;
	avail[1] = avail_idx;
	barrier();
	vwr(R_QNOTIFY, 1);
	vwr(R_QNOTIFY, 0xFFFF);
	o = vio_wait(20, &id, &len);
	say("virtio: QueueNotify 1 and 0xFFFF: %s", oname[o]);
	if (vmm)
		CHECK(o == O_NONE, "virtio: notification of queue 1 served queue 0");
	if (o != O_DONE) {
		vwr(R_QNOTIFY, 0);
		o = vio_wait(2000, &id, &len);
	}
	CHECK(o == O_DONE && *status_byte == ST_OK && id == 3 && same(data, 'V', 21, 1),
	      "virtio: IN 21 after notifications of other queues: %s", oname[o]);
	vio_good("notifications before DRIVER_OK");
}

/*
 * Random register writes: offsets anywhere in the window, sizes 1/2/4,
 * random values, with the ring memory (RING and ZERO) all zero, and ring
 * addresses steered into ZERO or outside RAM, so that no request can be
 * found (an all-zero available ring offers none) and nothing is written.
 */
static void vio_random_regs(unsigned n)
{
	memset((void *)RING, 0, 0x4000);
	memset((void *)ZERO, 0, Z_SIZE);
	unsigned reads = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t size = 1u << rnd(3), off = rnd(0x200) & ~(size - 1);
		uint32_t v = rnd32();
		if (rnd(4) == 0) {
			uint32_t a = vbase + off;
			if (size == 1)
				(void)*(volatile uint8_t *)a;
			else if (size == 2)
				(void)*(volatile uint16_t *)a;
			else
				(void)*(volatile uint32_t *)a;
			reads++;
			continue;
		}
		if (rnd(2)) /* favour the registers that do something */
			off = (rnd(0x40) * 4) & 0xFC, size = 4;
		/* Ring addresses: into ZERO or outside RAM. */
		uint32_t r = off & ~3u;
		if (r == R_QDESCLO || r == R_QDRVLO || r == R_QDEVLO) {
			v = rnd(2) ? ZERO + (v & (Z_SIZE - 0x1000) & ~0xFu)
				   : ram_top + 0x100000 + (v & 0xFFFF0);
			size = 4, off = r;
		} else if (r == R_QDESCHI || r == R_QDRVHI || r == R_QDEVHI) {
			v = rnd(4) ? 0 : v | 0x100; /* above 2^40 */
			size = 4, off = r;
		}
		uint32_t a = vbase + off;
		if (size == 1)
			*(volatile uint8_t *)a = (uint8_t)v;
		else if (size == 2)
			*(volatile uint16_t *)a = (uint16_t)v;
		else
			*(volatile uint32_t *)a = v;
	}
	say("virtio: %u random register accesses (%u reads), Status now %x", n, reads,
	    vrd(R_STATUS));
	/* Nothing may have been written to the zeroed areas. */
	const uint32_t *z = (const uint32_t *)ZERO;
	unsigned dirty = 0;
	for (unsigned i = 0; i < Z_SIZE / 4; i++)
		dirty += z[i] != 0;
	CHECK(dirty == 0, "virtio: %u words written into the zero ring area", dirty);
	vio_good("random register writes");
}

/* Status garbage: random values (FAILED, NEEDS_RESET, DRIVER_OK without
 * FEATURES_OK, ...) written in a row, then a request in whatever state that
 * leaves; any answer, and a reset brings the device back. */
static void vio_status_garbage(void)
{
	for (int round = 0; round < 8; round++) {
		std_setup();
		for (int i = 0; i < 4; i++)
			vwr(R_STATUS, rnd(2) ? rnd(256) : (rnd32() | 0x40));
		uint32_t s = vrd(R_STATUS);
		memset(data, 0xEE, 512);
		chk_in = 0;
		vio_submit(vio_chain(0, T_IN, 30 + round, DATA, 512));
		uint32_t id = 0, len = 0;
		int o = vio_wait(50, &id, &len);
		if (o == O_DONE && *status_byte == ST_OK)
			CHECK(same(data, 'V', 30 + round, 1), "virtio: status garbage: wrong data");
		say("virtio: Status garbage round %u: reads %x, request %s", round, s, oname[o]);
		vwr(R_STATUS, 0);
		CHECK(vrd(R_STATUS) == 0, "virtio: Status %x after writing 0", vrd(R_STATUS));
		vio_good("Status garbage");
	}
}

static void phase_virtio(void)
{
	if (!vio_find()) {
		say("virtio: no virtio-mmio block device (magic, version 2, ID 2) in slots 0-%u: "
		    "phase skipped",
		    VIO_SLOTS - 1);
		return;
	}
	uint32_t lo, hi;
	lo = vrd(R_CONFIG);
	hi = vrd(R_CONFIG + 4);
	CHECK(lo == VSECTORS && hi == 0, "virtio: capacity %x%08x, the image has %u sectors", hi,
	      lo, VSECTORS);
	vio_good("the start");
	for (unsigned i = 0; i < sizeof(vattacks) / sizeof(vattacks[0]); i++) {
		vio_attack(&vattacks[i]);
	}
	vio_early_notify();
	for (int round = 0; round < 4; round++)
		vio_random_regs(150);
	vio_status_garbage();
	/* The disk's last sector is untouched by the OUT across the end. */
	std_setup();
	memset(data, 0, 512);
	vio_submit(vio_chain(5, T_IN, VSECTORS - 1, DATA, 512));
	uint32_t id, len;
	int o = vio_wait(2000, &id, &len);
	CHECK(o == O_DONE && *status_byte == ST_OK && same(data, 'V', VSECTORS - 1, 1),
	      "virtio: IN %u (last sector) after everything: %s or wrong data", VSECTORS - 1,
	      oname[o]);
	vwr(R_STATUS, 0);
	say("virtio: phase done; %u attacks answered otherwise than the VMM would", vio_differ);
}

/* ===================================================================
 * Phase 2: IDE primary channel, master (ATA/ATAPI-6), polled with nIEN
 * =================================================================== */

#define P_DATA	 0x1F0
#define P_ERR	 0x1F1
#define P_NSECT	 0x1F2
#define P_LBAL	 0x1F3
#define P_LBAM	 0x1F4
#define P_LBAH	 0x1F5
#define P_DEV	 0x1F6
#define P_CMD	 0x1F7
#define P_CTL	 0x3F6
#define ST_ERR	 0x01
#define ST_DRQ	 0x08
#define ST_DRDY	 0x40
#define ST_BSY	 0x80
#define ER_ABRT	 0x04
#define CTL_NIEN 0x02
#define CTL_SRST 0x04

static uint8_t *const ibuf = (uint8_t *)0x940000; /* 64 KiB */
static uint32_t ide_cap;			  /* sectors, from the first IDENTIFY */

static uint8_t alt(void)
{
	return inb(P_CTL);
}

/* Wait until the alternate status has none of clear and all of set, or ms
 * PIT periods pass; returns the last status, *ok whether it matched. */
static uint8_t ide_wait(uint8_t clear, uint8_t set, unsigned ms, int *ok)
{
	unsigned t0 = pit_poll();
	for (;;) {
		uint8_t s = alt();
		if (!(s & clear) && (s & set) == set) {
			*ok = 1;
			return s;
		}
		if (pit_poll() - t0 >= ms) {
			*ok = 0;
			return s;
		}
	}
}

static void pio_in(void *p, uint32_t words)
{
	__asm__ volatile("rep insw" : "+D"(p), "+c"(words) : "d"(P_DATA) : "memory");
}

static void pio_out(const void *p, uint32_t words)
{
	__asm__ volatile("rep outsw" : "+S"(p), "+c"(words) : "d"(P_DATA) : "memory");
}

/*
 * Software reset (nIEN stays set); returns 1 if the master showed DRDY
 * without BSY within 2 s. Bare QEMU 7.2 resets in a bottom half after the
 * SRST edge, so until then the old selection (perhaps the absent slave,
 * whose status reads 0) may answer: select the master until it does.
 */
static int ide_srst(void)
{
	outb(P_CTL, CTL_SRST | CTL_NIEN);
	for (int i = 0; i < 20; i++)
		alt();
	outb(P_CTL, CTL_NIEN);
	unsigned t0 = pit_poll();
	for (;;) {
		outb(P_DEV, 0xA0);
		uint8_t s = alt();
		if (!(s & ST_BSY) && (s & ST_DRDY))
			return 1;
		if (pit_poll() - t0 >= 2000)
			return 0;
	}
}

/*
 * A command from a random sequence. INITIALIZE DEVICE PARAMETERS (0x91)
 * with a sector count of 0 makes bare QEMU 7.2 divide by zero (SIGFPE) at
 * the next CHS-addressed command (ide_set_sector), so without `vmm` it
 * gets a count of 1-255 first.
 */
static void ide_cmd(uint8_t c)
{
	if (c == 0x91 && !vmm) {
		int ok;
		ide_wait(ST_BSY, 0, 100, &ok); /* else the count write is lost */
		outb(P_NSECT, (uint8_t)(1 + rnd(255)));
	}
	outb(P_CMD, c);
}

/* Select the master and write the address and count registers (LBA28,
 * or LBA48 through the two-deep FIFO); no command. */
static void ide_regs(uint64_t lba, uint32_t n, int ext)
{
	int ok;
	outb(P_DEV, ext ? 0x40 : (uint8_t)(0xE0 | ((lba >> 24) & 0x0F)));
	for (int i = 0; i < 4; i++)
		alt();
	ide_wait(ST_BSY, 0, 100, &ok);
	if (ext) {
		outb(P_NSECT, (uint8_t)(n >> 8));
		outb(P_LBAL, (uint8_t)(lba >> 24));
		outb(P_LBAM, (uint8_t)(lba >> 32));
		outb(P_LBAH, (uint8_t)(lba >> 40));
	}
	outb(P_NSECT, (uint8_t)n);
	outb(P_LBAL, (uint8_t)lba);
	outb(P_LBAM, (uint8_t)(lba >> 8));
	outb(P_LBAH, (uint8_t)(lba >> 16));
	if (ext)
		outb(P_DEV, 0x40);
}

/* A read (or other non-writing) command with LBA28 or LBA48 addressing. */
static void ide_lba28(uint32_t lba, uint32_t n, uint8_t cmd)
{
	ide_regs(lba, n, 0);
	outb(P_CMD, cmd);
}

static void ide_lba48(uint64_t lba, uint32_t n, uint8_t cmd)
{
	ide_regs(lba, n, 1);
	outb(P_CMD, cmd);
}

/*
 * A write command, issued only if the device took its registers: they are
 * read back (the high FIFO halves with HOB) between two looks at the
 * status with BSY and DRQ clear. A device that is busy ignores register
 * writes, and one that stops being busy just before the command would
 * otherwise write wherever earlier random values point. Returns 1 if the
 * command was issued.
 */
static int ide_write_cmd(uint64_t lba, uint32_t n, uint8_t cmd, int ext)
{
	int ok;
	uint8_t s = ide_wait(ST_BSY, 0, 100, &ok);
	if (!ok || (s & ST_DRQ))
		return 0;
	ide_regs(lba, n, ext);
	if (alt() & (ST_BSY | ST_DRQ))
		return 0;
	uint8_t r[9] = { inb(P_NSECT), inb(P_LBAL), inb(P_LBAM), inb(P_LBAH), inb(P_DEV) };
	if (ext) {
		outb(P_CTL, 0x80 | CTL_NIEN); /* HOB: the previous values */
		r[5] = inb(P_NSECT), r[6] = inb(P_LBAL), r[7] = inb(P_LBAM), r[8] = inb(P_LBAH);
		outb(P_CTL, CTL_NIEN);
	}
	int good = r[0] == (uint8_t)n && r[1] == (uint8_t)lba && r[2] == (uint8_t)(lba >> 8) &&
		   r[3] == (uint8_t)(lba >> 16) && !(r[4] & 0x10) && (r[4] & 0x40);
	if (ext)
		good = good && r[5] == (uint8_t)(n >> 8) && r[6] == (uint8_t)(lba >> 24) &&
		       r[7] == (uint8_t)(lba >> 32) && r[8] == (uint8_t)(lba >> 40);
	else
		good = good && (r[4] & 0x0F) == ((lba >> 24) & 0x0F);
	if (!good || (alt() & (ST_BSY | ST_DRQ)))
		return 0;
	outb(P_CMD, cmd);
	return 1;
}

/* IDENTIFY DEVICE of the master into id; 1 if it delivered 256 words. */
static int ide_identify(uint16_t *id)
{
	int ok;
	outb(P_DEV, 0xA0);
	for (int i = 0; i < 4; i++)
		alt();
	ide_wait(ST_BSY, 0, 100, &ok);
	outb(P_CMD, 0xEC);
	uint8_t s = ide_wait(ST_BSY, ST_DRQ, 2000, &ok);
	if (!ok || (s & ST_ERR))
		return 0;
	pio_in(id, 256);
	s = ide_wait(ST_BSY, 0, 100, &ok);
	return ok && !(s & ST_DRQ);
}

/* READ SECTORS (LBA28) of n known sectors, polled; 1 if the data came
 * with the right status at every block and matches the disk. */
static int ide_read_known(uint32_t lba, uint32_t n, const char **why)
{
	int ok;
	memset(ibuf, 0xEE, n * 512);
	ide_lba28(lba, n, 0x20);
	for (uint32_t s = 0; s < n; s++) {
		uint8_t st = ide_wait(ST_BSY, 0, 2000, &ok);
		if (!ok || (st & (ST_DRQ | ST_ERR)) != ST_DRQ) {
			*why = "status at a block";
			return 0;
		}
		pio_in(ibuf + 512 * s, 256);
	}
	uint8_t st = ide_wait(ST_BSY, 0, 2000, &ok);
	if (!ok || (st & (ST_DRQ | ST_ERR))) {
		*why = "status at the end";
		return 0;
	}
	*why = "data";
	return same(ibuf, 'M', lba, n);
}

/* The sanity check after each attack: SRST (signature 1 1 0 0), IDENTIFY
 * (ATA device, the capacity of the first one), a read of known sectors. */
static void ide_sane(const char *after)
{
	static uint16_t id[256];
	CHECK(ide_srst(), "ide after %s: BSY 2 s after SRST (status %x)", after, alt());
	outb(P_DEV, 0xA0);
	for (int i = 0; i < 4; i++)
		alt();
	uint8_t sig[4] = { inb(P_NSECT), inb(P_LBAL), inb(P_LBAM), inb(P_LBAH) };
	CHECK(sig[0] == 1 && sig[1] == 1 && sig[2] == 0 && sig[3] == 0,
	      "ide after %s: signature %x %x %x %x after SRST", after, sig[0], sig[1], sig[2],
	      sig[3]);
	CHECK(ide_identify(id), "ide after %s: IDENTIFY failed (status %x error %x)", after, alt(),
	      inb(P_ERR));
	uint32_t cap = id[60] | (uint32_t)id[61] << 16;
	CHECK(!(id[0] & 0x8000) && cap == ide_cap, "ide after %s: IDENTIFY word 0 %x, %u sectors",
	      after, id[0], cap);
	uint32_t n = 1 + rnd(8), k = known_sector(ide_cap, n);
	const char *why;
	CHECK(ide_read_known(k, n, &why), "ide after %s: READ SECTORS %u+%u: %s wrong (status %x)",
	      after, k, n, why, alt());
}

/*
 * Commands a random sequence may issue as they are: everything but those
 * that write the medium or change what IDENTIFY reports (the WRITE family
 * 0x30-0x3F, 0xC5, 0xCA-0xCE, 0x44/0x45, 0x57, 0x5E-0x5F, 0x61-0x64,
 * 0x06/0x07, 0x92, 0xB1, 0xC0, 0xE8, 0xEB, 0xF1-0xF9 but 0xF8) and vendor
 * codes 0x80-0x8F, 0x9A, 0xC1-0xC3, 0xF0-0xFF.
 */
static int ide_cmd_allowed(uint8_t c)
{
	if ((c >= 0x30 && c <= 0x3F) || (c >= 0xCA && c <= 0xCE) || (c >= 0x80 && c <= 0x8F) ||
	    (c >= 0xF0 && c != 0xF8) || (c >= 0x5E && c <= 0x64) || (c >= 0xC1 && c <= 0xC3))
		return 0;
	switch (c) {
	case 0x06:
	case 0x07:
	case 0x44:
	case 0x45:
	case 0x57:
	case 0x92:
	case 0x9A:
	case 0xB1:
	case 0xC0:
	case 0xC5:
	case 0xE8:
	case 0xEB:
		return 0;
	}
	return 1;
}

static unsigned ide_writes; /* hostile write commands issued (to 1000-1023) */

/* A write command to the scratch range: n <= 8 sectors from 1000-1015. */
static void ide_scratch_write(void)
{
	static const uint8_t cmds[] = { 0x30, 0x31, 0xC5, 0x34, 0x39 };
	uint8_t c = cmds[rnd(sizeof(cmds))];
	uint32_t lba = 1000 + rnd(16), n = 1 + rnd(8);
	ide_writes += (unsigned)ide_write_cmd(lba, n, c, c == 0x34 || c == 0x39);
}

/* One random operation on the channel's registers. */
static void ide_random_op(void)
{
	static const uint16_t ports[] = { P_ERR, P_NSECT, P_LBAL, P_LBAM, P_LBAH, P_DEV, P_CTL };
	uint32_t v = rnd32();
	switch (rnd(10)) {
	case 0:
	case 1: /* a register write */
		outb(ports[rnd(sizeof(ports) / sizeof(ports[0]))], (uint8_t)v);
		break;
	case 2: /* register reads */
		for (uint16_t p = P_ERR; p <= P_CMD; p++)
			inb(p);
		alt();
		break;
	case 3: { /* a command */
		uint8_t c = (uint8_t)v;
		if (ide_cmd_allowed(c))
			ide_cmd(c);
		break;
	}
	case 4:
		ide_scratch_write();
		break;
	case 5: /* data port reads, sizes 1, 2, 4 */
		for (uint32_t i = rnd(300); i > 0; i--) {
			uint32_t s = rnd(3);
			if (s == 0)
				inb(P_DATA);
			else if (s == 1)
				inw(P_DATA);
			else
				inl(P_DATA);
		}
		break;
	case 6: /* data port writes, sizes 1, 2, 4 */
		for (uint32_t i = rnd(300); i > 0; i--) {
			uint32_t s = rnd(3), x = rnd32();
			if (s == 0)
				outb(P_DATA, (uint8_t)x);
			else if (s == 1)
				outw(P_DATA, (uint16_t)x);
			else
				outl(P_DATA, x);
		}
		break;
	case 7: /* a wide access to the 8-bit registers */
		if (v & 1)
			outw((uint16_t)(P_ERR + rnd(5)), (uint16_t)(v >> 8));
		else
			inl((uint16_t)(P_ERR + rnd(4)));
		break;
	case 8: /* the common commands, with random registers around them */
		ide_cmd((uint8_t[]){ 0x20, 0x24, 0xC4, 0x29, 0xEC, 0xC6, 0xEF, 0x91, 0x40, 0x70,
				     0xE7, 0xEA, 0xF8, 0x27, 0x90, 0x10 }[rnd(16)]);
		break;
	case 9: /* SRST now and then */
		if (rnd(4) == 0)
			ide_srst();
		break;
	}
}

/* Drain whatever transfer is going on: up to max blocks of 256 words in
 * the direction DRQ asks for (reads, or writes of 'Z' data); stops on
 * a status without DRQ or after 100 ms of BSY. Returns the blocks moved. */
static unsigned ide_drain(unsigned max, int write)
{
	unsigned n = 0;
	int ok;
	for (; n < max; n++) {
		uint8_t s = ide_wait(ST_BSY, 0, 100, &ok);
		if (!ok || !(s & ST_DRQ))
			break;
		if (write) {
			disk_sector(ibuf, 'Z', n);
			pio_out(ibuf, 256);
		} else {
			pio_in(ibuf, 256);
		}
	}
	return n;
}

static void ide_out_of_range(void)
{
	static const struct {
		uint64_t lba;
		uint32_t n;
		uint8_t cmd;
		int ext;
	} r[] = {
		{ 0, 1, 0x20, 0 },	    /* at the capacity (patched below) */
		{ 0, 4, 0x20, 0 },	    /* at the capacity */
		{ 0x0FFFFFFF, 1, 0x20, 0 }, /* the last LBA28 */
		{ 0x0FFFFFFF, 0, 0xC4, 0 },
		{ 1ull << 32, 1, 0x24, 1 },
		{ (1ull << 48) - 1, 1, 0x24, 1 },
		{ (1ull << 48) - 1, 0, 0x29, 1 },
		{ 0, 2, 0x30, 0 }, /* WRITE at the capacity: nothing may land */
		{ 0, 1, 0x34, 1 },
		{ (1ull << 48) - 2, 2, 0x34, 1 },
	};
	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		uint64_t lba = r[i].lba ? r[i].lba : ide_cap;
		int write = r[i].cmd == 0x30 || r[i].cmd == 0x34;
		if (write)
			CHECK(ide_write_cmd(lba, r[i].n, r[i].cmd, r[i].ext),
			      "ide: registers for command %x not taken by an idle device",
			      r[i].cmd);
		else if (r[i].ext)
			ide_lba48(lba, r[i].n, r[i].cmd);
		else
			ide_lba28((uint32_t)lba, r[i].n, r[i].cmd);
		unsigned blocks = ide_drain(4, write);
		int ok;
		uint8_t s = ide_wait(ST_BSY, 0, 100, &ok);
		say("ide: command %x at LBA %llx count %u: %u blocks, status %x error %x", r[i].cmd,
		    lba, r[i].n, blocks, s, inb(P_ERR));
		if (!write)
			CHECK(blocks == 0, "ide: command %x at LBA %llx past the end gave data",
			      r[i].cmd, lba);
		if (!(s & ST_DRQ))
			CHECK(s & ST_ERR, "ide: command %x at LBA %llx past the end: no ERR (%x)",
			      r[i].cmd, lba, s);
		ide_sane("an out-of-range command");
	}
}

/* READ SECTORS EXT / WRITE SECTORS EXT with count 0 (65536 sectors). */
static void ide_count0(void)
{
	ide_lba48(ide_cap - 8, 0, 0x24);
	unsigned blocks = ide_drain(300, 0);
	int ok;
	uint8_t s = ide_wait(ST_BSY, 0, 100, &ok);
	say("ide: READ SECTORS EXT count 0 at %u: %u sectors, status %x error %x", ide_cap - 8,
	    blocks, s, inb(P_ERR));
	CHECK(blocks <= 8, "ide: %u sectors read from %u, the disk has %u", blocks, ide_cap - 8,
	      ide_cap);
	ide_sane("READ SECTORS EXT count 0");
	/* 65536 sectors from 1000: send 3, abandon */
	CHECK(ide_write_cmd(1000, 0, 0x34, 1), "ide: registers not taken by an idle device");
	blocks = ide_drain(3, 1);
	say("ide: WRITE SECTORS EXT count 0 at 1000: %u sectors sent, then SRST", blocks);
	ide_writes++;
	ide_sane("WRITE SECTORS EXT count 0");
	ide_lba48(ide_cap - 3, 0, 0x29); /* READ MULTIPLE EXT, count 0 */
	blocks = ide_drain(300, 0);
	say("ide: READ MULTIPLE EXT count 0 at %u: %u blocks", ide_cap - 3, blocks);
	ide_sane("READ MULTIPLE EXT count 0");
}

/* Writes abandoned halfway: by a new command, a device select, DEVICE
 * RESET, SRST. */
static void ide_abandon(void)
{
	static const char *const how[] = { "a new command (IDENTIFY)", "a slave select",
					   "DEVICE RESET", "SRST" };
	for (int i = 0; i < 4; i++) {
		int ok;
		CHECK(ide_write_cmd(1004 + 4 * (uint32_t)i, 4, rnd(2) ? 0x30 : 0xC5, 0),
		      "ide: registers not taken by an idle device");
		ide_writes++;
		ide_wait(ST_BSY, ST_DRQ, 100, &ok);
		disk_sector(ibuf, 'Z', 1004);
		pio_out(ibuf, 384); /* a sector and a half (or half a block) */
		if (i == 0)
			outb(P_CMD, 0xEC);
		else if (i == 1)
			outb(P_DEV, 0xF0);
		else if (i == 2)
			outb(P_CMD, 0x08);
		uint8_t s = alt();
		say("ide: WRITE abandoned after 384 words by %s: status %x", how[i], s);
		ide_sane("an abandoned WRITE");
	}
}

/* The data port with no transfer, and 8- and 32-bit data port accesses. */
static void ide_data_port(void)
{
	for (int i = 0; i < 300; i++)
		inw(P_DATA);
	for (int i = 0; i < 100; i++)
		inl(P_DATA), inb(P_DATA);
	for (int i = 0; i < 100; i++)
		outw(P_DATA, (uint16_t)rnd32()), outl(P_DATA, rnd32()), outb(P_DATA, 0x5A);
	uint8_t s = alt();
	say("ide: data port without a transfer: status %x", s);
	CHECK(!(s & ST_DRQ), "ide: DRQ set after data port accesses with no transfer (%x)", s);
	ide_sane("data port accesses with no transfer");

	/* 32-bit reads: two words each, low word first (the PIIX's answer). */
	uint32_t k = known_sector(ide_cap, 2);
	int ok;
	memset(ibuf, 0xEE, 1024);
	ide_lba28(k, 2, 0x20);
	for (int s2 = 0; s2 < 2; s2++) {
		ide_wait(ST_BSY, ST_DRQ, 2000, &ok);
		uint32_t *p = (uint32_t *)(ibuf + 512 * s2);
		for (int i = 0; i < 128; i++)
			p[i] = inl(P_DATA);
	}
	CHECK(same(ibuf, 'M', k, 2), "ide: READ SECTORS %u+2 by 32-bit reads: wrong data", k);
	say("ide: READ SECTORS %u+2 by 32-bit data port reads: data right", k);

	/* 32-bit writes to 1020, read back by 16-bit reads. */
	disk_sector(ibuf, 'q', 1020);
	CHECK(ide_write_cmd(1020, 1, 0x30, 0), "ide: registers not taken by an idle device");
	ide_writes++;
	ide_wait(ST_BSY, ST_DRQ, 2000, &ok);
	for (int i = 0; i < 128; i++)
		outl(P_DATA, ((uint32_t *)ibuf)[i]);
	uint8_t st = ide_wait(ST_BSY, 0, 2000, &ok);
	CHECK(ok && !(st & (ST_ERR | ST_DRQ)), "ide: WRITE 1020 by 32-bit writes: status %x", st);
	memset(ibuf, 0, 512);
	ide_lba28(1020, 1, 0x20);
	ide_wait(ST_BSY, ST_DRQ, 2000, &ok);
	pio_in(ibuf, 256);
	disk_sector(want + 4096, 'q', 1020);
	int bad = 0;
	for (int i = 0; i < 512; i++)
		bad += ibuf[i] != want[4096 + i];
	CHECK(!bad, "ide: sector 1020 written by 32-bit writes: %u bytes read back wrong", bad);
	say("ide: WRITE SECTORS 1020 by 32-bit data port writes: read back right");

	/* 8-bit reads during a transfer: the VMM moves a word per access,
	 * QEMU 7.2 none; only the status afterwards is looked at. */
	ide_lba28(known_sector(ide_cap, 1), 1, 0x20);
	ide_wait(ST_BSY, ST_DRQ, 2000, &ok);
	unsigned n8 = 0;
	for (; n8 < 1024 && (alt() & ST_DRQ); n8++)
		inb(P_DATA);
	say("ide: 8-bit data port reads: DRQ %s after %u", (alt() & ST_DRQ) ? "still set" : "clear",
	    n8);
	ide_sane("8-bit data port reads");
}

/* Unknown commands: ERR and ABRT, and the device goes on. */
static void ide_unknown(void)
{
	static const uint8_t c[] = { 0x01, 0x02, 0x05, 0x0A, 0x0C, 0x2A, 0x53, 0x9F, 0xA5, 0xD5 };
	for (unsigned i = 0; i < sizeof(c); i++) {
		int ok;
		outb(P_DEV, 0xA0);
		outb(P_CMD, c[i]);
		uint8_t s = ide_wait(ST_BSY, 0, 2000, &ok);
		uint8_t e = inb(P_ERR);
		CHECK(ok && (s & (ST_ERR | ST_DRQ)) == ST_ERR && (e & ER_ABRT),
		      "ide: unknown command %x: status %x error %x, expected ERR and ABRT", c[i], s,
		      e);
	}
	say("ide: %u unknown commands: ERR and ABRT", (unsigned)sizeof(c));
	ide_sane("unknown commands");
}

/* SET MULTIPLE MODE with bad values, then READ MULTIPLE: the data must be
 * right if it comes, else ERR. */
static void ide_set_multiple(void)
{
	static const uint8_t m[] = { 3, 17, 255, 128, 0, 6, 32, 64, 4 };
	for (unsigned i = 0; i < sizeof(m); i++) {
		int ok;
		outb(P_DEV, 0xA0);
		outb(P_NSECT, m[i]);
		outb(P_CMD, 0xC6);
		uint8_t s = ide_wait(ST_BSY, 0, 2000, &ok);
		uint32_t k = known_sector(ide_cap, 5);
		memset(ibuf, 0xEE, 5 * 512);
		ide_lba28(k, 5, 0xC4);
		unsigned got = 0, blocks = 0;
		for (; got < 5 && blocks < 8; blocks++) {
			uint8_t t = ide_wait(ST_BSY, 0, 2000, &ok);
			if (!ok || !(t & ST_DRQ))
				break;
			/* The block size is the device's business: read until
			 * DRQ drops, one sector at a time. */
			while (got < 5 && (alt() & (ST_DRQ | ST_BSY)) == ST_DRQ)
				pio_in(ibuf + 512 * got++, 256);
		}
		uint8_t t = ide_wait(ST_BSY, 0, 2000, &ok);
		say("ide: SET MULTIPLE %u: status %x; READ MULTIPLE %u+5: %u sectors, status %x",
		    m[i], s, k, got, t);
		if (got == 5)
			CHECK(same(ibuf, 'M', k, 5),
			      "ide: READ MULTIPLE after SET MULTIPLE %u: "
			      "wrong data",
			      m[i]);
		else
			CHECK(t & ST_ERR,
			      "ide: READ MULTIPLE stopped after %u sectors without ERR "
			      "(%x)",
			      got, t);
	}
	ide_sane("SET MULTIPLE");
}

static void phase_ide(void)
{
	static uint16_t id[256];
	uint8_t s0 = inb(P_CMD);
	if (s0 == 0xFF || (!ide_srst() && alt() == 0xFF)) {
		say("ide: no primary channel (status %x): phase skipped", s0);
		return;
	}
	if (!ide_identify(id) || (id[0] & 0x8000)) {
		say("ide: no ATA master on the primary channel: phase skipped");
		return;
	}
	ide_cap = id[60] | (uint32_t)id[61] << 16;
	say("ide: master with %u sectors", ide_cap);
	CHECK(ide_cap >= 1100, "ide: master has %u sectors, needs at least 1100", ide_cap);
	ide_sane("the start");
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 60; i++)
			ide_random_op();
		say("ide: random register sequence %u: status %x", round, alt());
		ide_sane("a random register sequence");
	}
	ide_out_of_range();
	ide_count0();
	ide_abandon();
	ide_data_port();
	ide_unknown();
	ide_set_multiple();
	/* The last sector and the scratch range's neighbours are untouched. */
	const char *why;
	CHECK(ide_read_known(999, 1, &why) && ide_read_known(1024, 1, &why) &&
		      ide_read_known(ide_cap - 1, 1, &why),
	      "ide: sectors 999, 1024 or %u changed (%s)", ide_cap - 1, why);
	say("ide: phase done; %u hostile write commands, all to sectors 1000-1023", ide_writes);
}

/* ===================================================================
 * Phase 3: local APIC and IOAPIC (Intel SDM vol. 3A ch. 11; 82093AA)
 * =================================================================== */

#define IOAPIC	0xFEC00000u
#define L_ID	0x020
#define L_TPR	0x080
#define L_EOI	0x0B0
#define L_LDR	0x0D0
#define L_DFR	0x0E0
#define L_SVR	0x0F0
#define L_ISR	0x100
#define L_IRR	0x200
#define L_ESR	0x280
#define L_CMCI	0x2F0
#define L_ICRLO 0x300
#define L_ICRHI 0x310
#define L_TIMER 0x320
#define L_LINT0 0x350
#define L_ERROR 0x370
#define L_TINIT 0x380
#define L_TCUR	0x390
#define L_TDIV	0x3E0

#define LVT_MASK     (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define RTE_LOGICAL  (1u << 11)
#define RTE_MASK     (1u << 16)
#define ICR_PENDING  (1u << 12)

#define STORM_MAX 20000 /* interrupts in one window before everything is masked */

static uint32_t apic_id;    /* our APIC ID (bits 31:24 of the ID register) */
static uint32_t ioapic_id0; /* IOAPIC register 0 as found */
static volatile unsigned hits[256], nints, storm;

static uint32_t ior(uint32_t idx)
{
	mmio_write32(IOAPIC, idx);
	return mmio_read32(IOAPIC + 0x10);
}

static void iow(uint32_t idx, uint32_t v)
{
	mmio_write32(IOAPIC, idx);
	mmio_write32(IOAPIC + 0x10, v);
}

/* Every IOAPIC entry and LVT masked, the timer stopped. */
static void apic_quiet(void)
{
	for (uint32_t pin = 0; pin < 24; pin++) {
		iow(0x10 + 2 * pin, RTE_MASK | 0xEE);
		iow(0x11 + 2 * pin, 0);
	}
	for (uint32_t r = L_TIMER; r <= L_ERROR; r += 0x10)
		lapic_wr(r, LVT_MASK);
	lapic_wr(L_CMCI, LVT_MASK);
	lapic_wr(L_TINIT, 0);
}

/* Every vector 32-255: count, EOI if it is in service (not for the
 * spurious vector or an ExtINT one); a storm masks everything. */
static void any_irq(uint32_t v)
{
	hits[v]++;
	nints++;
	if (lapic_bit(L_ISR, v))
		lapic_wr(L_EOI, 0);
	if (++storm == STORM_MAX)
		apic_quiet();
}

/* A window of ms PIT periods with interrupts on; afterwards nothing is
 * left in service. */
static void window(unsigned ms)
{
	storm = 0;
	unsigned t0 = pit_poll();
	sti();
	while (pit_poll() - t0 < ms)
		;
	cli();
	for (int i = 0; i < 300; i++) {
		int any = 0;
		for (uint32_t w = 0; w < 8; w++)
			any |= lapic_rd(L_ISR + 0x10 * w) != 0;
		if (!any)
			break;
		lapic_wr(L_EOI, 0);
	}
}

/* Vectors the guest cannot take as interrupts: 0-31 are exceptions in
 * its IDT, 0x80 is the library's ring-3 return gate. */
static int bad_vec(uint32_t v)
{
	v &= 0xFF;
	return v < 32 || v == 0x80;
}

/* A physical destination no APIC has: 0x7F unless that is ours now. */
static uint32_t nobody(void)
{
	return (lapic_rd(L_ID) >> 24) == 0x7F ? 0x7E : 0x7F;
}

static void icr_wait_idle(void)
{
	unsigned t0 = pit_poll();
	while ((lapic_rd(L_ICRLO) & ICR_PENDING) && pit_poll() - t0 < 10)
		;
}

/* An ICR write that reaches no APIC: no shorthand, physical destination
 * nobody() (INIT and SIPI included, as the brief allows for ID 0x7F). */
static void icr_nobody(uint32_t lo)
{
	lo &= ~((3u << 18) | RTE_LOGICAL);
	lapic_wr(L_ICRHI, nobody() << 24);
	lapic_wr(L_ICRLO, lo);
	icr_wait_idle();
}

/* An LVT value that cannot raise NMI, SMI, INIT or a vector bad_vec()
 * refuses: a masked entry keeps everything; an unmasked one gets fixed
 * delivery and a usable vector. The timer stays one-shot (periodic with a tiny count
 * would be an interrupt storm on bare QEMU). */
static uint32_t lvt_safe(uint32_t reg, uint32_t v)
{
	if (reg == L_TIMER)
		v &= ~(3u << 17);
	if (!(v & LVT_MASK)) {
		v &= ~0x700u;
		if (bad_vec(v))
			v = (v & ~0xFFu) | 0xEF;
	}
	return v;
}

/* Random writes to every register slot 0x000-0x3F0 (and random
 * narrower or unaligned accesses elsewhere in the page), sanitised as
 * lvt_safe and icr_nobody say; a short window with interrupts on after
 * every round. Slot 0x000 only with `vmm`: bare QEMU 7.2 takes a 32-bit
 * write there as an MSI (apic_mem_write, index 0) with the value as its
 * data, i.e. an SMI or INIT to APIC 0, and the machine resets. */
static void lapic_random(unsigned rounds)
{
	for (unsigned r = 0; r < rounds; r++) {
		for (uint32_t reg = 0; reg < 0x400; reg += 0x10) {
			uint32_t v = rnd(4) ? rnd32() : rnd(2) ? 0 : 0xFFFFFFFFu;
			if (reg == 0 && !vmm)
				continue; /* bare QEMU: slot 0 is an MSI doorbell */
			if (reg == L_ICRLO)
				icr_nobody(v);
			else if (reg == L_CMCI || (reg >= L_TIMER && reg <= L_ERROR))
				lapic_wr(reg, lvt_safe(reg, v));
			else if (reg == L_SVR) /* the spurious vector is delivered too */
				lapic_wr(reg, bad_vec(v) ? v | 0xFF : v);
			else
				lapic_wr(reg, v);
			if (rnd(8) == 0)
				(void)lapic_rd(rnd(0x40) * 0x10);
		}
		for (int i = 0; i < 16; i++) {
			uint32_t size = 1u << rnd(3), off = (rnd(0x1000) & ~(size - 1));
			if ((off >= 0x2F0 && off < 0x380) || (off < 0x10 && !vmm))
				continue; /* ICR and LVT slots only as whole registers */
			uint32_t a = LAPIC_BASE + off, v = rnd32();
			if (size == 1)
				*(volatile uint8_t *)a = (uint8_t)v;
			else if (size == 2)
				*(volatile uint16_t *)a = (uint16_t)v;
			else
				*(volatile uint32_t *)a = v;
			(void)*(volatile uint32_t *)(LAPIC_BASE + (rnd(0x400) & ~3u));
		}
		if (!(lapic_rd(L_SVR) & 0x100))
			lapic_wr(L_SVR, 0x1FF); /* software-enabled for the window */
		window(2);
	}
}

/* Back to a sane local APIC: enabled (SVR 0x1FF), our ID, flat logical
 * model with LDR 0, TPR 0, every LVT masked, timer stopped, ESR clear,
 * nothing in service. */
static void lapic_restore(void)
{
	lapic_wr(L_SVR, 0x1FF);
	lapic_wr(L_ID, apic_id << 24);
	lapic_wr(L_TPR, 0);
	lapic_wr(L_LDR, 0);
	lapic_wr(L_DFR, 0xFFFFFFFFu);
	for (uint32_t r = L_TIMER; r <= L_ERROR; r += 0x10)
		lapic_wr(r, LVT_MASK);
	lapic_wr(L_CMCI, LVT_MASK);
	lapic_wr(L_TINIT, 0);
	lapic_wr(L_TDIV, 0x3);
	lapic_wr(L_ESR, 0);
	lapic_wr(L_ESR, 0);
	window(5);
}

/* ICR: every delivery mode with every shorthand. What reaches us is only
 * fixed vectors >= 32 by shorthand self or all-including-self (they must
 * arrive); the rest goes to no APIC (no shorthand, a destination nobody
 * has; all-excluding-self with one CPU; INIT and SIPI only to 0x7F). */
static void icr_all(void)
{
	unsigned self = 0, nowhere = 0;
	for (uint32_t mode = 0; mode < 8; mode++) {
		for (uint32_t sh = 0; sh < 4; sh++) {
			for (int k = 0; k < 4; k++) {
				uint32_t vec = k == 0 ? rnd(16) : rnd(256);
				uint32_t lo =
					vec | mode << 8 | (rnd32() & ((1u << 14) | (1u << 15)));
				if (sh == 1 || sh == 2) {
					if (mode != 0)
						continue;
					vec = 0x30 + rnd(0xC0);
					if (vec == 0x80)
						vec = 0x81;
					lo = vec | sh << 18;
					unsigned before = hits[vec];
					lapic_wr(L_ICRHI, 0);
					lapic_wr(L_ICRLO, lo);
					icr_wait_idle();
					window(2);
					CHECK(hits[vec] > before,
					      "apic: self IPI (shorthand %u) of vector %x did not "
					      "arrive",
					      sh, vec);
					self++;
				} else if (sh == 3) {
					if (mode == 5 || mode == 6)
						continue;
					lapic_wr(L_ICRHI, rnd32());
					lapic_wr(L_ICRLO, lo | 3u << 18);
					icr_wait_idle();
					nowhere++;
				} else if (mode == 5 || mode == 6 || rnd(2)) {
					icr_nobody(lo);
					nowhere++;
				} else {
					/* Logical: LDR is 0, so no APIC matches. */
					lapic_wr(L_LDR, 0);
					lapic_wr(L_ICRHI, (rnd(255) + 1) << 24);
					lapic_wr(L_ICRLO, (lo & ~(3u << 18)) | RTE_LOGICAL);
					icr_wait_idle();
					nowhere++;
				}
			}
		}
	}
	/* A fixed IPI with an illegal vector: the sender logs it (SDM 11.5.3). */
	lapic_wr(L_ESR, 0);
	icr_nobody(0x05);
	lapic_wr(L_ESR, 0);
	uint32_t esr = lapic_rd(L_ESR);
	say("apic: %u IPIs to nobody, %u self IPIs; ESR %x after an IPI of vector 5", nowhere, self,
	    esr);
	if (vmm)
		CHECK(esr & (1u << 5), "apic: ESR %x: no send-illegal-vector after vector 5", esr);
	window(5);
}

static void sti_spin(void *arg)
{
	unsigned ms = *(unsigned *)arg, t0 = pit_poll();
	sti();
	while (pit_poll() - t0 < ms)
		;
	cli();
}

/* Timer extremes: divide read-back, count 1 (one-shot), 0xFFFFFFFF
 * (one-shot and periodic), an illegal vector (3) in the timer LVT. */
static void timer_extremes(void)
{
	static const uint32_t div[] = { 0, 1, 2, 3, 8, 9, 0xA, 0xB, 0xFFFFFFFFu, 0xF4 };
	for (unsigned i = 0; i < sizeof(div) / sizeof(div[0]); i++) {
		lapic_wr(L_TDIV, div[i]);
		CHECK((lapic_rd(L_TDIV) & 0xB) == (div[i] & 0xB), "apic: divide %x reads back %x",
		      div[i], lapic_rd(L_TDIV));
	}
	lapic_wr(L_TDIV, 0xB); /* divide by 1 */
	unsigned before = hits[0x41];
	lapic_wr(L_TIMER, 0x41);
	lapic_wr(L_TINIT, 1);
	window(20);
	CHECK(hits[0x41] == before + 1, "apic: one-shot count 1: %u interrupts",
	      hits[0x41] - before);
	lapic_wr(L_TDIV, 0xA); /* divide by 128 */
	lapic_wr(L_TINIT, 0xFFFFFFFFu);
	uint32_t c1 = lapic_rd(L_TCUR);
	delay_ms(2);
	uint32_t c2 = lapic_rd(L_TCUR);
	CHECK(c1 && c2 < c1, "apic: one-shot 0xFFFFFFFF: current count %x then %x", c1, c2);
	lapic_wr(L_TINIT, 0);
	CHECK(lapic_rd(L_TCUR) == 0, "apic: current count %x after initial count 0",
	      lapic_rd(L_TCUR));
	lapic_wr(L_TIMER, LVT_PERIODIC | 0x41);
	lapic_wr(L_TDIV, 0xB);
	lapic_wr(L_TINIT, 0xFFFFFFFFu);
	c1 = lapic_rd(L_TCUR);
	delay_ms(2);
	c2 = lapic_rd(L_TCUR);
	CHECK(c1 && c2 < c1, "apic: periodic 0xFFFFFFFF: current count %x then %x", c1, c2);
	lapic_wr(L_TINIT, 0);
	if (vmm) {
		/* Periodic with count 1 at divide 1: the VMM coalesces; the
		 * guest must go on. (Bare QEMU 7.2 may drown in it.) */
		before = hits[0x41];
		lapic_wr(L_TINIT, 1);
		window(20);
		lapic_wr(L_TINIT, 0);
		window(2);
		say("apic: periodic count 1: %u interrupts in 20 ms", hits[0x41] - before);
		CHECK(hits[0x41] > before, "apic: periodic count 1: no interrupt");
	}
	lapic_wr(L_TIMER, LVT_MASK);

	/* Vector 3 in the timer LVT: illegal (SDM 11.5.2): the APIC logs
	 * it and delivers nothing; bare QEMU 7.2 delivers it. Taken inside
	 * catch_exception, where a vector below 32 ends the window. */
	lapic_wr(L_ESR, 0);
	lapic_wr(L_TIMER, 0x03);
	lapic_wr(L_TINIT, 1);
	delay_ms(2);
	int in_irr = lapic_bit(L_IRR, 3);
	unsigned caught = 0, ms = 5;
	for (int i = 0; i < 4; i++) {
		if (!catch_exception(sti_spin, &ms))
			break;
		caught++;
		lapic_wr(L_EOI, 0);
	}
	lapic_wr(L_ESR, 0);
	uint32_t esr = lapic_rd(L_ESR);
	lapic_wr(L_TIMER, LVT_MASK);
	say("apic: timer with vector 3: IRR %u, delivered %u times, ESR %x", in_irr, caught, esr);
	if (vmm)
		CHECK(!in_irr && !caught && (esr & (1u << 6)),
		      "apic: timer vector 3: IRR %u, %u deliveries, ESR %x (expected none, none, "
		      "receive-illegal)",
		      in_irr, caught, esr);
	lapic_restore();
}

/* A redirection entry write that cannot deliver NMI, SMI, INIT, SIPI,
 * ExtINT or a vector bad_vec() refuses to us: such an entry, if unmasked, gets a
 * physical destination no APIC has. */
static void rte_write(uint32_t pin, int high, uint32_t v)
{
	uint32_t lo = high ? ior(0x10 + 2 * pin) : v;
	int bad = !(lo & RTE_MASK) && (((lo >> 8) & 7) > 1 || bad_vec(lo));
	if (!bad) {
		iow(0x10 + 2 * pin + (uint32_t)high, v);
		return;
	}
	iow(0x10 + 2 * pin, lo | RTE_MASK);
	iow(0x11 + 2 * pin, nobody() << 24);
	iow(0x10 + 2 * pin, lo & ~RTE_LOGICAL);
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

/* IOREGSEL/IOWIN with random indices and values, the EOI register, with
 * pins asserted (PIT on pin 2, the RTC's periodic interrupt on pin 8). */
static void ioapic_random(unsigned n)
{
	cmos_write(0x0A, (cmos_read(0x0A) & 0xF0) | 0x06); /* 1024 Hz */
	cmos_write(0x0B, cmos_read(0x0B) | 0x40);	   /* periodic interrupt on */
	cmos_read(0x0C);
	for (unsigned i = 0; i < n; i++) {
		uint32_t v = rnd32();
		switch (rnd(8)) {
		case 0:
		case 1: /* a redirection entry, low or high half */
		case 2: {
			uint32_t pin = rnd(24);
			if (rnd(3) == 0)
				v &= ~RTE_MASK; /* unmasked more often */
			rte_write(pin, (int)rnd(2), v);
			break;
		}
		case 3: /* an index that is not a redirection entry */
		{
			uint32_t idx = rnd(256);
			if (idx >= 0x10 && idx < 0x40)
				idx = rnd(3);
			if (idx == 0 || idx > 2 || rnd(2))
				iow(idx, v);
			else
				(void)ior(idx);
			break;
		}
		case 4: /* IOREGSEL alone, any size; then IOWIN read */
			if (v & 1)
				*(volatile uint8_t *)IOAPIC = (uint8_t)(v >> 8);
			else
				*(volatile uint16_t *)IOAPIC = (uint16_t)(v >> 8);
			(void)mmio_read32(IOAPIC + 0x10);
			break;
		case 5: /* the EOI register (version 0x20) */
			mmio_write32(IOAPIC + 0x40, v & 0xFF);
			break;
		case 6: /* other offsets in the page: read */
			(void)mmio_read32(IOAPIC + (rnd(0x400) & ~3u));
			break;
		case 7:
			window(1);
			cmos_read(0x0C);
			break;
		}
	}
	apic_quiet();
	cmos_write(0x0B, cmos_read(0x0B) & ~0x40);
	cmos_read(0x0C);
	iow(0, ioapic_id0);
	window(5);
	say("apic: %u IOAPIC accesses with pins 2 and 8 active", n);
}

static void phase_apic(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[3] & (1u << 9))) {
		say("apic: no local APIC (CPUID.1:EDX[9]): phase skipped");
		return;
	}
	for (uint32_t v = 32; v < 256; v++)
		set_irq_handler(v, any_irq);
	apic_id = lapic_rd(L_ID) >> 24;
	ioapic_id0 = ior(0);
	uint32_t ver = ior(1);
	int have_ioapic = ver != 0xFFFFFFFFu && (ver & 0xFF) >= 0x10;
	say("apic: local APIC ID %u, IOAPIC version %x", apic_id, ver);
	lapic_restore();
	if (have_ioapic)
		apic_quiet();

	lapic_random(40);
	lapic_restore();
	say("apic: random writes to every register slot, 40 rounds; %u interrupts so far", nints);
	icr_all();
	timer_extremes();
	if (have_ioapic)
		ioapic_random(600);
	else
		say("apic: no IOAPIC at %x: IOAPIC part skipped", IOAPIC);
	lapic_restore();

	/* The sane configuration works: a one-shot timer, a self IPI, the
	 * PIT through IOAPIC pin 2. */
	unsigned before = hits[0x40], n0 = nints;
	lapic_wr(L_TDIV, 0x3);
	lapic_wr(L_TIMER, 0x40);
	lapic_wr(L_TINIT, 100000);
	unsigned t0 = pit_poll();
	sti();
	while (hits[0x40] == before && pit_poll() - t0 < 2000)
		;
	cli();
	CHECK(hits[0x40] == before + 1, "apic: one-shot timer after the attacks: %u interrupts",
	      hits[0x40] - before);
	window(20);
	CHECK(hits[0x40] == before + 1 && lapic_rd(L_TCUR) == 0,
	      "apic: one-shot timer: %u interrupts, current count %u", hits[0x40] - before,
	      lapic_rd(L_TCUR));
	before = hits[0x61];
	lapic_wr(L_ICRHI, 0);
	lapic_wr(L_ICRLO, 0x61 | 1u << 18);
	window(5);
	CHECK(hits[0x61] == before + 1, "apic: self IPI after the attacks: %u",
	      hits[0x61] - before);
	if (have_ioapic) {
		before = hits[0x50];
		iow(0x11 + 4, apic_id << 24);
		iow(0x10 + 4, 0x50);
		window(100);
		iow(0x10 + 4, RTE_MASK | 0x50);
		window(2);
		unsigned n = hits[0x50] - before;
		say("apic: PIT through IOAPIC pin 2: %u interrupts in 100 ms", n);
		CHECK(n >= 5, "apic: PIT through IOAPIC pin 2: %u interrupts in 100 ms", n);
	}
	unsigned vecs = 0;
	for (int v = 0; v < 256; v++)
		vecs += hits[v] != 0;
	say("apic: sane again (one-shot timer, self IPI); %u interrupts on %u vectors in all "
	    "(%u since the restore)",
	    nints, vecs, nints - n0);
}

/* ===================================================================
 * Phase 4: ACPI PM ports 0x600-0x610 (ACPI 6 §4.8), never SLP_EN
 * =================================================================== */

#define PM_BASE 0x600
#define PM_TMR	(PM_BASE + 8)

static void phase_pm(void)
{
	uint32_t a = inl(PM_TMR);
	delay_ms(3);
	uint32_t b = inl(PM_TMR);
	if (a == b) {
		say("pm: PM timer at %x does not run (%x): phase skipped", PM_TMR, a);
		return;
	}
	unsigned n = 0;
	for (int i = 0; i < 400; i++) {
		uint32_t size = 1u << rnd(3), port = PM_BASE + (rnd(17) & ~(size - 1));
		if (port + size > PM_BASE + 17)
			continue;
		uint32_t v = rnd32();
		/* SLP_EN is bit 13 of PM1a_CNT (0x604): bit 5 of byte 0x605. */
		if (port <= PM_BASE + 5 && port + size > PM_BASE + 5)
			v &= ~(1u << (8 * (PM_BASE + 5 - port) + 5));
		if (rnd(3) == 0) {
			if (size == 1)
				inb((uint16_t)port);
			else if (size == 2)
				inw((uint16_t)port);
			else
				inl((uint16_t)port);
		} else if (size == 1) {
			outb((uint16_t)port, (uint8_t)v);
		} else if (size == 2) {
			outw((uint16_t)port, (uint16_t)v);
		} else {
			outl((uint16_t)port, v);
		}
		n++;
	}
	a = inl(PM_TMR);
	delay_ms(5);
	b = inl(PM_TMR);
	uint32_t d = (b - a) & 0xFFFFFF; /* 24 or 32 bits wide */
	say("pm: %u random accesses; PM timer %x -> %x in 5 ms, PM1a_CNT %x", n, a, b,
	    inw(PM_BASE + 4));
	CHECK(d > 0 && d < (1u << 23), "pm: PM timer %x then %x after the random writes", a, b);
	say("pm: phase done");
}

void guest_main(const char *cmdline)
{
	const char *v;
	uint32_t seed = (v = cmdline_value(cmdline, "seed=")) ? (uint32_t)parse_uint(v) : 1;
	vmm = (v = cmdline_value(cmdline, "vmm")) && (*v == 0 || *v == ' ');
	rng_seed(seed);
	const uint32_t *mbi = (const uint32_t *)multiboot_info;
	CHECK(mbi[0] & 1, "no memory information from the loader (flags %x)", mbi[0]);
	ram_top = (mbi[2] + 1024) * 1024;
	if (mbi[0] & (1u << 6)) { /* the memory map: the end of RAM below 4 GiB */
		for (uint32_t p = mbi[12]; p < mbi[12] + mbi[11]; p += *(const uint32_t *)p + 4) {
			const uint32_t *e = (const uint32_t *)p;
			uint64_t end =
				((uint64_t)e[2] << 32 | e[1]) + ((uint64_t)e[4] << 32 | e[3]);
			if (e[5] == 1 && end > ram_top && end <= 0xFEB00000ull)
				ram_top = (uint32_t)end;
		}
	}
	say("seed %u%s; RAM ends at %x", seed, vmm ? ", vmm" : "", ram_top);
	CHECK(ram_top >= (32u << 20), "RAM %u KiB: need 32 MiB", ram_top >> 10);

	pic_init(0x20, 0x28);
	outb(0x21, 0xFF); /* the cascade too: nothing through the 8259As */
	pit_init_hz(1000);
	delay_ms(1);

	phase_virtio();
	phase_ide();
	phase_apic();
	phase_pm();
}
