/*
 * syscalls.c - newlib's system-call layer for the UNIX library OS.
 *
 * newlib (built with --disable-newlib-supplied-syscalls, so with
 * MISSING_SYSCALL_NAMES) calls the plain POSIX names: write, read, sbrk,
 * fstat, isatty, ... and _exit. This file defines them, and the _NAME
 * spellings as aliases for code written against libgloss.
 *
 * For now there are no files and no processes: file descriptors 0, 1 and 2
 * are the console, which behaves like a terminal in canonical mode. The
 * kernel moves raw bytes (exo_cons_read/exo_cons_write); the line
 * discipline - echo, erase, kill, end of file, interrupt, "\n" to "\r\n" on
 * output - lives here, in the libOS, as the exokernel design asks.
 * The heap is ordinary frames mapped page by page above the program's end.
 *
 * Internal helpers return negative errno; the POSIX entry points return -1
 * and set errno (see unix_fail()).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <exo/calls.h>
#include <unix/client.h>
#include <unix/errno_map.h>

/*
 * newlib's reentrant wrappers (_write_r, ... in libc/reent/) clear the
 * global int errno of the "system-dependent layer", call us, and copy it
 * into the caller's struct _reent. Programs that call write() directly read
 * errno through __errno() instead. unix_fail() sets both.
 */
#undef errno
extern int errno;

/* Fail a system call with errno e. Returns -1. */
int unix_fail(int e)
{
	errno = e;
	*__errno() = e;
	return -1;
}

/* Documented in unix/errno_map.h. */
int unix_errno(long exo_err)
{
	static const int map[EXO_NERRORS] = {
		[EXO_OK] = 0,	       [EXO_EINVAL] = EINVAL,	[EXO_EFAULT] = EFAULT,
		[EXO_EPERM] = EPERM,   [EXO_ENOMEM] = ENOMEM,	[EXO_EBADENV] = ESRCH,
		[EXO_ENOSYS] = ENOSYS, [EXO_EBUSY] = EBUSY,	[EXO_EAGAIN] = EAGAIN,
		[EXO_ERANGE] = E2BIG,  [EXO_ENOTSUP] = ENOTSUP,
	};
	long e = exo_err < 0 ? -exo_err : exo_err;

	return e < EXO_NERRORS ? map[e] : EIO;
}

/* ------------------------------------------------------------ console output */

/* Bytes per exo_cons_write: well under any plausible kernel limit on one call. */
#define CONS_CHUNK 512

/* The terminal's cursor column as far as our own output tells; erasing a tab needs it. */
static unsigned cons_col;

/* The column after printing byte c at column col on a terminal. */
static unsigned col_after(unsigned col, unsigned char c)
{
	if (c == '\r' || c == '\n')
		return 0;
	if (c == '\b')
		return col > 0 ? col - 1 : 0;
	if (c == '\t')
		return (col | 7) + 1;
	if (c < 0x20 || c == 0x7f || (c & 0xc0) == 0x80)
		return col; /* other controls, and UTF-8 continuation bytes */
	return col + 1;
}

/*
 * Write n bytes to the console unchanged. Returns how many were written:
 * fewer than n only if the kernel failed, and then *err holds its -EXO_E*
 * code. A kernel that accepts nothing for now (0 or -EXO_EAGAIN) is asked
 * again: a console write blocks until done.
 */
static size_t cons_put(const char *p, size_t n, long *err)
{
	size_t done = 0;

	while (done < n) {
		size_t chunk = n - done < CONS_CHUNK ? n - done : CONS_CHUNK;
		long r = exo_cons_write(p + done, chunk);

		if (r == 0 || r == -EXO_EAGAIN)
			continue;
		if (r < 0) {
			*err = r;
			break;
		}
		if ((size_t)r > chunk)
			r = (long)chunk; /* a kernel bug; never step past the buffer */
		for (long i = 0; i < r; i++)
			cons_col = col_after(cons_col, (unsigned char)p[done + i]);
		done += (size_t)r;
	}
	return done;
}

