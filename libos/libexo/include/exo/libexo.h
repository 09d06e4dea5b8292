/*
 * libexo.h - the parts every library OS builds on, above the raw call stubs
 * of exo/calls.h: the kernel's read-only windows, user-level exception
 * handling (Aegis/JOS upcalls) with handler multiplexing, visible-revocation
 * multiplexing, copy-on-write fork (the JOS lib/fork.c pattern), protected
 * control transfer (Aegis PCT), and cooperative user-level threads.
 *
 * Results follow the kernel's convention: >= 0 on success, -EXO_E* on
 * failure (exo/error.h). Nothing here uses stdio, so it is safe inside
 * exception handlers that interrupt printf.
 *
 * Address space: libexo keeps its per-environment stacks in the 1 MiB gap
 * the UNIX libOS leaves between its heap limit and the program stack
 * (EXO_USTACK_TOP - 64 KiB - 1 MiB .. EXO_USTACK_TOP - 64 KiB), top down:
 *
 *   EXO_LIBEXO_TOP - 1 page .. EXO_LIBEXO_TOP      guard below the program stack
 *   EXO_XSTACK_TOP - 64 KiB .. EXO_XSTACK_TOP      exception stack (16 pages)
 *   one page                                       guard (unmapped)
 *   EXO_PCTSTACK_TOP - 64 KiB .. EXO_PCTSTACK_TOP  PCT stack (16 pages)
 *   one page                                       guard (unmapped)
 *   EXO_COW_SCRATCH .. + EXO_COW_SLOTS pages       copy-on-write scratch pages
 *   EXO_LIBEXO_BOTTOM
 *
 * A libOS heap must stay below EXO_LIBEXO_BOTTOM (the UNIX heap stops at
 * 0x7efeffef0000, about 550 KiB below it). exo_fork never copies this
 * region: each environment has its own.
 */
#ifndef EXO_LIBEXO_H
#define EXO_LIBEXO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/calls.h>
#include <exo/types.h>

/* ------------------------------------------------------------ layout */

#define EXO_LIBEXO_TOP	    (EXO_USTACK_TOP - EXO_USTACK_PAGES * EXO_PAGE_SIZE - EXO_PAGE_SIZE)
#define EXO_XSTACK_PAGES    16
#define EXO_XSTACK_TOP	    EXO_LIBEXO_TOP
#define EXO_XSTACK_BOTTOM   (EXO_XSTACK_TOP - EXO_XSTACK_PAGES * EXO_PAGE_SIZE)
#define EXO_PCTSTACK_PAGES  16
#define EXO_PCTSTACK_TOP    (EXO_XSTACK_BOTTOM - EXO_PAGE_SIZE)
#define EXO_PCTSTACK_BOTTOM (EXO_PCTSTACK_TOP - EXO_PCTSTACK_PAGES * EXO_PAGE_SIZE)
/*
 * One scratch page per possible nesting level of exception upcalls: a
 * nested upcall frame lies at least 176 (frame) + 512 (FXSAVE area) + 136
 * (EXO_UPCALL_GAP) bytes below the one it interrupted, so
 * (EXO_XSTACK_TOP - frame) / EXO_UPCALL_LEVEL_MIN differs between any two
 * live frames and names a slot no other live handler uses.
 */
#define EXO_UPCALL_LEVEL_MIN 824ULL
#define EXO_COW_SLOTS	     (EXO_UPCALL_STACK_MAX / EXO_UPCALL_LEVEL_MIN + 1)
#define EXO_COW_SCRATCH	     (EXO_PCTSTACK_BOTTOM - EXO_PAGE_SIZE - EXO_COW_SLOTS * EXO_PAGE_SIZE)
#define EXO_LIBEXO_BOTTOM    EXO_COW_SCRATCH

_Static_assert((EXO_XSTACK_PAGES * EXO_PAGE_SIZE) == EXO_UPCALL_STACK_MAX,
	       "a fault anywhere on the exception stack must count as nested");
_Static_assert((EXO_PCTSTACK_PAGES * EXO_PAGE_SIZE) == EXO_UPCALL_STACK_MAX,
	       "a PCT anywhere on the PCT stack must count as nested");
