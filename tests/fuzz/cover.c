/*
 * cover.c - which result of which call the fuzzer reached.
 *
 * Every call's result is counted per call (row) and per result (OK, each
 * EXO_E* code, anything else). At the end the table is printed, then the
 * (call, error) pairs docs/abi.md documents that the run never reached —
 * the error paths nobody exercised — and any error a call returned that
 * its section does not document. The documented pairs below are copied
 * from the "Errors:" line of each call in docs/abi.md; a call without a
 * section there (ctx_create, 37) has its errors read off the kernel and is
 * marked so. Keep this table in step with docs/abi.md.
 */
#include <stdio.h>

#include "fuzz.h"

#define E(x) (1u << EXO_##x)

/* The call names, from the one call table. */
#define NAME(num, name, ...) [num] = #name,
static const char *const names[EXO_NCALLS] = { EXO_CALLS(NAME) };
#undef NAME
_Static_assert(EXO_NCALLS >= FZ_NCALLS, "the fuzzer knows calls the ABI does not have");

#define NO_DISK	  "the fuzz tests run with a formatted disk"
#define FROZEN	  "a read-only region needs a failing disk write"
#define NO_REVOKE "needs EXO_RIGHT_REVOKE, which the attacker must not hold"
#define NOT_RUNNING                                                                         \
	"needs a vCPU of the attacker running on the other CPU at that moment (vm_hostile " \
	"covers a guest running while its environment goes)"

struct doc {
	uint32_t errs;	 /* documented errors */
	uint32_t skip;	 /* documented errors this set-up cannot or must not reach */
	const char *why; /* why those are skipped */
	bool from_code;	 /* no section in docs/abi.md: errors read off the kernel */
};

