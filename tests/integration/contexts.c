/*
 * contexts.c - one environment running on two CPUs at once through an
 * extra execution context (exo_ctx_create): both contexts share the
 * address space, frames and identity, run truly in parallel (the slice
 * trace shows them overlapping on different CPUs), and the context's
 * allocations belong to the environment. Destroying an environment whose
 * context is running on the other CPU takes both down cleanly.
 * Roles: "ctx-main" (first module: root) and "ctx-victim".
 */
#include <string.h>

#include "testlib.h"

#define SPIN_MS 200
#define WAIT_MS 60000

static volatile uint64_t ctx_id, ctx_env_id, ctx_frame, ctx_done;
static uint8_t ctx_stack[16384] __attribute__((aligned(16)));

static void spin_ms(uint64_t ms)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	uint64_t end = __builtin_ia32_rdtsc() + si->tsc_hz / 1000 * ms;
	while (__builtin_ia32_rdtsc() < end)
		;
}

/* Entered by the kernel with rsp at the top of ctx_stack (no return address). */
static void __attribute__((noreturn, used)) ctx_main(void)
{
	ctx_env_id = (uint64_t)exo_env_id();
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	ctx_frame = f > 0 ? (uint64_t)f : 0;
	spin_ms(SPIN_MS);
	ctx_done = 1;
	while (!ctx_id) /* the creator publishes our id */
		;
	exo_env_destroy(ctx_id);
	for (;;)
		;
}

static void spin_forever(void)
{
	for (;;)
		;
}

/* Enter fn on ctx_stack: rsp must look like just after a call. */
static long start_ctx(void (*fn)(void))
{
	return exo_ctx_create((uint64_t)fn, (uint64_t)(ctx_stack + sizeof(ctx_stack) - 16));
}

static void victim(void)
{
	CHECK(start_ctx(spin_forever) > 0);
	spin_forever();
}

static void main_role(void)
{
	uint32_t me = (uint32_t)exo_env_id();
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	uint64_t used0 = t[me & 1023].kmem_used;
	static struct exo_trace_rec tr[EXO_TRACE_RECORDS];
	long n = exo_trace_read(tr, EXO_TRACE_RECORDS, 0);
	uint64_t seq0 = n > 0 ? tr[n - 1].seq : 0;

	CHECK_EQ(exo_ctx_create(0xffffffff80100000ULL, 0x10000), -EXO_EINVAL);
	CHECK_EQ(exo_ctx_create((uint64_t)ctx_main, 0x10008), -EXO_EINVAL); /* misaligned */
	long c = start_ctx(ctx_main);
	CHECK(c > 0);
	CHECK(t[c & 1023].parent == me);
	ctx_id = (uint64_t)c;
	spin_ms(SPIN_MS); /* meanwhile the context spins too */
	for (unsigned ms = 0; t[c & 1023].id == (uint32_t)c; ms++) {
		CHECK(ms < WAIT_MS);
		test_sleep_us(1000);
	}
	CHECK(ctx_done);
	CHECK_EQ(ctx_env_id, me); /* the context speaks as the environment */
	const struct exo_frame_info *ft = (const struct exo_frame_info *)EXO_UFRAMES;
	CHECK(ctx_frame != 0 && ft[ctx_frame].owner == me);
	CHECK_EQ(exo_frame_free(ctx_frame), 0);
	CHECK_EQ(t[me & 1023].kmem_used, used0); /* its slot and XSAVE page came back */

	/* Parallel: us and the context in the same slice on different CPUs. */
	n = exo_trace_read(tr, EXO_TRACE_RECORDS, seq0);
	CHECK(test_slices_overlap(tr, n, me, (uint32_t)c));

	/* Destroy an env whose extra context spins on the other CPU. */
	uint32_t v = test_find_env("ctx-victim");
	CHECK(v != 0);
	for (unsigned ms = 0;; ms++) { /* wait for its context to exist */
		int found = 0;
		for (unsigned i = 1; i < EXO_NENV; i++)
			found |= t[i].id && t[i].parent == v;
		if (found)
			break;
		CHECK(ms < WAIT_MS);
		test_sleep_us(1000);
	}
	test_sleep_us(20000);
	CHECK_EQ(exo_env_destroy(v), 0); /* the root capability controls it */
	for (unsigned ms = 0;; ms++) {
		int left = 0;
		for (unsigned i = 1; i < EXO_NENV; i++)
			left |= t[i].id && (t[i].id == v || t[i].parent == v);
		if (!left)
			break;
		CHECK(ms < WAIT_MS);
		test_sleep_us(1000);
	}
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "ctx-victim") == 0)
		victim();
	else
		main_role();
	return 1;
}
