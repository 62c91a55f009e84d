/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v1/p2_proposal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/proposal.h"

static int esp_of_encr(uint16_t encr)
{
	switch (encr) {
	case V2_ENCR_AES_CBC: return V1_ESP_AES;
	case V2_ENCR_3DES: return V1_ESP_3DES;
	case V2_ENCR_AES_GCM_8: return V1_ESP_AES_GCM_8;
	case V2_ENCR_AES_GCM_12: return V1_ESP_AES_GCM_12;
	case V2_ENCR_AES_GCM_16: return V1_ESP_AES_GCM_16;
	default: return -1;
	}
}

static int auth_of_integ(uint16_t integ)
{
	switch (integ) {
	case V2_INTEG_NONE: return 0;
	case V2_INTEG_HMAC_SHA1_96: return V1_AUTH_HMAC_SHA1;
	case V2_INTEG_HMAC_SHA2_256_128: return V1_AUTH_HMAC_SHA2_256;
	case V2_INTEG_HMAC_SHA2_384_192: return V1_AUTH_HMAC_SHA2_384;
	case V2_INTEG_HMAC_SHA2_512_256: return V1_AUTH_HMAC_SHA2_512;
	case V2_INTEG_AES_XCBC_96: return V1_AUTH_AES_XCBC;
	default: return -1;
	}
}

static bool is_gcm(uint8_t id)
{
	return id == V1_ESP_AES_GCM_8 || id == V1_ESP_AES_GCM_12 || id == V1_ESP_AES_GCM_16;
}

static bool same(const struct v1_p2 *a, const struct v1_p2 *b)
{
	return a->esp_id == b->esp_id && a->key_bits == b->key_bits && a->auth == b->auth &&
	       a->group == b->group && a->encap == b->encap;
}

static int add(struct v1_p2_set *s, const struct v1_p2 *t)
{
	for (unsigned i = 0; i < s->n; i++)
		if (same(&s->t[i], t))
			return 0;	/* the same transform twice: once is enough */
	if (s->n == V1_P2_MAX)
		return -E2BIG;
	s->t[s->n++] = *t;
	return 0;
}

int v1_p2_set_make(const char *esp, uint16_t pfs_group, bool tunnel, uint32_t life_s,
		   struct v1_p2_set *out, char *err, size_t errlen)
{
	struct proposal_set ps;
	int rc;

	out->n = 0;
	if (!esp)
		esp = "aes-sha1";	/* libreswan 4.10's IKEv1 ESP default */
	rc = proposal_parse(esp, V2_PROTO_ESP, &ps, err, errlen);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < ps.nprops; i++) {
		const struct v2_proposal *p = &ps.props[i];
		uint16_t group = pfs_group;
		bool any_integ = false;

		for (unsigned a = 0; a < p->ntrans; a++) {
			if (p->trans[a].type == V2_TRANS_DH && p->trans[a].id)
				group = p->trans[a].id;	/* the first named group: PFS */
			if (p->trans[a].type == V2_TRANS_INTEG)
				any_integ = true;
		}
		for (unsigned a = 0; a < p->ntrans; a++) {
			const struct v2_transform *e = &p->trans[a];
			int id;

			if (e->type != V2_TRANS_ENCR)
				continue;
			id = esp_of_encr(e->id);
			if (id < 0) {
				snprintf(err, errlen, "esp=%s: an ESP encryption IKEv1 does not "
					 "negotiate here yet (AES-CBC, AES-GCM and 3DES are)", esp);
				return -ENOTSUP;
			}
			unsigned nb = any_integ ? p->ntrans : 1;

			for (unsigned b = 0; b < nb; b++) {
				struct v1_p2 t = {
					.esp_id = (uint8_t)id, .key_bits = e->keylen,
					.group = group, .life_s = life_s,
					.encap = tunnel ? V1_ENCAP_TUNNEL : V1_ENCAP_TRANSPORT,
				};
				int auth = 0;

				if (any_integ) {
					if (b >= p->ntrans || p->trans[b].type != V2_TRANS_INTEG)
						continue;
					auth = auth_of_integ(p->trans[b].id);
				}
				if (auth < 0) {
					snprintf(err, errlen, "esp=%s: an integrity algorithm IKEv1 "
						 "does not negotiate here", esp);
					return -ENOTSUP;
				}
				if (is_gcm(t.esp_id) != (auth == 0)) {
					snprintf(err, errlen, "esp=%s: AES-GCM takes no integrity "
						 "algorithm, and AES-CBC and 3DES need one", esp);
					return -EINVAL;
				}
				t.auth = (uint16_t)auth;
				if (add(out, &t) < 0) {
					snprintf(err, errlen, "esp=%s: more than %d IKEv1 ESP "
						 "transforms", esp, V1_P2_MAX);
					return -E2BIG;
				}
			}
		}
	}
	if (!out->n) {
		snprintf(err, errlen, "esp=%s: no IKEv1 ESP transform", esp);
		return -EINVAL;
	}
	return 0;
}

