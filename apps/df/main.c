/*
 * df - report free disk space (POSIX df -k layout, from statvfs()).
 *
 * usage: df [-kP] [FILE...]
 *
 * Prints one line per FILE (default: the root) for the file system holding
 * it, in 1 KiB blocks:
 *
 *   Filesystem     1K-blocks      Used Available Use% Mounted on
 *   rootfs            262144     12345    249799   5% /
 *
 * The header comes before the first line, so nothing is printed on stdout
 * if no FILE can be examined. There is a single file system, named rootfs and mounted on /. Use% is
 * used / (used + available), rounded up, as POSIX specifies. -k and -P
 * select this layout, which is the only one. A FILE that cannot be
 * examined prints "df: FILE: reason" and makes the exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int show(const char *path)
{
	static int header;
	struct statvfs vfs;
	unsigned long long frsize, total, avail, used, pct = 0;

	if (statvfs(path, &vfs) < 0) {
		fprintf(stderr, "df: %s: %s\n", path, strerror(errno));
		return 1;
	}
	frsize = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
	total = vfs.f_blocks * frsize / 1024;
	used = (vfs.f_blocks - vfs.f_bfree) * frsize / 1024;
	avail = vfs.f_bavail * frsize / 1024;
	if (!header++)
		printf("Filesystem     1K-blocks      Used Available Use%% Mounted on\n");
	if (used + avail)
		pct = (used * 100 + used + avail - 1) / (used + avail);
	printf("%-14s %9llu %9llu %9llu %3llu%% %s\n", "rootfs", total, used, avail, pct, "/");
	return 0;
}

int main(int argc, char **argv)
{
	int c, i, status = 0;

	while ((c = getopt(argc, argv, "kP")) != -1) {
		if (c != 'k' && c != 'P') {
			fprintf(stderr, "usage: df [-kP] [FILE...]\n");
			return 1;
		}
	}
	if (optind == argc)
		return show("/");
	for (i = optind; i < argc; i++)
		status |= show(argv[i]);
	return status;
}
