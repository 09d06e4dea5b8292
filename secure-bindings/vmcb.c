/*
 * vmcb.c - building and checking the VMCB the kernel runs (see vmcb.h).
 *
 * The VMM environment's VMCB is hostile: it may hold any bits anywhere.
 * sb_vmcb_prepare copies only the fields the VMM owns, ORs in the forced
 * intercepts and sets the fields the kernel owns; sb_vmcb_check then reads
 * the result alone and stops at the first failing check below. QEMU's TCG
 * does not make several of the hardware's checks (the VMRUN intercept, the
 * ASID), so we make every one of them: a guest that runs here also runs on
 * hardware, and one that would fail VMRUN there fails here, with a reason.
 *
 * Checks, in order ("long" = EFER.LME && CR0.PG; "shadow" = !b->nested;
 * source: AMD APM vol. 2 §15.5.1 "Canonicalization and Consistency Checks"
 * unless marked "policy"):
 *
 *   error                   refused when
 *   SB_VMCB_EFORMAT         b->format is not EXO_GAS_LONG4 or EXO_GAS_PAE (policy)
 *   SB_VMCB_ENONESTED       b->nested but !h->nested (policy)
 *   SB_VMCB_ENESTED_FORMAT  b->nested and b->format != EXO_GAS_LONG4: the nested
 *                           walk uses the host's 4-level format (policy, §15.25)
 *   SB_VMCB_EASID           ASID == 0 (hardware), or h->nasid && ASID >= h->nasid
 *   SB_VMCB_ETLB            TLB_CONTROL not 0 or 1, nor 3 or 7 with h->flush_by_asid
 *                           (§15.16.1; other encodings are reserved)
 *   SB_VMCB_EMAPS           IOPM or MSRPM base not 4 KiB aligned (policy), or the
 *                           12 KiB / 8 KiB map reaches 2^pa_bits (hardware)
 *   SB_VMCB_EROOT           the root table (nCR3, or CR3 in shadow mode) not 4 KiB
 *                           aligned (EXO_GAS_LONG4) or 32-byte aligned (EXO_GAS_PAE),
 *                           or at/above 2^pa_bits, or a PAE root at/above 4 GiB (a
 *                           legacy-mode CR3 holds 32 bits) (policy)
 *   SB_VMCB_ESVME           EFER.SVME clear
 *   SB_VMCB_ECR0_NW         CR0.CD clear and CR0.NW set
 *   SB_VMCB_ECR0_HIGH       CR0[63:32] non-zero
 *   SB_VMCB_ECR3            long: CR3 bits 63:pa_bits (at least 63:52, the MBZ bits of
 *                           §3.1.2) non-zero; otherwise CR3[63:32] non-zero (a
 *                           legacy-mode CR3 is 32 bits; policy)
 *   SB_VMCB_ELA57           CR4.LA57 set (policy: 5-level guests are not supported)
 *   SB_VMCB_ECR4            a CR4 bit outside h->cr4_allowed or in 63:32 set, or
 *                           CR4.PCIDE set when not long (policy: MOV CR4 refuses it)
 *   SB_VMCB_ECET            CR4.CET set with CR0.WP clear; or S_CET bits 9:6 set
 *   SB_VMCB_EDR             DR6[63:32] or DR7[63:32] non-zero
 *   SB_VMCB_EEFER           an EFER bit outside h->efer_allowed set
 *   SB_VMCB_ELME_PAE        EFER.LME and CR0.PG set, CR4.PAE clear
 *   SB_VMCB_ELME_PE         EFER.LME and CR0.PG set, CR0.PE clear
 *   SB_VMCB_ECS_LD          EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set
 *   SB_VMCB_EVMRUN          the VMRUN intercept clear
 *   SB_VMCB_ECONTROL        a forced intercept (SB_VMCB_FORCED_*) clear, V_INTR_MASKING
 *                           clear or a vintr bit outside SB_VMCB_VINTR_VMM set,
 *                           interrupt_shadow bits 63:1, np_enable other than
 *                           b->nested, virt_ext or clean non-zero (policy)
 *   SB_VMCB_EEVENT          EVENTINJ.V set and: TYPE 1, 5, 6 or 7; TYPE 3 (exception)
 *                           with vector 2 or > 31; EV with TYPE other than 3; EV
 *                           with CR0.PE clear (real mode pushes no error code);
 *                           reserved bits 30:12 set (§15.20)
 *   SB_VMCB_ESHADOW_PG      shadow and CR0.PG clear: real-mode and paging-off guests
 *                           use paged real mode, CR0.PG=1 CR0.PE=0 (§15.19) (policy)
 *   SB_VMCB_EMODE_FORMAT    shadow, EXO_GAS_LONG4, and CR4.PAE or EFER.LME clear; or
 *                           shadow, EXO_GAS_PAE, and CR4.PAE clear or EFER.LME set
 *                           (policy)
 *   SB_VMCB_ELMA            EFER.LMA != (EFER.LME && CR0.PG) (policy: VMRUN does not
 *                           recompute LMA, so an inconsistent one would run)
 *   SB_VMCB_EPAT            nested and a G_PAT byte not 0, 1, 4, 5, 6 or 7 (policy:
 *                           WRMSR of such a PAT faults; §15.25.8)
 *
 * sb_vmcb_check_xcr0, separately: SB_VMCB_EXCR0_X87, _HOST, _AVX, _MPX,
 * _AVX512, _AMX (see vmcb.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/vcpu.h>
#include <exo/vmcb.h>

#include "vmcb.h"

/* Architectural bits exo/vmcb.h does not name. */
#define CR4_CET	       (1ull << 23)
#define S_CET_RESERVED 0x3c0ull /* S_CET bits 9:6 */
#define EVT_TYPE_MASK  (7ull << 8)
#define EVT_RESERVED   0x7ffff000ull /* EVENTINJ bits 30:12 */

