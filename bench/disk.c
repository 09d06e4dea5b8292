/*
 * disk.c - the raw disk, below any file system: the virtio-blk disk
 * through each system's most direct interface. Ours: the exokernel's disk
 * calls (exo_disk_io, docs/abi.md calls 38-44) moving blocks by DMA
 * straight into our frames. Linux: O_DIRECT on the block device, which
 * also moves data by DMA into the program's pages, bypassing the page cache.
 *
 *   disk_seq_read_64m       read 64 MiB in order, 1 MiB per call: Linux one
 *                           1 MiB pread; ours one exo_disk_io of 16
 *                           requests of 16 blocks (64 KiB, the most one
 *                           request moves), then wait for all 16. The
 *                           figure is the whole 64 MiB.
 *   disk_seq_write_64m      the same, writing (no flush, no fsync: both
 *                           leave the data in QEMU's write-back cache).
 *   disk_rand_read_4k       one 4 KiB read at a random 4 KiB block, waiting
 *                           for each (1 in flight): Linux pread, ours one
 *                           exo_disk_io and exo_wait on its status word
 *                           (what libexo's exo_disk_rw does). The figure
 *                           is per read (1 / IOPS).
 *   disk_rand_read_4k_q16   the same with 16 reads kept in flight: Linux
 *                           native AIO (io_submit / io_getevents through
 *                           syscall(2): static glibc has no libaio), ours
 *                           exo_disk_io and status words. Per read.
 *   disk_rand_write_4k      as disk_rand_read_4k, writing.
 *   disk_rand_write_4k_q16  as disk_rand_read_4k_q16, writing.
 *
 * The disk (tools/bench.sh): both systems get the same two virtio disks.
 * The first is an exodisk image (docs/disk.md) on which the benchmark's
 * disk owner has 128 MiB of random data placed from the host (so no block
 * is fresh: every read is real I/O); its first half is the read range, its
 * second the write range. The command line names both in 4 KiB blocks,
 * rd=FIRST+COUNT and wr=FIRST+COUNT, the same numbers for both systems
 * (Linux uses byte offset 4096 * FIRST of the device disk= names). Reads
 * stay in the read range, writes in the write range, so neither side
 * writes the ownership region or any file system. Random blocks come from
 * the same generator (xorshift64, same seed) on both sides.
 *
 * Ours has at most 7 sequential requests of 16 blocks in flight, not 16:
 * each takes 18 of the kernel's 128 virtio descriptors (no indirect
 * descriptors); exo_disk_io queues what fits and the rest follow as
 * requests complete.
 *
 * Without rd= and wr= (a disk made by a test, not by tools/bench.sh) ours
 * registers the owner itself, takes two ranges of free blocks and writes
 * the read range once; without a disk, or without a region, every row says
 * why (bench_skip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LINUX
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <exo/libexo.h>
#endif

#include "bench.h"

#define BLK	 4096L
#define SEQ_MAX	 (64L << 20) /* bytes of a sequential pass */
#define CHUNK	 (1L << 20)  /* bytes per call in a sequential pass */
#define QD	 16	     /* requests in flight for the _q16 rows */
#define REQ_BLKS 16	     /* ours: blocks per request in a sequential pass (64 KiB) */

/* The benchmark's disk owner key; tools/bench.sh writes the same 32 bytes
 * to the key file it gives `exodisk place`. */
#define BENCH_DISK_KEY "exo make bench disk owner key 01"

static const char *const ids[] = { "disk_seq_read_64m",	 "disk_seq_write_64m",
				   "disk_rand_read_4k",	 "disk_rand_read_4k_q16",
				   "disk_rand_write_4k", "disk_rand_write_4k_q16" };

/* A run of blocks: [first, first + count). */
struct range {
	uint64_t first, count;
};
static struct range rd, wr; /* read range, write range */
static long seq_bytes;	    /* bytes of a sequential pass: SEQ_MAX or less on a small disk */

static void skip_all(const char *why)
{
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		bench_skip(ids[i], why);
}

/* NAME=FIRST+COUNT from the command line; false if absent or malformed. */
static bool parse_range(const char *name, struct range *r)
{
	const char *s = bench_arg(name);
	char *end;

	if (!s)
		return false;
	r->first = strtoull(s, &end, 10);
	if (*end != '+')
		return false;
	r->count = strtoull(end + 1, &end, 10);
	return *end == 0 && r->count > 0;
}

