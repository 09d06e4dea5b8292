/*
 * vm_int.h - what the VMM library's files share (not for its users; they
 * include vmm.h).
 */
#ifndef VM_INT_H
#define VM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/types.h>
#include <exo/vcpu.h>

#include "vmm.h"
#include "dev/vdev.h"
#include "emu/x86emu.h"
#include "platform.h"

#define PAGE 4096ull
/* Where the VMM environment maps guest RAM in its own address space:
 * guest-physical address a is at VM_RAM_VA + a. */
#define VM_RAM_VA   0x200000000000ull
#define VM_MAX_MIB  2048
#define VM_MAX_CPUS 8			  /* = PF_MAX_CPUS */
#define PAT_DEFAULT 0x0007040600070406ull /* IA32_PAT at reset (AMD APM vol. 2 §7.8.2) */

/* Guest paging modes (what the guest's CR0/CR4/EFER say). */
enum gmode {
	GM_OFF,	 /* CR0.PG = 0: real mode or protected mode without paging */
	GM_32,	 /* 2-level 32-bit paging */
	GM_PAE,	 /* 3-level PAE paging */
	GM_LONG, /* 4-level long mode */
};

/* The shadow MMU of one vCPU (shadow.c): a cache of shadow tables, one
 * per recent guest CR3, each a kernel guest address space, kept coherent
 * by write-protecting the guest's page tables (KVM's shadow MMU). */
#define SH_ROOTS 8  /* cached tables per vCPU */
#define SH_OPS	 64 /* map operations batched per kernel call */

struct sroot {
	uint64_t gas;  /* the kernel guest address space; 0 = free slot */
	uint64_t cr3;  /* the guest table it shadows (gwalk_root) */
	uint64_t used; /* clock of its last use (least recently used goes) */
};

struct shadow_stats {
	uint64_t fills;	     /* shadow entries made */
	uint64_t flushes;    /* every cached table dropped */
	uint64_t root_hits;  /* CR3 writes that found their table cached */
	uint64_t root_new;   /* tables made (CR3 writes that missed, first use) */
	uint64_t evictions;  /* tables dropped to make room */
	uint64_t pt_writes;  /* emulated guest writes to a protected page table */
	uint64_t unprotects; /* page tables no longer protected (write floods) */
	uint64_t checks;     /* coherence checks run (vm -check) */
};

struct shadow {
	struct sroot root[SH_ROOTS];
	int cur;	 /* the root the guest runs on; -1: choose before the next run */
	enum gmode mode; /* the mode every cached root was filled for */
	uint64_t clock;
	uint64_t rng; /* the checker's choice of exits (seeded, deterministic) */
	struct srmap *map;
	struct exo_map_op ops[SH_OPS]; /* unmaps and protects not yet made */
	unsigned nops;
	int ops_root;
	struct shadow_stats st;
};

struct vm;

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
	bool wait_sipi; /* an AP after INIT (or at power-on): only a SIPI starts it */
	uint64_t kick;	/* bumped to wake the vCPU from idle (an interrupt for it) */
	long ctx;	/* the execution context running it (APs; 0 for the BSP's) */
	bool stopped;	/* its loop has ended */
	uint64_t dr[4]; /* the guest's DR0-DR3 (every access exits: the kernel does not switch them)
			 */
	bool irq_window;   /* asked for a VINTR exit to inject an interrupt */
	unsigned cr8_seen; /* V_TPR as the VMM last left it (sync_tpr) */
	uint64_t pvclock;  /* MSR_KVM_SYSTEM_TIME_NEW: the time structure's gpa | enable */
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
	struct vcpu cpu[VM_MAX_CPUS];
	unsigned ncpus;
	/* One lock over all of the VMM's state: a vCPU's context holds it
	 * except while its guest runs and while it sleeps, so device models,
	 * the shadow MMU and the host's callbacks (file and console I/O under
	 * the UNIX libOS) see one context at a time. */
	volatile uint32_t lock;
	/* Nested mode with several vCPUs: whose turn it is to run (cpu.c). */
	volatile uint32_t npt_next, npt_serving;
	struct platform pf; /* the devices (platform.c) */
	uint64_t tsc0, tsc_hz;
	bool done;
	int status;
	char *err;
	size_t errlen;
};

/* vm.c */
uint64_t vm_now_ns(const struct vm *vm);
void vm_lock(struct vm *vm);
void vm_unlock(struct vm *vm);
/* Wake vCPU c if it sleeps (something for it: an interrupt, the VM's end). */
void vm_kick(struct vcpu *c);
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
/* gwalk kind flags: look only, set no accessed or dirty bit; check no
 * rights (only the translation and the reserved bits). */
