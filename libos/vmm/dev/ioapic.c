/*
 * ioapic.c - 82093AA I/O APIC model (see ioapic.h for the sources).
 *
 * The datasheet requires edge triggering for the SMI, NMI, INIT and ExtINT
 * delivery modes; an entry in one of those modes behaves as edge triggered
 * whatever its trigger bit says (the bit still reads back as written), so
 * it never sets Remote IRR waiting for an EOI no LAPIC would send.
 *
 * Switching an entry to edge triggered clears its Remote IRR, as the chip
 * does and as Linux's workaround for IOAPICs without an EOI register
 * relies on.
 */
#include <string.h>

#include "dev/ioapic.h"

/* Writable bits of an entry: vector, delivery mode, destination mode,
 * polarity, trigger mode, mask, destination (63:56). */
#define RTE_WRITABLE                                                                             \
	(0xFFULL | 0x700ULL | IOAPIC_RTE_DEST_LOGICAL | IOAPIC_RTE_POLARITY | IOAPIC_RTE_LEVEL | \
	 IOAPIC_RTE_MASKED | 0xFF00000000000000ULL)

static bool lvl_entry(uint64_t rte)
{
	unsigned dm = (rte >> 8) & 7;
	return (rte & IOAPIC_RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
}

static bool asserted(const struct ioapic *io, unsigned pin)
{
	return io->pins >> pin & 1;
}

static void send(struct ioapic *io, unsigned pin)
{
	uint64_t rte = io->rte[pin];
	struct apic_msg m = {
		.vector = (uint8_t)rte,
		.mode = (uint8_t)((rte >> 8) & 7),
		.logical = rte & IOAPIC_RTE_DEST_LOGICAL,
		.dest = (uint8_t)(rte >> 56),
		.level = lvl_entry(rte),
		.assert = true,
		.shorthand = APIC_SH_NONE,
	};
	if (io->cfg.send)
		io->cfg.send(io->cfg.ctx, &m);
}

/* A level entry: send if the pin is asserted, the entry unmasked and no
 * earlier message waits for its EOI. Remote IRR is set before the message
 * goes out, so a router that EOIs from inside send sees it. */
static void service_level(struct ioapic *io, unsigned pin)
{
	uint64_t rte = io->rte[pin];
	if (!lvl_entry(rte) || !asserted(io, pin) || (rte & IOAPIC_RTE_MASKED) ||
	    (rte & IOAPIC_RTE_REMOTE_IRR))
		return;
	io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	send(io, pin);
}

void ioapic_init(struct ioapic *io, const struct ioapic_config *cfg)
{
	memset(io, 0, sizeof(*io));
	io->cfg = *cfg;
	io->id = (cfg->id & 0xFu) << 24;
	io->arb = io->id;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	if (pin >= IOAPIC_PINS)
		return;
	bool was = asserted(io, pin);
	if (level)
		io->pins |= 1u << pin;
	else
		io->pins &= ~(1u << pin);
	uint64_t rte = io->rte[pin];
	if (lvl_entry(rte))
		service_level(io, pin);
	else if (level && !was && !(rte & IOAPIC_RTE_MASKED))
		send(io, pin);
}

void ioapic_irq_cb(void *ctx, unsigned irq, bool level)
{
	ioapic_set_irq(ctx, irq, level);
}

void ioapic_eoi(struct ioapic *io, unsigned vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = io->rte[pin];
		if (!lvl_entry(rte) || (rte & 0xFF) != vector)
			continue;
		io->rte[pin] &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
		service_level(io, pin);
	}
}

uint32_t ioapic_read_reg(const struct ioapic *io, unsigned idx)
{
	switch (idx) {
	case IOAPIC_REG_ID:
		return io->id;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION_VALUE;
	case IOAPIC_REG_ARB:
		return io->arb;
	}
	if (idx >= IOAPIC_REG_REDTBL && idx < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS) {
		uint64_t rte = io->rte[(idx - IOAPIC_REG_REDTBL) / 2];
		return (uint32_t)(idx & 1 ? rte >> 32 : rte);
	}
	return 0;
}

void ioapic_write_reg(struct ioapic *io, unsigned idx, uint32_t val)
{
	if (idx == IOAPIC_REG_ID) {
		io->id = val & 0x0F000000u;
		io->arb = io->id;
		return;
	}
	if (idx < IOAPIC_REG_REDTBL || idx >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
		return; /* version, arbitration: read-only; others: none */
	unsigned pin = (idx - IOAPIC_REG_REDTBL) / 2;
	uint64_t old = io->rte[pin], v;
	if (idx & 1)
		v = (old & 0xFFFFFFFFULL) | (uint64_t)val << 32;
	else
		v = (old & 0xFFFFFFFF00000000ULL) | val;
	v = (v & RTE_WRITABLE) | (old & IOAPIC_RTE_REMOTE_IRR);
	if (!lvl_entry(v))
		v &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = v;
	service_level(io, pin); /* e.g. unmasking an asserted level pin */
}

void ioapic_mmio_read(void *dev, uint64_t off, unsigned size, uint64_t *val, uint64_t now_ns)
{
	struct ioapic *io = dev;
	(void)now_ns;
	*val = 0;
	if (off == IOAPIC_REGSEL)
		*val = io->regsel & vdev_size_mask(size);
	else if (off == IOAPIC_WIN && size == 4)
		*val = ioapic_read_reg(io, io->regsel);
}

void ioapic_mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns)
{
	struct ioapic *io = dev;
	(void)now_ns;
	if (off == IOAPIC_REGSEL)
		io->regsel = (uint32_t)val & 0xFF;
	else if (off == IOAPIC_WIN && size == 4)
		ioapic_write_reg(io, io->regsel, (uint32_t)val);
	else if (off == IOAPIC_EOI && size == 4)
		ioapic_eoi(io, (uint32_t)val & 0xFF);
}
