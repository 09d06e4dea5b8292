/*
 * test_acpi.c - host tests of the ACPI S5 parser (exokernel/acpi_tables.c).
 *
 * Three sources of input: AML compiled at test time by the real ACPI
 * compiler (iasl, from acpica-tools), hand-assembled AML for encodings iasl
 * will not emit, and whole table sets (RSDP -> RSDT/XSDT -> FACP -> DSDT)
 * laid out at fake physical addresses that a test acpi_map_fn serves. Tables
 * are written by raw spec offsets, not through acpi_tables.h's structs, so
 * a wrong struct layout fails here too. Every table and every truncated AML
 * buffer lives in a malloc block of exactly its size, so AddressSanitizer
 * (run-tests-san) catches any read past the end.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <exo/error.h>

#include "acpi_tables.h"
#include "unit.h"

/* ------------------------------------------------------------ helpers */

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}
static void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

/* Set byte csum_off so the len bytes at p sum to 0 mod 256. */
static void seal(uint8_t *p, size_t len, size_t csum_off)
{
	uint8_t sum = 0;

	p[csum_off] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[csum_off] = (uint8_t)-sum;
}

/* Run acpi_find_s5 on a copy of aml[0..len) in a block of exactly len bytes. */
static int find_exact(const uint8_t *aml, size_t len, uint16_t *a, uint16_t *b)
{
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, aml, len);
	err = acpi_find_s5(copy, len, a, b);
	free(copy);
	return err;
}

/*
 * Every strict prefix of aml must be refused (the _S5 package is the last
 * object in each stream passed here, so no prefix holds all of it) and the
 * whole stream must give want_a/want_b. Returns the number of bad results.
 */
static int check_prefixes(const uint8_t *aml, size_t len, uint16_t want_a, uint16_t want_b)
{
	int bad = 0;

	for (size_t n = 0; n <= len; n++) {
		uint16_t a = 0xeeee, b = 0xeeee;
		int err = find_exact(aml, n, &a, &b);

		if (n < len && err != -EXO_EINVAL && err != -EXO_ENOTSUP)
			bad++;
		if (n < len && (a != 0xeeee || b != 0xeeee))
			bad++; /* outputs touched on failure */
		if (n == len && (err != 0 || a != want_a || b != want_b))
			bad++;
	}
	return bad;
}

/* ------------------------------------------------------------ iasl */

/* A DSDT (header and AML) compiled by iasl. */
struct compiled {
	uint8_t *table;
	size_t len;
};

/* Remove dir and every file in it (iasl writes only dir/s5.aml with -p). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Compile asl with iasl in a fresh mkdtemp directory. Returns false (after
 * recording a CUnit failure) if iasl is missing or fails. */
static bool iasl_compile(const char *asl, struct compiled *out)
{
	char dir[] = "/tmp/exo-acpi-XXXXXX";
	char src[64], prefix[64], aml[64], cmd[256];
	FILE *f;
	long n;
	bool ok = false;

	out->table = NULL;
	out->len = 0;
	if (system("command -v iasl >/dev/null 2>&1") != 0) {
		CU_FAIL("iasl not found: install acpica-tools (listed in the Makefile's DEPS)");
		return false;
	}
	if (mkdtemp(dir) == NULL) {
		CU_FAIL("mkdtemp failed");
		return false;
	}
	snprintf(src, sizeof(src), "%s/s5.asl", dir);
	snprintf(prefix, sizeof(prefix), "%s/s5", dir);
	snprintf(aml, sizeof(aml), "%s/s5.aml", dir);
	f = fopen(src, "w");
	if (f == NULL || fputs(asl, f) < 0 || fclose(f) != 0) {
		CU_FAIL("cannot write the ASL source");
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "iasl -p %s %s >/dev/null 2>&1", prefix, src);
	if (system(cmd) != 0) {
		CU_FAIL("iasl failed to compile the test ASL");
		goto out;
	}
	f = fopen(aml, "rb");
	if (f == NULL) {
		CU_FAIL("iasl wrote no .aml");
		goto out;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 36 && fseek(f, 0, SEEK_SET) == 0) {
		out->table = malloc((size_t)n);
		out->len = (size_t)n;
		ok = fread(out->table, 1, out->len, f) == out->len;
	}
	fclose(f);
	if (!ok) {
		CU_FAIL("cannot read the .aml");
		free(out->table);
		out->table = NULL;
	}
out:
	remove_dir(dir);
	return ok;
}

