# mkdir: plain, existing (error), -p with existing and missing parts,
# trailing slashes, -m, modes under a restrictive umask, failures going on.
LC_ALL=C
export LC_ALL
umask 022
mkdir a
echo "mkdir: $?"
mkdir a 2>/dev/null
echo "existing: $?"
mkdir -p a
echo "-p existing: $?"
mkdir -p a/b/c
echo "-p parts exist: $?"
mkdir -p a/b/c/d/e
echo "-p deeper: $?"
ls a a/b a/b/c a/b/c/d
mkdir -p x/y/
echo "trailing slash: $?"
ls x
mkdir -p ./q//r
echo "double slash: $?"
ls q
mkdir nope/child 2>/dev/null
echo "missing parent: $?"
touch f
mkdir -p f/g 2>/dev/null
echo "-p through a file: $?"
mkdir f 2>/dev/null
echo "onto a file: $?"
mkdir s1 a s2 2>/dev/null
echo "continue: $?"
ls -d s1 s2
mkdir -m 700 m
ls -ld m | while read mode rest; do echo "$mode"; done
mkdir -m 755 m2
ls -ld m2 | while read mode rest; do echo "$mode"; done
umask 277
mkdir -p u1/u2
umask 022
ls -ld u1 u1/u2 | while read mode rest; do echo "$mode"; done
mkdir 2>/dev/null
echo "no operands: $?"
