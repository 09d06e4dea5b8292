/*
 * test_multiboot2.c - host tests of mb2_parse (exokernel/multiboot2.c).
 *
 * Boot information is built tag by tag in a buffer, as GRUB would lay it
 * out (Multiboot2 spec §3.6), then handed to the parser in a malloc block
 * of exactly the bytes it may read, so AddressSanitizer (run-tests-san)
 * catches any read outside.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/error.h>

#include "multiboot2.h"
#include "unit.h"

#define BUF_SIZE 8192

struct mbi {
	uint8_t buf[BUF_SIZE] __attribute__((aligned(8)));
	uint32_t len; /* bytes written so far; tags start 8-aligned */
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void mbi_begin(struct mbi *m)
{
	memset(m->buf, 0, sizeof(m->buf));
	m->len = 8; /* total_size, reserved: filled by mbi_end */
}

/* Append a tag with len bytes of payload but a declared size of size
 * (normally 8 + len); returns its offset. */
static uint32_t mbi_tag_sized(struct mbi *m, uint32_t type, const void *payload, uint32_t len,
			      uint32_t size)
{
	uint32_t at = m->len;

	CU_ASSERT_FATAL(at + 8 + len + 8 <= BUF_SIZE);
	put32(m->buf + at, type);
	put32(m->buf + at + 4, size);
	if (len)
		memcpy(m->buf + at + 8, payload, len);
	m->len = (at + 8 + len + 7) & ~7u;
	return at;
}

static uint32_t mbi_tag(struct mbi *m, uint32_t type, const void *payload, uint32_t len)
{
	return mbi_tag_sized(m, type, payload, len, 8 + len);
}

static void mbi_string(struct mbi *m, uint32_t type, const char *s)
{
	mbi_tag(m, type, s, strlen(s) + 1);
}

static void mbi_module(struct mbi *m, uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[256];
	size_t n = strlen(s) + 1;

	CU_ASSERT_FATAL(8 + n <= sizeof(p));
	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, s, n);
	mbi_tag(m, 3, p, 8 + n);
}

/* A memory map tag of n entries, each esize bytes (>= 24). */
static void mbi_mmap(struct mbi *m, const struct bootmem_entry *e, unsigned n, uint32_t esize)
{
	static uint8_t p[BUF_SIZE];

	memset(p, 0xee, sizeof(p));
	put32(p, esize);
	put32(p + 4, 0);
	for (unsigned i = 0; i < n; i++) {
		put64(p + 8 + i * esize, e[i].base);
		put64(p + 8 + i * esize + 8, e[i].len);
		put32(p + 8 + i * esize + 16, e[i].type);
		put32(p + 8 + i * esize + 20, 0);
	}
	mbi_tag(m, 6, p, 8 + n * esize);
}

/* End tag, then total_size. */
static void mbi_end(struct mbi *m)
{
	mbi_tag(m, 0, NULL, 0);
	put32(m->buf, m->len);
}

/* Parse a malloc copy of exactly limit bytes; the copy is kept in *copy
 * (pointers in *out point into it) and freed by the caller. */
static int parse_copy(const struct mbi *m, uint64_t limit, struct mb2_info *out, uint8_t **copy)
{
	*copy = malloc(limit ? limit : 1);
	CU_ASSERT_FATAL(*copy != NULL);
	memcpy(*copy, m->buf, limit);
	return mb2_parse(*copy, limit, out);
}

static bool points_into(const void *p, const uint8_t *buf, uint64_t len)
{
	return (const uint8_t *)p >= buf && (const uint8_t *)p < buf + len;
}

static const struct bootmem_entry mmap3[] = {
	{ 0x0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0x100000, 0x1fee0000, 1 },
};

static const uint8_t rsdp_v1[20] = "RSD PTR \x42OEMID\x00";
static const uint8_t rsdp_v2[36] = "RSD PTR \x17OEMID\x02";

