/*
 * main.c - the fuzzer's entry point and the attacker's run: set-up, the
 * main loop, the log of the last calls, and the failure report.
 *
 *   fuzz-attacker SEED CALLS [SECONDS [v]]
 *
 * makes CALLS calls (0: no limit) or stops after SECONDS seconds (0: no
 * limit), whichever comes first; "v" prints every call before it is made,
 * so a replay that panics the kernel shows the call that did it. The same
 * SEED gives the same sequence of calls: every call consumes FZ_DRAWS
 * random words whatever it uses, so a result that depends on timing (a
 * child dying on the other CPU) changes that call's effect but not what
 * the run asks next.
 */
#include <stdarg.h>
#include <string.h>

#include "fuzz.h"
#include "../integration/testlib.h"

#define WAIT_MS 30000 /* a set-up step taking longer has failed */

struct fz_state fz;
static uint8_t infra_bm[1 << 17]; /* one bit per frame, 4 GiB of RAM */
static struct fz_progress early;  /* the log before the progress page exists */

bool fz_infra(uint64_t frame)
{
	return frame < sizeof(infra_bm) * 8 && (infra_bm[frame >> 3] >> (frame & 7) & 1);
}

void fz_set_infra(uint64_t frame)
{
	if (frame < sizeof(infra_bm) * 8)
		infra_bm[frame >> 3] |= (uint8_t)(1 << (frame & 7));
}

static uint64_t rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

void fz_print_call(const char *prefix, const struct fz_rec *r)
{
	if (r->flags & FZ_F_PROBE) {
		printf("%s #%llu probe: %s at %#llx", prefix, (unsigned long long)r->seq,
		       fz_probe_name(r->nr), (unsigned long long)r->a[0]);
		if (r->result == INT64_MIN)
			printf(": (no result)");
		else if (r->result < 0)
			printf(": no fault");
		else
			printf(": %s, error %#llx", exo_exception_name((uint64_t)r->result),
			       (unsigned long long)r->a[1]);
		printf("%s\n", r->flags & FZ_F_HANDLER ? " [in handler]" : "");
		return;
	}
	uint32_t row = r->nr < FZ_NCALLS ? (uint32_t)r->nr : FZ_BADNR;
	printf("%s #%llu %s", prefix, (unsigned long long)r->seq, fz_call_name(row));
	if (row == FZ_BADNR)
		printf("[%#llx]", (unsigned long long)r->nr);
	printf("(");
	for (int i = 0; i < 6; i++)
		printf("%s%#llx", i ? ", " : "", (unsigned long long)r->a[i]);
	if (r->result == INT64_MIN)
		printf(") = (no result)");
	else if (r->result < 0)
		printf(") = -%s", fz_err_name(r->result));
	else
		printf(") = %#llx", (unsigned long long)r->result);
	printf("%s%s%s%s\n", r->flags & FZ_F_VICTIM ? " [victim]" : "",
	       r->flags & FZ_F_HANDLER ? " [in handler]" : "",
	       r->flags & FZ_F_GUARD ? " [guarded]" : "",
	       r->flags & FZ_F_KAMIKAZE ? " [kamikaze]" : "");
}

void fz_print_ring(const struct fz_progress *p)
{
	uint64_t next = p->ring_next;
	printf("fuzz: seed %llu, the last calls:\n", (unsigned long long)p->seed);
	for (uint64_t s = next > FZ_RING ? next - FZ_RING : 1; s < next; s++)
		fz_print_call("fuzz:  ", &p->ring[s % FZ_RING]);
	uint64_t n = p->nupcalls;
	printf("fuzz: %llu upcalls, the last:\n", (unsigned long long)n);
	for (uint64_t u = n > FZ_UPCALLS ? n - FZ_UPCALLS : 0; u < n; u++)
		printf("fuzz:   upcall %llu: vector %#llx rip %#llx rsp %#llx va %#llx\n",
		       (unsigned long long)u, (unsigned long long)p->upcall[u % FZ_UPCALLS].vector,
		       (unsigned long long)p->upcall[u % FZ_UPCALLS].rip,
		       (unsigned long long)p->upcall[u % FZ_UPCALLS].rsp,
		       (unsigned long long)p->upcall[u % FZ_UPCALLS].va);
}

