/*
 * proc.c - creating processes.
 *
 *   fork_exit_wait  fork; the child exits at once; the parent waits
 *                   (lmbench lat_proc fork).
 *   fork_exec_wait  fork; the child execs this program with the role
 *                   "hello", which exits at once; the parent waits
 *                   (lmbench lat_proc exec).
 *   cow_fork_1m     a process with 1 MiB of written heap forks; the child
 *                   writes one byte in each of the 256 pages (256
 *                   copy-on-write copies) and exits; the parent waits.
 *                   Ours: libexo's exo_fork (the JOS COW pattern over
 *                   exo_env_create and batched bindings), the child ends
 *                   with exo_env_destroy, the parent yields to it until its
 *                   slot is empty: no UNIX wait exists yet. Linux: fork,
 *                   _exit, waitpid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LINUX
#include <sys/wait.h>
#include <unistd.h>
#else
#include <exo/libexo.h>
#endif

#include "bench.h"

#define COW_BYTES (1 << 20)

static char *cow_buf;

#ifdef BENCH_LINUX
static int hello(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	_exit(0);
}
BENCH_ROLE("hello", hello);

static uint64_t fork_exit_wait(void *ctx, long n)
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

static uint64_t fork_exec_wait(void *ctx, long n)
{
	char *const argv[] = { (char *)bench_self, "hello", NULL };
	char *const envp[] = { NULL };

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		pid_t c = fork();
		int st = 0;

		if (c < 0) {
			bench_fail("fork failed");
			return BENCH_FAILED;
		}
		if (c == 0) {
			execve(bench_self, argv, envp);
			_exit(127);
		}
		waitpid(c, &st, 0);
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

	bench_time("fork_exit_wait", fork_exit_wait, NULL, &proc);
	bench_time("fork_exec_wait", fork_exec_wait, NULL, &proc);
	cow_buf = malloc(COW_BYTES);
	memset(cow_buf, 1, COW_BYTES);
	bench_time("cow_fork_1m", cow_fork, NULL, &proc);
}
#else
static uint64_t cow_fork(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		long c = exo_fork();

		if (c < 0) {
			bench_fail("exo_fork: %s", exo_strerror(c));
			return BENCH_FAILED;
		}
		if (c == 0) {
			for (int k = 0; k < COW_BYTES; k += 4096)
				((volatile char *)cow_buf)[k] = 2;
			for (;;)
				exo_env_destroy(EXO_ENV_SELF);
		}
		while (exo_env_info((uint64_t)c) != NULL)
			exo_yield((uint64_t)c);
	}
	return bench_tsc() - t0;
}

static void run(void)
{
	/* Each fork hands the child half of our remaining kernel-memory quota;
	 * keep the count modest. */
	struct bench_limits lim = { .max_iters = 8, .max_reps = 20, .cap_ms = 3000 };

	bench_skip("fork_exit_wait", "needs UNIX processes: libos/unix fork/wait return ENOSYS");
	bench_skip("fork_exec_wait", "needs exec: libos/unix has no program loader yet");
	cow_buf = malloc(COW_BYTES);
	if (!cow_buf) {
		bench_skip("cow_fork_1m", "malloc(1 MiB) failed");
		return;
	}
	memset(cow_buf, 1, COW_BYTES);
	bench_time("cow_fork_1m", cow_fork, NULL, &lim);
}
#endif
BENCH_FAMILY(50, proc, run);