/* Echo for the line discipline: best effort, a failed echo loses no input. */
static void echo(const char *s, size_t n)
{
	long err;

	cons_put(s, n, &err);
}

/*
 * Write n bytes as a terminal's output processing would (ONLCR): each "\n"
 * goes out as "\r\n". Returns the number of the caller's bytes written, or
 * negative errno if none could be.
 */
static ssize_t cons_write(const char *p, size_t n)
{
	size_t done = 0;
	long err = 0;

	while (done < n) {
		const char *nl = memchr(p + done, '\n', n - done);
		size_t seg = nl ? (size_t)(nl - (p + done)) : n - done;
		size_t w = cons_put(p + done, seg, &err);

		done += w;
		if (w < seg)
			break;
		if (nl) {
			if (cons_put("\r\n", 2, &err) < 2)
				break;
			done++;
		}
	}
	if (done == 0 && err != 0)
		return -unix_errno(err);
	return (ssize_t)done;
}

/* ------------------------------------------------------------ console input */

/* Longest line, "\n" included (POSIX MAX_CANON); longer input rings the bell. */
#define CONS_LINE_MAX 1024
#define CTRL(c)	      ((c)&0x1f)

/* The line discipline's state. Single-threaded: one program, one console. */
static struct {
	char line[CONS_LINE_MAX];
	size_t len;		/* bytes in line: being edited, or finished */
	size_t off;		/* bytes of a finished line already handed out */
	bool done;		/* line is finished; read() hands it out */
	unsigned col;		/* cons_col where the line's echo begins */
	unsigned char raw[256]; /* bytes from the kernel not yet edited */
	size_t raw_len, raw_off;
} cin;

/* Controls are echoed as ^X (ECHOCTL), so they take two columns. */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* The echo column after line[0..end). */
static unsigned line_col(size_t end)
{
	unsigned col = cin.col;

	for (size_t i = 0; i < end; i++) {
		unsigned char c = (unsigned char)cin.line[i];
		col = is_ctl(c) ? col + 2 : col_after(col, c);
	}
	return col;
}

/* Shorten the line to end bytes, wiping their echo off the screen (ECHOE/ECHOKE). */
static void erase_to(size_t end)
{
	unsigned from = line_col(cin.len), to = line_col(end);

	for (; from > to; from--)
		echo("\b \b", 3);
	cin.len = end;
}

enum edit { EDIT_MORE, EDIT_DONE, EDIT_EOF, EDIT_INTR };

/*
 * Feed one input byte to the line being edited (POSIX "Canonical Mode
 * Input Processing", with ICRNL, ECHO, ECHOE, ECHOK, ECHOCTL, IUTF8).
 */
static enum edit edit(unsigned char c)
{
	size_t end;

	if (cin.len == 0)
		cin.col = cons_col;
	switch (c) {
	case '\r':
	case '\n':
		cin.line[cin.len++] = '\n'; /* room is always kept for it */
		echo("\r\n", 2);
		return EDIT_DONE;
	case CTRL('D'): /* at line start: end of file; else hand out the line as is */
		return cin.len == 0 ? EDIT_EOF : EDIT_DONE;
	case CTRL('C'): /* no signals yet: drop the line, read() fails with EINTR */
		cin.len = 0;
		echo("^C\r\n", 4);
		return EDIT_INTR;
	case CTRL('U'):
		erase_to(0);
		return EDIT_MORE;
	case 0x7f:
	case '\b': /* one character: a UTF-8 lead byte and its continuation bytes */
		if (cin.len == 0)
			return EDIT_MORE;
		end = cin.len - 1;
		while (end > 0 && (cin.line[end] & 0xc0) == 0x80)
			end--;
		erase_to(end);
		return EDIT_MORE;
	}
	if (cin.len + 1 >= sizeof cin.line) {
		echo("\a", 1);
		return EDIT_MORE;
	}
	cin.line[cin.len++] = (char)c;
	if (is_ctl(c))
		echo((const char[]){ '^', (char)(c ^ 0x40) }, 2);
	else
		echo((const char *)&c, 1);
	return EDIT_MORE;
}

