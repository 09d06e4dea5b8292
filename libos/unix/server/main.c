/*
 * main.c - unixd's start-up and its protected-control-transfer dispatch.
 *
 * Start-up: attach to the disk with the owner key (data boot module
 * /disk.key), mount the ext2 file system placed for that owner
 * (exo_disk_info's fs_start/fs_blocks), fork the console reader, start
 * init (argv[1..] of unixd's module line, default /bin/sh), then serve
 * PCTs for ever, writing dirty blocks back every few seconds. When init ends, the file system is
 * synced and unmounted and the machine is switched off.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/libexo.h>
#include <unix/client.h>
#include "unixd.h"

struct ext2_fs unixd_fs;
static struct bcache cache;
static struct buf cache_hdrs[1024];
static uint64_t fs_start, fs_blocks;
static uint64_t reader_env;

/* How often dirty blocks are written back when nothing else asks: 5 s. */
#define SYNC_US 5000000

/* ------------------------------------------------------------ time */

uint32_t unixd_now(void)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t hz = si->tsc_hz ? si->tsc_hz : 1000000000ULL;

	return (uint32_t)(UNIX_EPOCH + __builtin_ia32_rdtsc() / hz);
}

static uint32_t fs_now(void *ctx)
{
	(void)ctx;
	return unixd_now();
}

/* ------------------------------------------------------------ the block device */

/*
 * Read-ahead: a read that follows the previous one on the disk fetches
 * RA_BLOCKS blocks in one request into ra_buf, and the next reads are
 * served from there (a sequential file read costs one disk request per
 * 64 KiB instead of per block). Writes keep the copy current.
 */
#define RA_BLOCKS EXO_DISK_MAX_BLOCKS
static uint8_t ra_buf[RA_BLOCKS][EXO_PAGE_SIZE] __attribute__((aligned(EXO_PAGE_SIZE)));
static uint64_t ra_first, ra_n, last_read = ~0ULL;

/*
 * Write-behind: the block device's contract (blockdev.h) makes a write
 * durable only at the next flush, so consecutive writes are gathered in
 * wb_buf and go to the disk as one request when the run breaks, fills, or
 * a flush comes. Reads see the gathered copies.
 */
static uint8_t wb_buf[RA_BLOCKS][EXO_PAGE_SIZE] __attribute__((aligned(EXO_PAGE_SIZE)));
static uint64_t wb_first, wb_n;

/* Send the gathered run to the disk. Returns 0 or -EIO. */
static int wb_push(void)
{
	long r =
		wb_n ? exo_disk_rw(EXO_DISK_WRITE, fs_start + wb_first, (uint32_t)wb_n, wb_buf) : 0;

	wb_n = 0;
	return r == 0 ? 0 : -EIO;
}

static int bd_read(void *ctx, uint64_t block, void *buf)
{
	(void)ctx;
	if (block >= fs_blocks)
		return -EIO;
	if (block - wb_first < wb_n) {
		memcpy(buf, wb_buf[block - wb_first], EXO_PAGE_SIZE);
		return 0;
	}
	if (block - ra_first < ra_n) {
		memcpy(buf, ra_buf[block - ra_first], EXO_PAGE_SIZE);
		last_read = block;
		return 0;
	}
	if (block == last_read + 1 && block + 1 < fs_blocks) {
		uint64_t n = fs_blocks - block < RA_BLOCKS ? fs_blocks - block : RA_BLOCKS;

		ra_n = 0;
		/* gathered writes first, or the read-ahead would see older blocks */
		if (wb_push() == 0 &&
		    exo_disk_rw(EXO_DISK_READ, fs_start + block, (uint32_t)n, ra_buf) == 0) {
			ra_first = block;
			ra_n = n;
			memcpy(buf, ra_buf[0], EXO_PAGE_SIZE);
			last_read = block;
			return 0;
		}
	}
	last_read = block;
	return exo_disk_rw(EXO_DISK_READ, fs_start + block, 1, buf) == 0 ? 0 : -EIO;
}

