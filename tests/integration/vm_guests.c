/*
 * vm_guests.c - runs test guests (tests/guests/) under the VMM library OS
 * as the first boot program: each argument is NAME:MODE:STATUS[:CMDLINE],
 * where NAME is a data module /guests/NAME.elf (or /guests/NAME.img, a
 * boot sector, or /guests/NAME.bzImage with /guests/NAME.initrd, a Linux
 * kernel and its initrd), MODE is shadow, check (shadow with the coherence
 * checker on) or npt, STATUS the exit status the guest must end with (as
 * on bare QEMU: 33 for pass) or "any" (below), and CMDLINE the kernel's
 * command line, '+' standing for a space (the boot command line splits
 * arguments at spaces).
 *
 * Multiboot modules: a multiboot guest (NAME.elf) gets the data modules
 * /guests/NAME.mod1, /guests/NAME.mod2, ... (as many as exist in a row, up
 * to VM_MAX_MODULES) as its modules, in that order. Their strings follow
 * the command line in CMDLINE, each after a '^': "mem=64+x^mod1.txt+arg1^mod2.bin"
 * is the command line "mem=64 x", module 1's string "mod1.txt arg1" and
 * module 2's "mod2.bin"; a module without a string gets "", a string
 * without a module is an error. ('^' is not special to GRUB's command
 * line, unlike '|' or ';'.)
 *
 * STATUS "any" accepts every way vm_run documents (vmm.h) for a VM to
 * end by itself: 0 off or reset, 2 triple fault, 4 VMM error, (V << 1) | 1
 * from the debug-exit port; not 6 (killed) or 8 (the time limit ran out).
 * It is for hostile guests whose end is not fixed, where what is judged is
 * that the VM ends cleanly, the kernel's invariants hold and this driver
 * goes on. Such a run prints, besides the usual line, "vm_guests: NAME
 * MODE [CMDLINE]: invariants clean, status N accepted" (the command line
 * tells runs apart). The boot command line holds 255 bytes (the kernel
 * cuts the rest silently), so keep the arguments short.
 *
 * --mem=MIB sets the guest memory of the runs after it (64), --smp=N their
 * vCPUs (1), --timeout=MS
 * their limit of guest time (0, the default: none; a run that reaches it
 * ends with status 8, so a hang costs one run, not the test). An argument
 * --input=TEXT (~ for a newline: the boot command line has no escapes)
 * makes TEXT the console input of the runs after it, typed before the
 * guest starts (so it tests that typed-ahead input waits for the guest's
 * UART). Prints one line per run and a TEST-END line; the kernel invariant
 * checker runs after every VM.
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
static uint64_t mem_mib = 64;
static unsigned smp = 1;
static uint64_t timeout_ms;

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

/* A status STATUS "any" accepts: every end of its own that vm_run
 * documents (vmm.h), not a kill or the time limit. */
static bool documented(int st)
{
	return st == VM_EXIT_OFF || st == VM_EXIT_TRIPLE || st == VM_EXIT_VMM_ERROR || (st & 1);
}

/* The multiboot modules of NAME (see the top): their data from
 * /guests/NAME.modK, their strings from the '^' fields of strings (NULL if
 * none; '+' already turned into spaces). Returns -1 (with a message) if a
 * string has no module. */
static int load_mods(struct vm_config *cfg, const char *name, char *strings)
{
	char path[96];
	cfg->nmods = 0;
	while (cfg->nmods < VM_MAX_MODULES) {
		size_t len;
		snprintf(path, sizeof(path), "/guests/%s.mod%u", name, cfg->nmods + 1);
		const void *p = module(path, &len);
		if (!p)
			break;
		cfg->mods[cfg->nmods] = (struct vm_module){ .data = p, .len = len, .string = "" };
		cfg->nmods++;
	}
	for (unsigned k = 0; strings; k++) {
		char *next = strchr(strings, '^');
		if (next)
			*next++ = 0;
		if (k >= cfg->nmods) {
			printf("vm_guests: %s: a string for module %u, but no /guests/%s.mod%u\n",
			       name, k + 1, name, k + 1);
			return -1;
		}
		cfg->mods[k].string = strings;
		strings = next;
	}
	return 0;
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
		if (strncmp(argv[i], "--mem=", 6) == 0) {
			mem_mib = strtoull(argv[i] + 6, NULL, 0);
			continue;
		}
		if (strncmp(argv[i], "--smp=", 6) == 0) {
			smp = (unsigned)strtoul(argv[i] + 6, NULL, 0);
			continue;
		}
		if (strncmp(argv[i], "--timeout=", 10) == 0) {
			timeout_ms = strtoull(argv[i] + 10, NULL, 0);
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
		for (char *p = cmdline; p && *p; p++)
			if (*p == '+')
				*p = ' ';
		char *strings = cmdline ? strchr(cmdline, '^') : NULL;
		if (strings)
			*strings++ = 0;
		bool any = strcmp(want, "any") == 0;
		struct vm_config cfg = { .mem_mib = mem_mib,
					 .smp = smp,
					 .cmdline = cmdline ? cmdline : "",
					 .npt = strcmp(mode, "npt") == 0,
					 .check_shadow = strcmp(mode, "check") == 0,
					 .trace = strcmp(mode, "trace") == 0 ? 400 : 0,
					 .timeout_ms = timeout_ms,
					 .host = { .console_write = out, .console_read = in } };
		input_off = 0;
		lines = 0;
		struct vm_stats stats;
		cfg.stats = &stats;
		size_t len = 0;
		snprintf(path, sizeof(path), "/guests/%s.elf", name);
		cfg.kernel = module(path, &len);
		cfg.kernel_len = len;
		if (cfg.kernel && load_mods(&cfg, name, strings) < 0) {
			bad++;
			continue;
		}
		if (!cfg.kernel) {
			snprintf(path, sizeof(path), "/guests/%s.bzImage", name);
			cfg.kernel = module(path, &len);
			cfg.kernel_len = len;
			snprintf(path, sizeof(path), "/guests/%s.initrd", name);
			cfg.mods[0].data = cfg.kernel ? module(path, &cfg.mods[0].len) : NULL;
			cfg.nmods = cfg.mods[0].data != NULL;
		}
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
		bool ok = (any ? documented(st) : st == atoi(want)) && inv == 0;
		printf("vm_guests: %s %s: status %d%s%s%s, invariants %s\n", name, mode, st,
		       err[0] ? " (" : "", err, err[0] ? ")" : "", inv ? "BROKEN" : "clean");
		if (any)
			printf("vm_guests: %s %s [%s]: invariants %s, status %d %s\n", name, mode,
			       cfg.cmdline, inv ? "BROKEN" : "clean", st,
			       documented(st) ? "accepted" : "not accepted");
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
