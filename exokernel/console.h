/*
 * console.h - the kernel console: the serial line (and a VGA text mirror)
 * for output, an input queue filled by the serial interrupt.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stddef.h>
#include <stdint.h>

void console_init(void);
/* One character of kernel output; '\n' becomes "\r\n". */
void console_putc(char c);
/* Raw bytes from an environment, written as they are. */
void console_write(const char *buf, size_t len);
/* Move up to len queued input bytes into buf; returns the count (0 if none). */
size_t console_read(char *buf, size_t len);
/* Drain the UART into the input queue (called from its interrupt). */
void console_intr(void);
/* Serialise output lines from several sources. */
void console_lock(void);
void console_unlock(void);

#endif
