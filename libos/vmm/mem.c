/*
 * mem.c - guest RAM: ordinary frames the VMM environment allocates, mapped
 * contiguously at VM_RAM_VA in its own address space (so device models and
 * loaders reach guest-physical address a at VM_RAM_VA + a), and into guest
 * address spaces by the batched mapping call.
 *
 * Visible revocation (docs/vmm.md, "Guest memory under revocation"): the
 * frames are the VMM's like any others, and when the kernel asks for some
 * back, the VMM gives guest pages that hold only zeros (VMware ESX's
 * zero-page reclamation): it unmaps them everywhere (the shadow tables
 * find them through their reverse maps), frees the frames and
 * marks the pages unbacked (frame 0). An unbacked page reads as zeros: the
 * first touch, by the guest (#NPF, or a shadow #PF) or by the VMM itself
 * (a page fault at VM_RAM_VA), backs it with a fresh, zeroed frame. So
 * giving back loses nothing. A guest whose memory holds no zero pages
 * cannot comply; the kernel then repossesses frames of its choosing, the
 * guest's memory is damaged, and the VM ends with a message (mem_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>

#include <exo/libexo.h>

#include "vm_int.h"

/* Where the revocation upcall's stack (guaranteed frames) ends. */
#define REVOKE_STACK_TOP   0x1ff000000000ull
#define REVOKE_STACK_PAGES 2

/* The VM this environment runs, for the upcall and fault handlers (one
 * VM per environment at a time). */
static struct vm *running;
/* Frames the kernel asked for that the run loop has still to give. */
static volatile uint64_t owed;

