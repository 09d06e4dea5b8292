/*
 * vm.c - a virtual machine's life: check the configuration, take guest
 * memory, build the platform and the vCPU, load the guest, run it, give
 * everything back.
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

void vm_end(struct vm *vm, int status, const char *fmt, ...)
{
	if (vm->done)
		return;
	vm->done = true;
	vm->status = status;
	if (vm->err && vm->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(vm->err, vm->errlen, fmt, ap);
		va_end(ap);
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
	if (cfg->smp != 1) {
		snprintf(err, errlen, "-smp %u: only one vCPU is supported yet", cfg->smp);
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
	if ((r = cpu_init(vm, &vm->cpu[0], 0)) < 0) {
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
	cpu_run(&vm->cpu[0]);
	platform_flush_screen(vm);
	status = vm->status;
	const struct shadow_stats *sh = &vm->cpu[0].sh.st;
	if (cfg->stats)
		*cfg->stats = (struct vm_stats){ .exits = vm->cpu[0].exits,
						 .shadow_fills = sh->fills,
						 .shadow_flushes = sh->flushes,
						 .shadow_root_hits = sh->root_hits,
						 .shadow_root_new = sh->root_new,
						 .shadow_evictions = sh->evictions,
						 .shadow_pt_writes = sh->pt_writes,
						 .shadow_unprotects = sh->unprotects,
						 .shadow_checks = sh->checks,
						 .reclaimed = vm->reclaimed,
						 .rebacked = vm->rebacked };
	if (cfg->check_shadow)
		printf("vm: shadow: %llu exits, %llu fills, %llu flushes, %llu root hits, %llu "
		       "tables made, %llu evicted, %llu page-table writes emulated, %llu "
		       "unprotected, %llu checks\n",
		       (unsigned long long)vm->cpu[0].exits, (unsigned long long)sh->fills,
		       (unsigned long long)sh->flushes, (unsigned long long)sh->root_hits,
		       (unsigned long long)sh->root_new, (unsigned long long)sh->evictions,
		       (unsigned long long)sh->pt_writes, (unsigned long long)sh->unprotects,
		       (unsigned long long)sh->checks);
out:
	teardown(vm);
	free(vm);
	return status;
}
