# test and [ (through env, so the utilities run, not shell builtins):
# file primaries, strings, integers, !, -a, -o, parentheses, POSIX's
# rules by argument count, the closing "]" and errors (status 2).
LC_ALL=C
export LC_ALL
t() {
	env test "$@"
	echo "test $*: $?"
}
b() {
	env [ "$@"
	echo "[ $*: $?"
}
printf 'data\n' >file
: >empty
mkdir dir
chmod 755 file
t -e file
t -e nonexistent
t -f file
t -f dir
t -d dir
t -d file
t -s file
t -s empty
t -s nonexistent
t -r file
t -w file
t -x dir
t -x nonexistent
t -z ''
t -z x
t -n ''
t -n x
t abc
t ''
t
t a = a
t a = b
t a != b
t a != a
t 5 -eq 5
t 5 -eq 6
t 5 -ne 6
t 3 -lt 4
t 4 -lt 4
t 4 -le 4
t 5 -gt 4
t 4 -gt 4
t 4 -ge 4
t -3 -lt 2
t ' 7 ' -eq 7
t 010 -eq 10
t ! -e nonexistent
t ! a = a
t ! ''
t ! x
t -e file -a -d dir
t -e file -a -d file
t -e nonexistent -o -d dir
t -e nonexistent -o -d file
t '(' a = a ')'
t '(' '' ')'
t '(' -n x ')'
t ! '(' a = b ')'
t '(' a = a -o a = b ')' -a '(' 1 -lt 2 ')'
t a = b -o c = c -a d = e
t a = a -o c = c -a d = e
t ! a = b -a ! c = d
t = = =
t ! = x
t -n -a -n
t -z -o -z
t '(' ')'
t x -a ''
t x -o ''
t a -eq 1 2>/dev/null
t 1 -eq '' 2>/dev/null
t a b 2>/dev/null
t a b c 2>/dev/null
t '(' a 2>/dev/null
b -f file ]
b -d file ]
b a = a ]
b ]
b x ]
b '' ]
b ! -z x ]
b '(' 1 -lt 2 ')' -a -n x ]
b a = a 2>/dev/null
b 2>/dev/null
