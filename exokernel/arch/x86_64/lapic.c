/*
 * lapic.c - local APIC: per-CPU setup, the timer (calibrated against the
 * PIT), end of interrupt, and IPIs including the INIT-SIPI-SIPI sequence
 * that starts an application processor (Intel MP spec §B.4; AMD APM
 * vol. 2 §16.5).
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/lapic.h"

#define REG_ID		  0x020
#define REG_TPR		  0x080
#define REG_EOI		  0x0b0
#define REG_SVR		  0x0f0
#define REG_ESR		  0x280
#define REG_ICR_LO	  0x300
#define REG_ICR_HI	  0x310
#define REG_LVT_TIMER	  0x320
#define REG_LVT_LINT0	  0x350
#define REG_LVT_LINT1	  0x360
#define REG_LVT_ERROR	  0x370
#define REG_TIMER_INIT	  0x380
#define REG_TIMER_CUR	  0x390
#define REG_TIMER_DIV	  0x3e0
#define LVT_MASKED	  (1u << 16)
#define TIMER_PERIODIC	  (1u << 17)
#define ICR_PENDING	  (1u << 12)
#define ICR_INIT	  0x500
#define ICR_STARTUP	  0x600
#define ICR_LEVEL_ASSERT  0x4000
#define ICR_LEVEL_TRIGGER 0x8000

#define PIT_HZ	     1193182u
#define CALIBRATE_MS 10u

static volatile uint32_t *regs;
static uint32_t ticks_per_ms; /* LAPIC timer ticks (divide by 16) per millisecond */
uint64_t tsc_hz;

static uint32_t rd(uint32_t reg)
{
	return regs[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	regs[reg / 4] = v;
	(void)regs[REG_ID / 4]; /* wait for the write to land */
}

/* Remember where the local APICs are (physical address from the MADT). */
void lapic_init(uint64_t base_pa)
{
	regs = phys_to_virt(base_pa);
}

/* Enable this CPU's local APIC: spurious vector, no LINT0/LINT1 (the
 * IOAPIC delivers device interrupts), an error vector, timer stopped. */
void lapic_init_cpu(void)
{
	wr(REG_SVR, 0x100 | T_SPURIOUS);
	wr(REG_LVT_LINT0, LVT_MASKED);
	wr(REG_LVT_LINT1, LVT_MASKED);
	wr(REG_LVT_ERROR, T_LAPIC_ERROR);
	wr(REG_ESR, 0);
	wr(REG_ESR, 0);
	wr(REG_TIMER_DIV, 0x3); /* divide by 16 */
	wr(REG_LVT_TIMER, LVT_MASKED | T_TIMER);
	wr(REG_TPR, 0);
	wr(REG_EOI, 0);
}

uint8_t lapic_id(void)
{
	return rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

/* Count PIT channel 2 down over CALIBRATE_MS ms (the speaker gate, mode 0)
 * and see how far the LAPIC timer and the TSC moved meanwhile. */
void lapic_calibrate(void)
{
	uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	wr(REG_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	uint32_t elapsed = 0xffffffff - rd(REG_TIMER_CUR);
	uint64_t t1 = rdtsc();
	wr(REG_TIMER_INIT, 0);
	ticks_per_ms = elapsed / CALIBRATE_MS;
	if (ticks_per_ms == 0)
		ticks_per_ms = 1;
	tsc_hz = (t1 - t0) * (1000 / CALIBRATE_MS);
}

/* Interrupt this CPU every period_us microseconds on T_TIMER. */
void lapic_timer_start(uint32_t period_us)
{
	uint64_t init = (uint64_t)ticks_per_ms * period_us / 1000;
	wr(REG_LVT_TIMER, TIMER_PERIODIC | T_TIMER);
	wr(REG_TIMER_INIT, init ? (uint32_t)init : 1);
}

void lapic_timer_stop(void)
{
	wr(REG_LVT_TIMER, LVT_MASKED | T_TIMER);
	wr(REG_TIMER_INIT, 0);
}

static void icr(uint8_t apic_id, uint32_t lo)
{
	while (rd(REG_ICR_LO) & ICR_PENDING)
		cpu_relax();
	wr(REG_ICR_HI, (uint32_t)apic_id << 24);
	wr(REG_ICR_LO, lo);
}

/* A fixed interrupt on vector at the CPU with this APIC id. */
void lapic_ipi(uint8_t apic_id, uint8_t vector)
{
	icr(apic_id, vector);
}

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + (tsc_hz ? tsc_hz / 1000000 : 3000) * us;
	while (rdtsc() < end)
		cpu_relax();
}

/* INIT, then two STARTUP IPIs pointing at the real-mode trampoline
 * (page-aligned, below 1 MiB). */
void lapic_start_ap(uint8_t apic_id, uint32_t trampoline_pa)
{
	icr(apic_id, ICR_INIT | ICR_LEVEL_TRIGGER | ICR_LEVEL_ASSERT);
	delay_us(200);
	icr(apic_id, ICR_INIT | ICR_LEVEL_TRIGGER);
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		icr(apic_id, ICR_STARTUP | (trampoline_pa >> 12));
		delay_us(200);
	}
}
