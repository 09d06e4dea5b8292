/*
 * posix.c - the POSIX system calls newlib and programs call.
 *
 * With a server (a program unixd started, client.c) each call is a
 * protected control transfer to it; without one (a boot module) only the
 * console and the heap exist, as syscalls.c provides them, and calls that
 * need the file system or other processes fail with ENOSYS (or ENOENT for
 * names, ECHILD for wait).
 *
 * Every function returns as POSIX says: -1 (or NULL) with errno set on
 * failure. The errors are those the server's operations document
 * (docs/unix-libos.md, "System calls").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/termios.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <exo/libexo.h>
#include <unix/client.h>
#include <unix/errno_map.h>
#include <unix/unix.h>

/* r >= 0: r; else errno = -r and -1. */
static long ret(long r)
{
	return r < 0 ? unix_fail((int)-r) : r;
}

/* The call needs a server: fail with e in a stand-alone program. */
#define NEED_SERVER(e)                       \
	do {                                 \
		if (unix_server == 0)        \
			return unix_fail(e); \
	} while (0)

/* The largest single transfer through the channel page. */
#define CHUNK UNIX_CHAN_DATA

/* ------------------------------------------------------------ files */

int open(const char *path, int flags, ...)
{
	va_list ap;
	int mode = 0;

	NEED_SERVER(ENOENT);
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return (int)ret(unix_call_str(UNIX_OP_OPEN, path, NULL, (uint64_t)flags, (uint64_t)mode));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int close(int fd)
{
	if (unix_server == 0)
		return unix_solo_close(fd);
	return (int)ret(unix_call(UNIX_OP_CLOSE, (uint64_t)fd, 0, 0, NULL));
}

/* newlib declares read and write to return int: at most INT_MAX bytes. */
#define RW_MAX(n) ((n) > INT_MAX ? (size_t)INT_MAX : (n))

/* read and pread: at is 0 (the file offset) or the offset + 1. */
static ssize_t read_at(int fd, void *buf, size_t n, uint64_t at)
{
	size_t done = 0;

	n = RW_MAX(n);
	/* A short count (pipe, console, end of file) ends the loop. */
	while (done < n) {
		size_t want = n - done < CHUNK ? n - done : CHUNK;
		long r = unix_call(UNIX_OP_READ, (uint64_t)fd, want, at ? at + done : 0, NULL);

		if (r < 0)
			return done > 0 ? (int)done : (int)ret(r);
		memcpy((char *)buf + done, unix_ch->data, (size_t)r);
		done += (size_t)r;
		if ((size_t)r < want)
			break;
	}
	return (int)done;
}

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t n)
{
	if (unix_server == 0)
		return unix_solo_read(fd, buf, n);
	return (int)read_at(fd, buf, n, 0);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	NEED_SERVER(ESPIPE);
	if (off < 0)
		return unix_fail(EINVAL);
	return read_at(fd, buf, n, (uint64_t)off + 1);
}

/* write and pwrite: at is 0 (the file offset) or the offset + 1. */
static ssize_t write_at(int fd, const void *buf, size_t n, uint64_t at)
{
	size_t done = 0;

	n = RW_MAX(n);
	do {
		size_t want = n - done < CHUNK ? n - done : CHUNK;
		long r;

		memcpy(unix_ch->data, (const char *)buf + done, want);
		r = unix_call(UNIX_OP_WRITE, (uint64_t)fd, want, at ? at + done : 0, NULL);
		if (r < 0)
			return done > 0 ? (int)done : (int)ret(r);
		done += (size_t)r;
		if ((size_t)r < want)
			break;
	} while (done < n);
	return (int)done;
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t n)
{
	if (unix_server == 0)
		return unix_solo_write(fd, buf, n);
	return (int)write_at(fd, buf, n, 0);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	NEED_SERVER(ESPIPE);
	if (off < 0)
		return unix_fail(EINVAL);
	return write_at(fd, buf, n, (uint64_t)off + 1);
}

off_t lseek(int fd, off_t off, int whence)
{
	if (unix_server == 0)
		return unix_solo_lseek(fd, off, whence);
	return ret(unix_call(UNIX_OP_LSEEK, (uint64_t)fd, (uint64_t)off, (uint64_t)whence, NULL));
}

