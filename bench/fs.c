/*
 * fs.c - the file system, the same source on both sides.
 *
 *   fs_create_delete  create 1000 empty files in one directory, then delete
 *                     them (lmbench lat_fs with 0-byte files); the figure is
 *                     the whole 1000 creates + 1000 deletes.
 *   fs_seq_write_64m  write a 64 MiB file in 1 MiB writes, then fsync.
 *   fs_seq_read_64m   read it back in 1 MiB reads from a cold cache.
 *
 * Linux: ext2 (through the ext4 driver) on the second virtio-blk disk
 * (serial benchfs, tools/bench.sh), mounted by /init at dir=/mnt; the page
 * cache is dropped before each read (/proc/sys/vm/drop_caches), so the
 * disk is read, with the kernel's read-ahead.
 *
 * Ours: the UNIX boot, dir=/tmp on the ext2 root file system that unixd
 * keeps in its disk blocks on the first virtio disk (placed by exodisk for
 * its key). Every call is a PCT to unixd, data through the 4 KiB channel
 * page (4032 bytes a call); unixd reads and writes the disk one 4 KiB block
 * per exokernel disk call. Its buffer cache holds at most 1024 blocks
 * (4 MiB), so a 64 MiB file read back is cold without dropping anything:
 * its first blocks were evicted long before the write ended (there is no
 * drop_caches; the read-back starts with sync()).
 *
 * With `quick` the files are smaller (100 files, 4 MiB): a smoke test.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK (1L << 20)

static int nfiles = 1000;
static long big_bytes = 64L << 20;
static char path[256];

static uint64_t create_delete(void *ctx, long n)
{
	char name[300];

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < nfiles; k++) {
			snprintf(name, sizeof(name), "%s/f%d", path, k);
			int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
			if (fd < 0) {
				bench_fail("create %s failed", name);
				return BENCH_FAILED;
			}
			close(fd);
		}
		for (int k = 0; k < nfiles; k++) {
			snprintf(name, sizeof(name), "%s/f%d", path, k);
			unlink(name);
		}
	}
	return bench_tsc() - t0;
}

static char *buf;

static uint64_t seq_write(void *ctx, long n)
{
	char name[300];

	(void)ctx;
	snprintf(name, sizeof(name), "%s/big", path);
	uint64_t total = 0;
	for (long i = 0; i < n; i++) {
		unlink(name);
		sync();
		uint64_t t0 = bench_tsc();
		int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0) {
			bench_fail("create %s failed", name);
			return BENCH_FAILED;
		}
		for (long off = 0; off < big_bytes; off += CHUNK)
			if (write(fd, buf, CHUNK) != CHUNK) {
				bench_fail("write failed (disk full?)");
				close(fd);
				return BENCH_FAILED;
			}
		fsync(fd);
		close(fd);
		total += bench_tsc() - t0;
	}
	return total;
}

/* Linux: write back, then drop the page cache. Ours: sync() only (no
 * such file; the cache is too small to hold the file, see above). */
static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3\n", 2) != 2)
			perror("drop_caches");
		close(fd);
	}
}

static uint64_t seq_read(void *ctx, long n)
{
	char name[300];

	(void)ctx;
	snprintf(name, sizeof(name), "%s/big", path);
	uint64_t total = 0;
	for (long i = 0; i < n; i++) {
		drop_caches();
		uint64_t t0 = bench_tsc();
		int fd = open(name, O_RDONLY);
		if (fd < 0) {
			bench_fail("open %s failed", name);
			return BENCH_FAILED;
		}
		for (long off = 0; off < big_bytes; off += CHUNK)
			if (read(fd, buf, CHUNK) != CHUNK) {
				bench_fail("short read");
				close(fd);
				return BENCH_FAILED;
			}
		close(fd);
		total += bench_tsc() - t0;
	}
	return total;
}

static void run(void)
{
	struct bench_limits big = { .max_iters = 1, .max_reps = 5, .cap_ms = 4000 };
	struct bench_limits files = { .max_iters = 1, .max_reps = 20, .cap_ms = 3000 };
	char name[300];

	if (bench_quick) {
		nfiles = 100;
		big_bytes = 4L << 20;
	}
	if (!bench_dir) {
		bench_skip("fs_create_delete", "no benchmark file system (dir= not given)");
		bench_skip("fs_seq_write_64m", "no benchmark file system (dir= not given)");
		bench_skip("fs_seq_read_64m", "no benchmark file system (dir= not given)");
		return;
	}
	snprintf(path, sizeof(path), "%s/bench-fs", bench_dir);
	mkdir(path, 0755);
	bench_time("fs_create_delete", create_delete, NULL, &files);
	buf = malloc(CHUNK);
	memset(buf, 0x5a, CHUNK);
	bench_time("fs_seq_write_64m", seq_write, NULL, &big);
	bench_time("fs_seq_read_64m", seq_read, NULL, &big);
	free(buf);
	snprintf(name, sizeof(name), "%s/big", path);
	unlink(name);
	rmdir(path);
}
BENCH_FAMILY(60, fs, run, BENCH_UNIX);