#define GW_PEEK	  (1u << 31)
#define GW_NOPERM (1u << 30)
struct gwalk {
	uint64_t gpa;	   /* the translation, when ok */
	bool w, u, nx;	   /* effective rights over all levels */
	bool dirty;	   /* the leaf's D bit (after this walk's update) */
	bool accessed;	   /* A set on every level that has one (after the update) */
	uint64_t page;	   /* size of the guest page: 4 KiB, 2/4 MiB or 1 GiB */
	uint32_t pfec;	   /* on failure: the #PF error code */
	unsigned levels;   /* entries read, top level first */
	uint64_t ent[4];   /* the gpa of each entry read */
	unsigned ent_size; /* bytes per entry: 4 (32-bit paging) or 8 */
};
enum gmode guest_mode(const struct vcpu *c);
/* The gpa of the guest's top-level table for its mode (CR3 masked). */
uint64_t gwalk_root(const struct vcpu *c);
/* Translate gva for an access of kind (PFEC_W, PFEC_U, PFEC_I bits),
 * setting A and (for writes) D bits as the hardware would. Returns 0, or
 * -1 with w->pfec the error code of the #PF the guest must get. */
int gwalk(struct vcpu *c, uint64_t gva, uint32_t kind, struct gwalk *w);
/* The same from the top-level table at gpa root instead of the guest's
 * CR3, in the guest's current mode. */
int gwalk_at(struct vcpu *c, uint64_t root, uint64_t gva, uint32_t kind, struct gwalk *w);

/* cpu.c */
int cpu_init(struct vm *vm, struct vcpu *c, unsigned id);
/* The vCPU's loop, entered and left holding the VM lock; returns when the
 * VM has ended. */
void cpu_run(struct vcpu *c);
/* The state after INIT (AMD APM vol. 2 §14.1.3), waiting for a SIPI. */
void cpu_reset(struct vcpu *c);
void cpu_inject_exc(struct vcpu *c, unsigned vector, bool has_err, uint32_t err);
void cpu_set_cr(struct vcpu *c, unsigned n, uint64_t v);
void cpu_set_efer(struct vcpu *c, uint64_t v);
void cpu_load_emu(const struct vcpu *c, struct x86emu_cpu *e);
void cpu_store_emu(struct vcpu *c, const struct x86emu_cpu *e);
/* Emulate one instruction at the guest's RIP (MMIO, string I/O); false
 * if the VM has ended. An instruction the emulator does not know ends
 * the VM. */
bool cpu_emulate(struct vcpu *c);
/* The same, but an instruction the emulator does not know changes
 * nothing and returns 0; 1 if emulated (or its fault injected), -1 if the
 * VM has ended. */
int cpu_emulate_try(struct vcpu *c);
extern const struct x86emu_ops cpu_emu_ops;

/* cpuid.c: the CPU model the guest sees. */
void cpuid_init_vcpu(struct vcpu *c);
/* The host's XCR0: the most a guest's may hold. */
uint64_t cpuid_host_xcr0(void);
void cpuid_guest(const struct vcpu *c, uint32_t leaf, uint32_t sub, uint32_t r[4]);
int msr_read(struct vcpu *c, uint32_t msr, uint64_t *v);
int msr_write(struct vcpu *c, uint32_t msr, uint64_t v);

/* pvclock.c: KVM's paravirtual clock ABI (the guest's TSC frequency and time). */
#define PVCLOCK_CPUID_BASE	0x40000000u
#define PVCLOCK_MSR_WALL_CLOCK	0x4b564d00u
#define PVCLOCK_MSR_SYSTEM_TIME 0x4b564d01u
void pvclock_cpuid(uint32_t leaf, uint32_t r[4]);
int pvclock_msr(struct vcpu *c, uint32_t msr, uint64_t *v, bool write);
/* (Re)write the vCPU's time structure (after a TSC change). */
void pvclock_publish(struct vcpu *c);

