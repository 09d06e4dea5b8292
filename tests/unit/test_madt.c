/*
 * test_madt.c - host tests of the MADT parser (acpi_parse_madt and
 * acpi_isa_irq_gsi in exokernel/acpi_tables.c).
 *
 * Each test lays out RSDP -> RSDT (or XSDT) -> { HPET, APIC } at fake
 * physical addresses served by a test acpi_map_fn, as test_acpi.c does for
 * the FADT (its small helpers are copied here; test files do not share
 * code). The reference MADT is the one QEMU 7.2 builds for
 * `-machine pc -smp 2`, byte for byte as dumped from guest memory; the
 * others are written by raw spec offsets (ACPI 6.x §5.2.12), not through
 * acpi_tables.h's structs, so a wrong struct layout fails here too. Every
 * table lives in a malloc block of exactly its length, so AddressSanitizer
 * (run-tests-san) catches any read past the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/error.h>

#include "acpi_tables.h"
#include "unit.h"

/* ------------------------------------------------------------ helpers */

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, 2);
}
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

/* Seal a table over the Length in its header. */
static void sdt_seal(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + 4, 4);
	seal(t, len, 9);
}

/* Fake physical memory: regions, each its own exact-size malloc block. */
#define MAX_REGIONS 6
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

/* ------------------------------------------------------------ table sets */

/* Fake physical addresses, QEMU's neighbourhood. */
#define PA_RSDT 0x7fe1aa4ULL
#define PA_APIC 0x7fe19c4ULL
#define PA_HPET 0x7fe1a44ULL
#define PA_XSDT 0x7fe2000ULL

/* RSDP rev 0 -> RSDT { HPET, APIC } -> a 56-byte HPET stand-in and the MADT
 * image madt[0..len) in a region of exactly len bytes. The MADT is copied
 * as given: its Length and checksum are the caller's. */
struct tset {
	struct fake_mem mem;
	uint8_t rsdp[36];
	uint32_t rsdp_len;
	uint8_t *rsdt, *madt;
};

static void build_set(struct tset *t, const uint8_t *madt, size_t len)
{
	uint8_t *hpet;

	memset(t, 0, sizeof(*t));
	t->rsdt = add_region(&t->mem, PA_RSDT, 36 + 2 * 4);
	sdt_header(t->rsdt, "RSDT", 36 + 2 * 4, 1);
	put32(t->rsdt, 36, (uint32_t)PA_HPET);
	put32(t->rsdt, 40, (uint32_t)PA_APIC);
	sdt_seal(t->rsdt);

	hpet = add_region(&t->mem, PA_HPET, 56);
	sdt_header(hpet, "HPET", 56, 1);
	sdt_seal(hpet);

	t->madt = add_region(&t->mem, PA_APIC, len);
	memcpy(t->madt, madt, len);

	memcpy(t->rsdp, "RSD PTR ", 8);
	memcpy(t->rsdp + 9, "EXOTST", 6);
	put32(t->rsdp, 16, (uint32_t)PA_RSDT);
	seal(t->rsdp, 20, 8);
	t->rsdp_len = 20;
}

/* Parse t; on failure check *out was left alone. */
static int parse_set(struct tset *t, struct acpi_madt_info *out)
{
	unsigned char before[sizeof(*out)];
	int err;

	memset(out, 0xa5, sizeof(*out));
	memcpy(before, out, sizeof(before));
	err = acpi_parse_madt(t->rsdp, t->rsdp_len, fake_map, &t->mem, out);
	if (err != 0)
		CU_ASSERT_EQUAL(memcmp(out, before, sizeof(before)), 0);
	return err;
}

/* Build a set around madt[0..len), parse it, free it. */
static int parse_madt(const uint8_t *madt, size_t len, struct acpi_madt_info *out)
{
	struct tset t;
	int err;

	build_set(&t, madt, len);
	err = parse_set(&t, out);
	free_mem(&t.mem);
	return err;
}

/* ------------------------------------------------------------ MADT images */

/* QEMU 7.2, -machine pc -smp 2 (dumped from guest memory, RSDT entry at
 * 0x7fe19c4 with 128 MiB): MADT revision 1, LAPIC at 0xfee00000, PCAT_COMPAT. */
