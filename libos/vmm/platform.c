/*
 * platform.c - the PC the guest sees: a dual 8259A and an IOAPIC that both
 * hear the ISA interrupt lines (the PIT's IRQ 0 on IOAPIC input 2), a
 * local APIC per vCPU on an APIC bus, an 8254 PIT, a 16550A UART (COM1,
 * IRQ 4) connected to the terminal, an MC146818 RTC/CMOS (IRQ 8), an i8042
 * keyboard controller whose reset line ends the VM, the ACPI PM registers
 * (power-off through PM1a_CNT ends the VM), legacy IDE (IRQ 14) and
 * virtio-mmio block devices (IOAPIC inputs 16-19) backed by the host's
 * image files, QEMU's fw_cfg and isa-debug-exit ports, the CGA text buffer
 * at 0xB8000 (guest RAM) mirrored to the terminal, and the ACPI and MP
 * tables that describe all this in the BIOS area (docs/vmm-devices.md has
 * the models). Every other port reads all-ones, every other MMIO address
 * too.
 *
 * The console escape is Ctrl-] (0x1d); Ctrl-] x kills the guest, Ctrl-]
 * Ctrl-] sends one Ctrl-]. (Ctrl-A stays with the outer QEMU.)
 */
#include <string.h>
#include <time.h>

#include <exo/calls.h>

#include "dev/acpitab.h"
#include "vm_int.h"

/* The DSDT's AML, compiled from acpi/dsdt.asl (acpi_dsdt.S). */
extern const uint8_t acpi_dsdt[], acpi_dsdt_end[];

#define ESCAPE	    0x1d
#define CGA_POLL_NS 50000000ull /* mirror the text screen at 20 Hz */
/* Ask the host for typed input at most every 2 ms of guest time: under the
 * UNIX libOS a console read is a round trip to its server, too dear to
 * make at every #VMEXIT. */
#define INPUT_POLL_NS 2000000ull

static void uart_tx(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;
	char ch = (char)byte;
	vm->cfg->host.console_write(vm->cfg->host.ctx, &ch, 1);
}

static void cga_line(void *ctx, unsigned row, const char *text, size_t len)
{
	struct vm *vm = ctx;
	(void)row;
	while (len && text[len - 1] == ' ')
		len--;
	vm->cfg->host.console_write(vm->cfg->host.ctx, text, len);
	vm->cfg->host.console_write(vm->cfg->host.ctx, "\r\n", 2);
}

static void kbc_reset(void *ctx)
{
	vm_end(ctx, VM_EXIT_OFF, "guest reset (keyboard controller)");
}

static void debug_exit(void *ctx, uint32_t status)
{
	struct vm *vm = ctx;
	if (!vm->done) {
		vm->done = true;
		vm->status = (int)status;
	}
}

static int64_t wall_clock(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

/* ---- interrupt routing */

static uint64_t vm_of(struct platform *p, struct vm **vm)
{
	*vm = (struct vm *)((char *)p - offsetof(struct vm, pf));
	return vm_now_ns(*vm);
}

/* An ISA line reaches both interrupt controllers, as on a PC: the 8259A
 * on its own input, the IOAPIC on the same input but IRQ 0 on input 2 (the
 * MADT's override). GSIs 16-23 exist only on the IOAPIC. */
static void irq_line(void *ctx, unsigned irq, bool level)
{
	struct platform *p = ctx;
	struct vm *vm;
	vm_of(p, &vm);
	if (irq < 16) {
		pic8259_irq_cb(&p->pic, irq, level);
		if (level)
			vm_kick(&vm->cpu[0]); /* the 8259A's INTR reaches vCPU 0 only */
	}
	ioapic_set_irq(&p->ioapic, irq == 0 ? 2 : irq, level);
}

/* An interrupt message on the APIC bus (from the IOAPIC or a local APIC's
 * ICR) to every local APIC it names. Lowest-priority delivery goes to the
 * first APIC that matches (every vCPU here runs at the same priority). */
static void apic_bus(struct platform *p, const struct lapic *from, const struct apic_msg *m)
{
	struct vm *vm;
	uint64_t now = vm_of(p, &vm);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct lapic *a = &p->lapic[i];
		bool hit;
		switch (m->shorthand) {
		case APIC_SH_SELF:
			hit = a == from;
			break;
		case APIC_SH_ALL:
			hit = true;
			break;
		case APIC_SH_OTHERS:
			hit = a != from;
			break;
		default:
			hit = lapic_match(a, m->dest, m->logical);
			break;
		}
		if (!hit)
			continue;
		lapic_deliver(a, m, now);
		vm_kick(&vm->cpu[i]);
		if (vm->ncpus > 1) /* running in its guest elsewhere: exit now */
			exo_vcpu_kick(vm->cpu[i].handle);
		if (m->mode == APIC_DM_LOWEST)
			break;
	}
}

