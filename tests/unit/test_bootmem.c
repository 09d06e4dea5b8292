/*
 * test_bootmem.c - host tests of bootmem_usable and bootmem_total
 * (exokernel/bootmem.c).
 *
 * Hand-written maps cover what firmware really produces (QEMU's E820 map)
 * and what it should not (overlaps, unsorted, empty and wrapping entries).
 * A randomized test compares against a byte-by-byte model of the contract.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <exo/error.h>

#include "bootmem.h"
#include "unit.h"

#define AVAIL	 1
#define RESERVED 2
#define ACPI	 3
#define MAX_OUT	 64

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The output contract, whatever the input: sorted, page-aligned,
 * non-empty, neither overlapping nor adjacent. */
static void assert_well_formed(const struct bootmem_range *r, int n)
{
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(r[i].base % 4096, 0);
		CU_ASSERT_EQUAL(r[i].len % 4096, 0);
		CU_ASSERT_TRUE(r[i].len > 0);
		CU_ASSERT_TRUE(r[i].len <= UINT64_MAX - r[i].base);
		if (i > 0)
			CU_ASSERT_TRUE(r[i - 1].base + r[i - 1].len < r[i].base);
	}
}

/* Compare against an expected list of [base, end) pairs. */
static void assert_ranges(const struct bootmem_range *got, int n, const uint64_t (*want)[2],
			  int nwant)
{
	CU_ASSERT_EQUAL_FATAL(n, nwant);
	assert_well_formed(got, n);
	for (int i = 0; i < n; i++) {
		if (got[i].base != want[i][0] || got[i].base + got[i].len != want[i][1]) {
			fprintf(stderr,
				"\nbootmem range %d: got [%#llx, %#llx), want [%#llx, %#llx)\n", i,
				(unsigned long long)got[i].base,
				(unsigned long long)(got[i].base + got[i].len),
				(unsigned long long)want[i][0], (unsigned long long)want[i][1]);
			CU_FAIL("wrong range");
		}
	}
}

/* QEMU's E820 map for -m 512M (SeaBIOS), plus what the kernel holds. */
static const struct bootmem_entry qemu_map[] = {
	{ 0x0, 0x9fc00, AVAIL },	   /* low RAM */
	{ 0x9fc00, 0x400, RESERVED },	   /* EBDA */
	{ 0xf0000, 0x10000, RESERVED },	   /* BIOS */
	{ 0x100000, 0x1fee0000, AVAIL },   /* RAM above 1 MiB */
	{ 0x1ffe0000, 0x20000, RESERVED }, /* ACPI tables */
	{ 0xfffc0000, 0x40000, RESERVED }, /* flash */
};
static const struct bootmem_range qemu_reserved[] = {
	{ 0x100000, 0x123456 }, /* kernel image, unaligned end */
	{ 0x300000, 0x800 },	/* a boot module */
	{ 0x10000, 0x500 },	/* boot information */
};
static const uint64_t qemu_want[][2] = {
	{ 0x1000, 0x10000 },
	{ 0x11000, 0x9f000 },
	{ 0x224000, 0x300000 },
	{ 0x301000, 0x1ffe0000 },
};

static void test_qemu_map(void)
{
	struct bootmem_range out[MAX_OUT];
	int n = bootmem_usable(qemu_map, ARRAY_LEN(qemu_map), qemu_reserved,
			       ARRAY_LEN(qemu_reserved), 0x1000, UINT64_MAX, out, MAX_OUT);

	assert_ranges(out, n, qemu_want, ARRAY_LEN(qemu_want));
	uint64_t want_total = 0;
	for (unsigned i = 0; i < ARRAY_LEN(qemu_want); i++)
		want_total += qemu_want[i][1] - qemu_want[i][0];
	CU_ASSERT_EQUAL(bootmem_total(out, n), want_total);
	CU_ASSERT_EQUAL(want_total, 0x1fe58000); /* about 510 MiB of 512 */
}

/* The same map in reverse and shuffled gives the same answer. */
static void test_unsorted(void)
{
	struct bootmem_entry map[ARRAY_LEN(qemu_map)];
	struct bootmem_range res[ARRAY_LEN(qemu_reserved)];
	struct bootmem_range out[MAX_OUT];
	static const unsigned perm[] = { 3, 5, 0, 4, 1, 2 };
	int n;

	for (unsigned i = 0; i < ARRAY_LEN(map); i++)
		map[i] = qemu_map[ARRAY_LEN(map) - 1 - i];
	for (unsigned i = 0; i < ARRAY_LEN(res); i++)
		res[i] = qemu_reserved[ARRAY_LEN(res) - 1 - i];
	n = bootmem_usable(map, ARRAY_LEN(map), res, ARRAY_LEN(res), 0x1000, UINT64_MAX, out,
			   MAX_OUT);
	assert_ranges(out, n, qemu_want, ARRAY_LEN(qemu_want));

	for (unsigned i = 0; i < ARRAY_LEN(map); i++)
		map[i] = qemu_map[perm[i]];
	n = bootmem_usable(map, ARRAY_LEN(map), qemu_reserved, ARRAY_LEN(qemu_reserved), 0x1000,
			   UINT64_MAX, out, MAX_OUT);
	assert_ranges(out, n, qemu_want, ARRAY_LEN(qemu_want));
}

