/*
 * gas.h - guest address spaces (gas.c): kernel-kept page tables a guest
 * runs on, as its shadow page table (CR3) or nested page table (nCR3).
 */
#ifndef GAS_H
#define GAS_H

#include <stdbool.h>
#include <stdint.h>

#include "env.h"

#define NGAS 256 /* guest address spaces in the system */

struct gas {
	uint32_t owner;	  /* [K] principal env id; 0 = free slot */
	uint16_t gen;	  /* [K] bumped at each reuse of the slot: stale handles fail */
	uint8_t format;	  /* [K] EXO_GAS_LONG4 or EXO_GAS_PAE */
	uint64_t root;	  /* [K] physical address of the top table */
	uint64_t tlb_gen; /* [K] bumped by every change that removes or narrows a mapping */
	uint32_t users;	  /* [K] vCPUs running on it right now */
};
/* Invariant: every present leaf names a frame its owner holds a right on
 * and counts as one reference on the owner's share (frame_ref). */

extern struct gas gases[NGAS];

uint64_t gas_handle(const struct gas *g);
/* The guest address space handle names, if owner owns it; else NULL. */
struct gas *gas_lookup(uint64_t handle, const struct env *owner);
/* va is page-aligned and inside g's virtual range. */
bool gas_va_ok(const struct gas *g, uint64_t va);
/* A new empty table of format for e (charged a page). Returns the handle,
 * -EXO_EINVAL (format), or -EXO_ENOMEM (quota, table full, no page). */
long gas_create(struct env *e, uint64_t format);
/* Drop every mapping and free the tables. -EXO_EBUSY while a vCPU runs on it. */
long gas_destroy(struct gas *g);
int gas_map(struct gas *g, uint64_t va, uint64_t frame, uint64_t perm);
int gas_unmap(struct gas *g, uint64_t va);
uint64_t *gas_lookup_pte(struct gas *g, uint64_t va);
uint64_t gas_pte_to_perm(uint64_t pte);
unsigned gas_unmap_where(struct env *e, bool (*pred)(uint64_t frame, uint64_t va, void *ctx),
			 void *ctx);
void gas_walk_env(const struct env *e, void (*fn)(void *ctx, uint64_t va, uint64_t pte), void *ctx);
void gas_env_gone(struct env *e);
void gas_shootdown(struct gas *g);

#endif
