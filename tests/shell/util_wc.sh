# wc: the counts and GNU's column widths (1 for one count of standard
# input, 7 for a pipe, otherwise the digits of the total size), totals,
# missing files, unterminated lines and white space of every kind.
LC_ALL=C
export LC_ALL
printf 'hello world\nsecond line here\n' >a
printf 'no newline at end' >b
: >empty
printf ' \t lead  and\ttrail \n\n\v\f x\r\n' >spaces
wc a
wc -l a
wc -w a
wc -c a
wc -lw a
wc -lc a
wc -wc a
wc -l -w -c a
wc b
wc empty
wc spaces
wc a b
wc a b empty spaces
wc -l a b
wc <a
wc -l <a
printf 'x y\nz\n' | wc
printf 'x y\nz\n' | wc -l
printf 'x y\nz\n' | wc -w
printf 'x y\nz\n' | wc -c
printf 'x y\nz\n' | wc -lc
printf '' | wc
printf 'p q\n' | wc a -
printf 'p q\n' | wc -c - a
wc nonexistent 2>/dev/null
echo "missing rc=$?"
wc a nonexistent b 2>/dev/null
echo "partial rc=$?"
s=word
i=0
while [ $i -lt 11 ]; do
	s="$s $s"
	i=$((i + 1))
done
printf '%s\n' "$s" >long
wc long
cat long long | wc
