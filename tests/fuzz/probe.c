/*
 * probe.c - the attacker's wild memory accesses and exceptions, and the
 * fault handler that survives them.
 *
 * A probe loads from, stores to or jumps to an address (in the fuzz region,
 * where the random calls keep changing what is mapped; in the read-only
 * windows; in the kernel half; non-canonical; page 0), or raises #BP, #UD,
 * #GP (int $0x80), #DE or #DB. Each access is a tiny assembly routine with
 * known instruction addresses, so the handler can tell an expected fault
 * from a bug and resume after the instruction. Before each access the
 * outcome is predicted from the page-table window (EXO_UVPT): a present
 * page must load, a present writable page must store, anything else must
 * fault with the right vector and error bits. A mismatch is a kernel bug
 * (a stale TLB entry after an unmap or re-protect, a window that is
 * writable, a kernel page reachable from ring 3).
 *
 * The handler also makes calls of its own (logged "in handler") and, one
 * level deep, probes again, so faults nest on the exception stack.
 */
#include <stdio.h>

#include "fuzz.h"
#include "../integration/upcall_stub.h"

#define KERNEL_VA 0xffffffff80100000ULL
#define NONCANON  0x0000800000000000ULL
#define FAULTED	  1
#define NO_FAULT  ~0ULL /* expectation: the access succeeds */

int fz_load(uint64_t va, uint64_t *out);
int fz_store(uint64_t va, uint64_t val);
int fz_exec(uint64_t va);
int fz_int3(void);
int fz_ud2(void);
int fz_intn(void);
int fz_div0(void);
int fz_tf(void);
extern const char fz_load_at[], fz_load_end[], fz_store_at[], fz_store_end[], fz_exec_at[],
	fz_exec_end[], fz_int3_end[], fz_ud2_at[], fz_ud2_end[], fz_intn_at[], fz_intn_end[],
	fz_div0_at[], fz_div0_end[], fz_tf_nop[], fz_tf_end[];

/* Each routine returns 0, or FAULTED when the handler resumed it. */
__asm__(".text\n"
	".globl fz_load, fz_load_at, fz_load_end\n"
	"fz_load:\n"
	"	xorl %eax, %eax\n"
	"fz_load_at:\n"
	"	movq (%rdi), %rdx\n"
	"	movq %rdx, (%rsi)\n"
	"fz_load_end:\n"
	"	ret\n"
	".globl fz_store, fz_store_at, fz_store_end\n"
	"fz_store:\n"
	"	xorl %eax, %eax\n"
	"fz_store_at:\n"
	"	movq %rsi, (%rdi)\n"
	"fz_store_end:\n"
	"	ret\n"
	".globl fz_exec, fz_exec_at, fz_exec_end\n"
	"fz_exec:\n"
	"	xorl %eax, %eax\n"
	"fz_exec_at:\n"
	"	call *%rdi\n"
	"fz_exec_end:\n"
	"	ret\n"
	".globl fz_int3, fz_int3_end\n"
	"fz_int3:\n"
	"	xorl %eax, %eax\n"
	"	int3\n"
	"fz_int3_end:\n"
	"	ret\n"
	".globl fz_ud2, fz_ud2_at, fz_ud2_end\n"
	"fz_ud2:\n"
	"	xorl %eax, %eax\n"
	"fz_ud2_at:\n"
	"	ud2\n"
	"fz_ud2_end:\n"
	"	ret\n"
	".globl fz_intn, fz_intn_at, fz_intn_end\n"
	"fz_intn:\n"
	"	xorl %eax, %eax\n"
	"fz_intn_at:\n"
	"	int $0x80\n"
	"fz_intn_end:\n"
	"	ret\n"
	".globl fz_div0, fz_div0_at, fz_div0_end\n"
	"fz_div0:\n"
	"	xorl %eax, %eax\n"
	"	xorl %ecx, %ecx\n"
	"	xorl %edx, %edx\n"
	"fz_div0_at:\n"
	"	divl %ecx\n"
	"fz_div0_end:\n"
	"	ret\n"
	".globl fz_tf, fz_tf_nop, fz_tf_end\n"
	"fz_tf:\n"
	"	xorl %eax, %eax\n"
	"	pushfq\n"
	"	orq $0x100, (%rsp)\n"
	"	popfq\n"
	"fz_tf_nop:\n"
	"	nop\n"
	"fz_tf_end:\n"
	"	ret\n"
	/* A PCT entry for our own registrations: reply at once, resume. */
	".globl fz_pct_entry\n"
	"fz_pct_entry:\n"
	"	movq %rsp, %rbx\n"
	"	xorl %edi, %edi\n"
	"	xorl %esi, %esi\n"
	"	xorl %edx, %edx\n"
	"	xorl %r10d, %r10d\n"
	"	movl $26, %eax\n"
	"	syscall\n"
	"	movq %rbx, %rdi\n"
	"	jmp exo_upcall_resume\n");

