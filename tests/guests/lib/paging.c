/*
 * paging.c - page-table builders for the test guests: 32-bit 2-level
 * tables (4 KiB and PSE 4 MiB pages), PAE (3 levels) and long mode
 * (4 levels) with 4 KiB, 2 MiB and 1 GiB pages (AMD APM vol. 2 §5.3-5.4).
 * Tables come from a static pool below 4 GiB (the image is at 1 MiB), so
 * CR3 and every entry fit 32-bit code.
 */
#include "guest.h"

#define POOL_PAGES 160
static uint8_t pool[POOL_PAGES][4096] __attribute__((aligned(4096)));
static int pool_used;

void *pt_alloc(void)
{
	if (pool_used == POOL_PAGES)
		fail("page-table pool exhausted");
	void *p = pool[pool_used++];
	memset(p, 0, 4096);
	return p;
}

void pt_reset(void)
{
	pool_used = 0;
}

uint32_t *map32(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags, uint32_t pde_flags)
{
	uint32_t *pde = &pd[va >> 22];
	if (!(*pde & PTE_P))
		*pde = (uint32_t)pt_alloc() | pde_flags | PTE_P;
	uint32_t *pt = (uint32_t *)(*pde & ~0xFFFu);
	uint32_t *pte = &pt[(va >> 12) & 0x3FF];
	*pte = (pa & ~0xFFFu) | flags;
	return pte;
}

uint32_t *map32_4m(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags)
{
	uint32_t *pde = &pd[va >> 22];
	*pde = (pa & ~0x3FFFFFu) | flags | (uint32_t)PTE_PS;
	return pde;
}

static int index_at(int levels, uint64_t va, int level)
{
	if (levels == 3 && level == 3)
		return (int)((va >> 30) & 3);
	return (int)((va >> (12 + 9 * (level - 1))) & 511);
}

uint64_t *entry64(uint64_t *root, int levels, uint64_t va, int level)
{
	uint64_t *table = root;
	for (int l = levels; l > level; l--) {
		uint64_t e = table[index_at(levels, va, l)];
		if (!(e & 0x000FFFFFFFFFF000ull))
			return NULL;
		table = (uint64_t *)(uint32_t)(e & 0x000FFFFFFFFFF000ull);
	}
	return &table[index_at(levels, va, level)];
}

uint64_t *map64(uint64_t *root, int levels, uint64_t va, uint64_t pa, uint64_t flags,
		int leaf_level, uint64_t upper_flags)
{
	uint64_t *table = root;
	for (int l = levels; l > leaf_level; l--) {
		uint64_t *e = &table[index_at(levels, va, l)];
		if (!(*e & 0x000FFFFFFFFFF000ull)) {
			uint64_t f = (levels == 3 && l == 3) ? PTE_P : upper_flags | PTE_P;
			*e = (uint32_t)pt_alloc() | f;
		}
		table = (uint64_t *)(uint32_t)(*e & 0x000FFFFFFFFFF000ull);
	}
	uint64_t *leaf = &table[index_at(levels, va, leaf_level)];
	*leaf = pa | flags | (leaf_level > 1 ? PTE_PS : 0);
	return leaf;
}

static uint64_t ident_flags(uint32_t pa)
{
	uint64_t f = PTE_P | PTE_W;
	if (pa >= (uint32_t)user_start && pa < (uint32_t)user_end)
		f |= PTE_U;
	return f;
}

uint32_t *ident32(void)
{
	uint32_t *pd = pt_alloc();
	for (uint32_t pa = 0; pa < (16u << 20); pa += 4096)
		map32(pd, pa, pa, (uint32_t)ident_flags(pa), PTE_P | PTE_W | PTE_U);
	return pd;
}

uint64_t *ident64(int levels)
{
	uint64_t *root = pt_alloc();
	for (uint32_t pa = 0; pa < (16u << 20); pa += 4096)
		map64(root, levels, pa, pa, ident_flags(pa), 1, PTE_W | PTE_U);
	return root;
}