/* Apply ops[0..n) to address space as in batches of EXO_MAP_BATCH_MAX. */
static int map_batches(uint64_t as, struct exo_map_op *ops, uint64_t n)
{
	for (uint64_t i = 0; i < n; i += EXO_MAP_BATCH_MAX) {
		uint64_t k = n - i < EXO_MAP_BATCH_MAX ? n - i : EXO_MAP_BATCH_MAX;
		long r = exo_page_map_batch(as, ops + i, k);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

/* Map guest pages [0, npages) of vm into as at base + gpa with perm. */
static int map_ram(struct vm *vm, uint64_t as, uint64_t base, uint64_t perm)
{
	struct exo_map_op *ops = malloc(EXO_MAP_BATCH_MAX * sizeof(*ops));
	if (!ops)
		return -EXO_ENOMEM;
	int r = 0;
	for (uint64_t p = 0; p < vm->npages && r == 0; p += EXO_MAP_BATCH_MAX) {
		uint64_t k = vm->npages - p;
		if (k > EXO_MAP_BATCH_MAX)
			k = EXO_MAP_BATCH_MAX;
		for (uint64_t i = 0; i < k; i++)
			ops[i] = (struct exo_map_op){ .kind = EXO_MAP_MAP,
						      .va = base + (p + i) * PAGE,
						      .frame = vm->frames[p + i],
						      .perm = perm };
		r = map_batches(as, ops, k);
	}
	free(ops);
	return r;
}

/* The revocation upcall: it interrupts the run loop anywhere, so it only
 * notes the debt, which mem_reclaim pays at the loop's next turn (within
 * one #VMEXIT; a timer tick ends every guest run). */
static uint64_t give_back(uint64_t frames, void *ctx)
{
	(void)ctx;
	if (running)
		__atomic_add_fetch(&owed, frames, __ATOMIC_SEQ_CST);
	return 0;
}

/* Give unbacked guest page p a fresh zeroed frame, in the VMM's own
 * address space and the guest-physical table. Returns 0 or an error. */
static int back(struct vm *vm, uint64_t p)
{
	long f;
	while ((f = exo_frame_alloc(EXO_FRAME_ANY, 0)) == -EXO_EAGAIN)
		exo_yield(0);
	if (f < 0)
		return (int)f;
	long r = exo_page_map(EXO_AS_SELF, VM_RAM_VA + p * PAGE, (uint64_t)f,
			      EXO_PERM_R | EXO_PERM_W);
	if (r == 0 && vm->gas_phys)
		r = exo_page_map(EXO_AS_GAS(vm->gas_phys), p * PAGE, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W | EXO_PERM_X | EXO_PERM_GUSER);
	if (r < 0) {
		exo_page_unmap(EXO_AS_SELF, VM_RAM_VA + p * PAGE);
		exo_frame_free((uint64_t)f);
		return (int)r;
	}
	vm->frames[p] = (uint64_t)f;
	vm->backed++;
	vm->rebacked++;
	return 0;
}

int mem_touch(struct vm *vm, uint64_t gpa)
{
	uint64_t p = gpa / PAGE;
	if (p >= vm->npages || vm->frames[p])
		return 0;
	int r = back(vm, p);
	if (r < 0)
		vm_end(vm, VM_EXIT_VMM_ERROR, "cannot back guest page 0x%llx: error %d",
		       (unsigned long long)gpa, -r);
	return r;
}

/* The VMM touched an unbacked page of guest RAM itself. */
static bool ram_fault(struct exo_upcall_frame *f, void *ctx)
{
	(void)ctx;
	struct vm *vm = running;
	if (!vm || (f->error & EXO_PF_PRESENT) || f->fault_va < VM_RAM_VA ||
	    f->fault_va - VM_RAM_VA >= vm->ram_bytes)
		return false;
	return back(vm, (f->fault_va - VM_RAM_VA) / PAGE) == 0;
}

static bool zero_page(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	for (unsigned i = 0; i < PAGE / 8; i++)
		if (w[i])
			return false;
	return true;
}

void mem_reclaim(struct vm *vm)
{
	uint64_t want = __atomic_exchange_n(&owed, 0, __ATOMIC_SEQ_CST);
	if (!want)
		return;
	uint64_t *batch = malloc(EXO_MAP_BATCH_MAX * sizeof(uint64_t));
	struct exo_map_op *ops = malloc(EXO_MAP_BATCH_MAX * sizeof(*ops));
	if (!batch || !ops)
		goto out;
	uint64_t scanned = 0, given = 0;
	while (given < want && scanned < vm->npages) {
		unsigned n = 0;
		for (; n < EXO_MAP_BATCH_MAX && given + n < want && scanned < vm->npages;
		     scanned++) {
			uint64_t p = vm->cursor;
			vm->cursor = (vm->cursor + 1) % vm->npages;
			if (vm->frames[p] && zero_page(vm->ram + p * PAGE))
				batch[n++] = p;
		}
		if (!n)
			break;
		/* Unmap everywhere (from the cached shadow tables through their
		 * reverse maps), then free. */
		for (int as = 0; as < 2; as++) {
			for (unsigned i = 0; i < n; i++)
				ops[i] = (struct exo_map_op){ .kind = EXO_MAP_UNMAP,
							      .va = (as ? 0 : VM_RAM_VA) +
								    batch[i] * PAGE };
			exo_page_map_batch(as ? EXO_AS_GAS(vm->gas_phys) : EXO_AS_SELF, ops, n);
		}
		for (unsigned k = 0; k < n && !vm->cfg->npt; k++)
			shadow_forget(&vm->cpu[0], batch[k] * PAGE); /* every vCPU's tables */
		for (unsigned i = 0; i < n; i++) {
			if (exo_frame_free(vm->frames[batch[i]]) == 0)
				given++;
			vm->frames[batch[i]] = 0;
			vm->backed--;
		}
	}
	vm->reclaimed += given;
out:
	free(batch);
	free(ops);
}

/* Frames the kernel took by force (the abort protocol): if any was guest
 * RAM, the guest's memory is damaged and the VM cannot go on. */
void mem_check(struct vm *vm)
{
	struct exo_repo_rec rec[16];
	long n;
	while ((n = exo_repossessed(rec, 16)) > 0)
		for (long i = 0; i < n; i++) {
			if (rec[i].kind != EXO_REPO_FRAME)
				continue;
			for (uint64_t p = 0; p < vm->npages; p++)
				if (vm->frames[p] == rec[i].resource) {
					vm->frames[p] = 0; /* no longer ours to free */
					vm_end(vm, VM_EXIT_VMM_ERROR,
					       "the kernel repossessed guest memory (gpa 0x%llx): "
					       "the guest's memory is lost",
					       (unsigned long long)(p * PAGE));
				}
		}
}

/* Serve revocation and back pages on demand, once per environment. */
static int serve_once(void)
{
	static int done;
	if (done)
		return 0;
	int r = exo_add_revocation_handler(give_back, NULL, 1);
	if (r == 0)
		r = exo_add_fault_handler(1u << 14, ram_fault, NULL);
	if (r == 0)
		r = exo_revocation_serve(REVOKE_STACK_TOP, REVOKE_STACK_PAGES);
	done = r == 0;
	return r;
}

int mem_init(struct vm *vm, char *err, size_t errlen)
{
	int r = serve_once();
	if (r < 0) {
		snprintf(err, errlen, "cannot serve revocation: error %d", -r);
		return -1;
	}
	vm->npages = vm->ram_bytes / PAGE;
	vm->ram = (uint8_t *)VM_RAM_VA;
	vm->frames = calloc(vm->npages, sizeof(uint64_t));
	if (!vm->frames) {
		snprintf(err, errlen, "no memory for the guest's frame list");
		return -1;
	}
	for (uint64_t p = 0; p < vm->npages; p++) {
		long f;
		while ((f = exo_frame_alloc(EXO_FRAME_ANY, 0)) == -EXO_EAGAIN)
			exo_yield(0); /* memory is being reclaimed for us */
		if (f < 0) {
			snprintf(err, errlen,
				 "cannot get %lu MiB of guest memory (frame %lu: error %ld)",
				 (unsigned long)(vm->ram_bytes >> 20), (unsigned long)p, -f);
			vm->npages = p;
			mem_fini(vm);
			return -1;
		}
		vm->frames[p] = (uint64_t)f;
	}
	vm->backed = vm->npages;
	r = map_ram(vm, EXO_AS_SELF, VM_RAM_VA, EXO_PERM_R | EXO_PERM_W);
	if (r < 0) {
		snprintf(err, errlen, "cannot map guest memory: error %d", -r);
		mem_fini(vm);
		return -1;
	}
	running = vm;
	return 0;
}

int mem_map_all(struct vm *vm, uint64_t gas)
{
	return map_ram(vm, EXO_AS_GAS(gas), 0,
		       EXO_PERM_R | EXO_PERM_W | EXO_PERM_X | EXO_PERM_GUSER);
}

void mem_fini(struct vm *vm)
{
	running = NULL;
	owed = 0;
	for (uint64_t p = 0; p < vm->npages; p++) {
		if (!vm->frames[p])
			continue;
		exo_page_unmap(EXO_AS_SELF, VM_RAM_VA + p * PAGE);
		exo_frame_free(vm->frames[p]);
	}
	free(vm->frames);
	vm->frames = NULL;
	vm->npages = 0;
}
