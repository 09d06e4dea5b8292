/*
 * test_ext2_read.c - reading an image made by Debian's mke2fs -t ext2 -b
 * 4096 -d from a directory this test writes: small, empty and large files
 * (direct, single and double indirect blocks), a sparse file reaching the
 * triple indirect block, fast and slow symlinks (to files, to a directory,
 * dangling, in a loop, absolute), twenty nested directories, a directory
 * of 3000 entries that e2fsck -D turned into a hash-indexed one, a fifo
 * and a device. Everything read must equal what was written; bad requests
 * get their errno; a read-only mount writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#define EXT2T_DECLS_ONLY
#include "test_ext2_util.c"
#include "unit.h"

#define MEDIUM_LEN 100000
#define BIG_LEN	   (5 * 1024 * 1024 + 123)
#define SPARSE_MID (10 * 1024 * 1024 + 7)
#define SPARSE_END (5ull * 1024 * 1024 * 1024)
#define BIGDIR_N   3000
#define DEPTH	   20

static const char *img;
static char slow_target[300];

/* Build the source tree and the image once. */
static const char *image(void)
{
	static char path[512];
	static bool tried;
	char p[512], *buf;

	if (img)
		return img;
	CU_ASSERT_FATAL(!tried); /* an earlier test failed to make it */
	tried = true;
	const char *src = ext2t_path("rsrc");
	mkdir(src, 0755);
	snprintf(p, sizeof(p), "%s/small.txt", src);
	ext2t_write_file(p, "hello, ext2\n", 12);
	snprintf(p, sizeof(p), "%s/empty", src);
	ext2t_write_file(p, "", 0);
	buf = malloc(BIG_LEN);
	CU_ASSERT_FATAL(buf != NULL);
	ext2t_fill(buf, MEDIUM_LEN, 1, 0);
	snprintf(p, sizeof(p), "%s/medium", src);
	ext2t_write_file(p, buf, MEDIUM_LEN);
	ext2t_fill(buf, BIG_LEN, 2, 0);
	snprintf(p, sizeof(p), "%s/big", src);
	ext2t_write_file(p, buf, BIG_LEN);
	free(buf);

	snprintf(p, sizeof(p), "%s/sparse", src);
	int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	char blk[4096];
	ext2t_fill(blk, sizeof(blk), 3, 0);
	CU_ASSERT_FATAL(pwrite(fd, blk, 4096, 0) == 4096);
	ext2t_fill(blk, 100, 3, SPARSE_MID);
	CU_ASSERT_FATAL(pwrite(fd, blk, 100, SPARSE_MID) == 100);
	ext2t_fill(blk, sizeof(blk), 3, SPARSE_END);
	CU_ASSERT_FATAL(pwrite(fd, blk, 4096, (off_t)SPARSE_END) == 4096);
	close(fd);

	/* Symlinks. */
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(slow_target + n, sizeof(slow_target) - n, "./");
	snprintf(slow_target + n, sizeof(slow_target) - n, "small.txt");
	struct {
		const char *name, *target;
	} links[] = { { "fast", "small.txt" },	   { "slow", slow_target },    { "dirlink", "d1" },
		      { "dangling", "nowhere" },   { "loop1", "loop2" },       { "loop2", "loop1" },
		      { "abslink", "/small.txt" }, { "uplink", "d1/d2/../.." } };
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", src, links[i].name);
		CU_ASSERT_FATAL(symlink(links[i].target, p) == 0);
	}

	/* Deep directories. */
	n = (size_t)snprintf(p, sizeof(p), "%s", src);
	for (int i = 1; i <= DEPTH; i++) {
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/d%d", i);
		mkdir(p, 0755);
	}
	snprintf(p + n, sizeof(p) - n, "/leaf.txt");
	ext2t_write_file(p, "deep\n", 5);

	/* A big directory (indexed by e2fsck -D below). */
	snprintf(p, sizeof(p), "%s/bigdir", src);
	mkdir(p, 0755);
	for (int i = 0; i < BIGDIR_N; i++) {
		char f[600], c[32];
		snprintf(f, sizeof(f), "%s/bigdir/file-%05d", src, i);
		int len = i % 100 == 0 ? snprintf(c, sizeof(c), "entry %d\n", i) : 0;
		ext2t_write_file(f, c, (size_t)len);
	}

	snprintf(path, sizeof(path), "%s", ext2t_path("read.img"));
	int rc = ext2t_sh("mke2fs -q -F -t ext2 -b 4096 -d '%s' '%s' 64M", src, path);
	if (rc != 0)
		ext2t_dump_log();
	CU_ASSERT_FATAL(rc == 0);
	rc = ext2t_sh("e2fsck -fyD '%s'", path);
	CU_ASSERT_FATAL(rc == 0 || rc == 1);
	rc = ext2t_sh("debugfs -w -R 'mknod fifo p' '%s' && debugfs -w -R 'mknod cdev c 4 5' '%s'",
		      path, path);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_FATAL(ext2t_fsck(path) == 0);
	img = path;
	return img;
}

