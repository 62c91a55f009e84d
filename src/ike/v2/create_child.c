/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CREATE_CHILD_SA (RFC 7296 1.3), both roles:
 *
 *   one more Child SA (1.3.1):
 *     HDR, SK {SA, Ni, [KEi], TSi, TSr}               -->
 *                                  <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
 *   rekeying a Child SA (1.3.3):
 *     HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}  -->
 *                                  <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
 *   rekeying the IKE SA (1.3.2):
 *     HDR, SK {SA, Ni, KEi}                           -->
 *                                  <--  HDR, SK {SA, Nr, KEr}
 *
 * The optional KE is PFS (ike_connection_child_esp() says when). Make
 * before break: a rekeyed Child SA is installed, and takes the outbound
 * traffic (its policies replace the old one's in place, with the same
 * reqid), before its initiator deletes the old one; a rekeyed IKE SA takes
 * every Child SA before its initiator deletes the old IKE SA.
 *
 * Collisions (2.8.1): when both ends rekey one Child SA at once, both new
 * SAs are made, and the one made by the exchange holding the lowest of
 * the four nonces is deleted by the end that initiated it. A request to
 * rekey the IKE SA while one of our own CREATE_CHILD_SA exchanges is out,
 * or a Child SA we are deleting, and a Child SA request while our IKE SA
 * rekey is out, are answered TEMPORARY_FAILURE (2.25);
 * a TEMPORARY_FAILURE answer is retried after a back-off.
 *
 * Each step computes into locals and touches the SA only once every check
 * of the message passed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ikev2_keys.h"
#include "ike/alg_names.h"
#include "ike/conn_select.h"
#include "ike/v2/child.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "ike/v2/kex.h"
#include "ike/v2/task.h"
#include "util/log.h"

enum {
	CC_NONCE_LEN = 32,
	CC_REKEYED_GRACE_MS = 60000,	/* a replaced IKE SA waits this long for the peer's Delete */
	KEYMAT_MAX = 2 * 160,
};

/* Our answer to the peer's CREATE_CHILD_SA while it waits on the kernel or crypto. */
struct v2_cc_resp {
	uint8_t what;			/* V2T_NEW_CHILD, V2T_REKEY_CHILD or V2T_REKEY_IKE */
	uint64_t child;			/* the Child SA being made */
	uint64_t old;			/* REKEY_CHILD: the one it replaces */
	struct ike_sa *new_ike;		/* REKEY_IKE: the IKE SA being made */
	uint8_t num;			/* the accepted proposal's number */
	struct v2_proposal accepted;
	uint16_t dh;
	uint16_t ni_len, peer_ke_len, pub_len;
	uint8_t ni[V2_NONCE_MAX];
	uint8_t nr[CC_NONCE_LEN];
	uint8_t peer_ke[V2_KE_MAX];
	uint8_t pub[V2_KE_MAX];
};

static struct timer_wheel *wheel(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
}

void v2_cc_resp_free(struct ike_sa *sa)
{
	struct v2_cc_resp *r = sa->ext ? sa->ext->rctx : NULL;	/* a half-open SA has no ext */

	if (!r)
		return;
	sa->ext->rctx = NULL;
	if (r->new_ike)
		ike_sa_free(r->new_ike);
	crypto_wipe(r, sizeof(*r));
	free(r);
}

/*
 * Our answer to the peer's IKE SA rekey failed: the SA goes on as it was,
 * and our own exchanges, which waited for the answer (v2_tasks_kick()),
 * may start.
 */
static void r_ike_rekey_failed(struct ike_sa *sa)
{
	v2_cc_resp_free(sa);
	v2_tasks_kick(sa);
}

bool v2_cc_answering_ike_rekey(const struct ike_sa *sa)
{
	return sa->ext && sa->ext->rctx && sa->ext->rctx->what == V2T_REKEY_IKE;
}

/* The lowest of two nonces, as 2.8.1 compares them (bytes, then length). */
static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	return c ? c : (alen > blen) - (alen < blen);
}

static void keep_lowest(uint8_t out[CHILD_NONCE_KEEP], uint8_t *out_len, const uint8_t *a,
			size_t alen, const uint8_t *b, size_t blen)
{
	const uint8_t *lo = nonce_cmp(a, alen, b, blen) <= 0 ? a : b;
	size_t lolen = lo == a ? alen : blen;

	*out_len = (uint8_t)(lolen < CHILD_NONCE_KEEP ? lolen : CHILD_NONCE_KEEP);
	memcpy(out, lo, *out_len);
}

/* ---- common steps ---- */

static void send_error(struct ike_sa *sa, uint16_t type, const void *data, size_t len)
{
	struct v2_build b;
	struct v2_notification n = { .type = type, .len = (uint16_t)len, .data = data };
	size_t total;

	if (type == V2N_TEMPORARY_FAILURE)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_TEMP_FAIL_SENT);
	if (v2_start(sa, &b, V2_CREATE_CHILD_SA, true, v2_answer_msgid(sa), true) == 0 &&
	    v2_build_notify(&b, &n) == 0 && v2_seal(sa, &b, &total) == 0)
		v2_send_response(sa, sa->w->txbuf, total);
}

static struct child_sa *child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->spi_out == spi && c->state == CHILD_INSTALLED && !c->lingering)
			return c;
	return NULL;
}

/*
 * After a Child SA rekey completed: the collision rule, then the old SA's
 * fate. The initiator of the exchange that made c deletes what is
 * redundant.
 */
/*
 * old is superseded by heir: the traffic totals carry over (what old
 * itself carried now, its own kernel counts when it is removed).
 */
void v2_child_supersede(struct child_sa *old, struct child_sa *heir)
{
	old->superseded = true;
	heir->carried_in += old->carried_in;
	heir->carried_out += old->carried_out;
	old->carried_in = old->carried_out = 0;
	old->successor_spi = heir->spi_in;
	old->successor_reqid = heir->reqid;
}

