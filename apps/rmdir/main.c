/*
 * rmdir - remove empty directories (POSIX rmdir, option -p).
 *
 * usage: rmdir [-p] DIR...
 *
 * -p also removes each parent named in DIR, from the deepest up, stopping
 * at the first failure. Each failure prints "rmdir: DIR: reason" and makes
 * the exit status 1; rmdir goes on with the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int status;

static int remove_one(const char *path)
{
	if (rmdir(path) == 0)
		return 0;
	fprintf(stderr, "rmdir: %s: %s\n", path, strerror(errno));
	status = 1;
	return -1;
}

/* Cut the last component (and the slashes before it) off path; 0 if none is left. */
static int strip_last(char *path)
{
	size_t len = strlen(path);

	while (len > 0 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	while (len > 0 && path[len - 1] == '/')
		len--;
	path[len] = '\0';
	return len > 0;
}

int main(int argc, char **argv)
{
	int c, i, opt_parents = 0;

	while ((c = getopt(argc, argv, "p")) != -1) {
		if (c != 'p') {
			fprintf(stderr, "usage: rmdir [-p] DIR...\n");
			return 1;
		}
		opt_parents = 1;
	}
	if (optind == argc) {
		fprintf(stderr, "usage: rmdir [-p] DIR...\n");
		return 1;
	}
	for (i = optind; i < argc; i++) {
		if (remove_one(argv[i]) < 0 || !opt_parents)
			continue;
		while (strip_last(argv[i]) && remove_one(argv[i]) == 0)
			;
	}
	return status;
}
