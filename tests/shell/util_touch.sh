# touch: creates, keeps contents, -c, -a and -m change only their time,
# errors go on with the next operand.
LC_ALL=C
export LC_ALL
show() {
	while IFS= read -r line; do
		echo "$line"
	done <"$1"
}
touch new
echo "create: $?"
ls -l new | while read mode links u g size rest; do echo "$size"; done
echo keep me >old
touch old
echo "existing: $?"
show old
touch -c absent
echo "-c: $?"
ls absent 2>/dev/null
echo "not created: $?"
touch one nodir/x two 2>/dev/null
echo "continue: $?"
ls
touch a
sleep 1
touch b
[ b -nt a ] && echo "b newer"
sleep 1
touch a
[ a -nt b ] && echo "a newer after touch"
sleep 1
touch -a b
[ a -nt b ] && echo "-a kept b's mtime"
touch -m b
[ b -nt a ] && echo "-m changed b's mtime"
touch -c a
echo "-c existing: $?"
touch -am a
echo "-am: $?"
touch 2>/dev/null
echo "no operands: $?"
