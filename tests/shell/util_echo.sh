# echo (run through env so that the utility, not a shell builtin, runs):
# arguments joined by single spaces, -n, empty arguments, option-like
# words after the first argument.
LC_ALL=C
export LC_ALL
env echo hello world
env echo
env echo ''
env echo '' ''
env echo -n no newline
env echo
env echo -n
env echo 'a  b' c
env echo one -n two
env echo -- dashes
env echo -x
env echo '*' '$HOME'
env echo -n -n twice
echo
env echo a | wc -c
