/*
 * qemu-exit - end a QEMU run with a chosen exit status.
 *
 * usage: qemu-exit [N]   (N in 0..255, default 0)
 *
 * Writes N to QEMU's isa-debug-exit device through exo_debug_exit; QEMU then
 * exits with status (N << 1) | 1. Integration tests and scripts use it to
 * report a verdict the harness can judge without parsing text.
 */
#include <stdio.h>
#include <stdlib.h>

#include <exo/calls.h>

/* Parse a decimal number 0..255 with no sign, spaces or other characters. */
static int parse_code(const char *s, unsigned *code)
{
	unsigned v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 255)
			return -1;
	}
	*code = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned code = 0;
	long r;

	if (argc > 2 || (argc == 2 && parse_code(argv[1], &code) < 0)) {
		fprintf(stderr, "usage: qemu-exit [N]\n");
		return 2;
	}
	fflush(NULL);
	r = exo_debug_exit(code);
	fprintf(stderr, "qemu-exit: %s\n", exo_strerror(r));
	return 1;
}
