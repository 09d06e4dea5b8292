/*
 * rawtty.c - raw terminal mode under the UNIX libOS (unix_console.sh):
 * switches the console to raw mode with cfmakeraw + tcsetattr, prints
 * "raw: ready", reads three bytes one read() at a time (^C is then an
 * ordinary byte, not SIGINT; nothing is echoed), prints them in hex,
 * restores the saved mode and exits.
 */
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include "unixtest.h"

int main(void)
{
	struct termios saved, raw;
	unsigned char c[3];

	CHECK(isatty(0) && tcgetattr(0, &saved) == 0);
	raw = saved;
	cfmakeraw(&raw);
	CHECK(tcsetattr(0, TCSANOW, &raw) == 0);
	printf("raw: ready\r\n");
	fflush(stdout);
	for (int i = 0; i < 3; i++)
		CHECK(read(0, &c[i], 1) == 1);
	CHECK(tcsetattr(0, TCSANOW, &saved) == 0);
	printf("raw: %02x %02x %02x\n", c[0], c[1], c[2]);
	return 0;
}
