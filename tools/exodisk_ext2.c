/*
 * exodisk_ext2.c - XN typing of a placed ext2 image (exodisk_ext2.h).
 *
 * The kernel checks every write of an ext2 inode-table or indirect block
 * with the block's UDF (libos/unix/fs/ext2_udf.c), comparing what the old
 * and the new contents reference; the blocks referenced are held. For
 * that to hold from the first boot on, the map must already say, for an
 * image made on the host (mke2fs -d, debugfs, e2fsck), which blocks are
 * metadata and which are held. This file computes it the way the kernel
 * would: by running the very same UDF programs on the image's blocks.
 * Which i_block entries of an inode are indirect blocks is also the
 * UDF's decision: an inode copied alone into a zeroed block is run
 * through the inode-table program, and i_block[12..14] count only if it
 * emits them (so "linked", "regular, directory or slow symlink" mean
 * exactly what they mean to the kernel).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exodisk_ext2.h"
#include "ext2_udf.h"
#include "udf.h"

#define BS	      SB_DISK_BLOCK
#define EXT2_MAGIC    0xef53u
#define KIND_ITABLE   1
#define KIND_INDIRECT 2

struct ctx {
	int fd;
	const char *path;
	uint64_t start, n;
	uint32_t *ents;
	uint8_t *kind, *held;
	struct sb_udf_insn it[EXT2_UDF_MAX_INSNS], ind[EXT2_UDF_MAX_INSNS];
	uint32_t nit, nind;
	struct xn_typing *st;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Image block rel as the kernel reads it: zeros if fresh. */
static void readb(struct ctx *c, uint64_t rel, uint8_t *buf)
{
	if (c->ents[rel] & SB_DISK_FRESH) {
		memset(buf, 0, BS);
		return;
	}
	ssize_t got = pread(c->fd, buf, BS, (off_t)((c->start + rel) * BS));
	if (got != (ssize_t)BS) {
		fprintf(stderr, "exodisk: %s: reading block %llu: %s\n", c->path,
			(unsigned long long)(c->start + rel), got < 0 ? strerror(errno) : "short");
		exit(1);
	}
}

/* Run a program; false (and a warning) if it fails on these bytes. */
static bool run(struct ctx *c, const struct sb_udf_insn *p, uint32_t np, const uint8_t *buf,
		uint64_t *out, uint32_t *nout, uint64_t b)
{
	if (sb_udf_run(p, np, buf, out, SB_UDF_MAX_OUT, nout) < 0) {
		fprintf(stderr,
			"exodisk: %s: warning: the UDF of block %llu fails on it: it "
			"references nothing\n",
			c->path, (unsigned long long)b);
		c->st->conflicts++;
		*nout = 0;
		return false;
	}
	sb_udf_set_normalize(out, nout);
	return true;
}

static void conflict(struct ctx *c, uint64_t by, uint64_t b, const char *what)
{
	if (c->st->conflicts++ < 10)
		fprintf(stderr,
			"exodisk: %s: warning: block %llu references block %llu, %s: "
			"left unheld (e2fsck -f finds this image damaged)\n",
			c->path, (unsigned long long)by, (unsigned long long)b, what);
}

/* Metadata block `by` references disk block b: hold it, as a write the
 * kernel accepted would have. */
static bool hold(struct ctx *c, uint64_t by, uint64_t b)
{
	if (b < c->start || b - c->start >= c->n) {
		conflict(c, by, b, "outside the image");
		return false;
	}
	if (b == by) {
		conflict(c, by, b, "itself");
		return false;
	}
	if (c->held[b - c->start]) {
		conflict(c, by, b, "already referenced");
		return false;
	}
	c->held[b - c->start] = 1;
	c->st->held++;
	return true;
}

/* Indirect block b (disk number) of `depth` levels (1 single, 2 double,
 * 3 triple): type it, hold what it references, go down. */
static void walk(struct ctx *c, uint64_t b, int depth)
{
	static uint64_t out[3][SB_UDF_MAX_OUT];
	static uint8_t buf[3][BS];
	uint32_t n;
	uint64_t rel = b - c->start;

	if (c->kind[rel]) {
		conflict(c, b, b, "reached twice as metadata");
		return;
	}
	c->kind[rel] = KIND_INDIRECT;
	c->st->indirect++;
	readb(c, rel, buf[depth - 1]);
	run(c, c->ind, c->nind, buf[depth - 1], out[depth - 1], &n, b);
	for (uint32_t i = 0; i < n; i++)
		if (hold(c, b, out[depth - 1][i]) && depth > 1)
			walk(c, out[depth - 1][i], depth - 1);
}

/* The type slot of program p (registering it for `slot` if new), 0 if
 * the table is full. */
static unsigned type_slot(struct sb_disk_owners *own, unsigned slot, const struct sb_udf_insn *p,
			  uint32_t np)
{
	uint8_t h[SB_DISK_HASH_BYTES];
	static const uint8_t zero[SB_DISK_HASH_BYTES];

	sb_sha256(p, np * sizeof(*p), h);
	int t = sb_disk_type_find(own, h);
	if (t > 0)
		return (unsigned)t;
	for (unsigned i = 0; i < SB_DISK_TYPE_SLOTS; i++) {
		struct sb_disk_type *ty = &own->type[i];
		if (memcmp(ty->hash, zero, sizeof(zero)) == 0) {
			memset(ty, 0, sizeof(*ty));
			memcpy(ty->hash, h, sizeof(h));
			ty->owner = slot;
			ty->ninsn = np;
			return i + 1;
		}
	}
	return 0;
}

/* Not typeable: say why, leave every entry plain data. */
static void untyped(struct xn_typing *st, const char *why)
{
	st->ext2 = false;
	snprintf(st->why, sizeof(st->why), "%s", why);
}

