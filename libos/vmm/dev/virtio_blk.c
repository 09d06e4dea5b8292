/*
 * virtio_blk.c - virtio-mmio block device model (see virtio_blk.h).
 *
 * The guest is hostile. The device trusts nothing it reads from guest
 * memory and keeps its own copies of what it must rely on (the used index,
 * the queue registers). What a malformed request gets:
 *
 *  - Broken queue or chain, where no status byte can be trusted: a queue
 *    size that is 0, not a power of two or above QueueNumMax; rings that
 *    are misaligned (§2.6: 16, 2, 4 bytes), wrap the address space or lie
 *    outside guest RAM; an available index more than the queue size ahead
 *    of the device's; a descriptor index >= the queue size; a chain longer
 *    than the queue (a loop); an indirect descriptor (not offered); a chain
 *    with no device-writable byte; a status byte outside guest RAM. The
 *    device sets DEVICE_NEEDS_RESET (§2.1.2), sends a configuration change
 *    interrupt if DRIVER_OK is set, and takes nothing more from the queue
 *    until the driver resets it.
 *  - A well-formed chain with a bad request: a header shorter than 16
 *    bytes, a device-readable descriptor after a device-writable one
 *    (§2.6.4), a data buffer outside guest RAM, a data length not a
 *    multiple of 512, a range past the end of the disk, a write to a
 *    read-only disk, a backend error: status VIRTIO_BLK_S_IOERR in the
 *    last device-writable byte of the chain. Unknown types get
 *    VIRTIO_BLK_S_UNSUPP.
 *
 * The chain is read as two byte streams, device-readable (header, then
 * data for OUT) and device-writable (data for IN and GET_ID, then the
 * status byte last), so any arrangement of descriptors works (§2.6.4,
 * "Message Framing"); zero-length descriptors contribute nothing. Data
 * moves through a 64 KiB bounce buffer; a request's data is bounded by the
 * disk's size before anything moves.
 *
 * Notifications before DRIVER_OK (and FEATURES_OK) are ignored: the device
 * must not consume buffers then (§2.1.2). They are taken at the first
 * notification after DRIVER_OK.
 */
#include <string.h>

#include "dev/virtio_blk.h"

/* MMIO registers (§4.2.2, Table 4.1). */
#define R_MAGIC		  0x000
#define R_VERSION	  0x004
#define R_DEVICE_ID	  0x008
#define R_VENDOR_ID	  0x00C
#define R_DEV_FEATURES	  0x010
#define R_DEV_FEAT_SEL	  0x014
#define R_DRV_FEATURES	  0x020
#define R_DRV_FEAT_SEL	  0x024
#define R_QUEUE_SEL	  0x030
#define R_QUEUE_NUM_MAX	  0x034
#define R_QUEUE_NUM	  0x038
#define R_QUEUE_READY	  0x044
#define R_QUEUE_NOTIFY	  0x050
#define R_INT_STATUS	  0x060
#define R_INT_ACK	  0x064
#define R_STATUS	  0x070
#define R_QUEUE_DESC_LO	  0x080
#define R_QUEUE_DESC_HI	  0x084
#define R_QUEUE_DRIVER_LO 0x090
#define R_QUEUE_DRIVER_HI 0x094
#define R_QUEUE_DEVICE_LO 0x0A0
#define R_QUEUE_DEVICE_HI 0x0A4
#define R_CONFIG_GEN	  0x0FC
#define R_CONFIG	  0x100

#define MMIO_MAGIC 0x74726976u /* "virt" */
#define VENDOR_ID  0x554D4551u /* "QEMU" */
#define DEVICE_BLK 2u

/* Device status bits (§2.1). */
#define S_ACKNOWLEDGE 0x01
#define S_DRIVER      0x02
#define S_DRIVER_OK   0x04
#define S_FEATURES_OK 0x08
#define S_NEEDS_RESET 0x40
#define S_FAILED      0x80

/* Feature bits (§5.2.3, §6). */
#define F_SEG_MAX   (1ull << 2)
#define F_RO	    (1ull << 5)
#define F_BLK_SIZE  (1ull << 6)
#define F_FLUSH	    (1ull << 9)
#define F_VERSION_1 (1ull << 32)

#define ISR_USED   0x1
#define ISR_CONFIG 0x2

/* Split virtqueue (§2.6.5, §2.6.6, §2.6.8). */
#define DESC_F_NEXT	     1
#define DESC_F_WRITE	     2
#define DESC_F_INDIRECT	     4
#define AVAIL_F_NO_INTERRUPT 1

