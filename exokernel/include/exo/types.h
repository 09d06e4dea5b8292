/*
 * types.h - structures and constants that cross the kernel/libOS boundary.
 *
 * Every struct here has its size and field offsets fixed by compile-time
 * asserts: changing one is an ABI change (docs/abi.md).
 */
#ifndef EXO_TYPES_H
#define EXO_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* Environment status (struct exo_env_info.status, exo_env_set_status). */
#define EXO_ENV_FREE	     0 /* slot unused */
#define EXO_ENV_RUNNABLE     1 /* may be given the CPU */
#define EXO_ENV_NOT_RUNNABLE 2 /* created, or stopped by its parent */
#define EXO_ENV_BLOCKED	     3 /* waiting in the kernel (console input, PCT) */

/* Rights besides ownership (exo_env_grant_rights). Delegated down from the
 * root capability the first environment holds; docs/abi.md lists them. */
#define EXO_RIGHT_CONSOLE (1u << 0)  /* read and write the console */
#define EXO_RIGHT_MACHINE (1u << 1)  /* power off; isa-debug-exit */
#define EXO_RIGHT_GUEST	  (1u << 2)  /* create guest contexts (SVM) */
#define EXO_RIGHT_REVOKE  (1u << 3)  /* ask other environments for resources back */
#define EXO_RIGHT_TRACE	  (1u << 4)  /* read kernel traces */
#define EXO_RIGHT_DISK	  (1u << 5)  /* attach to a disk owner (exo_disk_attach) */
#define EXO_RIGHT_ROOT	  (1u << 31) /* the root capability: may delegate to any env */
#define EXO_RIGHTS_ALL                                                                \
	(EXO_RIGHT_CONSOLE | EXO_RIGHT_MACHINE | EXO_RIGHT_GUEST | EXO_RIGHT_REVOKE | \
	 EXO_RIGHT_TRACE | EXO_RIGHT_DISK | EXO_RIGHT_ROOT)

/* Entry points an environment registers (exo_env_set_entry). */
#define EXO_ENTRY_EXCEPTION 0 /* exceptions: rip = handler, rsp = exception stack top */
#define EXO_ENTRY_PCT	    1 /* protected control transfer: rip, rsp = PCT stack top */
#define EXO_ENTRY_PROLOGUE  2 /* slice start (CPU slices) */
#define EXO_ENTRY_EPILOGUE  3 /* slice end (CPU slices) */
#define EXO_ENTRY_REVOKE    4 /* revocation request */
#define EXO_ENTRY_REPOSSESS 5 /* abort protocol: what was taken */
#define EXO_NENTRIES	    6

/* Who may make a protected control transfer to an env (exo_pct_accept). */
#define EXO_PCT_ANY	 (1u << 0)
#define EXO_PCT_PARENT	 (1u << 1)
#define EXO_PCT_CHILDREN (1u << 2)

/* Flags in rax at the PCT entry. */
#define EXO_PCT_SYNC 1 /* the caller waits for exo_pct_reply */

/* A grant word passed with a PCT: (frame << 12) | perm, or 0 for none. */
#define EXO_PCT_GRANT(frame, perm) (((uint64_t)(frame) << 12) | (perm))

/* The register file of an environment (exo_env_get_regs/set_regs). */
struct exo_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags, fs_base, gs_base;
};
_Static_assert(sizeof(struct exo_regs) == 160, "ABI: struct exo_regs");
_Static_assert(offsetof(struct exo_regs, rip) == 128, "ABI: exo_regs.rip");

/*
 * What the kernel pushes on the exception (or PCT) stack before an upcall:
 * why, and the interrupted context, which the libOS resumes by itself
 * (libexo's exo_upcall_resume) without entering the kernel.
 */
struct exo_upcall_frame {
	uint64_t vector;   /* exception vector 0-31, or EXO_UPCALL_PCT */
	uint64_t error;	   /* exception error code, 0 if none */
	uint64_t fault_va; /* page fault: the address (cr2); else 0 */
	uint64_t rip, rsp, rflags;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t reserved; /* 0; keeps the frame a multiple of 16 bytes */
};
_Static_assert(sizeof(struct exo_upcall_frame) == 176, "ABI: struct exo_upcall_frame");
_Static_assert(offsetof(struct exo_upcall_frame, rip) == 24, "ABI: upcall rip");
_Static_assert(offsetof(struct exo_upcall_frame, rax) == 48, "ABI: upcall rax");
#define EXO_UPCALL_PCT 0x100

