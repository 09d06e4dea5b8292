/*
 * revoke.c - visible revocation of frames and the abort protocol.
 *
 * 1. A request (exo_revoke_request, or memory pressure) asks env T for N
 *    frames by a deadline: a wall-clock bound or EXO_REVOKE_MAX_SLICES of
 *    T's own slices, whichever comes first, so a sleeping env cannot hold
 *    frames forever.
 * 2. T is told by an upcall at its EXO_ENTRY_REVOKE (delivered the next
 *    time it runs). Its libOS chooses which frames to give back, unmaps
 *    and frees them (exo_frame_free); every frame it lets go of counts.
 * 3. If frames are still owed at the deadline, the kernel repossesses
 *    them: it picks frames T owns, outside T's guaranteed set, scanning the
 *    frame table from the highest frame number down, first those mapped
 *    nowhere, then mapped ones; it breaks every binding to each (T's
 *    mappings, every grant and the holders' mappings) and frees it,
 *    records (frame, va, time) in T's repossession vector, and owes T an
 *    upcall at EXO_ENTRY_REPOSSESS.
 * The same protocol serves disk blocks (exo_revoke_blocks): the request
 * is for blocks of T's disk owner, T frees the ones it chooses
 * (exo_block_free), and at the deadline the kernel takes the rest
 * (block_repossess in block.c). A frame taken from an env that registered
 * a swap area (exo_swap_register) is first written to its next swap block.
 * Every step is traced (trace.c).
 */
#include "kernel.h"
#include "arch/x86_64/lapic.h"
#include "block.h"
#include "env.h"
#include "grant.h"
#include "pmap.h"
#include "revoke.h"
#include "syscall.h"
#include "trace.h"
#include "uaccess.h"

#define PRESSURE_MIN_FRAMES  16
#define PRESSURE_DEADLINE_US 10000

unsigned nrevoking; /* [K] requests open, both kinds */

/* Trace event types per kind: request, complied, repossessed. */
static const uint32_t trace_req[RV_KINDS] = { EXO_TRACE_REVOKE_REQ, EXO_TRACE_BREVOKE_REQ };
static const uint32_t trace_done[RV_KINDS] = { EXO_TRACE_REVOKE_DONE, EXO_TRACE_BREVOKE_DONE };
static const uint32_t trace_repo[RV_KINDS] = { EXO_TRACE_REPOSSESS, EXO_TRACE_BREPOSSESS };

/* Open a request on t for n units of kind (RV_FRAMES, RV_BLOCKS), due
 * deadline_us from now. */
void revoke_start(struct env *t, unsigned kind, uint64_t n, uint64_t deadline_us)
{
	struct revoke_req *r = &t->rv[kind];
	if (!r->want)
		nrevoking++;
	r->want = n;
	r->asked = n;
	r->start = rdtsc();
	r->deadline = r->start + tsc_hz / 1000000 * deadline_us;
	r->slices = 0;
	r->owed = true;
	trace_event(trace_req[kind], t->id, n, r->deadline);
}

static void close_request(struct env *e, unsigned kind)
{
	e->rv[kind].want = 0;
	e->rv[kind].owed = false;
	nrevoking--;
}

/* e let go of one unit of kind it owned: it counts toward an open request. */
void revoke_credit(struct env *e, unsigned kind)
{
	struct revoke_req *r = &e->rv[kind];
	if (!r->want)
		return;
	if (--r->want == 0) {
		trace_event(trace_done[kind], e->id, r->asked, rdtsc() - r->start);
		close_request(e, kind);
	}
}

/* Add one record to e's repossession vector (dropping it, counted, when
 * the vector is full). */
static void record(struct env *e, uint32_t kind, uint64_t resource, uint64_t va, uint64_t saved)
{
	if (e->nrepo == EXO_REPO_RECORDS) {
		e->repo_lost++;
		return;
	}
	e->repo[e->nrepo++] = (struct exo_repo_rec){ .tsc = rdtsc(),
						     .resource = resource,
						     .va = va,
						     .kind = kind,
						     .saved = (uint32_t)saved };
}

void repo_record(struct env *e, uint32_t kind, uint64_t resource, uint64_t va)
{
	record(e, kind, resource, va, 0);
}

static bool guaranteed(const struct env *e, uint64_t fn)
{
	for (unsigned i = 0; i < EXO_GUARANTEED_FRAMES; i++)
		if (e->guaranteed[i] == fn)
			return true;
	return false;
}

/* Frames chosen for repossession, a batch at a time: the frame table's
 * scratch field (otherwise used only by the invariant checker, which never
 * runs at the same time: both hold the kernel lock) holds batch index + 1. */
