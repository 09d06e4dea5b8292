#!/bin/sh
# Turn the serial logs of a `make bench` run into the table: printed, and
# written as results.csv, results.md and PNG bar charts (gnuplot).
#
# usage: tools/bench-report.sh DIR
#   reads DIR/exo.log, DIR/exo-vm.log and DIR/exo-unix.log (our three boots:
#   stand-alone, stand-alone with only the Linux guest's rows, and under
#   unixd; all fill the "ours" column, each row coming from one of them)
#   and DIR/linux.log and DIR/linux-guest.log (Linux's boot, and the Linux
#   guest of the vm_guest rows booted directly: the "Linux" column; BENCH
#   lines, bench/bench.h),
#   DIR/run.info (machine and QEMU settings, optional) and bench/rows.txt
#   (row order and labels).
#
# Time figures are shown in microseconds (ms when a row reaches 10 ms),
# converted from TSC cycles with one rate per side: ours the stand-alone
# boot's, for rows from all our boots (each boot's kernel calibrates on its
# own, and one was seen 23 % off on a loaded host; a rate more than 2 %
# off the stand-alone one is reported), Linux's its own boot's.
# When our side has no TSC rate (BENCH-CLOCK tsc 0) its cycles are
# converted with the rate Linux calibrated in the same run, marked '*':
# under QEMU TCG both guests read the host's TSC. The ratio is ours/Linux,
# from TSC cycles where both sides have them (so no calibration enters it):
# below 1, ours is faster (or smaller).
set -eu
cd "$(dirname "$0")/.."
D=$1
parsed="$D/parsed.txt"
: >"$parsed"
# Each line gets its source: exo (stand-alone), exov (the Linux guest's
# boot), exou (UNIX boot), linux, linuxg (the Linux guest, direct).
for s in exo exo-vm exo-unix linux linux-guest; do
	[ -f "$D/$s.log" ] || continue
	tag=$s
	[ "$s" = exo-unix ] && tag=exou
	[ "$s" = exo-vm ] && tag=exov
	[ "$s" = linux-guest ] && tag=linuxg
	tr -d '\r' <"$D/$s.log" | grep -a '^BENCH' | sed "s/^/$tag /" >>"$parsed" || true
done
info="$D/run.info"
[ -f "$info" ] || : >"$info"
# Why a run stopped early, if the console says.
died() { # LOG PATTERN
	if [ -f "$1" ]; then
		tr -d '\r' <"$1" | grep -a -m 1 -E "$2" | cut -c 1-100 || true
	fi
}
# The measuring env's id (BENCH-INFO env ID): its forks have its name too.
exo_id=
if [ -f "$D/exo.log" ]; then
	exo_id=$(tr -d '\r' <"$D/exo.log" | sed -n 's/^BENCH-INFO env \([0-9]*\)$/\1/p' | head -n 1)
fi
died_exo=$(died "$D/exo.log" "env ${exo_id:-[0-9]+} \(bench\)( killed|: unhandled)|exo: panic")
died_linux=$(died "$D/linux.log" 'Segmentation fault|Illegal instruction|Kernel panic|Killed')
died_exou=$(died "$D/exo-unix.log" 'exo: panic|unixd: .*(powering off|cannot)|killed|unhandled')

notrun_exo=$(cat "$D/exo.notrun" 2>/dev/null || true)
notrun_exou=$(cat "$D/exo-unix.notrun" 2>/dev/null || true)
notrun_exov=$(cat "$D/exo-vm.notrun" 2>/dev/null || true)
notrun_linux=$(cat "$D/linux.notrun" 2>/dev/null || true)
notrun_linuxg=$(cat "$D/linux-guest.notrun" 2>/dev/null || true)

awk -v D="$D" -v INFO="$info" -v died_exo="$died_exo" -v died_linux="$died_linux" \
	-v died_exou="$died_exou" -v notrun_exou="$notrun_exou" -v notrun_exov="$notrun_exov" \
	-v notrun_exo="$notrun_exo" -v notrun_linux="$notrun_linux" -v notrun_linuxg="$notrun_linuxg" '
