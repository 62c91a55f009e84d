/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/log_ring.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rec_size(size_t len)
{
	return (sizeof(struct log_rec) + len + LOG_REC_ALIGN - 1) & ~(uint64_t)(LOG_REC_ALIGN - 1);
}

int log_ring_init(struct log_ring *r, size_t size)
{
	uint64_t s = 4096;

	while (s < size)
		s <<= 1;
	memset(r, 0, sizeof(*r));
	r->buf = aligned_alloc(LOG_REC_ALIGN, s);
	if (!r->buf)
		return -ENOMEM;
	r->size = s;
	return 0;
}

void log_ring_fini(struct log_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

bool log_ring_push(struct log_ring *r, int prio, bool debug, uint64_t ts_ns, const char *text,
		   size_t len)
{
	return log_ring_push_kind(r, LOG_REC_LINE, prio, debug, ts_ns, text, len);
}

static void count_drop(struct log_ring *r)
{
	atomic_store_explicit(&r->dropped, atomic_load_explicit(&r->dropped, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

bool log_ring_push_kind(struct log_ring *r, enum log_rec_kind kind, int prio, bool debug,
			uint64_t ts_ns, const void *data, size_t len)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t off, to_end, need, skip = 0;
	struct log_rec *rec;

	if (kind == LOG_REC_LINE && len > LOG_LINE_MAX)
		len = LOG_LINE_MAX;
	if ((kind == LOG_REC_FMT && len > LOG_FMT_MAX) || kind == LOG_REC_PAD) {
		count_drop(r);
		return false;
	}
	need = rec_size(len);
	off = tail & (r->size - 1);
	to_end = r->size - off;
	if (to_end < need)
		skip = to_end;	/* pad to the end; the record starts the ring again */
	if (r->size - (tail - head) < skip + need) {
		count_drop(r);
		return false;
	}
	if (skip) {
		rec = (struct log_rec *)(r->buf + off);
		rec->len = 0;
		rec->kind = LOG_REC_PAD;
		tail += skip;
		off = 0;
	}
	rec = (struct log_rec *)(r->buf + off);
	rec->len = (uint32_t)len;
	rec->kind = (uint8_t)kind;
	rec->prio = (uint8_t)prio;
	rec->debug = debug;
	rec->ts_ns = ts_ns;
	memcpy(rec->text, data, len);
	atomic_store_explicit(&r->tail, tail + need, memory_order_release);
	return true;
}

const struct log_rec *log_ring_peek(struct log_ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	while (head != tail) {
		const struct log_rec *rec = (const struct log_rec *)(r->buf + (head & (r->size - 1)));
		if (rec->kind != LOG_REC_PAD)
			return rec;
		/* padding: the next record is at the start of the ring */
		head += r->size - (head & (r->size - 1));
		atomic_store_explicit(&r->head, head, memory_order_release);
	}
	return NULL;
}

void log_ring_pop(struct log_ring *r, const struct log_rec *rec)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, head + rec_size(rec->len), memory_order_release);
}

uint64_t log_ring_used(const struct log_ring *r)
{
	return atomic_load_explicit(&r->tail, memory_order_acquire) -
	       atomic_load_explicit(&r->head, memory_order_acquire);
}

bool log_ring_is_empty(const struct log_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) ==
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}
