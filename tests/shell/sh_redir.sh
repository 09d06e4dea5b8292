# sh_redir.sh - redirections: < > >> 2> 2>&1 >&2, on builtins and compounds.
echo one > f
echo two >> f
cat f
cat < f | wc -l
echo three > f
cat f
> empty
wc -c < empty
ls nosuchfile 2> err.txt
echo "ls status $?"
grep -c nosuchfile err.txt
ls nosuchfile > both.txt 2>&1
grep -c nosuchfile both.txt
echo to-stderr >&2 2>/dev/null
( echo to-stderr >&2 ) 2> e2.txt
cat e2.txt
echo order 2>&1 > o.txt
cat o.txt
echo x >o1.txt >o2.txt
cat o1.txt; wc -c < o2.txt
# redirection failures: status 1, command not run
cat < nosuchinput 2>/dev/null
echo "missing input: $?"
echo "should not appear" > nodir/file 2>/dev/null
echo "bad output dir: $?"
ls nodir 2>/dev/null; echo "nodir: $?"
# builtins with redirections, and the shell's own output after them
pwd > p.txt
wc -l < p.txt
cd nosuchdir 2> cderr.txt
echo "cd status $?"
wc -l < cderr.txt
echo back on stdout
# compound commands
for i in 1 2 3; do echo "i$i"; done > loop.txt
cat loop.txt
while read l; do echo "read $l"; done < loop.txt
if true; then echo in-if; fi >> loop.txt
tail -n 1 loop.txt
(echo sub1; echo sub2) > sub.txt
cat sub.txt
# descriptors other than 0 1 2
echo via3 3> three.txt >&3
cat three.txt
cat 4< f <&4
# append keeps existing data
printf 'a\n' > ap.txt; printf 'b\n' >> ap.txt; printf 'c\n' >> ap.txt
cat ap.txt
# a redirection alone creates/truncates the file
echo data > t.txt
> t.txt
wc -c < t.txt
# quoted and expanded file names
name=out
echo expanded > "$name file.txt"
cat "out file.txt"
echo closing 2>&-
echo "closed stderr ok"
