/*
 * shadow.c - shadow paging as a software TLB (the vTLB of NOVA; Steinberg
 * and Kauer, EuroSys'10), in kernel guest address spaces (exo/vcpu.h).
 *
 * The guest runs on a shadow table that starts empty. A #PF intercept
 * walks the guest's own tables (gwalk.c): if the guest would fault, it
 * gets the #PF with the error code the hardware would give; otherwise the
 * translation goes into the shadow table (4 KiB at a time, whatever the
 * guest page size), with write permission only once the guest's dirty bit
 * is set, so the dirty bits stay exact. The shadow table behaves like a
 * TLB, so the guest's own TLB maintenance is exactly what keeps it
 * coherent: INVLPG drops the entries of that page (all 4 KiB pieces of a
 * large page), a CR3 write or a paging-mode change flushes everything
 * (global pages included: a TLB may always drop more). Like a TLB it may
 * also drop entries whenever it likes: when the record of what is mapped
 * is full, it is flushed.
 *
 * Formats: a long-mode guest runs on a 4-level table; a 32-bit, PAE,
 * paging-off or real-mode guest on a PAE table (32-bit guests are
 * shadowed with PAE tables, as KVM does). Paging off and real mode use one
 * identity table that maps all guest RAM (paged real mode, AMD APM vol. 2
 * §15.19), kept for the life of the VM.
 *
 * CR0.WP = 0: the hardware always runs with WP on; a supervisor write to
 * a page the guest maps read-only gets a shadow entry that is writable but
 * supervisor-only, so a later user access faults and is shadowed afresh
 * (KVM's technique).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>

#include "vm_int.h"

/* What the shadow table maps: a record per 4 KiB entry, and the large
 * guest pages filled, so INVLPG can find all their pieces. */
#define REC_SLOTS 16384 /* a power of two */
#define REC_MAX	  (REC_SLOTS * 3 / 4)
#define LARGE_MAX 64
#define REC_EMPTY UINT64_MAX

struct srec {
	uint64_t gva;  /* page; REC_EMPTY = free slot */
	uint64_t gpa;  /* page */
	uint64_t perm; /* EXO_PERM_* as mapped */
};

struct smap {
	struct srec rec[REC_SLOTS];
	unsigned n;
	struct {
		uint64_t base, size;
	} large[LARGE_MAX];
	unsigned nlarge;
};

static struct smap *smap_of(struct vcpu *c)
{
	return c->sh.map;
}

static unsigned slot_of(uint64_t gva)
{
	uint64_t h = (gva >> 12) * 0x9e3779b97f4a7c15ull;
	return (unsigned)(h >> 50) & (REC_SLOTS - 1);
}

static struct srec *rec_find(struct smap *m, uint64_t gva)
{
	for (unsigned i = slot_of(gva), k = 0; k < REC_SLOTS; i = (i + 1) & (REC_SLOTS - 1), k++) {
		if (m->rec[i].gva == gva)
			return &m->rec[i];
		if (m->rec[i].gva == REC_EMPTY)
			return NULL;
	}
	return NULL;
}

/* Remove r, keeping linear probing intact (backward-shift deletion). */
static void rec_remove(struct smap *m, struct srec *r)
{
	unsigned i = (unsigned)(r - m->rec);
	for (;;) {
		m->rec[i].gva = REC_EMPTY;
		unsigned j = i;
		for (;;) {
			j = (j + 1) & (REC_SLOTS - 1);
			if (m->rec[j].gva == REC_EMPTY) {
				m->n--;
				return;
			}
			unsigned k = slot_of(m->rec[j].gva);
			/* Move j back to i if its home is not in (i, j]. */
			if ((i <= j) ? (k <= i || k > j) : (k <= i && k > j))
				break;
		}
		m->rec[i] = m->rec[j];
		i = j;
	}
}

