/*
 * disk.c - the fuzzer's disk calls (38-45: exo_disk_info .. exo_disk_type)
 * and the attacker's model of the disk (docs/abi.md, "Disk blocks").
 *
 * The attacker attaches to disk owners of its own (keys from the seed, and
 * fresh random ones, which use up the 31 owner slots in the course of a
 * run), allocates, writes, reads, grants, revokes and frees blocks, types
 * some of them as metadata blocks and writes directories into them that
 * claim blocks (its own, held ones, the victim's, the region, the block
 * itself, free ones, ranges too long for the UDF), registers programs
 * (the extent directory of secure-bindings/udf.h, mutations of it, random
 * bytes, small valid programs), asks for blocks back (exo_revoke_blocks,
 * call 46: always refused, it holds no EXO_RIGHT_REVOKE), registers swap
 * areas (exo_swap_register, call 47: runs of its own plain blocks, and
 * ranges over its metadata and held blocks, the victim's, the region, free
 * blocks, past the end; registering again, removing), retypes blocks
 * (exo_block_retype, call 48: its own data and metadata blocks to data, to
 * its types, to the victim's, to unregistered and bad types; its held
 * blocks; the victim's, free and region blocks), and aims a share of all
 * this at the victim's blocks and the grants it holds from the victim.
 *
 * The model. Nobody but the victim and the attacker uses the disk, the
 * victim changes nothing after its set-up, and the attacker's children
 * and contexts are never attached, so the attacker knows, just before
 * each call (fz_disk_before), the state every check of the call looks
 * at: which blocks each of its owners holds, which are fresh (or may be:
 * a write in flight), which are held and by which of its metadata blocks
 * (whose contents it knows, and whose UDF it runs itself), which frees
 * are not yet flushed, which grants it issued, which owner and type slots
 * are used, and its own page tables (EXO_UVPT). From that it computes the
 * set of results the call may return: every error of a check that fails
 * (the docs say the first failing check decides; which one is first is
 * counted apart, fz_count_order), or success if none certainly fails.
 * Anything else is a failure: a success against the victim's blocks, an
 * owner or block the kernel gives twice, an error no failing check
 * explains. A success is then checked in detail (the block, slot or type
 * number, exo_disk_info's counts, a flush's status word). A block in our
 * swap area may be written by the kernel at any moment (a frame of ours
 * taken by the abort protocol goes there first), so from its registration
 * on the model holds it fresh or written.
 *
 * Guards. The kernel writes status words and (by DMA) read data into the
 * attacker's memory: both go only to its disk pages, the fuzz region and
 * the far pages, never to its program, stack or heap. Requests it did not
 * write itself are never handed to the kernel; the sources of metadata
 * writes it can read are its own metadata pages, so it knows what the
 * kernel checks.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "udf.h"

#define KERNEL_VA 0xffffffff80100000ULL
#define NONCANON  0x0000800000000000ULL
#define RW	  (EXO_PERM_R | EXO_PERM_W)
#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))
#define E(x)	  (1u << EXO_##x)
#define OK	  1u /* bit 0 of a result set: success */

#define FZ_KEYS	   3   /* keys of its own the attacker registers at set-up */
#define FZ_OWNERS  31  /* owner slots (and type slots) on a disk */
#define FZ_BLOCKS  160 /* blocks it keeps at most (over all its owners) */
#define FZ_METAS   8   /* of which metadata blocks */
#define FZ_FREEING 256 /* frees not yet flushed it remembers */
#define FZ_BGRANTS 512 /* block grants it issued */

/* Not written / a write queued / written / lent to a kamikaze (which may
 * write it at any time) / was in our swap area (the kernel may have
 * written a repossessed frame into it). */
enum bstate { B_FRESH, B_MAYBE, B_WRITTEN, B_LENT, B_SWAPPED };

struct blk {
	uint64_t block;
	uint8_t owner; /* owner slot it belongs to */
	uint8_t state; /* enum bstate */
	uint8_t type;  /* metadata type, 0 for a data block */
	int8_t meta;   /* index in metas[], -1 */
};

struct meta {
	bool used;
	uint64_t block;
	uint8_t bytes[4096]; /* its contents on the disk */
};

struct okey {
	uint8_t key[EXO_DISK_KEY_BYTES];
	unsigned slot;
};

struct prog {
	uint32_t ninsn; /* 0: slot unused */
	struct sb_udf_insn insn[SB_UDF_MAX_INSNS];
};

static struct {
	struct exo_disk_info info0; /* at set-up */
	uint64_t ds, nb;	    /* data_start, nblocks */
	uint64_t nfree0;	    /* free blocks after our set-up */
	uint64_t filling;	    /* blocks fz_disk_fill holds */
	struct blk blk[FZ_BLOCKS];
	unsigned nblk;
	struct meta metas[FZ_METAS];
	uint64_t freeing[FZ_FREEING];
	unsigned nfreeing;
	struct okey keys[FZ_OWNERS]; /* every owner we created, with its key */
	unsigned nkeys;
	uint8_t own[FZ_KEYS][EXO_DISK_KEY_BYTES];
	unsigned cur; /* the owner slot we are attached to */
	struct prog types[FZ_OWNERS + 1];
	unsigned ptr_type; /* our one-pointer type */
	struct {
		uint64_t block;
		uint32_t holder;
	} gr[FZ_BGRANTS];
	unsigned ngr;
	/* The victim. */
	unsigned vowner, vtype;
	uint64_t vmeta, vblocks[VICTIM_BLOCKS];
	/* Our swap area as the kernel has it (exo_swap_register; count 0:
	 * none). It belongs to the environment, not to an owner: attaching
	 * elsewhere leaves it in place. */
	uint64_t swap_first, swap_count;
	/* Statistics. */
	uint64_t flushes, meta_ok, meta_refused, fills, filled, checks, order_notes, forced;
	uint64_t kz_grants;
	uint64_t swap_set, swap_reset, swap_removed, swap_max, brevokes;
	uint64_t retypes, retype_meta;
} m;

/* The model's last changes, printed (for the blocks concerned) when it
 * disagrees with the kernel. */
enum ev {
	EV_ALLOC,
	EV_FREE,
	EV_WRITE,
	EV_FLUSH,
	EV_META,
	EV_KZ,
	EV_ATTACH,
	EV_DROP,
	EV_GRANT,
	EV_SWAP,
	EV_RETYPE
};
static const char *const ev_names[] = { "alloc",     "free",	       "write queued",
					"flush",     "metadata write", "lent to kamikaze",
					"attach",    "dropped",	       "grant",
					"swap area", "retype" };
#define EV_RING 1024
static struct {
	uint64_t call, block, n, x;
	enum ev ev;
} ring[EV_RING];
static uint64_t ring_next;

static void event(enum ev ev, uint64_t block, uint64_t n, uint64_t x)
{
	ring[ring_next % EV_RING].call = fz.calls;
	ring[ring_next % EV_RING].block = block;
	ring[ring_next % EV_RING].n = n;
	ring[ring_next % EV_RING].x = x;
	ring[ring_next++ % EV_RING].ev = ev;
}

/* Buffers of the calls built (one set for the main loop, one for the
 * fault handler), like gen.c's. */
static struct dbufs {
	struct exo_disk_req reqs[EXO_DISK_MAX_REQS + 2];
	struct exo_disk_key key;
	struct sb_udf_insn prog[SB_UDF_MAX_INSNS + 8];
} dbufs[2] __attribute__((aligned(4096)));

/* One page of zeros, the UDF's input for a fresh block. */
static const uint8_t zero_page[4096];

/* The one-pointer program: owns the block named by the first word, if not 0. */
static const struct sb_udf_insn ptr_prog[] = {
	SB_UDF_I_LD(SB_UDF_LD64, 1, 0, 0),
	SB_UDF_I_JCC(SB_UDF_JEQ, 1, 0, 2),
	SB_UDF_I_EMIT(1),
};

/* ------------------------------------------------------------ helpers */

static uint64_t pte_of(uint64_t va)
{
	return va >= EXO_USER_MIN && va < EXO_USER_MAX ? exo_uvpt_pte(va) : 0;
}

static bool range_ok(uint64_t va, uint64_t len)
{
	return va >= EXO_USER_MIN && va <= EXO_USER_MAX && len <= EXO_USER_MAX - va;
}

/* Is [va, va+len) mapped user memory (writable if write), as the kernel's
 * copies check it? */
static bool mapped(uint64_t va, uint64_t len, bool write)
{
	if (!range_ok(va, len))
		return false;
	for (uint64_t p = va & ~0xfffULL; p < va + len; p += 4096) {
		uint64_t pte = pte_of(p);
		if (!(pte & EXO_PTE_P) || (write && !(pte & EXO_PTE_W)))
			return false;
	}
	return true;
}

/* Is the frame behind page va ours (not a grant, whose owner could take
 * it away on another CPU)? */
static bool page_ours(uint64_t va)
{
	uint64_t pte = pte_of(va);
	return (pte & EXO_PTE_P) && exo_frame_info(EXO_PTE_FRAME(pte))->owner == fz.me;
}

static bool in_range(uint64_t va, uint64_t base, uint64_t pages)
{
	return va >= base && va < base + pages * 4096;
}

/* May the kernel write to page va of ours (status words, read data)? */
static bool scratch_page(uint64_t va, bool status)
{
	va &= ~0xfffULL;
	if (in_range(va, FZ_DISK_VA, FZ_DPAGES) || in_range(va, FZ_REGION, FZ_PAGES))
		return true;
	if (status && va == FZ_DSTAT_VA)
		return true;
	for (unsigned i = 0; i < FZ_FAR; i++)
		if (va == fz.far[i])
			return true;
	return false;
}

static bool data_block(uint64_t b)
{
	return b >= m.ds && b < m.nb;
}

/* Is b in our swap area? */
static bool in_swap(uint64_t b)
{
	return b >= m.swap_first && b - m.swap_first < m.swap_count;
}

static int blk_find(uint64_t b)
{
	for (unsigned i = 0; i < m.nblk; i++)
		if (m.blk[i].block == b)
			return (int)i;
	return -1;
}

/* Ours, of the owner we are attached to. */
static struct blk *blk_cur(uint64_t b)
{
	int i = blk_find(b);
	return i >= 0 && m.blk[i].owner == m.cur ? &m.blk[i] : NULL;
}

bool fz_disk_vblock(uint64_t b)
{
	for (unsigned i = 0; i < VICTIM_BLOCKS; i++)
		if (m.vblocks[i] == b)
			return true;
	return b == m.vmeta && b;
}

static bool vgranted(uint64_t b)
{
	for (unsigned i = 0; i < VICTIM_BGRANTS; i++)
		if (m.vblocks[fz_vbgrant(i)] == b)
			return true;
	return b == m.vmeta;
}

static bool is_freeing(uint64_t b)
{
	for (unsigned i = 0; i < m.nfreeing; i++)
		if (m.freeing[i] == b)
			return true;
	return false;
}

/* Free in the kernel's map: nobody's, and no unflushed free. */
static bool block_free(uint64_t b)
{
	return data_block(b) && blk_find(b) < 0 && !fz_disk_vblock(b) && !is_freeing(b);
}

static uint64_t nfree_model(void)
{
	return m.nfree0 - m.nblk - m.nfreeing - m.filling;
}

static unsigned owned_model(unsigned owner)
{
	unsigned n = owner == m.cur ? (unsigned)m.filling : 0;
	for (unsigned i = 0; i < m.nblk; i++)
		n += m.blk[i].owner == owner;
	return n;
}

