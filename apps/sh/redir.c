/*
 * redir.c - redirections: < > >> <& >& applied to descriptors.
 *
 * A command run in a child just applies them before exec. A builtin or a
 * compound command runs in the shell itself, so each descriptor it changes
 * is first copied (to a descriptor >= 10, out of the way of user
 * redirections, which name 0-9) and put back afterwards. The copies are
 * the shell's: children close them (redir_forget).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sh.h"

/* Descriptors saved around redirections in the shell; children close them. */
#define MAX_SAVED 64
static int held[MAX_SAVED];
static int nheld;

/* A descriptor >= 10, copying fd, so that user redirections (0-9) leave it alone. */
static int dup_high(int fd)
{
	int low[10], n = 0, c;

	while ((c = dup(fd)) >= 0 && c < 10 && n < 10)
		low[n++] = c;
	while (n > 0)
		close(low[--n]);
	return c;
}

/* Undo the redirections saved in sv, last first. */
void restore(struct save *sv)
{
	fflush(stdout);
	while (sv->n > 0) {
		int i = --sv->n;

		if (sv->copy[i] >= 0) {
			dup2(sv->copy[i], sv->fd[i]);
			close(sv->copy[i]);
			nheld--;
		} else {
			close(sv->fd[i]);
		}
	}
}

/* Parse a descriptor number for <& and >&: one or two digits. */
static int fd_number(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || (s[1] != '\0' && (s[1] < '0' || s[1] > '9' || s[2])))
		return -1;
	return atoi(s);
}

/*
 * Apply redirections r in order. If sv is not NULL, first save each
 * descriptor changed so that restore(sv) can undo them. Returns 0, or -1
 * after printing why (the redirections already made stay in force).
 */
int redirect(struct redir *r, struct save *sv)
{
	static const int flags[] = { O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC,
				     O_WRONLY | O_CREAT | O_APPEND };

	fflush(stdout);
	for (; r != NULL; r = r->next) {
		char *w = expand_one(r->word);
		int fd;

		if (w == NULL)
			return -1;
		if (r->type == R_DUPIN || r->type == R_DUPOUT) {
			fd = strcmp(w, "-") == 0 ? -2 : fd_number(w);
			if (fd == -1) {
				sh_error("%s: bad file descriptor number", w);
				free(w);
				return -1;
			}
		} else if ((fd = open(w, flags[r->type], 0666)) < 0) {
			sh_error("%s: %s", w, strerror(errno));
			free(w);
			return -1;
		}
		if (sv != NULL) {
			if (sv->n == 16 || nheld == MAX_SAVED) {
				sh_error("too many redirections");
				free(w);
				return -1;
			}
			sv->fd[sv->n] = r->fd;
			sv->copy[sv->n] = dup_high(r->fd);
			if (sv->copy[sv->n] >= 0)
				held[nheld++] = sv->copy[sv->n];
			sv->n++;
		}
		if (fd == -2) {
			close(r->fd);
		} else if (fd != r->fd) {
			if (dup2(fd, r->fd) < 0) {
				sh_error("%s: %s", w, strerror(errno));
				free(w);
				return -1;
			}
			if (r->type != R_DUPIN && r->type != R_DUPOUT)
				close(fd);
		}
		free(w);
	}
	return 0;
}

/* In a new child: close the shell's saved copies. */
void redir_forget(void)
{
	for (int i = 0; i < nheld; i++)
		close(held[i]);
	nheld = 0;
}