int v1_p2_set_to_sa(const struct v1_p2_set *set, const uint8_t spi[4], struct v1_sa *out)
{
	int rc;

	v1_sa_init(out);
	rc = v1_sa_add_proposal(out, 1, V1_PROTO_ESP, spi, 4);
	for (unsigned i = 0; i < set->n && !rc; i++) {
		const struct v1_p2 *t = &set->t[i];

		rc = v1_sa_add_transform(out, (uint8_t)(i + 1), t->esp_id);
		rc = rc ? rc : v1_sa_add_basic(out, V1_P2_LIFE_TYPE, V1_LIFE_SECONDS);
		rc = rc ? rc : v1_sa_add_long(out, V1_P2_LIFE_DURATION, t->life_s);
		if (!rc && t->group)
			rc = v1_sa_add_basic(out, V1_P2_GROUP, t->group);
		rc = rc ? rc : v1_sa_add_basic(out, V1_P2_ENCAPSULATION, t->encap);
		if (!rc && t->auth)
			rc = v1_sa_add_basic(out, V1_P2_AUTH_ALG, t->auth);
		if (!rc && t->key_bits)
			rc = v1_sa_add_basic(out, V1_P2_KEY_LENGTH, t->key_bits);
	}
	return rc;
}

int v1_p2_of_transform(const struct v1_sa *sa, const struct v1_transform *t, struct v1_p2 *out)
{
	bool seconds = false;

	memset(out, 0, sizeof(*out));
	out->esp_id = t->id;
	for (unsigned i = 0; i < t->nattr; i++) {
		const struct v1_attr *a = &sa->attr[t->first_attr + i];

		if (!a->value_ok || a->value > UINT32_MAX)
			return -ENOTSUP;
		switch (a->type) {
		case V1_P2_LIFE_TYPE: seconds = a->value == V1_LIFE_SECONDS; break;
		case V1_P2_LIFE_DURATION:
			if (seconds)
				out->life_s = (uint32_t)a->value;
			break;
		case V1_P2_GROUP: out->group = (uint16_t)a->value; break;
		case V1_P2_ENCAPSULATION: out->encap = (uint16_t)a->value; break;
		case V1_P2_AUTH_ALG: out->auth = (uint16_t)a->value; break;
		case V1_P2_KEY_LENGTH: out->key_bits = (uint16_t)a->value; break;
		default: return -ENOTSUP;	/* key rounds, compression, labels: not ours */
		}
	}
	if (esp_of_encr(V2_ENCR_AES_CBC) == out->esp_id && !out->key_bits)
		out->key_bits = 128;	/* RFC 3602 5 */
	if (!out->encap)
		out->encap = V1_ENCAP_TUNNEL;	/* RFC 2407 4.5: unspecified is host-dependent */
	return 0;
}

int v1_p2_choose(const struct v1_p2_set *local, const struct v1_sa *offered,
		 struct v1_p2 *chosen, unsigned *pi, unsigned *ti)
{
	for (unsigned p = 0; p < offered->nprop; p++) {
		const struct v1_proposal *pr = &offered->prop[p];

		if (pr->protocol != V1_PROTO_ESP || pr->spi_size != 4)
			continue;
		for (unsigned i = 0; i < pr->ntrans; i++) {
			unsigned idx = pr->first_trans + i;
			struct v1_p2 t;

			if (v1_p2_of_transform(offered, &offered->trans[idx], &t) < 0)
				continue;
			for (unsigned j = 0; j < local->n; j++) {
				if (!same(&t, &local->t[j]))
					continue;
				if (!t.life_s || t.life_s > local->t[j].life_s)
					t.life_s = local->t[j].life_s;
				*chosen = t;
				*pi = p;
				*ti = idx;
				return 0;
			}
		}
	}
	return -ENOENT;
}
