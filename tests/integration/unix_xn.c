/*
 * unix_xn.c - XN's secure bindings protect the UNIX libOS's ext2 metadata
 * from a hostile libOS on the same disk (unix_xn.test; docs/udf.md,
 * docs/unix-libos.md "Sharing the file system with other libOSes"). One
 * program, three roles:
 *
 *   granter  a boot module that knows the UNIX libOS's disk owner key (the
 *            test's public key, unix_xn.key): it plays unixd's owner
 *            granting the hostile libOS write access to one of unixd's
 *            inode-table blocks, T (the one holding the first /bin file
 *            with an indirect block), and read access to that file's
 *            indirect block I and to the image's superblock and group
 *            descriptors; it stays (grants end with their issuer) until
 *            the hostile libOS is done.
 *   hostile  a boot module with a disk owner key of its own. It finds the
 *            granted blocks, then tries to allocate, free, write and
 *            retype unixd's inode-table, indirect, data and free blocks;
 *            registers ext2's indirect-block type and points its own
 *            metadata at unixd's blocks; points inodes of the granted T at
 *            unixd's held, unheld and free blocks; retypes its own held
 *            block. Each is refused with the documented error; T's inode
 *            still names the same blocks afterwards.
 *   init     (run by unixd from /bin) meanwhile makes unixd allocate and
 *            free single and double indirect blocks (retyping them), waits
 *            for the others, and reads everything back.
 * Afterwards exodisk check and e2fsck -fn must find the disk clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <exo/libexo.h>

#include "../../libos/unix/fs/ext2_udf.h"
#include "unixtest.h"

/* The UNIX libOS's key in this test (tests/integration/unix_xn.key). */
static const char unix_key[] = "unix_xn: public test-only key..!";
_Static_assert(sizeof(unix_key) == EXO_DISK_KEY_BYTES + 1, "the key file's 32 bytes");

static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t tcopy[4096] __attribute__((aligned(4096)));

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The live top-level environment named name, or 0 (EXO_UENVS window). */
static uint64_t find_env(const char *name)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;

	for (unsigned i = 1; i < EXO_NENV; i++)
		if (t[i].id != 0 && strcmp(t[i].name, name) == 0 && t[i].parent == 0)
			return t[i].id;
	return 0;
}

static void nap(void)
{
	exo_wait(NULL, 0, EXO_PRED_ALL, 10000); /* 10 ms */
}

static long rd(uint64_t b, void *buf)
{
	return exo_disk_rw(EXO_DISK_READ, b, 1, buf);
}

static long wr(uint64_t b, const void *buf)
{
	return exo_disk_rw(EXO_DISK_WRITE, b, 1, (void *)buf);
}

/* ------------------------------------------------------------ granter */

static void granter(void)
{
	struct exo_disk_key k = { .name = "unix" };
	struct exo_disk_info di;
	uint64_t hostile, T = 0, I = 0, base;
	uint32_t isz, ipb, t0, ino = 0;

	memcpy(k.key, unix_key, EXO_DISK_KEY_BYTES);
	CHECK(exo_disk_attach(&k, 0) > 0); /* the image's owner: no CREATE */
	CHECK(exo_disk_info(&di) == 0 && di.fs_start != 0);
	base = di.fs_start;
	CHECK(rd(base, page) == 0);
	isz = le32(page + 1024 + 88) & 0xffff;
	ipb = 4096 / isz;
	CHECK(rd(base + 1, page) == 0);
	t0 = le32(page + 8);
	/* The first regular file with links and a single indirect block. */
	for (uint32_t blk = 0; blk < 256 && !T; blk++) {
		CHECK(rd(base + t0 + blk, page) == 0);
		for (uint32_t i = 0; i < ipb && !T; i++) {
			const uint8_t *in = page + i * isz;
			uint32_t n = blk * ipb + i + 1;
			if (n >= 12 && (in[1] & 0xf0) == 0x80 && (in[26] | in[27]) &&
			    le32(in + 40 + 4 * 12)) {
				T = base + t0 + blk;
				I = base + le32(in + 40 + 4 * 12);
				ino = n;
			}
		}
	}
	CHECK(T != 0);
	while ((hostile = find_env("hostile")) == 0)
		nap();
	CHECK(exo_block_grant(T, hostile, EXO_PERM_R | EXO_PERM_W) == 0);
	CHECK(exo_block_grant(I, hostile, EXO_PERM_R) == 0);
	CHECK(exo_block_grant(base, hostile, EXO_PERM_R) == 0);
	CHECK(exo_block_grant(base + 1, hostile, EXO_PERM_R) == 0);
	printf("granter: unixd's inode-table block %llu (inode %u) granted read-write, its "
	       "indirect block %llu read-only\n",
	       (unsigned long long)T, ino, (unsigned long long)I);
	for (int i = 0; i < 12000 && find_env("hostile"); i++)
		nap();
	CHECK(find_env("hostile") == 0);
}

