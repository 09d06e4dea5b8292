/*
 * panic.c - stopping the kernel when it finds itself broken.
 *
 * Prints the message, the registers (when a trap frame is at hand) and a
 * backtrace following the frame-pointer chain (the kernel is compiled with
 * -fno-omit-frame-pointer), each return address named from the symbol
 * table that tools/gensyms.sh links into the image. In test mode QEMU then
 * exits with EXIT_PANIC so the test harness fails at once.
 */
#include "kernel.h"
#include "machine.h"
#include "panic.h"
#include "smp.h"

struct ksym {
	uint64_t addr;
	const char *name;
};
extern const struct ksym ksyms_table[];
extern const uint64_t ksyms_count;
extern char _text_start[], _text_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = ksyms_count;
	if (addr < (uint64_t)_text_start || addr >= (uint64_t)_text_end || hi == 0)
		return NULL;
	while (hi - lo > 1) { /* last symbol with address <= addr */
		uint64_t mid = (lo + hi) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_table[lo].addr > addr)
		return NULL;
	*offset = addr - ksyms_table[lo].addr;
	return ksyms_table[lo].name;
}

static void print_frame(unsigned depth, uint64_t addr)
{
	uint64_t off = 0;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		kprintf("  #%u 0x%lx %s+0x%lx\n", depth, addr, name, off);
	else
		kprintf("  #%u 0x%lx ?\n", depth, addr);
}

static void backtrace(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:\n");
	unsigned depth = 0;
	if (rip)
		print_frame(depth++, rip);
	/* Follow saved rbp links while they stay on a plausible kernel stack. */
	while (rbp >= KERNEL_PHYS_MAP && (rbp & 7) == 0 && depth < 32) {
		const uint64_t *fp = (const uint64_t *)rbp;
		uint64_t ret = fp[1];
		if (ret < (uint64_t)_text_start || ret >= (uint64_t)_text_end)
			break;
		print_frame(depth++, ret);
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
}

static void dump_regs(const struct trapframe *tf)
{
	kprintf("rip %016lx cs %lx rflags %lx vector %lu error %lx\n", tf->rip, tf->cs, tf->rflags,
		tf->vector, tf->error);
	kprintf("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx,
		tf->rdx);
	kprintf("rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi, tf->rbp,
		tf->rsp);
	kprintf("r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
	kprintf("r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13, tf->r14,
		tf->r15);
	kprintf("cr2 %016lx cr3 %016lx\n", read_cr2(), read_cr3());
}

static void __attribute__((noreturn))
vpanic(const struct trapframe *tf, const char *fmt, va_list ap)
{
	__asm__ volatile("cli");
	smp_halt_others();
	kprintf("\nexo: panic: ");
	kvprintf(fmt, ap);
	kprintf("\n");
	if (tf) {
		dump_regs(tf);
		backtrace(tf->rip, tf->rbp);
	} else {
		backtrace(0, read_rbp());
	}
	machine_halt(EXIT_PANIC);
}

/* (vpanic never returns, so no va_end can follow: cppcheck is told.) */
void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic(NULL, fmt, ap);
	// cppcheck-suppress va_end_missing
}

/* Panic on behalf of a trap taken in the kernel, showing its registers. */
void panic_tf(const struct trapframe *tf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic(tf, fmt, ap);
	// cppcheck-suppress va_end_missing
}
