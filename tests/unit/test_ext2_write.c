/*
 * test_ext2_write.c - changing ext2 images: files written at every size
 * class of the block map (direct, single, double and triple indirect,
 * sparse), truncated, removed; directories made and removed; hard and
 * symbolic links; renames of every kind; a directory grown past its
 * direct blocks; an indexed directory changed; a file with an extended-
 * attribute block removed; a full disk; a file unlinked while open. After
 * each session the image is unmounted and `e2fsck -fn` must find nothing
 * to fix, and debugfs must read back what was written.
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

/* A fresh image of `mb` MiB (extra: mke2fs options), mounted read-write. */
static const char *fresh(struct ext2t_mnt *m, const char *name, int mb, const char *extra,
			 unsigned nbufs)
{
	const char *img = ext2t_path(name);
	int rc = ext2t_sh("rm -f '%s'; mke2fs -q -F -t ext2 -b 4096 %s '%s' %dM", img,
			  extra ? extra : "", img, mb);

	if (rc)
		ext2t_dump_log();
	CU_ASSERT_FATAL(rc == 0);
	const char *why = NULL;
	int r = ext2t_mount(m, img, nbufs, false, &why);
	if (r)
		fprintf(stderr, "mount %s: %d %s\n", img, r, why ? why : "");
	CU_ASSERT_FATAL(r == 0);
	CU_ASSERT_FATAL(m->fs.rw);
	return img;
}

/* Unmount and require e2fsck -fn to find the image clean. */
static void finish(struct ext2t_mnt *m, const char *img)
{
	CU_ASSERT_EQUAL(ext2t_umount(m), 0);
	CU_ASSERT_EQUAL(ext2t_fsck(img), 0);
	CU_ASSERT_EQUAL(ext2t_frames_live, 0);
}

/* debugfs must read path in img as exactly want[0..len). */
static void debugfs_has(const char *img, const char *path, const void *want, size_t len)
{
	const char *out = ext2t_path("dump.out");
	int rc = ext2t_sh("rm -f '%s'; debugfs -R 'dump %s %s' '%s'", out, path, out, img);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	FILE *f = fopen(out, "rb");
	CU_ASSERT_FATAL(f != NULL);
	uint8_t *got = malloc(len + 1);
	size_t n = fread(got, 1, len + 1, f);
	fclose(f);
	if (n != len)
		fprintf(stderr, "\ndebugfs %s: %zu bytes, want %zu\n", path, n, len);
	CU_ASSERT_EQUAL(n, len);
	CU_ASSERT(n != len || memcmp(got, want, len) == 0);
	free(got);
}

static uint32_t mk(struct ext2_fs *fs, uint32_t dir, const char *name)
{
	uint32_t ino = 0;

	CU_ASSERT_EQUAL(ext2_create(fs, dir, name, strlen(name), 0644, 1000, 100, &ino), 0);
	return ino;
}

static uint32_t mkd(struct ext2_fs *fs, uint32_t dir, const char *name)
{
	uint32_t ino = 0;

	CU_ASSERT_EQUAL(ext2_mkdir(fs, dir, name, strlen(name), 0755, 0, 0, &ino), 0);
	return ino;
}

/* Write len bytes of seed's pattern to ino in chunks of `chunk`. */
static void put(struct ext2_fs *fs, uint32_t ino, uint64_t off, size_t len, uint32_t seed,
		size_t chunk)
{
	uint8_t *b = malloc(len ? len : 1);

	ext2t_fill(b, len, seed, off);
	for (size_t done = 0; done < len;) {
		size_t n = len - done < chunk ? len - done : chunk;
		CU_ASSERT_EQUAL_FATAL(ext2_write(fs, ino, off + done, b + done, n), (int64_t)n);
		done += n;
	}
	free(b);
}

/* ino must read as seed's pattern over [off, off+len). */
static void same(struct ext2_fs *fs, uint32_t ino, uint64_t off, size_t len, uint32_t seed)
{
	uint8_t *want = malloc(len + 1), *got = malloc(len + 1);

	ext2t_fill(want, len, seed, off);
	CU_ASSERT_EQUAL(ext2_read(fs, ino, off, got, len), (int64_t)len);
	CU_ASSERT(memcmp(got, want, len) == 0);
	free(want);
	free(got);
}

static uint64_t size_of(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_stat st;

	CU_ASSERT_EQUAL_FATAL(ext2_stat(fs, ino, &st), 0);
	return st.size;
}

