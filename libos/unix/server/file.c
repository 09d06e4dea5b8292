/*
 * file.c - unixd's open files, descriptors, pipes and the file-system
 * calls (unix/proto.h's file operations).
 *
 * An open file (struct file) is shared by the descriptors dup() and fork()
 * make from one open(), as in UNIX; it holds its inode with ext2_iget so
 * that an unlinked file lives until its last close. Pipes are a 16 KiB
 * ring; a blocking read of an empty pipe or write to a full one answers
 * -UNIX_EWAIT and the process asks again once woken. /dev/null, /dev/tty
 * and /dev/console are names the server knows; the ext2 image has no
 * device inodes for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "unixd.h"

#define PIPE_BYTES  16384
#define PIPE_ATOMIC 512 /* POSIX PIPE_BUF */

struct pipe {
	char buf[PIPE_BYTES];
	size_t head, len;
	int readers, writers;
};

static struct file files[NFILE];
static struct ext2_fs *const fs = &unixd_fs;

struct file *file_alloc(enum fkind kind, int flags)
{
	for (int i = 0; i < NFILE; i++)
		if (files[i].kind == F_FREE) {
			files[i] = (struct file){ .kind = kind, .refs = 1, .flags = flags };
			return &files[i];
		}
	return NULL;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->kind == F_INODE)
		ext2_iput(fs, f->ino);
	if (f->kind == F_PIPE_R || f->kind == F_PIPE_W) {
		struct pipe *pp = f->pipe;

		if (f->kind == F_PIPE_R)
			pp->readers--;
		else
			pp->writers--;
		if (pp->readers == 0 && pp->writers == 0)
			free(pp);
		unixd_wake_all();
	}
	if (f == unixd_cons)
		f->refs = 1; /* the console file is never freed */
	else
		f->kind = F_FREE;
}

/* Install f at the lowest free descriptor >= lowest. Returns the fd or
 * -EMFILE (f is then not installed; the caller still holds it). */
int fd_install(struct proc *p, struct file *f, int lowest)
{
	for (int fd = lowest; fd < NOFILE; fd++)
		if (p->fd[fd] == NULL) {
			p->fd[fd] = f;
			p->cloexec &= ~(1ULL << fd);
			return fd;
		}
	return -EMFILE;
}

static struct file *fd_file(struct proc *p, uint64_t fd)
{
	return fd < NOFILE ? p->fd[fd] : NULL;
}

static int fd_close(struct proc *p, uint64_t fd)
{
	struct file *f = fd_file(p, fd);

	if (f == NULL)
		return -EBADF;
	p->fd[fd] = NULL;
	file_put(f);
	return 0;
}

void file_close_all(struct proc *p)
{
	for (int fd = 0; fd < NOFILE; fd++)
		if (p->fd[fd] != NULL)
			fd_close(p, (uint64_t)fd);
}

int pipe_make(struct proc *p, int fds[2])
{
	struct pipe *pp = calloc(1, sizeof *pp);
	struct file *r = file_alloc(F_PIPE_R, O_RDONLY), *w;

	if (pp == NULL || r == NULL) {
		free(pp);
		if (r != NULL)
			r->kind = F_FREE;
		return pp == NULL ? -ENOMEM : -ENFILE;
	}
	w = file_alloc(F_PIPE_W, O_WRONLY);
	if (w == NULL) {
		free(pp);
		r->kind = F_FREE;
		return -ENFILE;
	}
	r->pipe = w->pipe = pp;
	pp->readers = pp->writers = 1;
	fds[0] = fd_install(p, r, 0);
	fds[1] = fds[0] < 0 ? -EMFILE : fd_install(p, w, 0);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			p->fd[fds[0]] = NULL;
		file_put(r);
		file_put(w);
		return -EMFILE;
	}
	return 0;
}

static long pipe_read(struct file *f, char *buf, size_t n)
{
	struct pipe *pp = f->pipe;
	size_t k;

	if (pp->len == 0)
		return pp->writers == 0 ? 0 : (f->flags & O_NONBLOCK) ? -EAGAIN : -UNIX_EWAIT;
	k = n < pp->len ? n : pp->len;
	for (size_t i = 0; i < k; i++)
		buf[i] = pp->buf[(pp->head + i) % PIPE_BYTES];
	pp->head = (pp->head + k) % PIPE_BYTES;
	pp->len -= k;
	unixd_wake_all();
	return (long)k;
}

