/*
 * env.c - creating, loading, running and destroying environments.
 *
 * Environment ids carry a generation count in their upper bits, bumped
 * each time a slot is reused, so a stale id never names a newer env.
 */
#include "kernel.h"
#include "block.h"
#include "env.h"
#include "gas.h"
#include "pmap.h"
#include "revoke.h"
#include "smp.h"
#include "spinlock.h"
#include "arch/x86_64/lapic.h"
#include "uaccess.h"
#include "elf.h"
#include "grant.h"

#include <exo/layout.h>

struct env envs[NENV];
/* The public env table, mapped read-only into every env at EXO_UENVS. */
struct exo_env_info env_info[NENV] __attribute__((aligned(4096)));
static uint32_t generation[NENV];

/* Charge bytes of kernel memory to e. Returns 0, or -EXO_ENOMEM if that
 * would exceed its quota. */
int kmem_charge(struct env *e, uint64_t bytes)
{
	if (bytes > e->kmem_limit - e->kmem_used)
		return -EXO_ENOMEM;
	e->kmem_used += bytes;
	env_info[e->id & (NENV - 1)].kmem_used = e->kmem_used;
	return 0;
}

/* Give back bytes charged to env id (nothing if it no longer exists). */
void kmem_uncharge(uint32_t id, uint64_t bytes)
{
	struct env *e = env_lookup(id);
	if (!e)
		return;
	assert(e->kmem_used >= bytes);
	e->kmem_used -= bytes;
	env_info[id & (NENV - 1)].kmem_used = e->kmem_used;
}

/* Copy e's public fields into the read-only env table. */
void env_publish(const struct env *e)
{
	/* Built aside and copied whole, so a reader on another CPU never
	 * sees the row half-cleared (an empty name, say). */
	struct exo_env_info row = {
		.id = e->id,
		.status = e->status,
		.parent = e->parent,
		.rights = e->rights,
		.kmem_limit = e->kmem_limit,
		.kmem_used = e->kmem_used,
		.pct_accept = e->entry[EXO_ENTRY_PCT].rip ? e->pct_accept : 0,
		.cpu = e->oncpu ? e->oncpu - 1 : ~0u,
	};
	memcpy(row.name, e->name, sizeof(row.name));
	memcpy(&env_info[e->id & (NENV - 1)], &row, sizeof(row));
}

/* A free slot, initialised with a new id, the given name and a clean
 * register state and XSAVE area (not yet charged to anyone), or NULL. */
static struct env *slot_alloc(const char *name)
{
	for (unsigned i = 1; i < NENV; i++) {
		struct env *e = &envs[i];
		if (e->status != EXO_ENV_FREE)
			continue;
		void *fpu = kalloc_page();
		if (!fpu)
			return NULL;
		if (++generation[i] >= (1u << (32 - ENV_INDEX_BITS)) - 1)
			generation[i] = 1;
		memset(e, 0, sizeof(*e));
		e->id = generation[i] << ENV_INDEX_BITS | i;
		e->status = EXO_ENV_NOT_RUNNABLE;
		size_t n = strlen(name);
		if (n >= sizeof(e->name))
			n = sizeof(e->name) - 1;
		memcpy(e->name, name, n);
		e->tf.cs = USER_CS;
		e->tf.ss = USER_DS;
		e->tf.rflags = RFLAGS_IF | RFLAGS_RESERVED1;
		e->fpu = fpu;
		fpu_init_area(fpu);
		return e;
	}
	return NULL;
}

static void slot_free(struct env *e)
{
	kfree_page(e->fpu);
	memset(&env_info[e->id & (NENV - 1)], 0, sizeof(struct exo_env_info));
	memset(e, 0, sizeof(*e));
}

/*
 * A fresh environment with an empty address space, not yet runnable, with
 * a kernel-memory quota of kmem bytes (the caller has charged it to
 * parent, if any). Returns NULL when no slot, memory or quota is left.
 */
struct env *env_alloc(struct env *parent, const char *name, uint64_t kmem)
{
	struct env *e = slot_alloc(name);
	if (!e)
		return NULL;
	e->parent = parent ? parent->id : 0;
	e->quota_from = e->parent;
	e->kmem_limit = kmem;
	if (kmem < ENV_BASE_KMEM || kmem_charge(e, 2 * PAGE_SIZE) < 0 || pmap_create(e) < 0) {
		slot_free(e);
		return NULL;
	}
	env_publish(e);
	return e;
}

