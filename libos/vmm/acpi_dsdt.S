/*
 * acpi_dsdt.S - the DSDT's AML as data: acpi/dsdt.asl compiled by iasl at
 * build time (tools/vmm.mk puts dsdt.aml on the include path).
 * platform.c copies it into the firmware tables (dev/acpitab.c).
 */
	.section .rodata
	.globl acpi_dsdt, acpi_dsdt_end
	.balign 16
acpi_dsdt:
	.incbin "dsdt.aml"
acpi_dsdt_end:
	.section .note.GNU-stack, "", @progbits