/* Requests (§5.2.6). */
#define T_IN	     0
#define T_OUT	     1
#define T_FLUSH	     4
#define T_GET_ID     8
#define BLK_S_OK     0
#define BLK_S_IOERR  1
#define BLK_S_UNSUPP 2

#define HDR_BYTES 16			     /* type, reserved, sector */
#define SEG_MAX	  (VIRTIO_BLK_QUEUE_MAX - 2) /* a header and a status too */

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t device_features(const struct virtio_blk *v)
{
	uint64_t f = F_VERSION_1 | F_SEG_MAX | F_BLK_SIZE | F_FLUSH;
	if (v->cfg.disk.readonly)
		f |= F_RO;
	return f;
}

static void update_irq(struct virtio_blk *v)
{
	bool level = v->isr != 0;
	if (level != v->irq_level) {
		v->irq_level = level;
		vdev_irq_set(&v->cfg.irq_sink, v->cfg.irq, level);
	}
}

static void reset(struct virtio_blk *v)
{
	v->status = 0;
	v->dev_features_sel = v->drv_features_sel = 0;
	v->drv_features = 0;
	v->queue_sel = 0;
	v->isr = 0;
	v->q_num = 0;
	v->q_ready = false;
	v->q_desc = v->q_driver = v->q_device = 0;
	v->last_avail = v->used_idx = 0;
	v->chain_len = 0;
	update_irq(v);
}

void virtio_blk_init(struct virtio_blk *v, const struct virtio_blk_config *cfg)
{
	memset(v, 0, sizeof(*v));
	v->cfg = *cfg;
	for (unsigned i = 0; cfg->serial && i < VIRTIO_BLK_ID_BYTES && cfg->serial[i]; i++)
		v->id[i] = (uint8_t)cfg->serial[i];
	reset(v);
}

int virtio_blk_attach(struct virtio_blk *v, struct vdev_mmio_bus *bus)
{
	return vdev_mmio_register(bus, v->cfg.base, VIRTIO_MMIO_WINDOW, v, virtio_blk_mmio_read,
				  virtio_blk_mmio_write, "virtio-blk");
}

/* §2.1.2: the device is broken until reset; tell a running driver. */
static void needs_reset(struct virtio_blk *v)
{
	v->status |= S_NEEDS_RESET;
	if (v->status & S_DRIVER_OK) {
		v->isr |= ISR_CONFIG;
		update_irq(v);
	}
}

/* ---------------------------------------------------------------- guest memory */

static int gread(struct virtio_blk *v, uint64_t gpa, void *buf, size_t len)
{
	return v->cfg.dma.read ? v->cfg.dma.read(v->cfg.dma.ctx, gpa, buf, len) : -1;
}

static int gwrite(struct virtio_blk *v, uint64_t gpa, const void *buf, size_t len)
{
	return v->cfg.dma.write ? v->cfg.dma.write(v->cfg.dma.ctx, gpa, buf, len) : -1;
}

/* [addr, addr + len) does not wrap the guest-physical address space. */
static bool no_wrap(uint64_t addr, uint64_t len)
{
	return addr + len >= addr;
}

/*
 * Copy len bytes at offset off of the chain's device-writable stream
 * (write = true, from buf) or device-readable stream (write = false, into
 * buf). Returns 0, or -1 if the range runs past the stream or touches
 * memory outside guest RAM (part of it may have moved).
 */
static int stream(struct virtio_blk *v, bool write, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	for (unsigned i = 0; i < v->chain_len && len > 0; i++) {
		const struct virtio_blk_desc *d = &v->chain[i];
		if (!(d->flags & DESC_F_WRITE) != !write)
			continue;
		if (off >= d->len) {
			off -= d->len;
			continue;
		}
		size_t take = d->len - off;
		if (take > len)
			take = len;
		if (!no_wrap(d->addr, d->len))
			return -1;
		int r = write ? gwrite(v, d->addr + off, p, take)
			      : gread(v, d->addr + off, p, take);
		if (r != 0)
			return -1;
		p += take;
		len -= take;
		off = 0;
	}
	return len ? -1 : 0;
}

/* ---------------------------------------------------------------- requests */

/* Read the chain starting at head into v->chain. Returns 0, or -1 for a
 * chain that cannot be followed (index out of range, loop, indirect,
 * table outside RAM). */
