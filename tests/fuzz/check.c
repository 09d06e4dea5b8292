/*
 * check.c - what the fuzzer concludes from each result: the attacker's
 * own bookkeeping (frames, children, slots, entry points) and the oracles,
 * the results that would mean the kernel is wrong:
 *
 *   - a result outside the closed error set, or a wrong one where the
 *     answer is fixed (null, env_id, unknown numbers, calls we lack the
 *     right for, the invariant checker);
 *   - any success against the victim that no right of ours allows:
 *     destroying, stopping, reading or setting its registers or entries,
 *     mapping into its address space, taking its rights or its frames,
 *     mapping, passing on or freeing its frames beyond the read-only
 *     grants it gave us;
 *   - a mapping in our own space that does not read back from the
 *     page-table window exactly as asked (frame, W, NX, USER0);
 *   - a frame allocated to us that the frame table does not show as ours,
 *     a child the environment table does not show as ours;
 *   - for the disk calls, a result the model of the disk (disk.c) does not
 *     allow: a success against the victim's blocks or grants, a block or
 *     owner slot given twice, an error no failing check explains.
 */
#include "fuzz.h"

#define RW (EXO_PERM_R | EXO_PERM_W)

void fz_pool_add(uint64_t frame)
{
	for (unsigned i = 0; i < FZ_POOL; i++)
		if (!fz.pool[i]) {
			fz.pool[i] = frame;
			return;
		}
	if (exo_frame_free(frame) < 0) /* the pool is full: give it back at once */
		fz_fail("cannot free frame %#llx just allocated", (unsigned long long)frame);
}

void fz_pool_del(uint64_t frame)
{
	for (unsigned i = 0; i < FZ_POOL; i++)
		if (fz.pool[i] == frame)
			fz.pool[i] = 0;
}

/* One of our frames, from position r on; any frame if we have none. */
uint64_t fz_pool_pick(uint64_t r)
{
	for (unsigned i = 0; i < FZ_POOL; i++) {
		uint64_t f = fz.pool[(r + i) % FZ_POOL];
		if (f)
			return f;
	}
	return r % fz.nframes;
}

/*
 * Frames reach us without an allocation: a kamikaze's frames pass to us
 * when it dies holding grants we hold, and it transfers some to us; and
 * the victim gives back the ones we gave it. Take the unmapped ones into
 * the pool, or free them, so that long runs do not run the machine out of
 * frames (memory pressure would start revocation against the victim).
 */
void fz_reclaim(void)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	for (uint64_t i = 0; i < fz.nframes; i++) {
		if (ft[i].owner != fz.me || ft[i].owner_refs || fz_infra(i))
			continue;
		bool pooled = false;
		for (unsigned k = 0; k < FZ_POOL && !pooled; k++)
			pooled = fz.pool[k] == i;
		if (!pooled) {
			fz_pool_add(i);
			fz.reclaimed++;
		}
	}
}

static void forget_child(int i)
{
	for (unsigned k = FZ_STALE - 1; k > 0; k--)
		fz.stale[k] = fz.stale[k - 1];
	fz.stale[0] = fz.child[i];
	fz.child[i] = 0;
	fz.child_pct[i] = false;
	fz.child_spins[i] = false;
}

/*
 * Children die on their own (a fault with no handler): forget them. A
 * child still runnable since the last sweep is looping through its own
 * exception upcalls (its handler faults, and past 64 KiB of stack the
 * kernel starts the frames at the top again, as documented): it would eat
 * the CPUs for the rest of the run, so it is destroyed, as a libOS would.
 */
void fz_sweep_children(void)
{
	for (int i = 0; i < FZ_CHILDREN; i++) {
		const volatile struct exo_env_info *e = exo_env_info(fz.child[i]);
		if (fz.child[i] && !e) {
			forget_child(i);
		} else if (e && e->status == EXO_ENV_RUNNABLE && fz.child_spins[i]) {
			long r = exo_env_destroy(fz.child[i]);
			if (r < 0 && r != -EXO_EBADENV) /* EBADENV: it just died */
				fz_fail("cannot destroy spinning child %#llx: %s",
					(unsigned long long)fz.child[i], fz_err_name(r));
			forget_child(i);
			fz.spinners++;
		} else if (e) {
			fz.child_spins[i] = e->status == EXO_ENV_RUNNABLE;
		}
	}
}

