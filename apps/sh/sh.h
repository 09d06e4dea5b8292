/*
 * sh.h - the pieces of the command shell that its files share.
 *
 * The shell reads a command (main.c), cuts it into tokens (lex.c), builds a
 * small tree of lists, pipelines and simple commands (parse.c) and runs the
 * tree (exec.c; processes and jobs in jobs.c, redirections in redir.c, the
 * builtins in builtin.c). Words are kept raw, quotes included, until they
 * are run: expand.c then does quote removal, $ expansion and field
 * splitting, so that `X=1; echo $X` sees the new X.
 * Shell variables and positional parameters live in var.c.
 *
 * Only POSIX and ISO C interfaces are used: the shell runs over newlib.
 */
#ifndef SH_H
#define SH_H

#include <stddef.h>
#include <sys/types.h>

/* Longest command the shell accepts, in bytes, continuation lines included. */
#define SH_MAX_INPUT (1024 * 1024)
/* Most words a simple command may expand to. */
#define SH_MAX_ARGS 16384

/* A growing byte string; s is NUL-terminated whenever n > 0 or s != NULL. */
struct buf {
	char *s;
	size_t n, cap;
};

/* A growing, NULL-terminated vector of malloc'ed strings. */
struct strv {
	char **v;
	int n, cap;
};

enum tok_type {
	T_WORD,
	T_NEWLINE,
	T_SEMI,
	T_AMP,
	T_PIPE,
	T_AND,
	T_OR,
	T_LPAREN,
	T_RPAREN,
	T_REDIR,
	T_DSEMI,
	T_EOF
};

enum redir_type { R_IN, R_OUT, R_APPEND, R_DUPIN, R_DUPOUT };

struct token {
	enum tok_type type;
	char *text;	       /* T_WORD: raw text, quotes kept */
	enum redir_type rtype; /* T_REDIR */
	int fd;		       /* T_REDIR: the descriptor redirected */
};

struct redir {
	enum redir_type type;
	int fd;
	char *word; /* raw target: a file name, or a descriptor number or "-" for dups */
	struct redir *next;
};

enum node_type {
	N_CMD,
	N_PIPE,
	N_AND,
	N_OR,
	N_SEQ,
	N_BG,
	N_NOT,
	N_SUBSHELL,
	N_GROUP,
	N_IF,
	N_WHILE,
	N_UNTIL,
	N_FOR,
	N_CASE,
	N_FUNC
};

/*
 * One node of a parsed command. Which fields are used depends on type:
 *   N_CMD       words[0..nassign) are NAME=value, the rest the command
 *   N_PIPE      kids[0..nkids), at least two
 *   N_AND/OR/SEQ  a then b;  N_BG, N_NOT, N_SUBSHELL, N_GROUP: a
 *   N_IF        a condition, b then-part, c else-part (or NULL)
 *   N_WHILE/UNTIL  a condition, b body
 *   N_FOR       name, words (NULL: "$@"), b body
 *   N_CASE      name the word, kids the items: each an N_CASE with words the
 *               patterns and a the list (or NULL)
 *   N_FUNC      name, a the body (the function is defined when this runs)
 * Any node may carry redirections, applied around the whole node.
 */
struct node {
	enum node_type type;
	struct node *a, *b, *c;
	struct node **kids;
	int nkids;
	char **words;
	int nwords, nassign;
	char *name;
	struct redir *redirs;
};

/* Results of parse(). */
enum { PARSE_OK, PARSE_INCOMPLETE, PARSE_ERROR };

/* main.c */
extern int sh_interactive;   /* reading commands from a terminal: prompts, job control */
extern int sh_jobctl;	     /* this process puts pipelines in their own process groups */
extern int sh_status;	     /* $? */
extern pid_t sh_pid;	     /* $$ */
extern pid_t sh_pgid;	     /* the shell's own process group (job control only) */
extern pid_t sh_lastbg;	     /* $! */
extern volatile int sh_intr; /* SIGINT arrived at the prompt */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void *amalloc(size_t n);
char *astrdup(const char *s, size_t n);
void afree_all(void);
void arena_keep(void);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_addc(struct buf *b, char c);
void strv_add(struct strv *v, char *s);
void strv_free(struct strv *v);
void sh_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int run_file(const char *path);
int run_string(const char *s);

/* lex.c */
int lex(const char *s, struct token **toks, int *ntoks, const char **err);
const char *skip_parens(const char *s);
const char *skip_backquote(const char *s);

/* parse.c */
int parse(struct token *toks, int ntoks, struct node **tree, const char **err);

/* expand.c */
int expand_word(const char *w, struct strv *out, int split);
char *expand_one(const char *w);

/* var.c */
int valid_name(const char *s, size_t n);
const char *var_get(const char *name);
void var_set(const char *name, const char *value);
void var_export(const char *name, const char *value);
void var_unset(const char *name);
void pos_set_arg0(const char *arg0);
void pos_set(int argc, char **argv);
int pos_count(void);
const char *pos_get(int i);
void pos_shift(int n);
void pos_push(int argc, char **argv);
void pos_pop(void);

/* Descriptors a builtin or compound command redirected, and their saved copies. */
struct save {
	int n;
	int fd[16], copy[16];
};

/* redir.c */
int redirect(struct redir *r, struct save *sv);
void restore(struct save *sv);
void redir_forget(void);

/* jobs.c */
extern int sh_stopped, sh_nsubst;
void child_signals(int bg);
void forget(void);
pid_t spawn(pid_t *pgid, int fg);
int wait_fg(pid_t *pids, int n);
void add_job(pid_t *pids, int n);
void command_output(const char *cmd, struct buf *out);
void reap_jobs(int report);
int wait_pid(pid_t pid);
int wait_all(void);

/* exec.c */
extern int sh_loops, sh_breaks, sh_continues, sh_returning;
int exec_node(struct node *n);
void exec_reset(void);
int command_v(const char *name);

/* builtin.c */
typedef int (*builtin_fn)(int argc, char **argv);
builtin_fn builtin_find(const char *name, int *special);

#endif
