/*
 * syscall.h - what the exokernel call handlers share: their declarations
 * (generated from the call table), the caller, and the ways a handler can
 * say "do not simply return to the caller".
 */
#ifndef SYSCALL_H
#define SYSCALL_H

#include <exo/abi.h>

#include "arch/x86_64/cpu.h"
#include "env.h"

/* Block the caller and re-execute the call when it is woken (its rip is
 * moved back over the SYSCALL instruction). */
#define SYSCALL_RESTART (-1000L)
/* The caller blocked (or was switched away from) and its rax will be set
 * by whoever wakes it; leave its registers alone. */
#define SYSCALL_BLOCKED (-1001L)

#define DECLARE(num, name, n, ...) long sys_##name(EXO_PARAMS_##n(__VA_ARGS__));
EXO_CALLS(DECLARE)
#undef DECLARE

/* The calling execution context: an environment, or one of its extra
 * contexts (exo_ctx_create). Registers, blocking and upcall entries are
 * per context. */
static inline struct env *self(void)
{
	return this_cpu()->env;
}

/* The calling environment proper (the principal): whose frames, grants,
 * rights, quota and identity every call uses, whichever of its contexts
 * makes it. */
static inline struct env *me(void)
{
	struct env *e = this_cpu()->env;
	return e->home ? e->home : e;
}

/* Run next on this CPU once the current call is done, without a scheduler
 * decision (directed yield, PCT). NULL: the caller, or the scheduler. */
void switch_to(struct env *next);

/* The env named by id in a call (EXO_ENV_SELF = the caller), if the caller
 * may control it. Returns NULL and sets *err to -EXO_EBADENV (no such
 * env) or -EXO_EPERM (not the caller or its child). */
struct env *controlled_env(uint64_t id, long *err);

#endif
