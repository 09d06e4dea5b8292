# One count per environment over time, for one revoke-lab scenario: the
# frames each env owns (SCENARIO-held.png) or the disk blocks each env's
# owner holds (SCENARIO-disk.png). tools/revoke-lab.sh passes the variables
# below with -e.
#   term_png  terminal, e.g. "pngcairo enhanced font 'DejaVu Sans,10'"
#   out       the PNG to write
#   data      one block per env (separated by two blank lines): "t_ms count",
#             then, if with_free, one more block: the free pool of frames
#   marks     "t_ms count outcome" where each revocation request ended,
#             outcome 0 returned, 1 partial, 2 repossessed, 3 repossessed
#             with pages saved to a swap area first
#   nmarks    how many lines marks has
#   names     the envs' names, in block order, separated by spaces
#   ylab      the left axis's label
#   with_free 1: the last block is the free pool, drawn on the right axis
#   heading   the title
set terminal @term_png size 1200,650
set output out
set title heading noenhanced
set xlabel "time since the lab started (ms)"
set ylabel ylab noenhanced
set grid xtics ytics lc rgb "#dddddd"
set key outside right top noenhanced box
set yrange [0:*]
set format y "%.0f"
if (with_free) {
	set y2range [0:*]
	set y2label "free frames (dashed line)"
	set y2tics
	set ytics nomirror
}
set offsets 0, 0, graph 0.05, 0
n = words(names)
lwv = n > 4 ? 1.2 : 2 # thinner lines when many envs cross each other
set style line 1 lc rgb "#1b9e77" lw lwv
set style line 2 lc rgb "#d95f02" lw lwv
set style line 3 lc rgb "#7570b3" lw lwv
set style line 4 lc rgb "#e7298a" lw lwv
set style line 5 lc rgb "#66a61e" lw lwv
set style line 6 lc rgb "#e6ab02" lw lwv
set style line 7 lc rgb "#a6761d" lw lwv
set style line 8 lc rgb "#666666" lw lwv
# Many requests (memory pressure) would bury the lines under marks.
show_marks = nmarks > 0 && nmarks <= 200
if (show_marks && with_free) {
	plot for [i = 1:n] data index (i - 1) using 1:2 with steps ls i title word(names, i), \
		data index n using 1:2 axes x1y2 with steps dt 2 lw 1.5 lc rgb "#888888" title "free (right axis)", \
		marks using ($3 == 0 ? $1 : NaN):2 with points pt 7 ps 1.0 lc rgb "#1a9641" \
			title "request ended: all returned", \
		marks using ($3 == 1 ? $1 : NaN):2 with points pt 9 ps 1.3 lc rgb "#fdae61" \
			title "request ended: partly repossessed", \
		marks using ($3 == 2 ? $1 : NaN):2 with points pt 2 ps 1.5 lw 2 lc rgb "#d7191c" \
			title "request ended: repossessed", \
		marks using ($3 == 3 ? $1 : NaN):2 with points pt 6 ps 1.5 lw 2 lc rgb "#7b3294" \
			title "request ended: repossessed, saved to swap"
} else {
	if (show_marks) {
		plot for [i = 1:n] data index (i - 1) using 1:2 with steps ls i title word(names, i), \
			marks using ($3 == 0 ? $1 : NaN):2 with points pt 7 ps 1.0 lc rgb "#1a9641" \
				title "request ended: all returned", \
			marks using ($3 == 1 ? $1 : NaN):2 with points pt 9 ps 1.3 lc rgb "#fdae61" \
				title "request ended: partly repossessed", \
			marks using ($3 == 2 ? $1 : NaN):2 with points pt 2 ps 1.5 lw 2 lc rgb "#d7191c" \
				title "request ended: repossessed", \
			marks using ($3 == 3 ? $1 : NaN):2 with points pt 6 ps 1.5 lw 2 lc rgb "#7b3294" \
				title "request ended: repossessed, saved to swap"
	} else {
		if (with_free) {
			plot for [i = 1:n] data index (i - 1) using 1:2 with steps ls i title word(names, i), \
				data index n using 1:2 axes x1y2 with steps dt 2 lw 1.5 lc rgb "#888888" \
					title "free (right axis)"
		} else {
			plot for [i = 1:n] data index (i - 1) using 1:2 with steps ls i title word(names, i)
		}
	}
}
