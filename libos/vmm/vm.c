/*
 * vm.c - a virtual machine's life: check the configuration, take guest
 * memory, build the platform and the vCPUs, load the guest, run it, give
 * everything back.
 *
 * vCPU 0 runs in the calling context; every other vCPU in an execution
 * context of its own (exo_ctx_create), so the guest runs on as many host
 * CPUs as the environment gets time on. The contexts share one lock
 * (vm->lock, vm_int.h); the host's callbacks are made only under it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>
#include <exo/layout.h>

#include "vm_int.h"

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

uint64_t vm_now_ns(const struct vm *vm)
{
	uint64_t t = rdtsc() - vm->tsc0;
	return (uint64_t)((unsigned __int128)t * 1000000000u / vm->tsc_hz);
}

void vm_lock(struct vm *vm)
{
	unsigned spins = 0;
	while (__atomic_exchange_n(&vm->lock, 1, __ATOMIC_ACQUIRE)) {
		__builtin_ia32_pause();
		if (++spins % 4096 == 0)
			exo_yield(0); /* the holder may be off its CPU */
	}
}

void vm_unlock(struct vm *vm)
{
	__atomic_store_n(&vm->lock, 0, __ATOMIC_RELEASE);
}

void vm_kick(struct vcpu *c)
{
	__atomic_add_fetch(&c->kick, 1, __ATOMIC_RELEASE);
}

void vm_end(struct vm *vm, int status, const char *fmt, ...)
{
	if (vm->done)
		return;
	vm->done = true;
	vm->status = status;
	for (unsigned i = 0; i < vm->ncpus; i++)
		vm_kick(&vm->cpu[i]);
	if (vm->err && vm->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(vm->err, vm->errlen, fmt, ap);
		va_end(ap);
	}
}

/* The context of an AP: its vCPU's loop, then rest until destroyed. */
#define CTX_STACK (64u << 10)

void vm_ctx_main(struct vcpu *c);
__asm__(".globl vm_ctx_entry\n"
	"vm_ctx_entry:\n"
	"	mov (%rsp), %rdi\n" /* the vCPU, at the top of the stack */
	"	and $-16, %rsp\n"
	"	call vm_ctx_main\n"
	"	ud2\n");
void vm_ctx_entry(void);

void vm_ctx_main(struct vcpu *c)
{
	vm_lock(c->vm);
	cpu_run(c);
	c->stopped = true;
	vm_unlock(c->vm);
	for (;;)
		exo_wait(NULL, 0, 0, EXO_WAIT_FOREVER);
}

/* Start the contexts of vCPUs 1.. Returns 0 or a negative error. */
static long start_aps(struct vm *vm)
{
	for (unsigned i = 1; i < vm->ncpus; i++) {
		struct vcpu *c = &vm->cpu[i];
		uint8_t *stack = malloc(CTX_STACK);
		if (!stack)
			return -EXO_ENOMEM;
		uint64_t top = ((uint64_t)stack + CTX_STACK - 16) & ~15ull;
		*(struct vcpu **)top = c;
		long id = exo_ctx_create((uint64_t)vm_ctx_entry, top);
		if (id < 0)
			return id;
		c->ctx = id;
	}
	return 0;
}

/* Wait for the APs' loops to end (each wakes at its kick), then end
 * their contexts. */
static void stop_aps(struct vm *vm)
{
	for (unsigned i = 1; i < vm->ncpus; i++) {
		struct vcpu *c = &vm->cpu[i];
		if (!c->ctx)
			continue;
		for (unsigned t = 0; t < 2000 && !__atomic_load_n(&c->stopped, __ATOMIC_ACQUIRE);
		     t++)
			exo_wait(NULL, 0, 0, 1000);
		exo_env_destroy((uint64_t)c->ctx);
		c->ctx = 0;
	}
}

static void teardown(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *c = &vm->cpu[i];
		if (c->handle)
			exo_vcpu_destroy(c->handle);
		shadow_fini(c);
		free(c->st);
	}
	if (vm->gas_phys)
		exo_gas_destroy(vm->gas_phys);
	if (vm->frames)
		mem_fini(vm);
}

