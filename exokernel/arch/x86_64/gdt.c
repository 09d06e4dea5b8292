/*
 * gdt.c - global descriptor table and task state segment.
 *
 * Long mode ignores most of segmentation; the GDT exists for the code and
 * stack selectors of ring 0 and ring 3 (fixed in order by SYSCALL/SYSRET,
 * see cpu.h) and the TSS, which names the stack the CPU switches to on an
 * interrupt from ring 3 (RSP0) and the separate stacks for double faults
 * and NMIs (IST1, IST2), so a kernel stack overflow still reaches panic().
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout (AMD APM vol. 2 §12.2.5)");

#define IST_STACK_SIZE 8192

#define KSTACK_SIZE 16384

/* One of each per CPU. */
static uint64_t gdts[MAX_CPUS][8] __attribute__((aligned(16)));
static struct tss tsss[MAX_CPUS] __attribute__((aligned(16)));
static uint8_t ist_stacks[MAX_CPUS][2][IST_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t kstacks[MAX_CPUS][KSTACK_SIZE] __attribute__((aligned(16)));

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/*
 * Load CPU c's GDT and TSS on this CPU, point GS at c, and set up the
 * SYSCALL MSRs. c->id selects c's kernel stack (interrupts and calls from
 * ring 3 arrive on it) and its IST stacks.
 */
void gdt_init(struct cpu *c)
{
	uint64_t *gdt = gdts[c->id];
	struct tss *tss = &tsss[c->id];
	uint64_t kstack_top = (uint64_t)kstacks[c->id] + KSTACK_SIZE;
	gdt[0] = 0;
	gdt[GDT_KERNEL_CS / 8] = 0x00209a0000000000ull;
	gdt[GDT_KERNEL_DS / 8] = 0x0000920000000000ull;
	gdt[GDT_USER32_CS / 8] = 0; /* unused: no 32-bit user code */
	gdt[GDT_USER_DS / 8] = 0x0000f20000000000ull;
	gdt[GDT_USER_CS / 8] = 0x0020fa0000000000ull;

	tss->rsp[0] = kstack_top;
	tss->ist[0] = (uint64_t)ist_stacks[c->id][0] + IST_STACK_SIZE;
	tss->ist[1] = (uint64_t)ist_stacks[c->id][1] + IST_STACK_SIZE;
	tss->iomap_base = sizeof(*tss); /* no I/O permission bitmap: ring 3 has no ports */
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
	gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
			   (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;

	struct descriptor_ptr p = { sizeof(gdts[0]) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n"
			 "mov %1, %%ds\n"
			 "mov %1, %%es\n"
			 "mov %1, %%ss\n"
			 "pushq %2\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1:\n"
			 "ltr %w3\n"
			 :
			 : "m"(p), "r"((uint64_t)GDT_KERNEL_DS), "i"(GDT_KERNEL_CS), "r"(GDT_TSS)
			 : "rax", "memory");

	c->self = c;
	c->kstack_top = kstack_top;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	/* SYSCALL/SYSRET (AMD APM vol. 2 §6.1.1): clear IF, DF, TF, AC on entry. */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, ((uint64_t)GDT_USER32_CS << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, (1u << 9) | (1u << 10) | (1u << 8) | (1u << 18));
}
