/*
 * sched.c - CPU time as a resource (Aegis): slices, the tick, and choosing
 * what runs next on this CPU.
 *
 * Each CPU has a vector of EXO_NSLOTS slots of EXO_SLICE_US microseconds,
 * served round-robin by the local APIC timer. An environment may own slots
 * (exo_slice_alloc); in its own slot it runs if it is runnable. A slot
 * that nobody owns, or whose owner cannot run (blocked, or running on
 * another CPU), is handed out by the idle rule: round-robin over the
 * runnable environments in env-table order, starting after the one this
 * CPU served last. So a lone CPU-bound environment gets every slot nobody
 * else can use, and any number of runnable environments (the table holds
 * EXO_NENV) share the unowned slots fairly, one slice each in turn; a
 * libOS can also schedule its own processes inside its own slots.
 *
 * With nothing to run the CPU sleeps in HLT with interrupts on; its tick
 * stops unless some environment waits with a timeout or a predicate, and
 * another CPU that makes work sends it an IPI.
 */
#include "kernel.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/lapic.h"
#include "env.h"
#include "machine.h"
#include "revoke.h"
#include "trace.h"
#include "pmap.h"
#include "smp.h"
#include "spinlock.h"
#include "syscall.h"
#include "uaccess.h"

/* [K] owner of each slot, 0 = unowned. */
static uint32_t slot_owner[MAX_CPUS][EXO_NSLOTS];
/* [K] current slot of each CPU, and where its idle-rule round-robin is. */
static unsigned cur_slot[MAX_CPUS];
static unsigned rr_last[MAX_CPUS];
/* [K] environments blocked in exo_wait. */
static unsigned nwaiters;

static bool can_run(const struct env *e)
{
	return e->status == EXO_ENV_RUNNABLE && !e->dying && !e->oncpu;
}

/* The environment the slot rule picks for this CPU now, or NULL. */
static struct env *pick(struct cpu *c)
{
	struct env *o = env_lookup(slot_owner[c->id][cur_slot[c->id]]);
	if (o && can_run(o))
		return o;
	for (unsigned i = 1; o && i < NENV; i++) /* or one of the owner's contexts */
		if (envs[i].home == o && can_run(&envs[i]))
			return &envs[i];
	for (unsigned k = 1; k <= NENV; k++) {
		unsigned i = (rr_last[c->id] + k) % NENV;
		if (can_run(&envs[i])) {
			rr_last[c->id] = i;
			return &envs[i];
		}
	}
	return NULL;
}

/* Should this CPU keep running e through the slot that just began? */
static bool keep(struct cpu *c, struct env *e)
{
	uint32_t owner = slot_owner[c->id][cur_slot[c->id]];
	if (owner == e->id)
		return true;
	struct env *o = env_lookup(owner);
	if (o && can_run(o))
		return false;
	/* Idle rule: keep e unless someone else is waiting for a turn. */
	for (unsigned i = 1; i < NENV; i++)
		if (&envs[i] != e && can_run(&envs[i]))
			return false;
	return true;
}

static void timer_on(struct cpu *c)
{
	if (!c->ticking) {
		lapic_timer_start(EXO_SLICE_US);
		c->ticking = true;
	}
}

/* Take the current environment off this CPU, saving what the kernel does
 * not keep in its struct env (the x87/SSE/AVX registers). */
static void put_prev(struct cpu *c)
{
	struct env *prev = c->env;
	if (!prev)
		return;
	fpu_save(prev->fpu);
	if (prev->in_epilogue) { /* it yielded within the bound: compliant */
		prev->in_epilogue = false;
		prev->epi_overruns = 0; /* only overruns in a row count */
		trace_event(EXO_TRACE_EPILOGUE, prev->id, 0, 0);
	}
	prev->oncpu = 0;
	env_info[prev->id & (NENV - 1)].cpu = ~0u;
	c->env = NULL;
}

/* Take this CPU's environment off it, for a directed switch. */
void put_prev_env(void)
{
	put_prev(this_cpu());
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	assert(kernel_lock_held());
	put_prev(c);
	for (;;) {
		struct env *e = pick(c);
		if (e) {
			timer_on(c);
			env_run(e);
		}
		bool waiting = nwaiters > 0 || nrevoking > 0;
		bool any = false;
		for (unsigned i = 1; i < NENV && !any; i++)
			any = envs[i].status == EXO_ENV_BLOCKED || envs[i].oncpu;
		if (!any && c->id == 0) {
			kprintf("exo: no runnable environments; halting\n");
			machine_halt(EXIT_HALTED);
		}
		if (!waiting && c->ticking) {
			lapic_timer_stop();
			c->ticking = false;
		} else if (waiting) {
			timer_on(c);
		}
		/* Sleep until an interrupt; sti takes effect after hlt begins,
		 * so a wakeup between the unlock and the hlt is not lost. */
		write_cr3(pmap_kernel_root());
		c->cr3 = pmap_kernel_root();
		c->idle = true;
		kernel_unlock();
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		kernel_lock();
		c->idle = false;
	}
}