static void test_sizes(void)
{
	struct ext2t_mnt m;
	static const size_t sizes[] = {
		0, 1, 4095, 4096, 4097, 12 * 4096, 12 * 4096 + 1, 300000, (12 + 1024) * 4096 + 5
	};
	uint32_t inos[9];
	char name[32];
	const char *img = fresh(&m, "sizes.img", 32, NULL, 64);

	for (int i = 0; i < 9; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		inos[i] = mk(&m.fs, 2, name);
		put(&m.fs, inos[i], 0, sizes[i], (uint32_t)i, i % 2 ? 3000 : 65536);
		CU_ASSERT_EQUAL(size_of(&m.fs, inos[i]), sizes[i]);
		same(&m.fs, inos[i], 0, sizes[i], (uint32_t)i);
	}
	struct ext2_stat st;
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, inos[8], &st), 0);
	/* data blocks + the indirect block + the double indirect and one below it */
	CU_ASSERT_EQUAL(st.blocks, (1037 + 1 + 2) * 8);
	CU_ASSERT_EQUAL(st.uid, 1000);
	CU_ASSERT_EQUAL(st.gid, 100);
	CU_ASSERT_EQUAL(st.mode, EXT2_S_IFREG | 0644);
	CU_ASSERT_EQUAL(st.nlink, 1);
	finish(&m, img);
	for (int i = 0; i < 9; i++) {
		uint8_t *b = malloc(sizes[i] + 1);
		ext2t_fill(b, sizes[i], (uint32_t)i, 0);
		snprintf(name, sizeof(name), "/f%d", i);
		debugfs_has(img, name, b, sizes[i]);
		free(b);
	}
	/* A second session reads what the first wrote. */
	CU_ASSERT_FATAL(ext2t_mount(&m, img, 32, false, NULL) == 0);
	for (int i = 0; i < 9; i++)
		same(&m.fs, inos[i], 0, sizes[i], (uint32_t)i);
	/* Overwrite in the middle, across a block boundary. */
	put(&m.fs, inos[7], 4000, 200, 77, 200);
	finish(&m, img);
	uint8_t *b = malloc(300000);
	ext2t_fill(b, 300000, 7, 0);
	ext2t_fill(b + 4000, 200, 77, 4000);
	debugfs_has(img, "/f7", b, 300000);
	free(b);
}

static void test_sparse_and_truncate(void)
{
	struct ext2t_mnt m;
	struct ext2_statvfs before, after;
	const char *img = fresh(&m, "sparse.img", 32, NULL, 64);

	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &before), 0);
	uint32_t f = mk(&m.fs, 2, "sparse");
	const uint64_t tind = 5ull << 30, dind = 10 << 20;
	put(&m.fs, f, tind, 5000, 1, 5000);
	put(&m.fs, f, dind, 100, 2, 100);
	put(&m.fs, f, 3, 10, 3, 10);
	CU_ASSERT_EQUAL(size_of(&m.fs, f), tind + 5000);
	uint8_t z[8192], got[8192];
	memset(z, 0, sizeof(z));
	CU_ASSERT_EQUAL(ext2_read(&m.fs, f, 1 << 20, got, 8192), 8192);
	CU_ASSERT(memcmp(got, z, 8192) == 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, f, 0, got, 3), 3);
	CU_ASSERT(memcmp(got, z, 3) == 0);
	same(&m.fs, f, tind, 5000, 1);
	same(&m.fs, f, dind, 100, 2);
	same(&m.fs, f, 3, 10, 3);
	CU_ASSERT_EQUAL(ext2_fsync(&m.fs, f), 0);
	finish(&m, img);

	CU_ASSERT_FATAL(ext2t_mount(&m, img, 32, false, NULL) == 0);
	/* Down past the triple indirect block, then into the double's range. */
	CU_ASSERT_EQUAL(ext2_truncate(&m.fs, f, 4ull << 30), 0);
	CU_ASSERT_EQUAL(size_of(&m.fs, f), 4ull << 30);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, f, tind, got, 10), 0);
	CU_ASSERT_EQUAL(ext2_truncate(&m.fs, f, dind + 50), 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, f, dind, got, 100), 50);
	ext2_truncate(&m.fs, f, dind + 100);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, f, dind, got, 100), 100);
	same(&m.fs, f, dind, 50, 2);
	CU_ASSERT(memcmp(got + 50, z, 50) == 0); /* the tail was zeroed */
	finish(&m, img);

	CU_ASSERT_FATAL(ext2t_mount(&m, img, 32, false, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_truncate(&m.fs, f, 0), 0);
	struct ext2_stat st;
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), 0);
	CU_ASSERT_EQUAL(st.blocks, 0);
	CU_ASSERT_EQUAL(ext2_truncate(&m.fs, f, 1ull << 45), -EFBIG);
	CU_ASSERT_EQUAL(ext2_write(&m.fs, f, 1ull << 45, "x", 1), -EFBIG);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "sparse", 6), 0);
	CU_ASSERT_EQUAL(ext2_sync(&m.fs), 0);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &after), 0);
	CU_ASSERT_EQUAL(after.bfree, before.bfree);
	CU_ASSERT_EQUAL(after.ffree, before.ffree);
	finish(&m, img);
}

