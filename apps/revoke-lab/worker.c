/*
 * worker.c - the library OSes under test: each holds a pool of frames,
 * mapped at DATA_VA, and answers (or does not answer) the kernel's visible
 * revocation requests in the way its role says:
 *
 *   compliant H         holds H frames; its revocation upcall unmaps and
 *                       frees what it is asked at once. Naps 1 ms at a time
 *                       (a request reaches a blocked env only when it wakes).
 *   slow H MS           as compliant, but sleeps MS ms (exo_wait) inside the
 *                       upcall first; afterwards it reads its repossession
 *                       vector and gives back only what the kernel did not
 *                       already take.
 *   stubborn H          registers no revocation entry and spins: the abort
 *                       protocol takes what it owes.
 *   sleeper H MS        would comply, but sleeps MS ms at a time in exo_wait;
 *                       the upcall only comes when it wakes.
 *   pressure GOAL [MS]  from the lab's "go", allocates toward GOAL frames
 *                       (a number, or N% of the free frames at "go") until
 *                       exo_frame_alloc fails with -EXO_EAGAIN (the kernel's
 *                       memory-pressure path: it has asked the biggest holder
 *                       for frames), then sleeps until EXO_USYSINFO's nfree
 *                       rises (exo_wait, 2 ms at most) and retries. Compliant;
 *                       after each request it stops growing for MS ms
 *                       (default 50).
 *
 * The pool is a stack of (frame, va slot) entries. The revocation upcall
 * can interrupt the main code anywhere, so every change to the pool runs
 * in a critical section (in_cs); an upcall arriving inside one only notes
 * what is wanted (deferred), and the code leaving the section gives it
 * back. Nothing here uses stdio (or the heap) after setup: the abort
 * protocol takes the highest-numbered frames first, and only the frames
 * loaded with the program are sure to lie below the pool's; a heap page it
 * took would fault at the next printf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define DATA_VA	     0x100000000ULL /* the pool's pages: DATA_VA + slot * 4096 */
#define POOL_MAX     65536	    /* most frames one worker holds */
#define UPCALL_TOP   0x3e000000ULL  /* the upcall stack: 4 guaranteed pages below */
#define NAP_US	     1000	    /* how often a compliant worker looks for upcalls */
#define NFREE_LOW    16		    /* pressure: wait until this many frames are free */
#define NFREE_WAIT   2000	    /* ... for at most this long, us */
#define SETUP_WAIT   30000000ULL    /* us to find the lab page before giving up */
#define UNMAP_BATCH  EXO_MAP_BATCH_MAX
#define ROLE_UNKNOWN 0

enum role { COMPLIANT = 1, SLOW, STUBBORN, SLEEPER, PRESSURE };

static uint32_t frames_of[POOL_MAX]; /* [cs] pool entries: frame numbers ... */
static uint32_t va_of[POOL_MAX];     /* [cs] ... and the va slot each is mapped at */
static uint32_t free_va[POOL_MAX];   /* [cs] va slots no entry uses */
static unsigned nheld, nfree_va, next_va;

static volatile int in_cs;		/* the main code is changing the pool */
static volatile uint64_t deferred;	/* frames asked for while in_cs */
static volatile uint64_t backoff_until; /* pressure: do not grow before this TSC */

static uint32_t me;
static enum role role;
static uint64_t slow_us, backoff_us = 50000;
static volatile struct lab_page *page;
static volatile struct lab_row *row;
static struct exo_map_op ops[UNMAP_BATCH];
static uint32_t batch_frame[UNMAP_BATCH], batch_va[UNMAP_BATCH];

static uint64_t va_at(uint32_t slot)
{
	return DATA_VA + (uint64_t)slot * EXO_PAGE_SIZE;
}

/* Entry i still is ours: we own its frame and map it at its va. */
static int entry_ok(unsigned i)
{
	uint64_t pte = exo_uvpt_pte(va_at(va_of[i]));
	return LAB_FRAMES[frames_of[i]].owner == me && (pte & EXO_PTE_P) &&
	       EXO_PTE_FRAME(pte) == frames_of[i];
}

/* Forget entry i (the top entry takes its place). */
static void drop(unsigned i)
{
	free_va[nfree_va++] = va_of[i];
	nheld--;
	frames_of[i] = frames_of[nheld];
	va_of[i] = va_of[nheld];
}

/* Drain the repossession vector; if the kernel took anything, drop the
 * entries it broke. Returns the frames it took. In a critical section. */
