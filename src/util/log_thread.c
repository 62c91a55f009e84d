/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The log thread, each thread's log state (its ring and its rate-limit
 * budgets), and the "suppressed" and "dropped" summaries.
 *
 * A thread's state is made on its first line and registered on a list the
 * log thread walks; the thread alone writes its ring's tail and its budgets,
 * the log thread alone reads the ring and frees the state after the thread
 * exited (a pthread key marks it dead). Lines are written in time order
 * across threads as far as the log thread has them (a merge of the rings'
 * oldest records), and in order within each thread always.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/log_fmt.h"
#include "util/log_priv.h"

enum {
	RING_BYTES = 256 * 1024,	/* about 2,000 lines of a worker in flight */
	SUMMARY_EVERY_MS = 1000,	/* quiet sites' "suppressed" lines */
	/*
	 * While lines come, the log thread looks every BUSY_WAIT_MS and a
	 * producer wakes it only when its ring is a quarter full: a worker
	 * logging a few lines per SA does not pay a wake-up (an eventfd write,
	 * the log thread's poll, read and write) per line at moderate rates
	 * (issue 14: CPU per SA at half the saturation rate). Once a look finds
	 * nothing, it sleeps IDLE_WAIT_MS and the next line wakes it.
	 */
	BUSY_WAIT_MS = 20,
	IDLE_WAIT_MS = 250,
	WAKE_FILL = RING_BYTES / 4,
	OUT_BYTES = 64 * 1024,		/* one write() for many lines */
};

/* Owner: its thread (window, count); suppressed is taken by whoever reports it. */
struct site_state {
	_Atomic uint64_t window;	/* the second this budget counts */
	uint32_t count;			/* lines logged in that second */
	_Atomic uint32_t suppressed;	/* held back, not yet reported */
};

/*
 * Owner: the thread it belongs to (see the file comment). ring_ready and
 * dead are published with release; dropped_seen is the log thread's.
 */
struct tstate {
	struct tstate *next;		/* registry: under reg_lock, unlinked by the log thread */
	unsigned index;			/* registration order, in messages */
	_Atomic bool dead;
	_Atomic bool ring_ready;
	struct log_ring ring;
	uint64_t dropped_seen;
	_Atomic uint64_t suppressed_total;
	struct site_state sites[LOG_SITES_MAX];
};

static struct {
	pthread_mutex_t reg_lock;
	struct tstate *head;		/* under reg_lock */
	unsigned next_index;
	struct log_site *sites[LOG_SITES_MAX];	/* by id; under reg_lock to add */
	_Atomic uint32_t nsites;
	_Atomic uint64_t dropped_gone;	/* dropped lines of reaped states */
	_Atomic uint64_t suppressed_gone;

	pthread_t thread;
	_Atomic bool running;		/* lines go to the rings */
	_Atomic bool stop;
	_Atomic bool sleeping;
	int wake_fd;
	pthread_mutex_t flush_lock;
	pthread_cond_t flushed;
	uint64_t passes;		/* under flush_lock */
} g = {
	.reg_lock = PTHREAD_MUTEX_INITIALIZER,
	.flush_lock = PTHREAD_MUTEX_INITIALIZER,
	.flushed = PTHREAD_COND_INITIALIZER,
	.wake_fd = -1,
};

static pthread_key_t tkey;
static pthread_once_t tkey_once = PTHREAD_ONCE_INIT;
static _Thread_local struct tstate *self;

static uint64_t mono_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint64_t (*_Atomic now_sec)(void) = mono_sec;

void log_test_set_clock(uint64_t (*fn)(void))
{
	atomic_store(&now_sec, fn ? fn : mono_sec);
}

static void tstate_gone(void *arg)
{
	struct tstate *t = arg;
	self = NULL;
	atomic_store_explicit(&t->dead, true, memory_order_release);
}

static void make_key(void)
{
	pthread_key_create(&tkey, tstate_gone);
}

static struct tstate *tstate_get(void)
{
	struct tstate *t = self;

	if (t)
		return t;
	pthread_once(&tkey_once, make_key);
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	pthread_mutex_lock(&g.reg_lock);
	t->index = g.next_index++;
	t->next = g.head;
	g.head = t;
	pthread_mutex_unlock(&g.reg_lock);
	pthread_setspecific(tkey, t);
	self = t;
	return t;
}

/* Wake the log thread if it sleeps idle, or whatever it does when force. */
static void wake(bool force)
{
	uint64_t one = 1;
	if ((atomic_load(&g.sleeping) && atomic_exchange(&g.sleeping, false)) || force) {
		ssize_t w = write(g.wake_fd, &one, sizeof(one));
		(void)w;
	}
}

