/*
 * mbinfo - what a multiboot v1 loader must hand over (Multiboot 0.6.96
 * §3.3) and QEMU's fw_cfg port interface, so that the VMM's loader and
 * device models can be held to what bare QEMU gives.
 *
 * The loader: the flags this guest relies on (mem, cmdline, mods, mmap,
 * boot loader name); mem_lower and mem_upper against the RAM size named by
 * "mem=MIB" on the command line (less up to TOP_SLACK that firmware may
 * keep); the memory map (well-formed entries, none overlapping, no RAM in
 * the 640 KiB - 1 MiB hole, RAM from 1 MiB up to exactly where mem_upper
 * ends, no more RAM in all than mem_upper and 1 MiB give); the command line
 * (it must end in " mbinfo-end", after an optional leading kernel file name,
 * which QEMU adds); a non-empty boot loader name; two modules, page-aligned
 * (header flag bit 0), neither overlapping the image nor each other, each
 * with exactly the bytes of the files the build makes (MOD1_TEXT, and
 * mod2.bin: 1000 five-byte records, record k its four decimal digits as
 * bytes 0x80 + digit, then 0xFF) and its string: the file name (any
 * directory) followed by " arg1 arg2" for the first, nothing for the
 * second.
 *
 * fw_cfg (QEMU docs/specs/fw_cfg.rst): the signature "QEMU" (key 0), the
 * RAM size (key 3, 64-bit) equal to mem=MIB and to the multiboot memory
 * size ((mem_upper + 1024) KiB, up to TOP_SLACK), the CPU count (key 5)
 * 1, and that selecting an item again rewinds it.
 *
 * Last, the guest writes CGA_TEXT and the RAM size (so that runs differ)
 * into row 2 of the CGA text buffer at 0xB8000 (attribute 0x07). It never prints that text on the
 * serial port: under the VMM it reaches the output only through the terminal mirror of the text
 * screen (tests/integration/vm_mbinfo.test looks for it).
 */
#include "guest.h"

const char guest_name[] = "mbinfo";

#define MOD1_TEXT    "mbinfo module one: a text file\nsecond line\n"
#define MOD2_RECORDS 1000
#define MOD2_BYTES   (MOD2_RECORDS * 5)
#define CMDLINE_TAIL " mbinfo-end"
#define CGA_TEXT     "exo mbinfo: CGA text row 2, attribute 07, mem="
#define CGA_ROW	     2
#define FW_CFG_SEL   0x510
#define FW_CFG_DATA  0x511
#define HOLE_START   0xA0000u
#define LOW_END	     0x100000u
/* Firmware may keep the top of RAM for itself (SeaBIOS reserves 128 KiB
 * for its tables there): mem_upper may fall short of the RAM by this. */
#define TOP_SLACK (1u << 20)

/* Multiboot v1 information structure (§3.3), the parts used here. */
#define MBI_MEM	    (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS    (1u << 3)
#define MBI_MMAP    (1u << 6)
#define MBI_LOADER  (1u << 9)

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	uint32_t boot_loader_name, apm_table;
};

struct mb_mod {
	uint32_t start, end, string, reserved;
};

struct __attribute__((packed)) mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
};

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* ---- fw_cfg: select an item, read its bytes in order */
static void fw_select(uint16_t key)
{
	__asm__ volatile("outw %0, %1" : : "a"(key), "Nd"((uint16_t)FW_CFG_SEL));
}

