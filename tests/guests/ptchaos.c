/*
 * ptchaos - a hostile guest for the VMM: random page tables, random MMIO
 * and random I/O ports. It checks nothing about the results; what is
 * judged is the VMM and the kernel around it (tests/integration/
 * vm_chaos.test): the VM must end in a documented way, the kernel's
 * invariants must hold, the driver must go on.
 *
 * Command line: seed=N (default 1), rounds=N (phase 1 rounds, default
 * 200), crit=N (per mille of rounds that rewrite an entry the guest itself
 * runs on; default 3), io=N (phase 2: N MMIO accesses and 2N port
 * accesses; default 2 * rounds). Everything is drawn from one generator
 * seeded by seed, and no draw depends on an outcome (whether an access
 * faulted, what the tables hold), so a seed fixes the sequence of
 * operations; what they do depends on the machine's TLB (a stale entry
 * may or may not be used), so the end may differ between machines and,
 * under a VMM, between runs.
 *
 * Phase 1, in epochs of EPOCH_ROUNDS rounds, each in long mode (4 levels)
 * or PAE (3 levels), chosen at random: two roots sharing the identity map
 * of 0-16 MiB (the "core") and parts of a tree of "chaos" tables mapping
 * scratch frames (8-10 MiB, every byte 0xC3, RET) at addresses above
 * 16 MiB, in the high half and beyond 512 GiB. Each round rewrites one
 * random entry of any level with a random value (present or not, any
 * flags, PS, NX, the ignored high bits, addresses of scratch frames, of
 * the tables themselves, of the guest's code, of low memory, of RAM the
 * guest does not use, of MMIO, of nothing, beyond MAXPHYADDR), written
 * by a 32-bit pair of MOVs, a 64-bit MOV or XCHG; then flushes it by
 * INVLPG, a CR3 reload, a switch to the other root, or not at all; then
 * touches three addresses mapped through the tables (reads, 0xC3 writes,
 * from CPL 0 or CPL 3). A fetch is a call to an address that, by a walk of
 * the tables in software right after a CR3 reload, maps a scratch frame
 * (so it holds a RET); otherwise it is a read. Now and then CR0.WP or
 * EFER.NXE flips. Every exception ends the access (probe()); the guest
 * goes on. With probability crit/1000 a round rewrites instead an entry
 * that maps the guest's own code, data or stack, or the tables above
 * them: the guest usually dies of it, by a triple fault or worse.
 *
 * Phase 2: io random writes and reads of 1, 2, 4 or 8 bytes at
 * MMIO-looking addresses (the IOAPIC and local APIC pages, the 640 KiB -
 * 1 MiB hole, the CGA buffer, just past RAM, above 4 GiB, random 32-bit
 * addresses), half with paging off and half in long mode, then 2 * io
 * random port writes and reads of 1, 2 or 4 bytes. Not written: the debug-exit
 * port (0xF4-0xF7), the reset paths (i8042 0x64, port 0x92, 0xCF9), the
 * PCI configuration ports (0xCF8-0xCFF) and fw_cfg's DMA ports
 * (0x514-0x51B), which on bare QEMU can remap or overwrite the guest's
 * memory, and COM1 (0x3F8-0x3FF, the guest's console; nor read but by
 * bytes there: QEMU 7.2 aborts on a wider read of its 16550); nor the local
 * APIC's ICR and LVT (0x300-0x37F) or the IOAPIC's data window (0x10),
 * which on bare QEMU can send the CPU an INIT and start the machine over
 * (a loop, not an end). Under the VMM all of these but the console and
 * the reset paths are unmodelled ports and addresses, like the others.
 *
 * If it lives through both, the guest passes; its check count is the
 * number of operations.
 */
#include "guest.h"

const char guest_name[] = "ptchaos";

#define SCRATCH	      0x800000u /* 2 MiB of 0xC3 */
#define SCRATCH_PAGES 512u
#define EPOCH_ROUNDS  64u
#define ADDR_MASK     0x000FFFFFFFFFF000ull
#define MAX_TABLES    150

/* A number below n (n < 2^32; 32-bit arithmetic only, no libgcc). */
static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(rng_next() >> 32) % n;
}

static int chance(uint32_t percent)
{
	return rnd(100) < percent;
}

/* ---- tables: every table of the current epoch, with the level it was
 * built at and the virtual address its first entry serves there. */
