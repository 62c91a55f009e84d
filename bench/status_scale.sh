#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/status_scale.sh: whack --status and a scrape of /metrics with N IKE SAs (each with a
# Child SA) held, while setups continue. A probe generator sets up PROBE SAs at PROBE_RATE/s
# (each deleted once up, so N stays held) twice: once alone, once while whack --status runs
# back to back and /metrics is scraped every 0.2 s. It prints how long each --status took and
# how many lines it gave, the slowest scrape, and the probe's setup latency both times: the
# listing walks each worker's SAs a slice at a time, so the setups should barely notice it.
# The target (issue 12): --status completes at 100,000 SAs while setups continue, a scrape
# stays under 100 ms. See bench/README.md.
#
#   bench/status_scale.sh                 # N=100000
#   N=20000 bench/status_scale.sh         # a smaller run on a busy box
# Environment: N, ADDRS (100), WORKERS (1), HALF_OPEN (256), PROBE (3000), PROBE_RATE (300),
# SCALE_WAIT (900), BUILD.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-100000}
ADDRS=${ADDRS:-100}
bench_ports
WORKERS=${WORKERS:-1}
HALF_OPEN=${HALF_OPEN:-256}
SCALE_WAIT=${SCALE_WAIT:-900}
PROBE=${PROBE:-3000}
PROBE_RATE=${PROBE_RATE:-300}
MPORT=9464

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
command -v curl >/dev/null || iop_die "curl not installed: run scripts/setup"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/status-scale-$stamp.md
out=$IOP_TMP/status
mkdir -p "$out"

SKUA_PLUTO_ARGS="--metrics 127.0.0.1:$MPORT"
bench_netns "$ADDRS"
bench_skua_start sk "$NS_R" none "$WORKERS" aes_gcm128-sha2_256-dh31 aes_gcm128
sleep 1

# probe NAME FIRST_PORT: PROBE setups at PROBE_RATE/s from every address, each torn down once
# up; waits for it (bounded) and leaves its JSON in $out/NAME.json
probe_start() {
	local name=$1 port=$2 per=$(((PROBE + ADDRS - 1) / ADDRS))
	ip netns exec "$NS_L" taskset -c "$GEN_CPU" "$LOADGEN" -r "$R4" -s 198.18.0.1 \
		-S "$ADDRS" -P "$per" --src-port "$port" -n "$PROBE" -R "$PROBE_RATE" \
		-H "$HALF_OPEN" --teardown -t 300 --psk "$BENCH_PSK" --json "$out/$name.json" -q \
		>"$out/$name.out" 2>&1 &
	PROBE_PID=$!
}
probe_wait() {
	local _
	for _ in $(seq 3000); do
		kill -0 "$PROBE_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$PROBE_PID" 2>/dev/null
	wait "$PROBE_PID" 2>/dev/null
}
# p99 and established count of a probe, as "p99 ms (up/asked)"
probe_line() {
	local f=$out/$1.json p99 up
	p99=$(sed -n 's/.*"latency_ms": {[^}]*"p99": \([0-9.]*\).*/\1/p' "$f" 2>/dev/null | head -n1)
	up=$(json_num "$f" ike_established)
	echo "p50 $(sed -n 's/.*"latency_ms": {"p50": \([0-9.]*\).*/\1/p' "$f" | head -n1) ms," \
		"p99 ${p99:-?} ms, ${up:-0}/$PROBE up"
}

bench_log "holding $N SAs from $ADDRS addresses x $PORTS ports"
bench_loadgen "$out" -n "$N" -S "$ADDRS" -P "$PORTS" --src-port 10000 -H "$HALF_OPEN" \
	-t "$SCALE_WAIT"
bench_wait_ready "$out" "$((SCALE_WAIT + 120))" || bench_log "the generator did not finish in time"
sleep 2
held=$(skua_whack sk --globalstatus 2>/dev/null | sed -n 's/^current\.states\.ike=//p')

bench_log "probe alone: $PROBE setups at $PROBE_RATE/s"
probe_start alone 40000
probe_wait

bench_log "probe with whack --status back to back and scrapes"
probe_start listed 50000
: >"$out/status-times"
: >"$out/scrape-times"
(
	while kill -0 "$PROBE_PID" 2>/dev/null; do
		ip netns exec "$NS_R" curl -sf -o /dev/null -w '%{time_total}\n' \
			"http://127.0.0.1:$MPORT/metrics" >>"$out/scrape-times" || echo fail >>"$out/scrape-times"
		sleep 0.2
	done
) &
scraper=$!
for _ in $(seq 50); do
	kill -0 "$PROBE_PID" 2>/dev/null || break
	t0=$(date +%s%N)
	skua_whack sk --status >"$out/status.txt" 2>&1
	rc=$?
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000)) $(wc -l <"$out/status.txt") $rc" >>"$out/status-times"
done
probe_wait
wait "$scraper" 2>/dev/null
bench_loadgen_stop

statuses=$(wc -l <"$out/status-times")
status_ms=$(sort -n "$out/status-times" | awk '{ t[++n] = $1; l = $2; if ($3 != 0) bad++ }
	END { if (n) printf "min %d ms, median %d ms, max %d ms, %d lines each, %d failed", t[1],
		t[int((n + 1) / 2)], t[n], l, bad }')
scrape_ms=$(grep -v fail "$out/scrape-times" | sort -n | awk '{ t[++n] = $1 * 1000 }
	END { if (n) printf "%d scrapes: median %.1f ms, max %.1f ms", n, t[int((n + 1) / 2)], t[n] }')
scrape_fail=$(grep -c fail "$out/scrape-times")
{
	echo "# --status and /metrics at scale, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "Skua pluto --use-none, $WORKERS worker(s) on CPU $RESP_CPU; the generators, whack and"
	echo "curl on CPU $GEN_CPU; ${held:-?} IKE SAs held (of $N asked); load average $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "- probe alone ($PROBE setups at $PROBE_RATE/s, torn down once up): $(probe_line alone)"
	echo "- probe while listed: $(probe_line listed)"
	echo "- whack --status, $statuses runs back to back: $status_ms"
	echo "- /metrics during them: $scrape_ms, $scrape_fail failed"
} >"$md"
cat "$md"
echo "# written to $md" >&2
