/* uart.h - the COM1 serial port (uart.c). */
#ifndef UART_H
#define UART_H

void uart_init(void);
void uart_enable_rx_irq(void);
void uart_putc(char c);
int uart_getc(void);

#endif
