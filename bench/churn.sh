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
#     policy count, IN + OUT + FWD): 2N states (one inbound and one outbound ESP SA per
#     Child SA) and 3N policies (out, in, fwd; without CP 3 per source address: those
#     clients share their selectors) while up, no state and no policy once they left;
#   - the same ID got the same address back (the leases' ID -> address lists of two
#     rounds compared, and the generator's own count of addresses unchanged).
# The same pluto first serves PLAIN_ROUNDS rounds of clients that do not ask for an address
# (@plainK.churn, a connection without a pool on a second responder address), at the same
# rate: the responder's CPU per setup with CP and without (every thread, and the children
# it reaped: bench_lib.sh's bench_cpu_ticks) is compared; the target is within 10 %.
# ORDER="plain cp cp plain ..." runs one round per word instead, each its own generator run,
# in that order (alternating them, ABBA, spreads the machine's load drift over both); the
# report then gives each side's median and spread and the paired differences (the i-th CP
# round against the i-th round without). See bench/README.md.
#
#   bench/churn.sh                      # N=100000, ROUNDS=3, PLAIN_ROUNDS=2, RATE=1000
#   N=10000 RATE=500 bench/churn.sh     # a smaller run on a busy box
#   N=20000 ORDER="plain cp cp plain plain cp cp plain" bench/churn.sh
# Environment: N, ROUNDS, PLAIN_ROUNDS, ORDER, RATE (setups and Deletes per second), ADDRS (100),
# WORKERS (responder workers, 1), HALF_OPEN (256), STACK (netkey), CHURN_WAIT (900, bound
# on each setup and each delete phase), REQUIRE_ESP=1 (fail rather than fall back to
# --use-none when the kernel has no ESP: bench/churn_guest.sh), BUILD, PERF_DELETE (a directory: perf record of the
# responder during each delete phase, delete-LABEL-ROUND.data; PERF_ARGS, default -g).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-100000}
ROUNDS=${ROUNDS:-3}
PLAIN_ROUNDS=${PLAIN_ROUNDS:-2}
ORDER=${ORDER:-}
REQUIRE_ESP=${REQUIRE_ESP:-0}
RATE=${RATE:-1000}
ADDRS=${ADDRS:-100}
bench_ports
WORKERS=${WORKERS:-1}
HALF_OPEN=${HALF_OPEN:-256}
STACK=${STACK:-netkey}
CHURN_WAIT=${CHURN_WAIT:-900}
CHURN_POLLS=${CHURN_POLLS:-120} # the checks: polled up to this many times, 0.5 s apart
PERF_DELETE=${PERF_DELETE:-}
PERF_ARGS=${PERF_ARGS:--g}
POOL=$CHURN_POOL
POOL_NAME=$CHURN_POOL_NAME

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

bench_churn_netns
# The kernel stack needs ESP in the kernel (a container's host may have none: the qemu guest
# of tests/kernel has it); without, the responder runs --use-none and the kernel's counts
# are checked to stay at zero, which then proves nothing about the responder.
KERNEL_NOTE=""
if [ "$STACK" = netkey ] && ! ip -n "$NS_R" xfrm state add src 192.0.2.9 dst 192.0.2.8 proto esp \
	spi 0x100 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
	2>"$out/xfrm-probe"; then
	[ "$REQUIRE_ESP" = 1 ] && iop_die "REQUIRE_ESP=1: this kernel refuses ESP states: $(cat "$out/xfrm-probe")"
	KERNEL_NOTE="This machine's kernel refuses ESP states ($(cat "$out/xfrm-probe")): the responder ran --use-none, so the kernel counts (all 0) prove nothing here; run it where ESP is available (STACK=netkey, the default) for those."
	bench_log "$KERNEL_NOTE"
	STACK=none
fi
ip -n "$NS_R" xfrm state flush 2>/dev/null

