/*
 * exitcode - the exit status travels from the command line to QEMU: the
 * guest writes the value of "status=N" (multiboot command line, e.g.
 * -append "status=7") to isa-debug-exit, so QEMU exits with (N << 1) | 1
 * (15 for 7). A missing or bad value fails the usual way (status 35).
 */
#include "guest.h"

const char guest_name[] = "exitcode";

void guest_main(const char *cmdline)
{
	const char *v = cmdline_value(cmdline, "status=");
	say("command line \"%s\"", cmdline);
	CHECK(v && *v >= '0' && *v <= '9', "no status=N on the command line");
	unsigned long status = parse_uint(v);
	CHECK(status < 128 && status != 0x10 && status != 0x11, "status %u out of range",
	      (unsigned)status);
	say("exit status %u, expect QEMU status %u", (unsigned)status,
	    (unsigned)((status << 1) | 1));
	debug_exit((uint32_t)status);
}
