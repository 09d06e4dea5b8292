/*
 * block_revoke.c - visible revocation of disk blocks, and the swap area on
 * the abort path of frame repossession.
 *
 * Four boot modules run this program:
 *   "monitor"  (first: it holds EXO_RIGHT_REVOKE and EXO_RIGHT_TRACE) asks
 *              the others for resources back and checks the trace;
 *   "comply"   gives blocks back from its revocation upcall, choosing its
 *              lowest ones;
 *   "stubborn" ignores the request: at the deadline the kernel takes its
 *              highest plain data blocks and says so in its repossession
 *              vector; the rest of its blocks are intact;
 *   "swapper"  registered a swap area: the frames the kernel repossesses
 *              from it are written there first, and it reads them back.
 * A role says it is ready by granting the monitor a frame (visible in the
 * read-only frame table), as tests/integration/revoke.c does.
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"
#include "upcall_stub.h"

#define NBLOCKS	   16
#define NPAGES	   16
#define DATA_VA	   0x40000000ULL
#define UPCALL_TOP 0x50000000ULL
#define WAIT_US	   10000000

static uint8_t buf[4096] __attribute__((aligned(4096)));
static uint64_t blocks[NBLOCKS];
static volatile unsigned nfreed; /* by comply's upcall */

static uint64_t pattern(uint64_t x, unsigned w)
{
	return x * 0x9e3779b97f4a7c15ULL + w;
}

static void fill(void *p, uint64_t x)
{
	for (unsigned w = 0; w < 512; w++)
		((uint64_t *)p)[w] = pattern(x, w);
}

static int holds(const void *p, uint64_t x)
{
	for (unsigned w = 0; w < 512; w++)
		if (((const uint64_t *)p)[w] != pattern(x, w))
			return 0;
	return 1;
}

static void attach(const char *who)
{
	struct exo_disk_key k = { 0 };
	memcpy(k.key, who, strlen(who));
	CHECK(exo_disk_attach(&k, EXO_DISK_CREATE) > 0);
}

/* Allocate and write NBLOCKS blocks holding their own numbers' pattern. */
static void setup_blocks(void)
{
	for (unsigned i = 0; i < NBLOCKS; i++) {
		long b = exo_block_alloc(EXO_BLOCK_ANY, 0);
		CHECK(b > 0);
		blocks[i] = (uint64_t)b;
		fill(buf, blocks[i]);
		CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, blocks[i], 1, buf), 0);
	}
	CHECK_EQ(exo_disk_flush(), 0);
}

/* Blocks [from, to) must read back intact; the others must be gone. */
static void expect_blocks(unsigned from, unsigned to)
{
	for (unsigned i = 0; i < NBLOCKS; i++) {
		long r = exo_disk_rw(EXO_DISK_READ, blocks[i], 1, buf);
		if (i >= from && i < to) {
			CHECK_EQ(r, 0);
			CHECK(holds(buf, blocks[i]));
		} else {
			CHECK_EQ(r, -EXO_EPERM);
		}
	}
}

/* Mapped, so that a frame repossession does not take it first. */
static void ready(uint32_t monitor)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(f > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, UPCALL_TOP + 0x100000, f, EXO_PERM_R), 0);
	CHECK_EQ(exo_frame_grant(f, monitor, EXO_PERM_R), 0);
}

static void wait_ready(uint32_t env)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; ms < WAIT_US / 1000; ms++) {
		for (uint64_t i = 0; i < si->nframes; i++)
			if (ft[i].owner == env && ft[i].grants)
				return;
		test_sleep_us(1000);
	}
	printf("monitor: env %u never got ready\n", env);
	test_end(0);
}

/* The compliant libOS's policy: give back its lowest blocks. */
void test_upcall(struct exo_upcall_frame *f)
{
	if (f->vector != EXO_UPCALL_REVOKE_BLOCKS)
		return;
	for (uint64_t i = 0; i < f->error && nfreed < NBLOCKS; i++)
		if (exo_block_free(blocks[nfreed]) == 0)
			nfreed++;
}

static void comply(uint32_t monitor)
{
	attach("comply");
	setup_blocks();
	CHECK_EQ(exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_REVOKE, (uint64_t)test_upcall_entry,
				   test_upcall_stack(UPCALL_TOP, 4)),
		 0);
	ready(monitor);
	for (unsigned ms = 0; nfreed < 5 && ms < WAIT_US / 1000; ms++)
		test_sleep_us(1000);
	CHECK_EQ(nfreed, 5);
	expect_blocks(5, NBLOCKS);
	struct exo_repo_rec rec[4];
	CHECK_EQ(exo_repossessed(rec, 4), 0); /* it complied: nothing taken */
	exo_env_destroy(EXO_ENV_SELF);
}

static void stubborn(uint32_t monitor)
{
	attach("stubborn");
	setup_blocks();
	CHECK_EQ(exo_revoke_blocks(monitor, 1, 1000), -EXO_EPERM); /* no REVOKE right */
	ready(monitor);
	struct exo_disk_info di;
	for (unsigned ms = 0; ms < WAIT_US / 1000; ms++) {
		CHECK_EQ(exo_disk_info(&di), 0);
		if (di.owned == NBLOCKS - 5)
			break;
		test_sleep_us(1000);
	}
	CHECK_EQ(di.owned, NBLOCKS - 5);
	/* The kernel took the five highest; the vector says which. */
	struct exo_repo_rec rec[8];
	CHECK_EQ(exo_repossessed(rec, 8), 5);
	for (unsigned i = 0; i < 5; i++) {
		CHECK_EQ(rec[i].kind, EXO_REPO_BLOCK);
		CHECK_EQ(rec[i].resource, blocks[NBLOCKS - 1 - i]);
	}
	expect_blocks(0, NBLOCKS - 5);
	exo_env_destroy(EXO_ENV_SELF);
}

