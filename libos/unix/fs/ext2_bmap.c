/*
 * ext2_bmap.c - the block map: twelve direct pointers in the inode, then
 * single, double and triple indirect blocks of 1024 pointers each; 0 is a
 * hole. Looking blocks up, finding (and making) the slot for a new one,
 * and freeing the blocks past a point.
 *
 * Write order (docs/unix-libos.md): a new indirect block is zeroed in the
 * cache and its pointer's block waits for it (bcache_order), so the disk
 * never shows a pointer to garbage; callers do the same for the blocks
 * they attach (directory and symlink blocks; file data through
 * bcache_order_data). A pointer is cleared in memory before its block is
 * freed, and the free itself waits for a sync (ext2_alloc.c).
 *
 * Source: Poirier, "The Second Extended File System", 4.2 (i_block and
 * the indirect blocks).
 */
#include "ext2_int.h"

/* Check the parts of a loaded inode the block map relies on. */
static int check_map_flags(struct ext2_fs *fs, struct ext2_iref *r)
{
	if (r->in->i_flags & (EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL))
		return ext2_corrupt_num(fs, "inode uses extents or inline data (ext4):", r->ino);
	return 0;
}

/* ------------------------------------------------------------ block map */

/*
 * The path to logical block lblk: idx[0] indexes i_block, idx[1..depth]
 * the indirect blocks. Returns the depth (0 for a direct block) or -EFBIG.
 */
static int map_path(uint32_t lblk, unsigned idx[4])
{
	uint64_t l = lblk;

	if (l < EXT2_NDIR) {
		idx[0] = (unsigned)l;
		return 0;
	}
	l -= EXT2_NDIR;
	if (l < EXT2_ADDR_PER) {
		idx[0] = EXT2_IND;
		idx[1] = (unsigned)l;
		return 1;
	}
	l -= EXT2_ADDR_PER;
	if (l < (uint64_t)EXT2_ADDR_PER * EXT2_ADDR_PER) {
		idx[0] = EXT2_DIND;
		idx[1] = (unsigned)(l / EXT2_ADDR_PER);
		idx[2] = (unsigned)(l % EXT2_ADDR_PER);
		return 2;
	}
	l -= (uint64_t)EXT2_ADDR_PER * EXT2_ADDR_PER;
	if (l < (uint64_t)EXT2_ADDR_PER * EXT2_ADDR_PER * EXT2_ADDR_PER) {
		idx[0] = EXT2_TIND;
		idx[1] = (unsigned)(l / ((uint64_t)EXT2_ADDR_PER * EXT2_ADDR_PER));
		idx[2] = (unsigned)(l / EXT2_ADDR_PER % EXT2_ADDR_PER);
		idx[3] = (unsigned)(l % EXT2_ADDR_PER);
		return 3;
	}
	return -EFBIG;
}

int ext2_bmap(struct ext2_fs *fs, struct ext2_iref *r, uint32_t lblk, uint32_t *pblk)
{
	unsigned idx[4];
	int depth = map_path(lblk, idx), e;

	*pblk = 0;
	if (depth < 0)
		return 0; /* beyond the map: a hole */
	if ((e = check_map_flags(fs, r)) < 0)
		return e;
	uint32_t p = r->in->i_block[idx[0]];
	for (int k = 1; k <= depth && p; k++) {
		struct buf *ib;
		if ((e = ext2_check_block(fs, p)) < 0 || (e = bcache_get(fs->bc, p, &ib)) < 0)
			return e;
		bcache_set_meta(ib);
		p = ((uint32_t *)ib->data)[idx[k]];
		bcache_put(fs->bc, ib);
	}
	if (p && (e = ext2_check_block(fs, p)) < 0)
		return e;
	*pblk = p;
	return 0;
}

/* A block number to allocate near for a block that goes in slot i of arr
 * (in block `holder`, 0 for the inode). */
static uint32_t goal_near(struct ext2_fs *fs, struct ext2_iref *r, const uint32_t *arr, unsigned i,
			  uint32_t holder)
{
	for (unsigned k = i; k-- > 0;)
		if (arr[k] && arr[k] < fs->blocks_count)
			return arr[k] + 1;
	if (holder)
		return holder + 1;
	return ext2_group_first(fs, (r->ino - 1) / fs->ipg);
}

