/*
 * disk.c - the workers' disk side: blocks of their own (blocks=N), the
 * pager, the swapper, and the end-of-run checks of what they kept.
 *
 * Every worker that uses the disk attaches to a disk owner of its own,
 * keyed by its module name (exo_disk_attach with EXO_DISK_CREATE on the
 * disk tools/revoke-lab.sh formats for each run).
 *
 * Patterns: page slot s holds pattern(PAGE_ID(s)), block b holds
 * pattern(b), 512 words that name what they belong to, so a page or block
 * read back is known right or wrong by itself.
 *
 * The pager. Asked for W frames, it takes the top W entries of its pool,
 * sorts them by va slot and cuts them into runs of consecutive slots (16 at
 * most, one request each) with consecutive blocks of its own, allocated
 * now. Each run is queued with exo_disk_io (asynchronous: a status word the
 * kernel sets when the write completes), and its pages are unmapped at once:
 * should the deadline come before the writes complete, the abort protocol
 * takes unmapped frames first, and only after every transfer in flight has
 * finished (block_quiesce), so what it takes is already on the disk. The
 * upcall then waits on the status words (exo_wait) and frees each run's
 * frames as its write completes; each free counts toward the request. It
 * waits until 1 ms before the deadline at most, and leaves what is still in
 * flight to the main loop (pager_work), which also reads the pages back
 * PAGEIN_US after they went out: fresh frames, mapped where the pages were,
 * one read per run, each page checked against its pattern, the blocks freed
 * (and, when the disk runs low, the frees flushed, so that the blocks can
 * be allocated again).
 *
 * The swapper. It registered a swap area with exo_swap_register; the kernel
 * writes each frame it repossesses from it there first and names the block
 * in the record's `saved`. From its spinning loop the swapper drains its
 * repossession vector: each frame record drops that page from the pool, and
 * a saved one is read back into a fresh frame at the same address and
 * checked; then it registers the area again, so that the next abort starts
 * from its first block. A page taken with saved = 0 (the area was used up)
 * is lost, and so is one whose record was dropped because the vector (64
 * records) was full.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

#define BUF_VA	    0x3d000000ULL /* the block buffer: BUF_PAGES pages */
#define BUF_PAGES   64
#define MAX_BLOCKS  16384 /* blocks=N at most */
#define RUNS_MAX    4096  /* pager: runs out, in flight or on the disk */
#define PAGEIN_US   20000 /* pager: pages stay out this long */
#define PAGE_ID(s)  ((1ULL << 40) | (s))
#define MARGIN_US   1000 /* pager: stop waiting this long before the deadline */
#define WAIT_MAX_US 1000 /* pager: longest single wait for a write */
#define FLUSH_BELOW 4096 /* pager: flush its frees when fewer blocks are free */

static int attached;
static uint32_t *blk; /* the blocks=N blocks still ours, by our count */
static volatile unsigned nblk;
static uint64_t swap_first, swap_count;
static uint64_t pages0;	 /* pager, swapper: pages held after setup */
static uint64_t blocks0; /* blocks=N */

/* The pager's runs. */
enum { RUN_FREE, RUN_WAITING, RUN_WRITING, RUN_OUT };

/* Pages slot .. slot+n-1, blocks block .. block+n-1. */
struct run {
	volatile int64_t status; /* the write's (RUN_WRITING) */
	uint64_t out_tsc;	 /* when it reached the disk (RUN_OUT) */
	uint32_t slot, block, n, state;
	uint32_t frame[EXO_DISK_MAX_BLOCKS];
};

static struct run *runs; /* RUNS_MAX of them (the pager's, on the heap) */
static unsigned runs_hi; /* runs[runs_hi..] are all free */
static unsigned nwaiting, nwriting, nout;
struct chosen {
	uint32_t slot, frame;
};
static struct chosen *chosen; /* POOL_MAX of them (the pager's, on the heap) */

static struct exo_disk_req req[EXO_DISK_MAX_REQS];
static volatile int64_t st[EXO_DISK_MAX_REQS];

