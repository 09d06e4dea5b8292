/*
 * vmlinux.c - a Linux guest's boot under the VMM library OS (libos/vmm,
 * docs/vmm.md "A Linux guest") against the same kernel booted directly by
 * QEMU: the target "Linux guest boot under our VMM with nested
 * paging <= 3x the direct boot". Ours runs in the stand-alone boot (the
 * first boot module holds EXO_RIGHT_GUEST); Linux's build reports the
 * direct boot's figures, stamped by its /init (bench/linux-init.sh).
 *
 * Both sides measure to the same point of /init: after mounting /proc,
 * /sys and devtmpfs (in that order), `$(cat /proc/uptime | cut -d ' ' -f 1)`,
 * the kernel's own uptime. The VMM's guest (tools/linux-guest-initrd.sh)
 * prints it as "exo-linux-guest: up, S s after the kernel started"; the
 * benchmark initramfs hands it to this program in role stamp-line.
 *
 *   vm_linux_boot          TSC cycles. Ours: from the start of vm_run to
 *                          the moment console_write shows
 *                          "exo-linux-guest: up" (nested paging, 256 MiB,
 *                          1 vCPU, "console=ttyS0 quiet exotest panic=-1"):
 *                          the VMM building the machine (guest memory, its
 *                          nested table), the Linux boot protocol loader,
 *                          decompression, the kernel, the initramfs, /init
 *                          to that line. Linux: from QEMU's machine reset
 *                          (the TSC starts at 0 under TCG) to main() of
 *                          `/bench stamp-line` at the same point of its
 *                          /init: SeaBIOS, QEMU's -kernel loader, then the
 *                          same steps
 *   vm_linux_boot_shadow   ours, the same in shadow mode (informational)
 *   vm_linux_uptime        ms: the kernel's own clock (/proc/uptime,
 *   vm_linux_uptime_shadow CLOCK_BOOTTIME) at that point, from its start in
 *                          start_kernel (timekeeping_init): what both sides
 *                          spend in the kernel proper and /init, without
 *                          firmware, loaders and decompression. Resolution
 *                          10 ms
 *
 * Ours runs the guest several times per mode (one nested run in quick
 * mode, no shadow run: bench.test's smoke run stays short); each row is
 * the median of the runs with their spread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LINUX
#include <time.h>
#else
#include <exo/libexo.h>

#include "vmm.h"
#endif

#include "bench.h"

#define LINE_MARK "exo-linux-guest: up"

#ifdef BENCH_LINUX
#define LINE_FILE "/bench-line.tsc"

/* `/bench stamp-line UPTIME`: leave the TSC at main(), the uptime the
 * shell read (the same commands as the guest's /init) and CLOCK_BOOTTIME
 * now in LINE_FILE for the run below. */
