/*
 * env_calls.c - building and running a child environment by hand with the
 * raw calls (exofork style): create it with a kernel-memory quota, share
 * our text with it, give it a stack and a page to report through, set its
 * registers, make it runnable, and see it run and destroy itself. Also the
 * checks on registers, status, entry points, quotas and rights.
 */
#include <string.h>

#include "testlib.h"

#define SHARED_VA 0x50000000ULL
#define STACK_VA  0x51000000ULL
#define RW	  (EXO_PERM_R | EXO_PERM_W)

extern char __executable_start[], etext[];

/* Runs in the child: only its stack, the shared page and our text exist. */
static void __attribute__((noinline, used)) child_main(volatile uint64_t *shared)
{
	shared[1] = (uint64_t)exo_env_id();
	shared[0] = 42;
	exo_env_destroy(EXO_ENV_SELF);
	for (;;)
		;
}

static const struct exo_env_info *info(uint32_t id)
{
	return (const struct exo_env_info *)EXO_UENVS + (id & (EXO_NENV - 1));
}

static uint64_t frame_of(uint64_t va)
{
	return (*(volatile uint64_t *)(EXO_UVPT + ((va >> 12) & 0xfffffffffULL) * 8) >> 12) &
	       0xffffffffffULL;
}

static void run_child(void)
{
	uint32_t me = (uint32_t)exo_env_id();
	long c = exo_env_create(1 << 20);
	CHECK(c > 0);
	CHECK_EQ(info(c)->parent, me);
	CHECK_EQ(info(c)->status, EXO_ENV_NOT_RUNNABLE);
	CHECK_EQ(info(c)->rights, 0);
	CHECK_EQ(info(c)->kmem_limit, 1 << 20);

	/* Our text, shared read+execute: the child gets implicit grants. */
	for (uint64_t va = (uint64_t)__executable_start & ~4095ULL; va < (uint64_t)etext;
	     va += 4096)
		CHECK_EQ(exo_page_map(c, va, frame_of(va), EXO_PERM_R | EXO_PERM_X), 0);
	long shared = exo_frame_alloc(EXO_FRAME_ANY, 0), stack = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(shared > 0 && stack > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SHARED_VA, shared, RW), 0);
	volatile uint64_t *s = (uint64_t *)SHARED_VA;
	s[0] = s[1] = 0;
	CHECK_EQ(exo_page_map(c, SHARED_VA, shared, RW), 0);
	CHECK_EQ(exo_frame_transfer(stack, c), 0); /* the child's own stack frame */
	CHECK_EQ(exo_page_map(c, STACK_VA, stack, RW), -EXO_EPERM); /* not ours any more */
	CHECK_EQ(((const struct exo_frame_info *)EXO_UFRAMES)[stack].owner, c);

	/* A stack the child owns must be mapped by someone allowed: the child
	 * itself cannot run yet, so we take a fresh frame of ours instead. */
	long stack2 = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK_EQ(exo_page_map(c, STACK_VA, stack2, RW), 0);

	struct exo_regs r = { 0 };
	r.rip = (uint64_t)child_main;
	r.rsp = STACK_VA + 4096 - 8;
	r.rdi = SHARED_VA;
	r.rflags = 0;
	CHECK_EQ(exo_env_set_regs(c, &r), 0);
	struct exo_regs back;
	CHECK_EQ(exo_env_get_regs(c, &back), 0);
	CHECK_EQ(back.rip, (uint64_t)child_main);
	CHECK_EQ(back.rdi, SHARED_VA);
	CHECK_EQ(back.rflags, 0x202); /* IF forced on */

	CHECK_EQ(exo_env_set_status(c, EXO_ENV_RUNNABLE), 0);
	/* It runs (on this CPU after a yield, or on the other one) and
	 * destroys itself: wait for its row in the env table to clear. */
	for (int i = 0; i < 60000 && info(c)->id == (uint32_t)c; i++) {
		exo_yield(c);
		test_sleep_us(1000);
	}
	CHECK_EQ(s[0], 42);
	CHECK_EQ(s[1], (uint64_t)c);
	CHECK_EQ(info(c)->id, 0); /* it destroyed itself */
	CHECK_EQ(exo_env_destroy(c), -EXO_EBADENV);
	/* The stack frame we transferred went with it; ours came back free. */
	CHECK_EQ(((const struct exo_frame_info *)EXO_UFRAMES)[stack].owner, 0);
	CHECK_EQ(((const struct exo_frame_info *)EXO_UFRAMES)[shared].grants, 0);
	CHECK_EQ(exo_frame_free(stack2), 0);
	CHECK_EQ(exo_invariant_check(), 0);
}

