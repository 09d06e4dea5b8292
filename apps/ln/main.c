/*
 * ln - make links (POSIX ln, options -s -f).
 *
 * usage: ln [-fs] TARGET [LINK]
 *        ln [-fs] TARGET... DIR
 *
 * Without LINK the link goes in the current directory under TARGET's last
 * component; when the last operand is a directory (or a link to one) each
 * link goes inside it under its TARGET's last component. -s makes symbolic
 * links (TARGET is stored as given and need not exist); otherwise hard
 * links. -f first removes an existing LINK. Each failure prints
 * "ln: LINK: reason" and makes the exit status 1; ln goes on with the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/util.h"

static int opt_force, opt_symbolic;

static int make_link(const char *target, const char *link_path)
{
	struct stat st;

	if (opt_force && lstat(link_path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			goto fail;
		}
		if (unlink(link_path) < 0)
			goto fail;
	}
	if ((opt_symbolic ? symlink(target, link_path) : link(target, link_path)) == 0)
		return 0;
	/* The target is the operand at fault when it is missing. */
	if (!opt_symbolic && errno == ENOENT && lstat(target, &st) < 0)
		link_path = target;
fail:
	fprintf(stderr, "ln: %s: %s\n", link_path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int c, i, n, status = 0;
	struct stat st;
	const char *last;

	util_prog = "ln";

	while ((c = getopt(argc, argv, "fs")) != -1) {
		switch (c) {
		case 'f':
			opt_force = 1;
			break;
		case 's':
			opt_symbolic = 1;
			break;
		default:
			goto usage;
		}
	}
	n = argc - optind;
	if (n < 1)
		goto usage;
	if (n == 1) {
		char *name = util_base(argv[optind]);

		status = make_link(argv[optind], name);
		free(name);
		return status;
	}
	last = argv[argc - 1];
	if (stat(last, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (n > 2) {
			fprintf(stderr, "ln: %s: %s\n", last, strerror(ENOTDIR));
			return 1;
		}
		return make_link(argv[optind], last);
	}
	for (i = optind; i < argc - 1; i++) {
		char *name = util_base(argv[i]), *path = util_join(last, name);

		status |= make_link(argv[i], path);
		free(name);
		free(path);
	}
	return status;
usage:
	fprintf(stderr, "usage: ln [-fs] TARGET [LINK]\n       ln [-fs] TARGET... DIR\n");
	return 1;
}
