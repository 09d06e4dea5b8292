/*
 * rights.h - the checks that decide whether an environment may control
 * another, delegate rights, bind a frame with some permissions, or make a
 * protected control transfer. Pure functions of their arguments (the
 * kernel looks the facts up, these decide); compiled into the kernel and
 * into the host unit tests, which try every combination.
 */
#ifndef SB_RIGHTS_H
#define SB_RIGHTS_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/types.h>

#define SB_PERM_RWX 0x7u /* EXO_PERM_R | EXO_PERM_W | EXO_PERM_X */

/* May caller act on target's state (registers, status, entries, address
 * space)? Only on itself or on an environment it controls (its parent
 * field names the caller). */
static inline bool sb_may_control(uint32_t caller, uint32_t target, uint32_t target_parent)
{
	return caller == target || (target_parent == caller && caller != 0);
}

bool sb_perm_within(uint64_t perm, uint64_t rights);
bool sb_grant_perm_ok(uint64_t perm);
int sb_delegate_check(uint32_t caller_rights, uint64_t rights, bool target_is_child);
int sb_revoke_rights_check(uint32_t caller_rights, uint64_t rights, bool target_is_child);
bool sb_pct_permitted(uint32_t policy, uint32_t caller, uint32_t callee, uint32_t caller_parent,
		      uint32_t callee_parent);
bool sb_regs_ok(const struct exo_regs *r);
uint64_t sb_rflags_sanitize(uint64_t rflags);
int sb_entry_check(uint64_t which, uint64_t rip, uint64_t rsp);

#endif