/* Writes of one call are all or nothing (at most a channel page, which a
 * drained pipe always takes), so a blocking writer never loses its place. */
static long pipe_write(struct proc *p, struct file *f, const char *buf, size_t n)
{
	struct pipe *pp = f->pipe;
	size_t room = PIPE_BYTES - pp->len;

	if (pp->readers == 0) {
		proc_kill(NULL, p->pid, SIGPIPE);
		return -EPIPE;
	}
	if (room < n) {
		if (!(f->flags & O_NONBLOCK))
			return -UNIX_EWAIT;
		if (room == 0 || n <= PIPE_ATOMIC)
			return -EAGAIN;
		n = room;
	}
	for (size_t i = 0; i < n; i++)
		pp->buf[(pp->head + pp->len + i) % PIPE_BYTES] = buf[i];
	pp->len += n;
	unixd_wake_all();
	return (long)n;
}

/* ------------------------------------------------------------ names */

static int resolve(struct proc *p, const char *path, bool follow, uint32_t *ino)
{
	return ext2_resolve(fs, EXT2_ROOT_INO, p->cwd, path, follow ? EXT2_FOLLOW : 0, ino);
}

static enum fkind device(const char *path)
{
	if (strcmp(path, "/dev/null") == 0)
		return F_NULL;
	if (strcmp(path, "/dev/tty") == 0 || strcmp(path, "/dev/console") == 0)
		return F_CONS;
	return F_FREE;
}

static void to_stat(const struct ext2_stat *e, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_dev = 1;
	st->st_ino = e->ino;
	st->st_mode = e->mode;
	st->st_nlink = e->nlink;
	st->st_uid = (uid_t)e->uid;
	st->st_gid = (gid_t)e->gid;
	st->st_rdev = e->rdev;
	st->st_size = (off_t)e->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)e->blocks;
	st->st_atime = e->atime;
	st->st_mtime = e->mtime;
	st->st_ctime = e->ctime;
}

static void dev_stat(enum fkind k, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_mode = k == F_PIPE_R || k == F_PIPE_W ? S_IFIFO | 0600 : S_IFCHR | 0666;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_rdev = k == F_CONS ? 0x501 : k == F_NULL ? 0x103 : 0;
}

/* Give the caller's newly opened f a descriptor (O_CLOEXEC from flags);
 * on failure f is dropped. Returns the fd or -EMFILE. */
static int fd_open(struct proc *p, struct file *f, int flags)
{
	int fd = fd_install(p, f, 0);

	if (fd < 0)
		file_put(f);
	else if (flags & O_CLOEXEC)
		p->cloexec |= 1ULL << fd;
	return fd;
}

