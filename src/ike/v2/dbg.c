/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2/dbg.h"

#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "ike/alg_names.h"
#include "ike/v2/exchange.h"
#include "ike/v2/payloads.h"
#include "util/log.h"

static const char *exchange_name(uint8_t x)
{
	switch (x) {
	case V2_IKE_SA_INIT: return "IKE_SA_INIT";
	case V2_IKE_AUTH: return "IKE_AUTH";
	case V2_CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case V2_INFORMATIONAL: return "INFORMATIONAL";
	}
	return "exchange?";
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case V2_PROTO_IKE: return "IKE";
	case V2_PROTO_AH: return "AH";
	case V2_PROTO_ESP: return "ESP";
	}
	return p ? "protocol?" : "none";
}

/* Status notifies (IANA, 16384 and up); errors are named by v2_notify_name(). */
static const char *notify_name(uint16_t t)
{
	switch (t) {
	case 16384: return "INITIAL_CONTACT";
	case 16385: return "SET_WINDOW_SIZE";
	case 16386: return "ADDITIONAL_TS_POSSIBLE";
	case 16387: return "IPCOMP_SUPPORTED";
	case 16388: return "NAT_DETECTION_SOURCE_IP";
	case 16389: return "NAT_DETECTION_DESTINATION_IP";
	case 16390: return "COOKIE";
	case 16391: return "USE_TRANSPORT_MODE";
	case 16392: return "HTTP_CERT_LOOKUP_SUPPORTED";
	case 16393: return "REKEY_SA";
	case 16394: return "ESP_TFC_PADDING_NOT_SUPPORTED";
	case 16395: return "NON_FIRST_FRAGMENTS_ALSO";
	case 16396: return "MOBIKE_SUPPORTED";
	case 16406: return "REDIRECT_SUPPORTED";
	case 16407: return "REDIRECT";
	case 16430: return "IKEV2_FRAGMENTATION_SUPPORTED";
	case 16431: return "SIGNATURE_HASH_ALGORITHMS";
	}
	return t < 16384 ? v2_notify_name(t) : "a status notify";
}

static void spi_hex(const uint8_t *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", s[i]);
	out[2 * n] = '\0';
}

static const char *who(uint64_t serial, char *buf, size_t len)
{
	if (serial)
		snprintf(buf, len, "#%llu: ", (unsigned long long)serial);
	else
		buf[0] = '\0';
	return buf;
}

/* "|       00112233 ..." lines of a payload body, 32 bytes a line (--debug tmi). */
static void hex_lines(const uint8_t *p, size_t n)
{
	char line[3 * 32 + 8];

	for (size_t off = 0; off < n; off += 32) {
		size_t k = 0;
		for (size_t i = off; i < n && i < off + 32; i++)
			k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%02x",
					      (i - off) % 4 == 0 && i != off ? " " : "", p[i]);
		log_debug("       %s", line);
	}
}

static void sa_lines(const struct v2_sa *sa)
{
	char line[600], t[48], spi[17];

	for (unsigned i = 0; i < sa->nprops; i++) {
		const struct v2_proposal *pr = &sa->props[i];
		size_t n;
		spi_hex(pr->spi, pr->spi_size, spi);
		n = (size_t)snprintf(line, sizeof(line), "proposal %u %s%s%s:", pr->num,
				     proto_name(pr->protocol), pr->spi_size ? " SPI " : "", spi);
		for (unsigned k = 0; k < pr->ntrans && n < sizeof(line); k++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s",
					      alg_transform_name(&pr->trans[k], t, sizeof(t)));
		log_debug("       %s", line);
	}
}

