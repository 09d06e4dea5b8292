/*
 * acpi_tables.h - reading the firmware's ACPI tables without touching
 * hardware: how to power the machine off (ACPI S5), and which CPUs and
 * interrupt controllers it has (the MADT).
 *
 * This is the "check" half of ACPI: acpi_parse_power walks
 * RSDP -> RSDT/XSDT -> FADT -> DSDT and returns the few numbers acpi.c needs
 * to write the PM1 control registers; acpi_parse_madt walks
 * RSDP -> RSDT/XSDT -> MADT and returns the local APIC address, the CPUs'
 * APIC ids, the I/O APICs and the ISA interrupt overrides. Both trust no
 * table before its length and checksum are proven: firmware tables are
 * treated as hostile input. The code reaches physical memory only through a
 * caller-supplied acpi_map_fn, so the host unit tests
 * (tests/unit/test_acpi.c, tests/unit/test_madt.c) can serve it buffers.
 *
 * Structures follow the ACPI Specification 6.x (section numbers as in 6.0 to
 * 6.5), chapter 5 "ACPI Software Programming Model"; AML follows chapter 20
 * "ACPI Machine Language (AML) Specification". All multi-byte fields are
 * little-endian, as on x86-64.
 */
#ifndef ACPI_TABLES_H
#define ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Root System Description Pointer (ACPI 6.x §5.2.5.3). Revision 0 (ACPI
 * 1.0) ends after rsdt_addr: 20 bytes covered by checksum. Revision 2 adds
 * the rest, covered by ext_checksum over length bytes. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* bytes 0..19 sum to 0 mod 256 */
	char oem_id[6];
	uint8_t revision;     /* 0 = ACPI 1.0; 2 = ACPI 2.0 and later */
	uint32_t rsdt_addr;   /* physical address of the RSDT */
	uint32_t length;      /* rev >= 2: bytes in this structure (36) */
	uint64_t xsdt_addr;   /* rev >= 2: physical address of the XSDT, 0 = none */
	uint8_t ext_checksum; /* rev >= 2: all length bytes sum to 0 mod 256 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_addr) == 16, "RSDP.RsdtAddress");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "RSDP.Length");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_addr) == 24, "RSDP.XsdtAddress");
_Static_assert(offsetof(struct acpi_rsdp, ext_checksum) == 32, "RSDP.ExtendedChecksum");

/* Bytes of a revision 0 RSDP, the part covered by acpi_rsdp.checksum. */
#define ACPI_RSDP_V1_LEN 20

/* System Description Table header, common to every table but the RSDP and
 * FACS (ACPI 6.x §5.2.6). */
