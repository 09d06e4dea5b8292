/*
 * sys/statvfs.h - file-system statistics (POSIX.1-2017 <sys/statvfs.h>),
 * which newlib leaves to the system.
 */
#ifndef _SYS_STATVFS_H
#define _SYS_STATVFS_H

#include <sys/types.h>

/* fsblkcnt_t and fsfilcnt_t come from newlib's <sys/types.h>. */
struct statvfs {
	unsigned long f_bsize;	/* file-system block size, bytes */
	unsigned long f_frsize; /* fundamental block size, bytes (f_blocks counts these) */
	fsblkcnt_t f_blocks;	/* size of the file system in f_frsize units */
	fsblkcnt_t f_bfree;	/* free blocks */
	fsblkcnt_t f_bavail;	/* free blocks for unprivileged users */
	fsfilcnt_t f_files;	/* inodes */
	fsfilcnt_t f_ffree;	/* free inodes */
	fsfilcnt_t f_favail;	/* free inodes for unprivileged users */
	unsigned long f_fsid;
	unsigned long f_flag; /* ST_RDONLY, ST_NOSUID */
	unsigned long f_namemax;
};

#define ST_RDONLY 1
#define ST_NOSUID 2

int statvfs(const char *__restrict path, struct statvfs *__restrict buf);
int fstatvfs(int fd, struct statvfs *buf);

#endif
