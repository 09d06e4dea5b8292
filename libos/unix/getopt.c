/*
 * getopt.c - POSIX getopt (POSIX.1-2017, XCU "getopt").
 *
 * newlib's getopt follows GNU: it permutes operands behind options and
 * takes a lone "-" for an option, so `grep o - file` fails. POSIX wants
 * scanning to stop at the first operand and "-" to be an operand; the
 * UNIX libOS's utilities rely on that. The linker takes this getopt
 * before newlib's (the Makefile names getopt undefined up front).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *optarg;
int optind = 1, opterr = 1, optopt;

/* Position inside the current argv element (a group like -abc). */
static int at = 1;

int getopt(int argc, char *const argv[], const char *opts)
{
	const char *p;
	int c;

	if (optind == 0) { /* a caller restarting the scan (glibc/BSD convention) */
		optind = 1;
		at = 1;
	}
	if (at == 1) {
		if (optind >= argc || argv[optind] == NULL || argv[optind][0] != '-' ||
		    argv[optind][1] == '\0')
			return -1;
		if (strcmp(argv[optind], "--") == 0) {
			optind++;
			return -1;
		}
	}
	c = (unsigned char)argv[optind][at];
	p = c == ':' ? NULL : strchr(opts + (opts[0] == ':'), c);
	if (argv[optind][++at] == '\0') {
		optind++;
		at = 1;
	}
	if (p == NULL) {
		optopt = c;
		if (opterr && opts[0] != ':')
			fprintf(stderr, "%s: illegal option -- %c\n", argv[0], c);
		return '?';
	}
	if (p[1] == ':') {
		if (at != 1) { /* the rest of this element: -ovalue */
			optarg = argv[optind] + at;
			optind++;
			at = 1;
		} else if (optind < argc) { /* the next element: -o value */
			optarg = argv[optind++];
		} else {
			optopt = c;
			if (opts[0] == ':')
				return ':';
			if (opterr)
				fprintf(stderr, "%s: option requires an argument -- %c\n", argv[0],
					c);
			return '?';
		}
	}
	return c;
}
