/*
 * block.c - disk blocks as a protected resource.
 *
 * The exokernel's third raw resource after frames and slices (Kaashoek et
 * al., SOSP'97). A block is 4 KiB, named by its number on the disk, and
 * belongs to a *disk owner*: a principal recorded in the on-disk ownership
 * region (secure-bindings/disk.h, docs/disk.md) and proven by a secret key
 * (exo_disk_attach). Environments attached to an owner may allocate, free,
 * read, write and grant its blocks; a grant lets one other environment
 * read (and write) one block.
 *
 * Data moves by DMA straight between the disk and the requester's frames
 * (dev/virtio_blk.c); the kernel only checks and pins. A frame under DMA
 * is pinned: it cannot be freed, transferred or repossessed, and if its
 * owner dies the kernel keeps it (FRAME_DMA) until the transfer ends, so it
 * is never handed to another environment mid-transfer.
 *
 * Ownership changes are made in the in-memory copy of the region and
 * reach the disk, crash-safely through the region's redo log, when a libOS
 * asks for EXO_DISK_FLUSH (or when more map blocks are dirty than one log
 * transaction holds). A freed block is not handed out again before its
 * free is on the disk, so after a crash no block can be claimed by two
 * owners' data; a crash can at most leave blocks freed since the last
 * flush still owned by their old owner (docs/disk.md bounds it).
 *
 * Shared metadata follows XN: a libOS registers a metadata type with a UDF
 * (secure-bindings/udf.h) that maps a metadata block's bytes to the blocks
 * it references. Writing a metadata block is checked against the old
 * contents: every block that appears must be the writer's own, unheld data
 * (it becomes held: it cannot be freed while referenced), and every block
 * that disappears goes back to its owner unheld. The bytes checked are the
 * bytes written: the kernel copies them into its own page first.
 *
 * Concurrency: everything here is protected by the kernel lock [K].
 * Region I/O (boot, commit) is synchronous and polls the queue with the
 * lock held: simple, and short (a commit is four ordered steps).
 */
#include "kernel.h"
#include "block.h"
#include "dev/virtio_blk.h"
#include "disk.h"
#include "env.h"
#include "frame.h"
#include "grant.h"
#include "pmap.h"
#include "revoke.h"
#include "rights.h"
#include "syscall.h"
#include "trace.h"
#include "uaccess.h"
#include "uaddr.h"
#include "udf.h"

#define MAX_MAP_BLOCKS 2048u /* region map blocks the kernel keeps: disks up to ~8 GiB */
#define BGRANTS	       512u  /* block grants, machine-wide */
/* In-memory-only bits of a map entry (never written to the disk). */
#define M_FREEING (1u << 31) /* freed; allocatable once the free is on the disk */
#define M_DAMAGED (1u << 30) /* its map block was refused at boot: out of use */
#define M_MEMBITS (M_FREEING | M_DAMAGED)

/* A block grant: holder may read (EXO_PERM_R) and write (EXO_PERM_W). */
struct bgrant {
	uint64_t block;
	uint32_t holder, issuer; /* env ids; holder 0 = unused record */
	uint16_t perm;
};

/* A request the device holds: whose, and the frames it pins. */
struct ioreq {
	bool busy;
	bool write;			/* a write: its blocks stop being fresh when done */
	uint32_t env;			/* requester (principal) */
	uint64_t block;			/* first block */
	unsigned n;			/* data frames (blocks) */
	uint64_t fn[VBLK_MAX_SEGS + 1]; /* data frames, then the status word's frame */
	uint64_t status_pa;		/* physical address of the status word */
};

static struct {
	bool present;  /* a device was found */
	bool region;   /* its ownership region is valid */
	bool damaged;  /* part of it was refused */
	bool readonly; /* a region write failed: ownership is frozen */
	struct sb_disk_super *super;
	struct sb_disk_owners *owners;
	struct sb_disk_map *map[MAX_MAP_BLOCKS];
	bool map_dirty[MAX_MAP_BLOCKS];
	bool owners_dirty;
	uint64_t nmap;		       /* map blocks kept */
	uint64_t nblocks;	       /* blocks the kernel hands out: min(region, kept maps) */
	uint64_t nfree;		       /* free (not FREEING, not DAMAGED) data blocks */
	uint64_t cursor;	       /* where the next "any block" search starts */
	uint64_t seq;		       /* next log transaction number */
	void *log[SB_DISK_LOG_BLOCKS]; /* bounce pages for a transaction */
	struct bgrant grant[BGRANTS];
	struct ioreq io[VBLK_SLOTS];
	/* Metadata types: their programs, once a libOS registered them this
	 * boot (the disk keeps only their hashes). */
	struct sb_udf_insn *udf[SB_DISK_TYPE_SLOTS + 1];
	uint32_t udf_len[SB_DISK_TYPE_SLOTS + 1];
	void *old, *new; /* bounce pages for a metadata write */
} d;

/* ---------------------------------------------------------------- map */

static uint32_t *entry(uint64_t b)
{
	return &d.map[sb_disk_map_index(b)]->e[sb_disk_map_slot(b)];
}

static void set_entry(uint64_t b, uint32_t v)
{
	*entry(b) = v;
	d.map_dirty[sb_disk_map_index(b)] = true;
}

static struct sb_disk_owner *owner_slot(unsigned o)
{
	return &d.owners->owner[o - 1];
}

/* Whether an owner or type slot's hash marks it used (all zero: empty). */
static bool slot_used(const uint8_t *hash)
{
	static const uint8_t zero[SB_DISK_HASH_BYTES];
	return memcmp(hash, zero, sizeof(zero)) != 0;
}

/* Synchronous region I/O on one kernel page. */
static int region_io(unsigned op, uint64_t block, void *page)
{
	uint64_t pa = virt_to_phys(page);
	return vblk_sync(op, block, &pa, 1);
}

/* --------------------------------------------------------- commit (log) */

