/*
 * abi.h - the exokernel call table, declared once.
 *
 * Every exokernel call appears here exactly once as
 *
 *     X(number, name, nargs, type1, arg1, type2, arg2, ...)
 *
 * From this single table the kernel generates its dispatcher (sys_NAME
 * handlers, exokernel/syscall.c) and libexo generates its user-side stubs
 * (exo_NAME, libos/libexo/include/exo/calls.h). docs/abi.md has one section
 * per call with units, checks and errors.
 *
 * Calling convention (SYSCALL/SYSRET, AMD APM vol. 2 §6.1.1): call number
 * in rax, arguments in rdi, rsi, rdx, r10, r8, r9 (r10 instead of rcx,
 * which SYSCALL overwrites, as on Linux). The result comes back in rax:
 * >= 0 on success, -EXO_E* (exo/error.h) on failure. SYSCALL destroys rcx
 * and r11; the kernel preserves every other register, including the
 * x87/SSE/AVX state.
 *
 * Numbers are never reused: a removed call leaves a hole that returns
 * -EXO_ENOSYS.
 */
#ifndef EXO_ABI_H
#define EXO_ABI_H

#include <stdint.h>

#include <exo/types.h>
#include <exo/vcpu.h>

/* "Any frame" for exo_frame_alloc. */
#define EXO_FRAME_ANY (~0ULL)
/* The caller's own address space, for exo_page_map and friends. */
#define EXO_AS_SELF 0ULL
/* The caller itself, where an env id is expected. */
#define EXO_ENV_SELF 0ULL

#define EXO_CALLS(X)                                                                             \
	X(0, null, 0)                                                                            \
	X(1, cons_write, 2, const void *, buf, uint64_t, len)                                    \
	X(2, cons_read, 2, void *, buf, uint64_t, len)                                           \
	X(3, env_id, 0)                                                                          \
	X(4, env_destroy, 1, uint64_t, envid)                                                    \
	X(5, frame_alloc, 2, uint64_t, frame, uint64_t, flags)                                   \
	X(6, frame_free, 1, uint64_t, frame)                                                     \
	X(7, page_map, 4, uint64_t, as, uint64_t, va, uint64_t, frame, uint64_t, perm)           \
	X(8, page_unmap, 2, uint64_t, as, uint64_t, va)                                          \
	X(9, machine_poweroff, 0)                                                                \
	X(10, debug_exit, 1, uint64_t, code)                                                     \
	X(11, invariant_check, 0)                                                                \
	X(12, env_create, 1, uint64_t, kmem_bytes)                                               \
	X(13, env_set_status, 2, uint64_t, envid, uint64_t, status)                              \
	X(14, env_get_regs, 2, uint64_t, envid, struct exo_regs *, regs)                         \
	X(15, env_set_regs, 2, uint64_t, envid, const struct exo_regs *, regs)                   \
	X(16, env_set_entry, 4, uint64_t, envid, uint64_t, which, uint64_t, rip, uint64_t, rsp)  \
	X(17, env_grant_rights, 2, uint64_t, envid, uint64_t, rights)                            \
	X(18, env_revoke_rights, 2, uint64_t, envid, uint64_t, rights)                           \
	X(19, frame_grant, 3, uint64_t, frame, uint64_t, envid, uint64_t, perm)                  \
	X(20, frame_revoke, 2, uint64_t, frame, uint64_t, envid)                                 \
	X(21, frame_transfer, 2, uint64_t, frame, uint64_t, envid)                               \
	X(22, page_protect, 3, uint64_t, as, uint64_t, va, uint64_t, perm)                       \
	X(23, page_map_batch, 3, uint64_t, as, const struct exo_map_op *, ops, uint64_t, count)  \
	X(24, pct_call, 6, uint64_t, target, uint64_t, w0, uint64_t, w1, uint64_t, w2, uint64_t, \
	  w3, uint64_t, grant)                                                                   \
	X(25, pct_send, 6, uint64_t, target, uint64_t, w0, uint64_t, w1, uint64_t, w2, uint64_t, \
	  w3, uint64_t, grant)                                                                   \
	X(26, pct_reply, 4, uint64_t, w0, uint64_t, w1, uint64_t, w2, uint64_t, w3)              \
	X(27, pct_accept, 1, uint64_t, policy)                                                   \
	X(28, pct_wait, 0)                                                                       \
	X(29, yield, 1, uint64_t, envid)                                                         \
	X(30, slice_alloc, 2, uint64_t, cpu, uint64_t, index)                                    \
	X(31, slice_free, 1, uint64_t, slot)                                                     \
	X(32, wait, 4, const struct exo_pred_term *, terms, uint64_t, nterms, uint64_t, flags,   \
	  uint64_t, timeout_us)                                                                  \
	X(33, revoke_request, 3, uint64_t, envid, uint64_t, nframes, uint64_t, deadline_us)      \
	X(34, repossessed, 2, struct exo_repo_rec *, buf, uint64_t, max)                         \
	X(35, frame_guarantee, 2, uint64_t, frame, uint64_t, on)                                 \
	X(36, trace_read, 3, struct exo_trace_rec *, buf, uint64_t, max, uint64_t, after_seq)    \
	X(37, ctx_create, 2, uint64_t, rip, uint64_t, rsp)                                       \
	X(38, disk_info, 1, struct exo_disk_info *, info)                                        \
	X(39, disk_attach, 2, const struct exo_disk_key *, key, uint64_t, flags)                 \
	X(40, block_alloc, 2, uint64_t, block, uint64_t, flags)                                  \
	X(41, block_free, 1, uint64_t, block)                                                    \
	X(42, block_grant, 3, uint64_t, block, uint64_t, envid, uint64_t, perm)                  \
	X(43, block_revoke, 2, uint64_t, block, uint64_t, envid)                                 \
	X(44, disk_io, 2, const struct exo_disk_req *, reqs, uint64_t, count)                    \
	X(45, disk_type, 2, const void *, prog, uint64_t, ninsn)                                 \
	X(46, revoke_blocks, 3, uint64_t, envid, uint64_t, nblocks, uint64_t, deadline_us)       \
	X(47, swap_register, 2, uint64_t, first, uint64_t, count)                                \
	X(48, block_retype, 2, uint64_t, block, uint64_t, type)                                  \
	X(49, gas_create, 1, uint64_t, format)                                                   \
	X(50, gas_destroy, 1, uint64_t, gas)                                                     \
	X(51, vcpu_create, 1, uint64_t, flags)                                                   \
	X(52, vcpu_destroy, 1, uint64_t, vcpu)                                                   \
	X(53, vcpu_run, 2, uint64_t, vcpu, struct exo_vcpu_state *, state)                       \
	X(54, vcpu_kick, 1, uint64_t, vcpu)

