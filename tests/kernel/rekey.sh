#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Child SA and IKE SA rekeying under traffic, on a kernel with ESP (the test guest):
# Skua (XFRM) with a second Skua, with strongSwan 5.9.8 and with libreswan 4.10, each
# over six tunnels at once, whose Child SA (kA..kD) or IKE SA (kE, kF) rekeys about
# every second:
#
#   tunnel  Skua's side    peer's side    initiated by  rekeyed by  PFS           what
#   kA      10.1.0.0/16    10.2.0.0/16    Skua          Skua        no            Child SA
#   kB      10.3.0.0/16    10.4.0.0/16    the peer      the peer    no            Child SA
#   kC      10.5.0.0/16    10.6.0.0/16    the peer      Skua        yes (x25519)  Child SA
#   kD      10.7.0.0/16    10.8.0.0/16    Skua          the peer    yes (x25519)  Child SA
#   kE      10.9.0.0/16    10.10.0.0/16   Skua          Skua        no            IKE SA
#   kF      10.11.0.0/16   10.12.0.0/16   the peer      the peer    no            IKE SA
#   kG      10.13.0.0/16   10.14.0.0/16   Skua          Skua        no            Child SA,
#                                                                    by its packet limit
#
# The side that rekeys has a short lifetime: for a Child SA Skua --ipseclifetime 30
# --rekeymargin 29 --rekeyfuzz 0 (the kernel's soft expiry after 1 s), strongSwan
# rekey_time = 1s, life_time = 30s, libreswan salifetime=30s rekeymargin=29s; for an IKE
# SA Skua --ikelifetime 30 --rekeymargin 29 --rekeyfuzz 0, strongSwan rekey_time = 1s,
# libreswan ikelifetime=30s rekeymargin=29s; kG: Skua --ipsec-max-packets 60 with
# --ipseclifetime 3600 --rekeymargin 1800 --rekeyfuzz 0 (the kernel's soft expiry after
# 30 packets, 3 s of pings); the other side keeps its defaults. PFS:
# Skua --pfs, strongSwan aes256gcm16-x25519, libreswan pfs=yes (pfs=no otherwise).
#
# A ping at 10 per second runs through each tunnel meanwhile. Asserted per peer: at
# least 5 rekeys of each tunnel during the pings (2 of kG), each started by the side whose
# lifetime is short (Skua's log: its "rekeying Child SA" lines against its "IPsec SA #N
# rekeyed" lines, its "rekeying the IKE SA" lines against its "IKE SA rekeyed" lines),
# with a DH group exactly on kC and kD; not one echo lost (but where libreswan 4.10
# answers Skua's Child SA rekey, kA, kC and kG: at most 10 % per tunnel, and no more in
# all than the ESP packets Skua's kernel dropped for want of an SA, XfrmInNoStates:
# libreswan installs its new outbound SA and sends on it before it sends its answer,
# and no initiator can key its inbound SA before the answer, see below); no XFRM error
# counter in either kernel (but that one); every SA older than the last two generations
# gone from both kernels (the hard lifetime is 30 s, so only the Deletes can have removed
# them); no failure in either log; the initiators' Deletes leave no ESP SA.
#
# Make before break, as tested here: a rekey's responder adds its new outbound SA only
# when the initiator deletes the old SA or sends ESP on the new one (the initiator keys
# its new inbound SA when the answer arrives; ESP on it before that is dropped), and
# each side keeps its old inbound SA 1 s after the Delete (ESP still on the way).
#
# The daemons come from tests/interop (lib.sh, skua.sh), as in peers.sh. Run inside
# the guest: tests/kernel/guest.sh run tests/kernel/rekey.sh BUILD (after
# scripts/setup-peers). SKUA_REKEY_PEERS picks the peers (default "skua:sk2 sswan:sw
# lsw:ls"), SKUA_REKEY_PINGS the echoes per tunnel (default 80), SKUA_REKEY_WIRE=1 logs
# the wire during the pings (wire_start). Prints "N passed, N failed".
# SKUA_KEEP=DIR copies the logs there at the end (a -w share of guest.sh).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
BUILD=${1:-${BUILD:-$IOP_TOP/build}}
BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory"
IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"
IOP_WAIT=${IOP_WAIT:-20}
PING=(ping)
[ -n "${SKUA_BUSYBOX:-}" ] && PING=("$SKUA_BUSYBOX" ping)
PINGS=${SKUA_REKEY_PINGS:-80} # echoes per tunnel, 0.1 s apart
modprobe -a xfrm_user esp4 veth 2>/dev/null

