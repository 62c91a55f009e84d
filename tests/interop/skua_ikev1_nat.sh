#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv1 NAT traversal (RFC 3947, and draft 03 in lane 5) and DPD (RFC 3706) between Skua and the real peers,
# libreswan 4.10 and strongSwan 5.9.8, across a NAT. One NAT namespace ("nat", nftables
# masquerade of what leaves by its outside bridge, address 192.0.2.1) and four lanes,
# run at the same time: lane N is a pair of namespaces, "inN" (10.99.N.2, its default
# route the NAT) and "outN" (192.0.2.(N+1), on the NAT's outside bridge), with one daemon
# in each. Main Mode PSK and Quick Mode with PFS, tunnel mode between 10.1.0.0/24 (behind
# the NAT) and 10.2.0.0/24; the daemon behind the NAT initiates.
#   lane 1: Skua -> libreswan     lane 2: libreswan -> Skua
#   lane 3: strongSwan -> Skua    lane 4: Skua -> strongSwan
#   lane 5: libreswan -> Skua, libreswan with nat-ikev1-method=drafts: only the NAT-T
#           drafts' Vendor IDs (02, 02_n, 03); Skua takes draft-03 (NAT-D payload 130,
#           UDP-Encapsulated-Tunnel 61443) and libreswan agrees ("NAT-T draft:
#           Installing IPsec SA with ENCAP")
# Each lane asserts: the NAT detected on both sides, as each logs it; the ISAKMP SA
# established on port 4500 on both; Quick Mode agreed with UDP encapsulation
# (UDP-Encapsulated-Tunnel: Skua's "{ESP/NAT" lines, libreswan's "Installing IPsec SA
# with ENCAP"; strongSwan logs no mode, see nat_quick_mode); NAT keepalives (1-byte UDP
# datagrams to port 4500, counted by the NAT) from the side behind it (Skua with
# --keep-alive 1, strongSwan with keep_alive = 1s; libreswan's 20 s are not waited for).
# Then the peer is killed (SIGKILL) and Skua's DPD (--dpddelay 1 --dpdtimeout 3)
# declares it dead and applies its dpdaction, one per lane, and what each leaves is
# asserted:
#   lane 1 clear (libreswan): no SA, the connection unrouted, no shunt
#   lane 2 restart (libreswan; Skua the responder): Skua initiates Main Mode again,
#          from port 500
#   lane 3 hold (strongSwan; Skua the responder): no SA, the connection routed
#          ("prospective erouted": its traffic waits in the trap policy)
#   lane 4 restart (strongSwan; Skua the initiator): Skua initiates Main Mode again,
#          from port 500, and once strongSwan is started again the ISAKMP SA comes
#          back over the NAT (it did not while the restart began on port 4500)
#   lane 5 clear (libreswan, drafts; Skua the responder): no SA, the connection unrouted
# libreswan's NAT-T results are debug lines: its instances run with --debug base.
# The host kernel has no ESP: the peers' own install fails ("Protocol not supported"), so
# their IPsec SA never comes up; Skua runs --use-none (its kernel SAs are logged, not
# installed). What is asserted is what each side logs and shows.
#
# Run as root after scripts/setup-peers and a build of pluto and whack, under the lock:
#   flock /tmp/skua-netns.lock bash tests/interop/skua_ikev1_nat.sh
# BUILD (default build/default) as for skua_peers.sh; IOP_KEEP=1 keeps the logs;
# NAT_LANES="1 4" runs some lanes only.
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

NAT4=192.0.2.1
IKE="aes256-sha2_256;modp2048"
ESP="aes256-sha2_256"
IKE_SSWAN="aes256-sha256-modp2048"
ESP_SSWAN="aes256-sha256-modp2048" # PFS with the Phase 1 group, as libreswan's pfs=yes
LANES=${NAT_LANES:-1 2 3 4 5}

in4() { echo "10.99.$1.2"; }
out4() { echo "192.0.2.$(($1 + 1))"; }

