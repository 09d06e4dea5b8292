/*
 * console.c - output, results and small string helpers of the test guests.
 *
 * The guest programs the 16550 at 0x3F8 itself (115200 8N1, FIFOs on) and
 * writes polled; it leaves QEMU (or the VMM) through isa-debug-exit at
 * port 0xF4, whose status is (value << 1) | 1.
 */
#include "guest.h"

#define COM1 0x3F8
unsigned checks;

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* IER: no interrupts */
	outb(COM1 + 3, 0x80); /* LCR: DLAB */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0x07); /* FIFOs on and cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void putc_serial(char c)
{
	if (c == '\n')
		putc_serial('\r');
	for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

void debug_exit(uint32_t value)
{
	outl(0xF4, value);
	/* Not reached under QEMU with isa-debug-exit. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void put(char **p, char *end, char c)
{
	if (*p < end)
		**p = c;
	(*p)++;
}

static void putnum(char **p, char *end, uint64_t v, unsigned base, int width, char pad, int neg)
{
	char tmp[24];
	int n = 0;
	do {
		unsigned d;
		if (base == 16) {
			d = v & 15;
			v >>= 4;
		} else {
			/* 32-bit division only (no libgcc): values fit in 32 bits. */
			d = (uint32_t)v % 10;
			v = (uint32_t)v / 10;
		}
		tmp[n++] = "0123456789abcdef"[d];
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (n < width--)
		put(p, end, pad);
	while (n)
		put(p, end, tmp[--n]);
}

/* %s %c %d %u %x %p, with an optional 0 pad and width, and l/ll sizes
 * (%llx for 64-bit values; decimal is 32-bit only). */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	char *p = buf, *end = buf + (n ? n - 1 : 0);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&p, end, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng++, fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = (int)strlen(s);
			while (len < width--)
				put(&p, end, ' ');
			while (*s)
				put(&p, end, *s++);
			break;
		}
		case 'c':
			put(&p, end, (char)va_arg(ap, int));
			break;
		case 'd': {
			int v = va_arg(ap, int);
			putnum(&p, end, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, width, pad, v < 0);
			break;
		}
		case 'u':
			putnum(&p, end, va_arg(ap, unsigned), 10, width, pad, 0);
			break;
		case 'x':
			putnum(&p, end, lng >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16,
			       width, pad, 0);
			break;
		case 'p':
			putnum(&p, end, (uintptr_t)va_arg(ap, void *), 16, 8, '0', 0);
			break;
		default:
			put(&p, end, *fmt);
			break;
		}
	}
	if (n)
		*(p < end ? p : end) = 0;
	return (int)(p - buf);
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static volatile int print_lock;

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Several CPUs may print (smp): one whole line at a time. The wait is
	 * bounded so that a CPU which died holding the lock cannot keep
	 * another's FAIL line from coming out. */
	for (unsigned i = 0; i < 10000000u && __atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE);
	     i++)
		cpu_relax();
	for (char *s = buf; *s; s++)
		putc_serial(*s);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
	return n;
}

void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("guest %s: %s\n", guest_name, buf);
}

void fail(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("guest %s: FAIL: %s\n", guest_name, buf);
	debug_exit(0x11);
}

void pass(void)
{
	printf("guest %s: PASS (%u checks)\n", guest_name, checks);
	debug_exit(0x10);
}

void *memset(void *d, int c, size_t n)
{
	char *p = d;
	while (n--)
		*p++ = (char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	char *p = d;
	const char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

const char *cmdline_value(const char *cmdline, const char *key)
{
	size_t k = strlen(key);
	for (const char *s = cmdline; *s; s++) {
		if ((s == cmdline || s[-1] == ' ') && !strncmp(s, key, k))
			return s + k;
	}
	return NULL;
}

unsigned long parse_uint(const char *s)
{
	unsigned long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	return v;
}

int cpuid_bit(uint32_t leaf, uint32_t sub, int reg, int bit)
{
	uint32_t r[4];
	if (cpuid_max(leaf) < leaf)
		return 0;
	cpuid(leaf, sub, r);
	return (r[reg] >> bit) & 1;
}
