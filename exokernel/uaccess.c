/*
 * uaccess.c - checked copies to and from environment memory (uaccess.h).
 */
#include "kernel.h"
#include "env.h"
#include "pmap.h"
#include "uaccess.h"
#include "uaddr.h"

/* Kernel address of user va in e if mapped user-accessible (and writable
 * if write), else NULL. */
static void *user_ptr(struct env *e, uint64_t va, bool write)
{
	uint64_t *pte = pmap_lookup(e->pml4, va);
	if (!pte || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
		return NULL;
	return (char *)phys_to_virt(*pte & PTE_ADDR) + (va & (PAGE_SIZE - 1));
}

static int copy_user(struct env *e, uint64_t va, void *kbuf, size_t len, bool to_user)
{
	if (!sb_user_range_ok(va, len))
		return -EXO_EFAULT;
	while (len) {
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		char *p = user_ptr(e, va, to_user);
		if (!p)
			return -EXO_EFAULT;
		if (to_user)
			memcpy(p, kbuf, chunk);
		else
			memcpy(kbuf, p, chunk);
		va += chunk;
		kbuf = (char *)kbuf + chunk;
		len -= chunk;
	}
	return 0;
}

int check_user(struct env *e, uint64_t va, size_t len, bool write)
{
	if (!sb_user_range_ok(va, len))
		return -EXO_EFAULT;
	if (len == 0)
		return 0;
	for (uint64_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + len; p += PAGE_SIZE)
		if (!user_ptr(e, p, write))
			return -EXO_EFAULT;
	return 0;
}

int read_user_word(struct env *e, uint64_t va, uint64_t *out)
{
	if ((va & 7) || va < EXO_USER_MIN || va >= EXO_LOWER_HALF_END)
		return -EXO_EFAULT;
	const uint64_t *p = user_ptr(e, va, false);
	if (!p)
		return -EXO_EFAULT;
	*out = *p;
	return 0;
}

int copy_from_user(struct env *e, void *dst, uint64_t va, size_t len)
{
	return copy_user(e, va, dst, len, false);
}

int copy_to_user(struct env *e, uint64_t va, const void *src, size_t len)
{
	return copy_user(e, va, (void *)src, len, true);
}
