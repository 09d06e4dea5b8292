/*
 * trap.c - descriptor tables, exception handling and probes of the test
 * guests.
 *
 * lib_start() loads the guest's own GDT (flat ring 0/3 code and data,
 * 64-bit code segments, a 32-bit and a 64-bit TSS) and both IDTs, then
 * runs guest_main(). In 32-bit protected mode the 256 stubs of boot.S call
 * trap32_c(), which resumes IRQs and ends probes; in long mode every
 * exception goes to trap64_c() (boot.S explains why none is resumed).
 *
 * A probe is a setjmp-like frame: an exception while one is armed, or the
 * INT 0x80 a ring-3 stub ends with, returns to it with the trap recorded.
 */
#include "guest.h"

struct jmpbuf {
	uint32_t ebx, esi, edi, ebp, esp, eip;
};
__attribute__((returns_twice)) int probe_setjmp(struct jmpbuf *jb);
__attribute__((noreturn)) void probe_longjmp(struct jmpbuf *jb, int val);
void gdt_load(void *ptr);
void long_enter_asm(uint32_t pml4, uint32_t cr4, void *idt64);
void long_leave_asm(void *idt32);
uint32_t probe_sup32(int kind, uint32_t va);
uint32_t probe_sup64(int kind, uint32_t lo, uint32_t hi);
__attribute__((noreturn)) void enter_user32(int kind, uint32_t va);
__attribute__((noreturn)) void enter_user64(int kind, uint32_t lo, uint32_t hi);
uint64_t peek64_asm(uint32_t lo, uint32_t hi);
void poke64_asm(uint32_t lo, uint32_t hi, uint32_t vlo, uint32_t vhi);
void invlpg64_asm(uint32_t lo, uint32_t hi);
extern char trap32_stubs[], trap64_stubs[], ring0_stack_top[];

struct trap_frame32 {
	uint32_t es, ds;
	uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax;
	uint32_t vector, err;
	uint32_t eip, cs, eflags, esp, ss; /* esp, ss only from ring 3 */
};

/* Filled by the 64-bit stubs: vector, error, rip, cs, cr2, rax. */
struct {
	uint64_t vector, err, rip, cs, cr2, rax;
} trap64_frame;

struct trap_info last_trap;
int long_mode_active;
int probe_ac;
static struct jmpbuf probe_jb;
static volatile int probe_armed;
static uint32_t probe_value;
static irq_handler_t irq_handlers[256];

static uint64_t gdt[10] __attribute__((aligned(16)));
static uint8_t tss32[104] __attribute__((aligned(16)));
static uint8_t tss64[104] __attribute__((aligned(16)));
static uint64_t idt32[256] __attribute__((aligned(16)));
static uint64_t idt64[512] __attribute__((aligned(16)));
static struct __attribute__((packed)) {
	uint16_t limit;
	uint32_t base;
} gdt_desc, idt32_desc, idt64_desc;

static uint64_t seg(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
	return (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xF) << 48) |
	       ((uint64_t)flags << 52) | ((uint64_t)(base >> 24) << 56);
}

static void ltr(uint16_t sel)
{
	gdt[sel / 8] &= ~(1ull << 41); /* clear the busy bit so LTR accepts it */
	__asm__ volatile("ltr %0" : : "r"(sel));
}

static void lidt(void *desc)
{
	__asm__ volatile("lidt (%0)" : : "r"(desc));
}

