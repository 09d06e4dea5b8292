/*
 * ide - the legacy IDE controller's primary channel (0x1F0-0x1F7, 0x3F6,
 * IRQ 14) with two ATA disks, PIO only (ATA/ATAPI-6: ATA-ATAPI-6 §6, §8).
 *
 * The disks (made by the harness, tests/host/guests_bare.sh): master
 * 2048 sectors (1 MiB), slave 1024 sectors (512 KiB). Sector k of a disk
 * with tag T (M master, S slave) is 32 records of 16 bytes, record i the
 * text "T sec KKKKKK II\n" (k and i in decimal, zero-padded). Whatever
 * this guest writes uses the same records with another tag, so the
 * harness can check the image files afterwards:
 *   master 100-103 'w' (WRITE SECTORS), master 200-211 'm' (WRITE
 *   MULTIPLE, 4 sectors per block), slave 5-6 'x' (WRITE SECTORS).
 *
 * Checks: software reset (SRST) and the ATA signature; IDENTIFY of both
 * (capacity in words 60-61 and, with LBA48, 100-103; LBA and LBA48
 * support; model string; multiple count after SET MULTIPLE MODE in word
 * 59); READ SECTORS (LBA28) with one IRQ 14 per sector through the 8259A
 * pair, and polled with nIEN set (no IRQ); WRITE SECTORS and read-back;
 * READ/WRITE MULTIPLE (one IRQ per block); READ SECTORS EXT (LBA48) near
 * the end and with a count of 256 (high count byte 1); FLUSH CACHE and
 * FLUSH CACHE EXT; a read past the end gives ERR with IDNF or ABRT; an
 * unknown command gives ERR and ABRT. The PIT (IRQ 0, 1 kHz) only bounds
 * the waits.
 */
#include "guest.h"

const char guest_name[] = "ide";

#define P_DATA	 0x1F0
#define P_ERR	 0x1F1
#define P_NSECT	 0x1F2
#define P_LBAL	 0x1F3
#define P_LBAM	 0x1F4
#define P_LBAH	 0x1F5
#define P_DEV	 0x1F6
#define P_CMD	 0x1F7 /* status on read */
#define P_CTL	 0x3F6 /* alternate status on read */
#define ST_ERR	 0x01
#define ST_DRQ	 0x08
#define ST_DF	 0x20
#define ST_DRDY	 0x40
#define ST_BSY	 0x80
#define ER_ABRT	 0x04
#define ER_IDNF	 0x10
#define CTL_NIEN 0x02
#define CTL_SRST 0x04

#define MASTER_SECTORS 2048
#define SLAVE_SECTORS  1024
#define MULT	       4

/* Scratch RAM (README: 8-16 MiB): 256 sectors read, 256 expected. */
static uint8_t *const buf = (uint8_t *)0x800000;
static uint8_t *const want = (uint8_t *)0x840000;
static volatile unsigned ticks, irqs;
static volatile uint8_t irq_status;
/* IRQs counted before the last command was written. */
static unsigned cmd_base;
static int strict;

static void irq0(uint32_t v)
{
	(void)v;
	ticks++;
	pic_eoi(0);
}

/* IRQ 14: reading the status register acknowledges the device. */
static void irq14(uint32_t v)
{
	(void)v;
	irq_status = inb(P_CMD);
	irqs++;
	pic_eoi(14);
}

static void expect(const char *what, char t, uint32_t lba, uint32_t n)
{
	for (uint32_t s = 0; s < n; s++) {
		disk_sector(want, t, lba + s);
		const uint8_t *b = buf + 512 * s;
		for (int i = 0; i < 512; i++) {
			if (b[i] != want[i])
				fail("%s: sector %u byte %u is %x, expected %x ('%c' sec %u)", what,
				     lba + s, i, b[i], want[i], t, lba + s);
		}
	}
	checks++;
}

static uint8_t alt(void)
{
	return inb(P_CTL);
}

/* Wait (interrupts on) until the alternate status has none of clear and
 * all of set; fail after 2 s of PIT ticks. */
