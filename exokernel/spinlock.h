/*
 * spinlock.h - the kernel lock.
 *
 * One lock serialises all kernel work (the "big kernel lock" of JOS and
 * early Linux): every entry from ring 3 and every interrupt taken while a
 * CPU idles acquires it; it is released on the way back to ring 3 and
 * while idling in HLT. Kernel paths are short and never sleep, and user
 * code — where an exokernel's time goes — runs in parallel on all CPUs.
 * Data marked [K] (and [F], [G], [I], the frame, grant and input tables)
 * is protected by it.
 *
 * A CPU spinning for the lock keeps answering TLB shootdowns (the holder
 * may be waiting for it to flush), so waiting cannot deadlock.
 *
 * It is a test-and-set lock, not a fair (ticket) lock: at release it goes
 * to whichever CPU takes it first, never to a waiter chosen in advance,
 * which may be a vCPU the host has descheduled (spinlock.c says why).
 */
#ifndef SPINLOCK_H
#define SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

void kernel_lock(void);
void kernel_unlock(void);
bool kernel_lock_held(void);

#endif
