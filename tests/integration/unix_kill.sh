#!/bin/bash
# unix_kill.sh - kill QEMU at random moments and reboot on the same disk: a
# whole-system check of the kernel's disk ownership region and the UNIX
# libOS's file system (docs/crash.md, "Killing QEMU").
#
# For KILL_ROUNDS rounds on ONE disk:
#   1. boot unixd with `unix_killload run ROUND SEED` as init: it changes
#      /w without end and prints "fsynced PATH LEN" after each fsync;
#   2. after a seeded number of fsync reports and a seeded delay, kill QEMU
#      with SIGKILL (QEMU keeps every write it received: this is not a
#      write-ordering test, logreplay's tests are);
#   3. `exodisk check` (block ownership consistent); on an extracted copy
#      of the ext2 image: not marked with errors, every fsync'd file intact
#      as Linux's debugfs reads it, `e2fsck -p` repairs it without
#      questions (exit 0 or 1) and `e2fsck -fn` then finds it clean;
#   4. boot `unix_killload check` as init on the SAME disk: the
#      kernel must accept the disk (its region replays its log; no
#      "refused", "panic", "invariant" or "corrected" line), unixd must
#      mount the file system read-write although it is not clean, and the
#      checker reads every file under /w from inside the system; each file
#      reported fsync'd (by this round or the two before, whose
#      directories no round has begun to remove yet) must have exactly its
#      contents, the appended log at least its last fsync'd length.
# Before step 4 the image e2fsck -p repaired is put back (`exodisk
# insert`): the file system's contract is "e2fsck -p after a crash"
# (docs/unix-libos.md, "Write order"), and unixd runs no e2fsck itself.
# With KILL_REPAIR=0 nothing is repaired on the host and the system must
# keep working on the disk a kill left; today it does not (docs/crash.md,
# "Killing QEMU"). The next round runs on the disk as the checker left it,
# so damage would accumulate, and each round removes the files of round
# ROUND-3 (blocks allocated boots ago). At the end `e2fsck -p` must
# succeed without questions on the final image.
#
# Why this design: the checker is the real system (kernel, unixd, the
# ext2 code, the libOS) reading what it left, through the calls a program
# uses; e2fsprogs on the host is a second, independent reader of the same
# bytes, and the only judge of structural damage our ext2 code might not
# notice. The fsync reports go from the workload to the script through the
# console, so neither side needs the other's list.
#
# Run by tools/run-tests.sh (RUN_DIR, TEST_TIMEOUT set) as "unix_kill".
# Environment: KILL_ROUNDS (default 4), KILL_SEED (default 1; kill moments
# and the workload's seeds), KILL_REPAIR (default 1; 0: no host repair).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=build
RUN_DIR=${RUN_DIR:-$B/tests/unix_kill.run}
TEST_TIMEOUT=${TEST_TIMEOUT:-90}
ROUNDS=${KILL_ROUNDS:-4}
REPAIR=${KILL_REPAIR:-1}
SEED=${KILL_SEED:-1}
XD=$B/tools/exodisk
mkdir -p "$RUN_DIR"
R=$(cd "$RUN_DIR" && pwd)
# Earlier runs' files, not the harness's out.log (written as we run).
find "$R" -mindepth 1 -maxdepth 1 ! -name out.log -exec rm -rf {} +
export PATH=$PATH:/sbin:/usr/sbin
t0=$SECONDS
# Lines that must never appear on the console: the kernel refusing or
# correcting the disk, a panic, unixd giving up, a program's CHECK.
BAD='refused|panic|invariant|corrected|powering off|unmount failed|needs e2fsck|cannot mount|read-only|CHECK failed|TEST-END fail'

fail() {
	echo "unix_kill: FAIL: $*"
	exit 1
}

tools/mkroot.sh "$R/stage" "$R/root.img" 64 "" "$B/tests/unix_killload" "" >"$R/prepare.log" 2>&1 &&
	$XD format "$R/disk.img" 128 >>"$R/prepare.log" 2>&1 &&
	$XD place "$R/disk.img" "$R/root.img" $B/disk.key unix >>"$R/prepare.log" 2>&1 &&
	tools/mkiso.sh "$R/check.iso" $B/kernel/kernel.elf "" \
		"$B/unix/unixd=unixd /bin/unix_killload check" $B/disk.key=data:/disk.key \
		>>"$R/prepare.log" 2>&1 || { cat "$R/prepare.log"; fail "cannot prepare"; }