#define ASL_HEAD "DefinitionBlock (\"\", \"DSDT\", 2, \"EXOTST\", \"S5TEST\", 1)\n{\n"

/* The brief's package, after a method that refers to \_S5 (iasl emits the
 * reference as bare "_S5_", which must not be taken for the definition). */
static const char asl_plain[] =
	ASL_HEAD "    Method (GS5, 0) { Return (DerefOf (Index (\\_S5, 0))) }\n"
		 "    Name (_S5, Package (0x04) { 0x05, 0x05, 0x00, 0x00 })\n"
		 "}\n";

/* Zero/One, declared with a root prefix from inside another scope, so iasl
 * must emit NameOp '\' "_S5_". */
static const char asl_root_prefix[] =
	ASL_HEAD "    Scope (\\_SB) { Name (\\_S5, Package () { Zero, One }) }\n"
		 "}\n";

/* Inside Scope (\), as QEMU's DSDT has it, and long enough (70 elements)
 * that the PkgLength takes two bytes. */
static const char asl_scope_root[] = ASL_HEAD
	"    Scope (\\)\n    {\n        Name (_S5, Package () { 0x07, 0x03,\n"
	"            0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,\n"
	"            0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 })\n"
	"    }\n"
	"}\n";

/* Values iasl encodes with WordPrefix and DWordPrefix: too wide for the
 * 3-bit SLP_TYP field. */
static const char asl_wide[] = ASL_HEAD "    Name (_S5, Package () { 0x1234, 0x12345678 })\n"
					"}\n";

/* A DSDT with no _S5 at all. */
static const char asl_none[] = ASL_HEAD "    Name (_S4, Package () { 0x02, 0x02, 0x00, 0x00 })\n"
					"    Method (_PTS, 1) { Return (Zero) }\n"
					"}\n";

/* Compile asl and run acpi_find_s5 on its AML; check every truncation. */
static void check_iasl(const char *asl, int want_err, uint16_t want_a, uint16_t want_b)
{
	struct compiled c;
	uint16_t a = 0xeeee, b = 0xeeee;
	uint32_t len;

	if (!iasl_compile(asl, &c))
		return;
	memcpy(&len, c.table + 4, 4);
	CU_ASSERT_EQUAL(len, c.len);
	CU_ASSERT_EQUAL(memcmp(c.table, "DSDT", 4), 0);
	CU_ASSERT_EQUAL(find_exact(c.table + 36, c.len - 36, &a, &b), want_err);
	if (want_err == 0) {
		CU_ASSERT_EQUAL(a, want_a);
		CU_ASSERT_EQUAL(b, want_b);
		CU_ASSERT_EQUAL(check_prefixes(c.table + 36, c.len - 36, want_a, want_b), 0);
	}
	free(c.table);
}

static void test_iasl_plain(void)
{
	check_iasl(asl_plain, 0, 5, 5);
}

static void test_iasl_root_prefix(void)
{
	check_iasl(asl_root_prefix, 0, 0, 1);
}

static void test_iasl_scope_root(void)
{
	check_iasl(asl_scope_root, 0, 7, 3);
}

static void test_iasl_wide_values(void)
{
	check_iasl(asl_wide, -EXO_EINVAL, 0, 0);
}

static void test_iasl_no_s5(void)
{
	check_iasl(asl_none, -EXO_ENOTSUP, 0, 0);
}

/* ------------------------------------------------------------ hand-made AML */

/* Name (PICF, Zero), then Name (\_S5, Package (4) { 0x05, One, Zero, Zero }). */
static const uint8_t aml_s5[] = {
	0x08, 'P',  'I', 'C', 'F', 0x00, /* Name (PICF, Zero) */
	0x08, '\\', '_', 'S', '5', '_',	 0x12, 0x07, 0x04, 0x0a, 0x05, 0x01, 0x00, 0x00,
};

/* NameOp "_S5_": the start of Name (_S5, ...). */
#define NS5 0x08, '_', 'S', '5', '_'

