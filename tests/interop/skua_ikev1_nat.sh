#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv1 NAT traversal (RFC 3947) between Skua and libreswan 4.10 across a NAT: three
# namespaces, "in" (10.99.0.2, its default route the NAT), "nat" (nftables masquerade of
# what leaves towards "out") and "out" (192.0.2.2); the NAT's outside address is
# 192.0.2.1. Main Mode PSK and Quick Mode, tunnel mode between 10.1.0.0/24 (behind the
# NAT) and 10.2.0.0/24.
#   1. Skua in "in" initiates to libreswan in "out": Skua logs "I am behind NAT",
#      libreswan "peer behind NAT"; both have the ISAKMP SA on port 4500; libreswan takes
#      Skua's Quick Mode with UDP encapsulation and installs Skua's SPI as ESP in UDP.
#   2. libreswan in "in" initiates to Skua in "out": the mirror; Skua installs the IPsec
#      SA with encapsulation (ESP/NAT, libreswan's SPI) and answers Quick Mode.
#   3. DPD (RFC 3706) across the NAT: Skua (--dpddelay 1 --dpdtimeout 3) initiates,
#      libreswan is killed with SIGKILL, Skua declares the peer dead and clears.
# libreswan's NAT-T results are debug lines: its instances run with --debug base.
# The host kernel has no ESP: libreswan's own install fails ("Protocol not supported"),
# so its IPsec SA never comes up; Skua runs --use-none (its kernel SAs are logged, not
# installed). What is asserted is what each side logs and shows.
#
# Run as root after scripts/setup-peers and a build of pluto and whack, under the lock:
#   flock /tmp/skua-netns.lock bash tests/interop/skua_ikev1_nat.sh
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
command -v nft >/dev/null || iop_die "nft not found: run scripts/setup (nftables)"

IN4=10.99.0.2
NATIN4=10.99.0.1
NAT4=192.0.2.1
OUT4=192.0.2.2
IKE="aes256-sha2_256;modp2048"
ESP="aes256-sha2_256"