/*
 * Read at most n bytes of at most one line from the console, blocking until
 * a line is finished. Returns the byte count, 0 at end of file (Ctrl-D at
 * the start of a line) or when n is 0, -EINTR after Ctrl-C, or negative
 * errno if the kernel fails.
 */
static ssize_t cons_read(char *buf, size_t n)
{
	size_t k;

	if (n == 0)
		return 0;
	while (!cin.done) {
		if (cin.raw_off == cin.raw_len) {
			long r = exo_cons_read(cin.raw, sizeof cin.raw);

			if (r == 0 || r == -EXO_EAGAIN)
				continue;
			if (r < 0)
				return -unix_errno(r);
			cin.raw_len = (size_t)r < sizeof cin.raw ? (size_t)r : sizeof cin.raw;
			cin.raw_off = 0;
		}
		switch (edit(cin.raw[cin.raw_off++])) {
		case EDIT_MORE:
			break;
		case EDIT_DONE:
			cin.done = true;
			break;
		case EDIT_EOF:
			return 0;
		case EDIT_INTR:
			return -EINTR;
		}
	}
	k = n < cin.len - cin.off ? n : cin.len - cin.off;
	memcpy(buf, cin.line + cin.off, k);
	cin.off += k;
	if (cin.off == cin.len) {
		cin.len = cin.off = 0;
		cin.done = false;
	}
	return (ssize_t)k;
}

/* ------------------------------------------------------------ file descriptors */

/* Bit fd set: fd is open on the console. Only 0, 1 and 2 exist. */
static unsigned cons_fds = 0x7;

static bool is_cons(int fd)
{
	return fd >= 0 && fd < 3 && (cons_fds >> fd & 1);
}

/*
 * newlib declares read and write to return _READ_WRITE_RETURN_TYPE, which is
 * int on this target, so one call moves at most INT_MAX bytes.
 */
#define RW_MAX(n) ((n) > INT_MAX ? (size_t)INT_MAX : (n))

/*
 * Write n bytes from buf to fd. Returns bytes written (fewer than n only if
 * the console failed part way), or -1: EBADF, or the console's error
 * (EFAULT for a bad buf, EIO ...).
 */
_READ_WRITE_RETURN_TYPE unix_solo_write(int fd, const void *buf, size_t n)
{
	ssize_t r;

	if (!is_cons(fd))
		return unix_fail(EBADF);
	r = cons_write(buf, RW_MAX(n));
	return r < 0 ? unix_fail((int)-r) : (_READ_WRITE_RETURN_TYPE)r;
}

/*
 * Read up to n bytes of at most one line from fd into buf. Returns bytes
 * read, 0 at end of file, or -1: EBADF, EINTR (Ctrl-C), EFAULT.
 */
_READ_WRITE_RETURN_TYPE unix_solo_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	if (!is_cons(fd))
		return unix_fail(EBADF);
	r = cons_read(buf, RW_MAX(n));
	return r < 0 ? unix_fail((int)-r) : (_READ_WRITE_RETURN_TYPE)r;
}

/* Close fd. Returns 0, or -1 with EBADF. The console stays usable through other fds. */
int unix_solo_close(int fd)
{
	if (!is_cons(fd))
		return unix_fail(EBADF);
	cons_fds &= ~(1u << fd);
	return 0;
}

/* Describe fd: the console is a character device, so stdio line-buffers it. -1: EBADF. */
int unix_solo_fstat(int fd, struct stat *st)
{
	if (!is_cons(fd))
		return unix_fail(EBADF);
	memset(st, 0, sizeof *st);
	st->st_mode = S_IFCHR | S_IRUSR | S_IWUSR | S_IWGRP;
	st->st_nlink = 1;
	return 0;
}

/* 1 if fd is a terminal (the console); else 0 with errno EBADF. */
int unix_solo_isatty(int fd)
{
	if (!is_cons(fd)) {
		unix_fail(EBADF);
		return 0;
	}
	return 1;
}