enum probe_kind { PR_LOAD, PR_STORE, PR_EXEC, PR_INT3, PR_UD2, PR_INTN, PR_DIV0, PR_TF };
static const char *const kind_names[] = { "load", "store",     "exec", "int3",
					  "ud2",  "int $0x80", "div0", "TF" };

/* One probe under way: what it does and what the handler saw. */
struct probe {
	enum probe_kind kind;
	uint64_t va;
	uint64_t want_vector; /* NO_FAULT, or the exception vector */
	uint64_t want_error;  /* page faults: bits of the error code that must be set */
	uint64_t vector, error, fault_va;
	bool faulted;
};

static struct probe *active[3]; /* the probe under way at each nesting level */
static int level;		/* handlers running */
static uint64_t hstream;	/* the handler's own random stream */
static uint64_t probes, faults, handler_calls, nested, touches;
static uint64_t by_vector[32];
/* Touching around a call already built: the handler makes no calls then,
 * since one could change the very mapping the call was guarded for. */
static bool quiet;

/* The handler: an expected fault of the active probe is noted and
 * skipped; anything else is a failure. */
void test_upcall(struct exo_upcall_frame *f)
{
	struct fz_progress *pg = fz.prog;
	uint64_t u = pg->nupcalls++ % FZ_UPCALLS;
	pg->upcall[u].vector = f->vector;
	pg->upcall[u].rip = f->rip;
	pg->upcall[u].rsp = f->rsp;
	pg->upcall[u].va = f->fault_va;
	switch (f->vector) {
	case EXO_UPCALL_EPILOGUE: /* registered for one call by a guarded set_entry */
		exo_yield(0);
		return;
	case EXO_UPCALL_PROLOGUE:
	case EXO_UPCALL_REVOKE:
	case EXO_UPCALL_REPOSSESS:
		return;
	}
	struct probe *p = level < 3 ? active[level] : NULL;
	uint64_t rip = f->rip;
	bool ok = false;
	if (p && f->vector < 32) {
		switch (p->kind) {
		case PR_LOAD:
			ok = rip == (uint64_t)fz_load_at;
			f->rip = (uint64_t)fz_load_end;
			break;
		case PR_STORE:
			ok = rip == (uint64_t)fz_store_at;
			f->rip = (uint64_t)fz_store_end;
			break;
		case PR_EXEC:
			if (rip == p->va && *(uint64_t *)f->rsp == (uint64_t)fz_exec_end) {
				ok = true; /* fault at the target: return to the caller */
				f->rsp += 8;
			} else {
				ok = rip == (uint64_t)fz_exec_at; /* #GP on the call itself */
			}
			f->rip = (uint64_t)fz_exec_end;
			break;
		case PR_INT3:
			ok = rip == (uint64_t)fz_int3_end;
			break;
		case PR_UD2:
			ok = rip == (uint64_t)fz_ud2_at;
			f->rip = (uint64_t)fz_ud2_end;
			break;
		case PR_INTN:
			ok = rip == (uint64_t)fz_intn_at;
			f->rip = (uint64_t)fz_intn_end;
			break;
		case PR_DIV0:
			ok = rip == (uint64_t)fz_div0_at;
			f->rip = (uint64_t)fz_div0_end;
			break;
		case PR_TF:
			ok = rip == (uint64_t)fz_tf_end || rip == (uint64_t)fz_tf_nop;
			f->rflags &= ~0x100ULL;
			break;
		}
	}
	if (!ok && fz_failing)
		exo_debug_exit(1); /* a fault while reporting one: give up at once */
	if (!ok)
		fz_fail("unexpected exception %llu (%s) at rip %#llx, va %#llx, error %#llx",
			(unsigned long long)f->vector, exo_exception_name(f->vector),
			(unsigned long long)rip, (unsigned long long)f->fault_va,
			(unsigned long long)f->error);
	p->faulted = true;
	p->vector = f->vector;
	p->error = f->error;
	p->fault_va = f->fault_va;
	f->rax = FAULTED;
	faults++;
	by_vector[f->vector]++;

	level++;
	uint64_t r[FZ_DRAWS];
	for (int i = 0; i < FZ_DRAWS; i++)
		r[i] = fz_next(&hstream);
	if (level == 1 && !quiet && r[0] % 4 == 0) {
		struct fz_call c;
		fz_gen(&c, r, true);
		fz_do_call(&c);
		handler_calls++;
	}
	if (level == 1 && !quiet && r[0] % 16 == 1) {
		r[0] = r[1]; /* the probe draws its own kind and address */
		nested++;
		fz_probe(r);
	}
	level--;
}

