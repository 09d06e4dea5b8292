# sh_bg.sh - background commands, $! and wait.
echo first > a.txt &
wait
cat a.txt
sleep 0.2 && echo "slept" &
echo "before wait"
wait
echo "after wait"
(sleep 0.1; exit 3) &
p=$!
wait $p
echo "wait pid: $?"
sh -c 'exit 4' &
q=$!
sleep 0.2
wait $q
echo "wait finished pid: $?"
for i in 1 2 3; do (sleep 0.1; echo "job $i" > job$i.txt) & done
wait
cat job1.txt job2.txt job3.txt
echo a | cat > pipe-bg.txt &
wait
cat pipe-bg.txt
false &
wait
echo "wait all: $?"
# a background job does not block the next command
sleep 1 &
echo "not blocked"
wait
true & false & wait
echo done
