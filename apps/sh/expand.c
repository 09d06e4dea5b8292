/*
 * expand.c - turn a raw word into the strings a command receives.
 *
 * In one left-to-right pass: a leading ~ becomes $HOME; '...' is taken as
 * is; "..." keeps its text together, expanding $ and letting a backslash
 * escape only $ ` " and \; a backslash outside quotes takes the next
 * character literally; $NAME ${NAME} $? $$ $# $! $0..$9 $@ $* and the
 * ${NAME-word} ${NAME:-word} ${NAME+word} ${NAME:+word} ${NAME=word}
 * ${NAME:=word} ${NAME?word} ${#NAME} forms are replaced by their values.
 * $(cmd) and `cmd` are replaced by the output of cmd (exec.c runs it),
 * $((expr)) by the value of an integer expression (C operators and ?:,
 * no assignments). Results of unquoted expansions are split into fields at
 * the characters of $IFS (default space, tab, newline); "$@" gives one
 * field per parameter. There is no pathname expansion (globbing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh.h"

struct exp {
	struct buf b;	  /* the field being built */
	int have;	  /* it exists even if empty: quotes were seen */
	int dropempty;	  /* "$@" with no parameters: no field at all */
	int split;	  /* split unquoted expansions into fields */
	struct strv *out; /* finished fields */
};

static void endfield(struct exp *e)
{
	if (e->b.n > 0 || e->have)
		strv_add(e->out, xstrdup(e->b.n > 0 ? e->b.s : ""));
	e->b.n = 0;
	e->have = 0;
}

/* Add the value of an expansion; unquoted, it is split into fields. */
static void addval(struct exp *e, const char *v, int quoted)
{
	const char *ifs;

	if (quoted || !e->split) {
		buf_add(&e->b, v, strlen(v));
		return;
	}
	ifs = var_get("IFS");
	if (ifs == NULL)
		ifs = " \t\n";
	for (; *v != '\0'; v++) {
		if (strchr(ifs, *v) == NULL) {
			buf_addc(&e->b, *v);
			continue;
		}
		if (*v != ' ' && *v != '\t' && *v != '\n')
			e->have = 1; /* "a::b" has an empty field in the middle */
		endfield(e);
	}
}

/* $@ or $* (c); quoted or not. */
static void params(struct exp *e, char c, int quoted)
{
	int n = pos_count();

	if (quoted && c == '@' && e->split) {
		if (n == 0)
			e->dropempty = 1;
		for (int i = 1; i <= n; i++) {
			if (i > 1) {
				strv_add(e->out, xstrdup(e->b.n > 0 ? e->b.s : ""));
				e->b.n = 0;
			}
			buf_add(&e->b, pos_get(i), strlen(pos_get(i)));
		}
		return;
	}
	for (int i = 1; i <= n; i++) {
		if (i > 1 && (quoted || !e->split))
			buf_addc(&e->b, ' ');
		else if (i > 1)
			endfield(e);
		addval(e, pos_get(i), quoted);
	}
}

/* The value of a one-character special parameter (num is scratch space). */
static const char *special(char c, char *num, size_t size)
{
	switch (c) {
	case '?':
		snprintf(num, size, "%d", sh_status);
		return num;
	case '$':
		snprintf(num, size, "%ld", (long)sh_pid);
		return num;
	case '#':
		snprintf(num, size, "%d", pos_count());
		return num;
	case '!':
		if (sh_lastbg == 0)
			return "";
		snprintf(num, size, "%ld", (long)sh_lastbg);
		return num;
	case '-':
		return sh_interactive ? "i" : "";
	default:
		return pos_get(c - '0');
	}
}

/* Length of the parameter name at s: a special character, digits or a name. */
static size_t name_len(const char *s, int braces)
{
	size_t n = 0;

	if (*s != '\0' && strchr("?$#!@*-", *s) != NULL)
		return 1;
	if (*s >= '0' && *s <= '9') {
		if (!braces)
			return 1;
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		return n;
	}
	while (valid_name(s, n + 1))
		n++;
	return n;
}