static uint64_t pattern(uint64_t id, unsigned w)
{
	return (id + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)w << 32 | w);
}

static void fill(uint64_t va, uint64_t id)
{
	volatile uint64_t *p = (volatile uint64_t *)va;
	for (unsigned w = 0; w < 512; w++)
		p[w] = pattern(id, w);
}

static int holds(uint64_t va, uint64_t id)
{
	const volatile uint64_t *p = (const volatile uint64_t *)va;
	for (unsigned w = 0; w < 512; w++)
		if (p[w] != pattern(id, w))
			return 0;
	return 1;
}

/* Sleep until the kernel has set *s (a transfer completed or failed). */
static void wait_done(volatile int64_t *s, uint64_t timeout_us)
{
	struct exo_pred_term t = { (uint64_t)s, ~0ULL, 0, EXO_PRED_NE, 0 };
	while (*s == 0)
		if (exo_wait(&t, 1, EXO_PRED_ALL, timeout_us) == EXO_WAKE_TIMEOUT && timeout_us)
			return;
}

/* Run req[0..n) (n <= EXO_DISK_MAX_REQS), all in flight at once, and wait
 * for them; st[i] ends as 1 (done) or a negative error. */
static void xfer(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		st[i] = 0;
		req[i].status_va = (uint64_t)&st[i];
		long r;
		while ((r = exo_disk_io(&req[i], 1)) == -EXO_EAGAIN) /* the queue is full */
			lab_sleep_us(100);
		if (r < 0)
			st[i] = r;
	}
	for (unsigned i = 0; i < n; i++)
		wait_done(&st[i], 0);
}

void disk_refresh(void)
{
	struct exo_disk_info di;
	if (attached && exo_disk_info(&di) == 0)
		row->blocks = di.owned;
}

/* How many of blk[i..nblk) are consecutive block numbers that fit in one
 * request and in the buffer after its first used pages (at least 1). */
static unsigned run_len(unsigned i, unsigned used)
{
	unsigned k = 1;
	while (i + k < nblk && k < EXO_DISK_MAX_BLOCKS && used + k < BUF_PAGES &&
	       blk[i + k] == blk[i] + k)
		k++;
	return k;
}

/* Write the pattern of every block in blk[], BUF_PAGES blocks at a time. */
static int blocks_write(void)
{
	for (unsigned i = 0; i < nblk;) {
		unsigned n = 0, used = 0;
		while (i < nblk && n < EXO_DISK_MAX_REQS && used < BUF_PAGES) {
			unsigned k = run_len(i, used);
			for (unsigned j = 0; j < k; j++)
				fill(BUF_VA + (used + j) * EXO_PAGE_SIZE, blk[i + j]);
			req[n++] = (struct exo_disk_req){ .op = EXO_DISK_WRITE,
							  .nblocks = k,
							  .block = blk[i],
							  .va = BUF_VA + used * EXO_PAGE_SIZE };
			used += k;
			i += k;
		}
		xfer(n);
		for (unsigned j = 0; j < n; j++)
			if (st[j] != 1)
				return -1;
	}
	return 0;
}

