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
#include "grant.h"
#include "pmap.h"
#include "revoke.h"
#include "rights.h"
#include "syscall.h"
#include "uaccess.h"
#include "uaddr.h"

#include <exo/layout.h>

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

/* The env whose address space handle as names (EXO_AS_SELF or an env id),
 * if the caller controls it. */
static struct env *as_env(uint64_t as, long *err)
{
	return controlled_env(as, err);
}

/*
 * Check one map/protect of frame at va with perm into x's space on behalf
 * of the caller. Sets *grant when x needs the caller's right passed on.
 */
static long check_map(struct env *x, uint64_t va, uint64_t frame, uint64_t perm, bool *grant)
{
	if (!sb_user_page_ok(va) || !sb_perm_ok(perm) || frame >= frames.n)
		return -EXO_EINVAL;
	if (!sb_perm_within(perm, frame_rights(frame, me()->id)))
		return -EXO_EPERM;
	*grant = !sb_perm_within(perm, frame_rights(frame, x->id));
	return 0;
}

static long do_map(struct env *x, uint64_t va, uint64_t frame, uint64_t perm)
{
	bool grant;
	long r = check_map(x, va, frame, perm, &grant);
	if (r < 0)
		return r;
	if (grant && (r = grant_add(frame, x->id, me(), perm & RWX)) < 0)
		return r;
	return pmap_map(x, va, frame, perm);
}

/* The frame mapped at va in x, or -EXO_EINVAL if va is bad or unmapped. */
static int64_t mapped_frame(struct env *x, uint64_t va)
{
	if (!sb_user_page_ok(va))
		return -EXO_EINVAL;
	uint64_t *pte = pmap_lookup(x->pml4, va);
	return pte ? (int64_t)((*pte & PTE_ADDR) >> PAGE_SHIFT) : -EXO_EINVAL;
}

static long do_protect(struct env *x, uint64_t va, uint64_t perm)
{
	int64_t frame = mapped_frame(x, va);
	return frame < 0 ? frame : do_map(x, va, (uint64_t)frame, perm);
}

static long do_unmap(struct env *x, uint64_t va)
{
	return sb_user_page_ok(va) ? pmap_unmap(x, va) : -EXO_EINVAL;
}

long sys_page_map(uint64_t as, uint64_t va, uint64_t frame, uint64_t perm)
{
	long err;
	struct env *x = as_env(as, &err);
	return x ? do_map(x, va, frame, perm) : err;
}

long sys_page_unmap(uint64_t as, uint64_t va)
{
	long err;
	struct env *x = as_env(as, &err);
	return x ? do_unmap(x, va) : err;
}

long sys_page_protect(uint64_t as, uint64_t va, uint64_t perm)
{
	long err;
	struct env *x = as_env(as, &err);
	return x ? do_protect(x, va, perm) : err;
}

/* Check (apply = false) or carry out (apply = true) one batched op. */
static long batch_op(struct env *x, const struct exo_map_op *op, bool apply)
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
	long err;
	struct env *x = as_env(as, &err);
	if (!x)
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
				long r = batch_op(x, &chunk[k], apply);
				if (r < 0)
					return r;
			}
		}
	}
	return (long)count;
}