/* ------------------------------------------------------------ hostile */

static struct {
	uint64_t base, T, I, D, J, K, F, M, A;
	uint32_t off; /* the inode of T that points at I */
	long t_ind;
	unsigned refused;
} h;

/* Expect r == want; count it. */
#define REFUSED(expr, want)                                                                     \
	do {                                                                                    \
		long r_ = (expr);                                                               \
		if (r_ != (want)) {                                                             \
			printf("hostile: %s returned %ld, expected %ld (line %d)\n", #expr, r_, \
			       (long)(want), __LINE__);                                         \
			printf("TEST-END fail\n");                                              \
			exo_debug_exit(1);                                                      \
		}                                                                               \
		h.refused += (want) != 0;                                                       \
	} while (0)

/* The blocks granted to us: the superblock (base), the descriptors, T, I. */
static void find_grants(const struct exo_disk_info *di)
{
	uint64_t got[4];
	unsigned n = 0;

	for (int tries = 0; n < 4 && tries < 3000; tries++) {
		n = 0;
		for (uint64_t b = di->data_start; b < di->nblocks && n < 4; b++)
			if (rd(b, page) == 0)
				got[n++] = b;
		if (n < 4)
			nap();
	}
	CHECK(n == 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK(rd(got[i], page) == 0);
		if (page[1080] == 0x53 && page[1081] == 0xef)
			h.base = got[i];
	}
	CHECK(h.base != 0);
	CHECK(rd(h.base, page) == 0);
	uint64_t itb = (uint64_t)le32(page + 1024 + 40) * (le32(page + 1024 + 88) & 0xffff) / 4096;
	CHECK(rd(h.base + 1, page) == 0);
	uint64_t t0 = h.base + le32(page + 8);
	for (unsigned i = 0; i < 4; i++) {
		if (got[i] == h.base || got[i] == h.base + 1)
			continue;
		if (got[i] >= t0 && got[i] < t0 + itb)
			h.T = got[i];
		else
			h.I = got[i];
	}
	CHECK(h.T && h.I);
}

