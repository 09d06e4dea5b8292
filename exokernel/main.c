/*
 * main.c - the kernel's C entry: from the boot information to the first
 * environments.
 *
 * kmain reads the Multiboot2 boot information, brings up this CPU (GDT,
 * IDT, FPU), builds the frame table from the memory map, starts the
 * console and ACPI, then turns every program module into an environment
 * and lets the scheduler run them. Bad modules are refused with a message
 * naming the problem; the rest still run.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/svm.h"
#include "arch/x86_64/pic.h"
#include "acpi.h"
#include "acpi_tables.h"
#include "block.h"
#include "bootmem.h"
#include "console.h"
#include "env.h"
#include "machine.h"
#include "multiboot2.h"
#include "pmap.h"
#include "smp.h"
#include "spinlock.h"
#include "uart.h"

#define MB2_BOOT_MAGIC 0x36d76289
#define MIN_PHYS       (1ull << 20)
#define MAX_ARGS       32
#define MAX_CMDLINE    1024 /* bytes of a module's command line a program gets */
#define IRQ_COM1       4

extern char _kernel_start_phys[], _kernel_end[];

static struct mb2_info mb;
static struct bootmem_range usable[64];
static struct env *first_program; /* the env of the first boot program */
/* Published read-only at EXO_USYSINFO. */
static union {
	struct exo_sysinfo info;
	uint8_t page[PAGE_SIZE];
} sysinfo __attribute__((aligned(PAGE_SIZE)));

/* Refresh the changing facts in the sysinfo page (each tick of CPU 0). */
void sysinfo_publish(void)
{
	sysinfo.info.nfree = frames.nfree;
}

/* "key" or "key=value" in the kernel command line; returns the value
 * (possibly "") or NULL if absent. */
static const char *cmdline_opt(const char *cmdline, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '=' || !p[klen]))
			return p[klen] == '=' ? p + klen + 1 : p + klen;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* Carve the frame table out of usable RAM and open the rest for use. */
static void frames_init(unsigned nranges)
{
	uint64_t top = usable[nranges - 1].base + usable[nranges - 1].len;
	uint64_t n = top >> PAGE_SHIFT;
	uint64_t bytes = ALIGN_UP(n * sizeof(struct frame), PAGE_SIZE);
	unsigned r;
	for (r = 0; r < nranges && usable[r].len < bytes; r++)
		;
	if (r == nranges) {
		kprintf("exo: no room for the frame table (%lu KiB); halting\n", bytes >> 10);
		machine_halt(EXIT_HALTED);
	}
	uint64_t table_pa = usable[r].base;
	frame_table_init(&frames, phys_to_virt(table_pa), n);
	for (unsigned i = 0; i < nranges; i++)
		frame_table_add_free(&frames, usable[i].base >> PAGE_SHIFT,
				     usable[i].len >> PAGE_SHIFT);
	for (uint64_t p = table_pa; p < table_pa + bytes; p += PAGE_SIZE) {
		int ok = frame_alloc_specific(&frames, p >> PAGE_SHIFT, FRAME_KERNEL);
		assert(ok == 0);
	}
}

static unsigned memory_init(uint64_t mbi_pa)
{
	struct bootmem_range reserved[2 + MB2_MAX_MODULES];
	unsigned nres = 0;
	reserved[nres++] =
		(struct bootmem_range){ (uint64_t)_kernel_start_phys,
					virt_to_phys(_kernel_end) - (uint64_t)_kernel_start_phys };
	reserved[nres++] = (struct bootmem_range){ mbi_pa, mb.total_size };
	for (unsigned i = 0; i < mb.nmods; i++)
		if (mb.mods[i].end > mb.mods[i].start)
			reserved[nres++] =
				(struct bootmem_range){ mb.mods[i].start,
							mb.mods[i].end - mb.mods[i].start };
	uint64_t max = KERNEL_PHYS_MAP_SIZE;
	const char *mem = cmdline_opt(mb.cmdline, "mem");
	if (mem && *mem)
		max = parse_u64(mem) << 20;
	int n = bootmem_usable(mb.mmap, mb.nmmap, reserved, nres, MIN_PHYS, max, usable,
			       ARRAY_SIZE(usable));
	if (n < 0)
		n = ARRAY_SIZE(usable) - 1; /* too fragmented: use what fits */
	if (n == 0) {
		kprintf("exo: no usable RAM in the memory map; halting\n");
		machine_halt(EXIT_HALTED);
	}
	return (unsigned)n;
}

