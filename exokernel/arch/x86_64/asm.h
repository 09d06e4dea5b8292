/*
 * asm.h - macros shared by the assembly entry paths; the register order
 * must match struct trapframe in cpu.h.
 */
/* Assembler macros: not C. */
/* clang-format off */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H

#define TF_SIZE (22 * 8)
#define TF_RAX (14 * 8)
#define TF_RIP (17 * 8)

.macro PUSH_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

#endif
