#!/bin/sh
# Pack the initramfs of the Linux guest the VMM boots (docs/vmm.md, "A
# Linux guest"): busybox-static with the applet links /init uses, and
# /init (below). newc cpio, gzip; no root needed (device nodes come from
# devtmpfs, /dev/console from the kernel's built-in initramfs).
#
# usage: tools/linux-guest-initrd.sh LINUXDIR OUT.gz
#   LINUXDIR  what tools/bench-fetch-linux.sh made (root/bin/busybox)
#
# /init prints a fixed banner. With "exotest" on the kernel command line it
# runs a few commands, prints their results and powers off (the tests);
# otherwise it starts a shell on the console, and `poweroff -f` ends the VM.
set -eu
linux=$1 out=$2
stage="$out.stage"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp"
cp "$linux/root/bin/busybox" "$stage/bin/busybox"
for a in sh mount cat echo ls uname poweroff reboot grep wc sleep dmesg mkdir; do
	ln -s busybox "$stage/bin/$a"
done
cat >"$stage/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "exo-linux-guest: up, $(cat /proc/uptime | cut -d ' ' -f 1) s after the kernel started"
if grep -q exotest /proc/cmdline; then
	echo "exo-linux-guest: kernel $(uname -r)"
	echo "exo-linux-guest: $(grep -c ^processor /proc/cpuinfo) CPU, $(grep MemTotal /proc/meminfo | tr -s ' ')"
	echo "exo-linux-guest: 6*7 = $((6 * 7))"
	echo "exo-linux-guest: done"
	poweroff -f
fi
echo "exo-linux-guest: a busybox shell; poweroff -f ends the VM"
exec sh
INIT
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$stage"
