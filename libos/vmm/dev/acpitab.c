/*
 * acpitab.c - the PC's firmware tables (see acpitab.h).
 *
 * Layout in the area, in order: the MP floating pointer (16 bytes, first,
 * so a 16-byte aligned scan of the BIOS area finds it), the RSDP, then the
 * FACS (64-byte aligned), the DSDT, FADT, MADT, RSDT, XSDT and the MP
 * configuration table, each 16-byte aligned. Sources: ACPI 6.x §5.2
 * ("ACPI System Description Tables") and Intel MultiProcessor Specification
 * 1.4, chapter 4 ("MP Configuration Table").
 */
#include <string.h>

#include "acpi_tables.h"
#include "dev/acpitab.h"

#define OEM_ID	     "EXOVMM"
#define OEM_TABLE_ID "EXOPC   "

/* FADT flags (ACPI 6.x §5.2.9, Table 5.35) and IA-PC boot architecture
 * flags (§5.2.9.3). */
#define FADT_WBINVD	 (1u << 0)
#define FADT_PROC_C1	 (1u << 2)
#define FADT_PWR_BUTTON	 (1u << 4) /* set: no fixed-feature power button */
#define FADT_SLP_BUTTON	 (1u << 5) /* set: no fixed-feature sleep button */
#define FADT_RTC_S4	 (1u << 7)
#define FADT_TMR_VAL_EXT (1u << 8) /* the PM timer counts 32 bits */
#define BOOT_LEGACY	 (1u << 0) /* ISA devices (the UART, the PIT, ...) */
#define BOOT_8042	 (1u << 1)
#define BOOT_NO_VGA	 (1u << 2)

/* The Firmware ACPI Control Structure (§5.2.10): no checksum, 64 bytes. */
struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hw_signature;
	uint32_t waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved2[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");

/* The Local APIC NMI structure (§5.2.12.7). */
struct acpi_madt_nmi {
	struct acpi_madt_entry h; /* type 4, length 6 */
	uint8_t uid;		  /* 0xFF: every processor */
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_nmi) == 6, "MADT Local APIC NMI");

/* MP spec 1.4 §4.1, the floating pointer structure. */
struct mp_float {
	char signature[4]; /* "_MP_" */
	uint32_t config;   /* the configuration table's physical address */
	uint8_t length;	   /* in 16-byte units: 1 */
	uint8_t spec_rev;  /* 4 = version 1.4 */
	uint8_t checksum;
	uint8_t feature[5]; /* feature[0] = 0: a configuration table exists */
} __attribute__((packed));
_Static_assert(sizeof(struct mp_float) == 16, "MP floating pointer");

/* §4.2, the configuration table header. */
struct mp_config {
	char signature[4]; /* "PCMP" */
	uint16_t length;   /* the base table, header included */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entries;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mp_config) == 44, "MP configuration table header");

/* §4.3, the base table entries. */
struct mp_cpu {
	uint8_t type; /* 0 */
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags; /* bit 0 enabled, bit 1 the bootstrap processor */
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));
_Static_assert(sizeof(struct mp_cpu) == 20, "MP processor entry");

struct mp_bus {
	uint8_t type; /* 1 */
	uint8_t id;
	char name[6];
} __attribute__((packed));

struct mp_ioapic {
	uint8_t type; /* 2 */
	uint8_t id;
	uint8_t version;
	uint8_t flags; /* bit 0 enabled */
	uint32_t addr;
} __attribute__((packed));

/* An I/O (type 3) or local (type 4) interrupt assignment. */
struct mp_irq {
	uint8_t type;
	uint8_t kind; /* 0 INT (vectored), 1 NMI, 3 ExtINT */
	uint16_t flags;
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic; /* an IOAPIC (type 3), or a LAPIC / 0xFF all (type 4) */
	uint8_t dst_pin;
} __attribute__((packed));

static uint8_t sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

/* Fill a table header and, once the body is in place, its checksum. */
static void header(struct acpi_sdt_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "EXOV", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = (uint8_t)-sum(h, len);
}

static struct acpi_gas io_gas(uint16_t port, uint8_t bytes)
{
	return (struct acpi_gas){ .space_id = ACPI_GAS_IO,
				  .bit_width = (uint8_t)(8 * bytes),
				  .access_size = bytes == 4   ? 3
						 : bytes == 2 ? 2
							      : 1,
				  .address = port };
}

/* A bump allocator over the area. */
struct area {
	uint8_t *buf;
	uint64_t gpa;
	size_t len, used;
};

static void *take(struct area *a, size_t n, size_t align, uint64_t *gpa)
{
	size_t at = (a->used + align - 1) & ~(align - 1);
	if (at > a->len || n > a->len - at)
		return NULL;
	a->used = at + n;
	*gpa = a->gpa + at;
	memset(a->buf + at, 0, n);
	return a->buf + at;
}

