/*
 * uart16550.h - a 16550A UART (COM1 is base 0x3F8, IRQ 4).
 *
 * Source: National Semiconductor PC16550D UART with FIFOs datasheet (June
 * 1995): Table II (register summary), §8.1-8.10 (LCR, LSR, FCR, IIR, IER,
 * MCR, MSR, SCR, divisor latches), Table IV (interrupt control) and §8.6
 * (loopback, "diagnostic mode"); the PC wiring of OUT2 as the interrupt
 * enable from the IBM PC/AT Technical Reference (Asynchronous
 * Communications Adapter).
 *
 * Transmission is instantaneous: a byte written to THR goes to the output
 * callback at once, so THR and the transmitter are always empty (LSR THRE
 * and TEMT set). Receive data the VMM pushes with uart16550_receive is held
 * in a typed-ahead queue and moved into the 16-byte receive FIFO only while
 * the guest has IER.RDI set and MCR.LOOP clear; see the .c file for why.
 */
#ifndef VMM_DEV_UART16550_H
#define VMM_DEV_UART16550_H

#include "dev/vdev.h"

#define UART16550_FIFO	16   /* receive FIFO, bytes (datasheet) */
#define UART16550_QUEUE 4096 /* typed-ahead input queue, bytes */

/* Called once per transmitted byte (the guest wrote THR outside loopback). */
typedef void (*uart16550_tx_fn)(void *ctx, uint8_t byte);

struct uart16550_config {
	uint16_t base; /* first of 8 ports, e.g. 0x3F8 */
	unsigned irq;  /* ISA IRQ line, e.g. 4 */
	struct vdev_irq irq_sink;
	uart16550_tx_fn tx; /* may be NULL: output is dropped */
	void *tx_ctx;
};

struct uart16550 {
	struct uart16550_config cfg;
	uint8_t rx[UART16550_FIFO]; /* receive FIFO (1 deep when FIFOs off) */
	uint8_t rx_head, rx_count;
	bool rx_from_queue; /* the FIFO's bytes came from the typed-ahead queue */
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint8_t dll, dlm;
	bool thr_ipending;	    /* THRE interrupt latched (cleared by IIR read/THR write) */
	bool irq_level;		    /* what we last drove on the IRQ line */
	uint8_t q[UART16550_QUEUE]; /* typed-ahead input */
	uint16_t q_head;
	uint16_t q_count;
	uint64_t refused; /* bytes uart16550_receive could not queue, total */
};

/* Reset state (datasheet Table V "UART reset configuration"): IER, LCR, MCR,
 * FCR 0; LSR 0x60 (THRE, TEMT); IIR 0x01; empty FIFO and queue. */
void uart16550_init(struct uart16550 *u, const struct uart16550_config *cfg);

/* Register ports base..base+7 on bus. Returns 0, or -1 (bus full/overlap). */
int uart16550_attach(struct uart16550 *u, struct vdev_bus *bus);

/* Port handlers (vdev_pio_in_fn/vdev_pio_out_fn); byte-wide. */
void uart16550_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void uart16550_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

/*
 * Queue len bytes received from the terminal. They enter the receive FIFO
 * when the guest is ready (IER.RDI set, not loopback). Returns the number of
 * bytes accepted (a prefix of buf); the rest did not fit in the 4 KiB queue,
 * are added to the refused count and left to the caller to retry or drop.
 */
size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len);

/* Bytes refused by uart16550_receive since init. */
uint64_t uart16550_refused(const struct uart16550 *u);

/* Bytes waiting in the typed-ahead queue (not yet in the FIFO). */
size_t uart16550_queued(const struct uart16550 *u);

#endif
