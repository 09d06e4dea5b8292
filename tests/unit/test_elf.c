/*
 * test_elf.c - host tests of sb_elf_check (secure-bindings/elf.c).
 *
 * Images are built in memory: a valid two-segment static executable, then
 * one minimal mutation per error code, so each test shows which check
 * fires. Every image is handed over in a malloc block of exactly its size,
 * so AddressSanitizer (run-tests-san) catches any read past the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/layout.h>

#include "elf.h"
#include "unit.h"

/* Test-side copies of the ELF-64 headers (gABI), independent of elf.c. */
struct t_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct t_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct t_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(struct t_phdr) == 56, "Elf64_Phdr");

#define PT_LOAD	     1
#define PT_NOTE	     4
#define PT_GNU_STACK 0x6474e551
#define PF_X	     1
#define PF_W	     2
#define PF_R	     4

#define MAX_PH	 20
#define BUF_SIZE 0x4000

/* The valid image: text [0x400000, 0x401800) R+X from file offset 0,
 * data [0x403010, 0x405010) R+W with 0x100 bytes from offset 0x2010 (the
 * rest is bss), and a PT_GNU_STACK that must be ignored. */
#define TEXT_VADDR   0x400000ULL
#define TEXT_SIZE    0x1800ULL
#define DATA_VADDR   0x403010ULL
#define DATA_OFFSET  0x2010ULL
#define DATA_FILESZ  0x100ULL
#define DATA_MEMSZ   0x2000ULL
#define ENTRY	     0x401000ULL
#define IMAGE_SIZE   0x2200ULL
#define IMAGE_NEEDED (DATA_OFFSET + DATA_FILESZ) /* shortest prefix that loads */

struct image {
	struct t_ehdr eh;
	struct t_phdr ph[MAX_PH];
	uint64_t size; /* bytes of the file */
};

static struct t_phdr phdr(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
			  uint64_t filesz, uint64_t memsz)
{
	struct t_phdr ph = {
		.type = type,
		.flags = flags,
		.offset = offset,
		.vaddr = vaddr,
		.paddr = vaddr,
		.filesz = filesz,
		.memsz = memsz,
		.align = 0x1000,
	};
	return ph;
}

static void valid_image(struct image *im)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };

	memset(im, 0, sizeof(*im));
	memcpy(im->eh.ident, ident, sizeof(ident));
	im->eh.type = 2;
	im->eh.machine = 62;
	im->eh.version = 1;
	im->eh.entry = ENTRY;
	im->eh.phoff = sizeof(struct t_ehdr);
	im->eh.ehsize = sizeof(struct t_ehdr);
	im->eh.phentsize = sizeof(struct t_phdr);
	im->eh.phnum = 3;
	im->ph[0] = phdr(PT_LOAD, PF_R | PF_X, 0, TEXT_VADDR, TEXT_SIZE, TEXT_SIZE);
	im->ph[1] = phdr(PT_LOAD, PF_R | PF_W, DATA_OFFSET, DATA_VADDR, DATA_FILESZ, DATA_MEMSZ);
	im->ph[2] = phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	im->size = IMAGE_SIZE;
}

/* Lay the headers out as file bytes: a malloc block of exactly im->size
 * bytes (at least 1, so malloc never returns NULL for a valid size). Bytes
 * of the headers beyond the file are dropped, as in a truncated file. */
static uint8_t *serialize(const struct image *im)
{
	static uint8_t buf[BUF_SIZE];
	uint8_t *file;

	CU_ASSERT_FATAL(im->size <= BUF_SIZE);
	memset(buf, 0xcc, sizeof(buf));
	memcpy(buf, &im->eh, sizeof(im->eh));
	if (im->eh.phoff < BUF_SIZE) {
		uint64_t room = BUF_SIZE - im->eh.phoff;
		uint64_t len = sizeof(im->ph);
		memcpy(buf + im->eh.phoff, im->ph, len < room ? len : room);
	}
	file = malloc(im->size ? im->size : 1);
	CU_ASSERT_FATAL(file != NULL);
	memcpy(file, buf, im->size);
	return file;
}

