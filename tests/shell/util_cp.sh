# cp: file to file, into a directory, onto an existing file (truncated),
# onto itself (error), modes, through symbolic links, errors, -r and -R.
LC_ALL=C
export LC_ALL
umask 022
show() {
	while IFS= read -r line; do
		echo "$line"
	done <"$1"
}
echo hello >src
cp src dst
echo "cp: $?"
show dst
echo "a much longer line of text" >big
echo short >small
cp small big
show big
cp src src 2>/dev/null
echo "onto itself: $?"
show src
mkdir dir
cp src small dir
echo "into dir: $?"
ls dir
cp big dir/
echo "into dir/: $?"
ls dir
cp missing x 2>/dev/null
echo "missing: $?"
cp src missing small 2>/dev/null
echo "not a dir: $?"
cp dir d2 2>/dev/null
echo "dir without -r: $?"
ls -d d2 2>/dev/null
cp src 2>/dev/null
echo "one operand: $?"
chmod 750 src
cp src modes
ls -l modes | while read mode rest; do echo "$mode"; done
ln -s src lnk
cp lnk fromlink
ls -l fromlink | while read mode rest; do echo "$mode"; done
show fromlink
cp src dir/src
cp dir/src dir/src 2>/dev/null
echo "onto itself by path: $?"
cp -f small src
echo "-f: $?"
show src
i=0
: >large
while [ $i -lt 2000 ]; do
	echo "line $i of a file bigger than one buffer...................................." >>large
	i=$((i + 1))
done
cp large large2
ls -l large large2 | while read mode links u g size rest; do echo "$size"; done
echo "== -r"
mkdir -p tree/a/b tree/empty
echo x >tree/a/b/f
echo y >tree/top
ln -s top tree/tl
ln -s nowhere tree/dangling
cp -r tree copy
echo "cp -r: $?"
ls -a copy copy/a copy/a/b copy/empty
show copy/a/b/f
for f in copy/tl copy/dangling; do
	set -- $(ls -l $f)
	shift 8
	echo "$*"
done
mkdir existing
cp -R tree existing
echo "cp -R into dir: $?"
ls existing existing/tree
cp -r tree/a tree/top existing
ls existing
mkdir -p self/sub
cp -r self self/sub/in 2>/dev/null
echo "into itself: $?"
rm -rf self
ls