static const char *set_str(uint32_t set)
{
	static char buf[128];
	size_t n = 0;
	buf[0] = 0;
	for (unsigned e = 0; e < 32 && n < sizeof(buf) - 16; e++)
		if (set & 1u << e)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "",
					      e ? fz_err_name(-(long)e) : "ok");
	return buf;
}

static uint32_t result_bit(long r)
{
	return r >= 0 ? OK : -r < 32 ? 1u << -r : 1u << 31;
}

/* The blocks metadata contents reference through the UDF of type t:
 * normalized into out[0..*n); false if the program fails on them. */
static bool udf_set(unsigned t, const void *bytes, uint64_t *out, uint32_t *n)
{
	*n = 0;
	if (sb_udf_run(m.types[t].insn, m.types[t].ninsn, bytes, out, SB_UDF_MAX_OUT, n) < 0) {
		*n = 0;
		return false;
	}
	sb_udf_set_normalize(out, n);
	return true;
}

static uint64_t set_a[SB_UDF_MAX_OUT], set_b[SB_UDF_MAX_OUT];

/* Is block b held by one of our metadata blocks (other than skip)? */
static bool held(uint64_t b, int skip)
{
	for (unsigned i = 0; i < FZ_METAS; i++) {
		const struct meta *mt = &m.metas[i];
		if (!mt->used || (int)i == skip)
			continue;
		int bi = blk_find(mt->block);
		uint32_t n;
		if (bi < 0 || !udf_set(m.blk[bi].type, mt->bytes, set_a, &n))
			continue;
		for (uint32_t k = 0; k < n; k++)
			if (set_a[k] == b)
				return true;
	}
	return false;
}

static bool typed(uint64_t b);

/* Does our metadata block bl reference anything now? */
static bool meta_refs(const struct blk *bl)
{
	uint32_t n;
	return bl->meta >= 0 && udf_set(bl->type, m.metas[bl->meta].bytes, set_a, &n) && n;
}

static void grants_drop_block(uint64_t b)
{
	for (unsigned i = 0; i < m.ngr;)
		if (m.gr[i].block == b)
			m.gr[i] = m.gr[--m.ngr];
		else
			i++;
}

/* Forget grants whose holder is gone (the kernel dropped them). */
static void grants_prune(void)
{
	for (unsigned i = 0; i < m.ngr;)
		if (!exo_env_info(m.gr[i].holder))
			m.gr[i] = m.gr[--m.ngr];
		else
			i++;
}

static int grant_find(uint64_t b, uint64_t holder)
{
	for (unsigned i = 0; i < m.ngr; i++)
		if (m.gr[i].block == b && m.gr[i].holder == holder)
			return (int)i;
	return -1;
}

/* An env that may die at any moment (ours, running or destroyed by us). */
static bool mortal(uint64_t id)
{
	return fz_child_index(id) >= 0 || (id && (id == fz.kamikaze || id == fz.ctx));
}

/* A flush completed: every request before it is done, frees are on the disk. */
static void flushed(void)
{
	event(EV_FLUSH, 0, 0, 0);
	for (unsigned i = 0; i < m.nblk; i++)
		if (m.blk[i].state == B_MAYBE)
			m.blk[i].state = B_WRITTEN;
	m.nfreeing = 0;
	m.flushes++;
}

static void need(long r, long want, const char *what)
{
	if (r != want)
		fz_fail("disk: %s returned %ld, expected %ld", what, r, want);
}

/* One request, made and waited for (set-up and checks only): retried while
 * the queue is full. Returns its status. */
static int64_t sync_io(uint32_t op, uint64_t block, uint32_t n, uint64_t va, unsigned word)
{
	volatile int64_t *st = (volatile int64_t *)FZ_DSTAT_VA + FZ_DSTAT_RND + word;
	struct exo_disk_req q = { op, n, block, va, (uint64_t)st };
	long r;
	for (unsigned ms = 0; (r = exo_disk_io(&q, 1)) == -EXO_EAGAIN; ms++) {
		if (ms > 30000)
			fz_fail("disk: the queue stayed full for 30 s");
		exo_wait(NULL, 0, EXO_PRED_ALL, 1000);
	}
	if (r != 1)
		return r;
	struct exo_pred_term t = { (uint64_t)st, ~0ULL, 0, EXO_PRED_NE, 0 };
	for (unsigned i = 0; *st == 0; i++) {
		if (i > 30)
			fz_fail("disk: a request of block %#llx never completed",
				(unsigned long long)block);
		exo_wait(&t, 1, EXO_PRED_ALL, 1000000);
	}
	return *st;
}

static void flush_now(void)
{
	need(sync_io(EXO_DISK_FLUSH, 0, 0, 0, 0), 1, "a flush");
	flushed();
}

/* Give back a block we cannot keep track of (the table is full). */
static void drop_block(uint64_t b)
{
	event(EV_DROP, b, 1, 0);
	need(exo_block_free(b), 0, "freeing a block we have no room for");
	if (m.nfreeing == FZ_FREEING) {
		m.forced++;
		flush_now();
	}
	m.freeing[m.nfreeing++] = b;
}

static void blk_remove(int i)
{
	struct blk *bl = &m.blk[i];
	if (bl->meta >= 0)
		m.metas[bl->meta].used = false;
	grants_drop_block(bl->block);
	m.blk[i] = m.blk[--m.nblk];
}

/* ------------------------------------------------------------ set-up */

static void query_victim(void)
{
	uint64_t info[FZ_VINFO + 2] = { 0 };
	for (unsigned i = 0; i < FZ_VINFO; i += 3) {
		uint64_t w[4] = { FZ_VQUERY, i, 0, 0 };
		long r;
		for (unsigned ms = 0; (r = exo_pct_call_msg(fz.victim, w, 0)) == -EXO_EAGAIN;
		     ms++) {
			if (ms > 30000)
				fz_fail("disk: the victim does not answer its PCT");
			exo_wait(NULL, 0, EXO_PRED_ALL, 1000);
		}
		if (r < 0 || w[0] != FZ_VQUERY)
			fz_fail("disk: asking the victim for its blocks: %ld", r);
		memcpy(&info[i], &w[1], 3 * sizeof(uint64_t));
	}
	m.vowner = (unsigned)info[0];
	m.vtype = (unsigned)info[1];
	m.vmeta = info[2];
	memcpy(m.vblocks, &info[3], sizeof(m.vblocks));
	for (unsigned i = 0; i < VICTIM_BLOCKS; i++)
		if (!data_block(m.vblocks[i]))
			fz_fail("disk: the victim's block %u is %#llx", i,
				(unsigned long long)m.vblocks[i]);
	if (!m.vowner || m.vowner > FZ_OWNERS || !m.vtype || m.vtype > FZ_OWNERS ||
	    !data_block(m.vmeta))
		fz_fail("disk: the victim reports owner %u, type %u, metadata block %#llx",
			m.vowner, m.vtype, (unsigned long long)m.vmeta);
}

static void map_own(uint64_t va, uint64_t perm)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	if (f < 0 || exo_page_map(EXO_AS_SELF, va, (uint64_t)f, RW) < 0)
		fz_fail("disk: cannot map a page at %#llx", (unsigned long long)va);
	memset((void *)va, 0, 4096);
	if (perm != RW && exo_page_protect(EXO_AS_SELF, va, perm) < 0)
		fz_fail("disk: cannot protect %#llx", (unsigned long long)va);
}

static unsigned register_type(const struct sb_udf_insn *p, uint32_t n)
{
	long t = exo_disk_type(p, n);
	if (t <= 0 || t > FZ_OWNERS)
		fz_fail("disk: registering a type gave %ld", t);
	m.types[t].ninsn = n;
	memcpy(m.types[t].insn, p, n * sizeof(*p));
	return (unsigned)t;
}

void fz_disk_setup(uint64_t *s)
{
	if (exo_disk_info(&m.info0) < 0 || !(m.info0.flags & EXO_DISK_REGION))
		fz_fail("disk: no disk with an ownership region (the fuzz tests set disk=64)");
	m.ds = m.info0.data_start;
	m.nb = m.info0.nblocks;
	for (unsigned i = 0; i < FZ_DPAGES; i++)
		map_own(FZ_DISK_VA + i * 4096ULL, RW);
	for (unsigned i = 0; i < 8; i++)
		map_own(FZ_DCHECK_VA + i * 4096ULL, RW);
	map_own(FZ_DSTAT_VA, RW);
	map_own(FZ_META_VA, RW);
	map_own(FZ_META_VA + 4096, RW);
	map_own(FZ_DRO_VA, EXO_PERM_R);
	query_victim();
	m.types[m.vtype].ninsn = sb_udf_extent_dir_len;
	memcpy(m.types[m.vtype].insn, sb_udf_extent_dir,
	       sb_udf_extent_dir_len * sizeof(struct sb_udf_insn));
	for (unsigned i = 0; i < 8; i++)
		m.metas[i].used = false;
	for (unsigned k = 0; k < FZ_KEYS; k++) {
		struct exo_disk_key key = { 0 };
		for (unsigned i = 0; i < EXO_DISK_KEY_BYTES; i += 8) {
			uint64_t x = fz_next(s);
			memcpy(&key.key[i], &x, 8);
		}
		snprintf(key.name, sizeof(key.name), "fuzz-attacker%u", k);
		long o = exo_disk_attach(&key, EXO_DISK_CREATE);
		if (o <= 0 || (unsigned)o == m.vowner)
			fz_fail("disk: attaching with a key of ours gave %ld", o);
		memcpy(m.own[k], key.key, sizeof(key.key));
		memcpy(m.keys[m.nkeys].key, key.key, sizeof(key.key));
		m.keys[m.nkeys++].slot = (unsigned)o;
		if (k == 0)
			m.cur = (unsigned)o;
	}
	need(exo_disk_attach(&(struct exo_disk_key){ .key = { 0 } }, 0), -EXO_EPERM,
	     "attaching with an unknown key");
	struct exo_disk_key k0 = { 0 };
	memcpy(k0.key, m.own[0], sizeof(k0.key));
	need(exo_disk_attach(&k0, 0), m.cur, "attaching again with our first key");
	if (register_type(sb_udf_extent_dir, sb_udf_extent_dir_len) != m.vtype)
		fz_fail("disk: the extent directory's type is not the victim's %u", m.vtype);
	m.ptr_type = register_type(ptr_prog, NWORDS(ptr_prog));
	struct exo_disk_info di;
	need(exo_disk_info(&di), 0, "exo_disk_info");
	m.nfree0 = di.nfree;
	if (di.owner != m.cur || di.owned != 0)
		fz_fail("disk: after attaching, owner %u owns %llu blocks", di.owner,
			(unsigned long long)di.owned);
}

/* ------------------------------------------------------------ building calls */

static uint64_t own_block(uint64_t k, bool cur_only)
{
	unsigned n = 0;
	for (unsigned i = 0; i < m.nblk; i++)
		n += !cur_only || m.blk[i].owner == m.cur;
	if (!n)
		return m.ds + k % (m.nb - m.ds);
	unsigned want = (unsigned)(k % n);
	for (unsigned i = 0; i < m.nblk; i++)
		if ((!cur_only || m.blk[i].owner == m.cur) && want-- == 0)
			return m.blk[i].block;
	return m.ds;
}

static uint64_t own_meta(uint64_t k)
{
	unsigned n = 0, idx[FZ_BLOCKS];
	for (unsigned i = 0; i < m.nblk; i++)
		if (m.blk[i].owner == m.cur && m.blk[i].meta >= 0)
			idx[n++] = i;
	return n ? m.blk[idx[k % n]].block : own_block(k, true);
}