/* A terminal cannot seek: -1 with ESPIPE, or EBADF for a closed fd. */
off_t unix_solo_lseek(int fd, off_t off, int whence)
{
	(void)off;
	(void)whence;
	return unix_fail(is_cons(fd) ? ESPIPE : EBADF);
}

/* ------------------------------------------------------------ heap */

extern char end[]; /* first byte past .bss, from the GNU ld default script */

/* The heap stops 1 MiB short of the stack so that the two never touch. */
#define HEAP_LIMIT (EXO_USTACK_TOP - EXO_USTACK_PAGES * EXO_PAGE_SIZE - (1ULL << 20))

static uintptr_t heap_base;   /* first heap byte: end rounded up to a page; 0 = not yet set */
static uintptr_t heap_brk;    /* the break: one past the last heap byte handed out */
static uintptr_t heap_mapped; /* one past the last mapped heap page; >= heap_brk */

/*
 * Move the break by incr bytes (either sign) and return the old break. Pages
 * are mapped as the heap grows: one frame each, read-write. Shrinking keeps
 * the pages mapped for later growth. Fails with (void *)-1 and ENOMEM if
 * the heap would pass HEAP_LIMIT or below its start, or a frame cannot be
 * had or mapped; the break does not move then.
 */
void *sbrk(ptrdiff_t incr)
{
	uintptr_t old, want;

	if (heap_base == 0)
		heap_base = heap_brk = heap_mapped =
			((uintptr_t)end + EXO_PAGE_SIZE - 1) & ~(uintptr_t)(EXO_PAGE_SIZE - 1);
	old = heap_brk;
	if (incr < 0) {
		if ((uintptr_t)0 - (uintptr_t)incr > old - heap_base)
			goto nomem;
		heap_brk = old - ((uintptr_t)0 - (uintptr_t)incr);
		return (void *)old;
	}
	if ((uintptr_t)incr > HEAP_LIMIT - old)
		goto nomem;
	want = old + (uintptr_t)incr;
	while (heap_mapped < want) {
		long frame = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (frame < 0)
			goto nomem;
		if (exo_page_map(EXO_AS_SELF, heap_mapped, (uint64_t)frame,
				 EXO_PERM_R | EXO_PERM_W) < 0) {
			exo_frame_free((uint64_t)frame);
			goto nomem;
		}
		heap_mapped += EXO_PAGE_SIZE;
	}
	heap_brk = want;
	return (void *)old;
nomem:
	unix_fail(ENOMEM);
	return (void *)-1;
}

/* ------------------------------------------------------------ processes */

/* End the program: destroy this environment. The status has no reader yet. */
void unix_solo_exit(int status)
{
	(void)status;
	for (;;)
		exo_env_destroy(EXO_ENV_SELF);
}

/* This environment's id, as a process id. -1 with errno only if the kernel fails. */
pid_t unix_solo_getpid(void)
{
	long id = exo_env_id();

	return id < 0 ? unix_fail(unix_errno(id)) : (pid_t)id;
}

/*
 * Send sig to pid. There is one process, and no signal handling below
 * newlib's signal(): a signal to ourselves (pid = own id, 0 or -1) takes its
 * default action now - nothing for SIGCHLD, SIGCONT, SIGURG, SIGWINCH and 0,
 * otherwise the program ends with status 128 + sig. Errors: EINVAL (sig out
 * of range), ESRCH (any other pid).
 */
int unix_solo_kill(pid_t pid, int sig)
{
	if (sig < 0 || sig >= NSIG)
		return unix_fail(EINVAL);
	if (pid != unix_solo_getpid() && pid != 0 && pid != -1)
		return unix_fail(ESRCH);
	if (sig == 0 || sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH)
		return 0;
	unix_solo_exit(128 + sig);
}

/* The libgloss spelling. */
extern __typeof__(sbrk) _sbrk __attribute__((alias("sbrk"), copy(sbrk)));