static void hostile(void)
{
	static const struct exo_disk_key key = { .key = "a hostile libOS's own disk key!",
						 .name = "mallory" };
	static uint8_t meta[4096] __attribute__((aligned(4096)));
	struct sb_udf_insn prog[EXT2_UDF_MAX_INSNS];
	struct exo_disk_info di;
	uint32_t isz;

	CHECK(exo_disk_attach(&key, EXO_DISK_CREATE) > 0);
	CHECK(exo_disk_info(&di) == 0);
	find_grants(&di);
	CHECK(rd(h.base, page) == 0);
	isz = le32(page + 1024 + 88) & 0xffff;
	uint64_t blocks = le32(page + 1024 + 4);
	h.K = h.base + blocks - 1; /* unixd's; most likely a free ext2 block */
	/* T's inode that points at I: its first data block D. */
	CHECK(rd(h.T, tcopy) == 0);
	for (uint32_t off = 0; off < 4096 && !h.D; off += isz)
		if (h.base + le32(tcopy + off + 40 + 48) == h.I) {
			h.off = off;
			h.D = h.base + le32(tcopy + off + 40);
		}
	CHECK(h.D != 0);
	CHECK(rd(h.I, page) == 0);
	h.J = h.base + le32(page); /* held by I */
	CHECK(h.J != h.base);

	/* 1. unixd's blocks, head on. */
	REFUSED(exo_block_alloc(h.T, 0), -EXO_EBUSY);
	REFUSED(exo_block_alloc(h.I, 0), -EXO_EBUSY);
	REFUSED(exo_block_alloc(h.K, 0), -EXO_EBUSY);
	REFUSED(exo_block_free(h.T), -EXO_EPERM);
	REFUSED(exo_block_free(h.I), -EXO_EPERM);
	REFUSED(exo_block_free(h.D), -EXO_EPERM);
	REFUSED(exo_block_retype(h.T, 0), -EXO_EPERM);
	REFUSED(exo_block_retype(h.I, 0), -EXO_EPERM);
	REFUSED(exo_block_retype(h.D, 0), -EXO_EPERM);
	REFUSED(exo_block_retype(h.J, 0), -EXO_EPERM);
	REFUSED(exo_block_retype(h.K, 0), -EXO_EPERM);
	REFUSED(exo_block_grant(h.T, (uint64_t)exo_env_id(), EXO_PERM_R), -EXO_EPERM);
	memset(meta, 0, sizeof meta);
	REFUSED(wr(h.I, meta), -EXO_EPERM); /* a read grant only */
	REFUSED(wr(h.D, meta), -EXO_EPERM);
	REFUSED(wr(h.J, meta), -EXO_EPERM);
	REFUSED(wr(h.K, meta), -EXO_EPERM);

	/* 2. Our own metadata of ext2's indirect type, pointed at unixd's
	 * blocks: each write refused, nothing written. */
	h.t_ind = exo_disk_type(prog, ext2_udf_indirect((uint32_t)h.base, prog));
	CHECK(h.t_ind > 0);
	REFUSED(exo_block_retype(h.T, (uint64_t)h.t_ind), -EXO_EPERM);
	h.M = (uint64_t)exo_block_alloc(EXO_BLOCK_ANY, (uint64_t)h.t_ind);
	CHECK((long)h.M > 0 && h.M > h.base);
	h.F = (uint64_t)exo_block_alloc(EXO_BLOCK_ANY, 0);
	CHECK((long)h.F > 0 && exo_block_free(h.F) == 0); /* nobody's now */
	const uint64_t victims[] = { h.T, h.I, h.D, h.J, h.K, h.F, h.M };
	for (unsigned i = 0; i < sizeof victims / sizeof victims[0]; i++) {
		memset(meta, 0, sizeof meta);
		put32(meta + 4 * i, (uint32_t)(victims[i] - h.base));
		REFUSED(wr(h.M, meta), -EXO_EPERM);
	}
	/* Our own block is ours to reference; it is held then. */
	h.A = (uint64_t)exo_block_alloc(EXO_BLOCK_ANY, 0);
	CHECK((long)h.A > 0 && h.A > h.base);
	memset(meta, 0, sizeof meta);
	put32(meta, (uint32_t)(h.A - h.base));
	REFUSED(wr(h.M, meta), 0);
	REFUSED(exo_block_free(h.A), -EXO_EBUSY);
	REFUSED(exo_block_retype(h.A, (uint64_t)h.t_ind), -EXO_EBUSY);
	REFUSED(exo_block_retype(h.A, 0), -EXO_EBUSY);
	REFUSED(exo_block_retype(h.M, 99), -EXO_EINVAL);
	REFUSED(exo_block_retype(h.M, 0), 0); /* lets go of A */
	REFUSED(exo_block_retype(h.A, 0), 0);
	REFUSED(exo_block_free(h.A), 0);
	REFUSED(exo_block_free(h.M), 0);

	/* 3. The write grant on unixd's inode-table block T: point the inode
	 * that owns I at a block I holds, at unixd's unheld block, at a free
	 * block (in i_block[1], or as its double indirect block); retype and
	 * free T. */
	const uint64_t targets[] = { h.J, h.K, h.F };
	for (unsigned i = 0; i < 2 * sizeof targets / sizeof targets[0]; i++) {
		CHECK(rd(h.T, tcopy) == 0);
		uint32_t slot = i % 2 ? 13 : 1;
		put32(tcopy + h.off + 40 + 4 * slot, (uint32_t)(targets[i / 2] - h.base));
		REFUSED(wr(h.T, tcopy), -EXO_EPERM);
	}
	REFUSED(exo_block_retype(h.T, 0), -EXO_EPERM);
	REFUSED(exo_block_free(h.T), -EXO_EPERM);
	/* The inode still names D and I. */
	CHECK(rd(h.T, tcopy) == 0);
	CHECK(h.base + le32(tcopy + h.off + 40) == h.D);
	CHECK(h.base + le32(tcopy + h.off + 40 + 48) == h.I);
	printf("hostile: %u attempts on unixd's inode-table block %llu, indirect block %llu and "
	       "blocks %llu %llu %llu refused\n",
	       h.refused, (unsigned long long)h.T, (unsigned long long)h.I, (unsigned long long)h.D,
	       (unsigned long long)h.J, (unsigned long long)h.K);
}

