/* rtc.h - the CMOS real-time clock (rtc.c). */
#ifndef ARCH_X86_64_RTC_H
#define ARCH_X86_64_RTC_H

#include <stdint.h>

/* Seconds since 1970-01-01 00:00 UTC now, from the CMOS clock (taken as
 * UTC, years 2000-2099), or 0 if its registers make no sense. */
uint64_t rtc_read_epoch(void);

#endif
