/*
 * disk.c - disk blocks as a protected resource (exo_disk_*, exo_block_*).
 *
 * Roles, by argv[0]:
 *   "disk"     one boot: attach with a key, allocate, write and read
 *              back by DMA, several requests in flight, every documented
 *              error of exo_disk_io with nothing moved, then a forked
 *              attacker that must not reach the owner's blocks except
 *              through a grant, and loses that when it is revoked.
 *   "persist"  two boots on one disk: the first creates the owner, writes
 *              and flushes; the second proves it is the same owner with
 *              the key and finds its blocks and data.
 *   "keyboot"  the first boot program: reads its disk owner key from the
 *              data boot module /disk.key (build/disk.key) and attaches;
 *   "keythief" a later program: sees the module listed but cannot map it.
 *   "region MODE"  boots on a region the test damaged on the host
 *              (tests/integration/region_*.test) and checks the kernel's
 *              safe state: MODE nosuper, noowners, damaged, replayed, torn.
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"

#define SHARED_VA 0x70000000ULL
#define BAD_VA	  0x500000000ULL /* user range, never mapped */

static const struct exo_disk_key owner_key = {
	.key = "owner-key: 32 bytes of secret!!",
	.name = "owner",
};
static const struct exo_disk_key attacker_key = {
	.key = "attacker-key: different secret",
	.name = "attacker",
};

static uint8_t buf[16][4096] __attribute__((aligned(4096)));
static uint8_t back[16][4096] __attribute__((aligned(4096)));

struct shared {
	volatile uint64_t stripped;    /* the parent took the child's disk right */
	volatile uint64_t child_bare;  /* the child tried everything without it */
	volatile uint64_t child_ready; /* the child made its hostile calls */
	volatile uint64_t granted;     /* the parent granted read on the block */
	volatile uint64_t child_read;  /* the child read it through the grant */
	volatile uint64_t revoked;     /* the parent revoked the grant */
	volatile uint64_t child_done;
	volatile uint64_t block;
};
static struct shared *sh = (struct shared *)SHARED_VA;

static void fill(void *p, uint64_t seed)
{
	uint64_t *w = p;
	for (unsigned i = 0; i < 512; i++)
		w[i] = seed * 0x9e3779b97f4a7c15ULL + i;
}

static int filled(const void *p, uint64_t seed)
{
	const uint64_t *w = p;
	for (unsigned i = 0; i < 512; i++)
		if (w[i] != seed * 0x9e3779b97f4a7c15ULL + i)
			return 0;
	return 1;
}

static void wait_for(volatile uint64_t *flag)
{
	for (unsigned i = 0; !*flag && i < 2000000; i++)
		exo_yield(0);
	CHECK(*flag);
}

/* One request with a status word; returns exo_disk_io's result. */
static long io1(uint32_t op, uint64_t block, uint32_t n, uint64_t va, volatile int64_t *st)
{
	struct exo_disk_req r = {
		.op = op, .nblocks = n, .block = block, .va = va, .status_va = (uint64_t)st
	};
	return exo_disk_io(&r, 1);
}

