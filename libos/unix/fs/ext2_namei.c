/*
 * ext2_namei.c - names: lookup, making and removing names (mknod, mkdir,
 * symlink, link, unlink, rmdir, rename) and readlink. Path walks are in
 * ext2_path.c.
 *
 * Write order (docs/unix-libos.md has the why). e2fsck -p repairs wrong
 * link counts, entries naming free inodes and bitmap or count errors by
 * itself, but stops for an inode in use that no entry reaches, a
 * directory with two entries, or a wrong "..". So:
 *   - a new inode is initialized only after the entry naming it (and the
 *     directory inode holding that entry's block) is durable: the inode's
 *     block waits for both;
 *   - an entry is removed only after its inode's block is durable: with
 *     the last link gone that is the inode marked free (links 0); with
 *     links left, the inode has waited for the entries ext2_link added;
 *   - a rename adds the new entry before it removes the old one, and
 *     within one directory block does both in one write;
 *   - moving a directory between blocks cannot avoid a state e2fsck -p
 *     refuses (named twice, or a stale ".."): written through at once.
 */
#include "ext2_int.h"

static bool is_dot(const char *n, size_t len)
{
	return len == 1 && n[0] == '.';
}

static bool is_dotdot(const char *n, size_t len)
{
	return len == 2 && n[0] == '.' && n[1] == '.';
}

static int check_name(const char *name, size_t len)
{
	if (len == 0)
		return -ENOENT;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	if (memchr(name, '/', len) || memchr(name, 0, len))
		return -EINVAL;
	return 0;
}

/* Load directory ino, in use. */
static int load_dir(struct ext2_fs *fs, uint32_t ino, struct ext2_iref *r)
{
	int e;

	if ((e = ext2_ino_ok(fs, ino)) < 0 || (e = ext2_iload(fs, ino, r)) < 0)
		return e;
	if ((r->in->i_mode & EXT2_S_IFMT) != EXT2_S_IFDIR) {
		ext2_irelease(fs, r);
		return -ENOTDIR;
	}
	if (r->in->i_links_count == 0) {
		ext2_irelease(fs, r);
		return -ENOENT;
	}
	return 0;
}

/* Load the inode a directory entry names: it must be in use. */
static int load_entry(struct ext2_fs *fs, uint32_t ino, struct ext2_iref *r)
{
	int e;

	if ((e = ext2_iload(fs, ino, r)) < 0)
		return e;
	if (r->in->i_links_count == 0 || r->in->i_mode == 0) {
		ext2_irelease(fs, r);
		return ext2_corrupt_num(fs, "directory entry names a free inode:", ino);
	}
	return 0;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
	struct ext2_iref d;
	int e;

	if ((e = check_name(name, len)) < 0 || (e = load_dir(fs, dir, &d)) < 0)
		return e;
	if (is_dot(name, len)) {
		*ino = dir;
		e = 0;
	} else if ((e = ext2_dir_find(fs, &d, name, len, ino, NULL)) == 0) {
		/* The name must lead to an inode in use, not to a free one that
		 * stat would call missing (ENOENT) and open would resurrect. */
		struct ext2_iref x;
		if ((e = load_entry(fs, *ino, &x)) == 0)
			ext2_irelease(fs, &x);
	}
	ext2_irelease(fs, &d);
	return e;
}

/*
 * Order the next change of `after` behind the entry at loc in directory
 * dir: the entry's block, and dir's inode (a new directory block is
 * reachable only once the inode pointing to it is durable).
 */
static int after_entry(struct ext2_fs *fs, struct ext2_iref *dir, struct ext2_dirloc *loc,
		       struct buf *after)
{
	int e = bcache_order(fs->bc, loc->b, after);

	return e ? e : bcache_order(fs->bc, dir->b, after);
}

/* ------------------------------------------------------------ making names */

struct newnode {
	uint16_t mode;
	uint32_t uid, gid, rdev;
	const char *target; /* symlink */
	size_t tlen;
};

static void init_inode(struct ext2_fs *fs, struct ext2_iref *r, const struct newnode *nn)
{
	struct ext2_inode *in = r->in;
	uint32_t t = ext2_now(fs);

	memset(in, 0, fs->inode_size);
	in->i_mode = nn->mode;
	in->i_uid = (uint16_t)nn->uid;
	in->i_uid_high = (uint16_t)(nn->uid >> 16);
	in->i_gid = (uint16_t)nn->gid;
	in->i_gid_high = (uint16_t)(nn->gid >> 16);
	in->i_atime = in->i_ctime = in->i_mtime = t;
	in->i_links_count = 1;
	in->i_generation = ++fs->generation;
}

