/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for a peer's CERT payload contents (X.509 Certificate
 * - Signature, encoding 4): crypto_cert_from_der and everything the IKE
 * code then asks of the certificate before and after validation (names,
 * subjectAltNames, ID matching, key usage, its key).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dn.h"
#include "crypto/key.h"
#include "crypto/x509.h"
#include "ike/v2/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *arg, const char *kind, const char *value)
{
	(void)arg;
	(void)kind;
	(void)value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ip4[4] = { 192, 0, 2, 1 };
	static const uint8_t dn[] = { 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03,
				      0x55, 0x04, 0x03, 0x0c, 0x02, 0x2a, 0x00 };
	struct crypto_cert *c = NULL;
	uint8_t *copy = malloc(size ? size : 1);
	char buf[CRYPTO_DN_STR_MAX];
	uint8_t der[CRYPTO_DN_MAX];
	size_t len;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (crypto_cert_from_der(copy, size, &c) == 0) {
		crypto_cert_subject_str(c, buf, sizeof(buf));
		crypto_cert_issuer_str(c, buf, sizeof(buf));
		crypto_cert_serial_str(c, buf, sizeof(buf));
		crypto_cert_subject(c, der, sizeof(der));
		crypto_cert_not_before(c);
		crypto_cert_not_after(c);
		crypto_cert_is_ca(c);
		crypto_cert_usage_ok(c);
		crypto_cert_san_foreach(c, sink, NULL);
		crypto_cert_matches_id(c, V2_ID_FQDN, (const uint8_t *)"a.example", 9);
		crypto_cert_matches_id(c, V2_ID_IPV4_ADDR, ip4, 4);
		crypto_cert_matches_id(c, V2_ID_DER_ASN1_DN, dn, 13);
		crypto_cert_der(c, &len);
		if (crypto_cert_pubkey(c))
			crypto_pubkey_kind(crypto_cert_pubkey(c));
		crypto_cert_unref(c);
	}
	free(copy);
	return 0;
}
