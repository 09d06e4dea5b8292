# du: -s prints one line ending in the operand, the default prints every
# directory after its contents, -a the files too (block counts differ
# between file systems: only the names are shown).
LC_ALL=C
export LC_ALL
mkdir -p d/e/f
echo data >d/e/f/file
ln -s file d/e/f/lnk
ln -s ../../.. d/e/loop
names() {
	while read size name; do
		echo "$name"
	done
}
du -s d | names
du -sk d | names
du d/e/f/file | names
du d | names
echo "== -a"
mkdir -p a/b
echo x >a/b/only
du -a a | names
du -s d a | names
du missing 2>/dev/null
echo "missing: $?"
du -s d missing 2>/dev/null | names
