/*
 * acpi_tables.c - the checks behind acpi_parse_power, acpi_find_s5 and
 * acpi_parse_madt (see acpi_tables.h).
 *
 * Firmware tables are hostile input: a table is read only after map has
 * returned all of it and its length and checksum are proven, structures are
 * copied out with memcpy (tables need not be aligned), and every sum of two
 * table-supplied numbers is compared by subtraction so it cannot wrap. The
 * AML scan never reads past the caller's length nor past the package's own
 * PkgLength; the MADT walk never reads past the table's Length and always
 * advances. Nothing here touches hardware; acpi.c does that.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/error.h>

#include "acpi_tables.h"

#define SDT_HDR_LEN ((uint32_t)sizeof(struct acpi_sdt_header))

/* Does a FADT of len bytes contain the whole of field? */
#define FADT_HAS(len, field) \
	((len) >= offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field))

/* AML opcodes and prefixes used here (ACPI 6.x §20.2). */
#define AML_ZERO_OP	 0x00
#define AML_ONE_OP	 0x01
#define AML_NAME_OP	 0x08
#define AML_BYTE_PREFIX	 0x0a
#define AML_WORD_PREFIX	 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP	 0x12
#define AML_ROOT_CHAR	 '\\'

/* Do the len bytes at p sum to 0 mod 256 (the ACPI checksum rule)? */
static bool sum_zero(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint64_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/*
 * Map the table at physical address pa and prove it: header mappable,
 * signature sig, SDT_HDR_LEN <= Length <= ACPI_TABLE_MAX_LEN, all Length
 * bytes mappable, checksum zero. Returns 0 with the table in *tab and its
 * length in bytes in *len, or -EXO_EINVAL.
 */
static int map_table(acpi_map_fn map, void *ctx, uint64_t pa, const char *sig, const uint8_t **tab,
		     uint32_t *len)
{
	struct acpi_sdt_header h;
	const void *p;

	if (pa == 0 || (p = map(pa, SDT_HDR_LEN, ctx)) == NULL)
		return -EXO_EINVAL;
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.signature, sig, 4) != 0)
		return -EXO_EINVAL;
	if (h.length < SDT_HDR_LEN || h.length > ACPI_TABLE_MAX_LEN)
		return -EXO_EINVAL;
	if ((p = map(pa, h.length, ctx)) == NULL || !sum_zero(p, h.length))
		return -EXO_EINVAL;
	*tab = p;
	*len = h.length;
	return 0;
}

/* A proven RSDT (4-byte entries) or XSDT (8-byte entries). */
struct root_table {
	const uint8_t *tab;
	uint32_t nentries;
	uint32_t entry_size;
};

/* Physical address in entry i < nentries of the root table. */
static uint64_t root_entry(const struct root_table *root, uint32_t i)
{
	const uint8_t *e = root->tab + SDT_HDR_LEN + (uint64_t)i * root->entry_size;
	uint32_t pa32;
	uint64_t pa64;

	if (root->entry_size == 8) {
		memcpy(&pa64, e, 8);
		return pa64;
	}
	memcpy(&pa32, e, 4);
	return pa32;
}

/* Does the table at pa have a mappable header with signature sig? Proves
 * nothing else: the caller still runs map_table before using it. */
static bool has_signature(acpi_map_fn map, void *ctx, uint64_t pa, const char *sig)
{
	const void *p = pa ? map(pa, SDT_HDR_LEN, ctx) : NULL;

	return p != NULL && memcmp(p, sig, 4) == 0;
}

/* Physical address of the first root-table entry whose header has
 * signature sig, or 0 if there is none. */
static uint64_t find_in_root(const struct root_table *root, acpi_map_fn map, void *ctx,
			     const char *sig)
{
	for (uint32_t i = 0; i < root->nentries; i++) {
		uint64_t pa = root_entry(root, i);

		if (has_signature(map, ctx, pa, sig))
			return pa;
	}
	return 0;
}

