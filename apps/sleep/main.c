/*
 * sleep - suspend execution for an interval (POSIX).
 *
 * sleep SECONDS...: each operand is a decimal number of seconds, possibly
 * with a fraction ("0.25"), optionally followed by s, m, h or d (seconds,
 * minutes, hours, days, as GNU sleep reads them); the operands are added
 * up. The wait is one nanosleep(), resumed after interruptions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/*
 * Parse s into whole seconds and nanoseconds, added to *sec and *nsec.
 * Returns 0, or -1 when s is not a valid interval.
 */
static int parse(const char *s, long long *sec, long long *nsec)
{
	long long whole = 0, frac = 0, scale = 1000000000LL, mult = 1;
	const char *p = s;
	int digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > 1000000000000LL)
			return -1;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (digits == 0)
		return -1;
	switch (*p) {
	case '\0':
		break;
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		return -1;
	}
	if (*p && p[1])
		return -1;
	frac *= mult;
	*sec += whole * mult + frac / 1000000000LL;
	*nsec += frac % 1000000000LL;
	if (*nsec >= 1000000000LL) {
		*sec += 1;
		*nsec -= 1000000000LL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long long sec = 0, nsec = 0;
	struct timespec ts;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		fprintf(stderr, "sleep: missing operand\nusage: sleep seconds...\n");
		return 1;
	}
	for (; i < argc; i++) {
		if (parse(argv[i], &sec, &nsec) < 0) {
			fprintf(stderr, "sleep: invalid time interval '%s'\n", argv[i]);
			return 1;
		}
	}
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)nsec;
	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "sleep: %s\n", strerror(errno));
			return 1;
		}
	}
	return 0;
}