static void expect_pte(uint64_t va, uint64_t frame, uint64_t perm, bool check_frame)
{
	uint64_t pte = exo_uvpt_pte(va);
	bool ok = (pte & EXO_PTE_P) && (!check_frame || EXO_PTE_FRAME(pte) == frame) &&
		  !!(pte & EXO_PTE_W) == !!(perm & EXO_PERM_W) &&
		  !!(pte & EXO_PTE_NX) == !(perm & EXO_PERM_X) &&
		  !!(pte & EXO_PTE_USER0) == !!(perm & EXO_PERM_USER0);
	if (!ok)
		fz_fail("the PTE of %#llx is %#llx after mapping frame %#llx with perm %#llx",
			(unsigned long long)va, (unsigned long long)pte, (unsigned long long)frame,
			(unsigned long long)perm);
}

/* A mapping of the victim's frame succeeded: only our read-only grant
 * allows one. */
static void expect_vframe_ro(uint64_t frame, uint64_t perm, const char *what)
{
	if (fz_vf_index(frame) < 0)
		return;
	if (!fz_vg_held(frame) || (perm & (EXO_PERM_W | EXO_PERM_X)))
		fz_fail("%s of the victim's frame %#llx with perm %#llx succeeded", what,
			(unsigned long long)frame, (unsigned long long)perm);
}

static bool is_victim(uint64_t id)
{
	return id == fz.victim;
}

/* Put our own entry points back after a successful exo_env_set_entry. */
static void restore_entry(uint64_t which)
{
	long r = which == EXO_ENTRY_EXCEPTION
			 ? exo_env_set_entry(EXO_ENV_SELF, which, (uint64_t)test_upcall_entry,
					     FZ_XTOP)
			 : exo_env_set_entry(EXO_ENV_SELF, which, 0, 0);
	if (r < 0)
		fz_fail("cannot restore entry %llu: %ld", (unsigned long long)which, r);
}

static void after_alloc(const uint64_t *a, long r)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	if ((uint64_t)r >= fz.nframes || ft[r].owner != fz.me ||
	    (a[0] != EXO_FRAME_ANY && (uint64_t)r != a[0]))
		fz_fail("exo_frame_alloc(%#llx) gave frame %#lx, owner %#x",
			(unsigned long long)a[0], r, (uint64_t)r < fz.nframes ? ft[r].owner : 0);
	if (fz_vf_index((uint64_t)r) >= 0)
		fz_fail("exo_frame_alloc gave us the victim's frame %#lx", r);
	fz_pool_add((uint64_t)r);
}

static void after_create(long r)
{
	const volatile struct exo_env_info *e = exo_env_info((uint64_t)r);
	if (!e || e->parent != fz.me)
		fz_fail("exo_env_create gave %#lx, which the env table does not show as our child",
			r);
	for (int i = 0; i < FZ_CHILDREN; i++)
		if (!fz.child[i]) {
			fz.child[i] = (uint64_t)r;
			return;
		}
	if (exo_env_destroy((uint64_t)r) < 0) /* enough children already */
		fz_fail("cannot destroy child %#lx", r);
}

static void after_batch(const struct fz_call *c, long r)
{
	const struct exo_map_op *ops = (const struct exo_map_op *)c->a[1];
	if ((uint64_t)r != c->a[2])
		fz_fail("exo_page_map_batch returned %ld for %llu ops", r,
			(unsigned long long)c->a[2]);
	if (r && is_victim(c->a[0]))
		fz_fail("a batch was applied to the victim's address space");
	for (long i = 0; i < r && c->a[1] != 0 && i < EXO_MAP_BATCH_MAX; i++)
		if (ops[i].kind == EXO_MAP_MAP)
			expect_vframe_ro(ops[i].frame, ops[i].perm, "a batched mapping");
}

static void after_slice(long r)
{
	for (unsigned i = 0; i < FZ_SLOTS; i++)
		if (!fz.slots[i]) {
			fz.slots[i] = (uint64_t)r + 1;
			return;
		}
	if (exo_slice_free((uint64_t)r) < 0)
		fz_fail("cannot free slot %#lx just allocated", r);
}