/* xorshift64 (Marsaglia 2003): the same block sequence on both sides. */
static uint64_t rng = 88172645463325252ULL;

static uint64_t random_block(const struct range *r)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return r->first + rng % r->count;
}

/* FNV-1a over n bytes: both sides print it for the first MiB they read, so
 * the logs show that they read the same bytes. */
uint64_t bench_fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

#ifdef BENCH_LINUX
/* ------------------------------------------------------------ Linux */

static int fd = -1;
static char *buf;  /* CHUNK bytes: sequential passes, depth-1 requests */
static char *qbuf; /* QD pages: one per request in flight */
static aio_context_t actx;

static uint64_t seq(bool write, long n)
{
	const struct range *r = write ? &wr : &rd;
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < n; i++)
		for (long off = 0; off < seq_bytes; off += CHUNK) {
			off_t at = (off_t)(r->first * BLK + off);
			ssize_t k = write ? pwrite(fd, buf, CHUNK, at) : pread(fd, buf, CHUNK, at);

			if (k != CHUNK) {
				bench_fail("short %s at %lld of %s", write ? "write" : "read",
					   (long long)at, bench_disk);
				return BENCH_FAILED;
			}
		}
	return bench_tsc() - t0;
}

static uint64_t rand1(bool write, long n)
{
	const struct range *r = write ? &wr : &rd;
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < n; i++) {
		off_t at = (off_t)(random_block(r) * BLK);
		ssize_t k = write ? pwrite(fd, buf, BLK, at) : pread(fd, buf, BLK, at);

		if (k != BLK) {
			bench_fail("short %s at %lld of %s", write ? "write" : "read",
				   (long long)at, bench_disk);
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

/* n random 4 KiB transfers, QD in flight (native AIO: the kernel's
 * io_submit/io_getevents, which for O_DIRECT on a block device queue the
 * requests without blocking). */
static uint64_t randq(bool write, long n)
{
	const struct range *r = write ? &wr : &rd;
	struct iocb cb[QD], *cbp[QD];
	struct io_event ev[QD];
	int freel[QD], nfree = QD;
	long issued = 0, done = 0;

	for (int i = 0; i < QD; i++)
		freel[i] = i;
	uint64_t t0 = bench_tsc();
	while (done < n) {
		int k = 0;

		while (nfree > 0 && issued + k < n) {
			int s = freel[--nfree];

			memset(&cb[s], 0, sizeof(cb[s]));
			cb[s].aio_data = (uint64_t)s;
			cb[s].aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
			cb[s].aio_fildes = (uint32_t)fd;
			cb[s].aio_buf = (uint64_t)(uintptr_t)(qbuf + s * BLK);
			cb[s].aio_nbytes = BLK;
			cb[s].aio_offset = (int64_t)(random_block(r) * BLK);
			cbp[k++] = &cb[s];
		}
		if (k > 0) {
			long got = syscall(SYS_io_submit, actx, (long)k, cbp);

			if (got < 0)
				got = 0; /* EAGAIN: nothing queued; wait for completions */
			for (long j = k - 1; j >= got; j--) /* not queued: slots back */
				freel[nfree++] = (int)cbp[j]->aio_data;
			issued += got;
			if (issued - done == 0) {
				bench_fail("io_submit queued nothing");
				return BENCH_FAILED;
			}
		}
		long got = syscall(SYS_io_getevents, actx, 1L, (long)QD, ev, NULL);
		if (got < 0) {
			bench_fail("io_getevents failed");
			return BENCH_FAILED;
		}
		for (long j = 0; j < got; j++) {
			if (ev[j].res != BLK) {
				bench_fail("asynchronous %s failed (%lld)",
					   write ? "write" : "read", (long long)ev[j].res);
				return BENCH_FAILED;
			}
			freel[nfree++] = (int)ev[j].data;
		}
		done += got;
	}
	return bench_tsc() - t0;
}

/* Print a block-queue setting of the disk (what Linux sends the device). */
void bench_disk_queue_info(const char *dev)
{
	static const char *const keys[] = { "max_sectors_kb", "max_segments", "scheduler",
					    "nr_requests" };
	char path[128], line[96], out[384] = "";
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;

	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "/sys/block/%s/queue/%s", name, keys[i]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s %s",
				 out[0] ? ", " : "", keys[i], line);
		}
		fclose(f);
	}
	if (out[0])
		bench_info("disk", "%s block queue: %s", dev, out);
}

