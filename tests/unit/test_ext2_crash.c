/*
 * test_ext2_crash.c - power cuts. A seeded workload (creating, writing,
 * truncating, unlinking, renaming, linking files; making, renaming and
 * removing directories; symlinks; files unlinked while open; syncs and
 * cache shrinks; fsync'd files) runs on a device that records every write
 * and flush, through a small cache so that evictions write mid-operation.
 * Then, for many cut points, the image is rebuilt as the disk could hold
 * it after a power cut there: every write before the last flush, and of
 * the writes after it any subset (none, all, or a random choice). Each
 * rebuilt image must be repaired by `e2fsck -p` without questions (exit 0
 * or 1), be clean for `e2fsck -fn` afterwards, hold every file fsync'd
 * before the cut with its full contents (read back by debugfs), and mount
 * and read through this file system again.
 *
 * EXT2T_CRASH_CUTS (default 90; 40 under the sanitizers) sets the number
 * of cut points, EXT2T_CRASH_SEED the workload's seed, EXT2T_CRASH_BUFS
 * the cache's buffers (default 24).
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

#define IMG_BLOCKS 4096 /* 16 MiB */
#define OPS	   400

struct rec {
	int32_t block; /* -1: a flush */
	uint8_t *data;
};

static struct {
	uint8_t *base; /* the image before the workload */
	uint8_t *cur;  /* the image as the workload sees it */
	struct rec *log;
	size_t n, cap;
} dev;

static int rec_read(void *ctx, uint64_t b, void *buf)
{
	(void)ctx;
	memcpy(buf, dev.cur + b * 4096, 4096);
	return 0;
}

static void rec_append(int32_t block, const void *data)
{
	if (dev.n == dev.cap) {
		dev.cap = dev.cap ? dev.cap * 2 : 1024;
		dev.log = realloc(dev.log, dev.cap * sizeof(*dev.log));
		CU_ASSERT_FATAL(dev.log != NULL);
	}
	dev.log[dev.n].block = block;
	dev.log[dev.n].data = NULL;
	if (data) {
		dev.log[dev.n].data = malloc(4096);
		memcpy(dev.log[dev.n].data, data, 4096);
	}
	dev.n++;
}

static int rec_write(void *ctx, uint64_t b, const void *buf)
{
	(void)ctx;
	memcpy(dev.cur + b * 4096, buf, 4096);
	rec_append((int32_t)b, buf);
	return 0;
}

static int rec_flush(void *ctx)
{
	(void)ctx;
	rec_append(-1, NULL);
	return 0;
}

static const struct blockdev recdev = {
	rec_read, rec_write, rec_flush, NULL, IMG_BLOCKS, NULL, NULL
};

/*
 * A file fsync'd by the workload. Its contents are ext2t_fill(seed) from
 * byte 0; version k (len, at) is durable from log entry `at` on (appends
 * extend it); name k is durable from its `at` on (renames followed by an
 * fsync of the directory).
 */
#define VERSIONS 6
struct durable {
	uint32_t seed;
	int nv, nn;
	struct {
		size_t len, at;
	} v[VERSIONS];
	struct {
		char name[64];
		size_t at;
	} names[VERSIONS];
};
static struct durable durables[OPS + 8];
static int ndurable;

static uint64_t rng;

static uint32_t rnd(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

/* The workload may see these errors; any other (-EIO above all) is a bug. */
static void ok(int r, const char *what)
{
	if (r >= 0 || r == -ENOENT || r == -EEXIST || r == -ENOTEMPTY || r == -ENOSPC ||
	    r == -EISDIR || r == -ENOTDIR)
		return;
	fprintf(stderr, "\nworkload: %s: %d\n", what, r);
	CU_FAIL(what);
}

static const char *scratch_dirs[] = { "/s/a", "/s/b", "/s/c", "/s/d" };

/* A random entry of a random scratch directory: a regular file, or (any)
 * anything but a directory. */
static bool pick_kind(struct ext2_fs *fs, uint32_t *dir, char *name, uint32_t *ino, bool any)
{
	const char *dp = scratch_dirs[rnd() % 4];
	struct ext2_dirent_info de;
	uint64_t pos = 0;
	int n = 0, want;

	*dir = ext2t_ino(fs, dp);
	while (ext2_readdir(fs, *dir, &pos, &de) == 1)
		n++;
	if (n <= 2)
		return false;
	want = (int)(rnd() % (uint32_t)n);
	pos = 0;
	for (int i = 0; ext2_readdir(fs, *dir, &pos, &de) == 1; i++) {
		if (i < want || de.type == EXT2_FT_DIR || (!any && de.type != EXT2_FT_REG_FILE))
			continue;
		strcpy(name, de.name);
		*ino = de.ino;
		return true;
	}
	return false;
}

static bool pick(struct ext2_fs *fs, uint32_t *dir, char *name, uint32_t *ino)
{
	return pick_kind(fs, dir, name, ino, false);
}

static void write_pattern(struct ext2_fs *fs, uint32_t ino, uint64_t off, size_t len, uint32_t seed)
{
	static uint8_t buf[1 << 20];

	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		ext2t_fill(buf, n, seed, off);
		int64_t w = ext2_write(fs, ino, off, buf, n);
		ok(w < 0 ? (int)w : 0, "write");
		if (w <= 0)
			return;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
}

static uint64_t size_of(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_stat st;

	return ext2_stat(fs, ino, &st) == 0 ? st.size : UINT64_MAX;
}

static size_t random_size(void)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd() % 100;
	case 2:
		return 12 * 4096 + rnd() % 20000; /* into the indirect block */
	case 3:
		return 300000 + rnd() % 500000;
	default:
		return rnd() % 40000;
	}
}