/* Reserved wins over available wherever they overlap, in any order and
 * whatever the non-available type; overlapping available entries join. */
static void test_overlaps(void)
{
	static const struct bootmem_entry map[] = {
		{ 0x4000, 0x4000, RESERVED }, /* listed before the RAM it punches */
		{ 0x0, 0x10000, AVAIL },
		{ 0x6000, 0x1a000, AVAIL }, /* overlaps the first and the hole */
		{ 0x18000, 0x2000, ACPI },  /* ACPI reclaimable is not free yet */
		{ 0x1f000, 0x3000, AVAIL }, /* overlaps the end of the previous */
		{ 0x21000, 0x1000, RESERVED },
	};
	static const uint64_t want[][2] = {
		{ 0x0, 0x4000 },
		{ 0x8000, 0x18000 },
		{ 0x1a000, 0x21000 },
	};
	struct bootmem_range out[MAX_OUT];
	int n = bootmem_usable(map, ARRAY_LEN(map), NULL, 0, 0, UINT64_MAX, out, MAX_OUT);

	assert_ranges(out, n, want, ARRAY_LEN(want));
}

/* Zero-length entries and reservations change nothing. */
static void test_zero_length(void)
{
	static const struct bootmem_entry map[] = {
		{ 0x5000, 0, AVAIL }, /* in a gap: adds nothing */
		{ 0x10000, 0x10000, AVAIL },
		{ 0x18000, 0, RESERVED }, /* inside RAM: splits nothing */
	};
	static const struct bootmem_range res[] = { { 0x14000, 0 } };
	static const uint64_t want[][2] = { { 0x10000, 0x20000 } };
	struct bootmem_range out[MAX_OUT];
	int n = bootmem_usable(map, ARRAY_LEN(map), res, ARRAY_LEN(res), 0, UINT64_MAX, out,
			       MAX_OUT);

	assert_ranges(out, n, want, 1);
}

/* Entries that wrap past 2^64 are clipped at the top, not wrapped to the
 * bottom. */
static void test_wrap(void)
{
	static const struct bootmem_entry map[] = {
		{ 0x1000, 0x3000, AVAIL },
		{ 0xfffffffffff00000ULL, 0x200000, AVAIL },	 /* wraps */
		{ 0xffffffffffff8000ULL, 0x100000, RESERVED },	 /* wraps */
		{ 0xfffffffffffff800ULL, UINT64_MAX, RESERVED }, /* wraps far */
	};
	static const struct bootmem_range res[] = { { UINT64_MAX - 0x10, 0x2000 } };
	static const uint64_t want[][2] = {
		{ 0x1000, 0x4000 },
		{ 0xfffffffffff00000ULL, 0xffffffffffff8000ULL },
	};
	struct bootmem_range out[MAX_OUT];
	int n = bootmem_usable(map, ARRAY_LEN(map), res, ARRAY_LEN(res), 0, UINT64_MAX, out,
			       MAX_OUT);

	assert_ranges(out, n, want, ARRAY_LEN(want));

	/* A wrapping available entry alone reaches the last whole page. */
	static const struct bootmem_entry top[] = { { 0xffffffffffffe000ULL, 0x3000, AVAIL } };
	static const uint64_t want_top[][2] = { { 0xffffffffffffe000ULL, 0xfffffffffffff000ULL } };
	n = bootmem_usable(top, 1, NULL, 0, 0, UINT64_MAX, out, MAX_OUT);
	assert_ranges(out, n, want_top, 1);
}

