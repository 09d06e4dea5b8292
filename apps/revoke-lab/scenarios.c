/*
 * scenarios.c - the scripted experiments, and main(): which role this
 * environment plays.
 *
 * Each scenario names the requests the lab makes; which workers run, and
 * what they hold, is the boot module list (tools/revoke-lab.sh boots each
 * scenario with its own list). A worker must hold at least the sum of what
 * its steps ask (a pager or a swapper, which get their frames back, the
 * largest), or the kernel's repossession runs out of frames to take.
 */
#include <stdio.h>
#include <string.h>

#include "lab.h"

#define FRAMES LAB_KFRAMES
#define BLOCKS LAB_KBLOCKS

/* compliant 9000: sizes 1, 64 and 4096 frames (8517 in all), 200 ms each. */
static const struct lab_step compliant[] = {
	{ "compliant", FRAMES, 1, 200, 5, 20 },
	{ "compliant", FRAMES, 64, 200, 5, 20 },
	{ "compliant", FRAMES, 4096, 200, 2, 50 },
	{ 0 },
};

/* slow 900 20: it sleeps 20 ms in its upcall; deadlines on both sides. */
static const struct lab_step slow[] = {
	{ "slow", FRAMES, 64, 5, 2, 40 },
	{ "slow", FRAMES, 64, 10, 2, 40 },
	{ "slow", FRAMES, 64, 15, 2, 40 },
	{ "slow", FRAMES, 64, 30, 2, 40 },
	{ "slow", FRAMES, 64, 60, 2, 40 },
	{ "slow", FRAMES, 64, 120, 2, 40 },
	{ 0 },
};

/* stubborn 3000: never answers; the deadline or its own 10 slices decide. */
static const struct lab_step stubborn[] = {
	{ "stubborn", FRAMES, 1, 5, 2, 20 },
	{ "stubborn", FRAMES, 64, 50, 2, 20 },
	{ "stubborn", FRAMES, 1024, 1000, 2, 20 },
	{ 0 },
};

/* sleeper 800 250: wakes every 250 ms. */
static const struct lab_step sleeper[] = {
	{ "sleeper", FRAMES, 64, 20, 2, 20 },
	{ "sleeper", FRAMES, 64, 100, 2, 20 },
	{ "sleeper", FRAMES, 64, 500, 2, 20 },
	{ 0 },
};

/* compliant, slow, stubborn and sleeper at once: the same request to all. */
static const struct lab_step mixed[] = {
	{ "*", FRAMES, 64, 50, 5, 100 },
	{ 0 },
};

/* pager 1100 and compliant 2400: the same requests, one after the other;
 * the pager writes its pages to its own blocks first and reads them back
 * PAGEIN_US (20 ms, disk.c) after they went out, within the gaps that
 * follow its steps (40-120 ms). */
static const struct lab_step pager[] = {
	{ "pager", FRAMES, 1, 200, 5, 40 },
	{ "compliant", FRAMES, 1, 200, 5, 20 },
	{ "pager", FRAMES, 64, 200, 5, 60 },
	{ "compliant", FRAMES, 64, 200, 5, 20 },
	{ "pager", FRAMES, 1024, 200, 2, 120 },
	{ "compliant", FRAMES, 1024, 200, 2, 20 },
	{ 0 },
};

/* swapper 600 swap=128 and stubborn 600: neither answers; the kernel saves
 * the swapper's pages to its swap area before taking them. */
static const struct lab_step swapper[] = {
	{ "swapper", FRAMES, 1, 5, 2, 30 },
	{ "stubborn", FRAMES, 1, 5, 2, 20 },
	{ "swapper", FRAMES, 16, 20, 2, 30 },
	{ "stubborn", FRAMES, 16, 20, 2, 20 },
	{ "swapper", FRAMES, 64, 50, 3, 30 },
	{ "stubborn", FRAMES, 64, 50, 3, 20 },
	{ 0 },
};

/* compliant 64 blocks=3000, stubborn 64 blocks=3000: disk blocks asked
 * back (exo_revoke_blocks), as compliant and stubborn are asked for frames. */
static const struct lab_step blocks[] = {
	{ "compliant", BLOCKS, 1, 200, 5, 20 },
	{ "compliant", BLOCKS, 64, 200, 5, 20 },
	{ "compliant", BLOCKS, 1024, 200, 2, 50 },
	{ "stubborn", BLOCKS, 1, 5, 2, 20 },
	{ "stubborn", BLOCKS, 64, 50, 2, 20 },
	{ "stubborn", BLOCKS, 1024, 1000, 2, 50 },
	{ 0 },
};

/* compliant 64 blocks=64, stubborn 64 blocks=64, pager 64, swapper 64
 * swap=32, napping 17-29 ms at a time (nap=MS, not in step): 16 frames from
 * each, then 8 blocks from two (the smoke test, run by make test on the
 * host's clock). The stubborn and the swapper nap rather than spin: on a
 * loaded host, envs that all want the CPU at every tick can be switched in
 * and out without getting to run, and a compliant libOS could reach its
 * 10-slice bound before its upcall has run. Asleep, they leave the CPU to
 * the one asked, and the wall-clock deadline decides for the others. */
static const struct lab_step quick[] = {
	{ "compliant", FRAMES, 16, 500, 1, 10 },
	{ "pager", FRAMES, 16, 500, 1, 10 },
	{ "stubborn", FRAMES, 16, 100, 1, 10 },
	{ "swapper", FRAMES, 16, 100, 1, 10 },
	{ "compliant", BLOCKS, 8, 500, 1, 10 },
	{ "stubborn", BLOCKS, 8, 100, 1, 10 },
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
	{ "pager", "a libOS paging its data to its own disk blocks, beside a compliant one", pager,
	  50 },
	{ "swapper", "a stubborn libOS with a swap area, beside one without", swapper, 0 },
	{ "blocks", "disk blocks asked back from a compliant and a stubborn libOS", blocks, 0 },
	{ "quick", "16 frames from each worker, 8 blocks from two (smoke test)", quick, 50 },
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
