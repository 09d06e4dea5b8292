#!/bin/bash
# Host test of tools/logreplay.c against real QEMU blklogwrites logs.
#
# Records a run in four qemu-io sessions on one log (the first makes the log,
# the others append to it with log-append=on) and snapshots the disk image
# after each: writes, overlapping writes, write-zeroes, a discard, an explicit
# flush, and a last session that aborts after six unflushed writes. Then:
#   - `points` lists exactly the flush points the super block counts say,
#   - `build` at every point gives the image qemu-io left at that moment,
#   - --seed builds are reproducible, differ between seeds, and each is
#     exactly the model its description line states (flushed entries in
#     full, each unflushed write applied or dropped, one torn to a prefix),
#   - a 512-byte-sector log is read in 512-byte units,
#   - corrupt logs and bad requests are refused with exit 1, usage errors
#     exit 2, and no output (or OUT.tmp) is left behind.
# Run from the top of the tree with RUN_DIR set to a scratch directory.
set -euo pipefail

LR=${LOGREPLAY:-$PWD/build/tools/logreplay} # LOGREPLAY= tests another build
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
: "${RUN_DIR:?RUN_DIR must name a scratch directory}"
command -v qemu-io >/dev/null || fail "qemu-io is missing (apt-get install qemu-utils)"
[ -x "$LR" ] || fail "$LR is missing (make build/tools/logreplay)"
mkdir -p "$RUN_DIR"
cd "$RUN_DIR"
rm -f ./*.img ./*.bin ./*.out ./*.err ./*.tmp
ulimit -c 0 # qemu-io's abort must not leave a core file

K=4096
BLW=driver=blklogwrites,file.driver=file,file.filename=d.img,log.driver=file,log.filename=l.bin

# qio new|append CMD...: one qemu-io session on d.img logging to l.bin.
# -t writeback: qemu-io's default, writethrough, turns every write into
# FUA, which QEMU emulates with an extra flush after most writes.
qio() {
	local opts=$BLW,log-sector-size=$K args=() c
	[ "$1" = append ] && opts=$BLW,log-append=on
	shift
	for c in "$@"; do args+=(-c "$c"); done
	qemu-io -t writeback --image-opts "$opts" "${args[@]}" >>qemu-io.out 2>&1
}
# count LOG: nr_entries from the super block, read without logreplay.
count() { od -An -tu8 -j16 -N8 "$1" | tr -d ' '; }
# same A B OFF LEN: bytes OFF..OFF+LEN-1 of A and B are equal.
same() { cmp -s -n "$4" -i "$3:$3" "$1" "$2"; }
# expect_status WANT CMD...: run CMD, which must exit with WANT.
expect_status() {
	local want=$1 rc=0
	shift
	"$@" >cmd.out 2>cmd.err || rc=$?
	[ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $(cat cmd.err)"
}
# put64 FILE OFF VALUE: store VALUE little-endian at byte OFF of FILE.
put64() {
	local i bytes=""
	for i in 0 1 2 3 4 5 6 7; do
		bytes+=$(printf '\\%03o' $((($3 >> (8 * i)) & 255)))
	done
	printf '%b' "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---------------------------------------------------------------- record
truncate -s 1M d.img
cp d.img base.img
: >l.bin
qio new 'write -P 0x11 0 16k' 'write -P 0x22 64k 8k' 'write -P 0x33 8k 16k'
cp d.img snap1.img
c1=$(count l.bin)
qio append 'write -P 0x44 128k 12k' 'write -z 4k 8k' 'discard 64k 4k' 'write -P 0x45 132k 4k'
cp d.img snap2.img
c2=$(count l.bin)
# The log records a discard; whether the file reads zeros after it is the
# host file system's business (hole punching). logreplay applies zeros.
if ! cmp -s -n $K -i 65536:0 snap2.img /dev/zero; then
	echo "NOTE: this file system kept data under a discard; comparing that range as zeros"
	dd if=/dev/zero of=snap2.img bs=$K seek=16 count=1 conv=notrunc status=none
	dd if=/dev/zero of=d.img bs=$K seek=16 count=1 conv=notrunc status=none
fi
qio append 'write -P 0x55 192k 4k' flush 'write -P 0x66 196k 8k' 'write -P 0x77 8k 4k'
cp d.img snap3.img
c3=$(count l.bin)
# The state at the explicit flush, made without logreplay: snap2 + 0x55.
cp snap2.img mid3.img
qemu-io -f raw -c 'write -P 0x55 192k 4k' mid3.img >>qemu-io.out
# The power cut: six writes after the last flush, then abort. Their
# (offset length) in 4 KiB sectors, in log order, do not overlap each other.
crash=("64 1" "65 1" "68 4" "0 1" "32 1" "128 2")
echo "(qemu-io aborts on purpose: the power cut)"
rc=0
qio append 'write -P 0x88 256k 4k' 'write -P 0x99 260k 4k' 'write -P 0xaa 272k 16k' \
	'write -P 0xbb 0 4k' 'write -z 128k 4k' 'write -P 0xcc 512k 8k' abort || rc=$?
[ $rc != 0 ] || fail "qemu-io abort exited 0"
cp d.img final.img
[ "$(count l.bin)" = "$c3" ] || fail "abort updated the super block count"
end=$((c3 + 6))
echo "entries: session ends at $c1 $c2 $c3, end of log $end"
# Each session's writes end with one flush (at close), plus the explicit one.
[ "$c1 $c2 $c3" = "4 9 14" ] || fail "unexpected entry counts $c1 $c2 $c3 (expected 4 9 14)"

# ---------------------------------------------------------------- list, check, points
expect_status 0 "$LR" check l.bin
grep -q "ok: sector size 4096, $c3 entries counted, 6 beyond" cmd.out || fail "check: $(cat cmd.out)"
"$LR" list l.bin >list.out
[ "$(grep -vc '^#' list.out)" = $end ] || fail "list: wrong number of entry lines"
grep -q "^# $c3 entries counted by the super block, 6 found beyond it" list.out ||
	fail "list summary: $(grep '^#' list.out)"
grep -q "^# flush entries: 3 8 10 13$" list.out || fail "list flushes: $(grep flush list.out)"
grep -Eq '^ +6 discard +16 +1$' list.out || fail "list: no discard entry 6 of 1 sector at 16"
grep -Eq '^ +4 write +32 +3$' list.out || fail "list: entry 4 should write sectors 32..34"
grep -Eq "^ +$((end - 1)) write +128 +2  \(beyond count\)$" list.out ||
	fail "list: the last entry should be beyond the count"
printf '%s\n' "$c1" "$c2" $((c2 + 2)) "$c3" $end >points.want
"$LR" points l.bin >points.out
cmp -s points.want points.out || fail "points: got $(tr '\n' ' ' <points.out), want $(tr '\n' ' ' <points.want)"

# ---------------------------------------------------------------- build at each point
check_point() { # N REFERENCE
	"$LR" build l.bin base.img out.img "$1" >build.out
	cmp -s out.img "$2" || fail "build at $1 differs from $2: $(cmp out.img "$2" || true)"
	"$LR" build l.bin base.img out.img "$1" --seed 7 --torn >build.out
	if [ "$1" != $end ]; then
		cmp -s out.img "$2" || fail "seeded build at flush point $1 differs from $2"
		grep -q "applied none; dropped none; torn none$" build.out ||
			fail "seeded build at a flush point: $(cat build.out)"
	fi
}
check_point 0 base.img
check_point "$c1" snap1.img
check_point "$c2" snap2.img
check_point $((c2 + 2)) mid3.img
check_point "$c3" snap3.img
check_point $end final.img
echo "every point rebuilds qemu-io's image"

# ---------------------------------------------------------------- seeded power cuts
# expand "3,5-7" -> "3 5 6 7"; "none" -> "".
expand() {
	local part parts
	[ "$1" = none ] && return
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		seq "${part%-*}" "${part#*-}" # "7" is the range 7-7
	done | tr '\n' ' '
}
# model OUT DESCRIPTION: build the image the description states from
# snap3 (state at the last flush) and final.img (every crash write applied)
# with dd alone, and compare.
model() {
	local desc=$2 e off len applied dropped torn="" kept=0 seen=()
	[[ $desc == *"; flushed 0-$((c3 - 1));"* ]] || fail "not flushed through $((c3 - 1)): $desc"
	applied=$(expand "$(sed -E 's/.*; applied ([^;]*);.*/\1/' <<<"$desc")")
	dropped=$(expand "$(sed -E 's/.*; dropped ([^;]*)(;.*)?$/\1/' <<<"$desc")")
	if [[ $desc =~ \;\ torn\ ([0-9]+)\ \(kept\ ([0-9]+)\ of\ ([0-9]+)\ sectors\) ]]; then
		torn=${BASH_REMATCH[1]} kept=${BASH_REMATCH[2]}
		[ "$kept" -lt "${BASH_REMATCH[3]}" ] || fail "torn write kept all its sectors: $desc"
	fi
	read -ra seen <<<"$applied $dropped $torn"
	[ "$(printf '%s\n' "${seen[@]}" | sort -un | wc -l)" = 6 ] ||
		fail "description does not place each of the 6 crash writes once: $desc"
	for e in "${seen[@]}"; do
		((e >= c3 && e < end)) || fail "entry $e is not a crash write: $desc"
	done
	cp snap3.img model.img
	for e in $applied $torn; do
		read -r off len <<<"${crash[$((e - c3))]}"
		[ "$e" = "$torn" ] && len=$kept
		dd if=final.img of=model.img bs=$K skip="$off" seek="$off" count="$len" \
			conv=notrunc status=none
	done
	cmp -s "$1" model.img || fail "seeded image is not what its description says: $desc"
	[[ $applied ]] && some_applied=1
	[[ $dropped ]] && some_dropped=1
	return 0
}
some_applied=0 some_dropped=0
prefix_torn=0
for s in $(seq 1 32); do
	"$LR" build l.bin base.img "seed$s.img" $end --seed "$s" --torn >build.out
	desc=$(cat build.out)
	model "seed$s.img" "$desc"
	"$LR" build l.bin base.img again.img $end --seed "$s" --torn >/dev/null
	cmp -s "seed$s.img" again.img || fail "seed $s does not reproduce"
	[[ $desc == *"torn $((c3 + 2)) (kept "[123]" of 4 sectors)"* ]] && prefix_torn=$((prefix_torn + 1))
	"$LR" build l.bin base.img "plain$s.img" $end --seed "$s" >build.out
	model "plain$s.img" "$(cat build.out)"
