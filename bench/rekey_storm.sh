#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/rekey_storm.sh: N SAs (default 100,000) held by skua-loadgen against one Skua
# responder (--use-none), both ends with short lifetimes, long enough that every IKE SA
# and every Child SA rekeys at least once; Child SAs rekey from either end (whichever
# timer fires first), IKE SAs from the generator (the original initiator). Reports
# rekeys per second, responder CPU per rekey, failures, lapsed SAs, the rekey delays and
# what shows a stall. Run by hand, as root; see bench/README.md.
#
#   bench/rekey_storm.sh                   # N=100000: about 7 minutes
#   N=5000 bench/rekey_storm.sh            # a quick one
# Environment: N, ADDRS (100), WORKERS (responder workers, 1), HALF_OPEN (256),
# IKELIFETIME (300), IPSECLIFETIME (240), REKEYMARGIN (60), REKEYFUZZ (100),
# HOLD (seconds after the setup: IKELIFETIME + 45 by default, so that every SA has
# rekeyed and a missed rekey shows as a lapse), SETUP_WAIT (900), ESP (aes_gcm128), BUILD.
#
# With these lifetimes a Child SA is rekeyed 120..180 s after it is made by whichever end's
# timer fires first (each end draws its own fuzz), its replacement again 120..180 s later;
# the generator rekeys each IKE SA 180..240 s after it is made, and the responder would
# delete an IKE SA that is not rekeyed after 300 s. The setup must be over before the first
# rekey (120 s): the script says so when it is not.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-100000}
ADDRS=${ADDRS:-100}
bench_ports
WORKERS=${WORKERS:-1}
HALF_OPEN=${HALF_OPEN:-256}
IKELIFETIME=${IKELIFETIME:-300}
IPSECLIFETIME=${IPSECLIFETIME:-240}
REKEYMARGIN=${REKEYMARGIN:-60}
REKEYFUZZ=${REKEYFUZZ:-100}
HOLD=${HOLD:-$((IKELIFETIME + 45))}
SETUP_WAIT=${SETUP_WAIT:-900}
ESP=${ESP:-aes_gcm128}
IKE=aes_gcm128-sha2_256-dh31
LIFE="--ikelifetime $IKELIFETIME --ipseclifetime $IPSECLIFETIME --rekeymargin $REKEYMARGIN --rekeyfuzz $REKEYFUZZ"

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
[ "$PORTS" -ge 1 ] || iop_die "no descriptors left for the generator's sockets (ulimit -n)"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/rekey-storm-$stamp.md
out=$IOP_TMP/storm
mkdir -p "$out"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# json_hold KEY: a number of the generator's "hold" object (keys indented by four)
json_hold() { sed -n "s/^    \"$1\": \\([0-9.e+-]*\\),*$/\\1/p" "$out/lg.json" | head -n1; }
# stat KEY FILE: a value of whack --globalstats output
stat() { sed -n "s/^[0-9]* *$1=\\([0-9]*\\)$/\\1/p" "$2" | head -n1; }
# rounds FILE: worker 0's event-loop rounds by bucket as "bound count" lines
rounds() {
	sed -n 's/^[0-9]* *worker 0: event-loop rounds \(.*\); busy.*/\1/p' "$1" |
		tr ',' '\n' | sed -n 's/^ *\([<>=]*[0-9]*\) ms \([0-9]*\)$/\1 \2/p'
}

