/*
 * guest.c - the guest-context calls in the fuzzer (49-54, docs/abi.md
 * "Guest contexts (SVM)").
 *
 * The victim gives the attacker EXO_RIGHT_GUEST, so these calls get past
 * the rights check and into the kernel's guest paths: guest address spaces
 * of both formats (and bad ones) are made and destroyed, vCPUs made and
 * destroyed, frames mapped into the tables through calls 7, 8, 22 and 23
 * (gen.c picks EXO_AS_GAS handles, live, stale and forged, as their `as`),
 * and exo_vcpu_run is called with stale and forged handles, bad state
 * pointers, and states that are a valid paged-real-mode or long-mode guest
 * with random bytes of the VMCB, the registers, XCR0 and the flags
 * changed. Most such VMCBs are refused by a check; those that pass run
 * whatever the guest's frames hold until a #VMEXIT (at the latest the
 * next timer tick). The victim's frames can never be reached: a table
 * takes only frames the attacker holds rights on, which the kernel checks
 * like any mapping (check.c's expect_vframe_ro for victim frames).
 */
#include <string.h>

#include <exo/vcpu.h>

#include "fuzz.h"

#define GAS_MAX	 8
#define VCPU_MAX 4

static uint64_t gas[GAS_MAX]; /* live handles of ours, 0 = empty */
static uint64_t vcpu[VCPU_MAX];
static uint64_t stale_gas, stale_vcpu; /* the last destroyed */
static struct exo_vcpu_state st __attribute__((aligned(4096)));

uint64_t fz_guest_handle(uint64_t r, bool vcpus)
{
	uint64_t *t = vcpus ? vcpu : gas;
	unsigned n = vcpus ? VCPU_MAX : GAS_MAX;
	uint64_t k = r >> 8;
	switch (r % 8) {
	case 0:
		return vcpus ? stale_vcpu : stale_gas;
	case 1:
		return k & 0xffffffffull; /* forged */
	case 2:
		return t[k % n] | 1ull << 16 * (1 + k % 2); /* another generation, or too big */
	default:
		return t[k % n] ? t[k % n] : t[0];
	}
}

static void seg(struct vmcb_seg *s, uint16_t attr, bool big)
{
	*s = (struct vmcb_seg){ .attr = attr, .limit = big ? 0xffffffff : 0xffff };
}

/* A state a VMM could hand in: a paged-real-mode guest on a PAE table, or
 * a long-mode guest on a 4-level one (or nested), then mutated. */
static void fill_state(const uint64_t *r, bool valid)
{
	memset(&st, 0, sizeof(st));
	struct vmcb_save *s = &st.vmcb.save;
	bool lm = r[3] % 2;
	seg(&s->cs, lm ? 0x29b : 0x9b, lm);
	seg(&s->ds, 0x93, lm), seg(&s->es, 0x93, lm), seg(&s->ss, 0x93, lm);
	seg(&s->fs, 0x93, lm), seg(&s->gs, 0x93, lm);
	seg(&s->ldtr, 0x82, false), seg(&s->tr, 0x8b, false);
	s->cr0 = X86_CR0_PG | X86_CR0_ET | X86_CR0_NE | (lm ? X86_CR0_PE : 0);
	s->cr4 = X86_CR4_PAE;
	s->efer = X86_EFER_SVME | (lm ? X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE : 0);
	s->rflags = 2;
	s->rip = (r[4] >> 8) % 0x4000;
	s->dr6 = 0xffff0ff0, s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull;
	st.xcr0 = 1;
	st.gas = fz_guest_handle(r[5], false);
	st.flags = r[3] % 8 == 1 ? EXO_VCPU_NESTED : 0;
	for (int i = 0; i < 16; i++)
		st.gpr[i] = r[(6 + i) % FZ_DRAWS] * (uint64_t)(i + 1);
	if (valid)
		return;
	/* A few random bytes of the VMCB (the parts the kernel reads), the
	 * XCR0 and the flags. */
	uint8_t *v = (uint8_t *)&st.vmcb;
	for (unsigned i = 0; i < 1 + r[6] % 6; i++) {
		uint64_t x = r[(7 + i) % FZ_DRAWS];
		v[(x >> 8) % 0x698] = (uint8_t)x;
	}
	static const uint64_t xcr0[] = { 1, 3, 7, 0, 5, 2, 1ull << 63, 0x1f };
	st.xcr0 = xcr0[(r[7] >> 16) % 8];
	if (r[8] % 16 == 0)
		st.flags = r[8] >> 8;
	/* The kernel ignores these on the way in; cleared, they tell a refusal
	 * by a VMCB check (VMEXIT_INVALID and its number) from any other. */
	st.vmcb.control.exit_code = st.vmcb.control.exit_info1 = 0;
}