/* Page-fault error code bits (AMD APM vol. 2 §8.4.2). */
#define EXO_PF_PRESENT 0x1 /* protection violation (else: not present) */
#define EXO_PF_WRITE   0x2
#define EXO_PF_USER    0x4
#define EXO_PF_FETCH   0x10

/* One update for exo_page_map_batch. */
struct exo_map_op {
	uint64_t va;	/* page-aligned user address */
	uint64_t frame; /* frame number (EXO_MAP_MAP only) */
	uint32_t perm;	/* EXO_PERM_* (EXO_MAP_MAP, EXO_MAP_PROTECT) */
	uint32_t kind;	/* EXO_MAP_MAP, EXO_MAP_UNMAP or EXO_MAP_PROTECT */
};
_Static_assert(sizeof(struct exo_map_op) == 24, "ABI: struct exo_map_op");
#define EXO_MAP_MAP	  0
#define EXO_MAP_UNMAP	  1
#define EXO_MAP_PROTECT	  2
#define EXO_MAP_BATCH_MAX 512

/* The frame table as every env sees it at EXO_UFRAMES (read-only). */
struct exo_frame_info {
	uint32_t owner;	     /* env id; 0 free; 0xffffffff kernel; 0xfffffffe reserved */
	uint16_t refs;	     /* live mappings of this frame, in all address spaces */
	uint16_t owner_refs; /* of which in the owner's own address space */
	uint16_t grants;     /* grants outstanding on this frame */
	uint16_t scratch;    /* kernel-internal (invariant checker) */
	uint32_t grant_head; /* kernel-internal list head */
};
_Static_assert(sizeof(struct exo_frame_info) == 16, "ABI: struct exo_frame_info");

/* The environment table as every env sees it at EXO_UENVS (read-only):
 * public fields only, never registers or secrets. Indexed by slot
 * (id & (EXO_NENV - 1)); check .id matches before trusting a row. */
#define EXO_NENV 1024
struct exo_env_info {
	uint32_t id;
	uint32_t status;     /* EXO_ENV_* */
	uint32_t parent;     /* creator's id, 0 for boot environments */
	uint32_t rights;     /* EXO_RIGHT_* */
	uint64_t kmem_limit; /* kernel-memory quota, bytes */
	uint64_t kmem_used;  /* bytes of kernel memory charged now */
	uint32_t pct_accept; /* EXO_PCT_* policy, 0 = no PCT entry */
	uint32_t cpu;	     /* CPU it runs on, or ~0 */
	char name[24];
};
_Static_assert(sizeof(struct exo_env_info) == 64, "ABI: struct exo_env_info");

/* CPU slices (exo_slice_alloc): each CPU has EXO_NSLOTS slots of
 * EXO_SLICE_US microseconds, served round-robin. A slot id is
 * (cpu << 8) | index. */
#define EXO_NSLOTS    64
#define EXO_SLICE_US  1000
#define EXO_SLICE_ANY 0xffffffffULL

/* One term of a wakeup predicate (exo_wait): true when
 * (*(uint64_t *)va & mask) OP value, unsigned. va is 8-byte aligned. */
struct exo_pred_term {
	uint64_t va;
	uint64_t mask;
	uint64_t value;
	uint32_t op; /* EXO_PRED_EQ ... */
	uint32_t reserved;
};
_Static_assert(sizeof(struct exo_pred_term) == 32, "ABI: struct exo_pred_term");
#define EXO_PRED_EQ	   0
#define EXO_PRED_NE	   1
#define EXO_PRED_LT	   2
#define EXO_PRED_LE	   3
#define EXO_PRED_GT	   4
#define EXO_PRED_GE	   5
#define EXO_PRED_MAX_TERMS 8
/* exo_wait flags: the terms are ANDed (default) or ORed. */
#define EXO_PRED_ALL 0
#define EXO_PRED_ANY 1
/* exo_wait results. */
#define EXO_WAKE_PRED	 0 /* the predicate held */
#define EXO_WAKE_TIMEOUT 1 /* the timeout passed first */
#define EXO_WAKE_PCT	 2 /* a protected control transfer arrived */
/* exo_wait timeout meaning "no timeout" (0 with terms means: just test). */
#define EXO_WAIT_FOREVER (~0ULL)