static void workload(struct ext2_fs *fs, struct bcache *bc)
{
	char name[64], name2[64];
	uint32_t ino, dir, dir2, x;
	struct ext2_statvfs sv;
	int tmpn = 0;

	ok(ext2_mkdir(fs, 2, "s", 1, 0755, 0, 0, &dir), "mkdir");
	for (int i = 0; i < 4; i++)
		ok(ext2_mkdir(fs, dir, scratch_dirs[i] + 3, 1, 0755, 0, 0, &x), "mkdir");
	ok(ext2_mkdir(fs, dir, "dirs", 4, 0755, 0, 0, &x), "mkdir");
	ok(ext2_sync(fs), "sync");
	for (int op = 0; op < OPS; op++) {
		unsigned r = rnd() % 100;
		if (getenv("EXT2T_CRASH_TRACE"))
			fprintf(stderr, "op %d r %u at log %zu\n", op, r, dev.n);
		ext2_statvfs(fs, &sv);
		bool tight = sv.bfree < sv.blocks / 3;
		if (tight && r < 45)
			r = 33 + r % 10; /* free space instead */
		if (r < 15) {
			dir = ext2t_ino(fs, scratch_dirs[rnd() % 4]);
			snprintf(name, sizeof(name), "file-%d-with-a-longer-name-%u", op,
				 rnd() % 7);
			int e = ext2_create(fs, dir, name, strlen(name), 0644, 0, 0, &ino);
			ok(e, "create");
			if (e == 0)
				write_pattern(fs, ino, 0, random_size(), rnd());
		} else if (r < 25) {
			if (pick(fs, &dir, name, &ino))
				write_pattern(fs, ino, rnd() % 100000, random_size() / 4, rnd());
		} else if (r < 33) {
			if (pick(fs, &dir, name, &ino))
				ok(ext2_truncate(fs, ino, random_size()), "truncate");
		} else if (r < 43) {
			if (pick_kind(fs, &dir, name, &ino, true))
				ok(ext2_unlink(fs, dir, name, strlen(name)), "unlink");
		} else if (r < 53) {
			if (pick_kind(fs, &dir, name, &ino, true)) {
				dir2 = ext2t_ino(fs, scratch_dirs[rnd() % 4]);
				if (rnd() % 3 == 0 && pick_kind(fs, &dir2, name2, &x, true))
					; /* over an existing file */
				else
					snprintf(name2, sizeof(name2), "renamed-%d", op);
				ok(ext2_rename(fs, dir, name, strlen(name), dir2, name2,
					       strlen(name2)),
				   "rename");
			}
		} else if (r < 58) {
			if (pick(fs, &dir, name, &ino)) {
				dir2 = ext2t_ino(fs, scratch_dirs[rnd() % 4]);
				snprintf(name2, sizeof(name2), "link-%d", op);
				ok(ext2_link(fs, ino, dir2, name2, strlen(name2)), "link");
			}
		} else if (r < 63) {
			char target[200];
			size_t tl = rnd() % 2 ? 10 : 150;
			memset(target, 'a' + op % 26, tl);
			dir = ext2t_ino(fs, scratch_dirs[rnd() % 4]);
			snprintf(name, sizeof(name), "sym-%d", op);
			ok(ext2_symlink(fs, dir, name, strlen(name), target, tl, 0, 0, &x),
			   "symlink");
		} else if (r < 68) {
			dir = ext2t_ino(fs, "/s/dirs");
			snprintf(name, sizeof(name), "d%u", rnd() % 12);
			if (rnd() % 2)
				ok(ext2_mkdir(fs, dir, name, strlen(name), 0755, 0, 0, &x),
				   "mkdir");
			else
				ok(ext2_rmdir(fs, dir, name, strlen(name)), "rmdir");
		} else if (r < 73) {
			/* Directories renamed within their directory block: atomic. */
			dir = ext2t_ino(fs, "/s/dirs");
			snprintf(name, sizeof(name), "d%u", rnd() % 12);
			snprintf(name2, sizeof(name2), "d%u", rnd() % 12);
			ok(ext2_rename(fs, dir, name, strlen(name), dir, name2, strlen(name2)),
			   "rename dir");
			if (rnd() % 2) {
				/* Put a file in one, so some rmdirs fail. */
				if (ext2_lookup(fs, dir, name2, strlen(name2), &dir2) == 0)
					ok(ext2_create(fs, dir2, "f", 1, 0644, 0, 0, &x), "create");
			}
		} else if (r < 78) {
			/* A new file, written and fsync'd. */
			struct durable *d = &durables[ndurable];
			uint32_t dd = ext2t_ino(fs, "/durable");
			size_t len = random_size();
			memset(d, 0, sizeof(*d));
			snprintf(d->names[0].name, sizeof(d->names[0].name), "f%d", op);
			d->seed = rnd();
			int e = ext2_create(fs, dd, d->names[0].name, strlen(d->names[0].name),
					    0644, 0, 0, &ino);
			ok(e, "create durable");
			if (e < 0)
				continue;
			write_pattern(fs, ino, 0, len, d->seed);
			if (ext2_fsync(fs, ino) == 0 && size_of(fs, ino) == len) {
				d->v[0].len = len;
				d->v[0].at = d->names[0].at = dev.n;
				d->nv = d->nn = 1;
				ndurable++;
			}
		} else if (r < 81) {
			/* Append to a durable file (one made by mke2fs too) and fsync. */
			struct durable *d = &durables[rnd() % (unsigned)ndurable];
			uint32_t dd = ext2t_ino(fs, "/durable");
			const char *nm = d->names[d->nn - 1].name;
			if (d->nv == VERSIONS || ext2_lookup(fs, dd, nm, strlen(nm), &ino) < 0)
				continue;
			size_t old = d->v[d->nv - 1].len, len = old + 1 + rnd() % 70000;
			write_pattern(fs, ino, old, len - old, d->seed);
			if (ext2_fsync(fs, ino) == 0 && size_of(fs, ino) == len) {
				d->v[d->nv].len = len;
				d->v[d->nv].at = dev.n;
				d->nv++;
			}
		} else if (r < 83) {
			/* Rename a durable file, fsync the directory. */
			struct durable *d = &durables[rnd() % (unsigned)ndurable];
			uint32_t dd = ext2t_ino(fs, "/durable");
			const char *nm = d->names[d->nn - 1].name;
			if (d->nn == VERSIONS)
				continue;
			snprintf(name2, sizeof(name2), "r%d", op);
			if (ext2_rename(fs, dd, nm, strlen(nm), dd, name2, strlen(name2)) == 0 &&
			    ext2_fsync(fs, dd) == 0) {
				memcpy(d->names[d->nn].name, name2, sizeof(name2));
				d->names[d->nn].at = dev.n;
				d->nn++;
			}
		} else if (r < 88) {
			ok(ext2_sync(fs), "sync");
		} else if (r < 91) {
			bcache_shrink(bc, 1 + rnd() % 12);
		} else {
			/* A temporary file: unlinked while open, written, closed. */
			dir = ext2t_ino(fs, scratch_dirs[rnd() % 4]);
			snprintf(name, sizeof(name), "tmp-%d", tmpn++);
			if (ext2_create(fs, dir, name, strlen(name), 0600, 0, 0, &ino) == 0) {
				ok(ext2_iget(fs, ino), "iget");
				write_pattern(fs, ino, 0, rnd() % 30000, 1);
				ok(ext2_unlink(fs, dir, name, strlen(name)), "unlink tmp");
				write_pattern(fs, ino, 30000, rnd() % 30000, 2);
				ok(ext2_iput(fs, ino), "iput");
			}
		}
	}
}