int shadow_init(struct vcpu *c)
{
	c->sh.map = malloc(sizeof(struct smap));
	if (!c->sh.map)
		return -EXO_ENOMEM;
	struct smap *m = smap_of(c);
	for (unsigned i = 0; i < REC_SLOTS; i++)
		m->rec[i].gva = REC_EMPTY;
	m->n = m->nlarge = 0;
	c->sh.mode = GM_OFF;
	return 0;
}

/* The table for mode m, made on first use. */
static uint64_t table(struct vcpu *c, enum gmode m)
{
	if (m == GM_OFF)
		return c->vm->gas_phys;
	uint64_t *h = m == GM_LONG ? &c->sh.gas_long : &c->sh.gas_pae;
	if (!*h) {
		long r = exo_gas_create(m == GM_LONG ? EXO_GAS_LONG4 : EXO_GAS_PAE);
		if (r < 0) {
			vm_end(c->vm, VM_EXIT_VMM_ERROR,
			       "cannot make a shadow page table: error %ld", -r);
			return c->vm->gas_phys;
		}
		*h = (uint64_t)r;
	}
	return *h;
}

static void flush(struct vcpu *c)
{
	struct smap *m = smap_of(c);
	c->sh.flushes++;
	for (uint64_t *h = &c->sh.gas_pae; h <= &c->sh.gas_long; h++)
		if (*h) {
			exo_gas_destroy(*h);
			*h = 0;
		}
	if (m->n)
		for (unsigned i = 0; i < REC_SLOTS; i++)
			m->rec[i].gva = REC_EMPTY;
	m->n = m->nlarge = 0;
}

void shadow_flush(struct vcpu *c)
{
	flush(c);
	if (c->vm->cfg->check_shadow)
		shadow_check(c, SHADOW_ALL);
}

uint64_t shadow_table(struct vcpu *c)
{
	enum gmode m = guest_mode(c);
	if (m != c->sh.mode) {
		shadow_flush(c);
		c->sh.mode = m;
	}
	return table(c, m);
}

static void drop(struct vcpu *c, uint64_t gva)
{
	struct smap *m = smap_of(c);
	struct srec *r = rec_find(m, gva);
	if (!r)
		return;
	exo_page_unmap(EXO_AS_GAS(table(c, c->sh.mode)), gva);
	rec_remove(m, r);
}

void shadow_invlpg(struct vcpu *c, uint64_t gva)
{
	struct smap *m = smap_of(c);
	gva &= ~(PAGE - 1);
	drop(c, gva);
	for (unsigned i = 0; i < m->nlarge;) {
		uint64_t base = m->large[i].base, size = m->large[i].size;
		if (gva - base >= size) {
			i++;
			continue;
		}
		for (uint64_t a = base; a < base + size; a += PAGE)
			if (m->n)
				drop(c, a);
		m->large[i] = m->large[--m->nlarge];
	}
	if (c->vm->cfg->check_shadow)
		shadow_check(c, gva);
}

static uint64_t shadow_perm(const struct vcpu *c, const struct gwalk *w, uint32_t pfec)
{
	uint64_t perm = EXO_PERM_R;
	if (!w->nx)
		perm |= EXO_PERM_X;
	if (w->u)
		perm |= EXO_PERM_GUSER;
	if (w->w && w->dirty)
		perm |= EXO_PERM_W;
	if (!w->w && (pfec & PFEC_W) && !(pfec & PFEC_U) && !(c->cr0 & X86_CR0_WP))
		perm = (perm | EXO_PERM_W) & ~(uint64_t)EXO_PERM_GUSER;
	return perm;
}

