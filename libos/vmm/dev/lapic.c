/*
 * lapic.c - local APIC model, xAPIC mode (see lapic.h for the sources).
 *
 * Timer arithmetic: the timer's clock runs at cfg->timer_hz of guest time
 * and the count goes down once every `divide` clocks. Counting from
 * timer_start_ns, the number of decrements by now is
 *     d = timer_base + floor(floor((now - start) * hz / 10^9) / divide)
 * and expiry n falls at d = n * initial count: a closed formula of now, so
 * periodic expiries never accumulate rounding drift. The count is rebased
 * (start moved to now, timer_base = decrements into the current period) only
 * when the divider or the one-shot/periodic mode changes under a running
 * count; the fraction of a tick in progress is dropped then.
 *
 * Simplifications, all invisible to Linux and the usual guests: the ESR's
 * "illegal register address" bit is never set (reserved offsets read 0
 * and ignore writes); no SMM, so SMI messages are dropped; the arbitration
 * priority (APR) and remote read (RRD) registers read 0; the CMCI LVT at
 * 0x2F0 is plain storage (the version register reports max LVT 5, so
 * guests do not use it); fixed IPIs are always edge-triggered, as on the
 * Pentium 4 and later (SDM 10.6.1, ICR bits 14 and 15).
 */
#include <string.h>

#include "dev/lapic.h"

#define LVT_DM(v)	  (((v) >> 8) & 7u)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3u)

/* ICR low bits that are stored (delivery status, bit 12, always reads 0). */
#define ICR_LO_MASK (0xFFu | 0x700u | 1u << 11 | 1u << 14 | 1u << 15 | 3u << 18)

/* ---------------------------------------------------------------- time */

