/*
 * i8042.c - 8042 keyboard controller model (see i8042.h for the sources).
 *
 * Replies (controller or keyboard) go through a small queue; the head is
 * the output buffer. Reading port 0x60 takes it and the next byte moves in
 * at once; each new byte lowers and raises the interrupt line so the
 * edge-triggered PIC sees it.
 */
#include <string.h>

#include "dev/i8042.h"

#define ST_OBF	0x01
#define ST_SYS	0x04
#define ST_A2	0x08 /* last write was to port 0x64 */
#define ST_INH	0x10 /* keyboard not inhibited */
#define ST_AUXB 0x20

#define CCB_KBD_INT 0x01
#define CCB_AUX_INT 0x02
#define CCB_SYS	    0x04
#define CCB_KBD_OFF 0x10
#define CCB_AUX_OFF 0x20
#define CCB_XLATE   0x40

#define KBD_ACK 0xFA

static void update_irq(struct i8042 *kbc)
{
	bool has = kbc->outq_n > 0, aux = has && kbc->outq_aux[0];
	bool l1 = has && !aux && (kbc->cmd_byte & CCB_KBD_INT);
	bool l12 = aux && (kbc->cmd_byte & CCB_AUX_INT);

	if (l1 != kbc->irq1) {
		kbc->irq1 = l1;
		vdev_irq_set(&kbc->cfg.irq_sink, 1, l1);
	}
	if (l12 != kbc->irq12) {
		kbc->irq12 = l12;
		vdev_irq_set(&kbc->cfg.irq_sink, 12, l12);
	}
}

/* Queue a byte for the output buffer; false if the queue is full. */
static bool put(struct i8042 *kbc, uint8_t b, bool aux)
{
	if (kbc->outq_n >= I8042_OUTQ)
		return false;
	kbc->outq[kbc->outq_n] = b;
	kbc->outq_aux[kbc->outq_n] = aux;
	kbc->outq_n++;
	return true;
}

static void reset_cpu(struct i8042 *kbc)
{
	if (kbc->cfg.reset)
		kbc->cfg.reset(kbc->cfg.reset_ctx);
}

void i8042_init(struct i8042 *kbc, const struct i8042_config *cfg)
{
	memset(kbc, 0, sizeof(*kbc));
	kbc->cfg = *cfg;
	kbc->cmd_byte = CCB_KBD_INT | CCB_SYS | CCB_XLATE;
	kbc->status = ST_SYS;
	kbc->out_port = 0x03; /* not in reset, A20 on */
	kbc->port92 = 0x02;
	kbc->scan_set = 2;
	kbc->scanning = true;
}

int i8042_attach(struct i8042 *kbc, struct vdev_bus *bus)
{
	if (vdev_bus_register(bus, 0x60, 1, VDEV_PIO_BYTES, kbc, i8042_pio_in, i8042_pio_out,
			      "i8042-data") ||
	    vdev_bus_register(bus, 0x64, 1, VDEV_PIO_BYTES, kbc, i8042_pio_in, i8042_pio_out,
			      "i8042-cmd") ||
	    vdev_bus_register(bus, 0x92, 1, VDEV_PIO_BYTES, kbc, i8042_pio_in, i8042_pio_out,
			      "port92"))
		return -1;
	return 0;
}

/* A byte for the keyboard itself (port 0x60 with no controller command
 * pending): PS/2 keyboard command set. */
static void keyboard(struct i8042 *kbc, uint8_t v)
{
	uint8_t pend = kbc->kbd_pending;

	kbc->kbd_pending = 0;
	if (pend == 0xED) { /* LED state */
		kbc->leds = v & 7;
		put(kbc, KBD_ACK, false);
		return;
	}
	if (pend == 0xF0) { /* scan-code set: 0 asks which */
		put(kbc, KBD_ACK, false);
		if (v == 0)
			put(kbc, kbc->scan_set, false);
		else if (v <= 3)
			kbc->scan_set = v;
		return;
	}
	if (pend == 0xF3) { /* typematic rate */
		put(kbc, KBD_ACK, false);
		return;
	}
	switch (v) {
	case 0xED:
	case 0xF0:
	case 0xF3:
		kbc->kbd_pending = v;
		put(kbc, KBD_ACK, false);
		break;
	case 0xEE: /* echo */
		put(kbc, 0xEE, false);
		break;
	case 0xF2: /* identify: MF2, as translated or not */
		put(kbc, KBD_ACK, false);
		put(kbc, 0xAB, false);
		put(kbc, (kbc->cmd_byte & CCB_XLATE) ? 0x41 : 0x83, false);
		break;
	case 0xF4:
		kbc->scanning = true;
		put(kbc, KBD_ACK, false);
		break;
	case 0xF5: /* disable and restore defaults */
	case 0xF6: /* restore defaults */
		kbc->scanning = v == 0xF6;
		kbc->leds = 0;
		kbc->scan_set = 2;
		put(kbc, KBD_ACK, false);
		break;
	case 0xFF: /* reset: ACK, then basic assurance test passed */
		kbc->scanning = true;
		kbc->leds = 0;
		kbc->scan_set = 2;
		put(kbc, KBD_ACK, false);
		put(kbc, 0xAA, false);
		break;
	case 0xFE: /* resend */
		put(kbc, kbc->last_out, false);
		break;
	default:
		if (v >= 0xF7 && v <= 0xFD) { /* set-3 key types */
			put(kbc, KBD_ACK, false);
			break;
		}
		put(kbc, 0xFE, false); /* unknown: ask for a resend */
		break;
	}
}

