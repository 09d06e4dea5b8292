/*
 * hello.c - a newlib program runs as the first environment: printf,
 * argv from the module command line, a heap grown by sbrk through the
 * exokernel's frame and mapping calls, and SSE arithmetic.
 */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

int main(int argc, char **argv)
{
	printf("hello from %s\n", argv[0]);
	CHECK_EQ(argc, 3);
	CHECK(strcmp(argv[1], "one") == 0);
	CHECK(strcmp(argv[2], "two") == 0);
	CHECK(argv[3] == NULL);

	/* 4 MiB of heap, touched and checked. */
	size_t n = 4 << 20;
	unsigned char *p = malloc(n);
	CHECK(p != NULL);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < n; i += 4093)
		CHECK_EQ(p[i], (unsigned char)(i * 7));
	free(p);

	volatile double x = 1.5;
	CHECK_EQ((long)(x * x * 100), 225);
	char buf[64];
	snprintf(buf, sizeof(buf), "%.3f", x / 3);
	CHECK(strcmp(buf, "0.500") == 0);

	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}
