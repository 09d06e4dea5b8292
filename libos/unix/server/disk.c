/*
 * disk.c - unixd's side of the disk: the block device its buffer cache
 * runs on (exo_disk_rw over the blocks `exodisk place` put the root file
 * system in, with read-ahead and write gathering), the cache's frames,
 * visible revocation of them, and mounting the root file system with the
 * disk owner key (data boot module /disk.key).
 *
 * XN (docs/udf.md, docs/unix-libos.md): the file system's inode-table and
 * indirect blocks are metadata blocks to the kernel, of the two types of
 * ext2_udf.c, registered at mount. Each write of one goes alone, as a
 * one-block request the kernel checks with the type's UDF; an indirect
 * block allocated or let go of is retyped. Data blocks keep read-ahead and
 * write gathering.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/libexo.h>
#include "unixd.h"
#include "../fs/ext2_udf.h"

struct ext2_fs unixd_fs;
static struct bcache cache;
static struct buf cache_hdrs[1024];
static uint64_t fs_start, fs_blocks;
/* The metadata types (exo_disk_type) by enum blockdev_kind; 0 unknown. */
static unsigned xn_type[3];
volatile bool unixd_busy;

static uint32_t fs_now(void *ctx)
{
	(void)ctx;
	return unixd_now();
}

/* ------------------------------------------------------------ the block device */

/*
 * Read-ahead: a read that follows the previous one on the disk fetches
 * RA_BLOCKS blocks in one request into ra_buf, and the next reads are
 * served from there (a sequential file read costs one disk request per
 * 64 KiB instead of per block). Writes keep the copy current.
 */
#define RA_BLOCKS EXO_DISK_MAX_BLOCKS
static uint8_t ra_buf[RA_BLOCKS][EXO_PAGE_SIZE] __attribute__((aligned(EXO_PAGE_SIZE)));
static uint64_t ra_first, ra_n, last_read = ~0ULL;

/*
 * Write-behind: the block device's contract (blockdev.h) makes a write
 * durable only at the next flush, so consecutive writes are gathered in
 * wb_buf and go to the disk as one request when the run breaks, fills, or
 * a flush comes. Reads see the gathered copies.
 */
static uint8_t wb_buf[RA_BLOCKS][EXO_PAGE_SIZE] __attribute__((aligned(EXO_PAGE_SIZE)));
static uint64_t wb_first, wb_n;

/* Send the gathered run to the disk. Returns 0 or -EIO. */
static int wb_push(void)
{
	long r =
		wb_n ? exo_disk_rw(EXO_DISK_WRITE, fs_start + wb_first, (uint32_t)wb_n, wb_buf) : 0;

	wb_n = 0;
	return r == 0 ? 0 : -EIO;
}

static int bd_read(void *ctx, uint64_t block, void *buf)
{
	(void)ctx;
	if (block >= fs_blocks)
		return -EIO;
	if (block - wb_first < wb_n) {
		memcpy(buf, wb_buf[block - wb_first], EXO_PAGE_SIZE);
		return 0;
	}
	if (block - ra_first < ra_n) {
		memcpy(buf, ra_buf[block - ra_first], EXO_PAGE_SIZE);
		last_read = block;
		return 0;
	}
	if (block == last_read + 1 && block + 1 < fs_blocks) {
		uint64_t n = fs_blocks - block < RA_BLOCKS ? fs_blocks - block : RA_BLOCKS;

		ra_n = 0;
		/* gathered writes first, or the read-ahead would see older blocks */
		if (wb_push() == 0 &&
		    exo_disk_rw(EXO_DISK_READ, fs_start + block, (uint32_t)n, ra_buf) == 0) {
			ra_first = block;
			ra_n = n;
			memcpy(buf, ra_buf[0], EXO_PAGE_SIZE);
			last_read = block;
			return 0;
		}
	}
	last_read = block;
	return exo_disk_rw(EXO_DISK_READ, fs_start + block, 1, buf) == 0 ? 0 : -EIO;
}

static int bd_write(void *ctx, uint64_t block, const void *buf)
{
	(void)ctx;
	if (block - ra_first < ra_n)
		memcpy(ra_buf[block - ra_first], buf, EXO_PAGE_SIZE);
	if (block >= fs_blocks)
		return -EIO;
	if (block - wb_first < wb_n) { /* rewritten before it went out */
		memcpy(wb_buf[block - wb_first], buf, EXO_PAGE_SIZE);
		return 0;
	}
	if (wb_n == RA_BLOCKS || (wb_n > 0 && block != wb_first + wb_n)) {
		int r = wb_push();

		if (r < 0)
			return r;
	}
	if (wb_n == 0)
		wb_first = block;
	memcpy(wb_buf[wb_n++], buf, EXO_PAGE_SIZE);
	return 0;
}

