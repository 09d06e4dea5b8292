/*
 * ext2_int.h - what the ext2_*.c files share and nobody else uses.
 *
 * Every on-disk number is checked before it is used: block numbers with
 * ext2_check_block, inode numbers with ext2_iload, directory entries with
 * ext2_dirblock_check. A failed check is ext2_corrupt: -EIO, a message in
 * fs->error and, read-write, the superblock's "errors" state so that
 * e2fsck looks at the image.
 */
#ifndef UNIX_FS_EXT2_INT_H
#define UNIX_FS_EXT2_INT_H

#include <errno.h>
#include <string.h>

#include "ext2.h"

#define EXT2_BLOCK_SECTORS (EXT2_BLOCK_SIZE / 512)

/* A pinned inode: the inode-table block holding it and the inode in it. */
struct ext2_iref {
	uint32_t ino;
	struct buf *b;
	struct ext2_inode *in;
};

/* ---------------------------------------------------------- ext2_super.c */

uint32_t ext2_now(struct ext2_fs *fs);
int ext2_corrupt(struct ext2_fs *fs, const char *what);
int ext2_corrupt_num(struct ext2_fs *fs, const char *what, uint64_t n);
/* -EROFS unless mounted read-write. */
int ext2_need_rw(struct ext2_fs *fs);
void ext2_sb_dirty(struct ext2_fs *fs);
uint32_t ext2_group_first(const struct ext2_fs *fs, uint32_t g);
uint32_t ext2_group_nblocks(const struct ext2_fs *fs, uint32_t g);
bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t g);
/* Pin group g's descriptor; *b is the GDT block to put afterwards. */
int ext2_gd_get(struct ext2_fs *fs, uint32_t g, struct buf **b, struct ext2_group_desc **gd);
/* 0 if b is a block a file may own (in range, not group metadata), else -EIO. */
int ext2_check_block(struct ext2_fs *fs, uint32_t b);
/* Release the frees waiting in fs->pend_* (after everything is durable). */
int ext2_apply_frees(struct ext2_fs *fs);

/* ---------------------------------------------------------- ext2_alloc.c */

int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
void ext2_bfree(struct ext2_fs *fs, uint32_t b);
/* Indirect block b is being let go of (no longer pointed at in memory):
 * when the frees are released it becomes a data block again on the
 * device (XN retype), before it can be handed out. Record it before its
 * children, and before ext2_bfree(b). */
void ext2_meta_unhooked(struct ext2_fs *fs, uint32_t b);
int ext2_ialloc(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *ino);
void ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool dir);

/* ---------------------------------------------------- ext2_inode.c, ext2_bmap.c */

int ext2_iload(struct ext2_fs *fs, uint32_t ino, struct ext2_iref *r);
void ext2_irelease(struct ext2_fs *fs, struct ext2_iref *r);
void ext2_idirty(struct ext2_fs *fs, struct ext2_iref *r);
/* -EINVAL unless ino names an inode a caller may use (root or >= first_ino). */
int ext2_ino_ok(struct ext2_fs *fs, uint32_t ino);
uint64_t ext2_isize(const struct ext2_inode *in);
void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
#define EXT2_T_A 1
#define EXT2_T_M 2
#define EXT2_T_C 4
void ext2_touch(struct ext2_fs *fs, struct ext2_iref *r, unsigned which);
bool ext2_fast_symlink(const struct ext2_inode *in);
uint8_t ext2_mode_ftype(uint16_t mode);

/* Where block number lblk of an inode lives: slot in holder (pinned). */
struct ext2_slot {
	struct buf *holder;
	uint32_t *slot;
	uint32_t goal; /* a good physical block to allocate next to */
};
int ext2_bmap(struct ext2_fs *fs, struct ext2_iref *r, uint32_t lblk, uint32_t *pblk);
/* Count n more (or fewer) 4 KiB blocks in r's i_blocks. */
void ext2_add_iblocks(struct ext2_fs *fs, struct ext2_iref *r, int n);
int ext2_bmap_slot(struct ext2_fs *fs, struct ext2_iref *r, uint32_t lblk, struct ext2_slot *s);
void ext2_slot_put(struct ext2_fs *fs, struct ext2_iref *r, struct ext2_slot *s);
/*
 * Allocate block lblk of inode r (a hole) as a metadata block of the
 * inode (directory block, slow symlink): *out is the new block's buffer,
 * zeroed, pinned; init it, then ext2_attach_block.
 */
int ext2_attach_block(struct ext2_fs *fs, struct ext2_iref *r, uint32_t lblk, struct buf *nb);
int ext2_new_meta_block(struct ext2_fs *fs, struct ext2_iref *r, uint32_t goal, struct buf **out);
/* Free every block of r from logical block `from` on. */
int ext2_free_blocks_from(struct ext2_fs *fs, struct ext2_iref *r, uint32_t from);
/* Free an inode that has no links and is not open: blocks, xattr block, inode. */
int ext2_delete_inode(struct ext2_fs *fs, struct ext2_iref *r);
bool ext2_is_open(struct ext2_fs *fs, uint32_t ino);

/* ------------------------------------------------------------ ext2_dir.c */

/* Where a directory entry is: block buffer (pinned), offset, previous entry. */
struct ext2_dirloc {
	struct buf *b;
	uint32_t lblk;
	uint32_t off;
	uint32_t prev; /* offset of the previous entry in the block, or UINT32_MAX */
};
int ext2_dir_find(struct ext2_fs *fs, struct ext2_iref *dir, const char *name, size_t len,
		  uint32_t *ino, struct ext2_dirloc *loc);
int ext2_dir_add(struct ext2_fs *fs, struct ext2_iref *dir, const char *name, size_t len,
		 uint32_t ino, uint8_t ftype, struct ext2_dirloc *loc);
int ext2_dir_remove(struct ext2_fs *fs, struct ext2_iref *dir, struct ext2_dirloc *loc);
int ext2_dir_prepare_change(struct ext2_fs *fs, struct ext2_iref *dir, struct buf *b);
int ext2_dir_empty(struct ext2_fs *fs, struct ext2_iref *dir);
int ext2_dir_init_block(struct ext2_fs *fs, struct buf *b, uint32_t self, uint32_t parent);
int ext2_dirblock_check(struct ext2_fs *fs, struct buf *b, uint32_t dir);
static inline struct ext2_dirent *ext2_de(struct buf *b, uint32_t off)
{
	return (struct ext2_dirent *)(b->data + off);
}
/* The offset of the entry after the one at off in checked block b (the
 * block end if rec_len is bad: no loop can stall on an unchecked block). */
static inline uint32_t ext2_de_next(struct buf *b, uint32_t off)
{
	uint32_t rec = ext2_de(b, off)->rec_len;

	return rec < EXT2_DIRENT_HDR ? EXT2_BLOCK_SIZE : off + rec;
}
static inline void ext2_dirloc_put(struct ext2_fs *fs, struct ext2_dirloc *loc)
{
	bcache_put(fs->bc, loc->b);
	loc->b = NULL;
}

#endif
