/*
 * fuzz.h - the system-call fuzzer's shared layout, state and helpers
 * (tests/fuzz/README.md describes the whole design).
 *
 * One program, two roles, chosen by argv[0]:
 *
 *   fuzz-victim    the first boot module (it holds the root capability, so
 *                  the attacker does not): owns VICTIM_PAGES frames of
 *                  known contents, grants VICTIM_GRANTS of them read-only to
 *                  the attacker; attached to a disk owner of its own, owns
 *                  VICTIM_BLOCKS blocks of known contents and a metadata
 *                  block listing some of them, grants a few read-only to
 *                  the attacker; serves PCTs, and checks its pages and
 *                  blocks each time it wakes; it ends the test.
 *   fuzz-attacker  a later boot module (rights CONSOLE | MACHINE | DISK):
 *                  makes seeded random and mutated-valid exokernel calls,
 *                  a share of them aimed at the victim (main.c, gen.c,
 *                  disk.c), wild memory accesses caught by its own fault
 *                  handler (probe.c), and launches short-lived children
 *                  that destroy themselves mid-sequence (kamikaze.c).
 *
 * The attacker publishes its progress and its last FZ_RING calls in a page
 * it grants read-only to the victim, so either side can print them.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/libexo.h>

/* ------------------------------------------------------------ layout */

/* The attacker's address space. Everything the random calls may map,
 * unmap or re-protect in the attacker's own space lies in the fuzz region
 * or the far slots; the rest (program, heap, stacks, the pages below) is
 * never named by a valid address in a self-targeted call. */
#define FZ_XTOP	     0x0000100000000000ULL /* exception stack top (FZ_XPAGES pages) */
#define FZ_XPAGES    8
#define FZ_PROG_VA   0x0000100000100000ULL /* progress page (struct fz_progress) */
#define FZ_KRES_VA   0x0000100000200000ULL /* kamikaze results page, same va in the child */
#define FZ_REGION    0x0000200000000000ULL /* the fuzz region */
#define FZ_PAGES     64
#define FZ_FAR	     8			   /* far pages, each in its own page tables */
#define FZ_FAR_BASE  0x0000300000000000ULL /* far pages lie in [FZ_FAR_BASE, 0x700000000000) */
#define KZ_STACK_TOP 0x0000100000400000ULL /* kamikaze child's stack (one page) */
#define KZ_DATA_VA   0x0000100000500000ULL /* where it maps the frames it allocates */
/* The attacker's disk pages (disk.c): its own frames, mapped at set-up. */
#define FZ_DSTAT_VA  0x0000100000600000ULL /* status words of its requests */
#define FZ_DSTAT_RND 480		   /* words the random requests use; the rest: checks */
#define FZ_DRO_VA    0x0000100000700000ULL /* a read-only page: reads into it must fail */
#define FZ_META_VA   0x0000100000800000ULL /* metadata contents it writes (2 pages) */
#define FZ_DCHECK_VA 0x0000100000a00000ULL /* the periodic check's buffers (8 pages) */
#define FZ_DISK_VA   0x0000100001000000ULL /* buffers of the random requests */
#define FZ_DPAGES    32

/* The victim's address space. */
#define VICTIM_PAGES   64
#define VICTIM_GRANTS  16 /* the first VICTIM_GRANTS pages are granted read-only */
#define VICTIM_VA      0x40000000ULL
#define VICTIM_PROG_VA 0x3f000000ULL /* the attacker's progress page, read-only */

/* The victim's disk blocks (victim.c): VICTIM_BLOCKS data blocks of known
 * contents and one metadata block (an extent directory, secure-bindings/
 * udf.h) listing the first VICTIM_HELD of them; VICTIM_BGRANTS data blocks
 * and the metadata block are granted read-only to the attacker. The
 * attacker learns the numbers with a PCT: w0 = FZ_VQUERY, w1 = i gives
 * (FZ_VQUERY, info[i], info[i+1], info[i+2]) of the FZ_VINFO words
 * {owner slot, metadata type, metadata block, blocks...}. Its key the
 * attacker never learns. */
