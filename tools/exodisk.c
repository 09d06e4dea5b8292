/*
 * exodisk.c - host tool: format and maintain disk images that carry the
 * exokernel's block-ownership region (secure-bindings/disk.h; the layout
 * and the commands are described in docs/disk.md).
 *
 * The tool runs the same checks as the kernel (disk.c is linked in), so
 * an image it calls consistent is one the kernel accepts. Every change to
 * the region goes through the same physical redo log the kernel uses:
 * the new owner-table and map blocks are built in memory, written to the
 * log with a header whose CRC covers them all, flushed, written home and
 * flushed again. A crash of the tool at any point leaves either the old
 * region (the log is torn or not yet complete) or the new one (the log is
 * complete and the kernel's boot, or `exodisk reconcile`, replays it).
 * Data blocks (a file-system image) are written and flushed before the
 * transaction that hands them over, and only ever into blocks that are
 * free or already the owner's.
 *
 * A change bigger than one transaction (62 images: the owner table and 61
 * map blocks, about 243 MiB of blocks) is split into several, ordered so
 * that each leaves a consistent region: first every entry that gives a
 * block to an owner, then the owner table's new image extents, then every
 * entry that takes a block away (commit below).
 *
 * Numbers on disk are little-endian; this tool runs on x86-64 hosts only,
 * so the structures of disk.h are read and written as they are.
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

#include "disk.h"
#include "exodisk_ext2.h"

#if !defined(__x86_64__)
#error "exodisk reads the little-endian region structures in place: x86-64 hosts only"
#endif

#define BS	   SB_DISK_BLOCK
#define SLOTS	   SB_DISK_OWNER_SLOTS
#define TXN_MAPS   (SB_DISK_LOG_MAX - 1) /* map blocks per transaction, beside the owner table */
#define COPY_BYTES (1u << 20)

static const char *prog = "exodisk";

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fprintf(stderr,
		"usage: exodisk COMMAND ARGS...\n"
		"  format IMG SIZE_MIB              create IMG, SIZE_MIB MiB (sparse), with an "
		"empty region\n"
		"  newkey KEYFILE                   write a new %u-byte disk owner key (mode "
		"0600)\n"
		"  place IMG FSIMG KEYFILE NAME     copy FSIMG into free blocks owned by KEYFILE's "
		"owner\n"
		"  extract IMG KEYFILE OUT          copy the owner's placed image out to OUT\n"
		"  insert IMG KEYFILE FSIMG         copy an edited image back over the placed one "
		"(same size)\n"
		"  check IMG                        validate the region (read-only); exit 1 on a "
		"problem\n"
		"  check-replayed IMG               check, counting a complete log transaction not "
		"yet home as fine\n"
		"  reconcile IMG                    replay the log, then repair the region after "
		"host edits\n"
		"  show IMG                         print the layout, owners, free blocks, the "
		"log\n"
		"  own IMG KEYFILE NAME FIRST COUNT give data blocks FIRST..FIRST+COUNT-1 to "
		"KEYFILE's owner\n"
		"Sizes are in MiB, FIRST and COUNT in 4 KiB blocks. NAME is a label of 1 to 15 "
		"characters.\n"
		"docs/disk.md describes the layout and each command.\n",
		SB_DISK_KEY_BYTES);
	exit(2);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

/* ------------------------------------------------------------------ I/O */

static void pread_all(int fd, void *buf, size_t n, uint64_t off, const char *path)
{
	while (n) {
		ssize_t r = pread(fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("%s: read at byte %" PRIu64 ": %s", path, off, strerror(errno));
		if (r == 0)
			die("%s: unexpected end of file at byte %" PRIu64, path, off);
		buf = (char *)buf + r, n -= (size_t)r, off += (uint64_t)r;
	}
}

static void pwrite_all(int fd, const void *buf, size_t n, uint64_t off, const char *path)
{
	while (n) {
		ssize_t r = pwrite(fd, buf, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("%s: write at byte %" PRIu64 ": %s", path, off,
			    r < 0 ? strerror(errno) : "nothing written");
		buf = (const char *)buf + r, n -= (size_t)r, off += (uint64_t)r;
	}
}

static void flush(int fd, const char *path)
{
	if (fsync(fd) < 0)
		die("%s: fsync: %s", path, strerror(errno));
}

static uint64_t file_size(int fd, const char *path)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		die("%s: %s", path, strerror(errno));
	return (uint64_t)end;
}

/* ------------------------------------------------------------ arguments */

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		die("%s: not a number: '%s'", what, s);
	v = strtoull(s, &end, 10);
	if (errno || *end)
		die("%s: not a number: '%s'", what, s);
	return v;
}

static void check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 15)
		die("NAME must be 1 to 15 characters, not %zu: '%s'", n, name);
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			die("NAME must be printable ASCII without spaces: '%s'", name);
}

/* Read a disk owner key (exactly SB_DISK_KEY_BYTES bytes) and hash it. */
static void read_key(const char *path, uint8_t hash[SB_DISK_HASH_BYTES])
{
	uint8_t key[SB_DISK_KEY_BYTES];
	int fd = open(path, O_RDONLY);
	uint64_t size;

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	size = file_size(fd, path);
	if (size != SB_DISK_KEY_BYTES)
		die("%s: a disk owner key is %u bytes, this file has %" PRIu64
		    " (make one with exodisk newkey)",
		    path, SB_DISK_KEY_BYTES, size);
	pread_all(fd, key, sizeof(key), 0, path);
	close(fd);
	sb_sha256(key, sizeof(key), hash);
	memset(key, 0, sizeof(key));
}

/* ------------------------------------------------------------ the region */

enum log_state { LOG_EMPTY, LOG_COMPLETE, LOG_TORN };

struct region {
	const char *path;
	int fd;
	uint64_t dev_blocks;
	struct sb_disk_super sb;
	/* As the kernel will see them: home blocks with a complete log
	 * replayed over them. */
	struct sb_disk_owners own;
	struct sb_disk_map *map;
	/* As they are on the image now. */
	struct sb_disk_owners home_own;
	struct sb_disk_map *home_map;
	/* The log. */
	struct sb_disk_log log;
	enum log_state log_state;
	int log_err;	    /* LOG_TORN: why */
	uint8_t (*img)[BS]; /* LOG_COMPLETE: the images */
	uint64_t pending;   /* LOG_COMPLETE: home blocks that differ from the log */
	char sb_msg[200];   /* load failed: why */
	char sb_hint[200];  /* load failed: what a person can do */
};

static void *home_block(struct region *r, uint64_t b)
{
	if (b == r->sb.owner_start)
		return &r->home_own;
	return &r->home_map[b - r->sb.map_start];
}

