/*
 * linux.c - the Linux x86 boot protocol (Documentation/arch/x86/boot.rst,
 * protocol 2.x): a bzImage kernel, its command line and an initrd, booted
 * through its 64-bit entry (or, with vm_config.linux_entry32, its 32-bit
 * one) the way a boot loader does it.
 *
 * Guest memory after loading:
 *
 *   0x07000  the zero page (struct boot_params: the kernel's setup header
 *            copied from the image, the e820 map, the ACPI RSDP's address,
 *            the loader's fields)
 *   0x09000  64-bit entry only: a GDT, then page tables identity-mapping
 *            the first 4 GiB with 2 MiB pages (PML4 0xA000, PDPT 0xB000,
 *            four page directories 0xC000-0xFFFF)
 *   0x20000  the command line (at most COMMAND_LINE_SIZE bytes)
 *   0x100000 the protected-mode kernel (code32_start)
 *   high     the initrd, page-aligned, as high as initrd_addr_max and RAM
 *            allow
 *
 * The vCPU starts as §"64-bit Boot Protocol" says: long mode, paging on
 * with those tables, CS = __BOOT_CS (0x10) a 64-bit code segment, DS = ES
 * = SS = __BOOT_DS (0x18), interrupts off, RSI = the zero page, at
 * code32_start + 0x200 (for a kernel whose xloadflags have XLF_KERNEL_64).
 * Or as §"32-bit Boot Protocol" says: protected mode, paging off, the same
 * selectors with flat 4 GiB segments, ESI = the zero page, EBP = EDI = EBX
 * = 0, at code32_start. Refused with a message: not a bzImage ("HdrS" missing),
 * protocol older than 2.06, a kernel that cannot boot 64-bit without its
 * real-mode part (no 32-bit entry), an image or initrd that does not fit
 * in guest RAM.
 */
#include <stdio.h>
#include <string.h>

#include "vm_int.h"

#define ZERO_PAGE   0x7000ull
#define CMDLINE	    0x20000ull
#define CMDLINE_MAX 2048
#define KERNEL_BASE 0x100000ull
#define E820_MAX    128

/* Offsets in the image's first sector and in boot_params (boot.rst). */
#define HDR_SETUP_SECTS	  0x1f1
#define HDR_HEADER	  0x202 /* "HdrS" */
#define HDR_VERSION	  0x206
#define HDR_TYPE_LOADER	  0x210
#define HDR_LOADFLAGS	  0x211
#define HDR_CODE32_START  0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE  0x21c
#define HDR_HEAP_END	  0x224
#define HDR_CMD_LINE_PTR  0x228
#define HDR_INITRD_MAX	  0x22c
#define HDR_XLOADFLAGS	  0x236
#define HDR_CMDLINE_SIZE  0x238
#define BP_ACPI_RSDP	  0x070 /* boot_params.acpi_rsdp_addr (protocol 2.14) */
#define XLF_KERNEL_64	  0x01
#define BOOT_GDT	  0x9000ull
#define BOOT_PML4	  0xa000ull
#define BOOT_PDPT	  0xb000ull
#define BOOT_PD		  0xc000ull /* four of them */
#define HDR_END		  0x268	    /* what protocol 2.15 defines */
#define BP_E820_ENTRIES	  0x1e8
#define BP_E820_TABLE	  0x2d0
#define LOADED_HIGH	  0x01
#define CAN_USE_HEAP	  0x80

#define E820_RAM      1
#define E820_RESERVED 2

static uint32_t rd32(const uint8_t *p, size_t off)
{
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

static void wr32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

bool linux_is_bzimage(const void *image, size_t len)
{
	return len > 0x400 && memcmp((const uint8_t *)image + HDR_HEADER, "HdrS", 4) == 0;
}

/* One e820 entry in the zero page (20 bytes: base, length, type). */
static void e820(uint8_t *zp, unsigned *n, uint64_t base, uint64_t len, uint32_t type)
{
	uint8_t *e = zp + BP_E820_TABLE + *n * 20;
	memcpy(e, &base, 8);
	memcpy(e + 8, &len, 8);
	memcpy(e + 16, &type, 4);
	(*n)++;
}

/* What both entries share: CS = __BOOT_CS (0x10) with attributes code,
 * DS = ES = SS = FS = GS = __BOOT_DS (0x18) flat 4 GiB data, an empty LDT,
 * a busy TSS, interrupts off, RSI = the zero page. */
static void boot_segs(struct vcpu *c, uint16_t code)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	const uint16_t data =
		VMCB_ATTR_TYPE(0x3) | VMCB_ATTR_S | VMCB_ATTR_P | VMCB_ATTR_DB | VMCB_ATTR_G;
	s->cs = (struct vmcb_seg){ 0x10, code, 0xffffffff, 0 };
	struct vmcb_seg *segs[] = { &s->ds, &s->es, &s->ss, &s->fs, &s->gs };
	for (unsigned i = 0; i < 5; i++)
		*segs[i] = (struct vmcb_seg){ 0x18, data, 0xffffffff, 0 };
	s->ldtr = (struct vmcb_seg){ 0, VMCB_ATTR_TYPE(2) | VMCB_ATTR_P, 0xffff, 0 };
	s->tr = (struct vmcb_seg){ 0, VMCB_ATTR_TYPE(0xb) | VMCB_ATTR_P, 0xffff, 0 };
	s->idtr.limit = 0xffff;
	s->rflags = 2;
	c->st->gpr[EXO_GPR_RSI] = ZERO_PAGE;
}

