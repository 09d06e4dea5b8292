/*
 * test_ext2_util.c - helpers for the ext2 host tests (test_ext2_*.c):
 * a scratch directory, running e2fsprogs (mke2fs, e2fsck, debugfs), a
 * file-backed block device and mounting through libos/unix/fs.
 *
 * The other test_ext2_*.c files include this file with EXT2T_DECLS_ONLY
 * defined to get the declarations; compiled on its own it provides the
 * definitions (the unit-test binary links every .c file in tests/unit).
 */
#ifndef EXT2T_UTIL_DECLS
#define EXT2T_UTIL_DECLS

#include <stdbool.h>
#include <stdint.h>

#include "bcache.h"
#include "blockdev.h"
#include "ext2.h"

/* A block device over an image file; counts what it is asked to do. */
struct ext2t_fdev {
	int fd;
	uint64_t reads, writes, flushes;
	struct blockdev bd;
};

/* A mounted image: device, cache, file system. */
struct ext2t_mnt {
	struct ext2t_fdev dev;
	struct bcache bc;
	struct buf *hdrs;
	struct ext2_fs fs;
	bool mounted;
};

/* The scratch directory of this run (made once, removed at exit). */
const char *ext2t_dir(void);
/* A path in the scratch directory (the same pointer for the same name, for good). */
const char *ext2t_path(const char *name);
/* Run a shell command (e2fsprogs on PATH); its output goes to ext2t_log().
 * Returns the exit status, or -1. */
int ext2t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The output of the last ext2t_sh. */
const char *ext2t_log(void);
/* Print the last output (for a failing test). */
void ext2t_dump_log(void);
/* Write len bytes of buf to file path (made or replaced). */
void ext2t_write_file(const char *path, const void *buf, size_t len);
/* Deterministic bytes: buf[i] from seed and i. */
void ext2t_fill(void *buf, size_t len, uint32_t seed, uint64_t offset);
/* Open an image as a block device. Returns 0 or -errno. */
int ext2t_fdev_open(struct ext2t_fdev *d, const char *img, bool rw);
void ext2t_fdev_close(struct ext2t_fdev *d);
/* The block-cache frame callbacks over malloc (4 KiB aligned). */
extern const struct bcache_ops ext2t_frames;
/* Frames currently allocated through ext2t_frames. */
extern long ext2t_frames_live;
/* Mount img with a cache of nbufs buffers. Returns ext2_mount's result;
 * *why (if given) gets its explanation. */
int ext2t_mount(struct ext2t_mnt *m, const char *img, unsigned nbufs, bool read_only,
		const char **why);
/* ext2t_mount's ext2_config.clean_only (false unless a test sets it). */
extern bool ext2t_clean_only;
/* Unmount (if mounted), destroy the cache, close. Returns ext2_unmount's result. */
int ext2t_umount(struct ext2t_mnt *m);
/* e2fsck -fn on img: its exit status (0 = clean); prints the output if not 0. */
int ext2t_fsck(const char *img);
/* Seconds for the file system's clock. */
uint32_t ext2t_clock(void *ctx);
/* Resolve path from the root (following a final symlink). 0 if not found. */
uint32_t ext2t_ino(struct ext2_fs *fs, const char *path);
/* The SHA-like fingerprint of a whole file (to see that nothing was written). */
uint64_t ext2t_file_hash(const char *path);

#endif /* EXT2T_UTIL_DECLS */

#ifndef EXT2T_DECLS_ONLY

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

bool ext2t_clean_only;
static char scratch[256];
static char logbuf[16384];

static void remove_scratch(void)
{
	char cmd[300];

	if (scratch[0] && !getenv("EXT2T_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			fprintf(stderr, "ext2 tests: cannot remove %s\n", scratch);
	}
}

const char *ext2t_dir(void)
{
	if (!scratch[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(scratch, sizeof(scratch), "%s/ext2t.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(scratch)) {
			perror("mkdtemp");
			abort();
		}
		atexit(remove_scratch);
	}
	return scratch;
}

const char *ext2t_path(const char *name)
{
	static struct {
		char *name, *path;
	} known[256];
	static unsigned n;
	char b[512];

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(known[i].name, name))
			return known[i].path;
	CU_ASSERT_FATAL(n < sizeof(known) / sizeof(known[0]));
	snprintf(b, sizeof(b), "%s/%s", ext2t_dir(), name);
	known[n].name = strdup(name);
	known[n].path = strdup(b);
	return known[n++].path;
}

int ext2t_sh(const char *fmt, ...)
{
	char cmd[4096], full[4400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "PATH=\"$PATH:/sbin:/usr/sbin\"; (%s) >'%s/sh.log' 2>&1", cmd,
		 ext2t_dir());
	int st = system(full);
	FILE *f = fopen(ext2t_path("sh.log"), "r");
	size_t n = 0;
	if (f) {
		n = fread(logbuf, 1, sizeof(logbuf) - 1, f);
		fclose(f);
	}
	logbuf[n] = 0;
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

const char *ext2t_log(void)
{
	return logbuf;
}

void ext2t_dump_log(void)
{
	fprintf(stderr, "---- output:\n%s----\n", logbuf);
}

void ext2t_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_FATAL(f != NULL);
	if (len)
		CU_ASSERT_FATAL(fwrite(buf, 1, len, f) == len);
	fclose(f);
}

void ext2t_fill(void *buf, size_t len, uint32_t seed, uint64_t offset)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		uint64_t x = (offset + i) * 0x9e3779b97f4a7c15ull + seed * 0xbf58476d1ce4e5b9ull;
		x ^= x >> 29;
		p[i] = (uint8_t)(x ^ (x >> 17) ^ ((offset + i) >> 12));
	}
}

