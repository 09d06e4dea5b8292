/*
 * ide.c - legacy ATA controller model (see ide.h for the sources).
 *
 * Commands run to completion inside the port write that issues them: BSY
 * is never seen except while the guest holds SRST. A data command moves
 * one DRQ block at a time through d->buf: a read fetches the block from
 * the backend when the block is due, a write stores it when the guest has
 * filled it, so a command of 65536 sectors needs no more memory than one
 * block.
 *
 * Addressing. LBA28 (Device bit 6 set), LBA48 (the EXT commands, from the
 * register FIFO: the previous contents are bits 47-24 and count bits
 * 15-8), or CHS (Device bit 6 clear), which is converted to an LBA through
 * the logical geometry: 16 heads and 63 sectors per track at power-on,
 * changed by INITIALIZE DEVICE PARAMETERS. A sector count of 0 means 256
 * (65536 for EXT commands).
 *
 * Errors (ATA/ATAPI-6, each command's "Error outputs"): status DRDY|ERR (0x41) and
 *  - ABRT (0x04): unknown or unsupported command or subcommand, a write to
 *    a read-only disk, READ/WRITE MULTIPLE with multiple mode off, an
 *    invalid SET MULTIPLE MODE count;
 *  - IDNF (0x10): a range past the end of the disk, or a CHS sector 0 or
 *    sector/head outside the logical geometry; nothing is transferred;
 *  - UNC (0x40): the backend failed (or has no handler); the LBA registers
 *    give the first sector of the failing block.
 * Every completion, failed or not, sets INTRQ. After a successful block the
 * LBA registers hold the last sector moved.
 *
 * Resets: SRST keeps the multiple mode, geometry and write-cache settings
 * (as when "revert to power-on defaults" is disabled; SET FEATURES 0x66).
 */
#include <string.h>

#include "dev/ide.h"

/* Command Block register offsets (ATA/ATAPI-6, "Interface register definitions"). */
enum { REG_DATA, REG_ERROR, REG_NSECTOR, REG_LBAL, REG_LBAM, REG_LBAH, REG_DEVICE, REG_STATUS };

#define ST_ERR	0x01
#define ST_DRQ	0x08
#define ST_DSC	0x10
#define ST_DF	0x20
#define ST_DRDY 0x40
#define ST_BSY	0x80

#define ERR_ABRT 0x04
#define ERR_IDNF 0x10
#define ERR_UNC	 0x40

#define DEV_LBA 0x40
#define DEV_DEV 0x10

#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB	 0x80

#define DEFAULT_HEADS 16
#define DEFAULT_SPT   63

static bool present(const struct ide *d, unsigned i)
{
	return d->cfg.disk[i].sectors != 0;
}

static struct ide_drive *cur(struct ide *d)
{
	return &d->drive[d->sel];
}

/* INTRQ reaches the line only from the selected device, and only with
 * nIEN clear: a device not selected, or with nIEN set, releases it. */
static void update_irq(struct ide *d)
{
	bool level = !(d->devctl & CTL_NIEN) && present(d, d->sel) && cur(d)->intrq;
	if (level != d->irq_level) {
		d->irq_level = level;
		vdev_irq_set(&d->cfg.irq_sink, d->cfg.irq, level);
	}
}

/* Reset signature of an ATA device: count 1, LBA 1/0/0, device 0. */
static void signature(struct ide_drive *dr)
{
	dr->nsector = 1;
	dr->lbal = 1;
	dr->lbam = 0;
	dr->lbah = 0;
	dr->device = 0;
	dr->hob_nsector = dr->hob_lbal = dr->hob_lbam = dr->hob_lbah = 0;
}

static void reset_done(struct ide *d)
{
	for (unsigned i = 0; i < 2; i++) {
		struct ide_drive *dr = &d->drive[i];
		signature(dr);
		dr->status = present(d, i) ? ST_DRDY | ST_DSC : 0;
		dr->error = 0x01; /* diagnostic code: no error */
		dr->intrq = false;
	}
	d->sel = 0;
	d->xfer = IDE_XFER_NONE;
}

