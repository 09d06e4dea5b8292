#!/bin/sh
# Check that the Debian packages the build needs are installed; install
# the missing ones when root, else print the apt-get line and fail.
# usage: tools/deps.sh PACKAGE...
set -eu
missing=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null |
	awk '$2 != "ii" { print $1 }')
# Packages dpkg has never heard of are not listed at all.
for p in "$@"; do
	dpkg-query -W -f='${Package}\n' "$p" >/dev/null 2>&1 || missing="$missing $p"
done
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -z "${missing% }" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages: $missing" >&2
	echo "deps: run as root: apt-get update && apt-get install -y $missing" >&2
	exit 1
fi
echo "deps: installing $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
