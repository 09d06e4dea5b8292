/*
 * boot.S - entry, exception stubs, probes and mode switches of the test
 * guests (tests/guests/README.md).
 *
 * The image is an ELF32 multiboot v1 kernel; the parts that run in 64-bit
 * mode are .code64 blocks inside it (addresses stay below 2 GiB, so every
 * absolute reference fits a 32-bit relocation; 64-bit code reaches data
 * RIP-relatively). Everything else is 32-bit code, which in long mode runs
 * in compatibility mode.
 */
#define SEL_KCODE32 0x08
#define SEL_KDATA   0x10
#define SEL_UCODE32 0x1B
#define SEL_UDATA   0x23
#define SEL_KCODE64 0x28
#define SEL_UCODE64 0x4B

	.section .multiboot, "a"
	.align 4
	/* magic, flags (page-align modules, memory info), checksum */
	.long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	mov $stack_top, %esp
	push %ebx		/* multiboot info */
	push %eax		/* magic */
	call lib_start		/* never returns */
1:	hlt
	jmp 1b

/* gdt_load(ptr): lgdt, then reload every segment register. */
	.globl gdt_load
gdt_load:
	mov 4(%esp), %eax
	lgdt (%eax)
	ljmp $SEL_KCODE32, $1f
1:	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	ret

/* ------------------------------------------------ 32-bit exception stubs */
	.align 16
	.globl trap32_stubs
trap32_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	push $0
	.endif
	push $vec
	jmp trap32_common
	.set vec, vec + 1
	.endr

trap32_common:
	pusha
	push %ds
	push %es
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	push %esp
	call trap32_c
	add $4, %esp
	pop %es
	pop %ds
	popa
	add $8, %esp
	iret

/* ------------------------------------------------ 64-bit exception stubs */
/*
 * In long mode no exception is resumed: the stub records vector, error
 * code, RIP, CS and CR2 in trap64_frame and IRETQs to trap64_compat, a
 * compatibility-mode entry on its own stack, which calls trap64_c (it
 * either ends a probe or fails the guest).
 */
	.align 16
	.globl trap64_stubs
trap64_stubs:
	.code64
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap64_common
	.set vec, vec + 1
	.endr

trap64_common:
	/* stack: vector, error, rip, cs, rflags, rsp, ss */
	push %rax
	mov 8(%rsp), %rax
	mov %rax, trap64_frame(%rip)
	mov 16(%rsp), %rax
	mov %rax, trap64_frame+8(%rip)
	mov 24(%rsp), %rax
	mov %rax, trap64_frame+16(%rip)
	mov 32(%rsp), %rax
	mov %rax, trap64_frame+24(%rip)
	mov %cr2, %rax
	mov %rax, trap64_frame+32(%rip)
	pop %rax
	mov %rax, trap64_frame+40(%rip)	/* rax of the trapping code */
	mov $trap_stack_top, %eax
	mov %rax, %rsp
	mov $SEL_KDATA, %eax
	push %rax		/* ss */
	mov $trap_stack_top, %eax
	push %rax		/* rsp */
	push $2			/* rflags: IF, AC clear */
	mov $SEL_KCODE32, %eax
	push %rax		/* cs */
	mov $trap64_compat, %eax
	push %rax		/* rip */
	iretq
	.code32
trap64_compat:
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	call trap64_c
1:	hlt
	jmp 1b

/* ------------------------------------------------ setjmp-like probe frame */
/* probe_setjmp(jb): 0 on the first return, val from probe_longjmp. */
	.globl probe_setjmp
probe_setjmp:
	mov 4(%esp), %eax
	mov %ebx, 0(%eax)
	mov %esi, 4(%eax)
	mov %edi, 8(%eax)
	mov %ebp, 12(%eax)
	lea 4(%esp), %ecx
	mov %ecx, 16(%eax)
	mov (%esp), %ecx
	mov %ecx, 20(%eax)
	xor %eax, %eax
	ret