static int bd_write(void *ctx, uint64_t block, const void *buf)
{
	(void)ctx;
	if (block - ra_first < ra_n)
		memcpy(ra_buf[block - ra_first], buf, EXO_PAGE_SIZE);
	if (block >= fs_blocks)
		return -EIO;
	if (block - wb_first < wb_n) { /* rewritten before it went out */
		memcpy(wb_buf[block - wb_first], buf, EXO_PAGE_SIZE);
		return 0;
	}
	if (wb_n == RA_BLOCKS || (wb_n > 0 && block != wb_first + wb_n)) {
		int r = wb_push();

		if (r < 0)
			return r;
	}
	if (wb_n == 0)
		wb_first = block;
	memcpy(wb_buf[wb_n++], buf, EXO_PAGE_SIZE);
	return 0;
}

static int bd_flush(void *ctx)
{
	(void)ctx;
	if (wb_push() < 0)
		return -EIO;
	return exo_disk_flush() == 0 ? 0 : -EIO;
}

/* Cache frames: one page each in a region of their own, mapped on demand. */
#define CACHE_VA    0x7d0000000000ULL
#define CACHE_SLOTS 1024
static uint8_t slot_used[CACHE_SLOTS];

static void *cache_frame_alloc(void *ctx)
{
	(void)ctx;
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		uint64_t va = CACHE_VA + (uint64_t)i * EXO_PAGE_SIZE;

		if (slot_used[i])
			continue;
		if (unixd_map_frame(va) < 0)
			return NULL;
		slot_used[i] = 1;
		return (void *)va;
	}
	return NULL;
}

long unixd_map_frame(uint64_t va)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

	if (f < 0)
		return -ENOMEM;
	if (exo_page_map(EXO_AS_SELF, va, (uint64_t)f, EXO_PERM_R | EXO_PERM_W) < 0) {
		exo_frame_free((uint64_t)f);
		return -ENOMEM;
	}
	return f;
}

static void cache_frame_free(void *ctx, void *frame)
{
	uint64_t va = (uint64_t)frame, f = EXO_PTE_FRAME(exo_uvpt_pte(va));

	(void)ctx;
	exo_page_unmap(EXO_AS_SELF, va);
	exo_frame_free(f);
	slot_used[(va - CACHE_VA) / EXO_PAGE_SIZE] = 0;
}

/* A system without its server is no system: say why and switch off. */
static void die(const char *what, long err)
{
	printf("unixd: %s (%ld); powering off\n", what, err);
	fflush(stdout);
	exo_machine_poweroff();
	exit(1);
}

/* ------------------------------------------------------------ visible revocation */

/*
 * The server holds the most frames of any UNIX environment (its buffer
 * cache), so memory pressure asks it first (docs/revocation.md). It
 * complies in two steps. A reserve of unmapped frames is given back at
 * once, from the upcall itself; the rest comes from shrinking the cache,
 * which is only safe when no handler is using it: at once if the server is
 * idle, else when the handler in progress ends (the debt is `owed`). The
 * abort protocol takes unmapped frames first, so the reserve also shields
 * the cache from an abort.
 */
#define RESERVE 32
static uint64_t reserve[RESERVE];
static volatile unsigned nreserve;
static volatile bool reserve_busy, busy;
static volatile uint64_t owed;

/* Top the reserve up from the kernel; called when not busy. */
static void reserve_fill(void)
{
	reserve_busy = true;
	while (nreserve < RESERVE && owed == 0) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0)
			break;
		reserve[nreserve++] = (uint64_t)f;
	}
	reserve_busy = false;
}

/* Pay what revocation asked while a handler held the cache. */
static void pay_debt(void)
{
	uint64_t want = owed;

	if (want == 0)
		return;
	owed = 0;
	bcache_shrink(&cache, (unsigned)(want > CACHE_SLOTS ? CACHE_SLOTS : want));
}

static uint64_t give_back(uint64_t frames, void *ctx)
{
	uint64_t given = 0;

	(void)ctx;
	if (!reserve_busy)
		while (given < frames && nreserve > 0) {
			exo_frame_free(reserve[--nreserve]);
			given++;
		}
	if (given < frames) {
		if (busy) {
			owed += frames - given;
		} else {
			given += bcache_shrink(&cache, (unsigned)(frames - given > CACHE_SLOTS
									  ? CACHE_SLOTS
									  : frames - given));
		}
	}
	return given;
}

