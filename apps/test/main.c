/*
 * test, [ - evaluate a conditional expression (POSIX).
 *
 * Primaries: -e -f -d -s -r -w -x -L -h -p -c -b -S FILE, -t FD, -z -n
 * STRING, STRING, S1 = S2, S1 != S2, and the integer comparisons -eq -ne
 * -lt -le -gt -ge; combined with !, -a (binds tighter), -o and
 * parentheses. With up to four arguments POSIX's rules by argument count
 * apply (so "test ! = x" is a string comparison), as in GNU test. Run as
 * "[" the last argument must be "]". Exit status: 0 true, 1 false, 2 on
 * error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **args;
static int nargs;
static int pos;
static const char *prog = "test";

static void __attribute__((noreturn)) fail(const char *msg, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s: %s\n", prog, arg, msg);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
	exit(2);
}

static int is_unary(const char *s)
{
	return s[0] == '-' && s[1] && !s[2] && strchr("bcdefhnprswxzLSt", s[1]);
}

static int is_binary(const char *s)
{
	static const char *const ops[] = { "=",	  "!=",	 "-eq", "-ne", "-lt", "-le",
					   "-gt", "-ge", "-nt", "-ot", "-ef" };

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(s, ops[i]) == 0)
			return 1;
	return 0;
}

/* s as an integer: optional blanks and sign, digits, optional blanks. */
static long long integer(const char *s)
{
	const char *p = s;
	char *end;
	long long v;

	while (isblank((unsigned char)*p))
		p++;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (end == p || !isdigit((unsigned char)end[-1]))
		fail("integer expression expected", s);
	while (isblank((unsigned char)*end))
		end++;
	if (*end || errno)
		fail("integer expression expected", s);
	return v;
}

static int unary(const char *op, const char *a)
{
	struct stat st;

	switch (op[1]) {
	case 'z':
		return a[0] == '\0';
	case 'n':
		return a[0] != '\0';
	case 't':
		return isatty((int)integer(a));
	case 'r':
		return access(a, R_OK) == 0;
	case 'w':
		return access(a, W_OK) == 0;
	case 'x':
		return access(a, X_OK) == 0;
	case 'h':
	case 'L':
		return lstat(a, &st) == 0 && S_ISLNK(st.st_mode);
	}
	if (stat(a, &st) != 0)
		return 0;
	switch (op[1]) {
	case 'e':
		return 1;
	case 'f':
		return S_ISREG(st.st_mode);
	case 'd':
		return S_ISDIR(st.st_mode);
	case 's':
		return st.st_size > 0;
	case 'p':
		return S_ISFIFO(st.st_mode);
	case 'c':
		return S_ISCHR(st.st_mode);
	case 'b':
		return S_ISBLK(st.st_mode);
	default: /* 'S' */
		return S_ISSOCK(st.st_mode);
	}
}

/* a's modification time is later than b's, or a exists and b does not. */
static int newer(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) != 0)
		return 0;
	if (stat(b, &sb) != 0)
		return 1;
	return sa.st_mtime > sb.st_mtime;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int binary(const char *a, const char *op, const char *b)
{
	long long x, y;

	if (strcmp(op, "=") == 0)
		return strcmp(a, b) == 0;
	if (strcmp(op, "!=") == 0)
		return strcmp(a, b) != 0;
	if (op[1] == 'n' && op[2] == 't') /* -nt: a exists and is newer, or only a exists */
		return newer(a, b);
	if (op[1] == 'o' && op[2] == 't')
		return newer(b, a);
	if (op[1] == 'e' && op[2] == 'f') /* -ef: the same file */
		return same_file(a, b);
	x = integer(a);
	y = integer(b);
	if (strcmp(op, "-eq") == 0)
		return x == y;
	if (strcmp(op, "-ne") == 0)
		return x != y;
	if (strcmp(op, "-lt") == 0)
		return x < y;
	if (strcmp(op, "-le") == 0)
		return x <= y;
	if (strcmp(op, "-gt") == 0)
		return x > y;
	return x >= y;
}

static int or_expr(void);

/* The next argument, consumed; a missing one is an error. */
static const char *take(void)
{
	if (pos >= nargs)
		fail("argument expected", args[nargs - 1]);
	return args[pos++];
}

static int primary(void)
{
	const char *a = take();

	if (strcmp(a, "!") == 0)
		return !primary();
	if (strcmp(a, "(") == 0) {
		int v = or_expr();

		if (pos >= nargs || strcmp(args[pos], ")") != 0)
			fail("')' expected", NULL);
		pos++;
		return v;
	}
	if (pos + 1 < nargs && is_binary(args[pos])) {
		const char *op = args[pos++];

		return binary(a, op, take());
	}
	if (is_unary(a) && pos < nargs)
		return unary(a, take());
	return a[0] != '\0';
}

static int and_expr(void)
{
	int v = primary();

	while (pos < nargs && strcmp(args[pos], "-a") == 0) {
		pos++;
		v = primary() && v;
	}
	return v;
}

static int or_expr(void)
{
	int v = and_expr();

	while (pos < nargs && strcmp(args[pos], "-o") == 0) {
		pos++;
		v = and_expr() || v;
	}
	return v;
}

/* Evaluate args[from..nargs) by POSIX's rules for n <= 4 arguments. */
static int eval(int from)
{
	int n = nargs - from;
	char **a = args + from;

	switch (n) {
	case 0:
		return 0;
	case 1:
		return a[0][0] != '\0';
	case 2:
		if (strcmp(a[0], "!") == 0)
			return a[1][0] == '\0';
		if (is_unary(a[0]))
			return unary(a[0], a[1]);
		break;
	case 3: /* "x -a y" goes to the full grammar below, as in GNU test */
		if (is_binary(a[1]))
			return binary(a[0], a[1], a[2]);
		if (strcmp(a[0], "!") == 0)
			return !eval(from + 1);
		if (strcmp(a[0], "(") == 0 && strcmp(a[2], ")") == 0)
			return a[1][0] != '\0';
		break;
	case 4:
		if (strcmp(a[0], "!") == 0)
			return !eval(from + 1);
		if (strcmp(a[0], "(") == 0 && strcmp(a[3], ")") == 0) {
			nargs--;
			return eval(from + 1);
		}
		break;
	}
	pos = from;
	int v = or_expr();

	if (pos < nargs)
		fail("extra argument", args[pos]);
	return v;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	if (strcmp(base, "[") == 0) {
		prog = "[";
		if (argc < 2 || strcmp(argv[argc - 1], "]") != 0)
			fail("missing ']'", NULL);
		argc--;
	}
	args = argv + 1;
	nargs = argc - 1;
	return !eval(0);
}
