/*
 * disk.h - the on-disk ownership region: who owns each 4 KiB disk block,
 * kept on the disk itself so ownership survives a reboot.
 *
 * The exokernel multiplexes disk blocks as it does frames (Kaashoek et al.,
 * SOSP'97, XN): blocks have exposed numbers, each has one owner, and only
 * the owner (or a holder of a capability from it) may read or write it.
 * Unlike an environment, a disk owner outlives the machine: it is a
 * principal named by a secret *disk owner key* (SB_DISK_KEY_BYTES random
 * bytes the libOS keeps, e.g. a boot module). The disk stores only the
 * key's SHA-256 (FIPS 180-4), so reading the region does not reveal keys.
 *
 * Layout, in 4 KiB blocks (docs/disk.md draws it):
 *
 *   0                        superblock (struct sb_disk_super)
 *   owner_start (= 1)        owner table (struct sb_disk_owners), which
 *                            also holds the metadata type table
 *   map_start (= 2)          block map: map_blocks blocks of
 *                            SB_DISK_MAP_PER_BLOCK entries each
 *   log_start                redo log: one header block, then up to
 *                            SB_DISK_LOG_MAX images
 *   data_start .. nblocks-1  data blocks, handed out to owners
 *
 * Every region block carries a CRC-32C (Castagnoli) over its other 4092
 * bytes, so a torn or damaged block is recognized: in its last 4 bytes
 * (superblock, map blocks) or at byte 60 (owner table); the log header's
 * covers the images too. Everything is little-endian.
 *
 * Crash safety is a physical redo log. A transaction replaces up to
 * SB_DISK_LOG_MAX owner-table or map blocks: it writes their new images to
 * log_start+1.. and the header to log_start, flushes, writes the images
 * home, and flushes again. The header's CRC covers the header and every
 * image, so a torn log is never replayed; a complete one is replayed at
 * every boot until the next transaction overwrites it, which is harmless
 * because replaying it writes what is home already.
 *
 * Hardware-free: compiled into the kernel, the host tool tools/exodisk and
 * the host unit tests. Functions here never do I/O; the caller reads and
 * writes the blocks.
 */
#ifndef SB_DISK_H
#define SB_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_DISK_BLOCK	      4096u		    /* bytes per block */
#define SB_DISK_MAGIC	      0x314b5349444f5845ull /* "EXODISK1" */
#define SB_DISK_LOG_MAGIC     0x31474f4c4f584558ull /* "XEXOLOG1" */
#define SB_DISK_VERSION	      1u
#define SB_DISK_KEY_BYTES     32u   /* a disk owner key */
#define SB_DISK_HASH_BYTES    32u   /* SHA-256 of a key */
#define SB_DISK_OWNER_SLOTS   31u   /* owners 1..31; 0 means "no owner" */
#define SB_DISK_TYPE_SLOTS    31u   /* metadata types 1..31; 0 means plain data */
#define SB_DISK_MAP_PER_BLOCK 1023u /* map entries per map block */
#define SB_DISK_LOG_MAX	      62u   /* images per transaction */
#define SB_DISK_LOG_BLOCKS    (1u + SB_DISK_LOG_MAX)
#define SB_DISK_MIN_DATA      16u /* smallest data area a layout accepts */

/*
 * One block-map entry (uint32_t), for each block of the disk:
 *   bits 0-7   owner: 0 free, 1..31 an owner slot, SB_DISK_RESERVED
 *   bits 8-15  metadata type: 0 plain data, 1..31 a metadata block whose
 *              contents the type's UDF interprets (XN; docs/udf.md)
 *   bit 16     SB_DISK_FRESH: not written since it was allocated; the
 *              kernel reads it as zeros, so an owner never sees what a
 *              previous owner left there
 *   bit 17     SB_DISK_HELD: a metadata block references it (its UDF
 *              emits it); its owner keeps it but cannot free it until a
 *              metadata write drops the reference
 *   bits 18-31 0
 * Blocks below data_start, and map entries past nblocks, are
 * SB_DISK_RESERVED. A data block may also be reserved (taken out of use).
 * Encodings are canonical: a free entry is exactly 0 and a reserved one
 * exactly SB_DISK_RESERVED (no type, no FRESH); only owned entries carry
 * a type or FRESH. sb_disk_entry_check refuses anything else.
 */