static void data_write(struct i8042 *kbc, uint8_t v)
{
	uint8_t cmd = kbc->pending;

	kbc->pending = 0;
	switch (cmd) {
	case 0x60:
		kbc->cmd_byte = v;
		kbc->status = (uint8_t)((kbc->status & ~ST_SYS) | (v & CCB_SYS));
		break;
	case 0xD1: /* write output port: bit 0 low resets, bit 1 A20 */
		kbc->out_port = v;
		if (!(v & 1))
			reset_cpu(kbc);
		break;
	case 0xD2:
		put(kbc, v, false);
		break;
	case 0xD3:
		put(kbc, v, true);
		break;
	case 0xD4:
		break; /* to the aux device: none */
	default:
		kbc->cmd_byte &= ~CCB_KBD_OFF; /* sending enables the interface */
		keyboard(kbc, v);
		break;
	}
}

static void command(struct i8042 *kbc, uint8_t v)
{
	kbc->pending = 0;
	switch (v) {
	case 0x20:
		put(kbc, kbc->cmd_byte, false);
		break;
	case 0x60:
	case 0xD1:
	case 0xD2:
	case 0xD3:
	case 0xD4:
		kbc->pending = v;
		break;
	case 0xA7:
		kbc->cmd_byte |= CCB_AUX_OFF;
		break;
	case 0xA8:
		kbc->cmd_byte &= ~CCB_AUX_OFF;
		break;
	case 0xA9: /* aux interface test */
	case 0xAB: /* keyboard interface test */
		put(kbc, 0x00, false);
		break;
	case 0xAA: /* controller self test */
		kbc->status |= ST_SYS;
		put(kbc, 0x55, false);
		break;
	case 0xAD:
		kbc->cmd_byte |= CCB_KBD_OFF;
		break;
	case 0xAE:
		kbc->cmd_byte &= ~CCB_KBD_OFF;
		break;
	case 0xC0: /* input port: keyboard not locked, colour display */
		put(kbc, 0x80, false);
		break;
	case 0xD0:
		put(kbc, kbc->out_port, false);
		break;
	case 0xDD:
		kbc->out_port &= ~0x02;
		break;
	case 0xDF:
		kbc->out_port |= 0x02;
		break;
	default:
		/* 0xF0-0xFF: pulse the output-port bits that are 0 in the
		 * low nibble; bit 0 is the CPU reset line. */
		if (v >= 0xF0 && !(v & 1))
			reset_cpu(kbc);
		break;
	}
}

void i8042_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct i8042 *kbc = dev;
	(void)size;
	(void)now_ns;

	switch (port) {
	case 0x60:
		if (kbc->outq_n > 0) {
			kbc->last_out = kbc->outq[0];
			kbc->outq_n--;
			memmove(kbc->outq, kbc->outq + 1, kbc->outq_n);
			memmove(kbc->outq_aux, kbc->outq_aux + 1, kbc->outq_n);
			/* The line drops on the read; a next byte is a new edge. */
			if (kbc->irq1)
				vdev_irq_set(&kbc->cfg.irq_sink, 1, false);
			if (kbc->irq12)
				vdev_irq_set(&kbc->cfg.irq_sink, 12, false);
			kbc->irq1 = kbc->irq12 = false;
		}
		*val = kbc->last_out;
		break;
	case 0x64:
		*val = (uint32_t)(kbc->status & (ST_SYS | ST_A2)) | ST_INH |
		       (kbc->outq_n ? ST_OBF : 0) | (kbc->outq_n && kbc->outq_aux[0] ? ST_AUXB : 0);
		break;
	case 0x92:
		*val = kbc->port92 & ~1u;
		break;
	default:
		*val = 0xFF;
		break;
	}
	update_irq(kbc);
}

void i8042_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct i8042 *kbc = dev;
	uint8_t v = (uint8_t)val;
	(void)size;
	(void)now_ns;

	switch (port) {
	case 0x60:
		kbc->status &= ~ST_A2;
		data_write(kbc, v);
		break;
	case 0x64:
		kbc->status |= ST_A2;
		command(kbc, v);
		break;
	case 0x92:
		kbc->port92 = v & 0x02;
		if (v & 1)
			reset_cpu(kbc);
		break;
	default:
		break;
	}
	update_irq(kbc);
}

size_t i8042_key(struct i8042 *kbc, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	if (!kbc->scanning || (kbc->cmd_byte & CCB_KBD_OFF))
		return 0;
	while (n < len && put(kbc, buf[n], false))
		n++;
	update_irq(kbc);
	return n;
}

bool i8042_a20(const struct i8042 *kbc)
{
	return (kbc->out_port & 0x02) || (kbc->port92 & 0x02);
}