/* probe_longjmp(jb, val): back to CPL 0 with flat segments, flags clear. */
	.globl probe_longjmp
probe_longjmp:
	mov 4(%esp), %edx
	mov 8(%esp), %eax
	mov $SEL_KDATA, %cx
	mov %cx, %ds
	mov %cx, %es
	mov %cx, %ss
	mov 0(%edx), %ebx
	mov 4(%edx), %esi
	mov 8(%edx), %edi
	mov 12(%edx), %ebp
	mov 16(%edx), %esp
	push $2
	popf
	jmp *20(%edx)

/* ------------------------------------------------ probe accesses */
/* probe_sup32(kind, va) -> byte read (kind 0), or 0. */
	.globl probe_sup32
probe_sup32:
	mov 4(%esp), %eax
	mov 8(%esp), %edx
	cmp $1, %eax
	je 1f
	cmp $2, %eax
	je 2f
	movzbl (%edx), %eax
	ret
1:	movb $0xC3, (%edx)
	xor %eax, %eax
	ret
2:	call *%edx
	xor %eax, %eax
	ret

/* probe_sup64(kind, va_lo, va_hi) -> byte read: the access as 64-bit code. */
	.globl probe_sup64
probe_sup64:
	push %ebx
	mov 8(%esp), %eax
	mov 12(%esp), %edx
	mov 16(%esp), %ecx
	ljmp $SEL_KCODE64, $1f
	.code64
1:	shl $32, %rcx
	mov %edx, %edx
	or %rcx, %rdx
	cmp $1, %eax
	je 2f
	cmp $2, %eax
	je 3f
	movzbl (%rdx), %eax
	jmp 4f
2:	movb $0xC3, (%rdx)
	xor %eax, %eax
	jmp 4f
3:	call *%rdx
	xor %eax, %eax
4:	mov %rax, %rbx
	mov $SEL_KCODE32, %eax
	push %rax
	lea 5f(%rip), %rax
	push %rax
	lretq
	.code32
5:	mov %ebx, %eax
	pop %ebx
	ret

/* enter_user32(kind, va): IRET to user_stub32 at CPL 3; never returns
 * (the stub ends with INT 0x80 or an exception). */
	.globl enter_user32
enter_user32:
	mov 4(%esp), %eax
	mov 8(%esp), %edx
	mov $SEL_UDATA, %cx
	mov %cx, %ds
	mov %cx, %es
	push $SEL_UDATA
	push $user_stack_top
	push $2
	push $SEL_UCODE32
	push $user_stub32
	iret

/* enter_user64(kind, va_lo, va_hi): IRETQ to user_stub64 at CPL 3. */
	.globl enter_user64
enter_user64:
	mov 4(%esp), %eax
	mov 8(%esp), %edx
	mov 12(%esp), %ecx
	ljmp $SEL_KCODE64, $1f
	.code64
1:	shl $32, %rcx
	mov %edx, %edx
	or %rcx, %rdx
	mov $SEL_UDATA, %ecx
	push %rcx
	mov $user_stack_top, %ecx
	push %rcx
	push $2
	mov $SEL_UCODE64, %ecx
	push %rcx
	mov $user_stub64, %ecx
	push %rcx
	iretq
	.code32

/* ------------------------------------------------ mode switches */
/* paging_disable(): CR0.PG off (32-bit or PAE paging, identity mapped). */
	.globl paging_disable
paging_disable:
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	jmp 1f
1:	ret

/* paging_enable(cr3, cr4): from paging off. */
	.globl paging_enable
paging_enable:
	mov 8(%esp), %eax
	mov %eax, %cr4
	mov 4(%esp), %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	jmp 1f
1:	ret

/* long_enter_asm(pml4, cr4, idt64_desc): paging off -> long mode
 * (compatibility mode), AMD APM vol. 2 §14.6.1. */
	.globl long_enter_asm
