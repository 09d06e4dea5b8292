/*
 * vectors.S - interrupt and exception entry, and the return to a trap frame.
 *
 * Each of the 256 IDT vectors has a stub that pushes a zero error code when
 * the CPU does not push one (AMD APM vol. 2 §8.2), then the vector number,
 * and jumps to trap_common, which saves the general registers into a
 * struct trapframe (cpu.h) and calls trap(tf). Entries from ring 3 swap GS
 * so %gs:0 is this CPU's struct cpu.
 */
#include "arch/x86_64/asm.h"

	.text
	.altmacro
	.macro vector n
	.balign 16
vector_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
	.endm

	.globl vector_table_start
vector_table_start:
	.set i, 0
	.rept 256
	vector %i
	.set i, i + 1
	.endr

trap_common:
	cld				/* ring 3 may have left DF set; C expects it clear */
	testb $3, 24(%rsp)		/* cs of the interrupted context */
	jz 1f
	swapgs
1:	PUSH_GPRS
	movq %rsp, %rdi
	xorl %ebp, %ebp			/* backtraces stop here */
	call trap
	/* trap() returns only for a kernel-mode trap it handled. */
	movq %rsp, %rdi
	jmp trap_return

/*
 * trap_return(tf): restore the registers of *tf and iretq to it. tf may be
 * anywhere in kernel memory; it is copied onto the current stack first.
 */
	.globl trap_return
trap_return:
	movq %rdi, %rsi
	subq $TF_SIZE, %rsp
	andq $-16, %rsp
	movq %rsp, %rdi
	movl $(TF_SIZE / 8), %ecx
	rep movsq
	POP_GPRS
	addq $16, %rsp			/* vector, error */
	testb $3, 8(%rsp)
	jz 2f
	swapgs
2:	iretq
