/*
 * crash.c - the ownership region under power cuts (tests/integration/crash.sh,
 * docs/crash.md "The ownership-region crash test").
 *
 * Roles, by argv[0]:
 *   "crashload"   a deterministic workload, recorded once through QEMU's
 *                 blklogwrites: one disk owner, a progress block P and, for
 *                 steps g = 1..G, a group B_g of 8 blocks in one of four
 *                 slots (g % 4), so blocks are reused two steps after their
 *                 free is durable. Step g: allocate B_g; write its first 6
 *                 blocks, two rounds of requests in flight; free B_{g-2};
 *                 FLUSH (the commit C_g.1); write P = g and B_g's last 2
 *                 blocks, in flight together; FLUSH (C_g.2); print
 *                 "crashload: step g durable".
 *   "crashcheck"  boots on the image logreplay rebuilt for one crash point
 *                 and checks that the disk holds exactly the state of one
 *                 completed flush the value in P allows (below), that every
 *                 block reads as zeros or exactly its step's data, the
 *                 counts, the kernel's invariant checker; then FLUSHes, so the
 *                 host's exodisk check sees a committed region.
 *
 * What a crash may leave (docs/disk.md "Kernel behaviour"): the ownership
 * of the last completed flush. Each FLUSH here is one log transaction (the
 * owner table and map block 0), so the region is exactly one of the
 * states after a commit: EMPTY (nothing flushed), C_1.1, C_1.2, C_2.1, ...
 *
 *   C_g.1: P; B_{g-1} written; B_g with its first 6 blocks written, its
 *          last 2 fresh (allocated, not written before the flush).
 *   C_g.2: the same blocks; B_g's last 2 and P written.
 *
 * A written block must hold exactly its data: its write completed before
 * the flush that made it not fresh. A fresh block reads as zeros, whatever
 * the disk holds (here: zeros of the formatted image, or the data a step
 * four steps earlier left in the slot; an unflushed write of this step).
 *
 * P tells which states are possible. P is one 4 KiB block written by one
 * request: the log's sector is 4 KiB, so logreplay drops or keeps the write
 * whole and P never holds a mixture (--torn tears multi-sector writes only).
 * P = g with g >= 1 is written after C_g.1 and made durable by C_g.2; the
 * next write, P = g + 1, comes after C_{g+1}.1. So reading P = g leaves
 * C_g.1 (P's unflushed write survived; not for g = 1, where P is fresh in
 * C_1.1 and reads as zeros), C_g.2, or C_{g+1}.1 (P's next write was
 * lost). P reading as zeros leaves EMPTY and C_1.1. Anything else in P
 * (garbage, another block's data) is a failure.
 *
 * The leak bound: blocks freed since the last completed flush may still be
 * owned after the crash. Here the workload holds 16 B blocks at every flush
 * and frees 8 per step, so after any crash the owner holds exactly two
 * groups (16 blocks, 8 at step 1) besides P, never 24: a lost free is
 * always lost together with the allocation of its step.
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"

#define STEPS	  12 /* G */
#define SLOTS	  4  /* B_g lives in slot g % SLOTS */
#define GROUP	  8  /* blocks per group */
#define EARLY	  6  /* written before the step's first flush */
#define SCAN	  96 /* crashcheck looks at data_start .. data_start + SCAN - 1 */
#define TAG_DATA  0x4352534800000000ULL /* "CRSH": a B block's word 0 */
#define TAG_PROG  0x50524f4700000000ULL /* "PROG": P's word 0 */
#define TAG_MASK  0xffffffff00000000ULL
#define PROG_OFF  1  /* P = data_start + 1 */
#define GROUP_OFF 16 /* slot s = data_start + 16 + 16 s .. + 7 */

static const struct exo_disk_key key = {
	.key = "crash-key: the workload's owner",
	.name = "crash",
};