static uint64_t reconcile(void)
{
	struct exo_repo_rec rec[EXO_REPO_RECORDS];
	uint64_t taken = 0;
	long n;
	while ((n = exo_repossessed(rec, EXO_REPO_RECORDS)) > 0)
		for (long i = 0; i < n; i++)
			taken += rec[i].kind == EXO_REPO_FRAME;
	if (taken) {
		for (unsigned i = nheld; i-- > 0;)
			if (!entry_ok(i))
				drop(i);
		row->repossessed += taken;
	}
	return taken;
}

/* Unmap and free up to want frames from the top of the pool: one batched
 * unmap per EXO_MAP_BATCH_MAX frames, then one exo_frame_free each. Stops
 * early if the kernel has repossessed anything meanwhile: the abort
 * protocol took all that was still owed, and the request is closed.
 * Returns the frames freed. In a critical section. */
static uint64_t give_back(uint64_t want)
{
	uint64_t freed = 0;
	int aborted = 0;
	while (freed < want && nheld > 0 && !aborted) {
		unsigned k = 0;
		aborted = reconcile() > 0;
		while (!aborted && k < UNMAP_BATCH && freed + k < want && nheld > 0) {
			unsigned i = nheld - 1;
			if (!entry_ok(i)) { /* taken since we looked, or its record was lost */
				drop(i);
				aborted = 1;
				break;
			}
			batch_frame[k] = frames_of[i];
			batch_va[k] = va_of[i];
			ops[k] =
				(struct exo_map_op){ .va = va_at(va_of[i]), .kind = EXO_MAP_UNMAP };
			nheld--;
			k++;
		}
		if (k > 0 && exo_page_map_batch(EXO_AS_SELF, ops, k) != (long)k)
			for (unsigned j = 0; j < k; j++)
				exo_page_unmap(EXO_AS_SELF, ops[j].va);
		for (unsigned j = 0; j < k; j++) {
			free_va[nfree_va++] = batch_va[j];
			if (exo_frame_free(batch_frame[j]) == 0)
				freed++;
		}
	}
	row->returned += freed;
	row->held = nheld;
	return freed;
}

static void cs_enter(void)
{
	in_cs = 1;
	__asm__ volatile("" ::: "memory");
}

/* Leave the critical section, first giving back what upcalls deferred. An
 * upcall after in_cs = 0 gives back by itself, so nothing is lost. */
static void cs_exit(void)
{
	for (;;) {
		__asm__ volatile("" ::: "memory");
		in_cs = 0;
		__asm__ volatile("" ::: "memory");
		if (!deferred)
			return;
		in_cs = 1;
		uint64_t n = deferred;
		deferred = 0;
		reconcile();
		give_back(n);
	}
}

/* Add one frame to the pool, mapped read-write. Returns 0, or the error of
 * exo_frame_alloc (-EXO_EAGAIN under pressure) or of exo_page_map. */
static long grow(void)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	if (f < 0)
		return f;
	uint32_t slot = nfree_va ? free_va[--nfree_va] : next_va++;
	long r = exo_page_map(EXO_AS_SELF, va_at(slot), (uint64_t)f, EXO_PERM_R | EXO_PERM_W);
	if (r < 0) { /* no page-table page: give the frame back */
		free_va[nfree_va++] = slot;
		exo_frame_free((uint64_t)f);
		return r;
	}
	frames_of[nheld] = (uint32_t)f;
	va_of[nheld] = slot;
	nheld++;
	row->held = nheld;
	return 0;
}

/* The revocation upcall (lab_upcall_entry calls it on the upcall stack):
 * f->error frames are wanted, by TSC f->fault_va. */
void lab_upcall(struct exo_upcall_frame *f)
{
	if (f->vector != EXO_UPCALL_REVOKE)
		return;
	uint64_t want = f->error;
	row->upcalls++;
	if (role == PRESSURE)
		backoff_until = lab_rdtsc() + backoff_us * lab_tsc_per_us();
	if (in_cs) {
		deferred += want;
		return;
	}
	cs_enter();
	reconcile(); /* what earlier requests took */
	cs_exit();
	if (slow_us) {
		lab_sleep_us(slow_us); /* the slow libOS takes its time */
		cs_enter();
		if (reconcile()) /* too late: the kernel took it all */
			want = 0;
		cs_exit();
	}
	cs_enter();
	give_back(want);
	cs_exit();
}

/* Find the controller (the env holding EXO_RIGHT_TRACE) and map the page
 * it grants us at LAB_PAGE_VA. */