struct acpi_sdt_header {
	char signature[4]; /* "RSDT", "XSDT", "FACP", "DSDT", "SSDT", ... */
	uint32_t length;   /* bytes in the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all length bytes sum to 0 mod 256 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header");
_Static_assert(offsetof(struct acpi_sdt_header, checksum) == 9, "SDT header.Checksum");

/* Generic Address Structure (ACPI 6.x §5.2.3.2). */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address; /* in the address space named by space_id */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");

#define ACPI_GAS_MEMORY 0 /* System Memory space */
#define ACPI_GAS_IO	1 /* System I/O space */

/* Fixed ACPI Description Table, signature "FACP" (ACPI 6.x §5.2.9).
 * Firmware may supply a shorter table (ACPI 1.0: 116 bytes; 2.0: 244;
 * 5.0: 268): fields past header.length do not exist. */
struct acpi_fadt {
	struct acpi_sdt_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;	   /* physical address of the DSDT (32-bit) */
	uint8_t reserved0; /* ACPI 1.0 INT_MODEL */
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;    /* I/O port of the SMI command port, 0 = none */
	uint8_t acpi_enable; /* value written to smi_cmd to enter ACPI mode */
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk; /* I/O port of the PM1a control block, 0 = see X_ */
	uint32_t pm1b_cnt_blk; /* I/O port of the PM1b control block, 0 = none */
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags; /* ACPI 1.0 table ends after this field (116 bytes) */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t fadt_minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt; /* 64-bit DSDT address; when nonzero, dsdt is ignored */
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT (ACPI 6.x)");
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT.DSDT");
_Static_assert(offsetof(struct acpi_fadt, smi_cmd) == 48, "FADT.SMI_CMD");
_Static_assert(offsetof(struct acpi_fadt, acpi_enable) == 52, "FADT.ACPI_ENABLE");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT.PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm1b_cnt_blk) == 68, "FADT.PM1b_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT.Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT.RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT.X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT.X_PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_pm1b_cnt_blk) == 184, "FADT.X_PM1b_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT.SLEEP_CONTROL_REG");

/* Shortest FADT accepted: the ACPI 1.0 table, which ends after Flags. */
#define ACPI_FADT_MIN_LEN 116

/* Multiple APIC Description Table, signature "APIC" (ACPI 6.x §5.2.12):
 * this fixed part, then interrupt controller structures to header.length,
 * each starting with struct acpi_madt_entry. */
struct acpi_madt {
	struct acpi_sdt_header header;
	uint32_t lapic_addr; /* Local Interrupt Controller Address (32-bit physical) */
	uint32_t flags;	     /* ACPI_MADT_PCAT_COMPAT */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");
_Static_assert(offsetof(struct acpi_madt, lapic_addr) == 36,
	       "MADT.LocalInterruptControllerAddress");

#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* MADT flags: dual 8259s also installed */

/* Header of every MADT interrupt controller structure (§5.2.12, Table 5.20). */
struct acpi_madt_entry {
	uint8_t type;	/* ACPI_MADT_* */
	uint8_t length; /* bytes in this structure, these two included */
} __attribute__((packed));

/* MADT structure types used here (ACPI 6.x §5.2.12, Table 5.21). */
#define ACPI_MADT_LAPIC	     0 /* Processor Local APIC (§5.2.12.2) */
#define ACPI_MADT_IOAPIC     1 /* I/O APIC (§5.2.12.3) */
#define ACPI_MADT_OVERRIDE   2 /* Interrupt Source Override (§5.2.12.5) */
#define ACPI_MADT_LAPIC_ADDR 5 /* Local APIC Address Override (§5.2.12.8) */
#define ACPI_MADT_X2APIC     9 /* Processor Local x2APIC (§5.2.12.12) */

/* Processor Local APIC structure (§5.2.12.2). */
struct acpi_madt_lapic {
	struct acpi_madt_entry h; /* type 0, length 8 */
	uint8_t uid;		  /* ACPI Processor UID */
	uint8_t apic_id;
	uint32_t flags; /* ACPI_MADT_CPU_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT Processor Local APIC");

/* Local APIC flags, in both processor structures (§5.2.12.2, Table 5.23). */
#define ACPI_MADT_CPU_ENABLED	     (1u << 0) /* usable now */
#define ACPI_MADT_CPU_ONLINE_CAPABLE (1u << 1) /* may be enabled at runtime (ACPI 6.3) */

/* I/O APIC structure (§5.2.12.3). */
struct acpi_madt_ioapic {
	struct acpi_madt_entry h; /* type 1, length 12 */
	uint8_t id;
	uint8_t reserved;
	uint32_t addr;	   /* 32-bit physical address of its registers */
	uint32_t gsi_base; /* Global System Interrupt of its first input */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT I/O APIC");

/* Interrupt Source Override structure (§5.2.12.5). */
struct acpi_madt_override {
	struct acpi_madt_entry h; /* type 2, length 10 */
	uint8_t bus;		  /* 0 = ISA, the only value defined */
	uint8_t source;		  /* bus-relative interrupt source (ISA IRQ) */
	uint32_t gsi;		  /* Global System Interrupt it signals */
	uint16_t flags;		  /* MPS INTI flags: ACPI_MADT_POLARITY_*, ACPI_MADT_TRIGGER_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_override) == 10, "MADT Interrupt Source Override");

/* MPS INTI flags (§5.2.12.5, Table 5.26). 0 in either field means
 * "conforms to the bus": for ISA, active high and edge triggered. */
#define ACPI_MADT_POLARITY_MASK 0x3u
#define ACPI_MADT_POLARITY_HIGH 0x1u
#define ACPI_MADT_POLARITY_LOW	0x3u
#define ACPI_MADT_TRIGGER_MASK	0xcu
#define ACPI_MADT_TRIGGER_EDGE	0x4u
#define ACPI_MADT_TRIGGER_LEVEL 0xcu

/* Local APIC Address Override structure (§5.2.12.8). */
struct acpi_madt_lapic_addr {
	struct acpi_madt_entry h; /* type 5, length 12 */
	uint16_t reserved;
	uint64_t addr; /* 64-bit physical address of the local APIC */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_addr) == 12, "MADT Local APIC Address Override");

/* Processor Local x2APIC structure (§5.2.12.12). */
struct acpi_madt_x2apic {
	struct acpi_madt_entry h; /* type 9, length 16 */
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags; /* ACPI_MADT_CPU_* */
	uint32_t uid;	/* ACPI Processor UID */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT Processor Local x2APIC");

/* Largest table acpi_parse_power or acpi_parse_madt will map and checksum, in bytes. Real DSDTs
 * are at most a few hundred KiB; a larger length is taken as corruption
 * rather than a reason to sum (or fault on) gigabytes of memory. */
#define ACPI_TABLE_MAX_LEN (16u << 20)

/* PM1 control register bits (ACPI 6.x §4.8.3.2.1, "PM1 Control Registers"). */
#define ACPI_PM1_SCI_EN	       (1u << 0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK  (7u << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN	       (1u << 13)

/*
 * Returns a pointer to len readable bytes at physical address pa, or NULL if
 * that range is not RAM/readable. ctx is the caller's, passed through.
 */
typedef const void *(*acpi_map_fn)(uint64_t pa, uint64_t len, void *ctx);

/* How to enter S5 on this machine, as found by acpi_parse_power. */
struct acpi_power {
	uint32_t pm1a_cnt, pm1b_cnt; /* I/O ports of PM1a/PM1b control blocks (0 = absent) */
	uint32_t smi_cmd;	     /* I/O port to switch the chipset into ACPI mode, 0 = none */
	uint8_t acpi_enable;	     /* value to write to smi_cmd when SCI_EN is clear */
	uint16_t slp_typa, slp_typb; /* SLP_TYP values for S5 from \_S5, each 0..7 */
	uint64_t dsdt;		     /* physical address of the DSDT */
};

/*
 * Find how to power off (S5) from the ACPI tables.
 *
 * rsdp is a copy of the RSDP (e.g. from the multiboot2 ACPI tag), rsdp_len
 * bytes; it need not be aligned. Checks, in order (ACPI 6.x §5.2.5.3):
 * rsdp_len >= 20, signature "RSD PTR ", checksum over the first 20 bytes;
 * for revision >= 2 with rsdp_len >= 36, 36 <= Length <= rsdp_len and the
 * extended checksum over Length bytes. (A revision >= 2 RSDP cut to 20
 * bytes, as in the multiboot2 "ACPI old RSDP" tag, is used as revision 0.)
 *
 * The XSDT is used if revision >= 2 and XsdtAddress != 0, else the RSDT
 * (§5.2.7, §5.2.8). A table is used only after map returns its 36-byte
 * header and then all Length bytes, with 36 <= Length <= ACPI_TABLE_MAX_LEN,
 * the expected signature and a zero checksum (§5.2.6). Root-table entries
 * whose header map refuses are skipped. The first "FACP" (§5.2.9) gives
 * PM1a_CNT_BLK (or X_PM1a_CNT_BLK, if the former is 0 and it is in System
 * I/O space), PM1b_CNT_BLK (likewise), SMI_CMD, ACPI_ENABLE and DSDT
 * (X_DSDT when the table reaches it and it is nonzero). \_S5 is looked for
 * in the DSDT's AML with acpi_find_s5, then in each SSDT in root-table
 * order (old QEMU and some firmware define it there); an SSDT that fails
 * its checks or holds a malformed \_S5 is skipped.
 *
 * Returns 0 and fills *out, or leaves *out untouched and returns
 *  -EXO_EINVAL   a NULL argument; a bad RSDP, RSDT, XSDT, FADT or DSDT
 *                (signature, checksum, length, or not mappable); a FADT
 *                shorter than 116 bytes; a port above 0xffff; or a
 *                malformed \_S5 in the DSDT (see acpi_find_s5);
 *  -EXO_ENOTSUP  no FADT, no PM1a control block in I/O space (e.g. a
 *                hardware-reduced platform), or no \_S5 package.
 */
int acpi_parse_power(const void *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
		     struct acpi_power *out);

/*
 * Find the S5 sleep type values in the AML byte stream aml[0..len) (len in
 * bytes; aml need not be aligned), i.e. the body of a DSDT or SSDT after
 * its 36-byte header.
 *
 * Looks for a DefName of _S5_ (ACPI 6.x §20.2.5.1): NameOp 0x08, an
 * optional root prefix '\', "_S5_", then PackageOp 0x12 PkgLength
 * NumElements (§20.2.5.4, PkgLength encoding §20.2.4), and decodes the first
 * two elements as ZeroOp 0x00, OneOp 0x01, BytePrefix 0x0A, WordPrefix
 * 0x0B, DWordPrefix 0x0C or QWordPrefix 0x0E data (§20.2.3). Each is the
 * SLP_TYP value for PM1a / PM1b (§7.4.2 "\_Sx (System States)"). "_S5_" bytes
 * not in that NameOp form (references, strings) are skipped, as is a
 * Name (_S5, x) whose x is not a package. This is a byte scan, not an AML
 * interpreter: it does not track scopes (a _S5 declared in a device would
 * be taken for \_S5) and misses a \_S5 built by a method. Every read is
 * bounded by len and by the package's own length.
 *
 * Returns 0 and sets *typa and *typb, or leaves them untouched and returns
 *  -EXO_ENOTSUP  no Name(_S5, Package ...) in the stream;
 *  -EXO_EINVAL   a NULL argument, a Name(_S5 cut off at len, or a
 *                malformed package: PkgLength past len or too short for
 *                its contents, reserved PkgLength bits set, fewer than two
 *                elements, an element of another type, or a value that
 *                does not fit the 3-bit SLP_TYP field (> 7).
 */
int acpi_find_s5(const uint8_t *aml, uint64_t len, uint16_t *typa, uint16_t *typb);

#define ACPI_MAX_CPUS	   16 /* processors acpi_parse_madt records */
#define ACPI_MAX_IOAPICS   4  /* I/O APICs acpi_parse_madt records */
#define ACPI_MAX_OVERRIDES 16 /* ISA interrupt source overrides it records */

/* The interrupt controllers and CPUs of this machine, as found in the MADT
 * by acpi_parse_madt. Entries are in MADT order. */
struct acpi_madt_info {
	uint64_t lapic_base;		/* physical address of the local APIC registers: the MADT's
					   32-bit field, or the 64-bit Local APIC Address Override */
	unsigned ncpus;			/* processors recorded in apic_id[], <= ACPI_MAX_CPUS */
	unsigned ncpus_ignored;		/* usable processors not recorded (see acpi_parse_madt) */
	uint8_t apic_id[ACPI_MAX_CPUS]; /* local APIC ids; the BSP is usually, not always, first */
	unsigned nioapics;		/* I/O APICs recorded in ioapic[] */
	unsigned nioapics_ignored;	/* I/O APICs beyond ACPI_MAX_IOAPICS */
	struct {
		uint8_t id;	   /* I/O APIC id */
		uint32_t addr;	   /* physical address of its registers */
		uint32_t gsi_base; /* GSI of its input 0 */
	} ioapic[ACPI_MAX_IOAPICS];
	unsigned noverrides;	     /* ISA overrides recorded in override[] */
	unsigned noverrides_ignored; /* ISA overrides beyond ACPI_MAX_OVERRIDES */
	struct {
		uint8_t source; /* ISA IRQ, 0..15 */
		uint32_t gsi;	/* GSI it is wired to */
		uint16_t flags; /* MPS INTI flags: ACPI_MADT_POLARITY_*, ACPI_MADT_TRIGGER_* */
	} override[ACPI_MAX_OVERRIDES];
	bool pcat_compat; /* dual 8259 PICs present: mask them before using I/O APICs */
};

/*
 * Find the CPUs and interrupt controllers in the Multiple APIC Description
 * Table (ACPI 6.x §5.2.12).
 *
 * rsdp, rsdp_len, map and ctx are as for acpi_parse_power, and the RSDP and
 * root table get the same checks. The first root-table entry whose header
 * has signature "APIC" is the MADT; it is used only after map returns all
 * Length bytes, with 44 <= Length <= ACPI_TABLE_MAX_LEN and a zero checksum
 * (§5.2.6). Its interrupt controller structures are then walked from offset
 * 44 to Length; each must have Length >= 2 and end inside the table, and a
 * structure of a type read here must be at least its fixed size (LAPIC 8,
 * I/O APIC 12, override 10, LAPIC address override 12, x2APIC 16 bytes).
 * Longer structures (later revisions) and other types are skipped by their
 * Length. What is recorded:
 *  - type 0 (§5.2.12.2) and type 9 (§5.2.12.12) processors whose flags have
 *    Enabled or Online Capable set. The first ACPI_MAX_CPUS with an APIC
 *    id below 255 go in apic_id[]. The others only count in ncpus_ignored:
 *    those past ACPI_MAX_CPUS; id 255 (the xAPIC broadcast destination) and
 *    x2APIC ids above it (not addressable with 8-bit xAPIC ids); and an id
 *    already recorded (firmware listing one CPU as both LAPIC and x2APIC).
 *    Processors with neither flag are skipped without being counted;
 *  - type 1 I/O APICs (§5.2.12.3): the first ACPI_MAX_IOAPICS;
 *  - type 2 overrides (§5.2.12.5) with Bus 0 (ISA) and Source 0..15: the
 *    first ACPI_MAX_OVERRIDES. Others are skipped;
 *  - type 5 (§5.2.12.8): its 64-bit address replaces the 32-bit field in
 *    lapic_base (the last one, if firmware gives more than one).
 *
 * Returns 0 and fills *out, or leaves *out untouched and returns
 *  -EXO_EINVAL   a NULL argument; a bad RSDP, RSDT or XSDT (see
 *                acpi_parse_power); an MADT that is not mappable, shorter
 *                than 44 bytes or has a bad checksum; or a malformed
 *                structure as above;
 *  -EXO_ENOTSUP  no MADT in the root table.
 */
int acpi_parse_madt(const void *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
		    struct acpi_madt_info *out);

/*
 * The GSI that ISA IRQ irq (0..15) signals, from m's interrupt source
 * overrides (ACPI 6.x §5.2.12.5): the first override for that IRQ, in MADT
 * order. *flags (if flags is not NULL) gets its MPS INTI flags. Without an
 * override the IRQ is identity-mapped, GSI irq (§5.2.12.5: ISA interrupts
 * without an override are assumed identity-mapped into the I/O APIC
 * inputs), and *flags is 0, "conforms to the bus" (for ISA: active high,
 * edge triggered). An irq above 15 is returned unchanged, *flags 0.
 * m must be a result of acpi_parse_madt.
 */
uint32_t acpi_isa_irq_gsi(const struct acpi_madt_info *m, unsigned irq, uint16_t *flags);

#endif