/* Upcall vectors (exo_upcall_frame.vector) besides exceptions 0-31. */
#define EXO_UPCALL_PROLOGUE 0x101 /* a slice of ours begins */
#define EXO_UPCALL_EPILOGUE 0x102 /* our slice ends: save, then exo_yield */
/* give frames back: error = how many, fault_va = deadline (TSC) */
#define EXO_UPCALL_REVOKE    0x103
#define EXO_UPCALL_REPOSSESS 0x104 /* the kernel took frames or blocks: error = how many */
/* give disk blocks back: error = how many, fault_va = deadline (TSC) */
#define EXO_UPCALL_REVOKE_BLOCKS 0x105

/* Visible revocation (docs/revocation.md). */
#define EXO_EPILOGUE_MAX_OVERRUNS 3  /* overruns of the epilogue bound before destruction */
#define EXO_REVOKE_MAX_SLICES	  10 /* a request's deadline in the target's own slices */
#define EXO_GUARANTEED_FRAMES	  16 /* frames per env never repossessed (exo_frame_guarantee) */
#define EXO_REPO_RECORDS	  64 /* repossession vector entries kept per env */

/* One entry of an env's repossession vector (exo_repossessed). */
struct exo_repo_rec {
	uint64_t tsc;	   /* when */
	uint64_t resource; /* frame number, or slot id (cpu << 8 | index) */
	uint64_t va;	   /* where the frame was mapped in the env, 0 if nowhere */
	uint32_t kind;	   /* EXO_REPO_FRAME, EXO_REPO_SLICE or EXO_REPO_BLOCK */
	uint32_t saved;	   /* a frame's contents: 0 discarded, else the swap block holding them */
};
_Static_assert(sizeof(struct exo_repo_rec) == 32, "ABI: struct exo_repo_rec");
#define EXO_REPO_FRAME 1
#define EXO_REPO_SLICE 2
#define EXO_REPO_BLOCK 3    /* resource: the block number; va 0 */
#define EXO_SWAP_MAX   4096 /* blocks one swap area may hold (exo_swap_register) */

/* One kernel trace event (exo_trace_read). */
struct exo_trace_rec {
	uint64_t seq; /* 1, 2, 3, ... across the whole run */
	uint64_t tsc;
	uint32_t type; /* EXO_TRACE_* */
	uint32_t cpu;
	uint32_t env; /* the environment concerned, 0 if none */
	uint32_t pad;
	uint64_t a, b; /* per type, below */
};
_Static_assert(sizeof(struct exo_trace_rec) == 48, "ABI: struct exo_trace_rec");
#define EXO_TRACE_SLICE	       1    /* a tick: env ran (or 0: idle) in slot a */
#define EXO_TRACE_WAKE	       2    /* the CPU left HLT: a = interrupt vector */
#define EXO_TRACE_REVOKE_REQ   3    /* request: a = frames asked, b = deadline TSC */
#define EXO_TRACE_REVOKE_DONE  4    /* complied: a = frames returned, b = latency (TSC) */
#define EXO_TRACE_REPOSSESS    5    /* abort: a = frames taken, b = latency (TSC) */
#define EXO_TRACE_EPILOGUE     6    /* slice end: a = 0 yielded in time, 1 forced */
#define EXO_TRACE_PRESSURE     7    /* allocation failed: a = frames asked of env */
#define EXO_TRACE_BREVOKE_REQ  8    /* block request: a = blocks asked, b = deadline TSC */
#define EXO_TRACE_BREVOKE_DONE 9    /* complied: a = blocks returned, b = latency (TSC) */
#define EXO_TRACE_BREPOSSESS   10   /* abort: a = blocks taken, b = latency (TSC) */
#define EXO_TRACE_SWAP	       11   /* a repossessed frame saved: a = frame, b = swap block */
#define EXO_TRACE_RECORDS      8192 /* events the ring keeps */

/* Facts about the machine, read-only at EXO_USYSINFO. */
/* A data boot module (command line "data:NAME"): whole frames from frame
 * on, owned by the first boot program, which may map them or pass them on
 * (a disk owner key, a file to import). */
