/*
 * dsdt.asl - the Differentiated System Description Table of the PC the VMM
 * library OS emulates (docs/vmm-devices.md, "ACPI"). Compiled at build time
 * by iasl (Debian's acpica-tools) into the AML that libos/vmm/acpi_dsdt.S
 * carries; the static tables (RSDP, RSDT, XSDT, FADT, FACS, MADT) are made
 * at VM start by libos/vmm/dev/acpitab.c, which knows the vCPU count.
 *
 * What it describes (ACPI 6.x chapters 6 and 19):
 *  - \_S5: the soft-off sleep type. The guest writes SLP_TYP = 5 with
 *    SLP_EN to PM1a_CNT (port 0x604) and the VM ends with status 0.
 *  - Four virtio-mmio slots (_HID "LNRO0005", Linux's virtio_mmio driver
 *    finds them by it, as on QEMU's microvm machine), each a 0x200-byte
 *    window at 0xFEB00000 + 0x200 * n and a level-triggered, active-high
 *    IOAPIC input 16 + n. _STA reports a slot present only if a disk is
 *    attached there: the VMM's bitmap of present slots is one byte at I/O
 *    port 0x610 (bit n = slot n), next to the PM registers.
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "EXOVMM", "EXOPC", 1)
{
	Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

	Scope (\_SB)
	{
		OperationRegion (VSLT, SystemIO, 0x0610, One)
		Field (VSLT, ByteAcc, NoLock, Preserve)
		{
			VPRS, 8
		}

		Device (VR00)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, Zero)
			Name (_CCA, One)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & One) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xFEB00000, 0x00000200)
				Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 16 }
			})
		}

		Device (VR01)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, One)
			Name (_CCA, One)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x02) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xFEB00200, 0x00000200)
				Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 17 }
			})
		}

		Device (VR02)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 0x02)
			Name (_CCA, One)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x04) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xFEB00400, 0x00000200)
				Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 18 }
			})
		}

		Device (VR03)
		{
			Name (_HID, "LNRO0005")
			Name (_UID, 0x03)
			Name (_CCA, One)
			Method (_STA, 0, NotSerialized)
			{
				If (VPRS & 0x08) { Return (0x0F) }
				Return (Zero)
			}
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xFEB00600, 0x00000200)
				Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 19 }
			})
		}
	}
}