/* Block e (the caller of the current call) for reason. */
void env_block(struct env *e, enum env_block reason)
{
	e->status = EXO_ENV_BLOCKED;
	e->block = reason;
	if (reason == BLOCK_WAIT)
		nwaiters++;
	env_publish(e);
}

/* Make e runnable (waking it from whatever it waited for, with rax as
 * the result of the call it waited in) and wake an idle CPU for it. */
void env_make_runnable(struct env *e, uint64_t rax)
{
	if (e->status == EXO_ENV_BLOCKED && e->block == BLOCK_WAIT)
		nwaiters--;
	e->tf.rax = rax;
	e->status = EXO_ENV_RUNNABLE;
	e->block = BLOCK_NONE;
	env_publish(e);
	smp_kick_idle();
}

static long eval_term(struct env *e, const struct exo_pred_term *t, bool *out)
{
	uint64_t v;
	if (read_user_word(e, t->va, &v) < 0)
		return -EXO_EFAULT;
	v &= t->mask;
	switch (t->op) {
	case EXO_PRED_EQ:
		*out = v == t->value;
		break;
	case EXO_PRED_NE:
		*out = v != t->value;
		break;
	case EXO_PRED_LT:
		*out = v < t->value;
		break;
	case EXO_PRED_LE:
		*out = v <= t->value;
		break;
	case EXO_PRED_GT:
		*out = v > t->value;
		break;
	default:
		*out = v >= t->value;
		break;
	}
	return 0;
}

/* Evaluate e's wakeup predicate: 1 true, 0 false, -EXO_EFAULT if a word
 * is no longer readable. */
static long eval_pred(struct env *e)
{
	bool any = e->pred_flags & EXO_PRED_ANY;
	if (e->npred == 0)
		return 0; /* a plain sleep: only the timeout or a PCT ends it */
	for (unsigned i = 0; i < e->npred; i++) {
		bool t;
		long r = eval_term(e, &e->pred[i], &t);
		if (r < 0)
			return r;
		if (t && any)
			return 1;
		if (!t && !any)
			return 0;
	}
	return any ? 0 : 1;
}

/* Check every waiter's predicate and timeout: on every slice tick, and
 * whenever a device completion may have changed a word someone waits on. */
void sched_check_waiters(void)
{
	uint64_t now = rdtsc();
	for (unsigned i = 1; i < NENV && nwaiters; i++) {
		struct env *e = &envs[i];
		if (e->status != EXO_ENV_BLOCKED || e->block != BLOCK_WAIT)
			continue;
		long r = eval_pred(e);
		if (r != 0)
			env_make_runnable(e, r > 0 ? EXO_WAKE_PRED : (uint64_t)r);
		else if (e->wait_deadline && now >= e->wait_deadline)
			env_make_runnable(e, EXO_WAKE_TIMEOUT);
	}
}

/* The slice tick (local APIC timer, every EXO_SLICE_US on each CPU that
 * has work or waiters). Called with the kernel lock held, after the
 * interrupted environment's registers were saved; from the idle loop it
 * returns, otherwise it resumes or switches environments. */