void xn_type_ext2(int fd, const char *path, uint64_t start, uint64_t n, unsigned slot,
		  uint32_t *ents, struct sb_disk_owners *own, struct xn_typing *st)
{
	static uint8_t sbb[BS], gdb[BS], buf[BS], one[BS];
	static uint64_t out[SB_UDF_MAX_OUT], mine[SB_UDF_MAX_OUT];
	struct ctx c = { .fd = fd, .path = path, .start = start, .n = n, .ents = ents, .st = st };
	uint32_t *before = malloc(n * sizeof(*before));

	memset(st, 0, sizeof(*st));
	c.kind = calloc(n, 1);
	c.held = calloc(n, 1);
	if (!before || !c.kind || !c.held) {
		fprintf(stderr, "exodisk: out of memory\n");
		exit(1);
	}
	memcpy(before, ents, n * sizeof(*before));
	st->ext2 = true;

	/* The geometry: ext2 with 4 KiB blocks, 32-byte group descriptors. */
	readb(&c, 0, sbb);
	const uint8_t *s = sbb + 1024;
	uint32_t inodes = le32(s + 0), blocks = le32(s + 4), first = le32(s + 20);
	uint32_t logbs = le32(s + 24), bpg = le32(s + 32), ipg = le32(s + 40);
	uint32_t rev = le32(s + 76), incompat = le32(s + 96);
	uint32_t isz = rev >= 1 ? le16(s + 88) : 128;
	uint32_t ngroups = bpg ? (blocks + bpg - 1) / bpg : 0;
	uint64_t itb = (uint64_t)ipg * isz / BS;
	if (n < 2 || le16(s + 56) != EXT2_MAGIC)
		untyped(st, "not an ext2 file system");
	else if (logbs != 2 || first != 0)
		untyped(st, "not 4 KiB blocks");
	else if (incompat & 0x80) /* 64bit: 64-byte group descriptors */
		untyped(st, "64-bit group descriptors");
	else if (!(c.nit = ext2_udf_itable(isz, (uint32_t)start, c.it)))
		untyped(st, "an inode size other than 128 or 256");
	else if (blocks > n || ngroups == 0 || ngroups > BS / 32 || ipg == 0 ||
		 (uint64_t)ipg * isz % BS || (uint64_t)ngroups * ipg < inodes)
		untyped(st, "a geometry the image cannot hold");
	c.nind = ext2_udf_indirect((uint32_t)start, c.ind);
	if (st->ext2) {
		st->t_itable = type_slot(own, slot, c.it, c.nit);
		st->t_indirect = st->t_itable ? type_slot(own, slot, c.ind, c.nind) : 0;
		if (!st->t_indirect)
			untyped(st, "no free metadata type slot");
	}
	if (st->ext2) {
		readb(&c, 1, gdb);
		for (uint32_t g = 0; g < ngroups && st->ext2; g++) {
			uint32_t t0 = le32(gdb + 32 * g + 8);
			if (t0 == 0 || t0 + itb > n)
				untyped(st, "a group's inode table outside the image");
			for (uint64_t k = 0; k < itb && st->ext2; k++) {
				if (c.kind[t0 + k])
					untyped(st, "inode tables that overlap");
				c.kind[t0 + k] = KIND_ITABLE;
			}
		}
	}
	/* Every inode-table block: what it references, and the indirect
	 * trees of its inodes. */
	for (uint64_t rel = 0; st->ext2 && rel < n; rel++) {
		uint32_t nout, nmine;
		if (c.kind[rel] != KIND_ITABLE)
			continue;
		st->itable++;
		readb(&c, rel, buf);
		if (!run(&c, c.it, c.nit, buf, out, &nout, start + rel))
			continue;
		for (uint32_t i = 0; i < nout; i++)
			hold(&c, start + rel, out[i]);
		for (uint32_t off = 0; off + isz <= BS; off += isz) {
			memset(one, 0, BS);
			memcpy(one + off, buf + off, isz);
			if (sb_udf_run(c.it, c.nit, one, mine, SB_UDF_MAX_OUT, &nmine) < 0 ||
			    !nmine)
				continue;
			sb_udf_set_normalize(mine, &nmine);
			for (int level = 1; level <= 3; level++) {
				uint32_t p = le32(buf + off + 40 + 4 * (11 + level));
				uint64_t b = start + p;
				bool emitted = false;
				for (uint32_t i = 0; p && i < nmine; i++)
					emitted |= mine[i] == b;
				/* Only a pointer the table block holds is followed:
				 * one held elsewhere is someone else's tree. */
				if (emitted && b - start < n && c.held[b - start] &&
				    c.kind[b - start] != KIND_ITABLE)
					walk(&c, b, level);
			}
		}
	}
	if (!st->ext2) {
		memset(c.kind, 0, n);
		memset(c.held, 0, n);
		st->itable = st->indirect = st->held = st->conflicts = 0;
	}
	for (uint64_t rel = 0; rel < n; rel++) {
		unsigned t = c.kind[rel] == KIND_ITABLE	    ? st->t_itable
			     : c.kind[rel] == KIND_INDIRECT ? st->t_indirect
							    : 0;
		ents[rel] = SB_DISK_ENTRY(
			slot, t, (ents[rel] & SB_DISK_FRESH) | (c.held[rel] ? SB_DISK_HELD : 0));
		st->changed += ents[rel] != before[rel];
	}
	if (st->conflicts > 10)
		fprintf(stderr, "exodisk: %s: warning: %llu references left unheld in all\n", path,
			(unsigned long long)st->conflicts);
	free(before);
	free(c.kind);
	free(c.held);
}
