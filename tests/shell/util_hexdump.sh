# hexdump -C: util-linux's canonical layout for full and partial lines,
# repeated lines ("*"), binary bytes, empty input, several files read as
# one stream, standard input, -n and -s, missing files.
LC_ALL=C
export LC_ALL
printf 'hello\n' | hexdump -C
printf '' | hexdump -C
echo "empty rc=$?"
printf '0123456789abcdef' | hexdump -C
printf '0123456789abcdefg' | hexdump -C
printf '01234567' | hexdump -C
printf '012345678' | hexdump -C
printf '\000\001\002\037 ~\177\200\377\t\n\r' | hexdump -C
printf '0123456789abcdef0123456789abcdef0123456789abcdefxyz' | hexdump -C
printf '0123456789abcdef0123456789abcdef0123456789abcdef' | hexdump -C
printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaBBaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n' | hexdump -C
printf 'abc' >a
printf 'defghijklmnopqrstuvwxyz' >b
hexdump -C a b
hexdump -C -n 5 b
hexdump -C -s 3 b
hexdump -C -s 2 -n 4 b
hexdump -C nonexistent 2>/dev/null
echo "missing rc=$?"
i=0
s=0123456789ABCDEF
while [ $i -lt 8 ]; do
	s=$s$s
	i=$((i + 1))
done
printf '%sTAIL' "$s" | hexdump -C
hexdump -C -s 5 a
hexdump -C -n 0 a
echo "no bytes rc=$?"
hexdump -C a nonexistent a 2>/dev/null
echo "partial rc=$?"