/* Whole ticks of an hz clock in [start, now); saturates at UINT64_MAX. */
static uint64_t ticks_between(uint64_t start, uint64_t now, uint64_t hz)
{
	if (now <= start)
		return 0;
	uint64_t d = now - start, s = d / VDEV_NS_PER_S, r = d % VDEV_NS_PER_S;
	if (s && s > UINT64_MAX / hz)
		return UINT64_MAX;
	uint64_t a = s * hz;
	uint64_t b = r * hz / VDEV_NS_PER_S; /* r < 10^9, hz <= LAPIC_MAX_HZ: fits */
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Smallest interval (ns) holding t whole ticks of an hz clock: the inverse
 * of ticks_between. Saturates at UINT64_MAX. */
static uint64_t ns_for_ticks(uint64_t t, uint64_t hz)
{
	uint64_t a = t / hz, b = t % hz;
	if (a > UINT64_MAX / VDEV_NS_PER_S)
		return UINT64_MAX;
	a *= VDEV_NS_PER_S;
	uint64_t c = (b * VDEV_NS_PER_S + hz - 1) / hz; /* b < hz: fits */
	return a > UINT64_MAX - c ? UINT64_MAX : a + c;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Divide value of the divide configuration register (SDM figure 10-10). */
static unsigned divide_of(uint32_t dcr)
{
	unsigned v = (dcr & 3u) | (dcr & 8u) >> 1;
	return v == 7 ? 1 : 2u << v;
}

static unsigned timer_mode(const struct lapic *a)
{
	return LVT_TIMER_MODE(a->lvt[LAPIC_LVT_I_TIMER]);
}

static bool tsc_mode(const struct lapic *a)
{
	return timer_mode(a) == LAPIC_TIMER_TSC_DEADLINE;
}

/* Mode 3 is reserved: it counts as one-shot. */
static bool periodic(const struct lapic *a)
{
	return timer_mode(a) == LAPIC_TIMER_PERIODIC;
}

/* Decrements of the count since it was loaded, by now. */
static uint64_t decrements(const struct lapic *a, uint64_t now)
{
	uint64_t t = ticks_between(a->timer_start_ns, now, a->cfg.timer_hz);
	return sat_add(a->timer_base, t / divide_of(a->timer_dcr));
}

/* Expiries due after d decrements. */
static uint64_t expiries(const struct lapic *a, uint64_t d)
{
	if (periodic(a))
		return d / a->timer_icr;
	return d >= a->timer_icr;
}

static void timer_load(struct lapic *a, uint64_t now, uint64_t base)
{
	a->timer_start_ns = now;
	a->timer_base = base;
	a->timer_fired = 0;
}

/* Restart the count's arithmetic at now, keeping the current count. Call
 * only after lapic_update(now). */
static void timer_rebase(struct lapic *a, uint64_t now)
{
	if (!a->timer_running)
		return;
	uint64_t d = decrements(a, now);
	timer_load(a, now, periodic(a) ? d % a->timer_icr : d);
}

static uint32_t current_count(const struct lapic *a, uint64_t now)
{
	if (!a->timer_running)
		return 0;
	uint64_t d = decrements(a, now);
	if (periodic(a))
		return (uint32_t)(a->timer_icr - d % a->timer_icr);
	return d >= a->timer_icr ? 0 : (uint32_t)(a->timer_icr - d);
}

/* ------------------------------------------------------- vectors, priority */

static bool test_bit(const uint32_t *r, unsigned v)
{
	return r[v >> 5] >> (v & 31) & 1;
}

static void set_bit(uint32_t *r, unsigned v)
{
	r[v >> 5] |= 1u << (v & 31);
}

static void clear_bit(uint32_t *r, unsigned v)
{
	r[v >> 5] &= ~(1u << (v & 31));
}

/* The highest vector set in r, or -1. */
static int highest(const uint32_t *r)
{
	for (int w = 7; w >= 0; w--)
		if (r[w])
			return w * 32 + 31 - __builtin_clz(r[w]);
	return -1;
}

uint8_t lapic_ppr(const struct lapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	if ((a->tpr & 0xF0) >= isr_class)
		return (uint8_t)a->tpr;
	return (uint8_t)isr_class;
}

static void accept(struct lapic *a, unsigned v, bool level)
{
	set_bit(a->irr, v);
	if (level)
		set_bit(a->tmr, v);
	else
		clear_bit(a->tmr, v);
}

/* Log errors in the ESR and raise the LVT error interrupt (SDM 10.5.3). An
 * illegal vector in the LVT error entry itself only adds its ESR bit. */
static void error(struct lapic *a, uint32_t bits)
{
	uint32_t lvt = a->lvt[LAPIC_LVT_I_ERROR];
	a->esr_pending |= bits;
	if (lvt & LAPIC_LVT_MASKED)
		return;
	if ((lvt & 0xFF) < 16)
		a->esr_pending |= LAPIC_ESR_RECV_ILLEGAL;
	else
		accept(a, lvt & 0xFF, false);
}

/* A local (LVT) interrupt with fixed delivery: vector v, edge. */
static void local_fixed(struct lapic *a, uint32_t lvt)
{
	if (lvt & LAPIC_LVT_MASKED)
		return;
	if ((lvt & 0xFF) < 16)
		error(a, LAPIC_ESR_RECV_ILLEGAL);
	else
		accept(a, lvt & 0xFF, false);
}

/* ---------------------------------------------------------------- state */

void lapic_reset(struct lapic *a, uint64_t now_ns)
{
	(void)now_ns;
	a->tpr = 0;
	a->ldr = 0;
	a->dfr = 0xFFFFFFFFu;
	a->svr = 0xFF;
	memset(a->irr, 0, sizeof(a->irr));
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	a->esr = 0;
	a->esr_pending = 0;
	a->icr_lo = 0;
	a->icr_hi = 0;
	for (int i = 0; i < LAPIC_NLVT; i++)
		a->lvt[i] = LAPIC_LVT_MASKED;
	a->timer_icr = 0;
	a->timer_dcr = 0;
	a->timer_running = false;
	timer_load(a, 0, 0);
	a->tsc_deadline = 0;
	a->tsc_deadline_ns = 0;
}

void lapic_init(struct lapic *a, const struct lapic_config *cfg, uint64_t now_ns)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	if (a->cfg.timer_hz == 0)
		a->cfg.timer_hz = VDEV_NS_PER_S; /* no division by zero */
	if (a->cfg.timer_hz > LAPIC_MAX_HZ)
		a->cfg.timer_hz = LAPIC_MAX_HZ; /* keeps the tick arithmetic in 64 bits */
	a->id = (uint32_t)(cfg->id & 0xFF) << 24;
	a->hw_enabled = true;
	lapic_reset(a, now_ns);
	if (cfg->bsp)
		a->lvt[LAPIC_LVT_I_LINT0] = APIC_DM_EXTINT << 8;
}

uint64_t lapic_base_msr(const struct lapic *a)
{
	return LAPIC_BASE | (a->hw_enabled ? LAPIC_BASE_ENABLE : 0) |
	       (a->cfg.bsp ? LAPIC_BASE_BSP : 0);
}

int lapic_set_base_msr(struct lapic *a, uint64_t v, uint64_t now_ns)
{
	if (v & ~(0xFFFFF000ULL | LAPIC_BASE_ENABLE | LAPIC_BASE_BSP))
		return -1; /* reserved bits, x2APIC, a base above 4 GiB */
	if ((v & 0xFFFFF000ULL) != LAPIC_BASE)
		return -1;
	bool en = v & LAPIC_BASE_ENABLE;
	if (a->hw_enabled && !en) {
		lapic_update(a, now_ns);
		lapic_reset(a, now_ns);
	}
	a->hw_enabled = en;
	return 0;
}

bool lapic_hw_enabled(const struct lapic *a)
{
	return a->hw_enabled;
}

bool lapic_sw_enabled(const struct lapic *a)
{
	return a->svr & LAPIC_SVR_ENABLE;
}

/* ---------------------------------------------------------------- timer */

void lapic_update(struct lapic *a, uint64_t now_ns)
{
	if (a->timer_running) {
		uint64_t n = expiries(a, decrements(a, now_ns));
		if (n > a->timer_fired) {
			local_fixed(a, a->lvt[LAPIC_LVT_I_TIMER]);
			a->timer_fired = n;
			if (!periodic(a))
				a->timer_running = false;
		}
	}
	if (a->tsc_deadline && now_ns >= a->tsc_deadline_ns) {
		local_fixed(a, a->lvt[LAPIC_LVT_I_TIMER]);
		a->tsc_deadline = 0;
		a->tsc_deadline_ns = 0;
	}
}

uint64_t lapic_next_event(const struct lapic *a, uint64_t now_ns)
{
	uint64_t ev = VDEV_NO_EVENT;
	(void)now_ns;
	if (a->timer_running) {
		uint64_t icr = a->timer_icr;
		uint64_t target = periodic(a) ? a->timer_fired + 1 : 1;
		if (target > UINT64_MAX / icr)
			return VDEV_NO_EVENT; /* centuries away */
		target *= icr;
		uint64_t left = target > a->timer_base ? target - a->timer_base : 0;
		unsigned div = divide_of(a->timer_dcr);
		if (left > UINT64_MAX / div)
			return VDEV_NO_EVENT;
		ev = sat_add(a->timer_start_ns, ns_for_ticks(left * div, a->cfg.timer_hz));
	}
	if (a->tsc_deadline && a->tsc_deadline_ns < ev)
		ev = a->tsc_deadline_ns;
	return ev;
}

uint64_t lapic_tsc_deadline(const struct lapic *a)
{
	return tsc_mode(a) ? a->tsc_deadline : 0;
}

void lapic_set_tsc_deadline(struct lapic *a, uint64_t tsc, uint64_t deadline_ns, uint64_t now_ns)
{
	if (!tsc_mode(a))
		return;
	a->tsc_deadline = tsc;
	a->tsc_deadline_ns = tsc ? deadline_ns : 0;
	lapic_update(a, now_ns);
}

/* ------------------------------------------------------------ messages */

bool lapic_match(const struct lapic *a, uint8_t dest, bool logical)
{
	if (!a->hw_enabled)
		return false;
	if (!logical)
		return dest == 0xFF || dest == a->id >> 24;
	uint8_t ld = (uint8_t)(a->ldr >> 24);
	if ((a->dfr >> 28) == 0xF) /* flat */
		return (dest & ld) != 0;
	/* cluster */
	if ((dest >> 4) != 0xF && (dest >> 4) != (ld >> 4))
		return false;
	return (dest & ld & 0xF) != 0;
}

void lapic_deliver(struct lapic *a, const struct apic_msg *m, uint64_t now_ns)
{
	(void)now_ns;
	if (!a->hw_enabled)
		return;
	switch (m->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (!lapic_sw_enabled(a))
			return;
		if (m->vector < 16) {
			error(a, LAPIC_ESR_RECV_ILLEGAL);
			return;
		}
		accept(a, m->vector, m->level);
		break;
	case APIC_DM_NMI:
		a->events |= LAPIC_EV_NMI;
		break;
	case APIC_DM_INIT:
		if (m->level && !m->assert)
			return; /* INIT level de-assert: arbitration IDs only */
		a->events |= LAPIC_EV_INIT;
		break;
	case APIC_DM_SIPI:
		a->events |= LAPIC_EV_SIPI;
		a->sipi_vector = m->vector;
		break;
	case APIC_DM_EXTINT:
		a->events |= LAPIC_EV_EXTINT;
		break;
	default: /* SMI (no SMM), reserved mode 3 */
		break;
	}
}

int lapic_pending(const struct lapic *a)
{
	if (!a->hw_enabled)
		return -1;
	int v = highest(a->irr);
	if (v < 0 || (unsigned)(v >> 4) <= (unsigned)(lapic_ppr(a) >> 4))
		return -1;
	return v;
}

void lapic_ack(struct lapic *a, unsigned vector)
{
	if (vector > 255 || !test_bit(a->irr, vector))
		return;
	clear_bit(a->irr, vector);
	set_bit(a->isr, vector);
}

bool lapic_accepts_pic(const struct lapic *a)
{
	uint32_t lint0 = a->lvt[LAPIC_LVT_I_LINT0];
	return !a->hw_enabled || (!(lint0 & LAPIC_LVT_MASKED) && LVT_DM(lint0) == APIC_DM_EXTINT);
}

unsigned lapic_take_events(struct lapic *a, uint8_t *sipi_vector)
{
	unsigned ev = a->events;
	a->events = 0;
	if (sipi_vector)
		*sipi_vector = a->sipi_vector;
	return ev;
}

void lapic_set_tpr(struct lapic *a, uint8_t cr8)
{
	a->tpr = (uint32_t)(cr8 & 0xF) << 4;
}

uint8_t lapic_get_tpr(const struct lapic *a)
{
	return (uint8_t)(a->tpr >> 4);
}

/* ------------------------------------------------------------ registers */

static void eoi(struct lapic *a)
{
	int v = highest(a->isr);
	if (v < 0)
		return;
	clear_bit(a->isr, (unsigned)v);
	if (test_bit(a->tmr, (unsigned)v) && a->cfg.eoi)
		a->cfg.eoi(a->cfg.ctx, (unsigned)v);
}

static void send_ipi(struct lapic *a)
{
	uint32_t lo = a->icr_lo;
	struct apic_msg m = {
		.vector = (uint8_t)lo,
		.mode = (uint8_t)LVT_DM(lo),
		.logical = lo & (1u << 11),
		.dest = (uint8_t)(a->icr_hi >> 24),
		.level = false,
		.assert = true,
		.shorthand = (uint8_t)(lo >> 18 & 3),
	};
	if (m.mode == APIC_DM_INIT && (lo & LAPIC_LVT_LEVEL)) {
		m.level = true;
		m.assert = lo & (1u << 14);
	}
	if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST) && m.vector < 16) {
		error(a, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (a->cfg.send)
		a->cfg.send(a->cfg.ctx, a, &m);
}

/* Writable bits of each LVT entry (SDM figure 10-8). */
static uint32_t lvt_mask(const struct lapic *a, int i)
{
	switch (i) {
	case LAPIC_LVT_I_TIMER:
		return 0xFFu | LAPIC_LVT_MASKED | (a->cfg.tsc_deadline ? 3u << 17 : 1u << 17);
	case LAPIC_LVT_I_LINT0:
	case LAPIC_LVT_I_LINT1:
		return 0xFFu | 0x700u | LAPIC_LVT_POLARITY | LAPIC_LVT_LEVEL | LAPIC_LVT_MASKED;
	case LAPIC_LVT_I_ERROR:
		return 0xFFu | LAPIC_LVT_MASKED;
	default: /* thermal, perf, CMCI */
		return 0xFFu | 0x700u | LAPIC_LVT_MASKED;
	}
}

static void write_lvt(struct lapic *a, int i, uint32_t val, uint64_t now)
{
	uint32_t v = val & lvt_mask(a, i);
	if (!lapic_sw_enabled(a))
		v |= LAPIC_LVT_MASKED; /* SDM 10.4.7.2 */
	if (i == LAPIC_LVT_I_TIMER) {
		unsigned old = timer_mode(a), new = LVT_TIMER_MODE(v);
		bool old_tsc = old == LAPIC_TIMER_TSC_DEADLINE;
		bool new_tsc = new == LAPIC_TIMER_TSC_DEADLINE;
		if (old_tsc != new_tsc) {
			/* Entering or leaving TSC-deadline mode disarms. */
			a->timer_running = false;
			a->timer_icr = 0;
			a->tsc_deadline = 0;
			a->tsc_deadline_ns = 0;
		} else if (old != new) {
			/* One-shot <-> periodic: the count goes on, the new
			 * mode applies from the next expiry. */
			timer_rebase(a, now);
		}
	}
	a->lvt[i] = v;
}

uint32_t lapic_read(struct lapic *a, unsigned off, uint64_t now_ns)
{
	lapic_update(a, now_ns);
	if (off >= LAPIC_ISR && off < LAPIC_ESR && !(off & 0xF)) {
		unsigned w = (off >> 4) & 7;
		if (off < LAPIC_TMR)
			return a->isr[w];
		if (off < LAPIC_IRR)
			return a->tmr[w];
		return a->irr[w];
	}
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR && !(off & 0xF))
		return a->lvt[(off - LAPIC_LVT_TIMER) >> 4];
	switch (off) {
	case LAPIC_ID:
		return a->id;
	case LAPIC_VERSION:
		return LAPIC_VERSION_VALUE;
	case LAPIC_TPR:
		return a->tpr;
	case LAPIC_PPR:
		return lapic_ppr(a);
	case LAPIC_LDR:
		return a->ldr;
	case LAPIC_DFR:
		return a->dfr;
	case LAPIC_SVR:
		return a->svr;
	case LAPIC_ESR:
		return a->esr;
	case LAPIC_LVT_CMCI:
		return a->lvt[LAPIC_LVT_I_CMCI];
	case LAPIC_ICR_LO:
		return a->icr_lo;
	case LAPIC_ICR_HI:
		return a->icr_hi;
	case LAPIC_TIMER_ICR:
		return a->timer_icr;
	case LAPIC_TIMER_CCR:
		return current_count(a, now_ns);
	case LAPIC_TIMER_DCR:
		return a->timer_dcr;
	default: /* APR, EOI, RRD, reserved */
		return 0;
	}
}

