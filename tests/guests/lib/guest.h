/*
 * guest.h - the shared mini library of the VMM test guests (tests/guests/).
 *
 * Every guest is a multiboot v1 kernel linked as ELF32 at 1 MiB. The
 * library's boot code (boot.S) loads its own GDT, TSS and IDT at once and
 * calls guest_main() in 32-bit protected mode with paging off. 32-bit C
 * runs in every mode: in long mode it runs in compatibility mode, and only
 * small probes (trap stubs, 64-bit accesses) are 64-bit code.
 *
 * Result protocol (README.md): progress lines, then "guest NAME: PASS (N
 * checks)" or "guest NAME: FAIL: <what>", then isa-debug-exit (port 0xF4)
 * with 0x10 (pass, QEMU status 33) or 0x11 (fail, status 35).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

/* GDT selectors (gdt in trap.c). TSS64 takes two slots (0x38, 0x40). */
#define SEL_KCODE32 0x08
#define SEL_KDATA   0x10
#define SEL_UCODE32 0x1B
#define SEL_UDATA   0x23
#define SEL_KCODE64 0x28
#define SEL_TSS32   0x30
#define SEL_TSS64   0x38
#define SEL_UCODE64 0x4B

#define CR0_PE	    (1u << 0)
#define CR0_WP	    (1u << 16)
#define CR0_PG	    (1u << 31)
#define CR4_PSE	    (1u << 4)
#define CR4_PAE	    (1u << 5)
#define CR4_PGE	    (1u << 7)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP    (1u << 20)
#define CR4_SMAP    (1u << 21)
#define MSR_EFER    0xC0000080u
#define EFER_LME    (1u << 8)
#define EFER_LMA    (1u << 10)
#define EFER_NXE    (1u << 11)
#define EFER_SVME   (1u << 12)

/* Page-table entry bits (AMD APM vol. 2 §5.3-5.4). */
#define PTE_P  (1ull << 0)
#define PTE_W  (1ull << 1)
#define PTE_U  (1ull << 2)
#define PTE_A  (1ull << 5)
#define PTE_D  (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G  (1ull << 8)
#define PTE_NX (1ull << 63)

/* #PF error code bits. */
#define PF_P	(1u << 0)
#define PF_W	(1u << 1)
#define PF_U	(1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I	(1u << 4)

extern const char guest_name[];
/* The physical address of the multiboot information structure (EBX at
 * entry; multiboot v1 §3.3), for guests that check the loader. */
extern uint32_t multiboot_info;
/* The guest's body; cmdline is the multiboot command line ("" if none).
 * Returning passes the guest. */
void guest_main(const char *cmdline);

/* ---- console.c: the 16550 at 0x3F8 (polled output), exit, checks ---- */
void serial_init(void);
void putc_serial(char c);
int printf(const char *fmt, ...);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...);
void say(const char *fmt, ...); /* "guest NAME: ..." line */
__attribute__((noreturn)) void fail(const char *fmt, ...);
__attribute__((noreturn)) void pass(void);
__attribute__((noreturn)) void debug_exit(uint32_t value);
extern unsigned checks;
/* CHECK(cond, fmt, ...): count a check; fail the guest with the message if
 * cond is false. */
#define CHECK(cond, ...)                   \
	do {                               \
		checks++;                  \
		if (!(cond))               \
			fail(__VA_ARGS__); \
	} while (0)

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* cmdline_value(cmdline, "status=") -> pointer after the key, or NULL. */
const char *cmdline_value(const char *cmdline, const char *key);
unsigned long parse_uint(const char *s);