static uint64_t fw_read(unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

static void check_mem(const struct mb_info *mbi, uint32_t mem_mib)
{
	say("mem_lower %u KiB, mem_upper %u KiB, mem=%u MiB", mbi->mem_lower, mbi->mem_upper,
	    mem_mib);
	CHECK(mbi->mem_lower >= 512 && mbi->mem_lower <= 640,
	      "mem_lower %u KiB, expected 512-640 (RAM below 640 KiB)", mbi->mem_lower);
	/* mem_upper is the RAM from 1 MiB to the first hole: all RAM below
	 * 4 GiB, less what firmware keeps at the top. */
	uint32_t most = mem_mib * 1024 - 1024, least = most - TOP_SLACK / 1024;
	CHECK(mbi->mem_upper <= most && mbi->mem_upper >= least,
	      "mem_upper %u KiB, expected %u-%u for %u MiB of RAM", mbi->mem_upper, least, most,
	      mem_mib);
}

static void check_mmap(const struct mb_info *mbi)
{
	const uint8_t *p = (const uint8_t *)mbi->mmap_addr, *end = p + mbi->mmap_length;
	uint64_t ram_total = 0, ram_top = LOW_END; /* contiguous RAM from 1 MiB */
	struct mb_mmap e[32];
	unsigned n = 0;
	CHECK(mbi->mmap_addr && mbi->mmap_length >= 24, "memory map at %x, %u bytes",
	      mbi->mmap_addr, mbi->mmap_length);
	while (p < end) {
		const struct mb_mmap *m = (const struct mb_mmap *)p;
		CHECK(end - p >= 24, "memory map entry %u runs past mmap_length", n);
		CHECK(m->size >= 20 && m->size <= 64, "memory map entry %u: size field %u", n,
		      m->size);
		CHECK(p + 4 + m->size <= end, "memory map entry %u runs past mmap_length", n);
		CHECK(n < 32, "more than 32 memory map entries");
		e[n] = *m;
		say("map %u: %llx-%llx type %u", n, m->addr, m->addr + m->len, m->type);
		CHECK(m->len != 0 && m->type != 0, "memory map entry %u: length %llx type %u", n,
		      m->len, m->type);
		CHECK(m->addr + m->len > m->addr, "memory map entry %u wraps", n);
		if (m->type == 1) {
			ram_total += m->len;
			CHECK(!overlaps(m->addr, m->len, HOLE_START, LOW_END - HOLE_START),
			      "memory map entry %u: RAM in the 640 KiB-1 MiB hole", n);
		}
		n++;
		p += 4 + m->size;
	}
	/* No two entries overlap; follow the RAM from 1 MiB upward. */
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			CHECK(!overlaps(e[i].addr, e[i].len, e[j].addr, e[j].len),
			      "memory map entries %u and %u overlap", i, j);
	for (int grew = 1; grew;) {
		grew = 0;
		for (unsigned i = 0; i < n; i++)
			if (e[i].type == 1 && e[i].addr <= ram_top &&
			    e[i].addr + e[i].len > ram_top) {
				ram_top = e[i].addr + e[i].len;
				grew = 1;
			}
	}
	uint64_t upper_end = LOW_END + (uint64_t)mbi->mem_upper * 1024;
	say("RAM from 1 MiB to %llx, mem_upper ends at %llx", ram_top, upper_end);
	CHECK(ram_top == upper_end, "the map's RAM from 1 MiB ends at %llx, mem_upper says %llx",
	      ram_top, upper_end);
	CHECK(ram_total <= upper_end, "the map holds %llx bytes of RAM, more than the machine",
	      ram_total);
}

static void check_cmdline(const struct mb_info *mbi, const char *cmdline)
{
	const char *s = (const char *)mbi->cmdline;
	size_t n = strlen(s), t = strlen(CMDLINE_TAIL);
	say("command line \"%s\"", s);
	CHECK(n < 256 && !strcmp(s, cmdline), "the library's copy of the command line differs");
	CHECK(n >= t && !strcmp(s + n - t, CMDLINE_TAIL), "the command line does not end in \"%s\"",
	      CMDLINE_TAIL);
	/* What precedes mem=: nothing, or one word (QEMU adds the kernel's
	 * file name). */
	const char *m = cmdline_value(s, "mem=");
	CHECK(m, "no mem=MIB on the command line");
	for (const char *q = s; q < m - 4; q++)
		CHECK(*q != ' ' || q == m - 5, "more than a file name before mem=");
}

static void check_loader_name(const struct mb_info *mbi)
{
	const char *s = (const char *)mbi->boot_loader_name;
	size_t n = strlen(s);
	say("boot loader \"%s\"", s);
	CHECK(n > 0 && n < 128, "boot loader name of %u characters", (unsigned)n);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] < 0x7F, "boot loader name: character %x", s[i]);
}

/* The string must be WORD SUFFIX where WORD ends in file (any directory
 * before it). */
static void check_mod_string(unsigned i, const char *s, const char *file, const char *suffix)
{
	const char *sp = s;
	while (*sp && *sp != ' ')
		sp++;
	size_t w = (size_t)(sp - s), f = strlen(file);
	CHECK(w >= f && !strncmp(sp - f, file, f) && (w == f || sp[-(int)f - 1] == '/'),
	      "module %u: string \"%s\" does not name %s", i, s, file);
	CHECK(!strcmp(sp, suffix), "module %u: string \"%s\", expected arguments \"%s\"", i, s,
	      suffix);
}

