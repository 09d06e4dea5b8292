# sh_control.sh - if, while, until, for and read.
if true; then echo then1; else echo else1; fi
if false; then echo then2; else echo else2; fi
if false; then echo a; elif true; then echo elif3; else echo c; fi
if false; then echo a; elif false; then echo b; else echo else4; fi
if false; then echo x; fi; echo "if none: $?"
if test -d .; then echo "dir"; fi
if ! test -e nothing; then echo "no file"; fi
for i in 1 2 3; do echo "for $i"; done
for i in; do echo never; done; echo "empty for: $?"
L='a b c'
for i in $L "d e"; do echo "[$i]"; done
sh -c 'for a; do echo "arg $a"; done' n x y
n=
while test "$n" != xxx; do n=x$n; echo "$n"; done
until test "$n" = ""; do n=; echo "until ran"; done
printf 'one two three\nfour  five\n\nlast' > r.txt
while read a b; do echo "a=[$a] b=[$b]"; done < r.txt
echo "read at end: $?"
read first rest < r.txt
echo "$first / $rest"
printf 'back\\slash\n' | while read -r l; do echo "$l"; done
printf 'back\\slash\n' | while read l; do echo "$l"; done
printf 'x y\n' | (read REPLY; echo "reply=$REPLY")
# nesting
for i in 1 2; do
	for j in a b; do
		if test $j = b; then echo "$i$j!"; else echo "$i$j"; fi
	done
done
# status of a loop is its last command's
for i in 1 2; do false; done; echo "loop status $?"
while false; do :; done; echo "while none $?"
# loops in pipelines and with redirections
for i in 3 1 2; do echo $i; done | sort
i=
while test "$i" != ...; do i=.$i; echo "$i"; done > dots.txt
wc -l < dots.txt
# : builtin and exit in a loop
: ignored args
sh -c 'for i in 1 2 3; do if test $i = 2; then exit 9; fi; done'; echo "exit in loop: $?"
# keywords are plain words elsewhere
echo if then else fi do done for in while