static const char *setup(void)
{
	uint64_t bytes;

	if (!bench_disk)
		return "no benchmark disk (disk= not given)";
	if (!parse_range("rd", &rd) || !parse_range("wr", &wr))
		return "the benchmark disk has no read and write ranges (rd=, wr= not given: "
		       "tools/bench.sh makes them)";
	if ((fd = open(bench_disk, O_RDWR | O_DIRECT)) < 0)
		return "cannot open the benchmark disk with O_DIRECT";
	if (ioctl(fd, BLKGETSIZE64, &bytes) != 0 || (rd.first + rd.count) * BLK > bytes ||
	    (wr.first + wr.count) * BLK > bytes)
		return "the read or write range lies past the end of the disk";
	if (posix_memalign((void **)&buf, BLK, CHUNK) != 0 ||
	    posix_memalign((void **)&qbuf, BLK, QD * BLK) != 0)
		return "out of memory";
	memset(buf, 0x5a, CHUNK);
	memset(qbuf, 0xa5, QD * BLK);
	if (pread(fd, buf, CHUNK, (off_t)(rd.first * BLK)) != CHUNK)
		return "cannot read the read range";
	bench_info("disk",
		   "%s: read range blocks %llu+%llu, write range %llu+%llu; first MiB "
		   "read: fnv1a %016llx",
		   bench_disk, (unsigned long long)rd.first, (unsigned long long)rd.count,
		   (unsigned long long)wr.first, (unsigned long long)wr.count,
		   (unsigned long long)bench_fnv1a(buf, CHUNK));
	bench_disk_queue_info(bench_disk);
	return NULL;
}

static void teardown(void)
{
	if (actx)
		syscall(SYS_io_destroy, actx);
	if (fd >= 0)
		close(fd);
}

static const char *queue_setup(void)
{
	return syscall(SYS_io_setup, (long)QD, &actx) == 0 ? NULL : "io_setup failed (no AIO)";
}
#else
/* ------------------------------------------------------------ ours */

#define DISK_VA	       0x62000000ULL /* our buffers: fresh frames mapped here */
#define BUF_PAGES      (CHUNK / BLK)
#define QBUF_VA	       (DISK_VA + CHUNK)
#define STATUS_VA      (QBUF_VA + QD * BLK) /* one page of status words */
#define MAP_PAGES      (BUF_PAGES + QD + 1)
#define WAIT_TERMS     EXO_PRED_MAX_TERMS
/* The longest sleep in exo_wait before looking at the status words again:
 * a completion whose wakeup the kernel loses costs this much, not a hang
 * (lost_wakeups counts them; BENCH-INFO reports them). */
#define WAIT_US	       20000
/* Blocks of each range we take ourselves on a disk without rd=/wr= (a smoke
 * test's disk: small and quick). */
#define PROVISION_BLKS 1024ULL

static char *const buf = (char *)DISK_VA;
static char *const qbuf = (char *)QBUF_VA;
static volatile int64_t *const status = (volatile int64_t *)STATUS_VA;
static long frames[MAP_PAGES];
static unsigned nframes;
static bool provisioned;	   /* we took the blocks ourselves: give them back */
static unsigned long lost_wakeups; /* exo_wait timed out on a request already done */

/*
 * The request engine: keeps up to `depth` (<= EXO_DISK_MAX_REQS) requests
 * in flight. Each slot has a status word; a request is queued with
 * exo_disk_io (a vector of as many as fit), and completion is the kernel
 * setting the word to 1. When nothing has completed, sleep in exo_wait on
 * the oldest requests (a predicate holds at most 8 terms).
 */
struct engine {
	uint32_t op;
	unsigned depth, busy;
	uint64_t seq[EXO_DISK_MAX_REQS]; /* submission order; 0 = slot free */
	uint64_t next_seq;
	/* fill the request for transfer i in slot s: block, nblocks, va */
	void (*fill)(struct engine *e, long i, unsigned s, struct exo_disk_req *q);
	const struct range *r;
	uint64_t base; /* sequential passes: first block of this call */
};