/*
 * Check the RSDP copy and map its root table (XSDT when revision >= 2, the
 * copy holds the 2.0 fields and XsdtAddress != 0; else RSDT).
 */
static int map_root(const void *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
		    struct root_table *root)
{
	struct acpi_rsdp r;
	uint64_t pa;
	const char *sig = "RSDT";
	uint32_t len;
	int err;

	if (rsdp_len < ACPI_RSDP_V1_LEN)
		return -EXO_EINVAL;
	memset(&r, 0, sizeof(r));
	memcpy(&r, rsdp, rsdp_len < sizeof(r) ? rsdp_len : sizeof(r));
	if (memcmp(r.signature, "RSD PTR ", 8) != 0 || !sum_zero(rsdp, ACPI_RSDP_V1_LEN))
		return -EXO_EINVAL;
	pa = r.rsdt_addr;
	root->entry_size = 4;
	if (r.revision >= 2 && rsdp_len >= sizeof(r)) {
		if (r.length < sizeof(r) || r.length > rsdp_len || !sum_zero(rsdp, r.length))
			return -EXO_EINVAL;
		if (r.xsdt_addr != 0) {
			pa = r.xsdt_addr;
			sig = "XSDT";
			root->entry_size = 8;
		}
	}
	if ((err = map_table(map, ctx, pa, sig, &root->tab, &len)) != 0)
		return err;
	root->nentries = (len - SDT_HDR_LEN) / root->entry_size;
	return 0;
}

/* The I/O port of a PM1 control block: the 32-bit field, or when that is 0
 * the X_ generic address if the FADT has it and it is in System I/O space.
 * 0 means absent. -EXO_EINVAL if the port is above 0xffff. */
static int pm1_port(uint32_t legacy, const struct acpi_gas *x, bool have_x, uint32_t *port)
{
	uint64_t addr = legacy;

	if (addr == 0 && have_x && x->space_id == ACPI_GAS_IO)
		addr = x->address;
	if (addr > 0xffff)
		return -EXO_EINVAL;
	*port = (uint32_t)addr;
	return 0;
}

/* Read what acpi_power needs from the FADT at pa into *pw (all but the
 * SLP_TYP values). */
static int parse_fadt(acpi_map_fn map, void *ctx, uint64_t pa, struct acpi_power *pw)
{
	struct acpi_fadt f;
	const uint8_t *tab;
	uint32_t len;
	int err;

	if ((err = map_table(map, ctx, pa, "FACP", &tab, &len)) != 0)
		return err;
	if (len < ACPI_FADT_MIN_LEN)
		return -EXO_EINVAL;
	/* Fields past len read as 0; FADT_HAS guards the ones that matter. */
	memset(&f, 0, sizeof(f));
	memcpy(&f, tab, len < sizeof(f) ? len : sizeof(f));

	err = pm1_port(f.pm1a_cnt_blk, &f.x_pm1a_cnt_blk, FADT_HAS(len, x_pm1a_cnt_blk),
		       &pw->pm1a_cnt);
	if (err == 0)
		err = pm1_port(f.pm1b_cnt_blk, &f.x_pm1b_cnt_blk, FADT_HAS(len, x_pm1b_cnt_blk),
			       &pw->pm1b_cnt);
	if (err)
		return err;
	if (pw->pm1a_cnt == 0)
		return -EXO_ENOTSUP; /* hardware-reduced, or PM1a only in memory space */
	if (f.smi_cmd > 0xffff)
		return -EXO_EINVAL;
	pw->smi_cmd = f.smi_cmd;
	pw->acpi_enable = f.acpi_enable;
	pw->dsdt = FADT_HAS(len, x_dsdt) && f.x_dsdt != 0 ? f.x_dsdt : f.dsdt;
	return 0;
}

