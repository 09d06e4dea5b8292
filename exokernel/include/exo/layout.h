/*
 * layout.h - the virtual address layout every environment sees.
 *
 * x86-64 4-level paging, 4 KiB pages. The lower canonical half belongs to
 * the environment; the upper half is the kernel's and is never accessible
 * from ring 3. All addresses in bytes.
 */
#ifndef EXO_LAYOUT_H
#define EXO_LAYOUT_H

#define EXO_PAGE_SIZE 4096ULL
#define EXO_PAGE_SHIFT 12

/* First and one-past-last user virtual address an env may map. Page 0 is
 * never mappable so that null-pointer dereferences always fault. */
#define EXO_USER_MIN 0x1000ULL
#define EXO_USER_MAX 0x00007fffffff0000ULL

/* Where the kernel puts the initial stack of a program it loads from a boot
 * module: EXO_USTACK_PAGES pages ending at EXO_USTACK_TOP. */
#define EXO_USTACK_TOP 0x00007ffffff00000ULL
#define EXO_USTACK_PAGES 16

/* Page permissions for exo_page_map (a subset of x86 PTE bits; see
 * docs/abi.md). EXO_PERM_R is implied by any mapping. */
#define EXO_PERM_R 0x1ULL
#define EXO_PERM_W 0x2ULL
#define EXO_PERM_X 0x4ULL
#define EXO_PERM_ALL (EXO_PERM_R | EXO_PERM_W | EXO_PERM_X)

#endif
