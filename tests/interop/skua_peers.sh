#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Skua against the real peers: Skua's pluto in one network namespace; strongSwan 5.9.8,
# libreswan 4.10 and a second Skua taking turns in the other (each binds port 500 on
# the same addresses). Every case (lib.sh, iop_run_case) asserts that the IKE SA is
# established on both sides, that both report the same (expected) algorithms, and that
# the initiator's Delete removes it on both.
#
# Pass 1, Skua on XFRM (--use-netkey): for each cipher suite, Skua initiates to and
#   responds to each peer over IPv4, plus one IPv6 case each way. The host kernel has
#   no ESP, so whoever responds refuses the Child SA and both keep the IKE SA, exactly
#   as between the two peers (README.md, "The kernel has no ESP").
# Pass 2, Skua with --use-none (no kernel: its Child SAs always "install"): strongSwan
#   initiating to Skua, and Skua with Skua (children up on both sides). libreswan
#   initiating to a --use-none Skua cannot pass on this kernel: Skua accepts the child,
#   libreswan's own ESP install fails, and libreswan 4.10 then deletes its new IKE SA
#   without a notification ("CHILD SA encountered fatal error", "deleting state
#   (STATE_V2_ESTABLISHED_IKE_SA) ... and NOT sending notification"), so it is left out.
#   Skua initiating gives the same exchange as in pass 1 (the peer refuses the child).
#
# Run as root after scripts/setup-peers and a build of pluto and whack:
#   BUILD=build-iop bash tests/interop/skua_peers.sh
# BUILD (default build/default) is the CMake build directory holding src/pluto/pluto
# and tools/whack/whack. IOP_KEEP=1 keeps the logs; IOP_WAIT bounds each wait (15 s).
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${BUILD:-}" in
'') BUILD=$IOP_TOP/build/default ;;
/*) ;;
*) BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory" ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"

# INITIAL_CONTACT with libreswan: a Skua connection with --initialcontact puts it in its
# IKE_AUTH request (no IPsec SA of it is up), and libreswan takes the request with it.
ic_case() { # <skua inst> <libreswan inst>
	local conn=iopic psk="interop-psk-ic-$RANDOM$RANDOM" ia ra
	local what="skua($1) -> libreswan($2) INITIAL_CONTACT"
	ia=$(iop_addr "$1" 4)
	ra=$(iop_addr "$2" 4)
	iop_log "case: $what"
	# shellcheck disable=SC2046 # the proposals are two words on purpose
	if ! SKUA_CONN_OPTS="--dontrekey --initialcontact" skua_add_psk_conn "$1" $conn "$ia" \
		"$ra" "@$1.test" "@$2.test" "$psk" $(skua_proposals gcm256-x25519) ||
		! lsw_add_psk_conn "$2" $conn "$ra" "$ia" "@$2.test" "@$1.test" "$psk" \
			$(lsw_proposals gcm256-x25519); then
		iop_not_ok "$what: loading the connection failed"
	else
		skua_initiate "$1" $conn || true
		if iop_wait "$IOP_WAIT" lsw_ike_established "$2" $conn &&
			grep -qE "\"$conn\" #[0-9]+: processing decrypted IKE_AUTH request: SK\{IDi,N\(INITIAL_CONTACT\)," \
				"$(lsw_dir "$2")/pluto.log"; then
			iop_ok "$what: libreswan established the IKE SA from a request with it"
		else
			iop_not_ok "$what: no IKE SA at libreswan, or no INITIAL_CONTACT in its log"
			# shellcheck disable=SC2046
			iop_dump $(skua_logs "$1") $(lsw_logs "$2")
		fi
		skua_terminate "$1" $conn || true
	fi
	skua_del_conn "$1" $conn || true
	lsw_del_conn "$2" $conn || true
}

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair

# pass 1: Skua on XFRM, every direction with every peer
iop_log "pass 1: Skua with --use-netkey"
# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=netkey
iop_start skua sk "$NS_L"
for peer in sswan:sw lsw:ls skua:sk2; do
	iop_start "${peer%%:*}" "${peer#*:}" "$NS_R"
	for suite in $IOP_SUITES; do
		iop_run_case sk "${peer#*:}" "$suite" 4 # Skua initiates
		iop_run_case "${peer#*:}" sk "$suite" 4 # Skua responds
	done
	iop_run_case sk "${peer#*:}" gcm256-x25519 6
	iop_run_case "${peer#*:}" sk gcm256-x25519 6
	# 3DES for the IKE SA and the Child SA (RFC 2451; not a default anywhere)
	iop_run_case sk "${peer#*:}" 3des-modp2048 4
	iop_run_case "${peer#*:}" sk 3des-modp2048 4
	[ "${peer%%:*}" = lsw ] && ic_case sk "${peer#*:}"
	iop_stop "${peer#*:}"
done
iop_stop sk

# pass 2: Skua without a kernel, where its accepted Child SA reaches the initiator
iop_log "pass 2: Skua with --use-none"
# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=none
iop_start skua skn "$NS_L"
iop_start sswan sw2 "$NS_R"
for suite in $IOP_SUITES; do
	iop_run_case sw2 skn "$suite" 4
done
iop_run_case sw2 skn gcm256-x25519 6
iop_stop sw2
iop_start skua skn2 "$NS_R"
for suite in $IOP_SUITES; do
	iop_run_case skn skn2 "$suite" 4
	iop_run_case skn2 skn "$suite" 4
done
iop_run_case skn skn2 gcm256-x25519 6
iop_run_case skn2 skn gcm256-x25519 6
iop_stop skn2
iop_stop skn

iop_finish
