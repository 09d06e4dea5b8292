# Frames held per environment over time, for one revoke-lab scenario
# (tools/revoke-lab.sh passes the variables below with -e).
#   term_png  terminal, e.g. "pngcairo enhanced font 'DejaVu Sans,10'"
#   out       the PNG to write
#   data      one block per env (separated by two blank lines): "t_ms frames",
#             then one more block: the free pool
#   marks     "t_ms frames outcome" where each revocation request ended,
#             outcome 0 returned, 1 partial, 2 repossessed
#   nmarks    how many lines marks has
#   names     the envs' names, in block order, separated by spaces
#   heading   the title
set terminal @term_png size 1200,650
set output out
set title heading noenhanced
set xlabel "time since the lab started (ms)"
set ylabel "frames owned (4 KiB each)"
set grid xtics ytics lc rgb "#dddddd"
set key outside right top noenhanced box
set yrange [0:*]
set y2range [0:*]
set format y "%.0f"
set y2label "free frames (dashed line)"
set y2tics
set ytics nomirror
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
if (nmarks > 0 && nmarks <= 200) {
	plot for [i = 1:n] data index (i - 1) using 1:2 with steps ls i title word(names, i), \
		data index n using 1:2 axes x1y2 with steps dt 2 lw 1.5 lc rgb "#888888" title "free (right axis)", \
		marks using ($3 == 0 ? $1 : NaN):2 with points pt 7 ps 1.0 lc rgb "#1a9641" \
			title "request ended: all returned", \
		marks using ($3 == 1 ? $1 : NaN):2 with points pt 9 ps 1.3 lc rgb "#fdae61" \
			title "request ended: partly repossessed", \
		marks using ($3 == 2 ? $1 : NaN):2 with points pt 2 ps 1.5 lw 2 lc rgb "#d7191c" \
			title "request ended: repossessed"
} else {
	plot for [i = 1:n] data index (i - 1) using 1:2 with steps ls i title word(names, i), \
		data index n using 1:2 axes x1y2 with steps dt 2 lw 1.5 lc rgb "#888888" title "free (right axis)"
}