static void test_full(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;
	uint32_t unknown[2] = { 0x100000, 0 };

	mbi_begin(&m);
	mbi_string(&m, 1, "console=ttyS0 test=elf");
	mbi_string(&m, 2, "GRUB 2.06");
	mbi_module(&m, 0x200000, 0x210000, "init arg1");
	mbi_tag(&m, 21, unknown, sizeof(unknown)); /* load base: skipped */
	mbi_module(&m, 0x300000, 0x300500, "fs.img");
	mbi_mmap(&m, mmap3, 3, 24);
	mbi_tag(&m, 14, rsdp_v1, sizeof(rsdp_v1));
	mbi_tag(&m, 15, rsdp_v2, sizeof(rsdp_v2));
	mbi_end(&m);

	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.total_size, m.len);
	CU_ASSERT_FALSE(info.truncated);
	CU_ASSERT_STRING_EQUAL(info.cmdline, "console=ttyS0 test=elf");
	CU_ASSERT_TRUE(points_into(info.cmdline, copy, m.len));
	CU_ASSERT_STRING_EQUAL(info.loader, "GRUB 2.06");
	CU_ASSERT_EQUAL_FATAL(info.nmods, 2);
	CU_ASSERT_EQUAL(info.mods[0].start, 0x200000);
	CU_ASSERT_EQUAL(info.mods[0].end, 0x210000);
	CU_ASSERT_STRING_EQUAL(info.mods[0].cmdline, "init arg1");
	CU_ASSERT_EQUAL(info.mods[1].start, 0x300000);
	CU_ASSERT_EQUAL(info.mods[1].end, 0x300500);
	CU_ASSERT_STRING_EQUAL(info.mods[1].cmdline, "fs.img");
	CU_ASSERT_EQUAL_FATAL(info.nmmap, 3);
	for (unsigned i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(info.mmap[i].base, mmap3[i].base);
		CU_ASSERT_EQUAL(info.mmap[i].len, mmap3[i].len);
		CU_ASSERT_EQUAL(info.mmap[i].type, mmap3[i].type);
	}
	/* The new RSDP wins over the old one. */
	CU_ASSERT_EQUAL(info.rsdp_len, 36);
	CU_ASSERT_TRUE(points_into(info.rsdp, copy, m.len));
	CU_ASSERT_EQUAL(memcmp(info.rsdp, rsdp_v2, 36), 0);
	free(copy);
}

/* Tag 14 alone is used; tag 15 wins even when it comes first. */
static void test_rsdp_choice(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;

	mbi_begin(&m);
	mbi_tag(&m, 14, rsdp_v1, sizeof(rsdp_v1));
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.rsdp_len, 20);
	CU_ASSERT_EQUAL(memcmp(info.rsdp, rsdp_v1, 20), 0);
	CU_ASSERT_FALSE(info.truncated);
	free(copy);

	mbi_begin(&m);
	mbi_tag(&m, 15, rsdp_v2, sizeof(rsdp_v2));
	mbi_tag(&m, 14, rsdp_v1, sizeof(rsdp_v1));
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.rsdp_len, 36);
	CU_ASSERT_EQUAL(memcmp(info.rsdp, rsdp_v2, 36), 0);
	free(copy);

	/* Too short to be an RSDP: ignored, and the old one is used. */
	mbi_begin(&m);
	mbi_tag(&m, 14, rsdp_v1, sizeof(rsdp_v1));
	mbi_tag(&m, 15, rsdp_v2, 20);
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.rsdp_len, 20);
	CU_ASSERT_TRUE(info.truncated);
	free(copy);

	/* None at all. */
	mbi_begin(&m);
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_PTR_NULL(info.rsdp);
	CU_ASSERT_EQUAL(info.rsdp_len, 0);
	CU_ASSERT_STRING_EQUAL(info.cmdline, "");
	CU_ASSERT_STRING_EQUAL(info.loader, "");
	CU_ASSERT_EQUAL(info.nmods, 0);
	CU_ASSERT_EQUAL(info.nmmap, 0);
	CU_ASSERT_FALSE(info.truncated);
	free(copy);
}

/* Larger map entries (entry_size 32) are stepped over by entry_size; a
 * too-small entry_size or a partial last entry is refused. */
