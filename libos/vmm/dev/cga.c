/*
 * cga.c - CGA text-mode mirror and CRTC ports (see cga.h).
 *
 * The status register toggles on each read (display enable every read,
 * vertical retrace every second read), so a guest waiting for retrace to
 * begin or end makes progress without any notion of time.
 */
#include <string.h>

#include "dev/cga.h"

#define ST_DISPLAY_ENABLE 0x01
#define ST_VRETRACE	  0x08

void cga_init(struct cga *cga, cga_line_fn line, void *ctx)
{
	memset(cga, 0, sizeof(*cga));
	cga->line = line;
	cga->ctx = ctx;
	memset(cga->shadow, ' ', sizeof(cga->shadow));
	cga->mode = 0x29; /* 80x25 text, video on, blink */
}

int cga_attach(struct cga *cga, struct vdev_bus *bus)
{
	return vdev_bus_register(bus, 0x3D4, 7, 0, cga, cga_pio_in, cga_pio_out, "cga");
}

static uint8_t shown(uint8_t c)
{
	if (c == 0)
		return ' ';
	return c >= 0x20 && c < 0x7F ? c : '.';
}

unsigned cga_render(struct cga *cga, const uint8_t *vram)
{
	unsigned reported = 0;

	for (unsigned r = 0; r < CGA_ROWS; r++) {
		uint8_t row[CGA_COLS];
		for (unsigned c = 0; c < CGA_COLS; c++)
			row[c] = shown(vram[(r * CGA_COLS + c) * 2]);
		if (!(cga->dirty & (1u << r)) && memcmp(row, cga->shadow[r], CGA_COLS) == 0)
			continue;
		memcpy(cga->shadow[r], row, CGA_COLS);
		size_t len = CGA_COLS;
		while (len > 0 && row[len - 1] == ' ')
			len--;
		if (cga->line)
			cga->line(cga->ctx, r, (const char *)row, len);
		reported++;
	}
	cga->dirty = 0;
	return reported;
}

void cga_redraw(struct cga *cga)
{
	cga->dirty = (1u << CGA_ROWS) - 1;
}

uint16_t cga_cursor(const struct cga *cga)
{
	return (uint16_t)(cga->crtc[0x0E] << 8 | cga->crtc[0x0F]);
}

void cga_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns)
{
	struct cga *cga = dev;
	uint32_t v = 0xFF;
	(void)size;
	(void)now_ns;

	switch (port) {
	case 0x3D4:
		v = cga->crtc_index;
		break;
	case 0x3D5:
		v = cga->crtc[cga->crtc_index & 0x1F];
		break;
	case 0x3D8:
		v = cga->mode;
		break;
	case 0x3D9:
		v = cga->colour;
		break;
	case 0x3DA: {
		unsigned n = cga->status_reads++;
		v = (n & 1 ? ST_DISPLAY_ENABLE : 0) | (n & 2 ? ST_VRETRACE : 0);
		break;
	}
	default:
		break;
	}
	*val = v;
}

void cga_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns)
{
	struct cga *cga = dev;
	(void)now_ns;

	switch (port) {
	case 0x3D4:
		cga->crtc_index = (uint8_t)val;
		if (size >= 2)
			cga->crtc[cga->crtc_index & 0x1F] = (uint8_t)(val >> 8);
		break;
	case 0x3D5:
		cga->crtc[cga->crtc_index & 0x1F] = (uint8_t)val;
		break;
	case 0x3D8:
		cga->mode = (uint8_t)val;
		break;
	case 0x3D9:
		cga->colour = (uint8_t)val;
		break;
	default:
		break;
	}
}