static void check_mods(const struct mb_info *mbi)
{
	const struct mb_mod *m = (const struct mb_mod *)mbi->mods_addr;
	CHECK(mbi->mods_count == 2, "%u modules, expected 2", mbi->mods_count);
	uint32_t upper_end = LOW_END + mbi->mem_upper * 1024;
	for (unsigned i = 0; i < 2; i++) {
		say("module %u: %x-%x \"%s\"", i + 1, m[i].start, m[i].end,
		    (const char *)m[i].string);
		CHECK((m[i].start & 0xFFF) == 0, "module %u at %x: not page-aligned (flag bit 0)",
		      i + 1, m[i].start);
		CHECK(m[i].start >= LOW_END && m[i].end >= m[i].start && m[i].end <= upper_end,
		      "module %u: %x-%x outside upper memory", i + 1, m[i].start, m[i].end);
		CHECK(!overlaps(m[i].start, m[i].end - m[i].start, LOW_END,
				(uint32_t)image_end - LOW_END),
		      "module %u: %x-%x overlaps the kernel image", i + 1, m[i].start, m[i].end);
		CHECK(m[i].string, "module %u: no string", i + 1);
	}
	CHECK(!overlaps(m[0].start, m[0].end - m[0].start, m[1].start, m[1].end - m[1].start),
	      "the modules overlap");

	const char *t = (const char *)m[0].start;
	size_t n = strlen(MOD1_TEXT);
	CHECK(m[0].end - m[0].start == n, "module 1: %u bytes, expected %u", m[0].end - m[0].start,
	      (unsigned)n);
	for (size_t i = 0; i < n; i++)
		CHECK(t[i] == MOD1_TEXT[i], "module 1: byte %u is %x, expected %x", (unsigned)i,
		      (uint8_t)t[i], (uint8_t)MOD1_TEXT[i]);
	check_mod_string(1, (const char *)m[0].string, "mod1.txt", " arg1 arg2");

	const uint8_t *b = (const uint8_t *)m[1].start;
	CHECK(m[1].end - m[1].start == MOD2_BYTES, "module 2: %u bytes, expected %u",
	      m[1].end - m[1].start, MOD2_BYTES);
	unsigned bad = 0, first = 0;
	for (unsigned k = 0; k < MOD2_RECORDS; k++) {
		uint8_t want[5] = { (uint8_t)(0x80 + k / 1000), (uint8_t)(0x80 + k / 100 % 10),
				    (uint8_t)(0x80 + k / 10 % 10), (uint8_t)(0x80 + k % 10), 0xFF };
		for (unsigned j = 0; j < 5; j++)
			if (b[5 * k + j] != want[j] && !bad++)
				first = 5 * k + j;
	}
	CHECK(!bad, "module 2: %u bytes differ from the file, the first at offset %u", bad, first);
	check_mod_string(2, (const char *)m[1].string, "mod2.bin", "");
}

static void check_fw_cfg(uint32_t mem_mib, const struct mb_info *mbi)
{
	fw_select(0x0000);
	uint32_t sig = (uint32_t)fw_read(4);
	CHECK(sig == 0x554D4551, "fw_cfg signature %x, expected \"QEMU\"", sig);
	fw_select(0x0003);
	uint64_t ram = fw_read(8);
	say("fw_cfg: RAM %llx bytes", ram);
	CHECK(ram == (uint64_t)mem_mib << 20, "fw_cfg RAM size %llx, expected %u MiB", ram,
	      mem_mib);
	uint64_t upper_end = ((uint64_t)mbi->mem_upper + 1024) * 1024;
	CHECK(ram >= upper_end && ram - upper_end <= TOP_SLACK,
	      "fw_cfg RAM size %llx does not match the multiboot memory size %llx", ram, upper_end);
	fw_select(0x0005);
	uint32_t cpus = (uint32_t)fw_read(2);
	CHECK(cpus == 1, "fw_cfg CPU count %u, expected 1", cpus);
	/* Reselecting an item rewinds it. */
	fw_select(0x0000);
	CHECK((uint32_t)fw_read(4) == 0x554D4551, "fw_cfg: reselecting did not rewind");
}

static void write_cga(uint32_t mem_mib)
{
	volatile uint16_t *row = (volatile uint16_t *)0xB8000 + CGA_ROW * 80;
	char text[80];
	snprintf(text, sizeof(text), CGA_TEXT "%u", mem_mib);
	const char *s = text;
	for (unsigned i = 0; i < 80; i++)
		row[i] = (uint16_t)(0x0700 | (uint8_t)(*s ? *s++ : ' '));
	for (unsigned i = 0; i < 80; i++)
		CHECK((row[i] & 0xFF00) == 0x0700, "CGA buffer cell %u does not read back", i);
	say("wrote row %u of the CGA text buffer", CGA_ROW);
}

void guest_main(const char *cmdline)
{
	const struct mb_info *mbi = (const struct mb_info *)multiboot_info;
	say("information at %x, flags %x", multiboot_info, mbi->flags);
	uint32_t need = MBI_MEM | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER;
	CHECK((mbi->flags & need) == need, "flags %x lack %x", mbi->flags, need & ~mbi->flags);
	const char *m = cmdline_value(cmdline, "mem=");
	uint32_t mem_mib = m ? (uint32_t)parse_uint(m) : 0;
	check_cmdline(mbi, cmdline);
	CHECK(mem_mib >= 16 && mem_mib < 4096, "mem=%u: expected the RAM size in MiB", mem_mib);
	check_mem(mbi, mem_mib);
	check_mmap(mbi);
	check_loader_name(mbi);
	check_mods(mbi);
	check_fw_cfg(mem_mib, mbi);
	write_cga(mem_mib);
}
