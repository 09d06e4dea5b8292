/*
 * time.h - newlib's <time.h>, plus what it declares only for some targets
 * and the UNIX libOS provides (posix.c).
 */
#ifndef UNIX_TIME_H
#define UNIX_TIME_H

#include_next <time.h>

int nanosleep(const struct timespec *req, struct timespec *rem);

#endif
