/*
 * lapic.h - the local APIC of each CPU (AMD APM vol. 2 §16): its timer
 * drives the slice tick; inter-processor interrupts start CPUs and carry
 * shootdowns and reschedule requests.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdint.h>

void lapic_init(uint64_t base_pa);
void lapic_init_cpu(void);
uint8_t lapic_id(void);
void lapic_eoi(void);
void lapic_calibrate(void);
void lapic_timer_start(uint32_t period_us);
void lapic_timer_stop(void);
void lapic_ipi(uint8_t apic_id, uint8_t vector);
void lapic_start_ap(uint8_t apic_id, uint32_t trampoline_pa);
extern uint64_t tsc_hz;

#endif
