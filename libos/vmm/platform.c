/*
 * platform.c - the PC the guest sees: a dual 8259A, an 8254 PIT on IRQ 0,
 * a 16550A UART (COM1, IRQ 4) connected to the terminal, an MC146818
 * RTC/CMOS (IRQ 8), an i8042 keyboard controller whose reset line ends the
 * VM, QEMU's fw_cfg and isa-debug-exit ports, and the CGA text buffer at
 * 0xB8000 (guest RAM) mirrored to the terminal (docs/vmm-devices.md has
 * the models). All on one port bus; every other port reads all-ones.
 *
 * The console escape is Ctrl-] (0x1d); Ctrl-] x kills the guest, Ctrl-]
 * Ctrl-] sends one Ctrl-]. (Ctrl-A stays with the outer QEMU.)
 */
#include <string.h>
#include <time.h>

#include "vm_int.h"

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

int platform_init(struct vm *vm)
{
	struct platform *p = &vm->pf;
	memset(p, 0, sizeof(*p));
	vdev_bus_init(&p->bus);
	pic8259_init(&p->pic);
	struct vdev_irq irq = { pic8259_irq_cb, &p->pic };
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
	if (pic8259_attach(&p->pic, &p->bus) || pit8254_attach(&p->pit, &p->bus) ||
	    uart16550_attach(&p->uart, &p->bus) || mc146818_attach(&p->rtc, &p->bus) ||
	    i8042_attach(&p->kbc, &p->bus) || fwcfg_attach(&p->fwcfg, &p->bus) ||
	    debugexit_attach(&p->dbgexit, &p->bus) || cga_attach(&p->cga, &p->bus))
		return -1;
	return 0;
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

bool platform_irq_pending(struct vm *vm)
{
	return pic8259_pending(&vm->pf.pic);
}

int platform_irq_ack(struct vm *vm)
{
	return pic8259_intack(&vm->pf.pic);
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
