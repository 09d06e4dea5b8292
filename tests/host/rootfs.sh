#!/bin/bash
# tests/host/rootfs.sh - end-to-end test of the root file system on the
# system disk: `make disk`, `make fsck` and `make clean-disk`
# (tools/rootfs.mk, tools/mkroot.sh, tools/refresh-root.sh).
#
# Run by tools/run-tests.sh from the top of the tree with RUN_DIR set to a
# scratch directory; exit 0 means pass. Everything it makes lives in
# RUN_DIR: its own disk, key, staging tree and image (DISK_IMG, DISK_KEY,
# ROOT_IMG, ROOT_STAGE on the make command line) and its own copies of the
# programs (APP_BINS), so it never touches build/disk.img or build/root.img
# and builds no program. Checks: a fresh disk gets a clean image with the
# programs in /bin; files a user made (/home, /etc, /tmp) survive a refresh
# after a program, a boot file and an EXTRA file change, while /bin, /boot
# and /extra are rewritten; a disk formatted without an image gets one;
# `make fsck` passes on a good disk and fails on a wrong link count and on
# a damaged ext2 superblock, and a refresh refuses a damaged image;
# clean-disk removes the disk.
set -euo pipefail

TOP=$PWD
X=$TOP/build/tools/exodisk
[ -x "$X" ] || { echo "FAIL: $X not built (make host-tools)"; exit 1; }
: "${RUN_DIR:?RUN_DIR must name a scratch directory}"
R=$(cd "$RUN_DIR" && pwd)
PATH=$PATH:/sbin:/usr/sbin

fail() {
	echo "FAIL: $*"
	exit 1
}
step() { echo "== $*"; }

# Programs: copies of whatever build/apps holds, and a `test` (for /bin/[).
mkdir -p "$R/apps" "$R/extra/sub"
for a in "$TOP"/build/apps/*; do
	[ -f "$a" ] && cp "$a" "$R/apps/"
done
printf '#!test\n' >"$R/apps/test"
printf 'hello\n' >"$R/apps/hello"
APPS=$(cd "$R/apps" && ls)
BINS=$(for a in $APPS; do printf '%s ' "$R/apps/$a"; done)
echo "kernel one" >"$R/boot1"
echo "kernel two" >"$R/boot2"
echo "an extra file" >"$R/extra/sub/a.txt"

D=$R/disk.img
BOOT="$R/boot1"
# mk TARGET...: make with everything pointed into RUN_DIR; output in out.txt.
mk() {
	make -s --no-print-directory -C "$TOP" DISK_IMG="$D" DISK_KEY="$R/disk.key" \
		ROOT_IMG="$R/root.img" ROOT_STAGE="$R/root" ROOT_MIB=32 DISK_MIB=64 \
		APP_BINS="$BINS" EXTRA="$R/extra" ROOT_BOOT_FILES="$BOOT" "$@" >"$R/out.txt" 2>&1
}
# t STATUS TARGET...: mk, require STATUS (0 or non-zero: 1).
t() {
	local want=$1 rc=0
	shift
	mk "$@" || rc=$?
	sed 's/^/   | /' "$R/out.txt"
	if [ "$want" = 0 ]; then
		[ $rc = 0 ] || fail "make $* exited $rc"
	else
		[ $rc != 0 ] || fail "make $* succeeded, expected a failure"
	fi
}
has() { grep -q -F -- "$1" "$R/out.txt" || fail "expected in the output above: $1"; }
quiet() { [ ! -s "$R/out.txt" ] || fail "expected no output from make $*"; }

# extract: the placed image to $R/fs.img, which e2fsck -fn must find clean.
extract() {
	rm -f "$R/fs.img"
	"$X" extract "$D" "$R/disk.key" "$R/fs.img" >/dev/null
	e2fsck -fn "$R/fs.img" >"$R/e2fsck.log" 2>&1 || { cat "$R/e2fsck.log"; fail "e2fsck -fn: not clean"; }
}
ls_fs() { debugfs -R "ls -l $1" "$R/fs.img" 2>/dev/null; }
cat_fs() { debugfs -R "cat $1" "$R/fs.img" 2>/dev/null; }
# names DIR: the names in DIR of the extracted image, one a line, sorted.
names() {
	debugfs -R "ls -p $1" "$R/fs.img" 2>/dev/null | awk -F/ 'NF > 5 && $6 != "." && $6 != ".." { print $6 }' | sort
}
in_fs() { names "$1" | grep -qxF -- "$2"; }

step "a fresh disk gets the root image"
t 0 disk
has "placed $R/root.img for owner slot 1 (unix)"
[ -f "$D" ] || fail "no disk"
[ -f "$D.root-stamp" ] || fail "no stamp"
extract
ls_fs /bin
for a in $APPS '['; do
	in_fs /bin "$a" || fail "/bin/$a missing"
done
cmp -s <(cat_fs /bin/hello) "$R/apps/hello" || fail "/bin/hello differs"
cmp -s <(cat_fs '/bin/[') "$R/apps/test" || fail "/bin/[ is not test"
for d in bin boot docs extra etc tmp home; do
	in_fs / "$d" || fail "/$d missing"
done
in_fs /docs disk.md || fail "/docs/disk.md missing"
in_fs /docs README.md || fail "/docs/README.md missing"
in_fs /boot boot1 || fail "/boot/boot1 missing"
in_fs /extra/sub a.txt || fail "/extra/sub/a.txt missing"
[ -n "$(cat_fs /etc/motd)" ] || fail "/etc/motd empty"
debugfs -R "ls -p /" "$R/fs.img" 2>/dev/null | grep -q '^/[0-9]*/041777/0/0/tmp/' || fail "/tmp is not mode 1777"
# Every inode is root's (ls -p: /INO/MODE/UID/GID/NAME/SIZE/).
for d in / /bin /boot /docs /extra /extra/sub /etc; do
	debugfs -R "ls -p $d" "$R/fs.img" 2>/dev/null | awk -F/ -v d="$d" \
		'NF > 5 && ($4 != 0 || $5 != 0) { print "not 0:0: " d "/" $6; bad = 1 } END { exit bad }' ||
		fail "an inode not owned by 0:0"