int vm_run(const struct vm_config *cfg, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen)
		err = dummy, errlen = sizeof(dummy);
	err[0] = 0;
	if (cfg->mem_mib < 1 || cfg->mem_mib > VM_MAX_MIB) {
		snprintf(err, errlen, "-m %llu: guest memory must be 1 to %u MiB",
			 (unsigned long long)cfg->mem_mib, VM_MAX_MIB);
		return VM_EXIT_VMM_ERROR;
	}
	if (cfg->smp < 1 || cfg->smp > VM_MAX_CPUS) {
		snprintf(err, errlen, "-smp %u: 1 to %u vCPUs", cfg->smp, VM_MAX_CPUS);
		return VM_EXIT_VMM_ERROR;
	}
	if (cfg->ndrives > VM_MAX_DRIVES) {
		snprintf(err, errlen, "%u disks: at most %u virtio block devices", cfg->ndrives,
			 VM_MAX_DRIVES);
		return VM_EXIT_VMM_ERROR;
	}
	if (!cfg->kernel && !cfg->bootsect) {
		snprintf(err, errlen, "nothing to boot: give a kernel or a boot disk");
		return VM_EXIT_VMM_ERROR;
	}
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return VM_EXIT_VMM_ERROR;
	}
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	vm->cfg = cfg;
	vm->err = err, vm->errlen = errlen;
	vm->ram_bytes = cfg->mem_mib << 20;
	vm->ncpus = cfg->smp;
	vm->tsc_hz = si->tsc_hz;
	vm->tsc0 = rdtsc();
	int status = VM_EXIT_VMM_ERROR;
	long r;
	if (mem_init(vm, err, errlen) < 0)
		goto out;
	r = exo_gas_create(cfg->npt ? EXO_GAS_LONG4 : EXO_GAS_PAE);
	if (r < 0) {
		snprintf(err, errlen, "cannot make a guest address space: error %ld%s", -r,
			 r == -EXO_ENOTSUP ? " (this CPU has no SVM)"
			 : r == -EXO_EPERM ? " (no right to run guests)"
					   : "");
		goto out;
	}
	vm->gas_phys = (uint64_t)r;
	if ((r = mem_map_all(vm, vm->gas_phys)) < 0) {
		snprintf(err, errlen, "cannot map guest memory: error %ld", -r);
		goto out;
	}
	if (platform_init(vm) < 0) {
		snprintf(err, errlen, "cannot wire the devices");
		goto out;
	}
	for (unsigned i = 0; i < vm->ncpus; i++)
		if ((r = cpu_init(vm, &vm->cpu[i], i)) < 0) {
			snprintf(err, errlen, "cannot make a vCPU: error %ld%s", -r,
				 r == -EXO_ENOTSUP ? " (nested paging missing)" : "");
			goto out;
		}
	int loaded;
	if (!cfg->kernel)
		loaded = load_bootsect(vm, &vm->cpu[0], err, errlen);
	else if (linux_is_bzimage(cfg->kernel, cfg->kernel_len))
		loaded = load_linux(vm, &vm->cpu[0], err, errlen);
	else
		loaded = load_multiboot(vm, &vm->cpu[0], err, errlen);
	if (loaded < 0)
		goto out;
	if ((r = start_aps(vm)) < 0) {
		snprintf(err, errlen, "cannot start a vCPU's execution context: error %ld", -r);
		vm->done = true;
	}
	vm_lock(vm);
	cpu_run(&vm->cpu[0]);
	platform_flush_screen(vm);
	vm_unlock(vm);
	stop_aps(vm);
	status = vm->status;
	struct shadow_stats sh = { 0 };
	uint64_t exits = 0;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		const struct shadow_stats *s = &vm->cpu[i].sh.st;
		exits += vm->cpu[i].exits;
		sh.fills += s->fills, sh.flushes += s->flushes, sh.root_hits += s->root_hits;
		sh.root_new += s->root_new, sh.evictions += s->evictions;
		sh.pt_writes += s->pt_writes, sh.unprotects += s->unprotects,
			sh.checks += s->checks;
	}
	if (cfg->stats)
		*cfg->stats = (struct vm_stats){ .exits = exits,
						 .shadow_fills = sh.fills,
						 .shadow_flushes = sh.flushes,
						 .shadow_root_hits = sh.root_hits,
						 .shadow_root_new = sh.root_new,
						 .shadow_evictions = sh.evictions,
						 .shadow_pt_writes = sh.pt_writes,
						 .shadow_unprotects = sh.unprotects,
						 .shadow_checks = sh.checks,
						 .reclaimed = vm->reclaimed,
						 .rebacked = vm->rebacked };
	if (cfg->check_shadow)
		printf("vm: shadow: %llu exits, %llu fills, %llu flushes, %llu root hits, %llu "
		       "tables made, %llu evicted, %llu page-table writes emulated, %llu "
		       "unprotected, %llu checks\n",
		       (unsigned long long)exits, (unsigned long long)sh.fills,
		       (unsigned long long)sh.flushes, (unsigned long long)sh.root_hits,
		       (unsigned long long)sh.root_new, (unsigned long long)sh.evictions,
		       (unsigned long long)sh.pt_writes, (unsigned long long)sh.unprotects,
		       (unsigned long long)sh.checks);
out:
	teardown(vm);
	free(vm);
	return status;
}
