/*
 * test_vdev_acpi.c - host tests of the emulated PC's firmware tables
 * (libos/vmm/dev/acpitab.c) and ACPI PM registers (dev/acpipm.c).
 *
 * The tables are built around the real DSDT (libos/vmm/acpi/dsdt.asl,
 * compiled by iasl at build time) and then read back by the kernel's own
 * ACPI reader (exokernel/acpi_tables.c), which trusts nothing it has not
 * checked: a wrong checksum, length or pointer fails here. The MP table is
 * checked by its spec offsets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"
#include "dev/acpipm.h"
#include "dev/acpitab.h"
#include "unit.h"

static uint8_t *dsdt;
static size_t dsdt_len;
static uint8_t area[ACPITAB_BYTES];

static int load_dsdt(void)
{
	FILE *f = fopen(VMM_DSDT_AML, "rb");
	if (!f)
		return -1;
	dsdt = malloc(4096);
	dsdt_len = dsdt ? fread(dsdt, 1, 4096, f) : 0;
	fclose(f);
	return dsdt_len >= 36 ? 0 : -1;
}

/* The kernel reader's view of physical memory: only the area. */
static const void *map(uint64_t pa, uint64_t len, void *ctx)
{
	(void)ctx;
	if (pa < ACPITAB_GPA || len > ACPITAB_BYTES || pa - ACPITAB_GPA > ACPITAB_BYTES - len)
		return NULL;
	return area + (pa - ACPITAB_GPA);
}

