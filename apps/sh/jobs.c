/*
 * jobs.c - child processes: forking, waiting, and background jobs.
 *
 * With job control (an interactive shell, sh_jobctl) each pipeline gets its
 * own process group, set by both parent and child so that neither depends
 * on who runs first; a foreground group is given the terminal and the shell
 * takes it back when the group's last process has exited. Without job
 * control background commands ignore SIGINT and SIGQUIT and read
 * /dev/null, as POSIX asks.
 *
 * Background pipelines are jobs, remembered until `wait` collects them (or,
 * interactively, until they are reported done before a prompt).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sh.h"

/* A foreground job died of SIGINT: stop the loops and lists around it. */
int sh_stopped;

/* Command substitutions run so far; a command without a name takes their status. */
int sh_nsubst;

struct job {
	int id;
	int npids;
	pid_t *pids;
	int *status; /* -1 until that process is collected */
	struct job *next;
};
static struct job *jobs;

static int decode(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* Restore the dispositions a command expects; bg: run without job control in the background. */
void child_signals(int bg)
{
	signal(SIGINT, bg ? SIG_IGN : SIG_DFL);
	signal(SIGQUIT, bg ? SIG_IGN : SIG_DFL);
	signal(SIGTERM, SIG_DFL);
#ifdef SIGTSTP
	signal(SIGTSTP, SIG_DFL);
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
#endif
}

/* In a new child: drop what belongs to the parent shell. */
void forget(void)
{
	redir_forget();
	sh_jobctl = sh_interactive = 0;
	sh_intr = 0;
	while (jobs != NULL) { /* not this process's children */
		struct job *j = jobs;

		jobs = j->next;
		free(j->pids);
		free(j->status);
		free(j);
	}
}

/*
 * Fork. In the child: join process group *pgid (0: start one), take the
 * terminal if fg, and forget the shell's own state. Returns as fork().
 */
pid_t spawn(pid_t *pgid, int fg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		sh_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (sh_jobctl) {
			setpgid(0, *pgid);
			if (fg)
				tcsetpgrp(0, *pgid != 0 ? *pgid : getpid());
		}
		child_signals(!fg && !sh_jobctl);
		if (!fg && !sh_jobctl) {
			int fd = open("/dev/null", O_RDONLY);

			if (fd > 0) {
				dup2(fd, 0);
				close(fd);
			}
		}
		forget();
		return 0;
	}
	if (sh_jobctl)
		setpgid(pid, *pgid != 0 ? *pgid : pid);
	if (*pgid == 0)
		*pgid = pid;
	return pid;
}

/* Wait for the n processes of a foreground job; returns the last one's status. */
int wait_fg(pid_t *pids, int n)
{
	struct sigaction ign, old;
	int st = 0, status = 1;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sh_interactive)
		sigaction(SIGINT, &ign, &old);
	for (int i = 0; i < n; i++) {
		while (waitpid(pids[i], &st, 0) < 0)
			if (errno != EINTR)
				break;
		if (i == n - 1)
			status = decode(st);
	}
	if (sh_jobctl)
		tcsetpgrp(0, sh_pgid);
	if (sh_interactive) {
		sigaction(SIGINT, &old, NULL);
		sh_intr = 0;
		if (status == 128 + SIGINT) {
			fputc('\n', stdout);
			sh_stopped = 1;
		}
	}
	return status;
}

/*
 * Command substitution: run cmd in a child shell and append its standard
 * output, trailing newlines removed, to out. Sets $? to the child's status.
 */
void command_output(const char *cmd, struct buf *out)
{
	char chunk[4096];
	size_t start = out->n;
	int fd[2], st = 0;
	ssize_t r;
	pid_t pid;

	sh_nsubst++;
	fflush(stdout);
	if (pipe(fd) < 0 || (pid = fork()) < 0) {
		sh_error("%s", strerror(errno));
		sh_status = 1;
		return;
	}
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 1);
		close(fd[1]);
		child_signals(0);
		forget();
		exit(run_string(xstrdup(cmd))); /* cmd is in the arena run_string frees */
	}
	close(fd[1]);
	while ((r = read(fd[0], chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		buf_add(out, chunk, (size_t)r);
	}
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	while (out->n > start && out->s[out->n - 1] == '\n')
		out->s[--out->n] = '\0';
	sh_status = decode(st);
}

/* Remember a background pipeline (pids, malloc'ed, now the job's); say so if interactive. */
void add_job(pid_t *pids, int n)
{
	struct job *j = xmalloc(sizeof *j), **tail = &jobs;
	int id = 1;

	for (struct job *o = jobs; o != NULL; o = o->next)
		if (o->id >= id)
			id = o->id + 1;
	j->id = id;
	j->npids = n;
	j->pids = pids;
	j->status = xmalloc((size_t)n * sizeof *j->status);
	for (int i = 0; i < n; i++)
		j->status[i] = -1;
	j->next = NULL;
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = j;
	if (sh_interactive)
		fprintf(stderr, "[%d] %ld\n", id, (long)pids[n - 1]);
}

static void drop_job(struct job *j)
{
	struct job **pp = &jobs;

	while (*pp != j)
		pp = &(*pp)->next;
	*pp = j->next;
	free(j->pids);
	free(j->status);
	free(j);
}

/* Collect process i of job j, waiting if block. Returns 0 once collected. */
static int collect(struct job *j, int i, int block)
{
	int st;
	pid_t r;

	if (j->status[i] >= 0)
		return 0;
	do
		r = waitpid(j->pids[i], &st, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR && !sh_intr);
	if (r == 0 || (r < 0 && errno == EINTR))
		return -1;
	j->status[i] = r < 0 ? 127 : decode(st);
	return 0;
}

/* Collect finished background jobs; report them on stderr if report. */
void reap_jobs(int report)
{
	struct job *j = jobs, *next;

	for (; j != NULL; j = next) {
		int done = 1;

		next = j->next;
		for (int i = 0; i < j->npids; i++)
			if (collect(j, i, 0) < 0)
				done = 0;
		if (done && report) {
			int st = j->status[j->npids - 1];

			if (st == 0)
				fprintf(stderr, "[%d] Done\n", j->id);
			else
				fprintf(stderr, "[%d] Exit %d\n", j->id, st);
			drop_job(j);
		}
	}
}

/*
 * The `wait PID` builtin: wait for background process pid. Returns its
 * status, 127 if it is not a child of this shell, 130 if ^C interrupted.
 */
int wait_pid(pid_t pid)
{
	for (struct job *j = jobs; j != NULL; j = j->next) {
		for (int i = 0; i < j->npids; i++) {
			int st, done = 1;

			if (j->pids[i] != pid)
				continue;
			if (collect(j, i, 1) < 0)
				return 130;
			st = j->status[i];
			for (int k = 0; k < j->npids; k++)
				if (j->status[k] < 0)
					done = 0;
			if (done)
				drop_job(j);
			return st;
		}
	}
	return 127;
}

/* The `wait` builtin without arguments: wait for every job. Returns 0, or 130 on ^C. */
int wait_all(void)
{
	while (jobs != NULL) {
		for (int i = 0; i < jobs->npids; i++)
			if (collect(jobs, i, 1) < 0)
				return 130;
		drop_job(jobs);
	}
	return 0;
}