static uint64_t victim_block(uint64_t r)
{
	uint64_t k = r >> 3;
	switch (r % 8) {
	case 0:
		return m.vmeta;
	case 1:
	case 2:
		return m.vblocks[fz_vbgrant(k % VICTIM_BGRANTS)];
	case 3:
		return m.vblocks[k % VICTIM_HELD];
	default:
		return m.vblocks[k % VICTIM_BLOCKS];
	}
}

static uint64_t pick_block(uint64_t r, bool aim, bool valid)
{
	uint64_t k = r >> 8;
	if (aim)
		return victim_block(r >> 2);
	switch (r % (valid ? 8 : 20)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return own_block(k, true);
	case 4:
		return own_block(k, false);
	case 5:
		return victim_block(k);
	case 6:
		return m.ds + k % (m.nb - m.ds);
	case 7:
		return m.nfreeing ? m.freeing[k % m.nfreeing] : own_meta(k);
	case 8:
		return 0;
	case 9:
		return m.ds - 1;
	case 10:
		return k % m.ds; /* the region */
	case 11:
		return m.nb - 1;
	case 12:
		return m.nb;
	case 13:
		return m.nb + k % 4096;
	case 14:
		return ~0ULL;
	case 15:
		return 1ULL << 32 | own_block(k, true); /* truncated to 32 bits, ours */
	case 16:
		return 1ULL << 63;
	case 17:
		return k;
	case 18:
		return m.ds;
	default:
		return own_meta(k);
	}
}

static uint64_t pick_benv(uint64_t r, bool aim, bool valid)
{
	uint64_t k = r >> 8;
	if (aim)
		return r % 4 ? fz.victim : fz.victim ^ 1ULL << 10;
	switch (r % (valid ? 6 : 12)) {
	case 0:
	case 1:
		return fz.child[k % FZ_CHILDREN] ? fz.child[k % FZ_CHILDREN] : fz.victim;
	case 2:
		return fz.victim;
	case 3:
		return fz.me;
	case 4:
		return fz.ctx ? fz.ctx : fz.victim; /* our extra context: it dies soon */
	case 5:
		return fz.kamikaze ? fz.kamikaze : fz.child[k % FZ_CHILDREN];
	case 6:
		return 0;
	case 7:
		return fz.stale[k % FZ_STALE];
	case 8:
		return fz.me | 1ULL << 32;
	case 9:
		return 0xffffffffULL;
	case 10:
		return k % EXO_NENV;
	default:
		return (uint32_t)k;
	}
}

static uint64_t pick_bperm(uint64_t r, bool valid)
{
	static const uint64_t v[] = { EXO_PERM_R,
				      RW,
				      0,
				      EXO_PERM_W,
				      EXO_PERM_R | EXO_PERM_X,
				      RW | EXO_PERM_X,
				      EXO_PERM_R | EXO_PERM_USER0,
				      0x11,
				      ~0ULL,
				      1ULL << 32 | EXO_PERM_R };
	return v[(r >> 8) % (valid || r % 2 ? 2 : NWORDS(v))];
}

static uint64_t bad_ptr(uint64_t k)
{
	static const uint64_t v[] = {
		0,	  0xfff,	EXO_UFRAMES,	  EXO_UENVS,	EXO_USYSINFO,
		EXO_UVPT, EXO_USER_MAX, EXO_USER_MAX - 8, KERNEL_VA,	NONCANON,
		~0ULL,	  1ULL << 63,	VICTIM_VA,	  0x50000000ULL
	};
	return v[k % NWORDS(v)];
}

/* A buffer of n pages for a request: our disk pages mostly. */
static uint64_t pick_dva(uint64_t r)
{
	uint64_t k = r >> 8;
	switch (r % 16) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
		return FZ_DISK_VA + (k % FZ_DPAGES) * 4096;
	case 7:
	case 8:
		return FZ_REGION + (k % FZ_PAGES) * 4096;
	case 9:
		return fz.far[k % FZ_FAR];
	case 10:
		return FZ_DRO_VA; /* read-only */
	case 11:
		return 0x401000; /* our program text: read-only */
	case 12:
		return bad_ptr(k);
	case 13:
		return FZ_DISK_VA + 8 + (k % 4095); /* misaligned */
	case 14:
		return FZ_META_VA + (k % 2) * 4096;
	default:
		return k & 0x7ffffffff000ULL;
	}
}

static uint64_t pick_status(uint64_t r)
{
	uint64_t k = r >> 8;
	switch (r % 16) {
	case 9:
		return FZ_DSTAT_VA + (k % FZ_DSTAT_RND) * 8 + 1 + (k >> 16) % 7; /* misaligned */
	case 10:
		return FZ_REGION + (k % FZ_PAGES) * 4096 + ((k >> 8) % 512) * 8;
	case 11:
		return FZ_DRO_VA + (k % 512) * 8;
	case 12:
		return 0x401000;
	case 13:
		return bad_ptr(k);
	case 14:
		return FZ_DISK_VA + (k % FZ_DPAGES) * 4096 + ((k >> 8) % 512) * 8;
	default:
		return FZ_DSTAT_VA + (k % FZ_DSTAT_RND) * 8;
	}
}

/* Fill a metadata page for type t: directories and pointers that claim
 * our blocks, and now and then something they must not. */
static uint64_t claim(uint64_t r, uint64_t self)
{
	uint64_t k = r >> 8;
	switch (r % 32) {
	case 0:
		return victim_block(k);
	case 1:
		return self;
	case 2:
		return k % m.ds;
	case 3:
		return m.ds + k % (m.nb - m.ds);
	case 4:
		return own_block(k, false);
	case 5:
		return m.nfreeing ? m.freeing[k % m.nfreeing] : m.nb;
	case 6:
		return m.nb + k % 16;
	case 7:
		return own_meta(k);
	default:
		return own_block(k, true);
	}
}

static void gen_meta(void *page, unsigned t, uint64_t self, uint64_t r, uint64_t s)
{
	uint8_t *p = page;
	int bi = blk_find(self);
	const struct meta *old = bi >= 0 && m.blk[bi].meta >= 0 ? &m.metas[m.blk[bi].meta] : NULL;
	switch (r % 16) {
	case 0:
		memset(p, 0, 4096); /* references nothing: gives everything back */
		return;
	case 1:
		for (unsigned i = 0; i < 512; i++)
			((uint64_t *)p)[i] = fz_next(&s);
		return;
	default:
		break;
	}
	if (t == m.ptr_type || (t != m.vtype && r % 2)) {
		memset(p, 0, 4096);
		((uint64_t *)p)[0] = r % 8 == 2 ? 0 : claim(fz_next(&s), self);
		return;
	}
	struct sb_extdir *d = page;
	if (old && r % 4)
		memcpy(p, old->bytes, 4096); /* change one entry of what is there */
	else
		memset(p, 0, 4096);
	d->magic = r % 32 == 3 ? 0x12345678 : SB_EXTDIR_MAGIC;
	unsigned n = d->count < SB_EXTDIR_MAX ? d->count : 0;
	uint64_t x = fz_next(&s);
	if (n && x % 3 == 0) {
		n--; /* remove the last */
	} else if (n < 12) {
		struct sb_extdir_entry *e = &d->entry[n++];
		memset(e, 0, sizeof(*e));
		memcpy(e->name, "fz", 3);
		e->start_block = claim(fz_next(&s), self);
		uint64_t y = fz_next(&s);
		e->nblocks = y % 8 ? 1 + (uint32_t)(y >> 8) % (y % 4 ? 1 : 4) : 0;
		if (y % 64 == 1)
			e->nblocks = 2000; /* more than the UDF may list */
		if (y % 64 == 2) {
			e->start_block = ~0ULL - 1; /* wraps past 2^64 */
			e->nblocks = 5;
		}
	}
	d->count = n;
	if (x % 64 == 5)
		d->count = 1000; /* lies: the UDF stops at SB_EXTDIR_MAX */
}

/* A UDF program into prog; returns its length. */
static uint64_t gen_prog(struct sb_udf_insn *prog, uint64_t r, uint64_t s)
{
	uint32_t n = sb_udf_extent_dir_len;
	switch (r % 16) {
	case 0:
	case 1:
	case 2:
		memcpy(prog, sb_udf_extent_dir, n * sizeof(*prog));
		return n;
	case 3:
		memcpy(prog, ptr_prog, sizeof(ptr_prog));
		return NWORDS(ptr_prog);
	case 4:
	case 5:
	case 6:
	case 7: { /* the directory, mutated in a few fields */
		memcpy(prog, sb_udf_extent_dir, n * sizeof(*prog));
		for (unsigned i = 0, muts = 1 + (unsigned)(r >> 8) % 3; i < muts; i++) {
			uint64_t x = fz_next(&s);
			struct sb_udf_insn *in = &prog[x % n];
			switch (x >> 8 & 7) {
			case 0:
				in->op = (uint8_t)(x >> 16);
				break;
			case 1:
				in->dst = (uint8_t)(x >> 16) % 9;
				break;
			case 2:
				in->src = (uint8_t)(x >> 16) % 9;
				break;
			case 3:
				in->rsvd = 1;
				break;
			case 4:
				in->imm += (int32_t)((x >> 16) % 9) - 4;
				break;
			case 5:
				in->imm = (int32_t)(x >> 32);
				break;
			default:
				in->imm ^= 1 << (x >> 16) % 32;
				break;
			}
		}
		return n;
	}
	case 8: { /* one pointer at a random offset: valid, a new type */
		int32_t off = (int32_t)((r >> 8) % 4089);
		prog[0] = (struct sb_udf_insn)SB_UDF_I_LD(SB_UDF_LD64, 1, 0, off);
		prog[1] = (struct sb_udf_insn)SB_UDF_I_JCC(SB_UDF_JEQ, 1, 0, 2);
		prog[2] = (struct sb_udf_insn)SB_UDF_I_EMIT(1);
		if (r >> 20 & 1)
			prog[1] = (struct sb_udf_insn)SB_UDF_I_LDI(2, 0); /* emits from zeros */
		return 3;
	}
	case 9: { /* HALTs, up to the limit and past it */
		static const uint32_t lens[] = { 1, 2, 511, 512, 513 };
		uint32_t len = lens[(r >> 8) % NWORDS(lens)];
		memset(prog, 0, len * sizeof(*prog));
		if (len > 1 && r >> 16 & 1)
			prog[len - 1] = (struct sb_udf_insn)SB_UDF_I_LDI(3, (int32_t)(r >> 24));
		return len;
	}
	case 10: { /* loops past the step bound, backward jumps */
		prog[0] = (struct sb_udf_insn)SB_UDF_I_LOOP(1, 0, 4096, 2);
		prog[1] = (struct sb_udf_insn)SB_UDF_I_LOOP(2, 0, 4096, 1);
		prog[2] = (struct sb_udf_insn)SB_UDF_I_ALUI(SB_UDF_ADD, 3, 1);
		if (r >> 8 & 1)
			prog[2] = (struct sb_udf_insn)SB_UDF_I_JA(-2);
		return 3;
	}
	default: /* random bytes */
		n = 1 + (uint32_t)(r >> 8) % 24;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t x = fz_next(&s);
			memcpy(&prog[i], &x, 8);
			if (r >> 16 & 1) /* plausible opcodes and registers */
				prog[i].op = (uint8_t)((x >> 56) % 0x52), prog[i].dst %= 8,
				prog[i].src %= 8, prog[i].rsvd = 0;
		}
		return n;
	}
}

/* May requests of ours make the kernel write to va..va+len? Only to
 * scratch pages (or nowhere: the kernel refuses what is not mapped
 * writable). */
