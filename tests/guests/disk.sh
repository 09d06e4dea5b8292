#!/bin/sh
# tests/guests/disk.sh FILE SECTORS TAG [FIRST LAST TAG2]...: write the disk
# image the device test guests expect (tests/guests/ide.c, virtio_blk.c):
# sector k is 32 records of 16 bytes, record i the text "T sec KKKKKK II\n"
# with T = TAG, or TAG2 for sectors FIRST-LAST (what a guest wrote there,
# for the image a run must leave behind).
set -eu
f=$1 n=$2 t=$3
shift 3
awk -v n="$n" -v t="$t" -v w="$*" 'BEGIN {
	m = split(w, a, " ")
	for (k = 0; k < n; k++) {
		c = t
		for (j = 1; j + 2 <= m; j += 3)
			if (k >= a[j] + 0 && k <= a[j + 1] + 0)
				c = a[j + 2]
		for (i = 0; i < 32; i++)
			printf "%s sec %06d %02d\n", c, k, i
	}
}' >"$f"