#define SB_DISK_RESERVED	 0xffu
#define SB_DISK_FRESH		 (1u << 16)
#define SB_DISK_HELD		 (1u << 17)
#define SB_DISK_ENTRY_OWNER(e)	 ((e)&0xffu)
#define SB_DISK_ENTRY_TYPE(e)	 (((e) >> 8) & 0xffu)
#define SB_DISK_ENTRY(o, t, f)	 ((uint32_t)(o) | (uint32_t)(t) << 8 | (f))
#define SB_DISK_ENTRY_VALID_BITS 0x3ffffu

/* Block 0. */
struct sb_disk_super {
	uint64_t magic;	      /* SB_DISK_MAGIC */
	uint32_t version;     /* SB_DISK_VERSION */
	uint32_t block_size;  /* SB_DISK_BLOCK */
	uint64_t nblocks;     /* blocks the layout covers (<= the device's size) */
	uint64_t owner_start; /* 1 */
	uint64_t map_start;   /* 2 */
	uint64_t map_blocks;  /* ceil(nblocks / SB_DISK_MAP_PER_BLOCK) */
	uint64_t log_start;   /* map_start + map_blocks */
	uint64_t log_blocks;  /* SB_DISK_LOG_BLOCKS */
	uint64_t data_start;  /* log_start + log_blocks */
	uint8_t pad[SB_DISK_BLOCK - 76];
	uint32_t crc; /* CRC-32C of bytes 0..4091 */
};
_Static_assert(sizeof(struct sb_disk_super) == SB_DISK_BLOCK, "superblock is one block");

/* One owner slot; all-zero hash means the slot is empty. */
struct sb_disk_owner {
	uint8_t hash[SB_DISK_HASH_BYTES]; /* SHA-256 of the owner's key */
	char name[16];			  /* NUL-padded label, for people */
	uint32_t nblocks;		  /* blocks the map gives this owner */
	uint32_t flags;			  /* 0 */
	uint32_t fs_start;		  /* first block of a placed image, 0 none */
	uint32_t fs_blocks;		  /* its length in blocks */
};
_Static_assert(sizeof(struct sb_disk_owner) == 64, "owner slot");

/*
 * One metadata type slot (XN's registered UDFs): the type's program is
 * identified by the SHA-256 of its instructions, so a libOS that registers
 * the same program after a reboot gets the same type number back. The
 * kernel keeps the program itself only in memory. All-zero hash: empty.
 */
struct sb_disk_type {
	uint8_t hash[SB_DISK_HASH_BYTES]; /* SHA-256 of the program's bytes */
	uint32_t owner;			  /* the owner slot that registered it */
	uint32_t ninsn;			  /* its length in instructions */
	uint8_t pad[24];		  /* 0 */
};
_Static_assert(sizeof(struct sb_disk_type) == 64, "type slot");

/* Block owner_start. Owner slot i (1..31) is owner[i - 1], type slot t
 * (1..31) is type[t - 1]. */
struct sb_disk_owners {
	uint64_t magic; /* SB_DISK_MAGIC */
	uint8_t pad[52];
	uint32_t crc; /* CRC-32C of every other byte: see sb_disk_seal */
	struct sb_disk_owner owner[SB_DISK_OWNER_SLOTS];
	struct sb_disk_type type[SB_DISK_TYPE_SLOTS];
	uint8_t tail[64]; /* 0 */
};
_Static_assert(sizeof(struct sb_disk_owners) == SB_DISK_BLOCK, "owner table is one block");

/* A map block: the entries of blocks index*1023 .. index*1023+1022. */
struct sb_disk_map {
	uint32_t e[SB_DISK_MAP_PER_BLOCK];
	uint32_t crc; /* CRC-32C of e[] */
};
_Static_assert(sizeof(struct sb_disk_map) == SB_DISK_BLOCK, "map block is one block");

