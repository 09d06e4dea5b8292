/* ioapic.h - the I/O APIC: routes device interrupts (GSIs) to CPUs. */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <stdint.h>

void ioapic_init(uint64_t base_pa, uint32_t gsi_base);
void ioapic_route(uint32_t gsi, uint8_t vector, uint8_t apic_id, uint16_t mps_flags);

#endif