static bool kernel_writes_ok(uint64_t va, uint64_t len, bool status)
{
	if (!range_ok(va, len))
		return true;
	for (uint64_t p = va & ~0xfffULL; p < va + len; p += 4096)
		if ((pte_of(p) & EXO_PTE_W) && !scratch_page(p, status))
			return false;
	return true;
}

static void gen_req(struct exo_disk_req *q, const uint64_t *r, unsigned i, bool aim, bool valid,
		    bool in_handler, uint64_t *flags)
{
	uint64_t s = r[5] ^ (i + 1) * 0x9e3779b97f4a7c15ULL;
	uint64_t x = fz_next(&s), y = fz_next(&s), z = fz_next(&s);
	static const uint32_t bad_ops[] = { 3, 7, 0xffffffffu, 0x80000000u | EXO_DISK_READ };
	static const uint32_t counts[] = { 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 8, 16 };
	static const uint32_t bad_counts[] = { 0, 17, 0xffffffffu, 32 };
	q->op = x % 64 == 0		? EXO_DISK_FLUSH
		: x % 16 == 1 && !valid ? bad_ops[(x >> 8) % NWORDS(bad_ops)]
		: x % 8 < 5		? EXO_DISK_READ
					: EXO_DISK_WRITE;
	bool bad = !valid && y % 8 == 0;
	q->nblocks =
		bad ? bad_counts[(y >> 8) % NWORDS(bad_counts)] : counts[(y >> 8) % NWORDS(counts)];
	q->block = pick_block(z, aim && z % 4 != 0, valid);
	q->va = valid ? FZ_DISK_VA + ((x >> 16) % FZ_DPAGES) * 4096 : pick_dva(x >> 16);
	q->status_va = valid && !(y >> 20 & 7) ? FZ_DSTAT_VA + ((y >> 24) % FZ_DSTAT_RND) * 8
					       : pick_status(y >> 20);
	if (q->op == EXO_DISK_FLUSH) {
		q->nblocks = bad ? q->nblocks : 0;
		q->block = 0;
		q->va = bad && y % 2 ? q->va : 0;
	}
	/* The kernel writes read data and status words only to scratch pages
	 * of ours; a metadata write of ours comes from our metadata page, so
	 * we know what it checks. */
	uint64_t len = q->nblocks <= EXO_DISK_MAX_BLOCKS ? q->nblocks * 4096ULL : 0;
	if (q->op == EXO_DISK_READ && !(q->va & 0xfff) && !kernel_writes_ok(q->va, len, false)) {
		q->va = FZ_DISK_VA;
		*flags |= FZ_F_GUARD;
	}
	if (!kernel_writes_ok(q->status_va & ~7ULL, 8, true) ||
	    (q->status_va >= FZ_DSTAT_VA + FZ_DSTAT_RND * 8 && q->status_va < FZ_DSTAT_VA + 4096)) {
		q->status_va = KERNEL_VA;
		*flags |= FZ_F_GUARD;
	}
	uint64_t mpage = FZ_META_VA + (in_handler ? 4096 : 0);
	struct blk *bl = blk_cur(q->block);
	if (q->op == EXO_DISK_WRITE && bl && bl->meta >= 0) {
		if (mapped(q->va, 4096, false) && q->va != mpage) {
			q->va = mpage;
			*flags |= FZ_F_GUARD;
		}
		if (q->va == mpage)
			gen_meta((void *)mpage, bl->type, bl->block, z >> 8, s);
	}
}

/* A request a careful libOS would make: one of our blocks, or a run of
 * them, or our metadata block with a new directory, or a block the victim
 * granted us; our own buffers and status words. */
static void good_req(struct exo_disk_req *q, uint64_t r, bool aim, bool in_handler)
{
	uint64_t k = r >> 8, mpage = FZ_META_VA + (in_handler ? 4096 : 0);
	uint64_t meta = own_meta(k);
	struct blk *bl = blk_cur(meta);
	q->status_va = FZ_DSTAT_VA + ((k >> 16) % FZ_DSTAT_RND) * 8;
	if (r % 8 < 2 && bl && bl->meta >= 0 && !aim) {
		q->op = EXO_DISK_WRITE;
		q->nblocks = 1;
		q->block = meta;
		q->va = mpage;
		gen_meta((void *)mpage, bl->type, meta, k, r | 1);
		return;
	}
	q->op = r % 8 < 5 ? EXO_DISK_READ : EXO_DISK_WRITE;
	q->block = aim || r % 16 == 7 ? victim_block(k >> 24) : own_block(k >> 24, true);
	q->nblocks = 1;
	while (r >> (40 + q->nblocks) & 1 && q->nblocks < EXO_DISK_MAX_BLOCKS &&
	       blk_cur(q->block + q->nblocks) && !typed(q->block + q->nblocks))
		q->nblocks++;
	q->va = FZ_DISK_VA + (k % (FZ_DPAGES - q->nblocks + 1)) * 4096;
	if (bl && bl->block == q->block && q->op == EXO_DISK_WRITE) {
		q->va = mpage; /* our metadata block: a directory we know */
		gen_meta((void *)mpage, bl->type, meta, k, r | 1);
	}
}

static void gen_io(struct fz_call *c, const uint64_t *r, bool aim, bool valid, bool in_handler)
{
	struct dbufs *db = &dbufs[in_handler];
	static const uint64_t bad_counts[] = { 0, 33, 1ULL << 32 | 1, ~0ULL, 1ULL << 63 };
	bool good = valid || r[6] % 3 == 0;
	uint64_t count = r[2] % 10 < 7	 ? 1
			 : r[2] % 10 < 9 ? 2 + (r[2] >> 8) % 3
					 : 1 + (r[2] >> 8) % EXO_DISK_MAX_REQS;
	if (good && r[2] % 10 == 9)
		count = 1; /* a metadata write is alone */
	if (!good && r[2] % 32 == 31)
		count = bad_counts[(r[2] >> 16) % NWORDS(bad_counts)];
	uint64_t n = count < NWORDS(db->reqs) ? count : NWORDS(db->reqs);
	for (unsigned i = 0; i < n; i++) {
		if (good) {
			uint64_t s = r[5] ^ (i + 1) * 0x9e3779b97f4a7c15ULL;
			good_req(&db->reqs[i], fz_next(&s), aim, in_handler);
			if (r[7] % 64 == 0 && i == n - 1)
				db->reqs[i] = (struct exo_disk_req){ EXO_DISK_FLUSH, 0, 0, 0,
								     db->reqs[i].status_va };
		} else {
			gen_req(&db->reqs[i], r, i, aim, valid, in_handler, &c->flags);
		}
		if (i && r[3] % 4 == 0)
			db->reqs[i].status_va = db->reqs[0].status_va; /* one word for all */
	}
	c->a[0] = (uint64_t)db->reqs;
	c->a[1] = count;
	if (!good && r[4] % 16 == 0) {
		/* Requests we did not write (old data, our program) are never
		 * handed over: they could name our own memory. */
		c->a[0] = bad_ptr(r[4] >> 8);
		if (mapped(c->a[0], 1, false)) {
			c->a[0] = KERNEL_VA;
			c->flags |= FZ_F_GUARD;
		}
	}
}

/* Could block b be in a swap area of ours now: a block of the owner we
 * are attached to, plain data (no type), held by no metadata block? */
static bool plain(uint64_t b)
{
	struct blk *bl = blk_cur(b);
	return bl && !bl->type && !held(b, -1);
}

/* How many blocks from b on are plain, at most max. */
static uint64_t plain_run(uint64_t b, uint64_t max)
{
	uint64_t n = 0;
	while (n < max && plain(b + n))
		n++;
	return n;
}

/* A block one of our metadata blocks holds, or one of ours. */
static uint64_t held_block(uint64_t k)
{
	for (unsigned i = 0; i < FZ_METAS; i++) {
		const struct meta *mt = &m.metas[(i + k) % FZ_METAS];
		int bi = mt->used ? blk_find(mt->block) : -1;
		uint32_t n;
		if (bi >= 0 && udf_set(m.blk[bi].type, mt->bytes, set_a, &n) && n)
			return set_a[(k >> 8) % n];
	}
	return own_block(k, true);
}

/* exo_swap_register(first, count): runs of our plain blocks (all of one,
 * part of it, one block more), the area again, removing it; ranges over
 * our metadata and held blocks, the victim's, free blocks, the region,
 * across its end or the disk's, overlapping the area; counts 0, 1, the
 * limit and past it, huge. */
static void gen_swap(struct fz_call *c, const uint64_t *r, bool aim, bool valid)
{
	uint64_t k2 = r[2] >> 8, k3 = r[3] >> 8, first, count;
	uint64_t run = 1 + k3 % (r[3] % 4 ? 8 : 64);
	if (aim) {
		/* The victim's blocks, or a range of ours or free ones running
		 * into them. */
		first = victim_block(r[2] >> 2);
		if (r[2] % 4 == 0 && first > m.ds + 2)
			first -= 1 + k2 % 2;
		count = r[3] % 2 ? 1 : 1 + k3 % VICTIM_BLOCKS;
		c->a[0] = first;
		c->a[1] = count;
		return;
	}
	switch (r[2] % (valid ? 4 : 16)) {
	case 0:
	case 1: /* a run of our plain blocks: all of it, or a part */
		first = own_block(k2, true);
		count = plain_run(first, run);
		if (!count || r[3] % 8 == 1)
			count++; /* one more: not ours, typed or held (or ours after all) */
		break;
	case 2: /* the same area again: it starts over */
		first = m.swap_count ? m.swap_first : own_block(k2, true);
		count = m.swap_count ? m.swap_count : 1;
		break;
	case 3: /* no area */
		first = r[3] % 2 ? m.swap_first : r[3] % 4 == 0 ? ~0ULL : own_block(k2, true);
		count = 0;
		break;
	case 4: /* one of our metadata blocks */
		first = own_meta(k2);
		count = 1 + k3 % 3;
		break;
	case 5: /* a block one of them holds */
		first = held_block(k2);
		count = 1 + k3 % 2;
		break;
	case 6: /* most likely free */
		first = m.ds + k2 % (m.nb - m.ds);
		count = run;
		break;
	case 7: /* the region, or across its end */
		first = r[3] % 2 ? k2 % m.ds : m.ds - 1 - k2 % 2;
		count = r[3] % 2 ? run : 2 + k2 % 3;
		break;
	case 8: /* across the disk's end, or past it */
		first = r[3] % 2 ? m.nb - 1 - k2 % 4 : m.nb + k2 % 8;
		count = r[3] % 2 ? 5 + k3 % 8 : 1;
		break;
	case 9: /* overlapping our area */
		first = m.swap_first + (k2 % 5) - 2;
		count = m.swap_count + k3 % 3;
		break;
	case 10: { /* huge first blocks */
		static const uint64_t firsts[] = { ~0ULL, 1ULL << 63, 1ULL << 32, 0 };
		first = r[3] % 2 ? firsts[k2 % NWORDS(firsts)] : 1ULL << 32 | own_block(k2, true);
		count = 1;
		break;
	}
	case 11: /* a block freed and not flushed */
		first = m.nfreeing ? m.freeing[k2 % m.nfreeing] : own_block(k2, false);
		count = 1;
		break;
	default:
		first = pick_block(r[2] >> 4, false, valid);
		count = run;
		break;
	}
	if (!valid && r[4] % 8 == 0) {
		const uint64_t counts[] = { 0,
					    1,
					    EXO_SWAP_MAX,
					    EXO_SWAP_MAX + 1,
					    m.nb - m.ds,
					    m.nb - first,
					    m.nb - first + 1,
					    1ULL << 32 | 1,
					    ~0ULL,
					    1ULL << 63 };
		count = counts[(r[4] >> 8) % NWORDS(counts)];
	}
	c->a[0] = first;
	c->a[1] = count;
}

