/*
 * logreplay: rebuild a disk image from a write log recorded by QEMU's
 * blklogwrites block driver, as the disk would be after a power cut at a
 * chosen point of the recorded run. Used by crash-consistency tests
 * (docs/crash.md).
 *
 * Log format (QEMU block/blklogwrites.c, which takes it from Linux
 * drivers/md/dm-log-writes.c). All fields little-endian; S is the log's
 * sector size, a power of two (log-sector-size=, 512 by default):
 *
 *   sector 0    struct log_write_super { u64 magic = 0x6a736677736872;
 *               u64 version = 1; u64 nr_entries; u32 sectorsize; } (packed)
 *   sector 1..  entries, one after another, each
 *                 one sector: struct log_write_entry { u64 sector;
 *                   u64 nr_sectors; u64 flags; u64 data_len; } (packed),
 *                   then zeros (Linux puts a mark's data_len bytes of text
 *                   right after the header)
 *                 nr_sectors sectors of data, unless flags has DISCARD
 *   flags       FLUSH 1, FUA 2, DISCARD 4, MARK 8
 *
 * `sector` and `nr_sectors` count sectors of S bytes (QEMU; Linux counts
 * `sector` in 512-byte units, which this tool does not read). A flush is an
 * entry with no sectors. A write-zeroes request is a write whose data
 * sectors are zeros. Entries appear in the order the writes completed.
 *
 * QEMU rewrites nr_entries only when it logs a flush (and every
 * log-super-update-interval entries, 4096 by default), so after a power cut
 * or an abort the file holds entries beyond the count. We read those too,
 * for as long as they look like entries: flags inside the known set, the
 * rest of the entry sector zero, the data inside the file.
 *
 * The power-cut model (build --seed): entries before the last flush are
 * durable; each later write or discard survives or not, independently, by a
 * seeded PRNG, except FUA writes, which are durable; --torn keeps only a
 * prefix of one surviving write. (QEMU never logs FUA: the block layer turns
 * a FUA write into a write and a flush. Linux logs it.)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MAGIC   0x6a736677736872ULL
#define LOG_VERSION 1
#define F_FLUSH	    1u
#define F_FUA	    2u
#define F_DISCARD   4u
#define F_MARK	    8u
#define F_MASK	    (F_FLUSH | F_FUA | F_DISCARD | F_MARK)
#define SUPER_SIZE  28 /* packed struct log_write_super */
#define HDR_SIZE    32 /* packed struct log_write_entry */
#define MIN_SECTOR  32u
#define MAX_SECTOR  (1u << 23) /* QEMU takes sizes below 2^24 */
#define CHUNK	    (1u << 20) /* bytes copied at a time */

/* One log entry, decoded. */
struct entry {
	uint64_t sector; /* first device sector, in log sectors */
	uint64_t nr;	 /* sectors written or discarded */
	uint32_t flags;	 /* F_* */
	uint64_t data;	 /* byte offset of the data sectors in the log */
};

/* A log file, read and checked by log_open(). */
struct log {
	const char *path;
	int fd;
	uint64_t size;	  /* bytes in the file */
	uint32_t ss;	  /* sector size, bytes */
	uint64_t counted; /* nr_entries in the super block */
	uint64_t n;	  /* entries found: counted + beyond the count */
	struct entry *e;
	char stop[200]; /* why the walk beyond the count stopped */
};

static const char *tmp_path; /* unlinked by fail() while set */

/* Print "logreplay: MESSAGE", remove a half-written output, exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("logreplay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (tmp_path)
		unlink(tmp_path);
	exit(1);
}

/* Print the usage text to f. */
static void usage_text(FILE *f)
{
	fputs("usage: logreplay list LOG\n"
	      "       logreplay points LOG\n"
	      "       logreplay build LOG BASE OUT N [--seed S] [--torn]\n"
	      "       logreplay check LOG\n"
	      "LOG is a QEMU blklogwrites log; BASE the disk image before the recorded run;\n"
	      "OUT gets BASE with log entries 0..N-1 applied. --seed S models a power cut:\n"
	      "writes after the last flush before N survive or not, by a PRNG seeded with S;\n"
	      "--torn also keeps only a prefix of one surviving unflushed write.\n",
	      f);
}

/* A usage error: print msg and the usage text, exit 2. */
static void __attribute__((noreturn)) usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "logreplay: %s\n", msg);
	usage_text(stderr);
	exit(2);
}