static int fail(enum sb_vmcb_error e)
{
	return -(int)e;
}

/* The physical-address limit 2^pa_bits (pa_bits 0 or > 52 reads as 52). */
static uint64_t pa_limit(const struct sb_vmcb_host *h)
{
	unsigned bits = h->pa_bits;

	if (bits == 0 || bits > 52)
		bits = 52;
	return 1ull << bits;
}

/* Whether [pa, pa + size) is all below limit (no wrap). */
static bool below(uint64_t pa, uint64_t size, uint64_t limit)
{
	return pa < limit && limit - pa >= size;
}

static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static bool event_legal(uint64_t ev, uint64_t cr0)
{
	uint64_t type = VMCB_EVT_TYPE(ev), vec = VMCB_EVT_VECTOR(ev);

	if (!(ev & VMCB_EVT_V))
		return true; /* nothing is injected; the rest is ignored */
	if (ev & EVT_RESERVED)
		return false;
	if (type != VMCB_EVT_TYPE_INTR && type != VMCB_EVT_TYPE_NMI && type != VMCB_EVT_TYPE_EXC &&
	    type != VMCB_EVT_TYPE_SOFT)
		return false;
	if (type == VMCB_EVT_TYPE_EXC && (vec == 2 || vec > 31))
		return false;
	if ((ev & VMCB_EVT_EV) && (type != VMCB_EVT_TYPE_EXC || !(cr0 & X86_CR0_PE)))
		return false;
	return true;
}

/* The kernel's own values: format, nested, ASID, TLB control, maps, root. */
static int check_binding(const struct vmcb *v, const struct sb_vmcb_bind *b,
			 const struct sb_vmcb_host *h)
{
	const struct vmcb_control *c = &v->control;
	uint64_t limit = pa_limit(h);
	uint64_t root;

	if (b->format != EXO_GAS_LONG4 && b->format != EXO_GAS_PAE)
		return fail(SB_VMCB_EFORMAT);
	if (b->nested && !h->nested)
		return fail(SB_VMCB_ENONESTED);
	if (b->nested && b->format != EXO_GAS_LONG4)
		return fail(SB_VMCB_ENESTED_FORMAT);
	if (c->asid == 0 || (h->nasid != 0 && c->asid >= h->nasid))
		return fail(SB_VMCB_EASID);
	if (c->tlb_control != VMCB_TLB_NOTHING && c->tlb_control != VMCB_TLB_FLUSH_ALL &&
	    !(h->flush_by_asid && (c->tlb_control == 3 || c->tlb_control == 7)))
		return fail(SB_VMCB_ETLB);
	if ((c->iopm_base_pa & 0xfff) || (c->msrpm_base_pa & 0xfff) ||
	    !below(c->iopm_base_pa, SB_VMCB_IOPM_SIZE, limit) ||
	    !below(c->msrpm_base_pa, SB_VMCB_MSRPM_SIZE, limit))
		return fail(SB_VMCB_EMAPS);
	root = b->nested ? c->ncr3 : v->save.cr3;
	if (b->format == EXO_GAS_LONG4 ? (root & 0xfff) != 0
				       : ((root & 0x1f) != 0 || root >= (1ull << 32)))
		return fail(SB_VMCB_EROOT);
	if (root >= limit)
		return fail(SB_VMCB_EROOT);
	return 0;
}

