/*
 * multiboot2.c - bounds-checked walk of the Multiboot2 boot information
 * (see multiboot2.h; Multiboot2 specification 2.0 §3.6).
 *
 * The structure comes from the boot loader and is trusted no further than
 * its own total_size: every tag is checked to lie inside it before a byte
 * of the tag is read, and every field is read with memcpy from inside its
 * tag. Nothing is copied except numbers; strings and the RSDP are returned
 * as pointers into the boot information.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/error.h>

#include "multiboot2.h"

#define MB2_TAG_END	 0
#define MB2_TAG_CMDLINE	 1
#define MB2_TAG_LOADER	 2
#define MB2_TAG_MODULE	 3
#define MB2_TAG_MMAP	 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* Fixed parts (§3.6.1-§3.6.8, §3.6.11-§3.6.12), in bytes. */
#define MB2_HDR_SIZE	 8  /* u32 total_size, u32 reserved */
#define MB2_TAG_SIZE	 8  /* u32 type, u32 size */
#define MB2_MODULE_SIZE	 16 /* tag, u32 mod_start, u32 mod_end */
#define MB2_MMAP_SIZE	 16 /* tag, u32 entry_size, u32 entry_version */
#define MB2_MMAP_ENTRY	 24 /* u64 base_addr, u64 length, u32 type, u32 reserved */
#define MB2_RSDP_V1_SIZE 20 /* ACPI 6.4 §5.2.5.3, revision 0 */
#define MB2_RSDP_V2_SIZE 36 /* ACPI 6.4 §5.2.5.3, revision 2 */

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* The string s[0..len) if a NUL ends it inside those bytes, else "". */
static const char *string_in(const uint8_t *s, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (s[i] == '\0')
			return (const char *)s;
	return "";
}

static void parse_module(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	struct mb2_module *m;

	if (size < MB2_MODULE_SIZE || out->nmods == MB2_MAX_MODULES) {
		out->truncated = true;
		return;
	}
	m = &out->mods[out->nmods++];
	m->start = get32(tag + 8);
	m->end = get32(tag + 12);
	m->cmdline = string_in(tag + MB2_MODULE_SIZE, size - MB2_MODULE_SIZE);
}

static void parse_mmap(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	uint32_t esize;
	uint32_t off;

	if (size < MB2_MMAP_SIZE) {
		out->truncated = true;
		return;
	}
	esize = get32(tag + 8);
	if (esize < MB2_MMAP_ENTRY) {
		out->truncated = true;
		return;
	}
	/* off <= size, so size - off never wraps. */
	for (off = MB2_MMAP_SIZE; size - off >= esize; off += esize) {
		struct bootmem_entry *e;

		if (out->nmmap == MB2_MAX_MMAP) {
			out->truncated = true;
			return;
		}
		e = &out->mmap[out->nmmap++];
		e->base = get64(tag + off);
		e->len = get64(tag + off + 8);
		e->type = get32(tag + off + 16);
	}
	if (off != size)
		out->truncated = true; /* a partial entry at the end */
}

/* An RSDP tag: its payload, if at least min bytes, in *rsdp and *len. */
static void parse_rsdp(const uint8_t *tag, uint32_t size, uint32_t min, const void **rsdp,
		       uint32_t *len, struct mb2_info *out)
{
	if (size - MB2_TAG_SIZE < min) {
		out->truncated = true;
		return;
	}
	*rsdp = tag + MB2_TAG_SIZE;
	*len = size - MB2_TAG_SIZE;
}

int mb2_parse(const void *mbi, uint64_t limit, struct mb2_info *out)
{
	const uint8_t *base = mbi;
	const void *rsdp_old = NULL, *rsdp_new = NULL;
	uint32_t old_len = 0, new_len = 0;
	uint32_t total;
	uint64_t off = MB2_HDR_SIZE;

	memset(out, 0, sizeof(*out));
	out->cmdline = "";
	out->loader = "";
	if (limit < MB2_HDR_SIZE)
		return -EXO_EINVAL;
	total = get32(base);
	if (total < MB2_HDR_SIZE + MB2_TAG_SIZE || total > limit)
		return -EXO_EINVAL;
	out->total_size = total;

	/* Invariant: off <= total, so total - off is the number of bytes left.
	 * Each tag's size is checked against it before anything past the tag
	 * header is read. */
	for (;;) {
		const uint8_t *tag = base + off;
		uint32_t type, size;

		if (total - off < MB2_TAG_SIZE) {
			out->truncated = true; /* no end tag */
			break;
		}
		type = get32(tag);
		size = get32(tag + 4);
		if (size < MB2_TAG_SIZE || size > total - off) {
			out->truncated = true;
			break;
		}
		if (type == MB2_TAG_END)
			break;

		switch (type) {
		case MB2_TAG_CMDLINE:
			out->cmdline = string_in(tag + MB2_TAG_SIZE, size - MB2_TAG_SIZE);
			break;
		case MB2_TAG_LOADER:
			out->loader = string_in(tag + MB2_TAG_SIZE, size - MB2_TAG_SIZE);
			break;
		case MB2_TAG_MODULE:
			parse_module(tag, size, out);
			break;
		case MB2_TAG_MMAP:
			parse_mmap(tag, size, out);
			break;
		case MB2_TAG_ACPI_OLD:
			parse_rsdp(tag, size, MB2_RSDP_V1_SIZE, &rsdp_old, &old_len, out);
			break;
		case MB2_TAG_ACPI_NEW:
			parse_rsdp(tag, size, MB2_RSDP_V2_SIZE, &rsdp_new, &new_len, out);
			break;
		default:
			break;
		}

		/* Tags start 8-aligned (§3.6.1). size <= total - off, so the
		 * rounded step can overshoot total by at most 7: clamp it. */
		off += ((uint64_t)size + 7) & ~7ULL;
		if (off > total)
			off = total;
	}

	if (rsdp_new) {
		out->rsdp = rsdp_new;
		out->rsdp_len = new_len;
	} else if (rsdp_old) {
		out->rsdp = rsdp_old;
		out->rsdp_len = old_len;
	}
	return 0;
}
