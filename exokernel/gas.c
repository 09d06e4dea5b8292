/*
 * gas.c - guest address spaces: the page tables a guest runs on, kept by
 * the kernel like an environment's own (pmap.c), filled only through the
 * checked mapping calls (sys_mem.c, as = EXO_AS_GAS(handle)).
 *
 * Two formats (exo/vcpu.h): EXO_GAS_LONG4, a 4-level table over the whole
 * 48-bit virtual range (the shadow of a long-mode guest, or a nested page
 * table, whose walk always uses the host's 4-level format), and
 * EXO_GAS_PAE, a PAE table over 32 bits (the shadow of a 32-bit, PAE or
 * real-mode guest; AMD APM vol. 2 §5.4). A shadow table names host frames
 * by guest-virtual address, a nested one by guest-physical address; the
 * kernel does not care which: every leaf names a frame the owning VMM
 * environment holds a right on, and counts as one reference to it, exactly
 * like a leaf of the environment's own page table. So revocation and
 * repossession break guest mappings the same way (pmap_unmap_frame and
 * pmap_unmap_where call in here), and the invariant checker counts them.
 *
 * Coherence: the hardware caches guest translations per ASID. Every change
 * that removes or narrows a mapping bumps the table's generation; a vCPU
 * that last ran with an older generation (or on another CPU) runs next
 * with a full TLB flush (vcpu.c), and a CPU running a guest on this table
 * right now is made to #VMEXIT first (gas_shootdown).
 */
#include "kernel.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/lapic.h"
#include "gas.h"
#include "grant.h"
#include "pmap.h"
#include "spinlock.h"

#include <exo/vcpu.h>

struct gas gases[NGAS];

static unsigned top_level(const struct gas *g)
{
	return g->format == EXO_GAS_LONG4 ? 3 : 2;
}

static unsigned top_entries(const struct gas *g)
{
	return g->format == EXO_GAS_LONG4 ? 512 : 4;
}

uint64_t gas_handle(const struct gas *g)
{
	return (uint64_t)g->gen << 16 | (uint64_t)(g - gases + 1);
}

struct gas *gas_lookup(uint64_t handle, const struct env *owner)
{
	uint64_t slot = handle & 0xffff;
	if (handle > UINT32_MAX || slot == 0 || slot > NGAS)
		return NULL;
	struct gas *g = &gases[slot - 1];
	if (!g->owner || g->owner != owner->id || g->gen != (handle >> 16))
		return NULL;
	return g;
}

bool gas_va_ok(const struct gas *g, uint64_t va)
{
	if (va & (PAGE_SIZE - 1))
		return false;
	if (g->format == EXO_GAS_PAE)
		return va < (1ull << 32);
	/* Canonical 48-bit: bits 63:47 all equal. */
	uint64_t top = va >> 47;
	return top == 0 || top == (1ull << 17) - 1;
}

long gas_create(struct env *e, uint64_t format)
{
	if (format != EXO_GAS_LONG4 && format != EXO_GAS_PAE)
		return -EXO_EINVAL;
	unsigned mine = 0;
	struct gas *g = NULL;
	for (unsigned i = 0; i < NGAS; i++) {
		if (gases[i].owner == e->id)
			mine++;
		else if (!gases[i].owner && !g)
			g = &gases[i];
	}
	if (mine >= EXO_GAS_MAX || !g)
		return -EXO_ENOMEM;
	if (kmem_charge(e, PAGE_SIZE) < 0)
		return -EXO_ENOMEM;
	uint64_t *root = kalloc_page();
	/* A PAE root is loaded from a 32-bit CR3 in legacy mode. */
	if (!root || (format == EXO_GAS_PAE && virt_to_phys(root) >= (1ull << 32))) {
		if (root)
			kfree_page(root);
		kmem_uncharge(e->id, PAGE_SIZE);
		return -EXO_ENOMEM;
	}
	g->owner = e->id;
	g->gen = (uint16_t)(g->gen + 1) ? (uint16_t)(g->gen + 1) : 1;
	g->format = (uint8_t)format;
	g->root = virt_to_phys(root);
	g->tlb_gen = 0;
	g->users = 0;
	return (long)gas_handle(g);
}

