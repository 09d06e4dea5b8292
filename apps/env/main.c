/*
 * env - run a program in a modified environment (POSIX).
 *
 * env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG]...]: -i (or "-")
 * starts from an empty environment, -u removes NAME, each NAME=VALUE sets
 * a variable; then COMMAND is found through PATH and run (execvp), or with
 * no command the environment is printed, one NAME=VALUE a line. Exit
 * status: the command's, 126 if it could not be run, 127 if it was not
 * found, 125 for env's own errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	static char *empty[] = { NULL };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-") == 0 || strcmp(a, "-i") == 0) {
			environ = empty;
		} else if (strncmp(a, "-u", 2) == 0) {
			const char *name = a[2] ? a + 2 : argv[++i];

			if (!name) {
				fprintf(stderr, "env: option requires an argument -- 'u'\n");
				return 125;
			}
			if (unsetenv(name) < 0) {
				fprintf(stderr, "env: cannot unset '%s': %s\n", name,
					strerror(errno));
				return 125;
			}
		} else {
			fprintf(stderr, "usage: env [-i] [-u name] [name=value]... "
					"[command [arg...]]\n");
			return 125;
		}
	}
	for (; i < argc && strchr(argv[i], '='); i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == argv[i]) {
			fprintf(stderr, "env: cannot set '%s': %s\n", argv[i], strerror(EINVAL));
			return 125;
		}
		*eq = '\0';
		if (setenv(argv[i], eq + 1, 1) < 0) {
			*eq = '=';
			fprintf(stderr, "env: cannot set '%s': %s\n", argv[i], strerror(errno));
			return 125;
		}
		*eq = '=';
	}
	if (i >= argc) {
		for (char **e = environ; *e; e++)
			puts(*e);
		if (fflush(stdout) == EOF) {
			perror("env: write error");
			return 125;
		}
		return 0;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "env: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
