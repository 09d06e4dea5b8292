/*
 * pct.c - protected control transfer (Engler et al., SOSP'95 §5.3): a
 * synchronous or asynchronous call from one environment straight into
 * another at the entry point the callee registered, with a few registers
 * as the message and optionally a grant on a frame.
 *
 * The callee's current context is pushed as an upcall frame on its PCT
 * stack (like an exception), so whatever it was doing resumes when its
 * handler is done; the CPU goes to the callee without a scheduler decision
 * and, on reply, straight back to the caller.
 */
#include "kernel.h"
#include "grant.h"
#include "pmap.h"
#include "rights.h"
#include "syscall.h"

static long transfer(uint64_t target, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
		     uint64_t grant, bool sync)
{
	struct env *src = me(), *caller = self();
	struct env *t = target <= UINT32_MAX && target ? env_lookup((uint32_t)target) : NULL;
	if (t && t->home)
		t = t->home; /* transfers go to the environment's own context */
	if (!t)
		return -EXO_EBADENV;
	if (!t->entry[EXO_ENTRY_PCT].rip ||
	    !sb_pct_permitted(t->pct_accept, src->id, t->id, src->parent, t->parent))
		return -EXO_EPERM;
	uint64_t gframe = grant >> 12, gperm = grant & 0xfff;
	if (grant && (gframe >= frames.n || !sb_grant_perm_ok(gperm)))
		return -EXO_EINVAL;
	if (grant && !sb_perm_within(gperm, frame_rights(gframe, src->id)))
		return -EXO_EPERM;
	bool waiting = t->status == EXO_ENV_BLOCKED &&
		       (t->block == BLOCK_PCT_WAIT || t->block == BLOCK_WAIT);
	if (t->pct_busy || !(t->status == EXO_ENV_RUNNABLE || waiting) || t->oncpu)
		return -EXO_EAGAIN; /* running (its registers are not here), or not receptive */
	if (waiting) /* exo_pct_wait returns 0, exo_wait EXO_WAKE_PCT, on resumption */
		t->tf.rax = t->block == BLOCK_WAIT ? EXO_WAKE_PCT : 0;
	struct trapframe saved = t->tf;
	if (upcall_push(t, &t->entry[EXO_ENTRY_PCT], EXO_UPCALL_PCT, 0, 0) < 0) {
		t->tf = saved;
		return -EXO_EAGAIN; /* no room on its PCT stack: its problem, not ours */
	}
	if (grant && t->id != frames.f[gframe].owner) {
		long r = grant_add(gframe, t->id, src, (uint16_t)gperm);
		if (r < 0) {
			t->tf = saved;
			return r;
		}
	}
	t->tf.rdi = src->id;
	t->tf.rsi = w0;
	t->tf.rdx = w1;
	t->tf.rcx = w2;
	t->tf.r8 = w3;
	t->tf.r9 = grant;
	env_make_runnable(t, sync ? EXO_PCT_SYNC : 0);
	t->pct_busy = true;
	if (!sync)
		return 0;
	t->pct_caller = caller->id; /* the reply goes to the calling context */
	env_block(caller, BLOCK_PCT_REPLY);
	caller->pct_callee = t->id;
	switch_to(t);
	return SYSCALL_BLOCKED;
}

long sys_pct_call(uint64_t target, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
		  uint64_t grant)
{
	return transfer(target, w0, w1, w2, w3, grant, true);
}

long sys_pct_send(uint64_t target, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3,
		  uint64_t grant)
{
	return transfer(target, w0, w1, w2, w3, grant, false);
}

long sys_pct_reply(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	struct env *t = me();
	if (!t->pct_busy)
		return -EXO_EINVAL;
	t->pct_busy = false;
	/* A server's reply is when what its clients wait on has changed:
	 * re-check wakeup predicates now rather than at the next slice tick
	 * (Xok evaluates them at scheduling decisions; this is one). */
	sched_check_waiters();
	if (!t->pct_caller)
		return 0; /* an asynchronous send: nobody waits */
	struct env *c = env_lookup(t->pct_caller);
	t->pct_caller = 0;
	if (!c || c->status != EXO_ENV_BLOCKED || c->block != BLOCK_PCT_REPLY ||
	    c->pct_callee != t->id)
		return -EXO_EBADENV;
	c->tf.rdi = w0;
	c->tf.rsi = w1;
	c->tf.rdx = w2;
	c->tf.r10 = w3;
	env_make_runnable(c, 0);
	c->pct_callee = 0;
	switch_to(c);
	return 0;
}

long sys_pct_accept(uint64_t policy)
{
	if (policy & ~(uint64_t)(EXO_PCT_ANY | EXO_PCT_PARENT | EXO_PCT_CHILDREN))
		return -EXO_EINVAL;
	me()->pct_accept = (uint32_t)policy;
	env_publish(me());
	return 0;
}

long sys_pct_wait(void)
{
	struct env *t = self();
	if (t->home)
		return -EXO_EINVAL; /* transfers only ever reach the environment's own context */
	if (!t->entry[EXO_ENTRY_PCT].rip)
		return -EXO_EINVAL; /* nothing could ever wake it */
	t->tf.rax = 0;
	env_block(t, BLOCK_PCT_WAIT);
	return SYSCALL_BLOCKED;
}
