/*
 * start.c - the C half of process start-up, called once by crt0.S.
 *
 * Sets environ, runs the program's constructors, calls main and passes its
 * result to exit(). This newlib is built without HAVE_INITFINI_ARRAY, so it
 * has no __libc_init_array; the init and fini arrays are walked here,
 * bounded by the symbols the default GNU ld script provides.
 */
#include <stdlib.h>
#include <unistd.h>

#include <exo/calls.h>

typedef void (*start_fn)(void);

extern start_fn __preinit_array_start[], __preinit_array_end[];
extern start_fn __init_array_start[], __init_array_end[];
extern start_fn __fini_array_start[], __fini_array_end[];

int main(int argc, char **argv, char **envp);
void __libexo_start(int argc, char **argv, char **envp) __attribute__((noreturn));
void __libexo_halt(void) __attribute__((noreturn));

/* Destructors run in reverse order of their constructors (ELF gABI, "Initialization and
 * Termination Functions"). */
static void run_fini_array(void)
{
	for (start_fn *f = __fini_array_end; f > __fini_array_start;)
		(*--f)();
}

/*
 * Start the program: argc and argv as passed to main, envp the NULL-ended
 * environment (crt0.S finds all three on the initial stack). Never returns:
 * exit() ends in _exit(), which destroys the environment.
 *
 * run_fini_array is registered before any constructor runs, so handlers that
 * constructors register with atexit() run before the fini array, as on
 * other C runtimes.
 */
void __libexo_start(int argc, char **argv, char **envp)
{
	environ = envp;
	atexit(run_fini_array);
	for (start_fn *f = __preinit_array_start; f < __preinit_array_end; f++)
		(*f)();
	for (start_fn *f = __init_array_start; f < __init_array_end; f++)
		(*f)();
	exit(main(argc, argv, envp));
}

/*
 * Destroy the calling environment; spin if the kernel refuses, since there
 * is nothing sensible to return to. crt0.S calls this should
 * __libexo_start ever return.
 */
void __libexo_halt(void)
{
	for (;;)
		exo_env_destroy(EXO_ENV_SELF);
}
