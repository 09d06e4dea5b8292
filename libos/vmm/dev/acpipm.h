/*
 * acpipm.h - the ACPI fixed-hardware registers of the emulated PC (ACPI
 * 6.x §4.8, "ACPI Hardware Features"), at the I/O ports the FADT names:
 *
 *   base + 0  PM1a_STS (16 bits)  status, write 1 to clear
 *   base + 2  PM1a_EN  (16 bits)  enables: an enabled status raises the SCI
 *   base + 4  PM1a_CNT (16 bits)  SCI_EN (reads 1: the machine is always
 *                                 in ACPI mode, the FADT has no SMI_CMD),
 *                                 SLP_TYP and SLP_EN: a write of SLP_EN
 *                                 asks the host for that sleep state
 *   base + 8  PM_TMR   (32 bits)  the power-management timer, 3.579545 MHz,
 *                                 32 bits wide (FADT TMR_VAL_EXT)
 *   base + 16 a byte, the VMM's own: bit n set = virtio-mmio slot n holds a
 *             disk (the DSDT's _STA methods read it)
 *
 * Nothing here sets a status bit by itself: the timer's carry (TMR_STS) and
 * the buttons are not modelled, so the SCI stays low unless the guest sets
 * a status bit... which it cannot (status bits only clear). The line is
 * driven anyway, so the wiring is exercised and a later event source only
 * has to set a bit.
 */
#ifndef VMM_DEV_ACPIPM_H
#define VMM_DEV_ACPIPM_H

#include "dev/vdev.h"

#define ACPIPM_PORTS	  17
#define ACPIPM_TIMER_HZ	  3579545ull
#define ACPIPM_SLP_TYP_S5 5 /* the \_S5 package's value in dsdt.asl */

struct acpipm_config {
	uint16_t base;	  /* 0x600 */
	unsigned sci_irq; /* 9 */
	struct vdev_irq irq_sink;
	uint8_t slots; /* the byte at base + 16 */
	/* The guest wrote SLP_EN with sleep type slp_typ (0-7). */
	void (*sleep)(void *ctx, unsigned slp_typ);
	void *ctx;
};

struct acpipm {
	struct acpipm_config cfg;
	uint16_t sts, en, cnt;
	bool sci;
};

void acpipm_init(struct acpipm *pm, const struct acpipm_config *cfg);
/* Claim ports base .. base + 16 on bus. Returns 0 or -1. */
int acpipm_attach(struct acpipm *pm, struct vdev_bus *bus);
/* The PM timer's count at guest time now_ns (32 bits, wraps). */
uint32_t acpipm_timer(uint64_t now_ns);

#endif