static int check_image(const struct image *im, struct sb_elf_plan *plan)
{
	uint8_t *file = serialize(im);
	int err = sb_elf_check(file, im->size, EXO_USER_MIN, EXO_USER_MAX, plan);
	free(file);
	return err;
}

static void test_valid(void)
{
	struct image im;
	struct sb_elf_plan plan;

	valid_image(&im);
	CU_ASSERT_EQUAL_FATAL(check_image(&im, &plan), SB_ELF_OK);
	CU_ASSERT_EQUAL(plan.entry, ENTRY);
	CU_ASSERT_EQUAL_FATAL(plan.nseg, 2);
	CU_ASSERT_EQUAL(plan.seg[0].vaddr, TEXT_VADDR);
	CU_ASSERT_EQUAL(plan.seg[0].memsz, TEXT_SIZE);
	CU_ASSERT_EQUAL(plan.seg[0].offset, 0);
	CU_ASSERT_EQUAL(plan.seg[0].filesz, TEXT_SIZE);
	CU_ASSERT_EQUAL(plan.seg[0].perm, EXO_PERM_R | EXO_PERM_X);
	CU_ASSERT_EQUAL(plan.seg[1].vaddr, DATA_VADDR);
	CU_ASSERT_EQUAL(plan.seg[1].memsz, DATA_MEMSZ);
	CU_ASSERT_EQUAL(plan.seg[1].offset, DATA_OFFSET);
	CU_ASSERT_EQUAL(plan.seg[1].filesz, DATA_FILESZ);
	CU_ASSERT_EQUAL(plan.seg[1].perm, EXO_PERM_R | EXO_PERM_W);
}

/* Each mutation is the smallest change to the valid image that should
 * trip exactly one check. (One line each reads best as a table, which
 * clang-format would reflow.) */
/* clang-format off */
typedef void (*mutate_fn)(struct image *);

#define MUT(name, ...)                                                           \
	static void name(struct image *im)                                     \
	{                                                                      \
		__VA_ARGS__;                                                   \
	}