/* shadow.c: shadow paging (docs/vmm.md, "Shadow paging"). */
int shadow_init(struct vcpu *c);
void shadow_fini(struct vcpu *c);
/* Drop every cached table (rule changes: CR0.WP/PE, CR4 paging bits, NXE). */
void shadow_flush(struct vcpu *c);
/* The guest wrote CR3 (c->cr3 holds the new value). */
void shadow_set_cr3(struct vcpu *c);
void shadow_invlpg(struct vcpu *c, uint64_t gva);
/* Before each VMRUN: the table the guest must run on for its mode. */
uint64_t shadow_table(struct vcpu *c);
/* A #PF intercepted in shadow mode: fill, inject or emulate. */
void shadow_fault(struct vcpu *c, uint64_t gva, uint32_t pfec);
/* The VMM wrote len bytes of guest RAM at gpa for the guest (emulation). */
void shadow_write(struct vcpu *c, uint64_t gpa, uint64_t len);
/* Guest page gpa loses its frame: unmap it from every cached table. */
void shadow_forget(struct vcpu *c, uint64_t gpa);
/* After each exit (the checker's random sample). */
void shadow_exit(struct vcpu *c);
/* vm -check: every cached entry against the guest's tables. */
void shadow_check(struct vcpu *c);

/* shadow_rmap.c: the shadow MMU's records and reverse maps. */
#define SR_NIL	 UINT32_MAX
#define SR_RECS	 16384	       /* shadow entries over all cached tables */
#define SR_PAGES (2 * SR_RECS) /* guest pages named by them */

struct srlink {
	uint32_t prev, next;
};

/* One 4 KiB shadow entry and how it was made. */
struct srec {
	uint64_t gva;	       /* page */
	uint64_t gpa;	       /* the guest page it maps */
	uint32_t perm;	       /* EXO_PERM_* as mapped */
	uint8_t root;	       /* the cached table it is in (struct shadow.root) */
	uint8_t levels;	       /* guest entries the fill read */
	uint16_t off[4];       /* each entry's offset in its table page */
	uint32_t pt[4];	       /* each entry's table page (struct gpage index) */
	uint32_t tgt;	       /* gpa's struct gpage */
	struct srlink walk[4]; /* on pt[l]'s walk chain */
	struct srlink map;     /* on tgt's map chain; the free list when free */
	struct srlink rootl;   /* on its root's chain */
};

/* A guest page some record names, as a table it was derived through or
 * as the page it maps. */
struct gpage {
	uint64_t gpa;	 /* page; UINT64_MAX = free */
	uint32_t walk;	 /* records derived through its entries (rec << 2 | level):
			    non-empty = a guest page table, write-protected */
	uint32_t map;	 /* records mapping it; the free list when free */
	uint32_t writes; /* emulated writes since a fill last read it */
};

struct srhash {
	struct srslot {
		uint64_t key;
		uint32_t idx; /* SR_NIL = empty */
	} * s;
	uint32_t mask;
	unsigned shift;
};

struct srmap {
	struct srec *rec;
	struct gpage *gp;
	uint32_t rec_free, gp_free;
	unsigned nrec, ngp;
	struct srhash rh, gh; /* (root, gva) -> record; gpa -> gpage */
	uint32_t root_head[SH_ROOTS];
};

struct srmap *sr_create(void);
void sr_destroy(struct srmap *m);
/* Room for one more record and the gpages it may need. */
bool sr_room(const struct srmap *m);
uint32_t sr_find(const struct srmap *m, unsigned root, uint64_t gva);
/* Record the entry gva -> gpa with perm in root, made from walk w, on
 * every chain; the table pages' write counts restart. Needs sr_room. */
uint32_t sr_add(struct srmap *m, unsigned root, uint64_t gva, uint64_t gpa, uint32_t perm,
		const struct gwalk *w);
/* Take record i off every chain and free it (the caller unmaps it). */
void sr_del(struct srmap *m, uint32_t i);
struct gpage *sr_page(const struct srmap *m, uint64_t gpa);
/* The next link of walk-chain reference ref (rec << 2 | level). */
static inline uint32_t sr_walk_next(const struct srmap *m, uint32_t ref)
{
	return m->rec[ref >> 2].walk[ref & 3].next;
}
/* Is guest page gpa a page table some record was derived through? */
static inline bool sr_is_table(const struct srmap *m, uint64_t gpa)
{
	const struct gpage *g = sr_page(m, gpa);
	return g && g->walk != SR_NIL;
}

/* loader.c */
int load_multiboot(struct vm *vm, struct vcpu *c, char *err, size_t errlen);
int load_bootsect(struct vm *vm, struct vcpu *c, char *err, size_t errlen);
/* Real mode at cs:ip with 64 KiB segments, paging off (a boot sector's
 * start, and an AP's after its SIPI). */
void load_real_mode(struct vcpu *c, uint16_t cs, uint16_t ip);

/* linux.c: the Linux boot protocol (a bzImage; the first module is the initrd). */
bool linux_is_bzimage(const void *image, size_t len);
int load_linux(struct vm *vm, struct vcpu *c, char *err, size_t errlen);

#endif