static void rekey_settled(struct ike_sa *sa, struct child_sa *c)
{
	struct child_sa *old = ike_child_find(sa, c->rekey_of), *twin = NULL;

	for (struct child_sa *o = sa->children; o; o = o->next)
		if (o != c && o->rekey_of == c->rekey_of && o->state == CHILD_INSTALLED)
			twin = o;
	if (twin) {
		/* 2.8.1: the exchange holding the lowest nonce made the redundant SA. */
		bool c_loses = nonce_cmp(c->nonce_min, c->nonce_min_len, twin->nonce_min,
					 twin->nonce_min_len) < 0;
		struct child_sa *loser = c_loses ? c : twin;
		struct child_sa *winner = c_loses ? twin : c;

		ike_sa_progress(sa, RC_LOG,
				"Child SA rekey collision: #%llu is redundant, #%llu stays",
				(unsigned long long)loser->serial, (unsigned long long)winner->serial);
		/* The winner owns the policies (both have the old one's reqid). */
		atomic_store(&winner->conn->policy_owner, winner->serial);
		v2_child_supersede(loser, winner);
		if (loser->we_initiated)
			v2_child_delete_tell_peer(sa, loser);
		if (winner->we_initiated && old)
			v2_child_delete_tell_peer(sa, old);
		return;
	}
	if (old) {
		v2_child_supersede(old, c);
		if (c->we_initiated)
			v2_child_delete_tell_peer(sa, old);	/* the initiator deletes the old SA */
	}
}

static void take_over(struct ike_sa *old, struct ike_sa *n);

/* A new IKE SA rekeying old: the same ends, ports, NAT state and identities. */
static void inherit(struct ike_sa *n, const struct ike_sa *old)
{
	n->ext->rekey_serial = old->serial;
	n->this_end = old->this_end;
	n->local = old->local;
	n->peer = old->peer;
	n->local_port = old->local_port;
	n->peer_port = old->peer_port;
	n->natt = old->natt;
	n->nat_local = old->nat_local;
	n->nat_peer = old->nat_peer;
}

/* A new IKE SA to rekey old, with old's peer ID (as inherit() then does the rest); NULL on ENOMEM. */
static struct ike_sa *rekey_sa_new(struct ike_sa *old, bool initiator, const uint8_t *peer_spi_i)
{
	struct ike_sa *n = ike_sa_new(old->w, initiator, old->conn, old->l, peer_spi_i);

	if (n && ike_sa_set_peer_id(n, old->ext->id_remote) < 0) {
		ike_sa_free(n);
		return NULL;
	}
	return n;
}

/* ---- initiator ---- */

static void task_fail(struct ike_sa *sa, const char *fmt, const char *what)
{
	struct v2_task *t = sa->active;
	struct child_sa *c = t ? ike_child_find(sa, t->new_child) : NULL;
	struct child_sa *old = t ? ike_child_find(sa, t->child) : NULL;

	/* A whack waiting for this Child SA hears of the failure as one (a non-zero exit). */
	ike_sa_progress(sa, t && t->whack ? RC_FATAL : RC_LOG, fmt, what);
	if (t && (t->kind == V2T_REKEY_CHILD || t->kind == V2T_REKEY_IKE))
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REKEY_FAILED);
	if (c)
		ike_child_unlink_free(sa, c);
	if (old)
		old->rekeying = false;	/* a later soft expiry may try again */
	if (t && t->new_ike) {
		ike_sa_free(t->new_ike);
		t->new_ike = NULL;
	}
	if (t && sa->ext->rekey_twin && sa->state == IKE_ESTABLISHED) {
		/*
		 * Our rekey failed, the peer's made its SA: that one takes over,
		 * with our queue; nothing starts on this one first.
		 */
		struct ike_sa *twin = sa->ext->rekey_twin;
		sa->ext->rekey_twin = NULL;
		v2_task_drop(sa);
		take_over(sa, twin);
		return;
	}
	v2_task_done(sa);
}

static void cc_send(struct ike_sa *sa)
{
	struct v2_task *t = sa->active;
	struct v2_sa *sa_pl = sa->w->sa_scratch;
	struct v2_build b;
	struct v2_nonce ni = { .len = t->ni_len, .data = t->ni };
	struct v2_ke ke = { .group = t->dh, .len = t->pub_len, .data = t->pub };
	struct proposal_set set;
	size_t len;

	v2_start(sa, &b, V2_CREATE_CHILD_SA, false, sa->msgid_next, true);
	if (t->kind == V2T_REKEY_IKE) {
		uint8_t spi[8];
		memcpy(spi, t->new_ike->spi_i, 8);
		proposal_set_to_sa(sa->conn->cfg->ike_props, V2_PROTO_IKE, spi, 8, sa_pl);
		v2_build_sa(&b, sa_pl);
		v2_build_nonce(&b, &ni);
		v2_build_ke(&b, &ke);
	} else {
		struct child_sa *c = ike_child_find(sa, t->new_child);
		uint8_t spi[4];
		struct v2_ts ts;

		if (!c) {
			task_fail(sa, "%s", "the Child SA being made went away");
			return;
		}
		if (t->kind == V2T_REKEY_CHILD) {
			struct child_sa *old = ike_child_find(sa, t->child);
			struct v2_notification n = { .type = V2N_REKEY_SA, .protocol = V2_PROTO_ESP,
						     .spi_size = 4 };
			v2_spi32_put(n.spi, old ? old->spi_in : 0);
			v2_build_notify(&b, &n);
		}
		if (c->transport) {
			struct v2_notification n = { .type = V2N_USE_TRANSPORT_MODE };
			v2_build_notify(&b, &n);
		}
		ike_connection_child_esp(c->conn, sa->suite.dh, &set);
		v2_spi32_put(spi, c->spi_in);
		proposal_set_to_sa(&set, V2_PROTO_ESP, spi, 4, sa_pl);
		v2_build_sa(&b, sa_pl);
		v2_build_nonce(&b, &ni);
		if (t->dh)
			v2_build_ke(&b, &ke);
		v2_ts_to_wire(&c->ts_local, &ts);
		v2_build_ts(&b, V2_PL_TSI, &ts);
		v2_ts_to_wire(&c->ts_remote, &ts);
		v2_build_ts(&b, V2_PL_TSR, &ts);
	}
	if (v2_seal(sa, &b, &len) < 0) {
		task_fail(sa, "%s", "cannot build the CREATE_CHILD_SA request");
		return;
	}
	sa->msgid_next++;
	v2_send_request(sa, sa->w->txbuf, len);
	v2_tasks_kick(sa);	/* a message ID window larger than one: the next may start */
}

