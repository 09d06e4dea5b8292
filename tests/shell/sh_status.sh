# sh_status.sh - exit statuses: $?, && || !, exit, 126/127, signals.
false; echo "false: $?"
true; echo "true: $?"
true && echo y || echo n
false && echo y || echo n
false || false || echo "third"
true && false && echo never
echo "and-chain: $?"
! true; echo "not true: $?"
! false; echo "not false: $?"
false | true; echo "pipe last true: $?"
true | false; echo "pipe last false: $?"
sh -c 'exit 3'; echo "exit 3: $?"
sh -c 'exit 300'; echo "exit 300: $?"
sh -c 'false; exit'; echo "exit no arg after false: $?"
sh -c 'true; exit'; echo "exit no arg after true: $?"
sh -c 'false'; echo "last command: $?"
(exit 7); echo "subshell: $?"
(false; true); echo "subshell last: $?"
nosuchcommand_xyz 2>/dev/null; echo "not found: $?"
./nosuchfile 2>/dev/null; echo "no such path: $?"
printf 'data\n' > notexec
./notexec 2>/dev/null; echo "not executable: $?"
mkdir adir
./adir 2>/dev/null; echo "directory: $?"
PATH=/nonexistent nosuch 2>/dev/null; echo "empty path: $?"
# a writer killed by SIGPIPE: 128 + 13
echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx > big
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do cat big big > big2; mv big2 big; done
(cat big; echo "cat status $?" > st.txt) | head -n 1 | wc -l
cat st.txt
# status of the script is the last command's
sh -c 'echo one; false'; echo "script-like: $?"
printf 'echo in-script\nfalse\n' > s1.sh
sh s1.sh; echo "sh file: $?"
printf 'exit 5\necho unreachable\n' > s2.sh
sh s2.sh; echo "sh file exit: $?"
sh ./missing-script.sh 2>/dev/null; echo "missing script: $?"
sh -c 'exit 2>/dev/null'; echo "exit in -c: $?"
false
