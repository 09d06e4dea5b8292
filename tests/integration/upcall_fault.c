/*
 * upcall_fault.c - user-level exception handling through libexo's upcall
 * entry: a demand-zero pager maps pages on not-present faults and the
 * faulting instruction completes; a fault inside a handler nests on the
 * exception stack and is served by the next handler in order; #UD and #BP
 * reach their handlers with the right vector and rip; every register,
 * rflags, xmm0 and MXCSR survive a handled fault exactly; an unhandled
 * fault prints libexo's message and ends only this environment.
 *
 * usage: upcall_fault run | check
 *   run    the tests above; ends in the unhandled fault (killed)
 *   check  a second module: waits until the first is gone, then checks
 *          the kernel's invariants and passes the test
 */
#include <string.h>

#include <exo/libexo.h>

#include "testlib.h"

#define DEMAND_VA    0x60000000ULL /* 64 pages served by the pager */
#define DEMAND_PAGES 64
#define OUTER_VA     0x61000000ULL /* its handler touches INNER_VA */
#define INNER_VA     0x62000000ULL /* served by the second handler */
#define PROBE_VA     0x63000000ULL /* the register probe's store */
#define UNHANDLED_VA 0x64000008ULL /* nobody serves it */

static unsigned demand_faults, inner_faults, last_resort_calls, ud_calls, bp_calls;
static uint64_t outer_frame, inner_frame, inner_rsp, inner_value;

static void map_zero(uint64_t va)
{
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);

	CHECK(f > 0);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, va & ~(EXO_PAGE_SIZE - 1), (uint64_t)f,
			      EXO_PERM_R | EXO_PERM_W),
		 0);
	memset((void *)(va & ~(EXO_PAGE_SIZE - 1)), 0, EXO_PAGE_SIZE);
}

/* Handler 1: the pager for DEMAND_VA, OUTER_VA and PROBE_VA. */
static bool pager(struct exo_upcall_frame *f, void *ctx)
{
	uint64_t va = f->fault_va;

	CHECK(ctx == &demand_faults);
	CHECK_EQ(f->vector, 14);
	if (f->error & EXO_PF_PRESENT)
		return false;
	if (va >= DEMAND_VA && va < DEMAND_VA + DEMAND_PAGES * EXO_PAGE_SIZE) {
		demand_faults++;
		map_zero(va);
		return true;
	}
	if ((va & ~(EXO_PAGE_SIZE - 1)) == OUTER_VA) {
		outer_frame = (uint64_t)f;
		/* Faults inside this handler: the upcall nests below us. */
		inner_value = *(volatile uint64_t *)INNER_VA;
		map_zero(va);
		return true;
	}
	if (va == PROBE_VA) {
		/* Clobber what the interrupted code must get back. */
		uint32_t odd = 0x7f80;
		__asm__ volatile("pcmpeqd %%xmm0, %%xmm0; ldmxcsr %0; std; cld" ::"m"(odd)
				 : "xmm0");
		map_zero(va);
		return true;
	}
	return false;
}

/* Handler 2: serves INNER_VA, nested inside the pager. */
static bool inner(struct exo_upcall_frame *f, void *ctx)
{
	(void)ctx;
	if (f->fault_va != INNER_VA)
		return false;
	inner_faults++;
	inner_frame = (uint64_t)f;
	inner_rsp = f->rsp;
	map_zero(INNER_VA);
	*(volatile uint64_t *)INNER_VA = 0xb0b0b0b0cafeULL;
	return true;
}

/* Handler 3: registered for page faults last; must see only the unhandled one. */
static bool last_resort(struct exo_upcall_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	last_resort_calls++;
	return false;
}

extern char ud_site[], bp_site[];
void do_ud(void);
void do_bp(void);
__asm__(".text\n"
	".globl do_ud, ud_site\n"
	"do_ud:\n"
	"ud_site: ud2\n"
	"	ret\n"
	".globl do_bp, bp_site\n"
	"do_bp:\n"
	"bp_site: int3\n"
	"	ret\n");

static bool on_ud(struct exo_upcall_frame *f, void *ctx)
{
	(void)ctx;
	CHECK_EQ(f->vector, 6);
	CHECK_EQ(f->rip, (uint64_t)ud_site);
	ud_calls++;
	f->rip += 2; /* skip the ud2 */
	return true;
}

static bool on_bp(struct exo_upcall_frame *f, void *ctx)
{
	(void)ctx;
	CHECK_EQ(f->vector, 3);
	CHECK_EQ(f->rip, (uint64_t)bp_site + 1); /* a trap: rip is past the int3 */
	bp_calls++;
	return true;
}

static bool never(struct exo_upcall_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	CHECK(0);
	return false;
}

