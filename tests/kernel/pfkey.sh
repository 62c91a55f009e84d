#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The kernel backends on a kernel with ESP and af_key (the test guest):
#   - tests/tools/xfrm_roundtrip and pfkey_roundtrip: SPI allocation, SA
#     update/add, policies, dump compared with what was sent, delete, nothing
#     left (each in a private network namespace);
#   - two plutos on the PF_KEY backend (--use-bsdkame) in two namespaces:
#     IKEv2 PSK, a tunnel with AES-CBC-256/HMAC-SHA1-96 (PF_KEY has no AEAD),
#     a ping through it, the SA counters, --trafficstatus, --terminate leaves
#     nothing in either kernel.
#
# Run inside the guest: tests/kernel/guest.sh run tests/kernel/pfkey.sh BUILD
set -u
BUILD=${1:-${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}}
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
W=skua-pk-w
E=skua-pk-e
T=$(mktemp -d /tmp/skua-pfkey.XXXXXX)
PIDS=()
cleanup() {
	local p
	exec 2>/dev/null # not bash's "Killed" notes
	for p in "${PIDS[@]}"; do kill -KILL "$p"; done
	$IP netns del $W
	$IP netns del $E
	rm -rf "$T"
}
trap cleanup EXIT
modprobe -a xfrm_user esp4 af_key veth 2>/dev/null

# roundtrip <tool>: exit 0 and its PASS line
roundtrip() {
	local out rc=0
	out=$(timeout 60 "$BUILD/tests/$1" 2>&1) || rc=$?
	if [ $rc = 0 ] && printf '%s\n' "$out" | grep -q '^PASS'; then
		ok "$1: $(printf '%s\n' "$out" | grep '^PASS')"
	else
		not_ok "$1 exited $rc:"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}
roundtrip xfrm_roundtrip
roundtrip pfkey_roundtrip

# ---------------------------------------------------------------------------
# Two plutos on PF_KEY
if [ -n "${SKUA_BUSYBOX:-}" ]; then
	NSW=("$SKUA_BUSYBOX" nsenter --net=/run/netns/$W)
	NSE=("$SKUA_BUSYBOX" nsenter --net=/run/netns/$E)
	PING=("$SKUA_BUSYBOX" ping)
else
	NSW=($IP netns exec $W)
	NSE=($IP netns exec $E)
	PING=(ping)
fi
MAC_W=02:00:00:00:02:0a MAC_E=02:00:00:00:02:0b
if $IP netns add $W && $IP netns add $E &&
	$IP link add vw address $MAC_W netns $W type veth peer name ve address $MAC_E netns $E &&
	printf '%s\n' "link set lo up" "addr add 192.0.2.1/24 dev vw" "addr add 10.1.0.1/32 dev lo" \
		"link set vw up" "neigh add 192.0.2.2 lladdr $MAC_E dev vw nud permanent" \
		"route add 10.2.0.0/16 via 192.0.2.2 src 10.1.0.1 dev vw" | $IP -n $W -batch - &&
	printf '%s\n' "link set lo up" "addr add 192.0.2.2/24 dev ve" "addr add 10.2.0.1/32 dev lo" \
		"link set ve up" "neigh add 192.0.2.1 lladdr $MAC_W dev ve nud permanent" \
		"route add 10.1.0.0/16 via 192.0.2.1 src 10.2.0.1 dev ve" | $IP -n $E -batch -; then
	ok "namespaces $W and $E joined by a veth"
else
	not_ok "namespaces $W and $E joined by a veth"
	finish
	exit
fi

printf '@west @east : PSK "pfkey pair test secret"\n' >"$T/secrets"
chmod 600 "$T/secrets"
for side in w e; do
	[ $side = w ] && ns=("${NSW[@]}") || ns=("${NSE[@]}")
	mkdir -p "$T/$side"
	"${ns[@]}" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" --use-bsdkame \
		--secretsfile "$T/secrets" >"$T/$side.out" 2>"$T/$side.log" &
	eval "PID_$side=\$!"
	PIDS+=("$!")
done
started=1
for side in w e; do
	if wait_for 15 grep -q "Pluto initialized" "$T/$side.out"; then
		ok "pluto $side started on PF_KEY (--use-bsdkame)"
	else
		not_ok "pluto $side did not start on PF_KEY"
		sed 's/^/#   /' "$T/$side.log"
		started=0
	fi
