/*
 * smp - several CPUs: finding them (ACPI 6.4 §5.2.5-5.2.12, MP spec 1.4
 * ch. 4), starting them (Intel SDM vol. 3A §8.4.4: INIT, 10 ms, SIPI,
 * 200 µs, SIPI), interprocessor interrupts (§10.6) and what a second CPU
 * makes of shared memory and page tables (§4.10.5, TLB shootdown).
 *
 * Layout: the BSP finds the CPUs in the MADT (and the MP table), starts
 * each AP on its own with the lib's trampoline at AP_TRAMPOLINE (0x8000,
 * SIPI vector 0x08) and its own stack in .bss, and then drives every test
 * through a per-AP mailbox (struct cpu: cmd/cmd_seq from the BSP,
 * done_seq from the AP). The AP's main loop spins with interrupts on, so
 * IPIs reach it at any point. Only the BSP counts checks and uses the PIT:
 * every BSP wait is bounded by PIT periods (pit_poll(), 1 kHz), and the
 * APs wait for the BSP without bound (the BSP ends the run).
 *
 * All tests after the start run with paging on, both CPUs on the same
 * 32-bit page tables (the lib's identity map of 0-16 MiB, the local APIC
 * and IOAPIC pages, and two test pages VA and VA2 in one page table).
 *
 * What may legitimately differ between runs (a stale translation before
 * any flush, how often a CAS loses a race) is printed, never judged.
 */
#include "guest.h"

const char guest_name[] = "smp";

#define IOAPIC	      0xFEC00000u
#define MSR_APIC_BASE 0x1B

/* Local APIC registers (offsets). */
#define L_ID	0x020
#define L_TPR	0x080
#define L_EOI	0x0B0
#define L_LDR	0x0D0
#define L_DFR	0x0E0
#define L_SVR	0x0F0
#define L_ICRLO 0x300
#define L_ICRHI 0x310

#define ICR_FIXED	 (0u << 8)
#define ICR_INIT	 (5u << 8)
#define ICR_SIPI	 (6u << 8)
#define ICR_LOGICAL	 (1u << 11)
#define ICR_BUSY	 (1u << 12)
#define ICR_ASSERT	 (1u << 14)
#define ICR_LEVEL	 (1u << 15)
#define ICR_ALL_SELF	 (2u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)

/* Vectors. */
#define V_PING	  0x41 /* BSP -> AP */
#define V_PONG	  0x42 /* AP -> BSP */
#define V_BCAST	  0x43
#define V_LOGICAL 0x44
#define V_WAKE	  0x45
#define V_INVLPG  0x46 /* BSP -> APs: INVLPG VA */
#define V_CR3	  0x47 /* BSP -> APs: CR3 reload */
#define V_INVLPG2 0x48 /* AP -> BSP: INVLPG VA2 */
#define V_SPUR	  0xFF

#define MAX_CPUS 8 /* logical flat mode has 8 LDR bits */
#define AP_STACK 8192

/* Test pages (one page table, PDE 256) and their frames (scratch RAM). */
#define VA	   0x40000000u
#define VA2	   0x40001000u
#define PT_CTR_IDX 1000 /* a not-present entry of that table: a CAS counter */
#define FA	   0x900000u
#define FB	   0x901000u
#define FC	   0x902000u
#define FD	   0x903000u
#define MARK_A	   0x41414141u /* "AAAA" */
#define MARK_B	   0x42424242u
#define MARK_C	   0x43434343u
#define MARK_D	   0x44444444u

#define XADD_N	 100000u
#define PTCAS_N	 2000u
#define PINGS	 100u
#define WAKES	 20u
#define TLB_RNDS 50u /* per variant */
#define PT2_RNDS 50u

/* Commands to an AP (struct cpu.cmd). */
enum { CMD_NONE, CMD_XADD, CMD_PTCAS, CMD_HLT, CMD_READER, CMD_SETPTE, CMD_PARK };

/*
 * Per-CPU state. [B] written by the BSP, [A] by that AP (main loop), [H]
 * by an interrupt handler on the CPU it counts for.
 */
struct cpu {
	uint32_t apic_id;		/* [B] from the MADT */
	volatile uint32_t up;		/* [A] 1 once in C with paging on */
	volatile uint32_t id_seen;	/* [A] its LAPIC ID register */
	volatile uint32_t base_lo, esp; /* [A] IA32_APIC_BASE, ESP in C */
	volatile uint32_t cr0, cr3;	/* [A] after turning paging on */
	volatile uint32_t idt, svr;	/* [A] IDTR base, SVR read back */
	volatile uint32_t cmd, arg;	/* [B] the command, its argument */
	volatile uint32_t cmd_seq;	/* [B] bumped to post cmd */
	volatile uint32_t done_seq;	/* [A] = cmd_seq when done */
	volatile uint32_t ready;	/* [A] at the start line of a race */
	volatile uint32_t parked;	/* [A] in its final cli; hlt loop */
	volatile uint32_t nonmono;	/* [A] XADD results not increasing */
	volatile uint32_t cas_retries;	/* [A] LOCK CMPXCHG that lost */
	volatile uint32_t ping, pong, bcast, logical, wake_irq; /* [H] */
	volatile uint32_t halting, wakes; /* [A] HLTs entered / returned from */
	volatile uint32_t tlb_acked;	  /* [H] last flush round done */
	volatile uint32_t phase_seen;	  /* [A] reader: tlb_phase of its last read */
	volatile uint32_t checked;	  /* [A] reads judged (after its flush) */
	volatile uint32_t stale, stale_val, stale_round; /* [A] wrong after flush */
	volatile uint32_t other, other_val;		 /* [A] neither A nor B */
	volatile uint32_t seen_a, seen_b;		 /* [A] */
	uint8_t pad[64];
};

