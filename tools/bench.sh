#!/bin/bash
# Run `make bench`: boot our system and the Debian cloud kernel in QEMU with
# identical options, each running its build of bench/, and report both in
# one table (tools/bench-report.sh). Never fails on a figure: it exits
# non-zero only if a system could not be booted at all or printed nothing.
#
# usage: tools/bench.sh BUILD [ACCEL=tcg|kvm] [SMP=N] [MEM=SIZE]
#   needs BUILD/kernel/kernel.elf, BUILD/bench/exo/bench,
#   BUILD/bench/linux/vmlinuz and BUILD/bench/initrd.gz (bench/bench.mk)
# Leaves in BUILD/bench/: exo.log, linux.log (serial consoles), run.info,
# results.csv, results.md, ratios.png, times.png.
set -u
cd "$(dirname "$0")/.." || exit 1
B=$1
shift
accel=tcg smp=2 mem=512M
for a in "$@"; do
	case $a in
	ACCEL=*) accel=${a#*=} ;;
	SMP=*) smp=${a#*=} ;;
	MEM=*) mem=${a#*=} ;;
	*) echo "bench.sh: unknown option $a" >&2; exit 2 ;;
	esac
done
D=$B/bench
EXO_TIMEOUT=${EXO_TIMEOUT:-240}
LINUX_TIMEOUT=${LINUX_TIMEOUT:-420}

# One disk image for both: 256 MiB raw, ext2 (Linux mounts it; our kernel
# has no disk driver yet but gets the same device). Each boot gets a fresh copy.
rm -f "$D/disk.img" "$D/disk-exo.img" "$D/disk-linux.img"
truncate -s 256M "$D/disk.img"
mke2fs -q -t ext2 -F -L bench "$D/disk.img" || exit 1
cp --sparse=always "$D/disk.img" "$D/disk-exo.img"
cp --sparse=always "$D/disk.img" "$D/disk-linux.img"
rm -f "$D/disk.img"

# Our ISO: the benchmark program three times: the measuring env, its peer
# for the two-environment benchmarks (PCT, context switch), and a spinning
# env that holds the last CPU so that those two share CPU 0 (bench/ipc.c).
tools/mkiso.sh "$D/exo.iso" "$B/kernel/kernel.elf" "test" \
	"$B/bench/exo/bench=bench" "$B/bench/exo/bench=bench-peer peer" \
	"$B/bench/exo/bench=bench-hog hog" || exit 1

# Identical for both systems: machine, accelerator, CPU model, memory,
# CPU count, disk, console.
# shellcheck disable=SC2054 # commas inside QEMU option values
common=(-machine pc -accel "$accel" -cpu max -smp "$smp" -m "$mem"
	-display none -no-reboot -monitor none -serial stdio
	-device isa-debug-exit,iobase=0xf4,iosize=4
	-device virtio-blk-pci,drive=benchdisk)
ours=(-cdrom "$D/exo.iso" -boot d -drive "file=$D/disk-exo.img,format=raw,if=none,id=benchdisk")
linux=(-kernel "$D/linux/vmlinuz" -initrd "$D/initrd.gz" -append "console=ttyS0 quiet"
	-drive "file=$D/disk-linux.img,format=raw,if=none,id=benchdisk")

# boot NAME TIMEOUT ARGS...: run QEMU, serial to NAME.log; sets rc, secs.
# A watchdog ends a run that has printed nothing for IDLE seconds, that
# printed BENCH-END but did not leave within 30 s, or (ours) whose
# benchmark environment died: the kernel then idles, its peer still waiting.
IDLE=${BENCH_IDLE:-120}
boot() {
	local name=$1 t=$2
	shift 2
	local log="$D/$name.log" t0 pid size=-1 quiet=0 ended=0
	t0=$(date +%s.%N)
	: >"$log"
	timeout -k 5 "$t" qemu-system-x86_64 "${common[@]}" "$@" </dev/null \
		>"$log" 2>"$D/$name.qemu.err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		local now
		now=$(stat -c %s "$log")
		if [ "$now" != "$size" ]; then
			size=$now quiet=0
		else
			quiet=$((quiet + 1))
		fi
		grep -q BENCH-END "$log" && ended=$((ended + 1))
		if [ $quiet -ge "$IDLE" ] || [ $ended -ge 30 ]; then
			echo "bench: $name: no progress for ${quiet}s; stopping QEMU" >&2
			kill "$pid" 2>/dev/null
		elif grep -a -q -E '\(bench\)( killed|: unhandled)' "$log"; then
			echo "bench: $name: the benchmark environment died; stopping QEMU" >&2
			kill "$pid" 2>/dev/null
		fi
	done
	wait "$pid"
	rc=$?
	secs=$(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: booting ours (timeout ${EXO_TIMEOUT}s) ..."
boot exo "$EXO_TIMEOUT" "${ours[@]}"
exo_rc=$rc exo_secs=$secs
echo "bench: ours done in ${exo_secs}s (QEMU status $exo_rc)"
rm -f "$D/linux.log" "$D/linux.notrun"
if [ -e "$D/linux/vmlinuz" ] && [ -s "$D/initrd.gz" ]; then
	echo "bench: booting Linux $(cat "$D/linux/version" 2>/dev/null) (timeout ${LINUX_TIMEOUT}s) ..."
	boot linux "$LINUX_TIMEOUT" "${linux[@]}"
	linux_rc=$rc linux_secs=$secs
	echo "bench: Linux done in ${linux_secs}s (QEMU status $linux_rc)"
else
	echo "the Debian cloud kernel or the initramfs could not be built (apt-get download failed?)" \
		>"$D/linux.notrun"
	echo "bench: Linux not run: $(cat "$D/linux.notrun")" >&2
	linux_rc=- linux_secs=-
fi

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "host load average before the runs: $load (other work on the host shows up as spread)"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1)"
	echo "qemu options (both): ${common[*]} -drive file=DISK,format=raw,if=none,id=benchdisk"
	echo "ours: -cdrom exo.iso -boot d (GRUB, kernel.elf, modules bench, bench-peer, bench-hog); ${exo_secs}s wall, status $exo_rc"
	echo "linux: -kernel vmlinuz -initrd initrd.gz -append 'console=ttyS0 quiet' ($(cat "$D/linux/version" 2>/dev/null)); ${linux_secs}s wall, status $linux_rc"
} >"$D/run.info"

rm -f "$D/disk-exo.img" "$D/disk-linux.img"

fail=0
for s in exo linux; do
	[ -f "$D/$s.log" ] || continue
	if ! grep -q '^BENCH' "$D/$s.log"; then
		echo "bench: $s printed no BENCH lines; last lines of $D/$s.log:" >&2
		tr -d '\r' <"$D/$s.log" | tail -n 20 >&2
		fail=1
	elif ! tr -d '\r' <"$D/$s.log" | grep -q '^BENCH-END'; then
		echo "bench: $s stopped before BENCH-END (status $([ $s = exo ] && echo $exo_rc || echo $linux_rc)); last lines:" >&2
		tr -d '\r' <"$D/$s.log" | tail -n 8 >&2
	fi
done
tools/bench-report.sh "$D" || fail=1
exit $fail
