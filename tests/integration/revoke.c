/*
 * revoke.c - visible revocation of frames and the abort protocol, with
 * four environments and a monitor:
 *
 *   compliant  frees the frames it is asked for from its revocation upcall;
 *              it loses nothing else and is never repossessed from
 *   stubborn   registers no revocation entry: at the deadline the kernel
 *              takes what it owes, first its unmapped frames, then mapped
 *              ones from the highest frame number down; its repossession
 *              vector names exactly those, its other pages are intact
 *   sleeper    sleeps through the request: repossessed at the deadline
 *   bystander  is never asked: its pages keep their checksums
 *   monitor    (first module: holds the root capability) makes the
 *              requests, checks the trace and the invariants
 *
 * Targets learn the test's stage from a page the monitor grants them.
 */
#include <string.h>

#include "testlib.h"
#include "upcall_stub.h"

#define PAGES	   64 /* mapped pages each target fills */
#define RESERVE	   16 /* frames the stubborn env holds unmapped */
#define DATA_VA	   0x40000000ULL
#define STAGE_VA   0x3f000000ULL
#define UPCALL_TOP 0x3e000000ULL
#define WAIT_US	   30000000 /* a step taking longer has failed */

static volatile uint64_t *stage; /* the monitor's page, read-only for targets */
static uint64_t frames_of[PAGES + RESERVE];
static volatile uint64_t revoke_asked, revoke_calls;

/* Has env id granted one of its frames to someone (the ready signal)? */
static int ready(uint32_t id)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (uint64_t i = 0; i < si->nframes; i++)
		if (ft[i].owner == id && ft[i].grants)
			return 1;
	return 0;
}

static uint64_t owned_by(uint32_t id)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t n = 0;
	for (uint64_t i = 0; i < si->nframes; i++)
		n += ft[i].owner == id;
	return n;
}

static uint64_t pattern(unsigned page, unsigned word)
{
	return 0x9e3779b97f4a7c15ULL * (page + 1) ^ word;
}

static void fill(unsigned page)
{
	volatile uint64_t *p = (uint64_t *)(DATA_VA + page * 4096ULL);
	for (unsigned w = 0; w < 512; w++)
		p[w] = pattern(page, w);
}

static int intact(unsigned page)
{
	volatile uint64_t *p = (uint64_t *)(DATA_VA + page * 4096ULL);
	for (unsigned w = 0; w < 512; w++)
		if (p[w] != pattern(page, w))
			return 0;
	return 1;
}

static uint64_t pte(uint64_t va)
{
	return exo_uvpt_pte(va);
}

/* The compliant env's revocation upcall: give back the highest pages. */
static unsigned mapped = PAGES;
void test_upcall(struct exo_upcall_frame *f)
{
	if (f->vector != EXO_UPCALL_REVOKE)
		return;
	revoke_calls++;
	revoke_asked = f->error;
	for (uint64_t i = 0; i < f->error && mapped > 0; i++) {
		mapped--;
		exo_page_unmap(EXO_AS_SELF, DATA_VA + mapped * 4096ULL);
		exo_frame_free(frames_of[mapped]);
	}
}

/* Allocate and fill the PAGES data pages (after every other allocation of
 * the program, so they hold its highest-numbered frames). */
static void setup_pages(unsigned reserve)
{
	for (unsigned i = 0; i < PAGES + reserve; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
		CHECK(f > 0);
		frames_of[i] = (uint64_t)f;
		if (i < PAGES) {
			CHECK_EQ(exo_page_map(EXO_AS_SELF, DATA_VA + i * 4096ULL, f,
					      EXO_PERM_R | EXO_PERM_W),
				 0);
			fill(i);
		}
	}
}

