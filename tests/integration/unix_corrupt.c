/*
 * unix_corrupt.c - the UNIX libOS on a damaged root file system, run as
 * init under unixd: `unix_corrupt CASE`, CASE one of blockptr, indirect,
 * reclen, loop, counts (the unix_corrupt_*.test files damage the image
 * with debugfs before boot; unix_corrupt.inc says how).
 *
 * Each case checks that the damaged object answers EIO (or, for loops,
 * that every walk ends), that the undamaged rest of the tree reads back
 * exactly, and that files can still be made, written, read and removed.
 * Files made by the test scripts hold, in block K, "PATH block K" padded
 * with spaces to 4095 bytes and a newline. The program leaves /tmp/kept
 * (40 blocks, past the direct blocks) for the disk check afterwards.
 * Prints "unix_corrupt: CASE ok" and "TEST-END pass" and exits; unixd
 * then syncs, unmounts and powers off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unixtest.h"

#define BLK 4096

/* The expected block k of file path. */
static void pattern(char *buf, const char *path, int k)
{
	memset(buf, ' ', BLK);
	memcpy(buf, path, strlen(path));
	int n = sprintf(buf + strlen(path), " block %d", k);
	buf[strlen(path) + n] = ' ';
	buf[BLK - 1] = '\n';
}

/* Does block k of open file fd hold path's block k? */
static int block_ok(int fd, const char *path, int k)
{
	static char want[BLK], got[BLK];

	pattern(want, path, k);
	errno = 0;
	return pread(fd, got, BLK, (off_t)k * BLK) == BLK && memcmp(got, want, BLK) == 0;
}

/* Block k of open file fd gives EIO. */
static int block_eio(int fd, int k)
{
	static char got[BLK];

	errno = 0;
	return pread(fd, got, BLK, (off_t)k * BLK) == -1 && errno == EIO;
}

/* Every block of path reads back as made, and nothing more. */
static void file_ok(const char *path, int nblocks)
{
	struct stat st;
	char c;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == (off_t)nblocks * BLK);
	for (int k = 0; k < nblocks; k++)
		CHECK(block_ok(fd, path, k));
	CHECK(pread(fd, &c, 1, (off_t)nblocks * BLK) == 0 && close(fd) == 0);
}

/* Write path as a known file of nblocks blocks. */
static void file_make(const char *path, int nblocks)
{
	static char buf[BLK];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	CHECK(fd >= 0);
	for (int k = 0; k < nblocks; k++) {
		pattern(buf, path, k);
		CHECK(write(fd, buf, BLK) == BLK);
	}
	CHECK(close(fd) == 0);
}

/* The undamaged tree works: known files read back, new files can be
 * made, written, read, renamed and removed; /tmp/kept stays for the disk
 * check. */
static void rest_works(void)
{
	struct stat st;

	file_ok("/extra/good/small", 1);
	file_ok("/extra/good/big", 300);
	CHECK(stat("/etc/motd", &st) == 0 && S_ISREG(st.st_mode));
	file_make("/tmp/kept", 40);
	file_make("/tmp/gone", 20);
	CHECK(mkdir("/tmp/dir", 0755) == 0);
	CHECK(rename("/tmp/gone", "/tmp/dir/gone") == 0);
	CHECK(unlink("/tmp/dir/gone") == 0 && rmdir("/tmp/dir") == 0);
	CHECK(stat("/tmp/gone", &st) == -1 && errno == ENOENT);
	file_ok("/tmp/kept", 40);
	sync();
	file_ok("/tmp/kept", 40);
}

/* ------------------------------------------------------------ block pointers */

/*
 * /extra/bp/direct: direct pointer 2 past the end of the file system.
 * /extra/bp/indent: entry 3 of its indirect block (block 15) past the end.
 * /extra/bp/meta: direct pointer 1 names the inode table.
 * Blocks around the bad one still read; the bad one is EIO, for reading
 * and for writing (a write through the pointer to the inode table would
 * overwrite inodes).
 */
