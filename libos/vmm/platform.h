/*
 * platform.h - the PC the guest sees (platform.c): the device models of
 * dev/ on one port bus, wired to the 8259A pair, and fed by the host's
 * console.
 */
#ifndef PLATFORM_H
#define PLATFORM_H

#include "dev/cga.h"
#include "dev/debugexit.h"
#include "dev/fwcfg.h"
#include "dev/i8042.h"
#include "dev/mc146818.h"
#include "dev/pic8259.h"
#include "dev/pit8254.h"
#include "dev/uart16550.h"
#include "dev/vdev.h"

struct vm;

struct platform {
	struct vdev_bus bus;
	struct pic8259 pic;
	struct pit8254 pit;
	struct uart16550 uart;
	struct mc146818 rtc;
	struct i8042 kbc;
	struct fwcfg fwcfg;
	struct debugexit dbgexit;
	struct cga cga;
	uint64_t cga_next_ns;	/* when to look at the text buffer again */
	bool escape;		/* Ctrl-] seen on the console: the next key is a command */
	uint64_t input_next_ns; /* when to ask the host for console input again */
};

int platform_init(struct vm *vm);
void platform_in(struct vm *vm, uint16_t port, unsigned size, uint32_t *val);
void platform_out(struct vm *vm, uint16_t port, unsigned size, uint32_t val);
/* Advance the timers to now_ns: raise what is due. */
void platform_update(struct vm *vm, uint64_t now_ns);
/* Guest time of the next timer event, or VDEV_NO_EVENT. */
uint64_t platform_next_event(struct vm *vm);
bool platform_irq_pending(struct vm *vm);
/* The INTA cycle: the vector to inject. */
int platform_irq_ack(struct vm *vm);
/* Move typed input to the UART; handle Ctrl-] x. */
void platform_poll_input(struct vm *vm);
/* Bring the terminal mirror of the CGA text buffer up to date. */
void platform_flush_screen(struct vm *vm);

#endif