/* Truncate a 9 MiB file to sizes around every boundary of the map. */
static void test_truncate_steps(void)
{
	struct ext2t_mnt m;
	const char *img = fresh(&m, "trunc.img", 32, NULL, 48);
	static const uint64_t steps[] = { (12 + 1024 + 1024 + 3) * 4096ull + 7,
					  (12 + 1024 + 1024) * 4096ull,
					  (12 + 1024 + 5) * 4096ull - 1,
					  (12 + 1024) * 4096ull + 1,
					  (12 + 1024) * 4096ull,
					  12 * 4096 + 4095,
					  12 * 4096,
					  4097,
					  1,
					  0 };
	uint32_t f = mk(&m.fs, 2, "t");

	put(&m.fs, f, 0, 9 << 20, 9, 1 << 20);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CU_ASSERT_EQUAL(ext2_truncate(&m.fs, f, steps[i]), 0);
		CU_ASSERT_EQUAL(size_of(&m.fs, f), steps[i]);
		if (steps[i])
			same(&m.fs, f, steps[i] - 1, 1, 9);
	}
	/* Grown again: zeros. */
	CU_ASSERT_EQUAL(ext2_truncate(&m.fs, f, 100000), 0);
	uint8_t got[100000], z[100000];
	memset(z, 0, sizeof(z));
	CU_ASSERT_EQUAL(ext2_read(&m.fs, f, 0, got, sizeof(got)), 100000);
	CU_ASSERT(memcmp(got, z, sizeof(z)) == 0);
	finish(&m, img);
}

static void test_dirs(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	uint32_t ino;
	const char *img = fresh(&m, "dirs.img", 32, NULL, 32);

	uint32_t a = mkd(&m.fs, 2, "a");
	uint32_t b = mkd(&m.fs, a, "b");
	uint32_t c = mkd(&m.fs, b, "c");
	mk(&m.fs, c, "file");
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, a, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 3);
	CU_ASSERT_EQUAL(st.mode, EXT2_S_IFDIR | 0755);
	CU_ASSERT_EQUAL(st.size, 4096);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, c, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 2);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, 2, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 4); /* ., .., lost+found/.., a/.. */
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, c, "..", 2, &ino), 0);
	CU_ASSERT_EQUAL(ino, b);
	CU_ASSERT_EQUAL(ext2_mkdir(&m.fs, a, "b", 1, 0755, 0, 0, &ino), -EEXIST);
	CU_ASSERT_EQUAL(ext2_mkdir(&m.fs, a, ".", 1, 0755, 0, 0, &ino), -EEXIST);
	CU_ASSERT_EQUAL(ext2_create(&m.fs, a, "..", 2, 0755, 0, 0, &ino), -EEXIST);
	CU_ASSERT_EQUAL(
		ext2_create(&m.fs, ext2t_ino(&m.fs, "a/b/c/file"), "x", 1, 0644, 0, 0, &ino),
		-ENOTDIR);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, b, "c", 1), -ENOTEMPTY);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, c, "file", 4), -ENOTDIR);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, b, "c", 1), -EISDIR);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, b, ".", 1), -EINVAL);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, b, "..", 2), -ENOTEMPTY);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, b, "nope", 4), -ENOENT);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, c, "file", 4), 0);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, b, "c", 1), 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, b, "c", 1, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, a, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 3);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, b, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 2);
	/* Creating in a removed directory fails. */
	CU_ASSERT_EQUAL(ext2_iget(&m.fs, b), 0);
	CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, a, "b", 1), 0);
	CU_ASSERT_EQUAL(ext2_create(&m.fs, b, "x", 1, 0644, 0, 0, &ino), -ENOENT);
	struct ext2_dirent_info de;
	uint64_t pos = 0;
	CU_ASSERT_EQUAL(ext2_readdir(&m.fs, b, &pos, &de), 0);
	CU_ASSERT_EQUAL(ext2_iput(&m.fs, b), 0);
	mkd(&m.fs, a, "keep");
	finish(&m, img);
	CU_ASSERT_EQUAL(ext2t_sh("debugfs -R 'ls -l /a/keep' '%s'", img), 0);
}

