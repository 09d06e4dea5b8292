/*
 * mc146818.c - MC146818 RTC / CMOS model (see mc146818.h for the sources).
 *
 * The time registers are not stored: they are computed on each read from
 * the clock's reading in seconds (calendar arithmetic below), encoded as
 * register B asks. A guest write to a time register decodes the current
 * reading, replaces that field (clamped to its valid range: the real chip
 * would count on from a bad value, here it is defined instead), and sets
 * the clock to the result. The day-of-week register follows the date.
 *
 * UIP is read as 1 during the last 2228 us (244 us + 1984 us) of each
 * second; the new time becomes visible, and the update-ended flag is set,
 * exactly at the second boundary.
 */
#include <string.h>

#include "dev/mc146818.h"

#define REG_A	0x0A
#define REG_B	0x0B
#define REG_C	0x0C
#define REG_D	0x0D
#define CENTURY 0x32

#define A_UIP  0x80
#define B_SET  0x80
#define B_PIE  0x40
#define B_AIE  0x20
#define B_UIE  0x10
#define B_DM   0x04 /* 1 = binary */
#define B_24H  0x02
#define C_IRQF 0x80
#define C_PF   0x40
#define C_AF   0x20
#define C_UF   0x10

#define UIP_NS 2228000u /* 244 us setup + 1984 us update cycle */
#define DAY_S  86400