/* exo_block_retype(block, type): our blocks (data, metadata, held), the
 * victim's, free ones, the region; to data, to a registered type (ours,
 * the one-pointer type, the victim's), to an unregistered or bad one. A
 * block lent to a kamikaze, or one that would need a metadata slot we do
 * not have, is only made data (the model could not follow its contents). */
static void gen_retype(struct fz_call *c, const uint64_t *r, bool aim, bool valid)
{
	static const uint64_t bad_types[] = { 32, 33, 255, 256, ~0ULL, 1ULL << 32 | 1 };
	uint64_t k2 = r[2] >> 8, k3 = r[3] >> 8, b;
	unsigned t = 1 + (unsigned)(k3 % FZ_OWNERS);
	if (aim)
		b = victim_block(r[2] >> 2);
	else if (r[2] % 8 == 0)
		b = own_meta(k2);
	else if (r[2] % 8 == 1)
		b = held_block(k2);
	else
		b = pick_block(r[2] >> 3, false, valid);
	c->a[0] = b;
	c->a[1] = r[3] % 8 < 3	 ? 0
		  : r[3] % 8 < 6 ? (m.types[t].ninsn ? t
				    : k3 % 2	     ? m.vtype
						     : m.ptr_type)
		  : valid	 ? t
				 : bad_types[k3 % NWORDS(bad_types)];
	struct blk *bl = blk_cur(b);
	bool slot = false;
	for (unsigned i = 0; i < FZ_METAS; i++)
		slot |= !m.metas[i].used;
	if (bl && c->a[1] && c->a[1] <= FZ_OWNERS &&
	    (bl->state == B_LENT || (bl->meta < 0 && !slot)))
		c->a[1] = 0;
}

void fz_disk_gen(struct fz_call *c, const uint64_t *r, bool aim, bool valid, bool in_handler)
{
	struct dbufs *db = &dbufs[in_handler];
	uint64_t *a = c->a;
	uint64_t k2 = r[2] >> 8, k3 = r[3] >> 8;
	switch (c->nr) {
	case 38: /* exo_disk_info: our buffers, or bad ones */
		a[0] = r[2] % 4 ? (uint64_t)&db->key : pick_status(k2);
		if (r[2] % 16 == 1) /* runs into the unmapped page after our disk pages */
			a[0] = FZ_DISK_VA + FZ_DPAGES * 4096ULL - 24;
		if (a[0] != (uint64_t)&db->key && !kernel_writes_ok(a[0], 48, true)) {
			a[0] = KERNEL_VA;
			c->flags |= FZ_F_GUARD;
		}
		break;
	case 39: { /* exo_disk_attach */
		static const uint64_t flags[] = { 2, 3, ~0ULL, 1ULL << 32 | 1, 0x80 };
		struct exo_disk_key *key = &db->key;
		memset(key, 0, sizeof(*key));
		uint64_t s = r[4] | 1;
		if (r[2] % 16 < 13) {
			memcpy(key->key, m.own[k2 % FZ_KEYS], sizeof(key->key));
			if (r[2] % 16 == 12)
				key->key[(k2 >> 8) % 32] ^= (uint8_t)(1 << (k2 >> 16) % 8);
		} else if (r[2] % 16 == 13 && m.nkeys) {
			memcpy(key->key, m.keys[k2 % m.nkeys].key, sizeof(key->key));
		} else {
			for (unsigned i = 0; i < 32; i += 8) {
				uint64_t x = fz_next(&s);
				memcpy(&key->key[i], &x, 8);
			}
		}
		memcpy(key->name, "fz-random", 10);
		a[0] = r[3] % 8 ? (uint64_t)key : r[3] % 16 == 0 ? bad_ptr(k3) : 0x401000;
		if (r[3] % 64 == 8)
			a[0] = FZ_DRO_VA + 4096 - 16; /* runs into an unmapped page */
		/* A fresh key registers a new owner (with EXO_DISK_CREATE):
		 * the 31 slots run out in the course of a run. */
		a[1] = r[5] % 16 == 0 && !valid ? flags[(r[5] >> 8) % NWORDS(flags)]
		       : r[5] % 2		? EXO_DISK_CREATE
						: 0;
		break;
	}
	case 40: { /* exo_block_alloc */
		static const uint64_t bad_types[] = { 32, 33, 255, ~0ULL, 1ULL << 32 };
		a[0] = aim	       ? pick_block(r[2], true, valid)
		       : r[2] % 3 == 0 ? EXO_BLOCK_ANY
				       : pick_block(r[2] >> 2, false, valid);
		unsigned t = 1 + (unsigned)(k3 % FZ_OWNERS);
		a[1] = r[3] % 8 < 5   ? 0
		       : r[3] % 8 < 7 ? (m.types[t].ninsn ? t
					 : k3 % 2	  ? m.vtype
							  : m.ptr_type)
		       : valid	      ? t
				      : bad_types[k3 % NWORDS(bad_types)];
		break;
	}
	case 41: /* exo_block_free */
		a[0] = pick_block(r[2], aim, valid);
		break;
	case 42: /* exo_block_grant: the victim's blocks, or ours to the victim */
		a[0] = pick_block(r[2], aim && r[5] % 2, valid);
		a[1] = pick_benv(r[3], aim, valid);
		a[2] = pick_bperm(r[4], valid);
		break;
	case 43: /* exo_block_revoke */
		if (!aim && m.ngr && r[5] % 2) {
			unsigned g = (unsigned)(k2 % m.ngr);
			a[0] = m.gr[g].block;
			a[1] = m.gr[g].holder;
		} else {
			a[0] = pick_block(r[2], aim, valid);
			a[1] = aim && r[5] % 2 ? fz.me : pick_benv(r[3], aim, valid);
		}
		break;
	case 44:
		gen_io(c, r, aim, valid, in_handler);
		break;
	case 46: { /* exo_revoke_blocks: we hold no EXO_RIGHT_REVOKE */
		static const uint64_t counts[] = { 0, 1, 2, 16, 1ULL << 32 | 1, ~0ULL, 1ULL << 63 };
		static const uint64_t deadlines[] = {
			0, 1, 50, 1000, 20000, 1ULL << 40, (1ULL << 40) + 1, 1ULL << 41, ~0ULL
		};
		uint64_t k4 = r[4] >> 8, all = m.nb - m.ds;
		a[0] = pick_benv(r[2], aim, valid);
		a[1] = valid || r[3] % 4 ? 1 + k3 % 64
		       : r[3] % 16 == 0	 ? all
		       : r[3] % 16 == 4	 ? all + 1
					 : counts[k3 % NWORDS(counts)];
		a[2] = valid || r[4] % 2 ? k4 % 100000 : deadlines[k4 % NWORDS(deadlines)];
		break;
	}
	case 47:
		gen_swap(c, r, aim, valid);
		break;
	case 48:
		gen_retype(c, r, aim, valid);
		break;
	case 45: { /* exo_disk_type */
		uint64_t n = gen_prog(db->prog, r[2], r[4] | 1);
		static const uint64_t bad_n[] = { 0, 513, 1ULL << 32 | 10, ~0ULL, 4096 };
		a[0] = r[3] % 16 ? (uint64_t)db->prog : bad_ptr(k3);
		if (r[3] % 64 == 1)
			a[0] = FZ_DRO_VA + 4096 - 16; /* two HALTs, then an unmapped page */
		a[1] = r[5] % 8 || valid ? n : bad_n[(r[5] >> 8) % NWORDS(bad_n)];
		break;
	}
	}
}

/* ------------------------------------------------------------ the model */

/* What fz_disk_before concluded, for fz_disk_after (nothing runs between
 * them but the call). */
static struct {
	uint32_t allowed;  /* results it may return */
	unsigned docfirst; /* the error the docs' order gives, 0 if unsure */
	/* 39 */
	uint8_t key[EXO_DISK_KEY_BYTES];
	int key_slot; /* the owner the key names, 0 unknown, -1 unreadable */
	unsigned new_slot;
	/* 40 */
	bool any_free;
	/* 44 */
	unsigned nreq;
	struct exo_disk_req req[EXO_DISK_MAX_REQS];
	bool may_slot[EXO_DISK_MAX_REQS]; /* may need a device slot */
	int meta;			  /* the request is a checked metadata write: blk index */
	uint8_t meta_new[4096];
	/* 45 */
	unsigned type; /* the type number it must give */
	uint32_t ninsn;
	struct sb_udf_insn prog[SB_UDF_MAX_INSNS];
} pd;

struct check {
	uint32_t must, may; /* errors of checks that fail, that may fail */
	unsigned first;	    /* the first failing in the docs' order, while none may fail */
};

static void fails(struct check *ck, bool certain, bool maybe, unsigned err)
{
	if (certain) {
		if (!ck->must && !ck->may && !ck->first)
			ck->first = err;
		ck->must |= 1u << err;
	} else if (maybe) {
		ck->may |= 1u << err;
	}
}

static uint32_t conclude(const struct check *ck, uint32_t success)
{
	pd.docfirst = ck->first;
	return ck->must ? ck->must | ck->may : ck->may | success;
}

static void before_info(const struct fz_call *c)
{
	uint64_t p = c->a[0];
	bool ok = mapped(p, sizeof(struct exo_disk_info), true);
	pd.allowed = ok ? OK : E(EFAULT);
	if (ok && (!page_ours(p) || !page_ours(p + sizeof(struct exo_disk_info) - 1)))
		pd.allowed |= E(EFAULT);
}

static void after_info(const struct fz_call *c, long r)
{
	const struct exo_disk_info *di = (const struct exo_disk_info *)c->a[0];
	if (r != 0 || !mapped(c->a[0], sizeof(*di), false))
		return;
	if (di->nblocks != m.nb || di->data_start != m.ds || di->owner != m.cur ||
	    di->owned != owned_model(m.cur) || di->nfree != nfree_model() ||
	    di->flags != m.info0.flags)
		fz_fail("disk: exo_disk_info gives %llu blocks from %llu, %llu free, owner %u "
			"owning "
			"%llu, flags %#x; expected %llu from %llu, %llu free, owner %u owning %u, "
			"flags %#x",
			(unsigned long long)di->nblocks, (unsigned long long)di->data_start,
			(unsigned long long)di->nfree, di->owner, (unsigned long long)di->owned,
			di->flags, (unsigned long long)m.nb, (unsigned long long)m.ds,
			(unsigned long long)nfree_model(), m.cur, owned_model(m.cur),
			m.info0.flags);
}

static unsigned lowest_free_owner(void)
{
	for (unsigned o = 1; o <= FZ_OWNERS; o++) {
		bool used = o == m.vowner;
		for (unsigned i = 0; i < m.nkeys && !used; i++)
			used = m.keys[i].slot == o;
		if (!used)
			return o;
	}
	return 0;
}

static void before_attach(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t p = c->a[0], flags = c->a[1];
	bool readable = mapped(p, sizeof(struct exo_disk_key), false);
	bool right = exo_env_info(fz.me)->rights & EXO_RIGHT_DISK;
	pd.key_slot = -1;
	pd.new_slot = 0;
	if (readable) {
		memcpy(pd.key, (const void *)p, sizeof(pd.key));
		pd.key_slot = 0;
		for (unsigned i = 0; i < m.nkeys; i++)
			if (!memcmp(m.keys[i].key, pd.key, sizeof(pd.key)))
				pd.key_slot = (int)m.keys[i].slot;
	}
	fails(&ck, flags & ~(uint64_t)EXO_DISK_CREATE, false, EXO_EINVAL);
	fails(&ck, !right, false, EXO_EPERM);
	fails(&ck, !readable, false, EXO_EFAULT);
	if (pd.key_slot == 0) {
		fails(&ck, !(flags & EXO_DISK_CREATE), false, EXO_EPERM);
		pd.new_slot = lowest_free_owner();
		fails(&ck, !pd.new_slot, false, EXO_ENOMEM);
	}
	pd.allowed = conclude(&ck, OK);
}

