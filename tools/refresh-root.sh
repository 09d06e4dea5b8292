#!/bin/bash
# tools/refresh-root.sh - keep the root file system on the system disk
# current (`make disk`), and check it (`make fsck`). tools/rootfs.mk runs it.
#
#   tools/refresh-root.sh disk EXODISK DISK_IMG DISK_MIB DISK_KEY ROOT_IMG STAGING
#   tools/refresh-root.sh fsck EXODISK DISK_IMG DISK_KEY
#
# disk: if DISK_IMG does not exist, format it (DISK_MIB MiB) and place
# ROOT_IMG in it for DISK_KEY's owner (named "unix"). If it exists but has
# no placed image for the key, place ROOT_IMG. If it has one and ROOT_IMG
# is newer than the stamp DISK_IMG.root-stamp, refresh the build's
# directories /bin, /boot, /docs and /extra in place from STAGING (the
# tree ROOT_IMG was made from): extract the image, remove those trees and
# write them again with debugfs, check it with e2fsck -fn before and
# after, insert it back. Every other file (/etc, /home, /tmp, anything a
# user made) is left as it is, and the image keeps its size. An image left
# not clean (QEMU killed) is first repaired with e2fsck -p.
#
# fsck: e2fsck -fn on the key's placed image inside DISK_IMG, read in place
# through e2fsprogs' IMAGE?offset=BYTES device names (through an extracted
# copy if that cannot be opened). Exit status: e2fsck's, 0 when clean.
set -eu
PATH=$PATH:/sbin:/usr/sbin

usage() { sed -n '5,6p' "$0" >&2; exit 2; }
die() { echo "refresh-root: $*" >&2; exit 1; }

[ $# -ge 1 ] || usage
mode=$1
shift
case $mode in
disk) [ $# = 6 ] || usage; X=$1 disk=$2 mib=$3 key=$4 root=$5 stage=$6 ;;
fsck) [ $# = 3 ] || usage; X=$1 disk=$2 key=$3 ;;
*) usage ;;
esac
stamp=$disk.root-stamp
tmp=
cleanup() { [ -z "$tmp" ] || rm -f "$tmp" "$tmp".*; }
trap cleanup EXIT

# image_start: the first block of the key's placed image, or nothing. The
# owners `exodisk show` lists carry the first 8 hex digits of their key's
# SHA-256 and the extent FIRST..LAST, or "none".
image_start() {
	local h out
	h=$(sha256sum <"$key" | cut -c 1-8)
	out=$("$X" show "$disk") || die "$disk: exodisk show failed (a damaged disk: exodisk check; make clean-disk starts afresh)"
	printf '%s\n' "$out" | sed -n "s/.* $h  *[0-9][0-9]*  *\([0-9][0-9]*\)\.\.[0-9][0-9]* (.*/\1/p" | head -n 1
}

place() {
	"$X" place "$disk" "$root" "$key" unix
	touch "$stamp"
}

# fsck_file IMG WHAT: e2fsck -fn IMG, its output only when it is not clean.
fsck_file() {
	local rc=0
	e2fsck -fn "$1" >"$tmp.fsck" 2>&1 || rc=$?
	[ $rc = 0 ] || { cat "$tmp.fsck" >&2; echo "refresh-root: e2fsck -fn: $2 is not clean (status $rc)" >&2; }
	return $rc
}

# checkname NAME: refuse what quote could not pass to debugfs (called
# directly, not in $(...), so that it stops the script).
checkname() {
	case $1 in
	*\"* | *\\* | *$'\n'*) die "cannot pass a name with a double quote, backslash or newline to debugfs: $1" ;;
	esac
}
# quote NAME: NAME (checked) as one double-quoted debugfs argument.
quote() { printf '"%s"' "$1"; }

# rm_tree IMG DIR: debugfs commands removing everything below DIR (an
# absolute path in IMG), depth first. Each removal is `cd` to the parent
# and the name alone: debugfs's rmdir of /NAME fails.
rm_tree() {
	local img=$1 dir=$2 lines ino m name rest
	lines=$(debugfs -R "ls -p $(quote "$dir")" "$img" 2>/dev/null)
	while IFS=/ read -r _ ino m _ _ name rest; do
		[ -n "$ino" ] || continue
		case $name in . | ..) continue ;; esac
		checkname "$dir/$name"
		case $m in
		04*)
			rm_tree "$img" "$dir/$name"
			echo "cd $(quote "$dir")"
			echo "rmdir $(quote "$name")"
			;;
		*)
			echo "cd $(quote "$dir")"
			echo "rm $(quote "$name")"
			;;
		esac
	done <<<"$lines"
}