static void ioapic_send(void *ctx, const struct apic_msg *m)
{
	apic_bus(ctx, NULL, m);
}

static void lapic_send(void *ctx, struct lapic *from, const struct apic_msg *m)
{
	apic_bus(ctx, from, m);
}

static void lapic_eoi(void *ctx, unsigned vector)
{
	struct platform *p = ctx;
	ioapic_eoi(&p->ioapic, vector);
}

/* ---- guest memory for the bus-master devices (virtio) */

static int dma_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct vm *vm = ctx;
	if (!gpa_is_ram(vm, gpa, len))
		return -1;
	memcpy(buf, vm->ram + gpa, len);
	return 0;
}

static int dma_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct vm *vm = ctx;
	if (!gpa_is_ram(vm, gpa, len))
		return -1;
	memcpy(vm->ram + gpa, buf, len);
	if (!vm->cfg->npt)
		shadow_write(&vm->cpu[0], gpa, len); /* maybe a guest page table, of any vCPU */
	return 0;
}

static void acpi_sleep(void *ctx, unsigned slp_typ)
{
	if (slp_typ == ACPIPM_SLP_TYP_S5)
		vm_end(ctx, VM_EXIT_OFF, "guest powered off (ACPI S5)");
}

/* The firmware tables, in the BIOS area of guest RAM. */
static int tables(struct vm *vm)
{
	if (vm->ram_bytes < ACPITAB_GPA + ACPITAB_BYTES)
		return 0; /* a guest this small gets no tables */
	struct acpitab_machine m = { .ncpus = vm->ncpus,
				     .lapic_addr = (uint32_t)PF_LAPIC_GPA,
				     .ioapic_id = (uint8_t)vm->ncpus,
				     .ioapic_addr = (uint32_t)PF_IOAPIC_GPA,
				     .sci_irq = PF_SCI_IRQ,
				     .pm_base = PF_PM_PORT,
				     .dsdt = acpi_dsdt,
				     .dsdt_len = (size_t)(acpi_dsdt_end - acpi_dsdt) };
	vm->pf.rsdp = acpitab_build(vm->ram + ACPITAB_GPA, ACPITAB_GPA, ACPITAB_BYTES, &m);
	return vm->pf.rsdp ? 0 : -1;
}

