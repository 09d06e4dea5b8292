# true and false (through env, so the utilities run, not shell builtins):
# the statuses, with and without arguments.
LC_ALL=C
export LC_ALL
env true
echo "true: $?"
env true ignored arguments
echo "true args: $?"
env false
echo "false: $?"
env false ignored arguments
echo "false args: $?"
if env true; then echo yes; else echo no; fi
if env false; then echo yes; else echo no; fi
env true | env false
echo "pipeline: $?"
