#!/bin/bash
# Run `make bench`: boot our system and the Debian cloud kernel in QEMU with
# identical options, each running its build of bench/, and report both in
# one table (tools/bench-report.sh). Never fails on a figure: it exits
# non-zero only if a system could not be booted at all or printed nothing.
#
# Ours boots three times: stand-alone (the benchmark program as a boot
# module: the kernel-level and raw-disk rows), stand-alone again with only
# the Linux guest's family (bench/vmlinux.c, its 16 MB of guest images as
# data modules) and UNIX (unixd with an ext2 root holding /bin/bench and
# /bin/ls, the program as init: processes, files, pipes, ls, boot to
# init). Each row comes from one of them (bench/bench.h, BENCH_FAMILY,
# only=). Linux boots once, and the Linux guest of the vm_guest rows once
# more, directly ("linux-guest" below).
#
# usage: tools/bench.sh BUILD [ACCEL=tcg|kvm] [SMP=N] [MEM=SIZE]
#   needs BUILD/kernel/kernel.elf, BUILD/bench/exo/bench, BUILD/bench/guest.elf,
#   BUILD/unix/unixd, BUILD/apps/ls, BUILD/bench/linux/vmlinuz and BUILD/bench/initrd.gz
#   (bench/bench.mk), and BUILD/guests/linux/{vmlinuz,initrd.img} for the
#   vm_linux rows (make linux-guest; without them those rows say so)
# Leaves in BUILD/bench/: exo.log, exo-vm.log, exo-unix.log, linux.log,
# linux-guest.log (serial consoles), run.info, results.csv, results.md,
# ratios.png, times.png.
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
UNIX_TIMEOUT=${UNIX_TIMEOUT:-420}
LINUX_TIMEOUT=${LINUX_TIMEOUT:-420}

# Two disks for both systems, attached identically (docs/performance.md,
# "The disks"); each boot gets fresh copies of both.
#  1. raw (virtio serial benchraw, the first virtio disk: the one our kernel
#     uses): RAW_MIB MiB with an exodisk ownership region (docs/disk.md). The
#     benchmark's disk owner (key file disk.key: the 32 bytes bench/disk.c
#     holds) has RANGE_MIB * 2 MiB of random data placed in one run of data
#     blocks: the first half is the raw-disk rows' read range (rd=), the
#     second their write range (wr=). Both systems get the same rd= and wr=
#     (in 4 KiB blocks); Linux reads and writes only those byte ranges of
#     the device, never the region.
#  2. fs (serial benchfs): 256 MiB ext2 for Linux's file-system rows
#     (mounted at /mnt; ours does not touch it).
# Our UNIX boot gets, in the raw disk's place, an exodisk image of the same
# size with the UNIX root file system (ROOT_MIB MiB of ext2, tools/mkroot.sh:
# /bin/bench, /bin/ls) placed for unixd's key (unix.key), and its own copy of
# the fs disk: its file-system rows work in /tmp of that root.
RAW_MIB=160 RANGE_MIB=64 ROOT_MIB=128
exodisk=$B/tools/exodisk
[ -x "$exodisk" ] || make --no-print-directory -s "$exodisk" || exit 1
rm -f "$D"/raw*.img "$D"/fs*.img "$D/disk.img" "$D/disk-exo.img" "$D/disk-linux.img" "$D/root.img"
printf '%s' 'exo make bench disk owner key 01' >"$D/disk.key"
head -c $((RANGE_MIB * 2))M /dev/urandom >"$D/raw.data"
if ! "$exodisk" format "$D/raw.img" $RAW_MIB >"$D/raw.log" ||
	! "$exodisk" place "$D/raw.img" "$D/raw.data" "$D/disk.key" bench >>"$D/raw.log"; then
	cat "$D/raw.log" >&2
	exit 1
