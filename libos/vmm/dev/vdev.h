/*
 * vdev.h - plumbing shared by the VMM's PC device models (libos/vmm/dev/).
 *
 * The device models are hardware-free: each is a struct the caller
 * allocates and initialises, driven only through the calls below, so the
 * same code runs in the host unit tests and inside the VMM environment.
 *
 *  - Port I/O: a struct vdev_bus maps port ranges to a device's in/out
 *    handlers. The VMM's IOIO #VMEXIT handler calls vdev_pio_in or
 *    vdev_pio_out once per intercepted access. A port no device claims reads
 *    all-ones and swallows writes, as on a PC's ISA bus.
 *  - Time: every call whose result depends on time takes now_ns, guest
 *    nanoseconds since VM start. Devices never read a clock themselves.
 *  - Interrupt lines: a device drives ISA IRQ lines through a vdev_irq (a
 *    callback plus its context); the 8259A model (pic8259.h) offers a
 *    callback of that type, so wiring a device to the PIC is one assignment.
 *
 * See docs/vmm-devices.md for the devices and what each one models.
 */
#ifndef VMM_DEV_VDEV_H
#define VMM_DEV_VDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nanoseconds per second, for the time arithmetic every timer device does. */
#define VDEV_NS_PER_S 1000000000ULL

/* "No event pending" for the next-event queries (pit8254_next_event, ...). */
#define VDEV_NO_EVENT UINT64_MAX

/*
 * Drive interrupt line irq to level (true = asserted): an ISA line (0-15),
 * or an IOAPIC input (GSI 0-23) for the devices that have no ISA line
 * (virtio). Called only when the level changes, except that a device may
 * lower and raise a line in a row to signal a fresh edge.
 */
typedef void (*vdev_set_irq_fn)(void *ctx, unsigned irq, bool level);

/* An interrupt line's sink. set_irq may be NULL: the line goes nowhere. */
struct vdev_irq {
	vdev_set_irq_fn set_irq;
	void *ctx;
};

/*
 * Port I/O handlers. size is the access width in bytes (1, 2 or 4); an in
 * handler stores the value read in *val (the bus pre-fills it with
 * all-ones); an out handler receives the value written, zero-extended to 32
 * bits. now_ns is guest time.
 */
typedef void (*vdev_pio_in_fn)(void *dev, uint16_t port, unsigned size, uint32_t *val,
			       uint64_t now_ns);
typedef void (*vdev_pio_out_fn)(void *dev, uint16_t port, unsigned size, uint32_t val,
				uint64_t now_ns);

/* Range flag: the device decodes bytes only; the bus splits a 2- or 4-byte
 * access into byte accesses at port, port+1, ... (each dispatched on its
 * own, as the PC chipset does for 8-bit ISA devices). */
#define VDEV_PIO_BYTES 0x1u

#define VDEV_BUS_MAX_RANGES 32

struct vdev_pio_range {
	uint16_t base;	/* first port */
	uint16_t count; /* number of ports, >= 1 */
	unsigned flags; /* VDEV_PIO_* */
	void *dev;
	vdev_pio_in_fn in;
	vdev_pio_out_fn out;
	const char *name;
};

/* A port I/O bus. Invariant: the ranges[0..n) do not overlap. */
struct vdev_bus {
	struct vdev_pio_range ranges[VDEV_BUS_MAX_RANGES];
	unsigned n;
};

/* Make bus empty: every port unclaimed. */
void vdev_bus_init(struct vdev_bus *bus);

/*
 * Claim ports [base, base + count) for dev. in or out may be NULL (reads give
 * all-ones, writes are ignored). flags: VDEV_PIO_BYTES or 0. name is kept
 * for diagnostics and must outlive the bus.
 * Returns 0, or -1 (nothing changed) when count is 0, the range wraps past
 * port 0xFFFF, overlaps a claimed range, or the table is full.
 */
int vdev_bus_register(struct vdev_bus *bus, uint16_t base, uint16_t count, unsigned flags,
		      void *dev, vdev_pio_in_fn in, vdev_pio_out_fn out, const char *name);

/* The range claiming port, or NULL if none does. */
const struct vdev_pio_range *vdev_bus_find(const struct vdev_bus *bus, uint16_t port);

/*
 * One IN of size bytes (1, 2 or 4) from port at guest time now_ns; the value
 * read, zero-extended, goes to *val. Unclaimed ports read all-ones (0xFF per
 * byte). Returns true if some device claimed (the first byte of) the access,
 * false for an unclaimed port or a bad size (then *val = 0xFFFFFFFF).
 */
bool vdev_pio_in(const struct vdev_bus *bus, uint16_t port, unsigned size, uint32_t *val,
		 uint64_t now_ns);