# ---- the responder: default --uniqueids, two road-warrior connections ----
d=$IOP_TMP/sk
bench_churn_responder sk "$STACK"
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
R=\$((LG_ROUND + \${CHURN_ROUND0:-0}))	# ORDER: the label's round over every generator run
# PERF_DELETE=DIR: perf record of the responder during each delete phase only
if [ -n "$PERF_DELETE" ] && [ "\$LG_PHASE" = down ] && [ -f "$out/perf.pid" ]; then
	kill -INT "\$(cat "$out/perf.pid")"; rm -f "$out/perf.pid"; sleep 2
fi
want_sa=0; want_lease=0; want_states=0; want_pol=0
if [ "\$LG_PHASE" = up ]; then
	# per Child SA: an inbound and an outbound ESP SA; out, in and fwd policies. Without
	# CP a client's selectors are its source address to the responder's: the clients of
	# one source address share them, and the kernel holds one policy per selector
	# (UPDPOLICY replaces), so 3 per source address in use
	want_sa=\$LG_UP; want_states=\$((2 * LG_UP)); want_pol=\$((3 * LG_UP))
	[ "\$CHURN_LABEL" = cp ] || want_pol=\$((3 * (LG_UP < $ADDRS ? LG_UP : $ADDRS)))
	[ "$STACK" = netkey ] || { want_states=0; want_pol=0; }	# --use-none: nothing in the kernel
	[ "\$CHURN_LABEL" = cp ] && want_lease=\$LG_UP
fi
for i in \$(seq $CHURN_POLLS); do
	if [ "\$LG_PHASE" = up ]; then W --briefstatus >"$out/st" 2>&1; else W --status >"$out/st" 2>&1; fi
	ike=\$(sed -nE 's/.*IKE SAs: total\(([0-9]+)\).*/\1/p' "$out/st" | head -n1)
	ipsec=\$(sed -nE 's/.*IPsec SAs: total\(([0-9]+)\).*/\1/p' "$out/st" | head -n1)
	xs=\$(ip -n "$NS_R" xfrm state count | sed -nE 's/.* ([0-9]+)\$/\1/p')
	xp=\$(ip -n "$NS_R" xfrm policy count | awk '/SPD IN/ { print \$3 + \$5 + \$7; exit }')
	W --addresspoolstatus >"$out/pool" 2>&1
	inuse=\$(sed -nE 's/.*address pool $POOL_NAME: size [0-9]+, leases ([0-9]+) in use.*/\1/p' "$out/pool")
	if [ "\${ike:-x}" = "\$want_sa" ] && [ "\${ipsec:-x}" = "\$want_sa" ] &&
		[ "\${xs:-x}" = "\$want_states" ] && [ "\${inuse:-x}" = "\$want_lease" ] &&
		[ "\${xp:-x}" = "\$want_pol" ]; then
		verdict=ok
		break
	fi
	verdict="FAIL(want ike=ipsec=\$want_sa states=\$want_states policies=\$want_pol leases=\$want_lease)"
	sleep 0.5
done
same=-; changed=-
if [ "\$CHURN_LABEL" = cp ] && [ "\$LG_PHASE" = up ]; then
	# ID -> address of each lease in use, this round; against the round before
	sed -nE 's/^([0-9]{3} )?  ([0-9.]+): in use by (.*)\$/\3 \2/p' "$out/pool" | sort >"$out/leases.\$R"
	prev="$out/leases.\$((R - 1))"
	if [ -f "\$prev" ]; then
		same=\$(comm -12 "\$prev" "$out/leases.\$R" | wc -l)
		changed=\$(join "\$prev" "$out/leases.\$R" | awk '\$2 != \$3' | wc -l)
		[ "\$same" = "\$LG_UP" ] || verdict="FAIL(\$same of \$LG_UP IDs got their address back)"
	fi
fi
t1=\$(ticks)
if [ -n "$PERF_DELETE" ] && [ "\$LG_PHASE" = up ]; then
	perf record -q $PERF_ARGS -p $BENCH_PID -o "$PERF_DELETE/delete-\$CHURN_LABEL-\$R.data" \
		</dev/null >/dev/null 2>&1 &
	echo \$! >"$out/perf.pid"; sleep 1
