# df: a header and one line per operand, in columns (the numbers and the
# file system's name differ between systems: only the counts are shown).
LC_ALL=C
export LC_ALL
df . | while read l; do
	set -- $l
	echo $#
done
df -k . | while read l; do
	set -- $l
	echo $#
done
df -P . | while read l; do
	set -- $l
	echo $#
done
df . | {
	read a b c d e f g
	echo "$a $e $f $g"
	read a b c d e f
	echo "$f"
}
df missing >/dev/null 2>&1
echo "missing: $?"
