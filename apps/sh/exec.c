/*
 * exec.c - run a parsed command.
 *
 * A simple command that names a builtin or a function, or only assigns
 * variables, runs in the shell itself, its redirections undone afterwards.
 * Everything else runs in a child (jobs.c forks): a pipeline forks one
 * child per stage; `( list )`, and any compound command in a pipeline or
 * in the background, forks a child that runs the list and exits with its
 * status. Lists, if, loops, case and function calls are walked here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sh.h"

extern char **environ;

/*
 * break N, continue N and return unwind: while one of these is non-zero,
 * lists stop running commands and loops end (see skipping()).
 */
int sh_loops;	  /* loops we are inside, the most break and continue leave */
int sh_breaks;	  /* loops still to leave */
int sh_continues; /* loops still to leave, the last one continuing */
int sh_returning; /* leaving a function */

/* Functions, defined by NAME() BODY; bodies live in kept arena blocks. */
struct func {
	char *name;
	struct node *body;
	struct func *next;
};
static struct func *funcs;

static int skipping(void)
{
	return sh_stopped || sh_breaks || sh_continues || sh_returning;
}

static int call(struct func *f, int argc, char **argv);

static struct func *find_func(const char *name)
{
	struct func *f = funcs;

	while (f != NULL && strcmp(f->name, name) != 0)
		f = f->next;
	return f;
}

/*
 * Apply "NAME=value" (value expanded): to the environment if env, else as
 * a shell variable. If undo is not NULL, first push NAME and its old value
 * (NULL if unset) there for unassign().
 */
static int assign(const char *w, int env, struct strv *undo)
{
	const char *eq = strchr(w, '=');
	char *name = astrdup(w, (size_t)(eq - w));
	char *value = expand_one(eq + 1);

	if (value == NULL)
		return -1;
	if (undo != NULL) {
		strv_add(undo, xstrdup(name));
		strv_add(undo, var_get(name) != NULL ? xstrdup(var_get(name)) : NULL);
	}
	if (env)
		setenv(name, value, 1);
	else
		var_set(name, value);
	free(value);
	return 0;
}

/* Give back the values assign() saved in undo, last first. */
static void unassign(struct strv *undo)
{
	for (int i = undo->n - 2; i >= 0; i -= 2) {
		if (undo->v[i + 1] == NULL)
			var_unset(undo->v[i]);
		else
			var_set(undo->v[i], undo->v[i + 1]);
	}
	strv_free(undo);
}

/*
 * command -v NAME: print how NAME would be run (a path, or the name of a
 * builtin or function); returns 1 if it would not be found.
 */
int command_v(const char *name)
{
	const char *path = var_get("PATH");
	struct buf b = { 0 };

	if (builtin_find(name, NULL) != NULL || find_func(name) != NULL || strchr(name, '/')) {
		if (strchr(name, '/') != NULL && access(name, X_OK) < 0)
			return 1;
		printf("%s\n", name);
		return 0;
	}
	for (const char *p = path != NULL ? path : "/bin";; p++) {
		const char *e = strchr(p, ':');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

		b.n = 0;
		buf_add(&b, n > 0 ? p : ".", n > 0 ? n : 1);
		buf_addc(&b, '/');
		buf_add(&b, name, strlen(name));
		if (access(b.s, X_OK) == 0) {
			printf("%s\n", b.s);
			free(b.s);
			return 0;
		}
		if (e == NULL)
			break;
		p = e;
	}
	free(b.s);
	return 1;
}

/* Try to execute path; a file without #! or ELF header is run as a script. */
static void try_exec(const char *path, char **argv)
{
	execve(path, argv, environ);
	if (errno == ENOEXEC) {
		int argc = 0;

		while (argv[argc] != NULL)
			argc++;
		pos_set_arg0(path);
		pos_set(argc - 1, argv + 1);
		exit(run_file(path));
	}
}

/* Replace this (child) process by argv[0], searched in $PATH if it has no '/'. */
static void __attribute__((noreturn)) exec_path(char **argv)
{
	const char *name = argv[0], *path = var_get("PATH");
	int err = ENOENT;
	struct buf b = { 0 };

	if (strchr(name, '/') != NULL) {
		try_exec(name, argv);
		err = errno;
	} else {
		if (path == NULL)
			path = "/bin";
		for (const char *p = path;; p++) {
			const char *e = strchr(p, ':');
			size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

			b.n = 0;
			buf_add(&b, n > 0 ? p : ".", n > 0 ? n : 1);
			buf_addc(&b, '/');
			buf_add(&b, name, strlen(name));
			try_exec(b.s, argv);
			if (errno != ENOENT && errno != ENOTDIR) {
				err = errno;
				if (err != EACCES)
					break;
			}
			if (e == NULL)
				break;
			p = e;
		}
		if (err == ENOENT) {
			sh_error("%s: not found", name);
			exit(127);
		}
	}
	sh_error("%s: %s", name, strerror(err));
	exit(err == ENOENT ? 127 : 126);
}