static void test_find_forms(void)
{
	/* Each is a whole stream; the first two elements decode to (a, b). */
	static const struct {
		const char *what;
		uint8_t aml[32];
		size_t len;
		uint16_t a, b;
	} ok[] = {
		{ "Zero One", { NS5, 0x12, 0x04, 0x02, 0x00, 0x01 }, 10, 0, 1 },
		{ "BytePrefix", { NS5, 0x12, 0x06, 0x02, 0x0a, 0x07, 0x0a, 0x06 }, 12, 7, 6 },
		{ "WordPrefix",
		  { NS5, 0x12, 0x08, 0x02, 0x0b, 0x05, 0x00, 0x0b, 0x02, 0x00 },
		  14,
		  5,
		  2 },
		{ "DWord/QWord",
		  { NS5, 0x12, 0x10, 0x02, 0x0c, 0x03, 0, 0, 0, 0x0e, 0x04, 0, 0, 0, 0, 0, 0, 0 },
		  22,
		  3,
		  4 },
		{ "root prefix",
		  { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x00 },
		  11,
		  1,
		  0 },
		/* A reference (Store (_S5_, Local0), no NameOp) and a Name (_S5, 5)
		 * before the real one. */
		{ "decoys first",
		  { 0x70, '_', 'S', '5', '_', 0x60, NS5, 0x0a, 0x05, NS5, 0x12, 0x04, 0x02, 0x01,
		    0x01 },
		  23,
		  1,
		  1 },
		/* Two-byte PkgLength: lead 0x40 | 0x0, next 0x01 -> 16 bytes. */
		{ "2-byte PkgLength",
		  { NS5, 0x12, 0x40, 0x01, 0x04, 0x0a, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		  22,
		  2,
		  0 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint16_t a = 0xeeee, b = 0xeeee;
		int err = find_exact(ok[i].aml, ok[i].len, &a, &b);

		if (err != 0 || a != ok[i].a || b != ok[i].b)
			fprintf(stderr, "\n  form %s: err %d a %u b %u\n", ok[i].what, err, a, b);
		CU_ASSERT_EQUAL(err, 0);
		CU_ASSERT_EQUAL(a, ok[i].a);
		CU_ASSERT_EQUAL(b, ok[i].b);
		CU_ASSERT_EQUAL(check_prefixes(ok[i].aml, ok[i].len, ok[i].a, ok[i].b), 0);
	}
	CU_ASSERT_EQUAL(check_prefixes(aml_s5, sizeof(aml_s5), 5, 1), 0);
}

static void test_find_malformed(void)
{
	static const struct {
		const char *what;
		uint8_t aml[24];
		size_t len;
		int err;
	} bad[] = {
		{ "one element", { NS5, 0x12, 0x03, 0x01, 0x00 }, 9, -EXO_EINVAL },
		{ "String element",
		  { NS5, 0x12, 0x06, 0x02, 0x0d, 'a', 0, 0x00 },
		  12,
		  -EXO_EINVAL },
		{ "OnesOp element", { NS5, 0x12, 0x04, 0x02, 0xff, 0x00 }, 10, -EXO_EINVAL },
		{ "SLP_TYP 8", { NS5, 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00 }, 11, -EXO_EINVAL },
		{ "reserved PkgLength bits",
		  { NS5, 0x12, 0x50, 0x00, 0x02, 0x00, 0x00 },
		  11,
		  -EXO_EINVAL },
		{ "PkgLength 1: no NumElements",
		  { NS5, 0x12, 0x01, 0x02, 0x00, 0x00 },
		  10,
		  -EXO_EINVAL },
		{ "elements past PkgLength",
		  { NS5, 0x12, 0x03, 0x02, 0x00, 0x00 },
		  10,
		  -EXO_EINVAL },
		{ "PkgLength past stream", { NS5, 0x12, 0x3f, 0x02, 0x00, 0x00 }, 10, -EXO_EINVAL },
		{ "4-byte PkgLength past stream",
		  { NS5, 0x12, 0xc0, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00 },
		  13,
		  -EXO_EINVAL },
		{ "NameOp _S5_ at end", { 0x00, NS5 }, 6, -EXO_EINVAL },
		{ "no NameOp",
		  { 0x10, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00 },
		  10,
		  -EXO_ENOTSUP },
		{ "Name(_S5, 5) only", { NS5, 0x0a, 0x05 }, 7, -EXO_ENOTSUP },
		{ "_S4_ not _S5_",
		  { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x00, 0x00 },
		  10,
		  -EXO_ENOTSUP },
		{ "empty", { 0 }, 0, -EXO_ENOTSUP },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t a = 0xeeee, b = 0xeeee;
		int err = find_exact(bad[i].aml, bad[i].len, &a, &b);

		if (err != bad[i].err)
			fprintf(stderr, "\n  malformed %s: err %d, want %d\n", bad[i].what, err,
				bad[i].err);
		CU_ASSERT_EQUAL(err, bad[i].err);
		CU_ASSERT(a == 0xeeee && b == 0xeeee);
	}
	CU_ASSERT_EQUAL(acpi_find_s5(NULL, 0, NULL, NULL), -EXO_EINVAL);
}

/* Random streams seeded with "_S5_" patterns: the result is always one of
 * the three documented ones and a found value fits SLP_TYP. ASan checks
 * the bounds. */
static void test_find_random(void)
{
	static const uint8_t ops[] = { 0x00, 0x01, 0x08, 0x0a, 0x0b, 0x0c, 0x0e, 0x12,
				       0x40, 0x80, 0xc0, 0xff, '\\', '_',  'S',	 '5' };
	unsigned seed = 12345, bad = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % 40);
		uint8_t *buf = malloc(len ? len : 1);
		uint16_t a = 0, b = 0;
		int err;

		for (size_t i = 0; i < len; i++)
			buf[i] = ops[rand_r(&seed) % sizeof(ops)];
		if (len >= 6) {
			size_t at = (size_t)rand_r(&seed) % (len - 5);

			memcpy(buf + at, "\x08_S5_", 5);
		}
		err = acpi_find_s5(buf, len, &a, &b);
		if (err != 0 && err != -EXO_EINVAL && err != -EXO_ENOTSUP)
			bad++;
		if (err == 0 && (a > 7 || b > 7))
			bad++;
		free(buf);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ------------------------------------------------------------ table sets */

/* Fake physical memory: regions, each its own exact-size malloc block. */
#define MAX_REGIONS 12
struct region {
	uint64_t pa;
	size_t len;
	uint8_t *buf;
};
struct fake_mem {
	struct region r[MAX_REGIONS];
	int n;
};

static const void *fake_map(uint64_t pa, uint64_t len, void *ctx)
{
	struct fake_mem *m = ctx;

	for (int i = 0; i < m->n; i++) {
		const struct region *r = &m->r[i];

		if (pa >= r->pa && pa - r->pa <= r->len && len <= r->len - (pa - r->pa))
			return r->buf + (pa - r->pa);
	}
	return NULL;
}

static uint8_t *add_region(struct fake_mem *m, uint64_t pa, size_t len)
{
	struct region *r = &m->r[m->n++];

	r->pa = pa;
	r->len = len;
	r->buf = calloc(1, len ? len : 1);
	return r->buf;
}

static void free_mem(struct fake_mem *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->r[i].buf);
	m->n = 0;
}

/* Fill a System Description Table header (ACPI 6.x §5.2.6); seal later. */
static void sdt_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t, 4, len);
	t[8] = rev;
	memcpy(t + 10, "EXOTST", 6);
	memcpy(t + 16, "TABLES  ", 8);
	put32(t, 24, 1);
}

