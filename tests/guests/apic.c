/*
 * apic - the local APIC (xAPIC MMIO at 0xFEE00000) and the IOAPIC at
 * 0xFEC00000 (Intel SDM vol. 3A ch. 11; 82093AA IOAPIC datasheet).
 *
 * The 8259As are initialised and then fully masked, so every interrupt
 * comes through the APIC path. Time is measured by polling the PIT's
 * channel 0 count (pit_poll(), 1 kHz), never by interrupts or host speed:
 * "no interrupt arrives" means none in so many PIT periods, and every wait
 * for an interrupt gives up after a generous number of periods.
 *
 * Local APIC: CPUID.1:EDX[9], IA32_APIC_BASE (base, enable, BSP), ID
 * (= CPUID.1:EBX[31:24]) and version, SVR software enable (LVT writes
 * stay masked while it is off). Timer: one-shot with divide 16 (the
 * count runs down, one interrupt, current count 0 and stays there),
 * periodic (interrupts keep coming, the count reloads, initial count 0
 * stops it), TSC-deadline if CPUID.1:ECX[24] (one interrupt, the MSR
 * reads 0 after it, writing 0 disarms), masked LVT (the count runs out,
 * nothing in IRR, no interrupt). Priority: TPR at the vector's class
 * holds it in IRR (PPR = TPR), a lower TPR delivers it; ISR set and PPR
 * = the vector's class in the handler, ISR clear after EOI; with a class-5
 * vector in service (no EOI yet) a class-4 IPI waits and a class-6 one
 * nests. Self-IPIs through the ICR: shorthand self and physical
 * destination = own ID; the delivery status goes idle.
 *
 * IOAPIC: version register (version 0x11 or 0x20, max redirection entry
 * >= 23), redirection entry read-back; pin 2 (PIT, ISA IRQ 0) edge to a
 * vector (TMR clear in the handler), masked -> none; pin 8 (RTC periodic
 * interrupt, register C read in the handler) edge; pin 8 as a level,
 * active-high entry: an EOI while the RTC line is still up (register C
 * unread) delivers the interrupt again, Remote IRR (bit 14) and TMR are
 * set while the handler has not sent its EOI and Remote IRR clears
 * after it.
 */
#include "guest.h"

const char guest_name[] = "apic";

#define IOAPIC	      0xFEC00000u
#define MSR_APIC_BASE 0x1B
#define MSR_TSC_DL    0x6E0

/* Local APIC registers (offsets). */
#define L_ID	0x020
#define L_VER	0x030
#define L_TPR	0x080
#define L_PPR	0x0A0
#define L_EOI	0x0B0
#define L_SVR	0x0F0
#define L_ISR	0x100
#define L_TMR	0x180
#define L_IRR	0x200
#define L_ICRLO 0x300
#define L_ICRHI 0x310
#define L_TIMER 0x320
#define L_TINIT 0x380
#define L_TCUR	0x390
#define L_TDIV	0x3E0

#define LVT_MASK     (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_DEADLINE (2u << 17)

/* Vectors. */
#define V_TIMER 0x40
#define V_IPI4	0x42
#define V_IPI4B 0x44
#define V_IPI5	0x52
#define V_IPI6	0x62
#define V_PIT	0x50
#define V_RTC	0x51
#define V_RTCL	0x53
#define V_SPUR	0xFF

/* IOAPIC redirection entry bits. */
#define RE_LEVEL     (1u << 15)
#define RE_REMOTEIRR (1u << 14)
#define RE_MASK	     (1u << 16)

static uint32_t lapic_id;
static int strict;
static volatile unsigned hits[256], spurious;
/* What the handler saw: ISR, TMR, PPR for its vector; EOI held back. */
static volatile unsigned isr_seen[256], tmr_seen[256], ppr_seen[256];
static volatile int hold_eoi[256];

static void eoi(void)
{
	lapic_wr(L_EOI, 0);
}

static uint32_t ior(uint32_t idx)
{
	mmio_write32(IOAPIC, idx);
	return mmio_read32(IOAPIC + 0x10);
}

static void iow(uint32_t idx, uint32_t v)
{
	mmio_write32(IOAPIC, idx);
	mmio_write32(IOAPIC + 0x10, v);
}