done
distinct=$(md5sum seed*.img | cut -d' ' -f1 | sort -u | wc -l)
[ "$distinct" -ge 8 ] || fail "32 seeds gave only $distinct different images"
[ "$some_applied$some_dropped" = 11 ] || fail "no seed applied, or no seed dropped, an unflushed write"
[ $prefix_torn -ge 1 ] || fail "no seed tore the 4-sector write to a non-empty prefix"
echo "seeds: reproducible, $distinct different images of 32, $prefix_torn tear(s) of the 4-sector write"

# ---------------------------------------------------------------- 512-byte log sectors
truncate -s 256k d.img
cp d.img base.img
: >l.bin
K=512
qio new 'write -P 0x12 512 512' 'write -P 0x13 1536 2k' 'write -P 0x14 8k 4k' flush \
	'write -z 1k 1k' 'write -P 0x15 100k 1536'
"$LR" list l.bin >list.out
grep -Eq '^ +1 write +3 +4$' list.out || fail "512-byte log: entry 1 should be sectors 3..6"
"$LR" build l.bin base.img out.img "$("$LR" points l.bin | tail -n 1)" >/dev/null
cmp -s out.img d.img || fail "512-byte log: the end point differs from the image"
echo "512-byte log sectors: ok"
K=4096

# ---------------------------------------------------------------- hostile input
rm -f l.bin d.img base.img
truncate -s 1M d.img
cp d.img base.img
: >l.bin
qio new 'write -P 0x11 0 16k' 'write -P 0x22 64k 8k' 'write -P 0x33 8k 4k' flush \
	'write -P 1 0 4k' abort || true
