#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/churn.sh: N road-warrior clients, each with an ID of its own (@cpK.churn), connect to
# one Skua responder (kernel stack, pluto's default --uniqueids=yes), ask for an address
# from its pool (IKEv2 Configuration payload), leave (IKE Delete) and come back with the
# same IDs, ROUNDS times. After each round's setup and after each round's Deletes the
# generator stops (skua-loadgen --rounds --round-cmd) and this script checks the responder:
#   - whack --addresspoolstatus: N leases in use while up, none once they left (no leak);
#   - whack --briefstatus (up) / --status (down) totals: N IKE and N IPsec SAs, then none;
#   - the kernel's counts in the responder's namespace (ip xfrm state count, ip xfrm
#     policy count): 2N states while up, no state and no policy once they left;
#   - the same ID got the same address back (the leases' ID -> address lists of two
#     rounds compared, and the generator's own count of addresses unchanged).
# The same pluto first serves PLAIN_ROUNDS rounds of clients that do not ask for an address
# (@plainK.churn, a connection without a pool on a second responder address), at the same
# rate: the responder's CPU per setup with CP and without (every thread, and the children
# it reaped: bench_lib.sh's bench_cpu_ticks) is compared; the target is within 10 %.
# See bench/README.md.
#
#   bench/churn.sh                      # N=100000, ROUNDS=3, PLAIN_ROUNDS=2, RATE=1000
#   N=10000 RATE=500 bench/churn.sh     # a smaller run on a busy box
# Environment: N, ROUNDS, PLAIN_ROUNDS, RATE (setups and Deletes per second), ADDRS (100),
# WORKERS (responder workers, 1), HALF_OPEN (256), STACK (netkey), CHURN_WAIT (900, bound
# on each setup and each delete phase), BUILD, PERF_DELETE (a directory: perf record of the
# responder during each delete phase, delete-LABEL-ROUND.data; PERF_ARGS, default -g).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-100000}
ROUNDS=${ROUNDS:-3}
PLAIN_ROUNDS=${PLAIN_ROUNDS:-2}
RATE=${RATE:-1000}
ADDRS=${ADDRS:-100}
bench_ports
WORKERS=${WORKERS:-1}
HALF_OPEN=${HALF_OPEN:-256}
STACK=${STACK:-netkey}
CHURN_WAIT=${CHURN_WAIT:-900}
PERF_DELETE=${PERF_DELETE:-}
PERF_ARGS=${PERF_ARGS:--g}
POOL=100.64.0.0/14 # 262,144 addresses
POOL_NAME=100.64.0.0-100.67.255.255
R4CP=192.0.2.3 # the CP connection's address; the plain one is R4 (192.0.2.2)

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
[ "$N" -le 262144 ] || iop_die "N=$N: the pool $POOL has 262,144 addresses"
[ "$PORTS" -ge 1 ] || iop_die "no descriptors left for the generator's sockets (ulimit -n)"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/churn-$stamp.md
out=$IOP_TMP/churn
mkdir -p "$out"

bench_netns "$ADDRS"
ip -n "$NS_R" address add "$R4CP/24" dev veth1 || iop_die "adding $R4CP failed"
# The kernel stack needs ESP in the kernel (a container's host may have none: the qemu guest
# of tests/kernel has it); without, the responder runs --use-none and the kernel's counts
# are checked to stay at zero, which then proves nothing about the responder.
KERNEL_NOTE=""
if [ "$STACK" = netkey ] && ! ip -n "$NS_R" xfrm state add src 192.0.2.9 dst 192.0.2.8 proto esp \
	spi 0x100 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
	2>"$out/xfrm-probe"; then
	KERNEL_NOTE="This machine's kernel refuses ESP states ($(cat "$out/xfrm-probe")): the responder ran --use-none, so the kernel counts (all 0) prove nothing here; run it where ESP is available (STACK=netkey, the default) for those."
	bench_log "$KERNEL_NOTE"
	STACK=none
fi
ip -n "$NS_R" xfrm state flush 2>/dev/null