static struct cpu cpus[MAX_CPUS];
static unsigned ncpus;
static uint8_t cpu_of_id[256]; /* APIC ID -> index, 0xFF if none */
static uint32_t bsp_id;
static volatile unsigned boot_index; /* the AP being started */
static uint8_t ap_stacks[MAX_CPUS][AP_STACK] __attribute__((aligned(16)));
static uint32_t shared_cr3;
static volatile uint32_t *pte_va, *pte_va2, *pt_ctr;
static volatile uint32_t wrong_cpu; /* an IPI handled where it was not sent */
static volatile uint32_t spurious;

static volatile uint32_t xadd_ctr __attribute__((aligned(64)));
static volatile uint32_t go_xadd, go_ptcas, hlt_stop;
static volatile uint32_t tlb_phase, tlb_seq; /* [B] */
static volatile uint32_t inv2_done;	     /* [H] on the BSP */

/* ---------------------------------------------------------------- LAPIC */

static void eoi(void)
{
	lapic_wr(L_EOI, 0);
}

/* This CPU's index (0 = BSP), from its LAPIC ID. */
static unsigned self(void)
{
	return cpu_of_id[lapic_rd(L_ID) >> 24];
}

/* One ICR write (high then low) with interrupts off, so that a handler
 * sending an IPI cannot come between the two halves. */
static void ipi(uint32_t dest, uint32_t low)
{
	uint32_t fl;
	__asm__ volatile("pushfl; popl %0; cli" : "=r"(fl) : : "memory");
	for (int i = 0; lapic_rd(L_ICRLO) & ICR_BUSY; i++) {
		if (i == 1000000)
			fail("ICR delivery status stays busy (ICR %x)", lapic_rd(L_ICRLO));
	}
	lapic_wr(L_ICRHI, dest << 24);
	lapic_wr(L_ICRLO, low);
	if (fl & 0x200)
		sti();
}

/* ---------------------------------------------------------------- time */

#define PIT_DIV 1193u /* 1193182 Hz / 1 kHz, as pit_init_hz(1000) */

/* At least ms milliseconds (PIT periods). */
static void delay_ms(unsigned ms)
{
	unsigned t0 = pit_poll();
	while (pit_poll() - t0 < ms + 1)
		cpu_relax();
}

/* At least us microseconds, by the PIT count (input clock 1.193182 MHz). */
static void delay_us(unsigned us)
{
	uint32_t need = us * 1193u / 1000u + 1, got = 0;
	uint16_t prev = pit_read_count();
	while (got < need) {
		uint16_t c = pit_read_count();
		got += c <= prev ? (uint32_t)(prev - c) : (uint32_t)prev + PIT_DIV - c;
		prev = c;
	}
}

/* WAIT(cond, ms): spin until cond or ms PIT periods passed; cond's value. */
#define WAIT(cond, ms)                                               \
	({                                                           \
		unsigned t0_ = pit_poll();                           \
		while (!(cond) && pit_poll() - t0_ < (unsigned)(ms)) \
			cpu_relax();                                 \
		(cond);                                              \
	})
#define TMO 3000 /* ms: the bound of every wait for another CPU */

/* ---------------------------------------------------------------- tables */

static uint8_t sum8(uint32_t pa, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + *(volatile uint8_t *)(pa + i));
	return s;
}

static uint32_t rd32(uint32_t pa)
{
	return *(volatile uint32_t *)pa;
}

static uint16_t rd16(uint32_t pa)
{
	return *(volatile uint16_t *)pa;
}

static int sig(uint32_t pa, const char *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (*(volatile char *)(pa + i) != s[i])
			return 0;
	}
	return 1;
}

/* The ACPI table with signature s4 among the RSDT's (width 4) or XSDT's
 * (width 8) entries, or 0. */
static uint32_t acpi_find(uint32_t sdt, uint32_t width, const char *s4)
{
	uint32_t n = (rd32(sdt + 4) - 36) / width;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = rd32(sdt + 36 + i * width);
		if (width == 8 && rd32(sdt + 36 + i * width + 4))
			continue; /* above 4 GiB: not ours */
		if (t && sig(t, s4, 4))
			return t;
	}
	return 0;
}

/* ACPI: RSDP (on a 16-byte boundary in 0xE0000-0xFFFFF, ACPI §5.2.5.1),
 * RSDT or XSDT, MADT; fills cpus[] with the enabled Processor Local APIC
 * entries. Paging off. */
