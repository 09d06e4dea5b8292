/*
 * test_ext2_hostile.c - damaged and hostile ext2 images: each is a good
 * image from mke2fs with a few bytes changed on purpose (superblock
 * fields, group descriptors, inode fields, block pointers, directory
 * entries), then a fuzz run flipping random bytes of the metadata. A
 * refused image must get a clear reason and no write; an accepted one
 * must give -EIO where the damage is, never crash (the -san build runs
 * this under ASan and UBSan), never write through a bad pointer, and
 * never loop forever.
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

#define SB 1024 /* superblock offset */

static char base[512];

/* A 16 MiB image of 4 groups (sparse superblock copies in 0, 1 and 3). */
static const char *base_image(void)
{
	static bool tried;
	char p[600], *buf;

	if (base[0])
		return base;
	CU_ASSERT_FATAL(!tried);
	tried = true;
	const char *src = ext2t_path("hsrc");
	mkdir(src, 0755);
	snprintf(p, sizeof(p), "%s/f", src);
	buf = malloc(200000);
	ext2t_fill(buf, 200000, 7, 0);
	ext2t_write_file(p, buf, 200000);
	free(buf);
	snprintf(p, sizeof(p), "%s/small", src);
	ext2t_write_file(p, "small\n", 6);
	snprintf(p, sizeof(p), "%s/dir", src);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dir/inner", src);
	ext2t_write_file(p, "inner\n", 6);
	snprintf(p, sizeof(p), "%s/link", src);
	CU_ASSERT_FATAL(symlink("dir/inner", p) == 0);
	snprintf(base, sizeof(base), "%s", ext2t_path("hostile.img"));
	int rc =
		ext2t_sh("mke2fs -q -F -t ext2 -b 4096 -g 1024 -N 512 -d '%s' '%s' 16M", src, base);
	if (rc)
		ext2t_dump_log();
	CU_ASSERT_FATAL(rc == 0);
	return base;
}

/* A fresh copy of the base image to damage. */
static const char *work_copy(void)
{
	const char *w = ext2t_path("work.img");

	CU_ASSERT_FATAL(ext2t_sh("cp '%s' '%s'", base_image(), w) == 0);
	return w;
}

static void poke(const char *img, uint64_t off, const void *val, size_t n)
{
	int fd = open(img, O_WRONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pwrite(fd, val, n, (off_t)off) == (ssize_t)n);
	close(fd);
}

static void poke32(const char *img, uint64_t off, uint32_t v)
{
	poke(img, off, &v, 4);
}

static void poke16(const char *img, uint64_t off, uint16_t v)
{
	poke(img, off, &v, 2);
}

