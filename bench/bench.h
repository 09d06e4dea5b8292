/*
 * bench.h - the harness every benchmark family shares, in both builds.
 *
 * Each family (a .c file in bench/) is compiled twice from the same source: for our
 * system (newlib + libos/unix + libexo, run as a boot module, or as init
 * under unixd: BENCH_FAMILY below) and, with
 * -DBENCH_LINUX, statically against glibc for the Debian cloud kernel
 * (run from a busybox initramfs). __linux__ cannot tell the two apart:
 * our user build uses the host gcc, which defines it too.
 *
 * A family registers itself with BENCH_FAMILY; its run function measures
 * with bench_time (or reports with bench_value / bench_skip). Both builds
 * print the same machine-readable lines on the console, which
 * tools/bench-report.sh turns into the table:
 *
 *   BENCH-CLOCK tsc HZ HOW...          HZ 0: unknown, cycles only
 *   BENCH-INFO KEY VALUE...
 *   BENCH ID cycles MED MIN MAX REPS ITERS   per-iteration TSC cycles
 *   BENCH ID us MED MIN MAX REPS ITERS       the same in microseconds (HZ known)
 *   BENCH ID UNIT MED MIN MAX REPS ITERS     other units (KiB)
 *   BENCH-SKIP ID REASON...            a figure that cannot be measured yet
 *   BENCH-END
 *
 * MED is the median of the batch means, MIN and MAX the smallest and
 * largest batch mean, REPS the number of measured batches, ITERS the
 * iterations per batch. Nothing here judges a figure: benchmarks never
 * pass or fail on timing.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TSC, ordered against surrounding loads and stores (lfence before and
 * after: Intel SDM vol. 2B RDTSC; AMD APM vol. 3 RDTSC). */
static inline uint64_t bench_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per second, 0 if unknown (then figures are in cycles only). */
extern uint64_t bench_hz;
/* TSC when main() started: the boot measurement of our side. */
extern uint64_t bench_main_tsc;
/* The directory the file-system rows work in (dir=: Linux's /mnt, our
 * UNIX boot's /tmp on the root file system) and Linux's raw disk device
 * (disk=); NULL if not given. */
extern const char *bench_dir, *bench_disk;
/* argv[0], for the fork+exec benchmark. */
extern const char *bench_self;
/* `quick` on the command line: every bench_time runs one batch of one
 * iteration, with no warm-up (a smoke test that the code still runs; the
 * figures mean nothing). */
extern bool bench_quick;

/* The value of NAME=VALUE among the program's arguments, or NULL. */
const char *bench_arg(const char *name);

/* Whether family NAME runs in this invocation (only= on the command line). */
bool bench_wanted(const char *name);

/*
 * A measured operation: run it iters times and return the TSC cycles the
 * iterations took (the function times itself, so set-up and clean-up stay
 * outside the figure), or BENCH_FAILED after bench_fail() said why, or
 * BENCH_STOP after bench_fail() when no further batch can be run but the
 * batches measured so far stand (they are reported; with none, it fails).
 */
typedef uint64_t (*bench_fn)(void *ctx, long iters);
#define BENCH_FAILED UINT64_MAX
#define BENCH_STOP   (UINT64_MAX - 1)

/* Bounds of one measurement. Zero fields take the defaults below. */
struct bench_limits {
	long max_iters;	   /* most iterations in one batch (1 for whole-workload runs) */
	unsigned max_reps; /* most measured batches */
	unsigned cap_ms;   /* stop adding batches after this long */
};
#define BENCH_MAX_REPS	 50
#define BENCH_CAP_MS	 2000
#define BENCH_MIN_REPS	 5  /* spread is judged over the last this many batches */
#define BENCH_SPREAD_PCT 5  /* stable: (max - min) / median of those below this */
#define BENCH_BATCH_MS	 10 /* a batch is grown until it takes at least this long */
/* Used to turn the millisecond bounds into cycles when the TSC rate is
 * unknown (our side without a calibrated clock). Bounds only, never a figure. */
#define BENCH_NOMINAL_HZ 3000000000ULL

/*
 * Warm up, then measure fn in batches until the spread of the last
 * BENCH_MIN_REPS batch means is below BENCH_SPREAD_PCT or a bound is hit;
 * print the BENCH lines for id. lim may be NULL.
 */
void bench_time(const char *id, bench_fn fn, void *ctx, const struct bench_limits *lim);

/* Report a figure that is not a time (e.g. KiB), measured once. */
void bench_value(const char *id, const char *unit, double value);

/* Report a figure measured once as a TSC cycle count (e.g. boot time). */
void bench_cycles_once(const char *id, uint64_t cycles);

/* Report a figure measured n times (1..BENCH_MAX_REPS) elsewhere (e.g.
 * inside a guest): sample i took cycles[i] TSC cycles for iters
 * operations. Prints the same BENCH lines as bench_time: the median,
 * smallest and largest of the per-operation means, n as the batches. */
void bench_samples(const char *id, const uint64_t *cycles, unsigned n, long iters);

/* Report a figure in unit (not a time in TSC cycles; e.g. a guest's own
 * clock, in ms) measured n times (1..BENCH_MAX_REPS): the median, smallest
 * and largest of the n values, n as the batches. */
void bench_values(const char *id, const char *unit, const double *v, unsigned n);

/* Say why id cannot be measured on this system (yet). */
void bench_skip(const char *id, const char *reason);

