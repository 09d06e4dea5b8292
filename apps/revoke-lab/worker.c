/*
 * worker.c - the library OSes under test: each holds a pool of frames,
 * mapped at DATA_VA, and answers (or does not answer) the kernel's visible
 * revocation requests in the way its role says:
 *
 *   compliant H         holds H frames; its revocation upcall unmaps and
 *                       frees what it is asked at once. Naps 1 ms at a time
 *                       (a request reaches a blocked env only when it wakes;
 *                       "nap=MS" makes the naps MS ms long).
 *   slow H MS           as compliant, but sleeps MS ms (exo_wait) inside the
 *                       upcall first; afterwards it reads its repossession
 *                       vector and gives back only what the kernel did not
 *                       already take.
 *   stubborn H [nap]    registers no revocation entry and spins (or, with
 *                       "nap" or "nap=MS", sleeps 1 or MS ms at a time): the
 *                       abort protocol takes what it owes.
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
 *   pager H             compliant, but its pages hold data it keeps: asked
 *                       for frames, it writes the pages it chooses to disk
 *                       blocks of its own, frees the frames as the writes
 *                       complete, and reads the pages back later (disk.c).
 *   swapper H swap=S    stubborn (no revocation entry, spins or naps), but it
 *                       registered a swap area of S blocks: the kernel saves
 *                       each page it takes there, and the swapper reads them
 *                       back from the blocks its repossession records name.
 * Any role also takes "blocks=N": N disk blocks of its own, holding a
 * pattern; a compliant one frees the blocks it is asked for from its upcall
 * (the same entry, vector EXO_UPCALL_REVOKE_BLOCKS), a stubborn one lets the
 * kernel take them. Pagers and swappers fill their pages with a pattern and
 * every role checks what it kept at the end (stage LAB_CHECK).
 *
 * Nothing here uses stdio (or the heap) after setup: the abort protocol
 * takes the highest-numbered frames first, and only the frames loaded with
 * the program are sure to lie below the pool's; a heap page it took would
 * fault at the next printf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

#define UPCALL_TOP  0x3e000000ULL /* the upcall stack: 4 guaranteed pages below */
#define NAP_US	    1000	  /* how often a compliant worker looks for upcalls */
#define NFREE_LOW   16		  /* pressure: wait until this many frames are free */
#define NFREE_WAIT  2000	  /* ... for at most this long, us */
#define SETUP_WAIT  30000000ULL	  /* us to find the lab page before giving up */
#define UNMAP_BATCH EXO_MAP_BATCH_MAX
#define SPIN	    2000 /* a CPU-bound role's loop: this many iterations, then a pause */
#define SPIN_POLL   64	 /* ... and every this many pauses, a look at the disk or vector */

uint32_t frames_of[POOL_MAX];	   /* [cs] pool entries: frame numbers ... */
uint32_t va_of[POOL_MAX];	   /* [cs] ... and the va slot each is mapped at */
static uint32_t free_va[POOL_MAX]; /* [cs] va slots no entry uses */
unsigned nheld;
static unsigned nfree_va, next_va;

static volatile int in_cs;		  /* the main code is changing the pool */
static volatile uint64_t deferred;	  /* frames asked for while in_cs */
static volatile uint64_t deferred_blocks; /* blocks asked for while in_cs */
static volatile uint64_t deferred_until;  /* the latest deadline of those (TSC) */
static volatile uint64_t backoff_until;	  /* pressure: do not grow before this TSC */

enum role role;
uint32_t me;
volatile struct lab_row *row;
static uint64_t slow_us, backoff_us = 50000;
static int nap;			 /* stubborn, swapper: "nap", asleep instead of CPU-bound */
static uint64_t nap_us = NAP_US; /* "nap=MS": how long a nap is */
static volatile struct lab_page *page;
static struct exo_map_op ops[UNMAP_BATCH];
static uint32_t batch_frame[UNMAP_BATCH], batch_va[UNMAP_BATCH];

