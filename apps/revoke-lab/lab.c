/*
 * lab.c - the controller: runs one scenario (scenarios.c) against the
 * workers booted with it, and prints what happened as CSV on the console.
 *
 * It must be the first boot module: exo_revoke_request and
 * exo_revoke_blocks need EXO_RIGHT_REVOKE and exo_trace_read
 * EXO_RIGHT_TRACE, which only the first module holds. Every SAMPLE_US it
 *   - counts the frames each worker owns, scanning the frame table through
 *     the EXO_UFRAMES window (the owner field), and copies the blocks each
 *     says its disk owner holds, and the pages a pager has on the disk,
 *     from the workers' rows of the lab page (no window shows another
 *     owner's blocks);
 *   - reads the kernel's trace since the last record it saw (after_seq),
 *     pairing each EXO_TRACE_REVOKE_REQ (EXO_TRACE_BREVOKE_REQ for blocks)
 *     with the EXO_TRACE_REVOKE_DONE or EXO_TRACE_REPOSSESS (BREVOKE_DONE,
 *     BREPOSSESS) that closes it, and counting the EXO_TRACE_SWAP events
 *     (frames saved to a swap area) in between; a request right after an
 *     EXO_TRACE_PRESSURE for the same env was made by the kernel for the
 *     env whose allocation failed.
 * After the last step it sets the stage to LAB_CHECK and waits for every
 * worker to check what it kept (its pages or blocks against their
 * patterns). Samples and requests are kept in memory and printed only at
 * the end, so console output does not disturb the timing. Then it leaves
 * QEMU with exo_debug_exit(0) (QEMU exit status 1).
 *
 * Output lines (times in microseconds since the lab started):
 *   CSV meta,SCENARIO,TSC_HZ,NFRAMES,NCPUS,SAMPLE_US,SCAN_US
 *   CSV env,ENV,NAME,ROLE
 *   CSV held,T_US,ENV,NAME,FRAMES        (first and last sample, and changes;
 *                                         ENV 0 "free" is the free pool)
 *   CSV blocks,T_US,ENV,NAME,BLOCKS,PAGED (the same, for workers with a
 *                                         disk owner: blocks it holds, pages
 *                                         a pager has out on the disk)
 *   CSV revoke,T_US,ENV,NAME,CAUSE,BY,REQUESTED,DEADLINE_US,RETURNED,
 *              REPOSSESSED,LATENCY_US,OUTCOME,SLICES,RESOURCE,SAVED
 *   CSV worker,ENV,NAME,HELD,UPCALLS,RETURNED,REPOSSESSED,EAGAIN,BLOCKS,
 *              PAGED,BUPCALLS,BRETURNED,RESTORED,INTACT,LOST,BAD,CHECKED
 *   CSV end,SAMPLES,REQUESTS,TRACE_LOST
 * and, for people and tests, one line per worker asked for anything, the
 * sums of its requests (RETURNED as in CSV revoke):
 *   revoke-lab: outcome NAME: frames asked N, returned N, repossessed N,
 *               saved N; blocks asked N, returned N, repossessed N
 * and one per worker whose check looked at data:
 *   revoke-lab: check NAME: pages|blocks intact N, lost N, bad N
 * CAUSE is "lab" (exo_revoke_request, exo_revoke_blocks) or "pressure"
 * (BY's allocation failed); RESOURCE "frames" or "blocks"; OUTCOME is
 * "returned" (all given back in time), "partial", "repossessed" or "open"
 * (no outcome traced before the end). RETURNED is REQUESTED - REPOSSESSED:
 * the trace gives what the kernel took, not what it was still owed (they
 * differ only if the env owned too few). SAVED is how many of the frames
 * the kernel took it wrote to the env's swap area first. SLICES counts the
 * 1 ms slices the env was running at a tick while the request was open:
 * the kernel repossesses after EXO_REVOKE_MAX_SLICES. CHECKED is
 * LAB_CHECKED_* (0: the worker never finished its check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define SAMPLE_US     4000  /* how often the frame table is scanned */