void fz_handler_init(void)
{
	hstream = fz.seed ^ 0xbb67ae8584caa73bULL;
	fz_next(&hstream);
	if (!test_upcall_stack(FZ_XTOP, FZ_XPAGES) ||
	    exo_env_set_entry(EXO_ENV_SELF, EXO_ENTRY_EXCEPTION, (uint64_t)test_upcall_entry,
			      FZ_XTOP) < 0)
		fz_fail("cannot register the exception entry");
}

/* An address to probe, and the fault it must give (for a load). */
static uint64_t probe_va(uint64_t r)
{
	uint64_t k = r >> 8;
	switch (r % 16) {
	case 11: {
		const struct exo_sysinfo *si = (const struct exo_sysinfo *)EXO_USYSINFO;
		switch (k % 4) {
		case 0:
			return EXO_UFRAMES + ((k >> 2) % (si->nframes * 2)) * 8;
		case 1:
			return EXO_UENVS + ((k >> 2) % (EXO_NENV * 8)) * 8;
		case 2:
			return EXO_USYSINFO + ((k >> 2) % 4) * 8;
		default:
			return EXO_UVPT + (255ULL << 30) + (255ULL << 21) + (255ULL << 12) +
			       ((k >> 2) % 512) * 8; /* the PML4 page */
		}
	}
	case 12:
		return KERNEL_VA + (k % 0x100000) * 8;
	case 13:
		return NONCANON + (k % 0x100000) * 8 + (k >> 32 & 1 ? 0x7fff000000000000ULL : 0);
	case 14:
		return (k % 512) * 8; /* page 0 */
	case 15:
		return fz.far[k % FZ_FAR] + ((k >> 8) % 512) * 8;
	default:
		return FZ_REGION + (k % FZ_PAGES) * 4096 + ((k >> 8) % 512) * 8;
	}
}

