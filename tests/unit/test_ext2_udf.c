/*
 * test_ext2_udf.c - the UDFs of ext2's inode-table and indirect blocks
 * (libos/unix/fs/ext2_udf.c) against images made by mke2fs -d.
 *
 * Both programs must pass the kernel's verifier and own nothing when
 * zeroed (what exo_disk_type demands). On each image, every inode-table
 * block's output must equal what a plain C reading of its inodes gives,
 * and, the decisive check, the blocks owned through the inode tables and
 * then the indirect blocks (followed to the depth each pointer has) must
 * be exactly the blocks mke2fs marked in use in the block bitmaps minus
 * the static metadata (superblock and descriptor copies, bitmaps, inode
 * tables), with no block owned twice: e2fsprogs is the oracle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXT2T_DECLS_ONLY
#include "test_ext2_util.c"
#include "ext2_disk.h"
#include "ext2_int.h"
#include "ext2_udf.h"
#include "unit.h"

#define BASE 1000 /* a placed image's first disk block, for the programs */

static uint8_t *img;
static size_t img_blocks;

static const uint8_t *blk(uint64_t b)
{
	CU_ASSERT_FATAL(b < img_blocks);
	return img + b * 4096;
}

static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	CU_ASSERT_FATAL(f != NULL && stat(path, &st) == 0);
	free(img);
	img = malloc((size_t)st.st_size);
	CU_ASSERT_FATAL(img != NULL && fread(img, 1, (size_t)st.st_size, f) == (size_t)st.st_size);
	fclose(f);
	img_blocks = (size_t)st.st_size / 4096;
}

/* Run prog on block b; out gets the normalized set, minus BASE. */
static uint32_t run(const struct sb_udf_insn *prog, uint32_t n, uint64_t b, uint64_t *out)
{
	uint32_t nout = 0;

	CU_ASSERT_EQUAL_FATAL(sb_udf_run(prog, n, blk(b), out, SB_UDF_MAX_OUT, &nout), 0);
	sb_udf_set_normalize(out, &nout);
	for (uint32_t i = 0; i < nout; i++) {
		CU_ASSERT_FATAL(out[i] >= BASE);
		out[i] -= BASE;
	}
	return nout;
}