void sched_tick(void)
{
	struct cpu *c = this_cpu();
	c->ticks++;
	cur_slot[c->id] = (cur_slot[c->id] + 1) % EXO_NSLOTS;
	struct env *e = c->env;
	trace_event(EXO_TRACE_SLICE, e ? e->id : 0, c->id << 8 | cur_slot[c->id], 0);
	if (nwaiters)
		sched_check_waiters();
	if (nrevoking)
		revoke_tick(e);
	if (c->id == 0)
		sysinfo_publish();
	if (!e)
		return; /* idle: the idle loop looks for work when we return */
	/* A tick that comes less than half a slice after the epilogue upcall
	 * is not the bound: QEMU delivers ticks back to back after the host
	 * stalled its vCPU, and the env has had no time to yield. */
	if (e->in_epilogue && !e->dying &&
	    rdtsc() - e->epi_start < tsc_hz / 1000000 * EXO_SLICE_US / 2)
		env_run(e);
	if (e->in_epilogue) {
		/* The abort protocol for CPU time: it did not yield within a
		 * slice of its epilogue upcall. Preempt it, saving its state
		 * ourselves; destroy it if it keeps doing this. */
		e->in_epilogue = false;
		trace_event(EXO_TRACE_EPILOGUE, e->id, 1, 0);
		repo_record(e, EXO_REPO_SLICE, c->id << 8 | cur_slot[c->id], 0);
		if (++e->epi_overruns >= EXO_EPILOGUE_MAX_OVERRUNS)
			env_destroy(e, "killed: overran its epilogue upcall too often");
		schedule();
	}
	if (!e->dying && e->status == EXO_ENV_RUNNABLE && keep(c, e))
		env_run(e);
	/* Visible revocation of the CPU: tell it its slice is over. */
	const struct entry_point *ep = &e->entry[EXO_ENTRY_EPILOGUE];
	if (!e->dying && e->status == EXO_ENV_RUNNABLE && ep->rip &&
	    upcall_push(e, ep, EXO_UPCALL_EPILOGUE, 0, 0) == 0) {
		e->in_epilogue = true;
		e->epi_start = rdtsc();
		env_run(e);
	}
	schedule();
}

long sys_slice_alloc(uint64_t cpu, uint64_t index)
{
	uint32_t id = me()->id;
	if ((cpu != EXO_SLICE_ANY && cpu >= ncpus) ||
	    (index != EXO_SLICE_ANY && index >= EXO_NSLOTS))
		return -EXO_EINVAL;
	for (unsigned ci = 0; ci < ncpus; ci++) {
		if (cpu != EXO_SLICE_ANY && ci != cpu)
			continue;
		for (unsigned si = 0; si < EXO_NSLOTS; si++) {
			if (index != EXO_SLICE_ANY && si != index)
				continue;
			if (slot_owner[ci][si] && env_lookup(slot_owner[ci][si]))
				continue;
			slot_owner[ci][si] = id;
			return (long)(ci << 8 | si);
		}
	}
	return index != EXO_SLICE_ANY && cpu != EXO_SLICE_ANY ? -EXO_EBUSY : -EXO_ENOMEM;
}

long sys_slice_free(uint64_t slot)
{
	uint64_t ci = slot >> 8, si = slot & 0xff;
	if (ci >= ncpus || si >= EXO_NSLOTS)
		return -EXO_EINVAL;
	if (slot_owner[ci][si] != me()->id)
		return -EXO_EPERM;
	slot_owner[ci][si] = 0;
	return 0;
}

long sys_wait(const struct exo_pred_term *terms, uint64_t nterms, uint64_t flags,
	      uint64_t timeout_us)
{
	struct env *e = self();
	if (nterms > EXO_PRED_MAX_TERMS || (flags & ~(uint64_t)EXO_PRED_ANY) ||
	    (timeout_us > (1ull << 40) && timeout_us != EXO_WAIT_FOREVER))
		return -EXO_EINVAL;
	struct exo_pred_term t[EXO_PRED_MAX_TERMS] = { 0 };
	if (nterms && copy_from_user(e, t, (uint64_t)terms, nterms * sizeof(t[0])) < 0)
		return -EXO_EFAULT;
	for (unsigned i = 0; i < nterms; i++)
		if ((t[i].va & 7) || t[i].op > EXO_PRED_GE || t[i].reserved)
			return -EXO_EINVAL;
	memcpy(e->pred, t, nterms * sizeof(t[0]));
	e->npred = (uint32_t)nterms;
	e->pred_flags = (uint32_t)flags;
	long r = eval_pred(e);
	if (r != 0)
		return r > 0 ? EXO_WAKE_PRED : r;
	if (timeout_us == 0 && nterms)
		return EXO_WAKE_TIMEOUT;
	/* Without a timeout (EXO_WAIT_FOREVER, or 0 with no terms) only the
	 * predicate or a PCT wakes it. */
	e->wait_deadline = timeout_us && timeout_us != EXO_WAIT_FOREVER
				   ? rdtsc() + tsc_hz / 1000000 * timeout_us
				   : 0;
	env_block(e, BLOCK_WAIT);
	return SYSCALL_BLOCKED;
}

/* e is being destroyed: it no longer waits, and its slots are free. */
void sched_env_gone(struct env *e)
{
	if (e->status == EXO_ENV_BLOCKED && e->block == BLOCK_WAIT)
		nwaiters--;
	for (unsigned ci = 0; ci < MAX_CPUS; ci++)
		for (unsigned si = 0; si < EXO_NSLOTS; si++)
			if (slot_owner[ci][si] == e->id)
				slot_owner[ci][si] = 0;
}
