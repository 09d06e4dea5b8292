/*
 * xn.c - two library OSes share a tree of metadata safely, and a hostile
 * third sharer cannot use it to claim, free or point at blocks it must not
 * (XN, Kaashoek et al., SOSP'97; docs/udf.md).
 *
 * Three boot modules run this program, each a libOS with its own disk
 * owner key: "alice" makes a directory of extents (the example metadata
 * format of secure-bindings/udf.h) and grants write access on it to the
 * others; "bob" adds an extent of his own blocks; "mallory" has the same
 * grant and tries every way to abuse it, then leaves a harmless entry.
 * They run in parallel and take turns through the directory's contents:
 * each waits (polling a read) until the entry it needs is there.
 */
#include <stdbool.h>
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"
#include "udf.h"

#define WAIT_MS 20000

static struct sb_extdir dir __attribute__((aligned(4096)));
static uint8_t data[2][4096] __attribute__((aligned(4096)));
static struct exo_disk_info di;
static uint64_t root; /* the shared directory's block */
static long type;     /* its metadata type */

static void attach(const char *who)
{
	struct exo_disk_key k = { 0 };
	memcpy(k.key, who, strlen(who)); /* a test key: the name, zero-padded */
	strncpy(k.name, who, sizeof(k.name) - 1);
	CHECK(exo_disk_attach(&k, EXO_DISK_CREATE) > 0);
	CHECK_EQ(exo_disk_info(&di), 0);
	root = di.data_start + 10;
	/* The same program gives the same type, whoever registers it. */
	type = exo_disk_type(sb_udf_extent_dir, sb_udf_extent_dir_len);
	CHECK(type > 0);
	CHECK_EQ(exo_disk_type(sb_udf_extent_dir, sb_udf_extent_dir_len), type);
}