static void sdt_seal(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + 4, 4);
	seal(t, len, 9);
}

/* Fake physical addresses of the tables. */
#define PA_RSDT	  0x7fe0000ULL
#define PA_APIC	  0x7fe1000ULL
#define PA_FACP	  0x7fe2000ULL
#define PA_DSDT	  0x7fe3000ULL
#define PA_SSDT	  0x7fe4000ULL
#define PA_XSDT	  0x7fe5000ULL
#define PA_FACP_X 0x100000000ULL /* above 4 GiB: reachable only through the XSDT */
#define PA_DSDT_X 0x100002000ULL /* reachable only through X_DSDT */

/* FADT raw offsets (ACPI 6.x §5.2.9). */
#define F_DSDT	      40
#define F_SMI_CMD     48
#define F_ACPI_ENABLE 52
#define F_PM1A_CNT    64
#define F_PM1B_CNT    68
#define F_X_DSDT      140
#define F_X_PM1A_CNT  172
#define F_X_PM1B_CNT  184

/* The QEMU-like set: RSDP rev 0 -> RSDT { APIC, FACP } -> FACP (ACPI 1.0,
 * 116 bytes: PM1a 0x604, SMI_CMD 0xb2, ACPI_ENABLE 0xf1) -> DSDT (aml). */
