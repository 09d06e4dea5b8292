/*
 * elf.h - validation of a static x86-64 ELF executable before the kernel
 * loads it from a boot module.
 *
 * This is the "check" half of loading: sb_elf_check reads a hostile image,
 * changes nothing, and returns either an error or a plan (entry point and
 * loadable segments, all proven to fit in the file and in user memory).
 * The loader that acts on the plan may then trust every number in it.
 */
#ifndef SB_ELF_H
#define SB_ELF_H

#include <stdint.h>

/* Most PT_LOAD segments a plan holds (static executables have 2-4). */
#define SB_ELF_MAX_SEGS 16

/* One loadable segment, as validated. All values in bytes. */
struct sb_elf_seg {
	uint64_t vaddr;	 /* first user virtual address, >= user_min */
	uint64_t memsz;	 /* bytes of memory, > 0; vaddr + memsz <= user_max */
	uint64_t offset; /* file offset of the first byte; offset % 4096 == vaddr % 4096 */
	uint64_t filesz; /* bytes copied from the file, <= memsz; the rest is zeroed */
	uint32_t perm;	 /* EXO_PERM_R/W/X (exo/layout.h) from p_flags PF_R/W/X */
};

/* What the loader does: map and fill seg[0..nseg), then jump to entry. */
struct sb_elf_plan {
	uint64_t entry; /* user virtual address inside an executable segment */
	unsigned nseg;	/* 1..SB_ELF_MAX_SEGS */
	struct sb_elf_seg seg[SB_ELF_MAX_SEGS]; /* in program header order */
};

/* Why an image was refused. sb_elf_strerror gives the message. */
enum sb_elf_error {
	SB_ELF_OK = 0,
	SB_ELF_TRUNCATED,     /* shorter than an ELF header */
	SB_ELF_NOT_ELF,	      /* bad magic */
	SB_ELF_NOT_64,	      /* EI_CLASS is not ELFCLASS64 */
	SB_ELF_NOT_LE,	      /* EI_DATA is not ELFDATA2LSB */
	SB_ELF_BAD_VERSION,   /* EI_VERSION or e_version is not EV_CURRENT */
	SB_ELF_WRONG_MACHINE, /* e_machine is not EM_X86_64 */
	SB_ELF_NOT_EXEC,      /* e_type is not ET_EXEC (e.g. PIE or relocatable) */
	SB_ELF_BAD_PHDRS,     /* bad e_phentsize, or phdr table not inside the file */
	SB_ELF_SEG_TRUNCATED, /* p_offset + p_filesz past the end of the file */
	SB_ELF_SEG_SIZE,      /* p_filesz > p_memsz */
	SB_ELF_SEG_RANGE,     /* [p_vaddr, p_vaddr + p_memsz) not inside user memory */
	SB_ELF_SEG_OVERLAP,   /* two segments share a 4 KiB page */
	SB_ELF_SEG_ALIGN,     /* p_vaddr % 4096 != p_offset % 4096 */
	SB_ELF_TOO_MANY_SEGS, /* more than SB_ELF_MAX_SEGS loadable segments */
	SB_ELF_NO_SEGS,	      /* no loadable segment */
	SB_ELF_BAD_ENTRY,     /* e_entry not inside a segment with PF_X */
	SB_ELF_NERRORS
};

/*
 * Validate the static executable image[0..size) (size in bytes; the image
 * need not be aligned) for loading into user virtual memory
 * [user_min, user_max) (bytes, normally EXO_USER_MIN and EXO_USER_MAX).
 *
 * Follows the ELF-64 Object File Format 1.5 and the System V gABI
 * (chapters 4 and 5), restricted to what a static x86-64 executable needs.
 * Checks, in order, stopping at the first failure:
 *   size >= 64 (Elf64_Ehdr)                                 else SB_ELF_TRUNCATED
 *   e_ident magic "\x7fELF"                                 else SB_ELF_NOT_ELF
 *   EI_CLASS == ELFCLASS64                                  else SB_ELF_NOT_64
 *   EI_DATA == ELFDATA2LSB                                  else SB_ELF_NOT_LE
 *   EI_VERSION == e_version == EV_CURRENT (1)               else SB_ELF_BAD_VERSION
 *   e_machine == EM_X86_64 (62)                             else SB_ELF_WRONG_MACHINE
 *   e_type == ET_EXEC (2)                                   else SB_ELF_NOT_EXEC
 *   e_phentsize == 56, e_phnum != PN_XNUM, and
 *   [e_phoff, e_phoff + e_phnum * 56) inside the file       else SB_ELF_BAD_PHDRS
 * then for each PT_LOAD with p_memsz != 0 (other types and empty loads are
 * ignored):
 *   [p_offset, p_offset + p_filesz) inside the file         else SB_ELF_SEG_TRUNCATED
 *   p_filesz <= p_memsz                                     else SB_ELF_SEG_SIZE
 *   [p_vaddr, p_vaddr + p_memsz) inside [user_min, user_max) else SB_ELF_SEG_RANGE
 *   p_vaddr % 4096 == p_offset % 4096                       else SB_ELF_SEG_ALIGN
 *   at most SB_ELF_MAX_SEGS such segments                   else SB_ELF_TOO_MANY_SEGS
 * and finally:
 *   no two segments share a 4 KiB page                      else SB_ELF_SEG_OVERLAP
 *   at least one segment                                    else SB_ELF_NO_SEGS
 *   e_entry inside a segment with PF_X                      else SB_ELF_BAD_ENTRY
 * All arithmetic is overflow-checked and every read stays inside
 * image[0..size), whatever the bytes say.
 *
 * Returns SB_ELF_OK and fills *plan, or a positive enum sb_elf_error, in
 * which case *plan is zeroed. Changes nothing else.
 */
int sb_elf_check(const void *image, uint64_t size, uint64_t user_min, uint64_t user_max,
		 struct sb_elf_plan *plan);

/* A fixed one-line English message for a result of sb_elf_check;
 * "unknown ELF error" for anything that is not an enum sb_elf_error. */
const char *sb_elf_strerror(int err);

#endif