void fz_guest_gen(struct fz_call *c, const uint64_t *r, bool valid)
{
	uint64_t *a = c->a, k2 = r[2] >> 8;
	switch (c->nr) {
	case 49: {
		static const uint64_t fmt[] = { 0, 3, ~0ull, 1ull << 32 | 1, EXO_GAS_LONG4 };
		a[0] = valid || r[2] % 2 ? EXO_GAS_LONG4 + k2 % 2 : fmt[k2 % 5];
		break;
	}
	case 50:
		a[0] = fz_guest_handle(r[2], false);
		break;
	case 51:
		a[0] = valid || r[2] % 4 ? 0 : r[2] % 8 == 1 ? 1 : k2;
		break;
	case 52:
	case 54:
		a[0] = fz_guest_handle(r[2], true);
		break;
	case 53: {
		a[0] = fz_guest_handle(r[2], true);
		if (r[3] % 8 == 0) {
			static const uint64_t bad[] = {
				0,	  0xffffffff80100000ull, EXO_USYSINFO,
				EXO_UVPT, 0x0000800000000000ull, 4096
			};
			a[1] = bad[(r[3] >> 8) % 6];
		} else {
			fill_state(r, valid);
			a[1] = (uint64_t)&st;
		}
		break;
	}
	}
}

static void keep(uint64_t *t, unsigned n, uint64_t h)
{
	for (unsigned i = 0; i < n; i++)
		if (!t[i]) {
			t[i] = h;
			return;
		}
	t[h % n] = h; /* full: forget one (it lives on until we exit) */
}

static void drop(uint64_t *t, unsigned n, uint64_t h, uint64_t *stale)
{
	for (unsigned i = 0; i < n; i++)
		if (t[i] == h)
			t[i] = 0;
	*stale = h;
}

void fz_guest_after(const struct fz_call *c, long r)
{
	const uint64_t *a = c->a;
	switch (c->nr) {
	case 49:
		if (r > 0 && a[0] != EXO_GAS_LONG4 && a[0] != EXO_GAS_PAE)
			fz_fail("exo_gas_create made a table of format %#llx",
				(unsigned long long)a[0]);
		if (r > 0)
			keep(gas, GAS_MAX, (uint64_t)r);
		if (r == -EXO_EPERM || r == -EXO_ENOTSUP)
			fz_fail("exo_gas_create: %s with the guest right on an SVM CPU",
				fz_err_name(r));
		break;
	case 50:
		if (r == 0)
			drop(gas, GAS_MAX, a[0], &stale_gas);
		break;
	case 51:
		if (r > 0 && a[0])
			fz_fail("exo_vcpu_create took flags %#llx", (unsigned long long)a[0]);
		if (r > 0)
			keep(vcpu, VCPU_MAX, (uint64_t)r);
		break;
	case 52:
		if (r == 0)
			drop(vcpu, VCPU_MAX, a[0], &stale_vcpu);
		break;
	case 54:
		if (r == 0 && a[0] == stale_vcpu && stale_vcpu)
			fz_fail("exo_vcpu_kick took a destroyed vCPU's handle");
		break;
	case 53:
		/* A run that happened shows a real exit and the forced fields. */
		if (r == 0 && a[1] == (uint64_t)&st &&
		    ((st.vmcb.control.intercept_misc2 & VMCB_I2_VMRUN) == 0 ||
		     st.vmcb.control.asid == 0))
			fz_fail("a guest ran without the VMRUN intercept or with ASID 0");
		if (r == -EXO_EINVAL && a[1] == (uint64_t)&st &&
		    (uint32_t)st.vmcb.control.exit_code == 0xffffffffu &&
		    st.vmcb.control.exit_info1 == 0)
			fz_fail("a refused VMCB names no check");
		break;
	}
}