struct tset {
	struct fake_mem mem;
	uint8_t rsdp[36];
	uint32_t rsdp_len;
	uint8_t *rsdt, *facp, *dsdt;
};

static void build_set(struct tset *t, uint32_t facp_len, const uint8_t *aml, size_t aml_len)
{
	uint8_t *apic;

	memset(t, 0, sizeof(*t));
	t->rsdt = add_region(&t->mem, PA_RSDT, 36 + 2 * 4);
	sdt_header(t->rsdt, "RSDT", 36 + 2 * 4, 1);
	put32(t->rsdt, 36, (uint32_t)PA_APIC);
	put32(t->rsdt, 40, (uint32_t)PA_FACP);
	sdt_seal(t->rsdt);

	apic = add_region(&t->mem, PA_APIC, 44);
	sdt_header(apic, "APIC", 44, 1);
	sdt_seal(apic);

	t->facp = add_region(&t->mem, PA_FACP, facp_len);
	if (facp_len >= 36)
		sdt_header(t->facp, "FACP", facp_len, 1);
	if (facp_len >= 116) {
		put32(t->facp, F_DSDT, (uint32_t)PA_DSDT);
		put32(t->facp, F_SMI_CMD, 0xb2);
		t->facp[F_ACPI_ENABLE] = 0xf1;
		put32(t->facp, F_PM1A_CNT, 0x604);
	}
	if (facp_len >= 36)
		sdt_seal(t->facp);

	t->dsdt = add_region(&t->mem, PA_DSDT, 36 + aml_len);
	sdt_header(t->dsdt, "DSDT", (uint32_t)(36 + aml_len), 1);
	memcpy(t->dsdt + 36, aml, aml_len);
	sdt_seal(t->dsdt);

	memcpy(t->rsdp, "RSD PTR ", 8);
	memcpy(t->rsdp + 9, "EXOTST", 6);
	t->rsdp[15] = 0;
	put32(t->rsdp, 16, (uint32_t)PA_RSDT);
	seal(t->rsdp, 20, 8);
	t->rsdp_len = 20;
}

/* Parse t; on failure check *out was left alone. */
static int parse(struct tset *t, struct acpi_power *out)
{
	unsigned char before[sizeof(*out)];
	int err;

	memset(out, 0xa5, sizeof(*out));
	memcpy(before, out, sizeof(before));
	err = acpi_parse_power(t->rsdp, t->rsdp_len, fake_map, &t->mem, out);
	if (err != 0)
		CU_ASSERT_EQUAL(memcmp(out, before, sizeof(before)), 0);
	return err;
}

static void test_rsdt_rev0(void)
{
	struct tset t;
	struct acpi_power p;

	build_set(&t, 116, aml_s5, sizeof(aml_s5));
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.pm1a_cnt, 0x604);
	CU_ASSERT_EQUAL(p.pm1b_cnt, 0);
	CU_ASSERT_EQUAL(p.smi_cmd, 0xb2);
	CU_ASSERT_EQUAL(p.acpi_enable, 0xf1);
	CU_ASSERT_EQUAL(p.slp_typa, 5);
	CU_ASSERT_EQUAL(p.slp_typb, 1);
	CU_ASSERT_EQUAL(p.dsdt, PA_DSDT);
	free_mem(&t.mem);
}

/* The DSDT iasl builds is a whole table with its own checksum. */
static void test_iasl_dsdt_in_tables(void)
{
	struct compiled c;
	struct tset t;
	struct acpi_power p;

	if (!iasl_compile(asl_plain, &c))
		return;
	build_set(&t, 116, aml_s5, sizeof(aml_s5));
	free(t.mem.r[3].buf); /* region 3 is the DSDT: replace it */
	t.mem.r[3].buf = c.table;
	t.mem.r[3].len = c.len;
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.slp_typa, 5);
	CU_ASSERT_EQUAL(p.slp_typb, 5);
	free_mem(&t.mem);
}