/* The revocation upcall: runs on its own stack (guaranteed frames, so an
 * abort cannot take it) and resumes whatever it interrupted. */
#define REVOKE_STACK_TOP   0x7d7000000000ULL
#define REVOKE_STACK_PAGES 4
void unixd_revoke_entry(void);
void unixd_revoke_upcall(struct exo_upcall_frame *f);
__asm__(".text\n"
	".globl unixd_revoke_entry\n"
	"unixd_revoke_entry:\n"
	"	movq %rdi, %rbx\n"
	"	subq $512, %rsp\n"
	"	fxsave64 (%rsp)\n"
	"	cld\n"
	"	call unixd_revoke_upcall\n"
	"	fxrstor64 (%rsp)\n"
	"	movq %rbx, %rdi\n"
	"	jmp exo_upcall_resume\n");

void unixd_revoke_upcall(struct exo_upcall_frame *f)
{
	if (f->vector == EXO_UPCALL_REVOKE)
		exo_dispatch_revocation(f->error);
}

static void revocation_init(void)
{
	for (unsigned i = 1; i <= REVOKE_STACK_PAGES; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0 ||
		    exo_page_map(EXO_AS_SELF, REVOKE_STACK_TOP - i * EXO_PAGE_SIZE, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W) < 0 ||
		    exo_frame_guarantee((uint64_t)f, 1) < 0)
			die("cannot make the revocation stack", f);
	}
	exo_add_revocation_handler(give_back, NULL, 1);
	reserve_fill();
	if (exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_REVOKE, (uint64_t)unixd_revoke_entry,
			      REVOKE_STACK_TOP) < 0)
		die("cannot register the revocation entry", 0);
}

static const struct blockdev dev_ops = { bd_read, bd_write, bd_flush, NULL, 0 };
static const struct bcache_ops frame_ops = { cache_frame_alloc, cache_frame_free, NULL };

static void mount_root(void)
{
	const struct exo_module *m = exo_module_find("/disk.key");
	struct exo_disk_key key = { .name = "unix" };
	struct exo_disk_info di;
	struct blockdev dev = dev_ops;
	const char *why = "";
	const void *k;
	long r;

	if (m == NULL || m->bytes != EXO_DISK_KEY_BYTES)
		die("no disk owner key (data module /disk.key)", 0);
	k = exo_module_map(m, 0x7c0000000000ULL);
	if (k == NULL)
		die("cannot map the disk key", 0);
	memcpy(key.key, k, EXO_DISK_KEY_BYTES);
	r = exo_disk_attach(&key, 0);
	if (r < 0)
		die("the disk does not know our key", r);
	if (exo_disk_info(&di) < 0 || di.fs_start == 0)
		die("no file system placed on the disk for our key", 0);
	fs_start = di.fs_start;
	fs_blocks = di.fs_blocks;
	dev.nblocks = fs_blocks;
	r = bcache_init(&cache, &dev, cache_hdrs, CACHE_SLOTS, &frame_ops);
	if (r < 0)
		die("buffer cache", r);
	r = ext2_mount(&unixd_fs, &cache,
		       &(struct ext2_config){ .clean_only = true, .now = fs_now }, &why);
	if (r < 0) {
		printf("unixd: cannot mount the root file system: %s\n", why);
		die("no root file system", r);
	}
	printf("unixd: root file system: %llu blocks at disk block %llu%s%s\n",
	       (unsigned long long)fs_blocks, (unsigned long long)fs_start,
	       unixd_fs.rw ? "" : ", read-only: ", unixd_fs.rw || !why ? "" : why);
}

/* Sync and unmount; returns 0 or -errno. */
static int unmount_root(void)
{
	int r = ext2_unmount(&unixd_fs);

	if (r == 0)
		bcache_destroy(&cache);
	return r;
}

