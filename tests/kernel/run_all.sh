#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every kernel test in one boot of the test guest (tests/kernel/guest.sh):
#
#   smoke_esp    the guest's kernel does ESP, AH, PF_KEY (hand-made SAs)
#   pfkey        xfrm_roundtrip, pfkey_roundtrip; two plutos on PF_KEY
#   skua_pair    two plutos on XFRM: tunnel, transport, NAT-T, --route,
#                updown, --terminate/--delete/--shutdown [--leave-state]
#   peers        Skua with strongSwan 5.9.8 and libreswan 4.10, traffic
#   road_warriors  a gateway with a pool and three --modecfgclient clients on
#                one %any connection; one leaves, exactly its SAs, policies
#                and route go, the others still pass traffic
#   lsw_cp       Skua --modecfgclient of libreswan 4.10's address pool:
#                address, narrowed selectors, updown, traffic
#   rekey        Child SA and IKE SA rekeys under traffic (Skua, strongSwan, libreswan)
#   v1_rekey     IKEv1 Main Mode PSK tunnels with libreswan and strongSwan (two
#                lanes at once), each side rekeying the IPsec SA under pings
#
#   tests/kernel/run_all.sh BUILD      (ctest: kernel/guest)
#
# BUILD is the CMake build directory (pluto, whack, tests/pcount,
# tests/xfrm_roundtrip, tests/pfkey_roundtrip). Each test is bounded
# (SKUA_KERNEL_TEST_TIMEOUT, default 240 s; rekey twice that) and the whole
# boot by the sum.
# The console shows each test's failures and summary; the full output of
# every test is kept in BUILD/kernel-logs/<test>.log and printed after a
# failing test. SKUA_KERNEL_TESTS="pfkey peers" runs a subset.
# Prints "N passed, N failed" (tests); exit 0 when all pass, 1 when one
# fails, 77 when the guest is not set up (scripts/setup-guest), 124/125 when
# the guest timed out or failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
TESTS=${SKUA_KERNEL_TESTS:-smoke_esp pfkey skua_pair peers road_warriors lsw_cp rekey v1_rekey}
PER=${SKUA_KERNEL_TEST_TIMEOUT:-240}
# A test's time limit: PER, but twice that for rekey, whose three peers each wait for
# about twenty rekeys in turn (about 238 s when the box is quiet: at 240 s it timed out)
limit() { if [ "$1" = rekey ]; then echo $((PER * 2)); else echo "$PER"; fi; }

if [ "${SKUA_IN_GUEST:-0}" != 1 ]; then
	# The host side: check the build, boot the guest once, run this inside.
	[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
	BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "run_all.sh: $1: no such directory" >&2; exit 1; }
	missing=
	for f in src/pluto/pluto tools/whack/whack tests/pcount tests/xfrm_roundtrip \
		tests/pfkey_roundtrip; do
		[ -x "$BUILD/$f" ] || missing+=" $f"
	done
	if [ -n "$missing" ]; then
		echo "run_all.sh: not built in $BUILD:$missing" >&2
		exit 1
	fi
	logs=$BUILD/kernel-logs
	rm -rf "$logs"
	mkdir -p "$logs"
	total=60
	for t in $TESTS; do total=$((total + $(limit "$t"))); done
	SKUA_KERNEL_TESTS=$TESTS SKUA_KERNEL_TEST_TIMEOUT=$PER SKUA_KERNEL_LOGS=$logs \
		"$here/guest.sh" run -w "$logs" -t "$total" "$here/run_all.sh" "$BUILD"
	rc=$?
	case $rc in
	0 | 1) ;;
	77) echo "run_all.sh: the test guest is not set up: run scripts/setup-guest" >&2 ;;
	*) echo "run_all.sh: the guest run failed (status $rc)" >&2 ;;
	esac
	exit $rc
fi

# Inside the guest.
BUILD=$1
logs=${SKUA_KERNEL_LOGS:-/tmp/skua-kernel-logs}
mkdir -p "$logs"
passed=0 failed=0 start=$SECONDS
for t in $TESTS; do
	t0=$SECONDS
	timeout -s KILL "$(limit "$t")" bash "$here/$t.sh" "$BUILD" >"$logs/$t.log" 2>&1
	rc=$?
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/$t.log" | tail -1)
	[ $rc = 137 ] && summary="timed out after $(limit "$t")s"
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		echo "PASS $t ($((SECONDS - t0)) s): ${summary:-no summary}"
	else
		failed=$((failed + 1))
		echo "FAIL $t ($((SECONDS - t0)) s, exit $rc): ${summary:-no summary}"
		echo "# ---- $t: full output"
		sed 's/^/# /' "$logs/$t.log"
		echo "# ---- end of $t"
	fi
done
echo "kernel tests: $((SECONDS - start)) s in the guest"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
