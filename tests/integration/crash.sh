#!/bin/bash
# crash.sh - crash test of the disk ownership region with the write-log
# replay harness (docs/crash.md, "The ownership-region crash test").
#
# Records tests/integration/crash.c's "crashload" workload once through
# QEMU's blklogwrites, then, for CRASH_POINTS crash points, rebuilds the
# disk as a power cut at that point would leave it (build/tools/logreplay,
# with seeded loss and tearing of unflushed writes), boots "crashcheck" on
# it, and requires: QEMU exit status 1 and "crashcheck: ok" (the program
# checked every block, the counts and the kernel's invariants), no kernel
# line saying "refused", "panic", "corrected" or "invariant", and
# `exodisk check` passing on the image afterwards.
#
# Run by tools/run-tests.sh as the integration test "crash" (RUN_DIR and
# TEST_TIMEOUT set), by `make crash-test` with CRASH_POINTS=200, or by hand
# from the top of the tree after `make all`. Environment:
#   CRASH_POINTS=N    points to test (default 24)
#   CRASH_SEED=S      varies the seeds and the random points (default 1)
#   CRASH_LOG=F CRASH_BASE=F   reuse a kept recording instead of recording
#   CRASH_ONLY="N:S:torn N:S N ..."   test only these points (S: a seed)
#   CRASH_JOBS=J      boots in parallel (default 1)
# A failing point is printed with its seed and the command lines that
# rebuild and recheck it; its image and serial log stay in RUN_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=build
RUN_DIR=${RUN_DIR:-$B/tests/crash.run}
TEST_TIMEOUT=${TEST_TIMEOUT:-90}
POINTS=${CRASH_POINTS:-24}
SEED=${CRASH_SEED:-1}
JOBS=${CRASH_JOBS:-1}
ONLY=${CRASH_ONLY:-}
STEPS=12 # crash.c's STEPS
LR=$B/tools/logreplay
XD=$B/tools/exodisk
mkdir -p "$RUN_DIR"
R=$(cd "$RUN_DIR" && pwd)
rm -f "$R"/p-*
start=$SECONDS

# qemu ARGS...: boot with the test machine of tools/run-tests.sh; prints
# the serial console; returns QEMU's exit status.
qemu() {
	timeout -k 5 "$TEST_TIMEOUT" qemu-system-x86_64 \
		-machine pc -accel "${ACCEL:-tcg}" -cpu max -smp "${SMP:-2}" -m "${MEM:-512M}" \
		-display none -no-reboot -monitor none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "$@" -boot d </dev/null
}

for f in $B/kernel/kernel.elf $B/tests/crash $LR $XD; do
	[ -e "$f" ] || { echo "crash: $f is missing: run make all first"; exit 1; }
done
tools/mkiso.sh "$R/load.iso" $B/kernel/kernel.elf test "$B/tests/crash=crashload"
tools/mkiso.sh "$R/check.iso" $B/kernel/kernel.elf test "$B/tests/crash=crashcheck"

# --------------------------------------------------------------- record
if [ -n "${CRASH_LOG:-}" ]; then
	LOG=$CRASH_LOG BASE=${CRASH_BASE:?CRASH_LOG needs CRASH_BASE}
	echo "crash: reusing the recording $LOG on $BASE"
else
	LOG=$R/log.bin BASE=$R/base.img
	$XD format "$BASE" 32
	cp --sparse=always "$BASE" "$R/record.img"
	: >"$LOG" # QEMU does not truncate the log
	rc=0
	qemu -blockdev "driver=file,node-name=f0,filename=$R/record.img" \
		-blockdev "driver=file,node-name=l0,filename=$LOG" \
		-blockdev driver=blklogwrites,node-name=d0,file=f0,log=l0,log-sector-size=4096 \
		-device virtio-blk-pci,drive=d0 -cdrom "$R/load.iso" >"$R/record.log" 2>&1 || rc=$?
	tr -d '\r' <"$R/record.log" >"$R/record.txt"
	if [ $rc != 1 ] || ! grep -q "crashload: step $STEPS durable" "$R/record.txt" ||
		! grep -q "TEST-END pass" "$R/record.txt"; then
		echo "crash: the recording run failed (QEMU exit status $rc):"
		tail -n 30 "$R/record.txt"
		exit 1
	fi
	echo "crash: recorded $(grep -c 'crashload: step' "$R/record.txt") steps in $((SECONDS - start))s"
