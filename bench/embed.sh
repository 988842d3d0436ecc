#!/bin/sh
# embed.sh: what embedding costs per query, on the benchmark's index and queries (bench/run.sh
# calls it; it also runs alone). Writes key=value lines to OUT for bench/report.py:
#   c_mean_us            in-process latency: trawl_search_run + reading 10 hits, no snippets,
#                        as trawl-search --queries --timing measures it (per query the minimum of
#                        REPS passes, then the mean)
#   batch_wall_us        wall time of a whole batch pass (read, search, print JSON) per query
#   batch_overhead_us    batch_wall_us - the pass's own mean latency: what the batch mode adds
#   process_ms           one trawl-search process per query (the first 200 queries), per query
#   py_mean_us           the Python binding's Index.search(q, limit=10, snippets=False), per
#                        query the minimum of REPS passes, then the mean
#   py_overhead_us       py_mean_us - c_mean_us
# Usage: sh bench/embed.sh BUILD_DIR INDEX_DIR QUERIES_JSONL OUT    (REPS, default 5)
set -eu
B=${1:?usage: bench/embed.sh BUILD_DIR INDEX_DIR QUERIES_JSONL OUT}
IDX=$2
QJ=$3
OUT=$4
REPS=${REPS:-5}
PY=${PYTHON:-python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-embed-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

$PY -c 'import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["query"])' "$QJ" >"$T/q.txt"
N=$(wc -l <"$T/q.txt")

# Batch: REPS passes of the whole file, each after one warm-up pass, like the latency bench.
for r in $(seq "$REPS"); do
    "$B/trawl-search" -i "$IDX" --queries "$T/q.txt" --timing --warmup 1 --or --no-snippets \
        -n 10 >"$T/batch-$r.jsonl" || true
done

# One process per query, as scripts did before the batch mode.
head -200 "$T/q.txt" >"$T/q200.txt"
t0=$(date +%s%N)
while IFS= read -r q; do
    "$B/trawl-search" -i "$IDX" --or --no-snippets --json -n 10 -- "$q" >/dev/null 2>&1 || true
done <"$T/q200.txt"
t1=$(date +%s%N)
echo "process_ms=$(awk -v a="$t0" -v b="$t1" -v n="$(wc -l <"$T/q200.txt")" 'BEGIN { printf "%.3f", (b - a) / 1e6 / n }')" >"$T/kv"

TRAWL_LIB=$B/libtrawl.so.1 PYTHONPATH=bindings/python $PY - "$IDX" "$T/q.txt" "$REPS" \
    "$T"/batch-*.jsonl >>"$T/kv" <<'EOF'
import json, sys, time
import trawl

idx_path, qfile, reps, batch_files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
queries = [l.rstrip('\n') for l in open(qfile) if l.strip()]

# C: per query line the minimum "us" over the batch passes; the passes' wall and mean.
c_min, walls, overheads = {}, [], []
for f in batch_files:
    recs = [json.loads(l) for l in open(f)]
    summary = recs[-1]
    for r in recs[:-1]:
        if 'us' in r:
            c_min[r['line']] = min(r['us'], c_min.get(r['line'], float('inf')))
    wall = summary['wall_s'] * 1e6 / summary['queries']
    walls.append(wall)
    overheads.append(wall - summary['mean_us'])

# Python: same queries, same options; one warm-up pass, then reps timed passes.
idx = trawl.Index(idx_path)
py_min = {}
for rep in range(reps + 1):
    for i, q in enumerate(queries):
        t0 = time.perf_counter_ns()
        try:
            idx.search(q, limit=10, default_or=True, snippets=False)
        except trawl.Error:
            continue
        t = (time.perf_counter_ns() - t0) / 1e3
        if rep:
            py_min[i] = min(t, py_min.get(i, float('inf')))

lines = sorted(c_min)  # 1-based lines of the queries that succeeded in C
both = [(c_min[l], py_min[l - 1]) for l in lines if l - 1 in py_min]
c_mean = sum(c for c, _ in both) / len(both)
py_mean = sum(p for _, p in both) / len(both)
print('queries=%d' % len(both))
print('c_mean_us=%.3f' % c_mean)
print('batch_wall_us=%.3f' % min(walls))
print('batch_overhead_us=%.3f' % min(overheads))
print('py_mean_us=%.3f' % py_mean)
print('py_overhead_us=%.3f' % (py_mean - c_mean))
EOF
echo "n=$N" >>"$T/kv"
cp "$T/kv" "$OUT"
cat "$OUT" >&2
