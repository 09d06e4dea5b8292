/*
 * fs.c - the file system on the benchmark disk.
 *
 *   fs_create_delete  create 1000 empty files in one directory, then delete
 *                     them (lmbench lat_fs with 0-byte files); the figure is
 *                     the whole 1000 creates + 1000 deletes.
 *   fs_seq_write_64m  write a 64 MiB file in 1 MiB writes, then fsync.
 *   fs_seq_read_64m   read it back in 1 MiB reads after dropping the page
 *                     cache (so the disk is read, with the kernel's
 *                     read-ahead).
 *
 * Linux: ext2 (through the ext4 driver) on the second virtio-blk disk
 * (serial benchfs, tools/bench.sh), mounted by /init at dir=. Ours: the
 * UNIX library OS has no file system yet (the kernel's disk calls are
 * measured in bench/disk.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LINUX
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "bench.h"

#define NFILES	  1000
#define BIG_BYTES (64L << 20)
#define CHUNK	  (1L << 20)

#ifdef BENCH_LINUX
static char path[256];

static uint64_t create_delete(void *ctx, long n)
{
	char name[300];

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < NFILES; k++) {
			snprintf(name, sizeof(name), "%s/f%d", path, k);
			int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
			if (fd < 0) {
				bench_fail("create %s failed", name);
				return BENCH_FAILED;
			}
			close(fd);
		}
		for (int k = 0; k < NFILES; k++) {
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
		for (long off = 0; off < BIG_BYTES; off += CHUNK)
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
		for (long off = 0; off < BIG_BYTES; off += CHUNK)
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
}
#else
static void run(void)
{
	const char *why = "needs the UNIX libOS file system (ext2 on the disk calls)";

	bench_skip("fs_create_delete", why);
	bench_skip("fs_seq_write_64m", why);
	bench_skip("fs_seq_read_64m", why);
}
#endif
BENCH_FAMILY(60, fs, run);
