/*
 * test_disk.c - host tests of the on-disk ownership region
 * (secure-bindings/disk.c): CRC-32C and SHA-256 against published
 * vectors, the layout, sealing, and every error of every check, each
 * provoked by a hostile or damaged block.
 *
 * Every block is handed over in a malloc block of exactly 4096 bytes (and
 * hash inputs in one of exactly their length), so AddressSanitizer
 * (run-tests-san) catches any access past an end.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "unit.h"

#define BS SB_DISK_BLOCK

static void *new_block(void)
{
	void *b = calloc(1, BS);
	CU_ASSERT_FATAL(b != NULL);
	return b;
}

/* A copy of s[0..n) in a malloc block of exactly n bytes (1 if n is 0). */
static void *exact(const void *s, size_t n)
{
	void *p = malloc(n ? n : 1);
	CU_ASSERT_FATAL(p != NULL);
	if (n)
		memcpy(p, s, n);
	return p;
}

/* --------------------------------------------------------------- CRC-32C */

static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (crc & 1 ? 0x82f63b78u : 0);
	}
	return ~crc;
}

static uint32_t crc_of(const void *s, size_t n)
{
	void *p = exact(s, n);
	uint32_t c = sb_crc32c(0, p, n);
	free(p);
	return c;
}

static void test_crc_vectors(void)
{
	uint8_t b[32];

	CU_ASSERT_EQUAL(crc_of("123456789", 9), 0xe3069283u);
	CU_ASSERT_EQUAL(crc_of("", 0), 0);
	/* RFC 3720 B.4 (listed there as the bytes on the wire, LSB first). */
	memset(b, 0, sizeof(b));
	CU_ASSERT_EQUAL(crc_of(b, 32), 0x8a9136aau);
	memset(b, 0xff, sizeof(b));
	CU_ASSERT_EQUAL(crc_of(b, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(crc_of(b, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	CU_ASSERT_EQUAL(crc_of(b, 32), 0x113fdb5cu);
}

/* Every byte value against the bitwise definition: checks the whole
 * table in disk.c. */
static void test_crc_table(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint8_t byte = (uint8_t)v;
		CU_ASSERT_EQUAL(crc_of(&byte, 1), crc_bitwise(0, &byte, 1));
	}
}

/* Any split gives the same CRC as the whole. */
static void test_crc_incremental(void)
{
	uint8_t *b = new_block();
	uint32_t whole;

	for (unsigned i = 0; i < BS; i++)
		b[i] = (uint8_t)(i * 7 + (i >> 8));
	whole = sb_crc32c(0, b, BS);
	CU_ASSERT_EQUAL(whole, crc_bitwise(0, b, BS));
	for (unsigned cut = 0; cut <= BS; cut += 97)
		CU_ASSERT_EQUAL(sb_crc32c(sb_crc32c(0, b, cut), b + cut, BS - cut), whole);
	CU_ASSERT_EQUAL(sb_crc32c(whole, b, 0), whole);
	free(b);
}

/* --------------------------------------------------------------- SHA-256 */

static bool sha_is(const void *s, size_t n, const char *hex)
{
	void *p = exact(s, n);
	uint8_t d[SB_DISK_HASH_BYTES];
	char got[65];

	sb_sha256(p, n, d);
	free(p);
	for (int i = 0; i < 32; i++)
		snprintf(got + 2 * i, 3, "%02x", d[i]);
	if (strcmp(got, hex) != 0) {
		printf("\nsha256 of %zu bytes: %s, expected %s\n", n, got, hex);
		return false;
	}
	return true;
}

/* FIPS 180-4 examples (NIST CSRC "Example Algorithms", SHA-256). */
static void test_sha_vectors(void)
{
	CU_ASSERT(sha_is("abc", 3,
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CU_ASSERT(
		sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	CU_ASSERT(sha_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
			 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	/* The empty input may come as NULL. */
	uint8_t d[32], e[32];
	sb_sha256(NULL, 0, d);
	sb_sha256("", 0, e);
	CU_ASSERT_EQUAL(memcmp(d, e, 32), 0);
}

static void test_sha_million(void)
{
	size_t n = 1000000;
	char *a = malloc(n);

	CU_ASSERT_FATAL(a != NULL);
	memset(a, 'a', n);
	CU_ASSERT(sha_is(a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	free(a);
}

/* Lengths around the padding boundaries (55/56 bytes: one or two final
 * blocks), checked against values from an independent implementation
 * (Python's hashlib). */
static void test_sha_boundaries(void)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
		{ 4096, "c93eee2d0db02f10acc7460d9576e122dcf8cd53c4bf8dfcae1b3e74ebcfff5a" },
	};
	char *a = malloc(4096);

	CU_ASSERT_FATAL(a != NULL);
	memset(a, 'a', 4096);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CU_ASSERT(sha_is(a, v[i].n, v[i].hex));
	free(a);
}

/* ---------------------------------------------------------------- layout */

static void test_layout(void)
{
	struct sb_disk_super *s = new_block();

	/* 64 MiB: 16384 blocks, 17 map blocks. */
	CU_ASSERT_EQUAL(sb_disk_layout(16384, s), 0);
	CU_ASSERT_EQUAL(s->magic, SB_DISK_MAGIC);
	CU_ASSERT_EQUAL(s->version, SB_DISK_VERSION);
	CU_ASSERT_EQUAL(s->block_size, BS);
	CU_ASSERT_EQUAL(s->nblocks, 16384);
	CU_ASSERT_EQUAL(s->owner_start, 1);
	CU_ASSERT_EQUAL(s->map_start, 2);
	CU_ASSERT_EQUAL(s->map_blocks, 17);
	CU_ASSERT_EQUAL(s->log_start, 19);
	CU_ASSERT_EQUAL(s->log_blocks, SB_DISK_LOG_BLOCKS);
	CU_ASSERT_EQUAL(s->data_start, 19 + 63);
	CU_ASSERT_EQUAL(s->crc, 0);

	/* The map grows a block at each multiple of 1023 blocks. */
	CU_ASSERT_EQUAL(sb_disk_layout(1023, s), 0);
	CU_ASSERT_EQUAL(s->map_blocks, 1);
	CU_ASSERT_EQUAL(s->data_start, 2 + 1 + 63);
	CU_ASSERT_EQUAL(sb_disk_layout(1024, s), 0);
	CU_ASSERT_EQUAL(s->map_blocks, 2);
	CU_ASSERT_EQUAL(s->data_start, 2 + 2 + 63);

	/* Smallest: 1 map block, data_start 66, 16 data blocks. */
	CU_ASSERT_EQUAL(sb_disk_layout(66 + SB_DISK_MIN_DATA, s), 0);
	CU_ASSERT_EQUAL(s->data_start, 66);
	CU_ASSERT_EQUAL(sb_disk_layout(66 + SB_DISK_MIN_DATA - 1, s), -SB_DISK_ESIZE);
	CU_ASSERT_EQUAL(s->magic, 0); /* zeroed on failure */
	CU_ASSERT_EQUAL(sb_disk_layout(0, s), -SB_DISK_ESIZE);
	CU_ASSERT_EQUAL(sb_disk_layout(1, s), -SB_DISK_ESIZE);

	/* Largest: 2^32 - 1 blocks (16 TiB). */
	CU_ASSERT_EQUAL(sb_disk_layout(0xffffffffull, s), 0);
	CU_ASSERT_EQUAL(s->map_blocks, 4198405);
	CU_ASSERT_EQUAL(s->data_start, 2 + 4198405 + 63);
	CU_ASSERT_EQUAL(sb_disk_layout(1ull << 32, s), -SB_DISK_ESIZE);
	CU_ASSERT_EQUAL(sb_disk_layout(~0ull, s), -SB_DISK_ESIZE);

	/* Entry positions. */
	CU_ASSERT_EQUAL(sb_disk_map_index(1022), 0);
	CU_ASSERT_EQUAL(sb_disk_map_index(1023), 1);
	CU_ASSERT_EQUAL(sb_disk_map_slot(1023), 0);
	CU_ASSERT_EQUAL(sb_disk_map_slot(2047), 1);
	free(s);
}

/* ------------------------------------------------------ a valid region */

#define NBLOCKS                                                    \
	2100ull /* 3 map blocks, data_start 67; the last map block \
		 * covers 2046..3068, so 2100..3068 lie past the end */

static struct sb_disk_super *good_super(uint64_t nblocks)
{
	struct sb_disk_super *s = new_block();
	CU_ASSERT_FATAL(sb_disk_layout(nblocks, s) == 0);
	sb_disk_seal(s, 'S');
	return s;
}

static void set_slot(struct sb_disk_owners *o, unsigned slot, uint8_t tag)
{
	uint8_t key[SB_DISK_KEY_BYTES];

	memset(key, tag, sizeof(key));
	sb_sha256(key, sizeof(key), o->owner[slot - 1].hash);
	snprintf(o->owner[slot - 1].name, sizeof(o->owner[slot - 1].name), "owner%u", slot);
}

/* Type slot t registered by owner slot 1 for a program "made of" tag. */
static void set_type(struct sb_disk_owners *o, unsigned t, uint8_t tag)
{
	uint8_t prog[40];

	memset(prog, tag, sizeof(prog));
	sb_sha256(prog, sizeof(prog), o->type[t - 1].hash);
	o->type[t - 1].owner = 1;
	o->type[t - 1].ninsn = 5;
}

/* Owner slots 1 and 3 taken, 2 and the rest empty; type slots 1 and 2. */
static struct sb_disk_owners *good_owners(void)
{
	struct sb_disk_owners *o = new_block();
	o->magic = SB_DISK_MAGIC;
	set_slot(o, 1, 0x11);
	set_slot(o, 3, 0x33);
	set_type(o, 1, 0x44);
	set_type(o, 2, 0x55);
	sb_disk_seal(o, 'O');
	return o;
}

/* Map block index of s: region and past-the-end entries reserved, data
 * blocks free except a few owned by slots 1 and 3. */
static struct sb_disk_map *good_map(uint64_t index, const struct sb_disk_super *s)
{
	struct sb_disk_map *m = new_block();

	for (uint32_t i = 0; i < SB_DISK_MAP_PER_BLOCK; i++) {
		uint64_t b = index * SB_DISK_MAP_PER_BLOCK + i;
		if (b < s->data_start || b >= s->nblocks)
			m->e[i] = SB_DISK_RESERVED;
		else if (b % 5 == 0)
			m->e[i] = SB_DISK_ENTRY(1, 0, 0);
		else if (b % 7 == 0)
			m->e[i] = SB_DISK_ENTRY(3, 2, SB_DISK_FRESH);
		else if (b % 11 == 0)
			m->e[i] = SB_DISK_RESERVED; /* a data block taken out of use */
	}
	sb_disk_seal(m, 'M');
	return m;
}

static void test_seal_round_trip(void)
{
	struct sb_disk_super *s = good_super(NBLOCKS);
	struct sb_disk_owners *o = good_owners();
	uint64_t bad = 99;

	CU_ASSERT_EQUAL(sb_disk_super_check(s, NBLOCKS), 0);
	CU_ASSERT_EQUAL(sb_disk_super_check(s, NBLOCKS + 1000), 0);
	CU_ASSERT_TRUE(sb_disk_crc_ok(s, 'S'));
	CU_ASSERT_EQUAL(s->crc, sb_crc32c(0, s, BS - 4));
	CU_ASSERT_EQUAL(sb_disk_owners_check(o), 0);
	CU_ASSERT_TRUE(sb_disk_crc_ok(o, 'O'));
	CU_ASSERT_EQUAL(o->crc, sb_crc32c(sb_crc32c(0, o, 60), (uint8_t *)o + 64, BS - 64));
	for (uint64_t i = 0; i < s->map_blocks; i++) {
		struct sb_disk_map *m = good_map(i, s);
		CU_ASSERT_EQUAL(sb_disk_map_check(m, i, s, o, &bad), 0);
		CU_ASSERT_EQUAL(sb_disk_map_check(m, i, s, o, NULL), 0);
		CU_ASSERT_TRUE(sb_disk_crc_ok(m, 'M'));
		CU_ASSERT_EQUAL(m->crc, sb_crc32c(0, m->e, sizeof(m->e)));
		free(m);
	}
	/* Sealing twice changes nothing; an unknown kind changes nothing. */
	uint32_t c = s->crc;
	sb_disk_seal(s, 'S');
	CU_ASSERT_EQUAL(s->crc, c);
	s->crc = 1234;
	sb_disk_seal(s, 'X');
	CU_ASSERT_EQUAL(s->crc, 1234);
	CU_ASSERT_FALSE(sb_disk_crc_ok(s, 'X'));
	free(o);
	free(s);
}

/* ------------------------------------------------------------ superblock */

static void test_super_errors(void)
{
	struct sb_disk_super *s = good_super(NBLOCKS);
	struct sb_disk_super *t = new_block();

#define FRESH_COPY() memcpy(t, s, BS)
	FRESH_COPY();
	t->magic ^= 1;
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_EMAGIC);
	FRESH_COPY();
	memset(t, 0, BS); /* an unformatted disk */
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_EMAGIC);

	FRESH_COPY();
	t->version = 2;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_EVERSION);
	FRESH_COPY();
	t->block_size = 512;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_EVERSION);

	/* A bit flip anywhere past the version fields, CRC included. */
	size_t flips[] = { 16, 40, 71, 72, 1000, BS - 5, BS - 4, BS - 1 };
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		FRESH_COPY();
		((uint8_t *)t)[flips[i]] ^= 0x10;
		CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_ECRC);
	}

	/* Resealed lies about the layout. */
	FRESH_COPY();
	t->map_blocks++;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_ELAYOUT);
	FRESH_COPY();
	t->data_start = 1;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_ELAYOUT);
	FRESH_COPY();
	t->owner_start = 0;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_ELAYOUT);
	FRESH_COPY();
	t->log_blocks = 1;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_ELAYOUT);
	FRESH_COPY();
	t->pad[100] = 1;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_ELAYOUT);
	/* nblocks changed alone: the other fields no longer follow from it. */
	FRESH_COPY();
	t->nblocks = NBLOCKS + 1023;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, ~0ull), -SB_DISK_ELAYOUT);

	/* Size: larger than the device, too small, too large. */
	CU_ASSERT_EQUAL(sb_disk_super_check(s, NBLOCKS - 1), -SB_DISK_ESIZE);
	CU_ASSERT_EQUAL(sb_disk_super_check(s, 0), -SB_DISK_ESIZE);
	FRESH_COPY();
	t->nblocks = 10;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, NBLOCKS), -SB_DISK_ESIZE);
	FRESH_COPY();
	t->nblocks = 1ull << 32;
	sb_disk_seal(t, 'S');
	CU_ASSERT_EQUAL(sb_disk_super_check(t, ~0ull), -SB_DISK_ESIZE);
