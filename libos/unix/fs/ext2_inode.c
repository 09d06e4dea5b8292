/*
 * ext2_inode.c - inodes: finding one in its group's inode table, its
 * size, times and type, deleting it (its blocks, its extended-attribute
 * block, its number), and the table of inodes held open.
 *
 * Source: Poirier, "The Second Extended File System", 4.1 (the inode
 * table), 4.3 (i_size, i_blocks, i_file_acl); e2fsprogs' ext2_fs.h for
 * the large inode's extra fields.
 */
#include "ext2_int.h"

int ext2_ino_ok(struct ext2_fs *fs, uint32_t ino)
{
	if (ino == EXT2_ROOT_INO || (ino >= fs->first_ino && ino <= fs->inodes_count))
		return 0;
	fs->error = "not an inode number of a file";
	return -EINVAL;
}

int ext2_iload(struct ext2_fs *fs, uint32_t ino, struct ext2_iref *r)
{
	struct buf *gb;
	struct ext2_group_desc *gd;
	int e;

	r->b = NULL;
	if (ino == 0 || ino > fs->inodes_count)
		return ext2_corrupt_num(fs, "inode number out of range:", ino);
	uint32_t idx = (ino - 1) % fs->ipg;
	if ((e = ext2_gd_get(fs, (ino - 1) / fs->ipg, &gb, &gd)) < 0)
		return e;
	uint32_t blk = gd->bg_inode_table + idx / fs->inodes_per_block;
	bcache_put(fs->bc, gb);
	if ((e = bcache_get(fs->bc, blk, &r->b)) < 0)
		return e;
	bcache_set_meta(r->b); /* an inode-table block: XN checks each write */
	r->ino = ino;
	r->in = (struct ext2_inode *)(r->b->data + (idx % fs->inodes_per_block) * fs->inode_size);
	return 0;
}

void ext2_irelease(struct ext2_fs *fs, struct ext2_iref *r)
{
	bcache_put(fs->bc, r->b);
	r->b = NULL;
}

void ext2_idirty(struct ext2_fs *fs, struct ext2_iref *r)
{
	bcache_dirty(fs->bc, r->b);
}

static bool is_reg(const struct ext2_inode *in)
{
	return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG;
}

uint64_t ext2_isize(const struct ext2_inode *in)
{
	uint64_t s = in->i_size;

	if (is_reg(in))
		s |= (uint64_t)in->i_size_high << 32;
	return s;
}

void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
	in->i_size = (uint32_t)size;
	if (!is_reg(in))
		return;
	in->i_size_high = (uint32_t)(size >> 32);
	if (size > 0x7fffffffull && !(fs->sb->s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
		fs->sb->s_feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
		ext2_sb_dirty(fs);
	}
}

void ext2_touch(struct ext2_fs *fs, struct ext2_iref *r, unsigned which)
{
	uint32_t t = ext2_now(fs);
	struct ext2_inode *in = r->in;
	struct ext2_inode_extra *x = (struct ext2_inode_extra *)(in + 1);
	uint16_t extra = fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE ? x->i_extra_isize : 0;

	/* Large inodes may keep nanoseconds beside the seconds: zero them. */
	if (which & EXT2_T_A) {
		in->i_atime = t;
		if (extra >= 16)
			x->i_atime_extra = 0;
	}
	if (which & EXT2_T_M) {
		in->i_mtime = t;
		if (extra >= 12)
			x->i_mtime_extra = 0;
	}
	if (which & EXT2_T_C) {
		in->i_ctime = t;
		if (extra >= 8)
			x->i_ctime_extra = 0;
	}
	ext2_idirty(fs, r);
}

bool ext2_fast_symlink(const struct ext2_inode *in)
{
	uint32_t ea = in->i_file_acl ? EXT2_BLOCK_SECTORS : 0;

	return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFLNK && in->i_blocks == ea;
}

/* Does the inode's i_block hold block pointers (not a device number or a
 * fast symlink's text)? */
static bool has_blocks(const struct ext2_inode *in)
{
	uint16_t t = in->i_mode & EXT2_S_IFMT;

	return t == EXT2_S_IFREG || t == EXT2_S_IFDIR ||
	       (t == EXT2_S_IFLNK && !ext2_fast_symlink(in));
}

