/*
 * devlib.c - what the device test guests share (guest.h): the local
 * APIC's registers, the disks' known contents, and a seeded generator.
 */
#include "guest.h"

uint32_t lapic_rd(uint32_t reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

void lapic_wr(uint32_t reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

int lapic_bit(uint32_t base, uint32_t v)
{
	return (lapic_rd(base + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

void disk_sector(uint8_t *p, char tag, uint32_t k)
{
	for (int i = 0; i < 32; i++, p += 16) {
		uint32_t n = k;
		p[0] = (uint8_t)tag;
		memcpy(p + 1, " sec ", 5);
		for (int d = 11; d >= 6; d--, n /= 10)
			p[d] = (uint8_t)('0' + n % 10);
		p[12] = ' ';
		p[13] = (uint8_t)('0' + i / 10);
		p[14] = (uint8_t)('0' + i % 10);
		p[15] = '\n';
	}
}

/* xorshift64* (Vigna), seeded through splitmix64. */
static uint64_t rng;

void rng_seed(uint64_t s)
{
	uint64_t z = s + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	rng = (z ^ (z >> 31)) | 1;
}

uint64_t rng_next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}
