/*
 * vmloop.h - the CPU-bound loop of the VMM rows (docs/performance.md),
 * shared by the bench guest (bench/guest/vmbench.c, 32-bit code in a VM)
 * and bench/vmguest.c (64-bit code in a process: ours outside any VM, and
 * Linux), so that both run the same instructions, byte for byte: only
 * eax, ecx, edx and 32-bit immediates, which need no REX prefix in 64-bit
 * code (and "sub $1" rather than "dec", whose short form is a REX prefix
 * in 64-bit mode).
 */
#ifndef VMLOOP_H
#define VMLOOP_H

#include <stdint.h>

/*
 * Run n (>= 1) iterations of register-only arithmetic: one step of a
 * linear congruential generator and a rotate-xor into a second register
 * (six instructions, one taken branch, no memory access). Returns a value
 * that depends on every iteration, so the caller can print it.
 */
static inline uint32_t vmloop_run(uint32_t n, uint32_t seed)
{
	uint32_t a = seed, d = 0;

	__asm__ volatile("1:\n\t"
			 "imul $1103515245, %%eax, %%eax\n\t"
			 "add $12345, %%eax\n\t"
			 "xor %%eax, %%edx\n\t"
			 "rol $5, %%edx\n\t"
			 "sub $1, %%ecx\n\t"
			 "jnz 1b"
			 : "+a"(a), "+d"(d), "+c"(n)
			 :
			 : "cc");
	return a ^ d;
}

#endif
