/*
 * kill - send a signal to processes (POSIX kill).
 *
 * usage: kill [-s SIGNAL | -SIGNAL | -N] PID...
 *        kill -l [N | SIGNAL]...
 *
 * SIGNAL is a name with or without "SIG" (HUP INT QUIT KILL USR1 USR2 PIPE
 * ALRM TERM CHLD CONT STOP, any case); N a number, 0 to only check that
 * the process exists. The default is TERM. A negative PID (after "--")
 * names a process group. -l lists the names; with operands it turns each
 * number (or exit status above 128) into its name and each name into its
 * number. A PID that cannot be signalled prints "kill: PID: reason" and
 * makes the exit status 1; kill goes on with the rest.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

static const struct {
	const char *name;
	int num;
} sigs[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
};

#define NSIGS ((int)(sizeof(sigs) / sizeof(sigs[0])))

/* Parse a decimal number (sign allowed) filling all of s; -1 if it is not one. */
static int number(const char *s, long *v)
{
	char *end;

	if (*s == '\0')
		return -1;
	errno = 0;
	*v = strtol(s, &end, 10);
	return (*end || errno) ? -1 : 0;
}

/* The signal a name or number stands for, or -1. */
static int parse_signal(const char *s)
{
	long v;
	int i;

	if (number(s, &v) == 0)
		return (v == 0 || (v > 0 && v < 128)) ? (int)v : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < NSIGS; i++)
		if (!strcasecmp(s, sigs[i].name))
			return sigs[i].num;
	return -1;
}

static const char *signal_name(int num)
{
	int i;

	for (i = 0; i < NSIGS; i++)
		if (sigs[i].num == num)
			return sigs[i].name;
	return NULL;
}

static int list(int argc, char **argv)
{
	int i, status = 0;
	const char *name;
	long v;

	if (argc == 0) {
		for (i = 0; i < NSIGS; i++)
			puts(sigs[i].name);
		return 0;
	}
	for (i = 0; i < argc; i++) {
		if (number(argv[i], &v) == 0) {
			if (v > 128)
				v -= 128;
			if ((name = signal_name((int)v)) != NULL) {
				puts(name);
				continue;
			}
		} else if ((v = parse_signal(argv[i])) > 0) {
			printf("%ld\n", v);
			continue;
		}
		fprintf(stderr, "kill: %s: invalid signal\n", argv[i]);
		status = 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	int i = 1, sig = SIGTERM, status = 0;
	const char *name = NULL;
	long pid;

	if (argc > 1 && !strcmp(argv[1], "-l"))
		return list(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "-s")) {
		if (argc < 3)
			goto usage;
		name = argv[2];
		if ((sig = parse_signal(name)) < 0)
			goto bad_signal;
		i = 3;
	} else if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0' && strcmp(argv[1], "--")) {
		name = argv[1] + 1;
		if ((sig = parse_signal(name)) < 0)
			goto bad_signal;
		i = 2;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i == argc)
		goto usage;
	for (; i < argc; i++) {
		if (number(argv[i], &pid) < 0) {
			fprintf(stderr, "kill: %s: not a process id\n", argv[i]);
			status = 1;
		} else if (kill((pid_t)pid, sig) < 0) {
			fprintf(stderr, "kill: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
bad_signal:
	fprintf(stderr, "kill: %s: invalid signal\n", name);
	return 1;
usage:
	fprintf(stderr, "usage: kill [-s SIGNAL | -SIGNAL | -N] PID...\n       kill -l [N]...\n");
	return 1;
}
