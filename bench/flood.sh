#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/flood.sh [BUILD]: what a flood of bad IKE datagrams costs a responder,
# in log lines and in CPU, with its default logging and with logging off.
#
# One pluto (--use-none, a %any road-warrior template, default logging to a
# file) in a network namespace; skua-flood in another sends, for SECONDS
# at RATE datagrams a second,
#   malformed  IKEv2 datagrams whose payload chain overruns the message
#   init       well-formed IKE_SA_INIT requests nobody will follow up
#              (spoofed clients): each leaves a half-open IKE SA until the
#              responder turns to cookies, and each half-open SA times out
#              30 s later ("half-open IKE SA timed out", the line that
#              wrote 9,712 lines a second before the rate limits)
# then waits for the half-open SAs to time out. Per run: datagrams sent,
# log lines written (and how many "suppressed" summary lines), bytes of
# log, pluto's CPU per datagram (utime+stime over the flood and the
# time-outs). "off" is the same run with SKUA_LOG_OFF=1 (util/log.h):
# nothing formatted, nothing written.
#
# Environment: RATE (default 20000), SECONDS (10), WORKERS (--nhelpers, 2),
# KINDS ("malformed init"), MODES ("on off"). Needs root; takes
# /tmp/skua-netns.lock. Bounded: each run lasts SECONDS + 35 s at most.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$top/build/default}
BUILD=$(cd "$BUILD" && pwd)
. "$top/tests/lib/common.sh"
. "$top/tests/lib/netns.sh"
FLOOD=$BUILD/bench/skua-flood
RATE=${RATE:-20000}
SECONDS_=${SECONDS:-10}
WORKERS=${WORKERS:-2}
KINDS=${KINDS:-malformed init}
MODES=${MODES:-on off}
[ -x "$FLOOD" ] || { echo "flood.sh: $FLOOD not built" >&2; exit 1; }
exec 9>/tmp/skua-netns.lock
flock 9

T=$(mktemp -d /tmp/skua-flood.XXXXXX)
netns_pair "skfl$$"
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	netns_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
printf '@gw %%any : PSK "flood bench secret"\n' >"$T/secrets"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run() { # run <kind> <on|off>
	local kind=$1 mode=$2 sent t0 t1 lines summaries bytes ticks hz
	rm -rf "$T/e" "$T/pluto.log"
	mkdir -p "$T/e"
	if [ "$mode" = off ]; then
		ip netns exec "$NS_E" env SKUA_LOG_OFF=1 "$PLUTO" --nofork --rundir "$T/e" --use-none \
			--nhelpers "$WORKERS" --logfile "$T/pluto.log" --secretsfile "$T/secrets" \
			>"$T/out" 2>&1 &
	else
		ip netns exec "$NS_E" "$PLUTO" --nofork --rundir "$T/e" --use-none \
			--nhelpers "$WORKERS" --logfile "$T/pluto.log" --secretsfile "$T/secrets" \
			>"$T/out" 2>&1 &
	fi
	PID=$!
	wait_for 10 grep -q "Pluto initialized" "$T/out" || { cat "$T/out"; exit 1; }
	W="ip netns exec $NS_E $WHACK --rundir $T/e"
	$W --name rw --host 192.0.2.2 --id @gw --to --host %any --psk --encrypt \
		--ike aes_gcm256-sha2_256-dh31 >/dev/null
	$W --listen >/dev/null
	# ip netns exec runs pluto itself (exec), so $PID is pluto's pid
	t0=$(cpu_ticks "$PID")
	sent=$(ip netns exec "$NS_W" "$FLOOD" 192.0.2.2 500 "$kind" "$RATE" "$SECONDS_" |
		awk '{ print $2 }')
	if [ "$kind" = init ]; then
		# the half-open SAs time out 30 s after they were made
		local half tries=350
		while [ $tries -gt 0 ]; do
			half=$($W --briefstatus | sed -n 's/.*half-open(\([0-9]*\)).*/\1/p')
			[ "${half:-0}" = 0 ] && break
			sleep 0.1
			tries=$((tries - 1))
		done
	else
		sleep 1
	fi
	t1=$(cpu_ticks "$PID")
	$W --shutdown >/dev/null 2>&1 || true
	wait "$PID" 2>/dev/null || true
	PID=""
	hz=$(getconf CLK_TCK)
	lines=$(wc -l <"$T/pluto.log")
	bytes=$(wc -c <"$T/pluto.log")
	summaries=$(grep -c 'suppressed [0-9]* similar message' "$T/pluto.log" || true)
	ticks=$((t1 - t0))
	awk -v k="$kind" -v m="$mode" -v s="${sent:-0}" -v l="$lines" -v n="$summaries" \
		-v b="$bytes" -v t="$ticks" -v hz="$hz" 'BEGIN {
			printf "%-9s %-3s %8s %7d %6d %9d %8.2f %10.2f\n", k, m, s, l, n, b, t / hz,
				(s > 0 ? t * 1000000 / hz / s : 0) }'
	if [ "$mode" = on ]; then
		grep -o '[^:]*: suppressed [0-9]* similar messages*' "$T/pluto.log" |
			awk -F': suppressed ' '{ sub(/^ /, "", $1); n[$1] += $2 }
				END { for (k in n) printf "#   %s: %d suppressed\n", k, n[k] }'
	fi
}

echo "# flood: $RATE datagrams/s for $SECONDS_ s, $WORKERS workers, $(nproc --all) CPUs"
printf '%-9s %-3s %8s %7s %6s %9s %8s %10s\n' kind log sent lines summ bytes cpu_s us/dgram
for kind in $KINDS; do
	for mode in $MODES; do
		run "$kind" "$mode"
	done
done
