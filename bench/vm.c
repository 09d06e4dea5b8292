/*
 * vm.c - making pages accessible and taking them away again.
 *
 *   map_1          one 4 KiB page mapped and unmapped. Ours: exo_page_map +
 *                  exo_page_unmap of a frame we already own (the secure
 *                  binding alone). Linux: mmap(4 KiB, MAP_POPULATE) +
 *                  munmap (allocates and zeroes a page each time).
 *   map_1_alloc    ours only, against Linux's map_1: exo_frame_alloc (the
 *                  kernel zeroes the frame) + exo_page_map + exo_page_unmap
 *                  + exo_frame_free, the same work as Linux's populate.
 *   map_512_single 512 pages, one call per page, then unmapped one by one.
 *                  Ours: 512 x exo_page_map, 512 x exo_page_unmap. Linux:
 *                  512 x mmap(4 KiB, MAP_POPULATE), 512 x munmap.
 *   map_512_batch  512 pages in one call, unmapped in one call. Ours:
 *                  exo_page_map_batch with 512 map operations, then with 512
 *                  unmap operations (Xen mmu_update-style batching). Linux:
 *                  mmap(2 MiB) + madvise(MADV_NOHUGEPAGE) +
 *                  madvise(MADV_POPULATE_WRITE) + munmap (4 KiB pages, like
 *                  ours; the cloud kernel would otherwise use a 2 MiB page).
 *
 * Figures are per map+unmap of the whole set (1 or 512 pages).
 */
#include <stdio.h>
#include <stdlib.h>

#ifdef BENCH_LINUX
#include <sys/mman.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#else
#include <exo/libexo.h>
#endif

#include "bench.h"

#define NPAGES 512

#ifdef BENCH_LINUX
static uint64_t map_1(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED || munmap(p, 4096) != 0) {
			bench_fail("mmap/munmap failed");
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

static uint64_t map_512_single(void *ctx, long n)
{
	static void *p[NPAGES];

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < NPAGES; k++) {
			p[k] = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
			if (p[k] == MAP_FAILED) {
				bench_fail("mmap failed");
				return BENCH_FAILED;
			}
		}
		for (int k = 0; k < NPAGES; k++)
			munmap(p[k], 4096);
	}
	return bench_tsc() - t0;
}

static uint64_t map_512_batch(void *ctx, long n)
{
	size_t len = NPAGES * 4096;

	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		void *p =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE) != 0 ||
		    madvise(p, len, MADV_POPULATE_WRITE) != 0) {
			bench_fail("mmap/madvise(MADV_POPULATE_WRITE) failed");
			return BENCH_FAILED;
		}
		munmap(p, len);
	}
	return bench_tsc() - t0;
}

static int setup(void)
{
	return 0;
}
#else
#define MAP_VA 0x61000000ULL
#define RW     (EXO_PERM_R | EXO_PERM_W)

static long frames[NPAGES];
static struct exo_map_op maps[NPAGES], unmaps[NPAGES];

static int setup(void)
{
	for (int k = 0; k < NPAGES; k++) {
		frames[k] = exo_frame_alloc(EXO_FRAME_ANY, 0);
		if (frames[k] < 0)
			return -1;
		maps[k] = (struct exo_map_op){ .va = MAP_VA + k * EXO_PAGE_SIZE,
					       .frame = (uint64_t)frames[k],
					       .perm = RW,
					       .kind = EXO_MAP_MAP };
		unmaps[k] = (struct exo_map_op){ .va = MAP_VA + k * EXO_PAGE_SIZE,
						 .kind = EXO_MAP_UNMAP };
	}
	return 0;
}

static uint64_t map_1(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		if (exo_page_map(EXO_AS_SELF, MAP_VA, (uint64_t)frames[0], RW) != 0 ||
		    exo_page_unmap(EXO_AS_SELF, MAP_VA) != 0) {
			bench_fail("exo_page_map/unmap failed");
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

static uint64_t map_1_alloc(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0 || exo_page_map(EXO_AS_SELF, MAP_VA, (uint64_t)f, RW) != 0 ||
		    exo_page_unmap(EXO_AS_SELF, MAP_VA) != 0 || exo_frame_free((uint64_t)f) != 0) {
			bench_fail("exo_frame_alloc/page_map/page_unmap/frame_free failed");
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}

static uint64_t map_512_single(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < NPAGES; k++)
			if (exo_page_map(EXO_AS_SELF, MAP_VA + k * EXO_PAGE_SIZE,
					 (uint64_t)frames[k], RW) != 0) {
				bench_fail("exo_page_map failed");
				return BENCH_FAILED;
			}
		for (int k = 0; k < NPAGES; k++)
			exo_page_unmap(EXO_AS_SELF, MAP_VA + k * EXO_PAGE_SIZE);
	}
	return bench_tsc() - t0;
}

static uint64_t map_512_batch(void *ctx, long n)
{
	(void)ctx;
	uint64_t t0 = bench_tsc();
	for (long i = 0; i < n; i++) {
		long a = exo_page_map_batch(EXO_AS_SELF, maps, NPAGES);
		long b = exo_page_map_batch(EXO_AS_SELF, unmaps, NPAGES);

		if (a < 0 || b < 0) {
			bench_fail("exo_page_map_batch failed (%ld, %ld)", a, b);
			return BENCH_FAILED;
		}
	}
	return bench_tsc() - t0;
}
#endif

static void run(void)
{
	if (setup() != 0) {
		bench_skip("map_1", "cannot allocate 512 frames");
		bench_skip("map_512_single", "cannot allocate 512 frames");
		bench_skip("map_512_batch", "cannot allocate 512 frames");
		return;
	}
	bench_time("map_1", map_1, NULL, NULL);
#ifndef BENCH_LINUX
	bench_time("map_1_alloc", map_1_alloc, NULL, NULL);
#endif
	bench_time("map_512_single", map_512_single, NULL, NULL);
	bench_time("map_512_batch", map_512_batch, NULL, NULL);
}
BENCH_FAMILY(40, vm, run, BENCH_ALONE);
