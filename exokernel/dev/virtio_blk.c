/*
 * virtio_blk.c - virtio block device over PCI, one split virtqueue.
 *
 * Sources (OASIS virtio 1.1): §3.1.1 driver initialization, §4.1.4 PCI
 * capabilities (common, notify, device configuration), §4.1.5.1.3
 * virtqueue setup, §2.7 split virtqueues (descriptor table, available
 * and used rings), §5.2 block device (configuration, request format).
 *
 * Concurrency: everything here is protected by the kernel lock [K]; the
 * MSI-X interrupt and the polling paths both run with it held.
 */
#include "kernel.h"
#include "dev/pci.h"
#include "dev/virtio_blk.h"
#include "pmap.h"

#define VIRTIO_VENDOR	0x1af4
#define VIRTIO_PCI_CAP	0x09 /* vendor-specific capability holding a virtio structure */
#define CAP_COMMON	1    /* §4.1.4.3 */
#define CAP_NOTIFY	2    /* §4.1.4.4 */
#define CAP_DEVICE	4    /* §4.1.4.6 */
#define STATUS_ACK	1u
#define STATUS_DRIVER	2u
#define STATUS_DRV_OK	4u
#define STATUS_FEAT_OK	8u
#define STATUS_FAILED	128u
#define F_BLK_FLUSH	9 /* §5.2.3 VIRTIO_BLK_F_FLUSH */
#define F_VERSION_1	32
#define DESC_NEXT	1u
#define DESC_WRITE	2u /* the device writes this buffer */
#define NO_VECTOR	0xffffu
#define QUEUE_MAX	128u
#define BLK_S_OK	0u
#define SECTORS_PER_BLK 8u /* virtio-blk sectors are 512 bytes (§5.2.6) */

/* §4.1.4.3 common configuration structure. */
struct common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t msix_config;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
};

/* §2.7.5 - §2.7.8 */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
struct avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[QUEUE_MAX];
};
struct used {
	uint16_t flags;
	uint16_t idx;
	struct {
		uint32_t id;
		uint32_t len;
	} ring[QUEUE_MAX];
};

/* §5.2.6 request header, and the status byte the device writes. One per
 * slot, in a kernel page the device reads and writes. */
struct req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
	uint8_t status;
	uint8_t pad[15];
};

/* A request in flight. */
struct slot {
	bool busy;
	bool sync;	 /* vblk_sync waits for it; done is not called */
	int result;	 /* for sync: set when it completes, 1 = not yet */
	uint16_t head;	 /* first descriptor */
	uint16_t ndesc;	 /* descriptors it holds */
	uint64_t cookie; /* for done */
};

static struct {
	bool present;
	bool flush;
	uint64_t blocks;
	volatile struct common_cfg *common;
	volatile uint16_t *notify; /* queue 0's notification address */
	struct desc *desc;
	struct avail *avail;
	volatile struct used *used;
	struct req_hdr *hdr; /* VBLK_SLOTS of them */
	struct slot slot[VBLK_SLOTS];
	uint16_t qsize;
	uint16_t free_head, nfree; /* free descriptors, chained by next */
	uint16_t last_used;	   /* used ring entries consumed */
	uint16_t slot_of[QUEUE_MAX];
	vblk_done_fn done;
	unsigned inflight;
} q;

