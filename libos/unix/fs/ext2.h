/*
 * ext2.h - the ext2 file system of the UNIX library OS: a hardware-free
 * core over a buffer cache (bcache.h) over a block device (blockdev.h).
 *
 * Layers, bottom up: ext2_super.c (mount, geometry, group descriptors,
 * sync), ext2_alloc.c (block and inode bitmaps), ext2_inode.c (inodes,
 * deletion, open inodes), ext2_bmap.c (the block map), ext2_file.c
 * (read, write, truncate, attributes), ext2_dir.c (directory blocks),
 * ext2_namei.c (create, link, unlink, rename), ext2_path.c (path walks).
 * What is supported and the crash-ordering rules: docs/unix-libos.md.
 *
 * Files are named by inode number; the caller (the libOS's file table)
 * keeps them. Every function returns 0 (or a count) on success and a
 * negative errno on failure: -EIO means the image is damaged at that place
 * (fs->error says how) or the device failed; -EROFS that the file system
 * is mounted read-only. Nothing here checks permissions: the caller does,
 * from ext2_stat's mode, uid and gid. One thread at a time per file system.
 *
 * Source for the layout: Dave Poirier, "The Second Extended File System:
 * Internal Layout"; e2fsprogs' lib/ext2fs/ext2_fs.h for the features.
 */
#ifndef UNIX_FS_EXT2_H
#define UNIX_FS_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bcache.h"
#include "ext2_disk.h"

#define EXT2_PATH_MAX	 4096 /* bytes in a path, with its NUL */
#define EXT2_SYMLOOP_MAX 40   /* symbolic links followed in one path walk */
#define EXT2_OPEN_MAX	 256  /* distinct inodes held open (ext2_iget) */
#define EXT2_PEND_MAX	 128  /* frees waiting for the next sync */

struct ext2_config {
	bool read_only;		    /* never write the device */
	bool clean_only;	    /* read-write only if it was cleanly unmounted */
	uint32_t (*now)(void *ctx); /* seconds since 1970 (NULL: 0) */
	void *ctx;
};

/*
 * A mounted file system. The caller provides the memory (it may be static)
 * and must not touch the fields.
 */
struct ext2_fs {
	struct bcache *bc;
	struct buf *sbuf;      /* block 0, pinned while mounted */
	struct ext2_super *sb; /* inside sbuf */
	struct ext2_config cfg;
	/* Geometry, validated at mount. */
	uint32_t blocks_count, inodes_count;
	uint32_t bpg, ipg, ngroups;
	uint32_t inode_size, inodes_per_block, itable_blocks;
	uint32_t first_ino;
	uint32_t gdt_blocks, rsv_gdt_blocks;
	uint64_t max_size; /* largest regular file, bytes */
	bool rw;	   /* mounted read-write */
	bool filetype;	   /* directory entries carry a file type */
	bool sparse_super;
	uint16_t state_at_mount;
	uint32_t generation;
	/* Frees that wait until the change that caused them is durable. */
	struct {
		uint32_t start, count;
	} pend_blocks[EXT2_PEND_MAX];
	unsigned npend_blocks;
	uint32_t pend_block_total;
	uint32_t pend_inodes[EXT2_PEND_MAX];
	unsigned npend_inodes;
	/* Indirect blocks let go of (parents before children): made data
	 * blocks again (blockdev retype) when the frees are released. */
	uint32_t pend_meta[EXT2_PEND_MAX];
	unsigned npend_meta;
	/* Inodes held open: freed at the last ext2_iput once unlinked. */
	struct {
		uint32_t ino, refs;
	} open[EXT2_OPEN_MAX];
	/* Why the last call failed with -EIO/-EINVAL/-EROFS, for people. */
	const char *error;
	char msg[96];
	char path[EXT2_PATH_MAX]; /* scratch for path walks */
};

/*
 * Mount the ext2 image on c's device. Reads and checks the superblock and
 * every group descriptor: magic 0xEF53, revision 0 or 1, 4 KiB blocks,
 * a geometry that fits the device (counts, blocks and inodes per group,
 * inode size, every bitmap and inode table inside its group and apart),
 * a directory as root. Incompatible features other than filetype refuse
 * the image; read-only-compatible features other than sparse_super and
 * large_file mount it read-only (fs->rw false). Read-write, it marks the
 * superblock "not clean" and flushes before anything else is written.
 * Returns 0; -EINVAL for an image it refuses (*why, if given, says why:
 * a static string or fs->msg), -EIO/-ENOMEM from the cache. Nothing is
 * written to a refused image.
 */