static int make_node(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		     const struct newnode *nn, uint32_t *out)
{
	struct ext2_iref p, x;
	struct ext2_dirloc loc = { 0 };
	struct buf *blk = NULL; /* a directory's first block or a slow symlink's */
	uint16_t type = nn->mode & EXT2_S_IFMT;
	bool isdir = type == EXT2_S_IFDIR;
	uint32_t ino, found;
	int e;

	if ((e = ext2_need_rw(fs)) < 0 || (e = check_name(name, len)) < 0)
		return e;
	if (is_dot(name, len) || is_dotdot(name, len))
		return -EEXIST;
	if ((e = load_dir(fs, dir, &p)) < 0)
		return e;
	e = ext2_dir_find(fs, &p, name, len, &found, NULL);
	if (e != -ENOENT) {
		ext2_irelease(fs, &p);
		return e ? e : -EEXIST;
	}
	if (isdir && p.in->i_links_count >= EXT2_LINK_MAX) {
		ext2_irelease(fs, &p);
		return -EMLINK;
	}
	if ((e = ext2_ialloc(fs, dir, isdir, &ino)) < 0) {
		ext2_irelease(fs, &p);
		return e;
	}
	if ((e = ext2_iload(fs, ino, &x)) < 0)
		goto free_ino;
	if (isdir || (type == EXT2_S_IFLNK && nn->tlen >= sizeof(x.in->i_block))) {
		uint32_t goal = ext2_group_first(fs, (ino - 1) / fs->ipg);
		if ((e = ext2_new_meta_block(fs, &x, goal, &blk)) < 0)
			goto release_x;
		if (isdir)
			ext2_dir_init_block(fs, blk, ino, dir);
		else
			memcpy(blk->data, nn->target, nn->tlen);
		bcache_dirty(fs->bc, blk);
	}
	/* The entry first; the inode is written only after it (after_entry). */
	if ((e = ext2_dir_add(fs, &p, name, len, ino, ext2_mode_ftype(nn->mode), &loc)) < 0)
		goto free_blk;
	if ((e = after_entry(fs, &p, &loc, x.b)) < 0 ||
	    (blk && (e = bcache_order(fs->bc, blk, x.b)) < 0)) {
		/* The entry stays, naming a free inode: e2fsck -p drops it. */
		ext2_dirloc_put(fs, &loc);
		goto free_blk;
	}
	ext2_dirloc_put(fs, &loc);
	init_inode(fs, &x, nn);
	if (isdir) {
		x.in->i_links_count = 2;
		x.in->i_block[0] = (uint32_t)blk->block;
		x.in->i_size = EXT2_BLOCK_SIZE;
		x.in->i_blocks = EXT2_BLOCK_SECTORS;
	} else if (type == EXT2_S_IFLNK) {
		x.in->i_size = (uint32_t)nn->tlen;
		if (blk) {
			x.in->i_block[0] = (uint32_t)blk->block;
			x.in->i_blocks = EXT2_BLOCK_SECTORS;
		} else {
			memcpy(x.in->i_block, nn->target, nn->tlen);
		}
	} else if (type == EXT2_S_IFCHR || type == EXT2_S_IFBLK) {
		/* Old 16-bit encoding in i_block[0] when it fits, else the new one in [1]. */
		if (nn->rdev < 0x10000)
			x.in->i_block[0] = nn->rdev;
		else
			x.in->i_block[1] = nn->rdev;
	}
	ext2_idirty(fs, &x);
	if (isdir)
		p.in->i_links_count++;
	ext2_touch(fs, &p, EXT2_T_M | EXT2_T_C);
	if (blk)
		bcache_put(fs->bc, blk);
	ext2_irelease(fs, &x);
	ext2_irelease(fs, &p);
	*out = ino;
	return 0;

free_blk:
	if (blk) {
		ext2_bfree(fs, (uint32_t)blk->block);
		bcache_put(fs->bc, blk);
	}
release_x:
	ext2_irelease(fs, &x);
free_ino:
	ext2_ifree(fs, ino, isdir);
	ext2_irelease(fs, &p);
	return e;
}

