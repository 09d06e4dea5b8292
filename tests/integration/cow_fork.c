/*
 * cow_fork.c - libexo's copy-on-write fork across three generations.
 *
 * The parent fills 1 MiB with a pattern and forks; parent, child and
 * grandchild (forked by the child) each overwrite a different quarter and
 * must see exactly their own writes and what they inherited, never another
 * environment's later writes. They meet through one page shared with
 * exo_fork_share (not COW) and exo_yield. The parent and then the child
 * exit before the grandchild finishes: its memory, whose frames the parent
 * owned, must stay intact, and copying still works afterwards. The
 * kernel's invariants hold in every environment.
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"

#define SHARED_VA 0x70000000ULL
#define BUF_BYTES (1u << 20)
#define NWORDS	  (BUF_BYTES / 8)
#define QWORDS	  (NWORDS / 4) /* a quarter: 256 KiB, 64 pages */

/* Each flag is set once, by one environment: they run in parallel on
 * several CPUs, so no one counter could order their steps. */
struct shared {
	volatile uint64_t p_wrote; /* the parent wrote quarter 0 after the fork */
	volatile uint64_t c_ready; /* the child checked and wrote its quarters */
	volatile uint64_t g_ready; /* the grandchild checked and wrote its quarter */
	volatile uint64_t p_done;  /* the parent is exiting */
	volatile uint64_t c_done;  /* the child is exiting */
	volatile uint64_t parent, child, grandchild;
	volatile uint64_t q0_frame[3]; /* frame of buf's first page in P, C, G */
	volatile uint64_t shared_frame[3];
};

static struct shared *sh = (struct shared *)SHARED_VA;
static uint64_t *buf;

static uint64_t pat(unsigned gen, uint64_t i)
{
	return (gen + 1) * 0x9e3779b97f4a7c15ULL ^ (i * 0x100000001b3ULL);
}

static void fill(unsigned q, unsigned gen)
{
	for (uint64_t i = q * QWORDS; i < (q + 1) * QWORDS; i++)
		buf[i] = pat(gen, i);
}

/* Quarter q must hold generation gen's pattern, every word. */
static void expect_quarter(const char *who, unsigned q, unsigned gen)
{
	for (uint64_t i = q * QWORDS; i < (q + 1) * QWORDS; i++)
		if (buf[i] != pat(gen, i)) {
			printf("%s: word %llu of quarter %u is 0x%llx, expected generation %u\n",
			       who, (unsigned long long)i, q, (unsigned long long)buf[i], gen);
			CHECK(0);
		}
}

static void expect_view(const char *who, unsigned g0, unsigned g1, unsigned g2, unsigned g3)
{
	expect_quarter(who, 0, g0);
	expect_quarter(who, 1, g1);
	expect_quarter(who, 2, g2);
	expect_quarter(who, 3, g3);
}

static void wait_for(volatile uint64_t *flag)
{
	for (long spins = 0; *flag == 0; spins++) {
		CHECK(spins < 10000000);
		exo_yield(0);
	}
}

static bool alive_once(uint64_t id)
{
	const volatile struct exo_env_info *e = exo_env_info(id);

	return e != NULL && e->status != EXO_ENV_FREE;
}

/* The kernel rewrites a table row in place, so one read may catch it
 * half-written (another CPU): an env is gone only after several misses. */
static bool alive(uint64_t id)
{
	for (int i = 0; i < 8; i++) {
		if (alive_once(id))
			return true;
		exo_yield(0);
	}
	return false;
}

static uint64_t frame_of(const void *p)
{
	return EXO_PTE_FRAME(exo_uvpt_pte((uint64_t)p));
}

