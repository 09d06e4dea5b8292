/*
 * victim.c - the environment the fuzzer attacks, and the test's judge.
 *
 * It maps VICTIM_PAGES frames filled with fz_pattern, grants the first
 * VICTIM_GRANTS of them read-only to the attacker, serves PCTs from anyone
 * (replying at once), and maps the attacker's progress page.
 *
 * On the disk it attaches to an owner of its own, with a key made from
 * the clock that the attacker never learns, registers the extent
 * directory's metadata type (secure-bindings/udf.h), allocates
 * VICTIM_BLOCKS data blocks and one metadata block, writes fz_bpattern
 * into the blocks and into the metadata block a directory listing the
 * first VICTIM_HELD of them (so they are held), grants VICTIM_BGRANTS
 * blocks and the metadata block read-only to the attacker, and flushes.
 * It answers the attacker's PCT query for the numbers (FZ_VQUERY).
 *
 * Then it sleeps in exo_wait until the attacker finishes or dies, or 100 ms
 * pass, and each time it wakes checks every page: contents, its own
 * mappings (through EXO_UVPT) and ownership (through EXO_UFRAMES); and
 * every block: its owner's count (exo_disk_info), that each is still its
 * owner's (a grant to itself succeeds only then), that each reads back as
 * written (nobody wrote, freed or re-pointed it), that a held block and
 * the metadata block cannot be freed, that a block of its cannot be
 * allocated. It also watches that the attacker keeps making calls. When
 * the attacker is done and gone with all its children, the invariant
 * checker must be clean; it then prints "victim: N checks, all intact"
 * and ends the test.
 */
#include <string.h>

#include "fuzz.h"
#include "udf.h"
#include "../integration/testlib.h"

#define WAIT_MS 30000 /* a set-up step taking longer has failed */
#define STALL_S 60    /* the attacker made no call for this long: it hangs */
#define WAKE_US 100000

#define VDISK_VA 0x50000000ULL /* its blocks' contents: VICTIM_BLOCKS + 1 pages */

static uint64_t frames[VICTIM_PAGES];
static uint64_t checks, gifts, disk_waits;
static volatile uint64_t pcts;
static const struct fz_progress *prog;
static struct exo_disk_key vkey;
static uint64_t vinfo[FZ_VINFO + 2]; /* owner, type, metadata block, blocks (fuzz.h) */
static uint64_t *const vblocks = &vinfo[3];
static volatile int64_t vst[VICTIM_BLOCKS + 1];
static struct exo_disk_req vreq[VICTIM_BLOCKS + 1];

uint32_t fz_find_boot_env(const char *name)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	for (unsigned i = 1; i < EXO_NENV; i++)
		if (t[i].id && t[i].parent == 0 && strcmp(t[i].name, name) == 0)
			return t[i].id;
	return 0;
}

static void __attribute__((noreturn)) fail(const char *what, uint64_t a, uint64_t b)
{
	printf("victim: FAIL: %s (%#llx, %#llx)\n", what, (unsigned long long)a,
	       (unsigned long long)b);
	if (prog)
		fz_print_ring(prog);
	test_end(0);
}

static void on_pct(const struct exo_pct_msg *m)
{
	pcts++;
	if (m->w[0] == FZ_VQUERY && m->w[1] < FZ_VINFO)
		exo_pct_return(FZ_VQUERY, vinfo[m->w[1]], vinfo[m->w[1] + 1], vinfo[m->w[1] + 2]);
	else
		exo_pct_return(m->w[0] + 1, m->w[1], m->w[2], m->w[3]);
}

/* Queue n requests of ours (whatever the attacker leaves of the disk's
 * queue), wait for all, and require them done. */
