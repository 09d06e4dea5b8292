/*
 * head - copy the first part of files (POSIX).
 *
 * head [-n N | -c N] [file...]: the first N lines (default 10) or, with
 * -c, the first N bytes of each file; "-" or no operand is standard
 * input. With more than one operand each file's output is preceded by
 * "==> FILE <==", with a blank line before all but the first, as GNU head
 * prints it. -N is accepted for -n N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int first_header = 1;

/* Parse a count operand; returns -1 when s is not a decimal number. */
static long long parse_count(const char *s)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno)
		return -1;
	return v;
}

/* Copy the first n lines (or bytes, when bytes) of f to standard output. */
static int head(FILE *f, long long n, int bytes)
{
	int c;

	while (n > 0 && (c = getc(f)) != EOF) {
		putchar(c);
		if (bytes || c == '\n')
			n--;
	}
	return ferror(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static char *stdin_only[] = { "-", NULL };
	long long n = 10;
	int bytes = 0, status = 0, i = 1, nfiles;
	char **files;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];
		const char *val;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] >= '0' && a[1] <= '9') {
			val = a + 1;
			bytes = 0;
		} else if ((a[1] == 'n' || a[1] == 'c')) {
			bytes = a[1] == 'c';
			val = a[2] ? a + 2 : argv[++i];
			if (!val) {
				fprintf(stderr, "head: option requires an argument -- '%c'\n",
					a[1]);
				return 1;
			}
		} else {
			fprintf(stderr, "usage: head [-n lines | -c bytes] [file...]\n");
			return 1;
		}
		n = parse_count(val);
		if (n < 0) {
			fprintf(stderr, "head: invalid number: '%s'\n", val);
			return 1;
		}
	}
	nfiles = argc - i;
	files = nfiles ? argv + i : stdin_only;
	for (; *files; files++) {
		int is_stdin = strcmp(*files, "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(*files, "r");

		if (!f) {
			fprintf(stderr, "head: %s: %s\n", *files, strerror(errno));
			status = 1;
			continue;
		}
		if (nfiles > 1) {
			printf("%s==> %s <==\n", first_header ? "" : "\n",
			       is_stdin ? "standard input" : *files);
			first_header = 0;
		}
		if (head(f, n, bytes) < 0) {
			fprintf(stderr, "head: %s: %s\n", *files, strerror(errno));
			status = 1;
		}
		if (!is_stdin)
			fclose(f);
	}
	if (fflush(stdout) == EOF) {
		perror("head: write error");
		return 1;
	}
	return status;
}
