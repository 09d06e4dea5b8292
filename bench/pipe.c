/*
 * pipe.c - POSIX pipes between two processes, the same source on both
 * sides.
 *
 *   pipe_rtt     one 8-byte word to a forked child through one pipe and
 *                back through another (lmbench lat_pipe): the time of one
 *                round trip.
 *   pipe_bw_64m  64 MiB from a forked child to the parent through one pipe,
 *                written in 64 KiB writes, read in 64 KiB reads (lmbench
 *                bw_pipe's sizes); the child is started once and told how
 *                much to send per iteration, so no fork is timed.
 *
 * Ours: the UNIX boot. Both pipes live in unixd (a 16 KiB ring each); every
 * read and write is a PCT to it, at most 4032 bytes per call (the channel
 * page), and a reader of an empty pipe or a writer to a full one sleeps in
 * exo_wait until unixd wakes it. Linux: pipes in the kernel (lmbench's
 * lat_pipe is the same as bench/ipc.c's Linux ipc_rtt, measured again here
 * with this source). With `quick`, 1 MiB instead of 64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define BW_CHUNK (64L << 10)

static long bw_bytes = 64L << 20;
static char *bw_buf;

/* read() until n bytes came or the pipe ended; returns the bytes read. */
static long read_full(int fd, char *buf, long n)
{
	long done = 0;

	while (done < n) {
		long r = read(fd, buf + done, (size_t)(n - done));

		if (r <= 0)
			break;
		done += r;
	}
	return done;
}

/* The child of pipe_rtt: echo each word back until the pipe closes. */
static void echo(struct bench_pipes *p)
{
	long w;

	while (read(p->to_child[0], &w, sizeof(w)) == sizeof(w))
		if (write(p->to_parent[1], &w, sizeof(w)) != sizeof(w))
			break;
}

/* The child of pipe_bw: for each byte count it reads, write that many
 * bytes in BW_CHUNK writes. */
static void source(struct bench_pipes *p)
{
	long want;

	while (read(p->to_child[0], &want, sizeof(want)) == sizeof(want))
		for (long done = 0; done < want; done += BW_CHUNK)
			if (write(p->to_parent[1], bw_buf, BW_CHUNK) != BW_CHUNK)
				return;
}

static int start(struct bench_pipes *p, void (*child)(struct bench_pipes *))
{
	if (pipe(p->to_child) || pipe(p->to_parent))
		return -1;
	p->child = fork();
	if (p->child < 0)
		return -1;
	if (p->child == 0) {
		close(p->to_child[1]);
		close(p->to_parent[0]);
		child(p);
		_exit(0);
	}
	close(p->to_child[0]);
	close(p->to_parent[1]);
	return 0;
}

int bench_pipes_start_echo(struct bench_pipes *p)
{
	return start(p, echo);
}

void bench_pipes_stop(struct bench_pipes *p)
{
	close(p->to_child[1]);
	close(p->to_parent[0]);
	waitpid(p->child, NULL, 0);
}

uint64_t bench_pipes_round_trips(struct bench_pipes *p, long n)
{
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < n; i++) {
		long w = i;

		if (write(p->to_child[1], &w, sizeof(w)) != sizeof(w) ||
		    read(p->to_parent[0], &w, sizeof(w)) != sizeof(w)) {
			bench_fail("pipe read/write failed");
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

static uint64_t rtt(void *ctx, long n)
{
	return bench_pipes_round_trips(ctx, n);
}

static uint64_t bw(void *ctx, long n)
{
	struct bench_pipes *p = ctx;
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < n; i++) {
		if (write(p->to_child[1], &bw_bytes, sizeof(bw_bytes)) != sizeof(bw_bytes)) {
			bench_fail("pipe write failed");
			return BENCH_FAILED;
		}
		for (long got = 0; got < bw_bytes; got += BW_CHUNK)
			if (read_full(p->to_parent[0], bw_buf, BW_CHUNK) != BW_CHUNK) {
				bench_fail("short read from the pipe");
				return BENCH_FAILED;
			}
	}
	return bench_tsc() - t0;
}

static void run(void)
{
	struct bench_limits big = { .max_iters = 1, .max_reps = 10, .cap_ms = 4000 };
	struct bench_pipes p;

	if (bench_pipes_start_echo(&p) != 0) {
		bench_skip("pipe_rtt", "pipe/fork failed");
	} else {
		bench_time("pipe_rtt", rtt, &p, NULL);
		bench_pipes_stop(&p);
	}
	if (bench_quick)
		bw_bytes = 1L << 20;
	bw_buf = malloc(BW_CHUNK);
	if (!bw_buf) {
		bench_skip("pipe_bw_64m", "malloc failed");
		return;
	}
	memset(bw_buf, 0x5a, BW_CHUNK);
	if (start(&p, source) != 0) {
		bench_skip("pipe_bw_64m", "pipe/fork failed");
	} else {
		bench_time("pipe_bw_64m", bw, &p, &big);
		bench_pipes_stop(&p);
	}
	free(bw_buf);
}
BENCH_FAMILY(55, pipe, run, BENCH_UNIX);
