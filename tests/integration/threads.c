/*
 * threads.c - libexo's cooperative threads: four threads yielding run in
 * strict round-robin order, each keeps its own MXCSR and callee-saved
 * registers across switches, join waits for exit and frees the slot, and
 * bad joins fail with their documented errors.
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"

#define NT     4
#define ROUNDS 50

static int order[NT * ROUNDS + 16];
static unsigned norder;
static unsigned counter[NT];
static unsigned long shared_total;
static long ids[NT];

static uint32_t get_mxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void set_mxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" ::"m"(v));
}

/* Each thread: ROUNDS times, note its turn, bump counters, yield. Thread
 * k uses rounding mode k (MXCSR bits 13-14), which must survive other
 * threads' switches. A local in a callee-saved register must too. */
static void worker(void *arg)
{
	int k = (int)(long)arg;
	uint32_t mine = 0x1f80 | (uint32_t)k << 13;
	volatile unsigned long sum = 0;

	CHECK_EQ(get_mxcsr(), 0x1f80); /* a new thread starts clean */
	CHECK_EQ(exo_thread_self(), ids[k]);
	set_mxcsr(mine);
	for (int r = 0; r < ROUNDS; r++) {
		order[norder++] = k;
		counter[k]++;
		shared_total += (unsigned long)k + 1;
		sum += (unsigned long)r * (unsigned long)(k + 1);
		exo_thread_yield();
		CHECK_EQ(get_mxcsr(), mine);
	}
	CHECK_EQ(sum, (unsigned long)(k + 1) * (ROUNDS * (ROUNDS - 1) / 2));
	if (k == 2)
		exo_thread_exit(); /* explicit exit, from a thread */
				   /* the others return, which is exo_thread_exit */
}

static void lonely(void *arg)
{
	*(int *)arg = 42;
}

int main(void)
{
	CHECK_EQ(exo_thread_self(), 1);
	CHECK_EQ(exo_thread_create(NULL, NULL), -EXO_EINVAL);
	CHECK_EQ(exo_thread_join(1), -EXO_EINVAL);   /* self */
	CHECK_EQ(exo_thread_join(999), -EXO_EINVAL); /* no such thread */
	exo_thread_yield();			     /* alone: returns at once */

	for (int k = 0; k < NT; k++) {
		ids[k] = exo_thread_create(worker, (void *)(long)k);
		CHECK(ids[k] > 1);
	}
	CHECK(ids[1] != ids[0] && ids[2] != ids[1] && ids[3] != ids[2]);
	set_mxcsr(0x1f80 | 3u << 13); /* the main thread's own rounding mode */

	/* Main joins worker 0 and so leaves the CPU to the four until it ends. */
	CHECK_EQ(exo_thread_join(ids[0]), 0);
	CHECK_EQ(get_mxcsr(), 0x1f80 | 3u << 13);
	for (int k = 1; k < NT; k++)
		CHECK_EQ(exo_thread_join(ids[k]), 0);
	set_mxcsr(0x1f80);

	/* Strict round-robin: 0 1 2 3 0 1 2 3 ... */
	CHECK_EQ(norder, NT * ROUNDS);
	for (unsigned i = 0; i < norder; i++)
		if (order[i] != (int)(i % NT)) {
			printf("order[%u] = %d, expected %u\n", i, order[i], i % NT);
			CHECK(0);
		}
	for (int k = 0; k < NT; k++)
		CHECK_EQ(counter[k], ROUNDS);
	CHECK_EQ(shared_total, ROUNDS * (1 + 2 + 3 + 4));
	CHECK_EQ(exo_thread_join(ids[0]), -EXO_EINVAL); /* already joined */

	/* A thread that never yields runs at the creator's next switch. */
	int v = 0;
	long t = exo_thread_create(lonely, &v);
	CHECK(t > ids[3]);
	CHECK_EQ(v, 0);
	exo_thread_yield();
	CHECK_EQ(v, 42);
	CHECK_EQ(exo_thread_join(t), 0);

	/* Slots are reused: more than EXO_THREAD_MAX threads over time. */
	for (int i = 0; i < 2 * EXO_THREAD_MAX; i++) {
		long x = exo_thread_create(lonely, &v);
		CHECK(x > 0);
		CHECK_EQ(exo_thread_join(x), 0);
	}
	/* But not more than EXO_THREAD_MAX at once. */
	long many[EXO_THREAD_MAX];
	int n = 0;
	for (; n < EXO_THREAD_MAX; n++) {
		many[n] = exo_thread_create(lonely, &v);
		if (many[n] < 0)
			break;
	}
	CHECK_EQ(n, EXO_THREAD_MAX - 1);
	CHECK_EQ(many[n], -EXO_ERANGE);
	for (int i = 0; i < n; i++)
		CHECK_EQ(exo_thread_join(many[i]), 0);

	printf("threads: round-robin, join and exit pass\n");
	test_pass();
}
