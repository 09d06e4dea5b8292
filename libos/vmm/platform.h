/*
 * platform.h - the PC the guest sees (platform.c): the device models of
 * dev/ on a port bus and an MMIO bus, their interrupt lines wired to the
 * 8259A pair and the IOAPIC, the local APICs on an APIC bus, the firmware
 * tables in the BIOS area, the disks and the host's console.
 */
#ifndef PLATFORM_H
#define PLATFORM_H

#include "dev/acpipm.h"
#include "dev/cga.h"
#include "dev/debugexit.h"
#include "dev/fwcfg.h"
#include "dev/i8042.h"
#include "dev/ide.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/mc146818.h"
#include "dev/pic8259.h"
#include "dev/pit8254.h"
#include "dev/uart16550.h"
#include "dev/vdev.h"
#include "dev/virtio_blk.h"

struct vm;
struct vcpu;

/* The guest-physical layout (docs/vmm-devices.md): the same addresses as
 * QEMU's pc machine, and its microvm machine's virtio-mmio windows. */
#define PF_LAPIC_GPA  0xFEE00000ull
#define PF_IOAPIC_GPA 0xFEC00000ull
#define PF_VIRTIO_GPA 0xFEB00000ull
#define PF_VIRTIO_GSI 16 /* slot n: IOAPIC input 16 + n */
#define PF_PM_PORT    0x600
#define PF_SCI_IRQ    9
#define PF_MAX_CPUS   8
#define PF_MAX_VIRTIO 4		    /* the DSDT describes four slots */
#define PF_LAPIC_HZ   1000000000ull /* the APIC timer's input clock */

struct platform {
	struct vdev_bus bus;
	struct vdev_mmio_bus mmio;
	struct pic8259 pic;
	struct ioapic ioapic;
	struct lapic lapic[PF_MAX_CPUS];
	struct acpipm pm;
	struct ide ide;
	struct virtio_blk vblk[PF_MAX_VIRTIO];
	unsigned nvblk;
	uint64_t rsdp; /* the ACPI RSDP's guest-physical address; 0 = no tables */
	struct pit8254 pit;
	struct uart16550 uart;
	struct mc146818 rtc;
	struct i8042 kbc;
	struct fwcfg fwcfg;
	struct debugexit dbgexit;
	struct cga cga;
	uint64_t cga_next_ns;	/* when to look at the text buffer again */
	bool escape;		/* Ctrl-] seen on the console: the next key is a command */
	uint64_t input_next_ns; /* when to ask the host for console input again */
};

int platform_init(struct vm *vm);
void platform_in(struct vm *vm, uint16_t port, unsigned size, uint32_t *val);
void platform_out(struct vm *vm, uint16_t port, unsigned size, uint32_t val);
/* Advance the timers to now_ns: raise what is due. */
void platform_update(struct vm *vm, uint64_t now_ns);
/* Guest time of the next timer event, or VDEV_NO_EVENT. */
uint64_t platform_next_event(struct vm *vm);
/* Guest time of the next event of vCPU c's local APIC timer, or VDEV_NO_EVENT. */
uint64_t platform_next_cpu_event(struct vcpu *c);
/* The interrupt vCPU c should take next (its local APIC, or the 8259A
 * through LINT0's virtual wire on the bootstrap CPU), or -1; ack: the
 * INTA cycle happened (the vector goes in service). */
int platform_irq_vector(struct vcpu *c, bool ack);
/* An access of size bytes (1, 2, 4 or 8) by vCPU c to guest-physical gpa,
 * which no RAM backs: the local APIC page, a device, or nothing (reads
 * all-ones, writes vanish). */
void platform_mmio(struct vcpu *c, uint64_t gpa, unsigned size, uint64_t *val, bool write);
/* The guest's IA32_APIC_BASE and IA32_TSC_DEADLINE MSRs: 0, or -1 for a
 * value the guest must get #GP for. */
int platform_apic_msr(struct vcpu *c, uint32_t msr, uint64_t *val, bool write);
/* Move typed input to the UART; handle Ctrl-] x. */
void platform_poll_input(struct vm *vm);
/* Bring the terminal mirror of the CGA text buffer up to date. */
void platform_flush_screen(struct vm *vm);

#endif
