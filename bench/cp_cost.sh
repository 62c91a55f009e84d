#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/cp_cost.sh: the responder's instructions per setup with the Configuration payload
# and without (issue 9: "CPU per setup with CP within 10 % of the figure without it"),
# counted by valgrind's callgrind instead of timed: a count that does not move with the
# shared machine's load. churn.sh's responder and connections (bench_lib.sh's
# bench_churn_responder: default --uniqueids, --use-none, rwcp with a pool, rw without) run
# under `valgrind --tool=callgrind`, the generator (bench_churn_loadgen) natively; one pluto
# per run, four runs: without CP (@plainK.churn) and with it (@cpK.churn, --cp), each with
# N1 and N2 clients (the same IDs, the same rate). Each run sets up and deletes WARM
# clients of other IDs (warm-up), then one round: set up, check, delete, check. The round
# hook has callgrind dump its counts after each phase and after each check, so each run
# gives five parts: start-up + warm-up + setups, the checks while up, the Deletes, the
# checks after, the shutdown. Instructions (Ir) per setup = (setup part at N2 - at N1) /
# (N2 - N1): the start-up and the warm-up cancel, and so does whatever
# else does not grow with the clients; per delete the same from the Deletes' part.
#
#   bench/cp_cost.sh                          # N1=500, N2=1500, RATE=20
#   N1=200 N2=600 RATE=20 bench/cp_cost.sh    # quicker
# Environment: N1, N2, RATE (setups and Deletes per second; under valgrind pluto is much
# slower), HALF_OPEN (4: few requests wait in pluto's queue, so each is answered within
# the generator's 500 ms retransmit timer even when the shared machine starves pluto;
# a retransmitted request is answered again, work that would not cancel: the report
# gives the retransmissions of each phase: a few cost little), ADDRS (100), WORKERS (1),
# CPCOST_WAIT (the generator's bound on each phase: 3 N2 / RATE + 120 s), TOP (15
# functions in the report), WARM (20: clients set up and deleted before each measured
# round, other IDs), BUILD. Needs valgrind (callgrind_control, callgrind_annotate).
# Its namespaces are its own (skua-iop-PID-*): no lock needed. What the count covers and
# what it does not: bench/README.md, "CP's cost in instructions".
set -u
IOP_WAIT=${IOP_WAIT:-120} # pluto's start and each whack, under valgrind
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N1=${N1:-500}
N2=${N2:-1500}
RATE=${RATE:-20}
ADDRS=${ADDRS:-100}
HALF_OPEN=${HALF_OPEN:-4}
WORKERS=${WORKERS:-1}
TOP=${TOP:-15}
WARM=${WARM:-20}
CPCOST_WAIT=${CPCOST_WAIT:-$((3 * N2 / RATE + 120))}
# shellcheck disable=SC2034 # read by bench_ports
N=$N2 # bench_ports: the same source address and port for client K in every run
bench_ports

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
for t in valgrind callgrind_control callgrind_annotate; do
	command -v "$t" >/dev/null || iop_die "$t not found (apt-get install valgrind)"
done
if [ "$N1" -lt 1 ] || [ "$N2" -le "$N1" ]; then iop_die "N1=$N1 N2=$N2: expected 1 <= N1 < N2"; fi
[ "$N2" -le 262144 ] || iop_die "N2=$N2: the pool $CHURN_POOL has 262,144 addresses"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/cp-cost-$stamp.md
out=$IOP_TMP/cpcost
mkdir -p "$out"
bench_churn_netns

