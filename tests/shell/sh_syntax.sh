# sh_syntax.sh - comments, lists, continuation lines and syntax errors.
echo a; echo b ; echo c
echo d # a comment
# a whole-line comment; echo no
   # indented comment
echo e#not-a-comment
echo f;echo g
true && echo h; false || echo i
echo j &&
echo k
echo l ||
echo not-printed
echo "m" |

cat
echo "multi
line string"
if true
then
	echo n
fi
for w in o p
do
	echo $w
done
x=0
until test $x = 1; do x=1; echo q; done
# syntax errors: status 2, the shell goes on in another shell
sh -c 'echo ok; if' 2>/dev/null; echo "unterminated if: $?"
sh -c 'echo (' 2>/dev/null; echo "paren: $?"
sh -c ';' 2>/dev/null; echo "lone semicolon: $?"
sh -c 'echo a && && echo b' 2>/dev/null; echo "double and: $?"
sh -c 'echo a |' 2>/dev/null; echo "trailing pipe: $?"
sh -c "echo 'unterminated" 2>/dev/null; echo "quote: $?"
sh -c 'echo "unterminated' 2>/dev/null; echo "dquote: $?"
sh -c 'echo >' 2>/dev/null; echo "missing target: $?"
sh -c 'fi' 2>/dev/null; echo "stray fi: $?"
printf 'echo before\nif then\necho after\n' > bad.sh
sh bad.sh 2>/dev/null; echo "script with error: $?"
printf 'echo line1\necho "open\nquote"\necho line3\n' > ok.sh
sh ok.sh
printf 'echo a &&\n\necho b |\ncat\n' > cont.sh
sh cont.sh
sh -c 'echo one
echo two'
echo "end"
