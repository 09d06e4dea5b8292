/*
 * syscall.S - the SYSCALL entry point (AMD APM vol. 2 §6.1.1).
 *
 * SYSCALL leaves the user rip in rcx and rflags in r11, and does not switch
 * stacks. We swap GS to reach this CPU's struct cpu, switch to its kernel
 * stack, and build a struct trapframe shaped like an interrupt's (vector
 * T_SYSCALL_FRAME = 0x80 marks it), so one restore path serves both.
 * Interrupts stay disabled (SFMASK clears IF) for the whole kernel entry.
 */
#include "arch/x86_64/asm.h"
#include "arch/x86_64/cpu.h"

	.text
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_OFF_USER_RSP
	movq %gs:CPU_OFF_KSTACK, %rsp
	pushq $USER_DS			/* ss */
	pushq %gs:CPU_OFF_USER_RSP	/* rsp */
	pushq %r11			/* rflags */
	pushq $USER_CS			/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error */
	pushq $T_SYSCALL_FRAME
	PUSH_GPRS
	movq %rsp, %rdi
	xorl %ebp, %ebp
	call syscall_trap
	/* syscall_trap never returns: it resumes an environment. */
	ud2