fi
rm -f "$D/raw.data"
# "...: placed raw.data for owner slot 1 (bench): first block F, N blocks"
first=$(sed -n 's/.*placed .*: first block \([0-9]*\), [0-9]* blocks$/\1/p' "$D/raw.log")
[ -n "$first" ] || { echo "bench: cannot read the placed extent:" >&2; cat "$D/raw.log" >&2; exit 1; }
half=$((RANGE_MIB * 256))
rd="$first+$half" wr="$((first + half))+$half"
truncate -s 256M "$D/fs.img"
mke2fs -q -t ext2 -F -L bench "$D/fs.img" || exit 1
for s in exo linux; do
	cp --sparse=always "$D/raw.img" "$D/raw-$s.img"
done
for s in exo exo-unix linux; do
	cp --sparse=always "$D/fs.img" "$D/fs-$s.img"
done
rm -f "$D/raw.img" "$D/fs.img"

# The UNIX boot's disk: the root file system placed for unixd's key. If it
# cannot be made, that boot is not run and its rows say why.
rm -f "$D/exo-unix.notrun"
[ -s "$D/unix.key" ] || "$exodisk" newkey "$D/unix.key" >/dev/null
if ! tools/mkroot.sh "$D/root.stage" "$D/root.img" $ROOT_MIB "" \
	"$B/bench/exo/bench $B/apps/ls" "" >"$D/root.log" 2>&1 ||
	! "$exodisk" format "$D/raw-exo-unix.img" $RAW_MIB >>"$D/root.log" ||
	! "$exodisk" place "$D/raw-exo-unix.img" "$D/root.img" "$D/unix.key" unix >>"$D/root.log"; then
	cat "$D/root.log" >&2
	echo "the UNIX root file system could not be made ($D/root.log)" >"$D/exo-unix.notrun"
fi
rm -rf "$D/root.img" "$D/root.stage"

# Our ISO: the benchmark program three times: the measuring env, its peer
# for the two-environment benchmarks (PCT, context switch), and a spinning
# env that holds the last CPU so that those two share CPU 0 (bench/ipc.c);
# and the bench guest as a data module, which the measuring env runs under
# the VMM library OS (bench/vmguest.c).
tools/mkiso.sh "$D/exo.iso" "$B/kernel/kernel.elf" "test" \
	"$B/bench/exo/bench=bench rd=$rd wr=$wr" "$B/bench/exo/bench=bench-peer peer" \
	"$B/bench/exo/bench=bench-hog hog" "$B/bench/guest.elf=data:/bench/guest.elf" || exit 1
# The Linux guest's boot (bench/vmlinux.c) runs in a third boot, stand-alone
# like the first with only that family: the program and, as data modules,
# the Linux guest (the Debian kernel Linux's side boots, with
# tools/linux-guest-initrd.sh's initramfs: make linux-guest; make bench's
# copy of it, guest-initrd.gz, also holds /bench for the in-guest rows).
# In the first ISO its 16 MB would be read by GRUB and owned by the
# program before main(), and so enter boot_to_main and mem_after_boot.
rm -f "$D/exo-vm.notrun" "$D/exo-vm.log"
lg=$B/guests/linux
lgi=$D/guest-initrd.gz
[ -s "$lgi" ] || lgi=$lg/initrd.img # no /bench: the in-guest rows say so
if [ -s "$lg/vmlinuz" ] && [ -s "$lgi" ]; then
	tools/mkiso.sh "$D/exo-vm.iso" "$B/kernel/kernel.elf" "test" \
		"$B/bench/exo/bench=bench only=vmlinux" \
		"$lg/vmlinuz=data:/bench/linux.bzImage" "$lgi=data:/bench/linux.initrd" ||
		exit 1
else
	echo "no Linux guest ($lg/vmlinuz and initrd.img: make linux-guest failed?)" >"$D/exo-vm.notrun"
fi
# The UNIX boot: unixd with the disk key as a data module; its command line
# names init: /bin/bench, whose fs rows work in /tmp.
tools/mkiso.sh "$D/exo-unix.iso" "$B/kernel/kernel.elf" "test" \
	"$B/unix/unixd=unixd /bin/bench dir=/tmp" "$D/unix.key=data:/disk.key" || exit 1