#define MAX_TRACK     16    /* workers whose frames are counted */
#define MAX_SAMPLES   8192  /* 32 s of samples */
#define MAX_REQS      8192  /* requests remembered */
#define READY_WAIT_MS 60000 /* for the workers to set up */
#define STEP_WAIT_MS  10000 /* past a deadline, for the outcome to be traced */
#define CHECK_WAIT_MS 60000 /* for the workers to check their data */
#define SETTLE_MS     50    /* baseline before the first step */
#define TAIL_MS	      100   /* after the last */

struct tracked {
	uint32_t id;
	uint32_t closes[2]; /* requests to it that were closed (trace), per kind */
	char name[24];
	char role[24];
};

enum outcome { OPEN, RETURNED, PARTIAL, REPOSSESSED };

struct req {
	uint64_t tsc;	   /* when the kernel opened it */
	uint64_t deadline; /* TSC */
	uint64_t latency;  /* TSC, request to outcome */
	uint32_t env, by;  /* asked of env; made by the lab or, under pressure, for `by` */
	uint32_t asked, repossessed;
	uint32_t slices; /* slices env ran in while the request was open (trace) */
	uint32_t saved;	 /* frames written to its swap area before they were taken */
	uint8_t pressure, outcome, kind;
};

static struct tracked tracked[MAX_TRACK];
static unsigned ntracked;
static uint8_t slot_tracked[EXO_NENV]; /* env slot -> index + 1 in tracked[] */

/* The samples and requests are on the heap, allocated when the controller
 * starts: every worker runs this program too, and would otherwise carry
 * them in its BSS. */
static uint64_t *sample_tsc;
static uint32_t (*sample_held)[MAX_TRACK];
static uint32_t *sample_free;
static uint32_t (*sample_blocks)[MAX_TRACK], (*sample_paged)[MAX_TRACK];
static unsigned nsamples;
static uint64_t t0, tpu, next_sample, scan_tsc;

static struct req *reqs;
static unsigned nreqs;
static uint32_t open_req[2][EXO_NENV]; /* kind, env slot -> index + 1 in reqs[] */
static struct exo_trace_rec pressure_rec, tbuf[256];
static uint64_t last_seq, trace_lost;

static uint32_t me;
static volatile struct lab_page *page;

/* The request of kind open on env (slot), or NULL. */
static struct req *open_of(unsigned kind, uint32_t env)
{
	uint32_t k = open_req[kind][lab_slot(env)];
	return k && reqs[k - 1].env == env ? &reqs[k - 1] : NULL;
}

/* One trace record: open or close a request. */
static void trace_one(const struct exo_trace_rec *r)
{
	unsigned slot = lab_slot(r->env), kind = 0;
	struct req *q;
	switch (r->type) {
	case EXO_TRACE_SLICE:
		for (unsigned k = 0; k < 2 && r->env; k++)
			if ((q = open_of(k, r->env)))
				q->slices++;
		break;
	case EXO_TRACE_PRESSURE:
		pressure_rec = *r;
		break;
	case EXO_TRACE_SWAP:
		if ((q = open_of(LAB_KFRAMES, r->env)))
			q->saved++;
		break;
	case EXO_TRACE_BREVOKE_REQ:
		kind = LAB_KBLOCKS;
		/* fall through */
	case EXO_TRACE_REVOKE_REQ:
		if (nreqs == MAX_REQS)
			break;
		q = &reqs[nreqs++];
		*q = (struct req){ .tsc = r->tsc,
				   .deadline = r->b,
				   .env = r->env,
				   .by = me,
				   .kind = (uint8_t)kind };
		q->asked = (uint32_t)r->a;
		if (kind == LAB_KFRAMES && pressure_rec.seq + 1 == r->seq &&
		    pressure_rec.env == r->env) {
			q->pressure = 1;
			q->by = (uint32_t)pressure_rec.b;
		}
		open_req[kind][slot] = nreqs;
		break;
	case EXO_TRACE_BREVOKE_DONE:
	case EXO_TRACE_BREPOSSESS:
		kind = LAB_KBLOCKS;
		/* fall through */
	case EXO_TRACE_REVOKE_DONE:
	case EXO_TRACE_REPOSSESS:
		if (!(q = open_of(kind, r->env)))
			break;
		open_req[kind][slot] = 0;
		q->latency = r->b;
		if (r->type == EXO_TRACE_REVOKE_DONE || r->type == EXO_TRACE_BREVOKE_DONE) {
			q->outcome = RETURNED;
		} else {
			q->repossessed = (uint32_t)r->a;
			q->outcome = r->a >= q->asked ? REPOSSESSED : PARTIAL;
		}
		if (slot_tracked[slot] && tracked[slot_tracked[slot] - 1].id == r->env)
			tracked[slot_tracked[slot] - 1].closes[kind]++;
		break;
	}
}

