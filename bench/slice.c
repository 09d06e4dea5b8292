/*
 * slice.c - the cost of a slice switch: two CPU-bound environments on one
 * CPU, the CPU passing from one to the other when a time slice ends.
 *
 *   slice_switch        the two environments own alternate slots of one
 *                       CPU's slice vector (exo_slice_alloc: one the even
 *                       slots, the other the odd ones), and both register
 *                       a prologue and an epilogue upcall entry
 *                       (EXO_ENTRY_PROLOGUE and EXO_ENTRY_EPILOGUE,
 *                       docs/abi.md "Upcalls"). At each slice tick (1 ms)
 *                       the kernel upcalls the running env's epilogue
 *                       entry, whose handler saves the x87/SSE state
 *                       (FXSAVE) and yields (exo_yield(0)); the slot rule
 *                       gives the CPU to the other env, whose prologue
 *                       upcall runs first and then resumes it where it was
 *                       preempted: inside its own epilogue handler, which
 *                       restores its state and resumes its code.
 *   slice_switch_plain  the same switch without upcalls: no entries are
 *                       registered, the kernel preempts at the tick and
 *                       resumes the other env.
 *
 * Linux has no equivalent of the first (no slice upcalls to user space);
 * its preemption at the end of a time slice would be the second, but
 * timing it needs the kernel's own timestamp of the tick (ftrace), which
 * the benchmark's initramfs does not set up: both rows say so.
 *
 * Who: the two environments that take turns are bench/ipc.c's hog (which
 * already owns every slot of its CPU; it gives up the odd ones) and the
 * peer (which takes them). The measuring env only watches, from the other
 * CPU, all of whose slots it takes meanwhile so that the peer cannot run
 * there. It registers no upcalls: if the kernel destroys one of the two
 * (see below), the benchmark program goes on.
 *
 * What is timed: from the tick, as the kernel records it (the tsc of its
 * EXO_TRACE_SLICE event for that CPU and the outgoing env, read with
 * exo_trace_read), to the first instruction the incoming env runs in its
 * own code: the tick's handling, both upcalls and the switch. Not the
 * interrupt entry before the kernel's record (a few hundred instructions).
 * The tick is the start, not the outgoing env's last instruction, because
 * under TCG the tick is wall-clock time: when the host deschedules the
 * vCPU's thread, the timer expires meanwhile and its interrupt comes as
 * soon as the thread runs again, so "last instruction before the tick" to
 * "tick" would time the host's scheduler (BENCH-INFO shows that gap).
 *
 * How: the two spin, storing the TSC of each pass in memory shared with
 * the measuring env (which maps it into both: it holds the root
 * capability), and a shared word names the env that ran last. The env
 * switched in sees that the other ran last and records a sample: the
 * other's last pass, its epilogue handler's entry, its own prologue
 * handler's entry and its own first pass (slice_switch keeps only samples
 * with both upcalls, in that order). After each batch the measuring env
 * matches the samples to the trace. The harness's iteration is one switch
 * and a batch's cycles are the sum of its switches' costs (not wall time:
 * one switch happens per slice). BENCH-INFO gives the median of the single
 * switches (the harness reports batch means) and of the parts.
 *
 * On a loaded host QEMU can deliver two timer ticks a few microseconds
 * apart (it catches up after a stall); the kernel then takes the second as
 * an epilogue overrun, and after EXO_EPILOGUE_MAX_OVERRUNS in a row it
 * destroys the env. The measuring env then replaces it by a fork of its
 * own, which takes the dead one's slots and part (the shared pages are
 * marked exo_fork_share), up to RESPAWN_MAX times; BENCH-INFO says how
 * many and why. Past that the row keeps the batches measured before
 * (BENCH_STOP), or says why it has none (docs/performance.md).
 *
 * Needs exactly two CPUs (the default -smp 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_LINUX
#include <exo/libexo.h>
#endif

#include "bench.h"

#ifdef BENCH_LINUX
static void run(void)
{
	bench_skip("slice_switch", "no equivalent: Linux has no slice prologue/epilogue upcalls "
				   "to user space");
	bench_skip("slice_switch_plain",
		   "not measured: timing a preemption needs the kernel's timestamp of the tick "
		   "(ftrace), not set up in the initramfs");
}
#else
#define RING	    1024	   /* samples each of the two keeps */
#define SLICE_VA    BENCH_SLICE_VA /* the shared pages, at this address in all three */
#define STACK_TOP   0x64000000ULL  /* each env's upcall stack: pages below this */
#define STACK_PAGES 4
#define PARTS_MAX   4096 /* single switches kept for the medians of one row */