static void test_verify(void)
{
	struct sb_udf_insn prog[EXT2_UDF_MAX_INSNS];
	struct sb_udf_info info;
	static const uint8_t zero[4096];
	uint64_t out[SB_UDF_MAX_OUT];
	uint32_t nout;

	for (uint32_t isz = 128; isz <= 256; isz += 128) {
		uint32_t n = ext2_udf_itable(isz, BASE, prog);

		CU_ASSERT(n > 0 && n <= EXT2_UDF_MAX_INSNS);
		CU_ASSERT_EQUAL(sb_udf_verify(prog, n, &info), 0);
		CU_ASSERT_EQUAL(sb_udf_run(prog, n, zero, out, SB_UDF_MAX_OUT, &nout), 0);
		CU_ASSERT_EQUAL(nout, 0);
	}
	CU_ASSERT_EQUAL(ext2_udf_itable(512, BASE, prog), 0);
	uint32_t n = ext2_udf_indirect(BASE, prog);
	CU_ASSERT_EQUAL(sb_udf_verify(prog, n, &info), 0);
	CU_ASSERT_EQUAL(sb_udf_run(prog, n, zero, out, SB_UDF_MAX_OUT, &nout), 0);
	CU_ASSERT_EQUAL(nout, 0);
	/* a full indirect block: all 1024 entries */
	uint32_t full[1024];
	for (int i = 0; i < 1024; i++)
		full[i] = (uint32_t)(5000 + i);
	CU_ASSERT_EQUAL(sb_udf_run(prog, n, (const uint8_t *)full, out, SB_UDF_MAX_OUT, &nout), 0);
	CU_ASSERT_EQUAL(nout, 1024);
	CU_ASSERT_EQUAL(out[0], 5000 + BASE);
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Count of owners per block, filled by the walk. */
static uint8_t *owners;

static void own(uint64_t b)
{
	CU_ASSERT_FATAL(b < img_blocks);
	owners[b]++;
}

/* Follow an indirect block of the given depth (1: single). */
static void walk(const struct sb_udf_insn *ind, uint32_t nind, uint64_t b, int depth)
{
	static uint64_t out[4][SB_UDF_MAX_OUT];
	uint32_t n = run(ind, nind, b, out[depth]);

	for (uint32_t i = 0; i < n; i++) {
		own(out[depth][i]);
		if (depth > 1)
			walk(ind, nind, out[depth][i], depth - 1);
	}
}

static void check_image(const char *path)
{
	struct ext2t_mnt m;
	struct sb_udf_insn it[EXT2_UDF_MAX_INSNS], ind[EXT2_UDF_MAX_INSNS];
	static uint64_t out[SB_UDF_MAX_OUT], want[SB_UDF_MAX_OUT];
	uint32_t nit, nind = ext2_udf_indirect(BASE, ind);
	unsigned checked_inodes = 0, owned = 0, in_use = 0;

	CU_ASSERT_EQUAL_FATAL(ext2t_mount(&m, path, 64, true, NULL), 0);
	load(path);
	owners = calloc(img_blocks, 1);
	nit = ext2_udf_itable(m.fs.inode_size, BASE, it);
	CU_ASSERT_FATAL(nit > 0);
	const struct ext2_group_desc *gd = (const struct ext2_group_desc *)blk(1);
	for (uint32_t g = 0; g < m.fs.ngroups; g++) {
		for (uint32_t t = 0; t < m.fs.itable_blocks; t++) {
			uint64_t b = gd[g].bg_inode_table + t;
			uint32_t n = run(it, nit, b, out), nw = 0;

			/* the plain reading of the same inodes */
			for (uint32_t k = 0; k < m.fs.inodes_per_block; k++) {
				const struct ext2_inode *in =
					(const struct ext2_inode *)(blk(b) + k * m.fs.inode_size);
				uint16_t type = in->i_mode & 0xF000;

				if (in->i_links_count == 0)
					continue;
				if (type != 0x8000 && type != 0x4000 &&
				    !(type == 0xA000 && in->i_blocks != 0))
					continue;
				checked_inodes++;
				for (int j = 0; j < 15; j++) {
					if (in->i_block[j] == 0)
						continue;
					want[nw++] = in->i_block[j];
					own(in->i_block[j]);
					if (j >= 12)
						walk(ind, nind, in->i_block[j], j - 11);
				}
			}
			qsort(want, nw, sizeof want[0], cmp64);
			uint32_t u = 0;
			for (uint32_t i = 0; i < nw; i++)
				if (u == 0 || want[u - 1] != want[i])
					want[u++] = want[i];
			CU_ASSERT_EQUAL(n, u);
			CU_ASSERT(n == u && memcmp(out, want, n * sizeof out[0]) == 0);
		}
	}
	/* The oracle: mke2fs's block bitmaps minus the static metadata. */
	for (uint32_t g = 0; g < m.fs.ngroups; g++) {
		const uint8_t *bm = blk(gd[g].bg_block_bitmap);
		uint64_t first = (uint64_t)g * m.fs.bpg;
		uint64_t meta = ext2_group_has_super(&m.fs, g) ? 1 + m.fs.gdt_blocks : 0;

		for (uint64_t i = 0; i < m.fs.bpg && first + i < img_blocks; i++) {
			uint64_t b = first + i;
			bool used = bm[i / 8] >> (i % 8) & 1;
			bool is_meta = i < meta || b == gd[g].bg_block_bitmap ||
				       b == gd[g].bg_inode_bitmap ||
				       (b >= gd[g].bg_inode_table &&
					b < gd[g].bg_inode_table + m.fs.itable_blocks);

			in_use += used;
			if (owners[b] > 1)
				printf("\n  block %llu owned %u times\n", (unsigned long long)b,
				       owners[b]);
			CU_ASSERT(owners[b] <= 1);
			if (used && !is_meta && owners[b] == 0)
				printf("\n  block %llu in use but owned by no inode\n",
				       (unsigned long long)b);
			if (!used && owners[b])
				printf("\n  block %llu owned but free\n", (unsigned long long)b);
			CU_ASSERT(used == (is_meta || owners[b] == 1));
			owned += owners[b] != 0;
		}
	}
	CU_ASSERT(checked_inodes > 10 && owned > 100 && in_use > owned);
	free(owners);
	ext2t_umount(&m);
}

/* Files of every map shape: empty, small, direct only, single, double
 * and triple indirect (sparse), fast and slow symlinks, a fifo. */
static const char *make_image(const char *name, const char *mkfs_opts)
{
	const char *stage = ext2t_path("udf-stage"), *img_path = ext2t_path(name);
	static char buf[64 * 1024];

	ext2t_sh("rm -rf %s && mkdir -p %s/d/e", stage, stage);
	ext2t_fill(buf, sizeof buf, 7, 0);
	ext2t_write_file(ext2t_path("udf-stage/small"), buf, 100);
	ext2t_write_file(ext2t_path("udf-stage/d/direct"), buf, 40000);
	ext2t_sh("head -c 5000000 /dev/urandom >%s/d/e/double", stage);
	ext2t_sh("truncate -s 0 %s/empty && truncate -s 5G %s/sparse && "
		 "printf x | dd of=%s/sparse bs=1 seek=4400000000 conv=notrunc status=none && "
		 "printf y | dd of=%s/sparse bs=1 seek=60000 conv=notrunc status=none",
		 stage, stage, stage, stage);
	ext2t_sh("ln -s small %s/fast && ln -s %0100d %s/slow && mkfifo %s/fifo", stage, 0, stage,
		 stage);
	CU_ASSERT_EQUAL_FATAL(ext2t_sh("mke2fs -q -F -t ext2 -b 4096 %s -d %s %s 64M", mkfs_opts,
				       stage, img_path),
			      0);
	return img_path;
}

static void test_images(void)
{
	check_image(make_image("udf-128.img", "-I 128"));
	check_image(make_image("udf-256.img", "-I 256"));
}

/* Not the UDFs' business, but the same images serve: clean_only keeps an
 * image that was not cleanly unmounted read-only (its bitmaps may call
 * blocks in use free), and lets a clean one mount read-write. */
static void test_clean_only(void)
{
	const char *img_path = make_image("udf-clean.img", "");
	struct ext2t_mnt m;
	const char *why = NULL;

	ext2t_clean_only = true;
	CU_ASSERT_EQUAL_FATAL(ext2t_mount(&m, img_path, 64, false, &why), 0);
	CU_ASSERT(m.fs.rw && why == NULL);
	/* a crash: the cache goes without an unmount, "not clean" stays */
	bcache_destroy(&m.bc);
	free(m.hdrs);
	ext2t_fdev_close(&m.dev);
	CU_ASSERT_EQUAL_FATAL(ext2t_mount(&m, img_path, 64, false, &why), 0);
	CU_ASSERT(!m.fs.rw && why != NULL && strstr(why, "e2fsck") != NULL);
	ext2t_umount(&m);
	CU_ASSERT(ext2t_sh("e2fsck -p %s", img_path) <= 1);
	CU_ASSERT_EQUAL_FATAL(ext2t_mount(&m, img_path, 64, false, &why), 0);
	CU_ASSERT(m.fs.rw);
	ext2t_umount(&m);
	ext2t_clean_only = false;
}

static CU_TestInfo ext2_udf_tests[] = {
	{ "clean_only: an unclean image mounts read-only", test_clean_only },
	{ "programs verify, own nothing zeroed", test_verify },
	{ "inode tables and indirect blocks own what mke2fs allocated", test_images },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(ext2_udf, ext2_udf_tests);