static void *work_block(struct region *r, uint64_t b)
{
	if (b == r->sb.owner_start)
		return &r->own;
	return &r->map[b - r->sb.map_start];
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * Open and read the region of path. Returns 0, or -1 with r->sb_msg
 * saying why the superblock cannot be used (nothing else was read then).
 * Dies if the file cannot be opened at all.
 */
static int load(struct region *r, const char *path, bool writable)
{
	struct sb_disk_super *s = &r->sb;
	uint64_t size;
	int err;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fd = open(path, writable ? O_RDWR : O_RDONLY);
	if (r->fd < 0)
		die("%s: %s", path, strerror(errno));
	size = file_size(r->fd, path);
	r->dev_blocks = size / BS;
	if (r->dev_blocks == 0) {
		snprintf(r->sb_msg, sizeof(r->sb_msg),
			 "%" PRIu64 " bytes, shorter than a superblock: not an exodisk image",
			 size);
		snprintf(r->sb_hint, sizeof(r->sb_hint), "exodisk format makes a new image");
		return -1;
	}
	pread_all(r->fd, s, BS, 0, path);
	err = sb_disk_super_check(s, r->dev_blocks);
	if (err == -SB_DISK_ESIZE && s->nblocks > r->dev_blocks &&
	    sb_disk_super_check(s, ~0ull) == 0) {
		snprintf(r->sb_msg, sizeof(r->sb_msg),
			 "superblock: the layout covers %" PRIu64 " blocks but the image has only "
			 "%" PRIu64 " (truncated?)",
			 s->nblocks, r->dev_blocks);
		snprintf(r->sb_hint, sizeof(r->sb_hint),
			 "growing the file back (truncate -s %" PRIu64 " %s) restores the region; "
			 "what the lost blocks held is gone",
			 s->nblocks * BS, path);
		return -1;
	}
	if (err) {
		snprintf(r->sb_msg, sizeof(r->sb_msg), "superblock: %s%s", sb_disk_strerror(err),
			 err == -SB_DISK_EMAGIC
				 ? ": not an exodisk image, or block 0 was overwritten"
				 : "");
		snprintf(r->sb_hint, sizeof(r->sb_hint),
			 "without a valid superblock the layout is unknown; exodisk format makes "
			 "a new, empty image");
		return -1;
	}

	r->map = xmalloc(s->map_blocks * BS);
	r->home_map = xmalloc(s->map_blocks * BS);
	pread_all(r->fd, &r->home_own, BS, s->owner_start * BS, path);
	pread_all(r->fd, r->home_map, s->map_blocks * BS, s->map_start * BS, path);
	pread_all(r->fd, &r->log, BS, s->log_start * BS, path);
	memcpy(&r->own, &r->home_own, BS);
	memcpy(r->map, r->home_map, s->map_blocks * BS);

	if (all_zero(&r->log, BS)) {
		r->log_state = LOG_EMPTY;
		return 0;
	}
	r->log_err = sb_disk_log_check(&r->log, s);
	if (r->log_err) {
		r->log_state = LOG_TORN;
		return 0;
	}
	r->img = xmalloc((size_t)r->log.count * BS);
	pread_all(r->fd, r->img, (size_t)r->log.count * BS, (s->log_start + 1) * BS, path);
	uint32_t c = sb_disk_log_crc_begin(&r->log);
	bool images_ok = true;
	for (uint32_t i = 0; i < r->log.count; i++) {
		c = sb_disk_log_crc_image(c, r->img[i]);
		images_ok = images_ok && sb_disk_log_image_ok(&r->log, s, i, r->img[i]);
	}
	if (c != r->log.crc || !images_ok) {
		r->log_state = LOG_TORN;
		r->log_err = -SB_DISK_ECRC;
		return 0;
	}
	/* Replay in memory, in order (a later image of one target wins). */
	r->log_state = LOG_COMPLETE;
	for (uint32_t i = 0; i < r->log.count; i++)
		memcpy(work_block(r, r->log.target[i]), r->img[i], BS);
	for (uint32_t i = 0; i < r->log.count; i++) {
		bool last = true;
		for (uint32_t j = i + 1; j < r->log.count; j++)
			last &= r->log.target[j] != r->log.target[i];
		if (last && memcmp(home_block(r, r->log.target[i]), r->img[i], BS) != 0)
			r->pending++;
	}
	return 0;
}

/* load, dying if the superblock cannot be used. */
static void load_or_die(struct region *r, const char *path, bool writable)
{
	if (load(r, path, writable) < 0)
		die("%s: %s", path, r->sb_msg);
}

/* Write a complete log's images home, if any differs, and flush. */
static void replay(struct region *r)
{
	if (r->log_state != LOG_COMPLETE || r->pending == 0)
		return;
	for (uint32_t i = 0; i < r->log.count; i++)
		pwrite_all(r->fd, r->img[i], BS, r->log.target[i] * BS, r->path);
	flush(r->fd, r->path);
	memcpy(&r->home_own, &r->own, BS);
	memcpy(r->home_map, r->map, r->sb.map_blocks * BS);
	printf("log: replayed transaction %" PRIu64 " (%u image%s, %" PRIu64
	       " block%s rewritten)\n",
	       r->log.seq, r->log.count, r->log.count == 1 ? "" : "s", r->pending,
	       r->pending == 1 ? "" : "s");
	r->pending = 0;
}

/*
 * One redo-log transaction: n (1..SB_DISK_LOG_MAX) sealed images for the
 * region blocks target[0..n). Flush (data written before, e.g. by place,
 * is durable before the ownership that exposes it), images, then header,
 * flush; home, flush.
 * The header's CRC covers the images, so a crash before the first flush
 * leaves a torn log that is never replayed, and the previous complete
 * transaction, whose images this one overwrote, was home already.
 */
static void transaction(struct region *r, uint32_t n, const uint64_t *target, uint8_t (*img)[BS])
{
	struct sb_disk_log *l = xmalloc(BS);
	uint64_t seq = r->log.magic == SB_DISK_LOG_MAGIC ? r->log.seq + 1 : 1;
	uint32_t c;

	flush(r->fd, r->path);
	l->magic = SB_DISK_LOG_MAGIC;
	l->seq = seq;
	l->count = n;
	for (uint32_t i = 0; i < n; i++) {
		l->target[i] = target[i];
		pwrite_all(r->fd, img[i], BS, (r->sb.log_start + 1 + i) * BS, r->path);
	}
	if (sb_disk_log_check(l, &r->sb) != 0)
		die("internal error: bad transaction");
	c = sb_disk_log_crc_begin(l);
	for (uint32_t i = 0; i < n; i++)
		c = sb_disk_log_crc_image(c, img[i]);
	l->crc = c;
	pwrite_all(r->fd, l, BS, r->sb.log_start * BS, r->path);
	flush(r->fd, r->path);
	/* Test hook (tests/host/exodisk.sh): stop as if the machine lost power
	 * between the log and the home writes. */
	if (getenv("EXODISK_TEST_CRASH") && strcmp(getenv("EXODISK_TEST_CRASH"), "after-log") == 0)
		_exit(3);
	for (uint32_t i = 0; i < n; i++) {
		pwrite_all(r->fd, img[i], BS, target[i] * BS, r->path);
		memcpy(home_block(r, target[i]), img[i], BS);
		memcpy(work_block(r, target[i]), img[i], BS);
	}
	flush(r->fd, r->path);
	memcpy(&r->log, l, BS);
	r->log_state = LOG_COMPLETE;
	r->pending = 0;
	free(l);
}

static bool is_slot(uint32_t owner)
{
	return owner >= 1 && owner <= SLOTS;
}

/* Owner table of an intermediate state: want's slots with counts from
 * the map as it is now and, until extents is set, the current image
 * extents. Sealed. */
static void stage_owners(struct region *r, const struct sb_disk_owners *want, const uint64_t *count,
			 bool extents, struct sb_disk_owners *out)
{
	memcpy(out, want, BS);
	for (unsigned i = 0; i < SLOTS; i++) {
		struct sb_disk_owner *w = &out->owner[i];
		if (all_zero(w->hash, sizeof(w->hash)))
			continue;
		w->nblocks = (uint32_t)count[i + 1];
		if (!extents) {
			w->fs_start = r->own.owner[i].fs_start;
			w->fs_blocks = r->own.owner[i].fs_blocks;
		}
	}
	sb_disk_seal(out, 'O');
}

/* Apply one map block m as map block i, keeping count[] (entries per
 * owner slot, index 1..31) in step. */
static void apply_map(struct region *r, uint64_t i, const struct sb_disk_map *m, uint64_t *count)
{
	for (uint32_t j = 0; j < SB_DISK_MAP_PER_BLOCK; j++) {
		uint32_t o = SB_DISK_ENTRY_OWNER(r->map[i].e[j]), n = SB_DISK_ENTRY_OWNER(m->e[j]);
		if (is_slot(o))
			count[o]--;
		if (is_slot(n))
			count[n]++;
	}
	memcpy(&r->map[i], m, BS);
}

struct batch {
	uint32_t n;
	uint64_t target[SB_DISK_LOG_MAX];
	uint8_t (*img)[BS];
};

static void batch_flush(struct region *r, struct batch *t, const struct sb_disk_owners *want,
			const uint64_t *count, bool extents, unsigned *ntxn)
{
	/* Image 0 is the owner table, with the counts after this batch. */
	stage_owners(r, want, count, extents, (struct sb_disk_owners *)t->img[0]);
	t->target[0] = r->sb.owner_start;
	if (t->n > 1 || memcmp(t->img[0], &r->home_own, BS) != 0) {
		transaction(r, t->n, t->target, t->img);
		(*ntxn)++;
	}
	t->n = 1;
}

/*
 * Bring the region from its current state (r->own, r->map, which must
 * equal the home blocks: replay first) to want and want_map, through as
 * many transactions as it takes. want's nblocks counts are ignored and
 * recomputed; want_map's blocks are sealed here. Returns the number of
 * transactions written (0: nothing changed).
 *
 * Stage A writes the map blocks that give blocks to owners (only those
 * entries, so nothing is taken away yet, unless the block's CRC is bad,
 * when it is written whole); its last transaction switches the owner
 * table to the new image extents, which are owned by then. Stage C
 * writes the rest: entries freed, reserved or repaired. Every
 * transaction carries the owner table with counts matching the map.
 */
static unsigned commit(struct region *r, const struct sb_disk_owners *want,
		       struct sb_disk_map *want_map)
{
	uint64_t nm = r->sb.map_blocks, count[SLOTS + 1] = { 0 };
	struct batch t = { .n = 1, .img = xmalloc(SB_DISK_LOG_MAX * BS) };
	struct sb_disk_map *m = xmalloc(BS);
	uint64_t *gain = xmalloc(nm * sizeof(*gain)), ngain = 0;
	unsigned ntxn = 0;

	for (uint64_t i = 0; i < nm; i++) {
		sb_disk_seal(&want_map[i], 'M');
		for (uint32_t j = 0; j < SB_DISK_MAP_PER_BLOCK; j++)
			if (is_slot(SB_DISK_ENTRY_OWNER(r->map[i].e[j])))
				count[SB_DISK_ENTRY_OWNER(r->map[i].e[j])]++;
	}
	/* Stage A. */
	for (uint64_t i = 0; i < nm; i++) {
		bool g = !sb_disk_crc_ok(&r->map[i], 'M');
		for (uint32_t j = 0; j < SB_DISK_MAP_PER_BLOCK && !g; j++)
			g = want_map[i].e[j] != r->map[i].e[j] &&
			    is_slot(SB_DISK_ENTRY_OWNER(want_map[i].e[j]));
		if (g)
			gain[ngain++] = i;
	}
	for (uint64_t k = 0; k < ngain; k++) {
		uint64_t i = gain[k];
		if (!sb_disk_crc_ok(&r->map[i], 'M')) {
			memcpy(m, &want_map[i], BS);
		} else {
			memcpy(m, &r->map[i], BS);
			for (uint32_t j = 0; j < SB_DISK_MAP_PER_BLOCK; j++)
				if (is_slot(SB_DISK_ENTRY_OWNER(want_map[i].e[j])))
					m->e[j] = want_map[i].e[j];
			sb_disk_seal(m, 'M');
		}
		apply_map(r, i, m, count);
		memcpy(t.img[t.n], m, BS);
		t.target[t.n++] = r->sb.map_start + i;
		if (t.n == SB_DISK_LOG_MAX || k + 1 == ngain)
			batch_flush(r, &t, want, count, k + 1 == ngain, &ntxn);
	}
	/* Stage C. */
	for (uint64_t i = 0; i < nm; i++) {
		if (memcmp(&r->map[i], &want_map[i], BS) == 0)
			continue;
		apply_map(r, i, &want_map[i], count);
		memcpy(t.img[t.n], &want_map[i], BS);
		t.target[t.n++] = r->sb.map_start + i;
		if (t.n == SB_DISK_LOG_MAX)
			batch_flush(r, &t, want, count, true, &ntxn);
	}
	/* The rest of stage C, or the owner table alone (names, extents,
	 * counts) if that is all that changed. */
	batch_flush(r, &t, want, count, true, &ntxn);
	free(gain);
	free(m);
	free(t.img);
	return ntxn;
}

/* ----------------------------------------------------------- validation */

static int nproblems;
static bool quiet;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;

	nproblems++;
	if (quiet)
		return;
	printf("  - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Consecutive blocks with the same message, reported as one range. */
struct run {
	const char *prefix;
	const char *msg;
	uint64_t first, last;
	void (*out)(const char *fmt, ...);
};

static void run_flush(struct run *u)
{
	if (!u->msg)
		return;
	if (u->first == u->last)
		u->out("%sblock %" PRIu64 ": %s", u->prefix, u->first, u->msg);
	else
		u->out("%sblocks %" PRIu64 "..%" PRIu64 ": %s", u->prefix, u->first, u->last,
		       u->msg);
	u->msg = NULL;
}

static void run_note(struct run *u, uint64_t b, const char *msg)
{
	if (u->msg == msg && b == u->last + 1) {
		u->last = b;
		return;
	}
	run_flush(u);
	u->msg = msg, u->first = u->last = b;
}

static const char *slot_name(const struct sb_disk_owners *o, unsigned slot)
{
	static char buf[SLOTS + 1][20];
	snprintf(buf[slot], sizeof(buf[slot]), "%.15s", o->owner[slot - 1].name);
	return buf[slot];
}

static uint64_t ext_end(const struct sb_disk_owner *w)
{
	return (uint64_t)w->fs_start + w->fs_blocks;
}

/* The slot whose placed image holds block b, or 0. */
static unsigned image_of(const struct sb_disk_owners *o, uint64_t b)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (o->owner[i].fs_blocks && b >= o->owner[i].fs_start && b < ext_end(&o->owner[i]))
			return i + 1;
	return 0;
}

/* What the tool (not the kernel) requires of the owner table's
 * non-key fields; each finding goes to report(). fixable says whether
 * reconcile repairs it. Returns the number of findings. */
static int slot_problems(const struct region *r, const struct sb_disk_owners *o,
			 void (*report)(bool fixable, const char *fmt, ...))
{
	int n = 0;

	for (unsigned i = 0; i < SLOTS; i++) {
		const struct sb_disk_owner *w = &o->owner[i];
		if (all_zero(w->hash, sizeof(w->hash))) {
			if (!all_zero(w, sizeof(*w)))
				n++, report(true,
					    "owner slot %u: empty (zero hash) but not cleared",
					    i + 1);
			continue;
		}
		if (w->name[15])
			n++, report(true, "owner slot %u: name not NUL-terminated", i + 1);
		if (w->flags)
			n++, report(true, "owner slot %u: flags 0x%x, not 0", i + 1, w->flags);
		if ((w->fs_start == 0) != (w->fs_blocks == 0))
			n++, report(true, "owner slot %u: image extent %u+%u half set", i + 1,
				    w->fs_start, w->fs_blocks);
		else if (w->fs_blocks &&
			 (w->fs_start < r->sb.data_start || ext_end(w) > r->sb.nblocks))
			n++, report(true,
				    "owner slot %u: image extent %u..%" PRIu64
				    " lies outside the data area %" PRIu64 "..%" PRIu64,
				    i + 1, w->fs_start, ext_end(w) - 1, r->sb.data_start,
				    r->sb.nblocks - 1);
		else
			for (unsigned j = 0; j < i && w->fs_blocks; j++) {
				const struct sb_disk_owner *v = &o->owner[j];
				if (v->fs_blocks && !all_zero(v->hash, sizeof(v->hash)) &&
				    w->fs_start < ext_end(v) && v->fs_start < ext_end(w))
					n++, report(false,
						    "owner slots %u and %u: image extents overlap",
						    j + 1, i + 1);
			}
	}
	return n;
}

static void report_problem(bool fixable, const char *fmt, ...)
{
	va_list ap;
	char buf[300];

	(void)fixable;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	problem("%s", buf);
}

/* check-replayed: a complete transaction not yet written home is the state
 * a power cut between the log's flush and the home writes leaves; the next
 * boot replays it, so it is reported but is no problem. */
static bool replay_ok;

/*
 * Everything `check` verifies, on the region as the kernel would see it
 * (a complete log replayed). Calls problem() for each finding; returns
 * how many there were.
 */
static int validate(struct region *r)
{
	const struct sb_disk_super *s = &r->sb;
	uint64_t count[SLOTS + 1] = { 0 }, bad;
	struct run u = { .prefix = "map: ", .out = problem };
	int before = nproblems, err;
	bool map_damaged = false;

	if (r->log_state == LOG_COMPLETE && r->pending && replay_ok)
		printf("log: transaction %" PRIu64 " is complete, %" PRIu64
		       " of its blocks not yet home: the next boot replays it\n",
		       r->log.seq, r->pending);
	else if (r->log_state == LOG_COMPLETE && r->pending)
		problem("log: transaction %" PRIu64 " is complete but %" PRIu64
			" of its blocks differ at home; a replay (boot, or exodisk reconcile) "
			"rewrites %s",
			r->log.seq, r->pending, r->pending == 1 ? "it" : "them");
	err = sb_disk_owners_check(&r->own);
	if (err) {
		problem("owner table (block %" PRIu64 "): %s", s->owner_start,
			sb_disk_strerror(err));
		return nproblems - before;
	}
	slot_problems(r, &r->own, report_problem);

	for (uint64_t i = 0; i < s->map_blocks; i++) {
		err = sb_disk_map_check(&r->map[i], i, s, &r->own, &bad);
		if (err == -SB_DISK_ECRC) {
			run_flush(&u);
			map_damaged = true;
			problem("map block %" PRIu64 " (disk block %" PRIu64
				", entries of blocks %" PRIu64 "..%" PRIu64 "): %s",
				i, s->map_start + i, i * SB_DISK_MAP_PER_BLOCK,
				i * SB_DISK_MAP_PER_BLOCK + SB_DISK_MAP_PER_BLOCK - 1,
				sb_disk_strerror(err));
			continue;
		}
		for (uint32_t j = 0; j < SB_DISK_MAP_PER_BLOCK; j++) {
			uint64_t b = i * SB_DISK_MAP_PER_BLOCK + j;
			uint32_t e = r->map[i].e[j];
			int e2 = err ? sb_disk_entry_check(e, b, s, &r->own) : 0;
			if (e2)
				run_note(&u, b, sb_disk_strerror(e2));
			else if (is_slot(SB_DISK_ENTRY_OWNER(e)))
				count[SB_DISK_ENTRY_OWNER(e)]++;
		}
	}
	run_flush(&u);

	for (unsigned slot = 1; slot <= SLOTS; slot++) {
		const struct sb_disk_owner *w = &r->own.owner[slot - 1];
		if (all_zero(w->hash, sizeof(w->hash)))
			continue;
		if (!map_damaged && w->nblocks != count[slot])
			problem("owner slot %u (%s): nblocks %u, but the map gives it %" PRIu64,
				slot, slot_name(&r->own, slot), w->nblocks, count[slot]);
		if (!w->fs_blocks || w->fs_start < s->data_start || ext_end(w) > s->nblocks)
			continue;
		char prefix[64];
		struct run v = { .prefix = prefix, .out = problem };
		snprintf(prefix, sizeof(prefix), "owner slot %u (%s): image ", slot,
			 slot_name(&r->own, slot));
		for (uint64_t b = w->fs_start; b < ext_end(w); b++) {
			uint32_t e = r->map[sb_disk_map_index(b)].e[sb_disk_map_slot(b)];
			if (SB_DISK_ENTRY_OWNER(e) != slot)
				run_note(&v, b, "not owned by it in the map");
		}
		run_flush(&v);
	}
	return nproblems - before;
}

/* Validate without printing; die if the region is not consistent. The
 * commands that change an image start from a consistent one. */
static void require_consistent(struct region *r)
{
	quiet = true;
	int n = validate(r);
	quiet = false;
	if (n)
		die("%s: the region has %d problem%s: exodisk check lists them, exodisk "
		    "reconcile repairs what it can",
		    r->path, n, n == 1 ? "" : "s");
}

static const char *log_state(const struct region *r, char *buf, size_t n)
{
	switch (r->log_state) {
	case LOG_EMPTY:
		snprintf(buf, n, "empty");
		break;
	case LOG_COMPLETE:
		snprintf(buf, n,
			 "transaction %" PRIu64 " complete, %u image%s (replayed at every "
			 "boot; %s)",
			 r->log.seq, r->log.count, r->log.count == 1 ? "" : "s",
			 r->pending ? "home blocks differ: replay pending" : "home matches");
		break;
	case LOG_TORN:
		snprintf(buf, n, "torn (%s%s); never replayed",
			 r->log.magic == SB_DISK_LOG_MAGIC ? "" : "no header: ",
			 sb_disk_strerror(r->log_err));
		break;
	}
	return buf;
}

static uint64_t count_free(const struct region *r, uint64_t *reserved)
{
	uint64_t n = 0;

	*reserved = 0;
	for (uint64_t b = r->sb.data_start; b < r->sb.nblocks; b++) {
		uint32_t e = r->map[sb_disk_map_index(b)].e[sb_disk_map_slot(b)];
		n += e == 0;
		*reserved += e == SB_DISK_RESERVED;
	}
	return n;
}

/* ------------------------------------------------------------- commands */

static void build_empty_map(const struct sb_disk_super *s, struct sb_disk_map *map)
{
	memset(map, 0, s->map_blocks * BS);
	for (uint64_t b = 0; b < s->map_blocks * SB_DISK_MAP_PER_BLOCK; b++)
		if (b < s->data_start || b >= s->nblocks)
			map[sb_disk_map_index(b)].e[sb_disk_map_slot(b)] = SB_DISK_RESERVED;
	for (uint64_t i = 0; i < s->map_blocks; i++)
		sb_disk_seal(&map[i], 'M');
}

/* format IMG SIZE_MIB. Not through the log (there is nothing to keep):
 * everything but the superblock, flush, the superblock, flush, so a crash
 * leaves an image without a valid superblock, never a half-made region. */
static int cmd_format(char **argv)
{
	const char *path = argv[0];
	uint64_t mib = parse_u64(argv[1], "SIZE_MIB");
	struct sb_disk_super *s = xmalloc(BS);
	struct sb_disk_owners *o = xmalloc(BS);
	struct sb_disk_map *map;
	uint8_t *zero = xmalloc(BS);
	int fd;

	if (mib == 0 || mib > (UINT64_MAX >> 20) || sb_disk_layout(mib * 256, s) < 0)
		die("SIZE_MIB %" PRIu64 ": must be 1 to %llu (a layout covers fewer than 2^32 "
		    "blocks)",
		    mib, ((1ull << 32) - 1) / 256);
	sb_disk_seal(s, 'S');
	o->magic = SB_DISK_MAGIC;
	sb_disk_seal(o, 'O');
	map = xmalloc(s->map_blocks * BS);
	build_empty_map(s, map);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)(s->nblocks * BS)) < 0)
		die("%s: cannot make it %" PRIu64 " MiB: %s", path, mib, strerror(errno));
	pwrite_all(fd, o, BS, s->owner_start * BS, path);
	pwrite_all(fd, map, s->map_blocks * BS, s->map_start * BS, path);
	pwrite_all(fd, zero, BS, s->log_start * BS, path);
	flush(fd, path);
	pwrite_all(fd, s, BS, 0, path);
	flush(fd, path);
	close(fd);
	printf("%s: %" PRIu64 " MiB, %" PRIu64 " blocks: region 0..%" PRIu64 " (map %" PRIu64
	       " blocks, log at %" PRIu64 "), data %" PRIu64 "..%" PRIu64 " (%" PRIu64 " blocks)\n",
	       path, mib, s->nblocks, s->data_start - 1, s->map_blocks, s->log_start, s->data_start,
	       s->nblocks - 1, s->nblocks - s->data_start);
	return 0;
}

