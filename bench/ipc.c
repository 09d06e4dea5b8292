/*
 * ipc.c - crossing between two protection domains: a round trip, and a
 * bare context switch.
 *
 *   ipc_rtt     ours: protected control transfer (Aegis PCT, Engler et al.
 *               SOSP'95 §5.3): exo_pct_call to the peer env, whose handler
 *               answers with exo_pct_return; the kernel switches straight
 *               to the callee and straight back. The callee's handler is
 *               left to unwind later (every 8 calls we let it, untimed).
 *               Linux: one word through a pipe to a child process and back
 *               (lmbench lat_pipe).
 *   ipc_rtt_full ours: the same call, then a directed yield that lets the
 *               peer unwind and block again in exo_pct_wait, timed: the
 *               whole cycle, as a pipe round trip includes each side going
 *               back to sleep; both envs on one CPU.
 *   ipc_rtt_cpu0 Linux: the pipe round trip with both processes pinned to
 *               CPU 0 (the counterpart of ipc_rtt_full in the table).
 *   ctxsw       one switch between two environments/processes. Ours:
 *               exo_yield(peer) ping-pong, half a round trip. Linux:
 *               lmbench lat_ctx with 2 processes and no working set: a
 *               token through two pipes between two processes pinned to
 *               CPU 0, minus the same pipe reads and writes done in one
 *               process, halved.
 *
 * Ours needs a second environment: the same program, booted as the second
 * module "bench-peer peer" (role "peer" below). The first module finds it
 * by name in the environment table; it accepts PCTs from anyone. With more
 * than one CPU a third module, "bench-hog hog", holds one CPU so that
 * both run on the other (see hog_main). Linux's processes are not pinned for
 * the pipe round trip (as lat_pipe), and pinned to CPU 0 for lat_ctx.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LINUX
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#else
#include <exo/libexo.h>
#endif

#include "bench.h"

#ifdef BENCH_LINUX
static uint64_t pipe_rtt(void *ctx, long n)
{
	return bench_pipes_round_trips(ctx, n);
}

/* lat_ctx's overhead: the same two writes and two reads, in one process. */
static uint64_t pipe_overhead(int p1[2], int p2[2], long n)
{
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		long w = i;

		if (write(p1[1], &w, sizeof(w)) != sizeof(w) ||
		    read(p1[0], &w, sizeof(w)) != sizeof(w) ||
		    write(p2[1], &w, sizeof(w)) != sizeof(w) ||
		    read(p2[0], &w, sizeof(w)) != sizeof(w))
			return BENCH_FAILED;
	}
	return bench_tsc() - t0;
}

struct ctx_state {
	struct bench_pipes p;
	int q1[2], q2[2];
};

static uint64_t ctxsw(void *ctx, long n)
{
	struct ctx_state *s = ctx;
	uint64_t rt = bench_pipes_round_trips(&s->p, n);
	uint64_t ov = pipe_overhead(s->q1, s->q2, n);

	if (rt == BENCH_FAILED || ov == BENCH_FAILED) {
		bench_fail("pipe read/write failed");
		return BENCH_FAILED;
	}
	return rt > ov ? (rt - ov) / 2 : 0;
}

static void run(void)
{
	struct bench_pipes p;
	struct ctx_state s;
	cpu_set_t all, cpu0;

	if (bench_pipes_start_echo(&p) != 0) {
		bench_skip("ipc_rtt", "pipe/fork failed");
	} else {
		bench_time("ipc_rtt", pipe_rtt, &p, NULL);
		bench_pipes_stop(&p);
	}

	/* lat_ctx: both processes on one CPU, so every hand-off is a switch. */
	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0) != 0 || bench_pipes_start_echo(&s.p) != 0 ||
	    pipe(s.q1) || pipe(s.q2)) {
		bench_skip("ipc_rtt_cpu0", "affinity/pipe/fork failed");
		bench_skip("ctxsw", "affinity/pipe/fork failed");
	} else {
		bench_time("ipc_rtt_cpu0", pipe_rtt, &s.p, NULL);
		bench_time("ctxsw", ctxsw, &s, NULL);
		bench_pipes_stop(&s.p);
		close(s.q1[0]);
		close(s.q1[1]);
		close(s.q2[0]);
		close(s.q2[1]);
	}
	sched_setaffinity(0, sizeof(all), &all);
}
BENCH_FAMILY(5, ipc, run, BENCH_ALONE);
#else
enum { CMD_PING = 1, CMD_YIELD, CMD_WAIT, CMD_SLICE };
enum { PEER_WAIT, PEER_YIELD, PEER_SLICE };