#undef FRESH_COPY
	free(t);
	free(s);
}

/* ----------------------------------------------------------- owner table */

static void test_owners_errors(void)
{
	struct sb_disk_owners *o = good_owners();
	struct sb_disk_owners *t = new_block();

	memcpy(t, o, BS);
	t->magic = 0;
	CU_ASSERT_EQUAL(sb_disk_owners_check(t), -SB_DISK_EMAGIC);

	/* A flip in the head, in the crc itself, in a slot, in the last byte. */
	size_t flips[] = { 8, 59, 60, 63, 64, 64 + 40, BS - 1 };
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(t, o, BS);
		((uint8_t *)t)[flips[i]] ^= 0x01;
		CU_ASSERT_EQUAL(sb_disk_owners_check(t), -SB_DISK_ECRC);
	}

	/* Two slots with one key, wherever they are. */
	memcpy(t, o, BS);
	memcpy(t->owner[30].hash, t->owner[2].hash, SB_DISK_HASH_BYTES);
	sb_disk_seal(t, 'O');
	CU_ASSERT_EQUAL(sb_disk_owners_check(t), -SB_DISK_EDUP);
	memcpy(t, o, BS);
	memcpy(t->owner[1].hash, t->owner[0].hash, SB_DISK_HASH_BYTES);
	sb_disk_seal(t, 'O');
	CU_ASSERT_EQUAL(sb_disk_owners_check(t), -SB_DISK_EDUP);
	/* Two type slots with one program. */
	memcpy(t, o, BS);
	memcpy(t->type[30].hash, t->type[1].hash, SB_DISK_HASH_BYTES);
	t->type[30].owner = 1;
	t->type[30].ninsn = 5;
	sb_disk_seal(t, 'O');
	CU_ASSERT_EQUAL(sb_disk_owners_check(t), -SB_DISK_EDUP);
	/* A type slot registered by nobody, by an empty slot, of no length,
	 * too long, or with pad bytes set. */
	const struct {
		uint32_t owner, ninsn;
		uint8_t pad;
	} badtypes[] = { { 0, 5, 0 }, { 2, 5, 0 },   { 32, 5, 0 },
			 { 1, 0, 0 }, { 1, 513, 0 }, { 1, 5, 1 } };
	for (size_t i = 0; i < sizeof(badtypes) / sizeof(badtypes[0]); i++) {
		memcpy(t, o, BS);
		t->type[0].owner = badtypes[i].owner;
		t->type[0].ninsn = badtypes[i].ninsn;
		t->type[0].pad[23] = badtypes[i].pad;
		sb_disk_seal(t, 'O');
		CU_ASSERT_EQUAL(sb_disk_owners_check(t), -SB_DISK_ETYPE);
	}
	/* Find a type by its hash. */
	CU_ASSERT_EQUAL(sb_disk_type_find(o, o->type[1].hash), 2);
	CU_ASSERT_EQUAL(sb_disk_type_find(o, o->type[5].hash), 0); /* all zero: empty */
	/* Empty slots all share the zero hash: not duplicates. */
	memcpy(t, o, BS);
	CU_ASSERT_EQUAL(sb_disk_owners_check(t), 0);
	free(t);
	free(o);
}

