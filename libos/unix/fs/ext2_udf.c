/*
 * ext2_udf.c - the UDFs of ext2's inode-table and indirect blocks
 * (ext2_udf.h; the bytecode is docs/udf.md's). Registers: r0 is never
 * written (always 0), r1 the loop index, r2 a count or constant, r3 the
 * inode's offset, r4-r7 scratch.
 */
#include "ext2_udf.h"

/* Offsets in an inode (ext2_disk.h's struct ext2_inode). */
#define I_MODE	 0
#define I_LINKS	 26
#define I_BLOCKS 28
#define I_BLOCK	 40
#define I_NBLOCK 15
#define S_IFMT_	 0xF000
#define S_IFREG_ 0x8000
#define S_IFDIR_ 0x4000
#define S_IFLNK_ 0xA000

uint32_t ext2_udf_itable(uint32_t inode_size, uint32_t base,
			 struct sb_udf_insn prog[EXT2_UDF_MAX_INSNS])
{
	const int32_t n = 4096 / (int32_t)inode_size, b = (int32_t)base;
	/* pc: what                        (branch targets: 16 PTRS, 25 the end
	 *                                  of both loop bodies: next inode) */
	const struct sb_udf_insn p[] = {
		SB_UDF_I_LDI(2, n),				   /*  0 inodes per block */
		SB_UDF_I_LOOP(1, 2, n, 23),			   /*  1 r1 = inode 0..n-1 */
		SB_UDF_I_MOV(3, 1),				   /*  2 */
		SB_UDF_I_ALUI(SB_UDF_MUL, 3, (int32_t)inode_size), /*  3 r3 = its offset */
		SB_UDF_I_LD(SB_UDF_LD16, 4, 3, I_LINKS),	   /*  4 */
		SB_UDF_I_JCC(SB_UDF_JEQ, 4, 0, 20),		   /*  5 no links: next */
		SB_UDF_I_LD(SB_UDF_LD16, 4, 3, I_MODE),		   /*  6 */
		SB_UDF_I_ALUI(SB_UDF_AND, 4, S_IFMT_),		   /*  7 r4 = file type */
		SB_UDF_I_LDI(5, S_IFREG_),			   /*  8 */
		SB_UDF_I_JCC(SB_UDF_JEQ, 4, 5, 7),		   /*  9 regular: PTRS */
		SB_UDF_I_LDI(5, S_IFDIR_),			   /* 10 */
		SB_UDF_I_JCC(SB_UDF_JEQ, 4, 5, 5),		   /* 11 directory: PTRS */
		SB_UDF_I_LDI(5, S_IFLNK_),			   /* 12 */
		SB_UDF_I_JCC(SB_UDF_JNE, 4, 5, 12),		   /* 13 other types: next */
		SB_UDF_I_LD(SB_UDF_LD32, 6, 3, I_BLOCKS),	   /* 14 */
		SB_UDF_I_JCC(SB_UDF_JEQ, 6, 0, 10),		   /* 15 fast symlink: next */
		SB_UDF_I_LDI(7, I_NBLOCK),			   /* 16 PTRS */
		SB_UDF_I_LOOP(6, 7, I_NBLOCK, 7),		   /* 17 r6 = j 0..14 */
		SB_UDF_I_MOV(5, 6),				   /* 18 */
		SB_UDF_I_ALUI(SB_UDF_MUL, 5, 4),		   /* 19 */
		SB_UDF_I_ALU(SB_UDF_ADD, 5, 3),			   /* 20 */
		SB_UDF_I_LD(SB_UDF_LD32, 4, 5, I_BLOCK),	   /* 21 i_block[j] */
		SB_UDF_I_JCC(SB_UDF_JEQ, 4, 0, 3),		   /* 22 a hole: next j */
		SB_UDF_I_ALUI(SB_UDF_ADD, 4, b),		   /* 23 */
		SB_UDF_I_EMIT(4),				   /* 24 */
	};
	uint32_t k = sizeof p / sizeof p[0];

	if (inode_size != 128 && inode_size != 256)
		return 0;
	for (uint32_t i = 0; i < k; i++)
		prog[i] = p[i];
	return k;
}

uint32_t ext2_udf_indirect(uint32_t base, struct sb_udf_insn prog[EXT2_UDF_MAX_INSNS])
{
	const struct sb_udf_insn p[] = {
		SB_UDF_I_LDI(2, 1024),			     /* 0 */
		SB_UDF_I_LOOP(1, 2, 1024, 6),		     /* 1 r1 = entry 0..1023 */
		SB_UDF_I_MOV(3, 1),			     /* 2 */
		SB_UDF_I_ALUI(SB_UDF_MUL, 3, 4),	     /* 3 */
		SB_UDF_I_LD(SB_UDF_LD32, 4, 3, 0),	     /* 4 */
		SB_UDF_I_JCC(SB_UDF_JEQ, 4, 0, 3),	     /* 5 a hole: next */
		SB_UDF_I_ALUI(SB_UDF_ADD, 4, (int32_t)base), /* 6 */
		SB_UDF_I_EMIT(4),			     /* 7 */
	};
	uint32_t k = sizeof p / sizeof p[0];

	for (uint32_t i = 0; i < k; i++)
		prog[i] = p[i];
	return k;
}