MUT(m_none, (void)im)
MUT(m_short_header, im->size = sizeof(struct t_ehdr) - 1)
MUT(m_empty_file, im->size = 0)
MUT(m_bad_magic, im->eh.ident[1] = 'e')
MUT(m_class32, im->eh.ident[4] = 1)
MUT(m_big_endian, im->eh.ident[5] = 2)
MUT(m_ident_version, im->eh.ident[6] = 0)
MUT(m_e_version, im->eh.version = 2)
MUT(m_i386, im->eh.machine = 3)
MUT(m_pie, im->eh.type = 3)
MUT(m_relocatable, im->eh.type = 1)
MUT(m_phentsize, im->eh.phentsize = 32)
MUT(m_phoff_past_end, im->eh.phoff = IMAGE_SIZE)
MUT(m_phoff_straddles, im->eh.phoff = IMAGE_SIZE - 100)
MUT(m_phoff_wraps, im->eh.phoff = UINT64_MAX - 56)
MUT(m_phnum_huge, im->eh.phnum = 0xfffe)
MUT(m_phnum_xnum, im->eh.phnum = 0xffff)
MUT(m_seg_past_end, im->ph[1].filesz = IMAGE_SIZE - DATA_OFFSET + 1)
MUT(m_seg_offset_past_end, im->ph[1].offset = IMAGE_SIZE + 0x1010)
MUT(m_seg_offset_wraps, {
	im->ph[1].filesz = UINT64_MAX - 0x1000;
	im->ph[1].memsz = UINT64_MAX;
})
MUT(m_filesz_gt_memsz, im->ph[1].memsz = DATA_FILESZ - 1)
MUT(m_page_zero, {
	im->ph[0].vaddr = 0;
	im->eh.entry = 0x1000;
})
MUT(m_below_user_min, im->ph[1].vaddr = EXO_USER_MIN - 0x1000 + 0x10)
MUT(m_kernel_half, im->ph[1].vaddr = 0xffffffff80003010ULL)
MUT(m_noncanonical, im->ph[1].vaddr = 0x0000800000000010ULL)
MUT(m_crosses_user_max, im->ph[1].vaddr = EXO_USER_MAX - 0x1000 + 0x10)
MUT(m_vaddr_wraps, {
	im->ph[1].vaddr = 0xfffffffffffff010ULL;
	im->ph[1].memsz = 0x2000;
})
MUT(m_memsz_huge, im->ph[1].memsz = UINT64_MAX)
MUT(m_misaligned, im->ph[1].vaddr = DATA_VADDR + 8)
MUT(m_overlap_bytes, im->ph[1].vaddr = TEXT_VADDR + 0x1010)
MUT(m_overlap_page, { /* no byte in common, but the page 0x401000 */
	im->ph[1].vaddr = TEXT_VADDR + TEXT_SIZE + 0x10;
	im->ph[1].offset = TEXT_SIZE + 0x10;
})
MUT(m_adjacent_pages, im->ph[1].vaddr = TEXT_VADDR + 0x2010)        /* next page: fine */
MUT(m_no_loads, {
	im->ph[0].type = PT_NOTE;
	im->ph[1].type = PT_NOTE;
})
MUT(m_phnum_zero, im->eh.phnum = 0)
MUT(m_loads_empty, {
	im->ph[0].memsz = im->ph[0].filesz = 0;
	im->ph[1].memsz = im->ph[1].filesz = 0;
})
MUT(m_empty_load_garbage, {
	/* memsz 0: ignored, however wild the rest. */
	im->ph[2] = phdr(PT_LOAD, PF_X, UINT64_MAX, UINT64_MAX, 0, 0);
})
MUT(m_other_type_garbage, {
	im->ph[2] = phdr(PT_NOTE, 0, UINT64_MAX, 0, UINT64_MAX, UINT64_MAX);
})
MUT(m_entry_in_data, im->eh.entry = DATA_VADDR)
MUT(m_entry_past_text, im->eh.entry = TEXT_VADDR + TEXT_SIZE) /* same page, past memsz */
MUT(m_entry_zero, im->eh.entry = 0)
MUT(m_entry_text_not_x, im->ph[0].flags = PF_R)
MUT(m_entry_data_x, {
	im->ph[1].flags = PF_R | PF_X;
	im->eh.entry = DATA_VADDR + DATA_MEMSZ - 1;
})

/* n PT_LOAD segments, one page each, on separate pages. */
static void many_loads(struct image *im, unsigned n)
{
	im->eh.phnum = n;
	for (unsigned i = 0; i < n; i++)
		im->ph[i] = phdr(PT_LOAD, PF_R | PF_X, 0, TEXT_VADDR + 0x1000 * i, 0x100, 0x100);
	im->eh.entry = TEXT_VADDR;
}
MUT(m_max_segs, many_loads(im, SB_ELF_MAX_SEGS))
MUT(m_too_many_segs, many_loads(im, SB_ELF_MAX_SEGS + 1))
/* clang-format on */