static void test_nothing_usable(void)
{
	static const struct bootmem_entry map[] = {
		{ 0x0, 0x100000, RESERVED },
		{ 0x100000, 0x100000, AVAIL },
		{ 0x180000, 0x800, AVAIL },
	};
	static const struct bootmem_range res[] = { { 0x100000, 0x100000 } };
	struct bootmem_range out[MAX_OUT];

	CU_ASSERT_EQUAL(bootmem_usable(map, ARRAY_LEN(map), res, 1, 0, UINT64_MAX, out, MAX_OUT),
			0);
	CU_ASSERT_EQUAL(bootmem_usable(NULL, 0, NULL, 0, 0, UINT64_MAX, out, MAX_OUT), 0);
	CU_ASSERT_EQUAL(bootmem_usable(map, ARRAY_LEN(map), NULL, 0, 0, UINT64_MAX, out, 0),
			-EXO_ERANGE);
	/* Empty or inverted window. */
	CU_ASSERT_EQUAL(
		bootmem_usable(map, ARRAY_LEN(map), NULL, 0, 0x150000, 0x150000, out, MAX_OUT), 0);
	CU_ASSERT_EQUAL(
		bootmem_usable(map, ARRAY_LEN(map), NULL, 0, 0x1a0000, 0x110000, out, MAX_OUT), 0);
	CU_ASSERT_EQUAL(
		bootmem_usable(map, ARRAY_LEN(map), NULL, 0, 0x150001, 0x150fff, out, MAX_OUT), 0);
	CU_ASSERT_EQUAL(
		bootmem_usable(map, ARRAY_LEN(map), NULL, 0, UINT64_MAX, UINT64_MAX, out, MAX_OUT),
		0);
	CU_ASSERT_EQUAL(bootmem_total(out, 0), 0);
}

/* -EXO_ERANGE exactly when the answer has more ranges than max_out: not
 * when some intermediate split would have needed more. */
static void test_out_of_room(void)
{
	static const struct bootmem_entry map[] = {
		{ 0x0, 0x10000, AVAIL },
		{ 0x20000, 0x10000, AVAIL },
		{ 0x40000, 0x10000, AVAIL },
	};
	/* Punches [0x4000, 0x5000) then covers [0x3000, 0x10000) wholly. */
	static const struct bootmem_range res[] = { { 0x4000, 0x1000 }, { 0x3000, 0xd000 } };
	static const uint64_t want[][2] = { { 0x0, 0x3000 },
					    { 0x20000, 0x30000 },
					    { 0x40000, 0x50000 } };
	struct bootmem_range out[MAX_OUT];
	int n;

	memset(out, 0xab, sizeof(out));
	CU_ASSERT_EQUAL(bootmem_usable(map, 3, res, 2, 0, UINT64_MAX, out, 2), -EXO_ERANGE);
	CU_ASSERT_EQUAL(out[2].base, 0xababababababababULL); /* nothing past max_out */
	n = bootmem_usable(map, 3, res, 2, 0, UINT64_MAX, out, 3);
	assert_ranges(out, n, want, 3);
	n = bootmem_usable(map, 1, res, 2, 0, UINT64_MAX, out, 1);
	assert_ranges(out, n, want, 1);
}

/* Unaligned edges are rounded inward; adjacent available entries are
 * joined before rounding, so no page is lost at the seam. */
static void test_rounding(void)
{
	static const struct bootmem_entry map[] = {
		{ 0x1234, 0x5678 - 0x1234, AVAIL }, /* -> [0x2000, 0x5000) */
		{ 0x8800, 0x7ff, AVAIL },	    /* inside one page: dropped */
		{ 0x10000, 0x1800, AVAIL },	    /* joined with the next ... */
		{ 0x11800, 0x1800, AVAIL },	    /* ... to [0x10000, 0x13000) */
		{ 0x20000, 0x10000, AVAIL },
		{ 0x23100, 0x100, RESERVED }, /* takes its whole page */
		{ 0x40000, 0x1801, AVAIL },   /* a 1-byte gap is a seam: */
		{ 0x41802, 0x1000, AVAIL },   /* [0x40000, 0x41000) and nothing */
	};
	static const uint64_t want[][2] = {
		{ 0x2000, 0x5000 },   { 0x10000, 0x13000 }, { 0x20000, 0x23000 },
		{ 0x24000, 0x30000 }, { 0x40000, 0x41000 },
	};
	static const uint64_t want_window[][2] = {
		{ 0x11000, 0x13000 },
		{ 0x20000, 0x23000 },
		{ 0x24000, 0x2f000 },
	};
	struct bootmem_range out[MAX_OUT];
	int n = bootmem_usable(map, ARRAY_LEN(map), NULL, 0, 0, UINT64_MAX, out, MAX_OUT);

	assert_ranges(out, n, want, ARRAY_LEN(want));
	/* An unaligned window is rounded inward too. */
	n = bootmem_usable(map, ARRAY_LEN(map), NULL, 0, 0x10001, 0x2ffff, out, MAX_OUT);
	assert_ranges(out, n, want_window, ARRAY_LEN(want_window));
}

