#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Skua against the real peers: Skua's pluto (--use-none) in one network namespace,
# strongSwan 5.9.8 and libreswan 4.10 in the other, and a second Skua beside them.
# For each cipher suite, Skua initiates to and responds to each peer over IPv4, plus
# one IPv6 case each way; then Skua against Skua. Every case asserts the IKE SA is
# established on both sides, that both report the same (expected) algorithms, and that
# the initiator's Delete removes it on both (see lib.sh, iop_run_case).
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
*) BUILD=$(cd "$BUILD" && pwd) ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
# Skua on the left for the whole run; on the right strongSwan, libreswan and a second
# Skua take turns, since each binds port 500 on the same addresses.
iop_start skua sk "$NS_L"

for peer in sswan:sw lsw:ls skua:sk2; do
	kind=${peer%%:*}
	inst=${peer#*:}
	iop_start "$kind" "$inst" "$NS_R"
	for suite in $IOP_SUITES; do
		iop_run_case sk "$inst" "$suite" 4 # Skua initiates
		iop_run_case "$inst" sk "$suite" 4 # Skua responds
	done
	iop_run_case sk "$inst" gcm256-x25519 6
	iop_run_case "$inst" sk gcm256-x25519 6
	iop_stop "$inst"
done

iop_stop sk
iop_finish
