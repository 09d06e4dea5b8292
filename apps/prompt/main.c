/*
 * prompt - the first interactive program, until the UNIX shell exists.
 *
 * Reads lines from the console and echoes each back; "poweroff" turns the
 * machine off (so does end of file, which is how input piped into
 * `make run` ends), "exit" ends the program, "help" lists the commands.
 * Ctrl-C abandons the line being typed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>

/* Bytes of one input line, "\n" and NUL included; the console's own limit is lower. */
#define PROMPT_LINE 4096

/* Turn the machine off; only returns control to exit(1) if the kernel refuses. */
static void __attribute__((noreturn)) poweroff(void)
{
	long r;

	fflush(NULL); /* QEMU is gone the moment the call succeeds */
	r = exo_machine_poweroff();
	printf("poweroff: %s\n", exo_strerror(r));
	exit(1);
}

static void help(void)
{
	printf("commands:\n"
	       "  help      show this list\n"
	       "  exit      end this program\n"
	       "  poweroff  turn the machine off (so does Ctrl-D on an empty line)\n"
	       "  anything else is printed back\n");
}

/* Discard the rest of an overlong line. */
static void skip_line(void)
{
	int c;

	do
		c = getchar();
	while (c != '\n' && c != EOF);
}

int main(void)
{
	char line[PROMPT_LINE];

	printf("exo prompt: type a line to echo it, or 'poweroff'\n");
	for (;;) {
		size_t len;

		fputs("$ ", stdout);
		fflush(stdout);
		errno = 0;
		if (fgets(line, sizeof line, stdin) == NULL) {
			if (ferror(stdin) && errno == EINTR) { /* Ctrl-C */
				clearerr(stdin);
				continue;
			}
			if (ferror(stdin))
				printf("\nprompt: console: %s", strerror(errno));
			printf("\n");
			poweroff();
		}
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (len == sizeof line - 1 && !feof(stdin)) {
			skip_line();
			printf("prompt: line too long\n");
			continue;
		}
		if (len == 0)
			continue;
		if (strcmp(line, "poweroff") == 0)
			poweroff();
		else if (strcmp(line, "exit") == 0)
			exit(0);
		else if (strcmp(line, "help") == 0)
			help();
		else
			printf("%s\n", line);
	}
}
