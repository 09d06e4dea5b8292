# grep: basic and extended regular expressions, -i -v -c -n, -q, -e,
# several files (file: prefixes), standard input, exit statuses 0/1/2,
# empty input, unterminated last lines and long lines.
LC_ALL=C
export LC_ALL
printf 'apple\nBanana\ncherry pie\napple pie\n\ngrape\n' >fruit
printf 'carrot\npotato\napple tree' >veg
: >empty
grep apple fruit
echo "rc=$?"
grep kiwi fruit
echo "rc=$?"
grep -i banana fruit
grep -v apple fruit
grep -c apple fruit
grep -c kiwi fruit
echo "rc=$?"
grep -n pie fruit
grep -vn pie fruit
grep -in 'B' fruit
grep -ic A fruit
grep '^a' fruit
grep 'e$' fruit
grep '^$' fruit | wc -l
grep -n '^$' fruit
grep 'p\{2\}' fruit
grep 'ch.*y' fruit
grep '[[:upper:]]' fruit
grep 'a\(pp\)le' fruit
grep -E 'apple|grape' fruit
grep -E '^(apple|cherry) pie$' fruit
grep -E 'p+l' fruit
grep -E 'x?grape' fruit
grep -E '[bB]an{1}a' fruit
grep 'apple|grape' fruit
echo "bre alternation rc=$?"
grep -e -dash- fruit
echo "rc=$?"
printf 'a -dash- b\n' | grep -e -dash-
grep apple fruit veg
grep -c apple fruit veg empty
grep -n apple fruit veg
grep -v e veg
grep tree veg
grep -q apple fruit
echo "quiet rc=$?"
grep -q kiwi fruit
echo "quiet miss rc=$?"
grep apple empty
echo "empty rc=$?"
grep -c x empty
printf 'one\ntwo\nthree\n' | grep -n o
printf 'one\ntwo\n' | grep o - veg
grep apple nonexistent 2>/dev/null
echo "missing rc=$?"
grep apple nonexistent fruit 2>/dev/null
echo "missing but match rc=$?"
grep -q apple fruit nonexistent 2>/dev/null
echo "quiet with error rc=$?"
grep 'a\(' fruit 2>/dev/null
echo "bad regex rc=$?"
grep -E 'a(' fruit 2>/dev/null
echo "bad ere rc=$?"
s=abcdefgh
i=0
while [ $i -lt 10 ]; do
	s=$s$s
	i=$((i + 1))
done
printf 'short\n%sNEEDLE%s\nshort\n' "$s" "$s" >long
grep -c NEEDLE long
grep NEEDLE long | wc -c
grep -n short long