static void attacker(uint64_t block)
{
	volatile int64_t st = 77;
	/* Not attached, no disk right (exo_fork passed it on; the parent
	 * took it back): nothing. */
	wait_for(&sh->stripped);
	CHECK_EQ(io1(EXO_DISK_READ, block, 1, (uint64_t)back, &st), -EXO_EPERM);
	CHECK_EQ(io1(EXO_DISK_WRITE, block, 1, (uint64_t)back, &st), -EXO_EPERM);
	CHECK_EQ(exo_block_free(block), -EXO_EPERM);
	CHECK_EQ(exo_block_alloc(block, 0), -EXO_EPERM);
	CHECK_EQ(exo_disk_attach(&owner_key, 0), -EXO_EPERM); /* no EXO_RIGHT_DISK */
	sh->child_bare = 1;
	wait_for(&sh->granted);
	/* Its own owner: still nothing of the other's. */
	struct exo_disk_key guess = owner_key;
	guess.key[0] ^= 1;
	CHECK_EQ(exo_disk_attach(&guess, 0), -EXO_EPERM); /* a near miss is no key */
	long mine = exo_disk_attach(&attacker_key, EXO_DISK_CREATE);
	CHECK(mine > 0);
	CHECK_EQ(io1(EXO_DISK_READ, block, 1, (uint64_t)back, &st), -EXO_EPERM);
	CHECK_EQ(io1(EXO_DISK_WRITE, block, 1, (uint64_t)back, &st), -EXO_EPERM);
	CHECK_EQ(exo_block_free(block), -EXO_EPERM);
	CHECK_EQ(exo_block_alloc(block, 0), -EXO_EBUSY);
	CHECK_EQ(exo_block_grant(block, exo_env_id(), EXO_PERM_R), -EXO_EPERM);
	CHECK_EQ(exo_block_revoke(block, exo_env_id()), -EXO_EINVAL); /* no such grant */
	CHECK(st == 77);					      /* nothing was queued */
	sh->child_ready = 1;

	/* A read grant: read, yes; write, no. */
	wait_for(&sh->child_read);
	memset(back[0], 0, 4096);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, block, 1, back[0]), 0);
	CHECK(filled(back[0], block));
	CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, block, 1, back[0]), -EXO_EPERM);
	CHECK_EQ(exo_block_revoke(block, exo_env_id()), -EXO_EPERM);	     /* not the issuer */
	CHECK_EQ(exo_block_grant(block, sh->block, EXO_PERM_R), -EXO_EPERM); /* no passing on */
	sh->child_read = 2;
	wait_for(&sh->revoked);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, block, 1, back[0]), -EXO_EPERM);
	sh->child_done = 1;
	exo_env_destroy(EXO_ENV_SELF);
}

/* Every documented error of exo_disk_io, each with nothing moved. */
static void bad_requests(uint64_t b, const struct exo_disk_info *di)
{
	volatile int64_t st = 77;
	uint64_t va = (uint64_t)buf[0];
	CHECK_EQ(io1(7, b, 1, va, &st), -EXO_EINVAL);
	CHECK_EQ(io1(EXO_DISK_READ, b, 0, va, &st), -EXO_EINVAL);
	CHECK_EQ(io1(EXO_DISK_READ, b, EXO_DISK_MAX_BLOCKS + 1, va, &st), -EXO_EINVAL);
	CHECK_EQ(io1(EXO_DISK_READ, b, 1, va + 8, &st), -EXO_EINVAL);
	CHECK_EQ(io1(EXO_DISK_READ, di->nblocks, 1, va, &st), -EXO_EINVAL);
	CHECK_EQ(io1(EXO_DISK_READ, ~0ULL, 1, va, &st), -EXO_EINVAL);
	CHECK_EQ(io1(EXO_DISK_READ, 0, 1, va, &st), -EXO_EINVAL); /* the region */
	CHECK_EQ(io1(EXO_DISK_WRITE, di->data_start - 1, 1, va, &st), -EXO_EINVAL);
	CHECK_EQ(io1(EXO_DISK_READ, b, 2, va, &st), -EXO_EPERM); /* b + 1 is not ours */
	CHECK_EQ(io1(EXO_DISK_READ, b, 1, BAD_VA, &st), -EXO_EFAULT);
	CHECK_EQ(io1(EXO_DISK_READ, b, 1, 0xffff800000000000ULL, &st), -EXO_EFAULT);
	CHECK_EQ(io1(EXO_DISK_READ, b, 1, 0x400000, &st), -EXO_EFAULT); /* read-only text */
	CHECK_EQ(io1(EXO_DISK_READ, b, 1, va, (volatile int64_t *)((uint64_t)&st + 1)),
		 -EXO_EFAULT);
	CHECK_EQ(io1(EXO_DISK_READ, b, 1, va, NULL), -EXO_EFAULT);
	CHECK_EQ(io1(EXO_DISK_FLUSH, b, 1, 0, &st), -EXO_EINVAL);
	CHECK_EQ(exo_disk_io(NULL, 1), -EXO_EFAULT);
	struct exo_disk_req r[2] = {
		{ EXO_DISK_READ, 1, b, va, (uint64_t)&st },
		{ EXO_DISK_READ, 1, b, BAD_VA, (uint64_t)&st },
	};
	CHECK_EQ(exo_disk_io(r, 0), -EXO_EINVAL);
	CHECK_EQ(exo_disk_io(r, EXO_DISK_MAX_REQS + 1), -EXO_EINVAL);
	CHECK_EQ(exo_disk_io(r, 2), -EXO_EFAULT); /* the good one is not queued either */
	CHECK(st == 77);
	/* Ownership calls. */
	CHECK_EQ(exo_block_alloc(0, 0), -EXO_EINVAL);
	CHECK_EQ(exo_block_alloc(di->nblocks, 0), -EXO_EINVAL);
	CHECK_EQ(exo_block_alloc(EXO_BLOCK_ANY, 1), -EXO_EINVAL);
	CHECK_EQ(exo_block_alloc(b, 0), -EXO_EBUSY);
	CHECK_EQ(exo_block_free(b + 1), -EXO_EPERM);
	CHECK_EQ(exo_block_free(di->nblocks + 5), -EXO_EINVAL);
	CHECK_EQ(exo_block_grant(b, 12345, EXO_PERM_R), -EXO_EBADENV);
	CHECK_EQ(exo_block_grant(b, exo_env_id(), EXO_PERM_X), -EXO_EINVAL);
	CHECK_EQ(exo_block_revoke(b, 12345), -EXO_EINVAL);
	CHECK_EQ(exo_disk_attach(&owner_key, 2), -EXO_EINVAL);
	CHECK_EQ(exo_disk_attach((const struct exo_disk_key *)BAD_VA, 0), -EXO_EFAULT);
	CHECK_EQ(exo_disk_info((struct exo_disk_info *)0x400000), -EXO_EFAULT);
}