static const uint8_t qemu_smp2[] = {
	/* header: "APIC", Length 128, Revision 1, Checksum 0x77, "BOCHS ",
	 * "BXPC    ", OEM rev 1, "BXPC", creator rev 1 */
	0x41, 0x50, 0x49, 0x43, 0x80, 0x00, 0x00, 0x00, 0x01, 0x77, 0x42, 0x4f, 0x43, 0x48,
	0x53, 0x20, 0x42, 0x58, 0x50, 0x43, 0x20, 0x20, 0x20, 0x20, 0x01, 0x00, 0x00, 0x00,
	0x42, 0x58, 0x50, 0x43, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0xfe, /* Local Interrupt
										   Controller
										   Address */
	0x01, 0x00, 0x00, 0x00,				/* Flags: PCAT_COMPAT */
	0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* LAPIC uid 0 id 0 enabled */
	0x00, 0x08, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, /* LAPIC uid 1 id 1 enabled */
	0x01, 0x0c, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00, /* I/O APIC */
	0x02, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,		/* IRQ0 -> GSI2 */
	0x02, 0x0a, 0x00, 0x05, 0x05, 0x00, 0x00, 0x00, 0x0d, 0x00, /* IRQ5, level/high */
	0x02, 0x0a, 0x00, 0x09, 0x09, 0x00, 0x00, 0x00, 0x0d, 0x00, /* IRQ9 */
	0x02, 0x0a, 0x00, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x00, /* IRQ10 */
	0x02, 0x0a, 0x00, 0x0b, 0x0b, 0x00, 0x00, 0x00, 0x0d, 0x00, /* IRQ11 */
	0x04, 0x06, 0xff, 0x00, 0x00, 0x01,			    /* LAPIC NMI, all, LINT1 */
};

/* Offsets where each structure of qemu_smp2 ends (and the table, at 128). */
static const uint32_t qemu_ends[] = { 44, 52, 60, 72, 82, 92, 102, 112, 122, 128 };

/* An MADT under construction: header, then structures appended by raw
 * spec offsets; madt_done sets Length and the checksum. */
struct madt {
	uint8_t b[1024];
	size_t len;
};

static void madt_init(struct madt *m, uint32_t lapic, uint32_t flags)
{
	memset(m, 0, sizeof(*m));
	sdt_header(m->b, "APIC", 44, 4);
	put32(m->b, 36, lapic);
	put32(m->b, 40, flags);
	m->len = 44;
}

/* Append a structure of type type and length len (the bytes after the two
 * header bytes are zero), returning it for the caller to fill. */
static uint8_t *madt_add(struct madt *m, uint8_t type, uint8_t len)
{
	uint8_t *e = m->b + m->len;

	e[0] = type;
	e[1] = len;
	m->len += len ? len : 2; /* a 0 length still takes its 2 header bytes */
	return e;
}

/* Processor Local APIC (§5.2.12.2): uid @2, APIC ID @3, flags @4. */
static void madt_lapic(struct madt *m, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = madt_add(m, 0, 8);

	e[2] = uid;
	e[3] = id;
	put32(e, 4, flags);
}

/* I/O APIC (§5.2.12.3): id @2, address @4, GSI base @8. */
static void madt_ioapic(struct madt *m, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t *e = madt_add(m, 1, 12);

	e[2] = id;
	put32(e, 4, addr);
	put32(e, 8, gsi_base);
}

/* Interrupt Source Override (§5.2.12.5): bus @2, source @3, GSI @4, flags @8. */
static void madt_override(struct madt *m, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags)
{
	uint8_t *e = madt_add(m, 2, 10);

	e[2] = bus;
	e[3] = source;
	put32(e, 4, gsi);
	put16(e, 8, flags);
}

/* Processor Local x2APIC (§5.2.12.12): x2APIC ID @4, flags @8, uid @12. */
static void madt_x2apic(struct madt *m, uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = madt_add(m, 9, 16);

	put32(e, 4, id);
	put32(e, 8, flags);
	put32(e, 12, uid);
}

/* Local APIC Address Override (§5.2.12.8): address @4. */
static void madt_lapic64(struct madt *m, uint64_t addr)
{
	uint8_t *e = madt_add(m, 5, 12);

	put64(e, 4, addr);
}

static void madt_done(struct madt *m)
{
	put32(m->b, 4, (uint32_t)m->len);
	sdt_seal(m->b);
}