struct table {
	uint64_t *t;
	int level;
	uint64_t base;
	int core;
};
static struct table tabs[MAX_TABLES];
static int ntabs;
static int levels; /* 4: long mode, 3: PAE */
static uint64_t *roots[2];
static int cur_root;
static struct table *pt0; /* the core PT mapping 0-2 MiB */
static uint32_t mem_top = 64u << 20;

static struct {
	unsigned rewrites, crit, invlpg, reload, switches, toggles;
	unsigned reads, writes, fetches, faults, pf, gp, other, cr3_faults;
	unsigned mmio, ports;
} st;

static unsigned entries_of(const struct table *t)
{
	return levels == 3 && t->level == 3 ? 4 : 512;
}

static uint64_t span(int level)
{
	return 1ull << (12 + 9 * (level - 1));
}

static uint64_t canonical(uint64_t va)
{
	return (va & (1ull << 47)) ? va | 0xFFFF000000000000ull : va & 0x0000FFFFFFFFFFFFull;
}

static struct table *add_table(uint64_t *t, int level, uint64_t base, int core)
{
	if (ntabs == MAX_TABLES)
		fail("too many tables");
	tabs[ntabs] = (struct table){ t, level, canonical(base), core };
	return &tabs[ntabs++];
}

/* An entry the guest itself runs on: the core's path to 0-2 MiB (entry 0
 * of the roots, the core PDPT and PD) and the PT0 entries of the image. */
static int critical(const struct table *t, unsigned i)
{
	if (t == pt0)
		return i >= 256 && i < (((uint32_t)image_end + 0xFFF) >> 12);
	return t->core && i == 0 && t->level > 1;
}

static uint64_t scratch_frame(void)
{
	return SCRATCH + rnd(SCRATCH_PAGES) * 4096u;
}

/* A random entry value for a table at level (see the top). */
static uint64_t random_entry(int level)
{
	uint64_t a;
	uint32_t r = rnd(100);
	if (r < 35)
		a = scratch_frame();
	else if (r < 55)
		a = (uint32_t)tabs[rnd((uint32_t)ntabs)].t;
	else if (r < 60)
		a = (uint32_t)roots[rnd(2)];
	else if (r < 63)
		a = 0x100000u + rnd(((uint32_t)image_end - 0x100000u) >> 12) * 4096u;
	else if (r < 67)
		a = rnd(256) * 4096u;
	else if (r < 74)
		a = (16u << 20) + rnd((mem_top - (16u << 20)) >> 12) * 4096u;
	else if (r < 84) {
		static const uint32_t mmio[] = { 0xFEC00000u, 0xFEE00000u, 0xA0000u,
						 0xB8000u,    0xFED00000u, 0xFFFFF000u };
		a = mmio[rnd(6)];
	} else if (r < 94)
		a = (uint32_t)rng_next() & ~0xFFFu;
	else
		a = rng_next() & ADDR_MASK;
	uint64_t e = a | (rng_next() & 0xFFF);
	if (level > 1 && level < 4 && chance(70))
		e &= ~PTE_PS;
	if (level == 1 || chance(70))
		e &= ~0x1000ull; /* mostly no PAT/reserved bit 12 */
	if (level == 2 && (e & PTE_PS) && chance(75))
		e &= ~0x1FF000ull; /* mostly an aligned 2 MiB page */
	if (chance(85))
		e |= PTE_P;
	if (chance(25))
		e |= PTE_NX;
	if (chance(10))
		e |= rng_next() & 0x7FF0000000000000ull; /* ignored bits (reserved in PAE) */
	return e;
}

/* ---- building an epoch's tables */
static uint64_t *new_table(int level, uint64_t base)
{
	uint64_t *t = pt_alloc();
	add_table(t, level, base, 0);
	return t;
}

/* Fill a new chaos table at level (base: the address it serves) with a
 * few children or leaves mapping scratch frames. */
static uint64_t *chaos_tree(int level, uint64_t base)
{
	uint64_t *t = new_table(level, base);
	if (level == 1) {
		for (int k = 0; k < 48; k++)
			t[rnd(512)] = scratch_frame() | PTE_P | (chance(60) ? PTE_W : 0) |
				      (chance(20) ? PTE_U : 0);
		return t;
	}
	unsigned n = entries_of(&tabs[ntabs - 1]);
	for (int k = 0; k < 2 && ntabs < MAX_TABLES - 40; k++) {
		unsigned i = rnd(n);
		if (t[i])
			continue;
		uint64_t *c = chaos_tree(level - 1, base + i * span(level));
		t[i] = (uint32_t)c | PTE_P | (levels == 3 && level == 3 ? 0 : PTE_W | PTE_U);
	}
	if (level == 2 || (level == 3 && levels == 4))
		for (int k = 0; k < 2; k++) {
			unsigned i = rnd(n);
			if (!t[i])
				t[i] = (level == 2 ? SCRATCH : 0) | PTE_P | PTE_W | PTE_PS;
		}
	return t;
}

