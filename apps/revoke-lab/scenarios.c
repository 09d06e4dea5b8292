/*
 * scenarios.c - the scripted experiments, and main(): which role this
 * environment plays.
 *
 * Each scenario names the requests the lab makes; which workers run, and
 * what they hold, is the boot module list (tools/revoke-lab.sh boots each
 * scenario with its own list). A worker must hold at least the sum of what
 * its steps ask, or the kernel's repossession runs out of frames to take.
 */
#include <stdio.h>
#include <string.h>

#include "lab.h"

/* compliant 9000: sizes 1, 64 and 4096 frames (8517 in all), 200 ms each. */
static const struct lab_step compliant[] = {
	{ "compliant", 1, 200, 5, 20 },
	{ "compliant", 64, 200, 5, 20 },
	{ "compliant", 4096, 200, 2, 50 },
	{ 0 },
};

/* slow 900 20: it sleeps 20 ms in its upcall; deadlines on both sides. */
static const struct lab_step slow[] = {
	{ "slow", 64, 5, 2, 40 },
	{ "slow", 64, 10, 2, 40 },
	{ "slow", 64, 15, 2, 40 },
	{ "slow", 64, 30, 2, 40 },
	{ "slow", 64, 60, 2, 40 },
	{ "slow", 64, 120, 2, 40 },
	{ 0 },
};

/* stubborn 3000: never answers; the deadline or its own 10 slices decide. */
static const struct lab_step stubborn[] = {
	{ "stubborn", 1, 5, 2, 20 },
	{ "stubborn", 64, 50, 2, 20 },
	{ "stubborn", 1024, 1000, 2, 20 },
	{ 0 },
};

/* sleeper 800 250: wakes every 250 ms. */
static const struct lab_step sleeper[] = {
	{ "sleeper", 64, 20, 2, 20 },
	{ "sleeper", 64, 100, 2, 20 },
	{ "sleeper", 64, 500, 2, 20 },
	{ 0 },
};

/* compliant, slow, stubborn and sleeper at once: the same request to all. */
static const struct lab_step mixed[] = {
	{ "*", 64, 50, 5, 100 },
	{ 0 },
};

/* Any workers, one small request each (the smoke test). */
static const struct lab_step quick[] = {
	{ "*", 16, 50, 1, 10 },
	{ 0 },
};

/* Only the kernel asks: workers allocate past the end of memory. */
static const struct lab_step none[] = {
	{ 0 },
};

static const struct lab_scenario scenarios[] = {
	{ "compliant", "a compliant libOS gives back 1, 64 and 4096 frames", compliant, 0 },
	{ "slow", "a libOS sleeping 20 ms in its upcall, deadlines 5-120 ms", slow, 0 },
	{ "stubborn", "a libOS without a revocation entry: the abort protocol", stubborn, 0 },
	{ "sleeper", "a libOS asleep 250 ms at a time, deadlines 20-500 ms", sleeper, 0 },
	{ "mixed", "all four at once, 64 frames within 50 ms", mixed, 0 },
	{ "pressure", "envs allocating past the end of memory: kernel-made requests", none, 3000 },
	{ "quick", "one request of 16 frames to each worker (smoke test)", quick, 0 },
};

const struct lab_scenario *lab_scenario(const char *name)
{
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	return NULL;
}

void lab_list_scenarios(void)
{
	printf("revoke-lab: scenarios:");
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		printf(" %s", scenarios[i].name);
	printf("\n");
}

void lab_role(const char *name, char *buf, unsigned size)
{
	unsigned n = 0;
	while (name[n] && name[n] != '-' && n + 1 < size) {
		buf[n] = name[n];
		n++;
	}
	buf[n] = '\0';
}

int main(int argc, char **argv)
{
	if (strcmp(argv[0], "lab") == 0 || strcmp(argv[0], "revoke-lab") == 0)
		lab_controller(argc, argv);
	lab_worker(argc, argv);
}
