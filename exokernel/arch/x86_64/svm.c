/*
 * svm.c - switching AMD SVM on (AMD APM vol. 2 §15.4): per CPU, EFER.SVME
 * and the host save area (VM_HSAVE_PA); once, the capabilities a guest may
 * use and the kernel's I/O and MSR permission maps. A CPU without SVM, or
 * with SVM disabled by firmware (VM_CR.SVMDIS), leaves svm_available false
 * and the guest calls return EXO_ENOTSUP.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/svm.h"
#include "pmap.h"

#define MSR_EFER	0xc0000080
#define MSR_VM_CR	0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define VM_CR_SVMDIS	(1u << 4)

bool svm_available;
struct sb_vmcb_host svm_caps;
uint64_t svm_iopm_pa, svm_msrpm_pa;
static uint8_t iopm[12288] __attribute__((aligned(4096)));
static uint8_t msrpm[8192] __attribute__((aligned(4096)));

static bool cpu_has_svm(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x8000000a)
		return false;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	return (c & (1u << 2)) && !(rdmsr(MSR_VM_CR) & VM_CR_SVMDIS);
}

/* CR4 and EFER bits a guest may set: the architectural base plus what
 * this CPU reports; never LA57 (the kernel's tables are 4-level). */
static void find_caps(void)
{
	uint32_t a, b, c, d, a7 = 0, b7 = 0, c7 = 0, d7;
	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7)
		cpuid(7, 0, &a7, &b7, &c7, &d7);
	cpuid(1, 0, &a, &b, &c, &d);
	uint64_t cr4 = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE |
		       X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR |
		       X86_CR4_OSXMMEXCPT;
	if (c & (1u << 17))
		cr4 |= X86_CR4_PCIDE;
	if (c & (1u << 26))
		cr4 |= X86_CR4_OSXSAVE;
	if (b7 & (1u << 0))
		cr4 |= X86_CR4_FSGSBASE;
	if (b7 & (1u << 7))
		cr4 |= X86_CR4_SMEP;
	if (b7 & (1u << 20))
		cr4 |= X86_CR4_SMAP;
	if (c7 & (1u << 2))
		cr4 |= X86_CR4_UMIP;
	if (c7 & (1u << 3))
		cr4 |= X86_CR4_PKE;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	uint64_t efer = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SVME;
	if (d & (1u << 25))
		efer |= X86_EFER_FFXSR;
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	uint8_t pa_bits = (uint8_t)a;
	cpuid(0x8000000a, 0, &a, &b, &c, &d);
	svm_caps = (struct sb_vmcb_host){
		.cr4_allowed = cr4,
		.efer_allowed = efer,
		.xcr0_allowed = fpu_xcr0() ? fpu_xcr0() : 1,
		.nested = d & 1,
		.flush_by_asid = d & (1u << 6),
		.pa_bits = pa_bits,
		.nasid = b,
	};
}

void svm_cpu_init(void)
{
	struct cpu *c = this_cpu();
	if (c->id == 0) {
		svm_available = cpu_has_svm();
		if (!svm_available)
			return;
		find_caps();
		sb_vmcb_fill_iopm(iopm);
		sb_vmcb_fill_msrpm(msrpm);
		svm_iopm_pa = virt_to_phys(iopm);
		svm_msrpm_pa = virt_to_phys(msrpm);
	} else if (!svm_available) {
		return;
	} else if (!cpu_has_svm()) {
		panic("CPU %u has no SVM, the bootstrap processor has", c->id);
	}
	void *hsave = kalloc_page(), *host = kalloc_page();
	if (!hsave || !host)
		panic("no memory for the SVM host save areas");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | X86_EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(hsave));
	c->svm_host = virt_to_phys(host);
}
