/*
 * lex.c - cut a command into tokens.
 *
 * Words keep their quotes and backslashes: they are only given meaning when
 * the command runs (expand.c). The lexer's job is to find where each word
 * ends, which needs quotes and ${...} to be matched; an unmatched one means
 * the command goes on on the next line (PARSE_INCOMPLETE). Backslash-newline
 * outside single quotes disappears here, joining the two lines. Operators:
 * ; & | && || ( ) newline, and the redirections [n]< [n]> [n]>> [n]<& [n]>&.
 * `#` at the start of a word begins a comment that runs to the end of the line.
 */
#include <stdlib.h>
#include <string.h>

#include "sh.h"

struct lexer {
	struct token *toks;
	int n, cap;
};

static struct token *add(struct lexer *lx, enum tok_type type)
{
	if (lx->n == lx->cap) {
		struct token *t = amalloc((size_t)(lx->cap * 2 + 16) * sizeof *t);

		if (lx->n > 0)
			memcpy(t, lx->toks, (size_t)lx->n * sizeof *t);
		lx->toks = t;
		lx->cap = lx->cap * 2 + 16;
	}
	memset(&lx->toks[lx->n], 0, sizeof lx->toks[0]);
	lx->toks[lx->n].type = type;
	return &lx->toks[lx->n++];
}

static int is_meta(char c)
{
	return c == '\0' || strchr(" \t\n;&|<>()", c) != NULL;
}

/*
 * The end of the $( ... ) or $(( ... )) whose '(' is at s: just past the
 * matching ')', skipping quoted text. NULL if it is not closed yet.
 */
const char *skip_parens(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] != '\0') {
			s++;
		} else if (*s == '\'') {
			if ((s = strchr(s + 1, '\'')) == NULL)
				return NULL;
		} else if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\0')
					return NULL;
				if (s[0] == '\\' && s[1] != '\0')
					s++;
			}
		} else if (*s == '`') {
			if ((s = skip_backquote(s)) == NULL)
				return NULL;
			s--;
		} else if (*s == '(') {
			depth++;
		} else if (*s == ')' && --depth == 0) {
			return s + 1;
		}
	}
	return NULL;
}

/* Just past the ` ... ` whose first ` is at s; NULL if not closed yet. */
const char *skip_backquote(const char *s)
{
	for (s++; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] != '\0')
			s++;
		else if (*s == '`')
			return s + 1;
	}
	return NULL;
}

/*
 * Scan one word starting at *sp into out (backslash-newlines dropped).
 * Returns PARSE_INCOMPLETE if a quote or ${ is still open at the end.
 */
static int word(const char **sp, struct buf *out, const char **err)
{
	const char *s = *sp;
	int dq = 0;

	while (*s != '\0' && (dq || !is_meta(*s))) {
		if (s[0] == '\\' && s[1] == '\n') {
			if (s[2] == '\0') {
				*err = "unexpected end of file";
				return PARSE_INCOMPLETE;
			}
			s += 2;
		} else if (s[0] == '\\' && s[1] != '\0') {
			buf_add(out, s, 2);
			s += 2;
		} else if (*s == '\'' && !dq) {
			const char *e = strchr(s + 1, '\'');

			if (e == NULL) {
				*err = "unterminated quoted string";
				return PARSE_INCOMPLETE;
			}
			buf_add(out, s, (size_t)(e + 1 - s));
			s = e + 1;
		} else if ((s[0] == '$' && s[1] == '(') || s[0] == '`') {
			const char *e = *s == '`' ? skip_backquote(s) : skip_parens(s + 1);

			if (e == NULL) {
				*err = "unterminated command substitution";
				return PARSE_INCOMPLETE;
			}
			buf_add(out, s, (size_t)(e - s));
			s = e;
		} else if (s[0] == '$' && s[1] == '{') {
			const char *e = strchr(s, '}');

			if (e == NULL) {
				*err = "missing '}'";
				return PARSE_INCOMPLETE;
			}
			buf_add(out, s, (size_t)(e + 1 - s));
			s = e + 1;
		} else {
			if (*s == '"')
				dq = !dq;
			buf_addc(out, *s++);
		}
	}
	*sp = s;
	if (dq) {
		*err = "unterminated quoted string";
		return PARSE_INCOMPLETE;
	}
	return PARSE_OK;
}

/* Redirection operator at s (after any digits); its length, 0 if none. */
static int redir_op(const char *s, enum redir_type *type)
{
	if (s[0] == '<') {
		*type = s[1] == '&' ? R_DUPIN : R_IN;
		return s[1] == '&' ? 2 : 1;
	}
	if (s[0] == '>') {
		if (s[1] == '>') {
			*type = R_APPEND;
			return 2;
		}
		*type = s[1] == '&' ? R_DUPOUT : R_OUT;
		return s[1] == '&' ? 2 : 1;
	}
	return 0;
}

/*
 * Tokenize the NUL-terminated command s into *toks (ending with T_EOF, in
 * the arena). Returns PARSE_OK, or PARSE_INCOMPLETE with *err saying why.
 */
int lex(const char *s, struct token **toks, int *ntoks, const char **err)
{
	struct lexer lx = { NULL, 0, 0 };
	struct buf w = { 0 };
	int r = PARSE_OK;

	for (;;) {
		const char *d;
		enum redir_type rt;
		int len;

		while (*s == ' ' || *s == '\t' || (s[0] == '\\' && s[1] == '\n' && s[2] != '\0'))
			s += *s == '\\' ? 2 : 1;
		if (*s == '#')
			while (*s != '\0' && *s != '\n')
				s++;
		if (*s == '\0')
			break;
		for (d = s; *d >= '0' && *d <= '9'; d++)
			;
		if (d - s < 3 && (len = redir_op(d, &rt)) > 0) {
			struct token *t = add(&lx, T_REDIR);

			t->rtype = rt;
			t->fd = d > s ? *s - '0' : (rt == R_IN || rt == R_DUPIN) ? 0 : 1;
			if (d - s == 2)
				t->fd = (s[0] - '0') * 10 + s[1] - '0';
			s = d + len;
		} else if (s[0] == '&' && s[1] == '&') {
			add(&lx, T_AND);
			s += 2;
		} else if (s[0] == ';' && s[1] == ';') {
			add(&lx, T_DSEMI);
			s += 2;
		} else if (s[0] == '|' && s[1] == '|') {
			add(&lx, T_OR);
			s += 2;
		} else if (strchr("\n;&|()", *s) != NULL) {
			static const enum tok_type type[] = { T_NEWLINE, T_SEMI,   T_AMP,
							      T_PIPE,	 T_LPAREN, T_RPAREN };

			add(&lx, type[strchr("\n;&|()", *s) - "\n;&|()"]);
			s++;
		} else {
			w.n = 0;
			r = word(&s, &w, err);
			if (r != PARSE_OK)
				break;
			if (w.n > 0)
				add(&lx, T_WORD)->text = astrdup(w.s, w.n);
		}
	}
	free(w.s);
	add(&lx, T_EOF);
	*toks = lx.toks;
	*ntoks = lx.n;
	return r;
}