/* Reap completed slots; returns how many, or -1 after bench_fail. */
static long reap(struct engine *e)
{
	long n = 0;

	for (unsigned s = 0; s < e->depth; s++) {
		if (!e->seq[s] || status[s] == 0)
			continue;
		if (status[s] != 1) {
			bench_fail("disk transfer failed (%lld)", (long long)status[s]);
			return -1;
		}
		e->seq[s] = 0;
		e->busy--;
		n++;
	}
	return n;
}

/* Sleep until one of the (up to 8) oldest requests in flight completes. */
static void wait_oldest(struct engine *e)
{
	struct exo_pred_term t[WAIT_TERMS];
	unsigned nt = 0;
	uint64_t after = 0;

	while (nt < WAIT_TERMS) {
		unsigned best = ~0u;

		for (unsigned s = 0; s < e->depth; s++)
			if (e->seq[s] > after && (best == ~0u || e->seq[s] < e->seq[best]))
				best = s;
		if (best == ~0u)
			break;
		after = e->seq[best];
		t[nt++] = (struct exo_pred_term){
			.va = (uint64_t)&status[best], .mask = ~0ULL, .value = 0, .op = EXO_PRED_NE
		};
	}
	if (nt && exo_wait(t, nt, EXO_PRED_ANY, WAIT_US) == EXO_WAKE_TIMEOUT) {
		for (unsigned i = 0; i < nt; i++)
			if (*(volatile int64_t *)t[i].va != 0) {
				lost_wakeups++; /* done, but the kernel did not wake us */
				break;
			}
	}
}

/* Move n transfers through the engine; returns 0, or -1 after bench_fail. */
static int run_engine(struct engine *e, long n)
{
	long issued = 0, done = 0;

	while (done < n) {
		struct exo_disk_req q[EXO_DISK_MAX_REQS];
		unsigned slot[EXO_DISK_MAX_REQS], k = 0;

		for (unsigned s = 0; s < e->depth && issued + (long)k < n; s++) {
			if (e->seq[s])
				continue;
			e->fill(e, issued + k, s, &q[k]);
			q[k].op = e->op;
			q[k].status_va = (uint64_t)&status[s];
			slot[k++] = s;
		}
		if (k > 0) {
			long got = exo_disk_io(q, k);

			if (got == -EXO_EAGAIN)
				got = 0; /* the device's queue is full: wait for completions */
			if (got < 0) {
				bench_fail("exo_disk_io: error %ld", -got);
				return -1;
			}
			for (long j = 0; j < got; j++)
				e->seq[slot[j]] = ++e->next_seq;
			e->busy += (unsigned)got;
			issued += got;
			if (e->busy == 0) {
				bench_fail("exo_disk_io queued nothing with nothing in flight");
				return -1;
			}
		}
		long got = reap(e);
		if (got < 0)
			return -1;
		if (got == 0) {
			wait_oldest(e);
			if ((got = reap(e)) < 0)
				return -1;
		}
		done += got;
	}
	return 0;
}

static void fill_seq(struct engine *e, long i, unsigned s, struct exo_disk_req *q)
{
	(void)s;
	q->block = e->base + (uint64_t)i * REQ_BLKS;
	q->nblocks = REQ_BLKS;
	q->va = DISK_VA + (uint64_t)i * REQ_BLKS * BLK;
}

static void fill_rand(struct engine *e, long i, unsigned s, struct exo_disk_req *q)
{
	(void)i;
	q->block = random_block(e->r);
	q->nblocks = 1;
	q->va = QBUF_VA + s * BLK;
}

static uint64_t seq(bool write, long n)
{
	struct engine e = { .op = write ? EXO_DISK_WRITE : EXO_DISK_READ,
			    .depth = CHUNK / (REQ_BLKS * BLK),
			    .fill = fill_seq };
	const struct range *r = write ? &wr : &rd;
	uint64_t t0 = bench_tsc();

	for (long i = 0; i < n; i++)
		for (long off = 0; off < seq_bytes; off += CHUNK) {
			e.base = r->first + (uint64_t)off / BLK;
			if (run_engine(&e, e.depth) < 0)
				return BENCH_FAILED;
		}
	return bench_tsc() - t0;
}