static void vio(unsigned n)
{
	unsigned done = 0;
	for (unsigned ms = 0; done < n;) {
		long r = exo_disk_io(&vreq[done], n - done);
		if (r > 0) {
			done += (unsigned)r;
		} else if (r == -EXO_EAGAIN && ms++ < WAIT_MS) {
			disk_waits++;
			exo_wait(NULL, 0, EXO_PRED_ALL, 1000);
		} else {
			fail("exo_disk_io refused our own requests", (uint64_t)r, vreq[done].block);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		volatile int64_t *st = (volatile int64_t *)vreq[i].status_va;
		struct exo_pred_term t = { (uint64_t)st, ~0ULL, 0, EXO_PRED_NE, 0 };
		for (unsigned ms = 0; *st == 0; ms += 100) {
			if (ms > WAIT_MS)
				fail("a request of ours never completed", vreq[i].block, 0);
			exo_wait(&t, 1, EXO_PRED_ALL, 100000);
		}
		if (*st != 1)
			fail("a request of ours failed", vreq[i].block, (uint64_t)*st);
	}
}

static void req(unsigned i, uint32_t op, uint64_t block, uint64_t va)
{
	vreq[i] = (struct exo_disk_req){ op, op == EXO_DISK_FLUSH ? 0 : 1, block, va,
					 (uint64_t)&vst[i] };
}

static uint64_t rand_word(uint64_t *s)
{
	*s ^= __builtin_ia32_rdtsc();
	return fz_next(s);
}

/* Attach with a key of our own, make and fill the blocks, grant some. */
static void disk_setup(uint32_t me, uint32_t aid)
{
	uint64_t s = me ^ (uint64_t)&s ^ 0x736b6964;
	for (unsigned i = 0; i < EXO_DISK_KEY_BYTES; i += 8) {
		uint64_t x = rand_word(&s);
		memcpy(&vkey.key[i], &x, 8);
	}
	memcpy(vkey.name, "fuzz-victim", 12);
	long owner = exo_disk_attach(&vkey, EXO_DISK_CREATE);
	long type = exo_disk_type(sb_udf_extent_dir, sb_udf_extent_dir_len);
	if (owner <= 0 || type <= 0)
		fail("cannot attach to the disk or register the directory's type (the fuzz "
		     "tests set disk=64)",
		     (uint64_t)owner, (uint64_t)type);
	for (unsigned i = 0; i <= VICTIM_BLOCKS; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
		if (f < 0 || exo_page_map(EXO_AS_SELF, VDISK_VA + i * 4096ULL, (uint64_t)f,
					  EXO_PERM_R | EXO_PERM_W) < 0)
			fail("cannot map a disk page", (uint64_t)f, i);
	}
	for (unsigned i = 0; i < VICTIM_BLOCKS; i++) {
		long b = exo_block_alloc(EXO_BLOCK_ANY, 0);
		if (b <= 0)
			fail("cannot allocate a block", (uint64_t)b, i);
		vblocks[i] = (uint64_t)b;
		uint64_t *p = (uint64_t *)(VDISK_VA + i * 4096ULL);
		for (unsigned w = 0; w < 512; w++)
			p[w] = fz_bpattern(vblocks[i], w);
		req(i, EXO_DISK_WRITE, vblocks[i], (uint64_t)p);
	}
	vio(VICTIM_BLOCKS);
	long meta = exo_block_alloc(EXO_BLOCK_ANY, (uint64_t)type);
	if (meta <= 0)
		fail("cannot allocate a metadata block", (uint64_t)meta, (uint64_t)type);
	vinfo[0] = (uint64_t)owner;
	vinfo[1] = (uint64_t)type;
	vinfo[2] = (uint64_t)meta;
	uint64_t mva = VDISK_VA + VICTIM_BLOCKS * 4096ULL;
	fz_extdir_fill((void *)mva, vblocks, VICTIM_HELD);
	req(0, EXO_DISK_WRITE, (uint64_t)meta, mva);
	vio(1);
	for (unsigned i = 0; i < VICTIM_HELD; i++)
		if (exo_block_free(vblocks[i]) != -EXO_EBUSY)
			fail("a block our directory lists is not held", vblocks[i], 0);
	for (unsigned i = 0; i <= VICTIM_BGRANTS; i++) {
		uint64_t b = i < VICTIM_BGRANTS ? vblocks[fz_vbgrant(i)] : (uint64_t)meta;
		if (exo_block_grant(b, aid, EXO_PERM_R) < 0)
			fail("cannot grant a block", b, aid);
	}
	req(0, EXO_DISK_FLUSH, 0, 0);
	vio(1);
	printf("victim: disk owner %ld, blocks %#llx..%#llx, directory %#lx (type %ld)\n", owner,
	       (unsigned long long)vblocks[0], (unsigned long long)vblocks[VICTIM_BLOCKS - 1], meta,
	       type);
}

/* Our blocks: still ours, all of them, as written, the held ones held. */
static void verify_disk(uint32_t me)
{
	struct exo_disk_info di;
	if (exo_disk_info(&di) < 0 || di.owner != vinfo[0] || di.owned != VICTIM_BLOCKS + 1)
		fail("our disk owner's blocks changed (owner, blocks)", di.owner, di.owned);
	for (unsigned i = 0; i <= VICTIM_BLOCKS; i++) {
		uint64_t b = i < VICTIM_BLOCKS ? vblocks[i] : vinfo[2];
		long r = exo_block_grant(b, me, EXO_PERM_R); /* 0 only while we own it */
		if (r != 0)
			fail("a block of ours is no longer ours", b, (uint64_t)r);
		req(i, EXO_DISK_READ, b, VDISK_VA + i * 4096ULL);
		memset((void *)(VDISK_VA + i * 4096ULL), 0x5a, 4096);
	}
	vio(VICTIM_BLOCKS);
	vreq[0] = vreq[VICTIM_BLOCKS];
	vio(1);
	for (unsigned i = 0; i < VICTIM_BLOCKS; i++) {
		const uint64_t *p = (const uint64_t *)(VDISK_VA + i * 4096ULL);
		for (unsigned w = 0; w < 512; w++)
			if (p[w] != fz_bpattern(vblocks[i], w)) {
				printf("victim: block %#llx word %u is %#llx, expected %#llx\n",
				       (unsigned long long)vblocks[i], w, (unsigned long long)p[w],
				       (unsigned long long)fz_bpattern(vblocks[i], w));
				fail("a block of ours was written", vblocks[i], w);
			}
	}
	static uint8_t dir[4096];
	fz_extdir_fill(dir, vblocks, VICTIM_HELD);
	if (memcmp(dir, (const void *)(VDISK_VA + VICTIM_BLOCKS * 4096ULL), 4096))
		fail("our metadata block was re-pointed", vinfo[2], 0);
	long r = exo_block_free(vblocks[checks % VICTIM_HELD]);
	if (r != -EXO_EBUSY)
		fail("a block our directory lists could be freed (block, result)",
		     vblocks[checks % VICTIM_HELD], (uint64_t)r);
	if ((r = exo_block_free(vinfo[2])) != -EXO_EBUSY)
		fail("our directory could be freed while it lists blocks", vinfo[2], (uint64_t)r);
	if ((r = exo_block_alloc(vblocks[checks % VICTIM_BLOCKS], 0)) != -EXO_EBUSY)
		fail("a block of ours could be allocated again", vblocks[checks % VICTIM_BLOCKS],
		     (uint64_t)r);
}

static void verify(uint32_t me)
{
	verify_disk(me);
	for (unsigned i = 0; i < VICTIM_PAGES; i++) {
		uint64_t va = VICTIM_VA + i * 4096ULL;
		uint64_t pte = exo_uvpt_pte(va);
		if (!(pte & EXO_PTE_P) || !(pte & EXO_PTE_W) || EXO_PTE_FRAME(pte) != frames[i])
			fail("a mapping of ours changed", va, pte);
		if (exo_frame_info(frames[i])->owner != me)
			fail("a frame of ours changed owner", frames[i],
			     exo_frame_info(frames[i])->owner);
		const volatile uint64_t *p = (const volatile uint64_t *)va;
		for (unsigned w = 0; w < 512; w++)
			if (p[w] != fz_pattern(frames[i], w)) {
				printf("victim: page %u (frame %#llx) word %u is %#llx, expected "
				       "%#llx\n",
				       i, (unsigned long long)frames[i], w,
				       (unsigned long long)p[w],
				       (unsigned long long)fz_pattern(frames[i], w));
				fail("checksum mismatch", va, frames[i]);
			}
	}
	checks++;
}

/* Free the frames the attacker and its children gave us (transfers, and
 * grants that became ownership): everything we own and do not map. */
static void give_back(uint32_t me)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (uint64_t i = 0; i < si->nframes; i++)
		if (ft[i].owner == me && !ft[i].owner_refs && exo_frame_free(i) == 0)
			gifts++;
}