/* Walk and read the whole tree through this file system: no -EIO. */
static void read_all(struct ext2_fs *fs, uint32_t d, int depth)
{
	struct ext2_dirent_info de;
	uint64_t pos = 0;
	static uint8_t buf[65536];
	int r;

	while ((r = ext2_readdir(fs, d, &pos, &de)) == 1) {
		struct ext2_stat st;
		if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
			continue;
		CU_ASSERT_EQUAL_FATAL(ext2_stat(fs, de.ino, &st), 0);
		if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFDIR && depth < 8) {
			read_all(fs, de.ino, depth + 1);
		} else if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFREG) {
			for (uint64_t off = 0; off < st.size; off += sizeof(buf))
				CU_ASSERT(ext2_read(fs, de.ino, off, buf, sizeof(buf)) > 0);
		} else if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFLNK) {
			CU_ASSERT(ext2_readlink(fs, de.ino, (char *)buf, sizeof(buf)) > 0);
		}
	}
	CU_ASSERT_EQUAL(r, 0);
}

static int failures;

/*
 * Is durable file d intact after a cut at log entry `cut`? (Its files as
 * debugfs dumped them are in dir/durable.) It must be under its newest
 * durable name or a later one, at least as long as its newest durable
 * version, no longer than its last, with the contents of that version;
 * bytes past it may also be zero (an append whose size got ahead of its
 * data).
 */
static bool durable_ok(const struct durable *d, size_t cut, const char *dir)
{
	size_t vlen = 0, maxlen = d->v[d->nv - 1].len;
	int j = -1;

	if (d->v[0].at > cut)
		return true;
	for (int k = 0; k < d->nv; k++)
		if (d->v[k].at <= cut)
			vlen = d->v[k].len;
	for (int k = 0; k < d->nn; k++)
		if (d->names[k].at <= cut)
			j = k;
	uint8_t *got = malloc(maxlen + 1), *exp = malloc(maxlen + 1);
	bool found = false;
	ext2t_fill(exp, maxlen, d->seed, 0);
	for (int k = j; k < d->nn && !found; k++) {
		char p[700];
		snprintf(p, sizeof(p), "%s/durable/%s", dir, d->names[k].name);
		FILE *f = fopen(p, "rb");
		if (!f)
			continue;
		size_t n = fread(got, 1, maxlen + 1, f);
		fclose(f);
		if (n < vlen || n > maxlen || memcmp(got, exp, vlen) != 0)
			continue;
		found = true;
		for (size_t b = vlen; b < n && found; b++)
			found = got[b] == exp[b] || got[b] == 0;
	}
	free(got);
	free(exp);
	return found;
}

