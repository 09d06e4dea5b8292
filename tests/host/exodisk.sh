#!/bin/bash
# tests/host/exodisk.sh - end-to-end test of build/tools/exodisk (docs/disk.md).
#
# Run by tools/run-tests.sh from the top of the tree with RUN_DIR set to a
# scratch directory; exit 0 means pass. Every subcommand runs on a real
# ext2 image (mke2fs -d); extract must give back the bytes that went in and
# e2fsck must find them clean. Then images are damaged on purpose, the way
# a host-side edit or a crash would (dd over the superblock, a flipped
# byte in a map block, a resealed map entry naming an empty slot, a
# truncated file, a crash between the log and the home writes, a torn
# log), and check must report each, reconcile repair what it can and
# refuse the rest with a clear error.
set -euo pipefail

X=$PWD/build/tools/exodisk
[ -x "$X" ] || { echo "FAIL: $X not built (make host-tools)"; exit 1; }
: "${RUN_DIR:?RUN_DIR must name a scratch directory}"
cd "$RUN_DIR"
PATH=$PATH:/sbin:/usr/sbin

fail() {
	echo "FAIL: $*"
	exit 1
}
step() { echo "== $*"; }

# t STATUS CMD...: run CMD, keep its output in out.txt, require STATUS.
t() {
	local want=$1 rc=0
	shift
	"$@" >out.txt 2>&1 || rc=$?
	sed 's/^/   | /' out.txt
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}
# has TEXT...: each TEXT appears in the last output; hasnt TEXT: does not.
has() {
	local s
	for s in "$@"; do
		grep -q -F -- "$s" out.txt || fail "expected in the output above: $s"
	done
}
hasnt() { ! grep -q -F -- "$1" out.txt || fail "not expected in the output above: $1"; }

