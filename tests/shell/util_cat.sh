# cat: files, "-" for standard input, empty and unterminated files, long
# lines, binary bytes, and errors (missing file, directory) that do not stop
# the files after them.
LC_ALL=C
export LC_ALL
printf 'one\ntwo\n' >a
printf 'no newline' >b
: >empty
cat a
cat a b a
echo
cat empty
echo "empty rc=$?"
printf 'from stdin\n' | cat
printf 'middle\n' | cat a - b
echo
printf 'dash only\n' | cat -
cat -u a
cat -- a
cat nonexistent 2>/dev/null
echo "missing rc=$?"
cat a nonexistent b 2>/dev/null
echo
echo "partial rc=$?"
mkdir dir
cat dir 2>/dev/null
echo "dir rc=$?"
s=x
i=0
while [ $i -lt 13 ]; do
	s=$s$s
	i=$((i + 1))
done
printf '%s\n' "$s" >long
cat long long >long2
wc -c long2
printf '\000\001\377\n' >bin
cat bin bin | hexdump -C
cat <a