# Identical for both systems: machine, accelerator, CPU model, memory,
# CPU count, disks, console. The raw disk comes first, so it has the lower
# PCI slot: our kernel drives the first virtio disk it finds.
# shellcheck disable=SC2054 # commas inside QEMU option values
common=(-machine pc -accel "$accel" -cpu max -smp "$smp" -m "$mem"
	-display none -no-reboot -monitor none -serial stdio
	-device isa-debug-exit,iobase=0xf4,iosize=4
	-device virtio-blk-pci,drive=benchraw,serial=benchraw
	-device virtio-blk-pci,drive=benchfs,serial=benchfs)
machine=("${common[@]}") # boot() starts QEMU with these, then its arguments
disks() { # SIDE: the -drive options, each system its own copies
	drives=(-drive "file=$D/raw-$1.img,format=raw,if=none,id=benchraw"
		-drive "file=$D/fs-$1.img,format=raw,if=none,id=benchfs")
}
disks exo
ours=(-cdrom "$D/exo.iso" -boot d "${drives[@]}")
ours_vm=(-cdrom "$D/exo-vm.iso" -boot d "${drives[@]}") # after ours, on its disks
disks exo-unix
ours_unix=(-cdrom "$D/exo-unix.iso" -boot d "${drives[@]}")
disks linux
# Linux passes unknown name=value parameters to /init as environment
# variables: bench_rd and bench_wr (bench/linux-init.sh).
linux=(-kernel "$D/linux/vmlinuz" -initrd "$D/initrd.gz"
	-append "console=ttyS0 quiet bench_rd=$rd bench_wr=$wr" "${drives[@]}")

# exo_death LOG: the pattern of the kernel's message that the measuring
# environment died. Its forks (bench/slice.c, the COW fork benchmark) have
# its name too, so the id it prints (BENCH-INFO env ID) tells them apart.
exo_death() {
	local id
	id=$(tr -d '\r' <"$1" | sed -n 's/^BENCH-INFO env \([0-9]*\)$/\1/p' | head -n 1)
	echo "env ${id:-[0-9]+} \(bench\)( killed|: unhandled)"
}

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
	timeout -k 5 "$t" qemu-system-x86_64 "${machine[@]}" "$@" </dev/null \
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
		elif [ "$name" = exo ] && grep -a -q -E "$(exo_death "$log")" "$log"; then
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
if [ ! -e "$D/exo-vm.notrun" ]; then
	echo "bench: booting ours for the Linux guest (timeout ${EXO_TIMEOUT}s) ..."
	boot exo-vm "$EXO_TIMEOUT" "${ours_vm[@]}"
	vm_rc=$rc vm_secs=$secs
	echo "bench: ours (Linux guest) done in ${vm_secs}s (QEMU status $vm_rc)"
else
	vm_rc=- vm_secs=-
	echo "bench: ours (Linux guest) not run: $(cat "$D/exo-vm.notrun")" >&2
fi
rm -f "$D/exo-unix.log"
if [ ! -e "$D/exo-unix.notrun" ]; then
	echo "bench: booting ours with unixd (timeout ${UNIX_TIMEOUT}s) ..."
	boot exo-unix "$UNIX_TIMEOUT" "${ours_unix[@]}"
	unix_rc=$rc unix_secs=$secs
	echo "bench: ours (UNIX) done in ${unix_secs}s (QEMU status $unix_rc)"
else
	unix_rc=- unix_secs=-
	echo "bench: ours (UNIX) not run: $(cat "$D/exo-unix.notrun")" >&2
fi
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

# The Linux guest of the vm_guest rows booted directly by QEMU, for their
# Linux column: the kernel, initramfs (guest-initrd.gz) and command line of
# bench/vmlinux.c's exobench runs, on the machine tools/linux-guest-bare.sh
# boots (microvm with ACPI, whose DSDT lists the virtio-mmio disk as
# LNRO0005, as our VMM's does), 256 MiB and 1 CPU as there, with a 64 MiB
# disk of random bytes. Its /init runs `/bench in-guest` as under our VMM.
GUEST_CMDLINE="console=ttyS0 quiet exobench panic=-1"
rm -f "$D/linux-guest.log" "$D/linux-guest.notrun"
if [ -s "$lg/vmlinuz" ] && [ -s "$D/guest-initrd.gz" ]; then
	head -c 64M /dev/urandom >"$D/guest-disk.img"
	machine=(-machine microvm,acpi=on -accel "$accel" -cpu max -smp 1 -m 256M
		-display none -no-reboot -monitor none -serial stdio
		-global virtio-mmio.force-legacy=false)
	echo "bench: booting the Linux guest directly (timeout ${LINUX_TIMEOUT}s) ..."
	boot linux-guest "$LINUX_TIMEOUT" -kernel "$lg/vmlinuz" -initrd "$D/guest-initrd.gz" \
		-append "$GUEST_CMDLINE" -drive "file=$D/guest-disk.img,format=raw,if=none,id=d0" \
		-device virtio-blk-device,drive=d0
	lguest_rc=$rc lguest_secs=$secs
	echo "bench: the Linux guest, direct, done in ${lguest_secs}s (QEMU status $lguest_rc)"
	rm -f "$D/guest-disk.img"