static struct acpitab_machine machine(unsigned ncpus)
{
	return (struct acpitab_machine){ .ncpus = ncpus,
					 .lapic_addr = 0xFEE00000u,
					 .ioapic_id = (uint8_t)ncpus,
					 .ioapic_addr = 0xFEC00000u,
					 .sci_irq = 9,
					 .pm_base = 0x600,
					 .dsdt = dsdt,
					 .dsdt_len = dsdt_len };
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Where a guest's 16-byte scan of the BIOS area finds sig, or NULL. */
static const uint8_t *scan(const char *sig, size_t n)
{
	for (size_t off = 0; off + 16 <= sizeof(area); off += 16)
		if (!memcmp(area + off, sig, n))
			return area + off;
	return NULL;
}

static void test_power(void)
{
	CU_ASSERT_FATAL(load_dsdt() == 0);
	struct acpitab_machine m = machine(2);
	uint64_t rsdp = acpitab_build(area, ACPITAB_GPA, sizeof(area), &m);
	CU_ASSERT_FATAL(rsdp != 0);
	CU_ASSERT_EQUAL(rsdp % 16, 0);
	CU_ASSERT_PTR_EQUAL(scan("RSD PTR ", 8), area + (rsdp - ACPITAB_GPA));
	struct acpi_power pw;
	CU_ASSERT_EQUAL_FATAL(acpi_parse_power(area + (rsdp - ACPITAB_GPA), 36, map, NULL, &pw), 0);
	CU_ASSERT_EQUAL(pw.pm1a_cnt, 0x604);
	CU_ASSERT_EQUAL(pw.pm1b_cnt, 0);
	CU_ASSERT_EQUAL(pw.smi_cmd, 0);
	CU_ASSERT_EQUAL(pw.slp_typa, ACPIPM_SLP_TYP_S5);
	/* The same through the ACPI 1.0 part of the RSDP (the RSDT). */
	CU_ASSERT_EQUAL(acpi_parse_power(area + (rsdp - ACPITAB_GPA), 20, map, NULL, &pw), 0);
	CU_ASSERT_EQUAL(pw.slp_typa, ACPIPM_SLP_TYP_S5);
}

static void test_madt(void)
{
	for (unsigned n = 1; n <= 8; n++) {
		struct acpitab_machine m = machine(n);
		uint64_t rsdp = acpitab_build(area, ACPITAB_GPA, sizeof(area), &m);
		CU_ASSERT_FATAL(rsdp != 0);
		struct acpi_madt_info mi;
		CU_ASSERT_EQUAL_FATAL(
			acpi_parse_madt(area + (rsdp - ACPITAB_GPA), 36, map, NULL, &mi), 0);
		CU_ASSERT_EQUAL(mi.lapic_base, 0xFEE00000u);
		CU_ASSERT_EQUAL(mi.ncpus, n);
		for (unsigned i = 0; i < mi.ncpus; i++)
			CU_ASSERT_EQUAL(mi.apic_id[i], i);
		CU_ASSERT_EQUAL(mi.nioapics, 1);
		CU_ASSERT_EQUAL(mi.ioapic[0].id, n);
		CU_ASSERT_EQUAL(mi.ioapic[0].addr, 0xFEC00000u);
		CU_ASSERT_EQUAL(mi.ioapic[0].gsi_base, 0);
		CU_ASSERT_TRUE(mi.pcat_compat);
		uint16_t flags;
		CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&mi, 0, &flags), 2);
		CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&mi, 4, &flags), 4);
		CU_ASSERT_EQUAL(acpi_isa_irq_gsi(&mi, 9, &flags), 9);
		CU_ASSERT_EQUAL(flags & ACPI_MADT_TRIGGER_MASK, ACPI_MADT_TRIGGER_LEVEL);
		CU_ASSERT_EQUAL(flags & ACPI_MADT_POLARITY_MASK, ACPI_MADT_POLARITY_HIGH);
	}
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* The MP table by the offsets of MP spec 1.4 §4.1-4.3. */
static void test_mp(void)
{
	struct acpitab_machine m = machine(3);
	CU_ASSERT_FATAL(acpitab_build(area, ACPITAB_GPA, sizeof(area), &m) != 0);
	const uint8_t *f = scan("_MP_", 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f[8], 1);
	CU_ASSERT_EQUAL(f[9], 4);
	CU_ASSERT_EQUAL(sum(f, 16), 0);
	CU_ASSERT_EQUAL(f[11], 0); /* a configuration table follows */
	uint32_t pa = rd32(f + 4);
	CU_ASSERT_FATAL(pa >= ACPITAB_GPA && pa - ACPITAB_GPA + 44 <= sizeof(area));
	const uint8_t *c = area + (pa - ACPITAB_GPA);
	CU_ASSERT_EQUAL(memcmp(c, "PCMP", 4), 0);
	uint16_t len = rd16(c + 4), entries = rd16(c + 34);
	CU_ASSERT_FATAL(pa - ACPITAB_GPA + len <= sizeof(area));
	CU_ASSERT_EQUAL(sum(c, len), 0);
	CU_ASSERT_EQUAL(rd32(c + 36), 0xFEE00000u);
	unsigned cpus = 0, bsp = 0, ioapics = 0, irq0_pin = 99, buses = 0;
	const uint8_t *e = c + 44, *end = c + len;
	for (unsigned i = 0; i < entries; i++) {
		CU_ASSERT_FATAL(e < end);
		switch (e[0]) {
		case 0:
			cpus++;
			bsp += (e[3] & 2) != 0;
			CU_ASSERT_EQUAL(e[1], cpus - 1);
			e += 20;
			break;
		case 1:
			buses++;
			CU_ASSERT_EQUAL(memcmp(e + 2, "ISA   ", 6), 0);
			e += 8;
			break;
		case 2:
			ioapics++;
			CU_ASSERT_EQUAL(e[1], 3);
			CU_ASSERT_EQUAL(rd32(e + 4), 0xFEC00000u);
			e += 8;
			break;
		case 3:
			if (e[1] == 0 && e[5] == 0)
				irq0_pin = e[7];
			e += 8;
			break;
		case 4:
			e += 8;
			break;
		default:
			CU_FAIL_FATAL("unknown MP entry type");
		}
	}
	CU_ASSERT_PTR_EQUAL(e, end);
	CU_ASSERT_EQUAL(cpus, 3);
	CU_ASSERT_EQUAL(bsp, 1);
	CU_ASSERT_EQUAL(buses, 1);
	CU_ASSERT_EQUAL(ioapics, 1);
	CU_ASSERT_EQUAL(irq0_pin, 2);
}

static void test_bad_machine(void)
{
	struct acpitab_machine m = machine(1);
	CU_ASSERT_EQUAL(acpitab_build(area, ACPITAB_GPA, 200, &m), 0); /* does not fit */
	m.ncpus = 0;
	CU_ASSERT_EQUAL(acpitab_build(area, ACPITAB_GPA, sizeof(area), &m), 0);
	m.ncpus = 33;
	CU_ASSERT_EQUAL(acpitab_build(area, ACPITAB_GPA, sizeof(area), &m), 0);
	m = machine(1);
	m.dsdt = NULL;
	CU_ASSERT_EQUAL(acpitab_build(area, ACPITAB_GPA, sizeof(area), &m), 0);
}

/* ---- the PM registers */

static unsigned sleeps, last_typ, sci_changes;
static bool sci;

static void on_sleep(void *ctx, unsigned typ)
{
	(void)ctx;
	sleeps++;
	last_typ = typ;
}

static void on_irq(void *ctx, unsigned irq, bool level)
{
	(void)ctx;
	CU_ASSERT_EQUAL(irq, 9);
	sci = level;
	sci_changes++;
}

