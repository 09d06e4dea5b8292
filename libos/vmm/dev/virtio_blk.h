/*
 * virtio_blk.h - a virtio block device on the virtio-mmio transport,
 * version 2 (modern) only, one request queue.
 *
 * Source: Virtual I/O Device (VIRTIO) Version 1.1 (OASIS, 2019): §2.1
 * (device status, DEVICE_NEEDS_RESET), §2.2 (feature bits), §2.6 (split
 * virtqueues: descriptor table, available and used rings), §3.1
 * (initialisation), §4.2.2 (MMIO register layout), §5.2 (block device:
 * configuration layout, request format, status values).
 *
 * Features offered: VIRTIO_F_VERSION_1 (required: a driver that does not
 * accept it cannot set FEATURES_OK), VIRTIO_BLK_F_SEG_MAX,
 * VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH, and VIRTIO_BLK_F_RO for a
 * read-only disk. No indirect descriptors, no event index.
 *
 * Requests run synchronously inside the QueueNotify write. Guest memory is
 * reached only through the struct vdev_dma in the config; the guest is
 * treated as hostile (see virtio_blk.c for what each malformed request
 * gets).
 */
#ifndef VMM_DEV_VIRTIO_BLK_H
#define VMM_DEV_VIRTIO_BLK_H

#include "dev/vdev.h"

#define VIRTIO_MMIO_WINDOW   0x200	 /* bytes of register window */
#define VIRTIO_BLK_QUEUE_MAX 256	 /* QueueNumMax */
#define VIRTIO_BLK_BOUNCE    (64 * 1024) /* bytes moved per backend call, max */
#define VIRTIO_BLK_ID_BYTES  20		 /* GET_ID answer (§5.2.6) */

struct virtio_blk_config {
	uint64_t base; /* guest-physical address of the 0x200-byte register window */
	unsigned irq;  /* the IOAPIC input (GSI) it drives, e.g. 16 */
	struct vdev_irq irq_sink;
	struct vdev_dma dma;
	struct vdev_disk disk;
	const char *serial; /* GET_ID answer (<= 20 bytes used); may be NULL */
};

/* A descriptor as read from the guest's table (§2.6.5). */
struct virtio_blk_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtio_blk {
	struct virtio_blk_config cfg;
	uint8_t status; /* Device Status (§2.1) */
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t drv_features; /* as written; checked when FEATURES_OK is set */
	uint32_t queue_sel;
	uint32_t isr;	/* InterruptStatus: bit 0 used buffer, bit 1 config change */
	bool irq_level; /* what we last drove: isr != 0 */
	/* Queue 0. The registers are writable only while q_ready is 0. */
	uint32_t q_num;
	bool q_ready;
	uint64_t q_desc, q_driver, q_device; /* guest-physical */
	uint16_t last_avail;		     /* next available ring entry to take */
	uint16_t used_idx;		     /* our copy: the guest's is never read */
	uint8_t id[VIRTIO_BLK_ID_BYTES];
	/* Scratch for one request: its descriptor chain (at most q_num long)
	 * and the bounce buffer between guest memory and the backend. */
	struct virtio_blk_desc chain[VIRTIO_BLK_QUEUE_MAX];
	unsigned chain_len;
	uint8_t bounce[VIRTIO_BLK_BOUNCE];
};

/* Reset state (§2.1: status 0, no features, queue not ready). cfg->serial
 * is copied (20 bytes, NUL-padded). */
void virtio_blk_init(struct virtio_blk *v, const struct virtio_blk_config *cfg);

/* Claim guest-physical [cfg.base, cfg.base + VIRTIO_MMIO_WINDOW) on bus.
 * Returns 0, or -1 (nothing claimed) on overlap or a full bus. */
int virtio_blk_attach(struct virtio_blk *v, struct vdev_mmio_bus *bus);

/*
 * MMIO handlers (vdev_mmio_read_fn/vdev_mmio_write_fn); off is the offset
 * in the window. Registers (off < 0x100) take aligned 32-bit accesses
 * only; any other access reads 0 and writes are ignored. The configuration
 * space (0x100-0x1FF) reads with 1, 2, 4 or 8-byte naturally aligned
 * accesses; it is read-only.
 */
void virtio_blk_mmio_read(void *dev, uint64_t off, unsigned size, uint64_t *val, uint64_t now_ns);
void virtio_blk_mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns);

#endif