static void after_attach(const struct fz_call *c, long r)
{
	if (r < 0)
		return;
	if (r == m.vowner)
		fz_fail("disk: attached to the victim's owner %ld", r);
	if (pd.key_slot > 0 && r != pd.key_slot)
		fz_fail("disk: our key of owner %d attached us to owner %ld", pd.key_slot, r);
	if (pd.key_slot == 0) {
		if (!(c->a[1] & EXO_DISK_CREATE))
			fz_fail("disk: a key we never registered attached us to owner %ld", r);
		if ((unsigned)r != pd.new_slot)
			fz_fail("disk: a new owner got slot %ld, not the free slot %u", r,
				pd.new_slot);
		memcpy(m.keys[m.nkeys].key, pd.key, sizeof(pd.key));
		m.keys[m.nkeys++].slot = (unsigned)r;
	}
	m.cur = (unsigned)r;
	event(EV_ATTACH, 0, 0, m.cur);
}

static void before_alloc(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t b = c->a[0], t = c->a[1];
	bool any = b == EXO_BLOCK_ANY;
	fails(&ck, t > FZ_OWNERS, false, EXO_EINVAL);
	fails(&ck, !any && !data_block(b), false, EXO_EINVAL);
	fails(&ck, t && t <= FZ_OWNERS && !m.types[t].ninsn, false, EXO_EINVAL);
	fails(&ck, !m.cur, false, EXO_EPERM);
	pd.any_free = nfree_model() > 0;
	if (any)
		fails(&ck, !pd.any_free, false, EXO_ENOMEM);
	else
		fails(&ck, data_block(b) && !block_free(b), false, EXO_EBUSY);
	pd.allowed = conclude(&ck, OK);
}

static void after_alloc(const struct fz_call *c, long r)
{
	if (r < 0)
		return;
	uint64_t b = (uint64_t)r;
	if (!block_free(b) || (c->a[0] != EXO_BLOCK_ANY && b != c->a[0]))
		fz_fail("disk: exo_block_alloc(%#llx) gave block %#llx, %s",
			(unsigned long long)c->a[0], (unsigned long long)b,
			fz_disk_vblock(b)  ? "the victim's"
			: blk_find(b) >= 0 ? "ours already"
			: is_freeing(b)	   ? "freed and not flushed"
					   : "not a data block");
	int mi = -1;
	if (c->a[1]) {
		for (unsigned i = 0; i < FZ_METAS && mi < 0; i++)
			if (!m.metas[i].used)
				mi = (int)i;
	}
	if (m.nblk == FZ_BLOCKS || (c->a[1] && mi < 0)) {
		drop_block(b);
		return;
	}
	if (mi >= 0) {
		m.metas[mi].used = true;
		m.metas[mi].block = b;
		memset(m.metas[mi].bytes, 0, 4096);
	}
	m.blk[m.nblk++] = (struct blk){ b, (uint8_t)m.cur, B_FRESH, (uint8_t)c->a[1], (int8_t)mi };
	event(EV_ALLOC, b, 1, c->a[1]);
}

static void before_free(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t b = c->a[0];
	struct blk *bl = blk_cur(b);
	fails(&ck, !data_block(b), false, EXO_EINVAL);
	fails(&ck, data_block(b) && !bl, false, EXO_EPERM);
	if (bl) {
		fails(&ck, held(b, -1), false, EXO_EBUSY);
		fails(&ck, meta_refs(bl), false, EXO_EBUSY);
	}
	pd.allowed = conclude(&ck, OK);
}

static void after_free(const struct fz_call *c, long r)
{
	if (r != 0)
		return;
	int i = blk_find(c->a[0]);
	if (i < 0)
		fz_fail("disk: freed block %#llx, which is not ours", (unsigned long long)c->a[0]);
	blk_remove(i);
	event(EV_FREE, c->a[0], 1, 0);
	if (m.nfreeing == FZ_FREEING) {
		m.forced++;
		flush_now();
	}
	m.freeing[m.nfreeing++] = c->a[0];
}

static void before_grant(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t b = c->a[0], env = c->a[1], perm = c->a[2];
	bool live = env && env <= 0xffffffffULL && exo_env_info(env);
	bool sure = env == fz.me || env == fz.victim;
	/* The docs' order: a data block its owner owns, perm, envid live. */
	fails(&ck, !data_block(b), false, EXO_EINVAL);
	fails(&ck, data_block(b) && !blk_cur(b), false, EXO_EPERM);
	fails(&ck, perm != EXO_PERM_R && perm != RW, false, EXO_EINVAL);
	fails(&ck, !live, live && !sure, EXO_EBADENV);
	grants_prune();
	/* A new grant record may find the machine's 512 taken, or our quota
	 * lent to a child: EXO_ENOMEM. Granting ourselves is a no-op; granting
	 * again replaces the permissions (unless the holder just died). */
	bool exists = grant_find(b, env) >= 0 && !mortal(env);
	pd.allowed = conclude(&ck, env == fz.me || exists ? OK : OK | E(ENOMEM));
}

static void after_grant(const struct fz_call *c, long r)
{
	if (r != 0)
		return;
	if (fz_disk_vblock(c->a[0]))
		fz_fail("disk: granted the victim's block %#llx", (unsigned long long)c->a[0]);
	if (c->a[1] != fz.me && grant_find(c->a[0], c->a[1]) < 0 && m.ngr < FZ_BGRANTS) {
		m.gr[m.ngr].block = c->a[0];
		m.gr[m.ngr++].holder = (uint32_t)c->a[1];
	}
	int i = blk_find(c->a[0]);
	event(EV_GRANT, c->a[0], c->a[2], c->a[1]);
	if (i >= 0 && c->a[1] == fz.kamikaze && (c->a[2] & EXO_PERM_W) && m.blk[i].meta < 0)
		m.blk[i].state = B_LENT; /* it may write it */
}

static void before_revoke(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t b = c->a[0], env = c->a[1];
	grants_prune();
	bool bad = !data_block(b) || env == 0 || env > 0xffffffffULL;
	int g = bad ? -1 : grant_find(b, env);
	bool victims = !bad && env == fz.me && vgranted(b);
	fails(&ck, bad, false, EXO_EINVAL);
	/* A holder of ours may be dying: its grant may be gone. */
	fails(&ck, !bad && g < 0 && !victims, g >= 0 && mortal(env), EXO_EINVAL);
	fails(&ck, victims, false, EXO_EPERM);
	pd.allowed = conclude(&ck, OK);
}

static void after_revoke(const struct fz_call *c, long r)
{
	if (r != 0)
		return;
	if (c->a[1] == fz.me && vgranted(c->a[0]))
		fz_fail("disk: revoked the victim's grant to us on block %#llx",
			(unsigned long long)c->a[0]);
	int g = grant_find(c->a[0], c->a[1]);
	if (g < 0)
		fz_fail("disk: revoked a grant on %#llx to %#llx we never made",
			(unsigned long long)c->a[0], (unsigned long long)c->a[1]);
	m.gr[g] = m.gr[--m.ngr];
}

/* Our rights on block b: all on ours, R on those the victim granted us. */
static unsigned rights(uint64_t b)
{
	return blk_cur(b) ? RW : vgranted(b) ? EXO_PERM_R : 0;
}

/* Block b as the kernel sees it: fresh (1), written (2), or either (3). */
static unsigned freshness(uint64_t b)
{
	struct blk *bl = blk_cur(b);
	if (!bl)
		return 2; /* the victim's are written */
	if (in_swap(b))
		return 3; /* a frame of ours taken from us may be written there */
	return bl->state == B_FRESH ? 1 : bl->state == B_WRITTEN ? 2 : 3; /* MAYBE, LENT: 3 */
}

static bool typed(uint64_t b)
{
	struct blk *bl = blk_cur(b);
	return bl ? bl->type != 0 : b == m.vmeta;
}

/* The metadata write of pd.meta from pd.meta_new: refused with EXO_EINVAL
 * (the UDF fails on it), EXO_EPERM (it claims what it may not), or done. */
static uint32_t meta_outcome(void)
{
	const struct blk *bl = &m.blk[pd.meta];
	uint32_t nold, nnew, na, ng;
	if (!udf_set(bl->type, m.metas[bl->meta].bytes, set_b, &nold))
		fz_fail("disk: the UDF fails on the contents of our metadata block");
	static uint64_t nset[SB_UDF_MAX_OUT], appeared[SB_UDF_MAX_OUT], gone[SB_UDF_MAX_OUT];
	if (!udf_set(bl->type, pd.meta_new, nset, &nnew))
		return E(EINVAL);
	if (sb_udf_diff(set_b, nold, nset, nnew, appeared, &na, gone, &ng) < 0)
		return E(EINVAL);
	for (uint32_t i = 0; i < na; i++) {
		uint64_t b = appeared[i];
		if (!data_block(b) || b == bl->block || !blk_cur(b) || held(b, bl->meta))
			return E(EPERM);
	}
	return OK;
}

/* One request: the checks that fail or may fail. */
static void check_req(const struct exo_disk_req *q, unsigned count, unsigned i, struct check *ck)
{
	uint64_t sva = q->status_va;
	bool st_bad = (sva & 7) || !mapped(sva, 8, true);
	bool st_maybe = !st_bad && !page_ours(sva);
	uint32_t op = q->op;
	bool flush = op == EXO_DISK_FLUSH;
	bool op_bad = flush ? q->nblocks || q->va : op != EXO_DISK_READ && op != EXO_DISK_WRITE;
	bool n_bad = !flush && (q->nblocks == 0 || q->nblocks > EXO_DISK_MAX_BLOCKS);
	bool range_bad = !flush && !n_bad &&
			 (q->block < m.ds || q->block >= m.nb || q->nblocks > m.nb - q->block);
	bool align_bad = !flush && (q->va & 0xfff);
	pd.may_slot[i] = false;
	/* In the docs' order; the kernel checks the status word first. */
	fails(ck, op_bad, false, EXO_EINVAL);
	fails(ck, n_bad, false, EXO_EINVAL);
	fails(ck, range_bad, false, EXO_EINVAL);
	fails(ck, align_bad, false, EXO_EINVAL);
	if (flush || op_bad || n_bad || range_bad || align_bad) {
		fails(ck, st_bad, st_maybe, EXO_EFAULT);
		return;
	}
	bool write = op == EXO_DISK_WRITE;
	bool no_right = false, page_bad = !range_ok(q->va, q->nblocks * 4096ULL),
	     page_maybe = false;
	unsigned fresh = 0, written = 0, either = 0;
	bool meta = false;
	for (unsigned k = 0; k < q->nblocks; k++) {
		uint64_t b = q->block + k, va = q->va + k * 4096ULL;
		no_right |= !(rights(b) & (write ? EXO_PERM_W : EXO_PERM_R));
		if (!page_bad) {
			page_bad |= !mapped(va, 4096, !write);
			page_maybe |= !page_ours(va);
		}
		unsigned f = freshness(b);
		fresh += f == 1;
		written += f == 2;
		either += f == 3;
		meta |= write && typed(b);
	}
	fails(ck, no_right, false, EXO_EPERM);
	fails(ck, page_bad, page_maybe, EXO_EFAULT);
	fails(ck, st_bad, st_maybe, EXO_EFAULT);
	fails(ck, meta && (q->nblocks != 1 || count != 1), false, EXO_EINVAL);
	if (!write) {
		bool mixed = fresh && written;
		bool may_mix =
			!mixed && q->nblocks > 1 && either && (fresh || written || either > 1);
		fails(ck, mixed, may_mix, EXO_EINVAL);
	}
	pd.may_slot[i] = write ? !meta : fresh < q->nblocks;
	if (meta && !ck->must && count == 1) {
		pd.meta = blk_find(q->block);
		if (pd.meta < 0 || !mapped(q->va, 4096, false))
			fz_fail("disk: a metadata write we cannot follow");
		memcpy(pd.meta_new, (const void *)q->va, 4096);
	}
}

