# rm: files, -f, -r of a deep tree holding symbolic links (which must be
# removed, not followed), directories without -r, . and .., and going on
# after a failure.
LC_ALL=C
export LC_ALL
mkdir -p t/a/b/c t/x keep/sub
touch t/f t/a/g t/a/b/h t/a/b/c/i keep/precious keep/sub/s
ln -s ../keep t/a/tokeep
ln -s ../../../keep/precious t/a/b/lnk
ln -s ../../keep t/a/b/c/up
ln -s nowhere t/dangling
p=t/deep
i=0
while [ $i -lt 40 ]; do
	p=$p/d
	i=$((i + 1))
done
mkdir -p $p
touch $p/leaf
rm -r t
echo "rm -r: $?"
ls t 2>/dev/null
echo "gone: $?"
echo "kept:"
ls keep keep/sub
touch f1 f2 f3
rm f1
echo "rm file: $?"
rm f1 2>/dev/null
echo "missing: $?"
rm -f f1
echo "-f missing: $?"
rm -f
echo "-f no operands: $?"
rm 2>/dev/null
echo "no operands: $?"
mkdir dd
rm dd 2>/dev/null
echo "dir without -r: $?"
ls -d dd
rm -R dd
echo "-R: $?"
rm f2 nonexistent f3 2>/dev/null
echo "continue: $?"
ls f2 f3 2>/dev/null
echo "both gone: $?"
ln -s keep linkdir
rm linkdir
echo "rm link to dir: $?"
ln -s keep linkdir
rm -r linkdir
echo "rm -r link to dir: $?"
ls keep
mkdir -p w/x
rm -rf w missing
echo "-rf with missing: $?"
ls w 2>/dev/null
echo "w gone: $?"
mkdir dot
rm -r dot/. 2>/dev/null
echo "dot: $?"
rm -r dot/.. 2>/dev/null
echo "dotdot: $?"
ls -d dot
mkdir -p ro/sub
touch ro/sub/file
rm -rf ro/sub/file ro
echo "mixed: $?"
ls