# nat -- inN (a veth each) and nat -- outN (a bridge), the NAT masquerading what goes out
# by the bridge and counting the keepalives each inside namespace sends.
nat_topology() {
	NS_NAT=$IOP_PREFIX-nat
	ip netns add "$NS_NAT" || iop_die "ip netns add $NS_NAT failed"
	IOP_NETNS="$IOP_NETNS $NS_NAT"
	ip -n "$NS_NAT" link set lo up
	if ! { ip -n "$NS_NAT" link add brout type bridge &&
		ip -n "$NS_NAT" addr add "$NAT4/24" dev brout &&
		ip -n "$NS_NAT" link set brout up &&
		ip netns exec "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1 >/dev/null; }; then
		iop_die "building the NAT namespace failed"
	fi
	local n ns ns_in ns_out kas=""
	for n in $LANES; do
		ns_in=$IOP_PREFIX-in$n
		ns_out=$IOP_PREFIX-out$n
		for ns in "$ns_in" "$ns_out"; do
			ip netns add "$ns" || iop_die "ip netns add $ns failed"
			IOP_NETNS="$IOP_NETNS $ns"
			ip -n "$ns" link set lo up
		done
		if ! { ip -n "$ns_in" link add veth0 type veth peer name "vin$n" netns "$NS_NAT" &&
			ip -n "$ns_out" link add veth0 type veth peer name "vout$n" netns "$NS_NAT" &&
			ip -n "$ns_in" addr add "$(in4 "$n")/24" dev veth0 &&
			ip -n "$NS_NAT" addr add "10.99.$n.1/24" dev "vin$n" &&
			ip -n "$ns_out" addr add "$(out4 "$n")/24" dev veth0 &&
			ip -n "$ns_in" link set veth0 up && ip -n "$ns_out" link set veth0 up &&
			ip -n "$NS_NAT" link set "vin$n" up &&
			ip -n "$NS_NAT" link set "vout$n" master brout up &&
			ip -n "$ns_in" route add default via "10.99.$n.1"; }; then
			iop_die "building lane $n of the NAT topology failed"
		fi
		kas="$kas
		        iifname \"vin$n\" udp dport 4500 udp length 9 counter comment \"ka$n\""
	done
	ip netns exec "$NS_NAT" nft -f - <<-EOF2 || iop_die "nft: the masquerade rule failed"
		table ip nat {
		    chain postrouting {
		        type nat hook postrouting priority srcnat; policy accept;
		        oifname "brout" masquerade
		    }
		    chain forward {
		        type filter hook forward priority filter; policy accept;$kas
		    }
		}
	EOF2
	for n in $LANES; do
		iop_wait 5 ip netns exec "$IOP_PREFIX-in$n" ping -c1 -W1 "$(out4 "$n")" ||
			iop_die "no reachability in$n -> out$n through the NAT"
	done
}

# The keepalives lane n's inside namespace sent through the NAT so far.
nat_keepalives() { # n
	ip netns exec "$NS_NAT" nft list chain ip nat forward 2>/dev/null |
		sed -n "s/.*counter packets \([0-9]*\) .*comment \"ka$1\".*/\1/p"
}
nat_keepalives_seen() { [ "$(nat_keepalives "$1")" -gt 0 ] 2>/dev/null; }

# ---- each kind's IKEv1 connection: our end here, the peer there (the NAT's address
# ---- when it is inside, %any for the peers answering from outside)

# Behind the NAT, the route to the peer's client goes by the NAT (--nexthop, as
# %defaultroute would find it): the peer itself is no neighbour.
nat_add_skua() { # inst conn here there here-client there-client nexthop extra...
	local inst=$1 conn=$2 here=$3 there=$4 hc=$5 tc=$6 nh=$7 d
	shift 7
	d=$(skua_dir "$inst")
	printf '@%s @%s : PSK "%s"\n' "$inst.test" "peer.test" "$PSK" >"$d/secrets/$conn.secrets"
	{
		skua_reread_secrets "$inst" &&
			skua_whack "$inst" --name "$conn" --ikev1 --psk --encrypt --tunnel \
				--host "$here" ${nh:+--nexthop "$nh"} --id "@$inst.test" --client "$hc" \
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
		    nat-ikev1-method=$LSW_NAT_METHOD
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

nat_add_sswan() { # inst conn local remote local-ts remote-ts remote-id
	local d
	d=$(sswan_dir "$1")
	cat >"$d/conns/$2.conf" <<-EOF2
		    $2 {
		        version = 1
		        local_addrs = $3
		        remote_addrs = $4
		        proposals = $IKE_SSWAN
		        rekey_time = 0
		        dpd_delay = 0
		        local {
		            auth = psk
		            id = @peer.test
		        }
		        remote {
		            auth = psk
		            id = $7
		        }
		        children {
		            $2 {
		                local_ts = $5
		                remote_ts = $6
		                esp_proposals = $ESP_SSWAN
		                mode = tunnel
		                start_action = none
		                rekey_time = 0
		            }
		        }
		    }
	EOF2
	# Main Mode: the responder needs the key before it knows the peer's ID
	cat >"$d/secrets/$2.conf" <<-EOF2
		    ike-$2 {
		        id-1 = @peer.test
		        id-2 = $7
		        id-3 = %any
		        secret = "$PSK"
		    }
	EOF2
	sswan_reload "$1"
}

skua_log() { echo "$(skua_dir "$1")/pluto.log"; }
lsw_log() { echo "$(lsw_dir "$1")/pluto.log"; }
sswan_log() { echo "$(sswan_dir "$1")/charon.log"; }

# ---- is the ISAKMP SA of conn established on port 4500, as each shows it ----

skua_isakmp_4500() { # inst conn
	skua_whack "$1" --status 2>/dev/null |
		grep -qE "#[0-9]+: \"$2\"[^ ]*:4500 STATE_MAIN_(I4|R3) "
}
lsw_isakmp_4500() { # "#1: "conn"[1] 192.0.2.1:4500 STATE_MAIN_R3 ..."
	lsw_whack "$1" --showstates 2>/dev/null |
		grep -qE "#[0-9]+: \"$2\"[^ ]*( [^ ]+)?:4500 STATE_MAIN_(I4|R3) "
}
sswan_isakmp_4500() {
	local sa
	sa=$(sswan_ike_sa "$1" "$2") || return 1
	grep -qx "version=1" <<<"$sa" && grep -qx "local-port=4500" <<<"$sa" &&
		grep -qx "remote-port=4500" <<<"$sa"
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

# The NAT as each kind logs it: behind (it is) or peer (the peer is).
nat_detected() { # what kind inst conn behind|peer
	local pat rfc="NAT-Traversal: Result using $NAT_METHOD_NAME sender port 500"
	case "$2:$5" in
	skua:behind) pat="\"$4\" #[0-9]+: $rfc: I am behind NAT" ;;
	skua:peer) pat="\"$4\" #[0-9]+: $rfc: peer behind NAT" ;;
	lsw:behind) pat="$rfc: I am behind NAT" ;;
	lsw:peer) pat="$rfc: peer behind NAT" ;;
	sswan:behind) pat="local host is behind NAT, sending keep alives" ;;
	sswan:peer) pat="remote host is behind NAT" ;;
	esac
	nat_expect "$1" "$("$2_log" "$3")" "$pat"
}