static void test_mmap_shapes(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;

	mbi_begin(&m);
	mbi_mmap(&m, mmap3, 3, 32);
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL_FATAL(info.nmmap, 3);
	CU_ASSERT_EQUAL(info.mmap[2].base, 0x100000);
	CU_ASSERT_EQUAL(info.mmap[2].len, 0x1fee0000);
	CU_ASSERT_EQUAL(info.mmap[2].type, 1);
	CU_ASSERT_FALSE(info.truncated);
	free(copy);

	mbi_begin(&m);
	mbi_mmap(&m, mmap3, 3, 24);
	put32(m.buf + 8 + 8, 16); /* entry_size */
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.nmmap, 0);
	CU_ASSERT_TRUE(info.truncated);
	free(copy);

	/* A huge entry_size: no entry fits, nothing read. */
	mbi_begin(&m);
	mbi_mmap(&m, mmap3, 3, 24);
	put32(m.buf + 8 + 8, UINT32_MAX);
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.nmmap, 0);
	CU_ASSERT_TRUE(info.truncated);
	free(copy);

	/* Tag size cuts the third entry short. */
	mbi_begin(&m);
	mbi_mmap(&m, mmap3, 3, 24);
	put32(m.buf + 8 + 4, 16 + 2 * 24 + 20);
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.nmmap, 2);
	CU_ASSERT_TRUE(info.truncated);
	free(copy);
}

static void test_mmap_overflow(void)
{
	static struct mbi m;
	static struct bootmem_entry many[MB2_MAX_MMAP + 5];
	struct mb2_info info;
	uint8_t *copy;

	for (unsigned i = 0; i < MB2_MAX_MMAP + 5; i++)
		many[i] = (struct bootmem_entry){ i * 0x1000ULL, 0x1000, 1 + i % 2 };
	mbi_begin(&m);
	mbi_mmap(&m, many, MB2_MAX_MMAP - 2, 24);
	mbi_mmap(&m, many + MB2_MAX_MMAP - 2, 7, 24); /* a second tag appends */
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL_FATAL(info.nmmap, MB2_MAX_MMAP);
	CU_ASSERT_TRUE(info.truncated);
	CU_ASSERT_EQUAL(info.mmap[MB2_MAX_MMAP - 1].base, (MB2_MAX_MMAP - 1) * 0x1000ULL);
	free(copy);
}

/* A tag shorter than its own header stops the walk: tags before it count,
 * tags after it do not. */
static void test_tag_too_small(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;

	for (uint32_t bad = 0; bad < 8; bad++) {
		mbi_begin(&m);
		mbi_string(&m, 1, "before");
		mbi_tag_sized(&m, 21, "xxxxxxxx", 8, bad);
		mbi_string(&m, 2, "after");
		mbi_end(&m);
		CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
		CU_ASSERT_TRUE(info.truncated);
		CU_ASSERT_STRING_EQUAL(info.cmdline, "before");
		CU_ASSERT_STRING_EQUAL(info.loader, "");
		free(copy);
	}
}

/* A tag whose size runs past total_size is not read at all. */
static void test_tag_past_end(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;
	uint32_t at;

	mbi_begin(&m);
	mbi_string(&m, 2, "GRUB");
	at = mbi_tag(&m, 1, "cmdline", 8);
	mbi_end(&m);
	put32(m.buf + at + 4, m.len - at + 1); /* one byte past the end */
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_TRUE(info.truncated);
	CU_ASSERT_STRING_EQUAL(info.loader, "GRUB");
	CU_ASSERT_STRING_EQUAL(info.cmdline, "");
	free(copy);

	/* Size 0xffffffff: no wrap. */
	put32(m.buf + at + 4, UINT32_MAX);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_TRUE(info.truncated);
	CU_ASSERT_STRING_EQUAL(info.cmdline, "");
	free(copy);

	/* No end tag: total_size ends right after the last tag. */
	mbi_begin(&m);
	mbi_string(&m, 1, "no end");
	put32(m.buf, m.len);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_TRUE(info.truncated);
	CU_ASSERT_STRING_EQUAL(info.cmdline, "no end");
	free(copy);
}