/*
 * Files whose every byte must come from one of their patterns, or be zero
 * (a hole): never another file's old data, whatever the cut.
 */
static struct {
	const char *path;
	uint32_t seeds[3];
	int nseeds;
} pure[4];
static int npure;

static bool pure_ok(struct ext2_fs *fs, int k)
{
	static uint8_t buf[4096], want[3][4096];
	uint32_t ino = ext2t_ino(fs, pure[k].path);
	struct ext2_stat st;
	bool good = true;

	if (!ino || ext2_stat(fs, ino, &st) < 0)
		return true; /* not there (yet): fine */
	for (uint64_t off = 0; good && off < st.size; off += sizeof(buf)) {
		int64_t n = ext2_read(fs, ino, off, buf, sizeof(buf));
		if (n <= 0)
			return false;
		for (int s = 0; s < pure[k].nseeds; s++)
			ext2t_fill(want[s], (size_t)n, pure[k].seeds[s], off);
		for (int64_t i = 0; i < n && good; i++) {
			bool ok = buf[i] == 0;
			for (int s = 0; s < pure[k].nseeds && !ok; s++)
				ok = buf[i] == want[s][i];
			if (!ok)
				fprintf(stderr, "\n%s: byte %llu is %02x, from no pattern of it\n",
					pure[k].path,
					(unsigned long long)off + (unsigned long long)i, buf[i]);
			good = ok;
		}
	}
	return good;
}

/* For mode 3: which of the unflushed writes before the cut survive. */
static bool *keep_mask;

/* Check the image after cutting at log entry `cut` (mode: 0 keep all
 * unflushed writes, 1 drop them, 2 a random subset, 3 those in keep_mask). */
static void check_cut(size_t cut, int mode, uint8_t *img)
{
	const char *path = ext2t_path("crash.img"), *out = ext2t_path("crash.out");
	size_t last_flush = 0;
	int kept = 0, dropped = 0;

	for (size_t i = 0; i < cut; i++)
		if (dev.log[i].block < 0)
			last_flush = i + 1;
	memcpy(img, dev.base, (size_t)IMG_BLOCKS * 4096);
	for (size_t i = 0; i < cut; i++) {
		struct rec *r = &dev.log[i];
		if (r->block < 0)
			continue;
		bool keep = i < last_flush || mode == 0 || (mode == 2 && rnd() % 2) ||
			    (mode == 3 && keep_mask[i]);
		if (keep) {
			memcpy(img + (size_t)r->block * 4096, r->data, 4096);
			kept++;
		} else {
			dropped++;
		}
	}
	ext2t_write_file(path, img, (size_t)IMG_BLOCKS * 4096);

	int rc = ext2t_sh("e2fsck -p '%s'", path);
	if (rc != 0 && rc != 1) {
		fprintf(stderr,
			"\ncut %zu/%zu (mode %d, %d unflushed dropped): e2fsck -p exit %d\n", cut,
			dev.n, mode, dropped, rc);
		ext2t_dump_log();
		CU_FAIL("e2fsck -p needed help");
		failures++;
		return;
	}
	/* Exit 0 after a full check (not "clean, skipping") needs no second look. */
	if ((rc == 1 || strstr(ext2t_log(), "clean,")) && ext2t_fsck(path) != 0) {
		fprintf(stderr, "cut %zu (mode %d): not clean after e2fsck -p\n", cut, mode);
		CU_FAIL("not clean after e2fsck -p");
		failures++;
		return;
	}
	/* Every file fsync'd before the cut is there, whole. */
	int want = 0;
	for (int i = 0; i < ndurable; i++)
		want += durables[i].v[0].at <= cut;
	if (want)
		CU_ASSERT_FATAL(
			ext2t_sh("rm -rf '%s' && mkdir '%s' && debugfs -R 'rdump /durable %s' '%s'",
				 out, out, out, path) == 0);
	for (int i = 0; i < ndurable; i++)
		if (!durable_ok(&durables[i], cut, out)) {
			fprintf(stderr,
				"\ncut %zu (mode %d): fsync'd file %s (seed %u) lost or damaged\n",
				cut, mode, durables[i].names[0].name, durables[i].seed);
			CU_FAIL("an fsync'd file was lost");
			failures++;
		}
	/* The repaired image mounts and reads; every eighth also takes a change. */
	struct ext2t_mnt m;
	bool rw = cut % 8 == 0;
	CU_ASSERT_EQUAL_FATAL(ext2t_mount(&m, path, 32, !rw, NULL), 0);
	read_all(&m.fs, 2, 0);
	for (int k = 0; k < npure; k++)
		if (!pure_ok(&m.fs, k)) {
			fprintf(stderr, "cut %zu (mode %d): another file's data in %s\n", cut, mode,
				pure[k].path);
			CU_FAIL("stale data in a file");
			failures++;
		}
	if (rw) {
		uint32_t ino;
		CU_ASSERT_EQUAL(ext2_create(&m.fs, 2, "after", 5, 0644, 0, 0, &ino), 0);
		write_pattern(&m.fs, ino, 0, 50000, 5);
		CU_ASSERT_EQUAL(ext2_rename(&m.fs, 2, "after", 5, 2, "s", 1) == 0 ||
					ext2_unlink(&m.fs, 2, "after", 5) == 0,
				1);
	}
	CU_ASSERT_EQUAL(ext2t_umount(&m), 0);
	if (rw)
		CU_ASSERT_EQUAL(ext2t_fsck(path), 0);
	(void)kept;
}