static int cmd_newkey(char **argv)
{
	const char *path = argv[0];
	uint8_t key[SB_DISK_KEY_BYTES], hash[SB_DISK_HASH_BYTES];
	int rnd = open("/dev/urandom", O_RDONLY), fd;

	if (rnd < 0)
		die("/dev/urandom: %s", strerror(errno));
	for (size_t got = 0; got < sizeof(key);) {
		ssize_t n = read(rnd, key + got, sizeof(key) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("/dev/urandom: %s", n < 0 ? strerror(errno) : "end of file");
		got += (size_t)n;
	}
	close(rnd);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 && errno == EEXIST)
		die("%s exists; refusing to overwrite a key (its owner would lose its blocks)",
		    path);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	pwrite_all(fd, key, sizeof(key), 0, path);
	flush(fd, path);
	close(fd);
	sb_sha256(key, sizeof(key), hash);
	memset(key, 0, sizeof(key));
	printf("%s: new disk owner key, SHA-256 %02x%02x%02x%02x...\n", path, hash[0], hash[1],
	       hash[2], hash[3]);
	return 0;
}

/* The slot of the owner with this hash, registering it (with name) in
 * o if it has none yet. Dies when the table is full. */
static unsigned register_owner(struct sb_disk_owners *o, const uint8_t *hash, const char *name)
{
	unsigned slot = (unsigned)sb_disk_owner_find(o, hash);

	for (unsigned i = 0; i < SLOTS && !slot; i++)
		if (all_zero(o->owner[i].hash, SB_DISK_HASH_BYTES)) {
			slot = i + 1;
			memset(&o->owner[i], 0, sizeof(o->owner[i]));
			memcpy(o->owner[i].hash, hash, SB_DISK_HASH_BYTES);
		}
	if (!slot)
		die("the owner table is full (%u owners); no slot for a new one", SLOTS);
	memset(o->owner[slot - 1].name, 0, sizeof(o->owner[slot - 1].name));
	memcpy(o->owner[slot - 1].name, name, strlen(name));
	return slot;
}

