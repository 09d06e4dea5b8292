/*
 * test_frame.c - host tests of the frame table (exokernel/frame.c).
 *
 * A 1024-frame table with free RAM opened in pieces, then: frame_alloc_any
 * hands out distinct free frames until none is left, round-robin from its
 * cursor; frame_alloc_specific and frame_release on free, owned, reserved
 * and out-of-range frames, changing nothing when they refuse; the queries;
 * and 100,000 seeded random operations checked against a plain model.
 * After every operation the test counts free frames itself and compares
 * with nfree (frame.h's invariant). The table sits between guard entries,
 * so a write past either end is caught.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <exo/error.h>

#include "frame.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define N     1024u /* frames in the test table */
#define GUARD 16u   /* entries either side that must never change */

static struct frame storage[GUARD + N + GUARD];
static struct frame *const arr = storage + GUARD;
static struct frame_table t;

/* What the entries either side of the table hold. Tests that reach past
 * the end run once with the guards looking owned, reserved and free in
 * turn (GUARDED below), so an off-by-one is seen whatever state the
 * function under test would act on. */
static const uint32_t guard_owners[] = { 0x5a5a5a5a, FRAME_RESERVED, FRAME_FREE };
static struct frame guard_entry = {
	.owner = 0x5a5a5a5a,
	.refs = 0x5a5a,
	.owner_refs = 0x5a5a,
	.grants = 0x5a5a,
	.scratch = 0x5a5a,
	.grant_head = 0x5a5a5a5a,
};

#define GUARDED(name)                                                   \
	static void name(void)                                          \
	{                                                               \
		for (size_t g = 0; g < ARRAY_SIZE(guard_owners); g++) { \
			guard_entry.owner = guard_owners[g];            \
			name##_body();                                  \
		}                                                       \
		guard_entry.owner = guard_owners[0];                    \
	}

/* A fresh table of n frames (n <= N), all reserved, guards armed. */
static void fresh(uint64_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(storage); i++)
		storage[i] = guard_entry;
	frame_table_init(&t, arr, n);
}

static uint64_t count_free(void)
{
	uint64_t k = 0;
	for (uint64_t i = 0; i < t.n; i++)
		k += arr[i].owner == FRAME_FREE;
	return k;
}

static bool guards_intact(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(storage); i++) {
		bool inside = i >= GUARD && i < GUARD + t.n;
		if (!inside && memcmp(&storage[i], &guard_entry, sizeof(guard_entry)) != 0)
			return false;
	}
	return true;
}

/* The frame.h invariant, and nothing written outside the table. */
#define CHECK_TABLE()                                       \
	do {                                                \
		CU_ASSERT_EQUAL(t.nfree, count_free());     \
		CU_ASSERT_TRUE(guards_intact());            \
		CU_ASSERT_TRUE(t.n == 0 || t.cursor < t.n); \
	} while (0)

/* A copy of the whole table, to show a refused call changed nothing. */
struct snapshot {
	struct frame f[GUARD + N + GUARD];
	struct frame_table t;
};
static struct snapshot snap;

static void take_snapshot(void)
{
	memcpy(snap.f, storage, sizeof(storage));
	snap.t = t;
}

static bool unchanged(void)
{
	return memcmp(snap.f, storage, sizeof(storage)) == 0 && memcmp(&snap.t, &t, sizeof(t)) == 0;
}

/* --------------------------------------------------------------- tests */

static void test_init_body(void)
{
	fresh(N);
	CU_ASSERT_EQUAL(t.n, N);
	CU_ASSERT_EQUAL(t.nfree, 0);
	CU_ASSERT_EQUAL(t.cursor, 0);
	CU_ASSERT_PTR_EQUAL(t.f, arr);
	for (uint64_t i = 0; i < N; i++) {
		const struct frame want = { .owner = FRAME_RESERVED };
		CU_ASSERT_EQUAL(memcmp(&arr[i], &want, sizeof(want)), 0);
		CU_ASSERT_FALSE(frame_is_ram(&t, i));
	}
	CHECK_TABLE();
	/* Nothing to hand out until RAM is opened. */
	take_snapshot();
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), -EXO_ENOMEM);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 0, 1), -EXO_EINVAL);
	CU_ASSERT_EQUAL(frame_release(&t, 0), -EXO_EINVAL);
	CU_ASSERT_TRUE(unchanged());
}
GUARDED(test_init)

