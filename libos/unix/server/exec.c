/*
 * exec.c - load a static ELF program from the file system into a fresh
 * environment (execve's work; System V gABI ch. 5, the x86-64 psABI §3.4
 * for the initial stack). The image is checked by the same code the
 * kernel runs on boot modules (secure-bindings/elf.c).
 *
 * The server builds the new environment as its creator: it allocates
 * frames, fills them through a scratch mapping of its own, maps them into
 * the child and hands them over (exo_frame_transfer), then lays out argc,
 * argv, envp, and an auxiliary vector carrying AT_PAGESZ and
 * UNIX_AT_SERVER (the server's env id, how the program finds us) at
 * UNIX_ARGS_VA, where there is room for UNIX_ARG_MAX bytes of strings
 * (the stack has 64 KiB). The caller maps the channel page and starts it.
 */
#include <errno.h>
#include <string.h>

#include <exo/libexo.h>
#include "elf.h" /* secure-bindings: the kernel's own ELF checks */
#include "unixd.h"

_Static_assert(UNIX_ARGS_VA + UNIX_ARGS_MAX <= EXO_LIBEXO_BOTTOM, "the argument area fits");
#define SCRATCH_VA 0x7d8000000000ULL /* one page, server only */
#define MAX_PAGES  8192		     /* 32 MiB of program image */
#define EXEC_KMEM  (16ULL << 20)     /* page tables, and its forks' quotas */

/* The pages being built: va and frame, owned by the server until the end. */
static struct {
	uint64_t va, frame, perm;
} pages[MAX_PAGES];
static unsigned npages;

static void *scratch(uint64_t frame)
{
	exo_page_unmap(EXO_AS_SELF, SCRATCH_VA);
	if (exo_page_map(EXO_AS_SELF, SCRATCH_VA, frame, EXO_PERM_R | EXO_PERM_W) < 0)
		return NULL;
	return (void *)SCRATCH_VA;
}

/* The frame behind va (page-aligned), allocated and zeroed on first use. */
static long page_for(uint64_t va, uint64_t perm)
{
	long f;

	for (unsigned i = 0; i < npages; i++)
		if (pages[i].va == va) {
			pages[i].perm |= perm;
			return (long)pages[i].frame;
		}
	if (npages == MAX_PAGES)
		return -ENOMEM;
	f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	if (f < 0)
		return -ENOMEM;
	if (scratch((uint64_t)f) == NULL) {
		exo_frame_free((uint64_t)f);
		return -ENOMEM;
	}
	memset((void *)SCRATCH_VA, 0, EXO_PAGE_SIZE);
	pages[npages++] = (typeof(pages[0])){ va, (uint64_t)f, perm };
	return f;
}

static void drop_pages(void)
{
	exo_page_unmap(EXO_AS_SELF, SCRATCH_VA);
	for (unsigned i = 0; i < npages; i++)
		exo_frame_free(pages[i].frame);
	npages = 0;
}

static long load_segment(uint32_t ino, const struct sb_elf_seg *sg)
{
	for (uint64_t va = sg->vaddr & ~(EXO_PAGE_SIZE - 1); va < sg->vaddr + sg->memsz;
	     va += EXO_PAGE_SIZE) {
		long f = page_for(va, sg->perm);
		uint64_t lo = va > sg->vaddr ? va : sg->vaddr;
		uint64_t hi = va + EXO_PAGE_SIZE < sg->vaddr + sg->filesz ? va + EXO_PAGE_SIZE
									  : sg->vaddr + sg->filesz;

		if (f < 0)
			return f;
		if (lo >= hi)
			continue;
		if (scratch((uint64_t)f) == NULL)
			return -ENOMEM;
		if (ext2_read(&unixd_fs, ino, sg->offset + (lo - sg->vaddr),
			      (char *)SCRATCH_VA + (lo - va), hi - lo) != (int64_t)(hi - lo))
			return -EIO; /* the checked size said the bytes were there */
	}
	return 0;
}

/* Copy len bytes to address va of the program being built. */
static long put(uint64_t va, const void *src, size_t len)
{
	const char *from = src;

	while (len > 0) {
		uint64_t page = va & ~(EXO_PAGE_SIZE - 1), off = va - page;
		size_t k = len < EXO_PAGE_SIZE - off ? len : EXO_PAGE_SIZE - off;
		long f = page_for(page, EXO_PERM_R | EXO_PERM_W);

		if (f < 0 || scratch((uint64_t)f) == NULL)
			return -ENOMEM;
		memcpy((char *)SCRATCH_VA + off, from, k);
		va += k;
		from += k;
		len -= k;
	}
	return 0;
}

/*
 * Map the stack, and lay out argc, argv, envp and auxv (psABI §3.4.1) at
 * UNIX_ARGS_VA with the strings after them: args holds argc + envc
 * NUL-terminated strings. crt0 reads the block at rsp and then moves to
 * the stack whose top is in r12.
 */
