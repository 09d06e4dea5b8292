# sort: byte order, -r, -n (signs, decimals, non-numbers), -u, -k fields
# with -t and per-key flags, -b, -s, -o, several files, standard input,
# duplicates, unterminated and empty inputs, long lines.
LC_ALL=C
export LC_ALL
printf 'pear\nApple\nbanana\napple\nBanana\npear\n\ncherry\n' >words
printf '10\n9\n-3\n2.5\n2.50\nabc\n0\n-0\n100\n 7\n+4\n-10.5\n.5\n' >nums
printf 'b 2\na 10\nc 1\na 2\nb 1\n' >pairs
printf 'x:3:z\ny:1:w\nz:2:w\nw:1:a\n' >colon
printf 'last line no newline' >nonl
: >empty
sort words
sort -r words
sort -u words
sort -ru words
sort -n nums
sort -rn nums
sort -nu nums
sort -k 2 pairs
sort -k 2n pairs
sort -k 2,2n -k 1,1r pairs
sort -n -k 2 pairs
sort -r -k 1,1 pairs
sort -s -k 1,1 pairs
sort -t : -k 2 colon
sort -t : -k 3,3 -k 1,1 colon
sort -t: -k2,2n -u colon
printf 'b  x\na y\n c z\n' >blanks
sort -k 2 blanks
sort -b -k 2 blanks
sort blanks
sort -b blanks
sort words nonl
sort empty
echo "empty rc=$?"
printf 'z\ny\nx' | sort
printf 'z\ny\n' | sort - nonl
sort -o out words
cat out
sort -n nonexistent 2>/dev/null
echo "missing rc=$?"
s=m
i=0
while [ $i -lt 13 ]; do
	s=$s$s
	i=$((i + 1))
done
printf '%sb\nshort\n%sa\n' "$s" "$s" >long
sort long | wc -c
sort long | head -c 3
echo