void ide_init(struct ide *d, const struct ide_config *cfg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	for (unsigned i = 0; i < 2; i++) {
		d->drive[i].heads = DEFAULT_HEADS;
		d->drive[i].spt = DEFAULT_SPT;
		d->drive[i].write_cache = true;
	}
	reset_done(d);
}

int ide_attach(struct ide *d, struct vdev_bus *bus)
{
	if (bus->n + 3 > VDEV_BUS_MAX_RANGES || (uint32_t)d->cfg.base + 8 > 0x10000u)
		return -1;
	for (unsigned p = 0; p < 8; p++)
		if (vdev_bus_find(bus, (uint16_t)(d->cfg.base + p)))
			return -1;
	if (vdev_bus_find(bus, d->cfg.ctl) ||
	    (d->cfg.ctl >= d->cfg.base && d->cfg.ctl - d->cfg.base < 8))
		return -1;
	/* The data port is 16/32-bit; the other registers are 8-bit, so the
	 * bus splits wide accesses to them (and hands bytes past the block
	 * to whoever owns those ports). */
	if (vdev_bus_register(bus, d->cfg.base, 1, 0, d, ide_pio_in, ide_pio_out, "ide-data") ||
	    vdev_bus_register(bus, (uint16_t)(d->cfg.base + 1), 7, VDEV_PIO_BYTES, d, ide_pio_in,
			      ide_pio_out, "ide") ||
	    vdev_bus_register(bus, d->cfg.ctl, 1, VDEV_PIO_BYTES, d, ide_pio_in, ide_pio_out,
			      "ide-ctl"))
		return -1; /* not reached: checked above */
	return 0;
}

/* ---------------------------------------------------------------- completion */

static void done(struct ide *d)
{
	struct ide_drive *dr = cur(d);
	dr->status = ST_DRDY | ST_DSC;
	d->xfer = IDE_XFER_NONE;
	dr->intrq = true;
}

static void fail(struct ide *d, uint8_t err)
{
	struct ide_drive *dr = cur(d);
	dr->status = ST_DRDY | ST_ERR;
	dr->error = err;
	d->xfer = IDE_XFER_NONE;
	dr->intrq = true;
}

/* ---------------------------------------------------------------- addressing */

/* Decode the command's starting sector and count from the selected
 * device's registers and check the range. Returns false for IDNF. */
static bool decode(struct ide *d, bool lba48, uint64_t *lba, uint32_t *count)
{
	const struct ide_drive *dr = cur(d);
	uint64_t sectors = d->cfg.disk[d->sel].sectors;

	if (lba48) {
		*lba = (uint64_t)dr->hob_lbah << 40 | (uint64_t)dr->hob_lbam << 32 |
		       (uint64_t)dr->hob_lbal << 24 | (uint64_t)dr->lbah << 16 |
		       (uint64_t)dr->lbam << 8 | dr->lbal;
		*count = (uint32_t)dr->hob_nsector << 8 | dr->nsector;
		if (*count == 0)
			*count = 65536;
	} else {
		*count = dr->nsector ? dr->nsector : 256;
		if (dr->device & DEV_LBA) {
			*lba = (uint64_t)(dr->device & 0x0F) << 24 | (uint64_t)dr->lbah << 16 |
			       (uint64_t)dr->lbam << 8 | dr->lbal;
		} else {
			unsigned cyl = (unsigned)dr->lbah << 8 | dr->lbam;
			unsigned head = dr->device & 0x0F, s = dr->lbal;
			if (s == 0 || s > dr->spt || head >= dr->heads)
				return false;
			*lba = ((uint64_t)cyl * dr->heads + head) * dr->spt + s - 1;
		}
	}
	return *lba < sectors && *count <= sectors - *lba;
}

/* Put lba in the selected device's address registers in the form the
 * current command used. */
