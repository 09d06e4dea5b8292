/*
 * env.h - environments: the exokernel's unit of protection and accounting
 * (Engler et al., SOSP'95). An environment owns frames, has an address
 * space the kernel keeps, holds rights delegated from the root capability,
 * pays for the kernel memory it causes to exist out of a quota, and runs
 * in ring 3 with the register state saved here whenever it is not on a CPU.
 */
#ifndef ENV_H
#define ENV_H

#include <stdint.h>

#include <exo/types.h>

#include "arch/x86_64/cpu.h"

#define NENV	       EXO_NENV
#define ENV_INDEX_BITS 10
_Static_assert((1u << ENV_INDEX_BITS) == NENV, "env id layout");

/* Kernel memory every environment costs: its slot, PML4 and XSAVE page. */
#define ENV_BASE_KMEM (3 * 4096ull)
/* Smallest quota a child may be created with (bytes). */
#define ENV_MIN_KMEM (24 * 1024ull) /* the base cost and one page's three tables */
/* Quota of an environment started from a boot module (bytes). */
#define ENV_BOOT_KMEM (1ull << 30) /* a libOS server hands out quotas from it */

/* Why a blocked environment waits. */
enum env_block {
	BLOCK_NONE = 0,
	BLOCK_CONSOLE,	 /* in exo_cons_read, for input; the call restarts */
	BLOCK_PCT_WAIT,	 /* in exo_pct_wait, for a protected control transfer */
	BLOCK_PCT_REPLY, /* in exo_pct_call, for the callee's reply */
	BLOCK_WAIT,	 /* in exo_wait, for its predicate or timeout */
};

/* An open visible-revocation request for one kind of resource (revoke.c). */
struct revoke_req {
	uint64_t want;	   /* units still asked for; 0 = no request open */
	uint64_t asked;	   /* units asked by the open request */
	uint64_t start;	   /* TSC when it was made */
	uint64_t deadline; /* TSC at which the kernel repossesses */
	uint32_t slices;   /* slices this env ran since it was told */
	bool owed;	   /* the revocation upcall is still to be delivered */
};
#define RV_FRAMES 0 /* struct env.rv[]: frames */
#define RV_BLOCKS 1 /* disk blocks of the env's disk owner */
#define RV_KINDS  2

struct entry_point {
	uint64_t rip; /* 0 = not registered */
	uint64_t rsp; /* top of its stack */
};

struct env {
	uint32_t id;	      /* generation << ENV_INDEX_BITS | index; never 0 */
	uint32_t status;      /* EXO_ENV_* */
	enum env_block block; /* why, when EXO_ENV_BLOCKED */
	uint32_t parent;      /* who controls it: creator, or who inherited it */
	uint32_t quota_from;  /* who gave the quota (gets it back on destroy) */
	uint32_t rights;      /* EXO_RIGHT_* */
	uint64_t kmem_limit;  /* kernel-memory quota, bytes */
	uint64_t kmem_used;   /* bytes charged: page tables, grants, children's quotas */
	uint64_t pml4;	      /* physical address of the address space */
	void *fpu;	      /* x87/SSE/AVX save area (a kernel page) */
	uint64_t fs_base, gs_base;
	struct entry_point entry[EXO_NENTRIES];
	uint32_t pct_accept; /* EXO_PCT_* */
	bool pct_busy;	     /* serving a PCT that has not been replied to */
	uint32_t pct_caller; /* the env waiting for our reply, 0 if none */
	uint32_t pct_callee; /* while BLOCK_PCT_REPLY: whom we wait for */
	char name[24];
	uint8_t disk_owner;	/* disk owner slot it attached to (exo_disk_attach), 0 none */
	struct env *home;	/* for an extra execution context: its principal; else NULL */
	unsigned oncpu;		/* index + 1 of the CPU running it, 0 if none */
	bool dying;		/* destroyed while running elsewhere: that CPU frees it */
	uint64_t wait_deadline; /* BLOCK_WAIT: TSC value to give up at, 0 = never */
	uint32_t npred, pred_flags;
	struct exo_pred_term pred[EXO_PRED_MAX_TERMS];
	/* Visible revocation (revoke.c). */
	struct revoke_req rv[RV_KINDS]; /* open requests: frames, blocks */
	uint32_t repossess_owed;	/* units taken that the env has not been told of */
	uint64_t swap_first;		/* swap area (exo_swap_register): first block */
	uint32_t swap_count, swap_used; /* its length; blocks used so far */
	uint64_t guaranteed[EXO_GUARANTEED_FRAMES]; /* never repossessed; 0 = empty */
	uint32_t nrepo, repo_lost;		    /* repossession vector fill, records dropped */
	struct exo_repo_rec repo[EXO_REPO_RECORDS];
	/* CPU revocation. */
	bool in_epilogue;      /* upcalled at slice end, must yield by the next tick */
	uint64_t epi_start;    /* TSC when that upcall was pushed */
	uint32_t epi_overruns; /* times it did not */
	struct trapframe tf;   /* user registers while not on a CPU */
};

extern struct env envs[NENV];
extern struct exo_env_info env_info[NENV];

struct env *env_alloc(struct env *parent, const char *name, uint64_t kmem);
struct env *env_alloc_ctx(struct env *p);
struct env *env_lookup(uint32_t id);
void env_destroy(struct env *e, const char *why);
/* vcpu.c: free e's vCPUs and guest address spaces (e is being destroyed). */
void vcpu_env_gone(struct env *e);
void env_publish(const struct env *e);
int env_load_elf(struct env *e, const void *image, uint64_t size, const char *const *argv,
		 unsigned argc, const char **err);
void env_run(struct env *e) __attribute__((noreturn));
void schedule(void) __attribute__((noreturn));
void env_wake_console(void);
void env_make_runnable(struct env *e, uint64_t rax);
void env_block(struct env *e, enum env_block reason);
void sysinfo_publish(void);
void sched_tick(void);
void sched_check_waiters(void);
void sched_env_gone(struct env *e);
void put_prev_env(void);
unsigned env_invariant_check(void);
int kmem_charge(struct env *e, uint64_t bytes);
void kmem_uncharge(uint32_t id, uint64_t bytes);
int upcall_push(struct env *e, const struct entry_point *ep, uint64_t vector, uint64_t error,
		uint64_t fault_va);

#endif
