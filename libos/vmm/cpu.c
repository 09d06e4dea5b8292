/*
 * cpu.c - one virtual CPU: its VMCB as the VMM keeps it, the run loop
 * around exo_vcpu_run, and the #VMEXIT handlers (AMD APM vol. 2 §15.6-15.21).
 *
 * Each trip: raise the interrupts the devices have due, inject one if the
 * guest can take it (EVENTINJ) or ask for an interrupt-window exit (VINTR)
 * if it cannot yet, put the shadow or nested table in place, run, and
 * dispatch on the exit code. QEMU's SVM saves no next RIP and has no
 * decode assists, so every intercepted instruction is decoded here
 * (emu/x86emu.h) to find its length and operands.
 *
 * Shadow mode: the guest's CR0, CR3, CR4 and EFER are virtual (struct
 * vcpu); the VMCB holds what the hardware runs with: paging always on
 * (paged real mode for real-mode guests, §15.19), PAE or 4-level tables
 * from shadow.c, CR0.WP always on, EFER.NXE always on. Nested mode: the
 * guest owns its control registers; only EFER.SVME is hidden.
 */
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <exo/calls.h>

#include "vm_int.h"
#include "vmcb.h"

#define CR0_FIXED_OFF (X86_CR0_CD | X86_CR0_NW)
/* CR4 bits a guest may set: the CPU model's (cpuid.c). */
#define CR4_GUEST                                                                           \
	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
	 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |    \
	 X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_OSXSAVE | X86_CR4_SMEP | X86_CR4_SMAP)
/* CR4 bits that go to the hardware as the guest set them (shadow mode). */
#define CR4_PASS                                                                                   \
	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_MCE | X86_CR4_PCE |        \
	 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_OSXSAVE | \
	 X86_CR4_SMEP | X86_CR4_SMAP)
#define RFLAGS_IF (1ull << 9)

static bool nested(const struct vcpu *c)
{
	return c->vm->cfg->npt;
}

int cpu_init(struct vm *vm, struct vcpu *c, unsigned id)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->id = id;
	c->st = memalign(PAGE, sizeof(*c->st));
	if (!c->st)
		return -EXO_ENOMEM;
	memset(c->st, 0, sizeof(*c->st)); /* also maps its pages */
	long h = exo_vcpu_create(0);
	if (h < 0)
		return (int)h;
	c->handle = (uint64_t)h;
	struct vmcb_control *ctl = &c->st->vmcb.control;
	ctl->intercept_misc1 = VMCB_I1_INTR | VMCB_I1_NMI | VMCB_I1_SMI | VMCB_I1_INIT |
			       VMCB_I1_CPUID | VMCB_I1_HLT | VMCB_I1_IOIO | VMCB_I1_MSR |
			       VMCB_I1_SHUTDOWN | VMCB_I1_INVLPGA;
	ctl->intercept_misc2 = VMCB_I2_VMRUN | VMCB_I2_VMMCALL | VMCB_I2_VMLOAD | VMCB_I2_VMSAVE |
			       VMCB_I2_STGI | VMCB_I2_CLGI | VMCB_I2_SKINIT | VMCB_I2_XSETBV |
			       VMCB_I2_MONITOR | VMCB_I2_MWAIT;
	if (!nested(c)) {
		ctl->intercept_misc1 |= VMCB_I1_INVLPG;
		ctl->intercept_exc = 1u << 14; /* #PF: the shadow MMU's */
		ctl->intercept_cr = (1u << 0 | 1u << 3 | 1u << 4) * 0x10001u;
	}
	c->st->xcr0 = 1;
	c->st->flags = nested(c) ? EXO_VCPU_NESTED : 0;
	cpuid_init_vcpu(c);
	/* The state at reset (APM vol. 2 §14.1.3); loaders change it. */
	c->cr0 = X86_CR0_ET | X86_CR0_NE;
	c->st->vmcb.save.rflags = 2;
	c->st->vmcb.save.dr6 = 0xffff0ff0;
	c->st->vmcb.save.dr7 = 0x400;
	if (id != 0)
		cpu_reset(c); /* an AP waits for its SIPI */
	return nested(c) ? 0 : shadow_init(c);
}

void cpu_reset(struct vcpu *c)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	load_real_mode(c, 0xf000, 0xfff0);
	s->rax = s->rsp = 0;
	memset(c->st->gpr, 0, sizeof(c->st->gpr));
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	c->st->vmcb.control.event_inj = 0;
	c->st->vmcb.control.interrupt_shadow = 0;
	c->st->xcr0 = 1;
	c->halted = false;
	c->wait_sipi = true;
}

