/*
 * pmap.c - page tables and kernel page allocation.
 *
 * Every address space is a PML4 whose upper half (entries 256-511) is the
 * kernel's, shared by all: the direct map of physical memory and the kernel
 * image. Slots 0-253 hold the environment's own mappings (4 KiB pages
 * only); slot 254 is the shared read-only window onto the frame and env
 * tables; slot 255 points back at the PML4 itself, read-only, so the
 * environment can read its page tables (the JOS UVPT trick).
 *
 * Page-table pages are kernel frames charged to the environment whose
 * address space they belong to. A user leaf holds one reference on its
 * frame, counted on the right it was made under (frame_ref).
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "env.h"
#include "gas.h"
#include "grant.h"
#include "pmap.h"
#include "smp.h"

#include <exo/layout.h>

struct frame_table frames;
extern uint64_t boot_pml4[512];
static uint64_t uinfo_pdpt; /* physical address of the shared window's PDPT */

#define WINDOW_TABLE (PTE_P | PTE_U)	      /* read-only, user-visible */
#define WINDOW_LEAF  (PTE_P | PTE_U | PTE_NX) /* read-only, never executable */

/* Drop the boot identity map: from now on the lower half is user space. */
void pmap_init(void)
{
	boot_pml4[0] = 0;
	write_cr3(read_cr3());
}

/* Physical address of the kernel's own PML4 (no user half). */
uint64_t pmap_kernel_root(void)
{
	return virt_to_phys(boot_pml4);
}

/* A zeroed kernel page (a frame owned by FRAME_KERNEL), or NULL. */
void *kalloc_page(void)
{
	int64_t fn = frame_alloc_any(&frames, FRAME_KERNEL);
	if (fn < 0)
		return NULL;
	void *p = phys_to_virt((uint64_t)fn << PAGE_SHIFT);
	memset(p, 0, PAGE_SIZE);
	return p;
}

void kfree_page(void *p)
{
	int r = frame_release(&frames, virt_to_phys(p) >> PAGE_SHIFT);
	assert(r == 0);
}

/* Map [pa, pa + bytes) read-only at va in the shared window tables, whose
 * PDPT is uinfo_pdpt. Boot-time only: panics when out of memory. */
static void window_map(uint64_t va, uint64_t pa, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE) {
		uint64_t *t = phys_to_virt(uinfo_pdpt);
		for (int level = 2; level > 0; level--) {
			uint64_t *e = &t[PT_INDEX(va + off, level)];
			if (!(*e & PTE_P)) {
				void *n = kalloc_page();
				if (!n)
					panic("out of memory for the read-only windows");
				*e = virt_to_phys(n) | WINDOW_TABLE;
			}
			t = phys_to_virt(*e & PTE_ADDR);
		}
		t[PT_INDEX(va + off, 0)] = (pa + off) | WINDOW_LEAF;
	}
}

/* Build the shared read-only window: the frame table at EXO_UFRAMES, the
 * public env table at EXO_UENVS, and the sysinfo page (page-aligned,
 * PAGE_SIZE bytes) at EXO_USYSINFO. */
void pmap_init_windows(void *env_info, uint64_t env_info_bytes, void *sysinfo)
{
	void *pdpt = kalloc_page();
	if (!pdpt)
		panic("out of memory for the read-only windows");
	uinfo_pdpt = virt_to_phys(pdpt);
	window_map(EXO_UFRAMES, virt_to_phys(frames.f), frames.n * sizeof(struct frame));
	window_map(EXO_UENVS, virt_to_phys(env_info), env_info_bytes);
	window_map(EXO_USYSINFO, virt_to_phys(sysinfo), PAGE_SIZE);
}

/* A new address space for e: empty user slots, the two windows, and the
 * shared kernel half. Charged to e. Returns 0 or -EXO_ENOMEM. */
