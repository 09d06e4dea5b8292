/*
 * mv - move files (POSIX mv, by rename(2); option -f accepted).
 *
 * usage: mv [-f] SRC DST
 *        mv [-f] SRC... DIR
 *
 * When the last operand is a directory each SRC moves inside it under its
 * last component; otherwise SRC is renamed to DST, replacing a file there.
 * There is one file system, so moves never copy. mv never prompts, so -f
 * changes nothing. Each failure prints "mv: SRC: reason" and makes the
 * exit status 1; mv goes on with the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/util.h"

static int move(const char *src, const char *dst)
{
	struct stat s, d;

	if (lstat(src, &s) < 0) {
		fprintf(stderr, "mv: %s: %s\n", src, strerror(errno));
		return 1;
	}
	if (lstat(dst, &d) == 0 && s.st_dev == d.st_dev && s.st_ino == d.st_ino) {
		fprintf(stderr, "mv: %s: same file as %s\n", src, dst);
		return 1;
	}
	if (rename(src, dst) < 0) {
		fprintf(stderr, "mv: %s: %s\n", src, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int c, i, n, status = 0;
	struct stat st;
	const char *last;

	util_prog = "mv";

	while ((c = getopt(argc, argv, "f")) != -1) {
		if (c != 'f')
			goto usage;
	}
	n = argc - optind;
	if (n < 2)
		goto usage;
	last = argv[argc - 1];
	if (stat(last, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (n > 2) {
			fprintf(stderr, "mv: %s: %s\n", last, strerror(ENOTDIR));
			return 1;
		}
		return move(argv[optind], last);
	}
	for (i = optind; i < argc - 1; i++) {
		char *name = util_base(argv[i]), *path = util_join(last, name);

		status |= move(argv[i], path);
		free(name);
		free(path);
	}
	return status;
usage:
	fprintf(stderr, "usage: mv [-f] SRC DST\n       mv [-f] SRC... DIR\n");
	return 1;
}
