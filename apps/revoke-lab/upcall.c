/*
 * upcall.c - the entry the kernel upcalls at for visible revocation
 * (EXO_ENTRY_REVOKE), the pattern of tests/integration/upcall_stub.h: save
 * the x87/SSE state below the frame, call lab_upcall(frame) in C on the
 * upcall stack, restore, and resume the interrupted context with libexo's
 * exo_upcall_resume, without entering the kernel.
 *
 * The upcall stack's frames are guaranteed (exo_frame_guarantee): the abort
 * protocol never repossesses them, so a libOS that is being repossessed
 * from can still take its upcalls.
 */
#include "lab.h"

/* At entry rsp = rdi = the 16-byte aligned frame (docs/abi.md "Upcalls");
 * 512 bytes below it hold the FXSAVE area, so the call sees rsp % 16 == 8
 * as a C function expects after its return address. rbx is callee-saved:
 * it keeps the frame across the call. */
__asm__(".text\n"
	".globl lab_upcall_entry\n"
	"lab_upcall_entry:\n"
	"	movq %rdi, %rbx\n"
	"	subq $512, %rsp\n"
	"	fxsave64 (%rsp)\n"
	"	cld\n"
	"	call lab_upcall\n"
	"	fxrstor64 (%rsp)\n"
	"	movq %rbx, %rdi\n"
	"	jmp exo_upcall_resume\n");

uint64_t lab_upcall_stack(uint64_t top, unsigned pages)
{
	for (unsigned i = 1; i <= pages; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
		if (f < 0 ||
		    exo_page_map(EXO_AS_SELF, top - i * EXO_PAGE_SIZE, (uint64_t)f,
				 EXO_PERM_R | EXO_PERM_W) < 0 ||
		    exo_frame_guarantee((uint64_t)f, 1) < 0)
			return 0;
	}
	return top;
}
