/*
 * gen.c - building the fuzzer's calls.
 *
 * Each call is made from FZ_DRAWS random words. r[0] decides whether the
 * call aims at the victim (AIM_PERCENT of them: its env id, its frames, the
 * frames it granted us, its address space, its disk blocks and the block
 * grants it gave us) and whether the arguments are
 * "mutated valid" (drawn only from values a well-behaved libOS would pass,
 * a quarter of the calls) or drawn from everything: boundary values, stale
 * and malformed ids, kernel, non-canonical, window, unmapped and misaligned
 * pointers, huge counts. r[1] picks the call, r[2..] the arguments. The
 * disk calls (38-45), block revocation (46), swap areas (47) and retyping (48) are built
 * in disk.c.
 *
 * Guards. A few calls the attacker is entitled to make would end the run
 * rather than test the kernel: destroying or stopping itself, dropping its
 * own console right, changing mappings of its own program, stack or heap,
 * writable mappings of those frames (the wild writes of probe.c would then
 * corrupt it), a synchronous PCT into a child that can never reply,
 * blocking forever in exo_wait or exo_cons_read, printing a random buffer.
 * Such arguments are rewritten (logged with FZ_F_GUARD) into the nearest
 * call that keeps the run going. Children get no executable mappings, so
 * none runs code the fuzzer did not write, and none of the frames we rely
 * on, which the kernel would otherwise write upcall frames into. The
 * guards look at the mappings when the call is built; nothing that could
 * change them runs between building a call and making it.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define AIM_PERCENT 30
#define KERNEL_VA   0xffffffff80100000ULL
#define NONCANON    0x0000800000000000ULL
#define RW	    (EXO_PERM_R | EXO_PERM_W)
#define RWX	    (RW | EXO_PERM_X)
#define NWORDS(a)   (sizeof(a) / sizeof((a)[0]))

/* The buffers calls point at: one set for the main loop, one for the
 * fault handler, which runs between building a call and making it (the
 * probes around mapping changes). */
static struct bufs {
	uint8_t io[2 * 4096];
	struct exo_regs regs;
	struct exo_map_op ops[EXO_MAP_BATCH_MAX + 8];
	struct exo_pred_term terms[EXO_PRED_MAX_TERMS + 1];
} bufs[2] __attribute__((aligned(4096)));
static struct bufs *b; /* the set of the call being built */
#define regs_buf  (b->regs)
#define ops_buf	  (b->ops)
#define terms_buf (b->terms)
#define io_buf	  (b->io)
static volatile uint64_t wait_word = 0x5eed;

static const uint64_t bad_va[] = {
	0,
	0xfff,
	EXO_USER_MAX,
	EXO_USER_MAX + 4096,
	EXO_UFRAMES + 4096,
	EXO_UENVS,
	EXO_USYSINFO,
	EXO_UVPT,
	0x7ffffffff000ULL,
	NONCANON,
	0xffff800000000000ULL,
	KERNEL_VA,
	~0ULL,
	~0xfffULL,
	1ULL << 63,
	0x0000fffffffff000ULL,
};

enum ptr_class { P_VALID, P_MAYBE, P_BAD };

static uint64_t pick_env(uint64_t r, bool aim, bool valid)
{
	uint64_t k = r >> 8;
	if (aim) {
		switch (r % 8) {
		case 0:
			return fz.victim | 1ULL << 32; /* above 32 bits: names nothing */
		case 1:
			return fz.victim ^ 1ULL << 10; /* another generation of its slot */
		default:
			return fz.victim;
		}
	}
	switch (r % (valid ? 6 : 16)) {
	case 0:
		return 0;
	case 1:
		return fz.me;
	case 2:
	case 3:
	case 4:
		return fz.child[k % FZ_CHILDREN] ? fz.child[k % FZ_CHILDREN]
						 : fz.stale[k % FZ_STALE];
	case 5:
		return fz.victim;
	case 6:
		return fz.stale[k % FZ_STALE];
	case 7:
		return (uint32_t)k;
	case 8:
		return k;
	case 9:
		return 0xffffffffULL;
	case 10:
		return 0xfffffffeULL;
	case 11:
		return fz.me | 1ULL << 32;
	case 12:
		return k % EXO_NENV; /* a slot with generation 0 */
	case 13:
		return ((k % 0x3ffffe) + 1) << 10 | (k >> 40) % EXO_NENV;
	case 14:
		return fz.me ^ 1ULL << 10;
	default:
		return EXO_NENV - 1;
	}
}

