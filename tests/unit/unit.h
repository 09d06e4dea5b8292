/*
 * unit.h - registration of host unit-test suites (CUnit).
 *
 * A test file defines its CUnit tests, lists them in a CU_TestInfo array
 * ending in CU_TEST_INFO_NULL, and registers the array with UNIT_SUITE.
 * The suite lands in a linker section that tests/unit/main.c walks, so
 * adding a test file needs no edit anywhere else.
 *
 *     static CU_TestInfo elf_tests[] = {
 *         {"rejects bad magic", test_bad_magic},
 *         CU_TEST_INFO_NULL,
 *     };
 *     UNIT_SUITE(elf, elf_tests);
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>

#include <CUnit/CUnit.h>

struct unit_suite {
	const char *name;
	CU_TestInfo *tests;
};

/* xorshift64* (Vigna, 2016): the seeded generator the randomized tests
 * share, so a failing run repeats exactly. *state must not be 0. */
static inline uint64_t unit_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#define UNIT_SUITE(id, array)                          \
	static const struct unit_suite unit_suite_##id \
		__attribute__((used, section("unit_suites"), aligned(8))) = { #id, array }

#endif