static void test_owner_find(void)
{
	struct sb_disk_owners *o = good_owners();
	uint8_t key[SB_DISK_KEY_BYTES], h[SB_DISK_HASH_BYTES];

	memset(key, 0x33, sizeof(key));
	sb_sha256(key, sizeof(key), h);
	CU_ASSERT_EQUAL(sb_disk_owner_find(o, h), 3);
	memset(key, 0x11, sizeof(key));
	sb_sha256(key, sizeof(key), h);
	CU_ASSERT_EQUAL(sb_disk_owner_find(o, h), 1);
	memset(key, 0x22, sizeof(key));
	sb_sha256(key, sizeof(key), h);
	CU_ASSERT_EQUAL(sb_disk_owner_find(o, h), 0);
	memset(h, 0, sizeof(h)); /* the empty slots' hash names nobody */
	CU_ASSERT_EQUAL(sb_disk_owner_find(o, h), 0);
	free(o);
}

/* ------------------------------------------------------------- map block */

/* Check map block index of a copy of m with entry of block b set to e
 * (and resealed); return the error, *bad the block reported. */
static int map_with(const struct sb_disk_map *m, uint64_t index, uint64_t b, uint32_t e,
		    const struct sb_disk_super *s, const struct sb_disk_owners *o, uint64_t *bad)
{
	struct sb_disk_map *t = new_block();
	int err;

	memcpy(t, m, BS);
	t->e[sb_disk_map_slot(b)] = e;
	sb_disk_seal(t, 'M');
	*bad = ~0ull;
	err = sb_disk_map_check(t, index, s, o, bad);
	free(t);
	return err;
}