# Skua's inbound SPI of its newest Quick Mode for conn, from its log.
skua_spi_in() { # inst conn
	grep -E "\"$2\" #[0-9]+: (sent Quick Mode request|IPsec SA #[0-9]+)" "$(skua_log "$1")" |
		grep -F "<0x" | tail -n1 | sed -n 's/.*<0x\([0-9a-f]\{8\}\).*/\1/p' | grep .
}

# Quick Mode with UDP encapsulation, as both sides show it.
nat_quick_mode() { # what skua-inst peer-kind peer-inst conn skua-initiates
	local what=$1 sk=$2 pk=$3 pi=$4 conn=$5 sk_init=$6 fail=0 spi
	if [ "$sk_init" = 1 ] && [ "$pk" = lsw ]; then
		# libreswan never answers (its install fails first): Skua's request is what it took
		nat_expect "$what: Skua proposes UDP-Encapsulated-Tunnel" "$(skua_log "$sk")" \
			"\"$conn\" #[0-9]+: sent Quick Mode request \{ESP/NAT <0x" || fail=1
	else
		nat_expect "$what: Skua has the IPsec SA established as ESP in UDP" "$(skua_log "$sk")" \
			"\"$conn\" #[0-9]+: IPsec SA #[0-9]+ established tunnel mode \{ESP/NAT=>0x" || fail=1
	fi
	spi=$(skua_spi_in "$sk" "$conn") || spi=""
	if [ -z "$spi" ]; then
		iop_not_ok "$what: Skua shows no Quick Mode SPI"
		return 1
	fi
	case "$pk" in
	lsw)
		nat_expect "$what: libreswan agrees UDP-Encapsulated-Tunnel (installs with ENCAP)" \
			"$(lsw_log "$pi")" "NAT-T $LSW_NAT_KIND: Installing IPsec SA with ENCAP" || fail=1
		# libreswan prints the SPI without its leading zeros
		nat_expect "$what: libreswan installs Skua's SPI $spi" \
			"$(lsw_log "$pi")" "Add SA esp\.${spi#"${spi%%[!0]*}"}@" || fail=1
		;;
	sswan)
		# charon 5.9.8 logs no Encapsulation Mode, and its failed install keeps the
		# child out of --list-sas (TUNNEL-in-UDP); Skua's ESP/NAT line above says it:
		# Skua takes, each way, only the UDP-Encapsulated-Tunnel transform once a NAT
		# is seen (v1_natt_mode() is part of the transform it matches)
		nat_expect "$what: strongSwan selects the ESP proposal" "$(sswan_log "$pi")" \
			"selected proposal: ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048" || fail=1
		nat_expect "$what: strongSwan installs Skua's SPI $spi" \
			"$(sswan_log "$pi")" "adding SAD entry with SPI $spi " || fail=1
		;;
	esac
	return "$fail"
}