# ---- the round hook: dump, check, dump ----
# A dump first, so the checks' whack commands fall into a part of their own (--status
# and --addresspoolstatus grow with the SAs held: they would not cancel); then the
# checks (IKE and IPsec SA totals, leases in use: N or 0), polled, bounded; then a dump.
# Appends "phase ike ipsec leases threads verdict" to $CPCOST_TAG.checks.
cat >"$out/hook.sh" <<EOF
#!/bin/bash
set -u
dump() { timeout 120 callgrind_control --dump="\$1" "\$CPCOST_PID" >>"\$CPCOST_TAG.ctl" 2>&1; }
W() { timeout 300 "$SKUA_WHACK" --rundir "$IOP_TMP/sk/run" "\$@"; }
dump "\$LG_PHASE" || { echo "cp_cost: callgrind_control --dump failed" >&2; exit 1; }
threads=\$(ls /proc/\$CPCOST_PID/task | wc -l)
want=0; want_lease=0
[ "\$LG_PHASE" = up ] && want=\$LG_UP
[ "\$LG_PHASE" = up ] && [ "\$CPCOST_MODE" = cp ] && want_lease=\$LG_UP
for i in \$(seq 60); do
	W --status >"\$CPCOST_TAG.st" 2>&1
	ike=\$(sed -nE 's/.*IKE SAs: total\(([0-9]+)\).*/\1/p' "\$CPCOST_TAG.st" | head -n1)
	ipsec=\$(sed -nE 's/.*IPsec SAs: total\(([0-9]+)\).*/\1/p' "\$CPCOST_TAG.st" | head -n1)
	W --addresspoolstatus >"\$CPCOST_TAG.pool" 2>&1
	inuse=\$(sed -nE 's/.*address pool $CHURN_POOL_NAME: size [0-9]+, leases ([0-9]+) in use.*/\1/p' "\$CPCOST_TAG.pool")
	verdict=ok
	[ "\${ike:-x}" = "\$want" ] && [ "\${ipsec:-x}" = "\$want" ] && [ "\${inuse:-x}" = "\$want_lease" ] && break
	verdict="FAIL(want ike=ipsec=\$want leases=\$want_lease)"
	sleep 1
done
echo "\$LG_PHASE \${ike:-?} \${ipsec:-?} \${inuse:-?} \$threads \$verdict" >>"\$CPCOST_TAG.checks"
dump "\$LG_PHASE-checks" || { echo "cp_cost: callgrind_control --dump failed" >&2; exit 1; }
[ "\$verdict" = ok ]
EOF
chmod +x "$out/hook.sh"

# cg_ir FILE: the total of a callgrind dump (Ir: the only event collected)
cg_ir() { awk '/^(totals|summary):/ { print $2; exit }' "$1"; }