#define TAKE_BATCH 512
static struct {
	uint64_t frame, va;
} batch[TAKE_BATCH];

static bool in_batch(uint64_t fn, uint64_t va, void *ctx)
{
	(void)ctx;
	if (fn >= frames.n || !frames.f[fn].scratch)
		return false;
	uint64_t *first = &batch[frames.f[fn].scratch - 1].va;
	if (!*first)
		*first = va;
	return true;
}

/* Take the n frames in batch from their owner e: one walk removes e's
 * own mappings of all of them; then each loses its grants (and the
 * holders' mappings), goes back to the free pool and is recorded. */
static void take_batch(struct env *e, unsigned n)
{
	pmap_unmap_where(e, in_batch, NULL);
	for (unsigned i = 0; i < n; i++) {
		uint64_t fn = batch[i].frame;
		struct frame *f = &frames.f[fn];
		f->scratch = 0;
		while (f->grant_head != GRANT_NONE)
			grant_revoke(f->grant_head);
		assert(f->refs == 0 && f->grants == 0);
		uint64_t saved = block_swap_out(e, fn);
		frame_release(&frames, fn);
		record(e, EXO_REPO_FRAME, fn, batch[i].va, saved);
	}
}

/* The abort protocol for frames: take what e still owes. Returns frames
 * taken. */
static uint64_t repossess_frames(struct env *e)
{
	uint64_t owed = e->rv[RV_FRAMES].want, taken = 0;
	/* Frames under DMA cannot change hands: let the disk finish first. */
	block_quiesce();
	for (int pass = 0; pass < 2 && taken < owed; pass++) {
		unsigned n = 0;
		for (uint64_t fn = frames.n; fn-- > 0 && taken + n < owed;) {
			struct frame *f = &frames.f[fn];
			if (f->owner != e->id || f->scratch || guaranteed(e, fn) ||
			    (pass == 0 && f->refs))
				continue;
			batch[n] = (typeof(batch[0])){ fn, 0 };
			f->scratch = (uint16_t)(n + 1);
			if (++n == TAKE_BATCH) {
				take_batch(e, n);
				taken += n;
				n = 0;
			}
		}
		take_batch(e, n);
		taken += n;
	}
	return taken;
}

/* The abort protocol: take what e still owes of kind, record it, owe e
 * the repossession upcall, close the request. */
static void repossess(struct env *e, unsigned kind)
{
	uint64_t taken =
		kind == RV_FRAMES ? repossess_frames(e) : block_repossess(e, e->rv[kind].want);
	trace_event(trace_repo[kind], e->id, taken, rdtsc() - e->rv[kind].start);
	e->repossess_owed += (uint32_t)taken;
	close_request(e, kind);
}

/* Each tick: count the running env's slices and repossess from every env
 * whose request has reached its deadline. */
void revoke_tick(struct env *running)
{
	if (running && running->home)
		running = running->home; /* a context's slices are its environment's */
	/* Slices count from the moment the env has been told (or, with no
	 * revocation entry, could have been): a request must not expire on
	 * slices the env spent before it heard of it. */
	for (unsigned k = 0; running && k < RV_KINDS; k++)
		if (running->rv[k].want && !running->rv[k].owed)
			running->rv[k].slices++;
	uint64_t now = rdtsc();
	for (unsigned i = 1; i < NENV && nrevoking; i++) {
		struct env *e = &envs[i];
		for (unsigned k = 0; k < RV_KINDS && e->status != EXO_ENV_FREE; k++) {
			struct revoke_req *r = &e->rv[k];
			if (r->want && (now >= r->deadline || r->slices >= EXO_REVOKE_MAX_SLICES))
				repossess(e, k);
		}
	}
}

/* e is being destroyed: its open requests go with it. */
void revoke_env_gone(struct env *e)
{
	for (unsigned k = 0; k < RV_KINDS; k++)
		if (e->rv[k].want)
			close_request(e, k);
}

/* Before e returns to ring 3: deliver the revocation and repossession
 * upcalls it is owed (an env without the entry point is simply not told:
 * the deadline still applies). */
void upcalls_deliver(struct env *e)
{
	if (e->home)
		return; /* revocation speaks to the environment's own context */
	static const uint64_t vector[RV_KINDS] = { EXO_UPCALL_REVOKE, EXO_UPCALL_REVOKE_BLOCKS };
	const struct entry_point *ep = &e->entry[EXO_ENTRY_REVOKE];
	for (unsigned k = 0; k < RV_KINDS; k++) {
		struct revoke_req *r = &e->rv[k];
		if (r->owed && r->want &&
		    (!ep->rip || upcall_push(e, ep, vector[k], r->want, r->deadline) == 0))
			r->owed = false; /* no room now: tried again next time it runs */
	}
	const struct entry_point *rp = &e->entry[EXO_ENTRY_REPOSSESS];
	if (e->repossess_owed && rp->rip &&
	    upcall_push(e, rp, EXO_UPCALL_REPOSSESS, e->repossess_owed, 0) == 0)
		e->repossess_owed = 0;
}