static void build(void)
{
	pt_reset();
	ntabs = 0;
	uint64_t *root = ident64(levels);
	/* Record the core: root, (PDPT,) PD, 8 PTs. */
	add_table(root, levels, 0, 1);
	uint64_t *pdpt = levels == 4 ? (uint64_t *)(uint32_t)(root[0] & ADDR_MASK) : root;
	if (levels == 4)
		add_table(pdpt, 3, 0, 1);
	uint64_t *pd = (uint64_t *)(uint32_t)(pdpt[0] & ADDR_MASK);
	add_table(pd, 2, 0, 1);
	for (int i = 0; i < 8; i++)
		add_table((uint64_t *)(uint32_t)(pd[i] & ADDR_MASK), 1, (uint64_t)i << 21, 1);
	pt0 = &tabs[ntabs - 8];

	/* The second root shares the core. */
	uint64_t *root2 = pt_alloc();
	root2[0] = root[0];
	add_table(root2, levels, 0, 1);
	roots[0] = root;
	roots[1] = root2;

	/* Chaos: PD entries 8-15 (16-32 MiB), PDPT entries 1-3 (1-4 GiB),
	 * and in long mode PML4 entries in both halves, some shared. */
	for (unsigned i = 8; i < 16; i++)
		pd[i] = (uint32_t)chaos_tree(1, (uint64_t)i << 21) | PTE_P | PTE_W | PTE_U;
	uint64_t upper = levels == 3 ? PTE_P : PTE_P | PTE_W | PTE_U;
	for (unsigned i = 1; i < 4; i++)
		pdpt[i] = (uint32_t)chaos_tree(2, (uint64_t)i << 30) | upper;
	if (levels == 3) {
		root2[1] = root[1];
		root2[2] = (uint32_t)chaos_tree(2, 2ull << 30) | PTE_P;
		root2[3] = (uint32_t)chaos_tree(2, 3ull << 30) | PTE_P;
		return;
	}
	static const unsigned a[] = { 1, 2, 256, 511 }, b[] = { 3, 510 };
	for (unsigned k = 0; k < 4; k++)
		root[a[k]] = (uint32_t)chaos_tree(3, (uint64_t)a[k] << 39) | upper;
	root2[1] = root[1];
	root2[256] = root[256];
	for (unsigned k = 0; k < 2; k++)
		root2[b[k]] = (uint32_t)chaos_tree(3, (uint64_t)b[k] << 39) | upper;
}

/* ---- the operations */
static int cr3_load(uint32_t v);

static void count_fault(void)
{
	st.faults++;
	if (last_trap.vector == 14)
		st.pf++;
	else if (last_trap.vector == 13)
		st.gp++;
	else
		st.other++;
}

static void flush_va(uint64_t va)
{
	st.invlpg++;
	if (levels == 4)
		invlpg64(va);
	else
		invlpg((uint32_t)va);
}

static void cr3_fn(void *arg)
{
	write_cr3(*(uint32_t *)arg);
}

/* MOV to CR3 may raise #GP in PAE (bad PDPTEs). Returns 0 if it took. */
static int cr3_load(uint32_t v)
{
	if (catch_exception(cr3_fn, &v)) {
		st.cr3_faults++;
		count_fault();
		return -1;
	}
	return 0;
}

static void write_entry(uint64_t *e, uint64_t v)
{
	uint32_t how = rnd(3);
	volatile uint32_t *h = (volatile uint32_t *)e;
	if (how == 0 && levels == 4) {
		poke64((uint32_t)e, v);
	} else if (how == 1) {
		h[1] = (uint32_t)(v >> 32);
		__atomic_exchange_n(&h[0], (uint32_t)v, __ATOMIC_SEQ_CST);
	} else {
		h[0] = (uint32_t)v;
		h[1] = (uint32_t)(v >> 32);
	}
}