static void mount_ro(struct ext2t_mnt *m, unsigned nbufs)
{
	const char *why = NULL;
	int r = ext2t_mount(m, image(), nbufs, true, &why);

	if (r)
		fprintf(stderr, "mount: %d %s\n", r, why ? why : "");
	CU_ASSERT_FATAL(r == 0);
}

/* Read all of path through fs in odd-sized chunks and compare. */
static void check_file(struct ext2_fs *fs, const char *path, uint32_t seed, uint64_t len)
{
	uint32_t ino = ext2t_ino(fs, path);
	struct ext2_stat st;
	uint8_t *got = malloc(len + 1), *want = malloc(len + 1);

	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL(ext2_stat(fs, ino, &st), 0);
	CU_ASSERT_EQUAL(st.size, len);
	CU_ASSERT_EQUAL(st.mode & EXT2_S_IFMT, EXT2_S_IFREG);
	ext2t_fill(want, len, seed, 0);
	uint64_t off = 0;
	while (off < len) {
		size_t chunk = 7001;
		int64_t n = ext2_read(fs, ino, off, got + off, chunk);
		CU_ASSERT_FATAL(n > 0);
		off += (uint64_t)n;
	}
	CU_ASSERT_EQUAL(ext2_read(fs, ino, len, got, 10), 0);
	CU_ASSERT(memcmp(got, want, len) == 0);
	free(got);
	free(want);
}

static void test_mount(void)
{
	struct ext2t_mnt m;
	struct ext2_statvfs sv;

	mount_ro(&m, 64);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &sv), 0);
	CU_ASSERT_EQUAL(sv.bsize, 4096);
	CU_ASSERT_EQUAL(sv.blocks, 64 * 256);
	CU_ASSERT(sv.bfree > 0 && sv.bfree < sv.blocks);
	CU_ASSERT(sv.ffree > 0 && sv.ffree < sv.files);
	CU_ASSERT(sv.read_only);
	CU_ASSERT(m.fs.filetype);
	CU_ASSERT(m.fs.sparse_super);
	CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
	CU_ASSERT_EQUAL(m.dev.writes, 0);
}

static void test_files(void)
{
	struct ext2t_mnt m;
	char buf[64];

	mount_ro(&m, 64);
	uint32_t ino = ext2t_ino(&m.fs, "/small.txt");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, buf, sizeof(buf)), 12);
	CU_ASSERT(memcmp(buf, "hello, ext2\n", 12) == 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 6, buf, 3), 3);
	CU_ASSERT(memcmp(buf, " ex", 3) == 0);
	ino = ext2t_ino(&m.fs, "empty");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, buf, sizeof(buf)), 0);
	check_file(&m.fs, "/medium", 1, MEDIUM_LEN);
	check_file(&m.fs, "/big", 2, BIG_LEN);
	ext2t_umount(&m);
}

