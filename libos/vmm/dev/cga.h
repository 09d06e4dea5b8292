/*
 * cga.h - CGA/VGA colour text mode as a terminal mirror: the VMM maps
 * guest-physical 0xB8000 to ordinary RAM (80x25 cells of character +
 * attribute byte), and cga_render, given those 4000 bytes, reports each
 * row whose characters changed since the last call as a line of text.
 * Also the 6845 CRTC index/data ports (0x3D4/0x3D5; the cursor location
 * registers 0x0E/0x0F are what guests use), the mode and colour-select
 * registers (0x3D8/0x3D9, stored), and the status register 0x3DA.
 *
 * Sources: IBM Color/Graphics Monitor Adapter technical reference (text
 * buffer layout, ports 0x3D4-0x3DA, status bits 0 "display enable" and 3
 * "vertical retrace"); Motorola MC6845 CRTC datasheet (registers R0-R17,
 * R14/R15 cursor address).
 *
 * Attributes are ignored; characters outside printable ASCII are shown as
 * '.', and NUL as a space. Trailing spaces are trimmed. The CRTC start
 * address (R12/R13) is not applied: the mirror always shows the buffer
 * from its first cell.
 */
#ifndef VMM_DEV_CGA_H
#define VMM_DEV_CGA_H

#include "dev/vdev.h"

#define CGA_COLS       80
#define CGA_ROWS       25
#define CGA_VRAM_BYTES (CGA_COLS * CGA_ROWS * 2) /* 4000 */
#define CGA_VRAM_GPA   0xB8000

/* Row row (0-24) now reads text[0..len) (len <= 80; not NUL-terminated). */
typedef void (*cga_line_fn)(void *ctx, unsigned row, const char *text, size_t len);

struct cga {
	cga_line_fn line;
	void *ctx;
	uint8_t shadow[CGA_ROWS][CGA_COLS]; /* characters last reported */
	uint32_t dirty;			    /* rows to report regardless */
	uint8_t crtc_index;
	uint8_t crtc[32];
	uint8_t mode, colour;
	uint8_t status_reads;
};

/* line may be NULL. The mirror starts as a blank screen: the first render
 * reports only rows that are not blank. */
void cga_init(struct cga *cga, cga_line_fn line, void *ctx);

/* Register ports 0x3D4-0x3DA. Returns 0, or -1 (bus full/overlap). */
int cga_attach(struct cga *cga, struct vdev_bus *bus);

/* Port handlers. A 16-bit write to 0x3D4 writes index (low byte) and data
 * (high byte) at once, as guests' outw does. */
void cga_pio_in(void *dev, uint16_t port, unsigned size, uint32_t *val, uint64_t now_ns);
void cga_pio_out(void *dev, uint16_t port, unsigned size, uint32_t val, uint64_t now_ns);

/* Compare vram (CGA_VRAM_BYTES bytes, the guest's 0xB8000 page contents)
 * with the last report and call line for each changed row, top first.
 * Returns the number of rows reported. */
unsigned cga_render(struct cga *cga, const uint8_t *vram);

/* Report every row at the next cga_render (e.g. a terminal reattached). */
void cga_redraw(struct cga *cga);

/* Cursor location (CRTC R14:R15), a cell index 0..65535 (row * 80 + col
 * when the guest keeps it on screen). */
uint16_t cga_cursor(const struct cga *cga);

#endif