static uint64_t pick_frame(uint64_t r, bool aim, bool valid)
{
	uint64_t k = r >> 8;
	if (aim)
		return r % 2 && fz.nvg ? fz.vg[k % fz.nvg] : fz.vf[k % fz.nvf];
	switch (r % (valid ? 6 : 16)) {
	case 0:
	case 1:
	case 2:
		return fz_pool_pick(k);
	case 3:
		return fz.vg[k % fz.nvg];
	case 4:
		return fz.vf[k % fz.nvf];
	case 5:
		return fz.iframe;
	case 6:
		return fz.kframe;
	case 7:
		return fz.rframe;
	case 8:
		return fz.nframes - 1;
	case 9:
		return fz.nframes + k % 3;
	case 10:
		return EXO_FRAME_ANY;
	case 11:
	case 15:
		return k % fz.nframes;
	case 12:
		return k;
	case 13:
		return 0;
	default:
		return (1ULL << 32) + k % fz.nframes; /* truncated to 32 bits it is a frame */
	}
}

static uint64_t pick_perm(uint64_t r, bool valid)
{
	static const uint64_t good[] = {
		EXO_PERM_R,
		RW,
		EXO_PERM_R | EXO_PERM_X,
		RWX,
		EXO_PERM_R | EXO_PERM_USER0,
		RW | EXO_PERM_USER0,
		RWX | EXO_PERM_USER0,
		EXO_PERM_R,
	};
	static const uint64_t bad[] = {
		0,    EXO_PERM_W,	  EXO_PERM_X, EXO_PERM_USER0,	       0x10,
		0x1f, 0x100 | EXO_PERM_R, ~0ULL,      1ULL << 32 | EXO_PERM_R, RW | 0x80,
	};
	if (valid || r % 2)
		return good[(r >> 8) % NWORDS(good)];
	return bad[(r >> 8) % NWORDS(bad)];
}

/* A grant perm (calls 19, 24, 25): R required, only R/W/X. */
static uint64_t pick_gperm(uint64_t r, bool valid)
{
	static const uint64_t v[] = { EXO_PERM_R, RW,	      EXO_PERM_R | EXO_PERM_X,	   RWX,
				      0,	  EXO_PERM_W, EXO_PERM_R | EXO_PERM_USER0, 0x11 };
	return v[(r >> 8) % (valid ? 4 : NWORDS(v))];
}

/* Is va one the attacker may map, unmap or re-protect in its own space?
 * Anything the kernel refuses (unaligned, outside user memory) is fine. */
static bool self_va_ok(uint64_t va)
{
	if ((va & 0xfff) || va < EXO_USER_MIN || va > EXO_USER_MAX - 4096)
		return true;
	if (va >= FZ_REGION && va < FZ_REGION + FZ_PAGES * 4096ULL)
		return true;
	for (unsigned i = 0; i < FZ_FAR; i++)
		if (va == fz.far[i])
			return true;
	return va == EXO_USER_MIN || va == EXO_USER_MAX - 4096;
}

static uint64_t guard_self_va(uint64_t va, uint64_t *flags)
{
	if (self_va_ok(va))
		return va;
	*flags |= FZ_F_GUARD;
	return fz.far[(va >> 12) % FZ_FAR];
}

static uint64_t pick_va(uint64_t r, bool valid)
{
	uint64_t k = r >> 8;
	switch (r % (valid ? 8 : 16)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
		return FZ_REGION + (k % FZ_PAGES) * 4096;
	case 5:
		return fz.far[k % FZ_FAR];
	case 6:
		return k & 1 ? EXO_USER_MIN : EXO_USER_MAX - 4096;
	case 7:
		return (k % (EXO_USER_MAX >> 12)) << 12; /* anywhere: page tables cost quota */
	case 8:
		return FZ_REGION + (k % FZ_PAGES) * 4096 + 1 + (k >> 16) % 4095;
	case 9:
	case 10:
	case 11:
		return bad_va[k % NWORDS(bad_va)];
	case 12:
		return VICTIM_VA + (k % VICTIM_PAGES) * 4096;
	case 13:
		return 0x400000 + (k % 64) * 4096; /* where programs are loaded */
	case 14:
		return k & ~0xfffULL;
	default:
		return k;
	}
}

static uint64_t pick_ptr(uint64_t r, bool write, enum ptr_class *cls)
{
	uint64_t k = r >> 8;
	*cls = P_BAD;
	switch (r % 16) {
	case 0:
	case 1:
	case 2:
	case 3:
		*cls = P_VALID;
		return (uint64_t)io_buf + (k % 64) * 8;
	case 4:
	case 5:
	case 6:
		*cls = P_MAYBE;
		return FZ_REGION + (k % FZ_PAGES) * 4096 + ((k >> 8) % 512) * 8;
	case 7:
		*cls = P_MAYBE; /* runs into the next page */
		return FZ_REGION + (k % FZ_PAGES + 1) * 4096 - 8;
	case 8: {
		static const uint64_t win[] = { EXO_UFRAMES, EXO_UENVS, EXO_USYSINFO, EXO_UVPT };
		return win[k % 4];
	}
	case 9:
		*cls = write ? P_BAD : P_VALID; /* program text: readable, not writable */
		return 0x401000;
	case 10:
		*cls = P_MAYBE; /* the last user page: the fuzzer maps it at times */
		return EXO_USER_MAX - 8;
	case 11:
		return 0;
	case 12:
		return KERNEL_VA + (k % 4096);
	case 13:
		return NONCANON + (k % 4096);
	case 14:
		return k | 1ULL << 63;
	default:
		return k % 4096;
	}
}