static void madt_cpus(void)
{
	uint32_t rsdp = 0;
	for (uint32_t a = 0xE0000; a < 0x100000 && !rsdp; a += 16) {
		if (sig(a, "RSD PTR ", 8) && sum8(a, 20) == 0)
			rsdp = a;
	}
	CHECK(rsdp, "no RSDP (\"RSD PTR \" with a valid checksum) in 0xE0000-0xFFFFF");
	uint8_t rev = *(volatile uint8_t *)(rsdp + 15);
	uint32_t sdt = rd32(rsdp + 16), width = 4;
	const char *sdt_sig = "RSDT";
	if (rev >= 2 && rd32(rsdp + 24) && !rd32(rsdp + 28)) {
		CHECK(sum8(rsdp, rd32(rsdp + 20)) == 0, "RSDP extended checksum wrong");
		sdt = rd32(rsdp + 24), width = 8, sdt_sig = "XSDT";
	}
	say("RSDP at %x, revision %u, %s at %x", rsdp, rev, sdt_sig, sdt);
	CHECK(sdt && sig(sdt, sdt_sig, 4) && sum8(sdt, rd32(sdt + 4)) == 0,
	      "%s at %x: bad signature or checksum", sdt_sig, sdt);
	uint32_t madt = acpi_find(sdt, width, "APIC");
	CHECK(madt, "no MADT (\"APIC\") in the %s", sdt_sig);
	uint32_t len = rd32(madt + 4);
	CHECK(sum8(madt, len) == 0, "MADT at %x: checksum wrong", madt);
	CHECK(rd32(madt + 36) == LAPIC_BASE, "MADT local APIC address %x, expected fee00000",
	      rd32(madt + 36));
	unsigned ioapics = 0, disabled = 0, x2 = 0;
	for (uint32_t p = madt + 44; p + 2 <= madt + len;) {
		uint8_t type = *(volatile uint8_t *)p, elen = *(volatile uint8_t *)(p + 1);
		if (elen < 2)
			fail("MADT entry at %x has length %u", p, elen);
		if (type == 0 && elen >= 8) {
			uint8_t id = *(volatile uint8_t *)(p + 3);
			if (!(rd32(p + 4) & 1))
				disabled++;
			else if (ncpus < MAX_CPUS)
				cpus[ncpus++].apic_id = id;
			else
				fail("more than %u enabled processors in the MADT", MAX_CPUS);
		} else if (type == 1 && elen >= 12 && rd32(p + 4) == IOAPIC) {
			ioapics++;
		} else if (type == 9) {
			x2++;
		}
		p += elen;
	}
	say("MADT at %x: %u enabled processors, %u disabled, %u x2APIC entries, IOAPIC at "
	    "fec00000 listed %u times",
	    madt, ncpus, disabled, x2, ioapics);
	CHECK(ioapics == 1, "MADT lists the IOAPIC at fec00000 %u times", ioapics);
}

/* MP floating pointer "_MP_" (MP spec 1.4 §4.1): in the first KiB of the
 * EBDA, the last KiB of base memory, or 0xF0000-0xFFFFF. */
static uint32_t mp_scan(uint32_t from, uint32_t len)
{
	for (uint32_t a = from; a < from + len; a += 16) {
		if (sig(a, "_MP_", 4) && sum8(a, 16) == 0)
			return a;
	}
	return 0;
}

static void mp_table_cpus(void)
{
	uint32_t bda = 0x40E;	 /* the EBDA segment in the BIOS data area */
	__asm__("" : "+r"(bda)); /* an address, not an object, to the compiler */
	uint32_t ebda = (uint32_t)rd16(bda) << 4;
	uint32_t fp = ebda ? mp_scan(ebda, 1024) : 0;
	if (!fp)
		fp = mp_scan(0x9FC00, 1024);
	if (!fp)
		fp = mp_scan(0xF0000, 0x10000);
	CHECK(fp, "no MP floating pointer (\"_MP_\")");
	uint32_t ct = rd32(fp + 4);
	CHECK(ct && sig(ct, "PCMP", 4) && sum8(ct, rd16(ct + 4)) == 0,
	      "MP configuration table at %x: bad signature or checksum", ct);
	unsigned n = rd16(ct + 34), procs = 0, bp = 0, ioapic = 0, bad = 0;
	uint32_t p = ct + 44;
	for (unsigned i = 0; i < n; i++) {
		uint8_t type = *(volatile uint8_t *)p;
		if (type == 0) {
			uint8_t id = *(volatile uint8_t *)(p + 1);
			uint8_t fl = *(volatile uint8_t *)(p + 3);
			if (fl & 1) {
				procs++;
				if (cpu_of_id[id] == 0xFF)
					bad++;
			}
			if (fl & 2)
				bp += id == bsp_id ? 1 : 100;
			p += 20;
		} else {
			if (type == 2 && rd32(p + 4) == IOAPIC)
				ioapic++;
			p += 8;
		}
	}
	say("MP table at %x (config %x): %u enabled processors, BSP flagged %u, IOAPIC %u", fp, ct,
	    procs, bp, ioapic);
	/* Not the CPU count: SeaBIOS (QEMU 7.2) lists only the BSP there. */
	CHECK(procs >= 1 && !bad, "MP table: %u enabled processors, %u of them not in the MADT",
	      procs, bad);
	CHECK(bp == 1, "MP table: the BSP (APIC ID %u) is not the one processor flagged BP",
	      bsp_id);
	CHECK(ioapic == 1, "MP table lists the IOAPIC at fec00000 %u times", ioapic);
}

/* ---------------------------------------------------------------- handlers */

