/*
 * testlib.h - helpers for integration test programs (run as the first
 * environment under QEMU).
 *
 * A test checks with CHECK/CHECK_EQ, which print the failing expression and
 * end the test; test_pass() prints the end marker "TEST-END pass" and
 * leaves QEMU with status 1 through isa-debug-exit. The harness
 * (tools/run-tests.sh) requires both the marker and the status.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdio.h>
#include <stdlib.h>

#include <exo/calls.h>

static inline void __attribute__((noreturn)) test_end(int pass)
{
	printf("TEST-END %s\n", pass ? "pass" : "fail");
	fflush(stdout);
	exo_debug_exit(pass ? 0 : 1);
	exit(pass ? 0 : 1);
}

#define test_pass() test_end(1)

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			printf("CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			test_end(0);                                                 \
		}                                                                    \
	} while (0)

#define CHECK_EQ(a, b)                                                                        \
	do {                                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);                           \
		if (a_ != b_) {                                                               \
			printf("CHECK_EQ failed: %s == %lld, expected %s == %lld (%s:%d)\n", #a, \
			       a_, #b, b_, __FILE__, __LINE__);                               \
			test_end(0);                                                          \
		}                                                                             \
	} while (0)

#endif
