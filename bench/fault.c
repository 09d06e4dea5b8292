/*
 * fault.c - a page fault handled at user level and resumed.
 *
 *   user_fault  ours: unmap a page (exo_page_unmap), write to it; the
 *               kernel upcalls libexo's exception entry, our handler maps
 *               the frame back (exo_page_map) and libexo resumes the write
 *               without entering the kernel (Aegis/Xok exception upcalls;
 *               Engler et al. SOSP'95 §6). Linux: mprotect(PROT_READ),
 *               write, SIGSEGV handler mprotect(PROT_READ|PROT_WRITE),
 *               sigreturn: lmbench lat_sig "prot".
 *
 * Both sides make one call to arm the fault, take the fault, make one call
 * in the handler and return to the faulting instruction.
 */
#include <stdio.h>
#include <stdlib.h>

#ifdef BENCH_LINUX
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#else
#include <exo/libexo.h>
#endif

#include "bench.h"

static volatile char *page;

#ifdef BENCH_LINUX
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if ((char *)si->si_addr != (char *)page ||
	    mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) != 0)
		abort();
}

static int setup(void)
{
	struct sigaction sa;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -1;
	page[0] = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	return sigaction(SIGSEGV, &sa, NULL);
}

static uint64_t fault_once(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		mprotect((void *)page, 4096, PROT_READ);
		page[0] = (char)i;
	}
	return bench_tsc() - t0;
}
#else
#define FAULT_VA 0x5f000000ULL

static long fault_frame;

static bool on_fault(struct exo_upcall_frame *f, void *ctx)
{
	(void)ctx;
	if ((f->fault_va & ~(EXO_PAGE_SIZE - 1)) != FAULT_VA)
		return false; /* not ours: the next handler (e.g. COW) may want it */
	return exo_page_map(EXO_AS_SELF, FAULT_VA, (uint64_t)fault_frame,
			    EXO_PERM_R | EXO_PERM_W) == 0;
}

static int setup(void)
{
	fault_frame = exo_frame_alloc(EXO_FRAME_ANY, 0);
	if (fault_frame < 0 ||
	    exo_page_map(EXO_AS_SELF, FAULT_VA, (uint64_t)fault_frame, EXO_PERM_R | EXO_PERM_W))
		return -1;
	page = (volatile char *)FAULT_VA;
	page[0] = 1;
	return exo_add_fault_handler(1u << 14, on_fault, NULL) < 0 ? -1 : 0;
}

static uint64_t fault_once(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		if (exo_page_unmap(EXO_AS_SELF, FAULT_VA) != 0) {
			bench_fail("exo_page_unmap failed");
			return BENCH_FAILED;
		}
		page[0] = (char)i;
	}
	return bench_tsc() - t0;
}
#endif

static void run(void)
{
	if (setup() != 0)
		bench_skip("user_fault", "set-up failed (page or fault handler)");
	else
		bench_time("user_fault", fault_once, NULL, NULL);
}
BENCH_FAMILY(20, fault, run, BENCH_ALONE);