static uint64_t pick_len(uint64_t r)
{
	static const uint64_t v[] = { 0,   1,	 7,    8,	   160,	  511,	     512,
				      513, 4096, 4097, 1ULL << 32, ~0ULL, 1ULL << 63 };
	return r % 8 == 0 ? (r >> 8) % 1024 : v[(r >> 8) % NWORDS(v)];
}

/* The address space of a mapping call: ourselves, a child, the victim,
 * one of our guest address spaces (live, stale or forged), or anything. */
static uint64_t pick_as(uint64_t r, bool aim, bool valid)
{
	if (aim)
		return pick_env(r, true, valid);
	if (r % 16 == 7)
		return EXO_AS_GAS(fz_guest_handle(r >> 4, false));
	switch (r % 8) {
	case 0:
	case 1:
		return r >> 8 & 1 ? fz.me : EXO_AS_SELF;
	case 2:
	case 3:
	case 4:
		return fz.child[(r >> 8) % FZ_CHILDREN];
	case 5:
		return fz.victim;
	default:
		return pick_env(r >> 3, false, valid);
	}
}

/* Keep a mapping harmless: in our own space only at fuzz addresses, and a
 * frame we rely on (program, stacks, heap, shared pages) never writable;
 * in a child never executable, and none of those frames at all: the
 * kernel writes a child's upcall frames into its stack, wherever the child
 * says that is, and could be made to write over our program. frame is the
 * frame mapped (for a protect: the one there; in a child we cannot see
 * it, but then it is never one of those). */
static void guard_map(uint64_t as, uint64_t *va, uint64_t *frame, uint64_t *perm, uint64_t *flags)
{
	if (as & EXO_AS_GAS_BIT) {
		/* A running guest writes what it maps writable: never our own. */
		if (fz_infra(*frame) && (*perm & EXO_PERM_W)) {
			*perm &= ~EXO_PERM_W;
			*flags |= FZ_F_GUARD;
		}
	} else if (fz_is_self(as)) {
		*va = guard_self_va(*va, flags);
		if (fz_infra(*frame) && (*perm & EXO_PERM_W) && (*perm & EXO_PERM_R)) {
			*perm &= ~EXO_PERM_W;
			*flags |= FZ_F_GUARD;
		}
	} else if (fz_child_index(as) >= 0) {
		if (*perm & EXO_PERM_X) {
			*perm &= ~EXO_PERM_X;
			*flags |= FZ_F_GUARD;
		}
		if (fz_infra(*frame)) {
			*frame = fz.nframes; /* refused: EXO_EINVAL */
			*flags |= FZ_F_GUARD;
		}
	}
}

static uint64_t mapped_frame(uint64_t va)
{
	return EXO_PTE_FRAME(exo_uvpt_pte(va));
}

static void gen_batch(struct fz_call *c, const uint64_t *r, bool aim, bool valid)
{
	static const uint64_t counts[] = { 0,	1,   2,	   3,	  5,
					   8,	31,  32,   33,	  64,
					   512, 513, 1024, ~0ULL, 1ULL << 32 | 1 };
	uint64_t as = pick_as(r[2], aim, valid);
	uint64_t count =
		valid || r[3] % 2 ? 1 + (r[3] >> 8) % 8 : counts[(r[3] >> 8) % NWORDS(counts)];
	uint64_t s = r[5] | 1;
	uint64_t n = count < NWORDS(ops_buf) ? count : NWORDS(ops_buf);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = fz_next(&s), y = fz_next(&s);
		struct exo_map_op *op = &ops_buf[i];
		unsigned kind = x % 20;
		op->kind = kind < 10   ? EXO_MAP_MAP
			   : kind < 15 ? EXO_MAP_UNMAP
			   : kind < 19 ? EXO_MAP_PROTECT
				       : (uint32_t)(y >> 32);
		op->va = pick_va(x >> 5, valid);
		op->frame = pick_frame(y, aim && y % 4 == 0, valid);
		uint64_t perm = pick_perm(x >> 13, valid);
		uint64_t frame = op->kind == EXO_MAP_PROTECT && fz_is_self(as)
					 ? mapped_frame(guard_self_va(op->va, &c->flags))
					 : op->frame;
		guard_map(as, &op->va, &frame, &perm, &c->flags);
		if (op->kind == EXO_MAP_MAP)
			op->frame = frame;
		op->perm = (uint32_t)perm;
	}
	/* The apply pass protects what an earlier op of the batch mapped (the
	 * check pass saw the old mapping): no W on a page it maps ours to. */
	for (uint64_t i = 0; fz_is_self(as) && i < n; i++)
		for (uint64_t j = 0; j < i && ops_buf[i].kind == EXO_MAP_PROTECT; j++)
			if (ops_buf[j].kind == EXO_MAP_MAP && ops_buf[j].va == ops_buf[i].va &&
			    fz_infra(ops_buf[j].frame) && (ops_buf[i].perm & EXO_PERM_W)) {
				ops_buf[i].perm &= ~(uint32_t)EXO_PERM_W;
				c->flags |= FZ_F_GUARD;
			}
	enum ptr_class cls = P_VALID;
	uint64_t ops = (uint64_t)ops_buf;
	if (r[4] % 8 == 0) {
		ops = pick_ptr(r[4] >> 3, false, &cls);
		/* Ops we did not write (they could be an alias of an old batch)
		 * are applied neither to our own space nor to a child's. */
		if (cls != P_BAD && (fz_is_self(as) || fz_child_index(as) >= 0)) {
			ops = KERNEL_VA;
			c->flags |= FZ_F_GUARD;
		}
	}
	c->a[0] = as;
	c->a[1] = ops;
	c->a[2] = count;
}

