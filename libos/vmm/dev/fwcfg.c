/*
 * fwcfg.c - fw_cfg-compatible interface (see fwcfg.h). Items are produced
 * byte by byte from the configuration: nothing is stored but the cursor.
 */
#include "dev/fwcfg.h"

/* Byte off of the item selected by key (0 past its end or if unknown). */
static uint8_t item_byte(const struct fwcfg *fw, uint16_t key, uint32_t off)
{
	static const char sig[4] = { 'Q', 'E', 'M', 'U' };
	uint64_t le; /* little-endian integer items */
	uint32_t len;

	switch (key & ~0x4000u) { /* bit 14: the old write flag */
	case FWCFG_SIGNATURE:
		return off < 4 ? (uint8_t)sig[off] : 0;
	case FWCFG_ID:
		le = 1; /* traditional interface, no DMA */
		len = 4;
		break;
	case FWCFG_RAM_SIZE:
		le = fw->ram_bytes;
		len = 8;
		break;
	case FWCFG_NB_CPUS:
		le = fw->ncpus;
		len = 2;
		break;
	case FWCFG_MAX_CPUS:
		le = fw->max_cpus;
		len = 2;
		break;
	case FWCFG_FILE_DIR:
		return 0; /* big-endian count 0, no entries */
	default:
		return 0;
	}
	return off < len ? (uint8_t)(le >> (8 * off)) : 0;
}

void fwcfg_init(struct fwcfg *fw, uint64_t ram_bytes, uint16_t ncpus, uint16_t max_cpus)
{
	fw->ram_bytes = ram_bytes;
	fw->ncpus = ncpus;
	fw->max_cpus = max_cpus;
	fw->selector = FWCFG_SIGNATURE;
	fw->offset = 0;
}

int fwcfg_attach(struct fwcfg *fw, struct vdev_bus *bus)
{
	return vdev_bus_register(bus, FWCFG_PORT_SEL, 2, 0, fw, fwcfg_pio_in, fwcfg_pio_out,
				 "fw_cfg");
}

void fwcfg_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct fwcfg *fw = dev;
	uint32_t v = 0;
	(void)now_ns;

	if (port == FWCFG_PORT_DATA) {
		for (unsigned i = 0; i < size && i < 4; i++) {
			v |= (uint32_t)item_byte(fw, fw->selector, fw->offset) << (8 * i);
			if (fw->offset != UINT32_MAX)
				fw->offset++;
		}
	}
	*val = v;
}

void fwcfg_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct fwcfg *fw = dev;
	(void)size;
	(void)now_ns;

	if (port == FWCFG_PORT_SEL) {
		fw->selector = (uint16_t)val;
		fw->offset = 0;
	}
}