/* Read a little-endian u64 from p. */
static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Read a little-endian u32 from p. */
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Read len bytes at off of fd into buf; fails (exit 1) on error or EOF. */
static void read_at(int fd, const char *path, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("%s: read: %s", path, strerror(errno));
		if (r == 0)
			fail("%s: unexpected end of file at byte %" PRIu64, path, off + done);
		done += (size_t)r;
	}
}

/* Write len bytes of buf at off of fd; fails (exit 1) on error. */
static void write_at(int fd, const char *path, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pwrite(fd, (const char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("%s: write: %s", path, strerror(errno));
		done += (size_t)r;
	}
}

/*
 * Decode the entry whose header sector (ss bytes) is hdr, at byte pos of the
 * log, into *e. Returns NULL if it is a well-formed entry whose data lies
 * inside the file, else why not (in a static buffer).
 */
static const char *entry_problem(const struct log *lg, const unsigned char *hdr, uint64_t pos,
				 struct entry *e)
{
	static char why[120];
	uint64_t flags = le64(hdr + 16), len = le64(hdr + 24);
	uint64_t room = (lg->size - pos - lg->ss) / lg->ss; /* whole sectors after the header */

	e->sector = le64(hdr);
	e->nr = le64(hdr + 8);
	e->flags = (uint32_t)flags;
	e->data = pos + lg->ss;
	if (flags & ~(uint64_t)F_MASK) {
		snprintf(why, sizeof(why), "flags 0x%" PRIx64 " outside the known set", flags);
		return why;
	}
	if (len > lg->ss - HDR_SIZE) {
		snprintf(why, sizeof(why), "data_len %" PRIu64 " does not fit the entry sector",
			 len);
		return why;
	}
	for (uint64_t i = HDR_SIZE + len; i < lg->ss; i++)
		if (hdr[i])
			return "stray bytes after the entry header";
	if ((flags & F_MARK) && e->nr)
		return "a mark with data sectors";
	if (!e->nr && !(flags & (F_FLUSH | F_MARK)))
		return "a write or discard of no sectors";
	if (e->sector > UINT64_MAX / lg->ss || e->nr > UINT64_MAX / lg->ss - e->sector) {
		snprintf(why, sizeof(why), "sectors %" PRIu64 "+%" PRIu64 " beyond 2^64 bytes",
			 e->sector, e->nr);
		return why;
	}
	if (!(flags & F_DISCARD) && e->nr > room) {
		snprintf(why, sizeof(why),
			 "%" PRIu64 " data sectors run past the end of the log (%" PRIu64 " left)",
			 e->nr, room);
		return why;
	}
	return NULL;
}

/*
 * Open and check the log at path: the super block (magic, version, sector
 * size, a count that fits the file), then every counted entry, then the
 * entries beyond the count while they are plausible. Fails (exit 1) naming
 * the first bad counted entry.
 */
static void log_open(struct log *lg, const char *path)
{
	unsigned char sb[SUPER_SIZE];
	struct stat st;
	size_t cap = 0;

	memset(lg, 0, sizeof(*lg));
	lg->path = path;
	lg->fd = open(path, O_RDONLY);
	if (lg->fd < 0)
		fail("%s: %s", path, strerror(errno));
	if (fstat(lg->fd, &st) < 0)
		fail("%s: %s", path, strerror(errno));
	lg->size = (uint64_t)st.st_size;
	/* QEMU writes the super block only when it logs the first flush. */
	if (!lg->size)
		fail("%s: empty: no super block (the recorded run never flushed)", path);
	if (lg->size < SUPER_SIZE)
		fail("%s: %" PRIu64 " bytes, too short for a log super block", path, lg->size);
	read_at(lg->fd, path, sb, sizeof(sb), 0);
	if (!le64(sb) && !le64(sb + 8) && !le64(sb + 16) && !le32(sb + 24))
		fail("%s: no super block, only zeros (the recorded run never flushed)", path);
	if (le64(sb) != LOG_MAGIC)
		fail("%s: bad magic 0x%" PRIx64 ", not a blklogwrites log", path, le64(sb));
	if (le64(sb + 8) != LOG_VERSION)
		fail("%s: unsupported log version %" PRIu64, path, le64(sb + 8));
	lg->counted = le64(sb + 16);
	lg->ss = le32(sb + 24);
	if (lg->ss < MIN_SECTOR || lg->ss > MAX_SECTOR || (lg->ss & (lg->ss - 1)))
		fail("%s: sector size %" PRIu32 " is not a power of two in %u..%u", path, lg->ss,
		     MIN_SECTOR, MAX_SECTOR);
	if (lg->counted > lg->size / lg->ss)
		fail("%s: the super block counts %" PRIu64 " entries, more than the %" PRIu64
		     "-byte file can hold",
		     path, lg->counted, lg->size);

	static unsigned char *hdr; /* static: stays reachable if fail() exits */

	hdr = malloc(lg->ss);
	if (!hdr)
		fail("out of memory");
	uint64_t pos = lg->ss;
	for (;;) {
		bool counted = lg->n < lg->counted;
		struct entry e;
		const char *why;

		if (pos >= lg->size) {
			if (counted)
				fail("%s: the super block counts %" PRIu64
				     " entries but the file ends after %" PRIu64,
				     path, lg->counted, lg->n);
			snprintf(lg->stop, sizeof(lg->stop), "end of file");
			break;
		}
		if (lg->size - pos < lg->ss) {
			why = "file ends inside the entry sector";
		} else {
			read_at(lg->fd, path, hdr, lg->ss, pos);
			why = entry_problem(lg, hdr, pos, &e);
		}
		if (why && counted)
			fail("%s: entry %" PRIu64 " (log sector %" PRIu64 "): %s", path, lg->n,
			     pos / lg->ss, why);
		if (why) {
			snprintf(lg->stop, sizeof(lg->stop), "log sector %" PRIu64 ": %s",
				 pos / lg->ss, why);
			break;
		}
		if (lg->n == cap) {
			cap = cap ? 2 * cap : 256;
			lg->e = realloc(lg->e, cap * sizeof(*lg->e));
			if (!lg->e)
				fail("out of memory");
		}
		lg->e[lg->n++] = e;
		pos += lg->ss;
		if (!(e.flags & F_DISCARD))
			pos += e.nr * lg->ss;
	}
	free(hdr);
}

/* The entry's kind as `list` prints it. */
static const char *kind(const struct entry *e)
{
	if (e->flags & F_MARK)
		return "mark";
	if (e->flags & F_DISCARD)
		return "discard";
	if (!e->nr)
		return "flush";
	switch (e->flags & (F_FLUSH | F_FUA)) {
	case F_FLUSH:
		return "flush-write"; /* Linux: preflush, then a volatile write */
	case F_FUA:
		return "fua-write";
	case F_FLUSH | F_FUA:
		return "flush-fua-write";
	default:
		return "write";
	}
}

/* logreplay list LOG: one line per entry, then a summary. */
static void cmd_list(const struct log *lg)
{
	uint64_t written = 0, discarded = 0;

	for (uint64_t i = 0; i < lg->n; i++) {
		const struct entry *e = &lg->e[i];
		printf("%6" PRIu64 " %-15s %10" PRIu64 " %8" PRIu64 "%s\n", i, kind(e), e->sector,
		       e->nr, i < lg->counted ? "" : "  (beyond count)");
		if (e->flags & F_DISCARD)
			discarded += e->nr * lg->ss;
		else if (!(e->flags & F_MARK))
			written += e->nr * lg->ss;
	}
	printf("# %" PRIu64 " entries counted by the super block, %" PRIu64
	       " found beyond it (walk stopped: %s)\n",
	       lg->counted, lg->n - lg->counted, lg->stop);
	printf("# flush entries:");
	for (uint64_t i = 0; i < lg->n; i++)
		if (lg->e[i].flags & F_FLUSH)
			printf(" %" PRIu64, i);
	printf("\n# sector size %" PRIu32 "; %" PRIu64 " bytes written, %" PRIu64
	       " bytes discarded\n",
	       lg->ss, written, discarded);
}

/* logreplay points LOG: after each flush entry, and the end of the log. */
static void cmd_points(const struct log *lg)
{
	for (uint64_t i = 0; i < lg->n; i++)
		if (lg->e[i].flags & F_FLUSH && i + 1 < lg->n)
			printf("%" PRIu64 "\n", i + 1);
	printf("%" PRIu64 "\n", lg->n);
}

/* logreplay check LOG: log_open() did the checking. */
static void cmd_check(const struct log *lg)
{
	printf("%s: ok: sector size %" PRIu32 ", %" PRIu64 " entries counted, %" PRIu64
	       " beyond the count (walk stopped: %s)\n",
	       lg->path, lg->ss, lg->counted, lg->n - lg->counted, lg->stop);
}

/* xorshift64* (Vigna 2016), seeded through splitmix64 so any seed works. */
static uint64_t rng;

/* Start the generator for seed s. */
static void rng_seed(uint64_t s)
{
	uint64_t z = s + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	rng = z ? z : 1;
}

/* The next 64 random bits. */
static uint64_t rng_next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* A uniform number in 0..n-1, n > 0 (rejection avoids modulo bias). */
static uint64_t rng_below(uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = rng_next();
	while (x >= limit);
	return x % n;
}

/* What build does with an entry. */
enum { SKIP, APPLY, DROP, TEAR };

/*
 * Print "; NAME " and the entries i in [from, to) with act[i] == want to f,
 * as ranges ("3,5-7"), or "none".
 */
static void print_set(FILE *f, const char *name, const unsigned char *act, uint64_t from,
		      uint64_t to, int want)
{
	bool any = false;

	fprintf(f, "; %s ", name);
	for (uint64_t i = from; i < to; i++) {
		if (act[i] != want)
			continue;
		uint64_t j = i;
		while (j + 1 < to && act[j + 1] == want)
			j++;
		fprintf(f, "%s%" PRIu64, any ? "," : "", i);
		if (j > i)
			fprintf(f, "-%" PRIu64, j);
		any = true;
		i = j;
	}
	if (!any)
		fputs("none", f);
}

/*
 * Copy from bytes of src (fd) at src_off to dst at dst_off, or zeros when
 * src < 0. buf holds CHUNK bytes.
 */
static void copy_range(int src, const char *src_path, uint64_t src_off, int dst,
		       const char *dst_path, uint64_t dst_off, uint64_t bytes, char *buf)
{
	if (src < 0)
		memset(buf, 0, CHUNK);
	while (bytes) {
		size_t n = bytes < CHUNK ? (size_t)bytes : CHUNK;
		if (src >= 0)
			read_at(src, src_path, buf, n, src_off);
		write_at(dst, dst_path, buf, n, dst_off);
		src_off += n;
		dst_off += n;
		bytes -= n;
	}
}

/* Parse a whole unsigned decimal or 0x-hex number; false if s is not one. */
static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

/*
 * logreplay build LOG BASE OUT N [--seed S] [--torn]: OUT = BASE with
 * entries 0..N-1 applied; with a seed, the entries after the last flush
 * before N survive independently (FUA writes always), and with --torn one
 * surviving write keeps only a prefix of its sectors. Prints one line saying
 * what was applied, dropped and torn. OUT appears only when complete.
 */
static void cmd_build(const struct log *lg, const char *base, const char *out, uint64_t n,
		      bool seeded, uint64_t seed, bool torn)
{
	const uint64_t ss = lg->ss;

	if (n > lg->n)
		fail("%s: point %" PRIu64 " is beyond the %" PRIu64 " entries in the log", lg->path,
		     n, lg->n);
	int bfd = open(base, O_RDONLY);
	off_t end = bfd < 0 ? -1 : lseek(bfd, 0, SEEK_END); /* also sizes a block device */
	if (end < 0)
		fail("%s: %s", base, strerror(errno));
	uint64_t bsize = (uint64_t)end;
	for (uint64_t i = 0; i < n; i++) {
		const struct entry *e = &lg->e[i];
		if (e->nr && (e->sector + e->nr) * ss > bsize)
			fail("entry %" PRIu64 " writes bytes %" PRIu64 "..%" PRIu64
			     ", past the end of %s (%" PRIu64 " bytes)",
			     i, e->sector * ss, (e->sector + e->nr) * ss - 1, base, bsize);
	}

	/*
	 * Plan. Everything before the last flush entry f < N is durable, and
	 * so is f itself unless it carries volatile data (a Linux preflush
	 * write). Later writes and discards are volatile unless FUA.
	 */
	unsigned char *act = calloc(n ? n : 1, 1);
	if (!act)
		fail("out of memory");
	uint64_t durable = 0; /* entries [0, durable) are durable */
	for (uint64_t i = 0; i < n; i++) {
		const struct entry *e = &lg->e[i];
		if (e->flags & F_FLUSH)
			durable = e->nr && !(e->flags & F_FUA) ? i : i + 1;
	}
	if (!seeded)
		durable = n;
	for (uint64_t i = 0; i < n; i++) {
		const struct entry *e = &lg->e[i];
		if (!e->nr || e->flags & F_MARK)
			act[i] = SKIP;
		else if (i < durable || e->flags & F_FUA)
			act[i] = APPLY;
		else
			act[i] = DROP;
	}
	uint64_t tear = 0, keep = 0, candidates = 0;
	if (seeded) {
		rng_seed(seed);
		for (uint64_t i = durable; i < n; i++)
			if (act[i] == DROP && !(rng_next() >> 63))
				act[i] = APPLY;
		for (uint64_t i = durable; i < n; i++)
			candidates += act[i] == APPLY && !(lg->e[i].flags & (F_FUA | F_DISCARD));
	}
	if (torn && candidates) {
		uint64_t pick = rng_below(candidates);
		for (tear = durable;; tear++)
			if (act[tear] == APPLY && !(lg->e[tear].flags & (F_FUA | F_DISCARD)) &&
			    !pick--)
				break;
		keep = rng_below(lg->e[tear].nr);
		act[tear] = TEAR;
	}

	/* Copy BASE to OUT.tmp, skipping zero chunks so OUT stays sparse. */
	size_t plen = strlen(out) + 5;
	char *tmp = malloc(plen), *buf = malloc(CHUNK);
	if (!tmp || !buf)
		fail("out of memory");
	snprintf(tmp, plen, "%s.tmp", out);
	int ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0)
		fail("%s: %s", tmp, strerror(errno));
	tmp_path = tmp;
	for (uint64_t off = 0; off < bsize; off += CHUNK) {
		size_t len = bsize - off < CHUNK ? (size_t)(bsize - off) : CHUNK, i = 0;
		read_at(bfd, base, buf, len, off);
		while (i < len && !buf[i])
			i++;
		if (i < len)
			write_at(ofd, tmp, buf, len, off);
	}
	if (ftruncate(ofd, (off_t)bsize) < 0)
		fail("%s: %s", tmp, strerror(errno));

	for (uint64_t i = 0; i < n; i++) {
		const struct entry *e = &lg->e[i];
		uint64_t sectors = act[i] == TEAR ? keep : e->nr;
		if (act[i] != APPLY && act[i] != TEAR)
			continue;
		copy_range(e->flags & F_DISCARD ? -1 : lg->fd, lg->path, e->data, ofd, tmp,
			   e->sector * ss, sectors * ss, buf);
	}
	if (close(ofd) < 0)
		fail("%s: %s", tmp, strerror(errno));
	if (rename(tmp, out) < 0)
		fail("rename %s to %s: %s", tmp, out, strerror(errno));
	tmp_path = NULL;

	printf("%s: N=%" PRIu64, out, n);
	if (!seeded) {
		if (n)
			printf("; applied 0-%" PRIu64, n - 1);
		else
			printf("; applied none");
	} else {
		printf(" seed=%" PRIu64, seed);
		if (durable)
			printf("; flushed 0-%" PRIu64, durable - 1);
		else
			printf("; flushed none");
		print_set(stdout, "applied", act, durable, n, APPLY);
		print_set(stdout, "dropped", act, durable, n, DROP);
		if (torn && candidates)
			printf("; torn %" PRIu64 " (kept %" PRIu64 " of %" PRIu64 " sectors)", tear,
			       keep, lg->e[tear].nr);
		else if (torn)
			printf("; torn none");
	}
	printf("\n");
	free(act);
	free(buf);
	free(tmp);
	close(bfd);
}