long_enter_asm:
	mov 8(%esp), %eax
	or $0x20, %eax		/* CR4.PAE */
	mov %eax, %cr4
	mov 4(%esp), %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax		/* EFER.LME */
	wrmsr
	mov 12(%esp), %eax
	lidt (%eax)
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0		/* EFER.LMA = 1: compatibility mode */
	jmp 1f
1:	ret

/* long_leave_asm(idt32_desc): compatibility mode -> protected mode, paging
 * off (APM vol. 2 §14.7). */
	.globl long_leave_asm
long_leave_asm:
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0		/* leaves long mode: LMA = 0 */
	jmp 1f
1:	mov $0xC0000080, %ecx
	rdmsr
	and $~0x100, %eax
	wrmsr
	mov 4(%esp), %eax
	lidt (%eax)
	ret

/* peek64_asm(va_lo, va_hi) -> the 64-bit value (edx:eax) read as 64-bit code. */
	.globl peek64_asm
peek64_asm:
	push %ebx
	mov 8(%esp), %edx
	mov 12(%esp), %ecx
	ljmp $SEL_KCODE64, $1f
	.code64
1:	shl $32, %rcx
	mov %edx, %edx
	or %rcx, %rdx
	mov (%rdx), %rbx
	mov %rbx, peek_value(%rip)
	mov $SEL_KCODE32, %eax
	push %rax
	lea 2f(%rip), %rax
	push %rax
	lretq
	.code32
2:	mov peek_value, %eax
	mov peek_value+4, %edx
	pop %ebx
	ret

/* poke64_asm(va_lo, va_hi, v_lo, v_hi) and invlpg64_asm(va_lo, va_hi). */
	.globl poke64_asm
poke64_asm:
	push %ebx
	push %esi
	mov 12(%esp), %edx
	mov 16(%esp), %ecx
	mov 20(%esp), %ebx
	mov 24(%esp), %esi
	ljmp $SEL_KCODE64, $1f
	.code64
1:	shl $32, %rcx
	mov %edx, %edx
	or %rcx, %rdx
	shl $32, %rsi
	mov %ebx, %ebx
	or %rsi, %rbx
	mov %rbx, (%rdx)
	mov $SEL_KCODE32, %eax
	push %rax
	lea 2f(%rip), %rax
	push %rax
	lretq
	.code32
2:	pop %esi
	pop %ebx
	ret

	.globl invlpg64_asm
invlpg64_asm:
	mov 4(%esp), %edx
	mov 8(%esp), %ecx
	ljmp $SEL_KCODE64, $1f
	.code64
1:	shl $32, %rcx
	mov %edx, %edx
	or %rcx, %rdx
	invlpg (%rdx)
	mov $SEL_KCODE32, %eax
	push %rax
	lea 2f(%rip), %rax
	push %rax
	lretq
	.code32
2:	ret

/* ------------------------------------------------ user-mode page */
/* The .user section is mapped as user pages in every identity map. */
	.section .user, "awx"
	.align 4096
	.globl user_stub32
user_stub32:
	cmp $1, %eax
	je 1f
	cmp $2, %eax
	je 2f
	movzbl (%edx), %eax
	int $0x80
1:	movb $0xC3, (%edx)
	int $0x80
2:	call *%edx
	int $0x80

	.globl user_stub64
user_stub64:
	.code64
	cmp $1, %eax
	je 1f
	cmp $2, %eax
	je 2f
	movzbl (%rdx), %eax
	int $0x80
1:	movb $0xC3, (%rdx)
	int $0x80
2:	call *%rdx
	int $0x80
	.code32

	.align 4096
	.space 4096
	.globl user_stack_top
user_stack_top:

	.bss
	.align 16
	.space 16384
	.globl stack_top
stack_top:
	.space 4096
	.globl trap_stack_top
trap_stack_top:
	.space 4096
	.globl ring0_stack_top
ring0_stack_top:
	.align 8
peek_value:
	.space 8
	.section .note.GNU-stack, "", @progbits