static const struct {
	const char *name;
	mutate_fn mutate;
	int err;
} mutations[] = {
	{ "none", m_none, SB_ELF_OK },
	{ "63-byte file", m_short_header, SB_ELF_TRUNCATED },
	{ "empty file", m_empty_file, SB_ELF_TRUNCATED },
	{ "bad magic", m_bad_magic, SB_ELF_NOT_ELF },
	{ "ELFCLASS32", m_class32, SB_ELF_NOT_64 },
	{ "big-endian", m_big_endian, SB_ELF_NOT_LE },
	{ "EI_VERSION 0", m_ident_version, SB_ELF_BAD_VERSION },
	{ "e_version 2", m_e_version, SB_ELF_BAD_VERSION },
	{ "EM_386", m_i386, SB_ELF_WRONG_MACHINE },
	{ "ET_DYN", m_pie, SB_ELF_NOT_EXEC },
	{ "ET_REL", m_relocatable, SB_ELF_NOT_EXEC },
	{ "e_phentsize 32", m_phentsize, SB_ELF_BAD_PHDRS },
	{ "phoff at end", m_phoff_past_end, SB_ELF_BAD_PHDRS },
	{ "phdrs straddle end", m_phoff_straddles, SB_ELF_BAD_PHDRS },
	{ "phoff + size wraps", m_phoff_wraps, SB_ELF_BAD_PHDRS },
	{ "phnum 0xfffe", m_phnum_huge, SB_ELF_BAD_PHDRS },
	{ "phnum PN_XNUM", m_phnum_xnum, SB_ELF_BAD_PHDRS },
	{ "filesz past end", m_seg_past_end, SB_ELF_SEG_TRUNCATED },
	{ "offset past end", m_seg_offset_past_end, SB_ELF_SEG_TRUNCATED },
	{ "offset + filesz wraps", m_seg_offset_wraps, SB_ELF_SEG_TRUNCATED },
	{ "filesz > memsz", m_filesz_gt_memsz, SB_ELF_SEG_SIZE },
	{ "vaddr page 0", m_page_zero, SB_ELF_SEG_RANGE },
	{ "vaddr below user_min", m_below_user_min, SB_ELF_SEG_RANGE },
	{ "vaddr kernel half", m_kernel_half, SB_ELF_SEG_RANGE },
	{ "vaddr non-canonical", m_noncanonical, SB_ELF_SEG_RANGE },
	{ "crosses user_max", m_crosses_user_max, SB_ELF_SEG_RANGE },
	{ "vaddr + memsz wraps", m_vaddr_wraps, SB_ELF_SEG_RANGE },
	{ "memsz 2^64-1", m_memsz_huge, SB_ELF_SEG_RANGE },
	{ "vaddr % 4096 != offset % 4096", m_misaligned, SB_ELF_SEG_ALIGN },
	{ "overlapping bytes", m_overlap_bytes, SB_ELF_SEG_OVERLAP },
	{ "sharing a page", m_overlap_page, SB_ELF_SEG_OVERLAP },
	{ "adjacent pages", m_adjacent_pages, SB_ELF_OK },
	{ "no PT_LOAD", m_no_loads, SB_ELF_NO_SEGS },
	{ "phnum 0", m_phnum_zero, SB_ELF_NO_SEGS },
	{ "only empty loads", m_loads_empty, SB_ELF_NO_SEGS },
	{ "empty load ignored", m_empty_load_garbage, SB_ELF_OK },
	{ "other type ignored", m_other_type_garbage, SB_ELF_OK },
	{ "entry in data", m_entry_in_data, SB_ELF_BAD_ENTRY },
	{ "entry past text", m_entry_past_text, SB_ELF_BAD_ENTRY },
	{ "entry 0", m_entry_zero, SB_ELF_BAD_ENTRY },
	{ "text not PF_X", m_entry_text_not_x, SB_ELF_BAD_ENTRY },
	{ "entry at end of X data", m_entry_data_x, SB_ELF_OK },
	{ "16 loads", m_max_segs, SB_ELF_OK },
	{ "17 loads", m_too_many_segs, SB_ELF_TOO_MANY_SEGS },
};

static void test_mutations(void)
{
	bool seen[SB_ELF_NERRORS] = { false };

	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		struct image im;
		struct sb_elf_plan plan;
		int err;

		valid_image(&im);
		mutations[i].mutate(&im);
		err = check_image(&im, &plan);
		if (err != mutations[i].err) {
			fprintf(stderr, "\nelf mutation \"%s\": want %d, got %d\n",
				mutations[i].name, mutations[i].err, err);
			CU_FAIL("mutation gave the wrong error");
			continue;
		}
		CU_ASSERT_TRUE(err >= 0 && err < SB_ELF_NERRORS);
		seen[err] = true;
		if (err != SB_ELF_OK) {
			/* A refused image leaves nothing half-filled. */
			CU_ASSERT_EQUAL(plan.nseg, 0);
			CU_ASSERT_EQUAL(plan.entry, 0);
		}
	}
	/* The table reaches every error code. */
	for (int e = 0; e < SB_ELF_NERRORS; e++)
		CU_ASSERT_TRUE(seen[e]);
}

