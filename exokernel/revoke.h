/*
 * revoke.h - visible revocation and the abort protocol (Engler et al.,
 * SOSP'95 §3.3): the kernel asks an environment for frames back by a
 * deadline; if it does not comply, the kernel takes them itself and says
 * so in the environment's repossession vector. docs/revocation.md.
 */
#ifndef REVOKE_H
#define REVOKE_H

#include <stdint.h>

struct env;

extern unsigned nrevoking;

void revoke_start(struct env *t, unsigned kind, uint64_t n, uint64_t deadline_us);
void revoke_credit(struct env *e, unsigned kind);
void revoke_tick(struct env *running);
void revoke_env_gone(struct env *e);
void upcalls_deliver(struct env *e);
void repo_record(struct env *e, uint32_t kind, uint64_t resource, uint64_t va);
long revoke_pressure(struct env *caller);

#endif
