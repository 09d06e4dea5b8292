/*
 * wc - count lines, words and bytes (POSIX), printed as GNU coreutils does.
 *
 * wc [-lwc] [file...]: counts in the order lines, words, bytes; with no
 * option all three. A word is a maximal run of bytes that are not white
 * space (isspace). "-" or no operand is standard input; with more than one
 * operand a "total" line follows. Column width follows GNU wc: 1 when
 * standard input alone is read for one count, otherwise the digits of the
 * summed sizes of the regular files named, at least 7 when any input is
 * not a regular file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct counts {
	unsigned long long lines, words, bytes;
};

static int show_lines, show_words, show_bytes;
static int width;

/* Count fd into *c. Returns 0, or -1 with errno after a read error. */
static int count(int fd, struct counts *c)
{
	static unsigned char buf[65536];
	int in_word = 0;

	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->bytes += (unsigned long long)r;
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n')
				c->lines++;
			if (isspace(buf[i])) {
				in_word = 0;
			} else if (!in_word) {
				in_word = 1;
				c->words++;
			}
		}
	}
}

/* Print one line of counts, then name if there is one. */
static void report(const struct counts *c, const char *name)
{
	const char *sep = "";

	if (show_lines) {
		printf("%*llu", width, c->lines);
		sep = " ";
	}
	if (show_words) {
		printf("%s%*llu", sep, width, c->words);
		sep = " ";
	}
	if (show_bytes)
		printf("%s%*llu", sep, width, c->bytes);
	if (name)
		printf(" %s", name);
	putchar('\n');
}

/* GNU wc's column width for these operands (see the file comment). */
static int number_width(char **files, int nfiles)
{
	unsigned long long total = 0;
	int minimum = 1;
	int w = 1;

	if (nfiles == 1 && show_lines + show_words + show_bytes == 1)
		return 1;
	for (int i = 0; i < nfiles; i++) {
		struct stat st;
		int r = strcmp(files[i], "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(files[i], &st);

		if (r < 0)
			continue;
		if (S_ISREG(st.st_mode))
			total += (unsigned long long)st.st_size;
		else
			minimum = 7;
	}
	for (; total >= 10; total /= 10)
		w++;
	return w < minimum ? minimum : w;
}

int main(int argc, char **argv)
{
	static char *stdin_only[] = { "-", NULL };
	struct counts total = { 0, 0, 0 };
	char **files;
	int nfiles, opt, status = 0;

	while ((opt = getopt(argc, argv, "lwc")) != -1) {
		switch (opt) {
		case 'l':
			show_lines = 1;
			break;
		case 'w':
			show_words = 1;
			break;
		case 'c':
			show_bytes = 1;
			break;
		default:
			fprintf(stderr, "usage: wc [-lwc] [file...]\n");
			return 1;
		}
	}
	if (!show_lines && !show_words && !show_bytes)
		show_lines = show_words = show_bytes = 1;
	nfiles = argc - optind;
	files = nfiles ? argv + optind : stdin_only;
	if (!nfiles)
		nfiles = 1;
	width = number_width(files, nfiles);

	for (int i = 0; i < nfiles; i++) {
		struct counts c = { 0, 0, 0 };
		int stdin_file = strcmp(files[i], "-") == 0;
		int fd = stdin_file ? STDIN_FILENO : open(files[i], O_RDONLY);

		if (fd < 0 || count(fd, &c) < 0) {
			fprintf(stderr, "wc: %s: %s\n", files[i], strerror(errno));
			status = 1;
			if (fd >= 0 && !stdin_file)
				close(fd);
			if (fd < 0)
				continue;
		} else if (!stdin_file) {
			close(fd);
		}
		report(&c, argc > optind ? files[i] : NULL);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (nfiles > 1)
		report(&total, "total");
	if (fflush(stdout) == EOF) {
		perror("wc: write error");
		return 1;
	}
	return status;
}