/* A segment ending exactly at user_max is inside, and the whole range is
 * honoured; one byte more is not. */
static void test_user_max_edge(void)
{
	struct image im;
	struct sb_elf_plan plan;

	valid_image(&im);
	im.ph[1].vaddr = EXO_USER_MAX - DATA_MEMSZ;
	im.ph[1].offset = 0x2000;
	CU_ASSERT_EQUAL(check_image(&im, &plan), SB_ELF_OK);
	im.ph[1].memsz++;
	CU_ASSERT_EQUAL(check_image(&im, &plan), SB_ELF_SEG_RANGE);

	/* A custom window: the same image refused when text is below it. */
	valid_image(&im);
	uint8_t *file = serialize(&im);
	CU_ASSERT_EQUAL(sb_elf_check(file, im.size, 0x401000, EXO_USER_MAX, &plan),
			SB_ELF_SEG_RANGE);
	CU_ASSERT_EQUAL(sb_elf_check(file, im.size, 0x400000, 0x405010, &plan), SB_ELF_OK);
	CU_ASSERT_EQUAL(sb_elf_check(file, im.size, 0x400000, 0x40500f, &plan), SB_ELF_SEG_RANGE);
	/* Upper half window: no wrap when vaddr + memsz reaches 2^64 - 1. */
	free(file);
	valid_image(&im);
	im.ph[0].vaddr = 0xffffffffffffe000ULL;
	im.ph[0].memsz = im.ph[0].filesz = 0x1fff;
	im.eh.entry = 0xffffffffffffeffeULL;
	im.eh.phnum = 1;
	file = serialize(&im);
	CU_ASSERT_EQUAL(sb_elf_check(file, im.size, 0x1000, UINT64_MAX, &plan), SB_ELF_OK);
	free(file);
}

/* Every prefix of the valid image, in a block of exactly that size: no
 * read past the end (ASan), and success exactly when the file data of
 * every segment is present. */
static void test_prefixes(void)
{
	struct image im;
	uint8_t *full;

	valid_image(&im);
	full = serialize(&im);
	for (uint64_t len = 0; len <= im.size; len++) {
		struct sb_elf_plan plan;
		uint8_t *p = malloc(len ? len : 1);
		int err;

		CU_ASSERT_FATAL(p != NULL);
		memcpy(p, full, len);
		err = sb_elf_check(p, len, EXO_USER_MIN, EXO_USER_MAX, &plan);
		free(p);
		/* CUnit's asserts are blocks: braces keep the else chain legal. */
		if (len < sizeof(struct t_ehdr)) {
			CU_ASSERT_EQUAL(err, SB_ELF_TRUNCATED);
		} else if (len < sizeof(struct t_ehdr) + 3 * sizeof(struct t_phdr)) {
			CU_ASSERT_EQUAL(err, SB_ELF_BAD_PHDRS);
		} else if (len < IMAGE_NEEDED) {
			CU_ASSERT_EQUAL(err, SB_ELF_SEG_TRUNCATED);
		} else {
			CU_ASSERT_EQUAL(err, SB_ELF_OK);
		}
	}
	free(full);
}

/* The header need not be aligned: check it at every offset mod 8. */
static void test_unaligned(void)
{
	struct image im;
	uint8_t *full, *p;

	valid_image(&im);
	full = serialize(&im);
	p = malloc(im.size + 8);
	CU_ASSERT_FATAL(p != NULL);
	for (unsigned shift = 0; shift < 8; shift++) {
		struct sb_elf_plan plan;

		memcpy(p + shift, full, im.size);
		CU_ASSERT_EQUAL(sb_elf_check(p + shift, im.size, EXO_USER_MIN, EXO_USER_MAX, &plan),
				SB_ELF_OK);
		CU_ASSERT_EQUAL(plan.nseg, 2);
	}
	free(p);
	free(full);
}