struct tm_fields {
	int sec, min, hour, mday, mon, year; /* mon 1-12, year full */
	int wday;			     /* 1 = Sunday */
};

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floordiv(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct tm_fields *t)
{
	z += 719468;
	int64_t era = floordiv(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	t->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->year = (int)(yoe + era * 400 + (t->mon <= 2));
}

static void split_time(int64_t s, struct tm_fields *t)
{
	int64_t days = floordiv(s, DAY_S);
	int64_t sod = s - days * DAY_S;
	t->hour = (int)(sod / 3600);
	t->min = (int)(sod / 60 % 60);
	t->sec = (int)(sod % 60);
	t->wday = (int)((days % 7 + 7 + 4) % 7) + 1; /* 1970-01-01 was a Thursday */
	civil_from_days(days, t);
}

static int month_days(int year, int mon)
{
	static const uint8_t len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return len[mon - 1] + (mon == 2 && leap);
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int64_t join_time(const struct tm_fields *t)
{
	return days_from_civil(t->year, t->mon, t->mday) * DAY_S + t->hour * 3600 + t->min * 60 +
	       t->sec;
}

static bool running(const struct mc146818 *rtc)
{
	return !(rtc->b & B_SET) && (rtc->a & 0x60) != 0x60;
}

int64_t mc146818_time(const struct mc146818 *rtc, uint64_t now_ns)
{
	if (rtc->frozen || now_ns < rtc->base_ns)
		return rtc->base_s;
	return rtc->base_s + (int64_t)((now_ns - rtc->base_ns) / VDEV_NS_PER_S);
}

/* Make the clock read s at now, keeping the phase of the second. */
static void set_time(struct mc146818 *rtc, int64_t s, uint64_t now)
{
	rtc->base_s = s - (mc146818_time(rtc, now) - rtc->base_s);
}

static uint8_t enc(const struct mc146818 *rtc, int v)
{
	return (rtc->b & B_DM) ? (uint8_t)v : vdev_to_bcd((unsigned)v);
}

static int dec(const struct mc146818 *rtc, uint8_t v)
{
	return (rtc->b & B_DM) ? v : (int)vdev_from_bcd(v);
}

static uint8_t enc_hour(const struct mc146818 *rtc, int h)
{
	if (rtc->b & B_24H)
		return enc(rtc, h);
	int h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(enc(rtc, h12) | (h >= 12 ? 0x80 : 0));
}

static int dec_hour(const struct mc146818 *rtc, uint8_t v)
{
	if (rtc->b & B_24H)
		return dec(rtc, v);
	return dec(rtc, v & 0x7F) % 12 + ((v & 0x80) ? 12 : 0);
}

/* Periodic interrupt rate (Hz) for register A's RS bits, 32.768 kHz base
 * (datasheet table 5); 0 = off. */
static uint64_t periodic_hz(const struct mc146818 *rtc)
{
	unsigned rs = rtc->a & 0x0F;
	if (rs == 0 || (rtc->a & 0x60) == 0x60)
		return 0;
	if (rs <= 2)
		return 256u >> (rs - 1);
	return 65536u >> rs;
}

static uint64_t ticks_at(uint64_t hz, uint64_t start, uint64_t now)
{
	if (now <= start)
		return 0;
	uint64_t d = now - start;
	return d / VDEV_NS_PER_S * hz + d % VDEV_NS_PER_S * hz / VDEV_NS_PER_S;
}

static uint64_t tick_time(uint64_t hz, uint64_t start, uint64_t t)
{
	return start + t / hz * VDEV_NS_PER_S + (t % hz * VDEV_NS_PER_S + hz - 1) / hz;
}

/* Does second s match the alarm registers (0xC0-0xFF = don't care)? */
static bool alarm_match(const struct mc146818 *rtc, int64_t s)
{
	int64_t sod = s - floordiv(s, DAY_S) * DAY_S;
	int want[3] = { (int)(sod % 60), (int)(sod / 60 % 60), (int)(sod / 3600) };
	static const uint8_t reg[3] = { 0x01, 0x03, 0x05 };
	for (int i = 0; i < 3; i++) {
		uint8_t v = rtc->ram[reg[i]];
		if ((v & 0xC0) == 0xC0)
			continue;
		if ((i == 2 ? dec_hour(rtc, v) : dec(rtc, v)) != want[i])
			return false;
	}
	return true;
}

static void update_irq(struct mc146818 *rtc)
{
	if (rtc->c & rtc->b & (C_PF | C_AF | C_UF))
		rtc->c |= C_IRQF;
	bool level = rtc->c & C_IRQF;
	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		vdev_irq_set(&rtc->cfg.irq_sink, rtc->cfg.irq, level);
	}
}

void mc146818_update(struct mc146818 *rtc, uint64_t now_ns)
{
	if (!rtc->frozen && now_ns > rtc->base_ns) {
		uint64_t n = (now_ns - rtc->base_ns) / VDEV_NS_PER_S;
		if (n > rtc->upd_seen) {
			rtc->c |= C_UF;
			/* An alarm pattern that can match at all matches once
			 * a day: past a day of updates, no need to look. */
			uint64_t from = rtc->upd_seen + 1;
			if (n - rtc->upd_seen > DAY_S)
				from = n - DAY_S + 1;
			for (uint64_t i = from; i <= n; i++) {
				if (alarm_match(rtc, rtc->base_s + (int64_t)i)) {
					rtc->c |= C_AF;
					break;
				}
			}
			rtc->upd_seen = n;
		}
	}
	uint64_t hz = periodic_hz(rtc);
	if (hz) {
		uint64_t p = ticks_at(hz, rtc->per_base_ns, now_ns);
		if (p > rtc->per_seen)
			rtc->c |= C_PF;
		rtc->per_seen = p;
	}
	update_irq(rtc);
}

uint64_t mc146818_next_event(const struct mc146818 *rtc, uint64_t now_ns)
{
	uint64_t next = VDEV_NO_EVENT;
	uint64_t hz = periodic_hz(rtc);

	if ((rtc->b & B_PIE) && hz) {
		uint64_t p = ticks_at(hz, rtc->per_base_ns, now_ns);
		next = tick_time(hz, rtc->per_base_ns, p + 1);
	}
	if ((rtc->b & (B_UIE | B_AIE)) && !rtc->frozen) {
		uint64_t n = now_ns > rtc->base_ns ? (now_ns - rtc->base_ns) / VDEV_NS_PER_S : 0;
		uint64_t t = rtc->base_ns + (n + 1) * VDEV_NS_PER_S;
		if (t < next)
			next = t;
	}
	return next;
}

/* Start or stop the clock when SET or the divider bits change. */
static void clock_transition(struct mc146818 *rtc, bool was, uint64_t now)
{
	bool is = running(rtc);
	if (was && !is) {
		rtc->base_s = mc146818_time(rtc, now);
		rtc->frozen = true;
	} else if (!was && is) {
		/* The first update comes one second after the restart. */
		rtc->frozen = false;
		rtc->base_ns = now;
		rtc->upd_seen = 0;
	}
}

static uint8_t read_reg(struct mc146818 *rtc, uint8_t idx, uint64_t now)
{
	struct tm_fields t = { 0 };

	if (idx <= 9 || idx == CENTURY) {
		if (idx & 1 && idx < 6)
			return rtc->ram[idx]; /* alarm registers */
		split_time(mc146818_time(rtc, now), &t);
	}
	switch (idx) {
	case 0x00:
		return enc(rtc, t.sec);
	case 0x02:
		return enc(rtc, t.min);
	case 0x04:
		return enc_hour(rtc, t.hour);
	case 0x06:
		return enc(rtc, t.wday);
	case 0x07:
		return enc(rtc, t.mday);
	case 0x08:
		return enc(rtc, t.mon);
	case 0x09:
		return enc(rtc, ((t.year % 100) + 100) % 100);
	case CENTURY:
		return enc(rtc, clamp(t.year / 100, 0, 99));
	case REG_A: {
		bool uip = !rtc->frozen && now >= rtc->base_ns &&
			   (now - rtc->base_ns) % VDEV_NS_PER_S >= VDEV_NS_PER_S - UIP_NS;
		return (uint8_t)(rtc->a | (uip ? A_UIP : 0));
	}
	case REG_B:
		return rtc->b;
	case REG_C: {
		uint8_t v = rtc->c;
		rtc->c = 0; /* reading C clears every flag */
		return v;
	}
	case REG_D:
		return 0x80; /* VRT: the battery is good */
	default:
		return rtc->ram[idx];
	}
}

static void write_time(struct mc146818 *rtc, uint8_t idx, uint8_t v, uint64_t now)
{
	struct tm_fields t;
	split_time(mc146818_time(rtc, now), &t);
	switch (idx) {
	case 0x00:
		t.sec = clamp(dec(rtc, v), 0, 59);
		break;
	case 0x02:
		t.min = clamp(dec(rtc, v), 0, 59);
		break;
	case 0x04:
		t.hour = clamp(dec_hour(rtc, v), 0, 23);
		break;
	case 0x07:
		t.mday = dec(rtc, v);
		break;
	case 0x08:
		t.mon = clamp(dec(rtc, v), 1, 12);
		break;
	case 0x09:
		t.year = t.year / 100 * 100 + clamp(dec(rtc, v), 0, 99);
		break;
	default: /* CENTURY */
		t.year = clamp(dec(rtc, v), 0, 99) * 100 + t.year % 100;
		break;
	}
	t.mday = clamp(t.mday, 1, month_days(t.year, t.mon));
	set_time(rtc, join_time(&t), now);
}

static void write_reg(struct mc146818 *rtc, uint8_t idx, uint8_t v, uint64_t now)
{
	bool was = running(rtc);

	switch (idx) {
	case 0x00:
	case 0x02:
	case 0x04:
	case 0x07:
	case 0x08:
	case 0x09:
	case CENTURY:
		write_time(rtc, idx, v, now);
		break;
	case 0x06:
		break; /* day of week follows the date */
	case REG_A:
		if ((v ^ rtc->a) & 0x7F) {
			rtc->per_base_ns = now;
			rtc->per_seen = 0;
		}
		rtc->a = v & 0x7F;
		clock_transition(rtc, was, now);
		break;
	case REG_B:
		if (v & B_SET)
			v &= ~B_UIE; /* datasheet: SET clears UIE */
		rtc->b = v;
		clock_transition(rtc, was, now);
		break;
	case REG_C:
	case REG_D:
		break; /* read-only */
	default:
		rtc->ram[idx] = v;
		break;
	}
}

void mc146818_init(struct mc146818 *rtc, const struct mc146818_config *cfg, uint64_t now_ns)
{
	memset(rtc, 0, sizeof(*rtc));
	rtc->cfg = *cfg;
	rtc->a = 0x26;
	rtc->b = B_24H;
	rtc->base_s = cfg->clock ? cfg->clock(cfg->clock_ctx) : cfg->epoch_s;
	rtc->base_ns = now_ns;
	rtc->per_base_ns = now_ns;

	uint64_t lo = cfg->ram_below_4g, kib;
	rtc->ram[0x15] = 0x80; /* 640 KiB base memory */
	rtc->ram[0x16] = 0x02;
	kib = lo > (1u << 20) ? lo / 1024 - 1024 : 0;
	if (kib > 0xFFFF)
		kib = 0xFFFF;
	rtc->ram[0x17] = rtc->ram[0x30] = (uint8_t)kib;
	rtc->ram[0x18] = rtc->ram[0x31] = (uint8_t)(kib >> 8);
	uint64_t u64k = lo > (16u << 20) ? (lo - (16u << 20)) / 65536 : 0;
	if (u64k > 0xFFFF)
		u64k = 0xFFFF;
	rtc->ram[0x34] = (uint8_t)u64k;
	rtc->ram[0x35] = (uint8_t)(u64k >> 8);
	uint64_t hi = cfg->ram_above_4g / 65536;
	if (hi > 0xFFFFFF)
		hi = 0xFFFFFF;
	rtc->ram[0x5B] = (uint8_t)hi;
	rtc->ram[0x5C] = (uint8_t)(hi >> 8);
	rtc->ram[0x5D] = (uint8_t)(hi >> 16);
}

int mc146818_attach(struct mc146818 *rtc, struct vdev_bus *bus)
{
	return vdev_bus_register(bus, 0x70, 2, VDEV_PIO_BYTES, rtc, mc146818_pio_in,
				 mc146818_pio_out, "mc146818");
}

void mc146818_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct mc146818 *rtc = dev;
	(void)size;

	mc146818_update(rtc, now_ns);
	if (port == 0x71)
		*val = read_reg(rtc, rtc->index, now_ns);
	else
		*val = 0xFF;
	update_irq(rtc);
}

void mc146818_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct mc146818 *rtc = dev;
	(void)size;

	mc146818_update(rtc, now_ns);
	if (port == 0x70) {
		rtc->index = val & 0x7F;
		rtc->nmi_masked = val & 0x80;
	} else if (port == 0x71) {
		write_reg(rtc, rtc->index, (uint8_t)val, now_ns);
	}
	update_irq(rtc);
}

bool mc146818_nmi_masked(const struct mc146818 *rtc)
{
	return rtc->nmi_masked;
}
