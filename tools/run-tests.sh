#!/bin/bash
# Run the test suites and print one closing line: "N passed, N failed".
#
#   tools/run-tests.sh              unit tests, then QEMU integration tests
#   tools/run-tests.sh --unit-only  unit tests only (make check)
#   tools/run-tests.sh NAME...      only these integration tests
#
# Integration tests are tests/integration/NAME.test files (see the README
# there). Each boots its own ISO under QEMU and is judged by QEMU's exit
# status and by lines that must appear on the serial console, in order.
# QEMU_DEBUG='OPTIONS' adds QEMU options to every integration boot (e.g.
# "-d cpu_reset -D /tmp/q.log", or a monitor socket to inspect a hang).
set -u
cd "$(dirname "$0")/.."
B=build
passed=0 failed=0 failures=()
TEST_TIMEOUT=${TEST_TIMEOUT:-90}

note_unit() { # binary
	local out line
	out=$("$1" 2>&1)
	local rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^unit: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out" | tail -n 30
		echo "FAIL $1 (exit $rc, no summary)"
		failed=$((failed + 1)) failures+=("$1")
		return
	fi
	local p f
	p=$(echo "$line" | awk '{ print $2 }')
	f=$(echo "$line" | awk '{ print $4 }')
	if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
		printf '%s\n' "$out" | grep -E -B2 -A6 'FAILED|Test: .*FAILED|ERROR' | head -n 60
		failures+=("$1")
	fi
	echo "${1##*/}: $p passed, $f failed"
	passed=$((passed + p)) failed=$((failed + f))
}

# run_sh LABEL SCRIPT DIR: a test script judged by its exit status; it
# runs from the top of the tree with RUN_DIR (DIR, its scratch directory)
# and TEST_TIMEOUT set.
run_sh() {
	local label=$1 script=$2 dir=$3 start=$SECONDS
	rm -rf "$dir"
	mkdir -p "$dir"
	if RUN_DIR=$dir TEST_TIMEOUT=$TEST_TIMEOUT bash "$script" >"$dir/out.log" 2>&1; then
		echo "PASS $label ($((SECONDS - start))s)"
		passed=$((passed + 1))
	else
		echo "FAIL $label ($dir/out.log):"
		tail -n 25 "$dir/out.log"
		failed=$((failed + 1)) failures+=("$label")
	fi
}

# run_script NAME: tests/integration/NAME.sh, a test that boots QEMU itself
# (several times, on disks it prepares).
run_script() {
	run_sh "$1" "tests/integration/$1.sh" "${TEST_RUN_DIR:-$B/tests}/$1.run"
}