static void blockptr(void)
{
	static char buf[BLK];
	int fd = open("/extra/bp/direct", O_RDWR);

	CHECK(fd >= 0);
	CHECK(block_ok(fd, "/extra/bp/direct", 0) && block_ok(fd, "/extra/bp/direct", 1));
	CHECK(block_eio(fd, 2));
	CHECK(block_ok(fd, "/extra/bp/direct", 3) && block_ok(fd, "/extra/bp/direct", 4));
	memset(buf, 'x', BLK);
	CHECK(pwrite(fd, buf, 10, 2 * BLK + 5) == -1 && errno == EIO);
	CHECK(block_eio(fd, 2) && close(fd) == 0);

	fd = open("/extra/bp/indent", O_RDONLY);
	CHECK(fd >= 0);
	for (int k = 0; k < 25; k++)
		CHECK(k == 15 ? block_eio(fd, k) : block_ok(fd, "/extra/bp/indent", k));
	CHECK(close(fd) == 0);

	fd = open("/extra/bp/meta", O_RDWR);
	CHECK(fd >= 0 && block_ok(fd, "/extra/bp/meta", 0) && block_eio(fd, 1));
	CHECK(pwrite(fd, buf, BLK, BLK) == -1 && errno == EIO);
	CHECK(close(fd) == 0);
	/* The inodes in that table block are intact: the known files still
	 * read back (rest_works). */
}

/*
 * /extra/bp/ind: its indirect block pointer is past the end: blocks 0-11
 * read, 12-24 are EIO. /extra/bp/dind: its double indirect pointer is
 * past the end: blocks 0-1035 read, 1036 on are EIO.
 */
static void indirect(void)
{
	static char buf[BLK];
	int fd = open("/extra/bp/ind", O_RDWR);

	CHECK(fd >= 0);
	for (int k = 0; k < 25; k++)
		CHECK(k < 12 ? block_ok(fd, "/extra/bp/ind", k) : block_eio(fd, k));
	memset(buf, 'y', BLK);
	CHECK(pwrite(fd, buf, BLK, 13 * BLK) == -1 && errno == EIO);
	CHECK(close(fd) == 0);

	fd = open("/extra/bp/dind", O_RDONLY);
	CHECK(fd >= 0);
	for (int k = 0; k < 1100; k++)
		CHECK(k < 1036 ? block_ok(fd, "/extra/bp/dind", k) : block_eio(fd, k));
	CHECK(close(fd) == 0);
}

/* ------------------------------------------------------------ directory entries */

/* Directory path: listing, lookup, changes and getcwd all give EIO. */
static void dir_eio(const char *path)
{
	char name[128], buf[512];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && getdents(fd, buf, sizeof buf) == -1 && errno == EIO && close(fd) == 0);
	DIR *d = opendir(path);
	if (d != NULL) { /* opendir may read ahead or not: readdir fails */
		errno = 0;
		CHECK(readdir(d) == NULL && errno == EIO);
		closedir(d);
	} else {
		CHECK(errno == EIO);
	}
	snprintf(name, sizeof name, "%s/a", path);
	CHECK(stat(name, &st) == -1 && errno == EIO);
	CHECK(open(name, O_RDONLY) == -1 && errno == EIO);
	CHECK(unlink(name) == -1 && errno == EIO);
	snprintf(name, sizeof name, "%s/new", path);
	CHECK(open(name, O_CREAT | O_WRONLY, 0644) == -1 && errno == EIO);
	CHECK(mkdir(name, 0755) == -1 && errno == EIO);
	CHECK(rename("/extra/good/small", name) == -1 && errno == EIO);
	CHECK(rmdir(path) == -1 && errno == EIO);
	CHECK(chdir(path) == 0);
	CHECK(getcwd(buf, sizeof buf) == NULL && errno == EIO);
	CHECK(chdir("/") == 0);
}

/*
 * /extra/rl/{zero,odd,over}: the first entry after "." and ".." has a
 * rec_len of 0, 22 (not a multiple of 4), 4092 (past the block end).
 * /extra/rl/ok is undamaged.
 */