static void before_io(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t count = c->a[1];
	pd.nreq = 0;
	pd.meta = -1;
	fails(&ck, count == 0 || count > EXO_DISK_MAX_REQS, false, EXO_EINVAL);
	if (!ck.must) {
		bool readable = mapped(c->a[0], count * sizeof(struct exo_disk_req), false);
		fails(&ck, !readable, false, EXO_EFAULT);
		if (readable) {
			pd.nreq = (unsigned)count;
			memcpy(pd.req, (const void *)c->a[0], count * sizeof(pd.req[0]));
			if (c->a[0] != (uint64_t)dbufs[0].reqs &&
			    c->a[0] != (uint64_t)dbufs[1].reqs)
				fz_fail("disk: handing the kernel requests we did not write");
		}
	}
	for (unsigned i = 0; i < pd.nreq && !ck.must; i++)
		check_req(&pd.req[i], pd.nreq, i, &ck);
	uint32_t success = OK;
	if (pd.nreq && pd.may_slot[0])
		success |= E(EAGAIN); /* the disk's queue may be full */
	if (pd.meta >= 0)
		success = meta_outcome();
	pd.allowed = conclude(&ck, success);
}

static void after_io(const struct fz_call *c, long r)
{
	(void)c;
	if (r <= 0)
		return;
	if ((uint64_t)r > pd.nreq || ((unsigned)r < pd.nreq && !pd.may_slot[r]))
		fz_fail("disk: exo_disk_io queued %ld of %u requests, and request %ld needs no "
			"slot",
			r, pd.nreq, r);
	if (pd.meta >= 0) {
		struct blk *bl = &m.blk[pd.meta];
		memcpy(m.metas[bl->meta].bytes, pd.meta_new, 4096);
		bl->state = B_WRITTEN;
		event(EV_META, bl->block, 1, 0);
		m.meta_ok++;
		for (unsigned i = 0; i < m.nblk; i++) /* it waited for every transfer */
			if (m.blk[i].state == B_MAYBE)
				m.blk[i].state = B_WRITTEN;
	}
	for (unsigned i = 0; i < (unsigned)r; i++) {
		const struct exo_disk_req *q = &pd.req[i];
		if (q->op == EXO_DISK_WRITE) {
			if (pd.meta < 0)
				event(EV_WRITE, q->block, q->nblocks, 0);
			for (unsigned k = 0; k < q->nblocks; k++) {
				if (fz_disk_vblock(q->block + k))
					fz_fail("disk: wrote the victim's block %#llx",
						(unsigned long long)(q->block + k));
				struct blk *bl = blk_cur(q->block + k);
				if (bl && bl->state == B_FRESH && pd.meta < 0)
					bl->state = B_MAYBE;
			}
		} else if (q->op == EXO_DISK_READ) {
			for (unsigned k = 0; k < q->nblocks; k++) {
				uint64_t b = q->block + k;
				if (fz_disk_vblock(b) && !vgranted(b))
					fz_fail("disk: read the victim's block %#llx, not granted "
						"to "
						"us",
						(unsigned long long)b);
			}
		} else if (q->op == EXO_DISK_FLUSH) {
			flushed();
			bool reused = false;
			for (unsigned k = i + 1; k < (unsigned)r; k++)
				reused |= pd.req[k].status_va == q->status_va;
			int64_t st = *(volatile int64_t *)q->status_va;
			if (!reused && in_range(q->status_va, FZ_DSTAT_VA, 1) && st != 1)
				fz_fail("disk: a flush returned with status %lld", (long long)st);
		}
	}
	if (pd.meta >= 0) {
		int64_t st = *(volatile int64_t *)pd.req[0].status_va;
		if (in_range(pd.req[0].status_va, FZ_DSTAT_VA, 1) && st != 1)
			fz_fail("disk: a metadata write returned with status %lld", (long long)st);
	}
}

static unsigned lowest_free_type(void)
{
	for (unsigned t = 1; t <= FZ_OWNERS; t++)
		if (!m.types[t].ninsn)
			return t;
	return 0;
}

static void before_type(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t n = c->a[1];
	pd.type = 0;
	pd.ninsn = 0;
	fails(&ck, n == 0 || n > SB_UDF_MAX_INSNS, false, EXO_EINVAL);
	fails(&ck, !m.cur, false, EXO_EPERM);
	if (!ck.must) {
		bool readable = mapped(c->a[0], n * 8, false);
		fails(&ck, !readable, false, EXO_EFAULT);
		if (readable) {
			pd.ninsn = (uint32_t)n;
			memcpy(pd.prog, (const void *)c->a[0], n * 8);
			uint32_t nout = 1;
			bool good = sb_udf_verify(pd.prog, pd.ninsn, NULL) == 0 &&
				    sb_udf_run(pd.prog, pd.ninsn, zero_page, set_a, SB_UDF_MAX_OUT,
					       &nout) == 0 &&
				    nout == 0;
			fails(&ck, !good, false, EXO_EINVAL);
			for (unsigned t = 1; t <= FZ_OWNERS && good; t++)
				if (m.types[t].ninsn == pd.ninsn &&
				    !memcmp(m.types[t].insn, pd.prog, n * 8))
					pd.type = t;
			if (good && !pd.type) {
				pd.type = lowest_free_type();
				fails(&ck, !pd.type, false, EXO_ENOMEM);
			}
		}
	}
	/* The kernel takes a page for the program first: it may have none. */
	pd.allowed = conclude(&ck, OK) | E(ENOMEM);
}

static void after_type(const struct fz_call *c, long r)
{
	(void)c;
	if (r < 0)
		return;
	if ((unsigned)r != pd.type)
		fz_fail("disk: exo_disk_type gave type %ld, expected %u", r, pd.type);
	if (!m.types[r].ninsn) {
		m.types[r].ninsn = pd.ninsn;
		memcpy(m.types[r].insn, pd.prog, pd.ninsn * 8);
	}
}

/* exo_revoke_blocks: we hold no EXO_RIGHT_REVOKE, the first check: only
 * EXO_EPERM, whatever the rest (the victim, ourselves, stale ids, any
 * count and deadline). The rest of the model is for a caller with the
 * right. */
static void before_brevoke(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t env = c->a[0], n = c->a[1], deadline = c->a[2];
	if (!(exo_env_info(fz.me)->rights & EXO_RIGHT_REVOKE)) {
		pd.allowed = E(EPERM);
		return;
	}
	bool live = env && env <= 0xffffffffULL && exo_env_info(env);
	bool sure = env == fz.me || env == fz.victim;
	fails(&ck, !live, live && !sure, EXO_EBADENV);
	fails(&ck, n == 0 || n > m.nb - m.ds || deadline > 1ULL << 40, false, EXO_EINVAL);
	pd.allowed = conclude(&ck, OK | E(EBUSY)); /* one block request at a time */
}

static void after_brevoke(const struct fz_call *c, long r)
{
	(void)c;
	m.brevokes++;
	if (r == 0)
		fz_fail("disk: exo_revoke_blocks succeeded without EXO_RIGHT_REVOKE");
}

/* exo_swap_register: the checks in the docs' order. */
static void before_swap(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t first = c->a[0], n = c->a[1];
	bool range_bad = n && (!data_block(first) || n > m.nb - first);
	fails(&ck, n > EXO_SWAP_MAX, false, EXO_ERANGE);
	fails(&ck, range_bad, false, EXO_EINVAL);
	fails(&ck, n && !range_bad && plain_run(first, n) < n, false, EXO_EPERM);
	pd.allowed = conclude(&ck, OK);
}

static void after_swap(const struct fz_call *c, long r)
{
	if (r != 0)
		return;
	uint64_t first = c->a[0], n = c->a[1];
	for (uint64_t b = first; b < first + n; b++)
		if (fz_disk_vblock(b) || !blk_cur(b))
			fz_fail("disk: the swap area %#llx+%llu has block %#llx, %s",
				(unsigned long long)first, (unsigned long long)n,
				(unsigned long long)b,
				fz_disk_vblock(b) ? "the victim's" : "not ours");
	/* What leaves the area may have been written while in it. */
	for (unsigned i = 0; i < m.nblk; i++)
		if (in_swap(m.blk[i].block) && m.blk[i].state == B_FRESH)
			m.blk[i].state = B_SWAPPED;
	m.swap_set += n != 0;
	m.swap_reset += n && n == m.swap_count && first == m.swap_first;
	m.swap_removed += n == 0;
	m.swap_max = n > m.swap_max ? n : m.swap_max;
	m.swap_first = n ? first : 0;
	m.swap_count = n;
	event(EV_SWAP, first, n, 0);
}

/* exo_block_retype: the checks in the docs' order. The current type of
 * every block of ours was registered this boot, and its UDF accepts its
 * contents (we wrote them through the check), so EXO_EAGAIN and the
 * UDF's EXO_EINVAL never apply. */
static void before_retype(const struct fz_call *c)
{
	struct check ck = { 0 };
	uint64_t b = c->a[0], t = c->a[1];
	struct blk *bl = blk_cur(b);
	fails(&ck, !data_block(b) || t > FZ_OWNERS, false, EXO_EINVAL);
	fails(&ck, t && t <= FZ_OWNERS && !m.types[t].ninsn, false, EXO_EINVAL);
	fails(&ck, !m.cur, false, EXO_EPERM);
	fails(&ck, data_block(b) && !bl, false, EXO_EPERM);
	if (bl)
		fails(&ck, held(b, -1), false, EXO_EBUSY);
	pd.allowed = conclude(&ck, OK);
}

static void after_retype(const struct fz_call *c, long r)
{
	if (r != 0)
		return;
	uint64_t b = c->a[0];
	unsigned t = (unsigned)c->a[1];
	struct blk *bl = blk_cur(b);
	if (!bl || fz_disk_vblock(b))
		fz_fail("disk: retyped block %#llx, which is not ours", (unsigned long long)b);
	m.retypes++;
	event(EV_RETYPE, b, 1, t);
	/* What it referenced is released (the slot goes or is zeroed). */
	if (bl->meta >= 0 && t == 0) {
		m.metas[bl->meta].used = false;
		bl->meta = -1;
	} else if (bl->meta >= 0) {
		memset(m.metas[bl->meta].bytes, 0, 4096);
	} else if (t) {
		int mi = -1;
		for (unsigned i = 0; i < FZ_METAS && mi < 0; i++)
			if (!m.metas[i].used)
				mi = (int)i;
		if (mi < 0 || bl->state == B_LENT) {
			/* Not ours to follow (gen_retype avoids it; a kamikaze
			 * may write it): plain data again at once. */
			need(exo_block_retype(b, 0), 0, "retyping a block back to data");
			t = 0;
		} else {
			m.metas[mi].used = true;
			m.metas[mi].block = b;
			memset(m.metas[mi].bytes, 0, 4096);
			bl->meta = (int8_t)mi;
		}
	}
	m.retype_meta += t != 0;
	bl->type = (uint8_t)t;
	/* Fresh now; every transfer in flight completed first. */
	if (bl->state != B_LENT)
		bl->state = B_FRESH;
	for (unsigned i = 0; i < m.nblk; i++)
		if (m.blk[i].state == B_MAYBE)
			m.blk[i].state = B_WRITTEN;
}

