/*
 * exception.c - user-level exception handling and its multiplexing.
 *
 * The kernel turns an exception in ring 3 into an upcall on the stack this
 * file maps (Aegis; JOS's lib/pgfault.c): exo_exception_entry (upcall.S)
 * calls exo_dispatch_exception, which offers the exception to the
 * registered handlers in order. Several libraries in one environment (COW
 * fork, demand paging, a debugger stub) each register for the vectors they
 * care about; an exception nobody claims ends the environment with a
 * message. Also here: multiplexing of visible revocation over handlers by
 * weight, which needs no kernel support yet.
 *
 * Nothing here uses stdio: a handler may interrupt printf.
 */
#include <exo/libexo.h>

struct fault_handler {
	uint32_t mask; /* bit v: vector v */
	exo_fault_fn fn;
	void *ctx;
};

static struct fault_handler handlers[EXO_FAULT_HANDLERS_MAX];
static unsigned nhandlers;
/* The exception stack is mapped and the entry registered. exo_fork's child
 * inherits true, rightly: the parent set up both for it. */
static bool xstack_ready;

/* ------------------------------------------------------------ console output */

void exo_cons_puts(const char *s)
{
	uint64_t n = 0;

	while (s[n] != '\0')
		n++;
	while (n > 0) {
		long r = exo_cons_write(s, n);

		if (r <= 0)
			return; /* nowhere to complain to */
		s += r;
		n -= (uint64_t)r;
	}
}

/* Format v in base 10 or 16 into buf (at least 21 bytes); returns buf. */
static char *fmt_u64(char *buf, uint64_t v, unsigned base)
{
	char tmp[24];
	unsigned n = 0, i = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

/* ------------------------------------------------------------ set-up */

int exo_exception_init(void)
{
	long r = 0;
	unsigned mapped = 0;

	if (xstack_ready)
		return 0;
	for (; mapped < EXO_XSTACK_PAGES; mapped++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

		if (f < 0) {
			r = f;
			goto undo;
		}
		r = exo_page_map(EXO_AS_SELF, EXO_XSTACK_BOTTOM + mapped * EXO_PAGE_SIZE,
				 (uint64_t)f, EXO_PERM_R | EXO_PERM_W);
		if (r < 0) {
			exo_frame_free((uint64_t)f);
			goto undo;
		}
	}
	r = exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_EXCEPTION, (uint64_t)exo_exception_entry,
			      EXO_XSTACK_TOP);
	if (r < 0)
		goto undo;
	xstack_ready = true;
	return 0;
undo:
	while (mapped > 0) {
		uint64_t va = EXO_XSTACK_BOTTOM + --mapped * EXO_PAGE_SIZE;
		uint64_t f = EXO_PTE_FRAME(exo_uvpt_pte(va));

		exo_page_unmap(EXO_AS_SELF, va);
		exo_frame_free(f);
	}
	return (int)r;
}

int exo_add_fault_handler(uint32_t vector_mask, exo_fault_fn fn, void *ctx)
{
	int r;

	if (fn == NULL || vector_mask == 0)
		return -EXO_EINVAL;
	if (nhandlers == EXO_FAULT_HANDLERS_MAX)
		return -EXO_ERANGE;
	r = exo_exception_init();
	if (r < 0)
		return r;
	handlers[nhandlers] = (struct fault_handler){ vector_mask, fn, ctx };
	nhandlers++; /* only now may the dispatcher see it */
	return 0;
}

/* ------------------------------------------------------------ dispatch */

const char *exo_exception_name(uint64_t v)
{
	static const char *const names[32] = {
		"divide error",
		"debug exception",
		"NMI",
		"breakpoint",
		"overflow",
		"bound range exceeded",
		"invalid opcode",
		"device not available",
		"double fault",
		"coprocessor segment overrun",
		"invalid TSS",
		"segment not present",
		"stack fault",
		"general protection fault",
		"page fault",
		"reserved exception 15",
		"x87 floating-point exception",
		"alignment check",
		"machine check",
		"SIMD floating-point exception",
		"virtualization exception",
		"control protection exception",
	};

	if (v == EXO_UPCALL_PCT)
		return "protected control transfer";
	if (v < 32 && names[v] != NULL)
		return names[v];
	return "reserved exception";
}