_Static_assert(EXO_USTACK_TOP - EXO_USTACK_PAGES * EXO_PAGE_SIZE - EXO_LIBEXO_BOTTOM <
		       (1ULL << 20) - 256 * 1024,
	       "libexo's region must leave room in the 1 MiB heap/stack gap");

/* ------------------------------------------------------------ read-only windows */

/* PTE bits as the window shows them (AMD APM vol. 2 §5.4). */
#define EXO_PTE_P	   (1ULL << 0)
#define EXO_PTE_W	   (1ULL << 1)
#define EXO_PTE_PS	   (1ULL << 7)
#define EXO_PTE_USER0	   (1ULL << 9) /* EXO_PERM_USER0: libexo's copy-on-write mark */
#define EXO_PTE_NX	   (1ULL << 63)
#define EXO_PTE_FRAME(pte) (((pte) >> 12) & ((1ULL << 40) - 1))

/* The page-table levels inside EXO_UVPT (recursive PML4 slot 255). */
#define EXO_UVPT_PD   (EXO_UVPT + (255ULL << 30))
#define EXO_UVPT_PDPT (EXO_UVPT_PD + (255ULL << 21))
#define EXO_UVPT_PML4 (EXO_UVPT_PDPT + (255ULL << 12))

/* The PML4, PDPT, PD and PT entries that map user va (read them top down:
 * a lower level may only be read once the one above it is present, and
 * the PT entry only under a present PD entry without PS). */
static inline uint64_t exo_uvpt_pml4e(uint64_t va)
{
	return ((const volatile uint64_t *)EXO_UVPT_PML4)[(va >> 39) & 511];
}

static inline uint64_t exo_uvpt_pdpte(uint64_t va)
{
	return ((const volatile uint64_t *)EXO_UVPT_PDPT)[(va >> 30) & 0x3ffff];
}

static inline uint64_t exo_uvpt_pde(uint64_t va)
{
	return ((const volatile uint64_t *)EXO_UVPT_PD)[(va >> 21) & 0x7ffffff];
}

static inline uint64_t exo_uvpt_pte_raw(uint64_t va)
{
	return ((const volatile uint64_t *)EXO_UVPT)[(va >> 12) & 0xfffffffffULL];
}

/*
 * The leaf PTE of user address va in the caller's address space, through
 * the EXO_UVPT window (Xok/JOS "uvpt"), or 0 if va is not mapped: any level
 * not present, or va outside [0, EXO_USER_MAX). No kernel entry.
 */
static inline uint64_t exo_uvpt_pte(uint64_t va)
{
	if (va >= EXO_USER_MAX)
		return 0;
	if (!(exo_uvpt_pml4e(va) & EXO_PTE_P) || !(exo_uvpt_pdpte(va) & EXO_PTE_P))
		return 0;
	uint64_t pde = exo_uvpt_pde(va);
	if (!(pde & EXO_PTE_P) || (pde & EXO_PTE_PS))
		return 0;
	return exo_uvpt_pte_raw(va);
}

/* The kernel's public record of frame `frame` (EXO_UFRAMES window). The
 * caller must know the frame exists (e.g. from a PTE); no bounds check. */
static inline const volatile struct exo_frame_info *exo_frame_info(uint64_t frame)
{
	return (const volatile struct exo_frame_info *)EXO_UFRAMES + frame;
}

/* The public row of environment `id` (EXO_UENVS window), or NULL if the
 * slot now holds another environment (id stale) or id is 0. The row can
 * change at any time: it is a snapshot, not a lock. */
static inline const volatile struct exo_env_info *exo_env_info(uint64_t id)
{
	const volatile struct exo_env_info *e =
		(const volatile struct exo_env_info *)EXO_UENVS + (id & (EXO_NENV - 1));
	return id != 0 && e->id == id ? e : NULL;
}

/* ------------------------------------------------------------ exceptions */

/*
 * A fault handler: return true if it dealt with the exception (the
 * interrupted context is then resumed from *f, which the handler may edit:
 * e.g. f->rip += 2 to skip a ud2), false to let the next handler try.
 * Runs on the exception stack with interrupts on; it may make kernel calls
 * and may itself fault (the fault nests below it on the same stack). It
 * must not switch user-level threads.
 */
