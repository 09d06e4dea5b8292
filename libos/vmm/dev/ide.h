/*
 * ide.h - a legacy ATA (IDE) controller, one channel (primary: command
 * block 0x1F0-0x1F7, control block 0x3F6, IRQ 14), master and slave disks,
 * PIO only.
 *
 * Sources: ATA/ATAPI-6 (T13 1410D rev. 3b), by clause name, not number:
 * "Interface register definitions" (Command and Control block registers,
 * Device Control with nIEN, SRST and HOB, and the two-deep register FIFO
 * of the 48-bit Address feature set), "Command descriptions" (the commands
 * below, IDENTIFY DEVICE data, error outputs), "Protocol" (PIO data-in:
 * DRQ and an interrupt per block; PIO data-out: no interrupt before the
 * first block, one after each; software reset and the ATA signature;
 * INTRQ cleared by a Status read or a Command write). The decisions the
 * spec leaves open follow QEMU's hw/ide/core.c: register writes go to both
 * devices; an absent device reads status and error 0 when selected (its
 * other registers echo what was written, so Linux's probe then classifies
 * it by the error register as no device), a channel with no device reads
 * 0 everywhere, and commands to an absent device are ignored; writes to the
 * Command Block (other than the data port) and commands are ignored while
 * the selected device has DRQ set.
 *
 * Supported commands: IDENTIFY DEVICE (0xEC), READ/WRITE SECTORS
 * (0x20/0x21, 0x30/0x31), READ/WRITE MULTIPLE (0xC4/0xC5), SET MULTIPLE
 * MODE (0xC6), READ/WRITE SECTORS EXT (0x24/0x34), READ/WRITE MULTIPLE EXT
 * (0x29/0x39), FLUSH CACHE (0xE7), FLUSH CACHE EXT (0xEA), SET FEATURES
 * (0xEF), INITIALIZE DEVICE PARAMETERS (0x91), RECALIBRATE (0x10). Any
 * other command, IDENTIFY PACKET DEVICE included, completes with ERR and
 * error ABRT. See ide.c for addressing and error reporting.
 */
#ifndef VMM_DEV_IDE_H
#define VMM_DEV_IDE_H

#include "dev/vdev.h"

#define IDE_MAX_MULTIPLE 16 /* sectors per READ/WRITE MULTIPLE block, max */

struct ide_config {
	uint16_t base; /* command block, 0x1F0 */
	uint16_t ctl;  /* control block, 0x3F6 */
	unsigned irq;  /* 14 */
	struct vdev_irq irq_sink;
	struct vdev_disk disk[2]; /* master, slave; sectors == 0: absent */
	const char *model;	  /* IDENTIFY model (<= 40 chars used); must outlive d */
};

/* One device's registers. Host writes to the Command Block reach both
 * devices' copies; reads come from the selected device's. */
struct ide_drive {
	uint8_t status, error;
	uint8_t feature, nsector, lbal, lbam, lbah;			/* last written */
	uint8_t hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah; /* before */
	uint8_t device;	  /* Device register: bit 6 LBA, bit 4 DEV, 3-0 head/LBA 27-24 */
	bool intrq;	  /* interrupt pending (drives INTRQ when selected, nIEN clear) */
	uint8_t mult;	  /* READ/WRITE MULTIPLE block, sectors; 0 = disabled */
	uint8_t heads;	  /* logical CHS geometry (INITIALIZE DEVICE PARAMETERS) */
	uint8_t spt;	  /* sectors per track, 1-255 */
	bool write_cache; /* SET FEATURES 0x02/0x82; reported in IDENTIFY only */
};

enum ide_xfer { IDE_XFER_NONE, IDE_XFER_IN, IDE_XFER_OUT };

struct ide {
	struct ide_config cfg;
	struct ide_drive drive[2];
	unsigned sel;	/* selected device: the DEV bit last written */
	uint8_t devctl; /* Device Control: bit 1 nIEN, bit 2 SRST, bit 7 HOB */
	bool irq_level; /* what we last drove on the IRQ line */
	/*
	 * The PIO transfer of the selected device. Invariant: xfer !=
	 * IDE_XFER_NONE exactly when drive[sel].status has DRQ; buf_pos <=
	 * buf_len <= sizeof(buf). The block in buf holds sectors [lba, lba +
	 * buf_len / 512); left counts the sectors from lba to the end of the
	 * command (0 for IDENTIFY, which has no backing sectors).
	 */
	enum ide_xfer xfer;
	bool lba48, chs; /* how the command addressed the disk (register updates) */
	uint64_t lba;
	uint32_t left;
	uint32_t blk;	  /* sectors per DRQ block */
	uint32_t buf_len; /* bytes */
	uint32_t buf_pos; /* bytes */
	uint8_t buf[IDE_MAX_MULTIPLE * VDEV_SECTOR];
};

/* Power-on state: both devices present according to cfg->disk[i].sectors,
 * master selected, status DRDY|DSC (0x50) for a present device, the reset
 * signature in the registers, multiple mode off, geometry 16 heads and 63
 * sectors per track, nIEN clear, IRQ line low. cfg->model may be NULL. */
void ide_init(struct ide *d, const struct ide_config *cfg);

/*
 * Claim ports cfg.base..cfg.base+7 and cfg.ctl (one port) on bus.
 * Returns 0, or -1 with nothing claimed if a port is taken or the bus has
 * no room for both ranges.
 */
int ide_attach(struct ide *d, struct vdev_bus *bus);

/*
 * Port handlers (vdev_pio_in_fn/vdev_pio_out_fn). The data port (base)
 * moves one 16-bit word per 2-byte access and two words per 4-byte access
 * (low word first, as the PIIX does); a 1-byte access moves a word too and
 * keeps its low byte. Other ports are 8-bit: a wider access is split into
 * bytes on consecutive ports. Reads of the data port outside a data-in
 * phase give 0.
 */
void ide_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void ide_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

#endif