static void ping_irq(uint32_t v)
{
	(void)v;
	unsigned i = self();
	if (i == 0 || i >= ncpus) {
		wrong_cpu++;
	} else {
		cpus[i].ping++;
		ipi(bsp_id, ICR_FIXED | V_PONG); /* from the handler: the answer */
	}
	eoi();
}

static void pong_irq(uint32_t v)
{
	(void)v;
	if (self() != 0)
		wrong_cpu++;
	else
		cpus[0].pong++;
	eoi();
}

static void count_irq(uint32_t v)
{
	unsigned i = self();
	if (i >= ncpus)
		wrong_cpu++;
	else if (v == V_BCAST)
		cpus[i].bcast++;
	else if (v == V_LOGICAL)
		cpus[i].logical++;
	else
		cpus[i].wake_irq++;
	eoi();
}

/* TLB shootdown on an AP: flush VA (or everything) and say which round. */
static void flush_irq(uint32_t v)
{
	unsigned i = self();
	if (v == V_INVLPG)
		invlpg(VA);
	else
		write_cr3(read_cr3());
	if (i == 0 || i >= ncpus)
		wrong_cpu++;
	else
		cpus[i].tlb_acked = tlb_seq;
	eoi();
}

static void inv2_irq(uint32_t v)
{
	(void)v;
	invlpg(VA2);
	if (self() != 0)
		wrong_cpu++;
	inv2_done++;
	eoi();
}

static void spurious_irq(uint32_t v)
{
	(void)v;
	spurious++; /* no EOI for the spurious vector */
}

/* ---------------------------------------------------------------- the AP */

static uint32_t xadd(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

static void ap_xadd(struct cpu *c)
{
	uint32_t last = 0;
	c->ready = 1;
	while (!go_xadd)
		cpu_relax();
	for (uint32_t n = 0; n < XADD_N; n++) {
		uint32_t old = xadd(&xadd_ctr, 1);
		if (n && old <= last)
			c->nonmono++;
		last = old;
	}
}

/* +2 by LOCK CMPXCHG on a not-present entry of a live page table (bit 0
 * stays clear). */
static void ptcas(struct cpu *c, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		uint32_t old = *pt_ctr;
		while (!__atomic_compare_exchange_n(pt_ctr, &old, old + 2, 0, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST))
			c->cas_retries++;
	}
}

static void ap_hlt(struct cpu *c)
{
	cli();
	while (!hlt_stop) {
		c->halting++;
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		c->wakes++;
	}
	sti();
}

/*
 * The TLB reader: reads VA until tlb_phase is PH_END. tlb_phase is
 * 2 * round (the BSP is changing the PTE) or 2 * round + 1 (checking); a
 * read made after this CPU's flush of round r (tlb_acked == r read before
 * it) while the phase is still round r's must see that round's frame
 * (B in odd rounds, A in even ones).
 */
#define PH_END 0xFFFFFFFFu
static void ap_reader(struct cpu *c)
{
	for (;;) {
		uint32_t ph = tlb_phase;
		if (ph == PH_END)
			break;
		uint32_t a = c->tlb_acked, want = (a & 1) ? MARK_B : MARK_A;
		uint32_t v = *(volatile uint32_t *)VA;
		if (v == MARK_A)
			c->seen_a++;
		else if (v == MARK_B)
			c->seen_b++;
		else
			c->other++, c->other_val = v;
		if (a && a == ph >> 1) {
			if (v != want)
				c->stale++, c->stale_val = v, c->stale_round = a;
			else
				c->checked++;
		}
		c->phase_seen = ph;
	}
}

static uint32_t idt_base(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} d;
	__asm__ volatile("sidt %0" : "=m"(d));
	return d.base;
}

static __attribute__((noreturn)) void ap_park(struct cpu *c)
{
	cli();
	c->parked = 1;
	for (;;)
		__asm__ volatile("hlt");
}

static __attribute__((noreturn)) void ap_main(void)
{
	struct cpu *c = &cpus[boot_index];
	uint32_t esp;
	__asm__ volatile("mov %%esp, %0" : "=r"(esp));
	c->esp = esp;
	c->id_seen = lapic_rd(L_ID) >> 24;
	c->base_lo = (uint32_t)rdmsr(MSR_APIC_BASE);
	lapic_wr(L_SVR, 0x100 | V_SPUR);
	c->svr = lapic_rd(L_SVR);
	c->idt = idt_base();
	lapic_wr(L_TPR, 0);
	lapic_wr(L_DFR, 0xFFFFFFFFu); /* flat model */
	lapic_wr(L_LDR, (1u << (c - cpus)) << 24);
	paging_enable(shared_cr3, 0);
	c->cr0 = read_cr0();
	c->cr3 = read_cr3();
	barrier();
	c->up = 1;
	sti();
	for (;;) {
		while (c->done_seq == c->cmd_seq)
			cpu_relax();
		barrier();
		switch (c->cmd) {
		case CMD_XADD:
			ap_xadd(c);
			break;
		case CMD_PTCAS:
			c->ready = 1;
			while (!go_ptcas)
				cpu_relax();
			ptcas(c, PTCAS_N);
			break;
		case CMD_HLT:
			ap_hlt(c);
			break;
		case CMD_READER:
			ap_reader(c);
			break;
		case CMD_SETPTE:
			*pte_va2 = c->arg | (uint32_t)(PTE_P | PTE_W);
			ipi(bsp_id, ICR_FIXED | V_INVLPG2);
			break;
		case CMD_PARK:
			ap_park(c);
		}
		barrier();
		c->done_seq = c->cmd_seq;
	}
}