enum { MODE_NONE, MODE_PLAIN, MODE_UPCALLS, MODE_STOP, MODE_FAILED };

/* One switch into an env: TSC values. */
struct sample {
	uint64_t last; /* the outgoing env's last pass through its loop */
	uint64_t epi;  /* its epilogue handler's entry (slice_switch) */
	uint64_t pro;  /* the incoming env's prologue handler's entry (slice_switch) */
	uint64_t now;  /* the incoming env's first pass */
};

struct side {
	volatile uint64_t last;	    /* TSC of its latest pass through the spin loop */
	volatile uint64_t epi, pro; /* TSC at entry of its latest epilogue, prologue handler */
	volatile uint64_t nsamples; /* samples written to its ring */
	volatile uint32_t ack;	    /* the mode it runs in (MODE_*) */
	uint32_t pad;
};

struct shared {
	struct side s[2];	/* 0: the hog (even slots), 1: the peer (odd slots) */
	volatile uint32_t on;	/* the side that ran last */
	volatile uint32_t mode; /* MODE_*, set by the measuring env */
	struct sample ring[2][RING];
};

#define SHARED_PAGES ((sizeof(struct shared) + 4095) / 4096)

static struct shared *sh;
static unsigned me; /* in the hog 0, in the peer 1 */

/* ------------------------------------------------------------ the two */

/* One pass of the spin loop: record a switch into this env, if one
 * happened since the last pass. */
static void spin_pass(void)
{
	uint64_t t = bench_tsc();
	struct side *m = &sh->s[me], *o = &sh->s[1 - me];

	if (sh->on == me) {
		m->last = t;
		return;
	}
	uint64_t lo = o->last, ep = o->epi, pr = m->pro;
	bool upcalls = sh->mode == MODE_UPCALLS;

	/* last before on: if we are preempted between the two, the other
	 * env sees that it ran last itself and records nothing. */
	m->last = t;
	sh->on = me;
	if (!lo || t <= lo || (upcalls && !(lo < ep && ep < pr && pr < t)))
		return; /* not a whole switch of the kind measured */
	sh->ring[me][m->nsamples % RING] = (struct sample){ lo, ep, pr, t };
	m->nsamples++;
}

/* The upcall entry: save the x87/SSE state below the frame, call
 * slice_upcall(frame), restore, resume the interrupted context. */
void slice_upcall(struct exo_upcall_frame *f);
void slice_upcall_entry(void);
__asm__(".text\n"
	".globl slice_upcall_entry\n"
	"slice_upcall_entry:\n"
	"	movq %rdi, %rbx\n"
	"	subq $512, %rsp\n"
	"	fxsave64 (%rsp)\n"
	"	cld\n"
	"	call slice_upcall\n"
	"	fxrstor64 (%rsp)\n"
	"	movq %rbx, %rdi\n"
	"	jmp exo_upcall_resume\n");

void slice_upcall(struct exo_upcall_frame *f)
{
	uint64_t t = bench_tsc();

	if (f->vector == EXO_UPCALL_EPILOGUE) {
		sh->s[me].epi = t;
		exo_yield(EXO_ENV_SELF); /* the slot rule picks the other env */
	} else if (f->vector == EXO_UPCALL_PROLOGUE) {
		sh->s[me].pro = t;
	}
}

static long stack_frames[STACK_PAGES];
static unsigned nstack;

static bool map_stack(void)
{
	for (nstack = 0; nstack < STACK_PAGES; nstack++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0)
			return false;
		stack_frames[nstack] = f;
		if (exo_page_map(EXO_AS_SELF, STACK_TOP - (nstack + 1) * 4096ULL, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W) != 0) {
			exo_frame_free((uint64_t)f);
			return false;
		}
	}
	return true;
}

static void unmap_stack(void)
{
	while (nstack > 0) {
		nstack--;
		exo_page_unmap(EXO_AS_SELF, STACK_TOP - (nstack + 1) * 4096ULL);
		exo_frame_free((uint64_t)stack_frames[nstack]);
	}
}

static void set_entries(bool on)
{
	uint64_t rip = on ? (uint64_t)slice_upcall_entry : 0, rsp = on ? STACK_TOP : 0;

	exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_PROLOGUE, rip, rsp);
	exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_EPILOGUE, rip, rsp);
}