static void ts_lines(const struct v2_ts *ts)
{
	bool priv = log_debug_is_on(DBG_PRIVATE);

	for (unsigned i = 0; i < ts->n; i++) {
		const struct v2_ts_one *o = &ts->ts[i];
		char a[IP_ADDR_STRLEN] = "<address>", b[IP_ADDR_STRLEN] = "<address>";
		if (priv) {
			struct ip_addr x = { 0 }, y = { 0 };
			size_t alen = v2_ts_addr_len(o->type);
			if (alen) {
				x.af = y.af = alen == 4 ? AF_INET : AF_INET6;
				memcpy(x.b, o->start, alen);
				memcpy(y.b, o->end, alen);
				ip_addr_str(&x, a);
				ip_addr_str(&y, b);
			}
		}
		log_debug("       TS type %u protocol %u ports %u-%u %s-%s", o->type, o->ipproto,
			  o->sport, o->eport, a, b);
	}
}

static void payload(const struct v2_payload *p)
{
	char what[300] = "", spi[17];
	const char *in = (p->flags & V2_PLF_INNER) ? "  " : "";

	switch (p->type) {
	case V2_PL_SA:
		snprintf(what, sizeof(what), ": %u proposal%s", p->u.sa->nprops,
			 p->u.sa->nprops == 1 ? "" : "s");
		break;
	case V2_PL_KE: {
		char g[32];
		snprintf(what, sizeof(what), ": group %s, %u bytes",
			 alg_dh_name(p->u.ke.group, g, sizeof(g)), p->u.ke.len);
		break;
	}
	case V2_PL_NONCE:
		snprintf(what, sizeof(what), ": %u bytes", p->u.nonce.len);
		break;
	case V2_PL_NOTIFY:
		spi_hex(p->u.notify.spi, p->u.notify.spi_size, spi);
		snprintf(what, sizeof(what), ": %s (%u)%s%s%s%s, %u bytes of data",
			 notify_name(p->u.notify.type), p->u.notify.type,
			 p->u.notify.protocol ? " " : "",
			 p->u.notify.protocol ? proto_name(p->u.notify.protocol) : "",
			 p->u.notify.spi_size ? " SPI " : "", spi, p->u.notify.len);
		break;
	case V2_PL_IDI:
	case V2_PL_IDR:
		if (log_debug_is_on(DBG_PRIVATE) &&
		    (p->u.id.type == V2_ID_FQDN || p->u.id.type == V2_ID_RFC822_ADDR))
			snprintf(what, sizeof(what), ": type %u, '%.*s'", p->u.id.type,
				 (int)(p->u.id.len > 200 ? 200 : p->u.id.len),
				 (const char *)p->u.id.data);
		else
			snprintf(what, sizeof(what), ": type %u, %u bytes", p->u.id.type,
				 p->u.id.len);
		break;
	case V2_PL_AUTH:
		snprintf(what, sizeof(what), ": method %u, %u bytes", p->u.auth.method,
			 p->u.auth.len);
		break;
	case V2_PL_DELETE:
		snprintf(what, sizeof(what), ": %s, %u SPI%s", proto_name(p->u.del.protocol),
			 p->u.del.nspi, p->u.del.nspi == 1 ? "" : "s");
		break;
	case V2_PL_TSI:
	case V2_PL_TSR:
		snprintf(what, sizeof(what), ": %u selector%s", p->u.ts->n,
			 p->u.ts->n == 1 ? "" : "s");
		break;
	case V2_PL_CP:
		snprintf(what, sizeof(what), ": type %u, %u attribute%s", p->u.cp->type,
			 p->u.cp->nattrs, p->u.cp->nattrs == 1 ? "" : "s");
		break;
	case V2_PL_CERT:
	case V2_PL_CERTREQ:
		snprintf(what, sizeof(what), ": encoding %u, %u bytes", p->u.cert.encoding,
			 p->u.cert.len);
		break;
	case V2_PL_SK:
	case V2_PL_SKF:
		snprintf(what, sizeof(what), ": encrypted");
		break;
	default:
		break;
	}
	log_debug("   %s%s payload (%u), %u bytes%s%s%s", in, v2_pl_name(p->type), p->type, p->len,
		  (p->flags & V2_PLF_CRITICAL) ? ", critical" : "",
		  (p->flags & V2_PLF_UNKNOWN) ? ", unknown: skipped" : "", what);
	if (p->type == V2_PL_SA)
		sa_lines(p->u.sa);
	if (p->type == V2_PL_TSI || p->type == V2_PL_TSR)
		ts_lines(p->u.ts);
	if (log_debug_is_on(DBG_TMI) && p->body && p->type != V2_PL_SK && p->type != V2_PL_SKF)
		hex_lines(p->body, p->len);
}

