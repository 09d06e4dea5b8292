/*
 * string.h - the kernel's freestanding subset of <string.h>.
 *
 * Only the kernel's include path has this directory, so hardware-free code
 * shared with the host unit tests can include <string.h> and get the host
 * C library there and exokernel/lib/string.c here.
 */
#ifndef KLIB_STRING_H
#define KLIB_STRING_H

#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
