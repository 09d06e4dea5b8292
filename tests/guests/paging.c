/*
 * paging - every paging mode and the transitions between them (AMD APM
 * vol. 2 §5, §14.6-14.7): protected mode with paging off, 32-bit 2-level
 * paging, 32-bit with PSE 4 MiB pages, PAE with 4 KiB and 2 MiB pages (and
 * NX), 4-level long mode with 4 KiB, 2 MiB and (if CPUID 0x80000001 EDX
 * bit 26) 1 GiB pages, back to protected mode with paging off, and again.
 * In each mode pages mapped at distinct virtual addresses must read the
 * marker their frame holds, writes through them must reach the frame, and
 * an unmapped address must raise #PF with the right error code and CR2.
 */
#include "guest.h"

const char guest_name[] = "paging";

/* Marker frames in RAM the image does not use (8-16 MiB). */
#define F1    0x801000u
#define F2    0x802000u
#define F3    0x803000u
#define BIG2M 0xA00000u /* a 2 MiB frame */
#define BIG4M 0xC00000u /* a 4 MiB frame */
#define M1    0x11C0FFEEu
#define M2    0x22C0FFEEu
#define MB2   0x33C0FFEEu
#define MB4   0x44C0FFEEu

static volatile uint32_t *phys(uint32_t pa)
{
	return (volatile uint32_t *)pa;
}

static void markers(void)
{
	*phys(F1) = M1;
	*phys(F2) = M2;
	*phys(BIG2M + 0x3000) = MB2;
	*phys(BIG4M + 0x12340) = MB4;
	*(volatile uint8_t *)F3 = 0xC3; /* RET, for fetch probes */
}

static void check_read(uint64_t va, uint32_t want, const char *mode)
{
	uint32_t got = long_mode_active ? (uint32_t)peek64(va) : *(volatile uint32_t *)(uint32_t)va;
	CHECK(got == want, "%s: va %llx reads %x, expected %x", mode, va, got, want);
}

static void expect_pf(uint64_t va, enum access kind, uint32_t err, const char *mode)
{
	int faulted = probe(kind, va, 0, NULL);
	CHECK(faulted, "%s: access to va %llx did not fault", mode, va);
	CHECK(last_trap.vector == 14, "%s: va %llx: %s instead of #PF", mode, va,
	      exc_name(last_trap.vector));
	CHECK(last_trap.err == err, "%s: va %llx: #PF error %x, expected %x", mode, va,
	      last_trap.err, err);
	CHECK(last_trap.cr2 == va, "%s: va %llx: CR2 %llx", mode, va, last_trap.cr2);
}

static void check_off(const char *when)
{
	uint32_t cr0 = read_cr0();
	CHECK((cr0 & CR0_PE) && !(cr0 & CR0_PG), "%s: CR0 %x, expected PE on and PG off", when,
	      cr0);
	CHECK(!(rdmsr(MSR_EFER) & (EFER_LMA | EFER_LME)), "%s: EFER %llx has LME/LMA", when,
	      rdmsr(MSR_EFER));
	check_read(F1, M1, when);
	*phys(F3 + 8) = 0x5A5A5A5A;
	check_read(F3 + 8, 0x5A5A5A5A, when);
}

static void mode32(int pse)
{
	const char *m = pse ? "32-bit+PSE" : "32-bit";
	pt_reset();
	uint32_t *pd = ident32();
	map32(pd, 0x40000000, F1, PTE_P | PTE_W, PTE_P | PTE_W);
	map32(pd, 0x40001000, F2, PTE_P | PTE_W, PTE_P | PTE_W);
	map32(pd, 0x40002000, F2, PTE_P, PTE_P | PTE_W); /* an alias, read-only */
	paging_enable((uint32_t)pd, 0);
	CHECK(read_cr0() & CR0_PG, "%s: CR0.PG is off", m);
	check_read(0x40000000, M1, m);
	check_read(0x40001000, M2, m);
	check_read(0x40002000, M2, m);
	*(volatile uint32_t *)0x40000004 = 0xABCD0001;
	CHECK(*phys(F1 + 4) == 0xABCD0001, "%s: write through va 0x40000004 missed the frame", m);
	expect_pf(0x50000000, ACC_READ, 0, m);
	expect_pf(0x40003000, ACC_WRITE, PF_W, m); /* PDE present, PTE not */
	write_cr0(read_cr0() | CR0_WP);
	expect_pf(0x40002000, ACC_WRITE, PF_W | PF_P, m);
	write_cr0(read_cr0() & ~CR0_WP);
	if (pse) {
		/* Turn PSE on with paging on, then 4 MiB pages. */
		write_cr4(read_cr4() | CR4_PSE);
		map32_4m(pd, 0x80000000, 0x800000, PTE_P | PTE_W);
		map32_4m(pd, 0xC0400000, BIG4M, PTE_P);
		invlpg(0x80001000);
		check_read(0x80001000, M1, m);
		check_read(0x80002000, M2, m);
		check_read(0xC0412340, MB4, m);
		CHECK(probe(ACC_READ, 0xC07FF000, 0, NULL) == 0, "%s: read at the 4 MiB page's end",
		      m);
		write_cr0(read_cr0() | CR0_WP);
		expect_pf(0xC07FF000, ACC_WRITE, PF_P | PF_W, m); /* read-only 4 MiB page */
		write_cr0(read_cr0() & ~CR0_WP);
	}
	paging_disable();
	write_cr4(0);
	check_off(pse ? "off after 32-bit+PSE" : "off after 32-bit");
	say("%s paging: ok", m);
}

