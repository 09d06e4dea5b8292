/*
 * sort - sort lines of text (POSIX), ordering as GNU sort does in the C
 * locale.
 *
 * sort [-bnrsu] [-t c] [-k F1[,F2]]... [-o out] [file...]: lines compare
 * byte by byte, or as decimal numbers with -n, reversed with -r; -k limits
 * the comparison to fields F1 to F2 (fields split at blank-to-nonblank
 * boundaries and keep their leading blanks, or split at c with -t; a
 * field number may carry the flags b, n, r for that key alone). Lines
 * whose keys are equal are ordered by comparing whole lines (GNU's last
 * resort) unless -s or -u; -u prints only the first of a run of equal
 * lines. The sort is a stable merge sort. All input is held in memory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct line {
	const char *s;
	size_t len; /* without the newline */
};

/* A -k key: fields first..last (last 0: to the end of the line). */
struct key {
	int first, last;
	int numeric, reverse, skip_blanks;
};

#define MAX_KEYS 16

static struct key keys[MAX_KEYS];
static int nkeys;
static struct key global; /* the command-line flags, for whole lines */
static int unique, stable;
static int tab = -1; /* -t separator, -1 for blank-separated fields */

/* Offset in l where field n (1-based) starts. */
static size_t field_start(const struct line *l, int n)
{
	size_t p = 0;

	for (; n > 1 && p < l->len; n--) {
		if (tab >= 0) {
			while (p < l->len && l->s[p] != tab)
				p++;
			if (p < l->len)
				p++;
		} else {
			while (p < l->len && isblank((unsigned char)l->s[p]))
				p++;
			while (p < l->len && !isblank((unsigned char)l->s[p]))
				p++;
		}
	}
	return p;
}

/* Offset in l just after field n (1-based). */
static size_t field_end(const struct line *l, int n)
{
	size_t p = field_start(l, n);

	if (tab >= 0) {
		while (p < l->len && l->s[p] != tab)
			p++;
	} else {
		while (p < l->len && isblank((unsigned char)l->s[p]))
			p++;
		while (p < l->len && !isblank((unsigned char)l->s[p]))
			p++;
	}
	return p;
}

/* A number's parts, as -n reads it: [blanks][-]digits[.digits]. */
struct num {
	int neg;
	const char *ip, *fp; /* integer digits without leading zeros; fraction */
	size_t il, fl;	     /* ... and fraction without trailing zeros */
};

static void parse_num(const char *s, size_t len, struct num *n)
{
	size_t p = 0;

	while (p < len && isblank((unsigned char)s[p]))
		p++;
	n->neg = p < len && s[p] == '-';
	if (n->neg)
		p++;
	while (p < len && s[p] == '0')
		p++;
	n->ip = s + p;
	for (n->il = 0; p < len && isdigit((unsigned char)s[p]); p++)
		n->il++;
	n->fp = s + p;
	n->fl = 0;
	if (p < len && s[p] == '.') {
		n->fp = s + ++p;
		while (p < len && isdigit((unsigned char)s[p]))
			p++, n->fl++;
		while (n->fl > 0 && n->fp[n->fl - 1] == '0')
			n->fl--;
	}
	if (n->il == 0 && n->fl == 0)
		n->neg = 0; /* -0 is 0 */
}

static int numcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct num x, y;
	int c;

	parse_num(a, alen, &x);
	parse_num(b, blen, &y);
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	if (x.il != y.il) {
		c = x.il < y.il ? -1 : 1;
	} else {
		c = memcmp(x.ip, y.ip, x.il);
		for (size_t i = 0; c == 0 && (i < x.fl || i < y.fl); i++) {
			char dx = i < x.fl ? x.fp[i] : '0';
			char dy = i < y.fl ? y.fp[i] : '0';

			c = (dx > dy) - (dx < dy);
		}
	}
	return x.neg ? -c : c;
}

static int bytecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Compare a and b under key k (a whole line when k->first is 0). */
static int keycmp(const struct line *a, const struct line *b, const struct key *k)
{
	size_t as = 0, ae = a->len, bs = 0, be = b->len;
	int c;

	if (k->first) {
		as = field_start(a, k->first);
		bs = field_start(b, k->first);
		if (k->last) {
			ae = field_end(a, k->last);
			be = field_end(b, k->last);
		}
		if (ae < as)
			ae = as;
		if (be < bs)
			be = bs;
	}
	if (k->skip_blanks) {
		while (as < ae && isblank((unsigned char)a->s[as]))
			as++;
		while (bs < be && isblank((unsigned char)b->s[bs]))
			bs++;
	}
	if (k->numeric)
		c = numcmp(a->s + as, ae - as, b->s + bs, be - bs);
	else
		c = bytecmp(a->s + as, ae - as, b->s + bs, be - bs);
	return k->reverse ? -c : c;
}

