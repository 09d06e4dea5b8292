/*
 * shadow.c - shadow paging with write-protected guest page tables and a
 * cache of shadow tables across CR3 switches (KVM's shadow MMU), built on
 * the fault-driven fill of NOVA's vTLB (Steinberg and Kauer, EuroSys'10),
 * in kernel guest address spaces (exo/vcpu.h).
 *
 * Fill: a shadow table starts empty. A #PF intercept walks the guest's
 * own tables (gwalk.c): if the guest would fault, it gets the #PF with the
 * error code the hardware would give; otherwise the translation goes into
 * the shadow table, 4 KiB at a time whatever the guest page size, with
 * write permission only once the guest's dirty bit is set (so D bits stay
 * exact), and the guest entries the walk read are recorded
 * (shadow_rmap.c).
 *
 * Coherence: every guest page a fill walked through is a page table; it
 * is write-protected in every cached table (entries mapping it lose W; new
 * ones are made without W). A guest write to it then faults; the write is
 * emulated (cpu.c, emu/) and the shadow entries derived through the
 * entries it wrote are dropped, in every cached table. So a shadow entry
 * always agrees with the guest's tables, and the tables can be kept across
 * CR3 writes: each vCPU caches SH_ROOTS of them, one per guest CR3 (the
 * least recently used goes). A page written SH_FLOOD times with no fill
 * through it in between is probably no longer a page table (KVM's write-
 * flood heuristic): it stops being protected, every entry derived through
 * it is dropped, and the guest's next write to it is not intercepted. The
 * fill protects it again if it walks through it once more.
 *
 * Several vCPUs: each has its own cache of tables (as each CPU has its own
 * TLB, so INVLPG and CR3 writes stay per vCPU), but the protection is the
 * VM's: a page some vCPU derived entries through is mapped read-only in
 * every vCPU's tables, and an emulated write to it drops the entries
 * derived through it in every vCPU's tables. A vCPU running in its guest
 * while another changes its tables is stopped by the kernel first (a
 * narrowed mapping, exo/vcpu.h).
 *
 * INVLPG still drops the page's entries (all 4 KiB pieces of a large page)
 * in the current table, as a TLB may; what it must achieve has already
 * happened. A paging-mode change, and a change of CR0.WP/PE, CR4.PGE, PSE,
 * SMEP, SMAP or EFER.NXE (cpu.c), drop every cached table: each was made
 * under rules that no longer hold.
 *
 * Formats: a long-mode guest runs on 4-level tables; a 32-bit or PAE guest
 * on PAE tables (as KVM does). Paging off and real mode use one identity
 * table that maps all guest RAM (paged real mode, AMD APM vol. 2 §15.19),
 * kept for the life of the VM and outside the cache.
 *
 * CR0.WP = 0: the hardware always runs with WP on; a supervisor write to
 * a page the guest maps read-only gets a shadow entry that is writable but
 * supervisor-only, so a later user access faults and is shadowed afresh
 * (KVM's technique).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>

#include "vm_int.h"

/* Emulated writes to a page table, with no fill through it in between,
 * after which it is left unprotected. */
#define SH_FLOOD 4
/* vm -check: check at one exit in SH_CHECK_EVERY, chosen at random. */
#define SH_CHECK_EVERY 16

static struct srmap *map_of(struct vcpu *c)
{
	return c->sh.map;
}

/* ---- kernel calls for many entries at once */

static void ops_flush(struct vcpu *c)
{
	struct shadow *sh = &c->sh;
	if (!sh->nops)
		return;
	long e = exo_page_map_batch(EXO_AS_GAS(sh->root[sh->ops_root].gas), sh->ops, sh->nops);
	if (e < 0)
		vm_end(c->vm, VM_EXIT_VMM_ERROR, "shadow table update failed: error %ld", -e);
	sh->nops = 0;
}

/* Unmap (kind EXO_MAP_UNMAP) or re-protect gva in cached table root. The
 * batch goes to the kernel before the call that queued it returns. */