static void set_addr(struct ide *d, uint64_t lba)
{
	struct ide_drive *dr = cur(d);

	if (d->lba48) {
		dr->lbal = (uint8_t)lba;
		dr->lbam = (uint8_t)(lba >> 8);
		dr->lbah = (uint8_t)(lba >> 16);
		dr->hob_lbal = (uint8_t)(lba >> 24);
		dr->hob_lbam = (uint8_t)(lba >> 32);
		dr->hob_lbah = (uint8_t)(lba >> 40);
	} else if (d->chs) {
		unsigned per_cyl = (unsigned)dr->heads * dr->spt;
		uint64_t cyl = lba / per_cyl;
		unsigned rem = (unsigned)(lba % per_cyl);
		dr->lbal = (uint8_t)(rem % dr->spt + 1);
		dr->lbam = (uint8_t)cyl;
		dr->lbah = (uint8_t)(cyl >> 8);
		dr->device = (uint8_t)((dr->device & 0xF0) | (rem / dr->spt));
	} else {
		dr->lbal = (uint8_t)lba;
		dr->lbam = (uint8_t)(lba >> 8);
		dr->lbah = (uint8_t)(lba >> 16);
		dr->device = (uint8_t)((dr->device & 0xF0) | ((lba >> 24) & 0x0F));
	}
}

/* ---------------------------------------------------------------- PIO */

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Fetch the block at d->lba and offer it to the guest (PIO data-in protocol:
 * DRQ and an interrupt per block). */
static void read_block(struct ide *d)
{
	const struct vdev_disk *disk = &d->cfg.disk[d->sel];
	struct ide_drive *dr = cur(d);
	uint32_t n = min32(d->left, d->blk);

	if (!disk->read || disk->read(disk->ctx, d->lba, d->buf, n) != 0) {
		set_addr(d, d->lba);
		fail(d, ERR_UNC);
		return;
	}
	set_addr(d, d->lba + n - 1);
	d->buf_len = n * VDEV_SECTOR;
	d->buf_pos = 0;
	d->xfer = IDE_XFER_IN;
	dr->status = ST_DRDY | ST_DSC | ST_DRQ;
	dr->intrq = true;
}

/* Ask for the block at d->lba (PIO data-out: no interrupt before the first). */
static void want_block(struct ide *d, bool irq)
{
	struct ide_drive *dr = cur(d);
	d->buf_len = min32(d->left, d->blk) * VDEV_SECTOR;
	d->buf_pos = 0;
	d->xfer = IDE_XFER_OUT;
	dr->status = ST_DRDY | ST_DSC | ST_DRQ;
	if (irq)
		dr->intrq = true;
}

/* The guest has read the whole block in buf. */
static void in_block_done(struct ide *d)
{
	uint32_t n = d->buf_len / VDEV_SECTOR;
	if (d->left > n) {
		d->lba += n;
		d->left -= n;
		read_block(d);
		return;
	}
	/* End of a data-in command: no interrupt (PIO data-in protocol). */
	cur(d)->status = ST_DRDY | ST_DSC;
	d->xfer = IDE_XFER_NONE;
}

/* The guest has filled the block in buf. */
static void out_block_done(struct ide *d)
{
	const struct vdev_disk *disk = &d->cfg.disk[d->sel];
	uint32_t n = d->buf_len / VDEV_SECTOR;

	if (!disk->write || disk->write(disk->ctx, d->lba, d->buf, n) != 0) {
		set_addr(d, d->lba);
		fail(d, ERR_UNC);
		return;
	}
	set_addr(d, d->lba + n - 1);
	if (d->left > n) {
		d->lba += n;
		d->left -= n;
		want_block(d, true);
	} else {
		done(d);
	}
}

static uint16_t data_in(struct ide *d)
{
	if (d->xfer != IDE_XFER_IN)
		return 0;
	uint16_t w = (uint16_t)(d->buf[d->buf_pos] | d->buf[d->buf_pos + 1] << 8);
	d->buf_pos += 2;
	if (d->buf_pos >= d->buf_len)
		in_block_done(d);
	return w;
}

static void data_out(struct ide *d, uint16_t w)
{
	if (d->xfer != IDE_XFER_OUT)
		return;
	d->buf[d->buf_pos] = (uint8_t)w;
	d->buf[d->buf_pos + 1] = (uint8_t)(w >> 8);
	d->buf_pos += 2;
	if (d->buf_pos >= d->buf_len)
		out_block_done(d);
}

/* ---------------------------------------------------------------- commands */

/* An ATA string (IDENTIFY DEVICE data): two characters per word, the
 * first in bits 15-8, padded with spaces. */
