/*
 * layout.h - the virtual address layout every environment sees.
 *
 * x86-64 4-level paging, 4 KiB pages. The lower canonical half belongs to
 * the environment; the upper half is the kernel's and is never accessible
 * from ring 3. All addresses in bytes.
 */
#ifndef EXO_LAYOUT_H
#define EXO_LAYOUT_H

#define EXO_PAGE_SIZE  4096ULL
#define EXO_PAGE_SHIFT 12

/* First and one-past-last user virtual address an env may map. Page 0 is
 * never mappable so that null-pointer dereferences always fault. The top
 * two 512 GiB slots of the lower half hold the kernel's read-only windows. */
#define EXO_USER_MIN 0x1000ULL
#define EXO_USER_MAX 0x00007f0000000000ULL

/*
 * Read-only windows the kernel maps into every environment (Xok exposed
 * its tables the same way): readable from ring 3, never writable.
 *
 * EXO_UVPT: the environment's own page tables, through a recursive entry
 * in PML4 slot 255. The leaf PTE of va is the 64-bit word at
 * EXO_UVPT + ((va >> 12) & 0xfffffffff) * 8 (exo_uvpt_pte below); the
 * page-directory levels sit inside the window the same way.
 *
 * EXO_UFRAMES: the frame table, one struct exo_frame_info per frame.
 * EXO_UENVS: the environment table, one struct exo_env_info per slot.
 * EXO_USYSINFO: facts about the machine (struct exo_sysinfo).
 */
#define EXO_UVPT    0x00007f8000000000ULL
#define EXO_UFRAMES 0x00007f0000000000ULL
#define EXO_UENVS   0x00007f4000000000ULL
/* EXO_USYSINFO: one struct exo_sysinfo (exo/types.h). */
#define EXO_USYSINFO 0x00007f4001000000ULL

/* Where the kernel puts the initial stack of a program it loads from a boot
 * module: EXO_USTACK_PAGES pages ending at EXO_USTACK_TOP. */
#define EXO_USTACK_TOP	 0x00007eff00000000ULL
#define EXO_USTACK_PAGES 16

/* Page permissions for exo_page_map (see docs/abi.md). EXO_PERM_R is
 * required in every mapping. */
#define EXO_PERM_R 0x1ULL
#define EXO_PERM_W 0x2ULL
#define EXO_PERM_X 0x4ULL
/* Kept in the PTE (bit 9, ignored by the MMU) for the libOS's own use,
 * e.g. to mark copy-on-write pages; the kernel gives it no meaning. */
#define EXO_PERM_USER0 0x8ULL
#define EXO_PERM_ALL   (EXO_PERM_R | EXO_PERM_W | EXO_PERM_X | EXO_PERM_USER0)

/* How far below its registered top an upcall stack (exception, PCT) may
 * reach: an interrupted rsp inside [top - EXO_UPCALL_STACK_MAX, top) means
 * the upcall nests on that stack. Bytes. */
#define EXO_UPCALL_STACK_MAX (64ULL * 1024)
/* Bytes the kernel skips below a nested interrupted rsp before pushing a
 * new upcall frame (red zone + the resume scratch word). */
#define EXO_UPCALL_GAP 136ULL

#endif