fi
line="\$CHURN_LABEL \$R \$LG_PHASE \$t0 \$t1 \${ike:-?} \${ipsec:-?} \${xs:-?} \${xp:-?} \${inuse:-?} \$same \$changed \$verdict"
echo "\$line" >>"$out/checks"
if [ "\$verdict" != ok ]; then
	echo "churn: \$line" >&2
	ip -n "$NS_R" xfrm policy count >&2
	ip -n "$NS_R" xfrm policy | head -n 40 >&2
	ip -n "$NS_R" xfrm state | head -n 20 >&2
fi
[ "\$verdict" = ok ]
EOF
chmod +x "$out/hook.sh"

# run_phase LABEL ROUNDS: one generator run of ROUNDS rounds, the label's rounds numbered
# on from the runs before (done_plain, done_cp); its output appended to lg-LABEL.out with
# those numbers
# shellcheck disable=SC2034 # read through eval
done_plain=0 done_cp=0
runs=0
run_phase() {
	local label=$1 rounds=$2 r0 rc
	eval "r0=\$done_$label"
	runs=$((runs + 1))
	echo "$label - start - $(bench_cpu_ticks "$BENCH_PID")" >>"$out/checks"
	CHURN_LABEL=$label CHURN_ROUND0=$r0 bench_churn_loadgen "$label" "$N" "$rounds" \
		"$out/hook.sh" -t "$CHURN_WAIT" --log "$out/lg-$label.log" >"$out/lg-run.out" 2>&1
	rc=$?
	echo "$label - exit $rc" >>"$out/checks"
	awk -v r0="$r0" '/^round [0-9]+:/ { split($2, a, ":"); $2 = (a[1] + r0) ":" } { print }' \
		"$out/lg-run.out" | tee -a "$out/lg-$label.out"
	eval "done_$label=\$((r0 + rounds))"
}

: >"$out/checks"
: >"$out/lg-plain.out"
: >"$out/lg-cp.out"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
wall0=$(date +%s)
if [ -n "$ORDER" ]; then
	for label in $ORDER; do
		case $label in plain | cp) ;; *) iop_die "ORDER: \"$label\": expected plain or cp" ;; esac
	done
	bench_log "$N clients, one round each in the order $ORDER, at $RATE/s"
	for label in $ORDER; do run_phase "$label" 1; done
else
	bench_log "$N clients, $PLAIN_ROUNDS rounds without CP, then $ROUNDS with CP, at $RATE/s"
	[ "$PLAIN_ROUNDS" -gt 0 ] && run_phase plain "$PLAIN_ROUNDS"
	[ "$ROUNDS" -gt 0 ] && run_phase cp "$ROUNDS"
fi
wall1=$(date +%s)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$out/checks" >&2

