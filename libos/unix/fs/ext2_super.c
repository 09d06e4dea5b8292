/*
 * ext2_super.c - mounting: the superblock and the group descriptors,
 * checked before anything trusts them; the geometry helpers every other
 * layer uses; sync, unmount and the file-system counts.
 *
 * Only 4 KiB blocks, so the superblock is bytes 1024..2047 of block 0,
 * s_first_data_block is 0 and the group descriptor table starts at block
 * 1. Groups with a superblock copy (all, or with sparse_super groups 0, 1
 * and powers of 3, 5 and 7) begin with that copy, the descriptor table
 * copy and the blocks reserved for its growth (resize_inode); then come
 * the block bitmap, inode bitmap and inode table wherever the descriptor
 * says, inside the group. Source: Poirier, "The Second Extended File
 * System", sections 3.1-3.5.
 */
#include "ext2_int.h"

/*
 * The time: the configured clock's, or without one (or if it says 0) the
 * newest the superblock records (last write, last mount, creation), so
 * that times never go back to 1970.
 */
uint32_t ext2_now(struct ext2_fs *fs)
{
	uint32_t t = fs->cfg.now ? fs->cfg.now(fs->cfg.ctx) : 0, mkfs;

	if (t || !fs->sb)
		return t;
	memcpy(&mkfs, (const uint8_t *)fs->sb + EXT2_SB_MKFS_TIME, sizeof(mkfs));
	t = fs->sb->s_wtime > fs->sb->s_mtime ? fs->sb->s_wtime : fs->sb->s_mtime;
	return t > mkfs ? t : mkfs;
}

void ext2_sb_dirty(struct ext2_fs *fs)
{
	bcache_dirty(fs->bc, fs->sbuf);
}

int ext2_need_rw(struct ext2_fs *fs)
{
	if (fs->rw)
		return 0;
	fs->error = "file system is mounted read-only";
	return -EROFS;
}

/* "what 0x1234" in fs->msg. */
static const char *msg_num(struct ext2_fs *fs, const char *what, uint64_t n)
{
	size_t i = 0;
	char digits[17];
	int nd = 0;

	while (*what && i < sizeof(fs->msg) - 20)
		fs->msg[i++] = *what++;
	fs->msg[i++] = ' ';
	fs->msg[i++] = '0';
	fs->msg[i++] = 'x';
	do {
		digits[nd++] = "0123456789abcdef"[n & 0xf];
		n >>= 4;
	} while (n);
	while (nd)
		fs->msg[i++] = digits[--nd];
	fs->msg[i] = 0;
	return fs->msg;
}

int ext2_corrupt(struct ext2_fs *fs, const char *what)
{
	fs->error = what;
	if (fs->rw && !(fs->sb->s_state & EXT2_ERROR_FS)) {
		fs->sb->s_state |= EXT2_ERROR_FS;
		ext2_sb_dirty(fs);
	}
	return -EIO;
}

int ext2_corrupt_num(struct ext2_fs *fs, const char *what, uint64_t n)
{
	return ext2_corrupt(fs, msg_num(fs, what, n));
}

uint32_t ext2_group_first(const struct ext2_fs *fs, uint32_t g)
{
	return g * fs->bpg;
}

uint32_t ext2_group_nblocks(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t first = ext2_group_first(fs, g);

	return fs->blocks_count - first < fs->bpg ? fs->blocks_count - first : fs->bpg;
}

static bool power_of(uint32_t g, uint32_t base)
{
	uint64_t p = base;

	while (p < g)
		p *= base;
	return p == g;
}

bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t g)
{
	if (!fs->sparse_super || g <= 1)
		return true;
	return power_of(g, 3) || power_of(g, 5) || power_of(g, 7);
}

/* Blocks at the start of group g taken by the superblock and table copies. */
static uint32_t group_overhead(const struct ext2_fs *fs, uint32_t g)
{
	return ext2_group_has_super(fs, g) ? 1 + fs->gdt_blocks + fs->rsv_gdt_blocks : 0;
}

int ext2_gd_get(struct ext2_fs *fs, uint32_t g, struct buf **b, struct ext2_group_desc **gd)
{
	int r;

	if (g >= fs->ngroups)
		return ext2_corrupt_num(fs, "group number out of range:", g);
	if ((r = bcache_get(fs->bc, 1 + g / EXT2_DESC_PER_BLOCK, b)) < 0)
		return r;
	*gd = (struct ext2_group_desc *)(*b)->data + g % EXT2_DESC_PER_BLOCK;
	return 0;
}

