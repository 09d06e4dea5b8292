/*
 * pmap.h - x86-64 4-level page tables kept by the kernel (pmap.c).
 *
 * Environments never write page tables; they ask for secure bindings
 * (exo_page_map), which the kernel checks and then installs here.
 */
#ifndef PMAP_H
#define PMAP_H

#include <stdint.h>

#include "frame.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

extern struct frame_table frames;

void pmap_init(void);
uint64_t pmap_kernel_root(void);
void *kalloc_page(void);
void kfree_page(void *p);
uint64_t pmap_create(void);
void pmap_destroy(uint64_t pml4);
uint64_t *pmap_lookup(uint64_t pml4, uint64_t va);
int pmap_map(uint64_t pml4, uint64_t va, uint64_t frame, uint64_t perm);
int pmap_unmap(uint64_t pml4, uint64_t va);
uint64_t pmap_perm_to_pte(uint64_t perm);
/* Visit every present user leaf: fn(ctx, va, pte). */
void pmap_walk_user(uint64_t pml4, void (*fn)(void *ctx, uint64_t va, uint64_t pte), void *ctx);

#endif
