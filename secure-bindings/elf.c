/*
 * elf.c - the checks behind sb_elf_check (see elf.h).
 *
 * The image is hostile: it comes from a boot module anyone could have
 * built. Every header is copied out with memcpy (the image need not be
 * aligned) only after its bytes are proven to lie inside the image, and
 * every sum of two file-supplied numbers is compared by subtraction so it
 * cannot wrap. The ELF structures are declared here, from the ELF-64 Object
 * File Format and the System V gABI, rather than taken from <elf.h>, which
 * the kernel does not have. Fields are read in host order, which is right
 * because the file is checked to be little-endian and x86-64 is too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/layout.h>

#include "elf.h"

/* ELF-64 file header (gABI ch. 4, "ELF Header"). */
struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");

/* ELF-64 program header (gABI ch. 5, "Program Header"). */
struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");

#define EI_CLASS    4
#define EI_DATA	    5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC	    2
#define EM_X86_64   62
#define PN_XNUM	    0xffff
#define PT_LOAD	    1
#define PF_X	    0x1
#define PF_W	    0x2
#define PF_R	    0x4

#define PAGE_MASK (EXO_PAGE_SIZE - 1)

/* Is [off, off + len) inside [0, size)? Never overflows. */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Do two segments share a 4 KiB page? Compares inclusive page numbers, so
 * a segment ending at the top of the address space cannot overflow. */
static bool pages_overlap(const struct sb_elf_seg *a, const struct sb_elf_seg *b)
{
	uint64_t a_first = a->vaddr >> EXO_PAGE_SHIFT;
	uint64_t a_last = (a->vaddr + a->memsz - 1) >> EXO_PAGE_SHIFT;
	uint64_t b_first = b->vaddr >> EXO_PAGE_SHIFT;
	uint64_t b_last = (b->vaddr + b->memsz - 1) >> EXO_PAGE_SHIFT;
	return a_first <= b_last && b_first <= a_last;
}

static uint32_t perm_of(uint32_t p_flags)
{
	uint32_t perm = 0;
	if (p_flags & PF_R)
		perm |= (uint32_t)EXO_PERM_R;
	if (p_flags & PF_W)
		perm |= (uint32_t)EXO_PERM_W;
	if (p_flags & PF_X)
		perm |= (uint32_t)EXO_PERM_X;
	return perm;
}

/* Checks one PT_LOAD with p_memsz != 0 and, if it passes, describes it in
 * *seg. */
static int check_seg(const struct elf64_phdr *ph, uint64_t size, uint64_t user_min,
		     uint64_t user_max, struct sb_elf_seg *seg)
{
	if (!in_file(ph->p_offset, ph->p_filesz, size))
		return SB_ELF_SEG_TRUNCATED;
	if (ph->p_filesz > ph->p_memsz)
		return SB_ELF_SEG_SIZE;
	if (ph->p_vaddr < user_min || ph->p_vaddr > user_max ||
	    ph->p_memsz > user_max - ph->p_vaddr)
		return SB_ELF_SEG_RANGE;
	if ((ph->p_vaddr & PAGE_MASK) != (ph->p_offset & PAGE_MASK))
		return SB_ELF_SEG_ALIGN;
	seg->vaddr = ph->p_vaddr;
	seg->memsz = ph->p_memsz;
	seg->offset = ph->p_offset;
	seg->filesz = ph->p_filesz;
	seg->perm = perm_of(ph->p_flags);
	return SB_ELF_OK;
}

static int check_ehdr(const struct elf64_ehdr *eh, uint64_t size)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, sizeof(magic)) != 0)
		return SB_ELF_NOT_ELF;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return SB_ELF_NOT_64;
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return SB_ELF_NOT_LE;
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return SB_ELF_BAD_VERSION;
	if (eh->e_machine != EM_X86_64)
		return SB_ELF_WRONG_MACHINE;
	if (eh->e_type != ET_EXEC)
		return SB_ELF_NOT_EXEC;
	/* e_phnum is 16 bits, so e_phnum * 56 cannot overflow. PN_XNUM would
	 * move the real count into section header 0; no static executable
	 * needs that many program headers, so it is refused. */
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == PN_XNUM ||
	    !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), size))
		return SB_ELF_BAD_PHDRS;
	return SB_ELF_OK;
}