/* The value of parameter name (NULL if unset); $@ and $* joined by spaces. */
static const char *lookup(const char *name, char *num, size_t size, char **tofree)
{
	if (name[0] == '@' || name[0] == '*') {
		struct buf b = { 0 };

		for (int i = 1; i <= pos_count(); i++) {
			if (i > 1)
				buf_addc(&b, ' ');
			buf_add(&b, pos_get(i), strlen(pos_get(i)));
		}
		*tofree = b.s;
		return b.s != NULL ? b.s : "";
	}
	if (name[0] >= '0' && name[0] <= '9')
		return pos_get(atoi(name));
	if (name[1] == '\0' && strchr("?$#!-", name[0]) != NULL)
		return special(name[0], num, size);
	return var_get(name);
}

/* ${...} at *pp; advances *pp past the '}'. Returns -1 on a bad form. */
static int braces(struct exp *e, const char **pp, int quoted)
{
	const char *in = *pp + 2, *end = strchr(in, '}'), *op;
	char name[128], num[24], *tofree = NULL, *word = NULL;
	const char *val;
	int len = 0, colon = 0, r = 0;
	size_t n;

	if (end == NULL)
		goto bad;
	if (in[0] == '#' && in + 1 < end) {
		len = 1;
		in++;
	}
	n = name_len(in, 1);
	if (n == 0 || n >= sizeof name)
		goto bad;
	memcpy(name, in, n);
	name[n] = '\0';
	op = in + n;
	if (op == end && !len && (name[0] == '@' || name[0] == '*')) {
		params(e, name[0], quoted);
		*pp = end + 1;
		return 0;
	}
	val = lookup(name, num, sizeof num, &tofree);
	if (*op == ':') {
		colon = 1;
		op++;
	}
	if (op != end) {
		int unset = val == NULL || (colon && *val == '\0');

		if (len || strchr("-+=?", *op) == NULL)
			goto bad;
		word = expand_one(astrdup(op + 1, (size_t)(end - op - 1)));
		if (word == NULL)
			goto fail;
		if (*op == '+')
			val = unset ? NULL : word;
		else if (unset && *op == '-')
			val = word;
		else if (unset && *op == '=' && valid_name(name, n)) {
			var_set(name, word);
			val = word;
		} else if (unset) {
			sh_error("%s: %s", name, *op == '?' && *word ? word : "parameter not set");
			goto fail;
		}
	}
	if (len) {
		snprintf(num, sizeof num, "%zu", val != NULL ? strlen(val) : 0);
		val = num;
	}
	if (val != NULL)
		addval(e, val, quoted);
	*pp = end + 1;
	goto out;
bad:
	sh_error("%.*s: bad substitution", end ? (int)(end + 1 - *pp) : 2, *pp);
fail:
	r = -1;
out:
	free(tofree);
	free(word);
	return r;
}

struct arith {
	const char *s;
	const char *err;
};

static long a_expr(struct arith *a);

static void a_space(struct arith *a)
{
	while (*a->s == ' ' || *a->s == '\t' || *a->s == '\n')
		a->s++;
}

/* A number, a variable, ( expr ), or a unary operator and its operand. */
static long a_primary(struct arith *a)
{
	char c, name[128], *end;
	const char *val;
	size_t n = 0;
	long v;

	a_space(a);
	c = *a->s;
	if (a->err != NULL)
		return 0;
	if (c == '(') {
		a->s++;
		v = a_expr(a);
		a_space(a);
		if (*a->s != ')')
			a->err = "missing ')'";
		a->s++;
		return v;
	}
	if (c == '-' || c == '+' || c == '!' || c == '~') {
		a->s++;
		v = a_primary(a);
		return c == '-'	  ? (long)(0UL - (unsigned long)v)
		       : c == '!' ? !v
		       : c == '~' ? ~v
				  : v;
	}
	if (c >= '0' && c <= '9') {
		v = strtol(a->s, &end, 0);
		a->s = end;
		return v;
	}
	while (valid_name(a->s, n + 1))
		n++;
	if (n == 0 || n >= sizeof name) {
		a->err = "syntax error";
		return 0;
	}
	memcpy(name, a->s, n);
	name[n] = '\0';
	a->s += n;
	val = var_get(name);
	return val != NULL ? strtol(val, NULL, 0) : 0;
}

