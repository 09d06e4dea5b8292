/*
 * mkdir - make directories (POSIX mkdir, options -p -m).
 *
 * usage: mkdir [-p] [-m MODE] DIR...
 *
 * -p creates missing parents (mode 0777 less the umask, plus u+wx) and is
 * content when DIR already exists as a directory. -m takes an octal mode
 * only. Each failure prints "mkdir: DIR: reason" and makes the exit status
 * 1; mkdir goes on with the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir, but an existing directory is success; errno kept from mkdir. */
static int make_one(const char *path, mode_t mode)
{
	int e;

	if (mkdir(path, mode) == 0)
		return 0;
	e = errno;
	if (e == EEXIST && is_dir(path))
		return 0;
	errno = e;
	return -1;
}

/*
 * Create every missing directory on path, parents with mode parent and the
 * last one with mode. Caller has set the umask to 0: the modes are final.
 */
static int make_parents(char *path, mode_t parent, mode_t mode)
{
	char *p = path;

	for (;;) {
		while (*p == '/')
			p++;
		while (*p && *p != '/')
			p++;
		while (*p == '/' && p[1] == '/')
			p++;
		if (*p == '\0' || p[1] == '\0')
			break;
		*p = '\0';
		if (make_one(path, parent) < 0) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return make_one(path, mode);
}

int main(int argc, char **argv)
{
	int c, i, opt_parents = 0, opt_mode = 0, status = 0;
	mode_t mode = 0777, mask, parent;
	char *end;

	while ((c = getopt(argc, argv, "pm:")) != -1) {
		switch (c) {
		case 'p':
			opt_parents = 1;
			break;
		case 'm':
			mode = strtoul(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' || mode > 07777) {
				fprintf(stderr, "mkdir: %s: invalid mode\n", optarg);
				return 1;
			}
			opt_mode = 1;
			break;
		default:
			fprintf(stderr, "usage: mkdir [-p] [-m MODE] DIR...\n");
			return 1;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: mkdir [-p] [-m MODE] DIR...\n");
		return 1;
	}
	/* Apply the umask here so that -m MODE and the parents' u+wx are exact. */
	mask = umask(0);
	parent = (0777 & ~mask) | S_IWUSR | S_IXUSR;
	if (!opt_mode)
		mode &= ~mask;
	for (i = optind; i < argc; i++) {
		int r = opt_parents ? make_parents(argv[i], parent, mode) : mkdir(argv[i], mode);

		if (r < 0) {
			fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
