/*
 * ioapic.c - the I/O APIC (Intel 82093AA data sheet): every redirection
 * entry starts masked; ioapic_route opens one GSI to one CPU.
 */
#include "kernel.h"
#include "arch/x86_64/ioapic.h"

#define IOREGSEL       0x00
#define IOWIN	       0x10
#define REG_VER	       0x01
#define REG_REDTBL     0x10
#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

static volatile uint32_t *regs;
static uint32_t base_gsi, nentries;

static uint32_t rd(uint32_t reg)
{
	regs[IOREGSEL / 4] = reg;
	return regs[IOWIN / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	regs[IOREGSEL / 4] = reg;
	regs[IOWIN / 4] = v;
}

void ioapic_init(uint64_t base_pa, uint32_t gsi_base)
{
	regs = phys_to_virt(base_pa);
	base_gsi = gsi_base;
	nentries = ((rd(REG_VER) >> 16) & 0xff) + 1;
	for (uint32_t i = 0; i < nentries; i++) {
		wr(REG_REDTBL + 2 * i, RTE_MASKED);
		wr(REG_REDTBL + 2 * i + 1, 0);
	}
}

/* Deliver gsi as vector to the CPU with apic_id, fixed, physical
 * destination. mps_flags: MADT override flags (bits 0-1 polarity, 2-3
 * trigger; 0 = conforming to the bus: ISA is edge, active high). */
void ioapic_route(uint32_t gsi, uint8_t vector, uint8_t apic_id, uint16_t mps_flags)
{
	if (gsi < base_gsi || gsi - base_gsi >= nentries)
		return;
	uint32_t i = gsi - base_gsi, lo = vector;
	if ((mps_flags & 3) == 3)
		lo |= RTE_ACTIVE_LOW;
	if (((mps_flags >> 2) & 3) == 3)
		lo |= RTE_LEVEL;
	wr(REG_REDTBL + 2 * i + 1, (uint32_t)apic_id << 24);
	wr(REG_REDTBL + 2 * i, lo);
}