int ext2_check_block(struct ext2_fs *fs, uint32_t b)
{
	struct buf *gb;
	struct ext2_group_desc *gd;
	int r;

	if (b == 0 || b >= fs->blocks_count)
		return ext2_corrupt_num(fs, "block number out of range:", b);
	uint32_t g = b / fs->bpg;
	if (b - ext2_group_first(fs, g) < group_overhead(fs, g))
		return ext2_corrupt_num(fs,
					"block pointer names a superblock or descriptor copy:", b);
	if ((r = ext2_gd_get(fs, g, &gb, &gd)) < 0)
		return r;
	bool meta = b == gd->bg_block_bitmap || b == gd->bg_inode_bitmap ||
		    (b >= gd->bg_inode_table && b - gd->bg_inode_table < fs->itable_blocks);
	bcache_put(fs->bc, gb);
	if (meta)
		return ext2_corrupt_num(fs, "block pointer names a bitmap or inode table:", b);
	return 0;
}

/* ------------------------------------------------------------ mounting */

/* The superblock's own numbers. Returns NULL or why the image is refused. */
static const char *check_super(struct ext2_fs *fs, const struct blockdev *dev)
{
	struct ext2_super *sb = fs->sb;

	if (sb->s_magic != EXT2_MAGIC)
		return "bad magic number: not an ext2 file system";
	if (sb->s_rev_level > EXT2_DYNAMIC_REV)
		return msg_num(fs, "unknown revision level", sb->s_rev_level);
	if (sb->s_log_block_size != EXT2_LOG_BLOCK)
		return msg_num(fs, "block size is not 4096 bytes: s_log_block_size",
			       sb->s_log_block_size);
	if (sb->s_rev_level == EXT2_DYNAMIC_REV &&
	    (sb->s_feature_incompat & ~(uint32_t)EXT2_INCOMPAT_SUPP))
		return msg_num(fs, "unsupported incompatible features",
			       sb->s_feature_incompat & ~(uint32_t)EXT2_INCOMPAT_SUPP);
	if (sb->s_first_data_block != 0)
		return "s_first_data_block is not 0 for 4 KiB blocks";
	if (sb->s_blocks_count < 16)
		return msg_num(fs, "too few blocks:", sb->s_blocks_count);
	if (sb->s_blocks_count > dev->nblocks)
		return msg_num(fs, "file system is larger than the device: blocks",
			       sb->s_blocks_count);
	if (sb->s_blocks_per_group < 8 || sb->s_blocks_per_group > 8 * EXT2_BLOCK_SIZE ||
	    sb->s_blocks_per_group % 8)
		return msg_num(fs, "bad blocks per group:", sb->s_blocks_per_group);
	if (sb->s_inodes_per_group < 1 || sb->s_inodes_per_group > 8 * EXT2_BLOCK_SIZE)
		return msg_num(fs, "bad inodes per group:", sb->s_inodes_per_group);

	fs->blocks_count = sb->s_blocks_count;
	fs->bpg = sb->s_blocks_per_group;
	fs->ipg = sb->s_inodes_per_group;
	fs->ngroups = (fs->blocks_count + fs->bpg - 1) / fs->bpg;
	if ((uint64_t)fs->ngroups * fs->ipg != sb->s_inodes_count)
		return msg_num(fs, "inode count does not match the groups:", sb->s_inodes_count);
	fs->inodes_count = sb->s_inodes_count;

	if (sb->s_rev_level == EXT2_GOOD_OLD_REV) {
		fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
		fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
	} else {
		fs->inode_size = sb->s_inode_size;
		fs->first_ino = sb->s_first_ino;
		if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > EXT2_BLOCK_SIZE ||
		    (fs->inode_size & (fs->inode_size - 1)))
			return msg_num(fs, "bad inode size:", fs->inode_size);
		if (fs->first_ino < EXT2_GOOD_OLD_FIRST_INO)
			return msg_num(fs, "bad first inode:", fs->first_ino);
	}
	if (fs->first_ino >= fs->inodes_count)
		return "no inode for files: first inode beyond the inode count";
	fs->inodes_per_block = EXT2_BLOCK_SIZE / fs->inode_size;
	fs->itable_blocks = (fs->ipg + fs->inodes_per_block - 1) / fs->inodes_per_block;

	uint32_t compat = sb->s_rev_level ? sb->s_feature_compat : 0;
	uint32_t ro = sb->s_rev_level ? sb->s_feature_ro_compat : 0;
	fs->filetype = sb->s_rev_level && (sb->s_feature_incompat & EXT2_INCOMPAT_FILETYPE);
	fs->sparse_super = ro & EXT2_RO_COMPAT_SPARSE_SUPER;
	fs->gdt_blocks = (fs->ngroups + EXT2_DESC_PER_BLOCK - 1) / EXT2_DESC_PER_BLOCK;
	fs->rsv_gdt_blocks = (compat & EXT2_COMPAT_RESIZE_INODE) ? sb->s_reserved_gdt_blocks : 0;
	if (fs->rsv_gdt_blocks > EXT2_ADDR_PER)
		return msg_num(fs, "too many reserved descriptor blocks:", fs->rsv_gdt_blocks);
	if ((uint64_t)1 + fs->gdt_blocks + fs->rsv_gdt_blocks + 2 + fs->itable_blocks > fs->bpg)
		return "group metadata does not fit in a group";
	if (sb->s_r_blocks_count > fs->blocks_count)
		return msg_num(fs, "more reserved blocks than blocks:", sb->s_r_blocks_count);

	/*
	 * The largest regular file: the block map reaches 12 + 1024 + 1024^2
	 * + 1024^3 blocks, but i_blocks counts 512-byte sectors in 32 bits,
	 * data and indirect blocks together; keep room for a full map's
	 * indirect blocks. Revision 0 has no i_size_high.
	 */
	uint64_t sectors_blocks = 0xffffffffull / EXT2_BLOCK_SECTORS;
	uint64_t meta = 1 + (1 + EXT2_ADDR_PER) +
			(1 + EXT2_ADDR_PER + (uint64_t)EXT2_ADDR_PER * EXT2_ADDR_PER);
	uint64_t map = EXT2_NDIR + EXT2_ADDR_PER + (uint64_t)EXT2_ADDR_PER * EXT2_ADDR_PER +
		       (uint64_t)EXT2_ADDR_PER * EXT2_ADDR_PER * EXT2_ADDR_PER;
	uint64_t data = sectors_blocks - meta < map ? sectors_blocks - meta : map;
	fs->max_size = sb->s_rev_level ? data * EXT2_BLOCK_SIZE : 0x7fffffffull;
	return NULL;
}

