/*
 * victim.c - the environment the fuzzer attacks, and the test's judge.
 *
 * It maps VICTIM_PAGES frames filled with fz_pattern, grants the first
 * VICTIM_GRANTS of them read-only to the attacker, serves PCTs from anyone
 * (replying at once), and maps the attacker's progress page. Then it
 * sleeps in exo_wait until the attacker finishes or dies, or 100 ms pass,
 * and each time it wakes checks every page: contents, its own mappings
 * (through EXO_UVPT) and ownership (through EXO_UFRAMES). It also watches
 * that the attacker keeps making calls. When the attacker is done and gone
 * with all its children, the invariant checker must be clean; it then
 * prints "victim: N checks, all intact" and ends the test.
 */
#include <string.h>

#include "fuzz.h"
#include "../integration/testlib.h"

#define WAIT_MS 30000 /* a set-up step taking longer has failed */
#define STALL_S 60    /* the attacker made no call for this long: it hangs */
#define WAKE_US 100000

static uint64_t frames[VICTIM_PAGES];
static uint64_t checks, gifts;
static volatile uint64_t pcts;
static const struct fz_progress *prog;

uint32_t fz_find_boot_env(const char *name)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	for (unsigned i = 1; i < EXO_NENV; i++)
		if (t[i].id && t[i].parent == 0 && strcmp(t[i].name, name) == 0)
			return t[i].id;
	return 0;
}

static void __attribute__((noreturn)) fail(const char *what, uint64_t a, uint64_t b)
{
	printf("victim: FAIL: %s (%#llx, %#llx)\n", what, (unsigned long long)a,
	       (unsigned long long)b);
	if (prog)
		fz_print_ring(prog);
	test_end(0);
}

static void on_pct(const struct exo_pct_msg *m)
{
	pcts++;
	exo_pct_return(m->w[0] + 1, m->w[1], m->w[2], m->w[3]);
}

static void verify(uint32_t me)
{
	for (unsigned i = 0; i < VICTIM_PAGES; i++) {
		uint64_t va = VICTIM_VA + i * 4096ULL;
		uint64_t pte = exo_uvpt_pte(va);
		if (!(pte & EXO_PTE_P) || !(pte & EXO_PTE_W) || EXO_PTE_FRAME(pte) != frames[i])
			fail("a mapping of ours changed", va, pte);
		if (exo_frame_info(frames[i])->owner != me)
			fail("a frame of ours changed owner", frames[i],
			     exo_frame_info(frames[i])->owner);
		const volatile uint64_t *p = (const volatile uint64_t *)va;
		for (unsigned w = 0; w < 512; w++)
			if (p[w] != fz_pattern(frames[i], w)) {
				printf("victim: page %u (frame %#llx) word %u is %#llx, expected "
				       "%#llx\n",
				       i, (unsigned long long)frames[i], w,
				       (unsigned long long)p[w],
				       (unsigned long long)fz_pattern(frames[i], w));
				fail("checksum mismatch", va, frames[i]);
			}
	}
	checks++;
}

/* Free the frames the attacker and its children gave us (transfers, and
 * grants that became ownership): everything we own and do not map. */
static void give_back(uint32_t me)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (uint64_t i = 0; i < si->nframes; i++)
		if (ft[i].owner == me && !ft[i].owner_refs && exo_frame_free(i) == 0)
			gifts++;
}

static uint32_t count_attackers(void)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	uint32_t n = 0;
	for (unsigned i = 1; i < EXO_NENV; i++)
		n += t[i].id && strcmp(t[i].name, "fuzz-attacker") == 0;
	return n;
}

/* The attacker's progress page: the one frame it owns and has granted
 * before it starts fuzzing. */
