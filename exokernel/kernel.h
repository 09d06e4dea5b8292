/*
 * kernel.h - what every kernel file needs: fixed-width types, the physical
 * memory window, printing and panicking.
 *
 * The kernel runs in the top 2 GiB of the address space (-mcmodel=kernel)
 * and sees all physical memory through a direct map starting at
 * KERNEL_PHYS_MAP, so a physical address p is readable at p + KERNEL_PHYS_MAP.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/error.h>

#define KERNEL_VERSION "0.1.0"

/* Virtual base of the kernel image (linked here, loaded at physical 1 MiB). */
#define KERNEL_VBASE 0xffffffff80000000UL
/* Virtual base of the direct map of physical memory. */
#define KERNEL_PHYS_MAP 0xffff800000000000UL
/* Size of the direct map set up at boot (covers all RAM we support). */
#define KERNEL_PHYS_MAP_SIZE (64UL << 30)

#define PAGE_SIZE	 4096UL
#define PAGE_SHIFT	 12
#define ALIGN_UP(x, a)	 (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))

/* Physical address -> kernel pointer through the direct map. */
static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + KERNEL_PHYS_MAP);
}

/* Kernel pointer (direct map or image) -> physical address. */
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	return v >= KERNEL_VBASE ? v - KERNEL_VBASE : v - KERNEL_PHYS_MAP;
}

/* Formatted output to the serial console (and VGA mirror). Supports
 * %d %i %u %x %lx %llx %p %s %c %% with optional 0-padding and width. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print "exo: panic: MSG", registers and a symbolized backtrace, then stop
 * the machine (exit QEMU with a failure status in test mode). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define assert(c)                                                                      \
	do {                                                                           \
		if (!(c))                                                              \
			panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); \
	} while (0)

#endif