# refresh_cmds IMG: the debugfs script that rewrites /bin, /boot, /docs and
# /extra of IMG from STAGING.
refresh_cmds() {
	local img=$1 top lines ino m name rest t perm p d b src
	local -A old=()
	lines=$(debugfs -R "ls -p /" "$img" 2>/dev/null)
	while IFS=/ read -r _ ino m _ _ name rest; do
		[ -n "$ino" ] && old[$name]=$m
	done <<<"$lines"
	abs=$(cd "$stage" && pwd)
	for top in bin boot docs extra; do
		[ -d "$stage/$top" ] || die "$stage/$top: not staged"
		case ${old[$top]-} in
		"") ;;
		04*)
			rm_tree "$img" "/$top"
			echo "cd /"
			echo "rmdir $top"
			;;
		*)
			echo "cd /"
			echo "rm $top"
			;;
		esac
		echo "cd /"
		echo "mkdir $top"
		echo "sif $top mode 040$(stat -c %a "$stage/$top")"
		cd "$abs/$top"
		find . -mindepth 1 -printf '%y %m %P\n' | while read -r t perm p; do
			checkname "$abs/$top/$p"
			d=${p%/*} b=${p##*/}
			[ "$d" != "$p" ] || d=
			echo "cd $(quote "/$top${d:+/$d}")"
			case $t in
			d)
				echo "mkdir $(quote "$b")"
				echo "sif $(quote "$b") mode 040$perm"
				;;
			f)
				echo "write $(quote "$abs/$top/$p") $(quote "$b")"
				echo "sif $(quote "$b") mode 0100$perm"
				;;
			l)
				src=$(readlink "$p")
				checkname "$src"
				echo "symlink $(quote "$b") $(quote "$src")"
				;;
			*) die "$stage/$top/$p: only files, directories and symbolic links can be staged" ;;
			esac
		done
		cd - >/dev/null
	done
}

# An image the system did not unmount cleanly (QEMU killed, a crash) is
# mounted read-only by unixd until e2fsck -p repairs it: do that here, on
# an extracted copy, and put it back.
repair_unclean() {
	local state rc=0
	state=$(dumpe2fs -h "$disk?offset=$((start * 4096))" 2>/dev/null | sed -n 's/^Filesystem state: *//p')
	case $state in
	clean | "") return 0 ;; # "": not readable in place; refresh's checks say why
	esac
	tmp=$(mktemp "$disk.root.XXXXXX")
	"$X" extract "$disk" "$key" "$tmp" >/dev/null
	e2fsck -p "$tmp" >"$tmp.fsck" 2>&1 || rc=$?
	if [ $rc -gt 1 ]; then
		cat "$tmp.fsck" >&2
		die "e2fsck -p could not repair the root file system alone (status $rc); $disk is unchanged: repair a copy with exodisk extract, e2fsck -fy, exodisk insert"
	fi
	"$X" insert "$disk" "$key" "$tmp" >/dev/null
	rm -f "$tmp" "$tmp".*
	tmp=
	echo "$disk: the root file system was not cleanly unmounted; e2fsck -p repaired it"
}

refresh() {
	tmp=$(mktemp "$disk.root.XXXXXX")
	"$X" extract "$disk" "$key" "$tmp" >/dev/null
	fsck_file "$tmp" "the root file system on $disk (before the refresh; nothing changed: repair it with exodisk extract, e2fsck -fy, exodisk insert)" ||
		exit 1
	refresh_cmds "$tmp" >"$tmp.cmds"
	debugfs -w -f "$tmp.cmds" "$tmp" >"$tmp.out" 2>"$tmp.err" || die "debugfs -w failed"
	if grep -v '^debugfs [0-9]' "$tmp.err" >"$tmp.errs"; then
		cat "$tmp.errs" >&2
		die "debugfs reported errors while refreshing (above); $disk is unchanged"
	fi
	fsck_file "$tmp" "the refreshed root file system (not inserted; $disk is unchanged)" || exit 1
	"$X" insert "$disk" "$key" "$tmp" >/dev/null
	touch "$stamp"
	echo "$disk: refreshed /bin /boot /docs /extra of the root file system"
}

case $mode in
disk)
	[ -f "$key" ] || die "$key: no disk owner key"
	[ -f "$root" ] || die "$root: no root image"
	if [ ! -e "$disk" ]; then
		rm -f "$stamp"
		"$X" format "$disk" "$mib"
		place
		exit 0
	fi
	start=$(image_start)
	if [ -z "$start" ]; then
		place
		exit 0
	fi
	repair_unclean
	if [ ! -e "$stamp" ] || [ "$root" -nt "$stamp" ]; then
		refresh
	fi
	;;
fsck)
	[ -e "$disk" ] || die "$disk: no disk (make disk)"
	start=$(image_start)
	[ -n "$start" ] || die "$disk: no placed image for the key $key (make disk)"
	dev="$disk?offset=$((start * 4096))"
	if dumpe2fs -h "$dev" >/dev/null 2>&1; then
		echo "e2fsck -fn $dev"
		exec e2fsck -fn "$dev"
	fi
	# Not openable in place (an e2fsprogs without offset=, or a damaged
	# superblock): check a copy.
	tmp=$(mktemp "$disk.root.XXXXXX")
	"$X" extract "$disk" "$key" "$tmp" >/dev/null
	echo "e2fsck -fn (a copy of the image at block $start of $disk)"
	e2fsck -fn "$tmp"
	;;
esac