static int parse_built(struct madt *m, struct acpi_madt_info *out)
{
	madt_done(m);
	return parse_madt(m->b, m->len, out);
}

/* ------------------------------------------------------------ tests */

/* The fields of qemu_smp2, as the brief for SMP bring-up expects them. */
static void check_qemu_smp2(const struct acpi_madt_info *m)
{
	CU_ASSERT_EQUAL(m->lapic_base, 0xfee00000u);
	CU_ASSERT(m->pcat_compat);
	CU_ASSERT_EQUAL(m->ncpus, 2);
	CU_ASSERT_EQUAL(m->ncpus_ignored, 0);
	CU_ASSERT_EQUAL(m->apic_id[0], 0);
	CU_ASSERT_EQUAL(m->apic_id[1], 1);
	CU_ASSERT_EQUAL(m->nioapics, 1);
	CU_ASSERT_EQUAL(m->nioapics_ignored, 0);
	CU_ASSERT_EQUAL(m->ioapic[0].id, 0);
	CU_ASSERT_EQUAL(m->ioapic[0].addr, 0xfec00000u);
	CU_ASSERT_EQUAL(m->ioapic[0].gsi_base, 0);
	CU_ASSERT_EQUAL(m->noverrides, 5);
	CU_ASSERT_EQUAL(m->noverrides_ignored, 0);
	CU_ASSERT_EQUAL(m->override[0].source, 0);
	CU_ASSERT_EQUAL(m->override[0].gsi, 2);
	CU_ASSERT_EQUAL(m->override[0].flags, 0);
	CU_ASSERT_EQUAL(m->override[4].source, 11);
	CU_ASSERT_EQUAL(m->override[4].gsi, 11);
	CU_ASSERT_EQUAL(m->override[4].flags, 0x000d);
}

static void test_qemu_smp2(void)
{
	struct acpi_madt_info m;
	uint16_t flags;

	CU_ASSERT_EQUAL(sizeof(qemu_smp2), 128);
	CU_ASSERT_EQUAL(parse_madt(qemu_smp2, sizeof(qemu_smp2), &m), 0);
	check_qemu_smp2(&m);

	/* Every ISA IRQ: 0 -> 2 conforming; 5, 9, 10, 11 level, active high;
	 * the rest identity, conforming. */
	for (unsigned irq = 0; irq < 16; irq++) {
		bool pci = irq == 5 || irq == 9 || irq == 10 || irq == 11;
		uint32_t gsi;

		flags = 0xeeee;
		gsi = acpi_isa_irq_gsi(&m, irq, &flags);
		CU_ASSERT_EQUAL(gsi, irq == 0 ? 2 : irq);
		CU_ASSERT_EQUAL(flags, pci ? 0x000d : 0);
	}
	CU_ASSERT_EQUAL(m.override[1].flags & ACPI_MADT_POLARITY_MASK, ACPI_MADT_POLARITY_HIGH);
	CU_ASSERT_EQUAL(m.override[1].flags & ACPI_MADT_TRIGGER_MASK, ACPI_MADT_TRIGGER_LEVEL);
	/* Not an ISA IRQ: unchanged, and no override is consulted. */
	flags = 0xeeee;
	CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&m, 16, &flags), 16);
	CU_ASSERT_EQUAL(flags, 0);
	CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&m, 0, NULL), 2);
}

/* The same MADT reached through RSDP rev 2 -> XSDT. */
static void test_qemu_smp2_xsdt(void)
{
	struct tset t;
	struct acpi_madt_info m;
	uint8_t *xsdt;

	build_set(&t, qemu_smp2, sizeof(qemu_smp2));
	xsdt = add_region(&t.mem, PA_XSDT, 36 + 8);
	sdt_header(xsdt, "XSDT", 36 + 8, 1);
	put64(xsdt, 36, PA_APIC);
	sdt_seal(xsdt);
	put32(t.rsdt, 40, 0xdead0000); /* the RSDT must not be the one used */
	sdt_seal(t.rsdt);
	t.rsdp[15] = 2;
	put32(t.rsdp, 20, 36);
	put64(t.rsdp, 24, PA_XSDT);
	seal(t.rsdp, 20, 8);
	seal(t.rsdp, 36, 32);
	t.rsdp_len = 36;
	CU_ASSERT_EQUAL(parse_set(&t, &m), 0);
	check_qemu_smp2(&m);
	t.rsdp_len = 20; /* 20-byte copy: the RSDT, whose entry points nowhere */
	CU_ASSERT_EQUAL(parse_set(&t, &m), -EXO_ENOTSUP);
	free_mem(&t.mem);
}

