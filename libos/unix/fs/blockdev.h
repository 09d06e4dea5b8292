/*
 * blockdev.h - the block device the UNIX libOS's file system runs on.
 *
 * The file-system core (bcache.c, ext2*.c) never touches hardware: it reads
 * and writes 4 KiB blocks through this small interface. In the libOS the
 * implementation moves blocks between the libOS's frames and the disk
 * blocks it owns (docs/abi.md, "Disk blocks"); on the host it is a file or
 * a recording layer over memory (tests/unit/test_ext2*.c).
 *
 * Block numbers are relative to the start of the file system: block 0
 * holds the boot block and the ext2 superblock.
 */
#ifndef UNIX_FS_BLOCKDEV_H
#define UNIX_FS_BLOCKDEV_H

#include <stdint.h>

/* Bytes per block: the exokernel's disk block and the ext2 block size. */
#define BLOCKDEV_BLOCK 4096u

/* What a block is to the device's owner (XN's metadata types; the kernel
 * checks each write of a metadata block with its type's UDF, docs/udf.md). */
enum blockdev_kind {
	BLOCKDEV_DATA = 0,     /* file data, directories, bitmaps, ...: unchecked */
	BLOCKDEV_ITABLE = 1,   /* an ext2 inode-table block */
	BLOCKDEV_INDIRECT = 2, /* an ext2 single, double or triple indirect block */
};

struct blockdev {
	/*
	 * Read block `block` (0 <= block < nblocks) into buf (BLOCKDEV_BLOCK
	 * bytes). Returns 0 or a negative errno (-EIO).
	 */
	int (*read)(void *ctx, uint64_t block, void *buf);
	/*
	 * Write buf (BLOCKDEV_BLOCK bytes) to block `block`. The write is
	 * whole or not at all, but it is durable only after a later flush
	 * returns; unflushed writes may reach the medium in any order.
	 * Returns 0 or a negative errno.
	 */
	int (*write)(void *ctx, uint64_t block, const void *buf);
	/*
	 * Make every write that returned before this call durable (a write
	 * barrier and cache flush). Returns 0 or a negative errno.
	 */
	int (*flush)(void *ctx);
	void *ctx;
	uint64_t nblocks; /* size of the device in blocks */
	/*
	 * Optional (NULL: a plain device, every block data). Write metadata
	 * block `block` (an inode-table or indirect block): like write, but
	 * the device sends it alone, as the kernel's UDF check of metadata
	 * writes requires (docs/udf.md), never gathered with other blocks.
	 * Returns 0 or a negative errno (-EIO: the kernel refused it).
	 */
	int (*write_meta)(void *ctx, uint64_t block, const void *buf);
	/*
	 * Optional (NULL: nothing to do). Block `block`, which the file
	 * system has just allocated as (or freed from being) an indirect
	 * block, becomes `kind` (enum blockdev_kind): exo_block_retype. Its
	 * contents are lost: it reads as zeros until written. Call only when
	 * no metadata block references it any more (or yet) on the disk.
	 * Returns 0 or a negative errno.
	 */
	int (*retype)(void *ctx, uint64_t block, unsigned kind);
};

#endif
