# touch: creates, keeps contents, -c, -a and -m change only their time
# (read back with stat), errors go on with the next operand.
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
# The times to the second, from the Access and Modify lines of stat's
# layout (utimes() keeps microseconds and the disk may keep only seconds:
# sleep 1 between changes).
atime() {
	stat "$1" | {
		read l && read l && read l && read l && read l
		set -- $l
		day=$2
		IFS=.
		set -- $3
		unset IFS
		echo "$day $1"
	}
}
mtime() {
	stat "$1" | {
		read l && read l && read l && read l && read l && read l
		set -- $l
		day=$2
		IFS=.
		set -- $3
		unset IFS
		echo "$day $1"
	}
}
echo data >a
a0=$(atime a)
m0=$(mtime a)
sleep 1
touch -a a
a1=$(atime a)
m1=$(mtime a)
[ "$a1" != "$a0" ] && echo "-a changed atime"
[ "$m1" = "$m0" ] && echo "-a kept mtime"
sleep 1
touch -m a
a2=$(atime a)
m2=$(mtime a)
[ "$a2" = "$a1" ] && echo "-m kept atime"
[ "$m2" != "$m1" ] && echo "-m changed mtime"
sleep 1
touch a
a3=$(atime a)
m3=$(mtime a)
[ "$a3" != "$a2" ] && [ "$m3" != "$m2" ] && echo "touch changed both"
show a
touch -c a
echo "-c existing: $?"
touch -am a
echo "-am: $?"
touch 2>/dev/null
echo "no operands: $?"
