/*
 * test_x86emu_mock.h - a mock guest for the x86 emulator tests: 2 MiB of RAM
 * at linear address 0, an MMIO window that logs accesses, a configurable
 * range that page-faults, an I/O port log, and an optional compare-
 * exchange that can simulate a racing writer.
 */
#ifndef X86EMU_MOCK_H
#define X86EMU_MOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "emu/x86emu.h"

#define MOCK_RAM  0x200000u
#define MOCK_MMIO 0xfee00000u /* 4 KiB window; reads return 0xa5 bytes */

struct mock {
	uint8_t *ram;
	uint64_t fault_lo, fault_hi; /* linear range that raises #PF */
	uint64_t nofetch_lo, nofetch_hi;
	unsigned nread, nwrite, nfetch, ncmpxchg;
	uint64_t last_mmio_addr;
	uint64_t last_mmio_val;
	unsigned last_mmio_len;
	unsigned races; /* the next cmpxchg calls see memory change first */
	uint16_t ports[64];
	uint32_t port_vals[64];
	unsigned nports;
	uint32_t in_val; /* value io_in returns (then incremented) */
	bool port_fault;
};

static inline int mock_pf(struct x86emu_fault *f, uint64_t la, uint32_t ec)
{
	f->vector = X86EMU_VEC_PF;
	f->has_error_code = true;
	f->error_code = ec;
	f->cr2 = la;
	return -1;
}

static inline int mock_check(struct mock *m, uint64_t la, size_t len, uint32_t ec,
			     struct x86emu_fault *f)
{
	uint64_t end = la + len;

	if (la < m->fault_hi && end > m->fault_lo)
		return mock_pf(f, la < m->fault_lo ? m->fault_lo : la, ec);
	if ((ec & 0x10) && la < m->nofetch_hi && end > m->nofetch_lo)
		return mock_pf(f, la, ec | 1);
	if (la >= MOCK_MMIO && end <= MOCK_MMIO + 4096)
		return 1;
	if (end > MOCK_RAM || end < la)
		return mock_pf(f, la, ec);
	return 0;
}

static inline int mock_read(void *ctx, uint64_t la, void *buf, size_t len, unsigned flags,
			    struct x86emu_fault *f)
{
	struct mock *m = ctx;
	int r = mock_check(m, la, len, (flags & X86EMU_ACC_FETCH) ? 0x10 : 0, f);

	if (flags & X86EMU_ACC_FETCH)
		m->nfetch++;
	else
		m->nread++;
	if (r < 0)
		return -1;
	if (r == 1) {
		memset(buf, 0xa5, len);
		m->last_mmio_addr = la;
		m->last_mmio_len = (unsigned)len;
		return 0;
	}
	memcpy(buf, m->ram + la, len);
	return 0;
}

static inline int mock_write(void *ctx, uint64_t la, const void *buf, size_t len,
			     struct x86emu_fault *f)
{
	struct mock *m = ctx;
	int r = mock_check(m, la, len, 2, f);

	m->nwrite++;
	if (r < 0)
		return -1;
	if (r == 1) {
		m->last_mmio_addr = la;
		m->last_mmio_len = (unsigned)len;
		m->last_mmio_val = 0;
		memcpy(&m->last_mmio_val, buf, len < 8 ? len : 8);
		return 0;
	}
	memcpy(m->ram + la, buf, len);
	return 0;
}

static inline int mock_cmpxchg(void *ctx, uint64_t la, void *old, const void *new, size_t len,
			       struct x86emu_fault *f)
{
	struct mock *m = ctx;
	int r = mock_check(m, la, len, 2, f);

	m->ncmpxchg++;
	if (r < 0)
		return -1;
	if (r == 1)
		return mock_pf(f, la, 2); /* no atomics on MMIO in this mock */
	if (m->races) {
		m->races--;
		m->ram[la] ^= 0x80; /* another vCPU got there first */
	}
	if (memcmp(m->ram + la, old, len) == 0) {
		memcpy(m->ram + la, new, len);
	} else {
		memcpy(old, m->ram + la, len);
	}
	return 0;
}

static inline int mock_in(void *ctx, uint16_t port, unsigned size, uint32_t *val,
			  struct x86emu_fault *f)
{
	struct mock *m = ctx;

	if (m->port_fault) {
		f->vector = X86EMU_VEC_GP;
		f->has_error_code = true;
		f->error_code = 0;
		return -1;
	}
	*val = m->in_val++ & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
	if (m->nports < 64)
		m->ports[m->nports++] = port;
	return 0;
}

static inline int mock_out(void *ctx, uint16_t port, unsigned size, uint32_t val,
			   struct x86emu_fault *f)
{
	struct mock *m = ctx;

	(void)size;
	if (m->port_fault) {
		f->vector = X86EMU_VEC_GP;
		f->has_error_code = true;
		f->error_code = 0;
		return -1;
	}
	if (m->nports < 64) {
		m->ports[m->nports] = port;
		m->port_vals[m->nports++] = val;
	}
	return 0;
}

#endif
