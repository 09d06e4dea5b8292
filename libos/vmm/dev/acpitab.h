/*
 * acpitab.h - the firmware tables of the PC the VMM emulates: ACPI (RSDP,
 * RSDT, XSDT, FADT, FACS, MADT, and the DSDT compiled from
 * libos/vmm/acpi/dsdt.asl) and the Intel MultiProcessor table, laid out in
 * the reserved BIOS area below 1 MiB where a guest searches for them
 * (ACPI 6.x §5.2.5.1: the RSDP on a 16-byte boundary in 0xE0000-0xFFFFF;
 * MP spec 1.4 §4: the floating pointer in the BIOS ROM area).
 *
 * Hardware-free: it fills a buffer the caller then copies into guest RAM
 * (and the host unit tests parse with the kernel's own ACPI reader).
 */
#ifndef VMM_DEV_ACPITAB_H
#define VMM_DEV_ACPITAB_H

#include <stddef.h>
#include <stdint.h>

/* Where the tables go in guest-physical memory: the 64 KiB BIOS ROM area,
 * reserved in the e820 and multiboot memory maps. */
#define ACPITAB_GPA   0xF0000u
#define ACPITAB_BYTES 0x10000u

/* The machine the tables describe. */
struct acpitab_machine {
	unsigned ncpus;	      /* vCPUs: APIC IDs and ACPI UIDs 0..ncpus-1, 1..32 */
	uint32_t lapic_addr;  /* local APIC registers, 0xFEE00000 */
	uint8_t ioapic_id;    /* an APIC ID no vCPU has */
	uint32_t ioapic_addr; /* its registers, 0xFEC00000; GSI 0-23 */
	uint16_t sci_irq;     /* the ACPI SCI, an ISA IRQ (9), level, active high */
	uint16_t pm_base;     /* PM1a_EVT at +0 (4 bytes), PM1a_CNT at +4 (2), PM_TMR at +8 (4) */
	const void *dsdt;     /* the AML (with its own header and checksum) */
	size_t dsdt_len;
};

/*
 * Lay the tables out in buf, which stands for guest-physical [gpa, gpa +
 * len). Every table carries a valid checksum; the MADT lists the vCPUs,
 * the IOAPIC, ISA IRQ 0 -> GSI 2 and the SCI as overrides and LINT1 as
 * NMI; the MP table says the same for its ISA bus. Returns the gpa of the
 * RSDP (ACPI 2.0 form, 36 bytes), or 0 when the tables do not fit or m is
 * out of range (ncpus 0 or above 32, no DSDT).
 */
uint64_t acpitab_build(uint8_t *buf, uint64_t gpa, size_t len, const struct acpitab_machine *m);

#endif
