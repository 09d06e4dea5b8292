/*
 * i8042.h - the PC/AT keyboard controller (8042, ports 0x60 data and 0x64
 * status/command) with a minimal MF2 keyboard behind it, plus the PS/2
 * system control port A (port 0x92: fast A20 and fast reset).
 *
 * Sources: IBM PC/AT Technical Reference, "Keyboard Controller" (status
 * register, commands 0x20/0x60, 0xAA, 0xAB, 0xAD/0xAE, 0xD0/0xD1, 0xF0-0xFF
 * pulse output port); IBM PS/2 Hardware Interface Technical Reference,
 * "Keyboard/Auxiliary Device Controller" (0xA7-0xA9, 0xD2-0xD4) and
 * "Keyboard" (commands 0xED, 0xEE, 0xF0, 0xF2-0xF6, 0xFE, 0xFF; ACK 0xFA,
 * BAT 0xAA, ID 0xAB 0x83) and "System Control Port A" (0x92).
 *
 * There is no auxiliary (mouse) device: commands to it are swallowed.
 */
#ifndef VMM_DEV_I8042_H
#define VMM_DEV_I8042_H

#include "dev/vdev.h"

#define I8042_OUTQ 16 /* bytes waiting for the output buffer */

/* The guest asked for a CPU reset (0xFE pulse, output-port bit 0 low, or
 * port 0x92 bit 0). */
typedef void (*i8042_reset_fn)(void *ctx);

struct i8042_config {
	struct vdev_irq irq_sink; /* IRQ 1 (keyboard) and 12 (aux) */
	i8042_reset_fn reset;	  /* may be NULL */
	void *reset_ctx;
};

struct i8042 {
	struct i8042_config cfg;
	uint8_t outq[I8042_OUTQ];     /* [0] is in the output buffer if OBF */
	uint8_t outq_aux[I8042_OUTQ]; /* 1 = that byte came from aux */
	uint8_t outq_n;
	uint8_t last_out;    /* what port 0x60 reads when the buffer is empty */
	uint8_t status;	     /* SYS, A2 (bits 2, 3); OBF/AUXB derived */
	uint8_t cmd_byte;    /* controller command byte ("CCB") */
	uint8_t out_port;    /* bit 0 reset (active low), bit 1 A20 */
	uint8_t port92;	     /* bit 1 A20 */
	uint8_t pending;     /* controller command awaiting its data byte */
	uint8_t kbd_pending; /* keyboard command awaiting its parameter */
	uint8_t leds, scan_set;
	bool scanning;
	bool irq1, irq12; /* what we last drove */
};

/* Power-on state, as firmware leaves it: command byte 0x45 (keyboard
 * interrupt, system flag, translation), keyboard scanning, A20 on. */
void i8042_init(struct i8042 *kbc, const struct i8042_config *cfg);

/* Register ports 0x60, 0x64 and 0x92. Returns 0, or -1 (bus full/overlap). */
int i8042_attach(struct i8042 *kbc, struct vdev_bus *bus);

/* Port handlers (vdev_pio_in_fn/vdev_pio_out_fn); byte-wide. */
void i8042_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void i8042_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

/* Queue scancodes (as the guest will read them, i.e. after translation)
 * from the keyboard; dropped while scanning or the keyboard is disabled.
 * Returns the number accepted (a prefix of buf). */
size_t i8042_key(struct i8042 *kbc, const uint8_t *buf, size_t len);

/* A20 gate state: output-port bit 1 or port 0x92 bit 1. */
bool i8042_a20(const struct i8042 *kbc);

#endif