/*
 * Another execution context of environment p: it shares p's address
 * space, frames, rights, quota and identity, has its own registers,
 * entry points and blocking state, and is scheduled on its own, so p can
 * run on several CPUs at once. Charged to p (its slot and XSAVE page).
 * Returns NULL when no slot, memory or quota is left.
 */
struct env *env_alloc_ctx(struct env *p)
{
	if (kmem_charge(p, 2 * PAGE_SIZE) < 0)
		return NULL;
	struct env *x = slot_alloc(p->name);
	if (!x) {
		kmem_uncharge(p->id, 2 * PAGE_SIZE);
		return NULL;
	}
	x->home = p;
	x->parent = p->id;
	x->pml4 = p->pml4;
	env_publish(x);
	return x;
}

/* The live environment with this id, or NULL (stale, free or malformed). */
struct env *env_lookup(uint32_t id)
{
	uint32_t i = id & (NENV - 1);
	if (i == 0 || envs[i].status == EXO_ENV_FREE || envs[i].id != id || envs[i].dying)
		return NULL;
	return &envs[i];
}

/* Settle the frames e owned: each one someone else holds a grant on passes
 * to one such holder (preferring one that maps it), so memory shared with
 * others lives on; the rest are freed. e's own mappings are gone already. */
static void settle_frames(uint32_t id)
{
	for (uint64_t fn = 0; fn < frames.n; fn++) {
		struct frame *f = &frames.f[fn];
		if (f->owner != id)
			continue;
		assert(f->owner_refs == 0);
		if (frame_pinned(fn)) {
			/* Under DMA: nobody else gets it until the transfer ends. */
			while (f->grant_head != GRANT_NONE)
				grant_revoke(f->grant_head);
			frame_orphan(fn);
			continue;
		}
		if (f->grants == 0) {
			assert(f->refs == 0);
			frame_release(&frames, fn);
			continue;
		}
		frame_pass_on(fn);
	}
}

/*
 * Destroy e: wake whoever waits on it, hand its children to its parent,
 * tear down its address space, settle its frames and grants, and return
 * its quota to whoever gave it. why, if not NULL, is printed as
 * "exo: env ID (NAME) WHY".
 */
/* If e runs on another CPU, mark it dying and make that CPU enter the
 * kernel, where it finishes the job (it is in e's address space). */
static bool defer_if_elsewhere(struct env *e)
{
	struct cpu *c = this_cpu();
	if (!e->oncpu || e->oncpu == c->id + 1)
		return false;
	e->dying = true;
	lapic_ipi(cpus[e->oncpu - 1].apic_id, T_IPI_RESCHED);
	return true;
}

static bool has_contexts(const struct env *p)
{
	for (unsigned i = 1; i < NENV; i++)
		if (envs[i].home == p)
			return true;
	return false;
}

/* Destroy extra context x now, or defer it if it runs elsewhere. Its
 * principal, if it is waiting for its contexts to go, goes after the last. */
static void ctx_destroy(struct env *x)
{
	struct cpu *c = this_cpu();
	if (defer_if_elsewhere(x))
		return;
	struct env *p = x->home;
	sched_env_gone(x);
	block_env_gone(x);
	for (unsigned i = 1; i < NENV; i++)
		if (envs[i].pct_caller == x->id)
			envs[i].pct_caller = 0;
	if (c->env == x) {
		c->env = NULL;
		x->oncpu = 0;
	}
	slot_free(x);
	kmem_uncharge(p->id, 2 * PAGE_SIZE);
	if (p->dying && !p->oncpu && !has_contexts(p))
		env_destroy(p, NULL);
}