static void free_level(struct gas *g, uint64_t table_pa, unsigned level, unsigned n)
{
	uint64_t *t = phys_to_virt(table_pa);
	for (unsigned i = 0; i < n; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level > 0)
			free_level(g, t[i] & PTE_ADDR, level - 1, 512);
		else
			frame_ref((t[i] & PTE_ADDR) >> PAGE_SHIFT, g->owner, -1);
	}
	kfree_page(t);
	kmem_uncharge(g->owner, PAGE_SIZE);
}

long gas_destroy(struct gas *g)
{
	if (g->users)
		return -EXO_EBUSY;
	free_level(g, g->root, top_level(g), top_entries(g));
	g->owner = 0;
	g->root = 0;
	return 0;
}

/* The leaf entry for va, creating tables charged to g's owner when create
 * is set; NULL if absent or out of memory/quota. */
static uint64_t *walk(struct gas *g, uint64_t va, bool create)
{
	uint64_t *t = phys_to_virt(g->root);
	for (unsigned level = top_level(g); level > 0; level--) {
		uint64_t *entry = &t[PT_INDEX(va, level)];
		if (!(*entry & PTE_P)) {
			struct env *o = env_lookup(g->owner);
			if (!create || !o || kmem_charge(o, PAGE_SIZE) < 0)
				return NULL;
			uint64_t *n = kalloc_page();
			if (!n) {
				kmem_uncharge(g->owner, PAGE_SIZE);
				return NULL;
			}
			/* A PAE PDPTE has no W, U or NX bits (APM vol. 2 §5.4.2);
			 * elsewhere the table entries allow everything and the
			 * leaf decides. */
			bool pdpte = g->format == EXO_GAS_PAE && level == top_level(g);
			*entry = virt_to_phys(n) | PTE_P | (pdpte ? 0 : PTE_W | PTE_U);
		}
		t = phys_to_virt(*entry & PTE_ADDR);
	}
	return &t[PT_INDEX(va, 0)];
}

uint64_t *gas_lookup_pte(struct gas *g, uint64_t va)
{
	uint64_t *pte = walk(g, va, false);
	return pte && (*pte & PTE_P) ? pte : NULL;
}

/* A change that removes or narrows a translation: no vCPU may go on using
 * the old one. */
static void narrowed(struct gas *g)
{
	g->tlb_gen++;
	gas_shootdown(g);
}

int gas_map(struct gas *g, uint64_t va, uint64_t frame, uint64_t perm)
{
	uint64_t *pte = walk(g, va, true);
	if (!pte)
		return -EXO_ENOMEM;
	uint64_t old = *pte;
	uint64_t new = pmap_perm_to_pte(perm);
	if (!(perm & EXO_PERM_GUSER))
		new &= ~PTE_U;
	new |= frame << PAGE_SHIFT;
	frame_ref(frame, g->owner, +1);
	if (old & PTE_P)
		frame_ref((old & PTE_ADDR) >> PAGE_SHIFT, g->owner, -1);
	*pte = new;
	/* Only a widening of a present entry, or a new entry, needs no flush. */
	if ((old & PTE_P) && ((old & PTE_ADDR) != (new &PTE_ADDR) ||
			      (old & ~new &(PTE_W | PTE_U)) || (new & ~old &PTE_NX)))
		narrowed(g);
	return 0;
}

int gas_unmap(struct gas *g, uint64_t va)
{
	uint64_t *pte = gas_lookup_pte(g, va);
	if (!pte)
		return -EXO_EINVAL;
	frame_ref((*pte & PTE_ADDR) >> PAGE_SHIFT, g->owner, -1);
	*pte = 0;
	narrowed(g);
	return 0;
}

uint64_t gas_pte_to_perm(uint64_t pte)
{
	return pmap_pte_to_perm(pte) | ((pte & PTE_U) ? EXO_PERM_GUSER : 0);
}