/* The hardware's checks of the guest's control registers. */
static int check_regs(const struct vmcb_save *s, const struct sb_vmcb_host *h)
{
	bool lme = (s->efer & X86_EFER_LME) != 0, pg = (s->cr0 & X86_CR0_PG) != 0;
	bool lng = lme && pg;
	uint64_t cr4_ok = h->cr4_allowed & 0xffffffffull & ~X86_CR4_LA57;

	if (!(s->efer & X86_EFER_SVME))
		return fail(SB_VMCB_ESVME);
	if (!(s->cr0 & X86_CR0_CD) && (s->cr0 & X86_CR0_NW))
		return fail(SB_VMCB_ECR0_NW);
	if (s->cr0 >> 32)
		return fail(SB_VMCB_ECR0_HIGH);
	if (lng ? (s->cr3 & ~(pa_limit(h) - 1)) != 0 : (s->cr3 >> 32) != 0)
		return fail(SB_VMCB_ECR3);
	if (s->cr4 & X86_CR4_LA57)
		return fail(SB_VMCB_ELA57);
	if ((s->cr4 & ~cr4_ok) || ((s->cr4 & X86_CR4_PCIDE) && !lng))
		return fail(SB_VMCB_ECR4);
	if (((s->cr4 & CR4_CET) && !(s->cr0 & X86_CR0_WP)) || (s->s_cet & S_CET_RESERVED))
		return fail(SB_VMCB_ECET);
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return fail(SB_VMCB_EDR);
	if (s->efer & ~h->efer_allowed)
		return fail(SB_VMCB_EEFER);
	if (lng && !(s->cr4 & X86_CR4_PAE))
		return fail(SB_VMCB_ELME_PAE);
	if (lng && !(s->cr0 & X86_CR0_PE))
		return fail(SB_VMCB_ELME_PE);
	if (lng && (s->cr4 & X86_CR4_PAE) && (s->cs.attr & VMCB_ATTR_L) &&
	    (s->cs.attr & VMCB_ATTR_DB))
		return fail(SB_VMCB_ECS_LD);
	return 0;
}

/* What prepare forces in the control area, re-read. */
static bool control_forced(const struct vmcb_control *c, bool nested)
{
	uint32_t misc1 = SB_VMCB_FORCED_MISC1 | (nested ? 0 : SB_VMCB_FORCED_MISC1_SHADOW);
	uint32_t cr = nested ? 0 : SB_VMCB_FORCED_CR_SHADOW;

	if ((c->intercept_misc1 & misc1) != misc1 ||
	    (c->intercept_misc2 & SB_VMCB_FORCED_MISC2) != SB_VMCB_FORCED_MISC2 ||
	    (c->intercept_dr & SB_VMCB_FORCED_DR) != SB_VMCB_FORCED_DR ||
	    (c->intercept_exc & SB_VMCB_FORCED_EXC) != SB_VMCB_FORCED_EXC ||
	    (c->intercept_cr & cr) != cr)
		return false;
	if (!(c->vintr & VMCB_VINTR_MASKING) ||
	    (c->vintr & ~(SB_VMCB_VINTR_VMM | VMCB_VINTR_MASKING)))
		return false;
	if ((c->interrupt_shadow & ~1ull) || c->np_enable != (nested ? VMCB_NP_ENABLE : 0) ||
	    c->virt_ext != 0 || c->clean != 0)
		return false;
	return true;
}

int sb_vmcb_check(const struct vmcb *v, const struct sb_vmcb_bind *b, const struct sb_vmcb_host *h)
{
	const struct vmcb_save *s = &v->save;
	const struct vmcb_control *c = &v->control;
	bool lme = (s->efer & X86_EFER_LME) != 0, pg = (s->cr0 & X86_CR0_PG) != 0;
	bool pae = (s->cr4 & X86_CR4_PAE) != 0;
	int err;

	err = check_binding(v, b, h);
	if (err)
		return err;
	err = check_regs(s, h);
	if (err)
		return err;
	if (!(c->intercept_misc2 & VMCB_I2_VMRUN))
		return fail(SB_VMCB_EVMRUN);
	if (!control_forced(c, b->nested))
		return fail(SB_VMCB_ECONTROL);
	if (!event_legal(c->event_inj, s->cr0))
		return fail(SB_VMCB_EEVENT);
	if (!b->nested && !pg)
		return fail(SB_VMCB_ESHADOW_PG);
	if (!b->nested && (b->format == EXO_GAS_LONG4 ? !(pae && lme) : !(pae && !lme)))
		return fail(SB_VMCB_EMODE_FORMAT);
	if (((s->efer & X86_EFER_LMA) != 0) != (lme && pg))
		return fail(SB_VMCB_ELMA);
	if (b->nested && !pat_valid(s->g_pat))
		return fail(SB_VMCB_EPAT);
	return 0;
}