/* Predict the outcome of p from the page tables as the window shows them. */
static void predict(struct probe *p)
{
	uint64_t va = p->va;
	p->want_error = EXO_PF_USER;
	if (va >= NONCANON && va < 0xffff800000000000ULL) {
		p->want_vector = 13;
		return;
	}
	p->want_vector = 14;
	if (va >= EXO_USER_MAX) { /* windows (present, read-only, NX) and the kernel */
		bool window = va < 0x0000800000000000ULL;
		if (window && p->kind == PR_LOAD)
			p->want_vector = NO_FAULT;
		else if (window)
			p->want_error |= EXO_PF_PRESENT;
		if (p->kind == PR_STORE)
			p->want_error |= EXO_PF_WRITE;
		if (p->kind == PR_EXEC)
			p->want_error |= EXO_PF_FETCH;
		return;
	}
	uint64_t pte = exo_uvpt_pte(va);
	bool present = pte & EXO_PTE_P;
	if (present)
		p->want_error |= EXO_PF_PRESENT;
	switch (p->kind) {
	case PR_LOAD:
		if (present)
			p->want_vector = NO_FAULT;
		break;
	case PR_STORE:
		p->want_error |= EXO_PF_WRITE;
		if (present && (pte & EXO_PTE_W))
			p->want_vector = NO_FAULT;
		break;
	default:
		p->want_error |= EXO_PF_FETCH;
		break;
	}
}

/* May we write to va? Only to frames we own and do not rely on; a
 * writable mapping of the victim's frame is a kernel bug. */
static bool store_ok(uint64_t va)
{
	uint64_t pte = exo_uvpt_pte(va);
	if (!(pte & EXO_PTE_P) || !(pte & EXO_PTE_W))
		return true; /* it must fault */
	uint64_t frame = EXO_PTE_FRAME(pte);
	if (fz_vf_index(frame) >= 0)
		fz_fail("our page %#llx maps the victim's frame %#llx writable",
			(unsigned long long)va, (unsigned long long)frame);
	if (fz_infra(frame))
		fz_fail("our page %#llx maps our own frame %#llx writable (a guard let it through)",
			(unsigned long long)va, (unsigned long long)frame);
	return true;
}

static void check(const struct probe *p, uint64_t loaded)
{
	if (p->want_vector == NO_FAULT && p->faulted)
		fz_fail("%s at %#llx faulted (vector %llu, error %#llx) where the page tables "
			"allow it",
			kind_names[p->kind], (unsigned long long)p->va,
			(unsigned long long)p->vector, (unsigned long long)p->error);
	if (p->want_vector != NO_FAULT && !p->faulted)
		fz_fail("%s at %#llx succeeded where it must fault (vector %llu)",
			kind_names[p->kind], (unsigned long long)p->va,
			(unsigned long long)p->want_vector);
	if (p->faulted && (p->vector != p->want_vector ||
			   (p->vector == 14 &&
			    ((p->error & p->want_error) != p->want_error || p->fault_va != p->va))))
		fz_fail("%s at %#llx: vector %llu error %#llx va %#llx, expected vector %llu "
			"error bits %#llx",
			kind_names[p->kind], (unsigned long long)p->va,
			(unsigned long long)p->vector, (unsigned long long)p->error,
			(unsigned long long)p->fault_va, (unsigned long long)p->want_vector,
			(unsigned long long)p->want_error);
	if (p->kind != PR_LOAD || p->faulted || p->va >= EXO_USER_MAX)
		return;
	/* Read through the victim's grant: its data, unchanged. */
	uint64_t frame = EXO_PTE_FRAME(exo_uvpt_pte(p->va));
	for (unsigned i = 0; i < fz.nvg; i++)
		if (fz.vg[i] == frame && loaded != fz_pattern(frame, (p->va & 0xfff) / 8))
			fz_fail("read %#llx from the victim's frame %#llx at %#llx, expected %#llx",
				(unsigned long long)loaded, (unsigned long long)frame,
				(unsigned long long)p->va,
				(unsigned long long)fz_pattern(frame, (p->va & 0xfff) / 8));
}