/*
 * Write one transaction: the images of the region blocks targets[0..n)
 * (already sealed in d.log[1..n]) through the redo log: images and header
 * to the log, flush, images home, flush (docs/disk.md).
 */
static int log_write(const uint64_t *targets, unsigned n)
{
	struct sb_disk_log *h = d.log[0];
	memset(h, 0, sizeof(*h));
	h->magic = SB_DISK_LOG_MAGIC;
	h->seq = d.seq++;
	h->count = n;
	for (unsigned i = 0; i < n; i++)
		h->target[i] = targets[i];
	uint32_t crc = sb_disk_log_crc_begin(h);
	for (unsigned i = 0; i < n; i++)
		crc = sb_disk_log_crc_image(crc, d.log[1 + i]);
	h->crc = crc;
	uint64_t ls = d.super->log_start;
	/* First make every write that completed before this commit durable:
	 * the transaction may clear FRESH marks, and must never reach the
	 * disk ahead of the data those blocks hold (the crash harness found
	 * this: docs/crash.md). */
	int r = vblk_sync(VBLK_FLUSH, 0, NULL, 0);
	for (unsigned i = 0; i <= n && r == 0; i++)
		r = region_io(VBLK_WRITE, ls + i, d.log[i]);
	if (r == 0)
		r = vblk_sync(VBLK_FLUSH, 0, NULL, 0);
	for (unsigned i = 0; i < n && r == 0; i++)
		r = region_io(VBLK_WRITE, targets[i], d.log[1 + i]);
	if (r == 0)
		r = vblk_sync(VBLK_FLUSH, 0, NULL, 0);
	return r;
}

/* Make every ownership change so far durable. Returns 0 or -EXO_EIO (the
 * region is then frozen read-only: the disk holds the last good state). */
