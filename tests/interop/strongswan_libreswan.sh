#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The harness proof: strongSwan 5.9.8 and libreswan 4.10 in two network namespaces
# negotiate IKEv2 PSK IKE SAs in both directions, with each cipher suite over IPv4 and
# one over IPv6. Every case asserts the IKE SA is established on both sides, that both
# report the same (expected) algorithms, and that the initiator's Delete removes it on
# both. The host kernel has no ESP, so every Child SA install fails; see lib.sh.
#
# Run as root after scripts/setup-peers:  bash tests/interop/strongswan_libreswan.sh
# IOP_KEEP=1 keeps the configurations and logs; IOP_WAIT bounds each wait (default 15 s).
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
iop_start sswan sw "$NS_L"
iop_start lsw ls "$NS_R"

for suite in $IOP_SUITES; do
	iop_run_case sw ls "$suite" 4 # strongSwan initiates, libreswan responds
	iop_run_case ls sw "$suite" 4 # libreswan initiates, strongSwan responds
done
iop_run_case sw ls gcm256-x25519 6
iop_run_case ls sw gcm256-x25519 6

iop_stop sw
iop_stop ls
iop_finish
