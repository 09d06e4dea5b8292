/*
 * perm - page-table permission semantics against the architecture's rules
 * (AMD APM vol. 2 §5.6 and §5.3.3 for reserved bits; SMEP/SMAP as in
 * §5.6.6-5.6.7). For combinations of P, R/W, U/S and NX at every level of
 * the walk (PDE/PTE in 32-bit and PAE paging, PML4E/PDPTE/PDE/PTE in long
 * mode, large-page leaves too), the guest makes supervisor and user reads,
 * writes and instruction fetches with CR0.WP on and off, and with SMEP,
 * SMAP and SMAP+EFLAGS.AC when CPUID 7 reports them. Each access must
 * either complete or raise #PF with exactly the error code and CR2 that
 * model() computes from the rules; nothing here is a table copied from a
 * run.
 */
#include "guest.h"

const char guest_name[] = "perm";

enum pmode { M32, MPAE, MLONG };
static const char *const mode_names[] = { "32-bit", "PAE", "long" };

/* Flags under test, per level (bit 0 P, 1 R/W, 2 U/S, 3 NX). */
#define FP  1
#define FW  2
#define FU  4
#define FNX 8
#define ALL (FP | FW | FU)

struct cfg {
	int wp, smep, smap, ac;
};
static const struct cfg cfgs[] = {
	{ 1, 0, 0, 0 }, { 0, 0, 0, 0 }, { 1, 1, 0, 0 },
	{ 1, 0, 1, 0 }, { 1, 0, 1, 1 }, { 0, 1, 1, 0 },
};
#define NCFGS (int)(sizeof(cfgs) / sizeof(cfgs[0]))

/* A walk: n entries, e[n-1] the top level, e[0] the leaf. */
struct walk {
	int n;
	int e[4];
};

static enum pmode mode;
static int nxe, has_smep, has_smap, leaf_level; /* leaf_level: 1 4K, 2 large, 3 1G */
static unsigned probes;

#define FRAME	 0x900000u /* 4 KiB target frame */
#define FRAME_L	 0x800000u /* 2/4 MiB target frame */
#define TARGET32 0x40000000u
#define TARGET64 0x0000008000000000ull /* PML4 index 1 */

static uint32_t *pd32, *pt32;
static uint64_t *root64, *pdpt_t, *pd_t, *pt_t;

static uint64_t target(void)
{
	return mode == MLONG ? TARGET64 : TARGET32;
}

/*
 * model(): the outcome the rules give. Returns 1 and the #PF error code in
 * *err if the access faults. The walk stops at the first entry that is
 * not present (error P=0) or has a reserved bit set (NX while EFER.NXE=0:
 * error P=1, RSVD=1). Otherwise the rights are the AND of R/W and U/S and
 * the OR of NX over all levels:
 *  - CPL 3: a supervisor page, a write to a read-only page or a fetch
 *    from an NX page faults;
 *  - CPL 0: a fetch from an NX page, or with SMEP from a user page, faults;
 *    with SMAP a data access to a user page faults unless EFLAGS.AC=1; a
 *    write to a read-only page faults only with CR0.WP=1.
 * The I/D bit is defined only with EFER.NXE=1 and PAE-format tables
 * (APM vol. 2 §8.4.2); elsewhere it is not compared (see idmask()).
 */
static int model(const struct walk *w, enum access acc, int user, const struct cfg *c,
		 uint32_t *err)
{
	uint32_t e = (acc == ACC_WRITE ? PF_W : 0) | (user ? PF_U : 0) |
		     (acc == ACC_EXEC && nxe ? PF_I : 0);
	int u = 1, wr = 1, nx = 0;
	for (int i = w->n - 1; i >= 0; i--) {
		int f = w->e[i];
		if (!(f & FP)) {
			*err = e;
			return 1;
		}
		if ((f & FNX) && !nxe) {
			*err = e | PF_P | PF_RSVD;
			return 1;
		}
		u &= !!(f & FU);
		wr &= !!(f & FW);
		nx |= !!(f & FNX);
	}
	*err = e | PF_P;
	if (user)
		return !u || (acc == ACC_WRITE && !wr) || (acc == ACC_EXEC && nx);
	if (acc == ACC_EXEC)
		return nx || (c->smep && u);
	if (c->smap && u && !c->ac)
		return 1;
	return acc == ACC_WRITE && !wr && c->wp;
}

/* With "strict" on the command line the P bit of a reserved-bit fault is
 * compared too; by default it is not, because QEMU 7.2 TCG reports RSVD
 * faults with P=0 where the architecture sets P=1 (README.md). */
static int strict;