static int commit(void)
{
	if (!d.region || d.readonly)
		return d.readonly ? -EXO_EIO : 0;
	uint64_t targets[SB_DISK_LOG_MAX];
	uint64_t done_maps[SB_DISK_LOG_MAX];
	unsigned n = 0, nmaps = 0;
	for (uint64_t i = 0; i <= d.nmap; i++) {
		bool last = i == d.nmap;
		if (!last && i == 0 && d.owners_dirty) {
			memcpy(d.log[1 + n], d.owners, SB_DISK_BLOCK);
			sb_disk_seal(d.log[1 + n], 'O');
			targets[n++] = d.super->owner_start;
		}
		/* A map block refused at boot is never written back: the
		 * disk keeps what it had, for exodisk reconcile to judge. */
		if (!last && d.map_dirty[i] && !(d.map[i]->e[0] & M_DAMAGED)) {
			struct sb_disk_map *img = d.log[1 + n];
			for (unsigned k = 0; k < SB_DISK_MAP_PER_BLOCK; k++)
				img->e[k] = d.map[i]->e[k] & ~M_MEMBITS;
			sb_disk_seal(img, 'M');
			done_maps[nmaps++] = i;
			targets[n++] = d.super->map_start + i;
		}
		/* A full transaction (or the end): write it. */
		if (n > 0 && (last || n >= SB_DISK_LOG_MAX - 1)) {
			if (log_write(targets, n) < 0) {
				kprintf("exo: disk: region write failed; ownership frozen\n");
				d.readonly = true;
				return -EXO_EIO;
			}
			d.owners_dirty = false;
			for (unsigned k = 0; k < nmaps; k++) {
				uint64_t m = done_maps[k];
				d.map_dirty[m] = false;
				/* Frees are on the disk now: the blocks may go. */
				for (unsigned s = 0; s < SB_DISK_MAP_PER_BLOCK; s++) {
					if (d.map[m]->e[s] & M_FREEING) {
						d.map[m]->e[s] &= ~M_FREEING;
						d.nfree++;
					}
				}
			}
			n = nmaps = 0;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- boot */

static void io_done(uint64_t cookie, int err);

/* Replay a complete log transaction, if there is one. */
static void log_replay(void)
{
	struct sb_disk_log *h = d.log[0];
	if (region_io(VBLK_READ, d.super->log_start, h) < 0)
		return;
	if (h->magic != SB_DISK_LOG_MAGIC)
		return; /* a freshly formatted disk: never used */
	int r = sb_disk_log_check(h, d.super);
	if (r < 0) {
		kprintf("exo: disk: log header refused (%s); not replayed\n", sb_disk_strerror(r));
		return;
	}
	uint32_t crc = sb_disk_log_crc_begin(h);
	bool images_ok = true;
	for (unsigned i = 0; i < h->count; i++) {
		if (region_io(VBLK_READ, d.super->log_start + 1 + i, d.log[1 + i]) < 0)
			return;
		crc = sb_disk_log_crc_image(crc, d.log[1 + i]);
		images_ok = images_ok && sb_disk_log_image_ok(h, d.super, i, d.log[1 + i]);
	}
	d.seq = h->seq + 1;
	if (crc != h->crc || !images_ok)
		return; /* torn: its transaction never reached home, nothing to do */
	for (unsigned i = 0; i < h->count; i++)
		if (region_io(VBLK_WRITE, h->target[i], d.log[1 + i]) < 0)
			return;
	vblk_sync(VBLK_FLUSH, 0, NULL, 0);
	kprintf("exo: disk: replayed log transaction %lu (%u blocks)\n", h->seq, h->count);
}

/* Load map block i; a refused one takes its blocks out of use. */
static void load_map(uint64_t i)
{
	struct sb_disk_map *m = d.map[i];
	uint64_t bad = 0;
	int r = region_io(VBLK_READ, d.super->map_start + i, m);
	if (r == 0)
		r = sb_disk_map_check(m, i, d.super, d.owners, &bad);
	if (r == 0)
		return;
	uint64_t first = i * SB_DISK_MAP_PER_BLOCK;
	kprintf("exo: disk: map block %lu refused (%s, block %lu): blocks %lu-%lu out of use\n", i,
		r == -EXO_EIO ? "read error" : sb_disk_strerror(r), bad, first,
		first + SB_DISK_MAP_PER_BLOCK - 1);
	for (unsigned k = 0; k < SB_DISK_MAP_PER_BLOCK; k++)
		m->e[k] = SB_DISK_RESERVED | M_DAMAGED;
	d.damaged = true;
}

/* Count the map's data blocks: free ones into *nfree, owned ones per owner
 * into have[1..31] (blocks out of use, reserved or being freed count for
 * neither). Returns how many entries are none of these: 0 unless the
 * in-memory map is corrupt (each is printed). */
static unsigned tally(uint64_t *nfree, uint32_t have[SB_DISK_OWNER_SLOTS + 1])
{
	unsigned bad = 0;
	*nfree = 0;
	for (uint64_t b = d.super->data_start; b < d.nblocks; b++) {
		uint32_t e = *entry(b), o = SB_DISK_ENTRY_OWNER(e);
		if (e & M_DAMAGED)
			continue;
		if (e == 0)
			(*nfree)++;
		else if (o >= 1 && o <= SB_DISK_OWNER_SLOTS)
			have[o]++;
		else if (e != M_FREEING && o != SB_DISK_RESERVED) {
			kprintf("exo: invariant: block %lu has map entry 0x%x\n", b, e);
			bad++;
		}
	}
	return bad;
}

/* Count what the map says; correct the owners' counts if they disagree
 * (the map decides: docs/disk.md). */
static void count_blocks(void)
{
	uint32_t have[SB_DISK_OWNER_SLOTS + 1] = { 0 };
	tally(&d.nfree, have);
	for (unsigned o = 1; o <= SB_DISK_OWNER_SLOTS; o++) {
		if (owner_slot(o)->nblocks != have[o]) {
			kprintf("exo: disk: owner %u counted %u blocks, the map gives %u: "
				"corrected\n",
				o, owner_slot(o)->nblocks, have[o]);
			owner_slot(o)->nblocks = have[o];
			d.owners_dirty = true;
		}
	}
}

void block_init(uint8_t vector, uint8_t apic_id)
{
	if (vblk_init(vector, apic_id, io_done) < 0)
		return;
	d.present = true;
	for (unsigned i = 0; i < SB_DISK_LOG_BLOCKS; i++)
		if (!(d.log[i] = kalloc_page()))
			return;
	d.super = kalloc_page();
	d.owners = kalloc_page();
	d.old = kalloc_page();
	d.new = kalloc_page();
	if (!d.super || !d.owners || !d.old || !d.new)
		return;
	int r = region_io(VBLK_READ, 0, d.super);
	if (r == 0)
		r = sb_disk_super_check(d.super, vblk_blocks());
	if (r < 0) {
		kprintf("exo: disk: no ownership region (%s); disk blocks unavailable\n",
			r == -EXO_EIO ? "read error" : sb_disk_strerror(r));
		return;
	}
	log_replay();
	r = region_io(VBLK_READ, d.super->owner_start, d.owners);
	if (r == 0)
		r = sb_disk_owners_check(d.owners);
	if (r < 0) {
		kprintf("exo: disk: owner table refused (%s); disk blocks unavailable\n",
			r == -EXO_EIO ? "read error" : sb_disk_strerror(r));
		return;
	}
	d.nmap = d.super->map_blocks;
	if (d.nmap > MAX_MAP_BLOCKS) {
		kprintf("exo: disk: only the first %u map blocks are used\n", MAX_MAP_BLOCKS);
		d.nmap = MAX_MAP_BLOCKS;
	}
	for (uint64_t i = 0; i < d.nmap; i++) {
		if (!(d.map[i] = kalloc_page())) {
			d.nmap = i;
			break;
		}
		load_map(i);
	}
	d.nblocks = d.super->nblocks;
	if (d.nblocks > d.nmap * SB_DISK_MAP_PER_BLOCK)
		d.nblocks = d.nmap * SB_DISK_MAP_PER_BLOCK;
	d.region = d.nblocks > d.super->data_start;
	if (!d.region)
		return;
	d.cursor = d.super->data_start;
	count_blocks();
	unsigned nowners = 0;
	for (unsigned o = 1; o <= SB_DISK_OWNER_SLOTS; o++)
		nowners += slot_used(owner_slot(o)->hash) ? 1 : 0;
	kprintf("exo: disk: %lu blocks, %lu free, %u owners%s\n", d.nblocks - d.super->data_start,
		d.nfree, nowners, d.damaged ? ", part refused" : "");
}

/* ------------------------------------------------------------- rights */

/* The env's disk owner slot, 0 if none. */
static unsigned owner_of(const struct env *e)
{
	return e->disk_owner;
}

static struct bgrant *bgrant_find(uint64_t block, uint32_t holder)
{
	for (unsigned i = 0; i < BGRANTS; i++)
		if (d.grant[i].holder == holder && d.grant[i].block == block)
			return &d.grant[i];
	return NULL;
}

/* Rights e holds on data block b: all if its owner owns it, a grant's
 * otherwise. */
static uint16_t block_rights(const struct env *e, uint64_t b)
{
	uint32_t en = *entry(b);
	unsigned o = SB_DISK_ENTRY_OWNER(en);
	if (en & M_DAMAGED)
		return 0;
	if (o != 0 && o != SB_DISK_RESERVED && o == owner_of(e))
		return EXO_PERM_R | EXO_PERM_W;
	struct bgrant *g = bgrant_find(b, e->id);
	return g ? g->perm : 0;
}

static bool data_block(uint64_t b)
{
	return d.region && b >= d.super->data_start && b < d.nblocks;
}

/* Whether b is a data block of owner o (not 0) that no metadata block
 * holds and that is in use (not out of use, not being freed). */
static bool unheld_of(uint64_t b, unsigned o)
{
	if (!data_block(b) || o == 0)
		return false;
	uint32_t en = *entry(b);
	return SB_DISK_ENTRY_OWNER(en) == o && !(en & (SB_DISK_HELD | M_MEMBITS));
}

/* The same, and plain data (no metadata type): what a swap area may hold
 * and what a block repossession may take. */
static bool plain_of(uint64_t b, unsigned o)
{
	return unheld_of(b, o) && !SB_DISK_ENTRY_TYPE(*entry(b));
}

/* Drop every grant on block b. */
static void bgrants_drop(uint64_t b)
{
	for (unsigned i = 0; i < BGRANTS; i++) {
		if (d.grant[i].holder && d.grant[i].block == b) {
			kmem_uncharge(d.grant[i].issuer, sizeof(struct bgrant));
			d.grant[i] = (struct bgrant){ 0 };
		}
	}
}

/* ------------------------------------------------------------- pinning */

bool frame_pinned(uint64_t fn)
{
	if (vblk_inflight() == 0)
		return false;
	for (unsigned s = 0; s < VBLK_SLOTS; s++) {
		const struct ioreq *r = &d.io[s];
		if (!r->busy)
			continue;
		for (unsigned i = 0; i <= r->n; i++)
			if (r->fn[i] == fn)
				return true;
	}
	return false;
}

void frame_orphan(uint64_t fn)
{
	frames.f[fn].owner = FRAME_DMA;
}

/* A request completed: report to its env, unpin its frames. */
static void io_done(uint64_t cookie, int err)
{
	struct ioreq *r = &d.io[cookie];
	*(volatile int64_t *)phys_to_virt(r->status_pa) = err < 0 ? err : 1;
	r->busy = false;
	/* Written: from now on the disk holds the owner's data. Not before:
	 * a read queued meanwhile must not see what a previous owner left. */
	for (unsigned i = 0; r->write && err == 0 && i < r->n; i++)
		if (*entry(r->block + i) & SB_DISK_FRESH)
			set_entry(r->block + i, *entry(r->block + i) & ~SB_DISK_FRESH);
	for (unsigned i = 0; i <= r->n; i++) {
		uint64_t fn = r->fn[i];
		if (frames.f[fn].owner == FRAME_DMA && !frame_pinned(fn))
			frame_release(&frames, fn);
	}
	sched_check_waiters();
}

void block_intr(void)
{
	vblk_intr();
}

void block_quiesce(void)
{
	while (vblk_inflight())
		vblk_intr();
}

/* One checked request, ready to queue. */
struct checked {
	unsigned op, n;
	uint64_t block;
	uint64_t fn[VBLK_MAX_SEGS + 1];
	uint64_t status_pa;
	bool fresh; /* a read of never-written blocks: zeros, no I/O */
	bool meta;  /* a write of a metadata block: checked, synchronous */
};

static void set_status(uint64_t pa, int64_t v)
{
	*(volatile int64_t *)phys_to_virt(pa) = v;
}

/* ------------------------------------------------------------ metadata */

/* UDF outputs and their difference (kernel lock held while in use). */
static uint64_t set_old[SB_UDF_MAX_OUT], set_new[SB_UDF_MAX_OUT];
static uint64_t appeared[SB_UDF_MAX_OUT], gone[SB_UDF_MAX_OUT];

/* Run block b's UDF on the page buf, into set[0..*n), normalized.
 * Returns 0, -EXO_EAGAIN (its type is not registered this boot) or
 * -EXO_EINVAL (the program fails on these bytes). */
static long udf_eval(uint64_t b, const void *buf, uint64_t *set, uint32_t *n)
{
	unsigned t = SB_DISK_ENTRY_TYPE(*entry(b));
	*n = 0;
	if (!d.udf[t])
		return -EXO_EAGAIN;
	if (sb_udf_run(d.udf[t], d.udf_len[t], buf, set, SB_UDF_MAX_OUT, n) < 0)
		return -EXO_EINVAL;
	sb_udf_set_normalize(set, n);
	return 0;
}

/* Read metadata block b's current contents into buf (zeros if fresh,
 * after every transfer in flight has finished) and run its UDF: the
 * blocks it references now, into set_old. */
static long udf_refs(uint64_t b, void *buf, uint32_t *n)
{
	block_quiesce();
	if (*entry(b) & SB_DISK_FRESH)
		memset(buf, 0, PAGE_SIZE);
	else if (region_io(VBLK_READ, b, buf) < 0)
		return -EXO_EIO;
	return udf_eval(b, buf, set_old, n);
}

/*
 * Write metadata block c->block from the caller's frame c->fn[0], checked
 * (XN, SOSP'97): the kernel copies the bytes, runs the type's UDF on the
 * old and the new contents, and allows the write only if every block that
 * appears is a data block of the writer's own owner that nothing holds yet
 * (it becomes held), and the block does not reference itself. Blocks that
 * disappear are no longer held: they stay with their owner, who may free
 * them. Done synchronously; *status is set before returning.
 */
static long metadata_write(const struct checked *c)
{
	unsigned me_o = owner_of(me());
	uint32_t nold, nnew, na, ng;
	long r = udf_refs(c->block, d.old, &nold);
	if (r < 0)
		return r;
	memcpy(d.new, phys_to_virt(c->fn[0] << PAGE_SHIFT), PAGE_SIZE);
	r = udf_eval(c->block, d.new, set_new, &nnew);
	if (r < 0)
		return r;
	if (sb_udf_diff(set_old, nold, set_new, nnew, appeared, &na, gone, &ng) < 0)
		return -EXO_EINVAL;
	for (uint32_t i = 0; i < na; i++)
		if (appeared[i] == c->block || !unheld_of(appeared[i], me_o))
			return -EXO_EPERM;
	for (uint32_t i = 0; i < na; i++)
		set_entry(appeared[i], *entry(appeared[i]) | SB_DISK_HELD);
	for (uint32_t i = 0; i < ng; i++)
		if (data_block(gone[i]) && (*entry(gone[i]) & SB_DISK_HELD))
			set_entry(gone[i], *entry(gone[i]) & ~SB_DISK_HELD);
	r = region_io(VBLK_WRITE, c->block, d.new);
	if (r < 0) {
		/* The disk keeps the old contents: so do the held marks. */
		for (uint32_t i = 0; i < na; i++)
			set_entry(appeared[i], *entry(appeared[i]) & ~SB_DISK_HELD);
		for (uint32_t i = 0; i < ng; i++)
			if (data_block(gone[i]) && SB_DISK_ENTRY_OWNER(*entry(gone[i])))
				set_entry(gone[i], *entry(gone[i]) | SB_DISK_HELD);
	} else if (*entry(c->block) & SB_DISK_FRESH) {
		set_entry(c->block, *entry(c->block) & ~SB_DISK_FRESH);
	}
	set_status(c->status_pa, r < 0 ? r : 1);
	return 0;
}

long sys_disk_type(const void *uprog, uint64_t ninsn)
{
	struct env *e = me();
	if (ninsn == 0 || ninsn > SB_UDF_MAX_INSNS)
		return -EXO_EINVAL;
	if (!d.region)
		return -EXO_ENOTSUP;
	if (!owner_of(e))
		return -EXO_EPERM;
	struct sb_udf_insn *prog = kalloc_page();
	if (!prog)
		return -EXO_ENOMEM;
	uint64_t bytes = ninsn * sizeof(struct sb_udf_insn);
	long r = copy_from_user(self(), prog, (uint64_t)uprog, bytes);
	/* A type must own nothing when its block is all zeros (a fresh
	 * metadata block), and the verifier must accept it. */
	uint32_t n = 1;
	memset(d.old, 0, PAGE_SIZE);
	if (r == 0 &&
	    (sb_udf_verify(prog, (uint32_t)ninsn, NULL) < 0 ||
	     sb_udf_run(prog, (uint32_t)ninsn, d.old, set_old, SB_UDF_MAX_OUT, &n) < 0 || n != 0))
		r = -EXO_EINVAL;
	uint8_t h[SB_DISK_HASH_BYTES];
	sb_sha256(prog, bytes, h);
	int t = r == 0 ? sb_disk_type_find(d.owners, h) : 0;
	if (r == 0 && t == 0) {
		for (unsigned i = SB_DISK_TYPE_SLOTS; i >= 1; i--)
			if (!slot_used(d.owners->type[i - 1].hash))
				t = (int)i;
		if (t == 0 || d.readonly)
			r = d.readonly ? -EXO_EIO : -EXO_ENOMEM;
		else {
			struct sb_disk_type *ty = &d.owners->type[t - 1];
			memcpy(ty->hash, h, sizeof(h));
			ty->owner = owner_of(e);
			ty->ninsn = (uint32_t)ninsn;
			d.owners_dirty = true;
		}
	}
	if (r < 0 || d.udf[t]) {
		kfree_page(prog); /* refused, or this boot has it already */
		return r < 0 ? r : t;
	}
	d.udf[t] = prog;
	d.udf_len[t] = (uint32_t)ninsn;
	return t;
}

/* ------------------------------------------------------------- calls */

long sys_disk_info(struct exo_disk_info *uinfo)
{
	struct env *e = me();
	struct exo_disk_info info = { 0 };
	if (d.present)
		info.flags |= EXO_DISK_PRESENT;
	if (d.region) {
		info.flags |= EXO_DISK_REGION;
		info.nblocks = d.nblocks;
		info.data_start = d.super->data_start;
		info.nfree = d.nfree;
	}
	if (vblk_can_flush())
		info.flags |= EXO_DISK_FLUSHES;
	if (d.damaged)
		info.flags |= EXO_DISK_DAMAGED;
	if (d.readonly)
		info.flags |= EXO_DISK_READONLY;
	unsigned o = owner_of(e);
	if (o) {
		info.owner = o;
		info.owned = owner_slot(o)->nblocks;
		info.fs_start = owner_slot(o)->fs_start;
		info.fs_blocks = owner_slot(o)->fs_blocks;
	}
	return copy_to_user(self(), (uint64_t)uinfo, &info, sizeof(info));
}

long sys_disk_attach(const struct exo_disk_key *ukey, uint64_t flags)
{
	struct env *e = me();
	struct exo_disk_key k;
	if (flags & ~(uint64_t)EXO_DISK_CREATE)
		return -EXO_EINVAL;
	if (!(e->rights & EXO_RIGHT_DISK))
		return -EXO_EPERM;
	if (copy_from_user(self(), &k, (uint64_t)ukey, sizeof(k)) < 0)
		return -EXO_EFAULT;
	if (!d.region)
		return -EXO_ENOTSUP;
	uint8_t h[SB_DISK_HASH_BYTES];
	sb_sha256(k.key, sizeof(k.key), h);
	memset(&k, 0, sizeof(k.key)); /* the secret does not linger on the stack */
	unsigned empty = 0;
	int found = sb_disk_owner_find(d.owners, h);
	if (found > 0) {
		e->disk_owner = (uint8_t)found;
		return found;
	}
	for (unsigned o = SB_DISK_OWNER_SLOTS; o >= 1; o--)
		if (!slot_used(owner_slot(o)->hash))
			empty = o;
	if (!(flags & EXO_DISK_CREATE))
		return -EXO_EPERM;
	if (!empty || d.readonly)
		return -EXO_ENOMEM;
	struct sb_disk_owner *s = owner_slot(empty);
	memset(s, 0, sizeof(*s));
	memcpy(s->hash, h, sizeof(h));
	for (unsigned i = 0; i < sizeof(s->name) - 1 && k.name[i]; i++)
		s->name[i] = k.name[i];
	d.owners_dirty = true;
	e->disk_owner = (uint8_t)empty;
	return empty;
}

static bool block_free_now(uint64_t b)
{
	return *entry(b) == 0;
}

long sys_block_alloc(uint64_t block, uint64_t flags)
{
	struct env *e = me();
	unsigned o = owner_of(e);
	if (!d.region)
		return -EXO_ENOTSUP;
	if (flags > SB_DISK_TYPE_SLOTS || (block != EXO_BLOCK_ANY && !data_block(block)))
		return -EXO_EINVAL;
	if (flags && !d.udf[flags])
		return -EXO_EINVAL; /* no such metadata type registered this boot */
	if (!o)
		return -EXO_EPERM;
	if (d.readonly)
		return -EXO_EIO;
	if (block == EXO_BLOCK_ANY) {
		uint64_t span = d.nblocks - d.super->data_start;
		for (uint64_t k = 0; k < span && block == EXO_BLOCK_ANY; k++) {
			uint64_t b =
				d.super->data_start + (d.cursor - d.super->data_start + k) % span;
			if (block_free_now(b))
				block = b;
		}
		if (block == EXO_BLOCK_ANY)
			return -EXO_ENOMEM;
		d.cursor = block + 1 < d.nblocks ? block + 1 : d.super->data_start;
	} else if (!block_free_now(block)) {
		return -EXO_EBUSY;
	}
	/* FRESH: reads give zeros until the owner writes it, so nothing a
	 * previous owner left on the disk shows through. */
	set_entry(block, SB_DISK_ENTRY(o, flags, SB_DISK_FRESH));
	owner_slot(o)->nblocks++;
	d.owners_dirty = true;
	d.nfree--;
	return (long)block;
}

/* Let go of owned block b: its grants end; it is free once that is on
 * the disk. */
static void free_block(uint64_t b)
{
	unsigned o = SB_DISK_ENTRY_OWNER(*entry(b));
	bgrants_drop(b);
	set_entry(b, M_FREEING);
	owner_slot(o)->nblocks--;
	d.owners_dirty = true;
}

long sys_block_free(uint64_t block)
{
	struct env *e = me();
	if (!data_block(block))
		return d.region ? -EXO_EINVAL : -EXO_ENOTSUP;
	uint32_t en = *entry(block);
	unsigned o = SB_DISK_ENTRY_OWNER(en);
	if ((en & M_DAMAGED) || o == 0 || o != owner_of(e))
		return -EXO_EPERM;
	if (d.readonly)
		return -EXO_EIO;
	if (en & SB_DISK_HELD)
		return -EXO_EBUSY; /* a metadata block references it */
	if (SB_DISK_ENTRY_TYPE(en)) {
		/* A metadata block goes only once it references nothing. */
		uint32_t n;
		long r = udf_refs(block, d.old, &n);
		if (r < 0)
			return r;
		if (n)
			return -EXO_EBUSY;
	}
	free_block(block);
	revoke_credit(e, RV_BLOCKS);
	return 0;
}

long sys_block_grant(uint64_t block, uint64_t envid, uint64_t perm)
{
	struct env *e = me();
	if (!data_block(block) || !sb_grant_perm_ok(perm) || (perm & EXO_PERM_X))
		return d.region ? -EXO_EINVAL : -EXO_ENOTSUP;
	struct env *to = envid <= UINT32_MAX && envid ? env_lookup((uint32_t)envid) : NULL;
	if (!to)
		return -EXO_EBADENV;
	if (to->home)
		to = to->home; /* rights are the environment's, not a context's */
	uint32_t en = *entry(block);
	unsigned o = SB_DISK_ENTRY_OWNER(en);
	if ((en & M_DAMAGED) || o == 0 || o != owner_of(e))
		return -EXO_EPERM; /* only the owner grants; holders cannot pass it on */
	if (to == e || owner_of(to) == o)
		return 0; /* it holds every right already */
	struct bgrant *g = bgrant_find(block, to->id);
	if (g) {
		g->perm = (uint16_t)perm;
		return 0;
	}
	for (unsigned i = 0; i < BGRANTS; i++) {
		if (d.grant[i].holder == 0) {
			if (kmem_charge(e, sizeof(struct bgrant)) < 0)
				return -EXO_ENOMEM;
			d.grant[i] = (struct bgrant){ .block = block,
						      .holder = to->id,
						      .issuer = e->id,
						      .perm = (uint16_t)perm };
			return 0;
		}
	}
	return -EXO_ENOMEM;
}

long sys_block_revoke(uint64_t block, uint64_t envid)
{
	struct env *e = me();
	if (!data_block(block) || envid == 0 || envid > UINT32_MAX)
		return d.region ? -EXO_EINVAL : -EXO_ENOTSUP;
	struct bgrant *g = bgrant_find(block, (uint32_t)envid);
	if (!g)
		return -EXO_EINVAL;
	if (g->issuer != e->id && SB_DISK_ENTRY_OWNER(*entry(block)) != owner_of(e))
		return -EXO_EPERM;
	kmem_uncharge(g->issuer, sizeof(struct bgrant));
	*g = (struct bgrant){ 0 };
	return 0;
}

uint64_t block_count(void)
{
	return d.region ? d.nblocks - d.super->data_start : 0;
}

static bool in_swap(const struct env *e, uint64_t b)
{
	return b >= e->swap_first && b < e->swap_first + e->swap_count;
}

uint64_t block_repossess(struct env *e, uint64_t n)
{
	unsigned o = owner_of(e);
	uint64_t taken = 0;
	if (!o || !d.region || d.readonly)
		return 0;
	block_quiesce(); /* no transfer may be in flight on a block that goes */
	for (uint64_t b = d.nblocks; b-- > d.super->data_start && taken < n;) {
		if (!plain_of(b, o) || in_swap(e, b))
			continue;
		free_block(b);
		repo_record(e, EXO_REPO_BLOCK, b, 0);
		taken++;
	}
	/* Taken blocks are for someone else: make them free now. */
	if (taken)
		commit();
	return taken;
}

uint64_t block_swap_out(struct env *e, uint64_t fn)
{
	while (e->swap_used < e->swap_count) {
		uint64_t b = e->swap_first + e->swap_used++;
		/* Still the owner's plain data? It may have been freed since. */
		if (!plain_of(b, owner_of(e)))
			continue;
		if (vblk_sync(VBLK_WRITE, b, (uint64_t[]){ fn << PAGE_SHIFT }, 1) < 0)
			return 0;
		if (*entry(b) & SB_DISK_FRESH)
			set_entry(b, *entry(b) & ~SB_DISK_FRESH);
		trace_event(EXO_TRACE_SWAP, e->id, fn, b);
		return b;
	}
	return 0;
}

long sys_swap_register(uint64_t first, uint64_t count)
{
	struct env *e = me();
	if (count > EXO_SWAP_MAX)
		return -EXO_ERANGE;
	if (count && (!data_block(first) || count > d.nblocks - first))
		return d.region ? -EXO_EINVAL : -EXO_ENOTSUP;
	for (uint64_t b = first; b < first + count; b++)
		if (!plain_of(b, owner_of(e)))
			return -EXO_EPERM;
	e->swap_first = count ? first : 0;
	e->swap_count = (uint32_t)count;
	e->swap_used = 0;
	return 0;
}

void block_env_gone(struct env *e)
{
	for (unsigned i = 0; i < BGRANTS; i++) {
		struct bgrant *g = &d.grant[i];
		if (g->holder && (g->holder == e->id || g->issuer == e->id)) {
			kmem_uncharge(g->issuer, sizeof(struct bgrant));
			*g = (struct bgrant){ 0 };
		}
	}
}

/* Frame behind user page va in the caller's address space, if mapped and
 * the caller holds `need` on it (EXO_PERM_W if the device writes it). */
static long user_frame(uint64_t va, uint16_t need)
{
	uint64_t *pte = pmap_lookup(me()->pml4, va);
	if (!pte || !(*pte & PTE_U) || ((need & EXO_PERM_W) && !(*pte & PTE_W)))
		return -EXO_EFAULT;
	uint64_t fn = (*pte & PTE_ADDR) >> PAGE_SHIFT;
	if (!sb_perm_within(need, frame_rights(fn, me()->id)))
		return -EXO_EFAULT;
	return (long)fn;
}

static long check_req(const struct exo_disk_req *q, struct checked *c)
{
	struct env *e = me();
	*c = (struct checked){ 0 }; /* c[] is static: nothing of a past call may stay */
	if ((q->status_va & 7) || !sb_user_range_ok(q->status_va, 8))
		return -EXO_EFAULT;
	long sfn = user_frame(ALIGN_DOWN(q->status_va, PAGE_SIZE), EXO_PERM_W);
	if (sfn < 0)
		return sfn;
	c->status_pa = ((uint64_t)sfn << PAGE_SHIFT) | (q->status_va & (PAGE_SIZE - 1));
	c->op = q->op;
	if (q->op == EXO_DISK_FLUSH) {
		c->n = 0;
		c->fn[0] = (uint64_t)sfn;
		return q->nblocks || q->va ? -EXO_EINVAL : 0;
	}
	if (q->op != EXO_DISK_READ && q->op != EXO_DISK_WRITE)
		return -EXO_EINVAL;
	if (q->nblocks == 0 || q->nblocks > EXO_DISK_MAX_BLOCKS || (q->va & (PAGE_SIZE - 1)))
		return -EXO_EINVAL;
	if (!d.region)
		return -EXO_ENOTSUP;
	if (q->block < d.super->data_start || q->block >= d.nblocks ||
	    q->nblocks > d.nblocks - q->block)
		return -EXO_EINVAL;
	if (!sb_user_range_ok(q->va, (uint64_t)q->nblocks * PAGE_SIZE))
		return -EXO_EFAULT;
	uint16_t need = q->op == EXO_DISK_READ ? EXO_PERM_R : EXO_PERM_W;
	unsigned fresh = 0;
	for (unsigned i = 0; i < q->nblocks; i++) {
		if (!sb_perm_within(need, block_rights(e, q->block + i)))
			return -EXO_EPERM;
		fresh += (*entry(q->block + i) & SB_DISK_FRESH) ? 1 : 0;
		/* The device writes memory on a read, reads it on a write. */
		long fn = user_frame(q->va + (uint64_t)i * PAGE_SIZE,
				     q->op == EXO_DISK_READ ? EXO_PERM_W : EXO_PERM_R);
		if (fn < 0)
			return fn;
		c->fn[i] = (uint64_t)fn;
	}
	c->n = q->nblocks;
	c->block = q->block;
	c->fn[c->n] = (uint64_t)sfn;
	c->meta = false;
	for (unsigned i = 0; i < q->nblocks; i++)
		if (SB_DISK_ENTRY_TYPE(*entry(q->block + i)))
			c->meta = q->op == EXO_DISK_WRITE;
	/* A metadata block is written alone, through the UDF check. */
	if (c->meta && q->nblocks != 1)
		return -EXO_EINVAL;
	c->fresh = q->op == EXO_DISK_READ && fresh == c->n;
	/* A read over written and never-written blocks together would show
	 * stale data for the latter: refuse it; read them separately. */
	if (q->op == EXO_DISK_READ && fresh && !c->fresh)
		return -EXO_EINVAL;
	return 0;
}

/* Queue (or complete) one checked request. Returns 0 or -EXO_EAGAIN. */
static long start_req(struct checked *c)
{
	if (c->op == EXO_DISK_FLUSH) {
		/* A barrier: every request queued before it completes first
		 * (so no old write can land on a block after it changes
		 * hands); then the ownership changes go through the log, and
		 * the device's cache is flushed. */
		block_quiesce();
		int r = commit();
		if (r == 0)
			r = vblk_sync(VBLK_FLUSH, 0, NULL, 0);
		set_status(c->status_pa, r < 0 ? r : 1);
		return 0;
	}
	if (c->meta)
		return metadata_write(c);
	if (c->fresh) {
		for (unsigned i = 0; i < c->n; i++)
			memset(phys_to_virt(c->fn[i] << PAGE_SHIFT), 0, PAGE_SIZE);
		set_status(c->status_pa, 1);
		return 0;
	}
	unsigned s = 0;
	while (s < VBLK_SLOTS && d.io[s].busy)
		s++;
	if (s == VBLK_SLOTS)
		return -EXO_EAGAIN;
	uint64_t pa[VBLK_MAX_SEGS];
	for (unsigned i = 0; i < c->n; i++)
		pa[i] = c->fn[i] << PAGE_SHIFT;
	set_status(c->status_pa, 0);
	if (vblk_submit(c->op == EXO_DISK_READ ? VBLK_READ : VBLK_WRITE, c->block, pa, c->n, s) < 0)
		return -EXO_EAGAIN;
	struct ioreq *r = &d.io[s];
	r->busy = true;
	r->write = c->op == EXO_DISK_WRITE;
	r->env = me()->id;
	r->block = c->block;
	r->n = c->n;
	memcpy(r->fn, c->fn, sizeof(r->fn));
	r->status_pa = c->status_pa;
	return 0;
}

long sys_disk_io(const struct exo_disk_req *ureqs, uint64_t count)
{
	static struct exo_disk_req q[EXO_DISK_MAX_REQS];
	static struct checked c[EXO_DISK_MAX_REQS];
	if (count == 0 || count > EXO_DISK_MAX_REQS)
		return -EXO_EINVAL;
	if (copy_from_user(self(), q, (uint64_t)ureqs, count * sizeof(q[0])) < 0)
		return -EXO_EFAULT;
	if (!d.present)
		return -EXO_ENOTSUP;
	/* Every request is checked before any is queued: a bad one means
	 * nothing moves. A metadata write comes alone (its check reads the
	 * disk, so it is done when it runs). */
	for (unsigned i = 0; i < count; i++) {
		long r = check_req(&q[i], &c[i]);
		if (r < 0)
			return r;
		if (c[i].meta && count != 1)
			return -EXO_EINVAL;
	}
	/* Queue in order; stop when the device is full. */
	for (unsigned i = 0; i < count; i++) {
		long r = start_req(&c[i]);
		if (r < 0)
			return i ? (long)i : r;
	}
	return (long)count;
}

/* ------------------------------------------------------------ checking */

unsigned block_invariant_check(void)
{
	unsigned bad = 0;
	if (!d.region)
		return 0;
	uint64_t nfree;
	uint32_t have[SB_DISK_OWNER_SLOTS + 1] = { 0 };
	bad += tally(&nfree, have);
	if (nfree != d.nfree) {
		kprintf("exo: invariant: %lu free blocks counted, %lu recorded\n", nfree, d.nfree);
		bad++;
	}
	for (unsigned o = 1; o <= SB_DISK_OWNER_SLOTS; o++) {
		if (have[o] != owner_slot(o)->nblocks) {
			kprintf("exo: invariant: disk owner %u holds %u blocks, %u recorded\n", o,
				have[o], owner_slot(o)->nblocks);
			bad++;
		}
	}
	/* Every entry in use is canonical and names a used owner and type
	 * slot (a retype or a metadata write leaves nothing else). */
	for (uint64_t b = d.super->data_start; b < d.nblocks; b++) {
		uint32_t en = *entry(b);
		if ((en & M_MEMBITS) || en == 0)
			continue;
		int r = sb_disk_entry_check(en, b, d.super, d.owners);
		if (r < 0) {
			kprintf("exo: invariant: block %lu has map entry 0x%x (%s)\n", b, en,
				sb_disk_strerror(r));
			bad++;
		}
	}
	for (unsigned i = 0; i < BGRANTS; i++) {
		const struct bgrant *g = &d.grant[i];
		if (g->holder && (!data_block(g->block) || !env_lookup(g->holder))) {
			kprintf("exo: invariant: block grant %u on %lu to %u is stale\n", i,
				g->block, g->holder);
			bad++;
		}
	}
	return bad;
}

/*
 * exo_block_retype (call 48; docs/abi.md): the caller's own unheld block
 * becomes plain data (type 0) or a metadata block of a type registered
 * this boot, and fresh (reads as zeros until written). If it was a
 * metadata block, what its current contents reference is released first
 * (no longer held, still its owner's), exactly as if the owner had written
 * zeros into it, which it may always do: so every held block stays
 * referenced by exactly one metadata block's contents, and a block that
 * becomes metadata references nothing (a type gives the empty set on
 * zeros: checked at registration). Every transfer in flight completes
 * first, so no data write queued before can land on the block after it
 * became metadata. The change is durable at the next EXO_DISK_FLUSH.
 * Source: XN (Kaashoek et al., SOSP'97).
 */
long sys_block_retype(uint64_t block, uint64_t type)
{
	struct env *e = me();
	unsigned o = owner_of(e);
	if (!d.region)
		return -EXO_ENOTSUP;
	if (!data_block(block) || type > SB_DISK_TYPE_SLOTS)
		return -EXO_EINVAL;
	if (type && !d.udf[type])
		return -EXO_EINVAL; /* no such metadata type registered this boot */
	if (!o)
		return -EXO_EPERM;
	uint32_t en = *entry(block), to;
	int v = sb_disk_retype_check(en, o, (unsigned)type, &to);
	if (v == -SB_DISK_ENOTMINE)
		return -EXO_EPERM;
	if (d.readonly)
		return -EXO_EIO;
	if (v < 0)
		return -EXO_EBUSY; /* held: a metadata block references it */
	uint32_t n = 0;
	if (SB_DISK_ENTRY_TYPE(en)) {
		/* What it references now (after every transfer in flight). */
		long r = udf_refs(block, d.old, &n);
		if (r < 0)
			return r;
	} else {
		block_quiesce();
	}
	for (uint32_t i = 0; i < n; i++)
		if (data_block(set_old[i]) && (*entry(set_old[i]) & SB_DISK_HELD))
			set_entry(set_old[i], *entry(set_old[i]) & ~SB_DISK_HELD);
	set_entry(block, to);
	return 0;
}
