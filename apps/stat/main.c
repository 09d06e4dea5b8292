/*
 * stat - print a file's status (a fixed layout after GNU stat's default).
 *
 * usage: stat [-L] FILE...
 *
 * Shows the file itself, not what a symbolic link names, unless -L is
 * given. The layout (uid and gid are numeric: there is no passwd database):
 *
 *     File: NAME [-> TARGET]
 *     Size: BYTES<tab>Blocks: 512-BYTE-BLOCKS IO Block: BYTES TYPE
 *   Device: HEXh/DECd<tab>Inode: INO  Links: N
 *   Access: (OCTAL/MODESTRING)  Uid: (UID)   Gid: (GID)
 *   Access: YYYY-MM-DD HH:MM:SS.NANOSECONDS +ZONE
 *   Modify: ...
 *   Change: ...
 *
 * Each failure prints "stat: FILE: reason" and makes the exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/util.h"

static const char *type_name(const struct stat *st)
{
	mode_t m = st->st_mode;

	if (S_ISREG(m))
		return st->st_size ? "regular file" : "regular empty file";
	if (S_ISDIR(m))
		return "directory";
	if (S_ISLNK(m))
		return "symbolic link";
	if (S_ISCHR(m))
		return "character special file";
	if (S_ISBLK(m))
		return "block special file";
	if (S_ISFIFO(m))
		return "fifo";
	if (S_ISSOCK(m))
		return "socket";
	return "weird file";
}

static void print_time(const char *label, const struct timespec *ts)
{
	char buf[64], zone[16];
	struct tm *tm = localtime(&ts->tv_sec);

	if (!tm) {
		printf("%s: ?\n", label);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", tm);
	strftime(zone, sizeof(zone), "%z", tm);
	printf("%s: %s.%09ld %s\n", label, buf, (long)ts->tv_nsec, zone);
}

static int show(const char *path, int follow)
{
	struct stat st;
	char mode[11], target[4096];
	ssize_t len;

	if ((follow ? stat(path, &st) : lstat(path, &st)) < 0) {
		fprintf(stderr, "stat: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("  File: %s", path);
	if (S_ISLNK(st.st_mode) && (len = readlink(path, target, sizeof(target) - 1)) >= 0) {
		target[len] = '\0';
		printf(" -> %s", target);
	}
	printf("\n  Size: %-10llu\tBlocks: %-10llu IO Block: %-6lu %s\n",
	       (unsigned long long)st.st_size, (unsigned long long)st.st_blocks,
	       (unsigned long)st.st_blksize, type_name(&st));
	printf("Device: %lxh/%lud\tInode: %-10llu  Links: %lu\n", (unsigned long)st.st_dev,
	       (unsigned long)st.st_dev, (unsigned long long)st.st_ino, (unsigned long)st.st_nlink);
	util_modestr(st.st_mode, mode);
	printf("Access: (%04o/%s)  Uid: (%5lu)   Gid: (%5lu)\n", (unsigned)(st.st_mode & 07777),
	       mode, (unsigned long)st.st_uid, (unsigned long)st.st_gid);
	print_time("Access", &st.st_atim);
	print_time("Modify", &st.st_mtim);
	print_time("Change", &st.st_ctim);
	return 0;
}

int main(int argc, char **argv)
{
	int c, i, follow = 0, status = 0;

	util_prog = "stat";

	while ((c = getopt(argc, argv, "L")) != -1) {
		if (c != 'L')
			goto usage;
		follow = 1;
	}
	if (optind == argc)
		goto usage;
	for (i = optind; i < argc; i++)
		status |= show(argv[i], follow);
	return status;
usage:
	fprintf(stderr, "usage: stat [-L] FILE...\n");
	return 1;
}
