#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/scale.sh: hold N concurrent IKE SAs, each with one Child SA, on one Skua responder
# (--use-none) and report the time to set them all up and the resident bytes per SA.
# The generator spreads them over ADDRS source addresses x PORTS source ports (100 x 1000
# for the default 100,000, fewer ports when the descriptor limit is lower). Bounded by SCALE_WAIT seconds. See bench/README.md.
#
#   bench/scale.sh                    # N=100000
#   N=20000 bench/scale.sh            # a smaller run on a busy box
#   N=1000000 PROBE=20000 SCALE_WAIT=1500 bench/scale.sh   # issue 14's million, with the rate
# With PROBE=P, P more clients are set up (flat out, the same half-open bound, from ports of
# their own) twice: with none held (then deleted) and once the N are held; the setup rate and
# the responder's CPU per SA of each, and their ratio (issue 14: at least 90 %), are reported.
# Environment: N, ADDRS, WORKERS (responder workers, 1), HALF_OPEN (256), SCALE_WAIT (900),
# PROBE (0: none), PROBE_PERF (1: perf record -a -C RESP_CPU during each probe, its top
# symbols in the report), BUILD.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-100000}
ADDRS=${ADDRS:-100}
# One generator socket per address and port: as many ports as the descriptor limit allows
# (raising it needs CAP_SYS_RESOURCE), the SAs spread round-robin over the pairs.
bench_ports
WORKERS=${WORKERS:-1}
HALF_OPEN=${HALF_OPEN:-256}
SCALE_WAIT=${SCALE_WAIT:-900}
PROBE=${PROBE:-0}
PROBE_PORTS=10
PROBE_PERF=${PROBE_PERF:-0}

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
[ "$PORTS" -ge 1 ] || iop_die "no descriptors left for the generator's sockets (ulimit -n)"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/scale-$stamp.md
out=$IOP_TMP/scale
mkdir -p "$out"

bench_netns "$ADDRS"
bench_skua_start sk "$NS_R" none "$WORKERS" aes_gcm128-sha2_256-dh31 aes_gcm128
sleep 1
r0=$(bench_rss "$BENCH_PID")	# idle: before any probe

# probe TAG SRC_PORT: PROBE setups from ports of their own while what is held stays; sets
# PROBE_RATE_<TAG> and PROBE_CPU_<TAG> (responder ms per SA); the generator keeps holding
# them (its pid in PROBE_PID_<TAG>)
probe() {
	local tag=$1 dir=$out/probe-$1 c0 c1 main_pid=${LG_PID:-}
	mkdir -p "$dir"
	bench_log "probe $tag: $PROBE setups"
	c0=$(bench_cpu_ticks "$BENCH_PID")
	bench_loadgen "$dir" -n "$PROBE" -S "$ADDRS" -P "$PROBE_PORTS" --src-port "$2" \
		-H "$HALF_OPEN" -t "$SCALE_WAIT"
	if [ "$PROBE_PERF" = 1 ]; then
		# system-wide on the responder's core (not -p: that inflates switch costs)
		perf record -q -a -C "$RESP_CPU" -o "$dir/perf.data" -- sleep 600 \
			>/dev/null 2>&1 &
		perf_pid=$!
	fi
	bench_wait_ready "$dir" "$((SCALE_WAIT + 120))" || bench_log "probe $tag did not finish"
	c1=$(bench_cpu_ticks "$BENCH_PID")
	if [ "$PROBE_PERF" = 1 ]; then
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid" 2>/dev/null
		perf report -q -i "$dir/perf.data" --pid "$BENCH_PID" --no-children --sort dso,sym --percent-limit 1.5 \
			--stdio 2>/dev/null | head -n 30 >"$out/perf-$tag.txt"
	fi
	printf -v "PROBE_UP_$tag" '%s' "$(json_num "$dir/lg.json" ike_established)"
	printf -v "PROBE_RATE_$tag" '%s' "$(json_num "$dir/lg.json" setups_per_s)"
	printf -v "PROBE_CPU_$tag" '%s' "$(awk -v a="$c0" -v b="$c1" -v tk="$CLK_TCK" \
		-v n="$PROBE" 'BEGIN { printf "%.3f", (b - a) * 1000 / tk / n }')"
	printf -v "PROBE_PID_$tag" '%s' "$LG_PID"
	LG_PID=$main_pid
}
if [ "$PROBE" -gt 0 ]; then
	probe none 40000
	# its clients go (the generator deletes them) before the N come
	LG_PID=$PROBE_PID_none
	bench_loadgen_stop
	LG_PID=
	sleep 2
