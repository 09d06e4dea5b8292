/*
 * cat - concatenate files to standard output (POSIX).
 *
 * Operands are files, "-" standard input; no operand means standard input.
 * -u (unbuffered) is accepted and has no effect: output is written with
 * write(2) as it is read. A file that cannot be read is reported as
 * "cat: FILE: reason" and the rest are still copied; the status is then 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/util.h"

/* Bytes moved per read(2). */
#define CAT_BUF 65536

static char buf[CAT_BUF];

/*
 * Copy fd to standard output. Returns 0, 1 after a read error (reported
 * against name), or 2 after a write error (reported; the caller stops).
 */
static int copy(int fd, const char *name)
{
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
			return 1;
		}
		if (util_write_all(STDOUT_FILENO, buf, (size_t)r) < 0) {
			fprintf(stderr, "cat: write error: %s\n", strerror(errno));
			return 2;
		}
	}
}

int main(int argc, char **argv)
{
	static char *stdin_only[] = { "-", NULL };
	char **files;
	int status = 0;
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-u") != 0) {
			fprintf(stderr, "cat: invalid option -- '%s'\nusage: cat [-u] [file...]\n",
				argv[i] + 1);
			return 1;
		}
	}
	files = i < argc ? argv + i : stdin_only;
	for (; *files; files++) {
		int fd = STDIN_FILENO;
		int r;

		if (strcmp(*files, "-") != 0) {
			fd = open(*files, O_RDONLY);
			if (fd < 0) {
				fprintf(stderr, "cat: %s: %s\n", *files, strerror(errno));
				status = 1;
				continue;
			}
		}
		r = copy(fd, *files);
		if (fd != STDIN_FILENO)
			close(fd);
		if (r == 2)
			return 1;
		if (r)
			status = 1;
	}
	return status;
}
