/*
 * harness.c - main(), the clock, and the measurement loop shared by every
 * benchmark family (bench.h), in both builds: ours (a boot module on the
 * exokernel) and Linux's (static glibc, run by the initramfs /init).
 *
 * Method, the same on both sides: the TSC (lfence-ordered rdtsc) times
 * every figure. A measurement first grows its batch (iterations timed
 * together) until one batch takes BENCH_BATCH_MS, which also warms caches
 * and page tables; then it measures batches until the last BENCH_MIN_REPS
 * batch means lie within BENCH_SPREAD_PCT of their median, or a bound
 * (batches, milliseconds) is hit. It reports the median of the batch
 * means and the smallest and largest one.
 *
 * The TSC rate: Linux's is calibrated against clock_gettime(CLOCK_MONOTONIC)
 * over 100 ms; ours is EXO_USYSINFO's tsc_hz when the kernel publishes one,
 * else unknown, and then our figures are in cycles only (the report may
 * convert them with the Linux rate: under QEMU TCG both guests read the
 * same host TSC).
 *
 * Arguments: dir= (the directory of the file-system rows), disk= (Linux's
 * raw disk), only=FAMILY[,FAMILY] (run just these), quick (one iteration
 * of each measurement, no warm-up: a smoke test that the code still runs),
 * and any NAME=VALUE a family reads with bench_arg (bench/disk.c: rd=, wr=).
 *
 * Our side runs in two boots (bench.h, BENCH_FAMILY): stand-alone as a
 * boot module (the kernel-level families; it leaves QEMU through
 * isa-debug-exit), and as init under unixd, which this program recognises
 * by the server in its auxiliary vector (the UNIX families; it exits, and
 * unixd unmounts the root file system and powers off).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LINUX
#include <sys/utsname.h>
#include <time.h>
#else
#include <exo/calls.h>
#include <exo/layout.h>
#include <exo/types.h>
#include <unix/client.h>
#endif

#include "bench.h"

uint64_t bench_hz;
uint64_t bench_main_tsc;
const char *bench_dir, *bench_disk, *bench_self;
bool bench_quick;
bool bench_unix;

static int arg_count;
static char **arg_vec;

static char fail_reason[160];
static const char *only; /* only=NAME[,NAME]: run just these families */

extern const struct bench_family __start_bench_families[], __stop_bench_families[];
extern const struct bench_role __start_bench_roles[], __stop_bench_roles[];

/* ------------------------------------------------------------ output */