static int walk(struct virtio_blk *v, uint16_t head)
{
	uint32_t idx = head;

	v->chain_len = 0;
	for (;;) {
		uint8_t raw[16];
		if (idx >= v->q_num || v->chain_len >= v->q_num)
			return -1;
		if (gread(v, v->q_desc + 16ull * idx, raw, sizeof(raw)) != 0)
			return -1;
		struct virtio_blk_desc *d = &v->chain[v->chain_len++];
		d->addr = get_le(raw, 8);
		d->len = (uint32_t)get_le(raw + 8, 4);
		d->flags = (uint16_t)get_le(raw + 12, 2);
		d->next = (uint16_t)get_le(raw + 14, 2);
		if (d->flags & DESC_F_INDIRECT)
			return -1;
		if (!(d->flags & DESC_F_NEXT))
			return 0;
		idx = d->next;
	}
}

/* Sectors [sector, sector + bytes / 512) lie on the disk; bytes is a
 * whole number of sectors. */
static bool in_range(const struct virtio_blk *v, uint64_t sector, uint64_t bytes)
{
	uint64_t cap = v->cfg.disk.sectors;
	return bytes % VDEV_SECTOR == 0 && sector <= cap && bytes / VDEV_SECTOR <= cap - sector;
}

static uint8_t do_in(struct virtio_blk *v, uint64_t sector, uint64_t bytes, uint64_t *written)
{
	const struct vdev_disk *disk = &v->cfg.disk;
	if (!in_range(v, sector, bytes))
		return BLK_S_IOERR;
	for (uint64_t done = 0; done < bytes;) {
		size_t n = bytes - done > VIRTIO_BLK_BOUNCE ? VIRTIO_BLK_BOUNCE : bytes - done;
		if (!disk->read || disk->read(disk->ctx, sector + done / VDEV_SECTOR, v->bounce,
					      (uint32_t)(n / VDEV_SECTOR)) != 0)
			return BLK_S_IOERR;
		if (stream(v, true, done, v->bounce, n) != 0)
			return BLK_S_IOERR;
		done += n;
		*written = done;
	}
	return BLK_S_OK;
}

static uint8_t do_out(struct virtio_blk *v, uint64_t sector, uint64_t bytes)
{
	const struct vdev_disk *disk = &v->cfg.disk;
	if (disk->readonly || !in_range(v, sector, bytes))
		return BLK_S_IOERR;
	for (uint64_t done = 0; done < bytes;) {
		size_t n = bytes - done > VIRTIO_BLK_BOUNCE ? VIRTIO_BLK_BOUNCE : bytes - done;
		if (stream(v, false, HDR_BYTES + done, v->bounce, n) != 0)
			return BLK_S_IOERR;
		if (!disk->write || disk->write(disk->ctx, sector + done / VDEV_SECTOR, v->bounce,
						(uint32_t)(n / VDEV_SECTOR)) != 0)
			return BLK_S_IOERR;
		done += n;
	}
	return BLK_S_OK;
}

/*
 * Carry out the request whose chain is in v->chain. Returns the bytes
 * written to device-writable buffers (status byte included) for the used
 * element, or -1 when not even the status byte can be written.
 */
static int64_t request(struct virtio_blk *v)
{
	uint64_t rd = 0, wr = 0, written = 0;
	bool bad_order = false;
	uint8_t hdr[HDR_BYTES], st;

	for (unsigned i = 0; i < v->chain_len; i++) {
		if (v->chain[i].flags & DESC_F_WRITE) {
			wr += v->chain[i].len;
		} else {
			rd += v->chain[i].len;
			if (wr != 0)
				bad_order = true; /* readable after writable */
		}
	}
	if (wr == 0)
		return -1; /* nowhere to put the status */
	uint64_t data_in = wr - 1;

	if (bad_order || rd < HDR_BYTES || stream(v, false, 0, hdr, HDR_BYTES) != 0) {
		st = BLK_S_IOERR;
	} else {
		uint32_t type = (uint32_t)get_le(hdr, 4);
		uint64_t sector = get_le(hdr + 8, 8);
		switch (type) {
		case T_IN:
			st = do_in(v, sector, data_in, &written);
			break;
		case T_OUT:
			st = do_out(v, sector, rd - HDR_BYTES);
			break;
		case T_FLUSH: {
			const struct vdev_disk *disk = &v->cfg.disk;
			st = disk->flush && disk->flush(disk->ctx) != 0 ? BLK_S_IOERR : BLK_S_OK;
			break;
		}
		case T_GET_ID: {
			size_t n = data_in < VIRTIO_BLK_ID_BYTES ? (size_t)data_in
								 : VIRTIO_BLK_ID_BYTES;
			st = BLK_S_IOERR;
			if (stream(v, true, 0, v->id, n) == 0) {
				st = BLK_S_OK;
				written = n;
			}
			break;
		}
		default:
			st = BLK_S_UNSUPP;
			break;
		}
	}
	if (stream(v, true, wr - 1, &st, 1) != 0)
		return -1;
	return (int64_t)(written + 1);
}