/* Take the slots of cpu from index first on, every step-th; false if one
 * is held by someone else. */
static bool take_slots(uint32_t cpu, unsigned first, unsigned step)
{
	for (unsigned i = first; i < EXO_NSLOTS; i += step)
		if (exo_slice_alloc(cpu, i) < 0)
			return false;
	return true;
}

static void free_slots(uint32_t cpu, unsigned first, unsigned step)
{
	for (unsigned i = first; i < EXO_NSLOTS; i += step)
		exo_slice_free((uint64_t)cpu << 8 | i);
}

/*
 * One of the two, on cpu: the hog (side 0) owns every slot there and gives
 * the odd ones up; the peer (side 1) takes them. Then spin, with or without
 * upcall entries as the measuring env says, until it says stop.
 */
static void take_turns(unsigned side, uint32_t cpu)
{
	uint32_t mode = MODE_NONE;

	me = side;
	sh = (struct shared *)SLICE_VA;
	if (!map_stack()) {
		sh->s[me].ack = MODE_FAILED;
		return;
	}
	if (side == 0) {
		free_slots(cpu, 1, 2);
		/* The hog owns the even ones (EXO_EBUSY); a fork replacing it
		 * takes them. */
		for (unsigned i = 0; i < EXO_NSLOTS; i += 2)
			exo_slice_alloc(cpu, i);
	} else if (!take_slots(cpu, 1, 2)) {
		free_slots(cpu, 1, 2);
		unmap_stack();
		sh->s[me].ack = MODE_FAILED;
		return;
	}
	for (;;) {
		uint32_t want = sh->mode;

		if (want != mode) {
			if (want == MODE_STOP)
				break;
			set_entries(want == MODE_UPCALLS);
			mode = want;
			sh->s[me].ack = mode;
		}
		spin_pass();
	}
	set_entries(false);
	if (side == 1)
		free_slots(cpu, 1, 2);
	unmap_stack();
	sh->s[me].ack = MODE_STOP;
	sh = NULL;
}

void bench_slice_hog(uint32_t cpu)
{
	take_turns(0, cpu);
}

void bench_slice_peer(uint32_t cpu)
{
	take_turns(1, cpu);
}

/* ------------------------------------------------------------ the measuring env */

static uint64_t id[2];	   /* the two: hog, peer */
static uint32_t cpu_turns; /* the CPU they share */
static long shared_frames[SHARED_PAGES];
static unsigned nshared;

static struct exo_trace_rec trace[EXO_TRACE_RECORDS];
static uint64_t trace_seq; /* the last trace event seen */
/* Events read again before a batch's: a switch is recorded by the first
 * pass after it, which may come after the batch began, so its tick may
 * precede the batch. Several slices' worth of events of both CPUs. */
#define TRACE_MARGIN 256

/* Why the row being measured ended early ("": it did not). */
static char ended[160];
/* Envs taking turns that the kernel destroyed, and the first reason. */
#define RESPAWN_MAX  8
static unsigned respawned;
static char killed[160];

/* The medians' material for the row being measured. */
static uint32_t parts[5][PARTS_MAX]; /* total, tick->epi, epi->pro, pro->code, last->tick */
static unsigned nparts;

static bool both_alive(void)
{
	return exo_env_info(id[0]) && exo_env_info(id[1]);
}

/* Skip the trace up to now. */
static void trace_skip(void)
{
	long n;

	while ((n = exo_trace_read(trace, EXO_TRACE_RECORDS, trace_seq)) > 0)
		trace_seq = trace[n - 1].seq;
}

/* The kernel's record of the tick that ended env out's slice on the
 * shared CPU after `after` and before `before`: the latest such; 0 if none. */
static uint64_t tick_of(long n, uint32_t out, uint64_t after, uint64_t before)
{
	for (long i = n - 1; i >= 0; i--) {
		const struct exo_trace_rec *r = &trace[i];

		if (r->tsc >= before)
			continue;
		if (r->tsc <= after)
			return 0;
		if (r->type == EXO_TRACE_SLICE && r->cpu == cpu_turns && r->env == out)
			return r->tsc;
	}
	return 0;
}

/* Sum the costs of the samples [from[k], to[k]) of both, matched to the
 * trace; *count gets how many matched. */
