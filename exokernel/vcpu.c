/*
 * vcpu.c - the guest-context resource: virtual CPUs on AMD SVM, and the
 * calls on them and on guest address spaces (calls 49-54, docs/abi.md).
 *
 * The NOVA/Vancouver split: the kernel only validates and runs; all
 * emulation and MMU policy live in the VMM environment. A vCPU is a VMCB
 * page, a page for the copy the VMM hands in, and an XSAVE area, all
 * kernel frames charged to the VMM. exo_vcpu_run copies the VMM's struct
 * exo_vcpu_state in, has sb_vmcb_prepare (secure-bindings/vmcb.c) force
 * the intercepts and fields protection needs and check the rest, then,
 * with the kernel lock released, runs the guest until a #VMEXIT and copies
 * the state back. Every guest intercepts physical interrupts, so a timer
 * tick ends the run: the tick is taken on the way back to ring 3 and the
 * VMM environment is preempted, charged and revoked like any other (the
 * abort protocol is unchanged); the VMM sees exit code VMEXIT_INTR and
 * runs the guest again.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/svm.h"
#include "gas.h"
#include "pmap.h"
#include "spinlock.h"
#include "syscall.h"
#include "uaccess.h"

#include <exo/vcpu.h>

#define NVCPU 64

struct vcpu {
	uint32_t owner;	   /* [K] principal env id; 0 = free */
	uint16_t gen;	   /* [K] bumped at each reuse of the slot */
	bool running;	   /* [K] inside exo_vcpu_run (the lock is dropped meanwhile) */
	struct vmcb *vmcb; /* [K] what the hardware runs */
	struct vmcb *in;   /* [K] the VMM's copy, before checking */
	void *fpu;	   /* [K] the guest's x87/SSE/AVX state */
	uint64_t gpr[16];  /* [K] guest registers outside the VMCB */
	unsigned last_cpu; /* [K] index + 1 of the CPU it last ran on */
	uint64_t last_gas; /* [K] handle of the table it last ran on */
	uint64_t last_tlb; /* [K] that table's generation then */
};

static struct vcpu vcpus[NVCPU];

/* Pages each vCPU costs its environment: VMCB, copy, XSAVE area. */
#define VCPU_KMEM (3 * PAGE_SIZE)

static uint64_t vcpu_handle(const struct vcpu *v)
{
	return (uint64_t)v->gen << 16 | (uint64_t)(v - vcpus + 1);
}

static struct vcpu *vcpu_lookup(uint64_t handle, const struct env *owner)
{
	uint64_t slot = handle & 0xffff;
	if (handle > UINT32_MAX || slot == 0 || slot > NVCPU)
		return NULL;
	struct vcpu *v = &vcpus[slot - 1];
	if (!v->owner || v->owner != owner->id || v->gen != (handle >> 16))
		return NULL;
	return v;
}

static long guest_ok(void)
{
	if (!(me()->rights & EXO_RIGHT_GUEST))
		return -EXO_EPERM;
	return svm_available ? 0 : -EXO_ENOTSUP;
}

long sys_gas_create(uint64_t format)
{
	long r = guest_ok();
	return r < 0 ? r : gas_create(me(), format);
}

long sys_gas_destroy(uint64_t handle)
{
	struct gas *g = gas_lookup(handle, me());
	return g ? gas_destroy(g) : -EXO_EINVAL;
}

static void vcpu_free(struct vcpu *v)
{
	kfree_page(v->vmcb);
	kfree_page(v->in);
	kfree_page(v->fpu);
	kmem_uncharge(v->owner, VCPU_KMEM);
	v->owner = 0;
}

long sys_vcpu_create(uint64_t flags)
{
	long r = guest_ok();
	if (r < 0)
		return r;
	if (flags)
		return -EXO_EINVAL;
	struct env *e = me();
	unsigned mine = 0;
	struct vcpu *v = NULL;
	for (unsigned i = 0; i < NVCPU; i++) {
		if (vcpus[i].owner == e->id)
			mine++;
		else if (!vcpus[i].owner && !v)
			v = &vcpus[i];
	}
	if (mine >= EXO_VCPU_MAX || !v || kmem_charge(e, VCPU_KMEM) < 0)
		return -EXO_ENOMEM;
	v->vmcb = kalloc_page();
	v->in = kalloc_page();
	v->fpu = kalloc_page();
	v->owner = e->id;
	if (!v->vmcb || !v->in || !v->fpu) {
		vcpu_free(v); /* kfree_page takes NULL */
		return -EXO_ENOMEM;
	}
	fpu_init_area(v->fpu);
	v->gen = (uint16_t)(v->gen + 1) ? (uint16_t)(v->gen + 1) : 1;
	v->running = false;
	v->last_cpu = 0;
	v->last_gas = 0;
	memset(v->gpr, 0, sizeof(v->gpr));
	return (long)vcpu_handle(v);
}

long sys_vcpu_destroy(uint64_t handle)
{
	struct vcpu *v = vcpu_lookup(handle, me());
	if (!v)
		return -EXO_EINVAL;
	if (v->running)
		return -EXO_EBUSY;
	vcpu_free(v);
	return 0;
}

/*
 * Make vCPU handle's guest #VMEXIT soon if it runs on another CPU: a
 * reschedule IPI there is a physical interrupt, which every guest
 * intercepts (VMEXIT_INTR). The VMM's other contexts use it to hand a
 * running vCPU an interrupt at once rather than at its next timer tick.
 * A vCPU not running, or running on this CPU (it is the caller's own
 * context, in the kernel now), needs nothing. Racing with the run's start
 * is harmless: an IPI that arrives before VMRUN stays pending across it
 * (GIF is clear) and ends the run at once.
 */