static void test_sparse(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	uint8_t got[8192], want[8192], zero[8192] = { 0 };

	mount_ro(&m, 32);
	uint32_t ino = ext2t_ino(&m.fs, "sparse");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, ino, &st), 0);
	CU_ASSERT_EQUAL(st.size, SPARSE_END + 4096);
	/* 3 data blocks (+1 for the partly written middle), IND, DIND, TIND (each
	 * reaching its block), in 512-byte sectors: small, not 5 GiB. */
	CU_ASSERT(st.blocks > 0 && st.blocks < 200);
	ext2t_fill(want, 4096, 3, 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, got, 4096), 4096);
	CU_ASSERT(memcmp(got, want, 4096) == 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 4096 * 20, got, 8192), 8192);
	CU_ASSERT(memcmp(got, zero, 8192) == 0);
	ext2t_fill(want, 100, 3, SPARSE_MID);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, SPARSE_MID - 50, got, 200), 200);
	CU_ASSERT(memcmp(got, zero, 50) == 0);
	CU_ASSERT(memcmp(got + 50, want, 100) == 0);
	CU_ASSERT(memcmp(got + 150, zero, 50) == 0);
	ext2t_fill(want, 4096, 3, SPARSE_END);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, SPARSE_END - 4096, got, 8192), 8192);
	CU_ASSERT(memcmp(got, zero, 4096) == 0);
	CU_ASSERT(memcmp(got + 4096, want, 4096) == 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, SPARSE_END + 4000, got, 8192), 96);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, SPARSE_END + 4096, got, 8192), 0);
	ext2t_umount(&m);
}

static void test_symlinks(void)
{
	struct ext2t_mnt m;
	char buf[512];
	uint32_t ino, small, d2;
	struct ext2_stat st;

	mount_ro(&m, 32);
	small = ext2t_ino(&m.fs, "small.txt");
	d2 = ext2t_ino(&m.fs, "d1/d2");
	CU_ASSERT_FATAL(small && d2);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "fast", 0, &ino), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, ino, &st), 0);
	CU_ASSERT_EQUAL(st.mode & EXT2_S_IFMT, EXT2_S_IFLNK);
	CU_ASSERT_EQUAL(st.size, 9);
	CU_ASSERT_EQUAL(ext2_readlink(&m.fs, ino, buf, sizeof(buf)), 9);
	CU_ASSERT(memcmp(buf, "small.txt", 9) == 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, buf, 10), -EINVAL);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "slow", 0, &ino), 0);
	CU_ASSERT_EQUAL(ext2_readlink(&m.fs, ino, buf, sizeof(buf)), (int64_t)strlen(slow_target));
	CU_ASSERT(memcmp(buf, slow_target, strlen(slow_target)) == 0);
	CU_ASSERT_EQUAL(ext2_readlink(&m.fs, ino, buf, 5), 5);

	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "fast"), small);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "slow"), small);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "/abslink"), small);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "dirlink/d2"), d2);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "dirlink/d2/../d2"), d2);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "uplink"), 2);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "dangling", EXT2_FOLLOW, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "dangling", 0, &ino), 0);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "loop1", EXT2_FOLLOW, &ino), -ELOOP);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "loop1/x", 0, &ino), -ELOOP);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "loop1", 0, &ino), 0);
	/* A trailing slash follows the link and wants a directory. */
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "dirlink/", 0, &ino), 0);
	CU_ASSERT_EQUAL(ino, ext2t_ino(&m.fs, "d1"));
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "small.txt/", 0, &ino), -ENOTDIR);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "fast/", 0, &ino), -ENOTDIR);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "small.txt/x", 0, &ino), -ENOTDIR);
	ext2t_umount(&m);
}