/* Find the monitor's stage page (the frame it granted us) and map it. */
static void map_stage(uint32_t monitor)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; ms < WAIT_US / 1000; ms++) {
		for (uint64_t i = 0; i < si->nframes; i++)
			if (ft[i].owner == monitor && ft[i].grants &&
			    exo_page_map(EXO_AS_SELF, STAGE_VA, i, EXO_PERM_R) == 0) {
				stage = (volatile uint64_t *)STAGE_VA;
				return;
			}
		test_sleep_us(1000);
	}
	CHECK(!"no stage page from the monitor");
}

/* Sleep (stubborn, bystander, sleeper) or keep running in short naps
 * (compliant: it must run to take its upcall) until the stage is >= s. */
static void wait_stage(uint64_t s, int nap)
{
	if (!nap) {
		CHECK_EQ(test_wait_word(stage, ~0ULL, s, EXO_PRED_GE, WAIT_US), EXO_WAKE_PRED);
		return;
	}
	for (unsigned ms = 0; *stage < s; ms++) {
		CHECK(ms < WAIT_US / 1000);
		test_sleep_us(1000);
	}
}

static void target(const char *role)
{
	uint32_t monitor = test_find_env("monitor");
	CHECK(monitor != 0);
	printf("%s: starting\n", role); /* warm up stdio before the data pages */
	int compliant = strcmp(role, "compliant") == 0;
	int stubborn = strcmp(role, "stubborn") == 0;
	if (compliant)
		CHECK_EQ(exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_REVOKE,
					   (uint64_t)test_upcall_entry,
					   test_upcall_stack(UPCALL_TOP, 4)),
			 0);
	map_stage(monitor);
	setup_pages(stubborn ? RESERVE : 0);
	CHECK_EQ(exo_revoke_request(monitor, 1, 1000), -EXO_EPERM); /* no REVOKE right */
	/* Ready: say so by granting the monitor a look at our first page. */
	CHECK_EQ(exo_frame_grant(frames_of[0], monitor, EXO_PERM_R), 0);
	wait_stage(2, compliant); /* the monitor has made its requests */

	struct exo_repo_rec rec[32];
	long n = exo_repossessed(rec, 32);
	unsigned lost = 0;
	if (compliant) {
		CHECK_EQ(n, 0);
		CHECK_EQ(revoke_calls, 1);
		CHECK_EQ(revoke_asked, 16);
		CHECK_EQ(mapped, PAGES - 16);
		lost = 16;
	} else if (stubborn) {
		/* 24 owed: the 16 unmapped reserve frames first, then the 8
		 * highest-numbered mapped ones, their mappings broken. */
		CHECK_EQ(n, 24);
		for (long i = 0; i < n; i++) {
			CHECK_EQ(rec[i].kind, EXO_REPO_FRAME);
			CHECK_EQ(rec[i].saved, 0);
			int mine = 0;
			for (unsigned k = 0; k < PAGES + RESERVE; k++)
				if (frames_of[k] == rec[i].resource) {
					mine = 1;
					if (k >= PAGES)
						CHECK_EQ(rec[i].va, 0);
					else
						CHECK_EQ(rec[i].va, DATA_VA + k * 4096ULL);
				}
			CHECK(mine);
			if (i < RESERVE)
				CHECK_EQ(rec[i].va, 0);
			else
				CHECK(rec[i].va != 0 && !(pte(rec[i].va) & 1));
		}
		lost = 8;
	} else if (strcmp(role, "sleeper") == 0) {
		CHECK_EQ(n, 8);
		for (long i = 0; i < n; i++)
			CHECK(rec[i].va >= DATA_VA && !(pte(rec[i].va) & 1));
		lost = 8;
	} else {
		CHECK_EQ(n, 0);
	}
	/* Every page still mapped kept its contents. */
	unsigned kept = 0;
	for (unsigned i = 0; i < PAGES; i++)
		if (pte(DATA_VA + i * 4096ULL) & 1) {
			CHECK(intact(i));
			kept++;
		}
	CHECK_EQ(kept, PAGES - lost);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("%s: kept %u pages intact, %ld repossession records\n", role, kept, n);
	exo_env_destroy(EXO_ENV_SELF);
}