static void grandchild(void)
{
	sh->grandchild = (uint64_t)exo_env_id();
	CHECK_EQ(exo_env_info(sh->grandchild)->parent, sh->child);
	/* Inherited: the child's pre-fork write; not its later one. */
	expect_view("grandchild", 0, 2, 0, 0);
	fill(3, 4);
	expect_view("grandchild", 0, 2, 0, 4);
	sh->q0_frame[2] = frame_of(buf);
	sh->shared_frame[2] = frame_of(sh);
	CHECK_EQ(exo_invariant_check(), 0);
	sh->g_ready = 1;

	wait_for(&sh->p_done);
	wait_for(&sh->c_done);
	for (long spins = 0; alive(sh->parent) || alive(sh->child); spins++) {
		CHECK(spins < 10000000);
		exo_yield(0);
	}
	CHECK(sh->q0_frame[0] != sh->q0_frame[1]);  /* the parent copied its quarter */
	CHECK_EQ(sh->q0_frame[1], sh->q0_frame[2]); /* nobody below wrote it: one frame */
	CHECK_EQ(sh->shared_frame[0], sh->shared_frame[1]);
	CHECK_EQ(sh->shared_frame[1], sh->shared_frame[2]);
	/* The frame the parent owned is still here, and now ours. */
	CHECK_EQ(exo_frame_info(frame_of(buf))->owner, (uint32_t)sh->grandchild);
	expect_view("grandchild after its ancestors exited", 0, 2, 0, 4);
	fill(0, 5); /* copy-on-write still works (or just unprotects) */
	fill(1, 6);
	expect_view("grandchild", 5, 6, 0, 4);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("cow_fork: grandchild intact after parent and child exited\n");
	test_pass();
}

static void child(void)
{
	sh->child = (uint64_t)exo_env_id();
	CHECK_EQ(exo_env_info(sh->child)->parent, sh->parent);
	/* Whether or not the parent (perhaps on another CPU) has written
	 * quarter 0 yet, it did so after the fork: we see none of it. */
	expect_view("child", 0, 0, 0, 0);
	wait_for(&sh->p_wrote);
	expect_view("child", 0, 0, 0, 0);
	fill(1, 2);
	fflush(stdout);
	long g = exo_fork();
	if (g < 0)
		printf("child: exo_fork: %s\n", exo_strerror(g));
	CHECK(g >= 0);
	if (g == 0)
		grandchild();
	fill(2, 3);
	expect_view("child", 0, 2, 3, 0);
	sh->q0_frame[1] = frame_of(buf);
	sh->shared_frame[1] = frame_of(sh);
	CHECK_EQ(exo_invariant_check(), 0);
	sh->c_ready = 1;

	wait_for(&sh->p_done);
	expect_view("child", 0, 2, 3, 0);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("cow_fork: child done\n");
	sh->c_done = 1;
	exit(0);
}

int main(void)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(f > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SHARED_VA, (uint64_t)f, EXO_PERM_R | EXO_PERM_W), 0);
	memset(sh, 0, sizeof *sh);
	CHECK_EQ(exo_fork_share(SHARED_VA, sizeof *sh), 0);
	CHECK_EQ(exo_fork_share(SHARED_VA, 0), -EXO_EINVAL);
	sh->parent = (uint64_t)exo_env_id();

	buf = malloc(BUF_BYTES);
	CHECK(buf != NULL);
	for (unsigned q = 0; q < 4; q++)
		fill(q, 0);
	fflush(stdout);

	long c = exo_fork();
	if (c < 0)
		printf("parent: exo_fork: %s\n", exo_strerror(c));
	CHECK(c >= 0);
	if (c == 0)
		child();
	CHECK((uint64_t)c != sh->parent);
	CHECK(exo_uvpt_pte((uint64_t)buf) & EXO_PTE_USER0); /* COW now */
	CHECK(!(exo_uvpt_pte((uint64_t)buf) & EXO_PTE_W));
	CHECK(exo_uvpt_pte(SHARED_VA) & EXO_PTE_W); /* shared stays writable */
	fill(0, 1);
	CHECK(!(exo_uvpt_pte((uint64_t)buf) & EXO_PTE_USER0)); /* copied */
	CHECK(exo_uvpt_pte((uint64_t)buf) & EXO_PTE_W);
	sh->p_wrote = 1;

	wait_for(&sh->c_ready); /* child and grandchild have checked and written */
	wait_for(&sh->g_ready);
	CHECK_EQ(sh->child, (uint64_t)c);
	expect_view("parent", 1, 0, 0, 0);
	sh->q0_frame[0] = frame_of(buf);
	sh->shared_frame[0] = frame_of(sh);
	CHECK_EQ(exo_invariant_check(), 0);
	printf("cow_fork: parent exits before the grandchild finishes\n");
	sh->p_done = 1;
	exit(0);
}
