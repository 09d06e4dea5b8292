/*
 * proc.c - creating processes: POSIX fork, execve, _exit and waitpid,
 * the same source on both sides.
 *
 *   fork_exit_wait  fork; the child exits at once; the parent waits
 *                   (lmbench lat_proc fork).
 *   fork_exec_wait  fork; the child execs this program with the role
 *                   "hello", which exits at once; the parent waits
 *                   (lmbench lat_proc exec).
 *   cow_fork_1m     a process with 1 MiB of written heap forks; the child
 *                   writes one byte in each of the 256 pages (256
 *                   copy-on-write copies) and exits; the parent waits.
 *
 * Ours runs in the UNIX boot (init under unixd): fork is libexo's
 * copy-on-write exo_fork_stopped plus the server's process-table entry,
 * execve asks unixd to load the ELF from the ext2 root (/bin/bench) into a
 * new environment, waitpid sleeps until unixd wakes it. Linux: the same
 * calls on the Debian cloud kernel; the program is /bench in the initramfs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define COW_BYTES (1 << 20)

static char *cow_buf;

static int hello(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	_exit(0);
}
BENCH_ROLE("hello", hello);

/* Also run inside the Linux guest under our VMM (bench/vmlinux.c, role
 * in-guest): the same loop, so its rows compare with this one. */
uint64_t bench_fork_exit_wait(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		pid_t c = fork();

		if (c < 0) {
			bench_fail("fork failed");
			return BENCH_FAILED;
		}
		if (c == 0)
			_exit(0);
		waitpid(c, NULL, 0);
	}
	return bench_tsc() - t0;
}

int bench_spawn_wait(const char *path, char *const argv[], bool quiet)
{
	char *const envp[] = { NULL };
	pid_t c = fork();
	int st = 0;

	if (c < 0)
		return -1;
	if (c == 0) {
		int fd = quiet ? open("/dev/null", O_WRONLY) : 1;

		if (fd < 0 || (quiet && (dup2(fd, 1) < 0 || close(fd) < 0)))
			_exit(126);
		execve(path, argv, envp);
		_exit(127);
	}
	waitpid(c, &st, 0);
	return st;
}

static uint64_t fork_exec_wait(void *ctx, long n)
{
	char *const argv[] = { (char *)bench_self, "hello", NULL };

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		int st = bench_spawn_wait(bench_self, argv, false);

		if (st < 0) {
			bench_fail("fork failed");
			return BENCH_FAILED;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			bench_fail("exec of %s failed", bench_self);
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

static uint64_t cow_fork(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		pid_t c = fork();

		if (c < 0) {
			bench_fail("fork failed");
			return BENCH_FAILED;
		}
		if (c == 0) {
			for (int k = 0; k < COW_BYTES; k += 4096)
				((volatile char *)cow_buf)[k] = 2;
			_exit(0);
		}
		waitpid(c, NULL, 0);
	}
	return bench_tsc() - t0;
}

static void run(void)
{
	struct bench_limits proc = { .cap_ms = 3000 };

	bench_time("fork_exit_wait", bench_fork_exit_wait, NULL, &proc);
	bench_time("fork_exec_wait", fork_exec_wait, NULL, &proc);
	cow_buf = malloc(COW_BYTES);
	if (!cow_buf) {
		bench_skip("cow_fork_1m", "malloc(1 MiB) failed");
		return;
	}
	memset(cow_buf, 1, COW_BYTES);
	bench_time("cow_fork_1m", cow_fork, NULL, &proc);
	free(cow_buf);
}
BENCH_FAMILY(50, proc, run, BENCH_UNIX);