static void test_total(void)
{
	static const struct bootmem_range r[] = { { 0x1000, 0x2000 }, { 0x10000, 0x5000 } };

	CU_ASSERT_EQUAL(bootmem_total(r, 2), 0x7000);
	CU_ASSERT_EQUAL(bootmem_total(r, 1), 0x2000);
	CU_ASSERT_EQUAL(bootmem_total(NULL, 0), 0);
}

/*
 * Random maps in a 128 KiB space, checked against a model that decides
 * each 256-byte unit on its own: usable iff inside the window, inside some
 * available entry and inside no hole; then maximal runs shrunk to pages.
 */
#define MODEL_UNIT  0x100ULL
#define MODEL_UNITS 512
static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rnd(uint64_t bound)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng_state >> 33) % bound;
}

static int model(const struct bootmem_entry *map, unsigned n, const struct bootmem_range *res,
		 unsigned nres, uint64_t lo, uint64_t hi, struct bootmem_range *out)
{
	unsigned char ok[MODEL_UNITS + 1];
	int count = 0;

	for (unsigned u = 0; u < MODEL_UNITS; u++) {
		uint64_t a = u * MODEL_UNIT;
		bool avail = false, hole = false;

		for (unsigned i = 0; i < n; i++) {
			bool in = a >= map[i].base && a < map[i].base + map[i].len;
			if (in && map[i].type == AVAIL)
				avail = true;
			else if (in)
				hole = true;
		}
		for (unsigned i = 0; i < nres; i++)
			if (a >= res[i].base && a < res[i].base + res[i].len)
				hole = true;
		ok[u] = avail && !hole && a >= lo && a + MODEL_UNIT <= hi;
	}
	ok[MODEL_UNITS] = 0;
	for (unsigned u = 0; u < MODEL_UNITS;) {
		unsigned v = u;

		if (!ok[u]) {
			u++;
			continue;
		}
		while (ok[v])
			v++;
		uint64_t b = (u * MODEL_UNIT + 0xfff) & ~0xfffULL;
		uint64_t e = (v * MODEL_UNIT) & ~0xfffULL;
		if (b < e) {
			out[count].base = b;
			out[count].len = e - b;
			count++;
		}
		u = v;
	}
	return count;
}

static void test_against_model(void)
{
	for (unsigned iter = 0; iter < 3000; iter++) {
		struct bootmem_entry map[12];
		struct bootmem_range res[4];
		struct bootmem_range got[MAX_OUT], want[MAX_OUT];
		unsigned n = rnd(12) + 1, nres = rnd(5);
		uint64_t lo = rnd(MODEL_UNITS / 4) * MODEL_UNIT;
		uint64_t hi = MODEL_UNITS * MODEL_UNIT - rnd(MODEL_UNITS / 4) * MODEL_UNIT;
		int ngot, nwant;

		for (unsigned i = 0; i < n; i++) {
			map[i].base = rnd(MODEL_UNITS) * MODEL_UNIT;
			map[i].len = rnd(MODEL_UNITS / 2) * MODEL_UNIT;
			map[i].type = rnd(3) ? AVAIL : 2 + rnd(4);
		}
		for (unsigned i = 0; i < nres; i++) {
			res[i].base = rnd(MODEL_UNITS) * MODEL_UNIT;
			res[i].len = rnd(MODEL_UNITS / 8) * MODEL_UNIT;
		}
		nwant = model(map, n, res, nres, lo, hi, want);
		ngot = bootmem_usable(map, n, res, nres, lo, hi, got, MAX_OUT);
		CU_ASSERT_EQUAL_FATAL(ngot, nwant);
		for (int i = 0; i < ngot; i++) {
			CU_ASSERT_EQUAL(got[i].base, want[i].base);
			CU_ASSERT_EQUAL(got[i].len, want[i].len);
		}
		assert_well_formed(got, ngot);
		if (nwant > 0)
			CU_ASSERT_EQUAL(bootmem_usable(map, n, res, nres, lo, hi, got, nwant - 1),
					-EXO_ERANGE);
	}
}

static CU_TestInfo bootmem_tests[] = {
	{ "QEMU map with kernel and module", test_qemu_map },
	{ "unsorted map", test_unsorted },
	{ "overlapping available and reserved", test_overlaps },
	{ "zero-length entries", test_zero_length },
	{ "entries wrapping past 2^64", test_wrap },
	{ "no usable RAM", test_nothing_usable },
	{ "out array too small", test_out_of_room },
	{ "unaligned edges rounded inward", test_rounding },
	{ "total", test_total },
	{ "random maps against a model", test_against_model },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(bootmem, bootmem_tests);
