/*
 * acpi.c - the kernel's use of ACPI: finds the RSDP, has acpi_tables.c prove
 * the tables, writes the PM1 control registers on power-off (S5), and reads
 * the MADT for whoever brings up CPUs and interrupt controllers.
 *
 * The S5 parse is the "check" and happens once, with the result kept in
 * `power`; acpi_poweroff only "acts" on that validated record. acpi_init
 * also keeps a copy of the RSDP so acpi_madt can walk the tables again
 * later. Physical memory is read through the kernel's direct map (kernel.h).
 */
#include "kernel.h"

#include "acpi.h"
#include "acpi_tables.h"
#include "arch/x86_64/io.h"

/* Polls of PM1a_CNT while waiting for SCI_EN after ACPI_ENABLE, and while
 * waiting to lose power after SLP_EN. A port read costs about 1 us on real
 * chipsets (more in a VM exit), so these are ~1 s and ~100 ms. */
#define SCI_EN_POLLS   1000000u
#define POWEROFF_POLLS 100000u

/* Where the RSDP may lie when no boot loader passed it (ACPI 6.x §5.2.5.1). */
#define BDA_EBDA_SEGMENT 0x40e
#define EBDA_SCAN_LEN	 1024
#define BIOS_ROM_BASE	 0xe0000
#define BIOS_ROM_END	 0x100000
/* Longest RSDP copy handed to the parser (revision 2 RSDPs are 36 bytes). */
#define RSDP_MAX_LEN 1024

static struct acpi_power power; /* set once by acpi_init; valid iff have_s5 */
static bool have_s5;

/* The RSDP acpi_init was given or found, copied: the multiboot2 tag it may
 * come from lives in boot memory that need not outlive boot. rsdp_len is 0
 * when there is none. Written only by acpi_init. */
static uint8_t rsdp_copy[RSDP_MAX_LEN];
static uint32_t rsdp_len;

/* acpi_map_fn over the direct map: everything below KERNEL_PHYS_MAP_SIZE. */
static const void *map_phys(uint64_t pa, uint64_t len, void *ctx)
{
	(void)ctx;
	if (len > KERNEL_PHYS_MAP_SIZE || pa > KERNEL_PHYS_MAP_SIZE - len)
		return NULL;
	return phys_to_virt(pa);
}

/* First "RSD PTR " with a good 20-byte checksum on a 16-byte boundary in
 * physical [base, end), or NULL. */
static const struct acpi_rsdp *rsdp_scan(uint64_t base, uint64_t end)
{
	for (uint64_t pa = ALIGN_UP(base, 16); pa + ACPI_RSDP_V1_LEN <= end; pa += 16) {
		const uint8_t *p = phys_to_virt(pa);
		uint8_t sum = 0;

		if (memcmp(p, "RSD PTR ", 8) != 0)
			continue;
		for (unsigned i = 0; i < ACPI_RSDP_V1_LEN; i++)
			sum += p[i];
		if (sum == 0)
			return (const struct acpi_rsdp *)p;
	}
	return NULL;
}

/* Search the EBDA's first KiB, then the BIOS ROM area, for the RSDP. Sets
 * *len to the bytes the parser may read: 20, or Length for revision >= 2
 * (capped; the parser rejects a Length it was not given). */
static const void *rsdp_find(uint32_t *len)
{
	uint16_t seg;
	uint64_t ebda;
	const struct acpi_rsdp *r = NULL;

	memcpy(&seg, phys_to_virt(BDA_EBDA_SEGMENT), sizeof(seg));
	ebda = (uint64_t)seg << 4;
	if (ebda >= 0x500 && ebda + EBDA_SCAN_LEN <= 0xa0000)
		r = rsdp_scan(ebda, ebda + EBDA_SCAN_LEN);
	if (r == NULL)
		r = rsdp_scan(BIOS_ROM_BASE, BIOS_ROM_END);
	if (r == NULL)
		return NULL;
	*len = ACPI_RSDP_V1_LEN;
	if (r->revision >= 2)
		*len = r->length < RSDP_MAX_LEN ? r->length : RSDP_MAX_LEN;
	return r;
}

static const char *parse_failure(int err)
{
	switch (err) {
	case -EXO_EINVAL:
		return "malformed ACPI tables";
	case -EXO_ENOTSUP:
		return "no FADT, PM1a I/O block or \\_S5";
	default:
		return exo_strerror(err);
	}
}

int acpi_init(const void *rsdp, uint32_t len)
{
	struct acpi_power p;
	int err;

	have_s5 = false;
	rsdp_len = 0;
	if (rsdp == NULL && (rsdp = rsdp_find(&len)) == NULL) {
		kprintf("acpi: no S5 power-off (no RSDP found)\n");
		return -EXO_ENOTSUP;
	}
	/* A longer copy is cut; the parser then rejects a revision 2 RSDP whose
	 * Length exceeds it, as it would any RSDP it was not given all of. */
	rsdp_len = len < RSDP_MAX_LEN ? len : RSDP_MAX_LEN;
	memcpy(rsdp_copy, rsdp, rsdp_len);
	err = acpi_parse_power(rsdp_copy, rsdp_len, map_phys, NULL, &p);
	if (err) {
		kprintf("acpi: no S5 power-off (%s)\n", parse_failure(err));
		return err;
	}
	power = p;
	have_s5 = true;
	kprintf("acpi: S5 via PM1a 0x%x SLP_TYP %u\n", power.pm1a_cnt, (unsigned)power.slp_typa);
	return 0;
}

int acpi_madt(struct acpi_madt_info *out)
{
	if (rsdp_len == 0)
		return -EXO_ENOTSUP;
	return acpi_parse_madt(rsdp_copy, rsdp_len, map_phys, NULL, out);
}

/* PM1x_CNT value that starts sleep type typ: the current value with SLP_TYP
 * replaced and SLP_EN set, every other bit preserved. */
static uint16_t sleep_value(uint16_t cnt, uint16_t typ)
{
	cnt &= (uint16_t) ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);
	return cnt | (uint16_t)(((unsigned)typ << ACPI_PM1_SLP_TYP_SHIFT) & ACPI_PM1_SLP_TYP_MASK) |
	       (uint16_t)ACPI_PM1_SLP_EN;
}

int acpi_poweroff(void)
{
	uint16_t a, b;

	if (!have_s5)
		return -EXO_ENOTSUP;
	a = (uint16_t)power.pm1a_cnt;
	b = (uint16_t)power.pm1b_cnt;

	if (!(inw(a) & ACPI_PM1_SCI_EN) && power.smi_cmd != 0) {
		outb((uint16_t)power.smi_cmd, power.acpi_enable);
		for (unsigned i = 0; i < SCI_EN_POLLS && !(inw(a) & ACPI_PM1_SCI_EN); i++)
			cpu_relax();
	}
	outw(a, sleep_value(inw(a), power.slp_typa));
	if (b != 0)
		outw(b, sleep_value(inw(b), power.slp_typb));

	for (unsigned i = 0; i < POWEROFF_POLLS; i++) {
		(void)inw(a);
		cpu_relax();
	}
	return -EXO_ENOTSUP;
}
