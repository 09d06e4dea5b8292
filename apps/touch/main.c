/*
 * touch - change file times, creating files (POSIX touch, options -a -c -m).
 *
 * usage: touch [-acm] FILE...
 *
 * Sets the access and modification times to now (-a: only the access
 * time, -m: only the modification time), through utimes(); the time left
 * alone is written back as read, to the microsecond. A missing FILE
 * is created empty unless -c is given; an existing one keeps its contents.
 * Each failure prints "touch: FILE: reason" and makes the exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int c, i, fd, opt_a = 0, opt_c = 0, opt_m = 0, status = 0;
	struct timeval tv[2], now;
	struct stat st;

	while ((c = getopt(argc, argv, "acm")) != -1) {
		switch (c) {
		case 'a':
			opt_a = 1;
			break;
		case 'c':
			opt_c = 1;
			break;
		case 'm':
			opt_m = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind == argc)
		goto usage;
	if (!opt_a && !opt_m)
		opt_a = opt_m = 1;
	for (i = optind; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			if (errno != ENOENT || opt_c) {
				if (errno != ENOENT)
					goto fail;
				continue;
			}
			/* A new file's times are already now. */
			if ((fd = open(argv[i], O_WRONLY | O_CREAT, 0666)) < 0 || close(fd) < 0)
				goto fail;
			continue;
		}
		if (opt_a && opt_m) {
			if (utimes(argv[i], NULL) < 0)
				goto fail;
			continue;
		}
		gettimeofday(&now, NULL);
		tv[0] = tv[1] = now;
		if (!opt_a) {
			tv[0].tv_sec = st.st_atime;
			tv[0].tv_usec = st.st_atim.tv_nsec / 1000;
		}
		if (!opt_m) {
			tv[1].tv_sec = st.st_mtime;
			tv[1].tv_usec = st.st_mtim.tv_nsec / 1000;
		}
		if (utimes(argv[i], tv) == 0)
			continue;
	fail:
		fprintf(stderr, "touch: %s: %s\n", argv[i], strerror(errno));
		status = 1;
	}
	return status;
usage:
	fprintf(stderr, "usage: touch [-acm] FILE...\n");
	return 1;
}
