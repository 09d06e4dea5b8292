/*
 * uaddr.h - checks on user virtual addresses named in exokernel calls.
 *
 * Pure functions: no kernel state. Compiled into the kernel and the host
 * unit tests.
 */
#ifndef SB_UADDR_H
#define SB_UADDR_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/layout.h>

/* True if [va, va + len) lies inside [EXO_USER_MIN, EXO_USER_MAX), without
 * wrapping. len 0 is allowed anywhere in the user range. */
static inline bool sb_user_range_ok(uint64_t va, uint64_t len)
{
	return va >= EXO_USER_MIN && va <= EXO_USER_MAX && len <= EXO_USER_MAX - va;
}

/* True if va is a page-aligned address of a mappable user page. */
static inline bool sb_user_page_ok(uint64_t va)
{
	return (va & (EXO_PAGE_SIZE - 1)) == 0 && sb_user_range_ok(va, EXO_PAGE_SIZE);
}

/* True if perm uses only EXO_PERM_* bits and includes EXO_PERM_R. */
static inline bool sb_perm_ok(uint64_t perm)
{
	return (perm & ~EXO_PERM_ALL) == 0 && (perm & EXO_PERM_R);
}

#endif