/* Make the base image (from src if given, then `after` run on it), load it. */
static void load_base(const char *src, const char *after)
{
	const char *path = ext2t_path("crash-base.img");
	int rc =
		ext2t_sh("rm -f '%s'; mke2fs -q -F -t ext2 -b 4096 -g 1024 -N 1024 %s%s%s '%s' 16M",
			 path, src ? "-d '" : "", src ? src : "", src ? "'" : "", path);

	CU_ASSERT_FATAL(rc == 0);
	if (after) {
		rc = ext2t_sh(after, path);
		CU_ASSERT_FATAL(rc == 0 || rc == 1);
	}
	FILE *f = fopen(path, "rb");
	CU_ASSERT_FATAL(f != NULL);
	if (!dev.base) {
		dev.base = malloc((size_t)IMG_BLOCKS * 4096);
		dev.cur = malloc((size_t)IMG_BLOCKS * 4096);
	}
	CU_ASSERT_FATAL(fread(dev.base, 1, (size_t)IMG_BLOCKS * 4096, f) ==
			(size_t)IMG_BLOCKS * 4096);
	fclose(f);
	memcpy(dev.cur, dev.base, (size_t)IMG_BLOCKS * 4096);
	dev.n = 0;
}

static void clear_log(void)
{
	for (size_t i = 0; i < dev.n; i++)
		free(dev.log[i].data);
	dev.n = 0;
}

typedef void (*phase)(struct ext2_fs *fs, struct bcache *bc);

/*
 * Mount the base image on the recording device, run `setup` and sync
 * (that is the new base: not cut), then record `ops` and the unmount.
 */
static void record(phase setup, phase ops, unsigned nbufs)
{
	struct bcache bc;
	struct buf *hdrs = calloc(nbufs, sizeof(*hdrs));
	struct ext2_fs *fs = calloc(1, sizeof(*fs));
	struct ext2_config cfg = { .now = ext2t_clock };

	CU_ASSERT_FATAL(bcache_init(&bc, &recdev, hdrs, nbufs, &ext2t_frames) == 0);
	CU_ASSERT_FATAL(ext2_mount(fs, &bc, &cfg, NULL) == 0);
	if (setup) {
		setup(fs, &bc);
		CU_ASSERT_EQUAL(ext2_sync(fs), 0);
		memcpy(dev.base, dev.cur, (size_t)IMG_BLOCKS * 4096);
		clear_log();
	}
	ops(fs, &bc);
	CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
	bcache_destroy(&bc);
	free(hdrs);
	free(fs);
	/* After the clean unmount: clean as it is. */
	const char *path = ext2t_path("crash-final.img");
	ext2t_write_file(path, dev.cur, (size_t)IMG_BLOCKS * 4096);
	CU_ASSERT_EQUAL(ext2t_fsck(path), 0);
}

static void release_all(void)
{
	clear_log();
	free(dev.log);
	dev.log = NULL;
	dev.cap = 0;
	free(dev.base);
	free(dev.cur);
	dev.base = dev.cur = NULL;
	CU_ASSERT_EQUAL(ext2t_frames_live, 0);
}

static bool sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#else
	return false;
#endif
}

/* Register a file the test treats as fsync'd from the start. */
static void preexisting(const char *name, uint32_t seed, size_t len)
{
	struct durable *d = &durables[ndurable++];

	memset(d, 0, sizeof(*d));
	snprintf(d->names[0].name, sizeof(d->names[0].name), "%s", name);
	d->seed = seed;
	d->v[0].len = len;
	d->nv = d->nn = 1;
}

static void workload_ops(struct ext2_fs *fs, struct bcache *bc)
{
	workload(fs, bc);
}