/* Parse the command line (usage()), read the log, run the command. */
int main(int argc, char **argv)
{
	const char *pos[5];
	int npos = 0;
	bool seeded = false, torn = false;
	uint64_t seed = 0, n = 0;
	struct log lg;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_text(stdout);
			return 0;
		} else if (!strcmp(a, "--torn")) {
			torn = true;
		} else if (!strcmp(a, "--seed") || !strncmp(a, "--seed=", 7)) {
			const char *v = a[6] ? a + 7 : (i + 1 < argc ? argv[++i] : "");
			if (!parse_u64(v, &seed))
				usage("--seed needs a number");
			seeded = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "logreplay: unknown option %s\n", a);
			usage(NULL);
		} else if (npos < 5) {
			pos[npos++] = a;
		} else {
			usage("too many arguments");
		}
	}
	if (!npos)
		usage(NULL);
	const char *cmd = pos[0];
	bool build = !strcmp(cmd, "build");
	if (!build && strcmp(cmd, "list") && strcmp(cmd, "points") && strcmp(cmd, "check")) {
		fprintf(stderr, "logreplay: unknown command %s\n", cmd);
		usage(NULL);
	}
	if (npos != (build ? 5 : 2))
		usage("wrong number of arguments");
	if (!build && (seeded || torn))
		usage("--seed and --torn go with build");
	if (torn && !seeded)
		usage("--torn needs --seed");
	if (build && !parse_u64(pos[4], &n))
		usage("N must be a number of entries");

	log_open(&lg, pos[1]);
	if (build)
		cmd_build(&lg, pos[2], pos[3], n, seeded, seed, torn);
	else if (!strcmp(cmd, "list"))
		cmd_list(&lg);
	else if (!strcmp(cmd, "points"))
		cmd_points(&lg);
	else
		cmd_check(&lg);
	free(lg.e);
	close(lg.fd);
	if (fflush(stdout) || ferror(stdout))
		fail("standard output: %s", strerror(errno));
	return 0;
}