static void test_bad_rsdp(void)
{
	struct tset t;
	struct acpi_power p;

	build_set(&t, 116, aml_s5, sizeof(aml_s5));
	t.rsdp[8] ^= 1; /* checksum */
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	t.rsdp[8] ^= 1;
	CU_ASSERT_EQUAL(parse(&t, &p), 0);

	t.rsdp[0] = 'X'; /* signature, checksum fixed up */
	seal(t.rsdp, 20, 8);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	memcpy(t.rsdp, "RSD PTR ", 8);
	seal(t.rsdp, 20, 8);

	t.rsdp_len = 19;
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	t.rsdp_len = 20;
	CU_ASSERT_EQUAL(acpi_parse_power(NULL, 20, fake_map, &t.mem, &p), -EXO_EINVAL);
	CU_ASSERT_EQUAL(acpi_parse_power(t.rsdp, 20, NULL, &t.mem, &p), -EXO_EINVAL);

	put32(t.rsdp, 16, 0x12345000); /* RsdtAddress not mapped */
	seal(t.rsdp, 20, 8);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	free_mem(&t.mem);
}

static void test_bad_rsdt(void)
{
	struct tset t;
	struct acpi_power p;

	build_set(&t, 116, aml_s5, sizeof(aml_s5));
	/* Length runs past the 44 mapped bytes (checksum fixed over those). */
	put32(t.rsdt, 4, 36 + 64 * 4);
	seal(t.rsdt, 44, 9);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	/* Length below a header. */
	put32(t.rsdt, 4, 35);
	seal(t.rsdt, 35, 9);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	/* Huge length. */
	put32(t.rsdt, 4, 0xffffffff);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	/* Right length, bad checksum. */
	put32(t.rsdt, 4, 44);
	sdt_seal(t.rsdt);
	t.rsdt[20] ^= 0x40;
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	/* Wrong signature. */
	t.rsdt[20] ^= 0x40;
	memcpy(t.rsdt, "XSDT", 4);
	sdt_seal(t.rsdt);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	memcpy(t.rsdt, "RSDT", 4);
	sdt_seal(t.rsdt);
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	/* Entries pointing nowhere are skipped; with no FACP left: ENOTSUP. */
	put32(t.rsdt, 40, 0xdead0000);
	sdt_seal(t.rsdt);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_ENOTSUP);
	free_mem(&t.mem);
}

static void test_bad_fadt(void)
{
	static const uint32_t short_lens[] = { 36, 44, 72, 115 };
	struct tset t;
	struct acpi_power p;

	for (size_t i = 0; i < sizeof(short_lens) / sizeof(short_lens[0]); i++) {
		build_set(&t, short_lens[i], aml_s5, sizeof(aml_s5));
		CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
		free_mem(&t.mem);
	}

	build_set(&t, 116, aml_s5, sizeof(aml_s5));
	t.facp[100] ^= 1; /* checksum */
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	t.facp[100] ^= 1;

	put32(t.facp, F_PM1A_CNT, 0x10000); /* not an I/O port */
	sdt_seal(t.facp);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	put32(t.facp, F_PM1A_CNT, 0); /* no PM1a block, no X_ field in 1.0 */
	sdt_seal(t.facp);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_ENOTSUP);
	put32(t.facp, F_PM1A_CNT, 0x604);
	put32(t.facp, F_SMI_CMD, 0x100b2); /* not an I/O port */
	sdt_seal(t.facp);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	put32(t.facp, F_SMI_CMD, 0xb2);
	put32(t.facp, F_DSDT, 0); /* no DSDT */
	sdt_seal(t.facp);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	free_mem(&t.mem);

	/* No FACP in the RSDT at all. */
	build_set(&t, 116, aml_s5, sizeof(aml_s5));
	memcpy(t.facp, "FACQ", 4);
	sdt_seal(t.facp);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_ENOTSUP);
	free_mem(&t.mem);
}

static void test_bad_dsdt(void)
{
	static const uint8_t no_s5[] = { 0x08, 'P', 'I', 'C', 'F', 0x00 };
	/* _S5 whose package claims 7 bytes but the table ends mid-element. */
	static const uint8_t cut[] = { NS5, 0x12, 0x07, 0x04, 0x0a };
	struct tset t;
	struct acpi_power p;

	build_set(&t, 116, no_s5, sizeof(no_s5));
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_ENOTSUP);
	free_mem(&t.mem);

	build_set(&t, 116, cut, sizeof(cut));
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	free_mem(&t.mem);

	build_set(&t, 116, aml_s5, sizeof(aml_s5));
	t.dsdt[40] ^= 1; /* checksum */
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	t.dsdt[40] ^= 1;
	memcpy(t.dsdt, "SSDT", 4); /* signature */
	sdt_seal(t.dsdt);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	free_mem(&t.mem);
}