/* ---------------------------------------------------------------- the BSP */

static void post(unsigned i, uint32_t cmd, uint32_t arg)
{
	cpus[i].cmd = cmd;
	cpus[i].arg = arg;
	barrier();
	cpus[i].cmd_seq++;
}

static int idle(unsigned i)
{
	return cpus[i].done_seq == cpus[i].cmd_seq;
}

static void start_aps(void)
{
	for (unsigned i = 1; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		ap_prepare(ap_main, (uint32_t)ap_stacks[i] + AP_STACK);
		boot_index = i;
		barrier();
		/* INIT assert, INIT level de-assert (Linux sends both), 10 ms. */
		ipi(c->apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
		ipi(c->apic_id, ICR_INIT | ICR_LEVEL);
		delay_ms(10);
		ipi(c->apic_id, ICR_SIPI | (AP_TRAMPOLINE >> 12));
		delay_us(200);
		ipi(c->apic_id, ICR_SIPI | (AP_TRAMPOLINE >> 12));
		CHECK(WAIT(c->up, TMO),
		      "AP %u (APIC ID %u): not running %u ms after INIT-SIPI-SIPI", i, c->apic_id,
		      TMO);
		for (unsigned j = i + 1; j < ncpus; j++)
			CHECK(!cpus[j].up, "AP %u started by the SIPI to APIC ID %u", j,
			      c->apic_id);
		CHECK(c->id_seen == c->apic_id && c->id_seen != bsp_id,
		      "AP %u: LAPIC ID %u, sent to %u (BSP %u)", i, c->id_seen, c->apic_id, bsp_id);
		CHECK((c->base_lo & 0xFFFFF900u) == (LAPIC_BASE | 0x800),
		      "AP %u: IA32_APIC_BASE %x (want base fee00000, enabled, BSP clear)", i,
		      c->base_lo);
		uint32_t lo = (uint32_t)ap_stacks[i];
		CHECK(c->esp > lo && c->esp <= lo + AP_STACK, "AP %u: ESP %x not on its stack %x",
		      i, c->esp, lo);
		CHECK(c->cr3 == shared_cr3 && (c->cr0 & CR0_PG), "AP %u: CR3 %x CR0 %x", i, c->cr3,
		      c->cr0);
		CHECK(c->idt == idt_base() && (c->svr & 0x1FF) == (0x100 | V_SPUR),
		      "AP %u: IDT base %x (BSP %x), SVR %x", i, c->idt, idt_base(), c->svr);
		say("AP %u up: APIC ID %u, IA32_APIC_BASE %x, stack %x, paging on", i, c->id_seen,
		    c->base_lo, c->esp);
	}
}

/* Bounded wait for cpus[i] to finish its command. */
static void wait_idle(unsigned i, const char *what)
{
	CHECK(WAIT(idle(i), TMO), "AP %u: %s not done in %u ms", i, what, TMO);
}

static void ping_pong(void)
{
	for (unsigned i = 1; i < ncpus; i++) {
		uint32_t p0 = cpus[i].ping, q0 = cpus[0].pong;
		for (uint32_t n = 1; n <= PINGS; n++) {
			ipi(cpus[i].apic_id, ICR_FIXED | V_PING);
			CHECK(WAIT(cpus[0].pong == q0 + n, TMO),
			      "ping-pong with AP %u: round %u, %u pings, %u pongs", i, n,
			      cpus[i].ping - p0, cpus[0].pong - q0);
		}
		delay_ms(10);
		CHECK(cpus[i].ping - p0 == PINGS && cpus[0].pong - q0 == PINGS,
		      "ping-pong with AP %u: %u pings, %u pongs, expected %u", i, cpus[i].ping - p0,
		      cpus[0].pong - q0, PINGS);
	}
	say("fixed IPIs, physical destination: %u ping-pong rounds with each of %u APs", PINGS,
	    ncpus - 1);
}

static int all_aps(volatile uint32_t *field0, uint32_t want)
{
	unsigned off = (unsigned)((uintptr_t)field0 - (uintptr_t)&cpus[0]);
	for (unsigned i = 1; i < ncpus; i++) {
		if (*(volatile uint32_t *)((uintptr_t)&cpus[i] + off) != want)
			return 0;
	}
	return 1;
}

static void broadcast(void)
{
	ipi(0, ICR_ALL_BUT_SELF | V_BCAST);
	CHECK(WAIT(all_aps(&cpus[0].bcast, 1), TMO), "all-excluding-self IPI: not every AP got it");
	delay_ms(10);
	CHECK(all_aps(&cpus[0].bcast, 1), "all-excluding-self IPI: an AP got it twice");
	CHECK(cpus[0].bcast == 0, "all-excluding-self IPI reached the sender");
	ipi(0, ICR_ALL_SELF | V_BCAST);
	CHECK(WAIT(all_aps(&cpus[0].bcast, 2) && cpus[0].bcast == 1, TMO),
	      "all-including-self IPI: not every CPU got it (BSP %u)", cpus[0].bcast);
	delay_ms(10);
	CHECK(all_aps(&cpus[0].bcast, 2) && cpus[0].bcast == 1,
	      "all-including-self IPI: a CPU got it twice");
	say("shorthand IPIs: all excluding self, all including self, each CPU once");
}

static unsigned logical_sum(void)
{
	unsigned s = 0;
	for (unsigned i = 0; i < ncpus; i++)
		s += cpus[i].logical;
	return s;
}

static void logical(void)
{
	lapic_wr(L_DFR, 0xFFFFFFFFu);
	lapic_wr(L_LDR, 1u << 24);
	for (unsigned i = 1; i < ncpus; i++) {
		unsigned before = logical_sum();
		uint32_t n = cpus[i].logical;
		ipi(1u << i, ICR_LOGICAL | ICR_FIXED | V_LOGICAL);
		CHECK(WAIT(cpus[i].logical == n + 1, TMO),
		      "logical destination %x (flat): AP %u did not get it", 1u << i, i);
		delay_ms(10);
		CHECK(logical_sum() == before + 1,
		      "logical destination %x (flat): %u CPUs got it, expected only AP %u", 1u << i,
		      logical_sum() - before, i);
	}
	/* Every AP's bit at once. */
	uint32_t mask = ((1u << ncpus) - 1) & ~1u;
	unsigned before = logical_sum();
	ipi(mask, ICR_LOGICAL | ICR_FIXED | V_LOGICAL);
	CHECK(WAIT(all_aps(&cpus[0].logical, 2), TMO), "logical destination %x: not every AP",
	      mask);
	delay_ms(10);
	CHECK(logical_sum() == before + ncpus - 1 && cpus[0].logical == 0,
	      "logical destination %x: %u deliveries (BSP %u), expected %u", mask,
	      logical_sum() - before, cpus[0].logical, ncpus - 1);
	say("logical flat destinations: each AP's bit alone, then all APs' bits");
}

static void hlt_wake(void)
{
	for (unsigned i = 1; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		hlt_stop = 0;
		uint32_t h0 = c->halting, w0 = c->wakes, q0 = c->wake_irq;
		post(i, CMD_HLT, 0);
		for (uint32_t n = 1; n <= WAKES; n++) {
			CHECK(WAIT(c->halting - h0 == n, TMO), "AP %u: did not get to HLT %u", i,
			      n);
			delay_ms(1); /* most likely halted by now; correct either way */
			CHECK(c->wakes - w0 == n - 1,
			      "AP %u: left HLT with no IPI (%u wakes, %u IPIs)", i, c->wakes - w0,
			      n - 1);
			ipi(c->apic_id, ICR_FIXED | V_WAKE);
			CHECK(WAIT(c->wakes - w0 == n, TMO),
			      "AP %u: IPI %u did not wake it from HLT (%u interrupts taken)", i, n,
			      c->wake_irq - q0);
		}
		hlt_stop = 1;
		ipi(c->apic_id, ICR_FIXED | V_WAKE);
		wait_idle(i, "the HLT loop");
		CHECK(c->wakes - w0 == WAKES + 1 && c->wake_irq - q0 == WAKES + 1,
		      "AP %u: %u wakes, %u interrupts, expected %u", i, c->wakes - w0,
		      c->wake_irq - q0, WAKES + 1);
	}
	say("HLT with IF = 1: each fixed IPI woke the AP once (%u per AP)", WAKES);
}

static void shared_counter(void)
{
	xadd_ctr = 0;
	for (unsigned i = 1; i < ncpus; i++)
		cpus[i].ready = 0, post(i, CMD_XADD, 0);
	CHECK(WAIT(all_aps(&cpus[0].ready, 1), TMO), "not every AP got to the XADD start");
	go_xadd = 1;
	uint32_t last = 0, nonmono = 0;
	for (uint32_t n = 0; n < XADD_N; n++) {
		uint32_t old = xadd(&xadd_ctr, 1);
		if (n && old <= last)
			nonmono++;
		last = old;
	}
	for (unsigned i = 1; i < ncpus; i++)
		wait_idle(i, "the XADD loop");
	for (unsigned i = 1; i < ncpus; i++)
		nonmono += cpus[i].nonmono;
	CHECK(xadd_ctr == XADD_N * ncpus, "LOCK XADD: counter %u, expected %u", xadd_ctr,
	      XADD_N * ncpus);
	CHECK(nonmono == 0, "LOCK XADD: a CPU got an old value not above its previous one");
	say("LOCK XADD: %u CPUs x %u increments = %u", ncpus, XADD_N, xadd_ctr);

	/* LOCK CMPXCHG on a page-table page (a VMM that write-protects it
	 * must emulate each one atomically across CPUs). */
	*pt_ctr = 0;
	for (unsigned i = 1; i < ncpus; i++)
		cpus[i].ready = 0, post(i, CMD_PTCAS, 0);
	CHECK(WAIT(all_aps(&cpus[0].ready, 1), TMO), "not every AP got to the CMPXCHG start");
	go_ptcas = 1;
	ptcas(&cpus[0], PTCAS_N);
	for (unsigned i = 1; i < ncpus; i++)
		wait_idle(i, "the CMPXCHG loop");
	unsigned retries = 0;
	for (unsigned i = 0; i < ncpus; i++)
		retries += cpus[i].cas_retries;
	CHECK(*pt_ctr == 2 * PTCAS_N * ncpus, "LOCK CMPXCHG in a page table: %u, expected %u",
	      *pt_ctr, 2 * PTCAS_N * ncpus);
	*pt_ctr = 0;
	say("LOCK CMPXCHG on an entry of a live page table: %u CPUs x %u, %u lost races", ncpus,
	    PTCAS_N, retries);
}

/* ---- TLB shootdown: the BSP changes VA's PTE while every AP reads VA. */

static void tlb_round(uint32_t r, int how)
{
	uint32_t frame = (r & 1) ? FB : FA, mark = (r & 1) ? MARK_B : MARK_A;
	uint32_t base[MAX_CPUS];
	tlb_phase = 2 * r;
	CHECK(WAIT(all_aps(&cpus[0].phase_seen, 2 * r), TMO), "TLB round %u: readers stuck", r);
	for (unsigned i = 1; i < ncpus; i++)
		base[i] = cpus[i].checked;
	*pte_va = frame | (uint32_t)(PTE_P | PTE_W);
	if (how == 2)
		delay_ms(2); /* the APs read on, old or new: not judged */
	tlb_seq = r;
	barrier();
	uint32_t vec = how == 1 ? V_CR3 : V_INVLPG;
	if (r & 1) {
		ipi(0, ICR_ALL_BUT_SELF | vec);
	} else {
		for (unsigned i = 1; i < ncpus; i++)
			ipi(cpus[i].apic_id, ICR_FIXED | vec);
	}
	CHECK(WAIT(all_aps(&cpus[0].tlb_acked, r), TMO), "TLB round %u: flush IPI not acked", r);
	tlb_phase = 2 * r + 1;
	for (unsigned i = 1; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		CHECK(WAIT(c->checked - base[i] >= 20 || c->stale, TMO),
		      "TLB round %u: AP %u made no reads after its flush", r, i);
		CHECK(!c->stale, "TLB round %u (%s): AP %u read %x at VA after its flush, want %x",
		      c->stale_round, how == 1 ? "CR3 reload" : "INVLPG", i, c->stale_val, mark);
	}
}

static void tlb_shootdown(void)
{
	static const char *const names[] = { "PTE write, IPI, INVLPG", "PTE write, IPI, CR3 reload",
					     "PTE write while reading, 2 ms, IPI, INVLPG" };
	*pte_va = FA | (uint32_t)(PTE_P | PTE_W);
	tlb_phase = 0;
	for (unsigned i = 1; i < ncpus; i++) {
		cpus[i].tlb_acked = 0;
		cpus[i].phase_seen = 0xFFFFFFFEu;
		post(i, CMD_READER, 0);
	}
	uint32_t r = 1;
	for (int how = 0; how < 3; how++) {
		uint32_t a0 = 0, b0 = 0;
		for (unsigned i = 1; i < ncpus; i++)
			a0 += cpus[i].seen_a, b0 += cpus[i].seen_b;
		for (uint32_t k = 0; k < TLB_RNDS; k++, r++)
			tlb_round(r, how);
		uint32_t a1 = 0, b1 = 0, chk = 0;
		for (unsigned i = 1; i < ncpus; i++)
			a1 += cpus[i].seen_a, b1 += cpus[i].seen_b, chk += cpus[i].checked;
		say("TLB shootdown, %s: %u rounds, APs read A %u, B %u times", names[how], TLB_RNDS,
		    a1 - a0, b1 - b0);
	}
	tlb_phase = PH_END;
	for (unsigned i = 1; i < ncpus; i++) {
		wait_idle(i, "the TLB reader");
		CHECK(!cpus[i].other, "AP %u read %x at VA (neither frame A nor B)", i,
		      cpus[i].other_val);
	}
}

/* ---- An AP writes VA2's PTE; the BSP flushes on its IPI and must see it. */
static void remote_pte_write(void)
{
	uint32_t odd = 0;
	for (uint32_t r = 1; r <= PT2_RNDS; r++) {
		unsigned i = 1 + r % (ncpus - 1);
		uint32_t oldm = (r & 1) ? MARK_D : MARK_C;
		uint32_t frame = (r & 1) ? FC : FD, mark = (r & 1) ? MARK_C : MARK_D;
		uint32_t v = *(volatile uint32_t *)VA2; /* cached now */
		CHECK(v == oldm, "VA2 round %u: reads %x before the change, want %x", r, v, oldm);
		uint32_t n = inv2_done;
		post(i, CMD_SETPTE, frame);
		unsigned t0 = pit_poll();
		while (inv2_done == n && pit_poll() - t0 < TMO) {
			v = *(volatile uint32_t *)VA2; /* old or new until the flush */
			if (v != oldm && v != mark)
				odd++;
		}
		CHECK(inv2_done == n + 1, "VA2 round %u: no IPI from AP %u after its PTE write", r,
		      i);
		v = *(volatile uint32_t *)VA2;
		CHECK(v == mark,
		      "VA2 round %u: reads %x after AP %u's PTE write and INVLPG, want %x", r, v, i,
		      mark);
		wait_idle(i, "the PTE write");
	}
	CHECK(!odd, "VA2: %u reads of neither frame C nor D", odd);
	say("PTE written by an AP, IPI, INVLPG on the BSP: new frame seen, %u rounds", PT2_RNDS);
}

static void park(void)
{
	for (unsigned i = 1; i < ncpus; i++) {
		post(i, CMD_PARK, 0);
		CHECK(WAIT(cpus[i].parked, TMO), "AP %u did not park", i);
	}
	delay_ms(2);
	/* IF = 0 in HLT: a fixed IPI stays pending, no handler runs. */
	for (unsigned i = 1; i < ncpus; i++) {
		uint32_t n = cpus[i].ping, q = cpus[0].pong;
		ipi(cpus[i].apic_id, ICR_FIXED | V_PING);
		delay_ms(10);
		CHECK(cpus[i].ping == n && cpus[0].pong == q, "AP %u took an IPI with IF = 0", i);
	}
	say("APs parked (cli; hlt)");
}

static void setup_paging(void)
{
	uint32_t *pd = ident32();
	map32(pd, LAPIC_BASE, LAPIC_BASE, (uint32_t)(PTE_P | PTE_W) | 0x18,
	      PTE_P | PTE_W); /* PCD PWT */
	map32(pd, IOAPIC, IOAPIC, (uint32_t)(PTE_P | PTE_W) | 0x18, PTE_P | PTE_W);
	pte_va = map32(pd, VA, FA, PTE_P | PTE_W, PTE_P | PTE_W);
	pte_va2 = map32(pd, VA2, FD, PTE_P | PTE_W, PTE_P | PTE_W);
	pt_ctr = pte_va + PT_CTR_IDX;
	*(volatile uint32_t *)FA = MARK_A;
	*(volatile uint32_t *)FB = MARK_B;
	*(volatile uint32_t *)FC = MARK_C;
	*(volatile uint32_t *)FD = MARK_D;
	shared_cr3 = (uint32_t)pd;
	paging_enable(shared_cr3, 0);
}

void guest_main(const char *cmdline)
{
	const char *want = cmdline_value(cmdline, "cpus=");
	memset(cpu_of_id, 0xFF, sizeof(cpu_of_id));

	/* Only the APIC path delivers: 8259As and IOAPIC entries masked. */
	pic_init(0x20, 0x28);
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	pit_init_hz(1000);
	mmio_write32(IOAPIC, 1);
	unsigned max = (mmio_read32(IOAPIC + 0x10) >> 16) & 0xFF;
	for (unsigned pin = 0; pin <= max; pin++) {
		mmio_write32(IOAPIC, 0x10 + 2 * pin);
		mmio_write32(IOAPIC + 0x10, (1u << 16) | 0x30);
	}

	uint64_t base = rdmsr(MSR_APIC_BASE);
	CHECK((base & 0xFFFFFF900ull) == (LAPIC_BASE | 0x900),
	      "BSP: IA32_APIC_BASE %llx (want base fee00000, enabled, BSP)", base);
	bsp_id = lapic_rd(L_ID) >> 24;
	lapic_wr(L_SVR, 0x100 | V_SPUR);
	lapic_wr(L_TPR, 0);

	madt_cpus();
	if (ncpus < 2)
		fail("the MADT lists %u enabled processor%s; smp needs 2 or more (-smp 2)", ncpus,
		     ncpus == 1 ? "" : "s");
	if (want)
		CHECK(ncpus == parse_uint(want), "the MADT lists %u processors, cpus=%u asked",
		      ncpus, (unsigned)parse_uint(want));
	for (unsigned i = 0; i < ncpus; i++) {
		CHECK(cpu_of_id[cpus[i].apic_id] == 0xFF, "APIC ID %u listed twice",
		      cpus[i].apic_id);
		cpu_of_id[cpus[i].apic_id] = (uint8_t)i;
	}
	/* The BSP is cpus[0]. */
	CHECK(cpu_of_id[bsp_id] != 0xFF, "the BSP's APIC ID %u is not in the MADT", bsp_id);
	unsigned b = cpu_of_id[bsp_id];
	uint32_t t = cpus[0].apic_id;
	cpus[0].apic_id = bsp_id, cpus[b].apic_id = t;
	cpu_of_id[t] = (uint8_t)b, cpu_of_id[bsp_id] = 0;
	mp_table_cpus();

	set_irq_handler(V_PING, ping_irq);
	set_irq_handler(V_PONG, pong_irq);
	set_irq_handler(V_BCAST, count_irq);
	set_irq_handler(V_LOGICAL, count_irq);
	set_irq_handler(V_WAKE, count_irq);
	set_irq_handler(V_INVLPG, flush_irq);
	set_irq_handler(V_CR3, flush_irq);
	set_irq_handler(V_INVLPG2, inv2_irq);
	set_irq_handler(V_SPUR, spurious_irq);

	setup_paging();
	sti();
	start_aps();
	say("%u CPUs running, BSP APIC ID %u", ncpus, bsp_id);
	ping_pong();
	broadcast();
	logical();
	hlt_wake();
	shared_counter();
	tlb_shootdown();
	remote_pte_write();
	park();
	cli();
	CHECK(wrong_cpu == 0, "%u IPIs handled on a CPU they were not sent to", wrong_cpu);
	say("spurious-vector interrupts: %u", spurious);
}