/* ---- io.h-like inlines ---- */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
/* 32-bit MMIO (paging off or identity-mapped, uncached by the platform). */
static inline uint32_t mmio_read32(uint32_t pa)
{
	return *(volatile uint32_t *)pa;
}
static inline void mmio_write32(uint32_t pa, uint32_t v)
{
	*(volatile uint32_t *)pa = v;
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
static inline uint32_t read_cr0(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline uint32_t read_cr2(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint32_t read_cr3(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void write_cr3(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
static inline uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr4(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
static inline void invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}
static inline uint32_t cpuid_max(uint32_t leaf)
{
	uint32_t r[4];
	cpuid(leaf & 0x80000000u, 0, r);
	return r[0];
}
/* cpuid_bit(leaf, sub, reg 0..3 = eax..edx, bit): 0 if the leaf is absent. */
int cpuid_bit(uint32_t leaf, uint32_t sub, int reg, int bit);

/* ---- trap.c: descriptor tables, exceptions, probes ---- */
struct trap_info {
	uint32_t vector;
	uint32_t err;
	uint64_t rip;
	uint64_t cr2;
	uint32_t cs;
};
/* The last exception a probe caught. */
extern struct trap_info last_trap;
/* IRQ handlers (32-bit protected mode only): vector -> function. */
typedef void (*irq_handler_t)(uint32_t vector);
void set_irq_handler(uint32_t vector, irq_handler_t h);

enum access { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };
/*
 * probe(kind, va, user, &value): one access to virtual address va (a read
 * of a byte, a write of the byte 0xC3, or a call to va, which must hold a
 * RET) at CPL 0 or, with user set, at CPL 3 (ring-3 segment entered by
 * IRET, back through INT 0x80). The access runs as 64-bit code when long
 * mode is active, so va may be any canonical address. Returns 0 if the
 * access completed (the byte read in *value), or 1 if it raised an
 * exception (recorded in last_trap). Interrupts must be off.
 */
int probe(enum access kind, uint64_t va, int user, uint32_t *value);
/*
 * Run fn(arg) so that any exception ends it: returns 0 if fn returned, 1
 * with last_trap filled if it raised an exception.
 */
int catch_exception(void (*fn)(void *), void *arg);
/* Set/clear EFLAGS.AC around supervisor probes (for SMAP). */
extern int probe_ac;
const char *exc_name(uint32_t vector);

/* ---- modes.S / paging.c: paging modes and page-table builders ---- */
extern int long_mode_active;
void paging_disable(void);			/* 32-bit paging -> off */
void paging_enable(uint32_t cr3, uint32_t cr4); /* off -> 32-bit or PAE */
void long_enter(uint32_t pml4, uint32_t cr4);	/* off -> long (compat) */
void long_leave(void);				/* long -> protected, paging off */
uint64_t peek64(uint64_t va);			/* 64-bit read in long mode */
void poke64(uint64_t va, uint64_t v);		/* 64-bit write in long mode */
void invlpg64(uint64_t va);

/* A bump allocator of zeroed 4 KiB frames for page tables (pt_reset()
 * returns them all). */
void *pt_alloc(void);
void pt_reset(void);
/* 32-bit 2-level tables: map one 4 KiB page or one 4 MiB page (PSE). The
 * PDE made for a new page table gets pde_flags. Returns the leaf. */
uint32_t *map32(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags, uint32_t pde_flags);
uint32_t *map32_4m(uint32_t *pd, uint32_t va, uint32_t pa, uint32_t flags);
/* PAE (levels 3, root = PDPT) and long mode (levels 4, root = PML4): map
 * a page of size 4 KiB (leaf_level 1), 2 MiB (2) or 1 GiB (3, long mode).
 * Upper entries made here get upper_flags (PAE PDPTEs only P). Returns a
 * pointer to the leaf entry. */
uint64_t *map64(uint64_t *root, int levels, uint64_t va, uint64_t pa, uint64_t flags,
		int leaf_level, uint64_t upper_flags);
/* entry64(root, levels, va, level): the entry at level (1 = PTE ... 4 =
 * PML4E) for va, or NULL if an upper level is missing. */
uint64_t *entry64(uint64_t *root, int levels, uint64_t va, int level);
/* Identity maps of the first 16 MiB, supervisor, writable; pages of the
 * .user section (user_start..user_end) are user pages. */
uint32_t *ident32(void);
uint64_t *ident64(int levels);

extern char user_start[], user_end[];
extern char image_end[];

/* ---- ap.S / trap.c: application processors (Intel SDM vol. 3A §8.4) ---- */
/* The page an AP starts in (real mode, CS = 0x0800, IP = 0): SIPI vector
 * AP_TRAMPOLINE >> 12. Nothing else may live there once APs start. */
#define AP_TRAMPOLINE 0x8000u
/*
 * ap_prepare(entry, stack_top): copy the trampoline (ap.S) to AP_TRAMPOLINE
 * (identity-mapped if paging is on) and make entry, on the stack ending at
 * stack_top, what the next AP to get a SIPI runs: 32-bit protected mode,
 * the lib's GDT and 32-bit IDT loaded, paging off, IF = 0, no TSS (an AP
 * takes interrupts at CPL 0 only, which needs none; no ring 3, no probes).
 * entry must not return. Start one AP at a time: the next ap_prepare()
 * only after the previous AP has reported in.
 */
void ap_prepare(void (*entry)(void), uint32_t stack_top);
/* Load the lib's GDT (reloading every segment register) and 32-bit IDT on
 * this CPU; no LTR (the one TSS belongs to the BSP). */
void cpu_tables_load(void);

/* ---- pic.c: 8259A pair and 8254 channel 0 ---- */
void pic_init(uint8_t base_master, uint8_t base_slave);
void pic_mask(int irq, int masked);
void pic_eoi(int irq);
uint8_t pic_read_irr(int slave);
uint8_t pic_read_isr(int slave);
void pit_init_hz(uint32_t hz);
/* The count of channel 0 (counter latch). */
uint16_t pit_read_count(void);
/* pit_poll(): periods of channel 0 seen so far, by polling its count (no
 * interrupt needed); call it often (every period at least) to keep up. */
unsigned pit_poll(void);
static inline void sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}
static inline void sti_hlt(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* ---- devlib.c: what the device guests share */
#define LAPIC_BASE 0xFEE00000u
/* A local APIC register (xAPIC MMIO, offset reg); lapic_bit: bit v of
 * the 256-bit register group at base (ISR 0x100, TMR 0x180, IRR 0x200). */
uint32_t lapic_rd(uint32_t reg);
void lapic_wr(uint32_t reg, uint32_t v);
int lapic_bit(uint32_t base, uint32_t v);
/* Sector k of the disks the harness makes (tests/guests/disk.sh): 32
 * records of 16 bytes, record i the text "T sec KKKKKK II\n", T = tag. */
void disk_sector(uint8_t *p, char tag, uint32_t k);
/* A seeded generator (xorshift64* through splitmix64): same seed, same
 * numbers, on bare QEMU and under the VMM. */
void rng_seed(uint64_t s);
uint64_t rng_next(void);

#endif