/* \_S5 only in an SSDT listed in the RSDT: found there. A corrupt SSDT is
 * skipped. */
static void test_s5_in_ssdt(void)
{
	static const uint8_t no_s5[] = { 0x08, 'P', 'I', 'C', 'F', 0x00 };
	struct tset t;
	struct acpi_power p;
	uint8_t *ssdt, *rsdt;

	build_set(&t, 116, no_s5, sizeof(no_s5));
	/* Replace the RSDT with one of three entries. */
	free(t.mem.r[0].buf);
	rsdt = t.mem.r[0].buf = calloc(1, 48);
	t.mem.r[0].len = 48;
	sdt_header(rsdt, "RSDT", 48, 1);
	put32(rsdt, 36, (uint32_t)PA_APIC);
	put32(rsdt, 40, (uint32_t)PA_FACP);
	put32(rsdt, 44, (uint32_t)PA_SSDT);
	sdt_seal(rsdt);
	ssdt = add_region(&t.mem, PA_SSDT, 36 + sizeof(aml_s5));
	sdt_header(ssdt, "SSDT", 36 + sizeof(aml_s5), 1);
	memcpy(ssdt + 36, aml_s5, sizeof(aml_s5));
	sdt_seal(ssdt);

	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.slp_typa, 5);
	CU_ASSERT_EQUAL(p.dsdt, PA_DSDT);
	ssdt[40] ^= 1;
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_ENOTSUP);
	free_mem(&t.mem);
}

/*
 * Revision 2: the RSDT leads to a decoy FACP (PM1a 0x1111); the XSDT leads
 * to an ACPI 6 FACP above 4 GiB with PM1a only in X_PM1a_CNT_BLK (I/O
 * 0x404) and X_DSDT (above 4 GiB) overriding the 32-bit DSDT field.
 */
static void build_rev2(struct tset *t)
{
	static const uint8_t aml_x[] = { NS5, 0x12, 0x05, 0x04, 0x0a, 0x07, 0x00, 0x00, 0x00 };
	uint8_t *xsdt, *facp, *dsdt;

	build_set(t, 116, aml_s5, sizeof(aml_s5));
	put32(t->facp, F_PM1A_CNT, 0x1111);
	sdt_seal(t->facp);

	xsdt = add_region(&t->mem, PA_XSDT, 36 + 2 * 8);
	sdt_header(xsdt, "XSDT", 36 + 2 * 8, 1);
	put64(xsdt, 36, PA_APIC);
	put64(xsdt, 44, PA_FACP_X);
	sdt_seal(xsdt);

	facp = add_region(&t->mem, PA_FACP_X, 276);
	sdt_header(facp, "FACP", 276, 6);
	put32(facp, F_DSDT, (uint32_t)PA_DSDT);
	put64(facp, F_X_DSDT, PA_DSDT_X);
	facp[F_X_PM1A_CNT] = 1; /* System I/O */
	facp[F_X_PM1A_CNT + 1] = 16;
	facp[F_X_PM1A_CNT + 3] = 2;
	put64(facp, F_X_PM1A_CNT + 4, 0x404);
	facp[F_X_PM1B_CNT] = 1;
	put64(facp, F_X_PM1B_CNT + 4, 0x408);
	sdt_seal(facp);

	dsdt = add_region(&t->mem, PA_DSDT_X, 36 + sizeof(aml_x));
	sdt_header(dsdt, "DSDT", 36 + sizeof(aml_x), 2);
	memcpy(dsdt + 36, aml_x, sizeof(aml_x));
	sdt_seal(dsdt);

	t->rsdp[15] = 2;
	put32(t->rsdp, 20, 36);
	put64(t->rsdp, 24, PA_XSDT);
	seal(t->rsdp, 20, 8);
	seal(t->rsdp, 36, 32);
	t->rsdp_len = 36;
}