/* The slot of an existing owner with this hash; dies if there is none. */
static unsigned find_owner(const struct region *r, const uint8_t *hash, const char *keypath)
{
	int err = sb_disk_owners_check(&r->own);
	unsigned slot;

	if (err)
		die("%s: owner table: %s", r->path, sb_disk_strerror(err));
	slot = (unsigned)sb_disk_owner_find(&r->own, hash);
	if (!slot)
		die("%s: no owner with the key %s", r->path, keypath);
	return slot;
}

/* Copy nblocks blocks between file descriptors: from (ifd, ioff) to
 * (ofd, ooff), byte offsets. */
static void copy_blocks(int ifd, const char *ipath, uint64_t ioff, int ofd, const char *opath,
			uint64_t ooff, uint64_t nblocks)
{
	uint8_t *buf = xmalloc(COPY_BYTES);
	uint64_t left = nblocks * BS;

	while (left) {
		size_t n = left < COPY_BYTES ? (size_t)left : COPY_BYTES;
		pread_all(ifd, buf, n, ioff, ipath);
		pwrite_all(ofd, buf, n, ooff, opath);
		ioff += n, ooff += n, left -= n;
	}
	free(buf);
}

static uint64_t open_fsimg(const char *path, int *fd)
{
	uint64_t size;

	*fd = open(path, O_RDONLY);
	if (*fd < 0)
		die("%s: %s", path, strerror(errno));
	size = file_size(*fd, path);
	if (size == 0 || size % BS)
		die("%s: %" PRIu64 " bytes, not a positive multiple of %u", path, size, BS);
	if (size / BS >= (1ull << 32))
		die("%s: too large", path);
	return size / BS;
}

