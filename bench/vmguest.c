/*
 * vmguest.c - what running in a virtual machine costs: the VMM library OS
 * (libos/vmm, docs/vmm.md) and the kernel's guest contexts under it.
 * Ours only, stand-alone boot (the first boot module holds
 * EXO_RIGHT_GUEST); the Linux build measures only the native loop.
 *
 *   vmexit_raw      a #VMEXIT round trip through the kernel alone: a
 *                   paged-real-mode guest whose first instruction is CPUID
 *                   (intercepted), run again and again by a loop around
 *                   exo_vcpu_run here that decodes nothing and leaves RIP
 *                   where it is. Per exit: the call, the VMCB copy-in and
 *                   checks, VMRUN, the CPUID intercept, #VMEXIT, the
 *                   copy-out, the return to ring 3
 *   vmexit_shadow   the same CPUID exit, timed inside the bench guest
 *   vmexit_nested   (bench/guest/vmbench.c) under vm_run, shadow or nested
 *                   paging: the raw round trip plus the VMM's loop (its
 *                   console, timers and interrupt checks), decoding the
 *                   instruction and answering from its CPU model
 *   vm_pf_shadow    a guest page fault, timed inside the guest: a write to
 *   vm_pf_nested    a not-present page, the guest's #PF handler sets P and
 *                   returns, the write completes. Nested: the hardware
 *                   delivers the #PF to the guest, no exit. Shadow: a #PF
 *                   intercept, the VMM's walk of the guest's tables, the
 *                   injection of the #PF, and after the handler's IRET a
 *                   second intercept that fills the shadow entry
 *   vm_loop_shadow  a CPU-bound loop (bench/guest/vmloop.h, 20 M iterations
 *   vm_loop_nested  of register arithmetic) inside the guest, in each mode,
 *   vm_loop_native  and the same instructions in this program outside any
 *                   VM (both builds: the Linux column of the three rows)
 *
 * (A Linux guest's boot, vm_linux_boot, is bench/vmlinux.c's.)
 *
 * The guest repeats each measurement `rounds` times after a warm-up round
 * and prints one line per round on its serial port, which vm_run hands to
 * console_write here; each row is the median of the rounds with their
 * spread (bench_samples), one guest run per mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_LINUX
#include <malloc.h>

#include <exo/calls.h>
#include <exo/libexo.h>
#include <exo/vcpu.h>
#include <exo/vmcb.h>

#include "vmm.h"
#endif

#include "bench.h"
#include "guest/vmloop.h"

#define ROUNDS	     9
#define LOOP_ITERS   20000000u /* the guest's and the native loop */
#define QUICK_ITERS  100000u
#define GUEST_MODULE "/bench/guest.elf"

/* The loop outside any VM: rounds runs of vmloop_run(iters) after a short
 * warm-up, each timed alone; reported per run (total cycles). */
static void native_loop(unsigned rounds, uint32_t iters)
{
	uint64_t c[ROUNDS];
	uint32_t sink = vmloop_run(iters < QUICK_ITERS ? iters : QUICK_ITERS, 1);

	for (unsigned r = 0; r < rounds; r++) {
		uint64_t t0 = bench_tsc();
		sink ^= vmloop_run(iters, 12345);
		c[r] = bench_tsc() - t0;
	}
	bench_samples("vm_loop_native", c, rounds, 1);
	bench_info("vm_loop_native", "%u iterations per run, value %x", iters, sink);
}

