/*
 * ls - list directory contents (POSIX ls, options -l -a -1 -d).
 *
 * usage: ls [-1adl] [FILE...]
 *
 * Names sort by strcmp (the C locale). File operands are listed first,
 * then each directory operand, under a "dir:" header when there is more
 * than one operand, as GNU ls does. -l prints the mode string, link count,
 * numeric uid and gid (the system has no passwd database), size, date
 * ("%b %e %H:%M", or "%b %e  %Y" for files older than six months or in the
 * future) and name, with " -> target" for symbolic links. On a terminal,
 * without -l or -1, names go in columns down then across.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/util.h"

/* Seconds in six months (POSIX: "within the past six months" shows the time). */
#define SIX_MONTHS (365L * 24 * 60 * 60 / 2)

/* One name to list; path is what to lstat/readlink, name what to print. */
struct entry {
	char *name;
	char *path;
	struct stat st;
};

static int opt_all, opt_long, opt_one, opt_dir;
static int status;
static time_t now;

static void fail(const char *what)
{
	fprintf(stderr, "ls: %s: %s\n", what, strerror(errno));
	status = 2;
}

static int bynamecmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int numwidth(unsigned long long v)
{
	int w = 1;

	while (v >= 10) {
		v /= 10;
		w++;
	}
	return w;
}

static void print_long(const struct entry *e, int n)
{
	int wl = 1, wu = 1, wg = 1, ws = 1, i, w;
	char mode[11], date[32];
	struct tm *tm;

	for (i = 0; i < n; i++) {
		if ((w = numwidth(e[i].st.st_nlink)) > wl)
			wl = w;
		if ((w = numwidth(e[i].st.st_uid)) > wu)
			wu = w;
		if ((w = numwidth(e[i].st.st_gid)) > wg)
			wg = w;
		if ((w = numwidth(e[i].st.st_size)) > ws)
			ws = w;
	}
	for (i = 0; i < n; i++) {
		const struct stat *st = &e[i].st;

		util_modestr(st->st_mode, mode);
		tm = localtime(&st->st_mtime);
		date[0] = '\0';
		if (tm) {
			int recent = st->st_mtime <= now && now - st->st_mtime < SIX_MONTHS;

			strftime(date, sizeof(date), recent ? "%b %e %H:%M" : "%b %e  %Y", tm);
		}
		printf("%s %*lu %-*lu %-*lu %*llu %s %s", mode, wl, (unsigned long)st->st_nlink, wu,
		       (unsigned long)st->st_uid, wg, (unsigned long)st->st_gid, ws,
		       (unsigned long long)st->st_size, date, e[i].name);
		if (S_ISLNK(st->st_mode)) {
			char target[4096];
			ssize_t len = readlink(e[i].path, target, sizeof(target) - 1);

			if (len < 0) {
				fail(e[i].path);
			} else {
				target[len] = '\0';
				printf(" -> %s", target);
			}
		}
		putchar('\n');
	}
}

/* Names in columns filling down then across, for a terminal COLUMNS wide. */
static void print_columns(const struct entry *e, int n)
{
	int width = 80, maxw = 1, cols, rows, r, c, i;
	const char *env = getenv("COLUMNS");

	if (env && atoi(env) > 0)
		width = atoi(env);
	for (i = 0; i < n; i++)
		if ((int)strlen(e[i].name) > maxw)
			maxw = strlen(e[i].name);
	cols = width / (maxw + 2);
	if (cols < 1)
		cols = 1;
	rows = (n + cols - 1) / cols;
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			i = c * rows + r;
			if (i >= n)
				break;
			if (c + 1 < cols && i + rows < n)
				printf("%-*s", maxw + 2, e[i].name);
			else
				printf("%s", e[i].name);
		}
		putchar('\n');
	}
}

static void print_list(struct entry *e, int n)
{
	int i;

	if (n > 1)
		qsort(e, n, sizeof(*e), bynamecmp);
	if (opt_long)
		print_long(e, n);
	else if (!opt_one && isatty(STDOUT_FILENO))
		print_columns(e, n);
	else
		for (i = 0; i < n; i++)
			puts(e[i].name);
}

static void free_list(struct entry *e, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].path);
	}
	free(e);
}

/* List the contents of directory path. */
static void list_dir(const char *path)
{
	struct entry *e = NULL;
	int n = 0, cap = 0;
	unsigned long long blocks = 0;
	struct dirent *d;
	DIR *dir = opendir(path);

	if (!dir) {
		fail(path);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' && !opt_all)
			continue;
		if (n == cap) {
			struct entry *ne;

			cap = cap ? cap * 2 : 32;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				fprintf(stderr, "ls: out of memory\n");
				exit(2);
			}
			e = ne;
		}
		e[n].name = xmalloc(strlen(d->d_name) + 1);
		strcpy(e[n].name, d->d_name);
		e[n].path = util_join(path, d->d_name);
		if (opt_long) {
			if (lstat(e[n].path, &e[n].st) < 0) {
				fail(e[n].path);
				free(e[n].name);
				free(e[n].path);
				continue;
			}
			blocks += e[n].st.st_blocks;
		}
		n++;
	}
	closedir(dir);
	if (opt_long)
		printf("total %llu\n", (blocks + 1) / 2);
	print_list(e, n);
	free_list(e, n);
}

int main(int argc, char **argv)
{
	struct entry *files, *dirs, *e;
	int nf = 0, nd = 0, c, i;

	util_prog = "ls";

	while ((c = getopt(argc, argv, "1adl")) != -1) {
		switch (c) {
		case '1':
			opt_one = 1;
			break;
		case 'a':
			opt_all = 1;
			break;
		case 'd':
			opt_dir = 1;
			break;
		case 'l':
			opt_long = 1;
			break;
		default:
			fprintf(stderr, "usage: ls [-1adl] [FILE...]\n");
			return 2;
		}
	}
	now = time(NULL);
	if (optind == argc)
		argv[--optind] = ".";
	files = xmalloc((argc - optind) * sizeof(*files));
	dirs = xmalloc((argc - optind) * sizeof(*dirs));
	for (i = optind; i < argc; i++) {
		struct stat st;
		/* -l and -d show a symlink operand itself; otherwise follow it. */
		int r = (opt_long || opt_dir) ? lstat(argv[i], &st) : stat(argv[i], &st);

		if (r < 0 && !opt_long && !opt_dir)
			r = lstat(argv[i], &st); /* a dangling link lists as itself */
		if (r < 0) {
			fail(argv[i]);
			continue;
		}
		e = (S_ISDIR(st.st_mode) && !opt_dir) ? &dirs[nd++] : &files[nf++];

		e->name = xmalloc(strlen(argv[i]) + 1);
		strcpy(e->name, argv[i]);
		e->path = xmalloc(strlen(argv[i]) + 1);
		strcpy(e->path, argv[i]);
		e->st = st;
	}
	if (nf)
		print_list(files, nf);
	qsort(dirs, nd, sizeof(*dirs), bynamecmp);
	for (i = 0; i < nd; i++) {
		if (nf || i)
			putchar('\n');
		if (argc - optind > 1)
			printf("%s:\n", dirs[i].name);
		list_dir(dirs[i].path);
	}
	free_list(files, nf);
	free_list(dirs, nd);
	return status;
}
