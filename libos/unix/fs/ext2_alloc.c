/*
 * ext2_alloc.c - block and inode allocation with the group bitmaps.
 *
 * Allocation sets the bitmap bit and lowers the group's and the
 * superblock's free counts at once; these three blocks need no write
 * order (e2fsck -p recomputes them from the inodes). Freeing is deferred:
 * a freed block or inode goes on fs->pend_* and its bit is cleared only by
 * ext2_apply_frees after a sync has made the change that freed it (the
 * cleared pointer, the removed entry) durable. So a block or inode is
 * never reused while the disk may still show its old owner, and a crash
 * never leaves two owners for one block.
 *
 * Placement: a block goes at or after a goal (the block before it in the
 * file, or the inode's group); a file's inode in its directory's group, a
 * directory's in a group with many free blocks (spreading directories).
 */
#include "ext2_int.h"

static bool bit_test(const uint8_t *map, uint32_t i)
{
	return map[i / 8] & (1u << (i % 8));
}

static void bit_set(uint8_t *map, uint32_t i)
{
	map[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* First clear bit of map in [from, to), or UINT32_MAX. */
static uint32_t find_clear(const uint8_t *map, uint32_t from, uint32_t to)
{
	uint32_t i = from;

	while (i < to) {
		if (i % 8 == 0 && map[i / 8] == 0xff && i + 8 <= to) {
			i += 8;
			continue;
		}
		if (!bit_test(map, i))
			return i;
		i++;
	}
	return UINT32_MAX;
}

/* Is offset j of group g (whose descriptor is gd) group metadata? */
static bool group_meta(struct ext2_fs *fs, uint32_t g, const struct ext2_group_desc *gd, uint32_t j)
{
	uint32_t b = ext2_group_first(fs, g) + j;
	uint32_t over = ext2_group_has_super(fs, g) ? 1 + fs->gdt_blocks + fs->rsv_gdt_blocks : 0;

	return j < over || b == gd->bg_block_bitmap || b == gd->bg_inode_bitmap ||
	       (b >= gd->bg_inode_table && b - gd->bg_inode_table < fs->itable_blocks);
}

/* Try to allocate in group g from offset `from` on (wrapping if wrap). */
static int balloc_group(struct ext2_fs *fs, uint32_t g, uint32_t from, bool wrap, uint32_t *out)
{
	struct buf *gb, *bm;
	struct ext2_group_desc *gd;
	int r;

	if ((r = ext2_gd_get(fs, g, &gb, &gd)) < 0)
		return r;
	if (gd->bg_free_blocks_count == 0) {
		bcache_put(fs->bc, gb);
		return -ENOSPC;
	}
	if ((r = bcache_get(fs->bc, gd->bg_block_bitmap, &bm)) < 0) {
		bcache_put(fs->bc, gb);
		return r;
	}
	uint32_t n = ext2_group_nblocks(fs, g);
	uint32_t j = from < n ? from : 0;
	r = -ENOSPC;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t lo = pass ? 0 : j, hi = pass ? j : n;
		if (pass && !wrap)
			break;
		for (uint32_t k = lo; (k = find_clear(bm->data, k, hi)) != UINT32_MAX; k++) {
			/* A clear bit on metadata: the bitmap is damaged; repair it. */
			bit_set(bm->data, k);
			bcache_dirty(fs->bc, bm);
			if (group_meta(fs, g, gd, k)) {
				ext2_corrupt_num(fs, "block bitmap marks metadata free: block",
						 ext2_group_first(fs, g) + k);
				continue;
			}
			gd->bg_free_blocks_count--;
			bcache_dirty(fs->bc, gb);
			if (fs->sb->s_free_blocks_count)
				fs->sb->s_free_blocks_count--;
			ext2_sb_dirty(fs);
			*out = ext2_group_first(fs, g) + k;
			r = 0;
			goto done;
		}
	}
done:
	bcache_put(fs->bc, bm);
	bcache_put(fs->bc, gb);
	return r;
}

int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	int r;

	if ((r = ext2_need_rw(fs)) < 0)
		return r;
	if (goal >= fs->blocks_count)
		goal = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t g0 = goal / fs->bpg;
		for (uint32_t i = 0; i < fs->ngroups; i++) {
			uint32_t g = (g0 + i) % fs->ngroups;
			r = balloc_group(fs, g, i == 0 ? goal % fs->bpg : 0, i == 0, out);
			if (r != -ENOSPC)
				return r;
		}
		/* Full: blocks waiting to be freed become free after a sync. */
		if (!fs->pend_block_total)
			break;
		if ((r = ext2_sync(fs)) < 0)
			return r;
	}
	fs->error = "no free blocks";
	return -ENOSPC;
}