static struct sb_disk_map *map_copy(const struct region *r)
{
	struct sb_disk_map *m = xmalloc(r->sb.map_blocks * BS);
	memcpy(m, r->map, r->sb.map_blocks * BS);
	return m;
}

static uint32_t *entry(struct sb_disk_map *map, uint64_t b)
{
	return &map[sb_disk_map_index(b)].e[sb_disk_map_slot(b)];
}

/*
 * XN: type owner slot's placed image (its extent in want) in want_map,
 * registering the ext2 metadata types in want's type table
 * (exodisk_ext2.h): inode-table and indirect blocks get their types, the
 * blocks they reference SB_DISK_HELD, everything else of the image plain
 * data. Every entry of the extent must be the slot's already.
 */
static void type_image(struct region *r, struct sb_disk_owners *want, struct sb_disk_map *want_map,
		       unsigned slot, struct xn_typing *st)
{
	const struct sb_disk_owner *w = &want->owner[slot - 1];
	uint64_t n = w->fs_blocks;
	uint32_t *ents = xmalloc(n * sizeof(*ents));

	for (uint64_t k = 0; k < n; k++)
		ents[k] = *entry(want_map, w->fs_start + k);
	xn_type_ext2(r->fd, r->path, w->fs_start, n, slot, ents, want, st);
	for (uint64_t k = 0; k < n; k++)
		*entry(want_map, w->fs_start + k) = ents[k];
	free(ents);
}

