# rmdir: empty, not empty, missing, a file, -p removing parents.
LC_ALL=C
export LC_ALL
mkdir e full
touch full/f file
rmdir e
echo "empty: $?"
rmdir full 2>/dev/null
echo "not empty: $?"
rmdir missing 2>/dev/null
echo "missing: $?"
rmdir file 2>/dev/null
echo "file: $?"
mkdir x y
rmdir x missing y 2>/dev/null
echo "continue: $?"
mkdir -p a/b/c
rmdir -p a/b/c
echo "-p: $?"
mkdir -p p/q/r
touch p/other
rmdir -p p/q/r 2>/dev/null
echo "-p stops: $?"
ls p
mkdir -p s/t
rmdir s/t/
echo "trailing slash: $?"
ls
