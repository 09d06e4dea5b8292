/*
 * main.c - unixd's start-up and its protected-control-transfer dispatch.
 *
 * Start-up: fork the console reader, mount the root file system
 * (disk.c), start init (argv[1..] of unixd's module line, default
 * /bin/sh), then serve PCTs for ever, writing dirty blocks back every few
 * seconds. When init ends, the file system is synced and unmounted and the
 * machine is switched off.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/libexo.h>
#include <unix/client.h>
#include "unixd.h"

static uint64_t reader_env;

/* How often dirty blocks are written back when nothing else asks: 5 s. */
#define SYNC_US 5000000

/* ------------------------------------------------------------ time */

uint32_t unixd_now(void)
{
	return (uint32_t)(unix_realtime_ns() / 1000000000ULL);
}

/* A system without its server is no system: say why and switch off. */
void unixd_die(const char *what, long err)
{
	printf("unixd: %s (%ld); powering off\n", what, err);
	fflush(stdout);
	exo_machine_poweroff();
	exit(1);
}

void unixd_shutdown(void)
{
	int r = unixd_unmount_root();

	if (r < 0)
		printf("unixd: unmount failed (%s%s%s); the file system needs e2fsck\n",
		       strerror(-r), unixd_fs.error ? ": " : "",
		       unixd_fs.error ? unixd_fs.error : "");
	exo_machine_poweroff();
	exit(r < 0);
}

/* ------------------------------------------------------------ the console reader */

/* A child environment that only moves console input to the server: the
 * server cannot block in exo_cons_read itself. */
static void reader_loop(uint64_t server)
{
	char buf[24];

	exo_env_revoke_rights(EXO_ENV_SELF, EXO_RIGHTS_ALL & ~EXO_RIGHT_CONSOLE);
	for (;;) {
		long n = exo_cons_read(buf, sizeof buf), done = 0;

		while (n > 0 && done < n) {
			uint64_t w[4] = { UNIX_OP_CONS_INPUT | (uint64_t)(n - done) << 16 };
			long r;

			memcpy(&w[1], buf + done, (size_t)(n - done));
			r = exo_pct_call_msg(server, w, 0);
			if (r == 0)
				done += (long)w[0];
			if (r < 0 || w[0] == 0) /* busy, or its queue is full */
				exo_wait(NULL, 0, 0, 5000);
		}
	}
}

/* ------------------------------------------------------------ dispatch */

static void serve(const struct exo_pct_msg *m)
{
	uint64_t out[3] = { 0, 0, 0 };
	uint64_t op = m->w[0] & 0xffff;
	struct proc *p;
	long r;

	if (op == UNIX_OP_CONS_INPUT && m->sender == reader_env) {
		char bytes[24];
		size_t n = (size_t)(m->w[0] >> 16);

		memcpy(bytes, &m->w[1], sizeof bytes);
		exo_pct_return((uint64_t)cons_input(bytes, n > 24 ? 24 : n), 0, 0, 0);
		return;
	}
	unixd_busy = true;
	p = proc_by_env(m->sender);
	if (p == NULL || p->state != P_LIVE) {
		exo_pct_return((uint64_t)-EPERM, 0, 0, 0);
		unixd_busy = false;
		return;
	}
	p->waiting = false;
	if (op == UNIX_OP_POWEROFF) {
		exo_pct_return(0, 0, 0, 0);
		unixd_shutdown();
	}
	r = proc_op(p, m->w, out);
	if (r == -ENOSYS)
		r = file_op(p, m->w, out);
	if (r == -UNIX_EWAIT)
		p->waiting = true;
	exo_pct_return((uint64_t)r, out[0], out[1], out[2]);
	unixd_pay_debt();
	unixd_busy = false;
}

void unixd_wake_all(void)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &unixd_procs[i];

		if (p->state == P_LIVE && p->waiting) {
			p->waiting = false;
			__atomic_add_fetch(&p->ch->wake, 1, __ATOMIC_RELEASE);
		}
	}
}

int main(int argc, char **argv)
{
	static char *const default_init[] = { "/bin/sh", NULL };
	uint64_t self = (uint64_t)exo_env_id();
	long r;

	r = exo_fork();
	if (r == 0)
		reader_loop(self);
	if (r < 0)
		unixd_die("cannot start the console reader", r);
	reader_env = (uint64_t)r;
	unixd_mount_root();
	unixd_revocation_init();
	cons_init();
	r = exo_pct_serve(serve, EXO_PCT_ANY);
	if (r < 0)
		unixd_die("cannot serve PCTs", r);
	r = proc_spawn_init(argc > 1 ? argv + 1 : default_init);
	if (r < 0) {
		printf("unixd: cannot start %s: %s\n", argc > 1 ? argv[1] : "/bin/sh",
		       strerror((int)-r));
		unixd_shutdown();
	}
	/* Between PCTs: write dirty blocks back every SYNC_US. PCTs are
	 * refused meanwhile (clients retry), so no handler runs in the middle
	 * of the sync. */
	for (;;) {
		if (exo_wait(NULL, 0, 0, SYNC_US) == EXO_WAKE_TIMEOUT) {
			exo_pct_accept(0);
			unixd_busy = true;
			ext2_sync(&unixd_fs);
			unixd_pay_debt();
			unixd_busy = false;
			exo_pct_accept(EXO_PCT_ANY);
		}
		unixd_reserve_fill();
	}
}
