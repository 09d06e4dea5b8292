# Revocation latency, one row per category (scenario, target, resource, size,
# deadline), log time axis (tools/revoke-lab.sh passes the variables below).
#   term_png   terminal; out: the PNG; height: its height in pixels
#   data       "latency_ms y outcome" (outcome 0 returned, 1 partial, 2 repossessed,
#              3 repossessed with pages saved to a swap area first)
#   deadlines  "deadline_ms y" for each category
#   ytics_file gnuplot commands naming the rows (set ytics, set yrange)
#   heading    the title
set terminal @term_png size 1200,height
set output out
set title heading noenhanced
load ytics_file
set ytics noenhanced nomirror
set logscale x 10
set xrange [0.05:5000]
set format x "%g"
set xlabel "latency from the request to the last frame (or block) returned, or to the repossession (ms, log scale)"
set grid xtics mxtics ytics lc rgb "#dddddd"
set key below horizontal noenhanced box
set bmargin 8
set lmargin 40
plot deadlines using 1:2 with points pt "|" ps 2 lc rgb "#000000" title "deadline asked", \
	data using ($3 == 0 ? $1 : NaN):2 with points pt 7 ps 0.9 lc rgb "#1a9641" title "all returned", \
	data using ($3 == 1 ? $1 : NaN):2 with points pt 9 ps 1.1 lc rgb "#fdae61" title "partly repossessed", \
	data using ($3 == 2 ? $1 : NaN):2 with points pt 2 ps 1.1 lw 2 lc rgb "#d7191c" title "repossessed", \
	data using ($3 == 3 ? $1 : NaN):2 with points pt 6 ps 1.1 lw 2 lc rgb "#7b3294" title "repossessed, saved to swap"
