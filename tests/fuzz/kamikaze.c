/*
 * kamikaze.c - children that run a few calls of their own and destroy
 * themselves mid-sequence.
 *
 * The attacker builds the child by hand, the exofork way: exo_env_create,
 * its own program pages mapped into the child read-only (text executable)
 * with one batch, a stack frame mapped and then transferred to the child,
 * the shared results page mapped read-write, registers, runnable. The
 * child (fz_kamikaze_main, running in its own address space on our code)
 * allocates and maps frames, grants them to the attacker and the victim,
 * makes calls only rights it lacks allow to fail (power off, debug exit,
 * console; disk attach, block allocation and metadata types, it being
 * attached to no disk owner; block revocation; a swap area of the block it
 * was lent, not its owner's), reads and writes by DMA a block the attacker
 * granted it (read-write) into its own pages, creates a grandchild, sends
 * the victim a PCT, and destroys itself after a random number of steps,
 * holding whatever it holds then: its frames pass to the grant holders
 * (or, under DMA, to the kernel until the transfer ends), its grandchild
 * to the attacker, its block grant ends.
 * It writes each (call, result) into the results page; the attacker
 * counts them once the child is gone. Only local variables: the child
 * sees the attacker's data pages read-only.
 */
#include <stdio.h>

#include "fuzz.h"
#include "udf.h"

#define KZ_KMEM	  (256 * 1024)
#define KZ_MAGIC  0x657a616b696d616bULL /* "kamikaze" */
#define KZ_STEPS  40
#define KZ_MAXAGE 40 /* reaps (1024 iterations apart) before we destroy it */

struct kz_res {
	volatile uint64_t magic;
	volatile uint64_t n;	    /* calls recorded */
	volatile uint64_t steps;    /* calls it meant to make before destroying itself */
	volatile uint64_t returned; /* exo_env_destroy(EXO_ENV_SELF) returned: a bug */
	volatile uint64_t rec[KZ_STEPS][2];
};

extern char __executable_start[], _end[];
static uint64_t launched, failed_launches, self_destroyed, killed, kz_calls, age;
static uint64_t kz_used; /* kernel memory a kamikaze has used once built */
static struct exo_map_op image_ops[EXO_MAP_BATCH_MAX];

void fz_kamikaze_main(uint64_t seed, uint64_t attacker, uint64_t victim, uint64_t vframe,
		      uint64_t steps, uint64_t block) __attribute__((noreturn, used));

void fz_kamikaze_main(uint64_t seed, uint64_t attacker, uint64_t victim, uint64_t vframe,
		      uint64_t steps, uint64_t block)
{
	struct kz_res *res = (struct kz_res *)FZ_KRES_VA;
	uint64_t s = seed | 1, last = 0;
	char buf[8] = "kamikaz";
	volatile int64_t st[4] = { 0 }; /* status words: the kernel writes them on completion */
	struct exo_disk_key key = { .key = "kamikaze" };
	struct exo_disk_info di;
	for (uint64_t i = 0; i < steps && i < KZ_STEPS; i++) {
		uint64_t x = fz_next(&s), nr = 0;
		long r = 0;
		switch (x % 20) {
		case 0:
		case 1:
			nr = 5;
			r = exo_frame_alloc(EXO_FRAME_ANY, 0);
			if (r > 0)
				last = (uint64_t)r;
			break;
		case 2:
		case 3:
			nr = 7;
			r = exo_page_map(EXO_AS_SELF, KZ_DATA_VA + (x >> 8) % 4 * 4096, last,
					 EXO_PERM_R | EXO_PERM_W);
			if (r == 0)
				*(volatile uint64_t *)(KZ_DATA_VA + (x >> 8) % 4 * 4096) = x;
			break;
		case 4:
			nr = 19;
			r = exo_frame_grant(last, attacker, EXO_PERM_R | (x >> 8 & EXO_PERM_W));
			break;
		case 5:
			nr = 19;
			r = exo_frame_grant(last, victim, EXO_PERM_R);
			break;
		case 6:
			nr = 10;
			r = exo_debug_exit(x >> 8 & 1);
			break;
		case 7:
			nr = 9;
			r = exo_machine_poweroff();
			break;
		case 8:
			nr = x >> 8 & 1 ? 1 : 2;
			r = nr == 1 ? exo_cons_write(buf, 7) : exo_cons_read(buf, 1);
			break;
		case 9:
			nr = 21;
			r = exo_frame_transfer(last, attacker);
			break;
		case 10:
			nr = 8;
			r = exo_page_unmap(EXO_AS_SELF, KZ_DATA_VA + (x >> 8) % 4 * 4096);
			break;
		case 11:
			nr = 12;
			r = exo_env_create(16384);
			break;
		case 12:
			nr = 19;
			r = exo_frame_grant(vframe, attacker, EXO_PERM_R); /* not ours to give */
			break;
		case 13:
			nr = 25;
			r = exo_pct_send(victim, x, i, 0, 0, last ? EXO_PCT_GRANT(last, 1) : 0);
			break;
		case 14:
			nr = 17;
			r = exo_env_grant_rights(attacker, EXO_RIGHT_CONSOLE);
			break;
		case 16:
		case 17: { /* DMA into or out of one of our pages, left in flight */
			struct exo_disk_req q = { x >> 8 & 1 ? EXO_DISK_WRITE : EXO_DISK_READ, 1,
						  block, KZ_DATA_VA + (x >> 9) % 4 * 4096,
						  (uint64_t)&st[i % 4] };
			nr = 44;
			r = exo_disk_io(&q, 1);
			break;
		}
		case 18: /* no disk right, no revoke right, attached to no owner */
			switch (x >> 8 & 7) {
			case 0:
			case 1:
				nr = 40;
				r = exo_block_alloc(EXO_BLOCK_ANY, 0);
				break;
			case 2:
			case 3:
				nr = 45;
				r = exo_disk_type(sb_udf_extent_dir, sb_udf_extent_dir_len);
				break;
			case 4:
				nr = 46;
				r = exo_revoke_blocks(x >> 11 & 1 ? victim : attacker,
						      1 + (x >> 12) % 4, (x >> 16) % 1000);
				break;
			case 5: /* the block lent to it: not its owner's plain data */
				nr = block ? 47 : 46;
				r = block ? exo_swap_register(block, 1)
					  : exo_revoke_blocks(victim, 1, 0);
				break;
			default:
				nr = 39;
				r = exo_disk_attach(&key, EXO_DISK_CREATE);
				break;
			}
			break;
		case 19:
			nr = 38;
			r = exo_disk_info(&di);
			if (r == 0 && di.owner)
				r = 1; /* attached to an owner: the attacker fails the run */
			break;
		default:
			nr = 6;
			r = exo_frame_free(last);
			break;
		}
		res->rec[i][0] = nr;
		res->rec[i][1] = (uint64_t)r;
		res->n = i + 1;
	}
	exo_env_destroy(EXO_ENV_SELF);
	res->returned = 1;
	for (;;)
		exo_yield(0);
}