/* ------------------------------------------------------------ init */

static void fill(char *b, size_t n, int seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (char)(i * 13 + (size_t)seed * 7 + i / 4096);
}

static void make(const char *path, size_t n, int seed)
{
	static char buf[64 * 1024];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	CHECK(fd >= 0);
	for (size_t done = 0; done < n; done += sizeof buf) {
		size_t k = n - done < sizeof buf ? n - done : sizeof buf;
		fill(buf, sizeof buf, seed + (int)(done / sizeof buf));
		CHECK(write(fd, buf, k) == (ssize_t)k);
	}
	CHECK(fsync(fd) == 0 && close(fd) == 0);
}

static void verify(const char *path, size_t n, int seed)
{
	static char want[64 * 1024], got[64 * 1024];
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0);
	for (size_t done = 0; done < n; done += sizeof want) {
		size_t k = n - done < sizeof want ? n - done : sizeof want;
		fill(want, sizeof want, seed + (int)(done / sizeof want));
		CHECK(read(fd, got, k) == (ssize_t)k && memcmp(want, got, k) == 0);
	}
	CHECK(read(fd, got, 1) == 0 && close(fd) == 0);
}

static void init(void)
{
	static char buf[64 * 1024];
	ssize_t n;
	size_t total = 0;

	/* Single indirect blocks allocated, freed (retyped back to data
	 * after the sync), and their blocks reused; a double indirect tree
	 * made and cut back to its single indirect block. */
	make("/home/a", 300 * 1024, 1);
	CHECK(unlink("/home/a") == 0);
	sync();
	make("/home/b", 300 * 1024, 2);
	make("/home/c", 5 * 1024 * 1024, 3);
	CHECK(truncate("/home/c", 100 * 1024) == 0);
	sync();
	make("/home/d", 2 * 1024 * 1024, 4);
	for (int i = 0; i < 6000 && (find_env("hostile") || find_env("granter")); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	CHECK(find_env("hostile") == 0 && find_env("granter") == 0);
	verify("/home/b", 300 * 1024, 2);
	verify("/home/c", 100 * 1024, 3);
	verify("/home/d", 2 * 1024 * 1024, 4);
	/* Every /bin program, the attacked inode's file among them, reads. */
	const char *bins[] = { "/bin/unix_xn", "/bin/sh", "/bin/ls" };
	for (unsigned i = 0; i < sizeof bins / sizeof bins[0]; i++) {
		int fd = open(bins[i], O_RDONLY);
		if (fd < 0)
			continue;
		while ((n = read(fd, buf, sizeof buf)) > 0)
			total += (size_t)n;
		CHECK(n == 0 && close(fd) == 0);
	}
	CHECK(total > 48 * 1024);
	sync();
	printf("unix_xn: files intact (%zu bytes of /bin read)\n", total);
	printf("TEST-END pass\n");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "granter") == 0)
		granter();
	else if (strcmp(argv[0], "hostile") == 0)
		hostile();
	else
		init();
	return 0;
}
