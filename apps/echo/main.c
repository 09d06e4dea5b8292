/*
 * echo - write the arguments, separated by spaces, and a newline (POSIX).
 *
 * Leading arguments made of "-" and one or more "n" ("-n", "-nn") suppress
 * the newline, as in GNU and BSD echo. Backslashes are written as they are
 * (GNU echo's default without -e); no other options exist.
 */
#include <stdio.h>
#include <string.h>

/* Whether a is "-n", "-nn", ...: an option suppressing the final newline. */
static int is_n_option(const char *a)
{
	if (a[0] != '-' || a[1] == '\0')
		return 0;
	return a[1 + strspn(a + 1, "n")] == '\0';
}

int main(int argc, char **argv)
{
	int newline = 1;
	int i = 1;

	while (i < argc && is_n_option(argv[i])) {
		newline = 0;
		i++;
	}
	for (int first = i; i < argc; i++) {
		if (i > first)
			putchar(' ');
		fputs(argv[i], stdout);
	}
	if (newline)
		putchar('\n');
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("echo: write error");
		return 1;
	}
	return 0;
}
