/*
 * bootmem.h - physical RAM the kernel may hand out, computed from the
 * firmware memory map at boot.
 *
 * The boot loader reports the machine's memory map (Multiboot2 tag 6,
 * which carries the BIOS E820 / UEFI map); bootmem_usable subtracts
 * everything that is not free RAM and yields page-aligned ranges for the
 * frame allocator. Hardware-free: the host unit tests run it too.
 */
#ifndef BOOTMEM_H
#define BOOTMEM_H

#include <stdint.h>

/* Memory map entry type for RAM free to use (Multiboot2 §3.6.8, E820). */
#define BOOTMEM_AVAILABLE 1

/* One firmware memory map entry: [base, base + len) in bytes. */
struct bootmem_entry {
	uint64_t base, len;
	uint32_t type; /* BOOTMEM_AVAILABLE, or anything else = not usable */
};

/* A range of physical memory: [base, base + len) in bytes. */
struct bootmem_range {
	uint64_t base, len;
};

/*
 * Compute usable RAM from the firmware memory map map[0..n) and the
 * ranges reserved[0..nres) that are taken already (kernel image, boot
 * modules, boot information). All addresses and lengths in bytes.
 *
 * Usable RAM is the union of the entries of type BOOTMEM_AVAILABLE, minus
 * every entry of another type (reserved wins where an available entry
 * overlaps it), minus every reserved[] range, clipped to
 * [min_addr, max_addr). Each maximal range is then shrunk inward to 4 KiB
 * page boundaries and dropped if that leaves nothing. Entries and reserved
 * ranges may be unsorted, overlapping or zero-length; one that wraps past
 * 2^64 is clipped at the top of the address space.
 *
 * Writes the result to out[], sorted by base, non-overlapping and
 * non-adjacent (neighbours are merged), every base and len a multiple of
 * 4096. Returns the number of ranges written, or -EXO_ERANGE if the result
 * needs more than max_out ranges (out[] then holds the first max_out).
 */
int bootmem_usable(const struct bootmem_entry *map, unsigned n,
		   const struct bootmem_range *reserved, unsigned nres, uint64_t min_addr,
		   uint64_t max_addr, struct bootmem_range *out, unsigned max_out);

/* Total bytes in the ranges r[0..n) (assumed disjoint, as bootmem_usable
 * returns them, so the sum fits in 64 bits). */
uint64_t bootmem_total(const struct bootmem_range *r, unsigned n);

#endif