/* ---- the peer (second boot module) */

static volatile int peer_mode = PEER_WAIT;
static volatile uint64_t peer_partner, peer_cpu;

static void peer_handler(const struct exo_pct_msg *m)
{
	switch (m->w[0]) {
	case CMD_PING:
		exo_pct_return(m->w[1] + 1, 0, 0, 0);
		break;
	case CMD_YIELD:
		peer_partner = m->sender;
		peer_mode = PEER_YIELD;
		exo_pct_return(0, 0, 0, 0);
		break;
	case CMD_WAIT:
		peer_mode = PEER_WAIT;
		exo_pct_return(0, 0, 0, 0);
		break;
	case CMD_SLICE: /* bench/slice.c: take slots on CPU w1 and spin */
		peer_cpu = m->w[1];
		peer_mode = PEER_SLICE;
		exo_pct_return(0, 0, 0, 0);
		break;
	}
}

static int peer_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (exo_pct_serve(peer_handler, EXO_PCT_ANY) < 0) {
		printf("bench-peer: exo_pct_serve failed\n");
		exo_env_destroy(EXO_ENV_SELF);
	}
	for (;;) {
		if (peer_mode == PEER_YIELD) {
			exo_yield(peer_partner);
		} else if (peer_mode == PEER_SLICE) {
			bench_slice_peer((uint32_t)peer_cpu);
			peer_mode = PEER_WAIT;
		} else {
			exo_pct_wait();
		}
	}
	return 0; /* not reached */
}
BENCH_ROLE("peer", peer_main);

/*
 * ---- the hog (third boot module)
 *
 * The kernel has no CPU affinity call: with two CPUs, an environment that
 * yields stays runnable and the other CPU may pick it up, so a directed
 * yield ping-pong would not measure switches. The hog takes every slice of
 * the CPU it runs on (exo_slice_alloc: an owner keeps its slots, so that
 * CPU keeps running it) and spins there, so the measuring env and its peer
 * share the other CPU, until the measuring env tells it to leave at the
 * end of this family or, if it runs, of the slice family (bench/slice.c),
 * in which the hog takes part. With more than two CPUs the others stay
 * free (one hog suffices for the default -smp 2).
 */
static uint32_t my_cpu(void)
{
	const volatile struct exo_env_info *me = exo_env_info((uint64_t)exo_env_id());

	return me ? me->cpu : ~0u;
}

static int hog_main(int argc, char **argv)
{
	const volatile struct exo_sysinfo *si = (const volatile struct exo_sysinfo *)EXO_USYSINFO;
	uint32_t cpu;

	(void)argc;
	(void)argv;
	if (si->ncpus < 2)
		exo_env_destroy(EXO_ENV_SELF); /* nothing to hold */
	for (;;) {
		long slot[EXO_NSLOTS];
		uint64_t got = 0;

		cpu = my_cpu();
		for (uint64_t i = 0; i < EXO_NSLOTS && cpu < si->ncpus; i++)
			if ((slot[got] = exo_slice_alloc(cpu, i)) >= 0)
				got++;
		if (got == EXO_NSLOTS && my_cpu() == cpu)
			break;	/* ours: this CPU keeps us from now on */
		while (got > 0) /* moved meanwhile, or someone holds slots: retry */
			exo_slice_free((uint64_t)slot[--got]);
		exo_yield(0);
	}
	/* Spin, watching the command word the measuring env maps into us at
	 * BENCH_HOG_VA: take part in the slice benchmark once, or leave. */
	for (bool sliced = false;;) {
		if (exo_uvpt_pte(BENCH_HOG_VA) & EXO_PTE_P) {
			uint64_t cmd = *(volatile uint64_t *)BENCH_HOG_VA;

			if (cmd == BENCH_HOG_EXIT)
				exo_env_destroy(EXO_ENV_SELF);
			if (cmd == BENCH_HOG_SLICE && !sliced) {
				bench_slice_hog(cpu);
				sliced = true;
			}
		}
		__asm__ volatile("pause");
	}
	return 0; /* not reached */
}
BENCH_ROLE("hog", hog_main);