static int find(const char *name)
{
	for (unsigned i = 0; i < dir.count && i < SB_EXTDIR_MAX; i++)
		if (strcmp(dir.entry[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void add(const char *name, uint64_t start, uint32_t n)
{
	struct sb_extdir_entry *e = &dir.entry[dir.count++];
	memset(e, 0, sizeof(*e));
	strncpy(e->name, name, sizeof(e->name) - 1);
	e->start_block = start;
	e->nblocks = n;
}

static void drop(const char *name)
{
	int i = find(name);
	CHECK(i >= 0);
	dir.entry[i] = dir.entry[--dir.count];
}

static long write_dir(void)
{
	return exo_disk_rw(EXO_DISK_WRITE, root, 1, &dir);
}

/* Read the directory until `name` is in it (present) or not (!present). */
static void await(const char *name, bool present)
{
	for (unsigned ms = 0; ms < WAIT_MS; ms++) {
		if (exo_disk_rw(EXO_DISK_READ, root, 1, &dir) == 0 &&
		    dir.magic == SB_EXTDIR_MAGIC && (find(name) >= 0) == present)
			return;
		test_sleep_us(1000);
	}
	printf("xn: gave up waiting for entry %s to be %s\n", name, present ? "there" : "gone");
	test_end(0);
}

static void alice(void)
{
	attach("alice");
	uint32_t bob = test_find_env("bob"), mallory = test_find_env("mallory");
	CHECK(bob && mallory);
	uint64_t a1 = di.data_start + 20, private = di.data_start + 25;
	CHECK_EQ(exo_block_alloc(a1, 0), (long)a1);
	CHECK_EQ(exo_block_alloc(a1 + 1, 0), (long)(a1 + 1));
	CHECK_EQ(exo_block_alloc(private, 0), (long)private); /* in no directory */
	memset(data, 'a', sizeof(data));
	CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, a1, 2, data), 0);
	CHECK_EQ(exo_block_alloc(root, 99), -EXO_EINVAL); /* no such type */
	CHECK_EQ(exo_block_alloc(root, (uint64_t)type), (long)root);

	/* The directory owns alice's two blocks: they are held. */
	memset(&dir, 0, sizeof(dir));
	dir.magic = SB_EXTDIR_MAGIC;
	add("a.txt", a1, 2);
	CHECK_EQ(write_dir(), 0);
	CHECK_EQ(exo_block_free(a1), -EXO_EBUSY);
	CHECK_EQ(exo_block_free(root), -EXO_EBUSY); /* it references blocks */
	struct exo_disk_req two[2] = { { EXO_DISK_WRITE, 1, root, (uint64_t)&dir, 0 },
				       { EXO_DISK_WRITE, 1, a1, (uint64_t)data, 0 } };
	volatile int64_t st[2] = { 77, 77 };
	two[0].status_va = (uint64_t)&st[0];
	two[1].status_va = (uint64_t)&st[1];
	CHECK_EQ(exo_disk_io(two, 2), -EXO_EINVAL); /* a metadata write comes alone */
	CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, root - 1, 2, data), -EXO_EPERM);

	/* Share it: bob and mallory may write the directory. */
	CHECK_EQ(exo_block_grant(root, bob, EXO_PERM_R | EXO_PERM_W), 0);
	CHECK_EQ(exo_block_grant(root, mallory, EXO_PERM_R | EXO_PERM_W), 0);
	await("mallory-done", true);
	CHECK(find("bob") >= 0 && find("a.txt") >= 0);
	uint64_t b1 = dir.entry[find("bob")].start_block;
	CHECK_EQ(exo_block_free(b1), -EXO_EPERM); /* bob's, not ours */
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, a1, 2, data), 0);
	CHECK(data[0][0] == 'a' && data[1][4095] == 'a'); /* untouched */

	/* Taking bob's entry out gives his block back to him, unheld. */
	drop("bob");
	CHECK_EQ(write_dir(), 0);
	await("bob-freed", true);

	/* Empty the directory: then everything can go. */
	memset(&dir, 0, sizeof(dir));
	dir.magic = SB_EXTDIR_MAGIC;
	CHECK_EQ(write_dir(), 0);
	CHECK_EQ(exo_block_free(a1), 0);
	CHECK_EQ(exo_block_free(a1 + 1), 0);
	CHECK_EQ(exo_block_free(private), 0);
	CHECK_EQ(exo_block_free(root), 0);
	CHECK_EQ(exo_disk_flush(), 0);
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

static void bob(void)
{
	attach("bob");
	uint64_t b1 = di.data_start + 30, private = di.data_start + 31;
	CHECK_EQ(exo_block_alloc(b1, 0), (long)b1);
	CHECK_EQ(exo_block_alloc(private, 0), (long)private); /* in no directory */
	memset(data[0], 'b', 4096);
	CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, b1, 1, data[0]), 0);
	await("a.txt", true);
	add("bob", b1, 1);
	CHECK_EQ(write_dir(), 0);
	CHECK_EQ(exo_block_free(b1), -EXO_EBUSY); /* held by alice's directory */
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, b1, 1, data[1]), 0);
	CHECK(data[1][0] == 'b'); /* still ours to read and write */
	CHECK_EQ(exo_block_free(root), -EXO_EPERM);
	await("bob", false);
	CHECK_EQ(exo_block_free(b1), 0);
	CHECK_EQ(exo_block_free(private), 0);
	add("bob-freed", 0, 0);
	CHECK_EQ(write_dir(), 0);
	exo_env_destroy(EXO_ENV_SELF);
}

/* Mallory writes the directory with one hostile change; it must be refused
 * and the directory on the disk must stay as it was. */
static void refused(const char *what, uint64_t start, uint32_t n, long want)
{
	struct sb_extdir before;
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, root, 1, &dir), 0);
	before = dir;
	add(what, start, n);
	long r = write_dir();
	if (r != want) {
		printf("xn: mallory's %s: got %ld, expected %ld\n", what, r, want);
		test_end(0);
	}
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, root, 1, &dir), 0);
	CHECK(memcmp(&dir, &before, sizeof(dir)) == 0);
}

