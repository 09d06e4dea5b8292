# uniq: adjacent duplicates, -c (GNU's "%7lu "), -d, -u and their mixes,
# input and output operands, standard input, unterminated and empty
# inputs, long lines.
LC_ALL=C
export LC_ALL
printf 'a\na\nb\nc\nc\nc\na\n\n\nd\n' >in
printf 'x\nx' >nonl
: >empty
uniq in
uniq -c in
uniq -d in
uniq -u in
uniq -cd in
uniq -cu in
uniq -d -u in
echo "both rc=$?"
uniq nonl
uniq -c nonl
uniq empty
echo "empty rc=$?"
printf 'q\nq\nr\n' | uniq
printf 'q\nq\nr\n' | uniq -c -
uniq in out
cat out
uniq -c in - <in
uniq nonexistent 2>/dev/null
echo "missing rc=$?"
printf 'A\na\n' | uniq
s=u
i=0
while [ $i -lt 13 ]; do
	s=$s$s
	i=$((i + 1))
done
printf '%s\n%s\n%sX\n' "$s" "$s" "$s" >long
uniq -c long | wc -c
uniq -d long | wc -c