static void test_links(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	uint32_t ino;
	char buf[5000];
	const char *img = fresh(&m, "links.img", 32, NULL, 32);

	uint32_t d = mkd(&m.fs, 2, "d");
	uint32_t f = mk(&m.fs, 2, "f");
	put(&m.fs, f, 0, 10000, 5, 10000);
	CU_ASSERT_EQUAL(ext2_link(&m.fs, f, d, "g", 1), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 2);
	CU_ASSERT_EQUAL(ext2_link(&m.fs, f, d, "g", 1), -EEXIST);
	CU_ASSERT_EQUAL(ext2_link(&m.fs, d, 2, "dl", 2), -EPERM);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "f", 1), 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, d, "g", 1, &ino), 0);
	CU_ASSERT_EQUAL(ino, f);
	same(&m.fs, f, 0, 10000, 5);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 1);

	/* Symlinks: fast up to 59 bytes, slow from 60 to 4095. */
	static const size_t lens[] = { 1, 59, 60, 61, 4095 };
	for (size_t i = 0; i < 5; i++) {
		char t[4096], name[8];
		memset(t, 'a' + (int)i, lens[i]);
		snprintf(name, sizeof(name), "s%zu", i);
		CU_ASSERT_EQUAL(ext2_symlink(&m.fs, d, name, strlen(name), t, lens[i], 0, 0, &ino),
				0);
		CU_ASSERT_EQUAL(ext2_readlink(&m.fs, ino, buf, sizeof(buf)), (int64_t)lens[i]);
		CU_ASSERT(memcmp(buf, t, lens[i]) == 0);
		CU_ASSERT_EQUAL(ext2_stat(&m.fs, ino, &st), 0);
		CU_ASSERT_EQUAL(st.blocks, lens[i] < 60 ? 0 : 8);
	}
	memset(buf, 'z', 4096);
	CU_ASSERT_EQUAL(ext2_symlink(&m.fs, d, "big", 3, buf, 4096, 0, 0, &ino), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(ext2_symlink(&m.fs, d, "empty", 5, buf, 0, 0, 0, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2_symlink(&m.fs, d, "up", 2, "../d/g", 6, 0, 0, &ino), 0);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "/d/up"), f);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, d, "s3", 2), 0);
	/* Devices and fifos. */
	CU_ASSERT_EQUAL(ext2_mknod(&m.fs, d, "fifo", 4, EXT2_S_IFIFO | 0600, 0, 0, 0, &ino), 0);
	CU_ASSERT_EQUAL(
		ext2_mknod(&m.fs, d, "tty", 3, EXT2_S_IFCHR | 0600, 0, 0, (4 << 8) | 1, &ino), 0);
	CU_ASSERT_EQUAL(
		ext2_mknod(&m.fs, d, "big", 3, EXT2_S_IFBLK | 0600, 0, 0, (300 << 8) | 2, &ino), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, ino, &st), 0);
	CU_ASSERT_EQUAL(st.rdev, (300 << 8) | 2);
	CU_ASSERT_EQUAL(ext2_mknod(&m.fs, d, "dir", 3, EXT2_S_IFDIR | 0600, 0, 0, 0, &ino),
			-EINVAL);
	finish(&m, img);
	CU_ASSERT_EQUAL(ext2t_sh("debugfs -R 'stat /d/tty' '%s' | grep -q 'Device major/minor "
				 "number: 04:01'",
				 img),
			0);
	CU_ASSERT_EQUAL(ext2t_sh("debugfs -R 'stat /d/big' '%s' | grep -q 'number: 300:02'", img),
			0);
	ext2t_fill(buf, 5000, 5, 0);
	uint8_t *want = malloc(10000);
	ext2t_fill(want, 10000, 5, 0);
	debugfs_has(img, "/d/g", want, 10000);
	free(want);
	CU_ASSERT_EQUAL(ext2t_sh("debugfs -R 'stat /d/s4' '%s' | grep -q 'Size: 4095'", img), 0);
}