/* Split a module command line into argv (in place, in a copy). Sets *cut
 * if the line was longer than the copy or had more than MAX_ARGS words. */
static unsigned split_args(const char *cmdline, char *buf, size_t size, const char **argv,
			   bool *cut)
{
	unsigned argc = 0;
	size_t n = strlen(cmdline);
	*cut = n >= size;
	if (n >= size)
		n = size - 1;
	memcpy(buf, cmdline, n);
	buf[n] = '\0';
	for (char *p = buf;;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == MAX_ARGS) {
			*cut = true;
			break;
		}
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return argc;
}

static void publish_module(const char *name, const struct mb2_module *m);

static void start_module(const struct mb2_module *m)
{
	static char buf[MAX_CMDLINE]; /* boot is single-threaded; env_load_elf copies argv */
	const char *argv[MAX_ARGS];
	bool cut;
	unsigned argc = split_args(m->cmdline, buf, sizeof(buf), argv, &cut);
	const char *name = argc ? argv[0] : "(unnamed)";
	if (cut)
		kprintf("exo: module %s: command line cut to %u bytes and %u words\n", name,
			MAX_CMDLINE - 1, MAX_ARGS);
	const char *err = NULL;
	if (argc && strncmp(name, "data:", 5) == 0) {
		kprintf("exo: data module %s (%lu bytes)\n", name + 5, m->end - m->start);
		publish_module(name + 5, m);
		return;
	}
	if (m->end < m->start || m->end > KERNEL_PHYS_MAP_SIZE) {
		kprintf("exo: module %s refused: bad module bounds\n", name);
		return;
	}
	struct env *e = env_alloc(NULL, name, ENV_BOOT_KMEM);
	if (!e) {
		kprintf("exo: module %s refused: out of memory\n", name);
		return;
	}
	/* The first program holds the root capability; later boot modules,
	 * trusted by whoever wrote grub.cfg, get the console, the machine and the disk. */
	e->rights = !first_program ? EXO_RIGHTS_ALL
				   : EXO_RIGHT_CONSOLE | EXO_RIGHT_MACHINE | EXO_RIGHT_DISK;
	if (env_load_elf(e, phys_to_virt(m->start), m->end - m->start, argv, argc, &err) < 0) {
		kprintf("exo: module %s refused: %s\n", name, err);
		env_destroy(e, NULL);
		return;
	}
	if (!first_program)
		first_program = e;
}

/* List data module NAME in the sysinfo page, for a libOS to find. */
static void publish_module(const char *name, const struct mb2_module *m)
{
	struct exo_sysinfo *si = &sysinfo.info;
	if (si->nmodules == EXO_MAX_MODULES || (m->start & (PAGE_SIZE - 1)) ||
	    m->end > frames.n << PAGE_SHIFT) {
		kprintf("exo: data module %s not published (unaligned, too many)\n", name);
		return;
	}
	struct exo_module *x = &si->module[si->nmodules++];
	for (unsigned i = 0; i < sizeof(x->name) - 1 && name[i]; i++)
		x->name[i] = name[i];
	x->frame = m->start >> PAGE_SHIFT;
	x->bytes = m->end - m->start;
}

/* Give the data modules' frames to the first boot program: it owns them
 * like any frame (maps them, grants them, frees them). */
static void give_modules(void)
{
	struct exo_sysinfo *si = &sysinfo.info;
	if (!first_program)
		return;
	si->owner = first_program->id;
	for (unsigned i = 0; i < si->nmodules; i++) {
		const struct exo_module *x = &si->module[i];
		uint64_t n = ALIGN_UP(x->bytes, PAGE_SIZE) / PAGE_SIZE;
		for (uint64_t f = x->frame; f < x->frame + n; f++)
			if (frames.f[f].owner == FRAME_RESERVED)
				frames.f[f].owner = first_program->id;
	}
}