int sb_vmcb_prepare(struct vmcb *out, const struct vmcb *in, const struct sb_vmcb_bind *b,
		    const struct sb_vmcb_host *h)
{
	const struct vmcb_control *ic = &in->control;
	struct vmcb_control *oc = &out->control;
	struct vmcb_save *os = &out->save;

	memset(out, 0, sizeof(*out));

	/* The state save area, whole, but for the gaps the ABI reserves. */
	*os = in->save;
	memset(os->rsvd1, 0, sizeof(os->rsvd1));
	os->rsvd2 = 0;
	memset(os->rsvd3, 0, sizeof(os->rsvd3));
	memset(os->rsvd4, 0, sizeof(os->rsvd4));
	memset(os->rsvd5, 0, sizeof(os->rsvd5));
	memset(os->rsvd6, 0, sizeof(os->rsvd6));

	/* The VMM's choices, with the forced intercepts ORed in. */
	oc->intercept_cr = ic->intercept_cr | (b->nested ? 0 : SB_VMCB_FORCED_CR_SHADOW);
	oc->intercept_dr = ic->intercept_dr | SB_VMCB_FORCED_DR;
	oc->intercept_exc = ic->intercept_exc | SB_VMCB_FORCED_EXC;
	oc->intercept_misc1 = ic->intercept_misc1 | SB_VMCB_FORCED_MISC1 |
			      (b->nested ? 0 : SB_VMCB_FORCED_MISC1_SHADOW);
	oc->intercept_misc2 = ic->intercept_misc2 | SB_VMCB_FORCED_MISC2;
	oc->intercept_misc3 = ic->intercept_misc3;
	oc->pause_filter_thresh = ic->pause_filter_thresh;
	oc->pause_filter_count = ic->pause_filter_count;
	oc->tsc_offset = ic->tsc_offset;
	oc->vintr = (ic->vintr & SB_VMCB_VINTR_VMM) | VMCB_VINTR_MASKING;
	oc->interrupt_shadow = ic->interrupt_shadow & 1;
	oc->event_inj = ic->event_inj;

	/* The kernel's. */
	oc->asid = b->asid;
	oc->tlb_control = b->tlb_control;
	oc->iopm_base_pa = b->iopm_pa;
	oc->msrpm_base_pa = b->msrpm_pa;
	if (b->nested) {
		oc->np_enable = VMCB_NP_ENABLE;
		oc->ncr3 = b->root_pa;
	} else {
		os->cr3 = b->root_pa;
	}

	return sb_vmcb_check(out, b, h);
}

int sb_vmcb_check_xcr0(uint64_t xcr0, const struct sb_vmcb_host *h)
{
	uint64_t avx512 = xcr0 & (7ull << 5);

	if (!(xcr0 & 1))
		return fail(SB_VMCB_EXCR0_X87);
	if (xcr0 & ~h->xcr0_allowed)
		return fail(SB_VMCB_EXCR0_HOST);
	if ((xcr0 & (1ull << 2)) && !(xcr0 & (1ull << 1)))
		return fail(SB_VMCB_EXCR0_AVX);
	if (((xcr0 >> 3) & 1) != ((xcr0 >> 4) & 1))
		return fail(SB_VMCB_EXCR0_MPX);
	if (avx512 != 0 && (avx512 != (7ull << 5) || (xcr0 & 6) != 6))
		return fail(SB_VMCB_EXCR0_AVX512);
	if (((xcr0 >> 17) & 1) != ((xcr0 >> 18) & 1))
		return fail(SB_VMCB_EXCR0_AMX);
	return 0;
}

void sb_vmcb_fill_iopm(uint8_t iopm[SB_VMCB_IOPM_SIZE])
{
	memset(iopm, 0xff, SB_VMCB_IOPM_SIZE);
}

/* The index of msr's read bit in the MSR permission map, or false if msr
 * lies outside the three ranges the map covers (APM vol. 2 §15.11). */
