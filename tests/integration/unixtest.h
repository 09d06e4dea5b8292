/*
 * unixtest.h - CHECK for test programs that run as processes of the UNIX
 * libOS (under unixd): they hold no right to leave QEMU, so a failure
 * prints the expression and errno, then "TEST-END fail", and exits; init
 * exiting makes unixd power the machine off.
 */
#ifndef UNIXTEST_H
#define UNIXTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                               \
	do {                                                                                   \
		if (!(c)) {                                                                    \
			printf("CHECK failed: %s (line %d, errno %d)\n", #c, __LINE__, errno); \
			printf("TEST-END fail\n");                                             \
			exit(1);                                                               \
		}                                                                              \
	} while (0)

#endif
