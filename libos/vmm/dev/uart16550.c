/*
 * uart16550.c - 16550A UART model (see uart16550.h for the sources).
 *
 * The typed-ahead queue exists because a guest driver starting up clears the
 * receive FIFO (FCR bits 1-2) and drains RBR before it enables receive
 * interrupts; bytes a user typed before then would be lost on a real port,
 * but here they are the user's input to the boot prompt. So the FIFO is
 * filled from the queue only once the receive interrupt can reach the CPU:
 * IER.RDI set, MCR.OUT2 set and loopback off. (IER.RDI alone is not
 * enough: Linux's 8250 probe writes IER = 0x0F for a moment, with OUT2
 * clear, and its start-up then clears the FIFO; the 8250 driver's loopback
 * probes must see only their own bytes.)
 *
 * The interrupt line reaches the PIC only while MCR.OUT2 is set and
 * loopback is off, as on the PC adapter (OUT2 gates the IRQ driver; the
 * 16550 forces its OUT pins inactive in loopback). IIR shows interrupts
 * regardless.
 *
 * The character-timeout indication (IIR 0x0C) is given at once for data
 * below the FIFO trigger level: there is no character time to wait for.
 */
#include <string.h>

#include "dev/uart16550.h"

/* Register offsets (datasheet Table II). */
enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDI	 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI	 0x08

#define IIR_NONE 0x01
#define IIR_MSI	 0x00
#define IIR_THRI 0x02
#define IIR_RDI	 0x04
#define IIR_RLSI 0x06
#define IIR_CTI	 0x0C
#define IIR_FIFO 0xC0

#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02
#define FCR_CLR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR	 0x01
#define LSR_OE	 0x02
#define LSR_PE	 0x04
#define LSR_FE	 0x08
#define LSR_BI	 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS	 0x10
#define MSR_DSR	 0x20
#define MSR_RI	 0x40
#define MSR_DCD	 0x80

/* Modem lines seen outside loopback: a terminal that is present and ready. */
#define MSR_CONNECTED (MSR_DCD | MSR_DSR | MSR_CTS)

static bool fifo_on(const struct uart16550 *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const struct uart16550 *u)
{
	return fifo_on(u) ? UART16550_FIFO : 1;
}

static unsigned rx_trigger(const struct uart16550 *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };
	return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* A byte arrives at the receiver (from the queue or looped back). */
static void rx_put(struct uart16550 *u, uint8_t b)
{
	if (u->rx_count >= rx_capacity(u)) {
		/* Overrun: in FIFO mode the new byte is lost; in 16450 mode
		 * it overwrites the holding register (datasheet §8.4 OE). */
		u->lsr |= LSR_OE;
		if (!fifo_on(u))
			u->rx[u->rx_head] = b;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART16550_FIFO] = b;
	u->rx_count++;
	u->lsr |= LSR_DR;
}

static void rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->lsr &= ~LSR_DR;
}

/* A guest clearing its receive FIFO (FCR) drops what it has not read; if
 * those bytes came from the typed-ahead queue, they go back to its front
 * instead, in order: Linux's 8250 start-up enables RDI while the FIFO is
 * off (one byte fed) and then switches the FIFO on, which clears it. */
static void rx_clear_unread(struct uart16550 *u)
{
	unsigned n = u->rx_from_queue ? u->rx_count : 0;
	if (n > UART16550_QUEUE - (unsigned)u->q_count)
		n = 0; /* no room: they are lost, as on the hardware */
	for (unsigned i = n; i-- > 0;) {
		u->q_head = (uint16_t)((u->q_head + UART16550_QUEUE - 1) % UART16550_QUEUE);
		u->q[u->q_head] = u->rx[(u->rx_head + i) % UART16550_FIFO];
		u->q_count++;
	}
	rx_clear(u);
}

/* Move typed-ahead bytes into the FIFO while the guest is ready for them. */
static void feed(struct uart16550 *u)
{
	if (!(u->ier & IER_RDI) || (u->mcr & (MCR_OUT2 | MCR_LOOP)) != MCR_OUT2)
		return;
	while (u->q_count > 0 && u->rx_count < rx_capacity(u)) {
		if (u->rx_count == 0)
			u->rx_from_queue = true;
		rx_put(u, u->q[u->q_head]);
		u->q_head = (uint16_t)((u->q_head + 1) % UART16550_QUEUE);
		u->q_count--;
	}
}

/* Current interrupt identification, highest priority first (Table IV). */
static uint8_t iir_id(const struct uart16550 *u)
{
	if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRS))
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count > 0)
		return u->rx_count >= rx_trigger(u) ? IIR_RDI : IIR_CTI;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & 0x0F))
		return IIR_MSI;
	return IIR_NONE;
}

static void update_irq(struct uart16550 *u)
{
	bool level = iir_id(u) != IIR_NONE && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
	if (level != u->irq_level) {
		u->irq_level = level;
		vdev_irq_set(&u->cfg.irq_sink, u->cfg.irq, level);
	}
}

/* Recompute MSR status bits from the modem lines, setting delta bits for
 * the ones that changed (datasheet §8.8; TERI on RI's trailing edge). */
