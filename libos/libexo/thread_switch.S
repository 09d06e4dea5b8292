/*
 * thread_switch.S - the context switch of libexo's cooperative threads
 * (thread.c).
 *
 * A switch is a function call, so only what the System V AMD64 ABI
 * (§3.2.1, §3.2.3) makes callee-saved must survive it: rbx, rbp, r12-r15,
 * rsp, the MXCSR control bits and the x87 control word. They are pushed on
 * the old thread's stack; its rsp is stored, the new one's loaded, and the
 * same layout popped:
 *
 *     rsp ->  +0 MXCSR (4)  +4 x87 CW (2)  pad to 16
 *            +16 r15  +24 r14  +32 r13  +40 r12  +48 rbx  +56 rbp  +64 return rip
 *
 * thread.c builds this layout on a new stack with the return rip pointing
 * at exo_thread_start, r12 = fn and r13 = arg.
 */
	.text

/* void exo_thread_switch(uint64_t *save_rsp, uint64_t new_rsp) */
	.globl	exo_thread_switch
	.type	exo_thread_switch, @function
exo_thread_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$16, %rsp
	stmxcsr	0(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr	0(%rsp)
	fldcw	4(%rsp)
	addq	$16, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	exo_thread_switch, . - exo_thread_switch

/* First code of a new thread: fn(arg), then exo_thread_exit. rsp is
 * 16-byte aligned here (thread.c), as the call requires. */
	.globl	exo_thread_start
	.type	exo_thread_start, @function
exo_thread_start:
	.cfi_startproc
	.cfi_undefined rip		/* the first frame of the thread */
	movq	%r13, %rdi
	call	*%r12
	call	exo_thread_exit
	ud2
	.cfi_endproc
	.size	exo_thread_start, . - exo_thread_start

	.section .note.GNU-stack, "", @progbits
