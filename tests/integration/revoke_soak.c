/*
 * revoke_soak.c - a revocation soak: nine worker environments under memory
 * pressure and random revocation requests for a bounded time, three of each
 * libOS policy:
 *
 *   c0..c2  compliant      frees what it is asked for from its revocation
 *                          upcall, choosing its own pages
 *   s0..s2  slow           the same, but first sleeps in its upcall for a
 *                          random time around the deadline: sometimes in
 *                          time, often repossessed from meanwhile
 *   n0..n2  non-compliant  no revocation entry: the abort protocol takes
 *                          what it owes; it learns which pages from its
 *                          repossession vector, drained every millisecond
 *   coord   (first module: every right) the coordinator and the hog
 *
 * The run is a sequence of rounds. In a quiet phase no request is open:
 * every worker drains its repossession vector, checks the pattern of every
 * page it still believes it owns, maps fresh frames up to its target and
 * publishes its counts in a page the coordinator grants it. In a storm the
 * workers do not touch their data pages (a page read after it was
 * repossessed would fault); the coordinator allocates frames with
 * EXO_FRAME_ANY until memory runs out and goes on through memory pressure
 * (the kernel asks the biggest worker), and asks random workers for frames
 * with exo_revoke_request. Then it gives back enough frames for the
 * refills and waits until the trace shows every request closed.
 *
 * Checked at every quiet phase and at the end: pages intact; each worker's
 * frames allocated = freed + repossessed + kept, with kept = the frames the
 * frame table shows it owns beyond its program, repossessed = what the
 * trace says the kernel took from it, and (compliant) freed = what the
 * trace says it returned; every repossession record names one of its data
 * pages; exo_invariant_check() finds nothing. At the end the workers are
 * destroyed and every frame that was free at the start is free again.
 *
 * Worker data frames are all numbered above the worker's other frames
 * (program, stack, heap, upcall stack), and requests never ask for more
 * than its data, so the abort (highest frame numbers first) only ever takes
 * data pages. The coordinator's arguments: the duration in seconds, and a
 * seed (default: the TSC; timing makes a run repeat only roughly).
 */
#include <stddef.h>
#include <string.h>

#include "testlib.h"
#include "upcall_stub.h"

#define NW	   9
#define MAXP	   448 /* data page slots per worker */
#define DATA_VA	   0x40000000ULL
#define SHARED_VA  0x3f000000ULL
#define UPCALL_TOP 0x3e000000ULL
#define HOG_MAX	   32768 /* frames the hog can hold (64 MiB of RAM: ~16k) */
#define WAIT_MS	   30000 /* a phase taking longer has failed */

enum { CMD_SETUP, CMD_QUIET, CMD_STORM, CMD_FINISH };
enum { ROLE_COMPLIANT, ROLE_SLOW, ROLE_NONCOMPLIANT };
static const char *role_names[] = { "compliant", "slow", "non-compliant" };
static const char *worker_names[NW] = { "c0", "c1", "c2", "s0", "s1", "s2", "n0", "n1", "n2" };

/* One worker's published state: written by the worker, read by the
 * coordinator once the worker acknowledged the round. */
struct wstat {
	uint64_t ready, ack, id, base, target;
	uint64_t live, allocated, freed, repo, upcalls;
	uint64_t bad, unknown, pending, intime_self, late_self;
};

/* The coordinator's page, granted read-write to every worker. */
struct shared {
	uint64_t cmd, round;
	struct wstat w[NW];
};
_Static_assert(sizeof(struct shared) <= 4096, "one page");

static volatile struct shared *sh;

static uint64_t now_tsc(void)
{
	return __builtin_ia32_rdtsc();
}

static uint64_t tsc_per_us(void)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	return si->tsc_hz / 1000000 ? si->tsc_hz / 1000000 : 1;
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

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- workers ---- */

enum { SLOT_EMPTY, SLOT_LIVE, SLOT_PENDING };
static struct slot {
	uint64_t frame, gen, sum;
	int state; /* SLOT_PENDING: unmapped, its free refused: repossessed */
} slots[MAXP];

static unsigned me, role;
static uint64_t floor_frame, gen_next, alloc_cursor;
static volatile struct wstat *ws;

