/*
 * uname - print system name (POSIX uname, options -a -s -n -r -v -m).
 *
 * usage: uname [-asnrvm]
 *
 * Prints the chosen fields of uname() on one line, separated by spaces, in
 * the fixed order sysname, nodename, release, version, machine, whatever
 * the order of the options. No option means -s; -a means all five.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

enum { F_S = 1, F_N = 2, F_R = 4, F_V = 8, F_M = 16 };

int main(int argc, char **argv)
{
	struct utsname u;
	int c, fields = 0, first = 1, i;
	const char *val[5];

	while ((c = getopt(argc, argv, "asnrvm")) != -1) {
		switch (c) {
		case 'a':
			fields |= F_S | F_N | F_R | F_V | F_M;
			break;
		case 's':
			fields |= F_S;
			break;
		case 'n':
			fields |= F_N;
			break;
		case 'r':
			fields |= F_R;
			break;
		case 'v':
			fields |= F_V;
			break;
		case 'm':
			fields |= F_M;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (!fields)
		fields = F_S;
	if (uname(&u) < 0) {
		fprintf(stderr, "uname: %s\n", strerror(errno));
		return 1;
	}
	val[0] = u.sysname;
	val[1] = u.nodename;
	val[2] = u.release;
	val[3] = u.version;
	val[4] = u.machine;
	for (i = 0; i < 5; i++) {
		if (!(fields & (1 << i)))
			continue;
		printf("%s%s", first ? "" : " ", val[i]);
		first = 0;
	}
	putchar('\n');
	return 0;
usage:
	fprintf(stderr, "usage: uname [-asnrvm]\n");
	return 1;
}