/* Our KE is ready (or none is needed): send, or generate it first. */
static void cc_ke_then_send(struct ike_sa *sa)
{
	struct v2_task *t = sa->active;

	if (t->dh && !t->pub) {
		struct v2_kex_params p = { .mode = KEX_GEN, .task = t->kind, .group = t->dh };
		if (v2_kex_run(sa, &p) < 0)
			task_fail(sa, "%s", "cannot queue the key exchange");
		return;
	}
	cc_send(sa);
}

/* IKE_EV_CRYPTO, KEX_GEN, for one of our CREATE_CHILD_SA tasks. */
void v2_cc_i_keygen(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_task *t = sa->active;
	struct kex_result *r = in->kex;

	if (!t || r->status < 0 || !(t->pub = malloc(r->pub_len))) {
		if (t)
			task_fail(sa, "%s", "generating our KE failed");
		return;
	}
	t->ke = r->ke;
	r->ke = NULL;
	memcpy(t->pub, r->pub, r->pub_len);
	t->pub_len = r->pub_len;
	cc_send(sa);
}

static void i_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v2_task *t = sa->active;

	if (!t || t->new_child != c->serial)
		return;		/* the task ended meanwhile: the child went with it */
	if (status < 0) {
		task_fail(sa, "the kernel gave no SPI for the new Child SA (%s)", strerror(-status));
		return;
	}
	cc_ke_then_send(sa);
}

int v2_cc_start(struct ike_sa *sa, struct v2_task *t)
{
	t->ni_len = CC_NONCE_LEN;
	crypto_random(t->ni, CC_NONCE_LEN);
	if (t->kind == V2T_REKEY_IKE) {
		struct ike_sa *n = rekey_sa_new(sa, true, NULL);
		if (!n)
			return -ENOMEM;
		n->state = IKE_I_REKEY;
		inherit(n, sa);
		t->new_ike = n;
		t->dh = sa->suite.dh ? sa->suite.dh
				     : proposal_set_first_dh(sa->conn->cfg->ike_props);
		ike_sa_progress(sa, RC_LOG, "rekeying the IKE SA (new SA #%llu)",
				(unsigned long long)n->serial);
		cc_ke_then_send(sa);
		return 0;
	}

	struct child_sa *old = NULL, *c;
	struct connection *conn = t->conn ? t->conn : sa->conn;
	uint8_t end = t->conn ? t->this_end : sa->this_end;
	struct proposal_set set;

	if (t->kind == V2T_REKEY_CHILD) {
		old = ike_child_find(sa, t->child);
		if (!old || old->state != CHILD_INSTALLED || old->superseded) {
			v2_task_done(sa);	/* nothing left to rekey */
			return 0;
		}
		conn = old->conn;
		end = old->this_end;
	}
	c = ike_child_new(sa, conn, end);
	if (!c)
		return -ENOMEM;
	c->we_initiated = true;
	c->encap = sa->nat_local || sa->nat_peer;
	if (old) {
		old->rekeying = true;
		c->rekey_of = old->serial;
		c->reqid = old->reqid;	/* the same policies: make before break */
		c->transport = old->transport;
		c->ts_local = old->ts_local;
		c->ts_remote = old->ts_remote;
	} else {
		c->transport = !(conn->spec->policy & POL_TUNNEL);
		c->ts_local = ike_conn_local_ts_sa(conn, end, sa->ext->given);
		c->ts_remote = ike_conn_remote_ts_sa(conn, end, &sa->peer, ike_sa_lease(sa));
	}
	t->new_child = c->serial;
	t->dh = ike_connection_child_esp(conn, sa->suite.dh, &set);
	if (t->whack && !sa->ext->whack)
		sa->ext->whack = ike_progress_ref(t->whack);	/* its lines until the task ends */
	ike_child_progress(sa, c, RC_LOG, "%s Child SA #%llu%s",
			old ? "rekeying" : "negotiating one more", (unsigned long long)c->serial,
			t->dh ? " with PFS" : "");
	if (old)
		ike_sa_progress(sa, RC_LOG, "#%llu replaces Child SA #%llu",
				(unsigned long long)c->serial, (unsigned long long)old->serial);
	return v2_child_alloc_spi(sa, c, i_spi_done);
}

static void i_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v2_task *t = sa->active;
	bool ours = t && t->new_child == c->serial;

	if (status < 0) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		v2_child_delete_tell_peer(sa, c);
		if (ours)
			task_fail(sa, "the kernel refused the new Child SA (%s)", strerror(-status));
		return;
	}
	v2_child_established(sa, c);
	if (c->rekey_of) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_REKEYED);
		if (ours)
			ike_rekey_observe(sa->w, ike_now(sa->w) - t->started_ms);
		rekey_settled(sa, c);
	}
	if (ours)
		v2_task_done(sa);
}