static uint32_t peek32(const char *img, uint64_t off)
{
	uint32_t v = 0;
	int fd = open(img, O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(pread(fd, &v, 4, (off_t)off) == 4);
	close(fd);
	return v;
}

/* Byte offset of inode ino in img (debugfs imap). */
static uint64_t inode_off(const char *img, uint32_t ino)
{
	unsigned long blk = 0, off = 0;
	const char *p;

	CU_ASSERT_FATAL(ext2t_sh("debugfs -R 'imap <%u>' '%s'", ino, img) == 0);
	p = strstr(ext2t_log(), "located at block ");
	CU_ASSERT_FATAL(p && sscanf(p, "located at block %lu, offset %lx", &blk, &off) == 2);
	return blk * 4096 + off;
}

/* First block of file or directory path in img (debugfs bmap). */
static uint32_t first_block(const char *img, const char *path)
{
	unsigned long b = 0;

	CU_ASSERT_FATAL(ext2t_sh("debugfs -R 'bmap %s 0' '%s'", path, img) == 0);
	const char *l = strrchr(ext2t_log(), ')'); /* after the banner line */
	CU_ASSERT_FATAL(l && sscanf(l + 1, "%lu", &b) == 1);
	return (uint32_t)b;
}

static uint32_t ino_of(const char *img, const char *path)
{
	unsigned long i = 0;

	CU_ASSERT_FATAL(ext2t_sh("debugfs -R 'stat %s' '%s'", path, img) == 0);
	const char *p = strstr(ext2t_log(), "Inode: ");
	CU_ASSERT_FATAL(p && sscanf(p, "Inode: %lu", &i) == 1);
	return (uint32_t)i;
}

/* Mounting img must fail with -EINVAL, a reason containing `want`, and no write. */
static void refused(const char *img, const char *want)
{
	struct ext2t_mnt m;
	const char *why = NULL;
	uint64_t h = ext2t_file_hash(img);
	int r = ext2t_mount(&m, img, 32, false, &why);

	CU_ASSERT_EQUAL(r, -EINVAL);
	CU_ASSERT_FATAL(why != NULL);
	if (!strstr(why, want))
		fprintf(stderr, "\nreason '%s' lacks '%s'\n", why, want);
	CU_ASSERT(strstr(why, want) != NULL);
	if (r == 0)
		ext2t_umount(&m);
	CU_ASSERT_EQUAL(m.dev.writes, 0);
	CU_ASSERT_EQUAL(ext2t_file_hash(img), h);
}

static void test_super_fields(void)
{
	const char *w;
	struct {
		uint32_t off, size, val;
		const char *why;
	} cases[] = {
		{ SB + 56, 2, 0x1234, "magic" },
		{ SB + 76, 4, 5, "revision" },
		{ SB + 24, 4, 0, "block size" },
		{ SB + 24, 4, 40, "block size" },
		{ SB + 96, 4, 0x80000002, "incompatible features 0x80000000" },
		{ SB + 96, 4, 0x42, "incompatible features 0x40" },
		{ SB + 96, 4, 0x6, "incompatible features 0x4" },
		{ SB + 4, 4, 0x7fffffff, "larger than the device" },
		{ SB + 4, 4, 3, "too few blocks" },
		{ SB + 32, 4, 0, "blocks per group" },
		{ SB + 32, 4, 1000001, "blocks per group" },
		{ SB + 32, 4, 2048, "inode count" },
		{ SB + 40, 4, 0, "inodes per group" },
		{ SB + 40, 4, 64, "inode count" },
		{ SB + 0, 4, 0xffffffff, "inode count" },
		{ SB + 88, 2, 0, "inode size" },
		{ SB + 88, 2, 100, "inode size" },
		{ SB + 88, 2, 8192, "inode size" },
		{ SB + 84, 4, 3, "first inode" },
		{ SB + 84, 4, 100000, "first inode" },
		{ SB + 20, 4, 1, "s_first_data_block" },
		{ SB + 206, 2, 5000, "reserved descriptor" },
		{ SB + 8, 4, 0x7fffffff, "reserved blocks" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w = work_copy();
		if (cases[i].size == 2)
			poke16(w, cases[i].off, (uint16_t)cases[i].val);
		else
			poke32(w, cases[i].off, cases[i].val);
		refused(w, cases[i].why);
	}
}

static void test_too_small_device(void)
{
	const char *w = work_copy();

	CU_ASSERT_FATAL(truncate(w, 8 * 1024 * 1024) == 0);
	refused(w, "larger than the device");
	CU_ASSERT_FATAL(truncate(w, 4096) == 0);
	refused(w, "device too small");
}

static void test_other_block_size(void)
{
	const char *w = ext2t_path("bs1k.img");

	CU_ASSERT_FATAL(ext2t_sh("mke2fs -q -F -t ext2 -b 1024 '%s' 8M", w) == 0);
	refused(w, "block size");
}

static void test_group_descriptors(void)
{
	const char *w;
	uint32_t gd = 4096; /* the descriptor table: block 1 */
	uint32_t bb1 = peek32(base_image(), gd + 32), it0 = peek32(base, gd + 8);
	struct {
		uint32_t off, size, val;
		const char *why;
	} cases[] = {
		{ gd + 0, 4, 0, "block bitmap outside" },
		{ gd + 0, 4, 1, "block bitmap outside" },
		{ gd + 0, 4, 0xffffffff, "block bitmap outside" },
		{ gd + 32, 4, 5000, "block bitmap outside" },
		{ gd + 4, 4, 2000, "inode bitmap outside" },
		{ gd + 32 + 4, 4, bb1, "inode bitmap outside its group or on the block bitmap" },
		{ gd + 8, 4, 1020, "inode table outside" },
		{ gd + 8, 4, 0xfffffff0, "inode table outside" },
		{ gd + 0, 4, it0 + 1, "overlaps" },
		{ gd + 12, 2, 2000, "free block count" },
		{ gd + 32 * 3 + 14, 2, 600, "inode counts" },
		{ gd + 16, 2, 600, "inode counts" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w = work_copy();
		if (cases[i].size == 2)
			poke16(w, cases[i].off, (uint16_t)cases[i].val);
		else
			poke32(w, cases[i].off, cases[i].val);
		refused(w, cases[i].why);
	}
}

static void test_root_not_dir(void)
{
	const char *w = work_copy();

	poke16(w, inode_off(w, 2), 0x81a4);
	refused(w, "root inode");
}

/* Unknown read-only-compatible features: mounted, read-only, nothing written. */
static void test_unknown_ro_compat(void)
{
	const char *w = work_copy();
	struct ext2t_mnt m;
	const char *why = NULL;
	uint32_t ino;
	char buf[8];

	poke32(w, SB + 100, peek32(w, SB + 100) | 0x80000000u);
	uint64_t h = ext2t_file_hash(w);
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, &why) == 0);
	CU_ASSERT(!m.fs.rw);
	CU_ASSERT(why && strstr(why, "read-only"));
	CU_ASSERT_EQUAL(ext2_create(&m.fs, 2, "x", 1, 0644, 0, 0, &ino), -EROFS);
	ino = ext2t_ino(&m.fs, "small");
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, buf, 8), 6);
	CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
	CU_ASSERT_EQUAL(m.dev.writes, 0);
	CU_ASSERT_EQUAL(ext2t_file_hash(w), h);
}