/*
 * Run simple command n. forked: this is already a child that may be
 * replaced by the command. Returns the command's status.
 */
static int simple(struct node *n, int forked)
{
	struct strv argv = { 0 };
	struct save sv = { 0 };
	struct func *f = NULL;
	builtin_fn fn;
	int status = 0, subst0 = sh_nsubst, special = 0;

	for (int i = n->nassign; i < n->nwords; i++) {
		if (expand_word(n->words[i], &argv, 1) < 0) {
			strv_free(&argv);
			return 1;
		}
	}
	if (argv.n > SH_MAX_ARGS) {
		sh_error("%s: too many arguments", argv.v[0]);
		strv_free(&argv);
		return 126;
	}
	if (argv.n > 1 && strcmp(argv.v[0], "command") == 0 && argv.v[1][0] != '-') {
		free(argv.v[0]); /* command NAME...: NAME is not a function */
		memmove(argv.v, argv.v + 1, (size_t)argv.n-- * sizeof *argv.v);
	} else if (argv.n > 0) {
		f = find_func(argv.v[0]);
	}
	fn = argv.n > 0 ? builtin_find(argv.v[0], &special) : NULL;
	if (fn != NULL)
		f = NULL;
	if (argv.n == 0 || fn != NULL || f != NULL) {
		/* NAME=value before a regular builtin or function lasts as long as it */
		struct strv undo = { 0 };

		for (int i = 0; i < n->nassign; i++)
			if (assign(n->words[i], 0, argv.n == 0 || special ? NULL : &undo) < 0)
				status = 1;
		if (argv.n == 0 && status == 0 && sh_nsubst != subst0)
			status = sh_status;
		if (redirect(n->redirs, &sv) < 0)
			status = 1;
		else if (fn != NULL)
			status = fn(argv.n, argv.v);
		else if (f != NULL)
			status = call(f, argv.n, argv.v);
		fflush(stdout);
		restore(&sv);
		unassign(&undo);
		strv_free(&argv);
		return status;
	}
	if (!forked) {
		pid_t pgid = 0, pid = spawn(&pgid, 1);

		if (pid != 0) {
			strv_free(&argv);
			return pid < 0 ? 1 : wait_fg(&pid, 1);
		}
	}
	for (int i = 0; i < n->nassign; i++)
		if (assign(n->words[i], 1, NULL) < 0)
			exit(1);
	if (redirect(n->redirs, NULL) < 0)
		exit(1);
	exec_path(argv.v);
}

/* Run function f with $1... set to argv[1..argc). */
static int call(struct func *f, int argc, char **argv)
{
	int loops = sh_loops, status;

	pos_push(argc - 1, argv + 1);
	sh_loops = 0;
	status = exec_node(f->body);
	sh_loops = loops;
	sh_returning = 0;
	pos_pop();
	return status;
}

/* In a child: run n and exit with its status. */
static void __attribute__((noreturn)) run_child(struct node *n)
{
	exit(n->type == N_CMD ? simple(n, 1) : exec_node(n));
}

/* Run the n commands of a pipeline, in the background if bg. Returns its status. */
static int pipeline(struct node **kids, int n, int bg)
{
	pid_t pgid = 0, *pids = xmalloc((size_t)n * sizeof *pids);
	int in = -1, fd[2], np = 0, status;

	for (int i = 0; i < n; i++) {
		pid_t pid;

		if (i < n - 1 && pipe(fd) < 0) {
			sh_error("pipe: %s", strerror(errno));
			break;
		}
		pid = spawn(&pgid, !bg);
		if (pid == 0) {
			if (in >= 0) {
				dup2(in, 0);
				close(in);
			}
			if (i < n - 1) {
				close(fd[0]);
				dup2(fd[1], 1);
				close(fd[1]);
			}
			run_child(kids[i]);
		}
		if (in >= 0)
			close(in);
		in = -1;
		if (i < n - 1) {
			close(fd[1]);
			in = fd[0];
		}
		if (pid < 0)
			break;
		pids[np++] = pid;
	}
	if (in >= 0)
		close(in);
	if (np == 0) {
		free(pids);
		return 1;
	}
	if (bg) {
		sh_lastbg = pids[np - 1];
		add_job(pids, np);
		return 0;
	}
	status = wait_fg(pids, np);
	if (np < n)
		status = 1;
	free(pids);
	return status;
}

/*
 * After a loop body: whether break or continue end this loop. Consumes one
 * level of either; `continue` that stays in this loop is used up.
 */
static int loop_done(void)
{
	if (sh_breaks > 0) {
		sh_breaks--;
		return 1;
	}
	if (sh_continues > 0)
		return --sh_continues > 0;
	return sh_stopped || sh_returning;
}

/*
 * The bracket expression [set] at p against c: *hit says whether c is in
 * it (or, for [!set], not). Returns the closing ']', NULL if there is none.
 */
