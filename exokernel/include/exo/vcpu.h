/*
 * exo/vcpu.h - the guest-context resource (AMD SVM): guest address spaces
 * and virtual CPUs, as a VMM environment sees them (docs/abi.md, calls
 * 49-54; docs/vmm.md).
 *
 * A guest address space (gas) is a page table the kernel keeps, of a
 * stated format, filled only through the mapping calls (exo_page_map and
 * exo_page_map_batch with as = EXO_AS_GAS(handle)) with frames the VMM
 * environment holds rights on. In shadow mode the guest runs on one as its
 * CR3; in nested mode one is its nested page table (nCR3). A vCPU is a
 * VMCB and a register save area in kernel frames; exo_vcpu_run copies in a
 * struct exo_vcpu_state, checks it, runs the guest until a #VMEXIT, and
 * copies the state back out.
 */
#ifndef EXO_VCPU_H
#define EXO_VCPU_H

#include <stdint.h>

#include <exo/vmcb.h>

/* Formats of a guest address space (exo_gas_create). */
#define EXO_GAS_LONG4 1 /* 4-level, 48-bit virtual: long mode shadows, nested tables */
#define EXO_GAS_PAE   2 /* PAE, 32-bit virtual: shadows of 32-bit, PAE and real-mode guests */

/* `as` argument of calls 7, 8, 22, 23 naming guest address space h. */
#define EXO_AS_GAS_BIT (1ull << 32)
#define EXO_AS_GAS(h)  (EXO_AS_GAS_BIT | (uint32_t)(h))

/* Extra mapping permission, only in a guest address space: the page is
 * reachable from guest CPL 3 (the U/S bit). Nested tables need it on every
 * page (the nested walk is a user access, APM vol. 2 §15.25.5). */
#define EXO_PERM_GUSER (1u << 4)

/* Most vCPUs one environment may have at once. */
#define EXO_VCPU_MAX 16
/* Most guest address spaces one environment may have at once. */
#define EXO_GAS_MAX 64

/* exo_vcpu_state.flags */
#define EXO_VCPU_NESTED (1u << 0) /* nested paging: gas is the nCR3 */

/*
 * What crosses exo_vcpu_run, both ways. vmcb holds the guest state and the
 * VMM's intercept choices; the kernel ORs in its forced intercepts and
 * overwrites the fields it owns (ASID, TLB control, permission-map
 * addresses, nCR3, clean bits, and in shadow mode CR3), so reading them
 * back shows what ran. gpr[] holds the general registers the VMCB does
 * not: indexed by register number (0 rax .. 15 r15); gpr[0] and gpr[4]
 * are ignored, rax and rsp live in vmcb.save.
 */
struct exo_vcpu_state {
	struct vmcb vmcb;
	uint64_t gpr[16];
	uint64_t xcr0;	 /* the guest's XCR0 (bit 0 set; a subset of the kernel's) */
	uint64_t gas;	 /* handle of the guest address space it runs on */
	uint64_t flags;	 /* EXO_VCPU_* */
	uint64_t cycles; /* out: TSC cycles of the last VMRUN..#VMEXIT */
	uint8_t pad[4096 - 16 * 8 - 4 * 8];
};
_Static_assert(sizeof(struct exo_vcpu_state) == 8192, "ABI: exo_vcpu_state");

/* Register numbers of gpr[]. */
enum {
	EXO_GPR_RAX,
	EXO_GPR_RCX,
	EXO_GPR_RDX,
	EXO_GPR_RBX,
	EXO_GPR_RSP,
	EXO_GPR_RBP,
	EXO_GPR_RSI,
	EXO_GPR_RDI,
	EXO_GPR_R8,
	EXO_GPR_R9,
	EXO_GPR_R10,
	EXO_GPR_R11,
	EXO_GPR_R12,
	EXO_GPR_R13,
	EXO_GPR_R14,
	EXO_GPR_R15,
};

/* MSRs a guest reads and writes without a #VMEXIT (all others exit): their
 * guest values are part of the state VMLOAD/VMSAVE switch. */
#define EXO_VCPU_SAFE_MSRS                                                             \
	{                                                                              \
		0xc0000081 /* STAR */, 0xc0000082 /* LSTAR */, 0xc0000083 /* CSTAR */, \
			0xc0000084 /* SFMASK */, 0xc0000100 /* FS_BASE */,             \
			0xc0000101 /* GS_BASE */, 0xc0000102 /* KERNEL_GS_BASE */,     \
			0x174 /* SYSENTER_CS */, 0x175 /* SYSENTER_ESP */,             \
			0x176 /* SYSENTER_EIP */                                       \
	}

#endif