static int compare(const struct line *a, const struct line *b)
{
	int c;

	if (nkeys == 0) {
		c = keycmp(a, b, &global);
		if (c || unique || stable || (!global.numeric && !global.skip_blanks))
			return c;
	} else {
		for (int i = 0; i < nkeys; i++)
			if ((c = keycmp(a, b, &keys[i])) != 0)
				return c;
		if (unique || stable)
			return 0;
	}
	c = bytecmp(a->s, a->len, b->s, b->len);
	return global.reverse ? -c : c;
}

/* Stable merge sort of v[0..n) using tmp (n entries). */
static void merge_sort(struct line *v, struct line *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, h);
	merge_sort(v + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = compare(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

static struct line *lines;
static size_t nlines, cap_lines;

/* Read f whole and add its lines. Returns 0, or -1 with errno. */
static int read_lines(FILE *f)
{
	size_t cap = 65536, n = 0, r;
	char *buf = malloc(cap);

	for (;;) {
		if (!buf)
			return -1;
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		char *nb = realloc(buf, cap *= 2);

		if (!nb)
			free(buf);
		buf = nb;
	}
	if (ferror(f)) {
		free(buf);
		return -1;
	}
	for (size_t p = 0; p < n;) {
		char *nl = memchr(buf + p, '\n', n - p);
		size_t e = nl ? (size_t)(nl - buf) : n;

		if (nlines == cap_lines) {
			struct line *nv;

			cap_lines = cap_lines ? cap_lines * 2 : 1024;
			nv = realloc(lines, cap_lines * sizeof *lines);
			if (!nv)
				return -1;
			lines = nv;
		}
		lines[nlines].s = buf + p;
		lines[nlines++].len = e - p;
		p = e + 1;
	}
	return 0; /* buf stays: the lines point into it */
}

/* Parse -k's F[bnr]: the field number, flags into k. Returns the rest. */
static const char *parse_field(const char *s, int *field, struct key *k)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v < 1 || v > 1000000)
		return NULL;
	*field = (int)v;
	for (; *end && strchr("bnr", *end); end++) {
		if (*end == 'b')
			k->skip_blanks = 1;
		else if (*end == 'n')
			k->numeric = 1;
		else
			k->reverse = 1;
	}
	return end;
}

static int add_key(const char *spec)
{
	struct key k = { 0, 0, 0, 0, 0 };
	const char *p = parse_field(spec, &k.first, &k);

	if (p && *p == ',')
		p = parse_field(p + 1, &k.last, &k);
	if (!p || *p || nkeys == MAX_KEYS) {
		fprintf(stderr, "sort: invalid key '%s'\n", spec);
		return -1;
	}
	keys[nkeys++] = k;
	return 0;
}

int main(int argc, char **argv)
{
	static char *stdin_only[] = { "-", NULL };
	const char *out = NULL;
	struct line *tmp;
	char **files;
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "bnrsut:k:o:")) != -1) {
		switch (opt) {
		case 'b':
			global.skip_blanks = 1;
			break;
		case 'n':
			global.numeric = 1;
			break;
		case 'r':
			global.reverse = 1;
			break;
		case 's':
			stable = 1;
			break;
		case 'u':
			unique = 1;
			break;
		case 't':
			if (optarg[0] == '\0' || optarg[1] != '\0') {
				fprintf(stderr, "sort: the separator must be one character\n");
				return 2;
			}
			tab = (unsigned char)optarg[0];
			break;
		case 'k':
			if (add_key(optarg) < 0)
				return 2;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			fprintf(stderr, "usage: sort [-bnrsu] [-t c] [-k f1[,f2]] [-o out] "
					"[file...]\n");
			return 2;
		}
	}
	/* Keys without flags of their own take the command line's. */
	for (int i = 0; i < nkeys; i++) {
		struct key *k = &keys[i];

		if (!k->numeric && !k->reverse && !k->skip_blanks) {
			k->numeric = global.numeric;
			k->reverse = global.reverse;
			k->skip_blanks = global.skip_blanks;
		}
	}

	files = optind < argc ? argv + optind : stdin_only;
	for (; *files; files++) {
		int is_stdin = strcmp(*files, "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(*files, "r");

		if (!f || read_lines(f) < 0) {
			fprintf(stderr, "sort: %s: %s\n", *files, strerror(errno));
			return 2;
		}
		if (!is_stdin)
			fclose(f);
	}

	tmp = malloc((nlines ? nlines : 1) * sizeof *tmp);
	if (!tmp) {
		fprintf(stderr, "sort: %s\n", strerror(ENOMEM));
		return 2;
	}
	merge_sort(lines, tmp, nlines);

	if (out && !freopen(out, "w", stdout)) {
		fprintf(stderr, "sort: %s: %s\n", out, strerror(errno));
		return 2;
	}
	for (size_t i = 0; i < nlines; i++) {
		if (unique && i > 0 && compare(&lines[i - 1], &lines[i]) == 0)
			continue;
		fwrite(lines[i].s, 1, lines[i].len, stdout);
		putchar('\n');
	}
	if (fflush(stdout) == EOF) {
		perror("sort: write error");
		status = 2;
	}
	return status;
}
