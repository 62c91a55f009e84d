/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "crypto/crypto.h"
#include "crypto/ikev2_keys.h"
#include "crypto/prf.h"
#include "crypto/sig_alg.h"
#include "ike/v2/types.h"

uint8_t ike_auth_our_hashes(void)
{
	return IKE_HASH_BIT(V2_HASH_SHA2_256) | IKE_HASH_BIT(V2_HASH_SHA2_384) |
	       IKE_HASH_BIT(V2_HASH_SHA2_512) | IKE_HASH_BIT(V2_HASH_IDENTITY);
}

int ike_sighash_encode(uint8_t mask, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (unsigned h = V2_HASH_SHA1; h <= V2_HASH_IDENTITY; h++) {
		if (!(mask & IKE_HASH_BIT(h)))
			continue;
		if (n + 2 > cap)
			return -EMSGSIZE;
		out[n++] = 0;
		out[n++] = (uint8_t)h;
	}
	return (int)n;
}

int ike_sighash_decode(const uint8_t *data, size_t len)
{
	int mask = 0;

	if (len == 0 || len % 2)
		return -EBADMSG;
	for (size_t i = 0; i < len; i += 2) {
		unsigned h = (unsigned)data[i] << 8 | data[i + 1];

		if (h >= V2_HASH_SHA1 && h <= V2_HASH_IDENTITY)
			mask |= IKE_HASH_BIT(h);
	}
	return mask;
}

/* SHA-2 hashes, strongest first: the order we pick in. */
static const uint8_t sha2_pref[] = { V2_HASH_SHA2_512, V2_HASH_SHA2_384, V2_HASH_SHA2_256 };

static uint8_t curve_hash(enum crypto_curve c)
{
	switch (c) {
	case CRYPTO_CURVE_P256:
		return V2_HASH_SHA2_256;
	case CRYPTO_CURVE_P384:
		return V2_HASH_SHA2_384;
	case CRYPTO_CURVE_P521:
		return V2_HASH_SHA2_512;
	default:
		return 0;
	}
}

uint8_t ike_auth_ecdsa_method(enum crypto_curve c)
{
	switch (c) {
	case CRYPTO_CURVE_P256:
		return V2_AUTH_ECDSA_256;
	case CRYPTO_CURVE_P384:
		return V2_AUTH_ECDSA_384;
	case CRYPTO_CURVE_P521:
		return V2_AUTH_ECDSA_521;
	default:
		return 0;
	}
}

int ike_auth_ecdsa_plan(uint8_t method, struct ike_auth_plan *out)
{
	uint8_t h;

	switch (method) {
	case V2_AUTH_ECDSA_256:
		h = V2_HASH_SHA2_256;
		break;
	case V2_AUTH_ECDSA_384:
		h = V2_HASH_SHA2_384;
		break;
	case V2_AUTH_ECDSA_521:
		h = V2_HASH_SHA2_512;
		break;
	default:
		return -ENOTSUP;
	}
	*out = (struct ike_auth_plan){ .method = method,
				       .scheme = crypto_sig_scheme(CRYPTO_SIG_ECDSA, h) };
	out->scheme.ecdsa_raw = 1;
	return 0;
}

static int no(const char **why, const char *what)
{
	*why = what;
	return -ENOTSUP;
}

int ike_auth_plan_sign(const struct ike_auth_policy *ours, enum crypto_key_kind kind,
		       enum crypto_curve curve, uint8_t peer_hashes, struct ike_auth_plan *out,
		       const char **why)
{
	struct ike_auth_plan p = { 0 };

	switch (kind) {
	case CRYPTO_KEY_RSA:
		if (!(ours->classes & IKE_AUTHC_RSA))
			return no(why, "the connection does not authenticate us with RSA");
		for (size_t i = 0; peer_hashes && i < sizeof(sha2_pref); i++) {
			uint8_t h = sha2_pref[i];

			if (peer_hashes & ours->rsa_hashes & IKE_HASH_BIT(h)) {
				p.method = V2_AUTH_DIGITAL_SIG;
				p.scheme = crypto_sig_scheme(CRYPTO_SIG_RSA_PSS, h);
				break;
			}
		}
		if (!p.method && (ours->rsa_hashes & IKE_HASH_BIT(V2_HASH_SHA1))) {
			p.method = V2_AUTH_RSA_SIG;
			p.scheme = crypto_sig_scheme(CRYPTO_SIG_RSA_PKCS1, V2_HASH_SHA1);
		}
		if (!p.method)
			return no(why, peer_hashes ? "no SHA-2 hash both ends allow for RSA"
						   : "the peer does not do RFC 7427 signatures and "
						     "RSA with SHA-1 is not allowed");
		break;
	case CRYPTO_KEY_ECDSA: {
		uint8_t ch = curve_hash(curve);

		if (!(ours->classes & IKE_AUTHC_ECDSA))
			return no(why, "the connection does not authenticate us with ECDSA");
		if (peer_hashes) {
			uint8_t h = 0;

			if (peer_hashes & ours->ecdsa_hashes & IKE_HASH_BIT(ch))
				h = ch;
			for (size_t i = 0; !h && i < sizeof(sha2_pref); i++)
				if (peer_hashes & ours->ecdsa_hashes & IKE_HASH_BIT(sha2_pref[i]))
					h = sha2_pref[i];
			if (h) {
				p.method = V2_AUTH_DIGITAL_SIG;
				p.scheme = crypto_sig_scheme(CRYPTO_SIG_ECDSA, h);
				break;
			}
		}
		if (!ch || !(ours->ecdsa_hashes & IKE_HASH_BIT(ch)))
			return no(why, "no hash both ends allow for ECDSA");
		ike_auth_ecdsa_plan(ike_auth_ecdsa_method(curve), &p);
		break;
	}
	case CRYPTO_KEY_ED25519:
	case CRYPTO_KEY_ED448:
		if (!(ours->classes & IKE_AUTHC_EDDSA))
			return no(why, "the connection does not authenticate us with EdDSA");
		if (!(peer_hashes & IKE_HASH_BIT(V2_HASH_IDENTITY)))
			return no(why, "EdDSA needs the peer's SIGNATURE_HASH_ALGORITHMS with "
				       "IDENTITY (RFC 8420)");
		p.method = V2_AUTH_DIGITAL_SIG;
		p.scheme = crypto_sig_scheme(kind == CRYPTO_KEY_ED25519 ? CRYPTO_SIG_ED25519
								       : CRYPTO_SIG_ED448,
					     V2_HASH_IDENTITY);
		break;
	default:
		return no(why, "a key of a kind we cannot sign with");
	}
	*out = p;
	return 0;
}

