/*
 * unix_stress.c - a stress run of the UNIX libOS in the spirit of xv6's
 * usertests, run as init under unixd (unix_stress.test): a fork tree,
 * concurrent writers, a file big enough for double-indirect blocks with a
 * hole, a deep directory chain, one pipe with many writers, reading a file
 * while another process truncates it, and exhausting disk space, then
 * memory, and recovering from each. Prints "TEST-END pass" and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unixtest.h"

static char block[4096];

/* Wait for every child; each must exit 0. Returns how many there were. */
static int reap_all(void)
{
	int status, n = 0;
	pid_t pid;

	while ((pid = wait(&status)) > 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			printf("child %d: status 0x%x\n", pid, status);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		n++;
	}
	CHECK(errno == ECHILD);
	return n;
}

/* Each node forks two children down to depth 0 and waits for them. */
static void tree(int depth)
{
	for (int i = 0; i < 2 && depth > 0; i++) {
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0) {
			tree(depth - 1);
			exit(0);
		}
	}
	if (depth > 0)
		CHECK(reap_all() == 2);
}

static void fill(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(seed * 31 + i * 7 + (i >> 12));
}

static void writers(void)
{
	char name[32], want[4096];

	for (int c = 0; c < 4; c++)
		if (fork() == 0) {
			snprintf(name, sizeof name, "/tmp/w%d", c);
			int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);

			CHECK(fd >= 0);
			for (int i = 0; i < 64; i++) {
				fill(block, sizeof block, (unsigned)(c * 1000 + i));
				CHECK(write(fd, block, sizeof block) == sizeof block);
			}
			CHECK(close(fd) == 0);
			exit(0);
		}
	CHECK(reap_all() == 4);
	for (int c = 0; c < 4; c++) {
		snprintf(name, sizeof name, "/tmp/w%d", c);
		int fd = open(name, O_RDONLY);

		CHECK(fd >= 0);
		for (int i = 0; i < 64; i++) {
			fill(want, sizeof want, (unsigned)(c * 1000 + i));
			CHECK(read(fd, block, sizeof block) == sizeof block);
			CHECK(memcmp(block, want, sizeof want) == 0);
		}
		CHECK(read(fd, block, 1) == 0 && close(fd) == 0 && unlink(name) == 0);
	}
}