/* The responder's error answer to our CREATE_CHILD_SA. */
static void i_refused(struct ike_sa *sa, uint16_t err)
{
	struct v2_task *t = sa->active;

	if (err == V2N_TEMPORARY_FAILURE) {
		struct child_sa *c = ike_child_find(sa, t->new_child);
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_TEMP_FAIL_RECV);
		/* Try again later with a fresh SPI and nonce. */
		if (c)
			ike_child_unlink_free(sa, c);
		t->new_child = 0;
		free(t->pub);
		t->pub = NULL;
		t->pub_len = 0;
		crypto_ke_free(t->ke);
		t->ke = NULL;
		if (t->new_ike) {
			ike_sa_free(t->new_ike);
			t->new_ike = NULL;
		}
		if (v2_task_retry_later(sa)) {
			ike_sa_progress(sa, RC_LOG,
					"the peer answered TEMPORARY_FAILURE: trying again later");
			return;
		}
	}
	if (err == V2N_CHILD_SA_NOT_FOUND && t->kind == V2T_REKEY_CHILD) {
		struct child_sa *old = ike_child_find(sa, t->child);
		struct child_sa *c = ike_child_find(sa, t->new_child);

		if (!old || old->superseded) {
			/*
			 * The peer's own rekey of it won (2.8.1) and its Delete came
			 * before our request did (ours was lost or slow): its
			 * replacement is up, there was nothing left to rekey.
			 */
			ike_sa_progress(sa, RC_LOG,
					"Child SA #%llu was already replaced by the peer's rekey",
					(unsigned long long)t->child);
			if (c)
				ike_child_unlink_free(sa, c);
			v2_task_done(sa);
			return;
		}
		/* The peer has no such SA (a Delete crossed our request): ours goes too. */
		v2_child_delete_tell_peer(sa, old);
	}
	if (t->kind == V2T_REKEY_CHILD || t->kind == V2T_REKEY_IKE)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REKEY_REFUSED);
	if (err == V2N_NO_ADDITIONAL_SAS && t->kind == V2T_REKEY_IKE) {
		/* A peer that cannot rekey in place: start a new IKE SA instead. */
		task_fail(sa, "the peer cannot rekey the IKE SA in place (%s); replacing it",
			  v2_notify_name(err));
		ike_sa_replace(sa, "IKE SA rekey refused");
		return;
	}
	task_fail(sa, "CREATE_CHILD_SA refused with %s", v2_notify_name(err));
}