static uint64_t pattern(unsigned page, uint64_t gen, unsigned word)
{
	uint64_t x = ((uint64_t)me << 56) ^ ((uint64_t)page << 32) ^ gen;
	x = (x ^ (x >> 31)) * 0x9e3779b97f4a7c15ULL;
	return x ^ (word * 0xbf58476d1ce4e5b9ULL);
}

static uint64_t page_va(unsigned i)
{
	return DATA_VA + i * 4096ULL;
}

static void fill(unsigned i)
{
	volatile uint64_t *p = (volatile uint64_t *)page_va(i);
	uint64_t sum = 0;
	for (unsigned w = 0; w < 512; w++) {
		p[w] = pattern(i, slots[i].gen, w);
		sum += p[w] * (w + 1);
	}
	slots[i].sum = sum;
}

static int intact(unsigned i)
{
	const volatile uint64_t *p = (const volatile uint64_t *)page_va(i);
	uint64_t sum = 0;
	for (unsigned w = 0; w < 512; w++)
		sum += p[w] * (w + 1);
	return sum == slots[i].sum && p[0] == pattern(i, slots[i].gen, 0) &&
	       p[511] == pattern(i, slots[i].gen, 511);
}

/* Read the repossession vector and forget the pages it names. */
static void drain(void)
{
	static struct exo_repo_rec rec[EXO_REPO_RECORDS];
	long n;
	while ((n = exo_repossessed(rec, EXO_REPO_RECORDS)) > 0)
		for (long r = 0; r < n; r++) {
			unsigned i;
			for (i = 0; i < MAXP; i++)
				if (slots[i].state != SLOT_EMPTY &&
				    slots[i].frame == rec[r].resource)
					break;
			if (rec[r].kind != EXO_REPO_FRAME || i == MAXP) {
				ws->unknown++;
				continue;
			}
			if (slots[i].state == SLOT_LIVE) {
				ws->live--;
				if (rec[r].va != page_va(i))
					ws->bad++;
			}
			slots[i].state = SLOT_EMPTY;
			ws->repo++;
		}
}

/* Give back n data pages, the highest slots first. */
static void free_pages(uint64_t n)
{
	for (unsigned i = MAXP; i-- > 0 && n > 0;) {
		if (slots[i].state != SLOT_LIVE)
			continue;
		if (exo_page_unmap(EXO_AS_SELF, page_va(i)) < 0)
			return; /* repossessed meanwhile: the record will say so */
		ws->live--;
		if (exo_frame_free(slots[i].frame) < 0) {
			slots[i].state = SLOT_PENDING;
			return;
		}
		slots[i].state = SLOT_EMPTY;
		ws->freed++;
		n--;
	}
}

/* Answer a request for owed frames due at deadline (TSC). */
static void answer(uint64_t owed, uint64_t deadline)
{
	ws->upcalls++;
	drain();
	uint64_t repo_before = ws->repo;
	if (role == ROLE_SLOW) {
		/* Sleep 30% to 200% of the time left: often past the deadline. */
		uint64_t now = now_tsc(),
			 left = deadline > now ? (deadline - now) / tsc_per_us() : 0;
		uint64_t until =
			now + (left * 3 / 10 + rnd() % (left * 17 / 10 + 1)) * tsc_per_us();
		/* In naps, draining as we go: a second abort while we sleep
		 * must not overflow the 64 records of the vector. */
		while (now_tsc() < until) {
			test_sleep_us(1000);
			drain();
		}
	}
	if (ws->repo != repo_before)
		return; /* the abort took what was owed: the request is closed */
	free_pages(owed);
	if (now_tsc() <= deadline)
		ws->intime_self++;
	else
		ws->late_self++;
}

/* Upcalls nest (one may arrive on the way back from any call the handler
 * makes): the outermost one does the work, nested ones leave it a note. */
static volatile int busy, pend;
static volatile uint64_t pend_owed, pend_deadline;

static void work(void)
{
	for (;;) {
		busy = 1;
		while (pend) {
			pend = 0;
			answer(pend_owed, pend_deadline);
		}
		busy = 0;
		if (!pend)
			return;
	}
}

void test_upcall(struct exo_upcall_frame *f)
{
	if (f->vector != EXO_UPCALL_REVOKE) {
		printf("%s: unexpected upcall %lu at %lx\n", worker_names[me],
		       (unsigned long)f->vector, (unsigned long)f->fault_va);
		test_end(0);
	}
	pend_owed = f->error;
	pend_deadline = f->fault_va;
	pend = 1;
	if (!busy)
		work();
}