static uint64_t rand1(bool write, long n)
{
	/* What libexo's exo_disk_rw does (one request, then exo_wait on its
	 * status word), through the engine for its bounded wait. */
	struct engine e = { .op = write ? EXO_DISK_WRITE : EXO_DISK_READ,
			    .depth = 1,
			    .fill = fill_rand,
			    .r = write ? &wr : &rd };
	uint64_t t0 = bench_tsc();

	if (run_engine(&e, n) < 0)
		return BENCH_FAILED;
	return bench_tsc() - t0;
}

static uint64_t randq(bool write, long n)
{
	struct engine e = { .op = write ? EXO_DISK_WRITE : EXO_DISK_READ,
			    .depth = QD,
			    .fill = fill_rand,
			    .r = write ? &wr : &rd };
	uint64_t t0 = bench_tsc();

	if (run_engine(&e, n) < 0)
		return BENCH_FAILED;
	return bench_tsc() - t0;
}

/* Map fresh frames for the buffers and status words (ours alone: no
 * copy-on-write sharing with a forked child, always writable). */
static bool map_buffers(void)
{
	for (nframes = 0; nframes < MAP_PAGES; nframes++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0)
			return false;
		frames[nframes] = f;
		if (exo_page_map(EXO_AS_SELF, DISK_VA + nframes * BLK, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W) != 0) {
			exo_frame_free((uint64_t)f);
			return false;
		}
	}
	memset(buf, 0x5a, CHUNK);
	memset(qbuf, 0xa5, QD * BLK);
	return true;
}

/*
 * No rd=/wr= (a disk made by a test): register the benchmark's owner, take
 * two ranges of free blocks after data_start and write the read range once,
 * so that its reads are real I/O.
 */
static const char *provision(const struct exo_disk_info *di)
{
	uint64_t span = di->nblocks - di->data_start;
	uint64_t count = span / 2 < PROVISION_BLKS ? span / 2 : PROVISION_BLKS;

	count &= ~(uint64_t)(CHUNK / BLK - 1); /* whole MiBs */
	if (count == 0)
		return "the disk is too small for a read and a write range of 1 MiB";
	rd = (struct range){ di->data_start, count };
	wr = (struct range){ di->data_start + count, count };
	for (uint64_t b = rd.first; b < wr.first + wr.count; b++)
		if (exo_block_alloc(b, 0) != (long)b)
			return "cannot take free blocks for the read and write ranges";
	provisioned = true;
	for (uint64_t b = rd.first; b < rd.first + rd.count; b += REQ_BLKS)
		if (exo_disk_rw(EXO_DISK_WRITE, b, REQ_BLKS, buf) != 0)
			return "cannot write the read range";
	bench_info("disk",
		   "no rd=/wr= given: took blocks %llu+%llu to read (written once) and "
		   "%llu+%llu to write",
		   (unsigned long long)rd.first, (unsigned long long)rd.count,
		   (unsigned long long)wr.first, (unsigned long long)wr.count);
	return NULL;
}

static const char *setup(void)
{
	static struct exo_disk_info di;
	struct exo_disk_key key = { .name = "bench" };

	memcpy(key.key, BENCH_DISK_KEY, sizeof(key.key));
	/* The kernel writes it, and takes no copy-on-write faults: after
	 * the COW fork benchmark our data pages are shared read-only. */
	exo_prefault_write(&di, sizeof(di));
	if (exo_disk_info(&di) != 0 || !(di.flags & EXO_DISK_PRESENT))
		return "no virtio disk";
	if (!(di.flags & EXO_DISK_REGION))
		return "the first virtio disk has no ownership region (tools/bench.sh formats one "
		       "with exodisk)";
	if (!map_buffers())
		return "cannot map buffer frames";
	bool given = parse_range("rd", &rd) && parse_range("wr", &wr);
	long owner = exo_disk_attach(&key, given ? 0 : EXO_DISK_CREATE);
	if (owner == -EXO_EPERM)
		return given ? "the benchmark's disk owner is not on the disk (wrong key?)"
			     : "no right to attach to a disk owner (EXO_RIGHT_DISK)";
	if (owner < 0)
		return "exo_disk_attach failed";
	if (!given) {
		const char *why = provision(&di);
		if (why)
			return why;
	} else if (exo_disk_info(&di) == 0 &&
		   (rd.first < di.fs_start || wr.first + wr.count > di.fs_start + di.fs_blocks)) {
		/* tools/bench.sh places one image that holds both ranges */
		bench_info("disk",
			   "note: rd= and wr= are not inside the owner's placed image %u+%u",
			   di.fs_start, di.fs_blocks);
	}
	if (rd.first < di.data_start || wr.first < di.data_start ||
	    rd.first + rd.count > di.nblocks || wr.first + wr.count > di.nblocks)
		return "the read or write range lies outside the disk's data blocks";
	/* The first MiB of the read range, as Linux prints it. */
	struct engine e = { .op = EXO_DISK_READ,
			    .depth = CHUNK / (REQ_BLKS * BLK),
			    .fill = fill_seq,
			    .base = rd.first };
	if (rd.count < (uint64_t)(CHUNK / BLK) || run_engine(&e, e.depth) < 0)
		return "cannot read the first MiB of the read range";
	bench_info("disk",
		   "read range blocks %llu+%llu, write range %llu+%llu (owner slot %ld); "
		   "first MiB read: fnv1a %016llx",
		   (unsigned long long)rd.first, (unsigned long long)rd.count,
		   (unsigned long long)wr.first, (unsigned long long)wr.count, owner,
		   (unsigned long long)bench_fnv1a(buf, CHUNK));
	return NULL;
}

