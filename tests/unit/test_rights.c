/*
 * test_rights.c - host tests of the rights checks (secure-bindings/rights.c
 * and the inline sb_may_control in rights.h).
 *
 * Each check is run over every combination of its inputs that matters (all
 * perm bits against all rights, every subset of the defined rights given
 * or taken by every subset, every PCT policy over a family of env ids,
 * every rflags bit) and compared with an oracle written here from the doc
 * comments, not from the code. Hand-picked cases name the behaviour the
 * kernel relies on, so a failure says which promise broke.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <exo/error.h>
#include <exo/layout.h>
#include <exo/types.h>

#include "rights.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Print the first few disagreements in full; the test then fails on the
 * count, so one broken rule does not bury the log in thousands of lines. */
#define MAX_REPORTS 8
#define REPORT(nbad, ...)                                            \
	do {                                                         \
		if ((nbad)++ < MAX_REPORTS)                          \
			fprintf(stderr, "\n  rights: " __VA_ARGS__); \
	} while (0)

/* ------------------------------------------------------------ perm/rights */

/* Oracle: perm's R, W and X bits, one by one, each need the same bit in
 * rights. USER0 is a libOS marker, not a right. */
static bool want_perm_within(uint64_t perm, uint64_t rights)
{
	if ((perm & EXO_PERM_R) && !(rights & EXO_PERM_R))
		return false;
	if ((perm & EXO_PERM_W) && !(rights & EXO_PERM_W))
		return false;
	if ((perm & EXO_PERM_X) && !(rights & EXO_PERM_X))
		return false;
	return true;
}

