/*
 * isolation.c - one environment attacking another: without a grant the
 * attacker can neither map, free, grant, take, nor control the victim's
 * frames or the victim itself; with a read grant it can read but not
 * write; once the grant is revoked its next access faults and it dies,
 * while the victim's memory is intact.
 *
 * Two boot modules run this program, "victim" and "attacker", in parallel
 * on the CPUs. They synchronise through the read-only frame table with
 * wakeup predicates (exo_wait): each sleeps until the other's step shows
 * in the frame's counts.
 */
#include <string.h>

#include "testlib.h"

#define MAGIC	0x5ec12e7c0ffee000ULL
#define WAIT_US 5000000 /* a step that takes longer than 5 s has failed */
/* Fields of struct exo_frame_info inside its first and second words. */
#define REFS_MASK   0x0000ffff00000000ULL
#define REFS(n)	    ((uint64_t)(n) << 32)
#define GRANTS_MASK 0xffffULL

static const volatile uint64_t *frame_words(uint64_t f)
{
	return (const volatile uint64_t *)((const struct exo_frame_info *)EXO_UFRAMES + f);
}
#define VICTIM_VA 0x20000000ULL
#define ATTACK_VA 0x30000000ULL

static void victim(void)
{
	uint32_t attacker = test_find_env("attacker");
	CHECK(attacker != 0);
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	long secret = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(f > 0 && secret > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, VICTIM_VA, f, EXO_PERM_R | EXO_PERM_W), 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, VICTIM_VA + 4096, secret, EXO_PERM_R | EXO_PERM_W), 0);
	volatile uint64_t *p = (uint64_t *)VICTIM_VA;
	p[0] = MAGIC;
	p[512] = MAGIC + 1; /* the secret page */
	CHECK_EQ(exo_frame_grant(f, attacker, EXO_PERM_R), 0);
	CHECK_EQ(exo_frame_grant(f, attacker, EXO_PERM_R | 0x10), -EXO_EINVAL);
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	CHECK_EQ(ft[f].owner, exo_env_id());
	CHECK_EQ(ft[f].grants, 1);
	CHECK_EQ(ft[f].refs, 1);

	/* The attacker makes its hostile calls, maps f, reads it, and says it
	 * is done by mapping f a second time: refs becomes 3. */
	CHECK_EQ(test_wait_word(frame_words(f), REFS_MASK, REFS(3), EXO_PRED_EQ, WAIT_US),
		 EXO_WAKE_PRED);
	CHECK_EQ(exo_frame_revoke(f, attacker), 0);
	CHECK_EQ(ft[f].refs, 1);
	CHECK_EQ(ft[f].grants, 0);
	CHECK_EQ(exo_frame_revoke(f, attacker), -EXO_EINVAL); /* no such grant any more */
	test_wait_alone(5000); /* the attacker touches f again and dies */
	CHECK(p[0] == MAGIC && p[512] == MAGIC + 1);
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

static void attacker(void)
{
	uint32_t v = test_find_env("victim");
	CHECK(v != 0);
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	/* The victim's frames, found through the read-only frame table. */
	uint64_t granted = 0, other = 0;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; !granted && ms < WAIT_US / 1000; ms++) {
		for (uint64_t i = 0, n = 0; i < si->nframes && n < 64; i++) {
			if (ft[i].owner != v)
				continue;
			n++;
			if (ft[i].grants)
				granted = i;
			else
				other = i;
		}
		if (!granted)
			test_sleep_us(1000); /* the victim has not granted yet */
	}
	CHECK(granted != 0 && other != 0);
	uint64_t rw = EXO_PERM_R | EXO_PERM_W;

	/* No right on other: every binding and ownership change is refused. */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, ATTACK_VA, other, EXO_PERM_R), -EXO_EPERM);
	CHECK_EQ(exo_frame_free(other), -EXO_EPERM);
	CHECK_EQ(exo_frame_grant(other, exo_env_id() ^ 1, EXO_PERM_R), -EXO_EBADENV);
	CHECK_EQ(exo_frame_transfer(other, exo_env_id()), -EXO_EPERM);
	CHECK_EQ(exo_frame_revoke(granted, exo_env_id()), -EXO_EPERM); /* not the owner */
	CHECK_EQ(exo_frame_alloc(other, 0), -EXO_EBUSY);
	struct exo_map_op op = { ATTACK_VA, other, EXO_PERM_R, EXO_MAP_MAP };
	CHECK_EQ(exo_page_map_batch(EXO_AS_SELF, &op, 1), -EXO_EPERM);
	/* Nor can it touch the victim itself. */
	struct exo_regs r = { 0 };
	CHECK_EQ(exo_env_get_regs(v, &r), -EXO_EPERM);
	CHECK_EQ(exo_env_set_regs(v, &r), -EXO_EPERM);
	CHECK_EQ(exo_env_set_status(v, EXO_ENV_NOT_RUNNABLE), -EXO_EPERM);
	CHECK_EQ(exo_env_set_entry(v, EXO_ENTRY_EXCEPTION, 0x400000, 0x10000), -EXO_EPERM);
	CHECK_EQ(exo_env_destroy(v), -EXO_EPERM);
	CHECK_EQ(exo_page_map(v, ATTACK_VA, granted, EXO_PERM_R), -EXO_EPERM);
	CHECK_EQ(exo_page_unmap(v, VICTIM_VA), -EXO_EPERM);
	CHECK_EQ(exo_env_revoke_rights(v, EXO_RIGHT_CONSOLE), -EXO_EPERM);
	CHECK_EQ(exo_pct_call(v, 1, 2, 3, 4, 0), -EXO_EPERM); /* no PCT entry */

	/* The read grant allows reading, not writing, not passing on RW. */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, ATTACK_VA, granted, rw), -EXO_EPERM);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, ATTACK_VA, granted, EXO_PERM_R), 0);
	CHECK(*(volatile uint64_t *)ATTACK_VA == MAGIC);
	CHECK_EQ(exo_page_protect(EXO_AS_SELF, ATTACK_VA, rw), -EXO_EPERM);
	CHECK_EQ(exo_frame_free(granted), -EXO_EBUSY); /* still mapped by us */
	CHECK_EQ(exo_invariant_check(), 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, ATTACK_VA + 4096, granted, EXO_PERM_R), 0); /* done */

	/* The victim revokes: the grant count drops to 0. */
	CHECK_EQ(test_wait_word(frame_words(granted) + 1, GRANTS_MASK, 0, EXO_PRED_EQ, WAIT_US),
		 EXO_WAKE_PRED);
	printf("attacker: touching the revoked page\n");
	(void)*(volatile uint64_t *)ATTACK_VA; /* faults: the mapping is gone */
	printf("attacker: still alive after revocation\n");
	test_end(0);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "victim") == 0)
		victim();
	else
		attacker();
	return 1;
}