static void op(struct vcpu *c, unsigned root, uint32_t kind, uint64_t gva, uint32_t perm)
{
	struct shadow *sh = &c->sh;
	if (sh->nops && (sh->ops_root != (int)root || sh->nops == SH_OPS))
		ops_flush(c);
	sh->ops_root = (int)root;
	sh->ops[sh->nops++] = (struct exo_map_op){ .va = gva, .perm = perm, .kind = kind };
}

/* ---- the cache of shadow tables */

/* Set up the shadow MMU of vCPU c (shadow mode): no table cached yet.
 * Returns 0 or -EXO_ENOMEM (the records, about 4 MiB). */
int shadow_init(struct vcpu *c)
{
	c->sh.map = sr_create();
	if (!c->sh.map)
		return -EXO_ENOMEM;
	c->sh.cur = -1;
	c->sh.mode = GM_OFF;
	c->sh.rng = 0x9e3779b97f4a7c15ull ^ c->id;
	return 0;
}

static void drop_rec(struct vcpu *c, uint32_t i)
{
	const struct srec *r = &map_of(c)->rec[i];
	op(c, r->root, EXO_MAP_UNMAP, r->gva, 0);
	sr_del(map_of(c), i);
}

/* Drop cached table r with all its entries (the kernel frees them). */
static void root_drop(struct vcpu *c, unsigned r)
{
	struct shadow *sh = &c->sh;
	struct srmap *m = map_of(c);
	if (!sh->root[r].gas)
		return;
	ops_flush(c);
	while (m->root_head[r] != SR_NIL)
		sr_del(m, m->root_head[r]);
	exo_gas_destroy(sh->root[r].gas);
	sh->root[r].gas = 0;
	if (sh->cur == (int)r)
		sh->cur = -1;
}

static void drop_all(struct vcpu *c)
{
	for (unsigned r = 0; r < SH_ROOTS; r++)
		root_drop(c, r);
	c->sh.st.flushes++;
}

/* Give back every cached table and the records (VM teardown). */
void shadow_fini(struct vcpu *c)
{
	if (!c->sh.map)
		return;
	c->sh.nops = 0;
	drop_all(c);
	sr_destroy(c->sh.map);
	c->sh.map = NULL;
}

/*
 * Drop every cached table (a TLB flush in NOVA's terms). For changes of
 * the rules a translation is made under (cpu.c), and with vm -check the
 * emptiness is checked.
 */
void shadow_flush(struct vcpu *c)
{
	if (!c->sh.map)
		return;
	drop_all(c);
	shadow_check(c);
}

/* Make room for a table: the least recently used other one goes. Returns
 * false if only the current table is left. */
static bool evict(struct vcpu *c)
{
	struct shadow *sh = &c->sh;
	int lru = -1;
	for (unsigned r = 0; r < SH_ROOTS; r++)
		if (sh->root[r].gas && (int)r != sh->cur &&
		    (lru < 0 || sh->root[r].used < sh->root[lru].used))
			lru = (int)r;
	if (lru < 0)
		return false;
	root_drop(c, (unsigned)lru);
	sh->st.evictions++;
	return true;
}

/* The cached table for the guest's CR3, made if missing; -1 if the VM
 * has ended. */
static int cur_root(struct vcpu *c)
{
	struct shadow *sh = &c->sh;
	if (sh->cur >= 0)
		return sh->cur;
	uint64_t cr3 = gwalk_root(c);
	int r = -1;
	for (unsigned i = 0; i < SH_ROOTS && r < 0; i++)
		if (sh->root[i].gas && sh->root[i].cr3 == cr3)
			r = (int)i;
	if (r >= 0) {
		sh->st.root_hits++;
	} else {
		for (unsigned i = 0; i < SH_ROOTS && r < 0; i++)
			if (!sh->root[i].gas)
				r = (int)i;
		if (r < 0) {
			evict(c);
			return cur_root(c);
		}
		long h = exo_gas_create(sh->mode == GM_LONG ? EXO_GAS_LONG4 : EXO_GAS_PAE);
		if (h < 0) {
			vm_end(c->vm, VM_EXIT_VMM_ERROR,
			       "cannot make a shadow page table: error %ld", -h);
			return -1;
		}
		sh->root[r] = (struct sroot){ .gas = (uint64_t)h, .cr3 = cr3 };
		sh->st.root_new++;
	}
	sh->root[r].used = ++sh->clock;
	sh->cur = r;
	return r;
}

