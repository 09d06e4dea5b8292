/*
 * boot.S - from GRUB's 32-bit protected mode to the kernel's C entry in
 * long mode in the higher half.
 *
 * GRUB (Multiboot2 spec §3.3) enters _start32 with paging off, eax = the
 * magic 0x36d76289 and ebx = the physical address of the boot information.
 * We build page tables that map physical memory twice — identity for the
 * first 1 GiB (only until we jump high) and the direct map of 64 GiB at
 * KERNEL_PHYS_MAP; the kernel image at KERNEL_VBASE reuses the first 1 GiB
 * directory — enable PAE, long mode and NX (AMD APM vol. 2 §14.6), and call
 * kmain(magic, mbi_phys) on the boot stack.
 */
#define KERNEL_VBASE 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VBASE)
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define DIRECT_GIB 64

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* module alignment tag (§3.1.10): modules start on page boundaries,
	 * so a data module is whole frames a libOS can map */
	.word 6
	.word 0
	.long 8
	/* end tag */
	.word 0
	.word 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, %edi			/* magic, kept for kmain */
	movl %ebx, %esi			/* boot information */
	movl $PHYS(boot_stack_top), %esp

	/* Long mode available? (CPUID 0x80000001 EDX bit 29) */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* PD for the first 1 GiB: 512 x 2 MiB pages. */
	movl $PHYS(boot_pd0), %ebx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	/* Direct-map PDs: DIRECT_GIB directories of 2 MiB pages, contiguous. */
	movl $PHYS(boot_pd_direct), %ebx
	xorl %ecx, %ecx			/* 2 MiB page index */
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax			/* high 32 bits of index << 21 */
	movl %eax, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $(DIRECT_GIB * 512), %ecx
	jne 2b

	/* Direct-map PDPT: entry i -> boot_pd_direct + i * 4096. */
	movl $PHYS(boot_pdpt_direct), %ebx
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $12, %eax
	addl $(PHYS(boot_pd_direct) + PTE_P + PTE_W), %eax
	movl %eax, (%ebx, %ecx, 8)
	incl %ecx
	cmpl $DIRECT_GIB, %ecx
	jne 3b

	/* Low PDPT[0] and kernel PDPT[510] -> boot_pd0. */
	movl $(PHYS(boot_pd0) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pdpt_low)
	movl %eax, PHYS(boot_pdpt_kernel) + 510 * 8

	/* PML4: [0] identity, [256] direct map, [511] kernel image. */
	movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4)
	movl $(PHYS(boot_pdpt_direct) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4) + 256 * 8
	movl $(PHYS(boot_pdpt_kernel) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4) + 511 * 8

	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax	/* LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $start64_low

no_long_mode:
	/* Say so on COM1 (already initialised by the firmware) and stop. */
	movl $no_lm_msg, %esi
4:	lodsb
	testb %al, %al
	jz 5f
	movw $0x3f8, %dx
	outb %al, %dx
	jmp 4b
5:	hlt
	jmp 5b

	.code64
start64_low:
	movabsq $start64, %rax
	jmp *%rax

	.section .boot.data, "a"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000	/* 0x08: kernel code, 64-bit */
	.quad 0x0000920000000000	/* 0x10: kernel data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt
no_lm_msg:
	.asciz "exo: this CPU has no long mode; halting\r\n"

	.text
start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	/* edi = magic, esi = mbi physical address (zero-extended by movl) */
	movl %edi, %edi
	movl %esi, %esi
	call kmain
6:	cli
	hlt
	jmp 6b

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:		.skip 4096
	.globl boot_pdpt_low
boot_pdpt_low:		.skip 4096
boot_pdpt_kernel:	.skip 4096
boot_pdpt_direct:	.skip 4096
boot_pd0:		.skip 4096
boot_pd_direct:		.skip 4096 * DIRECT_GIB
	.globl boot_stack, boot_stack_top
boot_stack:		.skip 16384
boot_stack_top:
