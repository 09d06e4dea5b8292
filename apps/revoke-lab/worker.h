/*
 * worker.h - what the two halves of a worker share: worker.c (the pool of
 * frames, the revocation upcall, the roles' main loops) and disk.c (disk
 * blocks, the pager, the swapper, the end-of-run checks).
 *
 * The pool is a stack of (frame, va slot) entries, the frames mapped
 * read-write at DATA_VA + slot * 4096. Every change to it runs in a critical
 * section (cs_enter/cs_exit): the revocation upcall can interrupt the main
 * code anywhere, and one arriving inside a section only notes what is
 * wanted (deferred); the code leaving the section gives it back.
 */
#ifndef WORKER_H
#define WORKER_H

#include "lab.h"

#define DATA_VA	 0x100000000ULL /* the pool's pages: DATA_VA + slot * 4096 */
#define POOL_MAX 65536		/* most frames one worker holds */

enum role { ROLE_UNKNOWN, COMPLIANT, SLOW, STUBBORN, SLEEPER, PRESSURE, PAGER, SWAPPER };

extern enum role role;
extern uint32_t me;
extern volatile struct lab_row *row;

/* The pool [cs]: entry i is frame frames_of[i] mapped at slot va_of[i]. */
extern uint32_t frames_of[POOL_MAX], va_of[POOL_MAX];
extern unsigned nheld;

static inline uint64_t va_at(uint32_t slot)
{
	return DATA_VA + (uint64_t)slot * EXO_PAGE_SIZE;
}

/* Entry i still is ours: we own its frame and map it at its va. */
int entry_ok(unsigned i);
/* Forget entry i (its va slot becomes free; the top entry takes its place). */
void drop(unsigned i);
/* The same, keeping its va slot in use (its page is elsewhere for now). */
void pool_forget(unsigned i);
/* Put frame f, already mapped at slot, on top of the pool. */
void pool_push(uint32_t frame, uint32_t slot);
/* Drain the repossession vector and drop the entries the kernel broke;
 * returns the frames it took. A swapper's records go to swapper_record. */
uint64_t reconcile(void);
void cs_enter(void);
void cs_exit(void);

/* disk.c. Attach to a disk owner of our own (key: name) and take the
 * blocks the role asks for: `blocks` data blocks holding a pattern, or
 * (swapper) a swap area of `swap` blocks. 0, or -1 with a message. */
int disk_setup(const char *name, uint64_t blocks, uint64_t swap);
/* Fill the pool's pages with their slot's pattern (pager, swapper). */
void pages_fill(void);
/* Refresh row->blocks from exo_disk_info (0 without a disk owner). */
void disk_refresh(void);
/* The block revocation upcall of a compliant libOS: free want blocks. */
void blocks_give_back(uint64_t want);
/* Pager: page out want frames (their contents go to our own blocks, then
 * the frames are freed), working until TSC `until` at most; the main loop
 * finishes what is left (pager_work). In a critical section. */
void pager_page_out(uint64_t want, uint64_t until);
/* Pager, from the main loop: finish page-outs, page back in what has been
 * out long enough. */
void pager_work(void);
/* Swapper: one frame record from the repossession vector. */
void swapper_record(const struct exo_repo_rec *r);
/* Swapper: after a drain that found records, read back what was saved and
 * make the swap area whole again. In a critical section. */
void swapper_recover(void);
/* The end-of-run check (stage LAB_CHECK): fills row->intact, lost, bad and
 * sets row->checked. */
void check_data(void);

#endif
