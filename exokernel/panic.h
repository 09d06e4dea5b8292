/* panic.h - kernel panic with registers and a symbolized backtrace. */
#ifndef PANIC_H
#define PANIC_H

#include "arch/x86_64/cpu.h"

void panic_tf(const struct trapframe *tf, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
const char *trap_name(uint64_t vector);
/* Name of the kernel function containing addr, and the offset into it. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
