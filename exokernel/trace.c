/*
 * trace.c - the event ring (trace.h). Records carry a global sequence
 * number, so a reader asks for "everything after the last one I saw" and
 * can tell when the ring overwrote events it had not read yet (a gap).
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "syscall.h"
#include "trace.h"
#include "uaccess.h"

static struct exo_trace_rec ring[EXO_TRACE_RECORDS]; /* [K] */
static uint64_t next_seq = 1;			     /* [K] */

/* Record one event. Caller holds the kernel lock. */
void trace_event(uint32_t type, uint32_t env, uint64_t a, uint64_t b)
{
	uint64_t seq = next_seq++;
	ring[seq % EXO_TRACE_RECORDS] = (struct exo_trace_rec){
		.seq = seq,
		.tsc = rdtsc(),
		.type = type,
		.cpu = this_cpu()->id,
		.env = env,
		.a = a,
		.b = b,
	};
}

long sys_trace_read(struct exo_trace_rec *buf, uint64_t max, uint64_t after_seq)
{
	if (!(self()->rights & EXO_RIGHT_TRACE))
		return -EXO_EPERM;
	if (max > EXO_TRACE_RECORDS)
		return -EXO_ERANGE;
	uint64_t first = after_seq + 1;
	if (next_seq > EXO_TRACE_RECORDS && first < next_seq - EXO_TRACE_RECORDS)
		first = next_seq - EXO_TRACE_RECORDS; /* older ones were overwritten */
	uint64_t n = 0;
	for (uint64_t s = first; s < next_seq && n < max; s++, n++)
		if (copy_to_user(self(), (uint64_t)(buf + n), &ring[s % EXO_TRACE_RECORDS],
				 sizeof(*buf)) < 0)
			return -EXO_EFAULT;
	return (long)n;
}