static void swapper(uint32_t monitor)
{
	attach("swapper");
	/* Eight blocks in a row, far from where the others allocate (they
	 * run at the same time and take "any" blocks from the start). */
	struct exo_disk_info di;
	CHECK_EQ(exo_disk_info(&di), 0);
	long swap = (long)di.data_start + 8000;
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(exo_block_alloc((uint64_t)swap + i, 0), swap + i);
	CHECK_EQ(exo_swap_register((uint64_t)swap, EXO_SWAP_MAX + 1), -EXO_ERANGE);
	CHECK_EQ(exo_swap_register((uint64_t)swap, 9), -EXO_EPERM); /* one is not ours */
	CHECK_EQ(exo_swap_register((uint64_t)swap, 8), 0);
	ready(monitor);
	/* The data pages come last, so they are its highest frames: the ones
	 * the abort protocol takes (docs/revocation.md, step 5). Nothing below
	 * may allocate memory (no printf). */
	for (unsigned i = 0; i < NPAGES; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
		CHECK(f > 0);
		CHECK_EQ(exo_page_map(EXO_AS_SELF, DATA_VA + i * 4096ULL, f,
				      EXO_PERM_R | EXO_PERM_W),
			 0);
		fill((void *)(DATA_VA + i * 4096ULL), 1000 + i);
	}
	struct exo_repo_rec rec[8];
	long n = 0;
	for (unsigned ms = 0; n == 0 && ms < WAIT_US / 1000; ms++) {
		n = exo_repossessed(rec, 8);
		if (n == 0)
			test_sleep_us(1000);
	}
	CHECK_EQ(n, 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(rec[i].kind, EXO_REPO_FRAME);
		CHECK(rec[i].saved >= (uint64_t)swap && rec[i].saved < (uint64_t)swap + 8);
		CHECK(rec[i].va >= DATA_VA && rec[i].va < DATA_VA + NPAGES * 4096ULL);
		CHECK_EQ(exo_uvpt_pte(rec[i].va), 0); /* gone from our address space */
		CHECK_EQ(exo_disk_rw(EXO_DISK_READ, rec[i].saved, 1, buf), 0);
		CHECK(holds(buf, 1000 + (rec[i].va - DATA_VA) / 4096));
	}
	exo_env_destroy(EXO_ENV_SELF);
}

/* The trace events the monitor looks for, counted as they come (the
 * ring is read often, so none is overwritten before it is seen). */
static unsigned comply_done, comply_taken, stubborn_taken, swapped;
static uint64_t seen_seq;

static void read_trace(uint32_t c, uint32_t s, uint32_t w)
{
	static struct exo_trace_rec tr[256];
	long got;
	while ((got = exo_trace_read(tr, 256, seen_seq)) > 0) {
		for (long i = 0; i < got; i++) {
			const struct exo_trace_rec *t = &tr[i];
			seen_seq = t->seq;
			comply_done +=
				t->type == EXO_TRACE_BREVOKE_DONE && t->env == c && t->a == 5;
			comply_taken += t->type == EXO_TRACE_BREPOSSESS && t->env == c;
			stubborn_taken +=
				t->type == EXO_TRACE_BREPOSSESS && t->env == s && t->a == 5;
			swapped += t->type == EXO_TRACE_SWAP && t->env == w;
		}
	}
	CHECK(got == 0);
}

static int alive(uint32_t id)
{
	const volatile struct exo_env_info *e = exo_env_info(id);
	return e && e->status != EXO_ENV_FREE;
}

static void monitor(void)
{
	uint32_t c = test_find_env("comply"), s = test_find_env("stubborn"),
		 w = test_find_env("swapper");
	CHECK(c && s && w);
	wait_ready(c);
	wait_ready(s);
	wait_ready(w);
	CHECK_EQ(exo_revoke_blocks(12345, 5, 1000), -EXO_EBADENV);
	CHECK_EQ(exo_revoke_blocks(c, 0, 1000), -EXO_EINVAL);
	CHECK_EQ(exo_revoke_blocks(c, 1ULL << 40, 1000), -EXO_EINVAL);
	CHECK_EQ(exo_revoke_blocks(c, 5, 1ULL << 41), -EXO_EINVAL);
	CHECK_EQ(exo_revoke_blocks(c, 5, 2000000), 0);
	CHECK_EQ(exo_revoke_blocks(c, 5, 2000000), -EXO_EBUSY); /* one at a time */
	CHECK_EQ(exo_revoke_blocks(s, 5, 20000), 0);
	CHECK_EQ(exo_revoke_request(w, 4, 20000), 0);
	/* Until the three are done (they destroy themselves). */
	for (unsigned ms = 0; ms < WAIT_US / 1000; ms++) {
		read_trace(c, s, w);
		if (!alive(c) && !alive(s) && !alive(w))
			break;
		test_sleep_us(1000);
	}
	read_trace(c, s, w);
	CHECK_EQ(comply_done, 1);
	CHECK_EQ(comply_taken, 0);
	CHECK_EQ(stubborn_taken, 1);
	CHECK_EQ(swapped, 4);
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "monitor") == 0)
		monitor();
	uint32_t m = test_find_env("monitor");
	CHECK(m != 0);
	if (strcmp(argv[0], "comply") == 0)
		comply(m);
	else if (strcmp(argv[0], "stubborn") == 0)
		stubborn(m);
	else
		swapper(m);
	return 1;
}
