/*
 * tlb - what the architecture guarantees about translation caching (AMD
 * APM vol. 2 §5.5): after a PTE change and INVLPG of the address, or a
 * CR3 write, the new mapping is used (4 KiB and large pages, and in long
 * mode also after an upper-level entry changes); a not-present entry is
 * never cached, so making it present needs no invalidation; two address
 * spaces switched by CR3 each see their own mapping; a global page
 * (CR4.PGE, PTE.G) is flushed by INVLPG and by toggling CR4.PGE, and with
 * PGE off a CR3 write flushes it. An entry of one address space changed
 * while another runs is used after switching back by CR3 (4 KiB entries,
 * a 32-bit PDE, a long-mode PDPTE; 12 address spaces switched round).
 * A live entry rewritten in place by
 * MOV (32- and 64-bit), LOCK CMPXCHG/CMPXCHG8B (also one that fails),
 * XCHG, and 32 writes in a row, each followed by INVLPG, is used at once;
 * REP STOSD over other entries of its table leaves it alone. (A VMM that
 * write-protects guest page tables emulates each of these writes.) Where
 * a stale entry *may* remain (a global page across a CR3 write, a changed
 * PTE before any flush) nothing is asserted either way.
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

/* Store n dwords of v at p with REP STOSD. */
static void rep_stosd(volatile void *p, uint32_t v, uint32_t n)
{
	__asm__ volatile("rep stosl" : "+D"(p), "+c"(n) : "a"(v) : "memory");
}

/* The live 32-bit PTE of X (whose entry index in its table is 0, with
 * entries 16-31 unused) rewritten in place; leaves it mapping F2. */
static void live32(volatile uint32_t *pte, uint32_t x)
{
	const uint32_t fl = PTE_P | PTE_W;
	*pte = F1 | fl;
	invlpg(x);
	expect(x, M1, "a PTE write and INVLPG");
	*pte = F2 | fl;
	invlpg(x);
	expect(x, M2, "a live PTE rewritten by MOV and INVLPG");
	uint32_t old = *pte;
	CHECK(__atomic_compare_exchange_n(pte, &old, F1 | fl, 0, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST),
	      "%s: LOCK CMPXCHG of a live PTE failed", mode);
	invlpg(x);
	expect(x, M1, "LOCK CMPXCHG of a live PTE and INVLPG");
	uint32_t wrong = F2 | fl;
	CHECK(!__atomic_compare_exchange_n(pte, &wrong, F2 | fl, 0, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST) &&
		      (wrong & ~0xFFFu) == F1,
	      "%s: a LOCK CMPXCHG with the wrong old value changed a live PTE", mode);
	invlpg(x);
	expect(x, M1, "a failing LOCK CMPXCHG and INVLPG");
	old = __atomic_exchange_n(pte, F2 | fl, __ATOMIC_SEQ_CST);
	CHECK((old & ~0xFFFu) == F1, "%s: XCHG of a live PTE read %x", mode, old);
	invlpg(x);
	expect(x, M2, "XCHG of a live PTE and INVLPG");
	rep_stosd(pte + 16, 0, 16);
	expect(x, M2, "REP STOSD over other entries of its table");
	for (int i = 0; i < 32; i++)
		*pte = ((i & 1) ? F1 : F2) | fl;
	invlpg(x);
	expect(x, M1, "32 writes of a live PTE and INVLPG");
	*pte = F2 | fl;
	invlpg(x);
	expect(x, M2, "a PTE write after 32 and INVLPG");
}

/* LOCK CMPXCHG8B: if *p is *old, store v; *old gets what *p held.
 * Returns whether it stored. */
static int cas64(volatile uint64_t *p, uint64_t *old, uint64_t v)
{
	uint32_t lo = (uint32_t)*old, hi = (uint32_t)(*old >> 32);
	uint8_t ok;
	__asm__ volatile("lock cmpxchg8b %1; sete %0"
			 : "=q"(ok), "+m"(*p), "+a"(lo), "+d"(hi)
			 : "b"((uint32_t)v), "c"((uint32_t)(v >> 32))
			 : "memory", "cc");
	*old = (uint64_t)hi << 32 | lo;
	return ok;
}

/* The same with a 64-bit (PAE or long-mode) PTE; a 64-bit MOV in long
 * mode, CMPXCHG8B for the locked forms from 32-bit code. */