static void set_msr_lines(struct uart16550 *u)
{
	uint8_t now;
	if (u->mcr & MCR_LOOP) {
		/* Loopback: CTS <- RTS, DSR <- DTR, RI <- OUT1, DCD <- OUT2. */
		now = (uint8_t)(((u->mcr & MCR_RTS) ? MSR_CTS : 0) |
				((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
				((u->mcr & MCR_OUT1) ? MSR_RI : 0) |
				((u->mcr & MCR_OUT2) ? MSR_DCD : 0));
	} else {
		now = MSR_CONNECTED;
	}
	uint8_t old = u->msr & 0xF0, chg = old ^ now;
	uint8_t delta = 0;
	if (chg & MSR_CTS)
		delta |= MSR_DCTS;
	if (chg & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(now & MSR_RI))
		delta |= MSR_TERI;
	if (chg & MSR_DCD)
		delta |= MSR_DDCD;
	u->msr = (uint8_t)(now | (u->msr & 0x0F) | delta);
}

void uart16550_init(struct uart16550 *u, const struct uart16550_config *cfg)
{
	memset(u, 0, sizeof(*u));
	u->cfg = *cfg;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_CONNECTED;
	u->dll = 0x0C; /* 9600 baud at 1.8432 MHz, as PC firmware leaves it */
}

int uart16550_attach(struct uart16550 *u, struct vdev_bus *bus)
{
	return vdev_bus_register(bus, u->cfg.base, 8, VDEV_PIO_BYTES, u, uart16550_pio_in,
				 uart16550_pio_out, "uart16550");
}

void uart16550_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct uart16550 *u = dev;
	uint8_t v = 0xFF;
	(void)size;
	(void)now_ns;

	switch ((uint16_t)(port - u->cfg.base)) {
	case RBR:
		if (u->lcr & LCR_DLAB) {
			v = u->dll;
			break;
		}
		v = u->rx[u->rx_head];
		if (u->rx_count > 0) {
			u->rx_head = (uint8_t)((u->rx_head + 1) % UART16550_FIFO);
			if (--u->rx_count == 0)
				u->lsr &= ~LSR_DR;
		}
		feed(u);
		break;
	case IER:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case IIR: {
		uint8_t id = iir_id(u);
		v = (uint8_t)(id | (fifo_on(u) ? IIR_FIFO : 0));
		if (id == IIR_THRI)
			u->thr_ipending = false; /* §8.5: reading IIR clears it */
		break;
	}
	case LCR:
		v = u->lcr;
		break;
	case MCR:
		v = u->mcr;
		break;
	case LSR:
		v = u->lsr;
		u->lsr &= ~LSR_ERRS; /* error bits clear on read */
		break;
	case MSR:
		v = u->msr;
		u->msr &= 0xF0; /* delta bits clear on read */
		break;
	case SCR:
		v = u->scr;
		break;
	default:
		break;
	}
	*val = v;
	update_irq(u);
}

static void write_thr(struct uart16550 *u, uint8_t b)
{
	if (u->mcr & MCR_LOOP) {
		u->rx_from_queue = false;
		rx_put(u, b);
	} else if (u->cfg.tx) {
		u->cfg.tx(u->cfg.tx_ctx, b);
	}
	/* The transmitter empties at once: THR is empty again, and the THRE
	 * interrupt (cleared by this write) is due again. */
	u->thr_ipending = true;
}

void uart16550_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct uart16550 *u = dev;
	uint8_t v = (uint8_t)val;
	(void)size;
	(void)now_ns;

	switch ((uint16_t)(port - u->cfg.base)) {
	case RBR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			write_thr(u, v);
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
		} else {
			uint8_t old = u->ier;
			u->ier = v & 0x0F;
			/* §8.5/Table IV: enabling THRI while THR is empty
			 * raises the THRE interrupt; disabling it drops it. */
			if ((u->ier & IER_THRI) && !(old & IER_THRI) && (u->lsr & LSR_THRE))
				u->thr_ipending = true;
			if (!(u->ier & IER_THRI))
				u->thr_ipending = false;
			feed(u);
		}
		break;
	case IIR: /* FCR */
		if ((v ^ u->fcr) & FCR_ENABLE)
			rx_clear_unread(u); /* changing FIFO mode clears both FIFOs */
		if (v & FCR_CLR_RX)
			rx_clear_unread(u);
		/* FCR_CLR_TX: the transmit FIFO is always empty. */
		u->fcr = v & (FCR_ENABLE | 0xC0);
		if (!fifo_on(u))
			u->fcr = 0; /* trigger bits need FIFO mode */
		feed(u);
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1F;
		set_msr_lines(u);
		feed(u);
		break;
	case LSR:
	case MSR:
		/* Factory test registers on a real part; writes ignored. */
		break;
	case SCR:
		u->scr = v;
		break;
	default:
		break;
	}
	update_irq(u);
}

size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;
	while (n < len && u->q_count < UART16550_QUEUE) {
		u->q[(u->q_head + u->q_count) % UART16550_QUEUE] = buf[n++];
		u->q_count++;
	}
	u->refused += len - n;
	feed(u);
	update_irq(u);
	return n;
}

uint64_t uart16550_refused(const struct uart16550 *u)
{
	return u->refused;
}

size_t uart16550_queued(const struct uart16550 *u)
{
	return u->q_count;
}