int ext2_mount(struct ext2_fs *fs, struct bcache *c, const struct ext2_config *cfg,
	       const char **why);

/*
 * Sync (ext2_sync) and, read-write, mark the superblock clean again if it
 * was clean at mount and no damage was found. Unpins block 0; the caller
 * then destroys the cache. Inodes still held open and unlinked are freed
 * first. Returns 0 or the first error (the file system then stays "not
 * clean" on disk).
 */
int ext2_unmount(struct ext2_fs *fs);

/*
 * Make every change durable: write the cache back in dependency order
 * with flushes, release the frees that waited for it, write again.
 * Returns 0 or a device error.
 */
int ext2_sync(struct ext2_fs *fs);

/*
 * Make inode ino's data, its block map, its inode and what that depends on
 * (its directory entry, for a new file) durable, then flush. Returns 0,
 * -EINVAL (bad ino) or a device error.
 */
int ext2_fsync(struct ext2_fs *fs, uint32_t ino);

struct ext2_stat {
	uint32_t ino;
	uint16_t mode; /* type and permission bits, EXT2_S_IF* */
	uint16_t nlink;
	uint32_t uid, gid;
	uint64_t size;		      /* bytes */
	uint64_t blocks;	      /* 512-byte sectors in use, metadata included */
	uint32_t atime, mtime, ctime; /* seconds since 1970 */
	uint32_t rdev;		      /* device number (Linux encoding) of a device file */
	uint32_t flags;		      /* i_flags */
};

/* Fill *st for inode ino. Returns 0, -EINVAL (bad ino), -ENOENT (inode
 * not in use), -EIO. */
int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);

#define EXT2_SET_MODE  0x1 /* permission bits (07777) from mode */
#define EXT2_SET_UID   0x2
#define EXT2_SET_GID   0x4
#define EXT2_SET_ATIME 0x8
#define EXT2_SET_MTIME 0x10
struct ext2_setattr {
	unsigned valid; /* EXT2_SET_* */
	uint16_t mode;
	uint32_t uid, gid;
	uint32_t atime, mtime;
};

/* chmod/chown/utime: change what `valid` names; ctime becomes now.
 * Returns 0, -EINVAL, -ENOENT, -EROFS, -EIO. */
int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_setattr *a);

struct ext2_statvfs {
	uint32_t bsize;	       /* bytes per block */
	uint64_t blocks;       /* in blocks */
	uint64_t bfree;	       /* free blocks */
	uint64_t bavail;       /* free blocks minus the reserved ones */
	uint64_t files, ffree; /* inodes */
	uint32_t namemax;
	bool read_only;
};

/* File-system counts (statvfs). Returns 0. */
int ext2_statvfs(struct ext2_fs *fs, struct ext2_statvfs *st);

/*
 * Read up to n bytes of regular file or symlink ino from byte off into
 * buf; holes read as zeros. Returns the bytes read (0 at or past the end),
 * -EINVAL, -EISDIR (a directory), -ENOENT, -EIO.
 */
int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t n);

/*
 * Write n bytes from buf to regular file ino at byte off, allocating
 * blocks (and indirect blocks) near the previous ones; a write past the
 * end leaves a hole. Updates size, mtime and ctime. Returns the bytes
 * written - fewer than n if the disk filled up after some were written -
 * or -EINVAL, -EISDIR, -EFBIG (off + n beyond the largest file), -ENOSPC,
 * -EROFS, -EIO.
 */
int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, size_t n);

/*
 * Set regular file ino's size to `size` bytes: shrinking frees the blocks
 * past the end (indirect blocks included) and zeroes the tail of the last
 * block; growing leaves a hole. Returns 0, -EINVAL, -EISDIR, -EFBIG,
 * -EROFS, -EIO.
 */
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/*
 * Look name (len bytes, no '/') up in directory dir. *ino gets the inode.
 * "." and ".." work. Returns 0, -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EIO (also
 * when the entry names a free inode: links 0 or mode 0).
 */
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);

struct ext2_dirent_info {
	uint32_t ino;
	uint8_t type; /* EXT2_FT_* (from the inode when entries carry none) */
	uint8_t name_len;
	char name[EXT2_NAME_LEN + 1]; /* NUL-terminated */
};