static void test_bad_header(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;

	mbi_begin(&m);
	mbi_string(&m, 1, "x");
	mbi_end(&m);

	/* total_size > limit */
	CU_ASSERT_EQUAL(parse_copy(&m, m.len - 1, &info, &copy), -EXO_EINVAL);
	CU_ASSERT_STRING_EQUAL(info.cmdline, "");
	CU_ASSERT_STRING_EQUAL(info.loader, "");
	CU_ASSERT_EQUAL(info.nmods, 0);
	free(copy);
	/* limit too small for the header itself */
	for (uint64_t limit = 0; limit < 8; limit++) {
		CU_ASSERT_EQUAL(parse_copy(&m, limit, &info, &copy), -EXO_EINVAL);
		free(copy);
	}
	/* total_size below header + end tag */
	for (uint32_t t = 0; t < 16; t++) {
		put32(m.buf, t);
		CU_ASSERT_EQUAL(parse_copy(&m, 16, &info, &copy), -EXO_EINVAL);
		free(copy);
	}
	put32(m.buf, UINT32_MAX);
	CU_ASSERT_EQUAL(parse_copy(&m, m.len, &info, &copy), -EXO_EINVAL);
	free(copy);

	/* A nonzero reserved field is fine; limit may exceed total_size. */
	mbi_begin(&m);
	mbi_string(&m, 1, "x");
	mbi_end(&m);
	put32(m.buf + 4, 0xdeadbeef);
	CU_ASSERT_EQUAL(parse_copy(&m, m.len + 100, &info, &copy), 0);
	CU_ASSERT_STRING_EQUAL(info.cmdline, "x");
	free(copy);
}

/* Strings without a NUL inside their tag read as "". */
static void test_unterminated(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;
	uint8_t mod[8 + 4];

	put32(mod, 0x1000);
	put32(mod + 4, 0x2000);
	memcpy(mod + 8, "abcd", 4);
	mbi_begin(&m);
	mbi_tag(&m, 1, "abcdefgh", 8); /* padding after it is zero, but outside */
	mbi_tag(&m, 2, "GRUB", 4);
	mbi_tag(&m, 3, mod, sizeof(mod));
	mbi_tag(&m, 3, mod, 8); /* module with no string bytes at all */
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_STRING_EQUAL(info.cmdline, "");
	CU_ASSERT_STRING_EQUAL(info.loader, "");
	CU_ASSERT_EQUAL_FATAL(info.nmods, 2);
	CU_ASSERT_EQUAL(info.mods[0].start, 0x1000);
	CU_ASSERT_STRING_EQUAL(info.mods[0].cmdline, "");
	CU_ASSERT_STRING_EQUAL(info.mods[1].cmdline, "");
	CU_ASSERT_FALSE(info.truncated);
	free(copy);
}

static void test_modules(void)
{
	static struct mbi m;
	struct mb2_info info;
	uint8_t *copy;
	uint8_t shortmod[4] = { 1, 2, 3, 4 };

	/* More than fit: the first MB2_MAX_MODULES are kept. */
	mbi_begin(&m);
	for (unsigned i = 0; i < MB2_MAX_MODULES + 3; i++)
		mbi_module(&m, 0x100000 * (i + 1), 0x100000 * (i + 1) + 0x1000, "m");
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL(info.nmods, MB2_MAX_MODULES);
	CU_ASSERT_TRUE(info.truncated);
	CU_ASSERT_EQUAL(info.mods[MB2_MAX_MODULES - 1].start, 0x100000ULL * MB2_MAX_MODULES);
	free(copy);

	/* end < start is recorded as given; a tag too short for mod_start and
	 * mod_end is skipped and reported. */
	mbi_begin(&m);
	mbi_module(&m, 0x5000, 0x4000, "backwards");
	mbi_tag(&m, 3, shortmod, sizeof(shortmod));
	mbi_end(&m);
	CU_ASSERT_EQUAL_FATAL(parse_copy(&m, m.len, &info, &copy), 0);
	CU_ASSERT_EQUAL_FATAL(info.nmods, 1);
	CU_ASSERT_EQUAL(info.mods[0].start, 0x5000);
	CU_ASSERT_EQUAL(info.mods[0].end, 0x4000);
	CU_ASSERT_STRING_EQUAL(info.mods[0].cmdline, "backwards");
	CU_ASSERT_TRUE(info.truncated);
	free(copy);
}

