#!/bin/sh
# Boot an ISO in QEMU the way `make run` does: serial console on this
# terminal, Ctrl-C passed to the system, Ctrl-A x quits QEMU.
#
# usage: tools/qemu.sh ISO [ACCEL=tcg|kvm] [SMP=N] [MEM=SIZE] [GDB=1] [-- extra qemu args]
set -eu
iso=$1
shift
accel=tcg smp=2 mem=512M gdb=
while [ $# -gt 0 ]; do
	case $1 in
	ACCEL=*) accel=${1#*=} ;;
	SMP=*) smp=${1#*=} ;;
	MEM=*) mem=${1#*=} ;;
	GDB=*) gdb=${1#*=} ;;
	--) shift; break ;;
	*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
set -- -machine pc -accel "$accel" -cpu max -smp "$smp" -m "$mem" \
	-display none -no-reboot \
	-chardev stdio,id=con0,mux=on,signal=off -serial chardev:con0 -mon chardev=con0 \
	-device isa-debug-exit,iobase=0xf4,iosize=4 \
	-cdrom "$iso" -boot d "$@"
[ -n "$gdb" ] && set -- "$@" -s -S
exec qemu-system-x86_64 "$@"