static void tables_init(void)
{
	gdt[0] = 0;
	gdt[1] = seg(0, 0xFFFFF, 0x9A, 0xC);			   /* 0x08 kernel code, 32-bit */
	gdt[2] = seg(0, 0xFFFFF, 0x92, 0xC);			   /* 0x10 kernel data */
	gdt[3] = seg(0, 0xFFFFF, 0xFA, 0xC);			   /* 0x18 user code, 32-bit */
	gdt[4] = seg(0, 0xFFFFF, 0xF2, 0xC);			   /* 0x20 user data */
	gdt[5] = seg(0, 0xFFFFF, 0x9A, 0xA);			   /* 0x28 kernel code, 64-bit */
	gdt[6] = seg((uint32_t)tss32, sizeof(tss32) - 1, 0x89, 0); /* 0x30 TSS */
	gdt[7] = seg((uint32_t)tss64, sizeof(tss64) - 1, 0x89, 0); /* 0x38 TSS64 */
	gdt[8] = 0;						   /* its high half */
	gdt[9] = seg(0, 0xFFFFF, 0xFA, 0xA);			   /* 0x48 user code, 64-bit */
	gdt_desc.limit = sizeof(gdt) - 1;
	gdt_desc.base = (uint32_t)gdt;
	gdt_load(&gdt_desc);

	/* Ring-3 traps land on ring0_stack; no I/O bitmap. */
	*(uint32_t *)(tss32 + 4) = (uint32_t)ring0_stack_top;
	*(uint32_t *)(tss32 + 8) = SEL_KDATA;
	*(uint16_t *)(tss32 + 102) = sizeof(tss32);
	*(uint32_t *)(tss64 + 4) = (uint32_t)ring0_stack_top;
	*(uint16_t *)(tss64 + 102) = sizeof(tss64);
	ltr(SEL_TSS32);

	for (int v = 0; v < 256; v++) {
		uint32_t h = (uint32_t)trap32_stubs + 16 * v;
		uint32_t h64 = (uint32_t)trap64_stubs + 16 * v;
		uint64_t type = v == 0x80 ? 0xEE : 0x8E; /* INT 0x80 allowed from ring 3 */
		idt32[v] = (h & 0xFFFF) | ((uint64_t)SEL_KCODE32 << 16) | (type << 40) |
			   ((uint64_t)(h >> 16) << 48);
		idt64[2 * v] = (h64 & 0xFFFF) | ((uint64_t)SEL_KCODE64 << 16) | (type << 40) |
			       ((uint64_t)(h64 >> 16) << 48);
		idt64[2 * v + 1] = 0;
	}
	idt32_desc.limit = sizeof(idt32) - 1;
	idt32_desc.base = (uint32_t)idt32;
	idt64_desc.limit = sizeof(idt64) - 1;
	idt64_desc.base = (uint32_t)idt64;
	lidt(&idt32_desc);
}

const char *exc_name(uint32_t v)
{
	static const char *const names[] = { "#DE", "#DB", "NMI",  "#BP", "#OF", "#BR", "#UD",
					     "#NM", "#DF", "#MF9", "#TS", "#NP", "#SS", "#GP",
					     "#PF", "#15", "#MF",  "#AC", "#MC", "#XM", "#VE" };
	if (v < sizeof(names) / sizeof(names[0]))
		return names[v];
	return v == 0x80 ? "int 0x80" : "vector";
}

static char cmdline_copy[256];
uint32_t multiboot_info;

__attribute__((noreturn)) void lib_start(uint32_t magic, uint32_t *mbi)
{
	tables_init();
	serial_init();
	if (magic != 0x2BADB002)
		fail("not started by a multiboot v1 loader (eax %x)", magic);
	multiboot_info = (uint32_t)mbi;
	if ((mbi[0] & 4) && mbi[4]) {
		const char *s = (const char *)mbi[4];
		size_t i = 0;
		for (; s[i] && i < sizeof(cmdline_copy) - 1; i++)
			cmdline_copy[i] = s[i];
		cmdline_copy[i] = 0;
	}
	say("start");
	guest_main(cmdline_copy);
	pass();
}

static __attribute__((noreturn)) void unexpected(void)
{
	printf("guest %s: unexpected exception %u (%s) error %x rip %llx cs %x cr2 %llx\n",
	       guest_name, last_trap.vector, exc_name(last_trap.vector), last_trap.err,
	       last_trap.rip, last_trap.cs, last_trap.cr2);
	fail("unexpected exception %u (%s)", last_trap.vector, exc_name(last_trap.vector));
}

void trap32_c(struct trap_frame32 *f)
{
	if (f->vector >= 32 && f->vector != 0x80 && irq_handlers[f->vector]) {
		irq_handlers[f->vector](f->vector);
		return;
	}
	last_trap.vector = f->vector;
	last_trap.err = f->err;
	last_trap.rip = f->eip;
	last_trap.cs = f->cs;
	last_trap.cr2 = read_cr2();
	if (probe_armed) {
		probe_armed = 0;
		if (f->vector == 0x80 && (f->cs & 3) == 3) {
			probe_value = f->eax;
			probe_longjmp(&probe_jb, 2);
		}
		probe_longjmp(&probe_jb, 1);
	}
	unexpected();
}

