/*
 * test_vdev_uart.c - host tests of the 16550A UART model
 * (libos/vmm/dev/uart16550.c) and the port I/O bus it sits on
 * (libos/vmm/dev/vdev.c).
 *
 * The UART is driven through the bus, with the register sequences the Linux
 * 8250 driver uses: the autoconfig probe (scratch, IER, loopback MSR, FIFO
 * detection, the EFR and SuperIO probes it must fail), the THRE-interrupt
 * test of serial8250_do_startup, and the start-up FIFO clear that the
 * typed-ahead queue must survive. Then priorities, loopback overrun, and a
 * seeded random hammering of every port.
 */
#include <stdint.h>
#include <string.h>

#include "dev/uart16550.h"
#include "unit.h"

#define COM1 0x3F8

static struct vdev_bus bus;
static struct uart16550 uart;
static uint8_t txbuf[256];
static unsigned ntx;
static int irq_level = -1; /* last level driven on IRQ 4 */
static unsigned irq_rises;

static void tx(void *ctx, uint8_t b)
{
	(void)ctx;
	if (ntx < sizeof(txbuf))
		txbuf[ntx] = b;
	ntx++;
}

static void set_irq(void *ctx, unsigned irq, bool level)
{
	(void)ctx;
	CU_ASSERT_EQUAL(irq, 4);
	if (level && irq_level != 1)
		irq_rises++;
	irq_level = level;
}

static void setup(void)
{
	struct uart16550_config cfg = {
		.base = COM1,
		.irq = 4,
		.irq_sink = { set_irq, NULL },
		.tx = tx,
	};
	vdev_bus_init(&bus);
	uart16550_init(&uart, &cfg);
	CU_ASSERT_EQUAL_FATAL(uart16550_attach(&uart, &bus), 0);
	ntx = 0;
	irq_level = -1;
	irq_rises = 0;
}

static uint8_t in(unsigned off)
{
	uint32_t v;
	CU_ASSERT_TRUE(vdev_pio_in(&bus, (uint16_t)(COM1 + off), 1, &v, 0));
	CU_ASSERT_TRUE(v <= 0xFF);
	return (uint8_t)v;
}

static void out(unsigned off, uint8_t v)
{
	CU_ASSERT_TRUE(vdev_pio_out(&bus, (uint16_t)(COM1 + off), 1, v, 0));
}

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };

static void test_reset_state(void)
{
	setup();
	CU_ASSERT_EQUAL(in(IER), 0);
	CU_ASSERT_EQUAL(in(IIR), 0x01);
	CU_ASSERT_EQUAL(in(LCR), 0);
	CU_ASSERT_EQUAL(in(MCR), 0);
	CU_ASSERT_EQUAL(in(LSR), 0x60);
	CU_ASSERT_EQUAL(in(MSR)&0xF0, 0xB0); /* DCD, DSR, CTS: terminal there */
	CU_ASSERT_EQUAL(in(RBR), 0);	     /* empty receiver: defined value */
	CU_ASSERT_EQUAL(in(LSR), 0x60);
}

static void test_linux_autoconfig(void)
{
	setup();
	/* Scratch register test. */
	out(SCR, 0xA5);
	CU_ASSERT_EQUAL(in(SCR), 0xA5);
	out(SCR, 0x5A);
	CU_ASSERT_EQUAL(in(SCR), 0x5A);
	/* IER test: 0 reads 0, 0x0F reads 0x0F. */
	out(IER, 0);
	CU_ASSERT_EQUAL(in(IER)&0x0F, 0);
	out(IER, 0x0F);
	CU_ASSERT_EQUAL(in(IER)&0x0F, 0x0F);
	out(IER, 0);
	/* Loopback MSR test: MCR = LOOP | OUT2 | RTS gives DCD | CTS. */
	uint8_t save_mcr = in(MCR);
	out(MCR, 0x10 | 0x0A);
	CU_ASSERT_EQUAL(in(MSR)&0xF0, 0x90);
	out(MCR, save_mcr);
	/* FIFO detection: IIR bits 7-6 = 11 once FCR enables the FIFOs. */
	out(IIR, 0x01);
	CU_ASSERT_EQUAL(in(IIR) >> 6, 3);
	/* autoconfig_16550a: the EFR probes (LCR 0xBF, 0x80) must not read 0,
	 * or Linux takes us for a 16650/ST16C650. */
	out(LCR, 0xBF);
	CU_ASSERT_NOT_EQUAL(in(IIR), 0);
	out(LCR, 0x80);
	CU_ASSERT_NOT_EQUAL(in(IIR), 0);
	/* NS SuperIO probe: EXCR1 (LCR 0xE0, offset 2) must not follow MCR.LOOP. */
	out(LCR, 0);
	uint8_t s1 = in(MCR);
	out(LCR, 0xE0);
	uint8_t s2 = in(IIR);
	CU_ASSERT_EQUAL((s1 ^ s2) & 0x10, 0);
	out(LCR, 0);
	out(MCR, s1 ^ 0x10);
	out(LCR, 0xE0);
	s2 = in(IIR);
	out(LCR, 0);
	out(MCR, s1);
	CU_ASSERT_EQUAL((s1 ^ s2) & 0x10, 0);
	/* XScale UUE probe: IER bit 6 must not stick. */
	out(IER, 0x40);
	CU_ASSERT_EQUAL(in(IER)&0x40, 0);
	out(IER, 0);
	/* Reset as autoconfig ends: clear FIFOs, read RX, IER 0. */
	out(IIR, 0x01);
	out(IIR, 0x07);
	out(IIR, 0);
	in(RBR);
	CU_ASSERT_EQUAL(in(LSR), 0x60);
	CU_ASSERT_EQUAL(in(IIR), 0x01);
}