static void test_xsdt_rev2(void)
{
	struct tset t;
	struct acpi_power p;
	uint8_t *facp;

	build_rev2(&t);
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.pm1a_cnt, 0x404);
	CU_ASSERT_EQUAL(p.pm1b_cnt, 0x408);
	CU_ASSERT_EQUAL(p.dsdt, PA_DSDT_X);
	CU_ASSERT_EQUAL(p.slp_typa, 7);
	CU_ASSERT_EQUAL(p.slp_typb, 0);
	CU_ASSERT_EQUAL(p.smi_cmd, 0);

	/* Extended checksum wrong (the 20-byte one still right). */
	t.rsdp[33] ^= 1;
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	t.rsdp[33] ^= 1;
	/* Length beyond what the caller copied. */
	put32(t.rsdp, 20, 40);
	seal(t.rsdp, 20, 8);
	seal(t.rsdp, 36, 32);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	put32(t.rsdp, 20, 36);
	seal(t.rsdp, 20, 8);
	seal(t.rsdp, 36, 32);

	/* Only the 20-byte part copied (multiboot2 old-RSDP tag): RSDT. */
	t.rsdp_len = 20;
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.pm1a_cnt, 0x1111);
	t.rsdp_len = 36;

	/* XsdtAddress 0: RSDT. */
	put64(t.rsdp, 24, 0);
	seal(t.rsdp, 36, 32);
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.pm1a_cnt, 0x1111);
	put64(t.rsdp, 24, PA_XSDT);
	seal(t.rsdp, 36, 32);

	/* PM1a only in memory space: not usable. */
	facp = t.mem.r[5].buf;
	facp[F_X_PM1A_CNT] = 0;
	sdt_seal(facp);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_ENOTSUP);
	facp[F_X_PM1A_CNT] = 1;
	/* The legacy field, when set, wins over X_PM1a_CNT_BLK. */
	put32(facp, F_PM1A_CNT, 0xb004);
	sdt_seal(facp);
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.pm1a_cnt, 0xb004);
	/* X_DSDT 0: the 32-bit DSDT field. */
	put64(facp, F_X_DSDT, 0);
	sdt_seal(facp);
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.dsdt, PA_DSDT);
	CU_ASSERT_EQUAL(p.slp_typa, 5);
	/* X_ port above 0xffff. */
	put32(facp, F_PM1A_CNT, 0);
	put64(facp, F_X_PM1A_CNT + 4, 0x10000);
	sdt_seal(facp);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_EINVAL);
	free_mem(&t.mem);
}

/* A FADT that ends inside X_PM1a_CNT_BLK must not have it read. */
static void test_fadt_partial_x(void)
{
	struct tset t;
	struct acpi_power p;
	uint8_t *facp;

	build_rev2(&t);
	facp = t.mem.r[5].buf;
	put32(facp, 4, 180); /* ends 8 bytes into X_PM1a_CNT_BLK */
	seal(facp, 180, 9);
	CU_ASSERT_EQUAL(parse(&t, &p), -EXO_ENOTSUP);
	put32(facp, 4, 148); /* ends right after X_DSDT */
	put32(facp, F_PM1A_CNT, 0x604);
	seal(facp, 148, 9);
	CU_ASSERT_EQUAL(parse(&t, &p), 0);
	CU_ASSERT_EQUAL(p.pm1a_cnt, 0x604);
	CU_ASSERT_EQUAL(p.pm1b_cnt, 0);
	CU_ASSERT_EQUAL(p.dsdt, PA_DSDT_X);
	free_mem(&t.mem);
}

static CU_TestInfo acpi_tests[] = {
	{ "iasl: Package (4) {5, 5, 0, 0}", test_iasl_plain },
	{ "iasl: Name (\\_S5) root prefix, Zero/One", test_iasl_root_prefix },
	{ "iasl: Scope (\\), 2-byte PkgLength", test_iasl_scope_root },
	{ "iasl: Word/DWord values too wide", test_iasl_wide_values },
	{ "iasl: no _S5", test_iasl_no_s5 },
	{ "AML integer and name forms", test_find_forms },
	{ "malformed AML", test_find_malformed },
	{ "random AML", test_find_random },
	{ "RSDP rev 0 -> RSDT -> FACP -> DSDT", test_rsdt_rev0 },
	{ "iasl DSDT in a table set", test_iasl_dsdt_in_tables },
	{ "bad RSDP", test_bad_rsdp },
	{ "bad RSDT", test_bad_rsdt },
	{ "bad or missing FADT", test_bad_fadt },
	{ "bad DSDT or no _S5", test_bad_dsdt },
	{ "_S5 in an SSDT", test_s5_in_ssdt },
	{ "RSDP rev 2 -> XSDT, X_ fields", test_xsdt_rev2 },
	{ "FADT ending inside an X_ field", test_fadt_partial_x },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE(acpi, acpi_tests);