__attribute__((noreturn)) void trap64_c(void)
{
	last_trap.vector = (uint32_t)trap64_frame.vector;
	last_trap.err = (uint32_t)trap64_frame.err;
	last_trap.rip = trap64_frame.rip;
	last_trap.cs = (uint32_t)trap64_frame.cs;
	last_trap.cr2 = trap64_frame.cr2;
	if (probe_armed) {
		probe_armed = 0;
		if (last_trap.vector == 0x80 && (last_trap.cs & 3) == 3) {
			probe_value = (uint32_t)trap64_frame.rax;
			probe_longjmp(&probe_jb, 2);
		}
		probe_longjmp(&probe_jb, 1);
	}
	unexpected();
}

void set_irq_handler(uint32_t vector, irq_handler_t h)
{
	irq_handlers[vector] = h;
}

static inline void set_ac(int on)
{
	if (on)
		__asm__ volatile("pushfl; orl $0x40000, (%%esp); popfl" ::: "memory", "cc");
	else
		__asm__ volatile("pushfl; andl $~0x40000, (%%esp); popfl" ::: "memory", "cc");
}

int probe(enum access kind, uint64_t va, int user, uint32_t *value)
{
	uint32_t v = 0;
	int r = probe_setjmp(&probe_jb);
	if (r == 0) {
		probe_armed = 1;
		if (user) {
			if (long_mode_active)
				enter_user64(kind, (uint32_t)va, (uint32_t)(va >> 32));
			enter_user32(kind, (uint32_t)va);
		}
		if (probe_ac)
			set_ac(1);
		if (long_mode_active)
			v = probe_sup64(kind, (uint32_t)va, (uint32_t)(va >> 32));
		else
			v = probe_sup32(kind, (uint32_t)va);
		if (probe_ac)
			set_ac(0);
		probe_armed = 0;
	} else if (r == 2) {
		v = probe_value;
	} else {
		return 1;
	}
	if (value)
		*value = v & 0xFF;
	return 0;
}

int catch_exception(void (*fn)(void *), void *arg)
{
	if (probe_setjmp(&probe_jb))
		return 1;
	probe_armed = 1;
	fn(arg);
	probe_armed = 0;
	return 0;
}

void long_enter(uint32_t pml4, uint32_t cr4)
{
	long_enter_asm(pml4, cr4, &idt64_desc);
	long_mode_active = 1;
	ltr(SEL_TSS64);
}

void long_leave(void)
{
	long_leave_asm(&idt32_desc);
	long_mode_active = 0;
	ltr(SEL_TSS32);
}

uint64_t peek64(uint64_t va)
{
	return peek64_asm((uint32_t)va, (uint32_t)(va >> 32));
}

void poke64(uint64_t va, uint64_t v)
{
	poke64_asm((uint32_t)va, (uint32_t)(va >> 32), (uint32_t)v, (uint32_t)(v >> 32));
}

void invlpg64(uint64_t va)
{
	invlpg64_asm((uint32_t)va, (uint32_t)(va >> 32));
}

/* ---- application processors: the lib side of ap.S ---- */
extern char ap_tramp_start[], ap_tramp_end[];
volatile uint32_t ap_boot_stack; /* read by ap_start32 */
static void (*volatile ap_boot_entry)(void);
__attribute__((noreturn)) void ap_start_c(void);

void cpu_tables_load(void)
{
	gdt_load(&gdt_desc);
	lidt(&idt32_desc);
}

void ap_prepare(void (*entry)(void), uint32_t stack_top)
{
	uint8_t *volatile dst = (uint8_t *)AP_TRAMPOLINE; /* not an object to the compiler */
	memcpy(dst, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	ap_boot_stack = stack_top;
	ap_boot_entry = entry;
}

/* On the AP, from ap_start32: 32-bit protected mode, paging off, IF = 0. */
__attribute__((noreturn)) void ap_start_c(void)
{
	cpu_tables_load();
	ap_boot_entry();
	for (;;)
		__asm__ volatile("cli; hlt");
}
