/*
 * loader.c - putting a guest in memory and its first vCPU in the state a
 * boot loader leaves: a multiboot v1 kernel (the Multiboot Specification
 * 0.6.96, §3: an ELF32 image, its command line, modules with their own
 * strings, memory information and a memory map), or, without a kernel, a
 * 512-byte boot sector at 0x7C00 started in real mode (as a PC BIOS
 * would, but without BIOS services).
 *
 * Guest memory layout after loading a multiboot kernel: the kernel's
 * segments where its program headers say (at 1 MiB or above), then the
 * modules (page-aligned), then the information structure, the strings
 * and the memory map. Bad input (no header, a bad checksum, not ELF32,
 * segments outside guest RAM or overlapping the low 1 MiB, a truncated
 * file) gets a clear message and no guest.
 */
#include <stdio.h>
#include <string.h>

#include "vm_int.h"

#define MB_MAGIC      0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u
#define MB_SEARCH     8192
#define MB_F_ALIGN    (1u << 0)
#define MB_F_MEMINFO  (1u << 1)
#define MB_F_VIDEO    (1u << 2)
#define MB_F_AOUT     (1u << 16)
#define MB_KNOWN      (MB_F_ALIGN | MB_F_MEMINFO | MB_F_VIDEO | MB_F_AOUT)

#define MBI_MEM	    (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS    (1u << 3)
#define MBI_MMAP    (1u << 6)
#define MBI_LOADER  (1u << 9)

#define LOW_END	 0x100000ull /* the first MiB: not for kernel segments */
#define EBDA	 0x9fc00ull
#define BIOS_ROM 0xf0000ull

/* The ELF32 headers read here (System V ABI, "Object Files"). The
 * <elf.h> name is taken on our include path by secure-bindings/elf.h. */
#define ELFMAG	    "\177ELF"
#define SELFMAG	    4
#define EI_CLASS    4
#define EI_DATA	    5
#define ELFCLASS32  1
#define ELFDATA2LSB 1
#define ET_EXEC	    2
#define EM_386	    3
#define EM_X86_64   62
#define PT_LOAD	    1
typedef struct {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf32_Ehdr;
typedef struct {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
} Elf32_Phdr;
_Static_assert(sizeof(Elf32_Ehdr) == 52 && sizeof(Elf32_Phdr) == 32, "ELF32");

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	uint32_t boot_loader_name, apm_table;
	uint32_t vbe[4]; /* control info, mode info, mode and interface (packed) */
};
_Static_assert(sizeof(struct mb_info) == 88, "multiboot info");

struct mb_mod {
	uint32_t start, end, string, reserved;
};

struct __attribute__((packed)) mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
};

/* Flat segment attributes (VMCB packed form). */
#define CODE32 (VMCB_ATTR_TYPE(0xb) | VMCB_ATTR_S | VMCB_ATTR_P | VMCB_ATTR_DB | VMCB_ATTR_G)
#define DATA32 (VMCB_ATTR_TYPE(0x3) | VMCB_ATTR_S | VMCB_ATTR_P | VMCB_ATTR_DB | VMCB_ATTR_G)
#define CODE16 (VMCB_ATTR_TYPE(0xb) | VMCB_ATTR_S | VMCB_ATTR_P)
#define DATA16 (VMCB_ATTR_TYPE(0x3) | VMCB_ATTR_S | VMCB_ATTR_P)

/* Bump allocator over guest RAM above the kernel. */
struct place {
	struct vm *vm;
	uint64_t next;
};

static uint64_t put(struct place *p, const void *data, size_t len, uint64_t align)
{
	uint64_t at = (p->next + align - 1) & ~(align - 1);
	if (at < p->next || !gpa_is_ram(p->vm, at, len))
		return 0;
	if (data)
		memcpy(p->vm->ram + at, data, len);
	else
		memset(p->vm->ram + at, 0, len);
	p->next = at + len;
	return at;
}

static uint64_t put_str(struct place *p, const char *s)
{
	return put(p, s, strlen(s) + 1, 1);
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint64_t base, uint32_t limit, uint16_t attr)
{
	*s = (struct vmcb_seg){ .sel = sel, .attr = attr, .limit = limit, .base = base };
}