/*
 * No free frame for caller: ask the environment that owns the most frames
 * (not the caller) for PRESSURE_MIN_FRAMES or an eighth of what it has,
 * whichever is more, within PRESSURE_DEADLINE_US. Returns -EXO_EAGAIN when
 * a request is open (memory is on its way back), -EXO_ENOMEM otherwise.
 */
long revoke_pressure(struct env *caller)
{
	static uint64_t owned[NENV];
	memset(owned, 0, sizeof(owned));
	for (uint64_t fn = 0; fn < frames.n; fn++) {
		uint32_t o = frames.f[fn].owner;
		if (o != FRAME_FREE && o < FRAME_DMA)
			owned[o & (NENV - 1)]++;
	}
	struct env *victim = NULL;
	for (unsigned i = 1; i < NENV; i++)
		if (envs[i].status != EXO_ENV_FREE && &envs[i] != caller && !envs[i].dying &&
		    (!victim || owned[i] > owned[victim - envs]))
			victim = &envs[i];
	if (!victim || owned[victim - envs] == 0)
		return -EXO_ENOMEM;
	if (!victim->rv[RV_FRAMES].want) {
		uint64_t have = owned[victim - envs], n = have / 8;
		if (n < PRESSURE_MIN_FRAMES)
			n = PRESSURE_MIN_FRAMES;
		if (n > have)
			n = have;
		trace_event(EXO_TRACE_PRESSURE, victim->id, n, caller->id);
		revoke_start(victim, RV_FRAMES, n, PRESSURE_DEADLINE_US);
	}
	return -EXO_EAGAIN;
}

/* exo_revoke_request and exo_revoke_blocks: open a request of kind on
 * envid for n units (at most max), due deadline_us from now. */
static long request(unsigned kind, uint64_t envid, uint64_t n, uint64_t max, uint64_t deadline_us)
{
	if (!(me()->rights & EXO_RIGHT_REVOKE))
		return -EXO_EPERM;
	struct env *t = envid <= UINT32_MAX && envid ? env_lookup((uint32_t)envid) : NULL;
	if (!t)
		return -EXO_EBADENV;
	if (t->home)
		t = t->home; /* revocation speaks to the environment */
	if (n == 0 || n > max || deadline_us > (1ull << 40))
		return -EXO_EINVAL;
	if (t->rv[kind].want)
		return -EXO_EBUSY; /* one request of a kind at a time */
	revoke_start(t, kind, n, deadline_us);
	if (t->oncpu && t != self())
		lapic_ipi(cpus[t->oncpu - 1].apic_id, T_IPI_RESCHED); /* deliver it now */
	return 0;
}

long sys_revoke_request(uint64_t envid, uint64_t nframes, uint64_t deadline_us)
{
	return request(RV_FRAMES, envid, nframes, frames.n, deadline_us);
}

long sys_revoke_blocks(uint64_t envid, uint64_t nblocks, uint64_t deadline_us)
{
	return request(RV_BLOCKS, envid, nblocks, block_count(), deadline_us);
}

long sys_repossessed(struct exo_repo_rec *buf, uint64_t max)
{
	struct env *e = me();
	uint64_t n = e->nrepo < max ? e->nrepo : max;
	if (copy_to_user(e, (uint64_t)buf, e->repo, n * sizeof(*buf)) < 0)
		return -EXO_EFAULT;
	memmove(e->repo, e->repo + n, (e->nrepo - n) * sizeof(*buf));
	e->nrepo -= (uint32_t)n;
	return (long)n;
}

long sys_frame_guarantee(uint64_t frame, uint64_t on)
{
	struct env *e = me();
	if (on > 1 || frame == 0 || frame >= frames.n)
		return -EXO_EINVAL;
	if (!frame_owned_by(&frames, frame, e->id))
		return -EXO_EPERM;
	for (unsigned i = 0; i < EXO_GUARANTEED_FRAMES; i++)
		if (e->guaranteed[i] == frame) {
			if (!on)
				e->guaranteed[i] = 0;
			return 0;
		}
	if (!on)
		return 0;
	for (unsigned i = 0; i < EXO_GUARANTEED_FRAMES; i++)
		if (!e->guaranteed[i]) {
			e->guaranteed[i] = frame;
			return 0;
		}
	return -EXO_ERANGE;
}