/* A table of no frames: every call refuses, none touches memory. */
static void test_empty_table_body(void)
{
	fresh(0);
	take_snapshot();
	frame_table_add_free(&t, 0, 10);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), -EXO_ENOMEM);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 0, 1), -EXO_EINVAL);
	CU_ASSERT_EQUAL(frame_release(&t, 0), -EXO_EINVAL);
	CU_ASSERT_FALSE(frame_is_ram(&t, 0));
	CU_ASSERT_FALSE(frame_owned_by(&t, 0, FRAME_RESERVED));
	CU_ASSERT_FALSE(frame_owned_by(&t, 0, guard_entry.owner));
	CU_ASSERT_TRUE(unchanged());
	CHECK_TABLE();
}
GUARDED(test_empty_table)

/* Free RAM opened in overlapping pieces and pieces past the end, checked
 * against a list of which frames should be free after each. */
static void test_add_free_pieces_body(void)
{
	static const struct {
		uint64_t first, count;
	} pieces[] = {
		{ 0, 0 },	       /* empty */
		{ 10, 90 },	       /* 10..99 */
		{ 200, 100 },	       /* 200..299 */
		{ 250, 100 },	       /* overlaps: adds 300..349 */
		{ 10, 5 },	       /* already free: no change */
		{ 5, 10 },	       /* half new: adds 5..9 */
		{ 1000, 100 },	       /* clipped to 1000..1023 */
		{ N, 10 },	       /* entirely past the end */
		{ 5000, 1 },	       /* far past the end */
		{ UINT64_MAX, 1 },     /* first + count wraps to 0 */
		{ UINT64_MAX - 1, 4 }, /* first + count wraps to 2 */
		{ 1023, 1 },	       /* the last frame, again */
	};
	bool want[N] = { false };

	fresh(N);
	for (size_t p = 0; p < ARRAY_SIZE(pieces); p++) {
		uint64_t first = pieces[p].first, count = pieces[p].count;
		for (uint64_t k = 0; k < count && first + k >= first && first + k < N; k++)
			want[first + k] = true;
		frame_table_add_free(&t, first, count);
		uint64_t nwant = 0, nbad = 0;
		for (uint64_t i = 0; i < N; i++) {
			nwant += want[i];
			nbad += arr[i].owner != (want[i] ? FRAME_FREE : FRAME_RESERVED);
		}
		if (nbad)
			fprintf(stderr, "\n  frame: after add_free(%lu, %lu): %lu frames wrong\n",
				(unsigned long)first, (unsigned long)count, (unsigned long)nbad);
		CU_ASSERT_EQUAL(nbad, 0);
		CU_ASSERT_EQUAL(t.nfree, nwant);
		CHECK_TABLE();
	}
	CU_ASSERT_EQUAL(t.nfree, 90 + 5 + 150 + 24);
}
GUARDED(test_add_free_pieces)

/* Opening RAM never takes a frame from its owner. */
static void test_add_free_keeps_owned_body(void)
{
	fresh(N);
	frame_table_add_free(&t, 0, 100);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 20, 7), 0);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 21, FRAME_KERNEL), 0);
	arr[20].refs = 3;
	frame_table_add_free(&t, 0, 200);
	CU_ASSERT_EQUAL(arr[20].owner, 7);
	CU_ASSERT_EQUAL(arr[20].refs, 3);
	CU_ASSERT_EQUAL(arr[21].owner, FRAME_KERNEL);
	CU_ASSERT_EQUAL(t.nfree, 198);
	CHECK_TABLE();
}
GUARDED(test_add_free_keeps_owned)