/* One line about a typing, for place and insert. */
static void print_typing(const char *path, const struct xn_typing *st)
{
	if (!st->ext2)
		printf("%s: image not typed for XN (%s): every block plain data\n", path, st->why);
	else
		printf("%s: typed for XN: %" PRIu64 " inode-table blocks (type %u), %" PRIu64
		       " indirect blocks (type %u), %" PRIu64 " blocks held\n",
		       path, st->itable, st->t_itable, st->indirect, st->t_indirect, st->held);
}

static int cmd_place(char **argv)
{
	const char *path = argv[0], *fspath = argv[1], *keypath = argv[2], *name = argv[3];
	uint8_t hash[SB_DISK_HASH_BYTES];
	struct region r;
	struct sb_disk_owners want;
	struct sb_disk_map *want_map;
	uint64_t n, start = 0, run = 0, best = 0;
	unsigned slot;
	int fsfd;

	check_name(name);
	read_key(keypath, hash);
	n = open_fsimg(fspath, &fsfd);
	load_or_die(&r, path, true);
	replay(&r);
	require_consistent(&r);
	memcpy(&want, &r.own, BS);
	slot = register_owner(&want, hash, name);

	/* The first free run: old image blocks are not free, so the old
	 * image stays intact until the transaction that replaces it. */
	for (uint64_t b = r.sb.data_start; b < r.sb.nblocks && run < n; b++) {
		if (*entry(r.map, b) != 0) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			start = b;
		if (run > best)
			best = run;
	}
	if (run < n)
		die("%s: no free run of %" PRIu64 " blocks (the longest is %" PRIu64 ")", path, n,
		    best);

	copy_blocks(fsfd, fspath, 0, r.fd, path, start * BS, n);
	flush(r.fd, path);
	close(fsfd);

	want_map = map_copy(&r);
	struct sb_disk_owner *w = &want.owner[slot - 1];
	uint32_t old_start = w->fs_start, old_blocks = w->fs_blocks;
	for (uint64_t b = old_start; b < (uint64_t)old_start + old_blocks; b++)
		if (SB_DISK_ENTRY_OWNER(*entry(want_map, b)) == slot)
			*entry(want_map, b) = 0;
	for (uint64_t b = start; b < start + n; b++)
		*entry(want_map, b) = SB_DISK_ENTRY(slot, 0, 0);
	w->fs_start = (uint32_t)start;
	w->fs_blocks = (uint32_t)n;
	struct xn_typing st;
	type_image(&r, &want, want_map, slot, &st);
	commit(&r, &want, want_map);
	printf("%s: placed %s for owner slot %u (%s): first block %" PRIu64 ", %" PRIu64
	       " blocks\n",
	       path, fspath, slot, name, start, n);
	if (old_blocks)
		printf("%s: freed the previous image, blocks %u..%" PRIu64 "\n", path, old_start,
		       (uint64_t)old_start + old_blocks - 1);
	print_typing(path, &st);
	return 0;
}

/* The slot and extent of the key's placed image; dies if there is none or
 * it lies outside the data area. */
static unsigned placed_image(struct region *r, const char *keypath)
{
	uint8_t hash[SB_DISK_HASH_BYTES];
	unsigned slot;
	const struct sb_disk_owner *w;

	read_key(keypath, hash);
	slot = find_owner(r, hash, keypath);
	w = &r->own.owner[slot - 1];
	if (!w->fs_blocks)
		die("%s: owner slot %u (%s) has no placed image", r->path, slot,
		    slot_name(&r->own, slot));
	if (w->fs_start < r->sb.data_start || ext_end(w) > r->sb.nblocks)
		die("%s: owner slot %u: image extent %u+%u lies outside the data area", r->path,
		    slot, w->fs_start, w->fs_blocks);
	return slot;
}

static int cmd_extract(char **argv)
{
	const char *path = argv[0], *keypath = argv[1], *out = argv[2];
	struct region r;
	unsigned slot;
	uint64_t stray = 0;
	int fd;

	load_or_die(&r, path, false);
	slot = placed_image(&r, keypath);
	const struct sb_disk_owner *w = &r.own.owner[slot - 1];
	for (uint64_t b = w->fs_start; b < ext_end(w); b++)
		stray += SB_DISK_ENTRY_OWNER(*entry(r.map, b)) != slot;
	if (stray)
		fprintf(stderr,
			"%s: warning: %" PRIu64 " blocks of the image are not the owner's in the "
			"map (exodisk reconcile gives them back)\n",
			prog, stray);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("%s: %s", out, strerror(errno));
	copy_blocks(r.fd, path, (uint64_t)w->fs_start * BS, fd, out, 0, w->fs_blocks);
	flush(fd, out);
	close(fd);
	printf("%s: extracted owner slot %u's image (blocks %u..%" PRIu64 ", %u blocks) to %s\n",
	       path, slot, w->fs_start, ext_end(w) - 1, w->fs_blocks, out);
	return 0;
}