/* Build a full structure, then: every total_size from 0 up, in a block of
 * exactly that many bytes; and random corruption of every byte. Nothing
 * may be read outside (ASan), and what comes back must point inside. */
static void check_inside(const struct mb2_info *info, const uint8_t *buf, uint64_t len)
{
	CU_ASSERT_TRUE(info->nmods <= MB2_MAX_MODULES);
	CU_ASSERT_TRUE(info->nmmap <= MB2_MAX_MMAP);
	CU_ASSERT_TRUE(*info->cmdline == '\0' || points_into(info->cmdline, buf, len));
	CU_ASSERT_TRUE(*info->loader == '\0' || points_into(info->loader, buf, len));
	if (info->rsdp) {
		CU_ASSERT_TRUE(points_into(info->rsdp, buf, len));
		CU_ASSERT_TRUE(info->rsdp_len <= len - ((const uint8_t *)info->rsdp - buf));
	}
	for (unsigned i = 0; i < info->nmods; i++)
		CU_ASSERT_TRUE(*info->mods[i].cmdline == '\0' ||
			       points_into(info->mods[i].cmdline, buf, len));
}

static void test_hostile(void)
{
	static struct mbi m;
	uint64_t rng = 0x3c6ef372fe94f82bULL;

	mbi_begin(&m);
	mbi_string(&m, 1, "console=ttyS0");
	mbi_string(&m, 2, "GRUB 2.06");
	mbi_module(&m, 0x200000, 0x210000, "init");
	mbi_mmap(&m, mmap3, 3, 24);
	mbi_tag(&m, 14, rsdp_v1, sizeof(rsdp_v1));
	mbi_tag(&m, 15, rsdp_v2, sizeof(rsdp_v2));
	mbi_end(&m);

	const uint32_t full = m.len;
	for (uint32_t t = 0; t <= full; t++) {
		struct mb2_info info;
		uint8_t *copy;
		int err;

		put32(m.buf, t);
		err = parse_copy(&m, t, &info, &copy);
		CU_ASSERT_EQUAL(err, t < 16 ? -EXO_EINVAL : 0);
		if (err == 0) {
			check_inside(&info, copy, t);
			CU_ASSERT_EQUAL(info.truncated, t < full);
		}
		free(copy);
	}
	put32(m.buf, full);

	for (unsigned iter = 0; iter < 20000; iter++) {
		struct mb2_info info;
		uint8_t *copy = malloc(full);

		CU_ASSERT_FATAL(copy != NULL);
		memcpy(copy, m.buf, full);
		for (unsigned k = 0; k < 1 + iter % 4; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			/* Bytes 0-3 (total_size) are left alone half the time. */
			uint32_t at = (rng >> 33) % full;
			if (at >= 4 || iter % 2)
				copy[at] = (uint8_t)(rng >> 17);
		}
		if (mb2_parse(copy, full, &info) == 0)
			check_inside(&info, copy, full);
		free(copy);
	}
}

static CU_TestInfo multiboot2_tests[] = {
	{ "cmdline, loader, modules, mmap, RSDP", test_full },
	{ "which RSDP", test_rsdp_choice },
	{ "mmap entry sizes", test_mmap_shapes },
	{ "more mmap entries than fit", test_mmap_overflow },
	{ "tag size below 8", test_tag_too_small },
	{ "tag past total_size", test_tag_past_end },
	{ "malformed header", test_bad_header },
	{ "unterminated strings", test_unterminated },
	{ "modules", test_modules },
	{ "truncated and corrupted", test_hostile },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(multiboot2, multiboot2_tests);