#define VICTIM_BLOCKS  32
#define VICTIM_HELD    8
#define VICTIM_BGRANTS 4
#define FZ_VQUERY      0x7972657571736b64ULL /* "dksquery" */
#define FZ_VINFO       (3 + VICTIM_BLOCKS)

/* Which of the victim's blocks are granted to the attacker: two it lists
 * in its metadata block (held), two it does not. */
static inline unsigned fz_vbgrant(unsigned i)
{
	return i < 2 ? i : VICTIM_HELD + 12 + i;
}

/* The victim's page contents: a function of the frame number, so the
 * attacker can check what it reads through a grant. */
static inline uint64_t fz_pattern(uint64_t frame, unsigned word)
{
	uint64_t x = frame * 0x9e3779b97f4a7c15ULL ^ (word + 1) * 0xbf58476d1ce4e5b9ULL;
	return x ^ x >> 29;
}

/* A victim block's contents, a function of the block number. */
static inline uint64_t fz_bpattern(uint64_t block, unsigned word)
{
	return fz_pattern(block ^ 0xb10cb10c00000000ULL, word);
}

/* ------------------------------------------------------------ progress page */

#define FZ_MAGIC   0x6f72702d7a7a7566ULL /* "fuzz-pro" */
#define FZ_RING	   32			 /* calls kept for a failure report */
#define FZ_UPCALLS 8			 /* upcalls kept for a failure report */

enum fz_run_state { FZ_RUNNING = 1, FZ_DONE = 2, FZ_FAILED = 3 };
enum fz_phase {
	FZ_PHASE_FUZZ = 1,
	FZ_PHASE_REAP,
	FZ_PHASE_CHILDREN,
	FZ_PHASE_CHECK,
	FZ_PHASE_REPORT
};

/* Flags of a logged call. */
#define FZ_F_VICTIM   0x1 /* aimed at the victim */
#define FZ_F_HANDLER  0x2 /* made from inside the fault handler */
#define FZ_F_GUARD    0x4 /* an argument was changed so as not to end the run */
#define FZ_F_KAMIKAZE 0x8 /* made by a kamikaze child (reported afterwards) */
#define FZ_F_PROBE                                                       \
	0x10 /* not a call: a probe (nr = kind, a[0] = address, result = \
	      * the exception vector, or -1 if it did not fault) */

/* One logged call: number, the six argument words, result. */
struct fz_rec {
	uint64_t seq; /* 1, 2, 3, ... */
	uint64_t nr;
	uint64_t a[6];
	int64_t result;
	uint64_t flags;
};

struct fz_progress {
	uint64_t magic;
	uint64_t seed;
	volatile uint64_t calls; /* calls made so far */
	volatile uint64_t state; /* enum fz_run_state */
	volatile uint64_t ring_next;
	volatile uint64_t phase; /* where the attacker is: FZ_PHASE_* */
	volatile uint64_t nupcalls;
	uint64_t reserved;
	struct fz_rec ring[FZ_RING]; /* ring[seq % FZ_RING] */
	/* The last upcalls the attacker took: vector, rip, rsp, fault_va. */
	struct {
		uint64_t vector, rip, rsp, va;
	} upcall[FZ_UPCALLS];
};
_Static_assert(sizeof(struct fz_progress) <= 4096, "one page");

/* ------------------------------------------------------------ the attacker */

#define FZ_POOL	    192	      /* frames the attacker keeps for mapping at most */
#define FZ_CHILDREN 6	      /* children it keeps at most */
#define FZ_STALE    8	      /* ids of dead children it remembers */
#define FZ_SLOTS    4	      /* CPU slots it holds at most */
#define FZ_VF_MAX   512	      /* victim frames it remembers */
#define FZ_DRAWS    12	      /* random words per call, drawn whether used or not */
#define FZ_NCALLS   55	      /* calls the fuzzer knows (exo/abi.h 0..54) */
#define FZ_BADNR    FZ_NCALLS /* coverage row for numbers no call has */

