/*
 * unix_basic.c - the UNIX libOS's system calls, run as init under unixd
 * from the root file system (unix_basic.test).
 *
 * Files (create, write, read back, append, seek, stat, truncate, rename,
 * links, symlinks, directories and their listing, unlink while open),
 * pipes between a forked child and its parent, execve of a program from
 * /bin with argv and envp, exit statuses through waitpid, a non-ELF file
 * refused with ENOEXEC, kill with the default action and with a handler.
 * Prints "TEST-END pass" and exits; unixd then syncs, unmounts and powers
 * the machine off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <unix/unix.h>

#include "unixtest.h"

static volatile int got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = sig;
}

static void files(void)
{
	char buf[256];
	struct stat st;
	int fd = open("/tmp/a", O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK(fd >= 3);
	CHECK(write(fd, "hello, ext2\n", 12) == 12);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(read(fd, buf, sizeof buf) == 12 && memcmp(buf, "hello, ext2\n", 12) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode));
	CHECK((st.st_mode & 0777) == 0644);
	CHECK(close(fd) == 0 && close(fd) == -1 && errno == EBADF);
	fd = open("/tmp/a", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "more\n", 5) == 5 && close(fd) == 0);
	CHECK(stat("/tmp/a", &st) == 0 && st.st_size == 17);
	CHECK(truncate("/tmp/a", 5) == 0 && stat("/tmp/a", &st) == 0 && st.st_size == 5);
	CHECK(open("/tmp/a", O_CREAT | O_EXCL | O_WRONLY, 0600) == -1 && errno == EEXIST);
	CHECK(open("/nonexistent/x", O_RDONLY) == -1 && errno == ENOENT);
	CHECK(mkdir("/tmp/d", 0755) == 0 && mkdir("/tmp/d", 0755) == -1 && errno == EEXIST);
	CHECK(rename("/tmp/a", "/tmp/d/b") == 0 && access("/tmp/a", F_OK) == -1);
	CHECK(link("/tmp/d/b", "/tmp/d/c") == 0 && stat("/tmp/d/c", &st) == 0 && st.st_nlink == 2);
	CHECK(symlink("b", "/tmp/d/s") == 0);
	CHECK(readlink("/tmp/d/s", buf, sizeof buf) == 1 && buf[0] == 'b');
	CHECK(lstat("/tmp/d/s", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat("/tmp/d/s", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5);
	CHECK(chdir("/tmp/d") == 0 && getcwd(buf, sizeof buf) != NULL &&
	      strcmp(buf, "/tmp/d") == 0);
	CHECK(rmdir("/tmp/d") == -1 && errno == ENOTEMPTY);

	DIR *d = opendir(".");
	int names = 0;
	struct dirent *e;

	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL)
		names += strcmp(e->d_name, "b") == 0 || strcmp(e->d_name, "c") == 0 ||
			 strcmp(e->d_name, "s") == 0;
	CHECK(closedir(d) == 0 && names == 3);

	/* unlinked while open: still readable until closed */
	fd = open("b", O_RDONLY);
	CHECK(fd >= 0 && unlink("b") == 0 && unlink("c") == 0 && unlink("s") == 0);
	CHECK(read(fd, buf, sizeof buf) == 5 && close(fd) == 0);
	CHECK(chdir("/") == 0 && rmdir("/tmp/d") == 0);
	CHECK(open("/dev/null", O_WRONLY) >= 0);
}

static void processes(char *self)
{
	int p[2], status;
	char buf[64];
	pid_t pid;

	CHECK(pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		CHECK(getppid() > 0);
		write(p[1], "from the child", 14);
		_exit(7);
	}
	close(p[1]);
	CHECK(read(p[0], buf, sizeof buf) == 14 && memcmp(buf, "from the child", 14) == 0);
	CHECK(read(p[0], buf, sizeof buf) == 0); /* writer gone: end of file */
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
	CHECK(wait(&status) == -1 && errno == ECHILD);

	pid = fork();
	if (pid == 0) {
		char *argv[] = { self, "child", NULL }, *envp[] = { "WHO=exec", NULL };

		execve(self, argv, envp);
		_exit(99);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42);

	int fd = open("/tmp/notelf", O_CREAT | O_WRONLY, 0755);
	CHECK(fd >= 0 && write(fd, "#!/bin/nothing\n", 15) == 15 && close(fd) == 0);
	char *argv[] = { "notelf", NULL };
	CHECK(execve("/tmp/notelf", argv, argv + 1) == -1 && errno == ENOEXEC);
	CHECK(unlink("/tmp/notelf") == 0);

	pid = fork();
	if (pid == 0)
		for (;;)
			;
	CHECK(kill(pid, SIGTERM) == 0);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGTERM);
	CHECK(kill(pid, SIGTERM) == -1 && errno == ESRCH);

	/* An orphan: its parent exits first; getppid then says 1, and when it
	 * ends nobody has to wait for it (no zombie is left). */
	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			char ppid = 0;

			close(p[0]);
			nanosleep(&ts, NULL);
			ppid = (char)getppid();
			write(p[1], &ppid, 1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(read(p[0], buf, 1) == 1 && buf[0] == 1 && read(p[0], buf, 1) == 0 &&
	      close(p[0]) == 0);
	struct unix_proc procs[16];
	int n = unix_proc_list(procs, 16);
	for (int i = 0; i < n && i < 16; i++)
		CHECK(procs[i].state != 'Z');

	CHECK(signal(SIGUSR1, on_usr1) == SIG_DFL);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(got_usr1 == SIGUSR1);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "child") == 0) {
		const char *who = getenv("WHO");

		return who != NULL && strcmp(who, "exec") == 0 ? 42 : 1;
	}
	printf("unix_basic: pid %d\n", getpid());
	/* the wall clock comes from the battery clock the kernel read (the
	 * fallback, 2026-01-01 plus uptime, would fail this) */
	CHECK(time(NULL) > 1790812800 && time(NULL) < 4102444800LL); /* 2026-10-01 .. 2100 */
	files();
	printf("unix_basic: files ok\n");
	processes(argv[0]);
	printf("unix_basic: processes ok\n");
	printf("TEST-END pass\n");
	return 0;
}