# name, Skua's client (x.0.1 of 10.x.0.0/16), the peer's, who initiates, who rekeys, PFS,
# what rekeys (child or ike)
TUNNELS="kA:1:2:sk:sk:0:child kB:3:4:peer:peer:0:child kC:5:6:peer:sk:1:child
kD:7:8:sk:peer:1:child kE:9:10:sk:sk:0:ike kF:11:12:peer:peer:0:ike kG:13:14:sk:sk:0:packets"
NT=$(wc -w <<<"$TUNNELS")

iop_init
if [ -n "${SKUA_KEEP:-}" ]; then
	# keep the configurations and logs: copied to SKUA_KEEP at exit (a -w share of guest.sh)
	# shellcheck disable=SC2154 # rc is set in the trap
	trap 'rc=$?; mkdir -p "$SKUA_KEEP" && cp -r "$IOP_TMP"/. "$SKUA_KEEP"/; (exit $rc); iop_cleanup' EXIT
fi
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
mac_l=$($IP -n "$NS_L" -o link show veth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
mac_r=$($IP -n "$NS_R" -o link show veth1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
# Clients on lo, routes through the veth; permanent neighbours, so no ARP for a busy
# TCG guest to miss while the pings run. Set again before each peer: a Skua's updown
# (unroute-client, at the end of a round) takes its client routes away, and
# strongSwan and libreswan here put none back.
{
	echo "neigh replace $R4 lladdr $mac_r dev veth0 nud permanent"
	for t in $TUNNELS; do
		IFS=: read -r _ a b _ <<<"$t"
		echo "addr replace 10.$a.0.1/32 dev lo"
		echo "route replace 10.$b.0.0/16 via $R4 src 10.$a.0.1"
	done
} >"$IOP_TMP/batch.l"
{
	echo "neigh replace $L4 lladdr $mac_l dev veth1 nud permanent"
	for t in $TUNNELS; do
		IFS=: read -r _ a b _ <<<"$t"
		echo "addr replace 10.$b.0.1/32 dev lo"
		echo "route replace 10.$a.0.0/16 via $L4 src 10.$b.0.1"
	done
} >"$IOP_TMP/batch.r"
routes() { $IP -n "$NS_L" -batch "$IOP_TMP/batch.l" && $IP -n "$NS_R" -batch "$IOP_TMP/batch.r"; }
routes || iop_die "clients and routes"

# esp_spis <ns>: the SPI of each keyed ESP SA in the namespace's kernel, sorted.
esp_spis() {
	$IP -n "$1" xfrm state | awk '/proto esp spi/ { if ($4 !~ /^0x0+$/) print $4 }' | sort
}
n_esp() { esp_spis "$1" | wc -l; }
# Each tunnel's pair at least: rekeys are under way (a responder's new inbound SA
# waits for its outbound one until the old SA is deleted).
all_installed() { [ "$(n_esp "$NS_L")" -ge $((2 * NT)) ] && [ "$(n_esp "$NS_R")" -ge $((2 * NT)) ]; }
none_left() { [ "$(n_esp "$NS_L")" = 0 ] && [ "$(n_esp "$NS_R")" = 0 ]; }

# Failures in a log after a line: the same words as tests/interop/rekey.sh. Not ones:
# a responder dropping the copy of a request it is still answering (the guest is slow
# enough for a first retransmission at 0.5 s; the answer goes out once; libreswan says
# so as "request has duplicate Message ID N; retransmitting response"), and charon's
# dump of a loaded connection ("[CFG]   dpd_timeout = 0").
FAILWORDS='fail|refus|error|invalid|unacceptable|NO_PROPOSAL|NOT_FOUND|NO_ADDITIONAL|TEMPORARY|retransmit|timed out|giving up|timeout'
BENIGN='retransmitted request while we compute the answer|request has duplicate Message ID [0-9]+; retransmitting response|\[CFG\] +[a-z_]+ = '
log_file() {
	case "$(iop_kind "$1")" in
	skua | lsw) echo "$IOP_TMP/$1/pluto.log" ;;
	sswan) echo "$IOP_TMP/$1/charon.log" ;;
	esac
}
after() { tail -n +$(($2 + 1)) "$1"; }