static const struct doc docs[FZ_NCALLS + 1] = {
	[0] = { 0, 0, NULL, false },
	[1] = { E(EPERM) | E(EFAULT), 0, NULL, false },
	[2] = { E(EPERM) | E(EFAULT), 0, NULL, false },
	[3] = { 0, 0, NULL, false },
	[4] = { E(EBADENV) | E(EPERM), 0, NULL, false },
	[5] = { E(EINVAL) | E(EBUSY) | E(EAGAIN) | E(ENOMEM), E(EAGAIN) | E(ENOMEM),
		"no free frame: exhausting RAM starts revocation against the victim", false },
	[6] = { E(EINVAL) | E(EPERM) | E(EBUSY), 0, NULL, false },
	[7] = { E(EBADENV) | E(EPERM) | E(EINVAL) | E(ENOMEM), 0, NULL, false },
	[8] = { E(EBADENV) | E(EPERM) | E(EINVAL), 0, NULL, false },
	[9] = { E(EPERM) | E(ENOTSUP), E(ENOTSUP), "QEMU has ACPI S5; success ends the run",
		false },
	[10] = { E(EPERM) | E(EINVAL) | E(ENOTSUP), E(ENOTSUP),
		 "QEMU has isa-debug-exit; success ends the run", false },
	[11] = { 0, 0, NULL, false },
	[12] = { E(EINVAL) | E(ENOMEM), 0, NULL, false },
	[13] = { E(EBADENV) | E(EPERM) | E(EINVAL) | E(EBUSY), E(EBUSY),
		 "the attacker's children never block in the kernel", false },
	[14] = { E(EBADENV) | E(EPERM) | E(EBUSY) | E(EFAULT), 0, NULL, false },
	[15] = { E(EBADENV) | E(EPERM) | E(EINVAL) | E(EFAULT) | E(EBUSY), E(EBUSY),
		 "no child of the attacker blocks, and those running code must not get random "
		 "registers",
		 false },
	[16] = { E(EBADENV) | E(EPERM) | E(EINVAL), 0, NULL, false },
	[17] = { E(EBADENV) | E(EINVAL) | E(EPERM), 0, NULL, false },
	[18] = { E(EBADENV) | E(EINVAL) | E(EPERM), 0, NULL, false },
	[19] = { E(EINVAL) | E(EBADENV) | E(EPERM) | E(ENOMEM), 0, NULL, false },
	[20] = { E(EINVAL) | E(EPERM), 0, NULL, false },
	[21] = { E(EINVAL) | E(EBADENV) | E(EPERM) | E(EBUSY), 0, NULL, false },
	[22] = { E(EBADENV) | E(EPERM) | E(EINVAL) | E(ENOMEM), 0, NULL, false },
	[23] = { E(EBADENV) | E(EPERM) | E(ERANGE) | E(EFAULT) | E(EINVAL) | E(ENOMEM), 0, NULL,
		 false },
	[24] = { E(EBADENV) | E(EPERM) | E(EINVAL) | E(EAGAIN) | E(ENOMEM), 0, NULL, false },
	[25] = { E(EBADENV) | E(EPERM) | E(EINVAL) | E(EAGAIN) | E(ENOMEM), 0, NULL, false },
	[26] = { E(EINVAL) | E(EBADENV), E(EBADENV), "a defensive case the kernel cannot reach",
		 false },
	[27] = { E(EINVAL), 0, NULL, false },
	[28] = { E(EINVAL), 0, NULL, false },
	[29] = { E(EBADENV), 0, NULL, false },
	[30] = { E(EINVAL) | E(EBUSY) | E(ENOMEM), 0, NULL, false },
	[31] = { E(EINVAL) | E(EPERM), 0, NULL, false },
	[32] = { E(EINVAL) | E(EFAULT), 0, NULL, false },
	[33] = { E(EPERM) | E(EBADENV) | E(EINVAL) | E(EBUSY), E(EBADENV) | E(EINVAL) | E(EBUSY),
		 NO_REVOKE, false },
	[34] = { E(EFAULT), 0, NULL, false },
	[35] = { E(EINVAL) | E(EPERM) | E(ERANGE), 0, NULL, false },
	[36] = { E(EPERM) | E(ERANGE) | E(EFAULT), E(ERANGE) | E(EFAULT),
		 "needs EXO_RIGHT_TRACE, which the attacker must not hold", false },
	[37] = { E(EINVAL) | E(ENOMEM), 0, NULL, true },
	[38] = { E(EFAULT), 0, NULL, false },
	[39] = { E(EINVAL) | E(EPERM) | E(EFAULT) | E(ENOTSUP) | E(ENOMEM), E(ENOTSUP), NO_DISK,
		 false },
	[40] = { E(EINVAL) | E(ENOTSUP) | E(EPERM) | E(EBUSY) | E(ENOMEM) | E(EIO),
		 E(ENOTSUP) | E(EIO), NO_DISK "; " FROZEN, false },
	[41] = { E(EINVAL) | E(ENOTSUP) | E(EPERM) | E(EBUSY) | E(EAGAIN) | E(EIO),
		 E(ENOTSUP) | E(EAGAIN) | E(EIO),
		 NO_DISK "; " FROZEN "; every type a block has was registered this boot", false },
	[42] = { E(EINVAL) | E(ENOTSUP) | E(EBADENV) | E(EPERM) | E(ENOMEM), E(ENOTSUP), NO_DISK,
		 false },
	[43] = { E(EINVAL) | E(ENOTSUP) | E(EPERM), E(ENOTSUP), NO_DISK, false },
	[44] = { E(EINVAL) | E(EFAULT) | E(EPERM) | E(ENOTSUP) | E(EAGAIN), E(ENOTSUP), NO_DISK,
		 false },
	[45] = { E(EINVAL) | E(EFAULT) | E(EPERM) | E(ENOTSUP) | E(ENOMEM) | E(EIO),
		 E(ENOTSUP) | E(EIO), NO_DISK "; " FROZEN, false },
	[46] = { E(EPERM) | E(EBADENV) | E(EINVAL) | E(EBUSY), E(EBADENV) | E(EINVAL) | E(EBUSY),
		 NO_REVOKE, false },
	[47] = { E(ERANGE) | E(EINVAL) | E(ENOTSUP) | E(EPERM), E(ENOTSUP), NO_DISK, false },
	[48] = { E(EINVAL) | E(ENOTSUP) | E(EPERM) | E(EBUSY) | E(EAGAIN) | E(EIO),
		 E(ENOTSUP) | E(EAGAIN) | E(EIO),
		 NO_DISK "; " FROZEN "; every type a block has was registered this boot", false },
	[49] = { E(EPERM) | E(ENOTSUP) | E(EINVAL) | E(ENOMEM), E(EPERM) | E(ENOTSUP),
		 "the attacker keeps the guest right the victim gives it, on an SVM CPU", false },
	[50] = { E(EINVAL) | E(EBUSY), E(EBUSY), NOT_RUNNING, false },
	[51] = { E(EPERM) | E(ENOTSUP) | E(EINVAL) | E(ENOMEM), E(EPERM) | E(ENOTSUP),
		 "the attacker keeps the guest right the victim gives it, on an SVM CPU", false },
	[52] = { E(EINVAL) | E(EBUSY), E(EBUSY), NOT_RUNNING, false },
	[53] = { E(EINVAL) | E(EBUSY) | E(EFAULT), E(EBUSY), NOT_RUNNING, false },
	[54] = { E(EINVAL), 0, NULL, false },
	[FZ_BADNR] = { E(ENOSYS), 0, NULL, false },
};

static const char *const err_names[EXO_NERRORS + 1] = {
	"ok",	 "EINVAL", "EFAULT", "EPERM",	"ENOMEM", "EBADENV", "ENOSYS",
	"EBUSY", "EAGAIN", "ERANGE", "ENOTSUP", "EIO",	  "other",
};

/* [row][0] successes, [row][e] error e, [row][EXO_NERRORS] anything else. */
static uint64_t count[FZ_NCALLS + 1][EXO_NERRORS + 1];
static uint64_t by_kamikaze[FZ_NCALLS + 1];
static uint64_t cycles[FZ_NCALLS + 1]; /* TSC ticks spent in the kernel */
/* Rows 38-48 (the disk calls, block revocation, swap areas, retype), whose results
 * disk.c's model predicts: [row - 38][error the docs' order gives][error
 * returned]. */