/* The program text, which nothing may change (FNV-1a). */
static uint64_t text_sum(void)
{
	extern const char __executable_start[], etext[];
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const uint64_t *p = (const uint64_t *)__executable_start; p < (const uint64_t *)etext;
	     p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

static uint64_t text0;

static void check_text(void)
{
	if (text_sum() != text0)
		fz_fail("our program text changed");
}

volatile bool fz_failing;

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	if (fz_failing)
		exo_debug_exit(1); /* failing again while reporting: just end the run */
	fz_failing = true;
	printf("fuzz: FAIL at call %llu (seed %llu): ", (unsigned long long)fz.calls,
	       (unsigned long long)fz.seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fz.prog->state = FZ_FAILED;
	fz_print_ring(fz.prog);
	printf("fuzz: replay: make fuzz SEED=%llu CALLS=%llu\n", (unsigned long long)fz.seed,
	       (unsigned long long)fz.calls);
	test_end(0);
}

struct fz_rec *fz_log(uint64_t nr, const uint64_t a[6], uint64_t flags)
{
	struct fz_progress *p = fz.prog;
	uint64_t seq = p->ring_next++;
	struct fz_rec *rec = &p->ring[seq % FZ_RING];
	rec->seq = seq;
	rec->nr = nr;
	memcpy(rec->a, a, sizeof(rec->a));
	rec->flags = flags;
	rec->result = INT64_MIN;
	if (fz.verbose) {
		fz_print_call("fuzz: next", rec);
		fflush(stdout);
	}
	return rec;
}

long fz_do_call(struct fz_call *c)
{
	struct fz_progress *p = fz.prog;
	struct fz_rec *rec = fz_log(c->nr, c->a, c->flags);
	if (fz.verbose && c->nr == 23)
		fz_print_ops(c);
	if (fz.verbose && c->nr == 44)
		fz_disk_print(c);
	if (c->row >= 38 && c->row <= 48)
		fz_disk_before(c); /* what the model allows, from the state just before */
	uint64_t t0 = rdtsc();
	long r = fz_syscall(c->nr, c->a);
	fz_count_time(c->row, rdtsc() - t0);
	rec->result = r;
	fz.calls++;
	p->calls = fz.calls;
	if (c->flags & FZ_F_VICTIM)
		fz.aimed++;
	fz_count(c->row, r, c->flags);
	fz_after(c, r);
	return r;
}

/* Wait (sleeping) until the victim has made its grants to us. */
static void find_victim(void)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	for (unsigned ms = 0;; ms += 5) {
		if (ms > WAIT_MS)
			fz_fail("the victim did not show up with %u granted frames", VICTIM_GRANTS);
		fz.victim = fz_find_boot_env("fuzz-victim");
		unsigned granted = 0;
		for (uint64_t i = 0; fz.victim && i < fz.nframes; i++)
			granted += ft[i].owner == fz.victim && ft[i].grants;
		if (granted >= VICTIM_GRANTS)
			break;
		test_sleep_us(5000);
	}
	for (uint64_t i = 0; i < fz.nframes; i++) {
		if (ft[i].owner != fz.victim)
			continue;
		if (fz.nvf < FZ_VF_MAX)
			fz.vf[fz.nvf++] = i;
		if (ft[i].grants && fz.nvg < VICTIM_GRANTS)
			fz.vg[fz.nvg++] = i;
	}
	for (uint64_t i = 0; i < fz.nframes && !(fz.kframe && fz.rframe); i++) {
		if (!fz.kframe && ft[i].owner == 0xffffffffu)
			fz.kframe = i;
		if (!fz.rframe && i >= 0x10 && ft[i].owner == 0xfffffffeu)
			fz.rframe = i;
	}
}

/* A fresh frame mapped read-write at va in our own space. */
static uint64_t own_page(uint64_t va)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	if (f < 0 || exo_page_map(EXO_AS_SELF, va, (uint64_t)f, EXO_PERM_R | EXO_PERM_W) < 0)
		fz_fail("cannot map a page at %#llx", (unsigned long long)va);
	memset((void *)va, 0, 4096);
	return (uint64_t)f;
}

