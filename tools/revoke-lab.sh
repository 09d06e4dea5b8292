#!/bin/bash
# Run apps/revoke-lab's revocation scenarios under QEMU and turn what they
# print into CSV files and PNG plots (bash, awk and gnuplot only).
#
#   tools/revoke-lab.sh [SCENARIO...]    default: every scenario below
#
# For each scenario: an ISO with the kernel (command line "test mem=LAB_MEM")
# and revoke-lab boot modules ("lab SCENARIO" first: it holds the root
# capability, then the workers), a virtio disk of LAB_DISK MiB freshly
# formatted by build/tools/exodisk (each worker that uses the disk attaches
# with a key of its own), one QEMU boot with the options of
# tools/run-tests.sh, and in $OUT (build/revoke-lab):
#   SCENARIO.log          the serial console
#   SCENARIO-held.csv     t_us,env,name,frames        frames each env owns over time
#   SCENARIO-blocks.csv   t_us,env,name,blocks,paged  disk blocks each env's owner
#                         holds, pages a pager has out (envs with a disk owner)
#   SCENARIO-revoke.csv   one row per revocation request (lab.c documents the columns)
#   SCENARIO-workers.csv  each worker's own counts and its end-of-run check
#   SCENARIO-held.png     frames held per env over time
#   SCENARIO-disk.png     blocks held (and pages out) per env over time, if any
# and over all scenarios run: revoke.csv, latency.png, summary.txt, checks.txt.
#
# Environment:
#   ICOUNT=0      (default) QEMU's -icount shift=0,sleep=off: the guest's clock
#                 counts instructions (1 ns each), so timings do not depend on
#                 how busy the host is and a run is reproducible. ICOUNT= (empty)
#                 boots on the host's wall clock exactly as run-tests.sh does.
#   LAB_MEM=64    MiB of RAM the kernel uses (mem=): the frame table the lab
#                 scans every sample, and what "pressure" fills
#   LAB_DISK=64   MiB of the disk (exodisk format); removed after the run
#   ACCEL SMP MEM as for run-tests.sh (tcg, 2, 512M); TIMEOUT=600 s per boot
#   OUT           where the results go
#   REPLOT=1      do not boot: draw again from the logs already in $OUT
set -u
cd "$(dirname "$0")/.." || exit 2
B=build
OUT=${OUT:-$B/revoke-lab}
ICOUNT=${ICOUNT-0}
LAB_MEM=${LAB_MEM:-64}
LAB_DISK=${LAB_DISK:-64}
TIMEOUT=${TIMEOUT:-600}
ALL=(compliant slow stubborn sleeper mixed pressure pager swapper blocks)

# The boot modules of each scenario after "lab SCENARIO": role and what it
# holds (frames), then its own argument (slow: ms asleep in its upcall;
# sleeper: ms per sleep; pressure: goal, N% of the free frames), and
# blocks=N (disk blocks it holds), swap=N (the swapper's swap area) or
# nap=MS (naps of MS ms; "quick" is tests/integration/revoke_lab.test's).
modules_of() {
	case $1 in
	compliant) echo "compliant 9000" ;;
	slow) echo "slow 900 20" ;;
	stubborn) echo "stubborn 3000" ;;
	sleeper) echo "sleeper 800 250" ;;
	mixed) printf '%s\n' "compliant 1000" "slow 800 20" "stubborn 600" "sleeper 400 250" ;;
	pressure) for i in 1 2 3 4 5 6; do echo "pressure-$i 30%"; done ;;
	pager) printf '%s\n' "pager 1100" "compliant 2400" ;;
	swapper) printf '%s\n' "swapper 600 swap=128" "stubborn 600" ;;
	blocks) printf '%s\n' "compliant 64 blocks=3000" "stubborn 64 blocks=3000" ;;
	quick) printf '%s\n' "compliant 64 blocks=64 nap=19" "stubborn 64 blocks=64 nap=23" \
		"pager 64 nap=17" "swapper 64 swap=32 nap=29" ;;
	*) return 1 ;;
	esac
}

for f in "$B/kernel/kernel.elf" "$B/apps/revoke-lab" "$B/tools/exodisk"; do
	[ -f "$f" ] || { echo "revoke-lab.sh: $f missing: run make first" >&2; exit 2; }