/* Block pointers naming metadata or nothing: -EIO, and nothing written there. */
static void test_bad_pointers(void)
{
	struct ext2t_mnt m;
	char buf[8192];
	const char *w = work_copy();
	uint32_t fino = ino_of(w, "/f");
	uint64_t io = inode_off(w, fino);
	uint32_t it0 = peek32(w, 4096 + 8), bb0 = peek32(w, 4096);
	uint64_t ih = ext2t_file_hash(w);

	/* i_block[0] beyond the disk, i_block[1] on the inode table, the
	 * indirect pointer on the block bitmap. */
	poke32(w, io + 40, 0xfffffff0u);
	poke32(w, io + 44, it0);
	poke32(w, io + 40 + 12 * 4, bb0);
	CU_ASSERT(ext2t_file_hash(w) != ih);
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, NULL) == 0);
	uint32_t ino = ext2t_ino(&m.fs, "f");
	CU_ASSERT_EQUAL(ino, fino);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 0, buf, 100), -EIO);
	CU_ASSERT(m.fs.error && strstr(m.fs.error, "out of range"));
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 4096, buf, 100), -EIO);
	CU_ASSERT(m.fs.error && strstr(m.fs.error, "inode table"));
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 13 * 4096, buf, 100), -EIO);
	/* A block that is fine reads. */
	CU_ASSERT_EQUAL(ext2_read(&m.fs, ino, 2 * 4096, buf, 100), 100);
	/* Writes through the bad pointers fail and change nothing there. */
	memset(buf, 0xee, sizeof(buf));
	CU_ASSERT_EQUAL(ext2_write(&m.fs, ino, 0, buf, 10), -EIO);
	CU_ASSERT_EQUAL(ext2_write(&m.fs, ino, 4096, buf, 4096), -EIO);
	CU_ASSERT_EQUAL(ext2_write(&m.fs, ino, 14 * 4096, buf, 4096), -EIO);
	CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
	CU_ASSERT(peek32(w, (uint64_t)it0 * 4096) != 0xeeeeeeeeu);
	CU_ASSERT(peek32(w, (uint64_t)bb0 * 4096 + 1024) != 0xeeeeeeeeu);
	/* The damage is recorded for e2fsck: the superblock says "errors". */
	CU_ASSERT(peek32(w, SB + 56) >> 16 & 2);

	/* Truncating drops the bad pointers without freeing what they name. */
	w = work_copy();
	poke32(w, io + 44, it0);
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_truncate(&m.fs, fino, 0), -EIO);
	struct ext2_stat st;
	CU_ASSERT_EQUAL(ext2_stat(&m.fs, fino, &st), 0);
	CU_ASSERT_EQUAL(st.size, 0);
	CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
	/* e2fsck -p repairs the rest (the inode table block is still in use). */
	CU_ASSERT(ext2t_sh("e2fsck -p '%s'", w) <= 1);
	CU_ASSERT_EQUAL(ext2t_fsck(w), 0);
}

