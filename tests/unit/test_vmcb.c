/*
 * test_vmcb.c - host tests of the VMCB checks (secure-bindings/vmcb.c).
 *
 * Five valid baselines (real mode under paged real mode and 32-bit paged
 * protected mode on a PAE shadow table, long mode on a 4-level shadow
 * table, nested paging with the guest's paging off and in long mode) must
 * pass with every forced field in place; then one mutation at a time must
 * give exactly its error. The forced bits are restated here from the APM
 * tables, not taken from vmcb.h, and the random test re-derives every
 * invariant on its own, so a wrong constant in vmcb.h fails a test.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/vcpu.h>
#include <exo/vmcb.h>

#include "vmcb.h"
#include "unit.h"

#define BIT(n) (1ull << (n))

/* The forced intercepts, bit by bit from APM vol. 2 Table B-1. */
static const unsigned t_misc1[] = { 0, 1, 2, 3, 26, 27, 28, 31 }; /* INTR NMI SMI INIT INVLPGA IOIO
								    MSR SHUTDOWN */
static const unsigned t_misc2[] = { 0, 1, 2, 3, 4, 5, 6, 13 };	  /* VMRUN..SKINIT, XSETBV */
static const unsigned t_dr[] = { 0, 1, 2, 3, 16, 17, 18, 19 };	  /* DR0-3 read, write */
static const unsigned t_exc[] = { 1, 17 };			  /* #DB, #AC */
static const unsigned t_cr_shadow[] = { 3, 16, 19, 20 };	  /* CR3 read; CR0 CR3 CR4 write */
#define T_MISC1_TASKSWITCH 29

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum base { REAL_PAE, PROT_PAE, LONG_SHADOW, NESTED_OFF, NESTED_LONG, NBASE };
static const char *const base_names[NBASE] = { "real/PAE", "prot32/PAE", "long/LONG4", "nested-off",
					       "nested-long" };

#define ROOT_LONG4 0x200000ull
#define ROOT_PAE   0x3000e0ull /* 32-byte aligned, below 4 GiB */
#define IOPM_PA	   0x100000ull
#define MSRPM_PA   0x104000ull

static struct sb_vmcb_host host(void)
{
	struct sb_vmcb_host h = {
		.cr4_allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE |
			       X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |
			       X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP |
			       X86_CR4_FSGSBASE | X86_CR4_PCIDE | X86_CR4_OSXSAVE | X86_CR4_SMEP |
			       X86_CR4_SMAP,
		.efer_allowed =
			X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SVME,
		.xcr0_allowed = 0x7,
		.nested = true,
		.flush_by_asid = false,
		.pa_bits = 48,
		.nasid = 16,
	};
	return h;
}

static struct vmcb_seg seg(uint16_t sel, uint16_t attr, uint64_t base)
{
	struct vmcb_seg s = { .sel = sel, .attr = attr, .limit = 0xffff, .base = base };
	return s;
}

/* A valid VMCB and binding for baseline k. */
static void baseline(enum base k, struct vmcb *v, struct sb_vmcb_bind *b)
{
	uint16_t code = VMCB_ATTR_P | VMCB_ATTR_S | VMCB_ATTR_TYPE(0xb);
	uint16_t data = VMCB_ATTR_P | VMCB_ATTR_S | VMCB_ATTR_TYPE(0x3);

	memset(v, 0, sizeof(*v));
	memset(b, 0, sizeof(*b));
	b->asid = 5;
	b->iopm_pa = IOPM_PA;
	b->msrpm_pa = MSRPM_PA;
	b->tlb_control = VMCB_TLB_FLUSH_ALL;

	/* The VMM's own choices, which must survive. */
	v->control.intercept_misc1 = VMCB_I1_HLT | VMCB_I1_CPUID;
	v->control.intercept_exc = BIT(14);
	v->control.tsc_offset = 0x1234;
	v->control.vintr = VMCB_VINTR_TPR(3);

	v->save.efer = X86_EFER_SVME;
	v->save.rflags = 2;
	v->save.dr6 = 0xffff0ff0;
	v->save.dr7 = 0x400;
	v->save.g_pat = 0x0007040600070406ull;
	v->save.cs = seg(0xf000, code, 0xf0000);
	v->save.ss = v->save.ds = v->save.es = seg(0, data, 0);
	v->save.rip = 0xfff0;

	switch (k) {
	case REAL_PAE: /* paged real mode: PG=1, PE=0 */
		b->format = EXO_GAS_PAE;
		b->root_pa = ROOT_PAE;
		v->save.cr0 = X86_CR0_PG | X86_CR0_ET;
		v->save.cr4 = X86_CR4_PAE;
		break;
	case PROT_PAE:
		b->format = EXO_GAS_PAE;
		b->root_pa = ROOT_PAE;
		v->save.cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP;
		v->save.cr4 = X86_CR4_PAE | X86_CR4_PSE;
		v->save.efer |= X86_EFER_NXE;
		v->save.cs = seg(8, code | VMCB_ATTR_DB | VMCB_ATTR_G, 0);
		v->save.cr3 = 0x5000; /* the VMM's: replaced */
		break;
	case LONG_SHADOW:
		b->format = EXO_GAS_LONG4;
		b->root_pa = ROOT_LONG4;
		v->save.cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP;
		v->save.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR;
		v->save.efer |= X86_EFER_LME | X86_EFER_LMA | X86_EFER_SCE | X86_EFER_NXE;
		v->save.cs = seg(8, code | VMCB_ATTR_L, 0);
		v->save.cr3 = 0x7000;
		break;
	case NESTED_OFF:
		b->format = EXO_GAS_LONG4;
		b->root_pa = ROOT_LONG4;
		b->nested = true;
		v->save.cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
		break;
	case NESTED_LONG:
		b->format = EXO_GAS_LONG4;
		b->root_pa = ROOT_LONG4;
		b->nested = true;
		v->save.cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP;
		v->save.cr4 = X86_CR4_PAE | X86_CR4_PCIDE;
		v->save.efer |= X86_EFER_LME | X86_EFER_LMA;
		v->save.cs = seg(8, code | VMCB_ATTR_L, 0);
		v->save.cr3 = 0x9000 | 0x12; /* a gpa with a PCID: kept */
		break;
	default:
		break;
	}
}

static bool has_bits(uint32_t word, const unsigned *bits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(word & (1u << bits[i])))
			return false;
	return true;
}

/* Every invariant of a VMCB that prepare accepted, derived independently
 * of vmcb.c. Returns the name of the first broken one, or NULL. */