/*
 * One OUT of size bytes (1, 2 or 4) of val (the low size bytes count) to
 * port at guest time now_ns. Returns true if some device claimed the access;
 * unclaimed ports and bad sizes swallow the write and return false.
 */
bool vdev_pio_out(const struct vdev_bus *bus, uint16_t port, unsigned size, uint32_t val,
		  uint64_t now_ns);

/* Drive line irq of sink to level; no-op if the sink has no callback. */
static inline void vdev_irq_set(const struct vdev_irq *sink, unsigned irq, bool level)
{
	if (sink->set_irq)
		sink->set_irq(sink->ctx, irq, level);
}

/*
 * Memory-mapped I/O. The VMM calls vdev_mmio_read/vdev_mmio_write once per
 * guest access that reaches a guest-physical address no RAM backs (an
 * emulated instruction after a #NPF or, in shadow mode, a #PF). off is the
 * offset in the device's range, size 1, 2, 4 or 8 bytes; a read handler
 * stores the value in *val (pre-filled with all-ones), a write handler gets
 * the value zero-extended. An access no device claims, or one that crosses
 * the end of a range, reads all-ones and is dropped.
 */
typedef void (*vdev_mmio_read_fn)(void *dev, uint64_t off, unsigned size, uint64_t *val,
				  uint64_t now_ns);
typedef void (*vdev_mmio_write_fn)(void *dev, uint64_t off, unsigned size, uint64_t val,
				   uint64_t now_ns);

#define VDEV_MMIO_MAX_RANGES 16

struct vdev_mmio_range {
	uint64_t base; /* first guest-physical address */
	uint64_t len;  /* bytes, >= 1 */
	void *dev;
	vdev_mmio_read_fn read;
	vdev_mmio_write_fn write;
	const char *name;
};

/* An MMIO bus. Invariant: the ranges[0..n) do not overlap. */
struct vdev_mmio_bus {
	struct vdev_mmio_range ranges[VDEV_MMIO_MAX_RANGES];
	unsigned n;
};

void vdev_mmio_init(struct vdev_mmio_bus *bus);

/*
 * Claim guest-physical [base, base + len) for dev; read or write may be
 * NULL. Returns 0, or -1 (nothing changed) when len is 0, the range wraps,
 * overlaps a claimed one, or the table is full.
 */
int vdev_mmio_register(struct vdev_mmio_bus *bus, uint64_t base, uint64_t len, void *dev,
		       vdev_mmio_read_fn read, vdev_mmio_write_fn write, const char *name);

/* The range holding all of [gpa, gpa + size), or NULL. */
const struct vdev_mmio_range *vdev_mmio_find(const struct vdev_mmio_bus *bus, uint64_t gpa,
					     unsigned size);

/*
 * One read of size bytes (1, 2, 4 or 8) at gpa; *val gets the value,
 * zero-extended. Returns true if a device claimed it; otherwise (or for a
 * bad size) *val is all-ones for the size and false is returned.
 */
bool vdev_mmio_read(const struct vdev_mmio_bus *bus, uint64_t gpa, unsigned size, uint64_t *val,
		    uint64_t now_ns);

/* One write of size bytes of val at gpa. Returns true if a device claimed it. */
bool vdev_mmio_write(const struct vdev_mmio_bus *bus, uint64_t gpa, unsigned size, uint64_t val,
		     uint64_t now_ns);

/*
 * Guest-physical memory as a bus-master device sees it (virtio rings and
 * buffers). Each call copies len bytes and returns 0, or returns -1 and
 * copies nothing when [gpa, gpa + len) is not all guest RAM. A device must
 * treat -1 as the guest's error (bad descriptor), never as its own.
 */
struct vdev_dma {
	void *ctx;
	int (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
};

/* Bytes per sector of every block device model. */
#define VDEV_SECTOR 512u

/*
 * A disk's backing store (an image file of the host's). sectors is its
 * size in 512-byte sectors; 0 means no disk. read and write move count
 * sectors from sector `sector` and return 0, or -1 on an I/O error; the
 * device model checks the range before it calls. flush makes every
 * completed write durable (fsync) and returns 0 or -1; it may be NULL.
 */
struct vdev_disk {
	void *ctx;
	uint64_t sectors;
	bool readonly;
	int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t count);
	int (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t count);
	int (*flush)(void *ctx);
};

/* Mask of the low size bytes (size 1, 2 or 4). */
static inline uint32_t vdev_size_mask(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

/* Binary <-> packed BCD for one byte (0-99). Bad BCD digits are taken at
 * face value (0xAB -> 10 * 10 + 11 = 111): defined, never trapped. */
static inline uint8_t vdev_to_bcd(unsigned v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static inline unsigned vdev_from_bcd(uint8_t v)
{
	return (v >> 4) * 10u + (v & 0xFu);
}

#endif