/* An indirect block full of garbage: -EIO for the blocks it maps. */
static void test_bad_indirect(void)
{
	struct ext2t_mnt m;
	char buf[100];
	const char *w = work_copy();
	uint32_t fino = ino_of(w, "/f");
	uint32_t ind = peek32(w, inode_off(w, fino) + 40 + 12 * 4);

	CU_ASSERT_FATAL(ind != 0);
	poke32(w, (uint64_t)ind * 4096 + 4, 99999999);
	poke32(w, (uint64_t)ind * 4096 + 8, 1); /* the descriptor table */
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, true, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, fino, 12 * 4096, buf, 100), 100);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, fino, 13 * 4096, buf, 100), -EIO);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, fino, 14 * 4096, buf, 100), -EIO);
	/* Inode flags of ext4 extents: not ours to read. */
	ext2t_umount(&m);
	poke32(w, inode_off(w, fino) + 32, 0x80000);
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, true, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_read(&m.fs, fino, 0, buf, 100), -EIO);
	CU_ASSERT(strstr(m.fs.error, "extents") != NULL);
	ext2t_umount(&m);
}

/* Directory entries with bad fields: -EIO for the directory, block untouched. */
static void test_bad_dirents(void)
{
	struct {
		uint32_t off, size, val;
		const char *why;
	} cases[] = {
		{ 4, 2, 0, "rec_len" },		/* "." rec_len 0 */
		{ 4, 2, 13, "rec_len" },	/* not a multiple of 4 */
		{ 4, 2, 8000, "rec_len" },	/* beyond the block */
		{ 12 + 4, 2, 4088, "rec_len" }, /* ".." runs past the end */
		{ 6, 1, 40, "name length" },	/* name longer than the entry */
		{ 0, 4, 999999, "bad inode" },	/* inode out of range */
		{ 12, 4, 7, "bad inode" },	/* a reserved inode */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w = work_copy();
		uint32_t db = first_block(w, "/dir");
		uint64_t off = (uint64_t)db * 4096 + cases[i].off;
		struct ext2t_mnt m;
		struct ext2_dirent_info de;
		uint64_t pos = 0;
		uint32_t ino, dir;

		if (cases[i].size == 1)
			poke(w, off, &cases[i].val, 1);
		else if (cases[i].size == 2)
			poke16(w, off, (uint16_t)cases[i].val);
		else
			poke32(w, off, cases[i].val);
		uint32_t before = peek32(w, (uint64_t)db * 4096 + 24);
		CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, NULL) == 0);
		CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, "dir", 3, &dir), 0);
		CU_ASSERT_EQUAL(ext2_lookup(&m.fs, dir, "inner", 5, &ino), -EIO);
		CU_ASSERT(m.fs.error && strstr(m.fs.error, cases[i].why));
		int r;
		while ((r = ext2_readdir(&m.fs, dir, &pos, &de)) == 1)
			;
		CU_ASSERT_EQUAL(r, -EIO);
		CU_ASSERT_EQUAL(ext2_create(&m.fs, dir, "new", 3, 0644, 0, 0, &ino), -EIO);
		CU_ASSERT_EQUAL(ext2_unlink(&m.fs, dir, "inner", 5), -EIO);
		CU_ASSERT_EQUAL(ext2_rmdir(&m.fs, 2, "dir", 3), -EIO);
		CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "dir/inner", 0, &ino), -EIO);
		CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "link", EXT2_FOLLOW, &ino), -EIO);
		CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
		CU_ASSERT_EQUAL(peek32(w, (uint64_t)db * 4096 + 24), before);
	}
}

/* Inode fields that do not add up: sizes of directories and symlinks. */
static void test_bad_inodes(void)
{
	struct ext2t_mnt m;
	char buf[64];
	uint32_t ino;
	const char *w = work_copy();
	uint32_t dino = ino_of(w, "/dir"), lino = ino_of(w, "/link");

	poke32(w, inode_off(w, dino) + 4, 100); /* a directory of 100 bytes */
	poke32(w, inode_off(w, lino) + 4, 70);	/* a fast symlink longer than i_block */
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, dino, "inner", 5, &ino), -EIO);
	CU_ASSERT_EQUAL(ext2_readlink(&m.fs, lino, buf, sizeof(buf)), -EIO);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "link", EXT2_FOLLOW, &ino), -EIO);
	ext2t_umount(&m);

	/* A directory that is its own parent, and a '..' cycle: walks end. */
	w = work_copy();
	uint32_t db = first_block(w, "/dir");
	poke32(w, (uint64_t)db * 4096 + 12, dino); /* dir/.. = dir */
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "dir/../../../..", 0, &ino), 0);
	CU_ASSERT_EQUAL(ino, dino);
	CU_ASSERT_EQUAL(ext2_mkdir(&m.fs, 2, "x", 1, 0755, 0, 0, &ino), 0);
	/* Moving x into dir: the ancestor walk from dir meets dir again and stops. */
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, 2, "x", 1, dino, "x", 1), 0);
	ext2t_umount(&m);
}

