/*
 * gwalk.c - the guest's own page tables, walked in software the way the
 * hardware walks them (AMD APM vol. 2 §5.2-5.6): for the shadow MMU, which
 * turns each guest translation into a shadow entry, and for the
 * instruction emulator, which reaches guest memory by linear address.
 *
 * Every paging mode: 32-bit (with 4 MiB PSE pages and PSE-36), PAE (2 MiB
 * pages), 4-level long mode (2 MiB and 1 GiB pages). Rights are combined
 * over the levels (R/W and U/S ANDed, NX ORed) and checked against the
 * access with CR0.WP, EFER.NXE, CR4.SMEP and CR4.SMAP (with RFLAGS.AC) as
 * §5.6 says; a failed check gives the #PF error code the hardware would.
 * Accessed bits are set on every entry of a successful walk and the dirty
 * bit on the leaf of a write, with a compare-exchange so another vCPU's
 * update is not lost. A walk reports the gpa of every entry it read: the
 * shadow MMU write-protects those table pages (shadow.c).
 */
#include <string.h>

#include "vm_int.h"

/* The guest's physical-address width (CPUID 0x80000008, cpuid.c). */
#define PHYS_BITS 40
#define ADDR_MASK (((1ull << PHYS_BITS) - 1) & ~0xfffull)
#define E_P	  (1ull << 0)
#define E_W	  (1ull << 1)
#define E_U	  (1ull << 2)
#define E_A	  (1ull << 5)
#define E_D	  (1ull << 6)
#define E_PS	  (1ull << 7)
#define E_NX	  (1ull << 63)

enum gmode guest_mode(const struct vcpu *c)
{
	if (!(c->cr0 & X86_CR0_PG))
		return GM_OFF;
	if (c->efer & X86_EFER_LMA)
		return GM_LONG;
	return (c->cr4 & X86_CR4_PAE) ? GM_PAE : GM_32;
}

uint64_t gwalk_root(const struct vcpu *c)
{
	switch (guest_mode(c)) {
	case GM_32:
		return c->cr3 & 0xfffff000ull;
	case GM_PAE:
		return c->cr3 & 0xffffffe0ull;
	case GM_LONG:
		return c->cr3 & ADDR_MASK;
	default:
		return 0;
	}
}

/* The entry at gpa (size 4 or 8 bytes) in guest RAM, or NULL. */
static void *entry_at(struct vcpu *c, uint64_t gpa, unsigned size)
{
	return gpa_is_ram(c->vm, gpa, size) ? c->vm->ram + gpa : NULL;
}

static uint64_t load(const void *p, unsigned size)
{
	if (size == 4)
		return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
}

/* Set bits in the entry at p, unless it changed meanwhile (then the walk
 * is simply not recorded; the guest's own update wins). */