int disk_setup(const char *name, uint64_t blocks, uint64_t swap)
{
	struct exo_disk_key k = { 0 };
	memcpy(k.key, name, strnlen(name, sizeof(k.key)));
	memcpy(k.name, name, strnlen(name, sizeof(k.name) - 1));
	long o = exo_disk_attach(&k, EXO_DISK_CREATE);
	if (o <= 0) {
		printf("revoke-lab: %s: no disk owner (exo_disk_attach: %ld; is there a disk?)\n",
		       name, o);
		return -1;
	}
	attached = 1;
	if (blocks > MAX_BLOCKS)
		blocks = MAX_BLOCKS;
	blocks0 = blocks;
	/* On the heap, now, below the pool's frames (every role runs this
	 * program: in the BSS, each would carry them). */
	if (role == PAGER) {
		runs = calloc(RUNS_MAX, sizeof(*runs));
		chosen = calloc(POOL_MAX, sizeof(*chosen));
	}
	blk = calloc(blocks ? blocks : 1, sizeof(*blk));
	if (!blk || (role == PAGER && (!runs || !chosen))) {
		printf("revoke-lab: %s: no memory\n", name);
		return -1;
	}
	if (blocks) {
		for (unsigned i = 0; i < BUF_PAGES; i++) {
			long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
			if (f < 0 || exo_page_map(EXO_AS_SELF, BUF_VA + i * EXO_PAGE_SIZE,
						  (uint64_t)f, EXO_PERM_R | EXO_PERM_W) < 0) {
				printf("revoke-lab: %s: no buffer\n", name);
				return -1;
			}
		}
		while (nblk < blocks) {
			long b = exo_block_alloc(EXO_BLOCK_ANY, 0);
			if (b < 0) {
				printf("revoke-lab: %s: %u blocks of %lu (exo_block_alloc: %ld)\n",
				       name, nblk, (unsigned long)blocks, b);
				return -1;
			}
			blk[nblk++] = (uint32_t)b;
		}
		if (blocks_write() < 0) {
			printf("revoke-lab: %s: cannot write its blocks\n", name);
			return -1;
		}
	}
	if (swap) {
		/* Contiguous, from the end of the disk down: the other workers
		 * allocate at the same time, with EXO_BLOCK_ANY, from the start. */
		struct exo_disk_info di = { 0 };
		long r = exo_disk_info(&di) < 0 ? -EXO_ENOTSUP : -EXO_ENOMEM;
		uint64_t b = 0;
		for (uint64_t top = di.nblocks; r < 0 && top >= di.data_start + swap; top -= swap) {
			b = top - swap;
			uint64_t i = 0;
			while (i < swap && exo_block_alloc(b + i, 0) == (long)(b + i))
				i++;
			r = i == swap ? exo_swap_register(b, swap) : -EXO_EBUSY;
			for (uint64_t j = 0; r < 0 && j < i; j++)
				exo_block_free(b + j);
		}
		if (r < 0) {
			printf("revoke-lab: %s: no swap area of %lu blocks (%ld)\n", name,
			       (unsigned long)swap, r);
			return -1;
		}
		swap_first = b;
		swap_count = swap;
	}
	/* No flush: the disk is scratch, and a flush commits the ownership
	 * region synchronously, under the kernel lock (see page_in). */
	return 0;
}

void pages_fill(void)
{
	for (unsigned i = 0; i < nheld; i++)
		fill(va_at(va_of[i]), PAGE_ID(va_of[i]));
	pages0 = nheld;
}

void blocks_give_back(uint64_t want)
{
	uint64_t freed = 0;
	while (freed < want && nblk > 0) /* the ones allocated last */
		if (exo_block_free(blk[--nblk]) == 0)
			freed++;
	row->breturned += freed;
	disk_refresh();
}

/* ------------------------------------------------------------ the pager */