static bool msrpm_bit(uint32_t msr, uint32_t *bit)
{
	static const struct {
		uint32_t first;
		uint32_t byte; /* offset of the range in the map */
	} ranges[] = {
		{ 0x00000000u, 0x0000 },
		{ 0xc0000000u, 0x0800 },
		{ 0xc0010000u, 0x1000 },
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (msr - ranges[i].first < 0x2000u) {
			*bit = ranges[i].byte * 8 + 2 * (msr - ranges[i].first);
			return true;
		}
	}
	return false;
}

void sb_vmcb_fill_msrpm(uint8_t msrpm[SB_VMCB_MSRPM_SIZE])
{
	static const uint32_t safe[] = EXO_VCPU_SAFE_MSRS;

	memset(msrpm, 0xff, SB_VMCB_MSRPM_SIZE);
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++) {
		uint32_t bit;

		if (msrpm_bit(safe[i], &bit)) /* read and write bits share a byte */
			msrpm[bit / 8] &= (uint8_t) ~(3u << (bit % 8));
	}
}

bool sb_vmcb_msr_intercepted(const uint8_t msrpm[SB_VMCB_MSRPM_SIZE], uint32_t msr, bool write)
{
	uint32_t bit;

	if (!msrpm_bit(msr, &bit))
		return true;
	bit += write ? 1 : 0;
	return (msrpm[bit / 8] >> (bit % 8)) & 1;
}

const char *sb_vmcb_strerror(int err)
{
	static const char *const msgs[SB_VMCB_NERRORS] = {
		[SB_VMCB_OK] = "ok",
		[SB_VMCB_EFORMAT] = "unknown guest address space format",
		[SB_VMCB_ENONESTED] = "nested paging not supported by this CPU",
		[SB_VMCB_ENESTED_FORMAT] = "nested paging needs a 4-level table",
		[SB_VMCB_EASID] = "ASID zero or beyond the CPU's ASIDs",
		[SB_VMCB_ETLB] = "invalid TLB_CONTROL",
		[SB_VMCB_EMAPS] = "permission map misaligned or beyond physical memory",
		[SB_VMCB_EROOT] = "page table root misaligned or out of reach",
		[SB_VMCB_ESVME] = "EFER.SVME clear",
		[SB_VMCB_ECR0_NW] = "CR0.NW set with CR0.CD clear",
		[SB_VMCB_ECR0_HIGH] = "CR0 bits 63:32 set",
		[SB_VMCB_ECR3] = "CR3 must-be-zero bits set",
		[SB_VMCB_ELA57] = "CR4.LA57 (5-level paging) not supported",
		[SB_VMCB_ECR4] = "CR4 bit not allowed",
		[SB_VMCB_ECET] = "CR4.CET with CR0.WP clear, or reserved S_CET bits",
		[SB_VMCB_EDR] = "DR6 or DR7 bits 63:32 set",
		[SB_VMCB_EEFER] = "EFER bit not allowed",
		[SB_VMCB_ELME_PAE] = "long mode paging with CR4.PAE clear",
		[SB_VMCB_ELME_PE] = "long mode paging with CR0.PE clear",
		[SB_VMCB_ECS_LD] = "64-bit code segment with CS.D set",
		[SB_VMCB_EVMRUN] = "VMRUN not intercepted",
		[SB_VMCB_ECONTROL] = "forced control field missing",
		[SB_VMCB_EEVENT] = "illegal event injection",
		[SB_VMCB_ESHADOW_PG] = "shadow paging with CR0.PG clear (use paged real mode)",
		[SB_VMCB_EMODE_FORMAT] = "guest paging mode does not match the shadow table",
		[SB_VMCB_ELMA] = "EFER.LMA inconsistent with EFER.LME and CR0.PG",
		[SB_VMCB_EPAT] = "reserved memory type in G_PAT",
		[SB_VMCB_EXCR0_X87] = "XCR0 without x87",
		[SB_VMCB_EXCR0_HOST] = "XCR0 bit the kernel does not enable",
		[SB_VMCB_EXCR0_AVX] = "XCR0 AVX without SSE",
		[SB_VMCB_EXCR0_MPX] = "XCR0 BNDREGS and BNDCSR differ",
		[SB_VMCB_EXCR0_AVX512] = "XCR0 AVX-512 bits partial or without AVX",
		[SB_VMCB_EXCR0_AMX] = "XCR0 XTILECFG and XTILEDATA differ",
	};

	if (err < 0 && err > -SB_VMCB_NERRORS)
		err = -err;
	if (err < 0 || err >= SB_VMCB_NERRORS || !msgs[err])
		return "unknown VMCB error";
	return msgs[err];
}
