#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# whack --listen notices interfaces that came and went, --interface limits
# what is listened on, and the IKE socket knobs work.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"

NS="sklisten$$"
T=$(mktemp -d /tmp/skua-listen.XXXXXX)
trap 'ip netns del "$NS" 2>/dev/null || true; rm -rf "$T"' EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
# veth pairs inside the namespace stand for two public interfaces (this
# kernel has no dummy interfaces)
ip -n "$NS" link add d0 type veth peer name d0p
ip -n "$NS" link add d1 type veth peer name d1p
for l in d0 d0p d1 d1p; do ip -n "$NS" link set "$l" up; done
ip -n "$NS" addr add 198.51.100.1/24 dev d0
ip -n "$NS" addr add 203.0.113.1/24 dev d1

ip netns exec "$NS" "$PLUTO" --nofork --stderrlog --rundir "$T/run" --use-none \
	--interface d0 >"$T/out" 2>"$T/log" &
PID=$!
wait_for 10 grep -q "Pluto initialized" "$T/out" || { not_ok "pluto starts"; cat "$T/log"; finish; }
W="ip netns exec $NS $WHACK --rundir $T/run"

expect_status 0 "--listen with --interface d0" $W --listen
expect_match "d0's address is listened on" 'adding UDP interface d0 198\.51\.100\.1:500'
expect_no_match "d1 is not (--interface d0)" 'd1'
expect_no_match "nor lo" 'interface lo'

ip -n "$NS" addr add 192.0.2.5/24 dev d0
expect_status 0 "--listen again after an address was added" $W --listen
expect_match "the new address is picked up" 'adding UDP interface d0 192\.0\.2\.5:500'
expect_no_match "the old one is not opened twice" 'adding UDP interface d0 198\.51\.100\.1:500'

ip -n "$NS" addr del 198.51.100.1/24 dev d0
expect_status 0 "--listen again after an address went" $W --listen
expect_match "the gone address is closed" 'shutting down interface d0 198\.51\.100\.1:500'
expect_no_match "the remaining one stays" 'interface d0 192\.0\.2\.5:500'

expect_status 0 "--ike-socket-bufsize" $W --ike-socket-bufsize 1048576
expect_match "buffers set" 'IKE socket buffers set to 1048576 bytes'
expect_status 1 "a bad buffer size is refused by whack" $W --ike-socket-bufsize lots
expect_status 0 "--ike-socket-errqueue-toggle" $W --ike-socket-errqueue-toggle
expect_match "error queue on" 'IP_RECVERR\) now on'
expect_status 0 "toggle again" $W --ike-socket-errqueue-toggle
expect_match "error queue off" 'IP_RECVERR\) now off'
expect_status 0 "--processstatus while listening" $W --processstatus
expect_match "it says listening" 'workers: [0-9]+; listening: yes'

expect_status 0 "--unlisten" $W --unlisten
expect_match "every socket closed" 'shutting down interface d0 192\.0\.2\.5:4500'

expect_status 0 "--listen again" $W --listen
expect_match "192.0.2.5 is open again" 'adding UDP interface d0 192\.0\.2\.5:500'
ip -n "$NS" addr del 192.0.2.5/24 dev d0
expect_status 36 "--listen with no interface left fails" $W --listen
expect_match "and says why" 'no public interface matches --interface'
expect_match "but still closes the sockets of what went" 'shutting down interface d0 192\.0\.2\.5:500'
expect_status 0 "--processstatus" $W --processstatus
expect_match "nothing is listened on" 'listening: no'
expect_status 0 "--processstatus" $W --processstatus
expect_match "no longer listening" 'listening: no'
expect_status 0 "shutdown" $W --shutdown
wait_exit "$PID" 10 && [ "$STOP_STATUS" = 0 ] && ok "pluto exits 0" || not_ok "pluto exit $STOP_STATUS"
finish