# ---- after the peer is killed: what each dpdaction leaves ----

skua_has_sa() { # inst conn: any state of conn
	skua_whack "$1" --status 2>/dev/null | grep -qE "#[0-9]+: \"$2\""
}
skua_routing() { # inst conn: the connection line's routing words
	skua_whack "$1" --status 2>/dev/null |
		sed -n "s/.*\"$2\": .*; \([a-z ]*\); eroute owner.*/\1/p" | head -n1
}
skua_routing_is() { [ "$(skua_routing "$1" "$2")" = "$3" ]; }
skua_main_i1_500() { # inst conn: a Main Mode of conn started, towards port 500
	skua_whack "$1" --status 2>/dev/null | grep -qE "#[0-9]+: \"$2\":500 STATE_MAIN_I1 "
}

nat_dpd() { # what skua-inst conn action peer-kind peer-inst lane
	local what=$1 sk=$2 conn=$3 action=$4 pk=$5 pi=$6 n=$7 pid var fail=0
	var=$(echo "$pk" | tr '[:lower:]' '[:upper:]')_PID_$pi
	pid=${!var:-}
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "$var="
	nat_expect "$what: Skua's DPD declares the killed peer dead (dpdaction=$action)" \
		"$(skua_log "$sk")" "\"$conn\" #[0-9]+: the peer is dead .*dpdaction=$action" || return 1
	case "$action" in
	clear | hold)
		if iop_wait "$IOP_WAIT" iop_not skua_has_sa "$sk" "$conn"; then
			iop_ok "$what: $action: no ISAKMP or IPsec SA left"
		else
			iop_not_ok "$what: $action: an SA of $conn survived"
			fail=1
		fi
		;;
	esac
	case "$action" in
	clear)
		if skua_routing_is "$sk" "$conn" unrouted &&
			! skua_whack "$sk" --shuntstatus 2>/dev/null | grep -q "10\.1\.0\.0/24"; then
			iop_ok "$what: clear: the connection unrouted, no shunt"
		else
			iop_not_ok "$what: clear: routing \"$(skua_routing "$sk" "$conn")\" or a shunt left"
			fail=1
		fi
		;;
	hold)
		if iop_wait "$IOP_WAIT" skua_routing_is "$sk" "$conn" "prospective erouted"; then
			iop_ok "$what: hold: the connection is routed, its traffic held in the trap"
		else
			iop_not_ok "$what: hold: the connection is \"$(skua_routing "$sk" "$conn")\", not prospective erouted"
			fail=1
		fi
		;;
	restart)
		# a new Main Mode, from and to the IKE port (NAT-T comes once the NAT is found)
		if iop_wait "$IOP_WAIT" skua_main_i1_500 "$sk" "$conn" &&
			grep -qE "\"$conn\" #[0-9]+: initiating IKEv1 Main Mode" "$(skua_log "$sk")"; then
			iop_ok "$what: restart: Skua initiates Main Mode again, to port 500"
		else
			iop_not_ok "$what: restart: no new Main Mode from Skua to port 500"
			fail=1
		fi
		if [ "$pk" = sswan ] && [ "$fail" -eq 0 ]; then
			# the peer back with its connection: the restarted Main Mode's retransmission
			# gets through the NAT to it, and the new SA floats to 4500
			iop_start sswan "$pi" "$IOP_PREFIX-out$n"
			if sswan_reload "$pi" >/dev/null && iop_wait "$IOP_WAIT" skua_isakmp_4500 "$sk" "$conn" &&
				iop_wait "$IOP_WAIT" sswan_isakmp_4500 "$pi" "$conn"; then
				iop_ok "$what: restart: with strongSwan back, the ISAKMP SA is up again on port 4500"
			else
				iop_not_ok "$what: restart: with strongSwan back, no ISAKMP SA on port 4500"
				fail=1
			fi
		fi
		;;
	esac
	return "$fail"
}

