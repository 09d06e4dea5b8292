/*
 * sys_env.c - exokernel calls on environments: create (exofork), destroy,
 * status, registers, entry points, rights.
 *
 * An environment controls itself and the environments it created (or
 * inherited from a destroyed child); docs/abi.md gives each call's checks.
 */
#include "kernel.h"
#include "rights.h"
#include "uaddr.h"
#include "syscall.h"
#include "uaccess.h"

long sys_env_id(void)
{
	return me()->id;
}

long sys_env_create(uint64_t kmem_bytes)
{
	struct env *p = me();
	if (kmem_bytes < ENV_MIN_KMEM || kmem_bytes > (1ull << 40))
		return -EXO_EINVAL;
	if (kmem_charge(p, kmem_bytes) < 0)
		return -EXO_ENOMEM;
	struct env *c = env_alloc(p, p->name, kmem_bytes);
	if (!c) {
		kmem_uncharge(p->id, kmem_bytes);
		return -EXO_ENOMEM;
	}
	return c->id;
}

long sys_ctx_create(uint64_t rip, uint64_t rsp)
{
	if (!sb_user_range_ok(rip, 1) || !sb_user_range_ok(rsp, 0) || (rsp & 15))
		return -EXO_EINVAL;
	struct env *x = env_alloc_ctx(me());
	if (!x)
		return -EXO_ENOMEM;
	x->tf.rip = rip;
	x->tf.rsp = rsp;
	env_make_runnable(x, 0);
	return x->id;
}

long sys_env_destroy(uint64_t envid)
{
	long err;
	struct env *e = controlled_env(envid, &err);
	if (!e)
		return err;
	env_destroy(e, NULL);
	return 0;
}

long sys_env_set_status(uint64_t envid, uint64_t status)
{
	long err;
	struct env *e = controlled_env(envid, &err);
	if (!e)
		return err;
	if (status != EXO_ENV_RUNNABLE && status != EXO_ENV_NOT_RUNNABLE)
		return -EXO_EINVAL;
	if (e->status == EXO_ENV_BLOCKED)
		return -EXO_EBUSY; /* it is inside a call; it will come back on its own */
	if (status == EXO_ENV_RUNNABLE) {
		env_make_runnable(e, e->tf.rax); /* and wake an idle CPU for it */
		return 0;
	}
	e->status = (uint32_t)status;
	env_publish(e);
	return 0;
}

long sys_env_get_regs(uint64_t envid, struct exo_regs *regs)
{
	long err;
	struct env *e = controlled_env(envid, &err);
	if (!e)
		return err;
	if (e != self() && e->oncpu)
		return -EXO_EBUSY; /* running on another CPU: its registers are not here */
	const struct trapframe *tf = &e->tf;
	struct exo_regs r = {
		.rsp = tf->rsp,
		.rip = tf->rip,
		.rflags = tf->rflags,
		.fs_base = e->fs_base,
		.gs_base = e->gs_base,
	};
#define COPY(reg) r.reg = tf->reg;
	TRAPFRAME_GPRS(COPY)
#undef COPY
	return copy_to_user(self(), (uint64_t)regs, &r, sizeof(r));
}

long sys_env_set_regs(uint64_t envid, const struct exo_regs *regs)
{
	long err;
	struct env *e = controlled_env(envid, &err);
	if (!e)
		return err;
	if (e == self())
		return -EXO_EINVAL; /* our registers are the ones this call returns into */
	struct exo_regs r;
	if (copy_from_user(self(), &r, (uint64_t)regs, sizeof(r)) < 0)
		return -EXO_EFAULT;
	if (!sb_regs_ok(&r))
		return -EXO_EINVAL;
	if (e->status == EXO_ENV_BLOCKED || e->oncpu)
		return -EXO_EBUSY;
	struct trapframe *tf = &e->tf;
#define COPY(reg) tf->reg = r.reg;
	TRAPFRAME_GPRS(COPY)
#undef COPY
	tf->rsp = r.rsp;
	tf->rip = r.rip;
	tf->rflags = sb_rflags_sanitize(r.rflags);
	e->fs_base = r.fs_base;
	e->gs_base = r.gs_base;
	return 0;
}

long sys_env_set_entry(uint64_t envid, uint64_t which, uint64_t rip, uint64_t rsp)
{
	long err;
	struct env *e = controlled_env(envid, &err);
	if (!e)
		return err;
	if (sb_entry_check(which, rip, rsp) < 0)
		return -EXO_EINVAL;
	e->entry[which] = (struct entry_point){ rip, rip ? rsp : 0 };
	env_publish(e);
	return 0;
}

static struct env *rights_target(uint64_t envid, bool *is_child, long *err)
{
	struct env *e = envid == EXO_ENV_SELF ? me()
			: envid <= UINT32_MAX ? env_lookup((uint32_t)envid)
					      : NULL;
	if (!e) {
		*err = -EXO_EBADENV;
		return NULL;
	}
	*is_child = e->parent == me()->id || e == me();
	return e;
}

long sys_env_grant_rights(uint64_t envid, uint64_t rights)
{
	bool child;
	long err;
	struct env *e = rights_target(envid, &child, &err);
	if (!e)
		return err;
	int r = sb_delegate_check(me()->rights, rights, child);
	if (r < 0)
		return r;
	e->rights |= (uint32_t)rights;
	env_publish(e);
	return 0;
}

long sys_env_revoke_rights(uint64_t envid, uint64_t rights)
{
	bool child;
	long err;
	struct env *e = rights_target(envid, &child, &err);
	if (!e)
		return err;
	int r = sb_revoke_rights_check(me()->rights, rights, child);
	if (r < 0)
		return r;
	e->rights &= ~(uint32_t)rights;
	env_publish(e);
	return 0;
}