static int cmd_insert(char **argv)
{
	const char *path = argv[0], *keypath = argv[1], *fspath = argv[2];
	struct region r;
	struct sb_disk_owners want;
	struct sb_disk_map *want_map;
	unsigned slot;
	uint64_t n;
	int fsfd;

	n = open_fsimg(fspath, &fsfd);
	load_or_die(&r, path, true);
	replay(&r);
	require_consistent(&r);
	slot = placed_image(&r, keypath);
	const struct sb_disk_owner *w = &r.own.owner[slot - 1];
	if (n != w->fs_blocks)
		die("%s: %" PRIu64 " blocks, but the placed image is %u blocks (same size "
		    "required; use place for another size)",
		    fspath, n, w->fs_blocks);
	copy_blocks(fsfd, fspath, 0, r.fd, path, (uint64_t)w->fs_start * BS, n);
	flush(r.fd, path);
	close(fsfd);
	/* The blocks now hold what the host wrote: none may read as zeros. */
	want_map = map_copy(&r);
	for (uint64_t b = w->fs_start; b < ext_end(w); b++)
		*entry(want_map, b) &= ~SB_DISK_FRESH;
	memcpy(&want, &r.own, BS);
	/* The host changed inode tables and indirect blocks: the types and
	 * held marks follow the new contents. */
	struct xn_typing st;
	type_image(&r, &want, want_map, slot, &st);
	commit(&r, &want, want_map);
	printf("%s: inserted %s into owner slot %u's image: first block %u, %u blocks\n", path,
	       fspath, slot, w->fs_start, w->fs_blocks);
	print_typing(path, &st);
	return 0;
}

static int cmd_own(char **argv)
{
	const char *path = argv[0], *keypath = argv[1], *name = argv[2];
	uint64_t first = parse_u64(argv[3], "FIRST"), n = parse_u64(argv[4], "COUNT"), added = 0;
	uint8_t hash[SB_DISK_HASH_BYTES];
	struct region r;
	struct sb_disk_owners want;
	struct sb_disk_map *want_map;
	unsigned slot;

	check_name(name);
	read_key(keypath, hash);
	load_or_die(&r, path, true);
	replay(&r);
	require_consistent(&r);
	if (n == 0 || first < r.sb.data_start || first >= r.sb.nblocks || n > r.sb.nblocks - first)
		die("%s: blocks %" PRIu64 "+%" PRIu64 " are not all data blocks (%" PRIu64
		    "..%" PRIu64 ")",
		    path, first, n, r.sb.data_start, r.sb.nblocks - 1);
	memcpy(&want, &r.own, BS);
	slot = register_owner(&want, hash, name);
	want_map = map_copy(&r);
	for (uint64_t b = first; b < first + n; b++) {
		uint32_t *e = entry(want_map, b), o = SB_DISK_ENTRY_OWNER(*e);
		if (o == slot)
			continue;
		if (o == SB_DISK_RESERVED)
			die("%s: block %" PRIu64 " is reserved", path, b);
		if (o != 0)
			die("%s: block %" PRIu64 " is owned by slot %u (%s)", path, b, o,
			    slot_name(&r.own, o));
		/* An allocation, as the kernel makes one: FRESH, so the new
		 * owner reads zeros, not what the block held before. */
		*e = SB_DISK_ENTRY(slot, 0, SB_DISK_FRESH);
		added++;
	}
	commit(&r, &want, want_map);
	printf("%s: owner slot %u (%s) owns blocks %" PRIu64 "..%" PRIu64 " (%" PRIu64
	       " newly, marked FRESH); it has %u blocks\n",
	       path, slot, name, first, first + n - 1, added, r.own.owner[slot - 1].nblocks);
	return 0;
}

static int cmd_check(char **argv)
{
	const char *path = argv[0];
	struct region r;
	char buf[200];
	int n;

	if (load(&r, path, false) < 0) {
		printf("%s: 1 problem:\n  - %s\n", path, r.sb_msg);
		return 1;
	}
	printf("%s: %" PRIu64 " blocks, data %" PRIu64 "..%" PRIu64 "\n", path, r.sb.nblocks,
	       r.sb.data_start, r.sb.nblocks - 1);
	printf("log: %s\n", log_state(&r, buf, sizeof(buf)));
	n = validate(&r);
	if (n) {
		printf("%s: %d problem%s (listed above)\n", path, n, n == 1 ? "" : "s");
		return 1;
	}
	printf("%s: consistent\n", path);
	return 0;
}

static int cmd_check_replayed(char **argv)
{
	replay_ok = true;
	return cmd_check(argv);
}

