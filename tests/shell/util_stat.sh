# stat: the name, type, mode and link count lines of the default layout
# (sizes, inodes, owners and times differ between systems: not shown).
LC_ALL=C
export LC_ALL
umask 022
st() {
	stat "$@" | {
		read a b c
		echo "$a $b $c"
		read l
		set -- $l
		shift 7
		echo "$*"
		read l
		set -- $l
		echo "links $6"
		read l
		set -- $l
		echo "$2"
	}
}
touch empty
echo data >full
chmod 640 full
mkdir dir
ln -s full lnk
ln -s nowhere dangling
ln full hard
for f in empty full dir lnk dangling; do
	st $f
done
st -L lnk
stat missing >/dev/null 2>&1
echo "missing: $?"
stat -L dangling >/dev/null 2>&1
echo "-L dangling: $?"
stat empty missing 2>/dev/null | {
	read a b
	echo "$a $b"
}
stat empty missing >/dev/null 2>&1
echo "continue: $?"
