/*
 * acpi.h - the kernel's use of ACPI: soft-off (S5) and the MADT.
 *
 * acpi_init runs once at boot, keeps the RSDP and records, through the
 * hardware-free parser in acpi_tables.c, which PM1 control registers and
 * SLP_TYP values enter S5. acpi_poweroff later writes them. acpi_madt reads
 * the CPUs and interrupt controllers from the MADT. Nothing else of ACPI is
 * used: no AML interpreter, no SCI handler.
 */
#ifndef ACPI_H
#define ACPI_H

#include <stdint.h>

#include "acpi_tables.h"

/*
 * Parse the ACPI tables once at boot. rsdp is a copy of the RSDP from the
 * multiboot2 ACPI tag, rsdp_len bytes (20 for the "old" tag, 36 for the
 * "new" one). When rsdp is NULL the RSDP is searched for as ACPI 6.x
 * §5.2.5.1 says: on 16-byte boundaries in the first KiB of the EBDA (real-
 * mode segment at physical 0x40e) and in 0xe0000-0xfffff; a candidate needs
 * "RSD PTR " and a zero checksum over its first 20 bytes.
 *
 * Prints one line: "acpi: S5 via PM1a 0x604 SLP_TYP 0" on success, or
 * "acpi: no S5 power-off (<reason>)". Returns 0, -EXO_ENOTSUP when no RSDP
 * is found, or the error of acpi_parse_power (acpi_tables.h). Whatever it
 * returns, an RSDP it was given or found is copied (at most 1 KiB) for
 * acpi_madt. Call once, before acpi_poweroff and acpi_madt, on the boot CPU.
 */
int acpi_init(const void *rsdp, uint32_t rsdp_len);

/*
 * Enter S5 (soft off) through the legacy PM1 registers, as ACPI 6.x §16.1
 * "Sleeping States" describes. If SCI_EN (PM1a_CNT bit 0) is clear and the
 * FADT names an SMI_CMD port, write ACPI_ENABLE there and poll PM1a_CNT up
 * to ~1 s for SCI_EN (the handover described with SMI_CMD and ACPI_ENABLE
 * in §5.2.9). Then write SLP_TYPa with SLP_EN (bits 10-12 and 13, §4.8.3.2.1)
 * to PM1a_CNT, preserving its other bits, and likewise SLP_TYPb to PM1b_CNT
 * if there is one, PM1a first.
 *
 * Returns -EXO_ENOTSUP if acpi_init found no S5, or if the machine is still
 * running ~100 ms after the write (the caller may then halt or try another
 * way). On success it does not return. The caller should have quiesced
 * devices and other CPUs; interrupts are left as they are.
 */
int acpi_poweroff(void);

/*
 * Read the MADT (ACPI 6.x §5.2.12) through the RSDP acpi_init kept: the local
 * APIC base, up to ACPI_MAX_CPUS processor APIC ids, the I/O APICs and the
 * ISA interrupt source overrides (struct acpi_madt_info, acpi_tables.h).
 * Tables are reread and re-proven (checksums, lengths) on every call; nothing
 * is printed and no hardware is touched.
 *
 * Returns 0 and fills *out, or leaves *out untouched and returns
 * -EXO_ENOTSUP if acpi_init has not run or found no RSDP, or the error of
 * acpi_parse_madt: -EXO_ENOTSUP for no MADT, -EXO_EINVAL for malformed
 * tables or a NULL out. Safe on any CPU once acpi_init has returned.
 */
int acpi_madt(struct acpi_madt_info *out);

#endif
