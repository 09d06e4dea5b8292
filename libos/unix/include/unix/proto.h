/*
 * proto.h - how a UNIX process talks to unixd, the UNIX libOS's server
 * environment (docs/unix-libos.md, "Processes and the server").
 *
 * Every process is an environment. The state processes share - the file
 * system and its buffer cache, open files, pipes, the console's line
 * discipline, the process table - lives in one server environment (the
 * JOS file-server design, extended to the process table). A process calls
 * it by synchronous protected control transfer (exo_pct_call, call 24):
 *
 *   w0 = UNIX_OP_*, w1..w3 = arguments        ->  w0 = result or -errno,
 *                                                 w1..w3 = extra results
 *
 * Bulk arguments and results (paths, data, struct stat) travel in the
 * process's channel page: one frame the server owns and maps both into
 * itself and, read-write, at UNIX_CHAN_VA in the process.
 *
 * A call that would block (a read of an empty pipe, wait for a running
 * child) returns -UNIX_EWAIT: the process then sleeps in exo_wait until
 * the server bumps `wake` in its channel page, and asks again.
 */
#ifndef UNIX_PROTO_H
#define UNIX_PROTO_H

#include <stdint.h>

#include <exo/layout.h>

/* The channel page, at the same address in every process: just above the
 * heap's limit, below libexo's region (exo/libexo.h). */
#define UNIX_CHAN_VA (EXO_USTACK_TOP - EXO_USTACK_PAGES * EXO_PAGE_SIZE - (1ULL << 20))

/* Where execve puts a new program's arguments and environment (strings
 * and the argc/argv/envp/auxv block crt0 reads), between the channel page
 * and libexo's region: up to UNIX_ARG_MAX bytes of strings. */
#define UNIX_ARGS_VA  (UNIX_CHAN_VA + EXO_PAGE_SIZE)
#define UNIX_ARGS_MAX (384ULL * 1024)
#define UNIX_ARG_MAX  (256ULL * 1024) /* POSIX ARG_MAX: bytes of argument strings */
/* (exo/libexo.h's EXO_LIBEXO_BOTTOM, which this header cannot include,
 * lies about 560 KiB above UNIX_CHAN_VA; unixd checks the fit.) */

/* Auxiliary-vector type carrying the server's env id: a type of our own,
 * far above the ones the psABI (§3.4.3) and Linux define (all below 64). */
#define UNIX_AT_SERVER 0x756e6978 /* "unix" */

/* The wall clock when the kernel found no battery clock: this many
 * seconds (2026-01-01 00:00 UTC) plus the time since boot. */
#define UNIX_EPOCH 1767225600ULL

/* Bytes of payload in a channel page. */
#define UNIX_CHAN_DATA 4032

struct unix_chan {
	volatile uint64_t wake;	   /* bumped by the server after a -UNIX_EWAIT */
	volatile uint64_t sigpend; /* signals the server posted: bit s = signal s */
	int32_t pid;		   /* the process's id, written by the server */
	int32_t ppid;		   /* its parent's id, kept current by the server */
	uint64_t reserved[5];
	char data[UNIX_CHAN_DATA];
};
_Static_assert(sizeof(struct unix_chan) == 4096, "one page");

/* The server's "ask again after a wake-up" result (not an errno). */
#define UNIX_EWAIT 512

/* PCT words the server sends a process to interrupt it for a signal. */
#define UNIX_PCT_SIGNAL 0x5349474eULL /* "SIGN" */

enum unix_op {
	UNIX_OP_OPEN = 1, /* data path; w1 flags, w2 mode -> fd */
	UNIX_OP_CLOSE,	  /* w1 fd */
	UNIX_OP_READ,	/* w1 fd, w2 bytes (<= UNIX_CHAN_DATA), w3 0 or offset + 1 -> count, data */
	UNIX_OP_WRITE,	/* w1 fd, w2 bytes, w3 0 or offset + 1, data -> count */
	UNIX_OP_LSEEK,	/* w1 fd, w2 offset, w3 whence -> offset */
	UNIX_OP_FSTAT,	/* w1 fd -> data struct stat */
	UNIX_OP_STAT,	/* data path; w1 follow -> data struct stat */
	UNIX_OP_UNLINK, /* data path */
	UNIX_OP_LINK,	/* data old NUL new */
	UNIX_OP_SYMLINK,   /* data target NUL path */
	UNIX_OP_READLINK,  /* data path; w1 bytes -> count, data */
	UNIX_OP_MKDIR,	   /* data path; w1 mode */
	UNIX_OP_RMDIR,	   /* data path */
	UNIX_OP_RENAME,	   /* data old NUL new */
	UNIX_OP_TRUNCATE,  /* data path; w1 length */
	UNIX_OP_FTRUNCATE, /* w1 fd, w2 length */
	UNIX_OP_UTIME,	   /* data path; w1 atime, w2 mtime (both 0: now) */
	UNIX_OP_CHMOD,	   /* data path (empty: w2 fd); w1 mode */
	UNIX_OP_STATVFS,   /* data path (empty: w1 fd) -> data struct statvfs */
	UNIX_OP_FCNTL,	   /* w1 fd, w2 cmd, w3 arg */
	UNIX_OP_GETDENTS,  /* w1 fd, w2 bytes -> count, data */
	UNIX_OP_CHDIR,	   /* data path */
	UNIX_OP_GETCWD,	   /* -> data path */
	UNIX_OP_DUP,	   /* w1 fd, w2 lowest new fd, w3 1: dup2 exactly w2 */
	UNIX_OP_PIPE,	   /* -> w1 read fd, w2 write fd */
	UNIX_OP_FORK,	   /* w1 child env (stopped) -> child pid; the server starts it */
	UNIX_OP_EXEC_ARGS, /* w1 offset, w2 bytes of data: part of the next exec's strings */
	UNIX_OP_EXEC,	   /* w1 argc, w2 envc, w3 bytes: path NUL argv... envp... as sent */
	UNIX_OP_EXIT,	   /* w1 status; does not return */
	UNIX_OP_WAIT,	   /* w1 pid, w2 options -> pid, w1 status */
	UNIX_OP_SETPGID,   /* w1 pid, w2 pgid */
	UNIX_OP_GETPGRP,   /* -> pgid */
	UNIX_OP_TCGETPGRP, /* w1 fd */
	UNIX_OP_TCSETPGRP, /* w1 fd, w2 pgid */
	UNIX_OP_TCGETATTR, /* w1 fd -> data struct termios */
	UNIX_OP_TCSETATTR, /* w1 fd, w2 action, data struct termios */
	UNIX_OP_KILL,	   /* w1 pid, w2 sig */
	UNIX_OP_SIGNAL,	   /* w1 sig, w2 UNIX_SIG_* disposition */
	UNIX_OP_SYNC,	   /* w1 fd + 1 (0: everything) */
	UNIX_OP_UMASK,	   /* w1 new mask -> old mask */
	UNIX_OP_ACCESS,	   /* data path; w1 mode */
	UNIX_OP_PROCLIST,  /* w1 first index -> count, data struct unix_proc[] */
	UNIX_OP_POWEROFF,
	UNIX_OP_CONS_INPUT, /* (the console reader) w1..w3 bytes, count in w0 >> 16 */
	UNIX_OP_MAX
};

/* Dispositions a process reports with UNIX_OP_SIGNAL. */
#define UNIX_SIG_DFL	 0
#define UNIX_SIG_IGN	 1
#define UNIX_SIG_HANDLER 2

#endif