/* Read every trace record after last_seq. */
static void drain_trace(void)
{
	const long max = sizeof(tbuf) / sizeof(tbuf[0]);
	for (;;) {
		long n = exo_trace_read(tbuf, (uint64_t)max, last_seq);
		if (n <= 0)
			return;
		if (tbuf[0].seq != last_seq + 1)
			trace_lost += tbuf[0].seq - last_seq - 1; /* the ring overtook us */
		for (long i = 0; i < n; i++)
			trace_one(&tbuf[i]);
		last_seq = tbuf[n - 1].seq;
		if (n < max)
			return;
	}
}

/* Count each tracked env's frames; read the trace. */
static void sample(void)
{
	uint64_t start = lab_rdtsc();
	uint32_t held[MAX_TRACK] = { 0 }, nfree = 0;
	uint64_t n = LAB_SYSINFO->nframes;
	const volatile uint32_t *owner = &LAB_FRAMES[0].owner;
	const unsigned stride = sizeof(struct exo_frame_info) / sizeof(*owner);
	for (uint64_t fn = 0; fn < n; fn++, owner += stride) {
		uint32_t o = *owner;
		if (o == 0) {
			nfree++;
			continue;
		}
		if (o >= 0xfffffffeu) /* kernel, reserved */
			continue;
		unsigned k = slot_tracked[lab_slot(o)];
		if (k && tracked[k - 1].id == o)
			held[k - 1]++;
	}
	if (nsamples < MAX_SAMPLES) {
		sample_tsc[nsamples] = start;
		memcpy(sample_held[nsamples], held, sizeof(held));
		sample_free[nsamples] = nfree;
		for (unsigned k = 0; k < ntracked; k++) {
			const volatile struct lab_row *w = &page->row[lab_slot(tracked[k].id)];
			sample_blocks[nsamples][k] = (uint32_t)w->blocks;
			sample_paged[nsamples][k] = (uint32_t)w->paged;
		}
		nsamples++;
	}
	scan_tsc += lab_rdtsc() - start;
	drain_trace();
}

/* Sample, then sleep until the next sample is due. */
static void tick(void)
{
	sample();
	uint64_t now = lab_rdtsc();
	next_sample += SAMPLE_US * tpu;
	if (next_sample <= now)
		next_sample = now + SAMPLE_US * tpu; /* behind: do not try to catch up */
	lab_sleep_us((next_sample - now) / tpu);
}

static void run_for(uint64_t ms)
{
	uint64_t end = lab_rdtsc() + ms * 1000 * tpu;
	while (lab_rdtsc() < end)
		tick();
}

static int matches(const char *who, const struct tracked *t)
{
	return strcmp(who, "*") == 0 || strcmp(who, t->role) == 0;
}

/* Ask every matching worker for s->count frames (or blocks) and wait until
 * each request is closed. A busy target (a request of that kind still
 * open) is asked again at the next sample. */
static void run_step(const struct lab_step *s)
{
	uint32_t before[MAX_TRACK];
	uint8_t asked[MAX_TRACK] = { 0 }, want[MAX_TRACK] = { 0 };
	for (unsigned k = 0; k < ntracked; k++) {
		want[k] = matches(s->who, &tracked[k]);
		before[k] = tracked[k].closes[s->kind];
	}
	uint64_t end = lab_rdtsc() + (s->deadline_ms + STEP_WAIT_MS) * 1000ULL * tpu;
	for (;;) {
		unsigned pending = 0;
		for (unsigned k = 0; k < ntracked; k++) {
			if (!want[k])
				continue;
			if (!asked[k]) {
				long r = s->kind == LAB_KBLOCKS
						 ? exo_revoke_blocks(tracked[k].id, s->count,
								     s->deadline_ms * 1000ULL)
						 : exo_revoke_request(tracked[k].id, s->count,
								      s->deadline_ms * 1000ULL);
				if (r == 0)
					asked[k] = 1;
				else if (r != -EXO_EBUSY)
					want[k] = 0; /* reported at the end as missing */
			}
			pending += want[k] && tracked[k].closes[s->kind] == before[k];
		}
		if (!pending || lab_rdtsc() > end)
			return;
		tick();
	}
}