# generations <log> <from> <conn>: the Child SAs of <conn> that Skua's log shows made
# after line <from> (established or rekeyed), oldest first: "0xOUT 0xIN" each.
generations() {
	after "$1" "$2" | grep -E "\"$3\" #[0-9]+: IPsec SA #[0-9]+ (established|rekeyed)" |
		sed -n 's/.*=>\(0x[0-9a-f]*\) <\(0x[0-9a-f]*\).*/\1 \2/p'
}

# The short lifetimes and PFS, per kind: <kind>_opts <short 0|1> <pfs 0|1> <child|ike|packets>
# sets the variables the drivers read (SKUA_CONN_OPTS, SSWAN_CHILD_OPTS, SSWAN_IKE_OPTS,
# LSW_CONN_OPTS) and ESP.
skua_opts() {
	SKUA_CONN_OPTS=""
	[ "$1" = 1 ] && SKUA_CONN_OPTS="--${3/child/ipsec}lifetime 30 --rekeymargin 29 --rekeyfuzz 0"
	[ "$1" = 1 ] && [ "$3" = packets ] &&
		SKUA_CONN_OPTS="--ipsec-max-packets 60 --ipseclifetime 3600 --rekeymargin 1800 --rekeyfuzz 0"
	[ "$2" = 1 ] && SKUA_CONN_OPTS="$SKUA_CONN_OPTS --pfs"
	ESP=aes_gcm256
}
# shellcheck disable=SC2034 # read by sswan_add_psk_conn
sswan_opts() {
	SSWAN_CHILD_OPTS="" SSWAN_IKE_OPTS=""
	if [ "$1" = 1 ] && [ "$3" = child ]; then
		SSWAN_CHILD_OPTS="rekey_time = 1s
		                life_time = 30s
		                rand_time = 0"
	elif [ "$1" = 1 ]; then
		SSWAN_IKE_OPTS="rekey_time = 1s
		        over_time = 60s
		        rand_time = 0"
	fi
	ESP=aes256gcm16
	[ "$2" = 1 ] && ESP=aes256gcm16-x25519
}
# libreswan halves the margin of an SA it did not initiate (it leaves the rekey to the
# initiator): as the responder (kD) it gets salifetime=4s rekeymargin=3s, a rekey about
# every 2.5 s, and its SAs a hard lifetime of 4 s.
lsw_opts() {
	local life=30s margin=29s
	LSW_CONN_OPTS="pfs=no"
	[ "$2" = 1 ] && LSW_CONN_OPTS="pfs=yes"
	[ "$3" = child ] && [ "${4:-peer}" = sk ] && life=4s margin=3s
	[ "$1" = 1 ] && LSW_CONN_OPTS="$LSW_CONN_OPTS
    rekey=yes
    $([ "$3" = child ] && echo salifetime || echo ikelifetime)=$life
    rekeymargin=$margin
    rekeyfuzz=0%"
	ESP=aes_gcm256
}

# updown_done <peer>: each Skua ran every tunnel's up-client (its log), or has its route (the native default updown).
updown_done() {
	local t inst ns conn a b init by pfs sub
	for inst in sk "$1"; do
		[ "$(iop_kind "$inst")" = skua ] || continue
		if [ "$inst" = sk ]; then ns=$NS_L; else ns=$NS_R; fi
		for t in $TUNNELS; do
			IFS=: read -r conn a b init by pfs <<<"$t"
			if [ "$inst" = sk ]; then sub=10.$b.0.0/16; else sub=10.$a.0.0/16; fi
			# a script's up-client, or the native default's routes (in the install batch)
			grep -q "\"$conn\" updown up-client" "$(log_file "$inst")" ||
				[ -n "$(ip -n "$ns" route show "$sub" 2>/dev/null)" ] || return 1
		done
	done
}

