/*
 * syscall.c - the exokernel call dispatcher, and the small calls: console,
 * machine, yield, invariant check.
 *
 * The dispatcher is generated from the call table in exo/abi.h. Each
 * handler validates every argument before it changes anything (checks
 * from secure-bindings/), acts, and returns a result >= 0 or -EXO_E*.
 * Environment calls are in sys_env.c, memory calls in sys_mem.c,
 * protected control transfer in pct.c. docs/abi.md documents each call;
 * keep the two in step.
 */
#include "kernel.h"
#include "acpi.h"
#include "console.h"
#include "machine.h"
#include "rights.h"
#include "syscall.h"
#include "spinlock.h"
#include "uaccess.h"

#define SYSCALL_INSN_LEN 2
/* Bytes moved per console call; a larger request is served in part. */
#define CONS_CHUNK 512

static bool has_right(uint32_t right)
{
	return (me()->rights & right) == right;
}

struct env *controlled_env(uint64_t id, long *err)
{
	struct env *e = id == EXO_ENV_SELF ? me() : NULL;
	if (!e && id <= UINT32_MAX)
		e = env_lookup((uint32_t)id);
	if (!e) {
		*err = -EXO_EBADENV;
		return NULL;
	}
	if (!sb_may_control(me()->id, e->id, e->parent) &&
	    !(me()->rights & EXO_RIGHT_ROOT)) { /* the root capability controls everyone */
		*err = -EXO_EPERM;
		return NULL;
	}
	return e;
}

long sys_null(void)
{
	return 0;
}

long sys_cons_write(const void *buf, uint64_t len)
{
	char tmp[CONS_CHUNK];
	if (!has_right(EXO_RIGHT_CONSOLE))
		return -EXO_EPERM;
	if (len > sizeof(tmp))
		len = sizeof(tmp);
	if (copy_from_user(self(), tmp, (uint64_t)buf, len) < 0)
		return -EXO_EFAULT;
	console_write(tmp, len);
	return (long)len;
}

long sys_cons_read(void *buf, uint64_t len)
{
	char tmp[CONS_CHUNK];
	if (!has_right(EXO_RIGHT_CONSOLE))
		return -EXO_EPERM;
	if (len > sizeof(tmp))
		len = sizeof(tmp);
	if (check_user(self(), (uint64_t)buf, len, true) < 0)
		return -EXO_EFAULT;
	if (len == 0)
		return 0;
	size_t n = console_read(tmp, len);
	if (n == 0) {
		env_block(self(), BLOCK_CONSOLE);
		return SYSCALL_RESTART;
	}
	copy_to_user(self(), (uint64_t)buf, tmp, n); /* checked above */
	return (long)n;
}

long sys_machine_poweroff(void)
{
	if (!has_right(EXO_RIGHT_MACHINE))
		return -EXO_EPERM;
	kprintf("exo: power off (ACPI S5)\n");
	return acpi_poweroff();
}

long sys_debug_exit(uint64_t code)
{
	if (!has_right(EXO_RIGHT_MACHINE))
		return -EXO_EPERM;
	if (code > 0xff)
		return -EXO_EINVAL;
	machine_debug_exit((uint32_t)code);
	return -EXO_ENOTSUP; /* still here: QEMU has no isa-debug-exit device */
}

long sys_invariant_check(void)
{
	return env_invariant_check();
}

long sys_yield(uint64_t envid)
{
	if (envid == EXO_ENV_SELF) {
		switch_to(NULL);
		return 0;
	}
	struct env *e = envid <= UINT32_MAX ? env_lookup((uint32_t)envid) : NULL;
	if (!e)
		return -EXO_EBADENV;
	if (e->status == EXO_ENV_RUNNABLE)
		switch_to(e);
	return 0;
}

static long dispatch(uint64_t nr, const uint64_t *w)
{
	(void)w;
	switch (nr) {
#define CASE(num, name, n, ...) \
	case num:               \
		return sys_##name(EXO_UNPACK_##n(w, ##__VA_ARGS__));
		EXO_CALLS(CASE)
#undef CASE
	default:
		return -EXO_ENOSYS;
	}
}

/* Where to go after the current call (switch_to). Only the CPU holding
 * the kernel lock uses these, between the call's entry and its exit. */
static struct env *next_env;
static bool yielding;

void switch_to(struct env *next)
{
	next_env = next;
	yielding = next == NULL;
}

/* Called by syscall.S with the caller's registers. Never returns: it
 * resumes the caller, or another environment if the caller blocked,
 * yielded, switched or died. */
void syscall_trap(struct trapframe *tf)
{
	kernel_lock();
	struct env *e = self();
	e->tf = *tf;
	if (e->dying) {
		env_destroy(e, NULL);
		schedule();
	}
	next_env = NULL;
	yielding = false;
	uint64_t w[6] = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 };
	long r = dispatch(tf->rax, w);
	if (self() != e)
		schedule(); /* the caller destroyed itself */
	if (r == SYSCALL_RESTART)
		e->tf.rip -= SYSCALL_INSN_LEN;
	else if (r != SYSCALL_BLOCKED)
		e->tf.rax = (uint64_t)r;
	if (next_env && next_env->status == EXO_ENV_RUNNABLE && !next_env->oncpu &&
	    !next_env->dying) {
		struct env *n = next_env;
		put_prev_env();
		env_run(n);
	}
	if (e->status == EXO_ENV_RUNNABLE && !yielding)
		env_run(e);
	schedule();
}