function fmt(x) {
	if (x == "") return "-"
	if (x >= 100) return sprintf("%.0f", x)
	if (x >= 10) return sprintf("%.1f", x)
	if (x >= 1) return sprintf("%.2f", x)
	return sprintf("%.3f", x)
}
function has(k) { return (k in v) }
# get SIDE ID: fill m_med m_min m_max m_cyc m_reps m_unit m_star m_note for one side
function get(side, id,   hzl) {
	m_med = m_min = m_max = m_cyc = m_reps = m_unit = m_star = m_note = ""
	if (id == "") return
	# Cycles first: one rate per side (above); the us line of a boot only
	# when there are no cycles.
	if (has(side SUBSEP id SUBSEP "us") && !has(side SUBSEP id SUBSEP "cycles")) {
		m_unit = "us"
		split(v[side, id, "us"], a, " ")
		m_med = a[1]; m_min = a[2]; m_max = a[3]; m_reps = a[4]
	} else if (has(side SUBSEP id SUBSEP "cycles")) {
		m_unit = "us"
		split(v[side, id, "cycles"], a, " ")
		hzl = (hz[side] > 0) ? hz[side] : hz["linux"]
		if (hzl > 0) {
			m_med = a[1] * 1e6 / hzl; m_min = a[2] * 1e6 / hzl; m_max = a[3] * 1e6 / hzl
			if (hz[side] == 0) m_star = "*"
		} else {
			m_unit = "cycles"; m_med = a[1]; m_min = a[2]; m_max = a[3]
		}
		m_reps = a[4]
	}
	if (has(side SUBSEP id SUBSEP "cycles")) {
		split(v[side, id, "cycles"], a, " "); m_cyc = a[1]
	}
	if (m_unit == "" && ((side, id) in other)) {
		split(other[side, id], a, " ")
		m_unit = a[1]; m_med = a[2]; m_min = a[3]; m_max = a[4]; m_reps = a[5]
	}
	if (m_unit == "" && side == "exo" && id ~ /^vm_(linux|guest)/ && !((side, id) in skip)) {
		# Ours: the Linux guest rows come from their own boot (exo-vm).
		if (notrun_exov != "") m_note = "not run: " notrun_exov
		else if (!ended["exov"]) m_note = "not reported: the Linux guest'"'"'s run stopped before it"
		return
	}
	if (m_unit == "" && side == "linux" && id ~ /^guest_/ && !((side, id) in skip)) {
		# Linux: the in-guest rows come from the guest booted directly.
		if (notrun_linuxg != "") m_note = "not run: " notrun_linuxg
		else if (!ended["linuxg"]) m_note = "not reported: the direct boot of the Linux guest stopped before it"
		return
	}
	if (m_unit == "") {
		nr = (side == "exo") ? notrun_exo : notrun_linux
		if ((side, id) in skip) m_note = skip[side, id]
		else if (nr != "") m_note = "not run: " nr
		else if (!ended[side]) {
			m_note = "not reported: the " (side == "exo" ? "stand-alone " : "") \
				"run stopped before it"
			d = (side == "exo") ? died_exo : died_linux
			if (d != "") m_note = m_note " (" d ")"
		}
		# Ours: a row the stand-alone boot did not print comes from the UNIX boot.
		else if (side == "exo" && notrun_exou != "") m_note = "not run: " notrun_exou
		else if (side == "exo" && !ended["exou"]) {
			m_note = "not reported: the UNIX run stopped before it"
			if (died_exou != "") m_note = m_note " (" died_exou ")"
		}
		else m_note = "not reported"
	}
}
FILENAME == INFO { infos[++ninfo] = $0; next }
FILENAME ~ /rows.txt$/ {
	if ($0 ~ /^#/ || $0 == "") next
	split($0, f, "|")
	nrow++; rid[nrow] = f[1]; oid[nrow] = f[2]; lid[nrow] = f[3]; label[nrow] = f[4]
	bytes[nrow] = (f[5] == "") ? 0 : f[5] + 0
	known["exo", f[2]] = 1; known["linux", f[3]] = 1
	next
}
{
	src = $1; tag = $2
	side = (src == "exou" || src == "exov") ? "exo" : (src == "linuxg") ? "linux" : src
	if (tag == "BENCH-CLOCK") {
		hzsrc[src] = $4 + 0
		# Our boots calibrate alike; the stand-alone one names the clock.
		if (!(side in clk) || src == side) {
			hz[side] = $4 + 0
			s = $0; sub(/^[a-z]+ BENCH-CLOCK /, "", s); clk[side] = s
		}
	} else if (tag == "BENCH-INFO") {
		s = $0; sub(/^[a-z]+ BENCH-INFO [^ ]+ /, "", s); inf[side, $3] = s
	} else if (tag == "BENCH-SKIP") {
		s = $0; sub(/^[a-z]+ BENCH-SKIP [^ ]+ /, "", s); skip[side, $3] = s
		seen[side, $3] = 1; order[++nseen] = side SUBSEP $3
	} else if (tag == "BENCH-END") {
		ended[src] = 1
	} else if (tag == "BENCH" && NF >= 9) {
		id = $3; unit = $4
		if (unit == "cycles" || unit == "us")
			v[side, id, unit] = $5 " " $6 " " $7 " " $8
		else
			other[side, id] = unit " " $5 " " $6 " " $7 " " $8
		if (!((side, id) in seen)) { seen[side, id] = 1; order[++nseen] = side SUBSEP id }
	}
}
END {
	# Ids a side printed that no row names: extra rows at the end.
	for (i = 1; i <= nseen; i++) {
		split(order[i], p, SUBSEP)
		if (!((p[1], p[2]) in known)) {
			nrow++; rid[nrow] = p[2]; label[nrow] = p[2]
			oid[nrow] = (p[1] == "exo") ? p[2] : ""; lid[nrow] = (p[1] == "linux") ? p[2] : ""
			known[p[1], p[2]] = 1
		}
	}
	csv = D "/results.csv"; md = D "/results.md"; dat = D "/chart.dat"
	print "row,benchmark,unit,ours_median,ours_min,ours_max,ours_reps,ours_median_cycles," \
		"linux_median,linux_min,linux_max,linux_reps,linux_median_cycles,ratio_ours_linux," \
		"ours_note,linux_note,ours_mib_s,linux_mib_s,ours_iops,linux_iops" > csv
	printf "" > dat

	hzwarn = ""
	if (hz["exo"] > 0 && hz["linux"] > 0 && (hz["exo"] / hz["linux"] > 1.02 || hz["linux"] / hz["exo"] > 1.02))
		hzwarn = sprintf("warning: the two TSC rates differ (ours %.0f MHz, Linux %.0f MHz) although both guests read the host TSC: one calibration is off, so compare cycles (the ratio uses cycles)", hz["exo"] / 1e6, hz["linux"] / 1e6)
	split("exov exou", ob, " ")
	for (i = 1; i <= 2; i++) {
		h = hzsrc[ob[i]]
		if (hz["exo"] > 0 && h > 0 && (h / hz["exo"] > 1.02 || hz["exo"] / h > 1.02))
			hzwarn = hzwarn (hzwarn == "" ? "" : "; ") sprintf("warning: our %s boot'"'"'s kernel calibrated the TSC at %.0f MHz, the stand-alone boot'"'"'s at %.0f MHz: its rows are converted with the stand-alone rate (its own BENCH us and BENCH-INFO ms figures are off by %.0f %%)", \
				(ob[i] == "exov") ? "Linux guest" : "UNIX", h / 1e6, hz["exo"] / 1e6, (hz["exo"] / h - 1) * 100)
	}
	print "# make bench: ours vs Linux in the same QEMU" > md
	print "" > md
	for (i = 1; i <= ninfo; i++) print "- " infos[i] > md
	print "- clock, ours: " (("exo" in clk) ? clk["exo"] : "(no output)") > md
	print "- clock, Linux: " (("linux" in clk) ? clk["linux"] : "(no output)") > md
	if (("exo", "cpu") in inf) print "- guest CPU: " inf["exo", "cpu"] > md
	if (("linux", "system") in inf) print "- Linux: " inf["linux", "system"] > md
	if (hzwarn != "") print "- " hzwarn > md
	print "" > md
	print "| benchmark | unit | ours median | Linux median | ours min-max | Linux min-max | ours/Linux | ours cycles | Linux cycles | batches | notes |" > md
	print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|" > md

	printf "clock, ours:  %s\n", (("exo" in clk) ? clk["exo"] : "(no output)")
	printf "clock, Linux: %s\n", (("linux" in clk) ? clk["linux"] : "(no output)")
	if (hzwarn != "") print hzwarn
	print ""
	hdr = sprintf("%-46s %-4s %10s %10s %17s %17s %7s  %s", "benchmark", "unit", "ours", "Linux", \
		"ours min-max", "Linux min-max", "ratio", "notes")
	print hdr
	gsub(/./, "-", hdr); print hdr
	star = 0
	for (r = 1; r <= nrow; r++) {
		get("exo", oid[r])
		o_med = m_med; o_min = m_min; o_max = m_max; o_cyc = m_cyc; o_reps = m_reps
		o_unit = m_unit; o_star = m_star; o_note = m_note
		get("linux", lid[r])
		l_med = m_med; l_min = m_min; l_max = m_max; l_cyc = m_cyc; l_reps = m_reps
		l_unit = m_unit; l_note = m_note
		unit = (o_unit != "") ? o_unit : l_unit
		if (unit == "") unit = "us"
		# The ratio from cycles where both have them: under TCG both read
		# the same host TSC, so no calibration enters it.
		ratio = ""
		if (o_cyc != "" && l_cyc != "" && l_cyc > 0) ratio = o_cyc / l_cyc
		else if (o_med != "" && l_med != "" && l_med > 0 && o_unit == l_unit) ratio = o_med / l_med
		# Display unit: ms for long times.
		k = 1; du = unit
		if (unit == "us" && ((o_med != "" && o_med >= 10000) || (l_med != "" && l_med >= 10000))) {
			k = 1000; du = "ms"
		}
		so = (o_med == "") ? "n/a" : fmt(o_med / k) o_star
		sl = (l_med == "") ? "n/a" : fmt(l_med / k)
		spo = (o_med == "" || o_reps <= 1) ? "-" : fmt(o_min / k) "-" fmt(o_max / k)
		spl = (l_med == "" || l_reps <= 1) ? "-" : fmt(l_min / k) "-" fmt(l_max / k)
		sr = (ratio == "") ? "-" : (ratio < 0.1 ? sprintf("%.3f", ratio) : sprintf("%.2f", ratio))
		note = ""
		if (o_note != "") note = "ours: " o_note
		if (l_note != "") note = note (note == "" ? "" : "; ") "Linux: " l_note
		if (o_star != "") star = 1
		printf "%-46s %-4s %10s %10s %17s %17s %7s  %s\n", label[r], du, so, sl, spo, spl, sr, note
		mdu = (du == "us") ? "µs" : du
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s | %s |\n", label[r], mdu, so, \
			sl, spo, spl, sr, (o_cyc == "" ? "-" : o_cyc), (l_cyc == "" ? "-" : l_cyc), \
			(o_reps == "" ? "-" : o_reps), (l_reps == "" ? "-" : l_reps), note > md
		q = label[r]; gsub(/"/, "\"\"", q)
		qo = o_note; gsub(/"/, "\"\"", qo); ql = l_note; gsub(/"/, "\"\"", ql)
		# Throughput rows (rows.txt gives the bytes one iteration moves).
		o_mib = l_mib = o_iops = l_iops = ""
		if (bytes[r] > 0 && unit == "us") {
			if (o_med != "" && o_med > 0) { o_mib = bytes[r] / o_med * 1e6 / 1048576; o_iops = 1e6 / o_med }
			if (l_med != "" && l_med > 0) { l_mib = bytes[r] / l_med * 1e6 / 1048576; l_iops = 1e6 / l_med }
			if (bytes[r] >= 1048576) o_iops = l_iops = ""
			nthru++; tlabel[nthru] = label[r]; tom[nthru] = o_mib; tlm[nthru] = l_mib
			toi[nthru] = o_iops; tli[nthru] = l_iops
			# ours/Linux throughput: the inverse of the time ratio (cycles)
			tr[nthru] = (ratio != "" && ratio > 0) ? 1 / ratio : \
				((o_mib != "" && l_mib != "" && l_mib > 0) ? o_mib / l_mib : "")
		}
		printf "%s,\"%s\",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,\"%s\",\"%s\",%s,%s,%s,%s\n", rid[r], q, unit, \
			o_med, o_min, o_max, o_reps, o_cyc, l_med, l_min, l_max, l_reps, l_cyc, \
			(ratio == "" ? "" : sprintf("%.4f", ratio)), qo, ql, \
			(o_mib == "" ? "" : sprintf("%.2f", o_mib)), (l_mib == "" ? "" : sprintf("%.2f", l_mib)), \
			(o_iops == "" ? "" : sprintf("%.0f", o_iops)), (l_iops == "" ? "" : sprintf("%.0f", l_iops)) > csv
		if (ratio != "")
			printf "%s\t%s\t%s\t%s\t%s\n", rid[r], o_med, l_med, ratio, unit >> dat
	}
	print ""
	print "ratio = ours / Linux, from TSC cycles where both have them (below 1: ours is faster or smaller). min-max: smallest and largest batch mean."
	if (star) print "* our cycles converted with the TSC rate Linux calibrated in the same run (our kernel publishes none yet; under QEMU TCG both read the host TSC)."
	print "" > md
	print "ratio = ours / Linux, from TSC cycles where both have them (below 1: ours is faster or smaller). min-max: the smallest and largest batch mean; medians are of batch means; batches: measured batches, ours/Linux." > md
	if (star) print "\\* our cycles converted to µs with the TSC rate Linux calibrated in the same run (our kernel publishes none yet; under QEMU TCG both guests read the host TSC)." > md
	if (nthru > 0) {
		print ""
		printf "%-46s %10s %10s %10s %10s %10s\n", "throughput (from the medians above)", "ours MiB/s", \
			"Linux MiB/s", "ours IOPS", "Linux IOPS", "ours/Linux"
		print "" > md
		print "| throughput (from the medians above) | ours MiB/s | Linux MiB/s | ours IOPS | Linux IOPS | ours/Linux throughput |" > md
		print "|---|---:|---:|---:|---:|---:|" > md
		for (i = 1; i <= nthru; i++) {
			x1 = (tom[i] == "") ? "n/a" : fmt(tom[i]); x2 = (tlm[i] == "") ? "n/a" : fmt(tlm[i])
			x3 = (toi[i] == "") ? "-" : sprintf("%.0f", toi[i]); x4 = (tli[i] == "") ? "-" : sprintf("%.0f", tli[i])
			x5 = (tr[i] == "") ? "-" : sprintf("%.2f", tr[i])
			printf "%-46s %10s %10s %10s %10s %10s\n", tlabel[i], x1, x2, x3, x4, x5
			printf "| %s | %s | %s | %s | %s | %s |\n", tlabel[i], x1, x2, x3, x4, x5 > md
		}
		print "throughput = bytes per iteration / median time; IOPS for rows whose iteration is one request; ours/Linux above 1: ours moves more."
		print "" > md
		print "throughput = bytes per iteration (bench/rows.txt) / median time per iteration; IOPS only for rows whose iteration is one request; ours/Linux throughput above 1: ours moves more per second (the inverse of the time ratio)." > md
	}
}
' "$info" bench/rows.txt "$parsed"

# Charts: ratio per row, and time per row for both systems (log scales).
if command -v gnuplot >/dev/null 2>&1 && [ -s "$D/chart.dat" ]; then
	term="pngcairo size 1200,650 font ',10'"
	echo 'set terminal pngcairo' | gnuplot >/dev/null 2>&1 || term="png size 1200,650"
	awk -F'\t' '$5 == "us"' "$D/chart.dat" >"$D/chart-times.dat"
	gnuplot <<EOF || echo "bench-report: gnuplot failed; no charts" >&2
set terminal $term
set datafile separator "\t"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set xtics rotate by -30 noenhanced
set key top left

set output "$D/ratios.png"
set title "ours / Linux, same QEMU (log scale; below 1: ours faster or smaller)"
set logscale y
set ylabel "ratio"
plot "$D/chart.dat" using 4:xtic(1) title "ours / Linux" lc rgb "#3b6ea8", 1 with lines lc rgb "black" dt 2 title "parity"

set output "$D/times.png"
set title "time per operation (microseconds, log scale)"
set ylabel "µs"
plot "$D/chart-times.dat" using 2:xtic(1) title "ours" lc rgb "#3b6ea8", "" using 3 title "Linux" lc rgb "#c8553d"
EOF
	echo "charts: $D/ratios.png $D/times.png"
fi
echo "results: $D/results.csv $D/results.md"
