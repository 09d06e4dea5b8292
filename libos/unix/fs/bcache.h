/*
 * bcache.h - the UNIX libOS's buffer cache: 4 KiB blocks of a blockdev
 * held in frames the libOS owns, written back lazily and in a safe order.
 *
 * A buffer is pinned while a caller holds it (bcache_get .. bcache_put);
 * unpinned buffers are kept in LRU order and evicted when a frame is
 * needed, dirty ones written back first. The cache never holds more than
 * the number of headers given at init (the hard cap) nor more frames than
 * its current limit; bcache_shrink gives frames back on demand (the
 * libOS's answer to a visible-revocation request for frames).
 *
 * Ordering. A dirty buffer may carry dependencies: "write me only after
 * block B's current contents are durable" (bcache_order) or "only after
 * every dirty data block of inode N is durable" (bcache_order_data). Every
 * write of the cache respects them: the blocks a buffer depends on are
 * written first, then the device is flushed, then the buffer. A dependency
 * that would close a cycle is broken at once by writing the earlier block
 * (its own dependencies first), before the later one is modified. The file
 * system states its rules in these terms (docs/unix-libos.md).
 *
 * Contract with the caller: a buffer's contents are consistent whenever
 * the caller calls into the cache (any call may write any dirty buffer,
 * pinned or not, subject to the dependencies); dependencies are recorded
 * before the dependent buffer is modified; bcache_dirty follows each
 * modification before the next cache call. One thread at a time.
 */
#ifndef UNIX_FS_BCACHE_H
#define UNIX_FS_BCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "blockdev.h"

/* Fewest headers a cache may have: the file system pins at most ~8 at once. */
#define BCACHE_MIN 16
/* Dependencies one dirty buffer can carry; more are satisfied at once. */
#define BCACHE_NDEPS 8
#define BCACHE_HASH  1024

/* Where the cache gets and returns frames (4 KiB, 4 KiB-aligned memory). */
struct bcache_ops {
	void *(*frame_alloc)(void *ctx); /* a frame, or NULL if none is to be had */
	void (*frame_free)(void *ctx, void *frame);
	void *ctx;
};

enum {
	BCACHE_DEP_BLOCK = 1, /* key: a block number */
	BCACHE_DEP_DATA = 2,  /* key: an owner (inode number) */
};

/*
 * A dependency of a dirty buffer. BLOCK: active while block `key` is
 * cached, dirty and not written since the dependency was recorded (its
 * wseq < need). DATA: active while an inode in [key, need] has dirty data
 * blocks (one dependency covers the inodes of one inode-table block).
 */
struct bcache_dep {
	uint64_t key;
	uint64_t need;
	uint32_t kind;
};

/* Buffer flags (b->flags). */
#define BUF_VALID  0x1u	 /* data holds the block's contents */
#define BUF_DIRTY  0x2u	 /* data differs from the disk */
#define BUF_DATA   0x4u	 /* a file data block: never has dependencies */
#define BUF_ORPHAN 0x10u /* forgotten while pinned: dropped at the last put */
#define BUF_META   0x20u /* a metadata block: written alone (blockdev write_meta) */
/* Free for the file system to record facts about the contents (e.g. "checked");
 * cleared when the buffer is (re)loaded and whenever it is marked dirty. */
#define BUF_USER0     0x100u
#define BUF_USER_MASK 0xff00u

struct buf {
	uint64_t block; /* [C] block number, valid while hashed */
	uint8_t *data;	/* [C] the frame, BLOCKDEV_BLOCK bytes; NULL if none */
	uint32_t refs;	/* pins; evictable only at 0 */
	uint32_t flags; /* BUF_* */
	uint32_t owner; /* inode the block belongs to (fsync), 0 = shared */
	uint32_t visit; /* [C] DFS stamp */
	uint64_t wseq;	/* [C] c->wseq of its last write (or of its load) */
	uint16_t ndeps; /* dependencies, only while dirty */
	struct bcache_dep deps[BCACHE_NDEPS];
	struct buf *hnext;	 /* [C] hash chain, or free list */
	struct buf *prev, *next; /* [C] LRU list of cached buffers */
};

struct bcache_stats {
	uint64_t hits, misses, reads, writes, flushes, evictions;
};

struct bcache {
	const struct blockdev *dev;
	struct bcache_ops ops;
	struct buf *hdrs;
	unsigned nhdrs;	  /* hard cap on buffers */
	unsigned limit;	  /* current cap on frames held (<= nhdrs) */
	unsigned nframes; /* frames held, cached or spare */
	unsigned ndirty;
	unsigned ndirty_data;
	struct buf *free; /* headers not cached; spare frames first */
	struct buf lru;	  /* sentinel: lru.next is the least recently used */
	struct buf *hash[BCACHE_HASH];
	uint64_t wseq;	/* writes so far */
	bool unflushed; /* a write since the last flush */
	uint32_t stamp;
	struct bcache_stats stats;
};

