# sh_extras.sh - beyond the basics: $(...), `...`, $((...)), functions,
# case, { ...; }, break/continue/return, IFS and prefix assignments.
echo "subst: $(echo inner)"
x=$(printf 'a\nb\n\n\n')
echo "[$x]"
echo "nested: $(echo $(echo deep))"
echo "back: `echo quoted`"
n=$(printf '1\n2\n3\n' | wc -l)
echo "lines: $n"
for w in $(echo one two); do echo "w=$w"; done
y=$(false); echo "assignment takes status: $?"
echo "$(echo "quotes inside")"
echo "paren in string: $(echo ')')"
echo "arith: $((1 + 2 * 3)) $(( (1 + 2) * 3 )) $((7 / 2)) $((7 % 3)) $((-4 + 1))"
i=5
echo "vars: $((i * 2)) $(($i + 1)) $((i > 3 && i < 10)) $((i == 5 ? 1 : 0))" 2>/dev/null || echo "ternary unsupported"
echo "cmp: $((3 < 2)) $((2 <= 2)) $((1 != 1)) $((6 & 3)) $((6 | 1)) $((1 << 4))"
i=0
while test $i -lt 5; do i=$((i + 1)); done
echo "counted to $i"
greet() {
	echo "hello $1 ($#)"
}
greet world
greet a b c
sum() { echo $(($1 + $2)); }
echo "sum: $(sum 3 4)"
early() {
	echo before
	return 3
	echo after
}
early; echo "return status: $?"
echo "outer args kept: $#"
count() {
	c=0
	for a in "$@"; do c=$((c + 1)); done
	echo "$c args"
}
count x "y z" w
for i in 1 2 3 4 5; do
	if test $i = 2; then continue; fi
	if test $i = 4; then break; fi
	echo "loop $i"
done
for i in a b; do
	for j in 1 2 3; do
		if test $j = 2; then continue 2; fi
		echo "$i$j"
	done
done
for i in a b; do
	while true; do break 2; done
	echo never
done
echo "after break 2"
for f in x.c y.h z.txt README; do
	case $f in
	*.c | *.h) echo "$f: source" ;;
	*.txt) echo "$f: text" ;;
	[A-Z]*) echo "$f: capital" ;;
	*) echo "$f: other" ;;
	esac
done
case abc in
a?c) echo "question mark" ;;
esac
case "x y" in "x y") echo "quoted pattern" ;; esac
case nothing in something) echo no ;; esac
echo "case no match: $?"
{ echo group1; echo group2; } | wc -l
{ echo in-group; } > g.txt
cat g.txt
IFS=: ; set -- $(echo a:b::c); unset IFS
echo "$# fields: $1 $2 [$3] $4"
v=old
v=new true
echo "v after prefix on a program: $v"
printf 'one\n' | { IFS= read -r line; echo "[$line]"; }
echo "IFS unset after read: [${IFS-unset}]"
command echo "via command"
umask 022
umask
