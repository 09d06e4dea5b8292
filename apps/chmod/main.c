/*
 * chmod - change file modes (POSIX.1-2017 XCU "chmod"): an octal mode, or
 * symbolic clauses such as u+x, go-w, a=r, u=rwx,g+s, applied to each
 * operand in turn. -R is not supported. Exit status 1 if any operand
 * failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The new mode of a file whose mode is old, after spec (octal or
 * symbolic); -1 if spec is malformed. umask applies to clauses with no
 * "who", as POSIX says. */
static long apply(const char *spec, mode_t old, mode_t mask)
{
	char *end;
	long m = strtol(spec, &end, 8);

	if (spec[0] >= '0' && spec[0] <= '7')
		return *end == '\0' && m >= 0 && m <= 07777 ? m : -1;
	mode_t mode = old & 07777;
	const char *p = spec;

	for (;;) {
		mode_t who = 0;

		for (; strchr("ugoa", *p) && *p; p++)
			who |= *p == 'u' ? 04700 : *p == 'g' ? 02070 : *p == 'o' ? 01007 : 07777;
		if (*p != '+' && *p != '-' && *p != '=')
			return -1;
		while (*p == '+' || *p == '-' || *p == '=') {
			char op = *p++;
			mode_t bits = 0;

			for (; *p && strchr("rwxst", *p); p++)
				bits |= *p == 'r'   ? 0444
					: *p == 'w' ? 0222
					: *p == 'x' ? 0111
					: *p == 's' ? 06000
						    : 01000;
			mode_t w = who ? who : 07777 & ~mask;

			if (op == '+')
				mode |= bits & w;
			else if (op == '-')
				mode &= ~(bits & w);
			else
				mode = (mode & ~(who ? who : 07777)) | (bits & w);
		}
		if (*p == '\0')
			return mode;
		if (*p++ != ',')
			return -1;
	}
}

int main(int argc, char **argv)
{
	mode_t mask = umask(0);
	int status = 0;

	umask(mask);
	if (argc < 3) {
		fprintf(stderr, "usage: chmod MODE FILE...\n");
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		struct stat st;
		long mode;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "chmod: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		mode = apply(argv[1], st.st_mode, mask);
		if (mode < 0) {
			fprintf(stderr, "chmod: invalid mode: %s\n", argv[1]);
			return 1;
		}
		if (chmod(argv[i], (mode_t)mode) != 0) {
			fprintf(stderr, "chmod: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