void cpu_inject_exc(struct vcpu *c, unsigned vector, bool has_err, uint32_t err)
{
	uint64_t e = VMCB_EVT_MAKE(VMCB_EVT_TYPE_EXC, vector);
	if (has_err && (c->cr0 & X86_CR0_PE))
		e |= VMCB_EVT_EV | (uint64_t)err << 32;
	c->st->vmcb.control.event_inj = e;
}

static void inject_gp(struct vcpu *c)
{
	cpu_inject_exc(c, 13, true, 0);
}

static void inject_ud(struct vcpu *c)
{
	cpu_inject_exc(c, 6, false, 0);
}

/* The values the hardware runs with, from the guest's view (shadow
 * mode), and the table it runs on. */
static void load_paging(struct vcpu *c)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	if (nested(c)) {
		s->efer = c->efer | X86_EFER_SVME;
		s->cr0 = c->cr0, s->cr3 = c->cr3, s->cr4 = c->cr4;
		c->st->gas = c->vm->gas_phys;
		return;
	}
	enum gmode m = guest_mode(c);
	s->cr0 = (c->cr0 & ~CR0_FIXED_OFF) | X86_CR0_PG | X86_CR0_WP;
	s->cr4 = (c->cr4 & CR4_PASS) | X86_CR4_PAE;
	s->efer = X86_EFER_SVME | X86_EFER_NXE | (c->efer & (X86_EFER_SCE | X86_EFER_FFXSR));
	if (m == GM_LONG)
		s->efer |= X86_EFER_LME | X86_EFER_LMA;
	c->st->gas = shadow_table(c);
}

/* After an exit in nested mode the guest may have changed its control
 * registers without telling us. */
static void save_paging(struct vcpu *c)
{
	if (!nested(c))
		return;
	struct vmcb_save *s = &c->st->vmcb.save;
	c->cr0 = s->cr0, c->cr3 = s->cr3, c->cr4 = s->cr4;
	c->efer = s->efer & ~X86_EFER_SVME;
}

void cpu_set_efer(struct vcpu *c, uint64_t v)
{
	uint64_t old = c->efer;
	c->efer = v;
	/* NXE decides whether NX is a right or a reserved bit: every shadow
	 * entry was made under the old rule. */
	if (!nested(c) && ((old ^ v) & X86_EFER_NXE))
		shadow_flush(c);
}

/* A guest write of v to CRn (n = 0, 3, 4), with the architecture's #GP
 * checks (APM vol. 2 §3.1). Returns false after injecting #GP. */
static bool set_cr(struct vcpu *c, unsigned n, uint64_t v)
{
	enum gmode before = guest_mode(c);
	uint64_t cr0 = c->cr0, cr4 = c->cr4;
	switch (n) {
	case 0:
		if (v >> 32 || ((v & X86_CR0_PG) && !(v & X86_CR0_PE)) ||
		    ((v & X86_CR0_NW) && !(v & X86_CR0_CD)))
			return false;
		if ((v & X86_CR0_PG) && !(c->cr0 & X86_CR0_PG) && (c->efer & X86_EFER_LME)) {
			if (!(c->cr4 & X86_CR4_PAE))
				return false;
			c->efer |= X86_EFER_LMA;
		}
		if (!(v & X86_CR0_PG) && (c->efer & X86_EFER_LMA))
			c->efer &= ~X86_EFER_LMA;
		c->cr0 = v | X86_CR0_ET;
		break;
	case 3:
		c->cr3 = v;
		if (!nested(c))
			shadow_set_cr3(c); /* switch tables; the cache is coherent */
		return true;
	case 4:
		if ((v & ~CR4_GUEST) || ((c->efer & X86_EFER_LMA) && !(v & X86_CR4_PAE)))
			return false;
		c->cr4 = v;
		break;
	default:
		return false;
	}
	/* A mode change flushes at the next run (shadow_table); within a
	 * mode, these bits change what a translation allows. */
	if (!nested(c) && guest_mode(c) == before &&
	    (((cr0 ^ c->cr0) & (X86_CR0_WP | X86_CR0_PE)) ||
	     ((cr4 ^ c->cr4) & (X86_CR4_PGE | X86_CR4_PSE | X86_CR4_SMEP | X86_CR4_SMAP))))
		shadow_flush(c);
	return true;
}

void cpu_set_cr(struct vcpu *c, unsigned n, uint64_t v)
{
	if (!set_cr(c, n, v))
		inject_gp(c);
}

/* Execution mode for the decoder from the VMCB. */
static enum x86emu_mode emu_mode(const struct vcpu *c)
{
	const struct vmcb_save *s = &c->st->vmcb.save;
	if (!(c->cr0 & X86_CR0_PE))
		return X86EMU_MODE_REAL;
	if ((c->efer & X86_EFER_LMA) && (s->cs.attr & VMCB_ATTR_L))
		return X86EMU_MODE_LONG64;
	return (s->cs.attr & VMCB_ATTR_DB) ? X86EMU_MODE_PROT32 : X86EMU_MODE_PROT16;
}

