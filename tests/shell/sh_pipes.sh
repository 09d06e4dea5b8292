# sh_pipes.sh - pipelines of several stages, with builtins and subshells.
printf 'b\na\nc\na\nb\na\n' > in.txt
cat in.txt | sort | uniq -c | sort -r | head -n 1
cat in.txt | grep a | wc -l
cat < in.txt | sort | uniq | tee out.txt | wc -l
cat out.txt
echo hello | cat | cat | cat | cat
printf '1\n2\n3\n4\n5\n' | tail -n 3 | head -n 2
# builtins in a pipeline run in a child: cd does not change our directory
mkdir sub
cd sub | cat
pwd | grep -c sub
X=outer
X=inner | cat
echo "X=$X"
# subshells
(echo a; echo b) | sort -r
(cd sub && pwd) | grep -c sub
echo "status $?"
# line continuation after |, && and ||
echo cont |
	cat |
	wc -c
true &&
	echo "after and"
false ||
	echo "after or"
echo done \
	with backslash
# pipeline into a compound command
printf 'x\ny\n' | while read line; do echo "got $line"; done
printf '3\n1\n2\n' | sort | while read n; do echo "n=$n"; done | tail -n 1
# output of a long pipeline is complete
i=0
for w in 1 2 3 4 5 6 7 8 9 10; do echo "line $w"; done | cat | cat | sort | tail -n 2
