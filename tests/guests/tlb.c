/*
 * tlb - what the architecture guarantees about translation caching (AMD
 * APM vol. 2 §5.5): after a PTE change and INVLPG of the address, or a
 * CR3 write, the new mapping is used (4 KiB and large pages, and in long
 * mode also after an upper-level entry changes); a not-present entry is
 * never cached, so making it present needs no invalidation; two address
 * spaces switched by CR3 each see their own mapping; a global page
 * (CR4.PGE, PTE.G) is flushed by INVLPG and by toggling CR4.PGE, and with
 * PGE off a CR3 write flushes it. Where a stale entry *may* remain (a
 * global page across a CR3 write, a changed PTE before any flush) nothing
 * is asserted either way.
 */
#include "guest.h"

const char guest_name[] = "tlb";

#define F1  0x801000u
#define F2  0x802000u
#define B1  0x800000u /* 4 MiB frames; a 2 MiB one inside each */
#define B2  0xC00000u
#define M1  0x1111AAAAu
#define M2  0x2222BBBBu
#define MB1 0x3333CCCCu
#define MB2 0x4444DDDDu

static const char *mode;

static uint32_t rd(uint64_t va)
{
	return long_mode_active ? (uint32_t)peek64(va) : *(volatile uint32_t *)(uint32_t)va;
}

static void expect(uint64_t va, uint32_t want, const char *after)
{
	uint32_t got = rd(va);
	CHECK(got == want, "%s: va %llx reads %x after %s, expected %x", mode, va, got, after,
	      want);
}

static void mode32(void)
{
	const uint32_t X = 0x40000000, G = 0x40001000, L = 0x80000000;
	mode = "32-bit";
	pt_reset();
	uint32_t *pd = ident32();
	uint32_t *pte = map32(pd, X, F1, PTE_P | PTE_W, PTE_P | PTE_W);
	uint32_t *gpte = map32(pd, G, F1, PTE_P | PTE_W | PTE_G, PTE_P | PTE_W);
	uint32_t *pde = map32_4m(pd, L, B1, PTE_P | PTE_W);
	/* A second address space mapping X to F2. */
	uint32_t *pd2 = ident32();
	map32(pd2, X, F2, PTE_P | PTE_W, PTE_P | PTE_W);
	paging_enable((uint32_t)pd, CR4_PSE);

	expect(X, M1, "the first access");
	*pte = F2 | PTE_P | PTE_W;
	invlpg(X);
	expect(X, M2, "INVLPG");
	*pte = F1 | PTE_P | PTE_W;
	write_cr3(read_cr3());
	expect(X, M1, "a CR3 write");

	/* Not present -> present needs no invalidation. */
	*pte = 0;
	invlpg(X);
	CHECK(probe(ACC_READ, X, 0, NULL) == 1 && last_trap.vector == 14 && last_trap.err == 0,
	      "32-bit: not-present page did not fault");
	*pte = F2 | PTE_P | PTE_W;
	expect(X, M2, "making a not-present PTE present (no flush)");

	/* Two address spaces. */
	for (int i = 0; i < 3; i++) {
		write_cr3((uint32_t)pd2);
		expect(X, M2, "switching to the second CR3");
		write_cr3((uint32_t)pd);
		expect(X, M2, "switching back to the first CR3");
	}
	*pte = F1 | PTE_P | PTE_W;
	write_cr3((uint32_t)pd2);
	expect(X, M2, "switching to the second CR3");
	write_cr3((uint32_t)pd);
	expect(X, M1, "switching back after changing the first");

	/* A 4 MiB page, invalidated through an address inside it. */
	expect(L + 0x5000, MB1, "the first access (4 MiB page)");
	*pde = B2 | PTE_P | PTE_W | PTE_PS;
	invlpg(L + 0x123000);
	expect(L + 0x5000, MB2, "INVLPG of another address in the 4 MiB page");

	/* Global pages. */
	write_cr4(read_cr4() | CR4_PGE);
	expect(G, M1, "the first access (global)");
	*gpte = F2 | PTE_P | PTE_W | PTE_G;
	write_cr3(read_cr3()); /* may or may not drop it: not asserted */
	write_cr4(read_cr4() & ~CR4_PGE);
	write_cr4(read_cr4() | CR4_PGE);
	expect(G, M2, "toggling CR4.PGE");
	*gpte = F1 | PTE_P | PTE_W | PTE_G;
	invlpg(G);
	expect(G, M1, "INVLPG of a global page");
	write_cr4(read_cr4() & ~CR4_PGE);
	expect(G, M1, "clearing CR4.PGE");
	*gpte = F2 | PTE_P | PTE_W | PTE_G;
	write_cr3(read_cr3());
	expect(G, M2, "a CR3 write with CR4.PGE off");
	paging_disable();
	write_cr4(0);
	say("32-bit: INVLPG, CR3, not-present, two CR3s, 4 MiB, global pages: ok");
}

