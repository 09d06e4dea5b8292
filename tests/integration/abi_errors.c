/*
 * abi_errors.c - every bad argument to the foundation's exokernel calls
 * returns its documented error, and the kernel keeps running with its
 * invariants intact.
 */
#include "testlib.h"

#define KERNEL_VA    0xffffffff80100000ULL
#define NONCANONICAL 0x0000800000000000ULL
#define SCRATCH_VA   0x10000000ULL

int main(void)
{
	static char buf[1024] = "abc";

	/* Console buffers: kernel, non-canonical, unmapped, wrapping. */
	CHECK_EQ(exo_cons_write((void *)KERNEL_VA, 4), -EXO_EFAULT);
	CHECK_EQ(exo_cons_write((void *)NONCANONICAL, 4), -EXO_EFAULT);
	CHECK_EQ(exo_cons_write((void *)SCRATCH_VA, 4), -EXO_EFAULT);
	CHECK_EQ(exo_cons_write((void *)0, 1), -EXO_EFAULT);
	CHECK_EQ(exo_cons_write(buf, ~0ULL), 512); /* served in part: CONS_CHUNK */
	CHECK_EQ(exo_cons_write((char *)EXO_USTACK_TOP - 8, 16),
		 -EXO_EFAULT); /* runs off the stack */
	CHECK_EQ(exo_cons_read((void *)KERNEL_VA, 4), -EXO_EFAULT);
	CHECK_EQ(exo_cons_read((void *)0x400000, 4), -EXO_EFAULT); /* read-only text */
	CHECK_EQ(exo_cons_write(buf, 0), 0);

	/* Unknown call numbers. */
	CHECK_EQ(exo_syscall6(EXO_NCALLS, 0, 0, 0, 0, 0, 0), -EXO_ENOSYS);
	CHECK_EQ(exo_syscall6(~0ULL, 0, 0, 0, 0, 0, 0), -EXO_ENOSYS);

	/* Frames. */
	long f = exo_frame_alloc(EXO_FRAME_ANY, 0);
	CHECK(f > 0);
	CHECK_EQ(exo_frame_alloc(EXO_FRAME_ANY, 1), -EXO_EINVAL); /* unknown flag */
	CHECK_EQ(exo_frame_alloc(f, 0), -EXO_EBUSY);		  /* already ours */
	CHECK_EQ(exo_frame_alloc(1ULL << 40, 0), -EXO_EINVAL);	  /* past RAM */
	CHECK_EQ(exo_frame_alloc(0x100, 0), -EXO_EINVAL);	  /* kernel image */
	CHECK_EQ(exo_frame_free(0x100), -EXO_EPERM);		  /* not ours */
	CHECK_EQ(exo_frame_free(1ULL << 40), -EXO_EINVAL);

	/* Mappings. */
	uint64_t rw = EXO_PERM_R | EXO_PERM_W;
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SCRATCH_VA + 1, f, rw), -EXO_EINVAL); /* unaligned */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, KERNEL_VA, f, rw), -EXO_EINVAL);	 /* kernel va */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, NONCANONICAL, f, rw), -EXO_EINVAL);	 /* non-canonical */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, 0, f, rw), -EXO_EINVAL);		 /* page 0 */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SCRATCH_VA, f, 0), -EXO_EINVAL);	 /* no R */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SCRATCH_VA, f, rw | 0x80), -EXO_EINVAL); /* bad bit */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SCRATCH_VA, 1ULL << 40, rw), -EXO_EINVAL);
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SCRATCH_VA, 0x100, rw), -EXO_EPERM); /* kernel frame */
	CHECK_EQ(exo_page_map(12345, SCRATCH_VA, f, rw), -EXO_EBADENV);		/* bad handle */
	CHECK_EQ(exo_page_unmap(EXO_AS_SELF, SCRATCH_VA), -EXO_EINVAL);		/* not mapped */

	/* A good mapping works, and a mapped frame cannot be freed. */
	CHECK_EQ(exo_page_map(EXO_AS_SELF, SCRATCH_VA, f, rw), 0);
	volatile uint64_t *p = (uint64_t *)SCRATCH_VA;
	*p = 0x1234;
	CHECK_EQ(*p, 0x1234);
	CHECK_EQ(exo_frame_free(f), -EXO_EBUSY);
	CHECK_EQ(exo_cons_write((void *)SCRATCH_VA, 0), 0);
	CHECK_EQ(exo_invariant_check(), 0);
	CHECK_EQ(exo_page_unmap(EXO_AS_SELF, SCRATCH_VA), 0);
	CHECK_EQ(exo_frame_free(f), 0);
	CHECK_EQ(exo_frame_free(f), -EXO_EPERM); /* freed: no longer ours */

	/* Environments. */
	CHECK_EQ(exo_env_destroy(12345), -EXO_EBADENV);
	CHECK_EQ(exo_env_destroy(1ULL << 40), -EXO_EBADENV);
	CHECK(exo_env_id() > 0);
	CHECK_EQ(exo_debug_exit(256), -EXO_EINVAL);

	CHECK_EQ(exo_invariant_check(), 0);
	test_pass();
}
