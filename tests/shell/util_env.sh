# env: printing the environment, NAME=VALUE assignments, -i, -u, running
# a command through PATH with its arguments and status, commands that do
# not exist (127).
LC_ALL=C
export LC_ALL
UTIL_ENV_TEST=present
export UTIL_ENV_TEST
env | grep '^UTIL_ENV_TEST='
env UTIL_ENV_TEST=changed | grep '^UTIL_ENV_TEST='
env NEW_ONE=1 NEW_TWO='two words' | grep '^NEW_' | sort
env -u UTIL_ENV_TEST | grep -c '^UTIL_ENV_TEST='
me=$(command -v env)
env -i "$me"
echo "empty rc=$?"
env -i A=1 B=2 "$me"
env -i A=1 "$me" B=3
env - C=4 "$me"
env -i A=x=y "$me"
env FOO=bar sh -c 'echo "FOO is $FOO"'
env sh -c 'exit 3'
echo "command rc=$?"
env true
echo "true rc=$?"
env false
echo "false rc=$?"
env echo one two three
env -- echo after dashes
env no-such-command-here 2>/dev/null
echo "missing rc=$?"
env UTIL_ENV_TEST=x sh -c 'echo $UTIL_ENV_TEST'
echo "$UTIL_ENV_TEST"