/* Block log_start. The images follow at log_start + 1 + i. */
struct sb_disk_log {
	uint64_t magic;			  /* SB_DISK_LOG_MAGIC */
	uint64_t seq;			  /* transaction number, for messages */
	uint32_t count;			  /* images, 1..SB_DISK_LOG_MAX */
	uint32_t crc;			  /* see sb_disk_log_crc */
	uint64_t target[SB_DISK_LOG_MAX]; /* home block of image i */
	uint8_t pad[SB_DISK_BLOCK - 24 - 8 * SB_DISK_LOG_MAX];
};
_Static_assert(sizeof(struct sb_disk_log) == SB_DISK_BLOCK, "log header is one block");

/* Why a block of the region was refused. Functions return the negated
 * value; sb_disk_strerror gives the message. */
enum sb_disk_error {
	SB_DISK_OK = 0,
	SB_DISK_EMAGIC,	   /* wrong magic number */
	SB_DISK_EVERSION,  /* unknown version or block size */
	SB_DISK_ECRC,	   /* checksum does not match: torn or damaged */
	SB_DISK_ELAYOUT,   /* fields disagree with sb_disk_layout(nblocks) */
	SB_DISK_ESIZE,	   /* layout larger than the device, or too small */
	SB_DISK_EENTRY,	   /* a map entry has undefined bits or owner */
	SB_DISK_EOWNER,	   /* a map entry names an empty owner slot */
	SB_DISK_ERESERVED, /* a region block is not reserved in the map */
	SB_DISK_ECOUNT,	   /* log count 0 or > SB_DISK_LOG_MAX */
	SB_DISK_ETARGET,   /* a log target outside the owner table and map */
	SB_DISK_EDUP,	   /* two owner (or type) slots with the same hash */
	SB_DISK_ETYPE,	   /* a bad type slot, or an entry naming an empty one */
	SB_DISK_ENOTMINE,  /* the block is not the caller's (free, reserved, another's) */
	SB_DISK_EHELD,	   /* a metadata block references the block */
	SB_DISK_NERRORS
};

/*
 * CRC-32C (Castagnoli: reflected, polynomial 0x82f63b78, register
 * inverted on entry and exit) of buf[0..len) bytes, continuing from crc:
 * pass 0 to start, and a previous result to go on, so
 * sb_crc32c(sb_crc32c(0, a, n), b, m) is the CRC of a followed by b.
 * sb_crc32c(0, "123456789", 9) == 0xe3069283 (RFC 3720 §12.1, B.4).
 * Never fails; len 0 returns crc.
 */
uint32_t sb_crc32c(uint32_t crc, const void *buf, size_t len);

/* SHA-256 (FIPS 180-4 §6.2) of data[0..len) bytes into out[0..32), the
 * digest in the standard byte order. Never fails; data may be NULL when
 * len is 0. */
void sb_sha256(const void *data, size_t len, uint8_t out[SB_DISK_HASH_BYTES]);

/*
 * Fill *s with the layout of a disk of nblocks 4 KiB blocks: every field
 * but crc (0; sb_disk_seal sets it), pad zeroed. The layout is a function
 * of nblocks alone (see the top of this file), so a superblock can be
 * checked field by field against it.
 * Returns 0, or -SB_DISK_ESIZE (and *s zeroed) if nblocks >= 2^32 (an
 * owner's fs_start is 32 bits) or fewer than SB_DISK_MIN_DATA data blocks
 * would remain after the region.
 */
int sb_disk_layout(uint64_t nblocks, struct sb_disk_super *s);

/*
 * Set the CRC of a region block in place. which: 'S' superblock or 'M'
 * map block (the CRC sits in the last 4 bytes and covers bytes 0..4091),
 * 'O' owner table (the CRC sits at byte 60 and covers bytes 0..59 and
 * 64..4095). blk is one SB_DISK_BLOCK-byte block. Any other which changes
 * nothing. The log header has its own CRC: sb_disk_log_crc_begin.
 */
void sb_disk_seal(void *blk, char which);

/* Whether the CRC stored in region block blk matches its contents; which
 * as for sb_disk_seal (false for any other value). */
