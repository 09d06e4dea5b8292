/*
 * smp.c - starting the application processors and TLB shootdowns.
 *
 * The bootstrap processor copies ap_boot.S's trampoline to AP_BASE (low
 * memory the kernel never hands out: frames below 1 MiB are not in the
 * frame table's free pool) and starts each CPU the MADT lists, one at a
 * time, with INIT-SIPI-SIPI. Each AP gets its own GDT, TSS, kernel stack
 * and local APIC setup, then joins the scheduler. An AP that does not
 * answer in time is left out for good (ap_gate below).
 *
 * TLB coherence: a CPU that changes an address space loaded on other CPUs
 * (their cr3) asks each of them to flush and waits until they have
 * (tlb_shootdown). The request is a flag plus an IPI; a CPU spinning for
 * the kernel lock polls the flag, so the waiting never deadlocks.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/svm.h"
#include "acpi.h"
#include "acpi_tables.h"
#include "env.h"
#include "pmap.h"
#include "smp.h"
#include "spinlock.h"

/* AP_START_TIMEOUT_MS: how long an AP has to reach ap_main. Under TCG on a
 * loaded host a vCPU thread can wait for a host CPU for hundreds of ms
 * (Linux allows an AP 10 s). */
#define AP_BASE		    0x8000
#define AP_STACK_SIZE	    16384
#define AP_START_TIMEOUT_MS 5000

struct cpu cpus[MAX_CPUS];
unsigned ncpus = 1;

extern char ap_trampoline_start[], ap_trampoline_end[];
extern uint64_t ap_slot_cr3, ap_slot_stack, ap_slot_entry;
extern uint64_t boot_pml4[512];
extern uint64_t boot_pdpt_low[512];
static uint8_t ap_boot_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
/*
 * The start-up gate. The BSP opens it for one AP at a time (ap_gate = the
 * index it gives that AP) and the AP, first thing in ap_main, claims it by
 * swapping in 0; at the deadline the BSP swaps in 0 itself. The swap is
 * the one decision: whoever finds the index there owns the outcome. So an
 * AP either joins under the index the BSP waits for (the BSP then waits
 * for the rest of its start-up without a deadline), or finds the gate shut
 * and parks for good; it never joins late, under an index the BSP has
 * given up on and handed to the next AP (two CPUs with one struct cpu,
 * kernel stack and TSS, and IPIs meant for one reaching the other: the
 * 'kernel lock taken twice' panics and lost wakeups seen under load). A
 * late AP may still be in the trampoline, reading its slots and page
 * table, so after a failure no other AP is started and the page table is
 * kept.
 */
static volatile unsigned ap_gate;
static volatile uint64_t bsp_tsc; /* the BSP's TSC, handed to a starting AP */
static volatile int tsc_phase;	  /* 1: AP waiting for bsp_tsc; 2: bsp_tsc written */

#define MSR_TSC 0x10

/* Make this AP's TSC agree with the BSP's (an AP's counter restarts at
 * INIT): the BSP reads its TSC and hands it over; the AP loads it. The
 * error is the handover's few hundred cycles. */
static void tsc_sync_ap(void)
{
	__atomic_store_n(&tsc_phase, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&tsc_phase, __ATOMIC_ACQUIRE) != 2)
		cpu_relax();
	wrmsr(MSR_TSC, bsp_tsc);
}

static void tsc_sync_bsp(void)
{
	while (__atomic_load_n(&tsc_phase, __ATOMIC_ACQUIRE) != 1)
		cpu_relax();
	bsp_tsc = rdtsc();
	__atomic_store_n(&tsc_phase, 2, __ATOMIC_RELEASE);
}

/* Bring up the bootstrap processor's per-CPU state (cpus[0]). */
void smp_init_bsp(void)
{
	cpus[0].id = 0;
	gdt_init(&cpus[0]);
	cpus[0].cr3 = read_cr3();
	cpus[0].started = true;
}

static void ap_main(void)
{
	unsigned idx = __atomic_exchange_n(&ap_gate, 0, __ATOMIC_ACQ_REL);
	if (idx == 0) /* too late: the BSP gave up on this CPU (ap_gate) */
		for (;;)
			__asm__ volatile("cli; hlt");
	struct cpu *c = &cpus[idx];
	tsc_sync_ap();
	write_cr3(pmap_kernel_root());
	gdt_init(c);
	idt_load();
	fpu_init();
	svm_cpu_init();
	lapic_init_cpu();
	c->cr3 = pmap_kernel_root();
	__atomic_store_n(&c->started, true, __ATOMIC_RELEASE);
	kernel_lock();
	schedule();
}