int platform_init(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct platform *p = &vm->pf;
	memset(p, 0, sizeof(*p));
	vdev_bus_init(&p->bus);
	vdev_mmio_init(&p->mmio);
	pic8259_init(&p->pic);
	ioapic_init(&p->ioapic,
		    &(struct ioapic_config){ .id = vm->ncpus, .send = ioapic_send, .ctx = p });
	for (unsigned i = 0; i < vm->ncpus; i++)
		lapic_init(&p->lapic[i],
			   &(struct lapic_config){ .id = i,
						   .bsp = i == 0,
						   .timer_hz = PF_LAPIC_HZ,
						   .tsc_deadline = true,
						   .send = lapic_send,
						   .eoi = lapic_eoi,
						   .ctx = p },
			   vm_now_ns(vm));
	struct vdev_irq irq = { irq_line, p };
	pit8254_init(&p->pit, &irq);
	uart16550_init(
		&p->uart,
		&(struct uart16550_config){
			.base = 0x3f8, .irq = 4, .irq_sink = irq, .tx = uart_tx, .tx_ctx = vm });
	uint64_t below = vm->ram_bytes < (1ull << 32) ? vm->ram_bytes : 1ull << 32;
	mc146818_init(&p->rtc,
		      &(struct mc146818_config){ .irq = 8,
						 .irq_sink = irq,
						 .clock = wall_clock,
						 .ram_below_4g = below,
						 .ram_above_4g = vm->ram_bytes - below },
		      vm_now_ns(vm));
	i8042_init(&p->kbc,
		   &(struct i8042_config){ .irq_sink = irq, .reset = kbc_reset, .reset_ctx = vm });
	fwcfg_init(&p->fwcfg, vm->ram_bytes, (uint16_t)vm->ncpus, (uint16_t)vm->ncpus);
	debugexit_init(&p->dbgexit, 0xf4, debug_exit, vm);
	cga_init(&p->cga, cga_line, vm);
	p->nvblk = cfg->ndrives;
	acpipm_init(&p->pm, &(struct acpipm_config){ .base = PF_PM_PORT,
						     .sci_irq = PF_SCI_IRQ,
						     .irq_sink = irq,
						     .slots = (uint8_t)((1u << p->nvblk) - 1),
						     .sleep = acpi_sleep,
						     .ctx = vm });
	ide_init(&p->ide, &(struct ide_config){ .base = 0x1f0,
						.ctl = 0x3f6,
						.irq = 14,
						.irq_sink = irq,
						.disk = { cfg->ide[0], cfg->ide[1] },
						.model = "EXOVMM HARDDISK" });
	struct vdev_dma dma = { vm, dma_read, dma_write };
	for (unsigned i = 0; i < p->nvblk; i++) {
		static const char *const serial[PF_MAX_VIRTIO] = { "exovmm-vda", "exovmm-vdb",
								   "exovmm-vdc", "exovmm-vdd" };
		virtio_blk_init(&p->vblk[i], &(struct virtio_blk_config){
						     .base = PF_VIRTIO_GPA + i * VIRTIO_MMIO_WINDOW,
						     .irq = PF_VIRTIO_GSI + i,
						     .irq_sink = irq,
						     .dma = dma,
						     .disk = cfg->drives[i],
						     .serial = serial[i] });
		if (virtio_blk_attach(&p->vblk[i], &p->mmio))
			return -1;
	}
	if (vdev_mmio_register(&p->mmio, PF_IOAPIC_GPA, 0x1000, &p->ioapic, ioapic_mmio_read,
			       ioapic_mmio_write, "ioapic"))
		return -1;
	if (pic8259_attach(&p->pic, &p->bus) || pit8254_attach(&p->pit, &p->bus) ||
	    uart16550_attach(&p->uart, &p->bus) || mc146818_attach(&p->rtc, &p->bus) ||
	    i8042_attach(&p->kbc, &p->bus) || fwcfg_attach(&p->fwcfg, &p->bus) ||
	    debugexit_attach(&p->dbgexit, &p->bus) || cga_attach(&p->cga, &p->bus) ||
	    acpipm_attach(&p->pm, &p->bus) || ide_attach(&p->ide, &p->bus))
		return -1;
	return tables(vm);
}

void platform_in(struct vm *vm, uint16_t port, unsigned size, uint32_t *val)
{
	vdev_pio_in(&vm->pf.bus, port, size, val, vm_now_ns(vm));
}

void platform_out(struct vm *vm, uint16_t port, unsigned size, uint32_t val)
{
	vdev_pio_out(&vm->pf.bus, port, size, val, vm_now_ns(vm));
}

void platform_flush_screen(struct vm *vm)
{
	if (vm->ram_bytes >= CGA_VRAM_GPA + CGA_VRAM_BYTES)
		cga_render(&vm->pf.cga, vm->ram + CGA_VRAM_GPA);
}

void platform_update(struct vm *vm, uint64_t now_ns)
{
	struct platform *p = &vm->pf;
	pit8254_update(&p->pit, now_ns);
	mc146818_update(&p->rtc, now_ns);
	if (now_ns >= p->cga_next_ns) {
		platform_flush_screen(vm);
		p->cga_next_ns = now_ns + CGA_POLL_NS;
	}
}

uint64_t platform_next_event(struct vm *vm)
{
	uint64_t now = vm_now_ns(vm);
	uint64_t a = pit8254_next_event(&vm->pf.pit, now);
	uint64_t b = mc146818_next_event(&vm->pf.rtc, now);
	return a < b ? a : b;
}

