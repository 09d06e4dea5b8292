# head: the default ten lines, -n N, -N, -c N, several files with
# headers, standard input, short and empty inputs, unterminated lines,
# long lines and errors.
LC_ALL=C
export LC_ALL
i=1
while [ $i -le 15 ]; do
	echo "line $i"
	i=$((i + 1))
done >fifteen
printf 'one\ntwo\nthree' >short
: >empty
head fifteen
head -n 3 fifteen
head -n3 fifteen
head -2 fifteen
head -n 0 fifteen
echo "zero rc=$?"
head -n 20 short
echo
head -n 3 short
echo
head -c 5 fifteen
echo
head -c5 short
echo
head -c 100 short
echo
head -c 0 short
head empty
echo "empty rc=$?"
head -n 2 fifteen short
head -n 1 fifteen empty short
echo
head -n 2 <fifteen
printf 'a\nb\nc\n' | head -n 1
printf 'a\nb\nc\n' | head -n 1 - short
echo
head -n 1 nonexistent 2>/dev/null
echo "missing rc=$?"
head -n 1 short nonexistent fifteen 2>/dev/null
echo "partial rc=$?"
head -n x fifteen 2>/dev/null
echo "bad count rc=$?"
s=0123456789
i=0
while [ $i -lt 9 ]; do
	s=$s$s
	i=$((i + 1))
done
printf '%s\n%s\n%s\n' "$s" "$s" "$s" >long
head -n 2 long | wc -c
head -c 6000 long | wc -c
