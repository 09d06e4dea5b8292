/*
 * test_ext2_bcache.c - the buffer cache of the UNIX libOS's file system
 * (libos/unix/fs/bcache.c) on a memory device that logs every write and
 * flush: hits and misses, LRU eviction under a cap, shrinking, forgetting,
 * errors from the device, and above all the write order: a buffer is
 * written only after what it depends on, with a flush in between, whether
 * the write comes from a sync, an eviction or a shrink; a dependency that
 * would close a cycle is settled at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXT2T_DECLS_ONLY
#include "test_ext2_util.c"
#include "unit.h"

#define NBLK   64
#define LOGMAX 4096

/* A memory device. log[i] is a block number written, or -1 for a flush. */
static struct {
	uint8_t data[NBLK][BLOCKDEV_BLOCK];
	int log[LOGMAX];
	int nlog;
	int fail_read, fail_write; /* block to fail, or -1 */
	int meta_writes[NBLK];	   /* writes through write_meta, per block */
	unsigned kind[NBLK];	   /* the last retype of each block */
	int nretype;
} mem;

static int mem_read(void *ctx, uint64_t b, void *buf)
{
	(void)ctx;
	if ((int)b == mem.fail_read)
		return -EIO;
	memcpy(buf, mem.data[b], BLOCKDEV_BLOCK);
	return 0;
}

static int mem_write(void *ctx, uint64_t b, const void *buf)
{
	(void)ctx;
	if ((int)b == mem.fail_write)
		return -EIO;
	memcpy(mem.data[b], buf, BLOCKDEV_BLOCK);
	if (mem.nlog < LOGMAX)
		mem.log[mem.nlog++] = (int)b;
	return 0;
}

static int mem_flush(void *ctx)
{
	(void)ctx;
	if (mem.nlog < LOGMAX)
		mem.log[mem.nlog++] = -1;
	return 0;
}

/* A metadata write (XN): logged like a write, and counted. */
static int mem_write_meta(void *ctx, uint64_t b, const void *buf)
{
	mem.meta_writes[b]++;
	return mem_write(ctx, b, buf);
}

static int mem_retype(void *ctx, uint64_t b, unsigned kind)
{
	(void)ctx;
	mem.kind[b] = kind;
	mem.nretype++;
	return 0;
}

static const struct blockdev memdev = { mem_read, mem_write,	  mem_flush, NULL,
					NBLK,	  mem_write_meta, mem_retype };

static struct bcache c;
static struct buf hdrs[64];

static void setup(unsigned n)
{
	memset(&mem, 0, sizeof(mem));
	mem.fail_read = mem.fail_write = -1;
	for (int i = 0; i < NBLK; i++)
		mem.data[i][0] = (uint8_t)i;
	CU_ASSERT_FATAL(bcache_init(&c, &memdev, hdrs, n, &ext2t_frames) == 0);
}

static void teardown(void)
{
	bcache_destroy(&c);
	CU_ASSERT_EQUAL(ext2t_frames_live, 0);
}

/* Position of the first write of block b in the log at or after `from`, or -1. */
static int written_at(int b, int from)
{
	for (int i = from; i < mem.nlog; i++)
		if (mem.log[i] == b)
			return i;
	return -1;
}

/* Is there a flush in the log strictly between positions i and j? */
static bool flush_between(int i, int j)
{
	for (int k = i + 1; k < j; k++)
		if (mem.log[k] == -1)
			return true;
	return false;
}

/* Modify pinned b (its first byte) and mark it dirty. */
static void touch(struct buf *b, uint8_t v)
{
	b->data[1] = v;
	bcache_dirty(&c, b);
}

static struct buf *get(uint64_t n)
{
	struct buf *b = NULL;

	CU_ASSERT_FATAL(bcache_get(&c, n, &b) == 0);
	return b;
}

static void test_basics(void)
{
	struct buf *b, *b2;

	setup(16);
	b = get(5);
	CU_ASSERT_EQUAL(b->data[0], 5);
	bcache_put(&c, b);
	b2 = get(5);
	CU_ASSERT_PTR_EQUAL(b, b2);
	CU_ASSERT_EQUAL(c.stats.hits, 1);
	CU_ASSERT_EQUAL(c.stats.reads, 1);
	touch(b2, 9);
	bcache_put(&c, b2);
	CU_ASSERT_EQUAL(bcache_get(&c, NBLK, &b), -EINVAL);
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	CU_ASSERT_EQUAL(mem.data[5][1], 9);
	CU_ASSERT_EQUAL(mem.nlog, 2); /* the write, a flush */
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	CU_ASSERT_EQUAL(mem.nlog, 2); /* nothing to do: no flush either */
	CU_ASSERT_EQUAL(bcache_get_new(&c, 7, &b), 0);
	CU_ASSERT_EQUAL(b->data[0], 0);
	bcache_put(&c, b);
	CU_ASSERT_EQUAL(c.stats.reads, 1);
	teardown();
}

