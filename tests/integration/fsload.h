/*
 * fsload.h - what the file-system workloads of the crash tests share
 * (unix_crashload.c for unix_crash.sh, unix_killload.c for unix_kill.sh):
 * a seeded generator, the content rule (a file holds its path and a
 * newline, repeated: `yes PATH | head -c LEN`), a file written and
 * fsync'd once and reported, and one step of churn that is never fsync'd.
 * Included by one .c file each (static functions).
 */
#ifndef FSLOAD_H
#define FSLOAD_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unixtest.h"

static unsigned long long fsload_rng;

/* A number in 0..n-1 from the seeded stream. */
static unsigned next(unsigned n)
{
	fsload_rng = fsload_rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(fsload_rng >> 33) % n;
}

/* The byte at offset off of path's content (plen = strlen(path)). */
static char pattern_at(const char *path, size_t plen, size_t off)
{
	size_t i = off % (plen + 1);

	return i == plen ? '\n' : path[i];
}

/* Write bytes from..from+len-1 of path's content to fd. */
static void put_pattern(int fd, const char *path, size_t from, size_t len)
{
	static char buf[8192];
	size_t plen = strlen(path), done = 0;

	while (done < len) {
		size_t k = len - done < sizeof buf ? len - done : sizeof buf;

		for (size_t i = 0; i < k; i++)
			buf[i] = pattern_at(path, plen, from + done + i);
		CHECK(write(fd, buf, k) == (ssize_t)k);
		done += k;
	}
}

/* Write a new file dir/fSTEP or dir/d/fSTEP of up to ~120 KB (indirect
 * blocks), fsync it, and only then report "fsynced PATH LEN". */
static void fsynced_file(const char *dir, int step)
{
	char path[64];
	size_t len = 1 + next(4) * 30000 + next(30000);
	int fd;

	snprintf(path, sizeof path, next(2) ? "%s/f%d" : "%s/d/f%d", dir, step);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0);
	put_pattern(fd, path, 0, len);
	CHECK(fsync(fd) == 0 && close(fd) == 0);
	printf("fsynced %s %zu\n", path, len);
	fflush(stdout);
}

/* One step of churn on file a (b: a rename target), never fsync'd:
 * create or overwrite, truncate, rename, or remove; and every seventh
 * step a directory edir made and perhaps removed again. */
static void churn_step(const char *a, const char *b, const char *edir, int step)
{
	int fd;

	switch (next(5)) {
	case 0: /* create or overwrite */
	case 1:
		fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		CHECK(fd >= 0);
		put_pattern(fd, a, 0, next(60000));
		CHECK(close(fd) == 0);
		break;
	case 2:
		truncate(a, next(20000)); /* may not exist */
		break;
	case 3:
		rename(a, b);
		break;
	default:
		unlink(a);
		break;
	}
	if (step % 7 == 3) {
		CHECK(mkdir(edir, 0755) == 0);
		if (next(2))
			CHECK(rmdir(edir) == 0);
	}
}

#endif
