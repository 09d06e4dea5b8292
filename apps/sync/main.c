/*
 * sync - write cached file-system data to the disk.
 *
 * usage: sync [FILE...]
 *
 * Without operands calls sync(). With FILE operands it calls fsync() on
 * each instead (as GNU sync does); one that cannot be opened or synced
 * prints "sync: FILE: reason" and makes the exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i, fd, status = 0;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0' && strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: sync [FILE...]\n");
		return 1;
	}
	i = (argc > 1 && !strcmp(argv[1], "--")) ? 2 : 1;
	if (i == argc) {
		sync();
		return 0;
	}
	for (; i < argc; i++) {
		if ((fd = open(argv[i], O_RDONLY)) < 0 || fsync(fd) < 0) {
			fprintf(stderr, "sync: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	return status;
}
