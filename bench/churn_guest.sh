#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/churn_guest.sh: bench/churn.sh inside the qemu guest of tests/kernel (a kernel with
# ESP), so that the responder runs on XFRM (STACK=netkey) with real ESP SAs and policies
# and churn.sh's kernel checks mean something: after each round's setup `ip xfrm state
# count` is 2N (an inbound and an outbound ESP SA per Child SA) and the policies IN + OUT +
# FWD are 3N; after each round's Deletes both are 0 (with the leases and the SA totals).
# churn.sh runs with REQUIRE_ESP=1: it fails rather than fall back to --use-none.
#
#   flock /tmp/skua-netns.lock bench/churn_guest.sh          # N=10000, 2 CP rounds, 1 without
#   N=5000 RATE=100 ORDER="plain cp cp plain" flock /tmp/skua-netns.lock bench/churn_guest.sh
#
# Environment (passed into the guest): N (10000), ROUNDS (2), PLAIN_ROUNDS (1), ORDER, RATE
# (100: the guest is emulated, TCG, no KVM), ADDRS, HALF_OPEN, CHURN_WAIT (1800), WORKERS;
# GUEST_MEM (MiB, 6144), GUEST_CPUS (2: churn.sh pins the generator to CPU 0 and the
# responder to CPU 1), GUEST_TIMEOUT (seconds for the whole boot; default from N, RATE and
# the rounds), BUILD (build/default). The report goes to bench/results/churn-STAMP.md (the
# directory is shared writable into the guest), headed "in the qemu guest".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
VARS="N ROUNDS PLAIN_ROUNDS ORDER RATE ADDRS HALF_OPEN CHURN_WAIT CHURN_POLLS WORKERS"

if [ "${SKUA_IN_GUEST:-0}" = 1 ]; then
	# Inside the guest: the variables came in as SKUA_CHURN_<name>.
	for v in $VARS; do
		eval "[ -n \"\${SKUA_CHURN_$v:-}\" ] && export $v=\"\$SKUA_CHURN_$v\""
	done
	echo "# in the guest: kernel $(uname -r), $(nproc --all) CPUs, $(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
	export STACK=netkey REQUIRE_ESP=1 BUILD=$SKUA_CHURN_BUILD
	CHURN_WHERE="In the qemu guest of tests/kernel (bench/churn_guest.sh): kernel $(uname -r) with ESP, $(nproc --all) vCPUs emulated (TCG, no KVM), $(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB; the host's load average at the start: $SKUA_CHURN_HOSTLOAD. The CPU figures are emulated-CPU time: compare them with each other, not with the host's."
	export CHURN_WHERE
	exec bash "$here/churn.sh"
fi

BUILD=$(cd "${BUILD:-$top/build/default}" 2>/dev/null && pwd) || {
	echo "churn_guest.sh: no build directory ${BUILD:-$top/build/default}" >&2
	exit 1
}
for f in src/pluto/pluto tools/whack/whack bench/skua-loadgen; do
	[ -x "$BUILD/$f" ] || { echo "churn_guest.sh: $BUILD/$f not built" >&2; exit 1; }
done
export N=${N:-10000} ROUNDS=${ROUNDS:-2} PLAIN_ROUNDS=${PLAIN_ROUNDS:-1} RATE=${RATE:-100}
export CHURN_WAIT=${CHURN_WAIT:-1800}
if [ -n "${ORDER:-}" ]; then
	nrounds=$(wc -w <<<"$ORDER")
else
	nrounds=$((ROUNDS + PLAIN_ROUNDS))
fi
# each round: N setups and N Deletes at RATE/s, and the checks (whack over N SAs): allow
# three times that, plus the boot
GUEST_TIMEOUT=${GUEST_TIMEOUT:-$((nrounds * (2 * N / RATE) * 3 + 300))}
for v in $VARS; do
	eval "[ -n \"\${$v:-}\" ] && export SKUA_CHURN_$v=\"\$$v\""
done
SKUA_CHURN_HOSTLOAD=$(cut -d' ' -f1-3 /proc/loadavg)
export SKUA_CHURN_BUILD=$BUILD SKUA_CHURN_HOSTLOAD
mkdir -p "$here/results"
echo "# churn in the guest: N=$N, $nrounds rounds at $RATE/s, guest ${GUEST_MEM:-6144} MiB," \
	"${GUEST_CPUS:-2} CPUs, bound ${GUEST_TIMEOUT} s" >&2
SKUA_GUEST_MEM=${GUEST_MEM:-6144} SKUA_GUEST_CPUS=${GUEST_CPUS:-2} \
	exec "$top/tests/kernel/guest.sh" run -w "$here/results" -t "$GUEST_TIMEOUT" "$here/churn_guest.sh"
