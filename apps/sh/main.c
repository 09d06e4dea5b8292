/*
 * sh - the command shell: its main loop, where commands come from, and the
 * small allocation helpers the other files share.
 *
 *   sh                       commands from standard input (a prompt if a terminal)
 *   sh FILE [ARG...]         commands from FILE, with $1... set to the ARGs
 *   sh -c STRING [NAME [ARG...]]  commands from STRING, $0 = NAME
 *
 * Input is read with read(2), never stdio: when the shell reads a script
 * from standard input, the commands it starts read the same descriptor and
 * must find what the shell has not consumed. So standard input is read one
 * byte at a time; script files and -c strings are read whole into memory.
 * Each complete command (one line, or several when a quote, an `&&`, `|`,
 * `if` ... is still open at the end of a line) is parsed and run before
 * the next line is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sh.h"

int sh_interactive;
int sh_jobctl;
int sh_status;
pid_t sh_pid;
pid_t sh_pgid;
pid_t sh_lastbg;
volatile int sh_intr;

/* Where commands come from: a descriptor (fd >= 0) or a string in memory. */
struct source {
	int fd;
	const char *mem;
	size_t len, pos;
};

/* Print "sh: " and the printf-style message on stderr, after flushing stdout. */
void sh_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("sh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* malloc() that ends the shell (status 2) when memory runs out. */
void *xmalloc(size_t n)
{
	return xrealloc(NULL, n);
}

/* Like realloc(), but running out of memory ends the shell (status 2). */
void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL) {
		sh_error("out of memory");
		_exit(2);
	}
	return p;
}

/* A malloc'ed copy of s; see xmalloc(). */
char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* Append the n bytes at s to b, keeping b NUL-terminated. */
void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

/* Append one byte to b. */
void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