# ---- the responder: default --uniqueids, two road-warrior connections ----
d=$IOP_TMP/sk
mkdir -p "$d/run" "$d/ipsec.d"
printf '%%any : PSK "%s"\n' "$BENCH_PSK" >"$d/ipsec.secrets"
chmod 600 "$d/ipsec.secrets"
eval "IOP_KIND_sk=skua IOP_NS_sk=$NS_R"
iop_spawn "$NS_R" "$d/pluto.log" "$d/run" /run -- taskset -c "$RESP_CPU" \
	"$SKUA_PLUTO" --nofork --stderrlog --use-"$STACK" --nhelpers "$WORKERS" \
	--rundir "$d/run" --secretsfile "$d/ipsec.secrets" --ipsecdir "$d/ipsec.d"
BENCH_PID=$IOP_SPAWNED
iop_wait_daemon "$BENCH_PID" "$IOP_WAIT" skua_whack sk --status ||
	{ iop_dump "$d/pluto.log"; iop_die "Skua pluto did not start"; }
skua_whack sk --listen >"$d/listen.out" 2>&1 || iop_die "whack --listen failed"
skua_whack sk --name rwcp --ikev2 --psk --encrypt --tunnel --host "$R4CP" --to --host %any \
	--addresspool "$POOL" --ike aes_gcm128-sha2_256-dh31 --esp aes_gcm128 --dontrekey \
	>"$d/load.out" 2>&1 || { cat "$d/load.out" >&2; iop_die "adding rwcp failed"; }
skua_whack sk --name rw --ikev2 --psk --encrypt --tunnel --host "$R4" --to --host %any \
	--ike aes_gcm128-sha2_256-dh31 --esp aes_gcm128 --dontrekey \
	>>"$d/load.out" 2>&1 || { cat "$d/load.out" >&2; iop_die "adding rw failed"; }
bench_pin "$BENCH_PID" "$RESP_CPU"
sleep 1

# ---- the round hook: run by the generator after each setup and each delete ----
# It records the responder's CPU ticks as it starts and as it ends (its own whack commands
# are left out of the setup and delete figures), checks the counts and appends one line to
# $out/checks: label round phase ticks-at-start ticks-at-end ike ipsec xfrm-states
# xfrm-policies leases-in-use same-address changed-address verdict.
cat >"$out/hook.sh" <<EOF
#!/bin/bash
set -u
W() { timeout 600 "$SKUA_WHACK" --rundir "$d/run" "\$@"; }
ticks() { awk '{ print \$14 + \$15 + \$16 + \$17 }' /proc/$BENCH_PID/stat; }
t0=\$(ticks)
# PERF_DELETE=DIR: perf record of the responder during each delete phase only
if [ -n "$PERF_DELETE" ] && [ "\$LG_PHASE" = down ] && [ -f "$out/perf.pid" ]; then
	kill -INT "\$(cat "$out/perf.pid")"; rm -f "$out/perf.pid"; sleep 2
fi
want_sa=0; want_lease=0; want_states=0
if [ "\$LG_PHASE" = up ]; then
	want_sa=\$LG_UP; want_states=\$((2 * LG_UP))
	[ "$STACK" = netkey ] || want_states=0	# --use-none: nothing in the kernel
	[ "\$CHURN_LABEL" = cp ] && want_lease=\$LG_UP
fi
for i in \$(seq 120); do
	if [ "\$LG_PHASE" = up ]; then W --briefstatus >"$out/st" 2>&1; else W --status >"$out/st" 2>&1; fi
	ike=\$(sed -nE 's/.*IKE SAs: total\(([0-9]+)\).*/\1/p' "$out/st" | head -n1)
	ipsec=\$(sed -nE 's/.*IPsec SAs: total\(([0-9]+)\).*/\1/p' "$out/st" | head -n1)
	xs=\$(ip -n "$NS_R" xfrm state count | sed -nE 's/.* ([0-9]+)\$/\1/p')
	xp=\$(ip -n "$NS_R" xfrm policy count | sed -nE 's/.* ([0-9]+)\$/\1/p')
	W --addresspoolstatus >"$out/pool" 2>&1
	inuse=\$(sed -nE 's/.*address pool $POOL_NAME: size [0-9]+, leases ([0-9]+) in use.*/\1/p' "$out/pool")
	if [ "\${ike:-x}" = "\$want_sa" ] && [ "\${ipsec:-x}" = "\$want_sa" ] &&
		[ "\${xs:-x}" = "\$want_states" ] && [ "\${inuse:-x}" = "\$want_lease" ] &&
		{ [ "\$LG_PHASE" = up ] || [ "\${xp:-x}" = 0 ]; }; then
		verdict=ok
		break
	fi
	verdict="FAIL(want ike=ipsec=\$want_sa states=\$want_states leases=\$want_lease)"
	sleep 0.5