/* A free frame above every frame of ours that is not data, or 0. */
static uint64_t alloc_high(void)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t span = si->nframes - floor_frame - 1;
	for (uint64_t k = 0; k < span; k++) {
		uint64_t f = floor_frame + 1 + (alloc_cursor + k) % span;
		if (ft[f].owner == 0 && exo_frame_alloc(f, 0) == (long)f) {
			alloc_cursor = f - floor_frame;
			return f;
		}
	}
	return 0;
}

/* No request is open: account for what was taken, check every page kept,
 * and refill up to the target. */
static void quiet(int refill)
{
	busy = 1;
	drain();
	for (unsigned i = 0; i < MAXP; i++) {
		if (slots[i].state == SLOT_PENDING)
			ws->pending++;
		if (slots[i].state != SLOT_LIVE)
			continue;
		uint64_t pte = exo_uvpt_pte(page_va(i));
		if (!(pte & 1) || ((pte >> 12) & 0xffffffffffULL) != slots[i].frame || !intact(i))
			ws->bad++;
	}
	for (unsigned i = 0; refill && i < MAXP && ws->live < ws->target; i++) {
		if (slots[i].state != SLOT_EMPTY)
			continue;
		uint64_t f = alloc_high();
		if (!f)
			break;
		ws->allocated++;
		CHECK_EQ(exo_page_map(EXO_AS_SELF, page_va(i), f, EXO_PERM_R | EXO_PERM_W), 0);
		slots[i] = (struct slot){ .frame = f, .gen = ++gen_next, .state = SLOT_LIVE };
		fill(i);
		ws->live++;
	}
	busy = 0;
	if (pend)
		work();
}

static void worker(const char *name)
{
	for (me = 0; me < NW && strcmp(worker_names[me], name) != 0; me++)
		;
	CHECK(me < NW);
	role = me / 3;
	rng_state = 0x2545f4914f6cdd1dULL * (me + 1);
	printf("%s: %s worker starting\n", name, role_names[role]); /* warm up stdio */
	uint32_t coord = test_find_env("coord");
	CHECK(coord != 0);

	/* The coordinator's page: the frame it granted us. */
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; !sh; ms++) {
		CHECK(ms < WAIT_MS);
		for (uint64_t i = 0; i < si->nframes && !sh; i++)
			if (ft[i].owner == coord && ft[i].grants &&
			    exo_page_map(EXO_AS_SELF, SHARED_VA, i, EXO_PERM_R | EXO_PERM_W) == 0)
				sh = (volatile struct shared *)SHARED_VA;
		if (!sh)
			test_sleep_us(1000);
	}
	ws = &sh->w[me];
	if (role != ROLE_NONCOMPLIANT)
		CHECK_EQ(exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_REVOKE,
					   (uint64_t)test_upcall_entry,
					   test_upcall_stack(UPCALL_TOP, 4)),
			 0);
	/* Our data frames go above every frame we own now. */
	uint32_t self = (uint32_t)exo_env_id();
	for (uint64_t i = 0; i < si->nframes; i++)
		if (ft[i].owner == self)
			floor_frame = i;
	ws->id = self;
	ws->base = owned_by(self);
	ws->target = 256 + 64 * (me % 3);
	ws->ready = 1;

	uint64_t done_round = 0;
	for (;;) {
		uint64_t cmd = sh->cmd, round = sh->round;
		if ((cmd == CMD_QUIET || cmd == CMD_FINISH) && round != done_round) {
			quiet(cmd == CMD_QUIET);
			done_round = round;
			ws->ack = round;
			if (cmd == CMD_FINISH) {
				printf("%s: kept %lu pages, %lu bad\n", name,
				       (unsigned long)ws->live, (unsigned long)ws->bad);
				for (;;) /* the coordinator destroys us */
					test_sleep_us(100000);
			}
		} else if (cmd == CMD_STORM && role == ROLE_NONCOMPLIANT) {
			drain();       /* no upcalls here: nothing else drains */
			if (me == 8) { /* n2 burns CPU: held to its 10 slices */
				uint64_t until = now_tsc() + 3000 * tsc_per_us();
				while (now_tsc() < until)
					;
			}
		}
		test_sleep_us(1000);
	}
}

/* ---- coordinator ---- */

static uint32_t wid[NW];

