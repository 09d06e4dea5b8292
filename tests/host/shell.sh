#!/bin/bash
# tests/host/shell.sh - run the shell test scripts on the host and compare
# our shell (apps/sh) with bash.
#
# Every tests/shell/*.sh is a plain POSIX sh script that prints what it
# finds on stdout. Each is run twice in a fresh, empty scratch directory:
# once by `bash --posix`, which gives the expected output, and once by our
# shell, built here from apps/sh/*.c with the host's gcc. Standard output
# and the exit status must be identical; standard error is kept for
# reading (its wording differs between shells) but not compared. In both
# runs the utilities are the host's, and `sh` in PATH is the shell under
# test (a wrapper running bash --posix for the reference run), so that a
# script can start nested shells.
#
#   RUN_DIR=DIR tests/host/shell.sh [NAME...]    (default RUN_DIR /tmp/shell-host)
#
# Prints `ok NAME` or `FAIL NAME` and a diff per script; exits 1 if any failed.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
run=${RUN_DIR:-/tmp/shell-host}
timeout=${SHELL_TEST_TIMEOUT:-60}
mkdir -p "$run/ours" "$run/ref" "$run/out"
run=$(cd "$run" && pwd)

if ! gcc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$run/ours/sh" "$top"/apps/sh/*.c; then
	echo "FAIL build: apps/sh does not compile"
	exit 1
fi
printf '#!/bin/sh\nexec bash --posix "$@"\n' >"$run/ref/sh"
chmod +x "$run/ref/sh"

# one KIND SCRIPT: run SCRIPT with the shell of KIND (ours or ref) in an
# empty directory, leaving stdout plus the exit status in $run/out/NAME.KIND.
one() {
	local kind=$1 script=$2 name dir shell
	name=$(basename "$script" .sh)
	dir=$run/work-$kind
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$kind" = ours ]; then shell=("$run/ours/sh"); else shell=(bash --posix); fi
	(
		cd "$dir" &&
			env -i PATH="$run/$kind:/usr/bin:/bin" HOME="$dir" LC_ALL=C \
				timeout -k 5 "$timeout" "${shell[@]}" "$script" \
				>"$run/out/$name.$kind" 2>"$run/out/$name.$kind.err" </dev/null
		echo "exit status $?" >>"$run/out/$name.$kind"
	)
}

scripts=()
if [ $# -gt 0 ]; then
	for n in "$@"; do scripts+=("$top/tests/shell/${n%.sh}.sh"); done
else
	scripts=("$top"/tests/shell/*.sh)
fi

failed=0
for t in "${scripts[@]}"; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	one ref "$t"
	one ours "$t"
	if cmp -s "$run/out/$name.ref" "$run/out/$name.ours"; then
		echo "ok $name"
	else
		echo "FAIL $name (expected: bash --posix; got: ours)"
		diff -u "$run/out/$name.ref" "$run/out/$name.ours" | tail -n +3 | head -n 40
		echo "---- our stderr ($run/out/$name.ours.err):"
		head -n 10 "$run/out/$name.ours.err"
		failed=$((failed + 1))
	fi
done
[ "$failed" = 0 ] || {
	echo "$failed shell test(s) failed"
	exit 1
}
