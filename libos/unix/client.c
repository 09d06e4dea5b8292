/*
 * client.c - a UNIX process's side of the server protocol (unix/proto.h).
 *
 * A program started by unixd finds the server's env id in its auxiliary
 * vector (UNIX_AT_SERVER); from then on the system calls that touch shared
 * state - files, pipes, the console, other processes - are protected
 * control transfers to the server, with bulk data in the channel page at
 * UNIX_CHAN_VA. A program started by the kernel as a boot module has no
 * server: syscalls.c then keeps its stand-alone behaviour (the console only).
 *
 * Signals: the server posts them in the channel page (sigpend) and, for a
 * process that is not inside a call, interrupts it with a PCT. Handlers run
 * when the process is not in the middle of a call: on that PCT, or when a
 * call returns (so a handler's own calls never clobber the channel page
 * under a call in progress).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <exo/libexo.h>
#include <unix/client.h>
#include <unix/proto.h>

uint64_t unix_server;
struct unix_chan *const unix_ch = (struct unix_chan *)UNIX_CHAN_VA;

/* Set while a call uses the channel page; handlers wait for it to clear. */
static volatile bool in_call;

/* The dispositions of this process: SIG_DFL, SIG_IGN or a handler. */
static struct sigaction actions[NSIG];
static bool pct_serving;

extern char **environ;

/* Find UNIX_AT_SERVER in the auxiliary vector after environ's NULL (run
 * before any other constructor, while environ is still crt0's). */
__attribute__((constructor(101))) static void client_init(void)
{
	char **p = environ;

	if (p == NULL)
		return;
	while (*p != NULL)
		p++;
	for (uint64_t *a = (uint64_t *)(p + 1); a[0] != 0; a += 2)
		if (a[0] == UNIX_AT_SERVER)
			unix_server = a[1];
	/* Each process has its own channel page; fork must not copy it. */
	if (unix_server != 0)
		exo_fork_skip(UNIX_CHAN_VA, EXO_PAGE_SIZE);
}

/* Run the handlers of the signals the server posted, unless a call is in
 * progress. Returns true if a handler ran (the caller's call is then EINTR). */
static bool deliver(void)
{
	bool ran = false;

	if (in_call || unix_server == 0)
		return false;
	while (unix_ch->sigpend != 0) {
		uint64_t pend = __atomic_exchange_n(&unix_ch->sigpend, 0, __ATOMIC_ACQ_REL);

		for (int s = 1; s < NSIG; s++) {
			if (!(pend >> s & 1))
				continue;
			void (*h)(int) = actions[s].sa_handler;

			if (h == SIG_IGN)
				continue;
			if (h == SIG_DFL) { /* the server acts on defaults; be safe */
				unix_call(UNIX_OP_EXIT, 0x100 | (uint64_t)s, 0, 0, NULL);
				continue;
			}
			h(s);
			ran = true;
		}
	}
	return ran;
}

/* The PCT entry: the server interrupts us to run handlers. */
static void on_pct(const struct exo_pct_msg *m)
{
	if (m->sender == unix_server && m->w[0] == UNIX_PCT_SIGNAL)
		deliver();
}

/* Sleep until the server bumps the wake word past seen (or 100 ms pass:
 * a lost wake-up costs only time). */
static void sleep_for_wake(uint64_t seen)
{
	struct exo_pred_term t = {
		.va = (uint64_t)&unix_ch->wake, .mask = ~0ULL, .value = seen, .op = EXO_PRED_NE
	};

	exo_wait(&t, 1, EXO_PRED_ALL, 100000);
}

long unix_call(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t out[3])
{
	for (;;) {
		uint64_t seen = unix_ch->wake;
		uint64_t w[4] = { op, a, b, c };
		long r;

		in_call = true;
		r = exo_pct_call_msg(unix_server, w, 0);
		/* EAGAIN: serving someone else; EPERM: writing its cache back */
		if (r == -EXO_EAGAIN || r == -EXO_EPERM) {
			in_call = false;
			exo_yield(0);
			continue;
		}
		in_call = false;
		if (r < 0)
			return -EIO; /* the server is gone */
		if ((long)w[0] == -UNIX_EWAIT) {
			if (deliver())
				return -EINTR;
			sleep_for_wake(seen);
			if (deliver())
				return -EINTR;
			continue;
		}
		if (out != NULL)
			memcpy(out, &w[1], 3 * sizeof(uint64_t));
		deliver();
		return (long)w[0];
	}
}

long unix_call_str(uint64_t op, const char *s1, const char *s2, uint64_t a, uint64_t b)
{
	size_t n1 = strlen(s1) + 1, n2 = s2 ? strlen(s2) + 1 : 0;

	if (n1 + n2 > UNIX_CHAN_DATA)
		return -ENAMETOOLONG;
	memcpy(unix_ch->data, s1, n1);
	if (s2 != NULL)
		memcpy(unix_ch->data + n1, s2, n2);
	return unix_call(op, a, b, 0, NULL);
}

int unix_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig <= 0 || sig >= NSIG || ((sig == SIGKILL || sig == SIGSTOP) && act != NULL))
		return -EINVAL;
	if (old != NULL)
		*old = actions[sig];
	if (act == NULL)
		return 0;
	actions[sig] = *act;
	if (unix_server == 0)
		return 0;
	uint64_t d = act->sa_handler == SIG_DFL	  ? UNIX_SIG_DFL
		     : act->sa_handler == SIG_IGN ? UNIX_SIG_IGN
						  : UNIX_SIG_HANDLER;
	if (d == UNIX_SIG_HANDLER && !pct_serving) {
		long r = exo_pct_serve(on_pct, EXO_PCT_ANY);

		if (r < 0)
			return -ENOMEM;
		pct_serving = true;
	}
	return (int)unix_call(UNIX_OP_SIGNAL, (uint64_t)sig, d, 0, NULL);
}

void unix_after_fork(void)
{
	/* The PCT service is not inherited (exo_fork); handlers are. */
	pct_serving = false;
	for (int s = 1; s < NSIG; s++)
		if (actions[s].sa_handler != SIG_DFL && actions[s].sa_handler != SIG_IGN &&
		    !pct_serving && exo_pct_serve(on_pct, EXO_PCT_ANY) >= 0)
			pct_serving = true;
}

void unix_deliver(void)
{
	deliver();
}
