#!/bin/sh
# /init of the Linux benchmark initramfs (tools/bench-initrd.sh packs it
# with busybox-static, the virtio modules and the static glibc build of
# bench/ as /bench). Records the boot stamp first, brings up the
# benchmark disks (virtio-blk: the raw exodisk image and the ext2 file
# system that tools/bench.sh makes), runs the benchmarks and powers off.
# The output goes to the serial console, where tools/bench.sh reads the
# BENCH lines.
export PATH=/bin

/bench stamp # first: the boot-to-first-program figure

# The same mounts in the same order as the VMM's Linux guest's /init
# (tools/linux-guest-initrd.sh), then what it prints its first line with:
# the kernel's uptime through cat and cut. Stamped there for
# vm_linux_boot (bench/vmlinux.c), so both sides stop at the same point.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
/bench stamp-line "$(cat /proc/uptime | busybox cut -d ' ' -f 1)"
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

# Modules, dependencies first (the order tools/bench-initrd.sh wrote).
while read -r m; do
	insmod "/lib/modules/$m" || echo "init: insmod $m failed"
done </lib/modules/order

# The two virtio disks of tools/bench.sh, found by their serial numbers
# (not by probe order): benchraw, the exodisk image the raw-disk rows read
# and write (only the ranges bench_rd and bench_wr name: the kernel passed
# them from its command line), and benchfs, the ext2 file system.
args=
raw='' fs=''
i=0
while [ $i -lt 50 ]; do
	for d in /sys/block/vd*; do
		[ -e "$d/serial" ] || continue
		case $(cat "$d/serial") in
		benchraw) raw=/dev/${d##*/} ;;
		benchfs) fs=/dev/${d##*/} ;;
		esac
	done
	[ -n "$raw" ] && [ -n "$fs" ] && [ -b "$raw" ] && [ -b "$fs" ] && break
	sleep 0.1
	i=$((i + 1))
done
if [ -n "$fs" ] && [ -b "$fs" ]; then
	mkdir -p /mnt
	if mount -t ext2 "$fs" /mnt; then
		args="dir=/mnt"
	else
		echo "init: cannot mount $fs"
	fi
else
	echo "init: no virtio disk with serial benchfs"
fi
if [ -n "$raw" ] && [ -b "$raw" ]; then
	args="$args disk=$raw"
	[ -n "${bench_rd:-}" ] && args="$args rd=$bench_rd"
	[ -n "${bench_wr:-}" ] && args="$args wr=$bench_wr"
else
	echo "init: no virtio disk with serial benchraw"
fi

# bench_args= on the kernel command line adds arguments (e.g. only=disk).
# shellcheck disable=SC2086 # args is a list of words
/bench $args ${bench_args:-}
sync
umount /mnt 2>/dev/null
poweroff -f