static void test_rename(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	struct ext2_statvfs v1, v2;
	uint32_t ino;
	const char *img = fresh(&m, "rename.img", 32, NULL, 32);

	uint32_t a = mkd(&m.fs, 2, "a"), b = mkd(&m.fs, 2, "b");
	uint32_t f = mk(&m.fs, a, "f");
	put(&m.fs, f, 0, 5000, 1, 5000);
	uint32_t g = mk(&m.fs, b, "g");
	put(&m.fs, g, 0, 50000, 2, 50000);
	CU_ASSERT_EQUAL(ext2_sync(&m.fs), 0);

	/* Same directory, a longer name (in the same block). */
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "f", 1, a, "a-much-longer-name-than-before", 30), 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, a, "f", 1, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "/a/a-much-longer-name-than-before"), f);
	/* Across directories. */
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "a-much-longer-name-than-before", 30, b, "f", 1), 0);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "/b/f"), f);
	/* Over an existing file: g's blocks are freed. */
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v1), 0);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, b, "f", 1, b, "g", 1), 0);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "/b/g"), f);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, b, "f", 1, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, g, &st), -ENOENT);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v2), 0);
	CU_ASSERT_EQUAL(v2.bfree, v1.bfree + 14); /* 13 data blocks and the indirect one */
	CU_ASSERT_EQUAL(v2.ffree, v1.ffree + 1);
	same(&m.fs, f, 0, 5000, 1);
	/* To itself, and between two names of one file: nothing happens. */
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, b, "g", 1, b, "g", 1), 0);
	CU_ASSERT_EQUAL(ext2_link(&m.fs, f, a, "h", 1), 0);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "h", 1, b, "g", 1), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 2);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, a, "h", 1), 0);

	/* Directories: across parents ("..", link counts), over an empty one. */
	uint32_t x = mkd(&m.fs, a, "x");
	mk(&m.fs, x, "inside");
	uint32_t y = mkd(&m.fs, x, "y");
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "x", 1, x, "x2", 2), -EINVAL);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "x", 1, y, "x2", 2), -EINVAL);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "x", 1, b, "g", 1), -ENOTDIR);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, b, "g", 1, a, "x", 1), -EISDIR);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, ".", 1, b, "z", 1), -EINVAL);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "nope", 4, b, "z", 1), -ENOENT);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "x", 1, b, "x", 1), 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, x, "..", 2, &ino), 0);
	CU_ASSERT_EQUAL(ino, b);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, a, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 2);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, b, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 3);
	uint32_t e = mkd(&m.fs, a, "empty");
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, b, "x", 1, a, "empty", 5), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, e, &st), -ENOENT);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, x, "..", 2, &ino), 0);
	CU_ASSERT_EQUAL(ino, a);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, a, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 3);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, b, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 2);
	mkd(&m.fs, b, "full");
	mk(&m.fs, ext2t_ino(&m.fs, "/b/full"), "file");
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "empty", 5, b, "full", 4), -ENOTEMPTY);
	/* Within one directory, a directory keeps its "..". */
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, a, "empty", 5, a, "moved", 5), 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, x, "..", 2, &ino), 0);
	CU_ASSERT_EQUAL(ino, a);
	CU_ASSERT_EQUAL(ext2t_ino(&m.fs, "/a/moved/inside"),
			ext2t_ino(&m.fs, "/a/moved/y/../inside"));
	finish(&m, img);
	uint8_t want[5000];
	ext2t_fill(want, 5000, 1, 0);
	debugfs_has(img, "/b/g", want, 5000);
}

