# tee: standard output plus files, truncation, -a, no file operand,
# unopenable files that do not stop the copy, empty and binary input.
LC_ALL=C
export LC_ALL
echo old >f1
printf 'hello\nworld\n' | tee f1 f2
cat f1 f2
printf 'more\n' | tee -a f1
cat f1
printf 'just stdout\n' | tee
printf '' | tee empty
wc -c empty
mkdir dir
printf 'copy\n' | tee f3 dir f4 2>/dev/null
echo "partial rc=$?"
cat f3 f4
printf 'no newline' | tee f5
echo
cat f5
echo
printf '\000\377\n' | tee bin | hexdump -C
hexdump -C bin