done
same=-; changed=-
if [ "\$CHURN_LABEL" = cp ] && [ "\$LG_PHASE" = up ]; then
	# ID -> address of each lease in use, this round; against the round before
	sed -nE 's/^([0-9]{3} )?  ([0-9.]+): in use by (.*)\$/\3 \2/p' "$out/pool" | sort >"$out/leases.\$LG_ROUND"
	prev="$out/leases.\$((LG_ROUND - 1))"
	if [ -f "\$prev" ]; then
		same=\$(comm -12 "\$prev" "$out/leases.\$LG_ROUND" | wc -l)
		changed=\$(join "\$prev" "$out/leases.\$LG_ROUND" | awk '\$2 != \$3' | wc -l)
		[ "\$same" = "\$LG_UP" ] || verdict="FAIL(\$same of \$LG_UP IDs got their address back)"
	fi
fi
t1=\$(ticks)
if [ -n "$PERF_DELETE" ] && [ "\$LG_PHASE" = up ]; then
	perf record -q $PERF_ARGS -p $BENCH_PID -o "$PERF_DELETE/delete-\$CHURN_LABEL-\$LG_ROUND.data" \
		</dev/null >/dev/null 2>&1 &
	echo \$! >"$out/perf.pid"; sleep 1
fi
echo "\$CHURN_LABEL \$LG_ROUND \$LG_PHASE \$t0 \$t1 \${ike:-?} \${ipsec:-?} \${xs:-?} \${xp:-?} \${inuse:-?} \$same \$changed \$verdict" >>"$out/checks"
[ "\$verdict" = ok ]
EOF
chmod +x "$out/hook.sh"

# run_phase LABEL RESPONDER ID-PATTERN ROUNDS [loadgen options]: one generator run
run_phase() {
	local label=$1 resp=$2 id=$3 rounds=$4
	shift 4
	echo "$label - start - $(bench_cpu_ticks "$BENCH_PID")" >>"$out/checks"
	CHURN_LABEL=$label ip netns exec "$NS_L" taskset -c "$GEN_CPU" "$LOADGEN" -r "$resp" \
		-s 198.18.0.1 -S "$ADDRS" -P "$PORTS" --src-port 10000 -n "$N" -H "$HALF_OPEN" \
		--rate "$RATE" --psk "$BENCH_PSK" --id "$id" --rounds "$rounds" \
		--round-cmd "$out/hook.sh" -t "$CHURN_WAIT" --log "$out/lg-$label.log" -q "$@" \
		>"$out/lg-$label.out" 2>&1
	echo "$label - exit $?" >>"$out/checks"
	cat "$out/lg-$label.out"
}

: >"$out/checks"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
wall0=$(date +%s)
bench_log "$N clients, $PLAIN_ROUNDS rounds without CP, then $ROUNDS with CP, at $RATE/s"
run_phase plain "$R4" '@plain%u.churn' "$PLAIN_ROUNDS"
run_phase cp "$R4CP" '@cp%u.churn' "$ROUNDS" --cp
wall1=$(date +%s)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$out/checks" >&2

