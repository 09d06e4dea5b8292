/*
 * ext2_disk.h - the on-disk layout of ext2 revision 1 as far as this file
 * system uses it: superblock, group descriptor, inode, directory entry,
 * extended-attribute block header, and the feature flags.
 *
 * Source: Dave Poirier, "The Second Extended File System: Internal
 * Layout" (nongnu.org/ext2-doc), and the layout e2fsprogs documents in
 * lib/ext2fs/ext2_fs.h. All fields are little-endian; this code runs only
 * on little-endian machines (x86-64), which the assert below checks.
 */
#ifndef UNIX_FS_EXT2_DISK_H
#define UNIX_FS_EXT2_DISK_H

#include <stdint.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ext2 fields are read in place");

#define EXT2_MAGIC		 0xEF53
#define EXT2_SUPER_OFFSET	 1024 /* bytes from the start of the device */
#define EXT2_BLOCK_SIZE		 4096
#define EXT2_LOG_BLOCK		 2		       /* s_log_block_size for 4 KiB blocks */
#define EXT2_ADDR_PER		 (EXT2_BLOCK_SIZE / 4) /* block numbers per indirect block */
#define EXT2_NDIR		 12
#define EXT2_IND		 12
#define EXT2_DIND		 13
#define EXT2_TIND		 14
#define EXT2_N_BLOCKS		 15
#define EXT2_NAME_LEN		 255
#define EXT2_LINK_MAX		 32000
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO	 11

/* Reserved inodes. */
#define EXT2_BAD_INO	1
#define EXT2_ROOT_INO	2
#define EXT2_RESIZE_INO 7

/* s_state */
#define EXT2_VALID_FS 0x1
#define EXT2_ERROR_FS 0x2

/* s_rev_level */
#define EXT2_GOOD_OLD_REV 0
#define EXT2_DYNAMIC_REV  1

/* Features. COMPAT ones may be ignored; unknown INCOMPAT ones forbid
 * mounting; unknown RO_COMPAT ones forbid writing. */
#define EXT2_COMPAT_DIR_PREALLOC  0x0001
#define EXT2_COMPAT_IMAGIC_INODES 0x0002
#define EXT2_COMPAT_HAS_JOURNAL	  0x0004
#define EXT2_COMPAT_EXT_ATTR	  0x0008
#define EXT2_COMPAT_RESIZE_INODE  0x0010
#define EXT2_COMPAT_DIR_INDEX	  0x0020

#define EXT2_INCOMPAT_COMPRESSION 0x0001
#define EXT2_INCOMPAT_FILETYPE	  0x0002
#define EXT2_INCOMPAT_RECOVER	  0x0004
#define EXT2_INCOMPAT_META_BG	  0x0010
#define EXT2_INCOMPAT_EXTENTS	  0x0040
#define EXT2_INCOMPAT_64BIT	  0x0080
#define EXT2_INCOMPAT_FLEX_BG	  0x0200

#define EXT2_RO_COMPAT_SPARSE_SUPER  0x0001
#define EXT2_RO_COMPAT_LARGE_FILE    0x0002
#define EXT2_RO_COMPAT_BTREE_DIR     0x0004
#define EXT2_RO_COMPAT_HUGE_FILE     0x0008
#define EXT2_RO_COMPAT_GDT_CSUM	     0x0010
#define EXT2_RO_COMPAT_METADATA_CSUM 0x0400

/* What this implementation handles. */
#define EXT2_INCOMPAT_SUPP  (EXT2_INCOMPAT_FILETYPE)
#define EXT2_RO_COMPAT_SUPP (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)

struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size;
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;
	uint16_t s_mnt_count;
	int16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* EXT2_DYNAMIC_REV */
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;
	uint8_t s_rest[1024 - 208]; /* journal, hash seed, ...: kept as found */
};
#define EXT2_SB_MKFS_TIME 264 /* s_mkfs_time: byte offset in the superblock */
_Static_assert(sizeof(struct ext2_super) == 1024, "ext2 superblock");

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;
	uint8_t bg_reserved[12];
};
_Static_assert(sizeof(struct ext2_group_desc) == 32, "ext2 group descriptor");
#define EXT2_DESC_PER_BLOCK (EXT2_BLOCK_SIZE / 32)

/* The first 128 bytes of every inode; larger inodes keep the rest as found. */
struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size;
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks; /* 512-byte sectors, data and metadata */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl;
	uint32_t i_size_high; /* i_dir_acl for directories */
	uint32_t i_faddr;
	uint16_t i_blocks_hi;
	uint16_t i_file_acl_high;
	uint16_t i_uid_high;
	uint16_t i_gid_high;
	uint16_t i_checksum_lo;
	uint16_t i_reserved;
};
_Static_assert(sizeof(struct ext2_inode) == 128, "ext2 inode");

/* The large inode's first extra field, and the times it may cover. */
struct ext2_inode_extra {
	uint16_t i_extra_isize;
	uint16_t i_checksum_hi;
	uint32_t i_ctime_extra;
	uint32_t i_mtime_extra;
	uint32_t i_atime_extra;
};

/* i_flags */
#define EXT2_INDEX_FL	    0x00001000 /* hash-indexed directory */
#define EXT2_EXTENTS_FL	    0x00080000 /* ext4 extents: not ours */
#define EXT2_INLINE_DATA_FL 0x10000000

/* i_mode */
#define EXT2_S_IFMT   0xF000
#define EXT2_S_IFSOCK 0xC000
#define EXT2_S_IFLNK  0xA000
#define EXT2_S_IFREG  0x8000
#define EXT2_S_IFBLK  0x6000
#define EXT2_S_IFDIR  0x4000
#define EXT2_S_IFCHR  0x2000
#define EXT2_S_IFIFO  0x1000

struct ext2_dirent {
	uint32_t inode; /* 0: unused entry */
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type; /* with EXT2_INCOMPAT_FILETYPE; else name_len's high byte */
	char name[];
};
#define EXT2_DIRENT_HDR 8
/* Bytes an entry with a name of n bytes needs. */
#define EXT2_DIRENT_LEN(n) ((EXT2_DIRENT_HDR + (n) + 3u) & ~3u)

/* file_type */
#define EXT2_FT_UNKNOWN	 0
#define EXT2_FT_REG_FILE 1
#define EXT2_FT_DIR	 2
#define EXT2_FT_CHRDEV	 3
#define EXT2_FT_BLKDEV	 4
#define EXT2_FT_FIFO	 5
#define EXT2_FT_SOCK	 6
#define EXT2_FT_SYMLINK	 7

/* The header of an extended-attribute block (i_file_acl). */
struct ext2_xattr_header {
	uint32_t h_magic;
	uint32_t h_refcount;
	uint32_t h_blocks;
	uint32_t h_hash;
	uint32_t h_reserved[4];
};
#define EXT2_XATTR_MAGIC 0xEA020000

#endif
