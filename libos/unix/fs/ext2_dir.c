/*
 * ext2_dir.c - directories: blocks of variable-length entries (inode,
 * rec_len, name_len, file_type, name), each block wholly covered by its
 * entries; an unused entry has inode 0. Block 0 begins with "." and "..".
 *
 * Every block is checked (ext2_dirblock_check) before its entries are
 * believed: rec_len a multiple of 4, at least the entry's size, inside
 * the block, entries covering it exactly; inode numbers in range and not
 * reserved. A bad block is -EIO and is never modified. A block passes
 * the check again after every change (bcache_dirty forgets the mark), so
 * a block a damaged image also maps into a file cannot slip through.
 *
 * Hash-indexed directories (dir_index, EXT2_INDEX_FL) keep their index in
 * blocks that read as empty entries, so a linear scan sees every name.
 * This code reads them linearly and does not maintain the index: before
 * its first change to such a directory it clears EXT2_INDEX_FL and writes
 * the inode (with a flush), so the disk never shows a changed block under
 * a stale index. Source: Poirier, "The Second Extended File System", 4.4
 * (linked directories) and 4.5 (indexed directories).
 */
#include "ext2_int.h"

int ext2_dirblock_check(struct ext2_fs *fs, struct buf *b, uint32_t dir)
{
	uint32_t off = 0;

	if (b->flags & BUF_USER0)
		return 0;
	while (off < EXT2_BLOCK_SIZE) {
		if (EXT2_BLOCK_SIZE - off < EXT2_DIRENT_HDR)
			return ext2_corrupt_num(fs, "directory entry crosses the block end: dir",
						dir);
		struct ext2_dirent *de = ext2_de(b, off);
		uint32_t rec = de->rec_len;
		uint32_t nl =
			fs->filetype ? de->name_len : de->name_len | (uint32_t)de->file_type << 8;
		if (rec < EXT2_DIRENT_HDR || rec % 4 || rec > EXT2_BLOCK_SIZE - off)
			return ext2_corrupt_num(fs, "directory entry with a bad rec_len: dir", dir);
		if (de->inode) {
			if (nl == 0 || nl > EXT2_NAME_LEN || EXT2_DIRENT_LEN(nl) > rec)
				return ext2_corrupt_num(
					fs, "directory entry with a bad name length: dir", dir);
			if (de->inode > fs->inodes_count ||
			    (de->inode < fs->first_ino && de->inode != EXT2_ROOT_INO))
				return ext2_corrupt_num(
					fs, "directory entry names a bad inode: dir", dir);
		}
		off += rec;
	}
	b->flags |= BUF_USER0;
	return 0;
}