/* Append s (which the vector now owns) and keep the vector NULL-terminated. */
void strv_add(struct strv *v, char *s)
{
	if (v->n + 2 > v->cap) {
		v->cap = (v->n + 2) * 2;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
	v->v[v->n++] = s;
	v->v[v->n] = NULL;
}

/* Free v's strings and array, leaving it empty. */
void strv_free(struct strv *v)
{
	for (int i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

/*
 * The parse arena: tokens, trees and their strings live here from when a
 * command is read until it has run, then go all at once (afree_all).
 */
struct ablock {
	struct ablock *next;
	size_t used, size;
	char data[];
};
static struct ablock *arena;
static int keep; /* a function was defined: keep this command's blocks */

/* n bytes, 8-byte aligned, valid until the next afree_all(). */
void *amalloc(size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (arena == NULL || arena->used + n > arena->size) {
		size_t size = n > 60000 ? n : 60000;
		struct ablock *b = xmalloc(sizeof *b + size);

		b->next = arena;
		b->used = 0;
		b->size = size;
		arena = b;
	}
	arena->used += n;
	return arena->data + arena->used - n;
}

/* A NUL-terminated copy of the n bytes at s, in the arena. */
char *astrdup(const char *s, size_t n)
{
	char *p = amalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Free everything amalloc() gave out, except blocks arena_keep() claimed. */
void afree_all(void)
{
	if (keep) { /* functions point into these blocks: leak them */
		arena = NULL;
		keep = 0;
	}
	while (arena != NULL) {
		struct ablock *b = arena;

		arena = b->next;
		free(b);
	}
}

/* Keep the blocks of the command being run for ever (a function body is in them). */
void arena_keep(void)
{
	keep = 1;
}

/* The terminal's modes and standard input's flags as the interactive
 * shell found them: put back before each prompt, so a program that left
 * the terminal raw or non-blocking (killed before it could restore it, as
 * vm can be) does not take the shell down with it. */
static struct termios tty_modes;
static int tty_saved, stdin_flags = -1;

static void restore_terminal(void)
{
	if (tty_saved)
		tcsetattr(0, TCSADRAIN, &tty_modes);
	if (stdin_flags >= 0)
		fcntl(0, F_SETFL, stdin_flags);
}

static void prompt(const char *s)
{
	if (sh_interactive) {
		fputs(s, stdout);
		fflush(stdout);
	}
}

/*
 * Append one line, '\n' included if there is one, to b. Returns 1 for a
 * line, 0 at end of input with nothing read, -1 if ^C interrupted the read
 * and -2 if the command grew past SH_MAX_INPUT (the rest of the line is
 * then read and dropped).
 */
static int read_line(struct source *src, struct buf *b)
{
	int got = 0, toolong = 0;
	char c;

	for (;;) {
		if (src->fd < 0) {
			if (src->pos >= src->len)
				break;
			c = src->mem[src->pos++];
		} else {
			ssize_t r = read(src->fd, &c, 1);

			if (r < 0 && errno == EINTR && sh_intr)
				return -1;
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
		}
		got = 1;
		if (b->n >= SH_MAX_INPUT)
			toolong = 1;
		else if (c != '\0')
			buf_addc(b, c);
		if (c == '\n')
			break;
	}
	if (toolong)
		return -2;
	return got;
}

/* Read, parse and run commands from src until its end; returns $?. */
static int run_source(struct source *src)
{
	struct buf in = { 0 };

	for (;;) {
		struct token *toks;
		struct node *tree = NULL;
		const char *err = NULL;
		int ntoks, r, pr = PARSE_OK;

		if (sh_interactive) {
			reap_jobs(1);
			restore_terminal();
			prompt("$ ");
		}
		in.n = 0;
		r = read_line(src, &in);
		if (r == 0)
			break;
		while (r > 0) {
			afree_all();
			pr = lex(in.s, &toks, &ntoks, &err);
			if (pr == PARSE_OK)
				pr = parse(toks, ntoks, &tree, &err);
			if (pr != PARSE_INCOMPLETE)
				break;
			prompt("> ");
			r = read_line(src, &in);
			if (r == 0)
				pr = PARSE_ERROR;
		}
		if (r == -1) {
			fputc('\n', stdout);
			sh_intr = 0;
			sh_status = 130;
		} else if (r == -2) {
			sh_error("input line too long");
			sh_status = 2;
		} else if (pr == PARSE_ERROR) {
			sh_error("syntax error: %s", err);
			sh_status = 2;
			if (!sh_interactive)
				break;
		} else if (tree != NULL) {
			exec_reset();
			sh_status = exec_node(tree);
		}
		afree_all();
	}
	free(in.s);
	return sh_status;
}

/*
 * Run the script at path in this process ($0 and $1... already set).
 * Returns its exit status, or 127 if it cannot be read.
 */
int run_file(const char *path)
{
	struct buf b = { 0 };
	struct source src = { -1, NULL, 0, 0 };
	char chunk[4096];
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		sh_error("%s: %s", path, strerror(errno));
		return 127;
	}
	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sh_error("%s: %s", path, strerror(errno));
			close(fd);
			free(b.s);
			return 126;
		}
		buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	src.mem = b.s;
	src.len = b.n;
	r = run_source(&src);
	free(b.s);
	return (int)r;
}

/* Run the commands in string s (sh -c, command substitution); returns $?. */
int run_string(const char *s)
{
	struct source src = { -1, s, strlen(s), 0 };

	return run_source(&src);
}

static void on_sigint(int sig)
{
	(void)sig;
	sh_intr = 1;
}

/* An interactive shell owns the terminal and survives ^C, ^Z and kill. */
static void setup_interactive(void)
{
	struct sigaction sa;

	tty_saved = tcgetattr(0, &tty_modes) == 0;
	stdin_flags = fcntl(0, F_GETFL);

	sh_jobctl = 1;
	signal(SIGTERM, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
#ifdef SIGTSTP
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
#endif
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint; /* no SA_RESTART: ^C must end a read() */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	setpgid(0, 0); /* fails harmlessly for a session leader */
	sh_pgid = getpgrp();
	if (tcsetpgrp(0, sh_pgid) < 0)
		sh_jobctl = 0;
}

int main(int argc, char **argv)
{
	struct source src = { 0, NULL, 0, 0 };
	char cwd[4096];

	sh_pid = getpid();
	if (getcwd(cwd, sizeof cwd) != NULL)
		setenv("PWD", cwd, 1); /* POSIX: the shell sets PWD */
	pos_set_arg0("sh");
	if (argc > 1 && strcmp(argv[1], "-c") == 0) {
		if (argc < 3) {
			sh_error("-c: option requires an argument");
			return 2;
		}
		if (argc > 3) {
			pos_set_arg0(argv[3]);
			pos_set(argc - 4, argv + 4);
		}
		return run_string(argv[2]);
	}
	if (argc > 1) {
		int i = strcmp(argv[1], "--") == 0 ? 2 : 1;

		if (i < argc) {
			pos_set_arg0(argv[i]);
			pos_set(argc - i - 1, argv + i + 1);
			return run_file(argv[i]);
		}
	}
	if (isatty(0)) {
		sh_interactive = 1;
		setup_interactive();
	}
	return run_source(&src);
}
