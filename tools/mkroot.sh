#!/bin/bash
# tools/mkroot.sh - stage the UNIX libOS's root file system and make its
# ext2 image (tools/rootfs.mk, docs/disk.md).
#
#   tools/mkroot.sh STAGING ROOT_IMG ROOT_MIB EXTRA_DIR APP_BINS BOOT_FILES
#
# STAGING    directory to (re)create: the tree the image is made from
# ROOT_IMG   the ext2 image to write (replaced atomically)
# ROOT_MIB   its size in MiB
# EXTRA_DIR  a directory whose files go to /extra (recursively), or ""
# APP_BINS   space-separated programs, each copied to /bin/NAME (mode 0755);
#            if one is named `test`, /bin/[ is a copy of it
# BOOT_FILES space-separated files copied to /boot, or ""
#
# The tree: /bin, /boot, /docs (docs/*.md and README.md, from the top of
# the source tree, the current directory), /extra, /etc/motd, /tmp (1777),
# /home. The image is `mke2fs -t ext2 -b 4096` (revision 1, Debian's
# default ext2 features) of the tree, every inode owned by 0:0: mke2fs -d
# copies the staged files' uid and gid, so when the build user is not root
# every inode is set to 0:0 with debugfs afterwards.
set -eu
umask 022
PATH=$PATH:/sbin:/usr/sbin

[ $# = 6 ] || { sed -n '5,13p' "$0" >&2; exit 2; }
stage=$1 img=$2 mib=$3 extra=$4 bins=$5 boot=$6

die() { echo "mkroot: $*" >&2; exit 1; }

rm -rf "$stage"
mkdir -p "$stage"/{bin,boot,docs,extra,etc,tmp,home}
chmod 1777 "$stage/tmp"

for b in $bins; do
	[ -f "$b" ] || die "$b: no such program"
	install -m 0755 "$b" "$stage/bin/${b##*/}"
done
[ -e "$stage/bin/test" ] && install -m 0755 "$stage/bin/test" "$stage/bin/["

for f in docs/*.md README.md; do
	[ -e "$f" ] && install -m 0644 "$f" "$stage/docs/${f##*/}"
done

if [ -n "$extra" ]; then
	[ -d "$extra" ] || die "EXTRA=$extra: not a directory"
	# Contents, not the directory itself; symbolic links stay links.
	cp -R --no-preserve=ownership "$extra"/. "$stage/extra/"
fi

for f in $boot; do
	[ -f "$f" ] || die "ROOT_BOOT_FILES: $f: no such file"
	install -m 0644 "$f" "$stage/boot/${f##*/}"
done

# shellcheck disable=SC2016 # the backquotes are text
echo 'exo: an exokernel with a UNIX library OS. Type `ls /bin` for commands.' >"$stage/etc/motd"
chmod 0644 "$stage/etc/motd"

# tools/refresh-root.sh writes these names as debugfs arguments in double
# quotes: refuse what it could not quote.
bad=$(find "$stage" -name '*"*' -o -name "*"$'\n'"*" -o -name '*\\*' | head -n 1)
[ -z "$bad" ] || die "cannot stage a name with a double quote, backslash or newline: $bad"

tmp=$img.tmp
rm -f "$tmp"
mkdir -p "$(dirname "$img")"
truncate -s "${mib}M" "$tmp"
mke2fs -q -F -t ext2 -b 4096 -E root_owner=0:0 -d "$stage" -L root "$tmp" "${mib}M"

# Ownership: mke2fs -d copied the staged files' uid and gid.
if [ -n "$(find "$stage" \( ! -uid 0 -o ! -gid 0 \) -print -quit)" ]; then
	cmds=$tmp.cmds
	(cd "$stage" && find . -mindepth 1 \( ! -uid 0 -o ! -gid 0 \) -printf '%P\n') |
		while IFS= read -r p; do
			printf 'sif "/%s" uid 0\nsif "/%s" gid 0\n' "$p" "$p"
		done >"$cmds"
	debugfs -w -f "$cmds" "$tmp" >/dev/null 2>"$cmds.err" || die "debugfs failed"
	if grep -v '^debugfs [0-9]' "$cmds.err" >&2; then
		die "debugfs could not set the owners (above)"
	fi
	rm -f "$cmds" "$cmds.err"
fi

e2fsck -fn "$tmp" >"$tmp.fsck" 2>&1 || { cat "$tmp.fsck" >&2; die "e2fsck -fn: the new image is not clean"; }
rm -f "$tmp.fsck"
mv -f "$tmp" "$img"