/* The queue registers describe a usable split virtqueue (§2.6). */
static bool queue_ok(const struct virtio_blk *v)
{
	uint64_t num = v->q_num;
	return num != 0 && num <= VIRTIO_BLK_QUEUE_MAX && (num & (num - 1)) == 0 &&
	       v->q_desc % 16 == 0 && v->q_driver % 2 == 0 && v->q_device % 4 == 0 &&
	       no_wrap(v->q_desc, 16 * num) && no_wrap(v->q_driver, 6 + 2 * num) &&
	       no_wrap(v->q_device, 6 + 8 * num);
}

/* The three rings lie wholly in guest RAM: read them (into the bounce
 * buffer, at most 6.6 KiB) to find out, so that a ring running off the
 * end of RAM stops the queue before any request is taken from it. */
static bool rings_in_ram(struct virtio_blk *v)
{
	uint32_t num = v->q_num;
	return gread(v, v->q_desc, v->bounce, 16 * num) == 0 &&
	       gread(v, v->q_driver, v->bounce, 6 + 2 * num) == 0 &&
	       gread(v, v->q_device, v->bounce, 6 + 8 * num) == 0;
}

/* QueueNotify: take every available request, in order. */
static void process(struct virtio_blk *v)
{
	const uint8_t ready = S_DRIVER_OK | S_FEATURES_OK;
	uint8_t raw[8];
	bool used = false;

	if ((v->status & ready) != ready || (v->status & S_NEEDS_RESET) || !v->q_ready)
		return;
	if (!queue_ok(v) || !rings_in_ram(v) || gread(v, v->q_driver + 2, raw, 2) != 0) {
		needs_reset(v);
		return;
	}
	uint16_t avail = (uint16_t)get_le(raw, 2);
	if ((uint16_t)(avail - v->last_avail) > v->q_num) {
		needs_reset(v);
		return;
	}
	while (v->last_avail != avail) {
		uint32_t slot = v->last_avail % v->q_num;
		if (gread(v, v->q_driver + 4 + 2ull * slot, raw, 2) != 0) {
			needs_reset(v);
			return;
		}
		uint16_t head = (uint16_t)get_le(raw, 2);
		int64_t len = walk(v, head) == 0 ? request(v) : -1;
		if (len < 0) {
			needs_reset(v);
			return;
		}
		put_le(raw, head, 4);
		put_le(raw + 4, (uint64_t)len, 4);
		uint16_t next = (uint16_t)(v->used_idx + 1);
		uint8_t idx[2];
		put_le(idx, next, 2);
		if (gwrite(v, v->q_device + 4 + 8ull * (v->used_idx % v->q_num), raw, 8) != 0 ||
		    gwrite(v, v->q_device + 2, idx, 2) != 0) {
			needs_reset(v);
			return;
		}
		v->used_idx = next;
		v->last_avail++;
		used = true;
	}
	if (!used)
		return;
	/* §2.6.7.2: the flag is read after the used index is published. */
	if (gread(v, v->q_driver, raw, 2) != 0) {
		needs_reset(v);
		return;
	}
	if (!(get_le(raw, 2) & AVAIL_F_NO_INTERRUPT)) {
		v->isr |= ISR_USED;
		update_irq(v);
	}
}

/* ---------------------------------------------------------------- registers */

/* Configuration layout (§5.2.4): capacity, size_max, seg_max, geometry,
 * blk_size, topology, writeback, ...; the fields past blk_size are 0. */
static uint64_t config_read(const struct virtio_blk *v, uint64_t off, unsigned size)
{
	uint8_t c[0x40];
	memset(c, 0, sizeof(c));
	put_le(c + 0x00, v->cfg.disk.sectors, 8);
	put_le(c + 0x08, VIRTIO_BLK_BOUNCE, 4); /* size_max (not offered) */
	put_le(c + 0x0C, SEG_MAX, 4);
	put_le(c + 0x14, VDEV_SECTOR, 4);
	if ((size != 1 && size != 2 && size != 4 && size != 8) || off % size != 0)
		return 0;
	if (off >= sizeof(c) || size > sizeof(c) - off)
		return 0;
	return get_le(c + off, size);
}

