/*
 * ad - accessed and dirty bits (AMD APM vol. 2 §5.4.2-5.4.3): a read, a
 * write or an instruction fetch through a translation not in the TLB sets
 * A in every entry of the walk; a write also sets D, and only in the leaf
 * (a 4 KiB PTE, or a 4 MiB / 2 MiB / 1 GiB large-page leaf); reads and
 * fetches leave D clear. A write through a translation cached with D=0
 * must still set D (no INVLPG between the read and the write). Only D of
 * the leaf is judged (D of a non-leaf entry is ignored by the processor),
 * and PAE PDPTEs have no A bit. 32-bit (4 KiB, 4 MiB), PAE (4 KiB, 2 MiB)
 * and long mode (4 KiB, 2 MiB, 1 GiB if CPUID has it).
 */
#include "guest.h"

const char guest_name[] = "ad";

#define FRAME	0x900000u
#define FRAME_L 0x800000u

struct lvl {
	const char *name;
	uint32_t *e32; /* 32-bit entry, or NULL */
	uint64_t *e64; /* PAE/long entry */
};

static const char *mode;
static struct lvl lv[4];
static int nlv; /* lv[0] top ... lv[nlv-1] leaf */

static uint64_t get(int i)
{
	return lv[i].e32 ? *(volatile uint32_t *)lv[i].e32 : *(volatile uint64_t *)lv[i].e64;
}

static void clear_ad(void)
{
	for (int i = 0; i < nlv; i++) {
		if (lv[i].e32)
			*lv[i].e32 &= ~(uint32_t)(PTE_A | PTE_D);
		else
			*lv[i].e64 &= ~(PTE_A | PTE_D);
	}
}

static void flush(uint64_t va)
{
	if (long_mode_active)
		invlpg64(va);
	else
		invlpg((uint32_t)va);
}

static void expect(const char *what, int d_leaf)
{
	for (int i = 0; i < nlv; i++) {
		uint64_t e = get(i);
		CHECK(e & PTE_A, "%s: %s: A clear in the %s (%llx)", mode, what, lv[i].name, e);
	}
	uint64_t leaf = get(nlv - 1);
	if (d_leaf)
		CHECK(leaf & PTE_D, "%s: %s: D clear in the leaf %s (%llx)", mode, what,
		      lv[nlv - 1].name, leaf);
	else
		CHECK(!(leaf & PTE_D), "%s: %s: D set in the leaf %s (%llx)", mode, what,
		      lv[nlv - 1].name, leaf);
}

static void run(uint64_t va)
{
	clear_ad();
	flush(va);
	CHECK(probe(ACC_READ, va, 0, NULL) == 0, "%s: read faulted", mode);
	expect("read", 0);
	/* The translation is cached with D=0; the write must set D. */
	CHECK(probe(ACC_WRITE, va, 0, NULL) == 0, "%s: write faulted", mode);
	expect("write after a read", 1);
	clear_ad();
	flush(va);
	CHECK(probe(ACC_WRITE, va, 0, NULL) == 0, "%s: write faulted", mode);
	expect("write", 1);
	clear_ad();
	flush(va);
	CHECK(probe(ACC_EXEC, va, 0, NULL) == 0, "%s: fetch faulted", mode);
	expect("fetch", 0);
	say("%s: ok", mode);
}

static void set64(int levels, uint64_t *root, uint64_t va, int leaf_level)
{
	static const char *const names[] = { "", "PTE", "PDE", "PDPTE", "PML4E" };
	nlv = 0;
	for (int l = levels; l >= leaf_level; l--) {
		if (levels == 3 && l == 3)
			continue; /* PAE PDPTE: no A bit */
		lv[nlv].name = names[l];
		lv[nlv].e32 = NULL;
		lv[nlv].e64 = entry64(root, levels, va, l);
		nlv++;
	}
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	const uint64_t fl = PTE_P | PTE_W;
	*(volatile uint8_t *)FRAME = 0xC3;
	*(volatile uint8_t *)FRAME_L = 0xC3;
	*(volatile uint8_t *)0 = 0xC3;

	/* 32-bit paging. */
	pt_reset();
	uint32_t *pd = ident32();
	uint32_t *pte = map32(pd, 0x40000000, FRAME, (uint32_t)fl, (uint32_t)fl);
	uint32_t *pde4m = map32_4m(pd, 0x80000000, FRAME_L, (uint32_t)fl);
	paging_enable((uint32_t)pd, CR4_PSE);
	mode = "32-bit 4 KiB";
	lv[0] = (struct lvl){ "PDE", &pd[0x40000000 >> 22], NULL };
	lv[1] = (struct lvl){ "PTE", pte, NULL };
	nlv = 2;
	run(0x40000000);
	mode = "32-bit 4 MiB";
	lv[0] = (struct lvl){ "PDE (4 MiB leaf)", pde4m, NULL };
	nlv = 1;
	run(0x80000000);
	paging_disable();

	/* PAE. */
	pt_reset();
	uint64_t *pdpt = ident64(3);
	map64(pdpt, 3, 0x40000000, FRAME, fl, 1, fl);
	map64(pdpt, 3, 0x80000000, FRAME_L, fl, 2, fl);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	paging_enable((uint32_t)pdpt, CR4_PAE);
	mode = "PAE 4 KiB";
	set64(3, pdpt, 0x40000000, 1);
	run(0x40000000);
	mode = "PAE 2 MiB";
	set64(3, pdpt, 0x80000000, 2);
	run(0x80000000);
	paging_disable();

	/* Long mode. */
	pt_reset();
	uint64_t *pml4 = ident64(4);
	const uint64_t v4k = 0x0000008000000000ull, v2m = 0x0000008000200000ull,
		       v1g = 0x0000008040000000ull;
	map64(pml4, 4, v4k, FRAME, fl, 1, fl);
	map64(pml4, 4, v2m, FRAME_L, fl, 2, fl);
	int gb = cpuid_bit(0x80000001, 0, 3, 26);
	if (gb)
		map64(pml4, 4, v1g, 0, fl, 3, fl);
	long_enter((uint32_t)pml4, CR4_PAE);
	mode = "long 4 KiB";
	set64(4, pml4, v4k, 1);
	run(v4k);
	mode = "long 2 MiB";
	set64(4, pml4, v2m, 2);
	run(v2m);
	if (gb) {
		mode = "long 1 GiB";
		set64(4, pml4, v1g, 3);
		run(v1g);
	}
	long_leave();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_NXE);
	write_cr4(0);
}