/* Binary operators by precedence; two-character ones first so they match first. */
static const struct {
	char op[3];
	int prec;
} a_ops[] = {
	{ "||", 1 }, { "&&", 2 }, { "==", 6 }, { "!=", 6 }, { "<=", 7 }, { ">=", 7 },
	{ "<<", 8 }, { ">>", 8 }, { "|", 3 },  { "^", 4 },  { "&", 5 },	 { "<", 7 },
	{ ">", 7 },  { "+", 9 },  { "-", 9 },  { "*", 10 }, { "/", 10 }, { "%", 10 },
};

static long a_apply(struct arith *a, const char *op, long l, long r)
{
	unsigned long ul = (unsigned long)l, ur = (unsigned long)r;

	switch (op[0]) {
	case '|':
		return op[1] ? l || r : l | r;
	case '&':
		return op[1] ? l && r : l & r;
	case '=':
		return l == r;
	case '!':
		return l != r;
	case '<':
		return op[1] == '<' ? (long)(ul << (r & 63)) : op[1] ? l <= r : l < r;
	case '>':
		return op[1] == '>' ? l >> (r & 63) : op[1] ? l >= r : l > r;
	case '^':
		return l ^ r;
	case '+':
		return (long)(ul + ur);
	case '-':
		return (long)(ul - ur);
	case '*':
		return (long)(ul * ur);
	}
	if (r == 0) {
		a->err = "division by zero";
		return 0;
	}
	if (r == -1) /* LONG_MIN / -1 would trap */
		return op[0] == '/' ? (long)(0UL - ul) : 0;
	return op[0] == '/' ? l / r : l % r;
}

/* Precedence climbing over operators of precedence >= minprec. */
static long a_binary(struct arith *a, int minprec)
{
	long l = a_primary(a);

	for (;;) {
		size_t i, n = sizeof a_ops / sizeof a_ops[0], len;

		a_space(a);
		for (i = 0; i < n; i++)
			if (strncmp(a->s, a_ops[i].op, strlen(a_ops[i].op)) == 0)
				break;
		if (i == n || a_ops[i].prec < minprec || a->err != NULL)
			return l;
		len = strlen(a_ops[i].op);
		a->s += len;
		l = a_apply(a, a_ops[i].op, l, a_binary(a, a_ops[i].prec + 1));
	}
}

/* cond ? a : b, the lowest precedence (both sides are evaluated). */
static long a_expr(struct arith *a)
{
	long c = a_binary(a, 1), t, f;

	a_space(a);
	if (*a->s != '?')
		return c;
	a->s++;
	t = a_expr(a);
	a_space(a);
	if (*a->s != ':') {
		a->err = "missing ':'";
		return 0;
	}
	a->s++;
	f = a_expr(a);
	return c ? t : f;
}

/* $(( the n bytes at s )): expand $ in them, then evaluate. */
static int arith(struct exp *e, const char *s, size_t n, int quoted)
{
	char *x = expand_one(astrdup(s, n)), num[24];
	struct arith a = { x, NULL };
	long v;

	if (x == NULL)
		return -1;
	v = a_expr(&a);
	a_space(&a);
	if (a.err == NULL && *a.s != '\0')
		a.err = "syntax error";
	if (a.err != NULL)
		sh_error("%s: arithmetic %s", x, a.err);
	free(x);
	if (a.err != NULL)
		return -1;
	snprintf(num, sizeof num, "%ld", v);
	addval(e, num, quoted);
	return 0;
}

/* $( the n bytes at s ) or `...`: the output of the command. */
static int subst(struct exp *e, const char *s, size_t n, int quoted)
{
	struct buf out = { 0 };

	command_output(astrdup(s, n), &out);
	addval(e, out.n > 0 ? out.s : "", quoted);
	free(out.s);
	return 0;
}

