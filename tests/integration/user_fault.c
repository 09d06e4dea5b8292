/*
 * user_fault.c - faults in user programs are contained: the kernel
 * reports the fault with its address, kills the program and keeps
 * running the others.
 *
 * usage: user_fault pf|gp|ud|de|uvpt|uframes|uenvs|kernel|check
 *   pf, gp, ud, de  raise a page fault, general protection fault, invalid
 *                   opcode or divide error (the kernel kills us)
 *   uvpt, uframes, uenvs
 *                   write into a read-only window: our own page tables, the
 *                   frame table, the env table (killed: protection fault)
 *   kernel          read kernel memory (killed)
 *   check           run after the others: the kernel is alive and its
 *                   invariants hold after the killed programs were torn
 *                   down; the windows show the right contents
 */
#include <string.h>

#include "testlib.h"

int main(int argc, char **argv);

/* The leaf PTE of va through the recursive window (upper levels present). */
static uint64_t pte_of(uint64_t va)
{
	return *(volatile uint64_t *)(EXO_UVPT + ((va >> 12) & 0xfffffffffULL) * 8);
}

static void check_windows(void)
{
	uint64_t text = pte_of((uint64_t)&main);
	CHECK(text & 1);      /* present */
	CHECK(!(text & 2));   /* text is not writable */
	CHECK(!(text >> 63)); /* and executable */
	int local = 0;
	uint64_t stack = pte_of((uint64_t)&local);
	CHECK((stack & 3) == 3 && (stack >> 63)); /* stack: writable, no-execute */
	uint64_t frame = (stack >> 12) & 0xffffffffffULL;
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	CHECK_EQ(ft[frame].owner, exo_env_id());
	CHECK_EQ(ft[frame].refs, 1);
	const struct exo_env_info *me =
		(const struct exo_env_info *)EXO_UENVS + (exo_env_id() & (EXO_NENV - 1));
	CHECK_EQ(me->id, exo_env_id());
	CHECK_EQ(me->status, EXO_ENV_RUNNABLE);
	CHECK(strcmp(me->name, "fault-check") == 0);
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	CHECK(frame < si->nframes);
	CHECK_EQ(si->nenv, EXO_NENV);
}

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
	} else if (strcmp(k, "uvpt") == 0) {
		*(volatile uint64_t *)(EXO_UVPT + 8 * (0x400000 >> 12)) = 0;
	} else if (strcmp(k, "uframes") == 0) {
		*(volatile uint32_t *)EXO_UFRAMES = 0;
	} else if (strcmp(k, "uenvs") == 0) {
		*(volatile uint32_t *)EXO_UENVS = 0;
	} else if (strcmp(k, "kernel") == 0) {
		printf("%lx\n", *(volatile uint64_t *)0xffffffff80100000ULL);
	} else if (strcmp(k, "check") == 0) {
		test_wait_alone(10000); /* the others run in parallel: let them die */
		check_windows();
		CHECK_EQ(exo_invariant_check(), 0);
		test_pass();
	}
	printf("user_fault %s: still running after the fault\n", k);
	test_end(0);
}