/* Random byte corruption of the headers: never a stray read (ASan), and
 * anything accepted really satisfies the plan's promises. */
static void test_fuzz_headers(void)
{
	struct image im;
	uint8_t *full;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	const unsigned hdr_bytes = sizeof(struct t_ehdr) + 3 * sizeof(struct t_phdr);

	valid_image(&im);
	full = serialize(&im);
	for (unsigned iter = 0; iter < 20000; iter++) {
		uint8_t *p = malloc(im.size);
		struct sb_elf_plan plan;
		int err;

		CU_ASSERT_FATAL(p != NULL);
		memcpy(p, full, im.size);
		for (unsigned k = 0; k < 1 + iter % 4; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			p[(rng >> 33) % hdr_bytes] = (uint8_t)(rng >> 17);
		}
		err = sb_elf_check(p, im.size, EXO_USER_MIN, EXO_USER_MAX, &plan);
		free(p);
		CU_ASSERT_TRUE(err >= 0 && err < SB_ELF_NERRORS);
		if (err != SB_ELF_OK)
			continue;
		CU_ASSERT_TRUE(plan.nseg >= 1 && plan.nseg <= SB_ELF_MAX_SEGS);
		bool entry_ok = false;
		for (unsigned i = 0; i < plan.nseg; i++) {
			const struct sb_elf_seg *s = &plan.seg[i];
			CU_ASSERT_TRUE(s->offset <= im.size && s->filesz <= im.size - s->offset);
			CU_ASSERT_TRUE(s->filesz <= s->memsz && s->memsz > 0);
			CU_ASSERT_TRUE(s->vaddr >= EXO_USER_MIN && s->vaddr < EXO_USER_MAX &&
				       s->memsz <= EXO_USER_MAX - s->vaddr);
			CU_ASSERT_EQUAL(s->vaddr % 4096, s->offset % 4096);
			if ((s->perm & EXO_PERM_X) && plan.entry >= s->vaddr &&
			    plan.entry < s->vaddr + s->memsz)
				entry_ok = true;
		}
		CU_ASSERT_TRUE(entry_ok);
	}
	free(full);
}

static void test_strerror(void)
{
	static const char *const want[] = {
		"ok",
		"file too short for an ELF header",
		"not an ELF file",
		"not a 64-bit ELF file",
		"not little-endian",
		"unknown ELF version",
		"wrong machine (not x86-64)",
		"not a static executable (ET_EXEC)",
		"program header table outside the file",
		"segment extends past the end of the file (truncated?)",
		"segment file size larger than memory size",
		"segment outside user memory (overlaps the kernel?)",
		"segments overlap each other",
		"segment misaligned",
		"too many loadable segments",
		"no loadable segment",
		"entry point outside executable segments",
	};
	_Static_assert(sizeof(want) / sizeof(want[0]) == SB_ELF_NERRORS, "one per error");

	for (int e = 0; e < SB_ELF_NERRORS; e++)
		CU_ASSERT_STRING_EQUAL(sb_elf_strerror(e), want[e]);
	CU_ASSERT_STRING_EQUAL(sb_elf_strerror(-1), "unknown ELF error");
	CU_ASSERT_STRING_EQUAL(sb_elf_strerror(SB_ELF_NERRORS), "unknown ELF error");
	CU_ASSERT_STRING_EQUAL(sb_elf_strerror(1000), "unknown ELF error");
}

static CU_TestInfo elf_tests[] = {
	{ "valid two-segment image", test_valid },
	{ "one mutation per error", test_mutations },
	{ "user window edges", test_user_max_edge },
	{ "every prefix", test_prefixes },
	{ "unaligned image", test_unaligned },
	{ "corrupted headers", test_fuzz_headers },
	{ "messages", test_strerror },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(elf, elf_tests);