void unixd_shutdown(void)
{
	int r = unmount_root();

	if (r < 0)
		printf("unixd: unmount failed (%s%s%s); the file system needs e2fsck\n",
		       strerror(-r), unixd_fs.error ? ": " : "",
		       unixd_fs.error ? unixd_fs.error : "");
	exo_machine_poweroff();
	exit(r < 0);
}

/* ------------------------------------------------------------ the console reader */

/* A child environment that only moves console input to the server: the
 * server cannot block in exo_cons_read itself. */
static void reader_loop(uint64_t server)
{
	char buf[24];

	exo_env_revoke_rights(EXO_ENV_SELF, EXO_RIGHTS_ALL & ~EXO_RIGHT_CONSOLE);
	for (;;) {
		long n = exo_cons_read(buf, sizeof buf), done = 0;

		while (n > 0 && done < n) {
			uint64_t w[4] = { UNIX_OP_CONS_INPUT | (uint64_t)(n - done) << 16 };
			long r;

			memcpy(&w[1], buf + done, (size_t)(n - done));
			r = exo_pct_call_msg(server, w, 0);
			if (r == 0)
				done += (long)w[0];
			if (r < 0 || w[0] == 0) /* busy, or its queue is full */
				exo_wait(NULL, 0, 0, 5000);
		}
	}
}

/* ------------------------------------------------------------ dispatch */

static void serve(const struct exo_pct_msg *m)
{
	uint64_t out[3] = { 0, 0, 0 };
	uint64_t op = m->w[0] & 0xffff;
	struct proc *p;
	long r;

	if (op == UNIX_OP_CONS_INPUT && m->sender == reader_env) {
		char bytes[24];
		size_t n = (size_t)(m->w[0] >> 16);

		memcpy(bytes, &m->w[1], sizeof bytes);
		exo_pct_return((uint64_t)cons_input(bytes, n > 24 ? 24 : n), 0, 0, 0);
		return;
	}
	busy = true;
	p = proc_by_env(m->sender);
	if (p == NULL || p->state != P_LIVE) {
		exo_pct_return((uint64_t)-EPERM, 0, 0, 0);
		busy = false;
		return;
	}
	p->waiting = false;
	if (op == UNIX_OP_POWEROFF) {
		exo_pct_return(0, 0, 0, 0);
		unixd_shutdown();
	}
	r = proc_op(p, m->w, out);
	if (r == -ENOSYS)
		r = file_op(p, m->w, out);
	if (r == -UNIX_EWAIT)
		p->waiting = true;
	exo_pct_return((uint64_t)r, out[0], out[1], out[2]);
	pay_debt();
	busy = false;
}

void unixd_wake_all(void)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &unixd_procs[i];

		if (p->state == P_LIVE && p->waiting) {
			p->waiting = false;
			__atomic_add_fetch(&p->ch->wake, 1, __ATOMIC_RELEASE);
		}
	}
}

int main(int argc, char **argv)
{
	static char *const default_init[] = { "/bin/sh", NULL };
	uint64_t self = (uint64_t)exo_env_id();
	long r;

	r = exo_fork();
	if (r == 0)
		reader_loop(self);
	if (r < 0)
		die("cannot start the console reader", r);
	reader_env = (uint64_t)r;
	mount_root();
	revocation_init();
	cons_init();
	r = exo_pct_serve(serve, EXO_PCT_ANY);
	if (r < 0)
		die("cannot serve PCTs", r);
	r = proc_spawn_init(argc > 1 ? argv + 1 : default_init);
	if (r < 0) {
		printf("unixd: cannot start %s: %s\n", argc > 1 ? argv[1] : "/bin/sh",
		       strerror((int)-r));
		unixd_shutdown();
	}
	/* Between PCTs: write dirty blocks back every SYNC_US. PCTs are
	 * refused meanwhile (clients retry), so no handler runs in the middle
	 * of the sync. */
	for (;;) {
		if (exo_wait(NULL, 0, 0, SYNC_US) == EXO_WAKE_TIMEOUT) {
			exo_pct_accept(0);
			busy = true;
			ext2_sync(&unixd_fs);
			pay_debt();
			busy = false;
			exo_pct_accept(EXO_PCT_ANY);
		}
		reserve_fill();
	}
}