static void test_crash(void)
{
	int cuts = sanitized() ? 40 : 90;
	if (getenv("EXT2T_CRASH_CUTS"))
		cuts = atoi(getenv("EXT2T_CRASH_CUTS"));
	rng = getenv("EXT2T_CRASH_SEED") ? strtoull(getenv("EXT2T_CRASH_SEED"), NULL, 0) : 2024;

	/* Files made by mke2fs, fsync'd as far as the test is concerned. */
	const char *src = ext2t_path("crash-src");
	ndurable = 0;
	CU_ASSERT_FATAL(ext2t_sh("rm -rf '%s' && mkdir -p '%s/durable'", src, src) == 0);
	for (int i = 0; i < 4; i++) {
		static const size_t lens[] = { 100, 5000, 60000, 200000 };
		char p[600], name[16];
		snprintf(name, sizeof(name), "pre%d", i);
		preexisting(name, 1000u + (uint32_t)i, lens[i]);
		uint8_t *b = malloc(lens[i]);
		ext2t_fill(b, lens[i], 1000u + (uint32_t)i, 0);
		snprintf(p, sizeof(p), "%s/durable/%s", src, name);
		ext2t_write_file(p, b, lens[i]);
		free(b);
	}
	load_base(src, NULL);
	unsigned nbufs =
		getenv("EXT2T_CRASH_BUFS") ? (unsigned)atoi(getenv("EXT2T_CRASH_BUFS")) : 24;
	record(NULL, workload_ops, nbufs);

	size_t flushes = 0;
	for (size_t i = 0; i < dev.n; i++)
		flushes += dev.log[i].block < 0;
	if (getenv("EXT2T_CRASH_CUTS"))
		fprintf(stderr, "crash: %zu writes and flushes (%zu flushes), %d fsync'd files\n",
			dev.n, flushes, ndurable);
	CU_ASSERT(ndurable > 10);
	int appended = 0, renamed = 0;
	for (int i = 0; i < ndurable; i++) {
		appended += durables[i].nv > 1;
		renamed += durables[i].nn > 1;
	}
	if (getenv("EXT2T_CRASH_CUTS"))
		fprintf(stderr, "crash: %d fsync'd appends, %d fsync'd renames\n", appended,
			renamed);
	/* The default workload does what it is meant to: appends (to files
	 * mke2fs made, too) and renames of fsync'd files. */
	if (!getenv("EXT2T_CRASH_SEED")) {
		CU_ASSERT(appended > 3 && renamed > 3);
		CU_ASSERT(durables[0].nv + durables[1].nv + durables[2].nv + durables[3].nv > 4);
	}
	CU_ASSERT(flushes > 20);

	/* Cuts: half at flushes (everything before durable), half anywhere. */
	uint8_t *img = malloc((size_t)IMG_BLOCKS * 4096);
	failures = 0;
	for (int k = 0; k < cuts && failures < 3; k++) {
		size_t cut;
		int mode;
		if (k % 2 == 0) {
			size_t want = flushes * (size_t)k / (size_t)cuts, seen = 0;
			for (cut = 0; cut < dev.n; cut++)
				if (dev.log[cut].block < 0 && seen++ == want)
					break;
			cut++;
			mode = 0;
		} else {
			cut = rnd() % (dev.n + 1);
			mode = (int)(rnd() % 3);
		}
		check_cut(cut, mode, img);
	}
	free(img);
	release_all();
}

/* ------------------------------------------------------------ scenarios */

static uint32_t dir_of(struct ext2_fs *fs, const char *path)
{
	uint32_t ino = ext2t_ino(fs, path);

	CU_ASSERT_FATAL(ino != 0);
	return ino;
}

static uint32_t new_file(struct ext2_fs *fs, const char *dir, const char *name, size_t len,
			 uint32_t seed)
{
	uint32_t ino = 0;

	CU_ASSERT_EQUAL_FATAL(
		ext2_create(fs, dir_of(fs, dir), name, strlen(name), 0644, 0, 0, &ino), 0);
	write_pattern(fs, ino, 0, len, seed);
	return ino;
}

static void mkdirs(struct ext2_fs *fs)
{
	uint32_t x;

	CU_ASSERT_EQUAL(ext2_mkdir(fs, 2, "a", 1, 0755, 0, 0, &x), 0);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, 2, "b", 1, 0755, 0, 0, &x), 0);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, 2, "durable", 7, 0755, 0, 0, &x), 0);
}

/* A file's first name goes while its second (not yet durable) stays. */
static void s1_setup(struct ext2_fs *fs, struct bcache *bc)
{
	(void)bc;
	mkdirs(fs);
	new_file(fs, "/a", "x", 50000, 1);
}

static void s1_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t x = ext2t_ino(fs, "/a/x");

	(void)bc;
	/* Syncs between the steps, so that each step's writes reach the disk. */
	CU_ASSERT_EQUAL(ext2_link(fs, x, dir_of(fs, "/b"), "x2", 2), 0);
	CU_ASSERT_EQUAL(ext2_unlink(fs, dir_of(fs, "/a"), "x", 1), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_link(fs, x, dir_of(fs, "/a"), "x3", 2), 0);
	CU_ASSERT_EQUAL(ext2_rename(fs, dir_of(fs, "/b"), "x2", 2, dir_of(fs, "/a"), "x4", 2), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_unlink(fs, dir_of(fs, "/a"), "x3", 2), 0);
}

/* New directories, a file in the deepest, fsync'd. */
static void s2_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t n, m;

	(void)bc;
	mkdirs(fs);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, dir_of(fs, "/durable"), "n", 1, 0755, 0, 0, &n), 0);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, n, "m", 1, 0755, 0, 0, &m), 0);
	uint32_t f = new_file(fs, "/durable/n/m", "f", 100000, 7);
	CU_ASSERT_EQUAL(ext2_fsync(fs, f), 0);
	struct durable *d = &durables[ndurable++];
	memset(d, 0, sizeof(*d));
	strcpy(d->names[0].name, "n/m/f");
	d->seed = 7;
	d->v[0].len = 100000;
	d->v[0].at = d->names[0].at = dev.n;
	d->nv = d->nn = 1;
	new_file(fs, "/durable/n", "g", 5000, 8);
}

/* Renames over existing files; across directories. */
static void s3_setup(struct ext2_fs *fs, struct bcache *bc)
{
	(void)bc;
	mkdirs(fs);
	new_file(fs, "/a", "y", 20000, 2);
	new_file(fs, "/a", "z", 300, 3);
}