static void header(const char *verb, const struct v2_hdr *h, size_t len,
		   const struct ip_addr *peer, uint16_t port, uint64_t serial)
{
	char w[32], a[IP_ADDR_STRLEN] = "<address>", si[17], sr[17];

	if (log_debug_is_on(DBG_PRIVATE))
		ip_addr_str(peer, a);
	spi_hex(h->spii, 8, si);
	spi_hex(h->spir, 8, sr);
	log_debug("%s%s %s %s (message ID %u) %s %s:%u: %zu bytes, SPIi %s SPIr %s%s",
		  who(serial, w, sizeof(w)), verb, exchange_name(h->exchange),
		  (h->flags & V2_FLAG_RESPONSE) ? "response" : "request", h->msgid,
		  verb[0] == 'r' ? "from" : "to", a, port, len, si, sr,
		  (h->flags & V2_FLAG_INITIATOR) ? ", from the original initiator" : "");
}

void v2_dbg_received(const struct v2_msg *m, const struct ip_addr *peer, uint16_t port,
		     uint64_t serial)
{
	header("received", &m->hdr, m->len, peer, port, serial);
	for (unsigned i = 0; i < m->npl; i++)
		if (!(m->pl[i].flags & V2_PLF_INNER))
			payload(&m->pl[i]);
}

void v2_dbg_received_inner(const struct v2_msg *m, uint64_t serial)
{
	char w[32];

	log_debug("%sdecrypted %s %s (message ID %u): its SK payload holds:", who(serial, w, sizeof(w)),
		  exchange_name(m->hdr.exchange),
		  (m->hdr.flags & V2_FLAG_RESPONSE) ? "response" : "request", m->hdr.msgid);
	for (unsigned i = 0; i < m->npl; i++)
		if (m->pl[i].flags & V2_PLF_INNER)
			payload(&m->pl[i]);
}

void v2_dbg_sending(const uint8_t *buf, size_t len, const struct ip_addr *peer, uint16_t port,
		    uint64_t serial)
{
	struct v2_msg *m = malloc(sizeof(*m));	/* large; only ever with --debug */

	if (!m)
		return;
	if (v2_msg_decode(buf, len, m) == 0) {
		header("sending", &m->hdr, len, peer, port, serial);
		for (unsigned i = 0; i < m->npl; i++)
			payload(&m->pl[i]);
	} else {
		log_debug("sending %zu bytes that do not decode: %s", len, m->why ? m->why : "?");
	}
	free(m);
}

void v2_dbg_sealing(const uint8_t *msg, size_t len, const uint8_t *pt, size_t pt_len,
		    uint64_t serial)
{
	struct v2_msg *m = malloc(sizeof(*m));
	char w[32];
	size_t inner;

	if (!m || pt_len == 0)
		goto out;
	inner = pt_len - 1;
	if (pt[pt_len - 1] > inner)
		goto out;
	inner -= pt[pt_len - 1];	/* less the padding */
	if (v2_msg_decode(msg, len, m) < 0 || !m->has_sk ||
	    v2_inner_decode(m->sk.first, pt, inner, m) < 0) {
		log_debug("%ssealing a message whose inner payloads do not decode", who(serial, w, sizeof(w)));
		goto out;
	}
	log_debug("%ssealing %s %s (message ID %u): its SK payload holds:", who(serial, w, sizeof(w)),
		  exchange_name(m->hdr.exchange),
		  (m->hdr.flags & V2_FLAG_RESPONSE) ? "response" : "request", m->hdr.msgid);
	for (unsigned i = 0; i < m->npl; i++)
		if (m->pl[i].flags & V2_PLF_INNER)
			payload(&m->pl[i]);
out:
	free(m);
}