/*
 * Interrupt delivery: the 8259s are remapped out of the way and masked;
 * each CPU's local APIC takes the timer and IPIs; the I/O APIC routes the
 * serial port's IRQ to the bootstrap processor. Machine facts come from
 * the ACPI MADT (or the PC defaults when there is none).
 */
static void interrupts_init(struct acpi_madt_info *madt)
{
	if (acpi_madt(madt) < 0 || madt->ncpus == 0 || madt->nioapics == 0) {
		kprintf("exo: no usable ACPI MADT: one CPU, default APIC addresses\n");
		*madt = (struct acpi_madt_info){ .lapic_base = 0xfee00000, .nioapics = 1 };
		madt->ioapic[0].addr = 0xfec00000;
	}
	pic_init();
	pic_disable();
	lapic_init(madt->lapic_base);
	lapic_init_cpu();
	cpus[0].apic_id = lapic_id();
	ioapic_init(madt->ioapic[0].addr, madt->ioapic[0].gsi_base);
	uint16_t flags;
	uint32_t gsi = acpi_isa_irq_gsi(madt, IRQ_COM1, &flags);
	ioapic_route(gsi, T_IRQ0 + IRQ_COM1, cpus[0].apic_id, flags);
	uart_enable_rx_irq();
	lapic_calibrate();
}

void kmain(uint32_t magic, uint64_t mbi_pa)
{
	console_init();
	if (magic != MB2_BOOT_MAGIC) {
		kprintf("exo: not started by a Multiboot2 loader (magic 0x%x); halting\n", magic);
		machine_halt(EXIT_HALTED);
	}
	if (mb2_parse(phys_to_virt(mbi_pa), 1ull << 20, &mb) < 0) {
		kprintf("exo: malformed Multiboot2 boot information; halting\n");
		machine_halt(EXIT_HALTED);
	}
	test_mode = cmdline_opt(mb.cmdline, "test") != NULL;
	smp_init_bsp();
	idt_init();
	fpu_init();

	unsigned nranges = memory_init(mbi_pa);
	frames_init(nranges);
	kprintf("exo %s: x86-64 exokernel, %lu MiB usable memory, %u boot modules\n",
		KERNEL_VERSION, (frames.nfree * PAGE_SIZE) >> 20, mb.nmods);
	if (cmdline_opt(mb.cmdline, "selftest-panic"))
		panic("deliberate panic (selftest-panic)");
	const char *nmods = cmdline_opt(mb.cmdline, "modules");
	if (nmods && *nmods && parse_u64(nmods) != mb.nmods)
		kprintf("exo: %lu boot modules named, %u loaded: a module file is missing\n",
			parse_u64(nmods), mb.nmods);
	if (mb.truncated)
		kprintf("exo: boot information truncated: some modules or memory ignored\n");
	pmap_init();
	svm_cpu_init();
	sysinfo.info = (struct exo_sysinfo){
		.nframes = frames.n, .nfree = frames.nfree, .ncpus = 1, .nenv = NENV
	};
	pmap_init_windows(env_info, sizeof(env_info), &sysinfo);
	acpi_init(mb.rsdp, mb.rsdp_len);
	struct acpi_madt_info madt;
	interrupts_init(&madt);
	block_init(T_DISK, (uint8_t)cpus[0].apic_id);

	for (unsigned i = 0; i < mb.nmods; i++)
		start_module(&mb.mods[i]);
	give_modules();
	kernel_lock();
	smp_start_aps(&madt);
	sysinfo.info.ncpus = ncpus;
	sysinfo.info.tsc_hz = tsc_hz;
	sysinfo.info.rtc_epoch = rtc_read_epoch();
	sysinfo.info.rtc_tsc = rdtsc();
	kprintf("exo: %u CPUs, TSC %lu MHz, %u slots of %u us per CPU\n", ncpus, tsc_hz / 1000000,
		EXO_NSLOTS, EXO_SLICE_US);
	schedule();
}
