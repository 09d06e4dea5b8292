/*
 * shadow_rmap.c - the shadow MMU's bookkeeping (shadow.c): a record of
 * every entry of every cached shadow table, and the reverse maps that let
 * a guest write to its page tables find exactly the entries it may have
 * made stale.
 *
 * A record (struct srec) is one 4 KiB shadow entry: the cached table it is
 * in, its gva, the gpa and rights it maps, and the guest entries the fill
 * read to make it (one per level: the table page and the entry's offset
 * in it). Every guest page a record names has a node (struct gpage) with
 * two chains, KVM's reverse map and parent lists in one:
 *
 *   walk  the records derived through one of its entries. While this is
 *         non-empty the page is a guest page table: write-protected.
 *   map   the records that map it, so it can be made read-only in every
 *         cached table the moment it becomes a page table.
 *
 * Each record is also on its table's chain, so a table can be dropped at
 * once. Chains are doubly linked through the records. A walk link names
 * (record, level): one record may read two entries of one page (a table
 * that maps itself).
 *
 * Records and nodes live in fixed pools with free lists; hashes (open
 * addressing of indices) find them, so an index never moves. A full pool
 * is the caller's to handle (sr_room): shadow.c drops a cached table.
 * A node goes back to its pool when both its chains are empty.
 */
#include <stdlib.h>

#include "vm_int.h"

#define FREE_ROOT 0xff

/* ---- hashes of uint64_t keys to indices (twice the pool: at most half
 * full, so probing ends) */

static int sh_init(struct srhash *h, unsigned bits)
{
	h->s = malloc(sizeof(*h->s) << bits);
	if (!h->s)
		return -1;
	h->mask = (1u << bits) - 1;
	h->shift = 64 - bits;
	for (uint32_t i = 0; i <= h->mask; i++)
		h->s[i].idx = SR_NIL;
	return 0;
}

static uint32_t sh_home(const struct srhash *h, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> h->shift);
}

static uint32_t sh_slot(const struct srhash *h, uint64_t key)
{
	uint32_t i = sh_home(h, key);
	while (h->s[i].idx != SR_NIL && h->s[i].key != key)
		i = (i + 1) & h->mask;
	return i;
}

static uint32_t sh_find(const struct srhash *h, uint64_t key)
{
	return h->s[sh_slot(h, key)].idx;
}

static void sh_add(struct srhash *h, uint64_t key, uint32_t idx)
{
	uint32_t i = sh_slot(h, key);
	h->s[i].key = key;
	h->s[i].idx = idx;
}

/* Remove key, keeping every probe sequence intact (backward shift). */
static void sh_del(struct srhash *h, uint64_t key)
{
	uint32_t i = sh_slot(h, key);
	if (h->s[i].idx == SR_NIL)
		return;
	for (;;) {
		h->s[i].idx = SR_NIL;
		uint32_t j = i;
		for (;;) {
			j = (j + 1) & h->mask;
			if (h->s[j].idx == SR_NIL)
				return;
			uint32_t k = sh_home(h, h->s[j].key);
			/* j may fill the hole at i unless its home lies in (i, j]. */
			if (i <= j ? (k <= i || k > j) : (k <= i && k > j))
				break;
		}
		h->s[i] = h->s[j];
		i = j;
	}
}

/* ---- chains: head is a record index (map, root chains) or a walk
 * reference (rec << 2 | level); the link is found by the function. */

static struct srlink *walk_link(struct srmap *m, uint32_t ref)
{
	return &m->rec[ref >> 2].walk[ref & 3];
}

static struct srlink *map_link(struct srmap *m, uint32_t i)
{
	return &m->rec[i].map;
}

static struct srlink *root_link(struct srmap *m, uint32_t i)
{
	return &m->rec[i].rootl;
}

typedef struct srlink *(*link_fn)(struct srmap *, uint32_t);

static void chain(struct srmap *m, uint32_t *head, uint32_t x, link_fn l)
{
	l(m, x)->prev = SR_NIL;
	l(m, x)->next = *head;
	if (*head != SR_NIL)
		l(m, *head)->prev = x;
	*head = x;
}

static void unchain(struct srmap *m, uint32_t *head, uint32_t x, link_fn l)
{
	struct srlink *k = l(m, x);
	if (k->prev != SR_NIL)
		l(m, k->prev)->next = k->next;
	else
		*head = k->next;
	if (k->next != SR_NIL)
		l(m, k->next)->prev = k->prev;
}

/* ---- guest page nodes */

static uint32_t gp_get(struct srmap *m, uint64_t gpa)
{
	uint32_t g = sh_find(&m->gh, gpa);
	if (g != SR_NIL)
		return g;
	g = m->gp_free;
	m->gp_free = m->gp[g].map;
	m->gp[g] = (struct gpage){ .gpa = gpa, .walk = SR_NIL, .map = SR_NIL };
	sh_add(&m->gh, gpa, g);
	m->ngp++;
	return g;
}

