#!/bin/bash
# tests/host/guests_bare.sh - the VMM's test guests (tests/guests/README.md)
# on bare QEMU, the reference the VMM must match.
#
# Run by tools/run-tests.sh from the top of the tree with RUN_DIR set to a
# scratch directory; exit 0 means pass. Builds nothing: `make` (all) has
# built build/guests/. Each guest is judged by QEMU's exit status
# (isa-debug-exit: 33 pass, 35 fail, 15 for exitcode's status=7) and by its
# serial output, kept in RUN_DIR/NAME.log.
set -u

G=$PWD/build/guests
: "${RUN_DIR:?RUN_DIR must name a scratch directory}"
T=${TEST_TIMEOUT:-60}
QEMU=(qemu-system-x86_64 -machine pc -accel tcg -cpu max -m 128 -smp 1 -display none
	-no-reboot -monitor none -serial stdio -device "isa-debug-exit,iobase=0xf4,iosize=4")
failed=0

bad() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# judge LABEL LOG RC WANT_RC TEXT...: RC must be WANT_RC and each TEXT a
# line fragment of LOG.
judge() {
	local label=$1 log=$2 rc=$3 want=$4 s
	shift 4
	if [ "$rc" != "$want" ]; then
		sed 's/^/   | /' "$log" | tail -n 20
		bad "$label: QEMU exit status $rc, expected $want"
		return
	fi
	for s in "$@"; do
		if ! grep -q -F -- "$s" "$log"; then
			sed 's/^/   | /' "$log" | tail -n 20
			bad "$label: expected in the serial output: $s"
			return
		fi
	done
	echo "ok   $label (status $rc): $(grep -E 'PASS|FAIL|exit status' "$log" | tail -n 1 | tr -d '\r')"
}

# boot LABEL LOG QEMU-ARGS...: run QEMU, stdin empty; sets rc.
boot() {
	local label=$1 log=$2
	shift 2
	rc=0
	timeout "$T" "${QEMU[@]}" "$@" </dev/null >"$log" 2>&1 || rc=$?
}

for f in paging perm ad tlb pic_pit uart exitcode svm_insns cpuid_msr mbinfo ptchaos apic ide \
	virtio_blk smp devfuzz; do
	[ -f "$G/$f.elf" ] || bad "$G/$f.elf not built (make guests)"
done
for f in bootsect.img mod1.txt mod2.bin; do
	[ -f "$G/$f" ] || bad "$G/$f not built (make guests)"
done
[ "$failed" = 0 ] || exit 1

for g in paging perm ad tlb pic_pit svm_insns cpuid_msr apic; do
	boot "$g" "$RUN_DIR/$g.log" -kernel "$G/$g.elf"
	judge "$g" "$RUN_DIR/$g.log" "$rc" 33 "guest $g: PASS ("
done

# smp: several CPUs; -smp 2 is the reference, -smp 4 starts three APs
# (a later -smp overrides the one in QEMU). With one CPU it must fail
# cleanly, not hang.
for n in 2 4; do
	boot smp "$RUN_DIR/smp-$n.log" -smp "$n" -kernel "$G/smp.elf" -append "cpus=$n"
	judge "smp -smp $n" "$RUN_DIR/smp-$n.log" "$rc" 33 "guest smp: $n CPUs running" \
		"guest smp: PASS ("
done
boot smp "$RUN_DIR/smp-1.log" -smp 1 -kernel "$G/smp.elf"
judge "smp -smp 1" "$RUN_DIR/smp-1.log" "$rc" 35 \
	"guest smp: FAIL: the MADT lists 1 enabled processor; smp needs 2"

# exitcode: the value from the command line is the exit status; without
# one the guest fails the usual way.
boot exitcode "$RUN_DIR/exitcode.log" -kernel "$G/exitcode.elf" -append "status=7"
judge "exitcode status=7" "$RUN_DIR/exitcode.log" "$rc" 15 "exit status 7"
boot exitcode "$RUN_DIR/exitcode-none.log" -kernel "$G/exitcode.elf"
judge "exitcode without status" "$RUN_DIR/exitcode-none.log" "$rc" 35 "guest exitcode: FAIL"

