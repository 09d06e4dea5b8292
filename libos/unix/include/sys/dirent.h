/*
 * sys/dirent.h - directories for newlib's <dirent.h> on the UNIX libOS.
 *
 * newlib's generic <sys/dirent.h> is an #error; a system that has
 * directories supplies this file. newlib's own opendir/readdir/closedir
 * (libc/posix, built by tools/posix.mk) use the DIR fields below and read
 * entries with getdents(), which the libOS implements (docs/unix-libos.md).
 */
#ifndef _SYS_DIRENT_H
#define _SYS_DIRENT_H

#include <sys/types.h>
#include <sys/lock.h>

#define HAVE_DD_LOCK 1
#define MAXNAMLEN    255

/* One entry as getdents() returns it: d_reclen bytes, 8-byte aligned. */
struct dirent {
	ino_t d_ino;		    /* inode number; 0 never appears */
	off_t d_off;		    /* directory offset of the next entry */
	unsigned short d_reclen;    /* bytes of this record */
	unsigned char d_type;	    /* DT_* below */
	char d_name[MAXNAMLEN + 1]; /* NUL-terminated name */
};

/* d_type values (as BSD and Linux number them). */
#define DT_UNKNOWN 0
#define DT_FIFO	   1
#define DT_CHR	   2
#define DT_DIR	   4
#define DT_BLK	   6
#define DT_REG	   8
#define DT_LNK	   10
#define DT_SOCK	   12

/* An open directory stream (newlib's libc/posix/opendir.c fills it). */
typedef struct {
	int dd_fd;    /* the directory's file descriptor */
	int dd_loc;   /* offset of the next entry in dd_buf */
	int dd_size;  /* bytes in dd_buf */
	char *dd_buf; /* entries from the last getdents() */
	int dd_len;   /* size of dd_buf */
	long dd_seek; /* telldir/seekdir position */
	_LOCK_RECURSIVE_T dd_lock;
} DIR;

/*
 * Read directory entries of the open directory fd into buf (count bytes),
 * as many whole struct dirent records as fit. Returns the bytes stored,
 * 0 at the end of the directory, or -1 with errno (EBADF, ENOTDIR, EINVAL:
 * count too small for the next entry, EIO: the directory is damaged).
 */
int getdents(int fd, void *buf, int count);

DIR *opendir(const char *);
DIR *fdopendir(int);
struct dirent *readdir(DIR *);
int readdir_r(DIR *__restrict, struct dirent *__restrict, struct dirent **__restrict);
void rewinddir(DIR *);
int closedir(DIR *);
int dirfd(DIR *);
long telldir(DIR *);
void seekdir(DIR *, long);
int scandir(const char *, struct dirent ***, int (*)(const struct dirent *),
	    int (*)(const struct dirent **, const struct dirent **));
int alphasort(const struct dirent **, const struct dirent **);

#endif