static void rewrite(uint32_t crit)
{
	struct table *t;
	unsigned i;
	if (rnd(1000) < crit) {
		/* An entry the guest runs on. */
		do {
			t = &tabs[rnd((uint32_t)ntabs)];
			i = rnd(entries_of(t));
		} while (!critical(t, i));
		st.crit++;
	} else {
		do {
			t = &tabs[rnd((uint32_t)ntabs)];
			i = rnd(entries_of(t));
		} while (critical(t, i));
	}
	uint64_t v = random_entry(t->level);
	write_entry(&t->t[i], v);
	st.rewrites++;
	uint64_t va = canonical(t->base + i * span(t->level) + (rng_next() & (span(t->level) - 1)));
	if (levels == 3)
		va &= 0xFFFFFFFFu;
	uint32_t r = rnd(100);
	if (r < 40) {
		flush_va(va);
	} else if (r < 60) {
		st.reload++;
		cr3_load((uint32_t)roots[cur_root]);
	} else if (r < 65) {
		st.switches++;
		if (cr3_load((uint32_t)roots[cur_root ^ 1]) == 0)
			cur_root ^= 1;
	}
}

/* The physical address va maps to by a walk of the tables in memory, if
 * every table on the way is one of ours and nothing on it is unusual;
 * ~0 otherwise. Only used to decide whether a fetch lands on a RET. */
static uint64_t walk(uint64_t va)
{
	uint64_t *t = roots[cur_root];
	for (int l = levels; l >= 1; l--) {
		unsigned i = levels == 3 && l == 3 ? (unsigned)(va >> 30) & 3
						   : (unsigned)(va >> (12 + 9 * (l - 1))) & 511;
		uint64_t e = t[i];
		uint64_t a = e & ADDR_MASK;
		if (!(e & PTE_P))
			return ~0ull;
		if (levels == 3 && (e & 0x7FF0000000000000ull))
			return ~0ull;
		int leaf = l == 1 || ((e & PTE_PS) && (l == 2 || (l == 3 && levels == 4)));
		if ((l == 4 || (levels == 3 && l == 3)) && (e & PTE_PS))
			return ~0ull;
		if (leaf) {
			uint64_t size = span(l);
			if (l > 1 && (a & (size - 1) & ~0x1FFFull))
				return ~0ull; /* reserved bits of a large page */
			return (a & ~(size - 1)) + (va & (size - 1));
		}
		int ours = 0;
		for (int k = 0; k < ntabs && !ours; k++)
			ours = (uint32_t)tabs[k].t == a;
		if (!ours)
			return ~0ull;
		t = (uint64_t *)(uint32_t)a;
	}
	return ~0ull;
}

static uint64_t random_va(void)
{
	uint32_t r = rnd(100);
	uint64_t va;
	if (r < 90) {
		const struct table *t = &tabs[rnd((uint32_t)ntabs)];
		unsigned i = rnd(entries_of(t));
		/* Mostly an entry in use (no draw depends on what is in the
		 * tables, which the machine's A/D updates and aliased writes
		 * change). */
		unsigned scan = chance(60) ? entries_of(t) : 0;
		for (unsigned k = 0; k < scan && !(t->t[i] & PTE_P); k++)
			i = (i + 1) % entries_of(t);
		va = t->base + i * span(t->level) + (rng_next() & (span(t->level) - 1));
	} else {
		va = rng_next();
	}
	return levels == 3 ? va & 0xFFFFFFFFu : (chance(95) ? canonical(va) : va);
}

static void touch(void)
{
	uint64_t va = random_va();
	uint32_t r = rnd(100);
	int user = chance(10);
	enum access kind = r < 50 ? ACC_READ : r < 80 ? ACC_WRITE : ACC_EXEC;
	if (kind == ACC_WRITE && va < (2u << 20))
		kind = ACC_READ; /* not the image through the identity map */
	if (kind == ACC_EXEC) {
		st.reload++;
		if (cr3_load((uint32_t)roots[cur_root]) < 0)
			return;
		uint64_t pa = walk(va);
		if (pa < SCRATCH || pa >= SCRATCH + SCRATCH_PAGES * 4096u)
			kind = ACC_READ;
	}
	if (kind == ACC_READ)
		st.reads++;
	else if (kind == ACC_WRITE)
		st.writes++;
	else
		st.fetches++;
	checks++;
	if (probe(kind, va, user, NULL))
		count_fault();
}

static void efer_fn(void *arg)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) ^ *(uint32_t *)arg);
}

