#!/bin/bash
# unix_crash.sh - crash consistency of the UNIX libOS's file system through
# its real system calls (docs/crash.md, "The file-system crash test").
#
# Records unix_crashload.c (run as init under unixd) through QEMU's
# blklogwrites write log, noting for every "fsynced" line the length of
# the log when the line reached us: the fsync's flush lies before that
# point. Then, for CRASH_POINTS points, rebuilds the disk as a power cut
# there would leave it (build/tools/logreplay: at flush points, and at
# seeded points between flushes with the unflushed writes dropped or
# torn) and requires:
#   - `exodisk check` passes (block ownership consistent);
#   - `e2fsck -p` repairs the ext2 image without questions (exit 0 or 1),
#     and `e2fsck -fn` then finds it clean;
#   - every file reported fsync'd before the point has its full contents,
#     and the appended log at least its last fsync'd length.
# No QEMU boot per point: the checks are the host's e2fsprogs.
#
# Run by tools/run-tests.sh (RUN_DIR, TEST_TIMEOUT set) as "unix_crash",
# by `make crash-test` with CRASH_POINTS=200. Environment: CRASH_POINTS
# (default 24), CRASH_SEED (default 1; the workload's seed too).
set -uo pipefail
cd "$(dirname "$0")/../.."
B=build
RUN_DIR=${RUN_DIR:-$B/tests/unix_crash.run}
TEST_TIMEOUT=${TEST_TIMEOUT:-90}
POINTS=${CRASH_POINTS:-24}
SEED=${CRASH_SEED:-1}
LR=$B/tools/logreplay XD=$B/tools/exodisk
mkdir -p "$RUN_DIR"
R=$(cd "$RUN_DIR" && pwd)
rm -rf "$R"/p-* "$R/stage" "$R/qemu.rc"
export PATH=$PATH:/sbin:/usr/sbin

# ---------------------------------------------------------------- record
tools/mkroot.sh "$R/stage" "$R/root.img" 32 "" "$B/tests/unix_crashload" "" >"$R/prepare.log" 2>&1 &&
	$XD format "$R/base.img" 64 >>"$R/prepare.log" 2>&1 &&
	$XD place "$R/base.img" "$R/root.img" $B/disk.key unix >>"$R/prepare.log" 2>&1 &&
	tools/mkiso.sh "$R/load.iso" $B/kernel/kernel.elf "" \
		"$B/unix/unixd=unixd /bin/unix_crashload $SEED" $B/disk.key=data:/disk.key \
		>>"$R/prepare.log" 2>&1 || { cat "$R/prepare.log"; echo "FAIL: cannot prepare"; exit 1; }
cp --sparse=always "$R/base.img" "$R/record.img"
LOG=$R/log.bin
: >"$LOG"
: >"$R/fsynced.txt"
: >"$R/record.txt"
coproc QEMU { timeout -k 5 "$TEST_TIMEOUT" qemu-system-x86_64 -machine pc -accel "${ACCEL:-tcg}" \
	-cpu max -smp 2 -m "${MEM:-512M}" -display none -no-reboot -monitor none -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=4 \
	-blockdev "driver=file,node-name=f0,filename=$R/record.img" \
	-blockdev "driver=file,node-name=l0,filename=$LOG" \
	-blockdev driver=blklogwrites,node-name=d0,file=f0,log=l0,log-sector-size=4096 \
	-device virtio-blk-pci,drive=d0 -cdrom "$R/load.iso" -boot d </dev/null 2>"$R/qemu.err"
	echo $? >"$R/qemu.rc"; }
# Our own copies of the coprocess's pid and pipes: bash drops QEMU_PID and
# QEMU[] as soon as the coprocess ends, which can be before we read it all.
qpid=$QEMU_PID
exec {qout}<&"${QEMU[0]}" {qin}>&"${QEMU[1]}"
while IFS= read -r line <&"$qout"; do
	line=${line//$'\r'/}
	printf '%s\n' "$line" >>"$R/record.txt"
	case $line in
	fsynced*) echo "$(stat -c %s "$LOG") $line" >>"$R/fsynced.txt" ;;
	esac
done
wait "$qpid" 2>/dev/null
rc=$(cat "$R/qemu.rc" 2>/dev/null || echo none)
if [ $rc != 0 ] || ! grep -q "crashload: done" "$R/record.txt"; then
	echo "FAIL: the recording run failed (QEMU exit status $rc):"
	tail -n 20 "$R/record.txt"
	exit 1
fi
$LR check "$LOG" >/dev/null || { echo "FAIL: the write log is malformed"; exit 1; }
$LR list "$LOG" >"$R/list.txt"
# Entries complete at each log length: an entry is a header sector and its
# data sectors, after the log's super block.
awk '$1 ~ /^[0-9]+$/ { off += 1 + ($2 == "flush" ? 0 : $4); print $1 + 1, (off + 1) * 4096 }' \
	"$R/list.txt" >"$R/offsets.txt"