bool sb_disk_crc_ok(const void *blk, char which);

/*
 * Check a superblock read from a device of dev_blocks 4 KiB blocks.
 * Checks, in order, stopping at the first failure:
 *   magic == SB_DISK_MAGIC                               else -SB_DISK_EMAGIC
 *   version == SB_DISK_VERSION, block_size == 4096       else -SB_DISK_EVERSION
 *   CRC                                                  else -SB_DISK_ECRC
 *   sb_disk_layout(s->nblocks) succeeds                  else -SB_DISK_ESIZE
 *   every field and pad equal to that layout             else -SB_DISK_ELAYOUT
 *   nblocks <= dev_blocks                                else -SB_DISK_ESIZE
 * Returns 0 when all hold. Every other function here that takes a
 * superblock assumes it passed this check.
 */
int sb_disk_super_check(const struct sb_disk_super *s, uint64_t dev_blocks);

/*
 * Check the owner table. In order:
 *   magic == SB_DISK_MAGIC                               else -SB_DISK_EMAGIC
 *   CRC (sb_disk_seal 'O')                               else -SB_DISK_ECRC
 *   no two non-empty owner slots with the same hash      else -SB_DISK_EDUP
 *   no two non-empty type slots with the same hash       else -SB_DISK_EDUP
 *   each non-empty type slot: owner 1..SB_DISK_OWNER_SLOTS
 *   and non-empty, 1 <= ninsn <= 512, pad 0              else -SB_DISK_ETYPE
 * Does not check the nblocks counts (the map decides them) nor names,
 * flags and image extents (tools/exodisk checks those; the kernel
 * trusts only the map).
 */
int sb_disk_owners_check(const struct sb_disk_owners *o);

/* The slot (1..SB_DISK_OWNER_SLOTS) whose hash is hash[0..32), or 0 if
 * none is (an all-zero hash is never found: it marks an empty slot). */
int sb_disk_owner_find(const struct sb_disk_owners *o, const uint8_t hash[SB_DISK_HASH_BYTES]);

/* The same for the type slots (1..SB_DISK_TYPE_SLOTS). */
int sb_disk_type_find(const struct sb_disk_owners *o, const uint8_t hash[SB_DISK_HASH_BYTES]);

/*
 * Check one map entry e, that of block b, of the layout s against owner
 * table o. In order:
 *   no bits outside SB_DISK_ENTRY_VALID_BITS             else -SB_DISK_EENTRY
 *   b < data_start or b >= nblocks (the region and the
 *   entries past the end): e == SB_DISK_RESERVED         else -SB_DISK_ERESERVED
 *   owner SB_DISK_RESERVED: e == SB_DISK_RESERVED        else -SB_DISK_EENTRY
 *   owner 0: e == 0                                      else -SB_DISK_EENTRY
 *   owner <= SB_DISK_OWNER_SLOTS                         else -SB_DISK_EENTRY
 *   owner's slot not empty                               else -SB_DISK_EOWNER
 *   type 0, or <= SB_DISK_TYPE_SLOTS and its slot not
 *   empty                                                else -SB_DISK_ETYPE
 * Returns 0 when all hold.
 */
int sb_disk_entry_check(uint32_t e, uint64_t b, const struct sb_disk_super *s,
			const struct sb_disk_owners *o);

/*
 * Check map block index (0..map_blocks-1, entries of blocks index*1023 ..
 * index*1023+1022) of the layout s against the owner table o, which must
 * have passed sb_disk_owners_check. In order:
 *   index < s->map_blocks                                else -SB_DISK_ELAYOUT
 *   CRC (sb_disk_seal 'M')                               else -SB_DISK_ECRC
 *   sb_disk_entry_check of each entry, in block order    else its error
 * On failure *bad (if not NULL) is the first offending entry's block
 * number, or for ELAYOUT and ECRC the first block the map block covers.
 * Returns 0 when all hold.
 */
int sb_disk_map_check(const struct sb_disk_map *m, uint64_t index, const struct sb_disk_super *s,
		      const struct sb_disk_owners *o, uint64_t *bad);