int entry_ok(unsigned i)
{
	uint64_t pte = exo_uvpt_pte(va_at(va_of[i]));
	return LAB_FRAMES[frames_of[i]].owner == me && (pte & EXO_PTE_P) &&
	       EXO_PTE_FRAME(pte) == frames_of[i];
}

void pool_forget(unsigned i)
{
	nheld--;
	frames_of[i] = frames_of[nheld];
	va_of[i] = va_of[nheld];
	row->held = nheld;
}

void drop(unsigned i)
{
	free_va[nfree_va++] = va_of[i];
	pool_forget(i);
}

void pool_push(uint32_t frame, uint32_t slot)
{
	frames_of[nheld] = frame;
	va_of[nheld] = slot;
	nheld++;
	row->held = nheld;
}

uint64_t reconcile(void)
{
	struct exo_repo_rec rec[EXO_REPO_RECORDS];
	uint64_t taken = 0;
	long n;
	while ((n = exo_repossessed(rec, EXO_REPO_RECORDS)) > 0)
		for (long i = 0; i < n; i++) {
			if (rec[i].kind != EXO_REPO_FRAME)
				continue;
			taken++;
			if (role == SWAPPER)
				swapper_record(&rec[i]);
		}
	if (taken) {
		row->repossessed += taken;
		if (role == SWAPPER)
			swapper_recover();
		for (unsigned i = nheld; i-- > 0;)
			if (!entry_ok(i))
				drop(i);
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

/* Give back want frames the way the role does it. In a critical section. */
static void answer(uint64_t want, uint64_t until)
{
	if (role == PAGER)
		pager_page_out(want, until);
	else
		give_back(want);
}

void cs_enter(void)
{
	in_cs = 1;
	__asm__ volatile("" ::: "memory");
}

/* Leave the critical section, first giving back what upcalls deferred. An
 * upcall after in_cs = 0 gives back by itself, so nothing is lost. */
void cs_exit(void)
{
	for (;;) {
		__asm__ volatile("" ::: "memory");
		in_cs = 0;
		__asm__ volatile("" ::: "memory");
		if (!deferred && !deferred_blocks)
			return;
		in_cs = 1;
		uint64_t n = deferred, b = deferred_blocks;
		deferred = deferred_blocks = 0;
		reconcile();
		if (n)
			answer(n, deferred_until);
		if (b)
			blocks_give_back(b);
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
	pool_push((uint32_t)f, slot);
	return 0;
}

/* The revocation upcall (lab_upcall_entry calls it on the upcall stack):
 * f->error frames (or blocks) are wanted, by TSC f->fault_va. */
void lab_upcall(struct exo_upcall_frame *f)
{
	if (f->vector == EXO_UPCALL_REVOKE_BLOCKS) {
		row->bupcalls++;
		if (in_cs)
			deferred_blocks += f->error;
		else
			blocks_give_back(f->error);
		return;
	}
	if (f->vector != EXO_UPCALL_REVOKE)
		return;
	uint64_t want = f->error;
	row->upcalls++;
	if (role == PRESSURE)
		backoff_until = lab_rdtsc() + backoff_us * lab_tsc_per_us();
	if (in_cs) {
		deferred += want;
		deferred_until = f->fault_va;
		return;
	}
	cs_enter();
	if (reconcile()) /* late: the kernel has taken what this request asked */
		want = 0;
	cs_exit();
	if (slow_us) {
		lab_sleep_us(slow_us); /* the slow libOS takes its time */
		cs_enter();
		if (reconcile()) /* too late: the kernel took it all */
			want = 0;
		cs_exit();
	}
	cs_enter();
	answer(want, f->fault_va);
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

/* Allocate toward goal until the requests are over (the pressure role). */
static void pressure(uint64_t goal)
{
	const volatile uint64_t *nfree = &LAB_SYSINFO->nfree;
	struct exo_pred_term t = { (uint64_t)nfree, ~0ULL, NFREE_LOW, EXO_PRED_GE, 0 };
	while (page->stage < LAB_CHECK) {
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

/* CPU-bound until the requests are over (stubborn, swapper), draining a
 * swapper's repossession vector and counting blocks every SPIN_POLL
 * rounds. Each round of SPIN iterations ends with a pause, which under TCG
 * leaves the translated code: under -icount QEMU runs both CPUs in one host
 * thread, taking turns, and two CPU-bound envs without it can keep one CPU
 * from its turns so long that its env misses every tick while a request is
 * open (docs/revocation.md, "The revocation lab"). The pause does not enter
 * the kernel: the env stays on its CPU at every tick as before. With "nap"
 * or "nap=MS" it sleeps 1 or MS ms at a time instead: it then gets almost
 * no slices, and the wall-clock deadline decides. */
static void spin(void)
{
	for (unsigned n = 0; page->stage < LAB_CHECK; n++) {
		if (nap) {
			lab_sleep_us(nap_us);
		} else {
			for (volatile unsigned i = 0; i < SPIN; i++)
				;
			__builtin_ia32_pause();
			if (n % SPIN_POLL)
				continue;
		}
		if (role == SWAPPER) {
			cs_enter();
			reconcile();
			cs_exit();
		}
		disk_refresh();
	}
}

/* "blocks=N", "swap=N", "nap" and "nap=MS" anywhere after the name; the
 * numbers in order. */
static void parse(int argc, char **argv, const char **num, unsigned nnum, uint64_t *blocks,
		  uint64_t *swap)
{
	unsigned k = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "nap") == 0) {
			nap = 1;
		} else if (strncmp(argv[i], "nap=", 4) == 0) {
			nap = 1;
			nap_us = strtoull(argv[i] + 4, NULL, 10) * 1000;
		} else if (strncmp(argv[i], "blocks=", 7) == 0) {
			*blocks = strtoull(argv[i] + 7, NULL, 10);
		} else if (strncmp(argv[i], "swap=", 5) == 0) {
			*swap = strtoull(argv[i] + 5, NULL, 10);
		} else if (k < nnum) {
			num[k++] = argv[i];
		}
	}
}

void lab_worker(int argc, char **argv)
{
	static const char *const names[] = { "",	"compliant", "slow",  "stubborn",
					     "sleeper", "pressure",  "pager", "swapper" };
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
	const char *num[2] = { NULL, NULL };
	uint64_t blocks = 0, swap = 0;
	parse(argc, argv, num, 2, &blocks, &swap);
	uint64_t hold = number(num[0], 1024, 0);
	uint64_t ms = number(num[1], role == SLEEPER ? 250 : 20, 0);
	if (role == SLOW)
		slow_us = ms * 1000;
	if (role == PRESSURE && num[1])
		backoff_us = ms * 1000;
	printf("revoke-lab: %s (env %u) setting up\n", argv[0], me); /* stdio's buffer now */
	fflush(stdout);
	map_lab_page();
	row = &page->row[lab_slot(me)];
	if ((blocks || swap || role == PAGER || role == SWAPPER) &&
	    disk_setup(argv[0], blocks, role == SWAPPER ? (swap ? swap : 128) : 0) < 0)
		exit(1);
	if (role != STUBBORN && role != SWAPPER) {
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
		if (role == PAGER || role == SWAPPER)
			pages_fill();
		cs_exit();
	}
	disk_refresh();
	row->ready = 1;
	switch (role) {
	case PRESSURE:
		wait_stage(LAB_GO);
		pressure(number(num[0], 1024, LAB_SYSINFO->nfree));
		break;
	case STUBBORN:
	case SWAPPER:
		spin();
		break;
	case SLEEPER:
		while (page->stage < LAB_CHECK)
			lab_sleep_us(ms * 1000);
		break;
	default:
		while (page->stage < LAB_CHECK) {
			lab_sleep_us(nap_us);
			if (role == PAGER)
				pager_work();
			else if (blocks)
				disk_refresh();
		}
		break;
	}
	wait_stage(LAB_CHECK);
	check_data();
	for (;;)
		exo_wait(0, 0, EXO_PRED_ALL, 0); /* the run is over: sleep until QEMU ends */
}
