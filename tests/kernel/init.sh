#!/bin/busybox sh
# SPDX-License-Identifier: BSD-2-Clause
# PID 1 of the test guest (copied into the initramfs as /init by
# scripts/setup-guest). It mounts the host's root, shared read-only over
# virtio-9p, under a tmpfs overlay so that host paths and host-built binaries
# work unchanged, runs the job that tests/kernel/guest.sh wrote, reports the
# job's exit status on the second serial port and powers off.
#
# Kernel command line: skua.job=PATH (required; a host path), skua.rw=TAG:PATH
# (optional, repeatable; a writable 9p share mounted at PATH).

/bin/busybox mkdir -p /dev /proc /sys
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys

# die <message>: report on the console and as status 125, then power off.
die() {
	echo "skua-init: $*"
	echo "SKUA-STATUS 125" >/dev/ttyS1
	poweroff -f
	sleep 60
}

kver=$(uname -r)
job=
rw=
for arg in $(cat /proc/cmdline); do
	case $arg in
	skua.job=*) job=${arg#skua.job=} ;;
	skua.rw=*) rw="$rw ${arg#skua.rw=}" ;;
	esac
done
[ -n "$job" ] || die "no skua.job= on the kernel command line"

# Only the modules that reaching the host root needs live in the initramfs.
modprobe -a virtio_pci 9pnet_virtio 9p overlay || die "cannot load the 9p/overlay modules"

# The 9p transport appears once the PCI device has been probed.
n=0
while ! grep -q hostroot /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 200 ] || die "virtio-9p device 'hostroot' never appeared"
	usleep 10000
done

# msize: fewer round trips per read of a binary; cache=loose: the host root
# is read-only for the guest and does not change under a test.
p9="trans=virtio,version=9p2000.L,msize=512000"
mkdir -p /host /rw /newroot
mount -t 9p -o "$p9,cache=loose,ro" hostroot /host || die "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	die "cannot mount the overlay on the host root"

R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
# What udev would add: bash's process substitution needs /dev/fd.
ln -s /proc/self/fd $R/dev/fd
ln -s /proc/self/fd/0 $R/dev/stdin
ln -s /proc/self/fd/1 $R/dev/stdout
ln -s /proc/self/fd/2 $R/dev/stderr
mount -t devpts -o ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $R/run
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null

# The job file lives on the host: read it through the plain 9p mount. The
# host's /tmp stays visible (writes land in the overlay's tmpfs).
[ -r "/host$job" ] || die "job file $job not readable through 9p"
cp "/host$job" $R/run/skua-job

# The guest kernel's modules, for modprobe in the job and for the kernel's
# own requests (xfrm types, crypto algorithms), which run /sbin/modprobe in
# the initramfs root, not in the job's root.
mods=$(sed -n 's/^skua_modules=//p' $R/run/skua-job)
if [ -n "$mods" ] && [ -d "/host$mods/$kver" ]; then
	mount --bind "/host$mods" /lib/modules
	mkdir -p $R/lib/modules
	mount --bind "/host$mods" $R/lib/modules
else
	echo "skua-init: warning: no module tree for $kver; modprobe will fail"
fi
# Busybox for the job ($SKUA_BUSYBOX: ping, for one), and the module tools
# for a host without kmod.
mkdir -p $R/run/skua
cp /bin/busybox $R/run/skua/busybox
for f in /usr/sbin/modprobe /usr/sbin/insmod /usr/sbin/rmmod /usr/sbin/lsmod; do
	if [ ! -e "$R$f" ] && [ ! -L "$R$f" ]; then
		ln -s /run/skua/busybox "$R$f"
	fi
done
echo /sbin/modprobe >/proc/sys/kernel/modprobe

i=0
for share in $rw; do
	i=$((i + 1))
	tag=${share%%:*}
	path=${share#*:}
	mkdir -p "$R$path"
	mount -t 9p -o "$p9,cache=none" "$tag" "$R$path" || die "cannot mount share $tag at $path"
done

ip link set lo up
hostname skua-guest

chroot $R /bin/sh /run/skua-job </dev/null
status=$?
echo "SKUA-STATUS $status" >/dev/ttyS1
sync
poweroff -f
sleep 60