void cpu_load_emu(const struct vcpu *c, struct x86emu_cpu *e)
{
	const struct vmcb_save *s = &c->st->vmcb.save;
	memcpy(e->gpr, c->st->gpr, sizeof(e->gpr));
	e->gpr[X86EMU_RAX] = s->rax;
	e->gpr[X86EMU_RSP] = s->rsp;
	e->rip = s->rip;
	e->rflags = s->rflags;
	e->mode = emu_mode(c);
	e->cpl = s->cpl;
	const struct vmcb_seg *seg[6] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
	for (int i = 0; i < 6; i++)
		e->seg_base[i] = seg[i]->base;
	e->cr0 = c->cr0, e->cr4 = c->cr4, e->efer = c->efer;
}

void cpu_store_emu(struct vcpu *c, const struct x86emu_cpu *e)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	memcpy(c->st->gpr, e->gpr, sizeof(e->gpr));
	s->rax = e->gpr[X86EMU_RAX];
	s->rsp = e->gpr[X86EMU_RSP];
	s->rip = e->rip;
	s->rflags = e->rflags;
}

/* ---- guest memory by linear address, for the emulator */

static void fault_pf(struct x86emu_fault *f, uint32_t pfec, uint64_t la)
{
	*f = (struct x86emu_fault){
		.vector = 14, .has_error_code = true, .error_code = pfec, .cr2 = la
	};
}

/* An access of len bytes at gpa that no RAM backs, in the widths a device
 * register takes: one access of 1, 2, 4 or 8 bytes, else byte by byte
 * (string moves). */
static void mmio(struct vcpu *c, uint64_t gpa, void *buf, size_t len, bool write)
{
	unsigned size = len == 1 || len == 2 || len == 4 || len == 8 ? (unsigned)len : 1;
	for (size_t i = 0; i < len; i += size) {
		uint64_t v = 0;
		if (write)
			memcpy(&v, (uint8_t *)buf + i, size);
		platform_mmio(c, gpa + i, size, &v, write);
		if (!write)
			memcpy((uint8_t *)buf + i, &v, size);
	}
}

/* Copy len bytes between buf and linear address la (one page at most). */
static int access_page(struct vcpu *c, uint64_t la, void *buf, size_t len, uint32_t kind,
		       struct x86emu_fault *f)
{
	struct gwalk w;
	if (c->st->vmcb.save.cpl == 3)
		kind |= PFEC_U;
	if (gwalk(c, la, kind, &w) < 0) {
		fault_pf(f, w.pfec, la);
		return -1;
	}
	struct vm *vm = c->vm;
	if (gpa_is_ram(vm, w.gpa, len)) {
		if (kind & PFEC_W) {
			memcpy(vm->ram + w.gpa, buf, len);
			if (!nested(c))
				shadow_write(c, w.gpa, len); /* maybe a guest page table */
		} else {
			memcpy(buf, vm->ram + w.gpa, len);
		}
		return 0;
	}
	/* A device, or nothing (reads float high, writes vanish). */
	mmio(c, w.gpa, buf, len, kind & PFEC_W);
	return 0;
}

static int access(struct vcpu *c, uint64_t la, void *buf, size_t len, uint32_t kind,
		  struct x86emu_fault *f)
{
	while (len) {
		size_t n = PAGE - (la & (PAGE - 1));
		if (n > len)
			n = len;
		if (access_page(c, la, buf, n, kind, f) < 0)
			return -1;
		la += n, buf = (uint8_t *)buf + n, len -= n;
	}
	return 0;
}

static int emu_read(void *ctx, uint64_t la, void *buf, size_t len, unsigned flags,
		    struct x86emu_fault *f)
{
	return access(ctx, la, buf, len, (flags & X86EMU_ACC_FETCH) ? PFEC_I : 0, f);
}

static int emu_write(void *ctx, uint64_t la, const void *buf, size_t len, struct x86emu_fault *f)
{
	return access(ctx, la, (void *)buf, len, PFEC_W, f);
}

static int emu_in(void *ctx, uint16_t port, unsigned size, uint32_t *val, struct x86emu_fault *f)
{
	(void)f;
	struct vcpu *c = ctx;
	platform_in(c->vm, port, size, val);
	return 0;
}

static int emu_out(void *ctx, uint16_t port, unsigned size, uint32_t val, struct x86emu_fault *f)
{
	(void)f;
	struct vcpu *c = ctx;
	platform_out(c->vm, port, size, val);
	return 0;
}

const struct x86emu_ops cpu_emu_ops = {
	.read = emu_read, .write = emu_write, .io_in = emu_in, .io_out = emu_out
};