static uint32_t count_attackers(void)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	uint32_t n = 0;
	for (unsigned i = 1; i < EXO_NENV; i++)
		n += t[i].id && strcmp(t[i].name, "fuzz-attacker") == 0;
	return n;
}

/* The attacker's progress page: the one frame it owns and has granted
 * before it starts fuzzing. */
static void map_progress(uint32_t aid)
{
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; ms < WAIT_MS; ms += 5) {
		for (uint64_t i = 0; i < si->nframes; i++)
			if (ft[i].owner == aid && ft[i].grants &&
			    exo_page_map(EXO_AS_SELF, VICTIM_PROG_VA, i, EXO_PERM_R) == 0) {
				prog = (const struct fz_progress *)VICTIM_PROG_VA;
				if (prog->magic != FZ_MAGIC)
					fail("the attacker's page is not its progress page", i,
					     prog->magic);
				return;
			}
		test_sleep_us(5000);
	}
	fail("no progress page from the attacker", aid, 0);
}

void fz_victim(void)
{
	uint32_t me = (uint32_t)exo_env_id(), aid = 0;
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	for (unsigned ms = 0; !(aid = fz_find_boot_env("fuzz-attacker")); ms += 5) {
		if (ms > WAIT_MS)
			fail("no attacker", 0, 0);
		test_sleep_us(5000);
	}
	printf("victim: env %#x, attacker %#x\n", me, aid);
	/* So its guest-context calls reach the kernel's checks (guest.c). */
	if (exo_env_grant_rights(aid, EXO_RIGHT_GUEST) < 0)
		fail("cannot give the attacker the guest right", aid, 0);
	for (unsigned i = 0; i < VICTIM_PAGES; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
		if (f < 0 || exo_page_map(EXO_AS_SELF, VICTIM_VA + i * 4096ULL, (uint64_t)f,
					  EXO_PERM_R | EXO_PERM_W) < 0)
			fail("cannot map a page", (uint64_t)f, i);
		frames[i] = (uint64_t)f;
		uint64_t *p = (uint64_t *)(VICTIM_VA + i * 4096ULL);
		for (unsigned w = 0; w < 512; w++)
			p[w] = fz_pattern(frames[i], w);
	}
	disk_setup(me, aid);
	if (exo_pct_serve(on_pct, EXO_PCT_ANY) < 0)
		fail("cannot serve PCTs", 0, 0);
	for (unsigned i = 0; i < VICTIM_GRANTS; i++)
		if (exo_frame_grant(frames[i], aid, EXO_PERM_R) < 0)
			fail("cannot grant a page", frames[i], aid);
	map_progress(aid);
	verify(me);

	const volatile struct exo_env_info *arow =
		(const volatile struct exo_env_info *)EXO_UENVS + (aid & (EXO_NENV - 1));
	uint64_t hz = si->tsc_hz ? si->tsc_hz : 1000000000ULL;
	uint64_t last_calls = 0, last_change = __builtin_ia32_rdtsc();
	for (;;) {
		struct exo_pred_term t[2] = {
			{ (uint64_t)arow, 0xffffffffULL, aid, EXO_PRED_NE, 0 },
			{ (uint64_t)&prog->state, ~0ULL, FZ_RUNNING, EXO_PRED_NE, 0 },
		};
		long w = exo_wait(t, 2, EXO_PRED_ANY, WAKE_US);
		if (w < 0)
			fail("exo_wait failed", (uint64_t)w, 0);
		verify(me);
		if (checks % 16 == 0)
			give_back(me);
		if (prog->state == FZ_DONE)
			break;
		if (prog->state == FZ_FAILED)
			continue; /* the attacker is reporting and ends the run */
		if (arow->id != aid)
			fail("the attacker died in the middle of its run (calls, phase)",
			     prog->calls, prog->phase);
		uint64_t now = __builtin_ia32_rdtsc();
		if (prog->calls != last_calls) {
			last_calls = prog->calls;
			last_change = now;
		} else if (now - last_change > STALL_S * hz) {
			fail("the attacker made no progress for a minute", prog->calls, 0);
		}
	}
	/* The attacker and all its children must go. */
	for (unsigned ms = 0; count_attackers(); ms += 10) {
		if (ms > WAIT_MS)
			fail("attacker environments left after the run", count_attackers(), 0);
		test_sleep_us(10000);
	}
	verify(me);
	long bad = exo_invariant_check();
	if (bad)
		fail("the invariant checker found violations", (uint64_t)bad, 0);
	printf("victim: %llu checks, all intact (%llu PCTs served, %llu frames given back, "
	       "%llu waits for a full disk queue)\n",
	       (unsigned long long)checks, (unsigned long long)pcts, (unsigned long long)gifts,
	       (unsigned long long)disk_waits);
	test_pass();
}