struct fz_call {
	uint64_t nr;
	uint64_t a[6];
	uint64_t flags;
	uint32_t row;	/* coverage row: nr, or FZ_BADNR */
	uint64_t touch; /* a page of ours the call remaps: probed before and after */
};

struct fz_state {
	uint64_t seed, me, victim, nframes;
	uint64_t calls, limit; /* calls made; stop after limit (0: none) */
	uint64_t aimed;	       /* calls aimed at the victim */
	uint64_t vf[FZ_VF_MAX];
	unsigned nvf;
	uint64_t vg[VICTIM_GRANTS]; /* the victim frames granted to us */
	unsigned nvg;
	uint64_t pool[FZ_POOL]; /* 0: empty */
	uint64_t child[FZ_CHILDREN];
	bool child_pct[FZ_CHILDREN];   /* may have a PCT entry: no exo_pct_call */
	bool child_spins[FZ_CHILDREN]; /* runnable at the last sweep */
	uint64_t spinners;	       /* children destroyed for looping */
	uint64_t reclaimed;	       /* frames that reached us without an allocation */
	uint64_t stale[FZ_STALE];
	uint64_t slots[FZ_SLOTS]; /* slot + 1, 0: empty */
	uint64_t far[FZ_FAR];
	uint64_t kframe, rframe, iframe; /* a kernel, a reserved, one of our image frames */
	uint64_t prog_frame, kres_frame;
	uint64_t kamikaze;		/* the live kamikaze child, 0 if none */
	bool kz_killed;			/* a random exo_env_destroy hit it */
	uint64_t ctx;			/* the last extra context we made (exo_ctx_create) */
	bool vg_dropped[VICTIM_GRANTS]; /* we gave up that grant (exo_frame_free) */
	bool verbose;			/* print every call before making it (replay of a panic) */
	struct fz_progress *prog;
};
extern struct fz_state fz;

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", 2016). */
static inline uint64_t fz_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t fz_tsc_mhz(void)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	return si->tsc_hz >= 1000000 ? si->tsc_hz / 1000000 : 1000;
}

/* Enter the kernel with all six argument registers declared clobbered:
 * exo_pct_call returns its reply words in rdi, rsi, rdx and r10. */
static inline long fz_syscall(uint64_t nr, const uint64_t a[6])
{
	register uint64_t r10 __asm__("r10") = a[3];
	register uint64_t r8 __asm__("r8") = a[4];
	register uint64_t r9 __asm__("r9") = a[5];
	uint64_t rdi = a[0], rsi = a[1], rdx = a[2];
	long ret = (long)nr;
	__asm__ volatile("syscall"
			 : "+a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 :
			 : "rcx", "r11", "memory");
	return ret;
}

static inline bool fz_is_self(uint64_t id)
{
	return id == 0 || id == fz.me;
}

static inline int fz_child_index(uint64_t id)
{
	for (int i = 0; i < FZ_CHILDREN; i++)
		if (id && fz.child[i] == id)
			return i;
	return -1;
}

static inline int fz_vf_index(uint64_t frame)
{
	for (unsigned i = 0; i < fz.nvf; i++)
		if (fz.vf[i] == frame)
			return (int)i;
	return -1;
}

/* Do we hold the victim's grant on frame (read-only)? */
static inline bool fz_vg_held(uint64_t frame)
{
	for (unsigned i = 0; i < fz.nvg; i++)
		if (fz.vg[i] == frame)
			return !fz.vg_dropped[i];
	return false;
}

/* The attacker's bitmap of frames it must never expose writably (its
 * program, stacks, heap, and the shared pages). */
bool fz_infra(uint64_t frame);
void fz_set_infra(uint64_t frame);