# ---- the report ----
{
	echo "# Churn run, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "Skua pluto --use-$STACK, $WORKERS worker(s) pinned to CPU $RESP_CPU, default --uniqueids;"
	echo "skua-loadgen on CPU $GEN_CPU: $N clients (an ID each) from $ADDRS addresses x $PORTS"
	echo "ports, setups and Deletes at $RATE/s, at most $HALF_OPEN half-open. Load average"
	echo "(1/5/15 min) before: $load0, after: $load1 ($(nproc) CPUs). Wall time $((wall1 - wall0)) s."
	[ -n "$KERNEL_NOTE" ] && { echo; echo "$KERNEL_NOTE"; }
	echo
	echo "| run | round | IKE SAs up | setup s | addresses received / refused | same address as the round before / changed | responder CPU ms per setup | ms per delete | after setup: IKE / IPsec SAs, xfrm states, leases | after delete: IKE / IPsec SAs, xfrm states / policies, leases | checks |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	awk -v n="$N" -v tk="$CLK_TCK" -v lgp="$out/lg-plain.out" -v lgc="$out/lg-cp.out" '
		function lg(file, label,    line, a) {
			while ((getline line < file) > 0) {
				if (line ~ /^round [0-9]+: [0-9]+\/[0-9]+ IKE SAs up/) {
					split(line, a, /[ :\/]+/)
					r = a[2]; up[label, r] = a[3]
					if (match(line, /in [0-9.]+ s/)) secs[label, r] = substr(line, RSTART + 3, RLENGTH - 5)
					if (match(line, /addresses [0-9]+ received, [0-9]+ refused/)) {
						split(substr(line, RSTART, RLENGTH), b, " "); addr[label, r] = b[2] " / " b[4]
					}
					if (match(line, /[0-9]+ same as round [0-9]+, [0-9]+ changed/)) {
						split(substr(line, RSTART, RLENGTH), b, " "); lgsame[label, r] = b[1] " / " b[6]
					}
				}
			}
		}
		BEGIN { lg(lgp, "plain"); lg(lgc, "cp") }
		$2 == "-" && $3 == "start" { last_end[$1] = $5; next }
		$2 == "-" { next }
		{
			lbl = $1; r = $2
			if ($3 == "up") {
				setup_cpu[lbl, r] = $4 - last_end[lbl]; last_end[lbl] = $5
				upc[lbl, r] = $6 " / " $7 ", " $8 ", " $10
				ss[lbl, r] = ($11 == "-" ? "" : $11 " / " $12)
			} else {
				del_cpu[lbl, r] = $4 - last_end[lbl]; last_end[lbl] = $5
				downc[lbl, r] = $6 " / " $7 ", " $8 " / " $9 ", " $10
			}
			v = $13; for (i = 14; i <= NF; i++) v = v " " $i
			verdict[lbl, r] = (verdict[lbl, r] == "" || verdict[lbl, r] == "ok") ? v : verdict[lbl, r]
			if (!((lbl, r) in seen)) { seen[lbl, r] = 1; order[++no] = lbl SUBSEP r }
		}
		END {
			for (k = 1; k <= no; k++) {
				split(order[k], p, SUBSEP); lbl = p[1]; r = p[2]
				u = up[lbl, r] + 0
				ms = u ? setup_cpu[lbl, r] * 1000 / tk / u : 0
				dms = u ? del_cpu[lbl, r] * 1000 / tk / u : 0
				sm = lgsame[lbl, r]; if (ss[lbl, r] != "") sm = sm " (generator); " ss[lbl, r] " (leases)"
				printf "| %s | %d | %d | %s | %s | %s | %.3f | %.3f | %s | %s | %s |\n",
					(lbl == "cp" ? "with CP" : "without CP"), r, u, secs[lbl, r],
					(addr[lbl, r] == "" ? "-" : addr[lbl, r]), (sm == "" ? "-" : sm), ms, dms,
					upc[lbl, r], downc[lbl, r], verdict[lbl, r]
				tot[lbl] += ms; cnt[lbl]++
			}
			if (cnt["plain"] && cnt["cp"]) {
				a = tot["plain"] / cnt["plain"]; c = tot["cp"] / cnt["cp"]
				printf "\nResponder CPU per setup, mean over the rounds: without CP %.3f ms, with CP %.3f ms: %+.1f %% (target: within 10 %%).\n", a, c, (c - a) * 100 / a
			}
		}' "$out/checks"
	echo
	if grep -q FAIL "$out/checks" || grep -q ' exit [^0]' "$out/checks"; then
		echo "**Some checks failed** (see the checks column; generator exits: $(grep -c ' exit 0' "$out/checks") of 2 clean)."
	else
		echo "Every check passed: no lease, SA or kernel state/policy left after any round, every ID got its address back."
	fi
} >"$md"
cat "$md"
echo "# written to $md" >&2
grep -q FAIL "$out/checks" && exit 1
exit 0