/*
 * probe(out, PROBE_VA): load known values into every general register
 * (rsi holds PROBE_VA, its own known value), xmm0 and MXCSR, set CF and
 * DF, store to the unmapped PROBE_VA (the pager maps it), then record all
 * of them in out[0..18]: rax rbx rcx rdx rsi rdi rbp r8-r15 rflags
 * xmm0.lo xmm0.hi mxcsr.
 */
void probe(uint64_t *out, uint64_t va);
__asm__(".section .rodata\n"
	".balign 16\n"
	"probe_xmm: .quad 0x0123456789abcdef, 0xfedcba9876543210\n"
	"probe_mxcsr: .long 0x3f80\n"
	"clean_mxcsr: .long 0x1f80\n"
	".text\n"
	".globl probe\n"
	"probe:\n"
	"	push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n"
	"	push %rdi\n"
	"	movdqu probe_xmm(%rip), %xmm0\n"
	"	ldmxcsr probe_mxcsr(%rip)\n"
	"	movabs $0xa0a0a0a0a0a0a0a0, %rax\n"
	"	movabs $0xb1b1b1b1b1b1b1b1, %rbx\n"
	"	movabs $0xc2c2c2c2c2c2c2c2, %rcx\n"
	"	movabs $0xd3d3d3d3d3d3d3d3, %rdx\n"
	"	movabs $0xe4e4e4e4e4e4e4e4, %rdi\n"
	"	movabs $0xf5f5f5f5f5f5f5f5, %rbp\n"
	"	movabs $0x0808080808080808, %r8\n"
	"	movabs $0x0909090909090909, %r9\n"
	"	movabs $0x1010101010101010, %r10\n"
	"	movabs $0x1111111111111111, %r11\n"
	"	movabs $0x1212121212121212, %r12\n"
	"	movabs $0x1313131313131313, %r13\n"
	"	movabs $0x1414141414141414, %r14\n"
	"	movabs $0x1515151515151515, %r15\n"
	"	stc\n"
	"	std\n"
	"	movq %rbx, (%rsi)\n" /* faults: PROBE_VA is not mapped */
	"	pushfq\n"
	"	cld\n"
	"	push %rax\n"
	"	movq 16(%rsp), %rax\n" /* out */
	"	movq %rbx, 8(%rax)\n"
	"	movq %rcx, 16(%rax)\n"
	"	movq %rdx, 24(%rax)\n"
	"	movq %rsi, 32(%rax)\n"
	"	movq %rdi, 40(%rax)\n"
	"	movq %rbp, 48(%rax)\n"
	"	movq %r8, 56(%rax)\n"
	"	movq %r9, 64(%rax)\n"
	"	movq %r10, 72(%rax)\n"
	"	movq %r11, 80(%rax)\n"
	"	movq %r12, 88(%rax)\n"
	"	movq %r13, 96(%rax)\n"
	"	movq %r14, 104(%rax)\n"
	"	movq %r15, 112(%rax)\n"
	"	pop %rcx\n"
	"	movq %rcx, 0(%rax)\n"
	"	pop %rcx\n"
	"	movq %rcx, 120(%rax)\n"
	"	movdqu %xmm0, 128(%rax)\n"
	"	stmxcsr 144(%rax)\n"
	"	ldmxcsr clean_mxcsr(%rip)\n"
	"	add $8, %rsp\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n"
	"	ret\n");

static void check_registers(void)
{
	static const uint64_t want[15] = {
		0xa0a0a0a0a0a0a0a0, 0xb1b1b1b1b1b1b1b1, 0xc2c2c2c2c2c2c2c2, 0xd3d3d3d3d3d3d3d3,
		PROBE_VA,	    0xe4e4e4e4e4e4e4e4, 0xf5f5f5f5f5f5f5f5, 0x0808080808080808,
		0x0909090909090909, 0x1010101010101010, 0x1111111111111111, 0x1212121212121212,
		0x1313131313131313, 0x1414141414141414, 0x1515151515151515,
	};
	uint64_t out[19];

	memset(out, 0, sizeof out);
	probe(out, PROBE_VA);
	for (int i = 0; i < 15; i++)
		if (out[i] != want[i]) {
			printf("register %d: 0x%llx, expected 0x%llx\n", i,
			       (unsigned long long)out[i], (unsigned long long)want[i]);
			CHECK(0);
		}
	CHECK_EQ(out[15] & 0x1, 1);	  /* CF */
	CHECK_EQ(out[15] & 0x400, 0x400); /* DF */
	CHECK(out[16] == 0x0123456789abcdefULL);
	CHECK(out[17] == 0xfedcba9876543210ULL);
	CHECK_EQ(out[18] & 0xffffffff, 0x3f80);
	CHECK(*(volatile uint64_t *)PROBE_VA == 0xb1b1b1b1b1b1b1b1ULL); /* the store completed */
}

