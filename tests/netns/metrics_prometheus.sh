#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The metrics endpoint against a real Prometheus server: a pluto responder
# (--use-none, 2 workers, --metrics) in one namespace with a Prometheus of its
# own (Debian's binary, its own configuration and data in a temp dir, scraping
# every second; never the system service), the load generator in the other.
# Asserts through Prometheus' HTTP API that the established-SA counter is the
# generator's count, that the latency histograms have observations and that the
# address pool gauges (the connection has an IPv4 and an IPv6 pool; each client,
# with an ID of its own, asks for an address of each in IKE_AUTH) are what
# whack --addresspoolstatus says and the number of clients; then
# whack --globalstatus with libreswan's keys, --clearstats (the text forms
# restart, the endpoint's counters do not), gzip, and the refusal of a bad or
# taken ADDR:PORT at start.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"
LOADGEN=$BUILD/bench/skua-loadgen
N=${METRICS_TEST_SAS:-1100}	# > 1,024 rows per worker (2 workers): the listings come in slices and blocks
PSK="metrics test secret"
MPORT=9464
PPORT=9465

for t in prometheus promtool curl; do
	command -v $t >/dev/null || { echo "not ok - $t not installed: run scripts/setup"; exit 1; }
done
[ -x "$LOADGEN" ] || { echo "not ok - $LOADGEN not built"; exit 1; }