/* Before each VMRUN: the table the guest must run on for its mode and
 * CR3 (a mode change first drops every cached table). */
uint64_t shadow_table(struct vcpu *c)
{
	enum gmode m = guest_mode(c);
	if (m != c->sh.mode) {
		shadow_flush(c);
		c->sh.mode = m;
	}
	if (m == GM_OFF)
		return c->vm->gas_phys;
	int r = cur_root(c);
	return r < 0 ? c->vm->gas_phys : c->sh.root[r].gas;
}

/* A guest CR3 write: the next run picks the table of the new CR3 (the
 * cache is coherent, so the architectural TLB flush needs nothing more). */
void shadow_set_cr3(struct vcpu *c)
{
	c->sh.cur = -1;
	shadow_check(c);
}

/* ---- write protection */

/* Drop the entries derived through bytes [off, off + len) of table page
 * gpa (entries of esize bytes), in cached table root or, with root -1, in
 * every one. */
static void drop_through(struct vcpu *c, uint64_t gpa, unsigned off, unsigned len, unsigned esize,
			 int root)
{
	struct srmap *m = map_of(c);
	struct gpage *g = sr_page(m, gpa);
	if (!g)
		return;
	/* Dropping a record may free g; only the saved next link is used
	 * after it, and a record's own links keep their old successors. */
	for (uint32_t ref = g->walk, next; ref != SR_NIL; ref = next) {
		uint32_t i = ref >> 2;
		unsigned eo = m->rec[i].off[ref & 3];
		next = sr_walk_next(m, ref);
		if (eo >= off + len || off >= eo + esize || (root >= 0 && m->rec[i].root != root))
			continue;
		while (next != SR_NIL && next >> 2 == i)
			next = sr_walk_next(m, next);
		drop_rec(c, i);
	}
}

/* Stop protecting page table gpa: nothing is derived through it any more. */
static void unprotect(struct vcpu *c, uint64_t gpa)
{
	drop_through(c, gpa, 0, PAGE, PAGE, -1);
}

/* Is guest page gpa a page table some vCPU derived entries through? */
static bool table_anywhere(const struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->cpu[i].sh.map && sr_is_table(vm->cpu[i].sh.map, gpa))
			return true;
	return false;
}

/* unprotect in every vCPU's tables. */
static void unprotect_all(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->cpu[i].sh.map) {
			unprotect(&vm->cpu[i], gpa);
			ops_flush(&vm->cpu[i]);
		}
}

/* Page gpa has just become a page table: no cached table may map it
 * writable any more. */
static void protect(struct vcpu *c, uint64_t gpa)
{
	struct srmap *m = map_of(c);
	struct gpage *g = sr_page(m, gpa);
	for (uint32_t i = g ? g->map : SR_NIL; i != SR_NIL; i = m->rec[i].map.next) {
		struct srec *r = &m->rec[i];
		if (!(r->perm & EXO_PERM_W))
			continue;
		r->perm &= ~(uint32_t)EXO_PERM_W;
		op(c, r->root, EXO_MAP_PROTECT, r->gva, r->perm);
	}
}

/* shadow_write for one vCPU's tables; esize: the writer's entry size. */
static void write_one(struct vcpu *c, uint64_t gpa, uint64_t len, unsigned esize)
{
	struct srmap *m = map_of(c);
	uint64_t page = gpa & ~(PAGE - 1);
	if (!m || !sr_is_table(m, page))
		return;
	c->sh.st.pt_writes++;
	drop_through(c, page, (unsigned)(gpa - page), (unsigned)len, esize, -1);
	struct gpage *g = sr_page(m, page);
	if (g && g->walk != SR_NIL && ++g->writes >= SH_FLOOD) {
		unprotect(c, page);
		c->sh.st.unprotects++;
	}
	ops_flush(c);
}

