# sleep: integer, fractional and suffixed intervals, several operands,
# zero, and invalid intervals (status 1, nothing on standard output).
LC_ALL=C
export LC_ALL
sleep 0
echo "zero: $?"
sleep 1
echo "one: $?"
sleep 0.2
echo "fraction: $?"
sleep .1
echo "leading point: $?"
sleep 0.1 0.1
echo "two operands: $?"
sleep 0.05s
echo "suffix: $?"
sleep 0.001m
echo "minutes: $?"
sleep abc 2>/dev/null
echo "invalid: $?"
sleep 2>/dev/null
echo "missing: $?"
sleep 1x 2>/dev/null
echo "bad suffix: $?"
sleep -1 2>/dev/null
echo "negative: $?"
echo done
