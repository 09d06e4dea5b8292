/*
 * fork.c - copy-on-write fork at user level (the JOS lib/fork.c pattern).
 *
 * The kernel knows nothing of processes: exo_fork builds a child from
 * exo_env_create, batched mappings into the child's address space
 * (exo_page_map_batch with as = the child), and register set-up; the
 * copying is done lazily by a page-fault handler that libexo registers in
 * the parent (and so, through the copied image, in every descendant).
 *
 * The COW mark is EXO_PERM_USER0, a PTE bit the MMU ignores. Sharing a
 * frame with a child gives the child an implicit grant on it (issued by the
 * parent); exo_frame_free on the old frame after a copy releases the
 * caller's hold (drops its grant, or hands ownership to a grantee), so a
 * parent that exits does not take its children's memory with it.
 */
#include <string.h>

#include <exo/libexo.h>

/* Kernel memory for a child: half of what the parent has left, capped. */
#define CHILD_KMEM_MAX (16ULL << 20)
#define CHILD_KMEM_MIN (64ULL << 10)

/* The context a child resumes: callee-saved registers and where
 * fork_capture returns to (System V AMD64 ABI §3.2.1). */
struct fork_ctx {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
	uint32_t mxcsr;
	uint16_t fcw;
};
_Static_assert(offsetof(struct fork_ctx, rsp) == 48 && offsetof(struct fork_ctx, mxcsr) == 64,
	       "fork_capture's offsets");

/*
 * Like setjmp: fill *c and return 0. The child starts at c->rip with c's
 * registers and rax = 1, i.e. it returns from this call a second time,
 * with 1.
 */