void ext2_bfree(struct ext2_fs *fs, uint32_t b)
{
	bcache_forget(fs->bc, b);
	if (fs->npend_blocks) {
		unsigned last = fs->npend_blocks - 1;
		if (fs->pend_blocks[last].start + fs->pend_blocks[last].count == b) {
			fs->pend_blocks[last].count++;
			fs->pend_block_total++;
			return;
		}
		if (b + 1 == fs->pend_blocks[last].start) {
			fs->pend_blocks[last].start = b;
			fs->pend_blocks[last].count++;
			fs->pend_block_total++;
			return;
		}
	}
	/* Full: a sync makes the earlier frees' causes durable and releases them. */
	if (fs->npend_blocks == EXT2_PEND_MAX)
		ext2_sync(fs);
	if (fs->npend_blocks == EXT2_PEND_MAX)
		return; /* the sync failed: leak the block (e2fsck reclaims it) */
	fs->pend_blocks[fs->npend_blocks].start = b;
	fs->pend_blocks[fs->npend_blocks].count = 1;
	fs->npend_blocks++;
	fs->pend_block_total++;
}

void ext2_meta_unhooked(struct ext2_fs *fs, uint32_t b)
{
	if (fs->npend_meta == EXT2_PEND_MAX)
		ext2_sync(fs);
	if (fs->npend_meta == EXT2_PEND_MAX)
		return; /* the sync failed: the block stays typed (and leaks) */
	fs->pend_meta[fs->npend_meta++] = b;
}

/* Try to allocate an inode in group g. */
static int ialloc_group(struct ext2_fs *fs, uint32_t g, bool dir, uint32_t *ino)
{
	struct buf *gb, *bm;
	struct ext2_group_desc *gd;
	int r;

	if ((r = ext2_gd_get(fs, g, &gb, &gd)) < 0)
		return r;
	if (gd->bg_free_inodes_count == 0) {
		bcache_put(fs->bc, gb);
		return -ENOSPC;
	}
	if ((r = bcache_get(fs->bc, gd->bg_inode_bitmap, &bm)) < 0) {
		bcache_put(fs->bc, gb);
		return r;
	}
	r = -ENOSPC;
	for (uint32_t k = 0; (k = find_clear(bm->data, k, fs->ipg)) != UINT32_MAX; k++) {
		uint32_t n = g * fs->ipg + k + 1;
		if (n < fs->first_ino)
			continue;
		/* A clear bit on an inode still linked: the bitmap is damaged. */
		struct ext2_iref ir;
		int e = ext2_iload(fs, n, &ir);
		if (e < 0) {
			r = e;
			break;
		}
		bool live = ir.in->i_links_count != 0;
		ext2_irelease(fs, &ir);
		bit_set(bm->data, k);
		bcache_dirty(fs->bc, bm);
		if (live) {
			ext2_corrupt_num(fs, "inode bitmap marks a linked inode free:", n);
			continue;
		}
		if (gd->bg_free_inodes_count)
			gd->bg_free_inodes_count--;
		if (dir)
			gd->bg_used_dirs_count++;
		bcache_dirty(fs->bc, gb);
		if (fs->sb->s_free_inodes_count)
			fs->sb->s_free_inodes_count--;
		ext2_sb_dirty(fs);
		*ino = n;
		r = 0;
		break;
	}
	bcache_put(fs->bc, bm);
	bcache_put(fs->bc, gb);
	return r;
}

/* The group for a new directory: of those with at least the average number
 * of free inodes, the one with the most free blocks. */
static uint32_t dir_group(struct ext2_fs *fs, uint32_t pg)
{
	uint32_t avg = fs->sb->s_free_inodes_count / fs->ngroups, best = pg, best_free = 0;

	for (uint32_t g = 0; g < fs->ngroups; g++) {
		struct buf *gb;
		struct ext2_group_desc *gd;
		if (ext2_gd_get(fs, g, &gb, &gd) < 0)
			break;
		if (gd->bg_free_inodes_count && gd->bg_free_inodes_count >= avg &&
		    gd->bg_free_blocks_count > best_free) {
			best = g;
			best_free = gd->bg_free_blocks_count;
		}
		bcache_put(fs->bc, gb);
	}
	return best;
}

int ext2_ialloc(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *ino)
{
	int r;

	if ((r = ext2_need_rw(fs)) < 0)
		return r;
	uint32_t pg = (parent - 1) / fs->ipg;
	uint32_t g0 = dir ? dir_group(fs, pg) : pg;
	for (int attempt = 0; attempt < 2; attempt++) {
		for (uint32_t i = 0; i < fs->ngroups; i++) {
			r = ialloc_group(fs, (g0 + i) % fs->ngroups, dir, ino);
			if (r != -ENOSPC)
				return r;
		}
		if (!fs->npend_inodes)
			break;
		if ((r = ext2_sync(fs)) < 0)
			return r;
	}
	fs->error = "no free inodes";
	return -ENOSPC;
}

void ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool dir)
{
	if (dir) {
		struct buf *gb;
		struct ext2_group_desc *gd;
		if (ext2_gd_get(fs, (ino - 1) / fs->ipg, &gb, &gd) == 0) {
			if (gd->bg_used_dirs_count)
				gd->bg_used_dirs_count--;
			bcache_dirty(fs->bc, gb);
			bcache_put(fs->bc, gb);
		}
	}
	if (fs->npend_inodes == EXT2_PEND_MAX)
		ext2_sync(fs);
	if (fs->npend_inodes == EXT2_PEND_MAX)
		return; /* the sync failed: leak the inode (e2fsck reclaims it) */
	fs->pend_inodes[fs->npend_inodes++] = ino;
}