/* The intercepted instruction is done (emulated or skipped): an
 * interrupt shadow it was in (after STI or MOV SS) has ended with it. */
static void retired(struct vcpu *c)
{
	c->st->vmcb.control.interrupt_shadow = 0;
}

static void inject_fault(struct vcpu *c, const struct x86emu_fault *f)
{
	if (f->vector == 14)
		c->st->vmcb.save.cr2 = f->cr2;
	cpu_inject_exc(c, f->vector, f->has_error_code, f->error_code);
}

static void unsupported(struct vcpu *c, const char *what, const struct x86emu_result *r)
{
	char hex[3 * X86EMU_MAX_LEN + 1] = "";
	for (unsigned i = 0; i < r->nbytes && i < X86EMU_MAX_LEN; i++)
		snprintf(hex + 3 * i, 4, " %02x", r->bytes[i]);
	vm_end(c->vm, VM_EXIT_VMM_ERROR, "%s: cannot emulate the instruction at rip 0x%llx:%s",
	       what, (unsigned long long)r->rip, hex);
}

/* Emulate the instruction at RIP: 1 if done or its fault injected, 0 if
 * the emulator does not know it (nothing changed; r says what it was), -1
 * if the VM has ended. */
static int emulate(struct vcpu *c, struct x86emu_result *r)
{
	struct x86emu_cpu e;
	cpu_load_emu(c, &e);
	switch (x86emu_step(&e, &cpu_emu_ops, c, r)) {
	case X86EMU_OK:
		retired(c);
		/* fall through */
	case X86EMU_RETRY:
		cpu_store_emu(c, &e);
		return c->vm->done ? -1 : 1;
	case X86EMU_FAULT:
		cpu_store_emu(c, &e); /* a REP keeps its progress */
		inject_fault(c, &r->fault);
		return 1;
	default:
		return 0;
	}
}

bool cpu_emulate(struct vcpu *c)
{
	struct x86emu_result r;
	int e = emulate(c, &r);
	if (e == 0)
		unsupported(c, "emulation", &r);
	return e > 0;
}

int cpu_emulate_try(struct vcpu *c)
{
	struct x86emu_result r;
	return emulate(c, &r);
}

/* Decode the instruction at RIP; false after injecting its fetch fault or
 * ending the VM. */
static bool decode(struct vcpu *c, struct x86emu_insn *insn)
{
	struct x86emu_cpu e;
	struct x86emu_result r;
	cpu_load_emu(c, &e);
	switch (x86emu_fetch_decode(&e, &cpu_emu_ops, c, &r)) {
	case X86EMU_OK:
		*insn = r.insn;
		return true;
	case X86EMU_FAULT:
		inject_fault(c, &r.fault);
		return false;
	default:
		unsupported(c, "decode", &r);
		return false;
	}
}

/* Step over the intercepted instruction (its length by decoding). */
static bool skip(struct vcpu *c)
{
	struct x86emu_insn insn;
	if (!decode(c, &insn))
		return false;
	c->st->vmcb.save.rip += insn.len;
	if (emu_mode(c) != X86EMU_MODE_LONG64)
		c->st->vmcb.save.rip &=
			emu_mode(c) == X86EMU_MODE_PROT32 ? 0xffffffffull : 0xffffull;
	retired(c);
	return true;
}

static uint64_t *gpr(struct vcpu *c, unsigned r)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	return r == 0 ? &s->rax : r == 4 ? &s->rsp : &c->st->gpr[r];
}

/* The linear address of insn's memory operand. */
static uint64_t insn_la(struct vcpu *c, const struct x86emu_insn *in)
{
	uint64_t ea = in->disp;
	if (in->base == X86EMU_RIP)
		ea += c->st->vmcb.save.rip + in->len;
	else if (in->base != X86EMU_NOREG)
		ea += *gpr(c, in->base);
	if (in->index != X86EMU_NOREG)
		ea += *gpr(c, in->index) * in->scale;
	if (in->adsize < 8)
		ea &= in->adsize == 4 ? 0xffffffffull : 0xffffull;
	unsigned seg = in->seg_override != X86EMU_NOSEG ? in->seg_override : in->def_seg;
	struct x86emu_cpu e;
	cpu_load_emu(c, &e);
	if (in->mode == X86EMU_MODE_LONG64 && seg != X86EMU_FS && seg != X86EMU_GS)
		return ea;
	return e.seg_base[seg] + ea;
}

/* ---- exit handlers */

static void do_cpuid(struct vcpu *c)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	uint32_t r[4];
	cpuid_guest(c, (uint32_t)s->rax, (uint32_t)c->st->gpr[1], r);
	if (!skip(c))
		return;
	s->rax = r[0];
	c->st->gpr[3] = r[1];
	c->st->gpr[1] = r[2];
	c->st->gpr[2] = r[3];
}

