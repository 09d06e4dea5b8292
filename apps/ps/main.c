/*
 * ps - list processes, from the UNIX libOS's unix_proc_list().
 *
 * usage: ps
 *
 * Prints a header and one row per process in pid order:
 *
 *     PID  PPID  PGID S   MEM CMD
 *       1     0     1 S   412 init
 *
 * S is R (running or runnable), S (sleeping) or Z (zombie); MEM is the
 * memory the process's environment owns, in KiB; CMD is argv[0] of its
 * last execve.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unix/unix.h>

int main(int argc, char **argv)
{
	struct unix_proc *procs = NULL, *np;
	int max = 16, n, i;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: ps\n");
		return 1;
	}
	/* The list can grow between calls: retry until it fits. */
	for (;;) {
		if ((np = realloc(procs, max * sizeof(*procs))) == NULL) {
			fprintf(stderr, "ps: out of memory\n");
			return 1;
		}
		procs = np;
		if ((n = unix_proc_list(procs, max)) < 0) {
			fprintf(stderr, "ps: %s\n", strerror(errno));
			return 1;
		}
		if (n <= max)
			break;
		max = n + 16;
	}
	printf("  PID  PPID  PGID S   MEM CMD\n");
	for (i = 0; i < n; i++)
		printf("%5d %5d %5d %c %5lu %s\n", (int)procs[i].pid, (int)procs[i].ppid,
		       (int)procs[i].pgid, procs[i].state, procs[i].mem_kib, procs[i].name);
	free(procs);
	return 0;
}
