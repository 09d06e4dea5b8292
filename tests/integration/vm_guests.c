/*
 * vm_guests.c - runs test guests (tests/guests/) under the VMM library OS
 * as the first boot program: each argument is NAME:MODE:STATUS[:CMDLINE],
 * where NAME is a data module /guests/NAME.elf (or /guests/NAME.img, a
 * boot sector), MODE is shadow, check (shadow with the coherence checker
 * on) or npt, and STATUS the exit status the guest must end with (as on
 * bare QEMU: 33 for pass). An argument --input=TEXT (~ for a newline: the boot command line has no
 * escapes) makes TEXT the console input of the runs after it, typed before the guest starts (so it
 * tests that typed-ahead input waits for the guest's UART). Prints one line per run and a TEST-END
 * line; the kernel invariant checker runs after every VM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <exo/calls.h>
#include <exo/libexo.h>

#include "testlib.h"
#include "vmm.h"

#define MODULE_VA 0x100000000000ull

/* --revoke=N: once the guest has printed its second line, the test asks
 * its own environment for N frames back (exo_revoke_request on itself:
 * the upcall comes on the way back from the call, in the middle of the
 * VM's run loop). */
static uint64_t revoke_frames;
static unsigned lines;

static void out(void *ctx, const char *buf, size_t n)
{
	(void)ctx;
	exo_cons_write(buf, n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\n' && ++lines == 2 && revoke_frames) {
			long r = exo_revoke_request((uint64_t)exo_env_id(), revoke_frames, 2000000);
			if (r < 0)
				printf("vm_guests: revoke request: error %ld\n", -r);
		}
}

static char input[128];
static size_t input_len, input_off;

/* The console input: all of it at once, from the first poll on. */
static size_t in(void *ctx, char *buf, size_t max)
{
	(void)ctx;
	size_t n = input_len - input_off < max ? input_len - input_off : max;
	memcpy(buf, input + input_off, n);
	input_off += n;
	return n;
}

static void set_input(const char *text)
{
	input_len = input_off = 0;
	for (const char *p = text; *p && input_len < sizeof(input); p++) {
		input[input_len++] = *p == '~' ? '\n' : *p;
	}
}

static uint64_t next_va = MODULE_VA;

static const void *module(const char *name, size_t *len)
{
	const struct exo_module *m = exo_module_find(name);
	if (!m)
		return NULL;
	const void *p = exo_module_map(m, next_va);
	next_va += (m->bytes + 0xfff) & ~0xfffull;
	*len = m->bytes;
	return p;
}

int main(int argc, char **argv)
{
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		char spec[256], path[96], err[256];
		if (strncmp(argv[i], "--input=", 8) == 0) {
			set_input(argv[i] + 8);
			continue;
		}
		if (strncmp(argv[i], "--revoke=", 9) == 0) {
			revoke_frames = strtoull(argv[i] + 9, NULL, 0);
			continue;
		}
		strncpy(spec, argv[i], sizeof(spec) - 1);
		spec[sizeof(spec) - 1] = 0;
		char *name = strtok(spec, ":"), *mode = strtok(NULL, ":");
		char *want = strtok(NULL, ":"), *cmdline = strtok(NULL, "");
		if (!name || !mode || !want) {
			printf("vm_guests: bad argument %s\n", argv[i]);
			bad++;
			continue;
		}
		struct vm_config cfg = { .mem_mib = 64,
					 .smp = 1,
					 .cmdline = cmdline ? cmdline : "",
					 .npt = strcmp(mode, "npt") == 0,
					 .check_shadow = strcmp(mode, "check") == 0,
					 .trace = strcmp(mode, "trace") == 0 ? 400 : 0,
					 .host = { .console_write = out, .console_read = in } };
		input_off = 0;
		lines = 0;
		struct vm_stats stats;
		cfg.stats = &stats;
		size_t len = 0;
		snprintf(path, sizeof(path), "/guests/%s.elf", name);
		cfg.kernel = module(path, &len);
		cfg.kernel_len = len;
		if (!cfg.kernel) {
			snprintf(path, sizeof(path), "/guests/%s.img", name);
			cfg.bootsect = module(path, &len);
			if (cfg.bootsect && len < 512)
				cfg.bootsect = NULL;
		}
		if (!cfg.kernel && !cfg.bootsect) {
			printf("vm_guests: no module for %s\n", name);
			bad++;
			continue;
		}
		int st = vm_run(&cfg, err, sizeof(err));
		unsigned inv = (unsigned)exo_invariant_check();
		bool ok = st == atoi(want) && inv == 0;
		printf("vm_guests: %s %s: status %d%s%s%s, invariants %s\n", name, mode, st,
		       err[0] ? " (" : "", err, err[0] ? ")" : "", inv ? "BROKEN" : "clean");
		if (revoke_frames)
			printf("vm_guests: %s %s: %llu zero pages given back, %llu backed again\n",
			       name, mode, (unsigned long long)stats.reclaimed,
			       (unsigned long long)stats.rebacked);
		if (!ok) {
			printf("vm_guests: %s %s: FAIL (want status %s)\n", name, mode, want);
			bad++;
		}
	}
	test_end(bad == 0);
}