int pmap_create(struct env *e)
{
	if (kmem_charge(e, PAGE_SIZE) < 0)
		return -EXO_ENOMEM;
	uint64_t *pml4 = kalloc_page();
	if (!pml4) {
		kmem_uncharge(e->id, PAGE_SIZE);
		return -EXO_ENOMEM;
	}
	memcpy(pml4 + 256, boot_pml4 + 256, 256 * sizeof(uint64_t));
	pml4[PML4_UINFO] = uinfo_pdpt | WINDOW_TABLE;
	pml4[PML4_UVPT] = virt_to_phys(pml4) | WINDOW_LEAF;
	e->pml4 = virt_to_phys(pml4);
	return 0;
}

static void free_level(struct env *e, uint64_t table_pa, int level)
{
	uint64_t *t = phys_to_virt(table_pa);
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level > 0)
			free_level(e, t[i] & PTE_ADDR, level - 1);
		else
			frame_ref((t[i] & PTE_ADDR) >> PAGE_SHIFT, e->id, -1);
	}
	kfree_page(t);
	kmem_uncharge(e->id, PAGE_SIZE);
}

/* Free e's address space: every user leaf drops its frame reference, every
 * table page goes back. The caller must not be running on it. */
void pmap_destroy(struct env *e)
{
	uint64_t *t = phys_to_virt(e->pml4);
	for (int i = 0; i < PML4_USER_SLOTS; i++)
		if (t[i] & PTE_P)
			free_level(e, t[i] & PTE_ADDR, 2);
	kfree_page(t);
	kmem_uncharge(e->id, PAGE_SIZE);
	e->pml4 = 0;
}

/* The leaf PTE for user va, creating intermediate tables (charged to e)
 * if e is not NULL; NULL if absent or out of memory/quota. */
static uint64_t *walk(uint64_t pml4, uint64_t va, struct env *e)
{
	uint64_t *t = phys_to_virt(pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t *entry = &t[PT_INDEX(va, level)];
		if (!(*entry & PTE_P)) {
			if (!e || kmem_charge(e, PAGE_SIZE) < 0)
				return NULL;
			uint64_t *n = kalloc_page();
			if (!n) {
				kmem_uncharge(e->id, PAGE_SIZE);
				return NULL;
			}
			*entry = virt_to_phys(n) | PTE_P | PTE_W | PTE_U;
		}
		t = phys_to_virt(*entry & PTE_ADDR);
	}
	return &t[PT_INDEX(va, 0)];
}

uint64_t *pmap_lookup(uint64_t pml4, uint64_t va)
{
	uint64_t *pte = walk(pml4, va, NULL);
	return pte && (*pte & PTE_P) ? pte : NULL;
}

/* EXO_PERM_* bits -> PTE bits for a user leaf. */
uint64_t pmap_perm_to_pte(uint64_t perm)
{
	return PTE_P | PTE_U | ((perm & EXO_PERM_W) ? PTE_W : 0) |
	       ((perm & EXO_PERM_USER0) ? PTE_USER0 : 0) | ((perm & EXO_PERM_X) ? 0 : PTE_NX);
}

/* PTE bits of a user leaf -> EXO_PERM_* bits. */
uint64_t pmap_pte_to_perm(uint64_t pte)
{
	return EXO_PERM_R | ((pte & PTE_W) ? EXO_PERM_W : 0) | ((pte & PTE_NX) ? 0 : EXO_PERM_X) |
	       ((pte & PTE_USER0) ? EXO_PERM_USER0 : 0);
}

/* Drop stale translations of va in e's address space on every CPU that
 * has it loaded; the other CPUs are waited for (smp.c). */
static void flush(struct env *e, uint64_t va)
{
	if (read_cr3() == e->pml4)
		invlpg(va);
	tlb_shootdown(e->pml4);
}

/*
 * Map frame at user va in e's address space with perm (EXO_PERM_*),
 * replacing any previous mapping. The caller has checked the binding and
 * that e holds a right on the frame. Returns 0 or -EXO_ENOMEM.
 */
