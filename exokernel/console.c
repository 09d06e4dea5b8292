/*
 * console.c - the kernel console.
 *
 * Output goes to COM1 and is mirrored on the VGA text screen. Input bytes
 * from COM1 are queued in a ring buffer by the serial interrupt, and the
 * environment holding the console right takes them raw with
 * exo_cons_read: line editing and echo are the library OS's business.
 */
#include "kernel.h"
#include "arch/x86_64/io.h"
#include "console.h"
#include "uart.h"

#define VGA_COLS   80
#define VGA_ROWS   25
#define VGA_ATTR   0x0700
#define INPUT_SIZE 4096

static uint16_t *const vga = (uint16_t *)(KERNEL_PHYS_MAP + 0xb8000);
static unsigned vga_row, vga_col;

/* [I] input ring: written by console_intr with interrupts off, read by
 * console_read with interrupts off (single CPU for now). */
static char input[INPUT_SIZE];
static size_t input_head, input_tail;

static void vga_putc(char c)
{
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else if (c == '\r') {
		vga_col = 0;
	} else if (c == '\b') {
		if (vga_col)
			vga_col--;
	} else {
		vga[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS) {
		memmove(vga, vga + VGA_COLS, (VGA_ROWS - 1) * VGA_COLS * 2);
		for (unsigned i = 0; i < VGA_COLS; i++)
			vga[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
		vga_row--;
	}
}

void console_init(void)
{
	/* Keep what was typed (or piped) before we got here: take it out of
	 * the UART before uart_init reprograms it. */
	console_intr();
	uart_init();
	for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga[i] = VGA_ATTR | ' ';
}

void console_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
	vga_putc(c);
}

void console_write(const char *buf, size_t len)
{
	console_lock();
	for (size_t i = 0; i < len; i++) {
		uart_putc(buf[i]);
		vga_putc(buf[i]);
	}
	console_unlock();
}

void console_intr(void)
{
	int c;
	while ((c = uart_getc()) >= 0) {
		size_t next = (input_head + 1) % INPUT_SIZE;
		if (next == input_tail)
			continue; /* full: drop, as a terminal would */
		input[input_head] = (char)c;
		input_head = next;
	}
}

size_t console_read(char *buf, size_t len)
{
	size_t n = 0;
	while (n < len && input_tail != input_head) {
		buf[n++] = input[input_tail];
		input_tail = (input_tail + 1) % INPUT_SIZE;
	}
	return n;
}

/* One CPU runs kernel code at a time for now, with interrupts off, so
 * there is nothing to exclude yet; SMP turns these into a spinlock. */
void console_lock(void)
{
}

void console_unlock(void)
{
}