static const char *broken(const struct vmcb *o, const struct vmcb *in, const struct sb_vmcb_bind *b,
			  const struct sb_vmcb_host *h)
{
	const struct vmcb_control *c = &o->control;
	const struct vmcb_save *s = &o->save;
	uint64_t cr0 = s->cr0, cr4 = s->cr4, efer = s->efer, ev = c->event_inj;
	bool lng = (efer & BIT(8)) && (cr0 & BIT(31));

	if (c->asid == 0 || c->asid != b->asid || c->asid >= h->nasid)
		return "asid";
	if (c->iopm_base_pa != b->iopm_pa || c->msrpm_base_pa != b->msrpm_pa)
		return "maps";
	if (!has_bits(c->intercept_misc1, t_misc1, N(t_misc1)) ||
	    !has_bits(c->intercept_misc2, t_misc2, N(t_misc2)) ||
	    !has_bits(c->intercept_dr, t_dr, N(t_dr)) ||
	    !has_bits(c->intercept_exc, t_exc, N(t_exc)))
		return "forced intercepts";
	if ((c->intercept_misc1 & ~in->control.intercept_misc1) & ~(0x9c00000fu | BIT(29)))
		return "misc1 beyond VMM + forced";
	if (!b->nested && (!has_bits(c->intercept_cr, t_cr_shadow, N(t_cr_shadow)) ||
			   !(c->intercept_misc1 & BIT(T_MISC1_TASKSWITCH))))
		return "shadow intercepts";
	if (!(c->vintr & BIT(24)) || (c->vintr & (BIT(25) | BIT(31) | BIT(9) | BIT(26))))
		return "vintr";
	if (c->virt_ext || c->clean || c->exit_code || c->exit_info1 || c->exit_info2 ||
	    c->exit_int_info || c->avic_apic_bar || c->ghcb_pa || c->next_rip)
		return "zeroed fields";
	if (c->interrupt_shadow > 1)
		return "interrupt shadow";
	if (b->nested ? (c->np_enable != 1 || c->ncr3 != b->root_pa || s->cr3 != in->save.cr3)
		      : (c->np_enable != 0 || c->ncr3 != 0 || s->cr3 != b->root_pa))
		return "paging binding";
	if (!h->nested && b->nested)
		return "nested without NP";
	if (b->format == EXO_GAS_PAE && (b->nested || b->root_pa >= BIT(32)))
		return "format";
	if (!(efer & BIT(12)) || (efer & ~h->efer_allowed))
		return "efer";
	if ((cr0 >> 32) || ((cr0 & BIT(29)) && !(cr0 & BIT(30))))
		return "cr0";
	if (lng ? (s->cr3 >> h->pa_bits) != 0 : (s->cr3 >> 32) != 0)
		return "cr3";
	if ((cr4 & ~h->cr4_allowed) || (cr4 & BIT(12)))
		return "cr4";
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return "dr";
	if (lng && (!(cr4 & BIT(5)) || !(cr0 & BIT(0))))
		return "long mode";
	if (lng && (s->cs.attr & BIT(9)) && (s->cs.attr & BIT(10)))
		return "cs";
	if (!!(efer & BIT(10)) != lng)
		return "lma";
	if (!b->nested && !(cr0 & BIT(31)))
		return "shadow paging off";
	if (!b->nested && b->format == EXO_GAS_LONG4 && !(lng && (cr4 & BIT(5))))
		return "long4 shadow mode";
	if (!b->nested && b->format == EXO_GAS_PAE && (!(cr4 & BIT(5)) || (efer & BIT(8))))
		return "pae shadow mode";
	if (ev & BIT(31)) {
		unsigned type = (ev >> 8) & 7, vec = ev & 0xff;

		if (type == 1 || type >= 5 || (type == 3 && (vec == 2 || vec > 31)))
			return "event type";
		if ((ev & BIT(11)) && (type != 3 || !(cr0 & 1)))
			return "event error code";
	}
	if (b->nested)
		for (int i = 0; i < 64; i += 8) {
			unsigned t = (s->g_pat >> i) & 0xff;
			if (t == 2 || t == 3 || t > 7)
				return "g_pat";
		}
	return NULL;
}

static void test_baselines(void)
{
	struct sb_vmcb_host h = host();

	for (int k = 0; k < NBASE; k++) {
		struct vmcb in, out;
		struct sb_vmcb_bind b;
		int r;

		baseline((enum base)k, &in, &b);
		r = sb_vmcb_prepare(&out, &in, &b, &h);
		if (r != 0)
			printf("\n  %s: %s\n", base_names[k], sb_vmcb_strerror(r));
		CU_ASSERT_EQUAL_FATAL(r, 0);
		CU_ASSERT_PTR_NULL(broken(&out, &in, &b, &h));
		CU_ASSERT_EQUAL(out.control.asid, 5);
		CU_ASSERT_EQUAL(out.control.tlb_control, VMCB_TLB_FLUSH_ALL);
		CU_ASSERT_EQUAL(out.control.iopm_base_pa, IOPM_PA);
		CU_ASSERT_EQUAL(out.control.msrpm_base_pa, MSRPM_PA);
		CU_ASSERT_EQUAL(out.control.vintr, VMCB_VINTR_TPR(3) | BIT(24));
		CU_ASSERT_EQUAL(out.control.tsc_offset, 0x1234);
		/* The VMM's intercepts are kept. */
		CU_ASSERT(out.control.intercept_misc1 & VMCB_I1_HLT);
		CU_ASSERT(out.control.intercept_misc1 & VMCB_I1_CPUID);
		CU_ASSERT(out.control.intercept_exc & BIT(14));
		if (b.nested) {
			CU_ASSERT_EQUAL(out.control.np_enable, 1);
			CU_ASSERT_EQUAL(out.control.ncr3, ROOT_LONG4);
			CU_ASSERT_EQUAL(out.save.cr3, in.save.cr3);
			/* no shadow-only intercepts beyond the VMM's */
			CU_ASSERT_EQUAL(out.control.intercept_cr, 0);
			CU_ASSERT_FALSE(out.control.intercept_misc1 & BIT(T_MISC1_TASKSWITCH));
		} else {
			CU_ASSERT_EQUAL(out.control.np_enable, 0);
			CU_ASSERT_EQUAL(out.control.ncr3, 0);
			CU_ASSERT_EQUAL(out.save.cr3, b.root_pa);
			CU_ASSERT_EQUAL(out.control.intercept_cr, 0x00190008u);
		}
		CU_ASSERT_EQUAL(out.control.intercept_dr, 0x000f000fu);
		CU_ASSERT_EQUAL(out.control.intercept_misc2, 0x207fu);
		/* The rest of the save area is the VMM's, byte for byte. */
		out.save.cr3 = in.save.cr3;
		CU_ASSERT_EQUAL(memcmp(&out.save, &in.save, sizeof(out.save)), 0);
	}
}

