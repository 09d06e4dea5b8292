/*
 * vm_hostile.c - the guest-context resource under attack (calls 49-53,
 * docs/abi.md; docs/vmm.md "Hostile guests").
 *
 *  1. Bad arguments to every guest call: formats, flags, handles (stale,
 *     forged, another environment's), addresses outside a table's range,
 *     frames the caller has no right on, state buffers that are not
 *     writable user memory.
 *  2. VMCBs the kernel must refuse: each refused with EXO_EINVAL and the
 *     check that failed named in exit_info1.
 *  3. Intercepts the VMM leaves out are forced: a guest with every
 *     intercept word zero still exits on VMMCALL and on a CR3 write in
 *     shadow mode, and a physical interrupt ends a guest spinning in
 *     "jmp $".
 *  4. An environment killed while its guest runs on the other CPU.
 *  5. Garbage guests under the VMM library OS: random boot sectors and
 *     random multiboot kernels (nested and shadow), and a boot sector that
 *     writes every I/O port: each VM ends (or times out), the VMM and the
 *     kernel carry on, and the invariant checker stays clean.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>
#include <exo/libexo.h>
#include <exo/vcpu.h>

#include "testlib.h"
#include "vmm.h"
#include "vmcb.h"

#define GUEST_VA 0x300000000000ull /* where the test sees its guest's page */

static uint64_t frame_new(void)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(f > 0);
	return (uint64_t)f;
}

/* A paged-real-mode guest (CR0.PG = 1, PE = 0, AMD APM vol. 2 §15.19) on a
 * PAE shadow table mapping guest address 0 to one page of code. */
struct rawvm {
	uint64_t vcpu, gas, code;
	struct exo_vcpu_state *st;
	uint8_t *page;
};

static void raw_state(struct rawvm *r)
{
	vm_raw_state(r->st, r->gas);
}

static void raw_init(struct rawvm *r, const uint8_t *code, size_t len)
{
	long v = exo_vcpu_create(0), g = exo_gas_create(EXO_GAS_PAE);
	CHECK(v > 0 && g > 0);
	r->vcpu = (uint64_t)v, r->gas = (uint64_t)g;
	r->code = frame_new();
	CHECK_EQ(exo_page_map(EXO_AS_SELF, GUEST_VA, r->code, EXO_PERM_R | EXO_PERM_W), 0);
	r->page = (uint8_t *)GUEST_VA;
	memset(r->page, 0xf4, 4096); /* hlt everywhere else */
	memcpy(r->page, code, len);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(r->gas), 0, r->code,
			      EXO_PERM_R | EXO_PERM_W | EXO_PERM_X | EXO_PERM_GUSER),
		 0);
	r->st = memalign(4096, sizeof(*r->st));
	CHECK(r->st != NULL);
	raw_state(r);
}

/* Run until an exit other than a physical interrupt; its code. */
static uint64_t raw_run(struct rawvm *r)
{
	for (;;) {
		CHECK_EQ(exo_vcpu_run(r->vcpu, r->st), 0);
		if (r->st->vmcb.control.exit_code != VMEXIT_INTR)
			return r->st->vmcb.control.exit_code;
	}
}

/* The run must be refused by VMCB check err. */
static void refused(struct rawvm *r, int err, const char *what)
{
	long e = exo_vcpu_run(r->vcpu, r->st);
	if (e != -EXO_EINVAL || (uint32_t)r->st->vmcb.control.exit_code != 0xffffffffu ||
	    r->st->vmcb.control.exit_info1 != (uint64_t)-err) {
		printf("vm_hostile: %s: run gave %ld, exit 0x%llx info %llu, want check %d (%s)\n",
		       what, e, (unsigned long long)r->st->vmcb.control.exit_code,
		       (unsigned long long)r->st->vmcb.control.exit_info1, -err,
		       sb_vmcb_strerror(err));
		test_end(0);
	}
	raw_state(r);
}

/* out 0x80, al; vmmcall; mov cr3, eax; jmp $ */
static const uint8_t raw_code[] = { 0xe6, 0x80, 0x0f, 0x01, 0xd9, 0x0f, 0x22, 0xd8, 0xeb, 0xfe };

