#!/bin/sh
# /init of the Linux benchmark initramfs (tools/bench-initrd.sh packs it
# with busybox-static, the virtio modules and the static glibc build of
# bench/ as /bench). Records the boot stamp first, brings up the
# benchmark disk (virtio-blk, ext2 made by tools/bench.sh), runs the
# benchmarks and powers off. The output goes to the serial console, where
# tools/bench.sh reads the BENCH lines.
export PATH=/bin

/bench stamp # first: the boot-to-first-program figure

mount -t devtmpfs dev /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

# Modules, dependencies first (the order tools/bench-initrd.sh wrote).
while read -r m; do
	insmod "/lib/modules/$m" || echo "init: insmod $m failed"
done </lib/modules/order

args=
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -b /dev/vda ]; then
	mkdir -p /mnt
	if mount -t ext2 /dev/vda /mnt; then
		args="dir=/mnt disk=/dev/vda"
	else
		echo "init: cannot mount /dev/vda"
		args="disk=/dev/vda"
	fi
else
	echo "init: no /dev/vda (virtio-blk)"
fi

# shellcheck disable=SC2086 # args is a list of words
/bench $args
sync
umount /mnt 2>/dev/null
poweroff -f
