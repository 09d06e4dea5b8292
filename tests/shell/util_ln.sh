# ln: hard links, -s (also dangling), -f, into a directory, one operand,
# and the errors: existing link, hard link to a directory, missing target.
LC_ALL=C
export LC_ALL
show() {
	while IFS= read -r line; do
		echo "$line"
	done <"$1"
}
linkinfo() {
	set -- $(ls -l "$1")
	mode=$1
	links=$2
	shift 8
	echo "$mode $links $*"
}
echo data >f
ln f h
echo "ln: $?"
linkinfo f
linkinfo h
show h
ln -s f s
echo "ln -s: $?"
linkinfo s
show s
ln -s nowhere dangling
echo "dangling: $?"
linkinfo dangling
ln -s f s 2>/dev/null
echo "exists: $?"
echo other >g
ln -sf g s
echo "-sf: $?"
linkinfo s
ln -f g h
echo "-f hard: $?"
show h
linkinfo f
mkdir dir
ln f g dir
echo "into dir: $?"
ls dir
ln -s ../f dir/rel
show dir/rel
mkdir sub
cd sub
ln -s ../f
echo "one operand: $?"
ls
cd ..
ln dir dirlink 2>/dev/null
echo "hard link to dir: $?"
ln missing x 2>/dev/null
echo "missing target: $?"
ln f g notadir 2>/dev/null
echo "not a dir: $?"
ln 2>/dev/null
echo "no operands: $?"
ls