/* A metadata block: its own one-block request, checked by the kernel. */
static int bd_write_meta(void *ctx, uint64_t block, const void *buf)
{
	(void)ctx;
	if (block >= fs_blocks)
		return -EIO;
	if (block - ra_first < ra_n)
		memcpy(ra_buf[block - ra_first], buf, EXO_PAGE_SIZE);
	/* A gathered copy of it would go out later and undo this one. */
	if (block - wb_first < wb_n && wb_push() < 0)
		return -EIO;
	/* The kernel copies the bytes before it checks them (exo_disk_rw
	 * takes a non-const pointer for reads too). */
	return exo_disk_rw(EXO_DISK_WRITE, fs_start + block, 1, (void *)buf) == 0 ? 0 : -EIO;
}

/* exo_block_retype: an indirect block allocated or let go of. */
static int bd_retype(void *ctx, uint64_t block, unsigned kind)
{
	(void)ctx;
	if (block >= fs_blocks || kind >= 3 || (kind && !xn_type[kind]))
		return -EIO;
	/* Gathered writes of it go first (a data write must not reach a
	 * block the kernel now checks); it reads as zeros afterwards. */
	if (wb_push() < 0)
		return -EIO;
	if (block - ra_first < ra_n)
		ra_n = 0;
	return exo_block_retype(fs_start + block, xn_type[kind]) == 0 ? 0 : -EIO;
}

static int bd_flush(void *ctx)
{
	(void)ctx;
	if (wb_push() < 0)
		return -EIO;
	return exo_disk_flush() == 0 ? 0 : -EIO;
}

/* Cache frames: one page each in a region of their own, mapped on demand. */
#define CACHE_VA    0x7d0000000000ULL
#define CACHE_SLOTS 1024
static uint8_t slot_used[CACHE_SLOTS];

static void *cache_frame_alloc(void *ctx)
{
	(void)ctx;
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		uint64_t va = CACHE_VA + (uint64_t)i * EXO_PAGE_SIZE;

		if (slot_used[i])
			continue;
		if (unixd_map_frame(va) < 0)
			return NULL;
		slot_used[i] = 1;
		return (void *)va;
	}
	return NULL;
}

long unixd_map_frame(uint64_t va)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

	if (f < 0)
		return -ENOMEM;
	if (exo_page_map(EXO_AS_SELF, va, (uint64_t)f, EXO_PERM_R | EXO_PERM_W) < 0) {
		exo_frame_free((uint64_t)f);
		return -ENOMEM;
	}
	return f;
}

static void cache_frame_free(void *ctx, void *frame)
{
	uint64_t va = (uint64_t)frame, f = EXO_PTE_FRAME(exo_uvpt_pte(va));

	(void)ctx;
	exo_page_unmap(EXO_AS_SELF, va);
	exo_frame_free(f);
	slot_used[(va - CACHE_VA) / EXO_PAGE_SIZE] = 0;
}

/* ------------------------------------------------------------ visible revocation */

/*
 * The server holds the most frames of any UNIX environment (its buffer
 * cache), so memory pressure asks it first (docs/revocation.md). It
 * complies in two steps. A reserve of unmapped frames is given back at
 * once, from the upcall itself; the rest comes from shrinking the cache,
 * which is only safe when no handler is using it: at once if the server is
 * idle, else when the handler in progress ends (the debt is `owed`). The
 * abort protocol takes unmapped frames first, so the reserve also shields
 * the cache from an abort.
 */
#define RESERVE 32
static uint64_t reserve[RESERVE];
static volatile unsigned nreserve;
static volatile bool reserve_busy;
static volatile uint64_t owed;

/* Top the reserve up from the kernel; called when not busy. */
void unixd_reserve_fill(void)
{
	reserve_busy = true;
	while (nreserve < RESERVE && owed == 0) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0)
			break;
		reserve[nreserve++] = (uint64_t)f;
	}
	reserve_busy = false;
}

/* Pay what revocation asked while a handler held the cache. */
void unixd_pay_debt(void)
{
	uint64_t want = owed;

	if (want == 0)
		return;
	owed = 0;
	bcache_shrink(&cache, (unsigned)(want > CACHE_SLOTS ? CACHE_SLOTS : want));
}