static uint64_t owned_now(const char *name)
{
	return owned_by(test_find_env(name));
}

static void monitor(void)
{
	const char *roles[] = { "compliant", "stubborn", "sleeper", "bystander" };
	uint32_t id[4];
	long sf = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(sf > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, STAGE_VA, sf, EXO_PERM_R | EXO_PERM_W), 0);
	volatile uint64_t *st = (volatile uint64_t *)STAGE_VA;
	*st = 1;
	for (int i = 0; i < 4; i++) {
		id[i] = test_find_env(roles[i]);
		CHECK(id[i] != 0);
		CHECK_EQ(exo_frame_grant(sf, id[i], EXO_PERM_R), 0);
	}
	/* Wait until every target has set up its pages and said so. */
	uint64_t base[4];
	for (int i = 0; i < 4; i++) {
		unsigned ms = 0;
		while (!ready(id[i])) {
			CHECK(ms < WAIT_US / 1000);
			test_sleep_us(5000);
			ms += 5;
		}
		base[i] = owned_by(id[i]);
	}
	CHECK_EQ(exo_revoke_request(id[0], 0, 1000), -EXO_EINVAL);
	CHECK_EQ(exo_revoke_request(12345, 1, 1000), -EXO_EBADENV);

	/* Compliant: 20 s, far more than it needs even on a loaded host. */
	CHECK_EQ(exo_revoke_request(id[0], 16, 20000000), 0);
	CHECK_EQ(exo_revoke_request(id[1], 24, 20000), 0);	   /* stubborn: 20 ms */
	CHECK_EQ(exo_revoke_request(id[1], 1, 20000), -EXO_EBUSY); /* one at a time */
	CHECK_EQ(exo_revoke_request(id[2], 8, 20000), 0);	   /* sleeper: 20 ms */
	for (unsigned ms = 0;
	     owned_now("compliant") > base[0] - 16 || owned_now("stubborn") > base[1] - 24 ||
	     owned_now("sleeper") > base[2] - 8;
	     ms += 5) {
		CHECK(ms < WAIT_US / 1000);
		test_sleep_us(5000);
	}
	test_sleep_us(50000); /* nothing more must go */
	CHECK_EQ(owned_now("compliant"), base[0] - 16);
	CHECK_EQ(owned_now("stubborn"), base[1] - 24);
	CHECK_EQ(owned_now("sleeper"), base[2] - 8);
	CHECK_EQ(owned_now("bystander"), base[3]);
	CHECK_EQ(exo_invariant_check(), 0);

	/* The trace tells the same story. */
	static struct exo_trace_rec tr[EXO_TRACE_RECORDS];
	long n = exo_trace_read(tr, EXO_TRACE_RECORDS, 0);
	CHECK(n > 0);
	int done = 0, repo_stubborn = 0, repo_sleeper = 0, req = 0;
	for (long i = 0; i < n; i++) {
		if (tr[i].type == EXO_TRACE_REVOKE_REQ)
			req++;
		if (tr[i].type == EXO_TRACE_REVOKE_DONE && tr[i].env == id[0] && tr[i].a == 16)
			done++;
		if (tr[i].type == EXO_TRACE_REPOSSESS && tr[i].env == id[1] && tr[i].a == 24)
			repo_stubborn++;
		if (tr[i].type == EXO_TRACE_REPOSSESS && tr[i].env == id[2] && tr[i].a == 8)
			repo_sleeper++;
		CHECK(!(tr[i].type == EXO_TRACE_REPOSSESS && tr[i].env == id[0]));
	}
	CHECK_EQ(req, 3);
	CHECK_EQ(done, 1);
	CHECK_EQ(repo_stubborn, 1);
	CHECK_EQ(repo_sleeper, 1);

	*st = 2; /* targets: check yourselves and leave */
	test_wait_alone(WAIT_US / 1000);
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "monitor") == 0)
		monitor();
	else
		target(argv[0]);
	return 1;
}