/* §"64-bit Boot Protocol": long mode on identity-mapped tables. */
static int entry64(struct vm *vm, struct vcpu *c)
{
	static const uint64_t gdt[4] = { 0, 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
	memcpy(vm->ram + BOOT_GDT, gdt, sizeof(gdt));
	uint64_t *pml4 = (uint64_t *)(vm->ram + BOOT_PML4);
	uint64_t *pdpt = (uint64_t *)(vm->ram + BOOT_PDPT);
	uint64_t *pd = (uint64_t *)(vm->ram + BOOT_PD);
	memset(pml4, 0, PAGE);
	memset(pdpt, 0, PAGE);
	pml4[0] = BOOT_PDPT | 3; /* present, writable */
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + i * PAGE) | 3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */

	struct vmcb_save *s = &c->st->vmcb.save;
	boot_segs(c, VMCB_ATTR_TYPE(0xb) | VMCB_ATTR_S | VMCB_ATTR_P | VMCB_ATTR_L);
	s->gdtr = (struct vmcb_seg){ 0, 0, sizeof(gdt) - 1, BOOT_GDT };
	s->rip = KERNEL_BASE + 0x200;
	c->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
	c->cr3 = BOOT_PML4;
	c->cr4 = X86_CR4_PAE;
	c->efer = X86_EFER_LME | X86_EFER_LMA;
	return 0;
}

int load_linux(struct vm *vm, struct vcpu *c, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->cfg;
	const uint8_t *img = cfg->kernel;
	size_t len = cfg->kernel_len;
	uint16_t version;
	memcpy(&version, img + HDR_VERSION, 2);
	if (version < 0x206) {
		snprintf(err, errlen, "Linux boot protocol %u.%02u is too old (2.06 or later)",
			 version >> 8, version & 0xff);
		return -1;
	}
	unsigned setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	size_t setup = (size_t)(setup_sects + 1) * 512;
	if (setup >= len) {
		snprintf(err, errlen, "the bzImage is truncated (setup of %zu bytes)", setup);
		return -1;
	}
	size_t pm = len - setup; /* the protected-mode kernel */
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH) || !gpa_is_ram(vm, KERNEL_BASE, pm)) {
		snprintf(err, errlen, "the kernel (%zu KiB) does not fit in guest RAM at 1 MiB",
			 pm >> 10);
		return -1;
	}
	memcpy(vm->ram + KERNEL_BASE, img + setup, pm);

	/* The zero page: the setup header as the image has it, then ours. */
	uint8_t *zp = vm->ram + ZERO_PAGE;
	memset(zp, 0, PAGE);
	size_t hdr_end = 0x202 + img[0x201];
	if (hdr_end > HDR_END)
		hdr_end = HDR_END;
	memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	zp[HDR_TYPE_LOADER] = 0xff; /* undefined loader */
	zp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	zp[HDR_HEAP_END] = 0x00, zp[HDR_HEAP_END + 1] = 0xfe; /* 0xfe00, as boot.rst advises */
	wr32(zp, HDR_CODE32_START, (uint32_t)KERNEL_BASE);

	const char *cmd = cfg->cmdline ? cfg->cmdline : "";
	size_t cmax = version >= 0x206 ? rd32(img, HDR_CMDLINE_SIZE) : 255;
	if (cmax > CMDLINE_MAX - 1)
		cmax = CMDLINE_MAX - 1;
	if (strlen(cmd) > cmax) {
		snprintf(err, errlen,
			 "the command line is longer than the kernel takes (%zu bytes)", cmax);
		return -1;
	}
	memset(vm->ram + CMDLINE, 0, CMDLINE_MAX);
	memcpy(vm->ram + CMDLINE, cmd, strlen(cmd));
	wr32(zp, HDR_CMD_LINE_PTR, (uint32_t)CMDLINE);

	if (cfg->nmods) { /* the initrd: the first module */
		uint64_t max = rd32(img, HDR_INITRD_MAX), size = cfg->mods[0].len;
		uint64_t top = vm->ram_bytes < max + 1 ? vm->ram_bytes : max + 1;
		uint64_t at = (top - size) & ~(PAGE - 1);
		if (size > top || at < KERNEL_BASE + pm) {
			snprintf(err, errlen, "the initrd (%llu KiB) does not fit in guest RAM",
				 (unsigned long long)(size >> 10));
			return -1;
		}
		memcpy(vm->ram + at, cfg->mods[0].data, size);
		wr32(zp, HDR_RAMDISK_IMAGE, (uint32_t)at);
		wr32(zp, HDR_RAMDISK_SIZE, (uint32_t)size);
	}

	unsigned n = 0;
	e820(zp, &n, 0, 0x9fc00, E820_RAM);
	e820(zp, &n, 0x9fc00, 0x400, E820_RESERVED);
	e820(zp, &n, 0xf0000, 0x10000, E820_RESERVED);
	e820(zp, &n, KERNEL_BASE, vm->ram_bytes - KERNEL_BASE, E820_RAM);
	zp[BP_E820_ENTRIES] = (uint8_t)n;

	if (version >= 0x20e && vm->pf.rsdp) {
		uint64_t rsdp = vm->pf.rsdp;
		memcpy(zp + BP_ACPI_RSDP, &rsdp, 8);
	}
	uint16_t xlf;
	memcpy(&xlf, img + HDR_XLOADFLAGS, 2);
	if (version >= 0x20c && (xlf & XLF_KERNEL_64) && !cfg->linux_entry32)
		return entry64(vm, c);

	/* §"32-bit Boot Protocol". */
	struct vmcb_save *s = &c->st->vmcb.save;
	boot_segs(c, VMCB_ATTR_TYPE(0xb) | VMCB_ATTR_S | VMCB_ATTR_P | VMCB_ATTR_DB | VMCB_ATTR_G);
	s->gdtr.limit = 0xffff;
	s->rip = KERNEL_BASE;
	c->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	return 0;
}