uint64_t platform_next_cpu_event(struct vcpu *c)
{
	uint64_t a = platform_next_event(c->vm);
	uint64_t b = lapic_next_event(&c->vm->pf.lapic[c->id], vm_now_ns(c->vm));
	return a < b ? a : b;
}

int platform_irq_vector(struct vcpu *c, bool ack)
{
	struct platform *p = &c->vm->pf;
	struct lapic *a = &p->lapic[c->id];
	lapic_update(a, vm_now_ns(c->vm));
	int v = lapic_pending(a);
	if (v >= 0) {
		if (ack)
			lapic_ack(a, (unsigned)v);
		return v;
	}
	/* The 8259A's INTR: LINT0 in ExtINT mode (virtual wire), or a
	 * disabled local APIC, lets it through to the bootstrap CPU. */
	if (c->id != 0 || !lapic_accepts_pic(a) || !pic8259_pending(&p->pic))
		return -1;
	return ack ? pic8259_intack(&p->pic) : 0;
}

void platform_mmio(struct vcpu *c, uint64_t gpa, unsigned size, uint64_t *val, bool write)
{
	struct vm *vm = c->vm;
	struct lapic *a = &vm->pf.lapic[c->id];
	uint64_t now = vm_now_ns(vm);
	if (gpa - PF_LAPIC_GPA < 0x1000 && lapic_hw_enabled(a)) {
		if (write)
			lapic_mmio_write(a, gpa - PF_LAPIC_GPA, size, *val, now);
		else
			lapic_mmio_read(a, gpa - PF_LAPIC_GPA, size, val, now);
		return;
	}
	if (write)
		vdev_mmio_write(&vm->pf.mmio, gpa, size, *val, now);
	else
		vdev_mmio_read(&vm->pf.mmio, gpa, size, val, now);
}

/* Guest TSC (host TSC plus the VMCB's offset) and guest time. */
static uint64_t tsc_to_ns(const struct vcpu *c, uint64_t tsc)
{
	const struct vm *vm = c->vm;
	uint64_t host = tsc - c->st->vmcb.control.tsc_offset;
	if (host <= vm->tsc0)
		return 0;
	return (uint64_t)((unsigned __int128)(host - vm->tsc0) * VDEV_NS_PER_S / vm->tsc_hz);
}

/* The MSRs cpuid.c sends here: IA32_APIC_BASE (0x1B) and IA32_TSC_DEADLINE. */
int platform_apic_msr(struct vcpu *c, uint32_t msr, uint64_t *val, bool write)
{
	struct lapic *a = &c->vm->pf.lapic[c->id];
	uint64_t now = vm_now_ns(c->vm);
	if (msr == 0x1b) {
		if (!write) {
			*val = lapic_base_msr(a);
			return 0;
		}
		return lapic_set_base_msr(a, *val, now);
	}
	if (!write) {
		*val = lapic_tsc_deadline(a);
		return 0;
	}
	lapic_set_tsc_deadline(a, *val, *val ? tsc_to_ns(c, *val) : 0, now);
	return 0;
}

void platform_poll_input(struct vm *vm)
{
	struct platform *p = &vm->pf;
	const struct vm_host *h = &vm->cfg->host;
	uint64_t now = vm_now_ns(vm);
	if (!h->console_read || uart16550_queued(&p->uart) > UART16550_QUEUE / 2 ||
	    now < p->input_next_ns)
		return;
	p->input_next_ns = now + INPUT_POLL_NS;
	char buf[256];
	size_t n = h->console_read(h->ctx, buf, sizeof(buf));
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)buf[i];
		if (p->escape) {
			p->escape = false;
			if (ch == 'x') {
				vm_end(vm, VM_EXIT_KILLED, "killed from the console (Ctrl-] x)");
				return;
			}
			if (ch != ESCAPE)
				continue; /* unknown command: dropped */
		} else if (ch == ESCAPE) {
			p->escape = true;
			continue;
		}
		/* The queue holds at least 2 KiB more: nothing is refused. */
		uart16550_receive(&p->uart, &ch, 1);
	}
}