typedef bool (*exo_fault_fn)(struct exo_upcall_frame *f, void *ctx);

/* Most handlers one environment can register with exo_add_fault_handler. */
#define EXO_FAULT_HANDLERS_MAX 16

/*
 * Give this environment an exception stack and register libexo's upcall
 * entry with the kernel (exo_env_set_entry, EXO_ENTRY_EXCEPTION). Maps
 * EXO_XSTACK_PAGES fresh frames read-write below EXO_XSTACK_TOP; the page
 * below stays unmapped as a guard. Idempotent: later calls return 0.
 * exo_add_fault_handler calls it, so libOSes rarely need to.
 * Errors: -EXO_ENOMEM (no frame or page-table memory), or any error of
 * exo_env_set_entry; nothing is left mapped on failure.
 */
int exo_exception_init(void);

/*
 * Register fn(frame, ctx) for the exception vectors in vector_mask (bit v =
 * vector v, 0..31; EXO_PF_* in frame->error for page faults). Handlers are
 * tried in registration order until one returns true, so independent
 * libraries (COW fork, a garbage collector, a demand pager) share one
 * environment's upcall (Aegis's exception dispatch, JOS's
 * set_pgfault_handler generalised). If none handles an exception, libexo
 * prints "exo: env ID (NAME): unhandled EXCEPTION at rip 0x.. (va 0x..)"
 * and destroys the environment. Calls exo_exception_init first.
 * Errors: -EXO_EINVAL (fn NULL or mask 0), -EXO_ERANGE (already
 * EXO_FAULT_HANDLERS_MAX handlers), or exo_exception_init's errors.
 */
int exo_add_fault_handler(uint32_t vector_mask, exo_fault_fn fn, void *ctx);

/* The standard short name of exception vector v ("page fault", ...). */
const char *exo_exception_name(uint64_t v);

/*
 * Resume the context saved in *f without entering the kernel: f->rip is
 * written to the word at f->rsp - 8, all general registers and rflags are
 * restored from *f, rsp becomes f->rsp - 8 and a ret pops the rip (the
 * EXO_UPCALL_GAP and -mno-red-zone keep that word free). Consumes *f (its
 * rsp slot is overwritten). x87/SSE state is the caller's business.
 */
void exo_upcall_resume(const struct exo_upcall_frame *f) __attribute__((noreturn));

/* The upcall entry points the kernel jumps to (upcall.S); not C-callable. */
void exo_exception_entry(void);
void exo_pct_entry(void);

/* ------------------------------------------------------------ revocation */

/*
 * A revocation handler: release up to frames_wanted frames (unmap and
 * exo_frame_free them) and return how many it released. A return above
 * frames_wanted is counted as released all the same.
 */
typedef uint64_t (*exo_revoke_fn)(uint64_t frames_wanted, void *ctx);

#define EXO_REVOKE_HANDLERS_MAX 16

/*
 * Register fn as one of this environment's sources of frames for visible
 * revocation (Engler et al., SOSP'95 §3.4: the libOS, not the kernel,
 * chooses what to give back), with weight > 0 setting its share.
 * Errors: -EXO_EINVAL (fn NULL or weight 0), -EXO_ERANGE (table full).
 */
int exo_add_revocation_handler(exo_revoke_fn fn, void *ctx, unsigned weight);

/*
 * Ask the registered handlers for frames_wanted frames in all; returns the
 * number they released. Pure libOS policy (the kernel asks only for a
 * number of frames; see exo_revocation_serve), exactly:
 *
 * 1. Proportional share: with W the sum of all weights, handler i is asked
 *    for floor(frames_wanted * w_i / W); the remainder
 *    frames_wanted - sum(shares) goes one frame each to the first handlers
 *    in registration order. Handlers with share 0 are not called.
 * 2. If the handlers released fewer than frames_wanted, the deficit is split
 *    the same way (floor by weight, remainder to the first) among the
 *    handlers that released at least their share in step 1 (including those
 *    asked for 0), each called once more if its new share is > 0.
 *
 * No further passes. Returns 0 at once for frames_wanted 0 or no handlers.
 */
uint64_t exo_dispatch_revocation(uint64_t frames_wanted);

