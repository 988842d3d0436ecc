#!/bin/sh
# terminal.sh: what a terminal user waits for (issue 12): one trawl-search process per top-10
# query on the file-tree index, with snippets and without, and in-process the snippet step of
# the top 10. bench/run.sh calls it; it also runs alone. Writes key=value lines to OUT for
# bench/report.py:
#   queries                 the drawn queries of class term and phrase that found a hit
#   true_ms, version_ms     a process of /bin/true and of trawl-search --version (loading alone):
#                           the floor of this machine, measured in the same rounds
#   process_ms, process_mean_ms
#                           trawl-search -i INDEX QUERY (top 10, snippets, path:line:column),
#                           per query the median of RUNS runs, then the median (mean) over queries
#   nosnip_ms, nosnip_mean_ms   the same with --no-snippets
#   snippet_us, snippet_mean_us in-process (bench/terminal snippets): for the top 10, the snippet
#                           and the line of its first match (what trawl-search prints), per query
#                           the minimum of REPS passes, then the median (mean) over queries
#   inflate_us, inflate_mean_us the part of it that inflates the hits' stored text
#   run_us, run_mean_us     trawl_search_run and reading the top 10, no snippets
#   mb_* and memory_*       the same for the queries "memory barrier" and memory (the issue's),
#                           medians of FIXED_RUNS processes
# Usage: sh bench/terminal.sh BUILD_DIR INDEX_DIR QUERIES_JSONL OUT
#        (REPS default 5, RUNS default 5, FIXED_RUNS default 100)
set -eu
B=${1:?usage: bench/terminal.sh BUILD_DIR INDEX_DIR QUERIES_JSONL OUT}
IDX=$2
QJ=$3
OUT=$4
REPS=${REPS:-5}
RUNS=${RUNS:-5}
FIXED_RUNS=${FIXED_RUNS:-100}
PY=${PYTHON:-python3}
TM=$B/bench/terminal
S=$B/trawl-search
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-terminal-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

$PY -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["tags"][0] in ("term", "phrase"):
        print(r["query"])' "$QJ" >"$T/q.txt"

# In process: the snippet step, per query.
$TM snippets --index "$IDX" --queries "$T/q.txt" --reps "$REPS" --out "$T/snip.csv" >"$T/snip.kv"
printf '"memory barrier"\nmemory\n' >"$T/fixed.txt"
$TM snippets --index "$IDX" --queries "$T/fixed.txt" --reps "$((REPS * 4))" --out "$T/fixed.csv" \
    >/dev/null

# One process per query, with and without snippets in turn; the queries that found nothing in
# process are left out (an exit status of 1 prints nothing to wait for).
$PY -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(r["query"])' "$T/snip.csv" >"$T/q-hit.txt"
: >"$T/proc.txt"
while IFS= read -r q; do
    $TM spawn --runs "$RUNS" ::: "$S" -i "$IDX" -- "$q" ::: "$S" -i "$IDX" --no-snippets -- "$q" |
        awk '{ printf "%s ", $2 } END { print "" }' >>"$T/proc.txt"
done <"$T/q-hit.txt"
$TM spawn --runs "$FIXED_RUNS" ::: /bin/true ::: "$S" --version \
    ::: "$S" -i "$IDX" -- '"memory barrier"' ::: "$S" -i "$IDX" --no-snippets -- '"memory barrier"' \
    ::: "$S" -i "$IDX" -- memory ::: "$S" -i "$IDX" --no-snippets -- memory >"$T/fixed-proc.txt"

$PY - "$T" >"$T/kv" <<'EOF'
import csv, statistics, sys
t = sys.argv[1]
kv = dict(l.strip().split('=', 1) for l in open(t + '/snip.kv') if '=' in l)
rows = [l.split() for l in open(t + '/proc.txt') if l.strip()]
snip = [float(r[0]) / 1e3 for r in rows]
nosnip = [float(r[1]) / 1e3 for r in rows]
fixed = {int(k): float(m) / 1e3 for k, m, _ in (l.split() for l in open(t + '/fixed-proc.txt'))}
frows = {r['query']: r for r in csv.DictReader(open(t + '/fixed.csv'))}
print('queries=%d' % len(rows))
print('true_ms=%.3f' % fixed[1])
print('version_ms=%.3f' % fixed[2])
print('process_ms=%.3f' % statistics.median(snip))
print('process_mean_ms=%.3f' % statistics.mean(snip))
print('nosnip_ms=%.3f' % statistics.median(nosnip))
print('nosnip_mean_ms=%.3f' % statistics.mean(nosnip))
for k in ('snippet', 'inflate', 'run'):
    print('%s_us=%s' % (k, kv[k + '_p50_us']))
    print('%s_mean_us=%s' % (k, kv[k + '_mean_us']))
for name, q, i in (('mb', '"memory barrier"', 3), ('memory', 'memory', 5)):
    print('%s_process_ms=%.3f' % (name, fixed[i]))
    print('%s_nosnip_ms=%.3f' % (name, fixed[i + 1]))
    print('%s_snippet_us=%s' % (name, frows[q]['snippet_us']))
    print('%s_inflate_us=%s' % (name, frows[q]['inflate_us']))
EOF
cp "$T/kv" "$OUT"
cat "$OUT" >&2