static void put_string(uint16_t *id, unsigned word, unsigned nwords, const char *s)
{
	for (unsigned i = 0; i < 2 * nwords; i++) {
		uint8_t c = ' ';
		if (s && *s)
			c = (uint8_t)*s++;
		if (i % 2 == 0)
			id[word + i / 2] = (uint16_t)(c << 8);
		else
			id[word + i / 2] |= c;
	}
}

/* IDENTIFY DEVICE data of the selected device: serial "VMM-IDE-<n>",
 * firmware "1.0", PIO modes 0-4, no DMA. */
static void identify(struct ide *d)
{
	const struct ide_drive *dr = cur(d);
	uint64_t n = d->cfg.disk[d->sel].sectors;
	uint16_t id[256];
	char serial[] = "VMM-IDE-0";

	memset(id, 0, sizeof(id));
	serial[sizeof(serial) - 2] = (char)('0' + d->sel);

	uint64_t cyl = n / (DEFAULT_HEADS * DEFAULT_SPT);
	id[0] = 0x0040; /* fixed device, ATA */
	id[1] = (uint16_t)(cyl > 16383 ? 16383 : cyl);
	id[3] = DEFAULT_HEADS;
	id[6] = DEFAULT_SPT;
	put_string(id, 10, 10, serial);
	put_string(id, 23, 4, "1.0");
	put_string(id, 27, 20, d->cfg.model ? d->cfg.model : "VMM HARDDISK");
	id[47] = 0x8000 | IDE_MAX_MULTIPLE;
	id[49] = 1u << 11 | 1u << 9; /* IORDY, LBA */
	id[50] = 0x4000;
	id[51] = 0x0200; /* PIO mode 2 timing (obsolete word) */
	id[53] = 0x0003; /* words 54-58 and 64-70 valid */
	uint64_t ccyl = n / ((unsigned)dr->heads * dr->spt);
	if (ccyl > 65535)
		ccyl = 65535;
	uint32_t ccap = (uint32_t)(ccyl * dr->heads * dr->spt);
	id[54] = (uint16_t)ccyl;
	id[55] = dr->heads;
	id[56] = dr->spt;
	id[57] = (uint16_t)ccap;
	id[58] = (uint16_t)(ccap >> 16);
	if (dr->mult)
		id[59] = 0x0100 | dr->mult;
	uint32_t lba28 = n > 0x0FFFFFFF ? 0x0FFFFFFF : (uint32_t)n;
	id[60] = (uint16_t)lba28;
	id[61] = (uint16_t)(lba28 >> 16);
	id[64] = 0x0003;				  /* PIO modes 3 and 4 */
	id[65] = id[66] = id[67] = id[68] = 120;	  /* cycle times, ns */
	id[80] = 0x00F0;				  /* ATA/ATAPI-4 to -7 */
	id[82] = 1u << 5;				  /* write cache */
	id[83] = 0x4000 | 1u << 13 | 1u << 12 | 1u << 10; /* FLUSH EXT, FLUSH, LBA48 */
	id[84] = 0x4000;
	id[85] = dr->write_cache ? 1u << 5 : 0;
	id[86] = 1u << 13 | 1u << 12 | 1u << 10;
	id[87] = 0x4000;
	for (unsigned i = 0; i < 4; i++)
		id[100 + i] = (uint16_t)(n >> (16 * i));

	/* Integrity word (word 255): signature 0xA5, then a checksum making
	 * the sum of all 512 bytes 0 mod 256. */
	uint8_t sum = 0xA5;
	for (unsigned i = 0; i < 255; i++)
		sum = (uint8_t)(sum + (id[i] & 0xFF) + (id[i] >> 8));
	id[255] = (uint16_t)((uint8_t)-sum << 8 | 0xA5);

	for (unsigned i = 0; i < 256; i++) {
		d->buf[2 * i] = (uint8_t)id[i];
		d->buf[2 * i + 1] = (uint8_t)(id[i] >> 8);
	}
	d->left = 0; /* no backing sectors */
	d->buf_len = VDEV_SECTOR;
	d->buf_pos = 0;
	d->xfer = IDE_XFER_IN;
	cur(d)->status = ST_DRDY | ST_DSC | ST_DRQ;
	cur(d)->intrq = true;
}