/*
 * An extra context of the attacker (exo_ctx_create): it shares our address
 * space and identity, so it runs only this, on its own stack: it waits for
 * its id (published by check.c after the call), makes a few harmless
 * calls, and destroys itself by that id — never with EXO_ENV_SELF, which
 * names the whole environment.
 */
volatile uint64_t fz_ctx_id;
uint8_t fz_ctx_stack[FZ_CTX_STACK] __attribute__((aligned(16)));

void fz_ctx_main(void)
{
	while (!fz_ctx_id)
		exo_yield(0);
	exo_null();
	exo_yield(0);
	uint64_t id = fz_ctx_id;
	fz_ctx_id = 0;
	exo_env_destroy(id);
	for (;;) /* not reached: the kernel destroyed us */
		exo_yield(0);
}

static void need(long r, const char *what)
{
	if (r < 0)
		fz_fail("kamikaze: %s: %s", what, fz_err_name(r));
}

/* Map our program into child id, give it a stack and the results page,
 * set its registers. Our quota may be lent out to random children, so
 * this can fail with EXO_ENOMEM; *stack is the frame we allocated for it,
 * still ours unless the transfer succeeded. */
static long build(uint64_t id, uint64_t r, long *stack)
{
	unsigned n = 0;
	long e;
	for (uint64_t va = (uint64_t)__executable_start;
	     va < (uint64_t)_end && n < EXO_MAP_BATCH_MAX; va += 4096) {
		uint64_t pte = exo_uvpt_pte(va);
		if (!(pte & EXO_PTE_P))
			continue;
		uint64_t perm = EXO_PERM_R | (pte & EXO_PTE_NX ? 0 : EXO_PERM_X);
		image_ops[n++] =
			(struct exo_map_op){ va, EXO_PTE_FRAME(pte), (uint32_t)perm, EXO_MAP_MAP };
	}
	if ((e = exo_page_map_batch(id, image_ops, n)) < 0)
		return e;
	if ((*stack = exo_frame_alloc(EXO_FRAME_ANY, 0)) < 0)
		return *stack;
	if ((e = exo_page_map(id, KZ_STACK_TOP - 4096, (uint64_t)*stack, EXO_PERM_R | EXO_PERM_W)) <
		    0 ||
	    (e = exo_frame_transfer((uint64_t)*stack, id)) < 0)
		return e;
	*stack = 0;
	if ((e = exo_page_map(id, FZ_KRES_VA, fz.kres_frame, EXO_PERM_R | EXO_PERM_W)) < 0)
		return e;
	struct kz_res *res = (struct kz_res *)FZ_KRES_VA;
	res->magic = KZ_MAGIC;
	res->n = 0;
	res->returned = 0;
	res->steps = 2 + r % (KZ_STEPS - 2);
	struct exo_regs regs = { 0 };
	regs.rip = (uint64_t)fz_kamikaze_main;
	regs.rsp = KZ_STACK_TOP - 8; /* as if called: rsp + 8 is 16-byte aligned */
	regs.rflags = 0x202;
	regs.rdi = r >> 8;
	regs.rsi = fz.me;
	regs.rdx = fz.victim;
	regs.rcx = fz.vf[(r >> 16) % fz.nvf];
	regs.r8 = res->steps;
	regs.r9 = fz_disk_kamikaze_grant(id); /* a block of ours, read-write */
	return exo_env_set_regs(id, &regs);
}