/* One mutation on a baseline, and the error it must give. */
struct mutation {
	const char *name;
	enum base base;
	int err; /* enum sb_vmcb_error, 0 = must pass */
	void (*apply)(struct vmcb *v, struct sb_vmcb_bind *b, struct sb_vmcb_host *h);
};

#define M(fn, body)                                                                    \
	static void fn(struct vmcb *v, struct sb_vmcb_bind *b, struct sb_vmcb_host *h) \
	{                                                                              \
		(void)v;                                                               \
		(void)b;                                                               \
		(void)h;                                                               \
		body;                                                                  \
	}

M(m_format0, b->format = 0)
M(m_format3, b->format = 3)
M(m_no_np, h->nested = false)
M(m_nested_pae, b->format = EXO_GAS_PAE)
M(m_asid0, b->asid = 0)
M(m_asid_max, b->asid = 16)
M(m_asid_last, b->asid = 15)
M(m_tlb3, b->tlb_control = 3)
M(m_tlb3_ok, b->tlb_control = 3; h->flush_by_asid = true)
M(m_tlb2, b->tlb_control = 2; h->flush_by_asid = true)
M(m_iopm_align, b->iopm_pa = IOPM_PA + 0x800)
M(m_msrpm_align, b->msrpm_pa = MSRPM_PA + 8)
M(m_iopm_top_ok, b->iopm_pa = BIT(48) - 0x3000)
M(m_iopm_top, b->iopm_pa = BIT(48) - 0x2000)
M(m_msrpm_top, b->msrpm_pa = BIT(48) - 0x1000)
M(m_msrpm_wrap, b->msrpm_pa = ~0xfffull)
M(m_root_align, b->root_pa = ROOT_LONG4 + 0x800)
M(m_root_pae_align, b->root_pa = ROOT_PAE + 0x10)
M(m_root_pae_4g, b->root_pa = BIT(32))
M(m_root_pae_low_ok, b->root_pa = 0xffffffe0ull)
M(m_root_high, b->root_pa = BIT(48))
M(m_pa_bits0_ok, b->root_pa = BIT(51); h->pa_bits = 0)
M(m_svme, v->save.efer &= ~X86_EFER_SVME)
M(m_nw, v->save.cr0 |= X86_CR0_NW)
M(m_cd_nw_ok, v->save.cr0 |= X86_CR0_NW | X86_CR0_CD)
M(m_cr0_high, v->save.cr0 |= BIT(32))
M(m_cr0_top, v->save.cr0 |= BIT(63))
M(m_cr3_52, v->save.cr3 |= BIT(52))
M(m_cr3_pa, v->save.cr3 |= BIT(48))
M(m_cr3_47_ok, v->save.cr3 |= BIT(47))
M(m_cr3_legacy_high, v->save.cr3 |= BIT(32))
M(m_cr3_legacy_low_ok, v->save.cr3 = 0xfffff01f)
M(m_la57, v->save.cr4 |= X86_CR4_LA57)
M(m_la57_allowed, v->save.cr4 |= X86_CR4_LA57; h->cr4_allowed |= X86_CR4_LA57)
M(m_cr4_pke, v->save.cr4 |= X86_CR4_PKE)
M(m_cr4_high, v->save.cr4 |= BIT(40); h->cr4_allowed |= BIT(40))
M(m_cr4_pcide_legacy, v->save.cr4 |= X86_CR4_PCIDE)
M(m_cr4_pcide_long_ok, v->save.cr4 |= X86_CR4_PCIDE)
M(m_cet_wp, v->save.cr4 |= BIT(23); v->save.cr0 &= ~X86_CR0_WP; h->cr4_allowed |= BIT(23))
M(m_cet_wp_ok, v->save.cr4 |= BIT(23); h->cr4_allowed |= BIT(23))
M(m_s_cet, v->save.s_cet = BIT(6))
M(m_dr6, v->save.dr6 |= BIT(32))
M(m_dr7, v->save.dr7 |= BIT(63))
M(m_efer_lmsle, v->save.efer |= X86_EFER_LMSLE)
M(m_efer_high, v->save.efer |= BIT(40))
M(m_lme_pae, v->save.cr4 &= ~X86_CR4_PAE)
M(m_lme_pe, v->save.cr0 &= ~X86_CR0_PE)
M(m_cs_ld, v->save.cs.attr |= VMCB_ATTR_DB)
M(m_cs_d_compat_ok, v->save.cs.attr = (uint16_t)((v->save.cs.attr & ~VMCB_ATTR_L) | VMCB_ATTR_DB))
M(m_ev_type1, v->control.event_inj = VMCB_EVT_MAKE(1, 0x20))
M(m_ev_type5, v->control.event_inj = VMCB_EVT_MAKE(5, 0x20))
M(m_ev_type6, v->control.event_inj = VMCB_EVT_MAKE(6, 0x20))
M(m_ev_type7, v->control.event_inj = VMCB_EVT_MAKE(7, 0x20))
M(m_ev_exc2, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, 2))
M(m_ev_exc32, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, 32))
M(m_ev_exc31_ok, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, 31))
M(m_ev_exc_ec_ok,
  v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, 14) | VMCB_EVT_EV | (6ull << 32))
M(m_ev_intr_ec, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_INTR, 0x30) | VMCB_EVT_EV)
M(m_ev_soft_ec, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_SOFT, 0x80) | VMCB_EVT_EV)
M(m_ev_nmi_ok, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_NMI, 2))
M(m_ev_real_ec, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, 13) | VMCB_EVT_EV)
M(m_ev_real_ok, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, 13))
M(m_ev_reserved, v->control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_INTR, 0x30) | BIT(12))
M(m_ev_invalid_ok, v->control.event_inj = 0xffffffff7fffffffull)
M(m_shadow_pg, v->save.cr0 &= ~X86_CR0_PG)
M(m_shadow_long_lma, v->save.cr0 &= ~X86_CR0_PG; v->save.efer &= ~X86_EFER_LMA)
M(m_long4_on_prot, b->format = EXO_GAS_LONG4; b->root_pa = ROOT_LONG4)
M(m_pae_on_long, b->format = EXO_GAS_PAE; b->root_pa = ROOT_PAE)
M(m_pae_no_pae, v->save.cr4 &= ~X86_CR4_PAE)
M(m_lma_clear, v->save.efer &= ~X86_EFER_LMA)
M(m_lma_set, v->save.efer |= X86_EFER_LMA)
M(m_lma_nopg, v->save.efer |= X86_EFER_LMA | X86_EFER_LME)
M(m_pat2, v->save.g_pat = 0x0007040600070206ull)
M(m_pat8, v->save.g_pat = 0x0807040600070406ull)
M(m_pat_shadow_ok, v->save.g_pat = 0xffffffffffffffffull)
M(m_nested_ncr3_pa, b->root_pa = BIT(48) + 0x1000)