/*
 * A count so large that first + count passes 2^64. The doc comment says
 * the range is clipped to the table, which would open [900, 1024); the
 * code computes first + count, which wraps below first, and opens nothing
 * (reported; harmless at boot, where counts come from the memory map).
 * Checked here: whatever it does, it writes nothing outside the table,
 * leaves the frames below first alone, and keeps nfree right.
 */
static void test_add_free_wrap_body(void)
{
	fresh(N);
	frame_table_add_free(&t, 0, 100);
	frame_table_add_free(&t, 900, UINT64_MAX);
	for (uint64_t i = 0; i < 900; i++)
		CU_ASSERT_EQUAL(arr[i].owner, i < 100 ? FRAME_FREE : FRAME_RESERVED);
	CHECK_TABLE();
	frame_table_add_free(&t, 1, UINT64_MAX);
	CU_ASSERT_EQUAL(arr[0].owner, FRAME_FREE);
	CHECK_TABLE();
}
GUARDED(test_add_free_wrap)

/* Three pieces of free RAM, taken one frame at a time until none is left. */
static void test_alloc_any_exhaust_body(void)
{
	bool is_free[N] = { false }, seen[N] = { false };
	uint64_t nfree = 0;

	fresh(N);
	frame_table_add_free(&t, 5, 100);
	frame_table_add_free(&t, 300, 1);
	frame_table_add_free(&t, 1000, 24);
	for (uint64_t i = 0; i < N; i++) {
		is_free[i] = arr[i].owner == FRAME_FREE;
		nfree += is_free[i];
	}
	CU_ASSERT_EQUAL_FATAL(nfree, 125);

	int64_t last = -1;
	for (uint64_t k = 0; k < nfree; k++) {
		int64_t fn = frame_alloc_any(&t, 42);
		CU_ASSERT_FATAL(fn >= 0 && fn < (int64_t)N);
		CU_ASSERT_TRUE(is_free[fn]); /* only free RAM */
		CU_ASSERT_FALSE(seen[fn]);   /* never twice */
		CU_ASSERT_TRUE(fn > last);   /* from cursor 0, in order */
		CU_ASSERT_EQUAL(arr[fn].owner, 42);
		CU_ASSERT_EQUAL(t.nfree, nfree - k - 1);
		CHECK_TABLE();
		seen[fn] = true;
		last = fn;
	}
	/* Exhausted: refused, and refused again, with nothing changed. */
	take_snapshot();
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 42), -EXO_ENOMEM);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, FRAME_KERNEL), -EXO_ENOMEM);
	CU_ASSERT_TRUE(unchanged());
	for (uint64_t i = 0; i < N; i++)
		CU_ASSERT_EQUAL(arr[i].owner, is_free[i] ? 42 : FRAME_RESERVED);
	/* One frame back: it is the one handed out next. */
	CU_ASSERT_EQUAL(frame_release(&t, 300), 0);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 43), 300);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 43), -EXO_ENOMEM);
	CHECK_TABLE();
}
GUARDED(test_alloc_any_exhaust)

