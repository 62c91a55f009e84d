/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/uniqueids.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* One old instance to replace, carried to its owner worker. */
struct replace_mail {
	struct mail mail;
	struct ike_daemon *d;
	struct connection *old;		/* a reference */
	uint64_t by;			/* the new IKE SA's #N */
	bool has_ts;			/* the new instance's first Child SA's selectors */
	struct ike_ts ts_local, ts_remote;
};

/* Field by field (the structs have padding): each within the other is equal. */
static bool ts_eq(const struct ike_ts *a, const struct ike_ts *b)
{
	return ike_ts_within(a, b) && ike_ts_within(b, a);
}

static bool same_ts(const struct child_sa *c, const struct replace_mail *rm)
{
	return rm->has_ts && ts_eq(&c->ts_local, &rm->ts_local) &&
	       ts_eq(&c->ts_remote, &rm->ts_remote);
}

/*
 * The old instance goes, on its owner worker. Its lease first: the new
 * instance took the same address by the same ID key while this one still
 * held it (the pool counts both), so giving this share back leaves the
 * address with the new instance alone; it never changed hands. Then its
 * IKE SAs are deleted (their Child SAs' down runs read the lease from the
 * configuration, not from it).
 */
static void ike_inst_replace_old(struct replace_mail *rm)
{
	struct connection *old = rm->old;
	struct ike_sa *sa, *next;
	char name[CONN_NAME_MAX + 80];

	if (!old->inst.published)
		return;	/* gone meanwhile, its lease with it */
	ike_lease_release(old->inst.lease);
	for (sa = old->inst.sas; sa; sa = next) {
		next = sa->inst_next;
		if (sa->dead)
			continue;
		for (struct child_sa *c = sa->children; c; c = c->next)
			if (c->conn == old && same_ts(c, rm))
				c->policies_taken = true;
		log_info("%s #%llu: uniqueids: the peer's ID came back in #%llu: deleting this "
			 "IKE SA", ike_conn_instance_str(old, name, sizeof(name)),
			 (unsigned long long)sa->serial, (unsigned long long)rm->by);
		counters_inc(rm->d->ctr, sa->w->index, IKEC_UNIQUEIDS_REPLACED);
		ike_sa_delete(sa, true);
	}
}

static void replace_run(struct mail *m, void *ctx)
{
	struct replace_mail *rm = caa_container_of(m, struct replace_mail, mail);

	(void)ctx;
	ike_inst_replace_old(rm);
	ike_connection_unref(rm->old);
	free(rm);
}

struct collect {
	struct ike_sa *sa;
	const struct child_sa *first;
};

static bool post_one(struct connection *old, void *ctx)
{
	struct collect *co = ctx;
	struct ike_daemon *d = co->sa->w->d;
	struct replace_mail *rm;

	if (old == co->sa->conn || !ike_connection_tryref(old))
		return true;
	rm = calloc(1, sizeof(*rm));
	if (!rm) {
		ike_connection_unref(old);
		log_limited(LOG_WARNING, 10, "uniqueids: out of memory",
			    "uniqueids: out of memory: an older IKE SA of the same ID stays");
		return true;
	}
	rm->mail.fn = replace_run;
	rm->d = d;
	rm->old = old;
	rm->by = co->sa->serial;
	if (co->first) {
		rm->has_ts = true;
		rm->ts_local = co->first->ts_local;
		rm->ts_remote = co->first->ts_remote;
	}
	net_pool_post(d->pool, old->inst.owner, &rm->mail);
	return true;
}

void ike_uniqueids_replace(struct ike_sa *sa, const struct child_sa *first)
{
	if (sa->w->d->uniqueids)
		ike_inst_replace_same_id(sa, first);
}

void ike_inst_replace_same_id(struct ike_sa *sa, const struct child_sa *first)
{
	struct ike_daemon *d = sa->w->d;
	const struct connection *c = sa->conn;
	struct collect co = { sa, first };

	if (!c || !c->inst.tmpl)
		return;
	if (ike_id_is_any(c->id[1 - c->inst.end]))
		return;
	rcu_read_lock();
	ike_inst_by_id_each_rcu(&d->insts, c->inst.tmpl, c->id[1 - c->inst.end], post_one, &co);
	rcu_read_unlock();
}

bool ike_sa_sends_initial_contact(const struct ike_sa *sa)
{
	const struct connection *c = sa->conn;

	return c && (c->spec->policy & POL_INITIAL_CONTACT) && atomic_load(&c->children_up) == 0;
}

void ike_initial_contact_replace(struct ike_sa *sa, const struct child_sa *first)
{
	struct ike_sa *o, *next;

	ike_sa_progress(sa, RC_LOG, "received INITIAL_CONTACT: deleting the older IKE SAs of "
			"this peer");
	if (sa->conn && sa->conn->inst.tmpl) {
		ike_inst_replace_same_id(sa, first);
		return;
	}
	/* a fixed connection's SAs may be on any worker: this one's are looked at */
	for (o = sa->w->sas; o; o = next) {
		next = o->next;
		if (o == sa || o->dead || o->version != sa->version || o->conn != sa->conn ||
		    !ike_state_info(o->state)->established ||
		    !ike_id_match(o->ext->id_remote, sa->ext->id_remote))
			continue;
		ike_sa_progress(o, RC_LOG, "the peer's INITIAL_CONTACT in #%llu: deleting this "
				"IKE SA", (unsigned long long)sa->serial);
		ike_sa_delete(o, false);
	}
}
