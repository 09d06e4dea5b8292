/*
 * env.c - creating, loading, running and destroying environments.
 *
 * Environment ids carry a generation count in their upper bits, bumped
 * each time a slot is reused, so a stale id never names a newer env.
 */
#include "kernel.h"
#include "env.h"
#include "pmap.h"
#include "elf.h"

#include <exo/layout.h>

struct env envs[NENV];
static uint32_t generation[NENV];

/*
 * A fresh environment with an empty address space, not yet runnable.
 * Returns NULL when no slot or memory is left.
 */
struct env *env_alloc(uint32_t parent, const char *name)
{
	for (unsigned i = 1; i < NENV; i++) {
		struct env *e = &envs[i];
		if (e->status != ENV_FREE || e->id != 0)
			continue;
		uint64_t pml4 = pmap_create();
		void *fpu = pml4 ? kalloc_page() : NULL;
		if (!fpu) {
			if (pml4)
				pmap_destroy(pml4);
			return NULL;
		}
		if (++generation[i] >= (1u << (32 - ENV_INDEX_BITS)) - 1)
			generation[i] = 1;
		memset(e, 0, sizeof(*e));
		e->id = generation[i] << ENV_INDEX_BITS | i;
		e->parent = parent;
		e->pml4 = pml4;
		e->fpu = fpu;
		fpu_init_area(fpu);
		size_t n = strlen(name);
		if (n >= sizeof(e->name))
			n = sizeof(e->name) - 1;
		memcpy(e->name, name, n);
		e->tf.cs = USER_CS;
		e->tf.ss = USER_DS;
		e->tf.rflags = RFLAGS_IF | RFLAGS_RESERVED1;
		return e;
	}
	return NULL;
}

/* The live environment with this id, or NULL (stale, free or malformed). */
struct env *env_lookup(uint32_t id)
{
	uint32_t i = id & (NENV - 1);
	if (i == 0 || envs[i].status == ENV_FREE || envs[i].id != id)
		return NULL;
	return &envs[i];
}

static void free_owned_frames(uint32_t id)
{
	for (uint64_t fn = 0; fn < frames.n; fn++)
		if (frames.f[fn].owner == id && frames.f[fn].refs == 0)
			frame_free(&frames, fn, id);
}

/*
 * Destroy e: tear down its address space and free the frames it owns.
 * why, if not NULL, is printed as "exo: env ID (NAME) WHY".
 */
void env_destroy(struct env *e, const char *why)
{
	struct cpu *c = this_cpu();
	if (why)
		kprintf("exo: env %u (%s) %s\n", e->id, e->name, why);
	if (c->env == e) {
		write_cr3(pmap_kernel_root());
		c->env = NULL;
	}
	pmap_destroy(e->pml4);
	kfree_page(e->fpu);
	free_owned_frames(e->id);
	e->status = ENV_FREE;
	e->id = 0;
}

/* Allocate, zero and map one page for e at va. */
static int map_new_page(struct env *e, uint64_t va, uint64_t perm, void **kva)
{
	int64_t fn = frame_alloc_any(&frames, e->id);
	if (fn < 0)
		return (int)fn;
	void *p = phys_to_virt((uint64_t)fn << PAGE_SHIFT);
	memset(p, 0, PAGE_SIZE);
	int r = pmap_map(e->pml4, va, (uint64_t)fn, perm);
	if (r < 0) {
		frame_free(&frames, (uint64_t)fn, e->id);
		return r;
	}
	*kva = p;
	return 0;
}

/*
 * Build the initial stack (System V AMD64 ABI §3.4.1): argc, argv[],
 * NULL, envp[] (empty), NULL, auxv AT_NULL. Strings at the top.
 */
static int setup_stack(struct env *e, const char *const *argv, unsigned argc)
{
	void *top = NULL;
	uint64_t base = EXO_USTACK_TOP - EXO_USTACK_PAGES * PAGE_SIZE;
	for (uint64_t va = base; va < EXO_USTACK_TOP; va += PAGE_SIZE) {
		int r = map_new_page(e, va, EXO_PERM_R | EXO_PERM_W, &top);
		if (r < 0)
			return r;
	}
	/* top: kernel view of the highest stack page. */
	char *kpage = top;
	uint64_t upage = EXO_USTACK_TOP - PAGE_SIZE;
	uint64_t uargv[32];
	size_t used = 0;
	if (argc > ARRAY_SIZE(uargv))
		argc = ARRAY_SIZE(uargv);
	for (unsigned i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		if (used + n > PAGE_SIZE / 2)
			return -EXO_ERANGE;
		used += n;
		memcpy(kpage + PAGE_SIZE - used, argv[i], n);
		uargv[i] = upage + PAGE_SIZE - used;
	}
	/* words: argc, argv[argc], NULL, envp NULL, AT_NULL (2 words) */
	uint64_t nwords = 1 + argc + 1 + 1 + 2;
	uint64_t sp = ALIGN_DOWN(upage + PAGE_SIZE - used - nwords * 8, 16);
	uint64_t *w = (uint64_t *)(kpage + (sp - upage));
	*w++ = argc;
	for (unsigned i = 0; i < argc; i++)
		*w++ = uargv[i];
	*w++ = 0; /* argv end */
	*w++ = 0; /* envp end */
	*w++ = 0; /* AT_NULL */
	*w++ = 0;
	e->tf.rsp = sp;
	return 0;
}