static void fadt_fill(struct acpi_fadt *f, const struct acpitab_machine *m, uint64_t facs,
		      uint64_t dsdt)
{
	f->firmware_ctrl = (uint32_t)facs;
	f->dsdt = (uint32_t)dsdt;
	f->preferred_pm_profile = 0; /* unspecified */
	f->sci_int = m->sci_irq;
	f->smi_cmd = 0; /* no SMI command port: the machine is always in ACPI mode */
	f->pm1a_evt_blk = m->pm_base;
	f->pm1a_cnt_blk = m->pm_base + 4u;
	f->pm_tmr_blk = m->pm_base + 8u;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	f->p_lvl2_lat = 101;  /* > 100: no C2 */
	f->p_lvl3_lat = 1001; /* > 1000: no C3 */
	f->century = 0x32;    /* the MC146818's century byte */
	f->iapc_boot_arch = BOOT_LEGACY | BOOT_8042;
	f->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RTC_S4 |
		   FADT_TMR_VAL_EXT;
	f->fadt_minor_version = 0;
	f->x_firmware_ctrl = facs;
	f->x_dsdt = dsdt;
	f->x_pm1a_evt_blk = io_gas(m->pm_base, 4);
	f->x_pm1a_cnt_blk = io_gas((uint16_t)(m->pm_base + 4), 2);
	f->x_pm_tmr_blk = io_gas((uint16_t)(m->pm_base + 8), 4);
}

/* The MADT: fixed part, then its entries (§5.2.12). */
static void *madt_entry(uint8_t **p, uint8_t type, uint8_t len)
{
	struct acpi_madt_entry *e = (struct acpi_madt_entry *)*p;
	e->type = type;
	e->length = len;
	*p += len;
	return e;
}

static size_t madt_len(unsigned ncpus)
{
	return sizeof(struct acpi_madt) + ncpus * sizeof(struct acpi_madt_lapic) +
	       sizeof(struct acpi_madt_ioapic) + 2 * sizeof(struct acpi_madt_override) +
	       sizeof(struct acpi_madt_nmi);
}

static void madt_fill(struct acpi_madt *t, const struct acpitab_machine *m)
{
	t->lapic_addr = m->lapic_addr;
	t->flags = ACPI_MADT_PCAT_COMPAT;
	uint8_t *p = (uint8_t *)(t + 1);
	for (unsigned i = 0; i < m->ncpus; i++) {
		struct acpi_madt_lapic *l =
			madt_entry(&p, ACPI_MADT_LAPIC, sizeof(struct acpi_madt_lapic));
		l->uid = (uint8_t)i;
		l->apic_id = (uint8_t)i;
		l->flags = ACPI_MADT_CPU_ENABLED;
	}
	struct acpi_madt_ioapic *io =
		madt_entry(&p, ACPI_MADT_IOAPIC, sizeof(struct acpi_madt_ioapic));
	io->id = m->ioapic_id;
	io->addr = m->ioapic_addr;
	io->gsi_base = 0;
	/* The PIT's IRQ 0 reaches IOAPIC input 2 (input 0 is the 8259A's
	 * INTR, as on every PC), and the SCI is level, active high. */
	struct acpi_madt_override *o =
		madt_entry(&p, ACPI_MADT_OVERRIDE, sizeof(struct acpi_madt_override));
	o->source = 0, o->gsi = 2, o->flags = 0;
	o = madt_entry(&p, ACPI_MADT_OVERRIDE, sizeof(struct acpi_madt_override));
	o->source = (uint8_t)m->sci_irq, o->gsi = m->sci_irq;
	o->flags = ACPI_MADT_POLARITY_HIGH | ACPI_MADT_TRIGGER_LEVEL;
	struct acpi_madt_nmi *n = madt_entry(&p, 4, sizeof(struct acpi_madt_nmi));
	n->uid = 0xff, n->flags = 0, n->lint = 1;
}

/* The MP configuration table's entries (MP spec §4.3, Table 4-3 order). */
static size_t mp_len(unsigned ncpus)
{
	return sizeof(struct mp_config) + ncpus * sizeof(struct mp_cpu) + sizeof(struct mp_bus) +
	       sizeof(struct mp_ioapic) + 16 * sizeof(struct mp_irq) + 2 * sizeof(struct mp_irq);
}