/* 12 direct blocks + 1024 single-indirect = 4 MiB + 48 KiB: write past it. */
static void big_file(void)
{
	const off_t far = 6 << 20;
	struct stat st;
	int fd = open("/tmp/big", O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK(fd >= 0);
	fill(block, sizeof block, 77);
	CHECK(write(fd, block, sizeof block) == sizeof block);
	CHECK(lseek(fd, far, SEEK_SET) == far && write(fd, block, sizeof block) == sizeof block);
	CHECK(fstat(fd, &st) == 0 && st.st_size == far + 4096);
	CHECK(st.st_blocks < 64 * 8); /* the hole costs nothing */
	char z[4096];
	CHECK(lseek(fd, 1 << 20, SEEK_SET) == 1 << 20 && read(fd, z, sizeof z) == sizeof z);
	for (size_t i = 0; i < sizeof z; i++)
		CHECK(z[i] == 0);
	CHECK(lseek(fd, far, SEEK_SET) == far && read(fd, z, sizeof z) == sizeof z);
	CHECK(memcmp(z, block, sizeof z) == 0);
	CHECK(ftruncate(fd, 4096) == 0 && fstat(fd, &st) == 0 && st.st_size == 4096);
	CHECK(close(fd) == 0 && unlink("/tmp/big") == 0);
}

static void deep_dirs(void)
{
	char cwd[1024];

	CHECK(chdir("/tmp") == 0);
	for (int i = 0; i < 40; i++)
		CHECK(mkdir("d", 0755) == 0 && chdir("d") == 0);
	int fd = open("leaf", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(getcwd(cwd, sizeof cwd) != NULL && strlen(cwd) == 4 + 40 * 2);
	CHECK(unlink("leaf") == 0);
	for (int i = 0; i < 40; i++)
		CHECK(chdir("..") == 0 && rmdir("d") == 0);
	CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/tmp") == 0);
	CHECK(chdir("/") == 0);
}

static void many_writers(void)
{
	int p[2], lines = 0, count[4] = { 0 };
	char buf[512], part[64];
	size_t have = 0;
	ssize_t n;

	CHECK(pipe(p) == 0);
	for (int c = 0; c < 4; c++)
		if (fork() == 0) {
			close(p[0]);
			for (int i = 0; i < 200; i++) {
				int len =
					snprintf(part, sizeof part, "writer %d line %03d\n", c, i);

				CHECK(write(p[1], part, (size_t)len) == len);
			}
			exit(0);
		}
	close(p[1]);
	while ((n = read(p[0], buf + have, sizeof buf - have)) > 0) {
		have += (size_t)n;
		char *nl;

		while ((nl = memchr(buf, '\n', have)) != NULL) {
			int c, i;

			*nl = '\0';
			CHECK(sscanf(buf, "writer %d line %d", &c, &i) == 2 && c >= 0 && c < 4);
			CHECK(i == count[c]); /* each writer's lines arrive whole and in order */
			count[c]++;
			lines++;
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
	}
	CHECK(n == 0 && lines == 800 && close(p[0]) == 0);
	CHECK(reap_all() == 4);
}

static void read_while_truncating(void)
{
	int fd = open("/tmp/t", O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK(fd >= 0);
	fill(block, sizeof block, 5);
	for (int i = 0; i < 32; i++)
		CHECK(write(fd, block, sizeof block) == sizeof block);
	pid_t pid = fork();
	if (pid == 0) {
		for (int k = 0; k < 20; k++) {
			CHECK(ftruncate(fd, 0) == 0);
			CHECK(lseek(fd, 0, SEEK_SET) == 0);
			for (int i = 0; i < 8; i++)
				CHECK(write(fd, block, sizeof block) == sizeof block);
		}
		exit(0);
	}
	int rfd = open("/tmp/t", O_RDONLY);
	char got[4096];
	for (int k = 0; k < 200; k++) {
		ssize_t n = pread(rfd, got, sizeof got, (k % 32) * 4096);

		CHECK(n >= 0); /* a short read or data, never an error */
		for (ssize_t i = 0; i < n; i++)
			CHECK(got[i] == 0 || got[i] == block[i]);
	}
	CHECK(reap_all() == 1 && close(rfd) == 0 && close(fd) == 0 && unlink("/tmp/t") == 0);
}

static void fill_disk(void)
{
	int fd = open("/tmp/fill", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	long blocks = 0;
	ssize_t n;

	CHECK(fd >= 0);
	memset(block, 0x5a, sizeof block);
	while ((n = write(fd, block, sizeof block)) == sizeof block)
		blocks++;
	CHECK(n == -1 && errno == ENOSPC && blocks > 1000);
	CHECK(close(fd) == 0);
	CHECK(open("/tmp/more", O_CREAT | O_WRONLY, 0644) >= 0 || errno == ENOSPC);
	CHECK(unlink("/tmp/fill") == 0);
	unlink("/tmp/more");
	sync();
	fd = open("/tmp/after", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, block, sizeof block) == sizeof block && close(fd) == 0);
	CHECK(unlink("/tmp/after") == 0);
	printf("unix_stress: filled the disk with %ld blocks, then freed them\n", blocks);
}

static void exhaust_memory(void)
{
	pid_t pid = fork();
	int status;

	CHECK(pid >= 0);
	if (pid == 0) {
		long mib = 0;
		char *p;

		while (mib < 4096 && (p = malloc(1 << 20)) != NULL) {
			memset(p, 1, 1 << 20);
			mib++;
		}
		printf("unix_stress: malloc gave out after %ld MiB\n", mib);
		exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	/* It ran out (exit 0) or was killed when its frames were repossessed;
	 * either way the rest of the system goes on. */
	CHECK(WIFEXITED(status) || WIFSIGNALED(status));
	char *again = malloc(1 << 20);
	CHECK(again != NULL);
	memset(again, 2, 1 << 20);
	free(again);
	tree(2);
}

int main(void)
{
	tree(3);
	printf("unix_stress: fork tree ok\n");
	writers();
	printf("unix_stress: concurrent writers ok\n");
	big_file();
	printf("unix_stress: double-indirect file ok\n");
	deep_dirs();
	printf("unix_stress: deep directories ok\n");
	many_writers();
	printf("unix_stress: pipe with many writers ok\n");
	read_while_truncating();
	printf("unix_stress: read while truncating ok\n");
	fill_disk();
	exhaust_memory();
	printf("unix_stress: out of memory and back ok\n");
	printf("TEST-END pass\n");
	return 0;
}
