/*
 * grant.c - grant records and the per-frame grant lists (grant.h).
 *
 * Records live in kernel pages allocated on demand and are recycled through
 * a free list; index 0 is never used, so GRANT_NONE (0) ends a list. A
 * record is charged to the environment whose call created it.
 */
#include "kernel.h"
#include "env.h"
#include "grant.h"
#include "pmap.h"

#include <exo/layout.h>

#define PER_PAGE  (PAGE_SIZE / sizeof(struct grant))
#define MAX_PAGES 4096 /* 512 Ki grants */

static struct grant *pages[MAX_PAGES]; /* [G] */
static unsigned npages;		       /* [G] */
static uint32_t free_list;	       /* [G] */

struct grant *grant_get(uint32_t idx)
{
	return &pages[idx / PER_PAGE][idx % PER_PAGE];
}

static uint32_t record_alloc(void)
{
	if (free_list == GRANT_NONE) {
		if (npages == MAX_PAGES)
			return GRANT_NONE;
		struct grant *p = kalloc_page();
		if (!p)
			return GRANT_NONE;
		pages[npages] = p;
		/* Slot 0 of page 0 stays unused so that index 0 means none. */
		for (unsigned i = PER_PAGE; i-- > (npages == 0 ? 1 : 0);) {
			p[i].next = free_list;
			free_list = npages * PER_PAGE + i;
		}
		npages++;
	}
	uint32_t idx = free_list;
	free_list = grant_get(idx)->next;
	return idx;
}

/* The grant on frame fn held by holder, or GRANT_NONE. */
uint32_t grant_find(uint64_t fn, uint32_t holder)
{
	for (uint32_t i = frames.f[fn].grant_head; i != GRANT_NONE; i = grant_get(i)->next)
		if (grant_get(i)->holder == holder)
			return i;
	return GRANT_NONE;
}

/*
 * Let holder map frame fn with perm (EXO_PERM_R/W/X), issued by issuer,
 * whose quota pays. An existing grant to the same holder is widened.
 * Returns 0, or -EXO_ENOMEM (no record, or the issuer's quota is spent).
 */
int grant_add(uint64_t fn, uint32_t holder, struct env *issuer, uint16_t perm)
{
	uint32_t idx = grant_find(fn, holder);
	if (idx != GRANT_NONE) {
		grant_get(idx)->perm |= perm;
		return 0;
	}
	if (kmem_charge(issuer, GRANT_BYTES) < 0)
		return -EXO_ENOMEM;
	idx = record_alloc();
	if (idx == GRANT_NONE) {
		kmem_uncharge(issuer->id, GRANT_BYTES);
		return -EXO_ENOMEM;
	}
	struct frame *f = &frames.f[fn];
	*grant_get(idx) = (struct grant){
		.frame = fn,
		.holder = holder,
		.issuer = issuer->id,
		.charged = issuer->id,
		.next = f->grant_head,
		.perm = perm,
	};
	f->grant_head = idx;
	f->grants++;
	return 0;
}

/* Unlink and free grant idx. The caller has removed its mappings. */
void grant_remove(uint32_t idx)
{
	struct grant *g = grant_get(idx);
	struct frame *f = &frames.f[g->frame];
	assert(g->refs == 0);
	uint32_t *link = &f->grant_head;
	while (*link != idx)
		link = &grant_get(*link)->next;
	*link = g->next;
	f->grants--;
	if (g->charged)
		kmem_uncharge(g->charged, GRANT_BYTES);
	g->holder = 0;
	g->next = free_list;
	free_list = idx;
}

/* What env may map frame fn with: all of R/W/X as owner, the grant's perm
 * as a holder, 0 otherwise. */
uint16_t frame_rights(uint64_t fn, uint32_t env)
{
	if (fn >= frames.n)
		return 0;
	if (frames.f[fn].owner == env)
		return EXO_PERM_R | EXO_PERM_W | EXO_PERM_X;
	uint32_t idx = grant_find(fn, env);
	return idx == GRANT_NONE ? 0 : grant_get(idx)->perm;
}

/* Count one mapping more (delta 1) or less (-1) of frame fn in env's
 * address space, on the frame and on the right it was made under. */
void frame_ref(uint64_t fn, uint32_t env, int delta)
{
	struct frame *f = &frames.f[fn];
	f->refs += delta;
	if (f->owner == env) {
		f->owner_refs += delta;
		return;
	}
	uint32_t idx = grant_find(fn, env);
	assert(idx != GRANT_NONE);
	grant_get(idx)->refs += delta;
}

/*
 * Env id is being destroyed and holds no mappings any more: drop the
 * grants it holds, make the grants it issued issued by nobody (only their
 * frame's owner can revoke them now), and stop charging it for records.
 */
void grant_forget_env(uint32_t id)
{
	for (uint32_t i = 1; i < npages * PER_PAGE; i++) {
		struct grant *g = grant_get(i);
		if (!g->holder)
			continue;
		if (g->issuer == id)
			g->issuer = 0;
		if (g->charged == id)
			g->charged = 0;
		if (g->holder == id)
			grant_remove(i);
	}
}

/*
 * Frame fn's owner lets go of it while others hold grants: the holder that
 * maps it most becomes the owner (its grant record goes; its mappings now
 * count as the owner's). The old owner must not map it itself.
 */
void frame_pass_on(uint64_t fn)
{
	struct frame *f = &frames.f[fn];
	assert(f->grants > 0 && f->owner_refs == 0);
	uint32_t heir = f->grant_head;
	for (uint32_t g = f->grant_head; g != GRANT_NONE; g = grant_get(g)->next)
		if (grant_get(g)->refs > grant_get(heir)->refs)
			heir = g;
	struct grant *h = grant_get(heir);
	f->owner = h->holder;
	f->owner_refs = h->refs;
	h->refs = 0;
	grant_remove(heir);
}

/*
 * Revoke grant idx and every grant on the same frame that was passed on
 * from it (issued by its holder, or by theirs, ...): each holder loses its
 * mappings of the frame at once, then the records go. Iterative, so a long
 * chain of holders cannot exhaust the kernel stack. Returns how many
 * grants were revoked.
 */
unsigned grant_revoke(uint32_t idx)
{
	uint64_t fn = grant_get(idx)->frame;
	struct frame *f = &frames.f[fn];
	grant_get(idx)->pad = 1; /* mark */
	for (bool more = true; more;) {
		more = false;
		for (uint32_t g = f->grant_head; g != GRANT_NONE; g = grant_get(g)->next) {
			struct grant *r = grant_get(g);
			if (r->pad || !r->issuer)
				continue;
			uint32_t by = grant_find(fn, r->issuer);
			if (by != GRANT_NONE && grant_get(by)->pad) {
				r->pad = 1;
				more = true;
			}
		}
	}
	unsigned n = 0;
	for (uint32_t g = f->grant_head, next; g != GRANT_NONE; g = next) {
		struct grant *r = grant_get(g);
		next = r->next;
		if (!r->pad)
			continue;
		if (r->refs)
			pmap_unmap_frame(env_lookup(r->holder), fn);
		r->pad = 0;
		grant_remove(g);
		n++;
	}
	return n;
}