static void test_map_errors(void)
{
	struct sb_disk_super *s = good_super(NBLOCKS);
	struct sb_disk_owners *o = good_owners();
	struct sb_disk_map *m0 = good_map(0, s), *m2 = good_map(2, s);
	struct sb_disk_map *t = new_block();
	uint64_t bad;
	const uint64_t d = 503; /* a free data block in map block 0 */

	CU_ASSERT_EQUAL_FATAL(m0->e[d], 0);
	/* Damage: a bit flip in an entry or in the crc. */
	memcpy(t, m0, BS);
	t->e[700] ^= 4;
	CU_ASSERT_EQUAL(sb_disk_map_check(t, 0, s, o, &bad), -SB_DISK_ECRC);
	CU_ASSERT_EQUAL(bad, 0);
	memcpy(t, m2, BS);
	t->crc ^= 0x80000000u;
	CU_ASSERT_EQUAL(sb_disk_map_check(t, 2, s, o, &bad), -SB_DISK_ECRC);
	CU_ASSERT_EQUAL(bad, 2 * 1023);
	/* An index the layout does not have. */
	CU_ASSERT_EQUAL(sb_disk_map_check(m2, 3, s, o, &bad), -SB_DISK_ELAYOUT);
	CU_ASSERT_EQUAL(bad, 3 * 1023);

	/* Undefined bits, undefined owners, non-canonical free/reserved. */
	CU_ASSERT_EQUAL(map_with(m0, 0, d, 1u << 18 | 1, s, o, &bad), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(bad, d);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, 0x80000000u, s, o, &bad), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(32, 0, 0), s, o, &bad), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(200, 0, 0), s, o, &bad), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(0, 3, 0), s, o, &bad), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_FRESH, s, o, &bad), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(SB_DISK_RESERVED, 1, 0), s, o, &bad),
			-SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_RESERVED | SB_DISK_FRESH, s, o, &bad),
			-SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(bad, d);
	/* Defined forms of a data block are fine. */
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(3, 2, SB_DISK_FRESH), s, o, &bad), 0);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(3, 1, SB_DISK_HELD), s, o, &bad), 0);
	/* Types that are not registered, or past the table. */
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(3, 5, 0), s, o, &bad), -SB_DISK_ETYPE);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(3, 32, 0), s, o, &bad), -SB_DISK_ETYPE);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(3, 255, 0), s, o, &bad), -SB_DISK_ETYPE);
	CU_ASSERT_EQUAL(bad, d);
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_RESERVED, s, o, &bad), 0);

	/* An entry naming an empty slot (2, and the last slot 31). */
	CU_ASSERT_EQUAL(map_with(m0, 0, d, SB_DISK_ENTRY(2, 0, 0), s, o, &bad), -SB_DISK_EOWNER);
	CU_ASSERT_EQUAL(bad, d);
	CU_ASSERT_EQUAL(map_with(m2, 2, 2099, SB_DISK_ENTRY(31, 0, 0), s, o, &bad),
			-SB_DISK_EOWNER);
	CU_ASSERT_EQUAL(bad, 2099);

	/* Region blocks not reserved: superblock, owner table, map, log. */
	uint64_t region[] = { 0, 1, 2, s->log_start, s->data_start - 1 };
	for (size_t i = 0; i < sizeof(region) / sizeof(region[0]); i++) {
		CU_ASSERT_EQUAL(map_with(m0, 0, region[i], 0, s, o, &bad), -SB_DISK_ERESERVED);
		CU_ASSERT_EQUAL(bad, region[i]);
		CU_ASSERT_EQUAL(map_with(m0, 0, region[i], SB_DISK_ENTRY(1, 0, 0), s, o, &bad),
				-SB_DISK_ERESERVED);
		CU_ASSERT_EQUAL(map_with(m0, 0, region[i], SB_DISK_RESERVED | 1 << 8, s, o, &bad),
				-SB_DISK_ERESERVED);
	}
	CU_ASSERT_EQUAL(map_with(m0, 0, s->data_start, 0, s, o, &bad), 0);
	/* Entries past nblocks missing their reservation. */
	CU_ASSERT_EQUAL(map_with(m2, 2, NBLOCKS, 0, s, o, &bad), -SB_DISK_ERESERVED);
	CU_ASSERT_EQUAL(bad, NBLOCKS);
	CU_ASSERT_EQUAL(map_with(m2, 2, 3 * 1023 - 1, SB_DISK_ENTRY(1, 0, 0), s, o, &bad),
			-SB_DISK_ERESERVED);
	CU_ASSERT_EQUAL(bad, 3 * 1023 - 1);
	CU_ASSERT_EQUAL(map_with(m2, 2, NBLOCKS - 1, 0, s, o, &bad), 0);

	/* The first offending entry is the one reported. */
	memcpy(t, m0, BS);
	t->e[900] = SB_DISK_ENTRY(2, 0, 0);
	t->e[800] = 1u << 20;
	sb_disk_seal(t, 'M');
	CU_ASSERT_EQUAL(sb_disk_map_check(t, 0, s, o, &bad), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(bad, 800);

	/* sb_disk_entry_check alone. */
	CU_ASSERT_EQUAL(sb_disk_entry_check(SB_DISK_ENTRY(1, 2, 0), d, s, o), 0);
	CU_ASSERT_EQUAL(sb_disk_entry_check(SB_DISK_ENTRY(2, 0, 0), d, s, o), -SB_DISK_EOWNER);
	CU_ASSERT_EQUAL(sb_disk_entry_check(1u << 31, 0, s, o), -SB_DISK_EENTRY);
	CU_ASSERT_EQUAL(sb_disk_entry_check(SB_DISK_RESERVED, ~0ull, s, o), 0);
	CU_ASSERT_EQUAL(sb_disk_entry_check(0, ~0ull, s, o), -SB_DISK_ERESERVED);
	free(t);
	free(m2);
	free(m0);
	free(o);
	free(s);
}

