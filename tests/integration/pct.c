/*
 * pct.c - protected control transfer between boot environments through
 * libexo: a server registers with exo_pct_serve and waits; a client makes
 * 1000 synchronous calls in a tight loop (no call may fail: a call arriving
 * right after a reply must not nest deeper on the server's PCT stack),
 * asynchronous sends, a call the handler leaves unanswered (default
 * -EXO_ENOSYS), one answered with the raw stub, and passes a grant that
 * lets the server write into the client's frame; calls to an env without
 * an entry, to one that does not accept the client, and to bad ids fail
 * with their documented errors.
 *
 * usage: pct server | client | idle | picky
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"

#define CALLS	  1000
#define ASYNCS	  10
#define CLIENT_VA 0x50000000ULL
#define SERVER_VA 0x58000000ULL

enum op { OP_MATH = 1, OP_ASYNC, OP_STATS, OP_GRANT, OP_MAP_AGAIN, OP_NOREPLY, OP_RAW };

/* ------------------------------------------------------------ server */

static uint64_t async_count, async_sum, bad_flags, after_raw, max_depth, last_frame;

static void serve(const struct exo_pct_msg *m)
{
	uint64_t depth = EXO_PCTSTACK_TOP - (uint64_t)m;
	bool sync = m->flags == EXO_PCT_SYNC;

	if (depth > max_depth)
		max_depth = depth;
	if (!sync && m->flags != 0)
		bad_flags++;
	switch (m->w[3]) {
	case OP_MATH:
		bad_flags += !sync;
		exo_pct_return(m->w[0] + 1, m->w[1] * 2, m->w[2] ^ 0x5a5a, m->sender);
		break;
	case OP_ASYNC:
		bad_flags += sync;
		async_count++;
		async_sum += m->w[0];
		break; /* libexo ends the send's busy state */
	case OP_STATS:
		exo_pct_return(async_count << 32 | async_sum, bad_flags, after_raw, max_depth);
		break;
	case OP_GRANT: {
		/* Map the client's frame through the grant that came with the call. */
		uint64_t frame = m->grant >> 12;
		long r = exo_page_map(EXO_AS_SELF, SERVER_VA, frame, m->grant & 0xfff);
		uint64_t seen = 0;

		if (r == 0) {
			volatile uint64_t *p = (volatile uint64_t *)SERVER_VA;
			seen = p[1];
			p[0] = 0xfeedface00000000ULL | seen;
			r = exo_page_unmap(EXO_AS_SELF, SERVER_VA);
		}
		last_frame = frame;
		exo_pct_return((uint64_t)r, seen, 0, 0);
		break;
	}
	case OP_MAP_AGAIN: /* after the client revoked the grant */
		exo_pct_return((uint64_t)exo_page_map(EXO_AS_SELF, SERVER_VA, last_frame,
						      EXO_PERM_R | EXO_PERM_W),
			       0, 0, 0);
		break;
	case OP_NOREPLY:
		break;
	case OP_RAW:
		exo_pct_reply(7, 8, 9, 10); /* the caller runs now; we go on later */
		after_raw++;
		break;
	}
}

static int server(void)
{
	CHECK_EQ(exo_pct_serve(serve, 1u << 7), -EXO_EINVAL);
	CHECK_EQ(exo_pct_wait(), -EXO_EINVAL); /* no entry yet: nothing could wake us */
	CHECK_EQ(exo_pct_serve(serve, EXO_PCT_ANY), 0);
	for (;;)
		CHECK_EQ(exo_pct_wait(), 0);
}

/* ------------------------------------------------------------ bystanders */

static bool name_is(const volatile struct exo_env_info *e, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (e->name[i] != name[i])
			return false;
	return e->name[n] == '\0';
}

