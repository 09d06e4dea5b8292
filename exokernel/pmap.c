/*
 * pmap.c - page tables and kernel page allocation.
 *
 * Every address space is a PML4 whose upper half (entries 256-511) is the
 * kernel's, shared by all: the direct map of physical memory and the kernel
 * image. The lower half holds the environment's mappings, 4 KiB pages only.
 * Page-table pages are kernel frames (owner FRAME_KERNEL); a user leaf
 * holds one reference on the frame it names (struct frame.refs).
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "pmap.h"

#include <exo/layout.h>

struct frame_table frames;
extern uint64_t boot_pml4[512];

#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)

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
	int r = frame_free(&frames, virt_to_phys(p) >> PAGE_SHIFT, FRAME_KERNEL);
	assert(r == 0);
}

/* A new address space: empty lower half, shared kernel half. Returns the
 * physical address of its PML4, or 0 when out of memory. */
uint64_t pmap_create(void)
{
	uint64_t *pml4 = kalloc_page();
	if (!pml4)
		return 0;
	memcpy(pml4 + 256, boot_pml4 + 256, 256 * sizeof(uint64_t));
	return virt_to_phys(pml4);
}

static void free_level(uint64_t table_pa, int level)
{
	uint64_t *t = phys_to_virt(table_pa);
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		uint64_t pa = t[i] & PTE_ADDR;
		if (level > 0) {
			free_level(pa, level - 1);
		} else {
			struct frame *f = &frames.f[pa >> PAGE_SHIFT];
			assert(f->refs > 0);
			f->refs--;
		}
	}
	kfree_page(t);
}

/* Free the lower half of an address space and its PML4; every user leaf
 * drops its frame reference. The caller must not be running on it. */
void pmap_destroy(uint64_t pml4)
{
	uint64_t *t = phys_to_virt(pml4);
	for (int i = 0; i < 256; i++)
		if (t[i] & PTE_P)
			free_level(t[i] & PTE_ADDR, 2);
	kfree_page(t);
}

/* The leaf PTE for va, creating intermediate tables if create; NULL if
 * absent (or out of memory when creating). */
static uint64_t *walk(uint64_t pml4, uint64_t va, bool create)
{
	uint64_t *t = phys_to_virt(pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[PT_INDEX(va, level)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t *n = kalloc_page();
			if (!n)
				return NULL;
			*e = virt_to_phys(n) | PTE_P | PTE_W | PTE_U;
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return &t[PT_INDEX(va, 0)];
}

uint64_t *pmap_lookup(uint64_t pml4, uint64_t va)
{
	uint64_t *pte = walk(pml4, va, false);
	return pte && (*pte & PTE_P) ? pte : NULL;
}

/* EXO_PERM_* bits -> PTE bits for a user leaf. */
uint64_t pmap_perm_to_pte(uint64_t perm)
{
	return PTE_P | PTE_U | ((perm & EXO_PERM_W) ? PTE_W : 0) |
	       ((perm & EXO_PERM_X) ? 0 : PTE_NX);
}

/*
 * Map frame at user va with perm (EXO_PERM_*), replacing any previous
 * mapping. The caller has checked the binding. Returns 0 or -EXO_ENOMEM.
 */
int pmap_map(uint64_t pml4, uint64_t va, uint64_t frame, uint64_t perm)
{
	uint64_t *pte = walk(pml4, va, true);
	if (!pte)
		return -EXO_ENOMEM;
	if (*pte & PTE_P)
		frames.f[(*pte & PTE_ADDR) >> PAGE_SHIFT].refs--;
	frames.f[frame].refs++;
	*pte = (frame << PAGE_SHIFT) | pmap_perm_to_pte(perm);
	if (read_cr3() == pml4)
		invlpg(va);
	return 0;
}

/* Remove the mapping at va if any. Returns 0, or -EXO_EINVAL if none. */
int pmap_unmap(uint64_t pml4, uint64_t va)
{
	uint64_t *pte = pmap_lookup(pml4, va);
	if (!pte)
		return -EXO_EINVAL;
	frames.f[(*pte & PTE_ADDR) >> PAGE_SHIFT].refs--;
	*pte = 0;
	if (read_cr3() == pml4)
		invlpg(va);
	return 0;
}

static void walk_level(uint64_t table_pa, int level, uint64_t base,
		       void (*fn)(void *, uint64_t, uint64_t), void *ctx)
{
	uint64_t *t = phys_to_virt(table_pa);
	for (uint64_t i = 0; i < (level == 3 ? 256 : 512); i++) {
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
