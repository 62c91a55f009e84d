/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "none" kernel backend: no kernel at all. Every operation succeeds;
 * SPI allocation hands out distinct SPIs, never below KERNEL_SPI_MIN, so
 * that the IKE side behaves exactly as with a real kernel (load tests,
 * pure IKE responders).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sadb/kernel_backend.h"
#include "sadb/kernel_queue.h"

/* Owner: shared by every submitter (the backend runs inline): next is atomic. */
struct none_state {
	_Atomic uint32_t next;	/* walks the SPI space; starts at a random point */
};

static int none_init(void **state)
{
	struct none_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	/* A random start keeps SPIs of successive runs apart; failure is harmless. */
	uint32_t start = 0;

	if (getrandom(&start, sizeof(start), GRND_NONBLOCK) != sizeof(start))
		start = 0;
	atomic_init(&s->next, start);
	*state = s;
	return 0;
}

static void none_fini(void *state)
{
	free(state);
}

/*
 * The next SPI in [lo, hi] (lo >= KERNEL_SPI_MIN): consecutive calls with
 * the same range are distinct until the whole range has been handed out.
 */
static int alloc_spi(struct none_state *s, uint32_t min, uint32_t max, uint32_t *spi)
{
	uint32_t lo = min < KERNEL_SPI_MIN ? KERNEL_SPI_MIN : min;
	uint32_t hi = max == 0 ? UINT32_MAX : max;
	uint64_t span;

	if (lo > hi)
		return -EINVAL;
	span = (uint64_t)hi - lo + 1;
	*spi = lo + (uint32_t)(atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed) % span);
	return 0;
}

static void none_submit(void *state, struct kernel_op **ops, size_t n)
{
	struct none_state *s = state;

	for (size_t i = 0; i < n; i++) {
		struct kernel_op *op = ops[i];

		switch (op->kind) {
		case KERNEL_OP_SPI_ALLOC:
			op->status = alloc_spi(s, op->spi_req.spi_min, op->spi_req.spi_max,
					       &op->spi);
			break;
		case KERNEL_OP_SA_QUERY:
			memset(&op->stats, 0, sizeof(op->stats));
			op->status = 0;
			break;
		default:
			op->status = 0;
			break;
		}
	}
}

const struct kernel_backend kernel_backend_none = {
	.name = "none",
	.inline_ok = true,
	.init = none_init,
	.fini = none_fini,
	.submit = none_submit,
};