/* Cut the QEMU MADT at every length from 0 to 127, with Length and checksum
 * fixed up to match and the region exactly that long. Below 36 bytes the
 * header cannot be mapped, so the root-table entry is skipped (as any
 * unmappable entry is) and there is no MADT; 36 to 43 is too short for the
 * MADT's fixed fields; a cut on a structure boundary is a valid shorter
 * MADT; any other cut leaves a structure running past the table. */
static void test_every_truncation(void)
{
	unsigned bad = 0;

	for (uint32_t n = 0; n < sizeof(qemu_smp2); n++) {
		uint8_t img[sizeof(qemu_smp2)];
		struct acpi_madt_info m;
		bool boundary = false;
		int err, want;

		for (size_t i = 0; i < sizeof(qemu_ends) / sizeof(qemu_ends[0]); i++)
			boundary |= qemu_ends[i] == n;
		memcpy(img, qemu_smp2, sizeof(img));
		if (n >= 36) {
			put32(img, 4, n);
			seal(img, n, 9);
		}
		err = parse_madt(img, n, &m);
		want = n < 36 ? -EXO_ENOTSUP : boundary ? 0 : -EXO_EINVAL;
		if (err != want) {
			fprintf(stderr, "\n  cut at %u: err %d, want %d\n", n, err, want);
			bad++;
		}
		if (err == 0) {
			/* A prefix holds a prefix of the CPUs and overrides. */
			bad += m.ncpus != (n >= 60 ? 2u : n >= 52 ? 1u : 0u);
			bad += m.nioapics != (n >= 72 ? 1u : 0u);
			bad += m.noverrides != (n >= 82 ? (n - 72) / 10 : 0u);
			bad += m.lapic_base != 0xfee00000u;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_disabled_cpus(void)
{
	struct madt b;
	struct acpi_madt_info m;

	/* QEMU -smp 2,maxcpus=4 style: absent CPUs listed with flags 0. */
	madt_init(&b, 0xfee00000, 0);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&b, 1, 1, 0);
	madt_lapic(&b, 2, 2, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&b, 3, 3, ACPI_MADT_CPU_ONLINE_CAPABLE);
	madt_lapic(&b, 4, 4, 0xfffffffc); /* reserved bits only */
	madt_x2apic(&b, 5, 0, 5);
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.ncpus, 3);
	CU_ASSERT_EQUAL(m.ncpus_ignored, 0);
	CU_ASSERT_EQUAL(m.apic_id[0], 0);
	CU_ASSERT_EQUAL(m.apic_id[1], 2);
	CU_ASSERT_EQUAL(m.apic_id[2], 3);
	CU_ASSERT(!m.pcat_compat);
	CU_ASSERT_EQUAL(m.nioapics, 0);
	CU_ASSERT_EQUAL(m.noverrides, 0);
}

/* The BSP need not come first, and the order is kept. */
static void test_madt_order(void)
{
	struct madt b;
	struct acpi_madt_info m;

	madt_init(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 6, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&b, 1, 2, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&b, 2, 0, ACPI_MADT_CPU_ENABLED);
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.ncpus, 3);
	CU_ASSERT(m.apic_id[0] == 6 && m.apic_id[1] == 2 && m.apic_id[2] == 0);
}

static void test_too_many_cpus(void)
{
	struct madt b;
	struct acpi_madt_info m;

	madt_init(&b, 0xfee00000, 1);
	for (unsigned i = 0; i < ACPI_MAX_CPUS + 4; i++)
		madt_lapic(&b, (uint8_t)i, (uint8_t)(2 * i), ACPI_MADT_CPU_ENABLED);
	madt_lapic(&b, 99, 99, 0); /* disabled: not even ignored-counted */
	madt_ioapic(&b, 0, 0xfec00000, 0);
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.ncpus, ACPI_MAX_CPUS);
	CU_ASSERT_EQUAL(m.ncpus_ignored, 4);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		CU_ASSERT_EQUAL(m.apic_id[i], 2 * i);
	CU_ASSERT_EQUAL(m.nioapics, 1); /* parsing went on past the CPUs */
}