void ext2_slot_put(struct ext2_fs *fs, struct ext2_iref *r, struct ext2_slot *s)
{
	(void)r;
	bcache_put(fs->bc, s->holder);
	s->holder = NULL;
}

int ext2_new_meta_block(struct ext2_fs *fs, struct ext2_iref *r, uint32_t goal, struct buf **out)
{
	uint32_t nb;
	int e;

	if ((e = ext2_balloc(fs, goal, &nb)) < 0)
		return e;
	if ((e = bcache_get_new(fs->bc, nb, out)) < 0) {
		ext2_bfree(fs, nb);
		return e;
	}
	bcache_set_owner(fs->bc, *out, r->ino, false);
	bcache_dirty(fs->bc, *out);
	return 0;
}

/* Account one more (or fewer) 4 KiB block in i_blocks. */
void ext2_add_iblocks(struct ext2_fs *fs, struct ext2_iref *r, int n)
{
	int64_t v = (int64_t)r->in->i_blocks + (int64_t)n * EXT2_BLOCK_SECTORS;

	r->in->i_blocks = v < 0 ? 0 : (uint32_t)v;
	ext2_idirty(fs, r);
}

int ext2_bmap_slot(struct ext2_fs *fs, struct ext2_iref *r, uint32_t lblk, struct ext2_slot *s)
{
	unsigned idx[4];
	int depth = map_path(lblk, idx), e;

	if (depth < 0)
		return -EFBIG;
	if ((e = check_map_flags(fs, r)) < 0)
		return e;
	struct buf *holder = r->b;
	uint32_t *arr = r->in->i_block;
	uint32_t holder_blk = 0;
	bcache_hold(holder);
	for (int k = 0; k < depth; k++) {
		uint32_t *slot = &arr[idx[k]];
		struct buf *nb;
		if (*slot) {
			if ((e = ext2_check_block(fs, *slot)) < 0 ||
			    (e = bcache_get(fs->bc, *slot, &nb)) < 0)
				goto fail;
			bcache_set_meta(nb);
			/* Ours, for ext2_fsync (a block read from disk is untagged). */
			bcache_set_owner(fs->bc, nb, r->ino, false);
		} else {
			/* A new indirect block: zeroed and written before it is pointed at. */
			uint32_t goal = goal_near(fs, r, arr, idx[k], holder_blk);
			if ((e = ext2_new_meta_block(fs, r, goal, &nb)) < 0)
				goto fail;
			/* XN: an indirect block to the kernel from now on (it
			 * was a free block: nothing references it). */
			if ((e = bcache_retype(fs->bc, nb->block, BLOCKDEV_INDIRECT)) < 0) {
				ext2_bfree(fs, nb->block);
				bcache_put(fs->bc, nb);
				goto fail;
			}
			if ((e = bcache_order(fs->bc, nb, holder)) < 0) {
				ext2_meta_unhooked(fs, (uint32_t)nb->block);
				ext2_bfree(fs, nb->block);
				bcache_put(fs->bc, nb);
				goto fail;
			}
			*slot = (uint32_t)nb->block;
			bcache_dirty(fs->bc, holder);
			ext2_add_iblocks(fs, r, 1);
		}
		bcache_put(fs->bc, holder);
		holder = nb;
		holder_blk = (uint32_t)nb->block;
		arr = (uint32_t *)nb->data;
	}
	s->holder = holder;
	s->slot = &arr[idx[depth]];
	s->goal = goal_near(fs, r, arr, idx[depth], holder_blk);
	return 0;
fail:
	bcache_put(fs->bc, holder);
	return e;
}

int ext2_attach_block(struct ext2_fs *fs, struct ext2_iref *r, uint32_t lblk, struct buf *nb)
{
	struct ext2_slot s;
	int e;

	if ((e = ext2_bmap_slot(fs, r, lblk, &s)) < 0)
		return e;
	if (*s.slot) {
		ext2_slot_put(fs, r, &s);
		return ext2_corrupt_num(fs, "block already mapped in inode", r->ino);
	}
	if ((e = bcache_order(fs->bc, nb, s.holder)) == 0) {
		*s.slot = (uint32_t)nb->block;
		bcache_dirty(fs->bc, s.holder);
		ext2_add_iblocks(fs, r, 1);
	}
	ext2_slot_put(fs, r, &s);
	return e;
}

