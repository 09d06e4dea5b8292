/*
 * cpuid_msr - informational: prints the CPUID leaves the guest sees and a
 * few MSRs, so a run under the VMM can be compared with bare QEMU by eye.
 * Its only check is that leaf 0 reports a maximum leaf of at least 1.
 */
#include "guest.h"

const char guest_name[] = "cpuid_msr";

static void leaf(uint32_t l, uint32_t sub)
{
	uint32_t r[4];
	cpuid(l, sub, r);
	printf("cpuid %08x.%u: eax %08x ebx %08x ecx %08x edx %08x\n", l, sub, r[0], r[1], r[2],
	       r[3]);
}

void guest_main(const char *cmdline)
{
	(void)cmdline;
	uint32_t r[4];
	cpuid(0, 0, r);
	char vendor[13];
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	say("vendor %s, max leaf %x", vendor, r[0]);
	CHECK(r[0] >= 1, "CPUID max leaf %u", r[0]);
	for (uint32_t l = 0; l <= r[0] && l <= 0x20; l++)
		leaf(l, 0);
	if (r[0] >= 7)
		leaf(7, 1);
	uint32_t emax = cpuid_max(0x80000000);
	for (uint32_t l = 0x80000000; l <= emax && l <= 0x80000021; l++)
		leaf(l, 0);
	printf("msr EFER %llx\n", rdmsr(MSR_EFER));
	printf("msr APIC_BASE %llx\n", rdmsr(0x1B));
	printf("msr PAT %llx\n", rdmsr(0x277));
	printf("cr0 %x cr4 %x\n", read_cr0(), read_cr4());
}