/* `...` at *pp: backslash escapes only $ ` and \ inside. */
static int backquote(struct exp *e, const char **pp, int quoted)
{
	const char *s = *pp, *end = skip_backquote(s);
	struct buf cmd = { 0 };
	int r;

	if (end == NULL) { /* the lexer does not let this happen */
		buf_addc(&e->b, *s);
		*pp = s + 1;
		return 0;
	}
	for (s++; s < end - 1; s++) {
		if (s[0] == '\\' && (s[1] == '$' || s[1] == '`' || s[1] == '\\'))
			s++;
		buf_addc(&cmd, *s);
	}
	*pp = end;
	r = subst(e, cmd.n > 0 ? cmd.s : "", cmd.n, quoted);
	free(cmd.s);
	return r;
}

/* A $ at *pp: expand what follows and advance *pp past it. */
static int dollar(struct exp *e, const char **pp, int quoted)
{
	const char *s = *pp + 1;
	char name[256], num[24];
	size_t n;

	if (*s == '{')
		return braces(e, pp, quoted);
	if (*s == '(') {
		const char *end = skip_parens(s);

		if (end == NULL) {
			sh_error("missing ')'");
			return -1;
		}
		*pp = end;
		if (s[1] == '(' && skip_parens(s + 1) == end - 1)
			return arith(e, s + 2, (size_t)(end - s - 4), quoted);
		return subst(e, s + 1, (size_t)(end - s - 2), quoted);
	}
	n = name_len(s, 0);
	if (n == 0 || n >= sizeof name) {
		buf_addc(&e->b, '$');
		*pp = s;
		return 0;
	}
	*pp = s + n;
	if (*s == '@' || *s == '*') {
		params(e, *s, quoted);
		return 0;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	if (n == 1 && strchr("?$#!-0123456789", *s) != NULL)
		s = special(*s, num, sizeof num);
	else
		s = var_get(name);
	if (s != NULL)
		addval(e, s, quoted);
	return 0;
}

/*
 * Expand raw word w, appending the resulting fields (malloc'ed) to out;
 * split says whether unquoted expansions are split into fields. Returns 0,
 * or -1 after printing an error (bad ${...}, ${X?msg} with X unset).
 */
int expand_word(const char *w, struct strv *out, int split)
{
	struct exp e = { { 0 }, 0, 0, split, out };
	const char *p = w;
	int dq = 0;

	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0') && var_get("HOME") != NULL) {
		addval(&e, var_get("HOME"), 1);
		p++;
	}
	while (*p != '\0') {
		if (*p == '\'' && !dq) {
			const char *q = strchr(p + 1, '\'');

			if (q == NULL)
				q = p + strlen(p);
			buf_add(&e.b, p + 1, (size_t)(q - p - 1));
			e.have = 1;
			p = *q ? q + 1 : q;
		} else if (*p == '"') {
			dq = !dq;
			e.have = 1;
			p++;
		} else if (*p == '\\') {
			if (p[1] == '\0' || (dq && strchr("$`\"\\", p[1]) == NULL)) {
				buf_addc(&e.b, '\\');
				p++;
			} else {
				buf_addc(&e.b, p[1]);
				p += 2;
			}
		} else if (*p == '`') {
			backquote(&e, &p, dq);
		} else if (*p == '$') {
			if (dollar(&e, &p, dq) < 0) {
				free(e.b.s);
				return -1;
			}
		} else {
			buf_addc(&e.b, *p++);
		}
	}
	if (!(e.dropempty && e.b.n == 0))
		endfield(&e);
	free(e.b.s);
	return 0;
}

/*
 * Expand w into one string, without field splitting (assignments,
 * redirection targets). Returns a malloc'ed string, or NULL on error.
 */
char *expand_one(const char *w)
{
	struct strv v = { 0 };
	struct buf b = { 0 };

	if (expand_word(w, &v, 0) < 0) {
		strv_free(&v);
		return NULL;
	}
	for (int i = 0; i < v.n; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_add(&b, v.v[i], strlen(v.v[i]));
	}
	strv_free(&v);
	return b.s != NULL ? b.s : xstrdup("");
}
