/*
 * pci.c - PCI configuration mechanism #1, enumeration, BARs and MSI-X.
 * Sources: PCI Local Bus Specification 3.0 §3.2.2.3.2 (configuration
 * mechanism #1), §6.1 (header), §6.7 (capability list), §6.8.2 (MSI-X).
 */
#include "kernel.h"
#include "arch/x86_64/io.h"
#include "dev/pci.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc

#define PCI_COMMAND	    0x04
#define PCI_CMD_MEMORY	    (1u << 1)
#define PCI_CMD_MASTER	    (1u << 2)
#define PCI_CMD_INTX_OFF    (1u << 10)
#define PCI_STATUS	    0x06
#define PCI_STATUS_CAPS	    (1u << 4)
#define PCI_HEADER_TYPE	    0x0e
#define PCI_BAR0	    0x10
#define PCI_CAP_PTR	    0x34
#define PCI_CAP_MSIX	    0x11
#define MSIX_CTRL_ENABLE    (1u << 15)
#define MSIX_CTRL_FUNC_MASK (1u << 14)
#define MSIX_ENTRY_MASKED   1u

static void select_reg(const struct pci_dev *d, uint8_t off)
{
	outl(CONFIG_ADDRESS, 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
				     (uint32_t)d->fn << 8 | (off & 0xfcu));
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
	select_reg(d, off);
	return inl(CONFIG_DATA);
}

uint16_t pci_read16(const struct pci_dev *d, uint8_t off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
	select_reg(d, off);
	outl(CONFIG_DATA, v);
}

void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
	uint32_t w = pci_read32(d, off), sh = (off & 2) * 8u;
	pci_write32(d, off, (w & ~(0xffffu << sh)) | (uint32_t)v << sh);
}

bool pci_find(uint16_t vendor, const uint16_t *devices, unsigned ndevices, struct pci_dev *out)
{
	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			for (unsigned fn = 0; fn < 8; fn++) {
				struct pci_dev d = { .bus = (uint8_t)bus,
						     .dev = (uint8_t)dev,
						     .fn = (uint8_t)fn };
				uint32_t id = pci_read32(&d, 0);
				if ((id & 0xffff) == 0xffff) {
					if (fn == 0)
						break; /* no device here */
					continue;
				}
				d.vendor = (uint16_t)id;
				d.device = (uint16_t)(id >> 16);
				uint32_t cls = pci_read32(&d, 0x08);
				d.class = (uint8_t)(cls >> 24);
				d.subclass = (uint8_t)(cls >> 16);
				for (unsigned i = 0; i < ndevices; i++) {
					if (d.vendor == vendor && d.device == devices[i]) {
						*out = d;
						return true;
					}
				}
				if (fn == 0 && !(pci_read8(&d, PCI_HEADER_TYPE) & 0x80))
					break; /* single-function device */
			}
		}
	}
	return false;
}

uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar)
{
	if (bar > 5)
		return 0;
	uint32_t lo = pci_read32(d, (uint8_t)(PCI_BAR0 + 4 * bar));
	if (lo & 1)
		return 0; /* I/O space */
	uint64_t a = lo & ~0xfull;
	if (((lo >> 1) & 3) == 2 && bar < 5)
		a |= (uint64_t)pci_read32(d, (uint8_t)(PCI_BAR0 + 4 * (bar + 1))) << 32;
	return a;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	uint8_t p = from ? pci_read8(d, (uint8_t)(from + 1)) : pci_read8(d, PCI_CAP_PTR);
	/* At most 48 capabilities fit in the 192 bytes after the header:
	 * the bound stops a looping list. */
	for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
		p &= 0xfc;
		if (pci_read8(d, p) == id)
			return p;
		p = pci_read8(d, (uint8_t)(p + 1));
	}
	return 0;
}

void pci_enable(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND,
		    (uint16_t)(cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF));
}

int pci_msix_route(const struct pci_dev *d, unsigned entry, uint8_t vector, uint8_t apic_id)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	if (!cap)
		return -1;
	uint16_t ctrl = pci_read16(d, (uint8_t)(cap + 2));
	unsigned n = (ctrl & 0x7ffu) + 1;
	uint32_t tbl = pci_read32(d, (uint8_t)(cap + 4));
	uint64_t base = pci_bar_addr(d, tbl & 7);
	if (entry >= n || base == 0 || base + (tbl & ~7u) + 16 * n > KERNEL_PHYS_MAP_SIZE)
		return -1;
	/* Mask the whole function while the table changes. */
	pci_write16(d, (uint8_t)(cap + 2),
		    (uint16_t)(ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_FUNC_MASK));
	volatile uint32_t *t = phys_to_virt(base + (tbl & ~7u));
	for (unsigned i = 0; i < n; i++)
		t[4 * i + 3] = MSIX_ENTRY_MASKED;
	t[4 * entry + 0] = 0xfee00000u | (uint32_t)apic_id << 12;
	t[4 * entry + 1] = 0;
	t[4 * entry + 2] = vector;
	t[4 * entry + 3] = 0;
	pci_write16(d, (uint8_t)(cap + 2),
		    (uint16_t)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_FUNC_MASK));
	return 0;
}
