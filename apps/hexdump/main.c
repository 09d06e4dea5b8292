/*
 * hexdump - display bytes in hexadecimal and ASCII, in util-linux's
 * canonical format (hexdump -C).
 *
 * hexdump [-C] [-n length] [-s skip] [file...]: each line is the offset
 * ("%08x"), sixteen bytes as two groups of eight "%02x ", and the bytes as
 * text between bars ('.' for anything not printable ASCII). A line equal
 * to the one before is shown as a single "*" for the whole run; the last
 * line is the total length. The files are read as one stream; -C is the
 * only format, so it may be left out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **files;
static FILE *cur;
static int status;

/* Open the next input that can be opened; NULL when none are left. */
static FILE *next_file(void)
{
	while (*files) {
		const char *name = *files++;
		FILE *f;

		if (strcmp(name, "-") == 0)
			return stdin;
		f = fopen(name, "r");
		if (f)
			return f;
		fprintf(stderr, "hexdump: %s: %s\n", name, strerror(errno));
		status = 1;
	}
	return NULL;
}

/* The next byte of the concatenated inputs, or EOF. */
static int next_byte(void)
{
	int c;

	while (cur) {
		if ((c = getc(cur)) != EOF)
			return c;
		if (ferror(cur)) {
			fprintf(stderr, "hexdump: %s\n", strerror(errno));
			status = 1;
		}
		if (cur != stdin)
			fclose(cur);
		cur = next_file();
	}
	return EOF;
}

static void print_line(unsigned long long off, const unsigned char *b, int n)
{
	printf("%08llx ", off);
	for (int i = 0; i < 16; i++) {
		if (i % 8 == 0)
			putchar(' ');
		if (i < n)
			printf("%02x ", b[i]);
		else
			fputs("   ", stdout);
	}
	fputs(" |", stdout);
	for (int i = 0; i < n; i++)
		putchar(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.');
	puts("|");
}

int main(int argc, char **argv)
{
	static char *stdin_only[] = { "-", NULL };
	unsigned char line[16], prev[16];
	unsigned long long off = 0, skip = 0, limit = ~0ULL;
	int opt, n, have_prev = 0, starred = 0;
	char *end;

	while ((opt = getopt(argc, argv, "Cn:s:")) != -1) {
		switch (opt) {
		case 'C':
			break;
		case 'n':
		case 's':
			errno = 0;
			if (opt == 'n')
				limit = strtoull(optarg, &end, 0);
			else
				skip = strtoull(optarg, &end, 0);
			if (end == optarg || *end || errno || optarg[0] == '-') {
				fprintf(stderr, "hexdump: invalid number '%s'\n", optarg);
				return 1;
			}
			break;
		default:
			fprintf(stderr, "usage: hexdump [-C] [-n length] [-s skip] [file...]\n");
			return 1;
		}
	}
	files = optind < argc ? argv + optind : stdin_only;
	cur = next_file();
	for (; off < skip && next_byte() != EOF; off++)
		;
	for (;;) {
		int c = 0;

		for (n = 0; n < 16 && off + n - skip < limit && (c = next_byte()) != EOF; n++)
			line[n] = (unsigned char)c;
		if (n == 0)
			break;
		if (n == 16 && have_prev && memcmp(line, prev, 16) == 0) {
			if (!starred)
				puts("*");
			starred = 1;
		} else {
			print_line(off, line, n);
			starred = 0;
		}
		memcpy(prev, line, 16);
		have_prev = n == 16;
		off += n;
		if (n < 16)
			break;
	}
	if (off > 0)
		printf("%08llx\n", off);
	if (fflush(stdout) == EOF) {
		perror("hexdump: write error");
		return 1;
	}
	return status;
}
