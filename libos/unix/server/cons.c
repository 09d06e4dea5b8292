/*
 * cons.c - the console as the UNIX libOS sees it: a terminal with a line
 * discipline (POSIX.1-2017 "General Terminal Interface").
 *
 * The exokernel moves raw bytes (exo_cons_read/exo_cons_write, calls 1-2);
 * everything else is here: canonical mode with echo, erase (backspace,
 * DEL), kill (^U), end of file (^D) and ISIG (^C sends SIGINT, ^\ SIGQUIT
 * to the foreground process group), or raw mode (ICANON off). Input is
 * queued as it arrives, typed ahead or not, and never dropped: when the
 * queue is full the console reader is told to hold the rest and retry.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include <exo/calls.h>
#include <unix/client.h>
#include <fcntl.h>
#include "unixd.h"

#define LINE_MAX_BYTES 1024 /* POSIX MAX_CANON */
#define QUEUE_BYTES    8192 /* input ready for read() */
#define MAX_RECORDS    256  /* lines (and end-of-file marks) in the queue */

struct file *unixd_cons;
pid_t cons_fg;

static struct termios tio;
static char line[LINE_MAX_BYTES];
static size_t line_len;

/* Finished input: bytes in a ring, split into records (canonical lines;
 * a record of length 0 is an end of file). In raw mode one open record
 * takes everything. */
static char queue[QUEUE_BYTES];
static size_t q_head, q_len;
static size_t rec[MAX_RECORDS];
static size_t rec_head, rec_n;
static bool rec_open; /* raw mode: the last record still grows */

void cons_init(void)
{
	memset(&tio, 0, sizeof tio);
	tio.c_iflag = ICRNL;
	tio.c_oflag = OPOST | ONLCR;
	tio.c_cflag = CS8 | CREAD | B115200;
	tio.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	tio.c_cc[VINTR] = 3;
	tio.c_cc[VQUIT] = 28;
	tio.c_cc[VERASE] = 127;
	tio.c_cc[VKILL] = 21;
	tio.c_cc[VEOF] = 4;
	tio.c_cc[VMIN] = 1;
	tio.c_ispeed = tio.c_ospeed = B115200;
	unixd_cons = file_alloc(F_CONS, O_RDWR);
}

/* Raw bytes out, retrying while the kernel takes them in pieces. */
static void put_raw(const char *s, size_t n)
{
	while (n > 0) {
		long r = exo_cons_write(s, n);

		if (r < 0 && r != -EXO_EAGAIN)
			return;
		if (r > 0) {
			s += r;
			n -= (size_t)r;
		}
	}
}

long cons_write(const char *buf, size_t n)
{
	size_t i = 0;

	if (!(tio.c_oflag & OPOST) || !(tio.c_oflag & ONLCR)) {
		put_raw(buf, n);
		return (long)n;
	}
	while (i < n) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t seg = nl ? (size_t)(nl - (buf + i)) : n - i;

		put_raw(buf + i, seg);
		i += seg;
		if (nl) {
			put_raw("\r\n", 2);
			i++;
		}
	}
	return (long)n;
}

static void echo(const char *s, size_t n)
{
	if (tio.c_lflag & ECHO)
		put_raw(s, n);
}

/* Move bytes into the queue as part of the newest record. */
static void enqueue(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		queue[(q_head + q_len++) % QUEUE_BYTES] = s[i];
	rec[(rec_head + rec_n - 1) % MAX_RECORDS] += n;
}

static bool room(size_t bytes)
{
	return q_len + bytes <= QUEUE_BYTES && rec_n < MAX_RECORDS;
}

static void new_record(void)
{
	rec[(rec_head + rec_n++) % MAX_RECORDS] = 0;
}

/* Canonical mode: finish the edited line as a record. */
static void finish_line(void)
{
	new_record();
	enqueue(line, line_len);
	line_len = 0;
	unixd_wake_all();
}

/* One input byte; false if there is no room for it yet. */
static bool input_byte(char c)
{
	unsigned char u = (unsigned char)c;

	if ((tio.c_iflag & ICRNL) && c == '\r')
		c = '\n';
	if (tio.c_lflag & ISIG) {
		int sig = u == tio.c_cc[VINTR] ? SIGINT : u == tio.c_cc[VQUIT] ? SIGQUIT : 0;

		if (sig != 0) {
			line_len = 0;
			echo(sig == SIGINT ? "^C\r\n" : "^\\\r\n", 4);
			if (cons_fg > 0)
				proc_kill(NULL, -cons_fg, sig);
			return true;
		}
	}
	if (!(tio.c_lflag & ICANON)) {
		if (!room(1))
			return false;
		if (!rec_open) {
			new_record();
			rec_open = true;
		}
		enqueue(&c, 1);
		echo(&c, 1);
		unixd_wake_all();
		return true;
	}
	rec_open = false;
	if (c == '\n') {
		if (!room(line_len + 1))
			return false;
		line[line_len++] = '\n';
		echo("\r\n", 2);
		finish_line();
	} else if (u == tio.c_cc[VEOF]) {
		if (!room(line_len))
			return false;
		finish_line(); /* at line start: a 0-byte record, end of file */
	} else if (u == tio.c_cc[VKILL]) {
		for (; line_len > 0; line_len--)
			echo("\b \b", 3);
	} else if (u == tio.c_cc[VERASE] || c == '\b') {
		if (line_len > 0) {
			line_len--;
			while (line_len > 0 && (line[line_len] & 0xc0) == 0x80)
				line_len--; /* a whole UTF-8 character */
			echo("\b \b", 3);
		}
	} else if (line_len + 1 >= sizeof line) {
		echo("\a", 1);
	} else {
		line[line_len++] = c;
		if (u < 0x20 && c != '\t' && (tio.c_lflag & ECHOCTL))
			echo((const char[]){ '^', (char)(c ^ 0x40) }, 2);
		else
			echo(&c, 1);
	}
	return true;
}

long cons_input(const char *bytes, size_t n)
{
	size_t i = 0;

	while (i < n && input_byte(bytes[i]))
		i++;
	return (long)i;
}

long cons_read(char *buf, size_t n)
{
	size_t k;

	if (n == 0)
		return 0;
	if (rec_n == 0 || (rec[rec_head] == 0 && rec_open))
		return -UNIX_EWAIT;
	if (rec[rec_head] == 0) { /* end of file */
		rec_head = (rec_head + 1) % MAX_RECORDS;
		rec_n--;
		return 0;
	}
	k = n < rec[rec_head] ? n : rec[rec_head];
	for (size_t i = 0; i < k; i++)
		buf[i] = queue[(q_head + i) % QUEUE_BYTES];
	q_head = (q_head + k) % QUEUE_BYTES;
	q_len -= k;
	rec[rec_head] -= k;
	if (rec[rec_head] == 0 && !(rec_n == 1 && rec_open)) {
		rec_head = (rec_head + 1) % MAX_RECORDS;
		rec_n--;
	}
	if (rec_n == 1 && rec_open && rec[rec_head] == 0) {
		rec_n = 0;
		rec_open = false;
	}
	return (long)k;
}

void cons_getattr(struct termios *t)
{
	*t = tio;
}

void cons_setattr(const struct termios *t)
{
	tio = *t;
	if (tio.c_lflag & ICANON)
		rec_open = false;
}