static uint8_t wait_status(uint8_t clear, uint8_t set, const char *what)
{
	unsigned t0 = ticks;
	for (;;) {
		uint8_t s = alt();
		if (!(s & clear) && (s & set) == set)
			return s;
		if (ticks - t0 > 2000)
			fail("%s: status %x (waiting for %x clear, %x set)", what, s, clear, set);
	}
}

static void wait_irq(unsigned target, const char *what)
{
	unsigned t0 = ticks;
	while (irqs < target) {
		if (ticks - t0 > 2000)
			fail("%s: no IRQ 14 (%u of %u)", what, irqs, target);
		__asm__ volatile("hlt");
	}
}

static void select_dev(int dev, uint32_t lba_hi)
{
	outb(P_DEV, (uint8_t)(0xE0 | dev << 4 | (lba_hi & 0x0F)));
	for (int i = 0; i < 4; i++) /* 400 ns */
		alt();
	wait_status(ST_BSY, 0, "select");
}

static void issue(uint8_t cmd)
{
	cmd_base = irqs;
	outb(P_CMD, cmd);
}

static void lba28(int dev, uint32_t lba, uint32_t n, uint8_t cmd)
{
	select_dev(dev, lba >> 24);
	outb(P_NSECT, (uint8_t)n);
	outb(P_LBAL, (uint8_t)lba);
	outb(P_LBAM, (uint8_t)(lba >> 8));
	outb(P_LBAH, (uint8_t)(lba >> 16));
	issue(cmd);
}

static void lba48(int dev, uint64_t lba, uint32_t n, uint8_t cmd)
{
	select_dev(dev, 0);
	outb(P_NSECT, (uint8_t)(n >> 8));
	outb(P_LBAL, (uint8_t)(lba >> 24));
	outb(P_LBAM, (uint8_t)(lba >> 32));
	outb(P_LBAH, (uint8_t)(lba >> 40));
	outb(P_NSECT, (uint8_t)n);
	outb(P_LBAL, (uint8_t)lba);
	outb(P_LBAM, (uint8_t)(lba >> 8));
	outb(P_LBAH, (uint8_t)(lba >> 16));
	outb(P_DEV, (uint8_t)(0x40 | dev << 4));
	issue(cmd);
}

static void pio_in(uint8_t *p, uint32_t words)
{
	__asm__ volatile("rep insw" : "+D"(p), "+c"(words) : "d"(P_DATA) : "memory");
}

static void pio_out(const uint8_t *p, uint32_t words)
{
	__asm__ volatile("rep outsw" : "+S"(p), "+c"(words) : "d"(P_DATA) : "memory");
}

/* Data-in with interrupts: one IRQ per block of per sectors. */
static void data_in(uint32_t n, uint32_t per, const char *what)
{
	unsigned base = cmd_base;
	for (uint32_t s = 0, blk = 0; s < n; blk++) {
		uint32_t k = n - s < per ? n - s : per;
		wait_irq(base + blk + 1, what);
		uint8_t st = irq_status;
		CHECK((st & (ST_BSY | ST_DRQ | ST_ERR)) == ST_DRQ, "%s: status %x at sector %u",
		      what, st, s);
		pio_in(buf + 512 * s, 256 * k);
		s += k;
	}
	uint8_t st = wait_status(ST_BSY, 0, what);
	CHECK(!(st & (ST_DRQ | ST_ERR)) && (st & ST_DRDY), "%s: status %x at the end", what, st);
	CHECK(irqs == base + (n + per - 1) / per, "%s: %u IRQs, expected %u", what, irqs - base,
	      (n + per - 1) / per);
}

/* Data-out with interrupts: the first block on DRQ, then one IRQ per
 * block (the last one after the last block). */