static void pm_setup(struct vdev_bus *bus, struct acpipm *pm)
{
	vdev_bus_init(bus);
	acpipm_init(pm, &(struct acpipm_config){ .base = 0x600,
						 .sci_irq = 9,
						 .irq_sink = { on_irq, NULL },
						 .slots = 0x5,
						 .sleep = on_sleep });
	CU_ASSERT_EQUAL_FATAL(acpipm_attach(pm, bus), 0);
	sleeps = 0, sci_changes = 0, sci = false;
}

static void test_pm(void)
{
	struct vdev_bus bus;
	struct acpipm pm;
	pm_setup(&bus, &pm);
	uint32_t v;
	/* The timer: 3.579545 MHz from guest time, 32 bits. */
	vdev_pio_in(&bus, 0x608, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0);
	vdev_pio_in(&bus, 0x608, 4, &v, VDEV_NS_PER_S);
	CU_ASSERT_EQUAL(v, 3579545);
	vdev_pio_in(&bus, 0x608, 4, &v, 2 * VDEV_NS_PER_S + 500000000ull);
	CU_ASSERT_EQUAL(v, 3579545 * 2 + 1789772);
	/* After 20 minutes it has wrapped (2^32 / 3579545 = 1199.9 s). */
	vdev_pio_in(&bus, 0x608, 4, &v, 1200 * VDEV_NS_PER_S);
	CU_ASSERT_EQUAL(v, (uint32_t)(1200ull * 3579545));
	CU_ASSERT_EQUAL(acpipm_timer(1200 * VDEV_NS_PER_S), (uint32_t)(1200ull * 3579545));
	/* Always in ACPI mode. */
	vdev_pio_in(&bus, 0x604, 2, &v, 0);
	CU_ASSERT_EQUAL(v & 1, 1);
	/* The slots byte. */
	vdev_pio_in(&bus, 0x610, 1, &v, 0);
	CU_ASSERT_EQUAL(v, 5);
	/* S1 asks the host too (it ignores it); the type is passed through. */
	vdev_pio_out(&bus, 0x604, 2, 1u << 10 | 1u << 13, 0);
	CU_ASSERT_EQUAL(sleeps, 1);
	CU_ASSERT_EQUAL(last_typ, 1);
	/* SLP_TYP without SLP_EN: nothing; it reads back, SLP_EN does not. */
	vdev_pio_out(&bus, 0x604, 2, 5u << 10, 0);
	CU_ASSERT_EQUAL(sleeps, 1);
	vdev_pio_in(&bus, 0x604, 2, &v, 0);
	CU_ASSERT_EQUAL(v, 5u << 10 | 1);
	/* Byte writes: the high byte with SLP_EN. */
	vdev_pio_out(&bus, 0x605, 1, (5u << 10 | 1u << 13) >> 8, 0);
	CU_ASSERT_EQUAL(sleeps, 2);
	CU_ASSERT_EQUAL(last_typ, 5);
	/* Enables read back; nothing sets a status bit, so no SCI. */
	vdev_pio_out(&bus, 0x602, 2, 0x0121, 0);
	vdev_pio_in(&bus, 0x602, 2, &v, 0);
	CU_ASSERT_EQUAL(v, 0x0121);
	vdev_pio_out(&bus, 0x600, 2, 0xffff, 0);
	vdev_pio_in(&bus, 0x600, 4, &v, 0);
	CU_ASSERT_EQUAL(v, 0x0121u << 16);
	CU_ASSERT_FALSE(sci);
	CU_ASSERT_EQUAL(sci_changes, 0);
}

static void test_pm_hostile(void)
{
	struct vdev_bus bus;
	struct acpipm pm;
	pm_setup(&bus, &pm);
	uint64_t seed = 42;
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t r = unit_rand(&seed);
		uint16_t port = (uint16_t)(0x600 + r % 20);
		unsigned size = 1u << ((r >> 8) % 3);
		uint32_t v = (uint32_t)(r >> 16);
		if (r & (1ull << 60))
			vdev_pio_out(&bus, port, size, v, i * 1000ull);
		else
			vdev_pio_in(&bus, port, size, &v, i * 1000ull);
		CU_ASSERT_TRUE(last_typ < 8);
		CU_ASSERT_FALSE(sci);
	}
	CU_ASSERT(sleeps > 0);
}

static CU_TestInfo acpi_tests[] = {
	{ "tables: the kernel's reader finds S5 and PM1a", test_power },
	{ "tables: MADT for 1-8 vCPUs", test_madt },
	{ "tables: MP configuration table", test_mp },
	{ "tables: refused machines and short areas", test_bad_machine },
	{ "PM registers: timer, SLP_EN, enables", test_pm },
	{ "PM registers: random port hammering", test_pm_hostile },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_acpi, acpi_tests);