static void set_bits(void *p, unsigned size, uint64_t old, uint64_t bits)
{
	if ((old & bits) == bits)
		return;
	if (size == 4) {
		uint32_t o = (uint32_t)old;
		__atomic_compare_exchange_n((uint32_t *)p, &o, o | (uint32_t)bits, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	} else {
		__atomic_compare_exchange_n((uint64_t *)p, &old, old | bits, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
}

struct level {
	void *p;
	uint64_t e;
};

int gwalk(struct vcpu *c, uint64_t gva, uint32_t kind, struct gwalk *w)
{
	return gwalk_at(c, gwalk_root(c), gva, kind, w);
}

int gwalk_at(struct vcpu *c, uint64_t root, uint64_t gva, uint32_t kind, struct gwalk *w)
{
	enum gmode m = guest_mode(c);
	memset(w, 0, sizeof(*w));
	w->w = w->u = true;
	if (m == GM_OFF) {
		w->gpa = gva & 0xffffffffull;
		w->page = PAGE;
		return 0;
	}
	bool nxe = c->efer & X86_EFER_NXE;
	unsigned size = m == GM_32 ? 4 : 8;
	unsigned levels = m == GM_LONG ? 4 : m == GM_PAE ? 3 : 2;
	uint64_t table = root;
	w->ent_size = size;
	struct level lv[4];
	unsigned n = 0;
	uint64_t rsvd = 0, gpa = 0;
	for (unsigned l = levels; l-- > 0;) {
		unsigned shift = m == GM_32 ? 12 + 10 * l : 12 + 9 * l;
		uint64_t idx = (gva >> shift) & (m == GM_32 ? 0x3ff : 0x1ff);
		if (m == GM_PAE && l == 2)
			idx = (gva >> 30) & 3;
		void *p = entry_at(c, table + idx * size, size);
		if (!p) { /* a table outside RAM reads as all-ones */
			w->pfec = PFEC_P | PFEC_RSVD;
			goto fault;
		}
		uint64_t e = load(p, size);
		w->ent[n] = table + idx * size;
		lv[n++] = (struct level){ p, e };
		if (!(e & E_P)) {
			w->pfec = 0;
			goto fault;
		}
		if (size == 8) {
			rsvd |= e & ~ADDR_MASK & ~E_NX & 0x000fffffffffffffull & ~0xfffull;
			if ((e & E_NX) && !nxe)
				rsvd |= E_NX;
		}
		bool pdpte_pae = m == GM_PAE && l == 2;
		if (!pdpte_pae) {
			w->w &= !!(e & E_W);
			w->u &= !!(e & E_U);
			w->nx |= nxe && (e & E_NX);
		}
		bool leaf = l == 0;
		if (!leaf && (e & E_PS) && !pdpte_pae) {
			if (m == GM_32 && (c->cr4 & X86_CR4_PSE)) {
				w->page = 4ull << 20;
				gpa = (e & 0xffc00000ull) | ((e >> 13) & 0xffull) << 32;
				rsvd |= e & (1ull << 21);
				leaf = true;
			} else if (m != GM_32 && (l == 1 || (l == 2 && m == GM_LONG))) {
				w->page = 1ull << shift;
				gpa = e & ADDR_MASK & ~(w->page - 1);
				/* Bits 12 (PAT) and up to the page size: 13.. reserved. */
				rsvd |= e & ADDR_MASK & (w->page - 1) & ~0x1fffull;
				leaf = true;
			} else if (m == GM_LONG && l == 3) {
				rsvd |= E_PS;
			}
		} else if (leaf) {
			w->page = PAGE;
			gpa = e & (size == 4 ? 0xfffff000ull : ADDR_MASK);
		}
		if (rsvd) {
			w->pfec = PFEC_P | PFEC_RSVD;
			goto fault;
		}
		if (leaf)
			break;
		table = e & (size == 4 ? 0xfffff000ull : ADDR_MASK);
	}
	w->gpa = gpa | (gva & (w->page - 1));
	/* Rights (§5.6). */
	bool user = kind & PFEC_U, write = kind & PFEC_W, fetch = kind & PFEC_I;
	bool ok = true;
	if (kind & GW_NOPERM) {
		/* the caller judges the rights itself (shadow_check) */
	} else if (user) {
		ok = w->u && (!write || w->w) && !(fetch && w->nx);
	} else {
		if (write && !w->w && (c->cr0 & X86_CR0_WP))
			ok = false;
		if (fetch && w->nx)
			ok = false;
		if (fetch && w->u && (c->cr4 & X86_CR4_SMEP))
			ok = false;
		if (!fetch && w->u && (c->cr4 & X86_CR4_SMAP) &&
		    !(c->st->vmcb.save.rflags & (1ull << 18)))
			ok = false;
	}
	if (!ok) {
		w->pfec = PFEC_P;
		goto fault;
	}
	w->levels = n;
	w->accessed = true;
	for (unsigned i = 0; i < n; i++) {
		bool last = i == n - 1;
		bool pdpte_pae = m == GM_PAE && i == 0;
		if (pdpte_pae)
			continue; /* a PAE PDPTE has no A bit */
		if (!(kind & GW_PEEK))
			set_bits(lv[i].p, size, lv[i].e, E_A | (last && write ? E_D : 0));
		else
			w->accessed &= !!(lv[i].e & E_A);
	}
	w->dirty = (write && !(kind & GW_PEEK)) || (lv[n - 1].e & E_D);
	return 0;
fault:
	w->pfec |= kind & (PFEC_W | PFEC_U);
	if ((kind & PFEC_I) && (nxe || (c->cr4 & X86_CR4_SMEP)))
		w->pfec |= PFEC_I;
	return -1;
}