static void s3_ops(struct ext2_fs *fs, struct bcache *bc)
{
	(void)bc;
	new_file(fs, "/b", "t", 30000, 4);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_rename(fs, dir_of(fs, "/b"), "t", 1, dir_of(fs, "/a"), "y", 1), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_rename(fs, dir_of(fs, "/a"), "z", 1, dir_of(fs, "/b"), "z2", 2), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_rename(fs, dir_of(fs, "/a"), "y", 1, dir_of(fs, "/b"), "z2", 2), 0);
}

/* Emptying and removing a directory tree. */
static void s4_setup(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t x;

	(void)bc;
	mkdirs(fs);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, dir_of(fs, "/a"), "d", 1, 0755, 0, 0, &x), 0);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, x, "e", 1, 0755, 0, 0, &x), 0);
	new_file(fs, "/a/d", "f1", 70000, 5);
	new_file(fs, "/a/d", "f2", 10, 6);
}

static void s4_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t d = dir_of(fs, "/a/d");

	(void)bc;
	CU_ASSERT_EQUAL(ext2_unlink(fs, d, "f1", 2), 0);
	CU_ASSERT_EQUAL(ext2_unlink(fs, d, "f2", 2), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_rmdir(fs, d, "e", 1), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_rmdir(fs, dir_of(fs, "/a"), "d", 1), 0);
}

/* Freed blocks reused after a sync: never owned twice on disk. */
static void s5_setup(struct ext2_fs *fs, struct bcache *bc)
{
	(void)bc;
	mkdirs(fs);
	new_file(fs, "/a", "big", 3 << 20, 9);
}

static void s5_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t big = ext2t_ino(fs, "/a/big");

	(void)bc;
	CU_ASSERT_EQUAL(ext2_truncate(fs, big, 10000), 0);
	uint32_t n = new_file(fs, "/b", "new", 1 << 20, 10);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	write_pattern(fs, n, 1 << 20, 2 << 20, 10);
	CU_ASSERT_EQUAL(ext2_truncate(fs, big, 0), 0);
	write_pattern(fs, big, 0, 1 << 20, 11);
}

/* Directories renamed in their block, and one moved to another parent. */
static void s6_setup(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t x;

	(void)bc;
	mkdirs(fs);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, dir_of(fs, "/a"), "d1", 2, 0755, 0, 0, &x), 0);
	new_file(fs, "/a/d1", "f", 100, 12);
	CU_ASSERT_EQUAL(ext2_mkdir(fs, dir_of(fs, "/a"), "e", 1, 0755, 0, 0, &x), 0);
}

static void s6_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t a = dir_of(fs, "/a");

	(void)bc;
	CU_ASSERT_EQUAL(ext2_rename(fs, a, "d1", 2, a, "a-longer-directory-name", 23), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_rename(fs, a, "e", 1, a, "a-longer-directory-name", 23), -ENOTEMPTY);
	CU_ASSERT_EQUAL(ext2_rename(fs, a, "a-longer-directory-name", 23, a, "e", 1), 0);
}

/* A directory that grows past its direct blocks. */
static void s7_ops(struct ext2_fs *fs, struct bcache *bc)
{
	char name[256];

	(void)bc;
	mkdirs(fs);
	uint32_t a = dir_of(fs, "/a");
	memset(name, 'n', 250);
	for (int i = 0; i < 200; i++) {
		uint32_t x;
		for (int k = 0, v = i; k < 5; k++, v /= 10)
			name[254 - k] = (char)('0' + v % 10);
		CU_ASSERT_EQUAL(ext2_create(fs, a, name, 255, 0644, 0, 0, &x), 0);
	}
}

/* A file unlinked while open, written, synced, closed. */
static void s8_setup(struct ext2_fs *fs, struct bcache *bc)
{
	(void)bc;
	mkdirs(fs);
	new_file(fs, "/a", "t", 100000, 13);
}

static void s8_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t t = ext2t_ino(fs, "/a/t");

	(void)bc;
	CU_ASSERT_EQUAL(ext2_iget(fs, t), 0);
	CU_ASSERT_EQUAL(ext2_unlink(fs, dir_of(fs, "/a"), "t", 1), 0);
	write_pattern(fs, t, 100000, 50000, 13);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_iput(fs, t), 0);
	new_file(fs, "/a", "u", 200000, 14);
}

/* An indexed directory changed (its index flag must go first). */
static void s9_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t d = dir_of(fs, "/idx"), x;

	(void)bc;
	CU_ASSERT_EQUAL(ext2_create(fs, d, "new", 3, 0644, 0, 0, &x), 0);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_unlink(fs, d, "name-5", 6), 0);
	CU_ASSERT_EQUAL(ext2_rename(fs, d, "name-6", 6, d, "zz", 2), 0);
}

/* Appends round-robin to many files through the smallest cache, on blocks
 * that held another file's data: evictions write pointer blocks early. */
static void s10_setup(struct ext2_fs *fs, struct bcache *bc)
{
	(void)bc;
	mkdirs(fs);
	new_file(fs, "/a", "old", 2 << 20, 99);
	CU_ASSERT_EQUAL(ext2_sync(fs), 0);
	CU_ASSERT_EQUAL(ext2_unlink(fs, dir_of(fs, "/a"), "old", 3), 0);
}