done
[ $started = 1 ] || { finish; exit; }
WW=(timeout 30 "${NSW[@]}" "$WHACK" --rundir "$T/w")
WE=(timeout 30 "${NSE[@]}" "$WHACK" --rundir "$T/e")
for W_ in WW WE; do
	eval "cmd=(\"\${$W_[@]}\")"
	"${cmd[@]}" --listen >/dev/null 2>&1
	"${cmd[@]}" --name pk --host 192.0.2.1 --id @west --client 10.1.0.0/16 --to \
		--host 192.0.2.2 --id @east --client 10.2.0.0/16 --psk --encrypt --tunnel \
		--ike aes_gcm256-sha2_256-dh31 --esp aes256-sha1 >"$T/add.out" 2>&1 ||
		{ not_ok "adding the connection: $(cat "$T/add.out")"; }
done

# the keyed ESP SAs of <ns>: "src dst spi packets bytes"
esp_sas() {
	$IP -n "$1" -s xfrm state | awk '
		/^src / { src = $2; dst = $4; spi = "" }
		/proto esp spi/ { spi = $4; if (spi ~ /^0x0+$/) spi = "" }
		/lifetime current:/ { cur = 1; next }
		cur && /\(packets\)/ {
			cur = 0
			b = $1; sub(/\(bytes\),?/, "", b); p = $2; sub(/\(packets\)/, "", p)
			if (spi != "") print src, dst, spi, p, b
		}'
}

LAST_OUT=$("${WW[@]}" --initiate --name pk 2>&1) && rc=0 || rc=$?
if [ $rc = 0 ] && printf '%s\n' "$LAST_OUT" | grep -Eq 'IPsec SA #[0-9]+ established tunnel mode'; then
	ok "PF_KEY: west initiates; the Child SA is up ($(printf '%s\n' "$LAST_OUT" | grep -o 'xfrm=[^ ]*'))"
else
	not_ok "PF_KEY: initiate exited $rc:"
	printf '%s\n' "$LAST_OUT" | sed 's/^/#   /'
fi
for ns in $W $E; do
	n=$(esp_sas $ns | wc -l)
	[ "$n" = 2 ] && ok "PF_KEY: $ns's kernel holds two ESP SAs" ||
		not_ok "PF_KEY: $ns's kernel holds $n ESP SAs, expected 2"
done
LAST_OUT=$($IP -n $W xfrm state)
expect_match "PF_KEY: the SAs are AES-CBC with HMAC-SHA1 truncated to 96 bits" \
	'auth-trunc hmac\(sha1\) 0x[0-9a-f]+ 96'
if "${NSW[@]}" "${PING[@]}" -c 3 -W 2 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1; then
	ok "PF_KEY: ping 10.1.0.1 -> 10.2.0.1 through the tunnel"
else
	not_ok "PF_KEY: ping 10.1.0.1 -> 10.2.0.1 failed"
fi
counts=$({ esp_sas $W; esp_sas $E; } | awk '{ print $4 }' | tr '\n' ' ')
if [ "$({ esp_sas $W; esp_sas $E; } | awk '$4 >= 3' | wc -l)" = 4 ]; then
	ok "PF_KEY: all four SA packet counters moved ($counts)"
else
	not_ok "PF_KEY: SA packet counters $counts; expected >= 3 each"
fi
out_b=$(esp_sas $W | awk '$1 == "192.0.2.1" { print $5 }')
LAST_OUT=$("${WW[@]}" --trafficstatus 2>&1)
expect_match "PF_KEY: --trafficstatus shows the kernel's outbound bytes ($out_b)" \
	"\"pk\", type=ESP, .*outBytes=${out_b:-x},"
LAST_OUT=$("${WW[@]}" --terminate --name pk 2>&1)
gone() { [ -z "$(esp_sas $W; esp_sas $E; our_policies $W; our_policies $E)" ]; }
if wait_for 10 gone; then
	ok "PF_KEY: after --terminate neither kernel has an SA or a policy"
else
	not_ok "PF_KEY: left after --terminate:"
	{ $IP -n $W xfrm state; $IP -n $W xfrm policy; $IP -n $E xfrm state; $IP -n $E xfrm policy; } |
		sed 's/^/#   /'
fi
"${WW[@]}" --shutdown >/dev/null 2>&1
"${WE[@]}" --shutdown >/dev/null 2>&1
for side in w e; do
	eval "pid=\$PID_$side"
	wait_exit "$pid" 15 && [ "$STOP_STATUS" = 0 ] && ok "PF_KEY: pluto $side exited 0" ||
		not_ok "PF_KEY: pluto $side exit: $STOP_STATUS"
done
[ $FAILS = 0 ] || for side in w e; do
	echo "# $side log (tail):"
	tail -n 25 "$T/$side.log" | sed 's/^/#   /'
done
finish