void env_destroy(struct env *e, const char *why)
{
	struct cpu *c = this_cpu();
	uint32_t id = e->id;
	if (why)
		kprintf("exo: env %u (%s) %s\n", id, e->name, why);
	if (e->home) {
		ctx_destroy(e);
		return;
	}
	/* Its contexts go first; those running elsewhere finish later, and
	 * the last one to go completes this (ctx_destroy). */
	for (unsigned i = 1; i < NENV; i++)
		if (envs[i].home == e)
			ctx_destroy(&envs[i]);
	if (defer_if_elsewhere(e) || has_contexts(e)) {
		e->dying = true;
		return;
	}
	sched_env_gone(e);
	revoke_env_gone(e);
	block_env_gone(e);
	for (unsigned i = 1; i < NENV; i++) {
		struct env *x = &envs[i];
		if (x->status == EXO_ENV_FREE || x == e)
			continue;
		if (x->status == EXO_ENV_BLOCKED && x->block == BLOCK_PCT_REPLY &&
		    x->pct_callee == id)
			env_make_runnable(x, (uint64_t)-EXO_EBADENV);
		if (x->pct_caller == id)
			x->pct_caller = 0;
		if (x->parent == id) {
			x->parent = e->parent;
			env_publish(x);
		}
	}
	if (c->env == e) {
		c->env = NULL;
		e->oncpu = 0;
	}
	if (c->cr3 == e->pml4) {
		write_cr3(pmap_kernel_root());
		c->cr3 = pmap_kernel_root();
	}
	vcpu_env_gone(e);
	pmap_destroy(e);
	settle_frames(id);
	grant_forget_env(id);
	/* Children that got their quota from e now hold it from e's giver, who
	 * gets back only what e had not passed on. */
	uint64_t refund = e->kmem_limit;
	for (unsigned i = 1; i < NENV; i++) {
		struct env *x = &envs[i];
		if (x->status != EXO_ENV_FREE && x != e && x->quota_from == id) {
			x->quota_from = e->quota_from;
			refund -= x->kmem_limit;
		}
	}
	kmem_uncharge(e->quota_from, refund);
	slot_free(e);
}

/* Allocate, zero and map one page for e at va. */
static int map_new_page(struct env *e, uint64_t va, uint64_t perm, void **kva)
{
	int64_t fn = frame_alloc_any(&frames, e->id);
	if (fn < 0)
		return (int)fn;
	void *p = phys_to_virt((uint64_t)fn << PAGE_SHIFT);
	memset(p, 0, PAGE_SIZE);
	int r = pmap_map(e, va, (uint64_t)fn, perm);
	if (r < 0) {
		frame_release(&frames, (uint64_t)fn);
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
				       (const char *)image + seg->offset + (lo - seg->vaddr),
				       hi - lo);
		}
	}
	int r = setup_stack(e, argv, argc);
	if (r < 0) {
		*err = exo_strerror(r);
		return r;
	}
	e->tf.rip = plan.entry;
	e->status = EXO_ENV_RUNNABLE;
	env_publish(e);
	return 0;
}

/* Switch this CPU to e (runnable, not running elsewhere, or already this
 * CPU's) and return to its user state. Releases the kernel lock. */
void env_run(struct env *e)
{
	struct cpu *c = this_cpu();
	if (c->env != e) {
		assert(c->env == NULL && !e->oncpu);
		if (e->entry[EXO_ENTRY_PROLOGUE].rip)
			upcall_push(e, &e->entry[EXO_ENTRY_PROLOGUE], EXO_UPCALL_PROLOGUE, 0, 0);
		fpu_restore(e->fpu);
		wrmsr(MSR_FS_BASE, e->fs_base);
		wrmsr(MSR_KERNEL_GS_BASE, e->gs_base); /* becomes GS on the way out */
		c->env = e;
		e->oncpu = c->id + 1;
		env_info[e->id & (NENV - 1)].cpu = c->id;
	}
	if (c->cr3 != e->pml4) {
		write_cr3(e->pml4);
		c->cr3 = e->pml4;
	}
	upcalls_deliver(e);
	/* Copy the registers while the lock still keeps others off them. */
	struct trapframe tf = e->tf;
	kernel_unlock();
	trap_return(&tf);
}

/* Wake every environment waiting for console input. */
void env_wake_console(void)
{
	for (unsigned i = 1; i < NENV; i++) {
		struct env *e = &envs[i];
		if (e->status == EXO_ENV_BLOCKED && e->block == BLOCK_CONSOLE)
			env_make_runnable(e, e->tf.rax);
	}
}

/*
 * Push an upcall frame (struct exo_upcall_frame) describing e's saved
 * context onto the stack of entry point ep, and point e at the entry with
 * rsp = rdi = the frame. A context already on that stack (a fault inside
 * the handler) nests: the new frame goes EXO_UPCALL_GAP bytes below it.
 * Returns 0, or -EXO_EFAULT if the frame cannot be written.
 */
