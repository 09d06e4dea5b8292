/*
 * multiboot2.h - the parts of the Multiboot2 boot information the kernel
 * uses, parsed and bounds-checked into one plain struct.
 *
 * GRUB leaves the boot information (Multiboot2 specification 2.0, §3.6)
 * in memory and passes its physical address in ebx. mb2_parse walks it
 * once at boot; everything after that reads struct mb2_info. The strings
 * and the RSDP point into the boot information itself, so it must stay
 * mapped (and reserved, see bootmem.h) while they are used.
 */
#ifndef MULTIBOOT2_H
#define MULTIBOOT2_H

#include <stdbool.h>
#include <stdint.h>

#include "bootmem.h"

#define MB2_MAX_MODULES 32
#define MB2_MAX_MMAP	128

/* A boot module: physical bytes [start, end) as the loader reported them
 * (not checked: end < start is possible and left for the caller). */
struct mb2_module {
	uint64_t start, end;
	const char *cmdline; /* the module's string, "" if none or unterminated */
};

struct mb2_info {
	const char *cmdline; /* kernel command line (tag 1), "" if none */
	const char *loader;  /* boot loader name (tag 2), "" if none */
	unsigned nmods;	     /* modules (tag 3) in mods[], in tag order */
	struct mb2_module mods[MB2_MAX_MODULES];
	unsigned nmmap; /* memory map entries (tag 6) in mmap[], in tag order */
	struct bootmem_entry mmap[MB2_MAX_MMAP];
	/* Copy of the ACPI RSDP: tag 15 (new) if present, else tag 14 (old),
	 * else NULL. */
	const void *rsdp;
	uint32_t rsdp_len;   /* bytes at rsdp */
	uint64_t total_size; /* bytes of the boot information */
	/* More modules or mmap entries than fit, or tags cut off or too short
	 * for their fixed fields. */
	bool truncated;
};

/*
 * Parse the Multiboot2 boot information at mbi (8-byte aligned, per the
 * spec), of which limit bytes are readable, into *out. Follows Multiboot2
 * specification 2.0 §3.6 (boot information format).
 *
 * Checks the fixed header: total_size must be at least 16 (header plus an
 * end tag) and at most limit; the reserved field is ignored. Then walks
 * the 8-byte-aligned tags up to the end tag (type 0). A tag whose size is
 * below 8 or runs past total_size stops the walk; so does reaching
 * total_size without an end tag. Both set out->truncated. Never reads
 * outside mbi[0..total_size).
 *
 * Tags used, other types skipped:
 *   1 (cmdline), 2 (boot loader name): a string, "" unless NUL-terminated
 *     inside the tag;
 *   3 (module): mod_start, mod_end (32-bit physical addresses), string;
 *   6 (memory map): entry_size (at least 24), entry_version, then entries
 *     of base_addr (64), length (64), type (32) that lie wholly inside the
 *     tag;
 *   14 (ACPI old RSDP, at least 20 bytes), 15 (ACPI new RSDP, at least
 *     36 bytes).
 * A known tag too short for its fixed fields, a memory map with a short
 * entry_size or a partial last entry, and modules or map entries beyond
 * MB2_MAX_MODULES or MB2_MAX_MMAP are skipped and set out->truncated. If a
 * tag type repeats, the last cmdline, loader name or RSDP wins; modules
 * and map entries accumulate.
 *
 * Returns 0 with *out filled (truncated or not), or -EXO_EINVAL if the
 * header is malformed (limit < 8, total_size < 16 or > limit), with *out
 * zeroed apart from cmdline and loader set to "".
 */
int mb2_parse(const void *mbi, uint64_t limit, struct mb2_info *out);

#endif