static void gp_put(struct srmap *m, uint32_t g)
{
	struct gpage *p = &m->gp[g];
	if (p->gpa == UINT64_MAX || p->walk != SR_NIL || p->map != SR_NIL)
		return; /* already free, or still named */
	sh_del(&m->gh, p->gpa);
	p->gpa = UINT64_MAX;
	p->map = m->gp_free;
	m->gp_free = g;
	m->ngp--;
}

/* The node of the guest page holding gpa, or NULL if no record names it. */
struct gpage *sr_page(const struct srmap *m, uint64_t gpa)
{
	uint32_t g = sh_find(&m->gh, gpa & ~(PAGE - 1));
	return g == SR_NIL ? NULL : &m->gp[g];
}

/* ---- records */

/* Empty pools and hashes (about 4 MiB); NULL if out of memory. */
struct srmap *sr_create(void)
{
	struct srmap *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->rec = malloc(SR_RECS * sizeof(*m->rec));
	m->gp = malloc(SR_PAGES * sizeof(*m->gp));
	if (!m->rec || !m->gp || sh_init(&m->rh, 15) < 0 || sh_init(&m->gh, 16) < 0) {
		sr_destroy(m);
		return NULL;
	}
	_Static_assert(SR_RECS * 2 == 1u << 15 && SR_PAGES * 2 == 1u << 16, "hash sizes");
	for (uint32_t i = 0; i < SR_RECS; i++) {
		m->rec[i].root = FREE_ROOT;
		m->rec[i].map.next = i + 1 < SR_RECS ? i + 1 : SR_NIL;
	}
	for (uint32_t i = 0; i < SR_PAGES; i++) {
		m->gp[i].gpa = UINT64_MAX;
		m->gp[i].map = i + 1 < SR_PAGES ? i + 1 : SR_NIL;
	}
	m->rec_free = m->gp_free = 0;
	for (unsigned r = 0; r < SH_ROOTS; r++)
		m->root_head[r] = SR_NIL;
	return m;
}

/* Free everything (NULL is fine); the caller has dropped the tables. */
void sr_destroy(struct srmap *m)
{
	if (!m)
		return;
	free(m->rec);
	free(m->gp);
	free(m->rh.s);
	free(m->gh.s);
	free(m);
}

/* Whether sr_add can record one more entry. */
bool sr_room(const struct srmap *m)
{
	/* A record names at most five pages: four tables and its target. */
	return m->rec_free != SR_NIL && m->ngp + 5 <= SR_PAGES;
}

static uint64_t rec_key(unsigned root, uint64_t gva)
{
	return gva | root; /* gva is a page: the low bits are free */
}

/* The record of page gva in cached table root, or SR_NIL. */
uint32_t sr_find(const struct srmap *m, unsigned root, uint64_t gva)
{
	return sh_find(&m->rh, rec_key(root, gva));
}

/* Record gva -> gpa with perm in root, made from walk w (see vm_int.h).
 * Returns the record's index. */
uint32_t sr_add(struct srmap *m, unsigned root, uint64_t gva, uint64_t gpa, uint32_t perm,
		const struct gwalk *w)
{
	uint32_t i = m->rec_free;
	struct srec *r = &m->rec[i];
	m->rec_free = r->map.next;
	m->nrec++;
	*r = (struct srec){ .gva = gva, .gpa = gpa, .perm = perm, .root = (uint8_t)root };
	r->levels = (uint8_t)w->levels;
	for (unsigned l = 0; l < w->levels; l++) {
		uint32_t g = gp_get(m, w->ent[l] & ~(PAGE - 1));
		r->pt[l] = g;
		r->off[l] = (uint16_t)(w->ent[l] & (PAGE - 1));
		m->gp[g].writes = 0; /* used as a page table again */
		chain(m, &m->gp[g].walk, i << 2 | l, walk_link);
	}
	r->tgt = gp_get(m, gpa);
	chain(m, &m->gp[r->tgt].map, i, map_link);
	chain(m, &m->root_head[root], i, root_link);
	sh_add(&m->rh, rec_key(root, gva), i);
	return i;
}

/* Take record i off every chain and hash and free it; nodes no record
 * names any more go back too. */
void sr_del(struct srmap *m, uint32_t i)
{
	struct srec *r = &m->rec[i];
	sh_del(&m->rh, rec_key(r->root, r->gva));
	unchain(m, &m->root_head[r->root], i, root_link);
	unchain(m, &m->gp[r->tgt].map, i, map_link);
	for (unsigned l = 0; l < r->levels; l++)
		unchain(m, &m->gp[r->pt[l]].walk, i << 2 | l, walk_link);
	/* Nodes go back only now: one page may be on several of its chains. */
	gp_put(m, r->tgt);
	for (unsigned l = 0; l < r->levels; l++)
		gp_put(m, r->pt[l]);
	r->root = FREE_ROOT;
	r->map.next = m->rec_free;
	m->rec_free = i;
	m->nrec--;
}