static uint64_t match(const uint64_t from[2], const uint64_t to[2], uint64_t *count)
{
	bool upcalls = sh->mode == MODE_UPCALLS;
	uint64_t sum = 0;
	long n = exo_trace_read(trace, EXO_TRACE_RECORDS,
				trace_seq > TRACE_MARGIN ? trace_seq - TRACE_MARGIN : 0);

	*count = 0;
	if (n <= 0)
		return 0;
	trace_seq = trace[n - 1].seq;
	for (unsigned k = 0; k < 2; k++) {
		uint32_t out = (uint32_t)id[1 - k]; /* the env switched out */
		uint64_t i = to[k] - from[k] > RING ? to[k] - RING : from[k];

		for (; i < to[k]; i++) {
			struct sample s = sh->ring[k][i % RING];
			uint64_t tick = tick_of(n, out, s.last, upcalls ? s.epi : s.now);

			if (!tick)
				continue;
			sum += s.now - tick;
			(*count)++;
			if (nparts < PARTS_MAX) {
				uint64_t gap = tick - s.last;

				parts[0][nparts] = (uint32_t)(s.now - tick);
				parts[1][nparts] = upcalls ? (uint32_t)(s.epi - tick) : 0;
				parts[2][nparts] = upcalls ? (uint32_t)(s.pro - s.epi) : 0;
				parts[3][nparts] = upcalls ? (uint32_t)(s.now - s.pro) : 0;
				parts[4][nparts] = gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap;
				nparts++;
			}
		}
	}
	return sum;
}

/* Why one of the two is gone: from the trace, if the kernel forced it off
 * its epilogue upcall. */
static void gone(char *why, size_t len)
{
	long n = exo_trace_read(trace, EXO_TRACE_RECORDS, 0);
	unsigned forced = 0;
	uint64_t prev = 0, gap = UINT64_MAX;
	unsigned k = exo_env_info(id[0]) ? 1 : 0;

	for (long i = 0; i < n; i++) {
		const struct exo_trace_rec *r = &trace[i];

		if (r->cpu != cpu_turns)
			continue;
		if (r->type == EXO_TRACE_EPILOGUE && r->env == (uint32_t)id[k] && r->a == 1)
			forced++;
		if (r->type == EXO_TRACE_SLICE) {
			if (prev && r->tsc - prev < gap)
				gap = r->tsc - prev;
			prev = r->tsc;
		}
	}
	if (forced)
		snprintf(why, len,
			 "the kernel destroyed the %s after %u forced ends of its epilogue "
			 "upcall; ticks came as little as %llu us apart (a loaded host)",
			 k ? "peer" : "hog", forced,
			 bench_hz ? (unsigned long long)(gap * 1000000 / bench_hz) : 0ULL);
	else
		snprintf(why, len, "the %s is gone (the console has the kernel's reason)",
			 k ? "peer" : "hog");
}

/*
 * Replace each of the two that the kernel destroyed (see "On a loaded
 * host" above) by a fork of ours, which takes its slots and its part; the
 * samples before stand. False if that is not possible (then the row ends).
 */
static bool respawn(void)
{
	for (unsigned k = 0; k < 2; k++) {
		if (exo_env_info(id[k]))
			continue;
		if (!killed[0])
			gone(killed, sizeof(killed));
		if (respawned >= RESPAWN_MAX)
			return false;
		sh->s[k].ack = MODE_NONE;
		long child = exo_fork();
		if (child < 0)
			return false;
		if (child == 0) { /* the shared pages are shared (exo_fork_share) */
			take_turns(k, cpu_turns);
			exo_env_destroy(EXO_ENV_SELF);
		}
		id[k] = (uint64_t)child;
		respawned++;
		/* The fork made our pages copy-on-write, and the kernel takes no
		 * COW faults for its own writes: the trace buffer again. */
		exo_prefault_write(trace, sizeof(trace));
		uint64_t hz = bench_hz ? bench_hz : BENCH_NOMINAL_HZ, t0 = bench_tsc();
		while (sh->s[k].ack != sh->mode) {
			if (!exo_env_info(id[k]) || sh->s[k].ack == MODE_FAILED ||
			    bench_tsc() - t0 > 10 * hz)
				return false;
			__asm__ volatile("pause");
		}
	}
	return true;
}

static uint64_t samples(void)
{
	return sh->s[0].nsamples + sh->s[1].nsamples;
}

/* bench_fn: wait until n more switches happened; the cost of those the
 * trace matched, scaled to n. */
