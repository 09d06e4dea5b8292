# sync: always succeeds without operands; with files, syncs each.
touch f
sync
echo "sync: $?"
sync f
echo "sync file: $?"
sync missing 2>/dev/null
echo "missing: $?"