int fork_capture(struct fork_ctx *c) __attribute__((returns_twice));
__asm__(".text\n"
	".globl fork_capture\n"
	".type fork_capture, @function\n"
	"fork_capture:\n"
	"	movq %rbx, 0(%rdi)\n"
	"	movq %rbp, 8(%rdi)\n"
	"	movq %r12, 16(%rdi)\n"
	"	movq %r13, 24(%rdi)\n"
	"	movq %r14, 32(%rdi)\n"
	"	movq %r15, 40(%rdi)\n"
	"	leaq 8(%rsp), %rax\n" /* rsp after our ret */
	"	movq %rax, 48(%rdi)\n"
	"	movq (%rsp), %rax\n" /* our return address */
	"	movq %rax, 56(%rdi)\n"
	"	stmxcsr 64(%rdi)\n"
	"	fnstcw 68(%rdi)\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	".size fork_capture, . - fork_capture\n");

/* ------------------------------------------------------------ shared ranges */

static struct {
	uint64_t start, end;
	bool skip; /* exo_fork_skip: not copied at all */
} shares[EXO_FORK_SHARE_MAX];
static unsigned nshares;

/* Record [va, va + bytes) rounded out to pages as shared or skipped. */
static int add_range(uint64_t va, uint64_t bytes, bool skip)
{
	uint64_t start = va & ~(EXO_PAGE_SIZE - 1), end;

	if (bytes == 0 || va >= EXO_USER_MAX || bytes > EXO_USER_MAX - va)
		return -EXO_EINVAL;
	end = (va + bytes + EXO_PAGE_SIZE - 1) & ~(EXO_PAGE_SIZE - 1);
	if (nshares == EXO_FORK_SHARE_MAX)
		return -EXO_ERANGE;
	shares[nshares].start = start;
	shares[nshares].end = end;
	shares[nshares].skip = skip;
	nshares++;
	return 0;
}

int exo_fork_share(uint64_t va, uint64_t bytes)
{
	return add_range(va, bytes, false);
}

int exo_fork_skip(uint64_t va, uint64_t bytes)
{
	return add_range(va, bytes, true);
}

/* The range holding va: 1 shared, 2 skipped, 0 none. */
static int range_of(uint64_t va)
{
	for (unsigned i = 0; i < nshares; i++)
		if (va >= shares[i].start && va < shares[i].end)
			return shares[i].skip ? 2 : 1;
	return 0;
}

static bool is_shared(uint64_t va)
{
	return range_of(va) == 1;
}

void exo_prefault_write(void *buf, size_t len)
{
	uintptr_t p = (uintptr_t)buf, end = p + len;

	if (len == 0)
		return;
	for (p &= ~(uintptr_t)(EXO_PAGE_SIZE - 1); p < end; p += EXO_PAGE_SIZE) {
		volatile char *c = (volatile char *)(p < (uintptr_t)buf ? (uintptr_t)buf : p);

		*c = *c;
	}
}

/* ------------------------------------------------------------ the COW fault handler */

/* EXO_PERM_* for a PTE's R/W/X bits (every user PTE is readable). */
static uint64_t pte_perm(uint64_t pte)
{
	uint64_t perm = EXO_PERM_R;

	if (pte & EXO_PTE_W)
		perm |= EXO_PERM_W;
	if (!(pte & EXO_PTE_NX))
		perm |= EXO_PERM_X;
	return perm;
}

static void cow_fail(uint64_t va, const char *what, long err)
{
	char num[24];
	unsigned n = 0;

	do {
		num[n++] = "0123456789abcdef"[va & 15];
		va >>= 4;
	} while (va != 0 && n < 16);
	exo_cons_puts("exo: copy-on-write fault at va 0x");
	while (n > 0) {
		char c[2] = { num[--n], '\0' };

		exo_cons_puts(c);
	}
	exo_cons_puts(": ");
	exo_cons_puts(what);
	exo_cons_puts(": ");
	exo_cons_puts(exo_strerror(err));
	exo_cons_puts("\r\n");
}

/*
 * A write to a present page marked USER0: give this environment its own
 * writable copy. Writes nothing outside the exception stack, the scratch
 * page and the faulting page, so it cannot fault on COW memory itself.
 * The environment id is asked of the kernel, not cached: a cached id would
 * be wrong in a child.
 */
static bool cow_fault(struct exo_upcall_frame *f, void *ctx)
{
	uint64_t va = f->fault_va & ~(EXO_PAGE_SIZE - 1), pte, old, perm, scratch;
	const volatile struct exo_frame_info *fi;
	long fresh, r;

	(void)ctx;
	if ((f->error & (EXO_PF_PRESENT | EXO_PF_WRITE)) != (EXO_PF_PRESENT | EXO_PF_WRITE))
		return false;
	pte = exo_uvpt_pte(va);
	if (!(pte & EXO_PTE_P) || !(pte & EXO_PTE_USER0))
		return false;
	old = EXO_PTE_FRAME(pte);
	perm = pte_perm(pte) | EXO_PERM_W;

	/* Sole holder (the other side copied already, or exited): no copy. */
	fi = exo_frame_info(old);
	if (fi->owner == (uint32_t)exo_env_id() && fi->grants == 0 && fi->refs == 1 &&
	    exo_page_protect(EXO_AS_SELF, va, perm) == 0)
		return true;

	fresh = exo_frame_alloc(EXO_FRAME_ANY, 0);
	if (fresh < 0) {
		cow_fail(va, "no frame for the copy", fresh);
		return false;
	}
	scratch = EXO_COW_SCRATCH + ((EXO_XSTACK_TOP - (uint64_t)f) / EXO_UPCALL_LEVEL_MIN) %
					    EXO_COW_SLOTS * EXO_PAGE_SIZE;
	r = exo_page_map(EXO_AS_SELF, scratch, (uint64_t)fresh, EXO_PERM_R | EXO_PERM_W);
	if (r < 0) {
		exo_frame_free((uint64_t)fresh);
		cow_fail(va, "cannot map the scratch page", r);
		return false;
	}
	memcpy((void *)scratch, (const void *)va, EXO_PAGE_SIZE);
	r = exo_page_map(EXO_AS_SELF, va, (uint64_t)fresh, perm);
	exo_page_unmap(EXO_AS_SELF, scratch);
	if (r < 0) {
		exo_frame_free((uint64_t)fresh);
		cow_fail(va, "cannot map the copy", r);
		return false;
	}
	/* Release our hold on the old frame. EXO_EBUSY: we still map it at
	 * another address, and keep the hold. */
	exo_frame_free(old);
	return true;
}

/* ------------------------------------------------------------ building the child */

/* Pending updates, flushed EXO_MAP_BATCH_MAX at a time: the child's first,
 * then the parent's (see flush). */
static struct exo_map_op child_ops[EXO_MAP_BATCH_MAX], parent_ops[EXO_MAP_BATCH_MAX];
static unsigned nchild, nparent;

/*
 * Apply the pending updates. The child's mappings go first: until the
 * parent's pages are read-only its writes reach the shared frames, and
 * after the parent's protect they copy. Between the two calls the parent
 * writes only its own stack below the context the child resumes, and these
 * op arrays, whose contents the child never reads.
 *
 * A queued op is only right while the page still holds the frame it was
 * queued with: a COW copy in between (a write by the walk to a page that
 * was COW already) would leave the op naming a frame we no longer hold.
 * prefault_walk makes the walk's own pages private first; this check
 * turns anything it missed into an error instead of a wrong child.
 */
static long flush(uint64_t child)
{
	long r = 0;

	for (unsigned i = 0; i < nchild; i++)
		if (EXO_PTE_FRAME(exo_uvpt_pte(child_ops[i].va)) != child_ops[i].frame) {
			nchild = nparent = 0;
			return -EXO_EAGAIN;
		}
	if (nchild > 0)
		r = exo_page_map_batch(child, child_ops, nchild);
	if (r >= 0 && nparent > 0)
		r = exo_page_map_batch(EXO_AS_SELF, parent_ops, nparent);
	nchild = nparent = 0;
	return r < 0 ? r : 0;
}

/* Queue the mapping of the page at va (PTE pte) into the child. */
static long dup_page(uint64_t child, uint64_t va, uint64_t pte)
{
	uint64_t perm = pte_perm(pte);
	/* A shared-range page that is COW already (marked shared after an
	 * earlier fork) stays COW: shared read-only, nobody could write it. */
	bool cow = (pte & EXO_PTE_USER0) || ((pte & EXO_PTE_W) && !is_shared(va));

	if (cow) {
		perm = (perm & ~EXO_PERM_W) | EXO_PERM_USER0;
		if (!(pte & EXO_PTE_USER0) || (pte & EXO_PTE_W))
			parent_ops[nparent++] = (struct exo_map_op){ .va = va,
								     .perm = (uint32_t)perm,
								     .kind = EXO_MAP_PROTECT };
	}
	child_ops[nchild++] = (struct exo_map_op){
		.va = va, .frame = EXO_PTE_FRAME(pte), .perm = (uint32_t)perm, .kind = EXO_MAP_MAP
	};
	return nchild == EXO_MAP_BATCH_MAX ? flush(child) : 0;
}

/* Walk every present user page below EXO_USER_MAX through the UVPT window,
 * skipping absent upper levels whole, and duplicate it into the child. */
static long dup_address_space(uint64_t child)
{
	const uint64_t l4 = 1ULL << 39, l3 = 1ULL << 30, l2 = 1ULL << 21;
	long r;

	nchild = nparent = 0;
	for (uint64_t a4 = 0; a4 < EXO_USER_MAX; a4 += l4) {
		if (!(exo_uvpt_pml4e(a4) & EXO_PTE_P))
			continue;
		for (uint64_t a3 = a4; a3 < a4 + l4; a3 += l3) {
			if (!(exo_uvpt_pdpte(a3) & EXO_PTE_P))
				continue;
			for (uint64_t a2 = a3; a2 < a3 + l3; a2 += l2) {
				uint64_t pde = exo_uvpt_pde(a2);

				if (!(pde & EXO_PTE_P) || (pde & EXO_PTE_PS))
					continue;
				for (uint64_t va = a2; va < a2 + l2; va += EXO_PAGE_SIZE) {
					uint64_t pte = exo_uvpt_pte_raw(va);

					if (!(pte & EXO_PTE_P) ||
					    (va >= EXO_LIBEXO_BOTTOM && va < EXO_LIBEXO_TOP) ||
					    range_of(va) == 2)
						continue;
					r = dup_page(child, va, pte);
					if (r < 0)
						return r;
				}
			}
		}
	}
	return flush(child);
}

/* A fresh exception stack for the child, owned by the child. */
static long give_xstack(uint64_t child)
{
	for (unsigned i = 0; i < EXO_XSTACK_PAGES; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0), r;

		if (f < 0)
			return f;
		r = exo_page_map(child, EXO_XSTACK_BOTTOM + i * EXO_PAGE_SIZE, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W);
		if (r == 0)
			r = exo_frame_transfer((uint64_t)f, child);
		if (r < 0) {
			exo_page_unmap(child, EXO_XSTACK_BOTTOM + i * EXO_PAGE_SIZE);
			exo_frame_free((uint64_t)f);
			return r;
		}
	}
	return exo_env_set_entry(child, EXO_ENTRY_EXCEPTION, (uint64_t)exo_exception_entry,
				 EXO_XSTACK_TOP);
}