# ---- the report ----
{
	echo "# Churn run, $(date '+%Y-%m-%d %H:%M')"
	echo
	[ -n "${CHURN_WHERE:-}" ] && { echo "$CHURN_WHERE"; echo; }
	echo "Skua pluto --use-$STACK, $WORKERS worker(s) pinned to CPU $RESP_CPU, default --uniqueids;"
	echo "skua-loadgen on CPU $GEN_CPU: $N clients (an ID each) from $ADDRS addresses x $PORTS"
	echo "ports, setups and Deletes at $RATE/s, at most $HALF_OPEN half-open; rounds:"
	echo "${ORDER:-$PLAIN_ROUNDS without CP, then $ROUNDS with CP}. Load average"
	echo "(1/5/15 min) before: $load0, after: $load1 ($(nproc --all) CPUs). Wall time $((wall1 - wall0)) s."
	[ -n "$KERNEL_NOTE" ] && { echo; echo "$KERNEL_NOTE"; }
	echo
	echo "| run | round | IKE SAs up | setup s | addresses received / refused | same address as the round before / changed | responder CPU ms per setup | ms per delete | after setup: IKE / IPsec SAs, xfrm states / policies, leases | after delete: IKE / IPsec SAs, xfrm states / policies, leases | checks |"
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
				upc[lbl, r] = $6 " / " $7 ", " $8 " / " $9 ", " $10
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
				sm = lgsame[lbl, r]; if (ss[lbl, r] != "") sm = (sm == "" ? "" : sm " (generator); ") ss[lbl, r] " (leases)"
				printf "| %s | %d | %d | %s | %s | %s | %.3f | %.3f | %s | %s | %s |\n",
					(lbl == "cp" ? "with CP" : "without CP"), r, u, secs[lbl, r],
					(addr[lbl, r] == "" ? "-" : addr[lbl, r]), (sm == "" ? "-" : sm), ms, dms,
					upc[lbl, r], downc[lbl, r], verdict[lbl, r]
				tot[lbl] += ms; v_[lbl, ++cnt[lbl]] = ms; byr[lbl, r] = ms
			}
			if (cnt["plain"] && cnt["cp"]) {
				a = tot["plain"] / cnt["plain"]; c = tot["cp"] / cnt["cp"]
				printf "\nResponder CPU per setup, mean over the rounds: without CP %.3f ms, with CP %.3f ms: %+.1f %% (target: within 10 %%).\n", a, c, (c - a) * 100 / a
				ma = med("plain"); mc = med("cp")
				printf "Median (min-max): without CP %.3f ms (%.3f-%.3f, %d rounds), with CP %.3f ms (%.3f-%.3f, %d rounds): %+.1f %%.\n", ma, lo["plain"], hi["plain"], cnt["plain"], mc, lo["cp"], hi["cp"], cnt["cp"], (mc - ma) * 100 / ma
				# paired: the i-th CP round against the i-th round without (ORDER alternates them)
				np = 0; lst = ""
				for (i = 1; (("plain", i) in byr) && (("cp", i) in byr); i++) {
					d = (byr["cp", i] - byr["plain", i]) * 100 / byr["plain", i]
					v_["pair", ++np] = d; lst = lst sprintf("%s%+.1f", np > 1 ? ", " : "", d)
				}
				if (np > 1) {
					cnt["pair"] = np; mp = med("pair")
					printf "Paired (round i with CP against round i without): %s %%; median %+.1f %%, min %+.1f %%, max %+.1f %%.\n", lst, mp, lo["pair"], hi["pair"]
					# their mean, and its 95 % confidence interval (Student t, np - 1 degrees of freedom)
					split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 2.18 2.16 2.14 2.13 2.12 2.11 2.10 2.09 2.09 2.08 2.07 2.07 2.06 2.06 2.06 2.05 2.05 2.05 2.04", tq, " ")
					m = 0; for (i = 1; i <= np; i++) m += v_["pair", i]; m /= np
					ss2 = 0; for (i = 1; i <= np; i++) ss2 += (v_["pair", i] - m) ^ 2
					half = (np - 1 <= 30 ? tq[np - 1] : 1.96) * sqrt(ss2 / (np - 1) / np)
					printf "Mean of the %d paired differences: %+.1f %%, 95 %% confidence interval %+.1f %% to %+.1f %%: CP costs less than 10 %% more with 95 %% confidence only if its upper bound is below +10 %%.\n", np, m, m - half, m + half
				}
			}
		}
		# med(label): the median of v_[label, 1..cnt[label]]; lo[], hi[]: min, max
		function med(l,    i, j, t, n, w) {
			n = cnt[l]
			for (i = 1; i <= n; i++) w[i] = v_[l, i]
			for (i = 2; i <= n; i++) for (j = i; j > 1 && w[j - 1] > w[j]; j--) { t = w[j]; w[j] = w[j - 1]; w[j - 1] = t }
			lo[l] = w[1]; hi[l] = w[n]
			return n % 2 ? w[(n + 1) / 2] : (w[n / 2] + w[n / 2 + 1]) / 2
		}' "$out/checks"
	echo
	if grep -q FAIL "$out/checks" || grep -q ' exit [^0]' "$out/checks"; then
		echo "**Some checks failed** (see the checks column; generator exits: $(grep -c ' exit 0' "$out/checks") of $runs clean)."
	else
		echo "Every check passed: no lease, SA or kernel state/policy left after any round, every ID got its address back."
	fi
} >"$md"
cp "$out/checks" "${md%.md}.checks"
cat "$md"
echo "# written to $md" >&2
grep -q FAIL "$out/checks" && exit 1
exit 0