/* Never more frames than the cap; the least recently used go first. */
static void test_lru_and_cap(void)
{
	struct buf *pinned[16];

	setup(16);
	for (int i = 0; i < 40; i++) {
		struct buf *b = get((uint64_t)i);
		CU_ASSERT_EQUAL(b->data[0], i);
		bcache_put(&c, b);
		CU_ASSERT(c.nframes <= 16);
	}
	CU_ASSERT_EQUAL(c.stats.evictions, 24);
	/* Recently used blocks are still cached. */
	uint64_t misses = c.stats.misses;
	bcache_put(&c, get(39));
	bcache_put(&c, get(30));
	CU_ASSERT_EQUAL(c.stats.misses, misses);
	/* All pinned: no room. */
	for (int i = 0; i < 16; i++)
		pinned[i] = get((uint64_t)i + 40);
	struct buf *b;
	CU_ASSERT_EQUAL(bcache_get(&c, 63, &b), -ENOMEM);
	for (int i = 0; i < 16; i++)
		bcache_put(&c, pinned[i]);
	teardown();
}

/* Sync writes a dependency first and flushes before the dependent. */
static void test_order_sync(void)
{
	struct buf *a, *b, *d;

	setup(16);
	a = get(10);
	b = get(11);
	d = get(12);
	touch(a, 1);
	CU_ASSERT_EQUAL(bcache_order(&c, a, b), 0);
	touch(b, 1);
	CU_ASSERT_EQUAL(bcache_order(&c, b, d), 0);
	touch(d, 1);
	bcache_put(&c, a);
	bcache_put(&c, b);
	bcache_put(&c, d);
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	int wa = written_at(10, 0), wb = written_at(11, 0), wd = written_at(12, 0);
	CU_ASSERT(wa >= 0 && wb > wa && wd > wb);
	CU_ASSERT(flush_between(wa, wb));
	CU_ASSERT(flush_between(wb, wd));
	CU_ASSERT_EQUAL(mem.log[mem.nlog - 1], -1);
	teardown();
}

/* Writing one buffer (eviction, bcache_write) writes what it needs first. */
static void test_order_evict(void)
{
	struct buf *a, *b;

	setup(16);
	a = get(10);
	b = get(11);
	touch(a, 1);
	CU_ASSERT_EQUAL(bcache_order(&c, a, b), 0);
	touch(b, 1);
	bcache_put(&c, b); /* b is older in LRU order */
	bcache_put(&c, a);
	/* Clean buffers go first; with only dirty ones left, b is the victim. */
	for (int i = 20; i < 40; i++) {
		struct buf *x = get((uint64_t)i);
		touch(x, 1);
		bcache_put(&c, x);
	}
	int wa = written_at(10, 0), wb = written_at(11, 0);
	CU_ASSERT(wa >= 0 && wb > wa && flush_between(wa, wb));
	CU_ASSERT_EQUAL(mem.data[11][1], 1);
	teardown();
}

/* A dependency that would close a cycle writes the earlier block at once. */
static void test_cycle(void)
{
	struct buf *a, *b;

	setup(16);
	a = get(10);
	b = get(11);
	touch(a, 1);
	CU_ASSERT_EQUAL(bcache_order(&c, a, b), 0); /* b after a */
	touch(b, 1);
	CU_ASSERT_EQUAL(mem.nlog, 0);
	CU_ASSERT_EQUAL(bcache_order(&c, b, a), 0); /* a's next change after b */
	/* b (with a before it) is on the disk now, a's old change first. */
	int wa = written_at(10, 0), wb = written_at(11, 0);
	CU_ASSERT(wa >= 0 && wb > wa && flush_between(wa, wb));
	CU_ASSERT_EQUAL(mem.data[10][1], 1);
	touch(a, 2);
	bcache_put(&c, a);
	bcache_put(&c, b);
	int before = mem.nlog;
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	int wa2 = written_at(10, before);
	CU_ASSERT(wa2 > 0 && flush_between(wb, wa2));
	CU_ASSERT_EQUAL(mem.data[10][1], 2);
	teardown();
}