#ifdef BENCH_LINUX
static void run(void)
{
	/* The loop rows' Linux column is vm_loop_native (bench/rows.txt). */
	static const char *const ours[] = { "vmexit_raw", "vmexit_shadow", "vmexit_nested",
					    "vm_pf_shadow", "vm_pf_nested" };

	for (unsigned i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		bench_skip(ours[i], "ours only: the VMM library OS's guests (Linux here is the "
				    "guest of QEMU, not a host of guests)");
	native_loop(bench_quick ? 1 : ROUNDS, bench_quick ? QUICK_ITERS : LOOP_ITERS);
}
#else

/* ------------------------------------------------------------ raw exits */

#define RAW_VA 0x310000000000ull /* where we see the raw guest's code page */

struct rawvm {
	uint64_t vcpu, gas, frame;
	struct exo_vcpu_state *st;
	uint64_t exits, hw_cycles; /* CPUID exits run, their VMRUN..#VMEXIT cycles */
};

/* A paged-real-mode guest (CR0.PG = 1, PE = 0: AMD APM vol. 2 §15.19) on
 * a PAE shadow table mapping guest address 0 to one page that starts with
 * CPUID; CPUID is intercepted. Returns NULL, or why not. */
static const char *raw_init(struct rawvm *r)
{
	long v = exo_vcpu_create(0), g = exo_gas_create(EXO_GAS_PAE);
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

	memset(r, 0, sizeof(*r));
	if (v <= 0 || g <= 0 || f <= 0)
		return "cannot create a vCPU, a guest address space or a frame";
	r->vcpu = (uint64_t)v, r->gas = (uint64_t)g, r->frame = (uint64_t)f;
	if (exo_page_map(EXO_AS_SELF, RAW_VA, r->frame, EXO_PERM_R | EXO_PERM_W) != 0)
		return "cannot map the guest's page";
	uint8_t *page = (uint8_t *)RAW_VA;
	memset(page, 0xf4, 4096);	/* hlt */
	page[0] = 0x0f, page[1] = 0xa2; /* cpuid */
	if (exo_page_map(EXO_AS_GAS(r->gas), 0, r->frame,
			 EXO_PERM_R | EXO_PERM_W | EXO_PERM_X | EXO_PERM_GUSER) != 0)
		return "cannot map the guest's page into its address space";
	r->st = memalign(4096, sizeof(*r->st));
	if (!r->st)
		return "out of memory";
	vm_raw_state(r->st, r->gas);
	r->st->vmcb.control.intercept_misc1 = VMCB_I1_CPUID;
	return NULL;
}

static void raw_fini(struct rawvm *r)
{
	if (r->vcpu)
		exo_vcpu_destroy(r->vcpu);
	if (r->gas)
		exo_gas_destroy(r->gas);
	if (r->frame) {
		exo_page_unmap(EXO_AS_SELF, RAW_VA);
		exo_frame_free(r->frame);
	}
	free(r->st);
}

/* n CPUID exits of the raw guest: exo_vcpu_run until n runs ended with
 * VMEXIT_CPUID (a timer tick's VMEXIT_INTR is run again and counted in
 * the time: it is rare and part of running a guest). RIP stays at the
 * CPUID, so every run exits at once. */
static uint64_t raw_exits(void *ctx, long n)
{
	struct rawvm *r = ctx;
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < n;) {
		long e = exo_vcpu_run(r->vcpu, r->st);
		if (e != 0) {
			bench_fail("exo_vcpu_run: error %ld (exit 0x%llx, check %llu)", e,
				   (unsigned long long)r->st->vmcb.control.exit_code,
				   (unsigned long long)r->st->vmcb.control.exit_info1);
			return BENCH_FAILED;
		}
		uint64_t code = r->st->vmcb.control.exit_code;
		if (code == VMEXIT_CPUID) {
			i++;
			r->exits++;
			r->hw_cycles += r->st->cycles;
		} else if (code != VMEXIT_INTR) {
			bench_fail("unexpected exit code 0x%llx at rip %llx",
				   (unsigned long long)code,
				   (unsigned long long)r->st->vmcb.save.rip);
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

/* The kernel's #VMEXIT round trip without libvmm (vmexit_raw). */
static void raw_vmexit(void)
{
	struct rawvm r;
	const char *why = raw_init(&r);

	if (why)
		bench_skip("vmexit_raw", why);
	else {
		bench_time("vmexit_raw", raw_exits, &r, NULL);
		if (r.exits)
			bench_info("vmexit_raw",
				   "of which VMRUN..#VMEXIT (exo_vcpu_state.cycles) %.0f cycles, "
				   "mean over %llu exits",
				   (double)r.hw_cycles / (double)r.exits,
				   (unsigned long long)r.exits);
	}
	raw_fini(&r);
}

/* ------------------------------------------------------------ the bench guest */

/* The guest's console, kept for parsing (vm_host.console_write). */
struct capture {
	char buf[16384];
	size_t len;
};

static void console(void *ctx, const char *b, size_t n)
{
	struct capture *c = ctx;

	if (n > sizeof(c->buf) - 1 - c->len)
		n = sizeof(c->buf) - 1 - c->len;
	memcpy(c->buf + c->len, b, n);
	c->len += n;
	c->buf[c->len] = 0;
}

enum { K_CPUID, K_FAULT, K_LOOP, K_N };
static const char *const kind_name[K_N] = { "cpuid", "fault", "loop" };

struct samples {
	uint64_t cycles[K_N][ROUNDS];
	unsigned n[K_N];
	long iters[K_N];
};

/* Collect the "vmbench KIND ITERATIONS CYCLES_HEX" lines. */
static void parse(const char *text, struct samples *s)
{
	memset(s, 0, sizeof(*s));
	for (const char *p = text; (p = strstr(p, "vmbench ")) != NULL; p++) {
		char kind[16];
		unsigned long iters;
		unsigned long long cyc;

		if (sscanf(p, "vmbench %15s %lu %llx", kind, &iters, &cyc) != 3)
			continue;
		for (int k = 0; k < K_N; k++)
			if (strcmp(kind, kind_name[k]) == 0 && s->n[k] < ROUNDS) {
				s->cycles[k][s->n[k]++] = cyc;
				s->iters[k] = (long)iters;
			}
	}
}

/* The last line the guest printed, for a skip reason. */
static const char *last_line(struct capture *c)
{
	while (c->len && (c->buf[c->len - 1] == '\n' || c->buf[c->len - 1] == '\r'))
		c->buf[--c->len] = 0;
	char *nl = strrchr(c->buf, '\n');
	return nl ? nl + 1 : c->buf;
}

/* Run the bench guest once in one paging mode and report its three rows:
 * vmexit_MODE, vm_pf_MODE (per operation) and vm_loop_MODE (per run). */
static void guest_rows(const void *image, size_t len, bool npt)
{
	static struct capture cap;
	const char *mode = npt ? "nested" : "shadow";
	char ids[K_N][32], err[256] = "", cmdline[96];
	struct vm_stats stats;
	struct samples s;

	snprintf(ids[K_CPUID], sizeof(ids[0]), "vmexit_%s", mode);
	snprintf(ids[K_FAULT], sizeof(ids[0]), "vm_pf_%s", mode);
	snprintf(ids[K_LOOP], sizeof(ids[0]), "vm_loop_%s", mode);
	if (bench_quick)
		snprintf(cmdline, sizeof(cmdline), "rounds=1 cpuid=20 faults=16 loop=%u",
			 QUICK_ITERS);
	else
		snprintf(cmdline, sizeof(cmdline), "rounds=%u cpuid=2000 faults=512 loop=%u",
			 ROUNDS, LOOP_ITERS);
	struct vm_config cfg = { .mem_mib = 64,
				 .smp = 1,
				 .npt = npt,
				 .timeout_ms = 120000,
				 .kernel = image,
				 .kernel_len = len,
				 .cmdline = cmdline,
				 .host = { .ctx = &cap, .console_write = console },
				 .stats = &stats };
	cap.len = 0;
	cap.buf[0] = 0;
	memset(&stats, 0, sizeof(stats));
	uint64_t t0 = bench_tsc();
	int st = vm_run(&cfg, err, sizeof(err));
	uint64_t wall = bench_tsc() - t0;
	parse(cap.buf, &s);
	bench_info(ids[K_CPUID],
		   "guest %s, status %d, %llu #VMEXITs, %llu shadow fills, %llu shadow flushes, "
		   "%.0f ms in vm_run",
		   cmdline, st, (unsigned long long)stats.exits,
		   (unsigned long long)stats.shadow_fills, (unsigned long long)stats.shadow_flushes,
		   bench_hz ? (double)wall * 1e3 / (double)bench_hz : 0.0);
	for (int k = 0; k < K_N; k++) {
		if (s.n[k] > 0 && st == 33)
			bench_samples(ids[k], s.cycles[k], s.n[k], k == K_LOOP ? 1 : s.iters[k]);
		else {
			char why[400];
			snprintf(why, sizeof(why),
				 "failed: the bench guest ended with status %d%s%s%s (last line: "
				 "%.120s)",
				 st, err[0] ? " (" : "", err, err[0] ? ")" : "", last_line(&cap));
			bench_skip(ids[k], why);
		}
	}
}

static void run(void)
{
	static const char *const guest_ids[] = {
		"vmexit_shadow", "vm_pf_shadow", "vm_loop_shadow",
		"vmexit_nested", "vm_pf_nested", "vm_loop_nested"
	};
	unsigned rounds = bench_quick ? 1 : ROUNDS;
	uint32_t iters = bench_quick ? QUICK_ITERS : LOOP_ITERS;

	raw_vmexit();
	const struct exo_module *m = exo_module_find(GUEST_MODULE);
	const void *image = m ? exo_module_map(m, 0x100000000000ull) : NULL;
	if (!image) {
		for (unsigned i = 0; i < sizeof(guest_ids) / sizeof(guest_ids[0]); i++)
			bench_skip(guest_ids[i], "failed: no data module " GUEST_MODULE
						 " (tools/bench.sh adds build/bench/guest.elf)");
	} else {
		guest_rows(image, m->bytes, false);
		guest_rows(image, m->bytes, true);
	}
	native_loop(rounds, iters);
}
#endif

BENCH_FAMILY(80, vmguest, run, BENCH_ALONE);
