/*
 * bcache.c - the buffer cache of the UNIX libOS's file system (bcache.h).
 *
 * Buffers live in the caller's header array. A header is either cached
 * (hashed by block number and on the LRU list, with a frame) or free (on
 * c->free, with a spare frame or none). Frames come from the libOS through
 * the ops callbacks, so the cache can give them back when the exokernel
 * asks (bcache_shrink).
 *
 * Write ordering follows the dependencies recorded with bcache_order and
 * bcache_order_data: a buffer is written only after every buffer it
 * depends on is clean and a flush has followed their writes. Any write
 * the cache does - eviction, bcache_write, bcache_sync - obeys this, so a
 * crash at any point leaves a prefix-closed set of updates on the disk.
 * Cycles are never formed: bcache_order writes the earlier buffer at once
 * when the new dependency would close one.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "bcache.h"

static unsigned hashof(uint64_t block)
{
	return (unsigned)((block * 0x9e3779b97f4a7c15ull) >> 54) & (BCACHE_HASH - 1);
}

static struct buf *lookup(struct bcache *c, uint64_t block)
{
	for (struct buf *b = c->hash[hashof(block)]; b; b = b->hnext)
		if (b->block == block)
			return b;
	return NULL;
}

static void unhash(struct bcache *c, struct buf *b)
{
	struct buf **pp = &c->hash[hashof(b->block)];

	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
	b->hnext = NULL;
}

static void lru_remove(struct buf *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
	b->prev = b->next = NULL;
}

/* Make b the most recently used. */
static void lru_append(struct bcache *c, struct buf *b)
{
	b->prev = c->lru.prev;
	b->next = &c->lru;
	c->lru.prev->next = b;
	c->lru.prev = b;
}

static void set_clean(struct bcache *c, struct buf *b)
{
	if (b->flags & BUF_DIRTY) {
		c->ndirty--;
		if (b->flags & BUF_DATA)
			c->ndirty_data--;
	}
	b->flags &= ~BUF_DIRTY;
	b->ndeps = 0;
}

/* Detach cached b and put its header (and frame, as a spare) on the free list. */
static void release(struct bcache *c, struct buf *b)
{
	set_clean(c, b);
	unhash(c, b);
	lru_remove(b);
	b->flags = 0;
	b->refs = 0;
	b->owner = 0;
	b->hnext = c->free;
	c->free = b;
}

int bcache_init(struct bcache *c, const struct blockdev *dev, struct buf *hdrs, unsigned n,
		const struct bcache_ops *ops)
{
	if (!c || !dev || !dev->read || !dev->write || !dev->flush || !hdrs || n < BCACHE_MIN ||
	    !ops || !ops->frame_alloc || !ops->frame_free)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->ops = *ops;
	c->hdrs = hdrs;
	c->nhdrs = n;
	c->limit = n;
	c->lru.next = c->lru.prev = &c->lru;
	memset(hdrs, 0, n * sizeof(*hdrs));
	for (unsigned i = n; i-- > 0;) {
		hdrs[i].hnext = c->free;
		c->free = &hdrs[i];
	}
	return 0;
}

void bcache_destroy(struct bcache *c)
{
	for (unsigned i = 0; i < c->nhdrs; i++) {
		struct buf *b = &c->hdrs[i];
		if (b->data)
			c->ops.frame_free(c->ops.ctx, b->data);
		b->data = NULL;
	}
	c->nframes = 0;
	c->free = NULL;
	c->lru.next = c->lru.prev = &c->lru;
	memset(c->hash, 0, sizeof(c->hash));
}

/* ------------------------------------------------------------ writing */

static int write_one(struct bcache *c, struct buf *b)
{
	int r = (b->flags & BUF_META) && c->dev->write_meta
			? c->dev->write_meta(c->dev->ctx, b->block, b->data)
			: c->dev->write(c->dev->ctx, b->block, b->data);

	if (r < 0)
		return r;
	c->stats.writes++;
	c->unflushed = true;
	set_clean(c, b);
	b->wseq = ++c->wseq;
	return 0;
}

