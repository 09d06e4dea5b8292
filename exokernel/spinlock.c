/*
 * spinlock.c - the kernel lock (spinlock.h): a ticket lock, so CPUs get it
 * in the order they asked.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "smp.h"
#include "spinlock.h"

static volatile uint32_t next_ticket, now_serving;
static volatile int holder = -1; /* CPU index, for assertions and panics */

void kernel_lock(void)
{
	if (holder == (int)this_cpu()->id)
		panic("kernel lock taken twice by CPU %u", this_cpu()->id);
	uint32_t t = __atomic_fetch_add(&next_ticket, 1, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&now_serving, __ATOMIC_ACQUIRE) != t) {
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
	__atomic_store_n(&now_serving, now_serving + 1, __ATOMIC_RELEASE);
}

bool kernel_lock_held(void)
{
	return holder == (int)this_cpu()->id;
}
