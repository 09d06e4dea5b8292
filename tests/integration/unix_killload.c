/*
 * unix_killload.c - the workload and the checker of unix_kill.sh, run as
 * init under unixd on one disk that QEMU is killed on, round after round
 * (docs/crash.md, "Killing QEMU").
 *
 *   unix_killload run ROUND SEED   change /w until QEMU is killed
 *   unix_killload check            read every file under /w and report it
 *
 * `run` works in /w/rROUND: files written once and fsync'd (reported
 * "fsynced PATH LEN" only after fsync returns, never changed afterwards),
 * /w/rROUND/log appended to and fsync'd ("fsynced-append PATH LEN"), and
 * churn that is never fsync'd: files created, overwritten, truncated,
 * renamed and removed in this round's directory and the previous one's
 * (as the last kill left it), directories made and removed. Round
 * ROUND first removes /w/r(ROUND-3) whole, freeing blocks allocated boots
 * ago, so the disk does not fill however many rounds run. It never ends.
 *
 * Every file's content is its path and a newline, repeated (`yes PATH |
 * head -c LEN`), so a reader can judge any file alone. `check` walks /w
 * and prints "file PATH SIZE GOOD" for each regular file, GOOD being the
 * length of its prefix that follows the rule; the script compares that
 * with the fsync reports it saw. A read error or a size that disagrees
 * with stat fails the check.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsload.h"

/* Churn over t0..t5 of this round's directory and the previous round's. */
static void churn(int round, int step)
{
	char a[64], b[64], e[64];

	snprintf(a, sizeof a, "/w/r%d/t%u", round - (round > 1 ? (int)next(2) : 0), next(6));
	snprintf(b, sizeof b, "/w/r%d/t%u", round - (round > 1 ? (int)next(2) : 0), next(6));
	snprintf(e, sizeof e, "/w/r%d/e%d", round, step);
	churn_step(a, b, e, step);
}

/* Remove the tree at path; a missing one is fine (an earlier kill may
 * have cut the removal short, or the round never ran). */
static void rmtree(const char *path)
{
	struct stat st;
	struct dirent *e;
	char sub[128];
	DIR *d;

	if (lstat(path, &st) < 0) {
		CHECK(errno == ENOENT);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		CHECK(unlink(path) == 0);
		return;
	}
	/* Reopen after each removal: readdir after an unlink may skip. */
	for (;;) {
		CHECK((d = opendir(path)) != NULL);
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				break;
		if (e == NULL) {
			CHECK(closedir(d) == 0);
			break;
		}
		CHECK(snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub);
		CHECK(closedir(d) == 0);
		rmtree(sub);
	}
	CHECK(rmdir(path) == 0);
}

static int run(int round, unsigned long long seed)
{
	char dir[32], path[64];
	size_t logged = 0;
	int logfd;

	fsload_rng = seed * 1000003ULL + (unsigned long long)round;
	CHECK(mkdir("/w", 0755) == 0 || errno == EEXIST);
	snprintf(dir, sizeof dir, "/w/r%d", round);
	CHECK(mkdir(dir, 0755) == 0);
	snprintf(path, sizeof path, "%s/d", dir);
	CHECK(mkdir(path, 0755) == 0);
	if (round > 3) {
		snprintf(path, sizeof path, "/w/r%d", round - 3);
		rmtree(path);
	}
	sync();
	printf("killload: round %d\n", round);
	fflush(stdout);
	snprintf(path, sizeof path, "%s/log", dir);
	logfd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0644);
	CHECK(logfd >= 0);
	for (int step = 0;; step++) {
		if (next(3) == 0)
			fsynced_file(dir, step);
		else
			churn(round, step);
		if (step % 4 == 0) {
			put_pattern(logfd, path, logged, 1010);
			logged += 1010;
			CHECK(fsync(logfd) == 0);
			printf("fsynced-append %s %zu\n", path, logged);
			fflush(stdout);
		}
	}
}

/* Print "file PATH SIZE GOOD" for the regular file at path. */
static void check_file(const char *path, const struct stat *st)
{
	static char buf[8192];
	size_t plen = strlen(path), size = 0, good = 0;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	CHECK(fd >= 0);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n && good == size + (size_t)i; i++)
			if (buf[i] == pattern_at(path, plen, size + (size_t)i))
				good++;
		size += (size_t)n;
	}
	CHECK(n == 0 && close(fd) == 0);
	CHECK(size == (size_t)st->st_size);
	printf("file %s %zu %zu\n", path, size, good);
}

static void walk(const char *path, unsigned *nfiles, unsigned *ndirs)
{
	struct dirent *e;
	struct stat st;
	char sub[128];
	DIR *d;

	CHECK((d = opendir(path)) != NULL);
	++*ndirs;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		CHECK(snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub);
		CHECK(lstat(sub, &st) == 0);
		if (S_ISDIR(st.st_mode)) {
			walk(sub, nfiles, ndirs);
		} else if (S_ISREG(st.st_mode)) {
			check_file(sub, &st);
			++*nfiles;
		} else {
			printf("other %s mode %o\n", sub, (unsigned)st.st_mode);
		}
	}
	CHECK(closedir(d) == 0);
}

int main(int argc, char **argv)
{
	unsigned nfiles = 0, ndirs = 0;

	if (argc == 4 && !strcmp(argv[1], "run"))
		return run(atoi(argv[2]), strtoull(argv[3], NULL, 0));
	CHECK(argc == 2 && !strcmp(argv[1], "check"));
	walk("/w", &nfiles, &ndirs);
	printf("killcheck: %u files, %u directories\n", nfiles, ndirs);
	printf("TEST-END pass\n");
	return 0;
}