void bench_info(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("BENCH-INFO %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_reason, sizeof(fail_reason), fmt, ap);
	va_end(ap);
}

void bench_skip(const char *id, const char *reason)
{
	printf("BENCH-SKIP %s %s\n", id, reason);
	fflush(stdout);
}

static void print_cycles(const char *id, double med, double min, double max, unsigned reps,
			 long iters)
{
	printf("BENCH %s cycles %.0f %.0f %.0f %u %ld\n", id, med, min, max, reps, iters);
	if (bench_hz) {
		double k = 1e6 / (double)bench_hz;

		printf("BENCH %s us %.3f %.3f %.3f %u %ld\n", id, med * k, min * k, max * k, reps,
		       iters);
	}
	fflush(stdout);
}

void bench_cycles_stats(const char *id, double med, double min, double max, unsigned reps,
			long iters)
{
	print_cycles(id, med, min, max, reps, iters);
}

void bench_value(const char *id, const char *unit, double value)
{
	printf("BENCH %s %s %.0f %.0f %.0f 1 1\n", id, unit, value, value, value);
	fflush(stdout);
}

void bench_cycles_once(const char *id, uint64_t cycles)
{
	print_cycles(id, (double)cycles, (double)cycles, (double)cycles, 1, 1);
}

/* ------------------------------------------------------------ statistics */

static void sort(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		double x = v[i];
		unsigned j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static double median(const double *v, unsigned n)
{
	double s[BENCH_MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	sort(s, n);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* True if the n means lie within BENCH_SPREAD_PCT of their median. */
static bool stable(const double *v, unsigned n)
{
	double lo = v[0], hi = v[0], m = median(v, n);

	for (unsigned i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return m > 0 && (hi - lo) * 100 < BENCH_SPREAD_PCT * m;
}

void bench_samples(const char *id, const uint64_t *cycles, unsigned n, long iters)
{
	double mean[BENCH_MAX_REPS];

	if (n > BENCH_MAX_REPS)
		n = BENCH_MAX_REPS;
	if (n == 0 || iters <= 0) {
		bench_skip(id, "no samples");
		return;
	}
	double lo = 0, hi = 0;
	for (unsigned i = 0; i < n; i++) {
		mean[i] = (double)cycles[i] / (double)iters;
		lo = i == 0 || mean[i] < lo ? mean[i] : lo;
		hi = i == 0 || mean[i] > hi ? mean[i] : hi;
	}
	print_cycles(id, median(mean, n), lo, hi, n, iters);
}

void bench_values(const char *id, const char *unit, const double *v, unsigned n)
{
	if (n > BENCH_MAX_REPS)
		n = BENCH_MAX_REPS;
	if (n == 0) {
		bench_skip(id, "no samples");
		return;
	}
	double lo = v[0], hi = v[0];
	for (unsigned i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	printf("BENCH %s %s %.0f %.0f %.0f %u 1\n", id, unit, median(v, n), lo, hi, n);
	fflush(stdout);
}

/* ------------------------------------------------------------ the loop */

void bench_time(const char *id, bench_fn fn, void *ctx, const struct bench_limits *lim)
{
	long max_iters = lim && lim->max_iters ? lim->max_iters : 1L << 24;
	unsigned max_reps = lim && lim->max_reps ? lim->max_reps : BENCH_MAX_REPS;
	unsigned cap_ms = lim && lim->cap_ms ? lim->cap_ms : BENCH_CAP_MS;
	uint64_t hz = bench_hz ? bench_hz : BENCH_NOMINAL_HZ;
	uint64_t target = hz / 1000 * BENCH_BATCH_MS, cap = hz / 1000 * cap_ms;
	double mean[BENCH_MAX_REPS];
	long n = 1;
	uint64_t c;

	if (max_reps > BENCH_MAX_REPS)
		max_reps = BENCH_MAX_REPS;
	fail_reason[0] = 0;
	if (bench_quick) { /* smoke test: one iteration, once */
		c = fn(ctx, 1);
		if (c == BENCH_FAILED || c == BENCH_STOP)
			goto failed;
		print_cycles(id, (double)c, (double)c, (double)c, 1, 1);
		return;
	}
	/* Warm-up: grow the batch until it is long enough to time; the last
	 * warm-up batch already ran at the final size. */
	for (;;) {
		c = fn(ctx, n);
		if (c == BENCH_FAILED || c == BENCH_STOP)
			goto failed;
		if (c >= target || n >= max_iters)
			break;
		uint64_t grow = c ? target / c + 1 : 64;
		grow = grow < 2 ? 2 : grow > 64 ? 64 : grow;
		n = (long)((uint64_t)n * grow) > max_iters ? max_iters : (long)((uint64_t)n * grow);
	}
	uint64_t start = bench_tsc();
	unsigned r = 0;
	while (r < max_reps) {
		c = fn(ctx, n);
		if (c == BENCH_FAILED || (c == BENCH_STOP && r == 0))
			goto failed;
		if (c == BENCH_STOP)
			break; /* the batches so far stand */
		mean[r++] = (double)c / (double)n;
		if (r >= BENCH_MIN_REPS && stable(mean + r - BENCH_MIN_REPS, BENCH_MIN_REPS))
			break;
		if (bench_tsc() - start >= cap)
			break;
	}
	double lo = mean[0], hi = mean[0];
	for (unsigned i = 1; i < r; i++) {
		lo = mean[i] < lo ? mean[i] : lo;
		hi = mean[i] > hi ? mean[i] : hi;
	}
	print_cycles(id, median(mean, r), lo, hi, r, n);
	return;
failed:
	printf("BENCH-SKIP %s failed: %s\n", id, fail_reason[0] ? fail_reason : "unknown error");
	fflush(stdout);
}

/* ------------------------------------------------------------ the machine */

static void cpu_brand(char out[49])
{
	uint32_t r[12];

	for (unsigned i = 0; i < 3; i++)
		__asm__ volatile("cpuid"
				 : "=a"(r[4 * i]), "=b"(r[4 * i + 1]), "=c"(r[4 * i + 2]),
				   "=d"(r[4 * i + 3])
				 : "a"(0x80000002u + i), "c"(0));
	memcpy(out, r, 48);
	out[48] = 0;
	char *p = out;
	while (*p == ' ')
		p++;
	memmove(out, p, strlen(p) + 1);
}

#ifdef BENCH_LINUX
static uint64_t ns_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void clock_init(void)
{
	char src[64] = "unknown";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	struct utsname u;

	if (f) {
		if (fgets(src, sizeof(src), f))
			src[strcspn(src, "\n")] = 0;
		fclose(f);
	}
	uint64_t n0 = ns_now(), t0 = bench_tsc(), n1, t1;
	do {
		n1 = ns_now();
	} while (n1 - n0 < 100000000ULL);
	t1 = bench_tsc();
	bench_hz = (uint64_t)((double)(t1 - t0) * 1e9 / (double)(n1 - n0));
	printf("BENCH-CLOCK tsc %llu calibrated against clock_gettime(CLOCK_MONOTONIC) over "
	       "100 ms; kernel clocksource %s\n",
	       (unsigned long long)bench_hz, src);
	uname(&u);
	bench_info("system", "linux %s %s (static glibc)", u.release, u.machine);
}

static void bench_exit(void)
{
	fflush(stdout);
	exit(0);
}
#else
static void clock_init(void)
{
	const volatile struct exo_sysinfo *si = (const volatile struct exo_sysinfo *)EXO_USYSINFO;

	bench_hz = si->tsc_hz;
	if (bench_hz)
		printf("BENCH-CLOCK tsc %llu from the kernel (EXO_USYSINFO tsc_hz)\n",
		       (unsigned long long)bench_hz);
	else
		printf("BENCH-CLOCK tsc 0 unknown: EXO_USYSINFO tsc_hz is 0 (the kernel has no "
		       "calibrated timer yet); figures in cycles only\n");
	bench_info("system", "exo (newlib + libos/unix + libexo), %u CPU(s) in use",
		   (unsigned)si->ncpus);
	/* Forks of this program have its name too: tools/bench.sh tells the
	 * measuring env's death from theirs by this id. */
	bench_info("env", "%lld", (long long)exo_env_id());
}

static void bench_exit(void)
{
	fflush(stdout);
	if (bench_unix)
		exit(0);   /* init ends: unixd syncs, unmounts, powers off (status 0) */
	exo_debug_exit(0); /* QEMU exits with status 1 */
	exit(0);
}
#endif

/* ------------------------------------------------------------ main */

const char *bench_arg(const char *name)
{
	size_t n = strlen(name);

	for (int i = 1; i < arg_count; i++)
		if (strncmp(arg_vec[i], name, n) == 0 && arg_vec[i][n] == '=')
			return arg_vec[i] + n + 1;
	return NULL;
}

bool bench_wanted(const char *name)
{
	size_t n = strlen(name);

	if (!only)
		return true;
	for (const char *p = only; *p;) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0))
			return true;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return false;
}

int main(int argc, char **argv)
{
	bench_main_tsc = bench_tsc();
	bench_self = argv[0];
#ifndef BENCH_LINUX
	bench_unix = unix_server != 0;
#endif
	arg_count = argc;
	arg_vec = argv;
	if (argc > 1)
		for (const struct bench_role *r = __start_bench_roles; r < __stop_bench_roles; r++)
			if (strcmp(argv[1], r->name) == 0)
				return r->fn(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "dir=", 4) == 0)
			bench_dir = argv[i] + 4;
		else if (strncmp(argv[i], "disk=", 5) == 0)
			bench_disk = argv[i] + 5;
		else if (strncmp(argv[i], "only=", 5) == 0)
			only = argv[i] + 5;
		else if (strcmp(argv[i], "quick") == 0)
			bench_quick = true;
	}

	char brand[49];
	cpu_brand(brand);
	printf("BENCH-BEGIN\n");
	clock_init();
	bench_info("cpu", "%s", brand);

	/* Families in their declared order (the linker keeps link order). */
	const struct bench_family *fam[64];
	unsigned nf = 0;
	for (const struct bench_family *f = __start_bench_families;
	     f < __stop_bench_families && nf < 64; f++)
		fam[nf++] = f;
	for (unsigned i = 1; i < nf; i++) {
		const struct bench_family *x = fam[i];
		unsigned j = i;

		for (; j > 0 && fam[j - 1]->order > x->order; j--)
			fam[j] = fam[j - 1];
		fam[j] = x;
	}
#ifdef BENCH_LINUX
	unsigned boot = BENCH_ALONE | BENCH_UNIX; /* Linux: one boot for all */
#else
	unsigned boot = bench_unix ? BENCH_UNIX : BENCH_ALONE;
	bench_info("boot", "%s", bench_unix ? "unix (init under unixd)" : "stand-alone");
#endif
	for (unsigned i = 0; i < nf; i++) {
		if (!(fam[i]->where & boot) || !bench_wanted(fam[i]->name))
			continue;
		bench_info("family", "%s", fam[i]->name);
		fam[i]->run();
	}
	printf("BENCH-END\n");
	bench_exit();
	return 0;
}
