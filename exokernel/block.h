/*
 * block.h - disk blocks as a protected resource (Kaashoek et al., SOSP'97):
 * ownership kept on the disk (secure-bindings/disk.h), access checks, DMA
 * straight into the requester's frames, grants, and the pinning that keeps
 * a frame under DMA from changing hands.
 */
#ifndef BLOCK_H
#define BLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct env;

/* Find the disk, load and check its ownership region (replaying a complete
 * log transaction first). Prints what it found; a damaged part is refused
 * (docs/disk.md, "Kernel behaviour"). */
void block_init(uint8_t vector, uint8_t apic_id);

/* The disk's interrupt: hand completed requests back to their envs. */
void block_intr(void);

/* Wait (polling the disk) until no transfer is in flight, so no frame is
 * pinned: the abort protocol calls it before repossessing frames. */
void block_quiesce(void);

/* Whether frame fn is the target or source of a transfer in flight. */
bool frame_pinned(uint64_t fn);

/* Frame fn, owned by an env being destroyed, is under DMA: the kernel
 * keeps it (owner FRAME_DMA) and frees it when the transfer ends. */
void frame_orphan(uint64_t fn);

/* Data blocks the region hands out (0 without a region). */
uint64_t block_count(void);

/* The abort protocol for blocks: take up to n blocks of e's disk owner
 * (plain data, not held, not in e's swap area), highest numbers first,
 * free them durably, record each in e's repossession vector. Returns how
 * many were taken. */
uint64_t block_repossess(struct env *e, uint64_t n);

/* Frame fn of e is being repossessed: if e registered a swap area with a
 * block left, write the frame there first. Returns that block, or 0. */
uint64_t block_swap_out(struct env *e, uint64_t fn);

/* e is being destroyed: its block grants (held and issued) go. */
void block_env_gone(struct env *e);

/* Check the block layer's invariants; returns violations found. */
unsigned block_invariant_check(void);

#endif
