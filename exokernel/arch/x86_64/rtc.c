/*
 * rtc.c - the wall clock at boot, from the PC's CMOS real-time clock
 * (MC146818: registers 0x00-0x09 through ports 0x70/0x71; status A bit 7
 * "update in progress", status B bit 2 binary (else BCD), bit 1 24-hour).
 * The kernel reads it once; libOSes add the TSC's progress since
 * (struct exo_sysinfo: rtc_epoch, rtc_tsc). QEMU's RTC runs in UTC.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/rtc.h"

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian): count in eras of
 * 400 years from March 1, 0000, so February's length ends each year. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);			/* 0..399 */
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;		/* 0..146096 */

	return era * 146097 + (int64_t)doe - 719468;
}

/* The six time registers, read while no update is in progress. */
static void snapshot(uint8_t r[6])
{
	static const uint8_t regs[6] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09 };

	for (unsigned spin = 0; spin < 1000000 && (cmos(0x0a) & 0x80); spin++)
		;
	for (unsigned i = 0; i < 6; i++)
		r[i] = cmos(regs[i]);
}

static unsigned from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0x0f);
}

uint64_t rtc_read_epoch(void)
{
	uint8_t a[6], b[6];
	uint8_t status_b = cmos(0x0b);
	bool binary = status_b & 0x04, h24 = status_b & 0x02;
	unsigned tries = 0;

	/* Read until two snapshots agree: an update between registers would
	 * mix two seconds. */
	snapshot(a);
	do {
		for (unsigned i = 0; i < 6; i++)
			b[i] = a[i];
		snapshot(a);
	} while (++tries < 5 && (a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || a[3] != b[3] ||
				 a[4] != b[4] || a[5] != b[5]));
	unsigned sec = from_bcd(a[0], binary), min = from_bcd(a[1], binary);
	unsigned hour = from_bcd(a[2] & 0x7f, binary), day = from_bcd(a[3], binary);
	unsigned mon = from_bcd(a[4], binary), year = 2000 + from_bcd(a[5], binary);

	if (!h24 && (a[2] & 0x80))
		hour = (hour % 12) + 12; /* 12-hour mode, PM */
	else if (!h24 && hour == 12)
		hour = 0; /* 12 AM */
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
		return 0; /* no sensible clock */
	return (uint64_t)(days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec);
}
