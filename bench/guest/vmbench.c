/*
 * vmbench.c - the bench guest: a multiboot v1 kernel (built like the test
 * guests, with their library tests/guests/lib) that bench/vmguest.c runs
 * under the VMM library OS, once with shadow paging and once with nested
 * paging, to time from inside the guest what virtualization costs
 * (docs/performance.md, the VMM rows).
 *
 * Every figure is the guest's own RDTSC (not intercepted: the host's TSC
 * plus the VMCB's TSC offset, so differences are host cycles), between
 * two LFENCEs as in bench/bench.h. Three measurements, each repeated
 * `rounds` times after one unreported warm-up round:
 *
 *   cpuid   `cpuid` CPUID instructions (leaf 0): each one a #VMEXIT to the
 *           kernel, up to the user-level VMM, which decodes and answers
 *           it, and back into the guest
 *   fault   `faults` writes, each to a page whose PTE is not present; the
 *           #PF handler makes the PTE present and returns (IRET), and the
 *           write is retried (PAE paging)
 *   loop    vmloop_run(`loop`) (bench/guest/vmloop.h), register arithmetic
 *           only: what the guest pays for running in a VM at all (the
 *           host's timer interrupts end the guest's run)
 *
 * Command line: rounds=R cpuid=N faults=N loop=N (defaults below). Each
 * round prints one line on the serial port,
 *
 *   vmbench KIND ITERATIONS CYCLES_HEX
 *
 * (the library's printf has 32-bit decimals only), then the library
 * prints "guest vmbench: PASS" and leaves through port 0xF4 (status 33).
 */
#include "guest.h"
#include "vmloop.h"

const char guest_name[] = "vmbench";

#define FAULT_VA   0x40000000u /* the faulting pages, mapped... */
#define FAULT_PA   0x800000u   /* ...to scratch frames from 8 MiB on */
#define MAX_FAULTS 2048	       /* 8 MiB of frames: 8..16 MiB */

static uint64_t *fault_pte[MAX_FAULTS];
static uint32_t nfaults;

void vmbench_pf(void);
void vmbench_pf_stub(void);

/* The #PF entry: save the registers, let vmbench_pf make the page
 * present, drop the error code, IRET (the faulting write runs again). */
__asm__(".text\n"
	".globl vmbench_pf_stub\n"
	"vmbench_pf_stub:\n\t"
	"pusha\n\t"
	"call vmbench_pf\n\t"
	"popa\n\t"
	"add $4, %esp\n\t"
	"iret\n");

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* The handler's work: the faulting page's PTE gets its present bit. A
 * fault anywhere else ends the guest with a FAIL line. */
void vmbench_pf(void)
{
	uint32_t va = read_cr2(), i = (va - FAULT_VA) >> 12;

	if (va < FAULT_VA || i >= nfaults)
		fail("unexpected #PF at %x", va);
	*fault_pte[i] |= PTE_P;
}

/* Point IDT vector 14 at vmbench_pf_stub: a 32-bit interrupt gate in the
 * library's IDT, found with SIDT. */
static void hook_pf(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} d;
	uint32_t h = (uint32_t)vmbench_pf_stub;

	__asm__ volatile("sidt %0" : "=m"(d));
	uint64_t *idt = (uint64_t *)d.base;
	idt[14] = (h & 0xFFFF) | ((uint64_t)SEL_KCODE32 << 16) | (0x8Eull << 40) |
		  ((uint64_t)(h >> 16) << 48);
}

static void report(const char *kind, uint32_t iters, uint64_t cycles)
{
	printf("vmbench %s %u %llx\n", kind, iters, cycles);
}

/* Cycles for n CPUID instructions (leaf 0), each a #VMEXIT under the VMM;
 * includes the loop's own few instructions. */
static uint64_t time_cpuid(uint32_t n)
{
	uint32_t r[4];
	uint64_t t0 = tsc();

	for (uint32_t i = 0; i < n; i++)
		cpuid(0, 0, r);
	return tsc() - t0;
}

/* Cycles for nfaults writes to not-present pages: each write faults, the
 * handler sets P, the write completes. Made not present again (and
 * INVLPG'd) outside the timed part. */
static uint64_t time_faults(void)
{
	for (uint32_t i = 0; i < nfaults; i++) {
		*fault_pte[i] &= ~PTE_P & ~PTE_A & ~PTE_D;
		invlpg(FAULT_VA + i * 4096);
	}
	uint64_t t0 = tsc();
	for (uint32_t i = 0; i < nfaults; i++)
		*(volatile uint32_t *)(FAULT_VA + i * 4096) = i;
	return tsc() - t0;
}

/* Cycles for n iterations of the shared loop (bench/guest/vmloop.h). */
static uint64_t time_loop(uint32_t n, uint32_t *sink)
{
	uint64_t t0 = tsc();

	*sink ^= vmloop_run(n, 12345);
	return tsc() - t0;
}

static uint32_t arg(const char *cmdline, const char *key, uint32_t dflt)
{
	const char *v = cmdline_value(cmdline, key);

	return v ? (uint32_t)parse_uint(v) : dflt;
}

void guest_main(const char *cmdline)
{
	uint32_t rounds = arg(cmdline, "rounds=", 7), ncpuid = arg(cmdline, "cpuid=", 2000);
	uint32_t loop = arg(cmdline, "loop=", 20000000), sink = 0;

	nfaults = arg(cmdline, "faults=", 512);
	if (nfaults > MAX_FAULTS)
		nfaults = MAX_FAULTS;
	if (!rounds || !ncpuid || !nfaults || !loop)
		fail("rounds=, cpuid=, faults= and loop= must be at least 1");

	/* PAE paging: 0-16 MiB identity-mapped, and nfaults pages at FAULT_VA
	 * whose page tables exist but whose PTEs are not present. */
	pt_reset();
	uint64_t *root = ident64(3);
	for (uint32_t i = 0; i < nfaults; i++)
		fault_pte[i] =
			map64(root, 3, FAULT_VA + i * 4096, FAULT_PA + i * 4096, PTE_W, 1, PTE_W);
	hook_pf();
	paging_enable((uint32_t)root, CR4_PAE);

	for (uint32_t r = 0; r <= rounds; r++) {
		uint64_t c = time_cpuid(ncpuid);
		if (r)
			report("cpuid", ncpuid, c);
	}
	for (uint32_t r = 0; r <= rounds; r++) {
		uint64_t c = time_faults();
		if (r)
			report("fault", nfaults, c);
	}
	/* The loop's warm-up round is short: it only has to be translated
	 * (TCG) and cached once. */
	time_loop(loop < 100000 ? loop : 100000, &sink);
	for (uint32_t r = 0; r < rounds; r++)
		report("loop", loop, time_loop(loop, &sink));
	say("done (loop value %x)", sink);
}
