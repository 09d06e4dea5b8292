#!/bin/sh
# Make the malformed boot modules the integration tests feed the kernel,
# each from a valid static ELF program by one targeted change.
#
# usage: tools/mkbadelf.sh GOOD.elf OUTDIR
set -eu
good=$1 out=$2
mkdir -p "$out"

# put OFFSET BYTES FILE: overwrite little-endian bytes (given as \ooo
# octal escapes for printf) at OFFSET.
put() { printf "$2" | dd of="$3" bs=1 seek="$1" conv=notrunc status=none; }
# u64 OFFSET FILE: read a little-endian 64-bit field.
u64() { od -An -t u8 -j "$1" -N 8 "$2" | tr -d ' '; }

phoff=$(u64 32 "$good")

printf 'This is a text file, not a program. It is long enough to hold an ELF header.\n' >"$out/notelf"
: >"$out/empty"
head -c 1000 "$good" >"$out/truncated"

cp "$good" "$out/machine"
put 18 '\003\000' "$out/machine"	# e_machine = EM_386

cp "$good" "$out/class32"
put 4 '\001' "$out/class32"		# EI_CLASS = ELFCLASS32

# First PT_LOAD's p_vaddr (phdr + 16) moved into the kernel's half.
cp "$good" "$out/kernelseg"
put $((phoff + 16)) '\000\000\020\200\377\377\377\377' "$out/kernelseg"	# 0xffffffff80100000

# Second PT_LOAD placed on top of the first: copy phdr 0's vaddr into phdr 1.
cp "$good" "$out/overlap"
dd if="$good" of="$out/overlap" bs=1 skip=$((phoff + 16)) seek=$((phoff + 56 + 16)) count=8 \
	conv=notrunc status=none