/* ---- the measuring side */

static uint64_t peer, hog;
static unsigned long eagain; /* calls refused because the peer was busy or elsewhere */

static long call(uint64_t cmd, uint64_t arg, uint64_t *ret)
{
	for (;;) {
		uint64_t w[4] = { cmd, arg, 0, 0 };
		long r = exo_pct_call_msg(peer, w, 0);

		if (r == -EXO_EAGAIN) { /* still unwinding a handler, or on another CPU */
			eagain++;
			exo_yield(peer);
			continue;
		}
		if (ret)
			*ret = w[0];
		return r;
	}
}

static uint64_t find_env(const char *name)
{
	const volatile struct exo_env_info *t = (const volatile struct exo_env_info *)EXO_UENVS;

	for (unsigned i = 1; i < EXO_NENV; i++)
		if (t[i].id && strcmp((const char *)t[i].name, name) == 0)
			return t[i].id;
	return 0;
}

/* Find the peer and wait until it serves PCTs; with more than one CPU,
 * wait until the hog holds one. Returns NULL, or why not. */
static const char *setup(void)
{
	const volatile struct exo_sysinfo *si = (const volatile struct exo_sysinfo *)EXO_USYSINFO;

	if (hog && exo_env_info(hog)) /* set up already, by an earlier family */
		return NULL;
	peer = find_env("bench-peer");
	if (!peer)
		return "no peer environment: boot the module \"bench-peer peer\"";
	for (int k = 0;; k++) {
		const volatile struct exo_env_info *e = exo_env_info(peer);

		if (!e)
			return "the peer environment died";
		if (e->pct_accept)
			break;
		if (k == 1000)
			return "the peer never started serving PCTs";
		exo_yield(peer);
	}
	if (si->ncpus < 2)
		return NULL;
	hog = find_env("bench-hog");
	if (!hog)
		return "no hog environment to hold the other CPU: boot the module \"bench-hog "
		       "hog\"";
	/* Wait until the hog has stayed on one CPU for a while (it owns that
	 * CPU's slices by then), yielding so that it gets a CPU at all. */
	uint64_t hz = si->tsc_hz ? si->tsc_hz : BENCH_NOMINAL_HZ, t0 = bench_tsc(), since = 0;
	uint32_t where = ~0u;
	for (;;) {
		const volatile struct exo_env_info *e = exo_env_info(hog);
		uint64_t now = bench_tsc();

		if (!e)
			return "the hog environment died";
		if (e->cpu != where || e->cpu == ~0u) {
			where = e->cpu;
			since = now;
		} else if (now - since > hz / 20) {
			break;
		}
		if (now - t0 > 10 * hz)
			return "the hog environment did not settle on a CPU within 10 s";
		exo_yield(0);
	}
	bench_info("ipc", "the measuring env and its peer share one CPU; bench-hog holds CPU %u",
		   (unsigned)where);
	return NULL;
}

#define PCT_CHUNK 8 /* unanswered handler frames left on the peer's PCT stack */

static uint64_t pct_rtt(void *ctx, long n)
{
	uint64_t total = 0;

	(void)ctx;
	while (n > 0) {
		long k = n < PCT_CHUNK ? n : PCT_CHUNK;
		uint64_t t0 = bench_tsc();
		for (long i = 0; i < k; i++) {
			uint64_t r;

			if (call(CMD_PING, (uint64_t)i, &r) != 0 || r != (uint64_t)i + 1) {
				bench_fail("exo_pct_call failed or wrong reply");
				return BENCH_FAILED;
			}
		}
		total += bench_tsc() - t0;
		exo_yield(peer); /* the peer unwinds its handlers, blocks in exo_pct_wait */
		n -= k;
	}
	return total;
}