int upcall_push(struct env *e, const struct entry_point *ep, uint64_t vector, uint64_t error,
		uint64_t fault_va)
{
	struct trapframe *tf = &e->tf;
	uint64_t top = ep->rsp;
	uint64_t sp = top;
	uint64_t bottom = top > EXO_UPCALL_STACK_MAX ? top - EXO_UPCALL_STACK_MAX : 0;
	if (tf->rsp < top && tf->rsp >= bottom)
		sp = tf->rsp - EXO_UPCALL_GAP;
	sp = ALIGN_DOWN(sp - sizeof(struct exo_upcall_frame), 16);
	struct exo_upcall_frame f = {
		.vector = vector,
		.error = error,
		.fault_va = fault_va,
		.rip = tf->rip,
		.rsp = tf->rsp,
		.rflags = tf->rflags,
	};
#define COPY(r) f.r = tf->r;
	TRAPFRAME_GPRS(COPY)
#undef COPY
	if (copy_to_user(e, sp, &f, sizeof(f)) < 0)
		return -EXO_EFAULT;
	tf->rip = ep->rip;
	tf->rsp = sp;
	tf->rdi = sp;
	tf->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
	return 0;
}

struct check_ctx {
	struct env *e;
	unsigned bad;
};

static void check_leaf(void *ctx, uint64_t va, uint64_t pte)
{
	struct check_ctx *c = ctx;
	uint64_t fn = (pte & PTE_ADDR) >> PAGE_SHIFT;
	uint64_t need = pmap_pte_to_perm(pte) & (EXO_PERM_R | EXO_PERM_W | EXO_PERM_X);
	if (!(pte & PTE_U) || fn >= frames.n || (frame_rights(fn, c->e->id) & need) != need) {
		kprintf("exo: invariant: env %u maps va 0x%lx to frame 0x%lx beyond its rights\n",
			c->e->id, va, fn);
		c->bad++;
		return;
	}
	frames.f[fn].scratch++;
}

/* A guest address space's leaf may be supervisor-only (no U bit). */
static void check_gas_leaf(void *ctx, uint64_t va, uint64_t pte)
{
	check_leaf(ctx, va, pte | PTE_U);
}

static unsigned check_frame(uint64_t fn)
{
	struct frame *f = &frames.f[fn];
	unsigned bad = 0;
	unsigned grants = 0, grant_refs = 0;
	for (uint32_t g = f->grant_head; g != GRANT_NONE && grants <= f->grants;
	     g = grant_get(g)->next) {
		grants++;
		grant_refs += grant_get(g)->refs;
		if (!env_lookup(grant_get(g)->holder))
			bad++;
	}
	bool free = f->owner == FRAME_FREE;
	if (f->scratch != f->refs || grants != f->grants || f->owner_refs + grant_refs != f->refs ||
	    (free && (f->refs || f->grants)) || bad) {
		kprintf("exo: invariant: frame 0x%lx owner %u refs %u (owner %u, grants %u) but %u "
			"mappings, %u grants, %u dead holders\n",
			fn, f->owner, f->refs, f->owner_refs, grant_refs, f->scratch, grants, bad);
		bad++;
	}
	f->scratch = 0;
	return bad ? 1 : 0;
}

/*
 * The kernel invariant checker: every user mapping names a frame its env
 * has rights on with at least the mapping's permissions; no free frame is
 * mapped or granted; each frame's reference counts equal the page-table
 * entries naming it, split between owner and grant holders; grant lists
 * are consistent and name live holders; nfree matches the table; frames
 * kept for DMA are still under DMA; the block layer's own checks
 * (block_invariant_check) hold. Prints
 * each violation and returns how many there were.
 */
unsigned env_invariant_check(void)
{
	struct check_ctx c = { 0 };
	for (unsigned i = 1; i < NENV; i++) {
		if (envs[i].status == EXO_ENV_FREE || envs[i].home)
			continue; /* contexts share their principal's address space */
		c.e = &envs[i];
		pmap_walk_user(envs[i].pml4, check_leaf, &c);
		gas_walk_env(&envs[i], check_gas_leaf, &c);
	}
	uint64_t nfree = 0;
	for (uint64_t fn = 0; fn < frames.n; fn++) {
		if (frames.f[fn].owner == FRAME_FREE)
			nfree++;
		if (frames.f[fn].owner == FRAME_DMA && !frame_pinned(fn)) {
			kprintf("exo: invariant: frame 0x%lx kept for DMA that has ended\n", fn);
			c.bad++;
		}
		c.bad += check_frame(fn);
	}
	c.bad += block_invariant_check();
	if (nfree != frames.nfree) {
		kprintf("exo: invariant: %lu free frames counted, table says %lu\n", nfree,
			frames.nfree);
		c.bad++;
	}
	return c.bad;
}