static const struct mutation mutations[] = {
	{ "format 0", LONG_SHADOW, SB_VMCB_EFORMAT, m_format0 },
	{ "format 3", NESTED_LONG, SB_VMCB_EFORMAT, m_format3 },
	{ "nested, host without NP", NESTED_LONG, SB_VMCB_ENONESTED, m_no_np },
	{ "nested on a PAE table", NESTED_OFF, SB_VMCB_ENESTED_FORMAT, m_nested_pae },
	{ "ASID 0", PROT_PAE, SB_VMCB_EASID, m_asid0 },
	{ "ASID == nasid", LONG_SHADOW, SB_VMCB_EASID, m_asid_max },
	{ "ASID nasid-1", LONG_SHADOW, 0, m_asid_last },
	{ "TLB_CONTROL 3 without flush-by-ASID", PROT_PAE, SB_VMCB_ETLB, m_tlb3 },
	{ "TLB_CONTROL 3 with flush-by-ASID", PROT_PAE, 0, m_tlb3_ok },
	{ "TLB_CONTROL 2", PROT_PAE, SB_VMCB_ETLB, m_tlb2 },
	{ "IOPM misaligned", REAL_PAE, SB_VMCB_EMAPS, m_iopm_align },
	{ "MSRPM misaligned", REAL_PAE, SB_VMCB_EMAPS, m_msrpm_align },
	{ "IOPM ends at the limit", REAL_PAE, 0, m_iopm_top_ok },
	{ "IOPM crosses the limit", REAL_PAE, SB_VMCB_EMAPS, m_iopm_top },
	{ "MSRPM crosses the limit", REAL_PAE, SB_VMCB_EMAPS, m_msrpm_top },
	{ "MSRPM at the top of 64 bits", REAL_PAE, SB_VMCB_EMAPS, m_msrpm_wrap },
	{ "LONG4 root misaligned", LONG_SHADOW, SB_VMCB_EROOT, m_root_align },
	{ "nCR3 misaligned", NESTED_LONG, SB_VMCB_EROOT, m_root_align },
	{ "PAE root misaligned", PROT_PAE, SB_VMCB_EROOT, m_root_pae_align },
	{ "PAE root at 4 GiB", REAL_PAE, SB_VMCB_EROOT, m_root_pae_4g },
	{ "PAE root just below 4 GiB", REAL_PAE, 0, m_root_pae_low_ok },
	{ "root at 2^pa_bits", LONG_SHADOW, SB_VMCB_EROOT, m_root_high },
	{ "nCR3 beyond 2^pa_bits", NESTED_OFF, SB_VMCB_EROOT, m_nested_ncr3_pa },
	{ "pa_bits 0 reads as 52", NESTED_OFF, 0, m_pa_bits0_ok },
	{ "EFER.SVME clear", REAL_PAE, SB_VMCB_ESVME, m_svme },
	{ "EFER.SVME clear, nested", NESTED_OFF, SB_VMCB_ESVME, m_svme },
	{ "CR0.NW without CD", PROT_PAE, SB_VMCB_ECR0_NW, m_nw },
	{ "CR0.NW with CD", PROT_PAE, 0, m_cd_nw_ok },
	{ "CR0 bit 32", LONG_SHADOW, SB_VMCB_ECR0_HIGH, m_cr0_high },
	{ "CR0 bit 63", NESTED_OFF, SB_VMCB_ECR0_HIGH, m_cr0_top },
	{ "long CR3 bit 52", NESTED_LONG, SB_VMCB_ECR3, m_cr3_52 },
	{ "long CR3 beyond pa_bits", NESTED_LONG, SB_VMCB_ECR3, m_cr3_pa },
	{ "long CR3 bit 47", NESTED_LONG, 0, m_cr3_47_ok },
	{ "legacy CR3 bit 32", NESTED_OFF, SB_VMCB_ECR3, m_cr3_legacy_high },
	{ "legacy CR3 low bits", NESTED_OFF, 0, m_cr3_legacy_low_ok },
	{ "CR4.LA57", LONG_SHADOW, SB_VMCB_ELA57, m_la57 },
	{ "CR4.LA57 even if allowed", NESTED_LONG, SB_VMCB_ELA57, m_la57_allowed },
	{ "CR4.PKE not allowed", PROT_PAE, SB_VMCB_ECR4, m_cr4_pke },
	{ "CR4 bit 40", LONG_SHADOW, SB_VMCB_ECR4, m_cr4_high },
	{ "CR4.PCIDE outside long mode", PROT_PAE, SB_VMCB_ECR4, m_cr4_pcide_legacy },
	{ "CR4.PCIDE in long mode", LONG_SHADOW, 0, m_cr4_pcide_long_ok },
	{ "CR4.CET with CR0.WP clear", LONG_SHADOW, SB_VMCB_ECET, m_cet_wp },
	{ "CR4.CET with CR0.WP", LONG_SHADOW, 0, m_cet_wp_ok },
	{ "S_CET reserved bit", NESTED_OFF, SB_VMCB_ECET, m_s_cet },
	{ "DR6 bit 32", PROT_PAE, SB_VMCB_EDR, m_dr6 },
	{ "DR7 bit 63", NESTED_LONG, SB_VMCB_EDR, m_dr7 },
	{ "EFER.LMSLE", LONG_SHADOW, SB_VMCB_EEFER, m_efer_lmsle },
	{ "EFER bit 40", REAL_PAE, SB_VMCB_EEFER, m_efer_high },
	{ "long mode without CR4.PAE", NESTED_LONG, SB_VMCB_ELME_PAE, m_lme_pae },
	{ "long mode without CR0.PE", LONG_SHADOW, SB_VMCB_ELME_PE, m_lme_pe },
	{ "CS.L and CS.D", LONG_SHADOW, SB_VMCB_ECS_LD, m_cs_ld },
	{ "CS.L and CS.D, nested", NESTED_LONG, SB_VMCB_ECS_LD, m_cs_ld },
	{ "compatibility-mode CS", LONG_SHADOW, 0, m_cs_d_compat_ok },
	{ "EVENTINJ type 1", PROT_PAE, SB_VMCB_EEVENT, m_ev_type1 },
	{ "EVENTINJ type 5", PROT_PAE, SB_VMCB_EEVENT, m_ev_type5 },
	{ "EVENTINJ type 6", LONG_SHADOW, SB_VMCB_EEVENT, m_ev_type6 },
	{ "EVENTINJ type 7", NESTED_LONG, SB_VMCB_EEVENT, m_ev_type7 },
	{ "EVENTINJ exception vector 2", PROT_PAE, SB_VMCB_EEVENT, m_ev_exc2 },
	{ "EVENTINJ exception vector 32", PROT_PAE, SB_VMCB_EEVENT, m_ev_exc32 },
	{ "EVENTINJ exception vector 31", PROT_PAE, 0, m_ev_exc31_ok },
	{ "EVENTINJ #PF with error code", LONG_SHADOW, 0, m_ev_exc_ec_ok },
	{ "EVENTINJ interrupt with error code", LONG_SHADOW, SB_VMCB_EEVENT, m_ev_intr_ec },
	{ "EVENTINJ INTn with error code", PROT_PAE, SB_VMCB_EEVENT, m_ev_soft_ec },
	{ "EVENTINJ NMI", NESTED_LONG, 0, m_ev_nmi_ok },
	{ "EVENTINJ error code in real mode", REAL_PAE, SB_VMCB_EEVENT, m_ev_real_ec },
	{ "EVENTINJ error code, paging off", NESTED_OFF, SB_VMCB_EEVENT, m_ev_real_ec },
	{ "EVENTINJ #GP in real mode, no code", REAL_PAE, 0, m_ev_real_ok },
	{ "EVENTINJ reserved bit 12", PROT_PAE, SB_VMCB_EEVENT, m_ev_reserved },
	{ "EVENTINJ garbage with V clear", REAL_PAE, 0, m_ev_invalid_ok },
	{ "shadow, CR0.PG clear", PROT_PAE, SB_VMCB_ESHADOW_PG, m_shadow_pg },
	{ "shadow, real mode with PG clear", REAL_PAE, SB_VMCB_ESHADOW_PG, m_shadow_pg },
	{ "shadow long, PG and LMA clear", LONG_SHADOW, SB_VMCB_ESHADOW_PG, m_shadow_long_lma },
	{ "LONG4 shadow of a 32-bit guest", PROT_PAE, SB_VMCB_EMODE_FORMAT, m_long4_on_prot },
	{ "PAE shadow of a long-mode guest", LONG_SHADOW, SB_VMCB_EMODE_FORMAT, m_pae_on_long },
	{ "PAE shadow with CR4.PAE clear", PROT_PAE, SB_VMCB_EMODE_FORMAT, m_pae_no_pae },
	{ "PAE shadow, real mode, CR4.PAE clear", REAL_PAE, SB_VMCB_EMODE_FORMAT, m_pae_no_pae },
	{ "EFER.LMA clear in long mode", LONG_SHADOW, SB_VMCB_ELMA, m_lma_clear },
	{ "EFER.LMA clear, nested", NESTED_LONG, SB_VMCB_ELMA, m_lma_clear },
	{ "EFER.LMA set in legacy mode", NESTED_OFF, SB_VMCB_ELMA, m_lma_set },
	{ "EFER.LMA+LME with paging off", NESTED_OFF, SB_VMCB_ELMA, m_lma_nopg },
	{ "G_PAT type 2", NESTED_LONG, SB_VMCB_EPAT, m_pat2 },
	{ "G_PAT type 8", NESTED_OFF, SB_VMCB_EPAT, m_pat8 },
	{ "G_PAT ignored in shadow mode", LONG_SHADOW, 0, m_pat_shadow_ok },
};