static void invlpg_pae(uint64_t va)
{
	invlpg((uint32_t)va);
}

static void mode64(int levels)
{
	const uint64_t X = levels == 4 ? 0x0000008000000000ull : 0x40000000;
	const uint64_t L = levels == 4 ? 0x0000008000200000ull : 0x40200000;
	const uint64_t G = X + 0x1000;
	mode = levels == 4 ? "long" : "PAE";
	const uint64_t fl = PTE_P | PTE_W;
	pt_reset();
	uint64_t *root = ident64(levels);
	uint64_t *pte = map64(root, levels, X, F1, fl, 1, fl);
	uint64_t *gpte = map64(root, levels, G, F1, fl | PTE_G, 1, fl);
	uint64_t *pde = map64(root, levels, L, B1, fl, 2, fl);
	if (levels == 4) {
		long_enter((uint32_t)root, CR4_PAE);
	} else {
		paging_enable((uint32_t)root, CR4_PAE);
	}
	void (*inv)(uint64_t) = levels == 4 ? invlpg64 : invlpg_pae;

	expect(X, M1, "the first access");
	*pte = F2 | fl;
	inv(X);
	expect(X, M2, "INVLPG");
	*pte = F1 | fl;
	write_cr3(read_cr3());
	expect(X, M1, "a CR3 write");
	*pte = 0;
	inv(X);
	CHECK(probe(ACC_READ, X, 0, NULL) == 1 && last_trap.vector == 14, "%s: not-present page",
	      mode);
	*pte = F2 | fl;
	expect(X, M2, "making a not-present PTE present (no flush)");

	expect(L + 0x5000, MB1, "the first access (2 MiB page)");
	*pde = B2 | fl | PTE_PS;
	inv(L + 0x1FF000);
	expect(L + 0x5000, MB2, "INVLPG of another address in the 2 MiB page");

	if (levels == 4) {
		/* An upper-level change: the PDPTE now points to another PD,
		 * whose PT maps X to F1. INVLPG of X drops cached upper
		 * entries for X too. */
		uint64_t *pdpte = entry64(root, 4, X, 3);
		uint64_t *pd2 = pt_alloc(), *pt2 = pt_alloc();
		pt2[0] = F1 | fl;
		pd2[0] = (uint32_t)pt2 | fl;
		expect(X, M2, "before the PDPTE change");
		uint64_t old = *pdpte;
		*pdpte = (uint32_t)pd2 | fl;
		inv(X);
		expect(X, M1, "a PDPTE change and INVLPG");
		*pdpte = old;
		write_cr3(read_cr3());
		expect(X, M2, "restoring the PDPTE and a CR3 write");
	}

	write_cr4(read_cr4() | CR4_PGE);
	expect(G, M1, "the first access (global)");
	*gpte = F2 | fl | PTE_G;
	write_cr3(read_cr3()); /* not asserted */
	write_cr4(read_cr4() & ~CR4_PGE);
	write_cr4(read_cr4() | CR4_PGE);
	expect(G, M2, "toggling CR4.PGE");
	*gpte = F1 | fl | PTE_G;
	inv(G);
	expect(G, M1, "INVLPG of a global page");
	write_cr4(read_cr4() & ~CR4_PGE);

	if (levels == 4)
		long_leave();
	else
		paging_disable();
	write_cr4(0);
	say("%s: INVLPG, CR3, not-present, large page, %sglobal pages: ok", mode,
	    levels == 4 ? "upper-level entry, " : "");
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	*(volatile uint32_t *)F1 = M1;
	*(volatile uint32_t *)F2 = M2;
	*(volatile uint32_t *)(B1 + 0x5000) = MB1;
	*(volatile uint32_t *)(B2 + 0x5000) = MB2;
	mode32();
	mode64(3);
	mode64(4);
}
