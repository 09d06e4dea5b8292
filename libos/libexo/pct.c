/*
 * pct.c - serving protected control transfers (Aegis PCT, Engler et al.
 * SOSP'95 §5.3; the LRPC idea of running the call on the server's own
 * stack without a scheduler decision).
 *
 * The kernel switches the CPU straight to the callee and enters
 * exo_pct_entry (upcall.S) on the PCT stack mapped here, which calls
 * exo_dispatch_pct with the message. The handler answers with
 * exo_pct_return; if it does not, libexo sends a default answer, so a
 * synchronous caller is never left waiting and the kernel's busy state
 * always ends. Calls nest (a PCT arriving while a handler runs after its
 * reply lands below it on the same stack), so "answered" is kept per
 * nesting level.
 */
#include <exo/libexo.h>

/* Deepest PCT nesting tracked; a 64 KiB stack holds fewer levels anyway
 * (each takes at least 176 + 136 + 64 + 512 bytes). */
#define PCT_DEPTH_MAX 80

static exo_pct_fn pct_handler;
static bool pct_stack_ready;
static unsigned pct_depth;
static bool pct_answered[PCT_DEPTH_MAX];

static int map_pct_stack(void)
{
	long r = 0;
	unsigned mapped = 0;

	if (pct_stack_ready)
		return 0;
	for (; mapped < EXO_PCTSTACK_PAGES; mapped++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0) {
			r = f;
			goto undo;
		}
		r = exo_page_map(EXO_AS_SELF, EXO_PCTSTACK_BOTTOM + mapped * EXO_PAGE_SIZE,
				 (uint64_t)f, EXO_PERM_R | EXO_PERM_W);
		if (r < 0) {
			exo_frame_free((uint64_t)f);
			goto undo;
		}
	}
	pct_stack_ready = true;
	return 0;
undo:
	while (mapped > 0) {
		uint64_t va = EXO_PCTSTACK_BOTTOM + --mapped * EXO_PAGE_SIZE;
		uint64_t f = EXO_PTE_FRAME(exo_uvpt_pte(va));

		exo_page_unmap(EXO_AS_SELF, va);
		exo_frame_free(f);
	}
	return (int)r;
}

int exo_pct_serve(exo_pct_fn fn, uint64_t policy)
{
	long r;

	if (fn == NULL)
		return -EXO_EINVAL;
	r = map_pct_stack();
	if (r < 0)
		return (int)r;
	pct_handler = fn; /* before the entry: a PCT may arrive at once */
	r = exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_PCT, (uint64_t)exo_pct_entry,
			      EXO_PCTSTACK_TOP);
	if (r >= 0)
		r = exo_pct_accept(policy);
	return r < 0 ? (int)r : 0;
}

int exo_pct_stop(void)
{
	long r = exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_PCT, 0, 0);

	if (r >= 0)
		pct_handler = NULL;
	return r < 0 ? (int)r : 0;
}

void exo_pct_forget(void)
{
	/* exo_fork's child: the kernel holds no PCT entry for it, and libexo's
	 * region (the PCT stack) was not copied. */
	pct_handler = NULL;
	pct_stack_ready = false;
	pct_depth = 0;
}

long exo_pct_return(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	if (pct_depth > 0 && pct_depth <= PCT_DEPTH_MAX)
		pct_answered[pct_depth - 1] = true;
	return exo_pct_reply(w0, w1, w2, w3);
}

void exo_dispatch_pct(const struct exo_pct_msg *m)
{
	unsigned level = pct_depth++;

	if (level < PCT_DEPTH_MAX)
		pct_answered[level] = false;
	if (pct_handler != NULL)
		pct_handler(m);
	if (level >= PCT_DEPTH_MAX || !pct_answered[level]) {
		if (m->flags & EXO_PCT_SYNC)
			exo_pct_reply((uint64_t)-EXO_ENOSYS, 0, 0, 0);
		else
			exo_pct_reply(0, 0, 0, 0);
	}
	pct_depth = level;
}