static void test_each_check(void)
{
	bool seen[SB_VMCB_NERRORS] = { false };

	for (size_t i = 0; i < N(mutations); i++) {
		const struct mutation *m = &mutations[i];
		struct sb_vmcb_host h = host();
		struct vmcb in, out;
		struct sb_vmcb_bind b;
		int r;

		baseline(m->base, &in, &b);
		m->apply(&in, &b, &h);
		r = sb_vmcb_prepare(&out, &in, &b, &h);
		if (r != -m->err)
			printf("\n  %s (%s): got %d \"%s\", want %d \"%s\"\n", m->name,
			       base_names[m->base], r, sb_vmcb_strerror(r), -m->err,
			       sb_vmcb_strerror(m->err));
		CU_ASSERT_EQUAL(r, -m->err);
		if (r == 0)
			CU_ASSERT_PTR_NULL(broken(&out, &in, &b, &h));
		seen[m->err] = true;
	}
	/* Every VMCB error (all but the XCR0 ones, EVMRUN and ECONTROL, which
	 * prepare cannot produce: test_check_built) has a mutation. */
	for (int e = SB_VMCB_EFORMAT; e <= SB_VMCB_EPAT; e++)
		if (e != SB_VMCB_EVMRUN && e != SB_VMCB_ECONTROL)
			CU_ASSERT(seen[e]);
}

/* sb_vmcb_check on a built VMCB that someone changed afterwards: the
 * forced fields prepare cannot leave out are still checked. */
