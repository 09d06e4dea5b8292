/*
 * test_uaddr.c - host tests of the user-address checks in
 * secure-bindings/uaddr.h: sb_user_range_ok, sb_user_page_ok, sb_perm_ok.
 *
 * Every exokernel call that names user memory goes through these, so the
 * tests push on the edges an attacker would: both ends of the user window,
 * page 0, the canonical hole, kernel addresses, and lengths chosen so that
 * va + len wraps past 2^64 back into the user window. The oracle does its
 * arithmetic in 128 bits, where nothing wraps.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <exo/layout.h>

#include "uaddr.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef unsigned __int128 u128;

/* Addresses around every edge of the user window and beyond. */
static const uint64_t vas[] = {
	0,
	1,
	0xfff,
	EXO_USER_MIN - 1,
	EXO_USER_MIN,
	EXO_USER_MIN + 1,
	0x400000,
	EXO_USER_MAX - EXO_PAGE_SIZE - 1,
	EXO_USER_MAX - EXO_PAGE_SIZE,
	EXO_USER_MAX - 1,
	EXO_USER_MAX,
	EXO_USER_MAX + 1,
	EXO_USER_MAX + EXO_PAGE_SIZE,
	0x00007fffffffefffULL,
	0x00007ffffffff000ULL, /* last page of the lower half (kernel windows) */
	0x00007fffffffffffULL,
	0x0000800000000000ULL, /* first non-canonical address */
	0x0000800000001000ULL,
	0x7fffffffffffffffULL,
	0x8000000000000000ULL,
	0xffff7ffffffff000ULL, /* last non-canonical page */
	0xffff800000000000ULL, /* first kernel address */
	0xffffffff80000000ULL, /* kernel image */
	0xfffffffffffff000ULL,
	UINT64_MAX - 1,
	UINT64_MAX,
};

/* Oracle: [va, va + len) inside [EXO_USER_MIN, EXO_USER_MAX), in 128-bit
 * arithmetic. An empty range counts if va is in [EXO_USER_MIN, EXO_USER_MAX]. */
static bool want_range(uint64_t va, uint64_t len)
{
	return va >= EXO_USER_MIN && (u128)va + len <= EXO_USER_MAX;
}

/* Lengths for va: fixed ones, and ones that end the range exactly at, one
 * past, or (after wrapping) inside the user window. */
static unsigned lengths(uint64_t va, uint64_t *out)
{
	static const uint64_t fixed[] = {
		0,
		1,
		0xfff,
		EXO_PAGE_SIZE,
		EXO_PAGE_SIZE + 1,
		EXO_USER_MAX - EXO_USER_MIN - 1,
		EXO_USER_MAX - EXO_USER_MIN,
		EXO_USER_MAX - EXO_USER_MIN + 1,
		EXO_USER_MAX,
		EXO_USER_MAX + 1,
		1ULL << 63,
		UINT64_MAX - EXO_PAGE_SIZE,
		UINT64_MAX - 1,
		UINT64_MAX,
	};
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		out[n++] = fixed[i];
	out[n++] = EXO_USER_MAX - va;	  /* ends at the top, if va is below it */
	out[n++] = EXO_USER_MAX - va + 1; /* one past the top */
	out[n++] = EXO_USER_MAX - va - 1;
	out[n++] = 0 - va;		  /* va + len == 2^64: wraps to 0 */
	out[n++] = 0 - va + EXO_USER_MIN; /* wraps to EXO_USER_MIN */
	out[n++] = 0 - va + 0x400000;	  /* wraps into the middle of the window */
	out[n++] = 0 - va + EXO_USER_MAX; /* wraps to exactly the top */
	return n;
}

static void test_range_all(void)
{
	unsigned nbad = 0, nyes = 0, nwrap = 0;

	for (size_t i = 0; i < ARRAY_SIZE(vas); i++) {
		uint64_t len[32];
		unsigned nlen = lengths(vas[i], len);
		CU_ASSERT_FATAL(nlen <= ARRAY_SIZE(len));
		for (unsigned j = 0; j < nlen; j++) {
			bool want = want_range(vas[i], len[j]);
			bool got = sb_user_range_ok(vas[i], len[j]);
			if (got != want && nbad++ < 8)
				fprintf(stderr, "\n  uaddr: sb_user_range_ok(%#lx, %#lx) = %d\n",
					(unsigned long)vas[i], (unsigned long)len[j], got);
			nyes += got;
			nwrap += vas[i] + len[j] < vas[i];
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);
	/* The table does reach both answers and the wrap-around case. */
	CU_ASSERT_TRUE(nyes > 50);
	CU_ASSERT_TRUE(nwrap > 50);
}

static void test_range_edges(void)
{
	/* The whole window, and not a byte more on either side. */
	CU_ASSERT_TRUE(sb_user_range_ok(EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN));
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN + 1));
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_USER_MIN - 1, 2));
	CU_ASSERT_FALSE(sb_user_range_ok(0, 1));
	CU_ASSERT_FALSE(sb_user_range_ok(0, EXO_USER_MAX));
	CU_ASSERT_TRUE(sb_user_range_ok(EXO_USER_MAX - 1, 1));
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_USER_MAX - 1, 2));
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_USER_MAX, 1));
	/* len 0: anywhere in [EXO_USER_MIN, EXO_USER_MAX], nowhere else. */
	CU_ASSERT_TRUE(sb_user_range_ok(EXO_USER_MIN, 0));
	CU_ASSERT_TRUE(sb_user_range_ok(EXO_USER_MAX, 0));
	CU_ASSERT_FALSE(sb_user_range_ok(0, 0));
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_USER_MIN - 1, 0));
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_USER_MAX + 1, 0));
	CU_ASSERT_FALSE(sb_user_range_ok(0xffff800000000000ULL, 0));
	/* Wrap-around: the end lands back in the window, the range does not. */
	CU_ASSERT_FALSE(sb_user_range_ok(0x2000, UINT64_MAX));
	CU_ASSERT_FALSE(sb_user_range_ok(0x400000, 0xffffffffffc01000ULL)); /* end 2^64 + 0x1000 */
	CU_ASSERT_FALSE(sb_user_range_ok(0xfffffffffffff000ULL, 0x2000));
	CU_ASSERT_FALSE(sb_user_range_ok(UINT64_MAX, 1));
	/* Kernel and non-canonical addresses. */
	CU_ASSERT_FALSE(sb_user_range_ok(0x0000800000000000ULL, 1));
	CU_ASSERT_FALSE(sb_user_range_ok(0xffffffff80000000ULL, 0x1000));
	/* The kernel's read-only windows are above EXO_USER_MAX. */
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_UFRAMES, 8));
	CU_ASSERT_FALSE(sb_user_range_ok(EXO_UVPT, 8));
}