/* A dependency on a clean block: only a flush is owed, if its write is unflushed. */
static void test_clean_dependency(void)
{
	struct buf *a, *b;

	setup(16);
	a = get(10);
	b = get(11);
	touch(a, 1);
	CU_ASSERT_EQUAL(bcache_write(&c, a), 0); /* written, not flushed */
	CU_ASSERT_EQUAL(bcache_order(&c, a, b), 0);
	touch(b, 1);
	CU_ASSERT_EQUAL(bcache_write(&c, b), 0);
	int wa = written_at(10, 0), wb = written_at(11, 0);
	CU_ASSERT(wb > wa && flush_between(wa, wb));
	/* Flushed: no dependency, no extra flush. */
	CU_ASSERT_EQUAL(bcache_flush(&c), 0);
	touch(a, 2);
	CU_ASSERT_EQUAL(bcache_write(&c, a), 0);
	CU_ASSERT_EQUAL(bcache_flush(&c), 0);
	CU_ASSERT_EQUAL(bcache_order(&c, a, b), 0);
	CU_ASSERT_EQUAL(b->ndeps, 0);
	bcache_put(&c, a);
	bcache_put(&c, b);
	teardown();
}

/* Data dependencies: the data blocks of an owner before the pointer block. */
static void test_data_dependency(void)
{
	struct buf *p, *d1, *d2, *other;

	setup(16);
	p = get(20);
	CU_ASSERT_EQUAL(bcache_get_new(&c, 21, &d1), 0);
	CU_ASSERT_EQUAL(bcache_get_new(&c, 22, &d2), 0);
	CU_ASSERT_EQUAL(bcache_get_new(&c, 23, &other), 0);
	bcache_set_owner(&c, d1, 12, true);
	bcache_set_owner(&c, d2, 13, true);
	bcache_set_owner(&c, other, 99, true);
	touch(d1, 1);
	touch(d2, 1);
	touch(other, 1);
	CU_ASSERT_EQUAL(bcache_order_data(&c, 12, p), 0);
	CU_ASSERT_EQUAL(bcache_order_data(&c, 13, p), 0);
	CU_ASSERT_EQUAL(p->ndeps, 1); /* one range covers inodes 12 and 13 */
	touch(p, 1);
	CU_ASSERT_EQUAL(bcache_write(&c, p), 0);
	int w1 = written_at(21, 0), w2 = written_at(22, 0), wp = written_at(20, 0);
	CU_ASSERT(w1 >= 0 && w2 >= 0 && wp > w1 && wp > w2);
	CU_ASSERT(flush_between(w1 > w2 ? w1 : w2, wp));
	CU_ASSERT_EQUAL(written_at(23, 0), -1); /* another owner's data waits */
	bcache_put(&c, p);
	bcache_put(&c, d1);
	bcache_put(&c, d2);
	bcache_put(&c, other);
	CU_ASSERT_EQUAL(bcache_sync_owner(&c, 99), 0);
	CU_ASSERT(written_at(23, 0) > wp);
	teardown();
}

/* More dependencies than a buffer holds: the extra one is settled at once. */
static void test_many_dependencies(void)
{
	struct buf *after, *bs[BCACHE_NDEPS + 2];

	setup(32);
	after = get(0);
	for (int i = 0; i < BCACHE_NDEPS + 2; i++) {
		bs[i] = get((uint64_t)i + 1);
		touch(bs[i], 1);
		CU_ASSERT_EQUAL(bcache_order(&c, bs[i], after), 0);
	}
	CU_ASSERT_EQUAL(after->ndeps, BCACHE_NDEPS);
	CU_ASSERT(written_at(BCACHE_NDEPS + 1, 0) >= 0);
	touch(after, 1);
	CU_ASSERT_EQUAL(bcache_write(&c, after), 0);
	int wa = written_at(0, 0);
	for (int i = 0; i < BCACHE_NDEPS + 2; i++) {
		int w = written_at(i + 1, 0);
		CU_ASSERT(w >= 0 && w < wa && flush_between(w, wa));
		bcache_put(&c, bs[i]);
	}
	bcache_put(&c, after);
	teardown();
}