/* Id of the live env called name (whose PCT policy is set, if need_pct), or 0. */
static uint64_t find_env(const char *name, bool need_pct)
{
	for (unsigned i = 0; i < EXO_NENV; i++) {
		const volatile struct exo_env_info *e =
			(const volatile struct exo_env_info *)EXO_UENVS + i;
		if (e->status != EXO_ENV_FREE && name_is(e, name) && (!need_pct || e->pct_accept))
			return e->id;
	}
	return 0;
}

static uint64_t wait_env(const char *name, bool need_pct)
{
	for (int spins = 0;; spins++) {
		uint64_t id = find_env(name, need_pct);
		if (id != 0)
			return id;
		CHECK(spins < 10000000);
		exo_yield(0);
	}
}

/* An env with no PCT entry: stays until the client is gone. The kernel
 * rewrites a table row in place, so one read can miss a live env (another
 * CPU may be mid-write): only several misses in a row count. */
static int idle(void)
{
	wait_env("pct-client", false);
	for (int misses = 0; misses < 8; exo_yield(0))
		misses = find_env("pct-client", false) != 0 ? 0 : misses + 1;
	return 0;
}

static void refuse(const struct exo_pct_msg *m)
{
	(void)m;
	CHECK(0); /* never admitted: only a parent could call, and boot envs have none */
}

/* An env whose PCT entry admits only its parent. */
static int picky(void)
{
	CHECK_EQ(exo_pct_serve(refuse, EXO_PCT_PARENT), 0);
	for (;;)
		CHECK_EQ(exo_pct_wait(), 0);
}

/* ------------------------------------------------------------ client */

/* A call that retries while the target is busy: an async send pending, or
 * running on another CPU (whose vCPU the host may stall for a while). */
static long call(uint64_t target, uint64_t w[4], uint64_t grant)
{
	for (int tries = 0;; tries++) {
		long r = exo_pct_call_msg(target, w, grant);
		if (r != -EXO_EAGAIN)
			return r;
		CHECK(tries < 10000000);
		exo_yield(target);
	}
}