static int run(void)
{
	CHECK_EQ(exo_add_fault_handler(1u << 14, NULL, NULL), -EXO_EINVAL);
	CHECK_EQ(exo_add_fault_handler(0, pager, NULL), -EXO_EINVAL);
	CHECK_EQ(exo_add_fault_handler(1u << 14, pager, &demand_faults), 0);
	CHECK_EQ(exo_add_fault_handler(1u << 14, inner, NULL), 0);
	CHECK_EQ(exo_add_fault_handler(1u << 6, on_ud, NULL), 0);
	CHECK_EQ(exo_add_fault_handler(1u << 3, on_bp, NULL), 0);
	CHECK_EQ(exo_add_fault_handler(1u << 14, last_resort, NULL), 0);
	/* The exception stack is where libexo.h says, with a guard below. */
	CHECK(exo_uvpt_pte(EXO_XSTACK_TOP - 8) & EXO_PTE_W);
	CHECK(exo_uvpt_pte(EXO_XSTACK_BOTTOM) & EXO_PTE_P);
	CHECK_EQ(exo_uvpt_pte(EXO_XSTACK_BOTTOM - 8), 0);
	CHECK_EQ(exo_uvpt_pte(EXO_XSTACK_TOP), 0);

	/* 64 pages on demand: each store faults once and then completes. */
	for (uint64_t i = 0; i < DEMAND_PAGES; i++)
		*(volatile uint64_t *)(DEMAND_VA + i * EXO_PAGE_SIZE + 8) = i * 3 + 1;
	CHECK_EQ(demand_faults, DEMAND_PAGES);
	for (uint64_t i = 0; i < DEMAND_PAGES; i++) {
		CHECK_EQ(*(volatile uint64_t *)(DEMAND_VA + i * EXO_PAGE_SIZE + 8), i * 3 + 1);
		CHECK_EQ(*(volatile uint64_t *)(DEMAND_VA + i * EXO_PAGE_SIZE), 0);
	}
	CHECK_EQ(demand_faults, DEMAND_PAGES);

	/* A read fault whose handler faults in turn. */
	CHECK_EQ(*(volatile uint64_t *)(OUTER_VA + 16), 0);
	CHECK_EQ(inner_faults, 1);
	CHECK(inner_value == 0xb0b0b0b0cafeULL);
	CHECK_EQ(outer_frame, EXO_XSTACK_TOP - sizeof(struct exo_upcall_frame));
	CHECK(inner_rsp >= EXO_XSTACK_BOTTOM && inner_rsp < outer_frame);
	CHECK(inner_frame <= inner_rsp - EXO_UPCALL_GAP - sizeof(struct exo_upcall_frame));
	CHECK_EQ(inner_frame % 16, 0);

	/* #UD and #BP. */
	do_ud();
	CHECK_EQ(ud_calls, 1);
	do_bp();
	do_bp();
	CHECK_EQ(bp_calls, 2);

	check_registers();
	CHECK_EQ(last_resort_calls, 0);

	/* The handler table holds 16. */
	for (int i = 5; i < EXO_FAULT_HANDLERS_MAX; i++)
		CHECK_EQ(exo_add_fault_handler(1u << 31, never, NULL), 0);
	CHECK_EQ(exo_add_fault_handler(1u << 31, never, NULL), -EXO_ERANGE);
	CHECK_EQ(exo_invariant_check(), 0);

	printf("upcall_fault: handled cases pass\n");
	fflush(stdout);
	*(volatile uint64_t *)UNHANDLED_VA = 1; /* nobody serves it: killed */
	printf("upcall_fault: still alive after an unhandled fault\n");
	test_end(0);
}

static int check(void)
{
	/* Wait until the first module has ended. Boot modules all exist before
	 * any runs. The kernel rewrites a table row in place, so one read may
	 * miss a live env (another CPU mid-write): only misses in a row count. */
	for (int spins = 0, misses = 0; misses < 8; spins++) {
		bool alive = false;

		for (unsigned i = 0; i < EXO_NENV; i++) {
			const volatile struct exo_env_info *e =
				(const volatile struct exo_env_info *)EXO_UENVS + i;
			if (e->status != EXO_ENV_FREE &&
			    strcmp((const char *)e->name, "upcall-fault") == 0)
				alive = true;
		}
		misses = alive ? 0 : misses + 1;
		CHECK(spins < 10000000);
		exo_yield(0);
	}
	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}

int main(int argc, char **argv)
{
	CHECK_EQ(argc, 2);
	if (strcmp(argv[1], "run") == 0)
		return run();
	if (strcmp(argv[1], "check") == 0)
		return check();
	CHECK(0);
}