static void test_check_built(void)
{
	static const struct {
		enum base base;
		int err;
		size_t off;   /* byte offset in struct vmcb of a field ... */
		uint64_t clr; /* ... whose bits are cleared ... */
		uint64_t set; /* ... then set (field size 4 or 8: see width) */
		unsigned width;
	} cases[] = {
		{ LONG_SHADOW, SB_VMCB_EVMRUN, 0x010, 1, 0, 4 },
		{ NESTED_OFF, SB_VMCB_EVMRUN, 0x010, 0xffffffff, 0, 4 },
		{ LONG_SHADOW, SB_VMCB_ECONTROL, 0x00c, 1u << 1, 0, 4 },    /* NMI */
		{ NESTED_LONG, SB_VMCB_ECONTROL, 0x00c, 1u << 31, 0, 4 },   /* SHUTDOWN */
		{ PROT_PAE, SB_VMCB_ECONTROL, 0x00c, 1u << 29, 0, 4 },	    /* task switch */
		{ PROT_PAE, SB_VMCB_ECONTROL, 0x000, 1u << 19, 0, 4 },	    /* CR3 write */
		{ REAL_PAE, SB_VMCB_ECONTROL, 0x000, 1u << 3, 0, 4 },	    /* CR3 read */
		{ LONG_SHADOW, SB_VMCB_ECONTROL, 0x004, 1u << 18, 0, 4 },   /* DR2 write */
		{ LONG_SHADOW, SB_VMCB_ECONTROL, 0x008, 1u << 17, 0, 4 },   /* #AC */
		{ LONG_SHADOW, SB_VMCB_ECONTROL, 0x010, 1u << 13, 0, 4 },   /* XSETBV */
		{ LONG_SHADOW, SB_VMCB_ECONTROL, 0x060, 1u << 24, 0, 8 },   /* V_INTR_MASKING */
		{ NESTED_LONG, SB_VMCB_ECONTROL, 0x060, 0, 1ull << 31, 8 }, /* AVIC */
		{ NESTED_LONG, SB_VMCB_ECONTROL, 0x060, 0, 1ull << 25, 8 }, /* VGIF enable */
		{ NESTED_LONG, SB_VMCB_ECONTROL, 0x068, 0, 2, 8 },	    /* interrupt_shadow */
		{ NESTED_LONG, SB_VMCB_ECONTROL, 0x090, 0, 2, 8 },	    /* SEV */
		{ LONG_SHADOW, SB_VMCB_ECONTROL, 0x090, 0, 1, 8 },	    /* NP in shadow mode */
		{ NESTED_LONG, SB_VMCB_ECONTROL, 0x0b8, 0, 1, 8 },	    /* LBR virtualization */
		{ NESTED_LONG, SB_VMCB_ECONTROL, 0x0c0, 0, 1, 4 },	    /* clean bits */
		{ LONG_SHADOW, SB_VMCB_EASID, 0x058, 0xffffffff, 0, 4 },
	};
	struct sb_vmcb_host h = host();

	for (size_t i = 0; i < N(cases); i++) {
		struct vmcb in, out;
		struct sb_vmcb_bind b;
		uint8_t *p = (uint8_t *)&out + cases[i].off;

		baseline(cases[i].base, &in, &b);
		CU_ASSERT_EQUAL_FATAL(sb_vmcb_prepare(&out, &in, &b, &h), 0);
		CU_ASSERT_EQUAL(sb_vmcb_check(&out, &b, &h), 0);
		if (cases[i].width == 4) {
			uint32_t w;
			memcpy(&w, p, 4);
			w = (uint32_t)((w & ~cases[i].clr) | cases[i].set);
			memcpy(p, &w, 4);
		} else {
			uint64_t w;
			memcpy(&w, p, 8);
			w = (w & ~cases[i].clr) | cases[i].set;
			memcpy(p, &w, 8);
		}
		CU_ASSERT_EQUAL(sb_vmcb_check(&out, &b, &h), -cases[i].err);
	}
}

/* The VMM zeroes every intercept word: the forced ones are there anyway. */
static void test_zero_intercepts(void)
{
	struct sb_vmcb_host h = host();

	for (int k = 0; k < NBASE; k++) {
		struct vmcb in, out;
		struct sb_vmcb_bind b;

		baseline((enum base)k, &in, &b);
		in.control.intercept_cr = in.control.intercept_dr = in.control.intercept_exc = 0;
		in.control.intercept_misc1 = in.control.intercept_misc2 = 0;
		in.control.intercept_misc3 = 0;
		CU_ASSERT_EQUAL_FATAL(sb_vmcb_prepare(&out, &in, &b, &h), 0);
		CU_ASSERT_PTR_NULL(broken(&out, &in, &b, &h));
		CU_ASSERT_EQUAL(out.control.intercept_misc1,
				b.nested ? 0x9c00000fu : 0x9c00000fu | BIT(29));
		CU_ASSERT_EQUAL(out.control.intercept_misc2, 0x207fu);
		CU_ASSERT_EQUAL(out.control.intercept_dr, 0x000f000fu);
		CU_ASSERT_EQUAL(out.control.intercept_exc, (uint32_t)(BIT(1) | BIT(17)));
		CU_ASSERT_EQUAL(out.control.intercept_cr, b.nested ? 0 : 0x00190008u);
		CU_ASSERT_EQUAL(out.control.intercept_misc3, 0);
	}
}

/* Garbage in every control field the VMM does not own, and in the save
 * area's reserved gaps: ignored, overwritten or zeroed. */
static void test_garbage_control(void)
{
	struct sb_vmcb_host h = host();

	for (int k = 0; k < NBASE; k++) {
		struct vmcb in, out, ref;
		struct sb_vmcb_bind b;

		baseline((enum base)k, &in, &b);
		ref = in;
		memset(&in.control, 0xa5, sizeof(in.control));
		memset(in.save.rsvd1, 0x5a, sizeof(in.save.rsvd1));
		in.save.rsvd2 = 0x5a5a5a5a;
		memset(in.save.rsvd3, 0x5a, sizeof(in.save.rsvd3));
		memset(in.save.rsvd4, 0x5a, sizeof(in.save.rsvd4));
		memset(in.save.rsvd5, 0x5a, sizeof(in.save.rsvd5));
		memset(in.save.rsvd6, 0x5a, sizeof(in.save.rsvd6));
		in.control.event_inj = 0; /* the VMM's: 0xa5.. would be illegal */
		memset(&out, 0xee, sizeof(out));
		CU_ASSERT_EQUAL_FATAL(sb_vmcb_prepare(&out, &in, &b, &h), 0);
		CU_ASSERT_PTR_NULL(broken(&out, &in, &b, &h));
		CU_ASSERT_EQUAL(out.control.asid, b.asid);
		CU_ASSERT_EQUAL(out.control.tlb_control, b.tlb_control);
		CU_ASSERT_EQUAL(out.control.iopm_base_pa, IOPM_PA);
		CU_ASSERT_EQUAL(out.control.msrpm_base_pa, MSRPM_PA);
		CU_ASSERT_EQUAL(out.control.interrupt_shadow, 1);
		/* 0xa5a5...: TPR a5, V_IRQ 1, VGIF 0, prio 5, IGN_TPR 0, masking 0 -> 1,
		 * AVIC 1 -> 0, vector a5 */
		CU_ASSERT_EQUAL(out.control.vintr, 0x000000a5000001a5ull | (5ull << 16) | BIT(24));
		CU_ASSERT_EQUAL(out.control.np_enable, b.nested ? 1u : 0u);
		CU_ASSERT_EQUAL(out.control.ncr3, b.nested ? b.root_pa : 0);
		CU_ASSERT_EQUAL(out.control.exit_code, 0);
		CU_ASSERT_EQUAL(out.control.clean, 0);
		CU_ASSERT_EQUAL(out.control.virt_ext, 0);
		CU_ASSERT_EQUAL(out.control.avic_apic_bar, 0);
		CU_ASSERT_EQUAL(out.control.ghcb_pa, 0);
		CU_ASSERT_EQUAL(out.control.next_rip, 0);
		CU_ASSERT_EQUAL(out.control.insn_len, 0);
		{
			static const uint8_t zero[0x400];
			CU_ASSERT_EQUAL(memcmp(out.control.insn_bytes, zero, 15), 0);
			CU_ASSERT_EQUAL(memcmp(out.control.rsvd1, zero, sizeof(out.control.rsvd1)),
					0);
			CU_ASSERT_EQUAL(memcmp(out.control.rsvd2, zero, 3), 0);
			CU_ASSERT_EQUAL(out.control.rsvd3, 0);
			CU_ASSERT_EQUAL(memcmp(out.control.rsvd4, zero, sizeof(out.control.rsvd4)),
					0);
		}
		/* The save area: the VMM's registers, with the gaps zeroed. */
		if (!b.nested)
			ref.save.cr3 = b.root_pa;
		CU_ASSERT_EQUAL(memcmp(&out.save, &ref.save, sizeof(out.save)), 0);
	}
}

