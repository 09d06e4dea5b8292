/*
 * parse.c - build the tree of a command from its tokens.
 *
 * Recursive descent over this grammar (POSIX XCU 2.10, cut down):
 *
 *   list     := { and_or ( ';' | '&' | newline ) }   until EOF ) then else elif fi do done
 *   and_or   := pipeline { ( '&&' | '||' ) newline* pipeline }
 *   pipeline := [ '!' ] command { '|' newline* command }
 *   command  := simple | NAME '(' ')' newline* command
 *             | ( '(' list ')' | '{' list '}' | if | while | until | for | case ) redirections
 *   simple   := { NAME=value | word | redirection }   (at least one)
 *   if       := if list then list { elif list then list } [ else list ] fi
 *   while    := ( while | until ) list do list done
 *   for      := for NAME [ newline* in word... ( ';' | newline ) ] newline* do list done
 *   case     := case word newline* in newline* { [ '(' ] word { '|' word } ')' list [ ';;' ]
 * newline* } esac
 *
 * Reserved words are recognised only unquoted and where a command may
 * start. Running out of tokens where more must follow (after `&&`, inside
 * `if`...) is PARSE_INCOMPLETE: the caller reads another line and retries.
 * Nodes live in the parse arena; errors leave through longjmp.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "sh.h"

struct parser {
	struct token *t;
	int pos;
	jmp_buf fail;
	int result;
	const char *err;
};

static struct node *list(struct parser *p);

static struct token *peek(struct parser *p)
{
	return &p->t[p->pos];
}

static void __attribute__((noreturn)) unexpected(struct parser *p)
{
	static const char *const names[] = { "",   "newline", ";", "&",		  "|", "&&",
					     "||", "(",	      ")", "redirection", ";;" };
	static char msg[80];
	struct token *t = peek(p);

	if (t->type == T_EOF) {
		p->result = PARSE_INCOMPLETE;
		p->err = "unexpected end of file";
	} else {
		p->result = PARSE_ERROR;
		snprintf(msg, sizeof msg, "unexpected '%.40s'",
			 t->type == T_WORD ? t->text : names[t->type]);
		p->err = msg;
	}
	longjmp(p->fail, 1);
}

static int is_word(struct parser *p, const char *kw)
{
	struct token *t = peek(p);

	return t->type == T_WORD && strcmp(t->text, kw) == 0;
}

/* Whether the next token ends a list: EOF, ')' or a closing reserved word. */
static int at_end(struct parser *p)
{
	static const char *const kws[] = {
		"then", "else", "elif", "fi", "do", "done", "}", "esac"
	};
	enum tok_type type = peek(p)->type;

	if (type == T_EOF || type == T_RPAREN || type == T_DSEMI)
		return 1;
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
		if (is_word(p, kws[i]))
			return 1;
	return 0;
}

static void expect(struct parser *p, const char *kw)
{
	if (!is_word(p, kw))
		unexpected(p);
	p->pos++;
}

static void skip_newlines(struct parser *p)
{
	while (peek(p)->type == T_NEWLINE)
		p->pos++;
}

static struct node *mk(enum node_type type, struct node *a, struct node *b)
{
	struct node *n = amalloc(sizeof *n);

	memset(n, 0, sizeof *n);
	n->type = type;
	n->a = a;
	n->b = b;
	return n;
}

/* Append x to the arena array *v of *n pointers (grown by doubling). */
static void push(void ***v, int *n, void *x)
{
	if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4...: full */
		void **nv = amalloc((size_t)(*n ? *n * 2 : 1) * sizeof *nv);

		if (*n > 0)
			memcpy(nv, *v, (size_t)*n * sizeof *nv);
		*v = nv;
	}
	(*v)[(*n)++] = x;
}

/* A list that must not be empty (the bodies of if, while, for, ( )). */
static struct node *need_list(struct parser *p)
{
	struct node *n = list(p);

	if (n == NULL)
		unexpected(p);
	return n;
}