#define ORDER_FIRST 38
#define ORDER_LAST  48
static uint64_t order[ORDER_LAST - ORDER_FIRST + 1][EXO_NERRORS][EXO_NERRORS];

static unsigned column(long result)
{
	if (result >= 0)
		return 0;
	return -result < EXO_NERRORS ? (unsigned)-result : EXO_NERRORS;
}

void fz_count_order(uint32_t row, unsigned doc_first, long result)
{
	unsigned c = column(result);
	if (row >= ORDER_FIRST && row <= ORDER_LAST && doc_first < EXO_NERRORS && c < EXO_NERRORS)
		order[row - ORDER_FIRST][doc_first][c]++;
}

const char *fz_call_name(uint32_t row)
{
	return row < FZ_NCALLS ? names[row] : "(no such call)";
}

const char *fz_err_name(long result)
{
	return err_names[column(result)];
}

bool fz_documented(uint32_t row, long result)
{
	unsigned c = column(result);
	return c == 0 || (c < EXO_NERRORS && (docs[row].errs & 1u << c));
}

void fz_count_time(uint32_t row, uint64_t ticks)
{
	cycles[row] += ticks;
}

void fz_count(uint32_t row, long result, uint64_t flags)
{
	count[row][column(result)]++;
	if (flags & FZ_F_KAMIKAZE)
		by_kamikaze[row]++;
}

unsigned fz_cover_print(void)
{
	printf("fuzz: results per call (K: of which made by kamikaze children):\n");
	for (uint32_t row = 0; row <= FZ_NCALLS; row++) {
		printf("fuzz: %s:", fz_call_name(row));
		const char *sep = " ";
		for (unsigned c = 0; c <= EXO_NERRORS; c++) {
			if (!count[row][c])
				continue;
			printf("%s%s %llu", sep, err_names[c], (unsigned long long)count[row][c]);
			sep = ", ";
		}
		if (by_kamikaze[row])
			printf(" (K %llu)", (unsigned long long)by_kamikaze[row]);
		uint64_t n = 0;
		for (unsigned c = 0; c <= EXO_NERRORS; c++)
			n += count[row][c];
		if (n > by_kamikaze[row] && cycles[row])
			printf(" (avg %llu us)",
			       (unsigned long long)(cycles[row] / (n - by_kamikaze[row]) /
						    fz_tsc_mhz()));
		printf("%s\n", docs[row].from_code ? " [errors read off the kernel: no abi.md "
						     "section]"
						   : "");
	}
	unsigned never = 0, undoc = 0;
	printf("fuzz: documented errors never reached:");
	for (uint32_t row = 0; row <= FZ_NCALLS; row++)
		for (unsigned c = 1; c < EXO_NERRORS; c++)
			if ((docs[row].errs & ~docs[row].skip & 1u << c) && !count[row][c]) {
				printf(" %s/%s", fz_call_name(row), err_names[c]);
				never++;
			}
	printf("%s\n", never ? "" : " none");
	for (uint32_t row = 0; row <= FZ_NCALLS; row++)
		if (docs[row].skip) {
			printf("fuzz: not aimed at:");
			for (unsigned c = 1; c < EXO_NERRORS; c++)
				if (docs[row].skip & 1u << c)
					printf(" %s/%s", fz_call_name(row), err_names[c]);
			printf(" (%s)\n", docs[row].why);
		}
	unsigned judged = 0; /* of the rows disk.c's model judges: the run fails */
	printf("fuzz: undocumented results:");
	for (uint32_t row = 0; row <= FZ_NCALLS; row++)
		for (unsigned c = 1; c <= EXO_NERRORS; c++)
			if (count[row][c] && !(c < EXO_NERRORS && (docs[row].errs & 1u << c))) {
				printf(" %s/%s %llu", fz_call_name(row), err_names[c],
				       (unsigned long long)count[row][c]);
				undoc++;
				judged += row >= ORDER_FIRST && row <= ORDER_LAST;
			}
	printf("%s\n", undoc ? "" : " none");
	unsigned notes = 0;
	printf("fuzz: decided by a later check than the docs' order (call: docs' first -> "
	       "returned):");
	for (uint32_t row = ORDER_FIRST; row <= ORDER_LAST; row++)
		for (unsigned d = 1; d < EXO_NERRORS; d++)
			for (unsigned g = 1; g < EXO_NERRORS; g++)
				if (order[row - ORDER_FIRST][d][g]) {
					printf(" %s: %s -> %s %llu", fz_call_name(row),
					       err_names[d], err_names[g],
					       (unsigned long long)order[row - ORDER_FIRST][d][g]);
					notes++;
				}
	printf("%s\n", notes ? "" : " none");
	return judged;
}
