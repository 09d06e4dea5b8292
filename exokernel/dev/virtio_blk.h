/*
 * virtio_blk.h - the kernel's disk driver: a virtio block device on the
 * PCI transport (OASIS virtio 1.1: §4.1 virtio over PCI, §2.7 split
 * virtqueues, §5.2 block device), one request queue, completions by MSI-X.
 *
 * The driver moves 4 KiB blocks between the disk and physical frames by
 * DMA, with no copy: a request is a header, one descriptor per data frame
 * (scatter-gather) and a status byte. Several requests are in flight at
 * once. Who may move which block into which frame is decided one layer
 * up (block.c); this file trusts its caller.
 */
#ifndef DEV_VIRTIO_BLK_H
#define DEV_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#define VBLK_READ  0u /* VIRTIO_BLK_T_IN: disk -> frames */
#define VBLK_WRITE 1u /* VIRTIO_BLK_T_OUT: frames -> disk */
#define VBLK_FLUSH 4u /* VIRTIO_BLK_T_FLUSH: earlier completed writes reach stable storage */

#define VBLK_MAX_SEGS 16u /* data frames (blocks) per request */
#define VBLK_SLOTS    32u /* requests in flight at most */

/* Called once per completed request, with the kernel lock held: cookie as
 * given to vblk_submit, err 0 or -EXO_EIO. */
typedef void (*vblk_done_fn)(uint64_t cookie, int err);

/*
 * Find the first virtio block device on PCI (vendor 0x1af4, device 0x1042
 * modern or 0x1001 transitional), negotiate VIRTIO_F_VERSION_1 and
 * VIRTIO_BLK_F_FLUSH (§5.2.3), set up queue 0 and route its MSI-X entry
 * to `vector` on the CPU with local APIC id apic_id. Completions are
 * reported to done. Returns 0, or -1 (with a message) when there is no
 * usable device.
 */
int vblk_init(uint8_t vector, uint8_t apic_id, vblk_done_fn done);

/* Capacity of the device in 4 KiB blocks (0 without a device). */
uint64_t vblk_blocks(void);

/* Whether the device offered VIRTIO_BLK_F_FLUSH. Without it the device
 * writes through, and VBLK_FLUSH completes at once. */
bool vblk_can_flush(void);

/*
 * Queue one request: op VBLK_READ or VBLK_WRITE on blocks block ..
 * block+n-1 (4 KiB each, 1 <= n <= VBLK_MAX_SEGS) to or from the frames at
 * physical addresses pa[0..n) (one frame per block, any order), or
 * VBLK_FLUSH (block, pa and n ignored). The caller has checked everything;
 * the frames must stay allocated until done(cookie) runs.
 * Returns 0, or -EXO_EAGAIN when VBLK_SLOTS requests are in flight.
 */
int vblk_submit(unsigned op, uint64_t block, const uint64_t *pa, unsigned n, uint64_t cookie);

/* Requests in flight. */
unsigned vblk_inflight(void);

/* Handle the queue's interrupt (or poll): call done for every request the
 * device has completed since the last call. Kernel lock held. */
void vblk_intr(void);

/*
 * Do one request synchronously, polling the queue (for the kernel's own
 * I/O: the ownership region, at boot or at commit). Completions of other
 * requests met while polling go to done as usual. Returns 0 or -EXO_EIO,
 * -EXO_EAGAIN if no slot became free.
 */
int vblk_sync(unsigned op, uint64_t block, const uint64_t *pa, unsigned n);

#endif
