/*
 * unix/unix.h - what the UNIX libOS offers beyond POSIX: the process list
 * (for ps) and powering the machine off (for poweroff).
 */
#ifndef UNIX_UNIX_H
#define UNIX_UNIX_H

#include <sys/types.h>

/* One process as unix_proc_list reports it. */
struct unix_proc {
	pid_t pid;
	pid_t ppid;
	pid_t pgid;
	char state;	       /* 'R' running or runnable, 'S' sleeping, 'Z' zombie */
	unsigned long mem_kib; /* frames the process's environment owns, KiB */
	char name[32];	       /* argv[0] of its last execve, cut to 31 bytes */
};

/*
 * Fill buf with up to max processes, in pid order. Returns how many
 * processes exist (may exceed max: call again with a larger buffer), or -1
 * with errno EFAULT.
 */
int unix_proc_list(struct unix_proc *buf, int max);

/*
 * Write every dirty block to the disk, flush it, unmount the file system
 * and switch the machine off (QEMU exits with status 0). Returns only on
 * failure: -1 with errno EPERM (not allowed) or EIO (the file system could
 * not be written; the machine stays on).
 */
int unix_poweroff(void);

#endif