static uint64_t measure(void *ctx, long n)
{
	uint64_t hz = bench_hz ? bench_hz : BENCH_NOMINAL_HZ;
	uint64_t limit = 2 * hz + hz / 50 * (uint64_t)n; /* 2 s + 20 ms a switch */
	uint64_t from[2], to[2], count, t0;

	(void)ctx;
	trace_skip();
	from[0] = sh->s[0].nsamples;
	from[1] = sh->s[1].nsamples;
	t0 = bench_tsc();
	while (samples() - from[0] - from[1] < (uint64_t)n) {
		__asm__ volatile("pause");
		if (!both_alive() && !respawn()) {
			gone(ended, sizeof(ended));
			bench_fail("%s", ended);
			return BENCH_STOP; /* the batches before stand */
		}
		if (bench_tsc() - t0 > limit) {
			bench_fail("%llu of %ld slice switches in %llu ms",
				   (unsigned long long)(samples() - from[0] - from[1]), n,
				   (unsigned long long)(limit / (hz / 1000)));
			return BENCH_FAILED;
		}
	}
	to[0] = sh->s[0].nsamples;
	to[1] = sh->s[1].nsamples;
	uint64_t sum = match(from, to, &count);
	if (count == 0) {
		bench_fail("no switch matched a tick in the kernel trace");
		return BENCH_FAILED;
	}
	return sum * (uint64_t)n / count;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t median(uint32_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	return n ? v[n / 2] : 0;
}

/* BENCH-INFO: medians of the single switches of the row just measured. */
static void report(const char *row, bool upcalls)
{
	if (ended[0] && nparts)
		bench_info("slice", "%s ended early, its figure is of the batches before: %s", row,
			   ended);
	if (nparts == 0)
		return;
	uint32_t total = median(parts[0], nparts), gap = median(parts[4], nparts);
	if (!upcalls) {
		bench_info("slice",
			   "%s: median of %u single switches %u cycles (not counted: the outgoing "
			   "env's last instruction to the tick's record, median %u cycles)",
			   row, nparts, total, gap);
		return;
	}
	uint32_t epi = median(parts[1], nparts), pro = median(parts[2], nparts);
	uint32_t rest = median(parts[3], nparts);
	bench_info("slice",
		   "%s: median of %u single switches %u cycles; medians of the parts: %u tick to "
		   "the epilogue handler, %u its yield to the other env's prologue handler, %u "
		   "from there back into the interrupted code (not counted: the outgoing env's "
		   "last instruction to the tick's record, median %u)",
		   row, nparts, total, epi, pro, rest, gap);
}

/* Map SHARED_PAGES fresh frames at SLICE_VA here, then in the peer and the
 * hog (which starts when its command word says so). */
static bool map_shared(void)
{
	for (nshared = 0; nshared < SHARED_PAGES; nshared++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0)
			return false;
		shared_frames[nshared] = f;
		if (exo_page_map(EXO_AS_SELF, SLICE_VA + nshared * 4096ULL, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W) != 0) {
			exo_frame_free((uint64_t)f);
			return false;
		}
	}
	sh = (struct shared *)SLICE_VA;
	memset(sh, 0, SHARED_PAGES * 4096);
	sh->mode = MODE_PLAIN;
	/* We hold the root capability: we control both address spaces. */
	for (unsigned k = 2; k-- > 0;)
		for (unsigned i = SHARED_PAGES; i-- > 0;)
			if (exo_page_map(id[k], SLICE_VA + i * 4096ULL, (uint64_t)shared_frames[i],
					 EXO_PERM_R | EXO_PERM_W) != 0)
				return false;
	return true;
}

static void unmap_shared(void)
{
	while (nshared > 0) {
		uint64_t va = SLICE_VA + --nshared * 4096ULL;

		for (unsigned k = 0; k < 2; k++)
			if (exo_env_info(id[k]))
				exo_page_unmap(id[k], va);
		exo_page_unmap(EXO_AS_SELF, va);
		exo_frame_free((uint64_t)shared_frames[nshared]);
	}
	sh = NULL;
}

/* Spin until both say they run in mode want; false after 10 s, or if one
 * failed or is gone. */
static bool wait_ack(uint32_t want)
{
	uint64_t hz = bench_hz ? bench_hz : BENCH_NOMINAL_HZ, t0 = bench_tsc();

	while (sh->s[0].ack != want || sh->s[1].ack != want) {
		if (sh->s[0].ack == MODE_FAILED || sh->s[1].ack == MODE_FAILED ||
		    (!both_alive() && !respawn()) || bench_tsc() - t0 > 10 * hz)
			return false;
		__asm__ volatile("pause");
	}
	return true;
}