void fz_after(const struct fz_call *c, long r)
{
	const uint64_t *a = c->a;
	if (r < 0 && -r >= EXO_NERRORS)
		fz_fail("%s returned %ld, outside the error set", fz_call_name(c->row), r);
	switch (c->row) {
	case FZ_BADNR:
		if (r != -EXO_ENOSYS)
			fz_fail("call number %#llx returned %ld", (unsigned long long)c->nr, r);
		break;
	case 0:
		if (r != 0)
			fz_fail("exo_null returned %ld", r);
		break;
	case 3:
		if ((uint64_t)r != fz.me)
			fz_fail("exo_env_id returned %#lx", r);
		break;
	case 4:
		if (r == 0 && is_victim(a[0]))
			fz_fail("destroyed the victim");
		if (r == 0 && fz_child_index(a[0]) >= 0)
			forget_child(fz_child_index(a[0]));
		if (r == 0 && a[0] == fz.kamikaze)
			fz.kz_killed = true;
		break;
	case 5:
		if (r >= 0)
			after_alloc(a, r);
		break;
	case 6:
		if (r == 0 && fz_vf_index(a[0]) >= 0) {
			if (!fz_vg_held(a[0]))
				fz_fail("freed the victim's frame %#llx", (unsigned long long)a[0]);
			for (unsigned i = 0; i < fz.nvg; i++)
				if (fz.vg[i] == a[0])
					fz.vg_dropped[i] = true;
		}
		if (r == 0)
			fz_pool_del(a[0]);
		break;
	case 7:
		if (r == 0 && is_victim(a[0]))
			fz_fail("mapped into the victim's address space");
		if (r == 0)
			expect_vframe_ro(a[2], a[3], "a mapping");
		if (r == 0 && fz_is_self(a[0]))
			expect_pte(a[1], a[2], a[3], true);
		break;
	case 8:
		if (r == 0 && is_victim(a[0]))
			fz_fail("unmapped a page of the victim");
		if (r == 0 && fz_is_self(a[0]) && exo_uvpt_pte(a[1]))
			fz_fail("%#llx still mapped after exo_page_unmap",
				(unsigned long long)a[1]);
		break;
	case 10:
		if (r != -EXO_EINVAL)
			fz_fail("exo_debug_exit(%#llx) returned %ld", (unsigned long long)a[0], r);
		break;
	case 11:
		if (r != 0)
			fz_fail("exo_invariant_check found %ld violations", r);
		break;
	case 12:
		if (r >= 0)
			after_create(r);
		break;
	case 13:
	case 14:
	case 15:
	case 17:
	case 18:
		if (r == 0 && is_victim(a[0]))
			fz_fail("%s on the victim succeeded", fz_call_name(c->row));
		break;
	case 16:
		if (r == 0 && is_victim(a[0]))
			fz_fail("set an entry point of the victim");
		if (r == 0 && fz_is_self(a[0]))
			restore_entry(a[1]);
		if (r == 0 && fz_child_index(a[0]) >= 0 && a[1] == EXO_ENTRY_PCT)
			fz.child_pct[fz_child_index(a[0])] = true;
		break;
	case 19:
		if (r == 0 && fz_vf_index(a[0]) >= 0 && !is_victim(a[1]))
			expect_vframe_ro(a[0], a[2], "passing on a grant");
		break;
	case 20:
		if (r == 0 && fz_vf_index(a[0]) >= 0 && is_victim(a[1]))
			fz_fail("revoked a grant the victim holds on its own frame");
		break;
	case 21:
		if (r == 0 && fz_vf_index(a[0]) >= 0)
			fz_fail("transferred the victim's frame %#llx", (unsigned long long)a[0]);
		if (r == 0 && !fz_is_self(a[1]))
			fz_pool_del(a[0]);
		break;
	case 22:
		if (r == 0 && is_victim(a[0]))
			fz_fail("re-protected a page of the victim");
		if (r == 0 && fz_is_self(a[0]))
			expect_pte(a[1], 0, a[2], false);
		break;
	case 23:
		if (r >= 0)
			after_batch(c, r);
		break;
	case 24:
	case 25:
		if (r == 0 && a[5])
			expect_vframe_ro(a[5] >> 12, a[5] & 0xfff, "a PCT grant");
		break;
	case 26:
	case 28:
		if (r != -EXO_EINVAL) /* we never serve a PCT, nor have a PCT entry */
			fz_fail("%s returned %ld", fz_call_name(c->row), r);
		break;
	case 30:
		if (r >= 0)
			after_slice(r);
		break;
	case 31:
		for (unsigned i = 0; r == 0 && i < FZ_SLOTS; i++)
			if (fz.slots[i] == a[0] + 1)
				fz.slots[i] = 0;
		break;
	case 37:
		if (r >= 0 && a[0] != (uint64_t)fz_ctx_main)
			fz_fail("a context at %#llx, stack %#llx, was made",
				(unsigned long long)a[0], (unsigned long long)a[1]);
		if (r >= 0)
			fz.ctx = fz_ctx_id = (uint64_t)r; /* it destroys itself once it sees this */
		break;
	case 38 ... 48:		     /* the disk calls, block revocation, swap areas, retype */
		fz_disk_after(c, r); /* against the model of the disk */
		break;
	case 49 ... 53: /* guest contexts */
		fz_guest_after(c, r);
		break;
	case 33:
	case 36:
		if (r != -EXO_EPERM) /* we hold neither REVOKE nor TRACE */
			fz_fail("%s returned %ld without the right", fz_call_name(c->row), r);
		break;
	default:
		break;
	}
}
