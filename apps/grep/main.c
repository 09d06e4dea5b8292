/*
 * grep - print the lines that match a regular expression (POSIX).
 *
 * grep [-E] [-cinqv] [-e] PATTERN [file...]: basic regular expressions by
 * default, extended with -E, both through regcomp/regexec (newlib's
 * libc/posix on the target). -i ignores case, -v selects the lines that
 * do not match, -c prints only a count, -n prefixes line numbers, -q
 * prints nothing. With more than one file each output line starts with
 * "file:". Exit status: 0 if a line was selected, 1 if none, 2 on error.
 */
#include <sys/types.h> /* before <regex.h>: newlib's uses off_t */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static regex_t re;
static int match_all; /* empty pattern: newlib's regcomp rejects it in EREs */
static int invert, count_only, number, quiet, with_names;

/*
 * Read one line of f into *buf (grown as needed), without its newline,
 * NUL-terminated. Returns 1 for a line, 0 at the end of input, -1 with
 * errno after a read error or when memory runs out.
 */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 256;
			char *nb = realloc(*buf, ncap);

			if (!nb)
				return -1;
			*buf = nb;
			*cap = ncap;
		}
		(*buf)[n++] = (char)c;
	}
	if (c == EOF && (ferror(f) || n == 0))
		return ferror(f) ? -1 : 0;
	if (!*buf && !(*buf = malloc(*cap = 256)))
		return -1;
	(*buf)[n] = '\0';
	*len = n;
	return 1;
}

/* Search f (called name). Returns the lines selected, or -1 after an error. */
static long search(FILE *f, const char *name)
{
	static char *line;
	static size_t cap;
	size_t len;
	long selected = 0, lineno = 0;
	int r;

	while ((r = read_line(f, &line, &cap, &len)) > 0) {
		int matched = match_all || regexec(&re, line, 0, NULL, 0) == 0;

		lineno++;
		if (matched == invert)
			continue;
		selected++;
		if (quiet)
			return selected;
		if (count_only)
			continue;
		if (with_names)
			printf("%s:", name);
		if (number)
			printf("%ld:", lineno);
		fwrite(line, 1, len, stdout);
		putchar('\n');
	}
	if (r < 0) {
		fprintf(stderr, "grep: %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (count_only) {
		if (with_names)
			printf("%s:", name);
		printf("%ld\n", selected);
	}
	return selected;
}

int main(int argc, char **argv)
{
	const char *pattern = NULL;
	int cflags = REG_NOSUB;
	int opt, any = 0, error = 0;

	while ((opt = getopt(argc, argv, "Ecinqve:")) != -1) {
		switch (opt) {
		case 'E':
			cflags |= REG_EXTENDED;
			break;
		case 'c':
			count_only = 1;
			break;
		case 'i':
			cflags |= REG_ICASE;
			break;
		case 'n':
			number = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			invert = 1;
			break;
		case 'e':
			pattern = optarg;
			break;
		default:
			fprintf(stderr, "usage: grep [-E] [-cinqv] [-e] pattern [file...]\n");
			return 2;
		}
	}
	if (!pattern) {
		if (optind >= argc) {
			fprintf(stderr, "usage: grep [-E] [-cinqv] [-e] pattern [file...]\n");
			return 2;
		}
		pattern = argv[optind++];
	}
	if (pattern[0] == '\0') {
		match_all = 1;
	} else {
		int r = regcomp(&re, pattern, cflags);

		if (r != 0) {
			char msg[256];

			regerror(r, &re, msg, sizeof msg);
			fprintf(stderr, "grep: %s\n", msg);
			return 2;
		}
	}
	with_names = argc - optind > 1;

	if (optind >= argc) {
		long n = search(stdin, "(standard input)");

		any = n > 0;
		error = n < 0;
	}
	for (int i = optind; i < argc && !(quiet && any); i++) {
		int is_stdin = strcmp(argv[i], "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(argv[i], "r");
		long n;

		if (!f) {
			fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
			error = 1;
			continue;
		}
		n = search(f, is_stdin ? "(standard input)" : argv[i]);
		if (n > 0)
			any = 1;
		if (n < 0)
			error = 1;
		if (!is_stdin)
			fclose(f);
	}
	if (fflush(stdout) == EOF) {
		perror("grep: write error");
		return 2;
	}
	if (quiet && any)
		return 0;
	return error ? 2 : any ? 0 : 1;
}