static void rw(struct ide *d, bool write, bool lba48, uint32_t blk)
{
	uint64_t lba;
	uint32_t count;

	if (blk == 0 || (write && d->cfg.disk[d->sel].readonly)) {
		fail(d, ERR_ABRT);
		return;
	}
	if (!decode(d, lba48, &lba, &count)) {
		fail(d, ERR_IDNF);
		return;
	}
	d->lba48 = lba48;
	d->chs = !lba48 && !(cur(d)->device & DEV_LBA);
	d->lba = lba;
	d->left = count;
	d->blk = blk;
	if (write)
		want_block(d, false);
	else
		read_block(d);
}

static void set_features(struct ide *d)
{
	struct ide_drive *dr = cur(d);

	switch (dr->feature) {
	case 0x02:
		dr->write_cache = true;
		break;
	case 0x82:
		dr->write_cache = false;
		break;
	case 0x03: /* transfer mode in the count: PIO default or PIO 0-4 */
		if (dr->nsector > 0x01 && (dr->nsector < 0x08 || dr->nsector > 0x0C)) {
			fail(d, ERR_ABRT);
			return;
		}
		break;
	case 0x55: /* read look-ahead off */
	case 0xAA: /* read look-ahead on */
	case 0x66: /* revert to power-on defaults off */
	case 0xCC: /* revert to power-on defaults on */
		break;
	default:
		fail(d, ERR_ABRT);
		return;
	}
	done(d);
}

static void command(struct ide *d, uint8_t cmd)
{
	struct ide_drive *dr = cur(d);
	const struct vdev_disk *disk = &d->cfg.disk[d->sel];

	dr->error = 0;
	switch (cmd) {
	case 0xEC: /* IDENTIFY DEVICE */
		identify(d);
		break;
	case 0x20: /* READ SECTORS (0x21: without retries) */
	case 0x21:
		rw(d, false, false, 1);
		break;
	case 0x30: /* WRITE SECTORS */
	case 0x31:
		rw(d, true, false, 1);
		break;
	case 0xC4: /* READ MULTIPLE */
		rw(d, false, false, dr->mult);
		break;
	case 0xC5: /* WRITE MULTIPLE */
		rw(d, true, false, dr->mult);
		break;
	case 0x24: /* READ SECTORS EXT */
		rw(d, false, true, 1);
		break;
	case 0x34: /* WRITE SECTORS EXT */
		rw(d, true, true, 1);
		break;
	case 0x29: /* READ MULTIPLE EXT */
		rw(d, false, true, dr->mult);
		break;
	case 0x39: /* WRITE MULTIPLE EXT */
		rw(d, true, true, dr->mult);
		break;
	case 0xC6: /* SET MULTIPLE MODE: 0 disables; powers of two up to max */
		if (dr->nsector > IDE_MAX_MULTIPLE || (dr->nsector & (dr->nsector - 1))) {
			fail(d, ERR_ABRT);
			break;
		}
		dr->mult = dr->nsector;
		done(d);
		break;
	case 0xE7: /* FLUSH CACHE */
	case 0xEA: /* FLUSH CACHE EXT */
		if (disk->flush && disk->flush(disk->ctx) != 0)
			fail(d, ERR_UNC);
		else
			done(d);
		break;
	case 0xEF: /* SET FEATURES */
		set_features(d);
		break;
	case 0x91: /* INITIALIZE DEVICE PARAMETERS */
		if (dr->nsector == 0) {
			fail(d, ERR_ABRT);
			break;
		}
		dr->spt = dr->nsector;
		dr->heads = (uint8_t)((dr->device & 0x0F) + 1);
		done(d);
		break;
	case 0x10: /* RECALIBRATE */
		done(d);
		break;
	default: /* IDENTIFY PACKET DEVICE (0xA1) and everything else */
		fail(d, ERR_ABRT);
		break;
	}
}

/* ---------------------------------------------------------------- registers */