/* reconcile: what changed, one line each. */
static int nchanges;
static void change(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void change(const char *fmt, ...)
{
	va_list ap;

	nchanges++;
	printf("  fixed: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static bool unfixable;
static const char *cur_path;
static void report_fix(bool fixable, const char *fmt, ...)
{
	va_list ap;

	if (fixable)
		return;
	unfixable = true;
	fprintf(stderr, "%s: %s: ", prog, cur_path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Repair the slot fields that reconcile can decide alone. */
static void fix_slots(const struct region *r, struct sb_disk_owners *o)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		struct sb_disk_owner *w = &o->owner[i];
		if (all_zero(w->hash, sizeof(w->hash))) {
			if (!all_zero(w, sizeof(*w)))
				change("owner slot %u: empty, cleared its other fields", i + 1);
			memset(w, 0, sizeof(*w));
			continue;
		}
		if (w->name[15]) {
			w->name[15] = 0;
			change("owner slot %u: name cut to 15 characters", i + 1);
		}
		if (w->flags) {
			w->flags = 0;
			change("owner slot %u: flags cleared", i + 1);
		}
		if ((w->fs_start == 0) != (w->fs_blocks == 0) ||
		    (w->fs_blocks &&
		     (w->fs_start < r->sb.data_start || ext_end(w) > r->sb.nblocks))) {
			change("owner slot %u: dropped the unusable image extent %u+%u (its blocks "
			       "stay with the owner)",
			       i + 1, w->fs_start, w->fs_blocks);
			w->fs_start = w->fs_blocks = 0;
		}
	}
}

static int cmd_reconcile(char **argv)
{
	const char *path = argv[0];
	struct region r;
	struct sb_disk_owners want;
	struct sb_disk_map *want_map;
	struct run u = { .prefix = "map: ", .out = change };
	uint32_t old_count[SLOTS];
	int err;

	if (load(&r, path, true) < 0)
		die("%s: cannot reconcile: %s. Nothing was changed; %s", path, r.sb_msg, r.sb_hint);
	cur_path = path;
	bool replayed = r.log_state == LOG_COMPLETE && r.pending;
	replay(&r);
	if (r.log_state == LOG_TORN) {
		static const uint8_t zero[BS];
		pwrite_all(r.fd, zero, BS, r.sb.log_start * BS, path);
		flush(r.fd, path);
		printf("log: discarded a torn log (%s); it was never replayed\n",
		       sb_disk_strerror(r.log_err));
		memset(&r.log, 0, BS);
		r.log_state = LOG_EMPTY;
		replayed = true;
	}
	err = sb_disk_owners_check(&r.own);
	if (err == -SB_DISK_EDUP)
		die("%s: cannot reconcile: owner table (block %" PRIu64 "): %s, so which of them "
		    "owns what is unknown; the map was left as it is",
		    path, r.sb.owner_start, sb_disk_strerror(err));
	if (err)
		die("%s: cannot reconcile: owner table (block %" PRIu64 "): %s. The owners' key "
		    "hashes are lost with it; the map was left as it is",
		    path, r.sb.owner_start, sb_disk_strerror(err));
	slot_problems(&r, &r.own, report_fix);
	if (unfixable)
		die("%s: cannot reconcile: which image owns the shared blocks is unknown; the "
		    "region was left as it is",
		    path);
	memcpy(&want, &r.own, BS);
	fix_slots(&r, &want);
	for (unsigned i = 0; i < SLOTS; i++)
		old_count[i] = want.owner[i].nblocks;

	want_map = xmalloc(r.sb.map_blocks * BS);
	for (uint64_t i = 0; i < r.sb.map_blocks; i++) {
		bool damaged = !sb_disk_crc_ok(&r.map[i], 'M');
		uint64_t first = i * SB_DISK_MAP_PER_BLOCK;
		if (damaged) {
			run_flush(&u);
			change("map block %" PRIu64 " (disk block %" PRIu64 "): %s; rebuilt its "
			       "entries (blocks %" PRIu64 "..%" PRIu64 ") from the placed images, "
			       "every other block in it is now free",
			       i, r.sb.map_start + i, sb_disk_strerror(-SB_DISK_ECRC), first,
			       first + SB_DISK_MAP_PER_BLOCK - 1);
		}
		for (uint32_t j = 0; j < SB_DISK_MAP_PER_BLOCK; j++) {
			uint64_t b = first + j;
			uint32_t e = damaged ? 0 : r.map[i].e[j], o = SB_DISK_ENTRY_OWNER(e);
			unsigned img = image_of(&want, b);
			uint32_t w = e;
			const char *why = NULL;

			if (b < r.sb.data_start || b >= r.sb.nblocks) {
				w = SB_DISK_RESERVED;
				why = "region or past the end, now reserved";
			} else if (img) {
				if (o != img || (e & ~SB_DISK_ENTRY_VALID_BITS)) {
					w = SB_DISK_ENTRY(img, 0, 0);
					why = "in a placed image, now its owner's";
				}
			} else if (sb_disk_entry_check(e, b, &r.sb, &want) != 0) {
				if (o == SB_DISK_RESERVED) {
					w = SB_DISK_RESERVED;
					why = "reserved with stray bits, now plain reserved";
				} else if (is_slot(o) &&
					   !all_zero(want.owner[o - 1].hash, SB_DISK_HASH_BYTES)) {
					w = 0;
					why = "undefined bits, now free";
				} else {
					w = 0;
					why = is_slot(o) ? "named an empty owner slot, now free"
							 : "undefined entry, now free";
				}
			}
			want_map[i].e[j] = w;
			if (why && !damaged && w != e)
				run_note(&u, b, why);
		}
	}
	run_flush(&u);
	/* XN: the types and held marks of every placed image, recomputed
	 * from its contents (a host edit, e2fsck or a crash may have changed
	 * its inode tables and indirect blocks). */
	for (unsigned o = 1; o <= SLOTS; o++) {
		struct xn_typing st;
		if (!want.owner[o - 1].fs_blocks)
			continue;
		type_image(&r, &want, want_map, o, &st);
		if (st.changed)
			change("owner slot %u (%s): %" PRIu64 " entries of its image retyped for "
			       "XN (%s%s)",
			       o, slot_name(&want, o), st.changed,
			       st.ext2 ? "ext2 inode tables, indirect blocks, held marks"
				       : "not typeable: ",
			       st.ext2 ? "" : st.why);
	}

	unsigned ntxn = commit(&r, &want, want_map);
	for (unsigned i = 0; i < SLOTS; i++)
		if (r.own.owner[i].nblocks != old_count[i] &&
		    !all_zero(r.own.owner[i].hash, SB_DISK_HASH_BYTES))
			change("owner slot %u (%s): nblocks %u -> %u", i + 1,
			       slot_name(&r.own, i + 1), old_count[i], r.own.owner[i].nblocks);
	if (!nchanges)
		printf("%s: nothing %sto change\n", path, replayed ? "else " : "");
	else
		printf("%s: reconciled (%u transaction%s)\n", path, ntxn, ntxn == 1 ? "" : "s");

	quiet = true;
	int left = validate(&r);
	quiet = false;
	if (left)
		die("%s: still %d problems after reconcile (a bug: please report)", path, left);
	return 0;
}

static int cmd_show(char **argv)
{
	const char *path = argv[0];
	const struct sb_disk_super *s;
	struct region r;
	uint64_t reserved, nfree;
	char buf[200];
	int err;

	load_or_die(&r, path, false);
	s = &r.sb;
	printf("%s: %" PRIu64 " blocks of 4 KiB (%" PRIu64 " MiB; the file has %" PRIu64 ")\n",
	       path, s->nblocks, s->nblocks / 256, r.dev_blocks);
	printf("  superblock     0\n");
	printf("  owner table    %" PRIu64 "\n", s->owner_start);
	printf("  map            %" PRIu64 "..%" PRIu64 " (%" PRIu64 " blocks)\n", s->map_start,
	       s->map_start + s->map_blocks - 1, s->map_blocks);
	printf("  log            %" PRIu64 "..%" PRIu64 " (header and %u images)\n", s->log_start,
	       s->log_start + s->log_blocks - 1, SB_DISK_LOG_MAX);
	printf("  data           %" PRIu64 "..%" PRIu64 " (%" PRIu64 " blocks)\n", s->data_start,
	       s->nblocks - 1, s->nblocks - s->data_start);
	err = sb_disk_owners_check(&r.own);
	if (err) {
		printf("owners: owner table damaged: %s\n", sb_disk_strerror(err));
	} else {
		printf("owners:\n  slot  name             hash      blocks  image\n");
		for (unsigned i = 0; i < SLOTS; i++) {
			const struct sb_disk_owner *w = &r.own.owner[i];
			if (all_zero(w->hash, sizeof(w->hash)))
				continue;
			printf("  %4u  %-15s  %02x%02x%02x%02x  %6u  ", i + 1,
			       slot_name(&r.own, i + 1), w->hash[0], w->hash[1], w->hash[2],
			       w->hash[3], w->nblocks);
			if (w->fs_blocks)
				printf("%u..%" PRIu64 " (%u blocks)\n", w->fs_start, ext_end(w) - 1,
				       w->fs_blocks);
			else
				printf("none\n");
		}
	}
	nfree = count_free(&r, &reserved);
	printf("free: %" PRIu64 " blocks; reserved data blocks: %" PRIu64 "\n", nfree, reserved);
	printf("log: %s\n", log_state(&r, buf, sizeof(buf)));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
		int (*fn)(char **argv);
	} cmds[] = {
		{ "format", 2, cmd_format },
		{ "newkey", 1, cmd_newkey },
		{ "place", 4, cmd_place },
		{ "extract", 3, cmd_extract },
		{ "insert", 3, cmd_insert },
		{ "check", 1, cmd_check },
		{ "check-replayed", 1, cmd_check_replayed },
		{ "reconcile", 1, cmd_reconcile },
		{ "show", 1, cmd_show },
		{ "own", 5, cmd_own },
	};

	if (argc < 2)
		usage();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		if (argc - 2 != cmds[i].nargs)
			usage();
		return cmds[i].fn(argv + 2);
	}
	usage();
}