static void data_out(uint32_t n, uint32_t per, const char *what)
{
	unsigned base = cmd_base;
	wait_status(ST_BSY, ST_DRQ, what);
	for (uint32_t s = 0, blk = 0; s < n; blk++) {
		uint32_t k = n - s < per ? n - s : per;
		if (blk) {
			uint8_t st = irq_status;
			CHECK((st & (ST_BSY | ST_DRQ | ST_ERR)) == ST_DRQ,
			      "%s: status %x at sector %u", what, st, s);
		}
		pio_out(buf + 512 * s, 256 * k);
		s += k;
		wait_irq(base + blk + 1, what);
	}
	uint8_t st = irq_status;
	CHECK(!(st & (ST_BSY | ST_DRQ | ST_ERR | ST_DF)) && (st & ST_DRDY),
	      "%s: status %x after the last block", what, st);
	CHECK(irqs == base + (n + per - 1) / per, "%s: %u IRQs", what, irqs - base);
}

static void non_data(uint8_t cmd, const char *what)
{
	unsigned base = irqs;
	select_dev(0, 0);
	outb(P_CMD, cmd);
	wait_irq(base + 1, what);
	uint8_t st = irq_status;
	CHECK(!(st & (ST_BSY | ST_DRQ | ST_ERR | ST_DF)) && (st & ST_DRDY), "%s: status %x", what,
	      st);
}

static void identify(int dev, uint32_t sectors, uint16_t *id)
{
	const char *name = dev ? "IDENTIFY slave" : "IDENTIFY master";
	select_dev(dev, 0);
	issue(0xEC);
	wait_irq(cmd_base + 1, name);
	CHECK((irq_status & (ST_BSY | ST_DRQ | ST_ERR)) == ST_DRQ, "%s: status %x", name,
	      irq_status);
	pio_in((uint8_t *)id, 256);
	CHECK(!(alt() & (ST_DRQ | ST_BSY)), "%s: DRQ/BSY after 256 words", name);
	CHECK(!(id[0] & 0x8000), "%s: word 0 %x: not an ATA device", name, id[0]);
	CHECK(id[49] & (1u << 9), "%s: word 49 %x: no LBA", name, id[49]);
	uint32_t cap = id[60] | (uint32_t)id[61] << 16;
	CHECK(cap == sectors, "%s: words 60-61 give %u sectors, image has %u", name, cap, sectors);
	CHECK(id[83] & (1u << 10), "%s: word 83 %x: no LBA48", name, id[83]);
	CHECK(id[100] == (uint16_t)sectors && id[101] == sectors >> 16 && !id[102] && !id[103],
	      "%s: words 100-103 %x %x %x %x", name, id[100], id[101], id[102], id[103]);
	char model[41], serial[21];
	int nonblank = 0;
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = 0;
	for (int i = 0; i < 10; i++) {
		serial[2 * i] = (char)(id[10 + i] >> 8);
		serial[2 * i + 1] = (char)id[10 + i];
	}
	serial[20] = 0;
	for (int i = 0; i < 40; i++) {
		if (model[i] > ' ' && model[i] < 0x7F)
			nonblank = 1;
		else if (model[i] != ' ')
			fail("%s: model string byte %u is %x", name, i, (uint8_t)model[i]);
	}
	CHECK(nonblank, "%s: model string blank", name);
	say("%s: \"%s\" serial \"%s\", %u sectors, max multiple %u", name, model, serial, cap,
	    id[47] & 0xFF);
}

static void reset_and_signature(void)
{
	outb(P_CTL, CTL_SRST | CTL_NIEN);
	for (int i = 0; i < 20; i++)
		alt();
	outb(P_CTL, CTL_NIEN);
	wait_status(ST_BSY, 0, "software reset");
	for (int dev = 0; dev < 2; dev++) {
		outb(P_DEV, (uint8_t)(0xA0 | dev << 4));
		for (int i = 0; i < 4; i++)
			alt();
		uint8_t sig[4] = { inb(P_NSECT), inb(P_LBAL), inb(P_LBAM), inb(P_LBAH) };
		CHECK(sig[0] == 1 && sig[1] == 1 && sig[2] == 0 && sig[3] == 0,
		      "device %u: signature %x %x %x %x after SRST, expected 1 1 0 0", dev, sig[0],
		      sig[1], sig[2], sig[3]);
		CHECK(inb(P_ERR) == 0x01, "device %u: error register %x after SRST (diagnostic)",
		      dev, inb(P_ERR));
		CHECK((alt() & (ST_BSY | ST_DRDY | ST_ERR | ST_DRQ)) == ST_DRDY,
		      "device %u: status %x after SRST", dev, alt());
	}
	inb(P_CMD);
	outb(P_CTL, 0); /* nIEN clear: interrupts on */
	say("software reset: ATA signature on master and slave");
}

