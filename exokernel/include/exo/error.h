/*
 * error.h - the closed set of errors every exokernel call may return.
 *
 * A call returns a non-negative result on success and the negated value of
 * one of these codes on failure (like NOVA's Status or seL4's seL4_Error:
 * one small enum, no third convention). The UNIX library OS translates them
 * to negative errno at its own edge. docs/abi.md lists which codes each call
 * returns and when.
 */
#ifndef EXO_ERROR_H
#define EXO_ERROR_H

enum exo_error {
	EXO_OK = 0,
	EXO_EINVAL = 1,	  /* an argument is malformed: unaligned, out of range, unknown flag */
	EXO_EFAULT = 2,	  /* a buffer is not mapped user memory with the needed access */
	EXO_EPERM = 3,	  /* the caller lacks the right (ownership, grant or capability) */
	EXO_ENOMEM = 4,	  /* no free frame, or the caller's kernel-memory quota is spent */
	EXO_EBADENV = 5,  /* the env id names no live environment (stale or never valid) */
	EXO_ENOSYS = 6,	  /* no exokernel call has this number */
	EXO_EBUSY = 7,	  /* the resource is taken (a specific frame already owned) */
	EXO_EAGAIN = 8,	  /* nothing to return now; the call would have to block */
	EXO_ERANGE = 9,	  /* a length or count exceeds its documented limit */
	EXO_ENOTSUP = 10, /* the machine lacks what the call needs (e.g. no ACPI S5) */
	EXO_EIO = 11,	  /* the device reported an error; the data may be partly moved */
	EXO_NERRORS
};

/* A short lowercase name for an error code, for messages. */
static inline const char *exo_strerror(long e)
{
	static const char *const names[] = {
		"ok",
		"invalid argument",
		"bad address",
		"permission denied",
		"out of memory",
		"bad environment",
		"no such call",
		"busy",
		"try again",
		"out of range",
		"not supported",
		"i/o error",
	};
	if (e < 0)
		e = -e;
	return e < EXO_NERRORS ? names[e] : "unknown error";
}

#endif