static void do_msr(struct vcpu *c)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	uint32_t msr = (uint32_t)c->st->gpr[1];
	if (c->st->vmcb.control.exit_info1 == 0) {
		uint64_t v;
		if (msr_read(c, msr, &v) < 0)
			return inject_gp(c);
		if (!skip(c))
			return;
		s->rax = (uint32_t)v;
		c->st->gpr[2] = v >> 32;
	} else {
		uint64_t v = (uint32_t)s->rax | c->st->gpr[2] << 32;
		if (msr_write(c, msr, v) < 0)
			return inject_gp(c);
		skip(c);
	}
}

static void do_ioio(struct vcpu *c)
{
	const struct vmcb_control *ctl = &c->st->vmcb.control;
	uint64_t info = ctl->exit_info1;
	if (info & VMEXIT_IO_STR) {
		cpu_emulate(c);
		return;
	}
	unsigned size = (info & VMEXIT_IO_SZ32) ? 4 : (info & VMEXIT_IO_SZ16) ? 2 : 1;
	uint16_t port = VMEXIT_IO_PORT(info);
	struct vmcb_save *s = &c->st->vmcb.save;
	if (info & VMEXIT_IO_IN) {
		uint32_t v = 0xffffffff;
		platform_in(c->vm, port, size, &v);
		uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
		/* A 32-bit result zero-extends into RAX; 8/16-bit ones merge. */
		s->rax = size == 4 ? v : (s->rax & ~mask) | (v & mask);
	} else {
		platform_out(c->vm, port, size, (uint32_t)s->rax);
	}
	s->rip = ctl->exit_info2; /* the next RIP, the one exit that has it */
	retired(c);
}

/* MOV to/from CR0/3/4, CLTS, LMSW, SMSW (shadow mode). */
static void do_cr(struct vcpu *c)
{
	struct x86emu_insn in;
	if (!decode(c, &in))
		return;
	bool lm = in.mode == X86EMU_MODE_LONG64;
	uint64_t mask = lm ? ~0ull : 0xffffffffull;
	if (in.map == X86EMU_MAP_0F && (in.opcode == 0x20 || in.opcode == 0x22)) {
		unsigned cr = in.reg & 7, r = in.rm;
		uint64_t *reg = gpr(c, r);
		if (in.opcode == 0x22) {
			if (!set_cr(c, cr, *reg & mask))
				return inject_gp(c);
		} else {
			*reg = (cr == 0 ? c->cr0 : cr == 3 ? c->cr3 : c->cr4) & mask;
		}
	} else if (in.map == X86EMU_MAP_0F && in.opcode == 0x06) { /* CLTS */
		set_cr(c, 0, c->cr0 & ~X86_CR0_TS);
	} else if (in.map == X86EMU_MAP_0F && in.opcode == 0x01 && in.has_modrm &&
		   ((in.reg & 7) == 6 || (in.reg & 7) == 4)) {
		struct x86emu_fault f;
		bool ok = true;
		if ((in.reg & 7) == 6) { /* LMSW: PE can be set, not cleared */
			uint16_t v = 0;
			if (in.mod == 3)
				v = (uint16_t)*gpr(c, in.rm);
			else
				ok = access(c, insn_la(c, &in), &v, 2, 0, &f) == 0;
			uint64_t cr0 = (c->cr0 & ~0xeull) | (v & 0xfu) | (c->cr0 & X86_CR0_PE);
			if (ok && !set_cr(c, 0, cr0))
				return inject_gp(c);
		} else { /* SMSW */
			uint64_t v = c->cr0;
			if (in.mod == 3)
				*gpr(c, in.rm) = in.opsize == 2 ? (*gpr(c, in.rm) & ~0xffffull) |
									  (v & 0xffff)
								: v & mask;
			else
				ok = access(c, insn_la(c, &in), &v, 2, PFEC_W, &f) == 0;
		}
		if (!ok)
			return inject_fault(c, &f);
	} else {
		struct x86emu_result r = { .rip = c->st->vmcb.save.rip, .nbytes = in.len };
		memcpy(r.bytes, in.bytes, in.len);
		return unsupported(c, "control register access", &r);
	}
	c->st->vmcb.save.rip += in.len;
	retired(c);
}

/* MOV to/from DR0-DR3: the kernel forces these to exit (it does not switch
 * them); the guest's values live here. The breakpoints they describe are
 * never armed on the hardware: a guest's DR7 may enable them, they do not
 * fire (a debugger inside the guest loses hardware breakpoints). */