/* Verbose runs: the first ops of a batch we wrote. */
void fz_print_ops(const struct fz_call *c)
{
	for (int k = 0; k < 2; k++) {
		const struct exo_map_op *ops = bufs[k].ops;
		if (c->a[1] != (uint64_t)ops)
			continue;
		for (uint64_t i = 0; i < c->a[2] && i < 8; i++)
			printf("fuzz:   op %llu: kind %u va %#llx frame %#llx perm %#x\n",
			       (unsigned long long)i, ops[i].kind, (unsigned long long)ops[i].va,
			       (unsigned long long)ops[i].frame, ops[i].perm);
	}
}

static void gen_wait(struct fz_call *c, const uint64_t *r, bool aim)
{
	static const uint64_t timeouts[] = { 0,	   1, 50, 200, 1000, 1ULL << 40, (1ULL << 40) + 1,
					     ~0ULL };
	uint64_t nt = r[2] % 4 == 0 ? (r[2] >> 8) % 12 : 1 + (r[2] >> 8) % 3;
	for (uint64_t i = 0; i < nt && i < NWORDS(terms_buf); i++) {
		uint64_t x = r[3 + i % 6] >> (i / 6 * 16);
		struct exo_pred_term *t = &terms_buf[i];
		switch (x % 12) {
		case 0:
		case 1:
		case 2:
			t->va = (uint64_t)&wait_word;
			break;
		case 3:
			t->va = FZ_REGION + ((x >> 4) % FZ_PAGES) * 4096;
			break;
		case 4: /* the victim's row and its frames' rows */
			t->va = EXO_UENVS + (fz.victim & (EXO_NENV - 1)) * 64;
			break;
		case 5:
			t->va = EXO_UFRAMES + fz.vf[(x >> 4) % fz.nvf] * 16;
			break;
		case 6:
			t->va = (uint64_t)&wait_word + 4;
			break;
		default:
			t->va = bad_va[(x >> 4) % NWORDS(bad_va)];
			break;
		}
		t->mask = x >> 8 & 1 ? ~0ULL : x >> 9 & 1 ? 0 : 0xffffffffULL;
		t->value = x >> 10 & 1 ? wait_word : x >> 11;
		if (t->va == EXO_UENVS + (fz.victim & (EXO_NENV - 1)) * 64)
			t->value = fz.victim;
		t->op = x >> 12 & 7 ? (uint32_t)(x >> 16) % 6 : (uint32_t)(x >> 16);
		t->reserved = x >> 20 & 31 ? 0 : 1;
	}
	if (aim) {
		terms_buf[0].va = EXO_UENVS + (fz.victim & (EXO_NENV - 1)) * 64;
		c->flags |= FZ_F_VICTIM;
	}
	uint64_t flags = r[9] % 4 ? (r[9] >> 8) % 2 : r[9] >> 8;
	uint64_t timeout = timeouts[r[10] % NWORDS(timeouts)];
	enum ptr_class cls = P_VALID;
	uint64_t terms = r[11] % 8 ? (uint64_t)terms_buf : pick_ptr(r[11] >> 3, false, &cls);
	/* Never sleep for long: a timeout past 1 ms only with a predicate
	 * that holds at once, and never "no predicate, no timeout". */
	if (timeout > 1000 && (timeout <= 1ULL << 40 || timeout == EXO_WAIT_FOREVER)) {
		if (nt >= 1 && nt <= EXO_PRED_MAX_TERMS && terms == (uint64_t)terms_buf) {
			terms_buf[0] = (struct exo_pred_term){ (uint64_t)&wait_word, ~0ULL,
							       wait_word, EXO_PRED_EQ, 0 };
			flags = EXO_PRED_ANY;
		} else {
			timeout = 1000;
		}
		c->flags |= FZ_F_GUARD;
	}
	if (nt == 0 && timeout == 0) {
		timeout = 1;
		c->flags |= FZ_F_GUARD;
	}
	c->a[0] = terms;
	c->a[1] = nt;
	c->a[2] = flags;
	c->a[3] = timeout;
}

