/*
 * boot.c - what booting costs: time and memory.
 *
 *   boot_to_main    TSC cycles from machine reset to the benchmark
 *                   program's main(). Under QEMU TCG the guest TSC starts
 *                   at 0 when the machine starts and runs at the host TSC
 *                   rate, so both systems are measured from the same
 *                   point: firmware (SeaBIOS) included. Ours: BIOS, GRUB
 *                   from the ISO, the kernel, then the first boot module's
 *                   main(). Linux: BIOS, QEMU's -kernel loader, the kernel,
 *                   the initramfs, then /init's first command (this program
 *                   in role "stamp", which leaves the TSC in STAMP_FILE).
 *   mem_after_boot  RAM in use when the benchmarks start, in KiB. Ours:
 *                   frames the kernel or an environment owns (from the frame
 *                   table at EXO_UFRAMES; the kernel image and boot modules
 *                   are reserved memory and not counted). Linux: MemTotal -
 *                   MemFree from /proc/meminfo (MemTotal excludes the kernel
 *                   image; the unpacked initramfs is counted).
 *   boot_to_init    ours, UNIX boot: the same clock, from machine reset to
 *                   the main() of init, /bin/bench, which unixd loaded from
 *                   the ext2 root after attaching to the disk, mounting the
 *                   file system and starting its console reader. Linux's
 *                   counterpart is boot_to_main (its /init is the first
 *                   program; bench/rows.txt pairs them).
 *   mem_at_init     ours, UNIX boot: frames in use at that moment, counted
 *                   as for mem_after_boot (unixd, its buffer cache so far,
 *                   the console reader, init). Linux: mem_after_boot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_LINUX
#include <exo/libexo.h>
#endif

#include "bench.h"

#ifdef BENCH_LINUX
#define STAMP_FILE "/bench-boot.tsc"

static int stamp(int argc, char **argv)
{
	FILE *f = fopen(STAMP_FILE, "w");

	(void)argc;
	(void)argv;
	if (!f)
		return 1;
	fprintf(f, "%llu\n", (unsigned long long)bench_main_tsc);
	return fclose(f) != 0;
}
BENCH_ROLE("stamp", stamp);

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static void run(void)
{
	unsigned long long t = 0;
	FILE *f = fopen(STAMP_FILE, "r");

	if (f && fscanf(f, "%llu", &t) == 1 && t)
		bench_cycles_once("boot_to_main", t);
	else
		bench_cycles_once("boot_to_main", bench_main_tsc);
	if (f)
		fclose(f);
	long total = meminfo("MemTotal"), free = meminfo("MemFree");
	if (total < 0 || free < 0) {
		bench_skip("mem_after_boot", "no /proc/meminfo");
		return;
	}
	bench_info("ram", "MemTotal %ld KiB", total);
	bench_value("mem_after_boot", "KiB", (double)(total - free));
}
#else
static void run(void)
{
	const volatile struct exo_sysinfo *si = (const volatile struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t used = 0, ram = 0;

	bench_cycles_once(bench_unix ? "boot_to_init" : "boot_to_main", bench_main_tsc);
	for (uint64_t f = 0; f < si->nframes; f++) {
		uint32_t owner = exo_frame_info(f)->owner;

		if (owner != 0xfffffffeu)
			ram++;
		if (owner != 0 && owner != 0xfffffffeu)
			used++;
	}
	bench_info("ram", "%llu KiB allocatable, %llu KiB free", (unsigned long long)ram * 4,
		   (unsigned long long)(ram - used) * 4);
	bench_value(bench_unix ? "mem_at_init" : "mem_after_boot", "KiB", (double)used * 4);
}
#endif
BENCH_FAMILY(0, boot, run, BENCH_ALONE | BENCH_UNIX);