static void test_deep(void)
{
	struct ext2t_mnt m;
	char p[512], buf[16];
	uint32_t ino, d1;
	size_t n = 0;

	mount_ro(&m, 16);
	for (int i = 1; i <= DEPTH; i++)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/d%d", i);
	snprintf(p + n, sizeof(p) - n, "/leaf.txt");
	ino = ext2t_ino(&m.fs, p);
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, buf, sizeof(buf)), 5);
	CU_ASSERT(memcmp(buf, "deep\n", 5) == 0);
	d1 = ext2t_ino(&m.fs, "d1");
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, d1, "d2/d3/../../d2", 0, &ino), 0);
	CU_ASSERT_EQUAL(ino, ext2t_ino(&m.fs, "/d1/d2"));
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, d1, "..", 0, &ino), 0);
	CU_ASSERT_EQUAL(ino, 2);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "/../..//./d1//", 0, &ino), 0);
	CU_ASSERT_EQUAL(ino, d1);
	/* ".." stops at the walk's root. */
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, d1, d1, "/../../d2", 0, &ino), 0);
	CU_ASSERT_EQUAL(ino, ext2t_ino(&m.fs, "/d1/d2"));
	struct ext2_parent par;
	CU_ASSERT_EQUAL(ext2_resolve_parent(&m.fs, 2, 2, "d1/d2/newname/", &par), 0);
	CU_ASSERT_EQUAL(par.dir, ext2t_ino(&m.fs, "/d1/d2"));
	CU_ASSERT_EQUAL(par.len, 7);
	CU_ASSERT_STRING_EQUAL(par.name, "newname");
	CU_ASSERT(par.trailing_slash);
	CU_ASSERT_EQUAL(ext2_resolve_parent(&m.fs, 2, 2, "/", &par), 0);
	CU_ASSERT_EQUAL(par.dir, 2);
	CU_ASSERT_STRING_EQUAL(par.name, ".");
	CU_ASSERT_EQUAL(ext2_resolve_parent(&m.fs, 2, 2, "dirlink/x", &par), 0);
	CU_ASSERT_EQUAL(par.dir, d1);
	CU_ASSERT_EQUAL(ext2_resolve_parent(&m.fs, 2, 2, "nope/x", &par), -ENOENT);
	CU_ASSERT_EQUAL(ext2_resolve_parent(&m.fs, 2, 2, "small.txt/x", &par), -ENOTDIR);
	ext2t_umount(&m);
}

static void test_bigdir(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	struct ext2_dirent_info de;
	static uint8_t seen[BIGDIR_N];
	uint64_t pos = 0;
	int dots = 0, r;

	mount_ro(&m, 16);
	uint32_t dir = ext2t_ino(&m.fs, "bigdir");
	CU_ASSERT_FATAL(dir != 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, dir, &st), 0);
	CU_ASSERT(st.flags & EXT2_INDEX_FL);
	CU_ASSERT(st.size > 10 * 4096);
	memset(seen, 0, sizeof(seen));
	while ((r = ext2_readdir(&m.fs, dir, &pos, &de)) == 1) {
		int i;
		if (!strcmp(de.name, ".") || !strcmp(de.name, "..")) {
			dots++;
			CU_ASSERT_EQUAL(de.type, EXT2_FT_DIR);
			continue;
		}
		CU_ASSERT_FATAL(sscanf(de.name, "file-%05d", &i) == 1 && i >= 0 && i < BIGDIR_N);
		CU_ASSERT_EQUAL(seen[i], 0);
		seen[i]++;
		CU_ASSERT_EQUAL(de.type, EXT2_FT_REG_FILE);
	}
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(dots, 2);
	for (int i = 0; i < BIGDIR_N; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	/* At the end it stays at the end. */
	CU_ASSERT_EQUAL(ext2_readdir(&m.fs, dir, &pos, &de), 0);
	for (int i = 0; i < BIGDIR_N; i += 100) {
		char name[32], buf[32];
		uint32_t ino;
		snprintf(name, sizeof(name), "file-%05d", i);
		CU_ASSERT_EQUAL(ext2_lookup(&m.fs, dir, name, strlen(name), &ino), 0);
		int len = snprintf(name, sizeof(name), "entry %d\n", i);
		CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, buf, sizeof(buf)), len);
		CU_ASSERT(memcmp(buf, name, (size_t)len) == 0);
	}
	uint32_t ino;
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, dir, "file-03000", 10, &ino), -ENOENT);
	ext2t_umount(&m);
}

static void test_special(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;

	mount_ro(&m, 16);
	uint32_t ino = ext2t_ino(&m.fs, "fifo");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, ino, &st), 0);
	CU_ASSERT_EQUAL(st.mode & EXT2_S_IFMT, EXT2_S_IFIFO);
	ino = ext2t_ino(&m.fs, "cdev");
	CU_ASSERT_FATAL(ino != 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, ino, &st), 0);
	CU_ASSERT_EQUAL(st.mode & EXT2_S_IFMT, EXT2_S_IFCHR);
	CU_ASSERT_EQUAL(st.rdev, (4 << 8) | 5);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, &st, 1), -EINVAL);
	ext2t_umount(&m);
}

