/*
 * ls.c - a command on a large directory, the same source on both sides.
 *
 *   ls_l_1000  fork, and in the child redirect stdout to /dev/null and
 *              execve the system's /bin/ls with -l on a directory of 1000
 *              empty files; the parent waits. The figure is the whole
 *              command: process creation, loading ls, reading the
 *              directory, an lstat of every entry, formatting, exit.
 *
 * Ours: the UNIX boot; /bin/ls is apps/ls from the ext2 root (each
 * getdents and lstat a PCT to unixd); the directory is in dir= (/tmp).
 * Linux: busybox ls (/bin/ls in the initramfs, an applet link), the
 * directory on the ext2 disk at /mnt, its inodes in the page cache after
 * the first run, as ours are in unixd's buffer cache. With `quick`, 100
 * files.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define LS "/bin/ls"

static char dir[256];
static int nfiles = 1000;

static uint64_t ls_l(void *ctx, long n)
{
	char *const argv[] = { "ls", "-l", dir, NULL };

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		int st = bench_spawn_wait(LS, argv, true);

		if (st < 0) {
			bench_fail("fork failed");
			return BENCH_FAILED;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			bench_fail("%s -l %s: %s (status %d)", LS, dir,
				   WIFEXITED(st) && WEXITSTATUS(st) == 127   ? "exec failed"
				   : WIFEXITED(st) && WEXITSTATUS(st) == 126 ? "no /dev/null"
									     : "failed",
				   st);
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

/* Make (make = true) or remove the directory's files; false on failure. */
static bool files(bool make)
{
	char name[300];

	for (int k = 0; k < nfiles; k++) {
		snprintf(name, sizeof(name), "%s/file%04d", dir, k);
		if (make) {
			int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);

			if (fd < 0)
				return false;
			close(fd);
		} else {
			unlink(name);
		}
	}
	return true;
}

static void run(void)
{
	struct bench_limits lim = { .cap_ms = 3000 };

	if (bench_quick)
		nfiles = 100;
	if (!bench_dir) {
		bench_skip("ls_l_1000", "no benchmark file system (dir= not given)");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/bench-ls", bench_dir);
	mkdir(dir, 0755);
	if (!files(true))
		bench_skip("ls_l_1000", "cannot create the directory's files");
	else
		bench_time("ls_l_1000", ls_l, NULL, &lim);
	files(false);
	rmdir(dir);
}
BENCH_FAMILY(65, ls, run, BENCH_UNIX);
