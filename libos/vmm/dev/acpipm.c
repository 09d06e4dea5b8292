/*
 * acpipm.c - the ACPI PM1 event and control registers and the PM timer
 * (see acpipm.h; ACPI 6.x §4.8.3).
 */
#include <string.h>

#include "dev/acpipm.h"

#define PM1_SCI_EN	  (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN	  (1u << 13)
#define PM1_CNT_WRITABLE  (0x7u << PM1_SLP_TYP_SHIFT | 0x6u) /* SLP_TYP, BM_RLD, GBL_RLS */
#define PM1_STS_DEFINED	  0x8d31u /* TMR, BM, GBL, PWRBTN, SLPBTN, RTC, WAK */
#define PM1_EN_DEFINED	  0x0521u /* TMR, GBL, PWRBTN, SLPBTN, RTC */

uint32_t acpipm_timer(uint64_t now_ns)
{
	/* Split so the product cannot overflow: seconds, then the rest. */
	uint64_t s = now_ns / VDEV_NS_PER_S, ns = now_ns % VDEV_NS_PER_S;
	return (uint32_t)(s * ACPIPM_TIMER_HZ + ns * ACPIPM_TIMER_HZ / VDEV_NS_PER_S);
}

static void update_sci(struct acpipm *pm)
{
	bool level = (pm->sts & pm->en) != 0;
	if (level != pm->sci) {
		pm->sci = level;
		vdev_irq_set(&pm->cfg.irq_sink, pm->cfg.sci_irq, level);
	}
}

/* A 16-bit register at offset off (0, 2 or 4) of the block: its bytes. */
static uint16_t *reg16(struct acpipm *pm, unsigned off)
{
	return off < 2 ? &pm->sts : off < 4 ? &pm->en : &pm->cnt;
}

static void pm_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct acpipm *pm = dev;
	unsigned off = port - pm->cfg.base;
	if (off >= 8 && off < 12) {
		*val = acpipm_timer(now_ns) >> (8 * (off - 8));
	} else if (off < 6) {
		uint32_t v = *reg16(pm, off);
		if (off >= 4)
			v |= PM1_SCI_EN;
		v >>= 8 * (off & 1);
		/* A 32-bit read at PM1a_STS reads STS and EN together. */
		if (size == 4 && off == 0)
			v |= (uint32_t)pm->en << 16;
		*val = v;
	} else if (off == 16) {
		*val = pm->cfg.slots;
	} else {
		*val = 0;
	}
	*val &= vdev_size_mask(size);
}

static void write_cnt(struct acpipm *pm, uint16_t v)
{
	pm->cnt = v & PM1_CNT_WRITABLE;
	if ((v & PM1_SLP_EN) && pm->cfg.sleep)
		pm->cfg.sleep(pm->cfg.ctx, (v >> PM1_SLP_TYP_SHIFT) & 7);
}

static void pm_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	(void)now_ns;
	struct acpipm *pm = dev;
	unsigned off = port - pm->cfg.base;
	if (off == 0 && size == 4) { /* STS and EN in one write */
		pm->sts &= (uint16_t) ~(val & PM1_STS_DEFINED);
		pm->en = (uint16_t)(val >> 16) & PM1_EN_DEFINED;
	} else if (off == 0 || off == 1) {
		uint16_t bits = (uint16_t)(val << (8 * off));
		pm->sts &= (uint16_t) ~(bits & PM1_STS_DEFINED);
	} else if (off == 2 || off == 3) {
		uint16_t keep = off == 2 ? (size >= 2 ? 0 : 0xff00) : 0x00ff;
		uint16_t bits = (uint16_t)(val << (8 * (off - 2)));
		pm->en = (uint16_t)(((pm->en & keep) | bits) & PM1_EN_DEFINED);
	} else if (off == 4) {
		write_cnt(pm, size >= 2 ? (uint16_t)val
					: (uint16_t)((pm->cnt & 0xff00) | (val & 0xff)));
	} else if (off == 5) {
		write_cnt(pm, (uint16_t)((pm->cnt & 0x00ff) | (val & 0xff) << 8));
	}
	update_sci(pm);
}

void acpipm_init(struct acpipm *pm, const struct acpipm_config *cfg)
{
	memset(pm, 0, sizeof(*pm));
	pm->cfg = *cfg;
}

int acpipm_attach(struct acpipm *pm, struct vdev_bus *bus)
{
	return vdev_bus_register(bus, pm->cfg.base, ACPIPM_PORTS, 0, pm, pm_in, pm_out, "acpi-pm");
}
