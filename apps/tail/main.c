/*
 * tail - copy the last part of files (POSIX).
 *
 * tail [-n [+]N | -c [+]N] [file...]: the last N lines (default 10) or
 * bytes; with "+N" everything from line or byte N on (counting from 1).
 * "-" or no operand is standard input. With more than one operand each
 * file's output is preceded by "==> FILE <==" as GNU tail prints it.
 * Each input is read whole into memory; there is no -f.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int first_header = 1;

/*
 * Read all of f into a malloc'ed buffer. Returns it (its length in *len),
 * or NULL with errno after a read error or when memory runs out.
 */
static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);

		n += r;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
				return NULL;
			}
			*len = n;
			return buf;
		}
		char *nb = realloc(buf, cap *= 2);

		if (!nb)
			free(buf);
		buf = nb;
	}
	return NULL;
}

/* Offset in buf (len bytes) where the selected part starts. */
static size_t start_of(const char *buf, size_t len, long long n, int from_start, int bytes)
{
	size_t i;

	if (bytes) {
		if (from_start)
			return n <= 1 ? 0 : (unsigned long long)n - 1 < len ? (size_t)n - 1 : len;
		return (unsigned long long)n < len ? len - (size_t)n : 0;
	}
	if (from_start) {
		for (i = 0; n > 1 && i < len; i++)
			if (buf[i] == '\n')
				n--;
		return i;
	}
	if (n == 0)
		return len;
	i = len;
	if (i > 0 && buf[i - 1] == '\n')
		i--; /* the last line's own newline */
	while (i > 0) {
		if (buf[i - 1] == '\n' && --n == 0)
			return i;
		i--;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char *stdin_only[] = { "-", NULL };
	long long n = 10;
	int bytes = 0, from_start = 0, status = 0, i = 1, nfiles;
	char **files;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];
		const char *val;
		char *end;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] != 'n' && a[1] != 'c') {
			fprintf(stderr, "usage: tail [-n [+]lines | -c [+]bytes] [file...]\n");
			return 1;
		}
		bytes = a[1] == 'c';
		val = a[2] ? a + 2 : argv[++i];
		if (!val) {
			fprintf(stderr, "tail: option requires an argument -- '%c'\n", a[1]);
			return 1;
		}
		from_start = val[0] == '+';
		if (val[0] == '+' || val[0] == '-')
			val++;
		errno = 0;
		n = strtoll(val, &end, 10);
		if (*val < '0' || *val > '9' || *end != '\0' || errno) {
			fprintf(stderr, "tail: invalid number: '%s'\n", argv[i]);
			return 1;
		}
	}
	nfiles = argc - i;
	files = nfiles ? argv + i : stdin_only;
	for (; *files; files++) {
		int is_stdin = strcmp(*files, "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(*files, "r");
		char *buf;
		size_t len, at;

		if (!f) {
			fprintf(stderr, "tail: %s: %s\n", *files, strerror(errno));
			status = 1;
			continue;
		}
		if (nfiles > 1) {
			printf("%s==> %s <==\n", first_header ? "" : "\n",
			       is_stdin ? "standard input" : *files);
			first_header = 0;
		}
		buf = slurp(f, &len);
		if (!buf) {
			fprintf(stderr, "tail: %s: %s\n", *files, strerror(errno));
			status = 1;
		} else {
			at = start_of(buf, len, n, from_start, bytes);
			fwrite(buf + at, 1, len - at, stdout);
			free(buf);
		}
		if (!is_stdin)
			fclose(f);
	}
	if (fflush(stdout) == EOF) {
		perror("tail: write error");
		return 1;
	}
	return status;
}
