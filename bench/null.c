/*
 * null.c - the cost of entering the kernel and coming back.
 *
 *   null_call  ours: exo_null() (call 0, does nothing); Linux: getppid(2),
 *              lmbench's "null call" (lat_syscall null)
 *   getpid     through the C library: ours libos/unix getpid(), which asks
 *              the kernel (exo_env_id); Linux glibc getpid() (a real system
 *              call since glibc 2.25: no cached pid)
 */
#include <unistd.h>

#ifdef BENCH_LINUX
#include <sys/syscall.h>
#else
#include <exo/calls.h>
#endif

#include "bench.h"

static uint64_t null_call(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
#ifdef BENCH_LINUX
		syscall(SYS_getppid);
#else
		exo_null();
#endif
	}
	return bench_tsc() - t0;
}

static uint64_t libc_getpid(void *ctx, long n)
{
	volatile pid_t sink;

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++)
		sink = getpid();
	(void)sink;
	return bench_tsc() - t0;
}

static void run(void)
{
	bench_time("null_call", null_call, NULL, NULL);
	bench_time("getpid", libc_getpid, NULL, NULL);
}
BENCH_FAMILY(10, null, run, BENCH_ALONE);