# ---- one lane ----

# nat_lane n in-kind out-kind dpdaction: the two daemons, the NAT-T case and the DPD case.
# Runs in a subshell of its own (the caller's): its output goes to $IOP_TMP/lane$n.out
# and its counts to $IOP_TMP/lane$n.counts.
nat_lane() {
	local n=$1 ik=$2 ok=$3 action=$4 ii oi conn="natv1$1" fail=0 bg="" what sk pk pi sk_init
	ii="${ik}_in$n"
	oi="${ok}_out$n"
	what="IKEv1 NAT-T lane $n: $ik (behind the NAT) -> $ok"
	iop_log "lane $n: $what, then dpdaction=$action"
	IOP_CASES=$((IOP_CASES + 1))
	# shellcheck disable=SC2034 # SKUA_PLUTO_ARGS is read by skua_start (skua.sh)
	if [ "$ik" = skua ]; then
		sk=$ii pk=$ok pi=$oi sk_init=1
		SKUA_PLUTO_ARGS="$SKUA_ARGS --keep-alive 1"
	else
		sk=$oi pk=$ik pi=$ii sk_init=0
		SKUA_PLUTO_ARGS="$SKUA_ARGS"
	fi
	# shellcheck disable=SC2034 # read by sswan_start (lib.sh)
	SSWAN_TUNING="$SSWAN_BASE_TUNING
keep_alive = 1s"
	# lane 5: libreswan speaks only the NAT-T drafts (nat-ikev1-method=drafts): Skua takes
	# draft-03 (payload 130, UDP-Encapsulated-Tunnel 61443), and both log that name
	# (libreswan's name for it: draft-ietf-ipsec-nat-t-ike-02/03)
	LSW_NAT_METHOD=both NAT_METHOD_NAME="RFC 3947 \(NAT-Traversal\)" LSW_NAT_KIND=RFC
	if [ "$n" = 5 ]; then
		LSW_NAT_METHOD=drafts NAT_METHOD_NAME="draft-ietf-ipsec-nat-t-ike-(02/)?03"
		LSW_NAT_KIND=draft
	fi
	iop_start "$ik" "$ii" "$IOP_PREFIX-in$n"
	iop_start "$ok" "$oi" "$IOP_PREFIX-out$n"
	[ "$ik" = lsw ] && lsw_whack "$ii" --debug base >/dev/null 2>&1 # its NAT-T result is a debug line
	[ "$ok" = lsw ] && lsw_whack "$oi" --debug base >/dev/null 2>&1
	local dpd=(--dpddelay 1 --dpdtimeout 3 --dpdaction "$action")
	if [ "$ik" = skua ]; then
		nat_add_skua "$ii" "$conn" "$(in4 "$n")" "$(out4 "$n")" 10.1.0.0/24 10.2.0.0/24 \
			"10.99.$n.1" "${dpd[@]}" &&
			"nat_add_$ok" "$oi" "$conn" "$(out4 "$n")" %any 10.2.0.0/24 10.1.0.0/24 "@$ii.test"
	else
		"nat_add_$ik" "$ii" "$conn" "$(in4 "$n")" "$(out4 "$n")" 10.1.0.0/24 10.2.0.0/24 "@$oi.test" &&
			nat_add_skua "$oi" "$conn" "$(out4 "$n")" "$NAT4" 10.2.0.0/24 10.1.0.0/24 "" "${dpd[@]}"
	fi || {
		iop_not_ok "$what: loading the connection failed"
		fail=1
	}
	if [ "$fail" -eq 0 ]; then
		# the initiate commands wait for Quick Mode, which the peers never finish here
		"${ik}_initiate" "$ii" "$conn" &
		bg=$!
		nat_detected "$what: $ik detects it is behind the NAT" "$ik" "$ii" "$conn" behind || fail=1
		nat_detected "$what: $ok detects the peer behind the NAT" "$ok" "$oi" "$conn" peer || fail=1
		if iop_wait "$IOP_WAIT" "${ik}_isakmp_4500" "$ii" "$conn" &&
			iop_wait "$IOP_WAIT" "${ok}_isakmp_4500" "$oi" "$conn"; then
			iop_ok "$what: both have the ISAKMP SA established on port 4500"
		else
			iop_not_ok "$what: the ISAKMP SA is not established on port 4500 on both sides"
			fail=1
		fi
		nat_quick_mode "$what" "$sk" "$pk" "$pi" "$conn" "$sk_init" || fail=1
		if [ "$ik" != lsw ]; then
			if iop_wait "$IOP_WAIT" nat_keepalives_seen "$n"; then
				iop_ok "$what: $ik sends NAT keepalives ($(nat_keepalives "$n") through the NAT)"
			else
				iop_not_ok "$what: no NAT keepalive from $ik through the NAT"
				fail=1
			fi
		fi
		nat_dpd "$what" "$sk" "$conn" "$action" "$pk" "$pi" "$n" || fail=1
	fi
	if [ "$fail" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $("${ik}_logs" "$ii") $("${ok}_logs" "$oi")
	fi
	[ -n "$bg" ] && kill "$bg" 2>/dev/null
	iop_stop "$ii"
	iop_stop "$oi"
	echo "$IOP_PASSES $IOP_FAILS" >"$IOP_TMP/lane$n.counts"
}

lane_kinds() {
	case "$1" in
	1) echo "skua lsw clear" ;;
	2) echo "lsw skua restart" ;;
	3) echo "sswan skua hold" ;;
	4) echo "skua sswan restart" ;;
	5) echo "lsw skua clear" ;;
	*) iop_die "NAT_LANES: no lane $1 (1 to 5)" ;;
	esac
}