static const char *bracket(const char *p, char c, int *hit)
{
	int neg = p[1] == '!' || p[1] == '^', in = 0;

	p += 1 + neg;
	do { /* a ']' first in the set is an ordinary character */
		if (*p == '\0')
			return NULL;
		if (p[1] == '-' && p[2] != ']' && p[2] != '\0') {
			in |= c >= p[0] && c <= p[2];
			p += 3;
		} else {
			in |= c == *p++;
		}
	} while (*p != ']');
	*hit = in != neg;
	return p;
}

/* Whether s matches shell pattern p: * ? [set] [!set], \ quoting. */
static int match(const char *p, const char *s)
{
	for (; *p != '\0'; p++, s++) {
		const char *end;
		int hit;

		if (*p == '*') {
			for (const char *t = s;; t++) {
				if (match(p + 1, t))
					return 1;
				if (*t == '\0')
					return 0;
			}
		}
		if (*s == '\0')
			return 0;
		if (*p == '[' && (end = bracket(p, *s, &hit)) != NULL) {
			if (!hit)
				return 0;
			p = end;
			continue;
		}
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '?')
			continue;
		if (*p != *s)
			return 0;
	}
	return *s == '\0';
}

static int for_loop(struct node *n)
{
	struct strv v = { 0 };
	int status = 0;

	if (n->words == NULL) {
		for (int i = 1; i <= pos_count(); i++)
			strv_add(&v, xstrdup(pos_get(i)));
	}
	for (int i = 0; n->words != NULL && i < n->nwords; i++) {
		if (expand_word(n->words[i], &v, 1) < 0) {
			strv_free(&v);
			return 1;
		}
	}
	sh_loops++;
	for (int i = 0; i < v.n && !skipping(); i++) {
		var_set(n->name, v.v[i]);
		status = exec_node(n->b);
		if (loop_done())
			break;
	}
	sh_loops--;
	strv_free(&v);
	return status;
}

static int while_loop(struct node *n)
{
	int status = 0;

	sh_loops++;
	while (!skipping()) {
		int cond = exec_node(n->a) == 0;

		if (skipping() || cond != (n->type == N_WHILE))
			break;
		status = exec_node(n->b);
		if (loop_done())
			break;
	}
	sh_loops--;
	return status;
}

/* Run the first item of case n whose pattern matches. */
static int case_clause(struct node *n)
{
	char *w = expand_one(n->name);
	int status = 0;

	if (w == NULL)
		return 1;
	for (int i = 0; i < n->nkids; i++) {
		struct node *item = n->kids[i];
		int hit = 0;

		for (int k = 0; k < item->nwords && !hit; k++) {
			char *pat = expand_one(item->words[k]);

			hit = pat != NULL && match(pat, w);
			free(pat);
		}
		if (hit) {
			status = item->a != NULL ? exec_node(item->a) : 0;
			break;
		}
	}
	free(w);
	return status;
}

static void define(struct node *n)
{
	struct func *f;

	for (f = funcs; f != NULL; f = f->next)
		if (strcmp(f->name, n->name) == 0)
			break;
	if (f == NULL) {
		f = xmalloc(sizeof *f);
		f->name = xstrdup(n->name);
		f->next = funcs;
		funcs = f;
	}
	f->body = n->a;
	arena_keep();
}

/*
 * Run the tree n in the shell (forking where needed); sets and returns $?.
 */
int exec_node(struct node *n)
{
	struct save sv = { 0 };
	int st = 0;

	if (n->type == N_CMD)
		return sh_status = simple(n, 0);
	if (redirect(n->redirs, &sv) < 0) {
		restore(&sv);
		return sh_status = 1;
	}
	switch (n->type) {
	case N_CMD:
		break;
	case N_PIPE:
		st = pipeline(n->kids, n->nkids, 0);
		break;
	case N_AND:
	case N_OR:
		st = exec_node(n->a);
		if ((st == 0) == (n->type == N_AND) && !skipping())
			st = exec_node(n->b);
		break;
	case N_SEQ:
		st = exec_node(n->a);
		if (!skipping())
			st = exec_node(n->b);
		break;
	case N_GROUP:
		st = exec_node(n->a);
		break;
	case N_CASE:
		st = case_clause(n);
		break;
	case N_FUNC:
		define(n);
		break;
	case N_NOT:
		st = !exec_node(n->a);
		break;
	case N_BG:
		if (n->a->type == N_PIPE)
			st = pipeline(n->a->kids, n->a->nkids, 1);
		else
			st = pipeline(&n->a, 1, 1);
		break;
	case N_SUBSHELL:
		st = pipeline(&n->a, 1, 0);
		break;
	case N_IF:
		if (exec_node(n->a) == 0)
			st = exec_node(n->b);
		else if (n->c != NULL && !skipping())
			st = exec_node(n->c);
		break;
	case N_WHILE:
	case N_UNTIL:
		st = while_loop(n);
		break;
	case N_FOR:
		st = for_loop(n);
		break;
	}
	restore(&sv);
	return sh_status = st;
}

/* Clear the interrupted state before a new command from the user. */
void exec_reset(void)
{
	sh_stopped = sh_breaks = sh_continues = sh_returning = 0;
}
