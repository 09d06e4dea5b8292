/*
 * smp.h - bringing up the other CPUs and keeping their TLBs coherent.
 */
#ifndef SMP_H
#define SMP_H

#include <stdint.h>

struct acpi_madt_info;

void smp_init_bsp(void);
void smp_start_aps(const struct acpi_madt_info *madt);
void tlb_shootdown(uint64_t pml4);
void tlb_flush_if_asked(void);
void smp_kick_idle(void);
void smp_halt_others(void);

#endif