/*
 * Make private (take the COW faults now) every page the walk writes: the
 * op arrays and counters, and the stack below this frame, where the walk's
 * own frames will lie (8 KiB: far more than they take). Writing below rsp
 * is safe: upcalls use their own stacks, and the values are unchanged.
 */
static void __attribute__((noinline)) prefault_walk(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	exo_prefault_write(child_ops, sizeof child_ops);
	exo_prefault_write(parent_ops, sizeof parent_ops);
	exo_prefault_write(&nchild, sizeof nchild);
	exo_prefault_write(&nparent, sizeof nparent);
	exo_prefault_write((void *)(sp - 8192), 8192);
}

static bool cow_registered;

/* The parent's half of exo_fork; noinline so that its frame lies below the
 * context the child resumes (which must not change until the stack page is
 * protected). */
static long __attribute__((noinline)) fork_parent(const struct fork_ctx *c, bool stopped)
{
	const volatile struct exo_env_info *me = exo_env_info((uint64_t)exo_env_id());
	struct exo_regs regs;
	uint64_t left, kmem;
	long child, r;

	if (me == NULL)
		return -EXO_EBADENV;
	if (!cow_registered) {
		r = exo_add_fault_handler(1u << 14, cow_fault, NULL);
		if (r < 0)
			return r;
		cow_registered = true; /* before the walk: the child must see it */
	}
	/* For fs_base and gs_base. The kernel takes no COW faults: in a forked
	 * env this stack page may still be COW. */
	exo_prefault_write(&regs, sizeof regs);
	r = exo_env_get_regs(EXO_ENV_SELF, &regs);
	if (r < 0)
		return r;
	left = me->kmem_limit > me->kmem_used ? me->kmem_limit - me->kmem_used : 0;
	kmem = left / 2 < CHILD_KMEM_MAX ? left / 2 : CHILD_KMEM_MAX;
	if (kmem < CHILD_KMEM_MIN)
		return -EXO_ENOMEM;
	child = exo_env_create(kmem);
	if (child < 0)
		return child;
	/* Pass on our rights; a kernel that refuses some leaves the child without. */
	if (me->rights != 0 && exo_env_grant_rights((uint64_t)child, me->rights) < 0)
		for (unsigned b = 0; b < 32; b++)
			if (me->rights >> b & 1)
				exo_env_grant_rights((uint64_t)child, 1u << b);

	r = give_xstack((uint64_t)child);
	if (r >= 0) {
		prefault_walk();
		r = dup_address_space((uint64_t)child);
	}
	if (r < 0)
		goto fail;
	regs.rax = 1;
	regs.rbx = c->rbx;
	regs.rbp = c->rbp;
	regs.r12 = c->r12;
	regs.r13 = c->r13;
	regs.r14 = c->r14;
	regs.r15 = c->r15;
	regs.rsp = c->rsp;
	regs.rip = c->rip;
	regs.rflags = 0x202; /* IF; DF clear as at any call */
	r = exo_env_set_regs((uint64_t)child, &regs);
	if (r >= 0 && !stopped)
		r = exo_env_set_status((uint64_t)child, EXO_ENV_RUNNABLE);
	if (r >= 0)
		return child;
fail:
	exo_env_destroy((uint64_t)child);
	return r;
}

/* The child's first steps, before exo_fork returns 0 in it. */
static long fork_child(const struct fork_ctx *c)
{
	uint32_t mxcsr = c->mxcsr;
	uint16_t fcw = c->fcw;

	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
	__asm__ volatile("fldcw %0" ::"m"(fcw));
	exo_pct_forget();
	return 0;
}

/* Both entry points: fork_capture must be called from the function whose
 * frame the child resumes, so each has its own copy of these lines. */
long exo_fork(void)
{
	struct fork_ctx c;

	if (fork_capture(&c) != 0)
		return fork_child(&c);
	return fork_parent(&c, false);
}

long exo_fork_stopped(void)
{
	struct fork_ctx c;

	if (fork_capture(&c) != 0)
		return fork_child(&c);
	return fork_parent(&c, true);
}