int ext2_mknod(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
	       uint32_t uid, uint32_t gid, uint32_t rdev, uint32_t *ino)
{
	struct newnode nn = { .mode = mode, .uid = uid, .gid = gid, .rdev = rdev };
	uint16_t t = mode & EXT2_S_IFMT;

	if (t != EXT2_S_IFREG && t != EXT2_S_IFCHR && t != EXT2_S_IFBLK && t != EXT2_S_IFIFO &&
	    t != EXT2_S_IFSOCK)
		return -EINVAL;
	nn.mode = (uint16_t)(t | (mode & 07777));
	return make_node(fs, dir, name, len, &nn, ino);
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino)
{
	return ext2_mknod(fs, dir, name, len, (uint16_t)(EXT2_S_IFREG | (mode & 07777)), uid, gid,
			  0, ino);
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *ino)
{
	struct newnode nn = { .mode = (uint16_t)(EXT2_S_IFDIR | (mode & 07777)),
			      .uid = uid,
			      .gid = gid };

	return make_node(fs, dir, name, len, &nn, ino);
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, const char *target,
		 size_t tlen, uint32_t uid, uint32_t gid, uint32_t *ino)
{
	struct newnode nn = {
		.mode = EXT2_S_IFLNK | 0777, .uid = uid, .gid = gid, .target = target, .tlen = tlen
	};

	if (tlen == 0)
		return -ENOENT;
	if (tlen >= EXT2_BLOCK_SIZE)
		return -ENAMETOOLONG;
	if (memchr(target, 0, tlen))
		return -EINVAL;
	return make_node(fs, dir, name, len, &nn, ino);
}

int64_t ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t n)
{
	struct ext2_iref r;
	int e;

	if ((e = ext2_ino_ok(fs, ino)) < 0 || (e = ext2_iload(fs, ino, &r)) < 0)
		return e;
	if ((r.in->i_mode & EXT2_S_IFMT) != EXT2_S_IFLNK || !r.in->i_links_count) {
		ext2_irelease(fs, &r);
		return -EINVAL;
	}
	uint32_t size = r.in->i_size;
	if (n > size)
		n = size;
	if (ext2_fast_symlink(r.in)) {
		if (size >= sizeof(r.in->i_block)) {
			ext2_irelease(fs, &r);
			return ext2_corrupt_num(fs, "fast symlink too long: inode", ino);
		}
		memcpy(buf, r.in->i_block, n);
		ext2_irelease(fs, &r);
		return (int64_t)n;
	}
	uint32_t p;
	struct buf *b;
	if (size >= EXT2_BLOCK_SIZE)
		e = ext2_corrupt_num(fs, "symlink too long: inode", ino);
	else if ((e = ext2_bmap(fs, &r, 0, &p)) == 0 && !p)
		e = ext2_corrupt_num(fs, "symlink without its block: inode", ino);
	if (e == 0 && (e = bcache_get(fs->bc, p, &b)) == 0) {
		memcpy(buf, b->data, n);
		bcache_put(fs->bc, b);
	}
	ext2_irelease(fs, &r);
	return e < 0 ? e : (int64_t)n;
}