/* After MODE_STOP: wait (10 s at most) until each of the two that is still
 * there has stopped using the shared pages. */
static void wait_stopped(void)
{
	uint64_t hz = bench_hz ? bench_hz : BENCH_NOMINAL_HZ, t0 = bench_tsc();

	for (unsigned k = 0; k < 2; k++)
		while (exo_env_info(id[k]) && sh->s[k].ack != MODE_STOP &&
		       sh->s[k].ack != MODE_FAILED && sh->s[k].ack != MODE_NONE &&
		       bench_tsc() - t0 < 10 * hz)
			__asm__ volatile("pause");
}

/* Measure row in the mode the two run in now. */
static void row(const char *id_, bool upcalls)
{
	/* Few switches: each one is a chance for the overrun above. */
	struct bench_limits lim = { .max_iters = 50, .max_reps = 10, .cap_ms = 2000 };

	nparts = 0;
	ended[0] = 0;
	bench_time(id_, measure, NULL, &lim);
	report(id_, upcalls);
}

static void run(void)
{
	const volatile struct exo_sysinfo *si = (const volatile struct exo_sysinfo *)EXO_USYSINFO;
	const char *why = bench_pair_setup(&id[1], &id[0]);
	const volatile struct exo_env_info *mine = exo_env_info((uint64_t)exo_env_id());
	const volatile struct exo_env_info *hog = id[0] ? exo_env_info(id[0]) : NULL;
	uint32_t cpu_mine = mine ? mine->cpu : ~0u;
	bool slots = false, asked = false;
	char reason[160];

	/* The kernel writes the trace there and takes no copy-on-write
	 * faults for its own writes. */
	exo_prefault_write(trace, sizeof(trace));
	if (!why && (si->ncpus != 2 || !hog))
		why = "needs two CPUs: one where the hog and the peer take turns, one for the "
		      "measuring env";
	if (!why) {
		cpu_turns = hog->cpu;
		if (cpu_turns == cpu_mine || cpu_mine >= si->ncpus)
			why = "the hog is not alone on its CPU";
	}
	/* All our CPU's slots, so that the peer can only run beside the hog. */
	if (!why && !(slots = take_slots(cpu_mine, 0, 1)))
		why = "cannot take every slot of our CPU";
	if (!why && (!map_shared() || exo_fork_share(SLICE_VA, SHARED_PAGES * 4096ULL) < 0))
		why = "cannot share memory with the hog and the peer";
	if (!why && !bench_hog_command(BENCH_HOG_SLICE))
		why = "cannot tell the hog to take part";
	if (!why && bench_peer_slice(cpu_turns) != 0)
		why = "the peer refused to take part";
	asked = !why;
	if (!why && !wait_ack(MODE_PLAIN)) {
		if (!both_alive()) {
			gone(reason, sizeof(reason));
			why = reason;
		} else {
			why = "the hog and the peer did not start taking turns within 10 s";
		}
	}
	if (why) {
		bench_skip("slice_switch_plain", why);
		bench_skip("slice_switch", why);
	} else {
		bench_info("slice", "on CPU %u the hog owns the even slots, the peer the odd ones",
			   (unsigned)cpu_turns);
		/* Without upcalls first: the kernel never ends those by force. */
		row("slice_switch_plain", false);
		sh->mode = MODE_UPCALLS;
		if (!wait_ack(MODE_UPCALLS)) {
			if (!both_alive())
				gone(reason, sizeof(reason));
			bench_skip("slice_switch",
				   both_alive() ? "the two did not register their upcall entries"
						: reason);
		} else {
			row("slice_switch", true);
		}
	}
	if (respawned)
		bench_info("slice",
			   "%u of the envs taking turns were destroyed by the kernel and replaced "
			   "by forks of the measuring env; the first: %s",
			   respawned, killed);
	if (sh) { /* stop: the peer goes back to waiting for PCTs */
		sh->mode = MODE_STOP;
		if (asked)
			wait_stopped();
		unmap_shared();
	}
	if (slots)
		free_slots(cpu_mine, 0, 1);
	bench_hog_release(); /* the last family that needs it */
}
#endif
BENCH_FAMILY(6, slice, run, BENCH_ALONE);