/* Every group descriptor: its bitmaps and inode table inside its group,
 * clear of the superblock copy and of each other; counts in range. */
static const char *check_groups(struct ext2_fs *fs, uint64_t *free_blocks, uint64_t *free_inodes)
{
	*free_blocks = *free_inodes = 0;
	for (uint32_t g = 0; g < fs->ngroups; g++) {
		struct buf *b;
		struct ext2_group_desc *gd;
		if (ext2_gd_get(fs, g, &b, &gd) < 0)
			return msg_num(fs, "cannot read the descriptor of group", g);
		uint32_t lo = ext2_group_first(fs, g) + group_overhead(fs, g);
		uint32_t hi = ext2_group_first(fs, g) + ext2_group_nblocks(fs, g);
		uint32_t bb = gd->bg_block_bitmap, ib = gd->bg_inode_bitmap,
			 it = gd->bg_inode_table;
		const char *why = NULL;
		if (lo >= hi)
			why = "group too small for its metadata: group";
		else if (bb < lo || bb >= hi)
			why = "block bitmap outside its group: group";
		else if (ib < lo || ib >= hi || ib == bb)
			why = "inode bitmap outside its group or on the block bitmap: group";
		else if (it < lo || (uint64_t)it + fs->itable_blocks > hi)
			why = "inode table outside its group: group";
		else if ((bb >= it && bb - it < fs->itable_blocks) ||
			 (ib >= it && ib - it < fs->itable_blocks))
			why = "inode table overlaps a bitmap: group";
		else if (gd->bg_free_blocks_count > ext2_group_nblocks(fs, g))
			why = "free block count larger than the group: group";
		else if (gd->bg_free_inodes_count > fs->ipg || gd->bg_used_dirs_count > fs->ipg)
			why = "inode counts larger than the group: group";
		*free_blocks += gd->bg_free_blocks_count;
		*free_inodes += gd->bg_free_inodes_count;
		bcache_put(fs->bc, b);
		if (why)
			return msg_num(fs, why, g);
	}
	return NULL;
}

