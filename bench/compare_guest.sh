#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/compare_guest.sh: bench/compare.sh inside the qemu guest of tests/kernel (a kernel
# with ESP), IKEv1 by default: Skua's pluto (1 worker, XFRM), strongSwan 5.9.8's charon and
# libreswan 4.10's pluto, one after the other in one boot, each answering skua-loadgen's
# Main Mode PSK + Quick Mode setups and installing every IPsec SA in the kernel, which on
# the host only Skua and strongSwan can be measured without (libreswan installs the IPsec
# SA before it answers Quick Mode; see bench/README.md "IKEv1 responders side by side").
# The three rows share one guest, one kernel and one load, so their ratios are fair; the
# figures themselves are emulated-CPU time (TCG, no KVM), not the host's.
#
#   flock /tmp/skua-netns.lock bench/compare_guest.sh              # N=500, IKEv1
#   N=1000 flock /tmp/skua-netns.lock bench/compare_guest.sh
#   IKEV1=0 ONLY="skuaxfrm sswan lsw" flock /tmp/skua-netns.lock bench/compare_guest.sh
#
# Environment (passed into the guest): N (500), HALF_OPEN (128), RATE (0), SETUP_WAIT
# (s per responder, 1800), ONLY (skuaxfrm sswan lsw: compare.sh's row names; skua1 and
# skua2 are --use-none, which has no place here), IKEV1 (1); GUEST_MEM (MiB, 2048),
# GUEST_CPUS (2: compare.sh pins the generator to CPU 0 and the responder to CPU 1),
# GUEST_TIMEOUT (seconds for the whole boot; default from SETUP_WAIT and the rows), BUILD
# (build/default), LOGS (a directory: the daemons' logs and configurations are copied
# there at the end). The report goes to bench/results/compare-v1-guest-STAMP.md (the
# directory is shared writable into the guest), with the per-row JSON beside it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
VARS="N HALF_OPEN RATE SETUP_WAIT ONLY IKEV1"

if [ "${SKUA_IN_GUEST:-0}" = 1 ]; then
	# Inside the guest: the variables came in as SKUA_CMP_<name>.
	for v in $VARS; do
		eval "[ -n \"\${SKUA_CMP_$v:-}\" ] && export $v=\"\$SKUA_CMP_$v\""
	done
	cpus=$(nproc --all)
	mem=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
	echo "# in the guest: kernel $(uname -r), $cpus CPUs, $mem MiB"
	export BUILD=$SKUA_CMP_BUILD IOP_WAIT=${IOP_WAIT:-60}
	COMPARE_WHERE="In the qemu guest of tests/kernel (bench/compare_guest.sh): kernel $(uname -r) with ESP, so every responder installs each IPsec SA (an inbound and an outbound ESP SA and their policies); $cpus vCPUs emulated (TCG, no KVM), $mem MiB; the host's load average at the start: $SKUA_CMP_HOSTLOAD (the host has $SKUA_CMP_HOSTCPUS CPUs, shared with other work). The CPU figures are emulated-CPU time: compare the rows with each other, not with the host's figures."
	export COMPARE_WHERE
	[ -z "${SKUA_CMP_LOGS:-}" ] || export IOP_KEEP=1
	# the host's /tmp shows through the guest's: only the run's own directory is copied
	before=$(ls -d /tmp/skua-iop.* 2>/dev/null)
	bash "$here/compare.sh"
	rc=$?
	if [ -n "${SKUA_CMP_LOGS:-}" ]; then
		# the daemons' logs and configurations (the guest's /tmp vanishes at power-off)
		for d in /tmp/skua-iop.*; do
			grep -qxF "$d" <<<"$before" && continue
			[ -d "$d" ] && cp -r "$d" "$SKUA_CMP_LOGS/" && echo "# logs kept in $SKUA_CMP_LOGS/${d##*/}"
		done
	fi
	exit $rc
fi

BUILD=$(cd "${BUILD:-$top/build/default}" 2>/dev/null && pwd) || {
	echo "compare_guest.sh: no build directory ${BUILD:-$top/build/default}" >&2
	exit 1
}
for f in src/pluto/pluto tools/whack/whack bench/skua-loadgen; do
	[ -x "$BUILD/$f" ] || { echo "compare_guest.sh: $BUILD/$f not built" >&2; exit 1; }
done
export N=${N:-500} ONLY=${ONLY:-skuaxfrm sswan lsw} IKEV1=${IKEV1:-1}
export SETUP_WAIT=${SETUP_WAIT:-1800}
for r in $ONLY; do
	case $r in
	skuaxfrm | sswan | lsw) ;;
	skua1 | skua2 | profile)
		echo "compare_guest.sh: ONLY=$r: --use-none rows are for the host (bench/compare.sh)" >&2
		exit 2
		;;
	*)
		echo "compare_guest.sh: ONLY=$r: expected skuaxfrm, sswan or lsw" >&2
		exit 2
		;;
	esac
done
rows=$(wc -w <<<"$ONLY")
# each row: its setups (bounded by SETUP_WAIT and compare.sh's slack), the daemon's start
# and stop; plus the boot and the source addresses
GUEST_TIMEOUT=${GUEST_TIMEOUT:-$((rows * (SETUP_WAIT + 120) + 300))}
for v in $VARS; do
	eval "[ -n \"\${$v:-}\" ] && export SKUA_CMP_$v=\"\$$v\""
done
SKUA_CMP_HOSTLOAD=$(cut -d' ' -f1-3 /proc/loadavg)
SKUA_CMP_HOSTCPUS=$(nproc --all)
export SKUA_CMP_BUILD=$BUILD SKUA_CMP_HOSTLOAD SKUA_CMP_HOSTCPUS
mkdir -p "$here/results"
echo "# compare in the guest: N=$N, IKEv$([ "$IKEV1" = 1 ] && echo 1 || echo 2), rows: $ONLY;" \
	"guest ${GUEST_MEM:-2048} MiB, ${GUEST_CPUS:-2} CPUs, bound ${GUEST_TIMEOUT} s;" \
	"host load $SKUA_CMP_HOSTLOAD" >&2
shares=(-w "$here/results")
if [ -n "${LOGS:-}" ]; then
	mkdir -p "$LOGS" && SKUA_CMP_LOGS=$(cd "$LOGS" && pwd) || exit 1
	export SKUA_CMP_LOGS
	shares+=(-w "$SKUA_CMP_LOGS")
fi
SKUA_GUEST_MEM=${GUEST_MEM:-2048} SKUA_GUEST_CPUS=${GUEST_CPUS:-2} \
	exec "$top/tests/kernel/guest.sh" run "${shares[@]}" -t "$GUEST_TIMEOUT" "$here/compare_guest.sh"
