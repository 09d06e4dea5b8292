/*
 * debugexit.c - isa-debug-exit (see debugexit.h). The test harness judges a
 * guest by this status, so it is passed through exactly.
 */
#include "dev/debugexit.h"

void debugexit_init(struct debugexit *dx, uint16_t port, debugexit_fn exit, void *ctx)
{
	dx->port = port;
	dx->exit = exit;
	dx->ctx = ctx;
}

int debugexit_attach(struct debugexit *dx, struct vdev_bus *bus)
{
	return vdev_bus_register(bus, dx->port, 4, 0, dx, debugexit_pio_in, debugexit_pio_out,
				 "isa-debug-exit");
}

void debugexit_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	(void)dev;
	(void)port;
	(void)size;
	(void)now_ns;
	*val = 0;
}

void debugexit_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct debugexit *dx = dev;
	(void)now_ns;

	if (port != dx->port || !dx->exit)
		return;
	val &= vdev_size_mask(size);
	dx->exit(dx->ctx, (val << 1) | 1);
}