static long do_open(struct proc *p, const char *path, int flags, unsigned mode)
{
	struct ext2_stat st;
	struct ext2_parent par;
	struct file *f;
	uint32_t ino;
	int acc = flags & O_ACCMODE, r;
	enum fkind dev = device(path);

	if (acc == 3)
		return -EINVAL;
	if (dev != F_FREE) {
		if (dev == F_CONS) {
			unixd_cons->refs++;
			f = unixd_cons;
		} else if ((f = file_alloc(F_NULL, flags)) == NULL) {
			return -ENFILE;
		}
		return fd_open(p, f, flags);
	}
	r = resolve(p, path, !(flags & O_NOFOLLOW), &ino);
	if (r == -ENOENT && (flags & O_CREAT)) {
		r = ext2_resolve_parent(fs, EXT2_ROOT_INO, p->cwd, path, &par);
		if (r < 0)
			return r;
		if (par.trailing_slash)
			return -EISDIR;
		r = ext2_create(fs, par.dir, par.name, par.len,
				(uint16_t)(mode & ~p->umask & 07777), 0, 0, &ino);
		if (r < 0)
			return r;
	} else if (r < 0) {
		return r;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		return -EEXIST;
	}
	r = ext2_stat(fs, ino, &st);
	if (r < 0)
		return r;
	if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFLNK)
		return -ELOOP; /* O_NOFOLLOW on a symlink */
	if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFDIR && acc != O_RDONLY)
		return -EISDIR;
	if ((flags & O_DIRECTORY) && (st.mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return -ENOTDIR;
	if ((flags & O_TRUNC) && acc != O_RDONLY && (st.mode & EXT2_S_IFMT) == EXT2_S_IFREG) {
		r = ext2_truncate(fs, ino, 0);
		if (r < 0)
			return r;
	}
	r = ext2_iget(fs, ino);
	if (r < 0)
		return r;
	f = file_alloc(F_INODE, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	if (f == NULL) {
		ext2_iput(fs, ino);
		return -ENFILE;
	}
	f->ino = ino;
	return fd_open(p, f, flags);
}

/* at: 0 for the file offset (which moves), else the offset + 1 (pread). */
static long do_read(struct proc *p, uint64_t fd, char *buf, size_t n, uint64_t at)
{
	struct file *f = fd_file(p, fd);
	int64_t r;

	if (f == NULL || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	switch (f->kind) {
	case F_INODE:
		r = ext2_read(fs, f->ino, at ? at - 1 : f->off, buf, n);
		if (r > 0 && at == 0)
			f->off += (uint64_t)r;
		return r;
	case F_PIPE_R:
		return pipe_read(f, buf, n);
	case F_CONS:
		r = cons_read(buf, n);
		return r == -UNIX_EWAIT && (f->flags & O_NONBLOCK) ? -EAGAIN : r;
	case F_NULL:
		return 0;
	default:
		return -EBADF;
	}
}

static long do_write(struct proc *p, uint64_t fd, const char *buf, size_t n, uint64_t at)
{
	struct file *f = fd_file(p, fd);
	struct ext2_stat st;
	int64_t r;

	if (f == NULL || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	switch (f->kind) {
	case F_INODE:
		if (at != 0) {
			r = ext2_write(fs, f->ino, at - 1, buf, n);
			return r;
		}
		if (f->flags & O_APPEND) {
			r = ext2_stat(fs, f->ino, &st);
			if (r < 0)
				return r;
			f->off = st.size;
		}
		r = ext2_write(fs, f->ino, f->off, buf, n);
		if (r > 0)
			f->off += (uint64_t)r;
		return r;
	case F_PIPE_W:
		return pipe_write(p, f, buf, n);
	case F_CONS:
		return cons_write(buf, n);
	case F_NULL:
		return (long)n;
	default:
		return -EBADF;
	}
}

static long do_lseek(struct proc *p, uint64_t fd, int64_t off, uint64_t whence)
{
	struct file *f = fd_file(p, fd);
	struct ext2_stat st;
	int64_t base;

	if (f == NULL)
		return -EBADF;
	if (f->kind != F_INODE)
		return f->kind == F_NULL ? 0 : -ESPIPE;
	if (whence == SEEK_SET) {
		base = 0;
	} else if (whence == SEEK_CUR) {
		base = (int64_t)f->off;
	} else if (whence == SEEK_END) {
		int r = ext2_stat(fs, f->ino, &st);

		if (r < 0)
			return r;
		base = (int64_t)st.size;
	} else {
		return -EINVAL;
	}
	if (base + off < 0)
		return -EINVAL;
	f->off = (uint64_t)(base + off);
	return (long)f->off;
}

/* As many whole struct dirent records as fit in n bytes. */
static long do_getdents(struct proc *p, uint64_t fd, char *buf, size_t n)
{
	struct file *f = fd_file(p, fd);
	struct ext2_dirent_info e;
	size_t used = 0;

	if (f == NULL)
		return -EBADF;
	if (f->kind != F_INODE)
		return -ENOTDIR;
	for (;;) {
		uint64_t pos = f->off;
		int r = ext2_readdir(fs, f->ino, &pos, &e);
		size_t len = (offsetof(struct dirent, d_name) + e.name_len + 1 + 7) & ~(size_t)7;
		struct dirent *d = (struct dirent *)(buf + used);

		if (r <= 0)
			return used > 0 ? (long)used : r;
		if (used + len > n)
			return used > 0 ? (long)used : -EINVAL;
		d->d_ino = e.ino;
		d->d_off = (off_t)pos;
		d->d_reclen = (unsigned short)len;
		d->d_type = e.type == EXT2_FT_DIR	 ? DT_DIR
			    : e.type == EXT2_FT_REG_FILE ? DT_REG
			    : e.type == EXT2_FT_SYMLINK	 ? DT_LNK
			    : e.type == EXT2_FT_FIFO	 ? DT_FIFO
			    : e.type == EXT2_FT_CHRDEV	 ? DT_CHR
			    : e.type == EXT2_FT_BLKDEV	 ? DT_BLK
			    : e.type == EXT2_FT_SOCK	 ? DT_SOCK
							 : DT_UNKNOWN;
		memcpy(d->d_name, e.name, (size_t)e.name_len + 1);
		used += len;
		f->off = pos;
	}
}

/* The path of directory ino, from "/", by walking "..". */
static long do_getcwd(struct proc *p, char *buf, size_t n)
{
	static char tmp[EXT2_PATH_MAX];
	size_t at = sizeof tmp - 1;
	uint32_t ino = p->cwd, mark = ino, lap = 1, steps = 0;

	tmp[at] = '\0';
	while (ino != EXT2_ROOT_INO) {
		struct ext2_dirent_info e;
		uint32_t parent;
		uint64_t pos = 0;
		int r = ext2_lookup(fs, ino, "..", 2, &parent);

		if (r < 0)
			return r;
		/* A damaged tree may loop through ".." without reaching the
		 * root: Brent's cycle detection stops the walk (EIO). */
		if (parent == ino || parent == mark)
			return -EIO;
		if (++steps == lap) {
			mark = parent;
			lap *= 2;
			steps = 0;
		}
		do
			r = ext2_readdir(fs, parent, &pos, &e);
		while (r > 0 && (e.ino != ino || e.name[0] == '.'));
		if (r <= 0)
			return r < 0 ? r : -ENOENT;
		if (at < (size_t)e.name_len + 1)
			return -ENAMETOOLONG;
		at -= e.name_len;
		memcpy(tmp + at, e.name, e.name_len);
		tmp[--at] = '/';
		ino = parent;
	}
	if (tmp[at] == '\0')
		tmp[--at] = '/';
	if (sizeof tmp - 1 - at + 1 > n)
		return -ERANGE;
	memcpy(buf, tmp + at, sizeof tmp - at);
	return (long)(sizeof tmp - 1 - at);
}

/* Work on the last component of path: the parent and the name. */
static int parent_of(struct proc *p, const char *path, struct ext2_parent *par)
{
	return ext2_resolve_parent(fs, EXT2_ROOT_INO, p->cwd, path, par);
}

static long two_names(struct proc *p, uint64_t op, const char *a, const char *b)
{
	struct ext2_parent pa, pb;
	uint32_t ino;
	int r;

	if (op == UNIX_OP_SYMLINK) {
		r = parent_of(p, b, &pb);
		return r < 0 ? r
			     : ext2_symlink(fs, pb.dir, pb.name, pb.len, a, strlen(a), 0, 0, &ino);
	}
	if (op == UNIX_OP_LINK) {
		r = resolve(p, a, false, &ino);
		if (r == 0)
			r = parent_of(p, b, &pb);
		return r < 0 ? r : ext2_link(fs, ino, pb.dir, pb.name, pb.len);
	}
	r = parent_of(p, a, &pa);
	if (r == 0)
		r = parent_of(p, b, &pb);
	return r < 0 ? r : ext2_rename(fs, pa.dir, pa.name, pa.len, pb.dir, pb.name, pb.len);
}

static long do_fcntl(struct proc *p, uint64_t fd, uint64_t cmd, uint64_t arg)
{
	struct file *f = fd_file(p, fd);
	int r;

	if (f == NULL)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
		if (arg >= NOFILE)
			return -EINVAL;
		r = fd_install(p, f, (int)arg);
		if (r >= 0)
			f->refs++;
		return r;
	case F_GETFD:
		return (p->cloexec >> fd & 1) ? FD_CLOEXEC : 0;
	case F_SETFD:
		p->cloexec =
			(arg & FD_CLOEXEC) ? p->cloexec | 1ULL << fd : p->cloexec & ~(1ULL << fd);
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) |
			   ((int)arg & (O_APPEND | O_NONBLOCK));
		return 0;
	default:
		return -EINVAL;
	}
}

static long do_dup(struct proc *p, uint64_t fd, uint64_t to, bool exact)
{
	struct file *f = fd_file(p, fd);
	int r;

	if (f == NULL || (exact && to >= NOFILE))
		return -EBADF;
	if (exact) {
		if (to == fd)
			return (long)to;
		if (p->fd[to] != NULL)
			fd_close(p, to);
	}
	r = fd_install(p, f, exact ? (int)to : 0);
	if (r >= 0)
		f->refs++;
	return r;
}

static long do_statvfs(struct statvfs *sv)
{
	struct ext2_statvfs e;
	int r = ext2_statvfs(fs, &e);

	if (r < 0)
		return r;
	memset(sv, 0, sizeof *sv);
	sv->f_bsize = sv->f_frsize = e.bsize;
	sv->f_blocks = e.blocks;
	sv->f_bfree = e.bfree;
	sv->f_bavail = e.bavail;
	sv->f_files = sv->f_favail = e.files;
	sv->f_ffree = e.ffree;
	sv->f_favail = e.ffree;
	sv->f_flag = fs->rw ? 0 : ST_RDONLY;
	sv->f_namemax = EXT2_NAME_LEN;
	return 0;
}

/*
 * Copy the path (and for two-name calls the second name after it) out of
 * the channel page: the process can still change the page while we work.
 * Returns 0 or -ENAMETOOLONG (no NUL within the page).
 */
static int take_names(const char *data, char *one, char *two)
{
	const char *end = memchr(data, '\0', UNIX_CHAN_DATA), *end2;

	if (end == NULL || end - data >= EXT2_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(one, data, (size_t)(end - data) + 1);
	two[0] = '\0';
	end2 = memchr(end + 1, '\0', UNIX_CHAN_DATA - (size_t)(end + 1 - data));
	if (end2 != NULL && end2 - (end + 1) < EXT2_PATH_MAX)
		memcpy(two, end + 1, (size_t)(end2 - end));
	return 0;
}

long file_op(struct proc *p, const uint64_t w[4], uint64_t out[3])
{
	static char path[EXT2_PATH_MAX], second[EXT2_PATH_MAX];
	char *data = p->ch->data;
	struct ext2_parent par;
	struct ext2_stat est;
	struct file *f;
	uint32_t ino;
	int r, fds[2];

	switch (w[0]) { /* the calls that take names */
	case UNIX_OP_OPEN:
	case UNIX_OP_STAT:
	case UNIX_OP_ACCESS:
	case UNIX_OP_UNLINK:
	case UNIX_OP_RMDIR:
	case UNIX_OP_MKDIR:
	case UNIX_OP_LINK:
	case UNIX_OP_SYMLINK:
	case UNIX_OP_RENAME:
	case UNIX_OP_READLINK:
	case UNIX_OP_TRUNCATE:
	case UNIX_OP_UTIME:
	case UNIX_OP_CHDIR:
	case UNIX_OP_CHMOD:
		r = take_names(data, path, second);
		if (r < 0)
			return r;
	}
	switch (w[0]) {
	case UNIX_OP_OPEN:
		return do_open(p, path, (int)w[1], (unsigned)w[2]);
	case UNIX_OP_CLOSE:
		return fd_close(p, w[1]);
	case UNIX_OP_READ:
		if (w[3] != 0 && fd_file(p, w[1]) != NULL && fd_file(p, w[1])->kind != F_INODE)
			return -ESPIPE;
		return do_read(p, w[1], data, w[2] < UNIX_CHAN_DATA ? w[2] : UNIX_CHAN_DATA, w[3]);
	case UNIX_OP_WRITE:
		if (w[3] != 0 && fd_file(p, w[1]) != NULL && fd_file(p, w[1])->kind != F_INODE)
			return -ESPIPE;
		return do_write(p, w[1], data, w[2] < UNIX_CHAN_DATA ? w[2] : UNIX_CHAN_DATA, w[3]);
	case UNIX_OP_LSEEK:
		return do_lseek(p, w[1], (int64_t)w[2], w[3]);
	case UNIX_OP_FSTAT:
		f = fd_file(p, w[1]);
		if (f == NULL)
			return -EBADF;
		if (f->kind != F_INODE) {
			dev_stat(f->kind, (struct stat *)data);
			return 0;
		}
		r = ext2_stat(fs, f->ino, &est);
		if (r == 0)
			to_stat(&est, (struct stat *)data);
		return r;
	case UNIX_OP_STAT:
		if (device(path) != F_FREE) {
			dev_stat(device(path), (struct stat *)data);
			return 0;
		}
		r = resolve(p, path, w[1] != 0, &ino);
		if (r == 0)
			r = ext2_stat(fs, ino, &est);
		if (r == 0)
			to_stat(&est, (struct stat *)data);
		return r;
	case UNIX_OP_ACCESS:
		if (device(path) != F_FREE)
			return 0;
		r = resolve(p, path, true, &ino);
		if (r == 0)
			r = ext2_stat(fs, ino, &est);
		if (r == 0 && (w[1] & X_OK) && !(est.mode & 0111))
			r = -EACCES;
		if (r == 0 && (w[1] & W_OK) && !fs->rw)
			r = -EROFS;
		return r;
	case UNIX_OP_UNLINK:
	case UNIX_OP_RMDIR:
	case UNIX_OP_MKDIR:
		r = parent_of(p, path, &par);
		if (r < 0)
			return r;
		if (w[0] == UNIX_OP_MKDIR)
			return ext2_mkdir(fs, par.dir, par.name, par.len,
					  (uint16_t)(w[1] & ~p->umask & 07777), 0, 0, &ino);
		if (w[0] == UNIX_OP_RMDIR)
			return ext2_rmdir(fs, par.dir, par.name, par.len);
		if (par.trailing_slash)
			return -ENOTDIR;
		return ext2_unlink(fs, par.dir, par.name, par.len);
	case UNIX_OP_LINK:
	case UNIX_OP_SYMLINK:
	case UNIX_OP_RENAME:
		return two_names(p, w[0], path, second);
	case UNIX_OP_READLINK:
		r = resolve(p, path, false, &ino);
		return r < 0 ? r
			     : ext2_readlink(fs, ino, data,
					     w[1] < UNIX_CHAN_DATA ? w[1] : UNIX_CHAN_DATA);
	case UNIX_OP_TRUNCATE:
		r = resolve(p, path, true, &ino);
		return r < 0 ? r : ext2_truncate(fs, ino, w[1]);
	case UNIX_OP_FTRUNCATE:
		f = fd_file(p, w[1]);
		if (f == NULL || f->kind != F_INODE || (f->flags & O_ACCMODE) == O_RDONLY)
			return f == NULL ? -EBADF : -EINVAL;
		return ext2_truncate(fs, f->ino, w[2]);
	case UNIX_OP_UTIME: {
		uint32_t now = unixd_now();
		struct ext2_setattr a = { .valid = EXT2_SET_ATIME | EXT2_SET_MTIME };

		r = resolve(p, path, true, &ino);
		if (r < 0)
			return r;
		a.atime = w[1] || w[2] ? (uint32_t)w[1] : now;
		a.mtime = w[1] || w[2] ? (uint32_t)w[2] : now;
		return ext2_setattr(fs, ino, &a);
	}
	case UNIX_OP_CHMOD: {
		struct ext2_setattr a = { .valid = EXT2_SET_MODE,
					  .mode = (uint16_t)(w[1] & 07777) };

		if (path[0] == '\0') {
			f = fd_file(p, w[2]);
			if (f == NULL)
				return -EBADF;
			if (f->kind != F_INODE)
				return 0;
			ino = f->ino;
		} else if ((r = resolve(p, path, true, &ino)) < 0) {
			return r;
		}
		return ext2_setattr(fs, ino, &a);
	}
	case UNIX_OP_STATVFS: /* a path names the file system it is on: there is one */
		if (data[0] != '\0') {
			r = take_names(data, path, second);
			if (r == 0)
				r = resolve(p, path, true, &ino);
		} else {
			r = fd_file(p, w[1]) != NULL ? 0 : -EBADF;
		}
		return r < 0 ? r : do_statvfs((struct statvfs *)data);
	case UNIX_OP_FCNTL:
		return do_fcntl(p, w[1], w[2], w[3]);
	case UNIX_OP_GETDENTS:
		return do_getdents(p, w[1], data, w[2] < UNIX_CHAN_DATA ? w[2] : UNIX_CHAN_DATA);
	case UNIX_OP_CHDIR:
		r = resolve(p, path, true, &ino);
		if (r == 0)
			r = ext2_stat(fs, ino, &est);
		if (r == 0 && (est.mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
			r = -ENOTDIR;
		if (r == 0)
			p->cwd = ino;
		return r;
	case UNIX_OP_GETCWD:
		return do_getcwd(p, data, UNIX_CHAN_DATA);
	case UNIX_OP_DUP:
		return do_dup(p, w[1], w[2], w[3] != 0);
	case UNIX_OP_PIPE:
		r = pipe_make(p, fds);
		out[0] = (uint64_t)fds[0];
		out[1] = (uint64_t)fds[1];
		return r;
	case UNIX_OP_SYNC:
		if (w[1] == 0)
			return ext2_sync(fs);
		f = fd_file(p, w[1] - 1);
		if (f == NULL)
			return -EBADF;
		return f->kind == F_INODE ? ext2_fsync(fs, f->ino) : 0;
	case UNIX_OP_UMASK:
		r = (int)p->umask;
		p->umask = (unsigned)w[1] & 0777;
		return r;
	default:
		return -EINVAL;
	}
}