/* Entries that name free inodes: -EIO, not a crash or a resurrection. */
static void test_entry_to_free_inode(void)
{
	struct ext2t_mnt m;
	uint32_t ino;
	const char *w = work_copy();
	uint32_t sino = ino_of(w, "/small");

	poke16(w, inode_off(w, sino) + 26, 0); /* links_count 0 */
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, NULL) == 0);
	/* The name is there but leads nowhere: damage, not "no such file". */
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, "small", 5, &ino), -EIO);
	CU_ASSERT_EQUAL(ext2_resolve(&m.fs, 2, 2, "/small", EXT2_FOLLOW, &ino), -EIO);
	CU_ASSERT_EQUAL(ext2_unlink(&m.fs, 2, "small", 5), -EIO);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, 2, "small", 5, 2, "other", 5), -EIO);
	CU_ASSERT_EQUAL(ext2_rename(&m.fs, 2, "f", 1, 2, "small", 5), -EIO);
	/* Its inode number is not handed out again while an entry names it? It is
	 * free on disk: a new file may get it; the old entry stays an error. */
	CU_ASSERT_EQUAL(ext2_create(&m.fs, 2, "new", 3, 0644, 0, 0, &ino), 0);
	ext2t_umount(&m);
}

/* A block both a directory's and a file's: writing the file must not let a
 * damaged directory block through because it was checked before. */
static void test_shared_block(void)
{
	struct ext2t_mnt m;
	uint32_t ino, dir;
	const char *w = work_copy();
	uint32_t sino = ino_of(w, "/small"), db = first_block(w, "/dir");

	poke32(w, inode_off(w, sino) + 40, db);
	CU_ASSERT_FATAL(ext2t_mount(&m, w, 32, false, NULL) == 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, 2, "dir", 3, &dir), 0);
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, dir, "inner", 5, &ino), 0);
	uint16_t zero = 0;
	CU_ASSERT_EQUAL(ext2_write(&m.fs, sino, 4, &zero, 2), 2); /* "."'s rec_len */
	CU_ASSERT_EQUAL(ext2_lookup(&m.fs, dir, "inner", 5, &ino), -EIO);
	CU_ASSERT_EQUAL(ext2_create(&m.fs, dir, "x", 1, 0644, 0, 0, &ino), -EIO);
	ext2t_umount(&m);
}

/* ------------------------------------------------------------ fuzzing */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* Walk the tree under dir: read everything, at most `budget` entries. */
static void walk(struct ext2_fs *fs, uint32_t dir, int depth, int *budget)
{
	struct ext2_dirent_info de;
	uint64_t pos = 0;
	char buf[4096];

	while (*budget > 0 && ext2_readdir(fs, dir, &pos, &de) == 1) {
		struct ext2_stat st;
		(*budget)--;
		if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
			continue;
		if (ext2_stat(fs, de.ino, &st) < 0)
			continue;
		uint16_t t = st.mode & EXT2_S_IFMT;
		if (t == EXT2_S_IFDIR && depth < 6) {
			walk(fs, de.ino, depth + 1, budget);
		} else if (t == EXT2_S_IFREG) {
			for (uint64_t off = 0; off < st.size && off < (1u << 22); off += 65536)
				ext2_read(fs, de.ino, off, buf, sizeof(buf));
		} else if (t == EXT2_S_IFLNK) {
			ext2_readlink(fs, de.ino, buf, sizeof(buf));
		}
	}
}

/* Changes on a damaged file system: each may fail, none may crash. */
static void mutate(struct ext2_fs *fs)
{
	static char data[20000];
	uint32_t ino, d;

	ext2_create(fs, 2, "fz", 2, 0644, 0, 0, &ino);
	if (ext2_lookup(fs, 2, "fz", 2, &ino) == 0) {
		ext2_write(fs, ino, 5000, data, sizeof(data));
		ext2_write(fs, ino, 1 << 24, data, 100);
		ext2_truncate(fs, ino, 3000);
	}
	ext2_mkdir(fs, 2, "fzd", 3, 0755, 0, 0, &d);
	ext2_rename(fs, 2, "small", 5, 2, "small2", 6);
	ext2_rename(fs, 2, "f", 1, 2, "fzd", 3);
	if (ext2_lookup(fs, 2, "dir", 3, &d) == 0) {
		ext2_rename(fs, 2, "fz", 2, d, "fz", 2);
		ext2_symlink(fs, d, "sl", 2, "../small2", 9, 0, 0, &ino);
		ext2_unlink(fs, d, "inner", 5);
		ext2_rename(fs, 2, "fzd", 3, d, "fzd", 3);
	}
	ext2_truncate(fs, ext2t_ino(fs, "f"), 0);
	ext2_unlink(fs, 2, "link", 4);
	ext2_rmdir(fs, 2, "dir", 3);
	ext2_sync(fs);
}

