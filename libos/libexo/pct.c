/*
 * pct.c - serving protected control transfers (Aegis PCT, Engler et al.
 * SOSP'95 §5.3; the LRPC idea of running the call on the server's own
 * stack without a scheduler decision).
 *
 * The kernel switches the CPU straight to the callee and enters
 * exo_pct_entry (upcall.S) on the PCT stack mapped here, which calls
 * exo_dispatch_pct with a slot holding the message and room for the
 * answer. The handler answers with exo_pct_return, which only records the
 * words; the trampoline sends them with exo_pct_reply as its last act, so
 * a caller is never left waiting, the kernel's busy state always ends, and
 * a new call arriving right after a reply takes over the finished one's
 * stack space instead of nesting below it (see exo_pct_entry).
 */
#include <exo/libexo.h>

/* What exo_pct_entry builds below the upcall frame (PCT_SLOT in upcall.S). */
struct pct_slot {
	struct exo_pct_msg m;
	uint64_t reply[4]; /* sent by exo_pct_entry after the handler returns */
};
_Static_assert(sizeof(struct pct_slot) == 96, "PCT_SLOT in upcall.S");

static exo_pct_fn pct_handler;
static bool pct_stack_ready;
/* The call being handled, innermost first (a call can interrupt a handler
 * that answered with the raw exo_pct_reply stub and is still running). */
static struct pct_slot *pct_cur;

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
	/* The policy first: a bad one leaves no entry registered. */
	r = exo_pct_accept(policy);
	if (r < 0)
		return (int)r;
	pct_handler = fn; /* before the entry: a PCT may arrive at once */
	r = exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_PCT, (uint64_t)exo_pct_entry,
			      EXO_PCTSTACK_TOP);
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
	pct_cur = NULL;
}

long exo_pct_return(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	struct pct_slot *s = pct_cur;

	if (s == NULL)
		return -EXO_EINVAL;
	s->reply[0] = w0;
	s->reply[1] = w1;
	s->reply[2] = w2;
	s->reply[3] = w3;
	return 0;
}

void exo_dispatch_pct(const struct exo_pct_msg *m)
{
	struct pct_slot *s = (struct pct_slot *)m, *outer = pct_cur;

	s->reply[0] = m->flags & EXO_PCT_SYNC ? (uint64_t)-EXO_ENOSYS : 0;
	s->reply[1] = s->reply[2] = s->reply[3] = 0;
	pct_cur = s;
	if (pct_handler != NULL)
		pct_handler(m);
	pct_cur = outer;
}