static long build_args(const char *args, uint64_t argc, uint64_t envc)
{
	static uint64_t vec[UNIX_ARGS_MAX / 8];
	uint64_t nstr = argc + envc, words = 1 + argc + 1 + envc + 1 + 6, n = 0, str_va;
	size_t bytes = 0;
	const char *s = args;

	for (uint64_t i = 0; i < nstr; i++)
		bytes += strlen(args + bytes) + 1;
	if (words > UNIX_ARGS_MAX / 8 || bytes > UNIX_ARGS_MAX - words * 8)
		return -E2BIG;
	for (uint64_t va = EXO_USTACK_TOP - EXO_USTACK_PAGES * EXO_PAGE_SIZE; va < EXO_USTACK_TOP;
	     va += EXO_PAGE_SIZE)
		if (page_for(va, EXO_PERM_R | EXO_PERM_W) < 0)
			return -ENOMEM;
	str_va = UNIX_ARGS_VA + words * 8;
	vec[n++] = argc;
	for (uint64_t i = 0; i < nstr; i++) {
		vec[n++] = str_va + (uint64_t)(s - args);
		s += strlen(s) + 1;
		if (i + 1 == argc)
			vec[n++] = 0;
	}
	if (argc == 0)
		vec[n++] = 0;
	vec[n++] = 0;
	vec[n++] = 6; /* AT_PAGESZ */
	vec[n++] = EXO_PAGE_SIZE;
	vec[n++] = UNIX_AT_SERVER;
	vec[n++] = (uint64_t)exo_env_id();
	vec[n++] = 0; /* AT_NULL */
	vec[n++] = 0;
	if (put(UNIX_ARGS_VA, vec, n * 8) < 0 || put(str_va, args, bytes) < 0)
		return -ENOMEM;
	return 0;
}

long exec_load(const char *path, uint32_t cwd, const char *args, uint64_t argc, uint64_t envc,
	       uint64_t *env_out)
{
	static uint8_t head[EXO_PAGE_SIZE];
	static struct sb_elf_plan plan;
	struct ext2_stat st;
	struct exo_regs regs;
	uint32_t ino;
	uint64_t phend;
	int64_t got;
	long env, r;

	r = ext2_resolve(&unixd_fs, EXT2_ROOT_INO, cwd, path, EXT2_FOLLOW, &ino);
	if (r == 0)
		r = ext2_stat(&unixd_fs, ino, &st);
	if (r < 0)
		return r;
	if ((st.mode & EXT2_S_IFMT) != EXT2_S_IFREG || !(st.mode & 0111))
		return -EACCES;
	/* The header and program headers must lie in the first page, which is
	 * all sb_elf_check may read; segments are checked against st.size. */
	memset(head, 0, sizeof head);
	got = ext2_read(&unixd_fs, ino, 0, head, sizeof head);
	if (got < 0)
		return got;
	if ((uint64_t)got < 64)
		return -ENOEXEC;
	memcpy(&phend, head + 32, 8);			    /* e_phoff */
	phend += (uint64_t)(head[56] | head[57] << 8) * 56; /* e_phnum */
	if (phend > (uint64_t)got ||
	    sb_elf_check(head, st.size, EXO_USER_MIN, UNIX_CHAN_VA, &plan) != SB_ELF_OK)
		return -ENOEXEC;
	npages = 0;
	for (unsigned i = 0; i < plan.nseg; i++) {
		r = load_segment(ino, &plan.seg[i]);
		if (r < 0)
			goto fail;
	}
	r = build_args(args, argc, envc);
	if (r < 0)
		goto fail;
	exo_page_unmap(EXO_AS_SELF, SCRATCH_VA);
	env = exo_env_create(EXEC_KMEM);
	if (env < 0) {
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < npages; i++) {
		r = exo_page_map((uint64_t)env, pages[i].va, pages[i].frame, pages[i].perm);
		if (r == 0)
			r = exo_frame_transfer(pages[i].frame, (uint64_t)env);
		if (r < 0) {
			/* frames handed over go with the environment */
			for (unsigned j = i; j < npages; j++)
				exo_frame_free(pages[j].frame);
			npages = 0;
			exo_env_destroy((uint64_t)env);
			return -ENOMEM;
		}
	}
	npages = 0;
	memset(&regs, 0, sizeof regs);
	regs.rip = plan.entry;
	regs.rsp = UNIX_ARGS_VA;
	regs.r12 = EXO_USTACK_TOP;
	regs.rflags = 0x202;
	r = exo_env_set_regs((uint64_t)env, &regs);
	if (r < 0) {
		exo_env_destroy((uint64_t)env);
		return -ENOMEM;
	}
	*env_out = (uint64_t)env;
	return 0;
fail:
	drop_pages();
	return r;
}
