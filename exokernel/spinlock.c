/*
 * spinlock.c - the kernel lock (spinlock.h): a test-and-test-and-set lock.
 *
 * Why not a ticket lock (which it was): a ticket lock hands the lock to one
 * particular waiter, the next ticket, at release. If that waiter's CPU is
 * not running at that moment, nobody can have the lock until it runs again,
 * however many other CPUs are ready. Our CPUs are QEMU vCPU threads, and
 * the host preempts them: under TCG with more vCPUs than free host cores
 * (-smp 4 on a 2-core machine, or any loaded CI host) the next ticket's
 * vCPU is often descheduled at a handover, and the spinners burn the host
 * time it needs (PAUSE does not yield the host thread). An acquisition
 * then costs a host time slice (milliseconds), so a tick (every 1 ms) is
 * still queued when the next one is due: every CPU ends up doing nothing
 * but ticks, each waiting behind the others, and user code stops
 * progressing (the pct test, 1-2 s, ran for minutes at -smp 4 on a loaded
 * 2-core host). That was the "hang" with as many tickets outstanding as
 * CPUs spinning and no holder: the lock was always just handed to a
 * waiter that was not running.
 *
 * The rule: the lock is free for whichever CPU is running when it is
 * released; it is never reserved for a waiter. (Linux falls back to a
 * test-and-set lock in guests for the same reason, virt_spin_lock.) The
 * price is fairness: CPUs are not served in the order they asked. Kernel
 * paths are short and every holder returns to ring 3 or HLT between
 * entries, so a waiter sees the lock free often; nothing relies on order.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "smp.h"
#include "spinlock.h"

/* [A] 1 while some CPU holds the kernel lock. */
static volatile uint32_t locked;
/* CPU index of the holder, for assertions and panics; written only by the
 * holder, while it holds the lock. */
static volatile int holder = -1;

void kernel_lock(void)
{
	if (holder == (int)this_cpu()->id)
		panic("kernel lock taken twice by CPU %u", this_cpu()->id);
	/* Try the atomic swap only when the lock looks free, so spinners only
	 * read the shared line; keep answering TLB shootdowns meanwhile (the
	 * holder may be waiting for this CPU to flush). */
	while (__atomic_load_n(&locked, __ATOMIC_RELAXED) ||
	       __atomic_exchange_n(&locked, 1, __ATOMIC_ACQUIRE)) {
		tlb_flush_if_asked();
		cpu_relax();
	}
	holder = (int)this_cpu()->id;
}

void kernel_unlock(void)
{
	if (holder != (int)this_cpu()->id)
		panic("kernel lock released by CPU %u, held by %d", this_cpu()->id, holder);
	holder = -1;
	__atomic_store_n(&locked, 0, __ATOMIC_RELEASE);
}

bool kernel_lock_held(void)
{
	return holder == (int)this_cpu()->id;
}