static int fdev_read(void *ctx, uint64_t block, void *buf)
{
	struct ext2t_fdev *d = ctx;

	d->reads++;
	ssize_t n = pread(d->fd, buf, BLOCKDEV_BLOCK, (off_t)(block * BLOCKDEV_BLOCK));
	if (n < 0)
		return -errno;
	if (n < BLOCKDEV_BLOCK)
		memset((char *)buf + n, 0, BLOCKDEV_BLOCK - n);
	return 0;
}

static int fdev_write(void *ctx, uint64_t block, const void *buf)
{
	struct ext2t_fdev *d = ctx;

	d->writes++;
	ssize_t n = pwrite(d->fd, buf, BLOCKDEV_BLOCK, (off_t)(block * BLOCKDEV_BLOCK));
	return n == BLOCKDEV_BLOCK ? 0 : -EIO;
}

static int fdev_flush(void *ctx)
{
	struct ext2t_fdev *d = ctx;

	d->flushes++;
	return 0;
}

int ext2t_fdev_open(struct ext2t_fdev *d, const char *img, bool rw)
{
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->fd = open(img, rw ? O_RDWR : O_RDONLY);
	if (d->fd < 0)
		return -errno;
	if (fstat(d->fd, &st) < 0)
		return -errno;
	d->bd.read = fdev_read;
	d->bd.write = fdev_write;
	d->bd.flush = fdev_flush;
	d->bd.ctx = d;
	d->bd.nblocks = (uint64_t)st.st_size / BLOCKDEV_BLOCK;
	return 0;
}

void ext2t_fdev_close(struct ext2t_fdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

long ext2t_frames_live;

static void *frame_alloc(void *ctx)
{
	(void)ctx;
	ext2t_frames_live++;
	return aligned_alloc(4096, 4096);
}

static void frame_free(void *ctx, void *f)
{
	(void)ctx;
	ext2t_frames_live--;
	free(f);
}

const struct bcache_ops ext2t_frames = { frame_alloc, frame_free, NULL };

uint32_t ext2t_clock(void *ctx)
{
	(void)ctx;
	return 1700000000u;
}

int ext2t_mount(struct ext2t_mnt *m, const char *img, unsigned nbufs, bool read_only,
		const char **why)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = ext2t_fdev_open(&m->dev, img, !read_only)) < 0)
		return r;
	m->hdrs = calloc(nbufs, sizeof(struct buf));
	CU_ASSERT_FATAL(m->hdrs != NULL);
	CU_ASSERT_FATAL(bcache_init(&m->bc, &m->dev.bd, m->hdrs, nbufs, &ext2t_frames) == 0);
	struct ext2_config cfg = { .read_only = read_only,
				   .clean_only = ext2t_clean_only,
				   .now = ext2t_clock };
	r = ext2_mount(&m->fs, &m->bc, &cfg, why);
	m->mounted = r == 0;
	if (r < 0) {
		bcache_destroy(&m->bc);
		free(m->hdrs);
		m->hdrs = NULL;
		ext2t_fdev_close(&m->dev);
	}
	return r;
}

int ext2t_umount(struct ext2t_mnt *m)
{
	int r = 0;

	if (m->mounted)
		r = ext2_unmount(&m->fs);
	m->mounted = false;
	if (m->hdrs) {
		bcache_destroy(&m->bc);
		free(m->hdrs);
		m->hdrs = NULL;
	}
	ext2t_fdev_close(&m->dev);
	return r;
}

int ext2t_fsck(const char *img)
{
	int rc = ext2t_sh("e2fsck -fn '%s'", img);

	if (rc != 0) {
		fprintf(stderr, "\ne2fsck -fn %s: exit %d\n", img, rc);
		ext2t_dump_log();
	}
	return rc;
}

uint32_t ext2t_ino(struct ext2_fs *fs, const char *path)
{
	uint32_t ino = 0;

	if (ext2_resolve(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, EXT2_FOLLOW, &ino) < 0)
		return 0;
	return ino;
}

uint64_t ext2t_file_hash(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint64_t h = 1469598103934665603ull;
	static uint64_t buf[8192];
	size_t n;

	if (!f)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < n / 8; i++)
			h = (h ^ buf[i]) * 1099511628211ull;
		h = (h ^ n) * 1099511628211ull;
	}
	fclose(f);
	return h;
}

#endif /* EXT2T_DECLS_ONLY */
