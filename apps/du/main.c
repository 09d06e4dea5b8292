/*
 * du - estimate file space usage (POSIX du, options -a -s -k).
 *
 * usage: du [-a | -s] [-k] [FILE...]
 *
 * For each FILE (default ".") prints the space it uses, in 1 KiB blocks
 * (st_blocks * 512 / 1024, rounded up), a tab and its path: every
 * directory below it too, after its contents; with -a every file as well;
 * with -s only the FILE's total. Symbolic links are not followed (lstat)
 * and a file with several hard links counts once. -k selects 1 KiB
 * blocks, which are the default. A file that cannot be examined prints
 * "du: FILE: reason" and makes the exit status 1.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/util.h"

/* Hard-linked files already counted, so that each counts once. */
struct seen {
	dev_t dev;
	ino_t ino;
};

static int opt_all, opt_sum;
static int status;
static struct seen *seen;
static size_t nseen, capseen;

static void fail(const char *what)
{
	fprintf(stderr, "du: %s: %s\n", what, strerror(errno));
	status = 1;
}

static void *xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		fprintf(stderr, "du: out of memory\n");
		exit(1);
	}
	return p;
}

/* Record a multiply-linked file; 1 if it was already recorded. */
static int already_seen(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
			return 1;
	if (nseen == capseen) {
		capseen = capseen ? capseen * 2 : 64;
		seen = xrealloc(seen, capseen * sizeof(*seen));
	}
	seen[nseen].dev = st->st_dev;
	seen[nseen].ino = st->st_ino;
	nseen++;
	return 0;
}

static void report(unsigned long long blocks512, const char *path)
{
	printf("%llu\t%s\n", (blocks512 + 1) / 2, path);
}

/* Space under path in 512-byte blocks; prints lines as the options ask. */
static unsigned long long walk(const char *path, int depth)
{
	unsigned long long total;
	struct dirent *d;
	struct stat st;
	DIR *dir;

	if (lstat(path, &st) < 0) {
		fail(path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && already_seen(&st))
		return 0;
	total = st.st_blocks;
	if (S_ISDIR(st.st_mode)) {
		if ((dir = opendir(path)) == NULL) {
			fail(path);
		} else {
			while ((d = readdir(dir)) != NULL) {
				char *sub;

				if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
					continue;
				sub = util_join(path, d->d_name);
				total += walk(sub, depth + 1);
				free(sub);
			}
			closedir(dir);
		}
		if (!opt_sum || depth == 0)
			report(total, path);
	} else if (depth == 0 || (opt_all && !opt_sum)) {
		report(total, path);
	}
	return total;
}

int main(int argc, char **argv)
{
	int c, i;

	util_prog = "du";

	while ((c = getopt(argc, argv, "ask")) != -1) {
		switch (c) {
		case 'a':
			opt_all = 1;
			break;
		case 's':
			opt_sum = 1;
			break;
		case 'k':
			break;
		default:
			goto usage;
		}
	}
	if (opt_all && opt_sum)
		goto usage;
	if (optind == argc)
		walk(".", 0);
	for (i = optind; i < argc; i++)
		walk(argv[i], 0);
	return status;
usage:
	fprintf(stderr, "usage: du [-a | -s] [-k] [FILE...]\n");
	return 1;
}
