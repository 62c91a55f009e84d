#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Routing with the XFRM backend on the host kernel (policies work here; ESP
# SAs do not, so Child SAs fail to install): --route puts a TRAP policy in
# the kernel, traffic to the peer's client makes the kernel ACQUIRE and
# pluto initiate, a --pass connection installs an allow shunt,
# --shuntstatus lists them, --unroute and --delete take them away.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"

T=$(mktemp -d /tmp/skua-route.XXXXXX)
netns_pair "skrt$$"
trap 'netns_cleanup; rm -rf "$T"' EXIT
# west's client 10.1.0.1 reaches east's client net through the veth
ip -n "$NS_W" addr add 10.1.0.1/32 dev lo
ip -n "$NS_W" route add 10.2.0.0/16 via 192.0.2.2
ip -n "$NS_E" addr add 10.2.0.1/32 dev lo
ip -n "$NS_E" route add 10.1.0.0/16 via 192.0.2.1

printf '@west @east : PSK "route test secret"\n' >"$T/secrets"
for side in w e; do
	ns=$([ $side = w ] && echo "$NS_W" || echo "$NS_E")
	mkdir -p "$T/$side"
	ip netns exec "$ns" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" \
		--secretsfile "$T/secrets" >"$T/$side.out" 2>"$T/$side.log" &
	eval "PID_$side=\$!"
done
for side in w e; do
	wait_for 10 grep -q "Pluto initialized" "$T/$side.out" ||
		{ not_ok "pluto $side did not start"; cat "$T/$side.log"; finish; }
done
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
WE="ip netns exec $NS_E $WHACK --rundir $T/e"
for W in "$WW" "$WE"; do
	$W --name rt --host 192.0.2.1 --id @west --client 10.1.0.0/16 --to --host 192.0.2.2 \
		--id @east --client 10.2.0.0/16 --psk --encrypt --ike aes_gcm256-sha2_256-dh31 >/dev/null
	$W --listen >/dev/null
done

pol() { ip -n "$NS_W" xfrm policy show dir out src 10.1.0.0/16 dst 10.2.0.0/16; }

expect_status 0 "--route" $WW --route --name rt
expect_match "the route is in place" '"rt": prospective erouted \(trap\)'
LAST_OUT=$(pol)
expect_match "the kernel has the outbound trap policy with its template" 'tmpl src 192\.0\.2\.1 dst 192\.0\.2\.2'
expect_status 0 "--shuntstatus" $WW --shuntstatus
expect_match "the trap is listed" '10\.1\.0\.0/16 -0-> 10\.2\.0\.0/16 => %trap 0 +"rt"'
expect_status 0 "status" $WW --status
expect_match "status says prospective erouted" '"rt": .*; prospective erouted; eroute owner: #0$'

# Traffic from west's client to east's makes the kernel ask pluto (ACQUIRE).
ip netns exec "$NS_W" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1 || true
if wait_for 10 grep -q 'initiating on traffic (kernel ACQUIRE)' "$T/w.log"; then
	ok "the trapped packet made pluto initiate"
else
	not_ok "no ACQUIRE-driven initiation"; sed 's/^/#   /' "$T/w.log" | tail -20
fi
wait_for 10 grep -q 'established IKE SA' "$T/e.log" && ok "the IKE SA came up on east" ||
	not_ok "no IKE SA on east"
# This kernel has no ESP: the Child SA fails, cleanly, and the trap is back.
wait_for 10 grep -q 'Child SA' "$T/w.log" || true
# The kernel's own acquire state (SPI 0, holding the trapped packets) is its
# business and expires by itself; no SA pluto made may remain.
LAST_OUT=$(ip -n "$NS_W" xfrm state; ip -n "$NS_E" xfrm state)
expect_no_match "no SA left half-installed on either side" 'proto esp spi 0x0*[1-9a-f]'
LAST_OUT=$(pol)
expect_match "the outbound trap policy is still in place" 'tmpl src 192\.0\.2\.1 dst 192\.0\.2\.2'

expect_status 0 "--unroute" $WW --unroute --name rt
expect_match "unrouted" '"rt": unrouted'
LAST_OUT=$(pol)
expect_no_match "the trap policy is gone" 'dir out'

# A prospective %pass shunt.
$WW --name pass --host 192.0.2.1 --id @west --client 10.1.0.0/16 --to --host 192.0.2.2 \
	--id @east --client 10.3.0.0/16 --psk --encrypt --pass >/dev/null
expect_status 0 "--route a --pass connection" $WW --route --name pass
LAST_OUT=$(ip -n "$NS_W" xfrm policy show dir out src 10.1.0.0/16 dst 10.3.0.0/16)
expect_match "an outbound policy for the pass shunt" 'dir out'
expect_no_match "it is an allow policy: no template, not blocking" 'tmpl|action block'
expect_status 0 "--shuntstatus" $WW --shuntstatus
expect_match "the pass shunt is listed" '10\.3\.0\.0/16 => %pass 0 +"pass"'
expect_status 0 "--delete removes the routed connection" $WW --name pass --delete
wait_for 5 sh -c "! ip -n $NS_W xfrm policy show dir out src 10.1.0.0/16 dst 10.3.0.0/16 | grep -q dir" &&
	ok "deleting the connection undid its routing" || not_ok "the pass policy is still there"

expect_status 0 "route rt again before shutting down" $WW --route --name rt
expect_status 0 "west shuts down" $WW --shutdown
expect_status 0 "east shuts down" $WE --shutdown
for side in w e; do
	eval "pid=\$PID_$side"
	wait_exit "$pid" 10 && [ "$STOP_STATUS" = 0 ] && ok "pluto $side exited 0" ||
		not_ok "pluto $side exit: $STOP_STATUS"
done
LAST_OUT=$(ip -n "$NS_W" xfrm policy; ip -n "$NS_E" xfrm policy)
expect_no_match "shutdown left no policy" 'dir'
LAST_OUT=$(ip -n "$NS_W" xfrm state; ip -n "$NS_E" xfrm state)
expect_no_match "shutdown left no SA pluto made" 'proto esp spi 0x0*[1-9a-f]'
finish
