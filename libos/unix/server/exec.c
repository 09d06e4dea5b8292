/*
 * exec.c - load a static ELF program from the file system into a fresh
 * environment (execve's work; System V gABI ch. 5, the x86-64 psABI §3.4
 * for the initial stack). The image is checked by the same code the
 * kernel runs on boot modules (secure-bindings/elf.c).
 *
 * The server builds the new environment as its creator: it allocates
 * frames, fills them through a scratch mapping of its own, maps them into
 * the child and hands them over (exo_frame_transfer), then lays out the
 * stack: argc, argv, envp, and an auxiliary vector carrying AT_PAGESZ and
 * UNIX_AT_SERVER (the server's env id, how the program finds us). The
 * caller maps the channel page and starts it.
 */
#include <errno.h>
#include <string.h>

#include <exo/libexo.h>
#include "elf.h" /* secure-bindings: the kernel's own ELF checks */
#include "unixd.h"

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

/* Lay out argc, argv, envp and auxv on the stack's top page; *sp gets rsp. */
static long build_stack(const char *args, uint64_t argc, uint64_t envc, uint64_t *sp)
{
	const uint64_t top = EXO_USTACK_TOP;
	uint64_t nstr = argc + envc, words = 1 + argc + 1 + envc + 1 + 6;
	size_t bytes = 0;
	long f;
	char *page;

	for (uint64_t i = 0; i < nstr; i++)
		bytes += strlen(args + bytes) + 1;
	if (bytes + words * 8 + 64 > EXO_PAGE_SIZE)
		return -E2BIG;
	for (uint64_t va = top - EXO_USTACK_PAGES * EXO_PAGE_SIZE; va < top; va += EXO_PAGE_SIZE)
		if (page_for(va, EXO_PERM_R | EXO_PERM_W) < 0)
			return -ENOMEM;
	f = page_for(top - EXO_PAGE_SIZE, EXO_PERM_R | EXO_PERM_W);
	page = scratch((uint64_t)f);
	if (page == NULL)
		return -ENOMEM;
	/* strings at the very top, then the words below, 16-byte aligned */
	uint64_t str_off = EXO_PAGE_SIZE - bytes;
	uint64_t w_off = (str_off - words * 8) & ~15ULL;
	uint64_t *w = (uint64_t *)(page + w_off);
	const char *s = args;

	memcpy(page + str_off, args, bytes);
	*w++ = argc;
	for (uint64_t i = 0; i < nstr; i++) {
		*w++ = top - EXO_PAGE_SIZE + str_off + (uint64_t)(s - args);
		s += strlen(s) + 1;
		if (i + 1 == argc)
			*w++ = 0;
	}
	if (argc == 0)
		*w++ = 0;
	*w++ = 0;
	*w++ = 6; /* AT_PAGESZ */
	*w++ = EXO_PAGE_SIZE;
	*w++ = UNIX_AT_SERVER;
	*w++ = (uint64_t)exo_env_id();
	*w++ = 0; /* AT_NULL */
	*w++ = 0;
	*sp = top - EXO_PAGE_SIZE + w_off;
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
	uint64_t sp, phend;
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
	r = build_stack(args, argc, envc, &sp);
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
	regs.rsp = sp;
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