# in -- nat -- out, the NAT masquerading what goes out.
nat_topology() {
	NS_IN=$IOP_PREFIX-in
	NS_NAT=$IOP_PREFIX-nat
	NS_OUT=$IOP_PREFIX-out
	local ns
	for ns in "$NS_IN" "$NS_NAT" "$NS_OUT"; do
		ip netns add "$ns" || iop_die "ip netns add $ns failed"
		IOP_NETNS="$IOP_NETNS $ns"
		ip -n "$ns" link set lo up
	done
	if ! { ip -n "$NS_IN" link add veth0 type veth peer name vin netns "$NS_NAT" &&
		ip -n "$NS_OUT" link add veth0 type veth peer name vout netns "$NS_NAT" &&
		ip -n "$NS_IN" addr add "$IN4/24" dev veth0 &&
		ip -n "$NS_NAT" addr add "$NATIN4/24" dev vin &&
		ip -n "$NS_NAT" addr add "$NAT4/24" dev vout &&
		ip -n "$NS_OUT" addr add "$OUT4/24" dev veth0 &&
		ip -n "$NS_IN" link set veth0 up && ip -n "$NS_OUT" link set veth0 up &&
		ip -n "$NS_NAT" link set vin up && ip -n "$NS_NAT" link set vout up &&
		ip -n "$NS_IN" route add default via "$NATIN4" &&
		ip netns exec "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1 >/dev/null; }; then
		iop_die "building the NAT topology failed"
	fi
	ip netns exec "$NS_NAT" nft -f - <<-EOF2 || iop_die "nft: the masquerade rule failed"
		table ip nat {
		    chain postrouting {
		        type nat hook postrouting priority srcnat; policy accept;
		        oifname "vout" masquerade
		    }
		}
	EOF2
	iop_wait 5 ip netns exec "$NS_IN" ping -c1 -W1 "$OUT4" ||
		iop_die "no reachability in -> out through the NAT"
}

# Skua's connection: here our end, there the peer (the NAT's address when it is inside).
nat_add_skua() { # inst conn here there here-client there-client extra...
	local inst=$1 conn=$2 here=$3 there=$4 hc=$5 tc=$6 d
	shift 6
	d=$(skua_dir "$inst")
	printf '@%s @%s : PSK "%s"\n' "$inst.test" "peer.test" "$PSK" >"$d/secrets/$conn.secrets"
	{
		skua_reread_secrets "$inst" &&
			skua_whack "$inst" --name "$conn" --ikev1 --psk --encrypt --tunnel \
				--host "$here" --id "@$inst.test" --client "$hc" \
				--to --host "$there" --id "@peer.test" --client "$tc" \
				--ike "$IKE" --esp "$ESP" --pfs --keyingtries 1 --dontrekey "$@"
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

nat_add_lsw() { # inst conn left right leftsubnet rightsubnet rightid
	local d
	d=$(lsw_dir "$1")
	cat >"$d/conns/$2.conf" <<-EOF2
		conn $2
		    ikev2=no
		    authby=secret
		    left=$3
		    leftid=@peer.test
		    leftsubnet=$5
		    right=$4
		    rightid=$7
		    rightsubnet=$6
		    ike=$IKE
		    esp=$ESP
		    type=tunnel
		    leftupdown=%disabled
		    rekey=no
		    keyingtries=1
		    auto=add
	EOF2
	printf '@peer.test %s : PSK "%s"\n' "$7" "$PSK" >"$d/secrets/$2.secrets"
	{
		lsw_reread_secrets "$1" &&
			timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
				--ctlsocket "$d/run/pluto.ctl" "$2"
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

skua_log() { echo "$(skua_dir "$1")/pluto.log"; }
lsw_log() { echo "$(lsw_dir "$1")/pluto.log"; }

# The ISAKMP SA of conn established, and on port 4500, as each shows it.
skua_isakmp_4500() { # inst conn
	skua_whack "$1" --status 2>/dev/null |
		grep -qE "#[0-9]+: \"$2\"[^ ]*:4500 STATE_MAIN_(I4|R3) "
}
lsw_isakmp_4500() { # "#1: "conn"[1] 192.0.2.1:4500 STATE_MAIN_R3 ..."
	lsw_whack "$1" --showstates 2>/dev/null |
		grep -qE "#[0-9]+: \"$2\"[^ ]*( [^ ]+)?:4500 STATE_MAIN_(I4|R3) "
}

# The check of one line in a log, waited for.
nat_expect() { # what log pattern
	if iop_wait "$IOP_WAIT" grep -qE "$3" "$2"; then
		iop_ok "$1"
		return 0
	fi
	iop_not_ok "$1 (no /$3/ in $(basename "$(dirname "$2")")'s log)"
	return 1
}

nat_case_end() { # fail skua-inst lsw-inst conn bg
	if [ "$1" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $(skua_logs "$2") $(lsw_logs "$3")
	fi
	skua_del_conn "$2" "$4" >/dev/null 2>&1 || true
	lsw_del_conn "$3" "$4" >/dev/null 2>&1 || true
	[ -n "$5" ] && wait "$5" 2>/dev/null
	return 0
}

# whack --initiate waits for Quick Mode, which the peers never finish here (their ESP
# install fails): it runs in the background and is waited for at the end of the case.

# 1. Skua behind the NAT initiates.
case_skua_inside() {
	local conn=natv1a fail=0 spi bg what="IKEv1 NAT-T: Skua (behind the NAT) -> libreswan"
	IOP_CASES=$((IOP_CASES + 1))
	iop_log "case $IOP_CASES: $what"
	nat_add_skua sk "$conn" "$IN4" "$OUT4" 10.1.0.0/24 10.2.0.0/24 &&
		nat_add_lsw ls "$conn" "$OUT4" "%any" 10.2.0.0/24 10.1.0.0/24 "@sk.test" || {
		iop_not_ok "$what: loading the connection failed"
		nat_case_end 1 sk ls "$conn" ""
		return 0
	}
	skua_initiate sk "$conn" &
	bg=$!
	nat_expect "$what: Skua detects it is behind the NAT" "$(skua_log sk)" \
		"\"$conn\" #[0-9]+: NAT-Traversal: Result using RFC 3947 \(NAT-Traversal\) sender port 500: I am behind NAT" || fail=1
	nat_expect "$what: libreswan detects the peer behind the NAT" "$(lsw_log ls)" \
		"NAT-Traversal: Result using RFC 3947 \(NAT-Traversal\) sender port 500: peer behind NAT" || fail=1
	if iop_wait "$IOP_WAIT" skua_isakmp_4500 sk "$conn" && iop_wait "$IOP_WAIT" lsw_isakmp_4500 ls "$conn"; then
		iop_ok "$what: both have the ISAKMP SA established on port 4500"
	else
		iop_not_ok "$what: the ISAKMP SA is not established on port 4500 on both sides"
		fail=1
	fi
	iop_wait "$IOP_WAIT" grep -qE "\"$conn\" #[0-9]+: sent Quick Mode request" "$(skua_log sk)"
	spi=$(grep -E "\"$conn\" #[0-9]+: sent Quick Mode request" "$(skua_log sk)" | tail -n1 |
		sed -n 's/.*<0x\([0-9a-f]\{8\}\).*/\1/p')
	if [ -n "$spi" ]; then
		# libreswan prints the SPI without its leading zeros
		nat_expect "$what: libreswan takes Skua's UDP-Encapsulated-Tunnel Quick Mode" \
			"$(lsw_log ls)" "NAT-T RFC: Installing IPsec SA with ENCAP" || fail=1
		nat_expect "$what: libreswan installs Skua's SPI $spi (ESP in UDP, its kernel refuses ESP)" \
			"$(lsw_log ls)" "Add SA esp\.${spi#"${spi%%[!0]*}"}@" || fail=1
	else
		iop_not_ok "$what: Skua sent no Quick Mode request"
		fail=1
	fi
	nat_case_end "$fail" sk ls "$conn" "$bg"
}

# 2. libreswan behind the NAT initiates to Skua.
case_lsw_inside() {
	local conn=natv1b fail=0 bg what="IKEv1 NAT-T: libreswan (behind the NAT) -> Skua"
	IOP_CASES=$((IOP_CASES + 1))
	iop_log "case $IOP_CASES: $what"
	nat_add_skua sk2 "$conn" "$OUT4" "$NAT4" 10.2.0.0/24 10.1.0.0/24 &&
		nat_add_lsw ls2 "$conn" "$IN4" "$OUT4" 10.1.0.0/24 10.2.0.0/24 "@sk2.test" || {
		iop_not_ok "$what: loading the connection failed"
		nat_case_end 1 sk2 ls2 "$conn" ""
		return 0
	}
	lsw_initiate ls2 "$conn" &
	bg=$!
	nat_expect "$what: libreswan detects it is behind the NAT" "$(lsw_log ls2)" \
		"NAT-Traversal: Result using RFC 3947 \(NAT-Traversal\) sender port 500: I am behind NAT" || fail=1
	nat_expect "$what: Skua detects the peer behind the NAT" "$(skua_log sk2)" \
		"\"$conn\" #[0-9]+: NAT-Traversal: Result using RFC 3947 \(NAT-Traversal\) sender port 500: peer behind NAT" || fail=1
	if iop_wait "$IOP_WAIT" skua_isakmp_4500 sk2 "$conn" && iop_wait "$IOP_WAIT" lsw_isakmp_4500 ls2 "$conn"; then
		iop_ok "$what: both have the ISAKMP SA established on port 4500"
	else
		iop_not_ok "$what: the ISAKMP SA is not established on port 4500 on both sides"
		fail=1
	fi
	nat_expect "$what: Skua installs the IPsec SA as ESP in UDP (UDP-Encapsulated-Tunnel)" "$(skua_log sk2)" \
		"\"$conn\" #[0-9]+: IPsec SA #[0-9]+ established tunnel mode \{ESP/NAT=>0x" || fail=1
	nat_case_end "$fail" sk2 ls2 "$conn" "$bg"
}

# 3. DPD across the NAT: libreswan killed, Skua finds it dead.
case_dpd_killed_peer() {
	local conn=natv1c fail=0 pid bg what="IKEv1 DPD: Skua (behind the NAT) -> libreswan, libreswan killed"
	IOP_CASES=$((IOP_CASES + 1))
	iop_log "case $IOP_CASES: $what"
	nat_add_skua sk "$conn" "$IN4" "$OUT4" 10.1.0.0/24 10.2.0.0/24 \
		--dpddelay 1 --dpdtimeout 3 --dpdaction clear &&
		nat_add_lsw ls "$conn" "$OUT4" "%any" 10.2.0.0/24 10.1.0.0/24 "@sk.test" || {
		iop_not_ok "$what: loading the connection failed"
		nat_case_end 1 sk ls "$conn" ""
		return 0
	}
	skua_initiate sk "$conn" &
	bg=$!
	if ! iop_wait "$IOP_WAIT" skua_isakmp_4500 sk "$conn"; then
		iop_not_ok "$what: no ISAKMP SA to watch"
		nat_case_end 1 sk ls "$conn" "$bg"
		return 0
	fi
	eval "pid=\${LSW_PID_ls:-}"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "LSW_PID_ls="
	nat_expect "$what: Skua declares the peer dead and clears" "$(skua_log sk)" \
		"\"$conn\" #[0-9]+: the peer is dead .*dpdaction=clear" || fail=1
	if iop_wait "$IOP_WAIT" iop_not skua_isakmp_4500 sk "$conn"; then
		iop_ok "$what: the ISAKMP SA is gone"
	else
		iop_not_ok "$what: the ISAKMP SA survived the dead peer"
		fail=1
	fi
	nat_case_end "$fail" sk ls "$conn" "$bg"
}

iop_init
nat_topology
PSK="ikev1-nat-psk-$RANDOM$RANDOM"
printf 'config setup\n    ikev1-policy=accept\n' >"$IOP_TMP/skua-ikev1.conf"
# shellcheck disable=SC2034 # read by skua_start (skua.sh) and lsw_start (lib.sh)
SKUA_PLUTO_ARGS="--config $IOP_TMP/skua-ikev1.conf"
# shellcheck disable=SC2034
LSW_IKEV1_POLICY=accept
# shellcheck disable=SC2034
SKUA_STACK=none
iop_start skua sk "$NS_IN"
iop_start lsw ls "$NS_OUT"
lsw_whack ls --debug base >/dev/null 2>&1 # its NAT-T result is a debug line
case_skua_inside
case_dpd_killed_peer
iop_stop sk
iop_stop ls
iop_start skua sk2 "$NS_OUT"
iop_start lsw ls2 "$NS_IN"
lsw_whack ls2 --debug base >/dev/null 2>&1
case_lsw_inside
iop_stop sk2
iop_stop ls2
iop_finish