/*
 * The next entry of directory dir at or after *pos (start at 0), "." and
 * ".." included; *pos moves past it. Returns 1 (an entry in *out), 0 (no
 * more), -ENOTDIR, -EIO.
 */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent_info *out);

/*
 * Make a new inode named name in directory dir: a regular file, fifo,
 * socket or device (mode's type; rdev the device number). *ino gets it.
 * Returns 0, -EEXIST, -ENOTDIR, -ENAMETOOLONG, -EINVAL (bad type or name),
 * -ENOSPC, -EROFS, -EIO.
 */
int ext2_mknod(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
	       uint32_t uid, uint32_t gid, uint32_t rdev, uint32_t *ino);

/* ext2_mknod for a regular file (mode's permission bits). */
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino);

/*
 * Make directory name in dir with "." and "..". Errors as ext2_mknod, and
 * -EMLINK (dir has EXT2_LINK_MAX links).
 */
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *ino);

/*
 * Make symbolic link name in dir pointing to target (tlen bytes, 1 ..
 * 4095): kept in the inode itself below 60 bytes, else in a block.
 * Errors as ext2_mknod.
 */
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, const char *target,
		 size_t tlen, uint32_t uid, uint32_t gid, uint32_t *ino);

/* The target of symlink ino, up to n bytes (no NUL added). Returns its
 * length copied, -EINVAL (not a symlink), -EIO. */
int64_t ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t n);

/*
 * Give inode ino another name in dir. Returns 0, -EPERM (a directory),
 * -EMLINK, -EEXIST, -ENOENT (ino no longer linked), and mknod's errors.
 */
int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name, size_t len);

/*
 * Remove name from dir (not a directory: -EISDIR). The inode is freed
 * with its last link unless it is held open (ext2_iget), then at the last
 * ext2_iput. Returns 0, -ENOENT, -ENOTDIR, -EISDIR, -EROFS, -EIO.
 */
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len);

/*
 * Remove empty directory name from dir. Returns 0, -ENOENT, -ENOTDIR,
 * -ENOTEMPTY, -EINVAL ("."), -EBUSY (the root), -EROFS, -EIO.
 */
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len);

/*
 * Rename odir/oname to ndir/nname, replacing an existing target of the
 * same kind (an empty directory for a directory); moving a directory
 * updates its "..". Returns 0, -ENOENT, -ENOTDIR, -EISDIR, -ENOTEMPTY,
 * -EINVAL (a directory into itself, "." or ".."), -EMLINK, -ENOSPC,
 * -EROFS, -EIO.
 */
int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
		const char *nname, size_t nlen);

/*
 * Hold inode ino open: if unlinked meanwhile it lives on until the last
 * ext2_iput. Returns 0, -EINVAL, -ENOENT, -ENFILE (EXT2_OPEN_MAX inodes
 * open).
 */
int ext2_iget(struct ext2_fs *fs, uint32_t ino);

/* Drop a hold from ext2_iget; frees the inode if it was the last and the
 * inode has no links. Returns 0 or an error from freeing. */
int ext2_iput(struct ext2_fs *fs, uint32_t ino);

#define EXT2_FOLLOW 0x1 /* follow a symlink in the last component */

/*
 * Walk path from cwd (relative) or root (absolute; ".." stops there),
 * following symlinks in the middle (and at the end with EXT2_FOLLOW; a
 * trailing '/' follows too and requires a directory), at most
 * EXT2_SYMLOOP_MAX of them. Returns 0 with *ino, -ENOENT (a missing
 * component or empty path), -ENOTDIR, -ELOOP, -ENAMETOOLONG, -EIO.
 */
int ext2_resolve(struct ext2_fs *fs, uint32_t root, uint32_t cwd, const char *path, unsigned flags,
		 uint32_t *ino);

struct ext2_parent {
	uint32_t dir;	     /* directory holding the last component */
	size_t len;	     /* bytes in name */
	bool trailing_slash; /* the path ended in '/' */
	char name[EXT2_NAME_LEN + 1];
};

/*
 * Walk all but the last component of path (as ext2_resolve) for the calls
 * that make or remove names. "/" gives the root and name ".". Returns 0,
 * and ext2_resolve's errors.
 */
int ext2_resolve_parent(struct ext2_fs *fs, uint32_t root, uint32_t cwd, const char *path,
			struct ext2_parent *out);

#endif