static void read_polled(void)
{
	const uint32_t lba = 17, n = 5;
	outb(P_CTL, CTL_NIEN);
	unsigned base = irqs;
	lba28(0, lba, n, 0x20);
	for (uint32_t s = 0; s < n; s++) {
		uint8_t st = wait_status(ST_BSY, 0, "polled READ SECTORS");
		CHECK((st & (ST_DRQ | ST_ERR)) == ST_DRQ, "polled READ SECTORS: status %x", st);
		pio_in(buf + 512 * s, 256);
	}
	uint8_t st = wait_status(ST_BSY, 0, "polled READ SECTORS");
	CHECK(!(st & (ST_DRQ | ST_ERR)), "polled READ SECTORS: status %x at the end", st);
	unsigned t0 = ticks;
	while (ticks - t0 < 10)
		__asm__ volatile("hlt");
	CHECK(irqs == base, "nIEN set: %u IRQ 14", irqs - base);
	inb(P_CMD); /* clear a pending INTRQ before nIEN goes off */
	outb(P_CTL, 0);
	t0 = ticks;
	while (ticks - t0 < 10)
		__asm__ volatile("hlt");
	CHECK(irqs == base, "nIEN cleared: %u late IRQ 14", irqs - base);
	expect("polled READ SECTORS", 'M', lba, n);
	say("READ SECTORS polled with nIEN: %u sectors, no IRQ", n);
}

static void out_of_range(uint8_t cmd, int ext, uint32_t lba, uint32_t n, const char *what)
{
	unsigned base = irqs;
	if (ext)
		lba48(0, lba, n, cmd);
	else
		lba28(0, lba, n, cmd);
	wait_irq(base + 1, what);
	uint8_t st = irq_status;
	/* Sectors before the end may come first (QEMU checks each one). */
	for (uint32_t s = 0; lba + s < MASTER_SECTORS && (st & ST_DRQ); s++) {
		pio_in(buf, 256);
		wait_irq(base + s + 2, what);
		st = irq_status;
	}
	uint8_t err = inb(P_ERR);
	CHECK((st & (ST_BSY | ST_ERR | ST_DRQ)) == ST_ERR, "%s: status %x, expected ERR", what, st);
	CHECK(err & (ER_IDNF | ER_ABRT), "%s: error register %x, expected IDNF or ABRT", what, err);
	say("%s: status %x error %x", what, st, err);
}