/* What the trace says about each worker. */
static struct tstat {
	uint64_t req, pressure, asked, intime, late, never, returned, taken, open, cur, open_seq,
		pressure_by;
} ts[NW];
static uint64_t last_seq, trace_lost;

static int widx(uint32_t env)
{
	for (int i = 0; i < NW; i++)
		if (wid[i] == env)
			return i;
	return -1;
}

static void trace_use(const struct exo_trace_rec *r)
{
	int i = widx(r->env);
	if (i < 0)
		return;
	struct tstat *t = &ts[i];
	switch (r->type) {
	case EXO_TRACE_PRESSURE:
		t->pressure++;
		t->pressure_by = r->b;
		break;
	case EXO_TRACE_REVOKE_REQ:
		if (t->open)
			trace_lost++; /* one at a time: a close went missing */
		t->req++;
		t->asked += r->a;
		t->cur = r->a;
		t->open = 1;
		t->open_seq = r->seq;
		break;
	case EXO_TRACE_REVOKE_DONE:
		t->intime++;
		t->returned += r->a;
		t->open = 0;
		break;
	case EXO_TRACE_REPOSSESS:
		t->taken += r->a;
		t->returned += t->cur - r->a;
		if (r->a < t->cur)
			t->late++;
		else
			t->never++;
		t->open = 0;
		break;
	}
}

static void trace_poll(void)
{
	static struct exo_trace_rec tr[512];
	long n;
	while ((n = exo_trace_read(tr, 512, last_seq)) > 0)
		for (long i = 0; i < n; i++) {
			if (last_seq && tr[i].seq != last_seq + 1)
				trace_lost += tr[i].seq - last_seq - 1;
			last_seq = tr[i].seq;
			trace_use(&tr[i]);
		}
	CHECK(n == 0);
}

static int any_open(void)
{
	for (int i = 0; i < NW; i++)
		if (ts[i].open)
			return 1;
	return 0;
}

static void wait_ms(unsigned ms)
{
	for (unsigned k = 0; k < ms; k++) {
		trace_poll();
		test_sleep_us(1000);
	}
}

/* The hog's frames: ours and mapped nowhere (our program's are mapped). */
static uint64_t hog_frames;
static uint32_t coord_id;

/* Give back n of the hog's frames, the highest first (above the workers'
 * floors, where their refills look). */
static void hog_release(uint64_t n)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (uint64_t f = si->nframes; f-- > 0 && n > 0;)
		if (ft[f].owner == coord_id && ft[f].refs == 0) {
			CHECK_EQ(exo_frame_free(f), 0);
			hog_frames--;
			n--;
		}
}

/* Start a round: quiet (or finish), wait for every ack, check. */
static void quiet_round(uint64_t round, uint64_t cmd)
{
	sh->round = round;
	sh->cmd = cmd;
	for (int i = 0; i < NW; i++)
		for (unsigned ms = 0; sh->w[i].ack != round; ms++) {
			if (ms == WAIT_MS) {
				printf("coord: %s did not finish round %lu\n", worker_names[i],
				       (unsigned long)round);
				test_end(0);
			}
			wait_ms(1);
		}
	trace_poll();
	CHECK_EQ(trace_lost, 0);
	for (int i = 0; i < NW; i++)
		if (ts[i].open) {
			printf("coord: round %lu: a request for %lu frames opened on %s in the "
			       "quiet "
			       "phase (trace seq %lu; last pressure from %lx, coord %x)\n",
			       (unsigned long)round, (unsigned long)ts[i].cur, worker_names[i],
			       (unsigned long)ts[i].open_seq, (unsigned long)ts[i].pressure_by,
			       coord_id);
			test_end(0);
		}
	for (int i = 0; i < NW; i++) {
		volatile struct wstat *w = &sh->w[i];
		const char *n = worker_names[i];
		if (w->bad || w->unknown || w->pending || owned_by(wid[i]) != w->base + w->live ||
		    w->allocated != w->freed + w->repo + w->live || w->repo != ts[i].taken ||
		    w->freed < ts[i].returned ||
		    (i / 3 == ROLE_COMPLIANT && w->freed != ts[i].returned)) {
			printf("coord: round %lu: %s: bad %lu unknown %lu pending %lu; owns %lu = "
			       "base %lu + live %lu?; allocated %lu = freed %lu + repossessed %lu "
			       "+ live?; trace: taken %lu, returned %lu\n",
			       (unsigned long)round, n, (unsigned long)w->bad,
			       (unsigned long)w->unknown, (unsigned long)w->pending,
			       (unsigned long)owned_by(wid[i]), (unsigned long)w->base,
			       (unsigned long)w->live, (unsigned long)w->allocated,
			       (unsigned long)w->freed, (unsigned long)w->repo,
			       (unsigned long)ts[i].taken, (unsigned long)ts[i].returned);
			test_end(0);
		}
	}
	CHECK_EQ(exo_invariant_check(), 0);
}