static void gen_regs(uint64_t s)
{
	static const uint64_t rips[] = { EXO_USER_MIN, FZ_REGION,	 0x401000, KERNEL_VA,
					 EXO_USER_MAX, EXO_USER_MAX - 1, 0,	   NONCANON };
	static const uint64_t flags[] = {
		0x202, ~0ULL, 0x302, 0x40202, 0x3202, 0x20202, 0x4202, 0
	};
	static const uint64_t bases[] = { 0,	     EXO_USER_MAX, EXO_USER_MAX + 1,
					  KERNEL_VA, NONCANON,	   FZ_REGION };
	uint64_t *w = (uint64_t *)&regs_buf;
	for (unsigned i = 0; i < 16; i++)
		w[i] = fz_next(&s);
	uint64_t x = fz_next(&s);
	regs_buf.rip = x % 4 ? rips[(x >> 8) % NWORDS(rips)] : x;
	regs_buf.rflags = flags[(x >> 16) % NWORDS(flags)];
	regs_buf.fs_base = bases[(x >> 24) % NWORDS(bases)];
	regs_buf.gs_base = bases[(x >> 32) % NWORDS(bases)];
}

static uint32_t pick_call(uint64_t r, bool aim)
{
	struct weight {
		uint8_t nr, w;
	};
	static const struct weight any[] = {
		{ 0, 1 },  { 1, 2 },  { 2, 2 },	 { 3, 1 },	  { 4, 3 },  { 5, 6 },	{ 6, 5 },
		{ 7, 12 }, { 8, 6 },  { 10, 1 }, { 12, 2 },	  { 13, 3 }, { 14, 3 }, { 15, 3 },
		{ 16, 4 }, { 17, 2 }, { 18, 2 }, { 19, 6 },	  { 20, 5 }, { 21, 4 }, { 22, 6 },
		{ 23, 5 }, { 24, 2 }, { 25, 2 }, { 26, 1 },	  { 27, 1 }, { 28, 1 }, { 29, 2 },
		{ 30, 2 }, { 31, 2 }, { 32, 2 }, { 33, 1 },	  { 34, 1 }, { 35, 2 }, { 36, 1 },
		{ 37, 1 }, { 38, 1 }, { 39, 2 }, { 40, 3 },	  { 41, 3 }, { 42, 3 }, { 43, 2 },
		{ 44, 6 }, { 45, 2 }, { 46, 2 }, { 47, 3 },	  { 48, 3 }, { 49, 2 }, { 50, 1 },
		{ 51, 1 }, { 52, 1 }, { 53, 3 }, { FZ_BADNR, 1 },
	};
	static const struct weight aimed[] = {
		{ 4, 2 },  { 5, 2 },  { 6, 3 },	 { 7, 8 },  { 8, 3 },  { 13, 2 },
		{ 14, 2 }, { 15, 2 }, { 16, 2 }, { 17, 2 }, { 18, 2 }, { 19, 6 },
		{ 20, 4 }, { 21, 3 }, { 22, 3 }, { 23, 3 }, { 24, 2 }, { 25, 2 },
		{ 29, 1 }, { 32, 1 }, { 33, 1 }, { 35, 1 }, { 40, 1 }, { 41, 2 },
		{ 42, 3 }, { 43, 2 }, { 44, 5 }, { 46, 1 }, { 47, 1 }, { 48, 1 },
	};
	const struct weight *t = aim ? aimed : any;
	unsigned n = aim ? NWORDS(aimed) : NWORDS(any), total = 0;
	if (r % 4096 == 0)
		return 11; /* exo_invariant_check: slow, so rare */
	for (unsigned i = 0; i < n; i++)
		total += t[i].w;
	unsigned x = (unsigned)((r >> 12) % total);
	for (unsigned i = 0; i < n; i++) {
		if (x < t[i].w)
			return t[i].nr;
		x -= t[i].w;
	}
	return 0;
}

/* Entry points registered on ourselves stay ours: a valid one is replaced
 * by our own handler and stack (check.c restores ours afterwards). */
