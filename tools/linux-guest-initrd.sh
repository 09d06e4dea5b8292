#!/bin/sh
# Pack the initramfs of the Linux guest the VMM boots (docs/vmm.md, "A
# Linux guest"): busybox-static with the applet links /init uses, the
# kernel modules a virtio-mmio block disk needs, and /init (below). newc
# cpio, gzip; no root needed (device nodes come from devtmpfs,
# /dev/console from the kernel's built-in initramfs).
#
# usage: tools/linux-guest-initrd.sh LINUXDIR OUT.gz [BENCH]
#   LINUXDIR  what tools/bench-fetch-linux.sh made (root/bin/busybox,
#             root/lib/modules/KVER, kver)
#   BENCH     make bench's copy only (bench/bench.mk): the static glibc
#             build of bench/, packed as /bench for the exobench mode below
#
# Modules: MODULES below and what they depend on, from the kernel's own
# tree: its modules.dep if there is one (Debian's package ships none:
# depmod runs when it is installed), else each module's .modinfo
# "depends=" (read with objcopy). A module listed in modules.builtin is
# skipped (Debian's cloud kernel has ext4 built in, and ext4 mounts ext2).
# Compressed modules (.ko.xz, .ko.zst, .ko.gz) are decompressed here.
# They go to /lib/modules/NAME.ko, their load order to /lib/modules/order.
#
# /init prints "exo-linux-guest: up, ..." first (bench/vmlinux.c measures
# to it), loads the modules, mounts /dev/vda (ext2, read-write) on /mnt if
# a virtio disk shows up (waiting up to 5 s for it) or says "no disk",
# then prints "exo-linux-guest: ready". With "exotest" on the kernel
# command line it runs a few commands, prints their results, shows
# /mnt/hello.txt, writes /mnt/written.txt, unmounts and powers off (the
# tests); otherwise it starts a shell on the console, and `poweroff -f`
# ends the VM.
#
# With "exobench" on the kernel command line (make bench, bench/vmlinux.c),
# after "ready" /init runs `/bench in-guest` (the benchmark program's
# in-guest rows: fork+exit+wait, and a raw sequential read of /dev/vda if
# there is one), prints "exo-linux-guest: exobench done" and powers off;
# nothing else changes.
set -eu
linux=$1 out=$2 bench=${3-}
MODULES="virtio_mmio virtio_blk ext4"
kdir=$linux/root/lib/modules/$(cat "$linux/kver")
stage="$out.stage"
die() { echo "linux-guest-initrd: $*" >&2; exit 1; }
[ -d "$kdir" ] || die "$kdir: no module tree"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp" "$stage/mnt" \
	"$stage/lib/modules"
cp "$linux/root/bin/busybox" "$stage/bin/busybox"
if [ -n "$bench" ]; then
	cp "$bench" "$stage/bench"
	chmod 755 "$stage/bench"
