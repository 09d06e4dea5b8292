/*
 * sys_mem.c - exokernel calls on physical frames and their secure
 * bindings into address spaces: allocate, free, grant, revoke, transfer,
 * map, unmap, protect, and the batched form of the last three (Xen's
 * mmu_update shape), which fork and shadow paging use.
 *
 * A mapping of frame f with permissions p in the address space of env X,
 * made by env C, needs: C controls X; C holds a right on f covering p
 * (owner, or a grant); and X holds one too — if it does not, C passes its
 * right on to X as a grant (so a parent can share its memory with a child
 * it builds, as fork does). docs/abi.md gives each call's errors.
 */
#include "kernel.h"
#include "block.h"
#include "gas.h"
#include "grant.h"
#include "pmap.h"
#include "revoke.h"
#include "rights.h"
#include "syscall.h"
#include "uaccess.h"
#include "uaddr.h"

#include <exo/layout.h>
#include <exo/vcpu.h>

#define RWX (EXO_PERM_R | EXO_PERM_W | EXO_PERM_X)
/* Ops copied in per step of a batch (kernel stack space). */
#define BATCH_CHUNK 32

/* Frames are cleared before they change hands, so no environment reads
 * another's data. */
long sys_frame_alloc(uint64_t frame, uint64_t flags)
{
	if (flags != 0)
		return -EXO_EINVAL;
	int64_t fn;
	if (frame == EXO_FRAME_ANY) {
		fn = frame_alloc_any(&frames, me()->id);
		if (fn < 0)
			return revoke_pressure(me()); /* -EXO_EAGAIN: memory is on its way back */
	} else {
		int r = frame_alloc_specific(&frames, frame, me()->id);
		if (r < 0)
			return r;
		fn = (int64_t)frame;
	}
	memset(phys_to_virt((uint64_t)fn << PAGE_SHIFT), 0, PAGE_SIZE);
	return fn;
}

long sys_frame_free(uint64_t frame)
{
	uint32_t my_id = me()->id;
	if (frame >= frames.n)
		return -EXO_EINVAL;
	struct frame *f = &frames.f[frame];
	if (f->owner == my_id) {
		if (f->owner_refs || frame_pinned(frame))
			return -EXO_EBUSY;
		if (f->grants)
			frame_pass_on(frame);
		else
			frame_release(&frames, frame);
		revoke_credit(me(), RV_FRAMES);
		for (unsigned i = 0; i < EXO_GUARANTEED_FRAMES; i++)
			if (me()->guaranteed[i] == frame)
				me()->guaranteed[i] = 0;
		return 0;
	}
	uint32_t g = grant_find(frame, my_id);
	if (g == GRANT_NONE)
		return -EXO_EPERM;
	if (grant_get(g)->refs)
		return -EXO_EBUSY;
	grant_remove(g);
	return 0;
}

long sys_frame_grant(uint64_t frame, uint64_t envid, uint64_t perm)
{
	if (frame >= frames.n || !sb_grant_perm_ok(perm))
		return -EXO_EINVAL;
	struct env *to = envid <= UINT32_MAX && envid ? env_lookup((uint32_t)envid) : NULL;
	if (!to)
		return -EXO_EBADENV;
	if (to == me())
		return -EXO_EINVAL;
	if (!sb_perm_within(perm, frame_rights(frame, me()->id)))
		return -EXO_EPERM;
	if (frames.f[frame].owner == to->id)
		return 0; /* owners hold every right already */
	return grant_add(frame, to->id, me(), (uint16_t)perm);
}

long sys_frame_revoke(uint64_t frame, uint64_t envid)
{
	if (frame >= frames.n || envid > UINT32_MAX)
		return -EXO_EINVAL;
	uint32_t g = grant_find(frame, (uint32_t)envid);
	if (g == GRANT_NONE || envid == 0)
		return -EXO_EINVAL;
	uint32_t my_id = me()->id;
	if (frames.f[frame].owner != my_id && grant_get(g)->issuer != my_id)
		return -EXO_EPERM;
	grant_revoke(g);
	return 0;
}

long sys_frame_transfer(uint64_t frame, uint64_t envid)
{
	if (frame >= frames.n)
		return -EXO_EINVAL;
	struct env *to = envid <= UINT32_MAX && envid ? env_lookup((uint32_t)envid) : NULL;
	if (!to)
		return -EXO_EBADENV;
	struct frame *f = &frames.f[frame];
	if (f->owner != me()->id)
		return -EXO_EPERM;
	if (f->owner_refs || frame_pinned(frame))
		return -EXO_EBUSY;
	if (to == me())
		return 0;
	uint32_t g = grant_find(frame, to->id);
	uint16_t refs = 0;
	if (g != GRANT_NONE) {
		refs = grant_get(g)->refs;
		grant_get(g)->refs = 0;
		grant_remove(g);
	}
	f->owner = to->id;
	f->owner_refs = refs;
	revoke_credit(me(), RV_FRAMES);
	for (unsigned i = 0; i < EXO_GUARANTEED_FRAMES; i++)
		if (me()->guaranteed[i] == frame)
			me()->guaranteed[i] = 0;
	return 0;
}

/* What an `as` argument names: an environment's own address space, or
 * one of the caller's guest address spaces (EXO_AS_GAS, gas.c). */
struct target {
	struct env *x; /* the environment whose space it is, or the table's owner */
	struct gas *g; /* NULL: x's own address space */
};

