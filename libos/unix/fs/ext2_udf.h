/*
 * ext2_udf.h - the owns-functions of ext2's metadata for XN (docs/udf.md):
 * UDF programs that map a block of an ext2 inode table, or an indirect
 * block, to the set of disk blocks it references. With them the kernel can
 * check every write of those blocks (exo_disk_type, exo_block_alloc with a
 * type): a libOS sharing the file system can then only point inodes at
 * its own free blocks (Kaashoek et al., SOSP'97, XN).
 *
 * Block numbers are the file system's (relative to its first block); a
 * libOS whose image starts at disk block S adds S (the programs take it as
 * a parameter, so the same image placed elsewhere gets other programs).
 */
#ifndef UNIX_FS_EXT2_UDF_H
#define UNIX_FS_EXT2_UDF_H

#include <stdint.h>

#include "udf.h"

/* Instructions the programs below need at most. */
#define EXT2_UDF_MAX_INSNS 32

/*
 * Build the UDF of an inode-table block of an image with inode_size-byte
 * inodes (128 or 256) placed at disk block base, into prog. The block owns,
 * for every inode in it with links (i_links_count > 0) that is a regular
 * file, a directory or a slow symlink (a symlink with i_blocks > 0), the
 * non-zero entries of i_block[0..14] plus base: its direct blocks and its
 * single, double and triple indirect blocks. Other inodes own nothing:
 * free ones, devices, fifos, sockets, fast symlinks (whose i_block holds
 * text). i_file_acl (an attribute block, shareable between inodes) is
 * left out. Returns the instruction count, or 0 for another inode size.
 */
uint32_t ext2_udf_itable(uint32_t inode_size, uint32_t base,
			 struct sb_udf_insn prog[EXT2_UDF_MAX_INSNS]);

/* Build the UDF of an indirect block (single, double or triple: 1024
 * little-endian 32-bit block numbers) of an image at disk block base: it
 * owns every non-zero entry plus base. Returns the instruction count. */
uint32_t ext2_udf_indirect(uint32_t base, struct sb_udf_insn prog[EXT2_UDF_MAX_INSNS]);

#endif
