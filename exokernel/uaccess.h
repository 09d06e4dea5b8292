/*
 * uaccess.h - moving bytes between the kernel and an environment's memory.
 *
 * Every user buffer named in an exokernel call goes through these: the
 * range must be user addresses (secure-bindings/uaddr.h) and every page
 * must be mapped in the environment's page table with the access needed.
 * Copies go through the direct map, page by page, so they never fault.
 */
#ifndef UACCESS_H
#define UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct env;

/* Check, without copying, that [va, va + len) is mapped user memory in e
 * (writable if write). Returns 0 or -EXO_EFAULT. */
int check_user(struct env *e, uint64_t va, size_t len, bool write);
/* Read the 8-byte-aligned word at va in e: user memory or one of the
 * read-only windows (what e itself could read). Returns 0 or -EXO_EFAULT. */
int read_user_word(struct env *e, uint64_t va, uint64_t *out);
/* One past the lower canonical half (user memory and the windows). */
#define EXO_LOWER_HALF_END 0x0000800000000000ULL

/* Copy len bytes from user va in e to dst. Returns 0 or -EXO_EFAULT. */
int copy_from_user(struct env *e, void *dst, uint64_t va, size_t len);
/* Copy len bytes from src to user va in e (must be writable). Returns 0 or
 * -EXO_EFAULT. */
int copy_to_user(struct env *e, uint64_t va, const void *src, size_t len);

#endif