void shadow_fault(struct vcpu *c, uint64_t gva, uint32_t pfec)
{
	struct vm *vm = c->vm;
	uint32_t kind = pfec & (PFEC_W | PFEC_U | PFEC_I);
	struct gwalk w;
	if (c->sh.mode == GM_OFF) { /* the identity table lacks it */
		uint64_t gpa = gva & 0xffffffffull;
		if (gpa_is_ram(vm, gpa, 1))
			mem_touch(vm, gpa); /* an unbacked page: back it, run again */
		else
			cpu_emulate(c); /* not RAM */
		return;
	}
	if (gwalk(c, gva, kind, &w) < 0) {
		c->st->vmcb.save.cr2 = gva;
		cpu_inject_exc(c, 14, true, w.pfec);
		return;
	}
	if (!gpa_is_ram(vm, w.gpa & ~(PAGE - 1), PAGE)) {
		cpu_emulate(c); /* MMIO, or nothing: the emulator does the access */
		return;
	}
	struct smap *m = smap_of(c);
	uint64_t page = gva & ~(PAGE - 1);
	struct srec *r = rec_find(m, page);
	if (!r && m->n >= REC_MAX) {
		shadow_flush(c); /* a TLB may drop anything */
		shadow_table(c);
	}
	uint64_t perm = shadow_perm(c, &w, pfec);
	uint64_t gpa = w.gpa & ~(PAGE - 1);
	if (mem_touch(vm, gpa) < 0)
		return;
	long e = exo_page_map(EXO_AS_GAS(table(c, c->sh.mode)), page, vm->frames[gpa / PAGE], perm);
	if (e < 0) {
		vm_end(vm, VM_EXIT_VMM_ERROR, "shadow map of 0x%llx failed: error %ld",
		       (unsigned long long)gva, -e);
		return;
	}
	c->sh.fills++;
	if (!r) {
		unsigned i = slot_of(page);
		while (m->rec[i].gva != REC_EMPTY)
			i = (i + 1) & (REC_SLOTS - 1);
		r = &m->rec[i];
		m->n++;
	}
	*r = (struct srec){ page, gpa, perm };
	if (w.page > PAGE) {
		uint64_t base = gva & ~(w.page - 1);
		bool known = false;
		for (unsigned i = 0; i < m->nlarge; i++)
			known |= m->large[i].base == base;
		if (!known) {
			if (m->nlarge == LARGE_MAX) {
				shadow_flush(c);
				return;
			}
			m->large[m->nlarge].base = base;
			m->large[m->nlarge].size = w.page;
			m->nlarge++;
		}
	}
}

/*
 * The coherence check of the debug mode (vm -check): a shadow entry must
 * be one the guest's tables give now, with no more rights. Like a TLB
 * entry, an entry may be stale until the guest flushes it, so the check
 * runs where the architecture says the guest's view and the TLB agree:
 * after an INVLPG, on the entries of that page (gva), and after a CR3
 * write or mode change, on all of them (gva = SHADOW_ALL; the flush has
 * left none, which is what is checked). A disagreement ends the VM: it is
 * a VMM bug.
 */
void shadow_check(struct vcpu *c, uint64_t gva)
{
	struct smap *m = smap_of(c);
	for (unsigned i = 0; i < REC_SLOTS && !c->vm->done; i++) {
		const struct srec *r = &m->rec[i];
		if (r->gva == REC_EMPTY || (gva != SHADOW_ALL && r->gva != (gva & ~(PAGE - 1))))
			continue;
		struct gwalk w;
		uint32_t kind = GW_PEEK | ((r->perm & EXO_PERM_GUSER) ? PFEC_U : 0);
		bool ok = gwalk(c, r->gva, kind, &w) == 0 && (w.gpa & ~(PAGE - 1)) == r->gpa;
		if (ok) {
			uint64_t allowed = shadow_perm(c, &w, PFEC_W) | EXO_PERM_W;
			if (!w.w && (c->cr0 & X86_CR0_WP))
				allowed &= ~(uint64_t)EXO_PERM_W;
			ok = (r->perm & ~allowed) == 0;
		}
		if (!ok)
			vm_end(c->vm, VM_EXIT_VMM_ERROR,
			       "shadow check: gva 0x%llx maps gpa 0x%llx perm 0x%llx, the guest "
			       "says otherwise",
			       (unsigned long long)r->gva, (unsigned long long)r->gpa,
			       (unsigned long long)r->perm);
	}
}