static void test_x2apic(void)
{
	struct madt b;
	struct acpi_madt_info m;

	madt_init(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_x2apic(&b, 0, ACPI_MADT_CPU_ENABLED, 0);		   /* same CPU again */
	madt_x2apic(&b, 7, ACPI_MADT_CPU_ENABLED, 1);		   /* recorded */
	madt_x2apic(&b, 254, ACPI_MADT_CPU_ENABLED, 2);		   /* recorded */
	madt_x2apic(&b, 255, ACPI_MADT_CPU_ENABLED, 3);		   /* xAPIC broadcast */
	madt_x2apic(&b, 256, ACPI_MADT_CPU_ENABLED, 4);		   /* must not wrap to 0 */
	madt_x2apic(&b, 0x10007, ACPI_MADT_CPU_ONLINE_CAPABLE, 5); /* nor to 7 */
	madt_x2apic(&b, 300, 0, 6);				   /* disabled */
	madt_lapic(&b, 9, 0xff, ACPI_MADT_CPU_ENABLED);		   /* broadcast id */
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.ncpus, 3);
	CU_ASSERT(m.apic_id[0] == 0 && m.apic_id[1] == 7 && m.apic_id[2] == 254);
	CU_ASSERT_EQUAL(m.ncpus_ignored, 5);
}

static void test_lapic_override(void)
{
	struct madt b;
	struct acpi_madt_info m;

	madt_init(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic64(&b, 0x123fee00000ull);
	madt_lapic(&b, 1, 1, ACPI_MADT_CPU_ENABLED);
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.lapic_base, 0x123fee00000ull);
	CU_ASSERT_EQUAL(m.ncpus, 2);

	/* Without the override: the 32-bit field. */
	madt_init(&b, 0xfed00000, 1);
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.lapic_base, 0xfed00000u);
	CU_ASSERT_EQUAL(m.ncpus, 0);
}

static void test_ioapics_and_overrides(void)
{
	struct madt b;
	struct acpi_madt_info m;
	uint16_t flags;

	madt_init(&b, 0xfee00000, 1);
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic(&b, (uint8_t)(8 + i), 0xfec00000 + 0x1000 * i, 24 * i);
	madt_override(&b, 0, 9, 20, 0x000f); /* level, active low */
	madt_override(&b, 0, 9, 21, 0);	     /* a second one for IRQ9: the first wins */
	madt_override(&b, 1, 4, 30, 0);	     /* not ISA: skipped */
	madt_override(&b, 0, 16, 31, 0);     /* not an ISA IRQ: skipped */
	for (unsigned i = 0; i < ACPI_MAX_OVERRIDES; i++)
		madt_override(&b, 0, 3, 40 + i, 0);
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.nioapics, ACPI_MAX_IOAPICS);
	CU_ASSERT_EQUAL(m.nioapics_ignored, 2);
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS; i++) {
		CU_ASSERT_EQUAL(m.ioapic[i].id, 8 + i);
		CU_ASSERT_EQUAL(m.ioapic[i].addr, 0xfec00000 + 0x1000 * i);
		CU_ASSERT_EQUAL(m.ioapic[i].gsi_base, 24 * i);
	}
	CU_ASSERT_EQUAL(m.noverrides, ACPI_MAX_OVERRIDES);
	CU_ASSERT_EQUAL(m.noverrides_ignored, 2);
	CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&m, 9, &flags), 20);
	CU_ASSERT_EQUAL(flags, 0x000f);
	CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&m, 3, &flags), 40);
	CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&m, 4, &flags), 4);
	CU_ASSERT_EQUAL(flags, 0);
}

/* Unknown types and longer-than-fixed structures (later revisions) are
 * skipped by their Length. */