static void test_big_directory(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	char name[64];
	uint32_t ino;
	const char *img = fresh(&m, "bigdir.img", 32, "-N 4096", 48);

	uint32_t d = mkd(&m.fs, 2, "many");
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "a-rather-long-file-name-number-%06d", i);
		uint32_t f = mk(&m.fs, d, name);
		if (i % 500 == 0)
			put(&m.fs, f, 0, 100, (uint32_t)i, 100);
	}
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, d, &st), 0);
	CU_ASSERT(st.size > 12 * 4096); /* past the direct blocks */
	for (int i = 0; i < 3000; i += 2) {
		snprintf(name, sizeof(name), "a-rather-long-file-name-number-%06d", i);
		CU_ASSERT_EQUAL(ext2_unlink(&m.fs, d, name, strlen(name)), 0);
	}
	int n = 0, r;
	struct ext2_dirent_info de;
	uint64_t pos = 0;
	while ((r = ext2_readdir(&m.fs, d, &pos, &de)) == 1)
		n++;
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(n, 1502);
	snprintf(name, sizeof(name), "a-rather-long-file-name-number-%06d", 1501);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, d, name, strlen(name), &ino), 0);
	finish(&m, img);
}

static void test_indexed_directory(void)
{
	const char *src = ext2t_path("idxsrc"), *img = ext2t_path("idx.img");
	char p[600];
	struct ext2t_mnt m;
	struct ext2_stat st;
	uint32_t ino;

	mkdir(src, 0755);
	snprintf(p, sizeof(p), "%s/idx", src);
	mkdir(p, 0755);
	for (int i = 0; i < 2000; i++) {
		snprintf(p, sizeof(p), "%s/idx/name-%d", src, i);
		ext2t_write_file(p, "", 0);
	}
	CU_ASSERT_FATAL(ext2t_sh("mke2fs -q -F -t ext2 -b 4096 -d '%s' '%s' 32M && "
				 "e2fsck -fyD '%s'; test $? -le 1",
				 src, img, img) == 0);
	CU_ASSERT_FATAL(ext2t_mount(&m, img, 32, false, NULL) == 0);
	uint32_t d = ext2t_ino(&m.fs, "/idx");
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, d, &st), 0);
	CU_ASSERT_FATAL(st.flags & EXT2_INDEX_FL);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, d, "name-77", 7), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, d, &st), 0);
	CU_ASSERT_EQUAL(st.flags & EXT2_INDEX_FL, 0);
	for (int i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "new-%d", i);
		mk(&m.fs, d, p);
	}
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, d, "name-1999", 9, &ino), 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, d, "name-77", 7, &ino), -ENOENT);
	finish(&m, img);
	CU_ASSERT_EQUAL(ext2t_sh("debugfs -R 'ls /idx' '%s' | grep -q new-299", img), 0);
}

static void test_xattr_block(void)
{
	const char *img = ext2t_path("xattr.img"), *val = ext2t_path("xval");
	char big[3000];
	struct ext2t_mnt m;
	struct ext2_statvfs v1, v2;

	memset(big, 'v', sizeof(big));
	ext2t_write_file(val, big, sizeof(big));
	CU_ASSERT_FATAL(ext2t_sh("mke2fs -q -F -t ext2 -b 4096 '%s' 16M && "
				 "debugfs -w -R 'write /dev/null x' '%s' && "
				 "debugfs -w -R 'ea_set -f %s x user.big' '%s' && "
				 "debugfs -R 'stat x' '%s' | grep -q 'File ACL: [1-9]'",
				 img, img, val, img, img) == 0);
	CU_ASSERT_EQUAL(ext2t_fsck(img), 0);
	CU_ASSERT_FATAL(ext2t_mount(&m, img, 32, false, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v1), 0);
	uint32_t x = ext2t_ino(&m.fs, "x");
	put(&m.fs, x, 0, 9000, 3, 9000);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "x", 1), 0);
	CU_ASSERT_EQUAL(ext2_sync(&m.fs), 0);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v2), 0);
	CU_ASSERT_EQUAL(v2.bfree, v1.bfree + 1); /* the attribute block */
	finish(&m, img);
}

