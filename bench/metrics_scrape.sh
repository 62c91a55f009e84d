#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/metrics_scrape.sh: how long a scrape of pluto's /metrics takes with N IKE SAs (each
# with a Child SA) held, as scale.sh holds them: SCRAPES scrapes idle and SCRAPES holding,
# plain and gzip, plus whack --globalstatus. The target is < 100 ms at 100,000 SAs; a scrape
# reads the workers' counters and gauges, so it should not depend on N at all (the per-SA
# series, PER_SA=1, do: they are off by default). See bench/README.md.
#
#   bench/metrics_scrape.sh                 # N=100000
#   N=20000 bench/metrics_scrape.sh         # a smaller run on a busy box
#   PER_SA=1 N=20000 bench/metrics_scrape.sh
# Environment: N, ADDRS (100), WORKERS (1), HALF_OPEN (256), SCRAPES (20), PER_SA (0),
# SCALE_WAIT (900), BUILD.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-100000}
ADDRS=${ADDRS:-100}
bench_ports
WORKERS=${WORKERS:-1}
HALF_OPEN=${HALF_OPEN:-256}
SCALE_WAIT=${SCALE_WAIT:-900}
SCRAPES=${SCRAPES:-20}
PER_SA=${PER_SA:-0}
MPORT=9464

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
command -v curl >/dev/null || iop_die "curl not installed: run scripts/setup"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/metrics-scrape-$stamp.md
out=$IOP_TMP/scrape
mkdir -p "$out"

SKUA_PLUTO_ARGS="--metrics 127.0.0.1:$MPORT"
[ "$PER_SA" = 1 ] && SKUA_PLUTO_ARGS="$SKUA_PLUTO_ARGS --metrics-per-sa"
bench_netns "$ADDRS"
bench_skua_start sk "$NS_R" none "$WORKERS" aes_gcm128-sha2_256-dh31 aes_gcm128
sleep 1

# scrape LABEL [curl options]: SCRAPES scrapes from the responder's namespace (curl on the
# generator's core); prints "label | min | median | max ms | bytes" and keeps the last body
scrape() {
	local label=$1 i
	shift
	for i in $(seq "$SCRAPES"); do
		ip netns exec "$NS_R" taskset -c "$GEN_CPU" curl -sf "$@" -o "$out/body" \
			-w '%{time_total} %{size_download}\n' "http://127.0.0.1:$MPORT/metrics" ||
			echo "fail 0"
	done >"$out/times"
	sort -n "$out/times" | awk -v label="$label" '
		$1 == "fail" { fails++; next }
		{ t[++n] = $1 * 1000; bytes = $2 }
		END {
			if (!n) { printf "| %s | - | - | - | - | %d failed |\n", label, fails; exit }
			printf "| %s | %.1f | %.1f | %.1f | %d | %s |\n", label, t[1], t[int((n + 1) / 2)],
				t[n], bytes, fails ? fails " failed" : "" }'
}

# globalstatus: wall ms of one whack --globalstatus
globalstatus_ms() {
	local t0 t1
	t0=$(date +%s%N)
	skua_whack sk --globalstatus >"$out/globalstatus" 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

idle_plain=$(scrape "idle (0 SAs)")
idle_gs=$(globalstatus_ms)
bench_log "holding $N SAs from $ADDRS addresses x $PORTS ports"
bench_loadgen "$out" -n "$N" -S "$ADDRS" -P "$PORTS" --src-port 10000 -H "$HALF_OPEN" \
	-t "$SCALE_WAIT"
# While the generator sets the SAs up (a tenth of them up, bounded): the scrapes run beside
# the workers, never stopping them.
for _ in $(seq 600); do
	started=$(ip netns exec "$NS_R" curl -sf "http://127.0.0.1:$MPORT/metrics" |
		awk '/^skua_ike_sas_started_total/ { s += $2 } END { print s + 0 }')
	[ "$started" -ge $((N / 10)) ] && break
	sleep 0.2
done
during=$(scrape "during the setups")
bench_wait_ready "$out" "$((SCALE_WAIT + 120))" || bench_log "the generator did not finish in time"
sleep 2
held_plain=$(scrape "holding, plain")
held_gzip=$(scrape "holding, gzip" --compressed)
held_gs=$(globalstatus_ms)
established=$(sed -n 's/^total\.ike\.ikev2\.established=//p' "$out/globalstatus")
ike_now=$(sed -n 's/^current\.states\.ike=//p' "$out/globalstatus")
series=$(grep -vc '^#' "$out/body")
bench_loadgen_stop
up=$(json_num "$out/lg.json" ike_established)
rate=$(json_num "$out/lg.json" setups_per_s)
{
	echo "# Metrics scrape at scale, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "Skua pluto --use-none, $WORKERS worker(s) on CPU $RESP_CPU, $SKUA_PLUTO_ARGS;"
	echo "skua-loadgen and curl on CPU $GEN_CPU; $N SAs asked, ${up:-0} up (${rate:-0} setups/s"
	echo "while scraped); $SCRAPES scrapes per row, each a new connection."
	echo
	echo "| scrape of /metrics | min ms | median ms | max ms | bytes | |"
	echo "|---|---|---|---|---|---|"
	echo "$idle_plain"
	echo "$during"
	echo "$held_plain"
	echo "$held_gzip"
	echo
	echo "whack --globalstatus: ${idle_gs} ms idle, ${held_gs} ms holding"
	echo "(total.ike.ikev2.established=${established:-?}, current.states.ike=${ike_now:-?});"
	echo "the exposition holding: $series sample lines."
} >"$md"
cat "$md"
echo "# written to $md" >&2
