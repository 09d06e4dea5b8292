/*
 * lab.h - what the parts of revoke-lab share: the lab page, the roles and
 * the few helpers every role uses.
 *
 * revoke-lab is one program in several roles, chosen by argv[0] (the boot
 * module's command line): "lab SCENARIO" (or "revoke-lab SCENARIO") is the
 * controller and must be the first boot module, since only that one holds
 * EXO_RIGHT_REVOKE and EXO_RIGHT_TRACE; every other module is a worker
 * (worker.c, disk.c) whose role is its name up to an optional "-N" suffix:
 * "compliant", "slow", "stubborn", "sleeper", "pressure-3", "pager",
 * "swapper", ...
 *
 * The controller and the workers talk through one page, the lab page: the
 * controller owns it and grants it read-write to every worker. The
 * controller writes the stage; each worker writes only its own row.
 */
#ifndef LAB_H
#define LAB_H

#include <stdint.h>

#include <exo/libexo.h>

/* Where the lab page is mapped, in the controller and in every worker. */
#define LAB_PAGE_VA 0x3f000000ULL
/* Most environments the lab page has rows for (rows are env slots). */
#define LAB_MAX_ENVS 32

/* Stages, written by the controller. */
#define LAB_SETUP 0 /* workers set up and take the frames (and blocks) they hold */
#define LAB_GO	  1 /* pressure workers start allocating */
#define LAB_CHECK 2 /* the requests are over: workers check their data, set checked */
#define LAB_STOP  3 /* the run is over: workers go to sleep */

/* What a worker's end-of-run check looked at (lab_row.checked). */
#define LAB_CHECKED_NONE   1 /* nothing: it keeps no data it could verify */
#define LAB_CHECKED_PAGES  2 /* its pages (pager, swapper) */
#define LAB_CHECKED_BLOCKS 3 /* its disk blocks (a worker with blocks=N) */

/* One worker's row; [W] written by that worker only, read by the lab. */
struct lab_row {
	uint64_t ready;	      /* [W] 1 once set up (holding its frames, entry registered) */
	uint64_t held;	      /* [W] frames in its own pool, by its own count */
	uint64_t upcalls;     /* [W] frame revocation upcalls taken */
	uint64_t returned;    /* [W] frames freed in answer to requests */
	uint64_t repossessed; /* [W] frames the kernel took (from exo_repossessed) */
	uint64_t eagain;      /* [W] exo_frame_alloc results -EXO_EAGAIN or -EXO_ENOMEM */
	uint64_t blocks;      /* [W] blocks its disk owner holds (exo_disk_info) */
	uint64_t paged;	      /* [W] pager: pages on the disk now, not in memory */
	uint64_t bupcalls;    /* [W] block revocation upcalls taken */
	uint64_t breturned;   /* [W] blocks freed in answer to requests */
	uint64_t restored;    /* [W] pages read back from the disk (pager, swapper) */
	uint64_t intact;      /* [W] end check: pages or blocks whose data is right */
	uint64_t lost;	      /* [W] end check: ones it held whose data is gone */
	uint64_t bad;	      /* [W] ones read back wrong (at any time): must stay 0 */
	uint64_t checked;     /* [W] LAB_CHECKED_* once the end check is done */
};

struct lab_page {
	uint64_t stage; /* [L] LAB_SETUP, LAB_GO, LAB_CHECK, LAB_STOP */
	uint64_t pad[7];
	struct lab_row row[LAB_MAX_ENVS]; /* indexed by env slot */
};
_Static_assert(sizeof(struct lab_page) <= EXO_PAGE_SIZE, "the lab page is one page");

/* The env table and the machine facts, through the read-only windows. */
#define LAB_ENVS    ((const volatile struct exo_env_info *)EXO_UENVS)
#define LAB_FRAMES  ((const volatile struct exo_frame_info *)EXO_UFRAMES)
#define LAB_SYSINFO ((const volatile struct exo_sysinfo *)EXO_USYSINFO)

/* An env's row in the lab page (slot of its id). */
static inline unsigned lab_slot(uint64_t id)
{
	return (unsigned)(id & (EXO_NENV - 1));
}

/* TSC ticks per microsecond (sysinfo; 1 if the kernel does not know). */
static inline uint64_t lab_tsc_per_us(void)
{
	uint64_t hz = LAB_SYSINFO->tsc_hz;
	return hz >= 1000000 ? hz / 1000000 : 1;
}

static inline uint64_t lab_rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

/* Sleep in the kernel for us microseconds (a PCT would end it early). */
static inline void lab_sleep_us(uint64_t us)
{
	exo_wait(0, 0, EXO_PRED_ALL, us);
}

/* The role of a name: "pressure-3" -> "pressure". Copies at most size - 1
 * characters into buf. */
void lab_role(const char *name, char *buf, unsigned size);

/* What a step asks for. */
#define LAB_KFRAMES 0 /* exo_revoke_request */
#define LAB_KBLOCKS 1 /* exo_revoke_blocks */

/*
 * A scenario: steps run in order; each asks every worker whose role is
 * `who` (or every worker, "*") for `count` frames (kind LAB_KFRAMES) or
 * disk blocks (LAB_KBLOCKS) within `deadline_ms`, waits until the kernel
 * traced the outcome (complied or repossessed), then `gap_ms`; `repeat`
 * times. Then the run goes on for run_ms, and the workers check their data.
 */
struct lab_step {
	const char *who;
	uint32_t kind; /* LAB_KFRAMES or LAB_KBLOCKS */
	uint32_t count;
	uint32_t deadline_ms;
	uint32_t repeat;
	uint32_t gap_ms;
};

struct lab_scenario {
	const char *name;
	const char *about;	      /* one line, printed with the results */
	const struct lab_step *steps; /* ends with who == NULL */
	uint32_t run_ms;	      /* after the steps: keep sampling this long */
};

/* The scenario called name (scenarios.c), or NULL. */
const struct lab_scenario *lab_scenario(const char *name);
/* Print the scenario names, one line. */
void lab_list_scenarios(void);

/* The roles' main functions (never return). */
void lab_controller(int argc, char **argv) __attribute__((noreturn));
void lab_worker(int argc, char **argv) __attribute__((noreturn));

/* upcall.c: the revocation upcall trampoline, and an upcall stack of pages
 * guaranteed frames ending at top (returns top, or 0 on failure). */
void lab_upcall_entry(void);
uint64_t lab_upcall_stack(uint64_t top, unsigned pages);
/* Called on the upcall stack by lab_upcall_entry (worker.c). */
void lab_upcall(struct exo_upcall_frame *f);

#endif