/* Memory pressure and random requests for storm_ms. */
static void storm(uint64_t round, unsigned storm_ms, uint64_t *pressure_frames)
{
	sh->cmd = CMD_STORM;
	uint64_t end = now_tsc() + storm_ms * 1000ULL * tsc_per_us();
	uint64_t next_req = now_tsc();
	uint64_t got_under_pressure = 0, budget = 96 + rnd() % 160;
	int pressed = 0;
	(void)round;
	while (now_tsc() < end) {
		trace_poll();
		if (got_under_pressure < budget && hog_frames < HOG_MAX) {
			long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
			if (f > 0) {
				hog_frames++;
				got_under_pressure += pressed;
				*pressure_frames += pressed;
				continue;
			}
			CHECK_EQ(f, -EXO_EAGAIN);
			pressed = 1;
		}
		if (now_tsc() >= next_req) {
			int i = (int)(rnd() % NW);
			uint64_t live = owned_by(wid[i]) - sh->w[i].base;
			if (live >= 64) {
				uint64_t n = 1 + rnd() % (live / 4 < 48 ? live / 4 : 48);
				uint64_t dl = 5000 + rnd() % 45000;
				long rc = exo_revoke_request(wid[i], n, dl);
				CHECK(rc == 0 || rc == -EXO_EBUSY);
			}
			next_req = now_tsc() + (20000 + rnd() % 40000) * tsc_per_us();
		}
		test_sleep_us(1000);
	}
	/* Give back what the refills need, then let every request end. */
	uint64_t deficit = 0;
	for (int i = 0; i < NW; i++) {
		uint64_t live = owned_by(wid[i]) - sh->w[i].base;
		deficit += sh->w[i].target > live ? sh->w[i].target - live : 0;
	}
	hog_release(deficit + 256);
	trace_poll(); /* the last allocation may have opened a request */
	for (unsigned ms = 0; any_open(); ms++) {
		CHECK(ms < WAIT_MS);
		wait_ms(1);
	}
}

struct census {
	uint64_t free, kernel, coord, workers;
};

static struct census take_census(void)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	struct census c = { 0, 0, 0, 0 };
	for (uint64_t f = 0; f < si->nframes; f++) {
		c.free += ft[f].owner == 0;
		c.kernel += ft[f].owner == 0xffffffffU;
		c.coord += ft[f].owner == coord_id;
		c.workers += widx(ft[f].owner) >= 0 && ft[f].owner;
	}
	return c;
}

static uint8_t free_at_start[1 << 15]; /* a bit per frame: 1 GiB */