static const char *name_of(uint32_t id)
{
	static char buf[24];
	unsigned k = slot_tracked[lab_slot(id)];
	if (k && tracked[k - 1].id == id)
		return tracked[k - 1].name;
	if (id == me)
		return "lab";
	snprintf(buf, sizeof(buf), "env%u", id);
	return buf;
}

static uint64_t us(uint64_t tsc)
{
	return tsc / tpu;
}

static uint64_t since_t0(uint64_t tsc)
{
	return tsc > t0 ? us(tsc - t0) : 0;
}

static void report(const struct lab_scenario *sc)
{
	static const char *const outcome[] = { "open", "returned", "partial", "repossessed" };
	printf("revoke-lab: scenario %s: %s\n", sc->name, sc->about);
	printf("CSV meta,%s,%lu,%lu,%u,%u,%lu\n", sc->name, (unsigned long)LAB_SYSINFO->tsc_hz,
	       (unsigned long)LAB_SYSINFO->nframes, (unsigned)LAB_SYSINFO->ncpus, SAMPLE_US,
	       (unsigned long)(nsamples ? us(scan_tsc) / nsamples : 0));
	for (unsigned k = 0; k < ntracked; k++)
		printf("CSV env,%u,%s,%s\n", tracked[k].id, tracked[k].name, tracked[k].role);
	for (unsigned k = 0; k < ntracked; k++)
		for (unsigned i = 0; i < nsamples; i++)
			if (i == 0 || i + 1 == nsamples ||
			    sample_held[i][k] != sample_held[i - 1][k])
				printf("CSV held,%lu,%u,%s,%u\n",
				       (unsigned long)since_t0(sample_tsc[i]), tracked[k].id,
				       tracked[k].name, sample_held[i][k]);
	for (unsigned i = 0; i < nsamples; i++)
		if (i == 0 || i + 1 == nsamples || sample_free[i] != sample_free[i - 1])
			printf("CSV held,%lu,0,free,%u\n", (unsigned long)since_t0(sample_tsc[i]),
			       sample_free[i]);
	for (unsigned k = 0; k < ntracked; k++) {
		int disk = 0;
		for (unsigned i = 0; i < nsamples && !disk; i++)
			disk = sample_blocks[i][k] || sample_paged[i][k];
		for (unsigned i = 0; i < nsamples && disk; i++)
			if (i == 0 || i + 1 == nsamples ||
			    sample_blocks[i][k] != sample_blocks[i - 1][k] ||
			    sample_paged[i][k] != sample_paged[i - 1][k])
				printf("CSV blocks,%lu,%u,%s,%u,%u\n",
				       (unsigned long)since_t0(sample_tsc[i]), tracked[k].id,
				       tracked[k].name, sample_blocks[i][k], sample_paged[i][k]);
	}
	for (unsigned i = 0; i < nreqs; i++) {
		const struct req *q = &reqs[i];
		printf("CSV revoke,%lu,%u,%s,%s,", (unsigned long)since_t0(q->tsc), q->env,
		       name_of(q->env), q->pressure ? "pressure" : "lab");
		printf("%s,%u,%lu,%u,%u,%lu,%s,%u,%s,%u\n", name_of(q->by), q->asked,
		       (unsigned long)(q->deadline > q->tsc ? us(q->deadline - q->tsc) : 0),
		       q->asked > q->repossessed ? q->asked - q->repossessed : 0, q->repossessed,
		       (unsigned long)us(q->latency), outcome[q->outcome], q->slices,
		       q->kind == LAB_KBLOCKS ? "blocks" : "frames", q->saved);
	}
	for (unsigned k = 0; k < ntracked; k++) {
		const volatile struct lab_row *r = &page->row[lab_slot(tracked[k].id)];
		printf("CSV worker,%u,%s,%lu,%lu,%lu,%lu,%lu,", tracked[k].id, tracked[k].name,
		       (unsigned long)r->held, (unsigned long)r->upcalls,
		       (unsigned long)r->returned, (unsigned long)r->repossessed,
		       (unsigned long)r->eagain);
		printf("%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu\n", (unsigned long)r->blocks,
		       (unsigned long)r->paged, (unsigned long)r->bupcalls,
		       (unsigned long)r->breturned, (unsigned long)r->restored,
		       (unsigned long)r->intact, (unsigned long)r->lost, (unsigned long)r->bad,
		       (unsigned long)r->checked);
	}
	for (unsigned k = 0; k < ntracked; k++) {
		uint64_t asked[2] = { 0, 0 }, taken[2] = { 0, 0 }, saved = 0;
		unsigned n = 0;
		for (unsigned i = 0; i < nreqs; i++) {
			const struct req *q = &reqs[i];
			if (q->env != tracked[k].id)
				continue;
			n++;
			asked[q->kind] += q->asked;
			taken[q->kind] += q->repossessed;
			saved += q->saved;
		}
		if (n)
			printf("revoke-lab: outcome %s: frames asked %lu, returned %lu, "
			       "repossessed %lu, saved %lu; "
			       "blocks asked %lu, returned %lu, repossessed %lu\n",
			       tracked[k].name, (unsigned long)asked[0],
			       (unsigned long)(asked[0] - taken[0]), (unsigned long)taken[0],
			       (unsigned long)saved, (unsigned long)asked[1],
			       (unsigned long)(asked[1] - taken[1]), (unsigned long)taken[1]);
	}
	for (unsigned k = 0; k < ntracked; k++) {
		const volatile struct lab_row *r = &page->row[lab_slot(tracked[k].id)];
		if (r->checked == LAB_CHECKED_PAGES || r->checked == LAB_CHECKED_BLOCKS)
			printf("revoke-lab: check %s: %s intact %lu, lost %lu, bad %lu\n",
			       tracked[k].name,
			       r->checked == LAB_CHECKED_PAGES ? "pages" : "blocks",
			       (unsigned long)r->intact, (unsigned long)r->lost,
			       (unsigned long)r->bad);
		else if (r->checked != LAB_CHECKED_NONE)
			printf("revoke-lab: check %s: not finished\n", tracked[k].name);
	}
	printf("CSV end,%u,%u,%lu\n", nsamples, nreqs, (unsigned long)trace_lost);
	fflush(stdout);
}