/* Parse redirections at the current token onto n. */
static void redirs(struct parser *p, struct node *n)
{
	struct redir **tail = &n->redirs;

	while (*tail != NULL)
		tail = &(*tail)->next;
	while (peek(p)->type == T_REDIR) {
		struct token *t = peek(p);
		struct redir *r = amalloc(sizeof *r);

		p->pos++;
		if (peek(p)->type != T_WORD)
			unexpected(p);
		r->type = t->rtype;
		r->fd = t->fd;
		r->word = peek(p)->text;
		r->next = NULL;
		p->pos++;
		*tail = r;
		tail = &r->next;
	}
}

static int is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');

	return eq != NULL && valid_name(w, (size_t)(eq - w));
}

static struct node *simple(struct parser *p)
{
	struct node *n = mk(N_CMD, NULL, NULL);

	for (;;) {
		struct token *t = peek(p);

		if (t->type == T_WORD) {
			if (n->nwords == n->nassign && is_assignment(t->text))
				n->nassign++;
			push((void ***)&n->words, &n->nwords, t->text);
			p->pos++;
		} else if (t->type == T_REDIR) {
			redirs(p, n);
		} else {
			break;
		}
	}
	if (n->nwords == 0 && n->redirs == NULL)
		unexpected(p);
	push((void ***)&n->words, &n->nwords, NULL);
	n->nwords--;
	return n;
}

/* After `if` or `elif`: the rest, up to and including `fi`. */
static struct node *if_rest(struct parser *p)
{
	struct node *n = mk(N_IF, need_list(p), NULL);

	expect(p, "then");
	n->b = need_list(p);
	if (is_word(p, "elif")) {
		p->pos++;
		n->c = if_rest(p);
		return n;
	}
	if (is_word(p, "else")) {
		p->pos++;
		n->c = need_list(p);
	}
	expect(p, "fi");
	return n;
}

static struct node *for_clause(struct parser *p)
{
	struct node *n = mk(N_FOR, NULL, NULL);
	struct token *t = peek(p);

	if (t->type != T_WORD || !valid_name(t->text, strlen(t->text)))
		unexpected(p);
	n->name = t->text;
	p->pos++;
	skip_newlines(p);
	if (is_word(p, "in")) {
		p->pos++;
		n->words = amalloc(sizeof *n->words);
		while (peek(p)->type == T_WORD) {
			push((void ***)&n->words, &n->nwords, peek(p)->text);
			p->pos++;
		}
		if (peek(p)->type != T_SEMI && peek(p)->type != T_NEWLINE)
			unexpected(p);
		p->pos++;
	} else if (peek(p)->type == T_SEMI) {
		p->pos++;
	}
	skip_newlines(p);
	expect(p, "do");
	n->b = need_list(p);
	expect(p, "done");
	return n;
}

/* After `case`: WORD in { [(] pattern { | pattern } ) list ;; } esac */
static struct node *case_clause(struct parser *p)
{
	struct node *n = mk(N_CASE, NULL, NULL);

	if (peek(p)->type != T_WORD)
		unexpected(p);
	n->name = peek(p)->text;
	p->pos++;
	skip_newlines(p);
	expect(p, "in");
	for (skip_newlines(p); !is_word(p, "esac"); skip_newlines(p)) {
		struct node *item = mk(N_CASE, NULL, NULL);

		if (peek(p)->type == T_LPAREN)
			p->pos++;
		for (;;) {
			if (peek(p)->type != T_WORD)
				unexpected(p);
			push((void ***)&item->words, &item->nwords, peek(p)->text);
			p->pos++;
			if (peek(p)->type != T_PIPE)
				break;
			p->pos++;
		}
		if (peek(p)->type != T_RPAREN)
			unexpected(p);
		p->pos++;
		item->a = list(p);
		push((void ***)&n->kids, &n->nkids, item);
		if (peek(p)->type == T_DSEMI)
			p->pos++;
		else if (!is_word(p, "esac"))
			unexpected(p);
	}
	p->pos++;
	return n;
}