static void reclen(void)
{
	static const char *names[] = { "a", "b", "c" };
	char path[64];
	int seen = 0;

	dir_eio("/extra/rl/zero");
	dir_eio("/extra/rl/odd");
	dir_eio("/extra/rl/over");
	DIR *d = opendir("/extra/rl/ok");
	struct dirent *e;
	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL)
		seen += strlen(e->d_name) == 1 && e->d_name[0] >= 'a' && e->d_name[0] <= 'c';
	CHECK(closedir(d) == 0 && seen == 3);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/extra/rl/ok/%s", names[i]);
		file_ok(path, 1);
	}
}

/* ------------------------------------------------------------ loops */

/* List directory path to its end; returns the entries (bounded). */
static int list_all(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	CHECK(d != NULL);
	while (readdir(d) != NULL)
		CHECK(++n < 100);
	CHECK(closedir(d) == 0);
	return n;
}

/* Walk the tree under path depth levels deep through every entry
 * (loops included); returns the directories visited. */
static int walk(const char *path, int depth)
{
	char sub[1024];
	struct dirent *e;
	struct stat st;
	int n = 1;

	if (depth == 0)
		return 1;
	DIR *d = opendir(path);
	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			n += walk(sub, depth - 1);
	}
	CHECK(closedir(d) == 0);
	return n;
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	CHECK(stat(path, &st) == 0);
	return st.st_ino;
}

/*
 * /extra/lp/a/b/up names a (a cycle through an entry); /extra/lp/s/self
 * names s; /extra/lp/c's ".." names its child d and d/back names c (a
 * cycle through ".." that never reaches the root); /extra/lp/e's ".."
 * names e itself. Listing each directory ends; paths through the cycles
 * resolve (they are finite); getcwd from inside a ".." cycle fails rather
 * than hang; a rename that would walk the ".." cycle fails.
 */
static void loop(void)
{
	static char path[3000]; /* below the channel's 4032 bytes */
	char buf[512];
	struct stat st;
	size_t at;

	CHECK(list_all("/extra/lp/a") == 3 && list_all("/extra/lp/a/b") == 4);
	CHECK(list_all("/extra/lp/s") == 3 && list_all("/extra/lp/c") == 3);
	CHECK(list_all("/extra/lp/c/d") == 4 && list_all("/extra/lp/e") == 2);
	CHECK(walk("/extra/lp", 8) > 8);

	/* A long path around the cycle: resolves, or is too long. */
	at = (size_t)snprintf(path, sizeof path, "/extra/lp/a");
	while (at + 16 < sizeof path)
		at += (size_t)snprintf(path + at, sizeof path - at, "/b/up");
	snprintf(path + at, sizeof path - at, "/b/f");
	CHECK(stat(path, &st) == 0 && st.st_ino == ino_of("/extra/lp/a/b/f"));
	file_ok("/extra/lp/a/b/f", 1);
	CHECK(ino_of("/extra/lp/s/self/self/self/.") == ino_of("/extra/lp/s"));
	CHECK(ino_of("/extra/lp/c/d/back/d/back") == ino_of("/extra/lp/c"));
	CHECK(ino_of("/extra/lp/c/..") == ino_of("/extra/lp/c/d"));
	CHECK(ino_of("/extra/lp/e/../..") == ino_of("/extra/lp/e"));
	file_ok("/extra/lp/c/d/f", 1);

	/* getcwd walks "..": fine through an entry cycle, fails (no hang)
	 * inside a ".." cycle or a ".." naming itself. */
	CHECK(chdir("/extra/lp/a/b/up/b/up/b") == 0 && getcwd(buf, sizeof buf) != NULL);
	CHECK(strcmp(buf, "/extra/lp/a/b") == 0);
	CHECK(chdir("/extra/lp/s/self/self") == 0 && getcwd(buf, sizeof buf) != NULL);
	CHECK(strcmp(buf, "/extra/lp/s") == 0);
	CHECK(chdir("/extra/lp/c/d") == 0 && getcwd(buf, sizeof buf) == NULL);
	printf("unix_corrupt: getcwd in a '..' cycle: errno %d\n", errno);
	CHECK(errno == ENAMETOOLONG || errno == ELOOP || errno == EIO);
	CHECK(chdir("..") == 0 && chdir("..") == 0 && ino_of(".") == ino_of("/extra/lp/c/d"));
	CHECK(chdir("/extra/lp/e") == 0 && getcwd(buf, sizeof buf) == NULL);
	printf("unix_corrupt: getcwd in a directory that is its own '..': errno %d\n", errno);
	CHECK(errno == ENOENT || errno == ELOOP || errno == EIO);
	CHECK(chdir("/") == 0);

	/* Renames: into its own subtree through the cycle, and a move whose
	 * subtree check walks the ".." cycle: refused, nothing changed. */
	CHECK(rename("/extra/lp/a", "/extra/lp/a/b/x") == -1 && errno == EINVAL);
	CHECK(rename("/extra/lp/c", "/extra/lp/c/d/x") == -1 && errno == EINVAL);
	CHECK(rename("/extra/lp/s", "/extra/lp/c/d/x") == -1);
	printf("unix_corrupt: rename into a '..' cycle: errno %d\n", errno);
	CHECK(errno == EIO || errno == ELOOP);
	CHECK(rmdir("/extra/lp/a/b") == -1 && errno == ENOTEMPTY);
	CHECK(list_all("/extra/lp") == 6);
}