static void test_fuzz(void)
{
	const char *b = base_image();
	int rounds = getenv("EXT2T_FUZZ_ROUNDS") ? atoi(getenv("EXT2T_FUZZ_ROUNDS")) : 60;
	int mounted = 0;
	unsigned char *img;
	FILE *f;
	long size;

	/* The blocks worth damaging: superblock, descriptors, bitmaps, the used
	 * part of the inode table, directories and the indirect block. */
	uint32_t blocks[16], nb = 0;
	blocks[nb++] = 0;
	blocks[nb++] = 1;
	blocks[nb++] = peek32(b, 4096 + 0);
	blocks[nb++] = peek32(b, 4096 + 4);
	blocks[nb++] = peek32(b, 4096 + 8);
	blocks[nb++] = peek32(b, 4096 + 8) + 1;
	blocks[nb++] = first_block(b, "/");
	blocks[nb++] = first_block(b, "/dir");
	blocks[nb++] = peek32(b, inode_off(b, ino_of(b, "/f")) + 40 + 48);

	f = fopen(b, "rb");
	CU_ASSERT_FATAL(f != NULL);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	img = malloc((size_t)size);
	rewind(f);
	CU_ASSERT_FATAL(fread(img, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	rng_state =
		getenv("EXT2T_FUZZ_SEED") ? strtoull(getenv("EXT2T_FUZZ_SEED"), NULL, 0) : 12345;
	for (int round = 0; round < rounds; round++) {
		const char *w = ext2t_path("fuzz.img");
		unsigned char *copy = malloc((size_t)size);
		memcpy(copy, img, (size_t)size);
		int flips = 1 + (int)(rnd() % 8);
		for (int k = 0; k < flips; k++) {
			uint32_t blk = blocks[rnd() % nb];
			uint32_t off = rnd() % 4096;
			if (blk == 0 && rnd() % 2)
				off = 1024 + rnd() % 256; /* the live superblock fields */
			if (rnd() % 3 == 0)
				copy[(size_t)blk * 4096 + off] ^=
					(unsigned char)(1u << (rnd() % 8));
			else
				copy[(size_t)blk * 4096 + off] = (unsigned char)rnd();
		}
		ext2t_write_file(w, copy, (size_t)size);
		free(copy);
		struct ext2t_mnt m;
		if (ext2t_mount(&m, w, 16 + rnd() % 32, false, NULL) == 0) {
			int budget = 400;
			mounted++;
			walk(&m.fs, 2, 0, &budget);
			if (m.fs.rw)
				mutate(&m.fs);
			budget = 400;
			walk(&m.fs, 2, 0, &budget);
			ext2t_umount(&m);
		}
	}
	free(img);
	if (getenv("EXT2T_FUZZ_ROUNDS"))
		fprintf(stderr, "fuzz: %d of %d rounds mounted\n", mounted, rounds);
	CU_ASSERT(mounted > rounds / 4);
	CU_ASSERT_EQUAL(ext2t_frames_live, 0);
}

static CU_TestInfo ext2_hostile_tests[] = {
	{ "superblock fields refused", test_super_fields },
	{ "device smaller than the file system", test_too_small_device },
	{ "1 KiB blocks refused", test_other_block_size },
	{ "group descriptors refused", test_group_descriptors },
	{ "root not a directory", test_root_not_dir },
	{ "unknown ro_compat: read-only", test_unknown_ro_compat },
	{ "bad block pointers", test_bad_pointers },
	{ "bad indirect block, extents flag", test_bad_indirect },
	{ "bad directory entries", test_bad_dirents },
	{ "bad inode sizes, '..' loops", test_bad_inodes },
	{ "entry naming a free inode", test_entry_to_free_inode },
	{ "block shared by a file and a directory", test_shared_block },
	{ "fuzzed metadata", test_fuzz },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(ext2_hostile, ext2_hostile_tests);