/* Every frame mapped in our space now is ours to protect: mark it. */
static void mark_infra(void)
{
	for (uint64_t i4 = 0; i4 < 254; i4++) {
		uint64_t va4 = i4 << 39;
		if (!(exo_uvpt_pml4e(va4) & EXO_PTE_P))
			continue;
		for (uint64_t i3 = 0; i3 < 512; i3++) {
			uint64_t va3 = va4 | i3 << 30;
			if (!(exo_uvpt_pdpte(va3) & EXO_PTE_P))
				continue;
			for (uint64_t i2 = 0; i2 < 512; i2++) {
				uint64_t va2 = va3 | i2 << 21;
				if (!(exo_uvpt_pde(va2) & EXO_PTE_P))
					continue;
				for (uint64_t i1 = 0; i1 < 512; i1++) {
					uint64_t pte = exo_uvpt_pte_raw(va2 | i1 << 12);
					if (pte & EXO_PTE_P)
						fz_set_infra(EXO_PTE_FRAME(pte));
				}
			}
		}
	}
}

static void setup(uint64_t *s)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	fz.me = (uint64_t)exo_env_id();
	fz.nframes = si->nframes;
	find_victim();
	fz_handler_init();

	fz.prog_frame = own_page(FZ_PROG_VA);
	struct fz_progress *p = (struct fz_progress *)FZ_PROG_VA;
	p->magic = FZ_MAGIC;
	p->seed = fz.seed;
	p->state = FZ_RUNNING;
	p->ring_next = 1;
	p->phase = FZ_PHASE_FUZZ;
	fz.prog = p;
	fz.kres_frame = own_page(FZ_KRES_VA);
	if (exo_frame_grant(fz.prog_frame, fz.victim, EXO_PERM_R) < 0)
		fz_fail("cannot grant the progress page to the victim");

	/* Far pages: each in its own 1 GiB, so each has its own tables. */
	for (unsigned i = 0; i < FZ_FAR; i++)
		fz.far[i] = FZ_FAR_BASE + ((fz_next(s) % 2040) * FZ_FAR + i) * (1ULL << 30) +
			    (fz_next(s) % 512) * 4096;
	fz_disk_setup(s); /* its pages, our owners and types, the victim's blocks */
	mark_infra();
	text0 = text_sum();
	fz.iframe = EXO_PTE_FRAME(exo_uvpt_pte((uint64_t)&setup & ~0xfffULL));

	/* Start only once the victim shows our progress page (refs 2). */
	const volatile uint64_t *w = (const volatile uint64_t *)EXO_UFRAMES + 2 * fz.prog_frame;
	if (test_wait_word(w, 0x0000ffff00000000ULL, 2ULL << 32, EXO_PRED_GE, WAIT_MS * 1000ULL) !=
	    EXO_WAKE_PRED)
		fz_fail("the victim did not map the progress page");
	/* The coverage table's "not aimed at" rows rely on what we lack; the
	 * guest right the victim gives us (guest.c) before it maps the page. */
	uint32_t rights = exo_env_info(fz.me)->rights;
	if (rights != (EXO_RIGHT_CONSOLE | EXO_RIGHT_MACHINE | EXO_RIGHT_DISK | EXO_RIGHT_GUEST))
		fz_fail("the attacker holds rights %#x, not CONSOLE | MACHINE | DISK | GUEST",
			rights);
	printf("fuzz-attacker: env %#llx, victim %#llx: %u of its frames, %u granted to us; "
	       "rights %#x\n",
	       (unsigned long long)fz.me, (unsigned long long)fz.victim, fz.nvf, fz.nvg, rights);
}

/* Destroy every environment we control but ourselves (children, and the
 * grandchildren a kamikaze left us), and give back what we hold. */
static void clean_up(void)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	fz.prog->phase = FZ_PHASE_REAP;
	fz_kamikaze_reap(true);
	fz.prog->phase = FZ_PHASE_CHILDREN;
	for (unsigned i = 1; i < EXO_NENV; i++) {
		long e = t[i].id && t[i].parent == fz.me ? exo_env_destroy(t[i].id) : 0;
		if (e < 0 && e != -EXO_EBADENV) /* EBADENV: on its way out already */
			fz_fail("cannot destroy child %#x: %s", t[i].id, fz_err_name(e));
	}
	for (unsigned i = 0; i < FZ_SLOTS; i++)
		if (fz.slots[i])
			exo_slice_free(fz.slots[i] - 1);
	for (unsigned ms = 0;; ms++) {
		unsigned left = 0;
		for (unsigned i = 1; i < EXO_NENV; i++)
			left += t[i].id && t[i].parent == fz.me;
		if (!left)
			break;
		if (ms > WAIT_MS)
			fz_fail("%u children still there after destroying them", left);
		test_sleep_us(1000);
	}
}

