/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_LOG_RING_H
#define SKUA_UTIL_LOG_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One thread's log lines on their way to the log thread: a single-producer,
 * single-consumer byte ring of variable-length records. The producer never
 * waits: a line that does not fit is dropped and counted. Positions only
 * grow; a record never wraps (the rest of the ring is padded instead).
 *
 * Owner: the producing thread writes tail, dropped and the bytes between
 * tail and head + size; the consumer writes head. Both are atomics
 * (release on store, acquire on load), so TSan sees the hand-off.
 */
struct log_rec {
	uint32_t len;		/* bytes of text (no NUL) or of the capture; 0 with LOG_REC_PAD */
	uint8_t kind;		/* enum log_rec_kind */
	uint8_t prio;		/* syslog priority */
	uint8_t debug;		/* a "| " debug line */
	uint8_t pad_;
	uint64_t ts_ns;		/* CLOCK_REALTIME when the line was made */
	char text[];		/* the line, or with LOG_REC_FMT the capture */
};

enum log_rec_kind {
	LOG_REC_LINE = 1,	/* text is the formatted line */
	LOG_REC_PAD = 2,	/* skip to the start of the ring */
	LOG_REC_FMT = 3,	/* text is a format and its arguments (util/log_fmt.h) */
};

enum {
	LOG_REC_ALIGN = 16,
	LOG_LINE_MAX = 1024,	/* a longer line is cut */
	LOG_FMT_MAX = 2048,	/* a larger capture is refused: the caller formats the line */
};

struct log_ring {
	uint8_t *buf;
	uint64_t size;			/* a power of two, at least 4 KiB */
	_Atomic uint64_t head;		/* consumer: next byte to read */
	char pad1_[64 - sizeof(uint64_t)];
	_Atomic uint64_t tail;		/* producer: next byte to write */
	_Atomic uint64_t dropped;	/* producer: lines that did not fit */
};

/* Context: the owner, before use. size is rounded up to a power of two. Returns 0 or -ENOMEM. */
int log_ring_init(struct log_ring *r, size_t size);
/* Context: the owner, when neither side uses it any more. */
void log_ring_fini(struct log_ring *r);

/*
 * Append one line. Context: the producer only; never blocks. Returns false
 * (and counts the line in dropped) when the ring is full.
 */
bool log_ring_push(struct log_ring *r, int prio, bool debug, uint64_t ts_ns, const char *text,
		   size_t len);

/*
 * The same for a record of kind LOG_REC_LINE (text cut at LOG_LINE_MAX)
 * or LOG_REC_FMT (a capture of at most LOG_FMT_MAX bytes, else refused
 * and counted in dropped: it would be garbled if cut).
 */
bool log_ring_push_kind(struct log_ring *r, enum log_rec_kind kind, int prio, bool debug,
			uint64_t ts_ns, const void *data, size_t len);

/*
 * The oldest record (a LOG_REC_LINE or LOG_REC_FMT), or NULL when the ring
 * is empty; log_ring_pop() then releases it. Context: the consumer only.
 */
const struct log_rec *log_ring_peek(struct log_ring *r);
void log_ring_pop(struct log_ring *r, const struct log_rec *rec);

/* Context: any thread; an estimate for others than the consumer. */
bool log_ring_is_empty(const struct log_ring *r);

/* Bytes in use (records and padding). Context: any thread; an estimate for others. */
uint64_t log_ring_used(const struct log_ring *r);

#endif
