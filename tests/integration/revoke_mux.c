/*
 * revoke_mux.c - libexo's visible-revocation multiplexing splits a request
 * among three handlers of weights 1, 2 and 5 exactly as libexo.h documents:
 * floor of the proportional share, remainder one frame each to the first
 * handlers, then one second pass over the handlers that gave their whole
 * share. Pure libOS policy: every number asked and released is checked.
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"

/* A pretend frame pool: gives what is asked while it lasts. */
struct pool {
	uint64_t left;	   /* frames it can still release */
	uint64_t asked[4]; /* what each call asked for */
	unsigned calls;
};

static struct pool pools[3];

static uint64_t give(uint64_t want, void *ctx)
{
	struct pool *p = ctx;
	uint64_t n = want < p->left ? want : p->left;

	if (p->calls < 4)
		p->asked[p->calls] = want;
	p->calls++;
	p->left -= n;
	return n;
}

static void reset(uint64_t l0, uint64_t l1, uint64_t l2)
{
	memset(pools, 0, sizeof pools);
	pools[0].left = l0;
	pools[1].left = l1;
	pools[2].left = l2;
}

/* Handler h was called n times; asked[0..n) as listed. */
static void expect_calls(unsigned h, unsigned n, uint64_t a0, uint64_t a1)
{
	CHECK_EQ(pools[h].calls, n);
	if (n > 0)
		CHECK_EQ(pools[h].asked[0], a0);
	if (n > 1)
		CHECK_EQ(pools[h].asked[1], a1);
}

#define LOTS 1000000

int main(void)
{
	/* Bad registrations. */
	CHECK_EQ(exo_add_revocation_handler(NULL, NULL, 1), -EXO_EINVAL);
	CHECK_EQ(exo_add_revocation_handler(give, NULL, 0), -EXO_EINVAL);
	CHECK_EQ(exo_dispatch_revocation(10), 0); /* no handlers yet */

	CHECK_EQ(exo_add_revocation_handler(give, &pools[0], 1), 0);
	CHECK_EQ(exo_add_revocation_handler(give, &pools[1], 2), 0);
	CHECK_EQ(exo_add_revocation_handler(give, &pools[2], 5), 0);

	/* 8 = the weights exactly: 1, 2, 5. */
	reset(LOTS, LOTS, LOTS);
	CHECK_EQ(exo_dispatch_revocation(8), 8);
	expect_calls(0, 1, 1, 0);
	expect_calls(1, 1, 2, 0);
	expect_calls(2, 1, 5, 0);

	/* 10: floors 1, 2, 6 (sum 9), remainder 1 to the first: 2, 2, 6. */
	reset(LOTS, LOTS, LOTS);
	CHECK_EQ(exo_dispatch_revocation(10), 10);
	expect_calls(0, 1, 2, 0);
	expect_calls(1, 1, 2, 0);
	expect_calls(2, 1, 6, 0);

	/* 3: floors 0, 0, 1, remainder 2 to the first two: 1, 1, 1. */
	reset(LOTS, LOTS, LOTS);
	CHECK_EQ(exo_dispatch_revocation(3), 3);
	expect_calls(0, 1, 1, 0);
	expect_calls(1, 1, 1, 0);
	expect_calls(2, 1, 1, 0);

	/* 1: floors 0, 0, 0, remainder to the first; the others are not called. */
	reset(LOTS, LOTS, LOTS);
	CHECK_EQ(exo_dispatch_revocation(1), 1);
	expect_calls(0, 1, 1, 0);
	expect_calls(1, 0, 0, 0);
	expect_calls(2, 0, 0, 0);

	/* 0: nobody is asked. */
	reset(LOTS, LOTS, LOTS);
	CHECK_EQ(exo_dispatch_revocation(0), 0);
	expect_calls(0, 0, 0, 0);

	/*
	 * 100: floors 12, 25, 62 (sum 99), remainder to the first: 13, 25, 62.
	 * The third has only 20: deficit 42, split over the first two
	 * (weights 1, 2 of 3): 14, 28. The second has 40 in all, so gives 25
	 * then 15: 13 + 25 + 20 + 14 + 15 = 87.
	 */
	reset(LOTS, 40, 20);
	CHECK_EQ(exo_dispatch_revocation(100), 87);
	expect_calls(0, 2, 13, 14);
	expect_calls(1, 2, 25, 28);
	expect_calls(2, 1, 62, 0);

	/*
	 * 7 with an empty first handler: shares floor(7/8)=0, floor(14/8)=1,
	 * floor(35/8)=4 (sum 5), remainder 2: 1, 2, 4. The first gives 0 and
	 * drops out; deficit 1 split over weights 2, 5: floors 0, 0, remainder
	 * to the second: it is asked for 1 more.
	 */
	reset(0, LOTS, LOTS);
	CHECK_EQ(exo_dispatch_revocation(7), 7);
	expect_calls(0, 1, 1, 0);
	expect_calls(1, 2, 2, 1);
	expect_calls(2, 1, 4, 0);

	/* Everyone short: one second pass finds nobody eligible. */
	reset(1, 1, 1);
	CHECK_EQ(exo_dispatch_revocation(16), 3);
	expect_calls(0, 1, 2, 0);
	expect_calls(1, 1, 4, 0);
	expect_calls(2, 1, 10, 0);

	/* Huge requests do not overflow: 2^62 splits as 2^59, 2^60, 5 * 2^59. */
	reset(~0ULL, ~0ULL, ~0ULL);
	CHECK(exo_dispatch_revocation(1ULL << 62) == 1ULL << 62);
	CHECK(pools[0].asked[0] == 1ULL << 59);
	CHECK(pools[1].asked[0] == 1ULL << 60);
	CHECK(pools[2].asked[0] == 5ULL << 59);

	/* The table holds 16. */
	for (int i = 3; i < EXO_REVOKE_HANDLERS_MAX; i++)
		CHECK_EQ(exo_add_revocation_handler(give, &pools[0], 1), 0);
	CHECK_EQ(exo_add_revocation_handler(give, &pools[0], 1), -EXO_ERANGE);

	printf("revoke_mux: policy checks pass\n");
	test_pass();
}
