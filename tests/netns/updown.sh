#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# updown under load and its outcome to whack (none kernel backend):
#  - whack --initiate reports the Child SA only after up- has run, and a
#    failing up-client is the failure it is (exit status 36, RC_FATAL, as
#    libreswan's fatal transition), the Child SA deleted;
#  - a slow --updown script and 1,000 road-warrior clients set up and torn
#    down flat out: every verb ran, up- before down- for each Child SA, none
#    skipped; the runner's queue (256) filled, so verbs waited (counted).
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"

LOADGEN=$BUILD/bench/skua-loadgen
N=${UPDOWN_TEST_SAS:-1000}
[ -x "$LOADGEN" ] || { echo "not ok - $LOADGEN not built"; exit 1; }

T=$(mktemp -d /tmp/skua-updown.XXXXXX)
netns_pair "sku$$"
cleanup() {
	[ -n "${LG_PID:-}" ] && kill -KILL "$LG_PID" 2>/dev/null
	netns_cleanup
	if [ "$FAILS" -ne 0 ] || [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

printf '@west @east : PSK "updown test secret"\n%%any : PSK "updown test secret"\n' >"$T/secrets"
chmod 600 "$T/secrets"
for side in w e; do
	ns=$([ $side = w ] && echo "$NS_W" || echo "$NS_E")
	mkdir -p "$T/$side"
	# --uniqueids=no: the generator's clients all send one ID (their address)
	ip netns exec "$ns" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" --use-none \
		--nhelpers 2 --uniqueids=no --secretsfile "$T/secrets" >"$T/$side.out" \
		2>"$T/$side.log" &
done
for side in w e; do
	wait_for 10 grep -q "Pluto initialized" "$T/$side.out" && ok "pluto $side started" ||
		{ not_ok "pluto $side did not start"; cat "$T/$side.log"; finish; }
done
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
WE="ip netns exec $NS_E $WHACK --rundir $T/e"

# ---- whack waits for up-, and hears its failure ----
cat >"$T/slow_up" <<R
#!/bin/sh
case "\$PLUTO_VERB" in up-*) sleep 1 ;; esac
echo "\$PLUTO_VERB" >>$T/slow_up.log
R
cat >"$T/fail_up" <<R
#!/bin/sh
echo "\$PLUTO_VERB" >>$T/fail_up.log
case "\$PLUTO_VERB" in up-*) exit 3 ;; esac
exit 0
R
chmod +x "$T/slow_up" "$T/fail_up"
for c in slow_up fail_up; do
	$WW --name "$c" --host 192.0.2.1 --id @west --client 10.1.0.0/16 --updown "$T/$c" \
		--to --host 192.0.2.2 --id @east --client "10.9.$([ $c = slow_up ] && echo 1 || echo 2).0/24" \
		--psk --encrypt >/dev/null
	$WE --name "$c" --host 192.0.2.1 --id @west --client 10.1.0.0/16 \
		--to --host 192.0.2.2 --id @east --client "10.9.$([ $c = slow_up ] && echo 1 || echo 2).0/24" \
		--psk --encrypt >/dev/null
done
expect_status 0 "west listens" $WW --listen
expect_status 0 "east listens" $WE --listen

t0=$(date +%s%N)
expect_status 0 "a slow up-client: --initiate succeeds" timeout 20 $WW --initiate --name slow_up
t1=$(date +%s%N)
expect_match "... reporting the Child SA established" '^004 "slow_up" #[0-9]+: IPsec SA #[0-9]+ established tunnel mode'
[ $(((t1 - t0) / 1000000)) -ge 1000 ] && ok "whack waited for up-client ($(((t1 - t0) / 1000000)) ms)" ||
	not_ok "whack returned after $(((t1 - t0) / 1000000)) ms, before up-client's 1 s"
grep -q '^up-client$' "$T/slow_up.log" && ok "up-client had run when whack returned" ||
	not_ok "up-client had not run when whack returned"

expect_status 36 "a failing up-client: --initiate fails with RC_FATAL (36)" timeout 20 $WW --initiate --name fail_up
expect_match "whack hears why" '^036 "fail_up" #[0-9]+: updown up-client failed \(exit status 3\): deleting Child SA #[0-9]+'
expect_no_match "and no \"established\" for the Child SA" 'IPsec SA #[0-9]+ established'
expect_status 0 "west status" $WW --status
expect_no_match "the failed Child SA is gone" '"fail_up".*STATE_V2_ESTABLISHED_CHILD_SA'
expect_match "the other one stays" '"slow_up".*STATE_V2_ESTABLISHED_CHILD_SA'

# ---- 1,000 clients, a slow script: every verb, in order, none skipped ----
cat >"$T/slow" <<R
#!/bin/sh
echo "\$PLUTO_VERB \$PLUTO_SA_REQID" >>$T/verbs.log
sleep 0.005
R
chmod +x "$T/slow"
: >"$T/verbs.log"
$WE --name rw --host 192.0.2.2 --updown "$T/slow" --to --host %any --psk --encrypt \
	--dontrekey >/dev/null
ip netns exec "$NS_W" "$LOADGEN" -r 192.0.2.2 -s 192.0.2.1 -S 1 -P 50 --src-port 20000 -n "$N" \
	-H 128 --psk "updown test secret" --ike aes_gcm128-sha2_256-dh31 --esp aes_gcm128 \
	--json "$T/lg.json" --teardown -t 60 -q >"$T/lg.out" 2>&1 &
LG_PID=$!
wait_for 90 sh -c "! kill -0 $LG_PID 2>/dev/null" || not_ok "the generator did not finish"
LG_PID=
up=$(sed -n 's/^  "child_established": \([0-9]*\),*$/\1/p' "$T/lg.json")
[ "${up:-0}" = "$N" ] && ok "$N Child SAs up (and deleted) from the generator" ||
	{ not_ok "only ${up:-0} of $N Child SAs came up"; cat "$T/lg.out"; }
wait_for 60 sh -c "[ \$(grep -c '^down-host ' $T/verbs.log) -ge $N ]" || true
ups=$(grep -c '^up-host ' "$T/verbs.log" || true)
downs=$(grep -c '^down-host ' "$T/verbs.log" || true)
[ "$ups" = "$N" ] && ok "up-host ran $N times" || not_ok "up-host ran $ups times, expected $N"
[ "$downs" = "$N" ] && ok "down-host ran $N times" || not_ok "down-host ran $downs times, expected $N"
bad=$(awk '$1 == "up-host" { if (up[$2]++ || down[$2]) bad++ }
	   $1 == "down-host" { if (!up[$2] || down[$2]++) bad++ }
	   END { print bad + 0 }' "$T/verbs.log")
[ "$bad" = 0 ] && ok "for every Child SA: up-host once, then down-host once" ||
	not_ok "$bad Child SAs with verbs out of order or repeated"
grep -q "not run" "$T/e.log" && not_ok "pluto skipped an updown verb: $(grep -m1 'not run' "$T/e.log")" ||
	ok "no verb was skipped"
expect_status 0 "east's --globalstatus" $WE --globalstatus
expect_match "verbs waited for room in the runner's queue (counted)" '^skua\.total\.updown\.delayed=[1-9][0-9]*$'
expect_match "none is waiting any more" '^skua\.current\.updown\.waiting=0$'
finish
