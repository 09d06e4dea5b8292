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
 * the median of the runs with their spread. Both modes' rows have the
 * direct boot as their Linux column (bench/rows.txt).
 *
 * Then work inside the running guest, once per mode: the guest boots with
 * "exobench" instead of "exotest" and a 64 MiB virtio-blk disk backed by
 * this program's memory (random bytes), and its /init runs this program's
 * static glibc build (packed into make bench's copy of its initramfs) in
 * role in-guest, which times with the guest's RDTSC (the host's TSC plus
 * the VMCB's offset: host cycles) and prints ordinary BENCH lines on the
 * guest's console. console_write collects them and they are re-emitted
 * under our ids:
 *
 *   vm_guest_fork_nested     bench_fork_exit_wait (bench/proc.c, the
 *   vm_guest_fork_shadow     fork_exit_wait row's loop) in the guest: a
 *                            page-table-heavy workload
 *   vm_guest_blkread_nested  one pass over the 64 MiB disk in 1 MiB
 *   vm_guest_blkread_shadow  O_DIRECT preads (disk.c's sequential read,
 *                            on the whole device)
 *
 * Their Linux column: the same guest (kernel, initramfs, command line,
 * 256 MiB, 1 CPU, a 64 MiB virtio-mmio disk) booted directly by QEMU on
 * its microvm machine (tools/bench.sh), printing the same lines
 * (guest_fork_exit_wait, guest_blk_seq_read). Quick mode skips them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LINUX
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#else
#include <exo/libexo.h>

#include "vmm.h"
#endif

#include "bench.h"

#define LINE_MARK "exo-linux-guest: up"

#define BLK_CHUNK (1L << 20)  /* bytes per pread of the in-guest read */
#define BLK_PASS  (64L << 20) /* bytes of one pass: disk_seq_read_64m's */

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

/* The in-guest read: BLK_PASS bytes of the device in order (or the whole
 * device if smaller), BLK_CHUNK per O_DIRECT pread, as disk.c's
 * sequential read does on the raw disk. */
static int blk_fd = -1;
static char *blk_buf;
static long blk_bytes;

static uint64_t blk_seq_read(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++)
		for (long off = 0; off < blk_bytes; off += BLK_CHUNK)
			if (pread(blk_fd, blk_buf, BLK_CHUNK, (off_t)off) != BLK_CHUNK) {
				bench_fail("short read at %ld", off);
				return BENCH_FAILED;
			}
	return bench_tsc() - t0;
}

/* The in-guest read on disk (NULL: none); NULL, or why it has no figure. */
static const char *blk_row(const char *disk)
{
	struct bench_limits seq = { .max_iters = 1, .max_reps = 10, .cap_ms = 3000 };
	uint64_t bytes = 0;

	if (!disk)
		return "no virtio disk in the guest (/dev/vda)";
	blk_fd = open(disk, O_RDONLY | O_DIRECT);
	if (blk_fd < 0 || ioctl(blk_fd, BLKGETSIZE64, &bytes) != 0 || bytes < BLK_CHUNK ||
	    posix_memalign((void **)&blk_buf, 4096, BLK_CHUNK) != 0 ||
	    pread(blk_fd, blk_buf, BLK_CHUNK, 0) != BLK_CHUNK)
		return "cannot read the guest's disk with O_DIRECT";
	blk_bytes =
		(long)(bytes < (uint64_t)BLK_PASS ? bytes : (uint64_t)BLK_PASS) & ~(BLK_CHUNK - 1);
	bench_info("guest_blk_seq_read",
		   "%s: %llu bytes, passes of %ld MiB in 1 MiB O_DIRECT preads; first MiB: "
		   "fnv1a %016llx",
		   disk, (unsigned long long)bytes, blk_bytes >> 20,
		   (unsigned long long)bench_fnv1a(blk_buf, BLK_CHUNK));
	bench_disk_queue_info(disk);
	bench_time("guest_blk_seq_read", blk_seq_read, NULL, &seq);
	close(blk_fd);
	return NULL;
}

/* `/bench in-guest [disk=DEV]`: the Linux guest's /init runs this in its
 * exobench mode (tools/linux-guest-initrd.sh), under our VMM and, for the
 * Linux column, on QEMU directly (tools/bench.sh). Cycles only (the guest
 * does not calibrate): under the VMM the host re-emits the lines. */
static int in_guest(int argc, char **argv)
{
	struct bench_limits proc = { .cap_ms = 3000 };
	struct timespec t;

	(void)argc;
	(void)argv;
	/* Directly on QEMU the TSC counts from the machine's reset: with the
	 * uptime of /init's first line this dates that line (docs). */
	clock_gettime(CLOCK_BOOTTIME, &t);
	bench_info("guest_start", "TSC at main() %llu, CLOCK_BOOTTIME %.3f ms",
		   (unsigned long long)bench_main_tsc,
		   (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6);
	bench_time("guest_fork_exit_wait", bench_fork_exit_wait, NULL, &proc);
	const char *why = blk_row(bench_arg("disk"));
	if (why)
		bench_skip("guest_blk_seq_read", why);
	printf("BENCH-END\n");
	return 0;
}
BENCH_ROLE("in-guest", in_guest);

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

#define BENCH_CMDLINE "console=ttyS0 quiet exobench panic=-1"
#define DISK_MIB      64 /* the in-guest read's disk: one BLK_PASS */
#define MAX_LINES     24 /* BENCH lines kept from one run */

/* What console_write saw of one run. */
struct seen {
	uint64_t t0, mark_tsc; /* vm_run's start; the marker's last byte (0: not seen) */
	char line[256];	       /* the line being written */
	size_t n;
	char up_line[256];	    /* the marker's line, once complete */
	char last[256];		    /* the last complete line, for a failure's reason */
	char bench[MAX_LINES][256]; /* the guest's BENCH lines (role in-guest) */
	unsigned nbench;
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
				if (strncmp(s->line, "BENCH", 5) == 0 && s->nbench < MAX_LINES)
					memcpy(s->bench[s->nbench++], s->line, s->n + 1);
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

/* One run of the guest with command line cmdline and, if disk is not
 * NULL, that virtio disk; what its console showed goes to *s (s->t0: the
 * TSC at vm_run's start), its counters to *stats. Returns vm_run's
 * status; *wall is the run's length in TSC cycles. */
static int run_guest(const struct linux_image *img, bool npt, const char *cmdline,
		     const struct vdev_disk *disk, struct seen *s, struct vm_stats *stats,
		     uint64_t *wall, char *err, size_t errlen)
{
	struct vm_config cfg = {
		.mem_mib = GUEST_MIB,
		.smp = 1,
		.npt = npt,
		.timeout_ms = 180000,
		.kernel = img->kernel,
		.kernel_len = img->kernel_len,
		.cmdline = cmdline,
		.mods = { { .data = img->initrd, .len = img->initrd_len, .string = "" } },
		.nmods = 1,
		.host = { .ctx = s, .console_write = console },
		.stats = stats
	};

	if (disk) {
		cfg.drives[0] = *disk;
		cfg.ndrives = 1;
	}
	memset(s, 0, sizeof(*s));
	memset(stats, 0, sizeof(*stats));
	s->t0 = bench_tsc();
	int st = vm_run(&cfg, err, errlen);
	*wall = bench_tsc() - s->t0;
	return st;
}

/* One boot in one mode: *cycles from vm_run's start to the marker, *up_ms
 * the guest's uptime on that line. Returns NULL, or why there is no
 * figure (why[] holds it). */
static const char *boot_once(const struct linux_image *img, bool npt, unsigned run,
			     uint64_t *cycles, double *up_ms, char *why, size_t whylen)
{
	static struct seen s;
	char err[256] = "";
	struct vm_stats stats;
	uint64_t wall;
	int st = run_guest(img, npt, CMDLINE, NULL, &s, &stats, &wall, err, sizeof(err));
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

/* The in-guest read's disk: DISK_MIB of random bytes in our memory. */
struct memdisk {
	uint8_t *bytes;
};

static int md_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	memcpy(buf, ((struct memdisk *)ctx)->bytes + sector * VDEV_SECTOR,
	       (size_t)count * VDEV_SECTOR);
	return 0;
}

static int md_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	memcpy(((struct memdisk *)ctx)->bytes + sector * VDEV_SECTOR, buf,
	       (size_t)count * VDEV_SECTOR);
	return 0;
}

static int md_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

/* The in-guest figures: the guest's id, ours without the mode. */
static const char *const guest_ids[][2] = { { "guest_fork_exit_wait", "vm_guest_fork_" },
					    { "guest_blk_seq_read", "vm_guest_blkread_" } };
#define NGUEST	      (sizeof(guest_ids) / sizeof(guest_ids[0]))

/* One exobench run in one mode: the guest's BENCH lines become our rows. */
static void guest_rows(const struct linux_image *img, const struct vdev_disk *disk, bool npt)
{
	static struct seen s;
	const char *mode = npt ? "nested" : "shadow";
	char err[256] = "", id[NGUEST][40], info[24];
	bool done[NGUEST] = { false };
	struct vm_stats stats;
	uint64_t wall;

	for (unsigned j = 0; j < NGUEST; j++)
		snprintf(id[j], sizeof(id[j]), "%s%s", guest_ids[j][1], mode);
	snprintf(info, sizeof(info), "vm_guest_%s", mode);
	int st = run_guest(img, npt, BENCH_CMDLINE, disk, &s, &stats, &wall, err, sizeof(err));
	double k = bench_hz ? 1e3 / (double)bench_hz : 0;
	bench_info(info,
		   "\"%s\", %u MiB disk: status %d%s%s%s, %.0f ms in vm_run, %llu #VMEXITs, "
		   "%llu shadow fills, %llu shadow flushes",
		   BENCH_CMDLINE, DISK_MIB, st, err[0] ? " (" : "", err, err[0] ? ")" : "",
		   (double)wall * k, (unsigned long long)stats.exits,
		   (unsigned long long)stats.shadow_fills,
		   (unsigned long long)stats.shadow_flushes);
	for (unsigned i = 0; i < s.nbench; i++) {
		char gid[64], unit[16], rest[200];
		double med, min, max;
		unsigned reps;
		long iters;

		if (sscanf(s.bench[i], "BENCH-INFO %63s %199[^\n]", gid, rest) == 2) {
			bench_info(info, "in the guest: %s %s", gid, rest);
			continue;
		}
		for (unsigned j = 0; j < NGUEST; j++) {
			if (sscanf(s.bench[i], "BENCH-SKIP %63s %199[^\n]", gid, rest) == 2 &&
			    strcmp(gid, guest_ids[j][0]) == 0 && !done[j]) {
				snprintf(err, sizeof(err), "failed in the guest: %s", rest);
				bench_skip(id[j], err);
				done[j] = true;
			} else if (sscanf(s.bench[i], "BENCH %63s %15s %lf %lf %lf %u %ld", gid,
					  unit, &med, &min, &max, &reps, &iters) == 7 &&
				   strcmp(gid, guest_ids[j][0]) == 0 &&
				   strcmp(unit, "cycles") == 0 && !done[j]) {
				bench_cycles_stats(id[j], med, min, max, reps, iters);
				done[j] = true;
			}
		}
	}
	for (unsigned j = 0; j < NGUEST; j++)
		if (!done[j]) {
			snprintf(err, sizeof(err),
				 "failed: the guest did not report it (status %d; last line: "
				 "%.100s)",
				 st, s.n ? s.line : s.last);
			bench_skip(id[j], err);
		}
}

/* The exobench runs, nested then shadow, on one memory disk. */
static void guest_runs(const struct linux_image *img)
{
	static struct memdisk md;
	const size_t bytes = (size_t)DISK_MIB << 20;

	if (bench_quick) {
		for (unsigned j = 0; j < NGUEST; j++)
			for (unsigned m = 0; m < 2; m++) {
				char id[40];
				snprintf(id, sizeof(id), "%s%s", guest_ids[j][1],
					 m ? "shadow" : "nested");
				bench_skip(id, "not run in quick mode");
			}
		return;
	}
	md.bytes = malloc(bytes);
	if (!md.bytes) {
		for (unsigned j = 0; j < NGUEST; j++)
			for (unsigned m = 0; m < 2; m++) {
				char id[40];
				snprintf(id, sizeof(id), "%s%s", guest_ids[j][1],
					 m ? "shadow" : "nested");
				bench_skip(id, "failed: no memory for the guest's 64 MiB disk");
			}
		return;
	}
	/* Random bytes (xorshift64), so that no read can be satisfied by a
	 * zero page anywhere and the hash below means something. */
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < bytes; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(md.bytes + i, &x, 8);
	}
	/* What one of the device model's two copies of a read costs here
	 * (disk -> its 64 KiB bounce buffer; then bounce buffer -> guest
	 * memory): the whole disk through a buffer of that size, in ring 3. */
	static uint8_t bounce[64 << 10];
	uint64_t t0 = bench_tsc();
	for (size_t i = 0; i < bytes; i += sizeof(bounce)) {
		memcpy(bounce, md.bytes + i, sizeof(bounce));
		__asm__ volatile("" : : "r"(bounce) : "memory");
	}
	uint64_t copy = bench_tsc() - t0;
	bench_info("vm_guest",
		   "disk: %d MiB in our memory, first MiB: fnv1a %016llx; one copy of it through "
		   "a 64 KiB buffer (the device model makes two per read) %llu cycles, %.1f ms",
		   DISK_MIB, (unsigned long long)bench_fnv1a(md.bytes, BLK_CHUNK),
		   (unsigned long long)copy,
		   bench_hz ? (double)copy * 1e3 / (double)bench_hz : 0.0);
	struct vdev_disk disk = { .ctx = &md,
				  .sectors = bytes / VDEV_SECTOR,
				  .read = md_read,
				  .write = md_write,
				  .flush = md_flush };
	guest_rows(img, &disk, true);
	guest_rows(img, &disk, false);
	free(md.bytes);
}

static void run(void)
{
	static const char *const ids[] = { "vm_linux_boot",	      "vm_linux_uptime",
					   "vm_linux_boot_shadow",    "vm_linux_uptime_shadow",
					   "vm_guest_fork_nested",    "vm_guest_fork_shadow",
					   "vm_guest_blkread_nested", "vm_guest_blkread_shadow" };
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
	guest_runs(&img);
}
#endif

BENCH_FAMILY(81, vmlinux, run, BENCH_ALONE);