static void do_dr(struct vcpu *c)
{
	struct x86emu_insn in;
	if (!decode(c, &in))
		return;
	if (in.map != X86EMU_MAP_0F || (in.opcode != 0x21 && in.opcode != 0x23) ||
	    (in.reg & 7) > 3) {
		struct x86emu_result r = { .rip = c->st->vmcb.save.rip, .nbytes = in.len };
		memcpy(r.bytes, in.bytes, in.len);
		return unsupported(c, "debug register access", &r);
	}
	uint64_t mask = in.mode == X86EMU_MODE_LONG64 ? ~0ull : 0xffffffffull;
	if (in.opcode == 0x23)
		c->dr[in.reg & 7] = *gpr(c, in.rm) & mask;
	else
		*gpr(c, in.rm) = c->dr[in.reg & 7] & mask;
	c->st->vmcb.save.rip += in.len;
	retired(c);
}

static void do_invlpg(struct vcpu *c)
{
	struct x86emu_insn in;
	if (!decode(c, &in))
		return;
	shadow_invlpg(c, insn_la(c, &in));
	c->st->vmcb.save.rip += in.len;
	retired(c);
}

static void do_xsetbv(struct vcpu *c)
{
	struct vmcb_save *s = &c->st->vmcb.save;
	uint64_t v = (uint32_t)s->rax | c->st->gpr[2] << 32;
	uint64_t allowed = 3 | (cpuid_host_xcr0() & 4);
	if (!(c->cr4 & X86_CR4_OSXSAVE))
		return inject_ud(c);
	if (s->cpl || (uint32_t)c->st->gpr[1] != 0 || !(v & 1) || (v & ~allowed) ||
	    ((v & 4) && !(v & 2)))
		return inject_gp(c);
	if (skip(c))
		c->st->xcr0 = v;
}

/* The guest's task priority lives in two places: CR8, which with
 * V_INTR_MASKING is the VMCB's V_TPR (APM vol. 2 §15.21.4), and the local
 * APIC's TPR register. Whichever the guest changed last wins. */
static void sync_tpr(struct vcpu *c)
{
	struct lapic *a = &c->vm->pf.lapic[c->id];
	uint64_t *vintr = &c->st->vmcb.control.vintr;
	unsigned cr8 = *vintr & 0xf;
	if (cr8 != c->cr8_seen)
		lapic_set_tpr(a, (uint8_t)cr8);
	c->cr8_seen = lapic_get_tpr(a);
	*vintr = (*vintr & ~0xfull) | c->cr8_seen;
}

/* Deliver what the devices have due: inject one interrupt if the guest
 * can take it, else ask to be told when it can (VINTR). */
static void interrupts(struct vcpu *c)
{
	struct vmcb_control *ctl = &c->st->vmcb.control;
	const struct vmcb_save *s = &c->st->vmcb.save;
	platform_update(c->vm, vm_now_ns(c->vm));
	sync_tpr(c);
	if ((ctl->event_inj & VMCB_EVT_V) || platform_irq_vector(c, false) < 0)
		return;
	if ((s->rflags & RFLAGS_IF) && !(ctl->interrupt_shadow & 1)) {
		int vec = platform_irq_vector(c, true);
		if (vec >= 0)
			ctl->event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_INTR, (unsigned)vec);
		c->halted = false;
		return;
	}
	ctl->vintr |= VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR | VMCB_VINTR_PRIO(0xf);
	ctl->intercept_misc1 |= VMCB_I1_VINTR;
}

/* INIT, SIPI and NMI messages from the APIC bus (Intel SDM vol. 3
 * §8.4.4, the MP initialization protocol; AMD APM vol. 2 §16.5). */
static void apic_events(struct vcpu *c)
{
	uint8_t vector;
	unsigned ev = lapic_take_events(&c->vm->pf.lapic[c->id], &vector);
	if (ev & LAPIC_EV_INIT) {
		cpu_reset(c);
		lapic_reset(&c->vm->pf.lapic[c->id], vm_now_ns(c->vm));
	}
	if ((ev & LAPIC_EV_SIPI) && c->wait_sipi) {
		load_real_mode(c, (uint16_t)(vector << 8), 0);
		c->wait_sipi = false;
	}
	if ((ev & LAPIC_EV_NMI) && !c->wait_sipi) {
		c->st->vmcb.control.event_inj = VMCB_EVT_MAKE(VMCB_EVT_TYPE_NMI, 2);
		c->halted = false;
	}
}

/* Can vCPU c never run again by itself: halted with interrupts off (no
 * NMI source but another vCPU), or an AP waiting for a SIPI? */
static bool parked(const struct vcpu *c)
{
	return c->wait_sipi || (c->halted && !(c->st->vmcb.save.rflags & RFLAGS_IF));
}

/* A halted vCPU sleeps, without the VM lock, until its next timer event,
 * a kick (an interrupt for it from another vCPU or a device), or 10 ms
 * (vCPU 0 looks at the console then). */