/* Resolve as for the caller: an env it controls (EXO_AS_SELF or an env
 * id), or a guest address space it owns (-EXO_EINVAL if stale). */
static long resolve(uint64_t as, struct target *t)
{
	long err = 0;
	if (as & EXO_AS_GAS_BIT) {
		t->x = me();
		t->g = gas_lookup(as & ~EXO_AS_GAS_BIT, me());
		return t->g ? 0 : -EXO_EINVAL;
	}
	t->g = NULL;
	t->x = controlled_env(as, &err);
	return t->x ? 0 : err;
}

static bool va_ok(const struct target *t, uint64_t va)
{
	return t->g ? gas_va_ok(t->g, va) : sb_user_page_ok(va);
}

/*
 * Check one map/protect of frame at va with perm into t on behalf of the
 * caller. Sets *grant when t's environment needs the caller's right
 * passed on (never for a guest address space: the caller owns it).
 */
static long check_map(const struct target *t, uint64_t va, uint64_t frame, uint64_t perm,
		      bool *grant)
{
	uint64_t p = t->g ? perm & ~(uint64_t)EXO_PERM_GUSER : perm;
	if (!va_ok(t, va) || !sb_perm_ok(p) || frame >= frames.n)
		return -EXO_EINVAL;
	if (!sb_perm_within(p, frame_rights(frame, me()->id)))
		return -EXO_EPERM;
	*grant = !sb_perm_within(p, frame_rights(frame, t->x->id));
	return 0;
}

static long do_map(const struct target *t, uint64_t va, uint64_t frame, uint64_t perm)
{
	bool grant;
	long r = check_map(t, va, frame, perm, &grant);
	if (r < 0)
		return r;
	if (grant && (r = grant_add(frame, t->x->id, me(), perm & RWX)) < 0)
		return r;
	return t->g ? gas_map(t->g, va, frame, perm) : pmap_map(t->x, va, frame, perm);
}

/* The frame mapped at va in t, or -EXO_EINVAL if va is bad or unmapped. */
static int64_t mapped_frame(const struct target *t, uint64_t va)
{
	if (!va_ok(t, va))
		return -EXO_EINVAL;
	uint64_t *pte = t->g ? gas_lookup_pte(t->g, va) : pmap_lookup(t->x->pml4, va);
	return pte ? (int64_t)((*pte & PTE_ADDR) >> PAGE_SHIFT) : -EXO_EINVAL;
}

static long do_protect(const struct target *t, uint64_t va, uint64_t perm)
{
	int64_t frame = mapped_frame(t, va);
	return frame < 0 ? frame : do_map(t, va, (uint64_t)frame, perm);
}

static long do_unmap(const struct target *t, uint64_t va)
{
	if (!va_ok(t, va))
		return -EXO_EINVAL;
	return t->g ? gas_unmap(t->g, va) : pmap_unmap(t->x, va);
}

long sys_page_map(uint64_t as, uint64_t va, uint64_t frame, uint64_t perm)
{
	struct target t;
	long err = resolve(as, &t);
	return err ? err : do_map(&t, va, frame, perm);
}

long sys_page_unmap(uint64_t as, uint64_t va)
{
	struct target t;
	long err = resolve(as, &t);
	return err ? err : do_unmap(&t, va);
}

long sys_page_protect(uint64_t as, uint64_t va, uint64_t perm)
{
	struct target t;
	long err = resolve(as, &t);
	return err ? err : do_protect(&t, va, perm);
}

/* Check (apply = false) or carry out (apply = true) one batched op. */
static long batch_op(const struct target *x, const struct exo_map_op *op, bool apply)
{
	bool grant;
	switch (op->kind) {
	case EXO_MAP_MAP:
		return apply ? do_map(x, op->va, op->frame, op->perm)
			     : check_map(x, op->va, op->frame, op->perm, &grant);
	case EXO_MAP_PROTECT: {
		if (apply)
			return do_protect(x, op->va, op->perm);
		int64_t frame = mapped_frame(x, op->va);
		return frame < 0 ? frame : check_map(x, op->va, (uint64_t)frame, op->perm, &grant);
	}
	case EXO_MAP_UNMAP:
		if (apply)
			return do_unmap(x, op->va);
		return mapped_frame(x, op->va) < 0 ? -EXO_EINVAL : 0;
	default:
		return -EXO_EINVAL;
	}
}

/*
 * Every op is checked before any is applied. A protect or unmap is checked
 * against the mappings as they are before the batch, so a batch may not
 * depend on its own earlier ops (map-then-protect of a new page fails).
 */
long sys_page_map_batch(uint64_t as, const struct exo_map_op *ops, uint64_t count)
{
	struct target t;
	long err = resolve(as, &t);
	if (err)
		return err;
	if (count > EXO_MAP_BATCH_MAX)
		return -EXO_ERANGE;
	struct exo_map_op chunk[BATCH_CHUNK];
	for (int apply = 0; apply < 2; apply++) {
		for (uint64_t i = 0; i < count; i += BATCH_CHUNK) {
			uint64_t n = count - i < BATCH_CHUNK ? count - i : BATCH_CHUNK;
			if (copy_from_user(self(), chunk, (uint64_t)(ops + i), n * sizeof(*ops)) <
			    0)
				return -EXO_EFAULT;
			for (uint64_t k = 0; k < n; k++) {
				long r = batch_op(&t, &chunk[k], apply);
				if (r < 0)
					return r;
			}
		}
	}
	return (long)count;
}
