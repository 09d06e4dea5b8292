# ls: sorted names, -a, -1, -d, several operands (files first, then each
# directory under a header), symlinks followed or not, -l mode, links and
# name (dates, sizes and owners differ between systems: filtered out).
LC_ALL=C
export LC_ALL
umask 022
mkdir d e empty
touch b a C .hidden _x d/y d/x e/z
ln -s a lnk
ln -s nowhere dangling
ln -s d dlink
echo "== plain"
ls
echo "== -1"
ls -1
echo "== -a"
ls -a
echo "== -a dir"
ls -a d
echo "== empty dir"
ls empty
echo "== -d"
ls -d d e a
echo "== -d no operand"
ls -d
echo "== operands"
ls b d a e
echo "== one dir"
ls d
echo "== link to dir followed, dangling link listed"
ls dlink dangling
echo "== missing operand, others still listed"
ls a missing d 2>/dev/null
echo "status $?"
echo "== -l"
chmod 640 a
chmod 755 b
chmod 4755 C
chmod 1777 e
ls -l a b C | while read mode links rest; do echo "$mode $links"; done
ls -ld e | while read mode links rest; do echo "$mode"; done
ls -ld d empty | while read mode links rest; do echo "$mode $links"; done
echo "== -l names and link targets"
for f in a lnk dangling dlink; do
	set -- $(ls -l $f)
	shift 8
	echo "$*"
done
echo "== -l of a directory"
ls -l d | while read mode links u g size m dd t name; do
	case $mode in
	total) echo total ;;
	*) echo "$mode $links $name" ;;
	esac
done
echo "== -l several operands"
ls -l a d e | while read mode links u g size m dd t name; do
	case $mode in
	total) echo total ;;
	*) echo "$mode $links $name" ;;
	esac
done
echo "== -la"
ls -la d | while read mode links u g size m dd t name; do
	case $mode in
	total) ;;
	*) echo "$name" ;;
	esac
done
