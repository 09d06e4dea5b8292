/*
 * frame.h - the frame table: one entry per 4 KiB physical frame, naming its
 * owner. Frames are exposed to library OSes by their number (physical
 * address >> 12), as the exokernel papers prescribe, so a libOS can ask for
 * a specific frame (page colouring) or any free one. The table itself is
 * mapped read-only into every environment at EXO_UFRAMES.
 *
 * Hardware-free: compiled into the kernel and into the host unit tests.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/types.h>

#define FRAME_FREE     0u	   /* owner of a free frame */
#define FRAME_KERNEL   0xffffffffu /* kernel objects: page tables, env state */
#define FRAME_RESERVED 0xfffffffeu /* not RAM, firmware, kernel image, boot modules */
#define FRAME_DMA      0xfffffffdu /* a dead env's frame under DMA: freed when it ends */
#define GRANT_NONE     0u	   /* end of a frame's grant list */

/*
 * One frame. Its public layout is struct exo_frame_info (exo/types.h).
 * Invariants (checked by env_invariant_check):
 *   refs == number of PTEs in any address space naming this frame
 *        == owner_refs + the refs of every grant on it;
 *   grants == length of the grant list;
 *   a free frame has refs == 0 and no grants.
 */
struct frame {
	uint32_t owner;	     /* [F] env id, FRAME_FREE, FRAME_KERNEL or FRAME_RESERVED */
	uint16_t refs;	     /* [F] live user mappings of this frame */
	uint16_t owner_refs; /* [F] of which in the owner's address space */
	uint16_t grants;     /* [F] grants on this frame */
	uint16_t scratch;    /* used only by the invariant checker; 0 otherwise */
	uint32_t grant_head; /* [F] first grant (grant.c index), GRANT_NONE if none */
};
_Static_assert(sizeof(struct frame) == sizeof(struct exo_frame_info), "frame ABI");
_Static_assert(offsetof(struct frame, grant_head) == offsetof(struct exo_frame_info, grant_head),
	       "frame ABI");

/* Invariants: nfree == number of entries with owner FRAME_FREE. */
struct frame_table {
	struct frame *f; /* n entries, indexed by frame number */
	uint64_t n;	 /* frames covered: highest usable physical address >> 12 */
	uint64_t nfree;	 /* [F] free frames */
	uint64_t cursor; /* [F] where the next "any frame" search starts */
};

void frame_table_init(struct frame_table *t, struct frame *array, uint64_t n);
void frame_table_add_free(struct frame_table *t, uint64_t first, uint64_t count);
int64_t frame_alloc_any(struct frame_table *t, uint32_t owner);
int frame_alloc_specific(struct frame_table *t, uint64_t fn, uint32_t owner);
int frame_release(struct frame_table *t, uint64_t fn);
bool frame_owned_by(const struct frame_table *t, uint64_t fn, uint32_t owner);
bool frame_is_ram(const struct frame_table *t, uint64_t fn);

#endif
