#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Steering by SPI through a real pluto: with 2 and with 4 workers, every
# message whose SPI names worker k (IKE and NAT-T ports, IKEv2 and IKEv1)
# is counted on worker k in --processstatus, nothing is forwarded, and
# IKE_SA_INIT requests spread over every worker.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
SEND="$BUILD/tests/ike_send"

T=$(mktemp -d /tmp/skua-steer.XXXXXX)
PLUTO_PID=
trap 'kill -KILL $PLUTO_PID 2>/dev/null || true; rm -rf "$T"' EXIT

# worker_rx <k>: packets in of worker k from the last --processstatus.
worker_field() {
	printf '%s\n' "$LAST_OUT" | sed -n "s/^000 worker $1: .*$2 \([0-9]*\).*/\1/p" | head -1
}

for W in 2 4; do
	IKE=$((20000 + RANDOM % 20000))
	NATT=$((IKE + 1))
	RD=$T/run$W
	start_pluto "$RD" "$T/pluto$W.log" --use-none --nhelpers $W --listen 127.0.0.1 \
		--ikeport $IKE --natikeport $NATT || { not_ok "pluto with $W workers starts"; continue; }
	W_="$WHACK --rundir $RD"
	expect_status 0 "$W workers: whack --listen" $W_ --listen
	expect_match "$W workers: listens on the IKE port" "adding UDP interface lo 127\.0\.0\.1:$IKE"
	expect_match "$W workers: listens on the NAT-T port" "adding UDP interface lo 127\.0\.0\.1:$NATT"

	per=60
	for k in $(seq 0 $((W - 1))); do
		"$SEND" 127.0.0.1 $IKE plain owner $k $per 16
		"$SEND" 127.0.0.1 $NATT natt owner $k $per 16
		"$SEND" 127.0.0.1 $IKE plain v1 $k $per 16
	done
	each=$((3 * per))
	for k in $(seq 0 $((W - 1))); do
		wait_for 5 sh -c "$W_ --processstatus | grep -q '^000 worker $k: .*packets in $each,'" || true
	done
	expect_status 0 "$W workers: --processstatus" $W_ --processstatus
	for k in $(seq 0 $((W - 1))); do
		rx=$(worker_field $k "packets in")
		fwd=$(worker_field $k "forwarded out")
		[ "$rx" = "$each" ] && ok "$W workers: worker $k received exactly its $each" ||
			not_ok "$W workers: worker $k received $rx, expected $each"
		[ "$fwd" = 0 ] && ok "$W workers: worker $k forwarded nothing" ||
			not_ok "$W workers: worker $k forwarded $fwd"
	done

	inits=800
	"$SEND" 127.0.0.1 $IKE plain init 0 $inits 64
	total=$((W * each + inits))
	wait_for 5 sh -c "$W_ --processstatus | sed -n 's/.*packets in \([0-9]*\),.*/\1/p' | awk '{s+=\$1} END {exit s != $total}'" || true
	expect_status 0 "$W workers: --processstatus after IKE_SA_INIT requests" $W_ --processstatus
	sum=0
	for k in $(seq 0 $((W - 1))); do
		rx=$(worker_field $k "packets in")
		got=$((rx - each))
		sum=$((sum + got))
		# 800 requests over at most 4 workers: each expects 200; 100 is far below chance.
		[ "$got" -ge 100 ] && ok "$W workers: worker $k got $got IKE_SA_INIT requests" ||
			not_ok "$W workers: worker $k got only $got of $inits IKE_SA_INIT requests"
	done
	[ "$sum" = "$inits" ] && ok "$W workers: all $inits requests counted once" ||
		not_ok "$W workers: $sum requests counted, expected $inits"

	expect_status 0 "$W workers: --unlisten" $W_ --unlisten
	expect_match "$W workers: unlisten closes the IKE port" "shutting down interface lo 127\.0\.0\.1:$IKE"
	expect_status 0 "$W workers: shutdown" $W_ --shutdown
	wait_exit "$PLUTO_PID" 10 && [ "$STOP_STATUS" = 0 ] && ok "$W workers: pluto exits 0" ||
		not_ok "$W workers: pluto exit $STOP_STATUS"
done
finish