/* IKE_EV_RESPONSE to a Child SA task (new or rekey). */
void v2_cc_i_child_response(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_msg *m = in->m;
	struct v2_task *t = sa->active;
	struct child_sa *c = ike_child_find(sa, t->new_child);
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *nr = v2_msg_get(m, V2_PL_NONCE),
				*ke = v2_msg_get(m, V2_PL_KE), *tsi = v2_msg_get(m, V2_PL_TSI),
				*tsr = v2_msg_get(m, V2_PL_TSR);
	uint16_t err = v2_first_error(m);
	struct proposal_set set;
	struct v2_suite suite;
	struct ike_ts_set si, sr;

	v2_request_done(sa);
	if (err || !sa_pl) {
		i_refused(sa, err ? err : V2N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (!c) {
		task_fail(sa, "%s", "the Child SA being made went away");
		return;
	}
	ike_connection_child_esp(c->conn, sa->suite.dh, &set);
	if (proposal_check_reply(&set, sa_pl->u.sa, V2_PROTO_ESP, &suite) < 0 ||
	    sa_pl->u.sa->props[0].spi_size != 4 || !nr || !tsi || !tsr ||
	    v2_ts_from_wire(tsi->u.ts, &si) < 0 || v2_ts_from_wire(tsr->u.ts, &sr) < 0 ||
	    !ike_ts_set_within(&si, &c->ts_local) || !ike_ts_set_within(&sr, &c->ts_remote) ||
	    (suite.dh != t->dh) || (t->dh && (!ke || ke->u.ke.group != t->dh)) ||
	    (!t->dh && ke)) {
		v2_child_delete_tell_peer(sa, c);
		task_fail(sa, "%s", "the CREATE_CHILD_SA answer is unacceptable; its Child SA is deleted");
		return;
	}
	/* Every check passed: commit. */
	c->suite = suite;
	c->spi_out = v2_spi32_get(sa_pl->u.sa->props[0].spi);
	c->ts_local = si.ts[0];
	c->ts_remote = sr.ts[0];
	if (c->transport && !v2_msg_notify(m, V2N_USE_TRANSPORT_MODE))
		c->transport = false;
	keep_lowest(c->nonce_min, &c->nonce_min_len, t->ni, t->ni_len, nr->u.nonce.data,
		    nr->u.nonce.len);
	/* The responder's nonce is needed by KEYMAT: keep it in the task meanwhile. */
	free(t->pub);
	t->pub = NULL;
	if (!t->dh) {
		uint8_t keymat[KEYMAT_MAX];
		size_t half = crypto_esp_keymat_len(&c->suite);
		int rc = 2 * half <= sizeof(keymat) ?
				 crypto_child_keymat(sa->suite.prf, sa->keys->sk_d, sa->keys->sk_d_len, NULL, 0,
						     t->ni, t->ni_len, nr->u.nonce.data,
						     nr->u.nonce.len, keymat, 2 * half) :
				 -EMSGSIZE;
		if (rc == 0)
			rc = v2_child_install(sa, c, keymat, 2 * half, i_installed);
		crypto_wipe(keymat, sizeof(keymat));
		if (rc < 0)
			i_installed(sa, c, rc);
		return;
	}
	/* PFS: g^ir first (a job), then KEYMAT = prf+(SK_d, g^ir | Ni | Nr). */
	t->pub = malloc(nr->u.nonce.len);
	if (!t->pub) {
		i_installed(sa, c, -ENOMEM);
		return;
	}
	memcpy(t->pub, nr->u.nonce.data, nr->u.nonce.len);	/* now Nr */
	t->pub_len = nr->u.nonce.len;
	struct v2_kex_params p = { .mode = KEX_GIR, .task = t->kind, .group = t->dh, .ke = t->ke,
				   .peer = ke->u.ke.data, .peer_len = ke->u.ke.len };
	if (v2_kex_run(sa, &p) < 0) {
		i_installed(sa, c, -ENOMEM);
		return;
	}
	t->ke = NULL;
}

/* KEYMAT with g^ir (t->pub holds Nr by now), then the kernel. */
static int install_pfs(struct ike_sa *sa, struct child_sa *c, const struct kex_result *r,
		       const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		       child_done_fn *done)
{
	uint8_t keymat[KEYMAT_MAX];
	size_t half = crypto_esp_keymat_len(&c->suite);
	int rc = r->status;

	if (rc == 0 && 2 * half > sizeof(keymat))
		rc = -EMSGSIZE;
	if (rc == 0)
		rc = crypto_child_keymat(sa->suite.prf, sa->keys->sk_d, sa->keys->sk_d_len, r->gir, r->gir_len,
					 ni, ni_len, nr, nr_len, keymat, 2 * half);
	if (rc == 0)
		rc = v2_child_install(sa, c, keymat, 2 * half, done);
	crypto_wipe(keymat, sizeof(keymat));
	return rc;
}

/* IKE_EV_CRYPTO, KEX_GIR, for our Child SA task. */
void v2_cc_i_child_gir(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_task *t = sa->active;
	struct child_sa *c = t ? ike_child_find(sa, t->new_child) : NULL;
	int rc;

	if (!c)
		return;
	rc = install_pfs(sa, c, in->kex, t->ni, t->ni_len, t->pub, t->pub_len, i_installed);
	if (rc < 0)
		i_installed(sa, c, rc);
}

/* Move every Child SA and queued task of old to n, which takes over. */
static void hand_over(struct ike_sa *old, struct ike_sa *n)
{
	struct child_sa **pp = &n->children;

	for (struct child_sa *c = old->children; c; c = c->next)
		c->sa = n;
	while (*pp)
		pp = &(*pp)->next;
	*pp = old->children;
	old->children = NULL;
	/* An instance's lease stays in the instance; a fixed peer's moves, so does what we got. */
	ike_sa_lease_move(n, old);
	free(n->ext->given);
	n->ext->given = old->ext->given;
	old->ext->given = NULL;
	/*
	 * Each moved child is counted on the same worker: the gauges stay
	 * right. What the old SA had queued is the new one's now; a Delete of
	 * the old IKE SA (its lifetime ended while the rekey was out) is not,
	 * unless whack --terminate asked for it: that one ends the new SA too.
	 * The rekey's own Delete of the old SA is queued after this.
	 */
	if (old->terminating)
		n->terminating = true;
	while (old->tasks) {
		struct v2_task *t = old->tasks;
		old->tasks = t->next;
		t->next = NULL;
		if (t->kind == V2T_DELETE_IKE &&
		    (!old->terminating || v2_task_pending(n, V2T_DELETE_IKE, 0))) {
			v2_task_free(t);
			continue;
		}
		v2_task_add(n, t);
	}
	old->state = IKE_REKEYED;
	old->ext->rekey_serial = n->serial;
	timer_arm(wheel(old), &old->life, ike_now(old->w) + CC_REKEYED_GRACE_MS);
}

/* The new IKE SA has its keys: it takes over from the old one. */
/* n, whose keys are installed, takes over from old. */
static void take_over(struct ike_sa *old, struct ike_sa *n)
{
	char alg[96];

	n->ext->rekey_serial = 0;
	n->msgid_next = 0;
	n->msgid_peer = 0;
	n->counted_up = old->counted_up;
	old->counted_up = false;	/* the gauge moves with the SA */
	hand_over(old, n);
	v2_ike_established(n);
	ike_stats_established(n, IKE_XS_CREATE_CHILD);
	counters_inc(n->w->d->ctr, n->w->index, IKEC_IKE_REKEYED);
	if (ike_progress_admit(ike_sa_whack(old))) {
		proposal_suite_str(&n->suite, alg, sizeof(alg));
		ike_sa_progress_admitted(old, RC_LOG, "IKE SA rekeyed: #%llu {%s} takes over",
					 (unsigned long long)n->serial, alg);
	}
}

/*
 * A new IKE SA that a rekey collision made redundant: keys up, no
 * children; it waits for the Delete of whichever end made it (ours goes
 * out when we made it).
 */
static void redundant(struct ike_sa *n, bool ours)
{
	char name[CONN_NAME_MAX + 32];

	n->ext->rekey_serial = 0;
	n->state = IKE_REKEYED;
	timer_arm(wheel(n), &n->life, ike_now(n->w) + CC_REKEYED_GRACE_MS);
	log_limited(LOG_INFO, 20, "redundant after a simultaneous IKE SA rekey",
		    "%s: redundant after a simultaneous IKE SA rekey (RFC 7296 2.8.2)",
		    ike_sa_name(n, name, sizeof(name)));
	if (ours) {
		struct v2_task *d = v2_task_new(V2T_DELETE_IKE);
		if (d)
			v2_task_add(n, d);
		else
			ike_sa_free(n);
	}
}

/* IKE_EV_RESPONSE to our IKE SA rekey. */
void v2_cc_i_ike_response(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_msg *m = in->m;
	struct v2_task *t = sa->active;
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *nr = v2_msg_get(m, V2_PL_NONCE),
				*ke = v2_msg_get(m, V2_PL_KE);
	uint16_t err = v2_first_error(m);
	struct v2_suite suite;
	struct ike_sa *n = t->new_ike;

	v2_request_done(sa);
	if (err || !sa_pl) {
		i_refused(sa, err ? err : V2N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (!n) {
		task_fail(sa, "%s", "the new IKE SA went away");
		return;
	}
	if (proposal_check_reply(sa->conn->cfg->ike_props, sa_pl->u.sa, V2_PROTO_IKE, &suite) < 0 ||
	    sa_pl->u.sa->props[0].spi_size != 8 || !nr || !ke || suite.dh != t->dh ||
	    ke->u.ke.group != t->dh) {
		task_fail(sa, "%s", "the IKE SA rekey answer is unacceptable");
		return;
	}
	/* Commit: the new SA's SPIs, suite and nonces. */
	memcpy(n->spi_r, sa_pl->u.sa->props[0].spi, 8);
	n->suite = suite;
	keep_lowest(n->ext->nonce_min, &n->ext->nonce_min_len, t->ni, t->ni_len, nr->u.nonce.data,
		    nr->u.nonce.len);
	struct v2_kex_params p = {
		.mode = KEX_REKEY_IKE, .task = V2T_REKEY_IKE, .group = t->dh, .ke = t->ke,
		.peer = ke->u.ke.data, .peer_len = ke->u.ke.len, .suite = suite,
		.old_prf = sa->suite.prf, .old_sk_d = sa->keys->sk_d, .old_sk_d_len = sa->keys->sk_d_len,
		.ni = t->ni, .ni_len = t->ni_len, .nr = nr->u.nonce.data,
		.nr_len = nr->u.nonce.len, .spi_i = n->spi_i, .spi_r = n->spi_r,
	};
	if (v2_kex_run(sa, &p) < 0) {
		task_fail(sa, "%s", "cannot queue the key derivation");
		return;
	}
	t->ke = NULL;
}

/* IKE_EV_CRYPTO, KEX_REKEY_IKE, for our IKE SA rekey. */
void v2_cc_i_ike_keys(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_task *t = sa->active;
	struct ike_sa *n = t ? t->new_ike : NULL;

	if (!n)
		return;
	if (in->kex->status < 0 || !in->kex->derived) {
		task_fail(sa, "%s", "deriving the new IKE SA's keys failed");
		return;
	}
	if (v2_kex_install_keys(n, in->kex->keys) < 0) {
		task_fail(sa, "%s", "out of memory for the new IKE SA's keys");
		return;
	}
	t->new_ike = NULL;
	ike_rekey_observe(sa->w, ike_now(sa->w) - t->started_ms);
	struct ike_sa *twin = sa->ext->rekey_twin;
	sa->ext->rekey_twin = NULL;
	if (twin && nonce_cmp(n->ext->nonce_min, n->ext->nonce_min_len, twin->ext->nonce_min,
			      twin->ext->nonce_min_len) < 0) {
		/* 2.8.2: ours holds the lowest nonce: the peer's SA stays, ours goes, and the peer deletes the old one. */
		take_over(sa, twin);
		v2_task_done(sa);
		n->state = IKE_ESTABLISHED;
		redundant(n, true);
		return;
	}
	take_over(sa, n);
	if (twin)
		redundant(twin, false);	/* the peer made it; the peer deletes it */
	v2_task_done(sa);
	/* The initiator of the rekey that stays deletes the old IKE SA (2.8). */
	struct v2_task *d = v2_task_new(V2T_DELETE_IKE);
	if (d)
		v2_task_add(sa, d);
	else
		ike_sa_free(sa);
}

/* IKE_EV_CRYPTO, KEX_GEN, for our IKE SA rekey: the same as for a Child SA. */

/* ---- responder ---- */

static void r_answer_child(struct ike_sa *sa, struct child_sa *c)
{
	struct v2_cc_resp *r = sa->ext->rctx;
	struct v2_sa *out = sa->w->sa_scratch;
	struct v2_build b;
	struct v2_nonce nr = { .len = CC_NONCE_LEN, .data = r->nr };
	struct v2_ke ke = { .group = r->dh, .len = r->pub_len, .data = r->pub };
	struct v2_ts ts;
	size_t len;

	v2_sa_one(out, &r->accepted, r->num);
	out->props[0].spi_size = 4;
	v2_spi32_put(out->props[0].spi, c->spi_in);
	if (v2_start(sa, &b, V2_CREATE_CHILD_SA, true, v2_answer_msgid(sa), true) < 0)
		return;
	if (c->transport) {
		struct v2_notification n = { .type = V2N_USE_TRANSPORT_MODE };
		v2_build_notify(&b, &n);
	}
	v2_build_sa(&b, out);
	v2_build_nonce(&b, &nr);
	if (r->dh)
		v2_build_ke(&b, &ke);
	v2_ts_to_wire(&c->ts_remote, &ts);	/* TSi: the initiator's side */
	v2_build_ts(&b, V2_PL_TSI, &ts);
	v2_ts_to_wire(&c->ts_local, &ts);
	v2_build_ts(&b, V2_PL_TSR, &ts);
	if (v2_seal(sa, &b, &len) == 0)
		v2_send_response(sa, sa->w->txbuf, len);
}

static void r_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (!sa->ext->rctx || sa->ext->rctx->child != c->serial)
		return;
	if (status < 0) {
		char name[CONN_NAME_MAX + 32];
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		log_limited(LOG_WARNING, 20, "the kernel refused a new Child SA",
			    "%s: the kernel refused the new Child SA (%s); answering TEMPORARY_FAILURE",
			    ike_sa_name(sa, name, sizeof(name)), strerror(-status));
		send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
		ike_child_unlink_free(sa, c);
		v2_cc_resp_free(sa);
		return;
	}
	v2_child_established(sa, c);
	r_answer_child(sa, c);
	v2_cc_resp_free(sa);
	if (c->rekey_of) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_REKEYED);
		rekey_settled(sa, c);
	}
}

static int r_keymat_install(struct ike_sa *sa, struct child_sa *c, const struct kex_result *kr)
{
	struct v2_cc_resp *r = sa->ext->rctx;

	if (kr)
		return install_pfs(sa, c, kr, r->ni, r->ni_len, r->nr, CC_NONCE_LEN, r_installed);
	uint8_t keymat[KEYMAT_MAX];
	size_t half = crypto_esp_keymat_len(&c->suite);
	int rc = 2 * half <= sizeof(keymat) ?
			 crypto_child_keymat(sa->suite.prf, sa->keys->sk_d, sa->keys->sk_d_len, NULL, 0, r->ni,
					     r->ni_len, r->nr, CC_NONCE_LEN, keymat, 2 * half) :
			 -EMSGSIZE;
	if (rc == 0)
		rc = v2_child_install(sa, c, keymat, 2 * half, r_installed);
	crypto_wipe(keymat, sizeof(keymat));
	return rc;
}

static void r_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v2_cc_resp *r = sa->ext->rctx;
	int rc = status;

	if (!r || r->child != c->serial)
		return;
	if (rc == 0 && r->dh) {
		struct v2_kex_params p = { .mode = KEX_GIR, .task = V2T_ANSWER, .answer = true,
					   .group = r->dh, .peer = r->peer_ke,
					   .peer_len = r->peer_ke_len };
		rc = v2_kex_run(sa, &p);
		if (rc == 0)
			return;
	}
	if (rc == 0)
		rc = r_keymat_install(sa, c, NULL);
	if (rc < 0)
		r_installed(sa, c, rc);
}

