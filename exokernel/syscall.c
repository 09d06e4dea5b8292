/*
 * syscall.c - the exokernel call handlers and their dispatcher.
 *
 * The dispatcher is generated from the call table in exo/abi.h. Each
 * handler validates every argument before it changes anything (checks
 * from secure-bindings/), acts, and returns a result >= 0 or -EXO_E*.
 * docs/abi.md documents each call; keep the two in step.
 */
#include "kernel.h"
#include "acpi.h"
#include "console.h"
#include "env.h"
#include "machine.h"
#include "pmap.h"
#include "uaccess.h"
#include "uaddr.h"

#include <exo/abi.h>
#include <exo/layout.h>

/* A handler's way to say: block the caller and re-execute the call when it
 * is woken (its rip is moved back over the SYSCALL instruction). */
#define SYSCALL_RESTART (-1000L)
#define SYSCALL_INSN_LEN 2
/* Bytes moved per console call; a larger request is served in part. */
#define CONS_CHUNK 512

#define DECLARE(num, name, n, ...) static long sys_##name(EXO_PARAMS_##n(__VA_ARGS__));
EXO_CALLS(DECLARE)
#undef DECLARE

static struct env *self(void)
{
	return this_cpu()->env;
}

static bool has_right(uint32_t right)
{
	return (self()->rights & right) == right;
}

static long sys_null(void)
{
	return 0;
}

static long sys_cons_write(const void *buf, uint64_t len)
{
	char tmp[CONS_CHUNK];
	if (!has_right(RIGHT_CONSOLE))
		return -EXO_EPERM;
	if (len > sizeof(tmp))
		len = sizeof(tmp);
	if (copy_from_user(self(), tmp, (uint64_t)buf, len) < 0)
		return -EXO_EFAULT;
	console_write(tmp, len);
	return (long)len;
}

static long sys_cons_read(void *buf, uint64_t len)
{
	char tmp[CONS_CHUNK];
	if (!has_right(RIGHT_CONSOLE))
		return -EXO_EPERM;
	if (len > sizeof(tmp))
		len = sizeof(tmp);
	if (check_user(self(), (uint64_t)buf, len, true) < 0)
		return -EXO_EFAULT;
	if (len == 0)
		return 0;
	size_t n = console_read(tmp, len);
	if (n == 0) {
		self()->status = ENV_BLOCKED_CONSOLE;
		return SYSCALL_RESTART;
	}
	copy_to_user(self(), (uint64_t)buf, tmp, n); /* checked above */
	return (long)n;
}

static long sys_env_id(void)
{
	return self()->id;
}

static long sys_env_destroy(uint64_t envid)
{
	struct env *e = envid == EXO_ENV_SELF ? self() : env_lookup((uint32_t)envid);
	if (!e || envid > UINT32_MAX)
		return -EXO_EBADENV;
	if (e != self() && e->parent != self()->id)
		return -EXO_EPERM;
	env_destroy(e, NULL);
	return 0;
}

static long sys_frame_alloc(uint64_t frame, uint64_t flags)
{
	if (flags != 0)
		return -EXO_EINVAL;
	if (frame == EXO_FRAME_ANY)
		return frame_alloc_any(&frames, self()->id);
	int r = frame_alloc_specific(&frames, frame, self()->id);
	return r < 0 ? r : (long)frame;
}

static long sys_frame_free(uint64_t frame)
{
	return frame_free(&frames, frame, self()->id);
}

static long sys_page_map(uint64_t as, uint64_t va, uint64_t frame, uint64_t perm)
{
	if (as != EXO_AS_SELF || !sb_user_page_ok(va) || !sb_perm_ok(perm) || frame >= frames.n)
		return -EXO_EINVAL;
	if (!frame_owned_by(&frames, frame, self()->id))
		return -EXO_EPERM;
	return pmap_map(self()->pml4, va, frame, perm);
}

static long sys_page_unmap(uint64_t as, uint64_t va)
{
	if (as != EXO_AS_SELF || !sb_user_page_ok(va))
		return -EXO_EINVAL;
	return pmap_unmap(self()->pml4, va);
}

static long sys_machine_poweroff(void)
{
	if (!has_right(RIGHT_MACHINE))
		return -EXO_EPERM;
	kprintf("exo: power off (ACPI S5)\n");
	return acpi_poweroff();
}

static long sys_debug_exit(uint64_t code)
{
	if (!has_right(RIGHT_MACHINE))
		return -EXO_EPERM;
	if (code > 0xff)
		return -EXO_EINVAL;
	machine_debug_exit((uint32_t)code);
	return -EXO_ENOTSUP; /* still here: QEMU has no isa-debug-exit device */
}

static long sys_invariant_check(void)
{
	return env_invariant_check();
}

static long dispatch(uint64_t nr, const uint64_t *w)
{
	(void)w;
	switch (nr) {
#define CASE(num, name, n, ...)                                                                    \
	case num:                                                                                  \
		return sys_##name(EXO_UNPACK_##n(w, ##__VA_ARGS__));
		EXO_CALLS(CASE)
#undef CASE
	default:
		return -EXO_ENOSYS;
	}
}

/* Called by syscall.S with the caller's registers. Never returns: it
 * resumes the caller, or another environment if the caller blocked or
 * died. */
void syscall_trap(struct trapframe *tf)
{
	struct env *e = self();
	e->tf = *tf;
	uint64_t w[6] = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9};
	long r = dispatch(tf->rax, w);
	if (self() != e)
		schedule(); /* the caller destroyed itself */
	if (r == SYSCALL_RESTART)
		e->tf.rip -= SYSCALL_INSN_LEN;
	else
		e->tf.rax = (uint64_t)r;
	if (e->status == ENV_RUNNABLE)
		env_run(e);
	schedule();
}
