#!/bin/sh
# Emit the kernel's symbol table for backtraces as assembly: a sorted array
# of {address, name} (struct ksym in exokernel/panic.c) in section .ksyms.
# usage: tools/gensyms.sh KERNEL_ELF > ksyms.S   (/dev/null: empty table)
set -eu
syms=$(mktemp)
trap 'rm -f "$syms"' EXIT
if [ "$1" != /dev/null ]; then
	nm -n --defined-only "$1" | awk '$2 == "T" || $2 == "t" { print $1, $3 }' > "$syms"
fi
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksyms_count, ksyms_table'
echo "ksyms_count: .quad $(wc -l < "$syms")"
echo 'ksyms_table:'
awk '{ printf "\t.quad 0x%s, .Lname%d\n", $1, NR }' "$syms"
awk '{ printf ".Lname%d: .asciz \"%s\"\n", NR, $2 }' "$syms"
