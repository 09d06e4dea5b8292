# sh_vars.sh - variables, special parameters, export and the environment.
A=1
echo "A=$A ${A} [${A}x] [$Ax]"
A=2 B=3
echo "$A $B"
unset A
echo "unset: [$A]"
echo "${A-dflt} ${A:-dflt2} ${B+set} ${B:+set2} [${A+x}]"
E=
echo "[${E-d1}] [${E:-d2}]"
echo "${C=assigned} $C"
echo "len ${#B} ${#C}"
# not exported: children do not see it
L=local
sh -c 'echo "child sees [$L]"'
export L
sh -c 'echo "after export [$L]"'
export M=exported
sh -c 'echo "child sees M=$M"'
env | grep '^M='
# assignment before a command is for that command only
N=temp sh -c 'echo "N in child: $N"'
echo "N in shell: [$N]"
M=override sh -c 'echo "M in child: $M"'
echo "M in shell: $M"
N=1 O=2 env | grep '^[NO]=' | sort
# exported variables changed later are passed on changed
M=changed
sh -c 'echo "M now: $M"'
unset M
sh -c 'echo "M unset: [$M]"'
# special parameters
sh -c 'echo "count $#: $1 $2 $3"' name a b c
sh -c 'echo "zero: $0"' myname
sh -c 'echo "at: $@"; for x in "$@"; do echo "[$x]"; done' n 'a b' c
sh -c 'for x in $*; do echo "<$x>"; done' n 'a b' c
sh -c 'echo "star: $*"' n 1 2 3
sh -c 'printf "(%s)" "$@"; echo' n
sh -c 'echo "${1}${2}" ${3-none}' n x y
test "$$" -gt 0 && echo "pid ok"
sh -c 'test "$$" -gt 0' && echo "child pid ok"
printf 'echo "script $0 has $# args: $1 $2"\necho "all: $*"\nshift\necho "after shift: $1"\n' > args.sh
sh args.sh first second
sh ./args.sh 'with space' x | head -n 1 | grep -c 'with space'
sh -c 'set -- p q r; echo "$# $2"'
# variable in a command name and as arguments
CMD=echo
$CMD "cmd from var"
ARGS='-n x'
printf '%s|' $ARGS; echo
# $? and $# in various places
false
echo "status $? again $?"
echo "$#"
# HOME and cd
mkdir -p h/sub
HOME=$PWD/h
cd
pwd | grep -c '/h$'
cd sub && pwd | grep -c 'h/sub$'
cd ..
cd -  > /dev/null; pwd | grep -c 'sub$'