/* ------------------------------------------------------------ freeing blocks */

/* Clear a block pointer; holder (its block) is NULL for a private copy. */
static void clear_ptr(struct ext2_fs *fs, struct buf *holder, uint32_t *ptr)
{
	*ptr = 0;
	if (holder)
		bcache_dirty(fs->bc, holder);
}

/*
 * Free the subtree below *ptr (in holder's data): `depth` levels of
 * indirection (0: *ptr is a data block), from logical offset `start`
 * within it. The pointer to a block is cleared (in memory) before the
 * block is freed, so a sync forced by the free never shows a freed block
 * still referenced.
 */
static int free_branch(struct ext2_fs *fs, struct ext2_iref *r, struct buf *holder, uint32_t *ptr,
		       int depth, uint64_t start)
{
	uint32_t blk = *ptr;
	int err = 0, e;

	if (!blk)
		return 0;
	if ((e = ext2_check_block(fs, blk)) < 0) {
		/* Drop a pointer to something not a file's; free nothing. */
		clear_ptr(fs, holder, ptr);
		return e;
	}
	if (depth == 0) {
		clear_ptr(fs, holder, ptr);
		ext2_add_iblocks(fs, r, -1);
		ext2_bfree(fs, blk);
		return 0;
	}
	uint64_t span = 1;
	for (int k = 1; k < depth; k++)
		span *= EXT2_ADDR_PER;
	struct buf *ib;
	if ((e = bcache_get(fs->bc, blk, &ib)) < 0)
		return e;
	bcache_set_meta(ib);
	bcache_set_owner(fs->bc, ib, r->ino, false);
	uint32_t *arr = (uint32_t *)ib->data;
	if (start == 0) {
		/* The whole subtree goes: unhook it first, then free below.
		 * It is recorded before its children: made data again first
		 * (XN), it lets go of them. */
		clear_ptr(fs, holder, ptr);
		ext2_add_iblocks(fs, r, -1);
		ext2_meta_unhooked(fs, blk);
		for (unsigned i = 0; i < EXT2_ADDR_PER; i++) {
			uint32_t child = arr[i];
			if (!child)
				continue;
			if (depth == 1) {
				if ((e = ext2_check_block(fs, child)) < 0) {
					err = e;
					continue;
				}
				ext2_add_iblocks(fs, r, -1);
				ext2_bfree(fs, child);
			} else {
				/* Through a copy of the pointer: ib itself goes unchanged. */
				uint32_t copy = child;
				e = free_branch(fs, r, NULL, &copy, depth - 1, 0);
				err = err ? err : e;
			}
		}
		bcache_put(fs->bc, ib);
		ext2_bfree(fs, blk);
		return err;
	}
	for (uint64_t i = start / span; i < EXT2_ADDR_PER; i++) {
		e = free_branch(fs, r, ib, &arr[i], depth - 1,
				i == start / span ? start % span : 0);
		err = err ? err : e;
	}
	bcache_put(fs->bc, ib);
	return err;
}

int ext2_free_blocks_from(struct ext2_fs *fs, struct ext2_iref *r, uint32_t from)
{
	struct ext2_inode *in = r->in;
	int err = 0, e;

	if ((e = check_map_flags(fs, r)) < 0)
		return e;
	for (uint32_t i = from; i < EXT2_NDIR; i++) {
		e = free_branch(fs, r, r->b, &in->i_block[i], 0, 0);
		err = err ? err : e;
	}
	uint64_t base = EXT2_NDIR, span = EXT2_ADDR_PER;
	for (int level = 1; level <= 3; level++) {
		if (from < base + span) {
			uint64_t start = from > base ? from - base : 0;
			e = free_branch(fs, r, r->b, &in->i_block[EXT2_IND + level - 1], level,
					start);
			err = err ? err : e;
		}
		base += span;
		span *= EXT2_ADDR_PER;
	}
	ext2_idirty(fs, r);
	return err;
}