static void probe(enum probe_kind kind, uint64_t va, uint64_t val)
{
	struct probe p = { 0 };
	uint64_t loaded = 0;
	int ret = 0;
	probes++;
	p.kind = kind;
	p.va = va;
	if (p.kind == PR_EXEC && p.va < EXO_USER_MAX && (exo_uvpt_pte(p.va) & EXO_PTE_P) &&
	    !(exo_uvpt_pte(p.va) & EXO_PTE_NX))
		p.kind = PR_LOAD; /* never run what happens to be mapped executable */
	if (p.kind <= PR_EXEC)
		predict(&p);
	uint64_t args[6] = { p.va, 0, 0, 0, 0, 0 };
	struct fz_rec *rec = fz_log(p.kind, args, FZ_F_PROBE | (level ? FZ_F_HANDLER : 0));
	active[level] = &p;
	switch (p.kind) {
	case PR_LOAD:
		ret = fz_load(p.va, &loaded);
		break;
	case PR_STORE:
		if (p.va < EXO_USER_MAX)
			store_ok(p.va);
		ret = fz_store(p.va, val);
		if (!ret && p.va < EXO_USER_MAX && (fz_load(p.va, &loaded) || loaded != val))
			fz_fail("stored %#llx at %#llx, read back %#llx", (unsigned long long)val,
				(unsigned long long)p.va, (unsigned long long)loaded);
		break;
	case PR_EXEC:
		ret = fz_exec(p.va);
		break;
	case PR_INT3:
		p.want_vector = 3;
		ret = fz_int3();
		break;
	case PR_UD2:
		p.want_vector = 6;
		ret = fz_ud2();
		break;
	case PR_INTN:
		p.want_vector = 13;
		ret = fz_intn();
		break;
	case PR_DIV0:
		p.want_vector = 0;
		ret = fz_div0();
		break;
	case PR_TF:
		p.want_vector = 1;
		ret = fz_tf();
		break;
	}
	active[level] = NULL;
	rec->result = p.faulted ? (int64_t)p.vector : -1;
	rec->a[1] = p.error;
	if (!!ret != p.faulted)
		fz_fail("%s at %#llx returned %d, handler saw %s", kind_names[p.kind],
			(unsigned long long)p.va, ret, p.faulted ? "a fault" : "none");
	check(&p, loaded);
	/* The IDT entry in the error code: vector * 8 + 2 on hardware (AMD APM
	 * vol. 2 §8.4.1); QEMU's TCG (7.2) reports vector * 16 + 2. */
	if (p.kind == PR_INTN && p.error != 0x80 * 8 + 2 && p.error != 0x80 * 16 + 2)
		fz_fail("int $0x80 gave #GP error %#llx, expected 0x402",
			(unsigned long long)p.error);
}

const char *fz_probe_name(uint64_t kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

void fz_probe(const uint64_t r[FZ_DRAWS])
{
	static const enum probe_kind kinds[16] = { PR_LOAD,  PR_LOAD,  PR_LOAD,	 PR_LOAD,
						   PR_LOAD,  PR_STORE, PR_STORE, PR_STORE,
						   PR_STORE, PR_EXEC,  PR_EXEC,	 PR_INT3,
						   PR_UD2,   PR_INTN,  PR_DIV0,	 PR_TF };
	probe(kinds[r[1] % 16], probe_va(r[2]), r[3] | 0xdead000000000000ULL);
}

/* Touch a page of ours whose mapping a call is about to change or just
 * changed, so that a stale TLB entry shows: load it, and store to it if
 * the page tables say it is writable. */
void fz_touch(uint64_t va, uint64_t val)
{
	uint64_t pte = exo_uvpt_pte(va);
	quiet = true;
	probe(PR_LOAD, va, 0);
	if ((pte & EXO_PTE_P) && (pte & EXO_PTE_W))
		probe(PR_STORE, va, val | 0xdead000000000000ULL);
	else if (val & 1)
		probe(PR_STORE, va, val | 0xdead000000000000ULL); /* must fault */
	quiet = false;
	touches++;
}

void fz_probe_print(void)
{
	printf("fuzz: probes %llu (%llu around mapping changes), faults handled %llu (nested "
	       "%llu), calls from the handler %llu; by vector:",
	       (unsigned long long)probes, (unsigned long long)touches, (unsigned long long)faults,
	       (unsigned long long)nested, (unsigned long long)handler_calls);
	for (unsigned v = 0; v < 32; v++)
		if (by_vector[v])
			printf(" %s %llu", exo_exception_name(v), (unsigned long long)by_vector[v]);
	printf("\n");
}
