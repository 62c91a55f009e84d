#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# CREATE_CHILD_SA against the real peers, in network namespaces: Skua (--use-none, its
# Child SAs "install" without a kernel) with strongSwan 5.9.8 and libreswan 4.10.
#
# strongSwan keeps its Child SAs in its own userspace ESP (SSWAN_IPSEC=libipsec, the
# kernel-libipsec plugin), so on this kernel without ESP both ends hold the Child SA and
# every rekey can be checked on both: Child SA rekey without and with PFS, IKE SA rekey,
# a second Child SA on the IKE SA (strongSwan initiates it: a second child of the same
# connection; Skua answers it from a second connection with the same ends), each started
# by Skua (whack --rekey-ipsec/--rekey-ike) and by strongSwan (swanctl --rekey), then by
# short lifetimes: strongSwan's Child SA and IKE SA rekey_time, Skua's --ikelifetime.
# charon with kernel-libipsec always encapsulates ESP in UDP (it fakes a NAT), so these
# IKE SAs move to port 4500.
#
# libreswan has no userspace ESP: its Child SA install fails on this kernel, it refuses
# the child and keeps the IKE SA (README.md, "The kernel has no ESP"), so here it is the
# IKE SA rekey only, from each side, by whack and by lifetime. Its Child SA rekeys (with
# and without PFS) are proven in the ESP guest (tests/kernel/rekey.sh).
#
# Skua's Child SA lifetime is the kernel's (a soft expire starts the rekey): with
# --use-none there is none, so Skua's lifetime-driven Child SA rekeys are in the guest too.
#
# Each check waits for both sides to settle on exactly one IKE SA and one Child SA per
# connection, whose SPIs match across (Skua's inbound is the peer's outbound), and
# asserts what changed: new SPIs on both sides and the old ones gone after the Delete
# (strongSwan keeps a rekeyed inbound SA for delete_rekeyed_delay, 1 s here), or a new
# IKE SA on both sides with the Child SAs unchanged. After each part, neither log may
# show a failure.
#
# Run as root after scripts/setup-peers and a build of pluto and whack:
#   BUILD=build/default bash tests/interop/rekey.sh
# IOP_KEEP=1 keeps the logs; IOP_WAIT bounds each wait (15 s). About 50 s.
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${BUILD:-}" in
'') BUILD=$IOP_TOP/build/default ;;
/*) ;;
*) BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory" ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
# Client addresses: charon's kernel-libipsec routes each child through its TUN device
# from an address of its own inside the local traffic selector.
for a in 10.1.0.1 10.3.0.1; do ip -n "$NS_L" addr add "$a/32" dev lo || iop_die "addr $a"; done
for a in 10.2.0.1 10.4.0.1; do ip -n "$NS_R" addr add "$a/32" dev lo || iop_die "addr $a"; done

# shellcheck disable=SC2034 # read by skua_start (skua.sh) and sswan_start (lib.sh)
SKUA_STACK=none SSWAN_IPSEC=libipsec
# shellcheck disable=SC2034 # read by sswan_start
SSWAN_TUNING="retransmit_timeout = 1.0
retransmit_base = 1.4
delete_rekeyed_delay = 1"
# Skua announces a message ID window of 4 (RFC 7296 2.3, --ike-window): every exchange
# below after IKE_AUTH is answered through its window's ring of responses. Neither peer
# announces a window of its own (strongSwan 5.9.8 and libreswan 4.10 keep to one request),
# so Skua's own requests stay one at a time (tests/exchange/test_window.c has the rest).
SKUA_PLUTO_ARGS="${SKUA_PLUTO_ARGS:-} --ike-window 4"
iop_start skua sk "$NS_L"
iop_start sswan sw "$NS_R" # then libreswan, in its place (both bind port 500)
SKLOG=$IOP_TMP/sk/pluto.log

# ------------------------------------------------------------------------------------
# Views

# look <inst> <ike-conn>: the instance's status, once (swanctl alone costs 0.1-0.4 s).
look() { "$(iop_kind "$1")_states" "$1" "$2"; }

# kids <inst> <ike-conn> <child>: the Child SAs of <child> ("STATE IN OUT") in the status
# on stdin; strongSwan names the child inside the IKE connection, Skua and libreswan
# by connection.
kids() {
	case "$(iop_kind "$1")" in
	sswan) sswan_children_in "$2" "$3" ;;
	*) "$(iop_kind "$1")_children_in" "$3" ;;
	esac
}

# snap <peer> <ike-conn> <child> [<nchild>]: read both sides. Sets S_IKE, P_IKE (IKE SA
# ids), S_CH, P_CH (the up Child SAs as IN:OUT), S_N, P_N (Child SAs listed, any state).
# Status 0 when settled: one established IKE SA each, exactly <nchild> (default 1)
# Child SA of <child> each, all up, and the SPIs match across.
snap() {
	local pe=$1 conn=$2 child=$3 want=${4:-1} st i o ok=0 so po
	so=$(look sk "$conn")
	po=$(look "$pe" "$conn")
	S_IKE=$(skua_ike_ids_in "$conn" <<<"$so" | tr '\n' ' ')
	P_IKE=$("$(iop_kind "$pe")_ike_ids_in" "$conn" <<<"$po" | tr '\n' ' ')
	S_CH="" P_CH="" S_N=0 P_N=0
	while read -r st i o; do
		[ -n "$st" ] || continue
		S_N=$((S_N + 1))
		[ "$st" = up ] && S_CH="$S_CH$i:$o " || ok=1
	done < <(kids sk "$conn" "$child" <<<"$so")
	while read -r st i o; do
		[ -n "$st" ] || continue
		P_N=$((P_N + 1))
		[ "$st" = up ] && P_CH="$P_CH$i:$o " || ok=1
	done < <(kids "$pe" "$conn" "$child" <<<"$po")
	S_IKE=${S_IKE% } P_IKE=${P_IKE% } S_CH=${S_CH% } P_CH=${P_CH% }
	[ $ok = 0 ] && [ "$S_N" = "$want" ] && [ "$P_N" = "$want" ] || return 1
	[[ $S_IKE =~ ^[0-9]+$ && $P_IKE =~ ^[0-9]+$ ]] || return 1
	[ "$want" = 0 ] && return 0
	# one pair each (want 1), crossed: Skua's inbound SPI is the peer's outbound
	[ "${S_CH%%:*}" = "${P_CH#*:}" ] && [ "${S_CH#*:}" = "${P_CH%%:*}" ]
}

# gone <peer> <conn> <child>...: no IKE SA of <conn> and no Child SA of the <child>ren
# on either side.
gone() {
	local pe=$1 conn=$2 child so po
	shift 2
	snap "$pe" "$conn" "$conn" 0
	[ -z "$S_IKE" ] && [ -z "$P_IKE" ] || return 1
	so=$(look sk "$conn")
	po=$(look "$pe" "$conn")
	for child in "$@"; do
		[ -z "$(kids sk "$conn" "$child" <<<"$so")" ] &&
			[ -z "$(kids "$pe" "$conn" "$child" <<<"$po")" ] || return 1
	done
}

snap_str() { echo "Skua: IKE [$S_IKE] children [$S_CH] of $S_N; peer: IKE [$P_IKE] children [$P_CH] of $P_N"; }

# The settled state a check starts from.
remember() { O_SIKE=$S_IKE O_PIKE=$P_IKE O_SCH=$S_CH O_PCH=$P_CH; }

# Predicates for iop_wait (after snap): what a rekey must have changed, and kept.
child_rekeyed() {
	snap "$@" && [ "$S_IKE" = "$O_SIKE" ] && [ "$P_IKE" = "$O_PIKE" ] &&
		[ "${S_CH%%:*}" != "${O_SCH%%:*}" ] && [ "${S_CH#*:}" != "${O_SCH#*:}" ]
}
ike_rekeyed() {
	snap "$@" && [ "$S_IKE" != "$O_SIKE" ] && [ "$P_IKE" != "$O_PIKE" ] &&
		[ "$S_CH" = "$O_SCH" ] && [ "$P_CH" = "$O_PCH" ]
}

# Log positions, and the failures logged since.
mark_logs() { MARK_S=$(wc -l <"$SKLOG") MARK_P=$(wc -l <"$(peer_log "$1")"); }
peer_log() {
	case "$(iop_kind "$1")" in
	sswan) echo "$IOP_TMP/$1/charon.log" ;;
	lsw) echo "$IOP_TMP/$1/pluto.log" ;;
	esac
}
SK_FAIL='fail|refus|error|invalid|unacceptable|NO_PROPOSAL|NOT_FOUND|NO_ADDITIONAL|TEMPORARY|retransmit|timed out|giving up|dropp'
PEER_FAIL='fail|unable|error|invalid|unacceptable|NO_PROPOSAL|NOT_FOUND|NO_ADDITIONAL|TEMPORARY|retransmit|giving up|timeout'
check_logs() {
	local what=$1 pe=$2 bad
	bad=$({
		tail -n +$((MARK_S + 1)) "$SKLOG" | grep -iE "$SK_FAIL" | sed 's/^/Skua: /'
		tail -n +$((MARK_P + 1)) "$(peer_log "$pe")" | grep -v 'vici client' |
			grep -iE "$PEER_FAIL" | sed "s/^/$(iop_kind "$pe"): /"
	} | head -n 10)
	if [ -z "$bad" ]; then
		iop_ok "$what: no failure in either log"
	else
		iop_not_ok "$what: failures logged:"
		printf '%s\n' "$bad" | sed 's/^/#   /'
	fi
}

FAILED=0
fail() {
	iop_not_ok "$*"
	FAILED=1
}

# expect_settled <what> <peer> <conn> <child> [<nchild>]
expect_settled() {
	local what=$1
	shift
	if iop_wait "$IOP_WAIT" snap "$@"; then
		iop_ok "$what: $(snap_str)"
	else
		snap "$@"
		fail "$what: not settled after ${IOP_WAIT}s: $(snap_str)"
	fi
}

# expect_child_rekey <what> <peer> <conn> <child> -- <command...>
expect_child_rekey() {
	local what=$1 pe=$2 conn=$3 child=$4
	shift 5
	snap "$pe" "$conn" "$child" || { fail "$what: not settled before: $(snap_str)"; return; }
	remember
	"$@" >>"$IOP_TMP/commands.out" 2>&1 || echo "# exit $? from $*" >>"$IOP_TMP/commands.out"
	if iop_wait "$IOP_WAIT" child_rekeyed "$pe" "$conn" "$child"; then
		iop_ok "$what: Child SA $O_SCH -> $S_CH on Skua, $O_PCH -> $P_CH on the peer, the old one gone on both"
	else
		snap "$pe" "$conn" "$child"
		fail "$what: from Skua [$O_SCH] peer [$O_PCH] to $(snap_str)"
	fi
}

# expect_ike_rekey <what> <peer> <conn> <child> <nchild> -- <command...>
expect_ike_rekey() {
	local what=$1 pe=$2 conn=$3 child=$4 n=$5
	shift 6
	snap "$pe" "$conn" "$child" "$n" || { fail "$what: not settled before: $(snap_str)"; return; }
	remember
	"$@" >>"$IOP_TMP/commands.out" 2>&1 || echo "# exit $? from $*" >>"$IOP_TMP/commands.out"
	if iop_wait "$IOP_WAIT" ike_rekeyed "$pe" "$conn" "$child" "$n"; then
		iop_ok "$what: IKE SA #$O_SIKE -> #$S_IKE on Skua, #$O_PIKE -> #$P_IKE on the peer, the old one gone, Child SAs kept"
	else
		snap "$pe" "$conn" "$child" "$n"
		fail "$what: from Skua IKE [$O_SIKE] peer IKE [$O_PIKE] to $(snap_str)"
	fi
}

# count_log <file> <from-line> <regex>: matching lines after <from-line>.
count_log() { tail -n +$(($2 + 1)) "$1" | grep -cE "$3"; }

# expect_log_count <what> <seconds> <min> <file> <from> <regex>: wait until the log
# shows at least <min> matching lines after <from>.
log_at_least() { [ "$(count_log "$2" "$3" "$4")" -ge "$1" ]; }
expect_log_count() {
	local what=$1 secs=$2 min=$3
	shift 3
	if iop_wait "$secs" log_at_least "$min" "$@"; then
		iop_ok "$what ($(count_log "$@") in the log)"
	else
		fail "$what: $(count_log "$@") of $min in ${secs}s"
	fi
}

dump_on_failure() {
	[ "$FAILED" = 1 ] || return 0
	# shellcheck disable=SC2046
	iop_dump $(skua_logs sk) $("$(iop_kind "$1")_logs" "$1") "$IOP_TMP/commands.out"
	FAILED=0
}

# add <conn> <peer> <suite-ike> <suite-esp-skua> <suite-esp-peer>: load the connection on
# both, subnets 10.1.0.0/16 (Skua) === 10.2.0.0/16 (the peer), with the current
# SKUA_CONN_OPTS, SSWAN_*_OPTS, LSW_CONN_OPTS.
add() {
	local conn=$1 pe=$2 psk="rekey-$1-$RANDOM$RANDOM" pk
	pk=$(iop_kind "$pe")
	skua_add_psk_conn sk "$conn" "$L4" "$R4" @sk.test "@$pe.test" "$psk" \
		aes_gcm256-sha2_256-dh31 "$3" 10.1.0.0/16 10.2.0.0/16 ||
		iop_die "loading $conn on sk failed"
	"${pk}_add_psk_conn" "$pe" "$conn" "$R4" "$L4" "@$pe.test" @sk.test "$psk" \
		"$4" "$5" 10.2.0.0/16 10.1.0.0/16 || iop_die "loading $conn on $pe failed"
}

del() {
	skua_del_conn sk "$1" || true
	"$(iop_kind "$2")_del_conn" "$2" "$1" || true
}

SW_IKE=aes256gcm16-prfsha256-x25519
sw_rekey_child() { sswan_swanctl sw --rekey --child "$1"; }
sw_rekey_ike() { sswan_swanctl sw --rekey --ike "$1"; }

# ------------------------------------------------------------------------------------
# 1. strongSwan, no PFS: Skua initiates; each side rekeys the Child SA and the IKE SA;
#    strongSwan adds a second Child SA, and each side rekeys that one too.
iop_log "strongSwan: rekeys by command, no PFS; a second Child SA"
SSWAN_MORE_CHILDREN="r1b {
		                local_ts = 10.4.0.0/16
		                remote_ts = 10.3.0.0/16
		                esp_proposals = aes256gcm16
		                mode = tunnel
		                start_action = none
		                rekey_time = 0
		            }"
add r1 sw aes_gcm256 "$SW_IKE" aes256gcm16
SSWAN_MORE_CHILDREN=""
skua_add_psk_conn sk r1b "$L4" "$R4" @sk.test @sw.test "unused-$RANDOM" \
	aes_gcm256-sha2_256-dh31 aes_gcm256 10.3.0.0/16 10.4.0.0/16 ||
	iop_die "loading r1b on sk failed"
mark_logs sw
skua_initiate sk r1
expect_settled "sw r1: Skua established it" sw r1 r1
expect_child_rekey "sw r1: Skua's whack --rekey-ipsec" sw r1 r1 -- \
	skua_whack sk --rekey-ipsec --name r1
if [ "$(count_log "$IOP_TMP/sw/charon.log" "$MARK_P" 'parsed CREATE_CHILD_SA request .*N\(REKEY_SA\).* KE ')" = 0 ]; then
	iop_ok "sw r1: Skua's Child SA rekey request carried no KE (no PFS)"
else
	fail "sw r1: Skua's Child SA rekey request carried a KE payload without --pfs"
fi
expect_child_rekey "sw r1: strongSwan's swanctl --rekey --child" sw r1 r1 -- sw_rekey_child r1
expect_ike_rekey "sw r1: Skua's whack --rekey-ike" sw r1 r1 1 -- skua_whack sk --rekey-ike --name r1
expect_ike_rekey "sw r1: strongSwan's swanctl --rekey --ike" sw r1 r1 1 -- sw_rekey_ike r1
# The second Child SA: strongSwan's child r1b, Skua's connection r1b, on the same IKE SA.
sswan_swanctl sw --initiate --child r1b --timeout "$IOP_WAIT" >>"$IOP_TMP/commands.out" 2>&1
expect_settled "sw r1b: strongSwan's second Child SA is up on both" sw r1 r1b
if [ "$(skua_ike_ids sk r1 | wc -l)" = 1 ] && [ -z "$(skua_ike_ids sk r1b)" ] &&
	[ "$(sswan_ike_ids sw r1 | wc -l)" = 1 ]; then
	iop_ok "sw r1b: it shares the one IKE SA (Skua #$(skua_ike_ids sk r1), strongSwan #$(sswan_ike_ids sw r1))"
else
	fail "sw r1b: IKE SAs: Skua r1 [$(skua_ike_ids sk r1 | tr '\n' ' ')] r1b [$(skua_ike_ids sk r1b | tr '\n' ' ')], strongSwan [$(sswan_ike_ids sw r1 | tr '\n' ' ')]"
fi
expect_child_rekey "sw r1b: Skua's whack --rekey-ipsec of the second" sw r1 r1b -- \
	skua_whack sk --rekey-ipsec --name r1b
expect_child_rekey "sw r1b: strongSwan's swanctl --rekey --child of the second" sw r1 r1b -- \
	sw_rekey_child r1b
expect_settled "sw r1: the first Child SA is untouched by the second's rekeys" sw r1 r1
expect_ike_rekey "sw r1: Skua's --rekey-ike moves both Child SAs" sw r1 r1 1 -- \
	skua_whack sk --rekey-ike --name r1
expect_settled "sw r1b: the second Child SA moved with the IKE SA" sw r1 r1b
check_logs "sw r1" sw
skua_terminate sk r1
if iop_wait "$IOP_WAIT" gone sw r1 r1 r1b; then
	iop_ok "sw r1: Skua's Delete removed the IKE SA and both Child SAs on both sides"
else
	fail "sw r1: left after Skua's Delete: $(snap_str)"
fi
dump_on_failure sw
skua_del_conn sk r1b
del r1 sw

# ------------------------------------------------------------------------------------
# 2. strongSwan, PFS: strongSwan initiates; Skua --pfs, strongSwan aes256gcm16-x25519.
iop_log "strongSwan: Child SA rekeys with PFS (x25519)"
SKUA_CONN_OPTS="--dontrekey --pfs" add r2 sw aes_gcm256 "$SW_IKE" aes256gcm16-x25519
mark_logs sw
sswan_initiate sw r2
expect_settled "sw r2: strongSwan established it" sw r2 r2
expect_child_rekey "sw r2: Skua's whack --rekey-ipsec with PFS" sw r2 r2 -- \
	skua_whack sk --rekey-ipsec --name r2
expect_child_rekey "sw r2: strongSwan's swanctl --rekey --child with PFS" sw r2 r2 -- \
	sw_rekey_child r2
n=$(count_log "$IOP_TMP/sw/charon.log" "$MARK_P" '(parsed|generating) CREATE_CHILD_SA request .*N\(REKEY_SA\).* KE ')
if [ "$n" = 2 ]; then
	iop_ok "sw r2: both Child SA rekey requests carried a KE payload (charon's log)"
else
	fail "sw r2: $n of the 2 Child SA rekey requests carried a KE payload"
fi
if sswan_swanctl sw --list-sas --ike r2 | grep -q 'ESP:AES_GCM_16-256/CURVE_25519'; then
	iop_ok "sw r2: strongSwan's rekeyed Child SA says ESP:AES_GCM_16-256/CURVE_25519"
else
	fail "sw r2: strongSwan's rekeyed Child SA has no DH group: $(sswan_swanctl sw --list-sas --ike r2 | grep ESP:)"
fi
check_logs "sw r2" sw
dump_on_failure sw
del r2 sw

# ------------------------------------------------------------------------------------
# 3. strongSwan by lifetime: its Child SA (rekey_time 2 s), then its IKE SA (2 s; a long
#    over_time, or charon queues the old SA's hard-lifetime delete, which it moves to the
#    new SA); then Skua's IKE SA (--ikelifetime 6 --rekeymargin 4 --rekeyfuzz 0: every 2 s).
iop_log "lifetimes: strongSwan's Child SA and IKE SA, Skua's IKE SA"
SSWAN_CHILD_OPTS="rekey_time = 2s
		                life_time = 60s
		                rand_time = 0" add r3 sw aes_gcm256 "$SW_IKE" aes256gcm16
mark_logs sw
skua_initiate sk r3
expect_settled "sw r3: up" sw r3 r3
remember
expect_log_count "sw r3: strongSwan rekeyed the Child SA 2 times by lifetime" 15 2 \
	"$SKLOG" "$MARK_S" 'IPsec SA #[0-9]+ rekeyed'
expect_settled "sw r3: settled after the lifetime rekeys" sw r3 r3
if [ "$(count_log "$SKLOG" "$MARK_S" 'rekeying Child SA')" = 0 ] && [ "$S_CH" != "$O_SCH" ] &&
	[ "$S_IKE" = "$O_SIKE" ]; then
	iop_ok "sw r3: strongSwan started them, new SPIs ($O_SCH -> $S_CH), same IKE SA"
else
	fail "sw r3: Skua started $(count_log "$SKLOG" "$MARK_S" 'rekeying Child SA'); SPIs $O_SCH -> $S_CH; IKE $O_SIKE -> $S_IKE"
fi
check_logs "sw r3" sw
dump_on_failure sw
del r3 sw

SSWAN_IKE_OPTS="rekey_time = 2s
		        over_time = 60s
		        rand_time = 0" add r4 sw aes_gcm256 "$SW_IKE" aes256gcm16
mark_logs sw
skua_initiate sk r4
expect_settled "sw r4: up" sw r4 r4
remember
expect_log_count "sw r4: strongSwan rekeyed the IKE SA 2 times by lifetime" 15 2 \
	"$SKLOG" "$MARK_S" 'IKE SA rekeyed: #'
expect_settled "sw r4: settled after the lifetime rekeys" sw r4 r4
if [ "$(count_log "$SKLOG" "$MARK_S" 'rekeying the IKE SA')" = 0 ] && [ "$S_CH" = "$O_SCH" ] &&
	[ "$S_IKE" != "$O_SIKE" ] && [ "$P_IKE" != "$O_PIKE" ]; then
	iop_ok "sw r4: strongSwan started them; IKE SA #$O_SIKE -> #$S_IKE, Child SA kept"
else
	fail "sw r4: Skua started $(count_log "$SKLOG" "$MARK_S" 'rekeying the IKE SA'); $(snap_str)"
fi
check_logs "sw r4" sw
dump_on_failure sw
del r4 sw

SKUA_CONN_OPTS="--ikelifetime 6 --rekeymargin 4 --rekeyfuzz 0" add r5 sw aes_gcm256 "$SW_IKE" aes256gcm16
mark_logs sw
skua_initiate sk r5
expect_settled "sw r5: up" sw r5 r5
remember
expect_log_count "sw r5: Skua rekeyed the IKE SA 2 times by --ikelifetime" 15 2 \
	"$SKLOG" "$MARK_S" 'IKE SA rekeyed: #'
expect_settled "sw r5: settled after the lifetime rekeys" sw r5 r5
if [ "$(count_log "$SKLOG" "$MARK_S" 'rekeying the IKE SA')" -ge 2 ] && [ "$S_CH" = "$O_SCH" ] &&
	[ "$S_IKE" != "$O_SIKE" ] && [ "$P_IKE" != "$O_PIKE" ]; then
	iop_ok "sw r5: Skua started them; IKE SA #$O_SIKE -> #$S_IKE, Child SA kept"
else
	fail "sw r5: Skua started $(count_log "$SKLOG" "$MARK_S" 'rekeying the IKE SA'); $(snap_str)"
fi
check_logs "sw r5" sw
dump_on_failure sw
del r5 sw
if grep -q 'received SET_WINDOW_SIZE notify' "$IOP_TMP/sw/charon.log"; then
	iop_ok "sw: strongSwan took Skua's SET_WINDOW_SIZE in IKE_AUTH (--ike-window 4)"
else
	fail "sw: strongSwan's log shows no SET_WINDOW_SIZE from Skua"
fi
iop_stop sw

# ------------------------------------------------------------------------------------
# 4. libreswan: the IKE SA (its Child SA cannot install here), by whack and by lifetime.
iop_log "libreswan: IKE SA rekeys (no Child SA on this kernel)"
iop_start lsw ls "$NS_R"
add r6 ls aes_gcm256 aes_gcm256-sha2_256-dh31 aes_gcm256
skua_initiate sk r6
expect_settled "ls r6: the IKE SA is up on both (libreswan refused the Child SA)" ls r6 r6 0
mark_logs ls
expect_ike_rekey "ls r6: Skua's whack --rekey-ike" ls r6 r6 0 -- skua_whack sk --rekey-ike --name r6
expect_ike_rekey "ls r6: libreswan's whack --rekey-ike" ls r6 r6 0 -- \
	lsw_whack ls --rekey-ike --name r6
check_logs "ls r6" ls
dump_on_failure ls
del r6 ls

# libreswan's IKE SA lifetime: it is the original responder, and libreswan rekeys as either.
LSW_CONN_OPTS="rekey=yes
    ikelifetime=6s
    rekeymargin=4s
    rekeyfuzz=0%" add r7 ls aes_gcm256 aes_gcm256-sha2_256-dh31 aes_gcm256
skua_initiate sk r7
expect_settled "ls r7: up" ls r7 r7 0
remember
mark_logs ls
expect_log_count "ls r7: libreswan rekeyed the IKE SA 2 times by ikelifetime" 15 2 \
	"$SKLOG" "$MARK_S" 'IKE SA rekeyed: #'
expect_settled "ls r7: settled after the lifetime rekeys" ls r7 r7 0
if [ "$(count_log "$SKLOG" "$MARK_S" 'rekeying the IKE SA')" = 0 ] &&
	[ "$S_IKE" != "$O_SIKE" ] && [ "$P_IKE" != "$O_PIKE" ]; then
	iop_ok "ls r7: libreswan started them; IKE SA #$O_SIKE -> #$S_IKE on Skua, #$O_PIKE -> #$P_IKE on libreswan"
else
	fail "ls r7: Skua started $(count_log "$SKLOG" "$MARK_S" 'rekeying the IKE SA'); $(snap_str)"
fi
check_logs "ls r7" ls
dump_on_failure ls
del r7 ls

SKUA_CONN_OPTS="--ikelifetime 6 --rekeymargin 4 --rekeyfuzz 0" add r8 ls aes_gcm256 aes_gcm256-sha2_256-dh31 aes_gcm256
skua_initiate sk r8
expect_settled "ls r8: up" ls r8 r8 0
remember
mark_logs ls
expect_log_count "ls r8: Skua rekeyed the IKE SA 2 times by --ikelifetime" 15 2 \
	"$SKLOG" "$MARK_S" 'IKE SA rekeyed: #'
expect_settled "ls r8: settled after the lifetime rekeys" ls r8 r8 0
check_logs "ls r8" ls
dump_on_failure ls
del r8 ls
if grep -q 'IKE_AUTH request: SK{IDi,IDr,AUTH,N(SET_WINDOW_SIZE)' "$(peer_log ls)"; then
	iop_ok "ls: libreswan took Skua's SET_WINDOW_SIZE in IKE_AUTH (--ike-window 4)"
else
	fail "ls: libreswan's log shows no SET_WINDOW_SIZE from Skua"
fi
iop_stop ls
iop_stop sk

iop_finish