static void mode_pae(void)
{
	const char *m = "PAE";
	pt_reset();
	uint64_t *pdpt = ident64(3);
	map64(pdpt, 3, 0x40000000, F1, PTE_P | PTE_W, 1, PTE_P | PTE_W);
	map64(pdpt, 3, 0x40001000, F2, PTE_P | PTE_W, 1, PTE_P | PTE_W);
	map64(pdpt, 3, 0xC0200000, BIG2M, PTE_P | PTE_W, 2, PTE_P | PTE_W);
	map64(pdpt, 3, 0x40005000, F3, PTE_P, 1, PTE_P | PTE_W);
	map64(pdpt, 3, 0x40006000, F3, PTE_P | PTE_NX, 1, PTE_P | PTE_W);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	paging_enable((uint32_t)pdpt, CR4_PAE);
	CHECK(read_cr4() & CR4_PAE, "PAE: CR4.PAE is off");
	check_read(0x40000000, M1, m);
	check_read(0x40001000, M2, m);
	check_read(0xC0203000, MB2, m);
	*(volatile uint32_t *)0xC0203004 = 0xABCD0002;
	CHECK(*phys(BIG2M + 0x3004) == 0xABCD0002, "PAE: write through the 2 MiB page missed");
	CHECK(probe(ACC_EXEC, 0x40005000, 0, NULL) == 0, "PAE: fetch from an executable page");
	expect_pf(0x40006000, ACC_EXEC, PF_P | PF_I, m);
	expect_pf(0x80000000, ACC_READ, 0, m); /* PDPTE 2 not present */
	paging_disable();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_NXE);
	write_cr4(0);
	check_off("off after PAE");
	say("PAE paging: ok");
}

static void mode_long(void)
{
	const char *m = "long mode";
	int gb = cpuid_bit(0x80000001, 0, 3, 26);
	pt_reset();
	uint64_t *pml4 = ident64(4);
	map64(pml4, 4, 0x40000000, F1, PTE_P | PTE_W, 1, PTE_P | PTE_W);
	map64(pml4, 4, 0x0000123456789000ull, F1, PTE_P | PTE_W, 1, PTE_P | PTE_W);
	map64(pml4, 4, 0xFFFF800000001000ull, F2, PTE_P | PTE_W, 1, PTE_P | PTE_W);
	map64(pml4, 4, 0x00007FFFFFE00000ull, BIG2M, PTE_P | PTE_W, 2, PTE_P | PTE_W);
	if (gb)
		map64(pml4, 4, 0x0000008040000000ull, 0, PTE_P | PTE_W, 3, PTE_P | PTE_W);
	long_enter((uint32_t)pml4, CR4_PAE);
	CHECK(rdmsr(MSR_EFER) & EFER_LMA, "long mode: EFER.LMA is off after CR0.PG");
	check_read(0x40000000, M1, m); /* from 64-bit code */
	CHECK(*(volatile uint32_t *)0x40000000 == M1, "long mode: compatibility-mode read");
	check_read(0x0000123456789000ull, M1, m);
	check_read(0xFFFF800000001000ull, M2, m);
	check_read(0x00007FFFFFE03000ull, MB2, m);
	poke64(0xFFFF800000001008ull, 0x1122334455667788ull);
	CHECK(*phys(F2 + 8) == 0x55667788 && *phys(F2 + 12) == 0x11223344,
	      "long mode: 64-bit write through the higher-half page missed");
	if (gb) {
		check_read(0x0000008040000000ull + F1, M1, "long mode 1 GiB page");
		check_read(0x0000008040000000ull + BIG2M + 0x3000, MB2, "long mode 1 GiB page");
	}
	expect_pf(0x0000123456780000ull, ACC_READ, 0, m);
	expect_pf(0xFFFF800000002000ull, ACC_WRITE, PF_W, m);
	/* A non-canonical address is #GP(0), not #PF. */
	CHECK(probe(ACC_READ, 0x0000800000000000ull, 0, NULL) == 1 && last_trap.vector == 13 &&
		      last_trap.err == 0,
	      "long mode: non-canonical read gave %s error %x", exc_name(last_trap.vector),
	      last_trap.err);
	long_leave();
	write_cr4(0);
	check_off("off after long mode");
	say("long mode (4-level%s): ok", gb ? ", 1 GiB pages" : ", no 1 GiB pages in CPUID");
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	markers();
	check_off("protected mode, paging off");
	say("paging off: ok");
	mode32(0);
	mode32(1);
	mode_pae();
	mode_long();
	/* The transitions once more, in another order. */
	mode_pae();
	mode32(1);
	mode_long();
	mode32(0);
}