int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name, size_t len)
{
	struct ext2_iref p, x;
	struct ext2_dirloc loc;
	uint32_t found;
	int e;

	if ((e = ext2_need_rw(fs)) < 0 || (e = check_name(name, len)) < 0)
		return e;
	if (is_dot(name, len) || is_dotdot(name, len))
		return -EEXIST;
	if ((e = ext2_ino_ok(fs, ino)) < 0 || (e = ext2_iload(fs, ino, &x)) < 0)
		return e;
	if ((x.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR)
		e = -EPERM;
	else if (x.in->i_links_count == 0)
		e = -ENOENT;
	else if (x.in->i_links_count >= EXT2_LINK_MAX)
		e = -EMLINK;
	if (e < 0 || (e = load_dir(fs, dir, &p)) < 0) {
		ext2_irelease(fs, &x);
		return e;
	}
	e = ext2_dir_find(fs, &p, name, len, &found, NULL);
	if (e != -ENOENT) {
		e = e ? e : -EEXIST;
		goto out;
	}
	/*
	 * A count off by one e2fsck -p fixes, but the inode waits for the new
	 * entry: removing another name later waits for the inode (drop_link),
	 * so the file is never left without a durable name.
	 */
	if ((e = ext2_dir_add(fs, &p, name, len, ino, ext2_mode_ftype(x.in->i_mode), &loc)) < 0)
		goto out;
	e = after_entry(fs, &p, &loc, x.b);
	ext2_dirloc_put(fs, &loc);
	if (e < 0)
		goto out;
	x.in->i_links_count++;
	ext2_touch(fs, &x, EXT2_T_C);
	ext2_touch(fs, &p, EXT2_T_M | EXT2_T_C);
out:
	ext2_irelease(fs, &p);
	ext2_irelease(fs, &x);
	return e;
}

/* ------------------------------------------------------------ removing names */

/*
 * Drop one link of x, whose entry is about to go from entry_block. The
 * entry's removal waits for x's inode block: at zero links that is the
 * inode marked free; otherwise the inode waits in turn for the entries
 * ext2_link added, so x keeps a durable name at every step.
 */
static int drop_link(struct ext2_fs *fs, struct ext2_iref *x, struct buf *entry_block, bool isdir)
{
	if (isdir || x->in->i_links_count <= 1)
		x->in->i_links_count = 0;
	else
		x->in->i_links_count--;
	ext2_touch(fs, x, EXT2_T_C);
	return bcache_order(fs->bc, x->b, entry_block);
}

/* Free x if it has no links left and nobody holds it open. */
static int reap(struct ext2_fs *fs, struct ext2_iref *x)
{
	if (x->in->i_links_count || ext2_is_open(fs, x->ino))
		return 0;
	return ext2_delete_inode(fs, x);
}

static int remove_name(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, bool rmdir)
{
	struct ext2_iref p, x;
	struct ext2_dirloc loc;
	uint32_t ino;
	int e;

	if ((e = ext2_need_rw(fs)) < 0 || (e = check_name(name, len)) < 0)
		return e;
	if (is_dot(name, len))
		return rmdir ? -EINVAL : -EISDIR;
	if (is_dotdot(name, len))
		return rmdir ? -ENOTEMPTY : -EISDIR;
	if ((e = load_dir(fs, dir, &p)) < 0)
		return e;
	if ((e = ext2_dir_find(fs, &p, name, len, &ino, &loc)) < 0) {
		ext2_irelease(fs, &p);
		return e;
	}
	if ((e = load_entry(fs, ino, &x)) < 0)
		goto out_loc;
	bool isdir = (x.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	if (rmdir && !isdir)
		e = -ENOTDIR;
	else if (!rmdir && isdir)
		e = -EISDIR;
	else if (rmdir && ino == EXT2_ROOT_INO)
		e = -EBUSY;
	else if (rmdir)
		e = ext2_dir_empty(fs, &x);
	if (e < 0)
		goto out_x;
	if ((e = drop_link(fs, &x, loc.b, isdir)) < 0 || (e = ext2_dir_remove(fs, &p, &loc)) < 0)
		goto out_x;
	if (isdir && p.in->i_links_count > 1)
		p.in->i_links_count--;
	ext2_touch(fs, &p, EXT2_T_M | EXT2_T_C);
	e = reap(fs, &x);
out_x:
	ext2_irelease(fs, &x);
out_loc:
	ext2_dirloc_put(fs, &loc);
	ext2_irelease(fs, &p);
	return e;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len)
{
	return remove_name(fs, dir, name, len, false);
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len)
{
	return remove_name(fs, dir, name, len, true);
}

/* ------------------------------------------------------------ rename */

/* Is `anc` an ancestor of (or equal to) directory d? Walks "..". */
static int is_ancestor(struct ext2_fs *fs, uint32_t anc, uint32_t d)
{
	for (uint32_t steps = 0; steps < 65536; steps++) {
		struct ext2_iref r;
		uint32_t up;
		int e;
		if (d == anc)
			return 1;
		if (d == EXT2_ROOT_INO)
			return 0;
		if ((e = ext2_iload(fs, d, &r)) < 0)
			return e;
		e = ext2_dir_find(fs, &r, "..", 2, &up, NULL);
		ext2_irelease(fs, &r);
		if (e < 0)
			return e == -ENOENT ? ext2_corrupt_num(fs, "directory without '..':", d)
					    : e;
		if (up == d)
			return 0;
		d = up;
	}
	return ext2_corrupt(fs, "loop of '..' entries");
}

/*
 * Rename within one directory block: the entry at loc gets the new name
 * in the same block, in one modification (one write: atomic on disk).
 * Returns 1 if done, 0 if the block has no room.
 */
static int rename_in_block(struct ext2_fs *fs, struct ext2_iref *dir, struct ext2_dirloc *loc,
			   const char *name, size_t len)
{
	struct buf *b = loc->b;
	struct ext2_dirent *de = ext2_de(b, loc->off);
	uint32_t need = EXT2_DIRENT_LEN(len), ino = de->inode;
	uint8_t ft = de->file_type;
	uint32_t at = UINT32_MAX, at_used = 0;
	int e;

	if (de->rec_len >= need) {
		at = loc->off;
	} else {
		for (uint32_t off = 0; off < EXT2_BLOCK_SIZE; off = ext2_de_next(b, off)) {
			struct ext2_dirent *o = ext2_de(b, off);
			uint32_t used =
				o->inode ? EXT2_DIRENT_LEN(fs->filetype ? o->name_len
									: o->name_len |
										  o->file_type << 8)
					 : 0;
			uint32_t room = o->rec_len - used;
			if (off == loc->prev)
				room += de->rec_len; /* the old entry merges into it */
			if (off != loc->off && room >= need) {
				at = off;
				at_used = used;
				break;
			}
		}
		if (at == UINT32_MAX)
			return 0;
	}
	if ((e = ext2_dir_prepare_change(fs, dir, b)) < 0)
		return e;
	if (at == loc->off) {
		de->name_len = (uint8_t)len;
		memcpy(de->name, name, len);
	} else {
		ext2_dir_remove(fs, dir, loc);
		struct ext2_dirent *o = ext2_de(b, at);
		struct ext2_dirent *ne = o;
		if (at_used) {
			ne = ext2_de(b, at + at_used);
			ne->rec_len = (uint16_t)(o->rec_len - at_used);
			o->rec_len = (uint16_t)at_used;
		}
		ne->inode = ino;
		ne->name_len = (uint8_t)len;
		ne->file_type = ft;
		memcpy(ne->name, name, len);
	}
	bcache_dirty(fs->bc, b);
	return 1;
}

/* Point directory x's ".." at parent, after the entry naming x there. */
static int set_dotdot(struct ext2_fs *fs, struct ext2_iref *x, uint32_t parent,
		      struct ext2_iref *pdir, struct ext2_dirloc *entry)
{
	struct ext2_dirloc dd;
	uint32_t old;
	int e;

	if ((e = ext2_dir_find(fs, x, "..", 2, &old, &dd)) < 0)
		return e == -ENOENT ? ext2_corrupt_num(fs, "directory without '..':", x->ino) : e;
	if ((e = ext2_dir_prepare_change(fs, x, dd.b)) == 0 &&
	    (e = after_entry(fs, pdir, entry, dd.b)) == 0) {
		ext2_de(dd.b, dd.off)->inode = parent;
		bcache_dirty(fs->bc, dd.b);
		/* Written through: see the end of ext2_rename. */
		e = bcache_write(fs->bc, dd.b);
	}
	ext2_dirloc_put(fs, &dd);
	return e;
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
		const char *nname, size_t nlen)
{
	struct ext2_iref p1, p2, x, y = { 0 };
	struct ext2_dirloc l1 = { 0 }, l2 = { 0 };
	uint32_t xi, yi = 0;
	int e;

	if ((e = ext2_need_rw(fs)) < 0 || (e = check_name(oname, olen)) < 0 ||
	    (e = check_name(nname, nlen)) < 0)
		return e;
	if (is_dot(oname, olen) || is_dotdot(oname, olen) || is_dot(nname, nlen) ||
	    is_dotdot(nname, nlen))
		return -EINVAL;
	if ((e = load_dir(fs, odir, &p1)) < 0)
		return e;
	if ((e = load_dir(fs, ndir, &p2)) < 0) {
		ext2_irelease(fs, &p1);
		return e;
	}
	if ((e = ext2_dir_find(fs, &p1, oname, olen, &xi, &l1)) < 0)
		goto out_p;
	if ((e = load_entry(fs, xi, &x)) < 0)
		goto out_l1;
	bool xdir = (x.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	e = ext2_dir_find(fs, &p2, nname, nlen, &yi, &l2);
	if (e == -ENOENT) {
		yi = 0;
	} else if (e < 0) {
		goto out_x;
	} else {
		ext2_dirloc_put(fs, &l2);
		if (yi == xi) {
			e = 0; /* two names of one file: nothing to do */
			goto out_x;
		}
		if ((e = load_entry(fs, yi, &y)) < 0)
			goto out_x;
		bool ydir = (y.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
		if (xdir && !ydir)
			e = -ENOTDIR;
		else if (!xdir && ydir)
			e = -EISDIR;
		else if (ydir)
			e = ext2_dir_empty(fs, &y);
		if (e < 0)
			goto out_y;
	}
	if (xdir && odir != ndir) {
		if ((e = is_ancestor(fs, xi, ndir)) != 0) {
			e = e > 0 ? -EINVAL : e;
			goto out_y;
		}
		if (!yi && p2.in->i_links_count >= EXT2_LINK_MAX) {
			e = -EMLINK;
			goto out_y;
		}
	}

	/* One directory, no target: try renaming inside the entry's block. */
	if (odir == ndir && !yi) {
		if ((e = rename_in_block(fs, &p1, &l1, nname, nlen)) < 0)
			goto out_y;
		if (e == 1) {
			e = 0;
			ext2_touch(fs, &x, EXT2_T_C);
			ext2_touch(fs, &p1, EXT2_T_M | EXT2_T_C);
			goto out_y;
		}
	}

	/* The new entry, replacing the target's (which lets go of it first). */
	if (yi) {
		bool ydir = (y.in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
		if ((e = ext2_dir_find(fs, &p2, nname, nlen, &yi, &l2)) < 0)
			goto out_y;
		if ((e = drop_link(fs, &y, l2.b, ydir)) < 0 ||
		    (e = ext2_dir_prepare_change(fs, &p2, l2.b)) < 0)
			goto out_y;
		struct ext2_dirent *de = ext2_de(l2.b, l2.off);
		de->inode = xi;
		if (fs->filetype)
			de->file_type = ext2_mode_ftype(x.in->i_mode);
		bcache_dirty(fs->bc, l2.b);
		if (ydir && p2.in->i_links_count > 1)
			p2.in->i_links_count--;
	} else if ((e = ext2_dir_add(fs, &p2, nname, nlen, xi, ext2_mode_ftype(x.in->i_mode),
				     &l2)) < 0) {
		goto out_y;
	}
	/* A moved directory's "..". */
	if (xdir && odir != ndir && (e = set_dotdot(fs, &x, ndir, &p2, &l2)) < 0)
		goto out_l2;
	/* The old entry goes last; the entry block may have changed: find it again. */
	ext2_dirloc_put(fs, &l1);
	uint32_t again;
	if ((e = ext2_dir_find(fs, &p1, oname, olen, &again, &l1)) < 0)
		goto out_l2;
	if (again != xi) {
		e = ext2_corrupt(fs, "rename: the old entry changed");
		goto out_l2;
	}
	if ((e = after_entry(fs, &p2, &l2, l1.b)) < 0 || (e = ext2_dir_remove(fs, &p1, &l1)) < 0)
		goto out_l2;
	/*
	 * A directory moved by two entry writes (two parents, or two blocks of
	 * one) is on the disk twice, or with a stale "..", until the last of
	 * them: states e2fsck -p cannot repair alone, and no order of writes
	 * avoids them on ext2. Keep that window to this call: write through.
	 */
	if (xdir && (odir != ndir || l1.b != l2.b) && (e = bcache_write(fs->bc, l1.b)) == 0)
		e = bcache_flush(fs->bc);
	if (e < 0)
		goto out_l2;
	/* A moved directory's ".." leaves odir for ndir (a replaced one's went above). */
	if (xdir && odir != ndir) {
		if (p1.in->i_links_count > 1)
			p1.in->i_links_count--;
		p2.in->i_links_count++;
	}
	ext2_touch(fs, &x, EXT2_T_C);
	ext2_touch(fs, &p1, EXT2_T_M | EXT2_T_C);
	ext2_touch(fs, &p2, EXT2_T_M | EXT2_T_C);
	if (yi)
		e = reap(fs, &y);
out_l2:
	ext2_dirloc_put(fs, &l2);
out_y:
	if (y.b)
		ext2_irelease(fs, &y);
out_x:
	ext2_irelease(fs, &x);
out_l1:
	if (l1.b)
		ext2_dirloc_put(fs, &l1);
out_p:
	ext2_irelease(fs, &p2);
	ext2_irelease(fs, &p1);
	return e;
}
