/*
 * ext2_file.c - file contents and attributes: read, write, truncate,
 * stat, setattr, fsync.
 *
 * Write order (docs/unix-libos.md): a new data block is filled in the
 * cache before the pointer to it is set, and the pointer's block waits for
 * the file's data (bcache_order_data): after a crash a file never shows
 * another file's old data. A truncate frees blocks before it lowers
 * i_size, so every state on the way is a valid (sparse) file. Reads do not
 * update atime.
 */
#include "ext2_int.h"

/* ------------------------------------------------------------ file data */

/* Load ino for the file calls: a valid number and an inode in use. */
static int load_live(struct ext2_fs *fs, uint32_t ino, struct ext2_iref *r)
{
	int e;

	if ((e = ext2_ino_ok(fs, ino)) < 0 || (e = ext2_iload(fs, ino, r)) < 0)
		return e;
	if (r->in->i_links_count == 0 && !ext2_is_open(fs, ino)) {
		ext2_irelease(fs, r);
		return -ENOENT;
	}
	return 0;
}

int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t n)
{
	struct ext2_iref r;
	int e;

	if ((e = load_live(fs, ino, &r)) < 0)
		return e;
	uint16_t t = r.in->i_mode & EXT2_S_IFMT;
	if (t == EXT2_S_IFDIR || (t != EXT2_S_IFREG && t != EXT2_S_IFLNK)) {
		ext2_irelease(fs, &r);
		return t == EXT2_S_IFDIR ? -EISDIR : -EINVAL;
	}
	if (t == EXT2_S_IFLNK) {
		ext2_irelease(fs, &r);
		return -EINVAL; /* ext2_readlink */
	}
	uint64_t size = ext2_isize(r.in);
	if (off >= size) {
		ext2_irelease(fs, &r);
		return 0;
	}
	if (n > size - off)
		n = (size_t)(size - off);
	size_t done = 0;
	while (done < n) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos % EXT2_BLOCK_SIZE);
		size_t chunk = EXT2_BLOCK_SIZE - boff;
		uint32_t p;
		if (chunk > n - done)
			chunk = n - done;
		if ((e = ext2_bmap(fs, &r, (uint32_t)(pos / EXT2_BLOCK_SIZE), &p)) < 0)
			break;
		if (!p) {
			memset((uint8_t *)buf + done, 0, chunk);
		} else {
			struct buf *db;
			if ((e = bcache_get(fs->bc, p, &db)) < 0)
				break;
			memcpy((uint8_t *)buf + done, db->data + boff, chunk);
			bcache_put(fs->bc, db);
		}
		done += chunk;
	}
	ext2_irelease(fs, &r);
	return done ? (int64_t)done : e;
}

/* Write chunk bytes at byte boff of logical block lblk of file r. */
static int write_block(struct ext2_fs *fs, struct ext2_iref *r, uint32_t lblk, uint32_t boff,
		       const uint8_t *src, size_t chunk)
{
	struct ext2_slot s;
	struct buf *db;
	int e;

	if ((e = ext2_bmap_slot(fs, r, lblk, &s)) < 0)
		return e;
	if (*s.slot == 0) {
		uint32_t nb;
		if ((e = ext2_balloc(fs, s.goal, &nb)) < 0)
			goto out;
		if ((e = bcache_get_new(fs->bc, nb, &db)) < 0) {
			ext2_bfree(fs, nb);
			goto out;
		}
		bcache_set_owner(fs->bc, db, r->ino, true);
		memcpy(db->data + boff, src, chunk);
		bcache_dirty(fs->bc, db);
		bcache_put(fs->bc, db);
		/* Data before the pointer to it. */
		if ((e = bcache_order_data(fs->bc, r->ino, s.holder)) < 0) {
			ext2_bfree(fs, nb);
			goto out;
		}
		*s.slot = nb;
		bcache_dirty(fs->bc, s.holder);
		ext2_add_iblocks(fs, r, 1);
	} else {
		if ((e = ext2_check_block(fs, *s.slot)) < 0)
			goto out;
		if (chunk == EXT2_BLOCK_SIZE)
			e = bcache_get_new(fs->bc, *s.slot, &db);
		else
			e = bcache_get(fs->bc, *s.slot, &db);
		if (e < 0)
			goto out;
		bcache_set_owner(fs->bc, db, r->ino, true);
		memcpy(db->data + boff, src, chunk);
		bcache_dirty(fs->bc, db);
		bcache_put(fs->bc, db);
	}
out:
	ext2_slot_put(fs, r, &s);
	return e;
}