bool log_thread_running(void)
{
	return atomic_load_explicit(&g.running, memory_order_acquire);
}

/* Write a line now, formatting a capture here (the log thread does not run). */
static void write_here(int prio, uint64_t ts, bool debug, enum log_rec_kind kind,
		       const void *data, size_t len)
{
	char text[LOG_LINE_MAX + 1];

	if (kind == LOG_REC_FMT) {
		len = log_fmt_render(text, sizeof(text), data, len);
		data = text;
		log_formatted_here++;
	}
	log_write_now(prio, ts, debug, data, len);
}

void log_line(int prio, bool debug, enum log_rec_kind kind, const void *data, size_t len)
{
	uint64_t ts = log_realtime_ns();
	struct tstate *t;

	if (!atomic_load_explicit(&g.running, memory_order_acquire) || !(t = tstate_get())) {
		write_here(prio, ts, debug, kind, data, len);
		return;
	}
	if (!atomic_load_explicit(&t->ring_ready, memory_order_relaxed)) {
		if (log_ring_init(&t->ring, RING_BYTES) < 0) {
			write_here(prio, ts, debug, kind, data, len);
			return;
		}
		atomic_store_explicit(&t->ring_ready, true, memory_order_release);
	}
	if (log_ring_push_kind(&t->ring, kind, prio, debug, ts, data, len))
		wake(log_ring_used(&t->ring) >= WAKE_FILL);
}

/* ---- rate limits ---- */

static uint32_t site_id(struct log_site *s)
{
	uint32_t id = atomic_load_explicit(&s->id, memory_order_acquire);

	if (id)
		return id;
	pthread_mutex_lock(&g.reg_lock);
	id = atomic_load_explicit(&s->id, memory_order_relaxed);
	if (!id) {
		uint32_t n = atomic_load_explicit(&g.nsites, memory_order_relaxed);
		if (n + 1 < LOG_SITES_MAX) {
			id = n + 1;
			g.sites[id] = s;
			atomic_store_explicit(&g.nsites, id, memory_order_release);
		} else {
			id = LOG_SITES_MAX - 1;	/* shared by the sites beyond */
			if (!g.sites[id])
				g.sites[id] = s;
		}
		atomic_store_explicit(&s->id, id, memory_order_release);
	}
	pthread_mutex_unlock(&g.reg_lock);
	return id;
}

static const char *site_what(uint32_t id)
{
	return id == LOG_SITES_MAX - 1 ? "other rate-limited lines" : g.sites[id]->what;
}

static void summary(uint32_t id, uint32_t n)
{
	log_msg(LOG_INFO, "%s: suppressed %u similar message%s", site_what(id), n,
		n == 1 ? "" : "s");
}

