/*
 * client.h - the UNIX libOS's calls to its server (client.c, unix/proto.h).
 * Internal to libos/unix.
 */
#ifndef UNIX_CLIENT_H
#define UNIX_CLIENT_H

#include <signal.h>
#include <stdint.h>

#include <unix/proto.h>

/* The server's env id, or 0 for a program started without one. */
extern uint64_t unix_server;
/* This process's channel page (mapped only when unix_server is set). */
extern struct unix_chan *const unix_ch;

/*
 * Call the server: op with arguments a, b, c; out (may be NULL) gets the
 * three extra result words. Retries while the server is busy; sleeps and
 * retries on -UNIX_EWAIT. Returns the result (>= 0) or -errno: the
 * operation's own, -EINTR (a signal handler ran while it waited), -EIO
 * (the server is gone).
 */
long unix_call(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t out[3]);

/* unix_call with s1 (and s2 after its NUL, if not NULL) in the channel's
 * data. -ENAMETOOLONG if they do not fit. */
long unix_call_str(uint64_t op, const char *s1, const char *s2, uint64_t a, uint64_t b);

/* sigaction's work: record the disposition and tell the server. Returns 0
 * or -errno (EINVAL, ENOMEM). */
int unix_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/* In a fork child: serve signal PCTs again if handlers are installed. */
void unix_after_fork(void);

/* The wall clock, nanoseconds since 1970 UTC: the kernel's reading of
 * the battery clock at boot (struct exo_sysinfo rtc_epoch) plus the TSC
 * since; without one, UNIX_EPOCH plus the time since boot. */
uint64_t unix_realtime_ns(void);

/* Run handlers of pending signals now (no call in progress). */
void unix_deliver(void);

/* The stand-alone versions (syscalls.c): a program without a server has
 * the console on fds 0-2 and nothing else. */
#include <sys/stat.h>
#include <sys/types.h>
int unix_fail(int e);
_READ_WRITE_RETURN_TYPE unix_solo_write(int fd, const void *buf, size_t n);
_READ_WRITE_RETURN_TYPE unix_solo_read(int fd, void *buf, size_t n);
int unix_solo_close(int fd);
int unix_solo_fstat(int fd, struct stat *st);
int unix_solo_isatty(int fd);
off_t unix_solo_lseek(int fd, off_t off, int whence);
void unix_solo_exit(int status) __attribute__((noreturn));
pid_t unix_solo_getpid(void);
int unix_solo_kill(pid_t pid, int sig);

#endif