uint8_t ext2_mode_ftype(uint16_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:
		return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR:
		return EXT2_FT_DIR;
	case EXT2_S_IFCHR:
		return EXT2_FT_CHRDEV;
	case EXT2_S_IFBLK:
		return EXT2_FT_BLKDEV;
	case EXT2_S_IFIFO:
		return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK:
		return EXT2_FT_SOCK;
	case EXT2_S_IFLNK:
		return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

/* Drop the inode's reference to its extended-attribute block. */
static int free_xattr(struct ext2_fs *fs, struct ext2_iref *r)
{
	uint32_t blk = r->in->i_file_acl;
	struct buf *b;
	int e;

	if (!blk)
		return 0;
	r->in->i_file_acl = 0;
	ext2_add_iblocks(fs, r, -1);
	if ((e = ext2_check_block(fs, blk)) < 0)
		return e;
	if ((e = bcache_get(fs->bc, blk, &b)) < 0)
		return e;
	struct ext2_xattr_header *h = (struct ext2_xattr_header *)b->data;
	if (h->h_magic != EXT2_XATTR_MAGIC || h->h_blocks != 1 || h->h_refcount == 0) {
		bcache_put(fs->bc, b);
		return ext2_corrupt_num(fs, "bad extended-attribute block:", blk);
	}
	/* The inode lets go first; a crash in between leaves a count too high. */
	if ((e = bcache_order(fs->bc, r->b, b)) < 0) {
		bcache_put(fs->bc, b);
		return e;
	}
	if (--h->h_refcount == 0) {
		bcache_put(fs->bc, b);
		ext2_bfree(fs, blk);
		return 0;
	}
	bcache_dirty(fs->bc, b);
	bcache_put(fs->bc, b);
	return 0;
}

int ext2_delete_inode(struct ext2_fs *fs, struct ext2_iref *r)
{
	struct ext2_inode *in = r->in;
	bool dir = (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	int err = 0, e;

	in->i_links_count = 0;
	/* e2fsck takes a dtime below the inode count for an orphan-list link. */
	in->i_dtime = ext2_now(fs);
	if (in->i_dtime <= fs->inodes_count)
		in->i_dtime = fs->inodes_count + 1;
	ext2_idirty(fs, r);
	if (has_blocks(in))
		err = ext2_free_blocks_from(fs, r, 0);
	e = free_xattr(fs, r);
	err = err ? err : e;
	ext2_set_isize(fs, in, 0);
	ext2_idirty(fs, r);
	ext2_ifree(fs, r->ino, dir);
	return err;
}

/* ------------------------------------------------------------ open inodes */

bool ext2_is_open(struct ext2_fs *fs, uint32_t ino)
{
	for (unsigned i = 0; i < EXT2_OPEN_MAX; i++)
		if (fs->open[i].refs && fs->open[i].ino == ino)
			return true;
	return false;
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_iref r;
	int e;

	if ((e = ext2_ino_ok(fs, ino)) < 0 || (e = ext2_iload(fs, ino, &r)) < 0)
		return e;
	bool live = r.in->i_links_count != 0;
	ext2_irelease(fs, &r);
	if (!live)
		return -ENOENT;
	unsigned freeslot = EXT2_OPEN_MAX;
	for (unsigned i = 0; i < EXT2_OPEN_MAX; i++) {
		if (fs->open[i].refs && fs->open[i].ino == ino) {
			fs->open[i].refs++;
			return 0;
		}
		if (!fs->open[i].refs && freeslot == EXT2_OPEN_MAX)
			freeslot = i;
	}
	if (freeslot == EXT2_OPEN_MAX)
		return -ENFILE;
	fs->open[freeslot].ino = ino;
	fs->open[freeslot].refs = 1;
	return 0;
}

int ext2_iput(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_iref r;
	int e;

	for (unsigned i = 0; i < EXT2_OPEN_MAX; i++) {
		if (!fs->open[i].refs || fs->open[i].ino != ino)
			continue;
		if (--fs->open[i].refs)
			return 0;
		if (!fs->rw)
			return 0;
		if ((e = ext2_iload(fs, ino, &r)) < 0)
			return e;
		if (r.in->i_links_count == 0 && r.in->i_mode)
			e = ext2_delete_inode(fs, &r);
		ext2_irelease(fs, &r);
		return e;
	}
	return -EINVAL;
}
