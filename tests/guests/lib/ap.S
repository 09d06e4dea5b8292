/*
 * ap.S - the real-mode start of an application processor (Intel SDM vol.
 * 3A §8.4.4, MP initialisation; MP spec 1.4 §B.4).
 *
 * An AP woken by INIT-SIPI-SIPI starts in real mode at CS = vector << 8,
 * IP = 0. ap_prepare() (trap.c) copies the code between ap_tramp_start and
 * ap_tramp_end to AP_TRAMPOLINE (0x8000, SIPI vector 0x08), so everything
 * in it is addressed relative to that page: it loads its own three-entry
 * GDT (flat code 0x08, data 0x10: the lib's selectors), turns on CR0.PE
 * (and clears CD/NW, set after INIT), and jumps to ap_start32 in the image,
 * which takes the stack from ap_boot_stack and calls ap_start_c().
 * One AP at a time: the next one may be started once this one is in C.
 */
#define SEL_KCODE32   0x08
#define SEL_KDATA     0x10
#define AP_TRAMPOLINE 0x8000
#define T(x)	      ((x) - ap_tramp_start)

	.text
	.code16
	.globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl T(tramp_gdt_desc)
	mov %cr0, %eax
	and $0x9FFFFFFF, %eax	/* CD, NW off */
	or $1, %eax		/* PE */
	mov %eax, %cr0
	ljmpl $SEL_KCODE32, $(AP_TRAMPOLINE + T(1f))
	.code32
1:	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	mov $ap_start32, %eax
	jmp *%eax
	.align 8
tramp_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF	/* 0x08: code, flat, 32-bit */
	.quad 0x00CF92000000FFFF	/* 0x10: data, flat */
tramp_gdt_desc:
	.word 3 * 8 - 1
	.long AP_TRAMPOLINE + T(tramp_gdt)
ap_tramp_end:

/* In the image: the AP's own stack, then C (which never returns). */
ap_start32:
	mov ap_boot_stack, %esp
	xor %ebp, %ebp
	call ap_start_c
1:	cli
	hlt
	jmp 1b
	.section .note.GNU-stack, "", @progbits
