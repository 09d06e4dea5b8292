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
};

#endif
