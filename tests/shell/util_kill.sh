# kill: -s NAME, -NAME, -N, -0, the default TERM, bad signals and pids,
# kill -l NUMBER. kill is a shell builtin: the program is found on PATH.
# (Not INT: a non-interactive shell starts background jobs ignoring it.)
K=
IFS=:
for d in $PATH; do
	if [ -x "$d/kill" ]; then
		K=$d/kill
		break
	fi
done
unset IFS
sleep 100 &
p=$!
$K $p
wait $p
echo "default: $?"
sleep 100 &
p=$!
$K -s KILL $p
wait $p
echo "-s KILL: $?"
sleep 100 &
p=$!
$K -HUP $p
wait $p
echo "-HUP: $?"
sleep 100 &
p=$!
$K -s USR1 $p
wait $p
# SIGUSR1's number is the system's own (POSIX fixes only a few): 128 + it
[ $? -gt 128 ] && echo "-s USR1: killed"
sleep 100 &
p=$!
$K -0 $p
echo "-0 alive: $?"
$K -9 $p
wait $p
echo "-9: $?"
sleep 100 &
p=$!
$K -SIGTERM -- $p
wait $p
echo "-SIGTERM --: $?"
$K -0 99999999 2>/dev/null
echo "no such pid: $?"
$K -BOGUS 1 >/dev/null 2>&1
echo "bad signal: $?"
$K >/dev/null 2>&1
echo "no operands: $?"
$K -l 9
$K -l 15
$K -l 1
$K -l 2