static void mp_fill(struct mp_config *c, const struct acpitab_machine *m)
{
	memcpy(c->signature, "PCMP", 4);
	c->length = (uint16_t)mp_len(m->ncpus);
	c->spec_rev = 4;
	memcpy(c->oem_id, "EXOVMM  ", 8);
	memcpy(c->product_id, "EXOPC       ", 12);
	c->lapic_addr = m->lapic_addr;
	uint8_t *p = (uint8_t *)(c + 1);
	for (unsigned i = 0; i < m->ncpus; i++, p += sizeof(struct mp_cpu)) {
		struct mp_cpu *e = (struct mp_cpu *)p;
		e->type = 0, e->apic_id = (uint8_t)i, e->apic_version = 0x14;
		e->flags = (uint8_t)(1u | (i == 0 ? 2u : 0u));
		e->signature = 0x600; /* family 6: a signature is required, not used */
		e->features = 0x201;  /* FPU, APIC */
	}
	struct mp_bus *b = (struct mp_bus *)p;
	b->type = 1, b->id = 0;
	memcpy(b->name, "ISA   ", 6);
	p += sizeof(*b);
	struct mp_ioapic *io = (struct mp_ioapic *)p;
	io->type = 2, io->id = m->ioapic_id, io->version = 0x20, io->flags = 1;
	io->addr = m->ioapic_addr;
	p += sizeof(*io);
	/* IOAPIC input 0: the 8259A (ExtINT); ISA IRQ 0 on input 2; every
	 * other ISA IRQ on its own input. */
	for (unsigned irq = 0; irq < 16; irq++, p += sizeof(struct mp_irq)) {
		struct mp_irq *e = (struct mp_irq *)p;
		e->type = 3, e->src_bus = 0, e->dst_apic = m->ioapic_id;
		if (irq == 2) { /* the cascade: input 0 carries the 8259A's ExtINT */
			e->kind = 3, e->src_irq = 0, e->dst_pin = 0;
		} else {
			e->kind = 0, e->src_irq = (uint8_t)irq;
			e->dst_pin = (uint8_t)(irq == 0 ? 2 : irq);
			if (irq == m->sci_irq)
				e->flags = 0xd; /* active high, level */
		}
	}
	struct mp_irq *l = (struct mp_irq *)p;
	l[0] = (struct mp_irq){ .type = 4, .kind = 3, .dst_apic = 0xff, .dst_pin = 0 };
	l[1] = (struct mp_irq){ .type = 4, .kind = 1, .dst_apic = 0xff, .dst_pin = 1 };
	c->entries = (uint16_t)(m->ncpus + 2 + 16 + 2);
	c->checksum = (uint8_t)-sum(c, c->length);
}

uint64_t acpitab_build(uint8_t *buf, uint64_t gpa, size_t len, const struct acpitab_machine *m)
{
	if (!m->ncpus || m->ncpus > 32 || !m->dsdt || m->dsdt_len < sizeof(struct acpi_sdt_header))
		return 0;
	struct area a = { buf, gpa, len, 0 };
	uint64_t mpf_gpa = 0, rsdp_gpa = 0, facs_gpa = 0, dsdt_gpa = 0, fadt_gpa = 0, madt_gpa = 0,
		 rsdt_gpa = 0, xsdt_gpa = 0, mpc_gpa = 0;
	struct mp_float *mpf = take(&a, sizeof(*mpf), 16, &mpf_gpa);
	struct acpi_rsdp *rsdp = take(&a, sizeof(*rsdp), 16, &rsdp_gpa);
	struct acpi_facs *facs = take(&a, sizeof(*facs), 64, &facs_gpa);
	uint8_t *dsdt = take(&a, m->dsdt_len, 16, &dsdt_gpa);
	struct acpi_fadt *fadt = take(&a, sizeof(*fadt), 16, &fadt_gpa);
	struct acpi_madt *madt = take(&a, madt_len(m->ncpus), 16, &madt_gpa);
	size_t rsdt_len = sizeof(struct acpi_sdt_header) + 2 * 4;
	size_t xsdt_len = sizeof(struct acpi_sdt_header) + 2 * 8;
	struct acpi_sdt_header *rsdt = take(&a, rsdt_len, 16, &rsdt_gpa);
	struct acpi_sdt_header *xsdt = take(&a, xsdt_len, 16, &xsdt_gpa);
	struct mp_config *mpc = take(&a, mp_len(m->ncpus), 16, &mpc_gpa);
	if (!mpf || !rsdp || !facs || !dsdt || !fadt || !madt || !rsdt || !xsdt || !mpc ||
	    xsdt_gpa + xsdt_len > 1ull << 32)
		return 0;

	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;
	memcpy(dsdt, m->dsdt, m->dsdt_len);
	fadt_fill(fadt, m, facs_gpa, dsdt_gpa);
	header(&fadt->header, "FACP", sizeof(*fadt), 6);
	madt_fill(madt, m);
	header(&madt->header, "APIC", (uint32_t)madt_len(m->ncpus), 4);
	uint32_t r32[2] = { (uint32_t)fadt_gpa, (uint32_t)madt_gpa };
	uint64_t r64[2] = { fadt_gpa, madt_gpa };
	memcpy(rsdt + 1, r32, sizeof(r32));
	memcpy(xsdt + 1, r64, sizeof(r64));
	header(rsdt, "RSDT", (uint32_t)rsdt_len, 1);
	header(xsdt, "XSDT", (uint32_t)xsdt_len, 1);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->rsdt_addr = (uint32_t)rsdt_gpa;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_addr = xsdt_gpa;
	rsdp->checksum = (uint8_t)-sum(rsdp, ACPI_RSDP_V1_LEN);
	rsdp->ext_checksum = (uint8_t)-sum(rsdp, sizeof(*rsdp));

	mp_fill(mpc, m);
	memcpy(mpf->signature, "_MP_", 4);
	mpf->config = (uint32_t)mpc_gpa;
	mpf->length = 1;
	mpf->spec_rev = 4;
	mpf->checksum = (uint8_t)-sum(mpf, sizeof(*mpf));
	return rsdp_gpa;
}
