#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# --debug base is enough to debug an exchange: every IKEv2 message sent and
# received, and each of its payloads, in "| " lines; the payloads inside SK
# as they are sealed and once decrypted. Without --debug private, no address
# or identity appears in them. --debug tmi adds the payloads' bytes.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"

T=$(mktemp -d /tmp/skua-dbg.XXXXXX)
netns_pair "skdb$$"
trap 'netns_cleanup; rm -rf "$T"' EXIT
printf '@west @east : PSK "debug test secret"\n' >"$T/secrets"
for side in w e; do
	ns=$([ $side = w ] && echo "$NS_W" || echo "$NS_E")
	dbg=$([ $side = w ] && echo "--debug base" || echo "--debug base --debug tmi")
	mkdir -p "$T/$side"
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" --use-none $dbg \
		--secretsfile "$T/secrets" >"$T/$side.out" 2>"$T/$side.log" &
done
for side in w e; do
	wait_for 10 grep -q "Pluto initialized" "$T/$side.out" && ok "pluto $side started" ||
		{ not_ok "pluto $side did not start"; cat "$T/$side.log"; finish; }
done
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
WE="ip netns exec $NS_E $WHACK --rundir $T/e"
for W in "$WW" "$WE"; do
	$W --name c --host 192.0.2.1 --id @west --client 10.1.0.0/16 --to --host 192.0.2.2 \
		--id @east --client 10.2.0.0/16 --psk --encrypt --ike aes_gcm256-sha2_256-dh31 >/dev/null
	$W --listen >/dev/null
done
expect_status 0 "west initiates" timeout 20 $WW --initiate --name c
expect_status 0 "west deletes it" $WW --name c --terminate
wait_for 5 grep -q 'received INFORMATIONAL response' "$T/w.log" || true

LAST_OUT=$(cat "$T/w.log")
expect_match "the IKE_SA_INIT request sent, with its header" \
	'\| #1: sending IKE_SA_INIT request \(message ID 0\) to <address>:500: [0-9]+ bytes, SPIi [0-9a-f]{16} SPIr 0{16}'
expect_match "its SA payload and proposal" '\|    SA payload \(33\), [0-9]+ bytes: 1 proposal'
expect_match "the proposal's transforms" '\|        proposal 1 IKE: AES_GCM_16_256 HMAC_SHA2_256 DH31'
expect_match "its KE payload" '\|    KE payload \(34\), 36 bytes: group DH31, 32 bytes'
expect_match "its nonce" '\|    Nonce payload \(40\)'
expect_match "its NAT detection notifies" '\|    N payload \(41\), [0-9]+ bytes: NAT_DETECTION_SOURCE_IP \(16388\)'
expect_match "the IKE_SA_INIT response received" '\| received IKE_SA_INIT response \(message ID 0\) from <address>:500'
expect_match "the IKE_AUTH request's inner payloads as sealed" '\| #1: sealing IKE_AUTH request \(message ID 1\): its SK payload holds:'
expect_match "IDi inside SK, without the identity" '\|      IDi payload \(35\), [0-9]+ bytes: type 2, [0-9]+ bytes$'
expect_match "AUTH inside SK" '\|      AUTH payload \(39\), [0-9]+ bytes: method 2'
expect_match "the ESP proposal with its SPI" '\|        proposal 1 ESP SPI [0-9a-f]{8}: AES_GCM_16_256'
expect_match "the traffic selectors, addresses hidden" '\|        TS type 7 protocol 0 ports 0-65535 <address>-<address>'
expect_match "the encrypted IKE_AUTH request sent" '\| #1: sending IKE_AUTH request \(message ID 1\) to <address>:500'
expect_match "its SK payload" '\|    SK payload \(46\), [0-9]+ bytes: encrypted'
expect_match "the IKE_AUTH response decrypted" '\| #1: decrypted IKE_AUTH response \(message ID 1\): its SK payload holds:'
expect_match "the Delete sealed" '\|      D payload \(42\), [0-9]+ bytes: IKE, 0 SPIs'
expect_no_match "no address or identity without --debug private" '\| .*(192\.0\.2\.|@east|@west)'
LAST_OUT=$(cat "$T/e.log")
expect_match "the responder logs the request it received" '\| received IKE_SA_INIT request \(message ID 0\)'
expect_match "--debug tmi: payload bytes in hex" '^[^|]*\|        [0-9a-f]{8}( [0-9a-f]{8})*$'
finish
