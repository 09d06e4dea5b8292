/*
 * util.h - what several utilities in apps/ share: path pieces, the mode
 * string of ls -l, allocation that cannot fail. Linked into every program
 * in apps/ from libutil.a (Makefile).
 */
#ifndef APPS_UTIL_H
#define APPS_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* malloc(n), or print "NAME: out of memory" (NAME = util_prog) and exit 1. */
void *xmalloc(size_t n);

/* The program's name for messages; "util" until a program sets it. */
extern const char *util_prog;

/* The last component of path in a new string, trailing slashes dropped
 * ("/" for "/"; "a" for "x/a/"). */
char *util_base(const char *path);

/* Write all n bytes of p to fd, retrying after EINTR and short writes.
 * Returns 0, or -1 with errno. */
int util_write_all(int fd, const void *p, size_t n);

/* dir "/" name in a new string (no doubled slash). */
char *util_join(const char *dir, const char *name);

/* The 10-character mode string of ls -l for mode m ("drwxr-xr-x"), with
 * s/S and t/T for set-id and sticky bits, into s (11 bytes). */
void util_modestr(mode_t m, char *s);

#endif