/*
 * The instruction emulator (cpu.c) or a device wrote len bytes at gpa of
 * guest RAM. If that is a protected page table, drop the shadow entries
 * derived through the entries written, in every cached table of every
 * vCPU, and count the write towards a flood.
 */
void shadow_write(struct vcpu *c, uint64_t gpa, uint64_t len)
{
	unsigned esize = guest_mode(c) == GM_32 ? 4 : 8;
	for (unsigned i = 0; i < c->vm->ncpus; i++)
		write_one(&c->vm->cpu[i], gpa, len, esize);
}

static void forget_one(struct vcpu *c, uint64_t gpa)
{
	struct srmap *m = map_of(c);
	if (!m)
		return;
	gpa &= ~(PAGE - 1);
	unprotect(c, gpa);
	struct gpage *g;
	while ((g = sr_page(m, gpa)) && g->map != SR_NIL)
		drop_rec(c, g->map);
	ops_flush(c);
}

/*
 * Guest page gpa is about to lose its frame (mem.c, zero-page
 * reclamation): no cached table of any vCPU may map it, nor hold entries
 * derived through it.
 */
void shadow_forget(struct vcpu *c, uint64_t gpa)
{
	for (unsigned i = 0; i < c->vm->ncpus; i++)
		forget_one(&c->vm->cpu[i], gpa);
}

/* A guest write to protected page table gpa faulted: emulate it (its
 * effect on the shadow is shadow_write's). */
static void pt_write_fault(struct vcpu *c, uint64_t gpa)
{
	/* A fault while delivering an event (its stack frame lands on a
	 * page table) is no instruction's: stop protecting the page and let
	 * the delivery be retried, as with an instruction we cannot emulate
	 * (KVM's unprotect-and-retry). */
	if ((c->st->vmcb.control.exit_int_info & VMCB_EVT_V) || cpu_emulate_try(c) == 0) {
		unprotect_all(c->vm, gpa);
		c->sh.st.unprotects++;
	}
}

/* ---- fill */

static uint64_t shadow_perm(const struct vcpu *c, const struct gwalk *w, uint32_t pfec)
{
	uint64_t perm = EXO_PERM_R;
	if (!w->nx)
		perm |= EXO_PERM_X;
	if (w->u)
		perm |= EXO_PERM_GUSER;
	if (w->w && w->dirty)
		perm |= EXO_PERM_W;
	if (!w->w && (pfec & PFEC_W) && !(pfec & PFEC_U) && !(c->cr0 & X86_CR0_WP))
		perm = (perm | EXO_PERM_W) & ~(uint64_t)EXO_PERM_GUSER;
	return perm;
}

/* Shadow gva -> w in the current table for an access with error code pfec. */
static void fill(struct vcpu *c, uint64_t gva, uint32_t pfec, const struct gwalk *w)
{
	struct vm *vm = c->vm;
	struct srmap *m = map_of(c);
	uint64_t page = gva & ~(PAGE - 1), gpa = w->gpa & ~(PAGE - 1);
	while (!sr_room(m))
		if (!evict(c))
			drop_all(c); /* a TLB may drop anything */
	int r = cur_root(c);
	if (r < 0 || mem_touch(vm, gpa) < 0)
		return;
	uint32_t old = sr_find(m, (unsigned)r, page);
	if (old != SR_NIL)
		sr_del(m, old); /* the new entry replaces it */
	/* The table pages that become page tables now; and whether the
	 * target is (or becomes) one. */
	uint64_t fresh[4];
	unsigned nfresh = 0;
	bool target_pt = table_anywhere(vm, gpa);
	for (unsigned l = 0; l < w->levels; l++) {
		uint64_t t = w->ent[l] & ~(PAGE - 1);
		target_pt |= t == gpa;
		if (!sr_is_table(m, t))
			fresh[nfresh++] = t;
	}
	uint64_t perm = shadow_perm(c, w, pfec);
	if (target_pt)
		perm &= ~(uint64_t)EXO_PERM_W;
	sr_add(m, (unsigned)r, page, gpa, (uint32_t)perm, w);
	for (unsigned v = 0; v < vm->ncpus; v++) {
		struct vcpu *o = &vm->cpu[v];
		for (unsigned i = 0; i < nfresh; i++)
			protect(o, fresh[i]);
		ops_flush(o);
	}
	long e = exo_page_map(EXO_AS_GAS(c->sh.root[r].gas), page, vm->frames[gpa / PAGE], perm);
	if (e < 0) {
		vm_end(vm, VM_EXIT_VMM_ERROR, "shadow map of 0x%llx failed: error %ld",
		       (unsigned long long)gva, -e);
		return;
	}
	c->sh.st.fills++;
}