/* IKE_EV_CRYPTO for our answer: g^ir (Child SA) or the new IKE SA's keys. */
void v2_cc_r_crypto(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_cc_resp *r = sa->ext->rctx;
	struct kex_result *kr = in->kex;

	if (!r)
		return;
	if (kr->status >= 0 && kr->pub_len <= sizeof(r->pub)) {
		memcpy(r->pub, kr->pub, kr->pub_len);
		r->pub_len = kr->pub_len;
	}
	if (r->what == V2T_REKEY_IKE) {
		struct ike_sa *n = r->new_ike;
		struct v2_sa *out = sa->w->sa_scratch;
		struct v2_build b;
		struct v2_nonce nr = { .len = CC_NONCE_LEN, .data = r->nr };
		struct v2_ke ke = { .group = r->dh, .len = r->pub_len, .data = r->pub };
		size_t len;

		if (kr->status < 0 || !kr->derived) {
			send_error(sa, V2N_NO_PROPOSAL_CHOSEN, NULL, 0);
			r_ike_rekey_failed(sa);
			return;
		}
		/* the new SA's keys before the answer that makes it usable */
		if (v2_kex_install_keys(n, kr->keys) < 0) {
			send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
			r_ike_rekey_failed(sa);
			return;
		}
		v2_sa_one(out, &r->accepted, r->num);
		out->props[0].spi_size = 8;
		memcpy(out->props[0].spi, n->spi_r, 8);
		if (v2_start(sa, &b, V2_CREATE_CHILD_SA, true, v2_answer_msgid(sa), true) < 0 ||
		    v2_build_sa(&b, out) < 0 || v2_build_nonce(&b, &nr) < 0 ||
		    v2_build_ke(&b, &ke) < 0 || v2_seal(sa, &b, &len) < 0) {
			r_ike_rekey_failed(sa);
			return;
		}
		v2_send_response(sa, sa->w->txbuf, len);
		r->new_ike = NULL;
		keep_lowest(n->ext->nonce_min, &n->ext->nonce_min_len, r->ni, r->ni_len, r->nr,
			    CC_NONCE_LEN);
		v2_cc_resp_free(sa);
		if (sa->active && sa->active->kind == V2T_REKEY_IKE && !sa->ext->rekey_twin) {
			/* Our own rekey is out too (2.8.2): decide when it ends. */
			sa->ext->rekey_twin = n;
			return;
		}
		take_over(sa, n);
		return;
	}
	struct child_sa *c = ike_child_find(sa, r->child);
	if (!c) {
		v2_cc_resp_free(sa);
		return;
	}
	int rc = kr->status < 0 ? kr->status : r_keymat_install(sa, c, kr);
	if (rc < 0)
		r_installed(sa, c, rc);
}

