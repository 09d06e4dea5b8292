/*
 * errno_map.h - the UNIX library OS's edge: exokernel errors to errno.
 *
 * Exokernel calls return -EXO_E* (exo/error.h); everything above the UNIX
 * libOS sees errno values. The translation happens in exactly one place.
 */
#ifndef UNIX_ERRNO_MAP_H
#define UNIX_ERRNO_MAP_H

/*
 * The errno value for an exokernel error code. exo_err may be given
 * negated (as a call returns it) or positive. EXO_OK gives 0; a code
 * outside the closed set gives EIO.
 */
int unix_errno(long exo_err);

#endif