/*
 * A #PF intercepted in shadow mode (gva = CR2, pfec the error code): back
 * an unbacked page (paging off), reflect a guest fault, emulate an access
 * to MMIO or a write to a protected page table, or fill.
 */
void shadow_fault(struct vcpu *c, uint64_t gva, uint32_t pfec)
{
	struct vm *vm = c->vm;
	uint32_t kind = pfec & (PFEC_W | PFEC_U | PFEC_I);
	struct gwalk w;
	if (c->sh.mode == GM_OFF) { /* the identity table lacks it */
		uint64_t gpa = gva & 0xffffffffull;
		if (gpa_is_ram(vm, gpa, 1))
			mem_touch(vm, gpa); /* an unbacked page: back it, run again */
		else
			cpu_emulate(c); /* not RAM */
		return;
	}
	if (gwalk(c, gva, kind, &w) < 0) {
		c->st->vmcb.save.cr2 = gva;
		cpu_inject_exc(c, 14, true, w.pfec);
		return;
	}
	if (!gpa_is_ram(vm, w.gpa & ~(PAGE - 1), PAGE)) {
		cpu_emulate(c); /* MMIO, or nothing: the emulator does the access */
		return;
	}
	if ((pfec & PFEC_W) && table_anywhere(vm, w.gpa & ~(PAGE - 1)))
		pt_write_fault(c, w.gpa & ~(PAGE - 1));
	else
		fill(c, gva, pfec, &w);
}

/* ---- INVLPG */

/*
 * INVLPG of gva: drop its entries in the current table, all 4 KiB pieces
 * of a large page. The cache is coherent already (a TLB may drop more).
 * Every piece still cached was derived through the entry that maps the
 * large page now: a write to any entry of its walk would have dropped it.
 */
void shadow_invlpg(struct vcpu *c, uint64_t gva)
{
	struct srmap *m = map_of(c);
	int r = c->sh.mode == GM_OFF ? -1 : cur_root(c);
	gva &= ~(PAGE - 1);
	if (r >= 0) {
		uint32_t i = sr_find(m, (unsigned)r, gva);
		if (i != SR_NIL)
			drop_rec(c, i);
		struct gwalk w;
		if (gwalk_at(c, c->sh.root[r].cr3, gva, GW_PEEK | GW_NOPERM, &w) == 0 &&
		    w.page > PAGE) {
			uint64_t leaf = w.ent[w.levels - 1];
			drop_through(c, leaf & ~(PAGE - 1), (unsigned)(leaf & (PAGE - 1)), 1,
				     w.ent_size, r);
		}
		ops_flush(c);
	}
	shadow_check(c);
}

/* ---- the coherence check (vm -check) */