static void test_errors(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	struct ext2_dirent_info de;
	uint32_t ino;
	uint64_t pos = 0;
	char name[300], buf[8];

	mount_ro(&m, 16);
	uint32_t small = ext2t_ino(&m.fs, "small.txt");
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, "nope", 4, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, small, "x", 1, &ino), -ENOTDIR);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, "a/b", 3, &ino), -EINVAL);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, "", 0, &ino), -ENOENT);
	memset(name, 'x', sizeof(name));
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, name, 256, &ino), -ENAMETOOLONG);
	name[299] = 0;
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, name, 0, &ino), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "", 0, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, 2, 0, buf, 8), -EISDIR);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, 0, &st), -EINVAL);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, 7, &st), -EINVAL);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, m.fs.inodes_count + 1, &st), -EINVAL);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, m.fs.inodes_count, &st), -ENOENT);
	CU_ASSERT_EQUAL(ext2_readdir(&m.fs, small, &pos, &de), -ENOTDIR);
	CU_ASSERT_EQUAL(ext2_readlink(&m.fs, small, buf, 8), -EINVAL);
	ext2t_umount(&m);
}

static void test_read_only(void)
{
	struct ext2t_mnt m;
	uint32_t ino;
	uint64_t before = ext2t_file_hash(image());
	struct ext2_setattr sa = { .valid = EXT2_SET_MODE, .mode = 0600 };

	mount_ro(&m, 16);
	uint32_t small = ext2t_ino(&m.fs, "small.txt");
	CU_ASSERT_EQUAL(ext2_write(&m.fs, small, 0, "x", 1), -EROFS);
	CU_ASSERT_EQUAL(ext2_truncate(&m.fs, small, 0), -EROFS);
	CU_ASSERT_EQUAL(ext2_create(&m.fs, 2, "new", 3, 0644, 0, 0, &ino), -EROFS);
	CU_ASSERT_EQUAL(ext2_mkdir(&m.fs, 2, "new", 3, 0755, 0, 0, &ino), -EROFS);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "small.txt", 9), -EROFS);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, 2, "d1", 2), -EROFS);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, 2, "small.txt", 9, 2, "s", 1), -EROFS);
	CU_ASSERT_EQUAL(ext2_link(&m.fs, small, 2, "s", 1), -EROFS);
	CU_ASSERT_EQUAL(ext2_symlink(&m.fs, 2, "s", 1, "t", 1, 0, 0, &ino), -EROFS);
	CU_ASSERT_EQUAL(ext2_setattr(&m.fs, small, &sa), -EROFS);
	CU_ASSERT_EQUAL(ext2_sync(&m.fs), 0);
	CU_ASSERT_EQUAL(ext2_fsync(&m.fs, small), 0);
	CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
	CU_ASSERT_EQUAL(m.dev.writes, 0);
	CU_ASSERT_EQUAL(m.dev.flushes, 0);
	CU_ASSERT_EQUAL(ext2t_file_hash(image()), before);
}

/* The smallest cache reads everything, and gives every frame back. */
static void test_small_cache(void)
{
	struct ext2t_mnt m;

	mount_ro(&m, BCACHE_MIN);
	check_file(&m.fs, "big", 2, BIG_LEN);
	CU_ASSERT(m.bc.nframes <= BCACHE_MIN);
	CU_ASSERT(m.bc.stats.evictions > 0);
	ext2t_umount(&m);
	CU_ASSERT_EQUAL(ext2t_frames_live, 0);
}

static CU_TestInfo ext2_read_tests[] = {
	{ "mount and counts", test_mount },
	{ "regular files", test_files },
	{ "sparse file up to triple indirect", test_sparse },
	{ "fast and slow symlinks, loops", test_symlinks },
	{ "deep paths and ..", test_deep },
	{ "indexed directory of 3000 entries", test_bigdir },
	{ "fifo and device", test_special },
	{ "errors", test_errors },
	{ "read-only mount writes nothing", test_read_only },
	{ "smallest cache", test_small_cache },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(ext2_read, ext2_read_tests);