/* Redirection entry of pin: fixed delivery, physical destination = us. */
static void route(int pin, uint32_t low)
{
	iow(0x10 + 2 * pin, low | RE_MASK);
	iow(0x11 + 2 * pin, lapic_id << 24);
	iow(0x10 + 2 * pin, low);
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

static void lapic_irq(uint32_t v)
{
	hits[v]++;
	isr_seen[v] = lapic_bit(L_ISR, v);
	tmr_seen[v] = lapic_bit(L_TMR, v);
	ppr_seen[v] = lapic_rd(L_PPR) & 0xFF;
	if (!hold_eoi[v])
		eoi();
}

static void spurious_irq(uint32_t v)
{
	(void)v;
	spurious++; /* no EOI for the spurious vector */
}

/*
 * RTC, edge entry: acknowledge in register C, then EOI. Under load a tick
 * can reach IRR while the previous handler runs and that handler's read of
 * register C takes its flags, so only the calls that saw PF and IRQF
 * count (rtc_flagged), and the first call must be one of them.
 */
static volatile unsigned rtc_flagged, rtc_first_c;
static void rtc_irq(uint32_t v)
{
	uint8_t c = cmos_read(0x0C);
	if (!hits[v]++)
		rtc_first_c = c;
	if ((c & 0xC0) == 0xC0)
		rtc_flagged++;
	tmr_seen[v] = lapic_bit(L_TMR, v);
	eoi();
}

/*
 * RTC, level entry. Call 1: EOI without reading register C, so the line is
 * still up and the IOAPIC must deliver again. Call 2: acknowledge, stop
 * the periodic interrupt, and leave the EOI to guest_main (hold_eoi).
 */
static void rtc_level_irq(uint32_t v)
{
	unsigned n = ++hits[v];
	isr_seen[v] = lapic_bit(L_ISR, v);
	tmr_seen[v] = lapic_bit(L_TMR, v);
	if (n == 1) {
		eoi();
		return;
	}
	cmos_read(0x0C);
	cmos_write(0x0B, cmos_read(0x0B) & ~0x40);
	cmos_read(0x0C);
	if (!hold_eoi[v])
		eoi();
}

/* With interrupts on, spin until *ctr >= target or ms PIT periods passed. */
static int wait_count(volatile unsigned *ctr, unsigned target, unsigned ms)
{
	unsigned t0 = pit_poll();
	sti();
	while (*ctr < target && pit_poll() - t0 < ms)
		;
	cli();
	return *ctr >= target;
}

/* With interrupts on, spin until vector v is pending in IRR or ms PIT
 * periods passed (a timer may land late on a loaded host). */
static int wait_irr(uint32_t v, unsigned ms)
{
	unsigned t0 = pit_poll();
	sti();
	while (!lapic_bit(L_IRR, v) && pit_poll() - t0 < ms)
		;
	cli();
	return lapic_bit(L_IRR, v);
}

/* ms PIT periods with interrupts on. */
static void delay_ms(unsigned ms)
{
	static volatile unsigned never;
	wait_count(&never, 1, ms);
}

static void local_apic_regs(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	CHECK(r[3] & (1u << 9), "CPUID.1:EDX[9] (APIC) clear");
	uint64_t base = rdmsr(MSR_APIC_BASE);
	say("IA32_APIC_BASE %llx", base);
	CHECK((base & 0xFFFFFF000ull) == LAPIC_BASE, "APIC base %llx, expected fee00000", base);
	CHECK(base & (1u << 11), "APIC_BASE: global enable (bit 11) clear");
	CHECK(base & (1u << 8), "APIC_BASE: BSP (bit 8) clear");
	lapic_id = lapic_rd(L_ID) >> 24;
	CHECK(lapic_id == r[1] >> 24, "APIC ID %u, CPUID initial APIC ID %u", lapic_id, r[1] >> 24);
	uint32_t ver = lapic_rd(L_VER);
	say("local APIC ID %u, version %x (max LVT %u), SVR %x", lapic_id, ver, (ver >> 16) & 0xFF,
	    lapic_rd(L_SVR));
	CHECK((ver & 0xF0) == 0x10, "APIC version %x: not an integrated APIC (1x)", ver & 0xFF);
	CHECK(((ver >> 16) & 0xFF) >= 4, "max LVT entry %u < 4", (ver >> 16) & 0xFF);

	/* Software-disabled: an LVT entry stays masked (SDM §11.4.7.2). */
	lapic_wr(L_SVR, V_SPUR);
	lapic_wr(L_TIMER, V_TIMER);
	if (strict)
		CHECK(lapic_rd(L_TIMER) & LVT_MASK,
		      "LVT timer unmasked while the APIC is software-disabled");
	else if (!(lapic_rd(L_TIMER) & LVT_MASK))
		say("software-disabled APIC: LVT write unmasked the entry (QEMU 7.2; strict "
		    "fails)");
	lapic_wr(L_SVR, 0x100 | V_SPUR);
	CHECK((lapic_rd(L_SVR) & 0x1FF) == 0x1FF, "SVR read-back %x, expected 1ff",
	      lapic_rd(L_SVR));
	lapic_wr(L_TPR, 0);
	CHECK((lapic_rd(L_TPR) & 0xFF) == 0, "TPR read-back %x", lapic_rd(L_TPR));
	lapic_wr(L_TPR, 0x20);
	CHECK((lapic_rd(L_TPR) & 0xFF) == 0x20, "TPR read-back %x, expected 20", lapic_rd(L_TPR));
	lapic_wr(L_TPR, 0);
	lapic_wr(L_TIMER, LVT_MASK | V_TIMER);
	lapic_wr(L_TDIV, 0x3); /* divide by 16 */
	CHECK((lapic_rd(L_TDIV) & 0xB) == 0x3, "timer divide read-back %x", lapic_rd(L_TDIV));
}

static void timer_oneshot(void)
{
	const uint32_t init = 1000000;
	lapic_wr(L_TIMER, V_TIMER);
	lapic_wr(L_TINIT, init);
	uint32_t c1 = lapic_rd(L_TCUR);
	delay_ms(1);
	uint32_t c2 = lapic_rd(L_TCUR);
	CHECK(c1 <= init && c1 > 0, "one-shot: current count %u after loading %u", c1, init);
	CHECK(c2 < c1, "one-shot: current count not decreasing (%u then %u)", c1, c2);
	CHECK(wait_count(&hits[V_TIMER], 1, 5000), "one-shot: no interrupt in 5 s");
	CHECK(lapic_rd(L_TCUR) == 0, "one-shot: current count %u after the interrupt",
	      lapic_rd(L_TCUR));
	CHECK(isr_seen[V_TIMER], "one-shot: ISR bit clear in the handler");
	CHECK(!lapic_bit(L_ISR, V_TIMER), "one-shot: ISR bit still set after EOI");
	delay_ms(50);
	CHECK(hits[V_TIMER] == 1, "one-shot: %u interrupts", hits[V_TIMER]);
	CHECK(lapic_rd(L_TCUR) == 0, "one-shot: current count %u after expiry", lapic_rd(L_TCUR));
	say("one-shot: count %u -> %u -> 0, one interrupt", c1, c2);
}

static void timer_periodic(void)
{
	const uint32_t init = 50000;
	unsigned reloads = 0, above = 0, n0 = hits[V_TIMER];
	uint32_t prev = init;
	lapic_wr(L_TIMER, LVT_PERIODIC | V_TIMER);
	lapic_wr(L_TINIT, init);
	unsigned t0 = pit_poll();
	sti();
	while (hits[V_TIMER] < n0 + 20 && pit_poll() - t0 < 5000) {
		uint32_t c = lapic_rd(L_TCUR);
		if (c > init)
			above++;
		if (c > prev)
			reloads++;
		prev = c;
	}
	cli();
	unsigned ms = pit_poll() - t0, n = hits[V_TIMER] - n0;
	CHECK(n >= 20, "periodic: %u interrupts in 5 s", n);
	CHECK(above == 0, "periodic: current count above the initial count");
	CHECK(reloads > 0, "periodic: the current count never reloaded");
	say("periodic: %u interrupts in ~%u ms, %u reloads seen", n, ms, reloads);
	lapic_wr(L_TINIT, 0); /* stops the timer (SDM §11.5.4) */
	delay_ms(2);	      /* one may be pending in IRR still */
	n = hits[V_TIMER];
	CHECK(lapic_rd(L_TCUR) == 0, "periodic: current count %u after initial count 0",
	      lapic_rd(L_TCUR));
	delay_ms(20);
	CHECK(hits[V_TIMER] == n, "periodic: %u interrupts after stopping", hits[V_TIMER] - n);
}

/* TSC ticks per PIT period (1 ms), measured over 20 of them. */
static uint32_t tsc_per_ms(void)
{
	unsigned t = pit_poll();
	while (pit_poll() == t)
		;
	uint64_t a = rdtsc();
	t = pit_poll();
	while (pit_poll() - t < 20)
		;
	return (uint32_t)(rdtsc() - a) / 20;
}

static void timer_deadline(void)
{
	if (!cpuid_bit(1, 0, 2, 24)) {
		say("TSC-deadline: skipped (CPUID.1:ECX[24] clear)");
		return;
	}
	uint32_t per_ms = tsc_per_ms();
	say("TSC-deadline: %u TSC ticks per PIT ms", per_ms);
	unsigned n0 = hits[V_TIMER];
	lapic_wr(L_TIMER, LVT_DEADLINE | V_TIMER);
	wrmsr(MSR_TSC_DL, rdtsc() + 2ull * per_ms);
	CHECK(wait_count(&hits[V_TIMER], n0 + 1, 5000), "TSC-deadline: no interrupt in 5 s");
	CHECK(rdmsr(MSR_TSC_DL) == 0, "TSC-deadline: MSR %llx after the interrupt",
	      rdmsr(MSR_TSC_DL));
	delay_ms(20);
	CHECK(hits[V_TIMER] == n0 + 1, "TSC-deadline: %u interrupts", hits[V_TIMER] - n0);

	uint64_t dl = rdtsc() + 20ull * per_ms;
	wrmsr(MSR_TSC_DL, dl);
	CHECK(rdmsr(MSR_TSC_DL) == dl, "TSC-deadline: MSR read-back %llx, wrote %llx",
	      rdmsr(MSR_TSC_DL), dl);
	wrmsr(MSR_TSC_DL, 0);
	delay_ms(50);
	CHECK(hits[V_TIMER] == n0 + 1, "TSC-deadline: interrupt after writing 0 (disarm)");
	lapic_wr(L_TIMER, LVT_MASK | V_TIMER);
	say("TSC-deadline: one interrupt, MSR 0 after it, 0 disarms");
}

static void timer_masked(void)
{
	unsigned n = hits[V_TIMER];
	lapic_wr(L_TIMER, LVT_MASK | V_TIMER);
	lapic_wr(L_TINIT, 50000);
	unsigned t0 = pit_poll();
	sti();
	while (lapic_rd(L_TCUR) != 0 && pit_poll() - t0 < 5000)
		;
	cli();
	CHECK(lapic_rd(L_TCUR) == 0, "masked timer: count did not run out in 5 s");
	delay_ms(20);
	CHECK(hits[V_TIMER] == n, "masked timer: interrupt delivered");
	CHECK(!lapic_bit(L_IRR, V_TIMER), "masked timer: IRR bit set");
	say("masked LVT timer: count ran out, no interrupt");
}

static void priority(void)
{
	unsigned n = hits[V_TIMER];
	lapic_wr(L_TPR, V_TIMER & 0xF0); /* class 4 = the vector's: held */
	lapic_wr(L_TIMER, V_TIMER);
	lapic_wr(L_TINIT, 50000);
	unsigned t0 = pit_poll();
	sti();
	while (lapic_rd(L_TCUR) != 0 && pit_poll() - t0 < 5000)
		;
	cli();
	CHECK(wait_irr(V_TIMER, 2000), "TPR 40: IRR bit of vector 40 clear (not pending)");
	delay_ms(5);
	CHECK(hits[V_TIMER] == n, "TPR 40: vector 40 delivered");
	CHECK(lapic_bit(L_IRR, V_TIMER), "TPR 40: vector 40 left IRR");
	CHECK(!lapic_bit(L_ISR, V_TIMER), "TPR 40: ISR bit of vector 40 set");
	CHECK((lapic_rd(L_PPR) & 0xFF) == 0x40, "TPR 40: PPR %x", lapic_rd(L_PPR));
	lapic_wr(L_TPR, 0x30);
	CHECK(wait_count(&hits[V_TIMER], n + 1, 100), "TPR 30: held vector 40 not delivered");
	CHECK(isr_seen[V_TIMER], "in the handler: ISR bit clear");
	CHECK((ppr_seen[V_TIMER] & 0xF0) == 0x40, "in the handler: PPR %x, expected 40",
	      ppr_seen[V_TIMER]);
	CHECK(!lapic_bit(L_ISR, V_TIMER) && !lapic_bit(L_IRR, V_TIMER),
	      "after EOI: ISR/IRR bit set");
	CHECK((lapic_rd(L_PPR) & 0xFF) == 0x30, "after EOI: PPR %x, expected 30", lapic_rd(L_PPR));
	lapic_wr(L_TPR, 0);
	say("TPR: held in IRR at the vector's class, delivered below it");
}

static int icr_idle(void)
{
	for (int i = 0; i < 100000; i++) {
		if (!(lapic_rd(L_ICRLO) & (1u << 12)))
			return 1;
	}
	return 0;
}

static void self_ipi(void)
{
	lapic_wr(L_ICRHI, 0);
	lapic_wr(L_ICRLO, (1u << 18) | V_IPI4); /* fixed, shorthand self */
	CHECK(wait_count(&hits[V_IPI4], 1, 100), "self-IPI (shorthand) not delivered");
	CHECK(icr_idle(), "ICR delivery status stays busy");
	CHECK(isr_seen[V_IPI4], "self-IPI: ISR bit clear in the handler");
	lapic_wr(L_ICRHI, lapic_id << 24);
	lapic_wr(L_ICRLO, V_IPI4B); /* fixed, physical, no shorthand, to our ID */
	CHECK(wait_count(&hits[V_IPI4B], 1, 100), "IPI to own APIC ID not delivered");
	CHECK(icr_idle(), "ICR delivery status stays busy");
	CHECK(hits[V_IPI4] == 1 && hits[V_IPI4B] == 1, "IPIs delivered more than once");

	/* Class 5 in service (no EOI): class 4 waits, class 6 nests. */
	hold_eoi[V_IPI5] = 1;
	lapic_wr(L_ICRHI, 0);
	lapic_wr(L_ICRLO, (1u << 18) | V_IPI5);
	CHECK(wait_count(&hits[V_IPI5], 1, 100), "self-IPI 52 not delivered");
	CHECK(lapic_bit(L_ISR, V_IPI5), "vector 52 not in service without EOI");
	CHECK((lapic_rd(L_PPR) & 0xF0) == 0x50, "PPR %x with vector 52 in service",
	      lapic_rd(L_PPR));
	lapic_wr(L_ICRLO, (1u << 18) | V_IPI4);
	CHECK(wait_irr(V_IPI4, 100), "class-4 IPI not pending in IRR");
	delay_ms(5);
	CHECK(hits[V_IPI4] == 1, "class-4 IPI delivered while class 5 is in service");
	lapic_wr(L_ICRLO, (1u << 18) | V_IPI6);
	CHECK(wait_count(&hits[V_IPI6], 1, 100), "class-6 IPI not delivered over class 5");
	CHECK(hits[V_IPI4] == 1 && lapic_bit(L_ISR, V_IPI5),
	      "class-6 handler's EOI ended vector 52");
	eoi(); /* ends vector 52: the class-4 IPI goes in */
	CHECK(wait_count(&hits[V_IPI4], 2, 100), "class-4 IPI not delivered after the EOI");
	CHECK(!lapic_bit(L_ISR, V_IPI5) && !lapic_bit(L_ISR, V_IPI4), "ISR bits left set");
	hold_eoi[V_IPI5] = 0;
	say("self-IPI: shorthand and own ID; class 4 waits behind class 5, class 6 nests");
}

static void ioapic_pit(void)
{
	uint32_t id = ior(0), ver = ior(1);
	unsigned max = (ver >> 16) & 0xFF;
	say("IOAPIC ID %x, version register %x", id >> 24, ver);
	CHECK((ver & 0xFF) == 0x20 || (ver & 0xFF) == 0x11, "IOAPIC version %x", ver & 0xFF);
	CHECK(max >= 23, "IOAPIC max redirection entry %u < 23", max);
	for (unsigned pin = 0; pin <= max; pin++)
		iow(0x10 + 2 * pin, RE_MASK | 0x30);
	iow(0x10 + 2 * 2, RE_MASK | RE_LEVEL | 0xAB);
	iow(0x11 + 2 * 2, 0x5A000000);
	CHECK((ior(0x10 + 2 * 2) & 0x1AFFF) == (RE_MASK | RE_LEVEL | 0xAB),
	      "redirection entry read-back %x", ior(0x10 + 2 * 2));
	CHECK(ior(0x11 + 2 * 2) >> 24 == 0x5A, "redirection high read-back %x", ior(0x11 + 2 * 2));

	/* Pin 2 = ISA IRQ 0, the PIT (1 kHz since guest_main). */
	route(2, V_PIT);
	CHECK(wait_count(&hits[V_PIT], 10, 2000), "PIT via IOAPIC pin 2: %u interrupts in 2 s",
	      hits[V_PIT]);
	CHECK(isr_seen[V_PIT] && !tmr_seen[V_PIT], "PIT (edge): ISR %u TMR %u in the handler",
	      isr_seen[V_PIT], tmr_seen[V_PIT]);
	iow(0x10 + 2 * 2, RE_MASK | V_PIT);
	delay_ms(2); /* one in flight may still land */
	unsigned n = hits[V_PIT];
	delay_ms(20);
	CHECK(hits[V_PIT] == n, "PIT: %u interrupts through a masked entry", hits[V_PIT] - n);
	CHECK(!lapic_bit(L_IRR, V_PIT) && !lapic_bit(L_ISR, V_PIT), "PIT vector left in IRR/ISR");
	say("IOAPIC pin 2 (PIT): %u interrupts at vector %x, none when masked", n, V_PIT);
}

static void ioapic_rtc(void)
{
	cmos_write(0x0B, cmos_read(0x0B) & ~0x70);
	cmos_read(0x0C);
	cmos_write(0x0A, 0x26); /* 32.768 kHz base, rate 6: 1024 Hz */
	route(8, V_RTC);
	cmos_write(0x0B, cmos_read(0x0B) | 0x40); /* PIE */
	CHECK(wait_count(&rtc_flagged, 5, 2000), "RTC via IOAPIC pin 8: %u interrupts in 2 s",
	      rtc_flagged);
	CHECK((rtc_first_c & 0xC0) == 0xC0, "RTC register C %x in the first handler (PF|IRQF)",
	      rtc_first_c);
	CHECK(!tmr_seen[V_RTC], "RTC (edge entry): TMR bit set");
	cmos_write(0x0B, cmos_read(0x0B) & ~0x40);
	iow(0x10 + 2 * 8, RE_MASK | V_RTC);
	cmos_read(0x0C);
	say("IOAPIC pin 8 (RTC, edge): %u interrupts at vector %x", hits[V_RTC], V_RTC);

	/* Level, active high: the RTC line stays up until register C is read. */
	hold_eoi[V_RTCL] = 1;
	route(8, RE_LEVEL | V_RTCL);
	cmos_write(0x0B, cmos_read(0x0B) | 0x40);
	CHECK(wait_count(&hits[V_RTCL], 2, 2000),
	      "RTC level: %u interrupts (an EOI with the line up must deliver again)",
	      hits[V_RTCL]);
	uint32_t e = ior(0x10 + 2 * 8);
	CHECK(tmr_seen[V_RTCL] && isr_seen[V_RTCL], "RTC level: TMR %u ISR %u in the handler",
	      tmr_seen[V_RTCL], isr_seen[V_RTCL]);
	CHECK(e & RE_REMOTEIRR, "RTC level: Remote IRR clear before the EOI (entry %x)", e);
	CHECK(lapic_bit(L_ISR, V_RTCL), "RTC level: ISR bit clear before the EOI");
	eoi();
	e = ior(0x10 + 2 * 8);
	CHECK(!(e & RE_REMOTEIRR), "RTC level: Remote IRR set after the EOI (entry %x)", e);
	CHECK(!lapic_bit(L_ISR, V_RTCL), "RTC level: ISR bit set after the EOI");
	delay_ms(10);
	CHECK(hits[V_RTCL] == 2, "RTC level: %u interrupts, expected 2", hits[V_RTCL]);
	iow(0x10 + 2 * 8, RE_MASK | V_RTCL);
	hold_eoi[V_RTCL] = 0;
	say("IOAPIC pin 8 (RTC, level): redelivered after an early EOI, Remote IRR until EOI");
}

void guest_main(const char *cmdline)
{
	strict = cmdline_value(cmdline, "strict") != NULL;
	pic_init(0x20, 0x28);
	outb(0x21, 0xFF); /* OCW1: all masked; only the APIC path delivers */
	outb(0xA1, 0xFF);
	pit_init_hz(1000);
	for (int v = 0x40; v < 0x70; v++)
		set_irq_handler((uint32_t)v, lapic_irq);
	set_irq_handler(V_RTC, rtc_irq);
	set_irq_handler(V_RTCL, rtc_level_irq);
	set_irq_handler(V_SPUR, spurious_irq);

	local_apic_regs();
	timer_oneshot();
	timer_periodic();
	timer_deadline();
	timer_masked();
	priority();
	self_ipi();
	ioapic_pit();
	ioapic_rtc();
	lapic_wr(L_TIMER, LVT_MASK | V_TIMER);
	say("spurious-vector interrupts: %u", spurious);
}
