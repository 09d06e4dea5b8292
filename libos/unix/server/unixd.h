/*
 * unixd.h - the UNIX libOS's server environment: what its files share.
 *
 * unixd is the first program of a UNIX system (docs/unix-libos.md). It owns
 * the disk key, the ext2 file system and its buffer cache, the open-file
 * table, pipes, the console and its line discipline, and the process
 * table; processes reach it by protected control transfer (unix/proto.h).
 * Handlers run one at a time (the kernel refuses a second PCT until the
 * first is answered), so nothing here needs a lock.
 */
#ifndef UNIXD_H
#define UNIXD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/termios.h>
#include <sys/types.h>

#include <unix/proto.h>
#include "../fs/ext2.h"

#define NPROC  64  /* processes at once, zombies included */
#define NOFILE 64  /* descriptors per process */
#define NFILE  512 /* open files in the system */

enum fkind { F_FREE, F_INODE, F_PIPE_R, F_PIPE_W, F_CONS, F_NULL };

struct pipe;

/* An open file: shared by the descriptors dup/fork made from one open. */
struct file {
	enum fkind kind;
	int refs;
	int flags;    /* O_ACCMODE | O_APPEND | O_NONBLOCK */
	uint64_t off; /* F_INODE: the file offset, bytes */
	uint32_t ino; /* F_INODE: held with ext2_iget */
	struct pipe *pipe;
};

enum pstate { P_FREE, P_LIVE, P_ZOMBIE };

struct proc {
	enum pstate state;
	pid_t pid, ppid, pgid;
	uint64_t env; /* its environment */
	int status;   /* P_ZOMBIE: the wait status */
	struct file *fd[NOFILE];
	uint64_t cloexec; /* bit fd: FD_CLOEXEC */
	uint32_t cwd;	  /* inode of the working directory */
	unsigned umask;
	uint64_t ign, caught; /* bit s: signal s ignored / has a handler */
	bool waiting;	      /* got -UNIX_EWAIT: wake it on any change */
	bool orphan;	      /* its parent ended: reaped by the server, not init */
	struct unix_chan *ch; /* its channel page, as the server maps it */
	char *args;	      /* UNIX_ARG_MAX bytes: the next exec's strings, or NULL */
	uint64_t ch_frame;
	char name[32];
};

extern struct ext2_fs unixd_fs;
extern struct proc unixd_procs[NPROC];

/* The time for file stamps: seconds since 1970. */
uint32_t unixd_now(void);

/* disk.c: the block device, the cache's frames and their revocation,
 * the root file system. unixd_busy: a handler (or the periodic sync)
 * is using the cache, so revocation must wait for it. */
extern volatile bool unixd_busy;
void unixd_mount_root(void);
int unixd_unmount_root(void);
void unixd_revocation_init(void);
void unixd_reserve_fill(void);
void unixd_pay_debt(void);

/* Say why and switch the machine off: a system without its server. */
void unixd_die(const char *what, long err) __attribute__((noreturn));

/* Sync and unmount the file system, then switch the machine off. */
void unixd_shutdown(void) __attribute__((noreturn));

/* A fresh frame mapped read-write at va in the server. Returns the frame
 * or -ENOMEM. */
long unixd_map_frame(uint64_t va);

/* Wake every process that is waiting for a change (bumps its wake word). */
void unixd_wake_all(void);

/* file.c */
struct file *file_alloc(enum fkind kind, int flags);
void file_put(struct file *f);
int fd_install(struct proc *p, struct file *f, int lowest);
long file_op(struct proc *p, const uint64_t w[4], uint64_t out[3]);
int pipe_make(struct proc *p, int fds[2]);
void file_close_all(struct proc *p);

/* cons.c */
extern struct file *unixd_cons;
void cons_init(void);
long cons_read(char *buf, size_t n);
long cons_write(const char *buf, size_t n);
long cons_input(const char *bytes, size_t n);
void cons_getattr(struct termios *t);
void cons_setattr(const struct termios *t);
extern pid_t cons_fg; /* the foreground process group of the console */

/* proc.c */
struct proc *proc_by_env(uint64_t env);
struct proc *proc_by_pid(pid_t pid);
long proc_op(struct proc *p, const uint64_t w[4], uint64_t out[3]);
long proc_spawn_init(char *const argv[]);
long proc_kill(struct proc *from, pid_t pid, int sig);
void proc_reap_dead(void);

/* exec.c */
long exec_load(const char *path, uint32_t cwd, const char *args, uint64_t argc, uint64_t envc,
	       uint64_t *env_out);

#endif