/* Blocks in directory dir; its size must be whole blocks. */
static int dir_blocks(struct ext2_fs *fs, struct ext2_iref *dir, uint32_t *n)
{
	uint32_t size = dir->in->i_size;

	if ((dir->in->i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return -ENOTDIR;
	if (size % EXT2_BLOCK_SIZE || size == 0)
		return ext2_corrupt_num(fs, "directory size not whole blocks: dir", dir->ino);
	*n = size / EXT2_BLOCK_SIZE;
	return 0;
}

/* Pin and check block lblk of directory dir. */
static int dir_block(struct ext2_fs *fs, struct ext2_iref *dir, uint32_t lblk, struct buf **b)
{
	uint32_t p;
	int e;

	if ((e = ext2_bmap(fs, dir, lblk, &p)) < 0)
		return e;
	if (!p)
		return ext2_corrupt_num(fs, "hole in directory", dir->ino);
	if ((e = bcache_get(fs->bc, p, b)) < 0)
		return e;
	if ((e = ext2_dirblock_check(fs, *b, dir->ino)) < 0) {
		bcache_put(fs->bc, *b);
		return e;
	}
	bcache_set_owner(fs->bc, *b, dir->ino, false); /* for ext2_fsync */
	return 0;
}

static uint32_t name_len(struct ext2_fs *fs, const struct ext2_dirent *de)
{
	return fs->filetype ? de->name_len : de->name_len | (uint32_t)de->file_type << 8;
}

static void set_name(struct ext2_fs *fs, struct ext2_dirent *de, const char *name, size_t len,
		     uint8_t ftype)
{
	de->name_len = (uint8_t)len;
	de->file_type = fs->filetype ? ftype : 0;
	memcpy(de->name, name, len);
}

int ext2_dir_find(struct ext2_fs *fs, struct ext2_iref *dir, const char *name, size_t len,
		  uint32_t *ino, struct ext2_dirloc *loc)
{
	uint32_t n = 0;
	int e;

	if ((e = dir_blocks(fs, dir, &n)) < 0)
		return e;
	for (uint32_t lblk = 0; lblk < n; lblk++) {
		struct buf *b;
		if ((e = dir_block(fs, dir, lblk, &b)) < 0)
			return e;
		uint32_t prev = UINT32_MAX;
		for (uint32_t off = 0; off < EXT2_BLOCK_SIZE; off = ext2_de_next(b, off)) {
			struct ext2_dirent *de = ext2_de(b, off);
			if (de->inode && name_len(fs, de) == len &&
			    memcmp(de->name, name, len) == 0) {
				*ino = de->inode;
				if (loc) {
					loc->b = b;
					loc->lblk = lblk;
					loc->off = off;
					loc->prev = prev;
				} else {
					bcache_put(fs->bc, b);
				}
				return 0;
			}
			prev = off;
		}
		bcache_put(fs->bc, b);
	}
	return -ENOENT;
}

/*
 * Before the first change to an indexed directory: drop the index flag
 * and make that durable, so no state on disk has a changed block under
 * the old index.
 */
int ext2_dir_prepare_change(struct ext2_fs *fs, struct ext2_iref *dir, struct buf *b)
{
	int e;

	(void)b;
	if (!(dir->in->i_flags & EXT2_INDEX_FL))
		return 0;
	dir->in->i_flags &= ~EXT2_INDEX_FL;
	ext2_idirty(fs, dir);
	if ((e = bcache_write(fs->bc, dir->b)) < 0)
		return e;
	return bcache_flush(fs->bc);
}

int ext2_dir_add(struct ext2_fs *fs, struct ext2_iref *dir, const char *name, size_t len,
		 uint32_t ino, uint8_t ftype, struct ext2_dirloc *loc)
{
	uint32_t need = EXT2_DIRENT_LEN(len), n = 0, last = 0;
	int e;

	if ((e = dir_blocks(fs, dir, &n)) < 0)
		return e;
	for (uint32_t lblk = 0; lblk < n; lblk++) {
		struct buf *b;
		if ((e = dir_block(fs, dir, lblk, &b)) < 0)
			return e;
		last = (uint32_t)b->block;
		for (uint32_t off = 0; off < EXT2_BLOCK_SIZE; off = ext2_de_next(b, off)) {
			struct ext2_dirent *de = ext2_de(b, off);
			uint32_t used = de->inode ? EXT2_DIRENT_LEN(name_len(fs, de)) : 0;
			if (de->rec_len - used < need)
				continue;
			if ((e = ext2_dir_prepare_change(fs, dir, b)) < 0) {
				bcache_put(fs->bc, b);
				return e;
			}
			if (used) {
				/* Split: the new entry takes the slack after this one. */
				struct ext2_dirent *ne = ext2_de(b, off + used);
				ne->rec_len = (uint16_t)(de->rec_len - used);
				de->rec_len = (uint16_t)used;
				de = ne;
				off += used;
			}
			de->inode = ino;
			set_name(fs, de, name, len, ftype);
			bcache_dirty(fs->bc, b);
			loc->b = b;
			loc->lblk = lblk;
			loc->off = off;
			loc->prev = UINT32_MAX;
			return 0;
		}
		bcache_put(fs->bc, b);
	}

	/* No room: a new block, initialized before the directory points at it. */
	if ((uint64_t)(n + 1) * EXT2_BLOCK_SIZE > 0xffffffffull)
		return -ENOSPC;
	if ((e = ext2_dir_prepare_change(fs, dir, NULL)) < 0)
		return e;
	struct buf *nb;
	if ((e = ext2_new_meta_block(fs, dir, last ? last + 1 : 0, &nb)) < 0)
		return e;
	struct ext2_dirent *de = ext2_de(nb, 0);
	de->inode = ino;
	de->rec_len = EXT2_BLOCK_SIZE;
	set_name(fs, de, name, len, ftype);
	bcache_dirty(fs->bc, nb);
	if ((e = ext2_attach_block(fs, dir, n, nb)) < 0) {
		ext2_bfree(fs, (uint32_t)nb->block);
		bcache_put(fs->bc, nb);
		return e;
	}
	ext2_set_isize(fs, dir->in, (uint64_t)(n + 1) * EXT2_BLOCK_SIZE);
	ext2_idirty(fs, dir);
	loc->b = nb;
	loc->lblk = n;
	loc->off = 0;
	loc->prev = UINT32_MAX;
	return 0;
}

int ext2_dir_remove(struct ext2_fs *fs, struct ext2_iref *dir, struct ext2_dirloc *loc)
{
	int e;

	if ((e = ext2_dir_prepare_change(fs, dir, loc->b)) < 0)
		return e;
	struct ext2_dirent *de = ext2_de(loc->b, loc->off);
	if (loc->prev == UINT32_MAX) {
		de->inode = 0;
	} else {
		struct ext2_dirent *pe = ext2_de(loc->b, loc->prev);
		pe->rec_len = (uint16_t)(pe->rec_len + de->rec_len);
	}
	bcache_dirty(fs->bc, loc->b);
	return 0;
}

int ext2_dir_empty(struct ext2_fs *fs, struct ext2_iref *dir)
{
	uint32_t n = 0;
	int e;

	if ((e = dir_blocks(fs, dir, &n)) < 0)
		return e;
	for (uint32_t lblk = 0; lblk < n; lblk++) {
		struct buf *b;
		if ((e = dir_block(fs, dir, lblk, &b)) < 0)
			return e;
		for (uint32_t off = 0; off < EXT2_BLOCK_SIZE; off = ext2_de_next(b, off)) {
			struct ext2_dirent *de = ext2_de(b, off);
			uint32_t nl = name_len(fs, de);
			if (!de->inode || (nl == 1 && de->name[0] == '.') ||
			    (nl == 2 && de->name[0] == '.' && de->name[1] == '.'))
				continue;
			bcache_put(fs->bc, b);
			return -ENOTEMPTY;
		}
		bcache_put(fs->bc, b);
	}
	return 0;
}

int ext2_dir_init_block(struct ext2_fs *fs, struct buf *b, uint32_t self, uint32_t parent)
{
	struct ext2_dirent *dot = ext2_de(b, 0);
	dot->inode = self;
	dot->rec_len = 12;
	set_name(fs, dot, ".", 1, EXT2_FT_DIR);
	struct ext2_dirent *dotdot = ext2_de(b, 12);
	dotdot->inode = parent;
	dotdot->rec_len = EXT2_BLOCK_SIZE - 12;
	set_name(fs, dotdot, "..", 2, EXT2_FT_DIR);
	return 0;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t ino, uint64_t *pos, struct ext2_dirent_info *out)
{
	struct ext2_iref dir;
	uint32_t n = 0;
	int e;

	if ((e = ext2_ino_ok(fs, ino)) < 0 || (e = ext2_iload(fs, ino, &dir)) < 0)
		return e;
	if (dir.in->i_links_count == 0) {
		/* Removed (a process may still have it as its directory): empty. */
		bool isdir = (dir.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
		ext2_irelease(fs, &dir);
		return isdir ? 0 : -ENOENT;
	}
	if ((e = dir_blocks(fs, &dir, &n)) < 0) {
		ext2_irelease(fs, &dir);
		return e;
	}
	uint64_t lblk = *pos / EXT2_BLOCK_SIZE;
	uint32_t from = (uint32_t)(*pos % EXT2_BLOCK_SIZE);
	for (; lblk < n; lblk++, from = 0) {
		struct buf *b;
		if ((e = dir_block(fs, &dir, (uint32_t)lblk, &b)) < 0)
			break;
		/* Walk from the block start: a stale position lands on the next entry. */
		for (uint32_t off = 0; off < EXT2_BLOCK_SIZE; off = ext2_de_next(b, off)) {
			struct ext2_dirent *de = ext2_de(b, off);
			if (off < from || !de->inode)
				continue;
			uint32_t nl = name_len(fs, de);
			out->ino = de->inode;
			out->name_len = (uint8_t)nl;
			memcpy(out->name, de->name, nl);
			out->name[nl] = 0;
			out->type = fs->filetype ? de->file_type : EXT2_FT_UNKNOWN;
			*pos = lblk * EXT2_BLOCK_SIZE + off + de->rec_len;
			bcache_put(fs->bc, b);
			ext2_irelease(fs, &dir);
			if (out->type == EXT2_FT_UNKNOWN) {
				struct ext2_iref r;
				if (ext2_iload(fs, out->ino, &r) == 0) {
					out->type = ext2_mode_ftype(r.in->i_mode);
					ext2_irelease(fs, &r);
				}
			}
			return 1;
		}
		bcache_put(fs->bc, b);
	}
	ext2_irelease(fs, &dir);
	if (e < 0)
		return e;
	*pos = (uint64_t)n * EXT2_BLOCK_SIZE;
	return 0;
}