static void map_progress(uint32_t aid)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; ms < WAIT_MS; ms += 5) {
		for (uint64_t i = 0; i < si->nframes; i++)
			if (ft[i].owner == aid && ft[i].grants &&
			    exo_page_map(EXO_AS_SELF, VICTIM_PROG_VA, i, EXO_PERM_R) == 0) {
				prog = (const struct fz_progress *)VICTIM_PROG_VA;
				if (prog->magic != FZ_MAGIC)
					fail("the attacker's page is not its progress page", i,
					     prog->magic);
				return;
			}
		test_sleep_us(5000);
	}
	fail("no progress page from the attacker", aid, 0);
}

void fz_victim(void)
{
	uint32_t me = (uint32_t)exo_env_id(), aid = 0;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; !(aid = fz_find_boot_env("fuzz-attacker")); ms += 5) {
		if (ms > WAIT_MS)
			fail("no attacker", 0, 0);
		test_sleep_us(5000);
	}
	printf("victim: env %#x, attacker %#x\n", me, aid);
	for (unsigned i = 0; i < VICTIM_PAGES; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
		if (f < 0 || exo_page_map(EXO_AS_SELF, VICTIM_VA + i * 4096ULL, (uint64_t)f,
					  EXO_PERM_R | EXO_PERM_W) < 0)
			fail("cannot map a page", (uint64_t)f, i);
		frames[i] = (uint64_t)f;
		uint64_t *p = (uint64_t *)(VICTIM_VA + i * 4096ULL);
		for (unsigned w = 0; w < 512; w++)
			p[w] = fz_pattern(frames[i], w);
	}
	if (exo_pct_serve(on_pct, EXO_PCT_ANY) < 0)
		fail("cannot serve PCTs", 0, 0);
	for (unsigned i = 0; i < VICTIM_GRANTS; i++)
		if (exo_frame_grant(frames[i], aid, EXO_PERM_R) < 0)
			fail("cannot grant a page", frames[i], aid);
	map_progress(aid);
	verify(me);

	const volatile struct exo_env_info *arow =
		(const volatile struct exo_env_info *)EXO_UENVS + (aid & (EXO_NENV - 1));
	uint64_t hz = si->tsc_hz ? si->tsc_hz : 1000000000ULL;
	uint64_t last_calls = 0, last_change = __builtin_ia32_rdtsc();
	for (;;) {
		struct exo_pred_term t[2] = {
			{ (uint64_t)arow, 0xffffffffULL, aid, EXO_PRED_NE, 0 },
			{ (uint64_t)&prog->state, ~0ULL, FZ_RUNNING, EXO_PRED_NE, 0 },
		};
		long w = exo_wait(t, 2, EXO_PRED_ANY, WAKE_US);
		if (w < 0)
			fail("exo_wait failed", (uint64_t)w, 0);
		verify(me);
		if (checks % 16 == 0)
			give_back(me);
		if (prog->state == FZ_DONE)
			break;
		if (prog->state == FZ_FAILED)
			continue; /* the attacker is reporting and ends the run */
		if (arow->id != aid)
			fail("the attacker died in the middle of its run (calls, phase)",
			     prog->calls, prog->phase);
		uint64_t now = __builtin_ia32_rdtsc();
		if (prog->calls != last_calls) {
			last_calls = prog->calls;
			last_change = now;
		} else if (now - last_change > STALL_S * hz) {
			fail("the attacker made no progress for a minute", prog->calls, 0);
		}
	}
	/* The attacker and all its children must go. */
	for (unsigned ms = 0; count_attackers(); ms += 10) {
		if (ms > WAIT_MS)
			fail("attacker environments left after the run", count_attackers(), 0);
		test_sleep_us(10000);
	}
	verify(me);
	long bad = exo_invariant_check();
	if (bad)
		fail("the invariant checker found violations", (uint64_t)bad, 0);
	printf("victim: %llu checks, all intact (%llu PCTs served, %llu frames given back)\n",
	       (unsigned long long)checks, (unsigned long long)pcts, (unsigned long long)gifts);
	test_pass();
}