static void teardown(void)
{
	if (lost_wakeups)
		bench_info("disk",
			   "%lu times a request was done but exo_wait did not return until its "
			   "%d ms timeout (a lost wakeup in the kernel)",
			   lost_wakeups, WAIT_US / 1000);
	if (provisioned)
		for (uint64_t b = rd.first; b < wr.first + wr.count; b++)
			exo_block_free(b);
	for (unsigned i = 0; i < nframes; i++) {
		exo_page_unmap(EXO_AS_SELF, DISK_VA + i * BLK);
		exo_frame_free((uint64_t)frames[i]);
	}
}

static const char *queue_setup(void)
{
	return NULL;
}
#endif

/* ------------------------------------------------------------ both */

static uint64_t seq_read(void *ctx, long n)
{
	(void)ctx;
	return seq(false, n);
}

static uint64_t seq_write(void *ctx, long n)
{
	(void)ctx;
	return seq(true, n);
}

static uint64_t rand_read(void *ctx, long n)
{
	(void)ctx;
	return rand1(false, n);
}

static uint64_t rand_write(void *ctx, long n)
{
	(void)ctx;
	return rand1(true, n);
}

static uint64_t rand_read_q(void *ctx, long n)
{
	(void)ctx;
	return randq(false, n);
}

static uint64_t rand_write_q(void *ctx, long n)
{
	(void)ctx;
	return randq(true, n);
}

static void run(void)
{
	struct bench_limits seq_lim = { .max_iters = 1, .max_reps = 10, .cap_ms = 3000 };
	struct bench_limits one = { .max_iters = 2000, .cap_ms = 3000 };
	struct bench_limits many = { .max_iters = 8000, .cap_ms = 3000 };
	const char *why = setup();

	if (why) {
		skip_all(why);
		teardown();
		return;
	}
	uint64_t smaller = rd.count < wr.count ? rd.count : wr.count;
	seq_bytes =
		smaller * BLK < (uint64_t)SEQ_MAX ? (long)(smaller * BLK) & ~(CHUNK - 1) : SEQ_MAX;
	if (seq_bytes != SEQ_MAX)
		bench_info("disk", "sequential passes are %ld MiB, not 64: the ranges are smaller",
			   seq_bytes >> 20);
	bench_time("disk_seq_read_64m", seq_read, NULL, &seq_lim);
	bench_time("disk_rand_read_4k", rand_read, NULL, &one);
	why = queue_setup();
	if (why)
		bench_skip("disk_rand_read_4k_q16", why);
	else
		bench_time("disk_rand_read_4k_q16", rand_read_q, NULL, &many);
	bench_time("disk_seq_write_64m", seq_write, NULL, &seq_lim);
	bench_time("disk_rand_write_4k", rand_write, NULL, &one);
	if (why)
		bench_skip("disk_rand_write_4k_q16", why);
	else
		bench_time("disk_rand_write_4k_q16", rand_write_q, NULL, &many);
	teardown();
}
BENCH_FAMILY(70, disk, run, BENCH_ALONE);
