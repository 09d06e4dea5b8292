/*
 * exodisk_ext2.h - XN typing of a placed ext2 image (docs/udf.md,
 * docs/disk.md "exodisk"): which blocks of the image are inode-table and
 * indirect blocks (the two metadata types of libos/unix/fs/ext2_udf.c),
 * and which blocks those reference (held). exodisk place, insert and
 * reconcile use it so that the kernel's map always matches the image.
 */
#ifndef EXODISK_EXT2_H
#define EXODISK_EXT2_H

#include <stdbool.h>
#include <stdint.h>

#include "disk.h"

struct xn_typing {
	bool ext2;	   /* the image is an ext2 file system we can type */
	char why[160];	   /* !ext2: why not */
	unsigned t_itable; /* the type slots used (1..31) */
	unsigned t_indirect;
	uint64_t itable, indirect, held; /* blocks typed and held */
	uint64_t conflicts;		 /* references left unheld (printed) */
	uint64_t changed;		 /* entries that differ from before */
};

/*
 * Type the ext2 image of owner slot `slot` at disk blocks start ..
 * start+n-1 of the open image fd (path for messages). ents[0..n) are the
 * map entries of those blocks: each must be the slot's; on return every
 * one has its metadata type (the inode-table type for the blocks of every
 * group's inode table, the indirect type for every single, double and
 * triple indirect block a linked inode reaches, 0 otherwise) and
 * SB_DISK_HELD exactly when a typed block's UDF emits it; SB_DISK_FRESH
 * is kept (a fresh block is read as zeros, as the kernel reads it). The
 * two types are registered in own's type table (found by the SHA-256 of
 * the programs, as the kernel does; a new one takes the first empty
 * slot, registered by `slot`). A reference the kernel could never have
 * accepted (outside the image, to the block itself, to a block already
 * held, or an indirect block reached twice) is left unheld and counted
 * in conflicts, with a warning on stderr: e2fsck finds those images bad.
 * If the image is not an ext2 file system with 4 KiB blocks (or all 31
 * type slots are taken), every entry becomes plain data (type 0, not
 * held) and st->ext2 is false with the reason in st->why.
 * Dies on a read error.
 */
void xn_type_ext2(int fd, const char *path, uint64_t start, uint64_t n, unsigned slot,
		  uint32_t *ents, struct sb_disk_owners *own, struct xn_typing *st);

#endif
