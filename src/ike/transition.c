/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/transition.h"

enum ike_match ike_transition_find(const struct ike_transition *table, size_t n,
				   enum ike_state state, enum ike_event event, uint8_t exchange,
				   uint8_t task, uint8_t phase, unsigned kind,
				   const struct ike_transition **row)
{
	bool near = false;

	for (size_t i = 0; i < n; i++) {
		const struct ike_transition *t = &table[i];
		if (t->event != event || !(t->states & ike_state_bit(state)))
			continue;
		if (event != IKE_EV_CRYPTO && t->exchange != exchange)
			continue;
		if (t->task && t->task != task)
			continue;
		if (event == IKE_EV_CRYPTO && t->phase && t->phase != phase)
			continue;
		if (event != IKE_EV_CRYPTO && !(kind < 32 && (t->kinds & (1u << kind)))) {
			near = true;
			continue;
		}
		*row = t;
		return IKE_MATCH;
	}
	return near ? IKE_MATCH_PAYLOADS : IKE_MATCH_NONE;
}