bool log_site_admit(struct log_site *site)
{
	struct tstate *t;
	uint32_t id, n;
	uint64_t now;
	struct site_state *st;

	if (log_out.off)
		return false;
	t = tstate_get();
	if (!t)
		return true;
	id = site_id(site);
	st = &t->sites[id];
	now = atomic_load_explicit(&now_sec, memory_order_relaxed)();
	if (atomic_load_explicit(&st->window, memory_order_relaxed) != now) {
		atomic_store_explicit(&st->window, now, memory_order_relaxed);
		st->count = 0;
		n = atomic_exchange_explicit(&st->suppressed, 0, memory_order_relaxed);
		if (n)
			summary(id, n);
	}
	if (st->count < site->burst) {
		st->count++;
		return true;
	}
	atomic_fetch_add_explicit(&st->suppressed, 1, memory_order_relaxed);
	atomic_store_explicit(&t->suppressed_total,
			      atomic_load_explicit(&t->suppressed_total, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	return false;
}

/* The summaries of t's sites quiet since an earlier second (all of them if all). */
static void report_quiet(struct tstate *t, bool all)
{
	uint32_t nsites = atomic_load_explicit(&g.nsites, memory_order_acquire);
	uint64_t now = atomic_load_explicit(&now_sec, memory_order_relaxed)();

	for (uint32_t id = 1; id < LOG_SITES_MAX; id++) {
		struct site_state *st = &t->sites[id];
		uint32_t n;
		if (id > nsites && id != LOG_SITES_MAX - 1)
			continue;
		if (!atomic_load_explicit(&st->suppressed, memory_order_relaxed))
			continue;
		if (!all && atomic_load_explicit(&st->window, memory_order_relaxed) >= now)
			continue;
		n = atomic_exchange_explicit(&st->suppressed, 0, memory_order_relaxed);
		if (n)
			summary(id, n);
	}
}

static struct tstate *list_head(void)
{
	struct tstate *h;
	pthread_mutex_lock(&g.reg_lock);
	h = g.head;
	pthread_mutex_unlock(&g.reg_lock);
	return h;
}

static void reap(void);

void log_limits_report_all(void)
{
	for (struct tstate *t = list_head(); t; t = t->next)
		report_quiet(t, true);
	reap();
}

/* ---- the log thread ---- */

struct outbuf {
	char buf[OUT_BYTES];
	size_t n;
};

static void out_flush(struct outbuf *o)
{
	size_t done = 0;
	while (done < o->n) {
		ssize_t w = write(log_out.fd, o->buf + done, o->n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;	/* nowhere to complain: the log is the complaint channel */
		done += (size_t)w;
	}
	o->n = 0;
}

static void out_line(struct outbuf *o, const struct log_rec *r)
{
	char fmt_text[LOG_LINE_MAX + 1];
	const char *text = r->text;
	size_t len = r->len;

	if (r->kind == LOG_REC_FMT) {
		/* The caller left the formatting to us. */
		len = log_fmt_render(fmt_text, sizeof(fmt_text), r->text, r->len);
		text = fmt_text;
	}
	if (log_out.dest == LOG_DEST_SYSLOG) {
		syslog(r->prio, "%s%.*s", r->debug ? "| " : "", (int)len, text);
	} else {
		if (OUT_BYTES - o->n < LOG_LINE_MAX + 64)
			out_flush(o);
		o->n += log_format(o->buf + o->n, OUT_BYTES - o->n, r->ts_ns, r->debug, text, len);
	}
	atomic_fetch_add_explicit(&log_out.written, 1, memory_order_relaxed);
}

/* Write what the rings hold, oldest first. Returns how many lines. */
static size_t drain(struct outbuf *o)
{
	struct tstate *head = list_head();
	size_t lines = 0;

	for (;;) {
		const struct log_rec *best = NULL;
		struct tstate *from = NULL;
		for (struct tstate *t = head; t; t = t->next) {
			const struct log_rec *r;
			if (!atomic_load_explicit(&t->ring_ready, memory_order_acquire))
				continue;
			r = log_ring_peek(&t->ring);
			if (r && (!best || r->ts_ns < best->ts_ns)) {
				best = r;
				from = t;
			}
		}
		if (!best)
			break;
		out_line(o, best);
		log_ring_pop(&from->ring, best);
		lines++;
	}
	out_flush(o);
	return lines;
}

/* Lines lost to full rings since the last look, and the quiet sites' summaries. */
static void report(bool all)
{
	for (struct tstate *t = list_head(); t; t = t->next) {
		if (atomic_load_explicit(&t->ring_ready, memory_order_acquire)) {
			uint64_t d = atomic_load_explicit(&t->ring.dropped, memory_order_relaxed);
			if (d != t->dropped_seen) {
				log_msg(LOG_WARNING,
					"log: %llu line%s dropped: the log buffer of thread %u was full",
					(unsigned long long)(d - t->dropped_seen),
					d - t->dropped_seen == 1 ? "" : "s", t->index);
				t->dropped_seen = d;
			}
		}
		report_quiet(t, all);
	}
}

/* Free the states of threads that exited, once their rings are empty. */
static void reap(void)
{
	struct tstate *gone = NULL;

	pthread_mutex_lock(&g.reg_lock);
	for (struct tstate **pp = &g.head; *pp;) {
		struct tstate *t = *pp;
		if (!atomic_load_explicit(&t->dead, memory_order_acquire) ||
		    (atomic_load_explicit(&t->ring_ready, memory_order_acquire) &&
		     !log_ring_is_empty(&t->ring))) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		t->next = gone;
		gone = t;
	}
	pthread_mutex_unlock(&g.reg_lock);
	while (gone) {
		struct tstate *t = gone;
		gone = t->next;
		report_quiet(t, true);
		atomic_fetch_add(&g.suppressed_gone, atomic_load(&t->suppressed_total));
		if (atomic_load_explicit(&t->ring_ready, memory_order_acquire)) {
			atomic_fetch_add(&g.dropped_gone, atomic_load(&t->ring.dropped));
			log_ring_fini(&t->ring);
		}
		free(t);
	}
}

static void *log_main(void *arg)
{
	struct outbuf *o = arg;
	uint64_t last_report = 0;

	for (;;) {
		struct timespec ts;
		uint64_t now_ms;
		bool stopping = atomic_load(&g.stop);

		size_t lines = drain(o);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if (stopping || now_ms - last_report >= SUMMARY_EVERY_MS) {
			report(stopping);
			drain(o);
			reap();
			last_report = now_ms;
		}
		pthread_mutex_lock(&g.flush_lock);
		g.passes++;
		pthread_cond_broadcast(&g.flushed);
		pthread_mutex_unlock(&g.flush_lock);
		if (stopping)
			break;
		if (lines) {
			/* busy: look again soon; a ring a quarter full wakes us earlier */
			struct pollfd p = { .fd = g.wake_fd, .events = POLLIN };
			if (poll(&p, 1, BUSY_WAIT_MS) > 0) {
				uint64_t v;
				ssize_t r = read(g.wake_fd, &v, sizeof(v));
				(void)r;
			}
			continue;
		}
		/* Sleep unless a line came in meanwhile; a producer that sees us asleep wakes us. */
		atomic_store(&g.sleeping, true);
		bool pending = atomic_load(&g.stop);
		for (struct tstate *t = list_head(); t && !pending; t = t->next)
			pending = atomic_load_explicit(&t->ring_ready, memory_order_acquire) &&
				  !log_ring_is_empty(&t->ring);
		if (!pending) {
			struct pollfd p = { .fd = g.wake_fd, .events = POLLIN };
			if (poll(&p, 1, IDLE_WAIT_MS) > 0) {
				uint64_t v;
				ssize_t r = read(g.wake_fd, &v, sizeof(v));
				(void)r;
			}
		}
		atomic_store(&g.sleeping, false);
	}
	return NULL;
}

static struct outbuf *outbuf;

int log_thread_start(void)
{
	int rc;

	if (atomic_load(&g.running))
		return 0;
	outbuf = malloc(sizeof(*outbuf));
	if (!outbuf)
		return -ENOMEM;
	outbuf->n = 0;
	g.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g.wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	atomic_store(&g.stop, false);
	atomic_store(&g.sleeping, false);
	rc = -pthread_create(&g.thread, NULL, log_main, outbuf);
	if (rc < 0)
		goto fail;
	pthread_setname_np(g.thread, "skua-log");
	atomic_store_explicit(&g.running, true, memory_order_release);
	return 0;
fail:
	if (g.wake_fd >= 0)
		close(g.wake_fd);
	g.wake_fd = -1;
	free(outbuf);
	outbuf = NULL;
	return rc;
}

void log_thread_stop(void)
{
	uint64_t one = 1;
	ssize_t w;

	if (!atomic_load(&g.running))
		return;
	/* New lines are written by their callers from here on. */
	atomic_store_explicit(&g.running, false, memory_order_release);
	atomic_store(&g.stop, true);
	w = write(g.wake_fd, &one, sizeof(one));
	(void)w;
	pthread_join(g.thread, NULL);
	/* A line pushed while the thread made its last pass: we are the consumer now. */
	drain(outbuf);
	report(true);
	reap();
	close(g.wake_fd);
	g.wake_fd = -1;
	free(outbuf);
	outbuf = NULL;
}

void log_flush(void)
{
	uint64_t one = 1, target;
	ssize_t w;

	if (!atomic_load(&g.running))
		return;
	pthread_mutex_lock(&g.flush_lock);
	target = g.passes + 2;	/* a whole pass that began after this call */
	while (g.passes < target && atomic_load(&g.running)) {
		w = write(g.wake_fd, &one, sizeof(one));
		(void)w;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 50 * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&g.flushed, &g.flush_lock, &until);
	}
	pthread_mutex_unlock(&g.flush_lock);
}

void log_stats_get(struct log_stats *st)
{
	st->written = atomic_load_explicit(&log_out.written, memory_order_relaxed);
	st->fallback = atomic_load_explicit(&log_out.fallback, memory_order_relaxed);
	st->dropped = atomic_load(&g.dropped_gone);
	st->suppressed = atomic_load(&g.suppressed_gone);
	pthread_mutex_lock(&g.reg_lock);
	for (struct tstate *t = g.head; t; t = t->next) {
		if (atomic_load_explicit(&t->ring_ready, memory_order_acquire))
			st->dropped += atomic_load_explicit(&t->ring.dropped, memory_order_relaxed);
		st->suppressed += atomic_load_explicit(&t->suppressed_total, memory_order_relaxed);
	}
	pthread_mutex_unlock(&g.reg_lock);
}
