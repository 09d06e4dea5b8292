/*
 * trace.h - the kernel's event trace: slices, wake-ups, revocation.
 * A ring of EXO_TRACE_RECORDS events that an environment holding
 * EXO_RIGHT_TRACE reads with exo_trace_read.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdint.h>

#include <exo/types.h>

void trace_event(uint32_t type, uint32_t env, uint64_t a, uint64_t b);

#endif
