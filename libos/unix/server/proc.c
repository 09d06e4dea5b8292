/*
 * proc.c - unixd's process table: fork, exec, exit, wait, process groups,
 * signals, and the process list.
 *
 * A process is an environment plus this row. Its pid is the server's (the
 * env id changes at execve, which builds a fresh environment); its parent
 * in UNIX terms is `ppid`, whatever created its environment. fork is the
 * process's own exo_fork (copy-on-write, libexo) with the child left
 * stopped; the server gives the child its channel page, descriptors and
 * dispositions, then starts it. Signals whose action is the default one
 * (terminate or ignore) are carried out here; a signal with a handler is
 * posted in the channel page and the process is interrupted by PCT.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <exo/libexo.h>
#include <unix/unix.h>
#include "unixd.h"

struct proc unixd_procs[NPROC];
static pid_t next_pid = 1;

/* Where the server maps each process's channel page. */
#define CHAN_MAP_VA 0x7e0000000000ULL

struct proc *proc_by_env(uint64_t env)
{
	for (int i = 0; i < NPROC; i++)
		if (unixd_procs[i].state == P_LIVE && unixd_procs[i].env == env)
			return &unixd_procs[i];
	return NULL;
}

struct proc *proc_by_pid(pid_t pid)
{
	for (int i = 0; i < NPROC; i++)
		if (unixd_procs[i].state != P_FREE && unixd_procs[i].pid == pid)
			return &unixd_procs[i];
	return NULL;
}

/* A free row with a fresh pid and a channel page mapped in the server. */
static struct proc *proc_alloc(void)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &unixd_procs[i];
		uint64_t va = CHAN_MAP_VA + (uint64_t)i * EXO_PAGE_SIZE;
		long f;

		if (p->state != P_FREE)
			continue;
		f = unixd_map_frame(va);
		if (f < 0)
			return NULL;
		memset(p, 0, sizeof *p);
		p->ch = (struct unix_chan *)va;
		memset(p->ch, 0, EXO_PAGE_SIZE);
		p->ch_frame = (uint64_t)f;
		do
			p->pid = next_pid++ & 0x7fff;
		while (p->pid == 0 || proc_by_pid(p->pid) != NULL);
		p->ch->pid = p->pid;
		p->state = P_LIVE;
		p->cwd = EXT2_ROOT_INO;
		p->umask = 022;
		return p;
	}
	return NULL;
}

/* Give the row's channel page back (the environment has gone). */
static void chan_release(struct proc *p)
{
	if (p->ch == NULL)
		return;
	exo_page_unmap(EXO_AS_SELF, (uint64_t)p->ch);
	exo_frame_free(p->ch_frame);
	p->ch = NULL;
}

/*
 * Map the channel page into environment env and start it. Every process
 * may run virtual machines (apps/vm): it gets the guest right, since a
 * guest is only the process's own frames and CPU time, charged and revoked
 * like any other (docs/vmm.md). On a machine without SVM the calls say so.
 */
static long attach(struct proc *p, uint64_t env)
{
	long r = exo_page_map(env, UNIX_CHAN_VA, p->ch_frame, EXO_PERM_R | EXO_PERM_W);

	if (r < 0)
		return -ENOMEM;
	exo_env_grant_rights(env, EXO_RIGHT_GUEST);
	p->env = env;
	r = exo_env_set_status(env, EXO_ENV_RUNNABLE);
	return r < 0 ? -ENOMEM : 0;
}

static void post(struct proc *p, int sig);

/* End process p with wait status `status`: its environment is destroyed,
 * its files closed, its children given to init, its parent told. */
