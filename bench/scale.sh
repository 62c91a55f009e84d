#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/scale.sh: hold N concurrent IKE SAs, each with one Child SA, on one Skua responder
# (--use-none) and report the time to set them all up and the resident bytes per SA.
# The generator spreads them over ADDRS source addresses x PORTS source ports (100 x 1000
# for the default 100,000, fewer ports when the descriptor limit is lower). Bounded by SCALE_WAIT seconds. See bench/README.md.
#
#   bench/scale.sh                    # N=100000
#   N=20000 bench/scale.sh            # a smaller run on a busy box
# Environment: N, ADDRS, WORKERS (responder workers, 1), HALF_OPEN (256), SCALE_WAIT (900),
# BUILD.
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
t0=$(bench_cpu_ticks "$BENCH_PID")
r0=$(bench_rss "$BENCH_PID")
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
} >"$md"
cat "$md"
echo "# written to $md" >&2
