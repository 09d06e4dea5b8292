/*
 * builtin.c - the commands the shell runs itself.
 *
 * They are the ones that must change the shell's own state (cd, export,
 * unset, exit, wait, shift, set, read, break, continue, return, umask)
 * plus `:`, pwd and `command -v`. Everything else,
 * echo, true and false included, is an ordinary program found in $PATH.
 * Each builtin gets the expanded words of its command, returns its exit
 * status and reports errors as "sh: NAME: ..." on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh.h"

extern char **environ;

static int b_colon(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* cd [DIR | -]: no DIR means $HOME (or / without one); - means $OLDPWD. */
static int b_cd(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : var_get("HOME");
	char old[4096], cwd[4096];
	int print = 0;

	if (dir == NULL || *dir == '\0')
		dir = "/";
	if (strcmp(dir, "-") == 0) {
		dir = var_get("OLDPWD");
		if (dir == NULL) {
			sh_error("cd: OLDPWD not set");
			return 1;
		}
		print = 1;
	}
	if (getcwd(old, sizeof old) == NULL)
		old[0] = '\0';
	if (chdir(dir) < 0) {
		sh_error("cd: %s: %s", dir, strerror(errno));
		return 1;
	}
	if (old[0] != '\0')
		var_set("OLDPWD", old);
	if (getcwd(cwd, sizeof cwd) != NULL) {
		var_set("PWD", cwd);
		if (print)
			printf("%s\n", cwd);
	}
	return 0;
}

static int b_pwd(int argc, char **argv)
{
	char cwd[4096];

	(void)argc;
	(void)argv;
	if (getcwd(cwd, sizeof cwd) == NULL) {
		sh_error("pwd: %s", strerror(errno));
		return 1;
	}
	printf("%s\n", cwd);
	return 0;
}

/* export [NAME[=value]...]: without arguments, list the environment. */
static int b_export(int argc, char **argv)
{
	int status = 0;

	if (argc == 1)
		for (char **e = environ; *e != NULL; e++)
			printf("export %s\n", *e);
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t n = eq != NULL ? (size_t)(eq - argv[i]) : strlen(argv[i]);

		if (!valid_name(argv[i], n)) {
			sh_error("export: %s: bad variable name", argv[i]);
			status = 1;
			continue;
		}
		if (eq != NULL)
			*eq = '\0';
		var_export(argv[i], eq != NULL ? eq + 1 : NULL);
	}
	return status;
}

static int b_unset(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			var_unset(argv[i]);
	return 0;
}