static uint8_t reg_read(struct ide *d, unsigned reg)
{
	struct ide_drive *dr = cur(d);
	bool hob = d->devctl & CTL_HOB;
	bool none = !present(d, 0) && !present(d, 1);
	bool absent = !present(d, d->sel);

	if (none)
		return 0; /* QEMU: a channel without devices reads 0 */
	switch (reg) {
	case REG_ERROR:
		return absent ? 0 : dr->error;
	case REG_NSECTOR:
		return hob ? dr->hob_nsector : dr->nsector;
	case REG_LBAL:
		return hob ? dr->hob_lbal : dr->lbal;
	case REG_LBAM:
		return hob ? dr->hob_lbam : dr->lbam;
	case REG_LBAH:
		return hob ? dr->hob_lbah : dr->lbah;
	case REG_DEVICE:
		return dr->device;
	case REG_STATUS:
		if (absent)
			return 0;
		dr->intrq = false; /* reading Status clears INTRQ */
		return dr->status;
	default:
		return 0xFF;
	}
}

static void reg_write(struct ide *d, unsigned reg, uint8_t v)
{
	if (reg == REG_STATUS) {
		d->devctl &= (uint8_t)~CTL_HOB;
		struct ide_drive *dr = cur(d);
		/* Commands to an absent device, or while busy or in a data
		 * phase, are ignored (QEMU; the host shall not issue them). */
		if (!present(d, d->sel) || (dr->status & (ST_BSY | ST_DRQ)))
			return;
		dr->intrq = false; /* writing Command clears INTRQ: the line */
		update_irq(d);	   /* drops, and the completion is a new edge */
		command(d, v);
		return;
	}
	if (cur(d)->status & (ST_BSY | ST_DRQ))
		return;
	d->devctl &= (uint8_t)~CTL_HOB; /* a register write clears HOB */
	for (unsigned i = 0; i < 2; i++) {
		struct ide_drive *dr = &d->drive[i];
		switch (reg) {
		case REG_ERROR:
			dr->hob_feature = dr->feature;
			dr->feature = v;
			break;
		case REG_NSECTOR:
			dr->hob_nsector = dr->nsector;
			dr->nsector = v;
			break;
		case REG_LBAL:
			dr->hob_lbal = dr->lbal;
			dr->lbal = v;
			break;
		case REG_LBAM:
			dr->hob_lbam = dr->lbam;
			dr->lbam = v;
			break;
		case REG_LBAH:
			dr->hob_lbah = dr->lbah;
			dr->lbah = v;
			break;
		case REG_DEVICE:
			dr->device = v;
			break;
		default:
			break;
		}
	}
	if (reg == REG_DEVICE)
		d->sel = (v & DEV_DEV) ? 1 : 0;
}

/* Device Control. SRST held: both devices BSY, transfers
 * abandoned; SRST released: reset complete, signatures in place. */
static void devctl_write(struct ide *d, uint8_t v)
{
	uint8_t old = d->devctl;
	d->devctl = v;
	if ((v & CTL_SRST) && !(old & CTL_SRST)) {
		for (unsigned i = 0; i < 2; i++) {
			d->drive[i].status = ST_BSY;
			d->drive[i].intrq = false;
		}
		d->xfer = IDE_XFER_NONE;
	} else if (!(v & CTL_SRST) && (old & CTL_SRST)) {
		reset_done(d);
	}
}

void ide_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct ide *d = dev;
	(void)now_ns;

	if (port == d->cfg.ctl) {
		/* Alternate Status: Status without clearing INTRQ. */
		bool absent = !present(d, d->sel);
		*val = absent ? 0 : cur(d)->status;
		return;
	}
	unsigned reg = (uint16_t)(port - d->cfg.base);
	if (reg == REG_DATA) {
		uint32_t v = data_in(d);
		if (size == 4)
			v |= (uint32_t)data_in(d) << 16;
		*val = v & vdev_size_mask(size);
	} else if (reg < 8) {
		*val = reg_read(d, reg);
	}
	update_irq(d);
}

void ide_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct ide *d = dev;
	(void)now_ns;

	if (port == d->cfg.ctl) {
		devctl_write(d, (uint8_t)val);
	} else {
		unsigned reg = (uint16_t)(port - d->cfg.base);
		if (reg == REG_DATA) {
			data_out(d, (uint16_t)(val & vdev_size_mask(size)));
			if (size == 4)
				data_out(d, (uint16_t)(val >> 16));
		} else if (reg < 8) {
			reg_write(d, reg, (uint8_t)val);
		}
	}
	update_irq(d);
}
