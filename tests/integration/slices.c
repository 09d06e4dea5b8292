/*
 * slices.c - CPU time as a resource, on two CPUs:
 *  - slots are owned: an env cannot take or free a slot another holds;
 *  - two CPU-bound envs run truly in parallel: the slice trace shows each
 *    on its own CPU in the same slice, not alternating;
 *  - a CPU-bound env alone on a CPU gets at least 90% of its slices (the
 *    idle rule hands it every slot nobody else can use);
 *  - idle CPUs sleep in HLT and every wake-up is an interrupt.
 * Roles: "sched" (first: holds the root capability, reads the trace),
 * "holder" (takes slot 7 of CPU 0 and sleeps), "spin-a", "spin-b".
 */
#include <string.h>

#include "testlib.h"

#define SPIN_MS 300
#define WAIT_MS 60000 /* generous: a loaded host can stall a vCPU for a long time */

static void spin(void)
{
	/* Start when the checker drops EXO_RIGHT_GUEST: it is asleep then. */
	const struct exo_env_info *s =
		(const struct exo_env_info *)EXO_UENVS + (test_find_env("sched") & 1023);
	CHECK_EQ(test_wait_word(&s->parent, (uint64_t)EXO_RIGHT_GUEST << 32, 0, EXO_PRED_EQ,
				WAIT_MS * 1000ULL),
		 EXO_WAKE_PRED);
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t end = __builtin_ia32_rdtsc() + si->tsc_hz / 1000 * SPIN_MS;
	while (__builtin_ia32_rdtsc() < end)
		;
	exo_env_destroy(EXO_ENV_SELF);
}

static void holder(void)
{
	/* The checker may hold it for an instant while it looks: retry. */
	long r;
	for (unsigned ms = 0; (r = exo_slice_alloc(0, 7)) == -EXO_EBUSY && ms < WAIT_MS; ms++)
		test_sleep_us(100);
	CHECK_EQ(r, 7);
	exo_wait(0, 0, EXO_PRED_ALL, 0); /* sleep until a PCT that never comes */
}

static void slots(void)
{
	/* Wait until the holder owns slot 7 of CPU 0 (looking rarely, so the
	 * holder is not kept out by our own probes). */
	long r;
	for (unsigned ms = 0; (r = exo_slice_alloc(0, 7)) >= 0; ms += 20) {
		CHECK(ms < WAIT_MS);
		CHECK_EQ(exo_slice_free(r), 0);
		test_sleep_us(20000);
	}
	CHECK_EQ(r, -EXO_EBUSY);
	CHECK_EQ(exo_slice_free(7), -EXO_EPERM); /* not ours */
	CHECK_EQ(exo_slice_alloc(9, 0), -EXO_EINVAL);
	CHECK_EQ(exo_slice_alloc(0, EXO_NSLOTS), -EXO_EINVAL);
	CHECK_EQ(exo_slice_free(EXO_NSLOTS), -EXO_EINVAL);
	long any = exo_slice_alloc(EXO_SLICE_ANY, EXO_SLICE_ANY);
	CHECK(any >= 0 && any != 7);
	CHECK_EQ(exo_slice_free(any), 0);
	CHECK_EQ(exo_slice_free(any), -EXO_EPERM);
}

static void sched(void)
{
	uint32_t a = test_find_env("spin-a"), b = test_find_env("spin-b");
	CHECK(a && b); /* before they finish spinning */
	slots();
	/* Sleep, without waking, until both spinners are gone. */
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	struct exo_pred_term gone[2] = {
		{ (uint64_t)&t[a & 1023].id, 0xffffffffULL, 0, EXO_PRED_EQ, 0 },
		{ (uint64_t)&t[b & 1023].id, 0xffffffffULL, 0, EXO_PRED_EQ, 0 },
	};
	static struct exo_trace_rec tr[EXO_TRACE_RECORDS];
	long n = exo_trace_read(tr, EXO_TRACE_RECORDS, 0);
	uint64_t go_seq = n > 0 ? tr[n - 1].seq : 0;
	CHECK_EQ(exo_env_revoke_rights(EXO_ENV_SELF, EXO_RIGHT_GUEST), 0); /* spinners: go */
	CHECK_EQ(exo_wait(gone, 2, EXO_PRED_ALL, WAIT_MS * 1000ULL), EXO_WAKE_PRED);
	n = exo_trace_read(tr, EXO_TRACE_RECORDS, go_seq); /* from the go on */
	CHECK(n > 0);
	uint64_t last_seq = tr[n - 1].seq;

	/* Parallel: a slice of a on one CPU within a slice of b on the other. */
	CHECK(test_slices_overlap(tr, n, a, b));
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;

	/* Share: on each CPU, between a spinner's first and last slice there,
	 * at least 90% of the slices are its own. */
	for (int k = 0; k < 2; k++) {
		uint32_t who = k ? b : a;
		for (unsigned cpu = 0; cpu < si->ncpus; cpu++) {
			long first = -1, last = -1;
			for (long i = 0; i < n; i++)
				if (tr[i].type == EXO_TRACE_SLICE && tr[i].cpu == cpu &&
				    tr[i].env == who) {
					if (first < 0)
						first = i;
					last = i;
				}
			if (first < 0)
				continue;
			unsigned mine = 0, all = 0;
			for (long i = first; i <= last; i++)
				if (tr[i].type == EXO_TRACE_SLICE && tr[i].cpu == cpu) {
					all++;
					mine += tr[i].env == who;
				}
			printf("slices: env %u got %u of %u slices on CPU %u\n", who, mine, all,
			       cpu);
			if (all >= 20)
				CHECK(mine * 10 >= all * 9);
		}
	}

	/* Idle: sleep 50 ms with both CPUs otherwise idle; every wake-up from
	 * HLT is an interrupt (timer, IPI or serial), and no env ran. */
	test_sleep_us(50000);
	n = exo_trace_read(tr, EXO_TRACE_RECORDS, last_seq);
	unsigned wakes = 0;
	for (long i = 0; i < n; i++) {
		if (tr[i].type == EXO_TRACE_WAKE) {
			wakes++;
			CHECK(tr[i].a == 0x40 || tr[i].a == 0x41 || tr[i].a == 0x24);
		}
		if (tr[i].type == EXO_TRACE_SLICE)
			CHECK(tr[i].env == 0 || tr[i].env == (uint32_t)exo_env_id());
	}
	CHECK(wakes > 0);
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "sched") == 0)
		sched();
	else if (strcmp(argv[0], "holder") == 0)
		holder();
	else
		spin();
	return 1;
}