static void attacker(int argc, char **argv)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	fz.prog = &early;
	fz.seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	fz.limit = argc > 2 ? strtoull(argv[2], NULL, 0) : 10000;
	uint64_t seconds = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
	fz.verbose = argc > 4 && argv[4][0] == 'v';
	if (!fz.limit && !seconds)
		fz.limit = 10000;
	printf("fuzz-attacker: start seed %llu calls %llu seconds %llu\n",
	       (unsigned long long)fz.seed, (unsigned long long)fz.limit,
	       (unsigned long long)seconds);
	fflush(stdout);
	uint64_t s = fz.seed ^ 0x6a09e667f3bcc909ULL;
	fz_next(&s);
	setup(&s);

	uint64_t start = rdtsc(), hz = si->tsc_hz ? si->tsc_hz : 1000000000ULL;
	uint64_t nfree0 = si->nfree;
	uint64_t deadline = seconds ? start + seconds * hz : 0;
	for (uint64_t iter = 0;; iter++) {
		if (fz.limit && fz.calls >= fz.limit)
			break;
		if (deadline && (iter & 255) == 0 && rdtsc() >= deadline)
			break;
		uint64_t r[FZ_DRAWS];
		for (int i = 0; i < FZ_DRAWS; i++)
			r[i] = fz_next(&s);
		if (iter % 1024 == 1023) {
			fz_sweep_children();
			fz_kamikaze_reap(false);
		}
		if (iter % 16384 == 8191) {
			fz_reclaim();
			check_text();
		}
		if (iter % (1 << 20) == (1 << 20) - 1) {
			printf("fuzz: %llu calls, %llu free frames\n", (unsigned long long)fz.calls,
			       (unsigned long long)si->nfree);
			fflush(stdout);
		}
		if (iter % 1536 == 100)
			fz_kamikaze_launch(r[FZ_DRAWS - 1]);
		if (iter % 2048 == 1000)
			fz_disk_check();
		if (iter % 65536 == 30000)
			fz_disk_fill();
		if (r[0] % 1000 < 70) {
			fz_probe(r);
			continue;
		}
		struct fz_call c;
		fz_gen(&c, r, false);
		if (c.touch && r[0] % 2)
			fz_touch(c.touch, r[11]); /* a TLB entry the call must flush */
		fz_do_call(&c);
		if (c.touch)
			fz_touch(c.touch, r[11] >> 1);
	}
	uint64_t ms = (rdtsc() - start) / (hz / 1000);
	clean_up();
	check_text();
	fz.prog->phase = FZ_PHASE_CHECK;
	long bad = exo_invariant_check();
	if (bad)
		fz_fail("exo_invariant_check found %ld violations at the end", bad);
	fz.prog->phase = FZ_PHASE_REPORT;
	unsigned undoc = fz_cover_print();
	fz_probe_print();
	fz_kamikaze_print();
	fz_disk_report();
	if (undoc)
		fz_fail("%u undocumented results of the disk calls (38-48)", undoc);
	unsigned share = fz.calls ? (unsigned)(fz.aimed * 100 / fz.calls) : 0;
	if (share < 25)
		fz_fail("only %u%% of the calls aimed at the victim", share);
	printf("fuzz: free frames: %llu at the start, %llu at the end; %llu frames reclaimed\n",
	       (unsigned long long)nfree0, (unsigned long long)si->nfree,
	       (unsigned long long)fz.reclaimed);
	printf("fuzz: done: %llu calls (%u%% aimed at the victim) in %llu ms, %llu calls/s, "
	       "invariants clean\n",
	       (unsigned long long)fz.calls, share, (unsigned long long)ms,
	       (unsigned long long)(ms ? fz.calls * 1000 / ms : 0));
	fflush(stdout);
	fz.prog->state = FZ_DONE;
}

int main(int argc, char **argv)
{
	if (strcmp(argv[0], "fuzz-victim") == 0)
		fz_victim();
	attacker(argc, argv);
	return 0;
}