static void test_divisor_latch(void)
{
	setup();
	out(LCR, 0x83);
	out(RBR, 0x01); /* 115200 baud */
	out(IER, 0x00);
	CU_ASSERT_EQUAL(in(RBR), 0x01);
	CU_ASSERT_EQUAL(in(IER), 0x00);
	out(RBR, 0); /* divisor 0: accepted, stored, harmless */
	CU_ASSERT_EQUAL(in(RBR), 0);
	out(LCR, 0x03);
	CU_ASSERT_EQUAL(in(LCR), 0x03);
	CU_ASSERT_EQUAL(in(IER), 0); /* IER untouched by DLM writes */
	out(RBR, 'x');
	CU_ASSERT_EQUAL(ntx, 1);
	CU_ASSERT_EQUAL(txbuf[0], 'x');
	CU_ASSERT_EQUAL(in(LSR)&0x60, 0x60); /* instant transmission */
}

static void test_thre_interrupt(void)
{
	setup();
	out(IIR, 0xC7); /* FIFOs on, cleared, trigger 14 */
	out(MCR, 0x0B); /* DTR, RTS, OUT2: interrupts reach the PIC */
	/* serial8250_do_startup's UART_BUG_THRE test. */
	out(IER, 0x02);
	uint8_t iir1 = in(IIR);
	out(IER, 0);
	out(IER, 0x02);
	uint8_t iir = in(IIR);
	out(IER, 0);
	CU_ASSERT_EQUAL(iir1, 0xC2);
	CU_ASSERT_EQUAL(iir, 0xC2);
	CU_ASSERT_TRUE(in(LSR)&0x40);
	/* Reading IIR when THRE is the source clears it. */
	out(IER, 0x02);
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(in(IIR), 0xC2);
	CU_ASSERT_EQUAL(in(IIR), 0xC1);
	CU_ASSERT_EQUAL(irq_level, 0);
	/* Writing THR clears it too, and as the byte leaves at once the
	 * interrupt is due again: a fresh edge for the PIC. */
	unsigned rises = irq_rises;
	out(RBR, 'a');
	CU_ASSERT_EQUAL(in(IIR), 0xC2);
	CU_ASSERT_EQUAL(irq_rises, rises + 1);
	/* Disabling THRI drops it. */
	out(RBR, 'b');
	out(IER, 0);
	CU_ASSERT_EQUAL(in(IIR), 0xC1);
	CU_ASSERT_EQUAL(irq_level, 0);
	CU_ASSERT_EQUAL(ntx, 2);
}

static void test_out2_gates_irq(void)
{
	setup();
	out(IER, 0x02);
	CU_ASSERT_EQUAL(in(IIR), 0x02); /* pending inside the UART... */
	out(IER, 0);
	out(IER, 0x02);
	CU_ASSERT_NOT_EQUAL(irq_level, 1); /* ...but OUT2 = 0: not on the bus */
	out(MCR, 0x08);
	CU_ASSERT_EQUAL(irq_level, 1);
	out(MCR, 0x18); /* loopback disconnects the line too */
	CU_ASSERT_EQUAL(irq_level, 0);
}