int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, size_t n)
{
	struct ext2_iref r;
	int e;

	if ((e = ext2_need_rw(fs)) < 0 || (e = load_live(fs, ino, &r)) < 0)
		return e;
	uint16_t t = r.in->i_mode & EXT2_S_IFMT;
	if (t != EXT2_S_IFREG) {
		ext2_irelease(fs, &r);
		return t == EXT2_S_IFDIR ? -EISDIR : -EINVAL;
	}
	if (off >= fs->max_size || n > fs->max_size - off) {
		ext2_irelease(fs, &r);
		return -EFBIG;
	}
	size_t done = 0;
	e = 0;
	while (done < n) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos % EXT2_BLOCK_SIZE);
		size_t chunk = EXT2_BLOCK_SIZE - boff;
		if (chunk > n - done)
			chunk = n - done;
		if ((e = write_block(fs, &r, (uint32_t)(pos / EXT2_BLOCK_SIZE), boff,
				     (const uint8_t *)buf + done, chunk)) < 0)
			break;
		done += chunk;
	}
	if (done) {
		if (off + done > ext2_isize(r.in))
			ext2_set_isize(fs, r.in, off + done);
		ext2_touch(fs, &r, EXT2_T_M | EXT2_T_C);
	}
	ext2_irelease(fs, &r);
	return done ? (int64_t)done : e;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	struct ext2_iref r;
	int e;

	if ((e = ext2_need_rw(fs)) < 0 || (e = load_live(fs, ino, &r)) < 0)
		return e;
	uint16_t t = r.in->i_mode & EXT2_S_IFMT;
	if (t != EXT2_S_IFREG) {
		ext2_irelease(fs, &r);
		return t == EXT2_S_IFDIR ? -EISDIR : -EINVAL;
	}
	if (size > fs->max_size) {
		ext2_irelease(fs, &r);
		return -EFBIG;
	}
	uint64_t old = ext2_isize(r.in);
	e = 0;
	if (size < old) {
		/* Blocks first, then the size: every state between is a valid file. */
		uint64_t keep = (size + EXT2_BLOCK_SIZE - 1) / EXT2_BLOCK_SIZE;
		e = ext2_free_blocks_from(fs, &r, keep > UINT32_MAX ? UINT32_MAX : (uint32_t)keep);
		if (size % EXT2_BLOCK_SIZE) {
			/* Zero the tail of the last block: growing again must read zeros. */
			uint32_t p;
			struct buf *db;
			int e2 = ext2_bmap(fs, &r, (uint32_t)(size / EXT2_BLOCK_SIZE), &p);
			if (e2 == 0 && p && (e2 = bcache_get(fs->bc, p, &db)) == 0) {
				uint32_t from = (uint32_t)(size % EXT2_BLOCK_SIZE);
				bcache_set_owner(fs->bc, db, r.ino, true);
				memset(db->data + from, 0, EXT2_BLOCK_SIZE - from);
				bcache_dirty(fs->bc, db);
				bcache_put(fs->bc, db);
			}
			e = e ? e : e2;
		}
	}
	if (size != old)
		ext2_set_isize(fs, r.in, size);
	ext2_touch(fs, &r, EXT2_T_M | EXT2_T_C);
	ext2_irelease(fs, &r);
	return e;
}

/* ------------------------------------------------------------ attributes */

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
	struct ext2_iref r;
	int e;

	if ((e = load_live(fs, ino, &r)) < 0)
		return e;
	struct ext2_inode *in = r.in;
	memset(st, 0, sizeof(*st));
	st->ino = ino;
	st->mode = in->i_mode;
	st->nlink = in->i_links_count;
	st->uid = in->i_uid | (uint32_t)in->i_uid_high << 16;
	st->gid = in->i_gid | (uint32_t)in->i_gid_high << 16;
	st->size = ext2_isize(in);
	st->blocks = in->i_blocks;
	st->atime = in->i_atime;
	st->mtime = in->i_mtime;
	st->ctime = in->i_ctime;
	st->flags = in->i_flags;
	uint16_t t = in->i_mode & EXT2_S_IFMT;
	if (t == EXT2_S_IFCHR || t == EXT2_S_IFBLK)
		st->rdev = in->i_block[0] ? in->i_block[0] : in->i_block[1];
	ext2_irelease(fs, &r);
	return 0;
}

int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_setattr *a)
{
	struct ext2_iref r;
	int e;

	if ((e = ext2_need_rw(fs)) < 0 || (e = load_live(fs, ino, &r)) < 0)
		return e;
	struct ext2_inode *in = r.in;
	if (a->valid & EXT2_SET_MODE)
		in->i_mode = (uint16_t)((in->i_mode & EXT2_S_IFMT) | (a->mode & 07777));
	if (a->valid & EXT2_SET_UID) {
		in->i_uid = (uint16_t)a->uid;
		in->i_uid_high = (uint16_t)(a->uid >> 16);
	}
	if (a->valid & EXT2_SET_GID) {
		in->i_gid = (uint16_t)a->gid;
		in->i_gid_high = (uint16_t)(a->gid >> 16);
	}
	ext2_touch(fs, &r, EXT2_T_C);
	struct ext2_inode_extra *x = (struct ext2_inode_extra *)(in + 1);
	uint16_t extra = fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE ? x->i_extra_isize : 0;
	if (a->valid & EXT2_SET_ATIME) {
		in->i_atime = a->atime;
		if (extra >= 16)
			x->i_atime_extra = 0;
	}
	if (a->valid & EXT2_SET_MTIME) {
		in->i_mtime = a->mtime;
		if (extra >= 12)
			x->i_mtime_extra = 0;
	}
	ext2_idirty(fs, &r);
	ext2_irelease(fs, &r);
	return 0;
}

int ext2_fsync(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_iref r;
	int e;

	if ((e = ext2_ino_ok(fs, ino)) < 0)
		return e;
	if (!fs->rw)
		return 0;
	if ((e = ext2_iload(fs, ino, &r)) < 0)
		return e;
	/* The inode's block pulls in what it depends on: its data, its entry. */
	e = bcache_write(fs->bc, r.b);
	ext2_irelease(fs, &r);
	if (e < 0)
		return e;
	return bcache_sync_owner(fs->bc, ino);
}