/* Oracle: aligned, and the whole page inside the window. */
static bool want_page(uint64_t va)
{
	return va % EXO_PAGE_SIZE == 0 && va >= EXO_USER_MIN &&
	       (u128)va + EXO_PAGE_SIZE <= EXO_USER_MAX;
}

static void test_page(void)
{
	unsigned nbad = 0;

	/* Every table address, and every byte offset into the first user
	 * page, the last one, and the pages either side of the window. */
	static const uint64_t bases[] = {
		0,
		EXO_USER_MIN,
		0x400000,
		EXO_USER_MAX - EXO_PAGE_SIZE,
		EXO_USER_MAX,
		0xffff800000000000ULL,
		0xfffffffffffff000ULL,
	};
	for (size_t i = 0; i < ARRAY_SIZE(vas); i++) {
		bool got = sb_user_page_ok(vas[i]);
		if (got != want_page(vas[i]) && nbad++ < 8)
			fprintf(stderr, "\n  uaddr: sb_user_page_ok(%#lx) = %d\n",
				(unsigned long)vas[i], got);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		for (uint64_t off = 0; off < EXO_PAGE_SIZE; off++) {
			uint64_t va = bases[i] + off;
			bool got = sb_user_page_ok(va);
			if (got != want_page(va) && nbad++ < 8)
				fprintf(stderr, "\n  uaddr: sb_user_page_ok(%#lx) = %d\n",
					(unsigned long)va, got);
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);

	CU_ASSERT_FALSE(sb_user_page_ok(0)); /* page 0 is never mappable */
	CU_ASSERT_TRUE(sb_user_page_ok(EXO_USER_MIN));
	CU_ASSERT_FALSE(sb_user_page_ok(EXO_USER_MIN + 8));
	CU_ASSERT_TRUE(sb_user_page_ok(EXO_USER_MAX - EXO_PAGE_SIZE));
	CU_ASSERT_FALSE(sb_user_page_ok(EXO_USER_MAX));
	CU_ASSERT_FALSE(sb_user_page_ok(EXO_UFRAMES));
	CU_ASSERT_FALSE(sb_user_page_ok(0x0000800000000000ULL));
	CU_ASSERT_FALSE(sb_user_page_ok(0xffff800000000000ULL));
	CU_ASSERT_FALSE(sb_user_page_ok(0xfffffffffffff000ULL)); /* va + 4096 wraps to 0 */
}

/* A mapping's perm: R, optionally W, X and USER0; nothing else. */
static void test_perm(void)
{
	static const uint64_t high[] = {
		1ULL << 8, 1ULL << 9, 1ULL << 12, 1ULL << 31, 1ULL << 32, 1ULL << 52, 1ULL << 63,
	};
	unsigned nbad = 0, nok = 0;

	for (uint64_t v = 0; v < 256; v++) {
		bool want = v < 16 && (v & 1);
		bool got = sb_perm_ok(v);
		if (got != want && nbad++ < 8)
			fprintf(stderr, "\n  uaddr: sb_perm_ok(%#lx) = %d\n", (unsigned long)v,
				got);
		nok += got;
		for (size_t h = 0; h < ARRAY_SIZE(high); h++) {
			if (sb_perm_ok(v | high[h]) && nbad++ < 8)
				fprintf(stderr, "\n  uaddr: sb_perm_ok(%#lx) = 1\n",
					(unsigned long)(v | high[h]));
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);
	CU_ASSERT_EQUAL(nok, 8);
	CU_ASSERT_TRUE(sb_perm_ok(EXO_PERM_R));
	CU_ASSERT_TRUE(sb_perm_ok(EXO_PERM_ALL));
	CU_ASSERT_FALSE(sb_perm_ok(EXO_PERM_W | EXO_PERM_X)); /* no R */
	CU_ASSERT_FALSE(sb_perm_ok(0));
	CU_ASSERT_FALSE(sb_perm_ok(EXO_PERM_R | 0x10));
	CU_ASSERT_FALSE(sb_perm_ok(UINT64_MAX));
}

static CU_TestInfo uaddr_tests[] = {
	{ "range: every edge and length", test_range_all },
	{ "range: named edges and wraps", test_range_edges },
	{ "page: alignment and edges", test_page },
	{ "perm: all 256 and high bits", test_perm },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(uaddr, uaddr_tests);