/* Run acpi_find_s5 over the AML of the table at pa with signature sig. */
static int find_s5_in(acpi_map_fn map, void *ctx, uint64_t pa, const char *sig,
		      struct acpi_power *pw)
{
	const uint8_t *tab;
	uint32_t len;
	int err;

	if ((err = map_table(map, ctx, pa, sig, &tab, &len)) != 0)
		return err;
	return acpi_find_s5(tab + SDT_HDR_LEN, len - SDT_HDR_LEN, &pw->slp_typa, &pw->slp_typb);
}

int acpi_parse_power(const void *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
		     struct acpi_power *out)
{
	struct root_table root;
	struct acpi_power pw;
	uint64_t facp;
	uint32_t i;
	int err;

	if (rsdp == NULL || map == NULL || out == NULL)
		return -EXO_EINVAL;
	if ((err = map_root(rsdp, rsdp_len, map, ctx, &root)) != 0)
		return err;

	if ((facp = find_in_root(&root, map, ctx, "FACP")) == 0)
		return -EXO_ENOTSUP;
	memset(&pw, 0, sizeof(pw));
	if ((err = parse_fadt(map, ctx, facp, &pw)) != 0)
		return err;

	/* \_S5 belongs in the DSDT; some firmware (older QEMU, for one) puts
	 * it in an SSDT. A corrupt SSDT is skipped, not trusted. */
	err = find_s5_in(map, ctx, pw.dsdt, "DSDT", &pw);
	for (i = 0; err == -EXO_ENOTSUP && i < root.nentries; i++) {
		uint64_t pa = root_entry(&root, i);

		if (has_signature(map, ctx, pa, "SSDT")) {
			err = find_s5_in(map, ctx, pa, "SSDT", &pw);
			if (err == -EXO_EINVAL)
				err = -EXO_ENOTSUP;
		}
	}
	if (err)
		return err;
	*out = pw;
	return 0;
}

/*
 * Decode the PkgLength at aml[*pos] (ACPI 6.x §20.2.4) without reading at or
 * past len. Sets *pkglen (bytes from the PkgLength's first byte to the end
 * of the package) and moves *pos past the encoding.
 */
static int pkg_length(const uint8_t *aml, uint64_t len, uint64_t *pos, uint64_t *pkglen)
{
	uint64_t p = *pos, v;
	unsigned follow;
	uint8_t lead;

	if (p >= len)
		return -EXO_EINVAL;
	lead = aml[p];
	follow = lead >> 6;
	if (follow == 0) {
		v = lead & 0x3f;
	} else {
		if (lead & 0x30) /* reserved when more bytes follow */
			return -EXO_EINVAL;
		if (follow > len - p - 1)
			return -EXO_EINVAL;
		v = lead & 0x0f;
		for (unsigned i = 0; i < follow; i++)
			v |= (uint64_t)aml[p + 1 + i] << (4 + 8 * i);
	}
	*pos = p + 1 + follow;
	*pkglen = v;
	return 0;
}

/* Decode one integer constant (ACPI 6.x §20.2.3: ZeroOp, OneOp, or a
 * Byte/Word/DWord/QWord prefix and its data) at aml[*pos], which must end
 * before end. Moves *pos past it. */
static int aml_integer(const uint8_t *aml, uint64_t end, uint64_t *pos, uint64_t *val)
{
	uint64_t p = *pos, v = 0;
	unsigned size;

	if (p >= end)
		return -EXO_EINVAL;
	switch (aml[p]) {
	case AML_ZERO_OP:
	case AML_ONE_OP:
		*val = aml[p];
		*pos = p + 1;
		return 0;
	case AML_BYTE_PREFIX:
		size = 1;
		break;
	case AML_WORD_PREFIX:
		size = 2;
		break;
	case AML_DWORD_PREFIX:
		size = 4;
		break;
	case AML_QWORD_PREFIX:
		size = 8;
		break;
	default:
		return -EXO_EINVAL;
	}
	if (size > end - p - 1)
		return -EXO_EINVAL;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)aml[p + 1 + i] << (8 * i);
	*val = v;
	*pos = p + 1 + size;
	return 0;
}