static uint32_t cmpmask(uint32_t want_err)
{
	uint32_t m = nxe ? ~0u : ~PF_I;
	if ((want_err & PF_RSVD) && !strict)
		m &= ~PF_P;
	return m;
}

static uint64_t bits(int f)
{
	return ((f & FP) ? PTE_P : 0) | ((f & FW) ? PTE_W : 0) | ((f & FU) ? PTE_U : 0) |
	       ((f & FNX) ? PTE_NX : 0);
}

/* Write the walk's entries for the target and invalidate its translation
 * (INVLPG also drops cached upper-level entries for the address). */
static void install(const struct walk *w)
{
	if (mode == M32) {
		if (leaf_level == 1) {
			pd32[TARGET32 >> 22] = (uint32_t)pt32 | (uint32_t)bits(w->e[1]);
			pt32[0] = FRAME | (uint32_t)bits(w->e[0]);
		} else {
			pd32[TARGET32 >> 22] = FRAME_L | (uint32_t)PTE_PS | (uint32_t)bits(w->e[0]);
		}
		invlpg(TARGET32);
		return;
	}
	int top = w->n - 1;
	if (mode == MLONG) {
		root64[1] = (uint32_t)pdpt_t | bits(w->e[top--]);
		if (leaf_level == 3) {
			pdpt_t[0] = PTE_PS | bits(w->e[top]);
			invlpg64(TARGET64);
			return;
		}
		pdpt_t[0] = (uint32_t)pd_t | bits(w->e[top--]);
	}
	if (leaf_level == 2) {
		pd_t[0] = FRAME_L | PTE_PS | bits(w->e[top]);
	} else {
		pd_t[0] = (uint32_t)pt_t | bits(w->e[top--]);
		pt_t[0] = FRAME | bits(w->e[top]);
	}
	if (mode == MLONG)
		invlpg64(TARGET64);
	else
		invlpg(TARGET32);
}

static void apply(const struct cfg *c)
{
	uint32_t cr0 = read_cr0() & ~CR0_WP;
	write_cr0(cr0 | (c->wp ? CR0_WP : 0));
	uint32_t cr4 = read_cr4() & ~(CR4_SMEP | CR4_SMAP);
	write_cr4(cr4 | (c->smep ? CR4_SMEP : 0) | (c->smap ? CR4_SMAP : 0));
	probe_ac = c->ac;
}

static int supported(const struct cfg *c)
{
	return (!c->smep || has_smep) && (!c->smap || has_smap);
}

static void one(const struct walk *w, enum access acc, int user, const struct cfg *c)
{
	static const char *const accs[] = { "read", "write", "fetch" };
	uint32_t want_err = 0, val = 0;
	int want = model(w, acc, user, c, &want_err);
	install(w);
	int got = probe(acc, target(), user, &val);
	probes++;
	int ok = got == want;
	if (ok && got)
		ok = last_trap.vector == 14 &&
		     (last_trap.err & cmpmask(want_err)) == (want_err & cmpmask(want_err)) &&
		     last_trap.cr2 == target();
	if (ok && !got && acc == ACC_READ)
		ok = val == 0xC3;
	if (!ok) {
		char lv[40];
		int n = 0;
		for (int i = w->n - 1; i >= 0; i--)
			n += snprintf(lv + n, sizeof(lv) - (size_t)n, "%s%c%c%c%c",
				      i == w->n - 1 ? "" : "/", (w->e[i] & FP) ? 'P' : '-',
				      (w->e[i] & FW) ? 'W' : '-', (w->e[i] & FU) ? 'U' : '-',
				      (w->e[i] & FNX) ? 'X' : '-');
		printf("guest perm: %s%s nxe=%d entries %s (top first), %s %s, wp=%d smep=%d "
		       "smap=%d ac=%d\n",
		       mode_names[mode], leaf_level > 1 ? " large page" : "", nxe, lv,
		       user ? "user" : "supervisor", accs[acc], c->wp, c->smep, c->smap, c->ac);
		printf("guest perm:   expected %s error %x; got %s vector %u error %x cr2 %llx "
		       "value %x\n",
		       want ? "#PF" : "success", want_err, got ? "exception" : "success",
		       got ? last_trap.vector : 0, got ? last_trap.err : 0, got ? last_trap.cr2 : 0,
		       val);
	}
	CHECK(ok, "%s access outcome differs from the rules (above)", mode_names[mode]);
}

/* The 9 basic probes (WP=1: supervisor and user R/W/X; WP=0: supervisor
 * R/W/X), and with extra set the SMEP/SMAP configurations too. */
