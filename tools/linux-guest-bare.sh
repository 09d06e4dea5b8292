#!/bin/sh
# The reference boot of the Linux guest: the same kernel, initramfs and
# disk booted directly by QEMU, on the machine our VMM's platform follows
# (microvm with ACPI: its DSDT describes the virtio-mmio devices as
# LNRO0005, as ours does). For the benchmark beside the VMM's boot and to
# check the initramfs and the disk without our VMM (docs/vmm.md, "A Linux
# guest").
#
# usage: tools/linux-guest-bare.sh [-d DISK.img] [APPEND]
#   -d DISK.img  a virtio-mmio block disk (raw; it is written to: give a copy)
#   APPEND       the kernel command line (default "console=ttyS0 exotest":
#                /init's test commands, then poweroff -f, and QEMU exits)
#   ACCEL=tcg|kvm, MEM=256 (MiB), LINUX_GUEST_DIR=build/guests/linux,
#   LINUX_GUEST_INITRD=DIR/initrd.img (make bench's build/bench/guest-initrd.gz
#   has /bench too: APPEND "console=ttyS0 exobench" runs its in-guest rows,
#   as tools/bench.sh's direct boot of the guest does)
#
# The serial console is this terminal (stdio); QEMU's own monitor is off.
set -eu
dir=${LINUX_GUEST_DIR:-build/guests/linux}
initrd=${LINUX_GUEST_INITRD:-$dir/initrd.img}
disk=
if [ "${1-}" = -d ]; then
	disk=$2
	shift 2
fi
append=${1:-console=ttyS0 exotest}
set -- -M microvm,acpi=on -accel "${ACCEL:-tcg}" -cpu max -m "${MEM:-256}" \
	-display none -no-reboot -serial stdio -monitor none \
	-kernel "$dir/vmlinuz" -initrd "$initrd" -append "$append" \
	-global virtio-mmio.force-legacy=false
[ -n "$disk" ] && set -- "$@" -drive "id=d0,file=$disk,format=raw,if=none" \
	-device virtio-blk-device,drive=d0
exec qemu-system-x86_64 "$@"