static void test_typeahead_survives_startup(void)
{
	uint8_t typed[300];
	setup();
	for (unsigned i = 0; i < sizeof(typed); i++)
		typed[i] = (uint8_t)(i * 7 + 1);
	CU_ASSERT_EQUAL(uart16550_receive(&uart, typed, sizeof(typed)), sizeof(typed));
	/* Nothing reaches the receiver before IER.RDI. */
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0);
	/* Linux's autoconfig probes IER with 0x0F for a moment, OUT2 clear:
	 * the receive interrupt cannot reach the CPU, so nothing comes. */
	out(IER, 0);
	out(IER, 0x0F);
	CU_ASSERT_EQUAL(in(IER), 0x0F);
	out(IER, 0);
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0);
	CU_ASSERT_EQUAL(uart16550_queued(&uart), sizeof(typed));
	/* serial8250_do_startup: clear FIFOs, drain RX/LSR/IIR/MSR. */
	out(IIR, 0x01);
	out(IIR, 0x07);
	out(IIR, 0);
	in(LSR);
	in(RBR);
	in(IIR);
	in(MSR);
	out(LCR, 0x03);
	out(MCR, 0x0B);
	/* Linux then runs the autoconfig-style loopback probe on open. */
	out(MCR, 0x1A);
	CU_ASSERT_EQUAL(in(MSR)&0xF0, 0x90);
	out(MCR, 0x0B);
	out(IIR, 0x81); /* set_termios: FIFOs on, trigger 8 */
	out(IER, 0x05); /* RLSI | RDI: now the bytes may come */
	CU_ASSERT_EQUAL(irq_level, 1);
	CU_ASSERT_EQUAL(in(IIR), 0xC4); /* 16 >= trigger 8 */
	unsigned got = 0;
	for (int guard = 0; guard < 1000 && (in(LSR)&0x01); guard++) {
		uint8_t b = in(RBR);
		CU_ASSERT_EQUAL_FATAL(b, typed[got]);
		got++;
	}
	CU_ASSERT_EQUAL(got, sizeof(typed));
	CU_ASSERT_EQUAL(uart16550_queued(&uart), 0);
	CU_ASSERT_EQUAL(in(IIR), 0xC1);
	CU_ASSERT_EQUAL(irq_level, 0);
	CU_ASSERT_EQUAL(uart16550_refused(&uart), 0);
}

static void test_fifo_clear_after_rdi_keeps_queue(void)
{
	uint8_t typed[40];
	setup();
	for (unsigned i = 0; i < sizeof(typed); i++)
		typed[i] = (uint8_t)('A' + i);
	uart16550_receive(&uart, typed, sizeof(typed));
	out(IIR, 0x01);
	out(MCR, 0x08); /* OUT2: the interrupt reaches the PIC */
	out(IER, 0x01);
	/* The FIFO holds 16 of them, the queue the other 24. */
	CU_ASSERT_EQUAL(uart16550_queued(&uart), 24);
	CU_ASSERT_EQUAL(in(RBR), 'A');
	CU_ASSERT_EQUAL(in(RBR), 'B');
	CU_ASSERT_EQUAL(uart16550_queued(&uart), 22); /* refilled as read */
	/* Non-FIFO mode: the switch clears the FIFO, and its 14 unread bytes
	 * go back to the queue; then one byte at a time, none lost. */
	out(IIR, 0x00);
	for (unsigned i = 0; i < 38; i++) {
		CU_ASSERT_EQUAL_FATAL(in(LSR)&0x03, 0x01);
		CU_ASSERT_EQUAL(in(IIR), 0x04);
		CU_ASSERT_EQUAL(in(RBR), typed[2 + i]);
	}
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0);
}

/* Linux's 8250 start-up: RDI enabled while the FIFO is off (one byte
 * fed into the holding register), then the FIFO switched on, which clears
 * it: the byte goes back to the queue, nothing typed is lost. */
static void test_fifo_switch_returns_unread(void)
{
	static const uint8_t typed[] = "echo hi\n";
	setup();
	uart16550_receive(&uart, typed, sizeof(typed) - 1);
	out(MCR, 0x0B);
	out(IER, 0x05);
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0x01); /* 'e' waits in RBR */
	CU_ASSERT_EQUAL(uart16550_queued(&uart), sizeof(typed) - 2);
	out(IIR, 0x01); /* FIFO on: clears, and the 'e' goes back */
	out(IIR, 0x81);
	for (unsigned i = 0; i < sizeof(typed) - 1; i++) {
		CU_ASSERT_EQUAL_FATAL(in(LSR)&0x01, 0x01);
		CU_ASSERT_EQUAL(in(RBR), typed[i]);
	}
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0);
	/* Looped-back bytes are the guest's own: a clear drops them. */
	out(MCR, 0x1B);
	out(RBR, 'L');
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0x01);
	out(IIR, 0x83);
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0);
	CU_ASSERT_EQUAL(uart16550_queued(&uart), 0);
}