/* ------------------------------------------------------------------ log */

static struct sb_disk_log *good_log(const struct sb_disk_super *s, uint32_t count)
{
	struct sb_disk_log *l = new_block();
	l->magic = SB_DISK_LOG_MAGIC;
	l->seq = 42;
	l->count = count;
	for (uint32_t i = 0; i < count; i++)
		l->target[i] = s->owner_start + i % (1 + s->map_blocks);
	return l;
}

static void test_log_errors(void)
{
	struct sb_disk_super *s = good_super(NBLOCKS);
	struct sb_disk_log *l = good_log(s, 4);
	struct sb_disk_log *t = new_block();

	CU_ASSERT_EQUAL(sb_disk_log_check(l, s), 0);
	memcpy(t, l, BS);
	t->count = SB_DISK_LOG_MAX;
	for (uint32_t i = 0; i < SB_DISK_LOG_MAX; i++)
		t->target[i] = s->map_start + s->map_blocks - 1;
	CU_ASSERT_EQUAL(sb_disk_log_check(t, s), 0);

	/* A zeroed header (after format) and a wrong magic. */
	memset(t, 0, BS);
	CU_ASSERT_EQUAL(sb_disk_log_check(t, s), -SB_DISK_EMAGIC);
	memcpy(t, l, BS);
	t->magic = SB_DISK_MAGIC;
	CU_ASSERT_EQUAL(sb_disk_log_check(t, s), -SB_DISK_EMAGIC);

	/* Counts 0, 63 and huge. */
	memcpy(t, l, BS);
	t->count = 0;
	CU_ASSERT_EQUAL(sb_disk_log_check(t, s), -SB_DISK_ECOUNT);
	t->count = SB_DISK_LOG_MAX + 1;
	CU_ASSERT_EQUAL(sb_disk_log_check(t, s), -SB_DISK_ECOUNT);
	t->count = 0xffffffffu;
	CU_ASSERT_EQUAL(sb_disk_log_check(t, s), -SB_DISK_ECOUNT);

	/* Targets: the superblock, the log, a data block, past the end. */
	uint64_t bad_targets[] = { 0,
				   s->map_start + s->map_blocks,
				   s->log_start,
				   s->data_start,
				   NBLOCKS - 1,
				   NBLOCKS,
				   1ull << 40,
				   ~0ull };
	for (size_t i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++) {
		memcpy(t, l, BS);
		t->target[3] = bad_targets[i];
		CU_ASSERT_EQUAL(sb_disk_log_check(t, s), -SB_DISK_ETARGET);
	}
	/* A target past count is not looked at (the CRC covers it). */
	memcpy(t, l, BS);
	t->target[4] = s->data_start;
	CU_ASSERT_EQUAL(sb_disk_log_check(t, s), 0);
	free(t);
	free(l);
	free(s);
}