static void idle(struct vcpu *c)
{
	struct vm *vm = c->vm;
	bool all = true;
	for (unsigned i = 0; i < vm->ncpus; i++)
		all = all && parked(&vm->cpu[i]);
	if (all) {
		/* Every vCPU halted with interrupts off: nothing can wake the
		 * machine. That is how a guest without ACPI powers off. */
		vm_end(vm, VM_EXIT_OFF, "guest halted with interrupts off");
		return;
	}
	uint64_t now = vm_now_ns(vm), next = platform_next_cpu_event(c);
	uint64_t us = next == VDEV_NO_EVENT ? 10000 : next > now ? (next - now) / 1000 : 0;
	if (us > 10000)
		us = 10000;
	if (!us)
		return;
	struct exo_pred_term t = { .va = (uint64_t)&c->kick,
				   .op = EXO_PRED_NE,
				   .mask = ~0ull,
				   .value = __atomic_load_n(&c->kick, __ATOMIC_ACQUIRE) };
	vm_unlock(vm);
	exo_wait(&t, 1, 0, us);
	vm_lock(vm);
}

static bool contributory(unsigned v)
{
	return v == 0 || (v >= 10 && v <= 13);
}

/*
 * Exception `second` arose while the CPU delivered exception `first`
 * (AMD APM vol. 2 §8.2.9, "Double Fault"): a contributory exception or a
 * #PF after a #PF, or a contributory one after a contributory one, is a
 * #DF; any of those during a #DF shuts the guest down (a triple fault);
 * otherwise the second is delivered as it is.
 */
static void combine(struct vcpu *c, unsigned first, unsigned second)
{
	bool bad = contributory(second) || second == 14;
	if (first == 8 && bad)
		vm_end(c->vm, VM_EXIT_TRIPLE,
		       "guest triple fault (a fault delivering #DF) at rip 0x%llx",
		       (unsigned long long)c->st->vmcb.save.rip);
	else if ((first == 14 && bad) || (contributory(first) && contributory(second)))
		cpu_inject_exc(c, 8, true, 0);
}

static void handle_exit(struct vcpu *c)
{
	struct vmcb_control *ctl = &c->st->vmcb.control;
	uint64_t code = ctl->exit_code;
	uint64_t pending = ctl->exit_int_info;
	ctl->event_inj = 0;
	if (c->exits++ < c->vm->cfg->trace)
		printf("vm: exit 0x%llx info 0x%llx 0x%llx rip 0x%llx\n", (unsigned long long)code,
		       (unsigned long long)ctl->exit_info1, (unsigned long long)ctl->exit_info2,
		       (unsigned long long)c->st->vmcb.save.rip);
	switch (code) {
	case VMEXIT_INTR:
	case VMEXIT_NMI:
	case VMEXIT_SMI:
	case VMEXIT_INIT:
		break;
	case VMEXIT_VINTR:
		ctl->vintr &= ~(VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR | VMCB_VINTR_PRIO(0xf));
		ctl->intercept_misc1 &= ~VMCB_I1_VINTR;
		break;
	case VMEXIT_CPUID:
		do_cpuid(c);
		break;
	case VMEXIT_MSR:
		do_msr(c);
		break;
	case VMEXIT_IOIO:
		do_ioio(c);
		break;
	case VMEXIT_HLT:
		if (skip(c))
			c->halted = true;
		break;
	case VMEXIT_CR_READ(0):
	case VMEXIT_CR_READ(3):
	case VMEXIT_CR_READ(4):
	case VMEXIT_CR_WRITE(0):
	case VMEXIT_CR_WRITE(3):
	case VMEXIT_CR_WRITE(4):
		do_cr(c);
		break;
	case VMEXIT_INVLPG:
		do_invlpg(c);
		break;
	case VMEXIT_EXC(1):
	case VMEXIT_EXC(17):
		/* #DB and #AC: the kernel intercepts them (a guest could make
		 * their delivery loop in the CPU); they are the guest's own. */
		cpu_inject_exc(c, (unsigned)(code - VMEXIT_EXC(0)), code == VMEXIT_EXC(17), 0);
		break;
	case VMEXIT_DR_READ(0)... VMEXIT_DR_READ(3):
	case VMEXIT_DR_WRITE(0)... VMEXIT_DR_WRITE(3):
		do_dr(c);
		break;
	case VMEXIT_EXC(14):
		shadow_fault(c, ctl->exit_info2, (uint32_t)ctl->exit_info1);
		break;
	case VMEXIT_NPF:
		/* A RAM page given back under revocation, or an address no RAM
		 * backs (MMIO, or nothing). */
		if (gpa_is_ram(c->vm, ctl->exit_info2, 1))
			mem_touch(c->vm, ctl->exit_info2);
		else
			cpu_emulate(c);
		break;
	case VMEXIT_XSETBV:
		do_xsetbv(c);
		break;
	case VMEXIT_VMRUN:
	case VMEXIT_VMMCALL:
	case VMEXIT_VMLOAD:
	case VMEXIT_VMSAVE:
	case VMEXIT_STGI:
	case VMEXIT_CLGI:
	case VMEXIT_SKINIT:
	case VMEXIT_INVLPGA:
	case VMEXIT_MONITOR:
	case VMEXIT_MWAIT:
		inject_ud(c); /* the CPU model has no SVM and no MONITOR */
		break;
	case VMEXIT_SHUTDOWN:
		vm_end(c->vm, VM_EXIT_TRIPLE, "guest triple fault (shutdown) at rip 0x%llx",
		       (unsigned long long)c->st->vmcb.save.rip);
		break;
	default:
		vm_end(c->vm, VM_EXIT_VMM_ERROR,
		       "unexpected #VMEXIT 0x%llx (info 0x%llx 0x%llx) at rip 0x%llx",
		       (unsigned long long)code, (unsigned long long)ctl->exit_info1,
		       (unsigned long long)ctl->exit_info2,
		       (unsigned long long)c->st->vmcb.save.rip);
		break;
	}
	/* An event whose delivery the exit interrupted is delivered again,
	 * unless the handler has something to inject instead; an exception
	 * raised while delivering another combines with it as the hardware's
	 * would (in shadow mode the VMM raises the guest's #PF itself). */
	if ((pending & VMCB_EVT_V) && !(ctl->event_inj & VMCB_EVT_V))
		ctl->event_inj = pending;
	else if ((pending & VMCB_EVT_V) && VMCB_EVT_TYPE(pending) == VMCB_EVT_TYPE_EXC &&
		 VMCB_EVT_TYPE(ctl->event_inj) == VMCB_EVT_TYPE_EXC)
		combine(c, VMCB_EVT_VECTOR(pending), VMCB_EVT_VECTOR(ctl->event_inj));
}