int bcache_flush(struct bcache *c)
{
	if (!c->unflushed)
		return 0;
	int r = c->dev->flush(c->dev->ctx);
	if (r < 0)
		return r;
	c->stats.flushes++;
	c->unflushed = false;
	return 0;
}

/* Is b a dirty data buffer of an owner in [lo, hi]? */
static bool dirty_data_in(const struct buf *b, uint64_t lo, uint64_t hi)
{
	return (b->flags & (BUF_DIRTY | BUF_DATA)) == (BUF_DIRTY | BUF_DATA) && b->owner >= lo &&
	       b->owner <= hi;
}

/* Write every dirty data buffer of owners lo..hi (data buffers have no
 * dependencies). */
static int write_data_of(struct bcache *c, uint64_t lo, uint64_t hi)
{
	if (!c->ndirty_data)
		return 0;
	for (unsigned i = 0; i < c->nhdrs; i++) {
		struct buf *b = &c->hdrs[i];
		if (dirty_data_in(b, lo, hi)) {
			int r = write_one(c, b);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static bool data_pending(struct bcache *c, uint64_t lo, uint64_t hi)
{
	if (!c->ndirty_data)
		return false;
	for (unsigned i = 0; i < c->nhdrs; i++)
		if (dirty_data_in(&c->hdrs[i], lo, hi))
			return true;
	return false;
}

/* The buffer BLOCK dependency d of b waits for, or NULL if d is met. */
static struct buf *active(struct bcache *c, struct buf *b, const struct bcache_dep *d)
{
	struct buf *p = lookup(c, d->key);

	if (!p || p == b || !(p->flags & BUF_DIRTY) || p->wseq >= d->need)
		return NULL;
	return p;
}

/*
 * The first dependency of b that is still a dirty buffer, or NULL. Data
 * dependencies are settled on the way (their blocks written), which is
 * why this can fail: *err gets the device error.
 */
static struct buf *pending_dep(struct bcache *c, struct buf *b, int *err)
{
	*err = 0;
	for (unsigned i = 0; i < b->ndeps; i++) {
		struct bcache_dep *d = &b->deps[i];
		if (d->kind == BCACHE_DEP_BLOCK) {
			struct buf *p = active(c, b, d);
			if (p)
				return p;
		} else if ((*err = write_data_of(c, d->key, d->need)) < 0) {
			return NULL;
		}
	}
	return NULL;
}

/*
 * Write b, dependencies first: repeatedly walk down from b to a dirty
 * buffer none of whose dependencies is dirty, flush if it depends on
 * anything written since the last flush, write it. Terminates because the
 * dependency graph has no cycle (bcache_order keeps it so).
 */
static int write_ordered(struct bcache *c, struct buf *b)
{
	while (b->flags & BUF_DIRTY) {
		struct buf *x = b, *p;
		unsigned steps = 0;
		int r;

		while ((p = pending_dep(c, x, &r)) != NULL) {
			x = p;
			if (++steps > c->nhdrs)
				return -EDEADLK; /* a cycle: cannot happen */
		}
		if (r < 0)
			return r;
		if (x->ndeps && c->unflushed && (r = bcache_flush(c)) < 0)
			return r;
		if ((r = write_one(c, x)) < 0)
			return r;
	}
	return 0;
}

int bcache_write(struct bcache *c, struct buf *b)
{
	return write_ordered(c, b);
}

/*
 * Does dirty `from` depend, directly or not, on `target`? A depth-first
 * walk over dirty buffers with a small explicit stack; when the stack
 * overflows the answer is a conservative yes.
 */
static bool depends_on(struct bcache *c, struct buf *from, struct buf *target)
{
	struct buf *stack[64];
	unsigned sp = 0;

	if (++c->stamp == 0)
		c->stamp = 1;
	stack[sp++] = from;
	from->visit = c->stamp;
	while (sp) {
		struct buf *x = stack[--sp];
		for (unsigned i = 0; i < x->ndeps; i++) {
			if (x->deps[i].kind != BCACHE_DEP_BLOCK)
				continue;
			struct buf *p = active(c, x, &x->deps[i]);
			if (!p || p->visit == c->stamp)
				continue;
			if (p == target)
				return true;
			if (sp == sizeof(stack) / sizeof(stack[0]))
				return true;
			p->visit = c->stamp;
			stack[sp++] = p;
		}
	}
	return false;
}

/* Owners one DATA dependency may span (the inodes of an inode-table block). */
#define DATA_SPAN 32

/*
 * Add dependency (kind, key, need) to after; false if there is no room. A
 * BLOCK dependency on a block already named keeps the larger need; a DATA
 * one widens a nearby owner range.
 */
static bool add_dep(struct buf *after, uint32_t kind, uint64_t key, uint64_t need)
{
	for (unsigned i = 0; i < after->ndeps; i++) {
		struct bcache_dep *d = &after->deps[i];
		if (d->kind != kind)
			continue;
		if (kind == BCACHE_DEP_BLOCK && d->key == key) {
			if (need > d->need)
				d->need = need;
			return true;
		}
		if (kind == BCACHE_DEP_DATA) {
			uint64_t lo = key < d->key ? key : d->key;
			uint64_t hi = key > d->need ? key : d->need;
			if (hi - lo < DATA_SPAN) {
				d->key = lo;
				d->need = hi;
				return true;
			}
		}
	}
	if (after->ndeps == BCACHE_NDEPS)
		return false;
	after->deps[after->ndeps].kind = kind;
	after->deps[after->ndeps].key = key;
	after->deps[after->ndeps].need = need;
	after->ndeps++;
	return true;
}

int bcache_order(struct bcache *c, struct buf *before, struct buf *after)
{
	uint64_t need;
	int r;

	if (before == after)
		return 0;
	if (!(before->flags & BUF_DIRTY)) {
		/* Clean: only a flush may be missing; the dependency marks that. */
		if (!c->unflushed)
			return 0;
		need = before->wseq;
	} else {
		if (depends_on(c, before, after)) {
			/* The new edge would close a cycle: settle `before` now. */
			if ((r = write_ordered(c, before)) < 0)
				return r;
		}
		need = (before->flags & BUF_DIRTY) ? c->wseq + 1 : before->wseq;
	}
	if (add_dep(after, BCACHE_DEP_BLOCK, before->block, need))
		return 0;
	/* No room: make `before` durable now. */
	if ((r = write_ordered(c, before)) < 0)
		return r;
	return bcache_flush(c);
}

int bcache_order_data(struct bcache *c, uint32_t owner, struct buf *after)
{
	int r;

	if (add_dep(after, BCACHE_DEP_DATA, owner, owner))
		return 0;
	if ((r = write_data_of(c, owner, owner)) < 0)
		return r;
	return bcache_flush(c);
}

int bcache_sync(struct bcache *c)
{
	int r;

	/* Writes made by evictions must be durable before anything after them. */
	if ((r = bcache_flush(c)) < 0)
		return r;
	/* Data first: data dependencies are then all met. */
	if (c->ndirty_data) {
		for (unsigned i = 0; i < c->nhdrs; i++) {
			struct buf *b = &c->hdrs[i];
			if ((b->flags & (BUF_DIRTY | BUF_DATA)) == (BUF_DIRTY | BUF_DATA) &&
			    (r = write_one(c, b)) < 0)
				return r;
		}
		if ((r = bcache_flush(c)) < 0)
			return r;
	}
	/* Then metadata in rounds: each round writes what depends on nothing dirty. */
	while (c->ndirty) {
		unsigned ready = 0;
		if (++c->stamp == 0)
			c->stamp = 1;
		for (unsigned i = 0; i < c->nhdrs; i++) {
			struct buf *b = &c->hdrs[i];
			if (!(b->flags & BUF_DIRTY))
				continue;
			bool ok = true;
			for (unsigned k = 0; k < b->ndeps && ok; k++) {
				struct bcache_dep *d = &b->deps[k];
				if (d->kind == BCACHE_DEP_BLOCK)
					ok = !active(c, b, d);
				else
					ok = !data_pending(c, d->key, d->need);
			}
			if (ok) {
				b->visit = c->stamp;
				ready++;
			}
		}
		if (!ready)
			return -EDEADLK; /* a cycle: cannot happen */
		for (unsigned i = 0; i < c->nhdrs; i++) {
			struct buf *b = &c->hdrs[i];
			if ((b->flags & BUF_DIRTY) && b->visit == c->stamp &&
			    (r = write_one(c, b)) < 0)
				return r;
		}
		if ((r = bcache_flush(c)) < 0)
			return r;
	}
	return 0;
}

int bcache_sync_owner(struct bcache *c, uint32_t owner)
{
	int r;

	for (unsigned i = 0; i < c->nhdrs; i++) {
		struct buf *b = &c->hdrs[i];
		if ((b->flags & BUF_DIRTY) && b->owner == owner && b->data &&
		    (r = write_ordered(c, b)) < 0)
			return r;
	}
	return bcache_flush(c);
}

/* ------------------------------------------------------------ getting buffers */

/* Unpinned buffers eviction looks at for a clean one before taking a dirty one. */
#define VICTIM_WINDOW 64

/*
 * The least recently used unpinned buffer, preferring a clean one among
 * the oldest VICTIM_WINDOW; a dirty one is written (in order) first. NULL
 * with *err = 0 if all are pinned.
 */
static struct buf *victim(struct bcache *c, int *err)
{
	struct buf *dirty = NULL;
	unsigned seen = 0;

	*err = 0;
	for (struct buf *b = c->lru.next; b != &c->lru; b = b->next) {
		if (b->refs)
			continue;
		if (!(b->flags & BUF_DIRTY))
			return b;
		if (!dirty)
			dirty = b;
		if (++seen == VICTIM_WINDOW)
			break;
	}
	if (dirty && (*err = write_ordered(c, dirty)) < 0)
		return NULL;
	/* Writing may have cleaned others; the chosen one is clean now. */
	return dirty;
}

/* A free header with a frame, by reuse, allocation or eviction. */
static int grab(struct bcache *c, struct buf **out)
{
	struct buf *b = c->free;
	int err;

	if (b && b->data) {
		c->free = b->hnext;
	} else if (b && c->nframes < c->limit && (b->data = c->ops.frame_alloc(c->ops.ctx))) {
		c->free = b->hnext;
		c->nframes++;
	} else {
		if (!(b = victim(c, &err)))
			return err ? err : -ENOMEM;
		c->stats.evictions++;
		release(c, b);
		c->free = b->hnext;
	}
	b->hnext = NULL;
	b->flags = 0;
	b->refs = 0;
	b->owner = 0;
	b->ndeps = 0;
	*out = b;
	return 0;
}

static void put_back(struct bcache *c, struct buf *b)
{
	b->flags = 0;
	b->hnext = c->free;
	c->free = b;
}

static int get(struct bcache *c, uint64_t block, struct buf **out, bool read)
{
	struct buf *b;
	int r;

	if (block >= c->dev->nblocks)
		return -EINVAL;
	if ((b = lookup(c, block)) != NULL) {
		c->stats.hits++;
		b->refs++;
		lru_remove(b);
		lru_append(c, b);
		if (!read) {
			memset(b->data, 0, BLOCKDEV_BLOCK);
			b->flags &= ~BUF_USER_MASK;
		}
		*out = b;
		return 0;
	}
	c->stats.misses++;
	if ((r = grab(c, &b)) < 0)
		return r;
	if (read) {
		if ((r = c->dev->read(c->dev->ctx, block, b->data)) < 0) {
			put_back(c, b);
			return r;
		}
		c->stats.reads++;
	} else {
		memset(b->data, 0, BLOCKDEV_BLOCK);
	}
	b->block = block;
	b->wseq = c->wseq; /* what it holds is on the disk */
	b->flags = BUF_VALID;
	b->refs = 1;
	unsigned h = hashof(block);
	b->hnext = c->hash[h];
	c->hash[h] = b;
	lru_append(c, b);
	*out = b;
	return 0;
}

int bcache_get(struct bcache *c, uint64_t block, struct buf **out)
{
	return get(c, block, out, true);
}

int bcache_get_new(struct bcache *c, uint64_t block, struct buf **out)
{
	return get(c, block, out, false);
}

void bcache_put(struct bcache *c, struct buf *b)
{
	if (!b)
		return;
	if (b->refs)
		b->refs--;
	if (!b->refs && (b->flags & BUF_ORPHAN)) {
		b->flags = 0;
		b->owner = 0;
		b->hnext = c->free;
		c->free = b;
	}
}

void bcache_dirty(struct bcache *c, struct buf *b)
{
	b->flags &= ~BUF_USER_MASK; /* what the user flags said may no longer hold */
	if (b->flags & (BUF_DIRTY | BUF_ORPHAN))
		return;
	b->flags |= BUF_DIRTY;
	c->ndirty++;
	if (b->flags & BUF_DATA)
		c->ndirty_data++;
}

void bcache_set_owner(struct bcache *c, struct buf *b, uint32_t owner, bool data)
{
	bool was = (b->flags & (BUF_DIRTY | BUF_DATA)) == (BUF_DIRTY | BUF_DATA);

	b->owner = owner;
	if (data) {
		b->flags |= BUF_DATA;
		b->ndeps = 0;
	} else {
		b->flags &= ~BUF_DATA;
	}
	bool now = (b->flags & (BUF_DIRTY | BUF_DATA)) == (BUF_DIRTY | BUF_DATA);
	if (was && !now)
		c->ndirty_data--;
	else if (!was && now)
		c->ndirty_data++;
}

void bcache_forget(struct bcache *c, uint64_t block)
{
	struct buf *b = lookup(c, block);

	if (!b)
		return;
	if (!b->refs) {
		release(c, b);
		return;
	}
	set_clean(c, b);
	unhash(c, b);
	lru_remove(b);
	b->flags = BUF_ORPHAN;
}

int bcache_retype(struct bcache *c, uint64_t block, unsigned kind)
{
	struct buf *b = lookup(c, block);
	int r = c->dev->retype ? c->dev->retype(c->dev->ctx, block, kind) : 0;

	if (r == 0 && b) {
		if (kind == BLOCKDEV_DATA)
			b->flags &= ~BUF_META;
		else
			b->flags |= BUF_META;
	}
	return r;
}

unsigned bcache_shrink(struct bcache *c, unsigned n)
{
	unsigned freed = 0;

	while (freed < n) {
		struct buf *b = NULL, **pp;
		int err;

		/* A spare frame first. */
		for (pp = &c->free; *pp; pp = &(*pp)->hnext)
			if ((*pp)->data)
				break;
		if (*pp) {
			b = *pp;
		} else {
			if (!(b = victim(c, &err)))
				break;
			c->stats.evictions++;
			release(c, b);
			pp = &c->free; /* release put it first */
		}
		c->ops.frame_free(c->ops.ctx, b->data);
		b->data = NULL;
		c->nframes--;
		freed++;
		/* Keep frameless headers behind the spare ones. */
		*pp = b->hnext;
		struct buf **tail = &c->free;
		while (*tail)
			tail = &(*tail)->hnext;
		b->hnext = NULL;
		*tail = b;
	}
	return freed;
}

unsigned bcache_set_limit(struct bcache *c, unsigned n)
{
	if (n < BCACHE_MIN)
		n = BCACHE_MIN;
	if (n > c->nhdrs)
		n = c->nhdrs;
	c->limit = n;
	if (c->nframes > n)
		bcache_shrink(c, c->nframes - n);
	return c->limit;
}