/* No handler took f: say so without stdio, and end this environment. */
static void __attribute__((noreturn)) unhandled(const struct exo_upcall_frame *f)
{
	uint64_t id = (uint64_t)exo_env_id();
	const volatile struct exo_env_info *e = exo_env_info(id);
	char name[sizeof e->name + 1], num[24];
	unsigned i = 0;

	for (; e != NULL && i < sizeof e->name && e->name[i] != '\0'; i++)
		name[i] = e->name[i];
	name[i] = '\0';
	exo_cons_puts("exo: env ");
	exo_cons_puts(fmt_u64(num, id, 10));
	exo_cons_puts(" (");
	exo_cons_puts(name);
	exo_cons_puts("): unhandled ");
	exo_cons_puts(exo_exception_name(f->vector));
	exo_cons_puts(" at rip 0x");
	exo_cons_puts(fmt_u64(num, f->rip, 16));
	exo_cons_puts(" (va 0x");
	exo_cons_puts(fmt_u64(num, f->fault_va, 16));
	exo_cons_puts(")\r\n");
	for (;;)
		exo_env_destroy(EXO_ENV_SELF);
}

void exo_dispatch_exception(struct exo_upcall_frame *f)
{
	unsigned n = nhandlers;

	for (unsigned i = 0; i < n; i++) {
		const struct fault_handler *h = &handlers[i];

		if (f->vector < 32 && (h->mask >> f->vector & 1) && h->fn(f, h->ctx))
			return;
	}
	unhandled(f);
}

/* ------------------------------------------------------------ revocation */

struct revoke_handler {
	exo_revoke_fn fn;
	void *ctx;
	unsigned weight;
};

static struct revoke_handler revokers[EXO_REVOKE_HANDLERS_MAX];
static unsigned nrevokers;

int exo_add_revocation_handler(exo_revoke_fn fn, void *ctx, unsigned weight)
{
	if (fn == NULL || weight == 0)
		return -EXO_EINVAL;
	if (nrevokers == EXO_REVOKE_HANDLERS_MAX)
		return -EXO_ERANGE;
	revokers[nrevokers++] = (struct revoke_handler){ fn, ctx, weight };
	return 0;
}

/*
 * Split `want` among the handlers with eligible[i] set, by weight: floor
 * of the exact share, then the remainder one each to the first eligible
 * handlers in order. 128-bit products keep want * weight exact.
 */
static void split(uint64_t want, const bool *eligible, uint64_t *share)
{
	unsigned __int128 total = 0;
	uint64_t given = 0;

	for (unsigned i = 0; i < nrevokers; i++)
		total += eligible[i] ? revokers[i].weight : 0;
	for (unsigned i = 0; i < nrevokers; i++) {
		share[i] = 0;
		if (eligible[i] && total != 0)
			share[i] = (uint64_t)((unsigned __int128)want * revokers[i].weight / total);
		given += share[i];
	}
	/* The remainder is below the number of eligible handlers. */
	for (unsigned i = 0; i < nrevokers && given < want; i++) {
		if (eligible[i]) {
			share[i]++;
			given++;
		}
	}
}

void exo_dispatch_revoke(struct exo_upcall_frame *f)
{
	if (f->vector == EXO_UPCALL_REVOKE)
		exo_dispatch_revocation(f->error);
}

int exo_revocation_serve(uint64_t stack_top, unsigned pages)
{
	if (pages == 0 || pages > EXO_GUARANTEED_FRAMES || (stack_top & (EXO_PAGE_SIZE - 1)))
		return -EXO_EINVAL;
	for (unsigned i = 1; i <= pages; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0), r;

		if (f < 0)
			return (int)f;
		r = exo_page_map(EXO_AS_SELF, stack_top - i * EXO_PAGE_SIZE, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W);
		if (r == 0)
			r = exo_frame_guarantee((uint64_t)f, 1);
		if (r < 0)
			return (int)r;
	}
	return (int)exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_REVOKE, (uint64_t)exo_revoke_entry,
				      stack_top);
}

uint64_t exo_dispatch_revocation(uint64_t frames_wanted)
{
	bool eligible[EXO_REVOKE_HANDLERS_MAX];
	uint64_t share[EXO_REVOKE_HANDLERS_MAX], released = 0;
	unsigned n = nrevokers;

	if (frames_wanted == 0 || n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++)
		eligible[i] = true;
	split(frames_wanted, eligible, share);
	for (unsigned i = 0; i < n; i++) {
		uint64_t got = share[i] ? revokers[i].fn(share[i], revokers[i].ctx) : 0;

		released += got;
		eligible[i] = got >= share[i];
	}
	if (released >= frames_wanted)
		return released;
	split(frames_wanted - released, eligible, share);
	for (unsigned i = 0; i < n; i++)
		if (share[i] != 0)
			released += revokers[i].fn(share[i], revokers[i].ctx);
	return released;
}
