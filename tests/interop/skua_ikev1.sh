#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv1 Main Mode with pre-shared keys between Skua and the real peers: Skua's pluto
# (ikev1-policy=accept) in one namespace; libreswan 4.10 (ikev2=no, ikev1-policy=accept)
# and strongSwan 5.9.8 (version = 1) taking turns in the other, each side initiating.
# Each case asserts that the ISAKMP SA is established on both sides (STATE_MAIN_I4 /
# STATE_MAIN_R3, strongSwan's ESTABLISHED) with the algorithms asked for
# (AES_CBC_256-HMAC_SHA2_256-MODP2048), and that the initiator's IKEv1 Delete (an
# Informational exchange) removes it on both sides. Quick Mode is not there yet: the
# peers' Quick Mode requests are dropped by Skua, and nothing is asserted about IPsec SAs.
#
# Run as root after scripts/setup-peers and a build of pluto and whack, under the lock:
#   flock /tmp/skua-netns.lock bash tests/interop/skua_ikev1.sh
# BUILD (default build/default) as for skua_peers.sh; IOP_KEEP=1 keeps the logs.
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${BUILD:-}" in
'') BUILD=$IOP_TOP/build/default ;;
/*) ;;
*) BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory" ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"

V1_IKE_LSW="aes256-sha2_256;modp2048"
V1_IKE_SSWAN="aes256-sha256-modp2048"
V1_SUITE="AES_CBC_256-HMAC_SHA2_256-MODP2048"

# ---- the IKEv1 connection of each kind ----

v1_add_skua() { # inst conn la ra lid rid psk
	local d
	d=$(skua_dir "$1")
	printf '%s %s : PSK "%s"\n' "$5" "$6" "$7" >"$d/secrets/$2.secrets"
	{
		skua_reread_secrets "$1" &&
			skua_whack "$1" --name "$2" --ikev1 --psk --encrypt --tunnel \
				--host "$3" --id "$5" --to --host "$4" --id "$6" \
				--ike "$V1_IKE_LSW" --keyingtries 1 --dontrekey
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

v1_add_lsw() {
	local d
	d=$(lsw_dir "$1")
	cat >"$d/conns/$2.conf" <<-EOF2
		conn $2
		    ikev2=no
		    authby=secret
		    left=$3
		    leftid=$5
		    right=$4
		    rightid=$6
		    ike=$V1_IKE_LSW
		    esp=aes256-sha2_256
		    type=tunnel
		    leftupdown=%disabled
		    rekey=no
		    keyingtries=1
		    auto=add
	EOF2
	printf '%s %s : PSK "%s"\n' "$5" "$6" "$7" >"$d/secrets/$2.secrets"
	{
		lsw_reread_secrets "$1" &&
			timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
				--ctlsocket "$d/run/pluto.ctl" "$2"
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

v1_add_sswan() {
	local d
	d=$(sswan_dir "$1")
	cat >"$d/conns/$2.conf" <<-EOF2
		    $2 {
		        version = 1
		        aggressive = no
		        local_addrs = $3
		        remote_addrs = $4
		        proposals = $V1_IKE_SSWAN
		        rekey_time = 0
		        dpd_delay = 0
		        local {
		            auth = psk
		            id = $5
		        }
		        remote {
		            auth = psk
		            id = $6
		        }
		        children {
		            $2 {
		                esp_proposals = aes256-sha256
		                mode = tunnel
		                start_action = none
		                rekey_time = 0
		            }
		        }
		    }
	EOF2
	# Main Mode: the responder needs the key before it knows the peer's ID, so the
	# secret also names both addresses.
	cat >"$d/secrets/$2.conf" <<-EOF2
		    ike-$2 {
		        id-1 = $5
		        id-2 = $6
		        id-3 = $3
		        id-4 = $4
		        secret = "$7"
		    }
	EOF2
	sswan_reload "$1"
}

# ---- is the ISAKMP SA up, with which algorithms ----

v1_up_skua() { # inst conn: prints the suite of its established ISAKMP SA
	skua_whack "$1" --status 2>/dev/null | awk -v conn="\"$2\"" '
		{ sub(/^[0-9]+ /, "") }
		$1 ~ /^#[0-9]+:$/ && ($3 == "STATE_MAIN_I4" || $3 == "STATE_MAIN_R3") {
			c = $2; sub(/:[0-9]+$/, "", c)
			if (c != conn) next
			if (match($0, /; (initiator|responder); [^;]*;/)) {
				t = substr($0, RSTART, RLENGTH); sub(/^; [a-z]+; /, "", t); sub(/;$/, "", t)
				print t; found = 1; exit
			}
		}
		END { exit !found }'
}

v1_up_lsw() {
	local d serial
	d=$(lsw_dir "$1")
	serial=$(lsw_whack "$1" --showstates 2>/dev/null | awk -v conn="\"$2\"" '
		$2 ~ /^#[0-9]+:$/ && ($4 == "STATE_MAIN_I4" || $4 == "STATE_MAIN_R3") {
			c = $3; sub(/(\[[0-9]+\])?:[0-9]+$/, "", c)
			if (c == conn) { print substr($2, 2, length($2) - 2); exit }
		}') || return 1
	[ -n "$serial" ] || return 1
	# "... #N: ISAKMP SA established {auth=PRESHARED_KEY cipher=AES_CBC_256
	#  integ=HMAC_SHA2_256 group=MODP2048}"
	grep -E "\"$2\"(\[[0-9]+\])? #$serial: .*established \{" "$d/pluto.log" | tail -n1 |
		sed -n 's/.*cipher=\([^ ]*\) integ=\([^ ]*\) group=\([^ }]*\).*/\1-\2-\3/p' | grep .
}

