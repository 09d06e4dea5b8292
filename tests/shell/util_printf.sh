# printf (through env, so the utility runs, not the shell builtin): the
# conversions, flags, widths, escapes, reuse of the format, missing and
# bad arguments.
LC_ALL=C
export LC_ALL
env printf 'plain\n'
env printf '%s|%s\n' a b
env printf '%s\n' one two three
env printf '%s-%s\n' a b c
env printf '%d %i %u\n' 42 -7 17
env printf '%x %X %o\n' 255 255 8
env printf '%5d|%-5d|%05d\n' 3 3 3
env printf '%.2s|%10s|%-10s|\n' abcdef right left
env printf '%c%c%c\n' apple banana cherry
env printf '%%|%s%%\n' 50
env printf 'tab\there\\back\n'
env printf '\101\102\103\n'
env printf '%d\n' "'A"
env printf '%d %s\n'
env printf '%s\n'
env printf 'no arguments used\n' extra ignored
env printf '%x\n' 0x1f
env printf '%o\n' 010
env printf '%+d % d\n' 5 5
env printf '%#x %#o\n' 255 8
env printf 'a\cb\n'
echo
env printf '%d\n' abc 2>/dev/null
echo "bad number rc=$?"
env printf '%d\n' 12abc 2>/dev/null
echo "partial number rc=$?"
env printf 2>/dev/null
echo "no format rc=$?"
env printf '%u\n' -1
env printf '%s' 'no newline at end' | wc -c