/*
 * Load a static ELF executable into e and point it at its entry with argv.
 * Validation is sb_elf_check's (secure-bindings/elf.c). Returns 0, or an
 * error with *err naming the problem (an ELF message or an exo error).
 */
int env_load_elf(struct env *e, const void *image, uint64_t size, const char *const *argv,
		 unsigned argc, const char **err)
{
	struct sb_elf_plan plan;
	uint64_t stack_base = EXO_USTACK_TOP - EXO_USTACK_PAGES * PAGE_SIZE;
	int bad = sb_elf_check(image, size, EXO_USER_MIN, stack_base, &plan);
	if (bad) {
		*err = sb_elf_strerror(bad);
		return -EXO_EINVAL;
	}
	for (unsigned s = 0; s < plan.nseg; s++) {
		const struct sb_elf_seg *seg = &plan.seg[s];
		uint64_t start = ALIGN_DOWN(seg->vaddr, PAGE_SIZE);
		uint64_t end = ALIGN_UP(seg->vaddr + seg->memsz, PAGE_SIZE);
		for (uint64_t va = start; va < end; va += PAGE_SIZE) {
			void *kva;
			int r = map_new_page(e, va, seg->perm, &kva);
			if (r < 0) {
				*err = exo_strerror(r);
				return r;
			}
			/* bytes of the file that land in [va, va + PAGE_SIZE) */
			uint64_t lo = va > seg->vaddr ? va : seg->vaddr;
			uint64_t hi = va + PAGE_SIZE;
			if (hi > seg->vaddr + seg->filesz)
				hi = seg->vaddr + seg->filesz;
			if (lo < hi)
				memcpy((char *)kva + (lo - va),
				       (const char *)image + seg->offset + (lo - seg->vaddr), hi - lo);
		}
	}
	int r = setup_stack(e, argv, argc);
	if (r < 0) {
		*err = exo_strerror(r);
		return r;
	}
	e->tf.rip = plan.entry;
	e->status = ENV_RUNNABLE;
	return 0;
}

/* Switch this CPU to e and return to its user state. */
void env_run(struct env *e)
{
	struct cpu *c = this_cpu();
	if (c->env != e) {
		if (c->env)
			fpu_save(c->env->fpu);
		fpu_restore(e->fpu);
		c->env = e;
	}
	if (read_cr3() != e->pml4)
		write_cr3(e->pml4);
	trap_return(&e->tf);
}

/* Wake every environment waiting for console input. */
void env_wake_console(void)
{
	for (unsigned i = 1; i < NENV; i++)
		if (envs[i].status == ENV_BLOCKED_CONSOLE)
			envs[i].status = ENV_RUNNABLE;
}

struct check_ctx {
	struct env *e;
	unsigned bad;
};

static void check_leaf(void *ctx, uint64_t va, uint64_t pte)
{
	struct check_ctx *c = ctx;
	uint64_t fn = (pte & PTE_ADDR) >> PAGE_SHIFT;
	if (!(pte & PTE_U) || fn >= frames.n || frames.f[fn].owner != c->e->id) {
		kprintf("exo: invariant: env %u maps va 0x%lx to frame 0x%lx it has no right to\n",
			c->e->id, va, fn);
		c->bad++;
		return;
	}
	frames.f[fn].scratch++;
}

/*
 * The kernel invariant checker: every user mapping names a frame its env
 * owns; no free frame is mapped; each frame's reference count equals the
 * number of page-table entries naming it; nfree matches the table.
 * Prints each violation and returns how many there were.
 */
unsigned env_invariant_check(void)
{
	struct check_ctx c = {0};
	for (unsigned i = 1; i < NENV; i++) {
		if (envs[i].status == ENV_FREE)
			continue;
		c.e = &envs[i];
		pmap_walk_user(envs[i].pml4, check_leaf, &c);
	}
	uint64_t nfree = 0;
	for (uint64_t fn = 0; fn < frames.n; fn++) {
		struct frame *f = &frames.f[fn];
		if (f->owner == FRAME_FREE)
			nfree++;
		if (f->scratch != f->refs) {
			kprintf("exo: invariant: frame 0x%lx has refs %u but %u mappings\n", fn,
				f->refs, f->scratch);
			c.bad++;
		}
		f->scratch = 0;
	}
	if (nfree != frames.nfree) {
		kprintf("exo: invariant: %lu free frames counted, table says %lu\n", nfree,
			frames.nfree);
		c.bad++;
	}
	return c.bad;
}
