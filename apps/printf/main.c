/*
 * printf - write formatted output (POSIX).
 *
 * printf FORMAT [ARGUMENT...]: the format's escapes (\\ \a \b \f \n \r \t
 * \v \" \NNN octal, \xHH hex, \c = stop) and the conversions %s %c %d
 * %i %u %o %x %X and %%, each with the flags "-+ #0", a width and a
 * precision. The format is reused while arguments remain; missing
 * arguments read as "" or 0. A numeric argument may be 'c or "c (the
 * character's code). A bad number is reported, printed as what could be
 * converted, and makes the status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int status;
static char **args; /* the next unused argument, or NULL-terminated end */
static int stop;    /* \c seen: no further output */

/* The next argument, or NULL once they are used up. */
static const char *next_arg(void)
{
	return *args ? *args++ : NULL;
}

/* Report a numeric argument that did not convert completely. */
static void check_number(const char *arg, const char *end)
{
	if (end == arg) {
		fprintf(stderr, "printf: '%s': expected a numeric value\n", arg);
		status = 1;
	} else if (*end != '\0') {
		fprintf(stderr, "printf: '%s': value not completely converted\n", arg);
		status = 1;
	} else if (errno == ERANGE) {
		fprintf(stderr, "printf: '%s': %s\n", arg, strerror(ERANGE));
		status = 1;
	}
}

/* The argument as a signed (sign != 0) or unsigned number, 0 if none. */
static unsigned long long number(const char *arg, int sign)
{
	char *end;
	unsigned long long v;

	if (!arg)
		return 0;
	if ((arg[0] == '\'' || arg[0] == '"') && arg[1] != '\0')
		return (unsigned char)arg[1];
	errno = 0;
	if (sign)
		v = (unsigned long long)strtoll(arg, &end, 0);
	else
		v = strtoull(arg, &end, 0);
	check_number(arg, end);
	return v;
}

/*
 * Write the escape sequence at *p (just after the backslash), moving *p
 * past it. \NNN takes up to three octal digits, \xHH up to two hex
 * digits; an unknown escape is written as it stands.
 */
static void escape(const char **p)
{
	const char *s = *p;
	int c = (unsigned char)*s;
	int n;

	switch (c) {
	case 'a':
		c = '\a';
		break;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'v':
		c = '\v';
		break;
	case 'c':
		stop = 1;
		*p = s + 1;
		return;
	case '\\':
	case '"':
	case '\'':
		break;
	case 'x':
		if (strchr("0123456789abcdefABCDEF", s[1]) && s[1]) {
			c = 0;
			for (n = 0, s++; n < 2 && *s && strchr("0123456789abcdefABCDEF", *s);
			     n++, s++)
				c = c * 16 + (*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
			putchar(c);
			*p = s;
			return;
		}
		putchar('\\');
		break;
	case '\0':
		putchar('\\');
		return;
	default:
		if (c >= '0' && c <= '7') {
			c = 0;
			for (n = 0; n < 3 && *s >= '0' && *s <= '7'; n++, s++)
				c = c * 8 + (*s - '0');
			putchar(c);
			*p = s;
			return;
		}
		putchar('\\');
		break;
	}
	putchar(c);
	*p = s + 1;
}

/*
 * Write one conversion: spec holds "%", flags, width, precision (NUL
 * terminated, without the conversion letter), conv the letter.
 */
static void convert(const char *spec, char conv)
{
	char fmt[64];
	const char *arg = next_arg();
	size_t len = strlen(spec);

	if (len + 4 > sizeof fmt)
		len = sizeof fmt - 4;
	memcpy(fmt, spec, len);
	switch (conv) {
	case 's':
		fmt[len] = 's';
		fmt[len + 1] = '\0';
		printf(fmt, arg ? arg : "");
		return;
	case 'c': /* a missing argument writes a NUL, as GNU printf does */
		fmt[len] = 'c';
		fmt[len + 1] = '\0';
		printf(fmt, arg ? arg[0] : '\0');
		return;
	case 'd':
	case 'i':
		fmt[len] = 'l';
		fmt[len + 1] = 'l';
		fmt[len + 2] = 'd';
		fmt[len + 3] = '\0';
		printf(fmt, (long long)number(arg, 1));
		return;
	default: /* u o x X */
		fmt[len] = 'l';
		fmt[len + 1] = 'l';
		fmt[len + 2] = conv;
		fmt[len + 3] = '\0';
		printf(fmt, number(arg, 0));
		return;
	}
}

/* Write the format once. Returns 0, or -1 after an invalid conversion. */
static int format_once(const char *f)
{
	char spec[64];

	while (*f && !stop) {
		if (*f == '\\') {
			f++;
			escape(&f);
			continue;
		}
		if (*f != '%') {
			putchar(*f++);
			continue;
		}
		if (f[1] == '%') {
			putchar('%');
			f += 2;
			continue;
		}
		size_t n = 1 + strspn(f + 1, "-+ #0");

		n += strspn(f + n, "0123456789");
		if (f[n] == '.') {
			n++;
			n += strspn(f + n, "0123456789");
		}
		if (f[n] == '\0' || !strchr("sciduoxX", f[n])) {
			fprintf(stderr, "printf: %%%c: invalid conversion specification\n",
				f[n] ? f[n] : ' ');
			return -1;
		}
		if (n >= sizeof spec)
			n = sizeof spec - 1;
		memcpy(spec, f, n);
		spec[n] = '\0';
		convert(spec, f[n]);
		f += n + 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		fprintf(stderr, "printf: missing operand\nusage: printf format [argument...]\n");
		return 1;
	}
	args = argv + i + 1;
	do {
		char **before = args;

		if (format_once(argv[i]) < 0) {
			status = 1;
			break;
		}
		if (args == before)
			break; /* the format takes no arguments */
	} while (*args && !stop);
	if (fflush(stdout) == EOF) {
		perror("printf: write error");
		return 1;
	}
	return status;
}
