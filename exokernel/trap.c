/*
 * trap.c - what happens on an interrupt or exception.
 *
 * From ring 3: the environment's registers are saved in its struct env;
 * a device interrupt is handled and the environment resumes; an exception
 * goes to the environment's own handler as an upcall (Aegis, JOS), or,
 * if it registered none, kills it with a message naming the fault and the
 * address. From ring 0: interrupts are handled and return; an exception
 * is a kernel bug and panics.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "console.h"
#include "block.h"
#include "env.h"
#include "panic.h"
#include "smp.h"
#include "spinlock.h"
#include "trace.h"

#define IRQ_COM1 4

static const char *const exception_names[32] = {
	[T_DE] = "divide error",
	[T_DB] = "debug",
	[T_NMI] = "non-maskable interrupt",
	[T_BP] = "breakpoint",
	[T_OF] = "overflow",
	[T_BR] = "bound range exceeded",
	[T_UD] = "invalid opcode",
	[T_NM] = "device not available",
	[T_DF] = "double fault",
	[T_TS] = "invalid TSS",
	[T_NP] = "segment not present",
	[T_SS] = "stack fault",
	[T_GP] = "general protection fault",
	[T_PF] = "page fault",
	[T_MF] = "x87 floating-point error",
	[T_AC] = "alignment check",
	[T_MC] = "machine check",
	[T_XM] = "SIMD floating-point error",
};

/* Name of exception vector v, for messages. */
const char *trap_name(uint64_t v)
{
	if (v < 32 && exception_names[v])
		return exception_names[v];
	return v < 32 ? "reserved exception" : "interrupt";
}

/* A device interrupt or IPI, with the kernel lock held. The timer tick
 * may not return (it can switch environments). */
static void irq(uint64_t vector)
{
	if (vector == T_IRQ0 + IRQ_COM1) {
		console_intr();
		env_wake_console();
	}
	if (vector == T_DISK)
		block_intr();
	lapic_eoi();
	if (vector == T_TIMER)
		sched_tick();
}

/* Exceptions an environment's own handler may take: not NMI, #DF or #MC,
 * which are about the machine, not the program. */
static bool deliverable(uint64_t v)
{
	return v < 32 && v != T_NMI && v != T_DF && v != T_MC;
}

static void user_fault(struct env *e, const struct trapframe *tf)
{
	char why[160];
	const struct entry_point *ep = &e->entry[EXO_ENTRY_EXCEPTION];
	uint64_t fault_va = tf->vector == T_PF ? read_cr2() : 0;
	if (ep->rip && deliverable(tf->vector)) {
		if (upcall_push(e, ep, tf->vector, tf->error, fault_va) == 0)
			env_run(e);
		ksnprintf(why, sizeof(why),
			  "killed: %s at rip 0x%lx and no room for it on the exception stack",
			  trap_name(tf->vector), tf->rip);
		env_destroy(e, why);
		return;
	}
	if (tf->vector == T_PF)
		ksnprintf(why, sizeof(why),
			  "killed: page fault at va 0x%lx, rip 0x%lx, error 0x%lx", fault_va,
			  tf->rip, tf->error);
	else
		ksnprintf(why, sizeof(why), "killed: %s at rip 0x%lx", trap_name(tf->vector),
			  tf->rip);
	env_destroy(e, why);
}

/* Called by vectors.S with the saved registers. Returns only to resume
 * the interrupted context as it is (lock-free IPIs, interrupts in idle). */
void trap(struct trapframe *tf)
{
	bool from_user = (tf->cs & 3) == 3;
	bool is_irq = tf->vector >= T_IRQ0;

	/* These never take the kernel lock: its holder may be waiting. */
	switch (tf->vector) {
	case T_IPI_TLB:
		tlb_flush_if_asked();
		lapic_eoi();
		return;
	case T_IPI_HALT:
		for (;;)
			__asm__ volatile("cli; hlt");
	case T_SPURIOUS:
	case T_NMI: /* nothing raises NMIs on purpose yet: ignore */
		return;
	case T_MC:
		panic_tf(tf, "machine check");
	}

	if (!from_user) {
		if (!is_irq)
			panic_tf(tf, "%s in the kernel", trap_name(tf->vector));
		/* Only the idle loop runs with interrupts on in the kernel. */
		kernel_lock();
		if (this_cpu()->idle)
			trace_event(EXO_TRACE_WAKE, 0, tf->vector, 0);
		irq(tf->vector);
		kernel_unlock();
		return;
	}

	kernel_lock();
	struct env *e = this_cpu()->env;
	assert(e);
	e->tf = *tf;
	if (e->dying) {
		env_destroy(e, NULL);
		/* The interrupt is still to be handled and acknowledged, or
		 * this CPU would get no more of them (found by make bench).
		 * With no environment on the CPU, a tick only ticks. */
		if (is_irq)
			irq(tf->vector);
		schedule();
	}
	if (is_irq) {
		irq(tf->vector);
		env_run(e);
	}
	user_fault(e, tf);
	schedule();
}