static void test_queue_full_reports(void)
{
	static uint8_t big[5000];
	setup();
	memset(big, 'z', sizeof(big));
	CU_ASSERT_EQUAL(uart16550_receive(&uart, big, sizeof(big)), UART16550_QUEUE);
	CU_ASSERT_EQUAL(uart16550_refused(&uart), sizeof(big) - UART16550_QUEUE);
	CU_ASSERT_EQUAL(uart16550_receive(&uart, big, 1), 0);
	CU_ASSERT_EQUAL(uart16550_refused(&uart), sizeof(big) - UART16550_QUEUE + 1);
	/* Draining makes room again. */
	out(IIR, 0x01);
	out(MCR, 0x08);
	out(IER, 0x01);
	for (int i = 0; i < 16; i++)
		in(RBR);
	CU_ASSERT_EQUAL(uart16550_queued(&uart), UART16550_QUEUE - 32);
	CU_ASSERT_EQUAL(uart16550_receive(&uart, big, 100), 32);
}

static void test_loopback(void)
{
	static const uint8_t pending[] = "typed";
	setup();
	uart16550_receive(&uart, pending, 5);
	out(IIR, 0x07);
	out(MCR, 0x10);
	out(IER, 0x01); /* RDI set, but loopback: queue must stay out */
	CU_ASSERT_EQUAL(uart16550_queued(&uart), 5);
	for (int i = 0; i < 17; i++)
		out(RBR, (uint8_t)(0x30 + i));
	CU_ASSERT_EQUAL(ntx, 0); /* nothing went to the terminal */
	uint8_t lsr = in(LSR);
	CU_ASSERT_EQUAL(lsr & 0x03, 0x03); /* DR and OE: the 17th was lost */
	CU_ASSERT_EQUAL(in(LSR)&0x02, 0);  /* OE clears on read */
	for (int i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(in(RBR), 0x30 + i);
	CU_ASSERT_EQUAL(in(LSR)&0x01, 0);
	/* Leaving loopback releases the typed bytes. */
	out(MCR, 0x0B);
	CU_ASSERT_EQUAL(in(RBR), 't');
}

static void test_interrupt_priority(void)
{
	setup();
	out(IIR, 0x01);
	out(MCR, 0x10);
	out(IER, 0x0F);
	for (int i = 0; i < 17; i++)
		out(RBR, 'x');		/* overrun */
	CU_ASSERT_EQUAL(in(IIR), 0xC6); /* line status first */
	in(LSR);
	CU_ASSERT_EQUAL(in(IIR), 0xC4); /* then received data */
	for (int i = 0; i < 16; i++)
		in(RBR);
	CU_ASSERT_EQUAL(in(IIR), 0xC2); /* then THRE */
	out(MCR, 0x1F);			/* modem lines change in loopback */
	CU_ASSERT_EQUAL(in(IIR), 0xC0); /* then modem status */
	uint8_t msr = in(MSR);
	CU_ASSERT_EQUAL(msr, 0xF0 | 0x0B); /* CTS DSR RI DCD; deltas but TERI */
	CU_ASSERT_EQUAL(in(IIR), 0xC1);
	/* Below the trigger level: character timeout. */
	out(IIR, 0xC1); /* trigger 14 */
	out(RBR, 'y');
	CU_ASSERT_EQUAL(in(IIR), 0xCC);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
	return unit_rand(&rng);
}

static void test_hostile_random(void)
{
	uint8_t junk[64];
	setup();
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		unsigned off = r & 7, size = 1u << ((r >> 3) % 3);
		uint32_t v;
		if (r & 0x100)
			vdev_pio_out(&bus, (uint16_t)(COM1 + off), size, (uint32_t)(r >> 32), 0);
		else
			vdev_pio_in(&bus, (uint16_t)(COM1 + off), size, &v, 0);
		if ((r & 0xFFF) == 0) {
			memset(junk, (int)r, sizeof(junk));
			uart16550_receive(&uart, junk, (r >> 16) % sizeof(junk));
		}
		CU_ASSERT_FATAL(uart.rx_count <= UART16550_FIFO);
		CU_ASSERT_FATAL(uart.q_count <= UART16550_QUEUE);
		CU_ASSERT_FATAL((uart.lsr & 0x60) == 0x60);
	}
	/* It still works afterwards. */
	out(LCR, 0x03);
	out(MCR, 0x03);
	out(IER, 0);
	ntx = 0;
	out(RBR, 'k');
	CU_ASSERT_EQUAL(ntx, 1);
}

