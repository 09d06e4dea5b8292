#!/bin/bash
# unix_console.sh - the console's line discipline under unixd, typed at
# an interactive /bin/sh the way a person would: each input is sent only
# once the output shows the system is ready for it (no timing guesses).
#
# Checks: echo of typed input, backspace (DEL) erasing characters, ^U
# erasing the line, ^C sending SIGINT to the foreground process group
# (cat dies, status 130; the shell survives), ^D as end of file (cat ends,
# status 0), raw mode set with tcsetattr (rawtty.c), input typed ahead of a running command kept in order, and
# `poweroff` ending QEMU with status 0 and a clean file system.
#
# Run by tools/run-tests.sh (RUN_DIR, TEST_TIMEOUT set) or by hand from the
# top of the tree after `make all`.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=build
RUN_DIR=${RUN_DIR:-$B/tests/unix_console.run}
TEST_TIMEOUT=${TEST_TIMEOUT:-90}
mkdir -p "$RUN_DIR"
R=$(cd "$RUN_DIR" && pwd)
rm -f "$R/qemu.rc"
bins="$(ls -d $B/apps/* | tr '\n' ' ') $B/tests/rawtty"
tools/mkroot.sh "$R/stage" "$R/root.img" 32 "" "$bins" "" >"$R/prepare.log" 2>&1 &&
	$B/tools/exodisk format "$R/disk.img" 64 >>"$R/prepare.log" 2>&1 &&
	$B/tools/exodisk place "$R/disk.img" "$R/root.img" $B/disk.key unix >>"$R/prepare.log" 2>&1 &&
	tools/mkiso.sh "$R/test.iso" $B/kernel/kernel.elf "" $B/unix/unixd \
		$B/disk.key=data:/disk.key >>"$R/prepare.log" 2>&1 ||
	{ cat "$R/prepare.log"; echo "FAIL: cannot prepare the disk"; exit 1; }

coproc QEMU { timeout -k 5 "$TEST_TIMEOUT" qemu-system-x86_64 -machine pc -accel "${ACCEL:-tcg}" \
	-cpu max -smp 2 -m "${MEM:-512M}" -display none -no-reboot -monitor none -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -drive "file=$R/disk.img,if=virtio,format=raw" \
	-cdrom "$R/test.iso" -boot d 2>"$R/qemu.err"
	echo $? >"$R/qemu.rc"; }
# Our own copies of the coprocess's pid and pipes: bash drops QEMU_PID and
# QEMU[] as soon as the coprocess ends, which can be before we read it all.
qpid=$QEMU_PID
exec {qout}<&"${QEMU[0]}" {qin}>&"${QEMU[1]}"
: >"$R/serial.txt"

# expect LINE [N]: read the console until LINE (a whole line, after
# dropping CRs and every "$ " prompt in it) has been seen N times.
expect() {
	local want=$1 n=${2:-1} line
	while IFS= read -r -t "$TEST_TIMEOUT" line <&"$qout"; do
		line=${line//$'\r'/}
		printf '%s\n' "$line" >>"$R/serial.txt"
		# the shell's "$ " prompts land anywhere in the echo of what we
		# typed ahead (the echo comes as the bytes arrive): drop them all
		line=${line//\$ /}
		if [ "$line" = "$want" ]; then
			n=$((n - 1))
			[ $n = 0 ] && return 0
		fi
	done
	echo "FAIL: never saw the line '$want'; the console said:"
	tail -n 20 "$R/serial.txt"
	exit 1
}
send() { printf '%b' "$1" >&"$qin"; }

# mounted: from here on the shell reads what we type
while IFS= read -r -t "$TEST_TIMEOUT" line <&"$qout"; do
	printf '%s\n' "${line//$'\r'/}" >>"$R/serial.txt"
	case $line in "unixd: root file system"*) break ;; esac
done
send 'echo ready\n'
expect ready # (the echo of what we typed is the line "echo ready")

send 'echo abc\x7f\x7fxy\n' # DEL twice: "echo a" + "xy"
expect axy
send 'echo zzz\x15echo kill\n' # ^U drops "echo zzz"
expect kill

send 'cat\n'
send 'hello\n'
expect hello 2 # typed, then cat's copy: cat is reading now
send '\x03'    # ^C: SIGINT to cat's process group
send 'echo "after ^C: $?"\n'
expect "after ^C: 130"

send 'cat\n'
send 'line1\n'
expect line1 2
send '\x04' # ^D at the start of a line: end of file
send 'echo "after ^D: $?"\n'
expect "after ^D: 0"

# raw mode (rawtty.c): bytes one at a time, ^C an ordinary byte, no echo
send 'rawtty\n'
expect "raw: ready"
send 'ab\x03'
expect "raw: 61 62 03"
send 'echo "after raw: $?"\n'
expect "after raw: 0"

# typed ahead while a command runs: nothing lost, nothing reordered
send 'sleep 1; echo first\necho second\necho third\n'
expect first
expect second
expect third

send 'poweroff\n'
expect "exo: power off (ACPI S5)"
wait "$qpid" 2>/dev/null
rc=$(cat "$R/qemu.rc" 2>/dev/null || echo none)
[ $rc = 0 ] || { echo "FAIL: QEMU exit status $rc"; exit 1; }
make -s fsck DISK_IMG="$R/disk.img" >"$R/fsck.log" 2>&1 ||
	{ tail -n 10 "$R/fsck.log"; echo "FAIL: e2fsck -fn after poweroff"; exit 1; }
echo "PASS: line discipline, signals from the keyboard, type-ahead, poweroff"
