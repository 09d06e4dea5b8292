# uname: each field non-empty, fields in the fixed order whatever the
# options' order, -a beginning with the five POSIX fields, bad usage. The
# values themselves differ between systems, so only their relations are
# compared (the machine is x86_64 on both).
s=$(uname -s) n=$(uname -n) r=$(uname -r) v=$(uname -v)
[ "$(uname)" = "$s" ] && echo "no option is -s"
for o in s n r v m; do
	[ -n "$(uname -$o)" ] && echo "-$o non-empty"
done
uname -m
[ "$(uname -sm)" = "$s $(uname -m)" ] && echo "-sm joins"
[ "$(uname -m -s)" = "$s $(uname -m)" ] && echo "order is fixed"
[ "$(uname -n -s -r)" = "$s $n $r" ] && echo "-nsr gives -snr"
[ "$(uname -snrvm)" = "$s $n $r $v $(uname -m)" ] && echo "-snrvm"
all=$(uname -a)
five=$(uname -snrvm)
case "$all" in
"$five"*) echo "-a starts with -snrvm" ;;
*) echo "-a is '$all'" ;;
esac
uname -z >/dev/null 2>&1
echo "bad option: $?"
uname extra >/dev/null 2>&1
echo "operand: $?"