void lapic_write(struct lapic *a, unsigned off, uint32_t val, uint64_t now_ns)
{
	lapic_update(a, now_ns);
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR && !(off & 0xF)) {
		write_lvt(a, (int)((off - LAPIC_LVT_TIMER) >> 4), val, now_ns);
		return;
	}
	switch (off) {
	case LAPIC_ID:
		a->id = val & 0xFF000000u;
		break;
	case LAPIC_TPR:
		a->tpr = val & 0xFF;
		break;
	case LAPIC_EOI:
		eoi(a);
		break;
	case LAPIC_LDR:
		a->ldr = val & 0xFF000000u;
		break;
	case LAPIC_DFR:
		a->dfr = val | 0x0FFFFFFFu;
		break;
	case LAPIC_SVR:
		a->svr = val & 0x1FF;
		if (!(val & LAPIC_SVR_ENABLE))
			for (int i = 0; i < LAPIC_NLVT; i++)
				a->lvt[i] |= LAPIC_LVT_MASKED;
		break;
	case LAPIC_ESR:
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case LAPIC_LVT_CMCI:
		write_lvt(a, LAPIC_LVT_I_CMCI, val, now_ns);
		break;
	case LAPIC_ICR_LO:
		a->icr_lo = val & ICR_LO_MASK;
		send_ipi(a);
		break;
	case LAPIC_ICR_HI:
		a->icr_hi = val & 0xFF000000u;
		break;
	case LAPIC_TIMER_ICR:
		if (tsc_mode(a))
			break; /* ignored in TSC-deadline mode (SDM 10.5.4.1) */
		a->timer_icr = val;
		a->timer_running = val != 0;
		timer_load(a, now_ns, 0);
		break;
	case LAPIC_TIMER_DCR:
		timer_rebase(a, now_ns);
		a->timer_dcr = val & 0xB;
		break;
	default: /* read-only, reserved */
		break;
	}
}

/* ----------------------------------------------------------------- MMIO */

void lapic_mmio_read(void *dev, uint64_t off, unsigned size, uint64_t *val, uint64_t now_ns)
{
	struct lapic *a = dev;
	uint64_t v = 0;
	if (!a->hw_enabled)
		return;
	if (size > 8)
		size = 8;
	uint64_t slot = UINT64_MAX;
	uint32_t reg = 0;
	for (unsigned i = 0; i < size; i++) {
		uint64_t o = off + i;
		if (o >= LAPIC_SIZE)
			break;
		if ((o & 0xF) >= 4)
			continue;
		if ((o & ~0xFULL) != slot) {
			slot = o & ~0xFULL;
			reg = lapic_read(a, (unsigned)slot, now_ns);
		}
		v |= (uint64_t)(reg >> 8 * (o & 3) & 0xFF) << 8 * i;
	}
	*val = v;
}

void lapic_mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns)
{
	struct lapic *a = dev;
	if (!a->hw_enabled || off >= LAPIC_SIZE || (off & 0xF) || (size != 4 && size != 8))
		return;
	lapic_write(a, (unsigned)off, (uint32_t)val, now_ns);
}
