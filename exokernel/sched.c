/*
 * sched.c - choosing what runs next on this CPU.
 *
 * For now: round-robin over runnable environments, switching only when the
 * running one blocks, yields or dies (no timer preemption yet). With
 * nothing runnable but someone blocked, the CPU sleeps in HLT until an
 * interrupt; with nobody runnable or blocked (only environments nobody can
 * start any more, or none at all), the machine halts with a message.
 */
#include "kernel.h"
#include "arch/x86_64/io.h"
#include "env.h"
#include "machine.h"

static unsigned last;

void schedule(void)
{
	for (;;) {
		bool waiting = false;
		for (unsigned k = 1; k <= NENV; k++) {
			unsigned i = (last + k) % NENV;
			if (envs[i].status == EXO_ENV_RUNNABLE) {
				last = i;
				env_run(&envs[i]);
			}
			if (envs[i].status == EXO_ENV_BLOCKED)
				waiting = true;
		}
		if (!waiting) {
			kprintf("exo: no runnable environments; halting\n");
			machine_halt(EXIT_HALTED);
		}
		/* Sleep until an interrupt may have woken someone. sti takes
		 * effect after hlt starts, so no wakeup is lost in between. */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}