/*
 * Check a log header against the layout s. In order:
 *   magic == SB_DISK_LOG_MAGIC (a zeroed header, the
 *   state after format, is "no transaction")             else -SB_DISK_EMAGIC
 *   1 <= count <= SB_DISK_LOG_MAX                        else -SB_DISK_ECOUNT
 *   each target[0..count) in [owner_start,
 *   map_start + map_blocks): the owner table or the map  else -SB_DISK_ETARGET
 * Does not check the CRC, which needs the images (sb_disk_log_crc_begin).
 * A header that passes and whose CRC matches is a complete transaction
 * to replay; anything else is never replayed (docs/disk.md).
 */
int sb_disk_log_check(const struct sb_disk_log *l, const struct sb_disk_super *s);

/* The CRC a log header must carry: CRC-32C over the header block with its
 * crc field taken as 0, then over bytes 0..4091 of each of the count
 * images in order (sb_disk_log_crc_image). Incremental so the images need
 * not be contiguous:
 *     uint32_t c = sb_disk_log_crc_begin(hdr);
 *     for (i = 0; i < hdr->count; i++) c = sb_disk_log_crc_image(c, image[i]);
 *     valid = c == hdr->crc;                                            */
uint32_t sb_disk_log_crc_begin(const struct sb_disk_log *l);

/* Continue a log CRC over one image: its first 4092 bytes. The last four
 * are left out because a map image ends in its own CRC-32C, and a CRC-32C
 * run over a block that ends in its own CRC comes out the same whatever
 * the block holds: covering them would make the log CRC blind to the map
 * images (found by the crash harness, docs/crash.md). */
uint32_t sb_disk_log_crc_image(uint32_t crc, const void *image);

/* Whether image i of log l (which passed sb_disk_log_check) carries a
 * valid CRC of its own for its target: the owner table's ('O') or a map
 * block's ('M'). A transaction is replayed only if the log CRC matches and
 * every image passes this, so an image whose last sector was torn is not
 * taken for complete. */
bool sb_disk_log_image_ok(const struct sb_disk_log *l, const struct sb_disk_super *s, uint32_t i,
			  const void *image);

/*
 * The rule of exo_block_retype (docs/abi.md, call 48) for one map entry:
 * may owner `owner` (1..SB_DISK_OWNER_SLOTS) make the block whose entry is
 * e a block of metadata type `type` (0 plain data, 1..SB_DISK_TYPE_SLOTS)?
 * In order:
 *   type <= SB_DISK_TYPE_SLOTS                           else -SB_DISK_ETYPE
 *   e is owned by `owner` (not free, reserved or
 *   another owner's; owner 0 owns nothing)               else -SB_DISK_ENOTMINE
 *   SB_DISK_HELD clear: no metadata block references it  else -SB_DISK_EHELD
 * Whether `type` is registered, and the blocks a metadata block releases,
 * are the caller's business (the kernel keeps the programs). On success
 * *out is the new entry: the same owner, type `type`, SB_DISK_FRESH and
 * nothing else. The block is fresh (reads as zeros) whatever it was, so
 * the held-mark invariant (every held block is referenced by exactly one
 * metadata block's current contents, and every block a metadata block's
 * contents reference is held by it) survives: a block that becomes
 * metadata references nothing (a registered UDF gives the empty set on
 * zeros), and one that was metadata no longer references what its old
 * contents named, which the caller releases. Returns 0 or the error; *out
 * is written only on success. Source: XN (Kaashoek et al., SOSP'97).
 */
int sb_disk_retype_check(uint32_t e, unsigned owner, unsigned type, uint32_t *out);

/* Map position of block b: map block index and entry within it. */
static inline uint64_t sb_disk_map_index(uint64_t b)
{
	return b / SB_DISK_MAP_PER_BLOCK;
}
static inline uint32_t sb_disk_map_slot(uint64_t b)
{
	return (uint32_t)(b % SB_DISK_MAP_PER_BLOCK);
}

/* A fixed one-line English message for a result above (either sign);
 * "unknown disk error" for anything out of range. */
const char *sb_disk_strerror(int err);

#endif