static void one_boot(void)
{
	struct exo_disk_info di;
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK_EQ(di.flags & (EXO_DISK_PRESENT | EXO_DISK_REGION),
		 EXO_DISK_PRESENT | EXO_DISK_REGION);
	CHECK(di.nblocks > di.data_start + 64 && di.owner == 0);
	CHECK_EQ(exo_block_alloc(EXO_BLOCK_ANY, 0), -EXO_EPERM); /* no owner yet */
	CHECK_EQ(exo_disk_attach(&owner_key, 0), -EXO_EPERM);	 /* unknown key */
	long slot = exo_disk_attach(&owner_key, EXO_DISK_CREATE);
	CHECK(slot > 0);
	CHECK_EQ(exo_disk_attach(&owner_key, 0), slot);
	uint64_t b = di.data_start + 3;
	CHECK_EQ(exo_block_alloc(b, 0), (long)b);

	/* A fresh block reads as zeros, whatever the disk held. */
	memset(buf[0], 0xff, 4096);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, b, 1, buf[0]), 0);
	for (unsigned i = 0; i < 4096; i++)
		CHECK(buf[0][i] == 0);
	fill(buf[0], b);
	CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, b, 1, buf[0]), 0);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, b, 1, back[0]), 0);
	CHECK(filled(back[0], b));
	bad_requests(b, &di);

	/* 16 blocks in 8 requests of 2 in flight at once, then one read of 16. */
	long first = -1;
	for (uint64_t c = di.data_start + 100; c + 16 < di.nblocks && first < 0; c += 16) {
		unsigned k = 0;
		while (k < 16 && exo_block_alloc(c + k, 0) == (long)(c + k))
			k++;
		if (k == 16)
			first = (long)c;
	}
	CHECK(first > 0);
	struct exo_disk_req r[8];
	volatile int64_t st[8];
	for (unsigned i = 0; i < 16; i++)
		fill(buf[i], (uint64_t)first + i);
	for (unsigned i = 0; i < 8; i++) {
		st[i] = 77;
		r[i] = (struct exo_disk_req){ EXO_DISK_WRITE, 2, (uint64_t)first + 2 * i,
					      (uint64_t)buf[2 * i], (uint64_t)&st[i] };
	}
	CHECK_EQ(exo_disk_io(r, 8), 8);
	for (unsigned i = 0; i < 8; i++) {
		CHECK_EQ(test_wait_word(&st[i], ~0ULL, 0, EXO_PRED_NE, 5000000), EXO_WAKE_PRED);
		CHECK_EQ(st[i], 1);
	}
	memset(back, 0, sizeof(back));
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, (uint64_t)first, 16, back), 0);
	for (unsigned i = 0; i < 16; i++)
		CHECK(filled(back[i], (uint64_t)first + i));
	CHECK_EQ(exo_disk_flush(), 0);
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK_EQ(di.owned, 17);
	CHECK_EQ(di.owner, (uint32_t)slot);

	/* The attacker: a forked child, with the disk right but not the key. */
	CHECK_EQ(exo_frame_alloc(EXO_FRAME_ANY, 0) > 0, 1);
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(f > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SHARED_VA, f, EXO_PERM_R | EXO_PERM_W), 0);
	CHECK_EQ(exo_fork_share(SHARED_VA, 4096), 0);
	sh->block = exo_env_id();
	long child = exo_fork();
	CHECK(child >= 0);
	if (child == 0)
		attacker(b);
	CHECK_EQ(exo_env_revoke_rights(child, EXO_RIGHT_DISK), 0);
	sh->stripped = 1;
	wait_for(&sh->child_bare);
	CHECK_EQ(exo_env_grant_rights(child, EXO_RIGHT_DISK), 0);
	sh->granted = 1;
	wait_for(&sh->child_ready);
	CHECK_EQ(exo_block_grant(b, child, EXO_PERM_R), 0);
	sh->child_read = 1;
	for (unsigned i = 0; sh->child_read != 2 && i < 2000000; i++)
		exo_yield(0);
	CHECK_EQ(sh->child_read, 2);
	CHECK_EQ(exo_block_revoke(b, child), 0);
	CHECK_EQ(exo_block_revoke(b, child), -EXO_EINVAL);
	sh->revoked = 1;
	wait_for(&sh->child_done);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, b, 1, back[0]), 0);
	CHECK(filled(back[0], b)); /* intact */
	CHECK_EQ(exo_invariant_check(), 0);
	CHECK_EQ(exo_block_free(b), 0);
	CHECK_EQ(exo_block_free(b), -EXO_EPERM);
	CHECK_EQ(exo_block_alloc(b, 0), -EXO_EBUSY); /* not before the free is on disk */
	CHECK_EQ(exo_disk_flush(), 0);
	CHECK_EQ(exo_block_alloc(b, 0), (long)b);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, b, 1, back[0]), 0);
	CHECK(back[0][0] == 0 && back[0][4095] == 0); /* fresh again: zeros */
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