static int refuse(const char **why, const char *what)
{
	*why = what;
	return -EPERM;
}

static int malformed(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

int ike_auth_parse(const struct ike_auth_policy *theirs, uint8_t our_hashes, uint8_t method,
		   const uint8_t *data, size_t len, struct ike_auth_plan *plan,
		   const uint8_t **sig, size_t *sig_len, const char **why)
{
	struct ike_auth_plan p = { .method = method };

	if (len == 0)
		return malformed(why, "empty AUTH data");
	*sig = data;
	*sig_len = len;
	switch (method) {
	case V2_AUTH_PSK:
		if (!(theirs->classes & IKE_AUTHC_PSK))
			return refuse(why, "a pre-shared key, which the connection does not allow "
					   "the peer");
		break;
	case V2_AUTH_RSA_SIG:
		if (!(theirs->classes & IKE_AUTHC_RSA) ||
		    !(theirs->rsa_hashes & IKE_HASH_BIT(V2_HASH_SHA1)))
			return refuse(why, "an RSA signature with SHA-1 (method 1), which the "
					   "connection does not allow the peer");
		p.scheme = crypto_sig_scheme(CRYPTO_SIG_RSA_PKCS1, V2_HASH_SHA1);
		break;
	case V2_AUTH_ECDSA_256:
	case V2_AUTH_ECDSA_384:
	case V2_AUTH_ECDSA_521:
		ike_auth_ecdsa_plan(method, &p);
		if (!(theirs->classes & IKE_AUTHC_ECDSA) ||
		    !(theirs->ecdsa_hashes & IKE_HASH_BIT(p.scheme.hash)))
			return refuse(why, "an ECDSA signature the connection does not allow the "
					   "peer");
		break;
	case V2_AUTH_DIGITAL_SIG: {
		size_t n = data[0];
		int rc;

		if (n == 0 || 1 + n >= len)
			return malformed(why, "an RFC 7427 AUTH whose AlgorithmIdentifier length "
					      "leaves no signature");
		rc = crypto_sig_algid_decode(data + 1, n, &p.scheme);
		if (rc == -EBADMSG)
			return malformed(why, "a malformed RFC 7427 AlgorithmIdentifier");
		if (rc < 0)
			return refuse(why, "an RFC 7427 signature algorithm we do not do");
		*sig = data + 1 + n;
		*sig_len = len - 1 - n;
		if (p.scheme.hash != V2_HASH_IDENTITY && !(our_hashes & IKE_HASH_BIT(p.scheme.hash)))
			return refuse(why, "an RFC 7427 signature with a hash we did not announce");
		switch (p.scheme.kind) {
		case CRYPTO_SIG_RSA_PKCS1:
		case CRYPTO_SIG_RSA_PSS:
			if (!(theirs->classes & IKE_AUTHC_RSA) ||
			    !(theirs->rsa_hashes & IKE_HASH_BIT(p.scheme.hash)))
				return refuse(why, "an RSA signature the connection does not "
						   "allow the peer");
			if (!crypto_sig_fits(&p.scheme, CRYPTO_KEY_RSA, CRYPTO_CURVE_NONE))
				return refuse(why, "RSA-PSS parameters we do not do");
			break;
		case CRYPTO_SIG_ECDSA:
			if (!(theirs->classes & IKE_AUTHC_ECDSA) ||
			    !(theirs->ecdsa_hashes & IKE_HASH_BIT(p.scheme.hash)))
				return refuse(why, "an ECDSA signature the connection does not "
						   "allow the peer");
			break;
		default:
			if (!(theirs->classes & IKE_AUTHC_EDDSA))
				return refuse(why, "an EdDSA signature, which the connection does "
						   "not allow the peer");
			break;
		}
		break;
	}
	default:
		return refuse(why, "an authentication method we do not do");
	}
	*plan = p;
	return 0;
}

int ike_auth_encode(const struct ike_auth_plan *p, const uint8_t *sig, size_t sig_len,
		    uint8_t *out, size_t cap)
{
	uint8_t algid[CRYPTO_SIG_ALGID_MAX];
	int n = 0;

	if (p->method == V2_AUTH_DIGITAL_SIG) {
		n = crypto_sig_algid_encode(&p->scheme, algid, sizeof(algid));
		if (n < 0)
			return n;
		if (cap < 1 + (size_t)n)
			return -EMSGSIZE;
		out[0] = (uint8_t)n;
		memcpy(out + 1, algid, (size_t)n);
		n++;
	}
	if (sig_len > cap - (size_t)n)
		return -EMSGSIZE;
	memcpy(out + n, sig, sig_len);
	return n + (int)sig_len;
}

const char *ike_auth_plan_str(const struct ike_auth_plan *p, char *buf, size_t len)
{
	char s[64];

	switch (p->method) {
	case V2_AUTH_PSK:
		snprintf(buf, len, "PSK");
		break;
	case V2_AUTH_RSA_SIG:
		/* IKEv1's RSA_SIG signs its HASH as it is (p1_sig.h) */
		snprintf(buf, len, p->scheme.kind == CRYPTO_SIG_RSA_PKCS1_RAW
					   ? "RSA Digital Signature"
					   : "RSA Digital Signature (SHA1)");
		break;
	case V2_AUTH_ECDSA_256:
	case V2_AUTH_ECDSA_384:
	case V2_AUTH_ECDSA_521:
		snprintf(buf, len, "ECDSA %s",
			 p->method == V2_AUTH_ECDSA_256 ? "256" : p->method == V2_AUTH_ECDSA_384
							       ? "384" : "521");
		break;
	default:
		snprintf(buf, len, "Digital Signature (%s)",
			 crypto_sig_scheme_str(&p->scheme, s, sizeof(s)));
		break;
	}
	return buf;
}

int ike_auth_octets(uint16_t prf, const uint8_t *init_msg, size_t init_len, const uint8_t *nonce,
		    size_t nonce_len, const uint8_t *sk_p, size_t sk_p_len, const struct ike_id *id,
		    uint8_t **out, size_t *out_len)
{
	size_t plen = crypto_prf_len(prf);
	uint8_t head[4] = { id->type, 0, 0, 0 };
	struct iovec iov[2] = { { head, 4 }, { (void *)id->data, id->len } };
	uint8_t *buf;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (!plen)
		return -ENOTSUP;
	buf = malloc(init_len + nonce_len + plen);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, init_msg, init_len);
	memcpy(buf + init_len, nonce, nonce_len);
	rc = crypto_prf(prf, sk_p, sk_p_len, iov, 2, buf + init_len + nonce_len);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = init_len + nonce_len + plen;
	return 0;
}

int ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		 size_t octets_len, uint8_t *out, size_t cap)
{
	size_t n = crypto_prf_len(prf);
	struct iovec iov = { (void *)octets, octets_len };
	int rc;

	if (!n)
		return -ENOTSUP;
	if (n > cap)
		return -EMSGSIZE;
	rc = crypto_psk_auth(prf, psk, psk_len, &iov, 1, out);
	return rc < 0 ? rc : (int)n;
}

int ike_auth_psk_check(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		       size_t octets_len, const uint8_t *auth, size_t auth_len)
{
	uint8_t want[CRYPTO_PRF_MAX];
	int n = ike_auth_psk(prf, psk, psk_len, octets, octets_len, want, sizeof(want));
	bool ok = n > 0 && (size_t)n == auth_len && crypto_memeq(want, auth, auth_len);

	crypto_wipe(want, sizeof(want));
	if (n < 0)
		return n;
	return ok ? 0 : -EBADMSG;
}

int ike_certreq_data(const struct crypto_trust *t, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < crypto_trust_ca_count(t) && n + 20 <= cap; i++) {
		if (crypto_cert_spki_sha1(crypto_trust_ca_at(t, i), out + n) < 0)
			return -EIO;
		n += 20;
	}
	return (int)n;
}

void ike_end_creds_fini(struct ike_end_creds *c)
{
	crypto_cert_unref(c->cert);
	for (size_t i = 0; i < c->nchain; i++)
		crypto_cert_unref(c->chain[i]);
	crypto_privkey_unref(c->key);
	memset(c, 0, sizeof(*c));
}