static void proc_end(struct proc *p, int status)
{
	struct proc *parent = proc_by_pid(p->ppid);

	exo_env_destroy(p->env);
	file_close_all(p);
	chan_release(p);
	free(p->args);
	p->args = NULL;
	p->status = status;
	p->state = P_ZOMBIE;
	p->waiting = false;
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &unixd_procs[i];

		/* Orphans go to init (getppid says 1); init is a shell that
		 * waits only for its own children, so an orphan is reaped by
		 * the server itself when it ends, as if init had waited. */
		if (c->state != P_FREE && c->ppid == p->pid) {
			c->ppid = 1;
			c->orphan = true;
			if (c->ch != NULL)
				c->ch->ppid = 1;
			if (c->state == P_ZOMBIE)
				c->state = P_FREE;
		}
	}
	if (p->pid == 1) /* init is gone: the system ends with it */
		unixd_shutdown();
	if (p->orphan || parent == NULL || parent->state != P_LIVE)
		p->state = P_FREE; /* nobody will wait for it */
	else
		post(parent, SIGCHLD);
	unixd_wake_all();
}

/* Processes whose environment died behind our back (an unhandled fault:
 * libexo destroyed it) end as if killed. */
void proc_reap_dead(void)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &unixd_procs[i];

		if (p->state == P_LIVE && p->env != 0 && exo_env_info(p->env) == NULL)
			proc_end(p, SIGKILL);
	}
}

/* ------------------------------------------------------------ signals */

static bool default_ignores(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT ||
	       sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Carry out sig for p: its disposition decides. */
static void post(struct proc *p, int sig)
{
	uint64_t bit = 1ULL << sig;

	if (p->state != P_LIVE)
		return;
	if (sig != SIGKILL && (p->ign & bit))
		return;
	if (sig != SIGKILL && (p->caught & bit)) {
		__atomic_or_fetch(&p->ch->sigpend, bit, __ATOMIC_RELEASE);
		__atomic_add_fetch(&p->ch->wake, 1, __ATOMIC_RELEASE);
		exo_pct_send(p->env, UNIX_PCT_SIGNAL, (uint64_t)sig, 0, 0, 0);
		return;
	}
	if (sig == SIGKILL || !default_ignores(sig))
		proc_end(p, sig); /* WIFSIGNALED, WTERMSIG = sig */
}

long proc_kill(struct proc *from, pid_t pid, int sig)
{
	int hit = 0;

	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &unixd_procs[i];
		bool match;

		if (p->state != P_LIVE)
			continue;
		if (pid > 0)
			match = p->pid == pid;
		else if (pid == 0)
			match = from != NULL && p->pgid == from->pgid;
		else if (pid == -1)
			match = p->pid != 1 && p != from;
		else
			match = p->pgid == -pid;
		if (!match)
			continue;
		hit++;
		if (sig != 0)
			post(p, sig);
	}
	return hit > 0 ? 0 : -ESRCH;
}

/* ------------------------------------------------------------ fork, exec, wait */

static long do_fork(struct proc *p, uint64_t child_env)
{
	const volatile struct exo_env_info *e = exo_env_info(child_env);
	struct proc *c;
	long r;

	/* Only the caller's own stopped child will do. */
	if (e == NULL || e->parent != (p->env & 0xffffffffu) || e->status != EXO_ENV_NOT_RUNNABLE)
		return -EINVAL;
	c = proc_alloc();
	if (c == NULL)
		return -EAGAIN;
	c->ppid = c->ch->ppid = p->pid;
	c->pgid = p->pgid;
	c->cwd = p->cwd;
	c->umask = p->umask;
	c->ign = p->ign;
	c->caught = p->caught;
	c->cloexec = p->cloexec;
	memcpy(c->name, p->name, sizeof c->name);
	for (int fd = 0; fd < NOFILE; fd++)
		if ((c->fd[fd] = p->fd[fd]) != NULL)
			c->fd[fd]->refs++;
	r = attach(c, child_env);
	if (r < 0) {
		file_close_all(c);
		chan_release(c);
		c->state = P_FREE;
		return r;
	}
	return c->pid;
}

static void set_name(struct proc *p, const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	strncpy(p->name, slash ? slash + 1 : argv0, sizeof p->name - 1);
	p->name[sizeof p->name - 1] = '\0';
}

