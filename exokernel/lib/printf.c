/*
 * printf.c - formatted output for the kernel: kprintf to the console and
 * ksnprintf into a buffer, sharing one formatter.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, length modifiers l and ll (and
 * z), optional '-' flag, '0' flag and field width.
 */
#include "kernel.h"
#include "console.h"

struct sink {
	char *buf;   /* NULL: write to the console */
	size_t size; /* bytes available in buf, including the NUL */
	size_t len;  /* characters produced so far */
};

static void put(struct sink *s, char c)
{
	if (!s->buf)
		console_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_padded(struct sink *s, const char *str, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;
	if (!left)
		while (fill-- > 0)
			put(s, pad);
	for (size_t i = 0; i < n; i++)
		put(s, str[i]);
	if (left)
		while (fill-- > 0)
			put(s, ' ');
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(s, *fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		char tmp[24];
		int n = 0;
		uint64_t u;
		bool neg = false;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			neg = v < 0;
			u = neg ? -(uint64_t)v : (uint64_t)v;
			goto decimal;
		}
		case 'u':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
		decimal:
			do
				tmp[sizeof(tmp) - ++n] = '0' + u % 10;
			while (u /= 10);
			if (neg)
				tmp[sizeof(tmp) - ++n] = '-';
			put_padded(s, tmp + sizeof(tmp) - n, n, width, left, pad);
			break;
		case 'p':
			put(s, '0');
			put(s, 'x');
			u = (uint64_t)va_arg(ap, void *);
			goto hex;
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
		hex:
			do
				tmp[sizeof(tmp) - ++n] =
					"0123456789abcdef0123456789ABCDEF"[(u & 15) +
									   (*fmt == 'X') * 16];
			while (u >>= 4);
			put_padded(s, tmp + sizeof(tmp) - n, n, width, left, pad);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			put_padded(s, str, strlen(str), width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(s, tmp, 1, width, left, ' ');
			break;
		case '%':
			put(s, '%');
			break;
		case '\0':
			return;
		default:
			put(s, '%');
			put(s, *fmt);
		}
	}
}

void kvprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };
	console_lock();
	format(&s, fmt, ap);
	console_unlock();
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* Format into buf (size bytes, always NUL-terminated when size > 0).
 * Returns the length the full output would have had. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct sink s = { buf, size, 0 };
	va_list ap;
	va_start(ap, fmt);
	format(&s, fmt, ap);
	va_end(ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}