static void test_full_disk(void)
{
	struct ext2t_mnt m;
	struct ext2_statvfs v0, v;
	static uint8_t chunk[1 << 16];
	const char *img = fresh(&m, "full.img", 4, "-N 64 -m 0", 32);

	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v0), 0);
	uint32_t f = mk(&m.fs, 2, "fill");
	uint64_t off = 0;
	int64_t n;
	while ((n = ext2_write(&m.fs, f, off, chunk, sizeof(chunk))) == (int64_t)sizeof(chunk))
		off += (uint64_t)n;
	CU_ASSERT(n >= 0 || n == -ENOSPC);
	if (n > 0)
		off += (uint64_t)n;
	CU_ASSERT_EQUAL(ext2_write(&m.fs, f, off, chunk, 4096), -ENOSPC);
	CU_ASSERT_EQUAL(size_of(&m.fs, f), off);
	CU_ASSERT(off > 3 << 20);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v), 0);
	CU_ASSERT_EQUAL(v.bfree, 0);
	uint32_t ino;
	/* A new directory needs a block: none. An empty file needs none. */
	CU_ASSERT_EQUAL(ext2_mkdir(&m.fs, 2, "d", 1, 0755, 0, 0, &ino), -ENOSPC);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, "d", 1, &ino), -ENOENT);
	CU_ASSERT_EQUAL(ext2_create(&m.fs, 2, "e", 1, 0644, 0, 0, &ino), 0);
	/* Inodes run out too. */
	int made = 0;
	char name[16];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		int r = ext2_create(&m.fs, 2, name, strlen(name), 0644, 0, 0, &ino);
		if (r == -ENOSPC)
			break;
		CU_ASSERT_EQUAL(r, 0);
		made++;
	}
	CU_ASSERT(made > 0 && made < 64);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "fill", 4), 0);
	/* Freed blocks and inodes come back at the next sync, or when needed. */
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "i0", 2), 0);
	CU_ASSERT_EQUAL(ext2_mkdir(&m.fs, 2, "d", 1, 0755, 0, 0, &ino), 0);
	CU_ASSERT_EQUAL(ext2_sync(&m.fs), 0);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v), 0);
	CU_ASSERT_EQUAL(v.bfree, v0.bfree - 1);
	finish(&m, img);
}

static void test_open_unlinked(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	struct ext2_statvfs v0, v;
	const char *img = fresh(&m, "open.img", 16, NULL, 32);

	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v0), 0);
	uint32_t f = mk(&m.fs, 2, "tmp");
	put(&m.fs, f, 0, 100000, 4, 100000);
	CU_ASSERT_EQUAL(ext2_iget(&m.fs, f), 0);
	CU_ASSERT_EQUAL(ext2_iget(&m.fs, f), 0);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "tmp", 3), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), 0);
	CU_ASSERT_EQUAL(st.nlink, 0);
	same(&m.fs, f, 0, 100000, 4);
	put(&m.fs, f, 100000, 5000, 4, 5000);
	CU_ASSERT_EQUAL(ext2_link(&m.fs, f, 2, "back", 4), -ENOENT);
	CU_ASSERT_EQUAL(ext2_iput(&m.fs, f), 0);
	same(&m.fs, f, 0, 105000, 4);
	CU_ASSERT_EQUAL(ext2_iput(&m.fs, f), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), -ENOENT);
	CU_ASSERT_EQUAL(ext2_iput(&m.fs, f), -EINVAL);
	CU_ASSERT_EQUAL(ext2_sync(&m.fs), 0);
	CU_ASSERT_EQUAL(ext2_statvfs(&m.fs, &v), 0);
	CU_ASSERT_EQUAL(v.bfree, v0.bfree);
	CU_ASSERT_EQUAL(v.ffree, v0.ffree);
	/* Still open at unmount: freed then. */
	uint32_t g = mk(&m.fs, 2, "tmp2");
	put(&m.fs, g, 0, 9000, 4, 9000);
	CU_ASSERT_EQUAL(ext2_iget(&m.fs, g), 0);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "tmp2", 4), 0);
	finish(&m, img);
}

static void test_attributes(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	const char *img = fresh(&m, "attr.img", 16, NULL, 32);
	uint32_t f = mk(&m.fs, 2, "f");
	struct ext2_setattr sa = { .valid = EXT2_SET_MODE | EXT2_SET_UID | EXT2_SET_GID |
					    EXT2_SET_ATIME | EXT2_SET_MTIME,
				   .mode = 04711,
				   .uid = 70000,
				   .gid = 5,
				   .atime = 1000,
				   .mtime = 2000 };

	CU_ASSERT_EQUAL(ext2_setattr(&m.fs, f, &sa), 0);
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), 0);
	CU_ASSERT_EQUAL(st.mode, EXT2_S_IFREG | 04711);
	CU_ASSERT_EQUAL(st.uid, 70000);
	CU_ASSERT_EQUAL(st.gid, 5);
	CU_ASSERT_EQUAL(st.atime, 1000);
	CU_ASSERT_EQUAL(st.mtime, 2000);
	CU_ASSERT_EQUAL(st.ctime, ext2t_clock(NULL));
	finish(&m, img);
	CU_ASSERT_EQUAL(ext2t_sh("debugfs -R 'stat f' '%s' | grep -q 'User: 70000'", img), 0);
	CU_ASSERT_EQUAL(ext2t_sh("debugfs -R 'stat f' '%s' | grep -q 'Mode:  04711'", img), 0);
}