static uint64_t give_back(uint64_t frames, void *ctx)
{
	uint64_t given = 0;

	(void)ctx;
	if (!reserve_busy)
		while (given < frames && nreserve > 0) {
			exo_frame_free(reserve[--nreserve]);
			given++;
		}
	if (given < frames) {
		if (unixd_busy) {
			owed += frames - given;
		} else {
			given += bcache_shrink(&cache, (unsigned)(frames - given > CACHE_SLOTS
									  ? CACHE_SLOTS
									  : frames - given));
		}
	}
	return given;
}

/* Where the revocation upcall's stack (guaranteed frames) ends. */
#define REVOKE_STACK_TOP   0x7d7000000000ULL
#define REVOKE_STACK_PAGES 4

void unixd_revocation_init(void)
{
	long r;

	exo_add_revocation_handler(give_back, NULL, 1);
	unixd_reserve_fill();
	r = exo_revocation_serve(REVOKE_STACK_TOP, REVOKE_STACK_PAGES);
	if (r < 0)
		unixd_die("cannot serve revocation upcalls", r);
}

static const struct blockdev dev_ops = { bd_read, bd_write,	 bd_flush, NULL,
					 0,	  bd_write_meta, bd_retype };

/* Register the two metadata types of our image (the same programs exodisk
 * place typed it with, so the same type numbers). */
static void xn_register(void)
{
	struct sb_udf_insn prog[EXT2_UDF_MAX_INSNS] __attribute__((aligned(8)));
	uint32_t n = ext2_udf_itable(unixd_fs.inode_size, (uint32_t)fs_start, prog);
	long t = n ? exo_disk_type(prog, n) : -EXO_EINVAL;

	if (t > 0) {
		xn_type[BLOCKDEV_ITABLE] = (unsigned)t;
		n = ext2_udf_indirect((uint32_t)fs_start, prog);
		t = exo_disk_type(prog, n);
		if (t > 0)
			xn_type[BLOCKDEV_INDIRECT] = (unsigned)t;
	}
	if (t <= 0)
		printf("unixd: cannot register the file system's metadata types (%ld)\n", t);
}
static const struct bcache_ops frame_ops = { cache_frame_alloc, cache_frame_free, NULL };

void unixd_mount_root(void)
{
	const struct exo_module *m = exo_module_find("/disk.key");
	struct exo_disk_key key = { .name = "unix" };
	struct exo_disk_info di;
	static struct blockdev dev; /* the cache keeps a pointer to it */
	const char *why = "";
	const void *k;
	long r;

	if (m == NULL || m->bytes != EXO_DISK_KEY_BYTES)
		unixd_die("no disk owner key (data module /disk.key)", 0);
	k = exo_module_map(m, 0x7c0000000000ULL);
	if (k == NULL)
		unixd_die("cannot map the disk key", 0);
	memcpy(key.key, k, EXO_DISK_KEY_BYTES);
	r = exo_disk_attach(&key, 0);
	if (r < 0)
		unixd_die("the disk does not know our key", r);
	if (exo_disk_info(&di) < 0 || di.fs_start == 0)
		unixd_die("no file system placed on the disk for our key", 0);
	fs_start = di.fs_start;
	fs_blocks = di.fs_blocks;
	dev = dev_ops;
	dev.nblocks = fs_blocks;
	r = bcache_init(&cache, &dev, cache_hdrs, CACHE_SLOTS, &frame_ops);
	if (r < 0)
		unixd_die("buffer cache", r);
	r = ext2_mount(&unixd_fs, &cache,
		       &(struct ext2_config){ .clean_only = true, .now = fs_now }, &why);
	if (r < 0) {
		printf("unixd: cannot mount the root file system: %s\n", why);
		unixd_die("no root file system", r);
	}
	/* Before any inode-table or indirect block is written. Mount wrote
	 * only the superblock, which is data. */
	xn_register();
	printf("unixd: root file system: %llu blocks at disk block %llu%s%s\n",
	       (unsigned long long)fs_blocks, (unsigned long long)fs_start,
	       unixd_fs.rw ? "" : ", read-only: ", unixd_fs.rw || !why ? "" : why);
}

/* Sync and unmount; returns 0 or -errno. */
int unixd_unmount_root(void)
{
	int r = ext2_unmount(&unixd_fs);

	if (r == 0)
		bcache_destroy(&cache);
	return r;
}