# fsynced.txt -> reports.txt: "ENTRIES PATH LEN [append]": required from
# point ENTRIES on.
awk 'NR == FNR { ends[NR] = $2; ent[NR] = $1; n = NR; next }
	{ e = 0; for (i = 1; i <= n; i++) if (ends[i] <= $1) e = ent[i];
	  print e, $3, $4, ($2 == "fsynced-append" ? "append" : "") }' \
	"$R/offsets.txt" "$R/fsynced.txt" >"$R/reports.txt"
mapfile -t flushpts < <($LR points "$LOG")
nent=$(tail -n 1 "$R/offsets.txt" | cut -d' ' -f1)
echo "unix_crash: $(wc -l <"$R/reports.txt") fsync reports, $nent log entries, ${#flushpts[@]} flush points"

# ---------------------------------------------------------------- points
rng=$((SEED * 2654435761 % 4294967296 + 1))
rand() { # rand N: 0..N-1 in $r
	rng=$(((rng * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff))
	r=$(((rng >> 17) % $1))
}
specs=()
for ((i = 0; i < POINTS; i++)); do
	if ((i % 2 == 0)); then # a flush point, spread over the run
		k=$((i / 2)) m=$(((POINTS + 1) / 2))
		specs+=("${flushpts[$((m > 1 ? k * (${#flushpts[@]} - 1) / (m - 1) : 0))]}")
	else # anywhere, unflushed writes dropped at random, every other one torn
		rand "$nent"
		t=""
		((i % 4 == 3)) && t=":torn"
		specs+=("$((r + 1)):$((SEED * 100000 + i))$t")
	fi
done

# check_point I SPEC: one result line in $R/p-I.res.
check_point() {
	local i=$1 spec=$2 n s t args=() d=$R/p-$1 why="" desc
	IFS=: read -r n s t <<<"$spec"
	[ -n "$s" ] && args+=(--seed "$s")
	[ "$t" = torn ] && args+=(--torn)
	desc="point $n${s:+ seed $s}${t:+ torn}"
	if ! $LR build "$LOG" "$R/base.img" "$d.img" "$n" "${args[@]}" >"$d.log" 2>&1; then
		why="logreplay: $(tail -n 1 "$d.log")"
	elif ! $XD check-replayed "$d.img" >>"$d.log" 2>&1; then
		why="exodisk check: $(tail -n 2 "$d.log" | tr '\n' ' ')"
	elif ! $XD extract "$d.img" $B/disk.key "$d.ext2" >>"$d.log" 2>&1; then
		why="cannot extract the file system"
	else
		e2fsck -p "$d.ext2" >"$d.fsck" 2>&1
		local prc=$?
		if [ $prc -gt 1 ]; then
			why="e2fsck -p exit $prc: $(tail -n 3 "$d.fsck" | tr '\n' ' ')"
		elif ! e2fsck -fn "$d.ext2" >>"$d.fsck" 2>&1; then
			why="e2fsck -fn after -p: $(grep -v '^Pass\|^e2fsck' "$d.fsck" | tail -n 3 | tr '\n' ' ')"
		else
			rm -rf "$d.dump" && mkdir -p "$d.dump"
			debugfs -R "rdump /w $d.dump" "$d.ext2" >/dev/null 2>&1
			local need path len kind got
			while read -r need path len kind; do
				((need <= n)) || continue
				got=$d.dump${path}
				if [ "$kind" = append ]; then
					[ -f "$got" ] && [ "$(stat -c %s "$got")" -ge "$len" ] &&
						cmp -s -n "$len" "$got" <(yes "$path" | head -c "$len") ||
						{ why="$path lost fsync'd bytes (needs $len)"; break; }
				else
					cmp -s "$got" <(yes "$path" | head -c "$len") ||
						{ why="$path (fsync'd, $len bytes) is missing or wrong"; break; }
				fi
			done <"$R/reports.txt"
		fi
	fi
	if [ -z "$why" ]; then
		echo "$desc: ok ($(grep -c . <(awk -v n="$n" '$1 <= n' "$R/reports.txt")) fsync'd files checked)" >"$d.res"
		rm -rf "$d.img" "$d.ext2" "$d.dump" "$d.log" "$d.fsck"
	else
		{
			echo "$desc: FAIL: $why"
			echo "  reproduce: $LR build $LOG $R/base.img out.img $n ${args[*]}"
		} >"$d.res"
	fi
}

for i in "${!specs[@]}"; do
	check_point "$i" "${specs[i]}"
done
cat "$R"/p-*.res | sort -t' ' -k2 -n
nfail=$(cat "$R"/p-*.res | grep -c ': FAIL')
echo "unix_crash: ${#specs[@]} points, $nfail failed"
[ "$nfail" = 0 ]