/* A decimal number >= 0 in *v; -1 if s is not one. */
static int number(const char *s, long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtol(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

/* exit [N]: N defaults to the status of the last command. */
static int b_exit(int argc, char **argv)
{
	long n = sh_status;

	if (argc > 1 && number(argv[1], &n) < 0) {
		sh_error("exit: %s: numeric argument required", argv[1]);
		n = 2;
	}
	fflush(stdout);
	exit((int)(n & 255));
}

/* wait [PID...]: without PID, every background job; else each PID in turn. */
static int b_wait(int argc, char **argv)
{
	int status = 0;

	if (argc == 1)
		status = wait_all();
	for (int i = 1; i < argc && status != 130; i++) {
		long pid;

		if (number(argv[i], &pid) < 0) {
			sh_error("wait: %s: not a process id", argv[i]);
			return 2;
		}
		status = wait_pid((pid_t)pid);
	}
	sh_intr = 0;
	return status;
}

static int b_shift(int argc, char **argv)
{
	long n = 1;

	if (argc > 1 && number(argv[1], &n) < 0) {
		sh_error("shift: %s: bad number", argv[1]);
		return 1;
	}
	if (n > pos_count()) {
		sh_error("shift: can't shift that many");
		return 1;
	}
	pos_shift((int)n);
	return 0;
}

/* set [--] ARG...: make the ARGs the positional parameters (no options). */
static int b_set(int argc, char **argv)
{
	int i = 1;

	if (argc > 1 && strcmp(argv[1], "--") == 0)
		i = 2;
	else if (argc > 1 && argv[1][0] == '-') {
		sh_error("set: %s: options are not supported", argv[1]);
		return 2;
	}
	if (argc > 1)
		pos_set(argc - i, argv + i);
	return 0;
}

/* break [N] and continue [N]: leave N enclosing loops (at most all of them). */
static int b_break(int argc, char **argv)
{
	long n = 1;

	if (argc > 1 && (number(argv[1], &n) < 0 || n < 1)) {
		sh_error("%s: %s: bad number", argv[0], argv[1]);
		return 1;
	}
	if (n > sh_loops)
		n = sh_loops;
	if (argv[0][0] == 'b')
		sh_breaks = (int)n;
	else
		sh_continues = (int)n;
	return 0;
}

/* return [N]: leave the function running, with status N (default $?). */
static int b_return(int argc, char **argv)
{
	long n = sh_status;

	if (argc > 1 && number(argv[1], &n) < 0) {
		sh_error("return: %s: bad number", argv[1]);
		n = 2;
	}
	sh_returning = 1;
	return (int)(n & 255);
}

/* umask [OOO]: show or set the file creation mask, in octal. */
static int b_umask(int argc, char **argv)
{
	mode_t m;
	char *end;

	if (argc == 1) {
		m = umask(0);
		umask(m);
		printf("%04o\n", (unsigned)m);
		return 0;
	}
	m = (mode_t)strtoul(argv[1], &end, 8);
	if (*argv[1] == '\0' || *end != '\0' || m > 0777) {
		sh_error("umask: %s: bad mask", argv[1]);
		return 1;
	}
	umask(m);
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * read [-r] [NAME...]: one line from standard input, split at blanks, one
 * field per NAME, the rest to the last NAME (REPLY if none). Reads a byte
 * at a time so that no input past the line is consumed. Returns 1 at end
 * of input.
 */
static int b_read(int argc, char **argv)
{
	struct buf line = { 0 }, esc = { 0 }; /* esc[i]: line[i] was escaped */
	int raw = 0, eof = 0, i = 1;
	size_t p = 0;
	char *def[] = { "REPLY" };

	if (argc > 1 && strcmp(argv[1], "-r") == 0)
		raw = i = 2;
	for (int k = i; k < argc; k++) {
		if (!valid_name(argv[k], strlen(argv[k]))) {
			sh_error("read: %s: bad variable name", argv[k]);
			return 2;
		}
	}
	for (int escaped = 0;;) {
		char c;
		ssize_t r = read(0, &c, 1);

		if (r < 0 && errno == EINTR && !sh_intr)
			continue;
		if (r <= 0) {
			eof = 1;
			break;
		}
		if (c == '\n' && !escaped)
			break;
		if (c == '\\' && !raw && !escaped) {
			escaped = 1;
			continue;
		}
		if (c != '\0' && !(c == '\n' && escaped)) {
			buf_addc(&line, c);
			buf_addc(&esc, (char)escaped);
		}
		escaped = 0;
	}
	if (i >= argc) {
		argv = def;
		argc = 1;
		i = 0;
	}
	for (; i < argc; i++) {
		size_t start, end;

		while (p < line.n && is_space(line.s[p]) && !esc.s[p])
			p++;
		start = end = p;
		if (i == argc - 1) {
			end = line.n;
			while (end > start && is_space(line.s[end - 1]) && !esc.s[end - 1])
				end--;
		} else {
			while (end < line.n && !(is_space(line.s[end]) && !esc.s[end]))
				end++;
		}
		p = end;
		var_set(argv[i], line.n > 0 ? astrdup(line.s + start, end - start) : "");
	}
	free(line.s);
	free(esc.s);
	return eof ? 1 : 0;
}

/* command -v NAME */
static int b_command(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "-v") != 0) {
		sh_error("command: usage: command [-v] NAME");
		return 2;
	}
	return command_v(argv[2]);
}

/* special: POSIX's special builtins, whose NAME=value prefixes stay set. */
static const struct {
	const char *name;
	builtin_fn fn;
	int special;
} builtins[] = {
	{ ":", b_colon, 1 },   { "break", b_break, 1 },	    { "continue", b_break, 1 },
	{ "exit", b_exit, 1 }, { "export", b_export, 1 },   { "return", b_return, 1 },
	{ "set", b_set, 1 },   { "shift", b_shift, 1 },	    { "unset", b_unset, 1 },
	{ "cd", b_cd, 0 },     { "command", b_command, 0 }, { "pwd", b_pwd, 0 },
	{ "read", b_read, 0 }, { "umask", b_umask, 0 },	    { "wait", b_wait, 0 },
};

/* The builtin called name, or NULL; *special (if not NULL) says if it is a special one. */
builtin_fn builtin_find(const char *name, int *special)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
		if (strcmp(builtins[i].name, name) == 0) {
			if (special != NULL)
				*special = builtins[i].special;
			return builtins[i].fn;
		}
	}
	return NULL;
}