/* System segments every mode shares: an empty LDT, a 32-bit busy TSS. */
static void system_segs(struct vmcb_save *s)
{
	seg(&s->ldtr, 0, 0, 0xffff, VMCB_ATTR_TYPE(2) | VMCB_ATTR_P);
	seg(&s->tr, 0, 0, 0xffff, VMCB_ATTR_TYPE(0xb) | VMCB_ATTR_P);
	s->gdtr.limit = s->idtr.limit = 0xffff;
}

/* The multiboot header: its offset in the image, or -1. */
static long find_header(const uint8_t *img, size_t len, uint32_t h[3])
{
	for (size_t off = 0; off + 12 <= len && off < MB_SEARCH; off += 4) {
		memcpy(h, img + off, 12);
		if (h[0] == MB_MAGIC)
			return (long)off;
	}
	return -1;
}

static int load_elf32(struct vm *vm, const uint8_t *img, size_t len, uint64_t *entry, uint64_t *end,
		      char *err, size_t errlen)
{
	Elf32_Ehdr eh;
	if (len < sizeof(eh) || memcmp(img, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errlen, "not an ELF file (only ELF32 multiboot kernels are loaded)");
		return -1;
	}
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    (eh.e_machine != EM_386 && eh.e_machine != EM_X86_64) || eh.e_type != ET_EXEC) {
		snprintf(err, errlen, "not a little-endian x86 ELF32 executable");
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64 ||
	    eh.e_phoff > len || (size_t)eh.e_phnum * sizeof(Elf32_Phdr) > len - eh.e_phoff) {
		snprintf(err, errlen, "bad ELF program header table");
		return -1;
	}
	*end = 0;
	unsigned nload = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		uint64_t pa = ph.p_paddr, msz = ph.p_memsz, fsz = ph.p_filesz;
		if (fsz > msz || ph.p_offset > len || fsz > len - ph.p_offset) {
			snprintf(err, errlen, "ELF segment %u lies outside the file", i);
			return -1;
		}
		if (pa < LOW_END || !gpa_is_ram(vm, pa, msz)) {
			snprintf(err, errlen,
				 "ELF segment %u at 0x%llx (+0x%llx) is not in guest RAM above 1 "
				 "MiB "
				 "(-m %llu)",
				 i, (unsigned long long)pa, (unsigned long long)msz,
				 (unsigned long long)(vm->ram_bytes >> 20));
			return -1;
		}
		memcpy(vm->ram + pa, img + ph.p_offset, fsz);
		memset(vm->ram + pa + fsz, 0, msz - fsz);
		if (pa + msz > *end)
			*end = pa + msz;
		nload++;
	}
	if (!nload) {
		snprintf(err, errlen, "the ELF file has nothing to load");
		return -1;
	}
	*entry = eh.e_entry;
	return 0;
}

