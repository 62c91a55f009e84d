# SPDX-License-Identifier: BSD-2-Clause
# Two network namespaces joined by a veth pair, for tests and the demo.
# netns_pair <prefix>: sets NS_W and NS_E; west 192.0.2.1 / 2001:db8::1,
# east 192.0.2.2 / 2001:db8::2. netns_cleanup removes them.

netns_pair() {
	NS_W="$1-w"
	NS_E="$1-e"
	netns_cleanup
	ip netns add "$NS_W"
	ip netns add "$NS_E"
	ip link add "${1##*-}w" netns "$NS_W" type veth peer name "${1##*-}e" netns "$NS_E"
	ip -n "$NS_W" link set lo up
	ip -n "$NS_E" link set lo up
	ip -n "$NS_W" link set "${1##*-}w" up
	ip -n "$NS_E" link set "${1##*-}e" up
	ip -n "$NS_W" addr add 192.0.2.1/24 dev "${1##*-}w"
	ip -n "$NS_E" addr add 192.0.2.2/24 dev "${1##*-}e"
	ip -n "$NS_W" addr add 2001:db8::1/64 dev "${1##*-}w" nodad
	ip -n "$NS_E" addr add 2001:db8::2/64 dev "${1##*-}e" nodad
}

netns_cleanup() {
	for ns in "$NS_W" "$NS_E"; do
		[ -n "$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
}