static uint64_t data_start;
static uint8_t buf[GROUP][4096] __attribute__((aligned(4096)));
static uint8_t pbuf[4096] __attribute__((aligned(4096)));
static volatile int64_t st[GROUP];

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Word 0 names what the block holds; the other 511 words follow from it. */
static void fill(void *p, uint64_t w0)
{
	uint64_t *w = p;
	w[0] = w0;
	for (unsigned i = 1; i < 512; i++)
		w[i] = mix(w0 * 512 + i);
}

static int filled(const void *p, uint64_t w0)
{
	const uint64_t *w = p;
	if (w[0] != w0)
		return 0;
	for (unsigned i = 1; i < 512; i++)
		if (w[i] != mix(w0 * 512 + i))
			return 0;
	return 1;
}

static int zeros(const void *p)
{
	const uint64_t *w = p;
	for (unsigned i = 0; i < 512; i++)
		if (w[i])
			return 0;
	return 1;
}

static uint64_t data_word(unsigned g, uint64_t b)
{
	return TAG_DATA | (uint64_t)g << 24 | b;
}

static uint64_t prog_word(unsigned g)
{
	return TAG_PROG | g;
}

static uint64_t prog_block(void)
{
	return data_start + PROG_OFF;
}

static uint64_t group_block(unsigned g, unsigned i)
{
	return data_start + GROUP_OFF + 16 * (g % SLOTS) + i;
}

/* Queue reqs[0..n) at once, wait for all, require success. */
static void io_wait(struct exo_disk_req *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		st[i] = 77;
		r[i].status_va = (uint64_t)&st[i];
	}
	CHECK_EQ(exo_disk_io(r, n), n);
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(test_wait_word(&st[i], ~0ULL, 0, EXO_PRED_NE, 10000000), EXO_WAKE_PRED);
		CHECK_EQ(st[i], 1);
	}
}

static struct exo_disk_req wreq(uint64_t block, uint32_t n, void *va)
{
	return (struct exo_disk_req){
		.op = EXO_DISK_WRITE, .nblocks = n, .block = block, .va = (uint64_t)va
	};
}