void guest_main(const char *cmdline)
{
	static uint16_t id[256];
	strict = cmdline_value(cmdline, "strict") != NULL;
	pic_init(0x20, 0x28);
	set_irq_handler(0x20, irq0);
	set_irq_handler(0x2E, irq14);
	pit_init_hz(1000);
	pic_mask(0, 0);
	pic_mask(2, 0);
	pic_mask(14, 0);
	sti();

	reset_and_signature();
	identify(0, MASTER_SECTORS, id);
	identify(1, SLAVE_SECTORS, id);
	CHECK((id[47] & 0xFF) >= MULT, "max multiple %u < %u", id[47] & 0xFF, MULT);

	lba28(0, 0, 8, 0x20);
	data_in(8, 1, "READ SECTORS master 0-7");
	expect("READ SECTORS master 0-7", 'M', 0, 8);
	lba28(1, 1000, 3, 0x20);
	data_in(3, 1, "READ SECTORS slave 1000-1002");
	expect("READ SECTORS slave", 'S', 1000, 3);
	lba28(0, 1792, 0, 0x20); /* count 0 = 256 sectors */
	data_in(256, 1, "READ SECTORS master 1792-2047 (count 0)");
	expect("READ SECTORS count 0", 'M', 1792, 256);
	say("READ SECTORS with IRQ 14: master 0-7, 1792-2047, slave 1000-1002");
	read_polled();

	for (uint32_t s = 0; s < 4; s++)
		disk_sector(buf + 512 * s, 'w', 100 + s);
	lba28(0, 100, 4, 0x30);
	data_out(4, 1, "WRITE SECTORS master 100-103");
	for (uint32_t s = 0; s < 2; s++)
		disk_sector(buf + 512 * s, 'x', 5 + s);
	lba28(1, 5, 2, 0x30);
	data_out(2, 1, "WRITE SECTORS slave 5-6");
	memset(buf, 0, 4 * 512);
	lba28(0, 99, 6, 0x20);
	data_in(6, 1, "read-back master 99-104");
	expect("read-back 99", 'M', 99, 1);
	memcpy(buf, buf + 512, 4 * 512);
	expect("read-back 100-103", 'w', 100, 4);
	memcpy(buf, buf + 5 * 512, 512);
	expect("read-back 104", 'M', 104, 1);
	lba28(1, 5, 2, 0x20);
	data_in(2, 1, "read-back slave 5-6");
	expect("read-back slave 5-6", 'x', 5, 2);
	say("WRITE SECTORS: master 100-103, slave 5-6, read back");

	select_dev(0, 0);
	outb(P_NSECT, MULT);
	non_data(0xC6, "SET MULTIPLE MODE");
	identify(0, MASTER_SECTORS, id);
	/* QEMU 7.2 answers IDENTIFY from a copy made by the first one, so
	 * word 59 keeps the power-on setting there; strict asks for MULT. */
	CHECK((id[59] & 0x1FF) == (0x100 | MULT) ||
		      (!strict && (id[59] & 0x100) && (id[59] & 0xFF) <= (id[47] & 0xFF)),
	      "word 59 %x after SET MULTIPLE %u", id[59], MULT);
	lba28(0, 40, 10, 0xC4);
	data_in(10, MULT, "READ MULTIPLE 40-49");
	expect("READ MULTIPLE", 'M', 40, 10);
	for (uint32_t s = 0; s < 12; s++)
		disk_sector(buf + 512 * s, 'm', 200 + s);
	lba28(0, 200, 12, 0xC5);
	data_out(12, MULT, "WRITE MULTIPLE 200-211");
	memset(buf, 0, 12 * 512);
	lba28(0, 200, 12, 0xC4);
	data_in(12, MULT, "READ MULTIPLE 200-211");
	expect("WRITE MULTIPLE read-back", 'm', 200, 12);
	say("READ/WRITE MULTIPLE, %u sectors a block", MULT);

	lba48(0, 2040, 8, 0x24);
	data_in(8, 1, "READ SECTORS EXT 2040-2047");
	expect("READ SECTORS EXT", 'M', 2040, 8);
	lba48(0, 0x300, 0x100, 0x24);
	data_in(256, 1, "READ SECTORS EXT 768, count 256");
	expect("READ SECTORS EXT count 256", 'M', 0x300, 256);
	say("READ SECTORS EXT (LBA48): 2040-2047, 256 sectors from 768");

	non_data(0xE7, "FLUSH CACHE");
	non_data(0xEA, "FLUSH CACHE EXT");

	out_of_range(0x20, 0, MASTER_SECTORS, 1, "READ SECTORS at the capacity");
	out_of_range(0x24, 1, MASTER_SECTORS - 1, 2, "READ SECTORS EXT across the end");
	out_of_range(0x24, 1, 0x10000000ull, 1, "READ SECTORS EXT at 2^28");
	{
		unsigned base = irqs;
		select_dev(0, 0);
		outb(P_CMD, 0x01); /* no such command */
		wait_irq(base + 1, "unknown command");
		uint8_t st = irq_status, err = inb(P_ERR);
		CHECK((st & (ST_BSY | ST_ERR | ST_DRQ)) == ST_ERR && (err & ER_ABRT),
		      "unknown command 01: status %x error %x, expected ERR and ABRT", st, err);
	}
	lba28(0, 2047, 1, 0x20);
	data_in(1, 1, "READ SECTORS 2047 after the errors");
	expect("READ SECTORS 2047", 'M', 2047, 1);
	say("errors: past the end, unknown command; the device still reads");
	cli();
}
