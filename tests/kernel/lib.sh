# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# tests/kernel/lib.sh: sourced after tests/lib/common.sh by the guest tests,
# which count failures and go on (no set -e), and run under TCG, where every
# process start costs 50-90 ms.

# wait_for <seconds> <command...>: poll every 0.1 s until the command
# succeeds, bounded by the clock (common.sh's counts tries, and a try costs
# far more than 0.1 s here).
wait_for() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# expect_status <want> <description> <command...>: as common.sh's, without
# turning on set -e.
expect_status() {
	local want=$1 what=$2 got=0
	shift 2
	LAST_OUT=$("$@" 2>&1) || got=$?
	if [ "$got" = "$want" ]; then
		ok "$what (exit $got)"
	else
		not_ok "$what: exit $got, expected $want; output:"
		printf '%s\n' "$LAST_OUT" | sed 's/^/#   /'
	fi
}

# wait_exit <pid> <seconds>: as common.sh's (status in STOP_STATUS, KILL
# after the bound), without turning on set -e.
wait_exit() {
	local pid=$1 end=$((${EPOCHREALTIME/./} + $2 * 1000000))
	while kill -0 "$pid" 2>/dev/null && [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		STOP_STATUS=timeout
		return 1
	fi
	STOP_STATUS=0
	wait "$pid" 2>/dev/null || STOP_STATUS=$?
	return 0
}

# our_policies <ns>: the XFRM policies in a namespace of our own (all of
# them pluto's), less the per-socket bypass policies of its open IKE
# sockets ("socket in/out"), which go with the sockets.
our_policies() {
	${IP:-/usr/bin/ip} -n "$1" xfrm policy |
		awk '/^src /{src=$0; next} /socket (in|out)/{src=""; next} src!=""{print src; src=""}'
}
