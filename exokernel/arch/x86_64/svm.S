/*
 * svm.S - one trip into a guest (AMD APM vol. 2 §15.5, §15.17).
 *
 * void svm_vmrun(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_pa)
 *
 * Called with interrupts off and without the kernel lock. Saves the host
 * state VMRUN does not (FS, GS, KernelGSBase, STAR..SFMASK, SYSENTER, TR,
 * LDTR) with VMSAVE, loads the guest's general registers from gpr[16]
 * (all but rax and rsp, which the VMCB holds), and with the global
 * interrupt flag clear loads the guest's VMLOAD state and runs it. Host
 * interrupts are enabled (sti) before VMRUN: with GIF clear they wait, and
 * inside the guest they cause #VMEXIT(INTR), since every guest intercepts
 * them; GIF comes back only after the host's GS is restored, and then
 * with interrupts off again, so the pending interrupt is taken on the way
 * back to ring 3. Returns after the #VMEXIT with gpr[] holding the guest's
 * registers.
 */


	.text
	.globl svm_vmrun
	.type svm_vmrun, @function
svm_vmrun:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rsi		/* 16(%rsp): gpr */
	push %rdx		/* 8(%rsp): host save area */
	push %rdi		/* 0(%rsp): VMCB */
	mov %rdx, %rax
	vmsave
	mov %rsi, %rax
	mov 8*1(%rax), %rcx
	mov 8*2(%rax), %rdx
	mov 8*3(%rax), %rbx
	mov 8*5(%rax), %rbp
	mov 8*6(%rax), %rsi
	mov 8*7(%rax), %rdi
	mov 8*8(%rax), %r8
	mov 8*9(%rax), %r9
	mov 8*10(%rax), %r10
	mov 8*11(%rax), %r11
	mov 8*12(%rax), %r12
	mov 8*13(%rax), %r13
	mov 8*14(%rax), %r14
	mov 8*15(%rax), %r15
	mov 0(%rsp), %rax
	clgi
	sti
	vmload
	vmrun
	vmsave
	mov 16(%rsp), %rax
	mov %rcx, 8*1(%rax)
	mov %rdx, 8*2(%rax)
	mov %rbx, 8*3(%rax)
	mov %rbp, 8*5(%rax)
	mov %rsi, 8*6(%rax)
	mov %rdi, 8*7(%rax)
	mov %r8, 8*8(%rax)
	mov %r9, 8*9(%rax)
	mov %r10, 8*10(%rax)
	mov %r11, 8*11(%rax)
	mov %r12, 8*12(%rax)
	mov %r13, 8*13(%rax)
	mov %r14, 8*14(%rax)
	mov %r15, 8*15(%rax)
	mov 8(%rsp), %rax
	vmload
	cli
	stgi
	add $24, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size svm_vmrun, . - svm_vmrun