# run_one MODE N: one pluto under callgrind, one generator round of N clients; leaves
# $out/MODE-N.{parts,lg,checks} (parts: setup up-checks delete down-checks shutdown total,
# Ir each, then child processes)
run_one() {
	local mode=$1 n=$2 tag=$out/$1-$2 pid f k parts=() total=0 kids=0 _
	bench_log "$mode, $n clients at $RATE/s: pluto under callgrind"
	bench_churn_responder sk none valgrind --tool=callgrind --cache-sim=no --branch-sim=no \
		--collect-systime=no --trace-children=yes --callgrind-out-file="$tag.cg.%p"
	pid=$BENCH_PID
	: >"$tag.checks"
	# warm-up: WARM clients of other IDs set up and deleted, no checks (valgrind translates
	# the code on its first use, slowly: the generator retransmits then); in the first part
	# of every run alike, so it cancels with the start-up
	if [ "$WARM" -gt 0 ]; then
		bench_churn_loadgen "$mode" "$WARM" 1 true --id "@warm%u.$mode" -t "$CPCOST_WAIT" \
			--log "$tag.warm.log" >"$tag.warm" 2>&1 || iop_die "$mode $n: the warm-up failed: $(cat "$tag.warm")"
	fi
	CPCOST_PID=$pid CPCOST_TAG=$tag CPCOST_MODE=$mode bench_churn_loadgen "$mode" "$n" 1 \
		"$out/hook.sh" -t "$CPCOST_WAIT" --log "$tag.lg.log" >"$tag.lg" 2>&1
	echo "exit $?" >>"$tag.checks"
	skua_whack sk --shutdown >/dev/null 2>&1
	for _ in $(seq 600); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	iop_stop_pid "$pid"
	[ -s "$tag.cg.$pid" ] || iop_die "$mode $n: no final callgrind dump ($tag.cg.$pid): see $IOP_TMP/sk/pluto.log"
	for k in 1 2 3 4; do
		f=$tag.cg.$pid.$k
		[ -s "$f" ] || iop_die "$mode $n: callgrind dump $k missing ($f): see $tag.ctl"
		parts+=("$(cg_ir "$f")")
	done
	parts+=("$(cg_ir "$tag.cg.$pid")")
	for k in "${parts[@]}"; do total=$((total + k)); done
	# traced children (updown scripts and the like): their own files, other PIDs
	for f in "$tag".cg.*; do
		case ${f#"$tag".cg.} in "$pid" | "$pid".*) ;; *.*) ;; *) kids=$((kids + 1)) ;; esac
	done
	echo "${parts[*]} $total $kids" >"$tag.parts"
	cp "$tag.cg.$pid.1" "$tag.setup.cg" # the setup part, for callgrind_annotate
	mv "$IOP_TMP/sk/pluto.log" "$tag.pluto.log"
	rm -rf "$IOP_TMP/sk" # the next pluto starts afresh
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
wall0=$(date +%s)
for mode in plain cp; do
	for n in "$N1" "$N2"; do run_one "$mode" "$n"; done
done
wall1=$(date +%s)
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# fn_ir FILE: exclusive Ir per function of a dump, "Ir<tab>function [object]" (from
# callgrind_annotate's "Ir (share) file:function [object]" lines: the source files of one
# function, its inlined parts, summed; the object's base name, none for pluto's own)
fn_ir() {
	callgrind_annotate --threshold=100 --inclusive=no --auto=no "$1" 2>/dev/null |
		awk '$1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/ {
			ir = $1; gsub(",", "", ir); l = $0; sub(/^ *[0-9,]+ +(\( *[0-9.]+%\) +)?/, "", l)
			obj = ""
			if (match(l, / \[[^]]*\]$/)) {
				obj = substr(l, RSTART + 2, RLENGTH - 3); l = substr(l, 1, RSTART - 1)
				sub(/.*\//, "", obj)
			}
			if (obj == "pluto") obj = ""
			fn = l; if (fn !~ /^\?\?\?:/) sub(/^.*:/, "", fn)
			sum[fn (obj == "" ? "" : " [" obj "]")] += ir
		}
		END { for (k in sum) print sum[k] "\t" k }'
}
for mode in plain cp; do
	for n in "$N1" "$N2"; do fn_ir "$out/$mode-$n.setup.cg" >"$out/$mode-$n.fn"; done
done

# ---- the report ----
{
	echo "# CP's cost in instructions, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "Skua pluto --use-none, $WORKERS worker(s), default --uniqueids, under \`valgrind"
	echo "--tool=callgrind --cache-sim=no --branch-sim=no --collect-systime=no"
	echo "--trace-children=yes\` (pinned to CPU $RESP_CPU); skua-loadgen natively on CPU $GEN_CPU: one"
	echo "round of N clients (an ID each) from $ADDRS addresses x $PORTS ports, setups and Deletes at"
	echo "$RATE/s, at most $HALF_OPEN half-open; N = $N1 and $N2, without CP (rw) and with it (rwcp,"
	echo "a pool), one pluto per run, each first setting up and deleting $WARM clients of other IDs"
	echo "(warm-up). Load average before: $load0, after: $load1. Wall time"
	echo "$((wall1 - wall0)) s."
	echo
	echo "| run | clients | Ir: start-up, warm-up, setups | checks while up | Deletes | checks after | shutdown | pluto's threads | child processes | checks | generator |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for mode in plain cp; do
		for n in "$N1" "$N2"; do
			t=$out/$mode-$n
			read -r s uc de dc sh _ kids <"$t.parts"
			th=$(awk '$1 == "up" { print $5 }' "$t.checks")
			ck=$(awk '$1 == "up" || $1 == "down" { v = v sep $1 " " $NF; sep = ", " } $1 == "exit" { v = v sep "exit " $2 } END { print v }' "$t.checks")
			lg=$(sed -nE 's/^round 1: ([0-9]+\/[0-9]+) IKE SAs up.*in ([0-9.]+) s.* ([0-9]+) retransmitted$/\1 up in \2 s, \3 retransmitted/p; s/^round 1: deleted in ([0-9.]+) s.* ([0-9]+) IKE SAs left; ([0-9]+) retransmitted$/deleted in \1 s, \2 left, \3 retransmitted/p' "$t.lg" | paste -sd ';' | sed 's/;/; /')
			printf '| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				"$([ "$mode" = cp ] && echo "with CP" || echo "without CP")" "$n" \
				"$s" "$uc" "$de" "$dc" "$sh" "$th" "$kids" "$ck" "$lg"
		done
	done
	echo
	awk -v n1="$N1" -v n2="$N2" '
		FNR == 1 { f++ }
		{ s[f] = $1; d[f] = $3 }
		END {
			dn = n2 - n1
			ps = (s[2] - s[1]) / dn; cs = (s[4] - s[3]) / dn
			pd = (d[2] - d[1]) / dn; cd = (d[4] - d[3]) / dn
			printf "**Instructions per setup** ((part at %d - part at %d) / %d): **without CP %.0f, with CP %.0f: ratio %.4f (%+.2f %%)**; the target is within 10 %%.\n", n2, n1, dn, ps, cs, cs / ps, (cs / ps - 1) * 100
			printf "Per delete: without CP %.0f, with CP %.0f: ratio %.4f (%+.2f %%).\n", pd, cd, cd / pd, (cd / pd - 1) * 100
			printf "Setup and delete together: without CP %.0f, with CP %.0f: %+.2f %%.\n", ps + pd, cs + cd, ((cs + cd) / (ps + pd) - 1) * 100
		}' "$out/plain-$N1.parts" "$out/plain-$N2.parts" "$out/cp-$N1.parts" "$out/cp-$N2.parts"
	echo
	echo "Where CP's extra per setup goes: the functions' own (exclusive) instructions per setup,"
	echo "(N2 - N1 difference) with CP minus without, the $TOP largest differences either way"
	echo "(callgrind_annotate of the setup parts):"
	echo
	echo "| function | without CP, Ir per setup | with CP | CP's extra | share of the extra |"
	echo "|---|---|---|---|---|"
	awk -F'\t' -v n1="$N1" -v n2="$N2" -v top="$TOP" '
		FNR == 1 { f++ }
		{ v[f, $2] += $1; fn[$2] = 1 }
		END {
			dn = n2 - n1
			for (k in fn) {
				p = (v[2, k] - v[1, k]) / dn; c = (v[4, k] - v[3, k]) / dn
				pp[k] = p; cc[k] = c; x[k] = c - p; tp += p; tc += c
			}
			ex = tc - tp
			m = 0
			for (k in fn) { a = x[k] < 0 ? -x[k] : x[k]; if (a >= 0.5) key[++m] = k; ab[k] = a }
			for (i = 2; i <= m; i++) for (j = i; j > 1 && ab[key[j - 1]] < ab[key[j]]; j--) { t = key[j]; key[j] = key[j - 1]; key[j - 1] = t }
			for (i = 1; i <= m && i <= top; i++) {
				k = key[i]; name = k; gsub(/\|/, "\\|", name)
				printf "| `%s` | %.0f | %.0f | %+.0f | %s |\n", name, pp[k], cc[k], x[k], ex ? sprintf("%.1f %%", x[k] * 100 / ex) : "-"
			}
			printf "| all functions | %.0f | %.0f | %+.0f | 100 %% |\n", tp, tc, ex
		}' "$out/plain-$N1.fn" "$out/plain-$N2.fn" "$out/cp-$N1.fn" "$out/cp-$N2.fn"
	echo
	if grep -qE ' [1-9][0-9]* retransmitted' "$out"/*.lg; then
		echo "**The generator retransmitted** in a measured phase (the generator column): pluto's answers"
		echo "to those are in the counts, and do not cancel; lower RATE or HALF_OPEN."
		echo
	fi
	if grep -q FAIL "$out"/*.checks || grep -q '^exit [^0]' "$out"/*.checks; then
		echo "**Some checks failed** (see the checks column)."
	else
		echo "Every check passed: N IKE and IPsec SAs (and N leases with CP) after the setups, none after the Deletes."
	fi
} >"$md"
mkdir -p "${md%.md}"
cp "$out"/*.parts "$out"/*.checks "$out"/*.lg "${md%.md}/"
cat "$md"
echo "# written to $md (the runs' parts, checks and generator outputs in ${md%.md}/)" >&2
grep -q FAIL "$out"/*.checks && exit 1
grep -q '^exit [^0]' "$out"/*.checks && exit 1
exit 0
