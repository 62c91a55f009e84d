#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Skua against strongSwan 5.9.8 and libreswan 4.10 on a kernel with ESP (the
# test guest): a subnet-to-subnet tunnel (10.1.0.0/16 on Skua's side,
# 10.2.0.0/16 on the peer's), each side initiating in turn. Per case: the
# initiator reports the Child SA, both kernels hold both ESP SAs, a ping
# between the clients passes, all four SA packet counters move, and the
# wire (tests/tools/pcount at both ends of the veth) carries ESP and no clear
# ICMP; the initiator's Delete leaves no ESP SA in either kernel.
#
# Skua runs with the XFRM backend (SKUA_STACK=netkey); the daemons come from
# tests/interop (lib.sh, skua.sh), which also start them in the guest: the
# host root is the guest's, and each daemon's private mount namespace binds
# what it needs (libreswan's helpers over /usr/libexec/ipsec).
#
# Run inside the guest: tests/kernel/guest.sh run tests/kernel/peers.sh BUILD
# after scripts/setup-peers. Prints "N passed, N failed".
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
BUILD=${1:-${BUILD:-$IOP_TOP/build}}
BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory"
PCOUNT=$BUILD/tests/pcount
IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"
[ -x "$PCOUNT" ] || iop_die "$PCOUNT: not built"
IOP_WAIT=${IOP_WAIT:-20}
PING=(ping)
[ -n "${SKUA_BUSYBOX:-}" ] && PING=("$SKUA_BUSYBOX" ping)
modprobe -a xfrm_user esp4 veth 2>/dev/null

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
# The clients: 10.1.0.1 behind Skua (left), 10.2.0.1 behind the peer (right).
$IP -n "$NS_L" addr add 10.1.0.1/32 dev lo &&
	$IP -n "$NS_R" addr add 10.2.0.1/32 dev lo &&
	$IP -n "$NS_L" route add 10.2.0.0/16 via "$R4" src 10.1.0.1 &&
	$IP -n "$NS_R" route add 10.1.0.0/16 via "$L4" src 10.2.0.1 ||
	iop_die "client addresses and routes"
SUBNET_L=10.1.0.0/16
SUBNET_R=10.2.0.0/16

# ---------------------------------------------------------------------------
# Kernel views

# esp_sas <ns>: "src dst spi packets" per keyed ESP SA, from ip -s xfrm state.
esp_sas() {
	$IP -n "$1" -s xfrm state | awk '
		/^src / { src = $2; dst = $4; spi = "" }
		/proto esp spi/ { spi = $4; if (spi ~ /^0x0+$/) spi = "" }
		/lifetime current:/ { cur = 1; next }
		cur && /\(packets\)/ {
			cur = 0
			if (spi != "") { p = $2; sub(/\(packets\)/, "", p); print src, dst, spi, p }
		}'
}
n_esp() { esp_sas "$1" | wc -l; }
both_installed() { [ "$(n_esp "$NS_L")" = 2 ] && [ "$(n_esp "$NS_R")" = 2 ]; }
none_left() { [ "$(n_esp "$NS_L")" = 0 ] && [ "$(n_esp "$NS_R")" = 0 ]; }