static bool concerns(const struct fz_call *c, uint64_t b, uint64_t n)
{
	if (c->nr == 47)
		return b < c->a[0] + c->a[1] && c->a[0] < b + (n ? n : 1);
	if (c->nr != 44)
		return b <= c->a[0] && c->a[0] < b + (n ? n : 1);
	for (unsigned i = 0; i < pd.nreq; i++)
		if (pd.req[i].op != EXO_DISK_FLUSH && b < pd.req[i].block + pd.req[i].nblocks &&
		    pd.req[i].block < b + (n ? n : 1))
			return true;
	return false;
}

/* What the model knows of the blocks of a call it disagrees about. */
static void explain(const struct fz_call *c)
{
	printf("fuzz: disk model: attached to owner %u; the blocks' last changes:\n", m.cur);
	for (uint64_t s = ring_next > EV_RING ? ring_next - EV_RING : 0; s < ring_next; s++) {
		const typeof(ring[0]) *e = &ring[s % EV_RING];
		if (e->ev == EV_FLUSH || (e->ev == EV_ATTACH && s + 8 > ring_next) ||
		    (e->ev != EV_ATTACH && concerns(c, e->block, e->n)))
			printf("fuzz:   call %llu: %s block %#llx n %llu (%#llx)\n",
			       (unsigned long long)e->call, ev_names[e->ev],
			       (unsigned long long)e->block, (unsigned long long)e->n,
			       (unsigned long long)e->x);
	}
	for (unsigned i = 0; c->nr == 44 && i < pd.nreq; i++) {
		const struct exo_disk_req *q = &pd.req[i];
		printf("fuzz:   as the model read it: req %u: op %u nblocks %u block %#llx va "
		       "%#llx "
		       "(pte %#llx) status %#llx (pte %#llx)\n",
		       i, q->op, q->nblocks, (unsigned long long)q->block,
		       (unsigned long long)q->va, (unsigned long long)pte_of(q->va & ~0xfffULL),
		       (unsigned long long)q->status_va,
		       (unsigned long long)pte_of(q->status_va & ~0xfffULL));
	}
	for (unsigned i = 0; i < m.nblk; i++)
		if (concerns(c, m.blk[i].block, 1))
			printf("fuzz:   block %#llx: owner %u, state %u, type %u, metadata %d, "
			       "held "
			       "%d\n",
			       (unsigned long long)m.blk[i].block, m.blk[i].owner, m.blk[i].state,
			       m.blk[i].type, m.blk[i].meta, held(m.blk[i].block, -1));
}

void fz_disk_before(const struct fz_call *c)
{
	pd.docfirst = 0;
	switch (c->nr) {
	case 38:
		before_info(c);
		break;
	case 39:
		before_attach(c);
		break;
	case 40:
		before_alloc(c);
		break;
	case 41:
		before_free(c);
		break;
	case 42:
		before_grant(c);
		break;
	case 43:
		before_revoke(c);
		break;
	case 44:
		before_io(c);
		break;
	case 45:
		before_type(c);
		break;
	case 46:
		before_brevoke(c);
		break;
	case 47:
		before_swap(c);
		break;
	case 48:
		before_retype(c);
		break;
	}
}

void fz_disk_after(const struct fz_call *c, long r)
{
	if (!(pd.allowed & result_bit(r))) {
		if (c->nr == 44)
			fz_disk_print(c);
		explain(c);
		fz_fail("disk: %s returned %s, the model expects one of {%s}", fz_call_name(c->row),
			r >= 0 ? "ok" : fz_err_name(r), set_str(pd.allowed));
	}
	if (r < 0 && pd.docfirst && (unsigned)-r != pd.docfirst) {
		fz_count_order(c->row, pd.docfirst, r);
		m.order_notes++;
	}
	if (c->nr == 44 && pd.meta >= 0 && r < 0)
		m.meta_refused++;
	switch (c->nr) {
	case 38:
		after_info(c, r);
		break;
	case 39:
		after_attach(c, r);
		break;
	case 40:
		after_alloc(c, r);
		break;
	case 41:
		after_free(c, r);
		break;
	case 42:
		after_grant(c, r);
		break;
	case 43:
		after_revoke(c, r);
		break;
	case 44:
		after_io(c, r);
		break;
	case 45:
		after_type(c, r);
		break;
	case 46:
		after_brevoke(c, r);
		break;
	case 47:
		after_swap(c, r);
		break;
	case 48:
		after_retype(c, r);
		break;
	}
}

/* Verbose runs and failures: the requests of a disk_io we wrote. */
void fz_disk_print(const struct fz_call *c)
{
	for (int k = 0; k < 2; k++) {
		const struct exo_disk_req *q = dbufs[k].reqs;
		if (c->a[0] != (uint64_t)q)
			continue;
		for (uint64_t i = 0; i < c->a[1] && i < EXO_DISK_MAX_REQS; i++)
			printf("fuzz:   req %llu: op %u nblocks %u block %#llx va %#llx status "
			       "%#llx\n",
			       (unsigned long long)i, q[i].op, q[i].nblocks,
			       (unsigned long long)q[i].block, (unsigned long long)q[i].va,
			       (unsigned long long)q[i].status_va);
	}
}

/* ------------------------------------------------------------ checks */

/* The extent directory the victim writes: one entry per block. */
void fz_extdir_fill(void *page, const uint64_t *blocks, unsigned n)
{
	struct sb_extdir *d = page;
	memset(page, 0, 4096);
	d->magic = SB_EXTDIR_MAGIC;
	d->count = n;
	for (unsigned i = 0; i < n; i++) {
		snprintf(d->entry[i].name, sizeof(d->entry[i].name), "victim%u", i);
		d->entry[i].start_block = blocks[i];
		d->entry[i].nblocks = 1;
	}
}

/*
 * Every so often: the blocks the victim granted us must still read back
 * as the victim wrote them (the grant is there, nobody wrote them), and
 * exo_disk_info must agree with the model.
 */
void fz_disk_check(void)
{
	static uint8_t want[4096];
	for (unsigned i = 0; i <= VICTIM_BGRANTS; i++) {
		uint64_t b = i < VICTIM_BGRANTS ? m.vblocks[fz_vbgrant(i)] : m.vmeta;
		uint64_t va = FZ_DCHECK_VA + i * 4096ULL;
		memset((void *)va, 0x5a, 4096);
		int64_t st = sync_io(EXO_DISK_READ, b, 1, va, i);
		if (st != 1)
			fz_fail("disk: reading the victim's block %#llx through its grant: %lld",
				(unsigned long long)b, (long long)st);
		if (i < VICTIM_BGRANTS)
			for (unsigned w = 0; w < 512; w++)
				((uint64_t *)want)[w] = fz_bpattern(b, w);
		else
			fz_extdir_fill(want, m.vblocks, VICTIM_HELD);
		if (memcmp((const void *)va, want, 4096))
			fz_fail("disk: the victim's block %#llx does not read back as written",
				(unsigned long long)b);
	}
	struct exo_disk_info di;
	struct fz_call c = { .nr = 38, .a = { (uint64_t)&di }, .row = 38 };
	need(exo_disk_info(&di), 0, "exo_disk_info");
	after_info(&c, 0);
	m.checks++;
}

/*
 * Now and then: allocate every free block (exactly as many as the model
 * counts must come), then free them all and flush. The last allocation,
 * refused with EXO_ENOMEM, is made as a logged call.
 */
void fz_disk_fill(void)
{
	static uint64_t got[1 << 15];
	uint64_t n = 0, want = nfree_model();
	long r;
	while ((r = exo_block_alloc(EXO_BLOCK_ANY, 0)) >= 0) {
		if (!block_free((uint64_t)r) || n == NWORDS(got))
			fz_fail("disk: filling the disk gave block %#lx (%llu so far, %llu free)",
				r, (unsigned long long)n, (unsigned long long)want);
		got[n++] = (uint64_t)r;
	}
	need(r, -EXO_ENOMEM, "allocating from a full disk");
	if (n != want)
		fz_fail("disk: %llu blocks allocated until the disk was full, the model counts "
			"%llu free",
			(unsigned long long)n, (unsigned long long)want);
	m.filling = n;
	struct fz_call c = { .nr = 40, .a = { EXO_BLOCK_ANY, 0 }, .row = 40 };
	fz_do_call(&c);
	struct exo_disk_info di;
	struct fz_call ci = { .nr = 38, .a = { (uint64_t)&di }, .row = 38 };
	need(exo_disk_info(&di), 0, "exo_disk_info");
	after_info(&ci, 0);
	for (uint64_t i = 0; i < n; i++)
		need(exo_block_free(got[i]), 0, "freeing a block of the full disk");
	flush_now(); /* the frees, and those before, are on the disk: all free again */
	m.filling = 0;
	m.fills++;
	m.filled += n;
}

/* A block of ours the kamikaze child may read and write (granted R|W). */
uint64_t fz_disk_kamikaze_grant(uint64_t child)
{
	for (unsigned i = 0; i < m.nblk; i++) {
		struct blk *bl = &m.blk[(i + m.checks) % m.nblk];
		if (bl->owner != m.cur || bl->meta >= 0)
			continue;
		if (exo_block_grant(bl->block, child, RW) < 0)
			return 0; /* our quota or the machine's grants are spent */
		m.gr[m.ngr].block = bl->block;
		m.gr[m.ngr++].holder = (uint32_t)child;
		bl->state = B_LENT;
		m.kz_grants++;
		event(EV_KZ, bl->block, 1, child);
		return bl->block;
	}
	return 0;
}

void fz_disk_report(void)
{
	unsigned nmeta = 0;
	for (unsigned i = 0; i < FZ_METAS; i++)
		nmeta += m.metas[i].used;
	unsigned ntypes = 0;
	for (unsigned t = 1; t <= FZ_OWNERS; t++)
		ntypes += m.types[t].ninsn != 0;
	printf("fuzz: disk: %u owners of ours (%u slots of %u used), attached to %u; %u blocks "
	       "(%u metadata), %u frees not flushed, %u grants; %u types; %llu flushes (%llu "
	       "forced); metadata writes %llu done, %llu refused; %llu checks of the victim's "
	       "blocks; %llu fills of the disk (%llu blocks); %llu blocks lent to kamikazes\n",
	       m.nkeys, m.nkeys + 1, FZ_OWNERS, m.cur, m.nblk, nmeta, m.nfreeing, m.ngr, ntypes,
	       (unsigned long long)m.flushes, (unsigned long long)m.forced,
	       (unsigned long long)m.meta_ok, (unsigned long long)m.meta_refused,
	       (unsigned long long)m.checks, (unsigned long long)m.fills,
	       (unsigned long long)m.filled, (unsigned long long)m.kz_grants);
	printf("fuzz: disk: swap areas: %llu registered (%llu of them again, the largest %llu "
	       "blocks), %llu removed, now %llu blocks from %#llx; %llu block revocations asked "
	       "(all refused); %llu blocks retyped (%llu to metadata)\n",
	       (unsigned long long)m.swap_set, (unsigned long long)m.swap_reset,
	       (unsigned long long)m.swap_max, (unsigned long long)m.swap_removed,
	       (unsigned long long)m.swap_count, (unsigned long long)m.swap_first,
	       (unsigned long long)m.brevokes, (unsigned long long)m.retypes,
	       (unsigned long long)m.retype_meta);
}