iop_init
for n in $LANES; do lane_kinds "$n" >/dev/null; done
nat_topology
PSK="ikev1-nat-psk-$RANDOM$RANDOM"
printf 'config setup\n    ikev1-policy=accept\n' >"$IOP_TMP/skua-ikev1.conf"
SKUA_ARGS="--config $IOP_TMP/skua-ikev1.conf"
# shellcheck disable=SC2034 # read by lsw_start (lib.sh)
LSW_IKEV1_POLICY=accept
# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=none
SSWAN_BASE_TUNING="retransmit_timeout = 1.0
retransmit_base = 1.4"
# The lanes at once, each in a subshell (its daemons its own); their reports in order.
pids=""
for n in $LANES; do
	# shellcheck disable=SC2046 # the kinds and the action are three words
	(nat_lane "$n" $(lane_kinds "$n")) >"$IOP_TMP/lane$n.out" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
done
for n in $LANES; do
	cat "$IOP_TMP/lane$n.out"
	if [ -s "$IOP_TMP/lane$n.counts" ]; then
		read -r p f <"$IOP_TMP/lane$n.counts"
		IOP_PASSES=$((IOP_PASSES + p))
		IOP_FAILS=$((IOP_FAILS + f))
	else
		iop_not_ok "lane $n did not finish"
	fi
done
iop_finish
