/*
 * rm - remove directory entries (POSIX rm, options -r -R -f).
 *
 * usage: rm [-fRr] FILE...
 *
 * -r removes directories and their contents. It never follows a symbolic
 * link: entries are examined with lstat, so a link to a directory is
 * removed as a link and what it points to is left alone. -f ignores files
 * that do not exist and never fails because of them. Each failure prints
 * "rm: FILE: reason" and makes the exit status 1; rm goes on with the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/util.h"

static int opt_force, opt_recursive;
static int status;

static void fail(const char *what)
{
	if (opt_force && errno == ENOENT)
		return;
	fprintf(stderr, "rm: %s: %s\n", what, strerror(errno));
	status = 1;
}

/*
 * Remove everything inside directory path. The names are read first and
 * removed after closedir, so removal never disturbs the directory stream.
 */
static void remove_all(const char *path);

static void remove_contents(const char *path)
{
	char **names = NULL, **nn;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	DIR *dir = opendir(path);

	if (!dir) {
		fail(path);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		if ((names[n] = util_join(path, d->d_name)) == NULL)
			break;
		n++;
	}
	closedir(dir);
	for (i = 0; i < n; i++) {
		remove_all(names[i]);
		free(names[i]);
	}
	free(names);
}

/* Remove path; with -r, a directory (not a link to one) with its contents. */
static void remove_all(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		fail(path);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!opt_recursive) {
			errno = EISDIR;
			fail(path);
			return;
		}
		remove_contents(path);
		if (rmdir(path) < 0)
			fail(path);
		return;
	}
	if (unlink(path) < 0)
		fail(path);
}

/* POSIX: rm -r of a path whose last component is . or .. is an error. */
static int dot_or_dotdot(const char *path)
{
	size_t len = strlen(path);
	const char *last;

	while (len > 1 && path[len - 1] == '/')
		len--;
	last = path + len;
	while (last > path && last[-1] != '/')
		last--;
	len -= last - path;
	return (len == 1 && last[0] == '.') || (len == 2 && last[0] == '.' && last[1] == '.');
}

int main(int argc, char **argv)
{
	int c, i;

	util_prog = "rm";

	while ((c = getopt(argc, argv, "fRr")) != -1) {
		switch (c) {
		case 'f':
			opt_force = 1;
			break;
		case 'R':
		case 'r':
			opt_recursive = 1;
			break;
		default:
			fprintf(stderr, "usage: rm [-fRr] FILE...\n");
			return 1;
		}
	}
	if (optind == argc && !opt_force) {
		fprintf(stderr, "usage: rm [-fRr] FILE...\n");
		return 1;
	}
	for (i = optind; i < argc; i++) {
		if (dot_or_dotdot(argv[i]) || !strcmp(argv[i], "/")) {
			fprintf(stderr, "rm: %s: refusing to remove\n", argv[i]);
			status = 1;
			continue;
		}
		remove_all(argv[i]);
	}
	return status;
}