static void map_lab_page(void)
{
	uint64_t end = lab_rdtsc() + SETUP_WAIT * lab_tsc_per_us();
	while (lab_rdtsc() < end) {
		uint32_t lab = 0;
		for (unsigned i = 1; i < EXO_NENV && !lab; i++)
			if (LAB_ENVS[i].id && LAB_ENVS[i].id != me &&
			    (LAB_ENVS[i].rights & EXO_RIGHT_TRACE))
				lab = LAB_ENVS[i].id;
		for (uint64_t fn = 0; lab && fn < LAB_SYSINFO->nframes; fn++)
			if (LAB_FRAMES[fn].owner == lab && LAB_FRAMES[fn].grants &&
			    exo_page_map(EXO_AS_SELF, LAB_PAGE_VA, fn, EXO_PERM_R | EXO_PERM_W) ==
				    0) {
				page = (volatile struct lab_page *)LAB_PAGE_VA;
				return;
			}
		lab_sleep_us(2000);
	}
	printf("revoke-lab: env %u: no lab page (is \"lab SCENARIO\" the first module?)\n", me);
	exit(1);
}

static uint64_t number(const char *s, uint64_t dflt, uint64_t percent_of)
{
	if (!s)
		return dflt;
	char *end;
	uint64_t v = strtoull(s, &end, 10);
	return *end == '%' ? percent_of * v / 100 : v;
}

/* Sleep until the stage is at least s (2 ms at a time). */
static void wait_stage(uint64_t s)
{
	struct exo_pred_term t = { (uint64_t)&page->stage, ~0ULL, s, EXO_PRED_GE, 0 };
	while (page->stage < s)
		exo_wait(&t, 1, EXO_PRED_ALL, 2000);
}

/* Allocate toward goal until the run ends (the pressure role). */
static void pressure(uint64_t goal)
{
	const volatile uint64_t *nfree = &LAB_SYSINFO->nfree;
	struct exo_pred_term t = { (uint64_t)nfree, ~0ULL, NFREE_LOW, EXO_PRED_GE, 0 };
	while (page->stage < LAB_STOP) {
		if (nheld >= goal || lab_rdtsc() < backoff_until) {
			lab_sleep_us(NAP_US);
			continue;
		}
		cs_enter();
		long r = grow();
		cs_exit();
		if (r < 0) {
			row->eagain++;
			exo_wait(&t, 1, EXO_PRED_ALL, NFREE_WAIT);
		}
	}
}

void lab_worker(int argc, char **argv)
{
	static const char *const names[] = { "",	 "compliant", "slow",
					     "stubborn", "sleeper",   "pressure" };
	char r[24];
	lab_role(argv[0], r, sizeof(r));
	for (unsigned i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(r, names[i]) == 0)
			role = (enum role)i;
	me = (uint32_t)exo_env_id();
	if (role == ROLE_UNKNOWN || lab_slot(me) >= LAB_MAX_ENVS) {
		printf("revoke-lab: unknown role %s (or env slot past %u)\n", argv[0],
		       LAB_MAX_ENVS);
		exit(1);
	}
	uint64_t hold = number(argc > 1 ? argv[1] : NULL, 1024, 0);
	uint64_t ms = number(argc > 2 ? argv[2] : NULL, role == SLEEPER ? 250 : 20, 0);
	if (role == SLOW)
		slow_us = ms * 1000;
	if (role == PRESSURE && argc > 2)
		backoff_us = ms * 1000;
	printf("revoke-lab: %s (env %u) setting up\n", argv[0], me); /* stdio's buffer now */
	fflush(stdout);
	map_lab_page();
	row = &page->row[lab_slot(me)];
	if (role != STUBBORN) {
		uint64_t top = lab_upcall_stack(UPCALL_TOP, 4);
		if (!top || exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_REVOKE,
					      (uint64_t)lab_upcall_entry, top) < 0) {
			printf("revoke-lab: %s: cannot register the revocation entry\n", argv[0]);
			exit(1);
		}
	}
	if (role != PRESSURE) {
		cs_enter();
		for (uint64_t i = 0; i < hold && i < POOL_MAX; i++)
			if (grow() < 0)
				break;
		cs_exit();
	}
	row->ready = 1;
	switch (role) {
	case PRESSURE:
		wait_stage(LAB_GO);
		pressure(number(argc > 1 ? argv[1] : NULL, 1024, LAB_SYSINFO->nfree));
		break;
	case STUBBORN: /* CPU-bound (no pause: under TCG it leaves the translated code) */
		while (page->stage < LAB_STOP)
			for (volatile unsigned i = 0; i < 100000; i++)
				;
		break;
	case SLEEPER:
		while (page->stage < LAB_STOP)
			lab_sleep_us(ms * 1000);
		break;
	default:
		while (page->stage < LAB_STOP)
			lab_sleep_us(NAP_US);
		break;
	}
	for (;;)
		exo_wait(0, 0, EXO_PRED_ALL, 0); /* the run is over: sleep until QEMU ends */
}
