#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv2 redirect (RFC 5685) through pluto and whack: west (192.0.2.1, accept-redirect)
# initiates to gateway 1 (192.0.2.2), which redirects it in IKE_SA_INIT (pluto
# --global-redirect yes --global-redirect-to 192.0.2.3) to gateway 2 (a second pluto in
# east's namespace on 192.0.2.3); then whack --global-redirect no on gateway 1, and
# whack --name t --redirect-to 192.0.2.2 on gateway 2 sends the established west back
# (an INFORMATIONAL REDIRECT). Then gateways named by FQDN (RFC 5685 type 3): west's
# pluto resolves names off its workers, here from a hosts file the test writes
# (SKUA_RESOLVER_HOSTS, read by pluto's resolver thread in tests only): whack
# --redirect-to gw2.example on gateway 1 sends west to gateway 2 by name, and gateway 2's
# --global-redirect-to gw1.example sends a new connection to gateway 1 in IKE_SA_INIT;
# a name that does not resolve is not followed. The none kernel backend.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"

T=$(mktemp -d /tmp/skua-netns.XXXXXX)
P="skr$$"
netns_pair "$P"
trap 'netns_cleanup; rm -rf "$T"' EXIT
ip -n "$NS_E" addr add 192.0.2.3/24 dev "${P}e"

printf '@west @east : PSK "netns redirect secret"\n' >"$T/secrets"
printf '192.0.2.2 gw1.example\n192.0.2.3 gw2.example\n2001:db8::9 nowhere.example\n' >"$T/hosts"
START_ENV=
start() {	# start <name> <ns> <pluto options...>; START_ENV: NAME=value for that pluto
	local name=$1 ns=$2
	shift 2
	mkdir -p "$T/$name"
	ip netns exec "$ns" env $START_ENV "$PLUTO" --nofork --stderrlog --rundir "$T/$name" --use-none \
		--secretsfile "$T/secrets" "$@" >"$T/$name.out" 2>"$T/$name.log" &
	wait_for 10 grep -q "Pluto initialized" "$T/$name.out" && ok "pluto $name started" ||
		{ not_ok "pluto $name did not start"; cat "$T/$name.log"; finish; }
}
# west's /metrics (loopback of its namespace): the resolver's counters at the end
ip -n "$NS_W" link set lo up
MPORT=$((20000 + $$ % 20000))
START_ENV="SKUA_RESOLVER_HOSTS=$T/hosts" start w "$NS_W" --metrics "127.0.0.1:$MPORT"
start g1 "$NS_E" --listen 192.0.2.2 --global-redirect yes --global-redirect-to 192.0.2.3
start g2 "$NS_E" --listen 192.0.2.3
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
W1="ip netns exec $NS_E $WHACK --rundir $T/g1"
W2="ip netns exec $NS_E $WHACK --rundir $T/g2"

expect_status 0 "west adds t, accepting redirects" $WW --name t --host 192.0.2.1 --id @west \
	--client 10.1.0.0/16 --to --host 192.0.2.2 --id @east --client 10.2.0.0/16 --psk --encrypt \
	--accept-redirect yes --accept-redirect-to 192.0.2.2,192.0.2.3,gw2.example
for g in 2 3; do
	W=$([ $g = 2 ] && echo "$W1" || echo "$W2")
	expect_status 0 "gateway 192.0.2.$g adds t" $W --name t --host 192.0.2.1 --id @west \
		--client 10.1.0.0/16 --to --host "192.0.2.$g" --id @east --client 10.2.0.0/16 \
		--psk --encrypt
done
for W in "$WW" "$W1" "$W2"; do
	expect_status 0 "listen" $W --listen
done

expect_status 0 "west initiates t" timeout 20 $WW --initiate --name t
expect_match "west is redirected to gateway 2" '"t" #1: redirected to 192\.0\.2\.3'
expect_match "west is up at gateway 2" '"t" #[0-9]+: established IKE SA'
expect_status 0 "gateway 2 status" $W2 --status
expect_match "gateway 2 holds west's IKE SA" 'IKE SAs: total\(1\)'
expect_status 0 "gateway 1 status" $W1 --status
expect_match "gateway 1 kept nothing" 'IKE SAs: total\(0\)'

expect_status 0 "gateway 1 stops redirecting" $W1 --global-redirect no
expect_match "says so" 'global redirect now no'
expect_status 0 "gateway 2 redirects t's peers to gateway 1" $W2 --name t --redirect-to 192.0.2.2
expect_match "names the SA it redirects" '#[0-9]+: "t": redirecting the peer to 192\.0\.2\.2'
wait_for 10 sh -c "$W1 --status | grep -q 'IKE SAs: total(1)'" &&
	ok "west came up at gateway 1" || not_ok "west is not up at gateway 1"
wait_for 10 sh -c "$W2 --status | grep -q 'IKE SAs: total(0)'" &&
	ok "west deleted its IKE SA with gateway 2" || not_ok "gateway 2 still holds an IKE SA"
expect_status 0 "west status" $WW --status
expect_match "west has one IKE SA, with gateway 1" 'STATE_V2_ESTABLISHED_IKE_SA'