/* NAME ( ) newline* command: a function definition. */
static int is_function(struct parser *p)
{
	struct token *t = peek(p);

	return t[0].type == T_WORD && valid_name(t[0].text, strlen(t[0].text)) &&
	       t[1].type == T_LPAREN && t[2].type == T_RPAREN;
}

static struct node *command(struct parser *p)
{
	struct node *n;

	if (at_end(p))
		unexpected(p);
	if (is_function(p)) {
		n = mk(N_FUNC, NULL, NULL);
		n->name = peek(p)->text;
		p->pos += 3;
		skip_newlines(p);
		n->a = command(p);
		return n;
	}
	if (is_word(p, "{")) {
		p->pos++;
		n = mk(N_GROUP, need_list(p), NULL);
		expect(p, "}");
	} else if (is_word(p, "case")) {
		p->pos++;
		n = case_clause(p);
	} else if (is_word(p, "if")) {
		p->pos++;
		n = if_rest(p);
	} else if (is_word(p, "while") || is_word(p, "until")) {
		n = mk(is_word(p, "while") ? N_WHILE : N_UNTIL, NULL, NULL);
		p->pos++;
		n->a = need_list(p);
		expect(p, "do");
		n->b = need_list(p);
		expect(p, "done");
	} else if (is_word(p, "for")) {
		p->pos++;
		n = for_clause(p);
	} else if (peek(p)->type == T_LPAREN) {
		p->pos++;
		n = mk(N_SUBSHELL, need_list(p), NULL);
		if (peek(p)->type != T_RPAREN)
			unexpected(p);
		p->pos++;
	} else {
		return simple(p);
	}
	redirs(p, n);
	return n;
}

static struct node *pipeline(struct parser *p)
{
	int neg = is_word(p, "!");
	struct node *n;

	if (neg)
		p->pos++;
	n = command(p);
	if (peek(p)->type == T_PIPE) {
		struct node *pipe = mk(N_PIPE, NULL, NULL);

		push((void ***)&pipe->kids, &pipe->nkids, n);
		while (peek(p)->type == T_PIPE) {
			p->pos++;
			skip_newlines(p);
			push((void ***)&pipe->kids, &pipe->nkids, command(p));
		}
		n = pipe;
	}
	return neg ? mk(N_NOT, n, NULL) : n;
}

static struct node *and_or(struct parser *p)
{
	struct node *n = pipeline(p);

	while (peek(p)->type == T_AND || peek(p)->type == T_OR) {
		enum node_type type = peek(p)->type == T_AND ? N_AND : N_OR;

		p->pos++;
		skip_newlines(p);
		n = mk(type, n, pipeline(p));
	}
	return n;
}

/* A list, possibly empty (NULL). */
static struct node *list(struct parser *p)
{
	struct node *head = NULL;

	for (;;) {
		struct node *n;

		skip_newlines(p);
		if (at_end(p))
			return head;
		n = and_or(p);
		if (peek(p)->type == T_AMP) {
			n = mk(N_BG, n, NULL);
			p->pos++;
		} else if (peek(p)->type == T_SEMI || peek(p)->type == T_NEWLINE) {
			p->pos++;
		} else if (!at_end(p)) {
			unexpected(p);
		}
		head = head != NULL ? mk(N_SEQ, head, n) : n;
	}
}

/*
 * Parse tokens (ending with T_EOF) into *tree, NULL for an empty command.
 * Returns PARSE_OK, PARSE_INCOMPLETE (more lines needed) or PARSE_ERROR,
 * with *err saying what went wrong.
 */
int parse(struct token *toks, int ntoks, struct node **tree, const char **err)
{
	static struct parser p; /* static: intact after longjmp */

	(void)ntoks;
	p.t = toks;
	p.pos = 0;
	*tree = NULL;
	if (setjmp(p.fail) != 0) {
		*err = p.err;
		return p.result;
	}
	*tree = list(&p);
	if (peek(&p)->type != T_EOF)
		unexpected(&p);
	return PARSE_OK;
}
