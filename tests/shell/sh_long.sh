# sh_long.sh - long lines, long words and many arguments.
x=0123456789abcdef
x=$x$x$x$x$x$x$x$x
x=$x$x$x$x$x$x$x$x
x=$x$x$x$x$x$x$x$x
x=$x$x$x$x$x$x$x$x
echo "$x" | wc -c
printf 'echo %s\n' "$x" > long.sh
wc -c < long.sh
sh long.sh | wc -c
printf 'echo %s %s | wc -c\n' "$x" "$x" > long2.sh
sh long2.sh
w='w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w'
w="$w $w $w $w $w $w $w $w"
w="$w $w $w $w $w $w $w $w"
printf '%s\n' $w | wc -l
echo $w $w $w $w | wc -w
sh -c 'echo $#' n $w | head -n 1