int fstat(int fd, struct stat *st)
{
	long r;

	if (unix_server == 0)
		return unix_solo_fstat(fd, st);
	r = unix_call(UNIX_OP_FSTAT, (uint64_t)fd, 0, 0, NULL);
	if (r >= 0)
		memcpy(st, unix_ch->data, sizeof *st);
	return (int)ret(r);
}

static int stat_common(const char *path, struct stat *st, int follow)
{
	long r;

	NEED_SERVER(ENOENT);
	r = unix_call_str(UNIX_OP_STAT, path, NULL, (uint64_t)follow, 0);
	if (r >= 0)
		memcpy(st, unix_ch->data, sizeof *st);
	return (int)ret(r);
}

int stat(const char *restrict path, struct stat *restrict st)
{
	return stat_common(path, st, 1);
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	return stat_common(path, st, 0);
}

int isatty(int fd)
{
	struct stat st;

	if (unix_server == 0)
		return unix_solo_isatty(fd);
	if (fstat(fd, &st) < 0)
		return 0;
	if (!S_ISCHR(st.st_mode)) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

/* path-only calls: one string, one or two numbers. */
static int path_call(enum unix_op op, const char *path, uint64_t a, uint64_t b)
{
	NEED_SERVER(ENOENT);
	return (int)ret(unix_call_str(op, path, NULL, a, b));
}

int unlink(const char *path)
{
	return path_call(UNIX_OP_UNLINK, path, 0, 0);
}

int rmdir(const char *path)
{
	return path_call(UNIX_OP_RMDIR, path, 0, 0);
}

int mkdir(const char *path, mode_t mode)
{
	return path_call(UNIX_OP_MKDIR, path, mode, 0);
}

int truncate(const char *path, off_t len)
{
	return path_call(UNIX_OP_TRUNCATE, path, (uint64_t)len, 0);
}

int access(const char *path, int mode)
{
	return path_call(UNIX_OP_ACCESS, path, (uint64_t)mode, 0);
}

int chdir(const char *path)
{
	return path_call(UNIX_OP_CHDIR, path, 0, 0);
}

int link(const char *old, const char *new)
{
	NEED_SERVER(ENOENT);
	return (int)ret(unix_call_str(UNIX_OP_LINK, old, new, 0, 0));
}

int symlink(const char *target, const char *path)
{
	NEED_SERVER(ENOENT);
	return (int)ret(unix_call_str(UNIX_OP_SYMLINK, target, path, 0, 0));
}

int rename(const char *old, const char *new)
{
	NEED_SERVER(ENOENT);
	return (int)ret(unix_call_str(UNIX_OP_RENAME, old, new, 0, 0));
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t n)
{
	long r;

	NEED_SERVER(ENOENT);
	r = unix_call_str(UNIX_OP_READLINK, path, NULL, n < CHUNK ? n : CHUNK, 0);
	if (r >= 0)
		memcpy(buf, unix_ch->data, (size_t)r);
	return ret(r);
}

int ftruncate(int fd, off_t len)
{
	NEED_SERVER(EBADF);
	return (int)ret(unix_call(UNIX_OP_FTRUNCATE, (uint64_t)fd, (uint64_t)len, 0, NULL));
}

int utime(const char *path, const struct utimbuf *t)
{
	/* both times 0 means "now" to the server */
	if (t == NULL)
		return path_call(UNIX_OP_UTIME, path, 0, 0);
	return path_call(UNIX_OP_UTIME, path, (uint64_t)t->actime, (uint64_t)t->modtime);
}

int chmod(const char *path, mode_t mode)
{
	return path_call(UNIX_OP_CHMOD, path, mode, 0);
}

int fchmod(int fd, mode_t mode)
{
	NEED_SERVER(EBADF);
	return (int)ret(unix_call_str(UNIX_OP_CHMOD, "", NULL, mode, (uint64_t)fd));
}

int utimes(const char *path, const struct timeval *tv)
{
	struct utimbuf t;

	if (tv == NULL)
		return utime(path, NULL);
	t.actime = tv[0].tv_sec;
	t.modtime = tv[1].tv_sec;
	return utime(path, &t);
}

static int statvfs_common(const char *path, int fd, struct statvfs *st)
{
	long r;

	NEED_SERVER(ENOSYS);
	r = unix_call_str(UNIX_OP_STATVFS, path, NULL, (uint64_t)fd, 0);
	if (r >= 0)
		memcpy(st, unix_ch->data, sizeof *st);
	return (int)ret(r);
}

int statvfs(const char *restrict path, struct statvfs *restrict st)
{
	return statvfs_common(path, -1, st);
}

int fstatvfs(int fd, struct statvfs *st)
{
	return statvfs_common("", fd, st);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	NEED_SERVER(EBADF);
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return (int)ret(unix_call(UNIX_OP_FCNTL, (uint64_t)fd, (uint64_t)cmd, (uint64_t)arg, NULL));
}

int getdents(int fd, void *buf, int count)
{
	long r;

	NEED_SERVER(EBADF);
	if (count < 0)
		return unix_fail(EINVAL);
	r = unix_call(UNIX_OP_GETDENTS, (uint64_t)fd, (uint64_t)(count < CHUNK ? count : CHUNK), 0,
		      NULL);
	if (r > 0)
		memcpy(buf, unix_ch->data, (size_t)r);
	return (int)ret(r);
}

char *getcwd(char *buf, size_t n)
{
	long r;

	if (unix_server == 0) {
		unix_fail(ENOSYS);
		return NULL;
	}
	r = unix_call(UNIX_OP_GETCWD, 0, 0, 0, NULL);
	if (r < 0) {
		unix_fail((int)-r);
		return NULL;
	}
	if ((size_t)r + 1 > n) {
		unix_fail(ERANGE);
		return NULL;
	}
	memcpy(buf, unix_ch->data, (size_t)r + 1);
	return buf;
}

int dup(int fd)
{
	NEED_SERVER(EBADF);
	return (int)ret(unix_call(UNIX_OP_DUP, (uint64_t)fd, 0, 0, NULL));
}

int dup2(int fd, int to)
{
	NEED_SERVER(EBADF);
	return (int)ret(unix_call(UNIX_OP_DUP, (uint64_t)fd, (uint64_t)to, 1, NULL));
}

int pipe(int fds[2])
{
	uint64_t out[3];
	long r;

	NEED_SERVER(ENOSYS);
	r = unix_call(UNIX_OP_PIPE, 0, 0, 0, out);
	if (r >= 0) {
		fds[0] = (int)out[0];
		fds[1] = (int)out[1];
	}
	return (int)ret(r);
}

void sync(void)
{
	if (unix_server != 0)
		unix_call(UNIX_OP_SYNC, 0, 0, 0, NULL);
}

int fsync(int fd)
{
	NEED_SERVER(EBADF);
	return (int)ret(unix_call(UNIX_OP_SYNC, (uint64_t)fd + 1, 0, 0, NULL));
}

int fdatasync(int fd)
{
	return fsync(fd);
}

mode_t umask(mode_t mask)
{
	if (unix_server == 0)
		return 022;
	return (mode_t)unix_call(UNIX_OP_UMASK, mask & 0777, 0, 0, NULL);
}

/* ------------------------------------------------------------ terminal */

int tcgetattr(int fd, struct termios *t)
{
	long r;

	NEED_SERVER(ENOTTY);
	r = unix_call(UNIX_OP_TCGETATTR, (uint64_t)fd, 0, 0, NULL);
	if (r >= 0)
		memcpy(t, unix_ch->data, sizeof *t);
	return (int)ret(r);
}

int tcsetattr(int fd, int action, const struct termios *t)
{
	NEED_SERVER(ENOTTY);
	memcpy(unix_ch->data, t, sizeof *t);
	return (int)ret(unix_call(UNIX_OP_TCSETATTR, (uint64_t)fd, (uint64_t)action, 0, NULL));
}

pid_t tcgetpgrp(int fd)
{
	NEED_SERVER(ENOTTY);
	return (pid_t)ret(unix_call(UNIX_OP_TCGETPGRP, (uint64_t)fd, 0, 0, NULL));
}

int tcsetpgrp(int fd, pid_t pgrp)
{
	NEED_SERVER(ENOTTY);
	return (int)ret(unix_call(UNIX_OP_TCSETPGRP, (uint64_t)fd, (uint64_t)pgrp, 0, NULL));
}

int tcflush(int fd, int queue)
{
	(void)queue;
	return isatty(fd) ? 0 : -1;
}

speed_t cfgetispeed(const struct termios *t)
{
	return t->c_ispeed;
}

speed_t cfgetospeed(const struct termios *t)
{
	return t->c_ospeed;
}

int cfsetispeed(struct termios *t, speed_t s)
{
	t->c_ispeed = s;
	return 0;
}

int cfsetospeed(struct termios *t, speed_t s)
{
	t->c_ospeed = s;
	return 0;
}

void cfmakeraw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_oflag &= ~(tcflag_t)OPOST;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag = (t->c_cflag & ~(tcflag_t)(CSIZE | PARENB)) | CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

/* ------------------------------------------------------------ processes */

pid_t getpid(void)
{
	if (unix_server == 0)
		return unix_solo_getpid();
	return unix_ch->pid;
}

pid_t getppid(void)
{
	return unix_server == 0 ? 0 : unix_ch->ppid;
}

int setpgid(pid_t pid, pid_t pgid)
{
	NEED_SERVER(ENOSYS);
	return (int)ret(unix_call(UNIX_OP_SETPGID, (uint64_t)pid, (uint64_t)pgid, 0, NULL));
}

pid_t getpgrp(void)
{
	if (unix_server == 0)
		return getpid();
	return (pid_t)unix_call(UNIX_OP_GETPGRP, 0, 0, 0, NULL);
}

pid_t fork(void)
{
	long child, r;

	NEED_SERVER(ENOSYS);
	child = exo_fork_stopped();
	if (child < 0)
		return unix_fail(unix_errno(child));
	if (child == 0) { /* the server has mapped our own channel page */
		unix_after_fork();
		return 0;
	}
	r = unix_call(UNIX_OP_FORK, (uint64_t)child, 0, 0, NULL);
	if (r < 0)
		exo_env_destroy((uint64_t)child);
	return (pid_t)ret(r);
}

/* Send one string of execve's list to the server, through the channel
 * page in pieces. *used counts the bytes sent so far. */
static long send_string(const char *str, uint64_t *used)
{
	size_t n = strlen(str) + 1, done = 0;

	if (n > UNIX_ARG_MAX - *used)
		return -E2BIG;
	while (done < n) {
		size_t k = n - done < CHUNK ? n - done : CHUNK;
		long r;

		memcpy(unix_ch->data, str + done, k);
		r = unix_call(UNIX_OP_EXEC_ARGS, *used + done, k, 0, NULL);
		if (r < 0)
			return r;
		done += k;
	}
	*used += n;
	return 0;
}

/* The path, argv and envp go to the server as one list of strings (up to
 * UNIX_ARG_MAX bytes), then UNIX_OP_EXEC names the counts. */
int execve(const char *path, char *const argv[], char *const envp[])
{
	uint64_t used = 0, argc = 0, envc = 0;
	long r;

	NEED_SERVER(ENOSYS);
	r = send_string(path, &used);
	for (; r == 0 && argv != NULL && argv[argc] != NULL; argc++)
		r = send_string(argv[argc], &used);
	for (; r == 0 && envp != NULL && envp[envc] != NULL; envc++)
		r = send_string(envp[envc], &used);
	if (r == 0) /* only returns on failure */
		r = unix_call(UNIX_OP_EXEC, argc, envc, used, NULL);
	return (int)ret(r);
}

void _exit(int status)
{
	if (unix_server == 0)
		unix_solo_exit(status);
	for (;;)
		unix_call(UNIX_OP_EXIT, (uint64_t)(status & 0xff), 0, 0, NULL);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	uint64_t out[3];
	long r;

	NEED_SERVER(ECHILD);
	r = unix_call(UNIX_OP_WAIT, (uint64_t)pid, (uint64_t)options, 0, out);
	if (r > 0 && status != NULL)
		*status = (int)out[0];
	return (pid_t)ret(r);
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

int kill(pid_t pid, int sig)
{
	if (unix_server == 0)
		return unix_solo_kill(pid, sig);
	return (int)ret(unix_call(UNIX_OP_KILL, (uint64_t)pid, (uint64_t)sig, 0, NULL));
}

int raise(int sig)
{
	return kill(getpid(), sig);
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	return (int)ret(unix_sigaction(sig, act, old));
}

_sig_func_ptr signal(int sig, _sig_func_ptr h)
{
	struct sigaction act = { 0 }, old;

	act.sa_handler = h;
	act.sa_flags = 0;
	if (unix_sigaction(sig, &act, &old) < 0) {
		errno = EINVAL;
		return SIG_ERR;
	}
	return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	(void)how;
	(void)set;
	if (old != NULL)
		*old = 0;
	return 0;
}

int unix_proc_list(struct unix_proc *buf, int max)
{
	int total = 0, got = 0;

	NEED_SERVER(ENOSYS);
	for (;;) {
		long r = unix_call(UNIX_OP_PROCLIST, (uint64_t)got, 0, 0, NULL);
		size_t per = UNIX_CHAN_DATA / sizeof(struct unix_proc);
		int n;

		if (r < 0)
			return (int)ret(r);
		total = (int)r;
		n = total - got < (int)per ? total - got : (int)per;
		for (int i = 0; i < n && got + i < max; i++)
			buf[got + i] = ((struct unix_proc *)unix_ch->data)[i];
		got += n;
		if (n <= 0 || got >= total || got >= max)
			return total;
	}
}

int unix_poweroff(void)
{
	NEED_SERVER(EPERM);
	return (int)ret(unix_call(UNIX_OP_POWEROFF, 0, 0, 0, NULL));
}

/* ------------------------------------------------------------ time */

/* Nanoseconds of TSC since boot. */
static uint64_t now_ns(void)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t hz = si->tsc_hz ? si->tsc_hz : 1000000000ULL;
	unsigned __int128 t = __builtin_ia32_rdtsc();

	return (uint64_t)(t * 1000000000ULL / hz);
}

uint64_t unix_realtime_ns(void)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t hz = si->tsc_hz ? si->tsc_hz : 1000000000ULL;

	if (si->rtc_epoch == 0) /* no clock: count from UNIX_EPOCH at boot */
		return UNIX_EPOCH * 1000000000ULL + now_ns();
	unsigned __int128 since = __builtin_ia32_rdtsc() - si->rtc_tsc;

	return si->rtc_epoch * 1000000000ULL + (uint64_t)(since * 1000000000ULL / hz);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t ns = id == CLOCK_REALTIME ? unix_realtime_ns() : now_ns();

	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
	return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

clock_t times(struct tms *buf)
{
	clock_t t = (clock_t)(now_ns() / (1000000000ULL / CLK_TCK));

	if (buf != NULL) {
		buf->tms_utime = t;
		buf->tms_stime = buf->tms_cutime = buf->tms_cstime = 0;
	}
	return t;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	uint64_t us;

	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L)
		return unix_fail(EINVAL);
	us = (uint64_t)req->tv_sec * 1000000ULL + (uint64_t)req->tv_nsec / 1000;
	if (us > 0)
		exo_wait(NULL, 0, 0, us);
	if (rem != NULL)
		rem->tv_sec = rem->tv_nsec = 0;
	if (unix_server != 0)
		unix_deliver();
	return 0;
}

int uname(struct utsname *u)
{
	memset(u, 0, sizeof *u);
	strcpy(u->sysname, "exo");
	strcpy(u->nodename, "exo");
	strcpy(u->release, "0.1");
	strcpy(u->version, "unix libOS");
	strcpy(u->machine, "x86_64");
	return 0;
}

/* The libgloss spellings (_write, _sbrk, ...), same functions. */
#define ALIAS(name) extern __typeof__(name) _##name __attribute__((alias(#name), copy(name)))
ALIAS(write);
ALIAS(read);
ALIAS(close);
ALIAS(fstat);
ALIAS(stat);
ALIAS(isatty);
ALIAS(lseek);
ALIAS(open);
ALIAS(link);
ALIAS(unlink);
ALIAS(getpid);
ALIAS(kill);
ALIAS(fork);
ALIAS(execve);
ALIAS(wait);
ALIAS(times);
ALIAS(gettimeofday);
