#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Capture libreswan 4.10's own whack status output for the golden-format test
# (tests/netns/status_format.sh compares Skua's lines with these, field by
# field except values). Two libreswan plutos in the interop namespaces:
#
#   west (192.0.2.1, client 10.1.0.0/16)   east (192.0.2.2, client 10.2.0.0/16)
#   "west-east": subnet to subnet, west initiates, a ping crosses it
#   "road": host to host, west initiates; east's end is the template "road"
#           with right=%any, so east shows the instance "road"[1] 192.0.2.1
#   "idle": loaded, never initiated
#
# Each side's --status, --showstates, --briefstatus, --trafficstatus,
# --shuntstatus, --fipsstatus, --listevents and --globalstatus land in OUT
# (default tests/data/libreswan-4.10) as <side>.<form>; config.txt records
# what was loaded. A Child SA needs a kernel with ESP, so this runs in the
# test guest:
#
#   SKUA_PEERS_DIR=... tests/kernel/guest.sh run -t 180 -w tests/data \
#       tests/interop/capture_libreswan_status.sh "$PWD/tests/data/libreswan-4.10"
#
# (SKUA_PEERS_DIR, SKUA_GUEST_DIR: where scripts/setup-peers and setup-guest
# put their trees, if not build/ of this checkout.) Run once; the output is
# test data, committed as it came.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OUT=${1:-$IOP_TOP/tests/data/libreswan-4.10}
mkdir -p "$OUT" || iop_die "$OUT: cannot create"
PING=(ping)
[ -n "${SKUA_BUSYBOX:-}" ] && PING=("$SKUA_BUSYBOX" ping)
IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
[ -n "${SKUA_IN_GUEST:-}" ] || iop_log "warning: not in the test guest: no ESP, no Child SA will be captured"
modprobe -a xfrm_user esp4 veth 2>/dev/null

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
$IP -n "$NS_L" addr add 10.1.0.1/32 dev lo &&
	$IP -n "$NS_R" addr add 10.2.0.1/32 dev lo &&
	$IP -n "$NS_L" route add 10.2.0.0/16 via "$R4" src 10.1.0.1 &&
	$IP -n "$NS_R" route add 10.1.0.0/16 via "$L4" src 10.2.0.1 ||
	iop_die "client addresses and routes"

iop_start lsw west "$NS_L"
iop_start lsw east "$NS_R"
IKE="aes_gcm256-sha2_256-dh31"
ESP="aes_gcm256"
lsw_add_psk_conn west west-east "$L4" "$R4" @west @east "capture secret one" "$IKE" "$ESP" \
	10.1.0.0/16 10.2.0.0/16 || iop_die "west: west-east"
lsw_add_psk_conn east west-east "$R4" "$L4" @east @west "capture secret one" "$IKE" "$ESP" \
	10.2.0.0/16 10.1.0.0/16 || iop_die "east: west-east"
lsw_add_psk_conn west road "$L4" "$R4" @road @gw "capture secret two" "$IKE" "$ESP" ||
	iop_die "west: road"
lsw_add_psk_conn east road "$R4" %any @gw @road "capture secret two" "$IKE" "$ESP" ||
	iop_die "east: road"
lsw_add_psk_conn west idle "$L4" "$R4" @idle-w @idle-e "capture secret three" "$IKE" "$ESP" \
	10.1.9.0/24 10.2.9.0/24 || iop_die "west: idle"
lsw_add_psk_conn east idle "$R4" "$L4" @idle-e @idle-w "capture secret three" "$IKE" "$ESP" \
	10.2.9.0/24 10.1.9.0/24 || iop_die "east: idle"

lsw_initiate west west-east
lsw_initiate west road
iop_wait "$IOP_WAIT" lsw_ike_established west west-east && iop_ok "west-east is up" ||
	iop_not_ok "west-east is not up"
iop_wait "$IOP_WAIT" lsw_ike_established west road && iop_ok "road is up" ||
	iop_not_ok "road is not up"
if ip netns exec "$NS_L" "${PING[@]}" -c 3 -W 2 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1; then
	iop_ok "ping across west-east"
else
	iop_not_ok "ping across west-east failed"
fi

: >"$OUT/exit-codes.txt"
for side in west east; do
	for form in status showstates briefstatus trafficstatus shuntstatus fipsstatus \
		listevents globalstatus; do
		lsw_whack "$side" --"$form" >"$OUT/$side.$form" 2>&1
		echo "$side --$form: exit $?" >>"$OUT/exit-codes.txt"
	done
done
{
	echo "# captured by tests/interop/capture_libreswan_status.sh"
	echo "# libreswan: $("$LSW_BIN/pluto" --version 2>&1 | head -n1)"
	echo "# kernel: $(uname -r)${SKUA_IN_GUEST:+ (test guest)}"
	echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	for side in west east; do
		echo "## $side: ipsec.conf connections"
		cat "$(lsw_dir "$side")"/conns/*.conf
	done
} >"$OUT/config.txt"
iop_log "captured into $OUT"
iop_finish