static int by_slot(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static struct run *run_new(void)
{
	for (unsigned i = 0; i < RUNS_MAX; i++)
		if (runs[i].state == RUN_FREE) {
			if (i >= runs_hi)
				runs_hi = i + 1;
			return &runs[i];
		}
	return NULL;
}

/* Give the run's pages back to the pool as they are (still mapped, or
 * mapped again), and its blocks back to the disk. */
static void run_undo(struct run *r)
{
	for (unsigned j = 0; j < r->n; j++) {
		uint64_t va = va_at(r->slot + j);
		exo_block_free(r->block + j);
		if (LAB_FRAMES[r->frame[j]].owner != me)
			continue; /* the abort protocol took it before it was written */
		if (!(exo_uvpt_pte(va) & EXO_PTE_P))
			exo_page_map(EXO_AS_SELF, va, r->frame[j], EXO_PERM_R | EXO_PERM_W);
		pool_push(r->frame[j], r->slot + j);
	}
	r->state = RUN_FREE;
}

/* Queue the waiting runs' writes; unmap each run's pages once its write
 * is queued. Stops when the disk's queue is full. */
static void queue_writes(void)
{
	static struct exo_map_op un[EXO_DISK_MAX_BLOCKS];
	for (unsigned i = 0; i < runs_hi && nwaiting; i++) {
		struct run *r = &runs[i];
		if (r->state != RUN_WAITING)
			continue;
		struct exo_disk_req q = { .op = EXO_DISK_WRITE,
					  .nblocks = r->n,
					  .block = r->block,
					  .va = va_at(r->slot),
					  .status_va = (uint64_t)&r->status };
		r->status = 0;
		long n = exo_disk_io(&q, 1);
		if (n == -EXO_EAGAIN)
			return;
		nwaiting--;
		if (n < 0) {
			run_undo(r);
			continue;
		}
		r->state = RUN_WRITING;
		nwriting++;
		for (unsigned j = 0; j < r->n; j++)
			un[j] = (struct exo_map_op){ .va = va_at(r->slot + j),
						     .kind = EXO_MAP_UNMAP };
		exo_page_map_batch(EXO_AS_SELF, un, r->n);
	}
}

/* Collect the writes that completed: free their frames (each counts toward
 * the request), or, for a failed write, keep the pages. */
static void reap_writes(void)
{
	uint64_t freed = 0;
	for (unsigned i = 0; i < runs_hi && nwriting; i++) {
		struct run *r = &runs[i];
		if (r->state != RUN_WRITING || r->status == 0)
			continue;
		nwriting--;
		if (r->status != 1) {
			run_undo(r);
			continue;
		}
		for (unsigned j = 0; j < r->n; j++)
			/* Not ours any more: the abort protocol took it, after the
			 * write completed. */
			if (LAB_FRAMES[r->frame[j]].owner == me && exo_frame_free(r->frame[j]) == 0)
				freed++;
		r->state = RUN_OUT;
		r->out_tsc = lab_rdtsc();
		nout++;
		row->paged += r->n;
	}
	row->returned += freed;
}

/* The kernel repossessed from us: the request is closed, so the runs not
 * queued yet stay in memory. */
static void cancel_waiting(void)
{
	for (unsigned i = 0; i < runs_hi && nwaiting; i++)
		if (runs[i].state == RUN_WAITING) {
			nwaiting--;
			run_undo(&runs[i]);
		}
	for (unsigned i = nheld; i-- > 0;)
		if (!entry_ok(i))
			drop(i); /* taken while waiting to be written: lost */
}

/* Queue and reap until nothing is in flight or TSC until. */
static void pump(uint64_t until)
{
	for (;;) {
		if (reconcile())
			cancel_waiting();
		queue_writes();
		reap_writes();
		uint64_t now = lab_rdtsc();
		if ((!nwaiting && !nwriting) || now >= until)
			return;
		volatile int64_t *s = NULL;
		for (unsigned i = 0; i < runs_hi && !s; i++)
			if (runs[i].state == RUN_WRITING)
				s = &runs[i].status;
		uint64_t us = (until - now) / lab_tsc_per_us();
		if (s)
			wait_done(s, us < WAIT_MAX_US ? (us ? us : 1) : WAIT_MAX_US);
		else
			lab_sleep_us(100); /* waiting for room in the disk's queue */
	}
}

void pager_page_out(uint64_t want, uint64_t until)
{
	unsigned k = 0;
	while (k < want && nheld > 0) {
		unsigned i = nheld - 1;
		if (!entry_ok(i)) {
			drop(i);
			continue;
		}
		chosen[k].slot = va_of[i];
		chosen[k].frame = frames_of[i];
		pool_forget(i); /* its va slot stays ours: the page comes back there */
		k++;
	}
	qsort(chosen, k, sizeof(chosen[0]), by_slot);
	for (unsigned i = 0; i < k;) {
		struct run *r = run_new();
		long b = r ? exo_block_alloc(EXO_BLOCK_ANY, 0) : -EXO_ENOMEM;
		if (b < 0) { /* no run or no block: keep the rest */
			for (; i < k; i++)
				pool_push(chosen[i].frame, chosen[i].slot);
			break;
		}
		unsigned n = 1;
		while (n < EXO_DISK_MAX_BLOCKS && i + n < k &&
		       chosen[i + n].slot == chosen[i].slot + n &&
		       exo_block_alloc((uint64_t)b + n, 0) == b + (long)n)
			n++;
		r->slot = chosen[i].slot;
		r->block = (uint32_t)b;
		r->n = n;
		for (unsigned j = 0; j < n; j++)
			r->frame[j] = chosen[i + j].frame;
		r->state = RUN_WAITING;
		nwaiting++;
		i += n;
	}
	uint64_t margin = MARGIN_US * lab_tsc_per_us();
	pump(until > lab_rdtsc() + margin ? until - margin : 0);
	disk_refresh();
}

/* Read up to EXO_DISK_MAX_REQS runs back (all of them if due is 0, else
 * those out since before TSC due): fresh frames where the pages were, the
 * pages checked, the blocks freed. Returns the runs read. */
static unsigned page_in(uint64_t due)
{
	struct run *in[EXO_DISK_MAX_REQS];
	unsigned n = 0;
	for (unsigned i = 0; i < runs_hi && n < EXO_DISK_MAX_REQS; i++) {
		struct run *r = &runs[i];
		if (r->state != RUN_OUT || (due && r->out_tsc > due))
			continue;
		unsigned j = 0;
		for (; j < r->n; j++) {
			long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
			if (f < 0 || exo_page_map(EXO_AS_SELF, va_at(r->slot + j), (uint64_t)f,
						  EXO_PERM_R | EXO_PERM_W) < 0) {
				if (f >= 0)
					exo_frame_free((uint64_t)f);
				break;
			}
			r->frame[j] = (uint32_t)f;
		}
		if (j < r->n) { /* no memory now: try again later */
			while (j-- > 0) {
				exo_page_unmap(EXO_AS_SELF, va_at(r->slot + j));
				exo_frame_free(r->frame[j]);
			}
			break;
		}
		req[n] = (struct exo_disk_req){ .op = EXO_DISK_READ,
						.nblocks = r->n,
						.block = r->block,
						.va = va_at(r->slot) };
		in[n++] = r;
	}
	if (!n)
		return 0;
	xfer(n);
	for (unsigned i = 0; i < n; i++) {
		struct run *r = in[i];
		for (unsigned j = 0; j < r->n; j++) {
			if (st[i] != 1 || !holds(va_at(r->slot + j), PAGE_ID(r->slot + j)))
				row->bad++;
			pool_push(r->frame[j], r->slot + j);
			exo_block_free(r->block + j);
		}
		row->restored += r->n;
		row->paged -= r->n;
		r->state = RUN_FREE;
		nout--;
	}
	/* Freed blocks can be allocated again once a flush has put the frees
	 * on the disk. A flush commits the ownership region with two device
	 * flushes under the kernel lock (any CPU entering the kernel waits),
	 * so only when the disk runs low. */
	struct exo_disk_info di;
	if (exo_disk_info(&di) == 0 && di.nfree < FLUSH_BELOW)
		exo_disk_flush();
	return n;
}

void pager_work(void)
{
	cs_enter();
	reconcile();
	pump(0);
	if (!nwaiting && !nwriting && nout)
		page_in(lab_rdtsc() - PAGEIN_US * lab_tsc_per_us());
	cs_exit();
	disk_refresh();
}

/* ---------------------------------------------------------- the swapper */

static struct {
	uint32_t slot, block;
} saved[EXO_REPO_RECORDS * 4];
static unsigned nsaved;

void swapper_record(const struct exo_repo_rec *r)
{
	if (r->va < DATA_VA || r->va >= va_at(POOL_MAX))
		return;
	uint32_t slot = (uint32_t)((r->va - DATA_VA) / EXO_PAGE_SIZE);
	for (unsigned i = 0; i < nheld; i++)
		if (va_of[i] == slot) {
			pool_forget(i);
			break;
		}
	if (r->saved && nsaved < sizeof(saved) / sizeof(saved[0])) {
		saved[nsaved].slot = slot;
		saved[nsaved].block = r->saved;
		nsaved++;
	}
}

void swapper_recover(void)
{
	for (unsigned i = 0; i < nsaved;) {
		uint32_t frame[EXO_DISK_MAX_REQS];
		unsigned n = 0;
		for (; i < nsaved && n < EXO_DISK_MAX_REQS; i++) {
			long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
			uint64_t va = va_at(saved[i].slot);
			if (f < 0 || exo_page_map(EXO_AS_SELF, va, (uint64_t)f,
						  EXO_PERM_R | EXO_PERM_W) < 0) {
				if (f >= 0)
					exo_frame_free((uint64_t)f);
				continue; /* lost: no memory to read it into */
			}
			frame[n] = (uint32_t)f;
			req[n++] = (struct exo_disk_req){
				.op = EXO_DISK_READ, .nblocks = 1, .block = saved[i].block, .va = va
			};
		}
		xfer(n);
		for (unsigned j = 0; j < n; j++) {
			uint32_t slot = (uint32_t)((req[j].va - DATA_VA) / EXO_PAGE_SIZE);
			if (st[j] != 1 || !holds(req[j].va, PAGE_ID(slot)))
				row->bad++;
			pool_push(frame[j], slot);
			row->restored++;
		}
	}
	nsaved = 0;
	exo_swap_register(swap_first, swap_count); /* from its first block again */
}

/* ------------------------------------------------------------ checking */

/* Check the blocks we still count as ours: runs of consecutive blocks read
 * BUF_PAGES at a time; a run refused (EXO_EPERM: the kernel took a block
 * of it) is read again block by block. */
static void check_blocks(void)
{
	uint64_t intact = 0, lost = 0;
	for (unsigned i = 0; i < nblk;) {
		unsigned n = 0, used = 0, first[EXO_DISK_MAX_REQS];
		while (i < nblk && n < EXO_DISK_MAX_REQS && used < BUF_PAGES) {
			unsigned k = run_len(i, used);
			first[n] = i;
			req[n++] = (struct exo_disk_req){ .op = EXO_DISK_READ,
							  .nblocks = k,
							  .block = blk[i],
							  .va = BUF_VA + used * EXO_PAGE_SIZE };
			used += k;
			i += k;
		}
		xfer(n);
		for (unsigned q = 0; q < n; q++) {
			unsigned k = req[q].nblocks;
			for (unsigned j = 0; j < k; j++) {
				uint64_t va = req[q].va + j * EXO_PAGE_SIZE;
				long r = st[q] == 1 ? 0 : st[q];
				if (r == -EXO_EPERM && k > 1) /* one by one */
					r = exo_disk_rw(EXO_DISK_READ, blk[first[q] + j], 1,
							(void *)va);
				if (r == -EXO_EPERM)
					lost++;
				else if (r == 0 && holds(va, blk[first[q] + j]))
					intact++;
				else
					row->bad++;
			}
		}
	}
	row->intact = intact;
	row->lost = lost;
	row->checked = LAB_CHECKED_BLOCKS;
}

/* Check the pool's pages against their patterns. */
static void check_pages(void)
{
	uint64_t intact = 0, bad = 0;
	for (unsigned i = 0; i < nheld; i++)
		if (entry_ok(i) && holds(va_at(va_of[i]), PAGE_ID(va_of[i])))
			intact++;
		else
			bad++;
	row->intact = intact;
	row->bad += bad;
	row->lost = pages0 > intact + bad ? pages0 - intact - bad : 0;
	row->checked = LAB_CHECKED_PAGES;
}

void check_data(void)
{
	cs_enter();
	reconcile();
	if (role == PAGER) {
		pump(lab_rdtsc() + 1000000ULL * lab_tsc_per_us());
		while (page_in(0))
			;
	}
	if (role == PAGER || role == SWAPPER)
		check_pages();
	else if (blocks0)
		check_blocks();
	else
		row->checked = LAB_CHECKED_NONE;
	cs_exit();
	disk_refresh();
}