/* The lab page, granted read-write to every other environment, which all
 * become tracked workers. */
static void setup(void)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	if (f < 0 || exo_page_map(EXO_AS_SELF, LAB_PAGE_VA, (uint64_t)f, EXO_PERM_R | EXO_PERM_W) ||
	    exo_frame_guarantee((uint64_t)f, 1)) {
		printf("revoke-lab: cannot set up the lab page\n");
		exo_debug_exit(1);
	}
	page = (volatile struct lab_page *)LAB_PAGE_VA;
	for (unsigned i = 1; i < EXO_NENV && ntracked < MAX_TRACK; i++) {
		uint32_t id = LAB_ENVS[i].id;
		if (!id || id == me)
			continue;
		if (i >= LAB_MAX_ENVS ||
		    exo_frame_grant((uint64_t)f, id, EXO_PERM_R | EXO_PERM_W)) {
			printf("revoke-lab: env %u left out (slot %u)\n", id, i);
			continue;
		}
		struct tracked *t = &tracked[ntracked++];
		t->id = id;
		for (unsigned c = 0; c + 1 < sizeof(t->name) && LAB_ENVS[i].name[c]; c++)
			t->name[c] = LAB_ENVS[i].name[c];
		lab_role(t->name, t->role, sizeof(t->role));
		slot_tracked[i] = (uint8_t)ntracked;
	}
}

/* Wait for every worker to be set up; complain about those holding less
 * than their steps will ask. */