static void live64(volatile uint64_t *pte, uint64_t x, void (*inv)(uint64_t))
{
	const uint64_t fl = PTE_P | PTE_W;
	*pte = F1 | fl;
	inv(x);
	expect(x, M1, "a PTE write and INVLPG");
	if (long_mode_active)
		poke64((uint32_t)pte, F2 | fl);
	else
		*pte = F2 | fl;
	inv(x);
	expect(x, M2, "a live PTE rewritten by MOV and INVLPG");
	uint64_t old = *pte;
	CHECK(cas64(pte, &old, F1 | fl), "%s: LOCK CMPXCHG8B of a live PTE failed", mode);
	inv(x);
	expect(x, M1, "LOCK CMPXCHG8B of a live PTE and INVLPG");
	uint64_t wrong = F2 | fl;
	CHECK(!cas64(pte, &wrong, F2 | fl) && (wrong & ~0xFFFull) == F1,
	      "%s: a LOCK CMPXCHG8B with the wrong old value changed a live PTE", mode);
	inv(x);
	expect(x, M1, "a failing LOCK CMPXCHG8B and INVLPG");
	old = *pte;
	while (!cas64(pte, &old, F2 | fl))
		;
	CHECK((old & ~0xFFFull) == F1, "%s: exchanging a live PTE read %llx", mode, old);
	inv(x);
	expect(x, M2, "an exchange of a live PTE and INVLPG");
	rep_stosd(pte + 16, 0, 32);
	expect(x, M2, "REP STOSD over other entries of its table");
	for (int i = 0; i < 32; i++)
		*pte = ((i & 1) ? F1 : F2) | fl;
	inv(x);
	expect(x, M1, "32 writes of a live PTE and INVLPG");
	*pte = F2 | fl;
	inv(x);
	expect(x, M2, "a PTE write after 32 and INVLPG");
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
	live32(pte, X);

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

	/* The first's PTE, then its PDE, changed while the second runs. */
	write_cr3((uint32_t)pd2);
	expect(X, M2, "switching to the second CR3");
	*pte = F2 | PTE_P | PTE_W;
	write_cr3((uint32_t)pd);
	expect(X, M2, "switching back after changing the first's PTE on the second");
	uint32_t *xpde = &pd[X >> 22], xpde_old = *xpde;
	uint32_t *pt3 = pt_alloc();
	pt3[0] = F1 | PTE_P | PTE_W;
	write_cr3((uint32_t)pd2);
	*xpde = (uint32_t)pt3 | PTE_P | PTE_W;
	write_cr3((uint32_t)pd);
	expect(X, M1, "switching back after changing the first's PDE on the second");
	write_cr3((uint32_t)pd2);
	*xpde = xpde_old;
	write_cr3((uint32_t)pd);
	expect(X, M2, "switching back after restoring that PDE on the second");
	*pte = F1 | PTE_P | PTE_W;
	invlpg(X);
	expect(X, M1, "INVLPG");

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
	say("32-bit: INVLPG, CR3, live PTE writes, not-present, two CR3s, 4 MiB, global pages: "
	    "ok");
}

/* More address spaces than a VMM is likely to cache, each mapping X to
 * its own frame FC(i) (which holds MC(i)), switched round by CR3; then each
 * one's PTE changed while another runs, and each must use its new entry
 * when it runs again. */
#define NSPACES 12
#define FC(i)	(0x900000u + (uint32_t)(i)*0x1000u)
#define MC(i)	(0x5000AA00u + (uint32_t)(i))

static void many32(void)
{
	const uint32_t X = 0x40000000, fl = PTE_P | PTE_W;
	uint32_t *pd[NSPACES];
	uint32_t *pte[NSPACES];
	mode = "32-bit, 12 CR3s";
	pt_reset();
	for (int i = 0; i < NSPACES; i++) {
		pd[i] = ident32();
		pte[i] = map32(pd[i], X, FC(i), fl, fl);
		*(volatile uint32_t *)FC(i) = MC(i);
	}
	paging_enable((uint32_t)pd[0], 0);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < NSPACES; i++) {
			write_cr3((uint32_t)pd[i]);
			expect(X, MC(i), "switching among 12 CR3s");
		}
	for (int i = 0; i < NSPACES; i++) {
		write_cr3((uint32_t)pd[(i + 1) % NSPACES]);
		*pte[i] = FC(NSPACES - 1 - i) | fl;
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < NSPACES; i++) {
			write_cr3((uint32_t)pd[i]);
			expect(X, MC(NSPACES - 1 - i),
			       "switching back after its PTE changed on another CR3");
		}
	paging_disable();
	write_cr4(0);
	say("32-bit: 12 CR3s switched round, PTEs changed on another CR3: ok");
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
	/* A second address space mapping X to F2. */
	uint64_t *root2 = ident64(levels);
	map64(root2, levels, X, F2, fl, 1, fl);
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

	live64(pte, X, inv);

	/* Two address spaces; the first's PTE changed while the second runs. */
	const uint32_t cr3a = read_cr3();
	for (int i = 0; i < 3; i++) {
		write_cr3((uint32_t)root2);
		expect(X, M2, "switching to the second CR3");
		write_cr3(cr3a);
		expect(X, M2, "switching back to the first CR3");
	}
	*pte = F1 | fl;
	inv(X);
	expect(X, M1, "INVLPG");
	write_cr3((uint32_t)root2);
	expect(X, M2, "switching to the second CR3");
	*pte = F2 | fl;
	write_cr3(cr3a);
	expect(X, M2, "switching back after changing the first's PTE on the second");

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
		/* The same change made while the second address space runs. */
		write_cr3((uint32_t)root2);
		*pdpte = (uint32_t)pd2 | fl;
		write_cr3(cr3a);
		expect(X, M1, "switching back after changing the first's PDPTE on the second");
		write_cr3((uint32_t)root2);
		*pdpte = old;
		write_cr3(cr3a);
		expect(X, M2, "switching back after restoring that PDPTE on the second");
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
	say("%s: INVLPG, CR3, not-present, large page, live PTE writes, two CR3s, "
	    "%sglobal pages: ok",
	    mode, levels == 4 ? "upper-level entry, " : "");
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	*(volatile uint32_t *)F1 = M1;
	*(volatile uint32_t *)F2 = M2;
	*(volatile uint32_t *)(B1 + 0x5000) = MB1;
	*(volatile uint32_t *)(B2 + 0x5000) = MB2;
	mode32();
	many32();
	mode64(3);
	mode64(4);
}
