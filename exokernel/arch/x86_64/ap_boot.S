/*
 * ap_boot.S - where an application processor starts: the STARTUP IPI
 * enters this code in real mode at AP_BASE (it is copied there), and it
 * climbs to long mode the way boot.S does, on the page table, stack and
 * C entry that smp.c writes into the data slots at its end.
 */
#define AP_BASE 0x8000
#define REL(x) (AP_BASE + (x) - ap_trampoline_start)

	.section .rodata
	.balign 16
	.globl ap_trampoline_start, ap_trampoline_end
	.globl ap_slot_cr3, ap_slot_stack, ap_slot_entry
	.code16
ap_trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl REL(ap_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $REL(ap32)

	.code32
ap32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl REL(ap_slot_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER: LME, NXE */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	movl %eax, %cr0
	ljmpl $0x18, $REL(ap64)

	.code64
ap64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq REL(ap_slot_stack), %rsp
	movq REL(ap_slot_entry), %rax
	xorl %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00209a0000000000	/* 0x18: 64-bit code */
ap_gdt_ptr:
	.word ap_gdt_ptr - ap_gdt - 1
	.long REL(ap_gdt)
	.balign 8
ap_slot_cr3:	.quad 0
ap_slot_stack:	.quad 0
ap_slot_entry:	.quad 0
ap_trampoline_end:
