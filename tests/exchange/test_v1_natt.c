/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv1 NAT traversal (RFC 3947) between two in-process engines (xch.h):
 * the Vendor IDs, NAT-D, the move to port 4500, UDP-encapsulated Quick
 * Mode and the kernel SAs with ESP in UDP, NAT-OA, keepalives,
 * --forceencaps. The NAT is the harness's (xch_set_nat()): west behind
 * it appears to east as 127.0.0.3, port 500 as 1500 and 4500 as 14500.
 * Needs root (a private network namespace).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exchange/xch.h"
#include "util/impair.h"
#include "ike/v1/exchange.h"
#include "ike/v1/msg.h"
#include "ike/v1/natt.h"
#include "ike/v1/p2_proposal.h"
#include "ike/v1/state.h"
#include "ike/v2/child.h"
#include "util/timer_wheel.h"

TestSuite(v1_natt, .init = xch_setup, .fini = xch_teardown, .timeout = 60);

#define NATD "NAT-D NAT-D"
#define MM1 "v1 Main: SA VID VID VID VID VID"
#define MM2 "v1 Main: SA VID VID"
#define MM34 "v1 Main: KE NONCE " NATD
#define MM56 "v1 Main: E{ID HASH}"
#define QM12 "v1 Quick: E{HASH SA NONCE ID ID}"
#define QM3 "v1 Quick: E{HASH}"

#define WEST_TUNNEL                                                                          \
	"--name v1 --ikev1 --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to --host "    \
	"127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt --tunnel"
/* east knows west by the NAT's address */
#define EAST_TUNNEL                                                                          \
	"--name v1 --ikev1 --host 127.0.0.3 --id @west --client 10.1.0.0/16 --to --host "    \
	"127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt --tunnel"

static void pair(const char *west, const char *east)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_WEST)->keep_alive_s = 20;
	xch_daemon(XCH_EAST)->keep_alive_s = 20;
	xch_conn_add(XCH_WEST, west);
	xch_conn_add(XCH_EAST, east);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
}

static const struct xch_msg *step_expect(enum xch_side from, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "nothing on the wire; expected %s", desc);
	cr_assert_str_eq(m->desc, desc);
	return m;
}

/* The Encapsulation Mode of the one transform of the ESP proposal in a Quick Mode message. */
static uint16_t qm_encap(const struct xch_msg *m)
{
	const struct v1_payload *sap = v1_msg_get(m->v1m, V1_PL_SA);
	struct v1_p2 p2;

	cr_assert_not_null(sap);
	cr_assert_eq(v1_p2_of_transform(sap->u.sa, &sap->u.sa->trans[0], &p2), 0);
	return p2.encap;
}

static void assert_addr(const struct ip_addr *a, const char *want)
{
	char buf[IP_ADDR_STRLEN];

	cr_assert_str_eq(ip_addr_str(a, buf), want);
}

/* Both IPsec SAs of a side: ESP in UDP between the ports given (inbound: from peer_port). */
static void assert_encap(enum xch_side side, const struct child_sa *c, uint16_t local_port,
			 uint16_t peer_port)
{
	const struct xch_kernel_sa *in = xch_kernel_sa(side, c->spi_in);
	const struct xch_kernel_sa *out = xch_kernel_sa(side, c->spi_out);

	cr_assert(in && out);
	cr_assert(c->encap);
	cr_assert_eq(in->params.encap_sport, peer_port);
	cr_assert_eq(in->params.encap_dport, local_port);
	cr_assert_eq(out->params.encap_sport, local_port);
	cr_assert_eq(out->params.encap_dport, peer_port);
}

/*
 * Quick Mode from west behind the NAT, over port 4500: both messages 1 and
 * 2 propose encap, the tunnel's IPsec SA installed on both sides as ESP in
 * UDP (west 4500 <-> 4500, east 4500 <-> the NAT's 14500). Returns east's.
 */
static struct child_sa *nat_tunnel_up(struct ike_sa *w, struct ike_sa *e, uint16_t encap)
{
	struct child_sa *wc, *ec;

	cr_assert_eq(qm_encap(step_expect(XCH_WEST, QM12)), encap);
	cr_assert_eq(qm_encap(step_expect(XCH_EAST, QM12)), encap);
	step_expect(XCH_WEST, QM3);
	cr_assert_not(xch_pending(XCH_EAST));
	wc = w->children;
	ec = e->children;
	cr_assert(wc && ec);
	cr_assert_eq(wc->state, CHILD_INSTALLED);
	cr_assert_eq(ec->state, CHILD_INSTALLED);
	cr_assert_not(wc->transport);
	assert_encap(XCH_WEST, wc, 4500, 4500);
	assert_encap(XCH_EAST, ec, 4500, 14500);
	return ec;
}

/* Main Mode, west behind the NAT initiating: NAT-D tells, port 4500 from message 5 on. */
Test(v1_natt, main_mode_initiator_behind_nat)
{
	struct ike_sa *w, *e;
	struct child_sa *ec;

	xch_set_nat(XCH_WEST, "127.0.0.3");
	pair(WEST_TUNNEL, EAST_TUNNEL);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert_eq(w->v1->natt, V1_NATT_RFC);
	cr_assert_eq(e->v1->natt, V1_NATT_RFC);
	cr_assert(w->v1->peer_dpd && e->v1->peer_dpd, "the DPD Vendor ID is sent and recognised");
	step_expect(XCH_WEST, MM34);
	cr_assert(e->nat_peer, "east sees the NAT in front of west");
	cr_assert_not(e->nat_local);
	step_expect(XCH_EAST, MM34);
	cr_assert(w->nat_local, "west sees it is behind a NAT");
	cr_assert_not(w->nat_peer);
	/* message 5 from port 4500: east follows to the NAT's mapping of it */
	step_expect(XCH_WEST, MM56);
	cr_assert(w->natt);
	cr_assert_eq(w->local_port, 4500);
	cr_assert_eq(w->peer_port, 4500);
	cr_assert(e->natt);
	cr_assert_eq(e->peer_port, 14500);
	assert_addr(&e->peer, "127.0.0.3");
	step_expect(XCH_EAST, MM56);
	cr_assert_eq(w->state, IKE_V1_MAIN_I4);
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	/* behind the NAT west keeps its mapping open; east is not behind one */
	cr_assert(timer_is_armed(&w->ext->keepalive));
	cr_assert_not(timer_is_armed(&e->ext->keepalive));

	/* Quick Mode over port 4500: UDP-Encapsulated-Tunnel (RFC 3947: 3) */
	ec = nat_tunnel_up(w, e, V1_ENCAP_UDP_TUNNEL);
	assert_addr(&xch_kernel_sa(XCH_EAST, ec->spi_out)->dst, "127.0.0.3");
}

/*
 * A peer that knows only the NAT-T drafts (--impair v1-natt-draft-only on
 * west: draft-02, its "\n" twin and draft-03, no RFC 3947): east takes the
 * best, draft-03, and both speak it: NAT-D as payload 130, the float to port
 * 4500 from message 5, UDP-Encapsulated-Tunnel as 61443 in Quick Mode, and
 * the IPsec SAs ESP in UDP as with RFC 3947.
 */
Test(v1_natt, draft_03_peer_behind_nat)
{
	const struct xch_msg *m;
	struct ike_sa *w, *e;

	cr_assert_eq(impair_apply("v1-natt-draft-only", true, NULL, 0), 0);
	xch_set_nat(XCH_WEST, "127.0.0.3");
	pair(WEST_TUNNEL, EAST_TUNNEL);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, "v1 Main: SA VID VID VID VID");	/* DPD and three drafts */
	step_expect(XCH_EAST, MM2);
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert_eq(e->v1->natt, V1_NATT_DRAFT_03, "east chose %u", e->v1->natt);
	cr_assert_eq(w->v1->natt, V1_NATT_DRAFT_03, "west took %u", w->v1->natt);
	m = step_expect(XCH_WEST, "v1 Main: KE NONCE NAT-D (draft) NAT-D (draft)");
	cr_assert_eq(m->v1m->pl[2].type, V1_PL_NAT_D_DRAFT);
	cr_assert(e->nat_peer, "east sees the NAT in front of west by the draft's NAT-D");
	step_expect(XCH_EAST, "v1 Main: KE NONCE NAT-D (draft) NAT-D (draft)");
	cr_assert(w->nat_local);
	step_expect(XCH_WEST, MM56);
	cr_assert_eq(w->local_port, 4500);
	cr_assert_eq(e->peer_port, 14500);
	step_expect(XCH_EAST, MM56);
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	nat_tunnel_up(w, e, V1_ENCAP_UDP_TUNNEL_DRAFT);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
}

/* Aggressive Mode, west behind the NAT: NAT-D in messages 2 and 3, message 3 from port 4500. */
Test(v1_natt, aggressive_mode_initiator_behind_nat)
{
	struct ike_sa *w, *e;
	const struct xch_msg *m;

	xch_set_nat(XCH_WEST, "127.0.0.3");
	pair(WEST_TUNNEL " --aggrmode --ike aes128-sha1-modp2048",
	     EAST_TUNNEL " --aggrmode --ike aes128-sha1-modp2048");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, "v1 Aggressive: SA KE NONCE ID VID VID VID VID VID");
	step_expect(XCH_EAST, "v1 Aggressive: SA KE NONCE ID HASH VID VID " NATD);
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert(w->nat_local);
	cr_assert_not(w->nat_peer);
	step_expect(XCH_WEST, "v1 Aggressive: E{HASH " NATD "}");
	cr_assert_eq(w->local_port, 4500);
	cr_assert_eq(w->state, IKE_V1_AGGR_I2);
	cr_assert_eq(e->state, IKE_V1_AGGR_R2);
	cr_assert(e->nat_peer);
	cr_assert(e->natt);
	cr_assert_eq(e->peer_port, 14500);
	m = step_expect(XCH_WEST, QM12);
	cr_assert_eq(qm_encap(m), V1_ENCAP_UDP_TUNNEL);
	step_expect(XCH_EAST, QM12);
	step_expect(XCH_WEST, QM3);
	cr_assert_not_null(e->children);
	assert_encap(XCH_EAST, e->children, 4500, 14500);
}

/*
 * --forceencaps without a NAT: west spoils its own NAT-D so that east sees
 * a NAT too; transport mode is UDP-Encapsulated-Transport (4) with NAT-OAi
 * and NAT-OAr (RFC 3947 5.2) each way.
 */
Test(v1_natt, forceencaps_transport_sends_nat_oa)
{
	const char *conn = "--name v1 --ikev1 --host 127.0.0.1 --id @west --to --host 127.0.0.2 "
			   "--id @east --psk --encrypt";
	const struct xch_msg *m;
	struct ike_sa *w, *e;
	char args[512];

	snprintf(args, sizeof(args), "%s --forceencaps", conn);
	pair(args, conn);
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert_eq(w->state, IKE_V1_MAIN_I4);
	cr_assert(w->nat_local && !w->nat_peer);
	cr_assert(e->nat_peer && !e->nat_local);
	cr_assert(w->natt && e->natt);
	cr_assert_eq(e->peer_port, 4500);
	m = step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID NAT-OA NAT-OA}");
	cr_assert_eq(qm_encap(m), V1_ENCAP_UDP_TRANSPORT);
	m = step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID NAT-OA NAT-OA}");
	cr_assert_eq(qm_encap(m), V1_ENCAP_UDP_TRANSPORT);
	step_expect(XCH_WEST, QM3);
	cr_assert(w->children && e->children);
	cr_assert(w->children->transport && e->children->transport);
	assert_encap(XCH_WEST, w->children, 4500, 4500);
	assert_encap(XCH_EAST, e->children, 4500, 4500);
}

/* No NAT: NAT-D agrees, nobody moves, the IPsec SAs are plain ESP. */
Test(v1_natt, no_nat_no_encapsulation)
{
	struct ike_sa *w, *e;
	const struct xch_msg *m;

	pair(WEST_TUNNEL, "--name v1 --ikev1 --host 127.0.0.1 --id @west --client 10.1.0.0/16 "
			  "--to --host 127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt "
			  "--tunnel");
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert_not(w->nat_local || w->nat_peer || e->nat_local || e->nat_peer);
	cr_assert_not(w->natt || e->natt);
	cr_assert_not(timer_is_armed(&w->ext->keepalive));
	m = step_expect(XCH_WEST, QM12);
	cr_assert_eq(qm_encap(m), V1_ENCAP_TUNNEL);
	step_expect(XCH_EAST, QM12);
	step_expect(XCH_WEST, QM3);
	cr_assert_not(w->children->encap);
	cr_assert_eq(xch_kernel_sa(XCH_WEST, w->children->spi_out)->params.encap_dport, 0);
}