static void s10_ops(struct ext2_fs *fs, struct bcache *bc)
{
	uint32_t f[20];
	char name[16];

	(void)bc;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		f[i] = new_file(fs, "/b", name, 0, 0);
	}
	for (int round = 0; round < 16; round++)
		for (int i = 0; i < 20; i++)
			write_pattern(fs, f[i], (uint64_t)round * 4096, 4096, 200 + (uint32_t)i);
}

/*
 * Check the crash states of the recorded log, interval by interval: after
 * a flush, any subset of the writes before the next one may be on the
 * disk. Up to 4 writes: every subset; more: each alone, each left out,
 * and two random subsets. At most `budget` states, spread evenly.
 */
static void cut_everywhere(int budget)
{
	uint8_t *img = malloc((size_t)IMG_BLOCKS * 4096);
	struct state {
		size_t cut;
		uint32_t mask; /* bit i: write first+i kept; ~0: random */
		size_t first;
		int kind; /* 0 subset, 1 all but `mask`, 2 random */
	} *st = NULL;
	size_t nst = 0, cap = 0;

	keep_mask = calloc(dev.n + 1, sizeof(bool));
	for (size_t first = 0; first < dev.n;) {
		size_t end = first;
		while (end < dev.n && dev.log[end].block >= 0)
			end++;
		size_t k = end - first;
		for (uint32_t m = 0; k && m < (k <= 4 ? (1u << k) : k * 2 + 2); m++) {
			if (nst == cap) {
				cap = cap ? cap * 2 : 64;
				st = realloc(st, cap * sizeof(*st));
			}
			struct state *s = &st[nst++];
			s->cut = end;
			s->first = first;
			if (k <= 4) {
				s->kind = 0;
				s->mask = m;
			} else if (m < k) {
				s->kind = 0;
				s->mask = m; /* write first+m alone: encoded below */
			} else if (m < 2 * k) {
				s->kind = 1;
				s->mask = m - (uint32_t)k;
			} else {
				s->kind = 2;
			}
		}
		first = end + 1;
	}
	failures = 0;
	size_t step = nst / (size_t)budget + 1;
	for (size_t i = 0; i < nst && failures < 2; i += step) {
		struct state *s = &st[i];
		size_t k = s->cut - s->first;
		for (size_t j = 0; j < k; j++) {
			bool keep;
			if (s->kind == 2)
				keep = rnd() % 2;
			else if (k <= 4)
				keep = s->mask >> j & 1;
			else if (s->kind == 0)
				keep = j == s->mask;
			else
				keep = j != s->mask;
			keep_mask[s->first + j] = keep;
		}
		check_cut(s->cut, 3, img);
	}
	free(st);
	free(keep_mask);
	keep_mask = NULL;
	free(img);
}

static void scenario(const char *src, const char *after, phase setup, phase ops)
{
	ndurable = 0;

	rng = 99;
	load_base(src, after);
	record(setup, ops, BCACHE_MIN);
	if (getenv("EXT2T_CRASH_TRACE")) {
		size_t fl = 0;
		for (size_t i = 0; i < dev.n; i++)
			fl += dev.log[i].block < 0;
		fprintf(stderr, "scenario: %zu entries, %zu flushes\n", dev.n, fl);
	}
	cut_everywhere(sanitized() ? 20 : 45);
	release_all();
}

static void test_scenarios(void)
{
	scenario(NULL, NULL, s1_setup, s1_ops);
	scenario(NULL, NULL, NULL, s2_ops);
	scenario(NULL, NULL, s3_setup, s3_ops);
	scenario(NULL, NULL, s4_setup, s4_ops);
	pure[0].path = "/a/big";
	pure[0].seeds[0] = 9;
	pure[0].seeds[1] = 11;
	pure[0].nseeds = 2;
	pure[1].path = "/b/new";
	pure[1].seeds[0] = 10;
	pure[1].nseeds = 1;
	npure = 2;
	scenario(NULL, NULL, s5_setup, s5_ops);
	npure = 0;
	scenario(NULL, NULL, s6_setup, s6_ops);
	scenario(NULL, NULL, NULL, s7_ops);
	scenario(NULL, NULL, s8_setup, s8_ops);

	static const char *purefiles[] = { "/b/f0", "/b/f7", "/b/f19" };
	for (int i = 0; i < 3; i++) {
		pure[i].path = purefiles[i];
		pure[i].seeds[0] =
			200 + (uint32_t)(purefiles[i][4] == '0' ? 0 : atoi(purefiles[i] + 4));
		pure[i].nseeds = 1;
	}
	npure = 3;
	scenario(NULL, NULL, s10_setup, s10_ops);
	npure = 0;

	const char *src = ext2t_path("idx-src");
	CU_ASSERT_FATAL(ext2t_sh("rm -rf '%s' && mkdir -p '%s/idx' && cd '%s/idx' && "
				 "for i in $(seq 0 599); do : > name-$i; done",
				 src, src, src) == 0);
	scenario(src, "e2fsck -fyD '%s'", NULL, s9_ops);
}

static CU_TestInfo ext2_crash_tests[] = {
	{ "power cuts: e2fsck -p repairs, fsync'd files intact", test_crash },
	{ "power cuts in ten scenarios", test_scenarios },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(ext2_crash, ext2_crash_tests);