# run_wait_ms PID: how long the process's threads were runnable but waited for a CPU (ms,
# schedstat): time another process (or thread) had the CPU they are pinned to
run_wait_ms() { cat "/proc/$1"/task/*/schedstat 2>/dev/null | awk '{ s += $2 } END { printf "%d", s / 1e6 }'; }

bench_netns "$ADDRS"
BENCH_CONN_OPTS=$LIFE bench_skua_start sk "$NS_R" none "$WORKERS" "$IKE" "$ESP"
sleep 1
bench_log "$N SAs from $ADDRS addresses x $PORTS ports; lifetimes $LIFE; hold $HOLD s after the setup"
# shellcheck disable=SC2086 # LIFE is a list of options
bench_loadgen "$out" -n "$N" -S "$ADDRS" -P "$PORTS" --src-port 10000 -H "$HALF_OPEN" \
	-t "$SETUP_WAIT" --esp "$ESP" $LIFE --hold "$HOLD" --held "$out/held"
bench_wait_ready "$out" "$((SETUP_WAIT + 120))" || {
	cat "$out/lg.out" >&2
	iop_die "the generator did not finish its setup in time"
}
t0=$(bench_cpu_ticks "$BENCH_PID")
wait_r0=$(run_wait_ms "$BENCH_PID")
wait_l0=$(run_wait_ms "$LG_PID")
drops_r0=$(bench_udp_drops "$NS_R")
drops_l0=$(bench_udp_drops "$NS_L")
skua_whack sk --globalstats >"$out/stats0" 2>&1
skua_whack sk --processstatus >"$out/proc0" 2>&1
bench_log "set up: $(grep -m1 'IKE SAs established' "$out/ready" | tr -s ' '); holding"
end=$((SECONDS + HOLD + 120))
while [ ! -s "$out/held" ]; do
	kill -0 "$LG_PID" 2>/dev/null || iop_die "the generator exited during the hold"
	[ "$SECONDS" -ge "$end" ] && iop_die "the hold did not end in time"
	sleep 0.2
done
t1=$(bench_cpu_ticks "$BENCH_PID")
wait_r=$(($(run_wait_ms "$BENCH_PID") - wait_r0))
wait_l=$(($(run_wait_ms "$LG_PID") - wait_l0))
drops_r=$(($(bench_udp_drops "$NS_R") - drops_r0))
drops_l=$(($(bench_udp_drops "$NS_L") - drops_l0))
skua_whack sk --globalstats >"$out/stats1" 2>&1
skua_whack sk --processstatus >"$out/proc1" 2>&1
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$BENCH_PID/status")
children=$(pgrep -c -P "$BENCH_PID" || true)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
bench_loadgen_stop
cat "$out/lg.out"

up=$(json_num "$out/lg.json" ike_established)
child=$(json_num "$out/lg.json" child_established)
setup_s=$(json_num "$out/lg.json" elapsed_s)
ike_rk=$(json_hold ike_rekeyed)
child_rk=$(json_hold child_rekeyed)
started=$(json_hold rekeys_started)
rate=$(json_hold rekeys_per_s)
peak=$(json_hold rekeys_peak_per_s)
window=$(json_hold rekey_window_s)
failed=$(json_hold rekey_failed)
refused=$(json_hold rekey_refused)
child_failed=$(json_hold child_failed)
dead=$(json_hold peer_dead)
ike_lapsed=$(json_hold ike_lapsed)
child_lapsed=$(json_hold child_lapsed)
ike_never=$(json_hold ike_never_rekeyed)
child_never=$(json_hold child_never_rekeyed)
tx_re=$(json_hold tx_retransmit)
rx_re=$(json_hold rx_retransmit)
gen_round=$(json_hold gen_round_ms_under)
p50=$(sed -n 's/.*"rekey_delay_ms_under": {"p50": \([-0-9]*\), "p90": \([-0-9]*\), "p99": \([-0-9]*\), "max": \([-0-9]*\)}.*/\1 \2 \3 \4/p' "$out/lg.json")
read -r q50 q90 q99 qmax <<<"${p50:-- - - -}"
first_rekeys=$(sed -n 's/.*{"t": 0, "ike_rekeyed": \([0-9]*\), "child_rekeyed": \([0-9]*\),.*/\1 \2/p' "$out/lg.json" | awk '{ print $1 + $2 }')
# The responder's own counters over the hold, and its longest event-loop round in it.
# (a name the responder does not print gives "-": whack --globalstats is the responder's only window)
r_delta() {
	local a b
	a=$(stat "$1" "$out/stats0")
	b=$(stat "$1" "$out/stats1")
	if [ -n "$a" ] && [ -n "$b" ]; then echo $((b - a)); else echo -; fi
}
r_ike_rk=$(r_delta skua.total.rekeys.ike)
r_child_rk=$(r_delta skua.total.rekeys.child)
r_failed=$(r_delta skua.total.rekeys.failed)
r_tf_sent=$(r_delta skua.total.temporary.failures.sent)
r_ike_exp=$(r_delta skua.total.sas.expired.ike)
r_child_exp=$(r_delta skua.total.sas.expired.child)
r_retrans=$(r_delta skua.total.ike.retransmits)
r_ike_up=$(stat skua.current.ike.sas.established "$out/stats1")
r_child_up=$(stat skua.current.child.sas "$out/stats1")
# The highest bucket that grew during the hold: "<4" (under 4 ms) or ">=1024".
r_round=$(join -a1 <(rounds "$out/proc1" | sort) <(rounds "$out/proc0" | sort) |
	awk '$2 > ($3 == "" ? 0 : $3) {
		v = $1; ge = sub(/^>=/, "", v); sub(/^</, "", v)
		print v + (ge ? 0.5 : 0), $1
	}' | sort -n | tail -n1 | cut -d' ' -f2)
r_longest=$(rounds "$out/proc1" | awk '{
	v = $1; ge = sub(/^>=/, "", v); sub(/^</, "", v)
	print v + (ge ? 0.5 : 0), $1
}' | sort -n | tail -n1 | cut -d' ' -f2)
total_rk=$((${ike_rk:-0} + ${child_rk:-0}))
cpu_per=$(awk -v a="$t0" -v b="$t1" -v tk="$CLK_TCK" -v n="$total_rk" \
	'BEGIN { if (n > 0) printf "%.3f", (b - a) * 1000 / tk / n; else print "-" }')
cpu_s=$(awk -v a="$t0" -v b="$t1" -v tk="$CLK_TCK" 'BEGIN { printf "%.1f", (b - a) / tk }')

verdict=ok
bad=""
[ "${failed:-1}" -eq 0 ] || bad="$bad rekeys-failed"
[ "${child_failed:-1}" -eq 0 ] || bad="$bad child-install-failed"
[ "${dead:-1}" -eq 0 ] || bad="$bad peers-dead"
[ "${ike_lapsed:-1}" -eq 0 ] && [ "${child_lapsed:-1}" -eq 0 ] || bad="$bad lapsed"
[ "${ike_never:-1}" -eq 0 ] && [ "${child_never:-1}" -eq 0 ] || bad="$bad not-all-rekeyed"
[ "${up:-0}" -eq "$N" ] && [ "${child:-0}" -eq "$N" ] || bad="$bad setup-incomplete"
[ -z "$bad" ] || verdict="NOT OK:$bad"

{
	echo "# Rekey storm, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "Skua pluto --use-none, $WORKERS worker(s) on CPU $RESP_CPU; skua-loadgen on CPU $GEN_CPU from"
	echo "$ADDRS addresses x $PORTS ports. Both ends: \`$LIFE\`, ESP \`$ESP\`"
	echo "(no PFS unless the proposal asks for it). Held $HOLD s after the setup. Load average"
	echo "(1/5/15 min) $load0 at the start, $load1 at the end, on $(nproc --all) CPUs."
	echo
	echo "| SAs | set up in (s) | IKE rekeys | Child rekeys (by generator / by responder) | rekeys/s (mean / busiest s) | responder CPU ms/rekey | failures | lapsed IKE / Child | rekey delay p50 / p90 / p99 / max (ms) | retransmits (gen / resp) | longest loop round ms (resp / gen) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	printf '| %s | %s | %s | %s (%s / %s) | %s / %s | %s | %s | %s / %s | <%s / <%s / <%s / <%s | %s / %s | %s / <%s |\n' \
		"$N" "$(printf %.1f "${setup_s:-0}")" "${ike_rk:--}" "${child_rk:--}" \
		"$((${started:-0} - ${ike_rk:-0}))" "$((${child_rk:-0} - (${started:-0} - ${ike_rk:-0})))" \
		"${rate:--}" "${peak:--}" "$cpu_per" \
		"$((${failed:-0} + ${child_failed:-0} + ${dead:-0}))" "${ike_lapsed:--}" "${child_lapsed:--}" \
		"$q50" "$q90" "$q99" "$qmax" "${tx_re:--}" "${r_retrans:--}" "${r_round:--}" "${gen_round:--}"
	echo
	echo "- verdict: **$verdict** (failures, lapses and SAs never rekeyed must all be 0)"
	echo "- generator: rekeys failed ${failed:--} (refused by the responder ${refused:--}), Child SA installs failed ${child_failed:--}, peers declared dead ${dead:--}; never rekeyed: IKE ${ike_never:--}, Child ${child_never:--}; rekeys over ${window:--} s"
	echo "- responder, over the hold: IKE rekeyed $r_ike_rk, Child rekeyed $r_child_rk, rekeys it started that failed $r_failed, TEMPORARY_FAILURE sent $r_tf_sent, SAs that ran out of lifetime: IKE $r_ike_exp, Child $r_child_exp; up at the end: IKE ${r_ike_up:--}, Child ${r_child_up:--} (replaced Child SAs whose Delete is under way included)"
	echo "- responder CPU over the hold: $cpu_s s (all $threads threads of the process, and the child processes it ran and reaped meanwhile; ${children:-0} running at the end) for $total_rk rekeys (IKE + Child as the generator counted them)"
	echo "- stalls: the generator retransmitted ${tx_re:--} requests during the hold (unanswered for 0.5 s or more) and answered ${rx_re:--} retransmissions of the responder's; the responder's worker 0's longest event-loop round during the hold was ${r_round:-?} ms (log2 buckets; the longest since it started, setup included: ${r_longest:--} ms; a round is wall-clock time from waking to waiting again, preemption by other processes included); the generator's longest round in the hold was under ${gen_round:--} ms; datagrams dropped for a full socket receive buffer during the hold: $drops_r at the responder, $drops_l at the generator (a retransmission follows each); time the processes' threads were runnable but waited for their CPU during the hold (schedstat: other work had it; this box is shared and the run is niced): responder $(awk -v m="$wait_r" 'BEGIN { printf "%.1f", m / 1000 }') s, generator $(awk -v m="$wait_l" 'BEGIN { printf "%.1f", m / 1000 }') s"
	if [ "${first_rekeys:-0}" -gt 0 ]; then
		echo "- note: $first_rekeys rekeys happened before the setup ended (it took longer than the first rekey time): the CPU per rekey above covers only the hold"
	fi
	echo
	echo "Generator summary:"
	echo
	echo '```'
	cat "$out/lg.out"
	echo '```'
} >"$md"
cp "$out/lg.json" "$results/rekey-storm-$stamp.json"
cat "$md"
echo "# written to $md" >&2
[ "$verdict" = ok ]