/* Collect a piece of the next exec's strings into the process's own
 * buffer in the server (the channel page is too small for them). */
static long exec_args(struct proc *p, uint64_t off, uint64_t n)
{
	if (n > UNIX_CHAN_DATA || off > UNIX_ARG_MAX || n > UNIX_ARG_MAX - off)
		return -E2BIG;
	if (p->args == NULL && (p->args = malloc(UNIX_ARG_MAX)) == NULL)
		return -ENOMEM;
	memcpy(p->args + off, p->ch->data, n);
	return 0;
}

static long do_exec(struct proc *p, uint64_t argc, uint64_t envc, uint64_t used)
{
	const char *d = p->args;
	uint64_t env, nstr = 0;
	long r;

	/* The path, then argc and envc strings, exactly filling `used` bytes
	 * of what exec_args collected. */
	if (d == NULL || used == 0 || used > UNIX_ARG_MAX)
		return -EINVAL;
	for (uint64_t i = 0; i < used; i++)
		nstr += d[i] == '\0';
	if (d[used - 1] != '\0' || nstr != 1 + argc + envc)
		return -EINVAL;
	r = exec_load(d, p->cwd, d + strlen(d) + 1, argc, envc, &env);
	if (r < 0)
		return r;
	for (int fd = 0; fd < NOFILE; fd++)
		if ((p->cloexec >> fd & 1) && p->fd[fd] != NULL) {
			file_put(p->fd[fd]);
			p->fd[fd] = NULL;
		}
	p->cloexec = 0;
	p->caught = 0; /* handlers do not survive exec; ignored signals do */
	p->ch->sigpend = 0;
	set_name(p, argc > 0 ? d + strlen(d) + 1 : d);
	exo_env_destroy(p->env);
	r = attach(p, env);
	if (r < 0) {
		exo_env_destroy(env);
		proc_end(p, SIGKILL);
	}
	return r;
}

long proc_spawn_init(char *const argv[])
{
	static char args[UNIX_CHAN_DATA];
	size_t used = 0;
	uint64_t argc = 0, env;
	struct proc *p;
	long r;

	for (; argv[argc] != NULL; argc++) {
		size_t n = strlen(argv[argc]) + 1;

		if (n > sizeof args - used)
			return -E2BIG;
		memcpy(args + used, argv[argc], n);
		used += n;
	}
	memcpy(args + used, "PATH=/bin", 10);
	memcpy(args + used + 10, "HOME=/", 7);
	r = exec_load(argv[0], EXT2_ROOT_INO, args, argc, 2, &env);
	if (r < 0)
		return r;
	p = proc_alloc();
	if (p == NULL)
		return -ENOMEM;
	p->ppid = 0;
	p->pgid = p->pid;
	cons_fg = p->pgid;
	set_name(p, argv[0]);
	for (int fd = 0; fd < 3; fd++) {
		p->fd[fd] = unixd_cons;
		unixd_cons->refs++;
	}
	return attach(p, env);
}

static long do_wait(struct proc *p, pid_t pid, int options, uint64_t out[3])
{
	bool any = false;

	proc_reap_dead();
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &unixd_procs[i];

		if (c->state == P_FREE || c->ppid != p->pid)
			continue;
		if (pid > 0    ? c->pid != pid
		    : pid == 0 ? c->pgid != p->pgid
		    : pid < -1 ? c->pgid != -pid
			       : false)
			continue;
		any = true;
		if (c->state == P_ZOMBIE) {
			out[0] = (uint64_t)c->status;
			c->state = P_FREE;
			return c->pid;
		}
	}
	if (!any)
		return -ECHILD;
	return (options & WNOHANG) ? 0 : -UNIX_EWAIT;
}

static long do_setpgid(struct proc *p, pid_t pid, pid_t pgid)
{
	struct proc *t = pid == 0 ? p : proc_by_pid(pid);

	if (pgid < 0)
		return -EINVAL;
	if (t == NULL || t->state != P_LIVE || (t != p && t->ppid != p->pid))
		return -ESRCH;
	t->pgid = pgid == 0 ? t->pid : pgid;
	return 0;
}