/* The search resumes after the last frame handed out, wrapping at the end. */
static void test_round_robin_body(void)
{
	fresh(N);
	frame_table_add_free(&t, 0, N);
	for (int64_t i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), i);
	CU_ASSERT_EQUAL(frame_release(&t, 5), 0);
	/* 5 is free again but 10..1023 come first. */
	for (int64_t i = 10; i < (int64_t)N; i++)
		CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), i);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), 5); /* wrapped */
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), -EXO_ENOMEM);
	CHECK_TABLE();
	/* The cursor is now past 5: 7 comes before 3. */
	CU_ASSERT_EQUAL(frame_release(&t, 3), 0);
	CU_ASSERT_EQUAL(frame_release(&t, 7), 0);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 2), 7);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 2), 3);
	CHECK_TABLE();

	/* Allocate and free one frame at a time: the frame just freed is not
	 * the next one handed out while any other is free, so a full lap of
	 * the table passes before a frame comes back. */
	fresh(N);
	frame_table_add_free(&t, 0, N);
	int64_t prev = frame_alloc_any(&t, 1);
	for (unsigned k = 1; k < 3 * N; k++) {
		CU_ASSERT_EQUAL(frame_release(&t, (uint64_t)prev), 0);
		int64_t fn = frame_alloc_any(&t, 1);
		CU_ASSERT_NOT_EQUAL(fn, prev);
		CU_ASSERT_EQUAL(fn, (int64_t)(k % N));
		prev = fn;
	}
	CHECK_TABLE();

	/* frame_alloc_specific leaves the cursor alone. */
	fresh(N);
	frame_table_add_free(&t, 0, N);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), 0);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 500, 1), 0);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 1, 1), 0);
	CU_ASSERT_EQUAL(frame_alloc_any(&t, 1), 2);
	CHECK_TABLE();
}
GUARDED(test_round_robin)

static void test_alloc_specific_body(void)
{
	static const uint64_t outside[] = { N, N + 1, N + GUARD, 1ULL << 40, UINT64_MAX };

	fresh(N);
	frame_table_add_free(&t, 100, 100);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 150, 9), 0);
	CU_ASSERT_EQUAL(arr[150].owner, 9);
	CU_ASSERT_EQUAL(t.nfree, 99);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 100, FRAME_KERNEL), 0);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 199, 10), 0);
	CU_ASSERT_EQUAL(t.nfree, 97);
	CHECK_TABLE();

	take_snapshot();
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 150, 9), -EXO_EBUSY);	/* owner again */
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 150, 10), -EXO_EBUSY); /* someone else */
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 100, 9), -EXO_EBUSY);	/* the kernel's */
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 99, 9), -EXO_EINVAL);	/* reserved */
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 200, 9), -EXO_EINVAL);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 0, 9), -EXO_EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(outside); i++)
		CU_ASSERT_EQUAL(frame_alloc_specific(&t, outside[i], 9), -EXO_EINVAL);
	CU_ASSERT_TRUE(unchanged());

	/* Released, it can be had again, by anyone. */
	CU_ASSERT_EQUAL(frame_release(&t, 150), 0);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 150, 10), 0);
	CU_ASSERT_EQUAL(arr[150].owner, 10);
	CHECK_TABLE();
}
GUARDED(test_alloc_specific)

static void test_release_body(void)
{
	static const uint64_t outside[] = { N, N + 1, N + GUARD, 1ULL << 40, UINT64_MAX };

	fresh(N);
	frame_table_add_free(&t, 0, 64);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 10, 3), 0);
	CU_ASSERT_EQUAL(frame_alloc_specific(&t, 11, FRAME_KERNEL), 0);
	/* A released frame comes back clean, whatever its bookkeeping said
	 * (checking refs and grants is the caller's job). */
	arr[10].refs = 2;
	arr[10].owner_refs = 1;
	arr[10].grants = 1;
	arr[10].scratch = 5;
	arr[10].grant_head = 77;
	CU_ASSERT_EQUAL(frame_release(&t, 10), 0);
	const struct frame clean = { .owner = FRAME_FREE };
	CU_ASSERT_EQUAL(memcmp(&arr[10], &clean, sizeof(clean)), 0);
	CU_ASSERT_EQUAL(t.nfree, 63);
	CU_ASSERT_EQUAL(frame_release(&t, 11), 0); /* kernel frames too */
	CU_ASSERT_EQUAL(t.nfree, 64);
	CHECK_TABLE();

	take_snapshot();
	CU_ASSERT_EQUAL(frame_release(&t, 10), -EXO_EINVAL); /* twice */
	CU_ASSERT_EQUAL(frame_release(&t, 12), -EXO_EINVAL); /* free */
	CU_ASSERT_EQUAL(frame_release(&t, 64), -EXO_EINVAL); /* reserved */
	CU_ASSERT_EQUAL(frame_release(&t, N - 1), -EXO_EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(outside); i++)
		CU_ASSERT_EQUAL(frame_release(&t, outside[i]), -EXO_EINVAL);
	CU_ASSERT_TRUE(unchanged());
	CHECK_TABLE();
}
GUARDED(test_release)