# xfrm_errors <ns>: the kernel's non-zero XFRM error counters (XfrmInNoStates: an ESP
# packet for an SA it does not have, as when a peer sends on a new SA too early).
xfrm_errors() {
	ip netns exec "$1" cat /proc/net/xfrm_stat | awk '$2 != 0 { printf "%s=%s ", $1, $2 }'
}

# wire_start <peer>: with SKUA_REKEY_WIRE=1, the wire at both ends of the veth
# (iop_wire_start: wire.<peer>.l, Skua's, and wire.<peer>.r; SKUA_KEEP keeps them).
wire_start() { [ "${SKUA_REKEY_WIRE:-0}" != 1 ] || iop_wire_start "$1"; }

CASE=0
# run_peer <peer-inst>: the four tunnels with the peer, pings, the assertions.
run_peer() {
	local pe=$1 pk lg mark_s mark_p psk fail=0 t conn a b init by pfs kind ike what n rk rs rd min how
	local gens old spi bad want_rs want_rd pids=()
	pk=$(iop_kind "$pe")
	lg=$(log_file sk)
	what="skua(sk) with $pk($pe)"
	CASE=$((CASE + 1))
	routes || { iop_not_ok "$what: could not set the clients and routes"; return; }
	mark_s=$(wc -l <"$lg")
	mark_p=$(wc -l <"$(log_file "$pe")")
	# IDs of their own per tunnel: strongSwan and libreswan pick the connection (and the
	# PSK) by the IDs, and would otherwise put all four on one IKE SA.
	for t in $TUNNELS; do
		IFS=: read -r conn a b init by pfs kind <<<"$t"
		psk="rekey-$conn-$CASE-$RANDOM$RANDOM"
		skua_opts "$([ "$by" = sk ] && echo 1 || echo 0)" "$pfs" "$kind"
		ike=$(lsw_proposals gcm256-x25519)
		skua_add_psk_conn sk "$conn" "$L4" "$R4" "@$conn.sk.test" "@$conn.$pe.test" "$psk" \
			"${ike%% *}" "$ESP" "10.$a.0.0/16" "10.$b.0.0/16" || fail=1
		"${pk}_opts" "$([ "$by" = peer ] && echo 1 || echo 0)" "$pfs" "$kind" "$init"
		ike=$("${pk}_proposals" gcm256-x25519)
		SSWAN_DEFER_LOAD=1 "${pk}_add_psk_conn" "$pe" "$conn" "$R4" "$L4" "@$conn.$pe.test" \
			"@$conn.sk.test" "$psk" "${ike%% *}" "$ESP" "10.$b.0.0/16" "10.$a.0.0/16" || fail=1
	done
	unset SKUA_CONN_OPTS SSWAN_CHILD_OPTS SSWAN_IKE_OPTS LSW_CONN_OPTS # the drivers' defaults again
	[ "$pk" != sswan ] || sswan_reload "$pe" || fail=1
	if [ $fail = 1 ]; then
		iop_not_ok "$what: could not load the connections"
		return
	fi
	for t in $TUNNELS; do
		IFS=: read -r conn a b init by pfs <<<"$t"
		if [ "$init" = sk ]; then skua_initiate sk "$conn"; else "${pk}_initiate" "$pe" "$conn"; fi
	done
	# Skua's updown (prepare-client deletes a stale route, route-client adds it) runs
	# after the SA is up, off the workers: the pings wait until it has run.
	# (under TCG on a busy host each updown call takes seconds: a wider bound)
	if iop_wait "$IOP_WAIT" all_installed && iop_wait $((IOP_WAIT * 6)) updown_done "$pe"; then
		iop_ok "$what: kA..kF up: $((2 * NT)) ESP SAs or more in each kernel, Skua's updown done"
	else
		iop_not_ok "$what: ESP SAs: Skua's kernel $(n_esp "$NS_L"), $pk's $(n_esp "$NS_R"); expected $((2 * NT)) or more each"
		fail=1
	fi
	if [ $fail = 0 ]; then
		wire_start "$pe"
		for t in $TUNNELS; do
			IFS=: read -r conn a b _ <<<"$t"
			ip netns exec "$NS_L" "${PING[@]}" -q -c "$PINGS" -i 0.1 -W 3 -I "10.$a.0.1" \
				"10.$b.0.1" >"$IOP_TMP/ping.$conn" 2>&1 &
			pids+=($!)
		done
		wait "${pids[@]}"
		iop_wire_stop
		bad="$(xfrm_errors "$NS_L")$(xfrm_errors "$NS_R")"
		# No XFRM error on either side, whoever rekeys: a responder (Skua) sends on the
		# new SA only once the initiator has it (its Delete, or ESP from it on the new
		# SA: libreswan 4.10 deletes the old SA, inbound included, up to a second after
		# it switched), and each side keeps a rekeyed inbound SA a moment after the Delete.
		# But for one thing no initiator can prevent: libreswan 4.10 answering a Child
		# SA rekey (kA, kC, kG) installs its new outbound SA, and sends on it, before
		# it sends its answer; the initiator can key its new inbound SA only once the
		# answer is in (KEYMAT needs Nr). ESP on the new SA sent before the answer, or
		# while it travels and Skua keys the SA, is dropped (XfrmInNoStates in Skua's
		# kernel; SKUA_REKEY_WIRE=1 shows the order on the wire). Counted, tolerated
		# for libreswan's answers only, and each lost echo must be one of those drops.
		lsw_err="" early=0 lost=0
		if [ "$pk" = lsw ]; then
			lsw_err=$(xfrm_errors "$NS_L" | tr ' ' '\n' | grep '^XfrmInNoStates=')
			early=${lsw_err#*=}
			early=${early:-0}
			bad="$(xfrm_errors "$NS_L" | sed 's/XfrmInNoStates=[0-9]* //')$(xfrm_errors "$NS_R")"
		fi
		if [ -z "$bad" ]; then
			iop_ok "$what: no XFRM error in either kernel (/proc/net/xfrm_stat)${lsw_err:+, but for the early switch of libreswan answering a rekey: $lsw_err in the kernel of Skua}"
		else
			iop_not_ok "$what: XFRM errors: Skua's kernel: $(xfrm_errors "$NS_L"); $pk's: $(xfrm_errors "$NS_R")"
			fail=1
		fi
		after "$lg" "$mark_s" >"$IOP_TMP/sk.log" # what Skua logged up to now, once
		for t in $TUNNELS; do
			IFS=: read -r conn a b init by pfs kind <<<"$t"
			n=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' \
				"$IOP_TMP/ping.$conn")
			if [ "$n" = "$PINGS $PINGS" ]; then
				iop_ok "$what: $conn: $PINGS of $PINGS echoes answered across the rekeys"
			elif [ "$pk" = lsw ] && [ "$kind" != ike ] && [ "$by" = sk ] &&
				[ "${n% *}" = "$PINGS" ] && [ "${n#* }" -ge $((PINGS * 9 / 10)) ]; then
				# libreswan answering Skua's rekeys sends on the new SA early (above)
				lost=$((lost + PINGS - ${n#* }))
				iop_ok "$what: $conn: ${n#* } of $PINGS echoes answered across the rekeys (libreswan, answering, sends on the new SA before Skua has its answer)"
			else
				iop_not_ok "$what: $conn: echoes sent and answered: ${n:-none} (want $PINGS $PINGS): $(tail -n 2 "$IOP_TMP/ping.$conn" | tr '\n' ' ')"
				fail=1
			fi
			if [ "$kind" = ike ]; then
				# who rekeyed: Skua's "rekeying the IKE SA (new SA" lines against the
				# rekeys it saw; the Child SA stays
				rk=$(grep -cE "\"$conn\" #[0-9]+: IKE SA rekeyed: #" "$IOP_TMP/sk.log")
				rs=$(grep -cE "\"$conn\" #[0-9]+: rekeying the IKE SA \(new SA" "$IOP_TMP/sk.log")
				rd=$(grep -cE "\"$conn\" #[0-9]+: IPsec SA #[0-9]+ rekeyed" "$IOP_TMP/sk.log")
				# (Skua's may include one still under way when the log was read)
				want_rs=0
				[ "$by" = sk ] && want_rs=$rk
				[ "$by" = sk ] && [ "$rs" = $((rk + 1)) ] && rs=$rk
				if [ "$rk" -ge 5 ] && [ "$rs" = "$want_rs" ] && [ "$rd" = 0 ]; then
					iop_ok "$what: $conn: $([ "$by" = sk ] && echo Skua || echo "$pk") rekeyed the IKE SA $rk times by lifetime, the Child SA kept"
				else
					iop_not_ok "$what: $conn: $rk IKE SA rekeys, $rs started by Skua, $rd Child SA rekeys (want >= 5, all by $by, no Child SA rekey)"
					fail=1
				fi
				continue
			fi
			# who rekeyed: Skua's "rekeying Child SA" lines against the rekeys it saw
			rk=$(grep -cE "\"$conn\" #[0-9]+: IPsec SA #[0-9]+ rekeyed" "$IOP_TMP/sk.log")
			rs=$(grep -cE "\"$conn\" #[0-9]+: rekeying Child SA" "$IOP_TMP/sk.log")
			rd=$(grep -E "\"$conn\" #[0-9]+: IPsec SA #[0-9]+ rekeyed" "$IOP_TMP/sk.log" |
				grep -c -- '-DH31 ')
			want_rs=0 want_rd=0
			[ "$by" = sk ] && want_rs=$rk
			[ "$by" = sk ] && [ "$rs" = $((rk + 1)) ] && rs=$rk # one under way
			[ "$pfs" = 1 ] && want_rd=$rk
			min=5 how="by lifetime"
			[ "$kind" = packets ] && min=2 how="by its packet limit"
			if [ "$rk" -ge $min ] && [ "$rs" = "$want_rs" ] && [ "$rd" = "$want_rd" ]; then
				iop_ok "$what: $conn: $([ "$by" = sk ] && echo Skua || echo "$pk") rekeyed the Child SA $rk times $how, $([ "$pfs" = 1 ] && echo "each with PFS (DH31)" || echo "without PFS")"
			else
				iop_not_ok "$what: $conn: $rk rekeys, $rs started by Skua, $rd with DH (want >= $min, all by $by, PFS $pfs)"
				fail=1
			fi
		done
		if [ "$lost" -gt "$early" ]; then
			iop_not_ok "$what: $lost echoes lost on kA, kC, kG but only $early ESP packets dropped for a missing SA in Skua's kernel: something else lost them"
			fail=1
		elif [ "$lost" -gt 0 ]; then
			iop_ok "$what: each of the $lost lost echoes is one of libreswan's $early packets on a new SA before its answer (XfrmInNoStates)"
		fi
		# Every SA of all but the last two generations is gone from both kernels once
		# the grace periods of rekeyed SAs have passed (Skua keeps a rekeyed inbound SA
		# 1 s after the Delete, strongSwan delete_rekeyed_delay, 5 s by default); the
		# hard lifetime is 30 s, so only the Deletes can have removed them.
		old=0
		for t in $TUNNELS; do
			conn=${t%%:*}
			: >"$IOP_TMP/old.$conn"
			gens=$(generations "$IOP_TMP/sk.log" 0 "$conn")
			n=$(($(wc -l <<<"$gens") - 2))
			[ "$n" -gt 0 ] || continue
			old=$((old + n))
			for spi in $(head -n "$n" <<<"$gens"); do
				printf '0x%08x\n' "$spi"
			done >"$IOP_TMP/old.$conn"
		done
		if iop_wait 8 old_gone && [ "$old" -ge 12 ]; then
			iop_ok "$what: the $old older Child SAs are gone from both kernels (now $(n_esp "$NS_L") and $(n_esp "$NS_R") ESP SAs)"
		else
			old_gone
			iop_not_ok "$what: of $old older Child SAs (want >= 12), still in a kernel:${bad:- none}"
			fail=1
		fi
		bad=$({
			after "$lg" "$mark_s" | grep -vE "$BENIGN" | grep -iE "$FAILWORDS" | sed 's/^/Skua: /'
			after "$(log_file "$pe")" "$mark_p" | grep -v 'vici client' | grep -vE "$BENIGN" |
				grep -iE "$FAILWORDS" | sed "s/^/$pk: /"
		} | head -n 10)
		if [ -z "$bad" ]; then
			iop_ok "$what: no failure in either log"
		else
			iop_not_ok "$what: failures logged:"
			printf '%s\n' "$bad" | sed 's/^/#   /'
			fail=1
		fi
		for t in $TUNNELS; do
			IFS=: read -r conn a b init _ <<<"$t"
			if [ "$init" = sk ]; then skua_terminate sk "$conn"; else "${pk}_terminate" "$pe" "$conn"; fi
		done
		if iop_wait "$IOP_WAIT" none_left; then
			iop_ok "$what: the initiators' Deletes left no ESP SA in either kernel"
		else
			iop_not_ok "$what: ESP SAs left: Skua's kernel $(n_esp "$NS_L"), $pk's $(n_esp "$NS_R")"
			fail=1
		fi
	fi
	if [ $fail = 1 ]; then
		echo "# Skua's routes:"
		$IP -n "$NS_L" route | sed 's/^/#   /'
		echo "# Skua's kernel:"
		$IP -n "$NS_L" xfrm state | grep -E '^src|proto' | sed 's/^/#   /'
		echo "# $pk's kernel:"
		$IP -n "$NS_R" xfrm state | grep -E '^src|proto' | sed 's/^/#   /'
		# shellcheck disable=SC2046
		iop_dump $(skua_logs sk) $("${pk}_logs" "$pe") "$IOP_TMP"/ping.k?
	fi
	for t in $TUNNELS; do
		skua_del_conn sk "${t%%:*}" || true
		SSWAN_DEFER_LOAD=1 "${pk}_del_conn" "$pe" "${t%%:*}" || true
	done
	[ "$pk" != sswan ] || sswan_reload "$pe" || true
	iop_wait 5 none_left || true
	# Skua runs updown off its workers, one queue per worker: this round's
	# unroute-client calls must be over before the next round routes again, or one
	# late call takes a new route away ("Network is unreachable").
	iop_wait $((IOP_WAIT * 6)) unrouted "$mark_s" || echo "# $what: not every unroute-client ran"
}

# unrouted <from>: Skua's log shows each tunnel's unroute-client after line <from>. The
# native default updown logs no such line: its unroute- is a kernel operation in the
# batch that removes the last SAs (none_left saw them go), so there is nothing to wait for.
unrouted() {
	local t
	for t in $TUNNELS; do
		after "$(log_file sk)" "$1" | grep -q "\"${t%%:*}\" updown " || continue
		after "$(log_file sk)" "$1" | grep -q "\"${t%%:*}\" updown unroute-client" || return 1
	done
}

# old_gone: no SPI of the old.<conn> lists is in either kernel; sets bad to those that are.
old_gone() {
	local t conn
	bad=""
	{ esp_spis "$NS_L"; esp_spis "$NS_R"; } >"$IOP_TMP/kernel.spis"
	for t in $TUNNELS; do
		conn=${t%%:*}
		[ -s "$IOP_TMP/old.$conn" ] || continue
		bad="$bad$(grep -xF -f "$IOP_TMP/old.$conn" "$IOP_TMP/kernel.spis" | sed "s/^/ $conn:/" | tr -d '\n')"
	done
	[ -z "$bad" ]
}

# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=netkey
iop_start skua sk "$NS_L"
for peer in ${SKUA_REKEY_PEERS:-skua:sk2 sswan:sw lsw:ls}; do
	iop_start "${peer%%:*}" "${peer#*:}" "$NS_R"
	run_peer "${peer#*:}"
	iop_stop "${peer#*:}"
done
iop_stop sk
echo "# rekey.sh: ${SECONDS}s"
iop_finish