else
	echo "no Linux guest with /bench ($D/guest-initrd.gz: make bench-guest-linux failed?)" \
		>"$D/linux-guest.notrun"
	echo "bench: the Linux guest, direct, not run: $(cat "$D/linux-guest.notrun")" >&2
	lguest_rc=- lguest_secs=-
fi

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "host load average before the runs: $load (other work on the host shows up as spread)"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1)"
	echo "qemu options (both): ${common[*]} -drive file=RAW,format=raw,if=none,id=benchraw -drive file=FS,format=raw,if=none,id=benchfs"
	echo "disks: RAW ${RAW_MIB} MiB exodisk image, read range rd=$rd and write range wr=$wr (4 KiB blocks, random data); FS 256 MiB ext2"
	echo "ours: -cdrom exo.iso -boot d (GRUB, kernel.elf, modules bench, bench-peer, bench-hog, data:/bench/guest.elf); ${exo_secs}s wall, status $exo_rc"
	echo "ours, Linux guest: -cdrom exo-vm.iso -boot d (GRUB, kernel.elf, modules 'bench only=vmlinux', data:/bench/linux.bzImage, data:/bench/linux.initrd = ${lgi#"$B"/}); ${vm_secs}s wall, status $vm_rc"
	echo "ours, UNIX: -cdrom exo-unix.iso -boot d (GRUB, kernel.elf, modules 'unixd /bin/bench dir=/tmp' and the disk key); RAW replaced by a ${RAW_MIB} MiB exodisk image with a ${ROOT_MIB} MiB ext2 root placed for unixd; ${unix_secs}s wall, status $unix_rc"
	echo "linux: -kernel vmlinuz -initrd initrd.gz -append 'console=ttyS0 quiet bench_rd=$rd bench_wr=$wr' ($(cat "$D/linux/version" 2>/dev/null)); ${linux_secs}s wall, status $linux_rc"
	echo "linux guest, direct (the vm_guest rows' Linux column): -machine microvm,acpi=on -accel $accel -cpu max -smp 1 -m 256M -kernel vmlinuz -initrd guest-initrd.gz -append '$GUEST_CMDLINE', a 64 MiB virtio-blk-device (virtio-mmio); ${lguest_secs}s wall, status $lguest_rc"
} >"$D/run.info"

rm -f "$D"/raw-*.img "$D"/fs-*.img

fail=0
for s in exo exo-vm exo-unix linux linux-guest; do
	[ -f "$D/$s.log" ] || continue
	if ! grep -q '^BENCH' "$D/$s.log"; then
		echo "bench: $s printed no BENCH lines; last lines of $D/$s.log:" >&2
		tr -d '\r' <"$D/$s.log" | tail -n 20 >&2
		fail=1
	elif ! tr -d '\r' <"$D/$s.log" | grep -q '^BENCH-END'; then
		case $s in
		exo) st=$exo_rc ;; exo-vm) st=$vm_rc ;; exo-unix) st=$unix_rc ;;
		linux-guest) st=$lguest_rc ;; *) st=$linux_rc ;;
		esac
		echo "bench: $s stopped before BENCH-END (status $st); last lines:" >&2
		tr -d '\r' <"$D/$s.log" | tail -n 8 >&2
	fi
done
tools/bench-report.sh "$D" || fail=1
exit $fail