static void bad_arguments(void)
{
	CHECK_EQ(exo_gas_create(0), -EXO_EINVAL);
	CHECK_EQ(exo_gas_create(3), -EXO_EINVAL);
	CHECK_EQ(exo_vcpu_create(1), -EXO_EINVAL);
	CHECK_EQ(exo_gas_destroy(0), -EXO_EINVAL);
	CHECK_EQ(exo_vcpu_destroy(12345), -EXO_EINVAL);
	CHECK_EQ(exo_vcpu_run(0, NULL), -EXO_EINVAL);
	CHECK_EQ(exo_vcpu_kick(0), -EXO_EINVAL);
	CHECK_EQ(exo_vcpu_kick(12345), -EXO_EINVAL);
	long kv = exo_vcpu_create(0);
	CHECK(kv > 0);
	CHECK_EQ(exo_vcpu_kick((uint64_t)kv), 0); /* not running: nothing to do */
	CHECK_EQ(exo_vcpu_kick((uint64_t)kv | 1ull << 32), -EXO_EINVAL);
	CHECK_EQ(exo_vcpu_destroy((uint64_t)kv), 0);
	CHECK_EQ(exo_vcpu_kick((uint64_t)kv), -EXO_EINVAL); /* stale */
	long g4 = exo_gas_create(EXO_GAS_LONG4), gp = exo_gas_create(EXO_GAS_PAE);
	CHECK(g4 > 0 && gp > 0);
	uint64_t f = frame_new(), rwx = EXO_PERM_R | EXO_PERM_W | EXO_PERM_X;
	/* Ranges: PAE is 32-bit; LONG4 is canonical 48-bit, both halves. */
	CHECK_EQ(exo_page_map(EXO_AS_GAS(gp), 1ull << 32, f, rwx), -EXO_EINVAL);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0x0000800000000000ull, f, rwx), -EXO_EINVAL);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0x1001, f, rwx), -EXO_EINVAL);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0xffff800000000000ull, f, rwx), 0);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0, f, rwx | EXO_PERM_GUSER), 0);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0x2000, f, rwx | (1u << 5)), -EXO_EINVAL);
	/* No right on the frame: a kernel frame, a frame beyond memory. */
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0x3000, 1, EXO_PERM_R), -EXO_EPERM);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0x3000, 1ull << 40, EXO_PERM_R), -EXO_EINVAL);
	/* A mapped frame cannot be freed; once unmapped it can. */
	CHECK_EQ(exo_frame_free(f), -EXO_EBUSY);
	CHECK_EQ(exo_page_unmap(EXO_AS_GAS(g4), 0xffff800000000000ull), 0);
	CHECK_EQ(exo_page_unmap(EXO_AS_GAS(g4), 0xffff800000000000ull), -EXO_EINVAL);
	struct exo_map_op ops[2] = {
		{ .kind = EXO_MAP_PROTECT, .va = 0, .perm = EXO_PERM_R },
		{ .kind = EXO_MAP_MAP, .va = 0x5000, .frame = f, .perm = rwx }
	};
	CHECK_EQ(exo_page_map_batch(EXO_AS_GAS(g4), ops, 2), 2);
	/* Destroying the table drops its references; its handle goes stale. */
	CHECK_EQ(exo_gas_destroy((uint64_t)g4), 0);
	CHECK_EQ(exo_page_map(EXO_AS_GAS(g4), 0x3000, f, rwx), -EXO_EINVAL);
	CHECK_EQ(exo_gas_destroy((uint64_t)g4), -EXO_EINVAL);
	CHECK_EQ(exo_page_map(EXO_AS_GAS_BIT | 0xffffffffull, 0x3000, f, rwx), -EXO_EINVAL);
	CHECK_EQ(exo_frame_free(f), 0);
	CHECK_EQ(exo_gas_destroy((uint64_t)gp), 0);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("vm_hostile: bad arguments refused\n");
}