static void crashload(void)
{
	struct exo_disk_info di;
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK_EQ(di.flags & (EXO_DISK_REGION | EXO_DISK_DAMAGED), EXO_DISK_REGION);
	data_start = di.data_start;
	CHECK(di.nblocks >= data_start + SCAN);
	CHECK(exo_disk_attach(&key, EXO_DISK_CREATE) > 0);
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK_EQ(di.owned, 0); /* a fresh disk */
	CHECK_EQ(exo_block_alloc(prog_block(), 0), (long)prog_block());
	for (unsigned g = 1; g <= STEPS; g++) {
		for (unsigned i = 0; i < GROUP; i++) {
			CHECK_EQ(exo_block_alloc(group_block(g, i), 0), (long)group_block(g, i));
			fill(buf[i], data_word(g, group_block(g, i)));
		}
		/* The first 6 blocks, in two rounds of requests in flight.
		 * QEMU's virtio-blk sorts the requests it finds queued
		 * together and merges adjacent ones, depending on timing; so
		 * no two requests of a round are adjacent, and each round is
		 * queued in block order: every recording then logs the same
		 * entries, and a crash point names the same image. */
		struct exo_disk_req r[3] = {
			wreq(group_block(g, 0), 2, buf[0]),
			wreq(group_block(g, 3), 1, buf[3]),
			wreq(group_block(g, 5), 1, buf[5]),
		};
		io_wait(r, 3);
		r[0] = wreq(group_block(g, 2), 1, buf[2]);
		r[1] = wreq(group_block(g, 4), 1, buf[4]);
		io_wait(r, 2);
		if (g > 2)
			for (unsigned i = 0; i < GROUP; i++)
				CHECK_EQ(exo_block_free(group_block(g - 2, i)), 0);
		CHECK_EQ(exo_disk_flush(), 0); /* C_g.1 */
		/* The last 2 blocks and P, in flight together. */
		fill(pbuf, prog_word(g));
		r[0] = wreq(prog_block(), 1, pbuf);
		r[1] = wreq(group_block(g, EARLY), GROUP - EARLY, buf[EARLY]);
		io_wait(r, 2);
		CHECK_EQ(exo_disk_flush(), 0); /* C_g.2 */
		CHECK_EQ(exo_disk_info(&di), 0);
		CHECK_EQ(di.owned, 1 + (g > 1 ? 2 : 1) * GROUP);
		printf("crashload: step %u durable\n", g);
	}
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

/* ------------------------------------------------------------ crashcheck */

/* What one block is seen (or expected) to hold. */
enum { UNOWNED = -1, ZERO = 0, GARBAGE = -2 }; /* or g >= 1: step g's data */

static const char *what(int v, char *s)
{
	if (v == UNOWNED)
		return "not owned";
	if (v == ZERO)
		return "zeros";
	if (v == GARBAGE)
		return "garbage";
	snprintf(s, 24, "step %d's data", v);
	return s;
}

/* Read block b: UNOWNED, ZERO, g (step g's data for b), or GARBAGE, which
 * includes step g's data of another block (*other = that step). */
static int look(uint64_t b, int *other)
{
	*other = 0;
	memset(buf[0], 0xa5, 4096);
	long r = exo_disk_rw(EXO_DISK_READ, b, 1, buf[0]);
	if (r == -EXO_EPERM)
		return UNOWNED;
	CHECK_EQ(r, 0);
	if (zeros(buf[0]))
		return ZERO;
	const uint64_t *w = (const uint64_t *)buf[0];
	if ((w[0] & TAG_MASK) == TAG_DATA && filled(buf[0], w[0])) {
		unsigned g = (unsigned)(w[0] >> 24 & 0xff);
		if ((w[0] & 0xffffff) == b && g >= 1 && g <= STEPS)
			return (int)g;
		*other = (int)g;
	}
	return GARBAGE;
}

/* A state the region may be in: the groups owned, and the group whose last
 * two blocks are still fresh (0: none). */
struct state {
	char name[16];
	unsigned groups[2], ngroups, fresh_tail;
};

static void state_set(struct state *s, unsigned g, unsigned half)
{
	snprintf(s->name, sizeof(s->name), "C_%u.%u", g, half);
	s->ngroups = 0;
	if (g >= 2)
		s->groups[s->ngroups++] = g - 1;
	s->groups[s->ngroups++] = g;
	s->fresh_tail = half == 1 ? g : 0;
}

/* What state s puts in block b (SCAN window, not P). */
static int expect(const struct state *s, uint64_t b)
{
	for (unsigned k = 0; k < s->ngroups; k++) {
		unsigned g = s->groups[k];
		for (unsigned i = 0; i < GROUP; i++)
			if (group_block(g, i) == b)
				return i >= EARLY && s->fresh_tail == g ? ZERO : (int)g;
	}
	return UNOWNED;
}

static void crashcheck(void)
{
	struct exo_disk_info di;
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK_EQ(di.flags & (EXO_DISK_PRESENT | EXO_DISK_REGION | EXO_DISK_DAMAGED |
			     EXO_DISK_READONLY),
		 EXO_DISK_PRESENT | EXO_DISK_REGION);
	data_start = di.data_start;
	uint64_t ndata = di.nblocks - di.data_start;
	CHECK(di.nblocks >= data_start + SCAN);
	CHECK_EQ(exo_invariant_check(), 0);

	long slot = exo_disk_attach(&key, 0);
	if (slot == -EXO_EPERM) {
		/* The owner was never durable: nothing was flushed, and
		 * nobody may own anything. */
		CHECK_EQ(di.nfree, ndata);
		CHECK_EQ(exo_disk_flush(), 0);
		CHECK_EQ(exo_invariant_check(), 0);
		printf("crashcheck: ok step 0 owned 0 (state EMPTY: no owner)\n");
		test_pass();
	}
	CHECK(slot > 0);
	CHECK_EQ(exo_disk_info(&di), 0);

	/* P: zeros (still fresh: C_1.1) or exactly one step's value. */
	int other;
	int pv = look(prog_block(), &other);
	unsigned gp = 0;
	if (pv == UNOWNED) {
		printf("crashcheck: P (block %llu) is not owned, but the owner is\n",
		       (unsigned long long)prog_block());
		test_end(0);
	}
	if (pv != ZERO) {
		const uint64_t *w = (const uint64_t *)buf[0];
		unsigned g = (unsigned)(w[0] & 0xffffffff);
		if ((w[0] & TAG_MASK) != TAG_PROG || g < 1 || g > STEPS || !filled(buf[0], w[0])) {
			printf("crashcheck: P (block %llu) holds garbage: word 0 %#llx\n",
			       (unsigned long long)prog_block(), (unsigned long long)w[0]);
			test_end(0);
		}
		gp = g;
	}

	/* The states P allows. */
	struct state cand[3];
	unsigned nc = 0;
	if (gp == 0) {
		state_set(&cand[nc++], 1, 1);
	} else {
		if (gp >= 2)
			state_set(&cand[nc++], gp, 1);
		state_set(&cand[nc++], gp, 2);
		if (gp < STEPS)
			state_set(&cand[nc++], gp + 1, 1);
	}

	/* What the window holds. */
	int seen[SCAN], others[SCAN];
	unsigned owned = 1; /* P */
	for (unsigned k = 0; k < SCAN; k++) {
		uint64_t b = data_start + k;
		if (b == prog_block()) {
			seen[k] = UNOWNED;
			continue;
		}
		seen[k] = look(b, &others[k]);
		owned += seen[k] != UNOWNED;
	}
	const struct state *match = NULL;
	for (unsigned c = 0; c < nc && !match; c++) {
		unsigned k = 0;
		while (k < SCAN && (data_start + k == prog_block() ||
				    seen[k] == expect(&cand[c], data_start + k)))
			k++;
		if (k == SCAN)
			match = &cand[c];
	}
	if (!match) {
		char s1[24], s2[24];
		printf("crashcheck: P = %u, but the blocks match no state it allows:\n", gp);
		for (unsigned k = 0; k < SCAN; k++) {
			uint64_t b = data_start + k;
			if (b == prog_block())
				continue;
			int diff = 0;
			for (unsigned c = 0; c < nc; c++)
				diff |= seen[k] != expect(&cand[c], b);
			if (!diff && seen[k] == UNOWNED)
				continue;
			printf("  block %llu: %s%s", (unsigned long long)b, what(seen[k], s1),
			       seen[k] == GARBAGE && others[k] ? " (another block's data of step"
							       : "");
			if (seen[k] == GARBAGE && others[k])
				printf(" %d)", others[k]);
			for (unsigned c = 0; c < nc; c++)
				printf("; %s expects %s", cand[c].name,
				       what(expect(&cand[c], b), s2));
			printf("\n");
		}
		test_end(0);
	}

	/* Nothing else is owned, by this owner or by anyone. */
	CHECK_EQ(di.owned, owned);
	CHECK_EQ(di.nfree + di.owned, ndata);
	CHECK(owned - 1 <= 2 * GROUP); /* the leak bound */
	CHECK_EQ(exo_invariant_check(), 0);
	CHECK_EQ(exo_disk_flush(), 0);
	CHECK_EQ(exo_invariant_check(), 0);
	char groups[16];
	if (match->ngroups == 2)
		snprintf(groups, sizeof(groups), "B_%u B_%u", match->groups[0], match->groups[1]);
	else
		snprintf(groups, sizeof(groups), "B_%u", match->groups[0]);
	printf("crashcheck: ok step %u owned %u (state %s: P, %s%s)\n", gp, owned, match->name,
	       groups, match->fresh_tail ? ", the last 2 blocks fresh" : "");
	test_pass();
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "crashload") == 0)
		crashload();
	if (strcmp(argv[0], "crashcheck") == 0)
		crashcheck();
	printf("crash: unknown role %s\n", argv[0]);
	test_end(0);
}
