/*
 * bootmem.c - usable RAM from the firmware memory map (see bootmem.h).
 *
 * A sweep from low to high addresses, with no heap and no scratch array:
 * from the current address, skip holes and gaps to the next usable byte,
 * follow chained available entries to the end of the run, cut it at the
 * first hole that starts inside, emit it page-aligned, and continue from
 * its end. Each output range costs O(n^2) in the number of entries, which
 * for the few dozen entries of a real map is nothing.
 *
 * Runs are found at byte precision and only then shrunk inward to pages,
 * so available entries that touch at an unaligned address lose nothing at
 * the seam. Because runs come out already merged, the count is exact:
 * -EXO_ERANGE means the answer really has more than max_out ranges, never
 * that some intermediate split did.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/error.h>
#include <exo/layout.h>

#include "bootmem.h"

#define PAGE_MASK (EXO_PAGE_SIZE - 1)

struct sweep {
	const struct bootmem_entry *map;
	unsigned n;
	const struct bootmem_range *reserved;
	unsigned nres;
};

/* End of [base, base + len), clipped at the top of the address space
 * (UINT64_MAX stands in for 2^64; no page-aligned range can reach it). */
static uint64_t end_of(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~PAGE_MASK;
}

/* Round up, saturating at UINT64_MAX instead of wrapping to 0. */
static uint64_t page_up(uint64_t a)
{
	return a > UINT64_MAX - PAGE_MASK ? UINT64_MAX : (a + PAGE_MASK) & ~PAGE_MASK;
}

/* Hole i of the sweep (i < n + nres) in [*base, *end). False if i names
 * an available entry or an empty range. */
static bool hole(const struct sweep *s, unsigned i, uint64_t *base, uint64_t *end)
{
	uint64_t b, len;

	if (i < s->n) {
		if (s->map[i].type == BOOTMEM_AVAILABLE)
			return false;
		b = s->map[i].base;
		len = s->map[i].len;
	} else {
		b = s->reserved[i - s->n].base;
		len = s->reserved[i - s->n].len;
	}
	if (len == 0)
		return false;
	*base = b;
	*end = end_of(b, len);
	return true;
}

/* Available entry i in [*base, *end). False if not available or empty. */
static bool avail(const struct sweep *s, unsigned i, uint64_t *base, uint64_t *end)
{
	if (s->map[i].type != BOOTMEM_AVAILABLE || s->map[i].len == 0)
		return false;
	*base = s->map[i].base;
	*end = end_of(s->map[i].base, s->map[i].len);
	return true;
}

/*
 * The lowest usable address >= *p and below hi, in *p. False if none.
 * Each step moves *p strictly up to an entry boundary, so this ends.
 */
static bool next_start(const struct sweep *s, uint64_t *p, uint64_t hi)
{
	uint64_t b, e;

	for (;;) {
		bool moved = false, covered = false;
		uint64_t next = UINT64_MAX;

		if (*p >= hi)
			return false;
		for (unsigned i = 0; i < s->n + s->nres; i++) {
			if (hole(s, i, &b, &e) && b <= *p && *p < e) {
				*p = e;
				moved = true;
			}
		}
		if (moved)
			continue;
		for (unsigned i = 0; i < s->n; i++) {
			if (!avail(s, i, &b, &e))
				continue;
			if (b <= *p && *p < e)
				covered = true;
			else if (b > *p && b < next)
				next = b;
		}
		if (covered)
			return true;
		if (next == UINT64_MAX)
			return false;
		*p = next;
	}
}

/*
 * End of the usable run that starts at the usable address p: follow
 * available entries that overlap or touch the run, then stop at hi and at
 * the first hole starting inside. (p itself lies in no hole.)
 */
static uint64_t run_end(const struct sweep *s, uint64_t p, uint64_t hi)
{
	uint64_t b, e, end = p;
	bool grew = true;

	while (grew) {
		grew = false;
		for (unsigned i = 0; i < s->n; i++) {
			if (avail(s, i, &b, &e) && b <= end && end < e) {
				end = e;
				grew = true;
			}
		}
	}
	if (end > hi)
		end = hi;
	for (unsigned i = 0; i < s->n + s->nres; i++)
		if (hole(s, i, &b, &e) && b > p && b < end)
			end = b;
	return end;
}

int bootmem_usable(const struct bootmem_entry *map, unsigned n,
		   const struct bootmem_range *reserved, unsigned nres, uint64_t min_addr,
		   uint64_t max_addr, struct bootmem_range *out, unsigned max_out)
{
	const struct sweep s = { map, n, reserved, nres };
	uint64_t p = page_up(min_addr), hi = page_down(max_addr);
	unsigned count = 0;

	while (next_start(&s, &p, hi)) {
		uint64_t end = run_end(&s, p, hi);
		uint64_t b = page_up(p), e = page_down(end);

		if (b < e) {
			if (count == max_out)
				return -EXO_ERANGE;
			out[count].base = b;
			out[count].len = e - b;
			count++;
		}
		p = end;
	}
	return (int)count;
}

uint64_t bootmem_total(const struct bootmem_range *r, unsigned n)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += r[i].len;
	return total;
}