/* Two boots: create and write, then find it all again with the key. */
static void persist(void)
{
	struct exo_disk_info di;
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK(di.flags & EXO_DISK_REGION);
	uint64_t b = di.data_start + 7;
	long slot = exo_disk_attach(&owner_key, 0);
	if (slot == -EXO_EPERM) {
		slot = exo_disk_attach(&owner_key, EXO_DISK_CREATE);
		CHECK(slot > 0);
		for (unsigned i = 0; i < 4; i++) {
			CHECK_EQ(exo_block_alloc(b + i, 0), (long)(b + i));
			fill(buf[i], 1000 + i);
		}
		CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, b, 4, buf), 0);
		CHECK_EQ(exo_disk_flush(), 0);
		printf("persist: first boot: owner %ld holds blocks %llu-%llu\n", slot,
		       (unsigned long long)b, (unsigned long long)b + 3);
		test_pass();
	}
	CHECK(slot > 0);
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK_EQ(di.owned, 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(exo_block_alloc(b + i, 0), -EXO_EBUSY);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, b, 4, back), 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK(filled(back[i], 1000 + i));
	CHECK_EQ(exo_invariant_check(), 0);
	printf("persist: second boot: owner %ld found its 4 blocks intact\n", slot);
	test_pass();
}

/* The key comes in as a data boot module; only the first program owns it. */
static void keyboot(void)
{
	const struct exo_module *m = exo_module_find("/disk.key");
	CHECK(m != NULL);
	CHECK_EQ(m->bytes, EXO_DISK_KEY_BYTES);
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	CHECK_EQ(si->owner, exo_env_id());
	const uint8_t *key = exo_module_map(m, SHARED_VA);
	CHECK(key != NULL);
	struct exo_disk_key k = { .name = "from-module" };
	memcpy(k.key, key, sizeof(k.key));
	long slot = exo_disk_attach(&k, EXO_DISK_CREATE);
	CHECK(slot > 0);
	CHECK_EQ(exo_disk_attach(&k, 0), slot);
	CHECK(exo_module_find("/no-such-module") == NULL);
	test_wait_alone(10000); /* the thief has had its go */
	test_pass();
}

