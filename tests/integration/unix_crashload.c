/*
 * unix_crashload.c - the file-system workload of unix_crash.sh, run as
 * init under unixd on a disk whose writes QEMU logs (blklogwrites).
 *
 * A seeded mix of operations in /w: files written and fsync'd once
 * (reported "fsynced PATH LEN" only after fsync returns, and never changed
 * afterwards), a file appended to and fsync'd after each append
 * ("fsynced-append PATH LEN"), and churn that is never fsync'd: files
 * created, overwritten, truncated, renamed and removed, directories made
 * and removed. File contents are the path and a newline, repeated, so the
 * checker can rebuild them (`yes PATH | head -c LEN`).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unixtest.h"

#define STEPS 48

static unsigned long long rng;

static unsigned next(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33) % n;
}

/* Write len bytes of PATH's pattern (path + "\n" repeated) to fd. */
static void put_pattern(int fd, const char *pattern, size_t len)
{
	static char buf[8192];
	size_t plen = strlen(pattern), done = 0;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = i % (plen + 1) == plen ? '\n' : pattern[i % (plen + 1)];
	while (done < len) {
		/* whole periods per chunk keep the pattern continuous */
		size_t period = (sizeof buf / (plen + 1)) * (plen + 1);
		size_t k = len - done < period ? len - done : period;

		CHECK(write(fd, buf, k) == (ssize_t)k);
		done += k;
	}
}

static void fsynced_file(int step)
{
	char path[64];
	size_t len = 1 + next(4) * 30000 + next(30000); /* up to ~120 KB: indirect blocks */
	int fd;

	snprintf(path, sizeof path, next(2) ? "/w/f%d" : "/w/d/f%d", step);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0);
	put_pattern(fd, path, len);
	CHECK(fsync(fd) == 0 && close(fd) == 0);
	printf("fsynced %s %zu\n", path, len);
	fflush(stdout);
}

static void churn(int step)
{
	char a[64], b[64];
	int fd;

	snprintf(a, sizeof a, "/w/t%u", next(6));
	snprintf(b, sizeof b, "/w/t%u", next(6));
	switch (next(5)) {
	case 0: /* create or overwrite */
	case 1:
		fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		CHECK(fd >= 0);
		put_pattern(fd, a, next(60000));
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
		snprintf(a, sizeof a, "/w/e%d", step);
		CHECK(mkdir(a, 0755) == 0);
		if (next(2))
			CHECK(rmdir(a) == 0);
	}
}

int main(int argc, char **argv)
{
	size_t logged = 0;
	int logfd;

	rng = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	CHECK(mkdir("/w", 0755) == 0 && mkdir("/w/d", 0755) == 0);
	logfd = open("/w/log", O_CREAT | O_WRONLY | O_APPEND, 0644);
	CHECK(logfd >= 0);
	for (int step = 0; step < STEPS; step++) {
		if (next(3) == 0)
			fsynced_file(step);
		else
			churn(step);
		if (step % 4 == 0) {
			put_pattern(logfd, "/w/log", 1015); /* 145 whole "/w/log\n" */
			logged += 1015;
			CHECK(fsync(logfd) == 0);
			printf("fsynced-append /w/log %zu\n", logged);
			fflush(stdout);
		}
	}
	CHECK(close(logfd) == 0);
	printf("crashload: done\n");
	return 0;
}