/*
 * One trip into the guest, without the VM lock. In nested mode with
 * several vCPUs the trips take turns (a FIFO ticket): under QEMU's
 * multi-threaded TCG, two CPUs running guests on the same nested table at
 * once reset the whole machine now and then (docs/vmm.md, "Not yet").
 * Shadow-mode vCPUs, each on its own tables, run in parallel.
 */
static long run_guest(struct vcpu *c)
{
	struct vm *vm = c->vm;
	if (!nested(c) || vm->ncpus == 1)
		return exo_vcpu_run(c->handle, c->st);
	uint32_t ticket = __atomic_fetch_add(&vm->npt_next, 1, __ATOMIC_ACQUIRE);
	for (unsigned spins = 1; __atomic_load_n(&vm->npt_serving, __ATOMIC_ACQUIRE) != ticket;
	     spins++) {
		__builtin_ia32_pause();
		if (spins % 4096 == 0)
			exo_yield(0); /* the vCPU whose turn it is may be off its CPU */
	}
	long r = exo_vcpu_run(c->handle, c->st);
	__atomic_fetch_add(&vm->npt_serving, 1, __ATOMIC_RELEASE);
	return r;
}

void cpu_run(struct vcpu *c)
{
	struct vm *vm = c->vm;
	uint64_t limit = vm->cfg->timeout_ms ? vm->cfg->timeout_ms * 1000000 : UINT64_MAX;
	while (!vm->done) {
		if (vm_now_ns(vm) >= limit) {
			vm_end(vm, VM_EXIT_TIMEOUT, "time limit of %llu ms reached",
			       (unsigned long long)vm->cfg->timeout_ms);
			break;
		}
		mem_reclaim(vm);
		if ((c->exits & 63) == 0)
			mem_check(vm);
		if (c->id == 0)
			platform_poll_input(vm);
		apic_events(c);
		if (!c->wait_sipi)
			interrupts(c);
		if (vm->done)
			break;
		if (parked(c) || (c->halted && !(c->st->vmcb.control.event_inj & VMCB_EVT_V))) {
			idle(c);
			continue;
		}
		load_paging(c);
		vm_unlock(vm);
		long r = run_guest(c);
		vm_lock(vm);
		if (r < 0) {
			const struct vmcb_control *ctl = &c->st->vmcb.control;
			vm_end(vm, VM_EXIT_VMM_ERROR,
			       "the kernel refused to run the guest: error %ld, %s", -r,
			       r == -EXO_EINVAL &&
					       (uint32_t)ctl->exit_code == (uint32_t)VMEXIT_INVALID
				       ? sb_vmcb_strerror(-(int)ctl->exit_info1)
				       : "(no VMCB check failed)");
			break;
		}
		save_paging(c);
		handle_exit(c);
		if (!nested(c))
			shadow_exit(c);
	}
}