/* ------------------------------------------------------------ counts */

/*
 * The inode bitmap marks /extra/c/f1..f3 free (their links say in use);
 * group 0's free-inode count and the superblock's lie; /extra/c/f5 says 7
 * links (it has 1), /extra/c/f6 says 0 (its bitmap bit is set, an entry
 * names it). New files must never get f1..f6's inodes, and every old file
 * keeps its contents.
 */
static void counts(void)
{
	static const char *old[] = { "/extra/c/f1", "/extra/c/f2", "/extra/c/f3", "/extra/c/f4",
				     "/extra/c/f5" };
	ino_t olds[6];
	char path[64];
	struct stat st;

	for (int i = 0; i < 5; i++)
		olds[i] = ino_of(old[i]);
	CHECK(stat("/extra/c/f6", &st) == -1 && errno == EIO);
	CHECK(open("/extra/c/f6", O_RDONLY) == -1 && errno == EIO);
	olds[5] = 0;
	DIR *d = opendir("/extra/c");
	struct dirent *e;
	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, "f6") == 0)
			olds[5] = e->d_ino;
	CHECK(closedir(d) == 0 && olds[5] != 0);
	CHECK(stat("/extra/c/f5", &st) == 0 && st.st_nlink == 7);

	for (int n = 0; n < 12; n++) {
		snprintf(path, sizeof path, "/tmp/n%d", n);
		file_make(path, 2 + n);
		ino_t got = ino_of(path);
		for (int i = 0; i < 6; i++)
			CHECK(got != olds[i]);
	}
	CHECK(mkdir("/tmp/nd", 0755) == 0);
	for (int i = 0; i < 6; i++)
		CHECK(ino_of("/tmp/nd") != olds[i]);
	for (int i = 0; i < 5; i++)
		file_ok(old[i], 2);
	sync();
	for (int n = 0; n < 12; n++) {
		snprintf(path, sizeof path, "/tmp/n%d", n);
		file_ok(path, 2 + n);
		if (n % 2)
			CHECK(unlink(path) == 0);
	}
	for (int i = 0; i < 5; i++)
		file_ok(old[i], 2);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} cases[] = { { "blockptr", blockptr },
		      { "indirect", indirect },
		      { "reclen", reclen },
		      { "loop", loop },
		      { "counts", counts } };

	CHECK(argc == 2);
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (strcmp(argv[1], cases[i].name) != 0)
			continue;
		cases[i].run();
		rest_works();
		printf("unix_corrupt: %s ok\n", argv[1]);
		printf("TEST-END pass\n");
		return 0;
	}
	printf("unix_corrupt: unknown case %s\n", argv[1]);
	printf("TEST-END fail\n");
	return 1;
}