/* Decode the _S5 package whose PackageOp is at aml[op] (ACPI 6.x §20.2.5.4
 * DefPackage := PackageOp PkgLength NumElements PackageElementList). */
static int s5_package(const uint8_t *aml, uint64_t len, uint64_t op, uint16_t *typa, uint16_t *typb)
{
	uint64_t start = op + 1, p = start, pkglen, end, a, b;
	uint8_t nelem;
	int err;

	if ((err = pkg_length(aml, len, &p, &pkglen)) != 0)
		return err;
	if (pkglen > len - start) /* start <= p <= len here */
		return -EXO_EINVAL;
	end = start + pkglen;
	if (p >= end) /* no room for NumElements inside the package */
		return -EXO_EINVAL;
	nelem = aml[p++];
	if (nelem < 2)
		return -EXO_EINVAL;
	if ((err = aml_integer(aml, end, &p, &a)) != 0 ||
	    (err = aml_integer(aml, end, &p, &b)) != 0)
		return err;
	if (a > 7 || b > 7) /* SLP_TYP is a 3-bit field */
		return -EXO_EINVAL;
	*typa = (uint16_t)a;
	*typb = (uint16_t)b;
	return 0;
}

int acpi_find_s5(const uint8_t *aml, uint64_t len, uint16_t *typa, uint16_t *typb)
{
	if (aml == NULL || typa == NULL || typb == NULL)
		return -EXO_EINVAL;
	for (uint64_t i = 0; len >= 4 && i <= len - 4; i++) {
		bool named;

		if (aml[i] != '_' || memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		named = (i >= 1 && aml[i - 1] == AML_NAME_OP) ||
			(i >= 2 && aml[i - 1] == AML_ROOT_CHAR && aml[i - 2] == AML_NAME_OP);
		if (!named)
			continue; /* a reference such as \_S5_ in a method, or data */
		if (i + 4 == len)
			return -EXO_EINVAL; /* Name(_S5, ...) cut off */
		if (aml[i + 4] != AML_PACKAGE_OP)
			continue; /* not our object; keep looking */
		return s5_package(aml, len, i + 4, typa, typb);
	}
	return -EXO_ENOTSUP;
}

/* ------------------------------------------------------------ MADT */

/* Record a usable processor with APIC id id (any width) in *m, or count it
 * in ncpus_ignored: see acpi_parse_madt. */
static void madt_cpu(struct acpi_madt_info *m, uint32_t id)
{
	if (id >= 0xff || m->ncpus == ACPI_MAX_CPUS) {
		m->ncpus_ignored++;
		return;
	}
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (m->apic_id[i] == id) {
			m->ncpus_ignored++;
			return;
		}
	}
	m->apic_id[m->ncpus++] = (uint8_t)id;
}

/*
 * Read one MADT interrupt controller structure of len bytes at e (len >= 2,
 * all of it inside the proven table) into *m. Returns -EXO_EINVAL if a type
 * read here is shorter than its fixed size; other types are ignored.
 */
