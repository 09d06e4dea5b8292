/*
 * disk.c - the raw disk, below any file system.
 *
 *   disk_seq_read   read 64 MiB from the start of the disk in 1 MiB reads,
 *                   bypassing the page cache (Linux: O_DIRECT on /dev/vda).
 *   disk_rand_read  one 4 KiB read at a random 4 KiB-aligned offset of the
 *                   whole disk, bypassing the page cache; the figure is per
 *                   read.
 *
 * Both systems get the same virtio-blk disk (a raw image on the host,
 * QEMU's default cache mode). Ours: the kernel has no disk driver and no
 * block bindings yet.
 */
#include <stdio.h>
#include <stdlib.h>

#ifdef BENCH_LINUX
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>
#endif

#include "bench.h"

#ifdef BENCH_LINUX
#define SEQ_BYTES (64L << 20)
#define CHUNK	  (1L << 20)

static int fd = -1;
static char *buf;
static uint64_t disk_bytes;

static uint64_t seq_read(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++)
		for (long off = 0; off < SEQ_BYTES; off += CHUNK)
			if (pread(fd, buf, CHUNK, off) != CHUNK) {
				bench_fail("short read from %s", bench_disk);
				return BENCH_FAILED;
			}
	return bench_tsc() - t0;
}

static uint64_t rand_read(void *ctx, long n)
{
	static uint64_t x = 88172645463325252ULL; /* xorshift64 (Marsaglia 2003) */
	uint64_t blocks = disk_bytes / 4096;

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, 4096, (off_t)((x % blocks) * 4096)) != 4096) {
			bench_fail("short read from %s", bench_disk);
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

static void run(void)
{
	struct bench_limits seq = { .max_iters = 1, .max_reps = 10, .cap_ms = 3000 };
	struct bench_limits rnd = { .max_iters = 2000, .cap_ms = 3000 };

	if (!bench_disk || (fd = open(bench_disk, O_RDONLY | O_DIRECT)) < 0 ||
	    ioctl(fd, BLKGETSIZE64, &disk_bytes) != 0 || disk_bytes < (uint64_t)SEQ_BYTES ||
	    posix_memalign((void **)&buf, 4096, CHUNK) != 0) {
		bench_skip("disk_seq_read_64m",
			   "no benchmark disk (disk= not given or unreadable)");
		bench_skip("disk_rand_read_4k",
			   "no benchmark disk (disk= not given or unreadable)");
		return;
	}
	bench_time("disk_seq_read_64m", seq_read, NULL, &seq);
	bench_time("disk_rand_read_4k", rand_read, NULL, &rnd);
	close(fd);
}
#else
static void run(void)
{
	const char *why = "needs the disk driver (virtio-blk) and disk-block bindings";

	bench_skip("disk_seq_read_64m", why);
	bench_skip("disk_rand_read_4k", why);
}
#endif
BENCH_FAMILY(70, disk, run);
