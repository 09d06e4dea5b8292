/*
 * rights.c - rights, delegation and register checks (rights.h).
 *
 * Delegation follows the exokernel rule that every right other than plain
 * ownership comes down from the root capability (Kaashoek et al.,
 * SOSP'97): an environment may pass on a subset of what it holds to the
 * environments it controls; only the holder of EXO_RIGHT_ROOT may give
 * rights to an environment it does not control, or give EXO_RIGHT_ROOT.
 */
#include <exo/error.h>
#include <exo/layout.h>

#include "rights.h"
#include "uaddr.h"

/* True if perm's R/W/X bits are a subset of rights (R/W/X). The software
 * bit EXO_PERM_USER0 is not a right and is ignored. */
bool sb_perm_within(uint64_t perm, uint64_t rights)
{
	return ((perm & SB_PERM_RWX) & ~rights) == 0;
}

/* A permission set a grant may carry: R/W/X only, and R among them. */
bool sb_grant_perm_ok(uint64_t perm)
{
	return (perm & ~(uint64_t)SB_PERM_RWX) == 0 && (perm & EXO_PERM_R);
}

/*
 * May a holder of caller_rights give rights to a target?
 * Returns 0, -EXO_EINVAL (unknown right bits or none), -EXO_EPERM (giving
 * what the caller lacks, giving ROOT without holding it, or giving to an
 * environment the caller does not control without holding ROOT).
 */
int sb_delegate_check(uint32_t caller_rights, uint64_t rights, bool target_is_child)
{
	if (rights == 0 || (rights & ~(uint64_t)EXO_RIGHTS_ALL))
		return -EXO_EINVAL;
	if (rights & ~(uint64_t)caller_rights)
		return -EXO_EPERM;
	if (!target_is_child && !(caller_rights & EXO_RIGHT_ROOT))
		return -EXO_EPERM;
	return 0;
}

/* May a holder of caller_rights take rights away from a target? Only from
 * environments it controls, unless it holds ROOT. Returns 0, -EXO_EINVAL
 * (unknown bits or none), -EXO_EPERM. */
int sb_revoke_rights_check(uint32_t caller_rights, uint64_t rights, bool target_is_child)
{
	if (rights == 0 || (rights & ~(uint64_t)EXO_RIGHTS_ALL))
		return -EXO_EINVAL;
	if (!target_is_child && !(caller_rights & EXO_RIGHT_ROOT))
		return -EXO_EPERM;
	return 0;
}

/* Does the callee's PCT policy (EXO_PCT_*) admit this caller? */
bool sb_pct_permitted(uint32_t policy, uint32_t caller, uint32_t callee, uint32_t caller_parent,
		      uint32_t callee_parent)
{
	if (caller == callee)
		return false;
	if (policy & EXO_PCT_ANY)
		return true;
	if ((policy & EXO_PCT_PARENT) && callee_parent == caller && caller != 0)
		return true;
	if ((policy & EXO_PCT_CHILDREN) && caller_parent == callee && callee != 0)
		return true;
	return false;
}

/* May these registers be loaded into a user context? rip must be a user
 * address (a kernel or non-canonical rip would fault in ring 0 on return);
 * fs_base and gs_base user addresses or 0. Other registers are free. */
bool sb_regs_ok(const struct exo_regs *r)
{
	return sb_user_range_ok(r->rip, 1) && r->fs_base <= EXO_USER_MAX &&
	       r->gs_base <= EXO_USER_MAX;
}

/* The user-settable flags (CF PF AF ZF SF TF DF OF AC ID) of rflags, with
 * IF forced on and IOPL 0: an environment never disables interrupts. */
uint64_t sb_rflags_sanitize(uint64_t rflags)
{
	const uint64_t user = 0x1u | 0x4u | 0x10u | 0x40u | 0x80u | 0x100u | 0x400u | 0x800u |
			      (1u << 18) | (1u << 21);
	return (rflags & user) | (1u << 9) | (1u << 1);
}

/* An entry point: which < EXO_NENTRIES; rip 0 (unregister) or a user
 * address; rsp 16-byte aligned and a user address (or 0 with rip 0).
 * Returns 0 or -EXO_EINVAL. */
int sb_entry_check(uint64_t which, uint64_t rip, uint64_t rsp)
{
	if (which >= EXO_NENTRIES)
		return -EXO_EINVAL;
	if (rip == 0)
		return 0;
	if (!sb_user_range_ok(rip, 1) || (rsp & 15) || !sb_user_range_ok(rsp - 1, 1))
		return -EXO_EINVAL;
	return 0;
}