int load_multiboot(struct vm *vm, struct vcpu *c, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->cfg;
	const uint8_t *img = cfg->kernel;
	uint32_t h[3];
	if (find_header(img, cfg->kernel_len, h) < 0) {
		snprintf(err, errlen, "no multiboot header in the first %u bytes", MB_SEARCH);
		return -1;
	}
	if (h[0] + h[1] + h[2] != 0) {
		snprintf(err, errlen, "bad multiboot header checksum");
		return -1;
	}
	if (h[1] & 0xffff & ~MB_KNOWN) {
		snprintf(err, errlen, "multiboot header asks for unknown features (flags 0x%x)",
			 h[1]);
		return -1;
	}
	uint64_t entry, end;
	if (load_elf32(vm, img, cfg->kernel_len, &entry, &end, err, errlen) < 0)
		return -1;
	if (!gpa_is_ram(vm, entry, 1)) {
		snprintf(err, errlen, "entry point 0x%llx is not in guest RAM",
			 (unsigned long long)entry);
		return -1;
	}
	struct place p = { vm, end };
	struct mb_mod mods[VM_MAX_MODULES];
	for (unsigned i = 0; i < cfg->nmods; i++) {
		uint64_t at = put(&p, cfg->mods[i].data, cfg->mods[i].len, PAGE);
		uint64_t s = put_str(&p, cfg->mods[i].string ? cfg->mods[i].string : "");
		if (!at || !s || at + cfg->mods[i].len > UINT32_MAX) {
			snprintf(err, errlen, "module %u does not fit in guest RAM", i + 1);
			return -1;
		}
		mods[i] = (struct mb_mod){ (uint32_t)at, (uint32_t)(at + cfg->mods[i].len),
					   (uint32_t)s, 0 };
	}
	uint64_t top = vm->ram_bytes < (1ull << 32) ? vm->ram_bytes : 1ull << 32;
	struct mb_mmap map[] = {
		{ 20, 0, EBDA, 1 },
		{ 20, EBDA, 0x100000 - EBDA, 2 },
		{ 20, LOW_END, vm->ram_bytes - LOW_END, 1 },
	};
	struct mb_info mbi = {
		.flags =
			MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER | (cfg->nmods ? MBI_MODS : 0),
		.mem_lower = EBDA / 1024,
		.mem_upper = (uint32_t)((top - LOW_END) / 1024),
		.mods_count = cfg->nmods,
		.mmap_length = sizeof(map),
	};
	mbi.cmdline = (uint32_t)put_str(&p, cfg->cmdline ? cfg->cmdline : "");
	mbi.boot_loader_name = (uint32_t)put_str(&p, "exo vm");
	mbi.mods_addr = (uint32_t)put(&p, mods, cfg->nmods * sizeof(mods[0]) + 1, 16);
	mbi.mmap_addr = (uint32_t)put(&p, map, sizeof(map), 8);
	uint64_t info = put(&p, &mbi, sizeof(mbi), 8);
	if (!mbi.cmdline || !mbi.boot_loader_name || !mbi.mods_addr || !mbi.mmap_addr || !info ||
	    p.next > UINT32_MAX) {
		snprintf(err, errlen, "the multiboot information does not fit in guest RAM");
		return -1;
	}
	/* Multiboot §3.2: 32-bit protected mode, paging off, flat segments,
	 * EAX the magic, EBX the information, interrupts off. */
	struct vmcb_save *s = &c->st->vmcb.save;
	seg(&s->cs, 0x08, 0, 0xffffffff, CODE32);
	struct vmcb_seg *data[] = { &s->ds, &s->es, &s->fs, &s->gs, &s->ss };
	for (unsigned i = 0; i < 5; i++)
		seg(data[i], 0x10, 0, 0xffffffff, DATA32);
	system_segs(s);
	s->rip = entry;
	s->rax = MB_BOOT_MAGIC;
	c->st->gpr[EXO_GPR_RBX] = info;
	s->rflags = 2;
	c->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	return 0;
}

int load_bootsect(struct vm *vm, struct vcpu *c, char *err, size_t errlen)
{
	const uint8_t *sec = vm->cfg->bootsect;
	if (vm->ram_bytes < 0x8000) {
		snprintf(err, errlen, "guest RAM too small for a boot sector");
		return -1;
	}
	if (sec[510] != 0x55 || sec[511] != 0xaa) {
		snprintf(err, errlen, "the first sector has no boot signature (0x55 0xaa)");
		return -1;
	}
	memcpy(vm->ram + 0x7c00, sec, 512);
	load_real_mode(c, 0, 0x7c00);
	c->st->vmcb.save.rsp = 0x7c00;
	c->st->gpr[EXO_GPR_RDX] = 0x80; /* booted from the first hard disk */
	return 0;
}

/* Real-mode segments: CS = cs (base cs << 4), the data segments 0, all
 * 64 KiB; the system segments. */
static void real_segs(struct vmcb_save *s, uint16_t cs)
{
	seg(&s->cs, cs, (uint64_t)cs << 4, 0xffff, CODE16);
	struct vmcb_seg *data[] = { &s->ds, &s->es, &s->fs, &s->gs, &s->ss };
	for (unsigned i = 0; i < 5; i++)
		seg(data[i], 0, 0, 0xffff, DATA16);
	system_segs(s);
}

void vm_raw_state(struct exo_vcpu_state *st, uint64_t gas)
{
	memset(st, 0, sizeof(*st));
	struct vmcb_save *s = &st->vmcb.save;
	real_segs(s, 0);
	s->cr0 = X86_CR0_PG | X86_CR0_ET | X86_CR0_NE;
	s->cr4 = X86_CR4_PAE;
	s->efer = X86_EFER_SVME;
	s->rflags = 2;
	s->dr6 = 0xffff0ff0, s->dr7 = 0x400;
	s->g_pat = PAT_DEFAULT;
	st->xcr0 = 1;
	st->gas = gas;
}

void load_real_mode(struct vcpu *c, uint16_t cs, uint16_t ip)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	real_segs(s, cs);
	s->rip = ip;
	s->rflags = 2;
	c->cr0 = X86_CR0_ET | X86_CR0_NE;
	c->cr3 = c->cr4 = c->efer = 0;
}