/* The bus itself: unclaimed ports, splitting, registration checks. */
static void test_bus(void)
{
	uint32_t v;
	setup();
	CU_ASSERT_FALSE(vdev_pio_in(&bus, 0x2F8, 1, &v, 0));
	CU_ASSERT_EQUAL(v, 0xFF);
	CU_ASSERT_FALSE(vdev_pio_in(&bus, 0x2F8, 2, &v, 0));
	CU_ASSERT_EQUAL(v, 0xFFFF);
	CU_ASSERT_FALSE(vdev_pio_in(&bus, 0x2F8, 4, &v, 0));
	CU_ASSERT_EQUAL(v, 0xFFFFFFFF);
	CU_ASSERT_FALSE(vdev_pio_in(&bus, COM1, 3, &v, 0));
	CU_ASSERT_EQUAL(v, 0xFFFFFFFF);
	CU_ASSERT_FALSE(vdev_pio_out(&bus, 0x2F8, 1, 0, 0));
	CU_ASSERT_FALSE(vdev_pio_out(&bus, COM1, 0, 0, 0));
	/* A 16-bit write to SCR-1 (MSR, ignored) and SCR; a 32-bit read
	 * across the end of the UART: the byte past it reads 0xFF. */
	CU_ASSERT_TRUE(vdev_pio_out(&bus, COM1 + 6, 2, 0x7700, 0));
	CU_ASSERT_EQUAL(in(SCR), 0x77);
	CU_ASSERT_TRUE(vdev_pio_in(&bus, COM1 + 6, 4, &v, 0));
	CU_ASSERT_EQUAL(v >> 8, 0xFFFF77);
	/* Overlaps and bad ranges are refused. */
	CU_ASSERT_EQUAL(vdev_bus_register(&bus, COM1 + 7, 1, 0, NULL, NULL, NULL, "x"), -1);
	CU_ASSERT_EQUAL(vdev_bus_register(&bus, COM1 - 1, 2, 0, NULL, NULL, NULL, "x"), -1);
	CU_ASSERT_EQUAL(vdev_bus_register(&bus, 0xFFFF, 2, 0, NULL, NULL, NULL, "x"), -1);
	CU_ASSERT_EQUAL(vdev_bus_register(&bus, 0x100, 0, 0, NULL, NULL, NULL, "x"), -1);
	CU_ASSERT_EQUAL(vdev_bus_register(&bus, 0xFFFF, 1, 0, NULL, NULL, NULL, "x"), 0);
	/* A range with no handlers reads all-ones, swallows writes. */
	CU_ASSERT_TRUE(vdev_pio_in(&bus, 0xFFFF, 2, &v, 0));
	CU_ASSERT_EQUAL(v, 0xFFFF);
	/* Table full. */
	for (unsigned i = bus.n; i < VDEV_BUS_MAX_RANGES; i++)
		CU_ASSERT_EQUAL(vdev_bus_register(&bus, (uint16_t)(0x1000 + i), 1, 0, NULL, NULL,
						  NULL, "f"),
				0);
	CU_ASSERT_EQUAL(vdev_bus_register(&bus, 0x2000, 1, 0, NULL, NULL, NULL, "f"), -1);
}

static CU_TestInfo uart_tests[] = {
	{ "reset state", test_reset_state },
	{ "Linux 8250 autoconfig probe", test_linux_autoconfig },
	{ "divisor latch, divisor 0", test_divisor_latch },
	{ "THRE interrupt semantics", test_thre_interrupt },
	{ "OUT2 and loopback gate the IRQ line", test_out2_gates_irq },
	{ "typed-ahead input survives driver start-up", test_typeahead_survives_startup },
	{ "queue refills FIFO, 16450 mode", test_fifo_clear_after_rdi_keeps_queue },
	{ "full queue refuses and counts", test_queue_full_reports },
	{ "a FIFO clear gives unread typed bytes back", test_fifo_switch_returns_unread },
	{ "loopback echoes, overruns, holds input", test_loopback },
	{ "interrupt priorities", test_interrupt_priority },
	{ "random port hammering", test_hostile_random },
	{ "port bus", test_bus },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE(vdev_uart, uart_tests);