static void walk_level(struct gas *g, uint64_t table_pa, unsigned level, unsigned n, uint64_t base,
		       void (*fn)(void *, struct gas *, uint64_t, uint64_t *), void *ctx)
{
	uint64_t *t = phys_to_virt(table_pa);
	for (uint64_t i = 0; i < n; i++) {
		if (!(t[i] & PTE_P))
			continue;
		uint64_t va = base | (i << (12 + 9 * level));
		if (level == 0)
			fn(ctx, g, va, &t[i]);
		else
			walk_level(g, t[i] & PTE_ADDR, level - 1, 512, va, fn, ctx);
	}
}

/* Visit every present leaf of every guest address space of e. The va
 * given is not sign-extended (the walk's index bits only). */
static void walk_env(const struct env *e, void (*fn)(void *, struct gas *, uint64_t, uint64_t *),
		     void *ctx)
{
	for (unsigned i = 0; i < NGAS; i++)
		if (gases[i].owner && gases[i].owner == e->id)
			walk_level(&gases[i], gases[i].root, top_level(&gases[i]),
				   top_entries(&gases[i]), 0, fn, ctx);
}

struct where_ctx {
	bool (*pred)(uint64_t frame, uint64_t va, void *ctx);
	void *ctx;
	unsigned n;
};

static void unmap_where_leaf(void *ctx, struct gas *g, uint64_t va, uint64_t *pte)
{
	struct where_ctx *c = ctx;
	uint64_t fn = (*pte & PTE_ADDR) >> PAGE_SHIFT;
	if (!c->pred(fn, va, c->ctx))
		return;
	*pte = 0;
	frame_ref(fn, g->owner, -1);
	g->tlb_gen++;
	c->n++;
}

unsigned gas_unmap_where(struct env *e, bool (*pred)(uint64_t frame, uint64_t va, void *ctx),
			 void *ctx)
{
	struct where_ctx c = { pred, ctx, 0 };
	walk_env(e, unmap_where_leaf, &c);
	if (c.n)
		for (unsigned i = 0; i < NGAS; i++)
			if (gases[i].owner == e->id)
				gas_shootdown(&gases[i]);
	return c.n;
}

struct leaf_ctx {
	void (*fn)(void *ctx, uint64_t va, uint64_t pte);
	void *ctx;
};

static void visit_leaf(void *ctx, struct gas *g, uint64_t va, uint64_t *pte)
{
	(void)g;
	struct leaf_ctx *c = ctx;
	c->fn(c->ctx, va, *pte);
}

void gas_walk_env(const struct env *e, void (*fn)(void *ctx, uint64_t va, uint64_t pte), void *ctx)
{
	struct leaf_ctx c = { fn, ctx };
	walk_env(e, visit_leaf, &c);
}

void gas_env_gone(struct env *e)
{
	for (unsigned i = 0; i < NGAS; i++)
		if (gases[i].owner == e->id) {
			gases[i].users = 0; /* its vCPUs are gone (vcpu_env_gone) */
			gas_destroy(&gases[i]);
		}
}

/*
 * Make every other CPU running a guest on g #VMEXIT (the IPI is a physical
 * interrupt, which every guest intercepts) and wait until it has left the
 * guest: its next VMRUN sees the new generation and flushes. The waiting
 * cannot deadlock on the kernel lock: a CPU clears guest_gas before it
 * takes the lock (vcpu.c). Caller holds the kernel lock.
 */
void gas_shootdown(struct gas *g)
{
	uint64_t h = gas_handle(g);
	struct cpu *me = this_cpu();
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != me && __atomic_load_n(&cpus[i].guest_gas, __ATOMIC_ACQUIRE) == h)
			lapic_ipi(cpus[i].apic_id, T_IPI_RESCHED);
	for (unsigned i = 0; i < ncpus; i++)
		while (&cpus[i] != me && __atomic_load_n(&cpus[i].guest_gas, __ATOMIC_ACQUIRE) == h)
			cpu_relax();
}
