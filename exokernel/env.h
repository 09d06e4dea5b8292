/*
 * env.h - environments: the exokernel's unit of protection and accounting
 * (Engler et al., SOSP'95). An environment owns frames, has an address
 * space the kernel keeps, and runs in ring 3 with the register state saved
 * here whenever it is not on a CPU.
 */
#ifndef ENV_H
#define ENV_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"

#define NENV 1024
#define ENV_INDEX_BITS 10

enum env_status {
	ENV_FREE = 0,
	ENV_RUNNABLE,
	ENV_BLOCKED_CONSOLE, /* waiting in exo_cons_read for input */
};

/* Rights an environment holds (delegated from the root capability). */
#define RIGHT_CONSOLE (1u << 0) /* read and write the console */
#define RIGHT_MACHINE (1u << 1) /* power off; leave QEMU through isa-debug-exit */

struct env {
	uint32_t id;            /* generation << ENV_INDEX_BITS | index; never 0 */
	enum env_status status;
	uint32_t parent;        /* id of the creator, 0 for boot environments */
	uint32_t rights;        /* RIGHT_* */
	uint64_t pml4;          /* physical address of the address space */
	void *fpu;              /* x87/SSE/AVX save area (a kernel page) */
	char name[32];
	struct trapframe tf;    /* user registers while not on a CPU */
};

extern struct env envs[NENV];

struct env *env_alloc(uint32_t parent, const char *name);
struct env *env_lookup(uint32_t id);
void env_destroy(struct env *e, const char *why);
int env_load_elf(struct env *e, const void *image, uint64_t size, const char *const *argv,
		 unsigned argc, const char **err);
void env_run(struct env *e) __attribute__((noreturn));
void schedule(void) __attribute__((noreturn));
void env_wake_console(void);
unsigned env_invariant_check(void);

#endif