long sys_vcpu_kick(uint64_t handle)
{
	struct vcpu *v = vcpu_lookup(handle, me());
	if (!v)
		return -EXO_EINVAL;
	if (v->running && v->last_cpu && v->last_cpu - 1 != this_cpu()->id)
		lapic_ipi(cpus[v->last_cpu - 1].apic_id, T_IPI_RESCHED);
	return 0;
}

/* The environment is going: its vCPUs (none running: the destroyer
 * waits for its contexts to leave their CPUs) and its tables. */
void vcpu_env_gone(struct env *e)
{
	for (unsigned i = 0; i < NVCPU; i++)
		if (vcpus[i].owner == e->id)
			vcpu_free(&vcpus[i]);
	gas_env_gone(e);
}

/* Offsets of struct exo_vcpu_state that cross: the whole VMCB up to the
 * end of the state save area the hardware uses, and gpr..flags. */
#define STATE_VMCB_BYTES 0x698
#define STATE_REST	 offsetof(struct exo_vcpu_state, gpr)
#define STATE_REST_BYTES (offsetof(struct exo_vcpu_state, cycles) - STATE_REST)

/*
 * Run the guest; the kernel lock is not held meanwhile. *xcr0 is the
 * guest's XCR0 going in and coming out: XSETBV is a forced intercept, but
 * QEMU's SVM does not intercept it, so a guest there sets its XCR0
 * natively, and it is read back after the #VMEXIT (the next run checks it
 * again). Returns the TSC cycles from VMRUN to #VMEXIT.
 */
static uint64_t enter_guest(struct vcpu *v, struct gas *g, uint64_t *xcr0)
{
	struct cpu *c = this_cpu();
	struct env *e = self();
	__atomic_store_n(&c->guest_gas, gas_handle(g), __ATOMIC_RELEASE);
	fpu_save(e->fpu);
	fpu_set_xcr0(*xcr0);
	fpu_fit_xcr0(v->fpu, *xcr0);
	fpu_restore(v->fpu);
	kernel_unlock();
	uint64_t t0 = rdtsc();
	svm_vmrun(virt_to_phys(v->vmcb), v->gpr, c->svm_host);
	uint64_t cycles = rdtsc() - t0;
	if (fpu_xcr0())
		*xcr0 = fpu_read_xcr0();
	fpu_save(v->fpu);
	fpu_set_xcr0(fpu_xcr0());
	fpu_restore(e->fpu);
	__atomic_store_n(&c->guest_gas, 0, __ATOMIC_RELEASE);
	kernel_lock();
	return cycles;
}

long sys_vcpu_run(uint64_t handle, struct exo_vcpu_state *state)
{
	struct vcpu *v = vcpu_lookup(handle, me());
	if (!v)
		return -EXO_EINVAL;
	if (v->running)
		return -EXO_EBUSY;
	struct env *e = self();
	uint64_t rest[STATE_REST_BYTES / 8]; /* gpr[16], xcr0, gas, flags */
	uint64_t cycles = 0;
	/* The last copy checks that the state can be written back. */
	if (copy_from_user(e, v->in, (uint64_t)state, STATE_VMCB_BYTES) < 0 ||
	    copy_from_user(e, rest, (uint64_t)state + STATE_REST, sizeof(rest)) < 0 ||
	    copy_to_user(e, (uint64_t)&state->cycles, &cycles, 8) < 0)
		return -EXO_EFAULT;
	uint64_t xcr0 = rest[16], flags = rest[18];
	struct gas *g = gas_lookup(rest[17], me());
	if (!g || (flags & ~(uint64_t)EXO_VCPU_NESTED))
		return -EXO_EINVAL;
	struct cpu *c = this_cpu();
	bool flush =
		v->last_cpu != c->id + 1 || v->last_gas != rest[17] || v->last_tlb != g->tlb_gen;
	struct sb_vmcb_bind b = {
		.asid = (uint32_t)(v - vcpus + 1),
		.iopm_pa = svm_iopm_pa,
		.msrpm_pa = svm_msrpm_pa,
		.root_pa = g->root,
		.format = g->format,
		.nested = flags & EXO_VCPU_NESTED,
		.tlb_control = flush ? VMCB_TLB_FLUSH_ALL : VMCB_TLB_NOTHING,
	};
	int err = sb_vmcb_check_xcr0(xcr0, &svm_caps);
	if (!err)
		err = sb_vmcb_prepare(v->vmcb, v->in, &b, &svm_caps);
	if (err) {
		/* Say which check failed: exit code VMEXIT_INVALID with the
		 * reason (a -SB_VMCB_E* value negated) in exit_info1. */
		uint64_t why[3] = { VMEXIT_INVALID, (uint64_t)-err, 0 };
		copy_to_user(e, (uint64_t)&state->vmcb.control.exit_code, why, sizeof(why));
		return -EXO_EINVAL;
	}
	memcpy(v->gpr, rest, sizeof(v->gpr));
	v->running = true;
	g->users++;
	v->last_cpu = c->id + 1;
	v->last_gas = rest[17];
	v->last_tlb = g->tlb_gen;
	cycles = enter_guest(v, g, &xcr0);
	v->running = false;
	g->users--;
	if (self()->dying) { /* destroyed while the guest ran */
		env_destroy(self(), NULL);
		schedule();
	}
	memcpy(rest, v->gpr, sizeof(v->gpr));
	rest[16] = xcr0;
	if (copy_to_user(e, (uint64_t)state, v->vmcb, STATE_VMCB_BYTES) < 0 ||
	    copy_to_user(e, (uint64_t)state + STATE_REST, rest, sizeof(v->gpr) + 8) < 0 ||
	    copy_to_user(e, (uint64_t)&state->cycles, &cycles, 8) < 0)
		return -EXO_EFAULT;
	return 0;
}