fi
$LR check "$LOG"
$LR list "$LOG" >"$R/list.txt"
mapfile -t flushes < <(awk '$1 ~ /^[0-9]+$/ && $2 == "flush" { print $1 }' "$R/list.txt")
mapfile -t after < <($LR points "$LOG")
nent=$(awk '/^ *[0-9]+ / { n = $1 + 1 } END { print n + 0 }' "$R/list.txt")
# The log header's block: crashload's every FLUSH is one log transaction,
# so the header writes number the commits (crash.c's states: C_g.h is
# commit 2(g-1)+h).
lstart=$($XD show "$BASE" | awk '$1 == "log" && $2 ~ /[.][.]/ { sub(/[.][.].*/, "", $2); print $2 }')
mapfile -t headers < <(awk -v ls="$lstart" '$1 ~ /^[0-9]+$/ && $2 == "write" && $3 == ls && $4 == 1 { print $1 }' "$R/list.txt")
# Flushes with writes in flight before them (worth a seeded point at them),
# and the first entry of their epoch.
busy=() epoch=()
prev=-1
for f in "${flushes[@]}"; do
	if ((f > prev + 1)); then
		busy+=("$f") epoch+=("$((prev + 1))")
	fi
	prev=$f
done
# The flush that makes each commit's log durable: the first after its header.
cflush=()
for h in "${headers[@]}"; do
	for f in "${flushes[@]}"; do
		if ((f > h)); then
			cflush+=("$f")
			break
		fi
	done
