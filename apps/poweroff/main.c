/*
 * poweroff - write the file system out and switch the machine off.
 *
 * usage: poweroff
 *
 * Calls unix_poweroff(), which syncs and unmounts the file system before
 * the machine goes off. It returns only on failure (EPERM, EIO): then
 * poweroff prints "poweroff: reason" and exits with status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <unix/unix.h>

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: poweroff\n");
		return 1;
	}
	fflush(NULL); /* nothing buffered survives the call */
	unix_poweroff();
	fprintf(stderr, "poweroff: %s\n", strerror(errno));
	return 1;
}
