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
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsload.h"

#define STEPS 48

static void churn(int step)
{
	char a[64], b[64], e[64];

	snprintf(a, sizeof a, "/w/t%u", next(6));
	snprintf(b, sizeof b, "/w/t%u", next(6));
	snprintf(e, sizeof e, "/w/e%d", step);
	churn_step(a, b, e, step);
}

int main(int argc, char **argv)
{
	size_t logged = 0;
	int logfd;

	fsload_rng = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	CHECK(mkdir("/w", 0755) == 0 && mkdir("/w/d", 0755) == 0);
	logfd = open("/w/log", O_CREAT | O_WRONLY | O_APPEND, 0644);
	CHECK(logfd >= 0);
	for (int step = 0; step < STEPS; step++) {
		if (next(3) == 0)
			fsynced_file("/w", step);
		else
			churn(step);
		if (step % 4 == 0) {
			put_pattern(logfd, "/w/log", logged, 1015);
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