static int client(void)
{
	uint64_t me = (uint64_t)exo_env_id();
	uint64_t srv = wait_env("pct-server", true);
	uint64_t idle_id = wait_env("pct-idle", false);
	uint64_t picky_id = wait_env("pct-picky", true);
	uint64_t w[4];

	/* 1000 calls in a tight loop. Only "busy" may make one wait (the server
	 * running elsewhere); a server whose PCT stack overflowed would die. */
	for (uint64_t i = 0; i < CALLS; i++) {
		w[0] = i;
		w[1] = i * 7 + 3;
		w[2] = i << 20;
		w[3] = OP_MATH;
		long r = call(srv, w, 0);
		if (r != 0)
			printf("call %llu: %s\n", (unsigned long long)i, exo_strerror(r));
		CHECK_EQ(r, 0);
		CHECK_EQ(w[0], i + 1);
		CHECK_EQ(w[1], (i * 7 + 3) * 2);
		CHECK_EQ(w[2], (i << 20) ^ 0x5a5a);
		CHECK_EQ(w[3], me);
	}

	/* Asynchronous sends: the sender goes on; the server runs them later. */
	for (uint64_t i = 0; i < ASYNCS; i++) {
		long r;
		int tries = 0;
		while ((r = exo_pct_send(srv, i + 1, 0, 0, OP_ASYNC, 0)) == -EXO_EAGAIN) {
			CHECK(tries++ < 10000000);
			exo_yield(srv); /* let it handle the previous one */
		}
		CHECK_EQ(r, 0);
	}
	w[3] = OP_STATS;
	CHECK_EQ(call(srv, w, 0), 0);
	CHECK_EQ(w[0], (uint64_t)ASYNCS << 32 | (ASYNCS * (ASYNCS + 1) / 2));
	CHECK_EQ(w[1], 0); /* every message carried the right flags */
	/* The calls did not pile up on the server's PCT stack: one level takes
	 * about 800 bytes, and each call after a reply took the last one's place. */
	CHECK(w[3] > 0 && w[3] < 4096);

	/* Unanswered, and answered with the raw stub. */
	w[0] = 1;
	w[3] = OP_NOREPLY;
	CHECK_EQ(call(srv, w, 0), 0);
	CHECK_EQ(w[0], (uint64_t)-EXO_ENOSYS);
	w[3] = OP_RAW;
	CHECK_EQ(call(srv, w, 0), 0);
	CHECK(w[0] == 7 && w[1] == 8 && w[2] == 9 && w[3] == 10);
	/* The raw replier goes on with its handler after the reply; a call
	 * arriving before it is done interrupts it. */
	for (int tries = 0;; tries++) {
		w[3] = OP_STATS;
		CHECK_EQ(call(srv, w, 0), 0);
		CHECK(w[2] <= 1);
		if (w[2] == 1)
			break;
		CHECK(tries < 1000000);
		exo_yield(srv);
	}

	/* A grant passed with the call: the server writes into our frame. */
	long g = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(g > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, CLIENT_VA, (uint64_t)g, EXO_PERM_R | EXO_PERM_W), 0);
	volatile uint64_t *page = (volatile uint64_t *)CLIENT_VA;
	page[0] = 0;
	page[1] = 0x1234;
	w[3] = OP_GRANT;
	CHECK_EQ(call(srv, w, EXO_PCT_GRANT(g, EXO_PERM_R | EXO_PERM_W)), 0);
	CHECK_EQ(w[0], 0);
	CHECK_EQ(w[1], 0x1234);
	CHECK(page[0] == 0xfeedface00001234ULL);
	/* Revoked, the server can no longer map it. */
	CHECK_EQ(exo_frame_revoke((uint64_t)g, srv), 0);
	w[3] = OP_MAP_AGAIN;
	CHECK_EQ(call(srv, w, 0), 0);
	CHECK_EQ(w[0], (uint64_t)-EXO_EPERM);
	/* A grant on a frame we do not hold is refused before the transfer. */
	w[3] = OP_MATH;
	CHECK_EQ(exo_pct_call_msg(srv, w, EXO_PCT_GRANT(0x100, EXO_PERM_R)), -EXO_EPERM);

	/* Refusals: no entry, not admitted, ourselves, bad ids. */
	uint64_t before[4] = { 11, 22, 33, 44 };
	memcpy(w, before, sizeof w);
	CHECK_EQ(exo_pct_call_msg(idle_id, w, 0), -EXO_EPERM);
	CHECK_EQ(exo_pct_send(idle_id, 0, 0, 0, 0, 0), -EXO_EPERM);
	CHECK_EQ(exo_pct_call_msg(picky_id, w, 0), -EXO_EPERM);
	CHECK_EQ(exo_pct_send(picky_id, 0, 0, 0, 0, 0), -EXO_EPERM);
	CHECK_EQ(exo_pct_call_msg(me, w, 0), -EXO_EPERM);
	CHECK_EQ(exo_pct_call_msg(srv + EXO_NENV, w, 0), -EXO_EBADENV); /* next generation */
	CHECK_EQ(exo_pct_call_msg(0, w, 0), -EXO_EBADENV);
	CHECK_EQ(exo_pct_call_msg(1ULL << 40, w, 0), -EXO_EBADENV);
	CHECK(memcmp(w, before, sizeof w) == 0);	   /* untouched on error */
	CHECK_EQ(exo_pct_return(1, 2, 3, 4), -EXO_EINVAL); /* not in a handler */

	CHECK_EQ(exo_invariant_check(), 0);
	printf("pct: %d calls, %d sends, grant and refusals pass\n", CALLS, ASYNCS);
	test_pass();
}

int main(int argc, char **argv)
{
	CHECK_EQ(argc, 2);
	if (strcmp(argv[1], "server") == 0)
		return server();
	if (strcmp(argv[1], "client") == 0)
		return client();
	if (strcmp(argv[1], "idle") == 0)
		return idle();
	if (strcmp(argv[1], "picky") == 0)
		return picky();
	CHECK(0);
}