/* Slot in the trampoline copy at AP_BASE that corresponds to sym. */
static uint64_t *slot(uint64_t *sym)
{
	return phys_to_virt(AP_BASE + ((char *)sym - ap_trampoline_start));
}

/* Start every enabled CPU in the MADT other than this one. */
void smp_start_aps(const struct acpi_madt_info *madt)
{
	/* two linker symbols around one section: compare addresses, not pointers */
	size_t len = (size_t)((uintptr_t)ap_trampoline_end - (uintptr_t)ap_trampoline_start);
	memcpy(phys_to_virt(AP_BASE), ap_trampoline_start, len);
	/* A page table with the low identity map the trampoline needs. */
	uint64_t *pml4 = kalloc_page();
	if (!pml4)
		panic("no memory to start CPUs");
	memcpy(pml4, boot_pml4, PAGE_SIZE);
	pml4[0] = virt_to_phys(boot_pdpt_low) | 3;
	uint8_t me = lapic_id();
	for (unsigned i = 0; i < madt->ncpus && ncpus < MAX_CPUS; i++) {
		if (madt->apic_id[i] == me)
			continue;
		unsigned idx = ncpus;
		struct cpu *c = &cpus[idx];
		c->id = idx;
		c->apic_id = madt->apic_id[i];
		*slot(&ap_slot_cr3) = virt_to_phys(pml4);
		*slot(&ap_slot_stack) = (uint64_t)ap_boot_stacks[idx] + AP_STACK_SIZE;
		*slot(&ap_slot_entry) = (uint64_t)ap_main;
		tsc_phase = 0;
		__atomic_store_n(&ap_gate, idx, __ATOMIC_RELEASE);
		lapic_start_ap(c->apic_id, AP_BASE);
		uint64_t deadline = rdtsc() + tsc_hz / 1000 * AP_START_TIMEOUT_MS;
		while (__atomic_load_n(&ap_gate, __ATOMIC_ACQUIRE) == idx && rdtsc() < deadline)
			cpu_relax();
		if (__atomic_exchange_n(&ap_gate, 0, __ATOMIC_ACQ_REL) == idx) {
			kprintf("exo: CPU with APIC id %u did not start; starting no more CPUs\n",
				c->apic_id);
			return; /* keep pml4: that CPU may still be in the trampoline */
		}
		/* It claimed the gate: it is in ap_main and will finish. */
		tsc_sync_bsp();
		while (!__atomic_load_n(&c->started, __ATOMIC_ACQUIRE))
			cpu_relax();
		ncpus++;
	}
	kfree_page(pml4);
}

/* Flush this CPU's TLB if a shootdown asked for it. */
void tlb_flush_if_asked(void)
{
	struct cpu *c = this_cpu();
	if (__atomic_exchange_n(&c->tlb_flush, 0, __ATOMIC_ACQ_REL))
		write_cr3(read_cr3());
}

/*
 * Make every other CPU that has address space pml4 loaded drop its stale
 * translations, and wait until each has. Caller holds the kernel lock.
 */
void tlb_shootdown(uint64_t pml4)
{
	struct cpu *me = this_cpu();
	for (unsigned i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c == me || c->cr3 != pml4)
			continue;
		__atomic_store_n(&c->tlb_flush, 1, __ATOMIC_RELEASE);
		lapic_ipi(c->apic_id, T_IPI_TLB);
	}
	for (unsigned i = 0; i < ncpus; i++)
		while (__atomic_load_n(&cpus[i].tlb_flush, __ATOMIC_ACQUIRE))
			cpu_relax();
}

/* Wake idle CPUs so they look for work (something became runnable). */
void smp_kick_idle(void)
{
	struct cpu *me = this_cpu();
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != me && cpus[i].started && !cpus[i].env)
			lapic_ipi(cpus[i].apic_id, T_IPI_RESCHED);
}

/* Stop every other CPU (panic). */
void smp_halt_others(void)
{
	if (ncpus <= 1)
		return; /* also: too early for this_cpu() */
	struct cpu *me = this_cpu();
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != me && cpus[i].started)
			lapic_ipi(cpus[i].apic_id, T_IPI_HALT);
}
