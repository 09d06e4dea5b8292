/*
 * uniq - report or filter out repeated lines (POSIX).
 *
 * uniq [-c] [-d | -u] [input [output]]: writes one copy of each run of
 * adjacent equal lines; -d only runs of two or more, -u only lines that
 * are not repeated, -c prefixes each with its run length ("%7lu ", as GNU
 * uniq prints it). A missing final newline is supplied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int show_count, only_dups, only_uniq;

/* One line, without its newline; buf grows as needed. */
struct text {
	char *buf;
	size_t len, cap;
};

/* Read the next line of f into t. Returns 1, 0 at end of input, -1 on error. */
static int read_line(FILE *f, struct text *t)
{
	int c;

	t->len = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (t->len == t->cap) {
			size_t ncap = t->cap ? t->cap * 2 : 256;
			char *nb = realloc(t->buf, ncap);

			if (!nb)
				return -1;
			t->buf = nb;
			t->cap = ncap;
		}
		t->buf[t->len++] = (char)c;
	}
	if (ferror(f))
		return -1;
	return c != EOF || t->len > 0;
}

/* Write the run of n copies of t if the options select it. */
static void emit(FILE *out, const struct text *t, unsigned long n)
{
	if ((only_dups && n < 2) || (only_uniq && n > 1))
		return;
	if (show_count)
		fprintf(out, "%7lu ", n);
	fwrite(t->buf, 1, t->len, out);
	putc('\n', out);
}

int main(int argc, char **argv)
{
	struct text prev = { NULL, 0, 0 }, cur = { NULL, 0, 0 }, swap;
	unsigned long run = 0;
	FILE *in = stdin, *out = stdout;
	const char *in_name = "-";
	int opt, r;

	while ((opt = getopt(argc, argv, "cdu")) != -1) {
		switch (opt) {
		case 'c':
			show_count = 1;
			break;
		case 'd':
			only_dups = 1;
			break;
		case 'u':
			only_uniq = 1;
			break;
		default:
			fprintf(stderr, "usage: uniq [-c] [-d | -u] [input [output]]\n");
			return 1;
		}
	}
	if (argc - optind > 2) {
		fprintf(stderr, "uniq: extra operand '%s'\n", argv[optind + 2]);
		return 1;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		in_name = argv[optind];
		in = fopen(in_name, "r");
		if (!in) {
			fprintf(stderr, "uniq: %s: %s\n", in_name, strerror(errno));
			return 1;
		}
	}
	if (optind + 1 < argc && strcmp(argv[optind + 1], "-") != 0) {
		out = fopen(argv[optind + 1], "w");
		if (!out) {
			fprintf(stderr, "uniq: %s: %s\n", argv[optind + 1], strerror(errno));
			return 1;
		}
	}

	while ((r = read_line(in, &cur)) > 0) {
		if (run > 0 && cur.len == prev.len && memcmp(cur.buf, prev.buf, cur.len) == 0) {
			run++;
			continue;
		}
		if (run > 0)
			emit(out, &prev, run);
		swap = prev;
		prev = cur;
		cur = swap;
		run = 1;
	}
	if (run > 0)
		emit(out, &prev, run);
	if (r < 0) {
		fprintf(stderr, "uniq: %s: %s\n", in_name, strerror(errno));
		return 1;
	}
	if (fflush(out) == EOF || ferror(out)) {
		perror("uniq: write error");
		return 1;
	}
	return 0;
}