# converse LOG LINE SECONDS PATTERN TEXT...: print each TEXT (printf %b)
# once PATTERN shows in LOG after the line the previous PATTERN was found
# on (the first: from line LINE); give up after SECONDS.
converse() {
	local log=$1 from=$2 end=$((SECONDS + $3)) n
	shift 3
	while [ $# -ge 2 ]; do
		while :; do
			n=$(tail -n +"$from" "$log" 2>/dev/null | grep -a -n -F -m 1 -- "$1" | cut -d: -f1)
			[ -n "$n" ] && break
			[ $SECONDS -lt $end ] || return 0
			sleep 0.2
		done
		from=$((from + n))
		printf '%b' "$2"
		shift 2
	done
}

# run_integration NAME: build the ISO the .test file describes, boot it,
# judge it.
run_integration() {
	local name=$1 spec=tests/integration/$1.test
	if [ ! -e "$spec" ] && [ -e "tests/integration/$1.sh" ]; then
		run_script "$1"
		return
	fi
	local modules=() kargs="test" status=1 expect=() expect_any=() input="" dialog=() timeout=$TEST_TIMEOUT
	local smp=${SMP:-2} disk="" boots=1
	unset -f prepare check
	# disk=MIB: a virtio disk of MIB MiB formatted by tools/exodisk; a
	# prepare function in the .test file may change it ($1 = the image).
	# boots=N: boot N times on the same disk; the serial logs are joined.
	# input='TEXT' (printf %b) is typed at once; dialog=(PATTERN TEXT ...)
	# types each TEXT only when its PATTERN has appeared in the serial
	# output after the previous PATTERN (a test that waits for a prompt).
	# A check function, if any, judges the disk after the last boot ($1 =
	# the image; its output goes to check.log): non-zero fails the test.
	# shellcheck source=/dev/null
	. "$spec"
	local dir=${TEST_RUN_DIR:-$B/tests}/$name.run
	rm -rf "$dir"
	mkdir -p "$dir"
	local mods=() m
	for m in "${modules[@]}"; do
		case $m in
		@*) mods+=("$m") ;;
		*) mods+=("$B/$m") ;;
		esac
	done
	if ! tools/mkiso.sh "$dir/test.iso" "$B/kernel/kernel.elf" "$kargs" "${mods[@]}" 2>"$dir/mkiso.err"; then
		echo "FAIL $name: cannot build the ISO"
		cat "$dir/mkiso.err"
		failed=$((failed + 1)) failures+=("$name")
		return
	fi
	local drive=()
	if [ -n "$disk" ]; then
		if ! $B/tools/exodisk format "$dir/disk.img" "$disk" >"$dir/disk.log" 2>&1 ||
			{ declare -F prepare >/dev/null && ! prepare "$dir/disk.img" >>"$dir/disk.log" 2>&1; }; then
			echo "FAIL $name: cannot prepare the disk"
			cat "$dir/disk.log"
			failed=$((failed + 1)) failures+=("$name")
			return
		fi
		drive=(-drive "file=$dir/disk.img,if=virtio,format=raw")
	fi
	local start=$SECONDS rc boot
	: >"$dir/serial.log"
	for ((boot = 1; boot <= boots; boot++)); do
		rm -f "$dir/stdin" && mkfifo "$dir/stdin"
		{
			printf '%b' "$input"
			converse "$dir/serial.log" $(($(wc -l <"$dir/serial.log") + 1)) "$timeout" "${dialog[@]}"
		} >"$dir/stdin" &
		local feeder=$!
		timeout -k 5 "$timeout" qemu-system-x86_64 \
			-machine pc -accel "${ACCEL:-tcg}" -cpu max -smp "$smp" -m "${MEM:-512M}" \
			-display none -no-reboot -monitor none -serial stdio \
			-device isa-debug-exit,iobase=0xf4,iosize=4 "${drive[@]}" ${QEMU_DEBUG:-} \
			-cdrom "$dir/test.iso" -boot d <"$dir/stdin" >>"$dir/serial.log" 2>"$dir/qemu.err"
		rc=$?
		kill "$feeder" 2>/dev/null
		wait "$feeder" 2>/dev/null
		[ "$rc" = "$status" ] || break
	done
	local why=""
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		why="timed out after ${timeout}s"
	elif [ "$rc" != "$status" ]; then
		why="QEMU exit status $rc, expected $status"
	fi
	# Expected lines must appear in this order.
	if [ -z "$why" ]; then
		tr -d '\r' <"$dir/serial.log" >"$dir/serial.txt"
		local from=1 e n
		for e in "${expect[@]}"; do
			n=$(tail -n +"$from" "$dir/serial.txt" | grep -a -n -F -m 1 -- "$e" | cut -d: -f1)
			if [ -z "$n" ]; then
				why="missing line: $e"
				break
			fi
			from=$((from + n - 1))
		done
		for e in "${expect_any[@]}"; do
			if ! grep -a -q -F -- "$e" "$dir/serial.txt"; then
				why="missing line (any order): $e"
				break
			fi
		done
	fi
	if [ -z "$why" ] && declare -F check >/dev/null && ! check "$dir/disk.img" >"$dir/check.log" 2>&1; then
		why="the disk check failed ($dir/check.log):"$'\n'"$(tail -n 15 "$dir/check.log")"
	fi
	if [ -z "$why" ]; then
		echo "PASS $name ($((SECONDS - start))s)"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $why"
		echo "---- last serial lines of $name ($dir/serial.log):"
		tr -d '\r' <"$dir/serial.log" | tail -n 25
		[ -s "$dir/qemu.err" ] && { echo "---- qemu stderr:"; tail -n 5 "$dir/qemu.err"; }
		echo "----"
		failed=$((failed + 1)) failures+=("$name")
	fi
}

unit_only=0
names=()
for a in "$@"; do
	case $a in
	--unit-only) unit_only=1 ;;
	*) names+=("$a") ;;
	esac
done

# The checked-in style (.clang-format) holds for every C file: one test.
check_format() {
	local bad
	bad=$(git ls-files '*.c' '*.h' | xargs clang-format --dry-run 2>&1 | grep -c 'warning:')
	if [ "$bad" = 0 ]; then
		echo "PASS format (clang-format clean)"
		passed=$((passed + 1))
	else
		echo "FAIL format: $bad places differ from .clang-format (make format fixes them)"
		failed=$((failed + 1)) failures+=(format)
	fi
}

# cppcheck and clang-tidy on the kernel and the secure bindings (make lint,
# tools/lint.mk): zero findings of the documented checks.
check_lint() {
	local out
	if out=$(make --no-print-directory -s lint 2>&1); then
		echo "PASS lint (${out##*clean on })"
		passed=$((passed + 1))
	else
		printf '%s\n' "$out" | grep -E 'error|warning' | head -n 20
		echo "FAIL lint: make lint found problems"
		failed=$((failed + 1)) failures+=(lint)
	fi
}

if [ ${#names[@]} = 0 ]; then
	note_unit $B/unit/run-tests
	note_unit $B/unit/run-tests-san
	if [ -d .git ] && command -v clang-format >/dev/null; then
		check_format
	fi
	[ $unit_only = 0 ] && check_lint # ~25 s: not in the quick loop
fi
# Host tool tests: each tests/host/NAME.sh is one test (build/ already
# made).
run_host() {
	run_sh "host/$1" "tests/host/$1.sh" "${TEST_RUN_DIR:-$B/tests}/host-$1"
}
if [ ${#names[@]} = 0 ]; then
	for f in tests/host/*.sh; do
		[ -e "$f" ] || continue
		n=${f##*/}
		run_host "${n%.sh}"
	done
fi

if [ $unit_only = 0 ]; then
	if [ ${#names[@]} = 0 ]; then
		for f in tests/integration/*.test tests/integration/*.sh; do
			[ -e "$f" ] || continue
			n=${f##*/}
			names+=("${n%.*}")
		done
	fi
	for n in "${names[@]}"; do
		run_integration "$n"
	done
fi
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
