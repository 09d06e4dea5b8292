/*
 * vm_int.h - what the VMM library's files share (not for its users; they
 * include vmm.h).
 */
#ifndef VM_INT_H
#define VM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/vcpu.h>

#include "vmm.h"
#include "dev/vdev.h"
#include "emu/x86emu.h"
#include "platform.h"

#define PAGE 4096ull
/* Where the VMM environment maps guest RAM in its own address space:
 * guest-physical address a is at VM_RAM_VA + a. */
#define VM_RAM_VA  0x200000000000ull
#define VM_MAX_MIB 2048

/* Guest paging modes (what the guest's CR0/CR4/EFER say). */
enum gmode {
	GM_OFF,	 /* CR0.PG = 0: real mode or protected mode without paging */
	GM_32,	 /* 2-level 32-bit paging */
	GM_PAE,	 /* 3-level PAE paging */
	GM_LONG, /* 4-level long mode */
};

/* The shadow MMU of one vCPU (shadow.c): a software TLB in the NOVA
 * vTLB manner, kept in kernel guest address spaces. */
struct shadow {
	uint64_t gas_pae, gas_long; /* the two formats, made on first use */
	uint64_t cur;		    /* the one the guest runs on now */
	enum gmode mode;	    /* the mode cur was filled for */
	uint64_t fills, flushes;    /* statistics */
	struct smap *map;	    /* what is mapped (shadow.c) */
};

struct vm;
struct smap;

struct vcpu {
	struct vm *vm;
	unsigned id;
	uint64_t handle;
	struct exo_vcpu_state *st; /* 8 KiB, page-aligned: what crosses exo_vcpu_run */
	/* The guest's view of its control registers. In shadow mode the
	 * VMCB holds the values the hardware runs with; in nested mode the
	 * two agree except EFER.SVME. */
	uint64_t cr0, cr3, cr4, efer;
	bool halted;
	bool irq_window; /* asked for a VINTR exit to inject an interrupt */
	struct shadow sh;
	uint64_t exits;
};

struct vm {
	const struct vm_config *cfg;
	uint64_t ram_bytes; /* guest RAM: [0, ram_bytes) */
	uint64_t npages;
	uint8_t *ram;	    /* = (uint8_t *)VM_RAM_VA */
	uint64_t *frames;   /* host frame of each guest page; 0 = unbacked (zeros) */
	uint64_t backed;    /* pages with a frame */
	uint64_t reclaimed; /* zero pages given back under revocation */
	uint64_t rebacked;  /* unbacked pages backed again on a touch */
	uint64_t cursor;    /* where the next reclaim scan starts */
	uint64_t gas_phys;  /* nested: the nCR3 table; shadow: identity map for paging off */
	struct vcpu cpu[1];
	unsigned ncpus;
	struct platform pf; /* the devices (platform.c) */
	uint64_t tsc0, tsc_hz;
	bool done;
	int status;
	char *err;
	size_t errlen;
};

/* vm.c */
uint64_t vm_now_ns(const struct vm *vm);
void vm_end(struct vm *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* mem.c: guest RAM. */
int mem_init(struct vm *vm, char *err, size_t errlen);
void mem_fini(struct vm *vm);
static inline bool gpa_is_ram(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	return gpa < vm->ram_bytes && len <= vm->ram_bytes - gpa;
}
/* Map all guest RAM gpa -> frame into table gas (nested tables and the
 * identity shadow used while paging is off). */
int mem_map_all(struct vm *vm, uint64_t gas);
/* If guest page gpa is unbacked, back it (a fresh zero frame). Returns 0,
 * or an error after ending the VM. */
int mem_touch(struct vm *vm, uint64_t gpa);
/* Pay the frames revocation asked for with zero pages (the run loop). */
void mem_reclaim(struct vm *vm);
/* End the VM if the kernel repossessed guest memory. */
void mem_check(struct vm *vm);

/* gwalk.c: the guest's own page tables, walked in software. */
#define PFEC_P	  (1u << 0)
#define PFEC_W	  (1u << 1)
#define PFEC_U	  (1u << 2)
#define PFEC_RSVD (1u << 3)
#define PFEC_I	  (1u << 4)
/* gwalk kind flag: look only, set no accessed or dirty bit. */
#define GW_PEEK (1u << 31)
struct gwalk {
	uint64_t gpa;  /* the translation, when ok */
	bool w, u, nx; /* effective rights over all levels */
	bool dirty;    /* the leaf's D bit (after this walk's update) */
	uint64_t page; /* size of the guest page: 4 KiB, 2/4 MiB or 1 GiB */
	uint32_t pfec; /* on failure: the #PF error code */
};
enum gmode guest_mode(const struct vcpu *c);
/* Translate gva for an access of kind (PFEC_W, PFEC_U, PFEC_I bits),
 * setting A and (for writes) D bits as the hardware would. Returns 0, or
 * -1 with w->pfec the error code of the #PF the guest must get. */
int gwalk(struct vcpu *c, uint64_t gva, uint32_t kind, struct gwalk *w);

/* cpu.c */
int cpu_init(struct vm *vm, struct vcpu *c, unsigned id);
void cpu_run(struct vcpu *c);
void cpu_inject_exc(struct vcpu *c, unsigned vector, bool has_err, uint32_t err);
void cpu_set_cr(struct vcpu *c, unsigned n, uint64_t v);
void cpu_set_efer(struct vcpu *c, uint64_t v);
void cpu_load_emu(const struct vcpu *c, struct x86emu_cpu *e);
void cpu_store_emu(struct vcpu *c, const struct x86emu_cpu *e);
/* Emulate one instruction at the guest's RIP (MMIO, string I/O); false
 * if the VM has ended. */
bool cpu_emulate(struct vcpu *c);
extern const struct x86emu_ops cpu_emu_ops;

/* cpuid.c: the CPU model the guest sees. */
void cpuid_init_vcpu(struct vcpu *c);
/* The host's XCR0: the most a guest's may hold. */
uint64_t cpuid_host_xcr0(void);
void cpuid_guest(const struct vcpu *c, uint32_t leaf, uint32_t sub, uint32_t r[4]);
int msr_read(struct vcpu *c, uint32_t msr, uint64_t *v);
int msr_write(struct vcpu *c, uint32_t msr, uint64_t v);

/* shadow.c */
int shadow_init(struct vcpu *c);
void shadow_flush(struct vcpu *c);
void shadow_invlpg(struct vcpu *c, uint64_t gva);
/* Before each VMRUN: the table the guest must run on for its mode. */
uint64_t shadow_table(struct vcpu *c);
/* A #PF intercepted in shadow mode: fill, inject or emulate. */
void shadow_fault(struct vcpu *c, uint64_t gva, uint32_t pfec);
#define SHADOW_ALL UINT64_MAX
void shadow_check(struct vcpu *c, uint64_t gva);

/* loader.c */
int load_multiboot(struct vm *vm, struct vcpu *c, char *err, size_t errlen);
int load_bootsect(struct vm *vm, struct vcpu *c, char *err, size_t errlen);

#endif
