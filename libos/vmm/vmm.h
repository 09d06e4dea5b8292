/*
 * vmm.h - the VMM library OS: a whole PC virtual machine as an untrusted
 * environment on the raw exokernel bindings (docs/vmm.md).
 *
 * The kernel validates and runs (exo/vcpu.h: guest address spaces, vCPUs,
 * exo_vcpu_run); everything else lives here: guest memory, shadow and
 * nested paging, the instruction emulator (emu/), the PC devices (dev/)
 * and the guest loaders. The library knows nothing of files or terminals:
 * its host (apps/vm, on the UNIX libOS) hands in the kernel image and
 * moves console bytes through the callbacks below.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/vdev.h"

/* Exit statuses of vm_run (besides (V << 1) | 1 for a guest writing V to
 * the debug-exit port 0xF4, and 0 for power-off or reset). */
#define VM_EXIT_OFF	  0 /* the guest powered off or reset */
#define VM_EXIT_TRIPLE	  2 /* the guest triple-faulted (#VMEXIT SHUTDOWN) */
#define VM_EXIT_VMM_ERROR 4 /* bad input, or the guest did what the VMM cannot emulate */
#define VM_EXIT_KILLED	  6 /* Ctrl-] x on the console */
#define VM_EXIT_TIMEOUT	  8 /* the guest ran out of its time limit (vm_config.timeout_ms) */

#define VM_MAX_MODULES 16
#define VM_MAX_DRIVES  4 /* virtio block devices (the DSDT's slots) */

/* A multiboot module: bytes and its string (multiboot v1 §3.3). */
struct vm_module {
	const void *data;
	size_t len;
	const char *string;
};

/* What a run did, for tests and benchmarks (vm_config.stats). */
struct vm_stats {
	uint64_t exits;		    /* #VMEXITs handled */
	uint64_t shadow_fills;	    /* shadow entries made (shadow mode) */
	uint64_t shadow_flushes;    /* every cached shadow table dropped */
	uint64_t shadow_root_hits;  /* CR3 writes that found their table cached */
	uint64_t shadow_root_new;   /* shadow tables made */
	uint64_t shadow_evictions;  /* cached tables dropped to make room */
	uint64_t shadow_pt_writes;  /* guest page-table writes emulated */
	uint64_t shadow_unprotects; /* page tables left unprotected (write floods) */
	uint64_t shadow_checks;	    /* coherence checks run (check_shadow) */
	uint64_t reclaimed;	    /* zero pages given back under revocation */
	uint64_t rebacked;	    /* unbacked pages backed again on a touch */
};

/* The host's side: console and time. */
struct vm_host {
	void *ctx;
	/* Bytes from the guest's console (UART, CGA mirror) to the terminal. */
	void (*console_write)(void *ctx, const char *buf, size_t n);
	/* Up to max bytes typed on the terminal, without blocking; 0 if none. */
	size_t (*console_read)(void *ctx, char *buf, size_t max);
};

struct vm_config {
	uint64_t mem_mib;    /* guest RAM, MiB (1..2048) */
	unsigned smp;	     /* vCPUs, 1..8 */
	bool npt;	     /* nested paging instead of shadow paging */
	bool check_shadow;   /* debug: verify shadow tables against the guest's */
	unsigned trace;	     /* debug: print the first `trace` #VMEXITs */
	uint64_t timeout_ms; /* end the VM after this much guest time; 0 = never */
	/* A multiboot v1 kernel (ELF32), or NULL to boot a sector (bootsect). */
	const void *kernel;
	size_t kernel_len;
	const char *cmdline; /* the kernel's command line ("" if none) */
	bool linux_entry32;  /* a bzImage starts at its 32-bit entry, not its 64-bit one */
	struct vm_module mods[VM_MAX_MODULES];
	unsigned nmods;
	/* Without a kernel: the first 512-byte sector, loaded at 0x7C00 and
	 * started in real mode (no BIOS services). */
	const void *bootsect;
	/* Disks, backed by the host (struct vdev_disk: 512-byte sectors;
	 * sectors 0 = none): the IDE master and slave (-hda, -hdb), and the
	 * virtio block devices in slots 0..ndrives-1 (-drive). */
	struct vdev_disk ide[2];
	struct vdev_disk drives[VM_MAX_DRIVES];
	unsigned ndrives;
	struct vm_host host;
	struct vm_stats *stats; /* filled at the end if not NULL */
};

/*
 * Build the virtual machine cfg describes and run it until it ends.
 * Returns the exit status (VM_EXIT_* or (V << 1) | 1); on VM_EXIT_VMM_ERROR
 * and VM_EXIT_TRIPLE, err (errlen bytes, may be NULL) says why.
 * Needs EXO_RIGHT_GUEST and a CPU with SVM.
 */
int vm_run(const struct vm_config *cfg, char *err, size_t errlen);

struct exo_vcpu_state;
/*
 * The smallest guest state exo_vcpu_run takes, for programs that drive a
 * vCPU themselves rather than through vm_run (benchmarks, hostile tests):
 * paged real mode (CR0.PG set, PE clear: AMD APM vol. 2 §15.19) on guest
 * address space gas, a PAE table; CS:IP 0:0, 64 KiB segments at base 0,
 * interrupts off, XCR0 1, no intercepts of the caller's. Fills all of *st
 * (8 KiB).
 */
void vm_raw_state(struct exo_vcpu_state *st, uint64_t gas);

#endif
