#!/bin/sh
# Make a BIOS-bootable GRUB 2 ISO holding the kernel and boot modules.
#
# usage: tools/mkiso.sh OUT.iso KERNEL.elf "KERNEL ARGS" MODULE [MODULE...]
# A MODULE is PATH or PATH=CMDLINE; the command line's first word names
# the program (argv[0]); by default it is the file's base name. A path of
# the form @NAME stands for a file that does not exist (a missing module,
# for tests). The ISO is built in a scratch directory next to OUT.
set -eu
out=$1 kernel=$2 kargs=$3
shift 3
stage="$out.stage"
rm -rf "$stage"
mkdir -p "$stage/boot/grub" "$stage/boot/modules"
cp "$kernel" "$stage/boot/kernel.elf"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'menuentry "exo" {'
	# modules=N lets the kernel notice a module GRUB failed to load.
	echo "	multiboot2 /boot/kernel.elf modules=$# $kargs"
	i=0
	for m in "$@"; do
		path=${m%%=*}
		if [ "$path" = "$m" ]; then cmd=$(basename "$path"); else cmd=${m#*=}; fi
		i=$((i + 1))
		file="/boot/modules/$i-$(basename "$path")"
		case $path in
		@*) ;;
		*) cp "$path" "$stage$file" ;;
		esac
		echo "	module2 $file $cmd"
	done
	echo '	boot'
	echo '}'
} > "$stage/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$stage" >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