# Entries: 0 at log sector 1 (4 data sectors), 1 at 6 (2), 2 at 9 (1),
# 3 a flush at 11, then beyond the count 4 at 12 (1).
refused() { # FILE WORDS: check and build refuse FILE with a message holding WORDS
	expect_status 1 "$LR" check "$1"
	grep -q "$2" cmd.err || fail "check $1: '$(cat cmd.err)' does not say '$2'"
	[ "$(wc -l <cmd.err)" = 1 ] || fail "check $1: error is not one line"
	rm -f out.img
	expect_status 1 "$LR" build "$1" base.img out.img 0
	if [ -e out.img ] || [ -e out.img.tmp ]; then fail "build of $1 left a file"; fi
}
cp l.bin bad.bin
printf 'X' | dd of=bad.bin bs=1 conv=notrunc status=none
refused bad.bin "bad magic"
cp l.bin bad.bin
put64 bad.bin 8 2
refused bad.bin "version 2"
cp l.bin bad.bin
put64 bad.bin 24 3000
refused bad.bin "sector size 3000"
cp l.bin bad.bin
put64 bad.bin 16 123456789
refused bad.bin "counts 123456789 entries"
cp l.bin bad.bin
truncate -s $((4 * K + 100)) bad.bin
refused bad.bin "entry 0 (log sector 1): .*past the end of the log"
cp l.bin bad.bin
put64 bad.bin $((6 * K + 16)) 16
refused bad.bin "entry 1 (log sector 6): flags 0x10"
cp l.bin bad.bin
put64 bad.bin $((9 * K + 8)) 4611686018427387904
refused bad.bin "entry 2 (log sector 9)"
cp l.bin bad.bin
printf 'Z' | dd of=bad.bin bs=1 seek=$((9 * K + 100)) conv=notrunc status=none
refused bad.bin "entry 2 (log sector 9): stray bytes"
cp l.bin bad.bin
truncate -s $((11 * K)) bad.bin
refused bad.bin "counts 4 entries but the file ends after 3"
: >bad.bin
refused bad.bin "empty: no super block"
truncate -s 20 bad.bin
refused bad.bin "too short"
# QEMU writes the super block at the first flush: a run that never flushed
# leaves zeros there.
rm -f d.img
: >bad.bin
truncate -s 1M d.img
qemu-io -t writeback --image-opts "${BLW/l.bin/bad.bin},log-sector-size=$K" \
	-c 'write -P 1 0 4k' -c abort >>qemu-io.out 2>&1 || true