static void test_skip_by_length(void)
{
	struct madt b;
	struct acpi_madt_info m;
	uint8_t *e;

	madt_init(&b, 0xfee00000, 1);
	madt_add(&b, 0x7f, 2);	    /* unknown, header only */
	e = madt_add(&b, 0x80, 40); /* unknown (OEM range), looks like a LAPIC inside */
	e[2] = 0;
	e[3] = 0x55;
	madt_add(&b, 4, 6);	 /* Local APIC NMI: not read */
	e = madt_add(&b, 0, 12); /* LAPIC with 4 extra bytes */
	e[3] = 3;
	put32(e, 4, ACPI_MADT_CPU_ENABLED);
	e = madt_add(&b, 2, 12); /* override with 2 extra bytes */
	e[3] = 1;
	put32(e, 4, 17);
	put16(e, 8, 0xd);
	madt_add(&b, 0xff, 255); /* the longest structure there can be */
	madt_lapic(&b, 1, 4, ACPI_MADT_CPU_ENABLED);
	CU_ASSERT_EQUAL(parse_built(&b, &m), 0);
	CU_ASSERT_EQUAL(m.ncpus, 2);
	CU_ASSERT(m.apic_id[0] == 3 && m.apic_id[1] == 4);
	CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&m, 1, NULL), 17);
}

/* A structure of a known type shorter than its fixed size, a Length below
 * 2 (0 must not make the walk spin), one past the table, a lone byte. */
