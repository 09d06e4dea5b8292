/*
 * uart.c - the 16550A serial port COM1 (I/O 0x3f8, IRQ 4): the system
 * console. Output is polled; input arrives by interrupt (received-data
 * interrupt, FIFO trigger at 1 byte) and is handed to console.c.
 */
#include "kernel.h"
#include "arch/x86_64/io.h"
#include "uart.h"

#define COM1	 0x3f8
#define REG_DATA 0
#define REG_IER	 1
#define REG_LCR	 3
#define REG_MCR	 4
#define REG_LSR	 5
#define LSR_DR	 0x01
#define LSR_THRE 0x20

/* 115200 baud, 8 data bits, no parity, 1 stop bit. */
void uart_init(void)
{
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + 0, 1);	    /* 115200 / 1 */
	outb(COM1 + 1, 0);
	outb(COM1 + REG_LCR, 0x03);
	/* FCR is left alone: switching the FIFOs on or off clears them, and
	 * input typed (or piped) before boot may be waiting there. */
	outb(COM1 + REG_MCR, 0x0b); /* DTR, RTS, OUT2 (routes the IRQ) */
}

/* Interrupt on received data (IRQ 4 must be unmasked by the caller). */
void uart_enable_rx_irq(void)
{
	outb(COM1 + REG_IER, 0x01);
}

void uart_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + REG_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + REG_DATA, (uint8_t)c);
}

/* Next received byte, or -1 if none is waiting. */
int uart_getc(void)
{
	if (!(inb(COM1 + REG_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + REG_DATA);
}
