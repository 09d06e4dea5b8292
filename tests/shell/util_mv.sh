# mv: rename, replace, into a directory, across directories, several
# operands, a directory onto an existing directory (moves into it), errors.
LC_ALL=C
export LC_ALL
show() {
	while IFS= read -r line; do
		echo "$line"
	done <"$1"
}
echo one >a
mv a b
echo "rename: $?"
ls
show b
echo two >c
mv c b
echo "replace: $?"
ls
show b
mkdir dir other
mv b dir
echo "into dir: $?"
ls dir
mv dir/b other/moved
echo "across dirs: $?"
ls dir other
touch x y z
mv x y z dir
echo "several: $?"
ls dir
mv dir other
echo "dir into dir: $?"
ls other other/dir
mv other/dir/x other/dir/x 2>/dev/null
echo "onto itself: $?"
mv missing q 2>/dev/null
echo "missing: $?"
touch m1 m2
mv m1 m2 notadir 2>/dev/null
echo "not a dir: $?"
mv m1 missing m2 other 2>/dev/null
echo "continue: $?"
ls other
mkdir -p self/sub
mv self self/sub 2>/dev/null
echo "into itself: $?"
ls self
mv self renamed
echo "rename dir: $?"
ls renamed
ln -s renamed lnk
mv lnk lnk2
echo "move link: $?"
set -- $(ls -l lnk2)
shift 8
echo "$*"
mv 2>/dev/null
echo "no operands: $?"
mv lnk2 2>/dev/null
echo "one operand: $?"