static void test_shrink_and_forget(void)
{
	struct buf *b, *p;

	setup(32);
	for (int i = 0; i < 32; i++) {
		b = get((uint64_t)i);
		if (i % 3 == 0)
			touch(b, 7);
		bcache_put(&c, b);
	}
	p = get(40); /* evicts the least recently used clean one: block 1 */
	CU_ASSERT_EQUAL(mem.nlog, 0);
	CU_ASSERT_EQUAL(c.stats.evictions, 1);
	CU_ASSERT_EQUAL(c.nframes, 32);
	CU_ASSERT_EQUAL(bcache_shrink(&c, 10), 10);
	CU_ASSERT_EQUAL(c.nframes, 22);
	CU_ASSERT_EQUAL(ext2t_frames_live, 22);
	CU_ASSERT_EQUAL(bcache_shrink(&c, 100), 21); /* p stays pinned */
	CU_ASSERT_EQUAL(ext2t_frames_live, 1);
	for (int i = 0; i < 32; i += 3)
		CU_ASSERT_EQUAL(mem.data[i][1], 7);
	/* Forgotten dirty blocks are not written; pinned ones go at their put. */
	touch(p, 5);
	bcache_forget(&c, 40);
	bcache_put(&c, p);
	b = get(41);
	touch(b, 5);
	bcache_put(&c, b);
	bcache_forget(&c, 41);
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	CU_ASSERT_EQUAL(mem.data[40][1], 0);
	CU_ASSERT_EQUAL(mem.data[41][1], 0);
	b = get(40);
	CU_ASSERT_EQUAL(b->data[1], 0);
	bcache_put(&c, b);
	CU_ASSERT_EQUAL(bcache_set_limit(&c, 20), 20);
	for (int i = 0; i < 40; i++)
		bcache_put(&c, get((uint64_t)i));
	CU_ASSERT(c.nframes <= 20);
	teardown();
}

static void test_device_errors(void)
{
	struct buf *b;

	setup(16);
	mem.fail_read = 3;
	CU_ASSERT_EQUAL(bcache_get(&c, 3, &b), -EIO);
	CU_ASSERT_EQUAL(c.nframes, 1); /* the frame is kept as a spare */
	mem.fail_read = -1;
	b = get(3);
	touch(b, 1);
	bcache_put(&c, b);
	mem.fail_write = 3;
	CU_ASSERT_EQUAL(bcache_sync(&c), -EIO);
	CU_ASSERT(b->flags & BUF_DIRTY);
	mem.fail_write = -1;
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	CU_ASSERT_EQUAL(mem.data[3][1], 1);
	teardown();
}

/* XN: a buffer marked metadata goes through write_meta, alone; retyping
 * sets and clears the mark of a cached buffer and reaches the device. */
static void test_meta_writes(void)
{
	setup(16);
	struct buf *m = get(3), *d = get(4);
	bcache_set_meta(m);
	touch(m, 1);
	touch(d, 2);
	bcache_put(&c, m);
	bcache_put(&c, d);
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	CU_ASSERT_EQUAL(mem.meta_writes[3], 1);
	CU_ASSERT_EQUAL(mem.meta_writes[4], 0);
	CU_ASSERT(written_at(4, 0) >= 0);
	/* Retyped while cached: data 4 becomes metadata, 3 data. */
	CU_ASSERT_EQUAL(bcache_retype(&c, 4, BLOCKDEV_INDIRECT), 0);
	CU_ASSERT_EQUAL(bcache_retype(&c, 3, BLOCKDEV_DATA), 0);
	CU_ASSERT_EQUAL(mem.kind[4], BLOCKDEV_INDIRECT);
	CU_ASSERT_EQUAL(mem.nretype, 2);
	m = get(3);
	d = get(4);
	touch(m, 3);
	touch(d, 4);
	bcache_put(&c, m);
	bcache_put(&c, d);
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	CU_ASSERT_EQUAL(mem.meta_writes[3], 1);
	CU_ASSERT_EQUAL(mem.meta_writes[4], 1);
	/* The mark lasts only while cached: a buffer loaded again is data
	 * until the file system says otherwise. */
	bcache_forget(&c, 4);
	d = get(4);
	touch(d, 5);
	bcache_put(&c, d);
	CU_ASSERT_EQUAL(bcache_sync(&c), 0);
	CU_ASSERT_EQUAL(mem.meta_writes[4], 1);
	teardown();
}

static CU_TestInfo ext2_bcache_tests[] = {
	{ "hits, misses, sync", test_basics },
	{ "LRU under a cap", test_lru_and_cap },
	{ "sync in dependency order", test_order_sync },
	{ "eviction in dependency order", test_order_evict },
	{ "cycles settled at once", test_cycle },
	{ "clean dependency owes a flush", test_clean_dependency },
	{ "data before the pointer", test_data_dependency },
	{ "too many dependencies", test_many_dependencies },
	{ "shrink, limit, forget", test_shrink_and_forget },
	{ "device errors", test_device_errors },
	{ "XN: metadata writes alone, retyping", test_meta_writes },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(ext2_bcache, ext2_bcache_tests);