/*
 * Answer the kernel's revocation upcalls (docs/revocation.md) with the
 * handlers above: map `pages` (1..EXO_GUARANTEED_FRAMES) fresh frames
 * below stack_top (page-aligned) as the upcall's stack, put them in the
 * guaranteed set (an abort cannot take the stack the answer runs on), and
 * register exo_revoke_entry for EXO_ENTRY_REVOKE: each request then runs
 * exo_dispatch_revocation(frames asked) and resumes what it interrupted.
 * The handlers run at any moment the environment is in ring 3, so they
 * must not touch state the interrupted code may be changing. Errors:
 * -EXO_EINVAL (pages, alignment), or those of exo_frame_alloc,
 * exo_page_map, exo_frame_guarantee and exo_env_set_entry (pages already
 * mapped stay mapped).
 */
int exo_revocation_serve(uint64_t stack_top, unsigned pages);

/* ------------------------------------------------------------ fork */

/*
 * Copy-on-write fork (the JOS lib/fork.c pattern on this kernel's calls).
 * Creates a child with exo_env_create, giving it half of the caller's
 * remaining kernel-memory quota (EXO_UENVS kmem_limit - kmem_used), at most
 * 16 MiB; walks the caller's address space below EXO_USER_MAX through the
 * UVPT window, skipping libexo's region; maps every present page into the
 * child with exo_page_map_batch (EXO_MAP_BATCH_MAX ops per call):
 * writable and already-COW pages read-only with EXO_PERM_USER0 (the COW
 * mark) in both child and parent, read-only pages shared read-only, pages
 * in exo_fork_share ranges shared with the parent's permissions. The child
 * gets its own exception stack, the parent's fault handlers (they live in
 * the copied image), the parent's rights as far as the kernel lets the
 * parent delegate them (exo_env_grant_rights), and starts inside exo_fork
 * returning 0 with the parent's callee-saved registers, MXCSR and x87
 * control word. It does not inherit a PCT entry (exo_pct_serve again).
 * The first call registers the COW fault handler: a write to a USER0 page
 * copies it to a fresh frame (or just makes it writable when the caller is
 * its only holder) and releases the old frame with exo_frame_free.
 *
 * The kernel does not take COW faults for its own writes: buffers the
 * kernel writes (exo_cons_read, exo_env_get_regs) must be made writable
 * first, see exo_prefault_write.
 *
 * Returns the child's env id in the parent, 0 in the child, or -EXO_ENOMEM
 * (quota below 64 KiB, no frames), or an error of the calls above (the
 * half-made child is destroyed; the caller's pages stay COW, which is
 * harmless).
 */
long exo_fork(void);

/*
 * exo_fork, but the child is left EXO_ENV_NOT_RUNNABLE: the caller finishes
 * setting it up (or has someone do it) and starts it with
 * exo_env_set_status. Same results and errors as exo_fork.
 */
long exo_fork_stopped(void);

/* Most ranges exo_fork_share and exo_fork_skip can hold, together. */
#define EXO_FORK_SHARE_MAX 8

/*
 * Mark [va, va + bytes) (rounded out to pages) as shared memory: exo_fork
 * maps these pages into children with the parent's permissions (R/W/X,
 * without USER0), so writes on either side are seen by both (JOS's
 * PTE_SHARE). The pages must be mapped when exo_fork runs; unmapped ones
 * are skipped, and pages that are COW already (from a fork before they
 * were marked) stay COW. Errors: -EXO_EINVAL (bytes 0, or the range
 * leaves the user range), -EXO_ERANGE (EXO_FORK_SHARE_MAX ranges already).
 */
int exo_fork_share(uint64_t va, uint64_t bytes);

/*
 * Mark [va, va + bytes) (rounded out to pages) as private to this
 * environment: exo_fork leaves it out of children altogether (e.g. a page
 * another environment maps into each process). Errors as exo_fork_share.
 */
int exo_fork_skip(uint64_t va, uint64_t bytes);

/*
 * Make every page of [buf, buf + len) privately writable by writing to it
 * (taking the COW faults now), so that a kernel call may write there.
 * Pages must be mapped and meant to be writable.
 */
void exo_prefault_write(void *buf, size_t len);