/* The superblock says "not clean" while mounted and "clean" after. */
static void test_clean_flag(void)
{
	struct ext2t_mnt m;
	const char *img = fresh(&m, "state.img", 16, NULL, 32);
	uint16_t state = 0;
	int fd = open(img, O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(pread(fd, &state, 2, 1024 + 58) == 2);
	CU_ASSERT_EQUAL(state & 1, 0);
	mk(&m.fs, 2, "x");
	finish(&m, img);
	CU_ASSERT(pread(fd, &state, 2, 1024 + 58) == 2);
	CU_ASSERT_EQUAL(state, 1);
	close(fd);
}

/* Work through a tiny cache, shrinking it on the way (revocation). */
static void test_small_cache_and_shrink(void)
{
	struct ext2t_mnt m;
	char name[32];
	const char *img = fresh(&m, "shrink.img", 32, NULL, BCACHE_MIN);

	uint32_t d = mkd(&m.fs, 2, "d");
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "file%d", i);
		uint32_t f = mk(&m.fs, d, name);
		put(&m.fs, f, 0, (size_t)(i * 7919) % 60000, (uint32_t)i, 5000);
		if (i % 10 == 9)
			CU_ASSERT(bcache_shrink(&m.bc, 8) > 0);
	}
	uint32_t big = mk(&m.fs, 2, "big");
	put(&m.fs, big, 0, 5 << 20, 99, 1 << 20);
	CU_ASSERT(m.bc.stats.evictions > 100);
	CU_ASSERT(m.bc.nframes <= BCACHE_MIN);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "/d/file%d", i);
		same(&m.fs, ext2t_ino(&m.fs, name), 0, (size_t)(i * 7919) % 60000, (uint32_t)i);
	}
	same(&m.fs, big, 0, 5 << 20, 99);
	CU_ASSERT(bcache_shrink(&m.bc, 1000) >= BCACHE_MIN - 2);
	CU_ASSERT_EQUAL(bcache_set_limit(&m.bc, 4), BCACHE_MIN);
	finish(&m, img);
}

/* Without a clock, times come from the superblock: never 1970, never a
 * dtime e2fsck would take for an orphan-list link. */
static void test_no_clock(void)
{
	struct ext2t_mnt m;
	struct ext2_stat st;
	const char *img = fresh(&m, "noclock.img", 16, NULL, 32);

	CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
	memset(&m, 0, sizeof(m));
	CU_ASSERT_FATAL(ext2t_fdev_open(&m.dev, img, true) == 0);
	m.hdrs = calloc(32, sizeof(struct buf));
	CU_ASSERT_FATAL(bcache_init(&m.bc, &m.dev.bd, m.hdrs, 32, &ext2t_frames) == 0);
	CU_ASSERT_FATAL(ext2_mount(&m.fs, &m.bc, NULL, NULL) == 0);
	m.mounted = true;
	uint32_t f = mk(&m.fs, 2, "f");
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, f, &st), 0);
	CU_ASSERT(st.mtime >= ext2t_clock(NULL));
	put(&m.fs, f, 0, 10000, 1, 10000);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "f", 1), 0);
	finish(&m, img);
}

static CU_TestInfo ext2_write_tests[] = {
	{ "file sizes across the block map", test_sizes },
	{ "sparse to triple indirect, truncate", test_sparse_and_truncate },
	{ "truncate at every map boundary", test_truncate_steps },
	{ "mkdir, rmdir, link counts", test_dirs },
	{ "hard links, symlinks, devices", test_links },
	{ "rename", test_rename },
	{ "directory past its direct blocks", test_big_directory },
	{ "indexed directory changed", test_indexed_directory },
	{ "extended-attribute block freed", test_xattr_block },
	{ "full disk, no inodes", test_full_disk },
	{ "unlinked while open", test_open_unlinked },
	{ "attributes", test_attributes },
	{ "clean flag", test_clean_flag },
	{ "tiny cache, shrinking", test_small_cache_and_shrink },
	{ "no clock", test_no_clock },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(ext2_write, ext2_write_tests);
