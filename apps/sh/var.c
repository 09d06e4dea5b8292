/*
 * var.c - shell variables and positional parameters.
 *
 * A variable is either exported, and then lives in the environment (environ,
 * through setenv), which every command the shell starts inherits; or it is
 * the shell's own, kept in the small table below. A name is never in both:
 * assigning to an exported name updates the environment, `export` moves a
 * name from the table into the environment.
 */
#include <stdlib.h>
#include <string.h>

#include "sh.h"

struct var {
	char *name, *value;
};
static struct var *vars;
static int nvars;

static char *arg0;    /* $0 */
static char **params; /* $1..$n */
static int nparams;

/* The parameters of the callers of the functions running now. */
struct saved_params {
	char **params;
	int nparams;
	struct saved_params *next;
};
static struct saved_params *saved;

/* Whether the n bytes at s make a variable name: [A-Za-z_][A-Za-z0-9_]*. */
int valid_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static int find(const char *name)
{
	for (int i = 0; i < nvars; i++)
		if (strcmp(vars[i].name, name) == 0)
			return i;
	return -1;
}

/* The value of a shell or environment variable, or NULL if unset. */
const char *var_get(const char *name)
{
	int i = find(name);

	return i >= 0 ? vars[i].value : getenv(name);
}

/* NAME=value: update the environment if name is exported, else the shell's table. */
void var_set(const char *name, const char *value)
{
	int i;

	if (getenv(name) != NULL) {
		setenv(name, value, 1);
		return;
	}
	i = find(name);
	if (i < 0) {
		vars = xrealloc(vars, (size_t)(nvars + 1) * sizeof *vars);
		i = nvars++;
		vars[i].name = xstrdup(name);
		vars[i].value = NULL;
	}
	free(vars[i].value);
	vars[i].value = xstrdup(value);
}

static void drop(int i)
{
	free(vars[i].name);
	free(vars[i].value);
	vars[i] = vars[--nvars];
}

/*
 * export NAME[=value]: put name in the environment, with value if given,
 * else with its shell value. A name with neither stays unset.
 */
void var_export(const char *name, const char *value)
{
	int i = find(name);

	if (value == NULL && i >= 0)
		value = vars[i].value;
	if (value != NULL)
		setenv(name, value, 1);
	if (i >= 0)
		drop(i);
}

/* unset NAME: remove it from the shell's table and the environment. */
void var_unset(const char *name)
{
	int i = find(name);

	if (i >= 0)
		drop(i);
	unsetenv(name);
}

/* Set $0 (copied). */
void pos_set_arg0(const char *s)
{
	free(arg0);
	arg0 = xstrdup(s);
}

/* Make argv[0..argc) the positional parameters $1...; the strings are copied. */
void pos_set(int argc, char **argv)
{
	for (int i = 0; i < nparams; i++)
		free(params[i]);
	free(params);
	params = xmalloc((size_t)(argc + 1) * sizeof *params);
	for (int i = 0; i < argc; i++)
		params[i] = xstrdup(argv[i]);
	nparams = argc;
}

/* $#: the number of positional parameters. */
int pos_count(void)
{
	return nparams;
}

/* $i for 0 <= i; NULL past the last parameter. */
const char *pos_get(int i)
{
	if (i == 0)
		return arg0;
	return i <= nparams ? params[i - 1] : NULL;
}

/* The shift builtin: drop $1..$n (n <= pos_count()). */
void pos_shift(int n)
{
	for (int i = 0; i < n; i++)
		free(params[i]);
	memmove(params, params + n, (size_t)(nparams - n) * sizeof *params);
	nparams -= n;
}

/* A function call: save $1..$n and make argv[0..argc) the new ones. */
void pos_push(int argc, char **argv)
{
	struct saved_params *sp = xmalloc(sizeof *sp);

	sp->params = params;
	sp->nparams = nparams;
	sp->next = saved;
	saved = sp;
	params = NULL;
	nparams = 0;
	pos_set(argc, argv);
}

/* The function returns: give back the caller's parameters. */
void pos_pop(void)
{
	struct saved_params *sp = saved;

	pos_set(0, NULL);
	free(params);
	params = sp->params;
	nparams = sp->nparams;
	saved = sp->next;
	free(sp);
}