T=$(mktemp -d /tmp/skua-metrics.XXXXXX)
netns_pair "skm$$"
cleanup() {
	[ -n "${LG_PID:-}" ] && kill -KILL "$LG_PID" 2>/dev/null
	[ -n "${PROM_PID:-}" ] && kill -TERM "$PROM_PID" 2>/dev/null
	netns_cleanup
	if [ "$FAILS" -ne 0 ] || [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
ip -n "$NS_W" link set lo up
ip -n "$NS_E" link set lo up
wait_for 5 ip netns exec "$NS_W" ping -c1 -W1 192.0.2.2 || true

inE() { ip netns exec "$NS_E" "$@"; }
WE="inE $WHACK --rundir $T/e"

mkdir -p "$T/bad"
# ---- a bad or taken ADDR:PORT is refused at start ----
expect_status 1 "--metrics without a port" inE "$PLUTO" --nofork --stderrlog --rundir "$T/bad" \
	--use-none --metrics 127.0.0.1
expect_match "it says what was wrong" "pluto: --metrics 127.0.0.1: no port: expected ADDR:PORT"
expect_status 1 "--metrics-per-sa alone" inE "$PLUTO" --nofork --stderrlog --rundir "$T/bad" \
	--use-none --metrics-per-sa
expect_match "it says --metrics is missing" "without --metrics"

# ---- the responder ----
printf '%%any : PSK "%s"\n' "$PSK" >"$T/secrets"
chmod 600 "$T/secrets"
mkdir -p "$T/e"
# Each generator client has an ID of its own (@lgN.example): pluto's default --uniqueids.
ip netns exec "$NS_E" "$PLUTO" --nofork --stderrlog --rundir "$T/e" --use-none --nhelpers 2 \
	--secretsfile "$T/secrets" --metrics "127.0.0.1:$MPORT" >"$T/e.out" \
	2>"$T/e.log" &
PLUTO_PID=$!
if wait_for 10 grep -q "Pluto initialized" "$T/e.out"; then
	ok "pluto started with --metrics 127.0.0.1:$MPORT"
else
	not_ok "pluto did not start"
	sed 's/^/#   /' "$T/e.log"
	finish
fi
expect_status 1 "a second pluto on the same ADDR:PORT" inE "$PLUTO" --nofork --stderrlog \
	--rundir "$T/bad" --use-none --metrics "127.0.0.1:$MPORT"
expect_match "it says the address is in use" \
	"--metrics 127.0.0.1:$MPORT: cannot serve metrics there: Address already in use"

expect_status 0 "listen" $WE --listen
POOL4=10.64.0.0-10.64.15.255	# 4,096 and 8,192 addresses: > N
POOL6=2001:db8:64::-2001:db8:64::1fff
expect_status 0 "add the road-warrior connection, with an IPv4 and an IPv6 pool" $WE --name rw \
	--ikev2 --psk --encrypt --tunnel --host 192.0.2.2 --client 0.0.0.0/0 --modecfgserver --to \
	--host %any --addresspool 10.64.0.0/20,2001:db8:64::/115 --ike aes_gcm128-sha2_256-dh31 \
	--esp aes_gcm128 --dontrekey

# ---- the endpoint itself ----
expect_status 0 "GET /metrics" inE curl -sf -o "$T/first.txt" "http://127.0.0.1:$MPORT/metrics"
expect_status 0 "promtool accepts the exposition" promtool check metrics <"$T/first.txt"
expect_status 0 "gzip when asked" inE curl -sf -D "$T/gz.headers" --compressed \
	-o "$T/gz.txt" "http://127.0.0.1:$MPORT/metrics"
expect_status 0 "the response was gzip-encoded" grep -qi '^Content-Encoding: gzip' "$T/gz.headers"
expect_status 0 "... and decodes to the exposition" grep -q '^# TYPE skua_ike_sas gauge' "$T/gz.txt"
expect_status 0 "the connection is visible while down" \
	grep -q '^skua_connection_up{name="rw"} 0$' "$T/gz.txt"

# ---- Prometheus, scraping every second ----
mkdir -p "$T/prom"
cat >"$T/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: skua
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
ip netns exec "$NS_E" prometheus --config.file="$T/prom/prometheus.yml" \
	--storage.tsdb.path="$T/prom/data" --web.listen-address="127.0.0.1:$PPORT" \
	--log.level=warn >"$T/prom.log" 2>&1 &
PROM_PID=$!
if wait_for 20 inE curl -sf "http://127.0.0.1:$PPORT/-/ready"; then
	ok "prometheus ready"
else
	not_ok "prometheus did not start"
	tail -n 20 "$T/prom.log" | sed 's/^/#   /'
	finish
fi

# q EXPR: the first value of an instant query ("" when there is none)
q() {
	inE curl -sf --get --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" |
		sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'
}
# q_is SECONDS EXPR WANT: poll until the query answers WANT
q_is() {
	local end=$((SECONDS + $1)) got=""
	while [ "$SECONDS" -le "$end" ]; do
		got=$(q "$2")
		[ "$got" = "$3" ] && return 0
		sleep 0.5
	done
	echo "#   $2 = '$got', expected '$3'"
	return 1
}
q_is 10 'up{job="skua"}' 1 && ok "prometheus scrapes pluto" || not_ok "prometheus does not scrape pluto"

# pools_match WANT_IN_USE: for each pool whack --addresspoolstatus lists, its in-use and free
# figures are WANT_IN_USE and the rest, and Prometheus' skua_pool_leases says the same
pools_match() {
	local st line pool size inuse free n=0 bad=0
	st=$($WE --addresspoolstatus 2>&1 | sed -nE \
		's/^([0-9]{3} )?address pool (.*): size ([0-9]+), leases ([0-9]+) in use, ([0-9]+) free.*/\2 \3 \4 \5/p')
	mapfile -t lines <<<"$st"
	for line in "${lines[@]}"; do	# (not a read loop: the queries would eat its input)
		read -r pool size inuse free <<<"$line"
		[ -n "$pool" ] || continue
		n=$((n + 1))
		if [ "$inuse" -ne "$1" ] || [ "$free" -ne $((size - $1)) ]; then
			echo "#   --addresspoolstatus: $pool: $inuse in use, $free free of $size; expected $1 in use"
			bad=1
		fi
		q_is 5 "skua_pool_leases{pool=\"$pool\",state=\"in_use\"}" "$inuse" || bad=1
		q_is 5 "skua_pool_leases{pool=\"$pool\",state=\"free\"}" "$free" || bad=1
	done
	[ "$n" -eq 2 ] || { echo "#   --addresspoolstatus lists $n pools, expected 2"; bad=1; }
	q_is 5 'count(skua_pool_leases{state="in_use"})' 2 || bad=1
	return $bad
}
pools_match 0 && ok "prometheus: both pools empty, as --addresspoolstatus says" ||
	not_ok "prometheus: the pool gauges before the load"

# ---- load: N road warriors, held ----
ip netns exec "$NS_W" "$LOADGEN" -r 192.0.2.2 -s 192.0.2.1 -S 1 -P 10 --src-port 20000 -n "$N" \
	-H 64 --psk "$PSK" --id '@lg%u.example' --cp-both --ike aes_gcm128-sha2_256-dh31 --esp aes_gcm128 --json "$T/lg.json" \
	--ready "$T/ready" --hold -1 -t 60 -q >"$T/lg.out" 2>&1 &
LG_PID=$!
wait_for 70 test -s "$T/ready" && ok "the generator set up its SAs" ||
	{ not_ok "the generator did not finish"; cat "$T/lg.out"; }
UP=$(sed -n 's/^  "ike_established": \([0-9]*\),*$/\1/p' "$T/lg.json" | head -n1)
[ "${UP:-0}" -eq "$N" ] && ok "the generator counts $N IKE SAs established" ||
	not_ok "the generator counts ${UP:-none} of $N"

if q_is 10 'sum(skua_ike_sas_established_total{role="responder"})' "$UP"; then
	ok "prometheus: skua_ike_sas_established_total = the generator's $UP"
else
	not_ok "prometheus: the established counter is not the generator's count"
fi
q_is 5 'sum(skua_ike_sas{state="established"})' "$UP" && ok "prometheus: $UP established now" ||
	not_ok "prometheus: the established gauge"
q_is 5 'skua_connection_instances{name="rw"}' "$UP" && ok "prometheus: $UP instances of rw" ||
	not_ok "prometheus: the instances of rw"
q_is 5 'skua_connection_up{name="rw"}' 1 && ok "prometheus: rw is up" || not_ok "rw up"
q_is 5 'sum(skua_ike_setup_duration_seconds_count{role="responder"})' "$UP" &&
	ok "prometheus: $UP setup durations observed" || not_ok "prometheus: the setup histogram"
q_is 5 'sum(skua_ike_exchange_duration_seconds_count{exchange="IKE_SA_INIT",role="responder"})' \
	"$UP" && ok "prometheus: IKE_SA_INIT durations observed" || not_ok "the IKE_SA_INIT histogram"
P50=$(q 'histogram_quantile(0.5, sum by (le) (skua_ike_setup_duration_seconds_bucket{role="responder"}))')
if awk -v v="${P50:-x}" 'BEGIN { exit !(v + 0 > 0 && v + 0 < 60) }'; then
	ok "prometheus: median setup ${P50}s"
else
	not_ok "prometheus: no median setup time ('${P50:-}')"
fi
q_is 5 'sum(skua_ike_sa_failures_total)' 0 && ok "prometheus: no failures" ||
	not_ok "prometheus: failures counted"
WORKERS=$(q 'count(skua_worker_timers)')
if q_is 5 'count(skua_worker_loop_seconds_total)' "$((7 * ${WORKERS:-0}))" &&
	q_is 5 'sum(skua_worker_loop_seconds_total{part="datagrams"}) > bool 0' 1 &&
	q_is 5 'sum(skua_worker_loop_seconds_total{part="crypto"}) > bool 0' 1; then
	ok "prometheus: each of the ${WORKERS:-?} workers' loops in 7 parts, time in datagrams and crypto"
else
	not_ok "prometheus: the workers' loop parts"
fi
ADDRS=$(sed -n 's/^  "cp_addresses": \([0-9]*\),*$/\1/p' "$T/lg.json" | head -n1)
[ "${ADDRS:-0}" -eq $((2 * UP)) ] && ok "the generator's clients received $ADDRS addresses (IPv4 and IPv6)" ||
	not_ok "the generator's clients received ${ADDRS:-none} addresses, expected $((2 * UP))"
pools_match "$UP" && ok "prometheus: $UP leases in use in each pool, as --addresspoolstatus says" ||
	not_ok "prometheus: the pool gauges under load"
q_is 5 'sum(skua_pool_exhausted_total)' 0 && ok "prometheus: no pool exhausted" ||
	not_ok "prometheus: skua_pool_exhausted_total"
q_is 5 'count(count by (worker) (skua_ike_sas))' 2 && ok "prometheus: series of both workers" ||
	not_ok "prometheus: the worker label"

# ---- the listings, made by each worker a slice at a time: every state once ----
expect_status 0 "whack --showstates" $WE --showstates
n=$(printf '%s\n' "$LAST_OUT" | grep -cE '^([0-9]{3} )?#[0-9]+: ' || true)
u=$(printf '%s\n' "$LAST_OUT" | sed -nE 's/^([0-9]{3} )?#([0-9]+): .*/\2/p' | sort -u | wc -l)
[ "$u" -eq $((2 * UP)) ] &&
	ok "--showstates lists $u states ($UP IKE SAs, $UP Child SAs; $n lines)" ||
	not_ok "--showstates lists $u distinct states in $n lines, expected $((2 * UP))"
expect_status 0 "whack --trafficstatus" $WE --trafficstatus
n=$(printf '%s\n' "$LAST_OUT" | grep -c 'type=ESP, add_time=' || true)
[ "$n" -eq "$UP" ] && ok "--trafficstatus lists the $UP Child SAs" ||
	not_ok "--trafficstatus lists $n Child SAs, expected $UP"
printf '%s\n' "$LAST_OUT" | sed -nE 's/^([0-9]{3} )?#([0-9]+): "rw"\[([0-9]+)\].*/\3 \2/p' >"$T/order"
sort -k1,1 -k2,2n -s "$T/order" | cmp -s - <(sort -s -k1,1 "$T/order") &&
	ok "... in libreswan's order (connection instance, then state number)" ||
	not_ok "--trafficstatus is not sorted by instance and state"
expect_status 0 "whack --status" $WE --status
n=$(printf '%s\n' "$LAST_OUT" | grep -cE '^([0-9]{3} )?#[0-9]+: ' || true)
[ "$n" -ge $((2 * UP)) ] && ok "--status lists the $((2 * UP)) states" ||
	not_ok "--status lists $n states, expected at least $((2 * UP))"

# ---- the libreswan text forms ----
expect_status 0 "whack --globalstatus" $WE --globalstatus
GS=$LAST_OUT
expect_match "total.ike.ikev2.established is $UP" "^total\.ike\.ikev2\.established=$UP$"
expect_match "current.states.ike is $UP" "^current\.states\.ike=$UP$"
expect_match "current.states.ipsec is $UP" "^current\.states\.ipsec=$UP$"
expect_match "Skua's keys after libreswan's" "^skua\.total\.ike\.sas\.established\.IKE_AUTH\.responder=$UP$"
expect_no_match "no progress codes on the key=value lines" "^[0-9]{3} "
if printf '%s\n' "$GS" | grep -vqE '^[a-zA-Z0-9_.]+=[0-9]+(\.[0-9]+)?$'; then
	not_ok "a line that is not key=value"
	printf '%s\n' "$GS" | grep -vE '^[a-zA-Z0-9_.]+=[0-9]+(\.[0-9]+)?$' | head -n 3 | sed 's/^/#   /'
else
	ok "every line is key=value"
fi
expect_status 0 "whack --globalstats (the manual's spelling)" $WE --globalstats
[ "$(printf '%s\n' "$LAST_OUT" | cut -d= -f1)" = "$(printf '%s\n' "$GS" | cut -d= -f1)" ] &&
	ok "the same keys" || not_ok "--globalstats and --globalstatus differ"
expect_status 0 "whack --clearstats" $WE --clearstats
[ -z "$LAST_OUT" ] && ok "--clearstats prints nothing (as libreswan)" || not_ok "--clearstats said: $LAST_OUT"
expect_status 0 "whack --globalstatus after --clearstats" $WE --globalstatus
expect_match "total.ike.ikev2.established restarts" "^total\.ike\.ikev2\.established=0$"
expect_match "current.states.ike does not" "^current\.states\.ike=$UP$"
sleep 1.5
q_is 5 'sum(skua_ike_sas_established_total)' "$UP" &&
	ok "prometheus: the counter did not go down" || not_ok "prometheus: --clearstats reset the endpoint"

# ---- the responder deletes them (the generator answers the Deletes) ----
expect_status 0 "whack --terminate --name rw" $WE --terminate --name rw
q_is 40 'sum(skua_ike_sas)' 0 && ok "prometheus: every IKE SA gone" || not_ok "prometheus: IKE SAs left"
q_is 5 'sum(skua_ike_sas_finished_total{outcome="completed"})' "$UP" &&
	ok "prometheus: $UP completed" || not_ok "prometheus: completed count"
q_is 5 'skua_connection_up{name="rw"}' 0 && ok "prometheus: rw down again" || not_ok "rw down"
pools_match 0 && ok "prometheus: every lease back, as --addresspoolstatus says" ||
	not_ok "prometheus: the pool gauges after the Deletes"

kill -TERM "$LG_PID"
wait_exit "$LG_PID" 15 || true
LG_PID=
expect_status 0 "shutdown" $WE --shutdown
wait_exit "$PLUTO_PID" 10 || true
[ "$STOP_STATUS" = 0 ] && ok "pluto exited 0 (the metrics thread stopped, nothing leaked)" ||
	{ not_ok "pluto exited $STOP_STATUS"; tail -n 20 "$T/e.log" | sed 's/^/#   /'; }
finish