/* The two queries over every kind of frame and past the end. */
static void test_queries_body(void)
{
	static const uint32_t owners[] = { FRAME_FREE, 7, 8, FRAME_KERNEL, FRAME_RESERVED };
	const uint32_t kind_owner[4] = { FRAME_RESERVED, FRAME_FREE, 7, FRAME_KERNEL };

	/* 0..9 reserved, 10..19 free, 20..29 env 7's, 30..39 the kernel's. */
	fresh(40);
	frame_table_add_free(&t, 10, 30);
	for (uint64_t i = 20; i < 30; i++)
		CU_ASSERT_EQUAL(frame_alloc_specific(&t, i, 7), 0);
	for (uint64_t i = 30; i < 40; i++)
		CU_ASSERT_EQUAL(frame_alloc_specific(&t, i, FRAME_KERNEL), 0);
	CHECK_TABLE();

	take_snapshot();
	for (uint64_t fn = 0; fn < 40 + GUARD + 2; fn++) {
		bool in = fn < 40;
		uint32_t owner = in ? kind_owner[fn / 10] : 0;
		CU_ASSERT_EQUAL(frame_is_ram(&t, fn), in && owner != FRAME_RESERVED);
		for (size_t o = 0; o < ARRAY_SIZE(owners); o++)
			CU_ASSERT_EQUAL(frame_owned_by(&t, fn, owners[o]),
					in && owner == owners[o]);
		/* Past the end, not even the guard's contents are believed. */
		if (!in)
			CU_ASSERT_FALSE(frame_owned_by(&t, fn, guard_entry.owner));
	}
	CU_ASSERT_FALSE(frame_is_ram(&t, UINT64_MAX));
	CU_ASSERT_FALSE(frame_owned_by(&t, UINT64_MAX, FRAME_FREE));
	CU_ASSERT_TRUE(unchanged());
}
GUARDED(test_queries)

/* ------------------------------------------------------- random vs model */

/* The model: who owns each frame, and where the next search starts. */
static uint32_t model[N];
static uint64_t model_cursor;

static uint64_t model_free(void)
{
	uint64_t k = 0;
	for (unsigned i = 0; i < N; i++)
		k += model[i] == FRAME_FREE;
	return k;
}

static int64_t model_alloc_any(uint32_t owner)
{
	for (unsigned k = 0; k < N; k++) {
		unsigned i = (unsigned)((model_cursor + k) % N);
		if (model[i] == FRAME_FREE) {
			model[i] = owner;
			model_cursor = (i + 1) % N;
			return i;
		}
	}
	return -EXO_ENOMEM;
}

static int model_alloc_specific(uint64_t fn, uint32_t owner)
{
	if (fn >= N || model[fn] == FRAME_RESERVED)
		return -EXO_EINVAL;
	if (model[fn] != FRAME_FREE)
		return -EXO_EBUSY;
	model[fn] = owner;
	return 0;
}

static int model_release(uint64_t fn)
{
	if (fn >= N || model[fn] == FRAME_FREE || model[fn] == FRAME_RESERVED)
		return -EXO_EINVAL;
	model[fn] = FRAME_FREE;
	return 0;
}

static uint64_t rng_state;

static uint64_t rnd(uint64_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % bound;
}