/*
 * Set up cache c over dev with the caller's n buffer headers (n >=
 * BCACHE_MIN; their memory stays the caller's). Frames are taken from
 * ops->frame_alloc as blocks are first cached, at most n of them.
 * Returns 0 or -EINVAL (n too small, dev or ops incomplete).
 */
int bcache_init(struct bcache *c, const struct blockdev *dev, struct buf *hdrs, unsigned n,
		const struct bcache_ops *ops);

/*
 * Give every frame back through ops->frame_free. Dirty buffers are
 * dropped unwritten: call bcache_sync first. No buffer may be pinned.
 */
void bcache_destroy(struct bcache *c);

/*
 * Pin block `block` (< dev->nblocks) and read it if not cached; *out gets
 * the buffer. Returns 0, -EINVAL (block out of range), -ENOMEM (no frame
 * and every buffer pinned), or the device's error (nothing is cached then).
 */
int bcache_get(struct bcache *c, uint64_t block, struct buf **out);

/*
 * Like bcache_get for a block about to be overwritten entirely (a block
 * just allocated): nothing is read, the buffer is zeroed and clean. Same
 * errors.
 */
int bcache_get_new(struct bcache *c, uint64_t block, struct buf **out);

/* Unpin b. */
void bcache_put(struct bcache *c, struct buf *b);

/* Pin b once more (b is pinned already). */
static inline void bcache_hold(struct buf *b)
{
	b->refs++;
}

/* Mark pinned b modified (clearing its BUF_USER flags). */
void bcache_dirty(struct bcache *c, struct buf *b);

/*
 * Tag b as belonging to inode `owner` (0: shared metadata); `data` marks a
 * file data block, which bcache_order_data waits for.
 */
void bcache_set_owner(struct bcache *c, struct buf *b, uint32_t owner, bool data);

/*
 * Record that the next modification of pinned `after` must reach the disk
 * only after the current contents of pinned `before` are durable. Call
 * before modifying `after`. May write blocks (see the file comment).
 * Returns 0 or a device error.
 */
int bcache_order(struct bcache *c, struct buf *before, struct buf *after);

/*
 * Record that the next modification of `after` must reach the disk only
 * after every dirty data block of inode `owner` is durable. Returns 0 or a
 * device error.
 */
int bcache_order_data(struct bcache *c, uint32_t owner, struct buf *after);

/*
 * Write b now if dirty, after what it depends on (flushing in between as
 * needed). Does not flush after b. Returns 0 or a device error.
 */
int bcache_write(struct bcache *c, struct buf *b);

/* Flush the device if anything was written since the last flush. */
int bcache_flush(struct bcache *c);

/*
 * Write every dirty buffer in dependency order - data blocks, then
 * metadata in rounds, one flush after each round - and flush. Returns 0
 * or the first device error (later buffers stay dirty).
 */
int bcache_sync(struct bcache *c);

/*
 * Write every dirty buffer tagged with `owner` (in dependency order, with
 * what they depend on) and flush. Returns 0 or a device error.
 */
int bcache_sync_owner(struct bcache *c, uint32_t owner);

/*
 * Drop block `block` from the cache without writing it (it was freed and
 * its contents no longer matter). A pinned buffer is detached and dropped
 * at its last put.
 */
void bcache_forget(struct bcache *c, uint64_t block);
/*
 * Mark pinned b a metadata block (an inode-table or indirect block, XN):
 * every write of it goes through the device's write_meta, alone. The mark
 * lasts while the block stays cached; set it after every bcache_get of
 * such a block, before modifying it.
 */
static inline void bcache_set_meta(struct buf *b)
{
	b->flags |= BUF_META;
}
/*
 * Block `block` becomes `kind` (enum blockdev_kind) on the device
 * (blockdev retype; nothing without one). A cached buffer of it keeps its
 * contents and gets BUF_META exactly when kind is not BLOCKDEV_DATA.
 * Returns 0 or the device's error.
 */
int bcache_retype(struct bcache *c, uint64_t block, unsigned kind);

/*
 * Give up to n frames back through ops->frame_free: spare frames first,
 * then unpinned buffers from the least recently used, dirty ones written
 * (in order) first. Returns how many frames were freed (fewer if the rest
 * are pinned or a write failed).
 */
unsigned bcache_shrink(struct bcache *c, unsigned n);

/*
 * Set the cap on frames held to n (clamped to [BCACHE_MIN, nhdrs]),
 * shrinking at once if more are held. Returns the new cap.
 */
unsigned bcache_set_limit(struct bcache *c, unsigned n);

#endif