static int check(const uint8_t *image, uint64_t size, uint64_t user_min, uint64_t user_max,
		 struct sb_elf_plan *plan)
{
	struct elf64_ehdr eh;
	int err;

	if (size < sizeof(eh))
		return SB_ELF_TRUNCATED;
	memcpy(&eh, image, sizeof(eh));
	err = check_ehdr(&eh, size);
	if (err)
		return err;

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		struct sb_elf_seg seg;

		/* Inside the file: check_ehdr proved the whole table is. */
		memcpy(&ph, image + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		err = check_seg(&ph, size, user_min, user_max, &seg);
		if (err)
			return err;
		if (plan->nseg == SB_ELF_MAX_SEGS)
			return SB_ELF_TOO_MANY_SEGS;
		plan->seg[plan->nseg++] = seg;
	}

	for (unsigned i = 0; i < plan->nseg; i++)
		for (unsigned j = i + 1; j < plan->nseg; j++)
			if (pages_overlap(&plan->seg[i], &plan->seg[j]))
				return SB_ELF_SEG_OVERLAP;
	if (plan->nseg == 0)
		return SB_ELF_NO_SEGS;

	/* Every segment lies below user_max, so vaddr + memsz cannot wrap. */
	for (unsigned i = 0; i < plan->nseg; i++) {
		const struct sb_elf_seg *s = &plan->seg[i];
		if ((s->perm & EXO_PERM_X) && eh.e_entry >= s->vaddr &&
		    eh.e_entry - s->vaddr < s->memsz) {
			plan->entry = eh.e_entry;
			return SB_ELF_OK;
		}
	}
	return SB_ELF_BAD_ENTRY;
}

int sb_elf_check(const void *image, uint64_t size, uint64_t user_min, uint64_t user_max,
		 struct sb_elf_plan *plan)
{
	int err;

	memset(plan, 0, sizeof(*plan));
	err = check(image, size, user_min, user_max, plan);
	if (err)
		memset(plan, 0, sizeof(*plan));
	return err;
}

const char *sb_elf_strerror(int err)
{
	static const char *const msgs[SB_ELF_NERRORS] = {
		[SB_ELF_OK] = "ok",
		[SB_ELF_TRUNCATED] = "file too short for an ELF header",
		[SB_ELF_NOT_ELF] = "not an ELF file",
		[SB_ELF_NOT_64] = "not a 64-bit ELF file",
		[SB_ELF_NOT_LE] = "not little-endian",
		[SB_ELF_BAD_VERSION] = "unknown ELF version",
		[SB_ELF_WRONG_MACHINE] = "wrong machine (not x86-64)",
		[SB_ELF_NOT_EXEC] = "not a static executable (ET_EXEC)",
		[SB_ELF_BAD_PHDRS] = "program header table outside the file",
		[SB_ELF_SEG_TRUNCATED] = "segment extends past the end of the file (truncated?)",
		[SB_ELF_SEG_SIZE] = "segment file size larger than memory size",
		[SB_ELF_SEG_RANGE] = "segment outside user memory (overlaps the kernel?)",
		[SB_ELF_SEG_OVERLAP] = "segments overlap each other",
		[SB_ELF_SEG_ALIGN] = "segment misaligned",
		[SB_ELF_TOO_MANY_SEGS] = "too many loadable segments",
		[SB_ELF_NO_SEGS] = "no loadable segment",
		[SB_ELF_BAD_ENTRY] = "entry point outside executable segments",
	};

	if (err < 0 || err >= SB_ELF_NERRORS)
		return "unknown ELF error";
	return msgs[err];
}