static void test_malformed_entries(void)
{
	static const struct {
		uint8_t type, len;
	} shorts[] = {
		{ 0, 7 }, { 1, 11 }, { 2, 9 }, { 5, 11 },   { 9, 15 },	 { 0, 2 },
		{ 9, 2 }, { 0, 0 },  { 0, 1 }, { 0x7f, 0 }, { 0x7f, 1 }, { 2, 0 },
	};
	struct madt b;
	struct acpi_madt_info m;

	for (size_t i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
		int err;

		madt_init(&b, 0xfee00000, 1);
		madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
		madt_add(&b, shorts[i].type, shorts[i].len);
		/* Then valid unknown structures a wrongly accepted length would
		 * land in, so only the check under test can fail the parse. */
		for (int j = 0; j < 8; j++)
			madt_add(&b, 0x7f, 2);
		madt_lapic(&b, 1, 1, ACPI_MADT_CPU_ENABLED);
		err = parse_built(&b, &m);
		if (err != -EXO_EINVAL)
			fprintf(stderr, "\n  type %u length %u: err %d\n", shorts[i].type,
				shorts[i].len, err);
		CU_ASSERT_EQUAL(err, -EXO_EINVAL);
	}

	/* Last structure's Length runs one byte past the table. */
	madt_init(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(&b, 0, 0xfec00000, 0);
	b.b[b.len - 12 + 1] = 13;
	CU_ASSERT_EQUAL(parse_built(&b, &m), -EXO_EINVAL);
	/* ... and a 255-byte Length from the last structure. */
	b.b[b.len - 12 + 1] = 255;
	CU_ASSERT_EQUAL(parse_built(&b, &m), -EXO_EINVAL);

	/* One trailing byte: a type with no Length. */
	madt_init(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_CPU_ENABLED);
	b.b[b.len++] = 0x7f;
	CU_ASSERT_EQUAL(parse_built(&b, &m), -EXO_EINVAL);
}

static void test_bad_table(void)
{
	uint8_t img[sizeof(qemu_smp2)];
	struct tset t;
	struct acpi_madt_info m;

	/* Checksum off by one bit, in a structure byte. */
	memcpy(img, qemu_smp2, sizeof(img));
	img[60] ^= 1;
	CU_ASSERT_EQUAL(parse_madt(img, sizeof(img), &m), -EXO_EINVAL);

	/* Length past the mapped region (checksum fixed over what is there). */
	memcpy(img, qemu_smp2, sizeof(img));
	put32(img, 4, sizeof(img) + 8);
	seal(img, sizeof(img), 9);
	CU_ASSERT_EQUAL(parse_madt(img, sizeof(img), &m), -EXO_EINVAL);

	/* Length huge, and Length below the header. */
	put32(img, 4, 0xfffffff0);
	CU_ASSERT_EQUAL(parse_madt(img, sizeof(img), &m), -EXO_EINVAL);
	put32(img, 4, 20);
	seal(img, 20, 9);
	CU_ASSERT_EQUAL(parse_madt(img, sizeof(img), &m), -EXO_EINVAL);

	/* Bad RSDP, and NULL arguments. */
	build_set(&t, qemu_smp2, sizeof(qemu_smp2));
	t.rsdp[8] ^= 1;
	CU_ASSERT_EQUAL(parse_set(&t, &m), -EXO_EINVAL);
	t.rsdp[8] ^= 1;
	CU_ASSERT_EQUAL(parse_set(&t, &m), 0);
	CU_ASSERT_EQUAL(acpi_parse_madt(NULL, 20, fake_map, &t.mem, &m), -EXO_EINVAL);
	CU_ASSERT_EQUAL(acpi_parse_madt(t.rsdp, 20, NULL, &t.mem, &m), -EXO_EINVAL);
	CU_ASSERT_EQUAL(acpi_parse_madt(t.rsdp, 20, fake_map, &t.mem, NULL), -EXO_EINVAL);
	free_mem(&t.mem);
}

static void test_no_madt(void)
{
	uint8_t img[sizeof(qemu_smp2)];
	struct tset t;
	struct acpi_madt_info m;

	/* Signature "APIX": no MADT among the tables. */
	memcpy(img, qemu_smp2, sizeof(img));
	img[3] = 'X';
	seal(img, sizeof(img), 9);
	CU_ASSERT_EQUAL(parse_madt(img, sizeof(img), &m), -EXO_ENOTSUP);

	/* The RSDT entry points at unmapped memory. */
	build_set(&t, qemu_smp2, sizeof(qemu_smp2));
	put32(t.rsdt, 40, 0x40000000);
	sdt_seal(t.rsdt);
	CU_ASSERT_EQUAL(parse_set(&t, &m), -EXO_ENOTSUP);
	/* An RSDT with no entries at all. */
	put32(t.rsdt, 4, 36);
	seal(t.rsdt, 36, 9);
	CU_ASSERT_EQUAL(parse_set(&t, &m), -EXO_ENOTSUP);
	free_mem(&t.mem);
}

/* Random structures after a valid header, Length and checksum fixed up:
 * the result is 0 or -EXO_EINVAL, and what is recorded stays in bounds.
 * ASan checks the reads. */
static void test_random_entries(void)
{
	static const uint8_t types[] = { 0, 1, 2, 5, 9, 4, 0x7f };
	unsigned seed = 4242, bad = 0, ok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		struct madt b;
		struct acpi_madt_info m;
		size_t n = 44 + (size_t)(rand_r(&seed) % 120);
		int err;

		madt_init(&b, 0xfee00000, 1);
		for (size_t i = 44; i < n; i++)
			b.b[i] = (uint8_t)rand_r(&seed);
		/* Steer towards plausible structures. */
		for (size_t i = 44; i + 1 < n; i += 2 + (size_t)(rand_r(&seed) % 16)) {
			b.b[i] = types[rand_r(&seed) % sizeof(types)];
			b.b[i + 1] = (uint8_t)(rand_r(&seed) % 20);
		}
		b.len = n;
		err = parse_built(&b, &m);
		if (err != 0 && err != -EXO_EINVAL)
			bad++;
		if (err == 0) {
			ok++;
			bad += m.ncpus > ACPI_MAX_CPUS || m.nioapics > ACPI_MAX_IOAPICS ||
			       m.noverrides > ACPI_MAX_OVERRIDES;
			for (unsigned i = 0; i < m.ncpus; i++)
				bad += m.apic_id[i] == 0xff;
			for (unsigned i = 0; i < m.noverrides; i++)
				bad += m.override[i].source > 15;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(ok > 0); /* the generator does reach valid tables */
}

static CU_TestInfo madt_tests[] = {
	{ "QEMU -smp 2 MADT (real bytes), ISA IRQ map", test_qemu_smp2 },
	{ "QEMU MADT through RSDP rev 2 -> XSDT", test_qemu_smp2_xsdt },
	{ "every truncation of the QEMU MADT", test_every_truncation },
	{ "disabled and online-capable CPUs", test_disabled_cpus },
	{ "CPU order is MADT order", test_madt_order },
	{ "more than ACPI_MAX_CPUS", test_too_many_cpus },
	{ "x2APIC ids, duplicates, broadcast id", test_x2apic },
	{ "64-bit Local APIC Address Override", test_lapic_override },
	{ "I/O APICs and overrides: limits, bus, first wins", test_ioapics_and_overrides },
	{ "unknown and longer structures skipped", test_skip_by_length },
	{ "short, zero-length and overlong structures", test_malformed_entries },
	{ "bad checksum, length, RSDP, NULL", test_bad_table },
	{ "no MADT", test_no_madt },
	{ "random structures", test_random_entries },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE(madt, madt_tests);
