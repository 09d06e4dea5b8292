/*
 * disk.c - synchronous disk transfers over the asynchronous exokernel call:
 * queue one request with exo_disk_io, then sleep with a wakeup predicate
 * (Xok) until the kernel sets its status word. A libOS wanting several
 * requests in flight calls exo_disk_io itself with a vector of them.
 */
#include <exo/calls.h>
#include <exo/libexo.h>

static long run(struct exo_disk_req *r)
{
	volatile int64_t status = 0; /* on our stack: written, so not COW */
	r->status_va = (uint64_t)&status;
	long n = exo_disk_io(r, 1);
	if (n < 0)
		return n;
	struct exo_pred_term t = {
		.va = (uint64_t)&status, .mask = ~0ULL, .value = 0, .op = EXO_PRED_NE
	};
	while (status == 0)
		exo_wait(&t, 1, EXO_PRED_ALL, EXO_WAIT_FOREVER);
	return status == 1 ? 0 : status;
}

long exo_disk_rw(uint32_t op, uint64_t block, uint32_t nblocks, void *va)
{
	if (op == EXO_DISK_READ)
		exo_prefault_write(va, (uint64_t)nblocks * 4096);
	struct exo_disk_req r = {
		.op = op, .nblocks = nblocks, .block = block, .va = (uint64_t)va
	};
	return run(&r);
}

long exo_disk_flush(void)
{
	struct exo_disk_req r = { .op = EXO_DISK_FLUSH };
	return run(&r);
}