done
dumpe2fs -h "$R/fs.img" 2>/dev/null | grep -q 'Filesystem revision #: *1' || fail "not revision 1"

step "make disk again changes nothing"
before=$(stat -c %Y.%y "$D" "$D.root-stamp")
t 0 disk
quiet disk
[ "$before" = "$(stat -c %Y.%y "$D" "$D.root-stamp")" ] || fail "the disk or its stamp changed"

step "make fsck on a good disk"
t 0 fsck
has "Pass 5: Checking group summary information"

step "a user's files"
cd "$R"
echo "my notes" >notes.txt
echo "myhost" >hostname
debugfs -w -f - fs.img >/dev/null 2>debugfs.err <<'EOF'
write notes.txt home/notes.txt
mkdir home/u
write notes.txt home/u/deep.txt
write hostname etc/hostname
write notes.txt tmp/y
write notes.txt bin/stray
write notes.txt extra/stray
mkdir extra/sub/straydir
write notes.txt extra/sub/straydir/f
EOF
grep -v '^debugfs [0-9]' debugfs.err && fail "debugfs errors (above)"
e2fsck -fn fs.img >/dev/null 2>&1 || fail "the user's edit is not clean"
"$X" insert "$D" disk.key fs.img >/dev/null
cd "$TOP"

step "a program, a boot file and an extra file change: /bin /boot /extra refreshed, the rest kept"
sleep 0.01
echo "hello, version two" >"$R/apps/hello"
BOOT="$R/boot1 $R/boot2"
echo "another extra" >"$R/extra/b.txt"
t 0 disk
has "refreshed /bin /boot /docs /extra"
extract
cmp -s <(cat_fs /bin/hello) "$R/apps/hello" || fail "/bin/hello was not refreshed"
for a in $APPS '['; do
	in_fs /bin "$a" || fail "/bin/$a missing after the refresh"
done
in_fs /bin stray && fail "/bin/stray survived: /bin was not rewritten"
in_fs /extra stray && fail "/extra/stray survived"
in_fs /extra/sub straydir && fail "/extra/sub/straydir survived"
in_fs /extra b.txt || fail "/extra/b.txt missing"
[ "$(cat_fs /extra/sub/a.txt)" = "an extra file" ] || fail "/extra/sub/a.txt"
in_fs /boot boot2 || fail "/boot/boot2 missing"
[ "$(cat_fs /home/notes.txt)" = "my notes" ] || fail "/home/notes.txt lost"
[ "$(cat_fs /home/u/deep.txt)" = "my notes" ] || fail "/home/u/deep.txt lost"
[ "$(cat_fs /etc/hostname)" = "myhost" ] || fail "/etc/hostname lost"
[ "$(cat_fs /tmp/y)" = "my notes" ] || fail "/tmp/y lost"
in_fs /etc motd || fail "/etc/motd lost"
t 0 disk
quiet disk
t 0 fsck

step "touching a program refreshes again"
sleep 0.01
touch "$R/apps/hello"
t 0 disk
has "refreshed"

step "a disk formatted without an image gets one"
rm -f "$D"
"$X" format "$D" 64 >/dev/null
t 0 disk
has "placed $R/root.img for owner slot 1 (unix)"
extract
in_fs /bin hello || fail "/bin/hello missing"
t 0 fsck

step "make fsck fails on a wrong link count, read in place"
debugfs -w -R "sif /home links_count 7" "$R/fs.img" 2>/dev/null
"$X" insert "$D" "$R/disk.key" "$R/fs.img" >/dev/null
t 1 fsck
has "e2fsck -fn $D?offset="
has "ref count is 7"

step "make fsck fails on a damaged ext2 superblock, and a refresh refuses it"
start=$("$X" show "$D" | sed -n 's/.* unix .*  \([0-9][0-9]*\)\.\.[0-9]* (.*/\1/p')
[ -n "$start" ] || fail "no image extent in exodisk show"
# The ext2 superblock is at byte 1024 of the image, its magic at byte 56.
printf '\0\0' | dd of="$D" bs=1 seek=$((start * 4096 + 1024 + 56)) conv=notrunc status=none
t 1 fsck
has "Bad magic number"
cp --sparse=always "$D" "$R/damaged.img"
sleep 0.01
touch "$R/apps/hello"
t 1 disk
has "not clean"
cmp -s "$D" "$R/damaged.img" || fail "a refused refresh changed the disk"

step "clean-disk"
t 0 clean-disk
[ ! -e "$D" ] || fail "clean-disk left the disk"
[ ! -e "$D.root-stamp" ] || fail "clean-disk left the stamp"
t 0 disk
has "placed"
t 0 fsck

echo "PASS rootfs"