/* Frames environment env owns, from the kernel's public frame table. */
static unsigned long frames_of(uint64_t env)
{
	const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
	unsigned long n = 0;

	for (uint64_t f = 0; f < si->nframes; f++)
		if (exo_frame_info(f)->owner == (uint32_t)env)
			n++;
	return n;
}

static long do_proclist(struct proc *p, uint64_t first)
{
	struct unix_proc *out = (struct unix_proc *)p->ch->data;
	const size_t per = UNIX_CHAN_DATA / sizeof(struct unix_proc);
	long total = 0;
	size_t n = 0;

	proc_reap_dead();
	for (int i = 0; i < NPROC; i++) {
		struct proc *q = &unixd_procs[i];

		if (q->state == P_FREE)
			continue;
		if ((uint64_t)total++ < first || n == per)
			continue;
		out[n] = (struct unix_proc){ .pid = q->pid, .ppid = q->ppid, .pgid = q->pgid };
		out[n].state = q->state == P_ZOMBIE ? 'Z' : q->waiting ? 'S' : 'R';
		out[n].mem_kib = q->state == P_LIVE ? frames_of(q->env) * 4 : 0;
		memcpy(out[n].name, q->name, sizeof out[n].name);
		n++;
	}
	return total;
}

long proc_op(struct proc *p, const uint64_t w[4], uint64_t out[3])
{
	struct termios *t = (struct termios *)p->ch->data;

	switch (w[0]) {
	case UNIX_OP_FORK:
		return do_fork(p, w[1]);
	case UNIX_OP_EXEC_ARGS:
		return exec_args(p, w[1], w[2]);
	case UNIX_OP_EXEC:
		return do_exec(p, w[1], w[2], w[3]);
	case UNIX_OP_EXIT:
		/* w1 < 0x100: exit status; 0x100 | sig: killed by sig */
		proc_end(p, w[1] & 0x100 ? (int)(w[1] & 0x7f) : (int)((w[1] & 0xff) << 8));
		return 0;
	case UNIX_OP_WAIT:
		return do_wait(p, (pid_t)w[1], (int)w[2], out);
	case UNIX_OP_SETPGID:
		return do_setpgid(p, (pid_t)w[1], (pid_t)w[2]);
	case UNIX_OP_GETPGRP:
		return p->pgid;
	case UNIX_OP_KILL:
		proc_reap_dead();
		return proc_kill(p, (pid_t)w[1], (int)w[2]);
	case UNIX_OP_SIGNAL:
		if (w[1] == 0 || w[1] >= NSIG || w[1] == SIGKILL || w[1] == SIGSTOP)
			return -EINVAL;
		p->ign &= ~(1ULL << w[1]);
		p->caught &= ~(1ULL << w[1]);
		if (w[2] == UNIX_SIG_IGN)
			p->ign |= 1ULL << w[1];
		else if (w[2] == UNIX_SIG_HANDLER)
			p->caught |= 1ULL << w[1];
		return 0;
	case UNIX_OP_TCGETPGRP:
	case UNIX_OP_TCSETPGRP:
	case UNIX_OP_TCGETATTR:
	case UNIX_OP_TCSETATTR:
		if (w[1] >= NOFILE || p->fd[w[1]] == NULL)
			return -EBADF;
		if (p->fd[w[1]] != unixd_cons)
			return -ENOTTY;
		if (w[0] == UNIX_OP_TCGETPGRP)
			return cons_fg;
		if (w[0] == UNIX_OP_TCSETPGRP) {
			cons_fg = (pid_t)w[2];
			return 0;
		}
		if (w[0] == UNIX_OP_TCGETATTR)
			cons_getattr(t);
		else
			cons_setattr(t);
		return 0;
	case UNIX_OP_PROCLIST:
		return do_proclist(p, w[1]);
	default:
		return -ENOSYS;
	}
}