# bootsect: a raw boot sector started by the firmware at 0x7C00.
boot bootsect "$RUN_DIR/bootsect.log" -drive "file=$G/bootsect.img,format=raw"
judge bootsect "$RUN_DIR/bootsect.log" "$rc" 33 "guest bootsect: PASS ("

# mbinfo: what the multiboot loader hands over, with two modules (the
# first with arguments) and a RAM size the guest is told; QEMU puts the
# kernel's file name in front of the command line. Twice, with different
# RAM sizes.
for mem in 128 200; do
	boot mbinfo "$RUN_DIR/mbinfo-$mem.log" -m "$mem" -kernel "$G/mbinfo.elf" \
		-initrd "$G/mod1.txt arg1 arg2,$G/mod2.bin" -append "mem=$mem mbinfo-end"
	judge "mbinfo -m $mem" "$RUN_DIR/mbinfo-$mem.log" "$rc" 33 "guest mbinfo: PASS ("
done

# ptchaos: random page tables, MMIO and ports. Bare QEMU need not pass it
# (the guest may well wreck itself), but it must end: any exit status but
# a timeout, and the same output for the same seed. No NIC (a random write
# to its registers could start DMA into the guest).
for seed in 1 2 3 4 5; do
	log=$RUN_DIR/ptchaos-$seed.log
	boot ptchaos "$log" -nic none -kernel "$G/ptchaos.elf" -append "seed=$seed rounds=200"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		bad "ptchaos seed=$seed: did not end in ${T}s"
		continue
	fi
	rc1=$rc
	boot ptchaos "$log.2" -nic none -kernel "$G/ptchaos.elf" -append "seed=$seed rounds=200"
	if [ "$rc" != "$rc1" ] || ! cmp -s "$log" "$log.2"; then
		bad "ptchaos seed=$seed: two runs differ (status $rc1, then $rc)"
		continue
	fi
	echo "ok   ptchaos seed=$seed (status $rc): $(grep -a 'guest ptchaos' "$log" | tail -n 1 | tr -d '\r')"
done

# disk FILE SECTORS TAG [FIRST LAST TAG2]...: the test guests' disk format.
disk() {
	tests/guests/disk.sh "$@"
}

# same_disk LABEL FILE SECTORS TAG [FIRST LAST TAG2]...: the image after
# the run holds exactly what the guest wrote (the writes reached the file).
same_disk() {
	local label=$1 f=$2
	shift 2
	disk "$f.want" "$@"
	if cmp "$f" "$f.want"; then
		echo "ok   $label: image file as written by the guest"
	else
		bad "$label: image file $f differs from $f.want"
	fi
}

# ide: primary channel, master 2048 sectors (tag M), slave 1024 (S).
disk "$RUN_DIR/ide-master.img" 2048 M
disk "$RUN_DIR/ide-slave.img" 1024 S
boot ide "$RUN_DIR/ide.log" -kernel "$G/ide.elf" \
	-drive "file=$RUN_DIR/ide-master.img,format=raw,if=ide,index=0" \
	-drive "file=$RUN_DIR/ide-slave.img,format=raw,if=ide,index=1"
judge ide "$RUN_DIR/ide.log" "$rc" 33 "guest ide: PASS ("
same_disk "ide master" "$RUN_DIR/ide-master.img" 2048 M 100 103 w 200 211 m
same_disk "ide slave" "$RUN_DIR/ide-slave.img" 1024 S 5 6 x

# virtio_blk: a modern virtio-mmio block device, 2048 sectors (tag V), on
# the microvm machine (its virtio-mmio windows are the VMM's layout).
disk "$RUN_DIR/virtio.img" 2048 V
log=$RUN_DIR/virtio_blk.log
rc=0
timeout "$T" qemu-system-x86_64 -M microvm,acpi=on -accel tcg -cpu max -m 128 -display none \
	-no-reboot -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-global virtio-mmio.force-legacy=false \
	-drive "id=d0,file=$RUN_DIR/virtio.img,format=raw,if=none" -device virtio-blk-device,drive=d0 \
	-kernel "$G/virtio_blk.elf" </dev/null >"$log" 2>&1 || rc=$?