static void guard_entry(struct fz_call *c)
{
	uint64_t which = c->a[1], rip = c->a[2], rsp = c->a[3];
	bool valid = which < EXO_NENTRIES && rip && rip >= EXO_USER_MIN && rip < EXO_USER_MAX &&
		     !(rsp & 15) && rsp > EXO_USER_MIN && rsp <= EXO_USER_MAX;
	if (!fz_is_self(c->a[0]) || !valid)
		return;
	c->a[2] = which == EXO_ENTRY_PCT ? (uint64_t)fz_pct_entry : (uint64_t)test_upcall_entry;
	c->a[3] = FZ_XTOP;
	c->flags |= FZ_F_GUARD;
}

void fz_gen(struct fz_call *c, const uint64_t r[FZ_DRAWS], bool in_handler)
{
	bool aim = r[0] % 100 < AIM_PERCENT;
	bool valid = (r[0] >> 8) % 4 == 0;
	uint64_t k2 = r[2] >> 8, k3 = r[3] >> 8, k4 = r[4] >> 8;
	enum ptr_class cls;
	memset(c, 0, sizeof(*c));
	b = &bufs[in_handler];
	c->nr = pick_call(r[1], aim);
	c->flags = (aim ? FZ_F_VICTIM : 0) | (in_handler ? FZ_F_HANDLER : 0);
	uint64_t *a = c->a;
	switch (c->nr) {
	case 1: /* cons_write: never print a readable buffer */
	case 2: /* cons_read: never block */
		a[0] = pick_ptr(r[2], c->nr == 2, &cls);
		a[1] = pick_len(r[3]);
		if (cls != P_BAD && a[1]) {
			a[1] = 0;
			c->flags |= FZ_F_GUARD;
		}
		break;
	case 4:
		a[0] = pick_env(r[2], aim, valid);
		if (r[3] % 32 == 0 && fz.kamikaze && !aim)
			a[0] = fz.kamikaze; /* destroy a child while it runs */
		if (fz_is_self(a[0])) {
			a[0] = fz.me | 1ULL << 32;
			c->flags |= FZ_F_GUARD;
		}
		break;
	case 5:
		a[0] = r[2] % 3 == 0 && !aim ? EXO_FRAME_ANY : pick_frame(r[2] >> 2, aim, valid);
		a[1] = valid || r[3] % 4 ? 0 : (r[3] % 8 == 1 ? 1 : k3);
		break;
	case 6:
		a[0] = pick_frame(r[2], aim, valid);
		break;
	case 7: {
		bool as_victim = aim && r[6] % 2;
		a[0] = as_victim ? pick_env(r[2], true, valid) : pick_as(r[2], false, valid);
		a[1] = pick_va(r[3], valid);
		a[2] = pick_frame(r[4], aim && !as_victim, valid);
		a[3] = pick_perm(r[5], valid);
		guard_map(a[0], &a[1], &a[2], &a[3], &c->flags);
		break;
	}
	case 8:
		a[0] = pick_as(r[2], aim, valid);
		a[1] = aim ? VICTIM_VA + (k3 % VICTIM_PAGES) * 4096 : pick_va(r[3], valid);
		if (fz_is_self(a[0]))
			a[1] = guard_self_va(a[1], &c->flags);
		break;
	case 10: /* only codes the kernel refuses: a good one ends the run */
		a[0] = r[2] % 4 ? 256 + k2 % 1024 : r[2] % 8 == 1 ? ~0ULL : 1ULL << 32;
		break;
	case 12: {
		static const uint64_t kmem[] = { 16383,	      16384,	  24576,
						 32768,	      65536,	  262144,
						 1 << 20,     1ULL << 40, (1ULL << 40) + 1,
						 64ULL << 20, ~0ULL,	  0 };
		a[0] = valid || r[2] % 3 == 0 ? 16384 + (k2 % 64) * 4096 : kmem[k2 % NWORDS(kmem)];
		if (r[3] % 16 == 0) {
			/* Lend a child (nearly) all our quota left: until it dies, our
			 * grants and page tables run into EXO_ENOMEM. */
			const volatile struct exo_env_info *e = exo_env_info(fz.me);
			a[0] = e->kmem_limit - e->kmem_used - (k3 % 4) * 32;
		}
		break;
	}
	case 13:
		a[0] = pick_env(r[2], aim, valid);
		a[1] = r[3] % 4 ? 1 + (k3 & 1) : (k3 & 2 ? 0 : r[3] % 8 == 1 ? 3 : k3);
		if (fz_is_self(a[0]) && a[1] == EXO_ENV_NOT_RUNNABLE) {
			a[1] = EXO_ENV_BLOCKED; /* stopping ourselves: nobody could restart us */
			c->flags |= FZ_F_GUARD;
		}
		break;
	case 14:
		a[0] = pick_env(r[2], aim, valid);
		if (!aim && r[4] % 8 == 0 && (fz.kamikaze || fz.ctx))
			a[0] = fz.kamikaze ? fz.kamikaze : fz.ctx; /* maybe on the other CPU */
		a[1] = r[3] % 2 ? (uint64_t)&regs_buf : pick_ptr(r[3] >> 1, true, &cls);
		break;
	case 15:
		a[0] = pick_env(r[2], aim, valid);
		gen_regs(r[4]);
		a[1] = r[3] % 4 ? (uint64_t)&regs_buf : pick_ptr(r[3] >> 2, false, &cls);
		break;
	case 16: {
		static const uint64_t rips[] = { 0,	    EXO_USER_MIN,     0xfff,
						 FZ_REGION, EXO_USER_MAX - 1, EXO_USER_MAX,
						 KERNEL_VA, 0x401000 };
		static const uint64_t rsps[] = { FZ_XTOP, FZ_XTOP + 8,	0x1000,
						 0x1010,  EXO_USER_MAX, EXO_USER_MAX + 16,
						 0,	  KERNEL_VA,	FZ_REGION + 4096 };
		a[0] = pick_env(r[2], aim, valid);
		a[1] = r[3] % 4 ? k3 % EXO_NENTRIES : r[3] % 8 == 1 ? EXO_NENTRIES : k3;
		a[2] = r[4] % 8 ? rips[k4 % NWORDS(rips)] : k4;
		a[3] = r[5] % 8 ? rsps[(r[5] >> 8) % NWORDS(rsps)] : r[5];
		guard_entry(c);
		break;
	}
	case 17:
	case 18: {
		static const uint64_t rights[] = {
			EXO_RIGHT_CONSOLE,
			EXO_RIGHT_MACHINE,
			EXO_RIGHT_GUEST,
			EXO_RIGHT_REVOKE,
			EXO_RIGHT_TRACE,
			EXO_RIGHT_DISK,
			EXO_RIGHT_ROOT,
			EXO_RIGHTS_ALL,
			EXO_RIGHT_CONSOLE | EXO_RIGHT_MACHINE,
			0,
			1u << 6,
			1u << 30,
			1ULL << 32 | EXO_RIGHT_CONSOLE,
		};
		a[0] = pick_env(r[2], aim, valid);
		a[1] = r[3] % 8 ? rights[k3 % NWORDS(rights)] : k3;
		/* Keep our console, and the disk right that lets us attach
		 * to our owners (the model in disk.c follows it anyway). */
		uint64_t keep =
			EXO_RIGHT_CONSOLE | EXO_RIGHT_MACHINE | EXO_RIGHT_DISK | EXO_RIGHT_GUEST;
		if (c->nr == 18 && fz_is_self(a[0]) && (a[1] & keep)) {
			a[1] &= ~keep;
			c->flags |= FZ_F_GUARD;
		}
		break;
	}
	case 19:
	case 20:
	case 21: {
		/* Aimed: the victim's frame, or one of ours and the victim. */
		bool vframe = aim && r[6] % 2;
		a[0] = pick_frame(r[2], vframe, valid);
		a[1] = pick_env(r[3], aim && !vframe, valid);
		if (c->nr == 20 && vframe && r[7] % 2)
			a[1] = fz.me; /* our grant from the victim: not ours to revoke */
		a[2] = pick_gperm(r[4], valid);
		if (c->nr == 20 && (a[0] == fz.prog_frame || a[0] == fz.kres_frame)) {
			a[0] = fz.nframes + 1; /* the victim and the kamikaze read these */
			c->flags |= FZ_F_GUARD;
		}
		if (c->nr != 19)
			a[2] = 0;
		break;
	}
	case 22: {
		a[0] = pick_as(r[2], aim, valid);
		a[1] = aim ? VICTIM_VA + (k3 % VICTIM_PAGES) * 4096 : pick_va(r[3], valid);
		a[2] = pick_perm(r[4], valid);
		uint64_t frame = 0;
		if (fz_is_self(a[0])) {
			a[1] = guard_self_va(a[1], &c->flags);
			frame = mapped_frame(a[1] & ~0xfffULL);
		}
		guard_map(a[0], &a[1], &frame, &a[2], &c->flags);
		break;
	}
	case 23:
		gen_batch(c, r, aim, valid);
		break;
	case 24:
	case 25: {
		uint64_t f = pick_frame(r[4], aim && r[4] % 2, valid);
		a[0] = pick_env(r[2], aim, valid);
		for (int i = 1; i < 5; i++)
			a[i] = r[6 + i];
		a[5] = r[5] % 2		? 0
		       : r[5] % 16 == 3 ? r[5]
					: EXO_PCT_GRANT(f, pick_gperm(r[5] >> 4, valid));
		int ci = fz_child_index(a[0]);
		if (c->nr == 24 && ci >= 0 && fz.child_pct[ci]) {
			c->nr = 25; /* a child with a PCT entry runs code we did not write */
			c->flags |= FZ_F_GUARD;
		}
		break;
	}
	case 26:
		for (int i = 0; i < 4; i++)
			a[i] = r[2 + i];
		break;
	case 27:
		a[0] = r[2] % 4 ? k2 % 8 : r[2] % 8 == 1 ? 8 : k2;
		break;
	case 29:
		a[0] = pick_env(r[2], aim, valid);
		break;
	case 30:
		a[0] = r[2] % 4 ? k2 % 3 : r[2] % 8 == 1 ? EXO_SLICE_ANY : k2;
		a[1] = r[3] % 4 ? k3 % (EXO_NSLOTS + 1) : r[3] % 8 == 1 ? EXO_SLICE_ANY : k3;
		if (r[4] % 4 == 0)
			a[r[4] >> 8 & 1] = EXO_SLICE_ANY;
		break;
	case 31: {
		uint64_t held = fz.slots[k2 % FZ_SLOTS];
		a[0] = r[2] % 4 == 0 && held ? held - 1
		       : r[2] % 4 == 1	     ? (k2 % 3) << 8 | (k2 >> 8) % 65
					     : k2 % 1024;
		break;
	}
	case 32:
		gen_wait(c, r, aim);
		break;
	case 33:
		a[0] = pick_env(r[2], aim, valid);
		a[1] = r[3] % 4 ? 1 + k3 % 64 : k3 % 2 ? 0 : fz.nframes + 1;
		a[2] = r[4] % 4 ? k4 % 100000 : (1ULL << 40) + (k4 & 1);
		break;
	case 34:
		a[0] = pick_ptr(r[2], true, &cls);
		a[1] = r[3] % 2 ? k3 % 65 : pick_len(r[3]);
		break;
	case 35:
		a[0] = pick_frame(r[2], aim, valid);
		a[1] = r[3] % 4 ? k3 & 1 : k3;
		break;
	case 36:
		a[0] = pick_ptr(r[2], true, &cls);
		a[1] = pick_len(r[3]);
		a[2] = r[4] % 2 ? 0 : k4;
		break;
	case 37: {
		/* An extra context of ours runs in our address space: only our own
		 * fz_ctx_main on its own stack, one at a time; anything else must
		 * be refused. */
		static const uint64_t rips[] = { 0,	   0xfff,	 KERNEL_VA,
						 NONCANON, EXO_USER_MAX, EXO_USER_MAX - 1 };
		static const uint64_t rsps[] = { 0,	    8,	      0x10008,
						 KERNEL_VA, NONCANON, EXO_USER_MAX + 16,
						 1ULL << 63 };
		bool good = r[2] % 8 == 0 && !(fz.ctx && exo_env_info(fz.ctx));
		if (good)
			fz_ctx_id = 0; /* the last one is gone */
		a[0] = good ? (uint64_t)fz_ctx_main : rips[k2 % NWORDS(rips)];
		a[1] = good || r[3] % 2 ? (uint64_t)fz_ctx_stack + FZ_CTX_STACK - 16
					: rsps[k3 % NWORDS(rsps)];
		if (!good && a[0] >= EXO_USER_MIN && a[0] < EXO_USER_MAX && !(a[1] & 15) &&
		    a[1] > EXO_USER_MIN && a[1] <= EXO_USER_MAX) {
			a[0] = KERNEL_VA; /* would run at a random address of ours */
			c->flags |= FZ_F_GUARD;
		}
		break;
	}
	case 38 ... 48: /* the disk calls, block revocation, swap areas, retype */
		fz_disk_gen(c, r, aim, valid, in_handler);
		break;
	case 49 ... 54: /* guest contexts */
		fz_guest_gen(c, r, valid);
		break;
	case FZ_BADNR: {
		static const uint64_t nrs[] = { EXO_NCALLS,	  ~0ULL,	 1ULL << 32,
						1ULL << 32 | 3,	  0x80000003ULL, 1ULL << 63,
						EXO_NCALLS + 1000 };
		c->nr = r[2] % 2 ? EXO_NCALLS + k2 % 64 : nrs[k2 % NWORDS(nrs)];
		for (int i = 0; i < 6; i++)
			a[i] = r[3 + i];
		break;
	}
	default: /* 0 null, 3 env_id, 11 invariant_check, 28 pct_wait: no arguments */
		break;
	}
	c->row = c->nr < FZ_NCALLS ? (uint32_t)c->nr : FZ_BADNR;
	if ((c->nr == 7 || c->nr == 8 || c->nr == 22) && fz_is_self(a[0]) && !(a[1] & 0xfff) &&
	    a[1] >= EXO_USER_MIN && a[1] < EXO_USER_MAX)
		c->touch = a[1];
	if (c->nr == 23 && fz_is_self(a[0]) && a[1] == (uint64_t)ops_buf && a[2] &&
	    a[2] <= EXO_MAP_BATCH_MAX && ops_buf[0].va < EXO_USER_MAX && !(ops_buf[0].va & 0xfff) &&
	    ops_buf[0].va >= EXO_USER_MIN)
		c->touch = ops_buf[0].va;
}