static uint64_t pct_rtt_full(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		uint64_t r;

		if (call(CMD_PING, (uint64_t)i, &r) != 0 || r != (uint64_t)i + 1) {
			bench_fail("exo_pct_call failed or wrong reply");
			return BENCH_FAILED;
		}
		exo_yield(peer);
	}
	return bench_tsc() - t0;
}

static uint64_t yield_switch(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++)
		exo_yield(peer);
	return (bench_tsc() - t0) / 2;
}

const char *bench_pair_setup(uint64_t *peer_id, uint64_t *hog_id)
{
	const char *why = setup();

	*peer_id = peer;
	*hog_id = hog;
	return why;
}

long bench_peer_slice(uint32_t cpu)
{
	return call(CMD_SLICE, cpu, NULL);
}

static long hog_frame = -1; /* the frame of the hog's command word */

bool bench_hog_command(uint64_t cmd)
{
	if (!hog || !exo_env_info(hog))
		return false;
	if (hog_frame < 0) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0 || exo_page_map(EXO_AS_SELF, BENCH_HOG_VA, (uint64_t)f,
					  EXO_PERM_R | EXO_PERM_W) != 0) {
			if (f >= 0)
				exo_frame_free((uint64_t)f);
			return false;
		}
		hog_frame = f;
	}
	*(volatile uint64_t *)BENCH_HOG_VA = cmd;
	/* We hold the root capability, which controls any environment. */
	return exo_page_map(hog, BENCH_HOG_VA, (uint64_t)hog_frame, EXO_PERM_R | EXO_PERM_W) == 0;
}

/*
 * The hog leaves by destroying itself (a system call), not by our
 * exo_env_destroy: destroying it while it runs on another CPU interrupts
 * that CPU, and the kernel then lets the dying environment go without
 * acknowledging the interrupt it was taken by, which leaves that CPU's
 * local APIC deaf to the timer and, if it is the disk's, to every disk
 * completion (docs/performance.md, "The hog's exit"). The destroy stays as
 * the fallback.
 */
void bench_hog_release(void)
{
	uint64_t hz = bench_hz ? bench_hz : BENCH_NOMINAL_HZ, t0 = bench_tsc();

	if (bench_hog_command(BENCH_HOG_EXIT))
		while (exo_env_info(hog) && bench_tsc() - t0 < 5 * hz)
			__asm__ volatile("pause");
	if (hog && exo_env_info(hog)) {
		bench_info("ipc", "bench-hog did not leave; destroying it");
		if (exo_env_destroy(hog) != 0)
			bench_info("ipc", "could not stop bench-hog; its CPU stays busy");
	}
	if (hog_frame >= 0) {
		exo_page_unmap(EXO_AS_SELF, BENCH_HOG_VA);
		exo_frame_free((uint64_t)hog_frame);
		hog_frame = -1;
	}
	hog = 0;
}

static void run(void)
{
	const char *why = setup();

	if (why) {
		bench_skip("ipc_rtt", why);
		bench_skip("ipc_rtt_full", why);
		bench_skip("ctxsw", why);
		if (!bench_wanted("slice"))
			bench_hog_release();
		return;
	}
	exo_yield(peer); /* let it block in exo_pct_wait */
	bench_time("ipc_rtt", pct_rtt, NULL, NULL);
	bench_time("ipc_rtt_full", pct_rtt_full, NULL, NULL);
	if (call(CMD_YIELD, 0, NULL) != 0) {
		bench_skip("ctxsw", "the peer refused to switch to yield mode");
		return;
	}
	bench_time("ctxsw", yield_switch, NULL, NULL);
	call(CMD_WAIT, 0, NULL);
	exo_yield(peer); /* it unwinds and blocks in exo_pct_wait */
	if (eagain)
		bench_info("ipc", "%lu PCT calls were refused (peer busy) and retried", eagain);
	/* The other benchmarks run with every CPU free; the slice family
	 * (bench/slice.c, next) still needs the hog and releases it itself. */
	if (!bench_wanted("slice"))
		bench_hog_release();
}
/* Early, so that the hog spins as briefly as possible. */
BENCH_FAMILY(5, ipc, run, BENCH_ALONE);
#endif