static void test_perm_within_all(void)
{
	unsigned nbad = 0, ntrue = 0;

	for (uint64_t perm = 0; perm < 16; perm++) {
		for (uint64_t rights = 0; rights < 8; rights++) {
			bool got = sb_perm_within(perm, rights);
			if (got != want_perm_within(perm, rights))
				REPORT(nbad, "sb_perm_within(%#lx, %#lx) = %d\n",
				       (unsigned long)perm, (unsigned long)rights, got);
			ntrue += got;
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);
	/* Per bit: 3 of 4 (perm, rights) pairs pass; USER0 doubles it all. */
	CU_ASSERT_EQUAL(ntrue, 2 * 3 * 3 * 3);

	/* The cases the kernel leans on, by name. */
	CU_ASSERT_TRUE(sb_perm_within(EXO_PERM_R, EXO_PERM_R));
	CU_ASSERT_FALSE(sb_perm_within(EXO_PERM_R | EXO_PERM_W, EXO_PERM_R));
	CU_ASSERT_FALSE(sb_perm_within(EXO_PERM_R | EXO_PERM_X, EXO_PERM_R | EXO_PERM_W));
	CU_ASSERT_TRUE(sb_perm_within(0, 0));
	CU_ASSERT_TRUE(sb_perm_within(EXO_PERM_R | EXO_PERM_USER0, EXO_PERM_R));
}

/*
 * Bits above R/W/X/USER0 in perm (and any extra bits in rights) are
 * ignored: sb_perm_within answers only "are the R/W/X bits covered". It
 * is safe because every caller first validates perm with sb_perm_ok or
 * sb_grant_perm_ok (sys_mem.c, pct.c), which refuse such bits.
 */
static void test_perm_within_garbage(void)
{
	static const uint64_t junk[] = {
		0x10,	    0x20,	0x80,	    0x100,	0x800,	 0x1000,
		1ULL << 31, 1ULL << 32, 1ULL << 40, 1ULL << 63, ~0xfULL,
	};
	unsigned nbad = 0;

	for (size_t j = 0; j < ARRAY_SIZE(junk); j++) {
		for (uint64_t perm = 0; perm < 16; perm++) {
			for (uint64_t rights = 0; rights < 8; rights++) {
				bool want = want_perm_within(perm, rights);
				bool got = sb_perm_within(perm | junk[j], rights);
				if (got != want)
					REPORT(nbad, "sb_perm_within(%#lx, %#lx) = %d\n",
					       (unsigned long)(perm | junk[j]),
					       (unsigned long)rights, got);
				got = sb_perm_within(perm, rights | junk[j]);
				if (got != want)
					REPORT(nbad, "sb_perm_within(%#lx, %#lx) = %d\n",
					       (unsigned long)perm,
					       (unsigned long)(rights | junk[j]), got);
			}
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);
	CU_ASSERT_TRUE(sb_perm_within(EXO_PERM_R | (1ULL << 40), EXO_PERM_R));
	CU_ASSERT_TRUE(sb_perm_within(0x10, 0));
	CU_ASSERT_TRUE(sb_perm_within(~0x7ULL, 0));
	CU_ASSERT_FALSE(sb_perm_within(UINT64_MAX, EXO_PERM_R | EXO_PERM_W));
	CU_ASSERT_TRUE(sb_perm_within(UINT64_MAX, EXO_PERM_R | EXO_PERM_W | EXO_PERM_X));
}

/* A grant carries R, R|W, R|X or R|W|X: nothing else, not even USER0. */
static void test_grant_perm_ok(void)
{
	static const uint64_t high[] = {
		1ULL << 8, 1ULL << 11, 1ULL << 12, 1ULL << 16, 1ULL << 31, 1ULL << 32, 1ULL << 63,
	};
	unsigned nbad = 0, nok = 0;

	for (uint64_t v = 0; v < 256; v++) {
		bool want = v == 1 || v == 3 || v == 5 || v == 7;
		bool got = sb_grant_perm_ok(v);
		if (got != want)
			REPORT(nbad, "sb_grant_perm_ok(%#lx) = %d\n", (unsigned long)v, got);
		nok += got;
		for (size_t h = 0; h < ARRAY_SIZE(high); h++) {
			if (sb_grant_perm_ok(v | high[h]))
				REPORT(nbad, "sb_grant_perm_ok(%#lx) = 1\n",
				       (unsigned long)(v | high[h]));
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);
	CU_ASSERT_EQUAL(nok, 4);
	CU_ASSERT_FALSE(sb_grant_perm_ok(EXO_PERM_R | EXO_PERM_USER0));
	CU_ASSERT_FALSE(sb_grant_perm_ok(EXO_PERM_W));
	CU_ASSERT_FALSE(sb_grant_perm_ok(0));
	CU_ASSERT_FALSE(sb_grant_perm_ok(UINT64_MAX));
}

/* ------------------------------------------------------ delegation/revoke */

/* The rights types.h defines, in the order subsets are numbered below. */
static const uint32_t defined_rights[] = {
	EXO_RIGHT_CONSOLE, EXO_RIGHT_MACHINE, EXO_RIGHT_GUEST, EXO_RIGHT_REVOKE,
	EXO_RIGHT_TRACE,   EXO_RIGHT_DISK,    EXO_RIGHT_ROOT,
};
#define NSUBSETS (1u << ARRAY_SIZE(defined_rights))

/* Subset number i of the defined rights: bit k of i picks right k. */
static uint32_t subset(unsigned i)
{
	uint32_t r = 0;
	for (unsigned k = 0; k < ARRAY_SIZE(defined_rights); k++)
		if (i & (1u << k))
			r |= defined_rights[k];
	return r;
}

static bool known_bit(unsigned b)
{
	for (size_t k = 0; k < ARRAY_SIZE(defined_rights); k++)
		if (b < 32 && defined_rights[k] == 1u << b)
			return true;
	return false;
}

/* Oracle: is the request well formed (some rights, all of them known)? */
static bool want_valid_request(uint64_t rights)
{
	if (rights == 0)
		return false;
	for (unsigned b = 0; b < 64; b++)
		if (((rights >> b) & 1) && !known_bit(b))
			return false;
	return true;
}

/* Oracle from the doc comment of sb_delegate_check. */
static int want_delegate(uint32_t caller, uint64_t rights, bool child)
{
	bool root = (caller & EXO_RIGHT_ROOT) != 0;

	if (!want_valid_request(rights))
		return -EXO_EINVAL;
	for (unsigned b = 0; b < 32; b++) /* valid requests have no bit >= 32 */
		if (((rights >> b) & 1) && !((caller >> b) & 1))
			return -EXO_EPERM; /* giving what the caller lacks */
	if ((rights & EXO_RIGHT_ROOT) && !root)
		return -EXO_EPERM; /* ROOT only from a ROOT holder */
	if (!child && !root)
		return -EXO_EPERM; /* a stranger only from a ROOT holder */
	return 0;
}

/* Oracle from the doc comment of sb_revoke_rights_check: what the caller
 * itself holds plays no part, only whether it controls the target. */
static int want_revoke(uint32_t caller, uint64_t rights, bool child)
{
	if (!want_valid_request(rights))
		return -EXO_EINVAL;
	if (!child && !(caller & EXO_RIGHT_ROOT))
		return -EXO_EPERM;
	return 0;
}

/* Requests: every subset of the defined rights, every undefined bit alone
 * and on top of all defined rights, and all 64 bits. */
static unsigned requests(uint64_t *out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NSUBSETS; i++)
		out[n++] = subset(i);
	for (unsigned b = 0; b < 64; b++) {
		if (known_bit(b))
			continue;
		out[n++] = 1ULL << b;
		out[n++] = (1ULL << b) | subset(NSUBSETS - 1);
	}
	out[n++] = UINT64_MAX;
	return n;
}

/* Callers: every subset of the defined rights, and a few holding bits no
 * right is defined for (they must not be able to pass those on). */
static unsigned callers(uint32_t *out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NSUBSETS; i++)
		out[n++] = subset(i);
	out[n++] = 1u << 6;
	out[n++] = EXO_RIGHT_ROOT | (1u << 6) | (1u << 30);
	out[n++] = UINT32_MAX;
	return n;
}

typedef int (*rights_check_fn)(uint32_t, uint64_t, bool);

static void exhaust(const char *name, rights_check_fn check, rights_check_fn oracle)
{
	uint64_t req[NSUBSETS + 2 * 64 + 1];
	uint32_t cal[NSUBSETS + 3];
	unsigned nreq = requests(req), ncal = callers(cal);
	unsigned nbad = 0, seen_ok = 0, seen_inval = 0, seen_perm = 0;

	CU_ASSERT_FATAL(nreq <= ARRAY_SIZE(req));
	for (unsigned c = 0; c < ncal; c++) {
		for (unsigned r = 0; r < nreq; r++) {
			for (int child = 0; child < 2; child++) {
				int want = oracle(cal[c], req[r], child);
				int got = check(cal[c], req[r], child);
				if (got != want)
					REPORT(nbad, "%s(%#x, %#lx, %d) = %d, want %d\n", name,
					       cal[c], (unsigned long)req[r], child, got, want);
				seen_ok += got == 0;
				seen_inval += got == -EXO_EINVAL;
				seen_perm += got == -EXO_EPERM;
			}
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);
	/* Nothing but the three documented answers, and each of them occurs. */
	CU_ASSERT_EQUAL(seen_ok + seen_inval + seen_perm, ncal * nreq * 2);
	CU_ASSERT_TRUE(seen_ok > 0 && seen_inval > 0 && seen_perm > 0);
}

static void test_rights_all_defined(void)
{
	/* If a right is added, the exhaustive tests below must learn of it. */
	CU_ASSERT_EQUAL(subset(NSUBSETS - 1), EXO_RIGHTS_ALL);
}

static void test_delegate_all(void)
{
	exhaust("sb_delegate_check", sb_delegate_check, want_delegate);
}

static void test_delegate_cases(void)
{
	const uint32_t con = EXO_RIGHT_CONSOLE, root = EXO_RIGHT_ROOT;

	/* A parent passes on what it holds to its child, not to a stranger. */
	CU_ASSERT_EQUAL(sb_delegate_check(con | EXO_RIGHT_TRACE, con, true), 0);
	CU_ASSERT_EQUAL(sb_delegate_check(con, con, false), -EXO_EPERM);
	/* Nothing the caller lacks, to anyone, even as ROOT holder. */
	CU_ASSERT_EQUAL(sb_delegate_check(con, con | EXO_RIGHT_MACHINE, true), -EXO_EPERM);
	CU_ASSERT_EQUAL(sb_delegate_check(root, con, false), -EXO_EPERM);
	CU_ASSERT_EQUAL(sb_delegate_check(root, con, true), -EXO_EPERM);
	/* ROOT holders give to anyone, including ROOT itself. */
	CU_ASSERT_EQUAL(sb_delegate_check(root | con, con, false), 0);
	CU_ASSERT_EQUAL(sb_delegate_check(root, root, false), 0);
	CU_ASSERT_EQUAL(sb_delegate_check(EXO_RIGHTS_ALL, EXO_RIGHTS_ALL, false), 0);
	/* ROOT never from a non-holder, even to its own child. */
	CU_ASSERT_EQUAL(sb_delegate_check(EXO_RIGHTS_ALL & ~root, root, true), -EXO_EPERM);
	/* Malformed requests are EINVAL before any permission question. */
	CU_ASSERT_EQUAL(sb_delegate_check(0, 0, false), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_delegate_check(EXO_RIGHTS_ALL, 0, true), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_delegate_check(0, 1u << 6, false), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_delegate_check(UINT32_MAX, 1u << 6, true), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_delegate_check(EXO_RIGHTS_ALL, con | (1ULL << 32), true), -EXO_EINVAL);
	/* A 64-bit request whose low 32 bits are fine is not truncated. */
	CU_ASSERT_EQUAL(sb_delegate_check(UINT32_MAX, (1ULL << 32) | con, true), -EXO_EINVAL);
}

static void test_revoke_all(void)
{
	exhaust("sb_revoke_rights_check", sb_revoke_rights_check, want_revoke);
}

static void test_revoke_cases(void)
{
	/* A parent may take back rights from its child, even ones it lacks
	 * (e.g. ROOT a root holder gave the child): it controls the child. */
	CU_ASSERT_EQUAL(sb_revoke_rights_check(0, EXO_RIGHT_CONSOLE, true), 0);
	CU_ASSERT_EQUAL(sb_revoke_rights_check(0, EXO_RIGHT_ROOT, true), 0);
	/* From anyone else only as ROOT holder. */
	CU_ASSERT_EQUAL(
		sb_revoke_rights_check(EXO_RIGHTS_ALL & ~EXO_RIGHT_ROOT, EXO_RIGHT_CONSOLE, false),
		-EXO_EPERM);
	CU_ASSERT_EQUAL(sb_revoke_rights_check(EXO_RIGHT_ROOT, EXO_RIGHTS_ALL, false), 0);
	/* Malformed requests. */
	CU_ASSERT_EQUAL(sb_revoke_rights_check(EXO_RIGHT_ROOT, 0, true), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_revoke_rights_check(0, 0, false), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_revoke_rights_check(EXO_RIGHT_ROOT, 1ULL << 63, true), -EXO_EINVAL);
}

/* ------------------------------------------------------- control and PCT */

/* Env ids for the relation tests: 0 (no env / no parent), three ordinary
 * ids and the largest. */
static const uint32_t ids[] = { 0, 1, 2, 3, UINT32_MAX };

/* Oracle: itself, or its child; 0 names no environment and so is nobody's
 * parent. */
static bool want_may_control(uint32_t caller, uint32_t target, uint32_t target_parent)
{
	if (caller == target)
		return true;
	if (caller == 0)
		return false;
	return target_parent == caller;
}

static void test_may_control_all(void)
{
	unsigned nbad = 0;

	for (size_t c = 0; c < ARRAY_SIZE(ids); c++)
		for (size_t t = 0; t < ARRAY_SIZE(ids); t++)
			for (size_t p = 0; p < ARRAY_SIZE(ids); p++) {
				bool want = want_may_control(ids[c], ids[t], ids[p]);
				bool got = sb_may_control(ids[c], ids[t], ids[p]);
				if (got != want)
					REPORT(nbad, "sb_may_control(%u, %u, %u) = %d\n", ids[c],
					       ids[t], ids[p], got);
			}
	CU_ASSERT_EQUAL(nbad, 0);

	/* Family 1 -> 2 -> 3, and 4 a second child of 1. */
	CU_ASSERT_TRUE(sb_may_control(1, 1, 0));  /* itself */
	CU_ASSERT_TRUE(sb_may_control(1, 2, 1));  /* its child */
	CU_ASSERT_FALSE(sb_may_control(2, 1, 0)); /* not its parent */
	CU_ASSERT_FALSE(sb_may_control(1, 3, 2)); /* not its grandchild */
	CU_ASSERT_FALSE(sb_may_control(4, 2, 1)); /* not its sibling */
	/* An orphan (parent 0) is controlled by no one but itself... */
	CU_ASSERT_FALSE(sb_may_control(0, 5, 0));
	/* ...and id 0 is "itself" when asked about 0: harmless, since no
	 * environment has id 0 (env_lookup callers refuse it). */
	CU_ASSERT_TRUE(sb_may_control(0, 0, 0));
}

/* Oracle from EXO_PCT_* in types.h: the callee names who may call it. */
static bool want_pct(uint32_t policy, uint32_t caller, uint32_t callee, uint32_t caller_parent,
		     uint32_t callee_parent)
{
	if (caller == callee)
		return false; /* never a transfer to oneself */
	if (policy & EXO_PCT_ANY)
		return true;
	if ((policy & EXO_PCT_PARENT) && caller != 0 && callee_parent == caller)
		return true; /* the caller is the callee's parent */
	if ((policy & EXO_PCT_CHILDREN) && callee != 0 && caller_parent == callee)
		return true; /* the caller is a child of the callee */
	return false;
}

static void test_pct_all(void)
{
	/* Bits above the three policies are ignored. */
	static const uint32_t extra[] = { 0, 1u << 3, 1u << 31, ~7u };
	const size_t n = ARRAY_SIZE(ids);
	unsigned nbad = 0, nyes = 0;

	for (size_t x = 0; x < ARRAY_SIZE(extra); x++) {
		for (uint32_t pol = 0; pol < 8; pol++) {
			/* k runs over every (caller, callee, their parents). */
			for (size_t k = 0; k < n * n * n * n; k++) {
				uint32_t a = ids[k % n], b = ids[k / n % n];
				uint32_t pa = ids[k / n / n % n], pb = ids[k / n / n / n];
				uint32_t p = pol | extra[x];
				bool want = want_pct(pol, a, b, pa, pb);
				bool got = sb_pct_permitted(p, a, b, pa, pb);
				if (got != want)
					REPORT(nbad, "sb_pct_permitted(%#x, %u, %u, %u, %u) = %d\n",
					       p, a, b, pa, pb, got);
				nyes += got;
			}
		}
	}
	CU_ASSERT_EQUAL(nbad, 0);
	CU_ASSERT_TRUE(nyes > 0);
}

static void test_pct_family(void)
{
	/* Family: 1 (parent 0) -> 2 -> 3, and 4 a second child of 1. The
	 * callee's policy is the first argument. */
	for (uint32_t pol = 0; pol < 8; pol++) {
		bool any = pol & EXO_PCT_ANY, par = pol & EXO_PCT_PARENT;
		bool chi = pol & EXO_PCT_CHILDREN;

		CU_ASSERT_EQUAL(sb_pct_permitted(pol, 1, 2, 0, 1), any || par); /* parent */
		CU_ASSERT_EQUAL(sb_pct_permitted(pol, 2, 1, 1, 0), any || chi); /* child */
		CU_ASSERT_EQUAL(sb_pct_permitted(pol, 1, 3, 0, 2), any);	/* grandparent */
		CU_ASSERT_EQUAL(sb_pct_permitted(pol, 3, 1, 2, 0), any);	/* grandchild */
		CU_ASSERT_EQUAL(sb_pct_permitted(pol, 4, 2, 1, 1), any);	/* sibling */
		CU_ASSERT_FALSE(sb_pct_permitted(pol, 2, 2, 1, 1));		/* itself */
		/* Two orphans share "parent 0", which is not a parent. */
		CU_ASSERT_EQUAL(sb_pct_permitted(pol, 0, 5, 0, 0), any);
		CU_ASSERT_EQUAL(sb_pct_permitted(pol, 5, 0, 0, 0), any);
	}
	CU_ASSERT_FALSE(sb_pct_permitted(0, 1, 2, 0, 1));
	CU_ASSERT_FALSE(
		sb_pct_permitted(EXO_PCT_ANY | EXO_PCT_PARENT | EXO_PCT_CHILDREN, 7, 7, 7, 7));
}

/* -------------------------------------------------------------- registers */

/* Addresses against the user window, with whether each is a user address. */
static const struct {
	uint64_t va;
	bool user;
} addrs[] = {
	{ 0, false },
	{ 1, false },
	{ EXO_USER_MIN - 1, false },
	{ EXO_USER_MIN, true },
	{ 0x400000, true },
	{ EXO_USER_MAX - 1, true },
	{ EXO_USER_MAX, false },
	{ 0x00007fffffffffffULL, false }, /* top of the lower half: kernel windows */
	{ 0x0000800000000000ULL, false }, /* non-canonical */
	{ 0x7fffffffffffffffULL, false },
	{ 0xffff7fffffffffffULL, false }, /* non-canonical */
	{ 0xffff800000000000ULL, false }, /* kernel */
	{ 0xffffffff80000000ULL, false }, /* kernel image */
	{ UINT64_MAX, false },
};

static struct exo_regs good_regs(void)
{
	struct exo_regs r = { .rip = 0x401000, .rsp = 0x7ff000, .rflags = 0x202 };
	return r;
}

static void test_regs_ok(void)
{
	struct exo_regs r;

	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		r = good_regs();
		r.rip = addrs[i].va;
		if (sb_regs_ok(&r) != addrs[i].user) {
			fprintf(stderr, "\n  rights: sb_regs_ok(rip %#lx) = %d\n",
				(unsigned long)addrs[i].va, !addrs[i].user);
			CU_FAIL("rip");
		}
		/* fs_base/gs_base: any canonical user value, 0 included, up to
		 * and including EXO_USER_MAX (the kernel's read-only windows
		 * are still user-readable addresses). */
		bool base_ok = addrs[i].va <= EXO_USER_MAX;
		r = good_regs();
		r.fs_base = addrs[i].va;
		CU_ASSERT_EQUAL(sb_regs_ok(&r), base_ok);
		r = good_regs();
		r.gs_base = addrs[i].va;
		CU_ASSERT_EQUAL(sb_regs_ok(&r), base_ok);
	}

	/* Every other register, rsp and rflags included, is free: rflags is
	 * sanitized separately and a wild rsp faults in ring 3. */
	r = good_regs();
	uint64_t *w = (uint64_t *)&r;
	for (size_t k = 0; k < 16; k++)
		w[k] = UINT64_MAX;
	r.rflags = UINT64_MAX;
	CU_ASSERT_TRUE(sb_regs_ok(&r));
	r.fs_base = r.gs_base = EXO_USER_MAX;
	CU_ASSERT_TRUE(sb_regs_ok(&r));
	r.gs_base = EXO_USER_MAX + 1;
	CU_ASSERT_FALSE(sb_regs_ok(&r));
}

/* rflags bits a user context may set (Intel SDM vol. 1 §3.4.3):
 * CF PF AF ZF SF TF DF OF AC ID. */
static bool user_flag(unsigned bit)
{
	switch (bit) {
	case 0:	 /* CF */
	case 2:	 /* PF */
	case 4:	 /* AF */
	case 6:	 /* ZF */
	case 7:	 /* SF */
	case 8:	 /* TF */
	case 10: /* DF */
	case 11: /* OF */
	case 18: /* AC */
	case 21: /* ID */
		return true;
	default:
		return false;
	}
}

#define RFLAGS_FIXED (1ULL << 1) /* reads as 1 */
#define RFLAGS_IF    (1ULL << 9)
#define RFLAGS_IOPL  (3ULL << 12)

static void test_rflags_each_bit(void)
{
	unsigned nbad = 0;

	for (unsigned bit = 0; bit < 64; bit++) {
		uint64_t in = 1ULL << bit;
		uint64_t want = (user_flag(bit) ? in : 0) | RFLAGS_IF | RFLAGS_FIXED;
		uint64_t got = sb_rflags_sanitize(in);
		if (got != want)
			REPORT(nbad, "sb_rflags_sanitize(1 << %u) = %#lx, want %#lx\n", bit,
			       (unsigned long)got, (unsigned long)want);
		/* The same bit cleared out of all ones. */
		want = 0;
		for (unsigned b = 0; b < 64; b++)
			if (b != bit && user_flag(b))
				want |= 1ULL << b;
		want |= RFLAGS_IF | RFLAGS_FIXED;
		got = sb_rflags_sanitize(~in);
		if (got != want)
			REPORT(nbad, "sb_rflags_sanitize(~(1 << %u)) = %#lx, want %#lx\n", bit,
			       (unsigned long)got, (unsigned long)want);
	}
	CU_ASSERT_EQUAL(nbad, 0);
	CU_ASSERT_EQUAL(sb_rflags_sanitize(0), 0x202);
	CU_ASSERT_EQUAL(sb_rflags_sanitize(UINT64_MAX), 0x240fd7);
}

/* Whatever comes in: IF on, IOPL 0, NT/RF/VM/VIF/VIP off, the user flags
 * passed through untouched. */
static void test_rflags_random(void)
{
	uint64_t rng = 0x2545f4914f6cdd1dULL, user = 0;
	unsigned nbad = 0;

	for (unsigned b = 0; b < 64; b++)
		if (user_flag(b))
			user |= 1ULL << b;
	for (unsigned i = 0; i < 100000; i++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		uint64_t out = sb_rflags_sanitize(rng);
		if (!(out & RFLAGS_IF) || (out & RFLAGS_IOPL) || (out & ~(user | 0x202)) ||
		    (out & user) != (rng & user))
			REPORT(nbad, "sb_rflags_sanitize(%#lx) = %#lx\n", (unsigned long)rng,
			       (unsigned long)out);
	}
	CU_ASSERT_EQUAL(nbad, 0);
	CU_ASSERT_EQUAL(sb_rflags_sanitize(RFLAGS_IOPL) & RFLAGS_IOPL, 0);
	CU_ASSERT_EQUAL(
		sb_rflags_sanitize(0x3000 | 0x4000 | 0x10000 | 0x20000 | 0x80000 | 0x100000),
		0x202); /* IOPL NT RF VM VIF VIP */
}

/* ---------------------------------------------------------------- entries */

/* Stack tops: 16-byte aligned, with at least one user byte below. */
static const struct {
	uint64_t rsp;
	bool ok;
} stacks[] = {
	{ 0, false },
	{ 8, false },
	{ EXO_USER_MIN - 16, false },
	{ EXO_USER_MIN, false }, /* nothing but page 0 below it */
	{ EXO_USER_MIN + 8, false },
	{ EXO_USER_MIN + 16, true },
	{ 0x7ff000, true },
	{ 0x7ff008, false },
	{ EXO_USER_MAX - 16, true },
	{ EXO_USER_MAX, true }, /* a stack ending at the top of user memory */
	{ EXO_USER_MAX + 16, false },
	{ 0x0000800000000000ULL, false },
	{ 0xffff800000000000ULL, false },
	{ 0xfffffffffffffff0ULL, false },
	{ UINT64_MAX, false },
};

static void test_entry_all(void)
{
	static const uint64_t which[] = { 0, 1, 2, 3, 4, 5, 6, 7, 64, 1ULL << 32, UINT64_MAX };
	unsigned nbad = 0;

	for (size_t w = 0; w < ARRAY_SIZE(which); w++)
		for (size_t a = 0; a < ARRAY_SIZE(addrs); a++)
			for (size_t s = 0; s < ARRAY_SIZE(stacks); s++) {
				uint64_t rip = addrs[a].va, rsp = stacks[s].rsp;
				int want;
				if (which[w] >= EXO_NENTRIES)
					want = -EXO_EINVAL;
				else if (rip == 0)
					want = 0; /* unregister: rsp is not looked at */
				else if (!addrs[a].user || !stacks[s].ok)
					want = -EXO_EINVAL;
				else
					want = 0;
				int got = sb_entry_check(which[w], rip, rsp);
				if (got != want)
					REPORT(nbad, "sb_entry_check(%lu, %#lx, %#lx) = %d\n",
					       (unsigned long)which[w], (unsigned long)rip,
					       (unsigned long)rsp, got);
			}
	CU_ASSERT_EQUAL(nbad, 0);
}

static void test_entry_cases(void)
{
	const uint64_t rip = 0x401000;

	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_EXCEPTION, rip, 0x7ff000), 0);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_REPOSSESS, rip, 0x7ff000), 0);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_NENTRIES, rip, 0x7ff000), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_NENTRIES, 0, 0), -EXO_EINVAL);
	/* Unregistering: rip 0 with rsp 0, and (not looked at) any rsp;
	 * sys_env_set_entry stores rsp 0 then. */
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, 0, 0), 0);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, 0, 0xffff800000000001ULL), 0);
	/* A live entry needs a stack. */
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, rip, 0), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, 0xffffffff80100000ULL, 0x7ff000),
			-EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, 0x0000800000000000ULL, 0x7ff000),
			-EXO_EINVAL);
	/* Every misalignment of an otherwise good stack top. */
	for (uint64_t off = 1; off < 16; off++)
		CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, rip, 0x7ff000 + off), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, rip, EXO_USER_MAX), 0);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, rip, EXO_USER_MIN), -EXO_EINVAL);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, EXO_USER_MAX - 1, EXO_USER_MAX), 0);
	CU_ASSERT_EQUAL(sb_entry_check(EXO_ENTRY_PCT, EXO_USER_MAX, EXO_USER_MAX), -EXO_EINVAL);
}

static CU_TestInfo rights_tests[] = {
	{ "perm within rights: all 16x8", test_perm_within_all },
	{ "perm within rights: high bits ignored", test_perm_within_garbage },
	{ "grant perm: all 256 and high bits", test_grant_perm_ok },
	{ "EXO_RIGHTS_ALL is the defined rights", test_rights_all_defined },
	{ "delegate: every combination", test_delegate_all },
	{ "delegate: named cases", test_delegate_cases },
	{ "revoke: every combination", test_revoke_all },
	{ "revoke: named cases", test_revoke_cases },
	{ "may control: every id triple", test_may_control_all },
	{ "PCT policy: every combination", test_pct_all },
	{ "PCT policy: a family", test_pct_family },
	{ "regs: rip, fs_base, gs_base", test_regs_ok },
	{ "rflags: each bit", test_rflags_each_bit },
	{ "rflags: random values", test_rflags_random },
	{ "entry: every combination", test_entry_all },
	{ "entry: named cases", test_entry_cases },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(rights, rights_tests);