v1_up_sswan() {
	sswan_ike_sa "$1" "$2" | awk -F= '
		{ v[$1] = $2 }
		END {
			if (v["version"] != "1" || v["encr-alg"] == "") exit 1
			prf = v["prf-alg"]; sub(/^PRF_/, "", prf)
			dh = v["dh-group"]; sub(/_/, "", dh)
			printf "%s_%s-%s-%s\n", v["encr-alg"], v["encr-keysize"], prf, dh
		}'
}

# The suite as each kind prints it, for the one V1 suite.
v1_want() {
	case "$1" in
	skua) echo "$V1_SUITE" ;;
	lsw) echo "AES_CBC_256-HMAC_SHA2_256-MODP2048" ;;
	sswan) echo "AES_CBC_256-HMAC_SHA2_256-MODP2048" ;;
	esac
}

v1_del() { # kind inst conn
	case "$1" in
	skua) skua_del_conn "$2" "$3" ;;
	lsw) lsw_del_conn "$2" "$3" ;;
	sswan) sswan_del_conn "$2" "$3" ;;
	esac
}

# The peers' initiate commands wait for Quick Mode, which never comes: they run in the
# background (bounded by their drivers' timeouts) and V1_BG is waited for after the case.
V1_BG=""
v1_initiate() {
	V1_BG=""
	case "$1" in
	skua) skua_initiate "$2" "$3" ;;
	lsw)
		lsw_initiate "$2" "$3" &
		V1_BG=$!
		;;
	sswan)
		sswan_initiate "$2" "$3" &
		V1_BG=$!
		;;
	esac
}

v1_case() { # initiator-inst responder-inst
	local ii=$1 ri=$2 ik rk conn psk ia ra what got_i got_r fail=0
	ik=$(iop_kind "$ii")
	rk=$(iop_kind "$ri")
	IOP_CASES=$((IOP_CASES + 1))
	conn=v1iop$IOP_CASES
	psk="ikev1-psk-$IOP_CASES-$RANDOM$RANDOM"
	ia=$(iop_addr "$ii" 4)
	ra=$(iop_addr "$ri" 4)
	what="IKEv1 Main Mode PSK $ik($ii) -> $rk($ri)"
	iop_log "case $IOP_CASES: $what"
	if ! "v1_add_$ik" "$ii" "$conn" "$ia" "$ra" "@$ii.test" "@$ri.test" "$psk" ||
		! "v1_add_$rk" "$ri" "$conn" "$ra" "$ia" "@$ri.test" "@$ii.test" "$psk"; then
		iop_not_ok "$what: loading the connection failed"
		v1_del "$ik" "$ii" "$conn" >/dev/null 2>&1
		v1_del "$rk" "$ri" "$conn" >/dev/null 2>&1
		return 0
	fi
	v1_initiate "$ik" "$ii" "$conn" || true
	if iop_wait "$IOP_WAIT" "v1_up_$ik" "$ii" "$conn"; then
		iop_ok "$what: initiator has the ISAKMP SA established"
	else
		iop_not_ok "$what: initiator has no established ISAKMP SA after ${IOP_WAIT}s"
		fail=1
	fi
	if iop_wait "$IOP_WAIT" "v1_up_$rk" "$ri" "$conn"; then
		iop_ok "$what: responder has the ISAKMP SA established"
	else
		iop_not_ok "$what: responder has no established ISAKMP SA after ${IOP_WAIT}s"
		fail=1
	fi
	got_i=$("v1_up_$ik" "$ii" "$conn" 2>/dev/null) || true
	got_r=$("v1_up_$rk" "$ri" "$conn" 2>/dev/null) || true
	if [ "$got_i" = "$(v1_want "$ik")" ] && [ "$got_r" = "$(v1_want "$rk")" ]; then
		iop_ok "$what: both report $V1_SUITE"
	else
		iop_not_ok "$what: algorithms: initiator \"$got_i\", responder \"$got_r\""
		fail=1
	fi
	if [ "$fail" -eq 0 ]; then
		"${ik}_terminate" "$ii" "$conn" || true
		if iop_wait "$IOP_WAIT" iop_not "v1_up_$ik" "$ii" "$conn" &&
			iop_wait "$IOP_WAIT" iop_not "v1_up_$rk" "$ri" "$conn"; then
			iop_ok "$what: the initiator's Delete removed the ISAKMP SA on both sides"
		else
			iop_not_ok "$what: the ISAKMP SA survived the initiator's Delete for ${IOP_WAIT}s"
			fail=1
		fi
	fi
	if [ "$fail" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $("${ik}_logs" "$ii") $("${rk}_logs" "$ri")
	fi
	v1_del "$ik" "$ii" "$conn" >/dev/null 2>&1 || true
	v1_del "$rk" "$ri" "$conn" >/dev/null 2>&1 || true
	if [ -n "$V1_BG" ]; then
		wait "$V1_BG" 2>/dev/null # only that one: the daemons are children too
	fi
	return 0
}

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
printf 'config setup\n    ikev1-policy=accept\n' >"$IOP_TMP/skua-ikev1.conf"
# shellcheck disable=SC2034 # read by skua_start (skua.sh) and lsw_start (lib.sh)
SKUA_PLUTO_ARGS="--config $IOP_TMP/skua-ikev1.conf"
# shellcheck disable=SC2034
LSW_IKEV1_POLICY=accept
# shellcheck disable=SC2034
SKUA_STACK=none
iop_start skua sk "$NS_L"
for peer in lsw:ls sswan:sw skua:sk2; do
	iop_start "${peer%%:*}" "${peer#*:}" "$NS_R"
	v1_case sk "${peer#*:}"
	v1_case "${peer#*:}" sk
	iop_stop "${peer#*:}"
done
iop_stop sk
iop_finish
