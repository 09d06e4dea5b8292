# tail: the default ten lines, -n N, -n +N, -c N, -c +N, several files
# with headers, standard input, unterminated and empty inputs, long lines
# and errors.
LC_ALL=C
export LC_ALL
i=1
while [ $i -le 15 ]; do
	echo "line $i"
	i=$((i + 1))
done >fifteen
printf 'one\ntwo\nthree' >short
: >empty
tail fifteen
tail -n 3 fifteen
tail -n3 fifteen
tail -n 0 fifteen
echo "zero rc=$?"
tail -n +13 fifteen
tail -n +0 short
echo
tail -n +1 short
echo
tail -n +2 short
echo
tail -n +99 short
tail -n 2 short
echo
tail -n 1 short
echo
tail -n 20 short
echo
tail -c 4 fifteen
tail -c 3 short
echo
tail -c +5 short
echo
tail -c 100 short
echo
tail empty
echo "empty rc=$?"
printf '\n\n\n' | tail -n 2 | wc -l
printf 'a\nb\nc\n' | tail -n 1
printf 'a\nb\nc\n' | tail -n 2 -
tail -n 2 fifteen short
echo
tail -n 1 fifteen empty short
echo
tail -n 1 nonexistent 2>/dev/null
echo "missing rc=$?"
tail -n 1 short nonexistent fifteen 2>/dev/null
echo "partial rc=$?"
tail -n x fifteen 2>/dev/null
echo "bad count rc=$?"
s=0123456789
i=0
while [ $i -lt 9 ]; do
	s=$s$s
	i=$((i + 1))
done
printf 'first\n%s\n%s\nlast\n' "$s" "$s" >long
tail -n 2 long | wc -c
tail -n 1 long
tail -n +3 long | wc -c
tail -c 6000 long | wc -c