int pmap_map(struct env *e, uint64_t va, uint64_t frame, uint64_t perm)
{
	uint64_t *pte = walk(e->pml4, va, e);
	if (!pte)
		return -EXO_ENOMEM;
	frame_ref(frame, e->id, +1);
	if (*pte & PTE_P)
		frame_ref((*pte & PTE_ADDR) >> PAGE_SHIFT, e->id, -1);
	*pte = (frame << PAGE_SHIFT) | pmap_perm_to_pte(perm);
	flush(e, va);
	return 0;
}

/* Remove the mapping at va in e if any. Returns 0, or -EXO_EINVAL if none. */
int pmap_unmap(struct env *e, uint64_t va)
{
	uint64_t *pte = pmap_lookup(e->pml4, va);
	if (!pte)
		return -EXO_EINVAL;
	frame_ref((*pte & PTE_ADDR) >> PAGE_SHIFT, e->id, -1);
	*pte = 0;
	flush(e, va);
	return 0;
}

struct unmap_ctx {
	struct env *e;
	uint64_t frame;
	unsigned n;
};

static void unmap_if_frame(void *ctx, uint64_t va, uint64_t pte)
{
	struct unmap_ctx *c = ctx;
	if (((pte & PTE_ADDR) >> PAGE_SHIFT) == c->frame) {
		pmap_unmap(c->e, va);
		c->n++;
	}
}

static bool is_frame(uint64_t frame, uint64_t va, void *ctx)
{
	(void)va;
	return frame == *(uint64_t *)ctx;
}

/* Remove every mapping of frame from e's address space and from its guest
 * address spaces (revocation). Returns how many there were. */
unsigned pmap_unmap_frame(struct env *e, uint64_t frame)
{
	struct unmap_ctx c = { e, frame, 0 };
	pmap_walk_user(e->pml4, unmap_if_frame, &c);
	return c.n + gas_unmap_where(e, is_frame, &frame);
}

struct unmap_where_ctx {
	struct env *e;
	bool (*pred)(uint64_t frame, uint64_t va, void *ctx);
	void *ctx;
	unsigned n;
};

static void unmap_where_leaf(void *ctx, uint64_t va, uint64_t pte)
{
	struct unmap_where_ctx *c = ctx;
	uint64_t fn = (pte & PTE_ADDR) >> PAGE_SHIFT;
	if (!c->pred(fn, va, c->ctx))
		return;
	*pmap_lookup(c->e->pml4, va) = 0;
	frame_ref(fn, c->e->id, -1);
	c->n++;
}

/*
 * Remove every mapping in e's address space for which pred(frame, va, ctx)
 * says so, in one walk, then flush the TLBs once (instead of per page);
 * then the same in e's guest address spaces (gas.c). Returns how many
 * were removed.
 */
unsigned pmap_unmap_where(struct env *e, bool (*pred)(uint64_t frame, uint64_t va, void *ctx),
			  void *ctx)
{
	struct unmap_where_ctx c = { e, pred, ctx, 0 };
	pmap_walk_user(e->pml4, unmap_where_leaf, &c);
	if (c.n) {
		if (read_cr3() == e->pml4)
			write_cr3(e->pml4);
		tlb_shootdown(e->pml4);
	}
	return c.n + gas_unmap_where(e, pred, ctx);
}

static void walk_level(uint64_t table_pa, int level, uint64_t base,
		       void (*fn)(void *, uint64_t, uint64_t), void *ctx)
{
	uint64_t *t = phys_to_virt(table_pa);
	for (uint64_t i = 0; i < (level == 3 ? PML4_USER_SLOTS : 512); i++) {
		if (!(t[i] & PTE_P))
			continue;
		uint64_t va = base | (i << (12 + 9 * level));
		if (level == 0)
			fn(ctx, va, t[i]);
		else
			walk_level(t[i] & PTE_ADDR, level - 1, va, fn, ctx);
	}
}

void pmap_walk_user(uint64_t pml4, void (*fn)(void *ctx, uint64_t va, uint64_t pte), void *ctx)
{
	walk_level(pml4, 3, 0, fn, ctx);
}