static int madt_entry(const uint8_t *e, uint8_t len, struct acpi_madt_info *m, bool *have_lapic64,
		      uint64_t *lapic64)
{
	switch (e[0]) {
	case ACPI_MADT_LAPIC: {
		struct acpi_madt_lapic l;

		if (len < sizeof(l))
			return -EXO_EINVAL;
		memcpy(&l, e, sizeof(l));
		if (l.flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE))
			madt_cpu(m, l.apic_id);
		return 0;
	}
	case ACPI_MADT_X2APIC: {
		struct acpi_madt_x2apic x;

		if (len < sizeof(x))
			return -EXO_EINVAL;
		memcpy(&x, e, sizeof(x));
		if (x.flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE))
			madt_cpu(m, x.x2apic_id);
		return 0;
	}
	case ACPI_MADT_IOAPIC: {
		struct acpi_madt_ioapic io;

		if (len < sizeof(io))
			return -EXO_EINVAL;
		memcpy(&io, e, sizeof(io));
		if (m->nioapics == ACPI_MAX_IOAPICS) {
			m->nioapics_ignored++;
			return 0;
		}
		m->ioapic[m->nioapics].id = io.id;
		m->ioapic[m->nioapics].addr = io.addr;
		m->ioapic[m->nioapics].gsi_base = io.gsi_base;
		m->nioapics++;
		return 0;
	}
	case ACPI_MADT_OVERRIDE: {
		struct acpi_madt_override o;

		if (len < sizeof(o))
			return -EXO_EINVAL;
		memcpy(&o, e, sizeof(o));
		if (o.bus != 0 || o.source > 15)
			return 0; /* not an ISA IRQ */
		if (m->noverrides == ACPI_MAX_OVERRIDES) {
			m->noverrides_ignored++;
			return 0;
		}
		m->override[m->noverrides].source = o.source;
		m->override[m->noverrides].gsi = o.gsi;
		m->override[m->noverrides].flags = o.flags;
		m->noverrides++;
		return 0;
	}
	case ACPI_MADT_LAPIC_ADDR: {
		struct acpi_madt_lapic_addr a;

		if (len < sizeof(a))
			return -EXO_EINVAL;
		memcpy(&a, e, sizeof(a));
		*have_lapic64 = true;
		*lapic64 = a.addr;
		return 0;
	}
	default:
		return 0;
	}
}

int acpi_parse_madt(const void *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
		    struct acpi_madt_info *out)
{
	struct root_table root;
	struct acpi_madt_info m;
	struct acpi_madt hdr;
	const uint8_t *tab;
	uint64_t pa, lapic64 = 0;
	bool have_lapic64 = false;
	uint32_t len, off;
	int err;

	if (rsdp == NULL || map == NULL || out == NULL)
		return -EXO_EINVAL;
	if ((err = map_root(rsdp, rsdp_len, map, ctx, &root)) != 0)
		return err;
	if ((pa = find_in_root(&root, map, ctx, "APIC")) == 0)
		return -EXO_ENOTSUP;
	if ((err = map_table(map, ctx, pa, "APIC", &tab, &len)) != 0)
		return err;
	if (len < sizeof(hdr))
		return -EXO_EINVAL;
	memcpy(&hdr, tab, sizeof(hdr));

	memset(&m, 0, sizeof(m));
	m.pcat_compat = (hdr.flags & ACPI_MADT_PCAT_COMPAT) != 0;
	/* Invariant: off <= len, and each pass adds an entry length >= 2. */
	for (off = sizeof(hdr); off < len;) {
		uint8_t elen;

		if (len - off < sizeof(struct acpi_madt_entry))
			return -EXO_EINVAL; /* a lone type byte at the end */
		elen = tab[off + 1];
		if (elen < sizeof(struct acpi_madt_entry) || elen > len - off)
			return -EXO_EINVAL;
		if ((err = madt_entry(tab + off, elen, &m, &have_lapic64, &lapic64)) != 0)
			return err;
		off += elen;
	}
	m.lapic_base = have_lapic64 ? lapic64 : hdr.lapic_addr;
	*out = m;
	return 0;
}

uint32_t acpi_isa_irq_gsi(const struct acpi_madt_info *m, unsigned irq, uint16_t *flags)
{
	uint16_t f = 0;
	uint32_t gsi = irq;

	for (unsigned i = 0; irq <= 15 && i < m->noverrides; i++) {
		if (m->override[i].source == irq) {
			gsi = m->override[i].gsi;
			f = m->override[i].flags;
			break;
		}
	}
	if (flags != NULL)
		*flags = f;
	return gsi;
}
