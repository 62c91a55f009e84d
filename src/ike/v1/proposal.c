/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v1/proposal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/proposal.h"
#include "util/conn_spec.h"

static int hash_of_prf(uint16_t prf)
{
	switch (prf) {
	case V2_PRF_HMAC_SHA1: return V1_HASH_SHA1;
	case V2_PRF_HMAC_SHA2_256: return V1_HASH_SHA2_256;
	case V2_PRF_HMAC_SHA2_384: return V1_HASH_SHA2_384;
	case V2_PRF_HMAC_SHA2_512: return V1_HASH_SHA2_512;
	default: return -1;
	}
}

static int add(struct v1_p1_set *s, uint16_t encr, uint16_t key_bits, uint16_t hash,
	       uint16_t group, uint16_t auth, uint32_t life_s)
{
	if (s->n == V1_P1_MAX)
		return -E2BIG;
	for (unsigned i = 0; i < s->n; i++) {
		const struct v1_p1 *t = &s->t[i];
		if (t->encr == encr && t->key_bits == key_bits && t->hash == hash &&
		    t->group == group)
			return 0;	/* the same transform twice: once is enough */
	}
	s->t[s->n++] = (struct v1_p1){ .encr = encr, .key_bits = key_bits,
				       .hash = hash, .auth = auth, .group = group,
				       .life_s = life_s };
	return 0;
}

/*
 * libreswan 4.10's IKEv1 defaults (ipsec algparse -v1 ike), in its order:
 * AES-CBC 256 and 128, then 3DES, each with SHA2-256, SHA2-512 and SHA1,
 * each with MODP2048 and MODP1536.
 */
static int defaults(uint16_t auth, uint32_t life_s, struct v1_p1_set *out)
{
	static const struct { uint16_t encr, bits; } ciphers[] = {
		{ V1_ENCR_AES_CBC, 256 }, { V1_ENCR_AES_CBC, 128 }, { V1_ENCR_3DES, 192 },
	};
	static const uint16_t hashes[] = { V1_HASH_SHA2_256, V1_HASH_SHA2_512, V1_HASH_SHA1 };
	static const uint16_t groups[] = { V2_DH_MODP2048, V2_DH_MODP1536 };

	out->n = 0;
	for (unsigned e = 0; e < 3; e++)
		for (unsigned h = 0; h < 3; h++)
			for (unsigned g = 0; g < 2; g++)
				add(out, ciphers[e].encr, ciphers[e].bits, hashes[h], groups[g],
				    auth, life_s);
	return 0;
}

/*
 * Whether proposal n (0-based, comma-separated) of ike= names a hash or
 * PRF: a "-" token after the cipher before any ";" ("aes-sha1",
 * "3des-sha2_256;modp2048"; not "aes", "aes;modp2048", "aes256-modp2048").
 */
