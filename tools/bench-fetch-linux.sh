#!/bin/sh
# Fetch the Linux side of `make bench`: the versioned kernel package that
# Debian's linux-image-cloud-amd64 metapackage depends on, and
# busybox-static, with `apt-get download` (no install, no root needed
# once the package lists exist), unpacked with dpkg-deb -x.
#
# usage: tools/bench-fetch-linux.sh OUTDIR
#   OUTDIR/debs/*.deb     the packages (kept: not downloaded again)
#   OUTDIR/root/          both unpacked: boot/vmlinuz-*, lib/modules/*, bin/busybox
#   OUTDIR/vmlinuz        symlink to the kernel
#   OUTDIR/kver           the kernel release (lib/modules/KVER)
#   OUTDIR/version        the kernel package's name and version
set -eu
out=$(realpath -m "$1")
mkdir -p "$out/debs" "$out/root"

kernel_pkg() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-cloud-amd64$/ { print $2; exit }'
}

pkg=$(kernel_pkg)
if [ -z "$pkg" ]; then
	# No package lists yet (a fresh machine): fetch them if we may.
	if [ "$(id -u)" = 0 ]; then
		echo "bench-fetch-linux: no package lists; running apt-get update"
		apt-get update -q >/dev/null
		pkg=$(kernel_pkg)
	fi
	if [ -z "$pkg" ]; then
		echo "bench-fetch-linux: apt-cache knows no linux-image-cloud-amd64;" \
			"run apt-get update (as root) first" >&2
		exit 1
	fi
fi

cd "$out/debs"
for p in "$pkg" busybox-static; do
	if ls ./"${p}"_*.deb >/dev/null 2>&1; then
		echo "bench-fetch-linux: $p already downloaded"
		continue
	fi
	echo "bench-fetch-linux: apt-get download $p"
	# As root, apt's sandbox user cannot write here; download as root then.
	if [ "$(id -u)" = 0 ]; then
		apt-get download -q -o APT::Sandbox::User=root "$p"
	else
		apt-get download -q "$p"
	fi
done

for d in ./"${pkg}"_*.deb ./busybox-static_*.deb; do
	dpkg-deb -x "$d" "$out/root"
done
kver=${pkg#linux-image-}
k="$out/root/boot/vmlinuz-$kver"
[ -f "$k" ] || { echo "bench-fetch-linux: no vmlinuz in $pkg" >&2; exit 1; }
[ -x "$out/root/bin/busybox" ] || { echo "bench-fetch-linux: no busybox in busybox-static" >&2; exit 1; }
ln -sf "$k" "$out/vmlinuz"
echo "$kver" >"$out/kver"
echo "$pkg $(dpkg-deb -f ./"${pkg}"_*.deb Version)" >"$out/version"
echo "bench-fetch-linux: $(cat "$out/version")"