static void toggle(void)
{
	st.toggles++;
	if (chance(50)) {
		write_cr0(read_cr0() ^ CR0_WP);
	} else {
		uint32_t bit = EFER_NXE;
		if (catch_exception(efer_fn, &bit))
			count_fault();
	}
}

static void epoch(unsigned n, uint32_t crit)
{
	build();
	cur_root = 0;
	if (levels == 4)
		long_enter((uint32_t)roots[0], 0);
	else
		paging_enable((uint32_t)roots[0], CR4_PAE);
	for (unsigned r = 0; r < n; r++) {
		rewrite(crit);
		for (int k = 0; k < 3; k++)
			touch();
		if (chance(4))
			toggle();
	}
	/* Back to paging off through the first root, if it still loads. */
	cr3_load((uint32_t)roots[0]);
	write_cr0(read_cr0() | CR0_WP);
	if (levels == 4)
		long_leave();
	else
		paging_disable();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_NXE);
}

/* ---- phase 2: MMIO and ports */
struct access2 {
	uint64_t addr, value;
	unsigned size;
	int write;
};

static void mmio_fn(void *arg)
{
	struct access2 *a = arg;
	if (long_mode_active) {
		if (a->write)
			poke64(a->addr, a->value);
		else
			a->value = peek64(a->addr);
		return;
	}
	uint32_t p = (uint32_t)a->addr;
	if (a->write) {
		if (a->size == 1)
			*(volatile uint8_t *)p = (uint8_t)a->value;
		else if (a->size == 2)
			*(volatile uint16_t *)p = (uint16_t)a->value;
		else
			*(volatile uint32_t *)p = (uint32_t)a->value;
	} else {
		if (a->size == 1)
			a->value = *(volatile uint8_t *)p;
		else if (a->size == 2)
			a->value = *(volatile uint16_t *)p;
		else
			a->value = *(volatile uint32_t *)p;
	}
}

static int in_range(uint64_t a, unsigned size, uint64_t lo, uint64_t hi)
{
	return a < hi && a + size > lo;
}

static uint64_t mmio_addr(int high)
{
	uint32_t r = rnd(high ? 110 : 100);
	if (r < 15)
		return 0xFEC00000u + rnd(0x1000);
	if (r < 35)
		return 0xFEE00000u + rnd(0x1000);
	if (r < 50)
		return 0xA0000u + rnd(0x60000);
	if (r < 55)
		return 0xB8000u + rnd(4000);
	if (r < 70)
		return mem_top + rnd(16u << 20);
	if (r < 100)
		return (uint32_t)rng_next();
	return (1ull << 32) + (rng_next() & 0x3FFFFFFFull);
}

static void mmio_phase(unsigned n, int high)
{
	for (unsigned k = 0; k < n; k++) {
		struct access2 a = { mmio_addr(high), rng_next(), 1u << rnd(3), chance(60) };
		if (high)
			a.size = 8;
		/* Never the image or the tables through RAM: low RAM goes to
		 * the scratch frames. */
		if (a.addr < (16u << 20))
			if (!in_range(a.addr, a.size, 0xA0000u, 0x100000u))
				a.addr = SCRATCH + ((uint32_t)a.addr & 0x1FFFF8u);
		if (a.write && (in_range(a.addr, a.size, 0xFEE00300u, 0xFEE00380u) ||
				in_range(a.addr, a.size, 0xFEC00010u, 0xFEC00020u)))
			a.write = 0;
		st.mmio++;
		checks++;
		if (catch_exception(mmio_fn, &a))
			count_fault();
	}
}

static int port_forbidden(uint16_t p, unsigned size)
{
	static const uint16_t ranges[][2] = {
		{ 0xF4, 0xF8 },	  { 0x64, 0x65 },   { 0x92, 0x93 },
		{ 0xCF8, 0xD00 }, { 0x514, 0x51C }, { 0x3F8, 0x400 }
	};
	for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (in_range(p, size, ranges[i][0], ranges[i][1]))
			return 1;
	return 0;
}