/* The log CRC computed incrementally over separate image buffers equals
 * the CRC-32C of the header (crc field 0) and the images laid out in one
 * contiguous buffer, as the log sits on disk. */
static void test_log_crc(void)
{
	struct sb_disk_super *s = good_super(NBLOCKS);
	const uint32_t n = 5;
	struct sb_disk_log *l = good_log(s, n);
	uint8_t *img[5], *all = malloc((size_t)(1 + n) * BS);
	uint32_t c;

	CU_ASSERT_FATAL(all != NULL);
	for (uint32_t i = 0; i < n; i++) {
		img[i] = new_block();
		for (unsigned j = 0; j < BS; j++)
			img[i][j] = (uint8_t)(i * 31 + j * 3);
	}
	c = sb_disk_log_crc_begin(l);
	for (uint32_t i = 0; i < n; i++)
		c = sb_disk_log_crc_image(c, img[i]);
	/* As the log sits on disk: header, then each image without its last
	 * four bytes. */
	memcpy(all, l, BS);
	for (uint32_t i = 0; i < n; i++)
		memcpy(all + BS + (size_t)i * (BS - 4), img[i], BS - 4);
	CU_ASSERT_EQUAL(c, sb_crc32c(0, all, BS + (size_t)n * (BS - 4)));

	/* The crc field's own value does not enter the CRC. */
	l->crc = c;
	CU_ASSERT_EQUAL(sb_disk_log_crc_begin(l), sb_crc32c(0, all, BS));
	/* Every other header byte does: the seq, a target. */
	l->seq++;
	CU_ASSERT_NOT_EQUAL(sb_disk_log_crc_begin(l), sb_crc32c(0, all, BS));
	l->seq--;
	l->target[61] = 1;
	CU_ASSERT_NOT_EQUAL(sb_disk_log_crc_begin(l), sb_crc32c(0, all, BS));
	/* A torn image (one changed byte) no longer matches. */
	l->target[61] = 0;
	img[2][4091] ^= 1;
	c = sb_disk_log_crc_begin(l);
	for (uint32_t i = 0; i < n; i++)
		c = sb_disk_log_crc_image(c, img[i]);
	CU_ASSERT_NOT_EQUAL(c, l->crc);
	for (uint32_t i = 0; i < n; i++)
		free(img[i]);
	free(all);
	free(l);
	free(s);
}

