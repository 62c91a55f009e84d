/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/resolver.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <urcu/compiler.h>

#include "util/addr_list.h"
#include "util/log.h"
#include "util/tsan.h"

/* One name, from submission to delivery. Owner: the queue, the thread, then reply_to's owner. */
struct resolver_job {
	struct mail mail;
	struct resolver_job *next;
	struct mailbox *reply_to;
	resolver_done_fn *done;
	int af;
	uint64_t deadline_ms;		/* CLOCK_MONOTONIC: answered -ETIMEDOUT from then on */
	struct resolver_answer a;
};

/* A getaddrinfo_a() lookup glibc could not cancel: kept until it ends. */
struct resolver_abandoned {
	struct resolver_abandoned *next;
	struct gaicb cb;
	struct addrinfo hints;
	char name[RESOLVER_NAME_MAX + 1];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool resolver_name_ok(const char *s, size_t n)
{
	return s && n <= RESOLVER_NAME_MAX && host_name_ok(s, n);
}

/* Add a to the answer unless it is full or a is there already. */
static void add_addr(struct resolver_answer *a, const struct ip_addr *ip)
{
	if (a->naddrs >= RESOLVER_ADDRS_MAX)
		return;
	for (unsigned i = 0; i < a->naddrs; i++)
		if (ip_addr_eq(&a->addrs[i], ip))
			return;
	a->addrs[a->naddrs++] = *ip;
}

/* Tests: the addresses of the name in a hosts file ("ADDRESS NAME [ALIAS...]"). */
static int from_hosts_file(const char *path, struct resolver_job *j)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *addr, *w;
		struct ip_addr ip;

		line[strcspn(line, "#\n")] = '\0';
		addr = strtok_r(line, " \t", &save);
		if (!addr || ip_addr_parse(addr, &ip) < 0)
			continue;
		if (j->af != AF_UNSPEC && ip.af != j->af)
			continue;
		while ((w = strtok_r(NULL, " \t", &save)))
			if (strcasecmp(w, j->a.name) == 0)
				add_addr(&j->a, &ip);
	}
	fclose(f);
	return j->a.naddrs ? 0 : -ENOENT;
}

static void reap(struct resolver *r)
{
	struct resolver_abandoned **pp = &r->abandoned;

	while (*pp) {
		struct resolver_abandoned *ab = *pp;
		if (gai_error(&ab->cb) == EAI_INPROGRESS) {
			pp = &ab->next;
			continue;
		}
		*pp = ab->next;
		if (ab->cb.ar_result)
			freeaddrinfo(ab->cb.ar_result);
		free(ab);
		r->nabandoned--;
	}
}

