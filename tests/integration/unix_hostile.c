/*
 * unix_hostile.c - a hostile library OS sharing the disk with the UNIX
 * libOS (unix_hostile.test). One program, two roles:
 *
 *   hostile  a boot module of its own (rights CONSOLE, MACHINE, DISK, a
 *            disk owner key of its own). It attacks the UNIX libOS's
 *            blocks and its server while the UNIX system runs: every data
 *            block owned by another owner must refuse its reads, writes,
 *            frees, grants and allocations; unixd must refuse to be
 *            destroyed, mapped into, or obeyed (poweroff, kill) over PCT.
 *   init     (run by unixd from /bin) writes a file and fsyncs it, waits
 *            until the hostile environment has finished, then reads the
 *            file back and checks every byte.
 * Afterwards e2fsck -fn must find the file system clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <exo/libexo.h>
#include <unix/proto.h>

#include "unixtest.h"

static char page[4096] __attribute__((aligned(4096)));

/* The live environment named name, or 0 (EXO_UENVS window). */
static uint64_t find_env(const char *name)
{
	const struct exo_env_info *t = (const struct exo_env_info *)EXO_UENVS;

	for (unsigned i = 1; i < EXO_NENV; i++)
		if (t[i].id != 0 && strcmp(t[i].name, name) == 0 && t[i].parent == 0)
			return t[i].id;
	return 0;
}

static long io1(uint32_t op, uint64_t block, volatile int64_t *st)
{
	struct exo_disk_req r = { .op = op,
				  .nblocks = 1,
				  .block = block,
				  .va = (uint64_t)page,
				  .status_va = (uint64_t)st };
	return exo_disk_io(&r, 1);
}

static void hostile(void)
{
	static const struct exo_disk_key key = { .key = "a hostile libOS's own disk key!",
						 .name = "mallory" };
	volatile int64_t st = 77;
	struct exo_disk_info di;
	uint64_t unixd, others = 0, mine = 0;
	long r;

	memset(page, 0xee, sizeof page);
	CHECK(exo_disk_attach(&key, EXO_DISK_CREATE) > 0);
	CHECK(exo_disk_info(&di) == 0 && di.nblocks > di.data_start);
	for (uint64_t b = di.data_start; b < di.nblocks; b++) {
		r = exo_block_alloc(b, 0);
		if (r == (long)b) { /* a free block: ours now; give it back */
			mine++;
			CHECK(exo_block_free(b) == 0);
			continue;
		}
		CHECK(r == -EXO_EBUSY);
		others++;
		CHECK(io1(EXO_DISK_READ, b, &st) == -EXO_EPERM);
		CHECK(io1(EXO_DISK_WRITE, b, &st) == -EXO_EPERM);
		CHECK(exo_block_free(b) == -EXO_EPERM);
		CHECK(exo_block_grant(b, (uint64_t)exo_env_id(), EXO_PERM_R) == -EXO_EPERM);
	}
	CHECK(st == 77 && others > 1000); /* nothing was queued; the UNIX image is there */

	/* unixd itself: not ours to destroy, map into, or command. */
	while ((unixd = find_env("unixd")) == 0)
		exo_yield(0);
	CHECK(exo_env_destroy(unixd) == -EXO_EPERM);
	CHECK(exo_page_map(unixd, 0x500000000000ULL, EXO_PTE_FRAME(exo_uvpt_pte((uint64_t)page)),
			   EXO_PERM_R | EXO_PERM_W) == -EXO_EPERM);
	uint64_t w[4] = { UNIX_OP_POWEROFF, 0, 0, 0 };
	do
		r = exo_pct_call_msg(unixd, w, 0);
	while (r == -EXO_EAGAIN || r == -EXO_EPERM);
	CHECK(r == 0 && (long)w[0] == -EPERM); /* not one of its processes */
	uint64_t k[4] = { UNIX_OP_KILL, 1, 9, 0 };
	do
		r = exo_pct_call_msg(unixd, k, 0);
	while (r == -EXO_EAGAIN || r == -EXO_EPERM);
	CHECK(r == 0 && (long)k[0] == -EPERM);
	printf("hostile: %llu blocks of other owners refused reads, writes, frees and grants; "
	       "unixd refused to die, be mapped or obey\n",
	       (unsigned long long)others);
	(void)mine;
}

static void fill(char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (char)(i * 13 + 7);
}

static void init(void)
{
	static char want[64 * 1024], got[64 * 1024];
	int fd = open("/home/precious", O_CREAT | O_RDWR | O_TRUNC, 0600);

	fill(want, sizeof want);
	CHECK(fd >= 0 && write(fd, want, sizeof want) == (int)sizeof want && fsync(fd) == 0);
	/* the hostile module runs now; wait for it to finish */
	for (int i = 0; i < 6000 && find_env("hostile") != 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	CHECK(find_env("hostile") == 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, got, sizeof got) == (int)sizeof got);
	CHECK(memcmp(want, got, sizeof want) == 0 && close(fd) == 0);
	printf("unix_hostile: the UNIX libOS's file survived\n");
	printf("TEST-END pass\n");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "hostile") == 0)
		hostile();
	else
		init();
	return 0;
}