/*
 * Regression (found by the crash harness): a CRC-32C continued over a
 * block that ends in its own CRC-32C comes out the same whatever the
 * block holds, so a log CRC over whole map images could not tell a stale
 * image from the right one. The log CRC leaves each image's last four
 * bytes out, and each image must carry a valid CRC of its own.
 */
static void test_log_crc_sees_maps(void)
{
	struct sb_disk_super *s = good_super(NBLOCKS);
	struct sb_disk_owners *o = good_owners();
	struct sb_disk_log *l = good_log(s, 2);
	struct sb_disk_map *a = good_map(0, s), *b = good_map(0, s);
	b->e[503] = SB_DISK_ENTRY(1, 0, 0); /* was free */
	sb_disk_seal(b, 'M');
	uint32_t start = sb_disk_log_crc_begin(l);

	/* The trap: whole sealed blocks give equal CRCs. */
	CU_ASSERT_EQUAL(sb_crc32c(start, a, BS), sb_crc32c(start, b, BS));
	/* What the log uses tells them apart. */
	CU_ASSERT_NOT_EQUAL(sb_disk_log_crc_image(start, a), sb_disk_log_crc_image(start, b));

	/* Each image's own CRC, by its target: owner table or map. */
	l->target[0] = s->owner_start;
	l->target[1] = s->map_start;
	CU_ASSERT_TRUE(sb_disk_log_image_ok(l, s, 0, o));
	CU_ASSERT_FALSE(sb_disk_log_image_ok(l, s, 0, a)); /* a map block is no owner table */
	CU_ASSERT_TRUE(sb_disk_log_image_ok(l, s, 1, a));
	b->crc ^= 1; /* its last sector torn: the rest new, the CRC old */
	CU_ASSERT_FALSE(sb_disk_log_image_ok(l, s, 1, b));
	CU_ASSERT_FALSE(sb_disk_log_image_ok(l, s, 2, a)); /* past count */
	free(a);
	free(b);
	free(l);
	free(o);
	free(s);
}

/* --------------------------------------------------------------- retype */

/* exo_block_retype's rule (call 48): only the owner's unheld block, any
 * type 0..31, and the result is always fresh with nothing else kept. */