done
command -v gnuplot >/dev/null || { echo "revoke-lab.sh: gnuplot missing (gnuplot-nox)" >&2; exit 2; }
if gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo; then
	TERM_PNG="pngcairo enhanced font 'DejaVu Sans,10'"
else
	TERM_PNG="png enhanced font 'DejaVu Sans,10'"
fi
mkdir -p "$OUT"
scenarios=("$@")
[ ${#scenarios[@]} = 0 ] && scenarios=("${ALL[@]}")
icount=()
[ -n "$ICOUNT" ] && icount=(-icount "shift=$ICOUNT,sleep=off")
clock="wall clock"
[ -n "$ICOUNT" ] && clock="virtual clock, -icount shift=$ICOUNT"

# run SCENARIO: boot it; 0 if QEMU ended with status 1 (the lab's
# exo_debug_exit(0)) and the lab printed its last line.
run() {
	local s=$1 mods=() m
	while IFS= read -r m; do mods+=("$B/apps/revoke-lab=$m"); done < <(modules_of "$s")
	if ! tools/mkiso.sh "$OUT/$s.iso" "$B/kernel/kernel.elf" "test mem=$LAB_MEM" \
		"$B/apps/revoke-lab=lab $s" "${mods[@]}"; then
		echo "revoke-lab.sh: $s: cannot build the ISO" >&2
		return 1
	fi
	if ! "$B/tools/exodisk" format "$OUT/$s.img" "$LAB_DISK" >"$OUT/$s.disk.log" 2>&1; then
		echo "revoke-lab.sh: $s: cannot format the disk:" >&2
		cat "$OUT/$s.disk.log" >&2
		return 1
	fi
	local start=$SECONDS rc
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
		-machine pc -accel "${ACCEL:-tcg}" -cpu max -smp "${SMP:-2}" -m "${MEM:-512M}" \
		-display none -no-reboot -monitor none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "${icount[@]}" \
		-drive "file=$OUT/$s.img,if=virtio,format=raw,cache=unsafe" \
		-cdrom "$OUT/$s.iso" -boot d </dev/null 2>"$OUT/$s.qemu.err" |
		tr -d '\r' >"$OUT/$s.log"
	rc=${PIPESTATUS[0]}
	rm -rf "$OUT/$s.iso" "$OUT/$s.iso.stage" "$OUT/$s.iso.log" "$OUT/$s.img" "$OUT/$s.disk.log"
	if [ "$rc" != 1 ] || ! grep -q '^CSV end,' "$OUT/$s.log"; then
		echo "revoke-lab.sh: $s: QEMU exit status $rc (expected 1); last lines:" >&2
		tail -n 15 "$OUT/$s.log" >&2
		return 1
	fi
	echo "$s: $((SECONDS - start)) s"
}

# csv SCENARIO: split the CSV lines of its log into files.
csv() {
	local s=$1 log=$OUT/$1.log
	{
		echo "t_us,env,name,frames"
		awk -F, '/^CSV held,/ { sub(/^CSV held,/, ""); print }' "$log"
	} >"$OUT/$s-held.csv"
	{
		echo "t_us,env,name,blocks,paged"
		awk '/^CSV blocks,/ { sub(/^CSV blocks,/, ""); print }' "$log"
	} >"$OUT/$s-blocks.csv"
	{
		echo "t_us,env,name,cause,by,requested,deadline_us,returned,repossessed,latency_us,outcome,slices,resource,saved"
		awk '/^CSV revoke,/ { sub(/^CSV revoke,/, ""); print }' "$log"
	} >"$OUT/$s-revoke.csv"
	{
		echo "env,name,held,upcalls,returned,repossessed,eagain,blocks,paged,bupcalls,breturned,restored,intact,lost,bad,checked"
		awk '/^CSV worker,/ { sub(/^CSV worker,/, ""); print }' "$log"
	} >"$OUT/$s-workers.csv"
}

# plot_env SCENARIO WHAT: one step line per env over time (gnuplot blocks,
# one per env, in the order of the "CSV env" lines) and a mark where each
# request ended. WHAT is "held" (frames each env owns, from the CSV held
# lines, the free pool on the right axis, frame requests) or "disk" (blocks
# each env's disk owner holds, from the CSV blocks lines, block requests);
# a scenario with no CSV blocks line has no disk plot.
plot_env() {
	local s=$1 what=$2 log=$OUT/$1.log tag resource ylab
	if [ "$what" = held ]; then
		tag="CSV held" resource=frames ylab="frames owned (4 KiB each)"
	else
		tag="CSV blocks" resource=blocks ylab="disk blocks its owner holds (4 KiB each)"
		grep -q '^CSV blocks,' "$log" || return 0
	fi
	awk -F, -v tag="$tag" -v what="$what" '
	/^CSV env,/ { order[++n] = $2; name[$2] = $3 }
	index($0, tag ",") == 1 { pts[$3] = pts[$3] sprintf("%.3f %d\n", $2 / 1000, $5) }
	END {
		for (i = 1; i <= n; i++)
			if (order[i] in pts)
				printf "# %s\n%s\n\n", name[order[i]], pts[order[i]]
		if (what == "held")
			printf "# free\n%s\n\n", pts[0]
	}
	' "$log" >"$OUT/$s-$what.dat"
	local names
	names=$(awk -F, -v tag="$tag" '
		/^CSV env,/ { order[++n] = $2; name[$2] = $3 }
		index($0, tag ",") == 1 { has[$3] = 1 }
		END { for (i = 1; i <= n; i++) if (order[i] in has) printf "%s ", name[order[i]] }' "$log")
	# Where each request ended: the env's count at the next sample (within
	# 6 ms: one sample period and a tick).
	awk -F, -v tag="$tag" -v resource="$resource" '
	index($0, tag ",") == 1 { n[$3]++; t[$3, n[$3]] = $2; v[$3, n[$3]] = $5 }
	/^CSV revoke,/ && $14 == resource { r++; rt[r] = $2 + $11; re[r] = $3; ro[r] = $12; rs[r] = $15 }
	END {
		for (i = 1; i <= r; i++) {
			if (ro[i] == "open")
				continue
			e = re[i]; y = 0
			for (k = 1; k <= n[e] && t[e, k] <= rt[i] + 6000; k++)
				y = v[e, k]
			code = ro[i] == "returned" ? 0 : rs[i] > 0 ? 3 : ro[i] == "partial" ? 1 : 2
			printf "%.3f %d %d\n", rt[i] / 1000, y, code
		}
	}' "$log" >"$OUT/$s-$what-marks.dat"
	local about
	about=$(sed -n "s/^revoke-lab: scenario $s: //p" "$log" | head -n 1)
	gnuplot -e "term_png=\"$TERM_PNG\"; out='$OUT/$s-$what.png'; data='$OUT/$s-$what.dat'" \
		-e "marks='$OUT/$s-$what-marks.dat'; nmarks=$(wc -l <"$OUT/$s-$what-marks.dat")" \
		-e "names='$names'; ylab='$ylab'; with_free=$([ "$what" = held ] && echo 1 || echo 0)" \
		-e "heading=\"revoke-lab $s: $about\\n($clock, ${SMP:-2} CPUs, mem=$LAB_MEM MiB, disk $LAB_DISK MiB)\"" \
		tools/revoke-lab-held.gp
}

for s in "${scenarios[@]}"; do
	if ! modules_of "$s" >/dev/null; then
		echo "revoke-lab.sh: no scenario $s (have: ${ALL[*]} quick)" >&2
		exit 2
	fi
done
ok=()
for s in "${scenarios[@]}"; do
	if [ -n "${REPLOT:-}" ] && grep -q '^CSV end,' "$OUT/$s.log" 2>/dev/null || run "$s"; then
		csv "$s"
		plot_env "$s" held
		plot_env "$s" disk
		ok+=("$s")
	fi
done
[ ${#ok[@]} = 0 ] && exit 1

# All requests of all scenarios run, one category per scenario, worker role,
# resource, size and deadline (the kernel's own pressure requests form one
# category per scenario), in the order they first appear.
{
	echo "scenario,t_us,env,name,cause,by,requested,deadline_us,returned,repossessed,latency_us,outcome,slices,resource,saved"
	for s in "${ok[@]}"; do
		tail -n +2 "$OUT/$s-revoke.csv" | sed "s/^/$s,/"
	done
} >"$OUT/revoke.csv"
awk -F, -v ytics="$OUT/latency-ytics.gp" -v dl="$OUT/latency-deadlines.dat" '
NR == 1 { next }
{
	role = $4; sub(/-[0-9]*$/, "", role)
	who = role == $1 ? "" : role ", "
	if ($5 == "pressure")
		key = sprintf("%s: kernel (memory pressure), %d ms", $1, $8 / 1000 + 0.5)
	else
		key = sprintf("%s: %s%d %s, %d ms", $1, who, $7, $14 == "blocks" ? "bl" : "fr",
			      $8 / 1000 + 0.5)
	if (!(key in cat)) {
		cat[key] = ++n; label[n] = key; dline[n] = $8 / 1000
	}
	if ($12 == "open")
		next
	c = cat[key]; k = seen[c]++
	lat = $11 / 1000
	row[++r] = sprintf("%.3f %d %d", lat < 0.01 ? 0.01 : lat, c, k % 7)
	code[r] = $12 == "returned" ? 0 : $15 > 0 ? 3 : $12 == "partial" ? 1 : 2
}
END {
	# Row c is drawn at height n + 1 - c: the first category on top.
	for (i = 1; i <= r; i++) {
		split(row[i], f, " ")
		printf "%s %.4f %d\n", f[1], n + 1 - f[2] + (f[3] - 3) * 0.06, code[i]
	}
	printf "set ytics (" > ytics
	for (i = 1; i <= n; i++)
		printf "%s\"%s\" %d", (i > 1 ? ", " : ""), label[i], n + 1 - i > ytics
	printf ")\nset yrange [0.4:%f]\n", n + 0.6 > ytics
	for (i = 1; i <= n; i++)
		printf "%.3f %d\n", dline[i], n + 1 - i > dl
}' "$OUT/revoke.csv" >"$OUT/latency.dat"
ncat=$(grep -o '" [0-9]*' "$OUT/latency-ytics.gp" | wc -l)
gnuplot -e "term_png=\"$TERM_PNG\"; out='$OUT/latency.png'; data='$OUT/latency.dat'" \
	-e "deadlines='$OUT/latency-deadlines.dat'; ytics_file='$OUT/latency-ytics.gp'" \
	-e "height=$((160 + 26 * ncat)); heading='revoke-lab: revocation latency ($clock, ${SMP:-2} CPUs)'" \
	tools/revoke-lab-latency.gp

# A table: per category, how requests ended and their latency; "saved" is
# the mean number of frames the kernel wrote to a swap area per request.
awk -F, '
NR == 1 { next }
{
	role = $4; sub(/-.*/, "", role)
	key = $5 == "pressure" ? sprintf("%-9s kernel (pressure)     %5d ms", $1, $8 / 1000 + 0.5) \
			     : sprintf("%-9s %-9s %5d %s  %5d ms", $1, role, $7, \
				       $14 == "blocks" ? "bl" : "fr", $8 / 1000 + 0.5)
	if (!(key in n)) order[++k] = key
	n[key]++; o[key, $12]++; sv[key] += $15
	if ($12 != "open") { l = $11 / 1000; s[key] += l; if (!(key in mn) || l < mn[key]) mn[key] = l
		if (l > mx[key]) mx[key] = l; sl[key] += $13; q[key]++ }
}
END {
	printf "%-40s %4s %4s %4s %4s %9s %9s %9s %6s %6s\n", "scenario  target      size  deadline", \
		"reqs", "ret", "part", "repo", "min ms", "mean ms", "max ms", "slices", "saved"
	for (i = 1; i <= k; i++) {
		x = order[i]
		printf "%-40s %4d %4d %4d %4d %9.2f %9.2f %9.2f %6.1f %6.1f\n", x, n[x], \
			o[x, "returned"], o[x, "partial"], o[x, "repossessed"], mn[x], \
			q[x] ? s[x] / q[x] : 0, mx[x], q[x] ? sl[x] / q[x] : 0, sv[x] / n[x]
	}
}' "$OUT/revoke.csv" >"$OUT/summary.txt"
# What the workers found when they checked their data at the end.
for s in "${ok[@]}"; do
	sed -n "s/^revoke-lab: check /$s: /p" "$OUT/$s.log"
done >"$OUT/checks.txt"
cat "$OUT/summary.txt"
if [ -s "$OUT/checks.txt" ]; then
	echo "end-of-run checks (intact: data right; lost: taken without a copy; bad: wrong):"
	sed 's/^/  /' "$OUT/checks.txt"
fi
echo "results in $OUT: *-held.png, *-disk.png, latency.png, *.csv, summary.txt, checks.txt"
[ ${#ok[@]} = ${#scenarios[@]} ]