static void accesses(const struct walk *w, int extra)
{
	for (int ci = 0; ci < (extra ? NCFGS : 2); ci++) {
		const struct cfg *c = &cfgs[ci];
		if (!supported(c))
			continue;
		apply(c);
		for (int acc = 0; acc < 3; acc++) {
			one(w, (enum access)acc, 0, c);
			if (ci == 0)
				one(w, (enum access)acc, 1, c);
		}
	}
	apply(&cfgs[0]);
}

/* Every combination of flags at the levels in mask 'full' (others ALL);
 * then each level alone through every combination with all
 * configurations. */
static void sweep(int n, unsigned full)
{
	int nf = (mode == M32) ? 8 : 16;
	struct walk w = { n, { ALL, ALL, ALL, ALL } };
	int lv[4], k = 0;
	for (int i = 0; i < n; i++)
		if (full & (1u << i))
			lv[k++] = i;
	int total = 1;
	for (int i = 0; i < k; i++)
		total *= nf;
	for (int x = 0; x < total; x++) {
		int y = x;
		for (int i = 0; i < k; i++, y /= nf)
			w.e[lv[i]] = y % nf;
		accesses(&w, 0);
	}
	for (int i = 0; i < n; i++) {
		struct walk s = { n, { ALL, ALL, ALL, ALL } };
		for (int f = 0; f < nf; f++) {
			s.e[i] = f;
			accesses(&s, 1);
		}
	}
}

static void run_mode(enum pmode m, int with_nxe)
{
	unsigned before = probes;
	mode = m;
	nxe = with_nxe;
	pt_reset();
	*(volatile uint8_t *)FRAME = 0xC3;
	*(volatile uint8_t *)FRAME_L = 0xC3;
	*(volatile uint8_t *)0 = 0xC3; /* the 1 GiB page maps physical 0 */
	if (nxe)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	if (m == M32) {
		pd32 = ident32();
		pt32 = pt_alloc();
		paging_enable((uint32_t)pd32, CR4_PSE);
		leaf_level = 1;
		sweep(2, 3);
		leaf_level = 2;
		sweep(1, 1);
		paging_disable();
	} else if (m == MPAE) {
		root64 = ident64(3);
		pd_t = pt_alloc();
		pt_t = pt_alloc();
		root64[1] = (uint32_t)pd_t | PTE_P; /* PDPTEs have no rights bits */
		paging_enable((uint32_t)root64, CR4_PAE);
		leaf_level = 1;
		sweep(2, nxe ? 3 : 0);
		leaf_level = 2;
		sweep(1, 1);
		paging_disable();
	} else {
		root64 = ident64(4);
		pdpt_t = pt_alloc();
		pd_t = pt_alloc();
		pt_t = pt_alloc();
		long_enter((uint32_t)root64, CR4_PAE);
		leaf_level = 1;
		sweep(4, nxe ? 3 : 0);
		if (nxe)
			sweep(4, 12);
		leaf_level = 2;
		sweep(3, nxe ? 3 : 0);
		if (cpuid_bit(0x80000001, 0, 3, 26)) {
			leaf_level = 3;
			sweep(2, nxe ? 3 : 0);
		}
		/* A reserved bit: PS in a PML4E must be zero (APM vol. 2
		 * §5.3.3), so the walk ends there with RSVD. */
		leaf_level = 1;
		struct walk w = { 4, { ALL, ALL, ALL, ALL } };
		install(&w);
		root64[1] |= PTE_PS;
		invlpg64(TARGET64);
		CHECK(probe(ACC_READ, TARGET64, 0, NULL) == 1 && last_trap.vector == 14 &&
			      (last_trap.err & cmpmask(PF_RSVD)) ==
				      ((PF_P | PF_RSVD) & cmpmask(PF_RSVD)) &&
			      last_trap.cr2 == TARGET64,
		      "long: PML4E.PS set: got vector %u error %x, expected #PF error %x",
		      last_trap.vector, last_trap.err, PF_P | PF_RSVD);
		long_leave();
	}
	write_cr4(0);
	write_cr0(read_cr0() & ~CR0_WP);
	probe_ac = 0;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_NXE);
	say("%s paging, EFER.NXE=%d: %u accesses as the rules say", mode_names[m], nxe,
	    probes - before);
}

void guest_main(const char *cmdline)
{
	strict = cmdline_value(cmdline, "strict") != NULL;
	has_smep = cpuid_bit(7, 0, 1, 7);
	has_smap = cpuid_bit(7, 0, 1, 20);
	int has_nx = cpuid_bit(0x80000001, 0, 3, 20);
	say("CPUID: SMEP %d, SMAP %d, NX %d", has_smep, has_smap, has_nx);
	run_mode(M32, 0);
	run_mode(MPAE, 0);
	if (has_nx)
		run_mode(MPAE, 1);
	run_mode(MLONG, 0);
	if (has_nx)
		run_mode(MLONG, 1);
}