static void keythief(void)
{
	const struct exo_module *m = exo_module_find("/disk.key");
	CHECK(m != NULL);			     /* the list is public ... */
	CHECK(exo_module_map(m, SHARED_VA) == NULL); /* ... the frames are not */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SHARED_VA, m->frame, EXO_PERM_R), -EXO_EPERM);
	CHECK_EQ(exo_frame_free(m->frame), -EXO_EPERM);
	exo_env_destroy(EXO_ENV_SELF);
}

/* Attach with the key of data module /disk.key (build/disk.key). */
static long attach_module_key(uint64_t flags)
{
	const struct exo_module *m = exo_module_find("/disk.key");
	CHECK(m != NULL);
	const uint8_t *key = exo_module_map(m, SHARED_VA);
	CHECK(key != NULL);
	struct exo_disk_key k = { .name = "unix" };
	memcpy(k.key, key, sizeof(k.key));
	CHECK_EQ(exo_page_unmap(EXO_AS_SELF, SHARED_VA), 0);
	return exo_disk_attach(&k, flags);
}

static void region(const char *mode)
{
	struct exo_disk_info di;
	CHECK_EQ(exo_disk_info(&di), 0);
	CHECK(di.flags & EXO_DISK_PRESENT);
	if (strcmp(mode, "nosuper") == 0 || strcmp(mode, "noowners") == 0) {
		/* Refused whole: nothing works, nothing is written. */
		CHECK_EQ(di.flags & EXO_DISK_REGION, 0);
		CHECK_EQ(di.nblocks, 0);
		CHECK_EQ(attach_module_key(EXO_DISK_CREATE), -EXO_ENOTSUP);
		CHECK_EQ(exo_block_alloc(EXO_BLOCK_ANY, 0), -EXO_ENOTSUP);
		volatile int64_t st = 77;
		CHECK_EQ(io1(EXO_DISK_READ, 100, 1, (uint64_t)buf[0], &st), -EXO_ENOTSUP);
	} else if (strcmp(mode, "damaged") == 0) {
		/* Map block 1 (blocks 1023-2045) refused; the rest works. */
		CHECK(di.flags & EXO_DISK_DAMAGED);
		CHECK(attach_module_key(0) > 0); /* the owner table is fine */
		CHECK_EQ(exo_block_alloc(1500, 0), -EXO_EBUSY);
		CHECK_EQ(exo_block_alloc(1023, 0), -EXO_EBUSY);
		CHECK_EQ(exo_block_alloc(2045, 0), -EXO_EBUSY);
		CHECK_EQ(exo_disk_rw(EXO_DISK_READ, 1500, 1, buf[0]), -EXO_EPERM);
		CHECK_EQ(exo_block_free(1500), -EXO_EPERM);
		CHECK_EQ(exo_block_alloc(1022, 0), 1022);
		CHECK_EQ(exo_block_alloc(2046, 0), 2046);
		fill(buf[0], 2046);
		CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, 2046, 1, buf[0]), 0);
		CHECK_EQ(exo_disk_flush(), 0); /* commits map blocks 0 and 2 only */
	} else if (strcmp(mode, "replayed") == 0) {
		/* exodisk stopped after its log: the boot replayed it. */
		CHECK(attach_module_key(0) > 0);
		CHECK_EQ(exo_disk_info(&di), 0);
		CHECK_EQ(di.owned, 5);
		for (uint64_t b = 200; b < 205; b++)
			CHECK_EQ(exo_block_alloc(b, 0), -EXO_EBUSY);
	} else if (strcmp(mode, "torn") == 0) {
		/* The same, with the log torn: not replayed, nothing changed. */
		CHECK_EQ(attach_module_key(0), -EXO_EPERM);
		CHECK(attach_module_key(EXO_DISK_CREATE) > 0);
		CHECK_EQ(exo_disk_info(&di), 0);
		CHECK_EQ(di.owned, 0);
		CHECK_EQ(exo_block_alloc(200, 0), 200);
	} else {
		CHECK(0);
	}
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

int main(int argc, char **argv)
{
	if (strcmp(argv[0], "region") == 0 && argc > 1)
		region(argv[1]);
	if (strcmp(argv[0], "keyboot") == 0)
		keyboot();
	if (strcmp(argv[0], "keythief") == 0)
		keythief();
	if (strcmp(argv[0], "persist") == 0)
		persist();
	one_boot();
	return 1;
}
