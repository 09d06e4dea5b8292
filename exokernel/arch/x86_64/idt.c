/*
 * idt.c - the interrupt descriptor table: 256 interrupt gates pointing at
 * the stubs in vectors.S. Every gate clears IF on entry; #BP may be raised
 * from ring 3 (int3); #DF, NMI and #MC run on their own IST stacks.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));
_Static_assert(sizeof(struct gate) == 16, "IDT gate (AMD APM vol. 2 §4.8.4)");

static struct gate idt[256] __attribute__((aligned(16)));
extern char vector_table_start[];

#define VECTOR_STUB_SIZE 16

void idt_init(void)
{
	for (int i = 0; i < 256; i++) {
		uint64_t off = (uint64_t)vector_table_start + (uint64_t)i * VECTOR_STUB_SIZE;
		uint8_t dpl = (i == T_BP) ? 3 : 0;
		uint8_t ist = (i == T_DF) ? 1 : (i == T_NMI || i == T_MC) ? 2 : 0;
		idt[i] = (struct gate){
			.off_lo = off & 0xffff,
			.sel = GDT_KERNEL_CS,
			.ist = ist,
			.type = 0x8e | (dpl << 5), /* present, 64-bit interrupt gate */
			.off_mid = (off >> 16) & 0xffff,
			.off_hi = off >> 32,
		};
	}
	idt_load();
}

/* Load the IDT on this CPU. */
void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(p));
}