# Hostile edits the tool would never make, resealed so that only the
# semantic damage remains (perl is in every Debian system: perl-base).
# pokemap IMG BLOCK VALUE: set the map entry of BLOCK, reseal its map block.
# pokeowner IMG SLOT OFFSET VALUE: set the 32-bit field at byte OFFSET of
# owner slot SLOT (48 nblocks, 52 flags, 56 fs_start), reseal the table.
poke() {
	perl -e '
	use strict;
	sub crc { my $c = 0xffffffff; for my $b (unpack "C*", join("", @_)) {
		$c ^= $b; $c = ($c >> 1) ^ (($c & 1) ? 0x82f63b78 : 0) for 1 .. 8; }
		return $c ^ 0xffffffff; }
	my ($what, $img, $a, $b, $c) = @ARGV;
	open(my $f, "+<:raw", $img) or die "$img: $!";
	my ($blk, $buf);
	if ($what eq "map") { $blk = 2 + int($a / 1023); }
	else { $blk = 1; }
	sysseek($f, $blk * 4096, 0); sysread($f, $buf, 4096) == 4096 or die "short read";
	if ($what eq "map") {
		substr($buf, ($a % 1023) * 4, 4) = pack("V", $b);
		substr($buf, 4092, 4) = pack("V", crc(substr($buf, 0, 4092)));
	} else {
		substr($buf, 64 + ($a - 1) * 64 + $b, 4) = pack("V", $c);
		substr($buf, 60, 4) = pack("V", crc(substr($buf, 0, 60), substr($buf, 64)));
	}
	sysseek($f, $blk * 4096, 0); syswrite($f, $buf) == 4096 or die "short write";
	' "$@"
}
pokemap() { poke map "$@"; }
pokeowner() { poke owner "$@"; }
# flip IMG BYTE: invert one byte in place, no reseal.
flip() {
	local v
	v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((v ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
B=4096
# clearlog IMG: zero the log header (block 19 of a 64 MiB image).
clearlog() { dd if=/dev/zero of="$1" bs=$B seek=19 count=1 conv=notrunc status=none; }

step "usage and bad arguments"
t 2 "$X"
has "usage: exodisk"
t 2 "$X" bogus
t 2 "$X" format d.img
t 2 "$X" check a b
t 1 "$X" format d.img lots
has "SIZE_MIB"
t 1 "$X" format d.img 0
t 1 "$X" check nonexistent.img
has "nonexistent.img"

step "format"
t 0 "$X" format d.img 64
has "16384 blocks" "data 82..16383"
[ "$(stat -c %s d.img)" = $((64 << 20)) ] || fail "d.img is not 64 MiB"
[ "$(du -k d.img | cut -f1)" -lt 1024 ] || fail "d.img is not sparse"
t 0 "$X" check d.img
has "consistent" "log: empty"
t 0 "$X" show d.img
has "map            2..18 (17 blocks)" "log            19..81" "free: 16302 blocks"

step "newkey"
t 0 "$X" newkey k1
t 0 "$X" newkey k2
[ "$(stat -c %s k1)" = 32 ] || fail "k1 is not 32 bytes"
[ "$(stat -c %a k1)" = 600 ] || fail "k1 is not mode 0600"
cmp -s k1 k2 && fail "two new keys are equal"
cp k1 k1.saved
t 1 "$X" newkey k1
has "exists"
cmp -s k1 k1.saved || fail "newkey overwrote k1"
head -c 31 k1 >short.key

step "an ext2 image"
mkdir -p src/sub
echo "hello from the host" >src/hello.txt
seq 1 200000 >src/sub/numbers
mke2fs -q -F -t ext2 -b 4096 -d src fs.img 8M
cp fs.img fs.orig

step "place"
t 1 "$X" place d.img fs.img k1 this-name-is-too-long
has "NAME"
t 1 "$X" place d.img fs.img short.key alice
has "32 bytes"
head -c 5000 fs.img >odd.img
t 1 "$X" place d.img odd.img k1 alice
has "multiple of 4096"
t 0 "$X" place d.img fs.img k1 alice
has "first block 82, 2048 blocks"
t 0 "$X" check d.img
has "consistent" "transaction 1 complete"
t 0 "$X" show d.img
has "alice" "2048  82..2129 (2048 blocks)" "free: 14254 blocks"

step "extract gives back the same bytes, and e2fsck finds them clean"
t 0 "$X" extract d.img k1 out.img
cmp fs.orig out.img || fail "extract differs from the placed image"
e2fsck -fn out.img >e2fsck.log 2>&1 || { cat e2fsck.log; fail "e2fsck on the extracted image"; }
t 1 "$X" extract d.img k2 x.img
has "no owner with the key"

step "insert an edited image"
echo "written on the host" >new.txt
debugfs -w -R "write new.txt new.txt" out.img >/dev/null 2>&1
cmp -s out.img fs.orig && fail "debugfs did not change the image"
t 0 "$X" insert d.img k1 out.img
has "first block 82, 2048 blocks"
t 0 "$X" extract d.img k1 back.img
cmp out.img back.img || fail "insert then extract differs"
e2fsck -fn back.img >e2fsck.log 2>&1 || { cat e2fsck.log; fail "e2fsck after insert"; }
[ "$(debugfs -R "cat new.txt" back.img 2>/dev/null)" = "written on the host" ] ||
	fail "the inserted file is not in the image"
head -c $((4 << 20)) fs.orig >half.img
t 1 "$X" insert d.img k1 half.img
has "same size"
t 1 "$X" insert d.img k2 fs.orig
has "no owner with the key"
t 0 "$X" check d.img

step "own"
t 0 "$X" own d.img k2 bob 5000 10
has "owner slot 2 (bob)" "10 newly"
t 1 "$X" own d.img k1 alice 5005 3
has "owned by slot 2 (bob)"
t 1 "$X" own d.img k2 bob 100 3
has "owned by slot 1"
t 1 "$X" own d.img k2 bob 10 3
has "not all data blocks"
t 1 "$X" own d.img k2 bob 16380 10
has "not all data blocks"
t 0 "$X" own d.img k2 bob 5008 4
has "2 newly" "it has 12 blocks"
t 0 "$X" check d.img

step "place again replaces the image"
t 0 "$X" place d.img back.img k1 alice
has "first block 2130, 2048 blocks" "freed the previous image, blocks 82..2129"
t 0 "$X" show d.img
has "2048  2130..4177 (2048 blocks)" "bob" "12  none"
t 0 "$X" check d.img
t 0 "$X" extract d.img k1 out2.img
cmp back.img out2.img || fail "the replacing image differs"
t 0 "$X" reconcile d.img
has "nothing to change"

step "crash between the log and the home writes"
EXODISK_TEST_CRASH=after-log t 3 "$X" own d.img k2 bob 9000 5
t 1 "$X" check d.img
has "differ at home" "replay pending"
t 0 "$X" check-replayed d.img
has "not yet home: the next boot replays it" "consistent"
t 0 "$X" show d.img
has "17  none"
t 0 "$X" reconcile d.img
has "log: replayed transaction"
t 0 "$X" check d.img
has "consistent" "home matches"

step "a torn log is never replayed"
# Damage the first log image: the header's CRC no longer matches.
flip d.img $(((19 + 1) * B + 7))
t 0 "$X" check d.img
has "torn" "consistent"
t 0 "$X" reconcile d.img
has "discarded a torn log"
t 0 "$X" check d.img
has "log: empty"

step "a flipped byte in a map block"
# Map block 8 (disk block 10) covers blocks 8184..9206: bob's 9000..9004.
flip d.img $((10 * B + 1000))
t 1 "$X" check d.img
has "map block 8 (disk block 10" "checksum does not match"
t 0 "$X" reconcile d.img
has "rebuilt its entries (blocks 8184..9206)" "owner slot 2 (bob): nblocks 17 -> 12"
t 0 "$X" check d.img
has "consistent"

step "a flipped byte in a map block the log holds: the replay repairs it"
# The last transaction wrote map block 8 and the owner table.
flip d.img $((10 * B + 1000))
t 1 "$X" check d.img
has "differ at home"
t 0 "$X" reconcile d.img
has "log: replayed transaction"
t 0 "$X" check d.img

step "map entries naming an empty slot, undefined bits, an unreserved region block"
pokemap d.img 12000 9
pokemap d.img 12001 9
pokemap d.img 12002 9
pokemap d.img 13000 $((0x40001))
pokemap d.img 3 0
pokemap d.img 16384 0
t 1 "$X" check d.img
has "blocks 12000..12002: map entry names an empty owner slot" \
	"block 13000: map entry has undefined bits or owner" \
	"block 3: region block not reserved in the map" \
	"block 16384: region block not reserved in the map"
t 1 "$X" own d.img k2 bob 9100 1
has "exodisk check lists them"
t 0 "$X" reconcile d.img
has "blocks 12000..12002: named an empty owner slot, now free" \
	"block 13000: undefined bits, now free" "block 3: region or past the end, now reserved"
t 0 "$X" check d.img

step "an image block given to another owner, a wrong count"
# A complete log is replayed over home blocks, undoing a hand edit of any
# block it holds; every transaction holds the owner table. Empty the log
# first (a valid state: all of it is home).
clearlog d.img
pokemap d.img 2200 2
pokeowner d.img 1 48 7
t 1 "$X" check d.img
has "owner slot 1 (alice): image block 2200: not owned by it" \
	"owner slot 1 (alice): nblocks 7, but the map gives it 2047"
t 0 "$X" reconcile d.img
has "block 2200: in a placed image, now its owner's" "owner slot 1 (alice): nblocks 7 -> 2048"
hasnt "owner slot 2 (bob): nblocks"
t 0 "$X" check d.img
t 0 "$X" extract d.img k1 out3.img
cmp back.img out3.img || fail "the image changed"

step "owner slot fields that reconcile repairs"
clearlog d.img
pokeowner d.img 2 44 $((0x41414141))
pokeowner d.img 2 52 5
pokeowner d.img 2 56 20000
pokeowner d.img 2 60 4
t 1 "$X" check d.img
has "owner slot 2: name not NUL-terminated" "owner slot 2: flags 0x5, not 0" \
	"owner slot 2: image extent 20000..20003 lies outside the data area 82..16383"
t 0 "$X" reconcile d.img
has "owner slot 2: name cut to 15 characters" "owner slot 2: flags cleared" \
	"owner slot 2: dropped the unusable image extent 20000+4"
t 0 "$X" check d.img
t 0 "$X" show d.img
has "     2  bob  "

step "overlapping image extents: reconcile refuses"
cp --sparse=always d.img ov.img
clearlog ov.img
pokeowner ov.img 2 56 2200
pokeowner ov.img 2 60 10
t 1 "$X" check ov.img
has "owner slots 1 and 2: image extents overlap"
t 1 "$X" reconcile ov.img
has "cannot reconcile"

step "a change too big for one transaction"
t 0 "$X" format big.img 400
t 0 "$X" own big.img k2 bob 200 80000
has "80000 newly"
t 0 "$X" check big.img
has "consistent" "transaction 2 complete"
# A crash after the first of two transactions leaves a consistent region.
t 0 "$X" format big.img 400
EXODISK_TEST_CRASH=after-log t 3 "$X" own big.img k2 bob 200 80000
t 0 "$X" reconcile big.img
t 0 "$X" check big.img
has "consistent"
t 0 "$X" show big.img
hasnt "80000  none"
t 0 "$X" own big.img k2 bob 200 80000
t 0 "$X" show big.img
has "80000  none"

step "the owner table and the log destroyed: reconcile refuses"
cp --sparse=always d.img ot.img
dd if=/dev/zero of=ot.img bs=$B seek=1 count=1 conv=notrunc status=none
t 1 "$X" check ot.img
has "differ at home"
clearlog ot.img
t 1 "$X" check ot.img
has "owner table (block 1): wrong magic number"
t 1 "$X" reconcile ot.img
has "cannot reconcile" "owner table"

step "a destroyed superblock"
cp --sparse=always d.img sb.img
dd if=/dev/urandom of=sb.img bs=$B count=1 conv=notrunc status=none
cp --sparse=always sb.img sb.before
t 1 "$X" check sb.img
has "superblock: wrong magic number"
t 1 "$X" reconcile sb.img
has "cannot reconcile" "superblock"
t 1 "$X" show sb.img
t 1 "$X" extract sb.img k1 x.img
t 1 "$X" place sb.img fs.orig k1 alice
cmp sb.img sb.before || fail "a refused command changed the image"

step "a superblock with a flipped byte"
cp --sparse=always d.img sb2.img
flip sb2.img 30
t 1 "$X" check sb2.img
has "superblock: checksum does not match"
t 1 "$X" reconcile sb2.img

step "a truncated image"
cp --sparse=always d.img tr.img
truncate -s 32M tr.img
t 1 "$X" check tr.img
has "covers 16384 blocks but the image has only 8192"
t 1 "$X" reconcile tr.img
has "cannot reconcile" "truncate -s 67108864"
# As the hint says: the region is at the front, so growing the file back
# restores it (the cut-off blocks read as zeros).
truncate -s 64M tr.img
t 0 "$X" check tr.img
truncate -s 32M tr.img
truncate -s 100 tr.img
t 1 "$X" check tr.img
has "shorter than a superblock"

step "the original image is still consistent and intact"
t 0 "$X" check d.img
t 0 "$X" extract d.img k1 final.img
cmp back.img final.img || fail "the image changed"
e2fsck -fn final.img >e2fsck.log 2>&1 || { cat e2fsck.log; fail "e2fsck at the end"; }

echo "PASS exodisk"