void fz_kamikaze_launch(uint64_t r)
{
	if (fz.kamikaze)
		return;
	/* One in four gets only two grant records' worth of quota beyond what
	 * it is built with: its own mappings and grants meet EXO_ENOMEM. */
	uint64_t kmem = kz_used && r % 4 == 0 ? kz_used + 64 : KZ_KMEM;
	long id = exo_env_create(kmem), stack = 0;
	if (id < 0) {
		failed_launches++; /* our quota is lent to random children */
		return;
	}
	long e = build((uint64_t)id, r, &stack);
	if (e < 0) {
		if (e != -EXO_ENOMEM)
			need(e, "building it");
		need(exo_env_destroy((uint64_t)id), "destroy a half-built kamikaze");
		if (stack > 0)
			need(exo_frame_free((uint64_t)stack), "free its stack");
		failed_launches++;
		return;
	}
	if (!kz_used)
		kz_used = exo_env_info((uint64_t)id)->kmem_used;
	need(exo_env_set_status((uint64_t)id, EXO_ENV_RUNNABLE), "make it runnable");
	fz.kamikaze = (uint64_t)id;
	fz.kz_killed = false;
	age = 0;
	launched++;
}

/* Count the calls of a kamikaze that is gone; with force, destroy it
 * first if it is still there. */
void fz_kamikaze_reap(bool force)
{
	struct kz_res *res = (struct kz_res *)FZ_KRES_VA;
	if (!fz.kamikaze)
		return;
	if (exo_env_info(fz.kamikaze)) {
		if (!force && ++age < KZ_MAXAGE)
			return;
		long e = exo_env_destroy(fz.kamikaze);
		if (e != -EXO_EBADENV) { /* EBADENV: it was just destroying itself */
			need(e, "destroy a stuck kamikaze");
			fz.kz_killed = true;
		}
	}
	for (unsigned ms = 0; exo_env_info(fz.kamikaze); ms++) {
		if (ms > 30000)
			fz_fail("kamikaze %#llx still there 30 s after its end",
				(unsigned long long)fz.kamikaze);
		exo_wait(0, 0, EXO_PRED_ALL, 1000);
	}
	if (res->returned)
		fz_fail("a kamikaze's exo_env_destroy(EXO_ENV_SELF) returned");
	uint64_t n = res->n < KZ_STEPS ? res->n : KZ_STEPS;
	if (fz.kz_killed)
		killed++;
	else if (n == res->steps)
		self_destroyed++;
	else
		fz_fail("kamikaze %#llx died after %llu of its %llu calls",
			(unsigned long long)fz.kamikaze, (unsigned long long)n,
			(unsigned long long)res->steps);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t nr = res->rec[i][0];
		long r = (long)res->rec[i][1];
		fz_count((uint32_t)nr, r, FZ_F_KAMIKAZE);
		if (r < 0 && !fz_documented((uint32_t)nr, r))
			printf("fuzz: kamikaze call %s returned undocumented -%s\n",
			       fz_call_name((uint32_t)nr), fz_err_name(r));
		if ((nr == 9 || nr == 10 || nr == 1 || nr == 2 || nr == 17 || nr == 39 ||
		     nr == 40 || nr == 45 || nr == 46 || nr == 47) &&
		    r != -EXO_EPERM)
			fz_fail("kamikaze without rights: %s returned %ld",
				fz_call_name((uint32_t)nr), r);
		if (nr == 38 && r != 0)
			fz_fail("kamikaze: exo_disk_info returned %ld (1: it shows an owner)", r);
	}
	kz_calls += n;
	fz.kamikaze = 0;
	/* Its children are ours now (reparented): destroy them. A row may
	 * also be a child of ours on its way out on the other CPU (EBADENV). */
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;
	for (unsigned i = 1; i < EXO_NENV; i++) {
		if (!t[i].id || t[i].parent != fz.me || fz_child_index(t[i].id) >= 0 ||
		    t[i].id == fz.ctx)
			continue;
		long e = exo_env_destroy(t[i].id);
		if (e != -EXO_EBADENV)
			need(e, "destroy an orphaned grandchild");
	}
}

void fz_kamikaze_print(void)
{
	printf("fuzz: kamikaze children: %llu launched (%llu more could not be built: quota), "
	       "%llu destroyed themselves mid-sequence, %llu destroyed by the attacker; "
	       "%llu calls; %llu looping children destroyed\n",
	       (unsigned long long)launched, (unsigned long long)failed_launches,
	       (unsigned long long)self_destroyed, (unsigned long long)killed,
	       (unsigned long long)kz_calls, (unsigned long long)fz.spinners);
}