static void port_phase(unsigned n)
{
	static const uint16_t devices[] = { 0x20,  0x21,  0xA0,	 0xA1,	0x40,  0x41,  0x42,
					    0x43,  0x60,  0x61,	 0x70,	0x71,  0x3D4, 0x3D5,
					    0x3D8, 0x3DA, 0x510, 0x511, 0x2F8, 0x80,  0x402 };
	for (unsigned k = 0; k < n; k++) {
		uint32_t r = rnd(100);
		uint16_t p = r < 40   ? devices[rnd(sizeof(devices) / sizeof(devices[0]))]
			     : r < 70 ? (uint16_t)rnd(0x400)
				      : (uint16_t)rnd(0x10000);
		unsigned size = 1u << rnd(3);
		uint32_t v = (uint32_t)rng_next();
		int write = chance(60);
		st.ports++;
		checks++;
		if ((write && port_forbidden(p, size)) ||
		    (size > 1 && in_range(p, size, 0x3F8, 0x400)))
			continue;
		if (write) {
			if (size == 1)
				outb(p, (uint8_t)v);
			else if (size == 2)
				__asm__ volatile("outw %0, %1" : : "a"((uint16_t)v), "Nd"(p));
			else
				outl(p, v);
		} else {
			uint32_t x;
			if (size == 1)
				x = inb(p);
			else if (size == 2) {
				uint16_t w;
				__asm__ volatile("inw %1, %0" : "=a"(w) : "Nd"(p));
				x = w;
			} else
				__asm__ volatile("inl %1, %0" : "=a"(x) : "Nd"(p));
			(void)x;
		}
	}
}

/* Phase 2 in long mode: 0-5 GiB identity-mapped by 2 MiB pages. */
static void mmio_long(unsigned n)
{
	pt_reset();
	uint64_t *pml4 = pt_alloc(), *pdpt = pt_alloc();
	pml4[0] = (uint32_t)pdpt | PTE_P | PTE_W;
	for (unsigned g = 0; g < 5; g++) {
		uint64_t *pd = pt_alloc();
		pdpt[g] = (uint32_t)pd | PTE_P | PTE_W;
		for (unsigned i = 0; i < 512; i++)
			pd[i] = (((uint64_t)g << 30) + ((uint64_t)i << 21)) | PTE_P | PTE_W |
				PTE_PS;
	}
	long_enter((uint32_t)pml4, 0);
	mmio_phase(n, 1);
	long_leave();
}

void guest_main(const char *cmdline)
{
	const char *v;
	uint32_t seed = (v = cmdline_value(cmdline, "seed=")) ? (uint32_t)parse_uint(v) : 1;
	uint32_t rounds = (v = cmdline_value(cmdline, "rounds=")) ? (uint32_t)parse_uint(v) : 200;
	uint32_t crit = (v = cmdline_value(cmdline, "crit=")) ? (uint32_t)parse_uint(v) : 3;
	uint32_t io = (v = cmdline_value(cmdline, "io=")) ? (uint32_t)parse_uint(v) : 2 * rounds;
	int lm = cpuid_bit(0x80000001u, 0, 3, 29);
	const uint32_t *mbi = (const uint32_t *)multiboot_info;
	if (mbi[0] & 1)
		mem_top = (mbi[2] + 1024) * 1024; /* mem_upper */
	rng_seed(seed);
	say("seed %u, rounds %u, crit %u/1000, io %u%s", seed, rounds, crit, io,
	    lm ? "" : ", no long mode (PAE only)");

	memset((void *)SCRATCH, 0xC3, SCRATCH_PAGES * 4096u);
	for (unsigned done = 0, e = 0; done < rounds; e++) {
		unsigned n = rounds - done < EPOCH_ROUNDS ? rounds - done : EPOCH_ROUNDS;
		levels = lm && chance(60) ? 4 : 3;
		say("epoch %u: %s, %u rounds", e, levels == 4 ? "long mode" : "PAE", n);
		epoch(n, crit);
		done += n;
	}
	say("page tables: %u entries rewritten (%u the guest runs on), %u INVLPG, %u CR3 "
	    "reloads, %u root switches, %u CR0.WP/EFER.NXE flips",
	    st.rewrites, st.crit, st.invlpg, st.reload, st.switches, st.toggles);
	say("accesses: %u reads, %u writes, %u fetches; %u faults (%u #PF, %u #GP, %u other, "
	    "%u on CR3 loads)",
	    st.reads, st.writes, st.fetches, st.faults, st.pf, st.gp, st.other, st.cr3_faults);

	unsigned f = st.faults;
	mmio_phase(io / 2, 0);
	if (lm)
		mmio_long(io / 2);
	port_phase(2 * io);
	serial_init(); /* in case */
	say("MMIO and ports: %u MMIO accesses (%u faults), %u port accesses", st.mmio,
	    st.faults - f, st.ports);
}