static void test_retype_rules(void)
{
	uint32_t out = 0xdeadbeef;
	const uint32_t o = 3, t = 5;

	/* Data to metadata, metadata to data, between types, to the same. */
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0), o, t, &out), 0);
	CU_ASSERT_EQUAL(out, SB_DISK_ENTRY(o, t, SB_DISK_FRESH));
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, t, 0), o, 0, &out), 0);
	CU_ASSERT_EQUAL(out, SB_DISK_ENTRY(o, 0, SB_DISK_FRESH));
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, t, SB_DISK_FRESH), o, 7, &out), 0);
	CU_ASSERT_EQUAL(out, SB_DISK_ENTRY(o, 7, SB_DISK_FRESH));
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0), o, 0, &out), 0);
	CU_ASSERT_EQUAL(out, SB_DISK_ENTRY(o, 0, SB_DISK_FRESH));
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0), o, SB_DISK_TYPE_SLOTS, &out),
			0);
	CU_ASSERT_EQUAL(out, SB_DISK_ENTRY(o, SB_DISK_TYPE_SLOTS, SB_DISK_FRESH));

	/* Hostile: another owner's, free, reserved, no owner, a bad type. */
	out = 0xdeadbeef;
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(4, 0, 0), o, 0, &out),
			-SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(4, t, SB_DISK_HELD), o, 0, &out),
			-SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(0, o, t, &out), -SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_RESERVED, o, t, &out), -SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0), 0, t, &out),
			-SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(0, 0, 0, &out), -SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0), SB_DISK_RESERVED, t, &out),
			-SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(
		sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0), o, SB_DISK_TYPE_SLOTS + 1, &out),
		-SB_DISK_ETYPE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0), o, 255, &out), -SB_DISK_ETYPE);
	/* In-memory-only bits (the kernel's "being freed", "out of use") and
	 * undefined bits are never the owner's to retype. */
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0) | 1u << 31, o, t, &out),
			-SB_DISK_ENOTMINE);
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, 0) | 1u << 18, o, t, &out),
			-SB_DISK_ENOTMINE);
	/* Held, as data or metadata, fresh or not: refused (its holder's
	 * contents name it). */
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, 0, SB_DISK_HELD), o, t, &out),
			-SB_DISK_EHELD);
	CU_ASSERT_EQUAL(sb_disk_retype_check(SB_DISK_ENTRY(o, t, SB_DISK_HELD), o, 0, &out),
			-SB_DISK_EHELD);
	CU_ASSERT_EQUAL(
		sb_disk_retype_check(SB_DISK_ENTRY(o, t, SB_DISK_HELD | SB_DISK_FRESH), o, t, &out),
		-SB_DISK_EHELD);
	CU_ASSERT_EQUAL(out, 0xdeadbeef); /* untouched by every refusal */

	/* Every owner, type and flag combination: success exactly when the
	 * entry is the owner's and not held; the result is canonical. */
	for (uint32_t eo = 0; eo <= 32; eo++)
		for (uint32_t et = 0; et <= 32; et += 8)
			for (uint32_t f = 0; f < 4; f++) {
				uint32_t e = SB_DISK_ENTRY(eo, et, f << 16), r = 0;
				int v = sb_disk_retype_check(e, o, t, &r);
				bool ok = eo == o && !(f & 2);
				CU_ASSERT_EQUAL(v == 0, ok);
				if (ok)
					CU_ASSERT_EQUAL(r, SB_DISK_ENTRY(o, t, SB_DISK_FRESH));
			}
}

/* ------------------------------------------------------------- messages */

static void test_strerror(void)
{
	for (int e = 0; e < SB_DISK_NERRORS; e++) {
		const char *m = sb_disk_strerror(-e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_PTR_EQUAL(m, sb_disk_strerror(e));
		CU_ASSERT_STRING_NOT_EQUAL(m, "unknown disk error");
		for (int f = 0; f < e; f++)
			CU_ASSERT_STRING_NOT_EQUAL(m, sb_disk_strerror(f));
	}
	CU_ASSERT_STRING_EQUAL(sb_disk_strerror(SB_DISK_NERRORS), "unknown disk error");
	CU_ASSERT_STRING_EQUAL(sb_disk_strerror(-SB_DISK_NERRORS), "unknown disk error");
	CU_ASSERT_STRING_EQUAL(sb_disk_strerror(-2147483647 - 1), "unknown disk error");
}

static CU_TestInfo disk_tests[] = {
	{ "CRC-32C: RFC 3720 vectors", test_crc_vectors },
	{ "CRC-32C: table equals the bitwise definition", test_crc_table },
	{ "CRC-32C: incremental equals whole", test_crc_incremental },
	{ "SHA-256: FIPS 180-4 vectors", test_sha_vectors },
	{ "SHA-256: one million 'a'", test_sha_million },
	{ "SHA-256: padding boundaries", test_sha_boundaries },
	{ "layout: small, large, too small, too large", test_layout },
	{ "seal and check round trips", test_seal_round_trip },
	{ "superblock: every error", test_super_errors },
	{ "owner table: every error", test_owners_errors },
	{ "owner table: find by hash", test_owner_find },
	{ "map block: every error", test_map_errors },
	{ "log header: every error", test_log_errors },
	{ "log CRC: incremental equals contiguous", test_log_crc },
	{ "log CRC: sees map images; images' own CRCs", test_log_crc_sees_maps },
	{ "retype: owner's unheld blocks only, always fresh", test_retype_rules },
	{ "messages", test_strerror },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(disk, disk_tests);