/* xorshift64*: seeded, so a failure can be replayed. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* A value near the valid ones: random bits in mask flipped, sometimes
 * anything at all. */
static uint64_t fuzz(uint64_t v, uint64_t mask)
{
	switch (rnd() % 32) {
	case 0:
		return rnd();
	case 1:
	case 2:
		return v ^ (rnd() & rnd() & mask);
	case 3:
		return v ^ BIT(rnd() % 64);
	default:
		return v;
	}
}

static void test_random(void)
{
	unsigned passed = 0, failed[SB_VMCB_NERRORS] = { 0 };
	struct vmcb *in = malloc(sizeof(*in)), *out = malloc(sizeof(*out));

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 100000; i++) {
		struct sb_vmcb_host h = host();
		struct sb_vmcb_bind b;
		const char *why;
		int r;

		baseline((enum base)(rnd() % NBASE), in, &b);
		if (i % 16 == 0) { /* a wholly random VMCB now and then */
			for (size_t j = 0; j < sizeof(*in); j += 8) {
				uint64_t w = rnd();
				memcpy((uint8_t *)in + j, &w, 8);
			}
		}
		in->save.cr0 = fuzz(in->save.cr0, 0xe005003full | BIT(32));
		in->save.cr3 = fuzz(in->save.cr3, ~0ull);
		in->save.cr4 = fuzz(in->save.cr4, 0xf77fffull);
		in->save.efer = fuzz(in->save.efer, 0xfd01ull);
		in->save.dr6 = fuzz(in->save.dr6, ~0ull);
		in->save.dr7 = fuzz(in->save.dr7, ~0ull);
		in->save.cs.attr = (uint16_t)fuzz(in->save.cs.attr, 0x600);
		in->save.g_pat = fuzz(in->save.g_pat, 0x0f0f0f0f0f0f0f0full);
		in->save.s_cet = fuzz(in->save.s_cet, 0x3ff);
		in->control.event_inj =
			fuzz(in->control.event_inj, 0x8000ffffull) | (rnd() % 2 ? VMCB_EVT_V : 0);
		in->control.vintr = fuzz(in->control.vintr, ~0ull);
		in->control.interrupt_shadow = fuzz(0, 3);
		in->control.intercept_misc1 = (uint32_t)fuzz(in->control.intercept_misc1, ~0ull);
		in->control.intercept_misc2 = (uint32_t)fuzz(0, ~0ull);
		b.format = (int)fuzz((uint64_t)b.format, 3);
		b.nested = rnd() % 4 ? b.nested : !b.nested;
		b.asid = (uint32_t)fuzz(b.asid, 0x1f);
		b.root_pa = fuzz(b.root_pa, BIT(32) | 0xfff);
		b.tlb_control = (uint8_t)fuzz(b.tlb_control, 7);
		b.iopm_pa = fuzz(b.iopm_pa, 0xfff | BIT(47) | BIT(50));
		b.msrpm_pa = fuzz(b.msrpm_pa, 0xfff | BIT(47) | BIT(50));
		h.nested = rnd() % 8 != 0;
		h.cr4_allowed = fuzz(h.cr4_allowed, BIT(12) | BIT(23) | BIT(22));

		r = sb_vmcb_prepare(out, in, &b, &h);
		CU_ASSERT_FATAL(r <= 0 && r > -SB_VMCB_NERRORS);
		CU_ASSERT(strcmp(sb_vmcb_strerror(r), "unknown VMCB error") != 0);
		/* check is idempotent on what prepare built */
		CU_ASSERT_EQUAL(sb_vmcb_check(out, &b, &h), r);
		if (r != 0) {
			failed[-r]++;
			continue;
		}
		passed++;
		why = broken(out, in, &b, &h);
		if (why)
			printf("\n  iteration %d: accepted, but %s\n", i, why);
		CU_ASSERT_PTR_NULL_FATAL(why);
	}
	/* The run exercised both sides: many accepted, and every check fired. */
	printf(" [%u accepted] ", passed);
	CU_ASSERT(passed > 5000);
	for (int e = SB_VMCB_EFORMAT; e <= SB_VMCB_EPAT; e++)
		if (e != SB_VMCB_EVMRUN && e != SB_VMCB_ECONTROL)
			CU_ASSERT(failed[e] > 0);
	free(in);
	free(out);
}

/* The test's own map layout (APM vol. 2 §15.11), to check vmcb.c's. */
static bool t_msr_bit(uint32_t msr, bool write, unsigned *bit)
{
	uint32_t base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		base = 0x800 * 8;
	else if (msr >= 0xc0010000u && msr <= 0xc0011fffu)
		base = 0x1000 * 8;
	else
		return false;
	*bit = base + 2 * (msr & 0x1fff) + (write ? 1 : 0);
	return true;
}

static bool t_bit(const uint8_t *map, unsigned bit)
{
	return (map[bit / 8] >> (bit % 8)) & 1;
}