expect_status 0 "a --redirect-to with nobody to redirect" $W2 --redirect-to 192.0.2.2
expect_match "says so" 'no established peer takes redirects'
# Names (RFC 5685 type 3). whack --redirect-to NAME sends the name as given; west
# resolves it (192.0.2.3), on its --accept-redirect-to list by name, and goes there.
expect_status 0 "gateway 1 redirects t's peers to gw2.example" $W1 --name t --redirect-to gw2.example
expect_match "sends the name as given" '#[0-9]+: "t": redirecting the peer to gw2\.example'
wait_for 10 sh -c "$W2 --status | grep -q 'IKE SAs: total(1)'" &&
	ok "west came up at gateway 2 by name" || not_ok "west is not up at gateway 2"
wait_for 10 sh -c "$W1 --status | grep -q 'IKE SAs: total(0)'" &&
	ok "west deleted its IKE SA with gateway 1" || not_ok "gateway 1 still holds an IKE SA"
wait_for 5 grep -q '"t" #[0-9]*: redirected to gw2\.example (RFC 5685): resolving the name' \
	"$T/w.log" && ok "west resolved the name off its worker" ||
	{ not_ok "west did not say it resolves the name"; tail -20 "$T/w.log"; }

# IKE_SA_INIT: gateway 2 sends new clients to gw1.example (west first ends t, which
# would otherwise carry t2's Child SA to gateway 2).
expect_status 0 "west terminates t" $WW --terminate --name t
wait_for 10 sh -c "$W2 --status | grep -q 'IKE SAs: total(0)'" &&
	ok "gateway 2 holds nothing" || not_ok "gateway 2 still holds an IKE SA"
expect_status 0 "gateway 2 takes a gateway named by FQDN" $W2 --global-redirect-to gw1.example
expect_match "says so" 'global redirect gateways set \(1\)'
expect_status 0 "gateway 2 redirects new clients" $W2 --global-redirect yes
for W in "$WW" "$W1"; do
	expect_status 0 "t2 added" $W --name t2 --host 192.0.2.1 --id @west \
		--client 10.3.0.0/16 --to --host "$([ "$W" = "$WW" ] && echo 192.0.2.3 || echo 192.0.2.2)" \
		--id @east --client 10.4.0.0/16 --psk --encrypt --accept-redirect yes --keyingtries 1
done
expect_status 0 "west initiates t2 (to gateway 2)" timeout 20 $WW --initiate --name t2
expect_match "west resolves the name gateway 2 gave" '"t2" #[0-9]+: redirected to gw1\.example \(RFC 5685\): resolving the name'
expect_match "and goes to its address" '"t2" #[0-9]+: redirected to 192\.0\.2\.2'
expect_match "t2 is up at gateway 1" '"t2" #[0-9]+: established IKE SA'
wait_for 10 sh -c "$W1 --status | grep -q 'IKE SAs: total(1)'" &&
	ok "gateway 1 holds t2's IKE SA" || not_ok "gateway 1 does not hold t2's IKE SA"

# A name without an address of the connection's family: not followed, counted.
expect_status 0 "gateway 2 sends to a name with only an IPv6 address" $W2 --global-redirect-to nowhere.example
expect_status 0 "west adds t3" $WW --name t3 --host 192.0.2.1 --id @west \
	--client 10.5.0.0/16 --to --host 192.0.2.3 --id @east --client 10.6.0.0/16 --psk --encrypt \
	--accept-redirect yes --keyingtries 1
set +e
LAST_OUT=$(timeout 20 $WW --initiate --name t3 2>&1)
set -e
expect_match "west does not follow it and says why" 'redirect not followed: the gateway.s name nowhere\.example: no address of the connection.s family'
expect_status 0 "west status" $WW --status
if printf '%s\n' "$LAST_OUT" | grep -q '"t3".*STATE_V2_ESTABLISHED_IKE_SA'; then
	not_ok "t3 came up somewhere"
else
	ok "t3 did not come up"
fi
# The resolver's metrics: three names looked up (gw2, gw1, nowhere), none refused, none waiting.
metric() {	# metric NAME: its value on west's /metrics
	ip netns exec "$NS_W" curl -sf "http://127.0.0.1:$MPORT/metrics" |
		awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print "missing" }'
}
m=$(metric skua_resolver_lookups_total)
[ "$m" = 3 ] && ok "skua_resolver_lookups_total is 3" || not_ok "skua_resolver_lookups_total is $m, expected 3"
m=$(metric skua_resolver_failures_total)
[ "$m" = 1 ] && ok "skua_resolver_failures_total is 1 (nowhere.example)" ||
	not_ok "skua_resolver_failures_total is $m, expected 1 (nowhere.example has no IPv4 address)"
m=$(metric skua_resolver_rejected_total)
[ "$m" = 0 ] && ok "skua_resolver_rejected_total is 0" || not_ok "skua_resolver_rejected_total is $m, expected 0"
m=$(metric skua_resolver_queue_depth)
[ "$m" = 0 ] && ok "skua_resolver_queue_depth is 0" || not_ok "skua_resolver_queue_depth is $m, expected 0"

for name in w g1 g2; do
	W=$(case $name in w) echo "$WW" ;; g1) echo "$W1" ;; g2) echo "$W2" ;; esac)
	$W --shutdown >/dev/null 2>&1 || true
done
finish
