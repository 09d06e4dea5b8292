/*
 * vdev.c - the port I/O and MMIO buses of the VMM's device models (see
 * vdev.h).
 *
 * Linear tables: a PC has a couple of dozen decoded port ranges and a few
 * MMIO windows, and a lookup runs once per #VMEXIT, which costs far more
 * than the scan.
 */
#include <string.h>

#include "dev/vdev.h"

void vdev_bus_init(struct vdev_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

int vdev_bus_register(struct vdev_bus *bus, uint16_t base, uint16_t count, unsigned flags,
		      void *dev, vdev_pio_in_fn in, vdev_pio_out_fn out, const char *name)
{
	uint32_t end = (uint32_t)base + count; /* exclusive */

	if (count == 0 || end > 0x10000u || bus->n >= VDEV_BUS_MAX_RANGES)
		return -1;
	for (unsigned i = 0; i < bus->n; i++) {
		const struct vdev_pio_range *r = &bus->ranges[i];
		if (base < (uint32_t)r->base + r->count && r->base < end)
			return -1;
	}
	bus->ranges[bus->n++] = (struct vdev_pio_range){
		.base = base,
		.count = count,
		.flags = flags,
		.dev = dev,
		.in = in,
		.out = out,
		.name = name,
	};
	return 0;
}

const struct vdev_pio_range *vdev_bus_find(const struct vdev_bus *bus, uint16_t port)
{
	for (unsigned i = 0; i < bus->n; i++) {
		const struct vdev_pio_range *r = &bus->ranges[i];
		if (port >= r->base && port - r->base < r->count)
			return r;
	}
	return NULL;
}

static bool good_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4;
}

bool vdev_pio_in(const struct vdev_bus *bus, uint16_t port, unsigned size, uint32_t *val,
		 uint64_t now_ns)
{
	*val = 0xFFFFFFFFu;
	if (!good_size(size))
		return false;
	const struct vdev_pio_range *r = vdev_bus_find(bus, port);
	*val = vdev_size_mask(size);
	if (!r)
		return false;
	if (!(r->flags & VDEV_PIO_BYTES) || size == 1) {
		uint32_t v = 0xFFFFFFFFu;
		if (r->in)
			r->in(r->dev, port, size, &v, now_ns);
		*val = v & vdev_size_mask(size);
		return true;
	}
	/* An 8-bit device under a wide access: one byte per port, low first. */
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		const struct vdev_pio_range *ri = vdev_bus_find(bus, p);
		uint32_t b = 0xFF;
		if (ri && ri->in) {
			ri->in(ri->dev, p, 1, &b, now_ns);
			b &= 0xFF;
		}
		v |= b << (8 * i);
	}
	*val = v;
	return true;
}

bool vdev_pio_out(const struct vdev_bus *bus, uint16_t port, unsigned size, uint32_t val,
		  uint64_t now_ns)
{
	if (!good_size(size))
		return false;
	const struct vdev_pio_range *r = vdev_bus_find(bus, port);
	if (!r)
		return false;
	val &= vdev_size_mask(size);
	if (!(r->flags & VDEV_PIO_BYTES) || size == 1) {
		if (r->out)
			r->out(r->dev, port, size, val, now_ns);
		return true;
	}
	for (unsigned i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		const struct vdev_pio_range *ri = vdev_bus_find(bus, p);
		if (ri && ri->out)
			ri->out(ri->dev, p, 1, (val >> (8 * i)) & 0xFF, now_ns);
	}
	return true;
}

void vdev_mmio_init(struct vdev_mmio_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

int vdev_mmio_register(struct vdev_mmio_bus *bus, uint64_t base, uint64_t len, void *dev,
		       vdev_mmio_read_fn read, vdev_mmio_write_fn write, const char *name)
{
	if (len == 0 || base + len < base || bus->n >= VDEV_MMIO_MAX_RANGES)
		return -1;
	for (unsigned i = 0; i < bus->n; i++) {
		const struct vdev_mmio_range *r = &bus->ranges[i];
		if (base < r->base + r->len && r->base < base + len)
			return -1;
	}
	bus->ranges[bus->n++] = (struct vdev_mmio_range){
		.base = base, .len = len, .dev = dev, .read = read, .write = write, .name = name
	};
	return 0;
}

const struct vdev_mmio_range *vdev_mmio_find(const struct vdev_mmio_bus *bus, uint64_t gpa,
					     unsigned size)
{
	for (unsigned i = 0; i < bus->n; i++) {
		const struct vdev_mmio_range *r = &bus->ranges[i];
		if (gpa >= r->base && gpa - r->base < r->len)
			return size <= r->len - (gpa - r->base) ? r : NULL;
	}
	return NULL;
}

static bool good_mmio_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint64_t mmio_mask(unsigned size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

bool vdev_mmio_read(const struct vdev_mmio_bus *bus, uint64_t gpa, unsigned size, uint64_t *val,
		    uint64_t now_ns)
{
	*val = good_mmio_size(size) ? mmio_mask(size) : UINT64_MAX;
	const struct vdev_mmio_range *r =
		good_mmio_size(size) ? vdev_mmio_find(bus, gpa, size) : NULL;
	if (!r)
		return false;
	uint64_t v = UINT64_MAX;
	if (r->read)
		r->read(r->dev, gpa - r->base, size, &v, now_ns);
	*val = v & mmio_mask(size);
	return true;
}

bool vdev_mmio_write(const struct vdev_mmio_bus *bus, uint64_t gpa, unsigned size, uint64_t val,
		     uint64_t now_ns)
{
	const struct vdev_mmio_range *r =
		good_mmio_size(size) ? vdev_mmio_find(bus, gpa, size) : NULL;
	if (!r)
		return false;
	if (r->write)
		r->write(r->dev, gpa - r->base, size, val & mmio_mask(size), now_ns);
	return true;
}
