#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Run a script inside a qemu guest whose kernel has ESP, AH, IPComp and PF_KEY
# (the host kernel here has XFRM netlink but no ESP). The guest sees the host
# root read-only under a tmpfs overlay, at the same paths, so host-built
# binaries run unchanged; writes vanish when it powers off.
#
#   tests/kernel/guest.sh run [-q] [-t SECONDS] [-w DIR]... SCRIPT [ARGS...]
#   tests/kernel/guest.sh check      exit 0 if scripts/setup-guest has run
#
# run: boots the guest (scripts/setup-guest must have run), runs SCRIPT with
# ARGS as root in the current directory, streams the guest console to stdout
# and exits with SCRIPT's status. -q prints the console only if the run
# fails. -t: kill qemu after SECONDS (default 120, or $SKUA_GUEST_TIMEOUT).
# -w DIR: share a host directory writable at the same path (for logs).
# Exit 124: timed out; 125: the guest failed before or after SCRIPT (a kernel
# panic or oops, qemu failing to start); 77: no guest set up (a skip).
# Variables named SKUA_* pass into the guest; SKUA_IN_GUEST=1 is set there.
#
# Environment: SKUA_GUEST_DIR (default <repo>/build/guest), SKUA_GUEST_CPUS
# (default 2), SKUA_GUEST_MEM (MiB, default 1024), SKUA_GUEST_CPU_MODEL
# (default max), SKUA_GUEST_LOG (keep the console log at this path),
# SKUA_GUEST_KEEP=1 (keep the run's temp dir: job, console.log, status).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
gdir=${SKUA_GUEST_DIR:-$top/build/guest}

die() {
	echo "guest.sh: $*" >&2
	exit 125
}

usage() {
	sed -n '8,9p' "$0" | sed 's/^# *//' >&2
	exit 2
}

ready() {
	[ -f "$gdir/stamp" ] && [ -f "$gdir/vmlinux" ] && [ -f "$gdir/initramfs.cpio" ] &&
		command -v qemu-system-x86_64 >/dev/null
}