static void vmcb_checks(struct rawvm *r)
{
	/* State buffers: null, kernel, unmapped, read-only. */
	CHECK_EQ(exo_vcpu_run(r->vcpu, NULL), -EXO_EFAULT);
	CHECK_EQ(exo_vcpu_run(r->vcpu, (void *)0xffffffff80000000ull), -EXO_EFAULT);
	CHECK_EQ(exo_vcpu_run(r->vcpu, (void *)0x6f0000000000ull), -EXO_EFAULT);
	CHECK_EQ(exo_vcpu_run(r->vcpu, (void *)EXO_USYSINFO), -EXO_EFAULT);
	r->st->gas = 77;
	CHECK_EQ(exo_vcpu_run(r->vcpu, r->st), -EXO_EINVAL);
	raw_state(r);
	r->st->flags = 2;
	CHECK_EQ(exo_vcpu_run(r->vcpu, r->st), -EXO_EINVAL);
	raw_state(r);
	struct vmcb_save *s = &r->st->vmcb.save;
	s->efer = 0;
	refused(r, -SB_VMCB_ESVME, "EFER.SVME clear");
	s->cr0 |= X86_CR0_NW;
	refused(r, -SB_VMCB_ECR0_NW, "CR0.NW without CD");
	s->cr0 |= 1ull << 40;
	refused(r, -SB_VMCB_ECR0_HIGH, "CR0 high bits");
	s->cr4 |= X86_CR4_LA57;
	refused(r, -SB_VMCB_ELA57, "CR4.LA57");
	s->cr0 &= ~X86_CR0_PG;
	refused(r, -SB_VMCB_ESHADOW_PG, "shadow paging with CR0.PG clear");
	s->efer |= X86_EFER_LME;
	refused(r, -SB_VMCB_ELME_PE, "long mode without protected mode");
	s->efer |= X86_EFER_LME | X86_EFER_LMA;
	s->cr0 |= X86_CR0_PE;
	refused(r, -SB_VMCB_EMODE_FORMAT, "long mode on a PAE table");
	s->dr7 |= 1ull << 32;
	refused(r, -SB_VMCB_EDR, "DR7 high bits");
	r->st->vmcb.control.event_inj = VMCB_EVT_V | 1u << 8;
	refused(r, -SB_VMCB_EEVENT, "event type 1");
	r->st->vmcb.control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, 2);
	refused(r, -SB_VMCB_EEVENT, "NMI vector as an exception");
	r->st->xcr0 = 0;
	refused(r, -SB_VMCB_EXCR0_X87, "XCR0 without x87");
	r->st->xcr0 = 5;
	refused(r, -SB_VMCB_EXCR0_AVX, "XCR0 AVX without SSE");
	r->st->flags = EXO_VCPU_NESTED;
	refused(r, -SB_VMCB_ENESTED_FORMAT, "nested paging on a PAE table");
	CHECK_EQ(exo_invariant_check(), 0);
	printf("vm_hostile: bad VMCBs refused, each by its check\n");
}

static void forced_intercepts(struct rawvm *r)
{
	struct vmcb_control *c = &r->st->vmcb.control;
	c->intercept_cr = c->intercept_dr = c->intercept_exc = 0;
	c->intercept_misc1 = c->intercept_misc2 = c->intercept_misc3 = 0;
	CHECK_EQ(raw_run(r), VMEXIT_IOIO); /* out 0x80 */
	CHECK_EQ(c->exit_info2, 2);
	r->st->vmcb.save.rip = 2;
	CHECK_EQ(raw_run(r), VMEXIT_VMMCALL);
	CHECK_EQ(r->st->vmcb.save.rip, 2);
	/* What ran had the kernel's forced intercepts. */
	CHECK((c->intercept_misc2 & SB_VMCB_FORCED_MISC2) == SB_VMCB_FORCED_MISC2);
	CHECK((c->intercept_misc1 & SB_VMCB_FORCED_MISC1) == SB_VMCB_FORCED_MISC1);
	CHECK(c->asid != 0);
	r->st->vmcb.save.rip = 5;
	c->intercept_cr = 0;
	CHECK_EQ(raw_run(r), VMEXIT_CR_WRITE(3));
	r->st->vmcb.save.rip = 8;
	/* jmp $: only a physical interrupt ends this run. */
	CHECK_EQ(exo_vcpu_run(r->vcpu, r->st), 0);
	CHECK_EQ(c->exit_code, VMEXIT_INTR);
	CHECK_EQ(r->st->vmcb.save.rip, 8);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("vm_hostile: forced intercepts hold with every intercept word zero\n");
}