fi
for a in sh mount umount cat echo ls uname poweroff reboot grep wc sleep dmesg mkdir \
	insmod lsmod sync cut tr test [ df; do
	ln -s busybox "$stage/bin/$a"
done

# Module names use _ where file names may use -.
norm() { printf '%s\n' "$1" | tr - _; }
builtin=$(sed 's,.*/,,; s,\.ko.*,,' "$kdir/modules.builtin" 2>/dev/null | tr - _)
dep=$kdir/modules.dep
[ -f "$dep" ] || dep=
# file_of NAME: the module's file, relative to kdir.
file_of() {
	(cd "$kdir" && find -L kernel -name "$1.ko*" -o -name "$(printf %s "$1" | tr _ -).ko*") |
		LC_ALL=C sort | head -n 1
}
# deps_of REL STAGED: the names it depends on.
deps_of() {
	if [ -n "$dep" ]; then
		grep "^$1:" "$dep" | cut -d: -f2 | tr ' ' '\n' | sed 's,.*/,,; s,\.ko.*,,' | grep .
	else
		objcopy -O binary --only-section=.modinfo "$2" "$stage/modinfo.tmp"
		tr '\0' '\n' <"$stage/modinfo.tmp" | sed -n 's/^depends=//p' | tr , '\n' | grep .
		rm -f "$stage/modinfo.tmp"
	fi || true
}
seen=" " order=
# want NAME: stage NAME and what it depends on, those first.
want() {
	# shellcheck disable=SC3043 # dash and busybox sh have local
	local n f m d
	n=$(norm "$1")
	case $seen in *" $n "*) return 0 ;; esac
	seen="$seen$n "
	if printf '%s\n' "$builtin" | grep -qx "$n"; then
		echo "linux-guest-initrd: $n is built in"
		return 0
	fi
	f=$(file_of "$n")
	[ -n "$f" ] || die "module $n: not in $kdir and not built in"
	m=$stage/lib/modules/$n.ko
	case $f in
	*.ko.xz) xz -dc "$kdir/$f" >"$m" ;;
	*.ko.zst) zstd -dcq "$kdir/$f" >"$m" ;;
	*.ko.gz) gzip -dc "$kdir/$f" >"$m" ;;
	*.ko) cp "$kdir/$f" "$m" ;;
	*) die "$f: unknown module format" ;;
	esac
	for d in $(deps_of "$f" "$m"); do
		want "$d"
	done
	order="$order $n"
}
for m in $MODULES; do
	want "$m"
done
# shellcheck disable=SC2086 # one name a line
printf '%s\n' $order >"$stage/lib/modules/order"
echo "linux-guest-initrd: modules, in load order:$order"

cat >"$stage/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "exo-linux-guest: up, $(cat /proc/uptime | cut -d ' ' -f 1) s after the kernel started"
while read -r m; do
	insmod "/lib/modules/$m.ko" || echo "exo-linux-guest: insmod $m failed"
done </lib/modules/order
# A virtio device found (virtio_mmio probes the ACPI LNRO0005 devices as it
# loads): wait up to 5 s for its block device; none: no wait.
disk=
if [ -n "$(ls /sys/bus/virtio/devices 2>/dev/null)" ]; then
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
if [ -b /dev/vda ]; then
	mkdir -p /mnt
	if mount -t ext2 /dev/vda /mnt 2>/dev/null || mount -t ext4 /dev/vda /mnt; then
		disk=/mnt
		echo "exo-linux-guest: /dev/vda mounted on /mnt"
	else
		echo "exo-linux-guest: /dev/vda: cannot mount"
	fi
else
	echo "exo-linux-guest: no disk"
fi
echo "exo-linux-guest: ready"
if grep -q exobench /proc/cmdline; then
	if [ -x /bench ]; then
		if [ -b /dev/vda ]; then /bench in-guest disk=/dev/vda; else /bench in-guest; fi
	else
		echo "exo-linux-guest: exobench: no /bench in this initramfs"
	fi
	echo "exo-linux-guest: exobench done"
	poweroff -f
fi
if grep -q exotest /proc/cmdline; then
	echo "exo-linux-guest: kernel $(uname -r)"
	echo "exo-linux-guest: $(grep -c ^processor /proc/cpuinfo) CPU, $(grep MemTotal /proc/meminfo | tr -s ' ')"
	echo "exo-linux-guest: 6*7 = $((6 * 7))"
	if [ -n "$disk" ]; then
		echo "exo-linux-guest: hello.txt: $(cat /mnt/hello.txt)"
		echo "written by the exo Linux guest" >/mnt/written.txt
		sync
		umount /mnt && echo "exo-linux-guest: wrote /mnt/written.txt, unmounted /mnt"
	fi
	echo "exo-linux-guest: done"
	poweroff -f
fi
[ -n "$disk" ] && echo "exo-linux-guest: the disk is on /mnt; umount /mnt before poweroff -f"
echo "exo-linux-guest: a busybox shell; poweroff -f ends the VM"
exec sh
INIT
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$stage"