done
echo "crash: log of $nent entries, ${#flushes[@]} flushes (${#busy[@]} with writes in flight), ${#after[@]} flush points, ${#headers[@]} commits"
if [ ${#headers[@]} != $((2 * STEPS)) ]; then
	echo "crash: expected $((2 * STEPS)) log transactions (header writes to block $lstart), found ${#headers[@]}"
	exit 1
fi

# --------------------------------------------------------------- points
# Deterministic: a third after-flush points (plain images, spread over the
# whole run, the end of the log included); a third at the flush that makes
# a commit's log durable, with everything since the previous flush in
# flight - the log's header and images, and the step's data writes unless
# the kernel flushed them first - the moment that decides what a crash
# keeps (seeded, every other one torn), spread over the commits; a third
# at random entries between two flushes
# (seeded, a random half torn). Seeds are CRASH_SEED * 100000 + the
# point's index.
rng=$((SEED * 2654435761 % 4294967296 + 1))
rand() { # rand N: a number in 0..N-1 in $r
	rng=$(((rng * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff))
	r=$(((rng >> 17) % $1))
}
spread() { # spread K COUNT LEN: the K-th of COUNT picks spread over 0..LEN-1, in $r
	if (($2 <= 1)); then r=$(($3 - 1)); else r=$(($1 * ($3 - 1) / ($2 - 1))); fi
}
specs=()
if [ -n "$ONLY" ]; then
	read -r -a specs <<<"$ONLY"
else
	n0=$(((POINTS + 2) / 3)) n1=$(((POINTS + 1) / 3))
	for ((i = 0; i < POINTS; i++)); do
		s=$((SEED * 100000 + i))
		k=$((i / 3))
		case $((i % 3)) in
		0)
			spread $((n0 - 1 - k)) "$n0" ${#after[@]}
			specs+=("${after[r]}")
			;;
		1)
			spread "$k" "$n1" ${#cflush[@]}
			t=""
			((k % 2)) && t=":torn"
			specs+=("${cflush[r]}:$s$t")
			;;
		2)
			rand ${#busy[@]}
			j=$r
			lo=$((epoch[j] + 1)) hi=${busy[j]} # at least one write in flight
			rand $((hi - lo + 1))
			n=$((lo + r))
			rand 2
			t=""
			((r)) && t=":torn"
			specs+=("$n:$s$t")
			;;
		esac
	done
fi

# ---------------------------------------------------------------- check
# check_point INDEX SPEC: rebuild, boot crashcheck, judge. Writes one
# result line to $R/p-INDEX.res; keeps the files of a failure.
check_point() {
	local i=$1 spec=$2 n s t args=() line rc why="" d=$R/p-$1
	IFS=: read -r n s t <<<"$spec"
	[ -n "$s" ] && args+=(--seed "$s")
	[ "$t" = torn ] && args+=(--torn)
	local desc="point $n${s:+ seed $s}${t:+ torn}"
	if ! line=$($LR build "$LOG" "$BASE" "$d.img" "$n" "${args[@]}" 2>&1); then
		printf '%s: FAIL logreplay: %s\n' "$desc" "$line" >"$d.res"
		return
	fi
	line=${line#*: }
	# Commits the disk may hold at this point: every commit whose log was
	# flushed before N (a boot replays it), at most every commit whose
	# log header was written before N.
	local kmin=0 kmax=0 lastf=-1 x k=-1
	for x in "${flushes[@]}"; do ((x < n)) && lastf=$x; done
	for x in "${headers[@]}"; do
		((x < n)) && kmax=$((kmax + 1))
		((x < lastf)) && kmin=$((kmin + 1))
	done
	rc=0
	qemu -drive "file=$d.img,if=virtio,format=raw" -cdrom "$R/check.iso" >"$d.serial" 2>&1 || rc=$?
	tr -d '\r' <"$d.serial" >"$d.txt"
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		why="timed out after ${TEST_TIMEOUT}s"
	elif [ $rc != 1 ]; then
		why="QEMU exit status $rc, expected 1"
	elif ! grep -q "crashcheck: ok" "$d.txt"; then
		why="no 'crashcheck: ok' line"
	elif grep -E -q 'refused|panic|corrected|invariant' "$d.txt"; then
		why="kernel said: $(grep -E -m 1 'refused|panic|corrected|invariant' "$d.txt")"
	else
		local st
		st=$(sed -n 's/^crashcheck: ok.*(state \([^:]*\):.*/\1/p' "$d.txt" | head -n 1)
		case $st in
		EMPTY) k=0 ;;
		C_*) k=${st#C_} k=$((2 * (${k%.*} - 1) + ${k#*.})) ;;
		esac
		if ((k < kmin || k > kmax)); then
			why="crashcheck found state $st (commit $k), but at this point the disk must hold commit $kmin..$kmax"
		fi
	fi
	if [ -z "$why" ] && ! $XD check "$d.img" >"$d.check" 2>&1; then
		why="exodisk check failed: $(grep -v '^ *$' "$d.check" | tail -n 3 | tr '\n' ' ')"
	fi
	if [ -z "$why" ]; then
		local ok
		ok=$(grep -m 1 "crashcheck: ok" "$d.txt")
		printf '%s: %s -> %s; commits %s..%s possible\n' "$desc" "$line" "${ok#crashcheck: }" "$kmin" "$kmax" >"$d.res"
		rm -f "$d.img" "$d.serial" "$d.txt" "$d.check"
		return
	fi
	{
		printf '%s: %s -> FAIL: %s\n' "$desc" "$line" "$why"
		echo "  ---- last serial lines ($d.txt):"
		grep -v '^$' "$d.txt" | tail -n 30 | sed 's/^/  | /'
		echo "  ---- reproduce (image kept as $d.img):"
		echo "  $LR build $LOG $BASE out.img $n ${args[*]}"
		echo "  CRASH_LOG=$LOG CRASH_BASE=$BASE CRASH_ONLY=$spec tests/integration/crash.sh"
	} >"$d.res"
}

echo "crash: ${#specs[@]} points, $JOBS at a time"
running=0
for i in "${!specs[@]}"; do
	check_point "$i" "${specs[i]}" &
	running=$((running + 1))
	if ((running >= JOBS)); then
		wait -n || true
		running=$((running - 1))
	fi
done
wait
pass=0 fail=0 failed=()
for i in "${!specs[@]}"; do
	cat "$R/p-$i.res"
	if grep -q -- '-> ok step' "$R/p-$i.res"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)) failed+=("${specs[i]}")
	fi
done
# States reached: how many points ended in each.
echo "crash: states reached: $(sed -n 's/.*(state \([^:]*\):.*/\1/p' "$R"/p-*.res | sort -V | uniq -c |
	awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
echo "crash: $pass passed, $fail failed, ${#specs[@]} points in $((SECONDS - start))s"
if ((fail)); then
	echo "crash: failing points: ${failed[*]} (log $LOG, base $BASE; files kept in $R)"
	exit 1
fi
