/*
 * frame.c - allocation and ownership of physical frames.
 *
 * Every frame has exactly one owner or is free: an environment (by its id),
 * the kernel, or "reserved" (not allocatable RAM). Checks that decide
 * whether an environment may use a frame it does not own (grants) live in
 * secure-bindings/; this file only keeps the table.
 */
#include <stddef.h>

#include <exo/error.h>

#include "frame.h"

/* Start with every frame reserved; frame_table_add_free opens usable RAM.
 * array: n entries, owned by the caller. */
void frame_table_init(struct frame_table *t, struct frame *array, uint64_t n)
{
	t->f = array;
	t->n = n;
	t->nfree = 0;
	t->cursor = 0;
	for (uint64_t i = 0; i < n; i++)
		t->f[i] = (struct frame){ .owner = FRAME_RESERVED };
}

/* Mark frames [first, first + count) free (clipped to the table). Only
 * reserved frames change: a frame already free or owned keeps its state. */
void frame_table_add_free(struct frame_table *t, uint64_t first, uint64_t count)
{
	for (uint64_t i = first; i < first + count && i < t->n; i++) {
		if (t->f[i].owner == FRAME_RESERVED) {
			t->f[i].owner = FRAME_FREE;
			t->nfree++;
		}
	}
}

/*
 * Allocate any free frame to owner (an env id, or FRAME_KERNEL). Searches
 * round-robin from the cursor so freed frames are not reused at once.
 * Returns the frame number, or -EXO_ENOMEM when none is free.
 */
int64_t frame_alloc_any(struct frame_table *t, uint32_t owner)
{
	if (t->nfree == 0)
		return -EXO_ENOMEM;
	for (uint64_t k = 0; k < t->n; k++) {
		uint64_t i = (t->cursor + k) % t->n;
		if (t->f[i].owner == FRAME_FREE) {
			t->f[i].owner = owner;
			t->nfree--;
			t->cursor = (i + 1) % t->n;
			return (int64_t)i;
		}
	}
	return -EXO_ENOMEM; /* unreachable while the nfree invariant holds */
}

/*
 * Allocate frame fn to owner. Returns 0, -EXO_EINVAL if fn is past the end
 * of the table or not allocatable RAM, -EXO_EBUSY if someone owns it.
 */
int frame_alloc_specific(struct frame_table *t, uint64_t fn, uint32_t owner)
{
	if (fn >= t->n || t->f[fn].owner == FRAME_RESERVED)
		return -EXO_EINVAL;
	if (t->f[fn].owner != FRAME_FREE)
		return -EXO_EBUSY;
	t->f[fn].owner = owner;
	t->nfree--;
	return 0;
}

/*
 * Put an allocated frame back in the free pool. The caller has checked
 * that nobody maps it and no grant names it. Returns 0, or -EXO_EINVAL if
 * fn is out of range or not allocated.
 */
int frame_release(struct frame_table *t, uint64_t fn)
{
	if (fn >= t->n || t->f[fn].owner == FRAME_FREE || t->f[fn].owner == FRAME_RESERVED)
		return -EXO_EINVAL;
	t->f[fn] = (struct frame){ .owner = FRAME_FREE };
	t->nfree++;
	return 0;
}

/* True if fn is a frame in the table owned by owner. */
bool frame_owned_by(const struct frame_table *t, uint64_t fn, uint32_t owner)
{
	return fn < t->n && t->f[fn].owner == owner;
}

/* True if fn is allocatable RAM (free or allocated), not a reserved frame. */
bool frame_is_ram(const struct frame_table *t, uint64_t fn)
{
	return fn < t->n && t->f[fn].owner != FRAME_RESERVED;
}