/* Inside a bench_fn: record why it failed (printf-style), then return
 * BENCH_FAILED. The reason becomes the row's BENCH-SKIP text. */
void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print one BENCH-INFO line. */
void bench_info(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifndef BENCH_LINUX
/*
 * Ours: the environments bench/ipc.c sets up and bench/slice.c shares.
 * bench_pair_setup finds the peer environment (the module "bench-peer
 * peer") and, with two CPUs, waits until the hog (module "bench-hog hog")
 * holds one of them, so that the caller and the peer share the other; it
 * returns NULL, or why not, and the ids in *peer and *hog (0: none).
 * Calling it again after success returns at once. bench_peer_slice asks
 * the peer to run bench_slice_peer(cpu) and returns 0 or the PCT error.
 * bench_hog_command writes cmd to the hog's command word (a page mapped
 * into it at BENCH_HOG_VA, which it watches): BENCH_HOG_SLICE runs
 * bench_slice_hog(cpu) once, BENCH_HOG_EXIT makes it destroy itself;
 * false if there is no hog. bench_hog_release makes the hog leave, freeing
 * its CPU.
 */
#define BENCH_HOG_VA	0x62f00000ULL /* the hog's command word */
#define BENCH_SLICE_VA	0x63000000ULL /* bench/slice.c's shared pages */
#define BENCH_HOG_SLICE 1
#define BENCH_HOG_EXIT	2
const char *bench_pair_setup(uint64_t *peer, uint64_t *hog);
long bench_peer_slice(uint32_t cpu);
bool bench_hog_command(uint64_t cmd);
void bench_hog_release(void);
void bench_slice_peer(uint32_t cpu);
void bench_slice_hog(uint32_t cpu);
#endif

/*
 * Families: run in increasing order. Our side boots twice (tools/bench.sh):
 * stand-alone, the program a boot module holding the root capability and
 * the raw disk (BENCH_ALONE: kernel-level rows), and as init under unixd
 * with an ext2 root (BENCH_UNIX: processes, files, pipes, boot to init).
 * A family runs in the boots its `where` names, so each row comes from
 * exactly one of them; Linux's one boot runs every family. (A third
 * stand-alone boot, with only=vmlinux, runs bench/vmlinux.c alone: its
 * guest images would otherwise enter the first boot's boot rows.)
 */
#define BENCH_ALONE 1u
#define BENCH_UNIX  2u
struct bench_family {
	int order;
	unsigned where; /* BENCH_ALONE, BENCH_UNIX or both: our boots it runs in */
	const char *name;
	void (*run)(void);
};
#define BENCH_FAMILY(order_, name_, fn_, where_)                                                 \
	static const struct bench_family bench_family_##name_                                    \
		__attribute__((used, section("bench_families"), aligned(8))) = { order_, where_, \
										 #name_, fn_ }

/* True in our UNIX boot: the program runs under unixd (a UNIX process with
 * a server); false stand-alone and on Linux. */
extern bool bench_unix;

/* Roles: `bench ROLE ...` runs fn instead of the benchmarks (our PCT peer,
 * Linux's exec target and boot stamp). */
struct bench_role {
	const char *name;
	int (*fn)(int argc, char **argv);
};
#define BENCH_ROLE(name_, fn_)                          \
	static const struct bench_role bench_role_##fn_ \
		__attribute__((used, section("bench_roles"), aligned(8))) = { name_, fn_ }

/*
 * A forked child joined by two pipes (bench/pipe.c; POSIX, so both builds
 * have it): bench_pipes_start_echo starts a child that echoes each 8-byte
 * word back until the pipe closes (lmbench lat_pipe); round trips time n
 * words there and back; stop closes the pipes and waits for the child.
 */
/*
 * fork; the child execs path with argv and an empty environment (with
 * stdout on /dev/null if quiet); wait for it (bench/proc.c). Returns the
 * child's wait status (exit 127: the exec failed; 126: no /dev/null), or
 * -1 if fork failed.
 */
int bench_spawn_wait(const char *path, char *const argv[], bool quiet);

/* fork; the child _exits at once; waitpid: n times (bench/proc.c's
 * fork_exit_wait, a bench_fn; bench/vmlinux.c runs it inside the Linux
 * guest too). */
uint64_t bench_fork_exit_wait(void *ctx, long n);

/* FNV-1a (64-bit) over n bytes (bench/disk.c): the disk rows print it for
 * the first MiB they read, so the logs show both sides read the same bytes. */
uint64_t bench_fnv1a(const void *p, size_t n);

#ifdef BENCH_LINUX
/* A BENCH-INFO disk line with the block queue's limits of device dev
 * (/sys/block/NAME/queue: max_sectors_kb, max_segments, ...). */
void bench_disk_queue_info(const char *dev);
#endif

/* Print the BENCH lines of a figure measured elsewhere and already reduced
 * (e.g. by a bench_time inside a guest, bench/vmlinux.c): per-iteration
 * TSC cycles, median, smallest and largest batch mean, reps batches of
 * iters iterations; the same lines as bench_time. */
void bench_cycles_stats(const char *id, double med, double min, double max, unsigned reps,
			long iters);

struct bench_pipes {
	int to_child[2], to_parent[2];
	int child; /* pid */
};
int bench_pipes_start_echo(struct bench_pipes *p);
uint64_t bench_pipes_round_trips(struct bench_pipes *p, long n);
void bench_pipes_stop(struct bench_pipes *p);

#endif