static bool names_hash(const char *ike, unsigned n)
{
	static const char *const prefixes[] = { "sha", "md5", "aes_xcbc", "aes_cmac", "prf" };
	const char *p = ike;

	for (; n && p; n--) {
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		return true;	/* not ours to guess: as the parser gave it */
	for (const char *q = p; *q && *q != ',' && *q != ';'; q++) {
		if (*q != '-')
			continue;
		for (unsigned i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			if (!strncmp(q + 1, prefixes[i], strlen(prefixes[i])))
				return true;
	}
	return false;
}

/* The DH groups of proposal p, as a bit set (IANA numbers below 64). */
static uint64_t dh_bits(const struct v2_proposal *p)
{
	uint64_t b = 0;

	for (unsigned i = 0; i < p->ntrans; i++)
		if (p->trans[i].type == V2_TRANS_DH && p->trans[i].id < 64)
			b |= 1ull << p->trans[i].id;
	return b;
}

int v1_p1_set_make(const char *ike, uint16_t auth, uint32_t life_s, struct v1_p1_set *out,
		   char *err, size_t errlen)
{
	static const uint16_t v1_groups[] = { V2_DH_MODP2048, V2_DH_MODP1536 };
	struct proposal_set local, *ps = &local, def;
	uint64_t def_dh;
	int rc;

	if (!ike)
		return defaults(auth, life_s, out);
	rc = proposal_parse(ike, V2_PROTO_IKE, ps, err, errlen);
	if (rc < 0)
		return rc;
	/*
	 * A proposal that names no group gets the IKEv2 default list from the
	 * shared parser; IKEv1's (libreswan's) is MODP2048, MODP1536. One that
	 * names no hash gets libreswan's IKEv1 three (SHA2-256, SHA2-512, SHA1;
	 * the parser's IKEv2 list has no SHA1).
	 */
	proposal_defaults(V2_PROTO_IKE, &def);
	def_dh = dh_bits(&def.props[0]);
	out->n = 0;
	for (unsigned i = 0; i < ps->nprops; i++) {
		const struct v2_proposal *p = &ps->props[i];

		for (unsigned a = 0; a < p->ntrans; a++) {
			const struct v2_transform *e = &p->trans[a];

			if (e->type != V2_TRANS_ENCR)
				continue;
			if (e->id != V2_ENCR_AES_CBC && e->id != V2_ENCR_3DES) {
				snprintf(err, errlen, "ike=%s: IKE encryption algorithm is not "
					 "supported by IKEv1 (AEAD ciphers are IKEv2's; IKEv1 "
					 "takes AES-CBC and 3DES)", ike);
				return -EINVAL;
			}
			/* 3DES: a fixed 192-bit key (RFC 2451), never a key length attribute */
			uint16_t encr = e->id == V2_ENCR_3DES ? V1_ENCR_3DES : V1_ENCR_AES_CBC;
			uint16_t bits = e->id == V2_ENCR_3DES ? 192 : e->keylen ? e->keylen : 256;
			bool hash_def = !names_hash(ike, i);
			unsigned nh = hash_def ? 3 : p->ntrans;

			for (unsigned b = 0; b < nh; b++) {
				static const uint16_t v1_hashes[] = { V1_HASH_SHA2_256, V1_HASH_SHA2_512,
								      V1_HASH_SHA1 };
				int hash;

				if (hash_def)
					hash = v1_hashes[b];
				else if (p->trans[b].type != V2_TRANS_PRF)
					continue;
				else
					hash = hash_of_prf(p->trans[b].id);
				if (hash < 0) {
					snprintf(err, errlen, "ike=%s: a PRF IKEv1 cannot use as "
						 "its hash (expected sha1, sha2_256, sha2_384 or "
						 "sha2_512)", ike);
					return -ENOTSUP;
				}
				bool v1_def = dh_bits(p) == def_dh;
				unsigned ng = v1_def ? 2 : p->ntrans;

				for (unsigned c = 0; c < ng; c++) {
					uint16_t group;

					if (v1_def) {
						group = v1_groups[c];
					} else if (p->trans[c].type == V2_TRANS_DH) {
						group = p->trans[c].id;
					} else {
						continue;
					}
					if (add(out, encr, bits, (uint16_t)hash, group, auth,
						life_s) < 0) {
						snprintf(err, errlen, "ike=%s: more than %d IKEv1 "
							 "transforms", ike, V1_P1_MAX);
						return -E2BIG;
					}
				}
			}
		}
	}
	if (!out->n) {
		snprintf(err, errlen, "ike=%s: no IKEv1 transform (a DH group is required)", ike);
		return -EINVAL;
	}
	return 0;
}

int v1_p1_set_to_sa(const struct v1_p1_set *set, struct v1_sa *out)
{
	int rc;

	v1_sa_init(out);
	rc = v1_sa_add_proposal(out, 1, V1_PROTO_ISAKMP, NULL, 0);
	for (unsigned i = 0; i < set->n && !rc; i++) {
		const struct v1_p1 *t = &set->t[i];

		rc = v1_sa_add_transform(out, (uint8_t)(i + 1), V1_KEY_IKE);
		rc = rc ? rc : v1_sa_add_basic(out, V1_A_ENCR, t->encr);
		if (!rc && t->encr != V1_ENCR_3DES)
			rc = v1_sa_add_basic(out, V1_A_KEY_LENGTH, t->key_bits);
		rc = rc ? rc : v1_sa_add_basic(out, V1_A_HASH, t->hash);
		rc = rc ? rc : v1_sa_add_basic(out, V1_A_AUTH, t->auth);
		rc = rc ? rc : v1_sa_add_basic(out, V1_A_GROUP, t->group);
		rc = rc ? rc : v1_sa_add_basic(out, V1_A_LIFE_TYPE, V1_LIFE_SECONDS);
		rc = rc ? rc : v1_sa_add_long(out, V1_A_LIFE_DURATION, t->life_s);
	}
	return rc;
}

int v1_p1_of_transform(const struct v1_sa *sa, const struct v1_transform *t, struct v1_p1 *out)
{
	bool life_seconds = false;

	memset(out, 0, sizeof(*out));
	if (t->id != V1_KEY_IKE)
		return -ENOTSUP;
	for (unsigned i = 0; i < t->nattr; i++) {
		const struct v1_attr *a = &sa->attr[t->first_attr + i];

		if (!a->value_ok || a->value > UINT32_MAX)
			return -ENOTSUP;
		switch (a->type) {
		case V1_A_ENCR: out->encr = (uint16_t)a->value; break;
		case V1_A_KEY_LENGTH: out->key_bits = (uint16_t)a->value; break;
		case V1_A_HASH: out->hash = (uint16_t)a->value; break;
		case V1_A_AUTH: out->auth = (uint16_t)a->value; break;
		case V1_A_GROUP: out->group = (uint16_t)a->value; break;
		case V1_A_LIFE_TYPE:
			/* kilobyte lifetimes are not kept: such a duration is passed over */
			life_seconds = a->value == V1_LIFE_SECONDS;
			break;
		case V1_A_LIFE_DURATION:
			if (life_seconds)
				out->life_s = (uint32_t)a->value;
			break;
		default:
			return -ENOTSUP;	/* PRF, private groups, ...: not ours */
		}
	}
	if (!out->hash || !out->auth || !out->group)
		return -ENOTSUP;
	if (out->encr == V1_ENCR_3DES) {
		/* a fixed key: no attribute (192 taken too, as some peers send it) */
		if (out->key_bits && out->key_bits != 192)
			return -ENOTSUP;
		out->key_bits = 192;
		return 0;
	}
	if (out->encr != V1_ENCR_AES_CBC)
		return -ENOTSUP;
	if (!out->key_bits)
		out->key_bits = 128;	/* RFC 3602 5: the attribute may be left out for 128 */
	if (out->key_bits != 128 && out->key_bits != 192 && out->key_bits != 256)
		return -ENOTSUP;
	return 0;
}

static bool same(const struct v1_p1 *a, const struct v1_p1 *b)
{
	return a->encr == b->encr && a->key_bits == b->key_bits && a->hash == b->hash &&
	       a->auth == b->auth && a->group == b->group;
}

int v1_p1_choose(const struct v1_p1_set *local, const struct v1_sa *offered,
		 struct v1_p1 *chosen, unsigned *ti)
{
	for (unsigned p = 0; p < offered->nprop; p++) {
		const struct v1_proposal *pr = &offered->prop[p];

		if (pr->protocol != V1_PROTO_ISAKMP)
			continue;
		for (unsigned i = 0; i < pr->ntrans; i++) {
			unsigned idx = pr->first_trans + i;
			struct v1_p1 t;

			if (v1_p1_of_transform(offered, &offered->trans[idx], &t) < 0)
				continue;
			for (unsigned j = 0; j < local->n; j++) {
				if (!same(&t, &local->t[j]))
					continue;
				if (!t.life_s || t.life_s > local->t[j].life_s)
					t.life_s = local->t[j].life_s;
				*chosen = t;
				*ti = idx;
				return 0;
			}
		}
		break;	/* RFC 2409 5: Main Mode offers one proposal; only the first is read */
	}
	return -ENOENT;
}

bool v1_p1_offered(const struct v1_p1_set *local, const struct v1_p1 *p)
{
	for (unsigned j = 0; j < local->n; j++)
		if (same(p, &local->t[j]))
			return true;
	return false;
}

const char *v1_p1_str(const struct v1_p1 *p, char *buf, size_t len)
{
	const char *h = p->hash == V1_HASH_SHA1       ? "SHA1"
			: p->hash == V1_HASH_SHA2_256 ? "SHA2_256"
			: p->hash == V1_HASH_SHA2_384 ? "SHA2_384"
			: p->hash == V1_HASH_SHA2_512 ? "SHA2_512"
						      : "?";
	const char *g;
	char gb[16];

	switch (p->group) {
	case 2: g = "MODP1024"; break;
	case 5: g = "MODP1536"; break;
	case 14: g = "MODP2048"; break;
	case 15: g = "MODP3072"; break;
	case 16: g = "MODP4096"; break;
	case 17: g = "MODP6144"; break;
	case 18: g = "MODP8192"; break;
	default:
		snprintf(gb, sizeof(gb), "DH%u", p->group);
		g = gb;
		break;
	}
	snprintf(buf, len, "%s_%u-HMAC_%s-%s", p->encr == V1_ENCR_3DES ? "3DES_CBC" : "AES_CBC",
		 p->key_bits, h, g);
	return buf;
}

/* Whether each proposal of ike= names its DH group ("aes256-sha2;modp2048", "aes-sha1-dh14"). */
static bool names_dh(const char *ike)
{
	static const char *const prefixes[] = { "modp", "dh", "ecp", "curve" };

	for (const char *p = ike; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *last = p;
		bool named = memchr(p, ';', n) != NULL;

		for (const char *q = p; q < p + n; q++)
			if (*q == '-')
				last = q + 1;
		while (last < p + n && *last == ' ')
			last++;
		for (unsigned i = 0; !named && i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			named = last != p && !strncmp(last, prefixes[i], strlen(prefixes[i]));
		if (!named)
			return false;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

/*
 * --aggrmode: the KE goes in message 1, before the responder chooses, so
 * ike= must name the one DH group (libreswan refuses Aggressive Mode
 * without one).
 */
static int aggr_check(const char *ike, const struct v1_p1_set *set, char *err, size_t errlen)
{
	if (!ike || !names_dh(ike)) {
		snprintf(err, errlen, "IKEv1 Aggressive Mode (--aggrmode) requires ike= with a DH "
			 "group in each proposal (for example ike=aes256-sha2_256;modp2048): its "
			 "KE goes out before the peer chooses");
		return -EINVAL;
	}
	for (unsigned i = 1; i < set->n; i++) {
		if (set->t[i].group != set->t[0].group) {
			snprintf(err, errlen, "ike=%s: IKEv1 Aggressive Mode (--aggrmode) takes one "
				 "DH group; expected every proposal to name the same one", ike);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The one Phase 1 method both ends use (IKEv1 proposes it in the SA
 * payload): pre-shared keys or signatures, RSA or ECDSA (RFC 4754). No
 * flag at all means signatures (libreswan's authby=rsasig,ecdsa); which
 * signature method is the key's to say when the SA starts
 * (v1_sig_method()). Checks what the connection alone decides: both ends
 * alike, a method IKEv1 has. Returns V1_AUTH_PSK or V1_AUTH_RSA_SIG (for
 * any signature method), or -ENOTSUP with err set.
 */
static int p1_method(const struct conn_spec *spec, char *err, size_t errlen)
{
	enum { PSK = 1, RSA = 2, ECDSA = 4 };
	bool psk = spec->policy & POL_PSK;
	bool rsa = (spec->policy & POL_RSASIG) || spec->rsa_hashes;
	bool ecdsa = (spec->policy & POL_ECDSA) || spec->ecdsa_hashes;
	bool xauth = false;
	unsigned m[2];

	if (!psk && !rsa && !ecdsa)
		rsa = ecdsa = true;
	for (int i = 0; i < 2; i++) {
		xauth |= spec->end[i].xauth_server || spec->end[i].xauth_client;
		switch (spec->end[i].authby) {
		case AUTHBY_PSK:
			m[i] = PSK;
			break;
		case AUTHBY_RSASIG:
			m[i] = RSA;
			break;
		case AUTHBY_ECDSA:
			m[i] = ECDSA;
			break;
		case AUTHBY_DEFAULT:
			if (psk && (rsa || ecdsa)) {
				snprintf(err, errlen, "IKEv1 with both pre-shared keys and "
					 "signatures (--psk with --rsasig or --ecdsa): not "
					 "supported yet (IKEv1 proposes one method)");
				return -ENOTSUP;
			}
			m[i] = psk ? PSK : (rsa ? RSA : 0) | (ecdsa ? ECDSA : 0);
			break;
		default:
			snprintf(err, errlen, "IKEv1 has no authentication method for EdDSA, NULL "
				 "or EAP-only authentication: use --psk, --rsasig or --ecdsa (RFC "
				 "4754)");
			return -ENOTSUP;
		}
	}
	if ((m[0] == PSK) != (m[1] == PSK)) {
		snprintf(err, errlen, "IKEv1 authenticates both ends alike: one end by pre-shared "
			 "key and the other by signature is not supported yet");
		return -ENOTSUP;
	}
	if (m[0] == PSK)
		return V1_AUTH_PSK;
	if (!(m[0] & m[1])) {
		snprintf(err, errlen, "IKEv1 authenticates both ends by one method: RSA on one "
			 "end and ECDSA on the other (--authby) cannot be negotiated");
		return -ENOTSUP;
	}
	if (xauth && !(m[0] & m[1] & RSA)) {
		snprintf(err, errlen, "IKEv1 XAUTH with ECDSA signatures is not supported yet: "
			 "XAUTH's Phase 1 methods (XAUTHInitRSA) are RSA only");
		return -ENOTSUP;
	}
	return V1_AUTH_RSA_SIG;
}

int v1_connection_check(const struct conn_spec *spec, char *err, size_t errlen)
{
	struct v1_p1_set set;
	int method = p1_method(spec, err, errlen);

	if (method < 0)
		return method;
	int rc = v1_p1_set_make(spec->ike, (uint16_t)method, 1, &set, err, errlen);

	if (rc < 0)
		return rc;
	if (spec->policy & POL_AGGRESSIVE)
		return aggr_check(spec->ike, &set, err, errlen);
	return 0;
}