fi
t0=$(bench_cpu_ticks "$BENCH_PID")
bench_log "holding $N SAs from $ADDRS addresses x $PORTS ports"
wall0=$(date +%s.%N)
bench_loadgen "$out" -n "$N" -S "$ADDRS" -P "$PORTS" --src-port 10000 -H "$HALF_OPEN" \
	-t "$SCALE_WAIT"
bench_wait_ready "$out" "$((SCALE_WAIT + 120))" || bench_log "the generator did not finish in time"
wall1=$(date +%s.%N)
sleep 2
t1=$(bench_cpu_ticks "$BENCH_PID")
r1=$(bench_rss "$BENCH_PID")
held=$(skua_whack sk --globalstats 2>/dev/null | tr -s ' ' | grep -iE 'ike.*(up|established)' | head -n 3)
if [ "$PROBE" -gt 0 ]; then
	probe held 45000
	main_pid=$LG_PID
	LG_PID=$PROBE_PID_held
	bench_loadgen_stop
	LG_PID=$main_pid
fi
bench_loadgen_stop
cat "$out/lg.out"
up=$(json_num "$out/lg.json" ike_established)
child=$(json_num "$out/lg.json" child_established)
rate=$(json_num "$out/lg.json" setups_per_s)
elapsed=$(json_num "$out/lg.json" elapsed_s)
{
	echo "# Scale run, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "Skua pluto --use-none, $WORKERS worker(s) pinned to CPU $RESP_CPU; skua-loadgen on CPU"
	echo "$GEN_CPU from $ADDRS addresses x $PORTS ports, at most $HALF_OPEN half-open."
	echo
	echo "| asked | IKE SAs up | Child SAs up | time to set up all (s) | setups/s | responder RSS idle → holding (MiB) | resident B per IKE SA + Child SA | responder CPU ms/SA |"
	echo "|---|---|---|---|---|---|---|---|"
	awk -v n="$N" -v up="${up:-0}" -v ch="${child:-0}" -v el="${elapsed:-0}" -v rt="${rate:-0}" \
		-v r0="$r0" -v r1="$r1" -v t0="$t0" -v t1="$t1" -v tk="$CLK_TCK" 'BEGIN {
		printf "| %d | %d | %d | %.1f | %.0f | %.1f → %.1f | %s | %s |\n", n, up, ch, el, rt,
			r0 / 1048576, r1 / 1048576, (up > 0 ? sprintf("%.0f", (r1 - r0) / up) : "-"),
			(up > 0 ? sprintf("%.3f", (t1 - t0) * 1000 / tk / up) : "-")
	}'
	echo
	echo "Wall time of the generator run (start to summary): $(awk -v a="$wall0" -v b="$wall1" 'BEGIN { printf "%.1f", b - a }') s."
	[ -n "$held" ] && { echo; echo "Responder's whack --globalstats while holding:"; echo; echo '```'; echo "$held"; echo '```'; }
	if [ "$PROBE" -gt 0 ]; then
		echo
		echo "The setup rate with none and with the $N held: $PROBE more clients each time"
		echo "(flat out, at most $HALF_OPEN half-open, from $ADDRS addresses x $PROBE_PORTS ports of their own)."
		echo
		echo "| held | probe IKE SAs up | setups/s | responder CPU ms/SA |"
		echo "|---|---|---|---|"
		echo "| 0 | ${PROBE_UP_none:-0} | ${PROBE_RATE_none:-0} | $PROBE_CPU_none |"
		echo "| $N | ${PROBE_UP_held:-0} | ${PROBE_RATE_held:-0} | $PROBE_CPU_held |"
		echo
		for t in none held; do
			[ -s "$out/perf-$t.txt" ] || continue
			echo
			[ "$t" = none ] && what="none" || what="the $N"
			echo "perf record -a -C $RESP_CPU during the probe with $what held, pluto's samples (symbols over 1.5 % of all):"
			echo
			echo '```'
			cat "$out/perf-$t.txt"
			echo '```'
		done
		echo
		awk -v a="${PROBE_RATE_none:-0}" -v b="${PROBE_RATE_held:-0}" -v c="$PROBE_CPU_none" \
			-v d="$PROBE_CPU_held" 'BEGIN {
			if (a > 0 && c > 0)
				printf "Rate with %s held / with none: **%.0f %%** (issue 14: at least 90 %%); CPU per SA %.2fx.\n", "'"$N"'", 100 * b / a, d / c
		}'
	fi
} >"$md"
cat "$md"
echo "# written to $md" >&2