/* One past the highest call number. */
#define EXO_NCALLS 55

/*
 * Helpers to turn "type, name" pairs into parameter lists and argument
 * lists, for the generators on both sides.
 */
#define EXO_PARAMS_0()					     void
#define EXO_PARAMS_1(t1, a1)				     t1 a1
#define EXO_PARAMS_2(t1, a1, t2, a2)			     t1 a1, t2 a2
#define EXO_PARAMS_3(t1, a1, t2, a2, t3, a3)		     t1 a1, t2 a2, t3 a3
#define EXO_PARAMS_4(t1, a1, t2, a2, t3, a3, t4, a4)	     t1 a1, t2 a2, t3 a3, t4 a4
#define EXO_PARAMS_5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) t1 a1, t2 a2, t3 a3, t4 a4, t5 a5
#define EXO_PARAMS_6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6

/* Arguments as uint64_t words (user side: what goes into registers). */
#define EXO_WORDS_0()
#define EXO_WORDS_1(t1, a1)		    (uint64_t)(a1)
#define EXO_WORDS_2(t1, a1, t2, a2)	    (uint64_t)(a1), (uint64_t)(a2)
#define EXO_WORDS_3(t1, a1, t2, a2, t3, a3) (uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3)
#define EXO_WORDS_4(t1, a1, t2, a2, t3, a3, t4, a4) \
	(uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3), (uint64_t)(a4)
#define EXO_WORDS_5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	(uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3), (uint64_t)(a4), (uint64_t)(a5)
#define EXO_WORDS_6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6)                     \
	(uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3), (uint64_t)(a4), (uint64_t)(a5), \
		(uint64_t)(a6)

/* Register words back to typed arguments (kernel side: w is uint64_t[6]). */
#define EXO_UNPACK_0(w)
#define EXO_UNPACK_1(w, t1, a1)			(t1)(w)[0]
#define EXO_UNPACK_2(w, t1, a1, t2, a2)		(t1)(w)[0], (t2)(w)[1]
#define EXO_UNPACK_3(w, t1, a1, t2, a2, t3, a3) (t1)(w)[0], (t2)(w)[1], (t3)(w)[2]
#define EXO_UNPACK_4(w, t1, a1, t2, a2, t3, a3, t4, a4) \
	(t1)(w)[0], (t2)(w)[1], (t3)(w)[2], (t4)(w)[3]
#define EXO_UNPACK_5(w, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	(t1)(w)[0], (t2)(w)[1], (t3)(w)[2], (t4)(w)[3], (t5)(w)[4]
#define EXO_UNPACK_6(w, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	(t1)(w)[0], (t2)(w)[1], (t3)(w)[2], (t4)(w)[3], (t5)(w)[4], (t6)(w)[5]

#endif