/* A child runs "jmp $" in a guest for ever; it is destroyed meanwhile. */
static void kill_running(struct rawvm *parent_vm)
{
	static volatile uint64_t *ready;
	ready = memalign(4096, 4096);
	*ready = 0;
	CHECK_EQ(exo_fork_share((uint64_t)ready, 4096), 0);
	long child = exo_fork();
	CHECK(child >= 0);
	if (child == 0) {
		while (exo_vcpu_create(0) == -EXO_EPERM)
			exo_yield(0);
		/* The parent's handles name nothing here. */
		CHECK_EQ(exo_vcpu_run(parent_vm->vcpu, parent_vm->st), -EXO_EINVAL);
		CHECK_EQ(exo_page_map(EXO_AS_GAS(parent_vm->gas), 0, parent_vm->code, EXO_PERM_R),
			 -EXO_EINVAL);
		CHECK_EQ(exo_gas_destroy(parent_vm->gas), -EXO_EINVAL);
		struct rawvm r;
		exo_page_unmap(EXO_AS_SELF, GUEST_VA); /* the parent's COW copy */
		raw_init(&r, raw_code + 8, 2);
		*ready = 1;
		for (;;)
			exo_vcpu_run(r.vcpu, r.st);
	}
	CHECK_EQ(exo_env_grant_rights((uint64_t)child, EXO_RIGHT_GUEST), 0);
	CHECK_EQ(test_wait_word(ready, ~0ull, 1, EXO_PRED_EQ, 5000000), EXO_WAKE_PRED);
	test_sleep_us(50000);
	CHECK_EQ(exo_env_destroy((uint64_t)child), 0);
	test_wait_alone(5000);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("vm_hostile: an environment killed while its guest ran is gone, frames and all\n");
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static void out(void *ctx, const char *buf, size_t n)
{
	(void)ctx, (void)buf, (void)n; /* garbage guests print garbage */
}

/* A minimal multiboot ELF32: one segment of n random bytes at 1 MiB. */
static size_t garbage_kernel(uint8_t *img, size_t n)
{
	memset(img, 0, 4096);
	uint32_t *w = (uint32_t *)img;
	/* ELF header */
	memcpy(img, "\177ELF\1\1\1", 7);
	img[16] = 2, img[18] = 3;		 /* ET_EXEC, EM_386 */
	w[6] = 0x100000 + 4096;			 /* e_entry: into the random bytes */
	w[7] = 52;				 /* e_phoff */
	img[40] = 52, img[42] = 32, img[44] = 1; /* ehsize, phentsize, phnum */
	/* program header at 52: PT_LOAD of the whole file at 1 MiB */
	uint32_t *ph = (uint32_t *)(img + 52);
	ph[0] = 1, ph[1] = 0, ph[2] = ph[3] = 0x100000;
	ph[4] = ph[5] = (uint32_t)(4096 + n), ph[6] = 7;
	/* multiboot header at 256 */
	uint32_t *mb = (uint32_t *)(img + 256);
	mb[0] = 0x1badb002, mb[1] = 0, mb[2] = -0x1badb002u;
	for (size_t i = 0; i < n; i++)
		img[4096 + i] = (uint8_t)rnd();
	return 4096 + n;
}

static void garbage_guests(void)
{
	static uint8_t img[8192];
	/* Every port but 0xf4 read, flipped and written back; then cli; hlt. */
	static const uint8_t ports[] = { 0x31, 0xd2, 0x81, 0xfa, 0xf4, 0x00, 0x74, 0x04, 0xec,
					 0x34, 0x5a, 0xee, 0x42, 0x75, 0xf3, 0xfa, 0xf4 };
	unsigned ends[10] = { 0 };
	for (unsigned i = 0; i < 48; i++) {
		struct vm_config cfg = { .mem_mib = 8,
					 .smp = 1,
					 .npt = i & 1,
					 .timeout_ms = 300,
					 .host = { .console_write = out } };
		uint8_t sect[512];
		if (i < 2) {
			cfg.timeout_ms = 30000; /* 2 exits per port: let it finish */
			memset(sect, 0, sizeof(sect));
			memcpy(sect, ports, sizeof(ports));
			cfg.bootsect = sect;
		} else if (i < 24) {
			for (unsigned k = 0; k < 512; k++)
				sect[k] = (uint8_t)rnd();
			cfg.bootsect = sect;
		} else {
			cfg.kernel = img;
			cfg.kernel_len = garbage_kernel(img, 4096);
		}
		if (i < 24)
			sect[510] = 0x55, sect[511] = 0xaa;
		char err[200];
		int st = vm_run(&cfg, err, sizeof(err));
		if (i < 2)
			printf("vm_hostile: port hammer (%s): status %d %s\n",
			       cfg.npt ? "npt" : "shadow", st, err);
		ends[st >= 0 && st < 10 ? st : 9]++;
		if (exo_invariant_check() != 0) {
			printf("vm_hostile: invariants broken after garbage guest %u (%s)\n", i,
			       err);
			test_end(0);
		}
	}
	printf("vm_hostile: 48 garbage guests ended: %u off, %u triple fault, %u VMM error, %u "
	       "timed out, %u other\n",
	       ends[0], ends[2], ends[4], ends[8], ends[9] + ends[1] + ends[3] + ends[5] + ends[7]);
}

int main(void)
{
	bad_arguments();
	struct rawvm r;
	raw_init(&r, raw_code, sizeof(raw_code));
	vmcb_checks(&r);
	forced_intercepts(&r);
	kill_running(&r);
	CHECK_EQ(exo_vcpu_destroy(r.vcpu), 0);
	CHECK_EQ(exo_vcpu_destroy(r.vcpu), -EXO_EINVAL);
	CHECK_EQ(exo_gas_destroy(r.gas), 0);
	garbage_guests();
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}