void virtio_blk_mmio_read(void *dev, uint64_t off, unsigned size, uint64_t *val, uint64_t now_ns)
{
	struct virtio_blk *v = dev;
	(void)now_ns;

	*val = 0;
	if (off >= R_CONFIG) {
		if (off < VIRTIO_MMIO_WINDOW)
			*val = config_read(v, off - R_CONFIG, size);
		return;
	}
	if (size != 4 || off % 4 != 0)
		return;
	switch (off) {
	case R_MAGIC:
		*val = MMIO_MAGIC;
		break;
	case R_VERSION:
		*val = 2;
		break;
	case R_DEVICE_ID:
		*val = DEVICE_BLK;
		break;
	case R_VENDOR_ID:
		*val = VENDOR_ID;
		break;
	case R_DEV_FEATURES:
		if (v->dev_features_sel < 2)
			*val = (uint32_t)(device_features(v) >> (32 * v->dev_features_sel));
		break;
	case R_QUEUE_NUM_MAX:
		*val = v->queue_sel == 0 ? VIRTIO_BLK_QUEUE_MAX : 0;
		break;
	case R_QUEUE_READY:
		*val = v->queue_sel == 0 && v->q_ready;
		break;
	case R_INT_STATUS:
		*val = v->isr;
		break;
	case R_STATUS:
		*val = v->status;
		break;
	case R_CONFIG_GEN:
		*val = 0; /* the configuration never changes */
		break;
	default:
		break; /* write-only or reserved */
	}
}

/* A Status write (§2.1, §3.1.1). 0 resets. FEATURES_OK sticks only if the
 * driver accepted VERSION_1 and nothing we did not offer; NEEDS_RESET
 * stays until reset. */
static void status_write(struct virtio_blk *v, uint8_t s)
{
	if (s == 0) {
		reset(v);
		return;
	}
	if ((s & S_FEATURES_OK) && !(v->status & S_FEATURES_OK)) {
		uint64_t f = v->drv_features;
		if (!(f & F_VERSION_1) || (f & ~device_features(v)))
			s &= (uint8_t)~S_FEATURES_OK;
	}
	v->status = (uint8_t)((s & ~S_NEEDS_RESET) | (v->status & S_NEEDS_RESET));
}

static void set_half(uint64_t *r, uint64_t off_hi, uint64_t off, uint32_t val)
{
	if (off == off_hi)
		*r = (*r & 0xFFFFFFFFull) | (uint64_t)val << 32;
	else
		*r = (*r & ~0xFFFFFFFFull) | val;
}

void virtio_blk_mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns)
{
	struct virtio_blk *v = dev;
	uint32_t x = (uint32_t)val;
	/* Queue registers: only queue 0 exists, changeable while not ready. */
	bool q_writable = v->queue_sel == 0 && !v->q_ready;
	(void)now_ns;

	if (off >= R_CONFIG || size != 4 || off % 4 != 0)
		return; /* configuration space is read-only */
	switch (off) {
	case R_DEV_FEAT_SEL:
		v->dev_features_sel = x;
		break;
	case R_DRV_FEATURES:
		if (!(v->status & S_FEATURES_OK) && v->drv_features_sel < 2)
			set_half(&v->drv_features, 1, v->drv_features_sel, x);
		break;
	case R_DRV_FEAT_SEL:
		v->drv_features_sel = x;
		break;
	case R_QUEUE_SEL:
		v->queue_sel = x;
		break;
	case R_QUEUE_NUM:
		if (q_writable)
			v->q_num = x;
		break;
	case R_QUEUE_READY:
		if (v->queue_sel != 0)
			break;
		if ((x & 1) && !v->q_ready)
			v->last_avail = v->used_idx = 0; /* a fresh ring */
		v->q_ready = x & 1;
		break;
	case R_QUEUE_NOTIFY:
		if (x == 0)
			process(v);
		break;
	case R_INT_ACK:
		v->isr &= ~x;
		update_irq(v);
		break;
	case R_STATUS:
		status_write(v, (uint8_t)x);
		break;
	case R_QUEUE_DESC_LO:
	case R_QUEUE_DESC_HI:
		if (q_writable)
			set_half(&v->q_desc, R_QUEUE_DESC_HI, off, x);
		break;
	case R_QUEUE_DRIVER_LO:
	case R_QUEUE_DRIVER_HI:
		if (q_writable)
			set_half(&v->q_driver, R_QUEUE_DRIVER_HI, off, x);
		break;
	case R_QUEUE_DEVICE_LO:
	case R_QUEUE_DEVICE_HI:
		if (q_writable)
			set_half(&v->q_device, R_QUEUE_DEVICE_HI, off, x);
		break;
	default:
		break;
	}
}