static int gai_errno(int e)
{
	switch (e) {
	case EAI_NONAME:
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		return -ENOENT;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_CANCELED:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

#ifdef SKUA_TSAN
/*
 * ThreadSanitizer builds: glibc's getaddrinfo_a starts its helper thread
 * inside libc, where TSan cannot see it, and the process crashes there.
 * These builds ask getaddrinfo() directly (no timeout while it runs; the
 * deadline is still checked after) to check the rest of the resolver.
 */
static int from_dns(struct resolver *r, struct resolver_job *j)
{
	struct addrinfo hints = { .ai_family = j->af, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	int e = getaddrinfo(j->a.name, NULL, &hints, &res);

	(void)r;
	if (e != 0)
		return gai_errno(e);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		struct ip_addr ip;
		if (ip_addr_from_sockaddr(ai->ai_addr, &ip, NULL) == 0 &&
		    (j->af == AF_UNSPEC || ip.af == j->af))
			add_addr(&j->a, &ip);
	}
	freeaddrinfo(res);
	if (now_ms() >= j->deadline_ms)
		return -ETIMEDOUT;
	return j->a.naddrs ? 0 : -ENOENT;
}
#else
/* DNS (and the rest of nsswitch) through getaddrinfo_a, waiting at most until the deadline. */
static int from_dns(struct resolver *r, struct resolver_job *j)
{
	struct resolver_abandoned *ab = calloc(1, sizeof(*ab));
	struct gaicb *list[1];
	int e;

	if (!ab)
		return -ENOMEM;
	memcpy(ab->name, j->a.name, sizeof(ab->name));
	ab->hints.ai_family = j->af;
	ab->hints.ai_socktype = SOCK_DGRAM;
	ab->cb.ar_name = ab->name;
	ab->cb.ar_request = &ab->hints;
	list[0] = &ab->cb;
	e = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (e != 0) {
		free(ab);
		return gai_errno(e);
	}
	for (;;) {
		uint64_t now = now_ms();
		struct timespec ts;
		const struct gaicb *wait[1] = { &ab->cb };

		if (gai_error(&ab->cb) != EAI_INPROGRESS)
			break;
		if (now >= j->deadline_ms) {
			if (gai_cancel(&ab->cb) != EAI_CANCELED &&
			    gai_error(&ab->cb) == EAI_INPROGRESS) {
				ab->next = r->abandoned;	/* still running: kept until it ends */
				r->abandoned = ab;
				r->nabandoned++;
				return -ETIMEDOUT;
			}
			if (ab->cb.ar_result)
				freeaddrinfo(ab->cb.ar_result);
			free(ab);
			return -ETIMEDOUT;
		}
		ts.tv_sec = (time_t)((j->deadline_ms - now) / 1000);
		ts.tv_nsec = (long)((j->deadline_ms - now) % 1000) * 1000000L;
		gai_suspend(wait, 1, &ts);
	}
	e = gai_error(&ab->cb);
	if (e == 0) {
		for (struct addrinfo *ai = ab->cb.ar_result; ai; ai = ai->ai_next) {
			struct ip_addr ip;
			if (ip_addr_from_sockaddr(ai->ai_addr, &ip, NULL) == 0 &&
			    (j->af == AF_UNSPEC || ip.af == j->af))
				add_addr(&j->a, &ip);
		}
	}
	if (ab->cb.ar_result)
		freeaddrinfo(ab->cb.ar_result);
	free(ab);
	if (e != 0)
		return gai_errno(e);
	return j->a.naddrs ? 0 : -ENOENT;
}
#endif

void resolver_job_deliver(struct mail *m, void *ctx)
{
	struct resolver_job *j = caa_container_of(m, struct resolver_job, mail);

	j->done(&j->a, ctx);
	free(j);
}

static void answer(struct resolver *r, struct resolver_job *j, int status)
{
	j->a.status = status;
	if (status != 0)
		j->a.naddrs = 0;
	atomic_fetch_add_explicit(&r->lookups, 1, memory_order_relaxed);
	if (status != 0)
		atomic_fetch_add_explicit(&r->failed, 1, memory_order_relaxed);
	if (status == -ETIMEDOUT)
		atomic_fetch_add_explicit(&r->timed_out, 1, memory_order_relaxed);
	j->mail.fn = resolver_job_deliver;
	/* posted before it stops counting: queued 0 means every answer is in a mailbox */
	mailbox_post(j->reply_to, &j->mail);
	pthread_mutex_lock(&r->lock);
	r->queued--;
	pthread_mutex_unlock(&r->lock);
}

static int lookup(struct resolver *r, struct resolver_job *j)
{
	if (r->test_delay_ms) {
		struct timespec ts = { .tv_sec = r->test_delay_ms / 1000,
				       .tv_nsec = (long)(r->test_delay_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (now_ms() >= j->deadline_ms)
		return -ETIMEDOUT;
	if (r->hosts_file) {
		int rc = from_hosts_file(r->hosts_file, j);
		return rc == 0 && now_ms() >= j->deadline_ms ? -ETIMEDOUT : rc;
	}
	return from_dns(r, j);
}

static void *resolver_main(void *arg)
{
	struct resolver *r = arg;

	for (;;) {
		struct resolver_job *j;
		bool stopping;

		pthread_mutex_lock(&r->lock);
		while (r->head == NULL && !r->stopping) {
			if (r->abandoned) {
				/* look again in a while for the lookups glibc still runs */
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += 1;
				pthread_cond_timedwait(&r->cond, &r->lock, &ts);
				break;
			}
			pthread_cond_wait(&r->cond, &r->lock);
		}
		j = r->head;
		if (j) {
			r->head = j->next;
			if (!r->head)
				r->tail = NULL;
		}
		stopping = r->stopping;
		pthread_mutex_unlock(&r->lock);
		reap(r);
		if (!j) {
			if (stopping)
				break;
			continue;
		}
		answer(r, j, stopping ? -ECANCELED : lookup(r, j));
	}
	/* shutdown: give glibc's leftover lookups a moment, then let them go */
	for (int i = 0; i < 10 && r->abandoned; i++) {
		struct timespec ts = { .tv_nsec = 100000000L };
		nanosleep(&ts, NULL);
		reap(r);
	}
	return NULL;
}

int resolver_start(struct resolver *r, const struct resolver_config *cfg)
{
	int rc;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->max_queued = cfg && cfg->max_queued ? cfg->max_queued : RESOLVER_QUEUE_DEFAULT;
	r->timeout_ms = cfg && cfg->timeout_ms ? cfg->timeout_ms : RESOLVER_TIMEOUT_MS_DEFAULT;
	r->test_delay_ms = cfg ? cfg->test_delay_ms : 0;
	if (cfg && cfg->hosts_file) {
		r->hosts_file = strdup(cfg->hosts_file);
		if (!r->hosts_file)
			return -ENOMEM;
	}
	rc = pthread_create(&r->thread, NULL, resolver_main, r);
	if (rc != 0) {
		free(r->hosts_file);
		r->hosts_file = NULL;
		return -rc;
	}
	pthread_setname_np(r->thread, "skua-resolver");
	r->running = true;
	return 0;
}

int resolver_submit(struct resolver *r, const char *name, size_t len, int af,
		    struct mailbox *reply_to, resolver_done_fn *done, void *owner,
		    uint64_t cookie0, uint64_t cookie1)
{
	struct resolver_job *j;

	if (!reply_to || !done || !resolver_name_ok(name, len) ||
	    (af != AF_INET && af != AF_INET6 && af != AF_UNSPEC)) {
		atomic_fetch_add_explicit(&r->rejected, 1, memory_order_relaxed);
		return -EINVAL;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	memcpy(j->a.name, name, len);
	j->a.owner = owner;
	j->a.cookie[0] = cookie0;
	j->a.cookie[1] = cookie1;
	j->af = af;
	j->reply_to = reply_to;
	j->done = done;
	pthread_mutex_lock(&r->lock);
	j->deadline_ms = now_ms() + r->timeout_ms;
	if (r->stopping || !r->running) {
		pthread_mutex_unlock(&r->lock);
		free(j);
		return -ESHUTDOWN;
	}
	if (r->queued >= r->max_queued ||
	    atomic_load_explicit(&r->nabandoned, memory_order_relaxed) >= RESOLVER_ABANDONED_MAX) {
		pthread_mutex_unlock(&r->lock);
		free(j);
		atomic_fetch_add_explicit(&r->rejected, 1, memory_order_relaxed);
		return -EAGAIN;
	}
	r->queued++;
	if (r->tail)
		r->tail->next = j;
	else
		r->head = j;
	r->tail = j;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void resolver_stop(struct resolver *r)
{
	if (!r->running)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->running = false;
	free(r->hosts_file);
	r->hosts_file = NULL;
	/* the lock stays: a late resolver_submit() is refused safely (-ESHUTDOWN) */
}

unsigned resolver_queued(struct resolver *r)
{
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = r->queued;
	pthread_mutex_unlock(&r->lock);
	return n;
}