/* Why record i of cached table r disagrees with the guest, or NULL. */
static const char *check_rec(struct vcpu *c, unsigned r, uint32_t i)
{
	struct srmap *m = map_of(c);
	const struct srec *rec = &m->rec[i];
	struct gwalk w;
	if (rec->root != r || sr_find(m, r, rec->gva) != i)
		return "the record is not where its table's index says";
	if (gwalk_at(c, c->sh.root[r].cr3, rec->gva, GW_PEEK | GW_NOPERM, &w) < 0)
		return "the guest's tables do not map it";
	if ((w.gpa & ~(PAGE - 1)) != rec->gpa)
		return "the guest's tables map another gpa";
	if ((rec->perm & EXO_PERM_X) && w.nx)
		return "executable, the guest says no-execute";
	if ((rec->perm & EXO_PERM_GUSER) && !w.u)
		return "user, the guest says supervisor";
	if ((rec->perm & EXO_PERM_W) &&
	    !(w.dirty && (w.w || (!(c->cr0 & X86_CR0_WP) && !(rec->perm & EXO_PERM_GUSER)))))
		return "writable, the guest says read-only or clean";
	if (!w.accessed)
		return "an accessed bit on its walk is clear";
	if ((rec->perm & EXO_PERM_W) && table_anywhere(c->vm, rec->gpa))
		return "writable, but it maps a protected page table";
	if (m->gp[rec->tgt].gpa != rec->gpa)
		return "it is on the wrong page's reverse map";
	if (w.levels != rec->levels)
		return "the guest's walk has another depth";
	for (unsigned l = 0; l < w.levels; l++) {
		const struct gpage *g = sr_page(m, w.ent[l]);
		if (g != &m->gp[rec->pt[l]] || g->gpa + rec->off[l] != w.ent[l])
			return "derived through other entries than the guest's walk reads";
		if (g->walk == SR_NIL)
			return "a table page it was derived through is not protected";
	}
	return NULL;
}

/*
 * The coherence check of the debug mode (vm -check): with every guest
 * page table write-protected, every entry of every cached table must agree
 * with the guest's tables at every exit: the same gpa, no more rights than
 * the guest gives (and W only with the D bit set, A bits set on the walk),
 * every table page behind it protected (so no cached table maps it
 * writable), and the reverse maps right. Runs after each INVLPG and CR3
 * write, after a flush, and at random exits (shadow_exit). Skipped while a
 * mode change is pending: the next run drops every table. A disagreement
 * ends the VM: it is a VMM bug.
 */
void shadow_check(struct vcpu *c)
{
	struct shadow *sh = &c->sh;
	struct srmap *m = map_of(c);
	if (!c->vm->cfg->check_shadow || !m || c->vm->done || guest_mode(c) != sh->mode)
		return;
	sh->st.checks++;
	unsigned n = 0;
	for (unsigned r = 0; r < SH_ROOTS; r++) {
		if (!sh->root[r].gas && m->root_head[r] != SR_NIL) {
			vm_end(c->vm, VM_EXIT_VMM_ERROR,
			       "shadow check: records of a dropped table");
			return;
		}
		for (uint32_t i = m->root_head[r]; i != SR_NIL; i = m->rec[i].rootl.next, n++) {
			const char *why = check_rec(c, r, i);
			if (!why)
				continue;
			const struct srec *rec = &m->rec[i];
			vm_end(c->vm, VM_EXIT_VMM_ERROR,
			       "shadow check: cr3 0x%llx gva 0x%llx -> gpa 0x%llx perm 0x%x: %s",
			       (unsigned long long)sh->root[r].cr3, (unsigned long long)rec->gva,
			       (unsigned long long)rec->gpa, rec->perm, why);
			return;
		}
	}
	if (n != m->nrec)
		vm_end(c->vm, VM_EXIT_VMM_ERROR,
		       "shadow check: %u records on the tables' chains, %u live", n, m->nrec);
}

/* After each exit: with vm -check, check at one exit in SH_CHECK_EVERY,
 * chosen by a seeded generator so a failing run repeats. */
void shadow_exit(struct vcpu *c)
{
	if (!c->vm->cfg->check_shadow)
		return;
	uint64_t x = c->sh.rng;
	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	c->sh.rng = x;
	if (x % SH_CHECK_EVERY == 0)
		shadow_check(c);
}