/* A responder without NAT-T (no NAT-T port): only the DPD Vendor ID back, no NAT-D. */
Test(v1_natt, peer_without_nat_traversal)
{
	struct ike_sa *w;

	xch_daemon(XCH_EAST)->natikeport = 0;
	pair(WEST_TUNNEL, "--name v1 --ikev1 --host 127.0.0.1 --id @west --client 10.1.0.0/16 "
			  "--to --host 127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt "
			  "--tunnel");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, "v1 Main: SA VID");
	w = xch_sa(XCH_WEST);
	cr_assert_eq(w->v1->natt, V1_NATT_NONE);
	cr_assert(w->v1->peer_dpd);
	step_expect(XCH_WEST, "v1 Main: KE NONCE");
	step_expect(XCH_EAST, "v1 Main: KE NONCE");
	step_expect(XCH_WEST, MM56);
	step_expect(XCH_EAST, MM56);
	cr_assert_eq(w->state, IKE_V1_MAIN_I4);
	cr_assert_not(w->natt);
}

/* West behind the NAT up to Quick Mode's end, on port 4500. */
static struct ike_sa *west_behind_nat_up(const char *west_extra, const char *east_extra)
{
	char west[512], east[512];
	struct ike_sa *w;

	snprintf(west, sizeof(west), "%s %s", WEST_TUNNEL, west_extra);
	snprintf(east, sizeof(east), "%s %s", EAST_TUNNEL, east_extra);
	xch_set_nat(XCH_WEST, "127.0.0.3");
	pair(west, east);
	xch_daemon(XCH_WEST)->keep_alive_s = 0;	/* the clock runs: no keepalives on the wire */
	xch_initiate(XCH_WEST, "v1");
	cr_assert_eq(xch_run_until_quiet(), 9);
	w = xch_sa(XCH_WEST);
	cr_assert_eq(w->state, IKE_V1_MAIN_I4);
	cr_assert(w->natt && w->nat_local);
	cr_assert_eq(w->local_port, 4500);
	cr_assert_not_null(w->children);
	return w;
}

/*
 * The new Main Mode of a replacement starts on port 500 again and finds the
 * NAT anew: message 1 (a message on port 4500 would carry the non-ESP
 * marker, which a peer's port 500 takes for a broken ISAKMP header: found
 * with strongSwan 5.9.8, "received unsupported IKE version 0.0") from and to
 * the IKE port, and the new SA moves to 4500 at message 5.
 */
static void new_main_mode_from_port_500(uint64_t old_serial)
{
	struct ike_sa *n;
	const struct xch_msg *m;

	m = step_expect(XCH_WEST, MM1);
	cr_assert(m->v1);
	n = xch_sa(XCH_WEST);	/* the newest */
	cr_assert_not_null(n);
	cr_assert_gt(n->serial, old_serial);
	cr_assert_eq(n->state, IKE_V1_MAIN_I1);
	cr_assert_not(n->natt, "a new Main Mode began on the NAT-T port");
	cr_assert_eq(n->local_port, 500);
	cr_assert_eq(n->peer_port, 500);
	cr_assert_eq(n->l->port, 500);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	cr_assert(n->nat_local, "the new SA did not find the NAT");
	step_expect(XCH_WEST, MM56);
	cr_assert(n->natt);
	cr_assert_eq(n->local_port, 4500);
	step_expect(XCH_EAST, MM56);
	cr_assert_eq(n->state, IKE_V1_MAIN_I4);
}

/* dpdaction=restart behind the NAT: the peer dead, a new Main Mode from port 500. */
Test(v1_natt, dpd_restart_starts_on_port_500)
{
	uint64_t old = west_behind_nat_up("--dpddelay 10 --dpdtimeout 30 --dpdaction restart", "")
			       ->serial;

	for (int i = 0; i < 4 && !xch_counter(XCH_WEST, IKEC_PEER_DEAD); i++) {
		xch_advance(XCH_WEST, 10000);
		if (xch_counter(XCH_WEST, IKEC_PEER_DEAD))
			break;
		while (xch_drop_next(XCH_WEST))	/* every R_U_THERE lost */
			;
	}
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "the dead SA stayed, or no restart");
	new_main_mode_from_port_500(old);
}

/* Phase 1 re-establishment behind the NAT: the new Main Mode from port 500, then 4500. */
Test(v1_natt, reestablishment_starts_on_port_500)
{
	const char *life = "--ikelifetime 120 --rekeymargin 20 --rekeyfuzz 0";
	struct ike_sa *w = west_behind_nat_up(life, life);
	struct child_sa *wc = w->children;

	xch_advance(XCH_WEST, 100100);
	new_main_mode_from_port_500(w->serial);
	/* the IPsec SA moved to the new ISAKMP SA, the old one's Delete went */
	step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->children, wc);
}