static struct v2_cc_resp *resp_new(struct ike_sa *sa, uint8_t what, const struct v2_msg *m)
{
	const struct v2_payload *ni = v2_msg_get(m, V2_PL_NONCE), *ke = v2_msg_get(m, V2_PL_KE);
	struct v2_cc_resp *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->what = what;
	r->ni_len = ni->u.nonce.len;
	memcpy(r->ni, ni->u.nonce.data, r->ni_len);
	crypto_random(r->nr, CC_NONCE_LEN);
	if (ke && ke->u.ke.len <= sizeof(r->peer_ke)) {
		r->peer_ke_len = ke->u.ke.len;
		memcpy(r->peer_ke, ke->u.ke.data, ke->u.ke.len);
	}
	sa->ext->rctx = r;
	return r;
}

/* IKE_EV_REQUEST: the peer wants a new or rekeyed Child SA. */
void v2_cc_r_child(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_msg *m = in->m;
	struct ike_daemon *d = sa->w->d;
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *ke = v2_msg_get(m, V2_PL_KE),
				*tsi = v2_msg_get(m, V2_PL_TSI), *tsr = v2_msg_get(m, V2_PL_TSR),
				*ni = v2_msg_get(m, V2_PL_NONCE);
	const struct v2_notification *rekey = v2_msg_notify(m, V2N_REKEY_SA);
	struct child_sa *old = NULL, *c;
	struct connection *conn = sa->conn, *fit = NULL;
	uint8_t end = sa->this_end, num;
	struct proposal_set set;
	struct v2_suite suite;
	struct v2_proposal accepted;
	struct ike_ts_set si, sr;
	struct ike_ts chosen_i, chosen_r, ours_remote;
	uint16_t dh;

	/* 2.25.2: no new or rekeyed Child SA while our IKE SA rekey is out. */
	if (sa->ext->rctx || sa->state != IKE_ESTABLISHED ||
	    (sa->active && sa->active->kind == V2T_REKEY_IKE && sa->req)) {
		send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (rekey) {
		if (rekey->protocol != V2_PROTO_ESP || rekey->spi_size != 4) {
			send_error(sa, V2N_INVALID_SYNTAX, NULL, 0);
			return;
		}
		old = child_by_spi_out(sa, v2_spi32_get(rekey->spi));
		if (!old) {
			send_error(sa, V2N_CHILD_SA_NOT_FOUND, NULL, 0);
			return;
		}
		if (v2_task_deleting_spi(sa, old->spi_in)) {
			send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
			return;
		}
		conn = old->conn;
		end = old->this_end;
	}
	if (v2_ts_from_wire(tsi->u.ts, &si) < 0 || v2_ts_from_wire(tsr->u.ts, &sr) < 0) {
		send_error(sa, V2N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	if (!old) {
		/* One more Child SA: the connection between these ends whose selectors fit. */
		const struct ike_id *me = ike_sa_id_local(sa);
		struct connection *chosen =
			ike_conn_for_ts(d, &sa->local, &sa->peer, sa->ext->id_remote, me, &si, &sr,
					&end);
		if (!chosen) {
			send_error(sa, V2N_TS_UNACCEPTABLE, NULL, 0);
			return;
		}
		/* A template's Child SA belongs to the client's instance of it. */
		fit = ike_sa_client_conn(sa, chosen, end);
		ike_connection_unref(chosen);
		if (!fit) {
			send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
			return;
		}
		conn = fit;
	}
	dh = ike_connection_child_esp(conn, sa->suite.dh, &set);
	if (ke && !dh && proposal_set_require_dh(&set, ke->u.ke.group) < 0)
		goto no_proposal;	/* the peer wants PFS: more than we ask, so accept it */
	if (proposal_match_dh_hint(&set, sa_pl->u.sa, V2_PROTO_ESP, ke ? ke->u.ke.group : 0,
				   &suite, &num, &accepted) < 0)
		goto no_proposal;
	if (suite.dh && (!ke || ke->u.ke.group != suite.dh)) {
		uint8_t g[2] = { (uint8_t)(suite.dh >> 8), (uint8_t)suite.dh };
		if (fit)
			ike_conn_unuse(&d->insts, fit);
		send_error(sa, V2N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	if (!suite.dh && ke) {
		if (fit)
			ike_conn_unuse(&d->insts, fit);
		send_error(sa, V2N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	ours_remote = old ? old->ts_remote
			  : ike_conn_remote_ts_sa(conn, end, &sa->peer, ike_sa_lease(sa));
	if (ike_ts_narrow(&si, &ours_remote, &chosen_i) < 0 ||
	    ike_ts_narrow(&sr, old ? &old->ts_local : conn->ts[end], &chosen_r) < 0) {
		if (fit)
			ike_conn_unuse(&d->insts, fit);
		send_error(sa, V2N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	/* Every check passed: make the Child SA. */
	c = ike_child_new(sa, conn, end);
	if (fit)
		ike_conn_unuse(&d->insts, fit);
	struct v2_cc_resp *r = c ? resp_new(sa, old ? V2T_REKEY_CHILD : V2T_NEW_CHILD, m) : NULL;
	if (!r) {
		if (c)
			ike_child_unlink_free(sa, c);
		send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	const struct v2_proposal *offered = NULL;
	for (unsigned i = 0; i < sa_pl->u.sa->nprops; i++)
		if (sa_pl->u.sa->props[i].num == num)
			offered = &sa_pl->u.sa->props[i];
	r->child = c->serial;
	r->num = num;
	r->accepted = accepted;
	r->dh = suite.dh;
	c->suite = suite;
	c->spi_out = v2_spi32_get(offered ? offered->spi : accepted.spi);
	c->ts_local = chosen_r;
	c->ts_remote = chosen_i;
	c->transport = v2_msg_notify(m, V2N_USE_TRANSPORT_MODE) && !(conn->spec->policy & POL_TUNNEL);
	c->encap = sa->nat_local || sa->nat_peer;
	keep_lowest(c->nonce_min, &c->nonce_min_len, ni->u.nonce.data, ni->u.nonce.len, r->nr,
		    CC_NONCE_LEN);
	if (old) {
		r->old = old->serial;
		c->rekey_of = old->serial;
		c->reqid = old->reqid;
		c->transport = old->transport;
		old->rekeying = true;
	}
	if (v2_child_alloc_spi(sa, c, r_spi_done) < 0) {
		ike_child_unlink_free(sa, c);
		v2_cc_resp_free(sa);
		send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
	}
	return;
no_proposal:
	if (fit)
		ike_conn_unuse(&d->insts, fit);
	send_error(sa, V2N_NO_PROPOSAL_CHOSEN, NULL, 0);
}

/* IKE_EV_REQUEST: the peer rekeys the IKE SA. */
void v2_cc_r_ike(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_msg *m = in->m;
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *ke = v2_msg_get(m, V2_PL_KE);
	const struct v2_proposal *offered = NULL;
	struct v2_suite suite;
	struct v2_proposal accepted;
	uint8_t num;

	/*
	 * 2.25.2: not while a Child SA exchange of ours, or another answer, is
	 * under way; while our own IKE SA rekey is out, both go ahead (2.8.2).
	 */
	if (sa->ext->rctx || sa->state != IKE_ESTABLISHED || sa->ext->rekey_twin ||
	    v2_task_out(sa, V2T_REKEY_CHILD) || v2_task_out(sa, V2T_NEW_CHILD)) {
		send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (!ke || proposal_match_dh_hint(sa->conn->cfg->ike_props, sa_pl->u.sa, V2_PROTO_IKE,
					  ke->u.ke.group, &suite, &num, &accepted) < 0) {
		send_error(sa, V2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (suite.dh != ke->u.ke.group) {
		uint8_t g[2] = { (uint8_t)(suite.dh >> 8), (uint8_t)suite.dh };
		send_error(sa, V2N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	for (unsigned i = 0; i < sa_pl->u.sa->nprops; i++)
		if (sa_pl->u.sa->props[i].num == num)
			offered = &sa_pl->u.sa->props[i];
	if (!offered || offered->spi_size != 8) {
		send_error(sa, V2N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	/* Every check passed: the new IKE SA, its SPIs (the peer's first), then its keys. */
	struct ike_sa *n = rekey_sa_new(sa, false, offered->spi);
	struct v2_cc_resp *r = n ? resp_new(sa, V2T_REKEY_IKE, m) : NULL;
	if (!r) {
		if (n)
			ike_sa_free(n);
		send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	n->state = IKE_R_REKEY;
	inherit(n, sa);
	n->suite = suite;
	r->new_ike = n;
	r->num = num;
	r->accepted = accepted;
	r->dh = suite.dh;
	struct v2_kex_params p = {
		.mode = KEX_REKEY_IKE, .task = V2T_ANSWER, .answer = true, .group = suite.dh,
		.peer = r->peer_ke, .peer_len = r->peer_ke_len, .suite = suite,
		.old_prf = sa->suite.prf, .old_sk_d = sa->keys->sk_d, .old_sk_d_len = sa->keys->sk_d_len,
		.ni = r->ni, .ni_len = r->ni_len, .nr = r->nr, .nr_len = CC_NONCE_LEN,
		.spi_i = n->spi_i, .spi_r = n->spi_r,
	};
	if (v2_kex_run(sa, &p) < 0) {
		send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
		r_ike_rekey_failed(sa);
	}
}

/* IKE_EV_REQUEST for CREATE_CHILD_SA in a state that cannot take it. */
void v2_cc_r_busy(struct ike_sa *sa, struct ike_input *in)
{
	(void)in;
	send_error(sa, V2N_TEMPORARY_FAILURE, NULL, 0);
}
