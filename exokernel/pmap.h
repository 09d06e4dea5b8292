/*
 * pmap.h - x86-64 4-level page tables kept by the kernel (pmap.c).
 *
 * Environments never write page tables; they ask for secure bindings
 * (exo_page_map), which the kernel checks and then installs here. Each
 * environment can read its own tables through the recursive window at
 * EXO_UVPT, and every environment sees the frame and env tables read-only.
 */
#ifndef PMAP_H
#define PMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

#define PTE_P	  (1ull << 0)
#define PTE_W	  (1ull << 1)
#define PTE_U	  (1ull << 2)
#define PTE_PS	  (1ull << 7)
#define PTE_USER0 (1ull << 9)
#define PTE_NX	  (1ull << 63)
#define PTE_ADDR  0x000ffffffffff000ull

/* Index of va's entry in the table at level (0 = page table, 3 = PML4). */
#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)

/* PML4 slots of the read-only windows (exo/layout.h). */
#define PML4_UINFO	254 /* EXO_UFRAMES and EXO_UENVS */
#define PML4_UVPT	255 /* recursive: the env's own page tables */
#define PML4_USER_SLOTS 254 /* slots 0..253 hold the env's own mappings */

struct env;

extern struct frame_table frames;

void pmap_init(void);
void pmap_init_windows(void *env_info, uint64_t env_info_bytes, void *sysinfo);
uint64_t pmap_kernel_root(void);
void *kalloc_page(void);
void kfree_page(void *p);
int pmap_create(struct env *e);
void pmap_destroy(struct env *e);
uint64_t *pmap_lookup(uint64_t pml4, uint64_t va);
int pmap_map(struct env *e, uint64_t va, uint64_t frame, uint64_t perm);
int pmap_unmap(struct env *e, uint64_t va);
unsigned pmap_unmap_frame(struct env *e, uint64_t frame);
unsigned pmap_unmap_where(struct env *e, bool (*pred)(uint64_t frame, uint64_t va, void *ctx),
			  void *ctx);
uint64_t pmap_perm_to_pte(uint64_t perm);
uint64_t pmap_pte_to_perm(uint64_t pte);
/* Visit every present user leaf in slots 0..253: fn(ctx, va, pte). */
void pmap_walk_user(uint64_t pml4, void (*fn)(void *ctx, uint64_t va, uint64_t pte), void *ctx);

#endif