int ext2_mount(struct ext2_fs *fs, struct bcache *c, const struct ext2_config *cfg,
	       const char **why)
{
	static const char *dummy;
	const char *w;
	uint64_t fb, fi;
	int r;

	if (!why)
		why = &dummy;
	*why = NULL;
	memset(fs, 0, sizeof(*fs));
	fs->bc = c;
	if (cfg)
		fs->cfg = *cfg;
	if (c->dev->nblocks < 2) {
		*why = "device too small for an ext2 file system";
		return -EINVAL;
	}
	if ((r = bcache_get(c, 0, &fs->sbuf)) < 0) {
		*why = "cannot read the superblock";
		return r;
	}
	fs->sb = (struct ext2_super *)(fs->sbuf->data + EXT2_SUPER_OFFSET);
	if ((w = check_super(fs, c->dev)) != NULL || (w = check_groups(fs, &fb, &fi)) != NULL) {
		r = -EINVAL;
		goto refuse;
	}
	if (fb > fs->blocks_count || fi > fs->inodes_count) {
		w = "free counts larger than the file system";
		r = -EINVAL;
		goto refuse;
	}
	fs->generation = ext2_now(fs);

	struct ext2_iref root;
	if ((r = ext2_iload(fs, EXT2_ROOT_INO, &root)) < 0) {
		w = "cannot read the root inode";
		goto refuse;
	}
	bool rootdir = (root.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR && root.in->i_links_count;
	ext2_irelease(fs, &root);
	if (!rootdir) {
		w = "the root inode is not a directory";
		r = -EINVAL;
		goto refuse;
	}

	struct ext2_super *sb = fs->sb;
	uint32_t ro = sb->s_rev_level ? sb->s_feature_ro_compat : 0;
	fs->rw = !fs->cfg.read_only;
	if (fs->rw && (ro & ~(uint32_t)EXT2_RO_COMPAT_SUPP)) {
		fs->rw = false;
		*why = msg_num(fs, "unsupported read-only features, mounted read-only:",
			       ro & ~(uint32_t)EXT2_RO_COMPAT_SUPP);
	}
	/* The bitmaps of an image not cleanly unmounted may call blocks in
	 * use free (their writes need no order, docs/unix-libos.md): writing
	 * would hand them out twice. Until e2fsck -p has repaired it, read. */
	if (fs->rw && fs->cfg.clean_only && !(sb->s_state & EXT2_VALID_FS)) {
		fs->rw = false;
		*why = "not cleanly unmounted: mounted read-only until e2fsck -p repairs it";
	}
	fs->state_at_mount = sb->s_state;
	fs->error = NULL;
	if (!fs->rw)
		return 0;

	/* Mark the file system in use, durably, before anything else is written. */
	sb->s_free_blocks_count = (uint32_t)fb;
	sb->s_free_inodes_count = (uint32_t)fi;
	sb->s_state &= ~EXT2_VALID_FS;
	sb->s_mnt_count++;
	sb->s_mtime = ext2_now(fs);
	ext2_sb_dirty(fs);
	if ((r = bcache_write(c, fs->sbuf)) < 0 || (r = bcache_flush(c)) < 0) {
		*why = "cannot write the superblock";
		bcache_put(c, fs->sbuf);
		return r;
	}
	return 0;

refuse:
	*why = w;
	fs->error = w;
	bcache_put(c, fs->sbuf);
	fs->sbuf = NULL;
	return r;
}

/* Whether b is in kept[0..n). */
static bool kept_back(const uint32_t *kept, unsigned n, uint32_t b)
{
	for (unsigned i = 0; i < n; i++)
		if (kept[i] == b)
			return true;
	return false;
}

int ext2_apply_frees(struct ext2_fs *fs)
{
	int err = 0;
	uint32_t kept[EXT2_PEND_MAX];
	unsigned nkept = 0;

	/* Indirect blocks let go of become data again first (XN: parents
	 * before children, so each is unreferenced when its turn comes); one
	 * the device refuses stays allocated rather than be reused as data
	 * while still typed (e2fsck reclaims it). */
	for (unsigned i = 0; i < fs->npend_meta; i++)
		if (bcache_retype(fs->bc, fs->pend_meta[i], BLOCKDEV_DATA) < 0)
			kept[nkept++] = fs->pend_meta[i];
	fs->npend_meta = 0;
	for (unsigned i = 0; i < fs->npend_blocks; i++) {
		uint32_t b = fs->pend_blocks[i].start, n = fs->pend_blocks[i].count;
		while (n) {
			uint32_t g = b / fs->bpg, off = b % fs->bpg;
			uint32_t k = fs->bpg - off < n ? fs->bpg - off : n;
			struct buf *gb, *bm;
			struct ext2_group_desc *gd;
			int r = ext2_gd_get(fs, g, &gb, &gd);
			if (r == 0 && (r = bcache_get(fs->bc, gd->bg_block_bitmap, &bm)) < 0)
				bcache_put(fs->bc, gb);
			if (r < 0) {
				err = err ? err : r;
				b += k, n -= k;
				continue;
			}
			uint32_t freed = 0;
			for (uint32_t j = off; j < off + k; j++) {
				if (nkept && kept_back(kept, nkept, b + j - off))
					continue;
				if (bm->data[j / 8] & (1u << (j % 8))) {
					bm->data[j / 8] &= ~(1u << (j % 8));
					freed++;
				} else {
					err = ext2_corrupt_num(fs,
							       "block freed twice:", b + j - off);
				}
			}
			bcache_dirty(fs->bc, bm);
			gd->bg_free_blocks_count += freed;
			bcache_dirty(fs->bc, gb);
			fs->sb->s_free_blocks_count += freed;
			bcache_put(fs->bc, bm);
			bcache_put(fs->bc, gb);
			b += k, n -= k;
		}
	}
	fs->npend_blocks = 0;
	fs->pend_block_total = 0;
	for (unsigned i = 0; i < fs->npend_inodes; i++) {
		uint32_t ino = fs->pend_inodes[i];
		uint32_t g = (ino - 1) / fs->ipg, j = (ino - 1) % fs->ipg;
		struct buf *gb, *bm;
		struct ext2_group_desc *gd;
		int r = ext2_gd_get(fs, g, &gb, &gd);
		if (r == 0 && (r = bcache_get(fs->bc, gd->bg_inode_bitmap, &bm)) < 0)
			bcache_put(fs->bc, gb);
		if (r < 0) {
			err = err ? err : r;
			continue;
		}
		if (bm->data[j / 8] & (1u << (j % 8))) {
			bm->data[j / 8] &= ~(1u << (j % 8));
			bcache_dirty(fs->bc, bm);
			gd->bg_free_inodes_count++;
			bcache_dirty(fs->bc, gb);
			fs->sb->s_free_inodes_count++;
		} else {
			err = ext2_corrupt_num(fs, "inode freed twice:", ino);
		}
		bcache_put(fs->bc, bm);
		bcache_put(fs->bc, gb);
	}
	fs->npend_inodes = 0;
	ext2_sb_dirty(fs);
	return err;
}

int ext2_sync(struct ext2_fs *fs)
{
	int r;

	if (!fs->rw)
		return bcache_sync(fs->bc);
	if ((r = bcache_sync(fs->bc)) < 0)
		return r;
	if (!fs->npend_blocks && !fs->npend_inodes)
		return 0;
	/* What freed them is durable now: the blocks and inodes may be reused. */
	r = ext2_apply_frees(fs);
	int s = bcache_sync(fs->bc);
	return s < 0 ? s : r;
}

int ext2_unmount(struct ext2_fs *fs)
{
	int r = 0;

	if (!fs->sbuf)
		return -EINVAL;
	if (fs->rw) {
		/* Files unlinked while open die now. */
		for (unsigned i = 0; i < EXT2_OPEN_MAX; i++) {
			if (!fs->open[i].refs)
				continue;
			fs->open[i].refs = 1;
			int e = ext2_iput(fs, fs->open[i].ino);
			r = r ? r : e;
		}
		int e = ext2_sync(fs);
		r = r ? r : e;
		if (!r) {
			struct ext2_super *sb = fs->sb;
			if ((fs->state_at_mount & EXT2_VALID_FS) && !(sb->s_state & EXT2_ERROR_FS))
				sb->s_state |= EXT2_VALID_FS;
			sb->s_wtime = ext2_now(fs);
			ext2_sb_dirty(fs);
			if ((r = bcache_write(fs->bc, fs->sbuf)) == 0)
				r = bcache_flush(fs->bc);
		}
	}
	bcache_put(fs->bc, fs->sbuf);
	fs->sbuf = NULL;
	return r;
}

int ext2_statvfs(struct ext2_fs *fs, struct ext2_statvfs *st)
{
	struct ext2_super *sb = fs->sb;

	st->bsize = EXT2_BLOCK_SIZE;
	st->blocks = fs->blocks_count;
	st->bfree = (uint64_t)sb->s_free_blocks_count + fs->pend_block_total;
	st->bavail = st->bfree > sb->s_r_blocks_count ? st->bfree - sb->s_r_blocks_count : 0;
	st->files = fs->inodes_count;
	st->ffree = (uint64_t)sb->s_free_inodes_count + fs->npend_inodes;
	st->namemax = EXT2_NAME_LEN;
	st->read_only = !fs->rw;
	return 0;
}