static void mallory(void)
{
	attach("mallory");
	uint64_t m1 = di.data_start + 40;
	CHECK_EQ(exo_block_alloc(m1, 0), (long)m1);
	await("bob", true);
	uint64_t a1 = dir.entry[find("a.txt")].start_block;
	uint64_t b1 = dir.entry[find("bob")].start_block;
	uint64_t private = di.data_start + 25; /* alice's, in no directory */
	uint64_t bobs = di.data_start + 31;    /* bob's, in no directory */

	/* Claim, point at or free what is not hers. */
	refused("alice's", private, 1, -EXO_EPERM);
	refused("bob's", bobs, 1, -EXO_EPERM);
	CHECK_EQ(exo_block_free(b1), -EXO_EPERM);
	refused("free", di.data_start + 500, 1, -EXO_EPERM);
	refused("region", 0, 1, -EXO_EPERM);
	refused("itself", root, 1, -EXO_EPERM);
	refused("past-end", di.nblocks - 1, 2, -EXO_EPERM);
	refused("huge", m1, 0xffffffffu, -EXO_EINVAL); /* the UDF cannot list it */
	refused("mine+free", m1, 2, -EXO_EPERM);       /* one good block, one not */
	CHECK_EQ(exo_block_free(a1), -EXO_EPERM);
	CHECK_EQ(exo_block_free(root), -EXO_EPERM);
	/* Naming a block the directory holds already changes no ownership
	 * (the UDF's output is a set: XN compares sets) and gives her no
	 * access to it. */
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, root, 1, &dir), 0);
	add("alias", a1, 1);
	CHECK_EQ(write_dir(), 0);
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, a1, 1, data[0]), -EXO_EPERM);
	drop("alias");
	CHECK_EQ(write_dir(), 0);
	CHECK_EQ(exo_disk_rw(EXO_DISK_WRITE, a1, 1, data[0]), -EXO_EPERM);
	CHECK_EQ(exo_block_grant(root, exo_env_id(), EXO_PERM_R), -EXO_EPERM);

	/* Hostile UDFs are refused at registration. */
	const struct sb_udf_insn loop[] = { SB_UDF_I_LDI(0, 1), SB_UDF_I_JA(-1) };
	const struct sb_udf_insn oob[] = { SB_UDF_I_LD(SB_UDF_LD64, 0, 1, 4093), SB_UDF_I_HALT() };
	const struct sb_udf_insn badop[] = { { .op = 0xee } };
	const struct sb_udf_insn greedy[] = { SB_UDF_I_LDI(0, 7), SB_UDF_I_EMIT(0) };
	CHECK_EQ(exo_disk_type(loop, 2), -EXO_EINVAL);
	CHECK_EQ(exo_disk_type(oob, 2), -EXO_EINVAL);
	CHECK_EQ(exo_disk_type(badop, 1), -EXO_EINVAL);
	CHECK_EQ(exo_disk_type(greedy, 2), -EXO_EINVAL); /* owns a block when all zero */
	CHECK_EQ(exo_disk_type(loop, 0), -EXO_EINVAL);
	CHECK_EQ(exo_disk_type(loop, SB_UDF_MAX_INSNS + 1), -EXO_EINVAL);
	CHECK_EQ(exo_disk_type((void *)0x500000000ULL, 4), -EXO_EFAULT);

	/* Her own block, though, she may hang in the directory and take out. */
	CHECK_EQ(exo_disk_rw(EXO_DISK_READ, root, 1, &dir), 0);
	add("mine", m1, 1);
	CHECK_EQ(write_dir(), 0);
	CHECK_EQ(exo_block_free(m1), -EXO_EBUSY);
	drop("mine");
	add("mallory-done", 0, 0);
	CHECK_EQ(write_dir(), 0);
	CHECK_EQ(exo_block_free(m1), 0);
	exo_env_destroy(EXO_ENV_SELF);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "alice") == 0)
		alice();
	else if (strcmp(argv[0], "bob") == 0)
		bob();
	else
		mallory();
	return 1;
}