judge virtio_blk "$log" "$rc" 33 "guest virtio_blk: PASS ("
same_disk "virtio_blk" "$RUN_DIR/virtio.img" 2048 V 100 103 v

# devfuzz: hostile input to the device models; IDE, APIC and PM on pc, the
# virtio disk on microvm (each skips what is absent). It must pass, and
# each image may change only in sectors 1000-1023 (its scratch range).
outside_scratch_same() {
	local label=$1 f=$2 orig=$3
	if [ "$(stat -c %s "$f")" = "$(stat -c %s "$orig")" ] &&
		cmp -s <(head -c 512000 "$f") <(head -c 512000 "$orig") &&
		cmp -s <(tail -c +524289 "$f") <(tail -c +524289 "$orig"); then
		echo "ok   $label: image unchanged outside sectors 1000-1023"
	else
		bad "$label: image changed outside sectors 1000-1023"
	fi
}
disk "$RUN_DIR/devfuzz-M.orig" 2048 M
disk "$RUN_DIR/devfuzz-V.orig" 2048 V
for seed in 1 2 3; do
	img=$RUN_DIR/devfuzz-ide-$seed.img
	cp "$RUN_DIR/devfuzz-M.orig" "$img"
	log=$RUN_DIR/devfuzz-pc-$seed.log
	boot devfuzz "$log" -drive "file=$img,format=raw,if=ide,index=0" \
		-kernel "$G/devfuzz.elf" -append "seed=$seed"
	judge "devfuzz pc seed=$seed" "$log" "$rc" 33 "guest devfuzz: PASS (" \
		"guest devfuzz: ide: phase done" "guest devfuzz: apic: sane again" \
		"guest devfuzz: pm: phase done"
	outside_scratch_same "devfuzz pc seed=$seed" "$img" "$RUN_DIR/devfuzz-M.orig"

	img=$RUN_DIR/devfuzz-virtio-$seed.img
	cp "$RUN_DIR/devfuzz-V.orig" "$img"
	log=$RUN_DIR/devfuzz-microvm-$seed.log
	rc=0
	timeout "$T" qemu-system-x86_64 -M microvm,acpi=on -accel tcg -cpu max -m 128 \
		-display none -no-reboot -monitor none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -global virtio-mmio.force-legacy=false \
		-drive "id=d0,file=$img,format=raw,if=none" -device virtio-blk-device,drive=d0 \
		-kernel "$G/devfuzz.elf" -append "seed=$seed" </dev/null >"$log" 2>&1 || rc=$?
	judge "devfuzz microvm seed=$seed" "$log" "$rc" 33 "guest devfuzz: PASS (" \
		"guest devfuzz: virtio: phase done" "guest devfuzz: apic: sane again"
	outside_scratch_same "devfuzz microvm seed=$seed" "$img" "$RUN_DIR/devfuzz-V.orig"
done

# uart: the line goes in once the guest says it is ready to receive.
log=$RUN_DIR/uart.log
fifo=$RUN_DIR/uart.in
rm -f "$fifo"
mkfifo "$fifo"
timeout "$T" "${QEMU[@]}" -kernel "$G/uart.elf" <"$fifo" >"$log" 2>&1 &
pid=$!
exec 3>"$fifo"
for _ in $(seq $((T * 10))); do
	grep -q "guest uart: ready" "$log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
printf 'ping\n' >&3
rc=0
wait "$pid" || rc=$?
exec 3>&-
judge uart "$log" "$rc" 33 "guest uart: ready" "got: ping" "guest uart: PASS ("

if [ "$failed" != 0 ]; then
	echo "FAIL guests_bare: $failed failed"
	exit 1
fi
echo "PASS guests_bare"