cmd_run() {
	local quiet=0 timeout=${SKUA_GUEST_TIMEOUT:-120} shares=() opt s
	OPTIND=1
	while getopts "qt:w:" opt; do
		case $opt in
		q) quiet=1 ;;
		t) timeout=$OPTARG ;;
		w)
			s=$(cd "$OPTARG" 2>/dev/null && pwd) || die "-w $OPTARG: not a directory"
			[[ $s != *[[:space:]]* ]] || die "-w $OPTARG: a path with white space cannot go on the kernel command line"
			shares+=("$s")
			;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -ge 1 ] || usage
	[[ $timeout =~ ^[0-9]+$ ]] && [ "$timeout" -gt 0 ] ||
		die "-t $timeout: expected a whole number of seconds"
	if ! ready; then
		echo "guest.sh: no guest in $gdir or no qemu-system-x86_64: run scripts/setup-guest" >&2
		exit 77
	fi

	local script kver tmp
	script=$(realpath -e "$1" 2>/dev/null) || die "$1: no such script"
	shift
	kver=$(sed -n 's/^kver=//p' "$gdir/stamp")
	tmp=$(mktemp -d /tmp/skua-guest.XXXXXX)
	# shellcheck disable=SC2064
	[ "${SKUA_GUEST_KEEP:-0}" = 1 ] || trap "rm -rf '$tmp'" EXIT

	# The job: a shell script that init runs chrooted into the overlay.
	{
		echo "skua_modules=$(realpath "$gdir/kernel/lib/modules")"
		echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
		echo 'export HOME=/root TERM=dumb LANG=C.UTF-8 SKUA_IN_GUEST=1 SKUA_BUSYBOX=/run/skua/busybox'
		local v
		for v in $(compgen -e | grep '^SKUA_' | grep -v '^SKUA_GUEST_' || true); do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
		printf 'cd %q || exit 125\n' "$PWD"
		if [ -x "$script" ]; then
			printf 'exec %q' "$script"
		else
			printf 'exec /bin/sh %q' "$script"
		fi
		[ $# -eq 0 ] || printf ' %q' "$@"
		echo
	} >"$tmp/job"

	local append fsdevs=() i=0 s
	# quiet + loglevel=4: warnings and oopses still reach the console.
	# panic=-1 with -no-reboot: a kernel panic ends qemu at once.
	append="console=ttyS0 quiet loglevel=4 panic=-1 oops=panic rdinit=/init"
	append+=" mitigations=off tsc=reliable no_timer_check cryptomgr.notests=1"
	append+=" skua.job=$tmp/job"
	for s in "${shares[@]}"; do
		i=$((i + 1))
		fsdevs+=(-fsdev "local,id=rw$i,path=$s,security_model=none,multidevs=remap"
			-device "virtio-9p-pci,fsdev=rw$i,mount_tag=rw$i")
		append+=" skua.rw=rw$i:$s"
	done

	local console=$tmp/console.log status=$tmp/status rc=0 qemu
	# shellcheck disable=SC2054 # commas separate qemu's sub-options
	qemu=(qemu-system-x86_64
		-nodefaults -display none -no-reboot -no-user-config
		-machine pc,accel=tcg -cpu "${SKUA_GUEST_CPU_MODEL:-max}"
		-smp "${SKUA_GUEST_CPUS:-2}" -m "${SKUA_GUEST_MEM:-1024}"
		-kernel "$gdir/vmlinux" -initrd "$gdir/initramfs.cpio" -append "$append"
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
		"${fsdevs[@]}"
		-serial stdio -serial "file:$status")
	# TCG: /dev/kvm here cannot run a stock kernel. -cpu max brings AES-NI,
	# PCLMUL and RDRAND (so the crng is ready at once). The console is qemu's
	# stdout: teed to the log, and to our stdout unless -q, less the kernel's
	# closing "reboot: Power down" so that SCRIPT's last line stays last.
	# timeout(1) outlives us if we are killed, and still ends qemu.
	{
		timeout -s KILL "$timeout" "${qemu[@]}" </dev/null 2>"$tmp/qemu.out" && rc=0 || rc=$?
		echo $rc >"$tmp/rc"
	} | tee "$console" | if [ $quiet -eq 0 ]; then
		sed -u -e 's/\r$//' -e '/^\[ *[0-9.]*\] reboot: Power down$/d'
	else
		cat >/dev/null
	fi
	rc=$(cat "$tmp/rc")

	local why=
	if [ $rc -eq 137 ]; then
		why="timed out after ${timeout}s (guest kernel $kver); killed qemu"
		rc=124
	elif [ $rc -ne 0 ]; then
		why="qemu exited with status $rc: $(head -c 2000 "$tmp/qemu.out")"
		rc=125
	elif s=$(grep -a -o 'SKUA-STATUS [0-9]*' "$status" | tail -1) && [ -n "$s" ]; then
		rc=${s#SKUA-STATUS }
		[ "$rc" -eq 0 ] || why="$(basename "$script") exited with status $rc in the guest"
	else
		why="the guest stopped without reporting a status (kernel panic?)"
		rc=125
	fi
	if [ -n "${SKUA_GUEST_LOG:-}" ]; then
		tr -d '\r' <"$console" >"$SKUA_GUEST_LOG"
	fi
	if [ $rc -ne 0 ]; then
		if [ $quiet -eq 1 ]; then
			echo "guest.sh: console of the failed run:" >&2
			tr -d '\r' <"$console" >&2
		fi
		echo "guest.sh: $why" >&2
	fi
	return $rc
}

[ $# -ge 1 ] || usage
case $1 in
run)
	shift
	cmd_run "$@"
	;;
check)
	ready
	;;
*) usage ;;
esac
