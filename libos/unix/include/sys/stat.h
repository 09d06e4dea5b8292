/*
 * sys/stat.h - newlib's <sys/stat.h>, plus what it declares only for some
 * targets and the UNIX libOS provides (posix.c).
 */
#ifndef UNIX_SYS_STAT_H
#define UNIX_SYS_STAT_H

#include_next <sys/stat.h>

int lstat(const char *__restrict path, struct stat *__restrict st);

#endif
