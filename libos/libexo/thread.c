/*
 * thread.c - cooperative user-level threads inside one environment.
 *
 * The exokernel schedules environments; threads inside one are the
 * libOS's business (Aegis/Xok leave them to user level). These are the
 * simplest useful kind: round-robin over a fixed table, switching only when
 * a thread yields, joins or exits, with the register switch in
 * thread_switch.S. The initial thread is slot 0 with id 1 and runs on the
 * program stack; others get a malloc'd stack, freed when they are joined.
 */
#include <stdlib.h>

#include <exo/libexo.h>

enum tstate {
	T_FREE = 0,
	T_READY,   /* running, or may run at the next switch */
	T_BLOCKED, /* in exo_thread_join, waiting for `waits` */
	T_DONE,	   /* exited, not yet joined */
};

struct thread {
	long id; /* 0 when the slot is free */
	enum tstate state;
	uint64_t rsp; /* saved by exo_thread_switch while not running */
	void *stack;  /* malloc'd; NULL for the initial thread */
	long waits;   /* T_BLOCKED: id of the thread joined */
	long joiner;  /* id of the thread joining this one, 0 if none */
};

void exo_thread_switch(uint64_t *save_rsp, uint64_t new_rsp);
void exo_thread_start(void);

static struct thread threads[EXO_THREAD_MAX];
static unsigned cur;	 /* slot of the running thread */
static long next_id = 2; /* ids are never reused */
static bool started;

/* The initial thread exists from the first call on. */
static void init(void)
{
	if (started)
		return;
	threads[0] = (struct thread){ .id = 1, .state = T_READY };
	cur = 0;
	started = true;
}

static struct thread *find(long id)
{
	for (unsigned i = 0; i < EXO_THREAD_MAX; i++)
		if (threads[i].id == id && id != 0)
			return &threads[i];
	return NULL;
}

/* The next ready slot after cur in round-robin order, or -1. */
static int next_ready(void)
{
	for (unsigned k = 1; k < EXO_THREAD_MAX; k++) {
		unsigned i = (cur + k) % EXO_THREAD_MAX;

		if (threads[i].state == T_READY)
			return (int)i;
	}
	return -1;
}

/* Leave the running thread (whose state the caller has set) for slot to. */
static void switch_to(unsigned to)
{
	unsigned from = cur;

	cur = to;
	exo_thread_switch(&threads[from].rsp, threads[to].rsp);
}

long exo_thread_create(void (*fn)(void *), void *arg)
{
	struct thread *t = NULL;
	uint64_t top, *sp;

	if (fn == NULL)
		return -EXO_EINVAL;
	init();
	for (unsigned i = 0; i < EXO_THREAD_MAX && t == NULL; i++)
		if (threads[i].state == T_FREE)
			t = &threads[i];
	if (t == NULL)
		return -EXO_ERANGE;
	void *stack = malloc(EXO_THREAD_STACK);
	if (stack == NULL)
		return -EXO_ENOMEM;

	/* The frame exo_thread_switch pops (thread_switch.S): after its ret
	 * rsp = top, 16-byte aligned, as exo_thread_start's call needs. */
	top = ((uint64_t)stack + EXO_THREAD_STACK) & ~15ULL;
	sp = (uint64_t *)top;
	*--sp = (uint64_t)exo_thread_start; /* return rip */
	*--sp = 0;			    /* rbp */
	*--sp = 0;			    /* rbx */
	*--sp = (uint64_t)fn;		    /* r12 */
	*--sp = (uint64_t)arg;		    /* r13 */
	*--sp = 0;			    /* r14 */
	*--sp = 0;			    /* r15 */
	*--sp = 0;			    /* pad */
	*--sp = 0x037fULL << 32 | 0x1f80;   /* x87 CW at +4, MXCSR at +0 */

	*t = (struct thread){
		.id = next_id++, .state = T_READY, .rsp = (uint64_t)sp, .stack = stack
	};
	return t->id;
}

void exo_thread_yield(void)
{
	int to;

	init();
	to = next_ready();
	if (to >= 0)
		switch_to((unsigned)to);
}

void exo_thread_exit(void)
{
	struct thread *me, *j;
	int to;

	init();
	me = &threads[cur];
	me->state = T_DONE;
	j = me->joiner ? find(me->joiner) : NULL;
	if (j != NULL && j->state == T_BLOCKED && j->waits == me->id)
		j->state = T_READY;
	if (cur == 0)
		me->stack = NULL; /* the program stack is not ours to free */
	to = next_ready();
	if (to < 0) {
		/* Nobody is ready; blocked threads wait on threads that can
		 * no longer run. Nothing more can happen in this env. */
		for (;;)
			exo_env_destroy(EXO_ENV_SELF);
	}
	switch_to((unsigned)to);
	for (;;) /* a DONE thread is never switched back to */
		exo_env_destroy(EXO_ENV_SELF);
}

int exo_thread_join(long id)
{
	struct thread *me, *t;

	init();
	me = &threads[cur];
	t = find(id);
	if (t == NULL || t == me)
		return -EXO_EINVAL;
	if (t->joiner != 0 && t->joiner != me->id)
		return -EXO_EBUSY;
	if (t->state != T_DONE) {
		int to = next_ready();

		if (to < 0)
			return -EXO_EAGAIN;
		t->joiner = me->id;
		me->state = T_BLOCKED;
		me->waits = id;
		switch_to((unsigned)to);
		/* Woken by t's exit. */
	}
	free(t->stack);
	*t = (struct thread){ .state = T_FREE };
	return 0;
}

long exo_thread_self(void)
{
	init();
	return threads[cur].id;
}