static void bad_arguments(void)
{
	const struct exo_env_info *me = info(exo_env_id());
	CHECK_EQ(exo_env_create(4096), -EXO_EINVAL);	   /* below the minimum */
	CHECK_EQ(exo_env_create(1ULL << 41), -EXO_EINVAL); /* absurd */
	CHECK_EQ(exo_env_create(me->kmem_limit - me->kmem_used + 4096), -EXO_ENOMEM);

	CHECK_EQ(exo_env_create(16 * 1024), -EXO_EINVAL); /* below the minimum */
	long c = exo_env_create(24 * 1024);
	CHECK(c > 0);
	struct exo_regs r = { 0 };
	r.rip = 0xffffffff80100000ULL;
	CHECK_EQ(exo_env_set_regs(c, &r), -EXO_EINVAL); /* kernel rip */
	r.rip = 0x400000;
	r.fs_base = 0x0000800000000000ULL;
	CHECK_EQ(exo_env_set_regs(c, &r), -EXO_EINVAL); /* non-canonical fs base */
	CHECK_EQ(exo_env_set_regs(EXO_ENV_SELF, &r), -EXO_EINVAL);
	CHECK_EQ(exo_env_set_regs(c, (struct exo_regs *)0xffffffff80100000ULL), -EXO_EFAULT);
	CHECK_EQ(exo_env_get_regs(c, (struct exo_regs *)0x1000), -EXO_EFAULT);
	CHECK_EQ(exo_env_set_status(c, 7), -EXO_EINVAL);
	CHECK_EQ(exo_env_set_entry(c, EXO_NENTRIES, 0x400000, 0x10000), -EXO_EINVAL);
	CHECK_EQ(exo_env_set_entry(c, EXO_ENTRY_EXCEPTION, 0x400000, 0x10008), -EXO_EINVAL);
	CHECK_EQ(exo_env_set_entry(c, EXO_ENTRY_EXCEPTION, 0xffffffff80100000ULL, 0x10000),
		 -EXO_EINVAL);
	CHECK_EQ(exo_env_set_entry(c, EXO_ENTRY_EXCEPTION, 0x400000, 0x10000), 0);

	/* Quota: 24 KiB leaves room for three page-table pages: one mapping far
	 * from everything fits, a second far from it does not, and that call
	 * fails cleanly. */
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK_EQ(exo_page_map(c, 0x600000000000ULL, f, RW), 0);
	CHECK_EQ(exo_page_map(c, 0x10000000ULL, f, RW), -EXO_ENOMEM);
	CHECK_EQ(info(c)->kmem_used, info(c)->kmem_limit);
	CHECK(info(c)->kmem_used <= info(c)->kmem_limit);

	/* Rights come down from ours (the first env holds the root capability). */
	CHECK_EQ(exo_env_grant_rights(c, EXO_RIGHT_CONSOLE | EXO_RIGHT_MACHINE), 0);
	CHECK_EQ(info(c)->rights, EXO_RIGHT_CONSOLE | EXO_RIGHT_MACHINE);
	CHECK_EQ(exo_env_grant_rights(c, 1u << 10), -EXO_EINVAL);
	CHECK_EQ(exo_env_grant_rights(c, 0), -EXO_EINVAL);
	CHECK_EQ(exo_env_revoke_rights(c, EXO_RIGHT_MACHINE), 0);
	CHECK_EQ(info(c)->rights, EXO_RIGHT_CONSOLE);
	CHECK_EQ(exo_env_grant_rights(12345, EXO_RIGHT_CONSOLE), -EXO_EBADENV);

	uint64_t used = me->kmem_used;
	CHECK_EQ(exo_env_destroy(c), 0);
	CHECK(me->kmem_used < used); /* the child's quota came back */
	CHECK_EQ(exo_frame_free(f), 0);
	CHECK_EQ(exo_invariant_check(), 0);
}

int main(void)
{
	CHECK(info(exo_env_id())->rights == EXO_RIGHTS_ALL); /* the first env: root */
	run_child();
	bad_arguments();
	test_pass();
}