#define EXO_MAX_MODULES 32
struct exo_module {
	char name[48];	/* NAME, NUL-terminated (cut to 47 bytes) */
	uint64_t frame; /* its first frame; the module is contiguous */
	uint64_t bytes; /* its length */
};
_Static_assert(sizeof(struct exo_module) == 64, "ABI: struct exo_module");

struct exo_sysinfo {
	uint64_t nframes;   /* entries in the frame table at EXO_UFRAMES */
	uint64_t nfree;	    /* free frames when last published (approximate) */
	uint32_t ncpus;	    /* CPUs running */
	uint32_t nenv;	    /* EXO_NENV */
	uint64_t tsc_hz;    /* TSC ticks per second, 0 if unknown */
	uint32_t nmodules;  /* data boot modules in module[] */
	uint32_t owner;	    /* env id they were given to, 0 if none */
	uint64_t rtc_epoch; /* wall clock at rtc_tsc: seconds since 1970 UTC, 0 if unknown */
	uint64_t rtc_tsc;   /* the TSC when rtc_epoch was read */
	uint64_t pad;	    /* 0 */
	struct exo_module module[EXO_MAX_MODULES];
};
_Static_assert(sizeof(struct exo_sysinfo) == 64 + 64 * EXO_MAX_MODULES, "ABI: exo_sysinfo");

/*
 * Disk blocks (docs/abi.md, docs/disk.md). Blocks are 4 KiB, named by their
 * number on the disk; each belongs to a disk owner, a principal that
 * outlives environments and is proven by a secret key.
 */
#define EXO_BLOCK_ANY	    (~0ULL) /* exo_block_alloc: any free block */
#define EXO_DISK_KEY_BYTES  32	    /* a disk owner key */
#define EXO_DISK_MAX_BLOCKS 16	    /* blocks one request moves */
#define EXO_DISK_MAX_REQS   32	    /* requests one exo_disk_io call takes */
#define EXO_DISK_CREATE	    1	    /* exo_disk_attach: register the key if unknown */

/* exo_disk_attach's argument. */
struct exo_disk_key {
	uint8_t key[EXO_DISK_KEY_BYTES]; /* the secret; only its SHA-256 is stored */
	char name[16];			 /* label for a new owner, NUL-padded */
};
_Static_assert(sizeof(struct exo_disk_key) == 48, "ABI: struct exo_disk_key");

/* One request of exo_disk_io. */
struct exo_disk_req {
	uint32_t op;	    /* EXO_DISK_READ, EXO_DISK_WRITE or EXO_DISK_FLUSH */
	uint32_t nblocks;   /* blocks, 1..EXO_DISK_MAX_BLOCKS; 0 for FLUSH */
	uint64_t block;	    /* first block */
	uint64_t va;	    /* page-aligned buffer of nblocks pages; 0 for FLUSH */
	uint64_t status_va; /* 8-aligned int64 the kernel sets: 0 queued, 1 done, < 0 error */
};
_Static_assert(sizeof(struct exo_disk_req) == 32, "ABI: struct exo_disk_req");
#define EXO_DISK_READ  0
#define EXO_DISK_WRITE 1
#define EXO_DISK_FLUSH 2

/* exo_disk_info's result. */
struct exo_disk_info {
	uint64_t nblocks;    /* blocks the ownership region covers, 0 if no usable disk */
	uint64_t data_start; /* first block an owner may hold */
	uint64_t nfree;	     /* blocks free now */
	uint64_t owned;	     /* blocks the caller's disk owner holds */
	uint32_t owner;	     /* the caller's disk owner slot, 0 if not attached */
	uint32_t flags;	     /* EXO_DISK_* below */
	uint32_t fs_start;   /* the owner's placed image (tools/exodisk place), 0 none */
	uint32_t fs_blocks;  /* its length in blocks */
};
_Static_assert(sizeof(struct exo_disk_info) == 48, "ABI: struct exo_disk_info");
#define EXO_DISK_PRESENT  (1u << 0) /* a virtio block device was found */
#define EXO_DISK_REGION	  (1u << 1) /* it holds a valid ownership region */
#define EXO_DISK_FLUSHES  (1u << 2) /* it has a volatile cache that FLUSH empties */
#define EXO_DISK_DAMAGED  (1u << 3) /* part of the region was refused at boot */
#define EXO_DISK_READONLY (1u << 4) /* a region write failed: ownership is frozen */

#endif