/* ------------------------------------------------------------ PCT */

/* What a PCT handler receives (built by exo_pct_entry on the PCT stack). */
struct exo_pct_msg {
	uint64_t sender; /* the caller's env id, from the kernel */
	uint64_t w[4];	 /* the four message words */
	uint64_t grant;	 /* EXO_PCT_GRANT(frame, perm) the caller passed, or 0 */
	uint64_t flags;	 /* EXO_PCT_SYNC for exo_pct_call, 0 for exo_pct_send */
	const struct exo_upcall_frame *frame; /* the interrupted context */
};
_Static_assert(sizeof(struct exo_pct_msg) == 64, "exo_pct_entry builds it");

typedef void (*exo_pct_fn)(const struct exo_pct_msg *m);

/*
 * Serve protected control transfers (Aegis PCT; Engler et al., SOSP'95
 * §5.3): map a PCT stack (EXO_PCTSTACK_PAGES pages below
 * EXO_PCTSTACK_TOP, guard page below, once), register exo_pct_entry with
 * exo_env_set_entry(EXO_ENTRY_PCT) and set the accept policy
 * (EXO_PCT_ANY | EXO_PCT_PARENT | EXO_PCT_CHILDREN) with exo_pct_accept.
 * Each PCT then runs fn(msg) on the PCT stack, interrupting whatever the
 * environment was doing (typically blocked in exo_pct_wait, which then
 * returns 0); the interrupted context resumes after fn returns.
 *
 * fn answers with exo_pct_return. The answer is sent (exo_pct_reply, call
 * 26) when fn returns, as the handler's last act; if fn gave none, the
 * default is sent: w0 = (uint64_t)-EXO_ENOSYS to a synchronous caller,
 * all zero to end an asynchronous send's busy state. Replying last means a
 * client calling again at once takes over the finished call's stack space
 * rather than nesting below it. fn may instead call the raw exo_pct_reply
 * stub and go on working; the default reply that follows is then refused
 * by the kernel (-EXO_EINVAL, nothing pending) and ignored.
 *
 * Calling it again replaces fn and policy. Errors: -EXO_EINVAL (fn NULL or
 * unknown policy bits), -EXO_ENOMEM, or those of exo_env_set_entry.
 */
int exo_pct_serve(exo_pct_fn fn, uint64_t policy);

/*
 * Set the answer to the PCT being handled (innermost, if calls nest): the
 * four words reach a synchronous caller (exo_pct_call_msg's w) when the
 * handler returns. Later calls overwrite earlier ones. Returns 0, or
 * -EXO_EINVAL outside a PCT handler. Whether the caller is still there
 * (the kernel's -EXO_EBADENV) is not reported.
 */
long exo_pct_return(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3);

/*
 * Synchronous PCT with the reply words: calls `target` with w[0..3] and
 * grant (EXO_PCT_GRANT(frame, perm) or 0) through exo_pct_call (call 24),
 * and on success stores the four reply words back into w[0..3] (the kernel
 * returns them in rdi, rsi, rdx, r10, which the generated stub drops).
 * Returns 0, or -EXO_EBADENV (no such target), -EXO_EPERM (no PCT entry,
 * or the target does not accept the caller), -EXO_EAGAIN (target busy);
 * w is unchanged on error.
 */
static inline long exo_pct_call_msg(uint64_t target, uint64_t w[4], uint64_t grant)
{
	register uint64_t rdi __asm__("rdi") = target;
	register uint64_t rsi __asm__("rsi") = w[0];
	register uint64_t rdx __asm__("rdx") = w[1];
	register uint64_t r10 __asm__("r10") = w[2];
	register uint64_t r8 __asm__("r8") = w[3];
	register uint64_t r9 __asm__("r9") = grant;
	long ret = 24; /* exo_pct_call, exo/abi.h */

	__asm__ volatile("syscall"
			 : "+a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 :
			 : "rcx", "r11", "memory");
	if (ret == 0) {
		w[0] = rdi;
		w[1] = rsi;
		w[2] = rdx;
		w[3] = r10;
	}
	return ret;
}

/*
 * Stop serving PCTs: unregister the entry (exo_env_set_entry with rip 0)
 * and forget the handler. The PCT stack stays mapped for a later
 * exo_pct_serve. Returns 0 or the kernel's error.
 */
