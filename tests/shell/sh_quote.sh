# sh_quote.sh - quoting: '...', "...", backslashes, empty words, field splitting.
echo 'single $HOME "double" \n \'
echo "double 'single' \$ \" \\ \` end"
echo "a\b\c"
echo a\ b\\c\$d\'e\"f
echo ''
echo "" "" | wc -c
echo ''x'' "y"z 'a'"b"c
X='one  two   three'
echo $X
echo "$X"
printf '[%s]\n' $X
printf '[%s]\n' "$X"
printf '[%s]\n' "$X"$X
E=
printf '[%s]\n' $E "$E" a$E
printf '[%s]\n' "x $E y"
echo "multi
line"
echo 'multi
line single'
echo "escaped \
newline"
echo 'not \
escaped'
echo tab"	"tab | wc -c
echo '#not a comment' "#nor this" x#y
echo "$"  'end$' "a$"
echo "${X}suffix" "$X"suffix
Y="with 'quotes' inside"
echo "$Y"
Z='$X'
echo "$Z" $Z
echo "nested \"quotes\" here"
printf '%s\n' 'it'\''s'
echo "semi;colon" 'pipe|amp&' "less<greater>" 'paren()'
echo \# \; \& \| \< \> \( \)