rng=$((SEED * 2654435761 % 4294967296 + 1))
rand() { # rand N: 0..N-1 in $r
	rng=$(((rng * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff))
	r=$(((rng >> 17) % $1))
}

# boot NAME ISO [K DELAY]: boot on the disk, console in $R/NAME.txt, QEMU's
# exit status in $rc. With K, QEMU is killed (SIGKILL) DELAY seconds after
# the K-th fsync report; $R/NAME.killed then exists.
boot() {
	local name=$1 iso=$2 k=${3:-0} delay=${4:-0} n=0 line qpid killer=""
	: >"$R/$name.txt"
	rm -f "$R/$name.rc" "$R/$name.pid" "$R/$name.killed"
	coproc QEMU { exec 2>/dev/null # no "Killed" notice from this shell
	timeout -k 5 "$TEST_TIMEOUT" qemu-system-x86_64 -machine pc \
		-accel "${ACCEL:-tcg}" -cpu max -smp 2 -m "${MEM:-512M}" -display none \
		-no-reboot -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-pidfile "$R/$name.pid" -drive "file=$R/disk.img,if=virtio,format=raw" \
		-cdrom "$iso" -boot d </dev/null 2>"$R/$name.err"
	echo $? >"$R/$name.rc"; }
	# Our own copies of the coprocess's pid and pipes: bash drops
	# QEMU_PID and QEMU[] as soon as the coprocess ends.
	qpid=$QEMU_PID
	exec {qout}<&"${QEMU[0]}" {qin}>&"${QEMU[1]}"
	while IFS= read -r line <&"$qout"; do
		line=${line//$'\r'/}
		printf '%s\n' "$line" >>"$R/$name.txt"
		case $line in
		fsynced*)
			n=$((n + 1))
			if ((k && n == k)); then
				(sleep "$delay" && kill -KILL "$(cat "$R/$name.pid")" &&
					: >"$R/$name.killed") &
				killer=$!
			fi
			;;
		esac
	done
	wait "$qpid" 2>/dev/null
	[ -n "$killer" ] && wait "$killer" 2>/dev/null
	exec {qout}<&- {qin}>&-
	rc=$(cat "$R/$name.rc" 2>/dev/null || echo none)
}

# serial_ok NAME: no bad line on NAME's console (else the lines, and 1).
serial_ok() {
	if grep -E "$BAD" "$R/$1.txt" >"$R/$1.bad"; then
		echo "unix_kill: bad lines on the console of $1:"
		head -n 5 "$R/$1.bad"
		return 1
	fi
}

# fs_ok IMG OUT: the ext2 image inside IMG, extracted to OUT, is not marked
# with errors, holds every required file (debugfs), and e2fsck -p repairs
# it without questions, after which e2fsck -fn finds it clean.
fs_ok() {
	local img=$1 out=$2 p kind path len got
	$XD extract "$img" $B/disk.key "$out" >"$out.log" 2>&1 || { echo "cannot extract"; return 1; }
	if dumpe2fs -h "$out" 2>/dev/null | grep -q '^Filesystem state:.*error'; then
		echo "the file system is marked with errors: $(dumpe2fs -h "$out" 2>/dev/null | grep '^Filesystem state')"
		return 1
	fi
	rm -rf "$out.dump" && mkdir -p "$out.dump"
	debugfs -R "rdump /w $out.dump" "$out" >/dev/null 2>&1
	while read -r kind path len; do
		got=$out.dump$path
		if [ "$kind" = fsynced-append ]; then
			cmp -s -n "$len" "$got" <(yes "$path" | head -c "$len") &&
				[ "$(stat -c %s "$got")" -ge "$len" ] ||
				{ echo "debugfs: $path lost fsync'd bytes (needs $len)"; return 1; }
		else
			cmp -s "$got" <(yes "$path" | head -c "$len") ||
				{ echo "debugfs: $path (fsync'd, $len bytes) is missing or wrong"; return 1; }
		fi
	done <"$R/required.txt"
	rm -rf "$out.dump"
	# What a full check finds before any repair (kept for the record).
	e2fsck -fn "$out" >"$out.found" 2>&1
	e2fsck -p "$out" >"$out.fsck" 2>&1
	p=$?
	[ $p -le 1 ] || { echo "e2fsck -p exit $p: $(tail -n 3 "$out.fsck" | tr '\n' ' ')"; return 1; }
	e2fsck -fn "$out" >>"$out.fsck" 2>&1 ||
		{ echo "e2fsck -fn after -p: $(grep -v '^Pass\|^e2fsck' "$out.fsck" | tail -n 3 | tr '\n' ' ')"; return 1; }
	echo $p >"$out.prc"
}

: >"$R/reports.txt"
for ((round = 1; round <= ROUNDS; round++)); do
	ts=$SECONDS
	rand 12
	k=$((2 + r))
	rand 1500
	delay=$(printf '%d.%03d' $((r / 1000)) $((r % 1000)))
	wseed=$((SEED * 1000 + round))
	tools/mkiso.sh "$R/run.iso" $B/kernel/kernel.elf "" \
		"$B/unix/unixd=unixd /bin/unix_killload run $round $wseed" $B/disk.key=data:/disk.key \
		>"$R/mkiso.log" 2>&1 || fail "cannot make the ISO"

	# 1-2: run the workload, kill QEMU.
	boot "run$round" "$R/run.iso" "$k" "$delay"
	why=""
	if [ ! -e "$R/run$round.killed" ]; then
		why="QEMU ended before the kill (status $rc)"
	elif [ "$rc" != 137 ]; then
		why="QEMU exit status $rc, not 137 (killed)"
	elif ! grep -q "^killload: round $round\$" "$R/run$round.txt"; then
		why="the workload did not start"
	elif ! serial_ok "run$round"; then
		why="bad console lines"
	fi
	[ -z "$why" ] || { tail -n 20 "$R/run$round.txt"; fail "round $round: run: $why"; }
	grep '^fsynced' "$R/run$round.txt" | sed "s/^/$round /" >>"$R/reports.txt"
	# Files of rounds that no boot has begun to remove (round R removes
	# /w/r(R-3) when it starts).
	awk -v r="$round" '$1 > r - 3 { print $2, $3, $4 }' "$R/reports.txt" >"$R/required.txt"
	nrep=$(grep -c '^fsynced' "$R/run$round.txt")

	# 3: host checks on the disk as the kill left it.
	$XD check-replayed "$R/disk.img" >"$R/check$round.log" 2>&1 ||
		{ tail -n 5 "$R/check$round.log"; fail "round $round: exodisk check after the kill"; }
	why=$(fs_ok "$R/disk.img" "$R/kill$round.ext2") || fail "round $round: after the kill: $why"
	if [ "$REPAIR" = 1 ]; then
		$XD insert "$R/disk.img" $B/disk.key "$R/kill$round.ext2" >>"$R/check$round.log" 2>&1 &&
			$XD check "$R/disk.img" >>"$R/check$round.log" 2>&1 ||
			{ tail -n 5 "$R/check$round.log"; fail "round $round: cannot insert the repaired image"; }
	fi
	rm -f "$R/kill$round.ext2"

	# 4: the checker, on the same disk, unrepaired.
	boot "check$round" "$R/check.iso"
	why=""
	if [ "$rc" != 0 ]; then
		why="QEMU exit status $rc, not 0"
	elif ! grep -q 'exo: power off' "$R/check$round.txt" ||
		! grep -q '^TEST-END pass' "$R/check$round.txt"; then
		why="the checker did not finish"
	elif ! grep -q '^unixd: root file system' "$R/check$round.txt"; then
		why="unixd did not mount the file system"
	elif ! serial_ok "check$round"; then
		why="bad console lines"
	elif grep -q '^other ' "$R/check$round.txt"; then
		why="not a file or directory: $(grep -m1 '^other ' "$R/check$round.txt")"
	fi
	if [ -z "$why" ]; then
		declare -A size=() good=()
		while read -r _ path s g; do
			size[$path]=$s good[$path]=$g
		done < <(grep '^file ' "$R/check$round.txt")
		while read -r kind path len; do
			if [ -z "${size[$path]:-}" ]; then
				why="$path (fsync'd, $len bytes) is missing"
			elif [ "$kind" = fsynced-append ]; then
				((${good[$path]} >= len)) ||
					why="$path lost fsync'd bytes: $len needed, ${good[$path]} right of ${size[$path]}"
			elif [ "${size[$path]}" != "$len" ] || [ "${good[$path]}" != "$len" ]; then
				why="$path (fsync'd, $len bytes) has ${size[$path]} bytes, ${good[$path]} right"
			fi
			[ -z "$why" ] || break
		done <"$R/required.txt"
		unset size good
	fi
	[ -z "$why" ] || { tail -n 20 "$R/check$round.txt"; fail "round $round: checker: $why"; }
	$XD check-replayed "$R/disk.img" >>"$R/check$round.log" 2>&1 ||
		{ tail -n 5 "$R/check$round.log"; fail "round $round: exodisk check after the checker"; }
	echo "unix_kill: round $round: killed ${delay}s after fsync report $k ($nrep seen)," \
		"$(grep -c . "$R/required.txt") reports checked," \
		"$(grep -m1 '^killcheck:' "$R/check$round.txt" | cut -d' ' -f2-), e2fsck -p exit $(cat "$R/kill$round.ext2.prc");" \
		"$((SECONDS - ts)) s"
done

# The final disk, never repaired on the host: e2fsck -p without questions.
: >"$R/required.txt"
why=$(fs_ok "$R/disk.img" "$R/final.ext2") || fail "final image: $why"
rm -f "$R/final.ext2"
echo "unix_kill: $ROUNDS rounds passed in $((SECONDS - t0)) s"
