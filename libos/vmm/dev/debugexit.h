/*
 * debugexit.h - QEMU's isa-debug-exit device (port 0xF4 on the project's
 * test setups): a guest writes V and the VM ends with status (V << 1) | 1,
 * so a status can never be 0 and cannot be confused with a clean exit.
 *
 * Source: QEMU hw/misc/debugexit.c behaviour as documented for
 * "-device isa-debug-exit,iobase=0xf4,iosize=0x04": the value written, of
 * the access width, shifted left once with bit 0 set. Reads give 0.
 */
#ifndef VMM_DEV_DEBUGEXIT_H
#define VMM_DEV_DEBUGEXIT_H

#include "dev/vdev.h"

/* The guest asked to exit with status (V << 1) | 1, computed in 32 bits. */
typedef void (*debugexit_fn)(void *ctx, uint32_t status);

struct debugexit {
	uint16_t port;
	debugexit_fn exit;
	void *ctx;
};

/* port: the I/O port (0xF4); exit may be NULL (writes are then ignored). */
void debugexit_init(struct debugexit *dx, uint16_t port, debugexit_fn exit, void *ctx);

/* Register 4 ports from dx->port (as iosize=4). Returns 0 or -1. */
int debugexit_attach(struct debugexit *dx, struct vdev_bus *bus);

/* Port handlers: any write at the base port exits; reads give 0. */
void debugexit_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void debugexit_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

#endif
