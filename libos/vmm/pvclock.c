/*
 * pvclock.c - a paravirtual clock for the guest: KVM's clock ABI
 * (Linux's Documentation/virt/kvm/x86/cpuid.rst and msr.rst, "kvmclock"),
 * the interface Linux guests read their clock and the TSC's frequency
 * from when they find the "KVMKVMKVM" hypervisor leaves.
 *
 * Why a VMM on the exokernel offers it: Linux calibrates the TSC against
 * the PIT or the ACPI PM timer in tight loops of port reads, and gives up
 * when a read takes more than a few microseconds; here every port read is
 * a #VMEXIT, about 40 µs under QEMU's TCG. Without a known TSC frequency
 * Linux marks the TSC unstable and keeps time with the PM timer, one exit
 * per clock read. With this clock it needs no calibration and reads time
 * without exits.
 *
 * Offered: CPUID 0x40000000 (the signature, leaves up to 0x40000001) and
 * 0x40000001 (EAX: KVM_FEATURE_CLOCKSOURCE2 and
 * KVM_FEATURE_CLOCKSOURCE_STABLE_BIT, nothing else); the MSRs
 * MSR_KVM_WALL_CLOCK_NEW (0x4b564d00: the guest names a struct
 * pvclock_wall_clock, which gets the wall time at guest time 0) and
 * MSR_KVM_SYSTEM_TIME_NEW (0x4b564d01: bit 0 enables, the rest is the
 * 4-byte aligned address of the vCPU's struct pvclock_vcpu_time_info). The
 * host TSC runs at a constant rate, so the time structure is written once
 * per enable (and again if the guest writes its TSC) and flagged stable.
 */
#include <string.h>
#include <time.h>

#include "vm_int.h"

#define KVM_SIGNATURE		 "KVMKVMKVM\0\0\0"
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_STABLE_BIT	 (1u << 24)
#define PVCLOCK_TSC_STABLE_BIT	 (1u << 0)

/* The structures the guest names (Linux's asm/pvclock-abi.h). */
struct pvclock_vcpu_time_info {
	uint32_t version; /* odd while an update is in progress */
	uint32_t pad0;
	uint64_t tsc_timestamp; /* guest TSC at system_time */
	uint64_t system_time;	/* guest ns */
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock_vcpu_time_info");

struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
} __attribute__((packed));

void pvclock_cpuid(uint32_t leaf, uint32_t r[4])
{
	r[0] = r[1] = r[2] = r[3] = 0;
	if (leaf == PVCLOCK_CPUID_BASE) {
		r[0] = PVCLOCK_CPUID_BASE + 1;
		memcpy(&r[1], KVM_SIGNATURE, 4);
		memcpy(&r[2], KVM_SIGNATURE + 4, 4);
		memcpy(&r[3], KVM_SIGNATURE + 8, 4);
	} else if (leaf == PVCLOCK_CPUID_BASE + 1) {
		r[0] = KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_STABLE_BIT;
	}
}

/* Write len bytes of guest RAM at gpa as the VMM (0, or -1 if not RAM). */
static int put(struct vcpu *c, uint64_t gpa, const void *buf, size_t len)
{
	if (!gpa_is_ram(c->vm, gpa, len) || (gpa & (PAGE - 1)) + len > PAGE)
		return -1;
	memcpy(c->vm->ram + gpa, buf, len);
	if (!c->vm->cfg->npt)
		shadow_write(c, gpa, len);
	return 0;
}

/* ns = ((tsc delta << shift) * mul) >> 32, shift negative = right shift:
 * mul/shift so that tsc_hz ticks make 10^9 ns. */
static void scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift)
{
	int s = 0;
	uint64_t base = tsc_hz;
	while (base > 2 * VDEV_NS_PER_S)
		base >>= 1, s--;
	while (base <= VDEV_NS_PER_S)
		base <<= 1, s++;
	*mul = (uint32_t)((VDEV_NS_PER_S << 32) / base);
	*shift = (int8_t)s;
}

/* Publish the vCPU's time structure, if the guest enabled one. */
void pvclock_publish(struct vcpu *c)
{
	if (!(c->pvclock & 1))
		return;
	uint64_t host;
	__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(host)::"rdx");
	struct vm *vm = c->vm;
	struct pvclock_vcpu_time_info t = {
		.version = 2,
		.tsc_timestamp = host + c->st->vmcb.control.tsc_offset,
		.system_time = (uint64_t)((unsigned __int128)(host - vm->tsc0) * VDEV_NS_PER_S /
					  vm->tsc_hz),
		.flags = PVCLOCK_TSC_STABLE_BIT,
	};
	uint32_t mul;
	int8_t shift;
	scale(vm->tsc_hz, &mul, &shift);
	t.tsc_to_system_mul = mul, t.tsc_shift = shift;
	if (put(c, c->pvclock & ~3ull, &t, sizeof(t)) < 0)
		c->pvclock = 0; /* outside RAM: the guest gets no clock */
}

int pvclock_msr(struct vcpu *c, uint32_t msr, uint64_t *v, bool write)
{
	if (!write) {
		*v = msr == PVCLOCK_MSR_SYSTEM_TIME ? c->pvclock : 0;
		return 0;
	}
	if (msr == PVCLOCK_MSR_SYSTEM_TIME) {
		c->pvclock = *v & ~2ull;
		pvclock_publish(c);
		return 0;
	}
	/* The wall clock at guest time 0. */
	uint64_t now = vm_now_ns(c->vm);
	uint64_t wall = (uint64_t)time(NULL) * VDEV_NS_PER_S;
	uint64_t boot = wall > now ? wall - now : 0;
	struct pvclock_wall_clock w = { .version = 2,
					.sec = (uint32_t)(boot / VDEV_NS_PER_S),
					.nsec = (uint32_t)(boot % VDEV_NS_PER_S) };
	put(c, *v, &w, sizeof(w)); /* outside RAM: nothing written, as KVM */
	return 0;
}