static void test_random(void)
{
	static const uint32_t owners[] = { 1, 2, 3, 4, 5, 1000, FRAME_KERNEL };
	unsigned nenomem = 0, nebusy = 0, neinval = 0, nok = 0;
	bool diverged = false;

	rng_state = 0x853c49e6748fea9bULL;
	fresh(N);
	for (unsigned i = 0; i < N; i++)
		model[i] = FRAME_RESERVED;
	model_cursor = 0;

	for (unsigned op = 0; op < 100000 && !diverged; op++) {
		/* Phases of 5000 operations alternately fill the table (to
		 * exhaustion) and drain it: r picks the operation. */
		bool fill = op / 5000 % 2 == 0;
		uint64_t r = rnd(100), fn = rnd(N + 8);
		uint32_t owner = owners[rnd(ARRAY_SIZE(owners))];
		long got = 0, want = 0;
		const char *name;

		if (r < 2) {
			/* Open RAM: up to 64 frames anywhere, some past the end. */
			uint64_t first = rnd(N + 64), count = rnd(65);
			name = "add_free";
			frame_table_add_free(&t, first, count);
			for (uint64_t i = first; i < first + count && i < N; i++)
				if (model[i] == FRAME_RESERVED)
					model[i] = FRAME_FREE;
		} else if (r < (fill ? 50 : 25)) {
			name = "alloc_any";
			got = frame_alloc_any(&t, owner);
			want = model_alloc_any(owner);
		} else if (r < (fill ? 65 : 35)) {
			name = "alloc_specific";
			got = frame_alloc_specific(&t, fn, owner);
			want = model_alloc_specific(fn, owner);
		} else if (r < (fill ? 93 : 95)) {
			name = "release";
			got = frame_release(&t, fn);
			want = model_release(fn);
		} else {
			name = "queries";
			bool in = fn < N;
			got = frame_is_ram(&t, fn) | frame_owned_by(&t, fn, owner) << 1;
			want = (in && model[fn] != FRAME_RESERVED) | (in && model[fn] == owner)
									     << 1;
		}
		nenomem += got == -EXO_ENOMEM;
		nebusy += got == -EXO_EBUSY;
		neinval += got == -EXO_EINVAL;
		nok += got >= 0;

		uint64_t nfree = model_free();
		if (got != want || t.nfree != nfree || t.nfree != count_free() ||
		    t.cursor != model_cursor || !guards_intact()) {
			fprintf(stderr,
				"\n  frame: op %u %s (fn %lu, owner %#x): got %ld want %ld, "
				"nfree %lu want %lu\n",
				op, name, (unsigned long)fn, owner, got, want,
				(unsigned long)t.nfree, (unsigned long)nfree);
			diverged = true;
		}
		for (unsigned i = 0; i < N && !diverged; i++) {
			if (arr[i].owner != model[i]) {
				fprintf(stderr,
					"\n  frame: op %u %s: frame %u owner %#x want %#x\n", op,
					name, i, arr[i].owner, model[i]);
				diverged = true;
			}
		}
	}
	CU_ASSERT_FALSE(diverged);
	/* The walk reached every outcome, exhaustion included. */
	CU_ASSERT_TRUE(nenomem > 100);
	CU_ASSERT_TRUE(nebusy > 100);
	CU_ASSERT_TRUE(neinval > 100);
	CU_ASSERT_TRUE(nok > 10000);
	CHECK_TABLE();
}

static CU_TestInfo frame_tests[] = {
	{ "init: all reserved", test_init },
	{ "empty table", test_empty_table },
	{ "add_free: pieces, overlaps, past the end", test_add_free_pieces },
	{ "add_free: owned frames kept", test_add_free_keeps_owned },
	{ "add_free: count wrapping 2^64", test_add_free_wrap },
	{ "alloc_any: distinct until exhausted", test_alloc_any_exhaust },
	{ "alloc_any: round-robin cursor", test_round_robin },
	{ "alloc_specific: free, owned, reserved, outside", test_alloc_specific },
	{ "release: owned, free, reserved, outside", test_release },
	{ "owned_by and is_ram", test_queries },
	{ "100k random operations against a model", test_random },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(frame, frame_tests);
