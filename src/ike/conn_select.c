/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/conn_select.h"

bool ike_conn_peer_matches(const struct connection *c, uint8_t this_end,
			   const struct ip_addr *peer)
{
	const struct conn_end_spec *e = &c->spec.end[1 - this_end];
	if (e->host_kind == HOST_ANY)
		return c->spec.host_af == peer->af;
	return e->host_kind == HOST_ADDR && ip_addr_eq(&e->host, peer);
}

/* 2: both hosts exact; 1: we are exact, the peer is %any; 0: no match. */
static int score(const struct connection *c, const struct ip_addr *local,
		 const struct ip_addr *peer, uint8_t *this_end)
{
	for (uint8_t i = 0; i < 2; i++) {
		const struct conn_end_spec *me = &c->spec.end[i];
		if (me->host_kind != HOST_ADDR || !ip_addr_eq(&me->host, local))
			continue;
		if (!ike_conn_peer_matches(c, i, peer))
			continue;
		*this_end = i;
		return c->spec.end[1 - i].host_kind == HOST_ADDR ? 2 : 1;
	}
	return 0;
}

/*
 * The best connection seen so far: the highest score and, among equals, the oldest
 * (lowest serial). pick_done() takes a reference under the RCU read lock it drops.
 */
struct pick {
	struct connection *c;
	int score;
	uint8_t end;
};

static void pick_offer(struct pick *p, struct connection *c, int s, uint8_t end)
{
	if (s > p->score || (s == p->score && p->c && c->serial < p->c->serial)) {
		p->c = c;
		p->score = s;
		p->end = end;
	}
}

static struct connection *pick_done(struct pick *p, uint8_t *this_end)
{
	if (p->c) {
		ike_connection_ref(p->c);
		*this_end = p->end;
	}
	rcu_read_unlock();
	return p->c;
}

static struct connection *best(struct ike_daemon *d, const struct ip_addr *local,
			       const struct ip_addr *peer, const struct ike_id *id,
			       uint8_t *this_end)
{
	struct pick pick = { 0 };
	struct cds_lfht_iter it;
	struct conn_node *n;

	rcu_read_lock();
	cds_lfht_for_each_entry(d->conns->ht, &it, n, lfht) {
		struct connection *c = ike_connection_of(n);
		uint8_t end;
		int s = score(c, local, peer, &end);

		if (s == 0)
			continue;
		if (id) {
			const struct ike_id *want = &c->id[1 - end];
			if (!ike_id_match(want, id))
				continue;
			if (!ike_id_is_any(want) && !ike_id_is_fromcert(want))
				s += 2;	/* a named peer beats %any */
		}
		pick_offer(&pick, c, s, end);
	}
	return pick_done(&pick, this_end);
}

struct ike_ts ike_conn_remote_ts(const struct connection *c, uint8_t this_end,
				 const struct ip_addr *peer)
{
	struct ike_ts remote = c->ts[1 - this_end];
	const struct conn_end_spec *e = &c->spec.end[1 - this_end];

	/* A road warrior's own address stands for an unset client. */
	if (e->host_kind != HOST_ADDR && !e->has_client) {
		struct ip_subnet hs = ip_subnet_from_addr(peer);
		remote = ike_ts_from_subnet(&hs, remote.ipproto,
					    remote.sport == remote.eport ? remote.sport : 0);
	}
	return remote;
}

struct connection *ike_conn_for_ts(struct ike_daemon *d, const struct ip_addr *local,
				   const struct ip_addr *peer, const struct ike_id *peer_id,
				   const struct ike_id *our_id, const struct ike_ts_set *tsi,
				   const struct ike_ts_set *tsr, uint8_t *this_end)
{
	struct pick pick = { 0 };
	struct cds_lfht_iter it;
	struct conn_node *n;

	rcu_read_lock();
	cds_lfht_for_each_entry(d->conns->ht, &it, n, lfht) {
		struct connection *c = ike_connection_of(n);
		struct ike_ts narrowed;
		uint8_t end;
		int s = score(c, local, peer, &end);

		if (s == 0 || !(c->spec.policy & (POL_ENCRYPT | POL_AUTHENTICATE)))
			continue;
		if (!ike_id_eq(&c->id_self[end], our_id))
			continue;
		if (!ike_id_match(&c->id[1 - end], peer_id))
			continue;
		struct ike_ts remote = ike_conn_remote_ts(c, end, peer);
		if (ike_ts_narrow(tsi, &remote, &narrowed) < 0 ||
		    ike_ts_narrow(tsr, &c->ts[end], &narrowed) < 0)
			continue;
		pick_offer(&pick, c, s, end);
	}
	return pick_done(&pick, this_end);
}

struct connection *ike_conn_for_responder(struct ike_daemon *d, const struct ip_addr *local,
					  const struct ip_addr *peer, uint8_t *this_end)
{
	return best(d, local, peer, NULL, this_end);
}

struct connection *ike_conn_for_id(struct ike_daemon *d, const struct ip_addr *local,
				   const struct ip_addr *peer, const struct ike_id *id,
				   uint8_t *this_end)
{
	return best(d, local, peer, id, this_end);
}
