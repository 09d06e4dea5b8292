/*
 * fwcfg.h - a QEMU fw_cfg-compatible firmware configuration interface, the
 * x86 port I/O flavour: selector at port 0x510 (16-bit write), data at port
 * 0x511 (byte reads, advancing through the selected item).
 *
 * Source: QEMU docs/specs/fw_cfg.rst ("Firmware Configuration (fw_cfg)
 * Device"): selector/data registers, the signature key 0x0000 ("QEMU"), the
 * ID key 0x0001 (bit 0 traditional interface, bit 1 DMA), the file
 * directory key 0x0019 (big-endian 32-bit count, then entries), and the
 * item layouts of keys 0x0003 (RAM size), 0x0005 (CPU count) and 0x000f
 * (maximum CPUs), all little-endian.
 *
 * Offered: those keys, with an empty file directory and no DMA. Reading
 * past an item's end, or any unknown key, gives 0; writes to the data port
 * are ignored (the interface is read-only since QEMU 2.4).
 */
#ifndef VMM_DEV_FWCFG_H
#define VMM_DEV_FWCFG_H

#include "dev/vdev.h"

#define FWCFG_PORT_SEL	0x510
#define FWCFG_PORT_DATA 0x511

#define FWCFG_SIGNATURE 0x0000
#define FWCFG_ID	0x0001
#define FWCFG_RAM_SIZE	0x0003
#define FWCFG_NB_CPUS	0x0005
#define FWCFG_MAX_CPUS	0x000f
#define FWCFG_FILE_DIR	0x0019

struct fwcfg {
	uint64_t ram_bytes;
	uint16_t ncpus, max_cpus;
	uint16_t selector;
	uint32_t offset; /* next byte of the selected item; saturates */
};

/* ram_bytes: guest RAM size (bytes) for key 0x0003; ncpus, max_cpus for
 * keys 0x0005 and 0x000f. Selector 0 (the signature) is selected. */
void fwcfg_init(struct fwcfg *fw, uint64_t ram_bytes, uint16_t ncpus, uint16_t max_cpus);

/* Register ports 0x510-0x511. Returns 0, or -1 (bus full/overlap). */
int fwcfg_attach(struct fwcfg *fw, struct vdev_bus *bus);

/*
 * Port handlers. A write of any size to 0x510 selects the item named by its
 * low 16 bits (a byte write selects 0x00XX) and rewinds to its first byte.
 * A read of size n from 0x511 returns the next n item bytes, first byte in
 * the low bits. A read of 0x510 gives 0.
 */
void fwcfg_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void fwcfg_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

#endif
