/*
 * tee - copy standard input to standard output and to files (POSIX).
 *
 * tee [-ai] [file...]: each file is truncated, or appended to with -a; -i
 * ignores SIGINT. A file that cannot be opened or written is reported and
 * dropped while the copy goes on; the status is then 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/util.h"

int main(int argc, char **argv)
{
	static char buf[65536];
	int flags = O_WRONLY | O_CREAT | O_TRUNC;
	int opt, status = 0, nfds;
	int *fds;
	const char **names;

	while ((opt = getopt(argc, argv, "ai")) != -1) {
		switch (opt) {
		case 'a':
			flags = O_WRONLY | O_CREAT | O_APPEND;
			break;
		case 'i':
			signal(SIGINT, SIG_IGN);
			break;
		default:
			fprintf(stderr, "usage: tee [-ai] [file...]\n");
			return 1;
		}
	}
	nfds = argc - optind + 1;
	fds = malloc(nfds * sizeof *fds);
	names = malloc(nfds * sizeof *names);
	if (!fds || !names) {
		fprintf(stderr, "tee: %s\n", strerror(ENOMEM));
		return 1;
	}
	fds[0] = STDOUT_FILENO;
	names[0] = "standard output";
	for (int i = 1; i < nfds; i++) {
		names[i] = argv[optind + i - 1];
		fds[i] = open(names[i], flags, 0666);
		if (fds[i] < 0) {
			fprintf(stderr, "tee: %s: %s\n", names[i], strerror(errno));
			status = 1;
		}
	}
	for (;;) {
		ssize_t r = read(STDIN_FILENO, buf, sizeof buf);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "tee: standard input: %s\n", strerror(errno));
			status = 1;
		}
		if (r <= 0)
			break;
		for (int i = 0; i < nfds; i++) {
			if (fds[i] < 0)
				continue;
			if (util_write_all(fds[i], buf, (size_t)r) < 0) {
				fprintf(stderr, "tee: %s: %s\n", names[i], strerror(errno));
				status = 1;
				if (i > 0)
					close(fds[i]);
				fds[i] = -1;
			}
		}
	}
	for (int i = 1; i < nfds; i++) {
		if (fds[i] >= 0 && close(fds[i]) < 0) {
			fprintf(stderr, "tee: %s: %s\n", names[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
