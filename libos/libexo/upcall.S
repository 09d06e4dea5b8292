/*
 * upcall.S - where the kernel enters an environment for an upcall, and how
 * libexo returns from one without entering the kernel (Aegis: exceptions
 * and protected control transfers are dispatched and resumed at user level).
 *
 * The kernel pushes a struct exo_upcall_frame (exo/types.h, 176 bytes) on
 * the registered stack and jumps to the entry with rsp = that frame, 16-byte
 * aligned. It saves no x87/SSE state, so each entry FXSAVEs the interrupted
 * state below the frame before calling C and FXRSTORs it afterwards.
 */

/* struct exo_upcall_frame offsets (exo/types.h asserts rip and rax). */
#define UF_RIP 24
#define UF_RSP 32
#define UF_RFLAGS 40
#define UF_RAX 48
#define UF_RBX 56
#define UF_END 168	/* just past r15: the reserved word */
/* struct pct_slot (pct.c): the message, then four reply words. */
#define PCT_SLOT 96

/* The psABI's clean MXCSR for C code (all exceptions masked, round to nearest). */
	.section .rodata
	.balign	4
clean_mxcsr:
	.long	0x1f80

	.text

/*
 * exo_exception_entry: rsp = rdi = the frame. Calls
 * exo_dispatch_exception(frame), which returns only if a handler dealt
 * with the exception, then resumes the frame.
 */
	.globl	exo_exception_entry
	.type	exo_exception_entry, @function
exo_exception_entry:
	.cfi_startproc
	.cfi_undefined rip		/* an upcall: nothing to unwind into */
	movq	%rdi, %rbx		/* callee-saved: the frame survives the call */
	subq	$512, %rsp		/* FXSAVE area: 512 bytes, 16-aligned */
	fxsave64 (%rsp)
	cld				/* psABI: DF clear at calls; the interrupted code may have set it */
	fninit
	ldmxcsr	clean_mxcsr(%rip)
	call	exo_dispatch_exception	/* rsp is 16-aligned here */
	fxrstor64 (%rsp)
	movq	%rbx, %rdi
	jmp	exo_upcall_resume
	.cfi_endproc
	.size	exo_exception_entry, . - exo_exception_entry

/*
 * exo_revoke_entry: the same, for the revocation upcall: calls
 * exo_dispatch_revoke(frame), then resumes the frame.
 */
	.globl	exo_revoke_entry
	.type	exo_revoke_entry, @function
exo_revoke_entry:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rdi, %rbx
	subq	$512, %rsp
	fxsave64 (%rsp)
	cld
	fninit
	ldmxcsr	clean_mxcsr(%rip)
	call	exo_dispatch_revoke
	fxrstor64 (%rsp)
	movq	%rbx, %rdi
	jmp	exo_upcall_resume
	.cfi_endproc
	.size	exo_revoke_entry, . - exo_revoke_entry

/*
 * exo_pct_entry: rsp = the frame of the interrupted context; rdi = sender,
 * rsi, rdx, rcx, r8 = w0..w3, r9 = grant word, rax = flags. Builds a
 * struct pct_slot (pct.c: the struct exo_pct_msg of libexo.h, then four
 * reply words; 96 bytes) below the frame and calls exo_dispatch_pct(slot),
 * which runs the handler and leaves the answer (the handler's, or the
 * default) in the reply words. The reply is the last act: exo_pct_reply
 * (call 26) hands the CPU to a synchronous caller at once, and this
 * context resumes its frame whenever it next runs (pct_tail).
 *
 * If the PCT interrupted another one at pct_tail, that context has nothing
 * left to do but resume its own frame, whose address is its rbx: the new
 * PCT takes over that frame and that stack space instead of nesting below
 * it, so a client calling in a tight loop does not fill the PCT stack.
 */
	.globl	exo_pct_entry
	.type	exo_pct_entry, @function
exo_pct_entry:
	.cfi_startproc
	.cfi_undefined rip
	leaq	pct_tail(%rip), %r11	/* r11 carries no message word */
	cmpq	%r11, UF_RIP(%rsp)
	jne	1f
	movq	UF_RBX(%rsp), %rsp	/* the earlier PCT's frame: ours to resume now */
1:	movq	%rsp, %rbx		/* the frame, resumed at the end */
	subq	$PCT_SLOT, %rsp
	movq	%rdi, 0(%rsp)		/* sender */
	movq	%rsi, 8(%rsp)		/* w[0] */
	movq	%rdx, 16(%rsp)		/* w[1] */
	movq	%rcx, 24(%rsp)		/* w[2] */
	movq	%r8, 32(%rsp)		/* w[3] */
	movq	%r9, 40(%rsp)		/* grant */
	movq	%rax, 48(%rsp)		/* flags */
	movq	%rbx, 56(%rsp)		/* frame */
	movq	%rsp, %r12
	subq	$512, %rsp
	fxsave64 (%rsp)
	cld
	fninit
	ldmxcsr	clean_mxcsr(%rip)
	movq	%r12, %rdi
	call	exo_dispatch_pct
	fxrstor64 (%rsp)
	movq	64(%r12), %rdi		/* the reply words */
	movq	72(%r12), %rsi
	movq	80(%r12), %rdx
	movq	88(%r12), %r10
	movl	$26, %eax		/* exo_pct_reply, exo/abi.h */
	syscall
pct_tail:				/* rbx = the frame (SYSCALL keeps rbx) */
	movq	%rbx, %rdi
	jmp	exo_upcall_resume
	.cfi_endproc
	.size	exo_pct_entry, . - exo_pct_entry

/*
 * void exo_upcall_resume(const struct exo_upcall_frame *f): noreturn.
 *
 * Store f->rip at f->rsp - 8 (this write may itself take a fault, e.g. a
 * COW stack page: that upcall nests below f, which is still intact), keep
 * f->rsp - 8 in f's rsp slot, then restore rflags and the general
 * registers straight off the frame and switch stacks. After popfq nothing
 * may change flags: only pop, mov and ret follow.
 */
	.globl	exo_upcall_resume
	.type	exo_upcall_resume, @function
exo_upcall_resume:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rdi, %rsp		/* the frame is now our stack */
	movq	UF_RSP(%rsp), %rax
	subq	$8, %rax
	movq	UF_RIP(%rsp), %rcx
	movq	%rcx, (%rax)		/* return address for the final ret */
	movq	%rax, UF_RSP(%rsp)
	leaq	UF_RFLAGS(%rsp), %rsp
	popfq
	popq	%rax			/* rsp = frame + UF_RAX + 8 from here on */
	popq	%rbx
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rbp
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15			/* rsp = frame + UF_END (the reserved word) */
	movq	(UF_RSP - UF_END)(%rsp), %rsp
	ret
	.cfi_endproc
	.size	exo_upcall_resume, . - exo_upcall_resume

	.section .note.GNU-stack, "", @progbits
