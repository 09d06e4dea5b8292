#!/bin/sh
# Pack the Linux benchmark initramfs: busybox-static (with the applet links
# /init uses), the virtio-blk driver and its dependencies from the cloud
# kernel's module tree, the static glibc benchmark program as /bench, and
# bench/linux-init.sh as /init. newc cpio, gzip. No root needed: device
# nodes come from devtmpfs at boot (and /dev/console from the kernel's
# built-in initramfs).
#
# usage: tools/bench-initrd.sh LINUXDIR BENCH INIT OUT.gz
#   LINUXDIR  what tools/bench-fetch-linux.sh made (root/, kver)
set -eu
linux=$1 bench=$2 init=$3 out=$4
root="$linux/root"
kver=$(cat "$linux/kver")
mods="$root/lib/modules/$kver"
stage="$out.stage"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/mnt" "$stage/lib/modules"

cp "$root/bin/busybox" "$stage/bin/busybox"
for a in sh mount umount insmod mkdir sleep sync poweroff cat echo ls dmesg; do
	ln -s busybox "$stage/bin/$a"
done
cp "$bench" "$stage/bench"
cp "$init" "$stage/init"
chmod 755 "$stage/init" "$stage/bench"

# The modules virtio_pci and virtio_blk need, dependencies first, from the
# depends= field of each module's .modinfo (no depmod output in the .deb).
modpath() { # NAME: path of NAME.ko under $mods, relative
	(cd "$mods" && find kernel -name "$1.ko" | head -n 1)
}
deps() { # NAME: its dependencies, one a line
	tr '\0' '\n' <"$mods/$(modpath "$1")" | sed -n 's/^depends=//p' | tr ',' '\n' | grep . || true
}
order=""
add() { # NAME: append NAME after its dependencies, once
	case " $order " in *" $1 "*) return ;; esac
	for d in $(deps "$1"); do
		add "$d"
	done
	[ -n "$(modpath "$1")" ] || { echo "bench-initrd: module $1 not found in $mods" >&2; exit 1; }
	order="$order $1"
}
add virtio_pci
add virtio_blk
: >"$stage/lib/modules/order"
for m in $order; do
	cp "$mods/$(modpath "$m")" "$stage/lib/modules/$m.ko"
	echo "$m.ko" >>"$stage/lib/modules/order"
done

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$out"
echo "bench-initrd: $out ($(du -k "$out" | cut -f1) KiB; modules:$order)"