static void test_msrpm(void)
{
	static const uint32_t safe[] = EXO_VCPU_SAFE_MSRS;
	static const uint32_t others[] = {
		0xc0000080, /* EFER */
		0x277,	    /* PAT */
		0x1b,	    /* APIC base */
		0x10,	    /* TSC */
		0xc0010000, /* PERF_CTL0 */
		0xc0010114, /* VM_CR */
		0xc0010117, /* VM_HSAVE_PA */
		0xc0000103, /* TSC_AUX */
		0x48,	    /* SPEC_CTRL */
		0x0,	    0x1fff,	0xc0000000, 0xc0001fff, 0xc0011fff, 0x173,
		0x177,	    0xc0000085, 0xc00000ff, 0xc0000104, /* neighbours of safe ones */
	};
	uint8_t *map = malloc(SB_VMCB_MSRPM_SIZE);
	unsigned clear = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	memset(map, 0, SB_VMCB_MSRPM_SIZE);
	sb_vmcb_fill_msrpm(map);
	for (size_t i = 0; i < N(safe); i++) {
		unsigned rb, wb;

		CU_ASSERT_FATAL(t_msr_bit(safe[i], false, &rb) && t_msr_bit(safe[i], true, &wb));
		CU_ASSERT_FALSE(t_bit(map, rb));
		CU_ASSERT_FALSE(t_bit(map, wb));
		CU_ASSERT_FALSE(sb_vmcb_msr_intercepted(map, safe[i], false));
		CU_ASSERT_FALSE(sb_vmcb_msr_intercepted(map, safe[i], true));
	}
	for (size_t i = 0; i < N(others); i++) {
		unsigned rb, wb;

		CU_ASSERT_FATAL(t_msr_bit(others[i], false, &rb) &&
				t_msr_bit(others[i], true, &wb));
		CU_ASSERT(t_bit(map, rb));
		CU_ASSERT(t_bit(map, wb));
		CU_ASSERT(sb_vmcb_msr_intercepted(map, others[i], false));
		CU_ASSERT(sb_vmcb_msr_intercepted(map, others[i], true));
	}
	/* Exactly the safe MSRs' bits are clear, nowhere else. */
	for (unsigned bit = 0; bit < SB_VMCB_MSRPM_SIZE * 8; bit++)
		clear += !t_bit(map, bit);
	CU_ASSERT_EQUAL(clear, 2 * N(safe));
	/* MSRs outside the three ranges have no bit: the hardware intercepts
	 * them unconditionally (APM vol. 2 §15.11), and so says the query. */
	CU_ASSERT(sb_vmcb_msr_intercepted(map, 0x2000, false));
	CU_ASSERT(sb_vmcb_msr_intercepted(map, 0x40000000, true));
	CU_ASSERT(sb_vmcb_msr_intercepted(map, 0xc0002000, false));
	CU_ASSERT(sb_vmcb_msr_intercepted(map, 0xc0012000, true));
	CU_ASSERT(sb_vmcb_msr_intercepted(map, 0xffffffff, true));
	free(map);
}

static void test_iopm(void)
{
	uint8_t *map = malloc(SB_VMCB_IOPM_SIZE);
	bool all = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	memset(map, 0, SB_VMCB_IOPM_SIZE);
	sb_vmcb_fill_iopm(map);
	for (size_t i = 0; i < SB_VMCB_IOPM_SIZE; i++)
		all &= map[i] == 0xff;
	CU_ASSERT(all);
	free(map);
}

static void test_xcr0(void)
{
	static const struct {
		uint64_t xcr0, allowed;
		int err;
	} cases[] = {
		{ 0x1, 0x7, 0 },
		{ 0x3, 0x7, 0 },
		{ 0x7, 0x7, 0 },
		{ 0x0, 0x7, SB_VMCB_EXCR0_X87 },
		{ 0x6, 0x7, SB_VMCB_EXCR0_X87 },
		{ 0xf, 0x7, SB_VMCB_EXCR0_HOST },
		{ 0x3, 0x1, SB_VMCB_EXCR0_HOST },
		{ BIT(63) | 1, ~0ull, 0 }, /* the kernel's own business if it allows it */
		{ 0x5, 0x7, SB_VMCB_EXCR0_AVX },
		{ 0x0b, 0xff, SB_VMCB_EXCR0_MPX },
		{ 0x13, 0xff, SB_VMCB_EXCR0_MPX },
		{ 0x1b, 0xff, 0 },
		{ 0xe7, 0xff, 0 },
		{ 0x27, 0xff, SB_VMCB_EXCR0_AVX512 },
		{ 0xc7, 0xff, SB_VMCB_EXCR0_AVX512 },
		{ 0xe3, 0xff, SB_VMCB_EXCR0_AVX512 }, /* AVX-512 without AVX */
		{ 0x20007, 0x60007, SB_VMCB_EXCR0_AMX },
		{ 0x40007, 0x60007, SB_VMCB_EXCR0_AMX },
		{ 0x60007, 0x60007, 0 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct sb_vmcb_host h = host();

		h.xcr0_allowed = cases[i].allowed;
		if (sb_vmcb_check_xcr0(cases[i].xcr0, &h) != -cases[i].err)
			printf("\n  xcr0 %#llx: got %d\n", (unsigned long long)cases[i].xcr0,
			       sb_vmcb_check_xcr0(cases[i].xcr0, &h));
		CU_ASSERT_EQUAL(sb_vmcb_check_xcr0(cases[i].xcr0, &h), -cases[i].err);
	}
}

static void test_strerror(void)
{
	const char *unknown = sb_vmcb_strerror(SB_VMCB_NERRORS);

	CU_ASSERT_STRING_EQUAL(unknown, "unknown VMCB error");
	CU_ASSERT_STRING_EQUAL(sb_vmcb_strerror(-SB_VMCB_NERRORS), unknown);
	CU_ASSERT_STRING_EQUAL(sb_vmcb_strerror(-2147483647 - 1), unknown);
	CU_ASSERT_STRING_EQUAL(sb_vmcb_strerror(2147483647), unknown);
	CU_ASSERT_STRING_EQUAL(sb_vmcb_strerror(0), "ok");
	for (int e = 1; e < SB_VMCB_NERRORS; e++) {
		CU_ASSERT(strcmp(sb_vmcb_strerror(e), unknown) != 0);
		CU_ASSERT_PTR_EQUAL(sb_vmcb_strerror(-e), sb_vmcb_strerror(e));
		for (int f = 1; f < e; f++)
			CU_ASSERT(strcmp(sb_vmcb_strerror(e), sb_vmcb_strerror(f)) != 0);
	}
}

static CU_TestInfo vmcb_tests[] = {
	{ "valid baselines pass with forced fields", test_baselines },
	{ "each check alone gives its error", test_each_check },
	{ "check catches a changed built VMCB", test_check_built },
	{ "all-zero intercepts still forced", test_zero_intercepts },
	{ "garbage in kernel-owned fields ignored", test_garbage_control },
	{ "100,000 random VMCBs keep the invariants", test_random },
	{ "MSR permission map", test_msrpm },
	{ "I/O permission map", test_iopm },
	{ "XCR0 rules", test_xcr0 },
	{ "strerror", test_strerror },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vmcb, vmcb_tests);
