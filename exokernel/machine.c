/*
 * machine.c - halting the machine and the isa-debug-exit test channel.
 */
#include "kernel.h"
#include "arch/x86_64/io.h"
#include "machine.h"

#define DEBUG_EXIT_PORT 0xf4

bool test_mode;

/* Write code to QEMU's isa-debug-exit device (-device
 * isa-debug-exit,iobase=0xf4,iosize=4): QEMU exits with (code << 1) | 1.
 * Without the device this does nothing and returns. */
void machine_debug_exit(uint32_t code)
{
	outl(DEBUG_EXIT_PORT, code);
}

/* Stop for good. In test mode leave QEMU with code first, so the test
 * harness sees a distinct status instead of waiting for its timeout. */
void machine_halt(uint32_t code)
{
	if (test_mode)
		machine_debug_exit(code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
