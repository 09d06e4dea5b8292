/*
 * upcall_stub.h - a minimal upcall entry for tests that register kernel
 * upcalls (revocation, epilogue) directly: it saves the x87/SSE state,
 * calls test_upcall(frame) on the upcall stack, restores, and resumes the
 * interrupted context with libexo's exo_upcall_resume. Include it in one
 * file and define void test_upcall(struct exo_upcall_frame *f).
 */
#ifndef UPCALL_STUB_H
#define UPCALL_STUB_H

#include <exo/libexo.h>

void test_upcall(struct exo_upcall_frame *f);
void test_upcall_entry(void);

__asm__(".text\n"
	".globl test_upcall_entry\n"
	"test_upcall_entry:\n"
	"	movq %rdi, %rbx\n"
	"	subq $512, %rsp\n"
	"	fxsave64 (%rsp)\n"
	"	cld\n"
	"	call test_upcall\n"
	"	fxrstor64 (%rsp)\n"
	"	movq %rbx, %rdi\n"
	"	jmp exo_upcall_resume\n");

/* Map pages fresh frames at [top - pages * 4096, top), guarantee them
 * against repossession, and return top (an upcall stack). */
static inline uint64_t test_upcall_stack(uint64_t top, unsigned pages)
{
	for (unsigned i = 1; i <= pages; i++) {
		long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
		if (f < 0 ||
		    exo_page_map(EXO_AS_SELF, top - i * 4096ULL, f, EXO_PERM_R | EXO_PERM_W) < 0 ||
		    exo_frame_guarantee(f, 1) < 0)
			return 0;
	}
	return top;
}

#endif
