/*
 * cp - copy files (POSIX cp, options -R -r -f).
 *
 * usage: cp [-fRr] SRC DST
 *        cp [-fRr] SRC... DIR
 *
 * When the last operand is a directory each SRC is copied inside it under
 * its last component. A new file gets SRC's permission bits less the
 * umask; an existing one keeps its mode and is truncated first (-f: if it
 * cannot be opened, it is removed and created again). -R (or -r) copies
 * directories with their contents, and symbolic links as links; without
 * it links are followed and a directory operand is an error. Each failure
 * prints "cp: FILE: reason" and makes the exit status 1; cp goes on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/util.h"

static int opt_force, opt_recursive;
static int status;
static mode_t mask;

static int fail(const char *what)
{
	fprintf(stderr, "cp: %s: %s\n", what, strerror(errno));
	status = 1;
	return -1;
}

static int copy(const char *src, const char *dst);

/* Copy the data of the regular file src (already stat'ed as *st) to dst. */
static int copy_file(const char *src, const char *dst, const struct stat *st)
{
	static char buf[65536];
	int in, out, ret = 0;
	ssize_t n, w, off;

	if ((in = open(src, O_RDONLY)) < 0)
		return fail(src);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st->st_mode & 0777);
	if (out < 0 && opt_force && unlink(dst) == 0)
		out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st->st_mode & 0777);
	if (out < 0) {
		fail(dst);
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += w) {
			if ((w = write(out, buf + off, n - off)) < 0) {
				ret = fail(dst);
				goto done;
			}
		}
	}
	if (n < 0)
		ret = fail(src);
done:
	close(in);
	if (close(out) < 0 && ret == 0)
		ret = fail(dst);
	return ret;
}

/*
 * Copy directory src into dst, creating dst unless it is a directory
 * already. The names are read before any is copied, so entries created
 * meanwhile are not copied.
 */
static int copy_dir(const char *src, const char *dst, const struct stat *st)
{
	struct stat dst_st;
	char **names = NULL, **nn;
	size_t n = 0, cap = 0, i;
	int created = 0;
	struct dirent *d;
	DIR *dir;

	if (stat(dst, &dst_st) == 0) {
		if (!S_ISDIR(dst_st.st_mode)) {
			errno = ENOTDIR;
			return fail(dst);
		}
	} else {
		if (mkdir(dst, (st->st_mode & 0777) | S_IRWXU) < 0 || stat(dst, &dst_st) < 0)
			return fail(dst);
		created = 1;
	}
	if ((dir = opendir(src)) == NULL)
		return fail(src);
	while ((d = readdir(dir)) != NULL) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				fprintf(stderr, "cp: out of memory\n");
				exit(1);
			}
			names = nn;
		}
		names[n++] = xmalloc(strlen(d->d_name) + 1);
		strcpy(names[n - 1], d->d_name);
	}
	closedir(dir);
	for (i = 0; i < n; i++) {
		char *s = util_join(src, names[i]), *t = util_join(dst, names[i]);

		copy(s, t);
		free(s);
		free(t);
		free(names[i]);
	}
	free(names);
	if (created && chmod(dst, st->st_mode & 07777 & ~mask) < 0)
		return fail(dst);
	return 0;
}

static int copy(const char *src, const char *dst)
{
	struct stat st, dst_st;
	char target[4096];
	ssize_t len;

	if ((opt_recursive ? lstat(src, &st) : stat(src, &st)) < 0)
		return fail(src);
	if (stat(dst, &dst_st) == 0 && st.st_dev == dst_st.st_dev && st.st_ino == dst_st.st_ino) {
		fprintf(stderr, "cp: %s: same file as %s\n", dst, src);
		status = 1;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (opt_recursive)
			return copy_dir(src, dst, &st);
		errno = EISDIR;
		return fail(src);
	}
	if (S_ISLNK(st.st_mode)) {
		if ((len = readlink(src, target, sizeof(target) - 1)) < 0)
			return fail(src);
		target[len] = '\0';
		if (symlink(target, dst) < 0 &&
		    (errno != EEXIST || unlink(dst) < 0 || symlink(target, dst) < 0))
			return fail(dst);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = ENOTSUP;
		return fail(src);
	}
	return copy_file(src, dst, &st);
}

/*
 * 1 if the directory that will hold dst is the directory *src or lies
 * below it, found by walking up from dst's parent through "..".
 */
static int inside(const char *dst, const struct stat *src)
{
	size_t len = strlen(dst), cap;
	struct stat st;
	dev_t prev_dev = 0;
	ino_t prev_ino = 0;
	char *p;
	int depth, ret = 0;

	while (len > 1 && dst[len - 1] == '/')
		len--;
	while (len > 0 && dst[len - 1] != '/')
		len--;
	cap = len + 2 + 3 * 256;
	p = xmalloc(cap);
	memcpy(p, len ? dst : ".", len ? len : 1);
	p[len ? len : 1] = '\0';
	for (depth = 0; depth < 256 && stat(p, &st) == 0; depth++) {
		if (st.st_dev == src->st_dev && st.st_ino == src->st_ino) {
			ret = 1;
			break;
		}
		if (depth && st.st_dev == prev_dev && st.st_ino == prev_ino)
			break; /* the root is its own parent */
		prev_dev = st.st_dev;
		prev_ino = st.st_ino;
		strcat(p, "/..");
	}
	free(p);
	return ret;
}

/* Copy an operand: as copy(), refusing to copy a directory into itself. */
static void copy_top(const char *src, const char *dst)
{
	struct stat st;

	if (opt_recursive && lstat(src, &st) == 0 && S_ISDIR(st.st_mode) && inside(dst, &st)) {
		fprintf(stderr, "cp: %s: cannot copy a directory into itself\n", dst);
		status = 1;
		return;
	}
	copy(src, dst);
}

int main(int argc, char **argv)
{
	int c, i, n;
	struct stat st;
	const char *last;

	util_prog = "cp";

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
			goto usage;
		}
	}
	n = argc - optind;
	if (n < 2)
		goto usage;
	mask = umask(0);
	umask(mask);
	last = argv[argc - 1];
	if (stat(last, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (n > 2) {
			errno = ENOTDIR;
			fail(last);
			return 1;
		}
		copy_top(argv[optind], last);
		return status;
	}
	for (i = optind; i < argc - 1; i++) {
		char *name = util_base(argv[i]), *path = util_join(last, name);

		copy_top(argv[i], path);
		free(name);
		free(path);
	}
	return status;
usage:
	fprintf(stderr, "usage: cp [-fRr] SRC DST\n       cp [-fRr] SRC... DIR\n");
	return 1;
}