static int stamp_line(int argc, char **argv)
{
	struct timespec t;
	FILE *f = fopen(LINE_FILE, "w");

	if (!f || argc < 3)
		return 1;
	clock_gettime(CLOCK_BOOTTIME, &t);
	fprintf(f, "%llu %s %llu\n", (unsigned long long)bench_main_tsc, argv[2],
		(unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec);
	return fclose(f) != 0;
}
BENCH_ROLE("stamp-line", stamp_line);

static void run(void)
{
	unsigned long long tsc = 0, boot_ns = 0;
	double up = -1;
	FILE *f = fopen(LINE_FILE, "r");

	if (!f || fscanf(f, "%llu %lf %llu", &tsc, &up, &boot_ns) != 3 || !tsc || up < 0) {
		const char *why =
			"no stamp from /init (bench/linux-init.sh runs `/bench stamp-line` "
			"after its mounts)";
		bench_skip("vm_linux_boot", why);
		bench_skip("vm_linux_uptime", why);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	bench_cycles_once("vm_linux_boot", tsc);
	double ms = up * 1e3;
	bench_values("vm_linux_uptime", "ms", &ms, 1);
	if (bench_hz)
		bench_info("vm_linux_boot",
			   "reset to /init's line %.0f ms, of which the kernel's clock %.0f ms "
			   "(CLOCK_BOOTTIME in the stamp %.0f ms): %.0f ms before it (SeaBIOS, "
			   "the -kernel loader, decompression, early setup)",
			   (double)tsc * 1e3 / (double)bench_hz, ms, (double)boot_ns / 1e6,
			   (double)tsc * 1e3 / (double)bench_hz - ms);
}
#else

#define RUNS_NESTED   5
#define RUNS_SHADOW   3
#define KERNEL_MODULE "/bench/linux.bzImage"
#define INITRD_MODULE "/bench/linux.initrd"
#define MODULE_VA     0x120000000000ull /* clear of vmguest.c's guest image */
#define GUEST_MIB     256
#define CMDLINE	      "console=ttyS0 quiet exotest panic=-1"

/* What console_write saw of one run. */
struct seen {
	uint64_t t0, mark_tsc; /* vm_run's start; the marker's last byte (0: not seen) */
	char line[256];	       /* the line being written */
	size_t n;
	char up_line[256]; /* the marker's line, once complete */
	char last[256];	   /* the last complete line, for a failure's reason */
};

static void console(void *ctx, const char *b, size_t len)
{
	struct seen *s = ctx;
	const size_t m = sizeof(LINE_MARK) - 1;

	for (size_t i = 0; i < len; i++) {
		if (b[i] == '\r')
			continue;
		if (b[i] == '\n') {
			s->line[s->n] = 0;
			if (s->n) {
				memcpy(s->last, s->line, s->n + 1);
				if (!s->up_line[0] && strstr(s->line, LINE_MARK))
					memcpy(s->up_line, s->line, s->n + 1);
			}
			s->n = 0;
			continue;
		}
		if (s->n < sizeof(s->line) - 1) {
			s->line[s->n++] = b[i];
			s->line[s->n] = 0;
		}
		if (!s->mark_tsc && s->n >= m && memcmp(s->line + s->n - m, LINE_MARK, m) == 0)
			s->mark_tsc = bench_tsc();
	}
}

struct linux_image {
	const void *kernel, *initrd;
	size_t kernel_len, initrd_len;
};

/* One boot in one mode: *cycles from vm_run's start to the marker, *up_ms
 * the guest's uptime on that line. Returns NULL, or why there is no
 * figure (why[] holds it). */
static const char *boot_once(const struct linux_image *img, bool npt, unsigned run,
			     uint64_t *cycles, double *up_ms, char *why, size_t whylen)
{
	static struct seen s;
	char err[256] = "";
	struct vm_stats stats;
	struct vm_config cfg = {
		.mem_mib = GUEST_MIB,
		.smp = 1,
		.npt = npt,
		.timeout_ms = 180000,
		.kernel = img->kernel,
		.kernel_len = img->kernel_len,
		.cmdline = CMDLINE,
		.mods = { { .data = img->initrd, .len = img->initrd_len, .string = "" } },
		.nmods = 1,
		.host = { .ctx = &s, .console_write = console },
		.stats = &stats
	};

	memset(&s, 0, sizeof(s));
	memset(&stats, 0, sizeof(stats));
	s.t0 = bench_tsc();
	int st = vm_run(&cfg, err, sizeof(err));
	uint64_t wall = bench_tsc() - s.t0;
	double u = -1;
	const char *p = strstr(s.up_line, LINE_MARK);
	if (p && sscanf(p, LINE_MARK ", %lf s", &u) != 1)
		u = -1;
	double k = bench_hz ? 1e3 / (double)bench_hz : 0;
	bench_info(npt ? "vm_linux_boot" : "vm_linux_boot_shadow",
		   "run %u: status %d%s%s%s, to the line %.0f ms, guest uptime there %.0f ms, "
		   "%.0f ms in vm_run, %llu #VMEXITs, %llu shadow fills, %llu shadow flushes",
		   run, st, err[0] ? " (" : "", err, err[0] ? ")" : "",
		   s.mark_tsc ? (double)(s.mark_tsc - s.t0) * k : 0.0, u * 1e3, (double)wall * k,
		   (unsigned long long)stats.exits, (unsigned long long)stats.shadow_fills,
		   (unsigned long long)stats.shadow_flushes);
	if (!s.mark_tsc || u < 0) {
		snprintf(why, whylen,
			 "failed: the guest did not print \"" LINE_MARK
			 "\" (status %d%s%s; last line: %.100s)",
			 st, err[0] ? ", " : "", err, s.n ? s.line : s.last);
		return why;
	}
	*cycles = s.mark_tsc - s.t0;
	*up_ms = u * 1e3;
	return NULL;
}

/* runs boots in one mode; its two rows. */
static void mode_rows(const struct linux_image *img, bool npt, unsigned runs)
{
	const char *id = npt ? "vm_linux_boot" : "vm_linux_boot_shadow";
	const char *up_id = npt ? "vm_linux_uptime" : "vm_linux_uptime_shadow";
	uint64_t cyc[RUNS_NESTED];
	double up[RUNS_NESTED];
	unsigned n = 0;
	char why[400] = "";
	const char *failed = NULL;

	for (unsigned r = 0; r < runs && r < RUNS_NESTED; r++) {
		const char *w = boot_once(img, npt, r, &cyc[n], &up[n], why, sizeof(why));
		if (w)
			failed = w;
		else
			n++;
	}
	if (n == 0) {
		bench_skip(id, failed ? failed : "no runs");
		bench_skip(up_id, failed ? failed : "no runs");
		return;
	}
	bench_samples(id, cyc, n, 1);
	bench_values(up_id, "ms", up, n);
	if (n < runs)
		bench_info(id, "%u of %u runs reached the line; the last failure: %s", n, runs,
			   why);
}

static void run(void)
{
	static const char *const ids[] = { "vm_linux_boot", "vm_linux_uptime",
					   "vm_linux_boot_shadow", "vm_linux_uptime_shadow" };
	const struct exo_module *k = exo_module_find(KERNEL_MODULE);
	const struct exo_module *i = exo_module_find(INITRD_MODULE);
	struct linux_image img = { 0 };

	if (k && i) {
		img.kernel = exo_module_map(k, MODULE_VA);
		img.kernel_len = k->bytes;
		img.initrd = exo_module_map(i, MODULE_VA + ((k->bytes + 0xfff) & ~0xfffull));
		img.initrd_len = i->bytes;
	}
	if ((!img.kernel || !img.initrd) && !bench_arg("only")) {
		/* tools/bench.sh's first stand-alone boot: the rows come from
		 * its own boot (only=vmlinux), which has the modules. */
		bench_info("vmlinux",
			   "no Linux guest in this boot (its rows: `bench only=vmlinux`)");
		return;
	}
	if (!img.kernel || !img.initrd) {
		for (unsigned j = 0; j < sizeof(ids) / sizeof(ids[0]); j++)
			bench_skip(ids[j],
				   "failed: no data modules " KERNEL_MODULE " and " INITRD_MODULE
				   " (tools/bench.sh adds build/guests/linux/vmlinuz and "
				   "initrd.img: make linux-guest)");
		return;
	}
	bench_info("vm_linux_boot",
		   "guest: %zu-byte bzImage, %zu-byte initrd, %u MiB, 1 vCPU, \"%s\"",
		   img.kernel_len, img.initrd_len, GUEST_MIB, CMDLINE);
	mode_rows(&img, true, bench_quick ? 1 : RUNS_NESTED);
	if (bench_quick) {
		bench_skip("vm_linux_boot_shadow",
			   "not run in quick mode (a shadow boot takes 10 s or "
			   "more under TCG)");
		bench_skip("vm_linux_uptime_shadow", "not run in quick mode");
	} else
		mode_rows(&img, false, RUNS_SHADOW);
}
#endif

BENCH_FAMILY(81, vmlinux, run, BENCH_ALONE);
