/*
 * machine.h - leaving the machine: power-off, halt, and the isa-debug-exit
 * channel tests use (QEMU exits with status (code << 1) | 1).
 */
#ifndef MACHINE_H
#define MACHINE_H

#include <stdbool.h>
#include <stdint.h>

/* isa-debug-exit codes the kernel itself uses (docs/testing.md). A test
 * program passes with code 0 (status 1) and fails with 1 (status 3). */
#define EXIT_HALTED 0x70 /* nothing left to run: QEMU status 225 */
#define EXIT_PANIC  0x71 /* kernel panic: QEMU status 227 */

/* Kernel command line flags (parsed once at boot). */
extern bool test_mode;

void machine_debug_exit(uint32_t code);
void machine_halt(uint32_t code) __attribute__((noreturn));

#endif
