/*
 * user_fault.c - faults in user programs are contained: the kernel
 * reports the fault with its address, kills the program and keeps
 * running the others.
 *
 * usage: user_fault pf|gp|ud|de|check
 *   pf, gp, ud, de  raise a page fault, general protection fault, invalid
 *                   opcode or divide error (the kernel kills us)
 *   check           run after the others: the kernel is alive and its
 *                   invariants hold after the killed programs were torn down
 */
#include <string.h>

#include "testlib.h"

int main(int argc, char **argv)
{
	CHECK(argc == 2);
	const char *k = argv[1];
	if (strcmp(k, "pf") == 0)
		*(volatile int *)0 = 1;
	else if (strcmp(k, "gp") == 0)
		__asm__ volatile("hlt"); /* privileged in ring 3 */
	else if (strcmp(k, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(k, "de") == 0) {
		unsigned zero = 0, one = 1;
		__asm__ volatile("xor %%edx, %%edx; divl %1" : "+a"(one) : "r"(zero) : "rdx");
	} else if (strcmp(k, "check") == 0) {
		CHECK_EQ(exo_invariant_check(), 0);
		test_pass();
	}
	printf("user_fault %s: still running after the fault\n", k);
	test_end(0);
}
