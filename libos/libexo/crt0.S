/*
 * crt0.S - process entry for every user program.
 *
 * The kernel starts a program at _start in ring 3 with every register zero
 * except rsp, which is 16-byte aligned and points at
 *
 *     argc | argv[0] ... argv[argc-1] | NULL | envp[0] ... | NULL | auxv ... | AT_NULL
 *
 * (the System V x86-64 psABI §3.4.1 layout). A loader may instead put
 * that block elsewhere (unixd puts it at UNIX_ARGS_VA, where long argument
 * lists fit) and pass the stack top in r12. _start hands argc, argv and
 * envp to __libexo_start (start.c), which runs the C start-up and never
 * returns. The auxv is not used yet.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip		/* outermost frame: debuggers stop unwinding here */
	xorl	%ebp, %ebp
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	leaq	8(%rsi,%rdi,8), %rdx	/* envp = &argv[argc + 1] */
	testq	%r12, %r12		/* a loader that put the block elsewhere */
	jz	1f
	movq	%r12, %rsp		/* gives the stack top in r12 */
1:	andq	$-16, %rsp		/* psABI: 16-byte aligned at the call */
	call	__libexo_start
	/* Not reached: __libexo_start ends in exit(). Should it ever return,
	 * destroy the environment rather than run off the end. */
	call	__libexo_halt
	ud2
	.cfi_endproc
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
