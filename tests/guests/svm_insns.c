/*
 * svm_insns - hostile instructions for the VMM's isolation tests. With
 * EFER.SVME off (the guest never sets it) every SVM instruction must raise
 * #UD (AMD APM vol. 3: VMRUN, VMLOAD, VMSAVE, CLGI, INVLPGA; STGI and
 * SKINIT also need CPUID SKINIT clear, else they are skipped; VMMCALL is
 * #UD when no hypervisor intercepts it). XSETBV with XCR0 bit 0 clear, or
 * of an undefined XCR, must raise #GP(0) (after CR4.OSXSAVE is set, if
 * CPUID has XSAVE). Unimplemented MSRs must raise #GP(0) on RDMSR and
 * WRMSR; QEMU 7.2 TCG reads them as 0 and ignores writes, so that is
 * accepted unless "strict" is on the command line (README.md).
 */
#include "guest.h"

const char guest_name[] = "svm_insns";

static int strict;

#define INSN(name, bytes)                                                     \
	static void name(void *a)                                             \
	{                                                                     \
		(void)a;                                                      \
		__asm__ volatile(".byte " bytes ::"a"(0), "c"(0) : "memory"); \
	}
INSN(do_vmrun, "0x0f,0x01,0xd8")
INSN(do_vmmcall, "0x0f,0x01,0xd9")
INSN(do_vmload, "0x0f,0x01,0xda")
INSN(do_vmsave, "0x0f,0x01,0xdb")
INSN(do_stgi, "0x0f,0x01,0xdc")
INSN(do_clgi, "0x0f,0x01,0xdd")
INSN(do_skinit, "0x0f,0x01,0xde")
INSN(do_invlpga, "0x0f,0x01,0xdf")

static void expect_ud(const char *name, void (*fn)(void *))
{
	int t = catch_exception(fn, NULL);
	CHECK(t && last_trap.vector == 6, "%s: %s (vector %u), expected #UD", name,
	      t ? exc_name(last_trap.vector) : "no exception", t ? last_trap.vector : 0);
	say("%s: #UD", name);
}

static uint32_t xcr_index;
static uint64_t xcr_value;
static void do_xsetbv(void *a)
{
	(void)a;
	__asm__ volatile("xsetbv" ::"c"(xcr_index), "a"((uint32_t)xcr_value),
			 "d"((uint32_t)(xcr_value >> 32))
			 : "memory");
}

static uint64_t xgetbv(uint32_t idx)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}

static void expect_gp0(const char *what, void (*fn)(void *), void *arg)
{
	int t = catch_exception(fn, arg);
	CHECK(t && last_trap.vector == 13 && last_trap.err == 0,
	      "%s: %s (vector %u, error %x), expected #GP(0)", what,
	      t ? exc_name(last_trap.vector) : "no exception", t ? last_trap.vector : 0,
	      t ? last_trap.err : 0);
}

static uint32_t msr_index;
static uint64_t msr_value;
static void do_rdmsr(void *a)
{
	(void)a;
	msr_value = rdmsr(msr_index);
}
static void do_wrmsr(void *a)
{
	(void)a;
	wrmsr(msr_index, msr_value);
}

static void unimplemented_msr(uint32_t idx)
{
	msr_index = idx;
	msr_value = 0x1234;
	int t = catch_exception(do_rdmsr, NULL);
	if (t || strict) {
		CHECK(t && last_trap.vector == 13 && last_trap.err == 0,
		      "RDMSR %x: %s error %x, expected #GP(0)", idx,
		      t ? exc_name(last_trap.vector) : "no exception", t ? last_trap.err : 0);
		say("RDMSR %x: #GP(0)", idx);
	} else {
		CHECK(msr_value == 0, "RDMSR %x: no #GP and value %llx", idx, msr_value);
		say("RDMSR %x: no #GP, reads 0 (QEMU TCG behaviour; #GP(0) with strict)", idx);
	}
	msr_value = 0x5A5A5A5A;
	t = catch_exception(do_wrmsr, NULL);
	if (t || strict) {
		CHECK(t && last_trap.vector == 13 && last_trap.err == 0,
		      "WRMSR %x: %s error %x, expected #GP(0)", idx,
		      t ? exc_name(last_trap.vector) : "no exception", t ? last_trap.err : 0);
		say("WRMSR %x: #GP(0)", idx);
	} else {
		t = catch_exception(do_rdmsr, NULL);
		CHECK(!t && msr_value == 0, "WRMSR %x ignored, but it reads back %llx", idx,
		      msr_value);
		say("WRMSR %x: no #GP, ignored (QEMU TCG behaviour; #GP(0) with strict)", idx);
	}
}

void guest_main(const char *cmdline)
{
	strict = cmdline_value(cmdline, "strict") != NULL;
	uint64_t efer = rdmsr(MSR_EFER);
	CHECK(!(efer & EFER_SVME), "EFER.SVME is set at entry (EFER %llx)", efer);
	say("CPUID SVM %d, SKINIT %d; EFER %llx", cpuid_bit(0x80000001, 0, 2, 2),
	    cpuid_bit(0x80000001, 0, 2, 12), efer);
	expect_ud("VMRUN", do_vmrun);
	expect_ud("VMMCALL", do_vmmcall);
	expect_ud("VMLOAD", do_vmload);
	expect_ud("VMSAVE", do_vmsave);
	expect_ud("CLGI", do_clgi);
	expect_ud("INVLPGA", do_invlpga);
	if (!cpuid_bit(0x80000001, 0, 2, 12)) {
		expect_ud("STGI", do_stgi);
		expect_ud("SKINIT", do_skinit);
	} else {
		say("STGI, SKINIT: skipped (CPUID has SKINIT)");
	}
	CHECK(!(rdmsr(MSR_EFER) & EFER_SVME), "EFER.SVME set after the probes");

	if (cpuid_bit(1, 0, 2, 26)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		CHECK(cpuid_bit(1, 0, 2, 27), "CPUID.1:ECX.OSXSAVE does not follow CR4.OSXSAVE");
		uint64_t xcr0 = xgetbv(0);
		CHECK(xcr0 & 1, "XCR0 %llx without x87", xcr0);
		xcr_index = 0;
		xcr_value = 0;
		expect_gp0("XSETBV XCR0=0", do_xsetbv, NULL);
		xcr_value = 2;
		expect_gp0("XSETBV XCR0=2 (SSE without x87)", do_xsetbv, NULL);
		xcr_index = 0x55;
		xcr_value = 1;
		expect_gp0("XSETBV of XCR 0x55", do_xsetbv, NULL);
		xcr_index = 0;
		xcr_value = 1;
		CHECK(catch_exception(do_xsetbv, NULL) == 0, "XSETBV XCR0=1 faulted: %s",
		      exc_name(last_trap.vector));
		CHECK(xgetbv(0) == 1, "XCR0 %llx after writing 1", xgetbv(0));
		say("XSETBV: #GP(0) for invalid values, valid value accepted");
	} else {
		say("XSETBV: skipped (no XSAVE in CPUID)");
	}

	unimplemented_msr(0xC0010130);
	unimplemented_msr(0xC001FFF0);
	unimplemented_msr(0x00002FF0);
}
