/*
 * pci.h - PCI configuration space through configuration mechanism #1
 * (ports 0xCF8/0xCFC; PCI Local Bus Specification 3.0 §3.2.2.3.2), bus
 * enumeration, BARs and MSI-X (§6.8.2).
 *
 * Only what the kernel's own drivers need: the exokernel drives the disk
 * itself (it multiplexes disk blocks), so it must find the disk controller.
 */
#ifndef DEV_PCI_H
#define DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* One PCI function. */
struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass;
};

uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
uint16_t pci_read16(const struct pci_dev *d, uint8_t off);
uint8_t pci_read8(const struct pci_dev *d, uint8_t off);
void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v);

/*
 * Find the first function with this vendor and one of the device ids
 * devices[0..ndevices), scanning buses 0..255 (functions 1..7 only of
 * multi-function devices). Fills *out and returns true if found.
 */
bool pci_find(uint16_t vendor, const uint16_t *devices, unsigned ndevices, struct pci_dev *out);

/* Physical address of memory BAR bar (0..5), following a 64-bit BAR into
 * the next register; 0 if it is an I/O BAR or unassigned. */
uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar);

/* Offset of the first capability with this id at or after the one at
 * offset from (0: the start of the list), or 0 if none. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from);

/* Turn on memory decoding and bus mastering (so the device may DMA), and
 * turn off legacy INTx (the kernel uses MSI-X). */
void pci_enable(const struct pci_dev *d);

/*
 * Enable MSI-X and point table entry `entry` at `vector` on the local APIC
 * with id apic_id (fixed delivery, edge; Intel SDM vol. 3 §11.11 message
 * format). Every other entry stays masked. Returns 0, or -1 if the
 * function has no MSI-X capability, the entry does not exist, or the table
 * lies outside the kernel's direct map.
 */
int pci_msix_route(const struct pci_dev *d, unsigned entry, uint8_t vector, uint8_t apic_id);

#endif
