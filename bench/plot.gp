# plot.gp: bar chart of the p50 latency per query class and mode, trawl vs SQLite FTS5 vs
# Xapian vs Lucene, log scale. Data from bench/report.py (columns: label, trawl µs, FTS5 µs,
# Xapian µs, Lucene µs).
# Usage: gnuplot -e "datafile='p50.dat'; outfile='latency.png'" bench/plot.gp
set terminal pngcairo size 1400,660 font "DejaVu Sans,11" noenhanced
set output outfile
set title "p50 query latency, Linux kernel docs, queries drawn from the corpus (lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set ylabel "microseconds (log scale)"
set grid ytics mytics
set key top left
set bmargin 4
set xtics font ",9" nomirror
set yrange [*:*]
plot datafile using 2:xtic(1) title "trawl" lc rgb "#1f77b4", \
     '' using 3 title "SQLite FTS5" lc rgb "#ff7f0e", \
     '' using 4 title "Xapian" lc rgb "#2ca02c", \
     '' using 5 title "Lucene" lc rgb "#d62728"