static void wait_ready(const struct lab_scenario *sc)
{
	uint64_t end = lab_rdtsc() + READY_WAIT_MS * 1000ULL * tpu;
	for (;;) {
		unsigned ready = 0;
		for (unsigned k = 0; k < ntracked; k++)
			ready += page->row[lab_slot(tracked[k].id)].ready != 0;
		if (ready == ntracked)
			break;
		if (lab_rdtsc() > end) {
			printf("revoke-lab: only %u of %u workers ready\n", ready, ntracked);
			exo_debug_exit(1);
		}
		tick();
	}
	for (unsigned k = 0; k < ntracked; k++) {
		/* A pager or a swapper gets its frames back between requests. */
		int back = strcmp(tracked[k].role, "pager") == 0 ||
			   strcmp(tracked[k].role, "swapper") == 0;
		uint64_t need[2] = { 0, 0 };
		for (const struct lab_step *s = sc->steps; s->who; s++) {
			if (!matches(s->who, &tracked[k]))
				continue;
			if (back && s->kind == LAB_KFRAMES)
				need[0] = s->count > need[0] ? s->count : need[0];
			else
				need[s->kind] += (uint64_t)s->count * s->repeat;
		}
		const volatile struct lab_row *r = &page->row[lab_slot(tracked[k].id)];
		uint64_t have[2] = { r->held, r->blocks };
		for (unsigned kind = 0; kind < 2; kind++)
			if (have[kind] < need[kind])
				printf("revoke-lab: %s holds %lu %s, its steps ask %lu\n",
				       tracked[k].name, (unsigned long)have[kind],
				       kind ? "blocks" : "frames", (unsigned long)need[kind]);
	}
}

/* Wait for every worker to finish its end-of-run check (or give up). */
static void wait_checked(void)
{
	uint64_t end = lab_rdtsc() + CHECK_WAIT_MS * 1000ULL * tpu;
	for (;;) {
		unsigned done = 0;
		for (unsigned k = 0; k < ntracked; k++)
			done += page->row[lab_slot(tracked[k].id)].checked != 0;
		if (done == ntracked || lab_rdtsc() > end)
			return;
		tick();
	}
}

void lab_controller(int argc, char **argv)
{
	me = (uint32_t)exo_env_id();
	tpu = lab_tsc_per_us();
	const struct lab_scenario *sc = lab_scenario(argc > 1 ? argv[1] : "");
	if (!sc) {
		printf("usage: lab SCENARIO (first boot module), then the workers\n");
		lab_list_scenarios();
		exo_debug_exit(1);
	}
	/* Everything the lab needs is allocated now, before pressure workers
	 * can leave no frame free: stdio's buffer, the samples, the lab page. */
	sample_tsc = calloc(MAX_SAMPLES, sizeof(*sample_tsc));
	sample_held = calloc(MAX_SAMPLES, sizeof(*sample_held));
	sample_free = calloc(MAX_SAMPLES, sizeof(*sample_free));
	sample_blocks = calloc(MAX_SAMPLES, sizeof(*sample_blocks));
	sample_paged = calloc(MAX_SAMPLES, sizeof(*sample_paged));
	reqs = calloc(MAX_REQS, sizeof(*reqs));
	if (!sample_tsc || !sample_held || !sample_free || !sample_blocks || !sample_paged ||
	    !reqs) {
		printf("revoke-lab: no memory for the samples\n");
		exo_debug_exit(1);
	}
	printf("revoke-lab: scenario %s starting: %lu frames, %u CPUs\n", sc->name,
	       (unsigned long)LAB_SYSINFO->nframes, (unsigned)LAB_SYSINFO->ncpus);
	fflush(stdout);
	setup();
	drain_trace(); /* the boot's records: not ours to count as lost */
	trace_lost = 0;
	t0 = next_sample = lab_rdtsc();
	wait_ready(sc);
	page->stage = LAB_GO;
	run_for(SETTLE_MS);
	for (const struct lab_step *s = sc->steps; s->who; s++)
		for (unsigned i = 0; i < s->repeat; i++) {
			run_step(s);
			run_for(s->gap_ms);
		}
	run_for(sc->run_ms);
	run_for(TAIL_MS);
	page->stage = LAB_CHECK;
	wait_checked();
	page->stage = LAB_STOP;
	drain_trace();
	report(sc);
	exo_debug_exit(0);
	for (;;)
		;
}