int exo_pct_stop(void);

/* ------------------------------------------------------------ threads */

/* Most threads (the initial one included) alive or unjoined at once. */
#define EXO_THREAD_MAX 64
/* Stack of each created thread, bytes (from malloc). */
#define EXO_THREAD_STACK (64 * 1024)

/*
 * Cooperative user-level threads inside one environment (the Aegis/Xok
 * "threads are a libOS abstraction" position): round-robin, switching only
 * in exo_thread_yield, exo_thread_join and exo_thread_exit. A switch saves
 * the callee-saved registers, rsp, MXCSR and the x87 control word (System
 * V AMD64 ABI §3.2.1: the rest is caller-saved). The initial thread has id
 * 1 and needs no setup. Not for use in exception or PCT handlers.
 *
 * exo_thread_create: start fn(arg) in a new thread with an
 * EXO_THREAD_STACK-byte stack, clean MXCSR (0x1f80) and x87 control word
 * (0x37f); it runs at the caller's next switch. Returning from fn is
 * exo_thread_exit. Returns the new id (> 1), or -EXO_EINVAL (fn NULL),
 * -EXO_ERANGE (EXO_THREAD_MAX threads), -EXO_ENOMEM (no stack).
 */
long exo_thread_create(void (*fn)(void *), void *arg);

/* Let the next ready thread in round-robin order run; returns when this
 * one's turn comes again (at once if no other is ready). */
void exo_thread_yield(void);

/*
 * End the calling thread. Its stack is freed when it is joined. If no other
 * thread can ever run again (none ready, none blocked), the environment is
 * destroyed (exo_env_destroy): a libOS wanting exit() semantics calls its
 * own exit instead.
 */
void exo_thread_exit(void) __attribute__((noreturn));

/*
 * Wait until thread id has ended, then release it. Returns 0, or
 * -EXO_EINVAL (no such thread, or id is the caller), -EXO_EBUSY (another
 * thread is already joining it), -EXO_EAGAIN (it has not ended and no other
 * thread is ready to run: waiting would deadlock).
 */
int exo_thread_join(long id);

/* The calling thread's id (1 for the initial thread). */
long exo_thread_self(void);

/* ------------------------------------------------------------ libexo internals */

/* Called by exo_exception_entry / exo_pct_entry (upcall.S). */
void exo_dispatch_exception(struct exo_upcall_frame *f);
void exo_dispatch_pct(const struct exo_pct_msg *m);
void exo_dispatch_revoke(struct exo_upcall_frame *f);
void exo_revoke_entry(void);
/* exo_fork's child forgets the parent's PCT service (pct.c). */
void exo_pct_forget(void);
/* Write s to the console without stdio (exception.c). */
void exo_cons_puts(const char *s);

/* ------------------------------------------------------------ disk */

/*
 * Move nblocks (1..EXO_DISK_MAX_BLOCKS) 4 KiB blocks from block on between
 * the disk and the page-aligned buffer va, and wait for the device:
 * op EXO_DISK_READ or EXO_DISK_WRITE (exo_disk_io with one request, then
 * exo_wait on its status word; a READ buffer is made privately writable
 * first, see exo_prefault_write). Returns 0, or the error of exo_disk_io
 * or of the transfer (-EXO_EIO); docs/abi.md lists them.
 */
long exo_disk_rw(uint32_t op, uint64_t block, uint32_t nblocks, void *va);

/* Make every completed write and every ownership change durable
 * (EXO_DISK_FLUSH). Returns 0 or a negative exo error. */
long exo_disk_flush(void);

/* ------------------------------------------------------------ modules */

/* The data boot module named name ("data:NAME" on its command line), as
 * listed in the sysinfo window, or NULL. */
const struct exo_module *exo_module_find(const char *name);

/*
 * Map data module m read-only at va (page-aligned; the pages must be free)
 * and return va as a pointer, or NULL. Only the environment that owns the
 * modules' frames (the first boot program, struct exo_sysinfo.owner) or
 * one it granted them to can map them.
 */
const void *exo_module_map(const struct exo_module *m, uint64_t va);

#endif