static void coordinator(unsigned seconds, uint64_t seed)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	coord_id = (uint32_t)exo_env_id();
	rng_state = seed ? seed : now_tsc() | 1;
	printf("coord: seed %lu, %u s\n", (unsigned long)rng_state, seconds);
	CHECK(si->nframes <= 8 * sizeof free_at_start);

	long sf = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(sf > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SHARED_VA, sf, EXO_PERM_R | EXO_PERM_W), 0);
	sh = (volatile struct shared *)SHARED_VA;
	for (int i = 0; i < NW; i++) {
		wid[i] = test_find_env(worker_names[i]);
		CHECK(wid[i] != 0);
		CHECK_EQ(exo_frame_grant(sf, wid[i], EXO_PERM_R | EXO_PERM_W), 0);
	}
	for (int i = 0; i < NW; i++)
		for (unsigned ms = 0; !sh->w[i].ready; ms++) {
			CHECK(ms < WAIT_MS);
			test_sleep_us(1000);
		}
	trace_poll(); /* start from now */
	memset(ts, 0, sizeof ts);
	test_sleep_us(2000);
	struct census c0 = take_census();
	for (uint64_t f = 0; f < si->nframes; f++)
		if (ft[f].owner == 0)
			free_at_start[f / 8] |= (uint8_t)(1 << (f % 8));

	uint64_t t0 = now_tsc(), round = 0, pressure_frames = 0;
	uint64_t until = t0 + seconds * 1000000ULL * tsc_per_us();
	quiet_round(++round, CMD_QUIET);
	while (now_tsc() < until) {
		storm(round, 300 + (unsigned)(rnd() % 500), &pressure_frames);
		quiet_round(++round, CMD_QUIET);
	}
	hog_release(hog_frames);
	quiet_round(++round, CMD_FINISH);
	uint64_t secs = (now_tsc() - t0) / tsc_per_us() / 1000000;

	for (unsigned r = 0; r < 3; r++) {
		uint64_t a = 0, fr = 0, rp = 0, kept = 0, req = 0, pr = 0, in = 0, late = 0,
			 nev = 0;
		for (int i = 3 * (int)r; i < 3 * (int)r + 3; i++) {
			a += sh->w[i].allocated;
			fr += sh->w[i].freed;
			rp += sh->w[i].repo;
			kept += sh->w[i].live;
			req += ts[i].req;
			pr += ts[i].pressure;
			in += ts[i].intime;
			late += ts[i].late;
			nev += ts[i].never;
		}
		printf("revoke_soak: %s: allocated %lu, freed on request %lu, repossessed %lu, "
		       "kept %lu; requests %lu (%lu memory pressure): in time %lu, late %lu, "
		       "never %lu\n",
		       role_names[r], (unsigned long)a, (unsigned long)fr, (unsigned long)rp,
		       (unsigned long)kept, (unsigned long)req, (unsigned long)pr,
		       (unsigned long)in, (unsigned long)late, (unsigned long)nev);
	}
	printf("revoke_soak: %lu rounds in %lu s; hog got %lu frames under pressure\n",
	       (unsigned long)round, (unsigned long)secs, (unsigned long)pressure_frames);
	/* Every policy was exercised. */
	uint64_t rp_slow = 0, rp_non = 0, in_comp = 0;
	for (int i = 0; i < 3; i++) {
		in_comp += ts[i].intime;
		rp_slow += ts[3 + i].taken;
		rp_non += ts[6 + i].taken;
	}
	CHECK(in_comp > 0 && rp_slow > 0 && rp_non > 0);

	/* Destroy the workers: every frame free at the start is free again,
	 * and so is every frame they held. */
	for (int i = 0; i < NW; i++)
		CHECK_EQ(exo_env_destroy(wid[i]), 0);
	test_wait_alone(WAIT_MS);
	CHECK_EQ(hog_frames, 0);
	struct census c1 = take_census();
	/* nfree is refreshed at CPU 0's ticks: wait for it to catch up (up
	 * to 2 s; a wait can also end early, e.g. for a PCT, so look again). */
	for (int i = 0; i < 20 && si->nfree != c1.free; i++)
		test_wait_word((const void *)(EXO_USYSINFO + offsetof(struct exo_sysinfo, nfree)),
			       ~0ULL, c1.free, EXO_PRED_EQ, 100000);
	for (uint64_t f = 0; f < si->nframes; f++)
		if ((free_at_start[f / 8] >> (f % 8) & 1) && ft[f].owner != 0) {
			printf("coord: frame %lu was free, now owned by %x\n", (unsigned long)f,
			       ft[f].owner);
			test_end(0);
		}
	CHECK_EQ(c1.workers, 0);
	CHECK_EQ(c1.coord, c0.coord);
	CHECK(c1.kernel <= c0.kernel);
	CHECK_EQ(c1.free, c0.free + c0.workers + (c0.kernel - c1.kernel));
	CHECK_EQ(si->nfree, c1.free);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("revoke_soak: free frames %lu at the start, %lu at the end (+%lu the workers "
	       "held, +%lu kernel)\n",
	       (unsigned long)c0.free, (unsigned long)c1.free, (unsigned long)c0.workers,
	       (unsigned long)(c0.kernel - c1.kernel));
	test_pass();
}

int main(int argc, char **argv)
{
	if (strcmp(argv[0], "coord") == 0)
		coordinator(argc > 1 ? (unsigned)atoi(argv[1]) : 15,
			    argc > 2 ? strtoull(argv[2], NULL, 0) : 0);
	else
		worker(argv[0]);
	return 1;
}