/* main.c: report a failure with the seed and the last calls, end the test. */
extern volatile bool fz_failing;
void fz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void fz_print_ring(const struct fz_progress *p);
void fz_print_call(const char *prefix, const struct fz_rec *r);
/* Log a call or probe about to be made in the ring (and, verbose, print it). */
struct fz_rec *fz_log(uint64_t nr, const uint64_t a[6], uint64_t flags);
/* Make one logged, counted call; the result is also checked (gen.c). */
long fz_do_call(struct fz_call *c);

/* gen.c: build a random call from FZ_DRAWS words; check and account a
 * result. */
void fz_gen(struct fz_call *c, const uint64_t r[FZ_DRAWS], bool in_handler);
void fz_print_ops(const struct fz_call *c);
/* check.c */
void fz_after(const struct fz_call *c, long result);
void fz_sweep_children(void);
void fz_reclaim(void);
void fz_pool_add(uint64_t frame);
void fz_pool_del(uint64_t frame);
uint64_t fz_pool_pick(uint64_t r);

/* cover.c: per call, how often each result came back; the documented
 * (call, error) pairs and which the run never reached; results decided by
 * a check the docs list after another that failed too. */
void fz_count(uint32_t row, long result, uint64_t flags);
void fz_count_order(uint32_t row, unsigned doc_first, long result);
void fz_count_time(uint32_t row, uint64_t ticks);
/* Returns how many undocumented results calls 38-48 gave (the run fails). */
unsigned fz_cover_print(void);
const char *fz_call_name(uint32_t row);
const char *fz_err_name(long result);
bool fz_documented(uint32_t row, long result);

/* probe.c: wild memory accesses and exceptions, survived by the fault
 * handler, which also makes calls of its own. */
void fz_handler_init(void);
void fz_probe(const uint64_t r[FZ_DRAWS]);
void fz_touch(uint64_t va, uint64_t val);
void fz_probe_print(void);
const char *fz_probe_name(uint64_t kind);
void test_upcall_entry(void); /* exception entry (../integration/upcall_stub.h) */
void fz_pct_entry(void);      /* a PCT entry that only replies */

/* disk.c: calls 38-48 against a model of the disk, the attacker's disk
 * set-up, its periodic check of the victim's blocks, filling the disk. */
void fz_disk_setup(uint64_t *s);
void fz_disk_gen(struct fz_call *c, const uint64_t *r, bool aim, bool valid, bool in_handler);
void fz_disk_before(const struct fz_call *c);
void fz_disk_after(const struct fz_call *c, long result);
/* guest.c: the guest-context calls 49-54. */
void fz_guest_gen(struct fz_call *c, const uint64_t *r, bool valid);
void fz_guest_after(const struct fz_call *c, long result);
/* A guest address space (vcpus false) or vCPU handle: ours, stale, forged. */
uint64_t fz_guest_handle(uint64_t r, bool vcpus);
void fz_disk_check(void);
void fz_disk_fill(void);
void fz_disk_print(const struct fz_call *c);
void fz_disk_report(void);
bool fz_disk_vblock(uint64_t block);		 /* one of the victim's blocks */
uint64_t fz_disk_kamikaze_grant(uint64_t child); /* a block of ours it may use, or 0 */
void fz_extdir_fill(void *page, const uint64_t *blocks, unsigned n);

/* kamikaze.c: children that run a few calls and destroy themselves, and
 * extra contexts of the attacker that do the same. */
void fz_kamikaze_launch(uint64_t r);
extern volatile uint64_t fz_ctx_id; /* the live context we made, 0 if none */
extern uint8_t fz_ctx_stack[];	    /* its stack: FZ_CTX_STACK bytes */
#define FZ_CTX_STACK 8192
void fz_ctx_main(void) __attribute__((noreturn));
void fz_kamikaze_reap(bool force);
void fz_kamikaze_print(void);

/* victim.c */
void fz_victim(void) __attribute__((noreturn));
uint32_t fz_find_boot_env(const char *name);

#endif