static inline void barrier(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

/* Pointer to the structure a virtio capability at cap describes, or NULL
 * if its BAR is unassigned or outside the kernel's direct map. */
static volatile void *cap_ptr(const struct pci_dev *d, uint8_t cap)
{
	uint8_t bar = pci_read8(d, (uint8_t)(cap + 4));
	uint64_t off = pci_read32(d, (uint8_t)(cap + 8));
	uint64_t base = pci_bar_addr(d, bar);
	if (base == 0 || base + off >= KERNEL_PHYS_MAP_SIZE)
		return NULL;
	return phys_to_virt(base + off);
}

static int fail(const char *why)
{
	kprintf("exo: virtio-blk: %s; no disk\n", why);
	if (q.common)
		q.common->device_status = STATUS_FAILED;
	q.present = false;
	return -1;
}

int vblk_init(uint8_t vector, uint8_t apic_id, vblk_done_fn done)
{
	static const uint16_t ids[] = { 0x1042, 0x1001 };
	struct pci_dev d;
	if (!pci_find(VIRTIO_VENDOR, ids, ARRAY_SIZE(ids), &d))
		return -1; /* no disk attached: not an error */
	volatile uint8_t *devcfg = NULL;
	uint32_t notify_mult = 0;
	for (uint8_t c = pci_find_cap(&d, VIRTIO_PCI_CAP, 0); c;
	     c = pci_find_cap(&d, VIRTIO_PCI_CAP, c)) {
		uint8_t type = pci_read8(&d, (uint8_t)(c + 3));
		if (type == CAP_COMMON && !q.common)
			q.common = cap_ptr(&d, c);
		else if (type == CAP_NOTIFY && !q.notify) {
			q.notify = cap_ptr(&d, c);
			notify_mult = pci_read32(&d, (uint8_t)(c + 16));
		} else if (type == CAP_DEVICE && !devcfg)
			devcfg = cap_ptr(&d, c);
	}
	if (!q.common || !q.notify || !devcfg)
		return fail("no virtio 1.x capabilities (legacy-only device?)");
	pci_enable(&d);

	/* §3.1.1: reset, acknowledge, negotiate, set up the queue, go. */
	volatile struct common_cfg *cc = q.common;
	cc->device_status = 0;
	while (cc->device_status != 0)
		;
	cc->device_status = STATUS_ACK;
	cc->device_status = STATUS_ACK | STATUS_DRIVER;
	cc->device_feature_select = 1;
	uint64_t feat = (uint64_t)cc->device_feature << 32;
	cc->device_feature_select = 0;
	feat |= cc->device_feature;
	if (!(feat & (1ull << F_VERSION_1)))
		return fail("device does not offer VIRTIO_F_VERSION_1");
	uint64_t want = (1ull << F_VERSION_1) | (feat & (1ull << F_BLK_FLUSH));
	cc->driver_feature_select = 0;
	cc->driver_feature = (uint32_t)want;
	cc->driver_feature_select = 1;
	cc->driver_feature = (uint32_t)(want >> 32);
	cc->device_status = STATUS_ACK | STATUS_DRIVER | STATUS_FEAT_OK;
	if (!(cc->device_status & STATUS_FEAT_OK))
		return fail("device refused our features");
	q.flush = want & (1ull << F_BLK_FLUSH);

	cc->queue_select = 0;
	uint16_t qs = cc->queue_size;
	if (qs == 0)
		return fail("queue 0 does not exist");
	q.qsize = qs < QUEUE_MAX ? qs : QUEUE_MAX;
	/* Power of two (§2.7: split queue sizes are). */
	while (q.qsize & (q.qsize - 1))
		q.qsize &= (uint16_t)(q.qsize - 1);
	cc->queue_size = q.qsize;
	q.desc = kalloc_page();
	q.avail = kalloc_page();
	q.used = kalloc_page();
	q.hdr = kalloc_page();
	if (!q.desc || !q.avail || !q.used || !q.hdr)
		return fail("out of memory");
	for (uint16_t i = 0; i < q.qsize; i++)
		q.desc[i].next = (uint16_t)(i + 1);
	q.free_head = 0;
	q.nfree = q.qsize;
	cc->queue_desc = virt_to_phys(q.desc);
	cc->queue_driver = virt_to_phys(q.avail);
	cc->queue_device = virt_to_phys((const void *)q.used);
	if (pci_msix_route(&d, 0, vector, apic_id) < 0)
		return fail("no usable MSI-X");
	cc->msix_config = NO_VECTOR;
	cc->queue_msix_vector = 0;
	if (cc->queue_msix_vector != 0)
		return fail("device refused the MSI-X vector");
	q.notify = (volatile uint16_t *)((volatile uint8_t *)q.notify +
					 (uint64_t)cc->queue_notify_off * notify_mult);
	cc->queue_enable = 1;
	cc->device_status = STATUS_ACK | STATUS_DRIVER | STATUS_FEAT_OK | STATUS_DRV_OK;

	/* §5.2.4: capacity in 512-byte sectors; we use whole 4 KiB blocks. */
	uint64_t sectors =
		*(volatile uint32_t *)devcfg | (uint64_t) * (volatile uint32_t *)(devcfg + 4) << 32;
	q.blocks = sectors / SECTORS_PER_BLK;
	q.done = done;
	q.present = true;
	kprintf("exo: virtio-blk at pci %u:%u.%u: %lu blocks of 4 KiB (%lu MiB), queue %u%s\n",
		d.bus, d.dev, d.fn, q.blocks, q.blocks >> 8, q.qsize,
		q.flush ? ", flush" : ", write-through");
	return 0;
}

uint64_t vblk_blocks(void)
{
	return q.present ? q.blocks : 0;
}

bool vblk_can_flush(void)
{
	return q.flush;
}

unsigned vblk_inflight(void)
{
	return q.inflight;
}

static uint16_t desc_take(void)
{
	uint16_t i = q.free_head;
	q.free_head = q.desc[i].next;
	q.nfree--;
	return i;
}

/* Queue a request in slot s; returns its head descriptor. */
static int submit(unsigned op, uint64_t block, const uint64_t *pa, unsigned n, unsigned s)
{
	if (op == VBLK_FLUSH)
		n = 0;
	struct req_hdr *h = &q.hdr[s];
	*h = (struct req_hdr){ .type = op, .sector = block * SECTORS_PER_BLK, .status = 0xff };
	uint16_t head = desc_take(), prev = head;
	q.desc[head] = (struct desc){ .addr = virt_to_phys(h), .len = 16, .flags = DESC_NEXT };
	for (unsigned i = 0; i < n; i++) {
		uint16_t di = desc_take();
		q.desc[di] = (struct desc){
			.addr = pa[i],
			.len = PAGE_SIZE,
			.flags = (uint16_t)(DESC_NEXT | (op == VBLK_READ ? DESC_WRITE : 0))
		};
		q.desc[prev].next = di;
		prev = di;
	}
	uint16_t st = desc_take();
	q.desc[st] =
		(struct desc){ .addr = virt_to_phys(&h->status), .len = 1, .flags = DESC_WRITE };
	q.desc[prev].next = st;
	q.slot[s].head = head;
	q.slot[s].ndesc = (uint16_t)(n + 2);
	q.slot_of[head] = (uint16_t)s;
	q.avail->ring[q.avail->idx % q.qsize] = head;
	barrier(); /* the ring entry before the index (§2.7.13) */
	q.avail->idx++;
	barrier(); /* the index before the notification (§2.7.13) */
	*q.notify = 0;
	q.inflight++;
	return 0;
}

static int find_slot(unsigned n)
{
	if (!q.present || q.nfree < n + 2)
		return -1;
	for (unsigned s = 0; s < VBLK_SLOTS; s++)
		if (!q.slot[s].busy)
			return (int)s;
	return -1;
}

int vblk_submit(unsigned op, uint64_t block, const uint64_t *pa, unsigned n, uint64_t cookie)
{
	int s = find_slot(op == VBLK_FLUSH ? 0 : n);
	if (s < 0)
		return -EXO_EAGAIN;
	q.slot[s] = (struct slot){ .busy = true, .cookie = cookie };
	return submit(op, block, pa, n, (unsigned)s);
}

void vblk_intr(void)
{
	if (!q.present)
		return;
	while (q.last_used != q.used->idx) {
		barrier(); /* read the entry after seeing the index */
		uint32_t head = q.used->ring[q.last_used % q.qsize].id;
		q.last_used++;
		if (head >= q.qsize)
			continue; /* a broken device; nothing to give back */
		unsigned s = q.slot_of[head];
		struct slot *sl = &q.slot[s];
		int err = q.hdr[s].status == BLK_S_OK ? 0 : -EXO_EIO;
		/* Give the chain's descriptors back. */
		uint16_t i = sl->head;
		for (unsigned k = 0; k < sl->ndesc; k++) {
			uint16_t nx = q.desc[i].next;
			q.desc[i].next = q.free_head;
			q.free_head = i;
			q.nfree++;
			i = nx;
		}
		q.inflight--;
		sl->busy = false;
		if (sl->sync)
			sl->result = err;
		else
			q.done(sl->cookie, err);
	}
}

int vblk_sync(unsigned op, uint64_t block, const uint64_t *pa, unsigned n)
{
	if (op == VBLK_FLUSH && !q.flush)
		return 0;
	int s = find_slot(op == VBLK_FLUSH ? 0 : n);
	for (unsigned tries = 0; s < 0 && q.present && tries < 10000000; tries++) {
		vblk_intr();
		s = find_slot(op == VBLK_FLUSH ? 0 : n);
	}
	if (s < 0)
		return -EXO_EAGAIN;
	q.slot[s] = (struct slot){ .busy = true, .sync = true, .result = 1 };
	submit(op, block, pa, n, (unsigned)s);
	while (q.slot[s].result == 1)
		vblk_intr();
	return q.slot[s].result;
}