# pcount at both ends of the veth: what each end transmits is the wire.
pc_start() {
	rm -f "$IOP_TMP"/pc.[lr] "$IOP_TMP"/pc.[lr].ready
	ip netns exec "$NS_L" "$PCOUNT" veth0 "$IOP_TMP/pc.l" &
	PC_L=$!
	ip netns exec "$NS_R" "$PCOUNT" veth1 "$IOP_TMP/pc.r" &
	PC_R=$!
	iop_wait 5 test -e "$IOP_TMP/pc.l.ready" -a -e "$IOP_TMP/pc.r.ready"
}
pc_stop() { # sets PC_ESP, PC_ICMP
	local kv f
	kill -TERM "$PC_L" "$PC_R" 2>/dev/null
	wait "$PC_L" "$PC_R" 2>/dev/null
	PC_ESP=0 PC_ICMP=0
	for f in "$IOP_TMP/pc.l" "$IOP_TMP/pc.r"; do
		for kv in $(cat "$f" 2>/dev/null); do
			case $kv in
			esp=*) PC_ESP=$((PC_ESP + ${kv#esp=})) ;;
			icmp=*) PC_ICMP=$((PC_ICMP + ${kv#icmp=})) ;;
			esac
		done
	done
}

# ---------------------------------------------------------------------------
# One case: <init-inst> <resp-inst>; Skua's instance is "sk" on the left.
CASE=0
run_case() {
	local ii=$1 ri=$2 ik rk conn psk what fail=0 peer pk pl pr lid rid
	ik=$(iop_kind "$ii")
	rk=$(iop_kind "$ri")
	CASE=$((CASE + 1))
	conn=kp$CASE
	psk="kernel-peers-$CASE-$RANDOM$RANDOM"
	what="$ik($ii) -> $rk($ri)"
	[ "$ii" = sk ] && peer=$ri || peer=$ii
	pk=$(iop_kind "$peer")
	iop_log "case $CASE: $what, tunnel $SUBNET_L <=> $SUBNET_R, AES-GCM-256"
	read -r pl pr < <(lsw_proposals gcm256-x25519)
	lid=@sk.test rid=@$peer.test
	skua_add_psk_conn sk "$conn" "$L4" "$R4" "$lid" "$rid" "$psk" "$pl" "$pr" \
		$SUBNET_L $SUBNET_R || fail=1
	read -r pl pr < <("${pk}_proposals" gcm256-x25519)
	"${pk}_add_psk_conn" "$peer" "$conn" "$R4" "$L4" "$rid" "$lid" "$psk" "$pl" "$pr" \
		$SUBNET_R $SUBNET_L || fail=1
	if [ $fail = 1 ]; then
		iop_not_ok "$what: could not load the connection"
		return
	fi
	"${ik}_initiate" "$ii" "$conn"
	if iop_wait "$IOP_WAIT" both_installed; then
		iop_ok "$what: both kernels hold both ESP SAs"
	else
		iop_not_ok "$what: ESP SAs: Skua's kernel $(n_esp "$NS_L"), $pk's $(n_esp "$NS_R"); expected 2 each"
		fail=1
	fi
	if [ $fail = 0 ]; then
		pc_start
		if ip netns exec "$NS_L" "${PING[@]}" -c 3 -W 2 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1; then
			iop_ok "$what: ping 10.1.0.1 -> 10.2.0.1 passes"
		else
			iop_not_ok "$what: ping 10.1.0.1 -> 10.2.0.1 failed"
			fail=1
		fi
		pc_stop
		if [ "$PC_ESP" -ge 6 ] && [ "$PC_ICMP" = 0 ]; then
			iop_ok "$what: the wire carried ESP ($PC_ESP packets), no clear ICMP"
		else
			iop_not_ok "$what: on the wire ESP $PC_ESP (want >= 6), clear ICMP $PC_ICMP (want 0)"
			fail=1
		fi
		local counts
		counts=$({ esp_sas "$NS_L"; esp_sas "$NS_R"; } | awk '{ print $4 }' | sort -n | tr '\n' ' ')
		if [ "$({ esp_sas "$NS_L"; esp_sas "$NS_R"; } | awk '$4 >= 3' | wc -l)" = 4 ]; then
			iop_ok "$what: all four SA packet counters moved ($counts)"
		else
			iop_not_ok "$what: SA packet counters $counts; expected >= 3 each"
			fail=1
		fi
		"${ik}_terminate" "$ii" "$conn"
		if iop_wait "$IOP_WAIT" none_left; then
			iop_ok "$what: the initiator's Delete left no ESP SA in either kernel"
		else
			iop_not_ok "$what: ESP SAs left: Skua's kernel $(n_esp "$NS_L"), $pk's $(n_esp "$NS_R")"
			fail=1
		fi
	fi
	if [ $fail = 1 ]; then
		echo "# Skua's kernel:"
		$IP -n "$NS_L" xfrm state | grep -E '^src|proto' | sed 's/^/#   /'
		echo "# $pk's kernel:"
		$IP -n "$NS_R" xfrm state | grep -E '^src|proto' | sed 's/^/#   /'
		# shellcheck disable=SC2046
		iop_dump $(skua_logs sk) $("${pk}_logs" "$peer")
	fi
	skua_del_conn sk "$conn" || true
	"${pk}_del_conn" "$peer" "$conn" || true
	iop_wait 5 none_left || true
}

# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=netkey
iop_start skua sk "$NS_L"
for peer in ${SKUA_KPEERS:-sswan:sw lsw:ls}; do
	iop_start "${peer%%:*}" "${peer#*:}" "$NS_R"
	run_case sk "${peer#*:}" # Skua initiates
	run_case "${peer#*:}" sk # the peer initiates
	iop_stop "${peer#*:}"
done
iop_stop sk
iop_finish