refused bad.bin "no super block, only zeros"
# A torn tail beyond the count is the expected end of a crashed log.
cp l.bin tail.bin
truncate -s $((13 * K + 100)) tail.bin
expect_status 0 "$LR" check tail.bin
grep -q "4 entries counted, 0 beyond the count (walk stopped: log sector 12: 1 data sectors run past" \
	cmd.out || fail "torn tail: $(cat cmd.out)"
# Bad requests.
expect_status 1 "$LR" build l.bin base.img out.img 6
grep -q "point 6 is beyond the 5 entries" cmd.err || fail "N beyond: $(cat cmd.err)"
truncate -s 32k small.img
rm -f out.img
expect_status 1 "$LR" build l.bin small.img out.img 2
grep -q "entry 1 writes bytes 65536..73727, past the end of small.img" cmd.err ||
	fail "past the end: $(cat cmd.err)"
if [ -e out.img ] || [ -e out.img.tmp ]; then fail "a refused build left a file"; fi
expect_status 1 "$LR" check missing.bin
# Usage errors.
expect_status 2 "$LR"
expect_status 2 "$LR" frobnicate l.bin
expect_status 2 "$LR" list
expect_status 2 "$LR" build l.bin base.img out.img
expect_status 2 "$LR" build l.bin base.img out.img five
expect_status 2 "$LR" build l.bin base.img out.img 1 --torn
expect_status 2 "$LR" build l.bin base.img out.img 1 --seed
expect_status 2 "$LR" build l.bin base.img out.img 1 --bogus
expect_status 2 "$LR" list l.bin --seed 1
expect_status 0 "$LR" --help
echo "hostile input: refused"
echo "PASS logreplay"
