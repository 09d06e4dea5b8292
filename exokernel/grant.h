/*
 * grant.h - capabilities on frames: an owner (or a holder passing its
 * right on) lets another environment map a frame with at most some
 * permissions. Each frame keeps the list of grants naming it, so checking
 * a binding, revoking, and passing ownership on when the owner dies are
 * all proportional to the grants on that one frame.
 */
#ifndef GRANT_H
#define GRANT_H

#include <stdint.h>

#include "frame.h"

struct grant {
	uint64_t frame;	  /* frame number */
	uint32_t holder;  /* env that may map the frame */
	uint32_t issuer;  /* env that made the grant (revoking it cascades) */
	uint32_t charged; /* env whose kernel-memory quota pays for the record, 0 none */
	uint32_t next;	  /* next grant on the same frame, GRANT_NONE at the end */
	uint16_t perm;	  /* EXO_PERM_R/W/X the holder may map with */
	uint16_t refs;	  /* mappings of the frame in the holder's address space */
	uint32_t pad;	  /* 0; 1 while grant_revoke marks it */
};
_Static_assert(sizeof(struct grant) == 32, "grant record size");

#define GRANT_BYTES sizeof(struct grant)

struct env;

struct grant *grant_get(uint32_t idx);
uint32_t grant_find(uint64_t fn, uint32_t holder);
int grant_add(uint64_t fn, uint32_t holder, struct env *issuer, uint16_t perm);
void grant_remove(uint32_t idx);
uint16_t frame_rights(uint64_t fn, uint32_t env);
void frame_ref(uint64_t fn, uint32_t env, int delta);
void grant_forget_env(uint32_t id);
void frame_pass_on(uint64_t fn);
unsigned grant_revoke(uint32_t idx);

#endif
