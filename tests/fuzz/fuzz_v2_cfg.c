/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for the Configuration payload: the input is one CP
 * payload body (CFG type, reserved, attributes), decoded as the inner
 * chain decodes it, then its attributes read as addresses (ike/v2/cfg.h).
 * What decodes must encode again and decode to the same configuration.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v2/cfg.h"
#include "ike/v2/payloads.h"
#include "util/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire w = wire_make(data, size);
	struct v2_cp cp, cp2;
	struct v2_cfg cfg, again;
	uint8_t vals[V2_MAX_CP_ATTRS * (V2_CFG_DOMAIN_MAX + 17)];
	const char *why;

	if (v2_pl_cp_decode(&w, &cp, &why) < 0)
		return 0;
	if (v2_cfg_decode(&cp, &cfg, &why) < 0)
		return 0;
	if (cfg.type == V2_CFG_REPLY && v2_cfg_encode(&cfg, &cp2, vals, sizeof(vals)) == 0) {
		if (v2_cfg_decode(&cp2, &again, &why) < 0 || again.has_ip4 != cfg.has_ip4 ||
		    again.has_ip6 != cfg.has_ip6 || again.ndns4 != cfg.ndns4 ||
		    again.ndomains != cfg.ndomains || again.nsubnets != cfg.nsubnets ||
		    again.npcscf != cfg.npcscf)
			abort();
	}
	return 0;
}
